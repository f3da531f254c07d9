//! The schema cache Kafka's schema-changing transforms keep (`SynchronizedCache` over an
//! `LRUCache` of 16 entries): the same input schema gives the same output schema
//! object, so a batch of records sharing a schema crosses back to the host with one
//! interned schema.

use std::sync::Arc;

use ferry_sdk::Schema;

/// Kafka's cache size for transform schema caches.
pub const SIZE: usize = 16;

/// An LRU map from input schema to output schema, matched by identity first and
/// then by equality (the SDK decodes fresh `Arc`s per batch).
#[derive(Default)]
pub struct SchemaCache {
    entries: Vec<(Arc<Schema>, Arc<Schema>)>,
}

impl SchemaCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached output for `input`, if any (and marks it most recently used).
    pub fn get(&mut self, input: &Arc<Schema>) -> Option<Arc<Schema>> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| Arc::ptr_eq(k, input))
            .or_else(|| self.entries.iter().position(|(k, _)| k == input))?;
        let (_, output) = self.entries.remove(i);
        let out = Arc::clone(&output);
        // Keyed by the latest equal input from now on: the rest of its batch (which
        // shares that `Arc`) then hits by pointer, without comparing schema trees.
        self.entries.insert(0, (Arc::clone(input), output));
        Some(out)
    }

    /// Remembers `output` for `input`.
    pub fn put(&mut self, input: Arc<Schema>, output: Arc<Schema>) {
        self.entries.insert(0, (input, output));
        self.entries.truncate(SIZE);
    }

    /// The cached output for `input`, or `build(input)` cached.
    pub fn get_or_try_insert<E>(
        &mut self,
        input: &Arc<Schema>,
        build: impl FnOnce(&Arc<Schema>) -> Result<Arc<Schema>, E>,
    ) -> Result<Arc<Schema>, E> {
        if let Some(out) = self.get(input) {
            return Ok(out);
        }
        let out = build(input)?;
        self.put(Arc::clone(input), Arc::clone(&out));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_gives_the_same_output_object() {
        let mut cache = SchemaCache::new();
        let input = Schema::int32().into_arc();
        let built = cache
            .get_or_try_insert::<()>(&input, |_| Ok(Schema::int64().into_arc()))
            .unwrap();
        let equal_input = Schema::int32().into_arc();
        let again = cache
            .get_or_try_insert::<()>(&equal_input, |_| panic!("cached"))
            .unwrap();
        assert!(Arc::ptr_eq(&built, &again));
    }

    #[test]
    fn keeps_the_sixteen_most_recent() {
        let mut cache = SchemaCache::new();
        for v in 0..20 {
            let input = Schema::int32().with_version(v).into_arc();
            cache.put(input, Schema::int64().into_arc());
        }
        assert!(
            cache
                .get(&Schema::int32().with_version(0).into_arc())
                .is_none()
        );
        assert!(
            cache
                .get(&Schema::int32().with_version(19).into_arc())
                .is_some()
        );
    }
}
