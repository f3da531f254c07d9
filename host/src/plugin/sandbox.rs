//! The sandbox every plugin instance runs in: deny-by-default WASI, the grants of
//! `capabilities` (files, network), a memory cap and a per-call CPU deadline.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::capabilities::Grants;
use super::capabilities::files::{self, FileOnlyDirs};
use super::capabilities::http::HttpGrant;
use super::capabilities::network::NetworkPolicy;
use super::capabilities::traffic::SocketStreams;
use crate::util::lock;

/// Default linear-memory cap per plugin instance.
pub const DEFAULT_MEMORY_MAX_BYTES: usize = 256 * 1024 * 1024;
/// Default CPU deadline of one host→guest call.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of a plugin's stderr is kept to explain a failure.
const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// Resource limits of one plugin instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxLimits {
    pub memory_max_bytes: usize,
    pub call_timeout: Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_max_bytes: DEFAULT_MEMORY_MAX_BYTES,
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}

/// Builds a WASI context that grants nothing but `grants`: no environment, no
/// arguments, no stdin; stdout is discarded and stderr is kept as a short tail for
/// failure traces. Each capability prepares its own part (see `capabilities`).
pub fn wasi_context(
    grants: &Grants,
    stderr: &OutputTail,
) -> io::Result<(WasiCtx, FileOnlyDirs, Arc<NetworkPolicy>)> {
    let mut builder = WasiCtxBuilder::new();
    builder.stderr(stderr.clone());
    let file_only = files::prepare(&grants.files, &mut builder)?;
    let network = grants.network.prepare(&mut builder);
    Ok((builder.build(), file_only, network))
}

/// Builds the store limits for one instance. A refused memory growth traps (with a
/// message saying so) instead of handing the guest an allocation failure.
pub fn store_limits(limits: &SandboxLimits) -> StoreLimits {
    StoreLimitsBuilder::new()
        .memory_size(limits.memory_max_bytes)
        .instances(64)
        .tables(64)
        .memories(64)
        .trap_on_grow_failure(true)
        .build()
}

/// Everything a plugin's store holds on the host side.
pub struct SandboxState {
    pub wasi: WasiCtx,
    /// Preopened directories that expose only granted files.
    pub file_only: FileOnlyDirs,
    /// The network grant's connect-time check and the plugin's traffic counters.
    pub network: Arc<NetworkPolicy>,
    /// `wasi:http` state, sending only what `network` permits.
    pub http: HttpGrant,
    /// The stream handles of granted TCP connections (for byte counts).
    pub socket_streams: SocketStreams,
    pub table: ResourceTable,
    pub limits: StoreLimits,
    pub stderr: OutputTail,
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A stderr stream that keeps only the last few KiB the guest wrote, so a panic
/// message can be shown in the task's trace. Writes never fail or block.
#[derive(Clone, Default)]
pub struct OutputTail {
    buffer: Arc<Mutex<VecDeque<u8>>>,
}

impl OutputTail {
    pub fn new() -> Self {
        Self::default()
    }

    /// The kept tail as text.
    pub fn contents(&self) -> String {
        let buffer = lock(&self.buffer);
        let (a, b) = buffer.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = lock(&self.buffer);
        buffer.extend(bytes.iter().copied());
        let excess = buffer.len().saturating_sub(STDERR_TAIL_BYTES);
        buffer.drain(..excess);
    }
}

impl IsTerminal for OutputTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for OutputTail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for OutputTail {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.append(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for OutputTail {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for OutputTail {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_keeps_the_end() {
        let tail = OutputTail::new();
        tail.append(&vec![b'a'; STDERR_TAIL_BYTES]);
        tail.append(b"panicked at the end");
        let text = tail.contents();
        assert_eq!(text.len(), STDERR_TAIL_BYTES);
        assert!(text.ends_with("panicked at the end"));
    }
}
