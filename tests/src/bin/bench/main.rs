//! Benchmark (not a test): Ferry side by side with Apache Kafka Connect 4.4.0 and a
//! raw rdkafka pipe, on one Apache Kafka 4.4.0 broker, in one run:
//!
//! 1. Ferry's start-up: a cold start on an empty compile cache, then warm starts;
//! 2. standalone file → topic → file with the same connector configs
//!    (`FileStreamSource` → topic → `FileStreamSink`, StringConverter) on Ferry, then
//!    on Kafka Connect, then the same file through a raw rdkafka producer/consumer;
//!    every output is checked byte for byte against the input;
//! 3. JSON with schemas through a chain of five of Kafka's transforms into a
//!    `FileStreamSink`, on each side, with and without the chain (the outputs must be
//!    identical): records/s and each transform's cost per record;
//! 4. three-worker clusters of each: create → balanced, a fourth worker → balanced,
//!    `kill -9` → failed-over.
//!
//! A markdown table with the machine and versions is printed at the end.
//!
//! Usage: `bench [--lines N] [--chain-records N]` (default 1,000,000 lines of ~100
//! bytes, 200,000 change events). `bench --only-transforms` runs scenario 3 alone.
//! `bench --baseline-ferry PATH [--baseline-plugins DIR] [--rounds N]` instead runs
//! only the standalone pipeline, on this build and on the `ferry` binary at PATH
//! (with the plugins in DIR, built for that binary's WIT, if it differs) in
//! alternating rounds (default 3 each), and prints both medians and their ratio. The temp dir
//! with every worker's properties and log is kept when the run fails, or always with
//! `FERRY_BENCH_KEEP=1`.
//! `scripts/bench.sh` builds everything first.

mod baseline;
mod configs;
mod connectors;
mod distributed;
mod ferry_start;
mod node;
mod raw;
mod report;
mod standalone;
mod transforms;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ferry_tests::{Broker, XorShift, unique_name};
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::node::Flavor;

const DEFAULT_LINES: usize = 1_000_000;
const DEFAULT_CHAIN_RECORDS: usize = 200_000;
const DEFAULT_PG_ROWS: usize = 100_000;
const DEFAULT_HTTP_RECORDS: usize = 100_000;

/// What to run.
struct Args {
    lines: usize,
    chain_records: usize,
    only_transforms: bool,
    only_connectors: bool,
    pg_rows: usize,
    http_records: usize,
    baseline: Option<std::path::PathBuf>,
    baseline_plugins: Option<std::path::PathBuf>,
    rounds: usize,
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let dir = tempfile::Builder::new().prefix("ferry-bench-").tempdir()?;
    let result = match &args.baseline {
        Some(baseline) => run_baseline(&args, baseline, dir.path()),
        None if args.only_transforms => run_transforms(args.chain_records, dir.path()),
        None if args.only_connectors => run_connectors(&args, dir.path()),
        None => run(&args, dir.path()),
    };
    if result.is_err() || std::env::var_os("FERRY_BENCH_KEEP").is_some() {
        // Keep the worker logs and configs for a look.
        eprintln!("bench: files kept in {}", dir.keep().display());
    }
    result
}

fn run(args: &Args, dir: &Path) -> Result<()> {
    let lines = args.lines;
    let broker = Broker::start();
    let input = dir.join("input.txt");
    generate(&input, lines)?;
    let input_bytes = fs::metadata(&input)?.len();
    eprintln!(
        "bench: {lines} lines, {:.1} MB, Apache Kafka 4.4.0 broker {}",
        input_bytes as f64 / 1e6,
        broker.bootstrap_servers()
    );
    warm_up(&broker).context("broker warm-up")?;
    // Empty for the cold start; every later Ferry worker starts on what it compiled.
    let cache_dir = dir.join("ferry-plugin-cache");

    let (cold, warm) =
        ferry_start::cold_and_warm(&broker, dir, &cache_dir).context("ferry start-up")?;
    eprintln!(
        "bench: ferry cold start {:.2?}, warm start {:.2?}",
        cold.ready, warm.ready
    );

    let ferry = standalone::run(Flavor::Ferry, &broker, dir, &cache_dir, &input)
        .context("ferry standalone")?;
    eprintln!("bench: ferry standalone copy done in {:.2?}", ferry.copy);
    let kafka = standalone::run(Flavor::KafkaConnect, &broker, dir, &cache_dir, &input)
        .context("kafka connect standalone")?;
    eprintln!(
        "bench: kafka connect standalone copy done in {:.2?}",
        kafka.copy
    );

    let raw_out = dir.join("raw-output.txt");
    let raw = raw::run(&broker, &input, &raw_out, lines).context("raw rdkafka pipe")?;
    ensure!(
        fs::read(&raw_out)? == fs::read(&input)?,
        "raw pipe output differs from the input"
    );
    eprintln!("bench: raw pipe done in {raw:.2?}");

    let chain =
        transforms::run(&broker, dir, &cache_dir, args.chain_records).context("transform chain")?;

    let kafka_cluster = distributed::run(Flavor::KafkaConnect, &broker, dir, &cache_dir)
        .context("kafka connect cluster")?;
    eprintln!(
        "bench: kafka connect cluster: failover {:.2?}",
        kafka_cluster.failover
    );
    let ferry_cluster =
        distributed::run(Flavor::Ferry, &broker, dir, &cache_dir).context("ferry cluster")?;
    eprintln!(
        "bench: ferry cluster: failover {:.2?}",
        ferry_cluster.failover
    );

    report::print(&report::Results {
        lines,
        input_bytes,
        raw,
        ferry,
        kafka,
        cold,
        warm,
        ferry_cluster,
        kafka_cluster,
    });
    report::print_transforms(&chain);
    let network = connectors::run(&broker, dir, &cache_dir, args.pg_rows, args.http_records)
        .context("network connectors")?;
    report::print_connectors(&network);
    Ok(())
}

