//! The source task loop: poll → transforms → converters → producer. A batch's
//! source offsets become committable only once every record produced from it (and
//! from every batch before it) has been acknowledged by Kafka (`acks=all`).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::errors::report::{OriginalRecord, Reporter};
use super::errors::tolerance::run_tolerant;
use super::errors::{Operator, Stage, StageFailure, operator::backoff};
use super::exactly_once::{self, Decision, TaskRequest, Transactions};
use super::offsets::OffsetStore;
use super::pipeline::{Pipeline, Serialized};
use super::status::State;
use super::task::TaskArgs;
use super::topics::TaskTopics;
use crate::data::batch;
use crate::plugin::bindings::types::RecordBatch;
use crate::plugin::instance::SourceTask;
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
    /// Records the broker refused as too large: not yet acknowledged, so their
    /// batch's offsets wait until the task loop has re-sent or reported them.
    rejected: Vec<Rejected>,
}

/// A record the broker refused as too large.
struct Rejected {
    seq: u64,
    record: OriginalRecord,
    error: String,
    /// Whether it was refused when sent on its own. The broker refuses a whole batch
    /// that is too large, and librdkafka (unlike Java's producer) does not split it,
    /// so a record refused in company is first sent again alone.
    alone: bool,
}

/// Marks the delivery opaque of a record sent again on its own.
const SENT_ALONE: usize = 1 << 62;

/// The producer context: routes delivery reports into the tracker.
struct Delivery {
    tracker: Arc<Mutex<AckTracker>>,
}

impl ClientContext for Delivery {}

impl ProducerContext for Delivery {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        let mut tracker = lock(&self.tracker);
        let alone = seq & SENT_ALONE != 0;
        let seq = (seq & !SENT_ALONE) as u64;
        match result {
            Ok(_) => tracker.ack(seq, None),
            Err((
                error @ KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
                message,
            )) => {
                let text = |b: Option<&[u8]>| b.map(<[u8]>::to_vec);
                let headers = message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| (h.key.to_string(), text(h.value)))
                            .collect()
                    })
                    .unwrap_or_default();
                let record = OriginalRecord {
                    topic: message.topic().to_string(),
                    partition: -1,
                    offset: -1,
                    timestamp: message.timestamp().to_millis().unwrap_or(-1),
                    key: text(message.key()),
                    value: text(message.payload()),
                    headers,
                    source: None,
                    cbor_payload: false,
                };
                tracker.rejected.push(Rejected {
                    seq,
                    record,
                    error: error.to_string(),
                    alone,
                });
            }
            // Exactly-once: an aborted transaction purges what it had not sent yet.
            Err((error, _)) if exactly_once::is_purge(error) => tracker.ack(seq, None),
            Err((error, _)) => tracker.ack(
                seq,
                Some(format!(
                    "Kafka producer failed to deliver a record: {error}"
                )),
            ),
        }
    }
}

impl AckTracker {
    /// One record of batch `seq` is done with: delivered, or failed with `error`
    /// (which fails the task: its offsets must never commit past a lost record).
    fn ack(&mut self, seq: u64, error: Option<String>) {
        if let Some(error) = error
            && self.failure.is_none()
        {
            self.failure = Some(error);
        }
        // Sequence numbers are contiguous, so the batch's index is its distance from
        // the oldest batch still in flight.
        let index = self
            .batches
            .front()
            .map(|front| seq.wrapping_sub(front.seq) as usize);
        if let Some(batch) = index.and_then(|i| self.batches.get_mut(i)) {
            batch.remaining = batch.remaining.saturating_sub(1);
        }
    }

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

/// A record the producer queued, or the error and the record handed back.
pub type SendResult<'r> = Result<(), (KafkaError, BaseRecord<'r, [u8], [u8], usize>)>;

/// The producer a source task sends with, behind a trait so ack tracking and
/// offset commits can be tested without a broker.
pub trait RecordSender {
    /// Queues one record; hands it back when the producer refuses it (rdkafka's
    /// own shape, hence the large error).
    #[allow(clippy::result_large_err)]
    fn send<'r>(&self, record: BaseRecord<'r, [u8], [u8], usize>) -> SendResult<'r>;
}

