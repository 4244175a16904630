//! `rapport score`: the scoring pipeline over the database. Builds the RFM summary from the
//! orders, fits BG/NBD and the Gamma-Gamma spend model, and writes for every customer (every
//! party with an order up to the scoring day) a new score run: RFM scores and segment,
//! P(alive), purchases expected in the next 90 days, CLV over the next 12 months, health with
//! its components, class and reasons. Earlier runs stay, so health has a history.
//!
//! A log without any repeat buyer cannot identify the purchase model: the run then holds RFM
//! and health without P(alive) and CLV, and says so. A fit that does not converge writes
//! nothing (the previous run's scores stay) and reports its diagnostics.

mod customers;
mod facts;
pub(crate) mod json;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rapport_analytics::{
    AnalyticsError, BgNbd, BgVariant, Class, ClvOptions, OptimizeOptions, RfmOptions, Segment,
    TimeUnit, Transaction, rfm_scores, summarize_owned,
};
use rapport_domain::{AuditEntry, AuditId, Currency};
use rapport_store::schema::PARTY_SCORES;
use rapport_store::{Row, ScoreRun, Store, StoreError, Value};
use rustc_hash::FxHashMap;
use uuid::Uuid;

use crate::clv::{Spend, fit_spend, triple_values};
use crate::insights::{self, Dictionaries, UNKNOWN};

/// Days ahead for "expected purchases".
pub const EXPECTED_PURCHASES_DAYS: f64 = 90.0;
/// Weeks of CLV (12 months).
pub const CLV_WEEKS: u32 = 52;
/// Yearly discount rate of CLV.
pub const YEARLY_DISCOUNT: f64 = 0.10;
/// Party scores written per insert.
const WRITE_CHUNK: usize = 5_000;
/// The page cache of the transaction writing a run (KiB): a million customers' entries in the
/// health index (run, health, party) take about 70 MB.
const WRITE_CACHE_KIB: i64 = 196_608;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Model(#[from] AnalyticsError),
    #[error(
        "the {model} fit did not converge after {iterations} iterations (gradient norm {gradient:.3e}); nothing was written and the previous run's scores stay"
    )]
    NotConverged {
        model: &'static str,
        iterations: usize,
        gradient: f64,
    },
    #[error("no orders on or before {0}: there is nothing to score")]
    NoOrders(NaiveDate),
    #[error("the scoring thread failed: {0}")]
    Thread(String),
}

