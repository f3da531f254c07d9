//! Live plugin instances. Each instance owns its own store (memory cap, deadline,
//! WASI grants); a call that traps or times out poisons the store, so the instance
//! refuses further calls and its owner must drop it and open a new one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasmtime::component::{Instance, ResourceAny};
use wasmtime::{Store, Trap};
use wasmtime_wasi::{WasiCtxView, WasiView};

use super::bindings::{
    converter, family, header_converter, host, predicate, sink, source, transform, types,
};
use super::capabilities::Grants;
use super::capabilities::http::HttpGrant;
use super::engine::ticks_for;
use super::registry::LoadedPlugin;
use super::sandbox::{self, OutputTail, SandboxLimits, SandboxState};

/// Reads committed source offsets for the `host.read-offsets` import.
pub trait OffsetReader: Send + Sync {
    /// One entry per partition (JSON), in order: the committed offset JSON, if any.
    fn read_offsets(&self, connector: &str, partitions: &[String]) -> Vec<Option<String>>;
}

/// Who an instance works for; shown in logs and used by host imports.
#[derive(Clone)]
pub struct PluginContext {
    pub connector: String,
    pub task: Option<u32>,
    pub offsets: Option<Arc<dyn OffsetReader>>,
    /// Set when the connector asks for its task configs to be recomputed.
    pub reconfigure: Arc<AtomicBool>,
    /// What a source task asked of its transaction during the current poll
    /// (`transaction-context`); the source loop takes it after each poll.
    pub transaction: Arc<std::sync::atomic::AtomicU8>,
}

/// `PluginContext::transaction` values: nothing asked, commit, abort.
pub const TXN_NONE: u8 = 0;
pub const TXN_COMMIT: u8 = 1;
pub const TXN_ABORT: u8 = 2;

impl PluginContext {
    pub fn new(connector: impl Into<String>, task: Option<u32>) -> Self {
        Self {
            connector: connector.into(),
            task,
            offsets: None,
            reconfigure: Arc::new(AtomicBool::new(false)),
            transaction: Arc::new(std::sync::atomic::AtomicU8::new(TXN_NONE)),
        }
    }

    pub fn with_offsets(mut self, offsets: Arc<dyn OffsetReader>) -> Self {
        self.offsets = Some(offsets);
        self
    }
}

/// The data of every plugin store.
pub struct HostState {
    pub sandbox: SandboxState,
    pub context: PluginContext,
    pub plugin: String,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.sandbox.ctx()
    }
}

impl wasmtime_wasi_http::WasiHttpView for HostState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        let sandbox = &mut self.sandbox;
        wasmtime_wasi_http::WasiHttpCtxView {
            ctx: &mut sandbox.http.ctx,
            table: &mut sandbox.table,
            hooks: &mut sandbox.http.hooks,
        }
    }
}

impl types::Host for HostState {}

impl host::Host for HostState {
    fn log(&mut self, level: host::LogLevel, message: String) {
        let connector = self.context.connector.as_str();
        let task = self.context.task.map(i64::from).unwrap_or(-1);
        let plugin = self.plugin.as_str();
        match level {
            host::LogLevel::Trace => tracing::trace!(connector, task, plugin, "{message}"),
            host::LogLevel::Debug => tracing::debug!(connector, task, plugin, "{message}"),
            host::LogLevel::Info => tracing::info!(connector, task, plugin, "{message}"),
            host::LogLevel::Warn => tracing::warn!(connector, task, plugin, "{message}"),
            host::LogLevel::Error => tracing::error!(connector, task, plugin, "{message}"),
        }
    }

    fn read_offsets(&mut self, partitions: Vec<String>) -> Vec<Option<String>> {
        match &self.context.offsets {
            Some(reader) => reader.read_offsets(&self.context.connector, &partitions),
            None => vec![None; partitions.len()],
        }
    }

    fn request_reconfiguration(&mut self) {
        self.context.reconfigure.store(true, Ordering::SeqCst);
    }
}

