//! Classification of customers into grow / maintain / repair / at risk / churned, with the
//! reasons that put each one there (the same [`Reason`] codes as the health score).
//!
//! The rules, checked in this order of precedence; the first class with a rule that fires wins,
//! and every rule of that class that fires is listed as a reason:
//!
//! 1. **Churned**: P(alive) < 0.10; or no purchase for more than max(365 days, 3 × the typical
//!    gap between purchases); or every contract ended by cancellation or withdrawal.
//! 2. **At risk**: P(alive) < 0.5 with a CLV percentile ≥ 0.5 (a valuable customer fading); or
//!    health fell ≥ 15 points since the previous run; or open complaints while the purchase trend
//!    is below 0.8; or no purchase for more than 2 × the typical gap.
//! 3. **Repair**: health < 40.
//! 4. **Grow**: health ≥ 70, P(alive) (if known) ≥ 0.5, and either a CLV percentile ≥ 0.5 or a
//!    purchase trend ≥ 1.25 (value or momentum to build on).
//! 5. **Maintain**: everything else.
//!
//! Churn comes first because nothing else matters for a customer who is gone; at risk before
//! repair because an imminent loss is more urgent than a weak but stable relationship; grow
//! only for customers with nothing to fix. Repair and at risk also name the weakest health
//! component. A neutral health score (no data) never triggers repair or grow, and a
//! maintain verdict on one says that the data was insufficient. Every threshold is a field of
//! [`ClassRules`], so an organization can tune it.
//!
//! P(alive), the CLV percentile, the purchase trend and the open complaints are read from the
//! health score's inputs ([`Health::inputs`]), so the class and the score never disagree about
//! the facts.

use crate::health::{Health, Reason, ReasonCode};
use crate::{AnalyticsError, Result};

/// The five customer classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Grow,
    Maintain,
    Repair,
    AtRisk,
    Churned,
}

impl Class {
    /// All classes, from best to worst.
    pub const ALL: [Class; 5] = [
        Self::Grow,
        Self::Maintain,
        Self::Repair,
        Self::AtRisk,
        Self::Churned,
    ];

    /// Stable machine code (also a translation key).
    pub fn code(self) -> &'static str {
        match self {
            Self::Grow => "grow",
            Self::Maintain => "maintain",
            Self::Repair => "repair",
            Self::AtRisk => "at_risk",
            Self::Churned => "churned",
        }
    }

    /// The English label.
    pub fn english(self) -> &'static str {
        match self {
            Self::Grow => "Grow",
            Self::Maintain => "Maintain",
            Self::Repair => "Repair",
            Self::AtRisk => "At risk",
            Self::Churned => "Churned",
        }
    }
}

/// What the rules look at beyond the health score; `None` where the data is missing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassInputs<'a> {
    /// The current health score; P(alive), CLV percentile, purchase trend and open complaints
    /// are taken from its inputs.
    pub health: &'a Health,
    /// The health score of the previous scoring run, 0–100.
    pub previous_score: Option<f64>,
    pub days_since_last_purchase: Option<u32>,
    /// The customer's typical number of days between purchases (e.g. the median gap); > 0.
    pub typical_purchase_gap_days: Option<f64>,
    /// True when the customer had contracts and every one ended by cancellation or withdrawal.
    pub all_contracts_ended: bool,
}

impl<'a> ClassInputs<'a> {
    /// Inputs with only the health score; set the other fields as data allows.
    pub fn new(health: &'a Health) -> Self {
        Self {
            health,
            previous_score: None,
            days_since_last_purchase: None,
            typical_purchase_gap_days: None,
            all_contracts_ended: false,
        }
    }
}

/// The thresholds of the rules (see the module doc for how they combine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassRules {
    /// Churned when P(alive) is below this. Default 0.10.
    pub churn_p_alive_below: f64,
    /// Churned when the days since the last purchase exceed the larger of this... Default 365.
    pub churn_dormant_min_days: f64,
    /// ...and this many typical gaps between purchases. Default 3.
    pub churn_dormant_gap_multiple: f64,
    /// At risk when P(alive) is below this and the value is high. Default 0.5.
    pub at_risk_p_alive_below: f64,
    /// "Valuable" means a CLV percentile at least this. Default 0.5 (the median).
    pub at_risk_min_value_percentile: f64,
    /// At risk when health fell by at least this many points since the previous run. Default 15.
    pub at_risk_health_drop: f64,
    /// With open complaints, at risk when the purchase trend is below this. Default 0.8.
    pub at_risk_falling_trend_below: f64,
    /// At risk when the days since the last purchase exceed this many typical gaps. Default 2.
    pub at_risk_overdue_gap_multiple: f64,
    /// Repair when health is below this. Default 40.
    pub repair_health_below: f64,
    /// Grow needs health at least this. Default 70.
    pub grow_min_health: f64,
    /// Grow needs a CLV percentile at least this... Default 0.5.
    pub grow_min_value_percentile: f64,
    /// ...or a purchase trend at least this. Default 1.25.
    pub grow_min_trend: f64,
}

