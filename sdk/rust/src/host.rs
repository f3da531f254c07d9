//! What the host provides: logging, the source offset reader and reconfiguration.
//!
//! Compiled for a non-wasm target (native unit tests of a plugin), logging goes to
//! stderr, offsets come from [`testing::set_offset`] and reconfiguration is a no-op.

/// Log severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Write a line to the worker's log (tagged by the host with connector and task ids).
pub fn log(level: LogLevel, message: &str) {
    imp::log(level, message);
}

/// The last committed offset (JSON) of each source partition (JSON), in order;
/// `None` where nothing was committed yet (Kafka's `OffsetStorageReader.offsets`).
pub fn read_offsets(partitions: &[String]) -> Vec<Option<String>> {
    imp::read_offsets(partitions)
}

/// The last committed offset (JSON) of one source partition (JSON).
pub fn read_offset(partition: &str) -> Option<String> {
    read_offsets(&[partition.to_string()]).pop().flatten()
}

/// Ask the host to call `task_configs` again (Kafka's
/// `ConnectorContext.requestTaskReconfiguration`).
pub fn request_reconfiguration() {
    imp::request_reconfiguration();
}

/// Source tasks with `transaction.boundary=connector` (KIP-618's
/// `TransactionContext.commitTransaction()`): commit the transaction once the batch
/// this `poll` returns has been sent, with its records' offsets. Calling it (or
/// [`abort_transaction`]) anywhere in a plugin is what declares that the connector
/// can define transaction boundaries. Ignored unless the worker runs the task
/// with exactly-once support and that boundary.
pub fn commit_transaction() {
    imp::commit_transaction();
}

/// Abort the open transaction once the batch this `poll` returns has been sent:
/// its records are discarded and their offsets not committed (Kafka's
/// `TransactionContext.abortTransaction()`). Wins over [`commit_transaction`] in the
/// same poll.
pub fn abort_transaction() {
    imp::abort_transaction();
}

/// Log at trace level with `format!` arguments.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => { $crate::host::log($crate::host::LogLevel::Trace, &::std::format!($($arg)*)) };
}

/// Log at debug level with `format!` arguments.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::host::log($crate::host::LogLevel::Debug, &::std::format!($($arg)*)) };
}

/// Log at info level with `format!` arguments.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::host::log($crate::host::LogLevel::Info, &::std::format!($($arg)*)) };
}

/// Log at warn level with `format!` arguments.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::host::log($crate::host::LogLevel::Warn, &::std::format!($($arg)*)) };
}

/// Log at error level with `format!` arguments.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::host::log($crate::host::LogLevel::Error, &::std::format!($($arg)*)) };
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::LogLevel;
    use crate::bindings::host;

    pub fn log(level: LogLevel, message: &str) {
        let level = match level {
            LogLevel::Trace => host::LogLevel::Trace,
            LogLevel::Debug => host::LogLevel::Debug,
            LogLevel::Info => host::LogLevel::Info,
            LogLevel::Warn => host::LogLevel::Warn,
            LogLevel::Error => host::LogLevel::Error,
        };
        host::log(level, message);
    }

    pub fn read_offsets(partitions: &[String]) -> Vec<Option<String>> {
        host::read_offsets(partitions)
    }

    pub fn request_reconfiguration() {
        host::request_reconfiguration();
    }

    pub fn commit_transaction() {
        crate::bindings::transaction_part::ferry::connect::transaction_context::commit_transaction(
        );
    }

    pub fn abort_transaction() {
        crate::bindings::transaction_part::ferry::connect::transaction_context::abort_transaction();
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::LogLevel;

    pub fn log(level: LogLevel, message: &str) {
        eprintln!("[{level:?}] {message}");
    }

    pub fn read_offsets(partitions: &[String]) -> Vec<Option<String>> {
        super::testing::OFFSETS.with(|o| {
            let o = o.borrow();
            partitions.iter().map(|p| o.get(p).cloned()).collect()
        })
    }

    pub fn request_reconfiguration() {}

    pub fn commit_transaction() {
        super::testing::TRANSACTION.with(|t| {
            let mut t = t.borrow_mut();
            if t.is_none() {
                *t = Some(super::testing::TransactionRequest::Commit);
            }
        });
    }

    pub fn abort_transaction() {
        super::testing::TRANSACTION
            .with(|t| *t.borrow_mut() = Some(super::testing::TransactionRequest::Abort));
    }
}

/// Stand-ins for the host in native plugin unit tests. They take effect only when not
/// compiled for wasm32 (inside a component the real host answers); the module exists
/// on every target so `cargo clippy --all-targets --target wasm32-wasip2` compiles tests.
pub mod testing {
    use std::cell::RefCell;
    use std::collections::HashMap;

    thread_local! {
        #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
        pub(super) static OFFSETS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
        #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
        pub(super) static TRANSACTION: RefCell<Option<TransactionRequest>> = const { RefCell::new(None) };
    }

    /// What a task asked of its transaction (see [`take_transaction_request`]).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TransactionRequest {
        Commit,
        Abort,
    }

    /// What [`super::commit_transaction`] / [`super::abort_transaction`] asked on
    /// this thread since the last call (an abort wins), as the host takes it after
    /// each poll.
    pub fn take_transaction_request() -> Option<TransactionRequest> {
        TRANSACTION.with(|t| t.borrow_mut().take())
    }

    /// Make [`super::read_offsets`] return `offset` for `partition` on this thread.
    pub fn set_offset(partition: &str, offset: &str) {
        OFFSETS.with(|o| {
            o.borrow_mut()
                .insert(partition.to_string(), offset.to_string())
        });
    }

    /// Forget every offset set on this thread.
    pub fn clear_offsets() {
        OFFSETS.with(|o| o.borrow_mut().clear());
    }
}
