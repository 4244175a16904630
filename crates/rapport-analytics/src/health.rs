//! The explainable health score 0–100 of a customer relationship: five components, each scored
//! 0–100 from its raw data, weighted per organization ([`HealthWeights`]), each with its weight,
//! raw values, contribution and reasons in plain words ([`Reason`]).
//!
//! - **vitality**: P(alive) p (70 % of the component) → 100·p; purchase trend r (30 %) →
//!   100·r²/(r² + 1/3);
//! - **value**: CLV percentile q within the organization → 100·q;
//! - **engagement**: days since the last contact d (40 %) → 100·2^(−d/60); contacts in the last
//!   90 days n (30 %) → 100·(1 − 2^(−n/3)); mean sentiment s (30 %) → 50·(1 + s);
//! - **satisfaction**: the latest NPS (piecewise-linear through 0→0, 6→40, 8→70, 10→100), CSAT
//!   x (25·(x − 1)) and CES x (100·(7 − x)/6), each weighted by its freshness 2^(−age/180),
//!   averaged together with a neutral 50 of weight 0.1;
//! - **friction**: points = open complaints + 0.5 × late deliveries (90 days) + withdrawals +
//!   1.5 × cancellations (365 days) → 100·2^(−points/2) (100 = no friction).
//!
//! Why these transforms: probabilities and percentiles are already on a meaningful 0–1 scale, so
//! they are used linearly. Quantities without an upper end (days, counts, ratios) go through
//! saturating curves (exponential decay with a half-life, or a logistic curve in ln r) that are
//! monotone, stay inside 0–100 for every input, and have one readable anchor each: a contact 60
//! days ago is worth half a contact today; three contacts in 90 days (monthly) score 50; a steady
//! purchase rate (r = 1) scores 75, half the earlier rate 43, double 92, none 0; every two
//! friction points halve the friction score (one open complaint: 71, two: 50). The NPS
//! mapping is piecewise-linear so that detractors (0–6) stay below the neutral 50, passives (7–8)
//! land at 55–70 and promoters (9–10) at 85–100. Survey answers count less as they age (half
//! weight after 180 days), and the satisfaction score is pulled toward the neutral 50 by a prior
//! worth one tenth of a fresh answer, so a lone answer from two years ago says little.
//!
//! Missing data: a component with none of its inputs is left out (score `None`, weight 0) with a
//! `*_no_data` reason, and its weight is shared among the components with data in proportion to
//! their weights. With no usable data at all the score is [`NEUTRAL_SCORE`], [`Health::neutral`]
//! is set and [`Health::reasons`] says why.
//!
//! Out-of-range inputs are errors, not clamped: a P(alive) of 1.2 or an NPS answer of 11 means a
//! bug or a mapping mistake upstream, and clamping would hide it behind a plausible score. Counts
//! and ages are unsigned integers, so they cannot be out of range. The score is rounded to 0.1;
//! the contributions (unrounded) sum to the unrounded score, within 0.05 of [`Health::score`].

mod components;
mod reason;

pub use reason::{Param, ParamValue, Reason, ReasonCode, StoredParam};

use crate::{AnalyticsError, Result};
use components::part;

/// The score given when no component has usable data (flagged by [`Health::neutral`]).
pub const NEUTRAL_SCORE: f64 = 50.0;

/// One survey answer and its age.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurveyAnswer {
    /// The answer on the survey's own scale (NPS 0–10, CSAT 1–5, CES 1–7); fractions allowed.
    pub score: f64,
    /// Days since the answer was given.
    pub age_days: u32,
}

/// Everything the health score looks at; `None` where the data is missing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HealthInputs {
    /// Probability that the customer is still active, 0–1 (BG/NBD, Pareto/NBD, BG/BB...).
    pub p_alive: Option<f64>,
    /// Recent purchase rate over the earlier rate, per day (e.g. last 90 days vs the 365
    /// before); 1 = steady, 0 = no recent purchases; any finite value ≥ 0. `None` without
    /// enough history.
    pub purchase_trend: Option<f64>,
    /// Percentile rank of the customer's lifetime value within the organization, 0–1.
    pub clv_percentile: Option<f64>,
    /// Days since the last interaction of any kind (call, e-mail, meeting, visit...).
    pub days_since_last_interaction: Option<u32>,
    /// Interactions in the last 90 days, both directions.
    pub interactions_last_90_days: Option<u32>,
    /// Mean sentiment of recent interactions, -1 (negative) to 1 (positive).
    pub mean_sentiment: Option<f64>,
    /// Latest Net Promoter answer, 0–10.
    pub nps: Option<SurveyAnswer>,
    /// Latest customer satisfaction answer, 1–5.
    pub csat: Option<SurveyAnswer>,
    /// Latest customer effort answer, 1–7, lower is better.
    pub ces: Option<SurveyAnswer>,
    /// Complaints and cases not yet resolved.
    pub open_complaints: Option<u32>,
    /// Deliveries to the customer later than promised, in the last 90 days.
    pub late_deliveries_last_90_days: Option<u32>,
    /// Contracts withdrawn within the cooling-off period, in the last 365 days.
    pub withdrawals_last_365_days: Option<u32>,
    /// Contracts cancelled, in the last 365 days.
    pub cancellations_last_365_days: Option<u32>,
}

