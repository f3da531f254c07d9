//! Scenario 2: JSON with schemas through a chain of five of Kafka's transforms, Ferry
//! and Kafka Connect with the same connector configs on the same topic.
//!
//! A 1-partition topic is filled with Debezium-style change events (a JsonConverter
//! envelope with its schema, ~1.2 KB each). Each implementation then runs a
//! `FileStreamSink` reading it with `JsonConverter`, once without transforms and once
//! with `ExtractField$Value` → `ReplaceField$Value` → `MaskField$Value` →
//! `Cast$Value` → `TimestampConverter$Value`, after an untimed warm-up drain through
//! the chain; a run is timed from the first line in the output to the last. The two implementations' output files must be identical,
//! byte for byte, in both runs. The chain's cost per transform and record is the
//! difference between the two runs over 5 × records.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ferry_tests::{Broker, Config, unique_name};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use crate::configs;
use crate::node::{Flavor, Mode, Node, POLL};

/// How long one drain may take.
const PHASE_TIMEOUT: Duration = Duration::from_secs(600);

/// The chain, as a Kafka Connect user writes it.
const CHAIN: [(&str, &str); 14] = [
    ("transforms", "unwrap,rename,mask,cast,ts"),
    (
        "transforms.unwrap.type",
        "org.apache.kafka.connect.transforms.ExtractField$Value",
    ),
    ("transforms.unwrap.field", "after"),
    (
        "transforms.rename.type",
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
    ),
    (
        "transforms.rename.renames",
        "first_name:firstName,last_name:lastName",
    ),
    ("transforms.rename.exclude", "internal_note"),
    (
        "transforms.mask.type",
        "org.apache.kafka.connect.transforms.MaskField$Value",
    ),
    ("transforms.mask.fields", "ssn"),
    (
        "transforms.cast.type",
        "org.apache.kafka.connect.transforms.Cast$Value",
    ),
    ("transforms.cast.spec", "id:string"),
    (
        "transforms.ts.type",
        "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    ),
    ("transforms.ts.field", "updated_at"),
    ("transforms.ts.target.type", "string"),
    ("transforms.ts.format", "yyyy-MM-dd"),
];

/// Both drains read the topic with Kafka's JsonConverter, schemas enabled.
const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// Transforms in [`CHAIN`].
pub const CHAIN_LENGTH: usize = 5;

/// One implementation's two drains.
pub struct ChainRuns {
    /// JsonConverter only.
    pub plain: Duration,
    /// JsonConverter and the five transforms.
    pub chain: Duration,
    /// The worker's VmHWM after both, KiB.
    pub peak_rss_kib: u64,
}

/// What the scenario measured.
pub struct Transforms {
    pub records: usize,
    pub bytes: u64,
    pub ferry: ChainRuns,
    pub kafka: ChainRuns,
}

impl Transforms {
    pub fn rate(&self, d: Duration) -> f64 {
        self.records as f64 / d.as_secs_f64()
    }

    /// What one transform costs per record: (chain − plain) / (5 × records), µs.
    pub fn per_transform_micros(&self, runs: &ChainRuns) -> f64 {
        let extra = runs.chain.as_secs_f64() - runs.plain.as_secs_f64();
        extra * 1e6 / (CHAIN_LENGTH * self.records) as f64
    }
}

pub fn run(broker: &Broker, dir: &Path, cache_dir: &Path, records: usize) -> Result<Transforms> {
    let topic = unique_name("bench-chain");
    broker.create_topic(&topic, 1);
    let bytes = produce_events(broker, &topic, records).context("fill the topic")?;
    eprintln!(
        "bench: {records} change events ({:.1} MB of JSON with schemas) on {topic}",
        bytes as f64 / 1e6
    );
    let ferry = drains(Flavor::Ferry, broker, dir, cache_dir, &topic, records)?;
    let kafka = drains(
        Flavor::KafkaConnect,
        broker,
        dir,
        cache_dir,
        &topic,
        records,
    )?;
    for chain in [false, true] {
        let name = |flavor: Flavor| output_path(dir, flavor, chain);
        ensure!(
            fs::read(name(Flavor::Ferry))? == fs::read(name(Flavor::KafkaConnect))?,
            "Ferry's and Kafka Connect's outputs differ ({} vs {})",
            name(Flavor::Ferry).display(),
            name(Flavor::KafkaConnect).display()
        );
    }
    Ok(Transforms {
        records,
        bytes,
        ferry,
        kafka,
    })
}

fn output_path(dir: &Path, flavor: Flavor, chain: bool) -> std::path::PathBuf {
    let what = if chain { "chain" } else { "plain" };
    dir.join(format!("{}-{what}-output.txt", flavor.tag()))
}

/// One worker, the plain drain then the chained one.
fn drains(
    flavor: Flavor,
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    topic: &str,
    records: usize,
) -> Result<ChainRuns> {
    let tag = flavor.tag();
    let name = unique_name(&format!("{tag}-chain"));
    let props = configs::standalone_props(flavor, broker, dir, cache_dir, &name);
    let mut node = Node::spawn(flavor, Mode::Standalone, props, dir, &name)?;
    node.wait_ready(PHASE_TIMEOUT)?;
    // A first, untimed drain warms the worker up (Kafka Connect's JIT above all), so
    // both timed drains measure a warm worker.
    warm_up(&node, tag, dir, topic, records)?;
    let mut times = [Duration::ZERO; 2];
    for (i, chain) in [false, true].into_iter().enumerate() {
        let output = output_path(dir, flavor, chain);
        let _ = fs::remove_file(&output);
        let sink = unique_name(&format!("{tag}-chain-sink"));
        let mut config: Config = configs::sink(&sink, &output, topic, 1);
        config.push(("value.converter", JSON_CONVERTER.to_owned()));
        config.push(("value.converter.schemas.enable", "true".to_owned()));
        if chain {
            config.extend(CHAIN.iter().map(|(k, v)| (*k, (*v).to_owned())));
        }
        let (status, body) = node.rest().create_connector(&sink, &config);
        ensure!(status == 201, "{tag}: create {sink}: {status} {body}");
        let (first, done) = wait_lines(&output, records, PHASE_TIMEOUT).with_context(|| {
            format!(
                "{tag}: the sink never wrote {records} lines; status {:?}; log:\n{}",
                node.status(&sink),
                node.log_tail(40)
            )
        })?;
        times[i] = done - first;
        eprintln!(
            "bench: {} {} drain: {:.2?}",
            flavor.label(),
            if chain { "5-transform" } else { "plain" },
            times[i]
        );
        let (status, body) = node.rest().delete(&format!("/connectors/{sink}"));
        ensure!(
            status == 204 || status == 200,
            "{tag}: delete {sink}: {status} {body}"
        );
    }
    let peak_rss_kib = node.peak_rss_kib().context("worker VmHWM")?;
    node.stop();
    Ok(ChainRuns {
        plain: times[0],
        chain: times[1],
        peak_rss_kib,
    })
}

/// Drains the topic once through the chain, untimed.
fn warm_up(node: &Node, tag: &str, dir: &Path, topic: &str, records: usize) -> Result<()> {
    let output = dir.join(format!("{tag}-warm-up-output.txt"));
    let sink = unique_name(&format!("{tag}-warm-up-sink"));
    let mut config: Config = configs::sink(&sink, &output, topic, 1);
    config.push(("value.converter", JSON_CONVERTER.to_owned()));
    config.extend(CHAIN.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let (status, body) = node.rest().create_connector(&sink, &config);
    ensure!(status == 201, "{tag}: create {sink}: {status} {body}");
    wait_lines(&output, records, PHASE_TIMEOUT)
        .with_context(|| format!("{tag}: the warm-up drain never finished"))?;
    let (status, body) = node.rest().delete(&format!("/connectors/{sink}"));
    ensure!(
        status == 204 || status == 200,
        "{tag}: delete {sink}: {status} {body}"
    );
    let _ = fs::remove_file(&output);
    Ok(())
}

/// Waits until `path` holds `lines` lines, reading only what was appended since the
/// last look; returns when the first line and the last were there.
fn wait_lines(path: &Path, lines: usize, timeout: Duration) -> Option<(Instant, Instant)> {
    let deadline = Instant::now() + timeout;
    let mut seen = 0usize;
    let mut offset = 0u64;
    let mut first = None;
    let mut buf = Vec::new();
    loop {
        if let Ok(mut file) = fs::File::open(path) {
            buf.clear();
            if file.seek(SeekFrom::Start(offset)).is_ok() && file.read_to_end(&mut buf).is_ok() {
                offset += buf.len() as u64;
                seen += buf.iter().filter(|&&b| b == b'\n').count();
            }
        }
        let now = Instant::now();
        if seen > 0 && first.is_none() {
            first = Some(now);
        }
        if seen >= lines {
            return first.map(|f| (f, now));
        }
        if now >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// Change event `n` as Kafka's JsonConverter writes it (schema and payload).
fn event(n: usize) -> String {
    const ROW: &str = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":false,"field":"first_name"},{"type":"string","optional":false,"field":"last_name"},{"type":"string","optional":false,"field":"email"},{"type":"string","optional":true,"field":"ssn"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"updated_at"},{"type":"string","optional":true,"field":"internal_note"}],"optional":true,"name":"dbserver1.inventory.customers.Value""#;
    let updated_at = 1_700_000_000_000i64 + (n as i64 % 3650) * 86_400_000;
    format!(
        concat!(
            r#"{{"schema":{{"type":"struct","fields":["#,
            r#"{row},"field":"before"}},{row},"field":"after"}},"#,
            r#"{{"type":"struct","fields":[{{"type":"string","optional":false,"field":"connector"}},{{"type":"string","optional":false,"field":"name"}},{{"type":"int64","optional":false,"field":"ts_ms"}}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"}},"#,
            r#"{{"type":"string","optional":false,"field":"op"}},{{"type":"int64","optional":true,"field":"ts_ms"}}],"#,
            r#""optional":false,"name":"dbserver1.inventory.customers.Envelope","version":1}},"#,
            r#""payload":{{"before":null,"after":{{"id":{n},"first_name":"Anne{n}","last_name":"Kretchmar","email":"annek{n}@noanswer.org","ssn":"123-45-{ssn:04}","updated_at":{updated_at},"internal_note":"note {n}"}},"#,
            r#""source":{{"connector":"postgresql","name":"dbserver1","ts_ms":{updated_at}}},"op":"c","ts_ms":{updated_at}}}}}"#
        ),
        row = ROW,
        n = n,
        ssn = n % 10_000,
        updated_at = updated_at,
    )
}

/// Produces `records` change events; returns their total size.
fn produce_events(broker: &Broker, topic: &str, records: usize) -> Result<u64> {
    let producer: BaseProducer = broker
        .client_config()
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("compression.type", "none")
        .set("queue.buffering.max.messages", "1000000")
        .create()?;
    let mut bytes = 0u64;
    for n in 1..=records {
        let value = event(n);
        bytes += value.len() as u64;
        let mut record = BaseRecord::<(), str>::to(topic).payload(value.as_str());
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::types::RDKafkaErrorCode::QueueFull,
                    ),
                    back,
                )) => {
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => bail!("produce: {e}"),
            }
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .context("flush the change events")?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_json_envelopes() {
        let value: serde_json::Value = serde_json::from_str(&event(7)).expect("JSON");
        assert_eq!(value["payload"]["after"]["first_name"], "Anne7");
        assert_eq!(value["schema"]["fields"][1]["field"], "after");
    }
}
