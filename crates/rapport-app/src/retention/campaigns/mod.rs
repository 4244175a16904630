//! Win-back campaigns: customers drawn from a win-back list (or a saved filter of it), a
//! random control group held out so the result can be compared with what happens anyway, an
//! offer per cancellation reason, a task with a due date for the manager who calls each
//! treated customer, every contact attempt and its outcome, and the honest result: how many
//! came back (bought or signed again) in the treated and in the control group, the difference
//! with its 95 % interval, the revenue regained and what each regained customer cost.
//!
//! `parse.rs` reads a new campaign and its list filters, `draw.rs` draws the control group and
//! picks the offers, `attempts.rs` records contact attempts and closes campaigns, `results.rs`
//! computes the result.

mod attempts;
mod draw;
mod parse;
mod results;

pub use attempts::{Attempt, close, record_attempt, record_attempts};
pub use draw::in_control;
use draw::offer_for;
use parse::list_query;
pub use parse::parse_new;
pub use results::{GroupResult, Results, results, results_text};

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Utc};
use rapport_analytics::{RateDifference, rate_difference};
use rapport_domain::access::{Action, allows};
use rapport_domain::{AuditEntry, AuditId, Currency, OrgId, UserId, format_minor, parse_minor};
use rapport_store::schema::{CAMPAIGN_ATTEMPTS, CAMPAIGN_MEMBERS, CAMPAIGNS, PARTIES, TASKS};
use rapport_store::{
    MemberQuery, MemberResult, MemberRow, Row, Store, StoreError, Tx, Value, WinbackQuery,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::filters::check_query;
use super::invalid;
use super::lists::{AT_RISK, CHURNED, LISTS};
use crate::records::{RecordError, Writing};

/// The outcomes of a contact attempt; the first three end the customer's part in the campaign.
pub const OUTCOMES: [&str; 4] = ["won_back", "declined", "not_reachable", "no_answer"];

/// Whether an outcome is final (a further one would be a duplicate).
pub fn is_final(outcome: &str) -> bool {
    matches!(outcome, "won_back" | "declined" | "not_reachable")
}

/// The most customers a campaign takes from a list.
pub const MAX_MEMBERS: usize = 100_000;

/// What a new campaign is.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    pub name: String,
    pub list: String,
    /// The list's filters as a query string (owner, reason, min_value, q).
    pub query: String,
    /// One of the starting user's saved filters: its list and query replace the two above.
    pub saved_filter: Option<Uuid>,
    /// The share held out as the control group, 0 to 0.5.
    pub control_share: f64,
    /// The offer or tactic per reason code (a signal or cancellation reason); `*` for the rest.
    pub offers: BTreeMap<String, String>,
    pub cost_minor: i64,
    pub currency: Currency,
    /// Days from the start to the tasks' due date.
    pub due_days: u64,
}

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    pub list: String,
    pub query: String,
    pub status: String,
    pub control_share: f64,
    pub offers: BTreeMap<String, String>,
    pub cost_minor: i64,
    pub currency: String,
    pub due_days: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Campaign {
    fn from_row(r: &Row) -> Option<Campaign> {
        let t = &CAMPAIGNS;
        let offers = match &r[t.col("offers")] {
            Value::Json(Json::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        };
        Some(Campaign {
            id: r[t.col("id")].as_uuid()?,
            name: r[t.col("name")].as_str()?.to_string(),
            list: r[t.col("list")].as_str()?.to_string(),
            query: r[t.col("query")].as_str()?.to_string(),
            status: r[t.col("status")].as_str()?.to_string(),
            control_share: r[t.col("control_share")].as_f64()?,
            offers,
            cost_minor: r[t.col("cost_minor")].as_int()?,
            currency: r[t.col("currency")].as_str()?.to_string(),
            due_days: r[t.col("due_days")].as_int()?,
            created_by: r[t.col("created_by")].as_uuid(),
            created_at: r[t.col("created_at")].as_time()?,
            closed_at: r[t.col("closed_at")].as_time(),
        })
    }

    pub fn to_json(&self) -> Json {
        json!({
            "id": self.id,
            "name": self.name,
            "list": self.list,
            "query": self.query,
            "status": self.status,
            "control_share": self.control_share,
            "offers": self.offers,
            "cost": format_minor(self.cost_minor, currency_digits(&self.currency)),
            "currency": self.currency,
            "due_days": self.due_days,
            "created_at": self.created_at.to_rfc3339(),
            "closed_at": self.closed_at.map(|t| t.to_rfc3339()),
        })
    }
}

fn currency_digits(c: &str) -> u32 {
    Currency::parse(c).map_or(2, |c| c.minor_digits())
}

async fn find(tx: &mut Tx, key: &str) -> Result<Campaign, RecordError> {
    let by_id = Uuid::parse_str(key.trim())
        .ok()
        .map(|id| ("id", Value::Uuid(id)));
    let (col, v) = by_id.unwrap_or(("name", Value::text(key.trim())));
    tx.fetch_in(&CAMPAIGNS, col, &[v])
        .await?
        .first()
        .and_then(Campaign::from_row)
        .ok_or_else(|| RecordError::NotFound(format!("there is no campaign {key}")))
}

/// The campaign called `key` (its name or id).
pub async fn get(tx: &mut Tx, key: &str) -> Result<Campaign, RecordError> {
    find(tx, key).await
}

/// The campaigns, newest first.
pub async fn all(tx: &mut Tx) -> Result<Vec<Campaign>, StoreError> {
    Ok(tx
        .campaigns(1_000)
        .await?
        .iter()
        .filter_map(Campaign::from_row)
        .collect())
}

fn audit(who: &Writing, entity_id: String, action: &str, after: Json) -> AuditEntry {
    AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: who.now,
        user: who.actor.map(|a| a.user),
        source: who.source.clone(),
        entity: "campaigns".into(),
        entity_id: Some(entity_id),
        action: action.into(),
        before: None,
        after: Some(after),
    }
}

