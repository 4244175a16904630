//! The parties list (search, filters, pages) and the forms to create and edit a party.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, Mode, RecordError, Writing};
use rapport_domain::{LifecycleStatus, PartyKind};
use rapport_store::schema::PARTIES;
use rapport_store::{Filter, ListQuery, Search, Tx, Value};

use super::form::{self, Field};
use super::page::{Page, render};
use super::{encode_path, failure};
use crate::auth::{Caller, encode_component, form_pairs};
use crate::state::AppState;

const PAGE_SIZE: usize = 25;

pub struct Row {
    pub key_path: String,
    pub name: String,
    pub external_id: String,
    pub kind: String,
    pub lifecycle: String,
    pub city: String,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "parties.html")]
struct List<'a> {
    page: &'a Page,
    q: String,
    kind: String,
    lifecycle: String,
    mine: bool,
    kinds: Vec<(String, String)>,
    lifecycles: Vec<(String, String)>,
    rows: Vec<Row>,
    next_link: Option<String>,
    first_link: Option<String>,
}

pub async fn list(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let get = |k: &str| form::value(&pairs, k).trim().to_string();
    let (q, kind, lifecycle, mine, after) = (
        get("q"),
        get("kind"),
        get("lifecycle"),
        get("mine") == "1",
        get("after"),
    );
    let mut query = ListQuery::new("name", PAGE_SIZE + 1);
    if PartyKind::CODES.contains(&kind.as_str()) {
        query
            .filters
            .push(Filter::eq("kind", Value::text(kind.as_str())));
    }
    if LifecycleStatus::CODES.contains(&lifecycle.as_str()) {
        query
            .filters
            .push(Filter::eq("lifecycle", Value::text(lifecycle.as_str())));
    }
    if mine && let Some(u) = &page.user {
        query
            .filters
            .push(Filter::eq("owner_id", Value::Uuid(u.id.as_uuid())));
    }
    if !q.is_empty() {
        query.search = Some(Search {
            text: q.chars().take(200).collect(),
            contains: &["name", "email"],
            exact: &["external_id"],
        });
    }
    query.after = decode_after(&after);
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let rows = records::list(&mut tx, ImportKind::Parties, &query).await;
        tx.rollback().await?;
        rows
    }
    .await;
    let mut rows = match result {
        Ok(r) => r,
        Err(e) => return failure(&page, e.into()),
    };
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let base = format!(
        "/parties?q={}&kind={}&lifecycle={}{}",
        encode_component(&q),
        encode_component(&kind),
        encode_component(&lifecycle),
        if mine { "&mine=1" } else { "" }
    );
    let next_link = more.then(|| rows.last()).flatten().map(|(row, _)| {
        format!(
            "{base}&after={}",
            encode_after(&Tx::cursor_of(&PARTIES, "name", row))
        )
    });
    let first_link = (!after.is_empty()).then(|| base.clone());
    let field = |r: &records::StoredRecord, name: &str| {
        ImportKind::Parties
            .fields()
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| r.fields.get(i).cloned())
            .unwrap_or_default()
    };
    let rows = rows
        .iter()
        .map(|(_, r)| Row {
            key_path: encode_path(&field(r, "external_id")),
            name: field(r, "name"),
            external_id: field(r, "external_id"),
            kind: field(r, "kind"),
            lifecycle: field(r, "lifecycle"),
            city: field(r, "city"),
            owner: field(r, "owner_email"),
        })
        .collect();
    let body = List {
        page: &page,
        kinds: PartyKind::CODES
            .iter()
            .map(|c| (c.to_string(), page.code("kind", c)))
            .collect(),
        lifecycles: LifecycleStatus::CODES
            .iter()
            .map(|c| (c.to_string(), page.code("lifecycle", c)))
            .collect(),
        q,
        kind,
        lifecycle,
        mine,
        rows,
        next_link,
        first_link,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

fn encode_after(values: &[Value]) -> String {
    let json: Vec<serde_json::Value> = values.iter().map(Value::to_json).collect();
    URL_SAFE_NO_PAD.encode(serde_json::Value::Array(json).to_string())
}

fn decode_after(text: &str) -> Option<Vec<Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let items: Vec<serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    match items.as_slice() {
        [name, id] => Some(vec![
            Value::text(name.as_str()?),
            Value::Uuid(uuid::Uuid::parse_str(id.as_str()?).ok()?),
        ]),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "party_form.html")]
struct FormPage<'a> {
    page: &'a Page,
    heading: &'a str,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    error: Option<String>,
}

