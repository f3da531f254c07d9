//! Kafka's `org.apache.kafka.connect.transforms.field` package (KIP-821):
//! [`FieldSyntaxVersion`] (the `field.syntax.version` config, `V1` | `V2`) and
//! [`SingleFieldPath`] (a field path, with `V2`'s dotted notation and backtick-quoted
//! steps), with Kafka's parsing, messages and lookups over structs, their schemas and
//! schemaless maps.
//!
//! Kafka 4.4.0's `SingleFieldPath` only reads (`fieldFrom`, `valueFrom`); no transform
//! of 4.4.0 updates values through a path, so neither does this module.

use ferry_sdk::{ConfigKey, Field, Importance, PluginError, Schema, Struct, Value};

use crate::{replace_null_with_default, requirements};

/// `field.syntax.version`.
pub const FIELD_SYNTAX_VERSION_CONFIG: &str = "field.syntax.version";
/// `FieldSyntaxVersion.FIELD_SYNTAX_VERSION_DOC` as the 4.4.0 jar has it.
pub const FIELD_SYNTAX_VERSION_DOC: &str = "Defines the version of the syntax to access fields. \
If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. \
If set to <code>V2</code>, the syntax will support accessing nested elements. \
To access nested elements, dotted notation is used. \
If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. \
E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map \
the following format can be used to access its elements: \"<code>foo.bar</code>.baz\".";
/// `V1`.
pub const FIELD_SYNTAX_VERSION_DEFAULT_VALUE: &str = "V1";

/// Kafka's `FieldSyntaxVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldSyntaxVersion {
    /// Only fields at the root of the struct or map; the path is one field name.
    #[default]
    V1,
    /// Dotted paths to nested fields, backticks around names containing dots.
    V2,
}

impl FieldSyntaxVersion {
    /// `V1` or `V2`.
    pub fn name(self) -> &'static str {
        match self {
            FieldSyntaxVersion::V1 => "V1",
            FieldSyntaxVersion::V2 => "V2",
        }
    }

    /// `appendConfigTo`: the config key (STRING, default `V1`, HIGH importance).
    pub fn config_key() -> ConfigKey {
        ConfigKey::string(FIELD_SYNTAX_VERSION_CONFIG)
            .default_value(FIELD_SYNTAX_VERSION_DEFAULT_VALUE)
            .importance(Importance::High)
            .doc(FIELD_SYNTAX_VERSION_DOC)
    }

    /// Parse a config value as Kafka's `ConfigDef` does (trimmed, then
    /// `CaseInsensitiveValidString.in("V1", "V2")`), with its message on failure.
    pub fn parse(value: &str) -> Result<FieldSyntaxVersion, PluginError> {
        let trimmed = java_trim(value);
        match trimmed.to_uppercase().as_str() {
            "V1" => Ok(FieldSyntaxVersion::V1),
            "V2" => Ok(FieldSyntaxVersion::V2),
            _ => Err(PluginError::config(format!(
                "Invalid value {trimmed} for configuration {FIELD_SYNTAX_VERSION_CONFIG}: \
                 String must be one of (case insensitive): V1, V2"
            ))),
        }
    }

    /// `fromConfig`: the configured version, `V1` when unset.
    pub fn from_config(config: &ferry_sdk::Config) -> Result<FieldSyntaxVersion, PluginError> {
        match config.get(FIELD_SYNTAX_VERSION_CONFIG) {
            None => Ok(FieldSyntaxVersion::V1),
            Some(value) => FieldSyntaxVersion::parse(value),
        }
    }
}

/// Java's `String.trim()`, from [`crate::config`] (where `ConfigDef`'s parsing lives).
pub use crate::config::java_trim;

const BACKTICK: u8 = b'`';
const DOT: u8 = b'.';
const BACKSLASH: u8 = b'\\';

/// Kafka's `SingleFieldPath`: a path of one or more steps (field names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleFieldPath {
    version: FieldSyntaxVersion,
    steps: Vec<String>,
}

impl SingleFieldPath {
    /// Parse `path` (`V1`: the whole text is one field name; `V2`: dotted steps,
    /// backtick pairs around steps containing dots, `\`` to escape a backtick before
    /// a dot). Fails with Kafka's `ConfigException` message on an unclosed backtick.
    pub fn new(path: &str, version: FieldSyntaxVersion) -> Result<SingleFieldPath, PluginError> {
        let steps = match version {
            FieldSyntaxVersion::V1 => vec![path.to_string()],
            FieldSyntaxVersion::V2 => build_field_path_v2(path)?,
        };
        Ok(SingleFieldPath { version, steps })
    }

