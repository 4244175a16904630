//! The health score and the customer classification, as the product issue states them: a score
//! 0–100 that is never NaN, explainable component by component in translatable reasons, with
//! per-org weights; and grow / maintain / repair / at risk / churned with the reasons.

use rapport_analytics::health::{ComponentKind, ParamValue, SurveyAnswer};
use rapport_analytics::*;

use ComponentKind::{Engagement, Friction, Satisfaction, Value, Vitality};
use ReasonCode as C;

/// Inputs with only what `set` fills in.
fn with(set: impl FnOnce(&mut HealthInputs)) -> HealthInputs {
    let mut inputs = HealthInputs::default();
    set(&mut inputs);
    inputs
}

fn weights([vitality, value, engagement, satisfaction, friction]: [f64; 5]) -> HealthWeights {
    HealthWeights {
        vitality,
        value,
        engagement,
        satisfaction,
        friction,
    }
}

fn scored(inputs: &HealthInputs) -> Health {
    health(inputs, &HealthWeights::default()).unwrap()
}

/// The score of one component of `inputs`.
fn component(inputs: &HealthInputs, kind: ComponentKind) -> f64 {
    scored(inputs).component(kind).unwrap().score.unwrap()
}

fn answer(score: f64, age_days: u32) -> Option<SurveyAnswer> {
    Some(SurveyAnswer { score, age_days })
}

fn full() -> HealthInputs {
    HealthInputs {
        p_alive: Some(0.9),
        purchase_trend: Some(1.0),
        clv_percentile: Some(0.8),
        days_since_last_interaction: Some(0),
        interactions_last_90_days: Some(3),
        mean_sentiment: Some(0.5),
        nps: answer(10.0, 0),
        open_complaints: Some(0),
        late_deliveries_last_90_days: Some(0),
        withdrawals_last_365_days: Some(0),
        cancellations_last_365_days: Some(0),
        ..HealthInputs::default()
    }
}

/// Asserts that `f` is monotone over `xs` (non-decreasing if `up`) and stays within 0–100.
fn assert_monotone(xs: &[f64], up: bool, f: impl Fn(f64) -> f64, case: usize) {
    let ys: Vec<f64> = xs.iter().map(|&x| f(x)).collect();
    for (x, y) in xs.iter().zip(&ys) {
        assert!(
            y.is_finite() && (0.0..=100.0).contains(y),
            "case {case}: {x} -> {y}"
        );
    }
    for (w, x) in ys.windows(2).zip(xs.windows(2)) {
        let ok = if up { w[0] <= w[1] } else { w[0] >= w[1] };
        assert!(
            ok,
            "case {case}: {} -> {}, {} -> {}",
            x[0], w[0], x[1], w[1]
        );
    }
}

/// A deterministic spread of inputs (a linear congruential sequence; no RNG needed).
fn grid() -> Vec<HealthInputs> {
    let mut state: u64 = 42;
    let mut u = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..500)
        .map(|i| HealthInputs {
            p_alive: (i % 2 == 0).then(&mut u),
            purchase_trend: (i % 3 != 0).then(|| 3.0 * u()),
            clv_percentile: (i % 5 != 0).then(&mut u),
            days_since_last_interaction: (i % 7 != 0).then(|| (400.0 * u()) as u32),
            interactions_last_90_days: Some((20.0 * u()) as u32),
            mean_sentiment: (i % 4 == 0).then(|| 2.0 * u() - 1.0),
            nps: answer((10.0 * u()).round(), (800.0 * u()) as u32).filter(|_| i % 3 == 1),
            csat: answer(1.0 + (4.0 * u()).round(), 30).filter(|_| i % 5 == 2),
            ces: answer(1.0 + 6.0 * u(), 700).filter(|_| i % 6 == 3),
            open_complaints: (i % 2 == 1).then(|| (3.0 * u()) as u32),
            late_deliveries_last_90_days: Some((4.0 * u()) as u32),
            ..HealthInputs::default()
        })
        .collect()
}