/// Where the pipeline is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Orders,
    Fit,
    Facts,
    Scores,
    Write { written: usize, total: usize },
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct ScoreOutcome {
    pub run: ScoreRun,
    /// Customers per class, in the order grow, maintain, repair, at risk, churned.
    pub classes: Vec<(&'static str, usize)>,
    /// Customers per RFM segment, largest first.
    pub segments: Vec<(&'static str, usize)>,
    pub notes: Vec<String>,
    pub mean_health: f64,
    /// The win-back lists, rebuilt from this run.
    pub winback: crate::retention::lists::Refreshed,
}

/// Scores every customer as of the end of `as_of` and stores the run.
pub async fn run(
    store: &Store,
    org: rapport_domain::OrgId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    progress: &dyn Fn(Stage),
) -> Result<ScoreOutcome, ScoreError> {
    run_with(
        store,
        org,
        as_of,
        now,
        &OptimizeOptions::default(),
        progress,
    )
    .await
}

/// `run` with the optimiser's limits given (tests use them to make a fit stop early).
pub async fn run_with(
    store: &Store,
    org: rapport_domain::OrgId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    fit_options: &OptimizeOptions,
    progress: &dyn Fn(Stage),
) -> Result<ScoreOutcome, ScoreError> {
    let started_at = now;
    let before = end_of(as_of);
    let as_of_day = day_number(as_of);
    let mut notes = Vec::new();

    progress(Stage::Orders);
    let mut read = store.begin_scan(org).await?;
    let mut orders = facts::load_orders(&mut read, before, as_of_day).await?;
    if orders.transactions.is_empty() {
        read.rollback().await?;
        return Err(ScoreError::NoOrders(as_of));
    }
    notes.extend(orders.notes.iter().cloned());

    progress(Stage::Fit);
    // The log goes into the summary, which sorts it in place and frees it.
    let summary = summarize_owned(
        std::mem::take(&mut orders.transactions),
        &RfmOptions {
            calibration_end: as_of_day,
            holdout_end: None,
            unit: TimeUnit::Week,
        },
    )?;
    let (compressed, positions) = summary.compressed_with_positions();
    let (model, fit_json) = match BgNbd::fit(BgVariant::BgNbd, &compressed, fit_options) {
        Ok(f) if !f.fit.converged => {
            read.rollback().await?;
            return Err(ScoreError::NotConverged {
                model: "BG/NBD",
                iterations: f.fit.iterations,
                gradient: f.fit.gradient_norm,
            });
        }
        Ok(f) => {
            let j = json::fit(&f.fit, &["r", "alpha", "a", "b"]);
            (Some(f.model), j)
        }
        Err(AnalyticsError::NotIdentified(why)) => {
            notes.push(format!(
                "the purchase model cannot be identified ({why}); scores hold RFM and health without P(alive) and CLV"
            ));
            (None, serde_json::Value::Null)
        }
        Err(e) => return Err(e.into()),
    };
    let spend: Option<Spend> = match model {
        Some(_) => fit_spend(&summary, fit_options, &mut notes),
        None => None,
    };
    let weekly_discount = (1.0 + YEARLY_DISCOUNT).powf(1.0 / 52.0) - 1.0;
    let per_triple = match &model {
        Some(m) => Some(triple_values(
            m,
            &compressed,
            EXPECTED_PURCHASES_DAYS / 7.0,
            &ClvOptions {
                horizon: CLV_WEEKS,
                discount_rate: weekly_discount,
            },
        )?),
        None => None,
    };

    progress(Stage::Facts);
    let (weights, _) = crate::settings::health_weights(&mut read).await?;
    let facts = facts::load_facts(&mut read, before).await?;
    let mut dictionaries = Dictionaries::default();
    let mut profiles: FxHashMap<Uuid, [u32; 3]> = FxHashMap::default();
    profiles.reserve(orders.parties.len());
    read.each_party_profile(|party, values| {
        let mut at = [0u32; 3];
        for (dim, v) in values.iter().enumerate() {
            at[dim] = dictionaries.intern(dim, v.unwrap_or(UNKNOWN));
        }
        profiles.insert(party, at);
    })
    .await?;
    let previous = match read.score_runs(1).await?.into_iter().next() {
        Some(run) => read.healths_of_run(run.id).await?.into_iter().collect(),
        None => FxHashMap::default(),
    };
    read.rollback().await?;

    progress(Stage::Scores);
    let scores = rfm_scores(&summary);
    let clvs: Vec<Option<f64>> = summary
        .customers
        .iter()
        .zip(&positions)
        .map(|(c, &position)| {
            let values = *per_triple.as_ref()?.get(position as usize)?;
            let per_purchase = match &spend {
                Some(s) => s
                    .model
                    .conditional_expected_spend(c.frequency, c.monetary.max(0.0))
                    .unwrap_or(c.monetary),
                None => c.monetary,
            };
            Some(values[2] * per_purchase)
        })
        .collect();
    let percentiles = percentile_ranks(&clvs);
    let run_id = Uuid::now_v7();
    let mut fit_json = serde_json::json!({
        "model": "bg-nbd",
        "time_unit": "week",
        "purchase_model": fit_json,
        "spend_model": spend.as_ref().map(|s| json::fit(&s.fit, &["p", "q", "gamma"])),
        "expected_purchases_days": EXPECTED_PURCHASES_DAYS,
        "clv_weeks": CLV_WEEKS,
        "yearly_discount": YEARLY_DISCOUNT,
        "notes": notes,
    });
    if let Some(obj) = fit_json.as_object_mut() {
        obj.insert("weights".into(), json::weights(&weights));
    }
    let mut run = ScoreRun {
        id: run_id,
        as_of,
        started_at,
        finished_at: Utc::now(),
        model: "bg-nbd".into(),
        currency: orders.currency.clone(),
        customers: summary.customers.len() as i64,
        repeat_customers: summary.repeat_customers() as i64,
        fit: fit_json,
        insights: serde_json::Value::Null,
    };
    // Scores are written as they are made, a chunk at a time, inside one transaction: a
    // million customers' rows with their explanations would not fit in memory at once. It is a
    // bulk transaction (every reference is known to exist): on SQLite from the command line
    // that means a rollback journal instead of a write-ahead log several GB long, whose
    // lookups made every page read of the insert slower the more was written.
    let total = summary.customers.len();
    let mut tx = store.begin_bulk(org).await?;
    // The run's rows go into the health index in random order: its pages for this run stay
    // in the cache instead of being written out and read back.
    tx.use_page_cache(WRITE_CACHE_KIB).await?;
    tx.insert_score_run(&run).await?;
    // The customers are scored on a thread of their own, a chunk ahead of the writer: two
    // chunks in flight at most, so memory stays flat.
    let scorer = customers::Scorer {
        run_id,
        as_of_day,
        summary,
        scores,
        positions,
        per_triple,
        clvs,
        percentiles,
        orders,
        facts,
        weights,
        previous,
        profiles,
        dictionaries,
    };
    // Written chunks go back to be freed there too: dropping a chunk's JSON is not the
    // writer's work.
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
    let (give_back, written_chunks) = std::sync::mpsc::channel::<Vec<Row>>();
    let worker = std::thread::Builder::new()
        .name("rapport-scorer".into())
        .spawn(move || {
            scorer.run(WRITE_CHUNK, |rows| {
                while let Ok(done) = written_chunks.try_recv() {
                    drop(done);
                }
                sender.blocking_send(rows).is_ok()
            })
        })
        .map_err(|e| ScoreError::Thread(e.to_string()))?;
    let mut written = 0;
    let mut writing = Ok(());
    while let Some(rows) = chunks.recv().await {
        if let Err(e) = tx.append_rows(&PARTY_SCORES, &rows).await {
            writing = Err(e);
            break;
        }
        written += rows.len();
        let _ = give_back.send(rows);
        progress(Stage::Write { written, total });
    }
    // Dropped, the channel stops the scorer if the writer gave up early.
    drop(chunks);
    let scored = worker
        .join()
        .map_err(|_| ScoreError::Thread("it panicked".into()))?;
    writing?;
    let customers::Tally {
        customers,
        dictionaries,
        class_counts,
        segment_counts,
        health_sum,
    } = scored?;
    run.finished_at = Utc::now();
    run.insights =
        serde_json::to_value(insights::summarize(&customers, &dictionaries)).unwrap_or_default();
    // Freed before the win-back lists are rebuilt below.
    drop(customers);
    drop(dictionaries);
    tx.update_score_run(&run).await?;

    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: run.finished_at,
        user: None,
        source: "cli".into(),
        entity: "score_runs".into(),
        entity_id: Some(run_id.to_string()),
        action: "create".into(),
        before: None,
        after: Some(serde_json::json!({
            "as_of": as_of.to_string(),
            "customers": run.customers,
            "repeat_customers": run.repeat_customers,
        })),
    }])
    .await?;
    tx.commit().await?;
    let winback = crate::retention::lists::refresh(store, org, now).await?;

    let mut segments: Vec<(&'static str, usize)> = segment_counts.into_iter().collect();
    segments.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Ok(ScoreOutcome {
        classes: ["grow", "maintain", "repair", "at_risk", "churned"]
            .into_iter()
            .zip(class_counts)
            .collect(),
        segments,
        notes,
        mean_health: if total == 0 {
            0.0
        } else {
            health_sum / total as f64
        },
        run,
        winback,
    })
}

