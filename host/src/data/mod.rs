//! The Connect data that flows through a task, in the columnar form the plugin
//! contract uses. The host never decodes Connect values (that is the converters'
//! job); it only slices, merges and checks batches.

pub mod batch;

pub use batch::{BatchError, ColumnBuilder};
