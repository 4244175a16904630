//! Importing CSV files into the register: streaming, all-or-nothing by default, idempotent by
//! external id, with a report that names every bad row (line, column, value, reason).
//!
//! The flow: [`source`] reads records one at a time, [`header`] maps columns to fields,
//! [`records`] parses each record into a pending row, [`write`] resolves references and
//! decides insert / update / unchanged in batches inside one transaction. Orders take their own
//! path ([`orders`]) because they arrive as order lines, in volumes where every lookup counts.
//! The transaction commits only when nothing was wrong (or `--skip-invalid` was given), so a
//! failed or killed import leaves the database as it was.

pub mod header;
mod ids;
pub mod kinds;
pub(crate) mod orders;
pub(crate) mod parse;
pub mod records;
pub mod source;
pub(crate) mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, AuditId, Currency, OrgId, UserId};
use rapport_store::{Store, StoreError, Tx};
use uuid::Uuid;

pub use header::{ColumnRules, Mapping};
pub use kinds::ImportKind;
pub use source::Delimiter;
pub(crate) use write::diff as diff_rows;
pub(crate) use write::product_lookup as product_ids;

use parse::{ParseCtx, Pending, RowView};
use source::{Record, RecordSource};

/// Rows per write batch: large enough to amortize lookups, small enough to keep memory flat.
pub(crate) const BATCH: usize = 20_000;
/// Bad rows kept in the report; more are counted (and all go to the reject file).
const MAX_REPORTED_ERRORS: usize = 10_000;

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub columns: ColumnRules,
    pub delimiter: Option<Delimiter>,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Import the good rows; write the bad ones with their reasons to `reject_file`.
    pub skip_invalid: bool,
    pub reject_file: Option<PathBuf>,
    /// Currency for amounts in files without a currency column.
    pub default_currency: Currency,
    /// Who runs the import (for the audit log); `None` for the system.
    pub user: Option<UserId>,
    /// `cli`, `api`, `demo` ...
    pub source: String,
    pub now: DateTime<Utc>,
}

impl ImportOptions {
    pub fn new(kind: ImportKind, now: DateTime<Utc>) -> Self {
        ImportOptions {
            kind,
            columns: ColumnRules::default(),
            delimiter: None,
            dry_run: false,
            skip_invalid: false,
            reject_file: None,
            default_currency: Currency::EUR,
            user: None,
            source: "cli".to_string(),
            now,
        }
    }
}

/// Something wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value '{v}'")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A problem with the file as a whole: nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error(
        "{file}: line {line}, column {column}: not UTF-8 (byte 0x{byte:02x}); save the file as UTF-8 and try again"
    )]
    NotUtf8 {
        file: String,
        line: u64,
        column: usize,
        byte: u8,
    },
    #[error("{file}: line {line}: malformed CSV: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Columns { file: String, message: String },
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub kind: Option<ImportKind>,
    pub file: String,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Parties created on the way (customers of orders).
    pub parties_created: u64,
    /// Orders created (order imports; `created` counts their lines).
    pub orders_created: u64,
    /// Rows with errors (all of them, though only the first ones are kept in `errors`).
    pub invalid_rows: u64,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    pub dry_run: bool,
    /// Whether anything was written.
    pub committed: bool,
    pub reject_file: Option<PathBuf>,
    /// Whether the bulk path (indexes rebuilt after loading) was used.
    pub bulk: bool,
}

impl ImportReport {
    fn add_errors(&mut self, errors: Vec<RowError>) {
        if errors.is_empty() {
            return;
        }
        self.invalid_rows += 1;
        for e in errors {
            if self.errors.len() < MAX_REPORTED_ERRORS {
                self.errors.push(e);
            }
        }
    }
}

/// Receives progress: rows handled and bytes of the file read so far.
pub trait Progress: Sync {
    fn advance(&self, rows: u64, bytes: u64);

    /// A step after the rows are read that takes a while (building indexes after a bulk load),
    /// so the person watching knows what the import is doing.
    fn stage(&self, _what: &str) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _: u64, _: u64) {}
}

