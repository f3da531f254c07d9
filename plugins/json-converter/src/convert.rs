//! The conversion core: Kafka's `JsonConverter.fromConnectData` / `toConnectData` over
//! the SDK's data model, in pure Rust.
//!
//! Output bytes are what Kafka writes (Jackson, compact): the envelope
//! `{"schema":…,"payload":…}` when `schemas.enable` is on, schema objects with Kafka's
//! key order (`type`, then `items` / `keys`+`values` / `fields`, `optional`, `name`,
//! `version`, `doc`, `parameters`, `default`; struct fields append `field`), floats as
//! Java's `Double.toString`/`Float.toString`, bytes as base64.
//!
//! Reading follows Kafka's coercions exactly, including its lenient ones: a JSON value
//! of the wrong kind for its schema reads as Jackson's `booleanValue()`/`intValue()`/…
//! would (`false`, `0`, truncated numbers, `null` for strings and bytes), an array
//! schema over an object reads the object's values, and nulls are then refused only
//! where Kafka's `Struct.put` refuses them. Maps come out in `java.util.HashMap` order,
//! as Kafka's do (see [`crate::java`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ferry_sdk::logical::{DATE, DECIMAL, DECIMAL_SCALE, TIME, TIMESTAMP};
use ferry_sdk::{Field, Schema, SchemaType, Struct, Value};

use crate::config::{DecimalFormat, Options};
use crate::java;
use crate::json::{self, MAX_DEPTH, Member, Node, Number};
use crate::numbers::{self, minimal_twos_complement};

/// A value that cannot be converted (Kafka's `DataException`), with Kafka's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConversionError(pub String);

pub type Result<T, E = ConversionError> = std::result::Result<T, E>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(ConversionError(message.into()))
}

/// Kafka's message when `schemas.enable=true` meets data without an envelope.
pub const ENVELOPE_ERROR: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

const MILLIS_PER_DAY: i32 = 24 * 60 * 60 * 1000;

/// Hash maps with fixed keys: no randomness (no `wasi:random` import) needed.
type FixedState = BuildHasherDefault<DefaultHasher>;

/// Serialize one value as Kafka's `JsonConverter.fromConnectData` does, without
/// schema caching. `Ok(None)` is a null (tombstone): no schema and a null value.
pub fn serialize(
    schema: Option<&Arc<Schema>>,
    value: &Value,
    options: &Options,
) -> Result<Option<Vec<u8>>> {
    JsonConverter::uncached(options.clone()).from_connect(schema, value)
}

/// Deserialize one Kafka value as `JsonConverter.toConnectData` does, without schema
/// caching. `None` data (a tombstone) gives no schema and a null value.
pub fn deserialize(data: Option<&[u8]>, options: &Options) -> Result<(Option<Arc<Schema>>, Value)> {
    JsonConverter::uncached(options.clone()).to_connect(data)
}

/// Most schema → JSON entries kept. They are keyed by `Arc` identity and the SDK
/// decodes fresh `Arc`s per batch, so a few recent entries catch all the reuse; more
/// would only pin stale copies of the same schemas in memory.
const TO_JSON_CACHE_MAX: usize = 16;

/// A configured converter with Kafka's two schema caches: schema → JSON text (the
/// most recent few schema objects) and schema JSON text → schema
/// (`schemas.cache.size` entries). Caching never changes results; it saves work and
/// lets equal schemas read from JSON share one `Arc`.
pub struct JsonConverter {
    options: Options,
    cache_size: usize,
    /// Recently written schemas and their JSON, found by `Arc::ptr_eq`; holding the
    /// `Arc` keeps its address from being reused while cached. A ring: `to_json_next`
    /// is the slot replaced next once full.
    to_json: Vec<(Arc<Schema>, Vec<u8>)>,
    to_json_next: usize,
    /// Keyed by the exact bytes of the `"schema"` value.
    to_connect: HashMap<Vec<u8>, Arc<Schema>, FixedState>,
    /// The schema text and schema of the last envelope read on the fast path.
    last_envelope_schema: Option<(Vec<u8>, Arc<Schema>)>,
}

impl JsonConverter {
    pub fn new(options: Options) -> JsonConverter {
        let cache_size = usize::try_from(options.schemas_cache_size).unwrap_or(0);
        JsonConverter {
            options,
            cache_size,
            to_json: Vec::new(),
            to_json_next: 0,
            to_connect: HashMap::default(),
            last_envelope_schema: None,
        }
    }

