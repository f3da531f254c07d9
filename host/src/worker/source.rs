//! The source task loop: poll → transforms → converters → producer. A batch's
//! source offsets become committable only once every record produced from it (and
//! from every batch before it) has been acknowledged by Kafka (`acks=all`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::offsets::OffsetStore;
use super::pipeline::Pipeline;
use super::status::State;
use super::task::TaskArgs;
use super::topics::TaskTopics;
use crate::data::batch;
use crate::plugin::instance::{OffsetReader, SourceTask};
use crate::plugin::{CallError, PluginContext};
use crate::util::lock;

/// One polled batch whose records are in flight.
struct InFlight {
    seq: u64,
    /// Records produced from this batch not yet acknowledged. Set to the batch's
    /// full size before its first record is sent, so zero means all delivered.
    remaining: usize,
    offsets: Vec<(String, String)>,
}

/// Tracks acknowledgements so offsets are committed only for delivered records.
#[derive(Default)]
struct AckTracker {
    batches: VecDeque<InFlight>,
    failure: Option<String>,
}

/// The producer context: routes delivery reports into the tracker.
struct Delivery {
    tracker: Arc<Mutex<AckTracker>>,
}

impl ClientContext for Delivery {}

impl ProducerContext for Delivery {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        let mut tracker = lock(&self.tracker);
        if let Err((error, _)) = result
            && tracker.failure.is_none()
        {
            tracker.failure = Some(format!(
                "Kafka producer failed to deliver a record: {error}"
            ));
        }
        // Sequence numbers are contiguous, so the batch's index is its distance from
        // the oldest batch still in flight.
        let index = tracker
            .batches
            .front()
            .map(|front| (seq as u64).wrapping_sub(front.seq) as usize);
        if let Some(batch) = index.and_then(|i| tracker.batches.get_mut(i)) {
            batch.remaining = batch.remaining.saturating_sub(1);
        }
    }
}

impl AckTracker {
    /// Pops every leading batch that is fully acknowledged and returns its
    /// offsets, latest per partition.
    fn take_committable(&mut self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        while self.batches.front().is_some_and(|b| b.remaining == 0) {
            if let Some(batch) = self.batches.pop_front() {
                out.extend(batch.offsets);
            }
        }
        out
    }
}

/// Runs a source task until it is stopped or fails.
pub fn run(args: TaskArgs) {
    let services = args.services.clone();
    let connector = args.connector.clone();
    let ctx = PluginContext::new(connector.name.clone(), Some(args.task_id))
        .with_offsets(services.offsets.clone() as Arc<dyn OffsetReader>);
    let (mut task, mut pipeline) = match args.open_stages(&ctx, SourceTask::open) {
        Ok(opened) => opened,
        Err(trace) => return args.fail(trace),
    };
    let tracker = Arc::new(Mutex::new(AckTracker::default()));
    let producer_config = crate::kafka::producer_config(
        &services.config,
        &connector.config.props,
        &format!("connector-producer-{}", args.label()),
    );
    let producer: ThreadedProducer<Delivery> = match producer_config.create_with_context(Delivery {
        tracker: tracker.clone(),
    }) {
        Ok(p) => p,
        Err(error) => return args.fail(format!("cannot create Kafka producer: {error}")),
    };
    let mut runner = SourceRunner {
        args: &args,
        task: &mut task,
        pipeline: &mut pipeline,
        producer: &producer,
        tracker: &tracker,
        offsets: services.offsets.as_ref(),
        seq: 0,
        last_commit: Instant::now(),
        active_topics: TaskTopics::new(services.config.topic_tracking),
    };
    let outcome = runner.run_loop();
    // Clean shutdown: deliver what is in flight and commit its offsets.
    let flushed = producer.flush(Duration::from_secs(30));
    let committed = runner.commit_offsets();
    if let Err(error) = outcome {
        return args.fail(error);
    }
    if let Err(error) = flushed {
        tracing::warn!(%error, "producer did not flush every record before stopping");
    }
    if let Err(error) = committed {
        tracing::warn!("{error}");
    }
    if let Err(error) = task.stop() {
        tracing::warn!("source task stop failed: {error}");
    }
    args.status.set_state(State::Unassigned);
}

struct SourceRunner<'a> {
    args: &'a TaskArgs,
    task: &'a mut SourceTask,
    pipeline: &'a mut Pipeline,
    producer: &'a ThreadedProducer<Delivery>,
    tracker: &'a Arc<Mutex<AckTracker>>,
    offsets: &'a dyn OffsetStore,
    seq: u64,
    last_commit: Instant,
    active_topics: TaskTopics,
}

