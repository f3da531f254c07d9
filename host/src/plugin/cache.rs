//! On-disk cache of precompiled components. Compiling an interpreter-based guest
//! (Python, JavaScript) takes seconds; loading its precompiled artifact takes
//! milliseconds. Entries are keyed by the `.wasm` content hash and the engine's
//! compatibility hash, so a new wasmtime or new settings never load a stale artifact.
//!
//! A miss is compiled by a short-lived child process (`ferry compile-plugin`, see
//! [`Compiler::Subprocess`]) when the worker was started that way: Cranelift needs
//! ~300 MiB to compile the 18 MB Python component, and in the worker itself that
//! peak would stay its high-water mark (and, with glibc's arenas, much of it its
//! resident set) for its whole life. The child gives all of it back when it exits,
//! one plugin at a time. The artifact it writes is checked by the worker like any
//! cache entry; if the child cannot run or fails, the worker compiles in process,
//! unless the child found the component itself invalid (then that is the error).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The hidden `ferry` subcommand that compiles one component (read from stdin) into
/// an artifact file: `ferry compile-plugin OUTPUT`.
pub const COMPILE_SUBCOMMAND: &str = "compile-plugin";

/// How `ferry compile-plugin` exits when the component itself does not compile (its
/// error on stderr): the worker then reports that error instead of compiling the same
/// bad bytes again in process.
pub const INVALID_COMPONENT_EXIT: i32 = 65;

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
    #[error("compiler process {program}: {reason}")]
    Subprocess { program: PathBuf, reason: String },
    #[error("not a valid WebAssembly component: {0}")]
    Rejected(String),
}

/// Where a cache miss is compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compiler {
    /// In this process (tools, tests).
    InProcess,
    /// In a child process, `program compile-plugin OUTPUT` with the component on its
    /// stdin; `program` builds its engine as this one does (normally `ferry` itself).
    Subprocess { program: PathBuf },
}

/// A directory of precompiled components.
#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: PathBuf,
    compiler: Compiler,
}

