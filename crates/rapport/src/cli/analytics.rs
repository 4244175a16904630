//! `clv`: customer lifetime value from a transaction-log file, without a database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rapport_analytics::TimeUnit;
use rapport_app::clv::{self, ClvRequest, Column, Columns, DateFormat, ModelChoice};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Unit {
    Day,
    Week,
    Month,
}

/// The model names as the literature writes them (`--model bg-nbd`).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Model {
    BgNbd,
    MbgNbd,
    ParetoNbd,
}

#[derive(Debug, Args)]
pub struct ClvArgs {
    /// The transaction log: one purchase per line with a customer id, a date and an amount
    /// (comma, semicolon, tab or whitespace delimited; header line optional).
    #[arg(long)]
    transactions: PathBuf,
    /// Customer id column: a header name or a 1-based position (default: detected).
    #[arg(long)]
    id_col: Option<String>,
    /// Date column: a header name or a 1-based position (default: the first date-shaped field).
    #[arg(long)]
    date_col: Option<String>,
    /// Amount column: a header name or a 1-based position (default: the last field).
    #[arg(long)]
    amount_col: Option<String>,
    /// auto, iso (YYYY-MM-DD), yyyymmdd or dd.mm.yyyy.
    #[arg(long, default_value = "auto")]
    date_format: String,
    /// Last day of the calibration period (default: the log's last day).
    #[arg(long)]
    calibration_end: Option<String>,
    /// Last day of the holdout period; the fit is then checked against it.
    #[arg(long)]
    holdout_end: Option<String>,
    /// Time unit of recency, T, the horizon and the discount rate (week = 7 days, month =
    /// 30.4375 days).
    #[arg(long, value_enum, default_value = "week")]
    time_unit: Unit,
    /// The purchase model.
    #[arg(long, value_enum, default_value = "bg-nbd")]
    model: Model,
    /// CLV and expected purchases over this many time units.
    #[arg(long, default_value_t = 52)]
    horizon: u32,
    /// Discount rate per time unit (0.01 = 1 %).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    discount: f64,
    /// Write one row per customer here: customer_id, frequency, recency, T, monetary_value,
    /// p_alive, expected_purchases, clv.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the seconds each stage took on standard error.
    #[arg(long)]
    timings: bool,
}

pub fn clv(args: ClvArgs) -> anyhow::Result<ExitCode> {
    let date_format = DateFormat::parse(&args.date_format).ok_or_else(|| {
        anyhow::anyhow!(
            "--date-format '{}' is not one of auto, iso, yyyymmdd, dd.mm.yyyy",
            args.date_format
        )
    })?;
    let request = ClvRequest {
        transactions: args.transactions,
        columns: Columns {
            id: args.id_col.as_deref().map(Column::parse),
            date: args.date_col.as_deref().map(Column::parse),
            amount: args.amount_col.as_deref().map(Column::parse),
        },
        date_format,
        calibration_end: args.calibration_end,
        holdout_end: args.holdout_end,
        unit: match args.time_unit {
            Unit::Day => TimeUnit::Day,
            Unit::Week => TimeUnit::Week,
            Unit::Month => TimeUnit::Month,
        },
        model: match args.model {
            Model::BgNbd => ModelChoice::BgNbd,
            Model::MbgNbd => ModelChoice::MbgNbd,
            Model::ParetoNbd => ModelChoice::ParetoNbd,
        },
        horizon: args.horizon,
        discount: args.discount,
    };
    let report = clv::run(&request)?;
    println!("{}", serde_json::to_string_pretty(&report.summary)?);
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    if !report.converged {
        eprintln!("error: the fit did not converge; nothing written");
        return Ok(ExitCode::FAILURE);
    }
    let started = std::time::Instant::now();
    if let Some(out) = &args.out {
        clv::write_customers(out, &report.customers)?;
        eprintln!(
            "wrote {} customers to {}",
            report.customers.len(),
            out.display()
        );
    }
    if args.timings {
        let mut stages = report.timings.clone();
        if args.out.is_some() {
            stages.push(("write the customers", started.elapsed().as_secs_f64()));
        }
        for (stage, seconds) in stages {
            eprintln!("timing: {seconds:8.3} s  {stage}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Score as of the end of this day (default: today).
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `rapport score`: the scoring pipeline over the database, as a new score run.
pub async fn score(db: &str, org: &str, args: ScoreArgs) -> anyhow::Result<ExitCode> {
    use rapport_app::score::{self, Stage};
    let (store, org) = super::open(db, org).await?;
    let now = chrono::Utc::now();
    let as_of = args.as_of.unwrap_or_else(|| now.date_naive());
    let started = std::time::Instant::now();
    let spinner = super::progress::Bar::new("scoring", 0);
    let outcome = score::run(&store, org.id, as_of, now, &|stage| {
        use rapport_app::import::Progress;
        spinner.stage(&match stage {
            Stage::Orders => "reading orders".to_string(),
            Stage::Fit => "fitting BG/NBD and Gamma-Gamma".to_string(),
            Stage::Facts => "reading interactions, surveys, cases, contracts".to_string(),
            Stage::Scores => "scoring customers".to_string(),
            Stage::Write { written, total } => format!("writing scores {written}/{total}"),
        });
    })
    .await;
    spinner.finish();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let run = &outcome.run;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "run_id": run.id.to_string(),
                "as_of": run.as_of.to_string(),
                "customers": run.customers,
                "repeat_customers": run.repeat_customers,
                "currency": run.currency,
                "mean_health": outcome.mean_health,
                "classes": outcome.classes.iter().map(|(c, n)| (c.to_string(), serde_json::json!(n))).collect::<serde_json::Map<_, _>>(),
                "segments": outcome.segments.iter().map(|(c, n)| (c.to_string(), serde_json::json!(n))).collect::<serde_json::Map<_, _>>(),
                "fit": run.fit,
                "winback": {"at_risk": outcome.winback.at_risk, "churned": outcome.winback.churned},
                "notes": outcome.notes,
            }))?
        );
    } else {
        println!(
            "scored {} customers ({} repeat buyers) as of {} in {:.1}s: run {}",
            run.customers,
            run.repeat_customers,
            run.as_of,
            started.elapsed().as_secs_f64(),
            run.id
        );
        println!("mean health {:.1}", outcome.mean_health);
        let classes: Vec<String> = outcome
            .classes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        println!("classes: {}", classes.join(", "));
        let segments: Vec<String> = outcome
            .segments
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        println!("segments: {}", segments.join(", "));
        println!(
            "win-back lists: {} at risk, {} churned (rapport report at-risk, rapport report churned)",
            outcome.winback.at_risk, outcome.winback.churned
        );
        if let Some(p) = run.fit.pointer("/purchase_model/params") {
            println!("BG/NBD {p}");
        }
        for note in &outcome.notes {
            eprintln!("note: {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
