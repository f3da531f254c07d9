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

    /// Drops `dir` from the file-only set (a directory grant covers it).
    pub fn open_fully(&mut self, dir: &str) {
        self.by_path.remove(dir);
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
    types.func_wrap(
        "[method]descriptor.open-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, path_flags, path, open_flags, flags): (
            Resource<Descriptor>,
            PathFlags,
            String,
            fs::OpenFlags,
            fs::DescriptorFlags,
        )| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied();
            }
            let result = HostDescriptor::open_at(
                &mut state.filesystem(),
                fd,
                path_flags,
                path,
                open_flags,
                flags,
            );
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.stat-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, flags, path): (Resource<Descriptor>, PathFlags, String)| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied::<DescriptorStat>();
            }
            let result = HostDescriptor::stat_at(&mut state.filesystem(), fd, flags, path);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.metadata-hash-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, flags, path): (Resource<Descriptor>, PathFlags, String)| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied::<MetadataHashValue>();
            }
            let result = HostDescriptor::metadata_hash_at(&mut state.filesystem(), fd, flags, path);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.set-times-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, flags, path, atime, mtime): (
            Resource<Descriptor>,
            PathFlags,
            String,
            NewTimestamp,
            NewTimestamp,
        )| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied::<()>();
            }
            let result = HostDescriptor::set_times_at(
                &mut state.filesystem(),
                fd,
                flags,
                path,
                atime,
                mtime,
            );
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.readlink-at",
        |mut store: StoreContextMut<'_, HostState>, (fd, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied::<String>();
            }
            let result = HostDescriptor::readlink_at(&mut state.filesystem(), fd, path);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.unlink-file-at",
        |mut store: StoreContextMut<'_, HostState>, (fd, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            if !state.sandbox.file_only.permits(fd.rep(), &path) {
                return denied::<()>();
            }
            let result = HostDescriptor::unlink_file_at(&mut state.filesystem(), fd, path);
            finish(state, result)
        },
    )?;
    // Creating or removing directories, links and renames never fit a file grant.
    types.func_wrap(
        "[method]descriptor.create-directory-at",
        |mut store: StoreContextMut<'_, HostState>, (fd, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            if state.sandbox.file_only.restricted(fd.rep()).is_some() {
                return denied::<()>();
            }
            let result = HostDescriptor::create_directory_at(&mut state.filesystem(), fd, path);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.remove-directory-at",
        |mut store: StoreContextMut<'_, HostState>, (fd, path): (Resource<Descriptor>, String)| {
            let state = store.data_mut();
            if state.sandbox.file_only.restricted(fd.rep()).is_some() {
                return denied::<()>();
            }
            let result = HostDescriptor::remove_directory_at(&mut state.filesystem(), fd, path);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.symlink-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, src, dest): (Resource<Descriptor>, String, String)| {
            let state = store.data_mut();
            if state.sandbox.file_only.restricted(fd.rep()).is_some() {
                return denied::<()>();
            }
            let result = HostDescriptor::symlink_at(&mut state.filesystem(), fd, src, dest);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.link-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, flags, old, new_fd, new): (
            Resource<Descriptor>,
            PathFlags,
            String,
            Resource<Descriptor>,
            String,
        )| {
            let state = store.data_mut();
            let file_only = &state.sandbox.file_only;
            if file_only.restricted(fd.rep()).is_some()
                || file_only.restricted(new_fd.rep()).is_some()
            {
                return denied::<()>();
            }
            let result =
                HostDescriptor::link_at(&mut state.filesystem(), fd, flags, old, new_fd, new);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.rename-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, old, new_fd, new): (Resource<Descriptor>, String, Resource<Descriptor>, String)| {
            let state = store.data_mut();
            let file_only = &state.sandbox.file_only;
            if file_only.restricted(fd.rep()).is_some() || file_only.restricted(new_fd.rep()).is_some() {
                return denied::<()>();
            }
            let result = HostDescriptor::rename_at(&mut state.filesystem(), fd, old, new_fd, new);
            finish(state, result)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.read-directory",
        |mut store: StoreContextMut<'_, HostState>, (fd,): (Resource<Descriptor>,)| {
            let state = store.data_mut();
            if state.sandbox.file_only.restricted(fd.rep()).is_some() {
                return denied::<Resource<DirectoryEntryStream>>();
            }
            let result = HostDescriptor::read_directory(&mut state.filesystem(), fd);
            finish(state, result)
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}
