//! Throughput benchmark (not a test): one Apache Kafka 4.4.0 broker, N lines
//! copied file → topic → file twice:
//!
//! 1. a raw rdkafka pipe: produce the file's lines with `acks=all` while a consumer
//!    writes them to a file;
//! 2. Ferry standalone: file-source → topic → file-sink, on fresh topics, timed after a
//!    one-line warm-up (connectors running, sink group joined) from appending the rest
//!    of the file to the source's input.
//!
//! Both outputs are checked against the input; the table shows records/s of each, the
//! Ferry/raw ratio and the Ferry worker's peak RSS.
//!
//! Usage: `bench [--lines N]` (default 200,000). `scripts/bench.sh` builds everything
//! first.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ferry_tests::{
    Broker, Worker, XorShift, file_sink_config, file_source_config, unique_name,
    wait_until, worker_props,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

const DEFAULT_LINES: usize = 200_000;
const PIPE_TIMEOUT: Duration = Duration::from_secs(1800);

fn main() -> Result<()> {
    let lines = parse_args()?;
    let broker = Broker::start();
    let dir = tempfile::Builder::new().prefix("ferry-bench-").tempdir()?;
    let input = dir.path().join("input.txt");
    generate(&input, lines)?;
    let input_bytes = fs::metadata(&input)?.len();
    eprintln!(
        "bench: {lines} lines, {:.1} MB, Apache Kafka 4.4.0 broker {}",
        input_bytes as f64 / 1e6,
        broker.bootstrap_servers()
    );

    let raw_out = dir.path().join("raw-output.txt");
    let raw = raw_pipe(&broker, &input, &raw_out, lines).context("raw rdkafka pipe")?;
    ensure!(
        fs::read(&raw_out)? == fs::read(&input)?,
        "raw pipe output differs from the input"
    );
    eprintln!("bench: raw pipe done in {raw:.2?}");

    let ferry_out = dir.path().join("ferry-output.txt");
    let (ferry, peak_rss) =
        ferry_pipe(&broker, dir.path(), &input, &ferry_out).context("ferry pipeline")?;
    ensure!(
        fs::read(&ferry_out)? == fs::read(&input)?,
        "ferry output differs from the input"
    );
    eprintln!("bench: ferry pipeline done in {ferry:.2?}");

    // The Ferry run times all but the warm-up line.
    let ferry_lines = lines.saturating_sub(1).max(1);
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let mbps = |d: Duration| input_bytes as f64 / 1e6 / d.as_secs_f64();
    println!();
    println!(
        "Ferry benchmark: {lines} lines ({:.1} MB), one Apache Kafka 4.4.0 broker, {} cores",
        input_bytes as f64 / 1e6,
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| pipeline                                  | seconds | records/s |  MB/s |");
    println!("|-------------------------------------------|--------:|----------:|------:|");
    for (name, n, d) in [
        ("raw rdkafka pipe (acks=all)", lines, raw),
        (
            "ferry standalone file-source → file-sink",
            ferry_lines,
            ferry,
        ),
    ] {
        println!(
            "| {name:<41} | {:>7.2} | {:>9.0} | {:>5.1} |",
            d.as_secs_f64(),
            rate(n, d),
            mbps(d)
        );
    }
    println!();
    println!(
        "ferry / raw throughput: {:.2}",
        rate(ferry_lines, ferry) / rate(lines, raw)
    );
    println!(
        "ferry worker peak RSS (VmHWM): {:.1} MiB",
        peak_rss as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

fn parse_args() -> Result<usize> {
    let mut args = std::env::args().skip(1);
    let mut lines = DEFAULT_LINES;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" | "-n" => {
                let value = args.next().context("--lines needs a number")?;
                lines = value.replace('_', "").parse().context("--lines")?;
            }
            "--help" | "-h" => {
                println!("usage: bench [--lines N]   (default {DEFAULT_LINES})");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (usage: bench [--lines N])"),
        }
    }
    ensure!(lines > 0, "--lines must be positive");
    Ok(lines)
}

/// N lines of ~100 bytes: a sequence number and a pseudo-random payload.
fn generate(path: &Path, lines: usize) -> Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut rng = XorShift::new(7);
    for i in 0..lines {
        let payload: String = (0..80)
            .map(|_| char::from(b'a' + rng.below(26) as u8))
            .collect();
        writeln!(out, "bench {i:010} {payload}")?;
    }
    out.flush()?;
    Ok(())
}

