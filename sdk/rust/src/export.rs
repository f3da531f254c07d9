//! Glue between the SDK traits and the generated WIT exports, and the `export_*!`
//! macros that put a plugin's exports into its component.
//!
//! Each adapter decodes the incoming columns, calls the plugin's trait method and
//! encodes the result. Resources hold the plugin instance in a `RefCell` because the
//! generated resource methods take `&self`.

use std::cell::RefCell;
use std::marker::PhantomData;

use crate::bindings::plugin_part::exports::ferry::connect::plugin as wit_plugin;
use crate::bindings::types as wit;
use crate::codec::{self, BytesColumnBuilder};
use crate::config::Config;
use crate::error::PluginError;
use crate::plugin::{
    Converter, HeaderConverter, Plugin, Predicate, SinkConnector, SinkTask, SourceConnector,
    SourceTask, TopicPartitionOffset, Transform,
};

use crate::bindings::converter_part::exports::ferry::connect::converter as wit_converter;
use crate::bindings::header_converter_part::exports::ferry::connect::header_converter as wit_header_converter;
use crate::bindings::predicate_part::exports::ferry::connect::predicate as wit_predicate;
use crate::bindings::sink_part::exports::ferry::connect::sink as wit_sink;
use crate::bindings::source_part::exports::ferry::connect::source as wit_source;
use crate::bindings::transform_part::exports::ferry::connect::transform as wit_transform;

impl From<PluginError> for wit::PluginError {
    fn from(e: PluginError) -> Self {
        match e {
            PluginError::Retriable(m) => wit::PluginError::Retriable(m),
            PluginError::Fatal(m) => wit::PluginError::Fatal(m),
            PluginError::Config(m) => wit::PluginError::Config(m),
        }
    }
}

pub(crate) type WitResult<T> = Result<T, wit::PluginError>;

/// A plugin instance inside an exported resource.
pub struct Instance<T>(RefCell<T>);

impl<T> Instance<T> {
    pub(crate) fn new(inner: T) -> Self {
        Instance(RefCell::new(inner))
    }

    /// Run `f` on the instance. Re-entrant calls (impossible with a well-behaved
    /// host) are reported instead of panicking.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> Result<R, PluginError>) -> WitResult<R> {
        let mut inner = self.0.try_borrow_mut().map_err(|_| {
            wit::PluginError::Fatal("re-entrant call into a plugin instance".into())
        })?;
        f(&mut inner).map_err(Into::into)
    }

    fn stop(&self, f: impl FnOnce(&mut T)) {
        if let Ok(mut inner) = self.0.try_borrow_mut() {
            f(&mut inner);
        }
    }
}

fn configs(list: Vec<Config>) -> Vec<wit::Config> {
    list.into_iter().map(Config::into_entries).collect()
}

