//! Plugin discovery: scan `plugin.path` for components, find each one's kind from
//! its exports, ask it to `describe()` itself, and index it by name and aliases.
//! A file that is not a usable plugin is skipped with a log line naming it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use wasmtime::Engine;
use wasmtime::component::{Component, HasSelf, InstancePre, Linker};

use super::bindings::{source, types};
use super::cache::CompileCache;
use super::instance::{HostState, Introspect};

/// The kind of a plugin, named as Kafka Connect's `/connector-plugins` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginKind {
    Source,
    Sink,
    Converter,
    HeaderConverter,
    Transformation,
    Predicate,
}

impl PluginKind {
    /// In order of precedence: a component exporting both `converter` and
    /// `header-converter` is a converter that is also a header converter.
    const ALL: [PluginKind; 6] = [
        PluginKind::Source,
        PluginKind::Sink,
        PluginKind::Converter,
        PluginKind::HeaderConverter,
        PluginKind::Transformation,
        PluginKind::Predicate,
    ];

    /// The WIT interface (without version) a component of this kind exports.
    fn export(self) -> &'static str {
        match self {
            PluginKind::Source => "ferry:connect/source@",
            PluginKind::Sink => "ferry:connect/sink@",
            PluginKind::Converter => "ferry:connect/converter@",
            PluginKind::HeaderConverter => "ferry:connect/header-converter@",
            PluginKind::Transformation => "ferry:connect/transform@",
            PluginKind::Predicate => "ferry:connect/predicate@",
        }
    }

    /// Kafka Connect's name for the kind (`type` in `/connector-plugins`).
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Source => "source",
            PluginKind::Sink => "sink",
            PluginKind::Converter => "converter",
            PluginKind::HeaderConverter => "header_converter",
            PluginKind::Transformation => "transformation",
            PluginKind::Predicate => "predicate",
        }
    }

    fn matches(self, kind: types::PluginKind) -> bool {
        matches!(
            (self, kind),
            (PluginKind::Source, types::PluginKind::Source)
                | (PluginKind::Sink, types::PluginKind::Sink)
                | (PluginKind::Converter, types::PluginKind::Converter)
                | (
                    PluginKind::HeaderConverter,
                    types::PluginKind::HeaderConverter
                )
                | (
                    PluginKind::Transformation,
                    types::PluginKind::Transformation
                )
                | (PluginKind::Predicate, types::PluginKind::Predicate)
        )
    }
}

/// A discovered, compiled, pre-linked plugin.
pub struct LoadedPlugin {
    pub descriptor: types::PluginDescriptor,
    pub kind: PluginKind,
    /// Whether the component exports `header-converter`: a header converter, or a
    /// converter that doubles as one (Kafka's `StringConverter` and friends).
    pub header_converter: bool,
    pub path: PathBuf,
    pub pre: InstancePre<HostState>,
    /// The component imports `transaction-context`: a source connector that can
    /// define its own transaction boundaries (Kafka's `canDefineTransactionBoundaries`).
    pub defines_transactions: bool,
    /// For a member of a family (a component holding several plugins), its index in
    /// `family.members`: every instance is `select`ed to it first.
    pub member: Option<u32>,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("name", &self.descriptor.name)
            .field("kind", &self.kind)
            .field("path", &self.path)
            .finish()
    }
}

impl LoadedPlugin {
    /// Whether the plugin can serve as a `kind`: its own kind, or a header converter
    /// when it also exports that interface.
    pub fn is(&self, kind: PluginKind) -> bool {
        self.kind == kind || (kind == PluginKind::HeaderConverter && self.header_converter)
    }

    /// The kinds the plugin serves as, its own first.
    pub fn kinds(&self) -> Vec<PluginKind> {
        let mut kinds = vec![self.kind];
        if self.header_converter && self.kind != PluginKind::HeaderConverter {
            kinds.push(PluginKind::HeaderConverter);
        }
        kinds
    }

    /// The config key definition for `name`, if the plugin declares it.
    pub fn config_key(&self, name: &str) -> Option<&types::ConfigKey> {
        self.descriptor.config.iter().find(|k| k.name == name)
    }
}

/// Why one file could not be loaded as a plugin.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error(transparent)]
    Compile(#[from] super::cache::CacheError),
    #[error(
        "exports none of ferry:connect/source, sink, converter, header-converter, transform or predicate (is it built against wit/ferry.wit?)"
    )]
    UnknownKind,
    #[error("imports something the host does not provide: {0:#}")]
    Link(wasmtime::Error),
    #[error("describe() failed: {0}")]
    Describe(String),
    #[error("describe() says kind {declared:?} but the component exports the {exported} world")]
    KindMismatch {
        declared: types::PluginKind,
        exported: &'static str,
    },
    #[error("family.members() failed: {0}")]
    Members(String),
    #[error(
        "family member {name} says kind {declared:?}, whose interface the component does not export"
    )]
    MemberKind {
        name: String,
        declared: types::PluginKind,
    },
    #[error("family.members() returned no plugin")]
    EmptyFamily,
}

/// Every plugin this worker knows, by name and alias.
pub struct PluginRegistry {
    plugins: Vec<Arc<LoadedPlugin>>,
    names: HashMap<String, usize>,
}