/// Starts a campaign on the customers its list and filters hold now: draws the control group,
/// gives each treated customer the offer for their reason and a task for their relationship
/// manager (or the campaign's creator) due in `due_days`.
pub async fn create(
    store: &Store,
    org: OrgId,
    new: &NewCampaign,
    who: &Writing,
) -> Result<(Campaign, usize, usize), RecordError> {
    if let Some(actor) = who.actor
        && !allows(actor, Action::RunCampaigns)
    {
        return Err(RecordError::Forbidden(
            "your role may not run campaigns".into(),
        ));
    }
    let mut tx = store.begin(org).await?;
    let result = async {
        if !tx
            .fetch_in(&CAMPAIGNS, "name", &[Value::text(new.name.as_str())])
            .await?
            .is_empty()
        {
            return Err(RecordError::Conflict(format!(
                "a campaign called {} exists already",
                new.name
            )));
        }
        let users: Vec<(String, Uuid)> = tx
            .list_users()
            .await?
            .iter()
            .map(|u| (u.email.as_str().to_string(), u.id.as_uuid()))
            .collect();
        let me = who.actor.map(|a| a.user.as_uuid());
        let mut new = new.clone();
        if let Some(id) = new.saved_filter {
            let found = match me {
                Some(user) => tx.saved_filters(user, None).await?.into_iter().find(|f| f.id == id),
                None => None,
            };
            let Some(f) = found else {
                return Err(invalid(
                    "saved_filter",
                    Some(&id.to_string()),
                    "is not one of your saved filters",
                ));
            };
            if !new.list.is_empty() && new.list != f.list {
                return Err(invalid(
                    "list",
                    Some(&new.list),
                    format!("the saved filter is of the {} list", f.list),
                ));
            }
            new.list = f.list;
            new.query = f.query;
        }
        let new = &new;
        let q = list_query(&users, &new.list, &new.query, me)?;
        let entries = tx.winback_page(&q).await?;
        if entries.is_empty() {
            return Err(invalid(
                "list",
                Some(&new.list),
                if new.query.is_empty() {
                    "the list holds nobody: a campaign needs customers (the lists are built by each score run)"
                } else {
                    "the list with this filter holds nobody: a campaign needs customers"
                },
            ));
        }
        let id = Uuid::now_v7();
        let campaign = Campaign {
            id,
            name: new.name.clone(),
            list: new.list.clone(),
            query: new.query.clone(),
            status: "running".into(),
            control_share: new.control_share,
            offers: new.offers.clone(),
            cost_minor: new.cost_minor,
            currency: new.currency.as_str().to_string(),
            due_days: new.due_days as i64,
            created_by: me,
            created_at: who.now,
            closed_at: None,
        };
        tx.insert_rows(
            &CAMPAIGNS,
            &[vec![
                Value::Uuid(id),
                Value::text(campaign.name.as_str()),
                Value::text(campaign.list.as_str()),
                Value::text(campaign.query.as_str()),
                Value::text("running"),
                Value::Float(campaign.control_share),
                Value::Json(json!(campaign.offers)),
                Value::Int(campaign.cost_minor),
                Value::text(campaign.currency.as_str()),
                Value::Int(campaign.due_days),
                Value::opt(me),
                Value::Time(who.now),
                Value::Null,
            ]],
        )
        .await?;
        let due = who.now.date_naive().checked_add_days(Days::new(new.due_days));
        let short = &id.simple().to_string()[..12];
        let (mut members, mut tasks) = (Vec::new(), Vec::new());
        let mut control = 0;
        for (n, e) in entries.iter().enumerate() {
            let party = e.entry.party;
            let held_out = in_control(id, party, new.control_share);
            let offer = offer_for(&new.offers, &e.entry.reasons, e.entry.reason_code.as_deref());
            let assignee = if held_out { None } else { e.owner.or(me) };
            let task = (!held_out).then(Uuid::now_v7);
            if let Some(task_id) = task {
                let title = match &offer {
                    Some(o) => format!("Win back {}: {o}", e.name),
                    None => format!("Win back {}", e.name),
                };
                tasks.push(vec![
                    Value::Uuid(task_id),
                    Value::text(format!("campaign-{short}-{}", n + 1)),
                    Value::Uuid(party),
                    Value::opt(assignee),
                    Value::text(title.chars().take(500).collect::<String>()),
                    Value::opt(due),
                    Value::text("open"),
                    Value::text(format!("campaign:{id}")),
                ]);
            }
            control += usize::from(held_out);
            members.push(vec![
                Value::Uuid(id),
                Value::Uuid(party),
                Value::text(if held_out { "control" } else { "treatment" }),
                Value::opt(e.entry.reason_code.clone()),
                Value::opt(offer),
                Value::Float(e.entry.value),
                Value::opt(assignee),
                Value::opt(if held_out { None } else { due }),
                Value::opt(task),
                Value::Null,
                Value::Null,
                Value::Int(0),
            ]);
        }
        for chunk in members.chunks(2_000) {
            tx.insert_rows(&CAMPAIGN_MEMBERS, chunk).await?;
        }
        for chunk in tasks.chunks(2_000) {
            tx.insert_rows(&TASKS, chunk).await?;
        }
        let treated = members.len() - control;
        tx.audit(&[audit(
            who,
            id.to_string(),
            "create",
            json!({"campaign": campaign.to_json(), "treatment": treated, "control": control}),
        )])
        .await?;
        Ok((campaign, treated, control))
    }
    .await;
    finish(tx, result).await
}

