//! The `$Key` and `$Value` forms of a Kafka transform: one generic implementation,
//! two plugins (Kafka's nested `Key` and `Value` classes).

use std::sync::Arc;

use ferry_sdk::{ConnectRecord, Schema, Value};

/// Which part of the record a transform operates on.
pub trait Side: 'static {
    /// `"Key"` or `"Value"`, as in Kafka's `Cast$Key` / `Cast$Value`.
    const FORM: &'static str;
    /// True for the key side.
    const IS_KEY: bool;

    /// The operated schema and value, mutable (`operatingSchema` / `operatingValue`).
    fn operating(record: &mut ConnectRecord) -> (&mut Option<Arc<Schema>>, &mut Value);

    /// The operated schema and value, read-only.
    fn operating_ref(record: &ConnectRecord) -> (Option<&Arc<Schema>>, &Value);

    /// The plugin's canonical name: `base` (e.g. `cast`) with `-key` or `-value`.
    fn plugin_name(base: &str) -> String {
        format!("{base}-{}", Self::FORM.to_ascii_lowercase())
    }

    /// Kafka's names for the form: `Cast$Key` and
    /// `org.apache.kafka.connect.transforms.Cast$Key` for `class = "Cast"`.
    fn aliases(class: &str) -> [String; 2] {
        [
            format!("{class}${}", Self::FORM),
            format!("org.apache.kafka.connect.transforms.{class}${}", Self::FORM),
        ]
    }
}

/// The `$Key` form: operates on the record key.
pub struct KeySide;

impl Side for KeySide {
    const FORM: &'static str = "Key";
    const IS_KEY: bool = true;

    fn operating(record: &mut ConnectRecord) -> (&mut Option<Arc<Schema>>, &mut Value) {
        (&mut record.key_schema, &mut record.key)
    }

    fn operating_ref(record: &ConnectRecord) -> (Option<&Arc<Schema>>, &Value) {
        (record.key_schema.as_ref(), &record.key)
    }
}

/// The `$Value` form: operates on the record value.
pub struct ValueSide;

impl Side for ValueSide {
    const FORM: &'static str = "Value";
    const IS_KEY: bool = false;

    fn operating(record: &mut ConnectRecord) -> (&mut Option<Arc<Schema>>, &mut Value) {
        (&mut record.value_schema, &mut record.value)
    }

    fn operating_ref(record: &ConnectRecord) -> (Option<&Arc<Schema>>, &Value) {
        (record.value_schema.as_ref(), &record.value)
    }
}

/// Kafka's names for a transform without `$Key`/`$Value` forms (`Filter`,
/// `RegexRouter`, …): the short name and the class name.
pub fn transform_aliases(class: &str) -> [String; 2] {
    [
        class.to_string(),
        format!("org.apache.kafka.connect.transforms.{class}"),
    ]
}

/// Kafka's names for a predicate (`HasHeaderKey`, …).
pub fn predicate_aliases(class: &str) -> [String; 2] {
    [
        class.to_string(),
        format!("org.apache.kafka.connect.transforms.predicates.{class}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kafka() {
        assert_eq!(KeySide::plugin_name("cast"), "cast-key");
        assert_eq!(ValueSide::plugin_name("cast"), "cast-value");
        assert_eq!(
            ValueSide::aliases("Cast"),
            [
                "Cast$Value".to_string(),
                "org.apache.kafka.connect.transforms.Cast$Value".to_string()
            ]
        );
        assert_eq!(
            predicate_aliases("HasHeaderKey")[1],
            "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"
        );
    }

    #[test]
    fn sides_pick_key_or_value() {
        let mut record = ConnectRecord::new("t", None, Value::from("v")).with_key(None, "k".into());
        assert_eq!(KeySide::operating_ref(&record).1, &Value::from("k"));
        *ValueSide::operating(&mut record).1 = Value::from("w");
        assert_eq!(record.value, Value::from("w"));
    }
}
