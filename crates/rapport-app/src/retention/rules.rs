//! Withdrawal (cooling-off) periods per product and product category, set by admins: a new
//! contract without a withdrawal deadline gets one from them (the product's rule, else its
//! category's, else the org's default). The defaults: 14 days, the EU's period for distance
//! and off-premises contracts (Directive 2011/83/EU, Art. 9), and 30 days for life insurance
//! (Directive 2009/138/EC, Art. 186).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::{AuditEntry, AuditId, OrgId, UserId};
use rapport_store::schema::PRODUCTS;
use rapport_store::{Store, StoreError, Tx};
use serde_json::{Value, json};
use uuid::Uuid;

use super::invalid;
use crate::import::RowError;
use crate::records::RecordError;

/// The key of the rules among the org settings.
pub const WITHDRAWAL_RULES: &str = "withdrawal_rules";

/// The longest withdrawal period a rule may set, in days.
pub const MAX_DAYS: i64 = 365;

/// Withdrawal periods in days.
#[derive(Debug, Clone, PartialEq)]
pub struct WithdrawalRules {
    pub default_days: i64,
    /// By product category.
    pub categories: BTreeMap<String, i64>,
    /// By product SKU (before the category's).
    pub products: BTreeMap<String, i64>,
}

impl Default for WithdrawalRules {
    fn default() -> WithdrawalRules {
        WithdrawalRules {
            default_days: 14,
            categories: BTreeMap::from([("life_insurance".to_string(), 30)]),
            products: BTreeMap::new(),
        }
    }
}

impl WithdrawalRules {
    /// The period of a contract for `sku` in `category`.
    pub fn days_for(&self, sku: Option<&str>, category: Option<&str>) -> i64 {
        sku.and_then(|s| self.products.get(s))
            .or_else(|| category.and_then(|c| self.categories.get(c)))
            .copied()
            .unwrap_or(self.default_days)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "default_days": self.default_days,
            "categories": self.categories,
            "products": self.products,
        })
    }

    /// Rules from their JSON; every problem is named by its field.
    pub fn from_json(v: &Value) -> Result<WithdrawalRules, RecordError> {
        let mut errors = Vec::new();
        let Some(obj) = v.as_object() else {
            return Err(invalid(
                "rules",
                None,
                "must be an object with default_days, categories and products",
            ));
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "default_days" | "categories" | "products") {
                errors.push(row_error(key, "is not a field of the withdrawal rules"));
            }
        }
        let days = |field: &str, v: &Value, errors: &mut Vec<RowError>| -> Option<i64> {
            match v.as_i64() {
                Some(d) if (0..=MAX_DAYS).contains(&d) => Some(d),
                _ => {
                    errors.push(row_error(
                        field,
                        &format!("must be a whole number of days from 0 to {MAX_DAYS}"),
                    ));
                    None
                }
            }
        };
        let default_days = match obj.get("default_days") {
            None => {
                errors.push(row_error("default_days", "is required"));
                None
            }
            Some(v) => days("default_days", v, &mut errors),
        };
        let map = |name: &str, errors: &mut Vec<RowError>| -> BTreeMap<String, i64> {
            let mut out = BTreeMap::new();
            match obj.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        let key = k.trim();
                        if key.is_empty() || key.len() > 100 {
                            errors.push(row_error(
                                &format!("{name}.{k}"),
                                "must name a product or category (1 to 100 characters)",
                            ));
                        } else if let Some(d) = days(&format!("{name}.{key}"), v, errors) {
                            out.insert(key.to_string(), d);
                        }
                    }
                }
                Some(_) => errors.push(row_error(name, "must be an object of names to days")),
            }
            out
        };
        let categories = map("categories", &mut errors);
        let products = map("products", &mut errors);
        match default_days {
            Some(default_days) if errors.is_empty() => Ok(WithdrawalRules {
                default_days,
                categories,
                products,
            }),
            _ => Err(RecordError::Invalid(errors)),
        }
    }
}

fn row_error(field: &str, reason: &str) -> RowError {
    RowError {
        line: 0,
        column: Some(field.to_string()),
        value: None,
        reason: reason.to_string(),
    }
}

