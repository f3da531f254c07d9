//! A minimal blocking Kafka protocol client for the group coordinator APIs.
//!
//! librdkafka cannot run a custom group protocol (`connect`), so the worker group
//! speaks FindCoordinator/JoinGroup/SyncGroup/Heartbeat/LeaveGroup itself, with the
//! `kafka-protocol` crate's codecs. Versions are negotiated with ApiVersions.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use kafka_protocol::messages::{ApiVersionsRequest, RequestHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};

/// Why a request to a broker failed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("cannot reach broker {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("broker connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode or decode a Kafka message: {0}")]
    Codec(String),
    #[error("the broker does not support API key {api_key} in a version this worker speaks")]
    Unsupported { api_key: i16 },
}

/// One TCP connection to one broker.
pub struct Connection {
    stream: TcpStream,
    addr: String,
    correlation_id: i32,
    client_id: StrBytes,
    /// API key → (min, max) versions the broker accepts.
    versions: HashMap<i16, (i16, i16)>,
}

impl Connection {
    /// Connects and negotiates API versions.
    pub fn open(addr: &str, client_id: &str, timeout: Duration) -> Result<Self, WireError> {
        let connect_error = |source| WireError::Connect {
            addr: addr.to_string(),
            source,
        };
        let socket = addr
            .to_socket_addrs()
            .map_err(connect_error)?
            .next()
            .ok_or_else(|| {
                connect_error(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "address did not resolve",
                ))
            })?;
        let stream = TcpStream::connect_timeout(&socket, timeout).map_err(connect_error)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(timeout))?;
        let mut connection = Self {
            stream,
            addr: addr.to_string(),
            correlation_id: 0,
            client_id: StrBytes::from_string(client_id.to_string()),
            versions: HashMap::new(),
        };
        let response = connection.send(&ApiVersionsRequest::default(), 0, timeout)?;
        if response.error_code != 0 {
            return Err(WireError::Codec(format!(
                "ApiVersions failed with error code {}",
                response.error_code
            )));
        }
        connection.versions = response
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        Ok(connection)
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The highest version of `R` both sides speak, capped at `max`.
    pub fn version<R: Request>(&self, max: i16) -> Result<i16, WireError> {
        match self.versions.get(&R::KEY) {
            Some(&(min, broker_max)) if min <= max.min(broker_max) => Ok(max.min(broker_max)),
            _ => Err(WireError::Unsupported { api_key: R::KEY }),
        }
    }

    /// Sends one request and waits up to `timeout` for its response.
    pub fn send<R: Request>(
        &mut self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<R::Response, WireError> {
        self.correlation_id = self.correlation_id.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(self.client_id.clone()));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, R::header_version(version))
            .map_err(|e| WireError::Codec(e.to_string()))?;
        request
            .encode(&mut body, version)
            .map_err(|e| WireError::Codec(e.to_string()))?;
        let mut frame = Vec::with_capacity(body.len() + 4);
        frame.extend_from_slice(&(body.len() as i32).to_be_bytes());
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame)?;

        self.stream.set_read_timeout(Some(timeout))?;
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size)?;
        let size = i32::from_be_bytes(size);
        if size < 0 {
            return Err(WireError::Codec(format!("negative frame size {size}")));
        }
        let mut response = vec![0u8; size as usize];
        self.stream.read_exact(&mut response)?;
        let mut response = bytes::Bytes::from(response);
        let header_version = <R::Response as HeaderVersion>::header_version(version);
        let header =
            kafka_protocol::messages::ResponseHeader::decode(&mut response, header_version)
                .map_err(|e| WireError::Codec(e.to_string()))?;
        if header.correlation_id != self.correlation_id {
            return Err(WireError::Codec(format!(
                "response correlation id {} does not match request {}",
                header.correlation_id, self.correlation_id
            )));
        }
        let decoded = R::Response::decode(&mut response, version)
            .map_err(|e| WireError::Codec(e.to_string()))?;
        if response.has_remaining() {
            tracing::trace!(
                api_key = R::KEY,
                left = response.remaining(),
                "response had trailing bytes"
            );
        }
        Ok(decoded)
    }
}

