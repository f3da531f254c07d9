//! Byte-exact outputs, for transforms whose schemaless outputs are maps they build.
//!
//! [`check_transform`](crate::check_transform) compares outputs as parsed JSON, where
//! the key order of an object does not count, and reads inputs through `serde_json`,
//! whose sorted keys change a map's insertion order. But the key order of a
//! schemaless map is what a consumer sees: Kafka writes a map a transform builds in
//! the iteration order of the `HashMap` it built (which depends on the insertion
//! order within a bucket), and a Ferry port that builds maps (`MaskField`,
//! `ReplaceField`) must write them in that order too. [`check_transform_bytes`]
//! checks that.

use ferry_sdk::{Config, Transform};
use json_converter::config::ConverterType;
use json_converter::{convert, json};

use crate::{converter_options, read_record, simple_name, vectors_dir};

/// Checks that every record Kafka's `class` wrote in its vectors, written by Ferry's
/// JsonConverter from `T`'s output, is the very same bytes (key and value envelopes),
/// including the key order of schemaless maps. Inputs are read from each vector
/// line's own bytes (so maps keep Kafka's insertion order); vectors whose config
/// fails or whose output is an error or a dropped record are skipped (the oracle
/// harness checks those). Panics with every difference, or if no record was checked.
pub fn check_transform_bytes<T: Transform>(class: &str) {
    let path = vectors_dir().join(format!("{}.jsonl", simple_name(class)));
    let text = std::fs::read_to_string(&path).expect("vectors");
    let mut current: Option<(String, T)> = None;
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in text.lines() {
        let Ok(Some(node)) = json::parse(line.as_bytes()) else {
            panic!("bad vector line {line}");
        };
        if node.get("class").and_then(json::Node::as_str) != Some(class) {
            continue;
        }
        let vector: serde_json::Value = serde_json::from_str(line).expect("json");
        let Some(input) = vector.get("input") else {
            continue;
        };
        let case = vector["case"].as_str().expect("case").to_string();
        if current.as_ref().is_none_or(|(c, _)| *c != case) {
            let mut config = Config::new();
            for (k, v) in vector["config"].as_object().expect("config") {
                config.set(k.clone(), v.as_str().expect("string"));
            }
            current = T::open(config).ok().map(|t| (case.clone(), t));
        }
        let Some((_, transform)) = current.as_mut() else {
            continue;
        };
        let mut record = read_record(input).expect("input");
        // The key and value again, from the line's own bytes: the harness reads them
        // through serde_json, which sorts object keys, and the insertion order of a
        // map decides its `HashMap` order within a bucket.
        let input_node = node.get("input").expect("input");
        for (part, kind) in [("key", ConverterType::Key), ("value", ConverterType::Value)] {
            let (start, end) = input_node.member(part).expect("part").span;
            let raw = &line.as_bytes()[start..end];
            let data = (raw != b"null").then_some(raw);
            let read = convert::deserialize(data, &converter_options(kind)).expect("readable");
            match part {
                "key" => (record.key_schema, record.key) = read,
                _ => (record.value_schema, record.value) = read,
            }
        }
        let Ok(Some(out)) = transform.apply_record(record) else {
            continue;
        };
        let Some(json::Node::Object(members)) = node.get("output") else {
            continue;
        };
        if !members.iter().any(|m| m.key == "topic") {
            continue; // an error, not a record
        }
        for (part, kind, schema, value) in [
            ("key", ConverterType::Key, out.key_schema.as_ref(), &out.key),
            (
                "value",
                ConverterType::Value,
                out.value_schema.as_ref(),
                &out.value,
            ),
        ] {
            let member = members.iter().find(|m| m.key == part).expect("part");
            let (start, end) = member.span;
            let kafka = &line[start..end];
            let ferry = match convert::serialize(schema, value, &converter_options(kind)) {
                Ok(Some(bytes)) => String::from_utf8(bytes).expect("utf8"),
                Ok(None) => "null".to_string(),
                Err(e) => format!("<error {e}>"),
            };
            if ferry != kafka {
                failures.push(format!(
                    "{} {part}:\n    kafka: {kafka}\n    ferry: {ferry}",
                    vector["id"]
                ));
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no records checked for {class}");
    assert!(
        failures.is_empty(),
        "{} of {checked} outputs differ from Kafka's bytes:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
