//! The benchmark file: millions of order lines in the `orders` format, streamed into a writer
//! through one reusable buffer, so its size is bounded by the disk and not by memory. The first
//! `customers` orders go to customers `B0000001`, `B0000002`… in turn (so with at least five
//! lines per customer every customer appears); after that, customers are drawn uniformly.

use std::io::{self, Write};

use chrono::NaiveDate;

use crate::calendar::push_date;
use crate::orders::HEADER;
use crate::rng::{Rng, Stream};

/// The product range of the benchmark: SKU and list price in cents.
const SKUS: [(&str, u64); 50] = [
    ("SKU-INS-CAR", 42000),
    ("SKU-INS-HOME", 18000),
    ("SKU-INS-LIFE", 60000),
    ("SKU-INS-LEGAL", 15000),
    ("SKU-INS-BUSINESS", 89000),
    ("SKU-INS-TRAVEL", 4900),
    ("SKU-INS-DEVICE", 7900),
    ("SKU-INS-PET", 9900),
    ("SKU-INS-BIKE", 6900),
    ("SKU-INS-DENTAL", 21000),
    ("SKU-MOB-PHONE-S", 39900),
    ("SKU-MOB-PHONE-P", 99900),
    ("SKU-MOB-PHONE-F", 149900),
    ("SKU-MOB-TABLET", 54900),
    ("SKU-MOB-WATCH", 29900),
    ("SKU-MOB-PLAN-S", 1500),
    ("SKU-MOB-PLAN-M", 2500),
    ("SKU-MOB-PLAN-L", 3500),
    ("SKU-MOB-PLAN-XL", 5500),
    ("SKU-MOB-SIM", 990),
    ("SKU-MOB-ESIM", 990),
    ("SKU-MOB-ROUTER", 19900),
    ("SKU-ACC-CASE", 1990),
    ("SKU-ACC-SCREEN", 1290),
    ("SKU-ACC-COVER", 3490),
    ("SKU-ACC-CHARGER", 2990),
    ("SKU-ACC-EARBUDS", 8900),
    ("SKU-ACC-POWERBANK", 3990),
    ("SKU-ACC-HOLDER", 2490),
    ("SKU-ACC-CABLE", 1490),
    ("SKU-ACC-STAND", 2290),
    ("SKU-ACC-SPEAKER", 6990),
    ("SKU-ACC-HEADSET", 12900),
    ("SKU-ACC-STRAP", 1990),
    ("SKU-ACC-MEMORY", 2490),
    ("SKU-SRV-ROADSIDE", 5900),
    ("SKU-SRV-INSPECT", 7900),
    ("SKU-SRV-SETUP", 2900),
    ("SKU-SRV-REPAIR", 8900),
    ("SKU-SRV-CONSULT", 4900),
    ("SKU-SRV-BACKUP", 399),
    ("SKU-SRV-CLOUD", 299),
    ("SKU-SRV-TRADEIN", 0),
    ("SKU-SRV-DELIVERY", 590),
    ("SKU-SRV-EXPRESS", 1490),
    ("SKU-SRV-INSTALL", 4900),
    ("SKU-SRV-TRAINING", 9900),
    ("SKU-SRV-WARRANTY", 4900),
    ("SKU-SRV-UNLOCK", 1990),
    ("SKU-SRV-RECYCLE", 0),
];

const CHANNELS: [&str; 4] = ["web", "shop", "phone", "partner"];

/// The days the benchmark orders fall on.
const FIRST_YEAR: i32 = 2020;
const LAST_YEAR: i32 = 2025;

/// Bytes buffered before they are handed to the writer.
const CHUNK: usize = 1 << 16;

/// Writes the benchmark file: `rows` order lines over `customers` customers, in the `orders`
/// CSV format (with header).
pub fn write_bench_orders(
    out: &mut dyn Write,
    rows: u64,
    customers: u64,
    seed: u64,
) -> io::Result<()> {
    if rows > 0 && customers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "order lines need at least one customer",
        ));
    }
    let days = bench_days()?;
    let mut rng = Rng::stream(seed, Stream::Bench, 0);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 256);
    buf.extend_from_slice(HEADER.join(",").as_bytes());
    buf.push(b'\n');
    let mut written = 0;
    let mut order = 0;
    while written < rows {
        let customer = if order < customers {
            order
        } else {
            rng.below(customers)
        };
        order += 1;
        let lines = (1 + rng.below(5)).min(rows - written);
        let date = &days[rng.below(days.len() as u64) as usize];
        let second = 7 * 3600 + rng.below(16 * 3600);
        let channel = CHANNELS[rng.below(CHANNELS.len() as u64) as usize];
        for line in 1..=lines {
            // Popular products sell far more often than the rest.
            let u = rng.f64();
            let (sku, price) = SKUS[(u * u * SKUS.len() as f64) as usize];
            let quantity = match rng.below(100) {
                0..60 => 1,
                60..80 => 2,
                80..90 => 3,
                90..96 => 4,
                _ => 5,
            };
            let gross = price * quantity;
            let amount = if rng.below(20) == 0 {
                gross - gross / 10
            } else {
                gross
            };
            buf.extend_from_slice(b"BO");
            push_number(&mut buf, order, 9);
            buf.push(b',');
            push_number(&mut buf, line, 1);
            buf.extend_from_slice(b",B");
            push_number(&mut buf, customer + 1, 7);
            buf.push(b',');
            buf.extend_from_slice(date);
            buf.push(b'T');
            push_number(&mut buf, second / 3600, 2);
            buf.push(b':');
            push_number(&mut buf, second / 60 % 60, 2);
            buf.push(b':');
            push_number(&mut buf, second % 60, 2);
            buf.extend_from_slice(b"Z,");
            buf.extend_from_slice(sku.as_bytes());
            buf.push(b',');
            push_number(&mut buf, quantity, 1);
            buf.push(b',');
            push_number(&mut buf, amount / 100, 1);
            buf.push(b'.');
            push_number(&mut buf, amount % 100, 2);
            buf.extend_from_slice(b",EUR,");
            buf.extend_from_slice(channel.as_bytes());
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        written += lines;
    }
    out.write_all(&buf)?;
    out.flush()
}

/// Every day of the benchmark years as `YYYY-MM-DD`.
fn bench_days() -> io::Result<Vec<[u8; 10]>> {
    let bad = || io::Error::other("benchmark calendar out of range");
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).ok_or_else(bad)?;
    let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).ok_or_else(bad)?;
    let mut text = String::with_capacity(10);
    let mut days = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        text.clear();
        push_date(&mut text, day);
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(text.as_bytes().get(..10).ok_or_else(bad)?);
        days.push(bytes);
    }
    Ok(days)
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
fn push_number(buf: &mut Vec<u8>, value: u64, width: usize) {
    crate::calendar::pad_decimal(value, width, |d| buf.push(d));
}
