//! A transform written in Python (`py-uppercase`, built with componentize-py) in a
//! file → topic → file pipeline.

use std::time::Duration;

use ferry_tests::{
    Broker, Worker, file_sink_config, file_source_config, read_lines, unique_name, wait_until,
    with, worker_props, write_lines, write_properties,
};

#[test]
fn python_uppercase_transform_upper_cases_every_line() {
    const LINES: usize = 2000;
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("upper");
    broker.create_topic(&topic, 1);

    let input = data.path().join("input.txt");
    let output = data.path().join("output.txt");
    let lines: Vec<String> = (0..LINES)
        .map(|i| format!("Hello, ferry {i}: MiXeD case & digits 42 ok"))
        .collect();
    write_lines(&input, &lines);

    let mut source = file_source_config("upper-source", &input, &topic);
    source = with(source, "transforms", "upper");
    source = with(source, "transforms.upper.type", "py-uppercase");
    let source = write_properties(&data.path().join("source.properties"), &source);
    let sink = write_properties(
        &data.path().join("sink.properties"),
        &file_sink_config("upper-sink", &output, &topic),
    );
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[source, sink]);

    let done = wait_until(Duration::from_secs(300), || {
        read_lines(&output).len() >= LINES
    });
    let got = read_lines(&output);
    assert!(
        done,
        "output has {} of {LINES} lines; source status {:?}, sink status {:?}",
        got.len(),
        worker.status("upper-source"),
        worker.status("upper-sink")
    );
    let expected: Vec<String> = lines.iter().map(|l| l.to_uppercase()).collect();
    if let Some(i) = (0..LINES).find(|&i| got[i] != expected[i]) {
        panic!(
            "line {i} is not upper-cased: got {:?}, expected {:?}",
            got[i], expected[i]
        );
    }
    assert_eq!(got.len(), LINES, "no extra output lines");
}