impl HealthInputs {
    /// Checks every present value against its range (non-finite values are always out).
    pub fn validate(&self) -> Result<()> {
        in_range(
            "p_alive",
            self.p_alive,
            0.0,
            1.0,
            "must be a probability from 0 to 1",
        )?;
        in_range(
            "purchase_trend",
            self.purchase_trend,
            0.0,
            f64::MAX,
            "must be a finite ratio of purchase rates, 0 or more (1 = steady)",
        )?;
        in_range(
            "clv_percentile",
            self.clv_percentile,
            0.0,
            1.0,
            "must be a percentile rank from 0 to 1",
        )?;
        in_range(
            "mean_sentiment",
            self.mean_sentiment,
            -1.0,
            1.0,
            "must be from -1 (negative) to 1 (positive)",
        )?;
        let score = |a: Option<SurveyAnswer>| a.map(|a| a.score);
        in_range(
            "nps",
            score(self.nps),
            0.0,
            10.0,
            "an NPS answer is from 0 to 10",
        )?;
        in_range(
            "csat",
            score(self.csat),
            1.0,
            5.0,
            "a CSAT answer is from 1 to 5",
        )?;
        in_range(
            "ces",
            score(self.ces),
            1.0,
            7.0,
            "a CES answer is from 1 to 7",
        )
    }
}

fn in_range(name: &'static str, v: Option<f64>, lo: f64, hi: f64, why: &'static str) -> Result<()> {
    match v {
        // Written so that NaN fails the test.
        Some(value) if !(value >= lo && value <= hi) => Err(AnalyticsError::InvalidParameter {
            name,
            value,
            reason: why,
        }),
        _ => Ok(()),
    }
}

/// The five components of the health score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentKind {
    /// Is the customer still buying, and more or less than before?
    Vitality,
    /// How valuable is the customer compared with the organization's other customers?
    Value,
    /// How recent, how frequent and how friendly are the interactions?
    Engagement,
    /// What did the customer say in the latest surveys?
    Satisfaction,
    /// Complaints, late deliveries, withdrawals and cancellations (100 = none).
    Friction,
}

impl ComponentKind {
    /// All kinds, in the order components are reported.
    pub const ALL: [ComponentKind; 5] = [
        Self::Vitality,
        Self::Value,
        Self::Engagement,
        Self::Satisfaction,
        Self::Friction,
    ];

    /// Stable machine code (also a translation key).
    pub fn code(self) -> &'static str {
        match self {
            Self::Vitality => "vitality",
            Self::Value => "value",
            Self::Engagement => "engagement",
            Self::Satisfaction => "satisfaction",
            Self::Friction => "friction",
        }
    }

    /// The English name shown to a relationship manager.
    pub fn english(self) -> &'static str {
        match self {
            Self::Vitality => "purchase vitality",
            Self::Value => "customer value",
            Self::Engagement => "engagement",
            Self::Satisfaction => "satisfaction",
            Self::Friction => "friction",
        }
    }
}

/// Relative weights of the components, configurable per organization. Only their ratios
/// matter: they are normalized to sum to 1. Each must be finite and ≥ 0, and one must be > 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthWeights {
    pub vitality: f64,
    pub value: f64,
    pub engagement: f64,
    pub satisfaction: f64,
    pub friction: f64,
}

impl Default for HealthWeights {
    /// 0.30 / 0.20 / 0.20 / 0.15 / 0.15: whether the customer still buys matters most; value and
    /// engagement next; what the customer says (surveys) and what went wrong (friction) correct
    /// the picture. Surveys get less weight because answers are sparse and often old.
    fn default() -> Self {
        Self {
            vitality: 0.30,
            value: 0.20,
            engagement: 0.20,
            satisfaction: 0.15,
            friction: 0.15,
        }
    }
}

impl HealthWeights {
    /// The weight of one component.
    pub fn get(&self, kind: ComponentKind) -> f64 {
        match kind {
            ComponentKind::Vitality => self.vitality,
            ComponentKind::Value => self.value,
            ComponentKind::Engagement => self.engagement,
            ComponentKind::Satisfaction => self.satisfaction,
            ComponentKind::Friction => self.friction,
        }
    }

    /// Checks the weights: each finite and ≥ 0, at least one > 0.
    pub fn validate(&self) -> Result<()> {
        for kind in ComponentKind::ALL {
            let value = self.get(kind);
            if !(value.is_finite() && value >= 0.0) {
                return Err(AnalyticsError::InvalidParameter {
                    name: kind.code(),
                    value,
                    reason: "a health weight must be a finite number, 0 or more",
                });
            }
        }
        if ComponentKind::ALL.iter().all(|&k| self.get(k) == 0.0) {
            return Err(AnalyticsError::InvalidInput(
                "all health weights are 0: give at least one component a positive weight".into(),
            ));
        }
        Ok(())
    }

