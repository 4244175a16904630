//! Writing a batch of pending rows: resolve references in bulk, look up the stored records by
//! natural key, then insert the new, update the changed (only the columns the file speaks
//! for) and leave the rest alone; links between parties follow once both ends exist. Every
//! created and updated record gets an audit entry with what changed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, AuditId, LinkKind, UserId};
use rapport_store::schema::{CANCELLATION_REASONS, PARTIES, PARTY_ALIASES, PARTY_LINKS, PRODUCTS};
use rapport_store::{Row, StoreError, Table, Tx, Value};
use uuid::Uuid;

use super::parse::{Pending, PendingLink, RefKind};
use super::{ImportKind, ImportOptions, RowError};

/// What one batch came to.
#[derive(Default)]
pub(crate) struct BatchOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows refused at write time (raw fields and reasons).
    pub rejected: Vec<(Vec<String>, Vec<RowError>)>,
}

/// Writes batches of one kind inside one transaction, keeping small lookup tables (users,
/// products, reasons) for the whole import.
pub(crate) struct Writer {
    table: &'static Table,
    now: DateTime<Utc>,
    user: Option<UserId>,
    source: String,
    users: HashMap<String, Uuid>,
    products: HashMap<String, Uuid>,
    reasons: HashSet<String>,
    pub audit: Vec<AuditEntry>,
}

pub(crate) fn table_of(kind: ImportKind) -> &'static Table {
    use rapport_store::schema::*;
    match kind {
        ImportKind::Parties | ImportKind::Contacts => &PARTIES,
        ImportKind::Interactions => &INTERACTIONS,
        ImportKind::Products => &PRODUCTS,
        ImportKind::Orders => &ORDERS,
        ImportKind::Contracts => &CONTRACTS,
        ImportKind::CancellationReasons => &CANCELLATION_REASONS,
        ImportKind::Surveys => &SURVEY_RESPONSES,
        ImportKind::Cases => &CASES,
        ImportKind::Tasks => &TASKS,
    }
}

/// Users by lower-cased e-mail and by lower-cased name.
pub(crate) async fn user_lookup(tx: &mut Tx) -> Result<HashMap<String, Uuid>, StoreError> {
    let mut map = HashMap::new();
    for u in tx.list_users().await? {
        map.insert(u.email.as_str().to_lowercase(), u.id.as_uuid());
        map.entry(u.name.to_lowercase()).or_insert(u.id.as_uuid());
    }
    Ok(map)
}

/// Products by sku.
pub(crate) async fn product_lookup(tx: &mut Tx) -> Result<HashMap<String, Uuid>, StoreError> {
    let mut map = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .fetch_ordered(&PRODUCTS, "sku", after.as_deref(), 5_000)
            .await?;
        let Some(last) = page.last() else { break };
        after = last[PRODUCTS.col("sku")].as_str().map(str::to_string);
        for row in &page {
            if let (Some(sku), Some(id)) = (
                row[PRODUCTS.col("sku")].as_str(),
                row[PRODUCTS.col("id")].as_uuid(),
            ) {
                map.insert(sku.to_string(), id);
            }
        }
    }
    Ok(map)
}

impl Writer {
    /// A writer for `opts.kind`, with the lookup tables that kind refers to (only those: a
    /// one-record write from the API should not read the product catalogue it never names).
    pub(crate) async fn new(opts: &ImportOptions, tx: &mut Tx) -> Result<Writer, StoreError> {
        use ImportKind as K;
        let kind = opts.kind;
        let reasons = if kind == K::Contracts {
            tx.fetch_page(&CANCELLATION_REASONS, None, 100_000)
                .await?
                .into_iter()
                .filter_map(|r| r[0].as_str().map(str::to_string))
                .collect()
        } else {
            HashSet::new()
        };
        let users = if matches!(
            kind,
            K::Parties | K::Contacts | K::Interactions | K::Tasks | K::CancellationReasons
        ) {
            user_lookup(tx).await?
        } else {
            HashMap::new()
        };
        let products = if matches!(kind, K::Contracts | K::Orders) {
            product_lookup(tx).await?
        } else {
            HashMap::new()
        };
        Ok(Writer {
            table: table_of(kind),
            now: opts.now,
            user: opts.user,
            source: opts.source.clone(),
            users,
            products,
            reasons,
            audit: Vec::new(),
        })
    }

