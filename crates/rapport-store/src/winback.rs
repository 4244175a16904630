//! The win-back lists: the facts they are built from (each aggregated by the database), the
//! entries written whole after a score run or one customer at a time after a cancellation, and
//! the lists read filtered, sorted by value and paged; and users' saved filters.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::query::party_search;
use crate::schema::{SAVED_FILTERS, WINBACK_ENTRIES};
use crate::value::{ColType, Row, Value};
use crate::{Backend, Result, Tx};

/// One customer's entry in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct WinbackEntry {
    pub list: String,
    pub party: Uuid,
    /// The CLV at stake (at risk) or lost (churned), in the org's currency.
    pub value: f64,
    /// Revenue of the ended contracts (churned), minor units.
    pub revenue_minor: i64,
    /// The main reason: a signal code, or the cancellation reason's code.
    pub reason_code: Option<String>,
    /// `[{code, params}]`.
    pub reasons: serde_json::Value,
    pub since: Option<DateTime<Utc>>,
}

/// Which entries of a list, in pages, the most valuable first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WinbackQuery {
    pub list: String,
    pub owner: Option<Uuid>,
    /// Only entries with this reason among theirs (a signal or cancellation-reason code).
    pub reason: Option<String>,
    pub min_value: Option<f64>,
    /// Name or e-mail contains, or the external id equals.
    pub search: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// An entry with its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct WinbackRow {
    pub entry: WinbackEntry,
    pub external_id: String,
    pub name: String,
    pub owner: Option<Uuid>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub refreshed_at: DateTime<Utc>,
}

/// A customer's scores in a run, as the win-back signals read them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunScore {
    pub party: Uuid,
    pub p_alive: Option<f64>,
    pub health: f64,
    pub previous_health: Option<f64>,
    pub clv: Option<f64>,
    /// The health components with their reasons, as stored; `Null` when they give no purchase
    /// trend reason (the only one the lists look at), which is then not parsed at all.
    pub components: serde_json::Value,
    /// Weeks from the first to the last purchase, and from the first purchase to the run.
    pub recency: f64,
    pub age: f64,
}

/// A contract that ended, for the churned list.
#[derive(Debug, Clone, PartialEq)]
pub struct EndedFact {
    pub party: Uuid,
    pub status: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    pub value_minor: i64,
}

/// A saved filter.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedFilter {
    pub id: Uuid,
    pub user: Uuid,
    pub list: String,
    pub name: String,
    pub query: String,
    pub created_at: DateTime<Utc>,
}

fn entry_row(e: &WinbackEntry, now: DateTime<Utc>) -> Row {
    vec![
        Value::text(e.list.as_str()),
        Value::Uuid(e.party),
        Value::Float(e.value),
        Value::Int(e.revenue_minor),
        Value::opt(e.reason_code.clone()),
        Value::Json(e.reasons.clone()),
        Value::opt(e.since),
        Value::Time(now),
    ]
}

impl Tx {
    /// Replaces the whole of `list` with `entries`. Not all-or-nothing on its own: the caller
    /// rolls its transaction back on an error.
    pub async fn replace_winback_list(
        &mut self,
        list: &str,
        entries: impl IntoIterator<Item = WinbackEntry> + Send,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.delete_where(&WINBACK_ENTRIES, "list", &Value::text(list))
            .await?;
        let mut entries = entries.into_iter();
        loop {
            let rows: Vec<Row> = entries
                .by_ref()
                .take(2_000)
                .map(|e| entry_row(&e, now))
                .collect();
            if rows.is_empty() {
                return Ok(());
            }
            self.append_rows(&WINBACK_ENTRIES, &rows).await?;
        }
    }