/// Implements the `plugin` interface for an export type from its [`Plugin`] type.
macro_rules! plugin_guest {
    ($export:ident<$($param:ident),*>, $plugin:ident) => {
        impl<$($param: 'static),*> wit_plugin::Guest for $export<$($param),*>
        where
            $plugin: Plugin,
        {
            fn describe() -> wit::PluginDescriptor {
                <$plugin as Plugin>::describe().into()
            }

            fn validate(config: wit::Config) -> Vec<wit::ConfigProblem> {
                <$plugin as Plugin>::validate(&Config::from(config))
                    .into_iter()
                    .map(Into::into)
                    .collect()
            }
        }
    };
}

/// The export type of a source plugin (see [`crate::export_source!`]).
pub struct SourceExport<C, T>(PhantomData<(C, T)>);
plugin_guest!(SourceExport<C, T>, C);

impl<C: SourceConnector, T: SourceTask> wit_source::Guest for SourceExport<C, T> {
    type SourceConnector = Instance<C>;
    type SourceTask = Instance<T>;
}

impl<C: SourceConnector> wit_source::GuestSourceConnector for Instance<C> {
    fn open(config: wit::Config) -> WitResult<wit_source::SourceConnector> {
        let c = C::open(config.into())?;
        Ok(wit_source::SourceConnector::new(Instance::new(c)))
    }

    fn task_configs(&self, max_tasks: u32) -> WitResult<Vec<wit::Config>> {
        self.with(|c| c.task_configs(max_tasks).map(configs))
    }

    fn stop(&self) {
        self.stop(C::stop);
    }
}

impl<T: SourceTask> wit_source::GuestSourceTask for Instance<T> {
    fn open(config: wit::Config) -> WitResult<wit_source::SourceTask> {
        let t = T::open(config.into())?;
        Ok(wit_source::SourceTask::new(Instance::new(t)))
    }

    fn poll(&self) -> WitResult<wit::RecordBatch> {
        self.with(|t| Ok(codec::encode_batch(&t.poll()?)?))
    }

    fn commit(&self) -> WitResult<()> {
        self.with(T::commit)
    }

    fn stop(&self) {
        self.stop(T::stop);
    }
}

/// The export type of a sink plugin (see [`crate::export_sink!`]).
pub struct SinkExport<C, T>(PhantomData<(C, T)>);
plugin_guest!(SinkExport<C, T>, C);

impl<C: SinkConnector, T: SinkTask> wit_sink::Guest for SinkExport<C, T> {
    type SinkConnector = Instance<C>;
    type SinkTask = Instance<T>;
}

impl<C: SinkConnector> wit_sink::GuestSinkConnector for Instance<C> {
    fn open(config: wit::Config) -> WitResult<wit_sink::SinkConnector> {
        let c = C::open(config.into())?;
        Ok(wit_sink::SinkConnector::new(Instance::new(c)))
    }

    fn task_configs(&self, max_tasks: u32) -> WitResult<Vec<wit::Config>> {
        self.with(|c| c.task_configs(max_tasks).map(configs))
    }

    fn stop(&self) {
        self.stop(C::stop);
    }
}

impl<T: SinkTask> wit_sink::GuestSinkTask for Instance<T> {
    fn open(config: wit::Config) -> WitResult<wit_sink::SinkTask> {
        let t = T::open(config.into())?;
        Ok(wit_sink::SinkTask::new(Instance::new(t)))
    }

    fn put(&self, batch: wit::RecordBatch) -> WitResult<()> {
        let records = codec::decode_batch(&batch).map_err(PluginError::from)?;
        drop(batch);
        self.with(|t| t.put(records))
    }

    fn flush(&self, offsets: Vec<wit::TopicPartitionOffset>) -> WitResult<()> {
        let offsets: Vec<TopicPartitionOffset> = offsets
            .into_iter()
            .map(|o| TopicPartitionOffset {
                topic: o.topic,
                partition: o.partition,
                offset: o.offset,
            })
            .collect();
        self.with(|t| t.flush(&offsets))
    }

    fn stop(&self) {
        self.stop(T::stop);
    }
}

/// The export type of a converter plugin (see [`crate::export_converter!`]).
pub struct ConverterExport<C>(PhantomData<C>);
plugin_guest!(ConverterExport<C>, C);

impl<C: Converter> wit_converter::Guest for ConverterExport<C> {
    type Converter = Instance<C>;
}

fn check_topics(topics: &[String], n: usize) -> Result<(), PluginError> {
    if topics.len() == n {
        Ok(())
    } else {
        Err(PluginError::Fatal(format!(
            "converter got {} topics for {n} records",
            topics.len()
        )))
    }
}

impl<C: Converter> wit_converter::GuestConverter for Instance<C> {
    fn open(config: wit::Config, is_key: bool) -> WitResult<wit_converter::Converter> {
        let c = C::open(config.into(), is_key)?;
        Ok(wit_converter::Converter::new(Instance::new(c)))
    }

    fn from_connect(
        &self,
        topics: Vec<String>,
        values: wit::ValueColumn,
    ) -> WitResult<wit::BytesColumn> {
        self.with(|c| {
            let values = codec::decode_values(&values)?;
            check_topics(&topics, values.len())?;
            let mut out = BytesColumnBuilder::with_capacity(values.len());
            for (topic, (schema, value)) in topics.iter().zip(&values) {
                out.push(c.from_connect(topic, schema.as_ref(), value)?.as_deref())?;
            }
            Ok(out.finish())
        })
    }

    fn to_connect(
        &self,
        topics: Vec<String>,
        data: wit::BytesColumn,
    ) -> WitResult<wit::ValueColumn> {
        self.with(|c| {
            let data = codec::read_bytes_column(&data)?;
            check_topics(&topics, data.len())?;
            let values = topics
                .iter()
                .zip(data)
                .map(|(topic, bytes)| c.to_connect(topic, bytes))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(codec::encode_values(
                values.iter().map(|(s, v)| (s.as_ref(), v)),
            )?)
        })
    }
}

/// The export type of a header converter plugin (see
/// [`crate::export_header_converter!`]).
pub struct HeaderConverterExport<H>(PhantomData<H>);
plugin_guest!(HeaderConverterExport<H>, H);

impl<H: HeaderConverter> wit_header_converter::Guest for HeaderConverterExport<H> {
    type HeaderConverter = HeaderInstance<H>;
}

/// The export type of a converter that is a header converter too (see
/// [`crate::export_converter_and_header_converter!`]).
pub struct ConverterAndHeaderConverterExport<C>(PhantomData<C>);
plugin_guest!(ConverterAndHeaderConverterExport<C>, C);

impl<C: Converter> wit_converter::Guest for ConverterAndHeaderConverterExport<C> {
    type Converter = Instance<C>;
}

impl<C: HeaderConverter> wit_header_converter::Guest for ConverterAndHeaderConverterExport<C> {
    type HeaderConverter = HeaderInstance<C>;
}

/// A header converter instance inside its exported resource (a type of its own, so
/// one plugin type can back both the converter and the header-converter resource).
pub struct HeaderInstance<T>(Instance<T>);

/// Header i's topic, from the per-header topic ids.
fn header_topic<'a>(topics: &'a [String], ids: &[u32], i: usize) -> Result<&'a str, PluginError> {
    ids.get(i)
        .and_then(|&t| topics.get(t as usize))
        .map(String::as_str)
        .ok_or_else(|| PluginError::Fatal(format!("header {i} has no valid topic id")))
}

