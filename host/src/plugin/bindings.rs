//! Host-side bindings generated from `wit/ferry.wit`, one module per world. The
//! shared `types` and `host` interfaces are generated once (in `source`) and reused
//! by every other world so a batch has one Rust type everywhere.

/// Bindings for `world source-plugin`; also the home of the shared interfaces.
pub mod source {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "source-plugin",
        additional_derives: [PartialEq],
    });
}

/// Bindings for `world sink-plugin`.
pub mod sink {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "sink-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

/// Bindings for `world converter-plugin`.
pub mod converter {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "converter-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

/// Bindings for `world header-converter-plugin`. Also used for components of
/// `world converter-and-header-converter-plugin`: the bindings only look up the
/// exports they need.
pub mod header_converter {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "header-converter-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

/// Bindings for `world transform-plugin`.
pub mod transform {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "transform-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

/// Bindings for `world predicate-plugin`.
pub mod predicate {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "predicate-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

/// Bindings for `world family-plugin`: what every family (a component holding
/// several plugins) exports besides its members' kind interfaces.
pub mod family {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "family-plugin",
        with: {
            "ferry:connect/types": super::source::ferry::connect::types,
            "ferry:connect/host": super::source::ferry::connect::host,
        },
    });
}

pub use source::ferry::connect::host;
pub use source::ferry::connect::types;
