//! Writes the retention benchmark's files: `cargo run --release -p rapport-demo --example
//! bench_contracts -- CUSTOMERS CONTRACTS SEED DIR` (DIR/reasons.csv, DIR/products.csv,
//! DIR/parties.csv and DIR/contracts.csv).

use std::io::Write;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(customers), Some(contracts), Some(seed), Some(dir)) = (
        args.first().and_then(|s| s.parse::<u64>().ok()),
        args.get(1).and_then(|s| s.parse::<u64>().ok()),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: bench_contracts CUSTOMERS CONTRACTS SEED DIR");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let file = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(dir.join(name))?,
        ))
    };
    let mut w = file("reasons.csv")?;
    rapport_demo::write_bench_reasons(&mut w)?;
    w.flush()?;
    let mut w = file("products.csv")?;
    rapport_demo::write_bench_products(&mut w)?;
    w.flush()?;
    let mut w = file("parties.csv")?;
    rapport_demo::write_bench_customers(&mut w, customers, seed)?;
    w.flush()?;
    let mut w = file("contracts.csv")?;
    rapport_demo::write_bench_contracts(&mut w, contracts, customers, seed)?;
    w.flush()
}
