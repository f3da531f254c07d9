//! Helpers for the WIT `record-batch` and its columns: building, checking,
//! slicing and concatenating batches without touching the encoded values.

use crate::plugin::bindings::types::{BytesColumn, HeaderColumn, RecordBatch, ValueColumn};

/// A batch that breaks the contract's shape rules.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BatchError {
    #[error("column '{column}' has {actual} entries but the batch has {expected} records")]
    Length {
        column: &'static str,
        expected: usize,
        actual: usize,
    },
    #[error("column '{0}' lengths do not add up to its data size")]
    Data(&'static str),
    #[error("column '{column}' refers to {what} {index}, which does not exist")]
    Index {
        column: &'static str,
        what: &'static str,
        index: i64,
    },
}

/// An empty bytes column.
pub fn empty_bytes() -> BytesColumn {
    BytesColumn {
        data: Vec::new(),
        lengths: Vec::new(),
    }
}

/// An empty value column.
pub fn empty_values() -> ValueColumn {
    ValueColumn {
        schemas: Vec::new(),
        schema_ids: Vec::new(),
        values: empty_bytes(),
    }
}

/// An empty batch.
pub fn empty_batch() -> RecordBatch {
    RecordBatch {
        topics: Vec::new(),
        topic: Vec::new(),
        partition: Vec::new(),
        kafka_offset: Vec::new(),
        timestamp: Vec::new(),
        key: empty_values(),
        value: empty_values(),
        headers: HeaderColumn {
            counts: Vec::new(),
            keys: empty_bytes(),
            values: empty_values(),
        },
        source_partition: empty_bytes(),
        source_offset: empty_bytes(),
    }
}

/// Number of records in a batch.
pub fn len(batch: &RecordBatch) -> usize {
    batch.topic.len()
}

/// Iterates a bytes column as `Option<&[u8]>` (None = null). Stops early at the
/// first entry whose length runs past the data; call [`check_bytes`] first.
pub fn iter_bytes(column: &BytesColumn) -> impl Iterator<Item = Option<&[u8]>> + '_ {
    let mut start = 0usize;
    column.lengths.iter().map_while(move |&len| {
        if len < 0 {
            return Some(None);
        }
        let end = start.checked_add(len as usize)?;
        let slice = column.data.get(start..end)?;
        start = end;
        Some(Some(slice))
    })
}

/// Checks that a bytes column has `expected` entries whose lengths add up to the
/// data size.
pub fn check_bytes(
    column: &BytesColumn,
    name: &'static str,
    expected: usize,
) -> Result<(), BatchError> {
    if column.lengths.len() != expected {
        return Err(BatchError::Length {
            column: name,
            expected,
            actual: column.lengths.len(),
        });
    }
    if byte_len(&column.lengths) != column.data.len() {
        return Err(BatchError::Data(name));
    }
    Ok(())
}

fn check_values(
    column: &ValueColumn,
    name: &'static str,
    expected: usize,
) -> Result<(), BatchError> {
    check_bytes(&column.values, name, expected)?;
    if column.schema_ids.len() != expected {
        return Err(BatchError::Length {
            column: name,
            expected,
            actual: column.schema_ids.len(),
        });
    }
    let schemas = column.schemas.len() as i64;
    for &id in &column.schema_ids {
        if id < -1 || i64::from(id) >= schemas {
            return Err(BatchError::Index {
                column: name,
                what: "schema",
                index: i64::from(id),
            });
        }
    }
    for schema in &column.schemas {
        if let Some(&child) = schema.children.iter().find(|&&c| i64::from(c) >= schemas) {
            return Err(BatchError::Index {
                column: name,
                what: "schema",
                index: i64::from(child),
            });
        }
    }
    Ok(())
}

/// Checks every shape rule of the contract, so later stages can index safely.
/// The source-partition/offset columns are either empty (no record carries one)
/// or have one entry per record (null where a record has none).
pub fn check(batch: &RecordBatch) -> Result<(), BatchError> {
    let n = len(batch);
    let lens = [
        ("partition", batch.partition.len()),
        ("kafka-offset", batch.kafka_offset.len()),
        ("timestamp", batch.timestamp.len()),
        ("headers.counts", batch.headers.counts.len()),
    ];
    for (column, actual) in lens {
        if actual != n {
            return Err(BatchError::Length {
                column,
                expected: n,
                actual,
            });
        }
    }
    let topics = batch.topics.len() as i64;
    if let Some(&t) = batch.topic.iter().find(|&&t| i64::from(t) >= topics) {
        return Err(BatchError::Index {
            column: "topic",
            what: "topic",
            index: i64::from(t),
        });
    }
    check_values(&batch.key, "key", n)?;
    check_values(&batch.value, "value", n)?;
    let headers: u64 = batch.headers.counts.iter().map(|&c| u64::from(c)).sum();
    check_bytes(&batch.headers.keys, "headers.keys", headers as usize)?;
    check_values(&batch.headers.values, "headers.values", headers as usize)?;
    let expected_source = if batch.source_partition.lengths.is_empty() {
        0
    } else {
        n
    };
    check_bytes(&batch.source_partition, "source-partition", expected_source)?;
    let expected_source = if batch.source_offset.lengths.is_empty() {
        0
    } else {
        n
    };
    check_bytes(&batch.source_offset, "source-offset", expected_source)?;
    Ok(())
}

