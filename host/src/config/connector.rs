//! Connector configs: Kafka Connect's framework keys (`name`, `connector.class`,
//! `tasks.max`, converters, `transforms`, `predicates`, `topics`/`topics.regex`),
//! resolution of every plugin they name, and validation in Kafka's `ConfigInfos`
//! shape so `PUT /connector-plugins/{p}/config/validate` answers as Kafka does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::worker::{
    SANDBOX_KEYS, WorkerConfig, positive_number, sandbox_limits, split_list, strip_prefix,
};
use crate::plugin::bindings::types::{ConfigType, EndpointForm, Importance, PathAccess};
use crate::plugin::capabilities::files::check_path;
use crate::plugin::capabilities::{Grants, NetworkGrant};
use crate::plugin::{LoadedPlugin, PluginKind, PluginRegistry, SandboxLimits};

/// Kafka's default converter when neither worker nor connector names one.
pub const DEFAULT_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";
/// Kafka's default header converter (`WorkerConfig.HEADER_CONVERTER_CLASS_DEFAULT`).
pub const DEFAULT_HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// A connector's config as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectorConfig {
    pub props: BTreeMap<String, String>,
}

impl ConnectorConfig {
    pub fn new(props: BTreeMap<String, String>) -> Self {
        Self { props }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(String::as_str)
    }

    pub fn name(&self) -> Option<&str> {
        self.get("name")
    }
}

/// Validation problems, keyed by config name, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigErrors {
    pub errors: Vec<(String, String)>,
}

impl ConfigErrors {
    pub fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push((key.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn for_key(&self, key: &str) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// Kafka Connect's message for a rejected connector config.
    pub fn message(&self, connector_type: &str) -> String {
        let mut text = format!(
            "Connector configuration is invalid and contains the following {} error(s):\n",
            self.errors.len()
        );
        for (_, message) in &self.errors {
            text.push_str(message);
            text.push('\n');
        }
        text.push_str(&format!(
            "You can also find the above list of errors at the endpoint `/connector-plugins/{connector_type}/config/validate`"
        ));
        text
    }
}

/// A plugin with the config it is opened with.
#[derive(Clone, Debug)]
pub struct PluginSpec {
    pub plugin: Arc<LoadedPlugin>,
    pub config: BTreeMap<String, String>,
}

impl PluginSpec {
    pub fn config_list(&self) -> Vec<(String, String)> {
        crate::plugin::instance::config_list(&self.config)
    }
}

/// One `transforms` entry with its optional predicate.
#[derive(Clone, Debug)]
pub struct TransformSpec {
    pub alias: String,
    pub transform: PluginSpec,
    pub predicate: Option<(PluginSpec, bool)>,
}

/// A validated connector config with every plugin it names resolved.
#[derive(Clone, Debug)]
pub struct ResolvedConnector {
    pub name: String,
    pub config: ConnectorConfig,
    pub connector: Arc<LoadedPlugin>,
    pub tasks_max: u32,
    pub key_converter: PluginSpec,
    pub value_converter: PluginSpec,
    pub header_converter: PluginSpec,
    pub transforms: Vec<TransformSpec>,
    pub limits: SandboxLimits,
    pub topics: Vec<String>,
    pub topics_regex: Option<String>,
    /// The config as the user wrote it, `${provider:…}` variables unresolved: what
    /// the API shows and what task configs are stored with.
    pub raw_props: BTreeMap<String, String>,
}

impl ResolvedConnector {
    pub fn kind(&self) -> PluginKind {
        self.connector.kind
    }

    /// The `task.class` Kafka Connect workers read from every task config: a Kafka
    /// Connect worker in a mixed group refuses a task config without it.
    pub fn kafka_task_class(&self) -> String {
        let configured = self
            .raw_props
            .get("connector.class")
            .map(String::as_str)
            .unwrap_or_default();
        let descriptor = &self.connector.descriptor;
        kafka_task_class(
            configured,
            &descriptor.name,
            descriptor.aliases.iter().map(String::as_str),
        )
    }
}

/// The Java task class matching a connector: the connector's fully qualified class
/// name (as configured, else the plugin's first such alias) with its `Connector`
/// suffix turned into `Task`, as Kafka's own connectors name theirs
/// (`…FileStreamSourceConnector` → `…FileStreamSourceTask`). A plugin with no Java
/// name gets its own name, so a Kafka Connect worker handed the task fails it with a
/// trace naming the plugin it lacks.
pub fn kafka_task_class<'a>(
    configured: &str,
    plugin: &str,
    aliases: impl IntoIterator<Item = &'a str>,
) -> String {
    let java = |name: &str| name.contains('.') && name.ends_with("Connector");
    let class = if java(configured) {
        Some(configured)
    } else {
        aliases.into_iter().find(|a| java(a))
    };
    match class {
        Some(class) => format!("{}Task", class.trim_end_matches("Connector")),
        None => plugin.to_owned(),
    }
}

/// The grants a connector or task config earns: every path-typed key it sets (under
/// the worker's `ferry.sandbox.allowed.paths`) and every endpoint-typed key (within
/// `ferry.sandbox.allowed.hosts`). A refused value is an error on its key.
pub fn grants_for(
    plugin: &LoadedPlugin,
    config: &BTreeMap<String, String>,
    worker: &WorkerConfig,
) -> Result<Grants, ConfigErrors> {
    let mut grants = Grants {
        files: Vec::new(),
        network: NetworkGrant {
            allowed: worker.allowed_hosts.clone(),
            ..NetworkGrant::default()
        },
    };
    let mut errors = ConfigErrors::default();
    for key in &plugin.descriptor.config {
        if key.path == PathAccess::None && key.endpoint == EndpointForm::None {
            continue;
        }
        let Some(value) = config.get(&key.name).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let invalid = |error: &dyn std::fmt::Display| {
            format!(
                "Invalid value {value} for configuration {}: {error}",
                key.name
            )
        };
        if key.path != PathAccess::None {
            match check_path(value.trim(), key.path, &worker.allowed_paths) {
                Ok(grant) => grants.files.push(grant),
                Err(error) => errors.add(&key.name, invalid(&error)),
            }
        }
        if key.endpoint != EndpointForm::None
            && let Err(error) = grants.network.add(value, key.endpoint)
        {
            errors.add(&key.name, invalid(&error));
        }
    }
    if errors.is_empty() {
        Ok(grants)
    } else {
        Err(errors)
    }
}

/// Checks a value against a declared config type.
fn check_type(name: &str, kind: ConfigType, value: &str) -> Option<String> {
    let v = value.trim();
    let bad = |what: &str| {
        Some(format!(
            "Invalid value {value} for configuration {name}: {what}"
        ))
    };
    match kind {
        ConfigType::Boolean
            if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
        {
            bad("Expected value to be either true or false")
        }
        ConfigType::Int if v.parse::<i32>().is_err() => bad("Not a number of type INT"),
        ConfigType::Long if v.parse::<i64>().is_err() => bad("Not a number of type LONG"),
        ConfigType::Double if v.parse::<f64>().is_err() => bad("Not a number of type DOUBLE"),
        _ => None,
    }
}

/// Checks a value against Kafka's SHORT type.
fn check_short(name: &str, value: &str) -> Option<String> {
    value.trim().parse::<i16>().is_err().then(|| {
        format!("Invalid value {value} for configuration {name}: Not a number of type SHORT")
    })
}

/// Kafka's uppercase type name.
pub fn type_name(t: ConfigType) -> &'static str {
    match t {
        ConfigType::Boolean => "BOOLEAN",
        ConfigType::Int => "INT",
        ConfigType::Long => "LONG",
        ConfigType::Double => "DOUBLE",
        ConfigType::String => "STRING",
        ConfigType::List => "LIST",
        ConfigType::Password => "PASSWORD",
        ConfigType::Class => "CLASS",
    }
}

