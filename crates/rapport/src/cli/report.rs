//! `rapport report`: the insight reports of the latest score run, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use rapport_app::insights::{self, DEFAULT_MIN_DROP, report};
use rapport_store::Tx;

use super::retention;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    #[command(flatten)]
    Insight(InsightReport),
    /// The top ten reasons for cancellations and withdrawals in a period: count, share,
    /// cumulative share, revenue lost, the CLV of the customers behind them, and the count in
    /// the previous period of equal length.
    TopCancellationReasons(retention::TopArgs),
    /// Buyer's remorse: the withdrawal rate of the contracts signed in a period, by
    /// signing-to-delivery gap, product and acquisition channel.
    Remorse(retention::RemorseArgs),
    /// Contracts inside their withdrawal period whose customer nobody has contacted since
    /// signing: the people to call today, the nearest deadline first.
    CallToday(retention::CallArgs),
    /// Customers at risk of leaving (low P(alive), a health drop, a falling purchase rate, open
    /// complaints, a contract ending with no renewal talk, a detractor's answer), with the
    /// reasons and the CLV at stake, most valuable first.
    AtRisk(retention::ListArgs),
    /// Customers who left (every contract cancelled or withdrawn lately, or no purchase for a
    /// year), with the reason and the value lost.
    Churned(retention::ListArgs),
}

/// The reports of the latest score run.
#[derive(Debug, Subcommand)]
pub enum InsightReport {
    /// The segment overview: each RFM segment's size, health, P(alive) and CLV, and the
    /// recency × frequency grid.
    Segments(Format),
    /// Acquisition insights: counts, retention and CLV by acquisition channel, segment,
    /// industry, country and first-purchase cohort, and the profile of the top-decile customers.
    Acquisition {
        #[command(flatten)]
        format: Format,
        /// Also write one CSV row per group to this file (for sales and advertising).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Customers whose health fell most since the previous run, the most valuable first.
    NeedsAttention {
        #[command(flatten)]
        format: Format,
        /// Health points lost since the previous run.
        #[arg(long, default_value_t = DEFAULT_MIN_DROP)]
        min_drop: f64,
        /// Only the parties this user (e-mail) owns.
        #[arg(long)]
        owner: Option<String>,
        /// How many customers at most.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
pub struct Format {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(db: &str, org: &str, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let (store, org) = super::open(db, org).await?;
    let mut tx = store.begin_read(org.id).await?;
    let cmd = match cmd {
        ReportCommand::TopCancellationReasons(args) => return retention::top(tx, args).await,
        ReportCommand::Remorse(args) => return retention::remorse(tx, args).await,
        ReportCommand::CallToday(args) => return retention::call_today(tx, args).await,
        ReportCommand::AtRisk(args) => {
            return retention::list(&store, org.id, tx, "at_risk", args).await;
        }
        ReportCommand::Churned(args) => {
            return retention::list(&store, org.id, tx, "churned", args).await;
        }
        ReportCommand::Insight(cmd) => cmd,
    };
    let Some(run) = insights::latest_run(&mut tx).await? else {
        tx.rollback().await?;
        eprintln!("error: there is no score run yet; run `rapport score` first");
        return Ok(ExitCode::FAILURE);
    };
    let out = match cmd {
        InsightReport::NeedsAttention {
            format,
            min_drop,
            owner,
            limit,
        } => {
            if !min_drop.is_finite() || min_drop < 0.0 {
                eprintln!("error: --min-drop must be a number of health points, 0 or more");
                return Ok(ExitCode::from(2));
            }
            let Ok(owner) = owner_id(&mut tx, owner.as_deref()).await? else {
                return Ok(ExitCode::from(2));
            };
            let limit = limit.clamp(1, 100_000);
            let Some(page) = insights::needs_attention(&mut tx, min_drop, owner, 0, limit).await?
            else {
                return Ok(ExitCode::FAILURE);
            };
            if format.json {
                serde_json::to_string_pretty(&page.to_json(0))?
            } else {
                report::attention_text(&page, min_drop)
            }
        }
        InsightReport::Segments(format) => {
            let Some(i) = stored(&run) else {
                return Ok(ExitCode::FAILURE);
            };
            if format.json {
                serde_json::to_string_pretty(&report::segments_json(&run, &i))?
            } else {
                report::segments_text(&run, &i)
            }
        }
        InsightReport::Acquisition { format, csv } => {
            let Some(i) = stored(&run) else {
                return Ok(ExitCode::FAILURE);
            };
            if let Some(path) = csv {
                std::fs::write(&path, report::acquisition_csv(&i))
                    .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            }
            if format.json {
                serde_json::to_string_pretty(&report::acquisition_json(&run, &i))?
            } else {
                report::acquisition_text(&run, &i)
            }
        }
    };
    tx.rollback().await?;
    print!("{out}");
    if !out.ends_with('\n') {
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// The insights stored with the run, or a message why there are none.
fn stored(run: &rapport_store::ScoreRun) -> Option<insights::Insights> {
    let found = report::of_run(run);
    if found.is_none() {
        eprintln!(
            "error: the score run of {} holds no insights; run `rapport score` again",
            run.as_of
        );
    }
    found
}

/// The user id of `--owner EMAIL`; `Err` (after saying so) when no user has it.
pub(super) async fn owner_id(
    tx: &mut Tx,
    email: Option<&str>,
) -> anyhow::Result<Result<Option<uuid::Uuid>, ()>> {
    let Some(email) = email else {
        return Ok(Ok(None));
    };
    let users = tx.list_users().await?;
    Ok(
        match users
            .iter()
            .find(|u| u.email.as_str().eq_ignore_ascii_case(email.trim()))
        {
            Some(u) => Ok(Some(u.id.as_uuid())),
            None => {
                eprintln!("error: --owner: no user has the e-mail address {email}");
                Err(())
            }
        },
    )
}