    fn uncached(options: Options) -> JsonConverter {
        JsonConverter {
            cache_size: 0,
            ..JsonConverter::new(options)
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Entries in the schema → JSON and JSON → schema caches (Kafka's
    /// `sizeOfFromConnectSchemaCache` / `sizeOfToConnectSchemaCache`).
    pub fn schema_cache_sizes(&self) -> (usize, usize) {
        (self.to_json.len(), self.to_connect.len())
    }

    /// Kafka's `fromConnectData`.
    pub fn from_connect(
        &mut self,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::with_capacity(128);
        let written = self.from_connect_into(schema, value, &mut out)?;
        Ok(written.then_some(out))
    }

    /// Like [`JsonConverter::from_connect`], appending to `out`. Returns false (and
    /// writes nothing) for a null: no schema and a null value.
    pub fn from_connect_into(
        &mut self,
        schema: Option<&Arc<Schema>>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool> {
        if schema.is_none() && value.is_null() {
            return Ok(false);
        }
        let start = out.len();
        let result = self.write_record(schema, value, out);
        if result.is_err() {
            out.truncate(start);
        }
        result.map(|()| true)
    }

    fn write_record(
        &mut self,
        schema: Option<&Arc<Schema>>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let mut w = Writer {
            out,
            options: &self.options,
        };
        if !self.options.schemas_enable {
            return w.value(schema.map(Arc::as_ref), value, 0);
        }
        w.out.extend_from_slice(b"{\"schema\":");
        match schema {
            None => w.out.extend_from_slice(b"null"),
            Some(s) => {
                if let Some((_, cached)) = self.to_json.iter().find(|(k, _)| Arc::ptr_eq(k, s)) {
                    w.out.extend_from_slice(cached);
                } else {
                    let schema_start = w.out.len();
                    w.schema(s, None, 0)?;
                    let capacity = self.cache_size.min(TO_JSON_CACHE_MAX);
                    if capacity > 0 {
                        let entry = (Arc::clone(s), w.out[schema_start..].to_vec());
                        if self.to_json.len() < capacity {
                            self.to_json.push(entry);
                        } else {
                            let slot = self.to_json_next % capacity;
                            self.to_json[slot] = entry;
                            self.to_json_next = slot + 1;
                        }
                    }
                }
            }
        }
        w.out.extend_from_slice(b",\"payload\":");
        w.value(schema.map(Arc::as_ref), value, 0)?;
        w.out.push(b'}');
        Ok(())
    }

    /// Kafka's `toConnectData`.
    pub fn to_connect(&mut self, data: Option<&[u8]>) -> Result<(Option<Arc<Schema>>, Value)> {
        let Some(data) = data else {
            return Ok((None, Value::Null));
        };
        let parse_failed = |e: json::ParseError| {
            ConversionError(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {e}"
            ))
        };
        let transcoded = json::transcode(data).map_err(parse_failed)?;
        let bytes = transcoded.as_deref().map_or(data, str::as_bytes);
        if self.options.schemas_enable
            && let Some((schema, payload)) = self.cached_envelope(bytes)
        {
            let reader = Reader {
                options: &self.options,
            };
            let value = reader.to_connect(Some(&schema), Some(&payload), 0)?;
            return Ok((Some(schema), value));
        }
        let reader = Reader {
            options: &self.options,
        };
        let root = json::parse(bytes).map_err(parse_failed)?;
        if !self.options.schemas_enable {
            let value = reader.to_connect(None, root.as_ref(), 0)?;
            return Ok((None, value));
        }
        let (schema_member, payload) = match &root {
            Some(Node::Object(members)) if members.len() == 2 => {
                match (find(members, "schema"), find(members, "payload")) {
                    (Some(s), Some(p)) => (s, &p.value),
                    _ => return fail(ENVELOPE_ERROR),
                }
            }
            _ => return fail(ENVELOPE_ERROR),
        };
        let schema = match &schema_member.value {
            Node::Null => None,
            node => {
                let text = &bytes[schema_member.span.0..schema_member.span.1];
                match self.to_connect.get(text) {
                    Some(cached) => Some(Arc::clone(cached)),
                    None => {
                        let built = reader.schema(node, 0)?;
                        if self.cache_size > 0 {
                            if self.to_connect.len() >= self.cache_size {
                                self.to_connect.clear();
                            }
                            self.to_connect.insert(text.to_vec(), Arc::clone(&built));
                        }
                        Some(built)
                    }
                }
            }
        };
        let value = reader.to_connect(schema.as_ref(), Some(payload), 0)?;
        Ok((schema, value))
    }
}

impl JsonConverter {
    /// The fast path for the common envelope, `{"schema":S,"payload":P}` (whitespace
    /// allowed) whose schema text `S` is in the schema cache: the schema is found by
    /// matching brackets and looked up by its bytes, and only the payload is parsed.
    /// Equal bytes parsed before, so the answer is the one the full parse gives; any
    /// other shape, a schema not cached yet, or a payload that does not parse here
    /// returns `None` and the full parse decides (and words any error).
    fn cached_envelope<'a>(&mut self, bytes: &'a [u8]) -> Option<(Arc<Schema>, Node<'a>)> {
        if self.to_connect.is_empty() {
            return None;
        }
        let ws = |mut i: usize| {
            while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                i += 1;
            }
            i
        };
        let token =
            |i: usize, text: &[u8]| bytes[i..].starts_with(text).then(|| ws(i + text.len()));
        let i = token(ws(0), b"{")?;
        let i = token(i, b"\"schema\"")?;
        let start = token(i, b":")?;
        // The schema the previous record had is the likely one: its text at `start`
        // is the whole schema (brackets match the same way in equal bytes).
        let (schema, end) = match &self.last_envelope_schema {
            Some((text, schema)) if starts_with(&bytes[start..], text) => {
                (Arc::clone(schema), start + text.len())
            }
            _ => {
                let end = json::container_end(bytes, start)?;
                (Arc::clone(self.to_connect.get(&bytes[start..end])?), end)
            }
        };
        let i = token(ws(end), b",")?;
        let i = token(i, b"\"payload\"")?;
        let i = token(i, b":")?;
        let (payload, after) = json::parse_member_value(bytes, i).ok()?;
        token(ws(after), b"}")?;
        if !matches!(&self.last_envelope_schema, Some((_, last)) if Arc::ptr_eq(last, &schema)) {
            self.last_envelope_schema = Some((bytes[start..end].to_vec(), Arc::clone(&schema)));
        }
        Some((schema, payload))
    }
}

/// `haystack.starts_with(prefix)`, comparing eight bytes at a time: wasm's `memcmp`
/// goes byte by byte, and envelope schemas run to kilobytes.
fn starts_with(haystack: &[u8], prefix: &[u8]) -> bool {
    if haystack.len() < prefix.len() {
        return false;
    }
    let haystack = &haystack[..prefix.len()];
    let mut a = haystack.chunks_exact(8);
    let mut b = prefix.chunks_exact(8);
    for (x, y) in (&mut a).zip(&mut b) {
        let word = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if word(x) != word(y) {
            return false;
        }
    }
    a.remainder() == b.remainder()
}

fn find<'m, 'a>(members: &'m [Member<'a>], key: &str) -> Option<&'m Member<'a>> {
    members.iter().find(|m| m.key == key)
}

