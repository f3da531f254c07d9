//! File grants, in three steps like every capability here:
//!
//! - **configure**: a path-typed config value becomes a [`PathGrant`] if it lies
//!   under the worker's `ferry.sandbox.allowed.paths` ([`check_path`]);
//! - **prepare**: [`prepare`] preopens what the grants need. WASI preopens are
//!   directories, so a file grant preopens the file's directory and records the
//!   granted names in [`FileOnlyDirs`];
//! - **enforce**: the filesystem functions shadowed by [`add_to_linker`] refuse every
//!   name in such a directory except the granted files (`access` error), so a plugin
//!   can neither read, list, create, rename nor delete a sibling of its file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Component as PathComponent, Path, PathBuf};

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemView};
use wasmtime_wasi::p2::FsError;
use wasmtime_wasi::p2::bindings::sync::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{
    self as fs, DescriptorStat, DirectoryEntryStream, ErrorCode, HostDescriptor, MetadataHashValue,
    NewTimestamp, PathFlags,
};

use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::shadow_existing;
use crate::plugin::bindings::types::PathAccess;
use crate::plugin::instance::HostState;

/// The WASI filesystem version wasmtime-wasi registers; guests importing any
/// 0.2.x resolve to it.
const TYPES: &str = "wasi:filesystem/types@0.2.12";
const PREOPENS: &str = "wasi:filesystem/preopens@0.2.12";

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

/// Preopens what `grants` need in `builder`, at the same paths the host uses, and
/// returns the directories that must expose only their granted files.
pub fn prepare(grants: &[PathGrant], builder: &mut WasiCtxBuilder) -> io::Result<FileOnlyDirs> {
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
    Ok(file_only)
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Which preopened directories are file-only, and which names they expose.
#[derive(Debug, Default)]
pub struct FileOnlyDirs {
    /// Guest path of a file-only preopen → file names granted in it.
    by_path: HashMap<String, HashSet<String>>,
    /// Descriptor handle of such a preopen (once the guest asked for it) → names.
    by_handle: HashMap<u32, HashSet<String>>,
}

impl FileOnlyDirs {
    /// Marks `dir` (a guest path) as exposing only `name`.
    pub fn allow(&mut self, dir: String, name: String) {
        self.by_path.entry(dir).or_default().insert(name);
    }

    fn restricted(&self, handle: u32) -> Option<&HashSet<String>> {
        self.by_handle.get(&handle)
    }

    /// May `path`, relative to descriptor `handle`, be touched?
    fn permits(&self, handle: u32, path: &str) -> bool {
        match self.restricted(handle) {
            None => true,
            Some(names) => names.contains(path.trim_start_matches("./")),
        }
    }
}

type Fs<T> = Result<T, ErrorCode>;

fn finish<T>(state: &mut HostState, result: Result<T, FsError>) -> wasmtime::Result<(Fs<T>,)> {
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(error) => {
            let mut view = state.filesystem();
            Ok((Err(fs::Host::convert_error_code(&mut view, error)?),))
        }
    }
}

fn denied<T>() -> wasmtime::Result<(Fs<T>,)> {
    Ok((Err(ErrorCode::Access),))
}

/// Shadows WASI function `$name` of the filesystem types: when `$allowed` (given the
/// store's [`FileOnlyDirs`] as `$dirs` and the call's arguments) is false the guest
/// gets an `access` error, otherwise wasmtime-wasi's own `HostDescriptor::$method`
/// runs.
macro_rules! shadow {
    ($linker:ident, $name:literal, ($($arg:ident: $ty:ty),*) -> $ret:ty, |$dirs:ident| $allowed:expr, $method:ident) => {
        shadow_existing(
            $linker,
            TYPES,
            $name,
            |mut store: StoreContextMut<'_, HostState>, ($($arg,)*): ($($ty,)*)| {
                let state = store.data_mut();
                let $dirs = &state.sandbox.file_only;
                if !($allowed) {
                    return denied::<$ret>();
                }
                let result = HostDescriptor::$method(&mut state.filesystem(), $($arg),*);
                finish(state, result)
            },
        )?;
    };
}

/// Shadows the path-taking filesystem functions in `linker` (which already has
/// WASI) with versions that honour [`FileOnlyDirs`].
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    shadow_existing(
        linker,
        PREOPENS,
        "get-directories",
        |mut store: StoreContextMut<'_, HostState>, (): ()| {
            let state = store.data_mut();
            let dirs = state.filesystem().get_directories()?;
            for (descriptor, path) in &dirs {
                if let Some(names) = state.sandbox.file_only.by_path.get(path).cloned() {
                    state
                        .sandbox
                        .file_only
                        .by_handle
                        .insert(descriptor.rep(), names);
                }
            }
            Ok((dirs,))
        },
    )?;

    // Paths that name a granted file pass; anything else in a file-only directory
    // is refused.
    shadow!(linker, "[method]descriptor.open-at",
        (fd: Resource<Descriptor>, path_flags: PathFlags, path: String, open_flags: fs::OpenFlags, flags: fs::DescriptorFlags)
        -> Resource<Descriptor>, |dirs| dirs.permits(fd.rep(), &path), open_at);
    shadow!(linker, "[method]descriptor.stat-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String)
        -> DescriptorStat, |dirs| dirs.permits(fd.rep(), &path), stat_at);
    shadow!(linker, "[method]descriptor.metadata-hash-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String)
        -> MetadataHashValue, |dirs| dirs.permits(fd.rep(), &path), metadata_hash_at);
    shadow!(linker, "[method]descriptor.set-times-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String, atime: NewTimestamp, mtime: NewTimestamp)
        -> (), |dirs| dirs.permits(fd.rep(), &path), set_times_at);
    shadow!(linker, "[method]descriptor.readlink-at",
        (fd: Resource<Descriptor>, path: String)
        -> String, |dirs| dirs.permits(fd.rep(), &path), readlink_at);
    shadow!(linker, "[method]descriptor.unlink-file-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.permits(fd.rep(), &path), unlink_file_at);
    // Creating or removing directories, links, renames and listings never fit a
    // file grant.
    shadow!(linker, "[method]descriptor.create-directory-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), create_directory_at);
    shadow!(linker, "[method]descriptor.remove-directory-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), remove_directory_at);
    shadow!(linker, "[method]descriptor.symlink-at",
        (fd: Resource<Descriptor>, src: String, dest: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), symlink_at);
    shadow!(linker, "[method]descriptor.link-at",
        (fd: Resource<Descriptor>, flags: PathFlags, old: String, new_fd: Resource<Descriptor>, new: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none() && dirs.restricted(new_fd.rep()).is_none(), link_at);
    shadow!(linker, "[method]descriptor.rename-at",
        (fd: Resource<Descriptor>, old: String, new_fd: Resource<Descriptor>, new: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none() && dirs.restricted(new_fd.rep()).is_none(), rename_at);
    shadow!(linker, "[method]descriptor.read-directory",
        (fd: Resource<Descriptor>)
        -> Resource<DirectoryEntryStream>, |dirs| dirs.restricted(fd.rep()).is_none(), read_directory);
    Ok(())
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
}
