//! On-disk cache of precompiled components. Compiling an interpreter-based guest
//! (Python, JavaScript) takes seconds; loading its precompiled artifact takes
//! milliseconds. Entries are keyed by the `.wasm` content hash and the engine's
//! compatibility hash, so a new wasmtime or new settings never load a stale artifact.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Errors while compiling or caching a component.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("not a valid WebAssembly component: {0:#}")]
    Compile(wasmtime::Error),
    #[error("cache directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A directory of precompiled components.
#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default location: `$XDG_CACHE_HOME/ferry`, else `~/.cache/ferry`, else a
    /// directory under the system temp dir.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir).join("ferry");
        }
        if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(home).join(".cache").join("ferry");
        }
        std::env::temp_dir().join("ferry-cache")
    }

    /// Loads `bytes` as a component, from the cache when possible. A cache entry
    /// that fails to load is recompiled and replaced; a cache that cannot be written
    /// only costs the next start a recompile.
    pub fn load(&self, engine: &Engine, bytes: &[u8]) -> Result<Component, CacheError> {
        let path = self.entry_path(engine, bytes);
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this engine
            // configuration (the name embeds the engine's compatibility hash and the
            // source hash) into a directory owned by this worker; wasmtime still
            // checks the header and refuses artifacts from another configuration.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "discarding unreadable compile cache entry");
                }
            }
        }
        let component = Component::new(engine, bytes).map_err(CacheError::Compile)?;
        if let Err(error) = self.store(&path, &component) {
            tracing::warn!(%error, "cannot write compile cache entry");
        }
        Ok(component)
    }

    fn store(&self, path: &Path, component: &Component) -> Result<(), CacheError> {
        let io = |source| CacheError::Io {
            path: self.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let artifact = component.serialize().map_err(CacheError::Compile)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &artifact).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    fn entry_path(&self, engine: &Engine, bytes: &[u8]) -> PathBuf {
        let content = hex::encode(Sha256::digest(bytes));
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        self.dir
            .join(format!("{content}-{:016x}.cwasm", hasher.finish()))
    }
}