/// Imports `path` into `org`.
pub async fn import_file(
    store: &Store,
    org: OrgId,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let mut source = RecordSource::open(path, opts.delimiter)?;
    let file = source.path().to_string();
    let Some(first) = source.next_record() else {
        return Err(ImportError::File {
            file,
            message: "the file is empty".into(),
        });
    };
    let first = first?;
    if opts.kind == ImportKind::Orders {
        return orders::import(store, org, source, first, opts, progress).await;
    }
    let mapping = header::map_header(&file, opts.kind, &first.fields, &opts.columns)?;
    let mut report = ImportReport {
        kind: Some(opts.kind),
        file: file.clone(),
        dry_run: opts.dry_run,
        ignored_columns: mapping.ignored.clone(),
        ..ImportReport::default()
    };
    let mut rejects = RejectWriter::new(opts, &first.fields);
    let mut tx = store.begin(org).await?;
    let withdrawal = if opts.kind == ImportKind::Contracts {
        Some(std::sync::Arc::new(
            crate::retention::rules::deadline_rules(&mut tx).await?,
        ))
    } else {
        None
    };
    let ctx = ParseCtx {
        now: opts.now,
        default_currency: opts.default_currency,
        withdrawal,
    };
    let mut writer = write::Writer::new(opts, &mut tx).await?;
    // The file's natural keys seen so far, as 128-bit fingerprints with their line (about 40
    // bytes a record, whatever the length of the ids).
    let mut seen: HashMap<u128, u64> = HashMap::new();
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    loop {
        let rec = match source.next_record() {
            None => break,
            Some(Err(e)) => return Err(e),
            Some(Ok(rec)) => rec,
        };
        report.rows += 1;
        let mut errors = Vec::new();
        let pending = check_width(&rec, &mapping).and_then(|_| {
            let mut view = RowView::new(opts.kind, &rec, &mapping);
            let p = parse_one(opts.kind, &mut view, &ctx);
            errors = view.errors;
            p
        });
        if pending.is_none() && errors.is_empty() {
            errors.push(width_error(&rec, &mapping));
        }
        match pending {
            Some(p) => {
                let fp = ids::fingerprint(&p.key);
                if let Some(first_line) = seen.get(&fp) {
                    let e = RowError {
                        line: p.line,
                        column: Some(natural_key_field(opts.kind).to_string()),
                        value: Some(p.key.clone()),
                        reason: format!("appears twice in the file (first on line {first_line})"),
                    };
                    rejects.write(&p.raw, std::slice::from_ref(&e));
                    report.add_errors(vec![e]);
                } else {
                    seen.insert(fp, p.line);
                    batch.push(p);
                }
            }
            None => {
                rejects.write(&rec.fields, &errors);
                report.add_errors(errors);
            }
        }
        if batch.len() >= BATCH {
            flush(&mut writer, &mut tx, &mut batch, &mut report, &mut rejects).await?;
            progress.advance(report.rows, source.position());
        }
    }
    flush(&mut writer, &mut tx, &mut batch, &mut report, &mut rejects).await?;
    progress.advance(report.rows, source.bytes_total);
    rejects.finish(&mut report)?;
    finish(tx, opts, &mut report, writer.audit).await?;
    if report.committed && report.created + report.updated >= MAINTAIN_AFTER {
        let table = write::table_of(opts.kind);
        store
            .maintain(&[table, &rapport_store::schema::AUDIT_LOG])
            .await?;
    }
    // Contracts decide who churned: the win-back lists follow an import of them.
    if opts.kind == ImportKind::Contracts && report.committed && report.created + report.updated > 0
    {
        crate::retention::lists::refresh(store, org, opts.now).await?;
    }
    Ok(report)
}

async fn flush(
    writer: &mut write::Writer,
    tx: &mut Tx,
    batch: &mut Vec<Pending>,
    report: &mut ImportReport,
    rejects: &mut RejectWriter,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let rows = std::mem::take(batch);
    let outcome = writer.write_batch(tx, rows).await?;
    // Audit entries go in with their batch (same transaction), so memory stays flat.
    let entries = std::mem::take(&mut writer.audit);
    for chunk in entries.chunks(BATCH) {
        tx.audit(chunk).await?;
    }
    report.created += outcome.created;
    report.updated += outcome.updated;
    report.unchanged += outcome.unchanged;
    for (raw, errors) in outcome.rejected {
        rejects.write(&raw, &errors);
        report.add_errors(errors);
    }
    Ok(())
}

