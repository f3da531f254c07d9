//! `java.util.HashMap` / `HashSet` iteration order (JDK 17, the oracle's JDK) for
//! string keys.
//!
//! Kafka's transforms build schemaless maps as `HashMap`s (and keep config lists as
//! `HashSet`s), so the order in which Kafka writes a map's keys, or visits a set's
//! names (which decides the first error it reports), is the table's bucket order:
//! `(h ^ h >>> 16) & (capacity - 1)` with Java's `String.hashCode`, insertion order
//! within a bucket. The table size depends on how the map was created and filled;
//! [`JavaHashMap`] replays that, for the key order only.
//!
//! Not modelled: a bucket Java turns into a tree (nine or more keys colliding in one
//! bucket of a table of 64 or more) iterates in tree-insertion order, not insertion
//! order.

use std::collections::HashSet;

/// Java's `String.hashCode()` (over UTF-16 code units).
pub fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `HashMap.hash`: the high half folded into the low half.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// `HashMap.tableSizeFor`: the next power of two (at least 1).
fn table_size_for(cap: usize) -> u32 {
    cap.max(1).next_power_of_two().min(1 << 30) as u32
}

const TREEIFY_THRESHOLD: u32 = 8;
const MIN_TREEIFY_CAPACITY: u32 = 64;

/// The key order of a `HashMap<String, _>` being filled: its table size, threshold
/// and keys (distinct, in insertion order).
#[derive(Clone, Debug, Default)]
pub struct JavaHashMap {
    /// 0 until the first `put` allocates the table.
    capacity: u32,
    threshold: u32,
    /// Spread hashes and keys, in insertion order.
    keys: Vec<(u32, String)>,
    present: HashSet<String>,
    /// Keys per bucket of the current table.
    counts: Vec<u32>,
}

impl JavaHashMap {
    /// `new HashMap<>()`: 16 buckets on the first `put`.
    pub fn new() -> Self {
        JavaHashMap::default()
    }

    /// `new HashMap<>(initialCapacity)`.
    pub fn with_capacity(initial_capacity: usize) -> Self {
        JavaHashMap {
            threshold: table_size_for(initial_capacity),
            ..JavaHashMap::default()
        }
    }

