//! Kafka Connect's worker-group protocol: member metadata and assignments laid out
//! byte for byte as `ConnectProtocol` (v0, `default`) and
//! `IncrementalCooperativeConnectProtocol` (v1 `compatible`, v2 `sessioned`) lay them
//! out, so the bytes a Ferry worker puts in JoinGroup/SyncGroup mean the same to any
//! Kafka tool that inspects a Connect group.

use std::collections::BTreeMap;

use bytes::{Buf, BufMut};

/// The group protocol type every Connect worker joins with.
pub const PROTOCOL_TYPE: &str = "connect";
/// The task id Kafka uses inside an assignment to mean "the connector itself".
pub const CONNECTOR_TASK: i32 = -1;
/// Assignment error codes (`ConnectProtocol.Assignment`).
pub const NO_ERROR: i16 = 0;
pub const CONFIG_MISMATCH: i16 = 1;

pub use crate::config::distributed::SubProtocol;
use crate::worker::work::{ConnectorsAndTasks, TaskId};

/// Why group-protocol bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("truncated connect protocol data (needed {needed} more bytes)")]
    Truncated { needed: usize },
    #[error("invalid UTF-8 in connect protocol string")]
    Utf8,
    #[error("negative length {0} in connect protocol data")]
    Length(i32),
}

/// Member metadata: the worker's REST URL, the config-log offset it has read to, and
/// (v1+) the work it owns now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerState {
    pub url: String,
    pub config_offset: i64,
    pub allocation: Option<Assignment>,
}

/// A SyncGroup assignment (`ExtendedAssignment`; v0 has no revoked/delay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub version: i16,
    pub error: i16,
    pub leader: String,
    pub leader_url: String,
    pub config_offset: i64,
    pub assigned: ConnectorsAndTasks,
    pub revoked: ConnectorsAndTasks,
    pub delay_ms: i32,
}

impl Assignment {
    pub fn empty(version: i16) -> Self {
        Self {
            version,
            error: NO_ERROR,
            leader: String::new(),
            leader_url: String::new(),
            config_offset: -1,
            assigned: ConnectorsAndTasks::default(),
            revoked: ConnectorsAndTasks::default(),
            delay_ms: 0,
        }
    }
}

fn put_string(buf: &mut Vec<u8>, s: &str) {
    buf.put_i16(s.len() as i16);
    buf.put_slice(s.as_bytes());
}

/// `CONNECTOR_ASSIGNMENT_V0` entries: connector name and its task ids, with -1 for
/// the connector itself.
fn put_work(buf: &mut Vec<u8>, work: &ConnectorsAndTasks) {
    let mut by_connector: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for connector in &work.connectors {
        by_connector
            .entry(connector)
            .or_default()
            .push(CONNECTOR_TASK);
    }
    for task in &work.tasks {
        by_connector
            .entry(&task.connector)
            .or_default()
            .push(task.task as i32);
    }
    buf.put_i32(by_connector.len() as i32);
    for (connector, tasks) in by_connector {
        put_string(buf, connector);
        buf.put_i32(tasks.len() as i32);
        for task in tasks {
            buf.put_i32(task);
        }
    }
}

fn need(buf: &&[u8], n: usize) -> Result<(), ProtocolError> {
    if buf.remaining() < n {
        Err(ProtocolError::Truncated {
            needed: n - buf.remaining(),
        })
    } else {
        Ok(())
    }
}

fn get_i16(buf: &mut &[u8]) -> Result<i16, ProtocolError> {
    need(buf, 2)?;
    Ok(buf.get_i16())
}

fn get_i32(buf: &mut &[u8]) -> Result<i32, ProtocolError> {
    need(buf, 4)?;
    Ok(buf.get_i32())
}

fn get_i64(buf: &mut &[u8]) -> Result<i64, ProtocolError> {
    need(buf, 8)?;
    Ok(buf.get_i64())
}

fn get_string(buf: &mut &[u8]) -> Result<String, ProtocolError> {
    let len = get_i16(buf)?;
    if len < 0 {
        return Err(ProtocolError::Length(len as i32));
    }
    let len = len as usize;
    need(buf, len)?;
    let text = std::str::from_utf8(&buf[..len])
        .map_err(|_| ProtocolError::Utf8)?
        .to_string();
    buf.advance(len);
    Ok(text)
}

fn get_work(buf: &mut &[u8]) -> Result<ConnectorsAndTasks, ProtocolError> {
    let mut work = ConnectorsAndTasks::default();
    let count = get_i32(buf)?;
    // A null array (-1) is empty work.
    for _ in 0..count.max(0) {
        let connector = get_string(buf)?;
        let tasks = get_i32(buf)?;
        for _ in 0..tasks.max(0) {
            let task = get_i32(buf)?;
            if task == CONNECTOR_TASK {
                work.connectors.insert(connector.clone());
            } else if task >= 0 {
                work.tasks
                    .insert(TaskId::new(connector.clone(), task as u32));
            }
        }
    }
    Ok(work)
}

/// Serializes an assignment with its version header.
pub fn encode_assignment(assignment: &Assignment) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    buf.put_i16(assignment.version);
    buf.put_i16(assignment.error);
    put_string(&mut buf, &assignment.leader);
    put_string(&mut buf, &assignment.leader_url);
    buf.put_i64(assignment.config_offset);
    put_work(&mut buf, &assignment.assigned);
    if assignment.version >= 1 {
        put_work(&mut buf, &assignment.revoked);
        buf.put_i32(assignment.delay_ms);
    }
    buf
}

