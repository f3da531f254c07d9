//! Families: one component holding several plugins, such as Kafka's `$Key` and
//! `$Value` forms of a transform (WIT `interface family`). One compiled component
//! and one generic implementation serve several names.
//!
//! [`crate::export_family!`] lists the members; the host lists them at discovery and
//! `select`s one member per instance before anything else, so `describe`, `validate`
//! and `open` dispatch to the selected member. Members are reached through small
//! object-safe traits ([`DynTransform`], [`DynPredicate`]): one virtual call per batch.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::bindings::family_part::exports::ferry::connect::family as wit_family;
use crate::bindings::plugin_part::exports::ferry::connect::plugin as wit_plugin;
use crate::bindings::predicate_part::exports::ferry::connect::predicate as wit_predicate;
use crate::bindings::transform_part::exports::ferry::connect::transform as wit_transform;
use crate::bindings::types as wit;
use crate::codec;
use crate::config::Config;
use crate::data::ConnectRecord;
use crate::describe::{ConfigProblem, PluginDescriptor};
use crate::error::PluginError;
use crate::export::{Instance, WitResult};
use crate::plugin::{Predicate, Transform};

/// A transform behind a pointer: what a family's transform instances are.
pub trait DynTransform {
    fn apply(&mut self, records: Vec<ConnectRecord>) -> Result<Vec<ConnectRecord>, PluginError>;
}

impl<T: Transform> DynTransform for T {
    fn apply(&mut self, records: Vec<ConnectRecord>) -> Result<Vec<ConnectRecord>, PluginError> {
        Transform::apply(self, records)
    }
}

/// A predicate behind a pointer: what a family's predicate instances are.
pub trait DynPredicate {
    fn test(&mut self, record: &ConnectRecord) -> bool;
}

impl<P: Predicate> DynPredicate for P {
    fn test(&mut self, record: &ConnectRecord) -> bool {
        Predicate::test(self, record)
    }
}

/// How a member opens an instance.
pub enum Opener {
    Transform(fn(Config) -> Result<Box<dyn DynTransform>, PluginError>),
    Predicate(fn(Config) -> Result<Box<dyn DynPredicate>, PluginError>),
}

/// One plugin of a family: its [`crate::Plugin`] functions and its opener.
pub struct Member {
    pub describe: fn() -> PluginDescriptor,
    pub validate: fn(&Config) -> Vec<ConfigProblem>,
    pub open: Opener,
}

impl Member {
    /// A transform member.
    pub fn transform<T: Transform>() -> Member {
        Member {
            describe: T::describe,
            validate: T::validate,
            open: Opener::Transform(|config| {
                T::open(config).map(|t| Box::new(t) as Box<dyn DynTransform>)
            }),
        }
    }

    /// A predicate member.
    pub fn predicate<P: Predicate>() -> Member {
        Member {
            describe: P::describe,
            validate: P::validate,
            open: Opener::Predicate(|config| {
                P::open(config).map(|p| Box::new(p) as Box<dyn DynPredicate>)
            }),
        }
    }
}

/// The member list of a family; [`crate::export_family!`] implements it.
pub trait Family: 'static {
    fn members() -> Vec<Member>;
}

/// The member this instance is (`family.select`); 0 until the host selects one.
/// A component instance is single-threaded and serves one plugin instance.
static SELECTED: AtomicU32 = AtomicU32::new(0);

fn selected<F: Family>() -> Result<Member, PluginError> {
    let index = SELECTED.load(Ordering::Relaxed);
    F::members()
        .into_iter()
        .nth(index as usize)
        .ok_or_else(|| PluginError::fatal(format!("this component has no member {index}")))
}

/// The export type of a family (see [`crate::export_family!`]).
pub struct FamilyExport<F>(PhantomData<F>);

impl<F: Family> wit_plugin::Guest for FamilyExport<F> {
    fn describe() -> wit::PluginDescriptor {
        match selected::<F>() {
            Ok(member) => (member.describe)().into(),
            // Only reachable with a bad `select`; describe cannot fail.
            Err(_) => PluginDescriptor::transformation("invalid-family-member").into(),
        }
    }

    fn validate(config: wit::Config) -> Vec<wit::ConfigProblem> {
        match selected::<F>() {
            Ok(member) => (member.validate)(&Config::from(config))
                .into_iter()
                .map(Into::into)
                .collect(),
            Err(e) => vec![ConfigProblem::new("", e.message()).into()],
        }
    }
}