fn importance_name(i: Importance) -> &'static str {
    match i {
        Importance::High => "HIGH",
        Importance::Medium => "MEDIUM",
        Importance::Low => "LOW",
    }
}

/// One entry of `configs` in Kafka's `ConfigInfos`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigInfo {
    pub definition: ConfigKeyInfo,
    pub value: ConfigValueInfo,
}

/// Kafka's `ConfigKeyInfo`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigKeyInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: String,
    pub group: Option<String>,
    /// Kafka serializes `orderInGroup` as `order`.
    #[serde(rename = "order", alias = "order_in_group")]
    pub order_in_group: i32,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
}

/// Kafka's `ConfigValueInfo`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigValueInfo {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

/// Kafka's `ConfigInfos`, the body of a validate call.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

/// A config key the framework itself defines (not the plugin).
struct FrameworkKey {
    name: &'static str,
    kind: ConfigType,
    default: Option<&'static str>,
    importance: Importance,
    group: &'static str,
    doc: &'static str,
    display: &'static str,
    /// Kafka types it SHORT, which plugin config types (and so `kind`) lack.
    short: bool,
}

impl FrameworkKey {
    const fn short(self) -> Self {
        Self {
            short: true,
            ..self
        }
    }
}

const fn fk(
    name: &'static str,
    kind: ConfigType,
    default: Option<&'static str>,
    importance: Importance,
    group: &'static str,
    display: &'static str,
    doc: &'static str,
) -> FrameworkKey {
    FrameworkKey {
        name,
        kind,
        default,
        importance,
        group,
        doc,
        display,
        short: false,
    }
}

/// Kafka's sink-only error-handling keys; the replication factor is a SHORT there.
const DLQ_TOPIC: &str = "errors.deadletterqueue.topic.name";
const DLQ_REPLICATION_FACTOR: &str = "errors.deadletterqueue.topic.replication.factor";

