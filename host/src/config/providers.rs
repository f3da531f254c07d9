//! Kafka's config providers (KIP-297, KIP-421, KIP-887, KIP-993): a worker declares
//! providers in `config.providers`, and connector config values may then hold
//! `${provider:[path:]key}` variables that the worker resolves, so secrets stay out of
//! stored connector configs.
//!
//! Resolution mirrors Kafka's `ConfigTransformer`: a variable naming an unconfigured
//! provider, or a key its provider has no value for, is left as written. Ferry is
//! stricter than Kafka in two places, because silent fall-through hides mistakes:
//! a listed provider without a `.class` is an error (Kafka skips it), and a path outside
//! `allowed.paths` is an error (Kafka logs a warning and leaves the variable as written).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use regex::Regex;

use super::worker::split_list;

/// The worker key listing provider names.
pub const CONFIG_PROVIDERS: &str = "config.providers";

const FILE_CLASS: &str = "org.apache.kafka.common.config.provider.FileConfigProvider";
const DIRECTORY_CLASS: &str = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
const ENV_CLASS: &str = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

/// A provider declaration or variable that cannot be used. Messages name the offending
/// key and never carry a resolved value.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// A name in `config.providers` has no `config.providers.<name>.class`.
    #[error("worker config: missing required property '{key}' (listed in config.providers)")]
    MissingClass { key: String },
    /// `config.providers.<name>.class` names no provider Ferry has.
    #[error(
        "worker config: invalid value '{class}' for '{key}': Failed to find any class that \
         implements ConfigProvider and which name matches {class}, available ConfigProviders \
         are: {DIRECTORY_CLASS}, {ENV_CLASS}, {FILE_CLASS}"
    )]
    UnknownClass { key: String, class: String },
    /// A `config.providers.<name>.param.*` value is unusable.
    #[error("worker config: invalid value '{value}' for '{key}': {reason}")]
    InvalidParam {
        key: String,
        value: String,
        reason: String,
    },
    /// A variable names a path outside the provider's `allowed.paths`.
    #[error(
        "config '{key}': The path {path} is not allowed to be accessed (outside \
         config.providers.{provider}.param.allowed.paths)"
    )]
    PathNotAllowed {
        key: String,
        provider: String,
        path: String,
    },
    /// A provider failed to read what a variable names.
    #[error("config '{key}': {reason}")]
    Unreadable { key: String, reason: String },
}

impl ProviderError {
    /// The config key the error is about.
    pub fn key(&self) -> Option<&str> {
        match self {
            ProviderError::MissingClass { key }
            | ProviderError::UnknownClass { key, .. }
            | ProviderError::InvalidParam { key, .. }
            | ProviderError::PathNotAllowed { key, .. }
            | ProviderError::Unreadable { key, .. } => Some(key),
        }
    }
}

/// Where `allowed.paths` lets file and directory providers read (KIP-993).
#[derive(Clone, Debug)]
struct AllowedPaths {
    /// As configured, with `.`/`..` removed: Kafka's lexical check.
    lexical: Vec<PathBuf>,
    /// Symlinks resolved, so a link inside cannot lead outside.
    canonical: Vec<PathBuf>,
}

impl AllowedPaths {
    /// `None` when unset or empty: Kafka then allows every path.
    fn parse(props: &BTreeMap<String, String>, key: &str) -> Result<Option<Self>, ProviderError> {
        let Some(value) = props.get(key) else {
            return Ok(None);
        };
        let invalid = |reason: String| ProviderError::InvalidParam {
            key: key.to_string(),
            value: value.clone(),
            reason,
        };
        let mut lexical = Vec::new();
        let mut canonical = Vec::new();
        for entry in split_list(value) {
            let path = normalize(Path::new(&entry));
            if !path.is_absolute() {
                return Err(invalid(format!("Path {} is not absolute", path.display())));
            }
            let real = std::fs::canonicalize(&path)
                .map_err(|_| invalid(format!("Path {} does not exist", path.display())))?;
            lexical.push(path);
            canonical.push(real);
        }
        Ok((!lexical.is_empty()).then_some(Self { lexical, canonical }))
    }

    /// The path to open, or `None` when `path` lies outside every allowed path, lexically
    /// or once symlinks are resolved.
    fn check(&self, path: &Path) -> Option<PathBuf> {
        let normal = normalize(path);
        if !self.lexical.iter().any(|a| normal.starts_with(a)) {
            return None;
        }
        match std::fs::canonicalize(&normal) {
            Ok(real) if self.canonical.iter().any(|a| real.starts_with(a)) => Some(real),
            Ok(_) => None,
            // Missing: reading it fails with the provider's own error.
            Err(_) => Some(normal),
        }
    }

