//! Worker properties: Kafka Connect's names, plus Ferry's `ferry.*` sandbox keys.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::plugin::SandboxLimits;
use crate::plugin::cache::CompileCache;
use crate::plugin::capabilities::AllowedHosts;

/// The worker's bound on network grants (see `crate::plugin::capabilities::network`).
pub const ALLOWED_HOSTS: &str = "ferry.sandbox.allowed.hosts";

/// A worker config that cannot be used.

#[derive(Debug, thiserror::Error)]
pub enum WorkerConfigError {
    #[error("cannot read worker config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("worker config: missing required property '{0}'")]
    Missing(&'static str),
    #[error("worker config: invalid value '{value}' for '{key}': {reason}")]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
}

/// The parsed worker config. `props` keeps every key, for `producer.*` and friends.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub props: BTreeMap<String, String>,
    pub bootstrap_servers: String,
    pub listener: SocketAddr,
    /// `http` or `https` (TLS, see `crate::rest::tls`) for `listener`.
    pub listener_scheme: ListenerScheme,
    pub advertised_url: String,
    pub plugin_path: Vec<PathBuf>,
    pub offsets_file: Option<PathBuf>,
    pub offset_flush_interval: Duration,
    pub allowed_paths: Vec<PathBuf>,
    /// `ferry.sandbox.allowed.hosts`: the endpoints any connector may be granted
    /// (empty: no network at all).
    pub allowed_hosts: AllowedHosts,
    pub sandbox: SandboxLimits,
    pub cache_dir: PathBuf,
    /// Set by `ferry distributed`: task ids are unique across the whole cluster.
    pub distributed: bool,
    /// `topic.tracking.enable` (KIP-558).
    pub topic_tracking: bool,
    /// `topic.tracking.allow.reset` (KIP-558).
    pub topic_tracking_reset: bool,
    /// `topic.creation.enable` (KIP-158): source connectors may create their topics.
    pub topic_creation: bool,
    /// See [`REST_REQUEST_TIMEOUT_MS`].
    pub rest_request_timeout: Duration,
    /// `exactly.once.source.support` (KIP-618), set by `ferry distributed`;
    /// standalone workers ignore the key, as Kafka's do.
    pub exactly_once_source: crate::config::distributed::ExactlyOnceSourceSupport,
}

/// Reads an integer-valued property.
pub fn parse_number<T: std::str::FromStr>(
    props: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<T>, WorkerConfigError>
where
    T::Err: std::fmt::Display,
{
    match props.get(key) {
        None => Ok(None),
        Some(value) => {
            value
                .trim()
                .parse()
                .map(Some)
                .map_err(|e: T::Err| WorkerConfigError::Invalid {
                    key: key.to_string(),
                    value: value.clone(),
                    reason: e.to_string(),
                })
        }
    }
}

/// Splits a comma-separated list, dropping blanks.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl WorkerConfig {
    pub fn from_file(path: &Path) -> Result<Self, WorkerConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorkerConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_props(super::properties::parse(&text))
    }

    pub fn from_props(props: BTreeMap<String, String>) -> Result<Self, WorkerConfigError> {
        let bootstrap_servers = props
            .get("bootstrap.servers")
            .cloned()
            .unwrap_or_else(|| "localhost:9092".to_string());
        let listeners = props
            .get("listeners")
            .cloned()
            .unwrap_or_else(|| "http://0.0.0.0:8083".into());
        let parsed = split_list(&listeners)
            .iter()
            .map(|entry| parse_listener(entry))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| WorkerConfigError::Invalid {
                key: "listeners".into(),
                value: listeners.clone(),
                reason,
            })?;
        let advertised_scheme = match props.get("rest.advertised.listener").map(|v| v.trim()) {
            None | Some("") => None,
            Some(v) => {
                Some(
                    ListenerScheme::parse(v).ok_or_else(|| WorkerConfigError::Invalid {
                        key: "rest.advertised.listener".into(),
                        value: v.to_string(),
                        reason: "must be http or https".into(),
                    })?,
                )
            }
        };
        // Ferry serves one listener: the one `rest.advertised.listener` names, else the first.
        let (listener_scheme, listener) = advertised_scheme
            .and_then(|wanted| parsed.iter().find(|(scheme, _)| *scheme == wanted))
            .or(parsed.first())
            .copied()
            .ok_or_else(|| WorkerConfigError::Invalid {
                key: "listeners".into(),
                value: listeners.clone(),
                reason: "no listener given".into(),
            })?;
        let advertised_host = props
            .get("rest.advertised.host.name")
            .cloned()
            .unwrap_or_else(|| {
                if listener.ip().is_unspecified() {
                    gethostname::gethostname().to_string_lossy().into_owned()
                } else {
                    listener.ip().to_string()
                }
            });
        let advertised_port: u16 =
            parse_number(&props, "rest.advertised.port")?.unwrap_or(listener.port());
        let scheme = advertised_scheme.unwrap_or(listener_scheme).as_str();
        let advertised_url = format!("{scheme}://{advertised_host}:{advertised_port}/");
        let plugin_path = props
            .get("plugin.path")
            .map(|v| split_list(v).into_iter().map(PathBuf::from).collect())
            .unwrap_or_default();
        let offsets_file = props.get("offset.storage.file.filename").map(PathBuf::from);
        let flush_ms: u64 = parse_number(&props, "offset.flush.interval.ms")?.unwrap_or(60_000);
        let allowed_paths = props
            .get("ferry.sandbox.allowed.paths")
            .map(|v| split_list(v).into_iter().map(PathBuf::from).collect())
            .unwrap_or_default();
        let allowed_hosts = match props.get(ALLOWED_HOSTS) {
            None => AllowedHosts::default(),
            Some(value) => AllowedHosts::parse(value).map_err(|e| WorkerConfigError::Invalid {
                key: ALLOWED_HOSTS.into(),
                value: value.clone(),
                reason: e.to_string(),
            })?,
        };
        let sandbox = sandbox_limits(&props, SandboxLimits::default())?;
        static_membership(&props)?;
        let topic_tracking = boolean(&props, "topic.tracking.enable")?.unwrap_or(true);
        let topic_tracking_reset = boolean(&props, "topic.tracking.allow.reset")?.unwrap_or(true);
        let topic_creation = boolean(&props, super::topic_creation::WORKER_ENABLE)?.unwrap_or(true);
        let rest_request_timeout =
            positive_number(&props, REST_REQUEST_TIMEOUT_MS)?.unwrap_or(90_000);
        let cache_dir = props
            .get("ferry.plugin.cache.dir")
            .map(PathBuf::from)
            .unwrap_or_else(CompileCache::default_dir);
        Ok(Self {
            props,
            bootstrap_servers,
            listener,
            listener_scheme,
            advertised_url,
            plugin_path,
            offsets_file,
            offset_flush_interval: Duration::from_millis(flush_ms.max(1)),
            allowed_paths,
            allowed_hosts,
            sandbox,
            cache_dir,
            distributed: false,
            topic_tracking,
            topic_tracking_reset,
            topic_creation,
            rest_request_timeout: Duration::from_millis(rest_request_timeout),
            exactly_once_source: Default::default(),
        })
    }

    /// `worker_id` as Kafka Connect reports it: the advertised `host:port`.
    pub fn worker_id(&self) -> String {
        self.advertised_url
            .trim_end_matches('/')
            .split("://")
            .nth(1)
            .unwrap_or(&self.advertised_url)
            .to_string()
    }

    /// Every property under `prefix`, with the prefix removed.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        strip_prefix(&self.props, prefix)
    }
}

