//! Writes the import benchmark's order-line CSV: `cargo run --release -p rapport-demo
//! --example bench_orders -- ROWS CUSTOMERS SEED OUT.csv`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(rows), Some(customers), Some(seed), Some(out)) = (
        args.first().and_then(|s| s.parse::<u64>().ok()),
        args.get(1).and_then(|s| s.parse::<u64>().ok()),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: bench_orders ROWS CUSTOMERS SEED OUT.csv");
        std::process::exit(2);
    };
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    rapport_demo::write_bench_orders(&mut w, rows, customers, seed)?;
    w.flush()
}