/// Kafka's `Schema.Type` enum name (`INT32`, `STRUCT`, …).
pub fn type_upper(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// The Java class Kafka would see for `value`, for error messages.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::String(_) => "class java.lang.String",
        Value::Bytes(_) => "class [B",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

fn value_kind(value: &Value) -> Option<SchemaType> {
    Some(match value {
        Value::Null => return None,
        Value::Boolean(_) => SchemaType::Boolean,
        Value::Int8(_) => SchemaType::Int8,
        Value::Int16(_) => SchemaType::Int16,
        Value::Int32(_) => SchemaType::Int32,
        Value::Int64(_) => SchemaType::Int64,
        Value::Float32(_) => SchemaType::Float32,
        Value::Float64(_) => SchemaType::Float64,
        Value::String(_) => SchemaType::String,
        Value::Bytes(_) => SchemaType::Bytes,
        Value::Array(_) => SchemaType::Array,
        Value::Map(_) => SchemaType::Map,
        Value::Struct(_) => SchemaType::Struct,
    })
}

/// A schema's default, treating a `Null` default as none (Java's `defaultValue() == null`).
fn default_of(schema: &Schema) -> Option<&Value> {
    schema.default.as_ref().filter(|d| !d.is_null())
}

/// Kafka's `Decimal.scale(schema)`.
fn decimal_scale(schema: &Schema) -> Result<i32> {
    let Some(text) = schema.parameter(DECIMAL_SCALE) else {
        return fail("Invalid Decimal schema: scale parameter not found.");
    };
    text.parse().map_err(|_| {
        ConversionError(format!(
            "Invalid scale parameter found in Decimal schema: {text}"
        ))
    })
}

#[cold]
#[inline(never)]
fn cannot_be_null<T>(what: &str) -> Result<T> {
    fail(format!("{what} cannot be null."))
}

#[cold]
#[inline(never)]
fn unknown_type<T>(type_name: &str) -> Result<T> {
    fail(format!("Unknown schema type: {type_name}"))
}

#[cold]
#[inline(never)]
fn too_deep<T>() -> Result<T> {
    fail(format!("Data is nested more than {MAX_DEPTH} levels deep"))
}

/// Kafka's `ConnectSchema.equals` between a struct value's schema and the schema it is
/// written with; the top-level default is ignored so that struct defaults (whose own
/// schema cannot contain themselves) are accepted.
fn same_struct_schema(a: &Schema, b: &Schema) -> bool {
    std::ptr::eq(a, b)
        || (a.kind == b.kind
            && a.optional == b.optional
            && a.name == b.name
            && a.version == b.version
            && a.doc == b.doc
            && a.parameters == b.parameters
            && a.fields == b.fields
            && a.key_schema == b.key_schema
            && a.value_schema == b.value_schema)
}

// ---------------------------------------------------------------------------------
// Connect → JSON

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    options: &'o Options,
}

