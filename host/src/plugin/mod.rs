//! The Wasm side of the host: engine, compile cache, discovery, sandbox and live
//! plugin instances.

pub mod bindings;
pub mod cache;
pub mod capabilities;
pub mod engine;
pub mod instance;
pub mod registry;
pub mod sandbox;

pub use capabilities::{Grants, PathGrant};
pub use instance::{CallError, PluginContext};
pub use registry::{LoadedPlugin, PluginKind, PluginRegistry};
pub use sandbox::SandboxLimits;
