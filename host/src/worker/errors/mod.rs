//! Error handling for every plugin call in a task, as Kafka Connect's
//! `RetryWithToleranceOperator`: the connector's `errors.*` policy, the stages a
//! record passes through, retries with Kafka's backoff, tolerance, and the reporters
//! (log, dead letter queue) a tolerated or fatal record failure goes to.

pub mod operator;
pub mod policy;
pub mod report;
pub mod tolerance;

pub use operator::{Operator, Sleeper};
pub use policy::{DlqPolicy, ErrorPolicy, Tolerance};

use crate::plugin::CallError;

/// Where in a task a plugin call failed: Kafka's `Stage` names, which go into the
/// `__connect.errors.stage` header and the error log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
    /// A predicate gating a transformation (Kafka runs it inside TRANSFORMATION).
    Predicate,
    TaskPut,
    TaskPoll,
    KafkaProduce,
    KafkaConsume,
}

impl Stage {
    /// Kafka's enum constant name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation | Stage::Predicate => "TRANSFORMATION",
            Stage::TaskPut => "TASK_PUT",
            Stage::TaskPoll => "TASK_POLL",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
        }
    }

    /// Whether `errors.tolerance=all` may skip a record that fails here. As in Kafka,
    /// only conversion and transformation failures are tolerable; a failing `put` or
    /// `poll` concerns the whole batch and fails the task. Producing is tolerable in
    /// Ferry's source dead letter queue (a record the producer rejects as too large).
    pub fn tolerable(self) -> bool {
        matches!(
            self,
            Stage::KeyConverter
                | Stage::ValueConverter
                | Stage::HeaderConverter
                | Stage::Transformation
                | Stage::Predicate
                | Stage::KafkaProduce
        )
    }
}

/// A plugin call that failed (after any retries) in one stage of a task.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{label}: {error}")]
pub struct StageFailure {
    pub stage: Stage,
    /// The class or plugin name as the user configured it (`__connect.errors.class.name`).
    pub class: String,
    /// Human label of the stage, e.g. `transforms.route (regex-router)`.
    pub label: String,
    pub error: CallError,
}

impl StageFailure {
    pub fn new(
        stage: Stage,
        class: impl Into<String>,
        label: impl Into<String>,
        error: CallError,
    ) -> Self {
        Self {
            stage,
            class: class.into(),
            label: label.into(),
            error,
        }
    }

    /// Whether `errors.tolerance` covers this failure: a record failing a data
    /// stage, not a plugin breaking the contract (a malformed batch).
    pub fn tolerable(&self) -> bool {
        self.stage.tolerable() && !matches!(self.error, CallError::Invalid(_))
    }

    /// The Java exception class a Kafka Connect user would see for this failure.
    pub fn exception_class(&self) -> &'static str {
        match (&self.error, self.stage) {
            (CallError::Retriable(_), _) => "org.apache.kafka.connect.errors.RetriableException",
            (CallError::Config(_), _) => "org.apache.kafka.common.config.ConfigException",
            (CallError::Trap { .. }, _) => "org.apache.kafka.connect.errors.ConnectException",
            (_, Stage::KafkaProduce | Stage::KafkaConsume) => {
                "org.apache.kafka.common.KafkaException"
            }
            _ => "org.apache.kafka.connect.errors.DataException",
        }
    }

    /// The exception message (`__connect.errors.exception.message`).
    pub fn message(&self) -> String {
        match &self.error {
            CallError::Trap { summary, .. } => summary.clone(),
            CallError::Retriable(m) | CallError::Fatal(m) | CallError::Config(m) => m.clone(),
            other => other.to_string(),
        }
    }

    /// A stack-trace-like text (`__connect.errors.exception.stacktrace`): the
    /// exception line, then where it happened and, for traps, the wasm backtrace.
    pub fn stacktrace(&self) -> String {
        let mut text = format!(
            "{}: {}\n\tat {} ({})",
            self.exception_class(),
            self.message(),
            self.label,
            self.stage.name()
        );
        if let CallError::Trap { trace, .. } = &self.error {
            text.push_str("\n\n");
            text.push_str(trace);
        }
        text
    }

    /// The task's status trace when this failure is not tolerated: Kafka's
    /// "Tolerance exceeded in error handler" with the failure as its cause.
    pub fn tolerance_exceeded_trace(&self) -> String {
        format!(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n\
             Caused by: {}",
            self.stacktrace()
        )
    }

    /// The trace for a failure in a stage that is never tolerated (poll, put).
    pub fn trace(&self) -> String {
        format!("Error in stage {}: {}", self.label, self.error.trace())
    }
}
