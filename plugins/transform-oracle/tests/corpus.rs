//! Every corpus record reads and writes back unchanged through Ferry's JsonConverter
//! (the oracle checks the same with Kafka's), so both sides start from equal values.

use serde_json::Value as Json;

#[test]
fn corpus_round_trips_through_ferry_json_converter() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/oracle/records.json");
    let text = std::fs::read_to_string(path).expect("records.json");
    let corpus: Json = serde_json::from_str(&text).expect("records.json is JSON");
    let records = corpus["records"].as_object().expect("{\"records\": {...}}");
    assert!(records.len() > 40, "only {} corpus records", records.len());
    let mut problems = Vec::new();
    for (name, rec) in records {
        let normalized = serde_json::json!({
            "topic": rec["topic"],
            "partition": rec.get("partition").cloned().unwrap_or(Json::Null),
            "kafka_offset": rec.get("kafka_offset").cloned().unwrap_or(Json::Null),
            "timestamp": rec.get("timestamp").cloned().unwrap_or(Json::Null),
            "key": rec.get("key").cloned().unwrap_or(Json::Null),
            "value": rec.get("value").cloned().unwrap_or(Json::Null),
            "headers": rec.get("headers").cloned().unwrap_or(Json::Array(Vec::new())),
        });
        match transform_oracle::read_record(rec).and_then(|r| transform_oracle::write_record(&r)) {
            Ok(back) if back == normalized => {}
            Ok(back) => problems.push(format!("{name}:\n  in:  {normalized}\n  out: {back}")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn vectors_parse_and_inputs_read() {
    // Every committed vector parses, and every distinct input reads through Ferry's
    // converter.
    let dir = transform_oracle::vectors_dir();
    let mut seen = 0;
    let mut inputs = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("vectors dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("vector file");
        let classes: std::collections::BTreeSet<String> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Json>(l).ok())
            .filter_map(|j| j["class"].as_str().map(str::to_string))
            .collect();
        for class in classes {
            for v in transform_oracle::vectors(&class) {
                if let Some(input) = &v.input
                    && inputs.insert(input.to_string())
                {
                    let _ = v.input_record();
                }
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no vectors in {}", dir.display());
}
