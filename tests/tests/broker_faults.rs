//! Broker faults under a running pipeline: a standalone worker copies a growing file
//! through a topic into another file (file-source → Kafka → file-sink) while its broker
//! freezes (SIGSTOP/SIGCONT, as a long GC pause or a stalled host) or dies (`kill -9`)
//! and comes back. Afterwards every line has arrived, both tasks are RUNNING, and they
//! are still moving: lines appended after the fault arrive too.
//!
//! Each scenario runs its own broker: it is the one thing these tests break.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, append_lines, file_sink_config, file_source_config, read_lines, report,
    unique_name, wait_until, with, worker_props, write_properties,
};

/// The sink consumer's session: far shorter than the long freeze, so the broker
/// expires the sink's membership while it is frozen.
const SESSION_TIMEOUT_MS: u64 = 10_000;

/// How long after a fault every line must have arrived.
const CATCH_UP: Duration = Duration::from_secs(240);

enum Fault {
    /// SIGSTOP for this long, then SIGCONT.
    Freeze(Duration),
    /// `kill -9`, down for this long, then a restart on the same data.
    KillAndRestart(Duration),
}

fn line(i: usize) -> String {
    format!("fault-line {i:07} {}", "p".repeat(40))
}

/// Appends numbered lines to `input` (50 every 50 ms) until `stop` is set.
fn start_writer(
    input: PathBuf,
    stop: Arc<AtomicBool>,
    written: Arc<AtomicUsize>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let from = written.load(Ordering::SeqCst);
            append_lines(&input, (from..from + 50).map(line));
            written.store(from + 50, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

fn states(worker: &Worker, connector: &str) -> Vec<String> {
    let Some(status) = worker.status(connector) else {
        return vec!["no status".into()];
    };
    let mut states = vec![
        status["connector"]["state"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
    ];
    for task in status["tasks"].as_array().into_iter().flatten() {
        states.push(task["state"].as_str().unwrap_or("?").to_owned());
    }
    states
}

fn all_running(worker: &Worker, connectors: &[&str]) -> bool {
    connectors.iter().all(|c| {
        let states = states(worker, c);
        states.len() >= 2 && states.iter().all(|s| s == "RUNNING")
    })
}

/// Waits until `output` holds every line of `0..n`; returns how many were missing at
/// the deadline (0 when all arrived).
fn wait_all_arrived(output: &Path, from: usize, n: usize, timeout: Duration) -> usize {
    let expected: HashSet<String> = (from..n).map(line).collect();
    let mut missing = expected.len();
    wait_until(timeout, || {
        let seen: HashSet<String> = read_lines(output).into_iter().collect();
        missing = expected.iter().filter(|l| !seen.contains(*l)).count();
        missing == 0
    });
    missing
}

fn survive(fault: Fault, label: &str) {
    let mut broker = Broker::start();
    let data = tempfile::tempdir().expect("temp dir");
    let topic = unique_name(label);
    broker.create_topic(&topic, 3);
    let input = data.path().join("input.txt");
    let output = data.path().join("output.txt");
    append_lines(&input, (0..1000).map(line));
    let written = Arc::new(AtomicUsize::new(1000));

    let source_name = format!("{label}-source");
    let sink_name = format!("{label}-sink");
    let source = write_properties(
        &data.path().join("source.properties"),
        &with(
            file_source_config(&source_name, &input, &topic),
            "connector.class",
            "FileStreamSource",
        ),
    );
    let sink = write_properties(
        &data.path().join("sink.properties"),
        &with(
            file_sink_config(&sink_name, &output, &topic),
            "connector.class",
            "FileStreamSink",
        ),
    );
    let mut props = worker_props(&broker, &[data.path()]);
    props.insert(
        "consumer.session.timeout.ms".into(),
        SESSION_TIMEOUT_MS.to_string(),
    );
    props.insert("consumer.heartbeat.interval.ms".into(), "1000".into());
    let worker = Worker::start_standalone(props, &[source, sink]);
    let connectors = [source_name.as_str(), sink_name.as_str()];

    let flowing = wait_until(Duration::from_secs(120), || {
        read_lines(&output).len() >= 1000
    });
    assert!(
        flowing,
        "the pipeline never copied its first 1000 lines: {} in the output; source {:?}, sink {:?}",
        read_lines(&output).len(),
        states(&worker, &source_name),
        states(&worker, &sink_name),
    );

    let stop = Arc::new(AtomicBool::new(false));
    let writer = start_writer(input.clone(), stop.clone(), written.clone());
    std::thread::sleep(Duration::from_secs(2));
    let fault_started = Instant::now();
    match fault {
        Fault::Freeze(duration) => {
            broker.freeze();
            std::thread::sleep(duration);
            broker.thaw();
        }
        Fault::KillAndRestart(down) => {
            broker.kill();
            std::thread::sleep(down);
            broker.restart();
        }
    }
    let fault_took = fault_started.elapsed();
    // The input keeps growing for a while after the broker is back.
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer thread");
    let total = written.load(Ordering::SeqCst);

    let recovered = Instant::now();
    let missing = wait_all_arrived(&output, 0, total, CATCH_UP);
    assert_eq!(
        missing,
        0,
        "{label}: {missing} of {total} lines never reached the output within {CATCH_UP:?} of the \
         fault ({:?} records in the topic); source {:?}, sink {:?}",
        broker.record_count(&topic),
        states(&worker, &source_name),
        states(&worker, &sink_name),
    );
    let caught_up = recovered.elapsed();

    // Still healthy and still moving: every task RUNNING, and new lines get through.
    let running = wait_until(Duration::from_secs(60), || {
        all_running(&worker, &connectors)
    });
    assert!(
        running,
        "{label}: not every task is RUNNING after the fault: source {:?}, sink {:?}",
        states(&worker, &source_name),
        states(&worker, &sink_name),
    );
    append_lines(&input, (total..total + 500).map(line));
    let missing = wait_all_arrived(&output, total, total + 500, Duration::from_secs(120));
    assert_eq!(
        missing, 0,
        "{label}: {missing} of 500 lines appended after the fault never arrived: the \
         pipeline stopped moving"
    );

    let lines = read_lines(&output);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &lines {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    let duplicates: usize = counts.values().map(|c| c - 1).sum();
    report(&format!(
        "broker fault {label}: fault {fault_took:.1?}, {} lines, caught up {caught_up:.1?} after \
         the input stopped, {duplicates} duplicates, sink rejoins with a new consumer: {}",
        total + 500,
        worker.log_count("rejoining the consumer group with a new consumer")
    ));
}

#[test]
fn a_30_s_broker_freeze_loses_nothing() {
    survive(Fault::Freeze(Duration::from_secs(30)), "freeze30");
}

/// Longer than the sink's session timeout (10 s), the clients' request timeout (30 s)
/// and librdkafka's socket timeout (60 s): the sink loses its group membership and
/// must rejoin; the source's records wait in its producer and are delivered late.
#[test]
fn a_freeze_longer_than_every_timeout_loses_nothing() {
    survive(Fault::Freeze(Duration::from_secs(70)), "freeze70");
}

#[test]
fn a_broker_kill_and_restart_loses_nothing() {
    survive(Fault::KillAndRestart(Duration::from_secs(10)), "restart");
}
