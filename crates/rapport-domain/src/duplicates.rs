//! Duplicate-party detection: finds pairs of parties that are probably the same person or the
//! same organization, scores each pair between 0 and 1, and says why in plain words. Pure: no
//! IO, no clock. Name normalization and Jaro-Winkler live in `duplicates/names.rs`.
//!
//! # How a pair is scored
//!
//! Each piece of evidence has a strength between 0 and 1:
//!
//! - the same e-mail address (after [`Email::normalized`]: case, `+tags`, Gmail dots): 0.95;
//! - the same phone number (after [`Phone::normalized`]: the last nine digits): 0.85;
//! - similar names: the [`jaro_winkler`] similarity of the [`normalize_name`] forms, taken both
//!   as written and with the words sorted (so "Berger Anna" matches "Anna Berger"). It counts
//!   only from 0.92 up, and is worth 0.5 at 0.92 rising to 0.8 for the same name;
//! - the same city: 0.25, and only on top of other evidence.
//!
//! The strengths are combined like independent clues, `1 − (1 − s₁)(1 − s₂)…`, so the score
//! stays within 0..=1 and every extra clue raises it. A name alone therefore reaches at most
//! 0.8 (0.85 with the same city), below a shared e-mail address alone. A pair needs a shared
//! e-mail address, a shared phone number or similar names to be a candidate at all. Persons
//! are paired only with persons and organizations only with organizations, unless they share
//! an e-mail address or a phone number. E-mail addresses and phone numbers that do not parse
//! count as absent. Two entries with the same id are never paired.
//!
//! # How the work is kept small
//!
//! Comparing every party with every other is out of reach for a million parties, so parties
//! are put into blocks and compared only within a block: one block per e-mail address, one
//! per phone number, and two name blocks per party (the first three letters of the name with
//! its words sorted plus the first letter of its last word; and the first three letters of
//! the last sorted word plus the first letter of the first). A block bigger than
//! [`BLOCK_CAP`] is compared only between neighbours in name order (see there). A pair found
//! in several blocks is reported once.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;
use uuid::Uuid;

use crate::{Email, PartyKind, Phone};

mod names;
#[cfg(test)]
mod tests;

use names::{Letters, Normalizer, common_prefix, jaro_winkler_bound, jaro_winkler_chars};
pub use names::{jaro, jaro_winkler, normalize_name};

/// One party as duplicate detection sees it.
#[derive(Debug, Clone)]
pub struct DuplicateInput {
    pub id: Uuid,
    /// "person" or "organization" (any spelling [`PartyKind::parse`] accepts).
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
}

/// Two parties that are probably the same, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateCandidate {
    /// The smaller of the two ids.
    pub a: Uuid,
    /// The larger of the two ids.
    pub b: Uuid,
    /// How sure we are that `a` and `b` are the same party, 0..=1.
    pub score: f64,
    /// The evidence in plain words, strongest first, e.g. "same e-mail address (ann@example.com)".
    pub reasons: Vec<String>,
}

/// Strength of a shared (normalized) e-mail address.
pub const SAME_EMAIL: f64 = 0.95;
/// Strength of a shared (normalized) phone number.
pub const SAME_PHONE: f64 = 0.85;
/// Names less alike than this (Jaro-Winkler) are no evidence.
pub const NAME_THRESHOLD: f64 = 0.92;
/// Strength of names exactly at [`NAME_THRESHOLD`]; rises linearly to [`SAME_NAME`].
pub const ALIKE_NAME: f64 = 0.5;
/// Strength of the same normalized name.
pub const SAME_NAME: f64 = 0.8;
/// Strength of the same city, counted only on top of other evidence.
pub const SAME_CITY: f64 = 0.25;
/// A block with more members than this (a common name, an office switchboard, `info@`) is not
/// compared all-pairs: its members are sorted by name (words sorted), then city, and each is
/// compared only with the next [`NEIGHBOURS`] members. So 500 "Maria Papadopoulou" cost
/// about 1,500 comparisons instead of 124,750, and pairs far apart in such a block are not
/// reported unless another, smaller block brings them together.
pub const BLOCK_CAP: usize = 50;
/// How many following members each member of an over-sized block is compared with.
pub const NEIGHBOURS: usize = 3;

