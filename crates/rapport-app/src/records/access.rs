//! Whose party a record concerns, and whether the caller may write it.

use std::collections::{HashMap, HashSet};

use rapport_domain::UserId;
use rapport_domain::access::{Action, Actor, Touchpoint, allows};
use rapport_store::schema::{PARTIES, PARTY_LINKS};
use rapport_store::{Row, StoreError, Table, Tx, Value};
use uuid::Uuid;

use crate::import::ImportKind;
use crate::import::parse::Pending;
use crate::import::write::user_lookup;

use super::*;

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
/// Refuses the request when `actor` may not write one of its records: for parties, both the
/// stored owner and the owner the record would get; for touchpoints and contracts, the owner of
/// the party they concern.
pub(super) async fn check_writes(
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
                // Without the field a stored party keeps its owner, and a new one has the owner
                // the write gave it (see `upsert_owning`), if any.
                let new_owner = match owner_field {
                    Some(c) => users
                        .get(&p.raw[c].trim().to_lowercase())
                        .copied()
                        .map(UserId),
                    None if stored.contains_key(&p.key) => stored_owner,
                    None => p.row[PARTIES.col("owner_id")].as_uuid().map(UserId),
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