    /// True when an existing file's real location is allowed.
    fn contains_real(&self, path: &Path) -> bool {
        std::fs::canonicalize(path)
            .map(|real| self.canonical.iter().any(|a| real.starts_with(a)))
            .unwrap_or(false)
    }
}

/// Java's `Path.normalize`: drops `.` and folds `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One configured provider.
#[derive(Clone, Debug)]
enum Provider {
    File(Option<AllowedPaths>),
    Directory(Option<AllowedPaths>),
    /// Only variables whose whole name matches the allowlist are visible (KIP-887).
    Env(Regex),
}

/// The config providers a worker declares in `config.providers`.
#[derive(Clone, Debug, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Provider>,
}

/// One `${provider:[path:]key}` occurrence, with its byte range in the value.
#[derive(Debug, PartialEq)]
struct Variable<'a> {
    start: usize,
    end: usize,
    provider: &'a str,
    path: &'a str,
    key: &'a str,
}

/// Finds variables exactly as Kafka's `\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}` does: the
/// body runs to the first `}`, must hold a `:`, splits at its first colon into provider
/// and rest, and the rest at its first colon into path and key (no colon: empty path).
fn variables(value: &str) -> Vec<Variable<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = value[from..].find("${") {
        let start = from + offset;
        let body_start = start + 2;
        let Some(close) = value[body_start..].find('}').map(|i| body_start + i) else {
            break;
        };
        let body = &value[body_start..close];
        match body.split_once(':') {
            Some((provider, rest)) => {
                let (path, key) = rest.split_once(':').unwrap_or(("", rest));
                out.push(Variable {
                    start,
                    end: close + 1,
                    provider,
                    path,
                    key,
                });
                from = close + 1;
            }
            None => from = start + 1,
        }
    }
    out
}

/// Values a provider returned, by (provider, path) then key.
type Lookups = BTreeMap<(String, String), BTreeMap<String, String>>;

/// Keys wanted from one (provider, path), each with the first connector key asking.
struct Request {
    first_config_key: String,
    keys: BTreeMap<String, String>,
}

impl ConfigProviders {
    /// Reads `config.providers*` from worker properties; Err names the bad key.
    pub fn from_worker(props: &BTreeMap<String, String>) -> Result<Self, ProviderError> {
        let names = props
            .get(CONFIG_PROVIDERS)
            .map(|v| split_list(v))
            .unwrap_or_default();
        let mut providers = BTreeMap::new();
        for name in names {
            let prefix = format!("{CONFIG_PROVIDERS}.{name}");
            let class_key = format!("{prefix}.class");
            let class = props
                .get(&class_key)
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .ok_or_else(|| ProviderError::MissingClass {
                    key: class_key.clone(),
                })?;
            let param = |p: &str| format!("{prefix}.param.{p}");
            let short = class
                .strip_prefix("org.apache.kafka.common.config.provider.")
                .unwrap_or(class);
            let provider = match short {
                "FileConfigProvider" => {
                    Provider::File(AllowedPaths::parse(props, &param("allowed.paths"))?)
                }
                "DirectoryConfigProvider" => {
                    Provider::Directory(AllowedPaths::parse(props, &param("allowed.paths"))?)
                }
                "EnvVarConfigProvider" => {
                    Provider::Env(allowlist(props, &param("allowlist.pattern"))?)
                }
                _ => {
                    return Err(ProviderError::UnknownClass {
                        key: class_key,
                        class: class.to_string(),
                    });
                }
            };
            providers.insert(name, provider);
        }
        Ok(Self { providers })
    }

    /// True when no provider is configured, so resolving changes nothing.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The configured provider names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// True when `value` contains a `${…:…}` variable.
    pub fn has_variables(value: &str) -> bool {
        !variables(value).is_empty()
    }

    /// Resolves every variable in every value (keys are never transformed).
    pub fn resolve(
        &self,
        props: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        self.resolve_with_env(props, &|name| {
            std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
        })
    }

