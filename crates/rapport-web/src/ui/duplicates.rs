//! Duplicate candidates side by side, with a merge action for each direction.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::merge::{self, DEFAULT_THRESHOLD, MergeError, PartyLabel};
use rapport_app::records;
use rapport_domain::access::{Action, allows};

use super::form;
use super::page::{Page, render};
use super::{encode_path, failure, message};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

/// Pairs shown at once.
const SHOWN: usize = 50;

pub struct Side {
    pub key_path: String,
    pub name: String,
    pub external_id: String,
    pub email: String,
}

pub struct Pair {
    pub label: String,
    pub score: String,
    pub reasons: String,
    pub sides: Vec<(Side, String)>,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct Duplicates<'a> {
    page: &'a Page,
    pairs: Vec<Pair>,
    notice: Option<String>,
}

fn side(p: &PartyLabel) -> Side {
    let ext = p.external_id.clone().unwrap_or_else(|| p.id.to_string());
    Side {
        key_path: encode_path(&ext),
        name: p.name.clone(),
        external_id: ext,
        email: p.email.clone().unwrap_or_default(),
    }
}

pub async fn show(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let pairs = match merge::duplicates(&state.store, state.org, DEFAULT_THRESHOLD).await {
        Ok(p) => p,
        Err(e) => return failure(&page, e.into()),
    };
    let q = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice =
        (form::value(&q, "merged") == "1").then(|| page.t("duplicates.merged").to_string());
    let pairs = pairs
        .iter()
        .take(SHOWN)
        .map(|p| {
            let (a, b) = (side(&p.a), side(&p.b));
            Pair {
                label: format!("{} / {}", a.name, b.name),
                score: super::locale::format_percent(page.lang, p.score, 0),
                reasons: p.reasons.join(", "),
                sides: vec![
                    (side(&p.a), b.external_id.clone()),
                    (side(&p.b), a.external_id.clone()),
                ],
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &page,
        Duplicates {
            page: &page,
            pairs,
            notice,
        }
        .render(),
    )
}

pub async fn merge(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let (keep, other) = (
        form::value(&f, "keep").to_string(),
        form::value(&f, "other").to_string(),
    );
    // Both parties must be writable by the caller.
    let owners = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let mut owners = Vec::new();
        for key in [&keep, &other] {
            let rec = records::get(&mut tx, ImportKind::Parties, key).await?;
            owners.push(rec.map(|r| {
                let i = ImportKind::Parties
                    .fields()
                    .iter()
                    .position(|f| f.name == "owner_email")
                    .unwrap_or(0);
                r.fields[i].clone()
            }));
        }
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>(owners)
    }
    .await;
    let owners = match owners {
        Ok(o) => o,
        Err(e) => return failure(&page, e.into()),
    };
    let [Some(keep_owner), Some(other_owner)] = [owners[0].clone(), owners[1].clone()] else {
        return super::not_found_page(&page);
    };
    let users = rapport_app::users::list_users(&state.store, state.org)
        .await
        .unwrap_or_default();
    let id_of = |email: &str| {
        users
            .iter()
            .find(|u| u.email.as_str().eq_ignore_ascii_case(email))
            .map(|u| u.id)
    };
    let action = Action::MergeParties {
        keep_owner: id_of(&keep_owner),
        other_owner: id_of(&other_owner),
    };
    if !allows(caller.actor(), action) {
        return message(
            &page,
            StatusCode::FORBIDDEN,
            page.t("error.forbidden"),
            page.t("duplicates.not_yours"),
        );
    }
    match merge::merge(
        &state.store,
        state.org,
        &keep,
        &other,
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    {
        Ok(_) => Redirect::to("/duplicates?merged=1").into_response(),
        Err(MergeError::Invalid(m)) => message(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            page.t("duplicates.title"),
            &m,
        ),
        Err(MergeError::Store(e)) => failure(&page, e.into()),
    }
}