impl Default for ClassRules {
    fn default() -> Self {
        Self {
            churn_p_alive_below: 0.10,
            churn_dormant_min_days: 365.0,
            churn_dormant_gap_multiple: 3.0,
            at_risk_p_alive_below: 0.5,
            at_risk_min_value_percentile: 0.5,
            at_risk_health_drop: 15.0,
            at_risk_falling_trend_below: 0.8,
            at_risk_overdue_gap_multiple: 2.0,
            repair_health_below: 40.0,
            grow_min_health: 70.0,
            grow_min_value_percentile: 0.5,
            grow_min_trend: 1.25,
        }
    }
}

fn check(name: &'static str, value: f64, lo: f64, hi: f64, reason: &'static str) -> Result<()> {
    if value >= lo && value <= hi {
        Ok(())
    } else {
        Err(AnalyticsError::InvalidParameter {
            name,
            value,
            reason,
        })
    }
}

impl ClassRules {
    /// Checks that every threshold is finite and in its range.
    pub fn validate(&self) -> Result<()> {
        const P: &str = "must be a probability from 0 to 1";
        const SCORE: &str = "must be a health score from 0 to 100";
        const POSITIVE: &str = "must be a positive finite number";
        let max = f64::MAX;
        check("churn_p_alive_below", self.churn_p_alive_below, 0.0, 1.0, P)?;
        check(
            "churn_dormant_min_days",
            self.churn_dormant_min_days,
            0.0,
            max,
            "must be a finite number of days, 0 or more",
        )?;
        check(
            "churn_dormant_gap_multiple",
            self.churn_dormant_gap_multiple,
            f64::MIN_POSITIVE,
            max,
            POSITIVE,
        )?;
        check(
            "at_risk_p_alive_below",
            self.at_risk_p_alive_below,
            0.0,
            1.0,
            P,
        )?;
        check(
            "at_risk_min_value_percentile",
            self.at_risk_min_value_percentile,
            0.0,
            1.0,
            P,
        )?;
        check(
            "at_risk_health_drop",
            self.at_risk_health_drop,
            f64::MIN_POSITIVE,
            100.0,
            "must be more than 0 and at most 100 points",
        )?;
        check(
            "at_risk_falling_trend_below",
            self.at_risk_falling_trend_below,
            0.0,
            max,
            "must be a finite ratio, 0 or more",
        )?;
        check(
            "at_risk_overdue_gap_multiple",
            self.at_risk_overdue_gap_multiple,
            f64::MIN_POSITIVE,
            max,
            POSITIVE,
        )?;
        check(
            "repair_health_below",
            self.repair_health_below,
            0.0,
            100.0,
            SCORE,
        )?;
        check("grow_min_health", self.grow_min_health, 0.0, 100.0, SCORE)?;
        check(
            "grow_min_value_percentile",
            self.grow_min_value_percentile,
            0.0,
            1.0,
            P,
        )?;
        check(
            "grow_min_trend",
            self.grow_min_trend,
            0.0,
            max,
            "must be a finite ratio, 0 or more",
        )
    }
}

/// A class and the reasons for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub class: Class,
    /// Every rule of the class that fired, in the order of the module doc; never empty.
    pub reasons: Vec<Reason>,
}

/// Classifies one customer. Fails only on invalid inputs or rules.
pub fn classify(inputs: &ClassInputs<'_>, rules: &ClassRules) -> Result<Classification> {
    rules.validate()?;
    let h = inputs.health;
    h.inputs.validate()?;
    check("health.score", h.score, 0.0, 100.0, SCORE_RANGE)?;
    if let Some(prev) = inputs.previous_score {
        check("previous_score", prev, 0.0, 100.0, SCORE_RANGE)?;
    }
    if let Some(gap) = inputs.typical_purchase_gap_days {
        check(
            "typical_purchase_gap_days",
            gap,
            f64::MIN_POSITIVE,
            f64::MAX,
            "must be a positive finite number of days",
        )?;
    }
    let facts = Facts {
        p_alive: h.inputs.p_alive,
        value: h.inputs.clv_percentile,
        trend: h.inputs.purchase_trend,
        complaints: h.inputs.open_complaints.unwrap_or(0),
        days: inputs.days_since_last_purchase.map(f64::from),
        gap: inputs.typical_purchase_gap_days,
    };
    let rules_by_class: [(Class, Vec<Reason>); 4] = [
        (Class::Churned, churned(&facts, inputs, rules)),
        (Class::AtRisk, at_risk(&facts, inputs, rules)),
        (Class::Repair, repair(h, rules)),
        (Class::Grow, grow(&facts, h, rules)),
    ];
    for (class, mut reasons) in rules_by_class {
        if !reasons.is_empty() {
            if matches!(class, Class::AtRisk | Class::Repair) {
                reasons.extend(weakest(h));
            }
            return Ok(Classification { class, reasons });
        }
    }
    let reason = if h.neutral {
        Reason::new(ReasonCode::MaintainInsufficientData)
    } else {
        Reason::new(ReasonCode::MaintainSteady).with_number("score", h.score)
    };
    Ok(Classification {
        class: Class::Maintain,
        reasons: vec![reason],
    })
}

