//! The data commands: import, export, duplicates, merge, audit.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use rapport_app::import::{
    ColumnRules, Delimiter, ImportKind, ImportOptions, ImportReport, import_file,
};
use rapport_app::merge::{self, DEFAULT_THRESHOLD};
use rapport_domain::Currency;

use super::progress::Bar;
use super::{is_stdout, open};

pub const IMPORT_HELP: &str = "\
Kinds: parties, contacts, interactions, products, orders, contracts, cancellation-reasons,
surveys, cases, tasks. Columns are matched by name, including the column names of HubSpot and
Salesforce exports; see docs/csv-formats.md for every field.

An import is all-or-nothing: if any row is bad, the report lists every bad row (line, column,
value, reason), nothing is written and the exit code is 1. With --skip-invalid the good rows are
imported and the bad ones written, with their reasons, to a reject file.

Importing the same file again changes nothing; a changed row updates its record (only the
columns the file has), and the audit log records what changed.

Orders: one row per order line (order_id, line, customer_id, ordered_at, sku, quantity, amount,
currency, channel), or a bare transaction log (customer, date, amount[, quantity][, sku]) with
or without a header, separated by commas, semicolons, tabs or runs of blanks (detected, or
--delimiter). In a log every transaction becomes an order; unknown customers become parties.

