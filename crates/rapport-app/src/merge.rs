//! Duplicate parties: finding candidates (scored, with reasons in plain words) and merging one
//! party into another. A merge moves every touchpoint, link and task to the kept party, fills
//! the kept party's empty fields from the other, records the merge in the audit log, and keeps
//! the other's external id as an alias so later imports that name it still match.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::duplicates::{DuplicateCandidate, DuplicateInput, find_duplicates};
use rapport_domain::{AuditEntry, AuditId, OrgId, UserId};
use rapport_store::schema::{
    CAMPAIGN_MEMBERS, PARTIES, PARTY_ALIASES, PARTY_LINKS, PARTY_REFERENCES, PARTY_SCORES,
    WINBACK_ENTRIES,
};
use rapport_store::{Row, Store, StoreError, Value};
use uuid::Uuid;

/// The default score from which two parties count as likely duplicates. A shared name alone
/// scores at most 0.8 (0.85 with the same city): common names are shared by different people,
/// so by default a pair also needs a shared e-mail address or phone number.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// A candidate pair, with the parties' external ids and names for display.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DuplicatePair {
    pub score: f64,
    pub a: PartyLabel,
    pub b: PartyLabel,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PartyLabel {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Candidate duplicate parties of the org with a score of at least `threshold`, best first.
pub async fn duplicates(
    store: &Store,
    org: OrgId,
    threshold: f64,
) -> Result<Vec<DuplicatePair>, StoreError> {
    let mut tx = store.begin(org).await?;
    let mut inputs = Vec::new();
    let mut labels: HashMap<Uuid, PartyLabel> = HashMap::new();
    let mut after = None;
    loop {
        let page = tx.party_briefs(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for p in page {
            labels.insert(
                p.id,
                PartyLabel {
                    id: p.id,
                    external_id: p.external_id.clone(),
                    name: p.name.clone(),
                    email: p.email.clone(),
                },
            );
            inputs.push(DuplicateInput {
                id: p.id,
                kind: p.kind,
                name: p.name,
                email: p.email,
                phone: p.phone,
                city: p.city,
            });
        }
    }
    tx.rollback().await?;
    let found: Vec<DuplicateCandidate> = find_duplicates(&inputs, threshold);
    Ok(found
        .into_iter()
        .filter_map(|c| {
            Some(DuplicatePair {
                score: c.score,
                a: labels.get(&c.a)?.clone(),
                b: labels.get(&c.b)?.clone(),
                reasons: c.reasons,
            })
        })
        .collect())
}

/// What a merge moved.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MergeReport {
    pub kept: String,
    pub merged: String,
    /// Rows moved per table.
    pub moved: Vec<(String, u64)>,
    /// Fields of the kept party filled from the other.
    pub filled: Vec<String>,
    /// Score rows of the merged-away party removed (the next score run scores the merge).
    pub dropped_scores: u64,
}

/// Finds a party by id or external id.
async fn find(tx: &mut rapport_store::Tx, reference: &str) -> Result<Option<Row>, StoreError> {
    if let Ok(id) = Uuid::parse_str(reference.trim())
        && let Some(row) = tx.fetch_in(&PARTIES, "id", &[Value::Uuid(id)]).await?.pop()
    {
        return Ok(Some(row));
    }
    let map = tx.resolve_parties(&[reference.trim().to_string()]).await?;
    match map.get(reference.trim()) {
        Some(id) => Ok(tx
            .fetch_in(&PARTIES, "id", &[Value::Uuid(*id)])
            .await?
            .pop()),
        None => Ok(None),
    }
}

/// Merges `other` into `keep` (each given by id or external id).
pub async fn merge(
    store: &Store,
    org: OrgId,
    keep: &str,
    other: &str,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<MergeReport, MergeError> {
    let mut tx = store.begin(org).await?;
    let keep_row = find(&mut tx, keep)
        .await?
        .ok_or_else(|| MergeError::Invalid(format!("no party '{keep}'")))?;
    let other_row = find(&mut tx, other)
        .await?
        .ok_or_else(|| MergeError::Invalid(format!("no party '{other}'")))?;
    let (id_col, ext_col) = (PARTIES.col("id"), PARTIES.col("external_id"));
    let keep_id = keep_row[id_col].as_uuid().unwrap_or_default();
    let other_id = other_row[id_col].as_uuid().unwrap_or_default();
    if keep_id == other_id {
        return Err(MergeError::Invalid(
            "a party cannot be merged into itself".into(),
        ));
    }
    // A campaign member's attempts and outcome belong to that customer as the campaign saw
    // them; moving them onto another would change the campaign's result.
    if !tx
        .fetch_in(&CAMPAIGN_MEMBERS, "party_id", &[Value::Uuid(other_id)])
        .await?
        .is_empty()
    {
        return Err(MergeError::Invalid(format!(
            "'{other}' is in a win-back campaign: its attempts and outcome stay with it, so it cannot be merged away (merge the other way round, or keep both)"
        )));
    }
    let mut report = MergeReport {
        kept: keep_row[ext_col].as_str().unwrap_or_default().to_string(),
        merged: other_row[ext_col].as_str().unwrap_or_default().to_string(),
        ..MergeReport::default()
    };

    // Links between the two would become self-links: drop them first.
    for link in tx
        .fetch_in(
            &PARTY_LINKS,
            "from_party_id",
            &[Value::Uuid(other_id), Value::Uuid(keep_id)],
        )
        .await?
    {
        let from = link[PARTY_LINKS.col("from_party_id")].as_uuid();
        let to = link[PARTY_LINKS.col("to_party_id")].as_uuid();
        let between = matches!((from, to), (Some(f), Some(t)) if (f == keep_id && t == other_id) || (f == other_id && t == keep_id));
        if between {
            tx.delete_where(&PARTY_LINKS, "id", &link[0]).await?;
        }
    }
    for (table, column) in PARTY_REFERENCES {
        let n = tx.reassign(table, column, other_id, keep_id).await?;
        if n > 0 {
            report.moved.push((format!("{}.{column}", table.name), n));
        }
    }

    // Fill the kept party's gaps; roles and tags become the union.
    let mut merged = keep_row.clone();
    for (i, col) in PARTIES.columns.iter().enumerate() {
        match col.name {
            "id" | "external_id" | "created_at" | "updated_at" | "kind" => {}
            "roles" | "tags" => {
                let mut set: Vec<&str> = merged[i]
                    .as_str()
                    .unwrap_or("")
                    .split(';')
                    .chain(other_row[i].as_str().unwrap_or("").split(';'))
                    .filter(|s| !s.is_empty())
                    .collect();
                set.sort();
                set.dedup();
                let joined = set.join(";");
                if merged[i].as_str() != Some(joined.as_str()) {
                    merged[i] = Value::text(joined);
                    report.filled.push(col.name.to_string());
                }
            }
            "attributes" => {
                if let (
                    Value::Json(serde_json::Value::Object(k)),
                    Value::Json(serde_json::Value::Object(o)),
                ) = (&merged[i], &other_row[i])
                {
                    let mut k = k.clone();
                    let before = k.len();
                    for (key, v) in o {
                        k.entry(key.clone()).or_insert_with(|| v.clone());
                    }
                    if k.len() != before {
                        report.filled.push(col.name.to_string());
                    }
                    merged[i] = Value::Json(serde_json::Value::Object(k));
                }
            }
            _ => {
                if merged[i].is_null() && !other_row[i].is_null() {
                    merged[i] = other_row[i].clone();
                    report.filled.push(col.name.to_string());
                }
            }
        }
    }
    if merged != keep_row {
        merged[PARTIES.col("updated_at")] = Value::Time(now);
        tx.update_row(&PARTIES, &merged).await?;
    }
    // The merged-away party's scores describe a customer that no longer stands alone (and
    // would collide with the kept party's in runs that scored both): they go; the next score
    // run scores the merged customer. Its win-back entries go too; the next refresh lists the
    // kept party.
    tx.delete_where(&WINBACK_ENTRIES, "party_id", &Value::Uuid(other_id))
        .await?;
    report.dropped_scores = tx
        .delete_where(&PARTY_SCORES, "party_id", &Value::Uuid(other_id))
        .await?;
    tx.delete_where(&PARTIES, "id", &Value::Uuid(other_id))
        .await?;
    tx.insert_rows(
        &PARTY_ALIASES,
        &[vec![other_row[ext_col].clone(), Value::Uuid(keep_id)]],
    )
    .await?;
    let (_, before) = crate::import::diff_rows(&PARTIES, None, Some(&other_row));
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user: actor,
        source: source.into(),
        entity: "parties".into(),
        entity_id: Some(report.kept.clone()),
        action: "merge".into(),
        before: Some(serde_json::json!({"merged_party": before})),
        after: Some(serde_json::json!({
            "kept": report.kept,
            "merged": report.merged,
            "moved": report.moved.iter().map(|(t, n)| serde_json::json!({"table": t, "rows": n})).collect::<Vec<_>>(),
            "filled": report.filled,
        })),
    }])
    .await?;
    tx.commit().await?;
    Ok(report)
}
