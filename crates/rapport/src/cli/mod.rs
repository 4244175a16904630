//! The commands and their flags (clap), and the dispatch to each command's module.

mod analytics;
mod campaign;
mod data;
mod demo;
mod progress;
mod report;
mod retention;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rapport_domain::{Org, OrgId};
use rapport_store::Store;
use uuid::Uuid;

/// Rapport: measure, explain and act on your company's relationships with customers, partners
/// and suppliers.
#[derive(Debug, Parser)]
#[command(name = "rapport", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database URL: sqlite://FILE (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "RAPPORT_DATABASE_URL",
        default_value = "sqlite://rapport.db"
    )]
    pub db: String,
    /// The org (company) to work in; created on first use.
    #[arg(long, global = true, env = "RAPPORT_ORG", default_value = "default")]
    pub org: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the schema and the first admin user; prints the admin's password once.
    Init {
        /// E-mail of the first admin.
        #[arg(long, default_value = "admin@rapport.localhost")]
        admin_email: String,
        /// Name of the first admin.
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
    },
    /// Import a CSV file (or a transaction log, for orders).
    #[command(after_long_help = data::IMPORT_HELP)]
    Import(data::ImportArgs),
    /// Export every record of a kind as CSV, in the format `import` reads.
    Export(data::ExportArgs),
    /// Manage users: add, list, disable, enable.
    #[command(subcommand)]
    User(users::UserCommand),
    /// List candidate duplicate parties (by e-mail, phone and name similarity).
    Duplicates(data::DuplicatesArgs),
    /// Merge party OTHER into KEEP: touchpoints, links and tasks move; OTHER's external id
    /// becomes an alias of KEEP.
    Merge {
        /// The party to keep (id or external id).
        keep: String,
        /// The party merged into it (id or external id).
        other: String,
    },
    /// Show the newest entries of the audit log.
    Audit {
        /// Only entries about this entity (e.g. parties, users, orders).
        #[arg(long)]
        entity: Option<String>,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fit a buy-till-you-die model and the Gamma-Gamma spend model on a transaction-log file
    /// (no database): prints the fit as JSON; `--out` writes P(alive), expected purchases and
    /// CLV per customer.
    Clv(analytics::ClvArgs),
    /// Score every customer: RFM and segment, P(alive), expected purchases (90 days), CLV
    /// (12 months), health with its reasons and class, stored as a new score run (earlier runs
    /// are kept).
    Score(analytics::ScoreArgs),
    /// Win-back campaigns: start one on a list, read its result against the control group,
    /// import contact outcomes, export the members, close.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Reports: the latest score run's insights, cancellation reasons, buyer's remorse.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Serve the web UI and the JSON API.
    Serve(serve::ServeArgs),
    /// Generate a realistic demo company (deterministic for a seed) into an empty org, then
    /// serve it (unless --no-serve).
    Demo(demo::DemoArgs),
}

/// Opens the store and the org (creating the org when missing).
pub(crate) async fn open(cli_db: &str, org: &str) -> anyhow::Result<(Store, Org)> {
    let store = Store::connect(cli_db)
        .await
        .with_context(|| format!("opening {}", rapport_store::redact(cli_db)))?;
    let now = chrono::Utc::now();
    let (org, created) = store.ensure_org(org, OrgId(Uuid::now_v7()), now).await?;
    if created {
        rapport_app::retention::install_defaults(&store, org.id, now).await?;
    }
    Ok((store, org))
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init {
            admin_email,
            admin_name,
        } => users::init(&cli.db, &cli.org, &admin_email, &admin_name).await,
        Command::Import(args) => data::import(&cli.db, &cli.org, args).await,
        Command::Export(args) => data::export(&cli.db, &cli.org, args).await,
        Command::User(cmd) => users::run(&cli.db, &cli.org, cmd).await,
        Command::Duplicates(args) => data::duplicates(&cli.db, &cli.org, args).await,
        Command::Merge { keep, other } => data::merge(&cli.db, &cli.org, &keep, &other).await,
        Command::Audit {
            entity,
            limit,
            json,
        } => data::audit(&cli.db, &cli.org, entity.as_deref(), limit, json).await,
        Command::Clv(args) => analytics::clv(args),
        Command::Score(args) => analytics::score(&cli.db, &cli.org, args).await,
        Command::Report(cmd) => report::run(&cli.db, &cli.org, cmd).await,
        Command::Campaign(cmd) => campaign::run(&cli.db, &cli.org, cmd).await,
        Command::Serve(args) => serve::run(&cli.db, &cli.org, args).await,
        Command::Demo(args) => demo::run(&cli.db, &cli.org, args).await,
    }
}

/// A path argument that may be `-` for standard output.
pub(crate) fn is_stdout(path: &Option<PathBuf>) -> bool {
    path.as_ref().is_none_or(|p| p.as_os_str() == "-")
}
