//! The error every plugin call returns: it tells the host what to do.

use crate::data::DataError;

/// A failed plugin call (the WIT `plugin-error`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// Transient: the host retries the same call later and does not fail the task.
    #[error("retriable: {0}")]
    Retriable(String),
    /// Unrecoverable: the host fails the task (or connector) with this message.
    #[error("{0}")]
    Fatal(String),
    /// Invalid configuration: like `Fatal`, reported as a config problem.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl PluginError {
    pub fn retriable(message: impl Into<String>) -> Self {
        PluginError::Retriable(message.into())
    }

    pub fn fatal(message: impl Into<String>) -> Self {
        PluginError::Fatal(message.into())
    }

    /// A config error listing every problem's message (for `open` after the same
    /// checks `validate` reported key by key).
    pub fn config_problems(problems: Vec<crate::ConfigProblem>) -> Self {
        PluginError::config(
            problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    pub fn config(message: impl Into<String>) -> Self {
        PluginError::Config(message.into())
    }

    /// The message without the kind.
    pub fn message(&self) -> &str {
        match self {
            PluginError::Retriable(m) | PluginError::Fatal(m) | PluginError::Config(m) => m,
        }
    }
}

impl From<DataError> for PluginError {
    fn from(e: DataError) -> Self {
        PluginError::Fatal(e.to_string())
    }
}

impl From<std::io::Error> for PluginError {
    /// I/O errors are fatal, except the kinds that usually clear up on their own.
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind::*;
        match e.kind() {
            Interrupted | WouldBlock | TimedOut => PluginError::Retriable(e.to_string()),
            _ => PluginError::Fatal(e.to_string()),
        }
    }
}

/// Shorthand for plugin results.
pub type Result<T, E = PluginError> = std::result::Result<T, E>;