#[test]
fn a_worked_example() {
    // Vitality 0.7·90 + 0.3·75 = 85.5; value 80; engagement 0.4·100 + 0.3·50 + 0.3·75 = 77.5;
    // satisfaction (100 + 0.1·50) / 1.1 = 95.45; friction 100.
    // 0.3·85.5 + 0.2·80 + 0.2·77.5 + 0.15·95.45 + 0.15·100 = 86.47 -> 86.5.
    let h = scored(&full());
    assert_eq!(h.score, 86.5);
    assert!(!h.neutral && h.reasons.is_empty());
    let expected = [85.5, 80.0, 77.5, 105.0 / 1.1, 100.0];
    for (c, e) in h.components.iter().zip(expected) {
        assert!((c.score.unwrap() - e).abs() < 1e-9, "{c:?} vs {e}");
    }
    let kinds: Vec<_> = h.components.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ComponentKind::ALL);
}

#[test]
fn default_weights_are_the_documented_ones() {
    assert_eq!(
        HealthWeights::default(),
        weights([0.30, 0.20, 0.20, 0.15, 0.15])
    );
    let n = weights([3.0, 1.0, 0.0, 0.0, 0.0]).normalized().unwrap();
    assert_eq!(n, weights([0.75, 0.25, 0.0, 0.0, 0.0]));
}

/// One input set on empty inputs.
type Setter = fn(&mut HealthInputs, f64);

#[test]
#[rustfmt::skip]
fn each_transform_is_monotone_and_bounded() {
    let ps: Vec<f64> = (0..=100).map(|k| k as f64 / 100.0).collect();
    let trends = [0.0, 1e-300, 0.1, 0.5, 0.8, 1.0, 1.25, 2.0, 10.0, 1e10, 1e200, f64::MAX];
    let counts = [0.0, 1.0, 2.0, 3.0, 6.0, 13.0, 100.0, 1e4, u32::MAX as f64];
    let moods: Vec<f64> = (-10..=10).map(|k| k as f64 / 10.0).collect();
    let nps: Vec<f64> = (0..=20).map(|k| k as f64 / 2.0).collect();
    let csat = [1.0, 1.5, 2.0, 3.0, 4.0, 4.5, 5.0];
    let ces = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let ages = [0.0, 30.0, 180.0, 365.0, 730.0, 5000.0, u32::MAX as f64];
    // (input, values, component, rising?)
    let cases: [(Setter, &[f64], ComponentKind, bool); 15] = [
        (|i, x| i.p_alive = Some(x), &ps, Vitality, true),
        (|i, x| i.purchase_trend = Some(x), &trends, Vitality, true),
        (|i, x| i.clv_percentile = Some(x), &ps, Value, true),
        (|i, x| i.days_since_last_interaction = Some(x as u32), &counts, Engagement, false),
        (|i, x| i.interactions_last_90_days = Some(x as u32), &counts, Engagement, true),
        (|i, x| i.mean_sentiment = Some(x), &moods, Engagement, true),
        (|i, x| i.nps = answer(x, 0), &nps, Satisfaction, true),
        (|i, x| i.csat = answer(x, 0), &csat, Satisfaction, true),
        (|i, x| i.ces = answer(x, 0), &ces, Satisfaction, false),
        // Older answers count less: the score moves toward the neutral 50 from either side.
        (|i, a| i.nps = answer(10.0, a as u32), &ages, Satisfaction, false),
        (|i, a| i.nps = answer(0.0, a as u32), &ages, Satisfaction, true),
        (|i, x| i.open_complaints = Some(x as u32), &counts, Friction, false),
        (|i, x| i.late_deliveries_last_90_days = Some(x as u32), &counts, Friction, false),
        (|i, x| i.withdrawals_last_365_days = Some(x as u32), &counts, Friction, false),
        (|i, x| i.cancellations_last_365_days = Some(x as u32), &counts, Friction, false),
    ];
    for (k, (set, xs, kind, up)) in cases.into_iter().enumerate() {
        assert_monotone(xs, up, |x| component(&with(|i| set(i, x)), kind), k);
    }
}