/// Connects to the first reachable server of a `bootstrap.servers` list.
fn bootstrap(servers: &str, timeout: Duration) -> Result<Connection, WireError> {
    let mut last = None;
    for server in crate::config::worker::split_list(servers) {
        match Connection::open(&server, "ferry-admin", timeout) {
            Ok(connection) => return Ok(connection),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or(WireError::Codec("bootstrap.servers is empty".into())))
}

/// A Kafka error code as a readable name.
fn error_name(code: i16) -> String {
    match kafka_protocol::ResponseError::try_from_code(code) {
        Some(error) => format!("{error:?}"),
        None => format!("error code {code}"),
    }
}

/// A connection to the coordinator of consumer group `group`.
fn group_coordinator(servers: &str, group: &str) -> Result<Connection, WireError> {
    use kafka_protocol::messages::FindCoordinatorRequest;
    let timeout = Duration::from_secs(10);
    let mut connection = bootstrap(servers, timeout)?;
    let version = connection.version::<FindCoordinatorRequest>(4)?;
    let key = StrBytes::from_string(group.to_string());
    let mut request = FindCoordinatorRequest::default().with_key_type(0);
    request = if version >= 4 {
        request.with_coordinator_keys(vec![key])
    } else {
        request.with_key(key)
    };
    let response = connection.send(&request, version, timeout)?;
    let (code, host, port) = if version >= 4 {
        let c = response
            .coordinators
            .first()
            .ok_or_else(|| WireError::Codec("FindCoordinator returned no coordinator".into()))?;
        (c.error_code, c.host.to_string(), c.port)
    } else {
        (
            response.error_code,
            response.host.to_string(),
            response.port,
        )
    };
    if code != 0 {
        return Err(WireError::Codec(format!(
            "FindCoordinator for group {group} failed: {}",
            error_name(code)
        )));
    }
    let addr = format!("{host}:{port}");
    if addr == connection.addr() {
        Ok(connection)
    } else {
        Connection::open(&addr, "ferry-admin", timeout)
    }
}

/// Deletes the committed offsets of `partitions` in group `group` (Kafka's
/// `Admin.deleteConsumerGroupOffsets`).
pub fn delete_group_offsets(
    servers: &str,
    group: &str,
    partitions: &[(String, i32)],
) -> Result<(), WireError> {
    use kafka_protocol::messages::offset_delete_request::{
        OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
    };
    use kafka_protocol::messages::{GroupId, OffsetDeleteRequest, TopicName};
    let mut by_topic: std::collections::BTreeMap<&str, Vec<i32>> = Default::default();
    for (topic, partition) in partitions {
        by_topic.entry(topic).or_default().push(*partition);
    }
    let topics = by_topic
        .into_iter()
        .map(|(topic, partitions)| {
            OffsetDeleteRequestTopic::default()
                .with_name(TopicName(StrBytes::from_string(topic.to_string())))
                .with_partitions(
                    partitions
                        .into_iter()
                        .map(|p| OffsetDeleteRequestPartition::default().with_partition_index(p))
                        .collect(),
                )
        })
        .collect();
    let mut connection = group_coordinator(servers, group)?;
    let version = connection.version::<OffsetDeleteRequest>(0)?;
    let request = OffsetDeleteRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_topics(topics);
    let response = connection.send(&request, version, Duration::from_secs(15))?;
    if response.error_code != 0 {
        return Err(WireError::Codec(error_name(response.error_code)));
    }
    for topic in &response.topics {
        for partition in &topic.partitions {
            if partition.error_code != 0 {
                return Err(WireError::Codec(format!(
                    "{}-{}: {}",
                    topic.name.as_str(),
                    partition.partition_index,
                    error_name(partition.error_code)
                )));
            }
        }
    }
    Ok(())
}

/// Deletes consumer group `group` with its offsets; a group that does not exist
/// counts as deleted.
pub fn delete_group(servers: &str, group: &str) -> Result<(), WireError> {
    use kafka_protocol::messages::{DeleteGroupsRequest, GroupId};
    const GROUP_ID_NOT_FOUND: i16 = 69;
    let mut connection = group_coordinator(servers, group)?;
    let version = connection.version::<DeleteGroupsRequest>(2)?;
    let request = DeleteGroupsRequest::default()
        .with_groups_names(vec![GroupId(StrBytes::from_string(group.to_string()))]);
    let response = connection.send(&request, version, Duration::from_secs(15))?;
    for result in &response.results {
        if result.error_code != 0 && result.error_code != GROUP_ID_NOT_FOUND {
            return Err(WireError::Codec(error_name(result.error_code)));
        }
    }
    Ok(())
}
