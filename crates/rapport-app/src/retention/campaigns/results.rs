//! A campaign's result: who came back in the treated and the control group, the difference
//! with its interval, revenue, and cost per regained customer; overall, by reason and by offer.

use super::*;

/// The result of a group of members (the whole campaign, a reason, an offer).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupResult {
    pub key: Option<String>,
    pub treated: u64,
    pub control: u64,
    /// Members who bought or signed again since the start.
    pub returned_treated: u64,
    pub returned_control: u64,
    /// Treated minus control, with its 95 % interval (none when a group is empty).
    pub difference: Option<RateDifference>,
    pub won_back: u64,
    pub declined: u64,
    pub not_reachable: u64,
    pub no_answer: u64,
    /// Treated members without a final outcome.
    pub open: u64,
    /// Orders and new contracts of the treated since the start, minor units.
    pub revenue_treated_minor: i64,
    pub revenue_control_minor: i64,
}

impl GroupResult {
    fn new(key: Option<String>) -> GroupResult {
        GroupResult {
            key,
            treated: 0,
            control: 0,
            returned_treated: 0,
            returned_control: 0,
            difference: None,
            won_back: 0,
            declined: 0,
            not_reachable: 0,
            no_answer: 0,
            open: 0,
            revenue_treated_minor: 0,
            revenue_control_minor: 0,
        }
    }

    fn add(&mut self, m: &MemberResult) {
        let returned = m.orders > 0 || m.contracts > 0;
        let revenue = m.order_revenue_minor + m.contract_value_minor;
        if m.arm == "control" {
            self.control += 1;
            self.returned_control += u64::from(returned);
            self.revenue_control_minor += revenue;
            return;
        }
        self.treated += 1;
        self.returned_treated += u64::from(returned);
        self.revenue_treated_minor += revenue;
        match m.outcome.as_deref() {
            Some("won_back") => self.won_back += 1,
            Some("declined") => self.declined += 1,
            Some("not_reachable") => self.not_reachable += 1,
            _ => self.open += 1,
        }
    }

    fn finish(mut self) -> GroupResult {
        self.difference = rate_difference(
            self.returned_treated,
            self.treated,
            self.returned_control,
            self.control,
        );
        self
    }

    /// Revenue of the treated beyond what the control group's revenue per member predicts.
    pub fn incremental_revenue_minor(&self) -> Option<i64> {
        (self.control > 0).then(|| {
            let expected =
                self.revenue_control_minor as f64 / self.control as f64 * self.treated as f64;
            (self.revenue_treated_minor as f64 - expected).round() as i64
        })
    }

    /// Treated customers who came back beyond the control group's rate.
    pub fn incremental_customers(&self) -> Option<f64> {
        self.difference
            .map(|d| (d.treated - d.control) * self.treated as f64)
    }

    fn to_json(&self, digits: u32) -> Json {
        json!({
            "key": self.key,
            "treated": self.treated,
            "control": self.control,
            "returned_treated": self.returned_treated,
            "returned_control": self.returned_control,
            "winback_rate": self.difference.map(|d| d.treated),
            "control_rate": self.difference.map(|d| d.control),
            "lift": self.difference.map(|d| json!({"difference": d.difference, "low": d.low, "high": d.high})),
            "recorded": {"won_back": self.won_back, "declined": self.declined, "not_reachable": self.not_reachable, "no_answer": self.no_answer, "open": self.open},
            "revenue_regained": format_minor(self.revenue_treated_minor, digits),
            "revenue_control": format_minor(self.revenue_control_minor, digits),
            "incremental_revenue": self.incremental_revenue_minor().map(|v| format_minor(v, digits)),
        })
    }
}

/// A campaign's result overall, by reason and by offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub campaign: Campaign,
    pub overall: GroupResult,
    pub by_reason: Vec<GroupResult>,
    pub by_offer: Vec<GroupResult>,
}

impl Results {
    /// The campaign's cost per customer who came back, and per customer beyond the control
    /// group's rate (none when that is not positive).
    pub fn cost_per_returned_minor(&self) -> (Option<i64>, Option<i64>) {
        let cost = self.campaign.cost_minor as f64;
        let per = |n: f64| (n > 0.0).then(|| (cost / n).round() as i64);
        (
            per(self.overall.returned_treated as f64),
            self.overall.incremental_customers().and_then(per),
        )
    }

