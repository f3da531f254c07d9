//! The Connect data model: schemas, values, structs and records, as in Kafka Connect's
//! `org.apache.kafka.connect.data` package.
//!
//! Logical types (Decimal, Date, Time, Timestamp) are schemas carrying Kafka's names
//! (see [`crate::logical`]); their values are kept in physical form (Decimal = unscaled
//! big-endian two's-complement [`Value::Bytes`], Date/Time = [`Value::Int32`],
//! Timestamp = [`Value::Int64`]).

use std::sync::Arc;

use crate::logical;

/// Physical schema types, as Kafka's `Schema.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl SchemaType {
    /// Kafka's lower-case type name (`int8`, `string`, `struct`, …), as used by the
    /// JSON converter's schema envelope.
    pub fn name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    /// Parse a Kafka type name (the inverse of [`SchemaType::name`]).
    pub fn from_name(name: &str) -> Option<SchemaType> {
        Some(match name {
            "int8" => SchemaType::Int8,
            "int16" => SchemaType::Int16,
            "int32" => SchemaType::Int32,
            "int64" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "boolean" => SchemaType::Boolean,
            "string" => SchemaType::String,
            "bytes" => SchemaType::Bytes,
            "array" => SchemaType::Array,
            "map" => SchemaType::Map,
            "struct" => SchemaType::Struct,
            _ => return None,
        })
    }

    /// True for everything except array, map and struct.
    pub fn is_primitive(self) -> bool {
        !matches!(
            self,
            SchemaType::Array | SchemaType::Map | SchemaType::Struct
        )
    }
}

/// A Connect schema (Kafka's `ConnectSchema`).
///
/// Build one with the constructors and the consuming `with_*`/`optional` helpers:
///
/// ```
/// use ferry_sdk::{Schema, SchemaType};
/// let person = Schema::structure()
///     .with_name("com.example.Person")
///     .field("name", Schema::string())
///     .field("age", Schema::int32().optional())
///     .into_arc();
/// assert_eq!(person.kind, SchemaType::Struct);
/// assert_eq!(person.field_named("age").map(|f| f.index), Some(1));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub kind: SchemaType,
    pub optional: bool,
    pub name: Option<String>,
    pub version: Option<i32>,
    pub doc: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub default: Option<Value>,
    /// Map key schema.
    pub key_schema: Option<Arc<Schema>>,
    /// Array element schema, or map value schema.
    pub value_schema: Option<Arc<Schema>>,
    /// Struct fields, in order; `fields[i].index == i`.
    pub fields: Vec<Field>,
}

/// One field of a struct schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: Arc<Schema>,
}

/// A Connect value. `Null` stands for Java's `null`.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Boolean(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in order. Keys may be any value (Connect allows non-string keys).
    Map(Vec<(Value, Value)>),
    Struct(Struct),
}

/// A struct value: a struct schema and one value per field, in field order.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    pub schema: Arc<Schema>,
    /// In field order; `Value::Null` for unset fields.
    pub values: Vec<Value>,
}

/// One Connect record, the unit a source task produces and a sink task consumes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ConnectRecord {
    pub topic: String,
    /// Kafka partition; `None` lets the producer choose.
    pub partition: Option<i32>,
    /// Offset of a consumed record (sink side).
    pub kafka_offset: Option<i64>,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    pub key_schema: Option<Arc<Schema>>,
    pub key: Value,
    pub value_schema: Option<Arc<Schema>>,
    pub value: Value,
    /// Connect headers, in order. On the sink side the host's header converter
    /// made them from the Kafka header bytes; on the source side it turns them into
    /// bytes after the transforms.
    pub headers: Vec<Header>,
    /// Source records: the source partition as a JSON object, e.g. `{"filename":"/in"}`.
    pub source_partition: Option<String>,
    /// Source records: the position after this record, as JSON, e.g. `{"position":42}`.
    pub source_offset: Option<String>,
}

/// One Connect header (Kafka's `Header`): a key and a value with its schema, if
/// known. A null header value is `Value::Null`.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub key: String,
    pub schema: Option<Arc<Schema>>,
    pub value: Value,
}

