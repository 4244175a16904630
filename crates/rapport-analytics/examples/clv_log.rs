//! Writes the CLV benchmark's transaction log (`benches/clv.sh`): a CSV of
//! `customer_id,date,amount`, one purchase per line, in date order.
//!
//! ```sh
//! cargo run --release -p rapport-analytics --example clv_log -- CUSTOMERS SEED OUT.csv
//! ```
//!
//! Purchases are simulated from the BG/NBD (Fader, Hardie & Lee 2005) in days, with
//! r = 1, alpha = 3 weeks, a = 0.8, b = 4: first purchases spread evenly over 2024, the log
//! ending on 2025-12-31, so about 9.5 lines per customer (several on one day are possible, as
//! in real logs). Amounts follow the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM
//! and CLV") with p = 6, q = 4, gamma = 15: a customer's mean spend varies around 30. The same
//! seed writes the same file.

#[path = "common/splitmix.rs"]
mod splitmix;

use std::io::Write;

use splitmix::Rng;

/// Days in the log: 2024-01-01 to 2025-12-31.
const DAYS: usize = 731;
/// First purchases fall in the first year.
const FIRST_YEAR: f64 = 366.0;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(customers), Some(seed), Some(out)) = (
        args.first().and_then(|s| s.parse::<u32>().ok()),
        args.get(1).and_then(|s| s.parse::<u64>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: clv_log CUSTOMERS SEED OUT.csv");
        std::process::exit(2);
    };
    let by_day = simulate(customers, seed);
    let dates = dates();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(w, "customer_id,date,amount")?;
    let mut lines = 0u64;
    for (date, purchases) in dates.iter().zip(&by_day) {
        for (customer, cents) in purchases {
            writeln!(
                w,
                "C{:07},{date},{}.{:02}",
                customer + 1,
                cents / 100,
                cents % 100
            )?;
        }
        lines += purchases.len() as u64;
    }
    w.flush()?;
    eprintln!("{lines} transactions of {customers} customers written to {out}");
    Ok(())
}

/// Each day's purchases as (customer, amount in cents), customers in order within a day.
fn simulate(customers: u32, seed: u64) -> Vec<Vec<(u32, u32)>> {
    let (r, alpha_weeks, a, b) = (1.0, 2.8, 0.8, 4.0);
    let (p, q, gamma) = (6.0, 4.0, 15.0);
    let end = DAYS as f64;
    let mut rng = Rng(seed);
    let mut by_day: Vec<Vec<(u32, u32)>> = vec![Vec::new(); DAYS];
    for customer in 0..customers {
        let per_day = rng.gamma(r) / alpha_weeks / 7.0;
        let dropout = rng.beta(a, b);
        let spend_rate = rng.gamma(q) / gamma;
        let amount = |rng: &mut Rng| ((rng.gamma(p) / spend_rate * 100.0).round() as u32).max(1);
        let mut t = rng.uniform() * FIRST_YEAR;
        by_day[t as usize].push((customer, amount(&mut rng)));
        loop {
            t += -rng.uniform().ln() / per_day;
            if t >= end {
                break;
            }
            by_day[t as usize].push((customer, amount(&mut rng)));
            // After a repeat purchase the customer drops out with probability `dropout`.
            if rng.uniform() < dropout {
                break;
            }
        }
    }
    by_day
}

/// The log's days as ISO dates.
fn dates() -> Vec<String> {
    let mut out = Vec::with_capacity(DAYS);
    let (mut year, mut month, mut day) = (2024, 1, 1);
    while out.len() < DAYS {
        out.push(format!("{year:04}-{month:02}-{day:02}"));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let length = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        day += 1;
        if day > length {
            day = 1;
            month += 1;
            if month > 12 {
                month = 1;
                year += 1;
            }
        }
    }
    out
}
