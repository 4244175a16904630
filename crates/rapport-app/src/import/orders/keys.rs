//! What the order loader remembers per customer and order: a 96-bit fingerprint of the
//! external id, in maps laid out for tens of millions of entries. The memory budget of a
//! 10-million-line import is mostly these maps, so their entries are kept small: a
//! fingerprint is three `u32` (4-byte aligned: an entry with a `u32` value takes 16 bytes), and
//! the fingerprint, already uniformly random, is its own hash. 96 bits keep the chance that two
//! of 100 million ids share a fingerprint below 10⁻¹³.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use uuid::Uuid;

use crate::import::ids::{SequentialIds, fingerprint};

/// The fingerprint of an external id.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub(super) struct Key([u32; 3]);

pub(super) fn key(s: &str) -> Key {
    let f = fingerprint(s);
    Key([f as u32, (f >> 32) as u32, (f >> 64) as u32])
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

/// What the loader knows of an order it has seen.
#[derive(Clone, Copy, Debug)]
pub(super) struct OrderSeen {
    /// The sequence number of the order's id if this import created it; `STORED` if the order
    /// was stored before.
    seq: u32,
    /// Lines 1 to 32 of an order this import created that were taken, one bit each.
    lines: u32,
}

const STORED: u32 = u32::MAX;
/// A name reserved while a transaction log's order ids are assigned (see `reserve`).
const RESERVED: u32 = u32::MAX - 1;

/// The orders seen so far, and which of their lines: a line that comes twice in one file is
/// refused before anything is written, on every backend, whether or not the database still
/// checks the primary key while loading.
#[derive(Default)]
pub(super) struct Orders {
    map: KeyMap<OrderSeen>,
    /// Lines past 32 (rare): (sequence number, line).
    more_lines: HashSet<(u32, i64)>,
}

impl Orders {
    pub(super) fn contains(&self, k: &Key) -> bool {
        self.map.contains_key(k)
    }

    /// The sequence number of an order this import created.
    pub(super) fn seq(&self, k: &Key) -> Option<u64> {
        self.map
            .get(k)
            .filter(|o| o.seq < RESERVED)
            .map(|o| u64::from(o.seq))
    }

    pub(super) fn insert_created(&mut self, k: Key, seq: u64) {
        debug_assert!(seq < u64::from(RESERVED));
        self.map.insert(
            k,
            OrderSeen {
                seq: seq as u32,
                lines: 0,
            },
        );
    }

    pub(super) fn insert_stored(&mut self, k: Key) {
        self.map.insert(
            k,
            OrderSeen {
                seq: STORED,
                lines: 0,
            },
        );
    }

    /// Keeps an id taken while a batch's order ids are assigned, so the next transaction of
    /// the same customer and day gets the next running number.
    pub(super) fn reserve(&mut self, k: Key) {
        self.map.entry(k).or_insert(OrderSeen {
            seq: RESERVED,
            lines: 0,
        });
    }

    /// Forgets a reservation (an order seen or created before stays).
    pub(super) fn release(&mut self, k: &Key) {
        if self.map.get(k).is_some_and(|o| o.seq == RESERVED) {
            self.map.remove(k);
        }
    }

    /// Takes line `line` of an order this import created; false if it was taken before.
    pub(super) fn take_line(&mut self, k: &Key, line: i64) -> bool {
        let Some(order) = self.map.get_mut(k) else {
            return true;
        };
        if (1..=32).contains(&line) {
            let bit = 1u32 << (line - 1);
            let fresh = order.lines & bit == 0;
            order.lines |= bit;
            fresh
        } else {
            self.more_lines.insert((order.seq, line))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_entries_stay_small() {
        assert_eq!(std::mem::size_of::<(Key, u32)>(), 16);
        assert_eq!(std::mem::size_of::<(Key, OrderSeen)>(), 20);
    }

    #[test]
    fn each_line_of_an_order_is_taken_once() {
        let mut orders = Orders::default();
        let k = key("O1");
        orders.insert_created(k, 7);
        assert_eq!(orders.seq(&k), Some(7));
        for line in [1, 2, 32, 33, 1_000_000] {
            assert!(orders.take_line(&k, line), "line {line} first time");
            assert!(!orders.take_line(&k, line), "line {line} again");
        }
        // Another order's line 1 is its own.
        let other = key("O2");
        orders.insert_created(other, 8);
        assert!(orders.take_line(&other, 1));
        orders.insert_stored(key("O3"));
        assert!(orders.contains(&key("O3")) && orders.seq(&key("O3")).is_none());
        orders.reserve(key("O4"));
        orders.reserve(k);
        assert!(orders.contains(&key("O4")) && orders.seq(&key("O4")).is_none());
        orders.release(&key("O4"));
        orders.release(&k);
        assert!(!orders.contains(&key("O4")));
        assert_eq!(orders.seq(&k), Some(7), "a created order is no reservation");
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
