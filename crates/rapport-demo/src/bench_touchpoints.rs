//! The API benchmark's files: `parties` organizations `A0000001`, `A0000002`… and `interactions`
//! interactions spread over them (party drawn uniformly, so every party has about
//! interactions / parties of them), in the import formats, streamed through one buffer.

use std::io::{self, Write};

use chrono::{Duration, NaiveDate};

use crate::calendar::push_date;
use crate::rng::{Rng, Stream};

const CITIES: [&str; 8] = [
    "Berlin",
    "Hamburg",
    "München",
    "Lyon",
    "Paris",
    "Αθήνα",
    "Wien",
    "Zürich",
];
const CHANNELS: [&str; 6] = ["call", "email", "meeting", "visit", "chat", "letter"];

/// The external id of benchmark party `n` (1-based).
pub fn bench_party_id(n: u64) -> String {
    format!("A{n:07}")
}

pub fn write_bench_parties<W: Write>(w: &mut W, parties: u64, seed: u64) -> io::Result<()> {
    writeln!(w, "external_id,kind,name,email,city,lifecycle,roles")?;
    let mut rng = Rng::stream(seed, Stream::Customer, 0);
    let mut line = String::with_capacity(128);
    for n in 1..=parties {
        line.clear();
        let city = CITIES[rng.index(CITIES.len())];
        let id = bench_party_id(n);
        line.push_str(&format!(
            "{id},organization,Benchmark Company {n},office{n}@bench.example,{city},active,customer\n"
        ));
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub fn write_bench_interactions<W: Write>(
    w: &mut W,
    interactions: u64,
    parties: u64,
    seed: u64,
) -> io::Result<()> {
    writeln!(
        w,
        "external_id,party_external_id,channel,direction,occurred_at,subject,sentiment"
    )?;
    let mut rng = Rng::stream(seed, Stream::Interactions, 0);
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    let mut line = String::with_capacity(160);
    for n in 1..=interactions {
        line.clear();
        let party = 1 + rng.below(parties.max(1));
        let day = start + Duration::days(rng.below(6 * 365) as i64);
        line.push_str(&format!("I{n:09},{},", bench_party_id(party)));
        line.push_str(CHANNELS[rng.index(CHANNELS.len())]);
        line.push_str(if rng.below(2) == 0 {
            ",inbound,"
        } else {
            ",outbound,"
        });
        push_date(&mut line, day);
        line.push_str(&format!(
            "T{:02}:{:02}:00Z,Follow-up {n},{}\n",
            rng.below(24),
            rng.below(60),
            rng.range(-2, 2)
        ));
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}