impl Header {
    pub fn new(key: impl Into<String>, schema: Option<Arc<Schema>>, value: Value) -> Self {
        Header {
            key: key.into(),
            schema,
            value,
        }
    }
}

/// An optional schema with a value (Kafka's `SchemaAndValue`).
pub type SchemaAndValue = (Option<Arc<Schema>>, Value);

/// A value did not fit its schema, or a struct field does not exist.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("unknown field `{0}`")]
    UnknownField(String),
    #[error("invalid value for {context}: expected {expected}, found {found}")]
    TypeMismatch {
        context: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("invalid value for {0}: null used for a required (non-optional) schema")]
    NullNotAllowed(String),
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
}

impl Schema {
    /// A required schema of `kind` with nothing else set.
    pub fn new(kind: SchemaType) -> Schema {
        Schema {
            kind,
            optional: false,
            name: None,
            version: None,
            doc: None,
            parameters: Vec::new(),
            default: None,
            key_schema: None,
            value_schema: None,
            fields: Vec::new(),
        }
    }

    pub fn int8() -> Schema {
        Schema::new(SchemaType::Int8)
    }
    pub fn int16() -> Schema {
        Schema::new(SchemaType::Int16)
    }
    pub fn int32() -> Schema {
        Schema::new(SchemaType::Int32)
    }
    pub fn int64() -> Schema {
        Schema::new(SchemaType::Int64)
    }
    pub fn float32() -> Schema {
        Schema::new(SchemaType::Float32)
    }
    pub fn float64() -> Schema {
        Schema::new(SchemaType::Float64)
    }
    pub fn boolean() -> Schema {
        Schema::new(SchemaType::Boolean)
    }
    pub fn string() -> Schema {
        Schema::new(SchemaType::String)
    }
    pub fn bytes() -> Schema {
        Schema::new(SchemaType::Bytes)
    }

    /// Kafka's `Schema.OPTIONAL_STRING_SCHEMA`.
    pub fn optional_string() -> Schema {
        Schema::string().optional()
    }

    /// Kafka's `Schema.OPTIONAL_BYTES_SCHEMA`.
    pub fn optional_bytes() -> Schema {
        Schema::bytes().optional()
    }

    /// An array of `element`.
    pub fn array(element: impl Into<Arc<Schema>>) -> Schema {
        Schema {
            value_schema: Some(element.into()),
            ..Schema::new(SchemaType::Array)
        }
    }

    /// A map from `key` to `value`.
    pub fn map(key: impl Into<Arc<Schema>>, value: impl Into<Arc<Schema>>) -> Schema {
        Schema {
            key_schema: Some(key.into()),
            value_schema: Some(value.into()),
            ..Schema::new(SchemaType::Map)
        }
    }

    /// An empty struct schema; add fields with [`Schema::field`].
    pub fn structure() -> Schema {
        Schema::new(SchemaType::Struct)
    }

    /// Kafka's `Decimal.schema(scale)`: bytes named `org.apache.kafka.connect.data.Decimal`.
    pub fn decimal(scale: i32) -> Schema {
        Schema::bytes()
            .with_name(logical::DECIMAL)
            .with_parameter(logical::DECIMAL_SCALE, scale.to_string())
            .with_version(1)
    }

    /// Kafka's `Date.SCHEMA`: int32 days since the epoch.
    pub fn date() -> Schema {
        Schema::int32().with_name(logical::DATE).with_version(1)
    }

    /// Kafka's `Time.SCHEMA`: int32 milliseconds since midnight.
    pub fn time() -> Schema {
        Schema::int32().with_name(logical::TIME).with_version(1)
    }

    /// Kafka's `Timestamp.SCHEMA`: int64 milliseconds since the epoch.
    pub fn timestamp() -> Schema {
        Schema::int64()
            .with_name(logical::TIMESTAMP)
            .with_version(1)
    }

    /// Mark optional (nullable).
    pub fn optional(mut self) -> Schema {
        self.optional = true;
        self
    }

    /// Set `optional` explicitly.
    pub fn with_optional(mut self, optional: bool) -> Schema {
        self.optional = optional;
        self
    }

    pub fn with_name(mut self, name: impl Into<String>) -> Schema {
        self.name = Some(name.into());
        self
    }

    pub fn with_version(mut self, version: i32) -> Schema {
        self.version = Some(version);
        self
    }