    /// The steps (Kafka's package-private `path()`).
    pub fn path(&self) -> &[String] {
        &self.steps
    }

    pub fn version(&self) -> FieldSyntaxVersion {
        self.version
    }

    /// All steps but the last; Java's `steps.subList(0, size - 1)`, which throws for
    /// the empty path (`V2` of `""`).
    fn steps_without_last(&self) -> Result<&[String], PluginError> {
        match self.steps.len() {
            0 => Err(PluginError::fatal("fromIndex(0) > toIndex(-1)")),
            n => Ok(&self.steps[..n - 1]),
        }
    }

    /// The last step; Java's `steps.get(size - 1)`.
    fn last_step(&self) -> Result<&str, PluginError> {
        self.steps
            .last()
            .map(String::as_str)
            .ok_or_else(|| PluginError::fatal("Index -1 out of bounds for length 0"))
    }

    /// `fieldFrom(schema)`: the field at this path, `None` if a step is missing.
    /// Looking a step up in a schema that is not a struct fails as Kafka's
    /// `ConnectSchema.field` does.
    pub fn field_from<'a>(
        &self,
        schema: Option<&'a Schema>,
    ) -> Result<Option<&'a Field>, PluginError> {
        let Some(schema) = schema else {
            return Ok(None);
        };
        let mut current = schema;
        for step in self.steps_without_last()? {
            match struct_field(current, step)? {
                Some(field) => current = &field.schema,
                None => return Ok(None),
            }
        }
        struct_field(current, self.last_step()?)
    }

    /// `valueFrom(struct)`: the value at this path with defaults applied, `None`
    /// (Java's null) when a step is missing or an intermediate struct is null.
    pub fn value_from_struct<'a>(
        &self,
        value: &'a Struct,
    ) -> Result<Option<&'a Value>, PluginError> {
        self.value_from_struct_with_default(value, true)
    }

    /// `valueFrom(struct, withDefault)`: intermediate steps always apply field
    /// defaults (`Struct.get`); the last step does only if `with_default`
    /// (`Struct.getWithoutDefault` otherwise). An intermediate value that is not a
    /// struct fails with Kafka's `requireStructOrNull` message.
    pub fn value_from_struct_with_default<'a>(
        &self,
        value: &'a Struct,
        with_default: bool,
    ) -> Result<Option<&'a Value>, PluginError> {
        let mut current = value;
        for step in self.steps_without_last()? {
            let Some(field) = current.schema.field_named(step) else {
                return Ok(None);
            };
            match current.get_field(field) {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::Struct(s)) => current = s,
                Some(other) => {
                    return Err(requirements::not_a_struct(
                        other,
                        Some(&field.schema),
                        "nested field access",
                    ));
                }
            }
        }
        let last = self.last_step()?;
        let Some(field) = current.schema.field_named(last) else {
            return Ok(None);
        };
        let found = replace_null_with_default::field_value(current, field, with_default);
        Ok(found.filter(|v| !v.is_null()))
    }

    /// `valueFrom(map)`: the value at this path in a schemaless map, `None` when a key
    /// is missing or maps to null. An intermediate value that is not a map fails with
    /// Kafka's `requireMapOrNull` message.
    pub fn value_from_map<'a>(
        &self,
        map: &'a [(Value, Value)],
    ) -> Result<Option<&'a Value>, PluginError> {
        let mut current = map;
        for step in self.steps_without_last()? {
            match map_get(current, step) {
                None => return Ok(None),
                Some(Value::Map(m)) => current = m,
                Some(other) => {
                    return Err(requirements::not_a_map(other, "nested field access"));
                }
            }
        }
        Ok(map_get(current, self.last_step()?))
    }
}

impl std::fmt::Display for SingleFieldPath {
    /// Kafka's `toString`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SingleFieldPath{{version={}, path={}}}",
            self.version.name(),
            self.steps.join(".")
        )
    }
}

/// `Schema.field(name)` of Kafka's `ConnectSchema`: only structs have fields.
fn struct_field<'a>(schema: &'a Schema, name: &str) -> Result<Option<&'a Field>, PluginError> {
    if schema.kind != ferry_sdk::SchemaType::Struct {
        return Err(PluginError::fatal(
            "Cannot look up fields on non-struct type",
        ));
    }
    Ok(schema.field_named(name))
}

