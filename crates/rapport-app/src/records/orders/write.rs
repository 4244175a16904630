//! The order transactions: create or upsert a request's orders, change one, delete one. Each
//! runs in one transaction with the stored orders locked, the caller's rights checked against
//! the customers' owners (before and after), an audit entry per order with its lines, and the
//! win-back lists kept right.

use std::collections::{HashMap, HashSet};

use rapport_domain::access::{Actor, allows};
use rapport_domain::{AuditEntry, AuditId, OrgId, UserId};
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use rapport_store::{Row, Store, Tx, Value};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::OrderInput;
use super::plan::{Planned, plan};
use super::read::lines_of;
use crate::import::{ImportKind, RowError, diff_rows};
use crate::records::write::finish;
use crate::records::{
    MAX_BULK, Mode, RecordError, WriteOutcome, Writing, action_for, find_row, forbidden, not_found,
};

/// Which stored orders a write may meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Only new orders: a stored one is a conflict.
    New,
    /// New or stored alike.
    Any,
    /// Only stored orders: a missing one is not found.
    Stored,
}

/// Creates (`Mode::Create`) or upserts (`Mode::Upsert`) `orders`, by their `order_id` (one is
/// made for an order without). A stored order keeps the fields an order leaves out, and its
/// lines unless the order gives them, which then replace them all.
pub async fn write(
    store: &Store,
    org: OrgId,
    mode: Mode,
    orders: Vec<OrderInput>,
    who: &Writing,
) -> Result<WriteOutcome, RecordError> {
    if orders.len() > MAX_BULK {
        return Err(RecordError::Invalid(vec![RowError {
            line: 0,
            column: None,
            value: None,
            reason: format!(
                "{} orders in one call; at most {MAX_BULK} are accepted",
                orders.len()
            ),
        }]));
    }
    let mut keyed = Vec::with_capacity(orders.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, order) in orders.into_iter().enumerate() {
        // Made here without a key, an order gets a fresh one (two identical calls are two
        // orders, as for every other kind).
        let key = match order
            .get("order_id")
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => k.to_string(),
            None => Uuid::now_v7().simple().to_string(),
        };
        if let Some(first) = seen.insert(key.clone(), i + 1) {
            errors.push(RowError {
                line: i as u64 + 1,
                column: Some("order_id".into()),
                value: Some(key.clone()),
                reason: format!("appears twice in the request (first in record {first})"),
            });
        }
        keyed.push((key, order));
    }
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }
    let target = match mode {
        Mode::Create => Target::New,
        Mode::Upsert => Target::Any,
    };
    let mut tx = store.begin(org).await?;
    let result = write_in(&mut tx, target, keyed, who).await;
    finish(tx, result).await
}

/// Changes the order whose id or external id is `key`: the header fields `change` gives
/// replace the stored ones, and its lines, when given, replace the stored lines. The
/// `order_id` cannot change. Returns the order's external id.
pub async fn update(
    store: &Store,
    org: OrgId,
    key: &str,
    mut change: OrderInput,
    who: &Writing,
) -> Result<String, RecordError> {
    let mut tx = store.begin(org).await?;
    let result = async {
        let Some(row) = find_row(&mut tx, ImportKind::Orders, key).await? else {
            return Err(not_found(ImportKind::Orders, key));
        };
        let natural = row[ORDERS.col("external_id")]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(given) = change.get("order_id")
            && given.trim() != natural
        {
            return Err(RecordError::Invalid(vec![RowError {
                line: 1,
                column: Some("order_id".into()),
                value: Some(given.to_string()),
                reason: "the key of a record cannot change (create a new record instead)".into(),
            }]));
        }
        change.fields.retain(|(f, _)| f != "order_id");
        write_in(
            &mut tx,
            Target::Stored,
            vec![(natural.clone(), change)],
            who,
        )
        .await?;
        Ok(natural)
    }
    .await;
    finish(tx, result).await
}

