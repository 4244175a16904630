//! The dashboard: counts that matter today, the user's open tasks, the latest interactions and
//! a chart of the last 90 days' interactions by channel.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, Utc};
use rapport_app::import::ImportKind;
use rapport_app::records::RecordError;
use rapport_app::records::{self, StoredRecord};
use rapport_store::schema::{CASES, INTERACTIONS, PARTIES, TASKS};
use rapport_store::{Filter, ListQuery, Op, Value};

use super::chart::{ChartOptions, Series, bar_chart};
use super::locale;
use super::page::{Page, render};
use super::{encode_path, failure};
use crate::state::AppState;

pub struct TaskRow {
    pub title: String,
    pub party: String,
    pub party_path: String,
    pub due: String,
}

pub struct Recent {
    pub when: String,
    pub party: String,
    pub party_path: String,
    pub channel: String,
    pub subject: String,
    pub user: String,
}

/// The dashboard counts the call list up to this many.
const CALL_CAP: usize = 1000;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard<'a> {
    page: &'a Page,
    stats: Vec<(&'static str, String, &'static str)>,
    tasks: Vec<TaskRow>,
    recent: Vec<Recent>,
    chart: String,
}

fn field(kind: ImportKind, r: &StoredRecord, name: &str) -> String {
    kind.fields()
        .iter()
        .position(|f| f.name == name)
        .and_then(|i| r.fields.get(i).cloned())
        .unwrap_or_default()
}

/// The open tasks of the signed-in user, soonest due first.
pub async fn my_tasks(
    tx: &mut rapport_store::Tx,
    page: &Page,
    limit: usize,
) -> Result<Vec<StoredRecord>, rapport_store::StoreError> {
    let Some(user) = &page.user else {
        return Ok(Vec::new());
    };
    let mut q = ListQuery::new("external_id", 1_000);
    q.filters
        .push(Filter::eq("assignee_id", Value::Uuid(user.id.as_uuid())));
    q.filters.push(Filter::eq("status", Value::text("open")));
    let mut tasks: Vec<StoredRecord> = records::list(tx, ImportKind::Tasks, &q)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    tasks.sort_by_key(|t| {
        let due = field(ImportKind::Tasks, t, "due_on");
        (due.is_empty(), due)
    });
    tasks.truncate(limit);
    Ok(tasks)
}

pub async fn show(State(state): State<AppState>, page: Page) -> Response {
    let result: Result<Dashboard, rapport_store::StoreError> =
        async {
            let mut tx = state.store.begin_read(state.org).await?;
            let parties = tx.count(&PARTIES).await?;
            let open_cases: i64 = tx
                .count_by(&CASES, "status", &[])
                .await?
                .iter()
                .filter(|(s, _)| s == "open" || s == "in_progress")
                .map(|(_, n)| n)
                .sum();
            let tasks = my_tasks(&mut tx, &page, 10).await?;
            let open_tasks = {
                let mut q = vec![Filter::eq("status", Value::text("open"))];
                if let Some(u) = &page.user {
                    q.push(Filter::eq("assignee_id", Value::Uuid(u.id.as_uuid())));
                }
                tx.count_by(&TASKS, "status", &q)
                    .await?
                    .iter()
                    .map(|(_, n)| n)
                    .sum::<i64>()
            };
            let since = Filter {
                column: "occurred_at",
                op: Op::Gte,
                value: Value::Time(Utc::now() - Duration::days(90)),
            };
            let by_channel = tx
                .count_by(&INTERACTIONS, "channel", std::slice::from_ref(&since))
                .await?;
            let mut recent_q = ListQuery::new("occurred_at", 10);
            recent_q.descending = true;
            let recent = records::list(&mut tx, ImportKind::Interactions, &recent_q).await?;
            let attention = rapport_app::insights::latest_run(&mut tx)
                .await?
                .as_ref()
                .and_then(rapport_app::insights::report::of_run)
                .map(|i| i.needs_attention);
            let to_call =
                match rapport_app::retention::call_today(&mut tx, Utc::now(), None, 0, CALL_CAP)
                    .await
                {
                    Ok(rows) => rows.len(),
                    Err(RecordError::Store(e)) => return Err(e),
                    Err(_) => 0,
                };
            let at_risk = tx
                .winback_count(&rapport_store::WinbackQuery {
                    list: rapport_app::retention::lists::AT_RISK.into(),
                    ..rapport_store::WinbackQuery::default()
                })
                .await?;
            tx.rollback().await?;
            let interactions_90: i64 = by_channel.iter().map(|(_, n)| n).sum();
            let lang = page.lang;
            let chart = bar_chart(
                page.t("dashboard.by_channel"),
                &Series::new(
                    page.t("dashboard.interactions"),
                    by_channel
                        .iter()
                        .map(|(c, n)| (page.code("channel", c), *n as f64))
                        .collect(),
                ),
                &ChartOptions {
                    id: "by-channel".into(),
                    empty_text: page.t("party.no_touchpoints").into(),
                    value_format: Box::new(move |v| locale::format_int(lang, v.round() as i64)),
                    ..ChartOptions::default()
                },
            );
            let mut stats = vec![
                (
                    page.t("dashboard.parties"),
                    page.number(parties),
                    "/parties",
                ),
                (
                    page.t("dashboard.open_cases"),
                    page.number(open_cases),
                    "/parties",
                ),
                (
                    page.t("dashboard.my_open_tasks"),
                    page.number(open_tasks),
                    "/tasks",
                ),
                (
                    page.t("dashboard.interactions_90"),
                    page.number(interactions_90),
                    "/parties",
                ),
            ];
            stats.push((
                page.t("winback.at_risk_title"),
                page.number(at_risk),
                "/retention/lists/at-risk",
            ));
            stats.push((
                page.t("retention.calls_title"),
                if to_call >= CALL_CAP {
                    format!("{}+", page.number(CALL_CAP as i64))
                } else {
                    page.number(to_call as i64)
                },
                "/retention/calls",
            ));
            if let Some(n) = attention {
                stats.push((
                    page.t("attention.title"),
                    page.number(n as i64),
                    "/attention",
                ));
            }
            Ok(Dashboard {
                page: &page,
                stats,
                tasks: tasks
                    .iter()
                    .map(|t| {
                        let g = |f: &str| field(ImportKind::Tasks, t, f);
                        TaskRow {
                            title: g("title"),
                            party_path: encode_path(&g("party_external_id")),
                            party: g("party_external_id"),
                            due: g("due_on"),
                        }
                    })
                    .collect(),
                recent: recent
                    .iter()
                    .map(|(_, r)| {
                        let g = |f: &str| field(ImportKind::Interactions, r, f);
                        Recent {
                            when: g("occurred_at"),
                            party_path: encode_path(&g("party_external_id")),
                            party: g("party_external_id"),
                            channel: g("channel"),
                            subject: g("subject"),
                            user: g("user_email"),
                        }
                    })
                    .collect(),
                chart,
            })
        }
        .await;
    match result {
        Ok(d) => render(StatusCode::OK, &page, d.render()),
        Err(e) => failure(&page, e.into()),
    }
}
