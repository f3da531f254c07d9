//! Drift check: the committed vectors are what Kafka answers today. Regenerates every
//! vector file with `oracle/regenerate.sh` into a temp dir and compares. Skipped (with
//! a note) when `javac` or Kafka's jars (`build/kafka/libs`, see `scripts/setup.sh`)
//! are missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn file_names(dir: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(ext))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn committed_vectors_match_kafka() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let libs = std::env::var_os("FERRY_KAFKA_LIBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../build/kafka/libs"));
    if !libs.join("connect-transforms-4.4.0.jar").exists() {
        eprintln!(
            "SKIPPED: no Kafka jars in {} (run `bash scripts/setup.sh`)",
            libs.display()
        );
        return;
    }
    if Command::new("javac").arg("-version").output().is_err() {
        eprintln!("SKIPPED: javac not found");
        return;
    }
    let out = tempfile::tempdir().expect("temp dir");
    let run = Command::new("bash")
        .arg(crate_dir.join("oracle/regenerate.sh"))
        .env("FERRY_KAFKA_LIBS", &libs)
        .env("ORACLE_OUT", out.path())
        .output()
        .expect("run regenerate.sh");
    assert!(
        run.status.success(),
        "oracle/regenerate.sh failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    let committed_dir = crate_dir.join("vectors");
    let cases: BTreeSet<String> = file_names(&crate_dir.join("oracle/cases"), ".json")
        .into_iter()
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    let committed: BTreeSet<String> = file_names(&committed_dir, ".jsonl")
        .into_iter()
        .map(|n| n.trim_end_matches(".jsonl").to_string())
        .collect();
    let mut problems = Vec::new();
    for stale in committed.difference(&cases) {
        problems.push(format!(
            "vectors/{stale}.jsonl has no oracle/cases/{stale}.json: delete it"
        ));
    }
    for name in &cases {
        let fresh = std::fs::read_to_string(out.path().join(format!("{name}.jsonl")))
            .expect("regenerated vectors");
        match std::fs::read_to_string(committed_dir.join(format!("{name}.jsonl"))) {
            Err(_) => problems.push(format!(
                "vectors/{name}.jsonl is missing: run oracle/regenerate.sh {name}"
            )),
            Ok(old) if old != fresh => {
                let old_lines: Vec<&str> = old.lines().collect();
                let new_lines: Vec<&str> = fresh.lines().collect();
                let first = old_lines
                    .iter()
                    .zip(&new_lines)
                    .position(|(a, b)| a != b)
                    .unwrap_or(old_lines.len().min(new_lines.len()));
                problems.push(format!(
                    "vectors/{name}.jsonl is stale ({} committed lines, {} now; first difference at line {}): run oracle/regenerate.sh {name}",
                    old_lines.len(),
                    new_lines.len(),
                    first + 1
                ));
            }
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