const COMMON_KEYS: &[FrameworkKey] = &[
    fk(
        "name",
        ConfigType::String,
        None,
        Importance::High,
        "Common",
        "Connector name",
        "Globally unique name to use for this connector.",
    ),
    fk(
        "connector.class",
        ConfigType::String,
        None,
        Importance::High,
        "Common",
        "Connector class",
        "Name or alias of the connector plugin, e.g. FileStreamSource or org.apache.kafka.connect.file.FileStreamSourceConnector.",
    ),
    fk(
        "tasks.max",
        ConfigType::Int,
        Some("1"),
        Importance::High,
        "Common",
        "Tasks max",
        "Maximum number of tasks to use for this connector.",
    ),
    fk(
        "key.converter",
        ConfigType::Class,
        None,
        Importance::Low,
        "Common",
        "Key converter class",
        "Converter for record keys; overrides the worker's key.converter.",
    ),
    fk(
        "value.converter",
        ConfigType::Class,
        None,
        Importance::Low,
        "Common",
        "Value converter class",
        "Converter for record values; overrides the worker's value.converter.",
    ),
    fk(
        "header.converter",
        ConfigType::Class,
        None,
        Importance::Low,
        "Common",
        "Header converter class",
        "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka; overrides the worker's header.converter (default SimpleHeaderConverter).",
    ),
    fk(
        "transforms",
        ConfigType::List,
        Some(""),
        Importance::Low,
        "Transforms",
        "Transforms",
        "Aliases for the transformations to be applied to records.",
    ),
    fk(
        "predicates",
        ConfigType::List,
        Some(""),
        Importance::Low,
        "Predicates",
        "Predicates",
        "Aliases for the predicates used by transformations.",
    ),
    fk(
        "errors.retry.timeout",
        ConfigType::Long,
        Some("0"),
        Importance::Medium,
        "Error Handling",
        "Retry Timeout for Errors",
        "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
    ),
    fk(
        "errors.retry.delay.max.ms",
        ConfigType::Long,
        Some("60000"),
        Importance::Medium,
        "Error Handling",
        "Maximum Delay Between Retries for Errors",
        "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.",
    ),
    fk(
        "errors.tolerance",
        ConfigType::String,
        Some("none"),
        Importance::Medium,
        "Error Handling",
        "Error Tolerance",
        "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.",
    ),
    fk(
        "errors.log.enable",
        ConfigType::Boolean,
        Some("false"),
        Importance::Medium,
        "Error Handling",
        "Log Errors",
        "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.",
    ),
    fk(
        "errors.log.include.messages",
        ConfigType::Boolean,
        Some("false"),
        Importance::Medium,
        "Error Handling",
        "Log Error Details",
        "Whether to include in the log the Connect record that resulted in a failure. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.",
    ),
    fk(
        "ferry.sandbox.memory.max.bytes",
        ConfigType::Long,
        None,
        Importance::Low,
        "Sandbox",
        "Memory cap",
        "Linear-memory cap of each plugin instance of this connector (default: the worker's).",
    ),
    fk(
        "ferry.sandbox.call.timeout.ms",
        ConfigType::Long,
        None,
        Importance::Low,
        "Sandbox",
        "Call deadline",
        "CPU deadline of one plugin call of this connector (default: the worker's).",
    ),
    fk(
        super::task_restart::MAX_ATTEMPTS,
        ConfigType::Int,
        Some("0"),
        Importance::Low,
        "Task Restart",
        "Automatic task restarts",
        "Ferry extension: how many times in a row a failed task of this connector is restarted automatically, with exponential backoff; 0 = never (Kafka Connect's behaviour).",
    ),
    fk(
        super::task_restart::BACKOFF_MS,
        ConfigType::Long,
        Some("1000"),
        Importance::Low,
        "Task Restart",
        "Automatic restart initial delay",
        "Ferry extension: the delay before the first automatic restart of a failed task, doubled for each further attempt.",
    ),
    fk(
        super::task_restart::BACKOFF_MAX_MS,
        ConfigType::Long,
        Some("60000"),
        Importance::Low,
        "Task Restart",
        "Automatic restart maximum delay",
        "Ferry extension: the longest delay between automatic restarts; a task that ran this long before failing starts counting attempts again.",
    ),
];

const SINK_KEYS: &[FrameworkKey] = &[
    fk(
        "ferry.sink.static.membership",
        ConfigType::Boolean,
        Some("true"),
        Importance::Low,
        "Sink",
        "Static membership",
        "Sink consumers join as static group members (KIP-345) so a crashed task resumes at once; false for dynamic membership.",
    ),
    fk(
        "topics",
        ConfigType::List,
        Some(""),
        Importance::High,
        "Common",
        "Topics",
        "List of topics to consume, separated by commas.",
    ),
    fk(
        "topics.regex",
        ConfigType::String,
        Some(""),
        Importance::High,
        "Common",
        "Topics regex",
        "Regular expression giving topics to consume.",
    ),
];

/// The dead letter queue keys: Kafka's for sinks; on sources a Ferry extension
/// (Kafka Connect has no source dead letter queue).
const DLQ_KEYS: &[FrameworkKey] = &[
    fk(
        DLQ_TOPIC,
        ConfigType::String,
        Some(""),
        Importance::Medium,
        "Error Handling",
        "Dead Letter Queue Topic Name",
        "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters (Ferry: also for source connectors, for records that fail transformation or conversion or that the producer rejects). The topic name is blank by default, which means that no messages are to be recorded in the DLQ.",
    ),
    fk(
        DLQ_REPLICATION_FACTOR,
        ConfigType::Int,
        Some("3"),
        Importance::Medium,
        "Error Handling",
        "Dead Letter Queue Topic Replication Factor",
        "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
    )
    .short(),
    fk(
        "errors.deadletterqueue.context.headers.enable",
        ConfigType::Boolean,
        Some("false"),
        Importance::Medium,
        "Error Handling",
        "Enable Error Context Headers",
        "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys will start with __connect.errors.",
    ),
];

