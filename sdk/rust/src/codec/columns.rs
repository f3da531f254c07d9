//! `bytes-column` and `value-column`.

use std::sync::Arc;

use super::schemas::{SchemaTable, decode_table};
use super::{CodecError, cbor};
use crate::bindings::types as wit;
use crate::data::{Schema, SchemaAndValue, Value};

/// Builds a `bytes-column` one entry at a time.
#[derive(Default)]
pub struct BytesColumnBuilder {
    data: Vec<u8>,
    lengths: Vec<i32>,
}

impl BytesColumnBuilder {
    /// A builder expecting about `entries` entries.
    pub fn with_capacity(entries: usize) -> Self {
        BytesColumnBuilder {
            data: Vec::new(),
            lengths: Vec::with_capacity(entries),
        }
    }

    /// Append one entry; `None` is null (length -1).
    pub fn push(&mut self, bytes: Option<&[u8]>) -> Result<(), CodecError> {
        match bytes {
            None => self.lengths.push(-1),
            Some(bytes) => {
                self.data.extend_from_slice(bytes);
                self.lengths.push(length(bytes.len())?);
            }
        }
        Ok(())
    }

    /// Append one entry written by `write` into the column's buffer.
    pub fn push_with(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), CodecError>,
    ) -> Result<(), CodecError> {
        let start = self.data.len();
        write(&mut self.data)?;
        self.lengths.push(length(self.data.len() - start)?);
        Ok(())
    }

    pub fn finish(self) -> wit::BytesColumn {
        wit::BytesColumn {
            data: self.data,
            lengths: self.lengths,
        }
    }
}

fn length(len: usize) -> Result<i32, CodecError> {
    i32::try_from(len)
        .map_err(|_| CodecError::Malformed(format!("entry of {len} bytes is too large")))
}

/// The entries of a `bytes-column`, checked against its data.
pub fn read_bytes_column(column: &wit::BytesColumn) -> Result<Vec<Option<&[u8]>>, CodecError> {
    let mut start = 0usize;
    let mut entries = Vec::with_capacity(column.lengths.len());
    for &len in &column.lengths {
        if len == -1 {
            entries.push(None);
            continue;
        }
        let len = usize::try_from(len)
            .map_err(|_| CodecError::Malformed(format!("invalid length {len}")))?;
        let end = start
            .checked_add(len)
            .filter(|&end| end <= column.data.len())
            .ok_or_else(|| CodecError::Malformed("lengths run past the column data".into()))?;
        entries.push(Some(&column.data[start..end]));
        start = end;
    }
    Ok(entries)
}

/// Encode (schema, value) pairs as a `value-column`. A top-level null is a -1 length;
/// a schemaless struct is given its own schema.
pub fn encode_values<'a>(
    items: impl IntoIterator<Item = (Option<&'a Arc<Schema>>, &'a Value)>,
) -> Result<wit::ValueColumn, CodecError> {
    let items = items.into_iter();
    let mut table = SchemaTable::default();
    let mut schema_ids = Vec::with_capacity(items.size_hint().0);
    let mut values = BytesColumnBuilder::with_capacity(items.size_hint().0);
    for (schema, value) in items {
        let schema = schema.or(match value {
            Value::Struct(s) => Some(&s.schema),
            _ => None,
        });
        schema_ids.push(match schema {
            Some(s) => i32::try_from(table.intern(s)?)
                .map_err(|_| CodecError::Malformed("too many schemas".into()))?,
            None => -1,
        });
        if value.is_null() {
            values.push(None)?;
        } else {
            values.push_with(|out| cbor::encode(schema.map(|s| s.as_ref()), value, out))?;
        }
    }
    Ok(wit::ValueColumn {
        schemas: table.into_nodes(),
        schema_ids,
        values: values.finish(),
    })
}

/// Decode a `value-column` into (schema, value) pairs.
pub fn decode_values(column: &wit::ValueColumn) -> Result<Vec<SchemaAndValue>, CodecError> {
    let schemas = decode_table(&column.schemas)?;
    let values = read_bytes_column(&column.values)?;
    if values.len() != column.schema_ids.len() {
        return Err(CodecError::Malformed(format!(
            "{} schema ids for {} values",
            column.schema_ids.len(),
            values.len()
        )));
    }
    column
        .schema_ids
        .iter()
        .zip(values)
        .map(|(&id, bytes)| {
            let schema = match id {
                -1 => None,
                id => Some(
                    usize::try_from(id)
                        .ok()
                        .and_then(|i| schemas.get(i))
                        .ok_or_else(|| CodecError::Malformed(format!("unknown schema id {id}")))?
                        .clone(),
                ),
            };
            let value = match bytes {
                None => Value::Null,
                Some(bytes) => cbor::decode(schema.as_ref(), bytes)?,
            };
            Ok((schema, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_column_round_trip() {
        let mut b = BytesColumnBuilder::default();
        b.push(Some(b"ab")).expect("push");
        b.push(None).expect("push");
        b.push(Some(b"")).expect("push");
        b.push(Some(b"c")).expect("push");
        let col = b.finish();
        assert_eq!(col.lengths, vec![2, -1, 0, 1]);
        let read = read_bytes_column(&col).expect("read");
        assert_eq!(
            read,
            vec![Some(&b"ab"[..]), None, Some(&b""[..]), Some(&b"c"[..])]
        );
    }

    #[test]
    fn bad_lengths_are_rejected() {
        let col = wit::BytesColumn {
            data: vec![1, 2],
            lengths: vec![1, 5],
        };
        assert!(read_bytes_column(&col).is_err());
        let col = wit::BytesColumn {
            data: vec![],
            lengths: vec![-2],
        };
        assert!(read_bytes_column(&col).is_err());
    }

    #[test]
    fn value_column_interns_schemas_and_nulls() {
        let s = Schema::string().into_arc();
        let other = Schema::string().into_arc();
        let items = [
            (Some(Arc::clone(&s)), Value::from("a")),
            (Some(other), Value::from("b")),
            (Some(Arc::clone(&s)), Value::Null),
            (None, Value::Int64(5)),
        ];
        let col = encode_values(items.iter().map(|(s, v)| (s.as_ref(), v))).expect("encode");
        assert_eq!(col.schemas.len(), 1);
        assert_eq!(col.schema_ids, vec![0, 0, 0, -1]);
        assert_eq!(col.values.lengths[2], -1);
        let decoded = decode_values(&col).expect("decode");
        assert_eq!(decoded, items.to_vec());
    }
}
