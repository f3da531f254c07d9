//! Logging set-up and live log levels for `/admin/loggers` (KIP-495, KIP-976).
//!
//! Loggers are `tracing` targets (`ferry::worker::source`, `librdkafka`, …) and
//! `root` is the default level. Levels use log4j's names, as Kafka Connect's API
//! does; a change rebuilds the `EnvFilter` through a reload handle, so it applies
//! at once to every thread.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;

/// The root logger's name in Kafka Connect's API.
pub const ROOT: &str = "root";

/// Levels by default, when `RUST_LOG` is not set.
const DEFAULT_DIRECTIVES: &str = "info,librdkafka=warn,cranelift=warn,wasmtime=warn";

/// Ferry's own loggers, listed by `GET /admin/loggers` even before any change.
const KNOWN_LOGGERS: &[&str] = &[
    "ferry",
    "ferry::config",
    "ferry::group",
    "ferry::herder",
    "ferry::kafka",
    "ferry::plugin",
    "ferry::rest",
    "ferry::storage",
    "ferry::worker",
];

/// A level change the API refuses.
#[derive(Debug, thiserror::Error)]
pub enum LoggerError {
    #[error("Invalid log level '{0}'.")]
    InvalidLevel(String),
    #[error("Logger {0} not found.")]
    NotFound(String),
}

/// A logger's level as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggerLevel {
    pub level: String,
    /// Milliseconds since the epoch of the last change through the API; `None` for
    /// levels from start-up.
    pub last_modified: Option<u64>,
}

type Handle = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

struct Loggers {
    handle: Option<Handle>,
    /// Start-up directives (from `RUST_LOG` or the defaults).
    base: String,
    /// Every level known by name: from start-up directives and API changes.
    levels: BTreeMap<String, LoggerLevel>,
}

fn loggers() -> MutexGuard<'static, Loggers> {
    static LOGGERS: OnceLock<Mutex<Loggers>> = OnceLock::new();
    let mutex = LOGGERS.get_or_init(|| {
        Mutex::new(Loggers {
            handle: None,
            base: DEFAULT_DIRECTIVES.to_string(),
            levels: parse_directives(DEFAULT_DIRECTIVES),
        })
    });
    crate::util::lock(mutex)
}

/// Installs the global subscriber (stderr, `RUST_LOG` or the defaults) with a
/// reloadable filter.
pub fn init() {
    let base = std::env::var("RUST_LOG")
        .ok()
        .filter(|d| EnvFilter::try_new(d).is_ok())
        .unwrap_or_else(|| DEFAULT_DIRECTIVES.to_string());
    let (filter, handle) = reload::Layer::new(EnvFilter::new(&base));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init()
        .is_ok()
    {
        let mut loggers = loggers();
        loggers.levels = parse_directives(&base);
        loggers.base = base;
        loggers.handle = Some(handle);
    }
}

/// `{target → level}` from `EnvFilter` directives like `info,librdkafka=warn`.
fn parse_directives(directives: &str) -> BTreeMap<String, LoggerLevel> {
    let mut out = BTreeMap::new();
    for directive in directives
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let (target, level) = match directive.split_once('=') {
            Some((target, level)) => (target.trim(), level.trim()),
            None => (ROOT, directive),
        };
        if target.contains('[') || target.contains('{') {
            continue;
        }
        if let Some(level) = log4j_name(level) {
            out.insert(
                target.to_string(),
                LoggerLevel {
                    level: level.to_string(),
                    last_modified: None,
                },
            );
        }
    }
    out
}

/// A `tracing` level or log4j level name as log4j spells it.
fn log4j_name(level: &str) -> Option<&'static str> {
    Some(match level.to_ascii_uppercase().as_str() {
        "OFF" => "OFF",
        "FATAL" => "FATAL",
        "ERROR" => "ERROR",
        "WARN" => "WARN",
        "INFO" => "INFO",
        "DEBUG" => "DEBUG",
        "TRACE" => "TRACE",
        _ => return None,
    })
}

/// The `EnvFilter` level for a log4j level.
fn filter_level(log4j: &str) -> &'static str {
    match log4j {
        "OFF" => "off",
        "FATAL" | "ERROR" => "error",
        "WARN" => "warn",
        "INFO" => "info",
        "DEBUG" => "debug",
        _ => "trace",
    }
}