const SCORE_RANGE: &str = "must be a health score from 0 to 100";

/// The facts the rules use, gathered once.
struct Facts {
    p_alive: Option<f64>,
    value: Option<f64>,
    trend: Option<f64>,
    complaints: u32,
    days: Option<f64>,
    gap: Option<f64>,
}

fn churned(f: &Facts, inputs: &ClassInputs<'_>, r: &ClassRules) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(p) = f.p_alive.filter(|&p| p < r.churn_p_alive_below) {
        reasons.push(
            Reason::new(ReasonCode::ChurnedPAlive)
                .with_number("p", p)
                .with_number("threshold", r.churn_p_alive_below),
        );
    }
    if let Some(days) = f.days {
        let by_gap = f.gap.map_or(0.0, |g| r.churn_dormant_gap_multiple * g);
        let limit = r.churn_dormant_min_days.max(by_gap);
        if days > limit && limit.is_finite() {
            reasons.push(
                Reason::new(ReasonCode::ChurnedDormant)
                    .with_number("days", days)
                    .with_number("limit", limit),
            );
        }
    }
    if inputs.all_contracts_ended {
        reasons.push(Reason::new(ReasonCode::ChurnedContractsEnded));
    }
    reasons
}

fn at_risk(f: &Facts, inputs: &ClassInputs<'_>, r: &ClassRules) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let (Some(p), Some(v)) = (f.p_alive, f.value)
        && p < r.at_risk_p_alive_below
        && v >= r.at_risk_min_value_percentile
    {
        reasons.push(
            Reason::new(ReasonCode::AtRiskValuableFading)
                .with_number("p", p)
                .with_number("percentile", v),
        );
    }
    let current = inputs.health.score;
    if let Some(prev) = inputs.previous_score.filter(|_| !inputs.health.neutral) {
        // Scores are kept to 0.1; compare the drop at that precision so that 72.3 → 57.3 counts
        // as the 15 points it is.
        let drop = ((prev - current) * 10.0).round() / 10.0;
        if drop >= r.at_risk_health_drop {
            reasons.push(
                Reason::new(ReasonCode::AtRiskHealthDrop)
                    .with_number("previous", prev)
                    .with_number("current", current)
                    .with_number("drop", drop),
            );
        }
    }
    if let Some(t) = f
        .trend
        .filter(|&t| f.complaints > 0 && t < r.at_risk_falling_trend_below)
    {
        reasons.push(
            Reason::new(ReasonCode::AtRiskComplaintsFallingPurchases)
                .with_number("count", f64::from(f.complaints))
                .with_number("ratio", t),
        );
    }
    if let (Some(days), Some(gap)) = (f.days, f.gap) {
        let limit = r.at_risk_overdue_gap_multiple * gap;
        if days > limit && limit.is_finite() {
            reasons.push(
                Reason::new(ReasonCode::AtRiskOverdue)
                    .with_number("days", days)
                    .with_number("gap_days", gap)
                    .with_number("multiple", r.at_risk_overdue_gap_multiple),
            );
        }
    }
    reasons
}

fn repair(h: &Health, r: &ClassRules) -> Vec<Reason> {
    if h.neutral || h.score >= r.repair_health_below {
        return Vec::new();
    }
    vec![
        Reason::new(ReasonCode::RepairLowHealth)
            .with_number("score", h.score)
            .with_number("threshold", r.repair_health_below),
    ]
}

fn grow(f: &Facts, h: &Health, r: &ClassRules) -> Vec<Reason> {
    let fading = f.p_alive.is_some_and(|p| p < r.at_risk_p_alive_below);
    if h.neutral || h.score < r.grow_min_health || fading {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    if let Some(v) = f.value.filter(|&v| v >= r.grow_min_value_percentile) {
        reasons.push(
            Reason::new(ReasonCode::GrowHighValue)
                .with_number("score", h.score)
                .with_number("percentile", v),
        );
    }
    if let Some(t) = f.trend.filter(|&t| t >= r.grow_min_trend) {
        reasons.push(
            Reason::new(ReasonCode::GrowRisingPurchases)
                .with_number("score", h.score)
                .with_number("ratio", t),
        );
    }
    reasons
}

/// The weakest weighted component, as a reason.
fn weakest(h: &Health) -> Option<Reason> {
    let c = h.weakest()?;
    Some(
        Reason::new(ReasonCode::WeakestComponent)
            .with_code("component", c.kind.code())
            .with_number("score", c.score.unwrap_or(0.0)),
    )
}
