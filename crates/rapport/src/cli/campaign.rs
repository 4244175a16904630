//! `rapport campaign`: win-back campaigns from the command line: start one on a list, list
//! them, read a result, import contact outcomes from a CSV file, export the members, close.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::Subcommand;
use rapport_app::records::{RecordError, Writing};
use rapport_app::retention::campaigns::{self, Attempt, OUTCOMES};
use rapport_store::MemberQuery;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Start a campaign on a win-back list (or a filter of it): a random control group is held
    /// out; each treated customer gets the offer for their reason and a task for their
    /// relationship manager.
    Create {
        #[arg(long)]
        name: String,
        /// at-risk or churned.
        #[arg(long)]
        list: String,
        /// The list's filters as a query string, e.g. "reason=price_too_high&min_value=100".
        #[arg(long, default_value = "")]
        filter: String,
        /// The share held out as the control group, 0 to 0.5.
        #[arg(long, default_value_t = 0.2)]
        control_share: f64,
        /// An offer per reason, CODE=TEXT (repeatable; `*=TEXT` for the rest).
        #[arg(long = "offer")]
        offers: Vec<String>,
        /// The campaign's cost (for the cost per regained customer).
        #[arg(long, default_value = "0")]
        cost: String,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Days until the callers' tasks are due.
        #[arg(long, default_value_t = 14)]
        due_days: u64,
        #[arg(long)]
        json: bool,
    },
    /// The campaigns, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A campaign's result: win-back rate against the control group, revenue, cost per
    /// regained customer, by reason and offer.
    Show {
        /// The campaign's name or id.
        campaign: String,
        #[arg(long)]
        json: bool,
    },
    /// Record contact attempts from a CSV file with the columns party, outcome, at (optional)
    /// and note (optional): all of them, or none when one is refused.
    Outcomes { campaign: String, file: PathBuf },
    /// Write the campaign's members with their arm, offer and outcome to a CSV file.
    Export {
        campaign: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Close a campaign: no more attempts; open tasks are cancelled.
    Close { campaign: String },
}

fn refused(e: RecordError, line: Option<usize>) -> anyhow::Result<ExitCode> {
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    match e {
        RecordError::Invalid(errors) => {
            for e in errors {
                eprintln!(
                    "error: {at}{}{}: {}",
                    e.column.as_deref().unwrap_or("input"),
                    e.value.map(|v| format!(" {v}")).unwrap_or_default(),
                    e.reason
                );
            }
            Ok(ExitCode::from(2))
        }
        RecordError::Store(s) => Err(s.into()),
        other => {
            eprintln!("error: {at}{other}");
            Ok(ExitCode::from(2))
        }
    }
}