#[test]
#[rustfmt::skip]
fn the_documented_anchors() {
    let cases: [(Setter, f64, ComponentKind, f64); 8] = [
        (|i, x| i.purchase_trend = Some(x), 1.0, Vitality, 75.0),
        (|i, x| i.purchase_trend = Some(x), 0.0, Vitality, 0.0),
        (|i, x| i.days_since_last_interaction = Some(x as u32), 60.0, Engagement, 50.0),
        (|i, x| i.interactions_last_90_days = Some(x as u32), 3.0, Engagement, 50.0),
        (|i, x| i.open_complaints = Some(x as u32), 2.0, Friction, 50.0),
        (|i, x| i.cancellations_last_365_days = Some(x as u32), 0.0, Friction, 100.0),
        (|i, x| i.nps = answer(x, 0), 6.0, Satisfaction, 45.0 / 1.1),
        (|i, a| i.nps = answer(10.0, a as u32), 180.0, Satisfaction, 55.0 / 0.6),
    ];
    for (k, (set, x, kind, expected)) in cases.into_iter().enumerate() {
        let got = component(&with(|i| set(i, x)), kind);
        assert!((got - expected).abs() < 1e-9, "case {k}: {got} vs {expected}");
    }
}

#[test]
fn contributions_sum_to_the_score_and_weights_to_one() {
    for inputs in grid() {
        let h = scored(&inputs);
        assert!(h.score.is_finite() && (0.0..=100.0).contains(&h.score));
        assert_eq!((h.score * 10.0).round() / 10.0, h.score, "rounded to 0.1");
        let sum: f64 = h.components.iter().map(|c| c.contribution).sum();
        assert!((sum - h.score).abs() <= 0.05 + 1e-9, "{sum} vs {}", h.score);
        let weights: f64 = h.components.iter().map(|c| c.weight).sum();
        assert!((weights - 1.0).abs() < 1e-12);
        for c in &h.components {
            assert_eq!(c.contribution, c.weight * c.score.unwrap_or(0.0));
            assert!(!c.reasons.is_empty(), "{:?} explains itself", c.kind);
        }
    }
}

#[test]
fn missing_components_share_their_weight_in_proportion() {
    let h = scored(&with(|i| {
        i.p_alive = Some(0.5);
        i.clv_percentile = Some(1.0);
    }));
    let w: Vec<f64> = h.components.iter().map(|c| c.weight).collect();
    assert!(
        (w[0] - 0.6).abs() < 1e-12 && (w[1] - 0.4).abs() < 1e-12,
        "{w:?}"
    );
    assert_eq!(&w[2..], &[0.0, 0.0, 0.0]);
    assert_eq!(h.score, 70.0); // 0.6·50 + 0.4·100
    let no_data = [
        C::EngagementNoData,
        C::SatisfactionNoData,
        C::FrictionNoData,
    ];
    for (c, code) in h.components[2..].iter().zip(no_data) {
        assert_eq!((c.score, c.contribution), (None, 0.0));
        assert!(c.raw.is_empty());
        assert_eq!(c.reasons, vec![Reason::new(code)]);
        assert!(c.base_weight > 0.0, "the configured weight is still shown");
    }
}

#[test]
fn without_data_the_score_is_a_flagged_neutral_50() {
    let h = scored(&HealthInputs::default());
    assert_eq!((h.score, h.neutral), (50.0, true));
    assert_eq!(h.reasons, vec![Reason::new(C::HealthNoData)]);
    assert!(
        h.components
            .iter()
            .all(|c| c.weight == 0.0 && c.score.is_none())
    );
    assert!(h.weakest().is_none());
    // Data only where the weight is 0.
    let inputs = with(|i| i.clv_percentile = Some(0.9));
    let h = health(&inputs, &weights([1.0, 0.0, 0.0, 0.0, 0.0])).unwrap();
    assert_eq!((h.score, h.neutral), (50.0, true));
    assert_eq!(h.reasons, vec![Reason::new(C::HealthNoWeightedData)]);
    assert_eq!(h.component(Value).unwrap().score, Some(90.0));
}

