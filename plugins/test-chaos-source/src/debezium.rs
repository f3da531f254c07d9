//! `shape=debezium`: records shaped like Debezium's PostgreSQL change events, for
//! end-to-end tests of Kafka's transform chains. Record `n` (from 1) is, by `n % 7`
//! and `n % 5`:
//! - `n % 7 == 0`: a heartbeat on `__debezium-heartbeat.<server>` (value `{ts_ms}`);
//! - else `n % 5 == 4`: a delete of row `n` (`op` `d`, `before` the row, `after` null);
//! - else `n % 5 == 0`: a tombstone for row `n - 1` (value null, no value schema);
//! - else: a create of row `n` (`op` `c`, `after` the row).
//!
//! Key: struct `<topic>.Key` `{id:int32}`. Row (`<topic>.Value`): `id` int32,
//! `first_name`, `last_name`, `email` strings, `ssn` optional string, `updated_at`
//! Timestamp (`1700000000000 + n` days), `internal_note` optional string.

use std::sync::Arc;

use ferry_sdk::{ConnectRecord, Schema, Struct, Value};

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;
/// `updated_at` of row 0: 2023-11-14T22:13:20Z.
const EPOCH_MS: i64 = 1_700_000_000_000;

/// The schemas of one topic's change events.
pub struct Shapes {
    topic: String,
    heartbeat_topic: String,
    key: Arc<Schema>,
    row: Arc<Schema>,
    envelope: Arc<Schema>,
    source: Arc<Schema>,
    heartbeat: Arc<Schema>,
}

impl Shapes {
    /// `topic` is `<server>.<schema>.<table>`, as Debezium names it.
    pub fn new(topic: &str) -> Shapes {
        let server = topic.split('.').next().unwrap_or(topic);
        let key = Schema::structure()
            .with_name(format!("{topic}.Key"))
            .field("id", Schema::int32())
            .into_arc();
        let row = Schema::structure()
            .with_name(format!("{topic}.Value"))
            .field("id", Schema::int32())
            .field("first_name", Schema::string())
            .field("last_name", Schema::string())
            .field("email", Schema::string())
            .field("ssn", Schema::string().optional())
            .field("updated_at", Schema::timestamp())
            .field("internal_note", Schema::string().optional())
            .optional()
            .into_arc();
        let source = Schema::structure()
            .with_name("io.debezium.connector.postgresql.Source")
            .field("connector", Schema::string())
            .field("name", Schema::string())
            .field("ts_ms", Schema::int64())
            .into_arc();
        let envelope = Schema::structure()
            .with_name(format!("{topic}.Envelope"))
            .with_version(1)
            .field("before", Arc::clone(&row))
            .field("after", Arc::clone(&row))
            .field("source", Arc::clone(&source))
            .field("op", Schema::string())
            .field("ts_ms", Schema::int64().optional())
            .into_arc();
        let heartbeat = Schema::structure()
            .with_name("io.debezium.connector.common.Heartbeat")
            .field("ts_ms", Schema::int64())
            .into_arc();
        Shapes {
            topic: topic.to_string(),
            heartbeat_topic: format!("__debezium-heartbeat.{server}"),
            key,
            row,
            envelope,
            source,
            heartbeat,
        }
    }

    /// Change event number `n` (from 1), without source partition and offset.
    pub fn record(&self, n: u64) -> ConnectRecord {
        let ts = EPOCH_MS + n as i64 * 1000;
        if n.is_multiple_of(7) {
            let value = Struct {
                schema: Arc::clone(&self.heartbeat),
                values: vec![Value::Int64(ts)],
            };
            return ConnectRecord::new(
                &self.heartbeat_topic,
                Some(Arc::clone(&self.heartbeat)),
                Value::Struct(value),
            );
        }
        let id = if n.is_multiple_of(5) { n - 1 } else { n };
        let key = Value::Struct(Struct {
            schema: Arc::clone(&self.key),
            values: vec![Value::Int32(id as i32)],
        });
        let keyed =
            |record: ConnectRecord| record.with_key(Some(Arc::clone(&self.key)), key.clone());
        if n.is_multiple_of(5) {
            return keyed(ConnectRecord::new(&self.topic, None, Value::Null));
        }
        let row = Value::Struct(Struct {
            schema: Arc::clone(&self.row),
            values: row_values(n),
        });
        let deleted = n % 5 == 4;
        let (before, after, op) = if deleted {
            (row, Value::Null, "d")
        } else {
            (Value::Null, row, "c")
        };
        let source = Value::Struct(Struct {
            schema: Arc::clone(&self.source),
            values: vec!["postgresql".into(), "dbserver1".into(), Value::Int64(ts)],
        });
        let envelope = Struct {
            schema: Arc::clone(&self.envelope),
            values: vec![before, after, source, op.into(), Value::Int64(ts)],
        };
        keyed(ConnectRecord::new(
            &self.topic,
            Some(Arc::clone(&self.envelope)),
            Value::Struct(envelope),
        ))
    }
}

/// Row `n`'s field values, in schema order.
fn row_values(n: u64) -> Vec<Value> {
    vec![
        Value::Int32(n as i32),
        format!("Anne{n}").into(),
        "Kretchmar".into(),
        format!("annek{n}@noanswer.org").into(),
        format!("123-45-{n:04}").into(),
        Value::Int64(EPOCH_MS + n as i64 * DAY_MS),
        format!("note {n}").into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cycle_through_creates_deletes_tombstones_and_heartbeats() {
        let shapes = Shapes::new("dbserver1.inventory.customers");
        let create = shapes.record(1);
        assert_eq!(create.topic, "dbserver1.inventory.customers");
        let envelope = create.value.as_struct().expect("struct");
        assert_eq!(envelope.get("op"), Some(&Value::from("c")));
        assert!(envelope.validate().is_ok());
        let delete = shapes.record(4);
        let envelope = delete.value.as_struct().expect("struct");
        assert_eq!(envelope.get("after"), Some(&Value::Null));
        let tombstone = shapes.record(5);
        assert_eq!(tombstone.value, Value::Null);
        assert_eq!(
            tombstone.key.as_struct().and_then(|k| k.get("id")),
            Some(&Value::Int32(4))
        );
        assert_eq!(shapes.record(7).topic, "__debezium-heartbeat.dbserver1");
    }
}