    pub(crate) async fn write_batch(
        &mut self,
        tx: &mut Tx,
        batch: Vec<Pending>,
    ) -> Result<BatchOutcome, StoreError> {
        self.write_batch_over(tx, batch, None).await
    }

    /// [`Writer::write_batch`] for a caller that has read the stored records with the batch's
    /// keys already (by natural key, and for parties through merge aliases too).
    pub(crate) async fn write_batch_over(
        &mut self,
        tx: &mut Tx,
        batch: Vec<Pending>,
        stored: Option<HashMap<String, Row>>,
    ) -> Result<BatchOutcome, StoreError> {
        let mut outcome = BatchOutcome::default();
        let batch = self.resolve(tx, batch, &mut outcome).await?;
        let stored = match stored {
            Some(stored) => stored,
            None => self.stored(tx, &batch).await?,
        };

        let mut inserts = Vec::new();
        let mut updates = Vec::new();
        let mut written = Vec::with_capacity(batch.len());
        for mut p in batch {
            match stored.get(&p.key) {
                None => {
                    // A file may leave out columns for records it only updates; a new record
                    // needs every required value.
                    let missing: Vec<&str> = self
                        .table
                        .columns
                        .iter()
                        .zip(&p.row)
                        .filter(|(c, v)| !c.nullable && v.is_null() && c.name != "id")
                        .map(|(c, _)| c.name)
                        .collect();
                    if !missing.is_empty() {
                        let errors = missing
                            .iter()
                            .map(|c| RowError {
                                line: p.line,
                                column: Some((*c).to_string()),
                                value: None,
                                reason: format!("is required for a new record (no stored record has the key {})", p.key),
                            })
                            .collect();
                        outcome.rejected.push((p.raw.clone(), errors));
                        continue;
                    }
                    if let Some(id) = self.table.try_col("id") {
                        p.row[id] = Value::Uuid(Uuid::now_v7());
                    }
                    inserts.push(p.row.clone());
                    self.audit_change("create", &p.key, None, Some(&p.row));
                    outcome.created += 1;
                    written.push(p);
                }
                Some(old) => {
                    let merged = self.merge(old, &p);
                    if &merged == old {
                        outcome.unchanged += 1;
                    } else {
                        let mut merged = merged;
                        if let Some(u) = self.table.try_col("updated_at") {
                            merged[u] = Value::Time(self.now);
                        }
                        self.audit_change("update", &p.key, Some(old), Some(&merged));
                        updates.push(merged.clone());
                        p.row = merged;
                        outcome.updated += 1;
                    }
                    written.push(p);
                }
            }
        }
        tx.insert_rows(self.table, &inserts).await?;
        for row in &updates {
            tx.update_row(self.table, row).await?;
        }
        self.write_links(tx, &written).await?;
        Ok(outcome)
    }