    pub fn with_doc(mut self, doc: impl Into<String>) -> Schema {
        self.doc = Some(doc.into());
        self
    }

    /// Add (or replace) a parameter.
    pub fn with_parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Schema {
        let key = key.into();
        let value = value.into();
        match self.parameters.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.parameters.push((key, value)),
        }
        self
    }

    pub fn with_default(mut self, default: impl Into<Value>) -> Schema {
        self.default = Some(default.into());
        self
    }

    /// Append a struct field (its index is the current field count).
    pub fn field(mut self, name: impl Into<String>, schema: impl Into<Arc<Schema>>) -> Schema {
        let index = self.fields.len();
        self.fields.push(Field {
            name: name.into(),
            index,
            schema: schema.into(),
        });
        self
    }

    /// Wrap in an [`Arc`], the form records and fields hold.
    pub fn into_arc(self) -> Arc<Schema> {
        Arc::new(self)
    }

    /// Look up a struct field by name.
    pub fn field_named(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A parameter's value.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Array element or map value schema.
    pub fn value_schema(&self) -> Option<&Arc<Schema>> {
        self.value_schema.as_ref()
    }

    /// Map key schema.
    pub fn key_schema(&self) -> Option<&Arc<Schema>> {
        self.key_schema.as_ref()
    }

    /// The logical type this schema stands for, if its name is one of Kafka's.
    pub fn logical_type(&self) -> Option<logical::LogicalType> {
        logical::LogicalType::of(self)
    }

    /// Check that `value` fits this schema (Kafka's `ConnectSchema.validateValue`):
    /// physical types match, nulls only where optional or defaulted, recursively.
    pub fn validate(&self, value: &Value) -> Result<(), DataError> {
        self.validate_at(value, "value")
    }

    fn validate_at(&self, value: &Value, context: &str) -> Result<(), DataError> {
        let mismatch = || DataError::TypeMismatch {
            context: context.to_string(),
            expected: self.kind.name(),
            found: value.type_name(),
        };
        match (self.kind, value) {
            (_, Value::Null) => {
                if self.optional || self.default.is_some() {
                    Ok(())
                } else {
                    Err(DataError::NullNotAllowed(context.to_string()))
                }
            }
            (SchemaType::Int8, Value::Int8(_))
            | (SchemaType::Int16, Value::Int16(_))
            | (SchemaType::Int32, Value::Int32(_))
            | (SchemaType::Int64, Value::Int64(_))
            | (SchemaType::Float32, Value::Float32(_))
            | (SchemaType::Float64, Value::Float64(_))
            | (SchemaType::Boolean, Value::Boolean(_))
            | (SchemaType::String, Value::String(_))
            | (SchemaType::Bytes, Value::Bytes(_)) => Ok(()),
            (SchemaType::Array, Value::Array(items)) => match &self.value_schema {
                Some(element) => items
                    .iter()
                    .try_for_each(|item| element.validate_at(item, context)),
                None => Ok(()),
            },
            (SchemaType::Map, Value::Map(entries)) => {
                for (k, v) in entries {
                    if let Some(ks) = &self.key_schema {
                        ks.validate_at(k, context)?;
                    }
                    if let Some(vs) = &self.value_schema {
                        vs.validate_at(v, context)?;
                    }
                }
                Ok(())
            }
            (SchemaType::Struct, Value::Struct(s)) => {
                if s.schema.as_ref() == self {
                    Ok(())
                } else {
                    Err(DataError::TypeMismatch {
                        context: context.to_string(),
                        expected: "struct with the schema's fields",
                        found: "struct with a different schema",
                    })
                }
            }
            _ => Err(mismatch()),
        }
    }
}

impl Value {
    /// A short name of the variant, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "boolean",
            Value::Int8(_) => "int8",
            Value::Int16(_) => "int16",
            Value::Int32(_) => "int32",
            Value::Int64(_) => "int64",
            Value::Float32(_) => "float",
            Value::Float64(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Struct(_) => "struct",
        }
    }

    /// The physical schema type of this value (`None` for null).
    pub fn schema_type(&self) -> Option<SchemaType> {
        Some(match self {
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

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// Any integer variant, widened.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v.into()),
            Value::Int16(v) => Some(v.into()),
            Value::Int32(v) => Some(v.into()),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// Any float variant, widened.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float32(v) => Some(v.into()),
            Value::Float64(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Look up a map entry by string key (schemaless JSON-like maps).
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant(v.into())
            }
        })*
    };
}