    /// The weights scaled to sum to 1 (validated first). Scales by the largest weight before
    /// summing, so even weights near `f64::MAX` normalize without overflow.
    pub fn normalized(&self) -> Result<Self> {
        self.validate()?;
        let max = ComponentKind::ALL
            .iter()
            .map(|&k| self.get(k))
            .fold(0.0, f64::max);
        let sum: f64 = ComponentKind::ALL.iter().map(|&k| self.get(k) / max).sum();
        let w = |k| self.get(k) / max / sum;
        Ok(Self {
            vitality: w(ComponentKind::Vitality),
            value: w(ComponentKind::Value),
            engagement: w(ComponentKind::Engagement),
            satisfaction: w(ComponentKind::Satisfaction),
            friction: w(ComponentKind::Friction),
        })
    }
}

/// One raw input of a component and its own 0–100 sub-score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawInput {
    /// The [`HealthInputs`] field name (for a survey: `nps`, `csat`, `ces`).
    pub name: &'static str,
    /// The value as given (a survey's answer; its age is in the component's reasons).
    pub value: f64,
    /// The sub-score 0–100 this value maps to.
    pub score: f64,
}

/// One component of a health score.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub kind: ComponentKind,
    /// The configured weight, normalized over all five components.
    pub base_weight: f64,
    /// The weight actually used, 0–1: the base weight scaled up to cover components without
    /// data; 0 for a component without data. Effective weights sum to 1 (unless neutral).
    pub weight: f64,
    /// The raw inputs used (empty without data).
    pub raw: Vec<RawInput>,
    /// 0–100, `None` without data.
    pub score: Option<f64>,
    /// `weight × score`, in points of the total score.
    pub contribution: f64,
    pub reasons: Vec<Reason>,
}

/// A health score with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// 0–100, rounded to 0.1; [`NEUTRAL_SCORE`] when `neutral`.
    pub score: f64,
    /// True when no weighted component had data and the score is the neutral value.
    pub neutral: bool,
    /// All five components, in [`ComponentKind::ALL`] order.
    pub components: Vec<Component>,
    /// Reasons about the score as a whole (why it is neutral); empty otherwise.
    pub reasons: Vec<Reason>,
    /// The inputs the score was computed from.
    pub inputs: HealthInputs,
}

impl Health {
    /// The component of the given kind.
    pub fn component(&self, kind: ComponentKind) -> Option<&Component> {
        self.components.iter().find(|c| c.kind == kind)
    }

    /// The weighted component with data and the lowest score (the first one on ties).
    pub fn weakest(&self) -> Option<&Component> {
        self.components
            .iter()
            .filter(|c| c.weight > 0.0)
            .filter_map(|c| c.score.map(|s| (c, s)))
            .fold(None, |best: Option<(&Component, f64)>, (c, s)| match best {
                Some((_, b)) if b <= s => best,
                _ => Some((c, s)),
            })
            .map(|(c, _)| c)
    }
}

/// Computes the health score of one party. Fails only on invalid inputs or weights.
pub fn health(inputs: &HealthInputs, weights: &HealthWeights) -> Result<Health> {
    inputs.validate()?;
    let base = weights.normalized()?;
    let parts = ComponentKind::ALL.map(|kind| (kind, part(kind, inputs)));
    let covered: f64 = parts
        .iter()
        .filter(|(_, p)| p.score.is_some())
        .map(|(k, _)| base.get(*k))
        .sum();
    // A sum of finite non-negative weights: 0 means no weighted component has data.
    let neutral = covered <= 0.0;
    let components: Vec<Component> = parts
        .into_iter()
        .map(|(kind, p)| {
            let weight = match p.score {
                Some(_) if !neutral => base.get(kind) / covered,
                _ => 0.0,
            };
            Component {
                kind,
                base_weight: base.get(kind),
                weight,
                contribution: weight * p.score.unwrap_or(0.0),
                raw: p.raw,
                score: p.score,
                reasons: p.reasons,
            }
        })
        .collect();
    let (score, reasons) = if neutral {
        let any_data = components.iter().any(|c| c.score.is_some());
        let code = if any_data {
            ReasonCode::HealthNoWeightedData
        } else {
            ReasonCode::HealthNoData
        };
        (NEUTRAL_SCORE, vec![Reason::new(code)])
    } else {
        let total: f64 = components.iter().map(|c| c.contribution).sum();
        (
            ((total * 10.0).round() / 10.0).clamp(0.0, 100.0),
            Vec::new(),
        )
    };
    Ok(Health {
        score: crate::finite("health score", score)?,
        neutral,
        components,
        reasons,
        inputs: *inputs,
    })
}
