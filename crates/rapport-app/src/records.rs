//! Single records of every kind for the API and the web UI: read, list, create, change, upsert
//! in bulk and delete, under the same rules as imports (the same parsing of every field, the
//! same resolution of references, the same audit entries), plus the permission checks that
//! depend on whose party a record concerns.
//!
//! A record travels as the fields of its kind (`ImportKind::fields`): the names a CSV header
//! carries, the values as text. The web layer turns JSON or form input into those fields and
//! back.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rapport_domain::access::{Action, Actor, Touchpoint, allows};
use rapport_domain::{AuditEntry, AuditId, Currency, OrgId, UserId};
use rapport_store::schema::{
    CANCELLATION_REASONS, CASES, CONTRACTS, INTERACTIONS, ORDER_LINES, ORDERS, PARTIES,
    PARTY_ALIASES, PARTY_LINKS, PRODUCTS, SURVEY_RESPONSES, TASKS,
};
use rapport_store::{Filter, ListQuery, Row, Store, StoreError, Table, Tx, Value};
use uuid::Uuid;

use crate::export::{render, stored_as};
use crate::import::parse::{ParseCtx, Pending, RowView};
use crate::import::source::Record;
use crate::import::write::{Writer, user_lookup};
use crate::import::{
    ColumnRules, ImportError, ImportKind, ImportOptions, RowError, header, natural_key_field,
    parse_one,
};

/// At most this many records per bulk call.
pub const MAX_BULK: usize = 1_000;

/// Why a value holding the character U+0000 is refused (PostgreSQL cannot store it in text).
pub const NUL_REASON: &str = "may not contain the character U+0000";

/// What a write may find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only new records: an existing key is a conflict.
    Create,
    /// New or existing records alike.
    Upsert,
}

/// Why a record operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Field-level problems; `line` is the 1-based position of the record in the request.
    #[error("{} problem(s) with the input", .0.len())]
    Invalid(Vec<RowError>),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<ImportError> for RecordError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => RecordError::Store(s),
            other => RecordError::Invalid(vec![RowError {
                line: 0,
                column: None,
                value: None,
                reason: other.to_string(),
            }]),
        }
    }
}

/// Who writes, from where, when.
#[derive(Debug, Clone)]
pub struct Writing {
    /// `None` for the system (the command line runs with full rights).
    pub actor: Option<Actor>,
    /// `api`, `ui`, `cli` …
    pub source: String,
    pub now: DateTime<Utc>,
}

/// A stored record: its id and its fields in the kind's order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: Uuid,
    pub fields: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a write came to, with the natural key of every record in request order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub keys: Vec<String>,
}

/// The kinds written one record at a time here (orders arrive as lines through the import).
pub fn writable(kind: ImportKind) -> bool {
    kind != ImportKind::Orders
}

/// Creates or upserts `records` (each the values of `fields`, in that order).
pub async fn write(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    mode: Mode,
    fields: &[String],
    records: Vec<Vec<String>>,
    who: &Writing,
) -> Result<WriteOutcome, RecordError> {
    if !writable(kind) {
        return Err(RecordError::Forbidden(format!(
            "{kind} are written with `rapport import {kind}` or the bulk import, not one by one"
        )));
    }
    if records.len() > MAX_BULK {
        return Err(RecordError::Invalid(vec![RowError {
            line: 0,
            column: None,
            value: None,
            reason: format!(
                "{} records in one call; at most {MAX_BULK} are accepted",
                records.len()
            ),
        }]));
    }
    let pending = parse(kind, fields, records, who.now)?;
    let mut tx = store.begin(org).await?;
    let result = write_in(&mut tx, kind, mode, fields, pending, who).await;
    finish(tx, result).await
}

