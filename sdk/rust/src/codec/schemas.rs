//! The flattened schema table of a `value-column`: [`Schema`] trees <-> WIT schema
//! nodes whose children are indices into the same table. Equal schemas are interned
//! once per column.

use std::collections::HashMap;
use std::sync::Arc;

use super::{CodecError, cbor};
use crate::bindings::types as wit;
use crate::data::{Field, Schema, SchemaType};

/// Builds a column's schema table, interning each distinct schema once.
#[derive(Default)]
pub struct SchemaTable {
    nodes: Vec<wit::Schema>,
    /// Fast path: schemas already seen by pointer (the `Arc` is kept so the address
    /// cannot be reused while the table lives).
    by_ptr: HashMap<usize, (Arc<Schema>, u32)>,
    /// Structural dedupe of nodes.
    by_node: HashMap<wit::Schema, u32>,
}

impl SchemaTable {
    /// The index of `schema`'s root node, adding it (and its children) if new.
    pub fn intern(&mut self, schema: &Arc<Schema>) -> Result<u32, CodecError> {
        let key = Arc::as_ptr(schema) as usize;
        if let Some((_, id)) = self.by_ptr.get(&key) {
            return Ok(*id);
        }
        let children = match schema.kind {
            SchemaType::Array => {
                vec![self.intern(child(schema, &schema.value_schema, "element")?)?]
            }
            SchemaType::Map => vec![
                self.intern(child(schema, &schema.key_schema, "key")?)?,
                self.intern(child(schema, &schema.value_schema, "value")?)?,
            ],
            SchemaType::Struct => schema
                .fields
                .iter()
                .map(|f| self.intern(&f.schema))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        let default_value = match &schema.default {
            Some(default) => {
                let mut buf = Vec::new();
                cbor::encode(Some(schema), default, &mut buf)?;
                Some(buf)
            }
            None => None,
        };
        let node = wit::Schema {
            type_: to_wit_type(schema.kind),
            optional: schema.optional,
            name: schema.name.clone(),
            version: schema.version,
            doc: schema.doc.clone(),
            parameters: schema.parameters.clone(),
            default_value,
            children,
            field_names: schema.fields.iter().map(|f| f.name.clone()).collect(),
        };
        let id = match self.by_node.get(&node) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.nodes.len())
                    .map_err(|_| CodecError::Malformed("too many schemas".into()))?;
                self.by_node.insert(node.clone(), id);
                self.nodes.push(node);
                id
            }
        };
        self.by_ptr.insert(key, (Arc::clone(schema), id));
        Ok(id)
    }

    /// The finished table.
    pub fn into_nodes(self) -> Vec<wit::Schema> {
        self.nodes
    }
}

fn child<'a>(
    parent: &Schema,
    child: &'a Option<Arc<Schema>>,
    what: &str,
) -> Result<&'a Arc<Schema>, CodecError> {
    child.as_ref().ok_or_else(|| {
        CodecError::Malformed(format!(
            "{} schema without its {what} schema",
            parent.kind.name()
        ))
    })
}

/// Rebuild every node of a schema table as a [`Schema`] tree. Shared children stay
/// shared (`Arc`); cycles and out-of-range indices are errors.
pub fn decode_table(nodes: &[wit::Schema]) -> Result<Vec<Arc<Schema>>, CodecError> {
    let mut built: Vec<Option<Arc<Schema>>> = vec![None; nodes.len()];
    let mut visiting = vec![false; nodes.len()];
    for i in 0..nodes.len() {
        build(nodes, i, &mut built, &mut visiting)?;
    }
    Ok(built.into_iter().flatten().collect())
}

