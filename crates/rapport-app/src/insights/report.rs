//! The insight reports as JSON, as plain-text tables (`rapport report`) and the acquisition
//! insights as CSV for sales and advertising.

use std::fmt::Write as _;

use rapport_store::ScoreRun;
use serde_json::{Value, json};

use super::portfolio::run_json;
use super::{Dimension, Group, Insights, OTHER, Portfolio, UNKNOWN};

/// The insights stored with a run; `None` for a run without them.
pub fn of_run(run: &ScoreRun) -> Option<Insights> {
    serde_json::from_value(run.insights.clone()).ok()
}

/// `{"run", "customers", "segments": [...], "grid": [...]}`.
pub fn segments_json(run: &ScoreRun, i: &Insights) -> Value {
    json!({
        "run": run_json(run),
        "customers": i.customers,
        "segments": i.segments,
        "grid": i.grid,
    })
}

/// `{"run", "customers", "value_measure", "dimensions": [...], "top_decile": {...}}`.
pub fn acquisition_json(run: &ScoreRun, i: &Insights) -> Value {
    json!({
        "run": run_json(run),
        "customers": i.customers,
        "value_measure": i.value_measure,
        "dimensions": i.acquisition,
        "top_decile": i.top_decile,
    })
}

/// The columns of the acquisition CSV.
pub const CSV_HEADER: &str = "dimension,value,customers,share,repeat_rate,mean_p_alive,churned_share,mean_health,mean_clv,total_clv,top_decile_customers,top_decile_lift";

/// One row per group of every dimension, with the header.
pub fn acquisition_csv(i: &Insights) -> String {
    let mut out = String::with_capacity(64 * 128);
    out.push_str(CSV_HEADER);
    out.push('\n');
    for d in &i.acquisition {
        for g in &d.groups {
            let opt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{},{},{},{:.4},{:.4},{},{:.4},{:.2},{},{},{},{:.3}",
                d.dimension,
                csv_field(&group_label(&g.value)),
                g.customers,
                g.share,
                g.repeat_rate,
                opt(g.mean_p_alive),
                g.churned_share,
                g.mean_health,
                opt(g.mean_clv),
                opt(g.total_clv),
                g.top_decile,
                g.lift,
            );
        }
    }
    out
}

/// A group's value as plain text: "(unknown)" and "(other)" for the two special groups.
pub fn group_label(value: &str) -> String {
    match value {
        UNKNOWN => "(unknown)".to_string(),
        OTHER => "(other)".to_string(),
        v => v.to_string(),
    }
}

/// Quotes a CSV field when it holds a delimiter, quote or line break; a leading =, +, - or @
/// gets a quote mark first so spreadsheets do not run it as a formula.
fn csv_field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn money(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into())
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn heading(run: &ScoreRun, what: &str, customers: u64) -> String {
    format!(
        "{what} of the score run of {} ({customers} customers{})\n\n",
        run.as_of,
        run.currency
            .as_deref()
            .map(|c| format!(", money in {c}"))
            .unwrap_or_default()
    )
}

/// The segment overview as text.
pub fn segments_text(run: &ScoreRun, i: &Insights) -> String {
    let mut out = heading(run, "Segments", i.customers);
    let _ = writeln!(
        out,
        "{:<20} {:>10} {:>7} {:>7} {:>9} {:>12} {:>14} {:>10}",
        "segment", "customers", "share", "health", "P(alive)", "mean CLV", "total CLV", "CLV share"
    );
    for s in &i.segments {
        let _ = writeln!(
            out,
            "{:<20} {:>10} {:>7} {:>7} {:>9} {:>12} {:>14} {:>10}",
            s.segment,
            s.customers,
            percent(Some(s.share)),
            s.mean_health
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "-".into()),
            percent(s.mean_p_alive),
            money(s.mean_clv),
            money(s.total_clv),
            percent(s.clv_share),
        );
    }
    out.push_str("\nCustomers by RFM recency (rows, 5 = most recent) and frequency (columns):\n");
    let _ = writeln!(
        out,
        "{:>6} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "", "F1", "F2", "F3", "F4", "F5"
    );
    for r in (1..=5u8).rev() {
        let _ = write!(out, "{:>6}", format!("R{r}"));
        for f in 1..=5u8 {
            let n = i
                .grid
                .iter()
                .find(|c| c.r == r && c.f == f)
                .map_or(0, |c| c.customers);
            let _ = write!(out, " {n:>9}");
        }
        out.push('\n');
    }
    out
}

