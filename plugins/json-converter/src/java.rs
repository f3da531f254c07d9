//! `java.util.HashMap` iteration order.
//!
//! Kafka's `JsonConverter.toConnectData` puts every map it reads into a fresh
//! `HashMap`, so whoever consumes the value (a transform, a sink, the converter writing
//! it back) sees its keys in hash-bucket order, not in the order of the JSON. To give
//! the same values — and, for JSON in and JSON out, the same bytes — maps read here are
//! reordered the same way: keys grouped by bucket (`(h ^ h >>> 16) & (capacity - 1)`
//! with Java's `hashCode`), in insertion order within a bucket, for the capacity a
//! default `HashMap` grows to.
//!
//! Keys whose Java hash is not reproducible (`byte[]` uses identity hashes; structs)
//! leave the map in JSON order. Buckets Java would turn into trees (nine or more keys in
//! one bucket of a 64+ bucket table, only with colliding hashes) keep insertion order
//! within the bucket, where Java's tree order would differ.

use ferry_sdk::logical::{DATE, DECIMAL, DECIMAL_SCALE, TIME, TIMESTAMP};
use ferry_sdk::{Schema, Value};

const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// Reorder `entries` (distinct keys, in insertion order) into the iteration order of a
/// `new HashMap<>()` that had them `put` in this order. `key_schema` gives logical key
/// types (whose Java objects hash differently from their physical values).
pub fn hashmap_order(
    entries: Vec<(Value, Value)>,
    key_schema: Option<&Schema>,
) -> Vec<(Value, Value)> {
    if entries.len() < 2 {
        return entries;
    }
    let mut hashes = Vec::with_capacity(entries.len());
    for (key, _) in &entries {
        match hash_code(key, key_schema) {
            Some(h) => hashes.push(spread(h)),
            None => return entries,
        }
    }
    let capacity = final_capacity(&hashes);
    let mask = capacity - 1;
    let mut keyed: Vec<(u32, (Value, Value))> =
        hashes.into_iter().map(|h| h & mask).zip(entries).collect();
    keyed.sort_by_key(|(bucket, _)| *bucket); // stable: insertion order within a bucket
    keyed.into_iter().map(|(_, entry)| entry).collect()
}

/// `HashMap.hash`: the key's hash with its high half folded into the low half.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// The table size a default `HashMap` (16 buckets, load factor 0.75) ends with after
/// inserting keys with these spread hashes in order, including `treeifyBin`'s resize
/// when a bucket reaches 9 entries in a table smaller than 64.
fn final_capacity(hashes: &[u32]) -> u32 {
    let mut capacity: u32 = 16;
    let mut counts = vec![0u32; capacity as usize];
    let recount = |capacity: u32, upto: usize, counts: &mut Vec<u32>| {
        counts.clear();
        counts.resize(capacity as usize, 0);
        for h in &hashes[..upto] {
            counts[(h & (capacity - 1)) as usize] += 1;
        }
    };
    for (i, h) in hashes.iter().enumerate() {
        let bucket = (h & (capacity - 1)) as usize;
        let before = counts[bucket];
        counts[bucket] += 1;
        if before >= 8 && capacity < 64 {
            capacity *= 2;
            recount(capacity, i + 1, &mut counts);
        }
        let size = i as u64 + 1;
        if size > u64::from(capacity) * 3 / 4 && capacity < (1 << 30) {
            capacity *= 2;
            recount(capacity, i + 1, &mut counts);
        }
    }
    capacity
}

/// Java's `hashCode()` of the object Kafka would hold for `value` under `schema`, or
/// `None` if it cannot be reproduced.
pub fn hash_code(value: &Value, schema: Option<&Schema>) -> Option<i32> {
    let logical = schema.and_then(|s| s.name.as_deref());
    Some(match (value, logical) {
        (Value::Null, _) => 0,
        // java.util.Date: (int) (millis ^ (millis >>> 32))
        (Value::Int32(days), Some(DATE)) => {
            long_hash(i64::from(*days).wrapping_mul(MILLIS_PER_DAY))
        }
        (Value::Int32(millis), Some(TIME)) => long_hash(i64::from(*millis)),
        (Value::Int64(millis), Some(TIMESTAMP)) => long_hash(*millis),
        (Value::Bytes(unscaled), Some(DECIMAL)) => {
            let scale: i32 = schema?.parameter(DECIMAL_SCALE)?.parse().ok()?;
            big_integer_hash(unscaled)?
                .wrapping_mul(31)
                .wrapping_add(scale)
        }
        (Value::Boolean(b), _) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        (Value::Int8(v), _) => i32::from(*v),
        (Value::Int16(v), _) => i32::from(*v),
        (Value::Int32(v), _) => *v,
        (Value::Int64(v), _) => long_hash(*v),
        (Value::Float32(v), _) => {
            let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
            bits as i32
        }
        (Value::Float64(v), _) => {
            let bits = if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            long_hash(bits as i64)
        }
        (Value::String(s), _) => s.encode_utf16().fold(0i32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(i32::from(unit))
        }),
        (Value::Array(items), _) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            let mut h: i32 = 1;
            for item in items {
                h = h.wrapping_mul(31).wrapping_add(hash_code(item, element)?);
            }
            h
        }
        (Value::Map(entries), _) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_deref());
            let value_schema = schema.and_then(|s| s.value_schema.as_deref());
            let mut h: i32 = 0;
            for (k, v) in entries {
                h = h.wrapping_add(hash_code(k, key_schema)? ^ hash_code(v, value_schema)?);
            }
            h
        }
        (Value::Bytes(_) | Value::Struct(_), _) => return None,
    })
}

