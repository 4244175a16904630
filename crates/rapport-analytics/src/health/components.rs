//! The five components of the health score: each one's raw inputs, their transforms to 0–100
//! sub-scores, the component score and the reasons. The transforms and why they were chosen are
//! documented in the parent module ([`crate::health`]).

use super::{
    ComponentKind, HealthInputs, NEUTRAL_SCORE, RawInput, Reason, ReasonCode, SurveyAnswer,
};

/// A component's raw inputs, score and reasons while it is being built.
#[derive(Default)]
pub(super) struct Part {
    pub(super) raw: Vec<RawInput>,
    pub(super) score: Option<f64>,
    pub(super) reasons: Vec<Reason>,
    weighted: f64,
    weight: f64,
}

impl Part {
    /// Records one input with its sub-score and its weight within the component.
    fn add(&mut self, name: &'static str, value: f64, score: f64, weight: f64, reason: Reason) {
        self.raw.push(RawInput { name, value, score });
        self.weighted += weight * score;
        self.weight += weight;
        self.reasons.push(reason);
    }

    /// Sets the score to the weighted mean of the inputs, plus an optional prior `(score,
    /// weight)`; without inputs the component has no data and says so.
    fn finish(mut self, prior: (f64, f64), no_data: ReasonCode) -> Self {
        if self.raw.is_empty() {
            self.reasons = vec![Reason::new(no_data)];
        } else {
            let (s, w) = prior;
            let mean = (self.weighted + w * s) / (self.weight + w);
            self.score = Some(if mean.is_finite() {
                mean.clamp(0.0, 100.0)
            } else {
                NEUTRAL_SCORE
            });
        }
        self
    }
}

pub(super) fn part(kind: ComponentKind, i: &HealthInputs) -> Part {
    match kind {
        ComponentKind::Vitality => vitality(i),
        ComponentKind::Value => value(i),
        ComponentKind::Engagement => engagement(i),
        ComponentKind::Satisfaction => satisfaction(i),
        ComponentKind::Friction => friction(i),
    }
}

/// Picks the code of the first condition that holds, else `otherwise`.
fn band(cases: &[(bool, ReasonCode)], otherwise: ReasonCode) -> ReasonCode {
    cases
        .iter()
        .find(|(c, _)| *c)
        .map_or(otherwise, |&(_, code)| code)
}

/// Half-life decay: 1 at 0, 1/2 at `half_life`, towards 0 beyond. `half_life` > 0.
fn decay(x: f64, half_life: f64) -> f64 {
    0.5f64.powf(x / half_life)
}

fn vitality(i: &HealthInputs) -> Part {
    use ReasonCode as C;
    let mut part = Part::default();
    if let Some(p) = i.p_alive {
        let code = band(
            &[(p >= 0.8, C::PAliveHigh), (p >= 0.5, C::PAliveMedium)],
            C::PAliveLow,
        );
        part.add(
            "p_alive",
            p,
            100.0 * p,
            0.7,
            Reason::new(code).with_number("p", p),
        );
    }
    if let Some(r) = i.purchase_trend {
        // Logistic in ln r, written to stay finite for r = 0 and for huge r.
        let score = 100.0 / (1.0 + 1.0 / (3.0 * r * r));
        let reason = if r == 0.0 {
            Reason::new(C::PurchaseTrendStopped)
        } else {
            let code = band(
                &[
                    (r > 1.25, C::PurchaseTrendUp),
                    (r >= 0.8, C::PurchaseTrendSteady),
                ],
                C::PurchaseTrendDown,
            );
            Reason::new(code).with_number("ratio", r)
        };
        part.add("purchase_trend", r, score, 0.3, reason);
    }
    part.finish((0.0, 0.0), C::VitalityNoData)
}

fn value(i: &HealthInputs) -> Part {
    use ReasonCode as C;
    let mut part = Part::default();
    if let Some(q) = i.clv_percentile {
        let code = band(
            &[(q >= 0.8, C::ValueTop), (q >= 0.4, C::ValueMiddle)],
            C::ValueLow,
        );
        part.add(
            "clv_percentile",
            q,
            100.0 * q,
            1.0,
            Reason::new(code).with_number("percentile", q),
        );
    }
    part.finish((0.0, 0.0), C::ValueNoData)
}

