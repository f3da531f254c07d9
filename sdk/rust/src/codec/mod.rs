//! The columnar WIT layout <-> idiomatic types: byte columns, value columns (schema
//! table + CBOR values) and record batches, exactly as `wit/ferry.wit` documents them.
//!
//! Plugins normally never call this: the export macros decode every batch before it
//! reaches a trait method and encode whatever comes back.

mod batch;
pub mod cbor;
mod columns;
mod schemas;

pub use batch::{decode_batch, encode_batch};
pub use columns::{BytesColumnBuilder, decode_values, encode_values, read_bytes_column};
pub use schemas::{SchemaTable, decode_table};

use crate::data::DataError;
use crate::error::PluginError;

/// A batch or value that cannot be encoded or decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CodecError {
    /// The columns or the CBOR do not follow the documented layout.
    #[error("malformed batch: {0}")]
    Malformed(String),
    /// A value does not fit its schema.
    #[error(transparent)]
    Data(#[from] DataError),
}

impl From<CodecError> for PluginError {
    fn from(e: CodecError) -> Self {
        PluginError::Fatal(e.to_string())
    }
}
