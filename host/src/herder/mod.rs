//! Herders: who runs which connector, and the answers to the REST API.
//!
//! What both herders share lives here, as in Kafka's `AbstractHerder`: errors,
//! config validation, plugin listings, the KIP-745 restart plan. `standalone` runs
//! every connector in this process with offsets in a local file; `distributed` is
//! one worker of a group (see `crate::group`) with its state in Kafka topics (see
//! `crate::storage`).

pub mod api;
pub mod distributed;
pub mod offsets;
pub mod standalone;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::config::connector::{self, ConfigInfos, Validation, unknown_class_message};
use crate::config::providers::ConfigProviders;
use crate::plugin::instance::{Introspect, config_list};
use crate::plugin::{LoadedPlugin, PluginKind, PluginRegistry};
use crate::worker::WorkerServices;
use crate::worker::status::{ConnectorStateInfo, State};

pub use crate::worker::work::TaskId;
pub use api::{Health, HerderApi, RequestSignature};

/// A request the herder refuses, with the HTTP status Kafka Connect uses.
#[derive(Debug, thiserror::Error)]
pub enum HerderError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Internal(String),
    /// Only another worker can do this: forward the request to `target` (Kafka's
    /// `NotLeaderException` / `NotAssignedException`); `None` while no leader is known.
    #[error("{message}")]
    Elsewhere {
        message: String,
        target: Option<String>,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unavailable(String),
}

impl HerderError {
    pub fn status_code(&self) -> u16 {
        match self {
            HerderError::NotFound(_) => 404,
            HerderError::Conflict(_) => 409,
            HerderError::BadRequest(_) => 400,
            HerderError::Internal(_) => 500,
            HerderError::Elsewhere { .. } => 409,
            HerderError::Forbidden(_) => 403,
            HerderError::Unavailable(_) => 503,
        }
    }
}

/// Kafka Connect's `ConnectorInfo`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: BTreeMap<String, String>,
    pub tasks: Vec<TaskId>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One entry of `GET /connectors/{c}/tasks`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TaskInfo {
    pub id: TaskId,
    pub config: BTreeMap<String, String>,
}

/// One entry of `GET /connector-plugins`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PluginInfo {
    pub class: String,
    /// source, sink, converter, header_converter, transformation or predicate.
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
    /// Ferry: the Kafka class names and short aliases this plugin answers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// Validates a config for the connector plugin `class`, as the validate endpoint
/// does (including the plugin's own `validate`).
pub fn validate_config(
    services: &WorkerServices,
    class: &str,
    raw: &BTreeMap<String, String>,
) -> Validation {
    let plugin_checks =
        |plugin: &Arc<LoadedPlugin>, props: &BTreeMap<String, String>| -> Vec<(String, String)> {
            match Introspect::validate(plugin, &config_list(props)) {
                Ok(problems) => problems.into_iter().map(|p| (p.key, p.message)).collect(),
                Err(error) => vec![(
                    "connector.class".to_string(),
                    format!("plugin validation failed: {error}"),
                )],
            }
        };
    // Plugins see `${provider:…}` variables resolved; the answer shows them as written.
    let (props, provider_error) = match services.providers.resolve(raw) {
        Ok(props) => (props, None),
        Err(error) => (raw.clone(), Some(error)),
    };
    let mut validation = connector::validate(
        &services.registry,
        &services.config,
        class,
        &props,
        &plugin_checks,
    );
    if let Some(error) = provider_error {
        let key = error.key().unwrap_or("connector.class").to_string();
        let message = error.to_string();
        validation.errors.add(key.clone(), message.clone());
        validation.resolved = None;
        validation.infos.error_count += 1;
        if let Some(info) = validation
            .infos
            .configs
            .iter_mut()
            .find(|c| c.value.name == key)
        {
            info.value.errors.push(message);
        }
    }
    for info in &mut validation.infos.configs {
        if let Some(written) = raw.get(&info.value.name)
            && ConfigProviders::has_variables(written)
            && info.definition.kind != "PASSWORD"
        {
            info.value.value = Some(written.clone());
        }
    }
    hide_resolved_values(raw, &props, &mut validation);
    if let Some(resolved) = validation.resolved.as_mut() {
        resolved.raw_props = raw.clone();
    }
    validation
}