impl Writer<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn int(&mut self, v: impl itoa::Integer) {
        let mut buf = itoa::Buffer::new();
        self.out.extend_from_slice(buf.format(v).as_bytes());
    }

    fn string(&mut self, s: &str) {
        json::write_string(self.out, s);
    }

    fn base64(&mut self, bytes: &[u8]) {
        self.out.push(b'"');
        let start = self.out.len();
        let len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
        self.out.resize(start + len, 0);
        let written = BASE64
            .encode_slice(bytes, &mut self.out[start..])
            .unwrap_or(0);
        self.out.truncate(start + written);
        self.out.push(b'"');
    }

    /// Kafka's `asJsonSchema`, plus `"field":name` for struct fields.
    fn schema(&mut self, schema: &Schema, field: Option<&str>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return too_deep();
        }
        self.raw(b"{\"type\":\"");
        self.raw(schema.kind.name().as_bytes());
        self.raw(b"\"");
        match schema.kind {
            SchemaType::Array => {
                self.raw(b",\"items\":");
                self.child_schema(schema.value_schema.as_deref(), depth)?;
            }
            SchemaType::Map => {
                self.raw(b",\"keys\":");
                self.child_schema(schema.key_schema.as_deref(), depth)?;
                self.raw(b",\"values\":");
                self.child_schema(schema.value_schema.as_deref(), depth)?;
            }
            SchemaType::Struct => {
                self.raw(b",\"fields\":[");
                for (i, f) in schema.fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.schema(&f.schema, Some(&f.name), depth + 1)?;
                }
                self.out.push(b']');
            }
            _ => {}
        }
        self.schema_tail(schema, field, depth)
    }

    /// `optional`, `name`, `version`, `doc`, `parameters`, `default`, then `field`.
    #[inline(never)]
    fn schema_tail(&mut self, schema: &Schema, field: Option<&str>, depth: usize) -> Result<()> {
        self.raw(if schema.optional {
            b",\"optional\":true"
        } else {
            b",\"optional\":false"
        });
        if let Some(name) = &schema.name {
            self.raw(b",\"name\":");
            self.string(name);
        }
        if let Some(version) = schema.version {
            self.raw(b",\"version\":");
            self.int(version);
        }
        if let Some(doc) = &schema.doc {
            self.raw(b",\"doc\":");
            self.string(doc);
        }
        if !schema.parameters.is_empty() {
            self.raw(b",\"parameters\":{");
            let params = &schema.parameters;
            let mut first = true;
            for (i, (k, _)) in params.iter().enumerate() {
                // LinkedHashMap semantics: first position, last value.
                if params[..i].iter().any(|(earlier, _)| earlier == k) {
                    continue;
                }
                let v = params
                    .iter()
                    .rev()
                    .find(|(k2, _)| k2 == k)
                    .map_or("", |(_, v)| v.as_str());
                if !first {
                    self.out.push(b',');
                }
                first = false;
                self.string(k);
                self.out.push(b':');
                self.string(v);
            }
            self.out.push(b'}');
        }
        if let Some(default) = default_of(schema) {
            self.raw(b",\"default\":");
            self.value(Some(schema), default, depth + 1)?;
        }
        if let Some(field) = field {
            self.raw(b",\"field\":");
            self.string(field);
        }
        self.out.push(b'}');
        Ok(())
    }

    fn child_schema(&mut self, schema: Option<&Schema>, depth: usize) -> Result<()> {
        match schema {
            Some(s) => self.schema(s, None, depth + 1),
            None => {
                self.raw(b"null");
                Ok(())
            }
        }
    }

    /// Kafka's `convertToJson`.
    /// Kafka's `convertToJson`. Recursive: kept to a small dispatcher, with the work of
    /// each kind out of line, so deep values use little stack per level.
    fn value(&mut self, schema: Option<&Schema>, value: &Value, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return too_deep();
        }
        if value.is_null() {
            return self.null(schema, depth);
        }
        if let Some(s) = schema
            && let Some(name) = s.name.as_deref()
            && matches!(name, DECIMAL | DATE | TIME | TIMESTAMP)
        {
            return self.logical(s, name, value);
        }
        let kind = match schema {
            Some(s) => s.kind,
            None => value_kind(value).unwrap_or(SchemaType::String),
        };
        match (kind, value) {
            (SchemaType::Array, Value::Array(items)) => self.array(schema, items, depth),
            (SchemaType::Map, Value::Map(entries)) => self.map(schema, entries, depth),
            (SchemaType::Struct, Value::Struct(st)) => self.structure(schema, st, depth),
            _ => self.scalar(kind, value),
        }
    }

    /// A null: the default, `null`, or Kafka's error for a required schema.
    #[inline(never)]
    fn null(&mut self, schema: Option<&Schema>, depth: usize) -> Result<()> {
        let Some(s) = schema else {
            self.raw(b"null");
            return Ok(());
        };
        if self.options.replace_null_with_default
            && let Some(default) = default_of(s)
        {
            return self.value(Some(s), default, depth + 1);
        }
        if s.optional {
            self.raw(b"null");
            return Ok(());
        }
        fail("Conversion error: null value for field that is required and has no default value")
    }

    #[inline(never)]
    fn scalar(&mut self, kind: SchemaType, value: &Value) -> Result<()> {
        match (kind, value) {
            (SchemaType::Int8, Value::Int8(v)) => self.int(*v),
            (SchemaType::Int16, Value::Int16(v)) => self.int(*v),
            (SchemaType::Int32, Value::Int32(v)) => self.int(*v),
            (SchemaType::Int64, Value::Int64(v)) => self.int(*v),
            (SchemaType::Float32, Value::Float32(v)) => numbers::write_f32(self.out, *v),
            (SchemaType::Float64, Value::Float64(v)) => numbers::write_f64(self.out, *v),
            (SchemaType::Boolean, Value::Boolean(b)) => {
                self.raw(if *b { b"true" } else { b"false" })
            }
            (SchemaType::String, Value::String(s)) => self.string(s),
            (SchemaType::Bytes, Value::Bytes(b)) => self.base64(b),
            _ => {
                return fail(format!(
                    "Invalid type for {}: {}",
                    type_upper(kind),
                    java_class(value)
                ));
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn array(&mut self, schema: Option<&Schema>, items: &[Value], depth: usize) -> Result<()> {
        let element = schema.and_then(|s| s.value_schema.as_deref());
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.value(element, item, depth + 1)?;
        }
        self.out.push(b']');
        Ok(())
    }

    #[inline(never)]
    fn structure(&mut self, schema: Option<&Schema>, st: &Struct, depth: usize) -> Result<()> {
        let Some(s) = schema else {
            return fail("Mismatching schema.");
        };
        if !same_struct_schema(&st.schema, s) {
            return fail("Mismatching schema.");
        }
        if st.values.len() != s.fields.len() {
            return fail(format!(
                "Struct has {} values for {} fields",
                st.values.len(),
                s.fields.len()
            ));
        }
        self.out.push(b'{');
        for (i, (field, v)) in s.fields.iter().zip(&st.values).enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.string(&field.name);
            self.out.push(b':');
            self.value(Some(&field.schema), v, depth + 1)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    #[inline(never)]
    fn map(
        &mut self,
        schema: Option<&Schema>,
        entries: &[(Value, Value)],
        depth: usize,
    ) -> Result<()> {
        let (key_schema, value_schema) = match schema {
            Some(s) => match s.key_schema.as_deref() {
                Some(k) => (Some(k), s.value_schema.as_deref()),
                None => return fail("Map schema has no key schema"),
            },
            None => (None, None),
        };
        let object_mode = match key_schema {
            Some(k) => k.kind == SchemaType::String,
            None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
        };
        if !object_mode {
            self.out.push(b'[');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                self.out.push(b'[');
                self.value(key_schema, k, depth + 1)?;
                self.out.push(b',');
                self.value(value_schema, v, depth + 1)?;
                self.out.push(b']');
            }
            self.out.push(b']');
            return Ok(());
        }
        let keyed = self.object_keys(key_schema, entries)?;
        self.out.push(b'{');
        for (i, (k, v)) in keyed.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.string(k);
            self.out.push(b':');
            self.value(value_schema, v, depth + 1)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    /// A string-keyed map's entries with their keys as text (Jackson's `asText()`),
    /// repeated keys merged as `ObjectNode.set` merges them.
    #[inline(never)]
    fn object_keys<'v>(
        &self,
        key_schema: Option<&'v Schema>,
        entries: &'v [(Value, Value)],
    ) -> Result<Vec<(&'v str, &'v Value)>> {
        let mut keyed: Vec<(&str, &Value)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            keyed.push((self.key_text(key_schema, k)?, v));
        }
        Ok(dedupe_keys(keyed))
    }

    /// The text of a string-keyed map's key: `convertToJson(keySchema, key).asText()`.
    fn key_text<'v>(&self, key_schema: Option<&'v Schema>, key: &'v Value) -> Result<&'v str> {
        match key {
            Value::String(s) => Ok(s),
            Value::Null => {
                let Some(ks) = key_schema else {
                    return Ok("null");
                };
                if self.options.replace_null_with_default
                    && let Some(default) = default_of(ks)
                {
                    return match default {
                        Value::String(s) => Ok(s),
                        other => fail(format!("Invalid type for STRING: {}", java_class(other))),
                    };
                }
                if ks.optional {
                    Ok("null")
                } else {
                    fail(
                        "Conversion error: null value for field that is required and has no default value",
                    )
                }
            }
            other => fail(format!("Invalid type for STRING: {}", java_class(other))),
        }
    }

    #[inline(never)]
    fn logical(&mut self, schema: &Schema, name: &str, value: &Value) -> Result<()> {
        match (name, schema.kind, value) {
            (DECIMAL, SchemaType::Bytes, Value::Bytes(bytes)) => {
                let scale = decimal_scale(schema)?;
                let Some(unscaled) = minimal_twos_complement(bytes) else {
                    return fail("Invalid Decimal value: the unscaled value has no bytes");
                };
                match self.options.decimal_format {
                    DecimalFormat::Base64 => self.base64(unscaled),
                    DecimalFormat::Numeric => {
                        let text = ferry_sdk::logical::decimal_to_string(unscaled, scale);
                        self.raw(text.as_bytes());
                    }
                }
            }
            (DECIMAL, _, _) => {
                return fail(format!(
                    "Invalid type for Decimal, expected BigDecimal but was {}",
                    java_class(value)
                ));
            }
            (DATE, SchemaType::Int32, Value::Int32(days)) => self.int(*days),
            (TIME, SchemaType::Int32, Value::Int32(millis)) => {
                if !(0..=MILLIS_PER_DAY).contains(millis) {
                    return fail(
                        "Kafka Connect Time type should not have any date fields set to non-zero values.",
                    );
                }
                self.int(*millis);
            }
            (TIMESTAMP, SchemaType::Int64, Value::Int64(millis)) => self.int(*millis),
            _ => {
                let short = name.rsplit('.').next().unwrap_or(name);
                return fail(format!(
                    "Invalid type for {short}, expected Date but was {}",
                    java_class(value)
                ));
            }
        }
        Ok(())
    }
}

