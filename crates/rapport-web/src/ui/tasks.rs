//! "My tasks": the signed-in user's open tasks, soonest due first, overdue ones marked.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rapport_app::import::ImportKind;

use super::page::{Page, render};
use super::{encode_path, failure};
use crate::state::AppState;

pub struct Row {
    pub title: String,
    pub party: String,
    pub party_path: String,
    pub due: String,
    pub status: String,
    pub origin: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct Tasks<'a> {
    page: &'a Page,
    tasks: Vec<Row>,
}

pub async fn show(State(state): State<AppState>, page: Page) -> Response {
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let tasks = super::dashboard::my_tasks(&mut tx, &page, 500).await;
        tx.rollback().await?;
        tasks
    }
    .await;
    let tasks = match result {
        Ok(t) => t,
        Err(e) => return failure(&page, e.into()),
    };
    let today = Utc::now().date_naive().to_string();
    let rows = tasks
        .iter()
        .map(|t| {
            let g = |f: &str| {
                ImportKind::Tasks
                    .fields()
                    .iter()
                    .position(|k| k.name == f)
                    .and_then(|i| t.fields.get(i).cloned())
                    .unwrap_or_default()
            };
            let due = g("due_on");
            Row {
                title: g("title"),
                party_path: encode_path(&g("party_external_id")),
                party: g("party_external_id"),
                overdue: !due.is_empty() && due < today,
                due,
                status: g("status"),
                origin: g("origin"),
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &page,
        Tasks {
            page: &page,
            tasks: rows,
        }
        .render(),
    )
}
