//! Typed operations on top of the generic rows: orgs, users, the audit log, party lookups by
//! external id (aliases included), a party's orders summed and who ordered lately, and the
//! brief party view duplicate detection works on.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, Email, Org, OrgId, User, UserId, UserRole};
use uuid::Uuid;

use crate::dialect::placeholders;
use crate::schema::{AUDIT_LOG, PARTIES, PARTY_ALIASES, USERS};
use crate::tx::IN_CHUNK;

use crate::value::{ColType, Row, Value};
use crate::{Context, Pool, Result, Store, StoreError, Tx};

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: UserRole,
    pub locale: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A party's orders in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSummary {
    pub currency: String,
    pub orders: i64,
    pub total_minor: i64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl OrderSummary {
    /// From a row of currency, orders, total, first and last order time.
    pub(crate) fn from_row(r: &Row) -> OrderSummary {
        OrderSummary {
            currency: r[0].as_str().unwrap_or_default().to_string(),
            orders: r[1].as_int().unwrap_or(0),
            total_minor: r[2].as_int().unwrap_or(0),
            first: r[3].as_time(),
            last: r[4].as_time(),
        }
    }
}

/// The fields duplicate detection compares.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyBrief {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
}

impl Store {
    /// The org called `name`, created (with `id` and `now`) if it does not exist yet.
    pub async fn ensure_org(
        &self,
        name: &str,
        id: OrgId,
        now: DateTime<Utc>,
    ) -> Result<(Org, bool)> {
        if let Some(org) = self.find_org(name).await? {
            return Ok((org, false));
        }
        let sql = "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)";
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query(sql)
                .bind(id.as_uuid())
                .bind(name)
                .bind(now)
                .execute(p)
                .await
                .map(|_| ()),
            Pool::Postgres(p) => sqlx::query(sql)
                .bind(id.as_uuid())
                .bind(name)
                .bind(now)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .ctx(|| format!("creating org {name}"))?;
        Ok((
            Org {
                id,
                name: name.to_string(),
                created_at: now,
            },
            true,
        ))
    }

    pub async fn find_org(&self, name: &str) -> Result<Option<Org>> {
        let sql = "SELECT id, name, created_at FROM orgs WHERE name = $1";
        let row: Option<(Uuid, String, DateTime<Utc>)> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(sql).bind(name).fetch_optional(p).await,
            Pool::Postgres(p) => sqlx::query_as(sql).bind(name).fetch_optional(p).await,
        }
        .ctx(|| format!("looking up org {name}"))?;
        Ok(row.map(|(id, name, created_at)| Org {
            id: OrgId(id),
            name,
            created_at,
        }))
    }
}

impl Tx {
    pub async fn insert_user(&mut self, user: &NewUser) -> Result<()> {
        let row = vec![
            Value::Uuid(user.id.as_uuid()),
            Value::text(user.email.as_str()),
            Value::text(&user.name),
            Value::text(user.role.as_str()),
            Value::text(&user.locale),
            Value::text(&user.password_hash),
            Value::Bool(false),
            Value::Time(user.created_at),
        ];
        self.insert_rows(&USERS, &[row]).await.map_err(|e| match e {
            StoreError::Constraint(_) => StoreError::Invalid(format!(
                "a user with e-mail {} exists already",
                user.email.as_str()
            )),
            other => other,
        })
    }

