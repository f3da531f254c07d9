//! Golden vectors from Apache Kafka itself: `tests/vectors/kafka-oracle.tsv` holds what
//! Kafka's own `JsonConverter` (compiled from Kafka's sources, Jackson, JDK 19+) answered
//! for each input: `fromConnectData(toConnectData(bytes))` and the exception message when
//! it threw. `tests/oracle/regenerate.sh` rebuilds the file.
//!
//! The corpus covers Kafka's `JsonConverterTest` inputs under five configs, numeric
//! coercions, random doubles and floats, strings with every kind of character, base64
//! edge cases, decimals in both formats, temporal types, parser quirks, other encodings,
//! envelope shapes, and random schema/payload trees. Inputs where Ferry knowingly
//! differs are left out by `tests/oracle/select.py` (each rule says why).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use json_converter::config::Options;
use json_converter::convert::JsonConverter;

const VECTORS: &str = include_str!("vectors/kafka-oracle.tsv");

fn converter(config: &str) -> JsonConverter {
    let pairs: Vec<(&str, &str)> = if config == "-" {
        Vec::new()
    } else {
        config
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .collect()
    };
    JsonConverter::new(Options::parse(pairs, Some(false)).expect("valid test config"))
}

#[test]
fn matches_kafka_json_converter() {
    let mut converters: HashMap<&str, JsonConverter> = HashMap::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (line_no, line) in VECTORS.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.splitn(5, '\t').collect();
        let [tag, config, input, status, expected] = fields[..] else {
            panic!("line {}: malformed vector", line_no + 1);
        };
        let input = (input != "-").then(|| STANDARD.decode(input).expect("base64 input"));
        let c = converters
            .entry(config)
            .or_insert_with(|| converter(config));
        let result = c
            .to_connect(input.as_deref())
            .and_then(|(schema, value)| c.from_connect(schema.as_ref(), &value));
        let ok = match (status, &result) {
            ("OK", Ok(None)) => expected == "-",
            ("OK", Ok(Some(bytes))) => {
                expected != "-" && STANDARD.decode(expected).ok().as_deref() == Some(bytes)
            }
            // Kafka's message, then (ours) the cause Kafka keeps in the exception chain.
            ("ERR", Err(e)) => e.to_string().starts_with(expected),
            _ => false,
        };
        checked += 1;
        if !ok {
            let shown = match &result {
                Ok(Some(bytes)) => format!("OK {}", String::from_utf8_lossy(bytes)),
                Ok(None) => "OK null".to_string(),
                Err(e) => format!("ERR {e}"),
            };
            let kafka = match status {
                "OK" if expected != "-" => {
                    let bytes = STANDARD.decode(expected).unwrap_or_default();
                    format!("OK {}", String::from_utf8_lossy(&bytes))
                }
                _ => format!("{status} {expected}"),
            };
            let input_text = input
                .as_deref()
                .map_or("null".into(), |b| String::from_utf8_lossy(b).into_owned());
            failures.push(format!(
                "line {} [{tag}, {config}] input {input_text}\n  kafka: {kafka}\n  ferry: {shown}",
                line_no + 1
            ));
        }
    }
    assert!(checked > 2000, "only {checked} vectors");
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors differ from Kafka:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