    /// Replaces one customer's entries in `list` (none: the customer leaves the list).
    pub async fn replace_winback_entry(
        &mut self,
        list: &str,
        party: Uuid,
        entry: Option<&WinbackEntry>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            "DELETE FROM winback_entries WHERE org_id = $1 AND list = $2 AND party_id = $3".into(),
            &[
                (Value::text(list), ColType::Text),
                (Value::Uuid(party), ColType::Uuid),
            ],
            || "removing a win-back entry".into(),
        )
        .await?;
        if let Some(e) = entry {
            self.insert_rows(&WINBACK_ENTRIES, &[entry_row(e, now)])
                .await?;
        }
        Ok(())
    }

    /// One customer's entry in `list`.
    pub async fn winback_entry(&mut self, list: &str, party: Uuid) -> Result<Option<WinbackEntry>> {
        let q = WinbackQuery {
            list: list.into(),
            limit: 1,
            ..WinbackQuery::default()
        };
        let (mut cond, mut binds) = conditions(self.backend(), &q);
        binds.push((Value::Uuid(party), ColType::Uuid));
        cond.push_str(&format!(" AND w.party_id = ${}", binds.len() + 1));
        Ok(self
            .winback_select(&cond, &binds, 0, 1)
            .await?
            .pop()
            .map(|r| r.entry))
    }

    /// A page of `q`'s entries, the most valuable first.
    pub async fn winback_page(&mut self, q: &WinbackQuery) -> Result<Vec<WinbackRow>> {
        let (cond, binds) = conditions(self.backend(), q);
        self.winback_select(&cond, &binds, q.offset, q.limit).await
    }

    /// How many entries match `q` (its page aside).
    pub async fn winback_count(&mut self, q: &WinbackQuery) -> Result<i64> {
        let (cond, binds) = conditions(self.backend(), q);
        // The customers' table is only needed for the owner and the search.
        let join = if q.owner.is_some() || q.search.as_deref().is_some_and(|t| !t.is_empty()) {
            " JOIN parties p ON p.org_id = w.org_id AND p.id = w.party_id"
        } else {
            ""
        };
        let sql = format!("SELECT COUNT(*) FROM winback_entries w{join} WHERE w.org_id = $1{cond}");
        let rows = self
            .select(sql, &binds, &[ColType::Int], || {
                "counting a win-back list".into()
            })
            .await?;
        Ok(rows.first().and_then(|r| r[0].as_int()).unwrap_or(0))
    }

    async fn winback_select(
        &mut self,
        cond: &str,
        binds: &[(Value, ColType)],
        offset: usize,
        limit: usize,
    ) -> Result<Vec<WinbackRow>> {
        let sql = format!(
            "SELECT w.list, w.party_id, w.value, w.revenue_minor, w.reason_code, w.reasons, \
             w.since, w.refreshed_at, p.external_id, p.name, p.owner_id, p.email, p.phone \
             FROM winback_entries w JOIN parties p ON p.org_id = w.org_id AND p.id = w.party_id \
             WHERE w.org_id = $1{cond} ORDER BY w.value DESC, w.party_id DESC LIMIT {limit} OFFSET {offset}"
        );
        use ColType::*;
        let types = [
            Text, Uuid, Float, Int, Text, Json, Time, Time, Text, Text, Uuid, Text, Text,
        ];
        let rows = self
            .select(sql, binds, &types, || "reading a win-back list".into())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(WinbackRow {
                    entry: WinbackEntry {
                        list: r[0].as_str()?.to_string(),
                        party: r[1].as_uuid()?,
                        value: r[2].as_f64()?,
                        revenue_minor: r[3].as_int()?,
                        reason_code: r[4].as_str().map(str::to_string),
                        reasons: match &r[5] {
                            Value::Json(j) => j.clone(),
                            _ => serde_json::Value::Null,
                        },
                        since: r[6].as_time(),
                    },
                    refreshed_at: r[7].as_time()?,
                    external_id: r[8].as_str()?.to_string(),
                    name: r[9].as_str()?.to_string(),
                    owner: r[10].as_uuid(),
                    email: r[11].as_str().map(str::to_string),
                    phone: r[12].as_str().map(str::to_string),
                })
            })
            .collect())
    }

    /// Each customer's scores in `run`, streamed, for the win-back signals. In customer order:
    /// the run's rows were written in that order, so they are read front to back (through
    /// the health index they would be visited at random).
    pub async fn each_run_score(&mut self, run: Uuid, mut f: impl FnMut(RunScore)) -> Result<()> {
        use ColType::*;
        self.select_each(
            "SELECT party_id, p_alive, health, previous_health, clv, CAST(components AS TEXT), recency, age \
             FROM party_scores WHERE org_id = $1 AND run_id = $2 ORDER BY party_id"
                .into(),
            &[(Value::Uuid(run), Uuid)],
            &[Uuid, Float, Float, Float, Float, Text, Float, Float],
            || "reading the run's scores".into(),
            |r| {
                if let (Some(party), Some(health)) = (r[0].as_uuid(), r[2].as_f64()) {
                    f(RunScore {
                        party,
                        p_alive: r[1].as_f64(),
                        health,
                        previous_health: r[3].as_f64(),
                        clv: r[4].as_f64(),
                        components: match r[5].as_str() {
                            Some(text) if text.contains("purchase_trend_") => {
                                serde_json::from_str(text).unwrap_or_default()
                            }
                            _ => serde_json::Value::Null,
                        },
                        recency: r[6].as_f64().unwrap_or(0.0),
                        age: r[7].as_f64().unwrap_or(0.0),
                    });
                }
                Ok(())
            },
        )
        .await
    }

    /// Open cases per customer.
    pub async fn open_case_counts(&mut self) -> Result<Vec<(Uuid, i64)>> {
        self.pairs(
            "SELECT party_id, COUNT(*) FROM cases WHERE org_id = $1 \
             AND status NOT IN ('resolved', 'closed') GROUP BY party_id"
                .into(),
            &[],
            ColType::Int,
            "counting open cases",
        )
        .await
        .map(|v| {
            v.into_iter()
                .filter_map(|(p, n)| Some((p, n.as_int()?)))
                .collect()
        })
    }

    /// Each customer's lowest NPS answer since `since`, when it is 6 or lower (a detractor).
    pub async fn detractors_since(&mut self, since: DateTime<Utc>) -> Result<Vec<(Uuid, i64)>> {
        self.pairs(
            "SELECT party_id, MIN(score) FROM survey_responses WHERE org_id = $1 \
             AND kind = 'nps' AND answered_at >= $2 AND score <= 6 GROUP BY party_id"
                .into(),
            &[(Value::Time(since), ColType::Time)],
            ColType::Int,
            "finding detractors",
        )
        .await
        .map(|v| {
            v.into_iter()
                .filter_map(|(p, n)| Some((p, n.as_int()?)))
                .collect()
        })
    }

    /// Live contracts ending in `[now, until)` whose customer has had no interaction since
    /// `quiet_since`: the customer, the nearest end and the contracts' value.
    pub async fn contracts_ending_quietly(
        &mut self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        quiet_since: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, DateTime<Utc>, i64)>> {
        let sql = "SELECT c.party_id, MIN(c.ends_at), CAST(SUM(c.value_minor) AS BIGINT) \
             FROM contracts c WHERE c.org_id = $1 AND c.status IN ('active', 'renewed') \
             AND c.ends_at >= $2 AND c.ends_at < $3 \
             AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.org_id = c.org_id \
                 AND i.party_id = c.party_id AND i.occurred_at >= $4) \
             GROUP BY c.party_id";
        let rows = self
            .select(
                sql.into(),
                &[
                    (Value::Time(now), ColType::Time),
                    (Value::Time(until), ColType::Time),
                    (Value::Time(quiet_since), ColType::Time),
                ],
                &[ColType::Uuid, ColType::Time, ColType::Int],
                || "finding contracts that end without renewal talk".into(),
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r[0].as_uuid()?, r[1].as_time()?, r[2].as_int()?)))
            .collect())
    }

    /// Customers with a live contract (signed, active or renewed).
    pub async fn parties_with_live_contracts(&mut self) -> Result<Vec<Uuid>> {
        let rows = self
            .select(
                "SELECT DISTINCT party_id FROM contracts WHERE org_id = $1 \
                 AND status IN ('signed', 'active', 'renewed')"
                    .into(),
                &[],
                &[ColType::Uuid],
                || "finding customers with live contracts".into(),
            )
            .await?;
        Ok(rows.iter().filter_map(|r| r[0].as_uuid()).collect())
    }

    /// Contracts cancelled or withdrawn since `since` (of `party`, if given).
    pub async fn ended_since(
        &mut self,
        since: DateTime<Utc>,
        party: Option<Uuid>,
    ) -> Result<Vec<EndedFact>> {
        let mut binds = vec![(Value::Time(since), ColType::Time)];
        let mut cond = String::new();
        if let Some(p) = party {
            binds.push((Value::Uuid(p), ColType::Uuid));
            cond = " AND party_id = $3".into();
        }
        let sql = format!(
            "SELECT party_id, status, cancellation_reason, cancelled_at, value_minor \
             FROM contracts WHERE org_id = $1 AND status IN ('cancelled', 'withdrawn') \
             AND cancelled_at >= $2{cond}"
        );
        let types = [
            ColType::Uuid,
            ColType::Text,
            ColType::Text,
            ColType::Time,
            ColType::Int,
        ];
        let rows = self
            .select(sql, &binds, &types, || "reading ended contracts".into())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(EndedFact {
                    party: r[0].as_uuid()?,
                    status: r[1].as_str()?.to_string(),
                    reason: r[2].as_str().map(str::to_string),
                    at: r[3].as_time()?,
                    value_minor: r[4].as_int()?,
                })
            })
            .collect())
    }

    async fn pairs(
        &mut self,
        sql: String,
        binds: &[(Value, ColType)],
        second: ColType,
        what: &'static str,
    ) -> Result<Vec<(Uuid, Value)>> {
        let rows = self
            .select(sql, binds, &[ColType::Uuid, second], || what.into())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|mut r| {
                let v = r.pop()?;
                Some((r[0].as_uuid()?, v))
            })
            .collect())
    }

    /// A user's saved filters of `list` (all lists: `None`), by name.
    pub async fn saved_filters(
        &mut self,
        user: Uuid,
        list: Option<&str>,
    ) -> Result<Vec<SavedFilter>> {
        let types: Vec<ColType> = SAVED_FILTERS.columns.iter().map(|c| c.ty).collect();
        let mut binds = vec![(Value::Uuid(user), ColType::Uuid)];
        let mut cond = String::new();
        if let Some(l) = list {
            binds.push((Value::text(l), ColType::Text));
            cond = " AND list = $3".into();
        }
        let sql = format!(
            "SELECT {} FROM saved_filters WHERE org_id = $1 AND user_id = $2{cond} ORDER BY name",
            SAVED_FILTERS.column_list()
        );
        let rows = self
            .select(sql, &binds, &types, || "reading saved filters".into())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(SavedFilter {
                    id: r[0].as_uuid()?,
                    user: r[1].as_uuid()?,
                    list: r[2].as_str()?.to_string(),
                    name: r[3].as_str()?.to_string(),
                    query: r[4].as_str()?.to_string(),
                    created_at: r[5].as_time()?,
                })
            })
            .collect())
    }

    /// Saves a filter.
    pub async fn insert_saved_filter(&mut self, f: &SavedFilter) -> Result<()> {
        self.insert_rows(
            &SAVED_FILTERS,
            &[vec![
                Value::Uuid(f.id),
                Value::Uuid(f.user),
                Value::text(f.list.as_str()),
                Value::text(f.name.as_str()),
                Value::text(f.query.as_str()),
                Value::Time(f.created_at),
            ]],
        )
        .await
    }

    /// Removes one of `user`'s saved filters; false when they have none with `id`.
    pub async fn delete_saved_filter(&mut self, user: Uuid, id: Uuid) -> Result<bool> {
        let n = self
            .execute(
                "DELETE FROM saved_filters WHERE org_id = $1 AND user_id = $2 AND id = $3".into(),
                &[
                    (Value::Uuid(user), ColType::Uuid),
                    (Value::Uuid(id), ColType::Uuid),
                ],
                || "removing a saved filter".into(),
            )
            .await?;
        Ok(n > 0)
    }
}

