//! The benchmark writer: exact row counts, every customer present, unique lines, determinism.

use std::collections::HashSet;

use super::parse_csv;
use crate::write_bench_orders;

fn bench(rows: u64, customers: u64, seed: u64) -> String {
    let mut out = Vec::new();
    write_bench_orders(&mut out, rows, customers, seed).expect("writing to memory");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn writes_exactly_the_rows_asked_for_with_every_customer() {
    for (rows, customers) in [(5_000, 1_000), (12_345, 2_000), (100_003, 7)] {
        let text = bench(rows, customers, 3);
        let records = parse_csv(&text).expect("well-formed CSV");
        assert_eq!(
            records[0].join(","),
            "order_id,line,customer_id,ordered_at,sku,quantity,amount,currency,channel"
        );
        assert_eq!(records.len() as u64, rows + 1);
        let customer_ids: HashSet<&str> = records[1..].iter().map(|r| r[2].as_str()).collect();
        assert_eq!(
            customer_ids.len() as u64,
            customers,
            "{rows} rows over {customers} customers"
        );
        assert!(customer_ids.contains("B0000001"));
        let mut lines = HashSet::new();
        for r in &records[1..] {
            assert_eq!(r.len(), 9);
            assert!(
                lines.insert((r[0].clone(), r[1].clone())),
                "repeated line {r:?}"
            );
            let quantity: u32 = r[5].parse().expect("quantity");
            assert!((1..=5).contains(&quantity));
            let line: u32 = r[1].parse().expect("line");
            assert!((1..=5).contains(&line));
            assert!(
                r[3].as_str() >= "2020-01-01T"
                    && r[3].as_str() < "2026-01-01T"
                    && r[3].ends_with('Z')
            );
            assert!(r[6].split_once('.').is_some_and(|(_, c)| c.len() == 2));
            assert_eq!(r[7], "EUR");
        }
    }
}

#[test]
fn lines_of_an_order_are_numbered_from_one() {
    let text = bench(10_000, 100, 9);
    let records = parse_csv(&text).expect("well-formed CSV");
    let mut previous: Option<(&str, u32)> = None;
    for r in &records[1..] {
        let line: u32 = r[1].parse().expect("line");
        match previous {
            Some((order, n)) if order == r[0] => assert_eq!(line, n + 1),
            _ => assert_eq!(line, 1),
        }
        previous = Some((&r[0], line));
    }
}

#[test]
fn is_deterministic_for_a_seed() {
    assert_eq!(bench(3_000, 300, 1), bench(3_000, 300, 1));
    assert_ne!(bench(3_000, 300, 1), bench(3_000, 300, 2));
}

#[test]
fn edge_cases() {
    assert_eq!(bench(0, 0, 1).lines().count(), 1);
    assert_eq!(bench(1, 10, 1).lines().count(), 2);
    let mut out = Vec::new();
    assert!(write_bench_orders(&mut out, 5, 0, 1).is_err());
}
