//! Ferry's automatic restart of failed tasks (see `crate::config::task_restart`).
//! The task's own thread does it: when a run ends FAILED, it waits out the backoff
//! and runs the task again from scratch (fresh sandbox, clients and pipeline), so
//! it works the same on a standalone worker and on the cluster worker that owns
//! the task, with no rebalance. A manual restart over REST replaces the thread,
//! and with it the attempt count.

use std::time::{Duration, Instant};

use super::status::{State, Status};
use super::task::TaskArgs;
use crate::config::task_restart::RestartPolicy;

/// What to do after a failed run.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Restart `attempt` (from 1) after `delay`.
    Retry { attempt: u32, delay: Duration },
    /// Every attempt was used: stay FAILED.
    GiveUp,
}

/// Counts one task's consecutive automatic restarts.
#[derive(Debug)]
pub struct RestartTracker {
    policy: RestartPolicy,
    attempts: u32,
}

impl RestartTracker {
    pub fn new(policy: RestartPolicy) -> Self {
        Self {
            policy,
            attempts: 0,
        }
    }

    /// After a run that lasted `ran` ended FAILED. A run that stayed up for the
    /// longest backoff was healthy: the count starts again.
    pub fn on_failure(&mut self, ran: Duration) -> Decision {
        if ran >= self.policy.backoff_max {
            self.attempts = 0;
        }
        if self.attempts >= self.policy.max_attempts {
            return Decision::GiveUp;
        }
        self.attempts += 1;
        Decision::Retry {
            attempt: self.attempts,
            delay: self.policy.delay(self.attempts),
        }
    }

    /// The line added to the failure trace.
    pub fn note(&self, decision: &Decision) -> String {
        let max = self.policy.max_attempts;
        match decision {
            Decision::Retry { attempt, delay } => format!(
                "Ferry restarted this task automatically {} of {max} times; next attempt in {}s",
                attempt - 1,
                delay.as_secs_f64()
            ),
            Decision::GiveUp => format!(
                "Ferry restarted this task automatically {max} of {max} times and gave up after {max} attempts (ferry.task.restart.max.attempts); restart it over REST"
            ),
        }
    }
}

/// Runs a task with `run`, restarting it while its connector's policy allows.
pub fn supervise(args: TaskArgs, run: fn(TaskArgs)) {
    // Validation refused bad values; should one slip through, restarts stay off.
    let policy = RestartPolicy::parse(&args.connector.config.props).unwrap_or_default();
    if !policy.enabled() {
        return run(args);
    }
    let mut tracker = RestartTracker::new(policy);
    loop {
        let started = Instant::now();
        run(args.clone());
        let status = args.status.get();
        if args.signals.stopping() || status.state != State::Failed {
            return;
        }
        let decision = tracker.on_failure(started.elapsed());
        let note = tracker.note(&decision);
        let trace = status.trace.unwrap_or_default();
        args.status.set(Status::failed(format!("{trace}\n{note}")));
        let Decision::Retry { attempt, delay } = decision else {
            tracing::error!("{note}");
            return;
        };
        tracing::warn!(attempt, ?delay, "{note}");
        let deadline = Instant::now() + delay;
        while !args.signals.stopping() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            args.signals.wait(deadline - now);
        }
        if args.signals.stopping() {
            return;
        }
        tracing::info!(attempt, "restarting the failed task automatically");
        args.status.set(Status::new(State::Restarting));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(max: u32) -> RestartTracker {
        RestartTracker::new(RestartPolicy {
            max_attempts: max,
            backoff: Duration::from_secs(1),
            backoff_max: Duration::from_secs(4),
        })
    }

    #[test]
    fn retries_with_growing_delays_then_gives_up() {
        let mut t = tracker(3);
        let quick = Duration::from_millis(10);
        let delays: Vec<Decision> = (0..4).map(|_| t.on_failure(quick)).collect();
        assert_eq!(
            delays,
            [
                Decision::Retry {
                    attempt: 1,
                    delay: Duration::from_secs(1)
                },
                Decision::Retry {
                    attempt: 2,
                    delay: Duration::from_secs(2)
                },
                Decision::Retry {
                    attempt: 3,
                    delay: Duration::from_secs(4)
                },
                Decision::GiveUp,
            ]
        );
        assert_eq!(
            t.note(&Decision::GiveUp),
            "Ferry restarted this task automatically 3 of 3 times and gave up after 3 attempts (ferry.task.restart.max.attempts); restart it over REST"
        );
        assert_eq!(
            t.note(&Decision::Retry {
                attempt: 2,
                delay: Duration::from_millis(1500)
            }),
            "Ferry restarted this task automatically 1 of 3 times; next attempt in 1.5s"
        );
    }

    #[test]
    fn a_healthy_run_resets_the_count() {
        let mut t = tracker(2);
        t.on_failure(Duration::ZERO);
        t.on_failure(Duration::ZERO);
        assert_eq!(t.on_failure(Duration::ZERO), Decision::GiveUp);
        assert_eq!(
            t.on_failure(Duration::from_secs(4)),
            Decision::Retry {
                attempt: 1,
                delay: Duration::from_secs(1)
            }
        );
    }
}