/// Produces the file's lines (acks=all) while a consumer writes them to `output`;
/// returns the time from the first send until the output holds every line.
fn raw_pipe(broker: &Broker, input: &Path, output: &Path, lines: usize) -> Result<Duration> {
    let topic = unique_name("bench-raw");
    broker.create_topic(&topic, 1);

    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("bench-raw-reader"))
        .set("enable.auto.commit", "false")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(&topic, 0, Offset::Beginning)?;
    consumer.assign(&assignment)?;
    let output = output.to_path_buf();
    let reader = thread::spawn(move || -> Result<Instant> {
        let mut out = BufWriter::new(File::create(&output)?);
        let deadline = Instant::now() + PIPE_TIMEOUT;
        let mut seen = 0;
        while seen < lines {
            ensure!(
                Instant::now() < deadline,
                "consumer read only {seen} of {lines}"
            );
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(message)) => {
                    out.write_all(message.payload().unwrap_or_default())?;
                    out.write_all(b"\n")?;
                    seen += 1;
                }
                Some(Err(e)) => eprintln!("bench: consume: {e}"),
                None => {}
            }
        }
        out.flush()?;
        Ok(Instant::now())
    });

    let producer: BaseProducer = broker
        .client_config()
        .set("acks", "all")
        .set("linger.ms", "5")
        .create()?;
    let started = Instant::now();
    let file = BufReader::new(File::open(input)?);
    for line in file.split(b'\n') {
        let line = line?;
        let mut record = BaseRecord::<(), [u8]>::to(&topic).payload(&line[..]);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => bail!("produce: {e}"),
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(PIPE_TIMEOUT)?;
    let finished = match reader.join() {
        Ok(result) => result?,
        Err(_) => bail!("the consumer thread panicked"),
    };
    Ok(finished - started)
}

/// Runs a standalone worker with file-sink and file-source. The pipeline is warmed up
/// with the input's first line (connectors running, the sink's consumer group joined),
/// then the rest of the input is appended to the source file at once; returns the time
/// from that append until the output file is as long as the input (so the rate is over
/// `lines - 1` records), and the worker's peak RSS in bytes.
fn ferry_pipe(broker: &Broker, dir: &Path, input: &Path, output: &Path) -> Result<(Duration, u64)> {
    let topic = unique_name("bench-ferry");
    broker.create_topic(&topic, 1);
    let all = fs::read(input)?;
    let first_len = all
        .iter()
        .position(|&b| b == b'\n')
        .map_or(all.len(), |i| i + 1);
    let source_file = dir.join("ferry-input.txt");
    fs::write(&source_file, &all[..first_len])?;

    let mut props = worker_props(broker, &[dir]);
    props.insert("offset.flush.interval.ms".into(), "10000".into());
    let mut worker = Worker::start_standalone(props, &[]);
    let pid = worker.pid().context("worker pid")?;

    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(rss) = memory_kib(pid) {
                    peak.fetch_max(rss * 1024, Ordering::Relaxed);
                }
                thread::sleep(Duration::from_millis(50));
            }
        })
    };

    let rest = worker.rest().clone();
    let (status, body) = rest.create_connector(
        "bench-sink",
        &file_sink_config("bench-sink", output, &topic),
    );
    ensure!(status == 201, "create sink: {status} {body}");
    let (status, body) = rest.create_connector(
        "bench-source",
        &file_source_config("bench-source", &source_file, &topic),
    );
    ensure!(status == 201, "create source: {status} {body}");
    let output_len = || fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    ensure!(
        wait_until(Duration::from_secs(300), || output_len()
            >= first_len as u64),
        "the warm-up line never reached the output; source {:?}, sink {:?}",
        worker.status("bench-source"),
        worker.status("bench-sink")
    );

    let started = Instant::now();
    let mut file = fs::OpenOptions::new().append(true).open(&source_file)?;
    file.write_all(&all[first_len..])?;
    file.flush()?;
    drop(file);
    let done = wait_until(PIPE_TIMEOUT, || output_len() >= all.len() as u64);
    let elapsed = started.elapsed();
    ensure!(
        done,
        "ferry copied {} of {} bytes; source {:?}, sink {:?}",
        output_len(),
        all.len(),
        worker.status("bench-source"),
        worker.status("bench-sink")
    );

    if let Some(hwm) = memory_kib(pid) {
        peak.fetch_max(hwm * 1024, Ordering::Relaxed);
    }
    stop.store(true, Ordering::Relaxed);
    if sampler.join().is_err() {
        bail!("the RSS sampler panicked");
    }
    worker.stop();
    Ok((elapsed, peak.load(Ordering::Relaxed)))
}

/// The larger of VmHWM (peak) and VmRSS (current), in KiB, from `/proc/<pid>/status`.
fn memory_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .filter(|l| l.starts_with("VmHWM:") || l.starts_with("VmRSS:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .max()
}
