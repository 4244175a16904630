use rapport_domain::duplicates::*;
use std::time::Instant;
use uuid::Uuid;
const SYL: [&str; 24] = [
    "ka", "lo", "mi", "ra", "ne", "to", "sa", "vi", "de", "lu", "po", "ri", "an", "el", "ma", "ti",
    "be", "ro", "ga", "zu", "fe", "ni", "ho", "st",
];
const FIRST: [&str; 40] = [
    "Anna",
    "Maria",
    "Jonas",
    "Petra",
    "Nikos",
    "Eleni",
    "Marco",
    "Sofia",
    "Lukas",
    "Georgios",
    "Dimitris",
    "Katerina",
    "Thomas",
    "Andreas",
    "Julia",
    "Laura",
    "Felix",
    "Paul",
    "Emma",
    "Mia",
    "Ioannis",
    "Christos",
    "Konstantinos",
    "Panagiotis",
    "Vasiliki",
    "Sabine",
    "Stefan",
    "Michael",
    "Daniel",
    "Sarah",
    "Lena",
    "Hannah",
    "Ben",
    "Noah",
    "Elias",
    "Leon",
    "Max",
    "Sophie",
    "Marie",
    "Clara",
];
fn word(mut x: u64, n: usize) -> String {
    let mut w = String::new();
    for _ in 0..n {
        w.push_str(SYL[(x % 24) as usize]);
        x /= 24;
    }
    w
}
fn make(n: u64, realistic: bool) -> (Vec<DuplicateInput>, Vec<(Uuid, Uuid)>) {
    let cities = [
        "Berlin",
        "Athens",
        "Hamburg",
        "Thessaloniki",
        "Munich",
        "Patras",
    ];
    let mut v = Vec::new();
    let mut planted = Vec::new();
    for i in 0..n {
        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8;
        let first = if realistic {
            FIRST[(x % 40) as usize].to_string()
        } else {
            word(x, 2)
        };
        let last = if realistic {
            let mut w = word(x / 40, 3);
            w[..1].make_ascii_uppercase();
            w
        } else {
            word(x / 576, 4)
        };
        let p = DuplicateInput {
            id: Uuid::from_u128(i as u128 + 1),
            kind: if i % 5 == 0 {
                "organization".into()
            } else {
                "person".into()
            },
            name: format!("{first} {last}"),
            email: Some(format!("p{i}@example.com")),
            phone: Some(format!("+49 30 {i:07}")),
            city: Some(cities[(i % 6) as usize].into()),
        };
        if i % 997 == 0 {
            let d = DuplicateInput {
                id: Uuid::from_u128((1u128 << 64) + i as u128),
                kind: p.kind.clone(),
                name: format!("{last} {first}"),
                email: Some(format!("P{i}+x@Example.com")),
                phone: None,
                city: p.city.clone(),
            };
            planted.push((p.id, d.id));
            v.push(d);
        }
        v.push(p);
    }
    (v, planted)
}
fn main() {
    for &realistic in &[std::env::args().nth(1).as_deref() == Some("r")] {
        for &n in &[std::env::args()
            .nth(2)
            .map_or(1_000_000u64, |s| s.parse().unwrap())]
        {
            let (parties, planted) = make(n, realistic);
            let t = Instant::now();
            let found = find_duplicates(&parties, 0.5);
            let el = t.elapsed();
            let set: std::collections::HashSet<_> = found.iter().map(|c| (c.a, c.b)).collect();
            let missing = planted.iter().filter(|p| !set.contains(p)).count();
            println!(
                "realistic={realistic} n={} time={:.2?} candidates={} planted={} missing={}",
                parties.len(),
                el,
                found.len(),
                planted.len(),
                missing
            );
        }
    }
}