/// The level in effect for `name`: its own, else its nearest parent's, else root's.
fn effective(levels: &BTreeMap<String, LoggerLevel>, name: &str) -> LoggerLevel {
    let mut candidate = name;
    loop {
        if let Some(level) = levels.get(candidate) {
            return level.clone();
        }
        match candidate.rfind("::") {
            Some(i) => candidate = &candidate[..i],
            None => break,
        }
    }
    levels.get(ROOT).cloned().unwrap_or(LoggerLevel {
        level: "INFO".into(),
        last_modified: None,
    })
}

/// `GET /admin/loggers`: root, Ferry's loggers and every logger with a level of its
/// own, each with its effective level.
pub fn all() -> BTreeMap<String, LoggerLevel> {
    let loggers = loggers();
    let mut names: Vec<String> = KNOWN_LOGGERS.iter().map(|s| s.to_string()).collect();
    names.extend(loggers.levels.keys().cloned());
    names.push(ROOT.to_string());
    names
        .into_iter()
        .map(|name| {
            let level = effective(&loggers.levels, &name);
            (name, level)
        })
        .collect()
}

/// `GET /admin/loggers/{name}`.
pub fn get(name: &str) -> Result<LoggerLevel, LoggerError> {
    let loggers = loggers();
    let known = name == ROOT
        || KNOWN_LOGGERS.contains(&name)
        || loggers.levels.contains_key(name)
        || KNOWN_LOGGERS
            .iter()
            .any(|k| k.starts_with(&format!("{name}::")));
    if !known {
        return Err(LoggerError::NotFound(name.to_string()));
    }
    Ok(effective(&loggers.levels, name))
}

/// Checks a level name; returns its log4j spelling.
pub fn check_level(level: &str) -> Result<&'static str, LoggerError> {
    log4j_name(level).ok_or_else(|| LoggerError::InvalidLevel(level.to_string()))
}

/// `PUT /admin/loggers/{namespace}`: sets the level of `namespace` and every
/// logger below it, at once. Returns the loggers whose level was set, sorted.
pub fn set_level(namespace: &str, level: &str) -> Result<Vec<String>, LoggerError> {
    let level = check_level(level)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut loggers = loggers();
    let child_prefix = format!("{namespace}::");
    let mut affected: Vec<String> = KNOWN_LOGGERS
        .iter()
        .map(|s| s.to_string())
        .chain(loggers.levels.keys().cloned())
        .filter(|n| namespace == ROOT || n == namespace || n.starts_with(&child_prefix))
        .collect();
    affected.push(namespace.to_string());
    affected.sort();
    affected.dedup();
    let entry = LoggerLevel {
        level: level.to_string(),
        last_modified: Some(now),
    };
    for name in &affected {
        loggers.levels.insert(name.clone(), entry.clone());
    }
    let directives: Vec<String> = std::iter::once(loggers.base.clone())
        .chain(loggers.levels.iter().filter_map(|(name, l)| {
            l.last_modified.map(|_| {
                if name == ROOT {
                    filter_level(&l.level).to_string()
                } else {
                    format!("{name}={}", filter_level(&l.level))
                }
            })
        }))
        .collect();
    if let Some(handle) = &loggers.handle
        && let Err(error) = handle.reload(EnvFilter::new(directives.join(",")))
    {
        tracing::warn!(%error, "cannot apply the new log levels");
    }
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_become_log4j_levels() {
        let levels = parse_directives("info,librdkafka=warn,ferry::worker=trace");
        assert_eq!(levels[ROOT].level, "INFO");
        assert_eq!(levels["librdkafka"].level, "WARN");
        assert_eq!(effective(&levels, "ferry::worker::source").level, "TRACE");
        assert_eq!(effective(&levels, "ferry::rest").level, "INFO");
    }

    #[test]
    fn levels_are_checked_and_set_on_children() {
        assert!(matches!(
            check_level("LOUD"),
            Err(LoggerError::InvalidLevel(_))
        ));
        assert_eq!(check_level("debug").expect("valid"), "DEBUG");
        let affected = set_level("ferry::herder", "DEBUG").expect("set");
        assert_eq!(affected, vec!["ferry::herder"]);
        let level = get("ferry::herder").expect("known");
        assert_eq!(level.level, "DEBUG");
        assert!(level.last_modified.is_some());
        assert!(matches!(get("no.such"), Err(LoggerError::NotFound(_))));
    }
}