#[test]
fn extreme_inputs_and_weights_give_finite_scores() {
    let huge = HealthInputs {
        p_alive: Some(0.0),
        purchase_trend: Some(f64::MAX),
        clv_percentile: Some(0.0),
        days_since_last_interaction: Some(u32::MAX),
        interactions_last_90_days: Some(u32::MAX),
        mean_sentiment: Some(-1.0),
        nps: answer(0.0, u32::MAX),
        csat: answer(1.0, u32::MAX),
        ces: answer(7.0, u32::MAX),
        open_complaints: Some(u32::MAX),
        late_deliveries_last_90_days: Some(u32::MAX),
        withdrawals_last_365_days: Some(u32::MAX),
        cancellations_last_365_days: Some(u32::MAX),
    };
    let mixed = full_with(|i| {
        i.p_alive = Some(1.0);
        i.purchase_trend = Some(0.0);
    });
    let mut weight_sets = vec![
        HealthWeights::default(),
        weights([f64::MAX; 5]),
        weights([5e-324, 0.0, 0.0, 0.0, 0.0]),
    ];
    for k in 0..5 {
        let mut w = [0.0; 5];
        w[k] = 1.0; // all zero but one
        weight_sets.push(weights(w));
    }
    let finite = |x: f64| x.is_finite();
    for w in &weight_sets {
        for inputs in [huge, mixed, full(), HealthInputs::default()] {
            let h = health(&inputs, w).unwrap();
            assert!((0.0..=100.0).contains(&h.score), "{w:?} {inputs:?}");
            for c in &h.components {
                let numbers = [c.weight, c.base_weight, c.contribution];
                assert!(numbers.into_iter().chain(c.score).all(finite), "{c:?}");
                assert!(c.raw.iter().all(|r| finite(r.value) && finite(r.score)));
            }
        }
    }
    assert_eq!(scored(&with(|i| i.p_alive = Some(0.0))).score, 0.0);
    assert_eq!(scored(&with(|i| i.p_alive = Some(1.0))).score, 100.0);
}

#[test]
#[rustfmt::skip]
fn out_of_range_inputs_are_errors_that_name_the_field() {
    let cases: [(Setter, f64, &str); 11] = [
        (|i, x| i.p_alive = Some(x), 1.2, "p_alive"),
        (|i, x| i.p_alive = Some(x), -0.01, "p_alive"),
        (|i, x| i.p_alive = Some(x), f64::NAN, "p_alive"),
        (|i, x| i.purchase_trend = Some(x), -1.0, "purchase_trend"),
        (|i, x| i.purchase_trend = Some(x), f64::INFINITY, "purchase_trend"),
        (|i, x| i.clv_percentile = Some(x), 1.5, "clv_percentile"),
        (|i, x| i.mean_sentiment = Some(x), -1.5, "mean_sentiment"),
        (|i, x| i.nps = answer(x, 0), 11.0, "nps"),
        (|i, x| i.csat = answer(x, 0), 0.0, "csat"),
        (|i, x| i.ces = answer(x, 0), 8.0, "ces"),
        (|i, x| i.ces = answer(x, 0), f64::NAN, "ces"),
    ];
    for (set, x, field) in cases {
        match health(&with(|i| set(i, x)), &HealthWeights::default()) {
            Err(AnalyticsError::InvalidParameter { name, .. }) => assert_eq!(name, field),
            other => panic!("{field} = {x}: expected an error, got {other:?}"),
        }
    }
    for w in [
        [0.3, -0.1, 0.2, 0.15, 0.15],
        [0.3, 0.2, 0.2, 0.15, f64::NAN],
        [f64::INFINITY, 0.2, 0.2, 0.15, 0.15],
        [0.0; 5],
    ] {
        assert!(!health(&full(), &weights(w)).unwrap_err().to_string().is_empty());
    }
}