/// Kafka's `SourceConnectorConfig` keys: topic creation (KIP-158) and exactly-once
/// support (KIP-618).
const SOURCE_KEYS: &[FrameworkKey] = &[
    fk(
        super::topic_creation::GROUPS,
        ConfigType::List,
        Some(""),
        Importance::Low,
        "Topic Creation",
        "Topic Creation Groups",
        "Groups of configurations for topics created by source connectors",
    ),
    fk(
        crate::worker::exactly_once::EXACTLY_ONCE_SUPPORT,
        ConfigType::String,
        Some("requested"),
        Importance::Medium,
        "Exactly Once Support",
        "Exactly once support",
        "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. If the value is \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.",
    ),
    fk(
        crate::worker::exactly_once::TRANSACTION_BOUNDARY,
        ConfigType::String,
        Some("poll"),
        Importance::Medium,
        "Exactly Once Support",
        "Transaction Boundary",
        "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
    ),
    fk(
        crate::worker::exactly_once::TRANSACTION_BOUNDARY_INTERVAL,
        ConfigType::Long,
        None,
        Importance::Low,
        "Exactly Once Support",
        "Transaction boundary interval",
        "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
    ),
    fk(
        crate::worker::exactly_once::OFFSETS_TOPIC,
        ConfigType::String,
        None,
        Importance::Low,
        "offsets.topic",
        "Offsets topic",
        "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker's global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist. Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
    ),
];

/// A plugin's own `validate` call: (key, message) problems for a config.
pub type PluginChecks =
    dyn Fn(&Arc<LoadedPlugin>, &BTreeMap<String, String>) -> Vec<(String, String)>;

/// Resolves and validates a connector config. Returns the resolved connector when
/// valid, and always the `ConfigInfos` to show.
pub struct Validation {
    pub infos: ConfigInfos,
    pub errors: ConfigErrors,
    pub resolved: Option<ResolvedConnector>,
}

