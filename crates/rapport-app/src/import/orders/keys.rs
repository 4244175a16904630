//! What the order loader remembers per customer and order: a 128-bit fingerprint of the
//! external id, in maps laid out for tens of millions of entries. The memory budget of a
//! 10-million-line import is mostly these maps, so their entries are kept small: a
//! fingerprint is four `u32` (4-byte aligned, so an entry with a `u32` value takes 20 bytes,
//! not 24), and the fingerprint, already uniformly random, is its own hash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use uuid::Uuid;

use crate::import::ids::{SequentialIds, fingerprint};

/// The fingerprint of an external id.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub(super) struct Key([u32; 4]);

pub(super) fn key(s: &str) -> Key {
    let f = fingerprint(s);
    Key([
        f as u32,
        (f >> 32) as u32,
        (f >> 64) as u32,
        (f >> 96) as u32,
    ])
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32));
    }
}

/// Passes a `Key`'s own bits through as its hash.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `Key` is hashed with this hasher, through `write_u64`; anything else still
        // gets a usable (if slow) hash.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;
pub(super) type KeySet = HashSet<Key, BuildHasherDefault<KeyHasher>>;

/// Party ids of the customers seen so far: for a party this import created, the sequence
/// number its id was made from (so the map holds 4 bytes, not a 16-byte id); for a party
/// stored before, an index into `stored`.
#[derive(Default)]
pub(super) struct Customers {
    map: KeyMap<u32>,
    stored: Vec<Uuid>,
}

/// Values from here on index `Customers::stored`.
const STORED_BASE: u32 = 1 << 31;

impl Customers {
    pub(super) fn contains(&self, k: &Key) -> bool {
        self.map.contains_key(k)
    }

    pub(super) fn get(&self, k: &Key, ids: &SequentialIds) -> Option<Uuid> {
        let v = *self.map.get(k)?;
        if v >= STORED_BASE {
            self.stored.get((v - STORED_BASE) as usize).copied()
        } else {
            Some(ids.id(u64::from(v)))
        }
    }

    /// Remembers a party this import created with the id of sequence number `seq`.
    pub(super) fn insert_created(&mut self, k: Key, seq: u64) {
        debug_assert!(seq < u64::from(STORED_BASE));
        self.map.insert(k, seq as u32);
    }

    /// Remembers a party stored before the import.
    pub(super) fn insert_stored(&mut self, k: Key, id: Uuid) {
        let index = STORED_BASE + self.stored.len() as u32;
        self.stored.push(id);
        self.map.insert(k, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_of_a_key_map_with_a_u32_takes_20_bytes() {
        assert_eq!(std::mem::size_of::<(Key, u32)>(), 20);
    }

    #[test]
    fn customers_answer_with_created_and_stored_ids() {
        let mut ids = SequentialIds::new(1_700_000_000_000);
        let mut c = Customers::default();
        let seq = ids.next_seq();
        c.insert_created(key("A"), seq);
        let stored = Uuid::now_v7();
        c.insert_stored(key("B"), stored);
        assert_eq!(c.get(&key("A"), &ids), Some(ids.id(seq)));
        assert_eq!(c.get(&key("B"), &ids), Some(stored));
        assert_eq!(c.get(&key("C"), &ids), None);
        assert!(c.contains(&key("B")) && !c.contains(&key("C")));
    }
}