    /// `resolve` with the environment supplied, so tests need not mutate the process's.
    fn resolve_with_env(
        &self,
        props: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        // Like Kafka: gather every (provider, path) first, fetch each once, then replace.
        let mut requests: BTreeMap<(String, String), Request> = BTreeMap::new();
        for (config_key, value) in props {
            for var in variables(value) {
                if !self.providers.contains_key(var.provider) {
                    continue;
                }
                let request = requests
                    .entry((var.provider.to_string(), var.path.to_string()))
                    .or_insert_with(|| Request {
                        first_config_key: config_key.clone(),
                        keys: BTreeMap::new(),
                    });
                request
                    .keys
                    .entry(var.key.to_string())
                    .or_insert_with(|| config_key.clone());
            }
        }
        let mut lookups = Lookups::new();
        for ((name, path), request) in requests {
            let Some(provider) = self.providers.get(&name) else {
                continue;
            };
            let data = provider.get(&name, &path, &request, env)?;
            lookups.insert((name, path), data);
        }
        Ok(props
            .iter()
            .map(|(k, v)| (k.clone(), replace(v, &lookups)))
            .collect())
    }
}

/// `allowlist.pattern` as a whole-name match (Java's `Matcher.matches`), default `.*`.
fn allowlist(props: &BTreeMap<String, String>, key: &str) -> Result<Regex, ProviderError> {
    let pattern = props.get(key).map(String::as_str).unwrap_or(".*");
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| ProviderError::InvalidParam {
        key: key.to_string(),
        value: pattern.to_string(),
        reason: e.to_string(),
    })
}

/// Substitutes looked-up values; a variable with no value stays as written.
fn replace(value: &str, lookups: &Lookups) -> String {
    let mut out = String::with_capacity(value.len());
    let mut done = 0;
    for var in variables(value) {
        let Some(data) = lookups.get(&(var.provider.to_string(), var.path.to_string())) else {
            continue;
        };
        out.push_str(&value[done..var.start]);
        match data.get(var.key) {
            Some(found) => out.push_str(found),
            None => out.push_str(&value[var.start..var.end]),
        }
        done = var.end;
    }
    out.push_str(&value[done..]);
    out
}

impl Provider {
    /// Kafka's `ConfigProvider.get(path, keys)`: the values it has for the keys asked.
    fn get(
        &self,
        name: &str,
        path: &str,
        request: &Request,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let config_key = &request.first_config_key;
        let unreadable = |reason: String| ProviderError::Unreadable {
            key: config_key.clone(),
            reason,
        };
        let not_allowed = |key: &str| ProviderError::PathNotAllowed {
            key: key.to_string(),
            provider: name.to_string(),
            path: path.to_string(),
        };
        // The path as given, or refused when `allowed.paths` does not cover it.
        let permitted = |allowed: &Option<AllowedPaths>| match allowed {
            Some(allowed) => allowed
                .check(Path::new(path))
                .ok_or_else(|| not_allowed(config_key)),
            None => Ok(PathBuf::from(path)),
        };
        match self {
            Provider::Env(allow) => {
                if !path.is_empty() {
                    return Err(unreadable(format!(
                        "Path is not supported for EnvVarConfigProvider, invalid value '{path}'"
                    )));
                }
                Ok(request
                    .keys
                    .keys()
                    .filter(|k| allow.is_match(k))
                    .filter_map(|k| env(k).map(|v| (k.clone(), v)))
                    .collect())
            }
            Provider::File(allowed) => {
                if path.is_empty() {
                    return Ok(BTreeMap::new());
                }
                let file = permitted(allowed)?;
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    unreadable(format!("Could not read properties from file {path}: {e}"))
                })?;
                let mut all = super::properties::parse(&text);
                Ok(request
                    .keys
                    .keys()
                    .filter_map(|k| all.remove_entry(k))
                    .collect())
            }
            Provider::Directory(allowed) => {
                if path.is_empty() {
                    return Ok(BTreeMap::new());
                }
                let dir = permitted(allowed)?;
                if !dir.is_dir() {
                    tracing::warn!(path, "config provider {name}: the path is not a directory");
                    return Ok(BTreeMap::new());
                }
                let entries = std::fs::read_dir(&dir).map_err(|e| {
                    unreadable(format!("Could not list directory {}: {e}", dir.display()))
                })?;
                let mut out = BTreeMap::new();
                for entry in entries {
                    let entry = entry.map_err(|e| {
                        unreadable(format!("Could not list directory {}: {e}", dir.display()))
                    })?;
                    let file_name = entry.file_name().to_string_lossy().into_owned();
                    let Some(asker) = request.keys.get(&file_name) else {
                        continue;
                    };
                    let file = entry.path();
                    // Kafka reads regular files only, following symlinks.
                    if !std::fs::metadata(&file).is_ok_and(|m| m.is_file()) {
                        continue;
                    }
                    if let Some(allowed) = allowed
                        && !allowed.contains_real(&file)
                    {
                        return Err(not_allowed(asker));
                    }
                    let bytes = std::fs::read(&file).map_err(|e| ProviderError::Unreadable {
                        key: asker.clone(),
                        reason: format!(
                            "Could not read file {} for property {file_name}: {e}",
                            file.display()
                        ),
                    })?;
                    out.insert(file_name, String::from_utf8_lossy(&bytes).into_owned());
                }
                Ok(out)
            }
        }
    }
}