/// Validates `props` for a connector whose plugin is `class` (the validate
/// endpoint's path parameter, or the config's `connector.class`).
pub fn validate(
    registry: &PluginRegistry,
    worker: &WorkerConfig,
    class: &str,
    props: &BTreeMap<String, String>,
    plugin_checks: &PluginChecks,
) -> Validation {
    let mut errors = ConfigErrors::default();
    let mut configs = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let connector = registry
        .find(class)
        .filter(|p| matches!(p.kind, PluginKind::Source | PluginKind::Sink))
        .cloned();

    let push_framework = |key: &FrameworkKey,
                          errors: &mut ConfigErrors,
                          configs: &mut Vec<ConfigInfo>,
                          groups: &mut Vec<String>| {
        // Kafka numbers keys within their group, from 1.
        let order = configs
            .iter()
            .filter(|c| c.definition.group.as_deref() == Some(key.group))
            .count() as i32
            + 1;
        let value = props.get(key.name).cloned();
        let problem = match &value {
            Some(v) if key.short => check_short(key.name, v),
            Some(v) => check_type(key.name, key.kind, v),
            None => None,
        };
        if let Some(e) = problem {
            errors.add(key.name, e);
        }
        if !groups.iter().any(|g| g == key.group) {
            groups.push(key.group.to_string());
        }
        configs.push(ConfigInfo {
            definition: ConfigKeyInfo {
                name: key.name.to_string(),
                kind: if key.short {
                    "SHORT".to_string()
                } else {
                    type_name(key.kind).to_string()
                },
                required: key.default.is_none() && matches!(key.name, "name" | "connector.class"),
                default_value: key.default.map(str::to_string),
                importance: importance_name(key.importance).to_string(),
                documentation: key.doc.to_string(),
                group: Some(key.group.to_string()),
                order_in_group: order,
                width: "NONE".into(),
                display_name: key.display.to_string(),
                dependents: Vec::new(),
            },
            value: ConfigValueInfo {
                name: key.name.to_string(),
                value: value.or(key.default.map(str::to_string)),
                recommended_values: Vec::new(),
                errors: Vec::new(),
                visible: true,
            },
        });
    };

    for key in COMMON_KEYS {
        push_framework(key, &mut errors, &mut configs, &mut groups);
    }
    if connector
        .as_ref()
        .is_some_and(|c| c.kind == PluginKind::Sink)
    {
        for key in SINK_KEYS {
            push_framework(key, &mut errors, &mut configs, &mut groups);
        }
    }
    if let Some(source) = connector.as_ref().filter(|c| c.kind == PluginKind::Source) {
        for key in SOURCE_KEYS {
            push_framework(key, &mut errors, &mut configs, &mut groups);
        }
        for (key, message) in super::topic_creation::validate(worker.topic_creation, props) {
            errors.add(key, message);
        }
        check_exactly_once(source, worker, props, &mut errors);
    }
    if connector
        .as_ref()
        .is_some_and(|c| matches!(c.kind, PluginKind::Sink | PluginKind::Source))
    {
        for key in DLQ_KEYS {
            push_framework(key, &mut errors, &mut configs, &mut groups);
        }
    }

    // connector.class: the plugin validated (`class`) and the one the config names
    // must both be connectors; report the first that is not, once.
    let named = props
        .get("connector.class")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or(class);
    let is_connector = |name: &str| {
        registry
            .find(name)
            .is_some_and(|p| matches!(p.kind, PluginKind::Source | PluginKind::Sink))
    };
    if let Some(unknown) = [class, named].into_iter().find(|n| !is_connector(n)) {
        errors.add(
            "connector.class",
            unknown_class_message(registry, unknown, &[PluginKind::Source, PluginKind::Sink]),
        );
    }
    let name = props
        .get("name")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if props.contains_key("name") && name.is_empty() {
        errors.add(
            "name",
            "Invalid value  for configuration name: String may not be empty",
        );
    }
    let tasks_max = match props.get("tasks.max").map(|v| v.trim().parse::<i64>()) {
        None => 1,
        Some(Ok(n)) if (1..=i64::from(u32::MAX)).contains(&n) => n as u32,
        Some(Ok(n)) => {
            errors.add(
                "tasks.max",
                format!("Invalid value {n} for configuration tasks.max: Value must be at least 1"),
            );
            1
        }
        Some(Err(_)) => 1,
    };
    check_error_handling(props, &mut errors);
    for (key, message) in super::task_restart::validate(props) {
        // A value that is not a number was already reported by its type check.
        if errors.for_key(&key).is_empty() {
            errors.add(key, message);
        }
    }
    for key in SANDBOX_KEYS {
        // A value that is not a number was already reported by its type check.
        if let Err(error) = positive_number(props, key)
            && errors.for_key(key).is_empty()
        {
            errors.add(key, error.to_string());
        }
    }
    let limits = sandbox_limits(props, worker.sandbox).unwrap_or(worker.sandbox);

    // Converters.
    let key_converter = resolve_converter(registry, worker, props, "key.converter", &mut errors);
    let value_converter =
        resolve_converter(registry, worker, props, "value.converter", &mut errors);
    let header_converter =
        resolve_converter(registry, worker, props, "header.converter", &mut errors);

    // Sink topics.
    let topics = props
        .get("topics")
        .map(|v| split_list(v))
        .unwrap_or_default();
    let topics_regex = props
        .get("topics.regex")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(c) = &connector
        && c.kind == PluginKind::Sink
    {
        match (&topics.is_empty(), &topics_regex) {
            (true, None) => errors.add("topics", "Must configure one of topics or topics.regex"),
            (false, Some(_)) => errors.add(
                "topics",
                "topics and topics.regex are mutually exclusive options, but both are set.",
            ),
            _ => {}
        }
        if let Some(re) = &topics_regex
            && let Err(e) = regex::Regex::new(re)
        {
            errors.add(
                "topics.regex",
                format!("Invalid value {re} for configuration topics.regex: {e}"),
            );
        }
    }

    if connector
        .as_ref()
        .is_some_and(|c| c.kind == PluginKind::Sink)
    {
        check_dlq_topic(props, &topics, topics_regex.as_deref(), &mut errors);
    }

    // Transforms and predicates.
    let transforms = resolve_transforms(
        registry,
        props,
        plugin_checks,
        &mut errors,
        &mut configs,
        &mut groups,
    );

    // The connector plugin's own keys.
    if let Some(plugin) = &connector {
        plugin_keys(plugin, props, "", &mut errors, &mut configs, &mut groups);
        if let Err(grant_errors) = grants_for(plugin, props, worker) {
            errors.errors.extend(grant_errors.errors);
        }
        for (key, message) in plugin_checks(plugin, props) {
            errors.add(key, message);
        }
    }

    // Attach errors to their config entries; errors for keys without an entry get
    // one, so the count and the messages always agree.
    for (key, message) in &errors.errors {
        match configs.iter_mut().find(|c| &c.definition.name == key) {
            Some(config) => config.value.errors.push(message.clone()),
            None => configs.push(ConfigInfo {
                definition: ConfigKeyInfo {
                    name: key.clone(),
                    kind: "STRING".into(),
                    required: false,
                    default_value: None,
                    importance: "LOW".into(),
                    documentation: String::new(),
                    group: None,
                    order_in_group: -1,
                    width: "NONE".into(),
                    display_name: key.clone(),
                    dependents: Vec::new(),
                },
                value: ConfigValueInfo {
                    name: key.clone(),
                    value: props.get(key).cloned(),
                    recommended_values: Vec::new(),
                    errors: vec![message.clone()],
                    visible: true,
                },
            }),
        }
    }
    let error_count = configs.iter().map(|c| c.value.errors.len()).sum();
    let infos = ConfigInfos {
        name: connector
            .as_ref()
            .map(|c| c.descriptor.name.clone())
            .unwrap_or_else(|| class.to_string()),
        error_count,
        groups,
        configs,
    };
    let resolved = match (
        errors.is_empty(),
        connector,
        key_converter,
        value_converter,
        header_converter,
    ) {
        (
            true,
            Some(connector),
            Some(key_converter),
            Some(value_converter),
            Some(header_converter),
        ) => Some(ResolvedConnector {
            name,
            config: ConnectorConfig::new(props.clone()),
            connector,
            tasks_max,
            key_converter,
            value_converter,
            header_converter,
            transforms,
            limits,
            topics,
            topics_regex,
            raw_props: props.clone(),
        }),
        _ => None,
    };
    Validation {
        infos,
        errors,
        resolved,
    }
}

