//! Writes the API benchmark's parties and interactions: `cargo run --release -p rapport-demo
//! --example bench_touchpoints -- PARTIES INTERACTIONS SEED DIR` (DIR/parties.csv and
//! DIR/interactions.csv).

use std::io::Write;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(parties), Some(interactions), Some(seed), Some(dir)) = (
        args.first().and_then(|s| s.parse::<u64>().ok()),
        args.get(1).and_then(|s| s.parse::<u64>().ok()),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: bench_touchpoints PARTIES INTERACTIONS SEED DIR");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let file = |name: &str| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(dir.join(name))?,
        ))
    };
    let mut w = file("parties.csv")?;
    rapport_demo::write_bench_parties(&mut w, parties, seed)?;
    w.flush()?;
    let mut w = file("interactions.csv")?;
    rapport_demo::write_bench_interactions(&mut w, interactions, parties, seed)?;
    w.flush()
}
