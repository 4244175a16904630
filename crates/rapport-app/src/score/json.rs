//! The JSON stored with a run and its scores: fits, health components and reasons.
//!
//! A party's components and class reasons are stored compact, as codes and numbers only:
//! a reason is `[code, value…]` with its values in the order of its code's parameter names
//! (`ReasonCode::params`), a component `[kind, weight, base_weight, score, contribution,
//! [[name, value, score]…], [reason…]]`, the components `[neutral, [reason…], [component…]]`.
//! Reading expands them ([`expand_components`], [`expand_reasons`]) into the shape the API
//! returns and the UI reads, each reason `{code, params, text}` with its English sentence
//! written again: a million customers' scores no longer carry a million copies of the same
//! sentences. Rows written before (objects, with their text) are read as they are, and so is
//! any reason whose parameters do not follow its code's list.

use rapport_analytics::health::{ParamValue, StoredParam};
use rapport_analytics::{Fit, Health, HealthWeights, Reason, ReasonCode};
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

/// Reasons as stored: compact.
pub(super) fn reasons(reasons: &[Reason]) -> Value {
    Value::Array(reasons.iter().map(compact_reason).collect())
}

/// `[code, value…]` when the reason's parameters are its code's, in order; otherwise the
/// full object.
fn compact_reason(r: &Reason) -> Value {
    let names = r.code.params();
    let in_order =
        names.len() == r.params.len() && names.iter().zip(&r.params).all(|(n, p)| *n == p.name);
    if !in_order {
        return full_reason(r);
    }
    let mut out = Vec::with_capacity(1 + r.params.len());
    out.push(Value::from(r.code.code()));
    out.extend(r.params.iter().map(|p| param_json(p.value)));
    Value::Array(out)
}

fn param_json(v: ParamValue) -> Value {
    match v {
        ParamValue::Number(n) => json!(n),
        ParamValue::Code(c) => json!(c),
    }
}

/// A reason as the API shows it: code, named parameters and the English sentence.
fn full_reason(r: &Reason) -> Value {
    let params: Map<String, Value> = r
        .params
        .iter()
        .map(|p| (p.name.to_string(), param_json(p.value)))
        .collect();
    json!({"code": r.code.code(), "params": params, "text": r.english()})
}

/// The health components as stored: compact.
pub(super) fn components(h: &Health) -> Value {
    let components = h
        .components
        .iter()
        .map(|c| {
            json!([
                c.kind.code(),
                c.weight,
                c.base_weight,
                c.score,
                c.contribution,
                c.raw
                    .iter()
                    .map(|r| json!([r.name, r.value, r.score]))
                    .collect::<Vec<_>>(),
                reasons(&c.reasons),
            ])
        })
        .collect::<Vec<_>>();
    json!([h.neutral, reasons(&h.reasons), components])
}

/// Stored class or component reasons in the shape the API shows: `[{code, params, text}]`.
pub fn expand_reasons(stored: &Value) -> Value {
    match stored {
        Value::Array(list) => Value::Array(list.iter().map(expand_reason).collect()),
        other => other.clone(),
    }
}

fn expand_reason(stored: &Value) -> Value {
    let Value::Array(parts) = stored else {
        return stored.clone();
    };
    let code = parts.first().and_then(Value::as_str).unwrap_or_default();
    let names = ReasonCode::from_code(code).map_or(&[][..], |c| c.params());
    let values = parts.get(1..).unwrap_or_default();
    let params: Map<String, Value> = names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect();
    let text = Reason::from_stored(
        code,
        params.iter().filter_map(|(n, v)| {
            let value = match v {
                Value::Number(x) => StoredParam::Number(x.as_f64()?),
                Value::String(c) => StoredParam::Code(c),
                _ => return None,
            };
            Some((n.as_str(), value))
        }),
    )
    .map_or_else(|| code.to_string(), |r| r.english());
    json!({"code": code, "params": params, "text": text})
}

/// Stored health components in the shape the API shows: `{"neutral", "reasons",
/// "components": [{kind, weight, base_weight, score, contribution, raw, reasons}]}`.
pub fn expand_components(stored: &Value) -> Value {
    let Value::Array(parts) = stored else {
        return stored.clone();
    };
    let at = |i: usize| parts.get(i).cloned().unwrap_or(Value::Null);
    let components: Vec<Value> = parts
        .get(2)
        .and_then(Value::as_array)
        .map(|list| list.iter().map(expand_component).collect())
        .unwrap_or_default();
    json!({
        "neutral": at(0),
        "reasons": expand_reasons(&at(1)),
        "components": components,
    })
}

fn expand_component(stored: &Value) -> Value {
    let Value::Array(parts) = stored else {
        return stored.clone();
    };
    let at = |i: usize| parts.get(i).cloned().unwrap_or(Value::Null);
    let raw: Vec<Value> = parts
        .get(5)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|r| {
                    let r = |i: usize| r.get(i).cloned().unwrap_or(Value::Null);
                    json!({"name": r(0), "value": r(1), "score": r(2)})
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "kind": at(0),
        "weight": at(1),
        "base_weight": at(2),
        "score": at(3),
        "contribution": at(4),
        "raw": raw,
        "reasons": expand_reasons(&at(6)),
    })
}

/// The first of a party's stored component reasons for which `f` (given the code and a
/// lookup of its parameters by name) answers, in either stored shape, without writing any
/// sentence.
pub(crate) fn find_component_reason<'v, T>(
    components: &'v Value,
    mut f: impl FnMut(&str, &dyn Fn(&str) -> Option<&'v Value>) -> Option<T>,
) -> Option<T> {
    let (list, compact) = match components {
        Value::Array(parts) => (parts.get(2)?.as_array()?, true),
        other => (other.get("components")?.as_array()?, false),
    };
    for c in list {
        let reasons = if compact { c.get(6) } else { c.get("reasons") };
        for r in reasons.and_then(Value::as_array).into_iter().flatten() {
            let found = match r {
                Value::Array(parts) => {
                    let code = parts.first().and_then(Value::as_str).unwrap_or_default();
                    let names = ReasonCode::from_code(code).map_or(&[][..], |c| c.params());
                    let param: &dyn Fn(&str) -> Option<&'v Value> = &|name| {
                        let i = names.iter().position(|n| *n == name)?;
                        parts.get(i + 1)
                    };
                    f(code, param)
                }
                other => {
                    let code = other
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let param: &dyn Fn(&str) -> Option<&'v Value> =
                        &|name| other.get("params")?.get(name);
                    f(code, param)
                }
            };
            if found.is_some() {
                return found;
            }
        }
    }
    None
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

#[cfg(test)]
mod tests;
