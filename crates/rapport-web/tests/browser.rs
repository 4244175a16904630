//! End-to-end tests of the web UI in a real browser: headless Chromium, driven through WebDriver,
//! against the real server on 127.0.0.1:0 over a fresh database per backend. Each test signs in
//! through the login form, clicks and types as a person would, and checks what the page shows.
//!
//! Without Chromium and `chromedriver` the tests pass as skipped, unless
//! `RAPPORT_REQUIRE_BROWSER=1` (see `rapport_testkit::browser`). Screenshots of the main pages
//! land in `target/screenshots/` (or `$CARGO_TARGET_DIR/screenshots/`), named
//! `<backend>-<page>.png`.

#[path = "browser/helpers.rs"]
mod helpers;
mod support;

use helpers::*;
use rapport_domain::UserRole::{Admin, Agent, Manager, RelationshipManager, Viewer};
use serde_json::{Value, json};
use support::{OTHER_PARTY, RM_PARTY, email, servers};

// ---------------------------------------------------------------------------------------------
// Signing in and logging an interaction

#[tokio::test]
async fn a_relationship_manager_finds_a_party_and_logs_an_interaction() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        // An older entry, so "on top" means the new one sorts first.
        seed_interaction(&s, "2026-01-05T08:00:00Z", "Older call").await;
        sign_in(&b, &s, RelationshipManager).await?;
        assert_eq!(path(&b).await?, "/");

        b.goto(&s.url("/parties")).await?;
        b.fill("#parties-q", "mine").await?;
        b.click("#parties-search").await?;
        // The new page renders the query into the field's attribute; the old one does not.
        b.wait_for("#parties-q[value='mine']").await?;
        let names = texts_of(&b, "#parties-table tbody td:first-child").await?;
        assert_eq!(names, ["Rapport Mine GmbH"]);

        b.click(&format!("#parties-table a[href='/parties/{RM_PARTY}']"))
            .await?;
        assert_eq!(b.text_of("#party-name").await?, "Rapport Mine GmbH");
        assert!(!exists(&b, "#notice").await?);

        let unique = uuid::Uuid::now_v7().simple().to_string();
        let subject = format!("Renewal call {unique} <b>x</b>");
        b.fill("#interaction-subject", &subject).await?;
        b.fill("#interaction-notes", "They want a quote by Friday.")
            .await?;
        // The form proposes the current minute (UTC); the timeline shows it the English way.
        let proposed = js(
            &b,
            "return document.querySelector('#interaction-occurred_at').value",
        )
        .await?;
        let proposed = proposed.as_str().unwrap_or_default();
        let expected_when = chrono::NaiveDateTime::parse_from_str(proposed, "%Y-%m-%dT%H:%M")
            .unwrap_or_else(|e| panic!("the form proposes {proposed:?}: {e}"))
            .format("%-d %b %Y %H:%M")
            .to_string();
        b.click("#interaction-save").await?;

        assert_eq!(
            b.text_of("#notice").await?,
            text("party.interaction_logged", "en")
        );
        assert_eq!(
            path(&b).await?,
            format!("/parties/{RM_PARTY}?saved=interaction")
        );
        let top = "#timeline li:first-child";
        assert_eq!(b.text_of(&format!("{top} .what")).await?, subject);
        let detail = b.text_of(&format!("{top} .detail")).await?;
        assert!(
            detail.contains("They want a quote by Friday.")
                && detail.contains(&email(RelationshipManager)),
            "{detail}"
        );
        // The tag in the subject is text, not markup.
        assert!(!exists(&b, "#timeline b").await?);
        let when = b.text_of(&format!("{top} .when")).await?;
        assert!(
            when.starts_with(&expected_when) && when.contains(text("timeline.interaction", "en")),
            "{when}"
        );
        assert_eq!(
            texts_of(&b, "#timeline .what").await?,
            [subject.as_str(), "Older call"]
        );
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