/// The acquisition insights as text: one table per dimension, then the top-decile profile.
pub fn acquisition_text(run: &ScoreRun, i: &Insights) -> String {
    let mut out = heading(run, "Acquisition insights", i.customers);
    for d in &i.acquisition {
        dimension_text(&mut out, d);
    }
    let t = &i.top_decile;
    let _ = writeln!(
        out,
        "Top decile by {}: {} customers from {} up, {} of the total",
        if i.value_measure == "clv" {
            "12-month CLV"
        } else {
            "spend"
        },
        t.customers,
        money(Some(t.threshold)),
        percent(Some(t.value_share))
    );
    let _ = writeln!(out, "{:<24} {:>12} {:>12}", "", "top decile", "all");
    let rows: [(&str, String, String); 6] = [
        (
            "mean value",
            money(Some(t.top.mean_value)),
            money(Some(t.all.mean_value)),
        ),
        (
            "repeat purchases",
            format!("{:.2}", t.top.mean_frequency),
            format!("{:.2}", t.all.mean_frequency),
        ),
        (
            "spend",
            money(Some(t.top.mean_spend)),
            money(Some(t.all.mean_spend)),
        ),
        (
            "tenure (weeks)",
            format!("{:.1}", t.top.mean_tenure_weeks),
            format!("{:.1}", t.all.mean_tenure_weeks),
        ),
        (
            "health",
            format!("{:.1}", t.top.mean_health),
            format!("{:.1}", t.all.mean_health),
        ),
        (
            "P(alive)",
            percent(t.top.mean_p_alive),
            percent(t.all.mean_p_alive),
        ),
    ];
    for (label, top, all) in rows {
        let _ = writeln!(out, "{label:<24} {top:>12} {all:>12}");
    }
    out.push_str(
        "\nOver-represented in the top decile (lift = share of the top decile / share of all):\n",
    );
    for d in &i.acquisition {
        let over: Vec<String> = over_represented(d)
            .iter()
            .map(|g| format!("{} ×{:.2}", group_label(&g.value), g.lift))
            .collect();
        if !over.is_empty() {
            let _ = writeln!(out, "  {:<10} {}", d.dimension, over.join(", "));
        }
    }
    out
}

/// The groups of a dimension over-represented among the top-decile customers, strongest
/// first: lift above 1.1 with at least 5 of them in the top decile, the special groups left out.
pub fn over_represented(d: &Dimension) -> Vec<&Group> {
    let mut over: Vec<&Group> = d
        .groups
        .iter()
        .filter(|g| g.lift > 1.1 && g.top_decile >= 5 && g.value != UNKNOWN && g.value != OTHER)
        .collect();
    over.sort_by(|a, b| b.lift.total_cmp(&a.lift).then(a.value.cmp(&b.value)));
    over.truncate(5);
    over
}

fn dimension_text(out: &mut String, d: &Dimension) {
    let _ = writeln!(out, "By {}:", d.dimension);
    let _ = writeln!(
        out,
        "  {:<24} {:>10} {:>7} {:>8} {:>9} {:>8} {:>7} {:>12} {:>7}",
        "", "customers", "share", "repeat", "P(alive)", "churned", "health", "mean CLV", "lift"
    );
    for g in &d.groups {
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>7} {:>8} {:>9} {:>8} {:>7.1} {:>12} {:>7.2}",
            group_label(&g.value),
            g.customers,
            percent(Some(g.share)),
            percent(Some(g.repeat_rate)),
            percent(g.mean_p_alive),
            percent(Some(g.churned_share)),
            g.mean_health,
            money(g.mean_clv),
            g.lift,
        );
    }
    out.push('\n');
}

/// The needs-attention list as text.
pub fn attention_text(p: &Portfolio, min_drop: f64) -> String {
    let mut out = format!(
        "Needs attention: health fell by {min_drop} points or more since the previous run, most valuable first (score run of {}, {} customers)\n\n",
        p.run.as_of, p.total
    );
    if p.entries.is_empty() {
        out.push_str(
            "Nobody: no health fell that far (or there is no earlier run to compare with).\n",
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{:<16} {:<28} {:>7} {:>7} {:<9} {:>12} {:<24}",
        "external id", "name", "health", "change", "class", "CLV", "owner"
    );
    for e in &p.entries {
        let r = &e.row;
        let _ = writeln!(
            out,
            "{:<16} {:<28} {:>7.1} {:>7} {:<9} {:>12} {:<24}",
            r.external_id,
            r.name.chars().take(28).collect::<String>(),
            r.health,
            e.drop().map(|d| format!("{:+.1}", -d)).unwrap_or_default(),
            r.class,
            money(r.clv),
            e.owner_email.as_deref().unwrap_or("-"),
        );
    }
    out
}