/// Commits a write transaction when the write went through, else rolls it back.
async fn finish<T>(tx: Tx, result: Result<T, RecordError>) -> Result<T, RecordError> {
    match result {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Writes parsed records in `tx` (which the caller commits), with the permission checks and
/// audit entries.
async fn write_in(
    tx: &mut Tx,
    kind: ImportKind,
    mode: Mode,
    fields: &[String],
    pending: Vec<Pending>,
    who: &Writing,
) -> Result<WriteOutcome, RecordError> {
    let stored = stored_by_key(tx, kind, &pending).await?;
    if mode == Mode::Create
        && let Some(p) = pending.iter().find(|p| stored.contains_key(&p.key))
    {
        return Err(RecordError::Conflict(format!(
            "a record with {} {} exists already",
            natural_key_field(kind),
            p.key
        )));
    }
    if let Some(actor) = who.actor {
        check_writes(tx, kind, actor, &pending, &stored, fields).await?;
    }
    let keys: Vec<String> = pending.iter().map(|p| p.key.clone()).collect();
    let opts = ImportOptions {
        user: who.actor.map(|a| a.user),
        source: who.source.clone(),
        ..ImportOptions::new(kind, who.now)
    };
    let mut writer = Writer::new(&opts, tx).await?;
    let outcome = writer.write_batch(tx, pending).await?;
    if !outcome.rejected.is_empty() {
        let errors = outcome.rejected.into_iter().flat_map(|(_, e)| e).collect();
        return Err(RecordError::Invalid(errors));
    }
    // A record made by a concurrent request after the check above was found by the writer and
    // changed instead of created: for a create, that is the same conflict.
    if mode == Mode::Create && outcome.created < keys.len() as u64 {
        return Err(RecordError::Conflict(format!(
            "a record with one of these {} exists already (created just now by another request)",
            natural_key_field(kind)
        )));
    }
    tx.audit(&writer.audit).await?;
    Ok(WriteOutcome {
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        keys,
    })
}

/// Changes the record with natural key `key`: the given fields replace the stored values,
/// the others stay. The key itself cannot change.
pub async fn update(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    key: &str,
    changes: &[(String, String)],
    who: &Writing,
) -> Result<WriteOutcome, RecordError> {
    let key_field = natural_key_field(kind);
    if let Some((_, v)) = changes.iter().find(|(f, _)| f == key_field)
        && v.trim() != key
    {
        return Err(RecordError::Invalid(vec![RowError {
            line: 1,
            column: Some(key_field.to_string()),
            value: Some(v.clone()),
            reason: "the key of a record cannot change (create a new record instead)".into(),
        }]));
    }
    let names: Vec<String> = kind.fields().iter().map(|f| f.name.to_string()).collect();
    if let Some((field, _)) = changes.iter().find(|(f, _)| !names.contains(f)) {
        return Err(RecordError::Invalid(vec![RowError {
            line: 1,
            column: Some(field.clone()),
            value: None,
            reason: format!("{kind} have no field {field}"),
        }]));
    }
    if !writable(kind) {
        return Err(RecordError::Forbidden(format!(
            "{kind} are written with `rapport import {kind}` or the bulk import, not one by one"
        )));
    }
    // The stored values are read in the writing transaction with the row locked, so a change
    // another request makes meanwhile is not written back over with what was read before it.
    let mut tx = store.begin(org).await?;
    let result = async {
        let Some(mut current) = get(&mut tx, kind, key).await? else {
            return Err(not_found(kind, key));
        };
        if lock_row(&mut tx, kind, current.id).await? {
            // Read again: what was read before the lock may have changed meanwhile.
            match get(&mut tx, kind, key).await? {
                Some(fresh) => current = fresh,
                None => return Err(not_found(kind, key)),
            }
        }
        let mut values = current.fields;
        for (field, value) in changes {
            if let Some(i) = names.iter().position(|n| n == field) {
                values[i] = value.clone();
            }
        }
        let pending = parse(kind, &names, vec![values], who.now)?;
        write_in(&mut tx, kind, Mode::Upsert, &names, pending, who).await
    }
    .await;
    finish(tx, result).await
}

/// Locks the stored row with this id against other writers until the transaction ends; `false`
/// when the kind's rows have no id to lock by. SQLite's writers queue at `BEGIN` already; on
/// PostgreSQL an update that changes nothing (`SET id = id`) takes the row lock, the portable
/// form of `SELECT … FOR UPDATE`.
async fn lock_row(tx: &mut Tx, kind: ImportKind, id: Uuid) -> Result<bool, StoreError> {
    let (table, _) = stored_as(kind);
    if table.key != ["id"] || id.is_nil() {
        return Ok(false);
    }
    tx.reassign(table, "id", id, id).await?;
    Ok(true)
}

/// The record of `kind` whose natural key (or id) is `key`.
pub async fn get(
    tx: &mut Tx,
    kind: ImportKind,
    key: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    let Some(row) = find_row(tx, kind, key).await? else {
        return Ok(None);
    };
    let (table, _) = stored_as(kind);
    let rendered = render(tx, kind, std::slice::from_ref(&row)).await?;
    Ok(rendered
        .into_iter()
        .next()
        .map(|fields| to_record(table, &row, fields)))
}

/// One page of records; the rows are returned too, for the caller's cursor.
pub async fn list(
    tx: &mut Tx,
    kind: ImportKind,
    query: &ListQuery,
) -> Result<Vec<(Row, StoredRecord)>, StoreError> {
    let (table, _) = stored_as(kind);
    let mut query = query.clone();
    if kind == ImportKind::Contacts {
        query
            .filters
            .push(Filter::eq("kind", Value::text("works_at")));
    }
    if kind == ImportKind::Orders {
        // Order lines render one record each: list orders, render, keep rows aligned.
        let rows = tx.list(table, &query).await?;
        let mut out = Vec::new();
        for row in rows {
            for fields in render(tx, kind, std::slice::from_ref(&row)).await? {
                out.push((row.clone(), to_record(table, &row, fields)));
            }
        }
        return Ok(out);
    }
    let rows = tx.list(table, &query).await?;
    let rendered = render(tx, kind, &rows).await?;
    Ok(rows
        .into_iter()
        .zip(rendered)
        .map(|(row, fields)| {
            let rec = to_record(table, &row, fields);
            (row, rec)
        })
        .collect())
}

/// Deletes the record with natural key (or id) `key`. A party goes with its touchpoints, links
/// and aliases; a party with orders or contracts, and catalogue entries in use, are refused
/// (those records are the company's books).
pub async fn delete(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    key: &str,
    who: &Writing,
) -> Result<(), RecordError> {
    if kind == ImportKind::Orders {
        return Err(RecordError::Forbidden(
            "orders are part of the books and cannot be deleted one by one".into(),
        ));
    }
    let mut tx = store.begin(org).await?;
    let Some(row) = find_row(&mut tx, kind, key).await? else {
        return Err(not_found(kind, key));
    };
    let (table, _) = stored_as(kind);
    if let Some(actor) = who.actor {
        let owner = owner_of_row(&mut tx, kind, table, &row).await?;
        if !allows(actor, action_for(kind, owner)) {
            return Err(forbidden(kind));
        }
    }
    let before = row.clone();
    match kind {
        ImportKind::Parties | ImportKind::Contacts => {
            let party = match kind {
                ImportKind::Contacts => row[PARTY_LINKS.col("from_party_id")].clone(),
                _ => row[PARTIES.col("id")].clone(),
            };
            delete_party(&mut tx, &party).await?;
        }
        ImportKind::Products => {
            let id = row[PRODUCTS.col("id")].clone();
            let lines = tx
                .list(
                    &ORDER_LINES,
                    &one(&[("product_id", id.clone())], "order_id"),
                )
                .await?;
            let contracts = tx
                .list(&CONTRACTS, &one(&[("product_id", id.clone())], "id"))
                .await?;
            if !lines.is_empty() || !contracts.is_empty() {
                return Err(RecordError::Conflict(format!(
                    "product {key} is on orders or contracts; it stays in the catalogue"
                )));
            }
            tx.delete_where(&PRODUCTS, "id", &id).await?;
        }
        ImportKind::CancellationReasons => {
            let code = row[CANCELLATION_REASONS.col("code")].clone();
            let used = tx
                .list(
                    &CONTRACTS,
                    &one(&[("cancellation_reason", code.clone())], "id"),
                )
                .await?;
            if !used.is_empty() {
                return Err(RecordError::Conflict(format!(
                    "cancellation reason {key} is recorded on contracts; it stays in the catalogue"
                )));
            }
            tx.delete_where(&CANCELLATION_REASONS, "code", &code)
                .await?;
        }
        _ => {
            tx.delete_where(table, "id", &row[table.col("id")]).await?;
        }
    }
    let (before, _) = crate::import::diff_rows(table, Some(&before), None);
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: who.now,
        user: who.actor.map(|a| a.user),
        source: who.source.clone(),
        entity: table.name.to_string(),
        entity_id: Some(key.to_string()),
        action: "delete".into(),
        before,
        after: None,
    }])
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The owner (relationship manager) of the party a stored record concerns.
pub async fn owner_of_row(
    tx: &mut Tx,
    kind: ImportKind,
    table: &Table,
    row: &Row,
) -> Result<Option<UserId>, StoreError> {
    let party = match kind {
        ImportKind::Parties => return Ok(row[PARTIES.col("owner_id")].as_uuid().map(UserId)),
        ImportKind::Contacts => row[PARTY_LINKS.col("from_party_id")].clone(),
        _ => match table.try_col("party_id") {
            Some(c) => row[c].clone(),
            None => return Ok(None),
        },
    };
    let parties = tx.fetch_in(&PARTIES, "id", &[party]).await?;
    Ok(parties
        .first()
        .and_then(|p| p[PARTIES.col("owner_id")].as_uuid())
        .map(UserId))
}