impl CompileCache {
    /// A cache in `dir` that compiles misses in process.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            compiler: Compiler::InProcess,
        }
    }

    /// The same cache, compiling misses with `compiler`.
    pub fn with_compiler(self, compiler: Compiler) -> Self {
        Self { compiler, ..self }
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
            match deserialize_entry(engine, &path) {
                Ok(component) => return Ok(component),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "discarding unreadable compile cache entry");
                }
            }
        }
        if let Compiler::Subprocess { program } = &self.compiler {
            match self.compile_in_child(program, engine, bytes, &path) {
                Ok(component) => return Ok(component),
                Err(error @ CacheError::Rejected(_)) => return Err(error),
                Err(error) => {
                    tracing::warn!(%error, "compiling in the worker process instead");
                }
            }
        }
        self.compile_in_process(engine, bytes, &path)
    }

    /// Compiles straight to the serialized artifact (no executable copy of the code
    /// next to a second serialized one), writes it, frees it and maps the file.
    fn compile_in_process(
        &self,
        engine: &Engine,
        bytes: &[u8],
        path: &Path,
    ) -> Result<Component, CacheError> {
        let artifact = precompile(engine, bytes)?;
        match self.store(path, &artifact) {
            Ok(()) => {
                drop(artifact);
                deserialize_entry(engine, path)
            }
            Err(error) => {
                tracing::warn!(%error, "cannot write compile cache entry");
                // SAFETY: `artifact` was produced just above by `precompile_component`
                // of this very engine.
                unsafe { Component::deserialize(engine, &artifact) }.map_err(CacheError::Compile)
            }
        }
    }

    /// Runs `program compile-plugin TMP` with `bytes` on its stdin, then moves TMP to
    /// `path` and loads it (which checks that it matches this engine).
    fn compile_in_child(
        &self,
        program: &Path,
        engine: &Engine,
        bytes: &[u8],
        path: &Path,
    ) -> Result<Component, CacheError> {
        let failed = |reason: String| CacheError::Subprocess {
            program: program.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(&self.dir).map_err(|source| self.io(source))?;
        let tmp = temp_path(path);
        let mut child = Command::new(program)
            .arg(COMPILE_SUBCOMMAND)
            .arg(&tmp)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(format!("cannot start: {e}")))?;
        let written = match child.stdin.take() {
            Some(mut stdin) => stdin.write_all(bytes).and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("no stdin pipe")),
        };
        let output = child
            .wait_with_output()
            .map_err(|e| failed(format!("wait: {e}")))?;
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        let status = output.status;
        if status.success() && !stderr.is_empty() {
            // The child's own log lines (already formatted): into the worker's log.
            let _ = writeln!(std::io::stderr(), "{stderr}");
        }
        // The child's verdict on the component wins over a broken pipe: it may stop
        // reading as soon as it sees bad bytes.
        let result = match (written, status.success()) {
            _ if status.code() == Some(INVALID_COMPONENT_EXIT) => Err(CacheError::Rejected(stderr)),
            (Ok(()), true) => std::fs::rename(&tmp, path)
                .map_err(|source| self.io(source))
                .and_then(|()| deserialize_entry(engine, path)),
            (Err(e), _) => Err(failed(format!("cannot send the component: {e}"))),
            (Ok(()), false) => Err(failed(format!("exited with {status}: {stderr}"))),
        };
        let _ = std::fs::remove_file(&tmp);
        result
    }

    fn store(&self, path: &Path, artifact: &[u8]) -> Result<(), CacheError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| self.io(source))?;
        let tmp = temp_path(path);
        std::fs::write(&tmp, artifact).map_err(|source| self.io(source))?;
        std::fs::rename(&tmp, path).map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> CacheError {
        CacheError::Io {
            path: self.dir.clone(),
            source,
        }
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

/// Compiles `bytes` into a serialized artifact for `engine` (what `ferry
/// compile-plugin` does in the child).
pub fn precompile(engine: &Engine, bytes: &[u8]) -> Result<Vec<u8>, CacheError> {
    engine
        .precompile_component(bytes)
        .map_err(CacheError::Compile)
}

fn deserialize_entry(engine: &Engine, path: &Path) -> Result<Component, CacheError> {
    // SAFETY: the file was written by `precompile_component` of this engine
    // configuration (the name embeds the engine's compatibility hash and the source
    // hash), in this process or in a `ferry compile-plugin` child, into a directory
    // owned by this worker; wasmtime still checks the header and refuses artifacts
    // from another configuration.
    unsafe { Component::deserialize_file(engine, path) }.map_err(CacheError::Compile)
}

/// A sibling of `path` private to this process and call.
fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_extension(format!("tmp{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: the preamble of an empty one.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).expect("engine")
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    #[test]
    fn a_miss_is_compiled_stored_and_then_loaded_from_the_entry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = CompileCache::new(dir.path().join("cache"));
        let engine = engine();
        cache.load(&engine, EMPTY_COMPONENT).expect("compile");
        let stored = entries(&dir.path().join("cache"));
        assert_eq!(stored.len(), 1, "one entry, no temp files: {stored:?}");
        assert!(stored[0].extension().is_some_and(|e| e == "cwasm"));
        let written = std::fs::metadata(&stored[0])
            .expect("entry")
            .modified()
            .ok();
        cache.load(&engine, EMPTY_COMPONENT).expect("load");
        let after = std::fs::metadata(&stored[0])
            .expect("entry")
            .modified()
            .ok();
        assert_eq!(written, after, "a hit does not rewrite the entry");
    }

    #[test]
    fn an_unreadable_entry_is_recompiled_and_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = CompileCache::new(dir.path());
        let engine = engine();
        cache.load(&engine, EMPTY_COMPONENT).expect("compile");
        let entry = entries(dir.path()).remove(0);
        std::fs::write(&entry, b"not an artifact").expect("corrupt the entry");
        cache.load(&engine, EMPTY_COMPONENT).expect("recompile");
        assert_ne!(std::fs::read(&entry).expect("entry"), b"not an artifact");
        assert_eq!(entries(dir.path()), vec![entry]);
    }

    #[test]
    fn a_compiler_process_that_cannot_run_falls_back_to_compiling_in_process() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = CompileCache::new(dir.path()).with_compiler(Compiler::Subprocess {
            program: dir.path().join("no-such-program"),
        });
        cache.load(&engine(), EMPTY_COMPONENT).expect("compile");
        assert_eq!(entries(dir.path()).len(), 1);
    }

    #[test]
    fn a_failing_compiler_process_leaves_no_temp_file_and_falls_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = CompileCache::new(dir.path()).with_compiler(Compiler::Subprocess {
            program: PathBuf::from("false"),
        });
        cache.load(&engine(), EMPTY_COMPONENT).expect("compile");
        let stored = entries(dir.path());
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert!(stored[0].extension().is_some_and(|e| e == "cwasm"));
    }

    #[test]
    fn a_component_the_compiler_process_rejects_is_not_compiled_again() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let program = dir.path().join("rejecting-compiler");
        std::fs::write(
            &program,
            format!("#!/bin/sh\necho 'bad magic number' >&2\nexit {INVALID_COMPONENT_EXIT}\n"),
        )
        .expect("write script");
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        // Another test thread's fork may still hold the script's write handle for a
        // moment ("text file busy"): run it once ourselves before the cache does.
        for attempt in 0.. {
            match Command::new(&program).status() {
                Ok(_) => break,
                Err(e) if e.raw_os_error() == Some(26) && attempt < 100 => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("run {}: {e}", program.display()),
            }
        }
        let cache = CompileCache::new(dir.path().join("cache"))
            .with_compiler(Compiler::Subprocess { program });
        // The bytes are valid: an in-process fallback would have compiled them.
        match cache.load(&engine(), EMPTY_COMPONENT) {
            Err(CacheError::Rejected(message)) => assert_eq!(message, "bad magic number"),
            Err(other) => panic!("expected the child's rejection, got {other}"),
            Ok(_) => panic!("the rejected component was compiled in process"),
        }
    }

    #[test]
    fn an_artifact_of_another_engine_configuration_is_refused_and_recompiled() {
        // A child whose engine differs writes an artifact the worker must not use.
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = engine();
        let mut other = wasmtime::Config::new();
        other.wasm_component_model(true).epoch_interruption(true);
        let foreign = Engine::new(&other)
            .expect("engine")
            .precompile_component(EMPTY_COMPONENT)
            .expect("precompile");
        let cache = CompileCache::new(dir.path());
        let entry = cache.entry_path(&engine, EMPTY_COMPONENT);
        std::fs::write(&entry, &foreign).expect("write foreign artifact");
        cache.load(&engine, EMPTY_COMPONENT).expect("recompile");
        assert_ne!(std::fs::read(&entry).expect("entry"), foreign);
    }
}
