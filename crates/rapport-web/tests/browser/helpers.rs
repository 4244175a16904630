//! What the browser tests share: texts from the catalogue, screenshots' names, signing in,
//! opening a party, seeding data, choosing a language, pressing keys, and the phone-width check.

#![allow(dead_code)]

use rapport_domain::UserRole::{self, RelationshipManager};
use rapport_testkit::TestBackend;
use rapport_testkit::browser::{Browser, BrowserError};
use serde_json::{Value, json};

use crate::support::{self, RM_PARTY, Server, call, email};

/// What a helper step gives back.
pub(crate) type Step = Result<(), BrowserError>;

/// What a test gives back: the error boxed, as [`BrowserError`] is too large to return bare.
pub(crate) type Outcome = Result<(), Box<BrowserError>>;

// ---------------------------------------------------------------------------------------------
// Helpers

/// The UI's texts, to compare pages with (key, then en, de, fr, el).
pub(crate) const MESSAGES: &str = include_str!("../../src/ui/messages.tsv");

/// The text of `key` in the language `lang` ("en", "de", "fr" or "el") as messages.tsv has it;
/// panics when the key or that translation is missing.
pub(crate) fn text(key: &str, lang: &str) -> &'static str {
    let column = match lang {
        "en" => 1,
        "de" => 2,
        "fr" => 3,
        "el" => 4,
        _ => panic!("no language {lang}"),
    };
    let line = MESSAGES
        .lines()
        .find(|l| l.split('\t').next() == Some(key))
        .unwrap_or_else(|| panic!("messages.tsv has no {key}"));
    match line.split('\t').nth(column) {
        Some(t) if !t.is_empty() => t,
        _ => panic!("messages.tsv has no {lang} text for {key}"),
    }
}

/// `name` with the backend in front, so screenshots of both backends sit side by side.
pub(crate) fn shot_name(s: &Server, name: &str) -> String {
    let backend = match s.db.backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    };
    format!("{backend}-{name}")
}

/// A fresh browser for one backend's run, or `None` when the tests are skipped.
pub(crate) async fn browser_for(s: &Server) -> Option<Browser> {
    eprintln!("backend: {:?}", s.db.backend);
    Browser::start().await
}

/// Runs `script` (a function body; `return` gives the value) in the page.
pub(crate) async fn js(b: &Browser, script: &str) -> Result<Value, BrowserError> {
    match b.client().execute(script, vec![]).await {
        Ok(value) => Ok(value),
        Err(source) => Err(BrowserError::Command {
            action: format!("running `{script}`"),
            url: b.current_url().await,
            source,
        }),
    }
}

/// Whether an element matches `selector` on the page as it is now (no waiting).
pub(crate) async fn exists(b: &Browser, selector: &str) -> Result<bool, BrowserError> {
    let found = js(
        b,
        &format!("return document.querySelector({selector:?}) !== null"),
    )
    .await?;
    Ok(found == json!(true))
}

/// The HTTP status the page on screen was served with.
pub(crate) async fn status(b: &Browser) -> Result<u16, BrowserError> {
    let v = js(
        b,
        "return performance.getEntriesByType('navigation')[0].responseStatus",
    )
    .await?;
    Ok(v.as_u64().unwrap_or(0) as u16)
}

/// The path (and query) of the page on screen.
pub(crate) async fn path(b: &Browser) -> Result<String, BrowserError> {
    let v = js(b, "return location.pathname + location.search").await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// The rendered texts of every element matching `selector`.
pub(crate) async fn texts_of(b: &Browser, selector: &str) -> Result<Vec<String>, BrowserError> {
    let v = js(
        b,
        &format!(
            "return [...document.querySelectorAll({selector:?})].map(e => e.innerText.trim())"
        ),
    )
    .await?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// Signs in as `role` through the login form and waits for the first signed-in page.
pub(crate) async fn sign_in(b: &Browser, s: &Server, role: UserRole) -> Step {
    b.goto(&s.url("/login")).await?;
    b.fill("#login-email", &email(role)).await?;
    b.fill("#login-password", support::PASSWORD).await?;
    b.click("#login-submit").await?;
    // Only signed-in pages have the main menu.
    b.wait_for("header.top nav").await?;
    Ok(())
}

/// Opens a party's page and waits for it.
pub(crate) async fn open_party(b: &Browser, s: &Server, key: &str) -> Step {
    b.goto(&s.url(&format!("/parties/{key}"))).await?;
    b.wait_for("#party-name").await?;
    Ok(())
}

/// Logs an interaction on the relationship manager's party through the API, at `at`.
pub(crate) async fn seed_interaction(s: &Server, at: &str, subject: &str) {
    let body = json!({
        "party_external_id": RM_PARTY,
        "channel": "call",
        "direction": "outbound",
        "occurred_at": at,
        "subject": subject,
    });
    let r = call(s.post("/api/v1/interactions", RelationshipManager, body)).await;
    assert_eq!(r.status, 201, "seeding an interaction: {}", r.text);
}

/// Picks `code` in the header's language select; its form submits on change (app.js).
pub(crate) async fn pick_language(b: &Browser, code: &str) -> Step {
    let select = b.wait_for("#language-select").await?;
    if let Err(source) = select.select_by_value(code).await {
        return Err(BrowserError::Command {
            action: format!("choosing language {code}"),
            url: b.current_url().await,
            source,
        });
    }
    Ok(())
}

/// Presses a key (a WebDriver key code such as TAB) on the focused element, or on the page when
/// nothing has the focus yet.
pub(crate) async fn press(b: &Browser, key: &str) -> Step {
    let result = match b.client().active_element().await {
        Ok(element) => element.send_keys(key).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(source) => Err(BrowserError::Command {
            action: "pressing a key".to_string(),
            url: b.current_url().await,
            source,
        }),
    }
}

pub(crate) const TAB: &str = "\u{e004}";
pub(crate) const ENTER: &str = "\u{e007}";

/// Asserts the page does not scroll sideways, naming the elements that stick out if it does.
pub(crate) async fn assert_no_horizontal_overflow(b: &Browser, what: &str) -> Step {
    let v = js(
        b,
        "const w = window.innerWidth;
         const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement)
             if (getComputedStyle(a).overflowX !== 'visible') return true;
           return false; };
         const out = [...document.querySelectorAll('body *')]
           .filter(e => e.getBoundingClientRect().right > w + 1)
           .filter(e => !clipped(e) || getComputedStyle(e).position === 'absolute')
           .slice(0, 8)
           .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
                + ' right=' + Math.round(e.getBoundingClientRect().right));
         return [document.documentElement.scrollWidth, w, out];",
    )
    .await?;
    let scroll = v[0].as_f64().unwrap_or(f64::MAX);
    let width = v[1].as_f64().unwrap_or(0.0);
    assert!(
        scroll <= width + 1.0,
        "{what} is {scroll}px wide in a {width}px window; sticking out: {}",
        v[2]
    );
    Ok(())
}