/// The action a write of `kind` on a party owned by `owner` needs.
pub fn action_for(kind: ImportKind, owner: Option<UserId>) -> Action {
    let log = |kind| Action::LogTouchpoint { kind, owner };
    match kind {
        ImportKind::Parties | ImportKind::Contacts => Action::WriteParty { owner },
        ImportKind::Interactions => log(Touchpoint::Interaction),
        ImportKind::Cases => log(Touchpoint::Case),
        ImportKind::Surveys => log(Touchpoint::SurveyAnswer),
        ImportKind::Tasks => log(Touchpoint::Task),
        ImportKind::Orders | ImportKind::Contracts => Action::WriteCommerce { owner },
        ImportKind::Products | ImportKind::CancellationReasons => Action::WriteCatalogue,
    }
}

fn forbidden(kind: ImportKind) -> RecordError {
    RecordError::Forbidden(format!(
        "your role may not change these {kind}: they concern a party another relationship manager owns, or {kind} are not yours to write"
    ))
}

fn not_found(kind: ImportKind, key: &str) -> RecordError {
    RecordError::NotFound(format!(
        "no {} has the {} {key}",
        kind.as_str().trim_end_matches('s'),
        natural_key_field(kind)
    ))
}

fn one(filters: &[(&'static str, Value)], sort: &'static str) -> ListQuery {
    let mut q = ListQuery::new(sort, 1);
    q.filters = filters
        .iter()
        .map(|(c, v)| Filter::eq(c, v.clone()))
        .collect();
    q
}

pub(crate) fn to_record(table: &Table, row: &Row, fields: Vec<String>) -> StoredRecord {
    let time = |c: &str| table.try_col(c).and_then(|i| row[i].as_time());
    StoredRecord {
        id: table
            .try_col("id")
            .and_then(|i| row[i].as_uuid())
            .unwrap_or_default(),
        fields,
        created_at: time("created_at"),
        updated_at: time("updated_at"),
    }
}

/// The stored row of `kind` for `key`: by id when `key` is a UUID that names one, else by
/// natural key (for parties, also through the aliases merges leave).
pub(crate) async fn find_row(
    tx: &mut Tx,
    kind: ImportKind,
    key: &str,
) -> Result<Option<Row>, StoreError> {
    if key.contains('\0') {
        // No key holds it (they are refused on the way in), and PostgreSQL cannot compare it.
        return Ok(None);
    }
    let (table, natural) = stored_as(kind);
    if kind == ImportKind::Contacts {
        let Some(person) = Box::pin(find_row(tx, ImportKind::Parties, key)).await? else {
            return Ok(None);
        };
        let q = one(
            &[
                ("from_party_id", person[PARTIES.col("id")].clone()),
                ("kind", Value::text("works_at")),
            ],
            "id",
        );
        return Ok(tx.list(&PARTY_LINKS, &q).await?.into_iter().next());
    }
    if let Ok(id) = Uuid::parse_str(key)
        && table.try_col("id").is_some()
        && let Some(row) = tx
            .fetch_in(table, "id", &[Value::Uuid(id)])
            .await?
            .into_iter()
            .next()
    {
        return Ok(Some(row));
    }
    if let Some(row) = tx
        .fetch_in(table, natural, &[Value::text(key)])
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some(row));
    }
    if kind == ImportKind::Parties {
        let ids = tx.resolve_parties(&[key.to_string()]).await?;
        if let Some(id) = ids.get(key) {
            return Ok(tx
                .fetch_in(&PARTIES, "id", &[Value::Uuid(*id)])
                .await?
                .into_iter()
                .next());
        }
    }
    Ok(None)
}

