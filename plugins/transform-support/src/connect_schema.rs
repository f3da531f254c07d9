//! The check Kafka's `Struct.put` runs on a value (`ConnectSchema.validateValue`) that
//! the transforms can fail, with its message: a null in a required field. (A value
//! taken from a valid struct of the same field schema always has the right type.)

use ferry_sdk::{PluginError, Schema, Value};

use crate::java;

/// `ConnectSchema.validateValue(field, schema, value)` for a null: refused unless
/// `schema` is optional (`Invalid value: null used for required field: "f", schema
/// type: INT32`).
pub fn check_null_allowed(field: &str, schema: &Schema, value: &Value) -> Result<(), PluginError> {
    if value.is_null() && !schema.optional {
        return Err(PluginError::fatal(format!(
            "Invalid value: null used for required field: \"{field}\", schema type: {}",
            java::schema_type_name(schema.kind)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_only_in_optional_fields() {
        assert!(check_null_allowed("f", &Schema::int32().optional(), &Value::Null).is_ok());
        assert!(check_null_allowed("f", &Schema::int32(), &Value::Int32(1)).is_ok());
        assert_eq!(
            check_null_allowed("f", &Schema::int32(), &Value::Null)
                .unwrap_err()
                .message(),
            "Invalid value: null used for required field: \"f\", schema type: INT32"
        );
    }
}