#[test]
fn the_same_data_gives_the_same_score() {
    for inputs in grid().into_iter().take(50) {
        let (a, b) = (scored(&inputs), scored(&inputs));
        assert_eq!(a, b);
        assert_eq!(a.score.to_bits(), b.score.to_bits());
    }
}

#[test]
fn every_reason_code_is_stable_unique_and_has_english_text() {
    let mut seen = std::collections::BTreeSet::new();
    for &code in ReasonCode::ALL {
        let c = code.code();
        assert!(seen.insert(c), "{c} is listed twice");
        assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_') && !c.is_empty());
        let mut r = Reason::new(code);
        for &name in code.params() {
            r = match name {
                "component" => r.with_code(name, "friction"),
                _ => r.with_number(name, 2.0),
            };
        }
        let text = r.english();
        assert!(text.len() > 15 && text.ends_with('.'), "{c}: {text}");
        assert!(
            !text.contains('{') && !text.contains("unknown"),
            "{c}: {text}"
        );
    }
}

#[test]
fn reasons_carry_exactly_their_declared_parameters() {
    let check = |r: &Reason| {
        let names: Vec<&str> = r.params.iter().map(|p| p.name).collect();
        assert_eq!(names, r.code.params(), "{:?}", r.code);
        for p in &r.params {
            if let ParamValue::Number(x) = p.value {
                assert!(x.is_finite());
            }
        }
    };
    for (k, inputs) in grid().iter().enumerate() {
        let h = scored(inputs);
        h.reasons
            .iter()
            .chain(h.components.iter().flat_map(|c| &c.reasons))
            .for_each(check);
        let ci = ClassInputs {
            previous_score: Some((k % 101) as f64),
            days_since_last_purchase: Some((k * 7 % 900) as u32),
            typical_purchase_gap_days: Some(30.0 + (k % 200) as f64),
            all_contracts_ended: k % 97 == 0,
            ..ClassInputs::new(&h)
        };
        let c = classify(&ci, &ClassRules::default()).unwrap();
        assert!(!c.reasons.is_empty());
        c.reasons.iter().for_each(check);
    }
}

/// A reason code, its numeric parameters and the English sentence they make.
type Sentence = (ReasonCode, &'static [(&'static str, f64)], &'static str);

#[test]
#[rustfmt::skip]
fn sentences_read_plainly() {
    let cases: [Sentence; 6] = [
        (C::PAliveLow, &[("p", 0.23)],
         "Probably no longer buying: only 23% chance the customer is still active."),
        (C::PAliveHigh, &[("p", 0.999)],
         "Very likely still buying: more than 99% chance the customer is still active."),
        (C::OpenComplaints, &[("count", 1.0)], "1 open complaint waiting to be resolved."),
        (C::PurchaseTrendDown, &[("ratio", 0.6)],
         "Buying less often lately: recent purchase rate 40% below the earlier rate."),
        (C::NpsPromoter, &[("score", 9.0), ("age_days", 12.0)],
         "Would recommend us: answered 9 out of 10 in the recommendation survey 12 days ago."),
        (C::AtRiskOverdue, &[("days", 100.0), ("gap_days", 30.0), ("multiple", 2.0)],
         "No purchase for 100 days, more than twice the usual 30 days between purchases."),
    ];
    for (code, params, expected) in cases {
        let reason = params.iter().fold(Reason::new(code), |r, &(n, v)| r.with_number(n, v));
        assert_eq!(reason.english(), expected);
    }
    let weakest = Reason::new(C::WeakestComponent).with_code("component", "friction");
    assert_eq!(weakest.with_number("score", 20.0).english(), "Weakest part: friction (20 out of 100).");
}

// ---- classification ----

/// Classifies `inputs` with default rules after `set` fills in the class inputs.
fn classified(inputs: HealthInputs, set: impl FnOnce(&mut ClassInputs)) -> Classification {
    classified_by(inputs, set, |_| {})
}