fn form_page(
    page: &Page,
    status: StatusCode,
    heading: &str,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    error: Option<String>,
) -> Response {
    let body = FormPage {
        page,
        heading,
        action,
        cancel,
        fields,
        error,
    }
    .render();
    render(status, page, body)
}

pub async fn new(page: Page) -> Response {
    let mut fields = form::party_fields(&page);
    // A relationship manager creates parties they own.
    if let Some(u) = &page.user
        && let Some(f) = fields.iter_mut().find(|f| f.name == "owner_email")
    {
        f.value = u.email.as_str().to_string();
    }
    form_page(
        &page,
        StatusCode::OK,
        page.t("parties.new"),
        "/parties".into(),
        "/parties".into(),
        fields,
        None,
    )
}

fn writing(caller: &Caller) -> Writing {
    Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now: Utc::now(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let submitted = form::read(&body).unwrap_or_default();
    let mut fields = form::party_fields(&page);
    form::fill(&mut fields, &submitted);
    let values = form::submitted(&fields, &submitted);
    let (names, vals): (Vec<String>, Vec<String>) = values.into_iter().unzip();
    let outcome = records::write(
        &state.store,
        state.org,
        ImportKind::Parties,
        Mode::Create,
        &names,
        vec![vals],
        &writing(&caller),
    )
    .await;
    match outcome {
        Ok(o) => {
            let key = o.keys.first().cloned().unwrap_or_default();
            Redirect::to(&format!("/parties/{}?saved=1", encode_path(&key))).into_response()
        }
        Err(e) => refused(
            &page,
            e,
            fields,
            page.t("parties.new"),
            "/parties".into(),
            "/parties".into(),
        ),
    }
}

fn refused(
    page: &Page,
    e: RecordError,
    mut fields: Vec<Field>,
    heading: &str,
    action: String,
    cancel: String,
) -> Response {
    match e {
        RecordError::Invalid(errors) => {
            let rest = form::attach(page, &mut fields, errors);
            form_page(
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                heading,
                action,
                cancel,
                fields,
                rest,
            )
        }
        RecordError::Conflict(m) => form_page(
            page,
            StatusCode::CONFLICT,
            heading,
            action,
            cancel,
            fields,
            Some(m),
        ),
        RecordError::Forbidden(m) => form_page(
            page,
            StatusCode::FORBIDDEN,
            heading,
            action,
            cancel,
            fields,
            Some(m),
        ),
        other => failure(page, other),
    }
}

/// The stored party's fields, by field name.
async fn stored(state: &AppState, key: &str) -> Result<Option<records::StoredRecord>, RecordError> {
    let mut tx = state.store.begin_read(state.org).await?;
    let rec = records::get(&mut tx, ImportKind::Parties, key).await?;
    tx.rollback().await?;
    Ok(rec)
}

pub async fn edit(State(state): State<AppState>, page: Page, Path(key): Path<String>) -> Response {
    let rec = match stored(&state, &key).await {
        Ok(Some(r)) => r,
        Ok(None) => return super::not_found_page(&page),
        Err(e) => return failure(&page, e),
    };
    let mut fields = form::party_fields(&page);
    for f in &mut fields {
        if let Some(i) = ImportKind::Parties
            .fields()
            .iter()
            .position(|k| k.name == f.name)
        {
            f.value = rec.fields[i].clone();
        }
    }
    let path = encode_path(&rec.fields[0]);
    form_page(
        &page,
        StatusCode::OK,
        page.t("party.edit"),
        format!("/parties/{path}"),
        format!("/parties/{path}"),
        fields,
        None,
    )
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let rec = match stored(&state, &key).await {
        Ok(Some(r)) => r,
        Ok(None) => return super::not_found_page(&page),
        Err(e) => return failure(&page, e),
    };
    let natural = rec.fields[0].clone();
    let submitted = form::read(&body).unwrap_or_default();
    let mut fields = form::party_fields(&page);
    form::fill(&mut fields, &submitted);
    let changes: Vec<(String, String)> = form::submitted(&fields, &submitted)
        .into_iter()
        .filter(|(f, _)| f != "external_id")
        .collect();
    let path = encode_path(&natural);
    match records::update(
        &state.store,
        state.org,
        ImportKind::Parties,
        &natural,
        &changes,
        &writing(&caller),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/parties/{path}?saved=1")).into_response(),
        Err(e) => refused(
            &page,
            e,
            fields,
            page.t("party.edit"),
            format!("/parties/{path}"),
            format!("/parties/{path}"),
        ),
    }
}
