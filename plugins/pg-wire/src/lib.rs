//! A small synchronous PostgreSQL client over `std::net::TcpStream` (which, inside the
//! sandbox, reaches only the granted `connection.url`), built on the sans-IO
//! `postgres-protocol` crate: startup with cleartext, MD5 or SCRAM-SHA-256
//! authentication, simple queries, and pipelined extended-protocol statements with
//! text parameters, and queries returning their rows as text with each column's
//! type — what the PostgreSQL connectors need, nothing more.

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
            bind_text(&statement.params, &mut self.out)?;
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

    /// Runs one statement with text parameters and returns its columns (name, type
    /// OID, type modifier) and rows, as text.
    pub fn query(&mut self, sql: &str, params: &[Option<String>]) -> Result<ResultSet, PgError> {
        frontend::parse("", sql, std::iter::empty(), &mut self.out).map_err(io)?;
        bind_text(params, &mut self.out)?;
        frontend::describe(b'P', "", &mut self.out).map_err(io)?;
        frontend::execute("", 0, &mut self.out).map_err(io)?;
        frontend::sync(&mut self.out);
        self.send()?;
        let mut result = ResultSet::default();
        let mut error = None;
        loop {
            match self.receive()? {
                Message::RowDescription(body) => {
                    let mut fields = body.fields();
                    while let Some(field) = fields.next().map_err(io)? {
                        result.columns.push(ColumnInfo {
                            name: field.name().to_string(),
                            type_oid: field.type_oid(),
                            type_modifier: field.type_modifier(),
                        });
                    }
                }
                Message::DataRow(body) => result.rows.push(row_text(&body)?),
                Message::ErrorResponse(body) => error = Some(server_error(&body)),
                Message::ReadyForQuery(_) => break,
                _ => {}
            }
        }
        match error {
            Some(error) => Err(error),
            None => Ok(result),
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

/// Binds the unnamed portal to the unnamed statement with text parameters.
fn bind_text(params: &[Option<String>], out: &mut BytesMut) -> Result<(), PgError> {
    frontend::bind(
        "",
        "",
        std::iter::empty(),
        params.iter(),
        |param, buf| match param {
            Some(text) => {
                buf.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        },
        Some(0),
        out,
    )
    .map_err(|e| match e {
        frontend::BindError::Conversion(e) => io(e),
        frontend::BindError::Serialization(e) => io(e),
    })
}

/// A column of a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    pub type_oid: u32,
    pub type_modifier: i32,
}

/// The columns and rows (as text) of a query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<ColumnInfo>,
    pub rows: Vec<Vec<Option<String>>>,
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

/// A `jdbc:postgresql:` URL: `jdbc:postgresql://host[:port][,…][/database][?k=v&…]`
/// (the first host is used) or `jdbc:postgresql:database` (localhost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JdbcUrl {
    pub host: String,
    pub port: u16,
    /// Empty if the URL names none.
    pub database: String,
    /// The query parameters (`user`, `password`, …).
    pub params: Vec<(String, String)>,
}

impl Default for JdbcUrl {
    fn default() -> Self {
        JdbcUrl {
            host: String::new(),
            port: 5432,
            database: String::new(),
            params: Vec::new(),
        }
    }
}

impl JdbcUrl {
    pub fn parse(url: &str) -> Result<JdbcUrl, String> {
        let rest = url.strip_prefix("jdbc:postgresql:").ok_or_else(|| {
            "Ferry's PostgreSQL connectors talk only to PostgreSQL: the URL must start with jdbc:postgresql:"
                .to_string()
        })?;
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (host, port, database) = match location.strip_prefix("//") {
            None => ("localhost".to_string(), 5432, location.to_string()),
            Some(rest) => {
                let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
                let first = authority.split(',').next().unwrap_or_default();
                let (host, port) = match first.strip_prefix('[') {
                    Some(v6) => {
                        let (host, after) = v6.split_once(']').ok_or("bad IPv6 host")?;
                        (host.to_string(), after.strip_prefix(':'))
                    }
                    None => match first.rsplit_once(':') {
                        Some((h, p)) => (h.to_string(), Some(p)),
                        None => (first.to_string(), None),
                    },
                };
                let port = match port {
                    Some(p) => p.parse().map_err(|_| format!("bad port {p}"))?,
                    None => 5432,
                };
                if host.is_empty() {
                    return Err("the URL names no host".into());
                }
                (host, port, database.to_string())
            }
        };
        let params = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(JdbcUrl {
            host,
            port,
            database,
            params,
        })
    }

    /// Connection options from this URL and a connector's user and password keys,
    /// which win over the URL's `user` / `password` parameters. Without a user,
    /// `postgres`; without a database, the user's name (as libpq does).
    pub fn connect_options(&self, user: Option<&str>, password: Option<&str>) -> ConnectOptions {
        let user = user
            .map(str::to_string)
            .or_else(|| self.param("user"))
            .unwrap_or_else(|| "postgres".into());
        ConnectOptions {
            host: self.host.clone(),
            port: self.port,
            database: if self.database.is_empty() {
                user.clone()
            } else {
                self.database.clone()
            },
            password: password
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .or_else(|| self.param("password")),
            user,
            timeout: Duration::from_secs(30),
        }
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdbc_urls_parse() {
        let url = JdbcUrl::parse("jdbc:postgresql://db:5433,db2/app?user=u&ssl=true").expect("url");
        assert_eq!(
            (url.host.as_str(), url.port, url.database.as_str()),
            ("db", 5433, "app")
        );
        assert_eq!(url.param("user").as_deref(), Some("u"));
        let url = JdbcUrl::parse("jdbc:postgresql://[::1]/x").expect("v6");
        assert_eq!((url.host.as_str(), url.port), ("::1", 5432));
        let url = JdbcUrl::parse("jdbc:postgresql:app").expect("local");
        assert_eq!(
            (url.host.as_str(), url.database.as_str()),
            ("localhost", "app")
        );
        assert!(JdbcUrl::parse("jdbc:mysql://h/db").is_err());
        assert!(JdbcUrl::parse("jdbc:postgresql:///db").is_err());
    }
}