/// Classifies with default rules changed by `tune`.
fn classified_by(
    inputs: HealthInputs,
    set: impl FnOnce(&mut ClassInputs),
    tune: impl FnOnce(&mut ClassRules),
) -> Classification {
    let h = scored(&inputs);
    let mut ci = ClassInputs::new(&h);
    set(&mut ci);
    let mut rules = ClassRules::default();
    tune(&mut rules);
    classify(&ci, &rules).unwrap()
}

fn codes(c: &Classification) -> (Class, Vec<ReasonCode>) {
    (c.class, c.reasons.iter().map(|r| r.code).collect())
}

/// Full inputs changed by `set`.
fn full_with(set: impl FnOnce(&mut HealthInputs)) -> HealthInputs {
    let mut inputs = full();
    set(&mut inputs);
    inputs
}

/// Health from the value component alone: the score is 100 × the percentile.
fn value_only(percentile: f64) -> HealthInputs {
    with(|i| i.clv_percentile = Some(percentile))
}

fn fading(p_alive: f64, percentile: f64) -> HealthInputs {
    with(|i| {
        i.p_alive = Some(p_alive);
        i.clv_percentile = Some(percentile);
    })
}

#[test]
#[rustfmt::skip]
fn every_class_is_reachable() {
    let none = |_: &mut ClassInputs| {};
    let cases = [
        (full_with(|i| i.p_alive = Some(0.05)), Class::Churned, vec![C::ChurnedPAlive]),
        (fading(0.4, 0.9), Class::AtRisk, vec![C::AtRiskValuableFading, C::WeakestComponent]),
        (value_only(0.3), Class::Repair, vec![C::RepairLowHealth, C::WeakestComponent]),
        (full(), Class::Grow, vec![C::GrowHighValue]),
        (value_only(0.6), Class::Maintain, vec![C::MaintainSteady]),
    ];
    for (inputs, class, reasons) in cases {
        assert_eq!(codes(&classified(inputs, none)), (class, reasons));
    }
    let class_codes: Vec<&str> = Class::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(class_codes, ["grow", "maintain", "repair", "at_risk", "churned"]);
}

#[test]
fn churn_rules() {
    // Dormant beyond max(365, 3 × gap): with a 200-day gap the limit is 600 days.
    let c = classified(value_only(0.6), |ci| {
        ci.days_since_last_purchase = Some(601);
        ci.typical_purchase_gap_days = Some(200.0);
    });
    assert_eq!(codes(&c), (Class::Churned, vec![C::ChurnedDormant]));
    assert_eq!(c.reasons[0].number("limit"), Some(600.0));
    let days = |d| classified(value_only(0.6), |ci| ci.days_since_last_purchase = Some(d));
    assert_eq!(
        (days(365).class, days(366).class),
        (Class::Maintain, Class::Churned)
    );
    let c = classified(value_only(0.6), |ci| ci.all_contracts_ended = true);
    assert_eq!(codes(&c), (Class::Churned, vec![C::ChurnedContractsEnded]));
    // Every churn rule that fires is listed.
    let c = classified(with(|i| i.p_alive = Some(0.0)), |ci| {
        ci.days_since_last_purchase = Some(1000);
        ci.all_contracts_ended = true;
    });
    let all = [
        C::ChurnedPAlive,
        C::ChurnedDormant,
        C::ChurnedContractsEnded,
    ];
    assert_eq!(codes(&c), (Class::Churned, all.to_vec()));
}