/// KIP-618's keys: their values everywhere, and — on a distributed worker, as
/// Kafka's `DistributedHerder` — whether `required` and `connector` can be met.
fn check_exactly_once(
    plugin: &LoadedPlugin,
    worker: &WorkerConfig,
    props: &BTreeMap<String, String>,
    errors: &mut ConfigErrors,
) {
    use crate::worker::exactly_once;
    let problems = exactly_once::check_values(props);
    for (key, message) in &problems {
        // A value that is not a number was already reported by its type check.
        if errors.for_key(key).is_empty() {
            errors.add(key.clone(), message.clone());
        }
    }
    if worker.distributed {
        for (key, message) in exactly_once::check_support(
            props,
            worker.exactly_once_source,
            plugin.defines_transactions,
        ) {
            if !problems.iter().any(|(k, _)| *k == key) {
                errors.add(key, message);
            }
        }
    }
}

/// `errors.tolerance`: the one `errors.*` value Kafka's `ConnectorConfig` restricts
/// beyond its type.
fn check_error_handling(props: &BTreeMap<String, String>, errors: &mut ConfigErrors) {
    if let Some(tolerance) = props.get("errors.tolerance").map(|t| t.trim())
        && !matches!(tolerance, "none" | "all")
    {
        errors.add(
            "errors.tolerance",
            format!(
                "Invalid value {tolerance} for configuration errors.tolerance: String must be one of: none, all"
            ),
        );
    }
}

/// A sink may not consume its own dead letter queue (Kafka's `SinkConnectorConfig`).
fn check_dlq_topic(
    props: &BTreeMap<String, String>,
    topics: &[String],
    topics_regex: Option<&str>,
    errors: &mut ConfigErrors,
) {
    let Some(dlq) = props
        .get(DLQ_TOPIC)
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    else {
        return;
    };
    if topics.iter().any(|t| t == dlq) {
        errors.add(
            DLQ_TOPIC,
            format!(
                "The DLQ topic '{dlq}' may not be included in the list of topics ('topics=[{}]') consumed by the connector",
                topics.join(", ")
            ),
        );
    }
    if let Some(re) = topics_regex
        && regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(dlq))
    {
        errors.add(
            DLQ_TOPIC,
            format!(
                "The DLQ topic '{dlq}' may not be included in the regex matching the topics ('topics.regex={re}') consumed by the connector"
            ),
        );
    }
}

/// Kafka-style message for a class name no plugin claims.
pub fn unknown_class_message(
    registry: &PluginRegistry,
    named: &str,
    kinds: &[PluginKind],
) -> String {
    let available: Vec<String> = registry
        .all()
        .iter()
        .filter(|p| kinds.iter().any(|&k| p.is(k)))
        .map(|p| p.descriptor.name.clone())
        .collect();
    format!(
        "Failed to find any plugin that implements {} and which name matches {named}, available plugins are: {}",
        kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        available.join(", ")
    )
}

/// Resolves `key.converter`, `value.converter` or `header.converter`: the
/// connector's class with its `<key>.*` settings, else the worker's, else Kafka's
/// default; `converter.type` is set as Kafka's `Plugins.newConverter` /
/// `newHeaderConverter` set it.
fn resolve_converter(
    registry: &PluginRegistry,
    worker: &WorkerConfig,
    props: &BTreeMap<String, String>,
    key: &str,
    errors: &mut ConfigErrors,
) -> Option<PluginSpec> {
    let header = key == "header.converter";
    let default = if header {
        DEFAULT_HEADER_CONVERTER
    } else {
        DEFAULT_CONVERTER
    };
    let prefix = format!("{key}.");
    let (class, mut config) = match props.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(class) => (class.to_string(), strip_prefix(props, &prefix)),
        None => match worker
            .props
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            Some(class) => (class.to_string(), worker.with_prefix(&prefix)),
            None => (default.to_string(), worker.with_prefix(&prefix)),
        },
    };
    let (kind, converter_type) = if header {
        (PluginKind::HeaderConverter, "header")
    } else if key.starts_with("key") {
        (PluginKind::Converter, "key")
    } else {
        (PluginKind::Converter, "value")
    };
    config.insert("converter.type".into(), converter_type.into());
    match registry.find_kind(&class, kind) {
        Some(plugin) => {
            for (k, v) in &config {
                if let Some(def) = plugin.config_key(k)
                    && let Some(e) = check_type(&def.name, def.type_, v)
                {
                    errors.add(key, e);
                }
            }
            Some(PluginSpec {
                plugin: plugin.clone(),
                config,
            })
        }
        None if header && registry.find(&class).is_some() => {
            // Kafka's `Utils.ensureConcreteSubclass` message.
            errors.add(
                key,
                format!("Class class {class} does not implement the HeaderConverter interface"),
            );
            None
        }
        None => {
            errors.add(
                key,
                format!(
                    "Invalid value {class} for configuration {key}: {}",
                    unknown_class_message(registry, &class, &[kind])
                ),
            );
            None
        }
    }
}

