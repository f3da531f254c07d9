//! Kafka Connect's `RetryWithToleranceOperator`, minus the reporting: runs a plugin
//! call, retries it while it fails with a `retriable` error and the connector's
//! `errors.retry.timeout` allows, backing off as Kafka does (300 ms doubling, capped
//! by `errors.retry.delay.max.ms` and by the deadline), and counts what happened.
//! A trap or a fatal error is never retried: the instance that trapped is gone.

use std::time::{Duration, Instant};

use super::{ErrorPolicy, StageFailure};
use crate::plugin::CallError;

/// Kafka's `RETRIES_DELAY_MIN_MS`: the first backoff.
pub const RETRY_DELAY_MIN: Duration = Duration::from_millis(300);

/// The clock and the sleep the operator waits with; the task's signals in a task (a
/// stop request ends the wait), a fake in unit tests.
pub trait Sleeper {
    fn now(&self) -> Instant {
        Instant::now()
    }
    /// Sleeps up to `duration`; false if the task is stopping and should not retry.
    fn sleep(&self, duration: Duration) -> bool;
}

impl Sleeper for crate::worker::task::Signals {
    fn sleep(&self, duration: Duration) -> bool {
        self.wait(duration);
        !self.stopping()
    }
}

/// What the operator and the tolerance around it did, for the task's log and metrics
/// (Kafka's `ErrorHandlingMetrics`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Failed attempts, retriable or not.
    pub failures: u64,
    /// Attempts made again after a retriable failure.
    pub retries: u64,
    /// Records skipped under `errors.tolerance=all`.
    pub skipped: u64,
    /// Records written to the dead letter queue.
    pub dead_lettered: u64,
}

/// Runs plugin calls under one connector's retry policy.
pub struct Operator<'a> {
    policy: &'a ErrorPolicy,
    sleeper: &'a dyn Sleeper,
    pub counters: Counters,
}

impl<'a> Operator<'a> {
    pub fn new(policy: &'a ErrorPolicy, sleeper: &'a dyn Sleeper) -> Self {
        Self {
            policy,
            sleeper,
            counters: Counters::default(),
        }
    }

    pub fn policy(&self) -> &ErrorPolicy {
        self.policy
    }

    /// A converter, header converter, transform or predicate call: retried until
    /// `errors.retry.timeout` (0, Kafka's default, means no retry; -1 forever).
    pub fn stage<T>(
        &mut self,
        call: impl FnMut() -> Result<T, StageFailure>,
    ) -> Result<T, StageFailure> {
        self.retry(self.policy.retry_timeout, call)
    }

    /// A task's own `poll`, `put` or `flush`. Kafka retries a `RetriableException`
    /// there indefinitely, so Kafka's default timeout of 0 means forever here; a
    /// positive `errors.retry.timeout` bounds it.
    pub fn task_call<T>(
        &mut self,
        call: impl FnMut() -> Result<T, StageFailure>,
    ) -> Result<T, StageFailure> {
        let timeout = self.policy.retry_timeout.filter(|t| !t.is_zero());
        self.retry(timeout, call)
    }

    fn retry<T>(
        &mut self,
        timeout: Option<Duration>,
        mut call: impl FnMut() -> Result<T, StageFailure>,
    ) -> Result<T, StageFailure> {
        let start = self.sleeper.now();
        let deadline = timeout.map(|t| start + t);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let failure = match call() {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            self.counters.failures += 1;
            if !matches!(failure.error, CallError::Retriable(_)) {
                return Err(failure);
            }
            let now = self.sleeper.now();
            if deadline.is_some_and(|d| now >= d) {
                tracing::debug!(
                    stage = failure.stage.name(),
                    attempt,
                    "retry timeout reached: {failure}"
                );
                return Err(failure);
            }
            let delay = backoff(attempt, self.policy.retry_delay_max, now, deadline);
            tracing::info!(
                stage = failure.stage.name(),
                attempt,
                ?delay,
                "retriable failure, retrying: {failure}"
            );
            if !self.sleeper.sleep(delay) {
                return Err(failure);
            }
            self.counters.retries += 1;
        }
    }
}

