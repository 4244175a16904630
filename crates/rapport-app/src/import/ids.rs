//! Ids for records an import creates in volume: UUIDv7 whose 74 "random" bits carry a
//! per-import sequence number (high bits) and a per-import salt (low bits). They ascend in the
//! order records are created, so B-tree inserts append instead of scattering, and an id can be
//! recomputed from its sequence number without keeping it in memory.

use std::hash::{DefaultHasher, Hash, Hasher};

use uuid::Uuid;

/// Hands out ascending UUIDv7 for one import.
pub(crate) struct SequentialIds {
    millis: u64,
    salt: u64,
    next: u64,
}

impl SequentialIds {
    pub(crate) fn new(millis: u64) -> Self {
        // A fresh random salt keeps two imports started in the same millisecond apart.
        let salt = Uuid::now_v7().as_u128() as u64 & ((1 << 34) - 1);
        SequentialIds {
            millis,
            salt,
            next: 0,
        }
    }

    /// The next sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        let seq = self.next;
        self.next += 1;
        seq
    }

    /// The id for a sequence number.
    pub(crate) fn id(&self, seq: u64) -> Uuid {
        sequential_v7(self.millis, seq, self.salt)
    }
}

/// `ts(48) | 0111 | seq[39..28](12) | 10 | seq[27..0](28) | salt(34)`.
pub(crate) fn sequential_v7(millis: u64, seq: u64, salt: u64) -> Uuid {
    let ts = (millis as u128 & 0xFFFF_FFFF_FFFF) << 80;
    let version = 0x7u128 << 76;
    let rand_a = ((seq >> 28) as u128 & 0xFFF) << 64;
    let variant = 0b10u128 << 62;
    let rand_b = ((seq & 0xFFF_FFFF) as u128) << 34 | (salt as u128 & ((1 << 34) - 1));
    Uuid::from_u128(ts | version | rand_a | variant | rand_b)
}

/// A 128-bit in-memory fingerprint of a key (two SipHash runs). Only for maps inside one
/// process: it is not stable across Rust releases and is never stored.
pub(crate) fn fingerprint(key: &str) -> u128 {
    let mut a = DefaultHasher::new();
    (1u8, key).hash(&mut a);
    let mut b = DefaultHasher::new();
    (2u8, key).hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_are_v7_and_ascend() {
        let ids = SequentialIds {
            millis: 1_700_000_000_000,
            salt: 12345,
            next: 0,
        };
        let a = ids.id(0);
        let b = ids.id(1);
        let c = ids.id(1 << 30);
        assert_eq!(a.get_version_num(), 7);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert!(a < b && b < c);
        assert_eq!(ids.id(7), ids.id(7));
        let ts = c.get_timestamp().unwrap().to_unix();
        assert_eq!(ts.0, 1_700_000_000);
    }

    #[test]
    fn fingerprints_differ_for_different_keys() {
        assert_ne!(fingerprint("C1"), fingerprint("C2"));
        assert_eq!(fingerprint("C1"), fingerprint("C1"));
    }
}
