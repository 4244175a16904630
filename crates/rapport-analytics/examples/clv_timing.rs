//! Informal timing of the analytics pipeline on a million synthetic customers: RFM summary,
//! BG/NBD and Pareto/NBD fits, P(alive) and 52-week CLV. Not a benchmark with assertions:
//! it prints wall-clock times of one run (see BENCHMARKS.md for how figures are reported).
//!
//! ```sh
//! cargo run --release -p rapport-analytics --example clv_timing [CUSTOMERS]
//! ```
//!
//! The log is simulated from the BG/NBD with the published CDNOW estimates (Fader, Hardie &
//! Lee 2005) in days: first purchases spread over two years, calibration ending with the second
//! year, weekly time unit. A fixed-seed SplitMix64 generator makes every run identical.

use std::time::Instant;

use rapport_analytics::optimize::OptimizeOptions;
use rapport_analytics::*;

#[path = "common/splitmix.rs"]
mod splitmix;

use splitmix::Rng;

fn simulate(customers: u64) -> (Vec<Transaction>, RfmOptions) {
    let (r, alpha, a, b) = (0.243, 4.414, 0.793, 2.426);
    let end = 729; // calibration end: day 729 of two years of first purchases
    let mut rng = Rng(20_240_601);
    let mut log = Vec::new();
    for customer in 0..customers {
        let per_day = rng.gamma(r) / alpha / 7.0;
        let p = rng.beta(a, b);
        let first = (rng.uniform() * 730.0) as i64;
        log.push(Transaction {
            customer,
            day: first,
            amount: 10.0 + (customer % 37) as f64,
        });
        let mut t = first as f64;
        loop {
            t += -rng.uniform().ln() / per_day;
            if t > end as f64 + 1.0 {
                break;
            }
            log.push(Transaction {
                customer,
                day: t as i64,
                amount: 5.0 + 40.0 * rng.uniform(),
            });
            if rng.uniform() < p {
                break;
            }
        }
    }
    let options = RfmOptions {
        calibration_end: end,
        holdout_end: None,
        unit: TimeUnit::Week,
    };
    (log, options)
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn main() {
    let customers = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let (log, options) = simulate(customers);
    let start = Instant::now();
    let summary = summarize(&log, &options).expect("the simulated log is valid");
    let data = summary.compressed();
    println!(
        "{} transactions, {} customers, {} distinct triples: summary {:.3} s",
        log.len(),
        summary.customers.len(),
        data.len(),
        seconds(start)
    );
    let mut pairs: Vec<(u32, u64)> = data
        .rows()
        .iter()
        .map(|(h, _)| (h.x(), h.t_cal().to_bits()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    println!("{} distinct (x, T) pairs", pairs.len());

    let start = Instant::now();
    let fitted = BgNbd::fit(BgVariant::BgNbd, &data, &OptimizeOptions::default()).unwrap();
    println!(
        "BG/NBD fit {:.3} s: {:?}, LL {:.1}",
        seconds(start),
        fitted.fit.params,
        fitted.fit.log_likelihood
    );
    let model = fitted.model;
    let clv_options = ClvOptions {
        horizon: 52,
        discount_rate: 0.1 / 52.0,
    };

    let start = Instant::now();
    let alive: f64 = data
        .rows()
        .iter()
        .map(|(h, n)| model.p_alive(h).unwrap() * *n as f64)
        .sum();
    println!(
        "P(alive) of every triple {:.3} s (sum {alive:.1})",
        seconds(start)
    );

    let start = Instant::now();
    let per_row: Vec<f64> = data
        .rows()
        .iter()
        .map(|(h, _)| discounted_expected_purchases(&model, h, &clv_options).unwrap())
        .collect();
    let per_row_seconds = seconds(start);
    let total: f64 = per_row
        .iter()
        .zip(data.rows())
        .map(|(v, (_, n))| v * *n as f64)
        .sum();
    println!("52-week CLV, one triple at a time: {per_row_seconds:.3} s (total {total:.6})");

    // The machine is shared: the best of five runs.
    let mut all = Vec::new();
    let mut all_seconds = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        all = discounted_expected_purchases_all(&model, &data, &clv_options).unwrap();
        all_seconds = all_seconds.min(seconds(start));
    }
    let worst = all
        .iter()
        .zip(&per_row)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1e-300))
        .fold(0.0, f64::max);
    println!(
        "52-week CLV over the compressed summary: {all_seconds:.3} s, best of 5 (largest \
         relative difference from one at a time {worst:.1e})"
    );

    let start = Instant::now();
    let pareto = ParetoNbd::fit(&data, &OptimizeOptions::default()).unwrap();
    println!(
        "Pareto/NBD fit {:.3} s: {:?}, LL {:.1}",
        seconds(start),
        pareto.fit.params,
        pareto.fit.log_likelihood
    );
    let start = Instant::now();
    let all = discounted_expected_purchases_all(&pareto.model, &data, &clv_options).unwrap();
    println!(
        "Pareto/NBD 52-week CLV over the compressed summary: {:.3} s (total {:.1})",
        seconds(start),
        all.iter()
            .zip(data.rows())
            .map(|(v, (_, n))| v * *n as f64)
            .sum::<f64>()
    );
}
