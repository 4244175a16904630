//! The win-back lists, filtered from the customer database:
//! - **at risk**: P(alive) below a threshold, a health drop since the previous score run, a
//!   falling or stopped purchase rate, open complaints, a contract ending soon with no contact
//!   about renewing it, a detractor's survey answer; each customer with those reasons and the
//!   value at stake (the 12-month CLV of the latest run);
//! - **churned**: every contract cancelled or withdrawn lately and none left running, or no
//!   purchase for longer than a threshold; with the reason and the value lost (the ended
//!   contracts' value, or for dormant buyers the CLV they had).
//!
//! Rebuilt whole after every score run (and after contract imports), and per customer when a
//! contract of theirs is cancelled or withdrawn, or an order of theirs brings them back
//! (`purchases`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use rapport_domain::OrgId;
use rapport_store::schema::CONTRACTS;
use rapport_store::{Store, StoreError, Tx, Value, WinbackEntry, WinbackQuery, WinbackRow};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::purchases::{DORMANT, recent_buyers};
pub use super::thresholds::{THRESHOLDS, Thresholds, set_thresholds, thresholds};
use crate::insights::latest_run;

pub const AT_RISK: &str = "at_risk";
pub const CHURNED: &str = "churned";
pub const LISTS: [&str; 2] = [AT_RISK, CHURNED];

/// The org setting that says when the lists were last rebuilt whole.
const REFRESHED: &str = "winback_refreshed";

/// The signals' codes, for filters.
pub const SIGNALS: &[&str] = &[
    "p_alive_low",
    "health_drop",
    "purchase_rate_falling",
    "open_complaints",
    "contract_ending",
    "detractor",
    "cancelled",
    "withdrawn",
    "dormant",
];

/// How many customers each list holds after a refresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub at_risk: usize,
    pub churned: usize,
}

fn reason(code: &str, params: Json) -> Json {
    json!({"code": code, "params": params})
}

/// A list entry held until the list is written, its reasons as JSON text: a million entries'
/// reasons held as JSON values took over a GB (every object is a map node of its own).
struct Held {
    entry: WinbackEntry,
    reasons: String,
}

fn hold(mut entry: WinbackEntry) -> Held {
    let reasons = std::mem::take(&mut entry.reasons).to_string();
    Held { entry, reasons }
}

/// The entry to write, its reasons as they were given.
fn release(h: &Held) -> WinbackEntry {
    WinbackEntry {
        reasons: serde_json::from_str(&h.reasons).unwrap_or(Json::Null),
        ..h.entry.clone()
    }
}

fn days_ago(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - TimeDelta::days(days)
}

/// A purchase rate below this share of the customer's earlier rate is falling.
pub const FALLING_RATIO: f64 = 0.5;

/// Whether a run's components give a falling or stopped purchase rate, and which.
fn purchase_falling(components: &Json) -> Option<Json> {
    crate::score::json::find_component_reason(components, |code, param| match code {
        // Buying at under half the earlier rate (a dip to 0.8 is noise for most buyers).
        "purchase_trend_down" => {
            let ratio =
                param("ratio").and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))?;
            (ratio < FALLING_RATIO)
                .then(|| reason("purchase_rate_falling", json!({"ratio": ratio})))
        }
        "purchase_trend_stopped" => Some(reason("purchase_rate_falling", json!({"ratio": 0}))),
        _ => None,
    })
}

/// One customer's churn from their ended contracts (none if a contract still runs).
fn churn_entry(
    party: Uuid,
    ended: &[&rapport_store::EndedFact],
    clv: Option<f64>,
    digits: u32,
) -> Option<WinbackEntry> {
    let latest = ended.iter().max_by_key(|e| e.at)?;
    let revenue: i64 = ended.iter().map(|e| e.value_minor).sum();
    let reasons: Vec<Json> = ended
        .iter()
        .map(|e| {
            reason(
                &e.status,
                json!({"reason": e.reason, "on": e.at.date_naive().to_string(), "value_minor": e.value_minor}),
            )
        })
        .collect();
    Some(WinbackEntry {
        list: CHURNED.into(),
        party,
        value: revenue as f64 / 10f64.powi(digits as i32) + clv.unwrap_or(0.0).max(0.0),
        revenue_minor: revenue,
        reason_code: latest.reason.clone(),
        reasons: Json::Array(reasons),
        since: Some(latest.at),
    })
}

