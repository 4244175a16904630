//! Creating and changing records: parse the fields as an import would, lock the stored records
//! the write changes, refuse existing keys on create, check the caller's rights, write through
//! the import's writer, audit.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::{Currency, OrgId, UserId};
use rapport_store::schema::PARTIES;
use rapport_store::{Row, Store, StoreError, Tx, Value};
use uuid::Uuid;

use crate::import::parse::{ParseCtx, Pending, RowView};
use crate::import::source::Record;
use crate::import::write::Writer;
use crate::import::{
    ColumnRules, ImportKind, ImportOptions, RowError, header, natural_key_field, parse_one,
};

use super::access::check_writes;
use super::*;

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
    write_owning(store, org, kind, mode, fields, records, who, None).await
}

/// Upserts `records` like [`write`], and when the call names no owner (`owner_email`) gives
/// the parties (or contacts) it creates `owner`: a relationship manager's new parties are
/// theirs in a bulk call as in a single create. Records that exist keep their owner.
pub async fn upsert_owning(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    fields: &[String],
    records: Vec<Vec<String>>,
    who: &Writing,
    owner: Option<UserId>,
) -> Result<WriteOutcome, RecordError> {
    write_owning(store, org, kind, Mode::Upsert, fields, records, who, owner).await
}

/// Creates one record and reads it back as stored (with its id and times), in the same
/// transaction.
pub async fn create_one(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    fields: &[String],
    values: Vec<String>,
    who: &Writing,
) -> Result<(String, StoredRecord), RecordError> {
    let pending = prepare(store, org, kind, fields, vec![values], who).await?;
    let mut tx = store.begin(org).await?;
    tx.end_at_first_error();
    let result = async {
        let outcome = write_in(&mut tx, kind, Mode::Create, fields, pending, who, None).await?;
        let key = outcome.keys.into_iter().next().unwrap_or_default();
        match super::get(&mut tx, kind, &key).await? {
            Some(rec) => Ok((key, rec)),
            None => Err(not_found(kind, &key)),
        }
    }
    .await;
    finish(tx, result).await
}

#[allow(clippy::too_many_arguments)]
async fn write_owning(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    mode: Mode,
    fields: &[String],
    records: Vec<Vec<String>>,
    who: &Writing,
    owner: Option<UserId>,
) -> Result<WriteOutcome, RecordError> {
    let pending = prepare(store, org, kind, fields, records, who).await?;
    let mut tx = store.begin(org).await?;
    tx.end_at_first_error();
    let result = write_in(&mut tx, kind, mode, fields, pending, who, owner).await;
    finish(tx, result).await
}

/// Checks a call's records before any transaction: the kind is written field by field, there
/// are not too many, and each parses as an import row would.
async fn prepare(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    fields: &[String],
    records: Vec<Vec<String>>,
    who: &Writing,
) -> Result<Vec<Pending>, RecordError> {
    if !writable(kind) {
        return Err(RecordError::Forbidden(format!(
            "{kind} are written as orders with their lines, not field by field"
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
    let withdrawal = if kind == ImportKind::Contracts {
        let mut tx = store.begin_read(org).await?;
        let rules = crate::retention::rules::deadline_rules(&mut tx).await;
        tx.rollback().await?;
        Some(std::sync::Arc::new(rules?))
    } else {
        None
    };
    parse(kind, fields, records, who.now, withdrawal)
}

/// Commits a write transaction when the write went through, else rolls it back.
pub(super) async fn finish<T>(tx: Tx, result: Result<T, RecordError>) -> Result<T, RecordError> {
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
/// audit entries; the records it creates get `owner` when the fields name none.
async fn write_in(
    tx: &mut Tx,
    kind: ImportKind,
    mode: Mode,
    fields: &[String],
    mut pending: Vec<Pending>,
    who: &Writing,
    owner: Option<UserId>,
) -> Result<WriteOutcome, RecordError> {
    let stored = stored_by_key(tx, kind, &pending).await?;
    if let Some(owner) = owner
        && matches!(kind, ImportKind::Parties | ImportKind::Contacts)
        && !fields.iter().any(|f| f == "owner_email")
    {
        let col = PARTIES.col("owner_id");
        for p in pending.iter_mut().filter(|p| !stored.contains_key(&p.key)) {
            p.row[col] = Value::Uuid(owner.as_uuid());
            p.present[col] = true;
        }
    }
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
    let outcome = writer.write_batch_over(tx, pending, Some(stored)).await?;
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
            "{kind} are written as orders with their lines, not field by field"
        )));
    }
    // The stored values are read in the writing transaction with the row locked, so a change
    // another request makes meanwhile is not written back over with what was read before it.
    let mut tx = store.begin(org).await?;
    tx.end_at_first_error();
    let result = async {
        let Some(found) = get(&mut tx, kind, key).await? else {
            return Err(not_found(kind, key));
        };
        let natural = found.fields.first().cloned().unwrap_or_default();
        lock_stored(&mut tx, kind, &[natural]).await?;
        // Read again: what was read before the lock may have changed meanwhile.
        let Some(current) = get(&mut tx, kind, key).await? else {
            return Err(not_found(kind, key));
        };
        let mut values = current.fields;
        for (field, value) in changes {
            if let Some(i) = names.iter().position(|n| n == field) {
                values[i] = value.clone();
            }
        }
        let pending = parse(kind, &names, vec![values], who.now, None)?;
        write_in(&mut tx, kind, Mode::Upsert, &names, pending, who, None).await
    }
    .await;
    finish(tx, result).await
}

/// Locks the stored rows of `kind` with these natural keys (the rows a write of them changes:
/// for contacts, their person's party) against other writers until the transaction ends, and
/// returns them by key.
async fn lock_stored(
    tx: &mut Tx,
    kind: ImportKind,
    keys: &[String],
) -> Result<HashMap<String, Row>, StoreError> {
    let table = crate::import::write::table_of(kind);
    let natural = table.natural_key.unwrap_or("id");
    let values: Vec<Value> = keys.iter().map(|k| Value::text(k.as_str())).collect();
    let col = table.col(natural);
    Ok(tx
        .fetch_for_update(table, natural, &values)
        .await?
        .into_iter()
        .filter_map(|r| r[col].as_str().map(str::to_string).map(|k| (k, r.clone())))
        .collect())
}

/// Parses request records; every problem of every record is reported at once.
fn parse(
    kind: ImportKind,
    fields: &[String],
    records: Vec<Vec<String>>,
    now: DateTime<Utc>,
    withdrawal: Option<std::sync::Arc<crate::retention::rules::DeadlineRules>>,
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
        withdrawal,
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

/// The stored rows of the records a request names, by natural key (for parties, also through
/// the aliases merges leave), locked until the transaction ends: the checks and the write
/// that follow see them as they are, and no other writer changes them in between.
async fn stored_by_key(
    tx: &mut Tx,
    kind: ImportKind,
    pending: &[Pending],
) -> Result<HashMap<String, Row>, StoreError> {
    let keys: Vec<String> = pending.iter().map(|p| p.key.clone()).collect();
    let mut out = lock_stored(tx, kind, &keys).await?;
    if crate::import::write::table_of(kind).name == PARTIES.name {
        let missing: Vec<String> = pending
            .iter()
            .filter(|p| !out.contains_key(&p.key))
            .map(|p| p.key.clone())
            .collect();
        let ids = tx.resolve_parties(&missing).await?;
        let values: Vec<Value> = ids.values().map(|id| Value::Uuid(*id)).collect();
        let rows: HashMap<Uuid, Row> = tx
            .fetch_for_update(&PARTIES, "id", &values)
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