/// Deletes the order whose id or external id is `key`, with its lines.
pub async fn delete(
    store: &Store,
    org: OrgId,
    key: &str,
    who: &Writing,
) -> Result<(), RecordError> {
    let mut tx = store.begin(org).await?;
    let result = async {
        let found = find_row(&mut tx, ImportKind::Orders, key).await?;
        let ext = found.map(|r| r[ORDERS.col("external_id")].clone());
        let row = match ext {
            Some(ext) => tx
                .fetch_for_update(&ORDERS, "external_id", &[ext])
                .await?
                .pop(),
            None => None,
        };
        let Some(row) = row else {
            return Err(not_found(ImportKind::Orders, key));
        };
        if let Some(actor) = who.actor {
            let party = row[ORDERS.col("party_id")].as_uuid().unwrap_or_default();
            let owners = owners(&mut tx, [party].into_iter().collect()).await?;
            let owner = owners.get(&party).copied().flatten();
            if !allows(actor, action_for(ImportKind::Orders, owner)) {
                return Err(forbidden(ImportKind::Orders));
            }
        }
        let id = row[ORDERS.col("id")].clone();
        let lines = lines_of(&mut tx, std::slice::from_ref(&row))
            .await?
            .into_values()
            .next()
            .unwrap_or_default();
        tx.delete_where(&ORDER_LINES, "order_id", &id).await?;
        tx.delete_where(&ORDERS, "id", &id).await?;
        let key = row[ORDERS.col("external_id")]
            .as_str()
            .unwrap_or_default()
            .to_string();
        tx.audit(&[audit(who, "delete", &key, Some((&row, &lines)), None)])
            .await?;
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// Writes keyed orders in `tx` (which the caller ends).
async fn write_in(
    tx: &mut Tx,
    target: Target,
    orders: Vec<(String, OrderInput)>,
    who: &Writing,
) -> Result<WriteOutcome, RecordError> {
    let keys: Vec<String> = orders.iter().map(|(k, _)| k.clone()).collect();
    let values: Vec<Value> = keys.iter().map(|k| Value::text(k.as_str())).collect();
    let ext = ORDERS.col("external_id");
    // Locked until the transaction ends: what is merged below is what is stored.
    let stored: HashMap<String, Row> = tx
        .fetch_for_update(&ORDERS, "external_id", &values)
        .await?
        .into_iter()
        .filter_map(|r| Some((r[ext].as_str()?.to_string(), r)))
        .collect();
    match target {
        Target::New => {
            if let Some(k) = keys.iter().find(|k| stored.contains_key(*k)) {
                return Err(RecordError::Conflict(format!(
                    "a record with order_id {k} exists already"
                )));
            }
        }
        Target::Stored => {
            if let Some(k) = keys.iter().find(|k| !stored.contains_key(*k)) {
                return Err(not_found(ImportKind::Orders, k));
            }
        }
        Target::Any => {}
    }
    let planned = plan(tx, orders, &stored).await?;
    if let Some(actor) = who.actor {
        check(tx, actor, &planned).await?;
    }
    let mut outcome = WriteOutcome {
        keys,
        ..WriteOutcome::default()
    };
    let mut new_orders = Vec::new();
    let mut new_lines = Vec::new();
    let mut audits = Vec::new();
    let mut buyers: HashSet<Uuid> = HashSet::new();
    for Planned {
        key,
        stored,
        mut header,
        mut lines,
        ..
    } in planned
    {
        let id = match &stored {
            Some((old, _)) => old[ORDERS.col("id")].clone(),
            None => Value::Uuid(Uuid::now_v7()),
        };
        header[ORDERS.col("id")] = id.clone();
        for l in &mut lines {
            l[ORDER_LINES.col("order_id")] = id.clone();
        }
        let line_no = ORDER_LINES.col("line_no");
        lines.sort_by_key(|l| l[line_no].as_int());
        if let Some(party) = header[ORDERS.col("party_id")].as_uuid() {
            buyers.insert(party);
        }
        match stored {
            None => {
                audits.push(audit(who, "create", &key, None, Some((&header, &lines))));
                outcome.created += 1;
                new_orders.push(header);
                new_lines.extend(lines);
            }
            Some((old, old_lines)) if old == header && old_lines == lines => {
                outcome.unchanged += 1;
            }
            Some((old, old_lines)) => {
                audits.push(audit(
                    who,
                    "update",
                    &key,
                    Some((&old, &old_lines)),
                    Some((&header, &lines)),
                ));
                outcome.updated += 1;
                if old != header {
                    tx.update_row(&ORDERS, &header).await?;
                }
                if old_lines != lines {
                    tx.delete_where(&ORDER_LINES, "order_id", &id).await?;
                    new_lines.extend(lines);
                }
            }
        }
    }
    // In key order: two calls creating the same orders wait for each other's first one
    // instead of each holding one the other needs (the second then finds it taken).
    new_orders.sort_by(|a, b| a[ext].as_str().cmp(&b[ext].as_str()));
    tx.insert_rows(&ORDERS, &new_orders).await?;
    tx.insert_rows(&ORDER_LINES, &new_lines).await?;
    tx.audit(&audits).await?;
    let buyers: Vec<Uuid> = buyers.into_iter().collect();
    crate::retention::purchases::after_purchases(tx, &buyers, who.now).await?;
    Ok(outcome)
}

/// The owners of these parties.
async fn owners(
    tx: &mut Tx,
    parties: HashSet<Uuid>,
) -> Result<HashMap<Uuid, Option<UserId>>, RecordError> {
    let values: Vec<Value> = parties.into_iter().map(Value::Uuid).collect();
    let (id, owner) = (PARTIES.col("id"), PARTIES.col("owner_id"));
    Ok(tx
        .fetch_in(&PARTIES, "id", &values)
        .await?
        .into_iter()
        .filter_map(|r| Some((r[id].as_uuid()?, r[owner].as_uuid().map(UserId))))
        .collect())
}

/// Refuses the write unless `actor` may write commerce records of every order's customer, and
/// for a stored order also of the customer it had (moving an order needs both).
async fn check(tx: &mut Tx, actor: Actor, planned: &[Planned]) -> Result<(), RecordError> {
    let party = |row: &Row| row[ORDERS.col("party_id")].as_uuid();
    let parties: HashSet<Uuid> = planned
        .iter()
        .flat_map(|p| {
            [
                party(&p.header),
                p.stored.as_ref().and_then(|(r, _)| party(r)),
            ]
        })
        .flatten()
        .collect();
    let owners = owners(tx, parties).await?;
    let may = |row: &Row| {
        let owner = party(row).and_then(|p| owners.get(&p).copied().flatten());
        allows(actor, action_for(ImportKind::Orders, owner))
    };
    for p in planned {
        if !may(&p.header) || p.stored.as_ref().is_some_and(|(old, _)| !may(old)) {
            return Err(forbidden(ImportKind::Orders));
        }
    }
    Ok(())
}

/// An order's lines as the audit log keeps them: each line's stored columns but the order id.
fn lines_json(lines: &[Row]) -> Json {
    Json::Array(
        lines
            .iter()
            .map(|l| {
                let mut m = Map::new();
                for (c, v) in ORDER_LINES.columns.iter().zip(l) {
                    if c.name != "order_id" {
                        m.insert(c.name.to_string(), v.to_json());
                    }
                }
                Json::Object(m)
            })
            .collect(),
    )
}

/// The audit entry of an order: the columns that changed, and its lines before and after when
/// they changed (all of them for a creation or deletion).
fn audit(
    who: &Writing,
    action: &str,
    key: &str,
    before: Option<(&Row, &[Row])>,
    after: Option<(&Row, &[Row])>,
) -> AuditEntry {
    let (mut b, mut a) = diff_rows(&ORDERS, before.map(|x| x.0), after.map(|x| x.0));
    // The total is derived from the lines, which the entry holds when they change.
    for side in [&mut b, &mut a] {
        if let Some(Json::Object(m)) = side.as_mut() {
            m.remove("total_minor");
        }
    }
    let lines_before = before.map(|x| lines_json(x.1));
    let lines_after = after.map(|x| lines_json(x.1));
    if lines_before != lines_after {
        for (side, lines) in [(&mut b, lines_before), (&mut a, lines_after)] {
            if let (Some(Json::Object(m)), Some(l)) = (side.as_mut(), lines) {
                m.insert("lines".into(), l);
            }
        }
    }
    AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: who.now,
        user: who.actor.map(|a| a.user),
        source: who.source.clone(),
        entity: ORDERS.name.to_string(),
        entity_id: Some(key.to_string()),
        action: action.to_string(),
        before: b,
        after: a,
    }
}