impl<C: ProducerContext<DeliveryOpaque = usize>> RecordSender for ThreadedProducer<C> {
    fn send<'r>(&self, record: BaseRecord<'r, [u8], [u8], usize>) -> SendResult<'r> {
        ThreadedProducer::send(self, record)
    }
}

/// Runs a source task until it is stopped or fails.
pub fn run(args: TaskArgs) {
    let services = args.services.clone();
    let connector = args.connector.clone();
    // ---- exactly-once (KIP-618), see exactly_once.rs: the connector's own offsets
    // topic, zombie fencing before the producer exists, a transactional producer.
    let eos = match exactly_once::TaskSetup::prepare(&args) {
        Ok(setup) => setup,
        Err(error) => return args.fail(error),
    };
    let offsets: Arc<dyn OffsetStore> = eos.offsets.clone();
    // ---- end exactly-once
    let ctx = PluginContext::new(connector.name.clone(), Some(args.task_id))
        .with_offsets(eos.reader.clone());
    let (mut task, mut pipeline) = match args.open_stages(&ctx, SourceTask::open) {
        Ok(opened) => opened,
        Err(trace) => return args.fail(trace),
    };
    let reporter = match args.reporter() {
        Ok(reporter) => reporter,
        Err(trace) => return args.fail(trace),
    };
    let tracker = Arc::new(Mutex::new(AckTracker::default()));
    let mut producer_config = crate::kafka::producer_config(
        &services.config,
        &connector.config.props,
        &format!("connector-producer-{}", args.label()),
    );
    if let Some(id) = &eos.transactional_id {
        producer_config = exactly_once::producer_config(producer_config, id);
    }
    let producer: ThreadedProducer<Delivery> = match producer_config.create_with_context(Delivery {
        tracker: tracker.clone(),
    }) {
        Ok(p) => p,
        Err(error) => return args.fail(format!("cannot create Kafka producer: {error}")),
    };
    // Initializing the transactions fences any zombie with this transactional id.
    let txn = match eos.transactions(&producer) {
        Ok(txn) => txn,
        Err(error) => return args.fail(error),
    };
    let mut runner = SourceRunner {
        args: &args,
        task: &mut task,
        pipeline: &mut pipeline,
        producer: &producer,
        tracker: &tracker,
        reporter: &reporter,
        offsets: offsets.as_ref(),
        txn,
        txn_request: ctx.transaction.clone(),
        seq: 0,
        last_commit: Instant::now(),
        active_topics: TaskTopics::new(services.config.topic_tracking),
        topic_creator: super::topic_creation::TopicCreator::for_task(&args),
    };
    let mut outcome = runner.run_loop();
    if args.signals.cancelled() {
        // Abandoned past its stop deadline: another instance may own the work now,
        // so neither the final commit nor a status write is this one's to make (an
        // open transaction is left to be fenced or to time out).
        tracing::info!("cancelled task ended without committing offsets or writing its status");
        return;
    }
    // Transactional: commit the open transaction on a clean stop (not one the
    // connector bounds itself), abort it on failure — Kafka's final offset commit.
    if let Some(txn) = runner.txn.as_mut() {
        let ended = match &outcome {
            Ok(()) if txn.policy.commits_on_stop() => runner
                .reporter
                .flush()
                .and_then(|()| txn.commit(&producer).map(|_| ()).map_err(|e| e.to_string())),
            _ => txn.abort(&producer).map_err(|e| e.to_string()),
        };
        if let Err(error) = ended
            && outcome.is_ok()
        {
            outcome = Err(error);
        }
    }
    // Clean shutdown: deliver what is in flight and commit its offsets.
    let flushed = producer.flush(Duration::from_secs(30));
    let outcome = outcome.and_then(|()| runner.report_rejected());
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
    reporter: &'a Reporter,
    offsets: &'a dyn OffsetStore,
    /// Exactly-once: the task's transactions (offsets are committed inside them).
    txn: Option<Transactions>,
    /// What the task asked through `transaction-context` during the last poll.
    txn_request: Arc<std::sync::atomic::AtomicU8>,
    seq: u64,
    last_commit: Instant,
    active_topics: TaskTopics,
    topic_creator: super::topic_creation::TopicCreator,
}