/// Keep the first position of each key with its last value (Jackson's `ObjectNode.set`).
#[inline(never)]
fn dedupe_keys<'v>(mut keyed: Vec<(&'v str, &'v Value)>) -> Vec<(&'v str, &'v Value)> {
    if keyed.len() < 2 {
        return keyed;
    }
    let mut seen: HashMap<&str, usize, FixedState> =
        HashMap::with_capacity_and_hasher(keyed.len(), FixedState::default());
    let mut duplicates = false;
    for (i, (k, _)) in keyed.iter().enumerate() {
        if seen.insert(k, i).is_some() {
            duplicates = true;
        }
    }
    if !duplicates {
        return keyed;
    }
    let mut first: HashMap<&str, usize, FixedState> =
        HashMap::with_capacity_and_hasher(keyed.len(), FixedState::default());
    let mut out: Vec<(&str, &Value)> = Vec::with_capacity(seen.len());
    for (k, v) in keyed.drain(..) {
        match first.get(k) {
            Some(&pos) => out[pos].1 = v,
            None => {
                first.insert(k, out.len());
                out.push((k, v));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// JSON → Connect

struct Reader<'o> {
    options: &'o Options,
}

/// A schema's child schemas, built before the schema itself.
#[derive(Default)]
struct Children {
    key: Option<Arc<Schema>>,
    value: Option<Arc<Schema>>,
    fields: Vec<Field>,
}

fn int_value(node: &Node<'_>) -> i32 {
    match node {
        Node::Number(n) => n.int_value(),
        _ => 0,
    }
}

fn long_value(node: &Node<'_>) -> i64 {
    match node {
        Node::Number(n) => n.long_value(),
        _ => 0,
    }
}

impl Reader<'_> {
    /// Kafka's `asConnectSchema` for a non-null schema node. Recursive through child
    /// schemas: the children are built first, the rest of the schema out of line.
    fn schema(&self, node: &Node<'_>, depth: usize) -> Result<Arc<Schema>> {
        if depth > MAX_DEPTH {
            return too_deep();
        }
        let Some(type_name) = node.get("type").and_then(Node::as_str) else {
            return fail("Schema must contain 'type' field");
        };
        let Some(kind) = SchemaType::from_name(type_name) else {
            return unknown_type(type_name);
        };
        let mut children = Children::default();
        match kind {
            SchemaType::Array => {
                let items = match node.get("items") {
                    None | Some(Node::Null) => {
                        return fail("Array schema did not specify the element type");
                    }
                    Some(items) => items,
                };
                children.value = Some(self.child_schema(items, depth, "valueSchema")?);
            }
            SchemaType::Map => {
                let Some(keys) = node.get("keys") else {
                    return fail("Map schema did not specify the key type");
                };
                let Some(values) = node.get("values") else {
                    return fail("Map schema did not specify the value type");
                };
                children.key = Some(self.child_schema(keys, depth, "keySchema")?);
                children.value = Some(self.child_schema(values, depth, "valueSchema")?);
            }
            SchemaType::Struct => children.fields = self.struct_fields(node, depth)?,
            _ => {}
        }
        self.finish_schema(node, kind, children, depth)
    }

    /// A struct schema's fields.
    #[inline(never)]
    fn struct_fields(&self, node: &Node<'_>, depth: usize) -> Result<Vec<Field>> {
        let Some(Node::Array(nodes)) = node.get("fields") else {
            return fail("Struct schema's \"fields\" argument is not an array.");
        };
        let mut fields: Vec<Field> = Vec::with_capacity(nodes.len());
        for field in nodes {
            let Some(name) = field.get("field").and_then(Node::as_str) else {
                return fail("Struct schema's field name not specified properly");
            };
            if name.is_empty() {
                return fail("fieldName cannot be null.");
            }
            if fields.iter().any(|f| f.name == name) {
                return fail(format!(
                    "Cannot create field because of field name duplication {name}"
                ));
            }
            let schema = self.schema(field, depth + 1)?;
            fields.push(Field {
                name: name.to_string(),
                index: fields.len(),
                schema,
            });
        }
        Ok(fields)
    }

    /// The schema's own attributes (`optional`, `name`, `version`, `doc`,
    /// `parameters`, `default`) around already built children.
    #[inline(never)]
    fn finish_schema(
        &self,
        node: &Node<'_>,
        kind: SchemaType,
        children: Children,
        depth: usize,
    ) -> Result<Arc<Schema>> {
        let mut schema = Schema::new(kind);
        schema.key_schema = children.key;
        schema.value_schema = children.value;
        schema.fields = children.fields;
        schema.optional = matches!(node.get("optional"), Some(Node::Bool(true)));
        if let Some(name) = node.get("name").and_then(Node::as_str) {
            schema.name = Some(name.to_string());
        }
        if let Some(Node::Number(n)) = node.get("version")
            && n.is_integral()
        {
            schema.version = Some(n.int_value());
        }
        if let Some(doc) = node.get("doc").and_then(Node::as_str) {
            schema.doc = Some(doc.to_string());
        }
        if let Some(Node::Object(params)) = node.get("parameters") {
            for p in params {
                let Node::String(v) = &p.value else {
                    return fail("Schema parameters must have string values.");
                };
                schema.parameters.push((p.key.to_string(), v.to_string()));
            }
        }
        if let Some(default_node) = node.get("default") {
            let builder = Arc::new(schema.clone());
            let default = self.to_connect(Some(&builder), Some(default_node), depth + 1)?;
            if default.is_null() {
                if !schema.optional {
                    return fail(format!(
                        "Invalid default value: Invalid value: null used for required value, schema type: {}",
                        type_upper(kind)
                    ));
                }
            } else {
                check_nulls(&schema, &default, &|| "value".to_string())
                    .map_err(|e| ConversionError(format!("Invalid default value: {e}")))?;
                schema.default = Some(default);
            }
        }
        Ok(Arc::new(schema))
    }

    fn child_schema(&self, node: &Node<'_>, depth: usize, what: &str) -> Result<Arc<Schema>> {
        match node {
            Node::Null => cannot_be_null(what),
            node => self.schema(node, depth + 1),
        }
    }

    /// Kafka's `convertToConnect`. `node` is `None` for a missing value. Recursive: a
    /// small dispatcher, with each kind's work out of line.
    fn to_connect(
        &self,
        schema: Option<&Arc<Schema>>,
        node: Option<&Node<'_>>,
        depth: usize,
    ) -> Result<Value> {
        if depth > MAX_DEPTH {
            return too_deep();
        }
        let Some(schema) = schema else {
            return Ok(schemaless(node));
        };
        let node = match node {
            None | Some(Node::Null) => return self.null_to_connect(schema),
            Some(node) => node,
        };
        if let Some(name) = schema.name.as_deref()
            && matches!(name, DECIMAL | DATE | TIME | TIMESTAMP)
        {
            return logical_to_connect(schema, name, node);
        }
        match schema.kind {
            SchemaType::Array => self.array_to_connect(schema, node, depth),
            SchemaType::Map => self.map_to_connect(schema, node, depth),
            SchemaType::Struct => self.struct_to_connect(schema, node, depth),
            kind => scalar_to_connect(kind, node),
        }
    }

    #[inline(never)]
    fn null_to_connect(&self, schema: &Schema) -> Result<Value> {
        if self.options.replace_null_with_default
            && let Some(default) = default_of(schema)
        {
            return Ok(default.clone());
        }
        if schema.optional {
            return Ok(Value::Null);
        }
        fail(format!(
            "Invalid null value for required {} field",
            type_upper(schema.kind)
        ))
    }

    #[inline(never)]
    fn array_to_connect(&self, schema: &Schema, node: &Node<'_>, depth: usize) -> Result<Value> {
        let element = schema.value_schema.as_ref();
        let mut items: Vec<Value> = Vec::new();
        match node {
            Node::Array(nodes) => {
                items.reserve_exact(nodes.len());
                for item in nodes {
                    items.push(self.to_connect(element, Some(item), depth + 1)?);
                }
            }
            // Jackson iterates an object's values; scalars have none.
            Node::Object(members) => {
                items.reserve_exact(members.len());
                for m in members {
                    items.push(self.to_connect(element, Some(&m.value), depth + 1)?);
                }
            }
            _ => {}
        }
        Ok(Value::Array(items))
    }

    #[inline(never)]
    fn map_to_connect(&self, schema: &Schema, node: &Node<'_>, depth: usize) -> Result<Value> {
        let key_schema = schema.key_schema.as_ref();
        let value_schema = schema.value_schema.as_ref();
        if key_schema.is_none_or(|k| k.kind == SchemaType::String) {
            let Node::Object(members) = node else {
                return fail(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    Node::type_name(Some(node))
                ));
            };
            let mut entries = Vec::with_capacity(members.len());
            for m in members {
                let value = self.to_connect(value_schema, Some(&m.value), depth + 1)?;
                entries.push((Value::String(m.key.to_string()), value));
            }
            return Ok(Value::Map(java::hashmap_order(
                entries,
                key_schema.map(Arc::as_ref),
            )));
        }
        let Node::Array(items) = node else {
            return fail(format!(
                "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                Node::type_name(Some(node))
            ));
        };
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(items.len());
        for item in items {
            let Node::Array(pair) = item else {
                return fail(format!(
                    "Found invalid map entry instead of array tuple: {}",
                    Node::type_name(Some(item))
                ));
            };
            if pair.len() != 2 {
                return fail(format!(
                    "Found invalid map entry, expected length 2 but found :{}",
                    pair.len()
                ));
            }
            let k = self.to_connect(key_schema, Some(&pair[0]), depth + 1)?;
            let v = self.to_connect(value_schema, Some(&pair[1]), depth + 1)?;
            entries.push((k, v));
        }
        Ok(Value::Map(java::hashmap_order(
            dedupe_entries(entries),
            key_schema.map(Arc::as_ref),
        )))
    }

    #[inline(never)]
    fn struct_to_connect(
        &self,
        schema: &Arc<Schema>,
        node: &Node<'_>,
        depth: usize,
    ) -> Result<Value> {
        let Node::Object(members) = node else {
            return fail(format!(
                "Structs should be encoded as JSON objects, but found {}",
                Node::type_name(Some(node))
            ));
        };
        let mut index: Option<HashMap<&str, usize, FixedState>> = None;
        let mut values = Vec::with_capacity(schema.fields.len());
        for (i, field) in schema.fields.iter().enumerate() {
            // Fast path: members in field order.
            let member = match members.get(i) {
                Some(m) if m.key == field.name.as_str() => Some(m),
                _ if members.len() > 16 => {
                    let map = index.get_or_insert_with(|| {
                        members
                            .iter()
                            .enumerate()
                            .map(|(j, m)| (m.key.as_ref(), j))
                            .collect()
                    });
                    map.get(field.name.as_str()).map(|&j| &members[j])
                }
                _ => find(members, &field.name),
            };
            let value =
                self.to_connect(Some(&field.schema), member.map(|m| &m.value), depth + 1)?;
            // Struct.put's validation.
            check_nulls(&field.schema, &value, &|| {
                format!("field: \"{}\"", field.name)
            })?;
            values.push(value);
        }
        Ok(Value::Struct(Struct {
            schema: Arc::clone(schema),
            values,
        }))
    }
}