/// The first instant after `day` (UTC).
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    (day + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// Days since 1970-01-01.
pub(crate) fn day_number(day: NaiveDate) -> i64 {
    day.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default())
        .num_days()
}

/// Percentile rank (0–1, the share of customers with a lower value, ties sharing the mean rank)
/// of each present value; `None` stays `None`.
fn percentile_ranks(values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut present: Vec<(f64, usize)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (v, i)))
        .collect();
    present.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = present.len();
    let mut out = vec![None; values.len()];
    let mut lo = 0;
    while lo < n {
        let hi = lo
            + present[lo..]
                .iter()
                .take_while(|p| p.0 == present[lo].0)
                .count();
        let rank = if n > 1 {
            ((lo + hi - 1) as f64 / 2.0) / (n - 1) as f64
        } else {
            0.5
        };
        for p in &present[lo..hi] {
            out[p.1] = Some(rank);
        }
        lo = hi;
    }
    out
}

fn class_index(c: Class) -> usize {
    match c {
        Class::Grow => 0,
        Class::Maintain => 1,
        Class::Repair => 2,
        Class::AtRisk => 3,
        Class::Churned => 4,
    }
}

/// A segment's stable code.
pub fn segment_code(s: Segment) -> &'static str {
    match s {
        Segment::Champions => "champions",
        Segment::LoyalCustomers => "loyal",
        Segment::PotentialLoyalist => "potential_loyalist",
        Segment::NewCustomers => "new",
        Segment::Promising => "promising",
        Segment::NeedAttention => "need_attention",
        Segment::AboutToSleep => "about_to_sleep",
        Segment::AtRisk => "at_risk",
        Segment::CantLoseThem => "cant_lose_them",
        Segment::Hibernating => "hibernating",
        Segment::Lost => "lost",
    }
}