    pub async fn list_users(&mut self) -> Result<Vec<User>> {
        let mut users = Vec::new();
        let mut after: Option<Vec<Value>> = None;
        const PAGE: usize = 1000;
        loop {
            let page = self.fetch_page(&USERS, after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(Tx::key_of(&USERS, last));
            for row in &page {
                users.push(user_from_row(row)?);
            }
            if page.len() < PAGE {
                break;
            }
        }
        users.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
        Ok(users)
    }

    /// The e-mail of each user in `ids` (ids of no user are left out).
    pub async fn user_emails(&mut self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        let values: Vec<Value> = ids.iter().map(|id| Value::Uuid(*id)).collect();
        self.names_of("users", "email", &values).await
    }

    pub async fn find_user_by_email(&mut self, email: &Email) -> Result<Option<User>> {
        let rows = self
            .fetch_in(&USERS, "email", &[Value::text(email.as_str())])
            .await?;
        rows.first().map(user_from_row).transpose()
    }

    pub async fn find_user(&mut self, id: UserId) -> Result<Option<User>> {
        let rows = self
            .fetch_in(&USERS, "id", &[Value::Uuid(id.as_uuid())])
            .await?;
        rows.first().map(user_from_row).transpose()
    }

    /// Stores a user's changed name, role, locale, password hash or disabled flag (the id and
    /// e-mail stay).
    pub async fn save_user(&mut self, user: &User) -> Result<bool> {
        Ok(self.update_row(&USERS, &user_to_row(user)).await? == 1)
    }

    /// Enables or disables a user; `false` if there is no such user.
    pub async fn set_user_disabled(&mut self, email: &Email, disabled: bool) -> Result<bool> {
        let Some(user) = self.find_user_by_email(email).await? else {
            return Ok(false);
        };
        let mut row = user_to_row(&user);
        row[USERS.col("disabled")] = Value::Bool(disabled);
        self.update_row(&USERS, &row).await?;
        Ok(true)
    }

    /// Appends entries to the audit log.
    pub async fn audit(&mut self, entries: &[AuditEntry]) -> Result<()> {
        let rows: Vec<Row> = entries
            .iter()
            .map(|e| {
                vec![
                    Value::Uuid(e.id.as_uuid()),
                    Value::Time(e.at),
                    Value::opt(e.user.map(|u| u.as_uuid())),
                    Value::text(&e.source),
                    Value::text(&e.entity),
                    Value::opt(e.entity_id.clone()),
                    Value::text(&e.action),
                    Value::opt(e.before.clone()),
                    Value::opt(e.after.clone()),
                ]
            })
            .collect();
        self.insert_rows(&AUDIT_LOG, &rows).await
    }

    /// The newest audit entries first, at most `limit`, optionally for one entity kind.
    pub async fn list_audit(
        &mut self,
        entity: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let types: Vec<ColType> = AUDIT_LOG.columns.iter().map(|c| c.ty).collect();
        let filter = if entity.is_some() {
            " AND entity = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} FROM audit_log WHERE org_id = $1{filter} ORDER BY id DESC LIMIT {limit}",
            AUDIT_LOG.column_list()
        );
        let binds: Vec<(Value, ColType)> = entity
            .map(|e| (Value::text(e), ColType::Text))
            .into_iter()
            .collect();
        let rows = self
            .select(sql, &binds, &types, || "reading the audit log".into())
            .await?;
        Ok(rows.iter().map(audit_from_row).collect())
    }

    /// Maps external ids to party ids, through the parties' own external ids and the aliases
    /// left by merges. Ids not found are absent from the map.
    pub async fn resolve_parties(
        &mut self,
        external_ids: &[String],
    ) -> Result<HashMap<String, Uuid>> {
        let values: Vec<Value> = external_ids
            .iter()
            .map(|s| Value::text(s.as_str()))
            .collect();
        let mut found = HashMap::new();
        let ext = PARTIES.col("external_id");
        let id = PARTIES.col("id");
        for row in self.fetch_in(&PARTIES, "external_id", &values).await? {
            if let (Some(e), Some(i)) = (row[ext].as_str(), row[id].as_uuid()) {
                found.insert(e.to_string(), i);
            }
        }
        let missing: Vec<Value> = external_ids
            .iter()
            .filter(|e| !found.contains_key(*e))
            .map(|s| Value::text(s.as_str()))
            .collect();
        if !missing.is_empty() {
            for row in self
                .fetch_in(&PARTY_ALIASES, "external_id", &missing)
                .await?
            {
                if let (Some(e), Some(i)) = (row[0].as_str(), row[1].as_uuid()) {
                    found.insert(e.to_string(), i);
                }
            }
        }
        Ok(found)
    }

    /// A party's orders per currency: how many, their total in minor units, the first and the
    /// last order's time.
    pub async fn order_summary(&mut self, party: Uuid) -> Result<Vec<OrderSummary>> {
        let sql = "SELECT o.currency, COUNT(DISTINCT o.id), CAST(COALESCE(SUM(l.amount_minor), 0) AS BIGINT), \
                   MIN(o.ordered_at), MAX(o.ordered_at) \
                   FROM orders o LEFT JOIN order_lines l ON l.org_id = o.org_id AND l.order_id = o.id \
                   WHERE o.org_id = $1 AND o.party_id = $2 GROUP BY o.currency ORDER BY o.currency";
        let types = [
            ColType::Text,
            ColType::Int,
            ColType::Int,
            ColType::Time,
            ColType::Time,
        ];
        let rows = self
            .select(
                sql.into(),
                &[(Value::Uuid(party), ColType::Uuid)],
                &types,
                || "summing a party's orders".into(),
            )
            .await?;
        Ok(rows.iter().map(OrderSummary::from_row).collect())
    }

    /// Sets each of these orders' `total_minor` to the sum of its stored lines (0 without
    /// lines): for writers that add or change lines of orders whose total they do not know.
    pub async fn refresh_order_totals(&mut self, orders: &[Uuid]) -> Result<()> {
        for chunk in orders.chunks(IN_CHUNK) {
            let sql = format!(
                "UPDATE orders SET total_minor = (SELECT CAST(COALESCE(SUM(l.amount_minor), 0) AS BIGINT) \
                 FROM order_lines l WHERE l.org_id = orders.org_id AND l.order_id = orders.id) \
                 WHERE org_id = $1 AND id IN ({})",
                placeholders(2, chunk.len())
            );
            let binds: Vec<(Value, ColType)> = chunk
                .iter()
                .map(|o| (Value::Uuid(*o), ColType::Uuid))
                .collect();
            self.execute(sql, &binds, || "summing orders' lines".into())
                .await?;
        }
        Ok(())
    }

    /// The parties among `parties` with an order at or after `since` (each once), read through
    /// the orders' `(party_id, ordered_at)` index.
    pub async fn parties_ordering_since(
        &mut self,
        since: DateTime<Utc>,
        parties: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        let mut found = Vec::new();
        for chunk in parties.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT DISTINCT party_id FROM orders WHERE org_id = $1 AND ordered_at >= $2 \
                 AND party_id IN ({})",
                placeholders(3, chunk.len())
            );
            let mut binds = vec![(Value::Time(since), ColType::Time)];
            binds.extend(chunk.iter().map(|p| (Value::Uuid(*p), ColType::Uuid)));
            let rows = self
                .select(sql, &binds, &[ColType::Uuid], || {
                    "finding customers who ordered lately".into()
                })
                .await?;
            found.extend(rows.iter().filter_map(|r| r[0].as_uuid()));
        }
        Ok(found)
    }

    /// The fields duplicate detection needs, for every party of the org, a page at a time.
    pub async fn party_briefs(
        &mut self,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<PartyBrief>> {
        let types = [
            ColType::Uuid,
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::Text,
        ];
        let cond = if after.is_some() { " AND id > $2" } else { "" };
        let sql = format!(
            "SELECT id, external_id, kind, name, email, phone, city FROM parties WHERE org_id = $1{cond} ORDER BY id LIMIT {limit}"
        );
        let binds: Vec<(Value, ColType)> = after
            .map(|a| (Value::Uuid(a), ColType::Uuid))
            .into_iter()
            .collect();
        let rows = self
            .select(sql, &binds, &types, || "reading parties".into())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| PartyBrief {
                id: r[0].as_uuid().unwrap_or_default(),
                external_id: r[1].as_str().map(str::to_string),
                kind: r[2].as_str().unwrap_or_default().to_string(),
                name: r[3].as_str().unwrap_or_default().to_string(),
                email: r[4].as_str().map(str::to_string),
                phone: r[5].as_str().map(str::to_string),
                city: r[6].as_str().map(str::to_string),
            })
            .collect())
    }
}

