//! Generated WIT bindings (wit-bindgen).
//!
//! Every world of `wit/ferry.wit` is `import host; export plugin; export <kind>;`. The
//! SDK generates one binding per *part* instead: [`plugin_part`] (imports `host`,
//! exports `plugin`; it also generates `ferry:connect/types` and `ferry:connect/host`
//! for everyone) and one `<kind>_part` per plugin kind (exports only that kind's
//! interface, sharing the types through `with`). An `export_*!` macro emits the
//! plugin part and its kind's part into the plugin crate; wit-component merges their
//! component-type sections into exactly the kind's world (a converter that doubles as a
//! header converter emits both parts: `converter-and-header-converter-plugin`). Generating the full worlds
//! instead would define the `plugin` interface's export macro five times.
//!
//! Plugin authors do not use this module directly.
#![allow(missing_docs, unused_macros, clippy::all)]

pub use plugin_part::exports::ferry::connect::plugin;
pub use plugin_part::ferry::connect::{host, types};

/// Imports `host`, exports `ferry:connect/plugin`.
pub mod plugin_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world plugin-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/plugin@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/plugin-part",
        pub_export_macro: true,
        export_macro_name: "export_plugin_part",
        default_bindings_module: "ferry_sdk::bindings::plugin_part",
        generate_all,
        additional_derives: [PartialEq, Eq, Hash],
    });
}

/// Imports `host`, exports `ferry:connect/source`.
pub mod source_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world source-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/source@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/source-part",
        pub_export_macro: true,
        export_macro_name: "export_source_part",
        default_bindings_module: "ferry_sdk::bindings::source_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `ferry:connect/transaction-context` only: a source task that defines its
/// own transaction boundaries. Toolchains keep an import only when it is called, so
/// a plugin that never calls [`crate::host::commit_transaction`] or
/// [`crate::host::abort_transaction`] does not import it (and the host refuses
/// `transaction.boundary=connector` for it).
pub mod transaction_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world transaction-part {
                import ferry:connect/transaction-context@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/transaction-part",
        generate_all,
    });
}

/// Imports `host`, exports `ferry:connect/sink`.
pub mod sink_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world sink-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/sink@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/sink-part",
        pub_export_macro: true,
        export_macro_name: "export_sink_part",
        default_bindings_module: "ferry_sdk::bindings::sink_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `host`, exports `ferry:connect/converter`.
pub mod converter_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world converter-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/converter@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/converter-part",
        pub_export_macro: true,
        export_macro_name: "export_converter_part",
        default_bindings_module: "ferry_sdk::bindings::converter_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `host`, exports `ferry:connect/header-converter`.
pub mod header_converter_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world header-converter-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/header-converter@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/header-converter-part",
        pub_export_macro: true,
        export_macro_name: "export_header_converter_part",
        default_bindings_module: "ferry_sdk::bindings::header_converter_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `host`, exports `ferry:connect/transform`.
pub mod transform_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world transform-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/transform@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/transform-part",
        pub_export_macro: true,
        export_macro_name: "export_transform_part",
        default_bindings_module: "ferry_sdk::bindings::transform_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `host`, exports `ferry:connect/predicate`.
pub mod predicate_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world predicate-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/predicate@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/predicate-part",
        pub_export_macro: true,
        export_macro_name: "export_predicate_part",
        default_bindings_module: "ferry_sdk::bindings::predicate_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}

/// Imports `host`, exports `ferry:connect/family`: a component holding several
/// plugins (see [`crate::export_family!`]).
pub mod family_part {
    wit_bindgen::generate!({
        inline: "
            package ferry:sdk@0.1.0;
            world family-part {
                import ferry:connect/host@0.1.0;
                export ferry:connect/family@0.1.0;
            }
        ",
        path: "../../wit",
        world: "ferry:sdk/family-part",
        pub_export_macro: true,
        export_macro_name: "export_family_part",
        default_bindings_module: "ferry_sdk::bindings::family_part",
        with: {
            "ferry:connect/types@0.1.0": crate::bindings::types,
            "ferry:connect/host@0.1.0": crate::bindings::host,
        },
    });
}
