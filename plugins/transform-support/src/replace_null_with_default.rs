//! Kafka's `replace.null.with.default` option (KIP-1040), which the transforms that
//! read struct fields share: whether a null field takes its schema's default.

use ferry_sdk::{ConfigKey, Field, Importance, Struct, Value};

/// The config key.
pub const CONFIG: &str = "replace.null.with.default";

/// Kafka's documentation of the key (the same text in every transform).
pub const DOC: &str = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.";

/// The key as Kafka's transforms define it: `BOOLEAN`, default `true`, `MEDIUM`.
pub fn config_key() -> ConfigKey {
    ConfigKey::boolean(CONFIG)
        .default_value("true")
        .importance(Importance::Medium)
        .doc(DOC)
}

/// A field of `value` as the transforms read it: `Struct.get(field)` (a null takes
/// the field's default) when `replace_null_with_default`, else
/// `Struct.getWithoutDefault(field.name())`.
pub fn field_value<'a>(
    value: &'a Struct,
    field: &Field,
    replace_null_with_default: bool,
) -> Option<&'a Value> {
    if replace_null_with_default {
        value.get_field(field)
    } else {
        value.values.get(field.index)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ferry_sdk::Schema;

    use super::*;

    #[test]
    fn a_null_takes_the_default_only_when_asked() {
        let schema = Schema::structure()
            .field(
                "a",
                Schema::int32().optional().with_default(Value::Int32(7)),
            )
            .into_arc();
        let value = Struct {
            schema: Arc::clone(&schema),
            values: vec![Value::Null],
        };
        let field = &schema.fields[0];
        assert_eq!(field_value(&value, field, true), Some(&Value::Int32(7)));
        assert_eq!(field_value(&value, field, false), Some(&Value::Null));
    }
}
