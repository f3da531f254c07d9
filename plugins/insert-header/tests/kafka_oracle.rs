//! Ferry's InsertHeader against the vectors Kafka 4.4.0's own InsertHeader wrote.

use insert_header::InsertHeader;

/// Kafka's `Values.parseString` gives a list or map whose elements have no common
/// schema an array / map schema without element (or value, or key) schema. Ferry's
/// WIT needs every child schema, so such literals become schemaless headers (see the
/// README).
const INCOMPLETE_SCHEMA: &str = "Values.parseString's array/map schema without child schemas cannot cross Ferry's WIT: the header is schemaless";

#[test]
fn matches_kafka_insert_header() {
    transform_oracle::check_transform::<InsertHeader>(
        "org.apache.kafka.connect.transforms.InsertHeader",
        &[
            ("array-mixed/headers-mixed", INCOMPLETE_SCHEMA),
            ("array-mixed/tombstone-source", INCOMPLETE_SCHEMA),
            ("array-empty/headers-mixed", INCOMPLETE_SCHEMA),
            ("array-empty/tombstone-source", INCOMPLETE_SCHEMA),
            ("map-mixed/headers-mixed", INCOMPLETE_SCHEMA),
            ("map-mixed/tombstone-source", INCOMPLETE_SCHEMA),
            ("map-empty/headers-mixed", INCOMPLETE_SCHEMA),
            ("map-empty/tombstone-source", INCOMPLETE_SCHEMA),
            ("json-ish/headers-mixed", INCOMPLETE_SCHEMA),
            ("json-ish/tombstone-source", INCOMPLETE_SCHEMA),
        ],
    );
}
