//! Exact file grants. WASI preopens are directories, so a file grant preopens the
//! file's directory; the filesystem functions shadowed here then refuse every name
//! in such a directory except the granted files (`access` error), so a plugin can
//! neither read, list, create, rename nor delete a sibling of its file.

use std::collections::{HashMap, HashSet};

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemView};
use wasmtime_wasi::p2::FsError;
use wasmtime_wasi::p2::bindings::sync::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::bindings::sync::filesystem::types::{
    self as fs, DescriptorStat, DirectoryEntryStream, ErrorCode, HostDescriptor, MetadataHashValue,
    NewTimestamp, PathFlags,
};

use super::instance::HostState;

/// The WASI filesystem version wasmtime-wasi registers; guests importing any
/// 0.2.x resolve to it.
const TYPES: &str = "wasi:filesystem/types@0.2.12";
const PREOPENS: &str = "wasi:filesystem/preopens@0.2.12";

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

/// Shadows WASI function `$name` in `$instance`: when `$allowed` (given the store's
/// [`FileOnlyDirs`] as `$dirs` and the call's arguments) is false the guest gets an
/// `access` error, otherwise wasmtime-wasi's own `HostDescriptor::$method` runs.
macro_rules! shadow {
    ($instance:ident, $name:literal, ($($arg:ident: $ty:ty),*) -> $ret:ty, |$dirs:ident| $allowed:expr, $method:ident) => {
        $instance.func_wrap(
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
    linker.allow_shadowing(true);
    let mut preopens = linker.instance(PREOPENS)?;
    preopens.func_wrap(
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

    let mut types = linker.instance(TYPES)?;
    // Paths that name a granted file pass; anything else in a file-only directory
    // is refused.
    shadow!(types, "[method]descriptor.open-at",
        (fd: Resource<Descriptor>, path_flags: PathFlags, path: String, open_flags: fs::OpenFlags, flags: fs::DescriptorFlags)
        -> Resource<Descriptor>, |dirs| dirs.permits(fd.rep(), &path), open_at);
    shadow!(types, "[method]descriptor.stat-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String)
        -> DescriptorStat, |dirs| dirs.permits(fd.rep(), &path), stat_at);
    shadow!(types, "[method]descriptor.metadata-hash-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String)
        -> MetadataHashValue, |dirs| dirs.permits(fd.rep(), &path), metadata_hash_at);
    shadow!(types, "[method]descriptor.set-times-at",
        (fd: Resource<Descriptor>, flags: PathFlags, path: String, atime: NewTimestamp, mtime: NewTimestamp)
        -> (), |dirs| dirs.permits(fd.rep(), &path), set_times_at);
    shadow!(types, "[method]descriptor.readlink-at",
        (fd: Resource<Descriptor>, path: String)
        -> String, |dirs| dirs.permits(fd.rep(), &path), readlink_at);
    shadow!(types, "[method]descriptor.unlink-file-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.permits(fd.rep(), &path), unlink_file_at);
    // Creating or removing directories, links, renames and listings never fit a
    // file grant.
    shadow!(types, "[method]descriptor.create-directory-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), create_directory_at);
    shadow!(types, "[method]descriptor.remove-directory-at",
        (fd: Resource<Descriptor>, path: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), remove_directory_at);
    shadow!(types, "[method]descriptor.symlink-at",
        (fd: Resource<Descriptor>, src: String, dest: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none(), symlink_at);
    shadow!(types, "[method]descriptor.link-at",
        (fd: Resource<Descriptor>, flags: PathFlags, old: String, new_fd: Resource<Descriptor>, new: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none() && dirs.restricted(new_fd.rep()).is_none(), link_at);
    shadow!(types, "[method]descriptor.rename-at",
        (fd: Resource<Descriptor>, old: String, new_fd: Resource<Descriptor>, new: String)
        -> (), |dirs| dirs.restricted(fd.rep()).is_none() && dirs.restricted(new_fd.rep()).is_none(), rename_at);
    shadow!(types, "[method]descriptor.read-directory",
        (fd: Resource<Descriptor>)
        -> Resource<DirectoryEntryStream>, |dirs| dirs.restricted(fd.rep()).is_none(), read_directory);
    linker.allow_shadowing(false);
    Ok(())
}