/// The network connectors alone (`--only-connectors`).
fn run_connectors(args: &Args, dir: &Path) -> Result<()> {
    let broker = Broker::start();
    warm_up(&broker).context("broker warm-up")?;
    let cache_dir = dir.join("ferry-plugin-cache");
    let network = connectors::run(&broker, dir, &cache_dir, args.pg_rows, args.http_records)
        .context("network connectors")?;
    report::print_connectors(&network);
    Ok(())
}

/// Scenario 3 alone (`--only-transforms`).
fn run_transforms(records: usize, dir: &Path) -> Result<()> {
    let broker = Broker::start();
    warm_up(&broker).context("broker warm-up")?;
    let cache_dir = dir.join("ferry-plugin-cache");
    let chain = transforms::run(&broker, dir, &cache_dir, records).context("transform chain")?;
    report::print_transforms(&chain);
    Ok(())
}

fn run_baseline(args: &Args, baseline: &Path, dir: &Path) -> Result<()> {
    ensure!(baseline.is_file(), "{} is not a file", baseline.display());
    let _ = node::BASELINE_FERRY.set(baseline.to_path_buf());
    if let Some(dir) = &args.baseline_plugins {
        ensure!(dir.is_dir(), "{} is not a directory", dir.display());
        let _ = node::BASELINE_PLUGINS.set(dir.clone());
    }
    let broker = Broker::start();
    let input = dir.join("input.txt");
    generate(&input, args.lines)?;
    warm_up(&broker).context("broker warm-up")?;
    let cache_dir = dir.join("ferry-plugin-cache");
    baseline::run(&broker, dir, &cache_dir, &input, baseline, args.rounds)
}

/// Runs one consumer group to its first record, so the broker creates
/// `__consumer_offsets` now rather than during whichever measurement first joins a
/// group (that costs the first sink ~3 s on a fresh broker).
fn warm_up(broker: &Broker) -> Result<()> {
    let topic = unique_name("bench-warm-up");
    broker.create_topic(&topic, 1);
    broker.produce(&topic, &["warm-up"]);
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("bench-warm-up"))
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(&[&topic])?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(100)) {
            return Ok(());
        }
    }
    bail!("a consumer group never received its first record")
}

const USAGE: &str = "usage: bench [--lines N] [--chain-records N] [--only-transforms] \
     [--pg-rows N] [--http-records N] [--only-connectors] \
     [--baseline-ferry PATH [--baseline-plugins DIR] [--rounds N]]";

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        lines: DEFAULT_LINES,
        chain_records: DEFAULT_CHAIN_RECORDS,
        only_transforms: false,
        only_connectors: false,
        pg_rows: DEFAULT_PG_ROWS,
        http_records: DEFAULT_HTTP_RECORDS,
        baseline: None,
        baseline_plugins: None,
        rounds: 3,
    };
    let number = |value: Option<String>, what: &str| -> Result<usize> {
        value
            .with_context(|| format!("{what} needs a number"))?
            .replace('_', "")
            .parse()
            .with_context(|| what.to_string())
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" | "-n" => parsed.lines = number(args.next(), "--lines")?,
            "--rounds" => parsed.rounds = number(args.next(), "--rounds")?,
            "--chain-records" => {
                parsed.chain_records = number(args.next(), "--chain-records")?;
            }
            "--only-transforms" => parsed.only_transforms = true,
            "--only-connectors" => parsed.only_connectors = true,
            "--pg-rows" => parsed.pg_rows = number(args.next(), "--pg-rows")?,
            "--http-records" => parsed.http_records = number(args.next(), "--http-records")?,
            "--baseline-plugins" => {
                parsed.baseline_plugins = Some(
                    args.next()
                        .context("--baseline-plugins needs a path")?
                        .into(),
                );
            }
            "--baseline-ferry" => {
                parsed.baseline =
                    Some(args.next().context("--baseline-ferry needs a path")?.into());
            }
            "--help" | "-h" => {
                println!("{USAGE}   (default {DEFAULT_LINES} lines)");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} ({USAGE})"),
        }
    }
    ensure!(parsed.lines > 1, "--lines must be at least 2");
    ensure!(parsed.rounds > 0, "--rounds must be at least 1");
    ensure!(
        parsed.chain_records > 0,
        "--chain-records must be at least 1"
    );
    Ok(parsed)
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