/// Rebuilds both lists from the database as it is at `now`.
pub async fn refresh(
    store: &Store,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<Refreshed, StoreError> {
    let mut tx = store.begin(org).await?;
    let (th, _) = thresholds(&mut tx).await?;
    let run = latest_run(&mut tx).await?;
    let digits = run
        .as_ref()
        .and_then(|r| r.currency.as_deref())
        .and_then(|c| rapport_domain::Currency::parse(c).ok())
        .map_or(2, |c| c.minor_digits());
    let mut at_risk: HashMap<Uuid, (Vec<String>, f64)> = HashMap::new();
    let mut clv: HashMap<Uuid, f64> = HashMap::new();
    let mut dormant: Vec<(Uuid, f64, Option<f64>)> = Vec::new();
    if let Some(run) = &run {
        tx.each_run_score(run.id, |s| {
            if let Some(v) = s.clv {
                clv.insert(s.party, v);
            }
            let since_last = (s.age - s.recency) * 7.0;
            if since_last > th.dormant_days as f64 {
                dormant.push((s.party, since_last, s.clv));
                return;
            }
            let mut reasons = Vec::new();
            if let Some(p) = s.p_alive.filter(|p| *p < th.p_alive) {
                reasons.push(reason("p_alive_low", json!({"p": p})));
            }
            if let Some(prev) = s.previous_health
                && prev - s.health >= th.health_drop
            {
                reasons.push(reason(
                    "health_drop",
                    json!({"from": prev.round(), "to": s.health.round()}),
                ));
            }
            if let Some(r) = purchase_falling(&s.components) {
                reasons.push(r);
            }
            if !reasons.is_empty() {
                let reasons = reasons.iter().map(Json::to_string).collect();
                at_risk.insert(s.party, (reasons, s.clv.unwrap_or(0.0)));
            }
        })
        .await?;
    }
    let add = |at_risk: &mut HashMap<Uuid, (Vec<String>, f64)>, party: Uuid, r: Json| {
        at_risk
            .entry(party)
            .or_insert_with(|| (Vec::new(), clv.get(&party).copied().unwrap_or(0.0)))
            .0
            .push(r.to_string());
    };
    for (party, n) in tx.open_case_counts().await? {
        add(
            &mut at_risk,
            party,
            reason("open_complaints", json!({"count": n})),
        );
    }
    let ending = tx
        .contracts_ending_quietly(
            now,
            now + TimeDelta::days(th.contract_end_days),
            days_ago(now, th.quiet_days),
        )
        .await?;
    for (party, ends, _) in ending {
        let days = (ends.date_naive() - now.date_naive()).num_days();
        add(
            &mut at_risk,
            party,
            reason(
                "contract_ending",
                json!({"ends_on": ends.date_naive().to_string(), "days": days}),
            ),
        );
    }
    for (party, score) in tx
        .detractors_since(days_ago(now, th.detractor_days))
        .await?
    {
        add(
            &mut at_risk,
            party,
            reason("detractor", json!({"score": score})),
        );
    }

    // Customers the run saw dormant who have ordered since are back (`purchases`): neither
    // dormant nor judged by the run's purchase signals until the next run.
    let dormant_ids: Vec<Uuid> = dormant.iter().map(|(p, _, _)| *p).collect();
    let back: HashSet<Uuid> = recent_buyers(&mut tx, &dormant_ids, th.dormant_days, now)
        .await?
        .into_iter()
        .collect();
    dormant.retain(|(p, _, _)| !back.contains(p));

    // Churned: ended lately with nothing left running; or dormant buyers.
    let live: HashSet<Uuid> = tx
        .parties_with_live_contracts()
        .await?
        .into_iter()
        .collect();
    let ended = tx.ended_since(days_ago(now, th.churn_days), None).await?;
    let mut by_party: HashMap<Uuid, Vec<&rapport_store::EndedFact>> = HashMap::new();
    for e in &ended {
        if !live.contains(&e.party) {
            by_party.entry(e.party).or_default().push(e);
        }
    }
    let mut churned: Vec<Held> = by_party
        .iter()
        .filter_map(|(party, list)| churn_entry(*party, list, clv.get(party).copied(), digits))
        .map(hold)
        .collect();
    for (party, days, value) in dormant {
        if by_party.contains_key(&party) || live.contains(&party) {
            continue;
        }
        churned.push(hold(WinbackEntry {
            list: CHURNED.into(),
            party,
            value: value.unwrap_or(0.0).max(0.0),
            revenue_minor: 0,
            reason_code: Some(DORMANT.into()),
            reasons: Json::Array(vec![reason(DORMANT, json!({"days": days.round()}))]),
            since: Some(days_ago(now, days.round() as i64)),
        }));
    }
    let churned_parties: HashSet<Uuid> = churned.iter().map(|h| h.entry.party).collect();
    let mut at_risk: Vec<Held> = at_risk
        .into_iter()
        .filter(|(party, _)| !churned_parties.contains(party))
        .map(|(party, (reasons, value))| Held {
            entry: WinbackEntry {
                list: AT_RISK.into(),
                party,
                value: value.max(0.0),
                revenue_minor: 0,
                reason_code: reasons
                    .first()
                    .and_then(|r| serde_json::from_str::<Json>(r).ok())
                    .and_then(|r| r["code"].as_str().map(str::to_string)),
                reasons: Json::Null,
                since: None,
            },
            reasons: format!("[{}]", reasons.join(",")),
        })
        .collect();
    // In key order, the lists' B-trees (and the customers' key their rows check) are written
    // front to back instead of at random.
    at_risk.sort_unstable_by_key(|h| h.entry.party);
    churned.sort_unstable_by_key(|h| h.entry.party);
    tx.replace_winback_list(AT_RISK, at_risk.iter().map(release), now)
        .await?;
    tx.replace_winback_list(CHURNED, churned.iter().map(release), now)
        .await?;
    tx.put_setting(REFRESHED, &json!({"at": now.to_rfc3339()}), now)
        .await?;
    tx.commit().await?;
    if at_risk.len() + churned.len() >= 50_000 {
        store
            .maintain(&[&rapport_store::schema::WINBACK_ENTRIES])
            .await?;
    }
    Ok(Refreshed {
        at_risk: at_risk.len(),
        churned: churned.len(),
    })
}

/// Brings one customer's churn entry up to date after a contract of theirs ended (inside the
/// caller's transaction): listed as churned when nothing of theirs runs any more, and then no
/// longer at risk.
pub async fn refresh_party(tx: &mut Tx, party: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    let (th, _) = thresholds(tx).await?;
    let contracts = tx
        .fetch_in(&CONTRACTS, "party_id", &[Value::Uuid(party)])
        .await?;
    let live = contracts.iter().any(|c| {
        matches!(
            c[CONTRACTS.col("status")].as_str(),
            Some("signed" | "active" | "renewed")
        )
    });
    if live {
        return Ok(());
    }
    let ended = tx
        .ended_since(days_ago(now, th.churn_days), Some(party))
        .await?;
    let refs: Vec<&rapport_store::EndedFact> = ended.iter().collect();
    let run = latest_run(tx).await?;
    let digits = run
        .as_ref()
        .and_then(|r| r.currency.as_deref())
        .and_then(|c| rapport_domain::Currency::parse(c).ok())
        .map_or(2, |c| c.minor_digits());
    let clv = tx
        .winback_entry(AT_RISK, party)
        .await?
        .map(|e| e.value)
        .filter(|v| *v > 0.0);
    let Some(entry) = churn_entry(party, &refs, clv, digits) else {
        return Ok(());
    };
    tx.replace_winback_entry(CHURNED, party, Some(&entry), now)
        .await?;
    tx.replace_winback_entry(AT_RISK, party, None, now).await
}

/// A page of a list, how many match, and when the list was last rebuilt.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub query: WinbackQuery,
    pub rows: Vec<WinbackRow>,
    pub total: i64,
    pub refreshed_at: Option<DateTime<Utc>>,
}