impl SourceRunner<'_> {
    fn run_loop(&mut self) -> Result<(), String> {
        let signals = self.args.signals.clone();
        let flush_interval = self.args.services.config.offset_flush_interval;
        let mut idle = Duration::from_millis(1);
        let mut retry = Duration::from_millis(100);
        self.args.status.set_state(if signals.paused() {
            State::Paused
        } else {
            State::Running
        });
        while !signals.stopping() {
            if let Some(failure) = lock(self.tracker).failure.clone() {
                return Err(failure);
            }
            if self.last_commit.elapsed() >= flush_interval {
                self.commit_offsets()?;
            }
            if signals.paused() {
                self.args.status.set_state(State::Paused);
                signals.wait(Duration::from_millis(200));
                continue;
            }
            if self.args.status.get().state == State::Paused {
                self.args.status.set_state(State::Running);
            }
            let polled = match self.task.poll() {
                Ok(batch) => batch,
                Err(CallError::Retriable(message)) => {
                    tracing::warn!("poll failed, will retry: {message}");
                    signals.wait(retry);
                    retry = (retry * 2).min(Duration::from_secs(10));
                    continue;
                }
                Err(error) => return Err(format!("source task poll failed: {}", error.trace())),
            };
            retry = Duration::from_millis(100);
            batch::check(&polled)
                .map_err(|e| format!("source task poll returned an invalid batch: {e}"))?;
            if batch::len(&polled) == 0 {
                signals.wait(idle);
                idle = (idle * 2).min(Duration::from_millis(100));
                continue;
            }
            idle = Duration::from_millis(1);
            self.send(polled)?;
        }
        Ok(())
    }

    /// Sends one polled batch through the pipeline to Kafka.
    fn send(&mut self, polled: crate::plugin::bindings::types::RecordBatch) -> Result<(), String> {
        let mut offsets: BTreeMap<String, String> = BTreeMap::new();
        for (partition, offset) in batch::iter_bytes(&polled.source_partition)
            .zip(batch::iter_bytes(&polled.source_offset))
        {
            if let (Some(p), Some(o)) = (partition, offset) {
                offsets.insert(
                    String::from_utf8_lossy(p).into_owned(),
                    String::from_utf8_lossy(o).into_owned(),
                );
            }
        }
        let records = self.pipeline.transform(polled).map_err(|e| e.trace())?;
        let (keys, values) = self.pipeline.serialize(&records).map_err(|e| e.trace())?;
        let header_bytes = self
            .pipeline
            .serialize_headers(&records)
            .map_err(|e| e.trace())?;
        let topics = batch::topic_names(&records);
        self.active_topics.observe(
            self.args.services.topics.as_ref(),
            &self.args.connector.name,
            self.args.task_id,
            topics.iter().map(String::as_str),
        );
        self.seq += 1;
        let seq = self.seq;
        lock(self.tracker).batches.push_back(InFlight {
            seq,
            remaining: topics.len(),
            offsets: offsets.into_iter().collect(),
        });
        let mut header_keys = batch::iter_bytes(&records.headers.keys);
        let mut header_values = batch::iter_bytes(&header_bytes);
        for (i, (key, value)) in batch::iter_bytes(&keys)
            .zip(batch::iter_bytes(&values))
            .enumerate()
        {
            let mut record: BaseRecord<'_, [u8], [u8], usize> =
                BaseRecord::with_opaque_to(&topics[i], seq as usize);
            if let Some(key) = key {
                record = record.key(key);
            }
            if let Some(value) = value {
                record = record.payload(value);
            }
            if records.partition[i] >= 0 {
                record = record.partition(records.partition[i]);
            }
            if records.timestamp[i] >= 0 {
                record = record.timestamp(records.timestamp[i]);
            }
            let count = records.headers.counts[i];
            if count > 0 {
                let mut headers = OwnedHeaders::new_with_capacity(count as usize);
                for _ in 0..count {
                    let key = header_keys
                        .next()
                        .flatten()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let value = header_values.next().flatten();
                    headers = headers.insert(Header { key: &key, value });
                }
                record = record.headers(headers);
            }
            self.produce(record)?;
        }
        Ok(())
    }

    fn produce<'r>(&self, mut record: BaseRecord<'r, [u8], [u8], usize>) -> Result<(), String> {
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((error, _)) => return Err(format!("cannot produce to Kafka: {error}")),
            }
        }
    }

    /// Writes the offsets of every fully acknowledged batch, then tells the task.
    fn commit_offsets(&mut self) -> Result<(), String> {
        self.last_commit = Instant::now();
        let committable = lock(self.tracker).take_committable();
        if committable.is_empty() {
            return Ok(());
        }
        let entries: Vec<(String, Option<String>)> =
            committable.into_iter().map(|(p, o)| (p, Some(o))).collect();
        self.offsets
            .commit(&self.args.connector.name, &entries)
            .map_err(|e| format!("cannot commit source offsets: {e}"))?;
        tracing::debug!(partitions = entries.len(), "committed source offsets");
        if let Err(error) = self.task.commit() {
            if matches!(error, CallError::Trap { .. }) {
                return Err(format!("source task commit failed: {}", error.trace()));
            }
            tracing::warn!("source task commit hook failed: {error}");
        }
        Ok(())
    }
}