/// Candidate pairs with `score >= min_score`, best first (ties by `(a, b)`), each pair once.
/// See the module documentation for the scoring rules and the blocking.
pub fn find_duplicates(parties: &[DuplicateInput], min_score: f64) -> Vec<DuplicateCandidate> {
    let prepared = Prepared::new(parties);
    let mut found: Vec<(u32, u32, f64)> = Vec::new();
    let mut consider = |x: u32, y: u32| {
        let (i, j) = (x.min(y), x.max(y));
        if i == j {
            return;
        }
        if let Some(score) = prepared.evidence(i, j).map(|e| e.score())
            && score >= min_score
        {
            found.push((i, j, score));
        }
    };
    let mut members: Vec<u32> = Vec::new();
    for block in prepared.blocks.chunk_by(|x, y| x.0 == y.0) {
        // Parties are numbered in name order, so a block is already in neighbour order.
        members.clear();
        members.extend(block.iter().map(|&(_, i)| i));
        if members.len() <= BLOCK_CAP {
            for (k, &x) in members.iter().enumerate() {
                for &y in &members[k + 1..] {
                    consider(x, y);
                }
            }
        } else {
            for (k, &x) in members.iter().enumerate() {
                for &y in members.iter().skip(k + 1).take(NEIGHBOURS) {
                    consider(x, y);
                }
            }
        }
    }
    found.sort_unstable_by_key(|&(i, j, _)| (i, j));
    found.dedup_by_key(|&mut (i, j, _)| (i, j));

    let input = |i: u32| &parties[prepared.parties[i as usize].input as usize];
    let id = |i: u32| input(i).id;
    let mut ranked: Vec<(f64, Uuid, Uuid, u32, u32)> = found
        .into_iter()
        .filter(|&(i, j, _)| id(i) != id(j))
        .map(|(i, j, score)| (score, id(i).min(id(j)), id(i).max(id(j)), i, j))
        .collect();
    if has_repeated_ids(parties) {
        // The same pair of ids can come from several entries: keep its best score.
        ranked.sort_unstable_by(|x, y| (x.1, x.2).cmp(&(y.1, y.2)).then(y.0.total_cmp(&x.0)));
        ranked.dedup_by_key(|x| (x.1, x.2));
    }
    ranked.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    ranked
        .into_iter()
        .filter_map(|(score, a, b, i, j)| {
            let evidence = prepared.evidence(i, j)?;
            let email = prepared.emails[prepared.parties[i as usize].input as usize].as_deref();
            let reasons = evidence.reasons(input(i), input(j), email);
            Some(DuplicateCandidate {
                a,
                b,
                score,
                reasons,
            })
        })
        .collect()
}

fn has_repeated_ids(parties: &[DuplicateInput]) -> bool {
    let mut ids: Vec<Uuid> = parties.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.windows(2).any(|w| w[0] == w[1])
}

const PERSON: u8 = 0;
const ORGANIZATION: u8 = 1;
const OTHER_KIND: u8 = 2;

/// Block key tags (top two bits of a block key).
const BY_EMAIL: u64 = 0;
const BY_PHONE: u64 = 1;
const BY_NAME_START: u64 = 2;
const BY_NAME_END: u64 = 3;

/// One party reduced to what comparisons need: fingerprints of the normalized e-mail and
/// phone, the interned city, and the two name forms as ranges into a shared character arena.
#[derive(Clone, Copy)]
struct Party {
    /// Position in the input.
    input: u32,
    kind: u8,
    email: Option<u64>,
    phone: Option<u64>,
    city: Option<u32>,
    name: (u32, u32),
    sorted: (u32, u32),
    letters: Letters,
}

/// The parties numbered in name order (words sorted, then city, then input order): parties
/// compared with each other lie close in memory, and an over-sized block, listed by number,
/// is already in the order its neighbours are compared in.
struct Prepared {
    parties: Vec<Party>,
    chars: Vec<char>,
    /// Normalized e-mail addresses and phone numbers by input position.
    emails: Vec<Option<String>>,
    phones: Vec<Option<String>>,
    /// (block key, party number), sorted so each block is a run of equal keys.
    blocks: Vec<(u64, u32)>,
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// FNV-1a: a quick hash for block keys and small maps (the std default is slower here).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The block key of an e-mail address or phone number: its hash, in the low 62 bits (two
/// values that collide share a block, and are still compared exactly).
fn fingerprint(s: &str) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write(s.as_bytes());
    hasher.finish() >> 2
}

