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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Model {
    BgNbd,
    MbgNbd,
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
    if let Some(out) = &args.out {
        clv::write_customers(out, &report.customers)?;
        eprintln!(
            "wrote {} customers to {}",
            report.customers.len(),
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
