//! A small synchronous PostgreSQL client over `std::net::TcpStream` (which, inside the
//! sandbox, reaches only the granted `connection.url`), built on the sans-IO
//! `postgres-protocol` crate: startup with cleartext, MD5 or SCRAM-SHA-256
//! authentication, simple queries, and pipelined extended-protocol statements with
//! text parameters — what a batching sink needs, nothing more.

use std::fmt;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::IsNull;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;

/// A failure talking to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgError {
    /// Network or protocol trouble: the connection is unusable.
    Io(String),
    /// The server refused something: SQLSTATE and message.
    Server { code: String, message: String },
}

impl PgError {
    /// Errors worth retrying on a fresh connection (connection loss, server
    /// shutdown, serialization and deadlock failures).
    pub fn is_transient(&self) -> bool {
        match self {
            PgError::Io(_) => true,
            PgError::Server { code, .. } => {
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code == "40001"
                    || code == "40P01"
                    || code == "53300"
            }
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Io(message) => write!(f, "connection error: {message}"),
            PgError::Server { code, message } => write!(f, "ERROR {code}: {message}"),
        }
    }
}

fn io(error: impl fmt::Display) -> PgError {
    PgError::Io(error.to_string())
}

/// Where and as whom to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
    pub timeout: Duration,
}

/// One statement of a pipeline: SQL with `$n` placeholders and its text parameters.
pub struct Statement<'a> {
    pub sql: &'a str,
    pub params: Vec<Option<String>>,
}

/// An open connection.
pub struct Connection {
    stream: TcpStream,
    buf: BytesMut,
    out: BytesMut,
}

impl Connection {
    pub fn connect(options: &ConnectOptions) -> Result<Connection, PgError> {
        let stream = TcpStream::connect((options.host.as_str(), options.port)).map_err(|e| {
            PgError::Io(format!(
                "cannot connect to {}:{}: {e}",
                options.host, options.port
            ))
        })?;
        let _ = stream.set_read_timeout(Some(options.timeout));
        let _ = stream.set_write_timeout(Some(options.timeout));
        let mut connection = Connection {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
            out: BytesMut::with_capacity(16 * 1024),
        };
        connection.startup(options)?;
        Ok(connection)
    }

    fn startup(&mut self, options: &ConnectOptions) -> Result<(), PgError> {
        let params = [
            ("user", options.user.as_str()),
            ("database", options.database.as_str()),
            ("client_encoding", "UTF8"),
            ("application_name", "ferry-postgres-sink"),
        ];
        frontend::startup_message(params.iter().copied(), &mut self.out).map_err(io)?;
        self.send()?;
        let password = || {
            options.password.clone().ok_or_else(|| PgError::Server {
                code: "28P01".into(),
                message: "the server asks for a password and connection.password is not set".into(),
            })
        };
        let mut scram: Option<ScramSha256> = None;
        loop {
            match self.receive()? {
                Message::AuthenticationOk => {}
                Message::AuthenticationCleartextPassword => {
                    frontend::password_message(password()?.as_bytes(), &mut self.out)
                        .map_err(io)?;
                    self.send()?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let hash =
                        md5_hash(options.user.as_bytes(), password()?.as_bytes(), body.salt());
                    frontend::password_message(hash.as_bytes(), &mut self.out).map_err(io)?;
                    self.send()?;
                }
                Message::AuthenticationSasl(body) => {
                    let mut mechanisms = body.mechanisms();
                    let mut supported = false;
                    while let Some(mechanism) = mechanisms.next().map_err(io)? {
                        supported |= mechanism == SCRAM_SHA_256;
                    }
                    if !supported {
                        return Err(PgError::Io(
                            "the server offers no SASL mechanism this client knows (SCRAM-SHA-256)"
                                .into(),
                        ));
                    }
                    let client =
                        ScramSha256::new(password()?.as_bytes(), ChannelBinding::unsupported());
                    frontend::sasl_initial_response(SCRAM_SHA_256, client.message(), &mut self.out)
                        .map_err(io)?;
                    self.send()?;
                    scram = Some(client);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let client = scram
                        .as_mut()
                        .ok_or_else(|| PgError::Io("unexpected SASL continue".into()))?;
                    client.update(body.data()).map_err(io)?;
                    frontend::sasl_response(client.message(), &mut self.out).map_err(io)?;
                    self.send()?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    scram
                        .as_mut()
                        .ok_or_else(|| PgError::Io("unexpected SASL final".into()))?
                        .finish(body.data())
                        .map_err(io)?;
                }
                Message::ErrorResponse(body) => return Err(server_error(&body)),
                Message::ReadyForQuery(_) => return Ok(()),
                Message::ParameterStatus(_)
                | Message::BackendKeyData(_)
                | Message::NoticeResponse(_) => {}
                _ => {
                    return Err(PgError::Io(
                        "unsupported authentication method (use password, md5 or scram-sha-256)"
                            .into(),
                    ));
                }
            }
        }
    }

