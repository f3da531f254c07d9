//! What a plugin says about itself: [`PluginDescriptor`] and its config definition
//! ([`ConfigKey`]), as Kafka's `ConfigDef`.

use crate::bindings::types as wit;

/// The kind of plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Source,
    Sink,
    Converter,
    HeaderConverter,
    Transformation,
    Predicate,
}

/// Config value types, as Kafka's `ConfigDef.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    Int,
    Long,
    Double,
    String,
    List,
    Password,
    Class,
}

/// How important a config key is, as Kafka's `ConfigDef.Importance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Importance {
    High,
    Medium,
    Low,
}

/// Whether a config value is a filesystem path the plugin touches; the host grants
/// exactly that path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PathAccess {
    #[default]
    None,
    ReadFile,
    WriteFile,
    ReadDir,
    WriteDir,
}

/// Whether a config value names network endpoints the plugin connects to, and in
/// which form; the host grants exactly those endpoints (within the worker's
/// `ferry.sandbox.allowed.hosts`). See `endpoint-form` in the WIT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EndpointForm {
    #[default]
    None,
    /// `host:port`.
    HostPort,
    /// A comma list of `host:port`, like `bootstrap.servers`.
    HostPortList,
    /// `scheme://[user@]host[:port]/…`.
    Url,
    /// `jdbc:<subprotocol>://host[:port][,host[:port]…][/…]`.
    JdbcUrl,
    /// `host:port` for UDP datagrams.
    UdpHostPort,
}

/// One config key. Build with [`ConfigKey::new`] or a typed shorthand, then chain:
///
/// ```
/// use ferry_sdk::{ConfigKey, Importance, PathAccess};
/// let key = ConfigKey::string("file")
///     .required()
///     .path(PathAccess::ReadFile)
///     .importance(Importance::High)
///     .doc("Source filename.");
/// assert!(key.required);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigKey {
    pub name: String,
    pub config_type: ConfigType,
    /// `None` = no default.
    pub default_value: Option<String>,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub required: bool,
    pub path: PathAccess,
    pub endpoint: EndpointForm,
}

impl ConfigKey {
    /// An optional key without default, medium importance, not a path.
    pub fn new(name: impl Into<String>, config_type: ConfigType) -> Self {
        ConfigKey {
            name: name.into(),
            config_type,
            default_value: None,
            importance: Importance::Medium,
            documentation: String::new(),
            group: None,
            required: false,
            path: PathAccess::None,
            endpoint: EndpointForm::None,
        }
    }

    pub fn string(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::String)
    }
    pub fn int(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Int)
    }
    pub fn long(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Long)
    }
    pub fn double(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Double)
    }
    pub fn boolean(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Boolean)
    }
    pub fn list(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::List)
    }
    pub fn password(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Password)
    }
    pub fn class(name: impl Into<String>) -> Self {
        ConfigKey::new(name, ConfigType::Class)
    }

    /// The user must supply a value.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn default_value(mut self, default: impl Into<String>) -> Self {
        self.default_value = Some(default.into());
        self
    }

    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    pub fn doc(mut self, documentation: impl Into<String>) -> Self {
        self.documentation = documentation.into();
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Mark the value as a filesystem path the plugin reads or writes.
    pub fn path(mut self, access: PathAccess) -> Self {
        self.path = access;
        self
    }

    /// Mark the value as network endpoints the plugin connects to.
    pub fn endpoint(mut self, form: EndpointForm) -> Self {
        self.endpoint = form;
        self
    }
}

/// Name, version, kind, aliases and config definition of a plugin.
///
/// ```
/// use ferry_sdk::{ConfigKey, PluginDescriptor};
/// let d = PluginDescriptor::source("file-source")
///     .version(env!("CARGO_PKG_VERSION"))
///     .alias("FileStreamSource")
///     .summary("Reads lines from a file.")
///     .config(ConfigKey::string("topic").required());
/// assert_eq!(d.aliases, vec!["FileStreamSource".to_string()]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginDescriptor {
    pub name: String,
    pub version: String,
    pub kind: PluginKind,
    pub aliases: Vec<String>,
    pub config: Vec<ConfigKey>,
    pub summary: String,
}

