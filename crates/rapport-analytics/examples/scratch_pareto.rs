use rapport_analytics::*;
fn main() {
    let m = BgNbd::new(BgVariant::BgNbd, BgParams::new(0.246, 4.648, 0.7798, 2.4129).unwrap());
    let opts = ClvOptions { horizon: 52, discount_rate: 0.1 / 52.0 };
    for t_cal in [0.5, 5.0, 20.0, 50.0, 100.0] {
        for x in [0u32, 1, 3] {
            let start = std::time::Instant::now();
            let mut acc = 0.0;
            for _ in 0..2000 { acc += m.discounted_purchases_if_alive(x, t_cal, &opts).unwrap(); }
            println!("T {t_cal} x {x}: {:.0} ns per window ({acc:.3})", start.elapsed().as_nanos() as f64 / 2000.0 / 52.0);
        }
    }
    let start = std::time::Instant::now();
    let mut acc = 0.0;
    for i in 0..1_000_000 { let s = 0.5 + (i % 100) as f64 * 0.01; acc += s.ln_1p() + (-0.22 * s).exp_m1(); }
    println!("ln1p+expm1: {:.1} ns ({acc})", start.elapsed().as_nanos() as f64 / 1e6);
}
