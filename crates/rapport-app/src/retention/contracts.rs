//! Recording what happens to a contract: delivery, withdrawal, cancellation, renewal, expiry,
//! each checked against the contract's state by the domain's life-cycle rules, with the
//! reason of a withdrawal or cancellation checked against the catalogue, in one transaction
//! with its audit entry. A withdrawal after the deadline needs an override and a note, and is
//! audited as such.

use rapport_domain::access::allows;
use rapport_domain::lifecycle::{ContractEvent, ContractState, apply};
use rapport_domain::{AuditEntry, AuditId, ContractStatus};
use rapport_store::schema::{CANCELLATION_REASONS, CONTRACTS, PRODUCTS};
use rapport_store::{Store, Value};
use uuid::Uuid;

use super::invalid;
use super::rules::deadline_rules;
use crate::import::ImportKind;
use crate::import::write::diff;

use crate::records::{RecordError, StoredRecord, Writing, action_for, find_row, get, owner_of_row};

/// Applies `event` to the contract with external id (or id) `key`; returns the contract as
/// stored afterwards.
pub async fn record_event(
    store: &Store,
    org: rapport_domain::OrgId,
    key: &str,
    event: &ContractEvent,
    who: &Writing,
) -> Result<StoredRecord, RecordError> {
    let mut tx = store.begin(org).await?;
    let result = async {
        let Some(row) = find_row(&mut tx, ImportKind::Contracts, key).await? else {
            return Err(RecordError::NotFound(format!("there is no contract {key}")));
        };
        if let Some(actor) = who.actor {
            let owner = owner_of_row(&mut tx, ImportKind::Contracts, &CONTRACTS, &row).await?;
            if !allows(actor, action_for(ImportKind::Contracts, owner)) {
                return Err(RecordError::Forbidden(
                    "your role may not change this customer's contracts".into(),
                ));
            }
        }
        let (reason, note, late) = match event {
            ContractEvent::Withdraw {
                reason, note, late, ..
            } => (Some(reason), note.as_ref(), *late),
            ContractEvent::Cancel { reason, note, .. } => (Some(reason), note.as_ref(), false),
            _ => (None, None, false),
        };
        if let Some(code) = reason {
            let found = tx
                .fetch_in(&CANCELLATION_REASONS, "code", &[Value::text(code.as_str())])
                .await?;
            if found.is_empty() {
                return Err(invalid(
                    "reason",
                    Some(code),
                    "is not a reason of the cancellation-reason catalogue",
                ));
            }
        }
        if late && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(invalid(
                "note",
                None,
                "a withdrawal after the deadline needs a note saying why it is allowed",
            ));
        }
        let t = &CONTRACTS;
        let time = |c: &str| row[t.col(c)].as_time();
        let status = row[t.col("status")]
            .as_str()
            .and_then(|s| ContractStatus::parse(s).ok())
            .unwrap_or(ContractStatus::Signed);
        let mut deadline = time("withdrawal_deadline");
        if deadline.is_none() && matches!(event, ContractEvent::Withdraw { .. }) {
            // A contract recorded before the rules: its product's rule gives the period.
            let rules = deadline_rules(&mut tx).await?;
            let sku = match row[t.col("product_id")].as_uuid() {
                Some(id) => tx
                    .fetch_in(&PRODUCTS, "id", &[Value::Uuid(id)])
                    .await?
                    .first()
                    .and_then(|p| p[PRODUCTS.col("sku")].as_str().map(str::to_string)),
                None => None,
            };
            if let Some(signed) = time("signed_at") {
                deadline = rules.deadline(sku.as_deref(), signed);
            }
        }
        let state = ContractState {
            status,
            signed_at: time("signed_at").unwrap_or(who.now),
            withdrawal_deadline: deadline,
            delivered_at: time("delivered_at"),
            ends_at: time("ends_at"),
            cancelled_at: time("cancelled_at"),
        };
        let next = apply(&state, event).map_err(|e| invalid(e.field, None, e.message))?;
        let was_late = late && deadline.is_none_or(|d| event.at() > d);
        let mut after = row.clone();
        let opt_time = |v: Option<chrono::DateTime<chrono::Utc>>| Value::opt(v);
        after[t.col("status")] = Value::text(next.status.as_str());
        after[t.col("withdrawal_deadline")] = opt_time(next.withdrawal_deadline);
        after[t.col("delivered_at")] = opt_time(next.delivered_at);
        after[t.col("ends_at")] = opt_time(next.ends_at);
        after[t.col("cancelled_at")] = opt_time(next.cancelled_at);
        if let Some(code) = reason {
            after[t.col("cancellation_reason")] = Value::text(code.as_str());
            after[t.col("cancellation_note")] =
                Value::opt(note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()));
        }
        tx.update_row(t, &after).await?;
        if reason.is_some()
            && let Some(party) = row[t.col("party_id")].as_uuid()
        {
            super::lists::refresh_party(&mut tx, party, who.now).await?;
        }
        let (before_json, after_json) = diff(t, Some(&row), Some(&after));
        let external = row[t.col("external_id")]
            .as_str()
            .unwrap_or_default()
            .to_string();
        tx.audit(&[AuditEntry {
            id: AuditId(Uuid::now_v7()),
            at: who.now,
            user: who.actor.map(|a| a.user),
            source: who.source.clone(),
            entity: "contracts".into(),
            entity_id: Some(external.clone()),
            action: if was_late {
                "withdraw_late".to_string()
            } else {
                event.code().to_string()
            },
            before: before_json,
            after: after_json,
        }])
        .await?;
        let stored = get(&mut tx, ImportKind::Contracts, &external)
            .await?
            .ok_or_else(|| RecordError::NotFound(format!("there is no contract {key}")))?;
        Ok(stored)
    }
    .await;
    match result {
        Ok(stored) => {
            tx.commit().await?;
            Ok(stored)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}
