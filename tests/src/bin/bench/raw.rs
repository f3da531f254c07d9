//! The baseline: a raw rdkafka producer (`acks=all`) and consumer copying the file
//! through a topic with no connector framework in between.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use ferry_tests::{Broker, unique_name};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

const PIPE_TIMEOUT: Duration = Duration::from_secs(1800);

/// Produces the file's lines (acks=all) while a consumer writes them to `output`;
/// returns the time from the first send until the output holds every line.
pub fn run(broker: &Broker, input: &Path, output: &Path, lines: usize) -> Result<Duration> {
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
