//! Cast against the vectors Kafka 4.4.0's own `Cast` produced.
//!
//! Known differences (see the README):
//! - a whole-value cast of a Date or Time to int32, or of a Timestamp to int64: Kafka
//!   keeps the logical schema name (`SchemaUtil.copySchemaBasics`) on the plain
//!   Integer/Long, which its JsonConverter then refuses; Ferry's value is the same
//!   physical number, so the record is a valid Date/Time/Timestamp again. Selected
//!   from the vectors by Kafka's answer.
//! - [`JDK17_FLOAT_TEXT`]: the oracle runs on JDK 17, whose `Float.toString` /
//!   `Double.toString` are not the shortest round-trip decimals (`2.0E23` prints
//!   `1.9999999999999998E23`, `1.23456792E8f` instead of `1.2345679E8`); Ferry (Cast
//!   and its JSON converter) follows JDK 19+, where they are. With an oracle on
//!   JDK 19+ these vectors agree and this list must be emptied.

use cast::{Cast, KeySide, ValueSide};
use transform_oracle::{Expected, vectors};

const JDK17_FLOAT_TEXT: &[&str] = &[
    "whole-float32/int64-value",
    "whole-float32/float64-value",
    "whole-float32-own/str-6",
    "whole-float32-own/str-schemaless-6",
    "whole-float32-own/str-7",
    "whole-float32-own/str-schemaless-7",
    "whole-float32-own/double-5",
    "whole-float32-own/float-5",
    "whole-float32-own/double-schemaless-5",
    "whole-float32-own/double-15",
    "whole-float32-own/float-15",
    "whole-float32-own/double-schemaless-15",
    "whole-float32-own/double-16",
    "whole-float32-own/float-16",
    "whole-float32-own/double-schemaless-16",
    "whole-float32-own/long-10",
    "whole-float32-own/long-schemaless-10",
    "whole-float32-own/long-11",
    "whole-float32-own/long-schemaless-11",
    "whole-float32-own/long-15",
    "whole-float32-own/long-schemaless-15",
    "fields-float32/struct-logical",
    "whole-string-own/float-5",
    "whole-string-own/double-6",
    "whole-string-own/double-schemaless-6",
    "whole-string-own/double-7",
    "whole-string-own/double-schemaless-7",
    "whole-string-own/float-15",
    "whole-string-own/float-16",
];

const LOGICAL_NAME_KEPT: &str = "whole-value cast of a Date/Time/Timestamp to its own physical type: Kafka's output keeps the logical name on a plain number its JsonConverter refuses; Ferry's is the same logical value";
const JDK17: &str = "the oracle's JDK 17 prints floats with the pre-JDK 19 algorithm; Ferry prints the shortest round-trip decimal (JDK 19+)";

fn known(class: &str) -> Vec<(String, &'static str)> {
    let mut known: Vec<(String, &'static str)> = vectors(class)
        .into_iter()
        .filter_map(|v| match &v.expected {
            Expected::Error {
                message: Some(m),
                stage: Some(stage),
                ..
            } if stage == "serialize"
                && (m == "Invalid type for Date, expected Date but was class java.lang.Integer"
                    || m == "Invalid type for Time, expected Date but was class java.lang.Integer"
                    || m == "Invalid type for Timestamp, expected Date but was class java.lang.Long") =>
            {
                Some((v.id, LOGICAL_NAME_KEPT))
            }
            _ => None,
        })
        .collect();
    if class.ends_with("$Value") {
        known.extend(JDK17_FLOAT_TEXT.iter().map(|id| (id.to_string(), JDK17)));
    }
    known
}

fn check<T: ferry_sdk::Transform>(class: &str) {
    let known = known(class);
    let known: Vec<(&str, &str)> = known.iter().map(|(id, why)| (id.as_str(), *why)).collect();
    transform_oracle::check_transform::<T>(class, &known);
}

#[test]
fn matches_kafka_cast_key() {
    check::<Cast<KeySide>>("org.apache.kafka.connect.transforms.Cast$Key");
}

#[test]
fn matches_kafka_cast_value() {
    check::<Cast<ValueSide>>("org.apache.kafka.connect.transforms.Cast$Value");
}