/// A primitive schema's value: Jackson's `booleanValue()`, `intValue()`, … of whatever
/// node is there.
#[inline(never)]
fn scalar_to_connect(kind: SchemaType, node: &Node<'_>) -> Result<Value> {
    Ok(match kind {
        SchemaType::Boolean => Value::Boolean(matches!(node, Node::Bool(true))),
        SchemaType::Int8 => Value::Int8(int_value(node) as i8),
        SchemaType::Int16 => Value::Int16(int_value(node) as i16),
        SchemaType::Int32 => Value::Int32(int_value(node)),
        SchemaType::Int64 => Value::Int64(long_value(node)),
        SchemaType::Float32 => Value::Float32(match node {
            Node::Number(n) => n.f32_value(),
            _ => 0.0,
        }),
        SchemaType::Float64 => Value::Float64(match node {
            Node::Number(n) => n.f64_value(),
            _ => 0.0,
        }),
        SchemaType::Bytes => match node {
            Node::String(text) => Value::Bytes(
                json::decode_base64(text)
                    .map_err(|e| ConversionError(format!("Invalid bytes field: {e}")))?,
            ),
            _ => Value::Null,
        },
        SchemaType::String => match node {
            Node::String(text) => Value::String(text.to_string()),
            _ => Value::Null,
        },
        SchemaType::Array | SchemaType::Map | SchemaType::Struct => {
            return fail(format!("Unexpected container type {}", type_upper(kind)));
        }
    })
}

