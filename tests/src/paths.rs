//! Where the binaries and plugins under test live.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` if set, else `<repo>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            }
        }
        None => repo_root().join("target"),
    }
}

/// The `ferry` binary under test: `$FERRY_BIN`, else `<target>/release/ferry`.
///
/// Panics with a hint when it has not been built.
pub fn ferry_bin() -> PathBuf {
    let bin = std::env::var_os("FERRY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release").join("ferry"));
    assert!(
        bin.is_file(),
        "the ferry binary {} does not exist: build it with `cargo build --release -p ferry` \
         (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// `build/plugins`: the first-party plugins (`scripts/build-plugins.sh` fills it).
pub fn plugins_dir() -> PathBuf {
    let dir = repo_root().join("build").join("plugins");
    assert!(
        dir.is_dir(),
        "{} does not exist: run scripts/build-plugins.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// `build/test-plugins`: plugins that exist only to misbehave in tests.
pub fn test_plugins_dir() -> PathBuf {
    let dir = repo_root().join("build").join("test-plugins");
    assert!(
        dir.is_dir(),
        "{} does not exist: run scripts/build-plugins.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// The precompiled-component cache shared by every test worker, so that the slow
/// compile of interpreter-based plugins (Python: ~15 s) is paid once per build rather
/// than once per test. Lives under the target dir, never in the user's cache.
pub fn plugin_cache_dir() -> PathBuf {
    target_dir().join("ferry-test-plugin-cache")
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}