impl PluginRegistry {
    /// The linker every plugin is instantiated with: WASI 0.2 (sandboxed by the
    /// store's context) plus Ferry's `host` interface.
    pub fn linker(engine: &Engine) -> Result<Linker<HostState>, wasmtime::Error> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        super::capabilities::add_to_linker(&mut linker)?;
        source::SourcePlugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        Ok(linker)
    }

    /// Scans `dirs` (recursively) for `.wasm` files and loads every usable plugin.
    pub fn discover(
        engine: &Engine,
        linker: &Linker<HostState>,
        cache: &CompileCache,
        dirs: &[PathBuf],
    ) -> Self {
        let mut registry = Self {
            plugins: Vec::new(),
            names: HashMap::new(),
        };
        let mut files = Vec::new();
        for dir in dirs {
            collect_wasm_files(dir, 0, &mut files);
        }
        files.sort();
        for file in files {
            let started = std::time::Instant::now();
            match load_plugins(engine, linker, cache, &file) {
                Ok(plugins) => {
                    for plugin in plugins {
                        tracing::info!(
                            plugin = %plugin.descriptor.name,
                            kind = plugin.kind.as_str(),
                            version = %plugin.descriptor.version,
                            file = %file.display(),
                            millis = started.elapsed().as_millis() as u64,
                            "loaded plugin"
                        );
                        registry.add(Arc::new(plugin));
                    }
                }
                Err(error) => {
                    // Keep it to one line: wasmtime's parse errors span several.
                    let reason = error
                        .to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    tracing::warn!(file = %file.display(), %reason, "skipping plugin file");
                }
            }
        }
        registry
    }

    fn add(&mut self, plugin: Arc<LoadedPlugin>) {
        let index = self.plugins.len();
        let names =
            std::iter::once(&plugin.descriptor.name).chain(plugin.descriptor.aliases.iter());
        for name in names {
            if let Some(existing) = self.names.get(name) {
                tracing::warn!(
                    name = %name,
                    kept = %self.plugins[*existing].path.display(),
                    ignored = %plugin.path.display(),
                    "two plugins claim the same name; keeping the first"
                );
                continue;
            }
            self.names.insert(name.clone(), index);
        }
        self.plugins.push(plugin);
    }

    /// Finds a plugin by canonical name or alias.
    pub fn find(&self, name: &str) -> Option<&Arc<LoadedPlugin>> {
        self.names.get(name.trim()).map(|&i| &self.plugins[i])
    }

    /// Finds a plugin of `kind` by name or alias.
    pub fn find_kind(&self, name: &str, kind: PluginKind) -> Option<&Arc<LoadedPlugin>> {
        self.find(name).filter(|p| p.is(kind))
    }

    pub fn all(&self) -> &[Arc<LoadedPlugin>] {
        &self.plugins
    }
}

fn collect_wasm_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            tracing::warn!(dir = %dir.display(), %error, "cannot read plugin directory");
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_wasm_files(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
}

/// The WIT interface a family exports besides its members' kind interfaces.
const FAMILY_EXPORT: &str = "ferry:connect/family@";

/// Loads the plugin in `file`, or every member of a family.
fn load_plugins(
    engine: &Engine,
    linker: &Linker<HostState>,
    cache: &CompileCache,
    file: &Path,
) -> Result<Vec<LoadedPlugin>, LoadError> {
    let bytes = std::fs::read(file).map_err(LoadError::Read)?;
    let component = cache.load(engine, &bytes)?;
    let exports = export_names(engine, &component);
    let exports_kind = |kind: PluginKind| exports.iter().any(|n| n.starts_with(kind.export()));
    let kind = PluginKind::ALL
        .into_iter()
        .find(|&kind| exports_kind(kind))
        .ok_or(LoadError::UnknownKind)?;
    let header_converter = exports_kind(PluginKind::HeaderConverter);
    let pre = linker
        .instantiate_pre(&component)
        .map_err(LoadError::Link)?;
    let hint = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let defines_transactions = imports_transaction_context(engine, &component);
    let plugin = |descriptor, kind, member| LoadedPlugin {
        descriptor,
        kind,
        header_converter,
        path: file.to_path_buf(),
        pre: pre.clone(),
        defines_transactions,
        member,
    };
    if exports.iter().any(|n| n.starts_with(FAMILY_EXPORT)) {
        let members =
            Introspect::members(&pre, &hint).map_err(|e| LoadError::Members(e.to_string()))?;
        if members.is_empty() {
            return Err(LoadError::EmptyFamily);
        }
        return members
            .into_iter()
            .zip(0u32..)
            .map(|(descriptor, index)| {
                let kind = PluginKind::ALL
                    .into_iter()
                    .find(|&k| k.matches(descriptor.kind) && exports_kind(k))
                    .ok_or_else(|| LoadError::MemberKind {
                        name: descriptor.name.clone(),
                        declared: descriptor.kind,
                    })?;
                Ok(plugin(descriptor, kind, Some(index)))
            })
            .collect();
    }
    let descriptor =
        Introspect::describe(&pre, kind, &hint).map_err(|e| LoadError::Describe(e.to_string()))?;
    if !kind.matches(descriptor.kind) {
        return Err(LoadError::KindMismatch {
            declared: descriptor.kind,
            exported: kind.as_str(),
        });
    }
    Ok(vec![plugin(descriptor, kind, None)])
}

/// Whether the component imports `ferry:connect/transaction-context`: toolchains keep
/// only the imports a guest uses, so this is the plugin's declaration.
fn imports_transaction_context(engine: &Engine, component: &Component) -> bool {
    component
        .component_type()
        .imports(engine)
        .any(|(name, _)| name.starts_with("ferry:connect/transaction-context"))
}

fn export_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}