/// Error messages quote the value they reject ("Invalid value … for configuration
/// …"); a value that came from a config provider is shown as its `${…}` variable,
/// never resolved, so validate answers and 400s cannot leak a secret.
fn hide_resolved_values(
    raw: &BTreeMap<String, String>,
    resolved: &BTreeMap<String, String>,
    validation: &mut Validation,
) {
    let secrets: Vec<(&String, &String, &String)> = raw
        .iter()
        .filter(|(_, written)| ConfigProviders::has_variables(written))
        .filter_map(|(key, written)| {
            let value = resolved.get(key)?;
            (!value.trim().is_empty() && value != written).then_some((key, value, written))
        })
        .collect();
    if secrets.is_empty() {
        return;
    }
    // Short values are replaced only in their own key's messages, where they are
    // the quoted value; elsewhere "1" or "ab" would mangle unrelated words.
    let scrub = |key: &str, message: &mut String| {
        for (secret_key, value, written) in &secrets {
            if key == secret_key.as_str() || value.len() >= 3 {
                *message = message.replace(value.as_str(), written);
            }
        }
    };
    for (key, message) in &mut validation.errors.errors {
        scrub(key, message);
    }
    for info in &mut validation.infos.configs {
        for message in &mut info.value.errors {
            scrub(&info.value.name, message);
        }
    }
}

/// The `ConfigInfos` body for `PUT /connector-plugins/{class}/config/validate`.
pub fn validate_plugin_config(
    services: &WorkerServices,
    class: &str,
    props: &BTreeMap<String, String>,
) -> Result<ConfigInfos, HerderError> {
    let known = services
        .registry
        .find(class)
        .is_some_and(|p| matches!(p.kind, PluginKind::Source | PluginKind::Sink));
    if !known {
        return Err(HerderError::NotFound(unknown_class_message(
            &services.registry,
            class,
            &[PluginKind::Source, PluginKind::Sink],
        )));
    }
    if let Some(included) = props.get("connector.class")
        && !same_connector_plugin(&services.registry, included, class)
    {
        return Err(HerderError::BadRequest(format!(
            "Included connector type {included} does not match request type {class}"
        )));
    }
    Ok(validate_config(services, class, props).infos)
}

/// Whether the body's `connector.class` names the plugin of the validate path: the
/// same plugin under any of its names, or (for a name no plugin has) Kafka's test
/// that one ends with the other, `Connector` suffixes aside.
fn same_connector_plugin(registry: &PluginRegistry, included: &str, path: &str) -> bool {
    let included = included.trim();
    match (registry.find(included), registry.find(path)) {
        (Some(a), Some(b)) => a.descriptor.name == b.descriptor.name,
        _ => {
            let normalized = |name: &str| -> String {
                name.strip_suffix("Connector")
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(name)
                    .to_string()
            };
            normalized(included).ends_with(&normalized(path))
        }
    }
}

