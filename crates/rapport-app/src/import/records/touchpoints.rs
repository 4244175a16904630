//! Touchpoints: interactions, survey answers, cases and tasks, each about one party.

use rapport_domain::*;
use rapport_store::Value;
use rapport_store::schema::{CASES, INTERACTIONS, SURVEY_RESPONSES, TASKS};

use super::{NAME_MAX, TEXT_MAX, about_party, finish, opt_text, reference};
use crate::import::parse::{ParseCtx, Pending, RefKind, RowView};

pub fn interaction(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let (mut b, key, mut refs) = about_party(v, &INTERACTIONS);
    if let Some(user) = v.get("user_email") {
        refs.push(reference(&b, "user_id", RefKind::User, user, "user_email"));
    }
    b.set("user_id", Value::Null, v.has("user_email"));
    let channel = v.parse_required("channel", InteractionChannel::parse);
    b.fixed("channel", Value::opt(channel.map(|c| c.as_str())));
    let direction = v
        .parse("direction", Direction::parse)
        .unwrap_or(Direction::Outbound);
    b.set(
        "direction",
        Value::text(direction.as_str()),
        v.has("direction"),
    );
    let at = v.parse_required("occurred_at", parse_timestamp);
    b.fixed("occurred_at", Value::opt(at));
    opt_text(v, &mut b, "subject", "subject", 500);
    opt_text(v, &mut b, "notes", "notes", TEXT_MAX);
    let sentiment = v.parse("sentiment", Sentiment::parse);
    b.set(
        "sentiment",
        Value::opt(sentiment.map(|s| s.value() as i64)),
        v.has("sentiment"),
    );
    opt_text(v, &mut b, "outcome", "outcome", 200);
    finish(v, b, key, refs, Vec::new())
}

pub fn survey(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let (mut b, key, refs) = about_party(v, &SURVEY_RESPONSES);
    let kind = v.parse_required("kind", SurveyKind::parse);
    let score = match kind {
        Some(kind) => v.parse_required("score", |s| SurveyScore::parse(kind, s)),
        None => None,
    };
    b.fixed("kind", Value::opt(kind.map(|k| k.as_str())));
    b.fixed("score", Value::opt(score.map(|s| s.score() as i64)));
    opt_text(v, &mut b, "comment", "comment", TEXT_MAX);
    let at = v.parse_required("answered_at", parse_timestamp);
    b.fixed("answered_at", Value::opt(at));
    finish(v, b, key, refs, Vec::new())
}

pub fn case(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let (mut b, key, refs) = about_party(v, &CASES);
    let opened = v.parse_required("opened_at", parse_timestamp);
    let closed = v.timestamp("closed_at");
    if let (Some(o), Some(c)) = (opened, closed)
        && c < o
    {
        v.error("closed_at", v.get("closed_at"), "lies before opened_at");
    }
    let severity = v
        .parse("severity", CaseSeverity::parse)
        .unwrap_or(CaseSeverity::Medium);
    let status = v
        .parse("status", CaseStatus::parse)
        .unwrap_or(if closed.is_some() {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        });
    if status.is_open() && closed.is_some() {
        v.error(
            "closed_at",
            v.get("closed_at"),
            format!("an {} case has no closing time", status.as_str()),
        );
    }
    b.fixed("opened_at", Value::opt(opened));
    b.set("closed_at", Value::opt(closed), v.has("closed_at"));
    b.set(
        "severity",
        Value::text(severity.as_str()),
        v.has("severity"),
    );
    opt_text(v, &mut b, "category", "category", NAME_MAX);
    b.set(
        "status",
        Value::text(status.as_str()),
        v.has("status") || v.has("closed_at"),
    );
    opt_text(v, &mut b, "subject", "subject", 500);
    finish(v, b, key, refs, Vec::new())
}

pub fn task(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let (mut b, key, mut refs) = about_party(v, &TASKS);
    if let Some(user) = v.get("assignee_email") {
        refs.push(reference(
            &b,
            "assignee_id",
            RefKind::User,
            user,
            "assignee_email",
        ));
    }
    b.set("assignee_id", Value::Null, v.has("assignee_email"));
    let title = v.text("title", 500);
    if v.get("title").is_none() {
        v.error("title", None, "is required");
    }
    b.fixed("title", Value::opt(title));
    let due = v.date("due_on");
    b.set("due_on", Value::opt(due), v.has("due_on"));
    let status = v
        .parse("status", TaskStatus::parse)
        .unwrap_or(TaskStatus::Open);
    b.set("status", Value::text(status.as_str()), v.has("status"));
    opt_text(v, &mut b, "origin", "origin", 200);
    finish(v, b, key, refs, Vec::new())
}