impl ListPage {
    /// The page as JSON (owners by id; the caller may add e-mails).
    pub fn to_json(&self) -> Json {
        let next = self.query.offset + self.rows.len();
        json!({
            "list": self.query.list,
            "total": self.total,
            "offset": self.query.offset,
            "next_offset": ((next as i64) < self.total).then_some(next),
            "refreshed_at": self.refreshed_at.map(|t| t.to_rfc3339()),
            "items": self.rows.iter().map(|r| json!({
                "party_id": r.entry.party,
                "external_id": r.external_id,
                "name": r.name,
                "owner_id": r.owner,
                "email": r.email,
                "phone": r.phone,
                "value": r.entry.value,
                "revenue_lost_minor": r.entry.revenue_minor,
                "reason_code": r.entry.reason_code,
                "reasons": r.entry.reasons,
                "since": r.entry.since.map(|t| t.to_rfc3339()),
            })).collect::<Vec<_>>(),
        })
    }

    /// The page as CSV, one row per customer.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "external_id,name,email,phone,value,revenue_lost_minor,reason_code,reasons,since\n",
        );
        for r in &self.rows {
            let codes: Vec<&str> = r
                .entry
                .reasons
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["code"].as_str())
                .collect();
            let fields = [
                r.external_id.clone(),
                r.name.clone(),
                r.email.clone().unwrap_or_default(),
                r.phone.clone().unwrap_or_default(),
                format!("{:.2}", r.entry.value),
                r.entry.revenue_minor.to_string(),
                r.entry.reason_code.clone().unwrap_or_default(),
                codes.join(";"),
                r.entry
                    .since
                    .map(|t| t.date_naive().to_string())
                    .unwrap_or_default(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }
}