fn long_hash(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

/// `BigInteger.hashCode()` of big-endian two's-complement bytes.
fn big_integer_hash(bytes: &[u8]) -> Option<i32> {
    let negative = bytes.first()? & 0x80 != 0;
    // Magnitude, big-endian.
    let mut magnitude: Vec<u8> = if negative {
        let mut m: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        bytes.to_vec()
    };
    let first_nonzero = magnitude.iter().position(|&b| b != 0);
    let Some(first) = first_nonzero else {
        return Some(0); // signum 0
    };
    magnitude.drain(..first);
    // Group into 32-bit words from the least significant end.
    let pad = (4 - magnitude.len() % 4) % 4;
    let mut padded = vec![0u8; pad];
    padded.extend_from_slice(&magnitude);
    let mut h: i32 = 0;
    for word in padded.chunks_exact(4) {
        let w = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        h = h.wrapping_mul(31).wrapping_add(w as i32);
    }
    Some(if negative { h.wrapping_neg() } else { h })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    #[test]
    fn java_hash_codes() {
        assert_eq!(hash_code(&s(""), None), Some(0));
        assert_eq!(hash_code(&s("a"), None), Some(97));
        assert_eq!(hash_code(&s("hello"), None), Some(99162322));
        assert_eq!(hash_code(&s("😀"), None), Some(0xD83D * 31 + 0xDE00));
        assert_eq!(hash_code(&Value::Int64(-1), None), Some(0));
        assert_eq!(hash_code(&Value::Int64(1 << 32), None), Some(1));
        assert_eq!(hash_code(&Value::Boolean(true), None), Some(1231));
        assert_eq!(hash_code(&Value::Float64(1.0), None), Some(1072693248));
        assert_eq!(hash_code(&Value::Float32(1.0), None), Some(1065353216));
        assert_eq!(hash_code(&Value::Bytes(vec![1]), None), None);
        // BigInteger.valueOf(156).hashCode() == 156; new BigDecimal(156, 2).hashCode() == 31*156+2
        let dec = Schema::decimal(2);
        assert_eq!(
            hash_code(&Value::Bytes(vec![0, 0x9c]), Some(&dec)),
            Some(31 * 156 + 2)
        );
        assert_eq!(
            hash_code(&Value::Bytes(vec![0xff]), Some(&dec)),
            Some(-31 + 2)
        );
        assert_eq!(big_integer_hash(&[1, 0, 0, 0, 0]), Some(31));
        // List.of(1, 2).hashCode() == 994
        assert_eq!(
            hash_code(&Value::Array(vec![Value::Int32(1), Value::Int32(2)]), None),
            Some(994)
        );
    }

    fn order(keys: Vec<Value>) -> Vec<Value> {
        let entries = keys.into_iter().map(|k| (k, Value::Null)).collect();
        hashmap_order(entries, None)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    // Expected orders printed by `new HashMap<>()` + `put` + `keySet()` on a JDK.
    #[test]
    fn hashmap_iteration_order() {
        let strs = |v: &[&str]| v.iter().map(|k| s(k)).collect::<Vec<_>>();
        assert_eq!(
            order(strs(&["key2", "key1", "b", "a"])),
            strs(&["key1", "key2", "a", "b"])
        );
        let ks: Vec<String> = (0..13).map(|i| format!("k{i}")).collect();
        let ks: Vec<&str> = ks.iter().map(String::as_str).collect();
        assert_eq!(
            order(strs(&ks)),
            strs(&[
                "k0", "k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k8", "k12", "k9"
            ])
        );
        // Nine colliding keys force treeifyBin's resizes (16 → 32 → 64).
        let ints = |v: &[i32]| v.iter().map(|i| Value::Int32(*i)).collect::<Vec<_>>();
        let input: Vec<i32> = (0..=16).rev().map(|i| i * 16).collect();
        assert_eq!(
            order(ints(&input)),
            ints(&[
                256, 192, 128, 64, 0, 208, 144, 80, 16, 224, 160, 96, 32, 240, 176, 112, 48
            ])
        );
        let longs = |v: &[i64]| v.iter().map(|i| Value::Int64(*i)).collect::<Vec<_>>();
        let input: Vec<i64> = (-3..30).step_by(7).map(|i: i64| i << 33).collect();
        assert_eq!(
            order(longs(&input)),
            longs(&[
                214748364800,
                154618822656,
                -25769803776,
                94489280512,
                34359738368
            ])
        );
    }

    #[test]
    fn big_decimal_hash_matches_jdk() {
        let unscaled =
            crate::numbers::decimal_digits_to_twos_complement(true, b"12345678901234567890123");
        assert_eq!(
            hash_code(&Value::Bytes(unscaled), Some(&Schema::decimal(3))),
            Some(-647166411)
        );
        assert_eq!(big_integer_hash(&[0xff, 0, 0, 0, 0]), Some(-31));
    }

    #[test]
    fn treeify_resize_is_followed() {
        // Nine keys in bucket 0 of a 16-table force a resize to 32 (treeifyBin < 64).
        let hashes: Vec<u32> = (0..9).map(|i| spread(i * 16)).collect();
        assert_eq!(final_capacity(&hashes), 32);
        let hashes: Vec<u32> = (0..13).map(spread).collect();
        assert_eq!(final_capacity(&hashes), 32);
        let hashes: Vec<u32> = (0..12).map(spread).collect();
        assert_eq!(final_capacity(&hashes), 16);
    }
}