/// `Map.get(key)` of a string key; `None` for a missing key or a null value.
fn map_get<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Kafka's `buildFieldPathV2`, on bytes (the special characters are ASCII, so every
/// slice boundary is a char boundary); positions in messages are UTF-16 indexes, as
/// Java's.
fn build_field_path_v2(path: &str) -> Result<Vec<String>, PluginError> {
    let b = path.as_bytes();
    let len = b.len();
    let find = |c: u8, from: usize| {
        b[from.min(len)..]
            .iter()
            .position(|&x| x == c)
            .map(|i| i + from)
    };
    let mut steps = Vec::new();
    let mut idx = 0usize;
    while idx < len {
        if b[idx] != BACKTICK {
            let start = idx;
            match find(DOT, idx) {
                Some(dot) => {
                    steps.push(path[start..dot].to_string());
                    idx = dot + 1;
                }
                None => {
                    steps.push(path[start..].to_string());
                    break;
                }
            }
        } else {
            let backtick_at = idx;
            idx += 1;
            let mut field = String::new();
            let mut start = idx;
            loop {
                let Some(found) = find(BACKTICK, idx) else {
                    return Err(incomplete_backtick_pair(path, backtick_at));
                };
                idx = found;
                let escaped = b[idx - 1] == BACKSLASH;
                if idx >= len - 1 {
                    if escaped {
                        return Err(incomplete_backtick_pair(path, backtick_at));
                    }
                    field.push_str(&path[start..idx]);
                    steps.push(field);
                    idx += 1;
                    break;
                }
                if b[idx + 1] != DOT {
                    idx += 1;
                    continue;
                }
                if escaped {
                    field.push_str(&path[start..idx - 1]);
                    field.push('`');
                    idx += 1;
                    start = idx;
                    continue;
                }
                field.push_str(&path[start..idx]);
                steps.push(field);
                idx += 2;
                break;
            }
        }
    }
    if path.as_bytes().last() == Some(&DOT) {
        steps.push(String::new());
    }
    Ok(steps)
}

