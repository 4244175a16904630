//! Form fields for the pages: what a field is (label, input type, choices, value, error), the
//! forms of a kind built from its fields, reading submitted forms, and putting the use case's
//! field errors next to the fields they concern.

use rapport_app::import::RowError;
use rapport_domain::{
    CaseSeverity, Direction, InteractionChannel, LifecycleStatus, PartyKind, SurveyKind, UserRole,
};

use super::page::Page;
use crate::auth::form_pairs;

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// An input type ("text", "email", "tel", "date", "datetime-local", "number"), "select" or
    /// "textarea".
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
    pub required: bool,
    /// Spans the whole form row.
    pub wide: bool,
}

impl Field {
    pub fn new(page: &Page, name: &'static str, label_key: &str, kind: &'static str) -> Field {
        Field {
            name,
            label: page.t(label_key),
            kind,
            value: String::new(),
            options: Vec::new(),
            error: None,
            required: false,
            wide: kind == "textarea",
        }
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }

    /// A choice among codes, labelled from `group` (e.g. "channel").
    pub fn codes(mut self, page: &Page, group: &str, codes: &[&str]) -> Field {
        self.kind = "select";
        self.options = codes
            .iter()
            .map(|c| (c.to_string(), page.code(group, c)))
            .collect();
        self
    }
}

/// A submitted form as pairs; `None` when the body is not a valid form.
pub fn read(body: &[u8]) -> Option<Vec<(String, String)>> {
    form_pairs(body)
}

pub fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Fills the fields with the submitted values.
pub fn fill(fields: &mut [Field], form: &[(String, String)]) {
    for f in fields {
        f.value = value(form, f.name).to_string();
    }
}

/// The submitted values of `fields` as the names and values a use case takes.
pub fn submitted(fields: &[Field], form: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|f| (f.name.to_string(), value(form, f.name).trim().to_string()))
        .collect()
}

/// Puts each error next to its field; errors about no field of the form come back as text.
pub fn attach(page: &Page, fields: &mut [Field], errors: Vec<RowError>) -> Option<String> {
    let mut rest = Vec::new();
    for e in errors {
        let field = e.column.as_deref().unwrap_or("");
        let message = if e.reason.starts_with("is required") {
            page.t("form.required").to_string()
        } else {
            format!("{}: {}", page.t("form.invalid"), e.reason)
        };
        match fields.iter_mut().find(|f| f.name == field) {
            Some(f) => f.error = Some(message),
            None => rest.push(format!("{field} {}", e.reason).trim().to_string()),
        }
    }
    (!rest.is_empty()).then(|| rest.join("; "))
}

/// The party form (new and edit).
pub fn party_fields(page: &Page) -> Vec<Field> {
    vec![
        Field::new(page, "name", "party.name", "text").required(),
        Field::new(page, "kind", "party.kind", "select")
            .codes(page, "kind", PartyKind::CODES)
            .required()
            .value("organization"),
        Field::new(page, "first_name", "party.first_name", "text"),
        Field::new(page, "last_name", "party.last_name", "text"),
        Field::new(page, "email", "party.email", "email"),
        Field::new(page, "phone", "party.phone", "tel"),
        Field::new(page, "lifecycle", "party.lifecycle", "select")
            .codes(page, "lifecycle", LifecycleStatus::CODES)
            .required()
            .value("lead"),
        Field::new(page, "segment", "party.segment", "text"),
        Field::new(page, "industry", "party.industry", "text"),
        Field::new(page, "city", "party.city", "text"),
        Field::new(page, "country", "party.country", "text"),
        Field::new(page, "owner_email", "party.owner", "email"),
        Field::new(page, "external_id", "party.external_id", "text"),
    ]
}

pub fn interaction_fields(page: &Page, now: &str) -> Vec<Field> {
    vec![
        Field::new(page, "channel", "interaction.channel", "select")
            .codes(page, "channel", InteractionChannel::CODES)
            .required()
            .value("call"),
        Field::new(page, "direction", "interaction.direction", "select")
            .codes(page, "direction", Direction::CODES)
            .required()
            .value("outbound"),
        Field::new(
            page,
            "occurred_at",
            "interaction.occurred_at",
            "datetime-local",
        )
        .required()
        .value(now),
        Field::new(page, "subject", "interaction.subject", "text"),
        Field::new(page, "notes", "interaction.notes", "textarea"),
        Field::new(page, "sentiment", "interaction.sentiment", "select").codes(
            page,
            "sentiment",
            &["-2", "-1", "0", "1", "2"],
        ),
        Field::new(page, "outcome", "interaction.outcome", "text"),
    ]
}

pub fn case_fields(page: &Page) -> Vec<Field> {
    vec![
        Field::new(page, "subject", "case.subject", "text").required(),
        Field::new(page, "severity", "case.severity", "select")
            .codes(page, "severity", CaseSeverity::CODES)
            .required()
            .value("medium"),
        Field::new(page, "category", "case.category", "text"),
    ]
}

pub fn survey_fields(page: &Page) -> Vec<Field> {
    vec![
        Field::new(page, "kind", "survey.kind", "select")
            .codes(page, "survey", SurveyKind::CODES)
            .required()
            .value("nps"),
        Field::new(page, "score", "survey.score", "number").required(),
        Field::new(page, "comment", "survey.comment", "textarea"),
    ]
}

pub fn user_fields(page: &Page) -> Vec<Field> {
    vec![
        Field::new(page, "name", "users.name", "text").required(),
        Field::new(page, "email", "users.email", "email").required(),
        Field::new(page, "role", "users.role", "select")
            .codes(page, "role", UserRole::CODES)
            .required()
            .value("viewer"),
        Field::new(page, "locale", "users.language", "select")
            .codes(page, "language", rapport_app::users::LOCALES)
            .required()
            .value(page.lang_code()),
    ]
}
