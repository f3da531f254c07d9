//! Kafka's `HeaderFrom` transform, generic over the side of the record it reads
//! ([`KeySide`] for `HeaderFrom$Key`, [`ValueSide`] for `HeaderFrom$Value`); one
//! component exports both forms (a plugin family).
//!
//! Copies (`operation=copy`) or moves (`operation=move`) the fields named in `fields`
//! of the key/value into headers named by the corresponding `headers` entries. With a
//! schema, each header gets the field's schema and a moved field leaves the struct
//! schema (cached per input schema, as Kafka does); schemaless, the headers have no
//! schema and moved entries leave the map.

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Header, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Transform, Value,
};
use transform_support::config::{invalid_value, java_trim, parse_bool, required, required_list};
use transform_support::connect_schema::check_null_allowed;
use transform_support::java::schema_type_name;
use transform_support::schema_util::copy_schema_basics_into;
use transform_support::{SchemaCache, replace_null_with_default, requirements};

pub use transform_support::{KeySide, Side, ValueSide};

pub const FIELDS_FIELD: &str = "fields";
pub const HEADERS_FIELD: &str = "headers";
pub const OPERATION_FIELD: &str = "operation";
pub const REPLACE_NULL_WITH_DEFAULT_FIELD: &str = replace_null_with_default::CONFIG;

const MOVE_OPERATION: &str = "move";
const COPY_OPERATION: &str = "copy";

/// Kafka's `OVERVIEW_DOC` (with `Key.class.getName()` / `Value.class.getName()`).
pub const OVERVIEW_DOC: &str = "Moves or copies fields in the key/value of a record into that record's headers. Corresponding elements of <code>fields</code> and <code>headers</code> together identify a field and the header it should be moved or copied to. Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value (<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>).";

/// Java's helpful `NullPointerException` message when a configured field is not in
/// the struct schema (`operatingSchema.field(fieldName).schema()`).
const MISSING_FIELD_NPE: &str = "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of \"org.apache.kafka.connect.data.Schema.field(String)\" is null";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Move,
    Copy,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Move => MOVE_OPERATION,
            Operation::Copy => COPY_OPERATION,
        }
    }
}

/// The transform.
pub struct HeaderFrom<S: Side> {
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
    move_schema_cache: SchemaCache,
    side: PhantomData<S>,
}

/// A required `LIST` key with Kafka's `NonEmptyListValidator`.
fn non_empty_list(config: &Config, key: &str) -> Result<Vec<String>, PluginError> {
    let list = required_list(config, key)?;
    if list.is_empty() {
        return Err(invalid_value(key, "[]", "Empty list"));
    }
    Ok(list)
}

/// `operation`: required, `ValidString.in("move", "copy")`.
fn operation(config: &Config) -> Result<Operation, PluginError> {
    match java_trim(required(config, OPERATION_FIELD)?) {
        MOVE_OPERATION => Ok(Operation::Move),
        COPY_OPERATION => Ok(Operation::Copy),
        other => Err(invalid_value(
            OPERATION_FIELD,
            other,
            "String must be one of: move, copy",
        )),
    }
}

/// `replace.null.with.default`: a `BOOLEAN` defaulting to true.
fn replace_null_with_default(config: &Config) -> Result<bool, PluginError> {
    parse_bool(config, REPLACE_NULL_WITH_DEFAULT_FIELD, true)
}