#[test]
fn at_risk_rules() {
    // A drop of exactly 15 points (72.3 -> 57.3) counts; 14.9 does not.
    let drop = |v| classified(value_only(v), |ci| ci.previous_score = Some(72.3));
    let reasons = vec![C::AtRiskHealthDrop, C::WeakestComponent];
    assert_eq!(codes(&drop(0.573)), (Class::AtRisk, reasons));
    assert_eq!(drop(0.574).class, Class::Maintain);
    // Open complaints while purchases fall.
    let complaints = |n| {
        classified(
            full_with(|i| {
                i.purchase_trend = Some(0.5);
                i.open_complaints = Some(n);
            }),
            |_| {},
        )
    };
    let c = complaints(2);
    let first = (c.class, c.reasons[0].code);
    assert_eq!(first, (Class::AtRisk, C::AtRiskComplaintsFallingPurchases));
    assert_ne!(complaints(0).class, Class::AtRisk);
    // Overdue: more than 2 × the usual gap, but not yet dormant.
    let c = classified(value_only(0.6), |ci| {
        ci.days_since_last_purchase = Some(500);
        ci.typical_purchase_gap_days = Some(200.0);
    });
    assert_eq!(
        (c.class, c.reasons[0].code),
        (Class::AtRisk, C::AtRiskOverdue)
    );
    // Low P(alive) alone is not at risk for a low-value customer.
    assert_eq!(classified(fading(0.4, 0.2), |_| {}).class, Class::Repair);
}

#[test]
fn precedence_is_churned_then_at_risk_then_repair_then_grow() {
    // Churned beats at risk: a valuable customer fading, but below P(alive) 0.1.
    assert_eq!(classified(fading(0.05, 0.95), |_| {}).class, Class::Churned);
    // At risk beats repair: low health and a sharp drop.
    let c = classified(value_only(0.2), |ci| ci.previous_score = Some(60.0));
    assert_eq!(c.class, Class::AtRisk);
    // Repair beats grow when an organization's thresholds overlap.
    let c = classified_by(value_only(0.75), |_| {}, |r| r.repair_health_below = 80.0);
    assert_eq!(c.class, Class::Repair);
    // Grow needs P(alive) too: a healthy score with a fading customer is not grow.
    let customer = |p| {
        full_with(|i| {
            i.p_alive = Some(p);
            i.clv_percentile = Some(0.3);
            i.purchase_trend = Some(2.0);
        })
    };
    assert!(scored(&customer(0.45)).score >= 60.0);
    let low_bar = |p| classified_by(customer(p), |_| {}, |r| r.grow_min_health = 60.0).class;
    assert_eq!(
        (low_bar(0.45), low_bar(0.5)),
        (Class::Maintain, Class::Grow)
    );
    // Grow on momentum alone.
    let rising = full_with(|i| {
        i.clv_percentile = Some(0.3);
        i.purchase_trend = Some(1.5);
    });
    let c = classified(rising, |_| {});
    assert_eq!(codes(&c), (Class::Grow, vec![C::GrowRisingPurchases]));
}

#[test]
fn a_neutral_score_is_maintained_for_lack_of_data() {
    let c = classified(HealthInputs::default(), |ci| ci.previous_score = Some(90.0));
    assert_eq!(
        codes(&c),
        (Class::Maintain, vec![C::MaintainInsufficientData])
    );
}

#[test]
#[rustfmt::skip]
fn invalid_classification_inputs_are_errors() {
    let h = scored(&full());
    let bad_inputs: [fn(&mut ClassInputs); 3] = [
        |ci| ci.previous_score = Some(101.0),
        |ci| ci.previous_score = Some(f64::NAN),
        |ci| ci.typical_purchase_gap_days = Some(0.0),
    ];
    for set in bad_inputs {
        let mut ci = ClassInputs::new(&h);
        set(&mut ci);
        assert!(classify(&ci, &ClassRules::default()).is_err());
    }
    let bad_rules: [fn(&mut ClassRules); 4] = [
        |r| r.churn_p_alive_below = 1.5,
        |r| r.at_risk_health_drop = 0.0,
        |r| r.churn_dormant_gap_multiple = f64::INFINITY,
        |r| r.grow_min_health = f64::NAN,
    ];
    for tune in bad_rules {
        let mut rules = ClassRules::default();
        tune(&mut rules);
        assert!(classify(&ClassInputs::new(&h), &rules).is_err());
    }
    let tampered = Health { score: f64::NAN, ..h.clone() };
    assert!(classify(&ClassInputs::new(&tampered), &ClassRules::default()).is_err());
}
