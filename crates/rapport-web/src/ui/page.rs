//! What every page knows: the language it is shown in, the signed-in user, the CSRF token its
//! forms carry, and the helpers templates call to translate and to format dates, numbers and
//! money for the reader's locale.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rapport_app::records::action_for;
use rapport_domain::access::{Action, allows};
use rapport_domain::{User, UserRole};

use super::i18n;
use super::locale::{self, Lang};
use crate::auth::{Caller, PRE_CSRF_COOKIE, cookie};
use crate::state::AppState;

pub const LANG_COOKIE: &str = "rapport_lang";

/// The request as pages see it.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf: String,
    /// Path and query of this page (where the language switch returns to).
    pub here: String,
    /// A fresh value for the signed-out double-submit cookie, when one must be set.
    pub new_pre_csrf: Option<String>,
}

/// The language for a request: the language cookie, then the user's setting, then the
/// browser's Accept-Language, then English.
pub fn language(headers: &HeaderMap, user: Option<&User>) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| user.and_then(|u| Lang::parse(&u.locale)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Page, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().cloned();
        Ok(Page::from_parts(
            &parts.headers,
            parts.uri.path_and_query().map(|p| p.as_str()),
            caller.as_ref(),
        ))
    }
}

impl Page {
    pub fn from_parts(headers: &HeaderMap, here: Option<&str>, caller: Option<&Caller>) -> Page {
        let user = caller.map(|c| c.user.clone());
        let lang = language(headers, user.as_ref());
        let (csrf, new_pre_csrf) = match caller {
            Some(c) => (c.csrf().to_string(), None),
            None => match cookie(headers, PRE_CSRF_COOKIE) {
                Some(v) if v.len() >= 16 => (v.to_string(), None),
                _ => {
                    let fresh = uuid::Uuid::new_v4().simple().to_string();
                    (fresh.clone(), Some(fresh))
                }
            },
        };
        Page {
            lang,
            user,
            csrf,
            here: here.unwrap_or("/").to_string(),
            new_pre_csrf,
        }
    }

    /// The translation of `key`.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(self.lang, key)
    }

    /// The label of a vocabulary code (`group` e.g. "channel"), or the code itself.
    pub fn code(&self, group: &str, code: &str) -> String {
        if code.is_empty() {
            return String::new();
        }
        i18n::lookup(self.lang, &format!("{group}.{code}"))
            .map(str::to_string)
            .unwrap_or_else(|| code.replace('_', " "))
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn langs(&self) -> Vec<(String, &'static str)> {
        Lang::ALL
            .iter()
            .map(|l| (l.code().to_string(), l.native_name()))
            .collect()
    }

    /// A stored time ("2026-01-02T03:04:05Z") or date as the reader writes it.
    pub fn date(&self, text: &str) -> String {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
            return locale::format_datetime(self.lang, t.naive_utc());
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return locale::format_date(self.lang, d);
        }
        text.to_string()
    }

    /// Only the day of a stored time or date.
    pub fn day(&self, text: &str) -> String {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
            return locale::format_date(self.lang, t.date_naive());
        }
        self.date(text)
    }

    /// An amount in major units ("1234.50") in a currency, as the reader writes money.
    pub fn money(&self, amount: &str, currency: &str) -> String {
        let digits = rapport_domain::Currency::parse(currency)
            .map(|c| c.minor_digits())
            .unwrap_or(2);
        match rapport_domain::parse_minor(amount, digits) {
            Ok(minor) => locale::format_money(self.lang, minor, currency, digits),
            Err(_) => amount.to_string(),
        }
    }

    pub fn number(&self, n: i64) -> String {
        locale::format_int(self.lang, n)
    }

    fn actor(&self) -> Option<rapport_domain::access::Actor> {
        self.user.as_ref().map(|u| rapport_domain::access::Actor {
            user: u.id,
            role: u.role,
        })
    }

    /// Whether the signed-in user may do one of the things pages offer links and forms for.
    pub fn can(&self, what: &str) -> bool {
        let Some(actor) = self.actor() else {
            return false;
        };
        use rapport_app::import::ImportKind as K;
        let own = Some(actor.user);
        match what {
            "users" => allows(actor, Action::ManageUsers),
            "audit" => allows(actor, Action::ReadAudit),
            "settings" => allows(actor, Action::ManageSettings),
            "export" => allows(actor, Action::Export),
            "campaigns" => allows(actor, Action::RunCampaigns),
            "catalogue" => allows(actor, Action::WriteCatalogue),
            "write_commerce" => allows(actor, action_for(K::Contracts, own)),
            "write_parties" => allows(actor, action_for(K::Parties, own)),
            "log_interactions" => allows(actor, action_for(K::Interactions, own)),
            "log_cases" => allows(actor, action_for(K::Cases, own)),
            "log_surveys" => allows(actor, action_for(K::Surveys, own)),
            _ => false,
        }
    }

    /// Whether the user may write records about a party owned by `owner_email`.
    pub fn can_on(&self, what: &str, owner_email: &str) -> bool {
        let Some(actor) = self.actor() else {
            return false;
        };
        if actor.role != UserRole::RelationshipManager {
            return self.can(what);
        }
        let mine = self
            .user
            .as_ref()
            .is_some_and(|u| u.email.as_str().eq_ignore_ascii_case(owner_email));
        mine && self.can(what)
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.name.as_str()).unwrap_or("")
    }

    pub fn role_label(&self) -> String {
        self.user
            .as_ref()
            .map(|u| self.code("role", u.role.as_str()))
            .unwrap_or_default()
    }

    /// The current path (for marking the active navigation entry).
    pub fn at(&self, prefix: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or("");
        if prefix == "/" {
            path == "/"
        } else {
            path.starts_with(prefix)
        }
    }
}

/// Renders a template into a response with `status`, setting the signed-out CSRF cookie when
/// the page made one.
pub fn render(status: StatusCode, page: &Page, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            if let Some(v) = &page.new_pre_csrf
                && let Ok(h) =
                    format!("{PRE_CSRF_COOKIE}={v}; Path=/; HttpOnly; SameSite=Strict").parse()
            {
                resp.headers_mut().append(header::SET_COOKIE, h);
            }
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}
