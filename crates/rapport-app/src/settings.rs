//! Org settings an admin changes: the health-score weights (the score's defaults until an admin
//! sets them). Every change is audited with what it was before and after.

use chrono::{DateTime, Utc};
use rapport_analytics::HealthWeights;
use rapport_analytics::health::ComponentKind;
use rapport_domain::{AuditEntry, AuditId, OrgId, UserId};
use rapport_store::{Store, StoreError, Tx};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::import::RowError;
use crate::records::RecordError;

/// The key of the health weights among the org settings.
pub const HEALTH_WEIGHTS: &str = "health_weights";

/// The org's health weights, and when an admin last set them (`None`: the defaults).
pub async fn health_weights(
    tx: &mut Tx,
) -> Result<(HealthWeights, Option<DateTime<Utc>>), StoreError> {
    Ok(match tx.setting(HEALTH_WEIGHTS).await? {
        Some((v, at)) => match weights_from_json(&v) {
            Some(w) => (w, Some(at)),
            None => (HealthWeights::default(), None),
        },
        None => (HealthWeights::default(), None),
    })
}

/// The weights as `{"vitality": .., "value": .., ..}`.
pub fn weights_json(w: &HealthWeights) -> Value {
    let mut map = serde_json::Map::new();
    for kind in ComponentKind::ALL {
        map.insert(kind.code().to_string(), json!(w.get(kind)));
    }
    Value::Object(map)
}

fn weights_from_json(v: &Value) -> Option<HealthWeights> {
    let get = |k: ComponentKind| v.get(k.code()).and_then(Value::as_f64);
    let w = HealthWeights {
        vitality: get(ComponentKind::Vitality)?,
        value: get(ComponentKind::Value)?,
        engagement: get(ComponentKind::Engagement)?,
        satisfaction: get(ComponentKind::Satisfaction)?,
        friction: get(ComponentKind::Friction)?,
    };
    w.validate().ok().map(|_| w)
}

/// Reads weights given per component (by its code); every component needs one, each a number
/// from 0 to 100, not all 0. The weights are relative: saving scales them to sum to 1.
pub fn parse_weights(get: &dyn Fn(&str) -> Option<String>) -> Result<HealthWeights, RecordError> {
    let mut errors = Vec::new();
    let mut values = [0.0; 5];
    for (i, kind) in ComponentKind::ALL.iter().enumerate() {
        let name = kind.code();
        let error = |value: Option<String>, reason: &str| RowError {
            line: 0,
            column: Some(name.to_string()),
            value,
            reason: reason.to_string(),
        };
        match get(name).map(|v| v.trim().to_string()) {
            None => errors.push(error(None, "is missing: give every component a weight")),
            Some(v) if v.is_empty() => {
                errors.push(error(None, "is missing: give every component a weight"))
            }
            Some(v) => match v.parse::<f64>() {
                Ok(n) if n.is_finite() && (0.0..=100.0).contains(&n) => values[i] = n,
                _ => errors.push(error(Some(v), "must be a number from 0 to 100")),
            },
        }
    }
    if errors.is_empty() && values.iter().all(|v| *v == 0.0) {
        errors.push(RowError {
            line: 0,
            column: Some(ComponentKind::ALL[0].code().to_string()),
            value: None,
            reason: "all weights are 0: give at least one component a positive weight".into(),
        });
    }
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }
    let w = HealthWeights {
        vitality: values[0],
        value: values[1],
        engagement: values[2],
        satisfaction: values[3],
        friction: values[4],
    };
    w.validate().map(|_| w).map_err(|e| {
        RecordError::Invalid(vec![RowError {
            line: 0,
            column: None,
            value: None,
            reason: e.to_string(),
        }])
    })
}

/// The weights as shares of their sum (so 50 of 100 is exactly 0.5).
fn shares(w: &HealthWeights) -> Result<HealthWeights, RecordError> {
    let invalid = |e: rapport_analytics::AnalyticsError| {
        RecordError::Invalid(vec![RowError {
            line: 0,
            column: None,
            value: None,
            reason: e.to_string(),
        }])
    };
    w.validate().map_err(invalid)?;
    let sum: f64 = ComponentKind::ALL.iter().map(|&k| w.get(k)).sum();
    if !sum.is_finite() {
        return w.normalized().map_err(invalid);
    }
    Ok(HealthWeights {
        vitality: w.vitality / sum,
        value: w.value / sum,
        engagement: w.engagement / sum,
        satisfaction: w.satisfaction / sum,
        friction: w.friction / sum,
    })
}

/// Sets the org's health weights (`None`: back to the defaults), audited. They apply from the
/// next score run.
pub async fn set_health_weights(
    store: &Store,
    org: OrgId,
    weights: Option<&HealthWeights>,
    user: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<HealthWeights, RecordError> {
    let mut tx = store.begin(org).await?;
    let (before, custom) = health_weights(&mut tx).await?;
    let after = match weights {
        Some(w) => {
            let w = shares(w)?;
            tx.put_setting(HEALTH_WEIGHTS, &weights_json(&w), now)
                .await?;
            w
        }
        None => {
            tx.remove_setting(HEALTH_WEIGHTS).await?;
            HealthWeights::default()
        }
    };
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user,
        source: source.into(),
        entity: "org_settings".into(),
        entity_id: Some(HEALTH_WEIGHTS.into()),
        action: if weights.is_some() { "update" } else { "reset" }.into(),
        before: Some(json!({"weights": weights_json(&before), "default": custom.is_none()})),
        after: Some(json!({"weights": weights_json(&after), "default": weights.is_none()})),
    }])
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<HealthWeights, RecordError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_weights(&|k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone()))
    }

    #[test]
    fn relative_weights_are_scaled_to_one() {
        let w = from(&[
            ("vitality", "40"),
            ("value", "20"),
            ("engagement", "20"),
            ("satisfaction", "10"),
            ("friction", "10"),
        ])
        .unwrap();
        let w = shares(&w).unwrap();
        assert_eq!((w.vitality, w.value, w.friction), (0.4, 0.2, 0.1));
        let back = weights_from_json(&weights_json(&w)).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn each_bad_weight_is_named() {
        let Err(RecordError::Invalid(errors)) = from(&[
            ("vitality", "abc"),
            ("value", "-1"),
            ("engagement", "101"),
            ("satisfaction", ""),
        ]) else {
            panic!("refused")
        };
        let columns: Vec<&str> = errors.iter().filter_map(|e| e.column.as_deref()).collect();
        assert_eq!(
            columns,
            [
                "vitality",
                "value",
                "engagement",
                "satisfaction",
                "friction"
            ]
        );
        let Err(RecordError::Invalid(errors)) = from(&[
            ("vitality", "0"),
            ("value", "0"),
            ("engagement", "0"),
            ("satisfaction", "0"),
            ("friction", "0"),
        ]) else {
            panic!("refused")
        };
        assert!(errors[0].reason.contains("all weights are 0"));
    }

    #[test]
    fn stored_nonsense_falls_back_to_the_defaults() {
        assert_eq!(weights_from_json(&json!({"vitality": 1})), None);
        assert_eq!(
            weights_from_json(
                &json!({"vitality": -1, "value": 1, "engagement": 1, "satisfaction": 1, "friction": 1})
            ),
            None
        );
    }
}