/// The currency most orders are in, and the scale of its minor unit.
pub(crate) fn minor_scale(currency: &str) -> f64 {
    let digits = Currency::parse(currency).map_or(2, |c| c.minor_digits());
    10f64.powi(digits as i32)
}

/// Every transaction as the analytics crate wants it.
pub(crate) type Transactions = Vec<Transaction>;

/// A party's scores in one run, as the 360 and the API show them.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyScore {
    pub as_of: NaiveDate,
    /// The currency of the run's monetary values and CLV.
    pub currency: Option<String>,
    pub run_id: Uuid,
    pub health: f64,
    pub class: String,
    pub segment: String,
    pub rfm: [i64; 3],
    pub frequency: i64,
    /// Weeks between the first and the last purchase.
    pub recency: f64,
    /// Weeks between the first purchase and the scoring day.
    pub age: f64,
    /// Mean repeat-purchase amount in major units of the run's currency.
    pub monetary: f64,
    pub p_alive: Option<f64>,
    /// Purchases expected in the next 90 days.
    pub expected_purchases: Option<f64>,
    /// CLV over the next 12 months in major units of the run's currency.
    pub clv: Option<f64>,
    /// `{"neutral", "reasons", "components": [{kind, weight, score, contribution, raw, reasons}]}`.
    pub components: serde_json::Value,
    /// The class's reasons: `[{code, params, text}]`.
    pub reasons: serde_json::Value,
}

impl PartyScore {
    pub fn from_row(as_of: NaiveDate, currency: Option<String>, r: &[Value]) -> Option<PartyScore> {
        let col = |name: &str| &r[PARTY_SCORES.col(name)];
        let json = |name: &str| match col(name) {
            Value::Json(j) => j.clone(),
            _ => serde_json::Value::Null,
        };
        Some(PartyScore {
            as_of,
            currency,
            run_id: col("run_id").as_uuid()?,
            health: col("health").as_f64()?,
            class: col("class").as_str()?.to_string(),
            segment: col("segment").as_str()?.to_string(),
            rfm: [
                col("rfm_r").as_int()?,
                col("rfm_f").as_int()?,
                col("rfm_m").as_int()?,
            ],
            frequency: col("frequency").as_int()?,
            recency: col("recency").as_f64()?,
            age: col("age").as_f64()?,
            monetary: col("monetary").as_f64()?,
            p_alive: col("p_alive").as_f64(),
            expected_purchases: col("expected_purchases").as_f64(),
            clv: col("clv").as_f64(),
            components: json::expand_components(&json("components")),
            reasons: json::expand_reasons(&json("reasons")),
        })
    }

    /// The API's JSON of this score.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "as_of": self.as_of.to_string(),
            "run_id": self.run_id.to_string(),
            "currency": self.currency,
            "health": self.health,
            "class": self.class,
            "class_reasons": self.reasons,
            "segment": self.segment,
            "rfm": {"r": self.rfm[0], "f": self.rfm[1], "m": self.rfm[2]},
            "frequency": self.frequency,
            "recency_weeks": self.recency,
            "age_weeks": self.age,
            "monetary": self.monetary,
            "p_alive": self.p_alive,
            "expected_purchases_90d": self.expected_purchases,
            "clv_12m": self.clv,
            "health_components": self.components,
        })
    }
}

/// A party's scores, newest first, at most `limit` runs.
pub async fn history(
    tx: &mut rapport_store::Tx,
    party: Uuid,
    limit: usize,
) -> Result<Vec<PartyScore>, StoreError> {
    Ok(tx
        .party_score_history(party, limit)
        .await?
        .iter()
        .filter_map(|(as_of, currency, row)| PartyScore::from_row(*as_of, currency.clone(), row))
        .collect())
}