/// The conditions of `q` after the org's `$1`.
fn conditions(backend: Backend, q: &WinbackQuery) -> (String, Vec<(Value, ColType)>) {
    let mut binds: Vec<(Value, ColType)> = vec![(Value::text(q.list.as_str()), ColType::Text)];
    let mut sql = " AND w.list = $2".to_string();
    let mut push = |sql: &mut String, cond: &str, v: Value, ty: ColType| {
        binds.push((v, ty));
        sql.push_str(&format!(
            " AND {}",
            cond.replace('?', &format!("${}", binds.len() + 1))
        ));
    };
    if let Some(o) = q.owner {
        push(&mut sql, "p.owner_id = ?", Value::Uuid(o), ColType::Uuid);
    }
    if let Some(v) = q.min_value.filter(|v| v.is_finite()) {
        push(&mut sql, "w.value >= ?", Value::Float(v), ColType::Float);
    }
    if let Some(r) = &q.reason {
        // The reasons are a JSON array of {code, …}: a text match on the code is portable
        // (PostgreSQL prints jsonb with a space after the colon).
        let code = r.replace(['%', '_', '\\', '"'], "");
        let (reasons, pattern) = match backend {
            Backend::Sqlite => ("w.reasons", format!("%\"code\":\"{code}\"%")),
            Backend::Postgres => ("w.reasons::text", format!("%\"code\": \"{code}\"%")),
        };
        binds.push((Value::text(r.as_str()), ColType::Text));
        let a = binds.len() + 1;
        binds.push((Value::text(pattern), ColType::Text));
        let b = binds.len() + 1;
        sql.push_str(&format!(
            " AND (w.reason_code = ${a} OR {reasons} LIKE ${b})"
        ));
    }
    if let Some(text) = q.search.as_deref().filter(|t| !t.is_empty()) {
        sql.push_str(&party_search(backend, text, &mut binds));
    }
    (sql, binds)
}
