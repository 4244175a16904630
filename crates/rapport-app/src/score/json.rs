//! The JSON stored with a run and its scores: fits, health components and reasons, each reason
//! with its stable code, its parameters and the English sentence (the UI translates by code).

use rapport_analytics::health::ParamValue;
use rapport_analytics::{Fit, Health, HealthWeights, Reason};
use serde_json::{Map, Value, json};

/// A fit's parameters, standard errors, log-likelihood and convergence.
pub(super) fn fit<const N: usize>(fit: &Fit<N>, names: &[&str; N]) -> Value {
    let named = |values: &[f64; N]| crate::clv::named(names, values);
    json!({
        "params": named(&fit.params),
        "std_errors": fit.std_errors.as_ref().map(named),
        "log_likelihood": fit.log_likelihood,
        "iterations": fit.iterations,
        "converged": fit.converged,
    })
}

pub(super) fn reasons(reasons: &[Reason]) -> Value {
    Value::Array(reasons.iter().map(reason).collect())
}

fn reason(r: &Reason) -> Value {
    let params: Map<String, Value> = r
        .params
        .iter()
        .map(|p| {
            let v = match p.value {
                ParamValue::Number(n) => json!(n),
                ParamValue::Code(c) => json!(c),
            };
            (p.name.to_string(), v)
        })
        .collect();
    json!({"code": r.code.code(), "params": params, "text": r.english()})
}

/// The health components: kind, weight, score, contribution, raw inputs and reasons.
pub(super) fn components(h: &Health) -> Value {
    json!({
        "neutral": h.neutral,
        "reasons": reasons(&h.reasons),
        "components": h.components.iter().map(|c| json!({
            "kind": c.kind.code(),
            "weight": c.weight,
            "base_weight": c.base_weight,
            "score": c.score,
            "contribution": c.contribution,
            "raw": c.raw.iter().map(|r| json!({"name": r.name, "value": r.value, "score": r.score})).collect::<Vec<_>>(),
            "reasons": reasons(&c.reasons),
        })).collect::<Vec<_>>(),
    })
}

pub(super) fn weights(w: &HealthWeights) -> Value {
    json!({
        "vitality": w.vitality,
        "value": w.value,
        "engagement": w.engagement,
        "satisfaction": w.satisfaction,
        "friction": w.friction,
    })
}