impl Prepared {
    fn new(inputs: &[DuplicateInput]) -> Self {
        let n = inputs.len();
        let (mut emails, mut phones) = (Vec::with_capacity(n), Vec::with_capacity(n));
        // Cities: an id per normalized name, looked up once per spelling.
        let mut city_ids: FastMap<String, u32> = FastMap::default();
        let mut spellings: FastMap<&str, Option<u32>> = FastMap::default();
        let mut normalizer = Normalizer::default();
        let mut parties = Vec::with_capacity(n);
        let mut prefixes = Vec::with_capacity(n);
        let mut chars = Vec::with_capacity(n * 32);
        let mut blocks = Vec::with_capacity(n * 3);
        for (index, input) in inputs.iter().enumerate() {
            let index = index as u32;
            let kind = match input.kind.as_str() {
                "person" => PERSON,
                "organization" => ORGANIZATION,
                other => match PartyKind::parse(other) {
                    Ok(PartyKind::Person) => PERSON,
                    Ok(PartyKind::Organization) => ORGANIZATION,
                    Err(_) => OTHER_KIND,
                },
            };
            let email = normalized_email(input.email.as_deref());
            let phone = input.phone.as_deref().and_then(|p| Phone::parse(p).ok());
            let phone = phone.map(|p| p.normalized());
            let (email_key, phone_key) = (
                email.as_deref().map(fingerprint),
                phone.as_deref().map(fingerprint),
            );
            emails.push(email);
            phones.push(phone);
            let city = input.city.as_deref().and_then(|raw| {
                *spellings.entry(raw).or_insert_with(|| {
                    let city = normalize_name(raw, false);
                    let next = city_ids.len() as u32;
                    (!city.is_empty()).then(|| *city_ids.entry(city).or_insert(next))
                })
            });
            if let Some(key) = email_key {
                blocks.push((BY_EMAIL << 62 | key, index));
            }
            if let Some(key) = phone_key {
                blocks.push((BY_PHONE << 62 | key, index));
            }
            let [name, sorted] = normalizer.push(&input.name, kind == ORGANIZATION, &mut chars);
            let words = &chars[sorted.0 as usize..sorted.1 as usize];
            if !words.is_empty() {
                let first = words.split(|&c| c == ' ').next().unwrap_or_default();
                let last = words.rsplit(|&c| c == ' ').next().unwrap_or_default();
                let start = name_key(kind, words, last);
                let end = name_key(kind, last, first);
                blocks.push((BY_NAME_START << 62 | start, index));
                if end != start {
                    blocks.push((BY_NAME_END << 62 | end, index));
                }
            }
            // The first eight characters, packed so that integer order is name order.
            let prefix = (0..8).fold(0u128, |key, k| {
                let c = words.get(k).map_or(0, |&c| u32::from(c).min(0xffff));
                key << 16 | u128::from(c)
            });
            prefixes.push((prefix, index));
            let letters = Letters::of(&chars[name.0 as usize..name.1 as usize]);
            parties.push(Party {
                input: index,
                kind,
                email: email_key,
                phone: phone_key,
                city,
                name,
                sorted,
                letters,
            });
        }
        // Number the parties in name order: sorted by packed prefix, then runs of equal
        // prefixes by the whole name, city and input position.
        prefixes.sort_unstable();
        for run in prefixes
            .chunk_by_mut(|x, y| x.0 == y.0)
            .filter(|run| run.len() > 1)
        {
            run.sort_unstable_by_key(|&(_, i)| {
                let p = &parties[i as usize];
                (&chars[p.sorted.0 as usize..p.sorted.1 as usize], p.city, i)
            });
        }
        let order: Vec<u32> = prefixes.iter().map(|&(_, i)| i).collect();
        let mut number = vec![0u32; n];
        for (k, &i) in order.iter().enumerate() {
            number[i as usize] = k as u32;
        }
        for entry in &mut blocks {
            entry.1 = number[entry.1 as usize];
        }
        blocks.sort_unstable();
        let parties = order.iter().map(|&i| parties[i as usize]).collect();
        Self {
            parties,
            chars,
            emails,
            phones,
            blocks,
        }
    }

    fn name(&self, i: u32) -> &[char] {
        let (start, end) = self.parties[i as usize].name;
        &self.chars[start as usize..end as usize]
    }

    fn sorted(&self, i: u32) -> &[char] {
        let (start, end) = self.parties[i as usize].sorted;
        &self.chars[start as usize..end as usize]
    }

    /// What speaks for parties `i` and `j` being the same, or `None` when nothing does.
    fn evidence(&self, i: u32, j: u32) -> Option<Evidence> {
        let (p, q) = (&self.parties[i as usize], &self.parties[j as usize]);
        let same = |x: Option<u64>, y: Option<u64>, texts: &[Option<String>]| {
            x.is_some() && x == y && texts[p.input as usize] == texts[q.input as usize]
        };
        let email = same(p.email, q.email, &self.emails);
        let phone = same(p.phone, q.phone, &self.phones);
        if !email && !phone && p.kind != q.kind {
            return None;
        }
        let name = self.name_match(i, j);
        if !email && !phone && name.is_none() {
            return None;
        }
        let city = p.city.is_some() && p.city == q.city;
        Some(Evidence {
            email,
            phone,
            name,
            city,
        })
    }