pub async fn run(db: &str, org: &str, cmd: CampaignCommand) -> anyhow::Result<ExitCode> {
    let (store, org) = super::open(db, org).await?;
    let who = Writing {
        actor: None,
        source: "cli".into(),
        now: Utc::now(),
    };
    match cmd {
        CampaignCommand::Create {
            name,
            list,
            filter,
            control_share,
            offers,
            cost,
            currency,
            due_days,
            json: as_json,
        } => {
            let mut offer_map = serde_json::Map::new();
            for o in &offers {
                let Some((code, text)) = o.split_once('=') else {
                    eprintln!("error: --offer {o}: write CODE=TEXT");
                    return Ok(ExitCode::from(2));
                };
                offer_map.insert(code.trim().to_string(), json!(text.trim()));
            }
            let body = json!({
                "name": name, "list": list, "query": filter, "control_share": control_share,
                "offers": offer_map, "cost": cost, "currency": currency, "due_days": due_days,
            });
            let new = match campaigns::parse_new(&body) {
                Ok(n) => n,
                Err(e) => return refused(e, None),
            };
            match campaigns::create(&store, org.id, &new, &who).await {
                Ok((c, treated, control)) if as_json => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &json!({"campaign": c.to_json(), "treatment": treated, "control": control})
                        )?
                    );
                }
                Ok((c, treated, control)) => println!(
                    "campaign {} started on the {} list: {treated} customers to contact, {control} held out as the control group",
                    c.name, c.list
                ),
                Err(e) => return refused(e, None),
            }
        }
        CampaignCommand::List { json: as_json } => {
            let mut tx = store.begin_read(org.id).await?;
            let all = campaigns::all(&mut tx).await;
            tx.rollback().await?;
            let all = all?;
            if as_json {
                let items: Vec<_> = all.iter().map(|c| c.to_json()).collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "items": items }))?
                );
            } else if all.is_empty() {
                println!("no campaigns yet: rapport campaign create --name NAME --list churned");
            } else {
                for c in &all {
                    println!(
                        "{}  {:<8} {:<9} {}",
                        c.created_at.date_naive(),
                        c.status,
                        c.list,
                        c.name
                    );
                }
            }
        }
        CampaignCommand::Show {
            campaign,
            json: as_json,
        } => {
            let mut tx = store.begin_read(org.id).await?;
            let r = campaigns::results(&mut tx, &campaign).await;
            tx.rollback().await?;
            let r = match r {
                Ok(r) => r,
                Err(e) => return refused(e, None),
            };
            if as_json {
                println!("{}", serde_json::to_string_pretty(&r.to_json())?);
            } else {
                print!("{}", campaigns::results_text(&r));
            }
        }
        CampaignCommand::Outcomes { campaign, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let attempts = match read_outcomes(&text, who.now) {
                Ok(a) => a,
                Err(errors) => {
                    for e in errors {
                        eprintln!("error: {}: {e}", file.display());
                    }
                    return Ok(ExitCode::from(2));
                }
            };
            match campaigns::record_attempts(&store, org.id, &campaign, &attempts, &who).await {
                Ok(()) => println!(
                    "recorded {} contact attempts for {campaign}",
                    attempts.len()
                ),
                Err((line, e)) => {
                    eprintln!("nothing was recorded:");
                    return refused(e, (line > 0).then_some(line + 1));
                }
            }
        }
        CampaignCommand::Export { campaign, out } => {
            let mut tx = store.begin_read(org.id).await?;
            let c = match campaigns::get(&mut tx, &campaign).await {
                Ok(c) => c,
                Err(e) => {
                    tx.rollback().await?;
                    return refused(e, None);
                }
            };
            let q = MemberQuery {
                campaign: c.id,
                limit: campaigns::MAX_MEMBERS,
                ..MemberQuery::default()
            };
            let found = campaigns::members(&mut tx, &q).await;
            tx.rollback().await?;
            let (rows, _) = found?;
            std::fs::write(&out, campaigns::members_csv(&rows))
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
            println!(
                "wrote {} members of {} to {}",
                rows.len(),
                c.name,
                out.display()
            );
        }
        CampaignCommand::Close { campaign } => {
            match campaigns::close(&store, org.id, &campaign, &who).await {
                Ok(c) => println!("campaign {} closed", c.name),
                Err(e) => return refused(e, None),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The attempts of an outcomes file (header: party, outcome, at, note), or every line's
/// problem.
fn read_outcomes(text: &str, now: chrono::DateTime<Utc>) -> Result<Vec<Attempt>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => return Err(vec![format!("line 1: {e}")]),
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(party), Some(outcome)) = (col("party"), col("outcome")) else {
        return Err(vec![
            "line 1: the header needs the columns party and outcome".into(),
        ]);
    };
    let (at, note) = (col("at"), col("note"));
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or_default().to_string();
        let o = get(Some(outcome));
        if !OUTCOMES.contains(&o.as_str()) {
            errors.push(format!(
                "line {line}: outcome '{o}' must be one of {}",
                OUTCOMES.join(", ")
            ));
        }
        let p = get(Some(party));
        if p.is_empty() {
            errors.push(format!("line {line}: party is required"));
        }
        let when = match get(at) {
            s if s.is_empty() => now,
            s => match rapport_domain::parse_timestamp(&s) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!("line {line}: at '{s}': {e}"));
                    now
                }
            },
        };
        let n = get(note);
        out.push(Attempt {
            party: p,
            outcome: o,
            at: when,
            note: (!n.is_empty()).then_some(n),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
