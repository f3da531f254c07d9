//! schemathesis (PyPI) fuzzes a live worker from its own `/openapi.json`: no 5xx,
//! and every response matches the documented schema and status codes.

use std::process::Command;

use ferry_tests::{Broker, Worker, file_source_config, unique_name, worker_props, write_lines};

#[test]
fn schemathesis_finds_no_server_errors_or_schema_violations() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    // One real connector, so fuzzed requests also meet existing names.
    let topic = unique_name("fuzz");
    broker.create_topic(&topic, 1);
    let input = data.path().join("in.txt");
    write_lines(&input, ["a"]);
    let (status, body) = worker
        .rest()
        .create_connector("fuzzed", &file_source_config("fuzzed", &input, &topic));
    assert_eq!(status, 201, "{body}");

    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let url = format!("{}/openapi.json", worker.rest().base());
    let output = Command::new(&python)
        .args([
            "-c",
            "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
            "run",
            &url,
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--seed",
            "1",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run schemathesis with {python}: {e} (scripts/setup.sh installs it)"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}\n--- worker log ---\n{}",
        worker.log_tail(50)
    );
    // The summary (operations and test cases run) goes to the test log.
    let summary: Vec<&str> = stdout.lines().rev().take(12).collect();
    for line in summary.into_iter().rev() {
        eprintln!("schemathesis: {line}");
    }
    assert!(
        stdout.contains("passed"),
        "schemathesis ran no test cases:\n{stdout}"
    );
    assert!(
        worker.rest().get("/health").0 == 200,
        "worker unhealthy after fuzzing"
    );
}