/// Per-record topic names of a (checked) batch.
pub fn topic_names(batch: &RecordBatch) -> Vec<String> {
    batch
        .topic
        .iter()
        .map(|&t| batch.topics.get(t as usize).cloned().unwrap_or_default())
        .collect()
}

/// Builds a bytes column entry by entry.
#[derive(Default)]
pub struct ColumnBuilder {
    column: Option<BytesColumn>,
}

impl ColumnBuilder {
    pub fn with_capacity(entries: usize, bytes: usize) -> Self {
        Self {
            column: Some(BytesColumn {
                data: Vec::with_capacity(bytes),
                lengths: Vec::with_capacity(entries),
            }),
        }
    }

    pub fn push(&mut self, value: Option<&[u8]>) {
        let column = self.column.get_or_insert_with(empty_bytes);
        match value {
            None => column.lengths.push(-1),
            Some(bytes) => {
                column
                    .lengths
                    .push(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
                column.data.extend_from_slice(bytes);
            }
        }
    }

    pub fn finish(self) -> BytesColumn {
        self.column.unwrap_or_else(empty_bytes)
    }
}

/// Total bytes of the entries in `lengths` (nulls count zero).
pub fn byte_len(lengths: &[i32]) -> usize {
    lengths
        .iter()
        .filter(|&&l| l > 0)
        .map(|&l| l as usize)
        .sum()
}

/// Entries `range` of a checked bytes column: one contiguous copy of their bytes.
pub fn slice_bytes(column: &BytesColumn, range: std::ops::Range<usize>) -> BytesColumn {
    if column.lengths.is_empty() {
        return empty_bytes();
    }
    let lengths = &column.lengths[range.clone()];
    let start = byte_len(&column.lengths[..range.start]);
    BytesColumn {
        data: column.data[start..start + byte_len(lengths)].to_vec(),
        lengths: lengths.to_vec(),
    }
}

fn slice_values(column: &ValueColumn, range: std::ops::Range<usize>) -> ValueColumn {
    ValueColumn {
        schemas: column.schemas.clone(),
        schema_ids: column.schema_ids[range.clone()].to_vec(),
        values: slice_bytes(&column.values, range),
    }
}

/// Records `range` of a checked batch, as a batch of its own.
pub fn slice(batch: &RecordBatch, range: std::ops::Range<usize>) -> RecordBatch {
    let header_start: usize = batch.headers.counts[..range.start]
        .iter()
        .map(|&c| c as usize)
        .sum();
    let header_len: usize = batch.headers.counts[range.clone()]
        .iter()
        .map(|&c| c as usize)
        .sum();
    let header_range = header_start..header_start + header_len;
    RecordBatch {
        topics: batch.topics.clone(),
        topic: batch.topic[range.clone()].to_vec(),
        partition: batch.partition[range.clone()].to_vec(),
        kafka_offset: batch.kafka_offset[range.clone()].to_vec(),
        timestamp: batch.timestamp[range.clone()].to_vec(),
        key: slice_values(&batch.key, range.clone()),
        value: slice_values(&batch.value, range.clone()),
        headers: HeaderColumn {
            counts: batch.headers.counts[range.clone()].to_vec(),
            keys: slice_bytes(&batch.headers.keys, header_range.clone()),
            values: slice_values(&batch.headers.values, header_range),
        },
        source_partition: slice_bytes(&batch.source_partition, range.clone()),
        source_offset: slice_bytes(&batch.source_offset, range),
    }
}

fn append_bytes(into: &mut BytesColumn, from: &BytesColumn) {
    into.data.extend_from_slice(&from.data);
    into.lengths.extend_from_slice(&from.lengths);
}

fn append_values(into: &mut ValueColumn, from: &ValueColumn) {
    let base = into.schemas.len() as u32;
    for schema in &from.schemas {
        let mut schema = schema.clone();
        for child in &mut schema.children {
            *child += base;
        }
        into.schemas.push(schema);
    }
    into.schema_ids.extend(
        from.schema_ids
            .iter()
            .map(|&id| if id < 0 { id } else { id + base as i32 }),
    );
    append_bytes(&mut into.values, &from.values);
}

/// Concatenates checked batches in order. Schema and topic tables are merged
/// (schemas are appended; topics deduplicated).
pub fn concat(batches: Vec<RecordBatch>) -> RecordBatch {
    let mut iter = batches.into_iter();
    let Some(mut out) = iter.next() else {
        return empty_batch();
    };
    for batch in iter {
        if len(&batch) == 0 {
            continue;
        }
        let remap: Vec<u32> = batch
            .topics
            .iter()
            .map(|t| match out.topics.iter().position(|x| x == t) {
                Some(i) => i as u32,
                None => {
                    out.topics.push(t.clone());
                    (out.topics.len() - 1) as u32
                }
            })
            .collect();
        out.topic
            .extend(batch.topic.iter().map(|&t| remap[t as usize]));
        out.partition.extend_from_slice(&batch.partition);
        out.kafka_offset.extend_from_slice(&batch.kafka_offset);
        out.timestamp.extend_from_slice(&batch.timestamp);
        append_values(&mut out.key, &batch.key);
        append_values(&mut out.value, &batch.value);
        out.headers.counts.extend_from_slice(&batch.headers.counts);
        append_bytes(&mut out.headers.keys, &batch.headers.keys);
        append_values(&mut out.headers.values, &batch.headers.values);
        append_bytes(&mut out.source_partition, &batch.source_partition);
        append_bytes(&mut out.source_offset, &batch.source_offset);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(values: &[Option<&str>], topic: &str) -> RecordBatch {
        let mut b = empty_batch();
        b.topics = vec![topic.to_string()];
        let mut v = ColumnBuilder::default();
        let mut k = ColumnBuilder::default();
        for value in values {
            b.topic.push(0);
            b.partition.push(-1);
            b.kafka_offset.push(-1);
            b.timestamp.push(-1);
            b.headers.counts.push(0);
            b.key.schema_ids.push(-1);
            b.value.schema_ids.push(-1);
            v.push(value.map(str::as_bytes));
            k.push(None);
        }
        b.value.values = v.finish();
        b.key.values = k.finish();
        b
    }

    fn values(b: &RecordBatch) -> Vec<Option<String>> {
        iter_bytes(&b.value.values)
            .map(|v| v.map(|s| String::from_utf8_lossy(s).into_owned()))
            .collect()
    }

    #[test]
    fn slice_and_concat_round_trip() {
        let b = batch_of(&[Some("a"), None, Some("ccc"), Some("")], "t1");
        check(&b).expect("valid");
        let left = slice(&b, 0..2);
        let right = slice(&b, 2..4);
        check(&left).expect("left valid");
        check(&right).expect("right valid");
        let joined = concat(vec![left, right]);
        assert_eq!(values(&joined), values(&b));
        assert_eq!(joined, b);
    }

    /// Headers are a value column: slicing keeps each record's headers with their
    /// schema ids, concatenating re-bases them onto the merged schema table.
    #[test]
    fn headers_slice_and_concat_with_their_schemas() {
        let mut b = batch_of(&[Some("a"), Some("b")], "t");
        b.headers.counts = vec![1, 2];
        let mut keys = ColumnBuilder::default();
        let mut values = ColumnBuilder::default();
        for (k, v) in [
            ("x", Some(&b"\x01"[..])),
            ("y", None),
            ("z", Some(&b"\x02"[..])),
        ] {
            keys.push(Some(k.as_bytes()));
            values.push(v);
        }
        b.headers.keys = keys.finish();
        b.headers.values.values = values.finish();
        b.headers.values.schema_ids = vec![0, -1, 0];
        b.headers.values.schemas = b.key.schemas.clone();
        b.headers
            .values
            .schemas
            .push(crate::plugin::bindings::types::Schema {
                type_: crate::plugin::bindings::types::SchemaType::Int8,
                optional: false,
                name: None,
                version: None,
                doc: None,
                parameters: Vec::new(),
                default_value: None,
                children: Vec::new(),
                field_names: Vec::new(),
            });
        check(&b).expect("valid");
        let right = slice(&b, 1..2);
        check(&right).expect("right valid");
        assert_eq!(right.headers.values.schema_ids, vec![-1, 0]);
        assert_eq!(right.headers.values.values.lengths, vec![-1, 1]);
        let joined = concat(vec![slice(&b, 0..1), right]);
        check(&joined).expect("joined valid");
        assert_eq!(joined.headers.values.schema_ids, vec![0, -1, 1]);
        assert_eq!(joined.headers.values.schemas.len(), 2);

        let mut bad = b.clone();
        bad.headers.values.schema_ids[0] = 5;
        assert!(matches!(
            check(&bad),
            Err(BatchError::Index {
                column: "headers.values",
                ..
            })
        ));
    }

    #[test]
    fn concat_merges_topic_tables() {
        let a = batch_of(&[Some("x")], "one");
        let b = batch_of(&[Some("y")], "two");
        let joined = concat(vec![a, b]);
        assert_eq!(
            topic_names(&joined),
            vec!["one".to_string(), "two".to_string()]
        );
    }

    #[test]
    fn malformed_batches_are_rejected() {
        let mut b = batch_of(&[Some("abc")], "t");
        b.value.values.lengths[0] = 10;
        assert_eq!(check(&b), Err(BatchError::Data("value")));
        let mut b = batch_of(&[Some("abc")], "t");
        b.topic[0] = 3;
        assert!(matches!(check(&b), Err(BatchError::Index { .. })));
        let mut b = batch_of(&[Some("abc")], "t");
        b.partition.clear();
        assert!(matches!(check(&b), Err(BatchError::Length { .. })));
    }
}
