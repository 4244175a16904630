//! Where the win-back lists draw their lines: the defaults, and an org's own as an org setting
//! an admin changes (audited).

use chrono::{DateTime, Utc};
use rapport_domain::OrgId;
use rapport_store::{Store, StoreError, Tx};
use serde_json::{Value as Json, json};
use uuid::Uuid;

/// Where the lists draw their lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// At risk below this P(alive).
    pub p_alive: f64,
    /// At risk after losing this many health points since the previous run.
    pub health_drop: f64,
    /// A live contract ending within this many days …
    pub contract_end_days: i64,
    /// … whose customer had no interaction for this many days.
    pub quiet_days: i64,
    /// NPS detractor answers (0–6) this recent count.
    pub detractor_days: i64,
    /// Cancellations and withdrawals this recent count as churn.
    pub churn_days: i64,
    /// No purchase for this long: dormant.
    pub dormant_days: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            p_alive: 0.3,
            health_drop: 15.0,
            contract_end_days: 60,
            quiet_days: 60,
            detractor_days: 180,
            churn_days: 365,
            dormant_days: 365,
        }
    }
}

/// The key of the thresholds among the org settings.
pub const THRESHOLDS: &str = "winback_thresholds";

/// The thresholds' fields: name, lowest and highest value.
const BOUNDS: [(&str, f64, f64); 7] = [
    ("p_alive", 0.0, 1.0),
    ("health_drop", 0.0, 100.0),
    ("contract_end_days", 1.0, 730.0),
    ("quiet_days", 1.0, 730.0),
    ("detractor_days", 1.0, 1825.0),
    ("churn_days", 1.0, 1825.0),
    ("dormant_days", 30.0, 3650.0),
];

impl Thresholds {
    pub fn to_json(&self) -> Json {
        json!({
            "p_alive": self.p_alive,
            "health_drop": self.health_drop,
            "contract_end_days": self.contract_end_days,
            "quiet_days": self.quiet_days,
            "detractor_days": self.detractor_days,
            "churn_days": self.churn_days,
            "dormant_days": self.dormant_days,
        })
    }

    /// Thresholds from JSON: every field, each within its bounds (days whole); every problem
    /// named by its field.
    pub fn from_json(v: &Json) -> Result<Thresholds, crate::records::RecordError> {
        let mut errors = Vec::new();
        let Some(obj) = v.as_object() else {
            return Err(super::invalid(
                "p_alive",
                None,
                "the thresholds must be a JSON object",
            ));
        };
        for k in obj.keys() {
            if !BOUNDS.iter().any(|(n, _, _)| n == k) {
                errors.push(row_error(
                    k,
                    "is not a threshold of the win-back lists".into(),
                ));
            }
        }
        let mut values = [0.0; 7];
        for (i, (name, lo, hi)) in BOUNDS.iter().enumerate() {
            let whole = *name != "p_alive" && *name != "health_drop";
            match obj.get(*name).and_then(Json::as_f64) {
                Some(x) if (*lo..=*hi).contains(&x) && (!whole || x.fract() == 0.0) => {
                    values[i] = x
                }
                _ => errors.push(row_error(
                    name,
                    format!(
                        "must be {} from {lo} to {hi}",
                        if whole {
                            "a whole number of days"
                        } else {
                            "a number"
                        }
                    ),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(crate::records::RecordError::Invalid(errors));
        }
        Ok(Thresholds {
            p_alive: values[0],
            health_drop: values[1],
            contract_end_days: values[2] as i64,
            quiet_days: values[3] as i64,
            detractor_days: values[4] as i64,
            churn_days: values[5] as i64,
            dormant_days: values[6] as i64,
        })
    }
}

fn row_error(field: &str, reason: String) -> crate::import::RowError {
    crate::import::RowError {
        line: 0,
        column: Some(field.to_string()),
        value: None,
        reason,
    }
}

/// The org's thresholds, and when an admin last set them (`None`: the defaults).
pub async fn thresholds(tx: &mut Tx) -> Result<(Thresholds, Option<DateTime<Utc>>), StoreError> {
    Ok(match tx.setting(THRESHOLDS).await? {
        Some((v, at)) => match Thresholds::from_json(&v) {
            Ok(t) => (t, Some(at)),
            Err(_) => (Thresholds::default(), None),
        },
        None => (Thresholds::default(), None),
    })
}

/// Sets the org's thresholds (`None`: back to the defaults), audited; the lists follow at the
/// next rebuild.
pub async fn set_thresholds(
    store: &Store,
    org: OrgId,
    t: Option<&Thresholds>,
    user: Option<rapport_domain::UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Thresholds, crate::records::RecordError> {
    let mut tx = store.begin(org).await?;
    let (before, custom) = thresholds(&mut tx).await?;
    let after = t.cloned().unwrap_or_default();
    match t {
        Some(t) => tx.put_setting(THRESHOLDS, &t.to_json(), now).await?,
        None => {
            tx.remove_setting(THRESHOLDS).await?;
        }
    }
    tx.audit(&[rapport_domain::AuditEntry {
        id: rapport_domain::AuditId(Uuid::now_v7()),
        at: now,
        user,
        source: source.to_string(),
        entity: "settings".into(),
        entity_id: Some(THRESHOLDS.into()),
        action: if t.is_some() { "update" } else { "reset" }.into(),
        before: custom.map(|_| before.to_json()),
        after: Some(after.to_json()),
    }])
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_round_trip_and_bad_ones_name_their_field() {
        let t = Thresholds::default();
        assert_eq!(Thresholds::from_json(&t.to_json()).unwrap(), t);
        let bad = json!({"p_alive": 2, "health_drop": 15, "contract_end_days": 60.5, "quiet_days": 60,
                         "detractor_days": 180, "churn_days": 365, "colour": 1});
        let crate::records::RecordError::Invalid(errors) = Thresholds::from_json(&bad).unwrap_err()
        else {
            panic!("invalid expected");
        };
        let fields: Vec<&str> = errors.iter().filter_map(|e| e.column.as_deref()).collect();
        for f in ["p_alive", "contract_end_days", "dormant_days", "colour"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }
}