/// Reads an assignment written by any Connect protocol version.
pub fn decode_assignment(mut bytes: &[u8]) -> Result<Assignment, ProtocolError> {
    let buf = &mut bytes;
    let version = get_i16(buf)?;
    let error = get_i16(buf)?;
    let leader = get_string(buf)?;
    let leader_url = get_string(buf)?;
    let config_offset = get_i64(buf)?;
    let assigned = get_work(buf)?;
    let (revoked, delay_ms) = if version >= 1 {
        (get_work(buf)?, get_i32(buf)?)
    } else {
        (ConnectorsAndTasks::default(), 0)
    };
    Ok(Assignment {
        version,
        error,
        leader,
        leader_url,
        config_offset,
        assigned,
        revoked,
        delay_ms,
    })
}

/// Serializes member metadata for one sub-protocol.
pub fn encode_metadata(state: &WorkerState, protocol: SubProtocol) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    buf.put_i16(protocol.version());
    put_string(&mut buf, &state.url);
    buf.put_i64(state.config_offset);
    if protocol != SubProtocol::Eager {
        match &state.allocation {
            Some(allocation) => {
                let mut allocation = allocation.clone();
                allocation.version = protocol.version();
                let bytes = encode_assignment(&allocation);
                buf.put_i32(bytes.len() as i32);
                buf.put_slice(&bytes);
            }
            None => buf.put_i32(-1),
        }
    }
    buf
}

/// Reads member metadata of any sub-protocol version.
pub fn decode_metadata(mut bytes: &[u8]) -> Result<WorkerState, ProtocolError> {
    let buf = &mut bytes;
    let version = get_i16(buf)?;
    let url = get_string(buf)?;
    let config_offset = get_i64(buf)?;
    let allocation = if version >= 1 && buf.remaining() >= 4 {
        let len = get_i32(buf)?;
        if len < 0 {
            None
        } else {
            need(buf, len as usize)?;
            let allocation = decode_assignment(&buf[..len as usize])?;
            buf.advance(len as usize);
            Some(allocation)
        }
    } else {
        None
    };
    Ok(WorkerState {
        url,
        config_offset,
        allocation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_metadata_is_header_url_offset() {
        let state = WorkerState {
            url: "http://w1:8083/".into(),
            config_offset: 7,
            allocation: None,
        };
        let bytes = encode_metadata(&state, SubProtocol::Eager);
        let mut expected = vec![0, 0, 0, 15];
        expected.extend_from_slice(b"http://w1:8083/");
        expected.extend_from_slice(&7i64.to_be_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(decode_metadata(&bytes).expect("decodes"), state);
    }

    #[test]
    fn v1_metadata_without_allocation_has_null_bytes() {
        let state = WorkerState {
            url: "u".into(),
            config_offset: -1,
            allocation: None,
        };
        let bytes = encode_metadata(&state, SubProtocol::Compatible);
        let mut expected = vec![0, 1, 0, 1, b'u'];
        expected.extend_from_slice(&(-1i64).to_be_bytes());
        expected.extend_from_slice(&(-1i32).to_be_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(decode_metadata(&bytes).expect("decodes"), state);
    }

    #[test]
    fn assignment_layout_matches_kafka() {
        let assignment = Assignment {
            version: 1,
            error: NO_ERROR,
            leader: "L".into(),
            leader_url: "U".into(),
            config_offset: 3,
            assigned: ConnectorsAndTasks::of(&["c"], &[("c", 0)]),
            revoked: ConnectorsAndTasks::default(),
            delay_ms: 0,
        };
        let bytes = encode_assignment(&assignment);
        let mut expected = vec![0, 1, 0, 0, 0, 1, b'L', 0, 1, b'U'];
        expected.extend_from_slice(&3i64.to_be_bytes());
        // one connector entry "c" with tasks [-1, 0]
        expected.extend_from_slice(&1i32.to_be_bytes());
        expected.extend_from_slice(&[0, 1, b'c']);
        expected.extend_from_slice(&2i32.to_be_bytes());
        expected.extend_from_slice(&(-1i32).to_be_bytes());
        expected.extend_from_slice(&0i32.to_be_bytes());
        // revoked: empty array, delay 0
        expected.extend_from_slice(&0i32.to_be_bytes());
        expected.extend_from_slice(&0i32.to_be_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(decode_assignment(&bytes).expect("decodes"), assignment);
    }

    #[test]
    fn sessioned_metadata_round_trips_with_allocation() {
        let mut allocation = Assignment::empty(2);
        allocation.leader = "leader-1".into();
        allocation.assigned = ConnectorsAndTasks::of(&["a", "b"], &[("a", 0), ("a", 1), ("b", 3)]);
        allocation.revoked = ConnectorsAndTasks::of(&[], &[("z", 9)]);
        allocation.delay_ms = 1500;
        let state = WorkerState {
            url: "http://127.0.0.1:1/".into(),
            config_offset: 42,
            allocation: Some(allocation),
        };
        let bytes = encode_metadata(&state, SubProtocol::Sessioned);
        assert_eq!(&bytes[..2], &[0, 2]);
        assert_eq!(decode_metadata(&bytes).expect("decodes"), state);
    }

    #[test]
    fn truncated_data_is_an_error() {
        let bytes = encode_assignment(&Assignment::empty(1));
        assert!(decode_assignment(&bytes[..bytes.len() - 2]).is_err());
    }

    #[test]
    fn offered_protocols_are_in_kafka_order() {
        let names: Vec<_> = SubProtocol::Sessioned
            .offered()
            .into_iter()
            .map(SubProtocol::name)
            .collect();
        assert_eq!(names, ["sessioned", "compatible", "default"]);
    }
}