/// Each key's `ConfigDef` result, in definition order.
fn parse_keys(config: &Config) -> [(&'static str, Result<(), PluginError>); 4] {
    [
        (FIELDS_FIELD, non_empty_list(config, FIELDS_FIELD).map(drop)),
        (
            HEADERS_FIELD,
            non_empty_list(config, HEADERS_FIELD).map(drop),
        ),
        (OPERATION_FIELD, operation(config).map(drop)),
        (
            REPLACE_NULL_WITH_DEFAULT_FIELD,
            replace_null_with_default(config).map(drop),
        ),
    ]
}

/// Kafka's `configure`: `ConfigDef.parse` (the first failing key, in definition
/// order), then the equal-length check.
fn parse_config<S: Side>(config: &Config) -> Result<HeaderFrom<S>, PluginError> {
    let fields = non_empty_list(config, FIELDS_FIELD)?;
    let headers = non_empty_list(config, HEADERS_FIELD)?;
    let operation = operation(config)?;
    let replace_null_with_default = replace_null_with_default(config)?;
    if headers.len() != fields.len() {
        return Err(PluginError::config(format!(
            "'{FIELDS_FIELD}' config must have the same number of elements as '{HEADERS_FIELD}' config."
        )));
    }
    Ok(HeaderFrom {
        fields,
        headers,
        operation,
        replace_null_with_default,
        move_schema_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for HeaderFrom<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("header-from"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("HeaderFrom"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(FIELDS_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("Field names in the record whose values are to be copied or moved to headers."),
            )
            .config(
                ConfigKey::list(HEADERS_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("Header names, in the same order as the field names listed in the fields configuration property."),
            )
            .config(
                ConfigKey::string(OPERATION_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."),
            )
            .config(replace_null_with_default::config_key())
    }

    /// Every key's validator message (as Kafka's `ConfigDef.validate`), and, when
    /// they all pass, `configure`'s equal-length check (reported on `headers`).
    fn validate(config: &Config) -> Vec<ConfigProblem> {
        let problems: Vec<ConfigProblem> = parse_keys(config)
            .into_iter()
            .filter_map(|(key, r)| r.err().map(|e| ConfigProblem::new(key, e.message())))
            .collect();
        if !problems.is_empty() {
            return problems;
        }
        match parse_config::<S>(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(HEADERS_FIELD, e.message())],
        }
    }
}

impl<S: Side> Transform for HeaderFrom<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let purpose = format!("header {}", self.operation.name());
        let mut added = Vec::with_capacity(self.fields.len());
        let (schema, value) = S::operating(&mut record);
        match schema.clone() {
            None => {
                let Value::Map(entries) = value else {
                    return Err(requirements::not_a_map(value, &purpose));
                };
                let original = entries.clone();
                for (field, header) in self.fields.iter().zip(&self.headers) {
                    let field_value = original
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(field))
                        .map_or(Value::Null, |(_, v)| v.clone());
                    if self.operation == Operation::Move {
                        entries.retain(|(k, _)| k.as_str() != Some(field));
                    }
                    added.push(Header::new(header.clone(), None, field_value));
                }
            }
            Some(operating_schema) => {
                let Value::Struct(original) = value else {
                    return Err(requirements::not_a_struct(
                        value,
                        Some(&operating_schema),
                        &purpose,
                    ));
                };
                let updated = match self.operation {
                    Operation::Move => {
                        let updated_schema = self.move_schema(&operating_schema);
                        Some(self.moved_struct(original, updated_schema)?)
                    }
                    Operation::Copy => None,
                };
                for (field, header) in self.fields.iter().zip(&self.headers) {
                    let field_value = original
                        .schema
                        .field_named(field)
                        .and_then(|f| self.field_value(original, f))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let field_schema = operating_schema
                        .field_named(field)
                        .map(|f| Arc::clone(&f.schema))
                        .ok_or_else(|| PluginError::fatal(MISSING_FIELD_NPE))?;
                    check_schema_matches(&field_schema, &field_value)?;
                    added.push(Header::new(header.clone(), Some(field_schema), field_value));
                }
                if let Some(updated) = updated {
                    *schema = Some(Arc::clone(&updated.schema));
                    *value = Value::Struct(updated);
                }
            }
        }
        record.headers.extend(added);
        Ok(Some(record))
    }
}

impl<S: Side> HeaderFrom<S> {
    /// `getFieldValue`: `Struct.get` (default for a null) or `getWithoutDefault`.
    fn field_value<'a>(&self, value: &'a Struct, field: &ferry_sdk::Field) -> Option<&'a Value> {
        replace_null_with_default::field_value(value, field, self.replace_null_with_default)
    }

    /// The struct schema without the moved fields (cached per input schema).
    fn move_schema(&mut self, operating_schema: &Arc<Schema>) -> Arc<Schema> {
        let fields = &self.fields;
        let built: Result<Arc<Schema>, std::convert::Infallible> = self
            .move_schema_cache
            .get_or_try_insert(operating_schema, |input| {
                let mut builder = copy_schema_basics_into(input, Schema::structure());
                for field in &input.fields {
                    if !fields.contains(&field.name) {
                        builder = builder.field(field.name.clone(), Arc::clone(&field.schema));
                    }
                }
                Ok(builder.into_arc())
            });
        match built {
            Ok(schema) => schema,
            Err(never) => match never {},
        }
    }

    /// The remaining fields' values in a struct of `schema` (`Struct.put(Field, …)`,
    /// which rejects a null in a required field).
    fn moved_struct(&self, original: &Struct, schema: Arc<Schema>) -> Result<Struct, PluginError> {
        let mut values = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            let value = original
                .schema
                .field_named(&field.name)
                .and_then(|f| self.field_value(original, f))
                .cloned()
                .unwrap_or(Value::Null);
            check_null_allowed(&field.name, &field.schema, &value)?;
            values.push(value);
        }
        Ok(Struct { schema, values })
    }
}

/// `ConnectHeaders.checkSchemaMatches` for a header added with a schema. A value
/// taken from a valid struct always has its field's type, so only the null check
/// can fail (a required field holding null, read without its default).
fn check_schema_matches(schema: &Schema, value: &Value) -> Result<(), PluginError> {
    if value.is_null() && !schema.optional {
        let shown = match &schema.name {
            Some(name) => format!("Schema{{{name}:{}}}", schema_type_name(schema.kind)),
            None => format!("Schema{{{}}}", schema_type_name(schema.kind)),
        };
        return Err(PluginError::fatal(format!(
            "A null value requires an optional schema but was {shown}"
        )));
    }
    Ok(())
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [HeaderFrom<KeySide>, HeaderFrom<ValueSide>]);

#[cfg(test)]
mod tests;
