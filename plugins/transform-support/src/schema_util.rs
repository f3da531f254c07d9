//! Kafka's `org.apache.kafka.connect.transforms.util.SchemaUtil`.

use ferry_sdk::Schema;

/// `copySchemaBasics(source)`: a schema of the same type (an array keeps its element
/// schema) with the source's name, version, doc and parameters, and nothing else:
/// not optional, no default, no fields, no map key/value schemas.
pub fn copy_schema_basics(source: &Schema) -> Schema {
    let mut builder = Schema::new(source.kind);
    if source.kind == ferry_sdk::SchemaType::Array {
        builder.value_schema = source.value_schema.clone();
    }
    copy_schema_basics_into(source, builder)
}

/// `copySchemaBasics(source, builder)`: `builder` with the source's name, version,
/// doc and parameters (e.g. `copy_schema_basics_into(s, Schema::structure())` for a
/// struct schema with `s`'s basics, whatever `s`'s type).
pub fn copy_schema_basics_into(source: &Schema, mut builder: Schema) -> Schema {
    builder.name = source.name.clone();
    builder.version = source.version;
    builder.doc = source.doc.clone();
    builder.parameters = source.parameters.clone();
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_name_version_doc_and_parameters_only() {
        let source = Schema::structure()
            .with_name("n")
            .with_version(3)
            .with_doc("d")
            .with_parameter("p", "v")
            .field("f", Schema::int32())
            .optional();
        let copy = copy_schema_basics(&source);
        assert_eq!(copy.name.as_deref(), Some("n"));
        assert_eq!(copy.version, Some(3));
        assert_eq!(copy.doc.as_deref(), Some("d"));
        assert_eq!(copy.parameters, vec![("p".to_string(), "v".to_string())]);
        assert!(copy.fields.is_empty());
        assert!(!copy.optional);
    }

    #[test]
    fn copies_the_basics_into_a_given_builder() {
        let source = Schema::array(Schema::int32())
            .with_name("n")
            .with_version(3)
            .with_doc("d")
            .with_parameter("p", "v")
            .optional();
        let copy = copy_schema_basics_into(&source, Schema::structure());
        let mut expected = copy_schema_basics(&source);
        expected.kind = ferry_sdk::SchemaType::Struct;
        expected.value_schema = None;
        assert_eq!(copy, expected);
    }
}