    /// Fills in referenced ids; rows naming something that does not exist are rejected (with
    /// everything else wrong with them) before anything of the batch is written.
    async fn resolve(
        &mut self,
        tx: &mut Tx,
        batch: Vec<Pending>,
        outcome: &mut BatchOutcome,
    ) -> Result<Vec<Pending>, StoreError> {
        let mut party_keys: Vec<String> = batch
            .iter()
            .flat_map(|p| {
                let refs = p
                    .refs
                    .iter()
                    .filter(|r| r.kind == RefKind::Party)
                    .map(|r| r.key.clone());
                let links = p.links.iter().flat_map(|l| [l.from.clone(), l.to.clone()]);
                refs.chain(links).collect::<Vec<_>>()
            })
            .collect();
        party_keys.sort();
        party_keys.dedup();
        let parties = tx.resolve_parties(&party_keys).await?;
        let mut good = Vec::with_capacity(batch.len());
        let mut earlier: HashSet<String> = HashSet::new();
        for mut p in batch {
            let mut errors = Vec::new();
            for r in &p.refs {
                let id = match r.kind {
                    RefKind::Party => parties.get(&r.key).copied(),
                    RefKind::User => self.users.get(&r.key.to_lowercase()).copied(),
                    RefKind::Product => self.products.get(&r.key).copied(),
                    RefKind::Reason => self.reasons.contains(&r.key).then(Uuid::nil),
                };
                match (id, r.kind) {
                    (Some(_), RefKind::Reason) => {}
                    (Some(id), _) => p.row[r.col] = Value::Uuid(id),
                    (None, kind) => errors.push(RowError {
                        line: p.line,
                        column: Some(r.field.to_string()),
                        value: Some(r.key.clone()),
                        reason: match kind {
                            RefKind::Party => "no party has this external id".to_string(),
                            RefKind::User => "no user has this e-mail or name".to_string(),
                            RefKind::Product => "no product has this sku".to_string(),
                            RefKind::Reason => {
                                "not in the cancellation-reason catalogue".to_string()
                            }
                        },
                    }),
                }
            }
            for l in &p.links {
                let other = if l.from == p.key { &l.to } else { &l.from };
                if !parties.contains_key(other) && !earlier.contains(other) {
                    errors.push(RowError {
                        line: p.line,
                        column: Some(l.field.to_string()),
                        value: Some(other.clone()),
                        reason: "no party has this external id".to_string(),
                    });
                }
            }
            if errors.is_empty() {
                earlier.insert(p.key.clone());
                good.push(p);
            } else {
                outcome.rejected.push((p.raw.clone(), errors));
            }
        }
        Ok(good)
    }

    /// Parties merged away live on as aliases of the party they were merged into: a record
    /// naming such an external id updates that party.
    /// The stored records with the batch's natural keys (parties also through merge aliases).
    async fn stored(
        &mut self,
        tx: &mut Tx,
        batch: &[Pending],
    ) -> Result<HashMap<String, Row>, StoreError> {
        let key_col = self.table.natural_key.unwrap_or("id");
        let keys: Vec<Value> = batch.iter().map(|p| Value::text(p.key.as_str())).collect();
        let key_idx = self.table.col(key_col);
        let mut stored: HashMap<String, Row> = HashMap::new();
        for row in tx.fetch_in(self.table, key_col, &keys).await? {
            if let Some(k) = row[key_idx].as_str() {
                stored.insert(k.to_string(), row);
            }
        }
        if self.table.name == PARTIES.name {
            self.find_merged(tx, batch, &mut stored).await?;
        }
        Ok(stored)
    }

    async fn find_merged(
        &mut self,
        tx: &mut Tx,
        batch: &[Pending],
        stored: &mut HashMap<String, Row>,
    ) -> Result<(), StoreError> {
        let missing: Vec<Value> = batch
            .iter()
            .filter(|p| !stored.contains_key(&p.key))
            .map(|p| Value::text(p.key.as_str()))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let aliases = tx.fetch_in(&PARTY_ALIASES, "external_id", &missing).await?;
        if aliases.is_empty() {
            return Ok(());
        }
        let ids: Vec<Value> = aliases.iter().map(|a| a[1].clone()).collect();
        let by_id: HashMap<Uuid, Row> = tx
            .fetch_in(&PARTIES, "id", &ids)
            .await?
            .into_iter()
            .filter_map(|r| r[0].as_uuid().map(|id| (id, r)))
            .collect();
        for alias in aliases {
            if let (Some(ext), Some(id)) = (alias[0].as_str(), alias[1].as_uuid())
                && let Some(row) = by_id.get(&id)
            {
                stored.insert(ext.to_string(), row.clone());
            }
        }
        Ok(())
    }

    /// The stored row with the columns the file speaks for replaced.
    fn merge(&self, old: &Row, p: &Pending) -> Row {
        let mut merged = old.clone();
        for (i, col) in self.table.columns.iter().enumerate() {
            if p.present[i]
                && !matches!(col.name, "id" | "external_id" | "created_at" | "updated_at")
            {
                merged[i] = p.row[i].clone();
            }
        }
        merged
    }