impl SourceRunner<'_> {
    fn run_loop(&mut self) -> Result<(), String> {
        let signals = self.args.signals.clone();
        let flush_interval = self.args.services.config.offset_flush_interval;
        let policy = self.reporter.policy().clone();
        let mut idle = Duration::from_millis(1);
        // Since when and how often `poll` has failed with a retriable error.
        let mut failing: Option<(Instant, u32)> = None;
        self.args.status.set_state(if signals.paused() {
            State::Paused
        } else {
            State::Running
        });
        while !signals.stopping() {
            self.report_rejected()?;
            if let Some(failure) = lock(self.tracker).failure.clone() {
                return Err(failure);
            }
            if self.last_commit.elapsed() >= flush_interval {
                self.commit_offsets()?;
            }
            if let Some(txn) = self.txn.as_mut()
                && txn.policy.on_tick(Instant::now()) == Decision::Commit
            {
                self.end_transaction(Decision::Commit)?;
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
                    // Kafka retries a retriable poll indefinitely; a positive
                    // errors.retry.timeout bounds it here.
                    let (since, attempt) = failing.unwrap_or((Instant::now(), 0));
                    let attempt = attempt + 1;
                    let timeout = policy.retry_timeout.filter(|t| !t.is_zero());
                    if let Some(timeout) = timeout
                        && since.elapsed() >= timeout
                    {
                        return Err(format!(
                            "source task poll failed with a retriable error for longer than \
                             errors.retry.timeout ({} ms): {message}",
                            timeout.as_millis()
                        ));
                    }
                    tracing::warn!(attempt, "poll failed, will retry: {message}");
                    signals.wait(backoff(
                        attempt,
                        policy.retry_delay_max,
                        Instant::now(),
                        None,
                    ));
                    failing = Some((since, attempt));
                    continue;
                }
                Err(error) => return Err(format!("source task poll failed: {}", error.trace())),
            };
            failing = None;
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

    /// Sends one polled batch through the pipeline to Kafka. Records that fail a
    /// stage are reported (log and, a Ferry extension, the dead letter queue) and,
    /// with `errors.tolerance=all`, skipped; the batch's source offsets still commit.
    fn send(&mut self, polled: RecordBatch) -> Result<(), String> {
        let request = TaskRequest::take(&self.txn_request);
        if let Some(txn) = self.txn.as_mut() {
            txn.begin(self.producer).map_err(|e| e.to_string())?;
        }
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
        let policy = self.reporter.policy().clone();
        let n = batch::len(&polled);
        let mut failed: Vec<(usize, StageFailure)> = Vec::new();
        let outputs = {
            let mut op = Operator::new(&policy, self.args.signals.as_ref());
            let pipeline = &mut *self.pipeline;
            run_tolerant(
                n,
                policy.tolerates_all(),
                |range| {
                    let part = if range.len() == n {
                        Cow::Borrowed(&polled)
                    } else {
                        Cow::Owned(batch::slice(&polled, range))
                    };
                    pipeline.source_chain(part, &mut op)
                },
                &mut |index, failure| {
                    failed.push((index, failure.clone()));
                    Ok(())
                },
            )
        };
        // Reported after the chain ran: reporting converts the record as polled.
        for (index, failure) in &failed {
            let original = self.pipeline.source_original(&polled, *index);
            self.reporter.report(&original, failure)?;
        }
        if !failed.is_empty() {
            tracing::warn!(
                skipped = failed.len(),
                "source records failed transformation or conversion"
            );
        }
        let outputs = outputs?;
        let topics = used_topics(&outputs);
        self.topic_creator
            .ensure(&topics)
            .map_err(|e| e.to_string())?;
        self.active_topics.observe(
            self.args.services.topics.as_ref(),
            &self.args.connector.name,
            self.args.task_id,
            topics.iter().map(String::as_str),
        );
        self.seq += 1;
        if let Some(txn) = self.txn.as_mut() {
            txn.stage_offsets(offsets.clone());
        }
        let reporter = self.reporter;
        produce_batch(
            self.producer,
            self.tracker,
            self.seq,
            &outputs,
            offsets.into_iter().collect(),
            &mut |record, failure| {
                reporter.report(&record, &failure)?;
                if policy.tolerates_all() {
                    Ok(())
                } else {
                    Err(failure.tolerance_exceeded_trace())
                }
            },
        )?;
        if let Some(txn) = self.txn.as_mut() {
            let decision = txn.policy.after_batch(request, Instant::now());
            self.end_transaction(decision)?;
        }
        Ok(())
    }

    /// Exactly-once: commits (offsets inside) or aborts the open transaction.
    fn end_transaction(&mut self, decision: Decision) -> Result<(), String> {
        let Some(txn) = self.txn.as_mut().filter(|t| t.is_open()) else {
            return Ok(());
        };
        match decision {
            Decision::Continue => return Ok(()),
            Decision::Commit => {
                // Records this transaction skipped into the dead letter queue are
                // acknowledged before its offsets commit.
                self.reporter.flush()?;
                let partitions = txn.commit(self.producer).map_err(|e| e.to_string())?;
                tracing::debug!(partitions, "committed transaction with its source offsets");
            }
            Decision::Abort => {
                txn.abort(self.producer).map_err(|e| e.to_string())?;
                tracing::info!("aborted transaction as the task asked");
            }
        }
        // Every record of the transaction is delivered (or discarded): nothing is
        // left for the separate offset commit to track.
        lock(self.tracker).batches.clear();
        if decision == Decision::Commit
            && let Err(error) = self.task.commit()
        {
            if matches!(error, CallError::Trap { .. }) {
                return Err(format!("source task commit failed: {}", error.trace()));
            }
            tracing::warn!("source task commit hook failed: {error}");
        }
        Ok(())
    }

    /// Reports the records the broker refused as too large (see
    /// [`AckTracker::rejected`]) as a `KAFKA_PRODUCE` failure, then counts them done.
    fn report_rejected(&mut self) -> Result<(), String> {
        let rejected = std::mem::take(&mut lock(self.tracker).rejected);
        let tolerate = self.reporter.policy().tolerates_all();
        for Rejected {
            seq,
            record,
            error,
            alone,
        } in rejected
        {
            if !alone {
                self.send_alone(seq, &record)?;
                continue;
            }
            let failure = StageFailure::new(
                Stage::KafkaProduce,
                "org.apache.kafka.clients.producer.KafkaProducer",
                "producer",
                CallError::Fatal(format!("the broker refused the record: {error}")),
            );
            self.reporter.report(&record, &failure)?;
            if !tolerate {
                return Err(failure.tolerance_exceeded_trace());
            }
            lock(self.tracker).ack(seq, None);
        }
        Ok(())
    }

    /// Sends `record` again in a produce request of its own (the queue is flushed
    /// before and after), so only a record that is too large by itself is refused.
    fn send_alone(&self, seq: u64, record: &OriginalRecord) -> Result<(), String> {
        let _ = self.producer.flush(Duration::from_secs(30));
        let mut out: BaseRecord<'_, [u8], [u8], usize> =
            BaseRecord::with_opaque_to(&record.topic, seq as usize | SENT_ALONE);
        if let Some(key) = &record.key {
            out = out.key(key.as_slice());
        }
        if let Some(value) = &record.value {
            out = out.payload(value.as_slice());
        }
        if record.timestamp >= 0 {
            out = out.timestamp(record.timestamp);
        }
        if !record.headers.is_empty() {
            let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
            for (key, value) in &record.headers {
                headers = headers.insert(Header {
                    key,
                    value: value.as_deref(),
                });
            }
            out = out.headers(headers);
        }
        produce(self.producer, out).map_err(|e| format!("cannot produce to Kafka: {e}"))?;
        let _ = self.producer.flush(Duration::from_secs(30));
        Ok(())
    }

    /// Writes the offsets of every fully acknowledged batch, then tells the task.
    fn commit_offsets(&mut self) -> Result<(), String> {
        self.last_commit = Instant::now();
        if self.txn.is_some() {
            // Exactly-once: offsets were committed inside the transactions.
            return Ok(());
        }
        let committable = lock(self.tracker).take_committable();
        if committable.is_empty() {
            return Ok(());
        }
        // Dead-lettered records of these batches are acknowledged before their
        // offsets commit.
        self.reporter.flush()?;
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

/// Queues a batch's records (every output of the chain) for `sender`, as batch
/// `seq` of the tracker with the batch's source `offsets`. A record the producer
/// refuses as too large goes to `too_large` (reported, then skipped under
/// `errors.tolerance=all`, else the task fails) and counts as done.
fn produce_batch(
    sender: &dyn RecordSender,
    tracker: &Mutex<AckTracker>,
    seq: u64,
    outputs: &[Serialized<'_>],
    offsets: Vec<(String, String)>,
    too_large: &mut dyn FnMut(OriginalRecord, StageFailure) -> Result<(), String>,
) -> Result<(), String> {
    let total = outputs.iter().map(|o| batch::len(&o.records)).sum();
    lock(tracker).batches.push_back(InFlight {
        seq,
        remaining: total,
        offsets,
    });
    for output in outputs {
        let records = &*output.records;
        let mut header_keys = batch::iter_bytes(&records.headers.keys);
        let mut header_values = batch::iter_bytes(&output.headers);
        for (i, (key, value)) in batch::iter_bytes(&output.keys)
            .zip(batch::iter_bytes(&output.values))
            .enumerate()
        {
            let mut record: BaseRecord<'_, [u8], [u8], usize> = BaseRecord::with_opaque_to(
                &records.topics[records.topic[i] as usize],
                seq as usize,
            );
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
            let mut headers = Vec::new();
            if count > 0 {
                let mut owned = OwnedHeaders::new_with_capacity(count as usize);
                for _ in 0..count {
                    let key = header_keys
                        .next()
                        .flatten()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let value = header_values.next().flatten();
                    owned = owned.insert(Header { key: &key, value });
                    headers.push((key.into_owned(), value.map(<[u8]>::to_vec)));
                }
                record = record.headers(owned);
            }
            match produce(sender, record) {
                Ok(()) => {}
                Err(
                    error @ KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
                ) => {
                    let text = |column: &crate::plugin::bindings::types::BytesColumn| {
                        batch::iter_bytes(column)
                            .nth(i)
                            .flatten()
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                    };
                    let original = OriginalRecord {
                        topic: records.topics[records.topic[i] as usize].clone(),
                        partition: records.partition[i],
                        offset: -1,
                        timestamp: records.timestamp[i],
                        key: key.map(<[u8]>::to_vec),
                        value: value.map(<[u8]>::to_vec),
                        headers,
                        source: text(&records.source_partition).zip(text(&records.source_offset)),
                        cbor_payload: false,
                    };
                    let failure = StageFailure::new(
                        Stage::KafkaProduce,
                        "org.apache.kafka.clients.producer.KafkaProducer",
                        "producer",
                        CallError::Fatal(format!("the producer refused the record: {error}")),
                    );
                    too_large(original, failure)?;
                    lock(tracker).ack(seq, None);
                }
                Err(error) => return Err(format!("cannot produce to Kafka: {error}")),
            }
        }
    }
    Ok(())
}

/// The distinct topics the records of `outputs` go to (not every name in their
/// topic tables: a transform may leave unused ones there).
fn used_topics(outputs: &[Serialized<'_>]) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for output in outputs {
        let mut used = vec![false; output.records.topics.len()];
        for &t in &output.records.topic {
            if let Some(flag) = used.get_mut(t as usize) {
                *flag = true;
            }
        }
        for (name, _) in output.records.topics.iter().zip(used).filter(|(_, u)| *u) {
            if !topics.contains(name) {
                topics.push(name.clone());
            }
        }
    }
    topics
}

/// Queues one record, waiting while the producer's queue is full.
fn produce<'r>(
    sender: &dyn RecordSender,
    mut record: BaseRecord<'r, [u8], [u8], usize>,
) -> Result<(), KafkaError> {
    loop {
        match sender.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((error, _)) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::data::batch::ColumnBuilder;
    use crate::plugin::bindings::types::BytesColumn;

    fn bytes(values: &[&str]) -> BytesColumn {
        let mut builder = ColumnBuilder::default();
        for v in values {
            builder.push(Some(v.as_bytes()));
        }
        builder.finish()
    }

    /// A batch of `values` to topic `t`, ready for the producer.
    fn serialized(values: &[&str]) -> Serialized<'static> {
        let mut records = batch::empty_batch();
        records.topics = vec!["t".into()];
        for _ in values {
            records.topic.push(0);
            records.partition.push(-1);
            records.kafka_offset.push(-1);
            records.timestamp.push(-1);
            records.key.schema_ids.push(-1);
            records.key.values.lengths.push(-1);
            records.value.schema_ids.push(-1);
            records.value.values.lengths.push(-1);
            records.headers.counts.push(0);
        }
        let mut keys = ColumnBuilder::default();
        for _ in values {
            keys.push(None);
        }
        Serialized {
            records: Cow::Owned(records),
            keys: keys.finish(),
            values: bytes(values),
            headers: bytes(&[]),
        }
    }

    /// Accepts records, except those whose value is `too-large`; remembers the rest.
    #[derive(Default)]
    struct FakeSender {
        sent: RefCell<Vec<(String, usize)>>,
    }

    impl RecordSender for FakeSender {
        fn send<'r>(&self, record: BaseRecord<'r, [u8], [u8], usize>) -> SendResult<'r> {
            let value = String::from_utf8_lossy(record.payload.unwrap_or_default()).into_owned();
            if value == "too-large" {
                return Err((
                    KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge),
                    record,
                ));
            }
            self.sent.borrow_mut().push((value, record.delivery_opaque));
            Ok(())
        }
    }

    fn offsets(position: u32) -> Vec<(String, String)> {
        vec![("{\"f\":1}".into(), format!("{{\"position\":{position}}}"))]
    }

    #[test]
    fn offsets_commit_only_for_fully_acknowledged_leading_batches() {
        let tracker = Mutex::new(AckTracker::default());
        let sender = FakeSender::default();
        let mut never = |_: OriginalRecord, _: StageFailure| -> Result<(), String> {
            panic!("nothing is too large here")
        };
        for (seq, values) in [(1, vec!["a", "b"]), (2, vec!["c"])] {
            produce_batch(
                &sender,
                &tracker,
                seq,
                &[serialized(&values)],
                offsets(seq as u32),
                &mut never,
            )
            .expect("sent");
        }
        assert_eq!(sender.sent.borrow().len(), 3);
        // The second batch is acknowledged first: nothing may commit yet.
        lock(&tracker).ack(2, None);
        assert!(lock(&tracker).take_committable().is_empty());
        lock(&tracker).ack(1, None);
        assert!(lock(&tracker).take_committable().is_empty());
        lock(&tracker).ack(1, None);
        assert_eq!(
            lock(&tracker).take_committable(),
            offsets(2).into_iter().collect::<BTreeMap<_, _>>()
        );
    }

    #[test]
    fn a_failed_delivery_fails_the_task_and_blocks_its_offsets() {
        let mut tracker = AckTracker::default();
        tracker.batches.push_back(InFlight {
            seq: 1,
            remaining: 1,
            offsets: offsets(1),
        });
        tracker.ack(1, Some("broker said no".into()));
        assert_eq!(tracker.failure.as_deref(), Some("broker said no"));
    }

    #[test]
    fn a_record_too_large_is_reported_and_its_offsets_still_commit() {
        let tracker = Mutex::new(AckTracker::default());
        let sender = FakeSender::default();
        let mut reported = Vec::new();
        produce_batch(
            &sender,
            &tracker,
            1,
            &[serialized(&["a", "too-large", "b"])],
            offsets(9),
            &mut |record, failure| {
                assert_eq!(failure.stage, Stage::KafkaProduce);
                reported.push(record.value);
                Ok(())
            },
        )
        .expect("sent");
        assert_eq!(reported, [Some(b"too-large".to_vec())]);
        lock(&tracker).ack(1, None);
        lock(&tracker).ack(1, None);
        assert_eq!(lock(&tracker).take_committable().len(), 1);
    }

    #[test]
    fn without_tolerance_a_record_too_large_fails_the_batch() {
        let tracker = Mutex::new(AckTracker::default());
        let sender = FakeSender::default();
        let result = produce_batch(
            &sender,
            &tracker,
            1,
            &[serialized(&["too-large", "b"])],
            offsets(1),
            &mut |_, failure| Err(failure.tolerance_exceeded_trace()),
        );
        assert!(result.is_err_and(|t| t.contains("Tolerance exceeded")));
        assert!(sender.sent.borrow().is_empty());
    }
}