/// Commits when the import is clean (or bad rows may be skipped) and this is no dry run, with
/// the audit entries; rolls back otherwise.
pub(crate) async fn finish(
    tx: Tx,
    opts: &ImportOptions,
    report: &mut ImportReport,
    mut audit: Vec<AuditEntry>,
) -> Result<(), ImportError> {
    let clean = report.invalid_rows == 0 || opts.skip_invalid;
    if opts.dry_run || !clean {
        tx.rollback().await?;
        report.committed = false;
        return Ok(());
    }
    let mut tx = tx;
    audit.push(AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: opts.now,
        user: opts.user,
        source: opts.source.clone(),
        entity: opts.kind.as_str().to_string(),
        entity_id: None,
        action: "import".to_string(),
        before: None,
        after: Some(serde_json::json!({
            "file": report.file,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "parties_created": report.parties_created,
            "orders_created": report.orders_created,
            "invalid_rows": report.invalid_rows,
        })),
    });
    for chunk in audit.chunks(BATCH) {
        tx.audit(chunk).await?;
    }
    tx.commit().await?;
    report.committed = true;
    Ok(())
}

/// Rows written by one import from which the tables get fresh statistics afterwards.
const MAINTAIN_AFTER: u64 = 50_000;

pub(crate) fn parse_one(kind: ImportKind, view: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    match kind {
        ImportKind::Parties => records::party(view, ctx),
        ImportKind::Contacts => records::contact(view, ctx),
        ImportKind::Interactions => records::interaction(view, ctx),
        ImportKind::Products => records::product(view, ctx),
        ImportKind::Contracts => records::contract(view, ctx),
        ImportKind::CancellationReasons => records::reason(view, ctx),
        ImportKind::Surveys => records::survey(view, ctx),
        ImportKind::Cases => records::case(view, ctx),
        ImportKind::Tasks => records::task(view, ctx),
        ImportKind::Orders => None,
    }
}

pub(crate) fn natural_key_field(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Products => "sku",
        ImportKind::CancellationReasons => "code",
        ImportKind::Orders => "order_id",
        _ => "external_id",
    }
}

fn check_width(rec: &Record, mapping: &Mapping) -> Option<()> {
    if rec.fields.len() == mapping.header.len() {
        Some(())
    } else {
        None
    }
}

/// The error of a record whose field count differs from the header's.
pub(crate) fn width_error(rec: &Record, mapping: &Mapping) -> RowError {
    RowError {
        line: rec.line,
        column: None,
        value: None,
        reason: format!(
            "has {} fields, the header has {}",
            rec.fields.len(),
            mapping.header.len()
        ),
    }
}

/// Writes rejected rows, with their reasons in an extra last column, when asked to.
pub(crate) struct RejectWriter {
    writer: Option<csv::Writer<std::fs::File>>,
    path: Option<PathBuf>,
    error: Option<String>,
}

impl RejectWriter {
    pub(crate) fn new(opts: &ImportOptions, header: &[String]) -> Self {
        let Some(path) = opts.reject_file.clone().filter(|_| opts.skip_invalid) else {
            return RejectWriter {
                writer: None,
                path: None,
                error: None,
            };
        };
        match csv::Writer::from_path(&path) {
            Ok(mut w) => {
                let mut h: Vec<String> = header.to_vec();
                h.push("rapport_errors".into());
                let error = w.write_record(&h).err().map(|e| e.to_string());
                RejectWriter {
                    writer: Some(w),
                    path: Some(path),
                    error,
                }
            }
            Err(e) => RejectWriter {
                writer: None,
                path: Some(path),
                error: Some(e.to_string()),
            },
        }
    }

    pub(crate) fn write(&mut self, raw: &[String], errors: &[RowError]) {
        if let Some(w) = &mut self.writer {
            let reasons = errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            let mut rec: Vec<&str> = raw.iter().map(String::as_str).collect();
            rec.push(&reasons);
            if let Err(e) = w.write_record(&rec) {
                self.error.get_or_insert(e.to_string());
            }
        }
    }

    pub(crate) fn finish(mut self, report: &mut ImportReport) -> Result<(), ImportError> {
        if let Some(w) = &mut self.writer
            && let Err(e) = w.flush()
        {
            self.error.get_or_insert(e.to_string());
        }
        if let (Some(path), Some(error)) = (&self.path, self.error) {
            return Err(ImportError::File {
                file: path.display().to_string(),
                message: format!("cannot write rejects: {error}"),
            });
        }
        if report.invalid_rows > 0 {
            report.reject_file = self.path;
        }
        Ok(())
    }
}