    fn audit_change(&mut self, action: &str, key: &str, before: Option<&Row>, after: Option<&Row>) {
        let (before, after) = diff(self.table, before, after);
        self.audit.push(AuditEntry {
            id: AuditId(Uuid::now_v7()),
            at: self.now,
            user: self.user,
            source: self.source.clone(),
            entity: self.table.name.to_string(),
            entity_id: Some(key.to_string()),
            action: action.to_string(),
            before,
            after,
        });
    }

    async fn write_links(&mut self, tx: &mut Tx, batch: &[Pending]) -> Result<(), StoreError> {
        let links: Vec<&PendingLink> = batch.iter().flat_map(|p| &p.links).collect();
        if links.is_empty() {
            return Ok(());
        }
        let mut keys: Vec<String> = links
            .iter()
            .flat_map(|l| [l.from.clone(), l.to.clone()])
            .collect();
        keys.sort();
        keys.dedup();
        let parties = tx.resolve_parties(&keys).await?;
        let link_key = |l: &PendingLink| format!("{}:{}:{}", l.kind.as_str(), l.from, l.to);
        let ext: Vec<Value> = links.iter().map(|l| Value::text(link_key(l))).collect();
        let ext_col = PARTY_LINKS.col("external_id");
        let stored: HashMap<String, Row> = tx
            .fetch_in(&PARTY_LINKS, "external_id", &ext)
            .await?
            .into_iter()
            .filter_map(|r| r[ext_col].as_str().map(|k| (k.to_string(), r.clone())))
            .collect();
        let mut inserts = Vec::new();
        for l in links {
            let (Some(from), Some(to)) = (parties.get(&l.from), parties.get(&l.to)) else {
                continue;
            };
            let key = link_key(l);
            let mut row = vec![
                Value::Uuid(Uuid::now_v7()),
                Value::text(&key),
                Value::text(l.kind.as_str()),
                Value::Uuid(*from),
                Value::Uuid(*to),
                Value::opt(l.job_title.clone()),
                Value::opt(l.since),
                Value::Bool(false),
            ];
            match stored.get(&key) {
                None => {
                    if l.kind == LinkKind::Referral {
                        row[PARTY_LINKS.col("converted")] = Value::Bool(true);
                    }
                    self.audit_link("create", &key, None, Some(&row));
                    inserts.push(row);
                }
                Some(old) => {
                    row[0] = old[0].clone();
                    row[PARTY_LINKS.col("converted")] = old[PARTY_LINKS.col("converted")].clone();
                    if &row != old {
                        self.audit_link("update", &key, Some(old), Some(&row));
                        tx.update_row(&PARTY_LINKS, &row).await?;
                    }
                }
            }
        }
        tx.insert_rows(&PARTY_LINKS, &inserts).await?;
        Ok(())
    }

    fn audit_link(&mut self, action: &str, key: &str, before: Option<&Row>, after: Option<&Row>) {
        let (before, after) = diff(&PARTY_LINKS, before, after);
        self.audit.push(AuditEntry {
            id: AuditId(Uuid::now_v7()),
            at: self.now,
            user: self.user,
            source: self.source.clone(),
            entity: PARTY_LINKS.name.to_string(),
            entity_id: Some(key.to_string()),
            action: action.to_string(),
            before,
            after,
        });
    }
}

/// Before and after images of the columns that differ (all columns for a creation).
pub(crate) fn diff(
    table: &Table,
    before: Option<&Row>,
    after: Option<&Row>,
) -> (Option<serde_json::Value>, Option<serde_json::Value>) {
    let mut b = serde_json::Map::new();
    let mut a = serde_json::Map::new();
    for (i, col) in table.columns.iter().enumerate() {
        if matches!(col.name, "updated_at" | "created_at") {
            continue;
        }
        let old = before.map(|r| &r[i]);
        let new = after.map(|r| &r[i]);
        if old != new {
            if let Some(v) = old {
                b.insert(col.name.to_string(), v.to_json());
            }
            if let Some(v) = new
                && !(before.is_none() && v.is_null())
            {
                a.insert(col.name.to_string(), v.to_json());
            }
        }
    }
    (
        before.map(|_| serde_json::Value::Object(b)),
        after.map(|_| serde_json::Value::Object(a)),
    )
}