    /// Runs `sql` (one or more statements, no parameters) and returns the rows of
    /// the last result, as text.
    pub fn simple_query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, PgError> {
        frontend::query(sql, &mut self.out).map_err(io)?;
        self.send()?;
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            match self.receive()? {
                Message::DataRow(body) => rows.push(row_text(&body)?),
                Message::RowDescription(_) => rows.clear(),
                Message::ErrorResponse(body) => error = Some(server_error(&body)),
                Message::ReadyForQuery(_) => break,
                _ => {}
            }
        }
        match error {
            Some(error) => Err(error),
            None => Ok(rows),
        }
    }

    /// Sends every statement in one pipeline (parse, bind, execute each; one sync)
    /// and waits for all. The first error aborts the rest (and, inside a
    /// transaction, the transaction). Returns the rows each statement affected.
    pub fn pipeline(&mut self, statements: &[Statement<'_>]) -> Result<Vec<u64>, PgError> {
        let mut last_sql: Option<&str> = None;
        for statement in statements {
            if last_sql != Some(statement.sql) {
                frontend::parse("", statement.sql, std::iter::empty(), &mut self.out)
                    .map_err(io)?;
                last_sql = Some(statement.sql);
            }
            frontend::bind(
                "",
                "",
                std::iter::empty(),
                statement.params.iter(),
                |param, buf| match param {
                    Some(text) => {
                        buf.extend_from_slice(text.as_bytes());
                        Ok(IsNull::No)
                    }
                    None => Ok(IsNull::Yes),
                },
                Some(0),
                &mut self.out,
            )
            .map_err(|e| match e {
                frontend::BindError::Conversion(e) => io(e),
                frontend::BindError::Serialization(e) => io(e),
            })?;
            frontend::execute("", 0, &mut self.out).map_err(io)?;
            if self.out.len() > 256 * 1024 {
                self.send()?;
            }
        }
        frontend::sync(&mut self.out);
        self.send()?;
        let mut counts = Vec::with_capacity(statements.len());
        let mut error = None;
        loop {
            match self.receive()? {
                Message::CommandComplete(body) => {
                    let tag = body.tag().map_err(io)?;
                    counts.push(
                        tag.rsplit(' ')
                            .next()
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(0),
                    );
                }
                Message::ErrorResponse(body) => error = Some(server_error(&body)),
                Message::ReadyForQuery(_) => break,
                _ => {}
            }
        }
        match error {
            Some(error) => Err(error),
            None => Ok(counts),
        }
    }

    fn send(&mut self) -> Result<(), PgError> {
        self.stream.write_all(&self.out).map_err(io)?;
        self.out.clear();
        Ok(())
    }

    fn receive(&mut self) -> Result<Message, PgError> {
        loop {
            if let Some(message) = Message::parse(&mut self.buf).map_err(io)? {
                return Ok(message);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).map_err(io)?;
            if n == 0 {
                return Err(PgError::Io("the server closed the connection".into()));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        frontend::terminate(&mut self.out);
        let _ = self.send();
    }
}

fn server_error(body: &postgres_protocol::message::backend::ErrorResponseBody) -> PgError {
    let mut code = String::new();
    let mut message = String::new();
    let mut detail = String::new();
    let mut fields = body.fields();
    while let Ok(Some(field)) = fields.next() {
        match field.type_() {
            b'C' => code = String::from_utf8_lossy(field.value_bytes()).into_owned(),
            b'M' => message = String::from_utf8_lossy(field.value_bytes()).into_owned(),
            b'D' => detail = String::from_utf8_lossy(field.value_bytes()).into_owned(),
            _ => {}
        }
    }
    if !detail.is_empty() {
        message = format!("{message} ({detail})");
    }
    PgError::Server { code, message }
}

fn row_text(
    body: &postgres_protocol::message::backend::DataRowBody,
) -> Result<Vec<Option<String>>, PgError> {
    let buffer = body.buffer();
    let mut ranges = body.ranges();
    let mut row = Vec::new();
    while let Some(range) = ranges.next().map_err(io)? {
        row.push(range.map(|r| String::from_utf8_lossy(&buffer[r]).into_owned()));
    }
    Ok(row)
}

/// Quotes an identifier (`"name"`, doubling inner quotes).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
