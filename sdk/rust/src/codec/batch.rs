//! `record-batch` <-> `Vec<ConnectRecord>`.

use std::collections::HashMap;

use super::CodecError;
use super::columns::{BytesColumnBuilder, decode_values, encode_values, read_bytes_column};
use crate::bindings::types as wit;
use crate::data::{ConnectRecord, Header};

/// Encode records as a `record-batch`. The source partition/offset columns are left
/// empty when no record has either.
pub fn encode_batch(records: &[ConnectRecord]) -> Result<wit::RecordBatch, CodecError> {
    let n = records.len();
    let mut topics: Vec<String> = Vec::new();
    let mut topic_ids: HashMap<&str, u32> = HashMap::new();
    let mut topic = Vec::with_capacity(n);
    let mut header_counts = Vec::with_capacity(n);
    let mut header_keys = BytesColumnBuilder::default();
    for r in records {
        let id = match topic_ids.get(r.topic.as_str()) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(topics.len())
                    .map_err(|_| CodecError::Malformed("too many topics".into()))?;
                topics.push(r.topic.clone());
                topic_ids.insert(&r.topic, id);
                id
            }
        };
        topic.push(id);
        header_counts.push(
            u32::try_from(r.headers.len())
                .map_err(|_| CodecError::Malformed("too many headers".into()))?,
        );
        for h in &r.headers {
            header_keys.push(Some(h.key.as_bytes()))?;
        }
    }
    let has_source = records
        .iter()
        .any(|r| r.source_partition.is_some() || r.source_offset.is_some());
    let mut source_partition = BytesColumnBuilder::default();
    let mut source_offset = BytesColumnBuilder::default();
    if has_source {
        for r in records {
            source_partition.push(r.source_partition.as_deref().map(str::as_bytes))?;
            source_offset.push(r.source_offset.as_deref().map(str::as_bytes))?;
        }
    }
    Ok(wit::RecordBatch {
        topics,
        topic,
        partition: records.iter().map(|r| r.partition.unwrap_or(-1)).collect(),
        kafka_offset: records
            .iter()
            .map(|r| r.kafka_offset.unwrap_or(-1))
            .collect(),
        timestamp: records.iter().map(|r| r.timestamp.unwrap_or(-1)).collect(),
        key: encode_values(records.iter().map(|r| (r.key_schema.as_ref(), &r.key)))?,
        value: encode_values(records.iter().map(|r| (r.value_schema.as_ref(), &r.value)))?,
        headers: wit::HeaderColumn {
            counts: header_counts,
            keys: header_keys.finish(),
            values: encode_values(
                records
                    .iter()
                    .flat_map(|r| r.headers.iter().map(|h| (h.schema.as_ref(), &h.value))),
            )?,
        },
        source_partition: source_partition.finish(),
        source_offset: source_offset.finish(),
    })
}