fn resolve_transforms(
    registry: &PluginRegistry,
    props: &BTreeMap<String, String>,
    plugin_checks: &PluginChecks,
    errors: &mut ConfigErrors,
    configs: &mut Vec<ConfigInfo>,
    groups: &mut Vec<String>,
) -> Vec<TransformSpec> {
    let mut predicates = BTreeMap::new();
    for alias in props
        .get("predicates")
        .map(|v| split_list(v))
        .unwrap_or_default()
    {
        let prefix = format!("predicates.{alias}.");
        let type_key = format!("{prefix}type");
        match props.get(&type_key).map(|s| s.trim()) {
            None | Some("") => errors.add(
                &type_key,
                format!(
                    "Missing required configuration \"{type_key}\" which has no default value."
                ),
            ),
            Some(class) => match registry.find_kind(class, PluginKind::Predicate) {
                Some(plugin) => {
                    let config = strip_prefix(props, &prefix);
                    plugin_keys(plugin, &config, &prefix, errors, configs, groups);
                    prefixed_checks(plugin, &config, &prefix, plugin_checks, errors);
                    predicates.insert(
                        alias.clone(),
                        PluginSpec {
                            plugin: plugin.clone(),
                            config,
                        },
                    );
                }
                None => errors.add(
                    &type_key,
                    format!(
                        "Invalid value {class} for configuration {type_key}: {}",
                        unknown_class_message(registry, class, &[PluginKind::Predicate])
                    ),
                ),
            },
        }
    }
    let mut out = Vec::new();
    for alias in props
        .get("transforms")
        .map(|v| split_list(v))
        .unwrap_or_default()
    {
        let prefix = format!("transforms.{alias}.");
        let type_key = format!("{prefix}type");
        let class = match props.get(&type_key).map(|s| s.trim()) {
            None | Some("") => {
                errors.add(
                    &type_key,
                    format!(
                        "Missing required configuration \"{type_key}\" which has no default value."
                    ),
                );
                continue;
            }
            Some(class) => class,
        };
        let Some(plugin) = registry.find_kind(class, PluginKind::Transformation) else {
            errors.add(
                &type_key,
                format!(
                    "Invalid value {class} for configuration {type_key}: {}",
                    unknown_class_message(registry, class, &[PluginKind::Transformation])
                ),
            );
            continue;
        };
        let mut config = strip_prefix(props, &prefix);
        let predicate_alias = config.remove("predicate");
        let negate = config
            .remove("negate")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        plugin_keys(plugin, &config, &prefix, errors, configs, groups);
        prefixed_checks(plugin, &config, &prefix, plugin_checks, errors);
        let predicate = match predicate_alias {
            None => None,
            Some(p) => match predicates.get(p.trim()) {
                Some(spec) => Some((spec.clone(), negate)),
                None => {
                    errors.add(format!("{prefix}predicate"), format!("Invalid value {p} for configuration {prefix}predicate: no predicate with that alias is listed in 'predicates'"));
                    None
                }
            },
        };
        out.push(TransformSpec {
            alias,
            transform: PluginSpec {
                plugin: plugin.clone(),
                config,
            },
            predicate,
        });
    }
    out
}

/// A transform's or predicate's own `validate` (Kafka runs their `ConfigDef`
/// validators when it validates a connector config), its problems reported under
/// the prefixed keys (`transforms.cast.spec`); a problem the definition check
/// already reported is not repeated, and one without a key of the plugin's goes to
/// `<prefix>type`.
fn prefixed_checks(
    plugin: &Arc<LoadedPlugin>,
    config: &BTreeMap<String, String>,
    prefix: &str,
    plugin_checks: &PluginChecks,
    errors: &mut ConfigErrors,
) {
    for (key, message) in plugin_checks(plugin, config) {
        let full = if plugin.config_key(&key).is_some() || config.contains_key(&key) {
            format!("{prefix}{key}")
        } else {
            format!("{prefix}type")
        };
        if !errors.for_key(&full).contains(&message) {
            errors.add(full, message);
        }
    }
}

/// Kafka's `ConfigKeyInfo` for one of a plugin's keys, named `full`.
fn key_info(
    key: &crate::plugin::bindings::types::ConfigKey,
    full: &str,
    index: usize,
) -> ConfigKeyInfo {
    ConfigKeyInfo {
        name: full.to_string(),
        kind: type_name(key.type_).to_string(),
        required: key.required && key.default_value.is_none(),
        // Kafka shows a PASSWORD default as "[hidden]", as it shows its value.
        default_value: key.default_value.as_ref().map(|d| {
            if key.type_ == ConfigType::Password {
                "[hidden]".to_string()
            } else {
                d.clone()
            }
        }),
        importance: importance_name(key.importance).to_string(),
        documentation: key.documentation.clone(),
        group: key.group.clone(),
        order_in_group: index as i32 + 1,
        width: "NONE".into(),
        display_name: full.to_string(),
        dependents: Vec::new(),
    }
}