    /// How alike the names are, when at least [`NAME_THRESHOLD`].
    fn name_match(&self, i: u32, j: u32) -> Option<NameMatch> {
        let (p, q) = (&self.parties[i as usize], &self.parties[j as usize]);
        let (la, lb) = (
            (p.name.1 - p.name.0) as usize,
            (q.name.1 - q.name.0) as usize,
        );
        // Most pairs in a block are told apart by lengths and letters alone, unread.
        let shared = p.letters.shared(&q.letters, la, lb);
        if jaro_winkler_bound(la, lb, shared, 4) < NAME_THRESHOLD {
            return None;
        }
        let (a, b) = (self.name(i), self.name(j));
        let (sa, sb) = (self.sorted(i), self.sorted(j));
        if a == b || sa == sb {
            return Some(NameMatch {
                similarity: 1.0,
                reordered: a != b,
            });
        }
        let prefix = common_prefix(a, b).max(common_prefix(sa, sb));
        if jaro_winkler_bound(la, lb, shared, prefix) < NAME_THRESHOLD {
            return None;
        }
        let direct = jaro_winkler_chars(a, b);
        let by_sorted = if (sa, sb) == (a, b) {
            direct
        } else {
            jaro_winkler_chars(sa, sb)
        };
        let similarity = direct.max(by_sorted);
        let reordered = by_sorted > direct;
        (similarity >= NAME_THRESHOLD).then_some(NameMatch {
            similarity,
            reordered,
        })
    }
}

fn normalized_email(raw: Option<&str>) -> Option<String> {
    raw.and_then(|e| Email::parse(e).ok())
        .map(|e| e.normalized())
}

/// A name block key below the tag: the kind, the first three characters of `head` and the
/// first of `tail`, 15 bits each (a rare collision only merges two blocks).
fn name_key(kind: u8, head: &[char], tail: &[char]) -> u64 {
    let mut slots = [0u64; 4];
    for (slot, &c) in slots.iter_mut().zip(head.iter().take(3)) {
        *slot = u64::from(c);
    }
    slots[3] = tail.first().map_or(0, |&c| u64::from(c));
    let packed = slots.iter().fold(0u64, |key, c| key << 15 | (c & 0x7fff));
    u64::from(kind & 3) << 60 | packed
}

struct NameMatch {
    similarity: f64,
    /// The match is (better) with the words sorted: "Berger Anna" and "Anna Berger".
    reordered: bool,
}

struct Evidence {
    email: bool,
    phone: bool,
    name: Option<NameMatch>,
    city: bool,
}

impl Evidence {
    /// `1 − Π(1 − sᵢ)` over the strengths of the evidence present.
    fn score(&self) -> f64 {
        let name = self.name.as_ref().map(|n| {
            let above = (n.similarity - NAME_THRESHOLD) / (1.0 - NAME_THRESHOLD);
            ALIKE_NAME + (SAME_NAME - ALIKE_NAME) * above.clamp(0.0, 1.0)
        });
        let strengths = [
            self.email.then_some(SAME_EMAIL),
            self.phone.then_some(SAME_PHONE),
            name,
            self.city.then_some(SAME_CITY),
        ];
        let doubt: f64 = strengths.iter().flatten().map(|s| 1.0 - s).product();
        (1.0 - doubt).clamp(0.0, 1.0)
    }

    /// The evidence in plain words, strongest first.
    fn reasons(&self, p: &DuplicateInput, q: &DuplicateInput, email: Option<&str>) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.email
            && let Some(email) = email
        {
            reasons.push(format!("same e-mail address ({email})"));
        }
        if self.phone {
            let tp = p.phone.as_deref().unwrap_or_default().trim();
            let tq = q.phone.as_deref().unwrap_or_default().trim();
            reasons.push(if tp == tq {
                format!("same phone number ({tp})")
            } else {
                format!("same phone number ({tp} and {tq})")
            });
        }
        if let Some(name) = &self.name {
            reasons.push(match (name.similarity >= 1.0, name.reordered) {
                (true, false) => "same name".to_string(),
                (true, true) => "same name, words in a different order".to_string(),
                (false, reordered) => format!(
                    "names {}% alike (Jaro-Winkler{})",
                    (name.similarity * 100.0).floor(),
                    if reordered { ", words sorted" } else { "" }
                ),
            });
        }
        if self.city {
            let city = p.city.as_deref().unwrap_or_default().trim();
            reasons.push(format!("same city ({city})"));
        }
        reasons
    }
}
