//! One home for what a plugin may reach beyond its own memory. Each capability is a
//! small unit of the same shape:
//!
//! 1. **configure**: from a connector's config values (the keys its plugin declared
//!    path- or endpoint-typed), within the worker's bound, into a grant; validation
//!    names the key of a refused value;
//! 2. **prepare**: the grant sets up a fresh store's WASI context;
//! 3. **enforce**: host functions below the plugin check every use (a shadowed WASI
//!    function, an address check, an HTTP hook).
//!
//! `files` grants paths, `network` endpoints for `wasi:sockets`, `http` applies the
//! network grant to `wasi:http`, and `traffic` counts the bytes of granted TCP
//! connections.

pub mod files;
pub mod http;
pub mod network;
pub mod traffic;

use wasmtime::StoreContextMut;
use wasmtime::component::{ComponentNamedList, Lift, Linker, Lower};

use super::instance::HostState;
pub use files::{GrantError, PathGrant};
pub use network::{AllowedHosts, NetworkGrant, NetworkGrantError};

/// Everything one connector or task instance was granted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    pub files: Vec<PathGrant>,
    pub network: NetworkGrant,
}

/// Adds every capability's enforcement to `linker`, which already has WASI: the
/// shadowed filesystem and name-lookup functions, and `wasi:http` behind the
/// network check.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    files::add_to_linker(linker)?;
    network::add_to_linker(linker)?;
    traffic::add_to_linker(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;
    Ok(())
}

/// Replaces function `name` of `interface` in `linker` with `func`, and fails if
/// there was nothing to replace: a wasmtime upgrade that renames or re-versions the
/// WASI function must not leave plugins calling the unchecked original.
pub fn shadow_existing<F, Params, Return>(
    linker: &mut Linker<HostState>,
    interface: &str,
    name: &str,
    func: F,
) -> wasmtime::Result<()>
where
    F: Fn(StoreContextMut<'_, HostState>, Params) -> wasmtime::Result<Return>
        + Clone
        + Send
        + Sync
        + 'static,
    Params: ComponentNamedList + Lift + 'static,
    Return: ComponentNamedList + Lower + 'static,
{
    linker.allow_shadowing(false);
    // Defining without shadowing succeeds only if the name was free.
    if linker
        .instance(interface)?
        .func_wrap(name, func.clone())
        .is_ok()
    {
        return Err(wasmtime::Error::msg(format!(
            "sandbox: WASI function {interface}#{name} is not defined by wasmtime-wasi, so \
             the check meant to replace it would guard nothing (was wasmtime upgraded? update \
             the interface version in host/src/plugin/capabilities)"
        )));
    }
    linker.allow_shadowing(true);
    let defined = linker.instance(interface)?.func_wrap(name, func);
    linker.allow_shadowing(false);
    defined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> wasmtime::Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        wasmtime::Engine::new(&config).expect("engine")
    }

    #[test]
    fn shadowing_a_missing_wasi_function_fails_loudly() {
        let engine = engine();
        let mut bare: Linker<HostState> = Linker::new(&engine);
        let error = files::add_to_linker(&mut bare).expect_err("nothing to shadow");
        assert!(
            error
                .to_string()
                .contains("is not defined by wasmtime-wasi"),
            "{error}"
        );
        let error = network::add_to_linker(&mut bare).expect_err("nothing to shadow");
        assert!(error.to_string().contains("ip-name-lookup"), "{error}");
        let error = traffic::add_to_linker(&mut bare).expect_err("nothing to shadow");
        assert!(error.to_string().contains("wasi:sockets/tcp"), "{error}");
    }

    #[test]
    fn every_capability_shadows_what_wasmtime_wasi_defines() {
        let engine = engine();
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
        add_to_linker(&mut linker).expect("every shadowed function exists");
    }
}
