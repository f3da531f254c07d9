//! Polling helpers: tests wait for conditions, never for fixed amounts of time.

use std::time::{Duration, Instant};

/// Polls `cond` until it returns true or `timeout` elapses; returns whether it held.
///
/// Polls quickly at first (10 ms) and backs off to 200 ms between polls.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    wait_for(timeout, || cond().then_some(())).is_some()
}

/// Polls `probe` until it returns `Some` or `timeout` elapses.
pub fn wait_for<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
