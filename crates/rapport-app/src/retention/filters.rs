//! A user's saved filters of the win-back lists: a name, the list, and the list's query string
//! (owner, reason, minimum value, search). Saving and removing are audited.

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, AuditId, OrgId, UserId};
use rapport_store::{SavedFilter, Store, StoreError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::invalid;
use super::lists::LISTS;
use crate::records::RecordError;

/// The parameters a saved query may hold.
pub const QUERY_PARAMS: &[&str] = &["owner", "reason", "min_value", "q"];

/// Checks a list query string: `name=value` pairs of the known parameters only.
pub fn check_query(query: &str) -> Result<(), String> {
    if query.len() > 2_000 {
        return Err("is longer than 2000 characters".into());
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or_default();
        if !QUERY_PARAMS.contains(&name) {
            return Err(format!(
                "'{name}' is not a filter of the lists; they are {}",
                QUERY_PARAMS.join(", ")
            ));
        }
    }
    Ok(())
}

/// Saves `{list, name, query}` for `user`.
pub async fn save(
    store: &Store,
    org: OrgId,
    user: UserId,
    body: &Value,
    source: &str,
    now: DateTime<Utc>,
) -> Result<SavedFilter, RecordError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim);
    let mut errors = Vec::new();
    if let Some(obj) = body.as_object() {
        for k in obj.keys() {
            if !matches!(k.as_str(), "list" | "name" | "query") {
                errors.push(format!("{k}: is not a field of a saved filter"));
            }
        }
    } else {
        return Err(invalid("list", None, "the body must be a JSON object"));
    }
    let list = text("list").unwrap_or_default();
    if !LISTS.contains(&list) {
        return Err(invalid(
            "list",
            Some(list),
            format!("must be one of {}", LISTS.join(", ")),
        ));
    }
    let name = text("name").unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", Some(name), "must be 1 to 100 characters"));
    }
    let query = text("query").unwrap_or_default().trim_start_matches('?');
    if let Err(e) = check_query(query) {
        return Err(invalid("query", Some(query), e));
    }
    if let Some(e) = errors.first() {
        let (field, reason) = e.split_once(": ").unwrap_or(("body", e));
        return Err(invalid(field, None, reason));
    }
    let f = SavedFilter {
        id: Uuid::now_v7(),
        user: user.as_uuid(),
        list: list.to_string(),
        name: name.to_string(),
        query: query.to_string(),
        created_at: now,
    };
    let mut tx = store.begin(org).await?;
    let mine = tx.saved_filters(f.user, Some(list)).await?;
    if mine.iter().any(|m| m.name == f.name) {
        tx.rollback().await?;
        return Err(RecordError::Conflict(format!(
            "you have a saved filter called {} already",
            f.name
        )));
    }
    tx.insert_saved_filter(&f).await?;
    audit(&mut tx, user, source, "create", &f, now).await?;
    tx.commit().await?;
    Ok(f)
}

/// Removes one of `user`'s saved filters.
pub async fn delete(
    store: &Store,
    org: OrgId,
    user: UserId,
    id: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), RecordError> {
    let missing = || RecordError::NotFound(format!("you have no saved filter {id}"));
    let id = Uuid::parse_str(id.trim()).map_err(|_| missing())?;
    let mut tx = store.begin(org).await?;
    let found = tx
        .saved_filters(user.as_uuid(), None)
        .await?
        .into_iter()
        .find(|f| f.id == id);
    let Some(f) = found else {
        tx.rollback().await?;
        return Err(missing());
    };
    tx.delete_saved_filter(user.as_uuid(), id).await?;
    audit(&mut tx, user, source, "delete", &f, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    tx: &mut rapport_store::Tx,
    user: UserId,
    source: &str,
    action: &str,
    f: &SavedFilter,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = json!({"list": f.list, "name": f.name, "query": f.query});
    let (before, after) = if action == "delete" {
        (Some(body), None)
    } else {
        (None, Some(body))
    };
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user: Some(user),
        source: source.into(),
        entity: "saved_filters".into(),
        entity_id: Some(f.id.to_string()),
        action: action.into(),
        before,
        after,
    }])
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lists_filters_may_be_saved() {
        assert!(check_query("owner=me&reason=price_too_high&min_value=100").is_ok());
        assert!(check_query("").is_ok());
        assert!(check_query("sort=name").unwrap_err().contains("'sort'"));
    }
}