fn user_to_row(u: &User) -> Row {
    vec![
        Value::Uuid(u.id.as_uuid()),
        Value::text(u.email.as_str()),
        Value::text(&u.name),
        Value::text(u.role.as_str()),
        Value::text(&u.locale),
        Value::text(&u.password_hash),
        Value::Bool(u.disabled),
        Value::Time(u.created_at),
    ]
}

fn user_from_row(r: &Row) -> Result<User> {
    let bad = |what: &str| StoreError::Invalid(format!("stored user has an invalid {what}"));
    Ok(User {
        id: UserId(r[0].as_uuid().ok_or_else(|| bad("id"))?),
        email: Email::parse(r[1].as_str().unwrap_or_default()).map_err(|_| bad("e-mail"))?,
        name: r[2].as_str().unwrap_or_default().to_string(),
        role: UserRole::parse(r[3].as_str().unwrap_or_default()).map_err(|_| bad("role"))?,
        locale: r[4].as_str().unwrap_or_default().to_string(),
        password_hash: r[5].as_str().unwrap_or_default().to_string(),
        disabled: r[6].as_bool().unwrap_or(false),
        created_at: r[7].as_time().ok_or_else(|| bad("creation time"))?,
    })
}

fn audit_from_row(r: &Row) -> AuditEntry {
    let json = |v: &Value| match v {
        Value::Json(j) => Some(j.clone()),
        _ => None,
    };
    AuditEntry {
        id: rapport_domain::AuditId(r[0].as_uuid().unwrap_or_default()),
        at: r[1].as_time().unwrap_or_default(),
        user: r[2].as_uuid().map(UserId),
        source: r[3].as_str().unwrap_or_default().to_string(),
        entity: r[4].as_str().unwrap_or_default().to_string(),
        entity_id: r[5].as_str().map(str::to_string),
        action: r[6].as_str().unwrap_or_default().to_string(),
        before: json(&r[7]),
        after: json(&r[8]),
    }
}