impl<F: Family> wit_family::Guest for FamilyExport<F> {
    fn members() -> Vec<wit::PluginDescriptor> {
        F::members()
            .into_iter()
            .map(|m| (m.describe)().into())
            .collect()
    }

    fn select(index: u32) {
        SELECTED.store(index, Ordering::Relaxed);
    }
}

/// A family's transform resource: an instance of the selected member.
pub struct FamilyTransform<F> {
    inner: Instance<Box<dyn DynTransform>>,
    family: PhantomData<F>,
}

impl<F: Family> wit_transform::Guest for FamilyExport<F> {
    type Transform = FamilyTransform<F>;
}

impl<F: Family> wit_transform::GuestTransform for FamilyTransform<F> {
    fn open(config: wit::Config) -> WitResult<wit_transform::Transform> {
        let member = selected::<F>()?;
        let Opener::Transform(open) = member.open else {
            return Err(PluginError::fatal("the selected member is not a transform").into());
        };
        let inner = open(config.into())?;
        Ok(wit_transform::Transform::new(FamilyTransform::<F> {
            inner: Instance::new(inner),
            family: PhantomData,
        }))
    }

    fn apply(&self, batch: wit::RecordBatch) -> WitResult<wit::RecordBatch> {
        let records = codec::decode_batch(&batch).map_err(PluginError::from)?;
        drop(batch);
        self.inner
            .with(|t| Ok(codec::encode_batch(&t.apply(records)?)?))
    }
}

/// A family's predicate resource: an instance of the selected member.
pub struct FamilyPredicate<F> {
    inner: Instance<Box<dyn DynPredicate>>,
    family: PhantomData<F>,
}

impl<F: Family> wit_predicate::Guest for FamilyExport<F> {
    type Predicate = FamilyPredicate<F>;
}

impl<F: Family> wit_predicate::GuestPredicate for FamilyPredicate<F> {
    fn open(config: wit::Config) -> WitResult<wit_predicate::Predicate> {
        let member = selected::<F>()?;
        let Opener::Predicate(open) = member.open else {
            return Err(PluginError::fatal("the selected member is not a predicate").into());
        };
        let inner = open(config.into())?;
        Ok(wit_predicate::Predicate::new(FamilyPredicate::<F> {
            inner: Instance::new(inner),
            family: PhantomData,
        }))
    }

    fn test(&self, batch: wit::RecordBatch) -> WitResult<Vec<bool>> {
        let records = codec::decode_batch(&batch).map_err(PluginError::from)?;
        self.inner
            .with(|p| Ok(records.iter().map(|r| p.test(r)).collect()))
    }
}

/// Export several plugins from one component (a family, WIT `interface family`):
///
/// ```ignore
/// ferry_sdk::export_family!(transforms: [Cast<KeySide>, Cast<ValueSide>]);
/// ferry_sdk::export_family!(predicates: [HasHeaderKey, RecordIsTombstone]);
/// ferry_sdk::export_family!(transforms: [Filter], predicates: [HasHeaderKey]);
/// ```
///
/// Each member keeps its own name, aliases and config definition; the host
/// registers them separately, and the component is compiled once.
#[macro_export]
macro_rules! export_family {
    (transforms: [$($t:ty),+ $(,)?] $(,)?) => {
        $crate::__export_family!([$($crate::family::Member::transform::<$t>()),+],
            transform_part, export_transform_part);
    };
    (predicates: [$($p:ty),+ $(,)?] $(,)?) => {
        $crate::__export_family!([$($crate::family::Member::predicate::<$p>()),+],
            predicate_part, export_predicate_part);
    };
    (transforms: [$($t:ty),+ $(,)?], predicates: [$($p:ty),+ $(,)?] $(,)?) => {
        $crate::__export_family!(
            [$($crate::family::Member::transform::<$t>()),+, $($crate::family::Member::predicate::<$p>()),+],
            transform_part, export_transform_part, predicate_part, export_predicate_part);
    };
}

/// Emits a family's member list and its `plugin`, `family` and kind parts.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_family {
    ([$($member:expr),+], $($part:ident, $part_macro:ident),+) => {
        const _: () = {
            struct __FerryFamily;
            impl $crate::family::Family for __FerryFamily {
                fn members() -> ::std::vec::Vec<$crate::family::Member> {
                    ::std::vec![$($member),+]
                }
            }
            $crate::__export_parts!(
                $crate::family::FamilyExport<__FerryFamily>,
                family_part,
                export_family_part,
                $($part, $part_macro),+
            );
        };
    };
}