async fn finish<T>(tx: Tx, result: Result<T, RecordError>) -> Result<T, RecordError> {
    match result {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// A page of a campaign's members with their customers.
pub async fn members(tx: &mut Tx, q: &MemberQuery) -> Result<(Vec<MemberRow>, i64), StoreError> {
    let rows = tx.campaign_members(q).await?;
    let total = tx.campaign_member_count(q).await?;
    Ok((rows, total))
}

/// A member row as JSON.
pub fn member_json(m: &MemberRow) -> Json {
    let t = &CAMPAIGN_MEMBERS;
    let r = &m.member;
    json!({
        "party_id": r[t.col("party_id")].as_uuid(),
        "external_id": m.external_id,
        "name": m.name,
        "phone": m.phone,
        "email": m.email,
        "arm": r[t.col("arm")].as_str(),
        "reason_code": r[t.col("reason_code")].as_str(),
        "offer": r[t.col("offer")].as_str(),
        "value": r[t.col("value")].as_f64(),
        "assignee_id": r[t.col("assignee_id")].as_uuid(),
        "due_on": match &r[t.col("due_on")] { Value::Date(d) => Some(d.to_string()), _ => None },
        "outcome": r[t.col("outcome")].as_str(),
        "outcome_at": r[t.col("outcome_at")].as_time().map(|t| t.to_rfc3339()),
        "attempts": r[t.col("attempts")].as_int(),
    })
}

/// The lists a campaign may target, for forms.
pub const TARGETS: [&str; 2] = [AT_RISK, CHURNED];

/// Members as CSV: the customer, arm, reason, offer, value, due day, outcome, attempts.
pub fn members_csv(rows: &[MemberRow]) -> String {
    let mut out = String::from(
        "external_id,name,arm,reason_code,offer,value,due_on,outcome,outcome_at,attempts\n",
    );
    for m in rows {
        let j = member_json(m);
        let s = |k: &str| match &j[k] {
            Json::Null => String::new(),
            Json::String(s) => s.clone(),
            v => v.to_string(),
        };
        let fields = [
            s("external_id"),
            s("name"),
            s("arm"),
            s("reason_code"),
            s("offer"),
            s("value"),
            s("due_on"),
            s("outcome"),
            s("outcome_at"),
            s("attempts"),
        ];
        let line: Vec<String> = fields.iter().map(|f| super::lists::csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}
