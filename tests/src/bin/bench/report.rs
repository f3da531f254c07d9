//! The machine, the versions, and the markdown table printed at the end.

use std::process::Command;
use std::time::Duration;

use ferry_tests::{ferry_bin, repo_root};

use crate::configs;
use crate::distributed::Cluster;
use crate::ferry_start::Start;
use crate::node::KAFKA_CONNECT_HEAP;
use crate::standalone::Standalone;
use crate::transforms::{CHAIN_LENGTH, Transforms};

pub struct Results {
    pub lines: usize,
    pub input_bytes: u64,
    pub raw: Duration,
    pub ferry: Standalone,
    pub kafka: Standalone,
    pub cold: Start,
    pub warm: Start,
    pub ferry_cluster: Cluster,
    pub kafka_cluster: Cluster,
}

/// `cores, RAM, CPU model`, from /proc.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / (1024.0 * 1024.0));
    format!("{cores} cores, {ram_gib:.0} GiB RAM, {model}")
}

/// Ferry's version and commit, Kafka's, Java's.
pub fn versions() -> String {
    let output = |command: &mut Command| {
        command
            .output()
            .ok()
            .map(|o| {
                let text = if o.stdout.is_empty() {
                    o.stderr
                } else {
                    o.stdout
                };
                String::from_utf8_lossy(&text)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let ferry = output(Command::new(ferry_bin()).arg("--version"));
    let commit = output(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(repo_root()),
    );
    let java = output(Command::new("java").arg("-version"));
    format!("{ferry} ({commit}); Apache Kafka 4.4.0 broker and Kafka Connect 4.4.0; {java}")
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn ready_list(cluster: &Cluster) -> String {
    let all: Vec<String> = cluster.ready.iter().map(|d| secs(*d)).collect();
    all.join(" / ")
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**not met**" }
}

pub fn print(r: &Results) {
    let raw_rate = r.lines as f64 / r.raw.as_secs_f64();
    let raw_mbps = r.input_bytes as f64 / 1e6 / r.raw.as_secs_f64();
    let (f, k) = (&r.ferry, &r.kafka);
    println!();
    println!(
        "Benchmark: {} lines ({:.1} MB) file → topic → file; one run, one Apache Kafka 4.4.0 \
         broker (single node, KRaft).",
        r.lines,
        r.input_bytes as f64 / 1e6
    );
    println!("Machine: {}.", machine());
    println!("Versions: {}.", versions());
    println!(
        "Settings, the same on both sides: FileStreamSource (tasks.max=1, batch.size={}) → \
         1-partition topic → FileStreamSink (tasks.max=1), StringConverter for key and value, \
         offset.flush.interval.ms={}; Kafka Connect heap {KAFKA_CONNECT_HEAP} (Kafka's script \
         default). Clusters: session.timeout.ms={}, heartbeat.interval.ms={}, \
         scheduled.rebalance.max.delay.ms=0, internal topics with replication factor 1.",
        configs::SOURCE_BATCH_SIZE,
        configs::OFFSET_FLUSH_INTERVAL_MS,
        configs::SESSION_TIMEOUT_MS,
        configs::HEARTBEAT_INTERVAL_MS,
    );
    println!();
    println!("| measure | Ferry | Kafka Connect 4.4.0 | raw rdkafka pipe |");
    println!("|---|---:|---:|---:|");
    println!(
        "| standalone throughput, records/s | {:.0} | {:.0} | {raw_rate:.0} |",
        f.records_per_sec(),
        k.records_per_sec()
    );
    println!(
        "| standalone throughput, MB/s | {:.1} | {:.1} | {raw_mbps:.1} |",
        f.mb_per_sec(),
        k.mb_per_sec()
    );
    println!(
        "| standalone copy time ({} records) | {} | {} | {} |",
        f.records,
        secs(f.copy),
        secs(k.copy),
        secs(r.raw)
    );
    println!(
        "| standalone worker peak RSS (VmHWM) | {} | {} | |",
        mib(f.peak_rss_kib),
        mib(k.peak_rss_kib)
    );
    println!(
        "| standalone start → REST ready | {} | {} | |",
        ms(f.ready),
        ms(k.ready)
    );
    println!(
        "| connectors created → first record in the output | {} | {} | |",
        ms(f.first_record),
        ms(k.first_record)
    );
    let (fc, kc) = (&r.ferry_cluster, &r.kafka_cluster);
    println!(
        "| 3 distributed workers: start → REST ready | {} | {} | |",
        ready_list(fc),
        ready_list(kc)
    );
    println!(
        "| 2 connectors / 4 tasks created → running, balanced on 3 | {} | {} | |",
        secs(fc.create_to_balanced),
        secs(kc.create_to_balanced)
    );
    println!(
        "| 4th worker REST ready → balanced on 4 | {} | {} | |",
        secs(fc.join_to_balanced),
        secs(kc.join_to_balanced)
    );
    println!(
        "| `kill -9` of a worker → its work running on the others | {} | {} | |",
        secs(fc.failover),
        secs(kc.failover)
    );
    println!(
        "| distributed worker peak RSS (largest of 4) | {} | {} | |",
        mib(fc.peak_rss_kib),
        mib(kc.peak_rss_kib)
    );
    println!(
        "| Ferry cold start (empty compile cache) → REST ready | {} | | |",
        secs(r.cold.ready)
    );
    println!(
        "| Ferry cold start: worker peak RSS / largest compiler process peak | {} / {} | | |",
        mib(r.cold.peak_rss_kib),
        r.cold.compiler_peak_kib.map_or("n/a".to_owned(), mib)
    );
    println!(
        "| Ferry warm start → REST ready (median of 3), peak RSS | {}, {} | | |",
        ms(r.warm.ready),
        mib(r.warm.peak_rss_kib)
    );
    println!();
    let ferry_vs_kafka = f.records_per_sec() / k.records_per_sec();
    let ferry_vs_raw = f.records_per_sec() / raw_rate;
    let rss = f.peak_rss_kib as f64 / k.peak_rss_kib as f64;
    let ready = f.ready.as_secs_f64() / k.ready.as_secs_f64();
    let failover = fc.failover.as_secs_f64() / kc.failover.as_secs_f64();
    println!("| target | measured | |");
    println!("|---|---:|---|");
    println!(
        "| Ferry throughput ≥ Kafka Connect's | {ferry_vs_kafka:.2}× | {} |",
        verdict(ferry_vs_kafka >= 1.0)
    );
    println!(
        "| Ferry throughput ≥ 0.9× the raw pipe | {ferry_vs_raw:.2}× | {} |",
        verdict(ferry_vs_raw >= 0.9)
    );
    println!(
        "| Ferry RSS ≤ 1/5 of Kafka Connect's | 1/{:.1} | {} |",
        1.0 / rss,
        verdict(rss <= 0.2)
    );
    println!(
        "| Ferry start → REST ready ≤ 1/10 of Kafka Connect's | 1/{:.0} | {} |",
        1.0 / ready,
        verdict(ready <= 0.1)
    );
    println!(
        "| Ferry failover no slower than Kafka Connect's | {failover:.2}× | {} |",
        verdict(failover <= 1.0)
    );
    println!(
        "| Ferry cold-start worker peak RSS < 150 MiB | {} | {} |",
        mib(r.cold.peak_rss_kib),
        verdict(r.cold.peak_rss_kib < 150 * 1024)
    );
}

/// The transform-chain scenario's table.
pub fn print_transforms(t: &Transforms) {
    let (f, k) = (&t.ferry, &t.kafka);
    println!();
    println!(
        "Transform chain: {} Debezium-style change events ({:.1} MB of JSON with schemas) on a \
         1-partition topic → FileStreamSink (tasks.max=1) with JsonConverter, without and with \
         {CHAIN_LENGTH} of Kafka's transforms (ExtractField$Value → ReplaceField$Value → \
         MaskField$Value → Cast$Value → TimestampConverter$Value), the same configs on both \
         sides; both sides' output files identical byte for byte.",
        t.records,
        t.bytes as f64 / 1e6
    );
    println!("Machine: {}.", machine());
    println!();
    println!("| measure | Ferry | Kafka Connect 4.4.0 |");
    println!("|---|---:|---:|");
    println!(
        "| records/s, JsonConverter only | {:.0} | {:.0} |",
        t.rate(f.plain),
        t.rate(k.plain)
    );
    println!(
        "| records/s, JsonConverter + {CHAIN_LENGTH} transforms | {:.0} | {:.0} |",
        t.rate(f.chain),
        t.rate(k.chain)
    );
    println!(
        "| cost of one transform per record (chain − plain) / ({CHAIN_LENGTH} × records) | {:.2} µs | {:.2} µs |",
        t.per_transform_micros(f),
        t.per_transform_micros(k)
    );
    println!(
        "| worker peak RSS (VmHWM) | {} | {} |",
        mib(f.peak_rss_kib),
        mib(k.peak_rss_kib)
    );
    println!();
    let ratio = t.rate(f.chain) / t.rate(k.chain);
    println!("| target | measured | |");
    println!("|---|---:|---|");
    println!(
        "| Ferry ≥ Kafka Connect through the {CHAIN_LENGTH}-transform chain | {ratio:.2}× | {} |",
        verdict(ratio >= 1.0)
    );
}

pub fn print_connectors(c: &crate::connectors::Connectors) {
    use crate::connectors::Connectors as C;
    println!();
    println!(
        "Network connectors: {} rows of six columns (JsonConverter envelopes on a 1-partition topic) into fresh PostgreSQL 15 tables on this machine; {} small JSON records to an HTTP server in the bench process, batches of 500.",
        c.rows, c.records
    );
    println!("Machine: {}.", machine());
    println!();
    println!("| measure | rows or records/s | time |");
    println!("|---|---:|---:|");
    println!(
        "| PostgreSQL `COPY` from a CSV file (no Kafka) | {:.0} | {:.2?} |",
        C::rate(c.rows, c.copy),
        c.copy
    );
    println!(
        "| native Rust sink: rdkafka → serde_json → batched INSERTs (pg-wire) | {:.0} | {:.2?} |",
        C::rate(c.rows, c.native_pg),
        c.native_pg
    );
    println!(
        "| Ferry `postgres-sink` (JsonConverter, batch.size=3000) | {:.0} | {:.2?} |",
        C::rate(c.rows, c.ferry_pg),
        c.ferry_pg
    );
    println!(
        "| native HTTP client: rdkafka → reqwest POSTs, no connection reuse | {:.0} | {:.2?} |",
        C::rate(c.records, c.native_http),
        c.native_http
    );
    println!(
        "| Ferry `http-sink` (StringConverter, batch.max.size=500) | {:.0} | {:.2?} |",
        C::rate(c.records, c.ferry_http),
        c.ferry_http
    );
    println!();
    let pg = c.native_pg.as_secs_f64() / c.ferry_pg.as_secs_f64();
    let http = c.native_http.as_secs_f64() / c.ferry_http.as_secs_f64();
    println!("| target | measured | |");
    println!("|---|---:|---|");
    println!(
        "| Ferry postgres-sink ≥ 0.8× the native sink | {pg:.2}× | {} |",
        verdict(pg >= 0.8)
    );
    println!(
        "| Ferry postgres-sink vs `COPY` (the practical limit) | {:.2}× | |",
        c.copy.as_secs_f64() / c.ferry_pg.as_secs_f64()
    );
    println!("| Ferry http-sink vs the native client | {http:.2}× | |");
}
