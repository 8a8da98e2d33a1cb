//! The counters' hashing: [`FxMap`] for small integer keys, and [`Strings`], which numbers every
//! distinct string (user, app, IP…) once so that the counters hold `u32`s.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// A fast hasher for the counters' small integer keys (FxHash, as rustc uses; no HashDoS
/// concern: an export can only slow down its own summary).
#[derive(Default, Clone, Copy)]
pub(super) struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(super) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Every distinct string seen, numbered from 0 in the order first seen. The strings sit one
/// after another in one buffer, and the hash table holds for each its number, length and place
/// (16 bytes), so that a lookup reads the table and the text and nothing else: with tens of
/// thousands of users and IPs, each of those reads is a cache miss, and a map from boxed
/// strings (table slot, then key pointer, then key text) or from numbers alone (table slot,
/// then the string's place, then its text) costs one more.
#[derive(Default)]
pub(super) struct Strings {
    table: hashbrown::HashTable<Slot>,
    text: Vec<u8>,
    /// `spans[id]`: where string `id` is in `text`.
    spans: Vec<(usize, u32)>,
}

#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    len: u32,
    id: u32,
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The hash of a string: foldhash with a fixed seed (nothing depends on its value).
fn hash(s: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5167_6e49_6e73).hash_one(s)
}

/// The bytes at `start..start + len` of `text` (empty when out of range, which cannot happen).
fn bytes(text: &[u8], start: usize, len: u32) -> &[u8] {
    text.get(start..start + len as usize).unwrap_or_default()
}

impl Strings {
    /// The number of `s`, given it now if it is new.
    pub(super) fn id(&mut self, s: &str) -> u32 {
        let s = s.as_bytes();
        let text = &self.text;
        // A string over 4 GiB (it cannot come from a record, at most 16 MiB) would be cut.
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        let entry = self.table.entry(
            hash(s),
            |slot| slot.len == len && bytes(text, slot.start, slot.len) == s,
            |slot| hash(bytes(text, slot.start, slot.len)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => e.get().id,
            hashbrown::hash_table::Entry::Vacant(e) => {
                // Past 2^32 - 1 strings (over 100 GB of distinct text) the last number is shared.
                let id = u32::try_from(self.spans.len()).unwrap_or(u32::MAX);
                let start = self.text.len();
                self.text.extend_from_slice(s);
                self.spans.push((start, len));
                e.insert(Slot { start, len, id });
                id
            }
        }
    }

    /// String `id`, or `""` for a number never given.
    pub(super) fn get(&self, id: u32) -> &str {
        let (start, len) = self.spans.get(id as usize).copied().unwrap_or_default();
        // Whole strings were copied in, so each span is valid UTF-8.
        std::str::from_utf8(bytes(&self.text, start, len)).unwrap_or_default()
    }

    /// Whether no string was numbered yet.
    pub(super) fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Every string, in the order of their numbers.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.spans.len()).map(|id| self.get(id as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_string_gets_one_number_in_order_of_first_sight() {
        let mut s = Strings::default();
        let words = ["alice", "", "bob", "alice", "al", "ice", "", "bob"];
        let ids: Vec<u32> = words.iter().map(|w| s.id(w)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 3, 4, 1, 2]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            ["alice", "", "bob", "al", "ice"]
        );
        assert_eq!(
            (s.get(0), s.get(1), s.get(4), s.get(99)),
            ("alice", "", "ice", "")
        );
    }

    #[test]
    fn numbers_survive_the_table_growing() {
        let mut s = Strings::default();
        for i in 0..50_000u32 {
            assert_eq!(s.id(&format!("203.0.{}.{}", i / 256, i % 256)), i);
        }
        for i in (0..50_000u32).step_by(7) {
            let ip = format!("203.0.{}.{}", i / 256, i % 256);
            assert_eq!(s.id(&ip), i);
            assert_eq!(s.get(i), ip);
        }
    }
}