/// Decode a `record-batch` into records.
pub fn decode_batch(batch: &wit::RecordBatch) -> Result<Vec<ConnectRecord>, CodecError> {
    let n = batch.topic.len();
    let same = |what: &str, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(CodecError::Malformed(format!(
                "{what} has {len} entries for {n} records"
            )))
        }
    };
    same("partition", batch.partition.len())?;
    same("kafka-offset", batch.kafka_offset.len())?;
    same("timestamp", batch.timestamp.len())?;
    same("headers.counts", batch.headers.counts.len())?;
    let keys = decode_values(&batch.key)?;
    let values = decode_values(&batch.value)?;
    same("key", keys.len())?;
    same("value", values.len())?;
    let header_keys = read_bytes_column(&batch.headers.keys)?;
    let mut header_values = decode_values(&batch.headers.values)?.into_iter();
    if header_keys.len() != header_values.len() {
        return Err(CodecError::Malformed(
            "header keys and values differ in length".into(),
        ));
    }
    let source_partition = optional_column(&batch.source_partition, n, "source-partition")?;
    let source_offset = optional_column(&batch.source_offset, n, "source-offset")?;

    let mut header_pos = 0usize;
    let mut records = Vec::with_capacity(n);
    for (i, ((key_schema, key), (value_schema, value))) in keys.into_iter().zip(values).enumerate()
    {
        let topic = batch.topics.get(batch.topic[i] as usize).ok_or_else(|| {
            CodecError::Malformed(format!("unknown topic index {}", batch.topic[i]))
        })?;
        let count = batch.headers.counts[i] as usize;
        let end = header_pos
            .checked_add(count)
            .filter(|&end| end <= header_keys.len())
            .ok_or_else(|| CodecError::Malformed("header counts exceed header entries".into()))?;
        let headers = (header_pos..end)
            .map(|h| {
                let key = header_keys[h]
                    .ok_or_else(|| CodecError::Malformed("null header key".into()))?;
                let key = std::str::from_utf8(key)
                    .map_err(|_| CodecError::Malformed("header key is not UTF-8".into()))?;
                let (schema, value) = header_values
                    .next()
                    .ok_or_else(|| CodecError::Malformed("missing header value".into()))?;
                Ok(Header::new(key, schema, value))
            })
            .collect::<Result<_, CodecError>>()?;
        header_pos = end;
        records.push(ConnectRecord {
            topic: topic.clone(),
            partition: non_negative(batch.partition[i]),
            kafka_offset: non_negative(batch.kafka_offset[i]),
            timestamp: non_negative(batch.timestamp[i]),
            key_schema,
            key,
            value_schema,
            value,
            headers,
            source_partition: source_partition.as_ref().and_then(|c| c[i].clone()),
            source_offset: source_offset.as_ref().and_then(|c| c[i].clone()),
        });
    }
    Ok(records)
}

fn non_negative<T: Default + PartialOrd>(v: T) -> Option<T> {
    if v >= T::default() { Some(v) } else { None }
}

/// A per-record text column that may be empty (no entries) for "all null".
fn optional_column(
    column: &wit::BytesColumn,
    n: usize,
    what: &str,
) -> Result<Option<Vec<Option<String>>>, CodecError> {
    if column.lengths.is_empty() {
        return Ok(None);
    }
    let entries = read_bytes_column(column)?;
    if entries.len() != n {
        return Err(CodecError::Malformed(format!(
            "{what} has {} entries for {n} records",
            entries.len()
        )));
    }
    entries
        .into_iter()
        .map(|e| {
            e.map(|b| {
                String::from_utf8(b.to_vec())
                    .map_err(|_| CodecError::Malformed(format!("{what} is not UTF-8")))
            })
            .transpose()
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, Struct, Value};

    #[test]
    fn batch_round_trip() {
        let schema = Schema::structure()
            .field("id", Schema::int64())
            .field("name", Schema::optional_string())
            .into_arc();
        let mut s = Struct::new(schema.clone());
        s.put("id", 7i64).expect("put");
        let records = vec![
            ConnectRecord::new("a", Some(schema.clone()), Value::Struct(s))
                .with_key(Some(Schema::string().into_arc()), "k".into())
                .with_partition(3)
                .with_timestamp(1000)
                .with_header("h1", Some(Schema::string().into_arc()), "v".into())
                .with_header("h2", None, Value::Null)
                .with_header("h3", None, Value::Int64(3))
                .with_source(r#"{"filename":"/in"}"#, r#"{"position":1}"#),
            ConnectRecord::new("b", None, Value::Null),
            ConnectRecord {
                kafka_offset: Some(0),
                ..ConnectRecord::new("a", None, Value::Map(vec![("x".into(), Value::Int64(1))]))
            },
        ];
        let batch = encode_batch(&records).expect("encode");
        assert_eq!(batch.topics, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(batch.topic, vec![0, 1, 0]);
        assert_eq!(batch.source_offset.lengths, vec![14, -1, -1]);
        assert_eq!(decode_batch(&batch).expect("decode"), records);
    }

    #[test]
    fn sink_batches_have_empty_source_columns() {
        let records = vec![ConnectRecord::new("t", None, "v".into())];
        let batch = encode_batch(&records).expect("encode");
        assert!(batch.source_partition.lengths.is_empty());
        assert_eq!(decode_batch(&batch).expect("decode"), records);
    }

    #[test]
    fn empty_batch() {
        let batch = encode_batch(&[]).expect("encode");
        assert!(decode_batch(&batch).expect("decode").is_empty());
    }
}
