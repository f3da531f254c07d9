//! TCP byte counts for the operator: the streams a granted TCP connection hands the
//! plugin (`tcp-socket.finish-connect`) are remembered, and the stream functions that
//! move bytes (`read`, `blocking-read`, `write`, `blocking-write-and-flush`) are
//! shadowed to add what passed through them to the instance's [`NetworkCounters`].
//! Counting is by stream handle: `skip`, `splice` and `write-zeroes` are not counted.

use std::collections::HashSet;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::StreamError;
use wasmtime_wasi::p2::bindings::sync::io::streams::{
    self, Host as _, HostInputStream as _, HostOutputStream as _, InputStream, OutputStream,
};
use wasmtime_wasi::p2::bindings::sync::sockets::network::{ErrorCode, Host as _};
use wasmtime_wasi::p2::bindings::sync::sockets::tcp::{HostTcpSocket as _, TcpSocket};
use wasmtime_wasi::sockets::WasiSocketsView;

use super::network::NetworkCounters;
use super::shadow_existing;
use crate::plugin::instance::HostState;

const TCP: &str = "wasi:sockets/tcp@0.2.12";
const STREAMS: &str = "wasi:io/streams@0.2.12";

/// The stream handles of the plugin's TCP connections.
#[derive(Debug, Default)]
pub struct SocketStreams {
    inputs: HashSet<u32>,
    outputs: HashSet<u32>,
}

type Streamed<T> = wasmtime::Result<(Result<T, streams::StreamError>,)>;
/// What `finish-connect` returns: the connection's two streams.
type Connected =
    wasmtime::Result<(Result<(Resource<InputStream>, Resource<OutputStream>), ErrorCode>,)>;

fn finish<T>(state: &mut HostState, result: Result<T, StreamError>) -> Streamed<T> {
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(error) => Ok((Err(state.sandbox.table.convert_stream_error(error)?),)),
    }
}

fn count_in(state: &HostState, stream: u32, n: usize) {
    if state.sandbox.socket_streams.inputs.contains(&stream) {
        NetworkCounters::add(&state.sandbox.network.counters.bytes_in, n as u64);
    }
}

fn count_out(state: &HostState, stream: u32, n: usize) {
    if state.sandbox.socket_streams.outputs.contains(&stream) {
        NetworkCounters::add(&state.sandbox.network.counters.bytes_out, n as u64);
    }
}

/// Adds the counting shadows to `linker` (which already has WASI).
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    shadow_existing(
        linker,
        TCP,
        "[method]tcp-socket.finish-connect",
        |mut store: StoreContextMut<'_, HostState>,
         (socket,): (Resource<TcpSocket>,)|
         -> Connected {
            let state = store.data_mut();
            let mut view = state.sockets();
            match view.finish_connect(socket) {
                Ok((input, output)) => {
                    state.sandbox.socket_streams.inputs.insert(input.rep());
                    state.sandbox.socket_streams.outputs.insert(output.rep());
                    Ok((Ok((input, output)),))
                }
                Err(error) => Ok((Err(view.convert_error_code(error)?),)),
            }
        },
    )?;
    shadow_existing(
        linker,
        STREAMS,
        "[method]input-stream.read",
        |mut store: StoreContextMut<'_, HostState>, (stream, len): (Resource<InputStream>, u64)| {
            let state = store.data_mut();
            let rep = stream.rep();
            let result = state.sandbox.table.read(stream, len);
            if let Ok(bytes) = &result {
                count_in(state, rep, bytes.len());
            }
            finish(state, result)
        },
    )?;
    shadow_existing(
        linker,
        STREAMS,
        "[method]input-stream.blocking-read",
        |mut store: StoreContextMut<'_, HostState>, (stream, len): (Resource<InputStream>, u64)| {
            let state = store.data_mut();
            let rep = stream.rep();
            let result = state.sandbox.table.blocking_read(stream, len);
            if let Ok(bytes) = &result {
                count_in(state, rep, bytes.len());
            }
            finish(state, result)
        },
    )?;
    shadow_existing(
        linker,
        STREAMS,
        "[method]output-stream.write",
        |mut store: StoreContextMut<'_, HostState>,
         (stream, bytes): (Resource<OutputStream>, Vec<u8>)| {
            let state = store.data_mut();
            let (rep, n) = (stream.rep(), bytes.len());
            let result = state.sandbox.table.write(stream, bytes);
            if result.is_ok() {
                count_out(state, rep, n);
            }
            finish(state, result)
        },
    )?;
    shadow_existing(
        linker,
        STREAMS,
        "[method]output-stream.blocking-write-and-flush",
        |mut store: StoreContextMut<'_, HostState>,
         (stream, bytes): (Resource<OutputStream>, Vec<u8>)| {
            let state = store.data_mut();
            let (rep, n) = (stream.rep(), bytes.len());
            let result = state.sandbox.table.blocking_write_and_flush(stream, bytes);
            if result.is_ok() {
                count_out(state, rep, n);
            }
            finish(state, result)
        },
    )?;
    Ok(())
}
