//! The shared wasmtime engine and its epoch ticker, which is what turns a per-call
//! CPU deadline into a trap instead of a hung worker thread.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use wasmtime::{Config, Engine};

/// How often the engine's epoch advances; per-call deadlines are counted in ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine every plugin shares and starts its epoch ticker thread.
pub fn new_engine() -> Result<Engine, wasmtime::Error> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    // Plugins are synchronous WASI 0.2 components: without concurrency support a
    // host→guest call is about three times cheaper.
    config.concurrency_support(false);
    config.parallel_compilation(true);
    let engine = Engine::new(&config)?;
    start_ticker(Arc::new(engine.weak()));
    Ok(engine)
}

/// Converts a call timeout into epoch ticks (rounding up, at least one).
pub fn ticks_for(timeout: Duration) -> u64 {
    let tick = EPOCH_TICK.as_millis().max(1);
    (timeout.as_millis().div_ceil(tick) as u64).max(1)
}

fn start_ticker(engine: Arc<wasmtime::EngineWeak>) {
    let spawned = thread::Builder::new()
        .name("ferry-epoch".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the epoch ticker: plugin call deadlines will not fire");
    }
}