impl crate::plugin::bindings::source::ferry::connect::transaction_context::Host for HostState {
    fn commit_transaction(&mut self) {
        // An abort asked for in the same poll wins.
        let _ = self.context.transaction.compare_exchange(
            TXN_NONE,
            TXN_COMMIT,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    fn abort_transaction(&mut self) {
        self.context.transaction.store(TXN_ABORT, Ordering::SeqCst);
    }
}

/// Why a plugin call did not return a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The plugin asked to be called again later.
    #[error("retriable error: {0}")]
    Retriable(String),
    /// The plugin reported a failure it cannot recover from.
    #[error("{0}")]
    Fatal(String),
    /// The plugin rejected its configuration.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The guest trapped, ran out of memory or time: the instance is gone.
    #[error("{summary}")]
    Trap { summary: String, trace: String },
    /// The plugin returned something the host cannot accept.
    #[error("plugin returned an invalid result: {0}")]
    Invalid(String),
}

impl CallError {
    /// The text shown as a task's `trace` in its status.
    pub fn trace(&self) -> String {
        match self {
            CallError::Trap { trace, .. } => trace.clone(),
            other => other.to_string(),
        }
    }

    /// Appends a line to the trace of a trap (other errors keep the plugin's words).
    fn with_context(self, line: &str) -> Self {
        match self {
            CallError::Trap { summary, trace } => CallError::Trap {
                summary,
                trace: format!("{trace}\n{line}"),
            },
            other => other,
        }
    }
}

impl From<types::PluginError> for CallError {
    fn from(error: types::PluginError) -> Self {
        match error {
            types::PluginError::Retriable(m) => CallError::Retriable(m),
            types::PluginError::Fatal(m) => CallError::Fatal(m),
            types::PluginError::Config(m) => CallError::Config(m),
        }
    }
}

/// One plugin instance in its own store. `B` is the world's generated bindings.
pub struct Sandboxed<B> {
    store: Store<HostState>,
    bindings: B,
    limits: SandboxLimits,
    poisoned: Option<CallError>,
    plugin: Arc<LoadedPlugin>,
}

impl<B> Sandboxed<B> {
    /// Instantiates `plugin` in a fresh store with `grants` and `limits`, and builds
    /// the world bindings with `bind`.
    fn instantiate(
        plugin: &Arc<LoadedPlugin>,
        context: PluginContext,
        grants: &Grants,
        limits: SandboxLimits,
        bind: impl FnOnce(&mut Store<HostState>, &Instance) -> wasmtime::Result<B>,
    ) -> Result<Self, CallError> {
        let mut store = new_store(
            plugin.pre.engine(),
            context,
            &plugin.descriptor.name,
            grants,
            &limits,
        )?;
        let stderr = store.data().sandbox.stderr.clone();
        let bound = plugin.pre.instantiate(&mut store).and_then(|instance| {
            if let Some(member) = plugin.member {
                select_member(&mut store, &instance, member)?;
            }
            bind(&mut store, &instance)
        });
        match bound {
            Ok(bindings) => Ok(Self {
                store,
                bindings,
                limits,
                poisoned: None,
                plugin: plugin.clone(),
            }),
            Err(error) => Err(trap_error(error, &stderr, &limits, "instantiate")),
        }
    }