/// Parses request records; every problem of every record is reported at once.
fn parse(
    kind: ImportKind,
    fields: &[String],
    records: Vec<Vec<String>>,
    now: DateTime<Utc>,
) -> Result<Vec<Pending>, RecordError> {
    // Records made here without a key get a fresh one (a content-derived key, as imports use,
    // would make two identical calls the same record).
    let key_field = natural_key_field(kind);
    let mut fields = fields.to_vec();
    let mut records = records;
    if key_field == "external_id" && !fields.iter().any(|f| f == key_field) {
        fields.push(key_field.to_string());
        for r in &mut records {
            r.push(String::new());
        }
    }
    // A required field left out is named, as a wrong value would be (not as a file's header).
    let missing: Vec<RowError> = kind
        .fields()
        .iter()
        .filter(|f| f.required && !fields.iter().any(|g| g == f.name))
        .map(|f| RowError {
            line: 0,
            column: Some(f.name.to_string()),
            value: None,
            reason: "is required".into(),
        })
        .collect();
    if !missing.is_empty() {
        return Err(RecordError::Invalid(missing));
    }
    let mapping = header::map_header("request", kind, &fields, &ColumnRules::default())?;
    let ctx = ParseCtx {
        now,
        default_currency: Currency::EUR,
    };
    let key_col = fields.iter().position(|f| f == key_field);
    let mut pending = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, mut values) in records.into_iter().enumerate() {
        let line = i as u64 + 1;
        if values.len() != fields.len() {
            errors.push(RowError {
                line,
                column: None,
                value: None,
                reason: format!("has {} values for {} fields", values.len(), fields.len()),
            });
            continue;
        }
        // PostgreSQL cannot store U+0000 in text: refuse it here, by field, on both backends.
        let nul: Vec<RowError> = fields
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.contains('\0'))
            .map(|(f, _)| RowError {
                line,
                column: Some(f.clone()),
                value: None,
                reason: NUL_REASON.into(),
            })
            .collect();
        if !nul.is_empty() {
            errors.extend(nul);
            continue;
        }
        if let Some(c) = key_col.filter(|c| values[*c].trim().is_empty()) {
            values[c] = Uuid::now_v7().simple().to_string();
        }
        let rec = Record {
            line,
            fields: values,
        };
        let mut view = RowView::new(kind, &rec, &mapping);
        let parsed = parse_one(kind, &mut view, &ctx);
        errors.append(&mut view.errors);
        if let Some(p) = parsed {
            if let Some(first) = seen.insert(p.key.clone(), line) {
                errors.push(RowError {
                    line,
                    column: Some(key_field.to_string()),
                    value: Some(p.key.clone()),
                    reason: format!("appears twice in the request (first in record {first})"),
                });
            }
            pending.push(p);
        }
    }
    if errors.is_empty() {
        Ok(pending)
    } else {
        Err(RecordError::Invalid(errors))
    }
}

