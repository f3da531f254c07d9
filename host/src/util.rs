//! Small helpers every layer uses.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, taking over a poisoned one: a panic elsewhere (a plugin call
/// unwinding through a task thread) must not wedge the herder or REST.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Percent-encodes a path segment (connector names may hold any character).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
