//! Deleting records: a party with what hangs off it, unless the books need it; catalogue
//! entries only while nothing uses them; an order with its lines (`orders`).

use rapport_domain::access::allows;
use rapport_domain::{AuditEntry, AuditId, OrgId};
use rapport_store::schema::{
    CANCELLATION_REASONS, CASES, CONTRACTS, INTERACTIONS, ORDER_LINES, ORDERS, PARTIES,
    PARTY_ALIASES, PARTY_LINKS, PRODUCTS, SURVEY_RESPONSES, TASKS,
};
use rapport_store::{Store, Tx, Value};
use uuid::Uuid;

use crate::export::stored_as;
use crate::import::ImportKind;

use super::*;

/// Deletes the record with natural key (or id) `key`. A party goes with its touchpoints, links
/// and aliases; a party with orders or contracts, and catalogue entries in use, are refused
/// (those records are the company's books). An order goes with its lines.
pub async fn delete(
    store: &Store,
    org: OrgId,
    kind: ImportKind,
    key: &str,
    who: &Writing,
) -> Result<(), RecordError> {
    if kind == ImportKind::Orders {
        return super::orders::delete(store, org, key, who).await;
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