impl PluginDescriptor {
    /// A descriptor with version `0.0.0` and nothing else set.
    pub fn new(name: impl Into<String>, kind: PluginKind) -> Self {
        PluginDescriptor {
            name: name.into(),
            version: "0.0.0".into(),
            kind,
            aliases: Vec::new(),
            config: Vec::new(),
            summary: String::new(),
        }
    }

    pub fn source(name: impl Into<String>) -> Self {
        PluginDescriptor::new(name, PluginKind::Source)
    }
    pub fn sink(name: impl Into<String>) -> Self {
        PluginDescriptor::new(name, PluginKind::Sink)
    }
    pub fn converter(name: impl Into<String>) -> Self {
        PluginDescriptor::new(name, PluginKind::Converter)
    }
    pub fn transformation(name: impl Into<String>) -> Self {
        PluginDescriptor::new(name, PluginKind::Transformation)
    }
    pub fn predicate(name: impl Into<String>) -> Self {
        PluginDescriptor::new(name, PluginKind::Predicate)
    }

    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Add several aliases.
    pub fn aliases<S: Into<String>>(mut self, aliases: impl IntoIterator<Item = S>) -> Self {
        self.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// Add a config key.
    pub fn config(mut self, key: ConfigKey) -> Self {
        self.config.push(key);
        self
    }
}

/// A validation problem with one config key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl ConfigProblem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl From<PluginDescriptor> for wit::PluginDescriptor {
    fn from(d: PluginDescriptor) -> Self {
        wit::PluginDescriptor {
            name: d.name,
            version: d.version,
            kind: match d.kind {
                PluginKind::Source => wit::PluginKind::Source,
                PluginKind::Sink => wit::PluginKind::Sink,
                PluginKind::Converter => wit::PluginKind::Converter,
                PluginKind::HeaderConverter => wit::PluginKind::HeaderConverter,
                PluginKind::Transformation => wit::PluginKind::Transformation,
                PluginKind::Predicate => wit::PluginKind::Predicate,
            },
            aliases: d.aliases,
            config: d.config.into_iter().map(Into::into).collect(),
            summary: d.summary,
        }
    }
}

impl From<ConfigKey> for wit::ConfigKey {
    fn from(k: ConfigKey) -> Self {
        wit::ConfigKey {
            name: k.name,
            type_: match k.config_type {
                ConfigType::Boolean => wit::ConfigType::Boolean,
                ConfigType::Int => wit::ConfigType::Int,
                ConfigType::Long => wit::ConfigType::Long,
                ConfigType::Double => wit::ConfigType::Double,
                ConfigType::String => wit::ConfigType::String,
                ConfigType::List => wit::ConfigType::List,
                ConfigType::Password => wit::ConfigType::Password,
                ConfigType::Class => wit::ConfigType::Class,
            },
            default_value: k.default_value,
            importance: match k.importance {
                Importance::High => wit::Importance::High,
                Importance::Medium => wit::Importance::Medium,
                Importance::Low => wit::Importance::Low,
            },
            documentation: k.documentation,
            group: k.group,
            required: k.required,
            path: match k.path {
                PathAccess::None => wit::PathAccess::None,
                PathAccess::ReadFile => wit::PathAccess::ReadFile,
                PathAccess::WriteFile => wit::PathAccess::WriteFile,
                PathAccess::ReadDir => wit::PathAccess::ReadDir,
                PathAccess::WriteDir => wit::PathAccess::WriteDir,
            },
            endpoint: match k.endpoint {
                EndpointForm::None => wit::EndpointForm::None,
                EndpointForm::HostPort => wit::EndpointForm::HostPort,
                EndpointForm::HostPortList => wit::EndpointForm::HostPortList,
                EndpointForm::Url => wit::EndpointForm::Url,
                EndpointForm::JdbcUrl => wit::EndpointForm::JdbcUrl,
                EndpointForm::UdpHostPort => wit::EndpointForm::UdpHostPort,
            },
        }
    }
}

impl From<ConfigProblem> for wit::ConfigProblem {
    fn from(p: ConfigProblem) -> Self {
        wit::ConfigProblem {
            key: p.key,
            message: p.message,
        }
    }
}