fn check_header_keys(keys: &[String], ids: &[u32], n: usize) -> Result<(), PluginError> {
    if keys.len() == n && ids.len() == n {
        Ok(())
    } else {
        Err(PluginError::Fatal(format!(
            "header converter got {} keys and {} topic ids for {n} headers",
            keys.len(),
            ids.len()
        )))
    }
}

impl<H: HeaderConverter> wit_header_converter::GuestHeaderConverter for HeaderInstance<H> {
    fn open(config: wit::Config) -> WitResult<wit_header_converter::HeaderConverter> {
        let h = H::open(config.into())?;
        Ok(wit_header_converter::HeaderConverter::new(HeaderInstance(
            Instance::new(h),
        )))
    }

    fn from_connect_header(
        &self,
        topics: Vec<String>,
        topic_ids: Vec<u32>,
        header_keys: Vec<String>,
        values: wit::ValueColumn,
    ) -> WitResult<wit::BytesColumn> {
        self.0.with(|h| {
            let values = codec::decode_values(&values)?;
            check_header_keys(&header_keys, &topic_ids, values.len())?;
            let mut out = BytesColumnBuilder::with_capacity(values.len());
            for (i, (schema, value)) in values.iter().enumerate() {
                let topic = header_topic(&topics, &topic_ids, i)?;
                let bytes =
                    h.from_connect_header(topic, &header_keys[i], schema.as_ref(), value)?;
                out.push(bytes.as_deref())?;
            }
            Ok(out.finish())
        })
    }

