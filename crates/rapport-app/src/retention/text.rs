//! The retention reports as plain-text tables for the command line.

use rapport_domain::{Currency, format_minor};
use rapport_store::UncontactedContract;

use super::remorse::{Rate, Remorse};
use super::top::TopReasons;

fn money(minor: i64, currency: Option<&str>) -> String {
    let digits = currency
        .and_then(|c| Currency::parse(c).ok())
        .map_or(2, |c| c.minor_digits());
    format_minor(minor, digits)
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn rate(r: Rate) -> String {
    r.rate().map_or_else(|| "-".into(), percent)
}

/// The top reasons as a table: rank, reason, count, share, cumulative share, previous period,
/// revenue lost, CLV at stake.
pub fn top_text(t: &TopReasons) -> String {
    let q = &t.query;
    let currency = t.currency.as_deref();
    let mut out = format!(
        "Top cancellation reasons ({}), {} to {}: {} contracts ended; previous period {} to {}: {}\n",
        q.ended.code(),
        q.from,
        q.to,
        t.contracts,
        t.previous_from,
        t.previous_to,
        t.previous_contracts
    );
    if let Some(c) = currency {
        out.push_str(&format!(
            "Revenue lost: {} {c}\n",
            money(t.revenue_lost_minor, currency)
        ));
    }
    if let Some(run) = &t.run {
        out.push_str(&format!(
            "CLV at stake from the score run of {}\n",
            run.as_of
        ));
    }
    out.push('\n');
    if t.reasons.is_empty() {
        out.push_str("No contract was cancelled or withdrawn in this period.\n");
        return out;
    }
    out.push_str(&format!(
        "{:>2}  {:<36} {:>7} {:>7} {:>7} {:>8} {:>14} {:>14}\n",
        "#", "reason", "count", "share", "cum.", "previous", "revenue lost", "CLV at stake"
    ));
    for (i, l) in t.top().iter().enumerate() {
        let label: String = l.reason.label("en").chars().take(36).collect();
        out.push_str(&format!(
            "{:>2}  {:<36} {:>7} {:>7} {:>7} {:>8} {:>14} {:>14}\n",
            i + 1,
            label,
            l.count,
            percent(l.share),
            percent(l.cumulative_share),
            l.previous_count,
            money(l.revenue_lost_minor, currency),
            l.clv_at_stake
                .map_or_else(|| "-".into(), |v| format!("{v:.2}")),
        ));
    }
    let (n, count, revenue) = t.rest();
    if n > 0 {
        out.push_str(&format!(
            "    {:<36} {:>7} {:>7} {:>7} {:>8} {:>14}\n",
            format!("{n} more reasons"),
            count,
            percent(if t.contracts > 0 {
                count as f64 / t.contracts as f64
            } else {
                0.0
            }),
            "",
            "",
            money(revenue, currency),
        ));
    }
    for c in &t.other_currencies {
        out.push_str(&format!(
            "Also {} contracts in {} ({} {}), not in the revenue above\n",
            c.contracts,
            c.currency,
            money(c.value_minor, Some(&c.currency)),
            c.currency
        ));
    }
    out
}

/// The withdrawal rates as tables.
pub fn remorse_text(r: &Remorse) -> String {
    let q = &r.query;
    let mut out = format!(
        "Withdrawals of the contracts signed {} to {}: {} of {} ({}); {} still inside their withdrawal period are not counted\n\n",
        q.from,
        q.to,
        r.overall.withdrawn,
        r.overall.contracts,
        rate(r.overall),
        r.open
    );
    let table = |out: &mut String, title: &str, rows: Vec<(String, Rate)>| {
        out.push_str(&format!(
            "{:<32} {:>9} {:>9} {:>7}\n",
            title, "contracts", "withdrawn", "rate"
        ));
        for (name, x) in rows {
            let name: String = name.chars().take(32).collect();
            out.push_str(&format!(
                "{:<32} {:>9} {:>9} {:>7}\n",
                name,
                x.contracts,
                x.withdrawn,
                rate(x)
            ));
        }
        out.push('\n');
    };
    table(
        &mut out,
        "signing to delivery (days)",
        r.by_gap
            .iter()
            .map(|(g, x)| (g.code().to_string(), *x))
            .collect(),
    );
    table(
        &mut out,
        "product",
        r.by_product
            .iter()
            .map(|p| {
                (
                    p.sku.clone().unwrap_or_else(|| "(no product)".into()),
                    p.rate,
                )
            })
            .collect(),
    );
    table(
        &mut out,
        "acquisition channel",
        r.by_channel
            .iter()
            .map(|(c, x)| (c.clone().unwrap_or_else(|| "(unknown)".into()), *x))
            .collect(),
    );
    out
}

/// The call list as a table.
pub fn call_list_text(rows: &[UncontactedContract]) -> String {
    if rows.is_empty() {
        return "Nobody to call: every contract inside its withdrawal period has had contact since signing.\n".into();
    }
    let mut out = format!(
        "{} contracts inside their withdrawal period with no contact since signing, the nearest deadline first:\n\n{:<12} {:<28} {:<18} {:<12} {:>12} {:<10} {:<10}\n",
        rows.len(),
        "deadline",
        "customer",
        "phone",
        "product",
        "value",
        "signed",
        "contract"
    );
    for c in rows {
        let name: String = c.party_name.chars().take(28).collect();
        out.push_str(&format!(
            "{:<12} {:<28} {:<18} {:<12} {:>12} {:<10} {:<10}\n",
            c.withdrawal_deadline.date_naive().to_string(),
            name,
            c.phone.as_deref().unwrap_or("-"),
            c.sku.as_deref().unwrap_or("-"),
            format!("{} {}", money(c.value_minor, Some(&c.currency)), c.currency),
            c.signed_at.date_naive().to_string(),
            c.external_id
        ));
    }
    out
}

/// A win-back list as a table: value, customer, reasons.
pub fn list_text(p: &super::lists::ListPage) -> String {
    let what = if p.query.list == super::lists::CHURNED {
        "churned"
    } else {
        "at risk"
    };
    let mut out = format!(
        "{} customers {what}{}; the most valuable first\n\n",
        p.total,
        p.refreshed_at
            .map(|t| format!(" (list of {})", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_else(|| {
                " (the list has not been built yet: run `rapport score`, or pass --refresh)".into()
            })
    );
    if p.rows.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "{:>12}  {:<12} {:<30} {}\n",
        "value", "id", "customer", "reasons"
    ));
    for r in &p.rows {
        let codes: Vec<String> = r
            .entry
            .reasons
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let code = x["code"].as_str().unwrap_or_default();
                match x["params"]["reason"].as_str() {
                    Some(reason) => format!("{code} ({reason})"),
                    None => code.to_string(),
                }
            })
            .collect();
        let name: String = r.name.chars().take(30).collect();
        out.push_str(&format!(
            "{:>12.2}  {:<12} {:<30} {}\n",
            r.entry.value,
            r.external_id,
            name,
            codes.join(", ")
        ));
    }
    out
}