/// The stored rows of the records a request names, by natural key.
async fn stored_by_key(
    tx: &mut Tx,
    kind: ImportKind,
    pending: &[Pending],
) -> Result<HashMap<String, Row>, StoreError> {
    let table = crate::import::write::table_of(kind);
    let natural = table.natural_key.unwrap_or("id");
    let keys: Vec<Value> = pending
        .iter()
        .map(|p| Value::text(p.key.as_str()))
        .collect();
    let col = table.col(natural);
    let mut out: HashMap<String, Row> = tx
        .fetch_in(table, natural, &keys)
        .await?
        .into_iter()
        .filter_map(|r| r[col].as_str().map(str::to_string).map(|k| (k, r.clone())))
        .collect();
    if table.name == PARTIES.name {
        let missing: Vec<String> = pending
            .iter()
            .filter(|p| !out.contains_key(&p.key))
            .map(|p| p.key.clone())
            .collect();
        let ids = tx.resolve_parties(&missing).await?;
        let values: Vec<Value> = ids.values().map(|id| Value::Uuid(*id)).collect();
        let rows: HashMap<Uuid, Row> = tx
            .fetch_in(&PARTIES, "id", &values)
            .await?
            .into_iter()
            .filter_map(|r| r[0].as_uuid().map(|id| (id, r)))
            .collect();
        for (ext, id) in ids {
            if let Some(r) = rows.get(&id) {
                out.insert(ext, r.clone());
            }
        }
    }
    Ok(out)
}