/// Typing in the search box narrows the list in place (htmx, under the page's CSP): no reload,
/// and the address follows the search.
#[tokio::test]
async fn typing_in_the_search_narrows_the_list_in_place() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        sign_in(&b, &s, Manager).await?;
        b.goto(&s.url("/parties")).await?;
        let all = texts_of(&b, "#parties-table tbody td:first-child").await?;
        assert!(all.len() >= 2, "{all:?}");
        js(&b, "window.__notReloaded = true; return true").await?;
        b.fill("#parties-q", "holdings").await?;
        let mut names = Vec::new();
        for _ in 0..100 {
            names = texts_of(&b, "#parties-table tbody td:first-child").await?;
            if names == ["Other Holdings AG"] {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(names, ["Other Holdings AG"]);
        assert_eq!(
            js(&b, "return window.__notReloaded === true").await?,
            Value::Bool(true)
        );
        assert!(b.current_url().await.contains("q=holdings"));
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_and_does_not_sign_in() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        b.goto(&s.url("/login")).await?;
        b.fill("#login-email", &email(RelationshipManager)).await?;
        b.fill("#login-password", "not the password").await?;
        b.click("#login-submit").await?;

        assert_eq!(b.text_of("#login-error").await?, text("login.failed", "en"));
        assert_eq!(status(&b).await?, 422);
        assert_eq!(path(&b).await?, "/login");
        assert!(!exists(&b, "header.top nav").await?);
        // The e-mail stays filled in; the password does not.
        let email_value = js(&b, "return document.querySelector('#login-email').value").await?;
        assert_eq!(email_value, json!(email(RelationshipManager)));
        let password = js(&b, "return document.querySelector('#login-password').value").await?;
        assert_eq!(password, json!(""));

        // Still signed out: a page that needs a user sends the browser to the login form.
        b.goto(&s.url("/parties")).await?;
        b.wait_for("#login-email").await?;
        assert_eq!(path(&b).await?, "/login?next=/parties");
        assert!(!exists(&b, "#login-error").await?);
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Languages

#[tokio::test]
async fn the_language_switch_shows_the_party_page_in_german_and_greek() -> Outcome {
    /// Texts the party page shows, checked in each language.
    const KEYS: [&str; 6] = [
        "nav.dashboard",
        "nav.parties",
        "nav.logout",
        "party.timeline",
        "party.log_interaction",
        "timeline.interaction",
    ];
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        seed_interaction(&s, "2026-03-05T09:30:00Z", "Quarterly review").await;
        sign_in(&b, &s, RelationshipManager).await?;
        open_party(&b, &s, RM_PARTY).await?;
        assert_eq!(js(&b, "return document.documentElement.lang").await?, "en");
        let when = b.text_of("#timeline li:first-child .when").await?;
        assert!(when.starts_with("5 Mar 2026 09:30"), "{when}");

        // German, through the select alone: app.js submits the form on change.
        pick_language(&b, "de").await?;
        b.wait_for("html[lang='de']").await?;
        assert_eq!(path(&b).await?, format!("/parties/{RM_PARTY}"));
        let body = b.text_of("body").await?;
        for key in KEYS {
            assert!(body.contains(text(key, "de")), "no German {key}: {body}");
        }
        assert_eq!(
            b.text_of("header.top nav li:first-child").await?,
            "Übersicht"
        );
        assert!(!body.contains("⟨missing text⟩"), "{body}");
        let when = b.text_of("#timeline li:first-child .when").await?;
        assert!(when.starts_with("05.03.2026 09:30"), "{when}");
        b.screenshot(&shot_name(&s, "party-page-de")).await?;

        // Greek, through the switch button as a browser without JavaScript would.
        js(
            &b,
            "document.querySelector('#language-select').removeAttribute('data-autosubmit')",
        )
        .await?;
        pick_language(&b, "el").await?;
        assert_eq!(js(&b, "return document.documentElement.lang").await?, "de");
        b.click("#language-form button[type=submit]").await?;
        b.wait_for("html[lang='el']").await?;
        assert_eq!(path(&b).await?, format!("/parties/{RM_PARTY}"));
        let body = b.text_of("body").await?;
        for key in KEYS {
            assert!(body.contains(text(key, "el")), "no Greek {key}: {body}");
        }
        assert!(body.contains("Πίνακας ελέγχου"), "{body}");
        let when = b.text_of("#timeline li:first-child .when").await?;
        assert!(when.starts_with("05/03/2026 09:30"), "{when}");
        b.screenshot(&shot_name(&s, "party-page-el")).await?;

        // The choice sticks on the next page.
        b.goto(&s.url("/parties")).await?;
        b.wait_for("#parties-table").await?;
        assert_eq!(js(&b, "return document.documentElement.lang").await?, "el");
        assert_eq!(b.text_of("h1").await?, text("parties.title", "el"));
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What a role may not do

#[tokio::test]
async fn a_viewer_cannot_open_the_new_party_form_or_log_interactions() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        sign_in(&b, &s, Viewer).await?;
        b.goto(&s.url("/parties")).await?;
        b.wait_for("#parties-table").await?;
        assert!(!exists(&b, "#new-party").await?);

        b.goto(&s.url("/parties/new")).await?;
        assert_eq!(b.text_of("h1").await?, text("error.forbidden", "en"));
        assert_eq!(
            b.text_of("#message").await?,
            text("error.forbidden_text", "en")
        );
        assert_eq!(status(&b).await?, 403);
        assert!(!exists(&b, "#party-form, form[action='/parties']").await?);

        for key in [RM_PARTY, OTHER_PARTY] {
            open_party(&b, &s, key).await?;
            assert_eq!(status(&b).await?, 200);
            for form in [
                "#interaction-form",
                "#case-form",
                "#survey-form",
                "#edit-party",
            ] {
                assert!(!exists(&b, form).await?, "a viewer sees {form} on {key}");
            }
        }
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

#[tokio::test]
async fn an_agent_cannot_open_the_users_admin_page() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        sign_in(&b, &s, Agent).await?;
        assert!(!exists(&b, "header.top nav a[href='/admin/users']").await?);

        b.goto(&s.url("/admin/users")).await?;
        assert_eq!(b.text_of("h1").await?, text("error.forbidden", "en"));
        assert_eq!(
            b.text_of("#message").await?,
            text("error.forbidden_text", "en")
        );
        assert_eq!(status(&b).await?, 403);
        assert!(!exists(&b, "#users-table").await?);
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Phones and keyboards

#[tokio::test]
async fn at_phone_width_pages_do_not_scroll_sideways_and_the_menu_works() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        // A long unbroken subject is the usual way a timeline pushes a page wider.
        let long = format!("Follow-up-{}", "x".repeat(80));
        seed_interaction(&s, "2026-02-01T10:00:00Z", &long).await;
        b.set_window_size(390, 844).await?;
        b.goto(&s.url("/login")).await?;
        b.wait_for("#login-email").await?;
        let width = js(&b, "return window.innerWidth").await?;
        assert_eq!(width, 390, "the page should be laid out for a phone");
        assert_no_horizontal_overflow(&b, "the login page").await?;

        sign_in(&b, &s, RelationshipManager).await?;
        let party_page = format!("/parties/{RM_PARTY}");
        for (page, shown) in [
            ("/", "#h-recent"),
            ("/parties", "#parties-table"),
            (party_page.as_str(), "#interaction-form"),
            ("/tasks", "main h1"),
            ("/duplicates", "main h1"),
            ("/settings", "main h1"),
        ] {
            b.goto(&s.url(page)).await?;
            b.wait_for(shown).await?;
            assert_no_horizontal_overflow(&b, page).await?;
        }
        open_party(&b, &s, RM_PARTY).await?;
        b.screenshot(&shot_name(&s, "party-page-phone")).await?;

        // Every link of the menu is on screen, and it takes the reader where it says.
        let off_screen = js(
            &b,
            "const w = window.innerWidth;
             return [...document.querySelectorAll('header.top nav a')]
               .filter(a => { const r = a.getBoundingClientRect();
                              return r.width === 0 || r.left < 0 || r.right > w + 1; })
               .map(a => a.getAttribute('href'));",
        )
        .await?;
        assert_eq!(off_screen, json!([]), "menu links off screen");
        b.click("header.top nav a[href='/parties']").await?;
        b.wait_for("#parties-table").await?;
        assert_eq!(path(&b).await?, "/parties");
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

/// Regression: the visually hidden labels of the users table's role selects are absolutely
/// placed, and escaped the table's scroller, so the whole page scrolled sideways on a phone.
#[tokio::test]
async fn at_phone_width_the_admin_pages_do_not_scroll_sideways() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        b.set_window_size(390, 844).await?;
        sign_in(&b, &s, Admin).await?;
        for (page, shown) in [
            ("/admin/users", "#users-table"),
            ("/audit", "#audit-table"),
            ("/parties/new", "main h1"),
        ] {
            b.goto(&s.url(page)).await?;
            b.wait_for(shown).await?;
            assert_no_horizontal_overflow(&b, page).await?;
        }
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

#[tokio::test]
async fn the_first_tab_focuses_the_skip_to_content_link() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        sign_in(&b, &s, RelationshipManager).await?;
        b.goto(&s.url("/parties")).await?;
        b.wait_for("#parties-table").await?;

        press(&b, TAB).await?;
        let focused = js(
            &b,
            "const e = document.activeElement; const r = e.getBoundingClientRect();
             return [e.className, e.getAttribute('href'), e.innerText, r.left >= 0 && r.width > 0];",
        )
        .await?;
        assert_eq!(
            focused,
            json!(["skip", "#main", text("nav.skip", "en"), true]),
            "the first Tab should show and focus the skip link"
        );
        press(&b, ENTER).await?;
        let focused = js(&b, "return document.activeElement.id").await?;
        assert_eq!(
            focused, "main",
            "Enter on the skip link moves to the content"
        );
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Portfolio and insights

#[tokio::test]
async fn a_manager_filters_the_portfolio_and_reads_the_insights() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        support::seed_orders_and_score(&s).await;
        sign_in(&b, &s, Manager).await?;
        b.click("header nav a[href='/portfolio']").await?;
        b.wait_for("#portfolio-table").await?;
        assert_eq!(b.text_of("#portfolio-total strong").await?, "82");

        // Weakest first by default; filter to one class, sorted by CLV.
        js(
            &b,
            "document.querySelector('#portfolio-class').value = 'churned';
             document.querySelector('#portfolio-sort').value = '-clv'; return true",
        )
        .await?;
        b.click("#portfolio-apply").await?;
        b.wait_for("#portfolio-class option[value='churned'][selected]")
            .await?;
        let classes = texts_of(&b, "#portfolio-table tbody td:nth-child(4)").await?;
        assert!(!classes.is_empty());
        assert!(classes.iter().all(|c| c == "Churned"), "{classes:?}");
        assert!(path(&b).await?.starts_with("/portfolio"));
        b.screenshot(&shot_name(&s, "portfolio")).await?;

        b.click("nav.subnav a[href='/insights/segments']").await?;
        b.wait_for("#segments-grid svg").await?;
        let cells = js(
            &b,
            "return document.querySelectorAll('#segments-grid rect.chart-cell').length",
        )
        .await?;
        assert_eq!(cells, json!(25));
        b.screenshot(&shot_name(&s, "segments")).await?;

        b.click("nav.subnav a[href='/insights/acquisition']")
            .await?;
        b.wait_for("#top-decile-table").await?;
        assert!(exists(&b, "#dimension-cohort-table").await?);
        assert!(exists(&b, "#acquisition-csv").await?);
        b.screenshot(&shot_name(&s, "acquisition")).await?;

        // On a phone the wide tables scroll inside their box, not the page.
        b.set_window_size(390, 844).await?;
        b.goto(&s.url("/insights/acquisition")).await?;
        b.wait_for("#top-decile-table").await?;
        assert_no_horizontal_overflow(&b, "the acquisition page").await?;
        b.goto(&s.url("/portfolio")).await?;
        b.wait_for("#portfolio-table").await?;
        assert_no_horizontal_overflow(&b, "the portfolio").await?;
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

/// The win-back flow: the manager reads the top reasons, opens the churned list, starts a
/// campaign on it with a control group, records an outcome, and reads the result.
#[tokio::test]
async fn a_winback_manager_runs_a_campaign_with_a_control_group() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        support::seed_orders_and_score(&s).await;
        support::seed_contracts(&s).await;
        sign_in(&b, &s, Manager).await?;
        b.goto(&s.url("/retention/reasons?from=2025-03-01&to=2025-03-31"))
            .await?;
        b.wait_for("#reasons-chart svg").await?;
        let first = texts_of(&b, "#reasons-table tbody tr:first-child td:nth-child(2) a").await?;
        assert_eq!(first, ["Price too high"]);
        b.screenshot(&shot_name(&s, "top-reasons")).await?;

        b.click("header nav a[href='/retention/lists/at-risk']")
            .await?;
        b.wait_for("#list-table").await?;
        b.screenshot(&shot_name(&s, "at-risk")).await?;
        b.click("#list-campaign").await?;
        b.wait_for("#campaign-form").await?;
        js(
            &b,
            "document.querySelector('#campaign-name').value = 'Browser win-back';
             document.querySelector('#campaign-control').value = '0.5';
             document.querySelector('#campaign-offer').value = 'Personal call';
             document.querySelector('#campaign-cost').value = '100.00'; return true",
        )
        .await?;
        b.click("#campaign-submit").await?;
        b.wait_for("#campaign-summary").await?;
        assert!(path(&b).await?.starts_with("/campaigns/"));
        let verdict = b.text_of("#campaign-verdict").await?;
        assert!(
            verdict.contains("95 %") || verdict.contains("No control group"),
            "{verdict}"
        );
        // Record an outcome for the first customer to call.
        js(
            &b,
            "const f = document.querySelector('#campaign-members form.attempt-form');
             f.querySelector('select').value = 'won_back';
             f.querySelector('input[name=note]').value = 'Accepted the offer'; return true",
        )
        .await?;
        b.click("#campaign-members form.attempt-form button")
            .await?;
        b.wait_for("#campaign-notice").await?;
        let won = js(
            &b,
            "return [...document.querySelectorAll('#campaign-summary div')]
               .find(d => d.querySelector('dt').textContent.startsWith('Won back')).querySelector('dd').textContent",
        )
        .await?;
        assert_eq!(won, json!("1"));
        b.screenshot(&shot_name(&s, "campaign")).await?;
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Screenshots of the main pages

#[tokio::test]
async fn screenshots_of_the_main_pages() -> Outcome {
    for s in servers().await {
        let Some(b) = browser_for(&s).await else {
            return Ok(());
        };
        seed_interaction(&s, "2026-03-05T09:30:00Z", "Quarterly review").await;
        b.goto(&s.url("/login")).await?;
        b.wait_for("#login-email").await?;
        b.screenshot(&shot_name(&s, "login")).await?;

        sign_in(&b, &s, Admin).await?;
        b.wait_for("#h-recent").await?;
        b.screenshot(&shot_name(&s, "dashboard")).await?;

        b.goto(&s.url("/parties")).await?;
        b.wait_for("#parties-table").await?;
        b.screenshot(&shot_name(&s, "parties-list")).await?;

        open_party(&b, &s, RM_PARTY).await?;
        b.wait_for("#timeline li").await?;
        b.screenshot(&shot_name(&s, "party-page")).await?;

        b.goto(&s.url("/admin/users")).await?;
        b.wait_for("#users-table").await?;
        assert_eq!(status(&b).await?, 200);
        b.screenshot(&shot_name(&s, "admin-users")).await?;

        b.goto(&s.url("/audit")).await?;
        b.wait_for("#audit-table tbody tr").await?;
        assert_eq!(status(&b).await?, 200);
        b.screenshot(&shot_name(&s, "audit-log")).await?;

        b.goto(&s.url("/api/docs")).await?;
        // Swagger UI has fetched the OpenAPI document once the operations are listed.
        b.wait_for("#swagger-ui .opblock").await?;
        b.screenshot(&shot_name(&s, "api-docs")).await?;
        b.close().await?;
        s.stop().await;
    }
    Ok(())
}