Examples:
  rapport import parties hubspot-contacts.csv --ignore-unknown
  rapport import parties accounts.csv --map 'Kundennr=external_id' --map 'Score=attributes.score'
  rapport import orders CDNOW_master.txt --currency USD
  rapport import contracts contracts.csv --skip-invalid --rejects bad.csv";

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds: parties, contacts, interactions, products, orders, contracts,
    /// cancellation-reasons, surveys, cases or tasks.
    #[arg(value_parser = parse_kind)]
    pub kind: ImportKind,
    /// The CSV file (UTF-8).
    pub file: PathBuf,
    /// Map a column to a field: COLUMN=FIELD (COLUMN by name or 1-based position; FIELD may be
    /// attributes.NAME for parties and contacts, or ignore). Repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = ColumnRules::parse_map)]
    pub maps: Vec<(String, String)>,
    /// Ignore every column no field recognizes (they are listed in the summary).
    #[arg(long)]
    pub ignore_unknown: bool,
    /// Field separator: a character, or tab, comma, semicolon, whitespace (default: detected).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<Delimiter>,
    /// Check everything and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows; write the bad ones with their reasons to the reject file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where --skip-invalid writes rejected rows (default: FILE.rejects.csv).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Currency of amounts when the file has no currency column (ISO 4217).
    #[arg(long, default_value = "EUR", value_parser = parse_currency)]
    pub currency: Currency,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export (same kinds as import).
    #[arg(value_parser = parse_kind)]
    pub kind: ImportKind,
    /// Output file (default: standard output).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    /// List pairs scoring at least this (0..1).
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub min_score: f64,
    /// Merge every pair scoring at least this, keeping the older party.
    #[arg(long)]
    pub merge_threshold: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_kind(s: &str) -> Result<ImportKind, String> {
    ImportKind::parse(s).ok_or_else(|| {
        format!(
            "'{s}' is not a kind; kinds: {}",
            ImportKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    Delimiter::parse(s).ok_or_else(|| {
        format!("'{s}' is not a delimiter (a character, tab, comma, semicolon, whitespace)")
    })
}

fn parse_currency(s: &str) -> Result<Currency, String> {
    Currency::parse(s).map_err(|e| e.0)
}

pub async fn import(db: &str, org: &str, args: ImportArgs) -> anyhow::Result<ExitCode> {
    if !args.file.is_file() {
        bail!("{}: no such file", args.file.display());
    }
    let (store, org) = open(db, org).await?;
    let mut opts = ImportOptions::new(args.kind, chrono::Utc::now());
    opts.columns = ColumnRules {
        maps: args.maps,
        ignore_unknown: args.ignore_unknown,
    };
    opts.delimiter = args.delimiter;
    opts.dry_run = args.dry_run;
    opts.skip_invalid = args.skip_invalid;
    opts.default_currency = args.currency;
    opts.reject_file = Some(args.rejects.unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".rejects.csv");
        PathBuf::from(p)
    }));
    let bytes = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    let bar = Bar::new(args.kind.as_str(), bytes);
    let started = Instant::now();
    let result = import_file(&store, org.id, &args.file, &opts, &bar).await;
    bar.finish();
    let report = result?;
    let secs = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&report, secs))?
        );
    } else {
        print_report(&report, secs);
    }
    if report.committed && matches!(args.kind, ImportKind::Parties | ImportKind::Contacts) {
        let pairs = merge::duplicates(&store, org.id, DEFAULT_THRESHOLD).await?;
        if !pairs.is_empty() {
            eprintln!(
                "{} candidate duplicate parties; see `rapport duplicates`",
                pairs.len()
            );
        }
    }
    store.close().await;
    Ok(if report.invalid_rows > 0 && !args.skip_invalid {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(r: &ImportReport, secs: f64) {
    for e in &r.errors {
        eprintln!("{}: {e}", r.file);
    }
    if r.invalid_rows as usize > r.errors.len() {
        eprintln!(
            "... and {} more bad rows",
            r.invalid_rows as usize - r.errors.len()
        );
    }
    let verb = if r.dry_run {
        "would import"
    } else if r.committed {
        "imported"
    } else {
        "did not import"
    };
    let mut line = format!(
        "{}: {verb} {} rows in {:.1}s ({:.0} rows/s): {} created, {} updated, {} unchanged, {} invalid",
        r.file,
        r.rows,
        secs,
        r.rows as f64 / secs.max(1e-9),
        r.created,
        r.updated,
        r.unchanged,
        r.invalid_rows
    );
    if r.orders_created > 0 || r.parties_created > 0 {
        line.push_str(&format!(
            "; {} orders and {} parties created",
            r.orders_created, r.parties_created
        ));
    }
    println!("{line}");
    if !r.ignored_columns.is_empty() {
        println!("ignored columns: {}", r.ignored_columns.join(", "));
    }
    if let Some(p) = &r.reject_file {
        println!("rejected rows with their reasons: {}", p.display());
    }
    if !r.committed && !r.dry_run && r.invalid_rows > 0 {
        println!(
            "nothing was written; fix the rows above, or use --skip-invalid to import the good ones"
        );
    }
}

fn report_json(r: &ImportReport, secs: f64) -> serde_json::Value {
    serde_json::json!({
        "file": r.file,
        "kind": r.kind.map(|k| k.as_str()),
        "rows": r.rows,
        "created": r.created,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "invalid_rows": r.invalid_rows,
        "orders_created": r.orders_created,
        "parties_created": r.parties_created,
        "dry_run": r.dry_run,
        "committed": r.committed,
        "bulk": r.bulk,
        "seconds": secs,
        "ignored_columns": r.ignored_columns,
        "reject_file": r.reject_file,
        "errors": r.errors.iter().map(|e| serde_json::json!({"line": e.line, "column": e.column, "value": e.value, "reason": e.reason})).collect::<Vec<_>>(),
    })
}

pub async fn export(db: &str, org: &str, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let (store, org) = open(db, org).await?;
    let bar = Bar::new(args.kind.as_str(), 0);
    let rows = if is_stdout(&args.out) {
        let stdout = std::io::stdout();
        let mut lock = std::io::BufWriter::new(stdout.lock());
        let rows = rapport_app::export::export(&store, org.id, args.kind, &mut lock, &bar).await?;
        lock.flush()?;
        rows
    } else {
        let path = args.out.clone().unwrap_or_default();
        let tmp = path.with_extension("partial");
        let file =
            std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        let rows = rapport_app::export::export(&store, org.id, args.kind, &mut w, &bar).await?;
        w.flush()?;
        drop(w);
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        rows
    };
    bar.finish();
    if !is_stdout(&args.out) {
        println!(
            "exported {rows} {} rows to {}",
            args.kind,
            args.out.unwrap_or_default().display()
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn duplicates(db: &str, org: &str, args: DuplicatesArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.min_score)
        || args
            .merge_threshold
            .is_some_and(|t| !(0.0..=1.0).contains(&t))
    {
        bail!("scores lie between 0 and 1");
    }
    let (store, org) = open(db, org).await?;
    let pairs = merge::duplicates(&store, org.id, args.min_score).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&pairs)?);
    } else {
        for p in &pairs {
            println!(
                "{:.2}  {} ({}) <-> {} ({}): {}",
                p.score,
                p.a.external_id.as_deref().unwrap_or("-"),
                p.a.name,
                p.b.external_id.as_deref().unwrap_or("-"),
                p.b.name,
                p.reasons.join("; ")
            );
        }
        println!(
            "{} candidate pairs with a score of at least {:.2}",
            pairs.len(),
            args.min_score
        );
    }
    if let Some(threshold) = args.merge_threshold {
        let mut merged = 0;
        let mut gone = std::collections::HashSet::new();
        for p in pairs.iter().filter(|p| p.score >= threshold) {
            // The older party (smaller UUIDv7) is kept.
            let (keep, other) = if p.a.id < p.b.id {
                (&p.a, &p.b)
            } else {
                (&p.b, &p.a)
            };
            if gone.contains(&keep.id) || gone.contains(&other.id) {
                continue;
            }
            merge::merge(
                &store,
                org.id,
                &keep.id.to_string(),
                &other.id.to_string(),
                None,
                "cli",
                chrono::Utc::now(),
            )
            .await?;
            gone.insert(other.id);
            merged += 1;
        }
        println!("merged {merged} pairs scoring at least {threshold:.2}");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn merge(db: &str, org: &str, keep: &str, other: &str) -> anyhow::Result<ExitCode> {
    let (store, org) = open(db, org).await?;
    let report = merge::merge(&store, org.id, keep, other, None, "cli", chrono::Utc::now()).await?;
    let moved: u64 = report.moved.iter().map(|(_, n)| n).sum();
    println!(
        "merged {} into {}: {moved} records moved{}; {} is now an alias of {}",
        report.merged,
        report.kept,
        if report.filled.is_empty() {
            String::new()
        } else {
            format!(", filled {}", report.filled.join(", "))
        },
        report.merged,
        report.kept
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(
    db: &str,
    org: &str,
    entity: Option<&str>,
    limit: i64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (store, org) = open(db, org).await?;
    let mut tx = store.begin(org.id).await?;
    let entries = tx.list_audit(entity, limit.clamp(1, 100_000)).await?;
    tx.rollback().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        for e in &entries {
            println!(
                "{}  {:<6} {:<8} {:<16} {:<20} {}",
                rapport_domain::dates::format_timestamp(&e.at),
                e.source,
                e.action,
                e.entity,
                e.entity_id.as_deref().unwrap_or("-"),
                e.after.as_ref().map(|a| a.to_string()).unwrap_or_default()
            );
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
