//! MaskField against the vectors Kafka 4.4.0's own MaskField produced
//! (`transform-oracle/oracle/cases/MaskField.json`).

use mask_field::{KeySide, MaskField, ValueSide};

/// Kafka's MaskField puts a `BigDecimal` of another scale than the field's Decimal
/// schema into the struct (`BigDecimal.ZERO` has scale 0; `new BigDecimal(replacement)`
/// the replacement's), which the converter then refuses. Ferry holds a Decimal as its
/// unscaled value at the schema's scale, so MaskField refuses it itself, with the
/// converter's message: the same error, raised by the transform, not the converter.
const DECIMAL_SCALE: &str = "a decimal of another scale than its schema's fails in the transform, not in the converter (same message)";

#[test]
fn matches_kafka_mask_field_value() {
    transform_oracle::check_transform::<MaskField<ValueSide>>(
        "org.apache.kafka.connect.transforms.MaskField$Value",
        &[
            ("decimal-scale-2/struct-logical", DECIMAL_SCALE),
            ("decimal-scale-2/struct-logical-set", DECIMAL_SCALE),
            (
                "decimal-replacement-other-scale/struct-logical",
                DECIMAL_SCALE,
            ),
            (
                "decimal-replacement-other-scale/struct-logical-set",
                DECIMAL_SCALE,
            ),
            (
                "decimal-scale-0-exponent-replacement/struct-decimal-scale0",
                DECIMAL_SCALE,
            ),
        ],
    );
}

#[test]
fn matches_kafka_mask_field_key() {
    transform_oracle::check_transform::<MaskField<KeySide>>(
        "org.apache.kafka.connect.transforms.MaskField$Key",
        &[],
    );
}