fn engagement(i: &HealthInputs) -> Part {
    use ReasonCode as C;
    let mut part = Part::default();
    if let Some(d) = i.days_since_last_interaction {
        let code = band(
            &[(d <= 30, C::ContactRecent), (d <= 90, C::ContactAging)],
            C::ContactStale,
        );
        let d = f64::from(d);
        let reason = Reason::new(code).with_number("days", d);
        part.add(
            "days_since_last_interaction",
            d,
            100.0 * decay(d, 60.0),
            0.4,
            reason,
        );
    }
    if let Some(n) = i.interactions_last_90_days {
        let reason = match n {
            0 => Reason::new(C::InteractionsNone),
            1..=5 => Reason::new(C::InteractionsSome).with_number("count", f64::from(n)),
            _ => Reason::new(C::InteractionsFrequent).with_number("count", f64::from(n)),
        };
        let n = f64::from(n);
        part.add(
            "interactions_last_90_days",
            n,
            100.0 * (1.0 - decay(n, 3.0)),
            0.3,
            reason,
        );
    }
    if let Some(s) = i.mean_sentiment {
        let code = band(
            &[
                (s >= 0.25, C::SentimentPositive),
                (s > -0.25, C::SentimentNeutral),
            ],
            C::SentimentNegative,
        );
        part.add(
            "mean_sentiment",
            s,
            50.0 * (1.0 + s),
            0.3,
            Reason::new(code).with_number("sentiment", s),
        );
    }
    part.finish((0.0, 0.0), C::EngagementNoData)
}

/// Linear interpolation through increasing `(x, y)` points, flat beyond the ends.
fn piecewise(x: f64, points: &[(f64, f64)]) -> f64 {
    let mut y = points.first().map_or(0.0, |p| p.1);
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x >= x1 {
            y = y1;
        } else if x > x0 {
            y = y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    y
}

fn satisfaction(i: &HealthInputs) -> Part {
    use ReasonCode as C;
    let mut part = Part::default();
    let mut freshest: Option<u32> = None;
    let mut add = |name, answer: Option<SurveyAnswer>, map: &dyn Fn(f64) -> (f64, ReasonCode)| {
        if let Some(a) = answer {
            let (score, code) = map(a.score);
            let age = f64::from(a.age_days);
            let reason = Reason::new(code)
                .with_number("score", a.score)
                .with_number("age_days", age);
            part.add(name, a.score, score, decay(age, 180.0), reason);
            freshest = Some(freshest.map_or(a.age_days, |f| f.min(a.age_days)));
        }
    };
    add("nps", i.nps, &|x| {
        let code = band(
            &[(x >= 9.0, C::NpsPromoter), (x >= 7.0, C::NpsPassive)],
            C::NpsDetractor,
        );
        (
            piecewise(x, &[(0.0, 0.0), (6.0, 40.0), (8.0, 70.0), (10.0, 100.0)]),
            code,
        )
    });
    add("csat", i.csat, &|x| {
        let code = band(
            &[(x >= 4.0, C::CsatSatisfied), (x >= 3.0, C::CsatNeutral)],
            C::CsatDissatisfied,
        );
        (25.0 * (x - 1.0), code)
    });
    add("ces", i.ces, &|x| {
        let code = band(
            &[(x <= 3.0, C::CesEasy), (x < 5.0, C::CesModerate)],
            C::CesHard,
        );
        (100.0 * (7.0 - x) / 6.0, code)
    });
    if let Some(age) = freshest.filter(|&a| a > 365) {
        part.reasons
            .push(Reason::new(C::SurveyOld).with_number("age_days", f64::from(age)));
    }
    part.finish((NEUTRAL_SCORE, 0.1), C::SatisfactionNoData)
}

fn friction(i: &HealthInputs) -> Part {
    use ReasonCode as C;
    let counts = [
        ("open_complaints", i.open_complaints, 1.0, C::OpenComplaints),
        (
            "late_deliveries_last_90_days",
            i.late_deliveries_last_90_days,
            0.5,
            C::LateDeliveries,
        ),
        (
            "withdrawals_last_365_days",
            i.withdrawals_last_365_days,
            1.0,
            C::Withdrawals,
        ),
        (
            "cancellations_last_365_days",
            i.cancellations_last_365_days,
            1.5,
            C::Cancellations,
        ),
    ];
    let mut part = Part::default();
    let mut points = 0.0;
    for (name, count, severity, code) in counts {
        if let Some(n) = count {
            let n = f64::from(n);
            points += severity * n;
            part.raw.push(RawInput {
                name,
                value: n,
                score: 100.0 * decay(severity * n, 2.0),
            });
            if n > 0.0 {
                part.reasons.push(Reason::new(code).with_number("count", n));
            }
        }
    }
    if !part.raw.is_empty() {
        if part.reasons.is_empty() {
            part.reasons.push(Reason::new(C::NoFriction));
        }
        // The product of the per-count factors: one weighted mean of a single "input".
        part.weighted = 100.0 * decay(points, 2.0);
        part.weight = 1.0;
    }
    part.finish((0.0, 0.0), C::FrictionNoData)
}
