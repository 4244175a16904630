//! `rapport demo`: generate the demo company and print what was made.

use std::process::ExitCode;

use clap::Args;
use rapport_app::demo::{DemoError, generate};
use rapport_app::import::Progress;

use super::open;
use super::progress::Bar;
use super::serve::{ServeArgs, resolve, serve};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many customers.
    #[arg(long, default_value_t = 5_000)]
    pub customers: usize,
    /// Seed: the same seed (and --as-of) gives the same company.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The demo's "today" (YYYY-MM-DD); default: today.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Only generate; do not serve.
    #[arg(long)]
    pub no_serve: bool,
    /// Do not score the company after generating it (the portfolio, insights and win-back
    /// lists then wait for `rapport score`).
    #[arg(long)]
    pub no_score: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    rapport_domain::parse_date(s).map_err(|e| e.0)
}

pub async fn run(db: &str, org: &str, args: DemoArgs) -> anyhow::Result<ExitCode> {
    if args.customers == 0 || args.customers > 2_000_000 {
        anyhow::bail!("--customers must lie between 1 and 2,000,000");
    }
    let (store, org) = open(db, org).await?;
    let now = chrono::Utc::now();
    let as_of = args.as_of.unwrap_or_else(|| now.date_naive());
    let started = std::time::Instant::now();
    let bars = |label: &str| -> Box<dyn Progress> { Box::new(Bar::new(label, 0)) };
    let summary = match generate(&store, org.id, args.customers, args.seed, as_of, now, &bars).await
    {
        Ok(s) => Some(s),
        Err(DemoError::NotEmpty) => {
            println!(
                "org '{}' in {} holds data already; the demo company is only generated into an empty org (try --org demo2 or another --db)",
                org.name,
                rapport_store::redact(db)
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    let mut login = None;
    if let Some(summary) = &summary {
        println!(
            "demo company \"{}\" (seed {}, as of {as_of}) generated into org '{}' of {} in {:.1}s:",
            summary.company,
            args.seed,
            org.name,
            rapport_store::redact(db),
            started.elapsed().as_secs_f64()
        );
        for r in &summary.reports {
            let extra = if r.orders_created > 0 {
                format!(" ({} orders)", r.orders_created)
            } else {
                String::new()
            };
            println!(
                "  {:<22} {:>8} rows{extra}",
                r.kind.map(|k| k.as_str()).unwrap_or("?"),
                r.created
            );
        }
        if !args.no_score {
            let scored = std::time::Instant::now();
            match rapport_app::score::run(&store, org.id, as_of, now, &|_| {}).await {
                Ok(o) => println!(
                    "  scored {} customers in {:.1}s: {} at risk, {} churned on the win-back lists",
                    o.run.customers,
                    scored.elapsed().as_secs_f64(),
                    o.winback.at_risk,
                    o.winback.churned
                ),
                Err(e) => eprintln!("note: the demo company was not scored: {e}"),
            }
        }
        println!("users (passwords shown once):");
        for (email, role, password) in &summary.users {
            println!("  {email:<45} {role:<22} {password}");
        }
        login = summary
            .users
            .iter()
            .find(|(_, role, _)| role == "admin")
            .map(|(email, _, password)| format!("Sign in as {email} with password {password}"));
    }
    if args.no_serve {
        println!(
            "next: rapport serve, rapport export parties --out parties.csv, rapport duplicates"
        );
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let resolved = resolve(&args.serve)?;
    let banner = login.unwrap_or_else(|| {
        "Sign in with a password printed when the demo was generated, or set a new one with `rapport user reset-password EMAIL`".to_string()
    });
    serve(
        store,
        org.id,
        &rapport_store::redact(db),
        resolved,
        Some(banner),
    )
    .await
}
