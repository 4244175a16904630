//! The compact stored explanations read back exactly as the full ones they replace: every
//! component, number, parameter and English sentence, over inputs that reach every reason.

use rapport_analytics::{
    ClassInputs, ClassRules, Health, HealthInputs, HealthWeights, Reason, ReasonCode, SurveyAnswer,
    classify, health,
};
use serde_json::{Map, Value, json};

use super::*;

/// The shape stored before (and still returned by the API): reasons with their sentence.
fn full_reasons(reasons: &[Reason]) -> Value {
    Value::Array(reasons.iter().map(full_reason).collect())
}

fn full_components(h: &Health) -> Value {
    json!({
        "neutral": h.neutral,
        "reasons": full_reasons(&h.reasons),
        "components": h.components.iter().map(|c| json!({
            "kind": c.kind.code(),
            "weight": c.weight,
            "base_weight": c.base_weight,
            "score": c.score,
            "contribution": c.contribution,
            "raw": c.raw.iter().map(|r| json!({"name": r.name, "value": r.value, "score": r.score})).collect::<Vec<_>>(),
            "reasons": full_reasons(&c.reasons),
        })).collect::<Vec<_>>(),
    })
}

/// Through the database's text, as a row would be.
fn stored(v: Value) -> Value {
    serde_json::from_str(&v.to_string()).unwrap()
}

/// One customer's health inputs, then the classification's: previous health, days since the
/// last purchase, typical gap, every contract ended.
type Case = (HealthInputs, Option<f64>, Option<u32>, Option<f64>, bool);

/// Inputs that between them give every health and class reason.
fn cases() -> Vec<Case> {
    let survey = |score: f64, age_days: u32| Some(SurveyAnswer { score, age_days });
    let mut out = vec![(HealthInputs::default(), None, None, None, false)];
    let p_alive = [None, Some(0.03), Some(0.12345678901), Some(0.6), Some(0.97)];
    let trends = [None, Some(0.0), Some(0.4), Some(1.0), Some(2.7)];
    let percentiles = [None, Some(0.05), Some(0.5), Some(0.9333333333333333)];
    for (i, p) in p_alive.iter().enumerate() {
        for (j, t) in trends.iter().enumerate() {
            for (k, pct) in percentiles.iter().enumerate() {
                let n = i * 20 + j * 4 + k;
                let inputs = HealthInputs {
                    p_alive: *p,
                    purchase_trend: *t,
                    clv_percentile: *pct,
                    days_since_last_interaction: [None, Some(3), Some(45), Some(400)][n % 4],
                    interactions_last_90_days: [None, Some(0), Some(2), Some(9)][(n / 2) % 4],
                    mean_sentiment: [None, Some(-0.6), Some(0.1), Some(0.75)][(n / 3) % 4],
                    nps: [None, survey(3.0, 20), survey(8.0, 500), survey(10.0, 1)][n % 4],
                    csat: [None, survey(1.5, 10), survey(3.0, 40), survey(5.0, 900)][(n / 2) % 4],
                    ces: [None, survey(2.0, 5), survey(4.0, 60), survey(6.5, 7)][(n / 3) % 4],
                    open_complaints: [None, Some(0), Some(1), Some(3)][(n / 5) % 4],
                    late_deliveries_last_90_days: [None, Some(0), Some(2)][n % 3],
                    withdrawals_last_365_days: [None, Some(0), Some(1)][(n / 2) % 3],
                    cancellations_last_365_days: [None, Some(0), Some(4)][(n / 4) % 3],
                };
                let previous = [None, Some(91.2), Some(40.0)][n % 3];
                let days = [None, Some(10), Some(300), Some(2000)][(n / 2) % 4];
                let gap = [None, Some(30.5), Some(7.0)][(n / 3) % 3];
                out.push((inputs, previous, days, gap, n % 7 == 0));
            }
        }
    }
    out
}

#[test]
fn compact_explanations_read_back_as_the_full_ones() {
    let weight_sets = [
        HealthWeights::default(),
        HealthWeights {
            vitality: 0.0,
            value: 1.0,
            engagement: 0.0,
            satisfaction: 0.0,
            friction: 0.0,
        },
    ];
    let mut codes = std::collections::BTreeSet::new();
    for weights in &weight_sets {
        for (inputs, previous, days, gap, ended) in cases() {
            let h = health(&inputs, weights).unwrap();
            let mut ci = ClassInputs::new(&h);
            ci.previous_score = previous;
            ci.days_since_last_purchase = days;
            ci.typical_purchase_gap_days = gap;
            ci.all_contracts_ended = ended;
            let class = classify(&ci, &ClassRules::default()).unwrap();

            let read = expand_components(&stored(components(&h)));
            assert_eq!(read, full_components(&h), "{inputs:?}");
            let read = expand_reasons(&stored(reasons(&class.reasons)));
            assert_eq!(read, full_reasons(&class.reasons), "{inputs:?}");

            for r in h
                .reasons
                .iter()
                .chain(h.components.iter().flat_map(|c| &c.reasons))
                .chain(&class.reasons)
            {
                codes.insert(r.code.code());
            }
        }
    }
    // The cases reach nearly every reason (a missed one would go untested).
    assert!(codes.len() + 4 >= ReasonCode::ALL.len(), "{codes:?}");
}

#[test]
fn compact_explanations_are_a_fraction_of_the_full_ones() {
    let (inputs, ..) = cases()[37];
    let h = health(&inputs, &HealthWeights::default()).unwrap();
    let compact = components(&h).to_string().len();
    let full = full_components(&h).to_string().len();
    assert!(compact * 2 < full, "{compact} bytes against {full}");
}

#[test]
fn rows_stored_in_the_full_shape_read_as_they_are() {
    let (inputs, ..) = cases()[50];
    let h = health(&inputs, &HealthWeights::default()).unwrap();
    let full = full_components(&h);
    assert_eq!(expand_components(&stored(full.clone())), full);
    let old = json!([{"code": "maintain_steady", "params": {"score": 71.5}, "text": "kept"}]);
    assert_eq!(expand_reasons(&old), old);
    assert_eq!(expand_reasons(&Value::Null), Value::Null);
}

#[test]
fn a_reason_whose_parameters_differ_from_its_code_is_kept_whole() {
    let odd = Reason::new(ReasonCode::MaintainSteady).with_number("extra", 2.0);
    let stored = reasons(std::slice::from_ref(&odd));
    assert_eq!(stored, full_reasons(&[odd]));
    assert!(stored[0]["text"].is_string());
}

#[test]
fn an_unknown_code_reads_with_its_code_as_text() {
    let read = expand_reasons(&json!([["no_such_reason", 1.5]]));
    assert_eq!(
        read,
        json!([{"code": "no_such_reason", "params": Map::new(), "text": "no_such_reason"}])
    );
}

#[test]
fn component_reasons_are_found_in_both_shapes() {
    let inputs = HealthInputs {
        p_alive: Some(0.5),
        purchase_trend: Some(0.3),
        ..HealthInputs::default()
    };
    let h = health(&inputs, &HealthWeights::default()).unwrap();
    let ratio = |v: &Value| {
        find_component_reason(v, |code, param| {
            (code == "purchase_trend_down").then(|| param("ratio").and_then(Value::as_f64))?
        })
    };
    assert_eq!(ratio(&stored(components(&h))), Some(0.3));
    assert_eq!(ratio(&full_components(&h)), Some(0.3));
    assert_eq!(ratio(&json!([false, [], []])), None);
}