/// `GET /connector-plugins/{p}/config` (KIP-769): a connector's own keys followed by
/// the framework's; a converter's, transform's or predicate's own keys.
pub fn plugin_config_keys(
    services: &WorkerServices,
    name: &str,
) -> Result<Vec<connector::ConfigKeyInfo>, HerderError> {
    let plugin = services
        .registry
        .find(name)
        .ok_or_else(|| HerderError::NotFound(format!("Unknown plugin {name}.")))?;
    if !matches!(plugin.kind, PluginKind::Source | PluginKind::Sink) {
        return Ok(connector::plugin_key_infos(plugin));
    }
    let no_plugin_checks = |_: &Arc<LoadedPlugin>,
                            _: &BTreeMap<String, String>|
     -> Vec<(String, String)> { Vec::new() };
    let props = BTreeMap::from([("connector.class".to_string(), name.to_string())]);
    let validation = connector::validate(
        &services.registry,
        &services.config,
        name,
        &props,
        &no_plugin_checks,
    );
    let mut keys = connector::plugin_key_infos(plugin);
    for info in validation.infos.configs {
        if !keys.iter().any(|k| k.name == info.definition.name)
            && !info.definition.documentation.is_empty()
        {
            keys.push(info.definition);
        }
    }
    Ok(keys)
}

/// `GET /connector-plugins` entries, sorted by class.
pub fn plugin_list(services: &WorkerServices, connectors_only: bool) -> Vec<PluginInfo> {
    let mut out: Vec<PluginInfo> = services
        .registry
        .all()
        .iter()
        .filter(|p| !connectors_only || matches!(p.kind, PluginKind::Source | PluginKind::Sink))
        // A converter that doubles as a header converter is listed once per kind, as
        // Kafka lists `StringConverter`.
        .flat_map(|p| {
            let (class, aliases) = listed_names(&p.descriptor);
            p.kinds().into_iter().map(move |kind| PluginInfo {
                class: class.clone(),
                kind: kind.as_str().to_string(),
                version: p.descriptor.version.clone(),
                aliases: aliases.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.class.cmp(&b.class).then_with(|| a.kind.cmp(&b.kind)));
    out
}

/// How a plugin is listed: under the Kafka class it replaces (the first alias that is
/// a fully qualified Java class name, e.g. `org.apache.kafka.connect.transforms.Cast$Value`),
/// as Kafka Connect lists it and tooling looks for it, else under its own name; the
/// other names (Ferry's own name first) as `aliases`.
fn listed_names(
    descriptor: &crate::plugin::bindings::types::PluginDescriptor,
) -> (String, Vec<String>) {
    let java_class = descriptor.aliases.iter().find(|alias| {
        alias.contains('.')
            && alias
                .rsplit('.')
                .next()
                .is_some_and(|simple| simple.starts_with(|c: char| c.is_ascii_uppercase()))
    });
    match java_class {
        Some(class) => {
            let aliases = std::iter::once(&descriptor.name)
                .chain(descriptor.aliases.iter().filter(|a| *a != class))
                .cloned()
                .collect();
            (class.clone(), aliases)
        }
        None => (descriptor.name.clone(), descriptor.aliases.clone()),
    }
}

/// Checks shared by both herders before a connector config is stored: a name and a
/// `connector.class`. Returns the class.
pub fn precheck_connector(
    name: &str,
    props: &BTreeMap<String, String>,
) -> Result<String, HerderError> {
    if name.trim().is_empty() {
        return Err(HerderError::BadRequest(
            "Connector name must not be empty".into(),
        ));
    }
    match props
        .get("connector.class")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(c) => Ok(c.to_string()),
        None => Err(HerderError::BadRequest(format!(
            "Connector config {} contains no connector type (missing required configuration \"connector.class\")",
            render_map(props)
        ))),
    }
}

/// Kafka's KIP-745 restart plan: the connector's status with what a restart with
/// these flags restarts shown as RESTARTING (`RestartRequest.shouldRestart*`).
pub fn restart_plan(
    mut status: ConnectorStateInfo,
    include_tasks: bool,
    only_failed: bool,
) -> ConnectorStateInfo {
    if !only_failed || status.connector.state == State::Failed {
        status.connector.state = State::Restarting;
    }
    if include_tasks {
        for task in &mut status.tasks {
            if !only_failed || task.state == State::Failed {
                task.state = State::Restarting;
            }
        }
    }
    status
}

pub(crate) fn not_found(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

fn render_map(props: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = props.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}
