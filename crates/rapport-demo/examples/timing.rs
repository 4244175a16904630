//! Times the demo generator and the benchmark writer, and optionally writes the demo files
//! into a directory for a look:
//!
//! ```text
//! cargo run --release -p rapport-demo --example timing -- [customers] [bench_rows] [out_dir]
//! ```

use std::time::Instant;

use chrono::NaiveDate;
use rapport_demo::{DemoConfig, generate, write_bench_orders};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let customers = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let bench_rows = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date");

    let started = Instant::now();
    let company = generate(&DemoConfig {
        customers,
        seed: 42,
        as_of,
    });
    println!("generate({customers} customers): {:?}", started.elapsed());
    for file in &company.files {
        println!(
            "  {:22} {:>9} rows {:>11} bytes",
            file.kind,
            file.rows,
            file.csv.len()
        );
    }
    if let Some(dir) = args.get(3) {
        std::fs::create_dir_all(dir)?;
        for file in &company.files {
            std::fs::write(format!("{dir}/{}.csv", file.kind), &file.csv)?;
        }
    }

    let started = Instant::now();
    let mut sink = std::io::sink();
    write_bench_orders(&mut sink, bench_rows, bench_rows / 10, 42)?;
    println!(
        "write_bench_orders({bench_rows} rows): {:?}",
        started.elapsed()
    );
    Ok(())
}
