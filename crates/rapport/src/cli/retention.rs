//! `rapport report top-cancellation-reasons | remorse | call-today`: the retention reports, as
//! text tables or JSON.

use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::Args;
use rapport_app::records::RecordError;
use rapport_app::retention::{self, Ended, RemorseQuery, TopQuery, call_list_json, lists, text};
use rapport_store::{Tx, WinbackQuery};

use super::report::owner_id;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// The period's first day.
    #[arg(long)]
    from: NaiveDate,
    /// The period's last day (included).
    #[arg(long)]
    to: NaiveDate,
    /// Count cancellations, withdrawals, or all.
    #[arg(long, default_value = "all", value_parser = ["all", "cancellations", "withdrawals"])]
    ended: String,
    /// Only contracts of this product (SKU).
    #[arg(long)]
    product: Option<String>,
    /// Only contracts of products in this category.
    #[arg(long)]
    category: Option<String>,
    /// Only customers who came through this acquisition channel.
    #[arg(long)]
    channel: Option<String>,
    /// Only customers in this RFM segment of the latest score run.
    #[arg(long)]
    segment: Option<String>,
    /// Only the customers of this relationship manager (e-mail).
    #[arg(long)]
    owner: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RemorseArgs {
    /// The first signing day.
    #[arg(long)]
    from: NaiveDate,
    /// The last signing day (included).
    #[arg(long)]
    to: NaiveDate,
    /// Only contracts of this product (SKU).
    #[arg(long)]
    product: Option<String>,
    /// Judge the withdrawal periods as at the start of this day (default: now).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// Only the customers of this relationship manager (e-mail).
    #[arg(long)]
    owner: Option<String>,
    /// As at the start of this day (default: now).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// How many contracts at most.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the customers of this relationship manager (e-mail).
    #[arg(long)]
    owner: Option<String>,
    /// Only customers with this reason: a signal (p_alive_low, health_drop,
    /// purchase_rate_falling, open_complaints, contract_ending, detractor, cancelled,
    /// withdrawn, dormant) or a cancellation-reason code.
    #[arg(long)]
    reason: Option<String>,
    /// Only customers whose value at stake (or lost) is at least this.
    #[arg(long)]
    min_value: Option<f64>,
    /// How many customers at most.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Rebuild the lists from the database first (they are rebuilt after every score run and
    /// contract import).
    #[arg(long)]
    refresh: bool,
    /// Also write the list (up to --limit customers) to this CSV file.
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn at(day: Option<NaiveDate>) -> DateTime<Utc> {
    day.map_or_else(Utc::now, |d| d.and_time(NaiveTime::MIN).and_utc())
}

/// Prints `out`, ending with a newline.
fn print(out: String) -> ExitCode {
    print!("{out}");
    if !out.ends_with('\n') {
        println!();
    }
    ExitCode::SUCCESS
}

/// Says what was wrong with the flags (exit code 2), or passes a store failure on.
fn refused(e: RecordError) -> anyhow::Result<ExitCode> {
    match e {
        RecordError::Invalid(errors) => {
            for e in errors {
                let flag = e.column.as_deref().unwrap_or("input");
                match e.value {
                    Some(v) => eprintln!("error: --{flag} {v}: {}", e.reason),
                    None => eprintln!("error: --{flag}: {}", e.reason),
                }
            }
            Ok(ExitCode::from(2))
        }
        other => Err(other.into()),
    }
}

pub async fn top(mut tx: Tx, args: TopArgs) -> anyhow::Result<ExitCode> {
    let Ok(owner) = owner_id(&mut tx, args.owner.as_deref()).await? else {
        return Ok(ExitCode::from(2));
    };
    let q = TopQuery {
        from: args.from,
        to: args.to,
        ended: Ended::parse(&args.ended).unwrap_or_default(),
        product: args.product,
        category: args.category,
        channel: args.channel,
        segment: args.segment,
        owner,
    };
    let found = retention::top_reasons(&mut tx, &q).await;
    tx.rollback().await?;
    match found {
        Ok(t) if args.json => Ok(print(serde_json::to_string_pretty(&t.to_json("en"))?)),
        Ok(t) => Ok(print(text::top_text(&t))),
        Err(e) => refused(e),
    }
}

pub async fn remorse(mut tx: Tx, args: RemorseArgs) -> anyhow::Result<ExitCode> {
    let q = RemorseQuery {
        from: args.from,
        to: args.to,
        product: args.product,
        now: at(args.as_of),
    };
    let found = retention::remorse(&mut tx, &q).await;
    tx.rollback().await?;
    match found {
        Ok(r) if args.json => Ok(print(serde_json::to_string_pretty(&r.to_json())?)),
        Ok(r) => Ok(print(text::remorse_text(&r))),
        Err(e) => refused(e),
    }
}

pub async fn call_today(mut tx: Tx, args: CallArgs) -> anyhow::Result<ExitCode> {
    let Ok(owner) = owner_id(&mut tx, args.owner.as_deref()).await? else {
        return Ok(ExitCode::from(2));
    };
    let limit = args.limit.clamp(1, 100_000);
    let found = retention::call_today(&mut tx, at(args.as_of), owner, 0, limit).await;
    tx.rollback().await?;
    match found {
        Ok(rows) if args.json => Ok(print(serde_json::to_string_pretty(&call_list_json(
            &rows, 0,
        ))?)),
        Ok(rows) => Ok(print(text::call_list_text(&rows))),
        Err(e) => refused(e),
    }
}

pub async fn list(
    store: &rapport_store::Store,
    org: rapport_domain::OrgId,
    mut tx: Tx,
    list: &str,
    args: ListArgs,
) -> anyhow::Result<ExitCode> {
    let Ok(owner) = owner_id(&mut tx, args.owner.as_deref()).await? else {
        return Ok(ExitCode::from(2));
    };
    if args.min_value.is_some_and(|v| !v.is_finite()) {
        eprintln!("error: --min-value must be a number");
        return Ok(ExitCode::from(2));
    }
    tx.rollback().await?;
    if args.refresh {
        lists::refresh(store, org, Utc::now()).await?;
    }
    let q = WinbackQuery {
        list: list.to_string(),
        owner,
        reason: args.reason,
        min_value: args.min_value,
        search: None,
        offset: 0,
        limit: args.limit.clamp(1, 1_000_000),
    };
    let mut tx = store.begin_read(org).await?;
    let page = lists::list(&mut tx, q).await;
    tx.rollback().await?;
    let page = page?;
    if let Some(path) = &args.csv {
        std::fs::write(path, page.to_csv())
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    }
    if args.json {
        return Ok(print(serde_json::to_string_pretty(&page.to_json())?));
    }
    Ok(print(text::list_text(&page)))
}
