//! The sandbox every plugin instance runs in: deny-by-default WASI, explicit path
//! grants, a memory cap and a per-call CPU deadline.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::{Component as PathComponent, Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::types::PathAccess;
use super::file_grants::FileOnlyDirs;
use crate::util::lock;

/// Default linear-memory cap per plugin instance.
pub const DEFAULT_MEMORY_MAX_BYTES: usize = 256 * 1024 * 1024;
/// Default CPU deadline of one host→guest call.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of a plugin's stderr is kept to explain a failure.
const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// Resource limits of one plugin instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxLimits {
    pub memory_max_bytes: usize,
    pub call_timeout: Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_max_bytes: DEFAULT_MEMORY_MAX_BYTES,
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}

/// A filesystem path a plugin may touch, granted because one of its path-typed
/// config keys names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathGrant {
    /// Absolute, normalized host path (the guest sees the same path).
    pub path: PathBuf,
    pub access: PathAccess,
}

/// Why a path cannot be granted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    #[error("'{0}' is not an absolute path")]
    NotAbsolute(String),
    #[error(
        "'{path}' is outside the directories plugins may access (worker property ferry.sandbox.allowed.paths = [{allowed}])"
    )]
    NotAllowed { path: String, allowed: String },
    #[error("'{0}' does not exist")]
    Missing(String),
}

/// Checks that `value` names a path under one of `allowed` prefixes and returns it
/// normalized. Symlinks are resolved for the part of the path that exists, so a
/// link cannot lead out of the allowed tree.
pub fn check_path(
    value: &str,
    access: PathAccess,
    allowed: &[PathBuf],
) -> Result<PathGrant, GrantError> {
    let raw = Path::new(value);
    if !raw.is_absolute() {
        return Err(GrantError::NotAbsolute(value.to_string()));
    }
    let normalized = resolve(raw);
    if matches!(access, PathAccess::ReadDir | PathAccess::WriteDir) && !normalized.is_dir() {
        return Err(GrantError::Missing(value.to_string()));
    }
    let permitted = allowed
        .iter()
        .any(|prefix| normalized.starts_with(resolve(prefix)));
    if !permitted {
        return Err(GrantError::NotAllowed {
            path: value.to_string(),
            allowed: allowed
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(PathGrant {
        path: normalized,
        access,
    })
}

/// Lexically normalizes `path`, then canonicalizes its longest existing ancestor.
fn resolve(path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for part in path.components() {
        match part {
            PathComponent::ParentDir => {
                lexical.pop();
            }
            PathComponent::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return lexical,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// Builds a WASI context that grants nothing but `grants`: no environment, no
/// arguments, no sockets, no stdin; stdout is discarded and stderr is kept as a
/// short tail for failure traces. A file grant preopens the file's directory (WASI
/// preopens are directories) at the same path the host uses, and the returned
/// [`FileOnlyDirs`] limits that directory to the granted file names.
pub fn wasi_context(
    grants: &[PathGrant],
    stderr: &OutputTail,
) -> io::Result<(WasiCtx, FileOnlyDirs)> {
    let mut builder = WasiCtxBuilder::new();
    builder.stderr(stderr.clone());
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    // Directory → (writable, whole directory granted, file names granted).
    let mut dirs: BTreeMap<PathBuf, (bool, bool, Vec<String>)> = BTreeMap::new();
    for grant in grants {
        match grant.access {
            PathAccess::None => {}
            PathAccess::ReadDir | PathAccess::WriteDir => {
                let entry = dirs.entry(grant.path.clone()).or_default();
                entry.0 |= grant.access == PathAccess::WriteDir;
                entry.1 = true;
            }
            PathAccess::ReadFile | PathAccess::WriteFile => {
                let entry = dirs.entry(parent_of(&grant.path)).or_default();
                entry.0 |= grant.access == PathAccess::WriteFile;
                if let Some(name) = grant.path.file_name() {
                    entry.2.push(name.to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut file_only = FileOnlyDirs::default();
    for (dir, (writable, whole, names)) in dirs {
        let guest = dir.to_string_lossy().into_owned();
        let perms = if writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        builder
            .preopened_dir(&dir, &guest, perms)
            .map_err(|error| io::Error::other(format!("{}: {error:#}", dir.display())))?;
        if !whole {
            for name in names {
                file_only.allow(guest.clone(), name);
            }
        }
    }
    Ok((builder.build(), file_only))
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Builds the store limits for one instance. A refused memory growth traps (with a
/// message saying so) instead of handing the guest an allocation failure.
pub fn store_limits(limits: &SandboxLimits) -> StoreLimits {
    StoreLimitsBuilder::new()
        .memory_size(limits.memory_max_bytes)
        .instances(64)
        .tables(64)
        .memories(64)
        .trap_on_grow_failure(true)
        .build()
}

/// Everything a plugin's store holds on the host side.
pub struct SandboxState {
    pub wasi: WasiCtx,
    /// Preopened directories that expose only granted files.
    pub file_only: FileOnlyDirs,
    pub table: ResourceTable,
    pub limits: StoreLimits,
    pub stderr: OutputTail,
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A stderr stream that keeps only the last few KiB the guest wrote, so a panic
/// message can be shown in the task's trace. Writes never fail or block.
#[derive(Clone, Default)]
pub struct OutputTail {
    buffer: Arc<Mutex<VecDeque<u8>>>,
}

impl OutputTail {
    pub fn new() -> Self {
        Self::default()
    }

    /// The kept tail as text.
    pub fn contents(&self) -> String {
        let buffer = lock(&self.buffer);
        let (a, b) = buffer.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = lock(&self.buffer);
        buffer.extend(bytes.iter().copied());
        let excess = buffer.len().saturating_sub(STDERR_TAIL_BYTES);
        buffer.drain(..excess);
    }
}

impl IsTerminal for OutputTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for OutputTail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for OutputTail {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.append(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for OutputTail {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for OutputTail {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_allow_list_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let allowed = vec![dir.path().to_path_buf()];
        let inside = dir.path().join("in.txt");
        let grant = check_path(
            inside.to_str().expect("utf8"),
            PathAccess::ReadFile,
            &allowed,
        )
        .expect("inside is allowed");
        assert!(grant.path.ends_with("in.txt"));
        let escape = format!("{}/../etc/passwd", dir.path().display());
        assert!(matches!(
            check_path(&escape, PathAccess::ReadFile, &allowed),
            Err(GrantError::NotAllowed { .. })
        ));
        assert!(matches!(
            check_path("relative.txt", PathAccess::ReadFile, &allowed),
            Err(GrantError::NotAbsolute(_))
        ));
        assert!(matches!(
            check_path("/etc/passwd", PathAccess::ReadFile, &[]),
            Err(GrantError::NotAllowed { .. })
        ));
    }

    #[test]
    fn symlinks_cannot_escape() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/etc", &link).expect("symlink");
        let allowed = vec![dir.path().to_path_buf()];
        let through = format!("{}/passwd", link.display());
        assert!(matches!(
            check_path(&through, PathAccess::ReadFile, &allowed),
            Err(GrantError::NotAllowed { .. })
        ));
    }

    #[test]
    fn stderr_tail_keeps_the_end() {
        let tail = OutputTail::new();
        tail.append(&vec![b'a'; STDERR_TAIL_BYTES]);
        tail.append(b"panicked at the end");
        let text = tail.contents();
        assert_eq!(text.len(), STDERR_TAIL_BYTES);
        assert!(text.ends_with("panicked at the end"));
    }
}