/// `GET /connector-plugins/{p}/config`: the plugin's own config definition.
pub fn plugin_key_infos(plugin: &LoadedPlugin) -> Vec<ConfigKeyInfo> {
    plugin
        .descriptor
        .config
        .iter()
        .enumerate()
        .map(|(i, key)| key_info(key, &key.name, i))
        .collect()
}

/// Checks a plugin's own keys (required, type) and adds their `ConfigInfo`s.
fn plugin_keys(
    plugin: &LoadedPlugin,
    props: &BTreeMap<String, String>,
    prefix: &str,
    errors: &mut ConfigErrors,
    configs: &mut Vec<ConfigInfo>,
    groups: &mut Vec<String>,
) {
    for (i, key) in plugin.descriptor.config.iter().enumerate() {
        let full = format!("{prefix}{}", key.name);
        let value = props.get(&key.name).cloned();
        match &value {
            None if key.required && key.default_value.is_none() => {
                errors.add(
                    &full,
                    format!(
                        "Missing required configuration \"{full}\" which has no default value."
                    ),
                );
            }
            Some(v) => {
                if let Some(e) = check_type(&full, key.type_, v) {
                    errors.add(&full, e);
                }
            }
            None => {}
        }
        let group = key.group.clone();
        if let Some(g) = &group
            && !groups.contains(g)
        {
            groups.push(g.clone());
        }
        // Kafka shows a PASSWORD's value as "[hidden]" (its `Password.toString()`).
        let shown = value.or_else(|| key.default_value.clone()).map(|v| {
            if key.type_ == ConfigType::Password {
                "[hidden]".to_string()
            } else {
                v
            }
        });
        configs.push(ConfigInfo {
            definition: key_info(key, &full, i),
            value: ConfigValueInfo {
                name: full,
                value: shown,
                recommended_values: Vec::new(),
                errors: Vec::new(),
                visible: true,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_class_follows_kafka_naming() {
        let file_source = [
            "FileStreamSource",
            "FileStreamSourceConnector",
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
        ];
        assert_eq!(
            kafka_task_class("FileStreamSource", "file-source", file_source),
            "org.apache.kafka.connect.file.FileStreamSourceTask"
        );
        assert_eq!(
            kafka_task_class(
                "io.confluent.connect.jdbc.JdbcSinkConnector",
                "postgres-sink",
                ["postgres-sink"]
            ),
            "io.confluent.connect.jdbc.JdbcSinkTask"
        );
        assert_eq!(
            kafka_task_class("verifiable-source", "verifiable-source", []),
            "verifiable-source"
        );
    }

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn short_check(props: &BTreeMap<String, String>, errors: &mut ConfigErrors) {
        if let Some(e) = check_short(DLQ_REPLICATION_FACTOR, &props[DLQ_REPLICATION_FACTOR]) {
            errors.add(DLQ_REPLICATION_FACTOR, e);
        }
    }

    #[test]
    fn error_tolerance_and_dlq_replication_factor_are_checked_as_kafka_does() {
        let mut errors = ConfigErrors::default();
        let good = props(&[
            ("errors.tolerance", " all "),
            (DLQ_REPLICATION_FACTOR, "-1"),
        ]);
        check_error_handling(&good, &mut errors);
        short_check(&good, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let bad = props(&[
            ("errors.tolerance", "ALL"),
            (DLQ_REPLICATION_FACTOR, "32768"),
        ]);
        check_error_handling(&bad, &mut errors);
        short_check(&bad, &mut errors);
        assert_eq!(
            errors.for_key("errors.tolerance"),
            [
                "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"
            ]
        );
        assert_eq!(errors.for_key(DLQ_REPLICATION_FACTOR).len(), 1);
    }

    #[test]
    fn a_sink_may_not_consume_its_dead_letter_queue() {
        let topics = vec!["a".to_string(), "b".to_string()];
        let mut errors = ConfigErrors::default();
        check_dlq_topic(&props(&[(DLQ_TOPIC, " c ")]), &topics, None, &mut errors);
        check_dlq_topic(&props(&[(DLQ_TOPIC, "")]), &topics, Some(".*"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        check_dlq_topic(&props(&[(DLQ_TOPIC, "b")]), &topics, None, &mut errors);
        check_dlq_topic(
            &props(&[(DLQ_TOPIC, "orders-dlq")]),
            &[],
            Some("orders.*"),
            &mut errors,
        );
        // The regex must match the whole name, as Java's Pattern.matcher().matches().
        check_dlq_topic(
            &props(&[(DLQ_TOPIC, "x-orders")]),
            &[],
            Some("orders"),
            &mut errors,
        );
        assert_eq!(
            errors.for_key(DLQ_TOPIC),
            [
                "The DLQ topic 'b' may not be included in the list of topics ('topics=[a, b]') consumed by the connector",
                "The DLQ topic 'orders-dlq' may not be included in the regex matching the topics ('topics.regex=orders.*') consumed by the connector",
            ]
        );
    }
}