/// Kafka's `convertToConnect` without a schema: integers become int64, other numbers
/// float64, objects maps with string keys. Recursive, with the containers out of line.
fn schemaless(node: Option<&Node<'_>>) -> Value {
    match node {
        Some(Node::Array(items)) => schemaless_array(items),
        Some(Node::Object(members)) => schemaless_object(members),
        other => schemaless_scalar(other),
    }
}

#[inline(never)]
fn schemaless_scalar(node: Option<&Node<'_>>) -> Value {
    match node {
        Some(Node::Bool(b)) => Value::Boolean(*b),
        Some(Node::Number(n)) if n.is_integral() => Value::Int64(n.long_value()),
        Some(Node::Number(n)) => Value::Float64(n.f64_value()),
        Some(Node::String(s)) => Value::String(s.to_string()),
        _ => Value::Null,
    }
}

#[inline(never)]
fn schemaless_array(nodes: &[Node<'_>]) -> Value {
    let mut items = Vec::with_capacity(nodes.len());
    for node in nodes {
        items.push(schemaless(Some(node)));
    }
    Value::Array(items)
}

#[inline(never)]
fn schemaless_object(members: &[Member<'_>]) -> Value {
    let mut entries = Vec::with_capacity(members.len());
    for m in members {
        let value = schemaless(Some(&m.value));
        entries.push((Value::String(m.key.to_string()), value));
    }
    Value::Map(java::hashmap_order(entries, None))
}

#[inline(never)]
fn logical_to_connect(schema: &Schema, name: &str, node: &Node<'_>) -> Result<Value> {
    let require_kind = |kind: SchemaType| -> Result<()> {
        if schema.kind == kind {
            Ok(())
        } else {
            fail(format!(
                "Invalid schema for {name}: expected type {} but was {}",
                type_upper(kind),
                type_upper(schema.kind)
            ))
        }
    };
    let node_type = Node::type_name(Some(node));
    match name {
        DECIMAL => {
            require_kind(SchemaType::Bytes)?;
            match node {
                Node::Number(n) => {
                    let scale = decimal_scale(schema)?;
                    decimal_from_number(n, scale).map(Value::Bytes)
                }
                Node::String(text) => {
                    let invalid = || ConversionError("Invalid bytes for Decimal field".to_string());
                    let bytes = json::decode_base64(text).map_err(|_| invalid())?;
                    decimal_scale(schema).map_err(|_| invalid())?;
                    let unscaled = minimal_twos_complement(&bytes).ok_or_else(invalid)?;
                    Ok(Value::Bytes(unscaled.to_vec()))
                }
                _ => fail(format!(
                    "Invalid type for Decimal, underlying representation should be numeric or bytes but was {node_type}"
                )),
            }
        }
        DATE => {
            require_kind(SchemaType::Int32)?;
            match node {
                Node::Number(n) if n.is_int() => Ok(Value::Int32(n.int_value())),
                _ => fail(format!(
                    "Invalid type for Date, underlying representation should be integer but was {node_type}"
                )),
            }
        }
        TIME => {
            require_kind(SchemaType::Int32)?;
            match node {
                Node::Number(n) if n.is_int() => {
                    let millis = n.int_value();
                    if !(0..=MILLIS_PER_DAY).contains(&millis) {
                        return fail(
                            "Time values must use number of milliseconds greater than 0 and less than 86400000",
                        );
                    }
                    Ok(Value::Int32(millis))
                }
                _ => fail(format!(
                    "Invalid type for Time, underlying representation should be integer but was {node_type}"
                )),
            }
        }
        _ => {
            require_kind(SchemaType::Int64)?;
            match node {
                Node::Number(n) if n.is_integral() => Ok(Value::Int64(n.long_value())),
                _ => fail(format!(
                    "Invalid type for Timestamp, underlying representation should be integral but was {node_type}"
                )),
            }
        }
    }
}

/// A JSON number as a Decimal of `scale`: the unscaled value's bytes. Kafka keeps the
/// number's own scale in its `BigDecimal`; the physical form needs the schema's, so the
/// value is rescaled, which must be exact.
fn decimal_from_number(n: &Number<'_>, scale: i32) -> Result<Vec<u8>> {
    let (negative, mut digits, from_scale) = n.decimal_value();
    if digits == "0" {
        return Ok(vec![0]);
    }
    let diff = i64::from(scale) - from_scale;
    let mismatch = || {
        ConversionError(format!(
            "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {from_scale}."
        ))
    };
    if diff >= 0 {
        let zeros = usize::try_from(diff).map_err(|_| mismatch())?;
        if digits.len().saturating_add(zeros) > 100_000 {
            return Err(mismatch());
        }
        digits.extend(std::iter::repeat_n('0', zeros));
    } else {
        let drop = usize::try_from(-diff).map_err(|_| mismatch())?;
        if drop >= digits.len() || !digits[digits.len() - drop..].bytes().all(|b| b == b'0') {
            return Err(mismatch());
        }
        digits.truncate(digits.len() - drop);
    }
    Ok(numbers::decimal_digits_to_twos_complement(
        negative,
        digits.as_bytes(),
    ))
}

/// The null checks of Kafka's `ConnectSchema.validateValue`, as `Struct.put` and
/// `SchemaBuilder.defaultValue` apply them (types always match here by construction).
fn check_nulls(schema: &Schema, value: &Value, location: &dyn Fn() -> String) -> Result<()> {
    match value {
        Value::Null => {
            if schema.optional {
                Ok(())
            } else {
                fail(format!(
                    "Invalid value: null used for required {}, schema type: {}",
                    location(),
                    type_upper(schema.kind)
                ))
            }
        }
        Value::Array(items) => {
            if let Some(element) = schema.value_schema.as_deref()
                && needs_check(element)
            {
                let here = || format!("element of array {}", location());
                for item in items {
                    check_nulls(element, item, &here)?;
                }
            }
            Ok(())
        }
        Value::Map(entries) => {
            let key_schema = schema.key_schema.as_deref().filter(|s| needs_check(s));
            let value_schema = schema.value_schema.as_deref().filter(|s| needs_check(s));
            if key_schema.is_some() || value_schema.is_some() {
                let key_here = || format!("key of map {}", location());
                let value_here = || format!("value of map {}", location());
                for (k, v) in entries {
                    if let Some(ks) = key_schema {
                        check_nulls(ks, k, &key_here)?;
                    }
                    if let Some(vs) = value_schema {
                        check_nulls(vs, v, &value_here)?;
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn needs_check(schema: &Schema) -> bool {
    !schema.optional || matches!(schema.kind, SchemaType::Array | SchemaType::Map)
}

/// Java `HashMap` semantics for map entries read from `[[k,v],…]`: an equal key
/// replaces the value (kept at the first key's position here).
fn dedupe_entries(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    if entries.len() < 2 {
        return entries;
    }
    let mut buckets: HashMap<u64, Vec<usize>, FixedState> = HashMap::default();
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let h = java_hash(&k);
        let bucket = buckets.entry(h).or_default();
        match bucket.iter().copied().find(|&i| java_equals(&out[i].0, &k)) {
            Some(i) => out[i].1 = v,
            None => {
                bucket.push(out.len());
                out.push((k, v));
            }
        }
    }
    out
}

/// Equality as Java's `equals` on the objects Kafka would hold: floats by bits (NaN
/// equals NaN, 0.0 differs from -0.0), `byte[]` by identity (never equal).
fn java_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float32(x), Value::Float32(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Float64(x), Value::Float64(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::Bytes(_), Value::Bytes(_)) => false,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| java_equals(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .any(|(k2, v2)| java_equals(k, k2) && java_equals(v, v2))
                })
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.schema == y.schema
                && x.values.len() == y.values.len()
                && x.values
                    .iter()
                    .zip(&y.values)
                    .all(|(a, b)| java_equals(a, b))
        }
        _ => a == b,
    }
}

/// A hash consistent with [`java_equals`] (coarse for containers).
fn java_hash(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    std::mem::discriminant(v).hash(&mut h);
    match v {
        Value::Boolean(b) => b.hash(&mut h),
        Value::Int8(x) => x.hash(&mut h),
        Value::Int16(x) => x.hash(&mut h),
        Value::Int32(x) => x.hash(&mut h),
        Value::Int64(x) => x.hash(&mut h),
        Value::Float32(x) => (if x.is_nan() { u32::MAX } else { x.to_bits() }).hash(&mut h),
        Value::Float64(x) => (if x.is_nan() { u64::MAX } else { x.to_bits() }).hash(&mut h),
        Value::String(s) => s.hash(&mut h),
        Value::Bytes(b) => (b.as_ptr() as usize).hash(&mut h),
        Value::Array(a) => a.len().hash(&mut h),
        Value::Map(m) => m.len().hash(&mut h),
        Value::Struct(s) => s.values.len().hash(&mut h),
        Value::Null => {}
    }
    h.finish()
}
