//! The reads and writes of scoring (`rapport score`): every order's total, and per party the
//! interaction, survey, case and contract facts the health score weighs, each as one scan in
//! the database's own aggregation, handed over row by row; and the score runs with their
//! per-party scores.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::schema::{PARTY_SCORES, SCORE_RUNS};
use crate::value::{ColType, Row, Value};
use crate::{Result, Tx};

/// A party's interactions up to the scoring day.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionFacts {
    pub party: Uuid,
    pub last_at: DateTime<Utc>,
    /// Interactions on or after the `since` day.
    pub recent: i64,
    /// Mean sentiment (−2..+2) of the recent interactions that have one.
    pub recent_sentiment: Option<f64>,
}

/// A party's latest survey answer of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFact {
    pub party: Uuid,
    pub kind: String,
    pub score: i64,
    pub answered_at: DateTime<Utc>,
}

/// A party's contracts, as far as health and classification look at them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContractFacts {
    pub party: Uuid,
    pub contracts: i64,
    /// Contracts that ended by cancellation or withdrawal.
    pub ended_by_customer: i64,
    pub cancelled_recently: i64,
    pub withdrawn_recently: i64,
    /// Delivered late, or not delivered and past due, in the recent window.
    pub late_recently: i64,
}

/// One score run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRun {
    pub id: Uuid,
    pub as_of: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub model: String,
    pub currency: Option<String>,
    pub customers: i64,
    pub repeat_customers: i64,
    pub fit: serde_json::Value,
    /// The run's portfolio insights (segments, acquisition), `Null` for none.
    pub insights: serde_json::Value,
}

impl Tx {
    /// Every order before `before`: its party, time, currency and total over its lines (in
    /// minor units, as kept in `orders.total_minor`), in no particular order.
    pub async fn each_order_total(
        &mut self,
        before: DateTime<Utc>,
        mut f: impl FnMut(Uuid, DateTime<Utc>, &str, i64),
    ) -> Result<()> {
        // The total kept on the order: one pass over the orders, no join with their lines
        // (on SQLite in table order: through an index of `org_id` it would visit them all in
        // index order, a random read each).
        let table = match self.backend() {
            crate::Backend::Sqlite => "orders NOT INDEXED",
            crate::Backend::Postgres => "orders",
        };
        let sql = format!(
            "SELECT party_id, ordered_at, currency, total_minor FROM {table} \
             WHERE org_id = $1 AND ordered_at < $2"
        );
        let types = [ColType::Uuid, ColType::Time, ColType::Text, ColType::Int];
        self.select_each(
            sql,
            &[(Value::Time(before), ColType::Time)],
            &types,
            || "reading order totals".into(),
            |r| {
                if let (Some(p), Some(t), Some(c), Some(a)) =
                    (r[0].as_uuid(), r[1].as_time(), r[2].as_str(), r[3].as_int())
                {
                    f(p, t, c, a);
                }
                Ok(())
            },
        )
        .await
    }