    /// `new HashMap<>(map)` of a map with these keys (in its iteration order): JDK 17's
    /// `putMapEntries` pre-sizing (`(int) (size / 0.75f + 1.0f)`), then a `put` each.
    pub fn copy_of<'a>(keys: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut map = JavaHashMap::new();
        if keys.len() > 0 {
            let t = (keys.len() as f32 / 0.75 + 1.0) as usize;
            map.threshold = table_size_for(t);
        }
        for k in keys {
            map.put(k);
        }
        map
    }

    /// `new HashSet<>(collection)` of these items (JDK 17: a `HashMap` of
    /// `max((int) (size / .75f) + 1, 16)`, then an `add` each).
    pub fn hash_set_of<'a>(items: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let wanted = ((items.len() as f32 / 0.75) as usize + 1).max(16);
        let mut set = JavaHashMap::with_capacity(wanted);
        for item in items {
            set.put(item);
        }
        set
    }

    /// `resize()`: allocates the table or doubles it.
    fn resize(&mut self) {
        if self.capacity == 0 {
            if self.threshold > 0 {
                self.capacity = self.threshold;
                self.threshold = (self.capacity as f32 * 0.75) as u32;
            } else {
                self.capacity = 16;
                self.threshold = 12;
            }
        } else if self.capacity < 1 << 30 {
            let old = self.capacity;
            self.capacity *= 2;
            self.threshold = if old >= 16 {
                self.threshold * 2
            } else {
                (self.capacity as f32 * 0.75) as u32
            };
        }
        let mask = self.capacity - 1;
        self.counts = vec![0; self.capacity as usize];
        for (h, _) in &self.keys {
            self.counts[(h & mask) as usize] += 1;
        }
    }

    /// `put(key, …)`: a new key goes in (possibly growing the table); a key already
    /// there keeps its place.
    pub fn put(&mut self, key: &str) {
        if self.present.contains(key) {
            return;
        }
        if self.capacity == 0 {
            self.resize();
        }
        let hash = spread(string_hash(key));
        let bucket = (hash & (self.capacity - 1)) as usize;
        let in_bucket = self.counts[bucket];
        self.counts[bucket] += 1;
        self.keys.push((hash, key.to_string()));
        self.present.insert(key.to_string());
        // treeifyBin on a small table resizes instead.
        if in_bucket >= TREEIFY_THRESHOLD && self.capacity < MIN_TREEIFY_CAPACITY {
            self.resize();
        }
        if self.keys.len() as u32 > self.threshold {
            self.resize();
        }
    }

    /// Insertion positions (0 = first key put) in iteration order.
    pub fn order(&self) -> Vec<usize> {
        let mask = self.capacity.max(1) - 1;
        let mut positions: Vec<usize> = (0..self.keys.len()).collect();
        positions.sort_by_key(|&i| self.keys[i].0 & mask);
        positions
    }

    /// The keys in iteration order (`keySet()`).
    pub fn keys(&self) -> Vec<&str> {
        self.order()
            .into_iter()
            .map(|i| self.keys[i].1.as_str())
            .collect()
    }

    /// The table size (0 before the first `put`).
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// Reorders `entries`, given in the order their keys were `put` into `map`, into the
/// map's iteration order. Left alone if they do not match the map's keys.
pub fn reorder<T>(entries: Vec<T>, map: &JavaHashMap) -> Vec<T> {
    if entries.len() != map.keys.len() {
        return entries;
    }
    let mut slots: Vec<Option<T>> = entries.into_iter().map(Some).collect();
    map.order()
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("k{i}")).collect()
    }

    // Expected orders printed by a JDK 17.
    #[test]
    fn default_map_order() {
        let mut m = JavaHashMap::new();
        for k in ["key2", "key1", "b", "a"] {
            m.put(k);
        }
        assert_eq!(m.keys(), ["key1", "key2", "a", "b"]);
        let mut m = JavaHashMap::new();
        for k in &keys(13) {
            m.put(k);
        }
        assert_eq!(m.capacity(), 32);
        assert_eq!(
            m.keys(),
            [
                "k0", "k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k8", "k12", "k9"
            ]
        );
    }

    #[test]
    fn table_sizes_follow_the_constructor() {
        let twelve = keys(12);
        let refs: Vec<&str> = twelve.iter().map(String::as_str).collect();
        let mut default = JavaHashMap::new();
        refs.iter().for_each(|k| default.put(k));
        assert_eq!(default.capacity(), 16);
        assert_eq!(JavaHashMap::copy_of(refs.iter().copied()).capacity(), 32);
        assert_eq!(
            JavaHashMap::hash_set_of(refs.iter().copied()).capacity(),
            32
        );
        assert_eq!(JavaHashMap::copy_of(std::iter::empty()).capacity(), 0);
        let mut small = JavaHashMap::with_capacity(2);
        for k in ["a", "b", "c"] {
            small.put(k);
        }
        assert_eq!(small.capacity(), 4);
        let mut zero = JavaHashMap::with_capacity(0);
        zero.put("a");
        assert_eq!(zero.capacity(), 2);
    }

    #[test]
    fn transform_shaped_orders() {
        // ReplaceField: `new HashMap<>(size)`, kept entries put in input order.
        let mut input = JavaHashMap::new();
        let fourteen = keys(14);
        fourteen.iter().for_each(|k| input.put(k));
        assert_eq!(
            input.keys(),
            [
                "k0", "k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k13", "k8", "k12",
                "k9"
            ]
        );
        let mut out = JavaHashMap::with_capacity(14);
        for k in input.keys() {
            match k {
                "k3" => {}
                "k1" => out.put("one"),
                "k12" => out.put("twelve"),
                other => out.put(other),
            }
        }
        assert_eq!(out.capacity(), 32);
        assert_eq!(
            out.keys(),
            [
                "k0", "one", "k2", "k4", "k5", "k11", "k6", "k10", "k7", "k13", "k8", "k9",
                "twelve"
            ]
        );
        let mut six = JavaHashMap::with_capacity(6);
        for k in ["alpha", "b", "c", "d", "e", "f"] {
            six.put(k);
        }
        assert_eq!(six.capacity(), 8);
        assert_eq!(six.keys(), ["b", "c", "d", "e", "f", "alpha"]);
        // MaskField: `new HashMap<>(map)`, then new keys put.
        let twelve = keys(12);
        let mut copy = JavaHashMap::copy_of(twelve.iter().map(String::as_str));
        copy.put("missing");
        copy.put("zz");
        assert_eq!(
            copy.keys(),
            [
                "zz", "k0", "k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k8", "k9",
                "missing"
            ]
        );
        let entries: Vec<char> = "abcdefghijklmn".chars().collect();
        assert_eq!(reorder(entries, &copy)[0], 'n');
    }

    #[test]
    fn string_hashes_are_javas() {
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("hello"), 99162322);
        assert_eq!(string_hash("😀"), 0xD83D * 31 + 0xDE00);
    }
}