fn build(
    nodes: &[wit::Schema],
    i: usize,
    built: &mut [Option<Arc<Schema>>],
    visiting: &mut [bool],
) -> Result<Arc<Schema>, CodecError> {
    if let Some(done) = &built[i] {
        return Ok(Arc::clone(done));
    }
    if visiting[i] {
        return Err(CodecError::Malformed(format!(
            "schema {i} refers to itself"
        )));
    }
    visiting[i] = true;
    let node = &nodes[i];
    let mut children = Vec::with_capacity(node.children.len());
    for &c in &node.children {
        let c = c as usize;
        if c >= nodes.len() {
            return Err(CodecError::Malformed(format!(
                "schema {i} refers to missing schema {c}"
            )));
        }
        children.push(build(nodes, c, built, visiting)?);
    }
    let kind = from_wit_type(node.type_);
    let mut schema = Schema {
        optional: node.optional,
        name: node.name.clone(),
        version: node.version,
        doc: node.doc.clone(),
        parameters: node.parameters.clone(),
        ..Schema::new(kind)
    };
    let count = children.len();
    let arity = |n: usize| {
        if count == n {
            Ok(())
        } else {
            Err(CodecError::Malformed(format!(
                "{} schema {i} has {count} children, expected {n}",
                kind.name()
            )))
        }
    };
    match kind {
        SchemaType::Array => {
            arity(1)?;
            schema.value_schema = children.pop();
        }
        SchemaType::Map => {
            arity(2)?;
            schema.value_schema = children.pop();
            schema.key_schema = children.pop();
        }
        SchemaType::Struct => {
            if node.field_names.len() != children.len() {
                return Err(CodecError::Malformed(format!(
                    "struct schema {i} has {} field names for {} fields",
                    node.field_names.len(),
                    children.len()
                )));
            }
            schema.fields = node
                .field_names
                .iter()
                .zip(children)
                .enumerate()
                .map(|(index, (name, schema))| Field {
                    name: name.clone(),
                    index,
                    schema,
                })
                .collect();
        }
        _ => arity(0)?,
    }
    if let Some(default) = &node.default_value {
        let without_default = Arc::new(schema.clone());
        schema.default = Some(cbor::decode(Some(&without_default), default)?);
    }
    let schema = Arc::new(schema);
    built[i] = Some(Arc::clone(&schema));
    visiting[i] = false;
    Ok(schema)
}

fn to_wit_type(kind: SchemaType) -> wit::SchemaType {
    match kind {
        SchemaType::Int8 => wit::SchemaType::Int8,
        SchemaType::Int16 => wit::SchemaType::Int16,
        SchemaType::Int32 => wit::SchemaType::Int32,
        SchemaType::Int64 => wit::SchemaType::Int64,
        SchemaType::Float32 => wit::SchemaType::Float32,
        SchemaType::Float64 => wit::SchemaType::Float64,
        SchemaType::Boolean => wit::SchemaType::Boolean,
        SchemaType::String => wit::SchemaType::String,
        SchemaType::Bytes => wit::SchemaType::Bytes,
        SchemaType::Array => wit::SchemaType::Array,
        SchemaType::Map => wit::SchemaType::Map,
        SchemaType::Struct => wit::SchemaType::Struct,
    }
}

fn from_wit_type(kind: wit::SchemaType) -> SchemaType {
    match kind {
        wit::SchemaType::Int8 => SchemaType::Int8,
        wit::SchemaType::Int16 => SchemaType::Int16,
        wit::SchemaType::Int32 => SchemaType::Int32,
        wit::SchemaType::Int64 => SchemaType::Int64,
        wit::SchemaType::Float32 => SchemaType::Float32,
        wit::SchemaType::Float64 => SchemaType::Float64,
        wit::SchemaType::Boolean => SchemaType::Boolean,
        wit::SchemaType::String => SchemaType::String,
        wit::SchemaType::Bytes => SchemaType::Bytes,
        wit::SchemaType::Array => SchemaType::Array,
        wit::SchemaType::Map => SchemaType::Map,
        wit::SchemaType::Struct => SchemaType::Struct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_schemas_are_interned_once() {
        let mut table = SchemaTable::default();
        let a = Schema::structure()
            .field("x", Schema::int32())
            .field("y", Schema::int32())
            .into_arc();
        let b = Arc::new((*a).clone());
        let ia = table.intern(&a).expect("intern");
        let ib = table.intern(&b).expect("intern");
        assert_eq!(ia, ib);
        // int32 (shared by both fields) + the struct.
        assert_eq!(table.into_nodes().len(), 2);
    }

    #[test]
    fn table_round_trips() {
        let s = Schema::structure()
            .with_name("com.example.S")
            .with_version(3)
            .with_doc("doc")
            .field("d", Schema::decimal(2).optional())
            .field(
                "m",
                Schema::map(Schema::string(), Schema::array(Schema::float64())),
            )
            .field("n", Schema::int64().with_default(42i64))
            .into_arc();
        let mut table = SchemaTable::default();
        let id = table.intern(&s).expect("intern");
        let decoded = decode_table(&table.into_nodes()).expect("decode");
        assert_eq!(decoded[id as usize], s);
    }

    #[test]
    fn cycles_are_rejected() {
        let node = wit::Schema {
            type_: wit::SchemaType::Array,
            optional: false,
            name: None,
            version: None,
            doc: None,
            parameters: vec![],
            default_value: None,
            children: vec![0],
            field_names: vec![],
        };
        assert!(decode_table(&[node]).is_err());
    }
}