/// A CSV field, quoted when it needs to be, and with a leading formula character defused.
pub(crate) fn csv_field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A page of `q`'s list.
pub async fn list(tx: &mut Tx, q: WinbackQuery) -> Result<ListPage, StoreError> {
    let rows = tx.winback_page(&q).await?;
    let total = tx.winback_count(&q).await?;
    let refreshed_at = tx
        .setting(REFRESHED)
        .await?
        .and_then(|(v, _)| {
            v["at"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        })
        .map(|t| t.with_timezone(&Utc));
    Ok(ListPage {
        query: q,
        rows,
        total,
        refreshed_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_falling_or_stopped_purchase_trend_is_a_signal() {
        let c = json!({"components": [{"kind": "vitality", "reasons": [
            {"code": "p_alive_medium", "params": {"p": 0.6}},
            {"code": "purchase_trend_down", "params": {"ratio": 0.4}}
        ]}]});
        assert_eq!(purchase_falling(&c).unwrap()["params"]["ratio"], 0.4);
        let dip = json!({"components": [{"reasons": [{"code": "purchase_trend_down", "params": {"ratio": "0.7"}}]}]});
        assert!(purchase_falling(&dip).is_none());
        let stopped = json!({"components": [{"reasons": [{"code": "purchase_trend_stopped"}]}]});
        assert!(purchase_falling(&stopped).is_some());
        let steady = json!({"components": [{"reasons": [{"code": "purchase_trend_steady"}]}]});
        assert!(purchase_falling(&steady).is_none());
        // As stored since scores keep compact explanations.
        let compact = json!([
            false,
            [],
            [[
                "vitality",
                0.3,
                0.3,
                55.0,
                16.5,
                [],
                [["p_alive_medium", 0.6], ["purchase_trend_down", 0.4]]
            ]]
        ]);
        assert_eq!(purchase_falling(&compact).unwrap()["params"]["ratio"], 0.4);
        let compact = json!([
            false,
            [],
            [[
                "vitality",
                0.3,
                0.3,
                0.0,
                0.0,
                [],
                [["purchase_trend_stopped"]]
            ]]
        ]);
        assert!(purchase_falling(&compact).is_some());
        let compact = json!([
            false,
            [],
            [[
                "vitality",
                0.3,
                0.3,
                55.0,
                16.5,
                [],
                [["purchase_trend_down", 0.7]]
            ]]
        ]);
        assert!(purchase_falling(&compact).is_none());
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=HYPERLINK()"), "'=HYPERLINK()");
    }
}