    /// Runs one guest call under the CPU deadline. A trap poisons the instance.
    fn call<R>(
        &mut self,
        what: &str,
        f: impl FnOnce(&B, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        if let Some(error) = &self.poisoned {
            return Err(error.clone());
        }
        self.store
            .set_epoch_deadline(ticks_for(self.limits.call_timeout));
        match f(&self.bindings, &mut self.store) {
            Ok(value) => Ok(value),
            Err(error) => {
                let stderr = self.store.data().sandbox.stderr.clone();
                let mut error = trap_error(error, &stderr, &self.limits, what);
                let network = &self.store.data().sandbox.network.counters;
                if network.any() {
                    error = error.with_context(&format!("network use so far: {network}"));
                }
                self.poisoned = Some(error.clone());
                Err(error)
            }
        }
    }

    pub fn plugin(&self) -> &Arc<LoadedPlugin> {
        &self.plugin
    }

    /// Whether a call trapped: the instance refuses further calls and must be replaced.
    pub fn poisoned(&self) -> bool {
        self.poisoned.is_some()
    }
}

impl<B> Drop for Sandboxed<B> {
    /// Tells the operator what the plugin did on the network, once per instance.
    fn drop(&mut self) {
        let network = &self.store.data().sandbox.network.counters;
        if network.any() {
            tracing::info!(plugin = %self.plugin.descriptor.name, "network use: {network}");
        }
    }
}

/// Makes a family's fresh instance the member `index` (`family.select`), before any
/// other call.
fn select_member(
    store: &mut Store<HostState>,
    instance: &Instance,
    index: u32,
) -> wasmtime::Result<()> {
    family::FamilyPlugin::new(&mut *store, instance)?
        .ferry_connect_family()
        .call_select(&mut *store, index)
}

/// A fresh store for one plugin instance: its own WASI context with `grants`, its
/// memory cap, and the CPU deadline armed to trap.
fn new_store(
    engine: &wasmtime::Engine,
    context: PluginContext,
    plugin: &str,
    grants: &Grants,
    limits: &SandboxLimits,
) -> Result<Store<HostState>, CallError> {
    let stderr = OutputTail::new();
    let (wasi, file_only, network) = sandbox::wasi_context(grants, &stderr)
        .map_err(|e| CallError::Fatal(format!("cannot grant filesystem access: {e}")))?;
    let state = HostState {
        sandbox: SandboxState {
            wasi,
            file_only,
            http: HttpGrant::new(network.clone()),
            socket_streams: Default::default(),
            network,
            table: Default::default(),
            limits: sandbox::store_limits(limits),
            stderr,
        },
        context,
        plugin: plugin.to_string(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.sandbox.limits);
    store.set_epoch_deadline(ticks_for(limits.call_timeout));
    store.epoch_deadline_trap();
    Ok(store)
}

/// Turns a wasmtime error into a readable failure: what happened in words, the
/// wasm backtrace, and the last lines the guest wrote to stderr (a panic message).
fn trap_error(
    error: wasmtime::Error,
    stderr: &OutputTail,
    limits: &SandboxLimits,
    what: &str,
) -> CallError {
    let summary = match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!(
            "plugin call '{what}' exceeded its CPU deadline of {} ms (ferry.sandbox.call.timeout.ms) and was stopped",
            limits.call_timeout.as_millis()
        ),
        Some(Trap::StackOverflow) => format!("plugin call '{what}' overflowed its stack"),
        Some(trap) => format!("plugin call '{what}' trapped: {trap}"),
        None => {
            let text = format!("{error:#}");
            if text.contains("forcing trap when growing memory") {
                format!(
                    "plugin call '{what}' exceeded its memory limit of {} bytes (ferry.sandbox.memory.max.bytes)",
                    limits.memory_max_bytes
                )
            } else {
                format!("plugin call '{what}' failed: {text}")
            }
        }
    };
    let mut trace = format!("{summary}\n\n{error:?}");
    let tail = stderr.contents();
    if !tail.trim().is_empty() {
        trace.push_str("\n\nplugin stderr (last lines):\n");
        trace.push_str(tail.trim_end());
    }
    CallError::Trap { summary, trace }
}

fn resource_call<T>(
    result: wasmtime::Result<Result<T, types::PluginError>>,
) -> wasmtime::Result<Result<T, CallError>> {
    result.map(|r| r.map_err(CallError::from))
}

/// Flattens `Result<Result<T, CallError>, CallError>`.
fn flat<T>(result: Result<Result<T, CallError>, CallError>) -> Result<T, CallError> {
    result.and_then(|r| r)
}

/// Converts a config map into the WIT form.
pub fn config_list(config: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    config.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

type Config = Vec<(String, String)>;

/// A running source connector instance.
pub struct SourceConnector {
    inner: Sandboxed<source::SourcePlugin>,
    handle: ResourceAny,
}

impl SourceConnector {
    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        grants: &Grants,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, grants, limits, |s, i| {
            source::SourcePlugin::new(s, i)
        })?;
        let handle = flat(inner.call("source-connector.open", |b, s| {
            resource_call(
                b.ferry_connect_source()
                    .source_connector()
                    .call_open(s, config),
            )
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, CallError> {
        let handle = self.handle;
        flat(self.inner.call("source-connector.task-configs", |b, s| {
            resource_call(
                b.ferry_connect_source()
                    .source_connector()
                    .call_task_configs(s, handle, max_tasks),
            )
        }))
    }

    pub fn stop(&mut self) -> Result<(), CallError> {
        let handle = self.handle;
        self.inner.call("source-connector.stop", |b, s| {
            b.ferry_connect_source()
                .source_connector()
                .call_stop(s, handle)
        })
    }
}

/// A running source task instance.
pub struct SourceTask {
    inner: Sandboxed<source::SourcePlugin>,
    handle: ResourceAny,
}

impl SourceTask {
    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        grants: &Grants,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, grants, limits, |s, i| {
            source::SourcePlugin::new(s, i)
        })?;
        let handle = flat(inner.call("source-task.open", |b, s| {
            resource_call(b.ferry_connect_source().source_task().call_open(s, config))
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn poll(&mut self) -> Result<types::RecordBatch, CallError> {
        let handle = self.handle;
        flat(self.inner.call("source-task.poll", |b, s| {
            resource_call(b.ferry_connect_source().source_task().call_poll(s, handle))
        }))
    }

    pub fn commit(&mut self) -> Result<(), CallError> {
        let handle = self.handle;
        flat(self.inner.call("source-task.commit", |b, s| {
            resource_call(
                b.ferry_connect_source()
                    .source_task()
                    .call_commit(s, handle),
            )
        }))
    }

    pub fn stop(&mut self) -> Result<(), CallError> {
        let handle = self.handle;
        self.inner.call("source-task.stop", |b, s| {
            b.ferry_connect_source().source_task().call_stop(s, handle)
        })
    }
}

/// A running sink connector instance.
pub struct SinkConnector {
    inner: Sandboxed<sink::SinkPlugin>,
    handle: ResourceAny,
}

impl SinkConnector {
    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        grants: &Grants,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, grants, limits, |s, i| {
            sink::SinkPlugin::new(s, i)
        })?;
        let handle = flat(inner.call("sink-connector.open", |b, s| {
            resource_call(b.ferry_connect_sink().sink_connector().call_open(s, config))
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, CallError> {
        let handle = self.handle;
        flat(self.inner.call("sink-connector.task-configs", |b, s| {
            resource_call(
                b.ferry_connect_sink()
                    .sink_connector()
                    .call_task_configs(s, handle, max_tasks),
            )
        }))
    }

    pub fn stop(&mut self) -> Result<(), CallError> {
        let handle = self.handle;
        self.inner.call("sink-connector.stop", |b, s| {
            b.ferry_connect_sink().sink_connector().call_stop(s, handle)
        })
    }
}

/// A running sink task instance.
pub struct SinkTask {
    inner: Sandboxed<sink::SinkPlugin>,
    handle: ResourceAny,
}

impl SinkTask {
    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        grants: &Grants,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, grants, limits, |s, i| {
            sink::SinkPlugin::new(s, i)
        })?;
        let handle = flat(inner.call("sink-task.open", |b, s| {
            resource_call(b.ferry_connect_sink().sink_task().call_open(s, config))
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn put(&mut self, batch: &types::RecordBatch) -> Result<(), CallError> {
        let handle = self.handle;
        flat(self.inner.call("sink-task.put", |b, s| {
            resource_call(
                b.ferry_connect_sink()
                    .sink_task()
                    .call_put(s, handle, batch),
            )
        }))
    }

    pub fn flush(&mut self, offsets: &[types::TopicPartitionOffset]) -> Result<(), CallError> {
        let handle = self.handle;
        flat(self.inner.call("sink-task.flush", |b, s| {
            resource_call(
                b.ferry_connect_sink()
                    .sink_task()
                    .call_flush(s, handle, offsets),
            )
        }))
    }

    pub fn stop(&mut self) -> Result<(), CallError> {
        let handle = self.handle;
        self.inner.call("sink-task.stop", |b, s| {
            b.ferry_connect_sink().sink_task().call_stop(s, handle)
        })
    }
}

/// A converter instance for keys or values.
pub struct Converter {
    inner: Sandboxed<converter::ConverterPlugin>,
    handle: ResourceAny,
}

impl Converter {
    /// Whether a call trapped and the instance must be replaced.
    pub fn poisoned(&self) -> bool {
        self.inner.poisoned()
    }

    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        limits: SandboxLimits,
        config: &Config,
        is_key: bool,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, &Grants::default(), limits, |s, i| {
            converter::ConverterPlugin::new(s, i)
        })?;
        let handle = flat(inner.call("converter.open", |b, s| {
            resource_call(
                b.ferry_connect_converter()
                    .converter()
                    .call_open(s, config, is_key),
            )
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn from_connect(
        &mut self,
        topics: &[String],
        values: &types::ValueColumn,
    ) -> Result<types::BytesColumn, CallError> {
        let handle = self.handle;
        flat(self.inner.call("converter.from-connect", |b, s| {
            resource_call(
                b.ferry_connect_converter()
                    .converter()
                    .call_from_connect(s, handle, topics, values),
            )
        }))
    }

    pub fn to_connect(
        &mut self,
        topics: &[String],
        data: &types::BytesColumn,
    ) -> Result<types::ValueColumn, CallError> {
        let handle = self.handle;
        flat(self.inner.call("converter.to-connect", |b, s| {
            resource_call(
                b.ferry_connect_converter()
                    .converter()
                    .call_to_connect(s, handle, topics, data),
            )
        }))
    }
}

/// A header converter instance (Kafka's `HeaderConverter`).
pub struct HeaderConverter {
    inner: Sandboxed<header_converter::HeaderConverterPlugin>,
    handle: ResourceAny,
}

impl HeaderConverter {
    /// Whether a call trapped and the instance must be replaced.
    pub fn poisoned(&self) -> bool {
        self.inner.poisoned()
    }

    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, &Grants::default(), limits, |s, i| {
            header_converter::HeaderConverterPlugin::new(s, i)
        })?;
        let handle = flat(inner.call("header-converter.open", |b, s| {
            resource_call(
                b.ferry_connect_header_converter()
                    .header_converter()
                    .call_open(s, config),
            )
        }))?;
        Ok(Self { inner, handle })
    }

    /// `fromConnectHeader` for every header of a batch: entry i is header
    /// `keys[i]` of a record on `topics[topic_ids[i]]`.
    pub fn from_connect_header(
        &mut self,
        topics: &[String],
        topic_ids: &[u32],
        keys: &[String],
        values: &types::ValueColumn,
    ) -> Result<types::BytesColumn, CallError> {
        let handle = self.handle;
        flat(
            self.inner
                .call("header-converter.from-connect-header", |b, s| {
                    resource_call(
                        b.ferry_connect_header_converter()
                            .header_converter()
                            .call_from_connect_header(s, handle, topics, topic_ids, keys, values),
                    )
                }),
        )
    }

    /// `toConnectHeader` for every header of a batch.
    pub fn to_connect_header(
        &mut self,
        topics: &[String],
        topic_ids: &[u32],
        keys: &[String],
        data: &types::BytesColumn,
    ) -> Result<types::ValueColumn, CallError> {
        let handle = self.handle;
        flat(
            self.inner
                .call("header-converter.to-connect-header", |b, s| {
                    resource_call(
                        b.ferry_connect_header_converter()
                            .header_converter()
                            .call_to_connect_header(s, handle, topics, topic_ids, keys, data),
                    )
                }),
        )
    }
}

/// A transform instance.
pub struct Transform {
    inner: Sandboxed<transform::TransformPlugin>,
    handle: ResourceAny,
}

impl Transform {
    /// Whether a call trapped and the instance must be replaced.
    pub fn poisoned(&self) -> bool {
        self.inner.poisoned()
    }

    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, &Grants::default(), limits, |s, i| {
            transform::TransformPlugin::new(s, i)
        })?;
        let handle = flat(inner.call("transform.open", |b, s| {
            resource_call(b.ferry_connect_transform().transform().call_open(s, config))
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn apply(&mut self, batch: &types::RecordBatch) -> Result<types::RecordBatch, CallError> {
        let handle = self.handle;
        flat(self.inner.call("transform.apply", |b, s| {
            resource_call(
                b.ferry_connect_transform()
                    .transform()
                    .call_apply(s, handle, batch),
            )
        }))
    }
}

/// A predicate instance.
pub struct Predicate {
    inner: Sandboxed<predicate::PredicatePlugin>,
    handle: ResourceAny,
}

impl Predicate {
    /// Whether a call trapped and the instance must be replaced.
    pub fn poisoned(&self) -> bool {
        self.inner.poisoned()
    }

    pub fn open(
        plugin: &Arc<LoadedPlugin>,
        ctx: PluginContext,
        limits: SandboxLimits,
        config: &Config,
    ) -> Result<Self, CallError> {
        let mut inner = Sandboxed::instantiate(plugin, ctx, &Grants::default(), limits, |s, i| {
            predicate::PredicatePlugin::new(s, i)
        })?;
        let handle = flat(inner.call("predicate.open", |b, s| {
            resource_call(b.ferry_connect_predicate().predicate().call_open(s, config))
        }))?;
        Ok(Self { inner, handle })
    }

    pub fn test(&mut self, batch: &types::RecordBatch) -> Result<Vec<bool>, CallError> {
        let handle = self.handle;
        flat(self.inner.call("predicate.test", |b, s| {
            resource_call(
                b.ferry_connect_predicate()
                    .predicate()
                    .call_test(s, handle, batch),
            )
        }))
    }
}

/// Calls `plugin.describe` and `plugin.validate`, which every world exports, in a
/// throwaway sandbox.
pub struct Introspect;

macro_rules! plugin_call {
    ($kind:expr, $store:expr, $instance:expr, |$guest:ident| $body:expr) => {{
        use super::registry::PluginKind;
        match $kind {
            PluginKind::Source => {
                let b = source::SourcePlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
            PluginKind::Sink => {
                let b = sink::SinkPlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
            PluginKind::Converter => {
                let b = converter::ConverterPlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
            PluginKind::HeaderConverter => {
                let b = header_converter::HeaderConverterPlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
            PluginKind::Transformation => {
                let b = transform::TransformPlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
            PluginKind::Predicate => {
                let b = predicate::PredicatePlugin::new($store, $instance)?;
                let $guest = b.ferry_connect_plugin();
                $body
            }
        }
    }};
}

impl Introspect {
    /// `plugin.validate(config)` in a fresh sandbox with default limits.
    pub fn validate(
        plugin: &Arc<LoadedPlugin>,
        config: &Config,
    ) -> Result<Vec<types::ConfigProblem>, CallError> {
        let kind = plugin.kind;
        let mut inner = Sandboxed::instantiate(
            plugin,
            PluginContext::new("validate", None),
            &Grants::default(),
            SandboxLimits::default(),
            |_, instance| Ok(*instance),
        )?;
        inner.call("plugin.validate", |instance, store| {
            plugin_call!(kind, &mut *store, instance, |guest| guest
                .call_validate(&mut *store, config))
        })
    }

    /// `family.members()` on an already pre-instantiated family component.
    pub fn members(
        pre: &wasmtime::component::InstancePre<HostState>,
        name_hint: &str,
    ) -> Result<Vec<types::PluginDescriptor>, CallError> {
        let limits = SandboxLimits::default();
        let context = PluginContext::new("discovery", None);
        let mut store = new_store(
            pre.engine(),
            context,
            name_hint,
            &Grants::default(),
            &limits,
        )?;
        let stderr = store.data().sandbox.stderr.clone();
        let result = (|| {
            let instance = pre.instantiate(&mut store)?;
            family::FamilyPlugin::new(&mut store, &instance)?
                .ferry_connect_family()
                .call_members(&mut store)
        })();
        result.map_err(|error| trap_error(error, &stderr, &limits, "family.members"))
    }

    /// `plugin.describe()` on an already pre-instantiated component.
    pub fn describe(
        pre: &wasmtime::component::InstancePre<HostState>,
        kind: super::registry::PluginKind,
        name_hint: &str,
    ) -> Result<types::PluginDescriptor, CallError> {
        let limits = SandboxLimits::default();
        let context = PluginContext::new("discovery", None);
        let mut store = new_store(
            pre.engine(),
            context,
            name_hint,
            &Grants::default(),
            &limits,
        )?;
        let stderr = store.data().sandbox.stderr.clone();
        let result = (|| {
            let instance = pre.instantiate(&mut store)?;
            plugin_call!(kind, &mut store, &instance, |guest| guest
                .call_describe(&mut store))
        })();
        result.map_err(|error| trap_error(error, &stderr, &limits, "plugin.describe"))
    }
}