/// Kafka's backoff before attempt `attempt + 1`: 300 ms doubling per attempt, at
/// most `max`, never past `deadline`.
pub fn backoff(attempt: u32, max: Duration, now: Instant, deadline: Option<Instant>) -> Duration {
    let doubled = RETRY_DELAY_MIN
        .checked_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .unwrap_or(Duration::MAX);
    let delay = doubled.min(max);
    match deadline {
        Some(deadline) => delay.min(deadline.saturating_duration_since(now)),
        None => delay,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::super::{Stage, Tolerance};
    use super::*;

    /// A clock that only moves when slept on.
    struct FakeClock {
        start: Instant,
        elapsed: Cell<Duration>,
        sleeps: RefCell<Vec<Duration>>,
        stop_after: Option<usize>,
    }

    impl FakeClock {
        fn new() -> Self {
            Self {
                start: Instant::now(),
                elapsed: Cell::new(Duration::ZERO),
                sleeps: RefCell::new(Vec::new()),
                stop_after: None,
            }
        }
    }

    impl Sleeper for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.elapsed.get()
        }
        fn sleep(&self, duration: Duration) -> bool {
            self.sleeps.borrow_mut().push(duration);
            self.elapsed.set(self.elapsed.get() + duration);
            self.stop_after
                .is_none_or(|n| self.sleeps.borrow().len() < n)
        }
    }

    fn policy(timeout_ms: i64, max_ms: u64) -> ErrorPolicy {
        ErrorPolicy {
            retry_timeout: (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64)),
            retry_delay_max: Duration::from_millis(max_ms),
            tolerance: Tolerance::All,
            ..ErrorPolicy::default()
        }
    }

    fn failing(
        retriable_first: u32,
        calls: &Cell<u32>,
    ) -> impl FnMut() -> Result<u32, StageFailure> + '_ {
        move || {
            calls.set(calls.get() + 1);
            if calls.get() <= retriable_first {
                Err(StageFailure::new(
                    Stage::ValueConverter,
                    "c",
                    "value.converter (c)",
                    CallError::Retriable("busy".into()),
                ))
            } else {
                Ok(calls.get())
            }
        }
    }

    #[test]
    fn backoff_doubles_from_300ms_and_is_capped() {
        let now = Instant::now();
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=5)
            .map(|a| backoff(a, max, now, None).as_millis() as u64)
            .collect();
        assert_eq!(delays, [300, 600, 1200, 2400, 4800]);
        assert_eq!(backoff(20, max, now, None), max);
        assert_eq!(backoff(200, max, now, None), max);
        assert_eq!(
            backoff(3, max, now, Some(now + Duration::from_millis(500))),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn default_timeout_does_not_retry_a_stage() {
        let clock = FakeClock::new();
        let policy = policy(0, 60_000);
        let mut operator = Operator::new(&policy, &clock);
        let calls = Cell::new(0);
        let result = operator.stage(failing(1, &calls));
        assert!(result.is_err());
        assert_eq!(calls.get(), 1);
        assert!(clock.sleeps.borrow().is_empty());
    }

    #[test]
    fn retries_a_stage_within_the_timeout() {
        let clock = FakeClock::new();
        let policy = policy(10_000, 60_000);
        let mut operator = Operator::new(&policy, &clock);
        let calls = Cell::new(0);
        assert_eq!(operator.stage(failing(3, &calls)).ok(), Some(4));
        assert_eq!(
            *clock.sleeps.borrow(),
            [300, 600, 1200].map(Duration::from_millis)
        );
        assert_eq!(operator.counters.retries, 3);
        assert_eq!(operator.counters.failures, 3);
    }

    #[test]
    fn gives_up_at_the_timeout_without_sleeping_past_it() {
        let clock = FakeClock::new();
        let policy = policy(1000, 60_000);
        let mut operator = Operator::new(&policy, &clock);
        let calls = Cell::new(0);
        let error = operator.stage(failing(100, &calls)).err();
        assert!(matches!(
            error.map(|e| e.error),
            Some(CallError::Retriable(_))
        ));
        // 300 + 600 + (capped at the deadline) 100 ms, then one last attempt.
        assert_eq!(
            *clock.sleeps.borrow(),
            [300, 600, 100].map(Duration::from_millis)
        );
        assert_eq!(calls.get(), 4);
    }

    #[test]
    fn task_calls_retry_forever_by_default_and_stop_on_request() {
        let mut clock = FakeClock::new();
        clock.stop_after = Some(10);
        let policy = policy(0, 1000);
        let mut operator = Operator::new(&policy, &clock);
        let calls = Cell::new(0);
        assert!(operator.task_call(failing(u32::MAX, &calls)).is_err());
        assert_eq!(clock.sleeps.borrow().len(), 10);
        assert_eq!(clock.sleeps.borrow()[9], Duration::from_secs(1));
    }

    #[test]
    fn fatal_errors_and_traps_are_never_retried() {
        let clock = FakeClock::new();
        let policy = policy(-1, 1000);
        let mut operator = Operator::new(&policy, &clock);
        for error in [
            CallError::Fatal("bad".into()),
            CallError::Trap {
                summary: "trap".into(),
                trace: "trap".into(),
            },
        ] {
            let calls = Cell::new(0);
            let result: Result<(), _> = operator.stage(|| {
                calls.set(calls.get() + 1);
                Err(StageFailure::new(
                    Stage::Transformation,
                    "t",
                    "t",
                    error.clone(),
                ))
            });
            assert!(result.is_err());
            assert_eq!(calls.get(), 1);
        }
        assert!(clock.sleeps.borrow().is_empty());
    }
}
