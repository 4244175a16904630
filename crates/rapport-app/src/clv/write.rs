//! The per-customer file of `rapport clv`: one CSV row per customer, formatted on every core
//! a batch at a time and written in order.

use std::path::Path;

use super::{ClvError, CustomerValue};

/// Writes one CSV row per customer to `path`. Rows are formatted on every core, a batch at a
/// time, and written in order.
pub fn write_customers(path: &Path, customers: &[CustomerValue]) -> Result<(), ClvError> {
    use std::io::Write;
    const BATCH: usize = 32_768;
    let io = |e: std::io::Error| ClvError::File {
        file: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(
        out,
        "customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,clv"
    )
    .map_err(io)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); threads];
    for round in customers.chunks(BATCH * threads) {
        std::thread::scope(|s| {
            for (batch, buffer) in round.chunks(BATCH).zip(buffers.iter_mut()) {
                s.spawn(move || {
                    buffer.clear();
                    let mut floats = zmij::Buffer::new();
                    for c in batch {
                        buffer.extend_from_slice(csv_field(&c.customer_id).as_bytes());
                        buffer.push(b',');
                        // Writing to a Vec cannot fail.
                        let _ = write!(buffer, "{}", c.frequency);
                        for v in [
                            c.recency,
                            c.age,
                            c.monetary_value,
                            c.p_alive,
                            c.expected_purchases,
                            c.clv,
                        ] {
                            buffer.push(b',');
                            push_float(buffer, &mut floats, v);
                        }
                        buffer.push(b'\n');
                    }
                });
            }
        });
        for buffer in buffers.iter().take(round.len().div_ceil(BATCH)) {
            out.write_all(buffer).map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

/// Appends `v` in the shortest digits that read back as `v`, without an exponent and without
/// a trailing `.0`, as `{}` writes it (the two may differ in the last digit where two
/// shortest forms are equally close). The faster shortest-digits formatter does it unless it
/// would write an exponent.
fn push_float(out: &mut Vec<u8>, floats: &mut zmij::Buffer, v: f64) {
    use std::io::Write;
    if v.is_finite() {
        let text = floats.format_finite(v);
        if !text.contains(['e', 'E']) {
            out.extend_from_slice(text.strip_suffix(".0").unwrap_or(text).as_bytes());
            return;
        }
    }
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{v}");
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_in_the_shortest_digits_that_read_back() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.1,
            1.0 / 3.0,
            1e-7,
            123_456_789.0,
            1e15,
            1e16,
            1e21,
            1e22,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut x = 0x0123_4567_89AB_CDEFu64;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(match i % 3 {
                0 => f64::from_bits(x),
                1 => (x % 1_000_000) as f64 / 1000.0,
                _ => (x >> 11) as f64 / (1u64 << 53) as f64,
            });
        }
        let mut floats = zmij::Buffer::new();
        let mut same = 0;
        for &v in &values {
            let mut out = Vec::new();
            push_float(&mut out, &mut floats, v);
            let text = String::from_utf8(out).unwrap();
            let display = format!("{v}");
            assert!(!text.contains('e') && !text.ends_with(".0"), "{text}");
            assert_eq!(text.len(), display.len(), "{text} against {display}");
            let back: f64 = text.parse().unwrap();
            assert!(
                back.to_bits() == v.to_bits() || v.is_nan(),
                "{text} for {v:e}"
            );
            same += usize::from(text == display);
        }
        assert!(same > values.len() * 99 / 100, "{same} of {}", values.len());
    }

    #[test]
    fn rows_are_written_in_order_across_batches_and_threads() {
        let customers: Vec<CustomerValue> = (0..100_003)
            .map(|i| CustomerValue {
                customer_id: if i == 7 {
                    "a,b".into()
                } else {
                    format!("c{i}")
                },
                frequency: i,
                recency: f64::from(i) / 7.0,
                age: 104.0,
                monetary_value: 12.5,
                p_alive: 0.25,
                expected_purchases: 1.0 / 3.0,
                clv: -0.0,
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_customers(&path, &customers).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 100_004);
        assert!(lines[0].starts_with("customer_id,frequency,"));
        assert_eq!(lines[8], "\"a,b\",7,1,104,12.5,0.25,0.3333333333333333,-0");
        for (i, line) in lines[1..].iter().enumerate() {
            let field = if i == 7 { 2 } else { 1 };
            let frequency: usize = line.split(',').nth(field).unwrap().parse().unwrap();
            assert_eq!(frequency, i, "{line}");
        }
    }
}