    /// Per party with interactions before `before`: the last one, how many since `since`, and
    /// their mean sentiment.
    pub async fn interaction_facts(
        &mut self,
        since: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> Result<Vec<InteractionFacts>> {
        let sql = "SELECT party_id, MAX(occurred_at), \
                   CAST(SUM(CASE WHEN occurred_at >= $2 THEN 1 ELSE 0 END) AS BIGINT), \
                   CAST(AVG(CASE WHEN occurred_at >= $2 THEN sentiment END) AS DOUBLE PRECISION) \
                   FROM interactions WHERE org_id = $1 AND occurred_at < $3 GROUP BY party_id";
        let sql = match self.backend() {
            crate::Backend::Sqlite => sql.replace("DOUBLE PRECISION", "REAL"),
            crate::Backend::Postgres => sql.to_string(),
        };
        let types = [ColType::Uuid, ColType::Time, ColType::Int, ColType::Float];
        let mut out = Vec::new();
        self.select_each(
            sql,
            &[
                (Value::Time(since), ColType::Time),
                (Value::Time(before), ColType::Time),
            ],
            &types,
            || "summing up interactions".into(),
            |r| {
                if let (Some(party), Some(last_at)) = (r[0].as_uuid(), r[1].as_time()) {
                    out.push(InteractionFacts {
                        party,
                        last_at,
                        recent: r[2].as_int().unwrap_or(0),
                        recent_sentiment: r[3].as_f64(),
                    });
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Every party's latest answer per survey kind before `before`.
    pub async fn latest_surveys(&mut self, before: DateTime<Utc>) -> Result<Vec<SurveyFact>> {
        let sql = "SELECT party_id, kind, score, answered_at FROM survey_responses \
                   WHERE org_id = $1 AND answered_at < $2 ORDER BY party_id, kind, answered_at";
        let types = [ColType::Uuid, ColType::Text, ColType::Int, ColType::Time];
        let mut out: Vec<SurveyFact> = Vec::new();
        self.select_each(
            sql.into(),
            &[(Value::Time(before), ColType::Time)],
            &types,
            || "reading survey answers".into(),
            |r| {
                let (Some(party), Some(kind), Some(score), Some(answered_at)) =
                    (r[0].as_uuid(), r[1].as_str(), r[2].as_int(), r[3].as_time())
                else {
                    return Ok(());
                };
                let fact = SurveyFact {
                    party,
                    kind: kind.to_string(),
                    score,
                    answered_at,
                };
                // Ordered by time within party and kind: a later answer replaces the earlier.
                match out.last_mut() {
                    Some(last) if last.party == party && last.kind == kind => *last = fact,
                    _ => out.push(fact),
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Per party: how many cases opened before `before` are still open.
    pub async fn open_cases_by_party(&mut self, before: DateTime<Utc>) -> Result<Vec<(Uuid, i64)>> {
        let sql = "SELECT party_id, CAST(COUNT(*) AS BIGINT) FROM cases \
                   WHERE org_id = $1 AND opened_at < $2 AND status IN ('open', 'in_progress') \
                   GROUP BY party_id";
        let mut out = Vec::new();
        self.select_each(
            sql.into(),
            &[(Value::Time(before), ColType::Time)],
            &[ColType::Uuid, ColType::Int],
            || "counting open cases".into(),
            |r| {
                if let (Some(p), Some(n)) = (r[0].as_uuid(), r[1].as_int()) {
                    out.push((p, n));
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Per party: contracts signed before `before`, how many the customer ended, the
    /// cancellations and withdrawals since `year`, and the deliveries due since `recent` that
    /// came late or not at all.
    pub async fn contract_facts(
        &mut self,
        recent: DateTime<Utc>,
        year: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> Result<Vec<ContractFacts>> {
        let sql = "SELECT party_id, CAST(COUNT(*) AS BIGINT), \
                   CAST(SUM(CASE WHEN status IN ('cancelled', 'withdrawn') THEN 1 ELSE 0 END) AS BIGINT), \
                   CAST(SUM(CASE WHEN status = 'cancelled' AND cancelled_at >= $3 THEN 1 ELSE 0 END) AS BIGINT), \
                   CAST(SUM(CASE WHEN status = 'withdrawn' AND cancelled_at >= $3 THEN 1 ELSE 0 END) AS BIGINT), \
                   CAST(SUM(CASE WHEN delivery_due_at >= $2 AND delivery_due_at < $4 AND \
                        ((delivered_at IS NOT NULL AND delivered_at > delivery_due_at) OR \
                         (delivered_at IS NULL AND status NOT IN ('cancelled', 'withdrawn'))) \
                        THEN 1 ELSE 0 END) AS BIGINT) \
                   FROM contracts WHERE org_id = $1 AND signed_at < $4 GROUP BY party_id";
        let types = [
            ColType::Uuid,
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Int,
        ];
        let mut out = Vec::new();
        self.select_each(
            sql.into(),
            &[
                (Value::Time(recent), ColType::Time),
                (Value::Time(year), ColType::Time),
                (Value::Time(before), ColType::Time),
            ],
            &types,
            || "summing up contracts".into(),
            |r| {
                let n = |i: usize| r[i].as_int().unwrap_or(0);
                if let Some(party) = r[0].as_uuid() {
                    out.push(ContractFacts {
                        party,
                        contracts: n(1),
                        ended_by_customer: n(2),
                        cancelled_recently: n(3),
                        withdrawn_recently: n(4),
                        late_recently: n(5),
                    });
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// Every party's acquisition channel, industry and country (`None` where not recorded),
    /// handed over one at a time.
    pub async fn each_party_profile(
        &mut self,
        mut f: impl FnMut(Uuid, [Option<&str>; 3]),
    ) -> Result<()> {
        // On SQLite in table order (through an index of `org_id` every party would be a seek).
        let table = match self.backend() {
            crate::Backend::Sqlite => "parties NOT INDEXED",
            crate::Backend::Postgres => "parties",
        };
        self.select_each(
            format!(
                "SELECT id, acquisition_channel, industry, country FROM {table} WHERE org_id = $1"
            ),
            &[],
            &[ColType::Uuid, ColType::Text, ColType::Text, ColType::Text],
            || "reading the parties' acquisition channel, industry and country".into(),
            |r| {
                if let Some(id) = r[0].as_uuid() {
                    f(id, [r[1].as_str(), r[2].as_str(), r[3].as_str()]);
                }
                Ok(())
            },
        )
        .await
    }

    /// The score runs, newest first (by the day scored, then by when they ran).
    pub async fn score_runs(&mut self, limit: usize) -> Result<Vec<ScoreRun>> {
        let types: Vec<ColType> = SCORE_RUNS.columns.iter().map(|c| c.ty).collect();
        let sql = format!(
            "SELECT {} FROM score_runs WHERE org_id = $1 ORDER BY as_of DESC, started_at DESC, id DESC LIMIT {limit}",
            SCORE_RUNS.column_list()
        );
        let rows = self
            .select(sql, &[], &types, || "reading score runs".into())
            .await?;
        Ok(rows.iter().filter_map(run_from_row).collect())
    }

    /// Every party's health in run `run`.
    pub async fn healths_of_run(&mut self, run: Uuid) -> Result<Vec<(Uuid, f64)>> {
        let mut out = Vec::new();
        self.select_each(
            "SELECT party_id, health FROM party_scores WHERE org_id = $1 AND run_id = $2".into(),
            &[(Value::Uuid(run), ColType::Uuid)],
            &[ColType::Uuid, ColType::Float],
            || "reading the previous run's health".into(),
            |r| {
                if let (Some(p), Some(h)) = (r[0].as_uuid(), r[1].as_f64()) {
                    out.push((p, h));
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// A party's scores in its latest runs, newest first: each run's day and currency, and the
    /// row of `PARTY_SCORES`.
    pub async fn party_score_history(
        &mut self,
        party: Uuid,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, Option<String>, Row)>> {
        let mut types: Vec<ColType> = PARTY_SCORES.columns.iter().map(|c| c.ty).collect();
        types.push(ColType::Text);
        types.push(ColType::Date);
        let cols: Vec<String> = PARTY_SCORES
            .columns
            .iter()
            .map(|c| format!("s.{}", c.name))
            .collect();
        let sql = format!(
            "SELECT {}, r.currency, r.as_of FROM party_scores s JOIN score_runs r ON r.org_id = s.org_id AND r.id = s.run_id \
             WHERE s.org_id = $1 AND s.party_id = $2 ORDER BY r.as_of DESC, r.started_at DESC, r.id DESC LIMIT {limit}",
            cols.join(", ")
        );
        let rows = self
            .select(sql, &[(Value::Uuid(party), ColType::Uuid)], &types, || {
                "reading a party's scores".into()
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|mut r| match (r.pop(), r.pop()) {
                (Some(Value::Date(d)), Some(currency)) => {
                    Some((d, currency.as_str().map(str::to_string), r))
                }
                _ => None,
            })
            .collect())
    }

    /// Stores a run (its party scores are inserted with `insert_rows`).
    pub async fn insert_score_run(&mut self, run: &ScoreRun) -> Result<()> {
        self.insert_rows(&SCORE_RUNS, &[run_row(run)]).await
    }

    /// Replaces a stored run's values (its finish time and insights once its scores are in).
    pub async fn update_score_run(&mut self, run: &ScoreRun) -> Result<()> {
        self.update_row(&SCORE_RUNS, &run_row(run))
            .await
            .map(|_| ())
    }
}

fn run_row(run: &ScoreRun) -> Row {
    vec![
        Value::Uuid(run.id),
        Value::Date(run.as_of),
        Value::Time(run.started_at),
        Value::Time(run.finished_at),
        Value::text(run.model.as_str()),
        Value::opt(run.currency.clone()),
        Value::Int(run.customers),
        Value::Int(run.repeat_customers),
        Value::Json(run.fit.clone()),
        match &run.insights {
            serde_json::Value::Null => Value::Null,
            j => Value::Json(j.clone()),
        },
    ]
}

fn run_from_row(r: &Row) -> Option<ScoreRun> {
    let col = |name: &str| &r[SCORE_RUNS.col(name)];
    Some(ScoreRun {
        id: col("id").as_uuid()?,
        as_of: match col("as_of") {
            Value::Date(d) => *d,
            _ => return None,
        },
        started_at: col("started_at").as_time()?,
        finished_at: col("finished_at").as_time()?,
        model: col("model").as_str()?.to_string(),
        currency: col("currency").as_str().map(str::to_string),
        customers: col("customers").as_int()?,
        repeat_customers: col("repeat_customers").as_int()?,
        fit: match col("fit") {
            Value::Json(j) => j.clone(),
            _ => serde_json::Value::Null,
        },
        insights: match col("insights") {
            Value::Json(j) => j.clone(),
            _ => serde_json::Value::Null,
        },
    })
}