    pub fn to_json(&self) -> Json {
        let digits = currency_digits(&self.campaign.currency);
        let (per_returned, per_incremental) = self.cost_per_returned_minor();
        let mut overall = self.overall.to_json(digits);
        overall["cost"] = json!(format_minor(self.campaign.cost_minor, digits));
        overall["cost_per_returned"] = json!(per_returned.map(|v| format_minor(v, digits)));
        overall["cost_per_incremental"] = json!(per_incremental.map(|v| format_minor(v, digits)));
        json!({
            "campaign": self.campaign.to_json(),
            "overall": overall,
            "by_reason": self.by_reason.iter().map(|g| g.to_json(digits)).collect::<Vec<_>>(),
            "by_offer": self.by_offer.iter().map(|g| g.to_json(digits)).collect::<Vec<_>>(),
        })
    }
}

/// The campaign's result now.
pub async fn results(tx: &mut Tx, key: &str) -> Result<Results, RecordError> {
    let campaign = find(tx, key).await?;
    let members = tx
        .campaign_results(campaign.id, campaign.created_at)
        .await?;
    let mut overall = GroupResult::new(None);
    let mut by_reason: BTreeMap<Option<String>, GroupResult> = BTreeMap::new();
    let mut by_offer: BTreeMap<Option<String>, GroupResult> = BTreeMap::new();
    for m in &members {
        overall.add(m);
        by_reason
            .entry(m.reason_code.clone())
            .or_insert_with(|| GroupResult::new(m.reason_code.clone()))
            .add(m);
        by_offer
            .entry(m.offer.clone())
            .or_insert_with(|| GroupResult::new(m.offer.clone()))
            .add(m);
    }
    let sorted = |m: BTreeMap<Option<String>, GroupResult>| {
        let mut v: Vec<GroupResult> = m.into_values().map(GroupResult::finish).collect();
        v.sort_by(|a, b| {
            (b.treated + b.control)
                .cmp(&(a.treated + a.control))
                .then(a.key.cmp(&b.key))
        });
        v
    };
    Ok(Results {
        campaign,
        overall: overall.finish(),
        by_reason: sorted(by_reason),
        by_offer: sorted(by_offer),
    })
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The result as text for the command line.
pub fn results_text(r: &Results) -> String {
    let c = &r.campaign;
    let digits = currency_digits(&c.currency);
    let o = &r.overall;
    let money = |m: i64| format!("{} {}", format_minor(m, digits), c.currency);
    let mut out = format!(
        "{} ({}, {} list, started {}): {} contacted, {} held out\n",
        c.name,
        c.status,
        c.list,
        c.created_at.date_naive(),
        o.treated,
        o.control
    );
    out.push_str(&format!(
        "came back (bought or signed again): {} of {} contacted ({}), {} of {} held out ({})\n",
        o.returned_treated,
        o.treated,
        pct(o.difference.map(|d| d.treated)),
        o.returned_control,
        o.control,
        pct(o.difference.map(|d| d.control)),
    ));
    match o.difference {
        Some(d) => out.push_str(&format!(
            "difference {:+.1} points, 95 % interval {:+.1} to {:+.1}{}\n",
            d.difference * 100.0,
            d.low * 100.0,
            d.high * 100.0,
            if d.low > 0.0 {
                ": the campaign won customers back"
            } else {
                ": not distinguishable from what happens anyway (yet)"
            }
        )),
        None => out.push_str(
            "no control group: the win-back rate cannot be compared with what happens anyway\n",
        ),
    }
    out.push_str(&format!(
        "recorded outcomes: {} won back, {} declined, {} not reachable, {} open\n",
        o.won_back, o.declined, o.not_reachable, o.open
    ));
    out.push_str(&format!(
        "revenue regained: {}",
        money(o.revenue_treated_minor)
    ));
    if let Some(inc) = o.incremental_revenue_minor() {
        out.push_str(&format!(
            " ({} beyond the control group's rate)",
            money(inc)
        ));
    }
    out.push('\n');
    let (per, per_inc) = r.cost_per_returned_minor();
    out.push_str(&format!(
        "cost {}; per customer who came back {}; per customer beyond the control group {}\n",
        money(c.cost_minor),
        per.map_or_else(|| "-".into(), money),
        per_inc.map_or_else(|| "-".into(), money)
    ));
    for (title, groups) in [("by reason", &r.by_reason), ("by offer", &r.by_offer)] {
        out.push_str(&format!("\n{title}:\n"));
        for g in groups.iter() {
            out.push_str(&format!(
                "  {:<40} {:>5} contacted {:>7}  {:>5} held out {:>7}\n",
                g.key
                    .as_deref()
                    .unwrap_or("(none)")
                    .chars()
                    .take(40)
                    .collect::<String>(),
                g.treated,
                pct(g.difference.map(|d| d.treated)),
                g.control,
                pct(g.difference.map(|d| d.control)),
            ));
        }
    }
    out
}