/// Kafka's `AbstractHerder.reverseTransform`, applied to one task config: for every key
/// whose *raw* connector value holds a `${…}` variable and which the task config also
/// has, the task value becomes that raw value, so stored and returned task configs keep
/// `${file:…}` rather than secrets. Kafka does not compare the task value with the
/// resolved connector value (a task that rewrote the value still gets the raw one back),
/// so `resolved_connector` is not consulted; it stays in the signature for callers that
/// hold both forms. Keys the task config lacks are not added.
pub fn reverse_transform(
    raw_connector: &BTreeMap<String, String>,
    _resolved_connector: &BTreeMap<String, String>,
    task_config: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = task_config.clone();
    for (key, raw) in raw_connector {
        if ConfigProviders::has_variables(raw)
            && let Some(slot) = out.get_mut(key)
        {
            slot.clone_from(raw);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn file_provider(extra: &[(&str, &str)]) -> ConfigProviders {
        let mut worker = props(&[
            ("config.providers", "file"),
            ("config.providers.file.class", FILE_CLASS),
        ]);
        worker.extend(props(extra));
        ConfigProviders::from_worker(&worker).unwrap()
    }

    fn secrets_file(dir: &Path) -> String {
        let path = dir.join("secrets.properties");
        fs::write(&path, "user=alice\npassword=s3cr3t-value\n").unwrap();
        path.display().to_string()
    }

    #[test]
    fn variables_match_kafkas_regex() {
        let kafka = Regex::new(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}").unwrap();
        for value in [
            "${file:/a/b.properties:key}",
            "${env:VAR}",
            "x${a:b}y${c:d:e}z",
            "${nocolon}${p:k}",
            "${a${b:c}",
            "$${a:b}",
            "${file:/a:b:c}",
            "${:k}",
            "${p:}",
            "${unterminated:x",
            "plain",
            "${}",
            "€${é:ü:ß}€",
        ] {
            let ours: Vec<_> = variables(value)
                .into_iter()
                .map(|v| (v.start, v.end, v.provider, v.path, v.key))
                .collect();
            let theirs: Vec<_> = kafka
                .captures_iter(value)
                .map(|c| {
                    let all = c.get(0).unwrap();
                    (
                        all.start(),
                        all.end(),
                        c.get(1).unwrap().as_str(),
                        c.get(3).map_or("", |m| m.as_str()),
                        c.get(4).unwrap().as_str(),
                    )
                })
                .collect();
            assert_eq!(ours, theirs, "{value}");
        }
        assert!(ConfigProviders::has_variables("a ${env:X} b"));
        assert!(!ConfigProviders::has_variables("${X}"));
    }

    #[test]
    fn file_provider_resolves_path_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = secrets_file(dir.path());
        let providers = file_provider(&[]);
        let conf = props(&[
            ("connection.password", &format!("${{file:{path}:password}}")),
            ("name", "c"),
        ]);
        let out = providers.resolve(&conf).unwrap();
        assert_eq!(out["connection.password"], "s3cr3t-value");
        assert_eq!(out["name"], "c");
    }

    #[test]
    fn several_variables_in_one_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = secrets_file(dir.path());
        let providers = file_provider(&[]);
        let conf = props(&[(
            "url",
            &format!(
                "jdbc://${{file:{path}:user}}:${{file:{path}:password}}@host/${{file:{path}:user}}"
            ),
        )]);
        let out = providers.resolve(&conf).unwrap();
        assert_eq!(out["url"], "jdbc://alice:s3cr3t-value@host/alice");
    }

    #[test]
    fn unknown_provider_and_missing_key_are_left_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = secrets_file(dir.path());
        let providers = file_provider(&[]);
        let missing = format!("${{file:{path}:nope}}");
        let mixed = format!("${{vault:x:y}}-${{file:{path}:user}}-${{file:{path}:nope}}");
        let conf = props(&[
            ("a", "${vault:secret/db:password}"),
            ("b", &missing),
            ("c", &mixed),
            ("d", "${file:nopath}"),
        ]);
        let out = providers.resolve(&conf).unwrap();
        assert_eq!(out["a"], "${vault:secret/db:password}");
        assert_eq!(out["b"], missing);
        assert_eq!(
            out["c"],
            format!("${{vault:x:y}}-alice-${{file:{path}:nope}}")
        );
        assert_eq!(out["d"], "${file:nopath}");
        // Without any provider nothing changes at all.
        assert_eq!(ConfigProviders::default().resolve(&conf).unwrap(), conf);
    }

    #[test]
    fn directory_provider_reads_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("password"), "line1\nline2\n").unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let worker = props(&[
            ("config.providers", "dir"),
            ("config.providers.dir.class", "DirectoryConfigProvider"),
        ]);
        let providers = ConfigProviders::from_worker(&worker).unwrap();
        let d = dir.path().display();
        let conf = props(&[
            ("p", &format!("${{dir:{d}:password}}")),
            ("sub", &format!("${{dir:{d}:sub}}")),
            ("none", &format!("${{dir:{d}:absent}}")),
            ("notdir", &format!("${{dir:{d}/password:x}}")),
        ]);
        let out = providers.resolve(&conf).unwrap();
        assert_eq!(out["p"], "line1\nline2\n");
        assert_eq!(out["sub"], conf["sub"]);
        assert_eq!(out["none"], conf["none"]);
        assert_eq!(out["notdir"], conf["notdir"]);
    }

    #[test]
    fn env_provider_honours_allowlist() {
        let worker = props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", ENV_CLASS),
            ("config.providers.env.param.allowlist.pattern", "FERRY_.*"),
        ]);
        let providers = ConfigProviders::from_worker(&worker).unwrap();
        let env = |name: &str| match name {
            "FERRY_TOKEN" => Some("tok".to_string()),
            "OTHER_TOKEN" => Some("hidden".to_string()),
            _ => None,
        };
        let conf = props(&[
            ("a", "Bearer ${env:FERRY_TOKEN}"),
            ("b", "${env:OTHER_TOKEN}"),
            ("c", "${env:FERRY_UNSET}"),
        ]);
        let out = providers.resolve_with_env(&conf, &env).unwrap();
        assert_eq!(out["a"], "Bearer tok");
        assert_eq!(out["b"], "${env:OTHER_TOKEN}");
        assert_eq!(out["c"], "${env:FERRY_UNSET}");
        // The allowlist must match the whole name, as Java's `matches` does.
        let worker = props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", "EnvVarConfigProvider"),
            ("config.providers.env.param.allowlist.pattern", "FERRY"),
        ]);
        let providers = ConfigProviders::from_worker(&worker).unwrap();
        let out = providers.resolve_with_env(&conf, &env).unwrap();
        assert_eq!(out["a"], "Bearer ${env:FERRY_TOKEN}");
        // A path is refused, like Kafka.
        let err = providers
            .resolve_with_env(&props(&[("k", "${env:p:FERRY_TOKEN}")]), &no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'k'") && err.contains("Path is not supported"),
            "{err}"
        );
    }

    #[test]
    fn allowed_paths_refuse_escapes_and_outsiders() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        let outside = root.path().join("outside");
        fs::create_dir_all(&allowed).unwrap();
        fs::create_dir_all(&outside).unwrap();
        let inside = secrets_file(&allowed);
        let out_file = secrets_file(&outside);
        let providers = file_provider(&[(
            "config.providers.file.param.allowed.paths",
            &allowed.display().to_string(),
        )]);
        let ok = providers
            .resolve(&props(&[("k", &format!("${{file:{inside}:user}}"))]))
            .unwrap();
        assert_eq!(ok["k"], "alice");
        let escape = format!("{}/../outside/secrets.properties", allowed.display());
        for path in [escape, out_file] {
            let err = providers
                .resolve(&props(&[(
                    "db.password",
                    &format!("${{file:{path}:password}}"),
                )]))
                .unwrap_err();
            assert!(matches!(err, ProviderError::PathNotAllowed { .. }), "{err}");
            let msg = err.to_string();
            assert!(
                msg.contains("'db.password'") && msg.contains("is not allowed"),
                "{msg}"
            );
            assert!(!msg.contains("s3cr3t"), "{msg}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn allowed_paths_do_not_follow_symlinks_out() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("allowed");
        let outside = root.path().join("outside");
        fs::create_dir_all(&allowed).unwrap();
        fs::create_dir_all(&outside).unwrap();
        let target = secrets_file(&outside);
        std::os::unix::fs::symlink(&target, allowed.join("link.properties")).unwrap();
        std::os::unix::fs::symlink(&target, allowed.join("password")).unwrap();
        let a = allowed.display().to_string();
        let providers = file_provider(&[("config.providers.file.param.allowed.paths", &a)]);
        let err = providers
            .resolve(&props(&[(
                "k",
                &format!("${{file:{a}/link.properties:user}}"),
            )]))
            .unwrap_err();
        assert!(matches!(err, ProviderError::PathNotAllowed { .. }), "{err}");
        let worker = props(&[
            ("config.providers", "dir"),
            ("config.providers.dir.class", DIRECTORY_CLASS),
            ("config.providers.dir.param.allowed.paths", &a),
        ]);
        let providers = ConfigProviders::from_worker(&worker).unwrap();
        let err = providers
            .resolve(&props(&[("k", &format!("${{dir:{a}:password}}"))]))
            .unwrap_err();
        assert!(matches!(err, ProviderError::PathNotAllowed { .. }), "{err}");
    }

    #[test]
    fn allowed_paths_must_be_absolute_and_exist() {
        for value in ["relative/dir", "/definitely/not/here/ferry"] {
            let worker = props(&[
                ("config.providers", "file"),
                ("config.providers.file.class", FILE_CLASS),
                ("config.providers.file.param.allowed.paths", value),
            ]);
            let err = ConfigProviders::from_worker(&worker)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("config.providers.file.param.allowed.paths"),
                "{err}"
            );
        }
    }

    #[test]
    fn unreadable_file_error_names_key_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = secrets_file(dir.path());
        let providers = file_provider(&[]);
        let missing = dir.path().join("missing.properties").display().to_string();
        let conf = props(&[
            ("a.ok", &format!("${{file:{path}:password}}")),
            ("b.broken", &format!("${{file:{missing}:password}}")),
        ]);
        let err = providers.resolve(&conf).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ProviderError::Unreadable { .. }), "{msg}");
        assert!(msg.contains("'b.broken'"), "{msg}");
        assert!(msg.contains("Could not read properties from file"), "{msg}");
        assert!(!msg.contains("s3cr3t"), "{msg}");
        assert!(!format!("{err:?}").contains("s3cr3t"));
    }

    #[test]
    fn worker_declaration_errors_name_the_key() {
        let unknown = props(&[
            ("config.providers", "x"),
            (
                "config.providers.x.class",
                "com.example.VaultConfigProvider",
            ),
        ]);
        let err = ConfigProviders::from_worker(&unknown)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.providers.x.class"), "{err}");
        let missing = props(&[("config.providers", "file, x")]);
        let err = ConfigProviders::from_worker(&missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.providers.file.class"), "{err}");
        let bad_regex = props(&[
            ("config.providers", "env"),
            ("config.providers.env.class", ENV_CLASS),
            ("config.providers.env.param.allowlist.pattern", "("),
        ]);
        let err = ConfigProviders::from_worker(&bad_regex)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.providers.env.param.allowlist.pattern"),
            "{err}"
        );
        // Unlisted declarations are ignored, as in Kafka.
        let unlisted = props(&[("config.providers.y.class", "Nope")]);
        assert!(ConfigProviders::from_worker(&unlisted).unwrap().is_empty());
    }

    #[test]
    fn reverse_transform_restores_variables_like_kafka() {
        let raw = props(&[
            ("password", "${file:/s.properties:password}"),
            ("user", "${file:/s.properties:user}"),
            ("only.connector", "${file:/s.properties:x}"),
            ("topic", "t"),
        ]);
        let resolved = props(&[
            ("password", "s3cr3t"),
            ("user", "alice"),
            ("only.connector", "x"),
            ("topic", "t"),
        ]);
        let task = props(&[
            ("password", "s3cr3t"),
            ("user", "alice-task-0"),
            ("topic", "t"),
            ("task.extra", "s3cr3t"),
        ]);
        let out = reverse_transform(&raw, &resolved, &task);
        assert_eq!(out["password"], "${file:/s.properties:password}");
        // Kafka restores every key whose raw value held a variable, equal or not.
        assert_eq!(out["user"], "${file:/s.properties:user}");
        assert!(!out.contains_key("only.connector"));
        assert_eq!(out["topic"], "t");
        assert_eq!(out["task.extra"], "s3cr3t");
    }
}
