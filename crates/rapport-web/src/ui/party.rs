//! The party page: the party 360 with its timeline, orders, contracts, contacts and open tasks,
//! and the forms to log an interaction, open a case and record a survey answer.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::party360::{self, Party360};
use rapport_app::records::{self, Mode, RecordError, StoredRecord, Writing};

use super::form::{self, Field};
use super::page::{Page, render};
use super::{encode_path, failure};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

pub struct Entry {
    pub when: String,
    pub kind: &'static str,
    pub kind_key: &'static str,
    pub tag: String,
    pub title: String,
    pub detail: String,
}

pub struct Total {
    pub currency: String,
    pub total: String,
    pub orders: String,
    pub first: String,
    pub last: String,
}

pub struct Table {
    pub id: &'static str,
    pub title: &'static str,
    pub head: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyPage<'a> {
    page: &'a Page,
    key_path: String,
    name: String,
    kind: String,
    lifecycle: String,
    roles: Vec<String>,
    external_id: String,
    owner: String,
    notice: Option<&'static str>,
    facts: Vec<(&'static str, String)>,
    order_totals: Vec<Total>,
    timeline: Vec<Entry>,
    tables: Vec<Table>,
    /// Each contract's page, where what happened to it is recorded.
    contract_links: Vec<(String, String)>,
    interaction_fields: Vec<Field>,
    case_fields: Vec<Field>,
    survey_fields: Vec<Field>,
    case_open: bool,
    survey_open: bool,
    health: Option<super::health::HealthPanel>,
}

/// A field of a stored record by name.
fn get(kind: ImportKind, r: &StoredRecord, name: &str) -> String {
    kind.fields()
        .iter()
        .position(|f| f.name == name)
        .and_then(|i| r.fields.get(i).cloned())
        .unwrap_or_default()
}

/// Forms as submitted (with errors), when the page is shown again after a refused write.
#[derive(Default)]
struct Forms {
    interaction: Option<Vec<Field>>,
    case: Option<Vec<Field>>,
    survey: Option<Vec<Field>>,
}

fn build<'a>(
    page: &'a Page,
    p: &Party360,
    notice: Option<&'static str>,
    forms: Forms,
) -> PartyPage<'a> {
    use ImportKind as K;
    let party = |f: &str| get(K::Parties, &p.party, f);
    let mut facts = Vec::new();
    for (key, field) in [
        ("party.email", "email"),
        ("party.phone", "phone"),
        ("party.city", "city"),
        ("party.country", "country"),
        ("party.segment", "segment"),
        ("party.industry", "industry"),
        ("party.owner", "owner_email"),
        ("party.channel", "acquisition_channel"),
    ] {
        let v = party(field);
        if !v.is_empty() {
            facts.push((page.t(key), v));
        }
    }
    let acquired = party("acquired_on");
    if !acquired.is_empty() {
        facts.push((page.t("party.acquired_on"), page.date(&acquired)));
    }
    let mut timeline: Vec<Entry> = Vec::new();
    for i in &p.interactions {
        let g = |f: &str| get(K::Interactions, i, f);
        let sentiment = g("sentiment");
        timeline.push(Entry {
            when: g("occurred_at"),
            kind: "interaction",
            kind_key: "timeline.interaction",
            tag: format!(
                "{} · {}{}",
                page.code("channel", &g("channel")),
                page.code("direction", &g("direction")),
                if sentiment.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", page.code("sentiment", &sentiment))
                }
            ),
            title: {
                let s = g("subject");
                if s.is_empty() {
                    page.code("channel", &g("channel"))
                } else {
                    s
                }
            },
            detail: [g("notes"), g("outcome"), g("user_email")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
        });
    }
    for c in &p.open_cases {
        let g = |f: &str| get(K::Cases, c, f);
        timeline.push(Entry {
            when: g("opened_at"),
            kind: "case",
            kind_key: "timeline.case",
            tag: format!(
                "{} · {}",
                page.code("severity", &g("severity")),
                page.code("case_status", &g("status"))
            ),
            title: g("subject"),
            detail: g("category"),
        });
    }
    for s in &p.surveys {
        let g = |f: &str| get(K::Surveys, s, f);
        timeline.push(Entry {
            when: g("answered_at"),
            kind: "survey",
            kind_key: "timeline.survey",
            tag: page.code("survey", &g("kind")),
            title: g("score"),
            detail: g("comment"),
        });
    }
    timeline.sort_by(|a, b| b.when.cmp(&a.when));
    let order_totals = p
        .order_summary
        .iter()
        .map(|s| {
            let digits = rapport_domain::Currency::parse(&s.currency)
                .map(|c| c.minor_digits())
                .unwrap_or(2);
            Total {
                currency: s.currency.clone(),
                total: super::locale::format_money(page.lang, s.total_minor, &s.currency, digits),
                orders: page.number(s.orders),
                first: s
                    .first
                    .map(|t| super::locale::format_date(page.lang, t.date_naive()))
                    .unwrap_or_default(),
                last: s
                    .last
                    .map(|t| super::locale::format_date(page.lang, t.date_naive()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let contract_links = p
        .contracts
        .iter()
        .map(|c| {
            let g = |f: &str| get(K::Contracts, c, f);
            (
                format!("/contracts/{}", super::encode_path(&g("external_id"))),
                format!(
                    "{} · {} · {}",
                    g("external_id"),
                    g("sku"),
                    page.code("contract_status", &g("status"))
                ),
            )
        })
        .collect();
    let tables = vec![
        Table {
            id: "contracts",
            title: page.t("party.contracts"),
            head: vec![
                page.t("contract.id"),
                page.t("contract.product"),
                page.t("contract.value"),
                page.t("contract.signed"),
                page.t("contract.status"),
                page.t("contract.ends"),
            ],
            rows: p
                .contracts
                .iter()
                .map(|c| {
                    let g = |f: &str| get(K::Contracts, c, f);
                    vec![
                        g("external_id"),
                        g("sku"),
                        page.money(&g("value"), &g("currency")),
                        page.day(&g("signed_at")),
                        page.code("contract_status", &g("status")),
                        page.day(&g("ends_at")),
                    ]
                })
                .collect(),
        },
        Table {
            id: "orders",
            title: page.t("party.recent_orders"),
            head: vec![
                page.t("order.id"),
                page.t("order.date"),
                page.t("order.product"),
                page.t("order.quantity"),
                page.t("order.amount"),
            ],
            rows: p
                .orders
                .iter()
                .map(|o| {
                    let g = |f: &str| get(K::Orders, o, f);
                    vec![
                        g("order_id"),
                        page.day(&g("ordered_at")),
                        g("sku"),
                        g("quantity"),
                        page.money(&g("amount"), &g("currency")),
                    ]
                })
                .collect(),
        },
        Table {
            id: "contacts",
            title: page.t("party.contacts"),
            head: vec![
                page.t("users.name"),
                page.t("contact.job_title"),
                page.t("party.email"),
                page.t("party.phone"),
            ],
            rows: p
                .contacts
                .iter()
                .map(|c| {
                    let g = |f: &str| get(K::Contacts, c, f);
                    vec![
                        format!("{} {}", g("first_name"), g("last_name"))
                            .trim()
                            .to_string(),
                        g("job_title"),
                        g("email"),
                        g("phone"),
                    ]
                })
                .collect(),
        },
        Table {
            id: "links",
            title: page.t("party.links"),
            head: vec![
                page.t("link.kind"),
                page.t("users.name"),
                page.t("contact.job_title"),
            ],
            rows: p
                .links
                .iter()
                .map(|l| {
                    vec![
                        page.code("link", &l.kind),
                        l.other_name.clone(),
                        l.job_title.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        },
        Table {
            id: "tasks",
            title: page.t("party.open_tasks"),
            head: vec![
                page.t("tasks.task"),
                page.t("tasks.due"),
                page.t("tasks.assignee"),
            ],
            rows: p
                .open_tasks
                .iter()
                .map(|t| {
                    let g = |f: &str| get(K::Tasks, t, f);
                    vec![g("title"), page.day(&g("due_on")), g("assignee_email")]
                })
                .collect(),
        },
    ];
    let now = Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let (case_open, survey_open) = (forms.case.is_some(), forms.survey.is_some());
    PartyPage {
        page,
        key_path: encode_path(&party("external_id")),
        name: party("name"),
        kind: party("kind"),
        lifecycle: party("lifecycle"),
        roles: party("roles")
            .split(';')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
        external_id: party("external_id"),
        owner: party("owner_email"),
        notice,
        facts,
        order_totals,
        timeline,
        tables,
        contract_links,
        interaction_fields: forms
            .interaction
            .unwrap_or_else(|| form::interaction_fields(page, &now)),
        case_fields: forms.case.unwrap_or_else(|| form::case_fields(page)),
        survey_fields: forms.survey.unwrap_or_else(|| form::survey_fields(page)),
        case_open,
        survey_open,
        health: super::health::panel(page, &p.scores),
    }
}

async fn load(state: &AppState, key: &str) -> Result<Option<Party360>, RecordError> {
    let mut tx = state.store.begin_lookup(state.org).await?;
    let p = party360::load(&mut tx, key).await?;
    tx.rollback().await?;
    Ok(p)
}

async fn show_page(
    state: &AppState,
    page: &Page,
    key: &str,
    status: StatusCode,
    notice: Option<&'static str>,
    forms: Forms,
) -> Response {
    match load(state, key).await {
        Ok(Some(p)) => render(status, page, build(page, &p, notice, forms).render()),
        Ok(None) => super::not_found_page(page),
        Err(e) => failure(page, e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = match form::value(&pairs, "saved") {
        "1" => Some(page.t("party.saved")),
        "interaction" => Some(page.t("party.interaction_logged")),
        "case" => Some(page.t("party.case_saved")),
        "survey" => Some(page.t("party.survey_saved")),
        _ => None,
    };
    show_page(
        &state,
        &page,
        &key,
        StatusCode::OK,
        notice,
        Forms::default(),
    )
    .await
}

/// Which touchpoint a form logs.
#[derive(Clone, Copy)]
pub enum Log {
    Interaction,
    Case,
    Survey,
}

pub async fn log(
    what: Log,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let submitted = form::read(&body).unwrap_or_default();
    let now = Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let (kind, mut fields, done) = match what {
        Log::Interaction => (
            ImportKind::Interactions,
            form::interaction_fields(&page, &now),
            "interaction",
        ),
        Log::Case => (ImportKind::Cases, form::case_fields(&page), "case"),
        Log::Survey => (ImportKind::Surveys, form::survey_fields(&page), "survey"),
    };
    form::fill(&mut fields, &submitted);
    let party = match load(&state, &key).await {
        Ok(Some(p)) => get(ImportKind::Parties, &p.party, "external_id"),
        Ok(None) => return super::not_found_page(&page),
        Err(e) => return failure(&page, e),
    };
    let mut values = form::submitted(&fields, &submitted);
    values.push(("party_external_id".into(), party.clone()));
    let stamp = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    match what {
        Log::Interaction => {
            values.push(("user_email".into(), caller.user.email.as_str().to_string()))
        }
        Log::Case => {
            values.push(("opened_at".into(), stamp));
            values.push(("status".into(), "open".into()));
        }
        Log::Survey => values.push(("answered_at".into(), stamp)),
    }
    let (names, vals): (Vec<String>, Vec<String>) = values.into_iter().unzip();
    let who = Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now: Utc::now(),
    };
    match records::write(
        &state.store,
        state.org,
        kind,
        Mode::Create,
        &names,
        vec![vals],
        &who,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!(
            "/parties/{}?saved={done}#timeline",
            encode_path(&party)
        ))
        .into_response(),
        Err(RecordError::Invalid(errors)) => {
            let rest = form::attach(&page, &mut fields, errors);
            if let Some(r) = rest {
                tracing::info!(problem = %r, "a touchpoint form was refused");
            }
            let forms = match what {
                Log::Interaction => Forms {
                    interaction: Some(fields),
                    ..Forms::default()
                },
                Log::Case => Forms {
                    case: Some(fields),
                    ..Forms::default()
                },
                Log::Survey => Forms {
                    survey: Some(fields),
                    ..Forms::default()
                },
            };
            show_page(
                &state,
                &page,
                &party,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                forms,
            )
            .await
        }
        Err(e) => failure(&page, e),
    }
}