    fn to_connect_header(
        &self,
        topics: Vec<String>,
        topic_ids: Vec<u32>,
        header_keys: Vec<String>,
        data: wit::BytesColumn,
    ) -> WitResult<wit::ValueColumn> {
        self.0.with(|h| {
            let data = codec::read_bytes_column(&data)?;
            check_header_keys(&header_keys, &topic_ids, data.len())?;
            let values = data
                .into_iter()
                .enumerate()
                .map(|(i, bytes)| {
                    let topic = header_topic(&topics, &topic_ids, i)?;
                    h.to_connect_header(topic, &header_keys[i], bytes)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(codec::encode_values(
                values.iter().map(|(s, v)| (s.as_ref(), v)),
            )?)
        })
    }
}

/// The export type of a transform plugin (see [`crate::export_transform!`]).
pub struct TransformExport<T>(PhantomData<T>);
plugin_guest!(TransformExport<T>, T);

impl<T: Transform> wit_transform::Guest for TransformExport<T> {
    type Transform = Instance<T>;
}

impl<T: Transform> wit_transform::GuestTransform for Instance<T> {
    fn open(config: wit::Config) -> WitResult<wit_transform::Transform> {
        let t = T::open(config.into())?;
        Ok(wit_transform::Transform::new(Instance::new(t)))
    }

    fn apply(&self, batch: wit::RecordBatch) -> WitResult<wit::RecordBatch> {
        let records = codec::decode_batch(&batch).map_err(PluginError::from)?;
        drop(batch);
        self.with(|t| Ok(codec::encode_batch(&t.apply(records)?)?))
    }
}

/// The export type of a predicate plugin (see [`crate::export_predicate!`]).
pub struct PredicateExport<P>(PhantomData<P>);
plugin_guest!(PredicateExport<P>, P);

impl<P: Predicate> wit_predicate::Guest for PredicateExport<P> {
    type Predicate = Instance<P>;
}

impl<P: Predicate> wit_predicate::GuestPredicate for Instance<P> {
    fn open(config: wit::Config) -> WitResult<wit_predicate::Predicate> {
        let p = P::open(config.into())?;
        Ok(wit_predicate::Predicate::new(Instance::new(p)))
    }

    fn test(&self, batch: wit::RecordBatch) -> WitResult<Vec<bool>> {
        let records = codec::decode_batch(&batch).map_err(PluginError::from)?;
        self.with(|p| Ok(records.iter().map(|r| p.test(r)).collect()))
    }
}

/// Export a source connector and its task as this component's `source-plugin` world:
/// `ferry_sdk::export_source!(MyConnector, MyTask);` where `MyConnector:
/// SourceConnector + Plugin` and `MyTask: SourceTask`.
#[macro_export]
macro_rules! export_source {
    ($connector:ty, $task:ty $(,)?) => {
        $crate::__export_parts!($crate::export::SourceExport<$connector, $task>, source_part, export_source_part);
    };
}

/// Export a sink connector and its task as this component's `sink-plugin` world:
/// `ferry_sdk::export_sink!(MyConnector, MyTask);`.
#[macro_export]
macro_rules! export_sink {
    ($connector:ty, $task:ty $(,)?) => {
        $crate::__export_parts!($crate::export::SinkExport<$connector, $task>, sink_part, export_sink_part);
    };
}

/// Export a converter as this component's `converter-plugin` world:
/// `ferry_sdk::export_converter!(MyConverter);`.
#[macro_export]
macro_rules! export_converter {
    ($converter:ty $(,)?) => {
        $crate::__export_parts!(
            $crate::export::ConverterExport<$converter>,
            converter_part,
            export_converter_part
        );
    };
}

/// Export a header converter as this component's `header-converter-plugin` world:
/// `ferry_sdk::export_header_converter!(MyHeaderConverter);`.
#[macro_export]
macro_rules! export_header_converter {
    ($converter:ty $(,)?) => {
        $crate::__export_parts!(
            $crate::export::HeaderConverterExport<$converter>,
            header_converter_part,
            export_header_converter_part
        );
    };
}

/// Export a type implementing both [`crate::Converter`] and
/// [`crate::HeaderConverter`] as this component's
/// `converter-and-header-converter-plugin` world; its descriptor says kind
/// `converter`, and the host registers it as a header converter too:
/// `ferry_sdk::export_converter_and_header_converter!(MyConverter);`.
#[macro_export]
macro_rules! export_converter_and_header_converter {
    ($converter:ty $(,)?) => {
        $crate::__export_parts!(
            $crate::export::ConverterAndHeaderConverterExport<$converter>,
            converter_part,
            export_converter_part,
            header_converter_part,
            export_header_converter_part
        );
    };
}

/// Export a transform as this component's `transform-plugin` world:
/// `ferry_sdk::export_transform!(MyTransform);`.
#[macro_export]
macro_rules! export_transform {
    ($transform:ty $(,)?) => {
        $crate::__export_parts!(
            $crate::export::TransformExport<$transform>,
            transform_part,
            export_transform_part
        );
    };
}

/// Export a predicate as this component's `predicate-plugin` world:
/// `ferry_sdk::export_predicate!(MyPredicate);`.
#[macro_export]
macro_rules! export_predicate {
    ($predicate:ty $(,)?) => {
        $crate::__export_parts!(
            $crate::export::PredicateExport<$predicate>,
            predicate_part,
            export_predicate_part
        );
    };
}

/// Emits the `plugin` part and the kind's part(s) for an export type.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_parts {
    ($export:ty, $($part:ident, $part_macro:ident),+) => {
        const _: () = {
            type __FerryPluginExport = $export;
            $crate::bindings::plugin_part::export_plugin_part!(
                __FerryPluginExport with_types_in $crate::bindings::plugin_part
            );
            $(
                $crate::bindings::$part::$part_macro!(
                    __FerryPluginExport with_types_in $crate::bindings::$part
                );
            )+
        };
    };
}