fn incomplete_backtick_pair(path: &str, backtick_at: usize) -> PluginError {
    let position = path[..backtick_at].encode_utf16().count();
    PluginError::config(format!(
        "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {position} to escape it"
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    // ---- FieldPathNotationTest ----

    fn assert_parse_v1(path: &str) {
        let p = SingleFieldPath::new(path, FieldSyntaxVersion::V1).unwrap();
        assert_eq!(p.path(), &[path.to_string()]);
    }

    fn assert_parse_v2(path: &str, expected: &[&str]) {
        let p = SingleFieldPath::new(path, FieldSyntaxVersion::V2).unwrap();
        assert_eq!(p.path(), expected, "path {path:?}");
    }

    fn assert_parse_v2_error(path: &str, message: &str) {
        let e = SingleFieldPath::new(path, FieldSyntaxVersion::V2).unwrap_err();
        assert!(matches!(e, PluginError::Config(_)));
        assert_eq!(e.message(), message);
    }

    #[test]
    fn should_build_v1_with_dots_and_backtick_pair() {
        assert_parse_v1("foo.bar.baz");
        assert_parse_v1("foo`bar`");
        assert_parse_v1("foo.`bar.baz`");
    }

    #[test]
    fn should_include_empty_field_names() {
        assert_parse_v2("..", &["", "", ""]);
        assert_parse_v2("foo..", &["foo", "", ""]);
        assert_parse_v2(".bar.", &["", "bar", ""]);
        assert_parse_v2("..baz", &["", "", "baz"]);
    }

    #[test]
    fn should_build_v2_with_empty_path() {
        assert_parse_v2("", &[]);
    }

    #[test]
    fn should_build_v2_without_dots() {
        assert_parse_v2("foobarbaz", &["foobarbaz"]);
    }

    #[test]
    fn should_build_v2_when_includes_dots() {
        assert_parse_v2("foo.bar.baz", &["foo", "bar", "baz"]);
    }

    #[test]
    fn should_build_v2_without_wrapping_backticks() {
        assert_parse_v2("foo`bar`baz", &["foo`bar`baz"]);
    }

    #[test]
    fn should_build_v2_when_includes_dots_and_backtick_pair() {
        assert_parse_v2("`foo.bar.baz`", &["foo.bar.baz"]);
        assert_parse_v2("foo.`bar.baz`", &["foo", "bar.baz"]);
        assert_parse_v2("`foo.bar`.baz", &["foo.bar", "baz"]);
        assert_parse_v2("foo.`bar`.baz", &["foo", "bar", "baz"]);
    }

    #[test]
    fn should_build_v2_and_ignore_backticks_that_are_not_wrapping() {
        assert_parse_v2("foo.``bar.baz`", &["foo", "`bar.baz"]);
        assert_parse_v2("foo.`bar.baz``", &["foo", "bar.baz`"]);
        assert_parse_v2("foo.`ba`r.baz`", &["foo", "ba`r.baz"]);
        assert_parse_v2("foo.ba`r.baz", &["foo", "ba`r", "baz"]);
        assert_parse_v2("foo.``bar``.baz", &["foo", "`bar`", "baz"]);
        assert_parse_v2("``foo.bar.baz``", &["`foo.bar.baz`"]);
    }

    #[test]
    fn should_build_v2_and_escape_backticks() {
        assert_parse_v2("foo.`bar\\`.baz`", &["foo", "bar`.baz"]);
        assert_parse_v2("foo.`bar.`baz`", &["foo", "bar.`baz"]);
        assert_parse_v2("foo.`bar\\`.`baz`", &["foo", "bar`.`baz"]);
        assert_parse_v2("foo.`bar\\\\`.\\`baz`", &["foo", "bar\\`.\\`baz"]);
    }

    #[test]
    fn should_fail_v2_when_incomplete_backticks() {
        assert_parse_v2_error(
            "`foo.bar.baz",
            "Incomplete backtick pair in path: [`foo.bar.baz], consider adding a backslash before backtick at position 0 to escape it",
        );
        assert_parse_v2_error(
            "foo.`bar.baz",
            "Incomplete backtick pair in path: [foo.`bar.baz], consider adding a backslash before backtick at position 4 to escape it",
        );
        assert_parse_v2_error(
            "foo.bar.`baz",
            "Incomplete backtick pair in path: [foo.bar.`baz], consider adding a backslash before backtick at position 8 to escape it",
        );
        assert_parse_v2_error(
            "foo.bar.`baz\\`",
            "Incomplete backtick pair in path: [foo.bar.`baz\\`], consider adding a backslash before backtick at position 8 to escape it",
        );
    }

    #[test]
    fn error_positions_are_utf16_indexes() {
        assert_parse_v2_error(
            "é😀.`x",
            "Incomplete backtick pair in path: [é😀.`x], consider adding a backslash before backtick at position 4 to escape it",
        );
        assert_parse_v2("é.`a.b`", &["é", "a.b"]);
    }

    // ---- FieldSyntaxVersionTest ----

    #[test]
    fn should_append_config_to_def() {
        let key = FieldSyntaxVersion::config_key();
        assert_eq!(key.name, "field.syntax.version");
        assert_eq!(key.default_value.as_deref(), Some("V1"));
        assert_eq!(key.importance, Importance::High);
        assert_eq!(key.config_type, ferry_sdk::ConfigType::String);
    }

    #[test]
    fn should_get_version_from_config() {
        for (input, version) in [
            ("v1", FieldSyntaxVersion::V1),
            ("v2", FieldSyntaxVersion::V2),
            ("V1", FieldSyntaxVersion::V1),
            ("V2", FieldSyntaxVersion::V2),
        ] {
            let config: ferry_sdk::Config = [("field.syntax.version", input)].into_iter().collect();
            assert_eq!(FieldSyntaxVersion::from_config(&config).unwrap(), version);
        }
        assert_eq!(
            FieldSyntaxVersion::from_config(&ferry_sdk::Config::new()).unwrap(),
            FieldSyntaxVersion::V1
        );
    }

    #[test]
    fn should_fail_when_wrong_version_is_passed() {
        for input in ["v3", "V 1", "v", "V 2", "2", "1"] {
            let config: ferry_sdk::Config = [("field.syntax.version", input)].into_iter().collect();
            let e = FieldSyntaxVersion::from_config(&config).unwrap_err();
            assert_eq!(
                e.message(),
                format!(
                    "Invalid value {input} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2"
                )
            );
        }
    }

    // ---- SingleFieldPathTest ----

    fn path_v2(path: &str) -> SingleFieldPath {
        SingleFieldPath::new(path, FieldSyntaxVersion::V2).unwrap()
    }

    #[test]
    fn should_find_field() {
        let bar_schema = Schema::structure().field("bar", Schema::int32()).into_arc();
        let schema = Schema::structure().field("foo", Arc::clone(&bar_schema));
        assert_eq!(
            path_v2("foo.bar").field_from(Some(&schema)).unwrap(),
            bar_schema.field_named("bar")
        );
        assert_eq!(
            path_v2("foo").field_from(Some(&schema)).unwrap(),
            schema.field_named("foo")
        );
    }

    #[test]
    fn should_return_null_field_when_field_not_found() {
        let bar_schema = Schema::structure().field("bar", Schema::int32());
        let schema = Schema::structure().field("foo", bar_schema);
        assert!(
            path_v2("un.known")
                .field_from(Some(&schema))
                .unwrap()
                .is_none()
        );
        assert!(
            path_v2("foo.unknown")
                .field_from(Some(&schema))
                .unwrap()
                .is_none()
        );
        assert!(
            path_v2("unknown")
                .field_from(Some(&schema))
                .unwrap()
                .is_none()
        );
        assert!(path_v2("test").field_from(None).unwrap().is_none());
    }

    fn foo_map() -> Vec<(Value, Value)> {
        let foo = vec![
            (Value::from("bar"), Value::Int32(42)),
            (Value::from("baz"), Value::Null),
        ];
        vec![(Value::from("foo"), Value::Map(foo))]
    }

    #[test]
    fn should_find_value_in_map() {
        let map = foo_map();
        assert_eq!(
            path_v2("foo.bar").value_from_map(&map).unwrap(),
            Some(&Value::Int32(42))
        );
        assert_eq!(path_v2("foo.baz").value_from_map(&map).unwrap(), None);
    }

    #[test]
    fn should_return_null_value_when_field_not_found_in_map() {
        let map = foo_map();
        assert_eq!(path_v2("un.known").value_from_map(&map).unwrap(), None);
        assert_eq!(path_v2("foo.unknown").value_from_map(&map).unwrap(), None);
        assert_eq!(path_v2("unknown").value_from_map(&map).unwrap(), None);
        assert_eq!(path_v2("foo.baz.inner").value_from_map(&map).unwrap(), None);
    }

    fn foo_struct() -> Struct {
        let baz_schema = Schema::structure()
            .field("inner", Schema::string())
            .optional()
            .into_arc();
        let bar_schema = Schema::structure()
            .field("bar", Schema::int32())
            .field("baz", baz_schema)
            .into_arc();
        let schema = Schema::structure()
            .field("foo", Arc::clone(&bar_schema))
            .into_arc();
        let mut foo = Struct::new(bar_schema);
        foo.put("bar", 42).unwrap().put("baz", Value::Null).unwrap();
        let mut s = Struct::new(schema);
        s.put("foo", foo).unwrap();
        s
    }

    #[test]
    fn should_find_value_in_struct() {
        let s = foo_struct();
        assert_eq!(
            path_v2("foo.bar").value_from_struct(&s).unwrap(),
            Some(&Value::Int32(42))
        );
        assert_eq!(path_v2("foo.baz").value_from_struct(&s).unwrap(), None);
    }

    #[test]
    fn should_return_null_value_when_field_not_found_in_struct() {
        let s = foo_struct();
        assert_eq!(path_v2("un.known").value_from_struct(&s).unwrap(), None);
        assert_eq!(path_v2("foo.unknown").value_from_struct(&s).unwrap(), None);
        assert_eq!(path_v2("unknown").value_from_struct(&s).unwrap(), None);
        assert_eq!(
            path_v2("foo.baz.inner").value_from_struct(&s).unwrap(),
            None
        );
    }

    // ---- beyond Kafka's tests ----

    #[test]
    fn defaults_apply_on_intermediate_steps_and_optionally_on_the_last() {
        let inner = Schema::structure()
            .field("x", Schema::int32().optional().with_default(7))
            .optional()
            .into_arc();
        let schema = Schema::structure()
            .field("a", Arc::clone(&inner))
            .into_arc();
        let mut a = Struct::new(inner);
        a.put("x", Value::Null).unwrap();
        let mut s = Struct::new(schema);
        s.put("a", a).unwrap();
        let p = path_v2("a.x");
        assert_eq!(
            p.value_from_struct_with_default(&s, true).unwrap(),
            Some(&Value::Int32(7))
        );
        assert_eq!(p.value_from_struct_with_default(&s, false).unwrap(), None);
    }

    #[test]
    fn non_container_intermediates_fail_as_kafka() {
        let map = vec![(Value::from("a"), Value::Int64(1))];
        assert_eq!(
            path_v2("a.b").value_from_map(&map).unwrap_err().message(),
            "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Long"
        );
        let schema = Schema::structure().field("a", Schema::int32());
        assert_eq!(
            path_v2("a.b")
                .field_from(Some(&schema))
                .unwrap_err()
                .message(),
            "Cannot look up fields on non-struct type"
        );
        assert_eq!(
            path_v2("").value_from_map(&map).unwrap_err().message(),
            "fromIndex(0) > toIndex(-1)"
        );
        assert_eq!(
            path_v2("a.`b.c`").to_string(),
            "SingleFieldPath{version=V2, path=a.b.c}"
        );
    }
}
