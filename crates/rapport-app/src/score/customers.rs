//! Scoring each customer of a run: health, class, the row `party_scores` stores and the facts
//! the run's insights sum. Runs on a thread of its own and hands its rows over a chunk at a
//! time, so the database writes one chunk while the next is scored (two cores, both busy).

use rapport_analytics::{
    AnalyticsError, Class, ClassInputs, ClassRules, HealthWeights, RfmScore, RfmSummary, classify,
    health,
};
use rapport_store::{Row, Value};
use rustc_hash::FxHashMap;
use uuid::Uuid;

use super::facts::{Facts, Orders};
use super::{class_index, json, segment_code};
use crate::insights::{CustomerFacts, Dictionaries, UNKNOWN, cohort_of, segment_index};

/// Everything scoring a customer reads, owned, so it can move to the scoring thread.
pub(super) struct Scorer {
    pub run_id: Uuid,
    pub as_of_day: i64,
    pub summary: RfmSummary,
    pub scores: Vec<RfmScore>,
    /// Each customer's position in the compressed summary, and per position P(alive),
    /// expected purchases and discounted purchases (none without a purchase model).
    pub positions: Vec<u32>,
    pub per_triple: Option<Vec<[f64; 3]>>,
    pub clvs: Vec<Option<f64>>,
    pub percentiles: Vec<Option<f64>>,
    pub orders: Orders,
    pub facts: Facts,
    pub weights: HealthWeights,
    pub previous: FxHashMap<Uuid, f64>,
    pub profiles: FxHashMap<Uuid, [u32; 3]>,
    pub dictionaries: Dictionaries,
}

/// What the run sums over its customers.
pub(super) struct Tally {
    pub customers: Vec<CustomerFacts>,
    pub dictionaries: Dictionaries,
    /// Customers per class, in `class_index` order.
    pub class_counts: [usize; 5],
    pub segment_counts: FxHashMap<&'static str, usize>,
    pub health_sum: f64,
}

impl Scorer {
    /// Scores every customer in order and hands the rows to `send`, `chunk` at a time (the
    /// last chunk may be shorter); stops early when `send` answers false (the writer gave up).
    pub fn run(
        self,
        chunk: usize,
        mut send: impl FnMut(Vec<Row>) -> bool,
    ) -> Result<Tally, AnalyticsError> {
        let Scorer {
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
            mut dictionaries,
        } = self;
        let rules = ClassRules::default();
        let total = summary.customers.len();
        let unknown = [
            dictionaries.intern(0, UNKNOWN),
            dictionaries.intern(1, UNKNOWN),
            dictionaries.intern(2, UNKNOWN),
        ];
        let mut cohorts: FxHashMap<i64, u32> = FxHashMap::default();
        let mut tally = Tally {
            customers: Vec::with_capacity(total),
            dictionaries: Dictionaries::default(),
            class_counts: [0; 5],
            segment_counts: FxHashMap::default(),
            health_sum: 0.0,
        };
        let mut rows = Vec::with_capacity(chunk);
        for (i, c) in summary.customers.iter().enumerate() {
            let party = orders.parties[c.customer as usize];
            let values = per_triple
                .as_ref()
                .and_then(|v| v.get(positions[i] as usize).copied());
            let inputs = facts.health_inputs(
                party,
                values.map(|v| v[0]),
                orders.trend(c.customer as usize),
                percentiles[i],
            );
            let h = health(&inputs, &weights)?;
            let previous_health = previous.get(&party).copied();
            let mut class_inputs = ClassInputs::new(&h);
            class_inputs.previous_score = previous_health;
            class_inputs.days_since_last_purchase = u32::try_from(as_of_day - c.last_day).ok();
            class_inputs.typical_purchase_gap_days = (c.frequency > 0)
                .then(|| (c.last_day - c.first_day) as f64 / f64::from(c.frequency))
                .filter(|g| *g > 0.0);
            class_inputs.all_contracts_ended = facts.all_contracts_ended(party);
            let class = classify(&class_inputs, &rules)?;
            tally.class_counts[class_index(class.class)] += 1;
            let score = &scores[i];
            let segment = segment_code(score.segment());
            *tally.segment_counts.entry(segment).or_default() += 1;
            tally.health_sum += h.score;
            let [channel, industry, country] = profiles.get(&party).copied().unwrap_or(unknown);
            let cohort = *cohorts
                .entry(c.first_day)
                .or_insert_with(|| dictionaries.intern(3, &cohort_of(c.first_day)));
            tally.customers.push(CustomerFacts {
                segment: segment_index(segment).unwrap_or(0),
                r: score.r,
                f: score.f,
                churned: class.class == Class::Churned,
                health: h.score,
                p_alive: values.map(|v| v[0]),
                clv: clvs[i],
                frequency: c.frequency,
                spend: c.calibration_spend,
                tenure_weeks: c.age,
                health_drop: previous_health.map(|p| p - h.score),
                attributes: [channel, industry, country, cohort],
            });
            rows.push(vec![
                Value::Uuid(run_id),
                Value::Uuid(party),
                Value::Int(i64::from(c.frequency)),
                Value::Float(c.recency),
                Value::Float(c.age),
                Value::Float(c.monetary),
                Value::Int(i64::from(score.r)),
                Value::Int(i64::from(score.f)),
                Value::Int(i64::from(score.m)),
                Value::text(segment),
                Value::opt(values.map(|v| v[0])),
                Value::opt(values.map(|v| v[1])),
                Value::opt(clvs[i]),
                Value::Float(h.score),
                Value::opt(previous_health),
                Value::Json(json::components(&h)),
                Value::text(class.class.code()),
                Value::Json(json::reasons(&class.reasons)),
            ]);
            if (rows.len() == chunk || i + 1 == total)
                && !send(std::mem::replace(&mut rows, Vec::with_capacity(chunk)))
            {
                break;
            }
        }
        tally.dictionaries = dictionaries;
        Ok(tally)
    }
}