/// Every entry of `props` whose key starts with `prefix`, prefix removed.
pub fn strip_prefix(props: &BTreeMap<String, String>, prefix: &str) -> BTreeMap<String, String> {
    props
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Sandbox limits from `ferry.sandbox.*` keys, falling back to `base`.
pub fn sandbox_limits(
    props: &BTreeMap<String, String>,
    base: SandboxLimits,
) -> Result<SandboxLimits, WorkerConfigError> {
    let memory = positive_number(props, MEMORY_MAX_BYTES)?;
    let timeout = positive_number(props, CALL_TIMEOUT_MS)?;
    Ok(SandboxLimits {
        memory_max_bytes: memory
            .map(|m| usize::try_from(m).unwrap_or(usize::MAX))
            .unwrap_or(base.memory_max_bytes),
        call_timeout: timeout
            .map(Duration::from_millis)
            .unwrap_or(base.call_timeout),
    })
}

/// The sandbox keys, each a positive number when set.
pub const SANDBOX_KEYS: [&str; 2] = [MEMORY_MAX_BYTES, CALL_TIMEOUT_MS];

/// A whole number of at least 1, if `key` is set.
pub fn positive_number(
    props: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<u64>, WorkerConfigError> {
    let value: Option<u64> = parse_number(props, key)?;
    if value == Some(0) {
        return Err(WorkerConfigError::Invalid {
            key: key.to_string(),
            value: "0".into(),
            reason: "Value must be at least 1".into(),
        });
    }
    Ok(value)
}

/// `ferry.sink.static.membership` from `props`: `Ok(None)` when unset, an error
/// naming the key when it is not `true` or `false`.
pub fn static_membership(
    props: &BTreeMap<String, String>,
) -> Result<Option<bool>, WorkerConfigError> {
    boolean(props, STATIC_MEMBERSHIP)
}

/// A boolean property: `Ok(None)` when unset, an error naming the key when it is
/// not `true` or `false`.
pub fn boolean(
    props: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<bool>, WorkerConfigError> {
    match props.get(key).map(|v| v.trim()) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(WorkerConfigError::Invalid {
            key: key.to_string(),
            value: v.to_string(),
            reason: "Expected value to be either true or false".into(),
        }),
    }
}

/// How long a REST request may wait on the herder before it answers 500, as Kafka
/// Connect's 90 s request timeout.
pub const REST_REQUEST_TIMEOUT_MS: &str = "ferry.rest.request.timeout.ms";

/// Per-instance memory cap key (worker default, connector override).
pub const MEMORY_MAX_BYTES: &str = "ferry.sandbox.memory.max.bytes";
/// Per-call CPU deadline key (worker default, connector override).
pub const CALL_TIMEOUT_MS: &str = "ferry.sandbox.call.timeout.ms";
/// Static group membership of sink consumers (worker default, connector override).
pub const STATIC_MEMBERSHIP: &str = "ferry.sink.static.membership";

/// The scheme of a REST listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenerScheme {
    Http,
    /// TLS, configured by the `listeners.https.ssl.*` / `ssl.*` keys.
    Https,
}

impl ListenerScheme {
    /// `http` or `https` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        if text.eq_ignore_ascii_case("http") {
            Some(Self::Http)
        } else if text.eq_ignore_ascii_case("https") {
            Some(Self::Https)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// Parses one `listeners` entry such as `http://0.0.0.0:8083`, `https://:8443`.
fn parse_listener(entry: &str) -> Result<(ListenerScheme, SocketAddr), String> {
    let (scheme, rest) = entry
        .split_once("://")
        .and_then(|(scheme, rest)| Some((ListenerScheme::parse(scheme)?, rest)))
        .ok_or_else(|| format!("'{entry}' must start with http:// or https://"))?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("'{entry}' has no port"))?;
    let host = match host.trim_start_matches('[').trim_end_matches(']') {
        "" | "0.0.0.0" => "0.0.0.0",
        "localhost" => "127.0.0.1",
        other => other,
    };
    format!("{host}:{port}")
        .parse()
        .or_else(|_| format!("[{host}]:{port}").parse())
        .map(|addr| (scheme, addr))
        .map_err(|e| format!("'{entry}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kafka_connect_worker_keys() {
        let mut props = BTreeMap::new();
        props.insert("bootstrap.servers".into(), "127.0.0.1:9092".into());
        props.insert("listeners".into(), "http://127.0.0.1:18083".into());
        props.insert("plugin.path".into(), "/a, /b".into());
        props.insert("offset.flush.interval.ms".into(), "1000".into());
        props.insert("ferry.sandbox.call.timeout.ms".into(), "250".into());
        props.insert("producer.linger.ms".into(), "7".into());
        let config = WorkerConfig::from_props(props).expect("valid");
        assert_eq!(config.listener.port(), 18083);
        assert_eq!(
            config.plugin_path,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert_eq!(config.offset_flush_interval, Duration::from_millis(1000));
        assert_eq!(config.sandbox.call_timeout, Duration::from_millis(250));
        assert_eq!(config.worker_id(), "127.0.0.1:18083");
        assert_eq!(config.with_prefix("producer.")["linger.ms"], "7");
    }

    #[test]
    fn bad_sandbox_and_membership_values_name_the_key() {
        for (key, value) in [
            ("ferry.sandbox.memory.max.bytes", "0"),
            ("ferry.sandbox.call.timeout.ms", "-3"),
            ("ferry.sink.static.membership", "flase"),
        ] {
            let props = BTreeMap::from([(key.to_string(), value.to_string())]);
            let error = WorkerConfig::from_props(props).expect_err("invalid");
            assert!(
                matches!(&error, WorkerConfigError::Invalid { key: k, .. } if k == key),
                "{error}"
            );
        }
    }

    #[test]
    fn https_listeners_parse_and_advertise_https() {
        let config = |pairs: &[(&str, &str)]| {
            let props = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            WorkerConfig::from_props(props)
        };
        let tls = config(&[("listeners", "https://127.0.0.1:8443")]).expect("valid");
        assert_eq!(tls.listener_scheme, ListenerScheme::Https);
        assert_eq!(tls.advertised_url, "https://127.0.0.1:8443/");
        let plain = config(&[("listeners", "http://localhost:8083")]).expect("valid");
        assert_eq!(plain.listener_scheme, ListenerScheme::Http);
        assert_eq!(plain.advertised_url, "http://127.0.0.1:8083/");
        let both = config(&[
            ("listeners", "http://127.0.0.1:8083,https://127.0.0.1:8443"),
            ("rest.advertised.listener", "https"),
        ])
        .expect("valid");
        assert_eq!(both.listener.port(), 8443);
        assert_eq!(both.advertised_url, "https://127.0.0.1:8443/");
        let error = config(&[("listeners", "ftp://127.0.0.1:21")]).expect_err("invalid");
        assert!(error.to_string().contains("listeners"), "{error}");
        let error = config(&[("rest.advertised.listener", "gopher")]).expect_err("invalid");
        assert!(
            error.to_string().contains("rest.advertised.listener"),
            "{error}"
        );
    }

    #[test]
    fn bad_numbers_name_the_key() {
        let mut props = BTreeMap::new();
        props.insert("offset.flush.interval.ms".into(), "soon".into());
        let error = WorkerConfig::from_props(props).expect_err("invalid");
        assert!(error.to_string().contains("offset.flush.interval.ms"));
    }
}
