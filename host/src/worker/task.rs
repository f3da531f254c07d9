//! Signals between the herder and a task thread, and the handle the herder keeps.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::status::SharedStatus;

/// Stop and pause requests for one task, with a way to sleep that wakes on them.
#[derive(Default)]
pub struct Signals {
    stop: AtomicBool,
    /// Set when the task outlived its stop deadline and was abandoned (Kafka's
    /// `WorkerTask.cancel()`): it must not commit offsets or write its status.
    cancelled: AtomicBool,
    paused: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Signals {
    pub fn new(paused: bool) -> Arc<Self> {
        let signals = Self::default();
        signals.paused.store(paused, Ordering::SeqCst);
        Arc::new(signals)
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Abandons the task: it stops, and skips its final offset commit and status write.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.request_stop();
    }

    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_all();
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        self.wake.notify_all();
    }

    /// Sleeps up to `timeout`, returning early on stop, pause or resume.
    pub fn wait(&self, timeout: Duration) {
        let guard = crate::util::lock(&self.lock);
        if self.stopping() {
            return;
        }
        let _ = self.wake.wait_timeout(guard, timeout);
    }
}

/// A running task as the herder sees it.
pub struct TaskHandle {
    pub id: u32,
    pub config: BTreeMap<String, String>,
    pub status: SharedStatus,
    pub signals: Arc<Signals>,
    pub thread: Option<JoinHandle<()>>,
}

impl TaskHandle {
    /// A task that could not start: FAILED with `trace`, no thread.
    pub fn failed(id: u32, config: BTreeMap<String, String>, trace: String) -> Self {
        let status = SharedStatus::new(super::status::State::Failed);
        status.set(super::status::Status::failed(trace));
        Self {
            id,
            config,
            status,
            signals: Signals::new(false),
            thread: None,
        }
    }

    /// Asks the task to stop and waits up to `timeout` for it to finish its clean
    /// shutdown (final flush and offset commit). A task stuck in a plugin call is
    /// left to its CPU deadline, which will end it.
    pub fn stop(&mut self, timeout: Duration) {
        self.signals.request_stop();
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = Instant::now() + timeout;
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::warn!(
                task = self.id,
                "task did not stop within {timeout:?}; cancelling it and abandoning its thread"
            );
            self.signals.cancel();
        }
    }
}

/// Everything a task thread needs to run.
#[derive(Clone)]
pub struct TaskArgs {
    pub connector: Arc<crate::config::connector::ResolvedConnector>,
    pub task_id: u32,
    pub config: BTreeMap<String, String>,
    pub services: Arc<super::WorkerServices>,
    pub status: SharedStatus,
    pub signals: Arc<Signals>,
}

impl TaskArgs {
    /// The `connector-task` label used in logs and client ids.
    pub fn label(&self) -> String {
        format!("{}-{}", self.connector.name, self.task_id)
    }

    /// Opens the task's own plugin instance (granted the paths its task config names)
    /// and its converters and transforms; the error is the trace to fail with.
    pub fn open_stages<T>(
        &self,
        ctx: &crate::plugin::PluginContext,
        open: impl FnOnce(
            &Arc<crate::plugin::LoadedPlugin>,
            crate::plugin::PluginContext,
            &crate::plugin::Grants,
            crate::plugin::SandboxLimits,
            &Vec<(String, String)>,
        ) -> Result<T, crate::plugin::CallError>,
    ) -> Result<(T, super::pipeline::Pipeline), String> {
        let connector = &self.connector;
        let grants = crate::config::connector::grants_for(
            &connector.connector,
            &self.config,
            &self.services.config,
        )
        .map_err(|errors| errors.message(&connector.connector.descriptor.name))?;
        let config = crate::plugin::instance::config_list(&self.config);
        let task = open(
            &connector.connector,
            ctx.clone(),
            &grants,
            connector.limits,
            &config,
        )
        .map_err(|error| {
            format!(
                "{} task failed to start: {}",
                connector.kind().as_str(),
                error.trace()
            )
        })?;
        let pipeline = super::pipeline::Pipeline::open(connector, ctx, connector.limits)
            .map_err(|e| e.trace())?;
        Ok((task, pipeline))
    }

    /// The reporter for records that fail a stage: the error log and, when
    /// `errors.deadletterqueue.topic.name` is set, the dead letter queue (created if
    /// missing). The error is the trace to fail with.
    pub fn reporter(&self) -> Result<super::errors::report::Reporter, String> {
        let policy = super::errors::ErrorPolicy::from_props(&self.connector.config.props);
        let dlq = match &policy.dlq {
            None => None,
            Some(dlq) => Some(super::errors::report::DeadLetterQueue::open(
                &self.services.config,
                &self.connector.config.props,
                dlq,
                &self.label(),
            )?),
        };
        Ok(super::errors::report::Reporter::new(
            policy,
            &self.connector.name,
            self.task_id,
            dlq,
        ))
    }

    /// Marks the task failed with `trace`, logging it (unless it was cancelled).
    pub fn fail(&self, trace: String) {
        if self.signals.cancelled() {
            tracing::warn!(connector = %self.connector.name, task = self.task_id, "cancelled task failed: {trace}");
            return;
        }
        tracing::error!(connector = %self.connector.name, task = self.task_id, "task failed: {trace}");
        self.status.set(super::status::Status::failed(trace));
    }
}

/// Spawns the thread that runs one task, returning its handle.
pub fn spawn(args: TaskArgs, run: fn(TaskArgs)) -> TaskHandle {
    let handle_args = args.clone();
    let name = format!("task-{}", args.label());
    let connector = args.connector.name.clone();
    let task = args.task_id;
    let thread = std::thread::Builder::new().name(name).spawn(move || {
        let span = tracing::info_span!("task", connector = %connector, task);
        let _entered = span.enter();
        super::restart::supervise(args, run)
    });
    let thread = match thread {
        Ok(thread) => Some(thread),
        Err(error) => {
            handle_args.fail(format!("cannot start task thread: {error}"));
            None
        }
    };
    TaskHandle {
        id: handle_args.task_id,
        config: handle_args.config,
        status: handle_args.status,
        signals: handle_args.signals,
        thread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(thread: JoinHandle<()>, signals: Arc<Signals>) -> TaskHandle {
        TaskHandle {
            id: 0,
            config: BTreeMap::new(),
            status: SharedStatus::new(super::super::status::State::Running),
            signals,
            thread: Some(thread),
        }
    }

    #[test]
    fn a_task_that_stops_in_time_is_not_cancelled() {
        let signals = Signals::new(false);
        let watched = signals.clone();
        let thread = std::thread::spawn(move || {
            while !watched.stopping() {
                watched.wait(Duration::from_millis(50));
            }
        });
        let mut task = handle(thread, signals.clone());
        task.stop(Duration::from_secs(30));
        assert!(signals.stopping());
        assert!(!signals.cancelled());
    }

    #[test]
    fn a_task_that_outlives_its_stop_deadline_is_cancelled() {
        let signals = Signals::new(false);
        let (release, stuck) = std::sync::mpsc::channel::<()>();
        // Stuck in a plugin call that ignores the stop request.
        let thread = std::thread::spawn(move || {
            let _ = stuck.recv();
        });
        let mut task = handle(thread, signals.clone());
        task.stop(Duration::from_millis(20));
        assert!(signals.cancelled());
        let _ = release.send(());
    }
}