/// Refuses the request when `actor` may not write one of its records: for parties, both the
/// stored owner and the owner the record would get; for touchpoints and contracts, the owner of
/// the party they concern.
async fn check_writes(
    tx: &mut Tx,
    kind: ImportKind,
    actor: Actor,
    pending: &[Pending],
    stored: &HashMap<String, Row>,
    fields: &[String],
) -> Result<(), RecordError> {
    match kind {
        ImportKind::Parties | ImportKind::Contacts => {
            let users = user_lookup(tx).await?;
            let owner_field = fields.iter().position(|f| f == "owner_email");
            for p in pending {
                let stored_owner = stored
                    .get(&p.key)
                    .and_then(|r| r[PARTIES.col("owner_id")].as_uuid())
                    .map(UserId);
                // Unknown e-mails are reported by the write itself; here they count as no owner.
                let new_owner = match owner_field {
                    Some(c) => users
                        .get(&p.raw[c].trim().to_lowercase())
                        .copied()
                        .map(UserId),
                    None => stored_owner,
                };
                let allowed = allows(actor, Action::WriteParty { owner: new_owner })
                    && (!stored.contains_key(&p.key)
                        || allows(
                            actor,
                            Action::WriteParty {
                                owner: stored_owner,
                            },
                        ));
                if !allowed {
                    return Err(forbidden(kind));
                }
            }
        }
        _ => {
            let mut parties: Vec<String> = pending
                .iter()
                .flat_map(|p| p.refs.iter())
                .filter(|r| r.field == "party_external_id")
                .map(|r| r.key.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            parties.sort();
            let ids = tx.resolve_parties(&parties).await?;
            let values: Vec<Value> = ids.values().map(|id| Value::Uuid(*id)).collect();
            let owners: HashMap<Uuid, Option<UserId>> = tx
                .fetch_in(&PARTIES, "id", &values)
                .await?
                .into_iter()
                .filter_map(|r| {
                    r[0].as_uuid()
                        .map(|id| (id, r[PARTIES.col("owner_id")].as_uuid().map(UserId)))
                })
                .collect();
            for p in pending {
                let owner = p
                    .refs
                    .iter()
                    .find(|r| r.field == "party_external_id")
                    .and_then(|r| ids.get(&r.key))
                    .and_then(|id| owners.get(id).copied())
                    .flatten();
                // A record moved to another party needs both parties to be writable.
                let before = match stored.get(&p.key) {
                    Some(row) => {
                        let table = crate::import::write::table_of(kind);
                        Some(owner_of_row(tx, kind, table, row).await?)
                    }
                    None => None,
                };
                if !allows(actor, action_for(kind, owner))
                    || before.is_some_and(|b| !allows(actor, action_for(kind, b)))
                {
                    return Err(forbidden(kind));
                }
            }
        }
    }
    Ok(())
}

/// Deletes a party with everything that hangs off it, unless orders or contracts do.
async fn delete_party(tx: &mut Tx, party: &Value) -> Result<(), RecordError> {
    for (table, what) in [(&ORDERS, "orders"), (&CONTRACTS, "contracts")] {
        if !tx
            .list(table, &one(&[("party_id", party.clone())], "id"))
            .await?
            .is_empty()
        {
            return Err(RecordError::Conflict(format!(
                "this party has {what}, which stay in the books; merge it into another party instead of deleting it"
            )));
        }
    }
    for table in [&INTERACTIONS, &SURVEY_RESPONSES, &CASES, &TASKS] {
        tx.delete_where(table, "party_id", party).await?;
    }
    tx.delete_where(&PARTY_LINKS, "from_party_id", party)
        .await?;
    tx.delete_where(&PARTY_LINKS, "to_party_id", party).await?;
    tx.delete_where(&PARTY_ALIASES, "party_id", party).await?;
    tx.delete_where(&PARTIES, "id", party).await?;
    Ok(())
}