/// The org's rules, and when an admin last set them (`None`: the defaults).
pub async fn withdrawal_rules(
    tx: &mut Tx,
) -> Result<(WithdrawalRules, Option<DateTime<Utc>>), StoreError> {
    Ok(match tx.setting(WITHDRAWAL_RULES).await? {
        Some((v, at)) => match WithdrawalRules::from_json(&v) {
            Ok(r) => (r, Some(at)),
            Err(_) => (WithdrawalRules::default(), None),
        },
        None => (WithdrawalRules::default(), None),
    })
}

/// Sets the org's rules (`None`: back to the defaults), audited. They apply to contracts
/// recorded from now on.
pub async fn set_withdrawal_rules(
    store: &Store,
    org: OrgId,
    rules: Option<&WithdrawalRules>,
    user: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<WithdrawalRules, RecordError> {
    let mut tx = store.begin(org).await?;
    let (before, custom) = withdrawal_rules(&mut tx).await?;
    let after = rules.cloned().unwrap_or_default();
    match rules {
        Some(r) => tx.put_setting(WITHDRAWAL_RULES, &r.to_json(), now).await?,
        None => {
            tx.remove_setting(WITHDRAWAL_RULES).await?;
        }
    }
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user,
        source: source.to_string(),
        entity: "settings".into(),
        entity_id: Some(WITHDRAWAL_RULES.into()),
        action: if rules.is_some() { "update" } else { "reset" }.into(),
        before: custom.map(|_| before.to_json()),
        after: Some(after.to_json()),
    }])
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The rules with the org's product categories, as the contract parser needs them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeadlineRules {
    pub rules: WithdrawalRules,
    /// Each product's category, by SKU.
    pub categories: HashMap<String, String>,
}

impl DeadlineRules {
    /// The withdrawal deadline of a contract for `sku` signed at `signed`.
    pub fn deadline(&self, sku: Option<&str>, signed: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let category = sku.and_then(|s| self.categories.get(s)).map(String::as_str);
        signed.checked_add_signed(TimeDelta::days(self.rules.days_for(sku, category)))
    }
}

/// The org's rules and product categories.
pub async fn deadline_rules(tx: &mut Tx) -> Result<DeadlineRules, StoreError> {
    let (rules, _) = withdrawal_rules(tx).await?;
    let products = tx.fetch_page(&PRODUCTS, None, 100_000).await?;
    let categories = products
        .iter()
        .filter_map(|r| {
            Some((
                r[PRODUCTS.col("sku")].as_str()?.to_string(),
                r[PRODUCTS.col("category")].as_str()?.to_string(),
            ))
        })
        .collect();
    Ok(DeadlineRules { rules, categories })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_rule_wins_over_the_category_and_the_default() {
        let mut r = WithdrawalRules::default();
        r.categories.insert("insurance".into(), 30);
        r.products.insert("CAR-1".into(), 21);
        assert_eq!(r.days_for(Some("CAR-1"), Some("insurance")), 21);
        assert_eq!(r.days_for(Some("HOME-1"), Some("insurance")), 30);
        assert_eq!(r.days_for(Some("PHONE"), None), 14);
        assert_eq!(r.days_for(None, Some("life_insurance")), 30);
    }

    #[test]
    fn rules_round_trip_and_bad_ones_name_their_field() {
        let r = WithdrawalRules::default();
        assert_eq!(WithdrawalRules::from_json(&r.to_json()).unwrap(), r);
        let bad = json!({"default_days": -1, "categories": {"x": 400, " ": 3}, "color": 1});
        let RecordError::Invalid(errors) = WithdrawalRules::from_json(&bad).unwrap_err() else {
            panic!("invalid expected");
        };
        let fields: Vec<&str> = errors.iter().filter_map(|e| e.column.as_deref()).collect();
        assert!(fields.contains(&"default_days"), "{fields:?}");
        assert!(fields.contains(&"categories.x"), "{fields:?}");
        assert!(fields.contains(&"categories. "), "{fields:?}");
        assert!(fields.contains(&"color"), "{fields:?}");
    }
}