value_from! {
    bool => Boolean, i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    f32 => Float32, f64 => Float64, String => String, &str => String,
    Vec<u8> => Bytes, Vec<Value> => Array, Vec<(Value, Value)> => Map, Struct => Struct,
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl Struct {
    /// An empty struct of `schema` (every field null).
    pub fn new(schema: Arc<Schema>) -> Struct {
        let values = vec![Value::Null; schema.fields.len()];
        Struct { schema, values }
    }

    /// A field's value by name, falling back to the field's default when the value is
    /// null (Kafka's `Struct.get`). `None` if there is no such field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let field = self.schema.field_named(name)?;
        self.get_field(field)
    }

    /// Like [`Struct::get`], by field.
    pub fn get_field(&self, field: &Field) -> Option<&Value> {
        let value = self.values.get(field.index)?;
        let default = &self.schema.fields.get(field.index)?.schema.default;
        match (value, default) {
            (Value::Null, Some(default)) => Some(default),
            _ => Some(value),
        }
    }

    /// Set a field after checking the value against the field's schema (Kafka's
    /// `Struct.put`). Chainable: `s.put("a", 1)?.put("b", "x")?`.
    pub fn put(&mut self, name: &str, value: impl Into<Value>) -> Result<&mut Struct, DataError> {
        let value = value.into();
        let field = self
            .schema
            .field_named(name)
            .ok_or_else(|| DataError::UnknownField(name.to_string()))?;
        field
            .schema
            .validate_at(&value, &format!("field `{name}`"))?;
        let index = field.index;
        if self.values.len() < self.schema.fields.len() {
            self.values.resize(self.schema.fields.len(), Value::Null);
        }
        self.values[index] = value;
        Ok(self)
    }

    /// Field/value pairs in field order (stored values, no defaults applied).
    pub fn iter(&self) -> impl Iterator<Item = (&Field, &Value)> {
        self.schema.fields.iter().zip(self.values.iter())
    }

    /// Check every field against its schema (Kafka's `Struct.validate`).
    pub fn validate(&self) -> Result<(), DataError> {
        if self.values.len() != self.schema.fields.len() {
            return Err(DataError::InvalidSchema(format!(
                "struct has {} values for {} fields",
                self.values.len(),
                self.schema.fields.len()
            )));
        }
        self.iter()
            .try_for_each(|(f, v)| f.schema.validate_at(v, &format!("field `{}`", f.name)))
    }
}

impl ConnectRecord {
    /// A record for `topic` with the given value and everything else unset.
    pub fn new(topic: impl Into<String>, value_schema: Option<Arc<Schema>>, value: Value) -> Self {
        ConnectRecord {
            topic: topic.into(),
            value_schema,
            value,
            ..ConnectRecord::default()
        }
    }

    pub fn with_key(mut self, key_schema: Option<Arc<Schema>>, key: Value) -> Self {
        self.key_schema = key_schema;
        self.key = key;
        self
    }

    pub fn with_value(mut self, value_schema: Option<Arc<Schema>>, value: Value) -> Self {
        self.value_schema = value_schema;
        self.value = value;
        self
    }

    pub fn with_partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    pub fn with_timestamp(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }

    /// Set the source partition and offset (both JSON text).
    pub fn with_source(mut self, partition: impl Into<String>, offset: impl Into<String>) -> Self {
        self.source_partition = Some(partition.into());
        self.source_offset = Some(offset.into());
        self
    }

    /// Append a header (Kafka's `Headers.add(key, value, schema)`).
    pub fn with_header(
        mut self,
        key: impl Into<String>,
        schema: Option<Arc<Schema>>,
        value: Value,
    ) -> Self {
        self.headers.push(Header::new(key, schema, value));
        self
    }

    /// The last header named `key` (Kafka's `Headers.lastWithName`).
    pub fn header(&self, key: &str) -> Option<&Header> {
        self.headers.iter().rev().find(|h| h.key == key)
    }
}
