//! `init` and the `user` commands.

use std::process::ExitCode;

use clap::Subcommand;
use rapport_app::signin;
use rapport_app::users::{self, AddUser};
use rapport_domain::OrgId;
use rapport_store::Store;

use super::open;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a generated password once (or reads one from RAPPORT_PASSWORD).
    Add {
        /// E-mail address (the login).
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// admin, manager, relationship_manager, agent or viewer.
        #[arg(long, default_value = "viewer")]
        role: String,
        /// UI language: en, de, fr or el.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// List users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user (they can no longer log in; their records stay).
    Disable { email: String },
    /// Enable a disabled user again.
    Enable { email: String },
    /// Set a new password (printed once; or read from RAPPORT_PASSWORD) and sign the user out
    /// everywhere.
    ResetPassword { email: String },
    /// Personal API tokens: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user; prints it once.
    Create {
        /// The user's e-mail.
        email: String,
        /// What the token is for (e.g. "billing sync").
        #[arg(long)]
        name: String,
    },
    /// List tokens (of one user, or everyone's).
    List {
        /// Only this user's tokens.
        email: Option<String>,
    },
    /// Revoke a token, by its id or its prefix (as listed).
    Revoke { token: String },
}

pub async fn init(db: &str, org: &str, email: &str, name: &str) -> anyhow::Result<ExitCode> {
    let (store, org) = open(db, org).await?;
    let existing = users::list_users(&store, org.id).await?;
    if existing
        .iter()
        .any(|u| u.role == rapport_domain::UserRole::Admin)
    {
        println!(
            "{} is initialized already (org '{}', {} users)",
            rapport_store::redact(db),
            org.name,
            existing.len()
        );
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let req = AddUser {
        email,
        name,
        role: "admin",
        locale: "en",
        password: None,
        source: "cli",
    };
    let (user, password) = users::add_user(&store, org.id, &req, None, chrono::Utc::now()).await?;
    println!(
        "initialized {} (schema version {}), org '{}'",
        rapport_store::redact(db),
        rapport_store::schema_version(),
        org.name
    );
    println!("admin login: {}", user.email.as_str());
    println!(
        "password:    {}   (shown once: store it now)",
        password.unwrap_or_default()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn run(db: &str, org: &str, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let (store, org) = open(db, org).await?;
    match cmd {
        UserCommand::Add {
            email,
            name,
            role,
            locale,
        } => {
            let password = std::env::var("RAPPORT_PASSWORD").ok();
            let req = AddUser {
                email: &email,
                name: &name,
                role: &role,
                locale: &locale,
                password: password.as_deref(),
                source: "cli",
            };
            let (user, generated) =
                users::add_user(&store, org.id, &req, None, chrono::Utc::now()).await?;
            println!(
                "added {} ({}, {})",
                user.email.as_str(),
                user.name,
                user.role
            );
            if let Some(p) = generated {
                println!("password: {p}   (shown once: store it now)");
            }
        }
        UserCommand::List { json } => {
            let list = users::list_users(&store, org.id).await?;
            if json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|u| serde_json::json!({"email": u.email.as_str(), "name": u.name, "role": u.role, "locale": u.locale, "disabled": u.disabled}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for u in &list {
                    let state = if u.disabled { "disabled" } else { "active" };
                    println!(
                        "{:<40} {:<22} {:<3} {:<8} {}",
                        u.email.as_str(),
                        u.role.as_str(),
                        u.locale,
                        state,
                        u.name
                    );
                }
            }
        }
        UserCommand::Disable { email } => {
            users::set_disabled(&store, org.id, &email, true, chrono::Utc::now()).await?;
            println!("disabled {email}");
        }
        UserCommand::Enable { email } => {
            users::set_disabled(&store, org.id, &email, false, chrono::Utc::now()).await?;
            println!("enabled {email}");
        }
        UserCommand::ResetPassword { email } => {
            let given = std::env::var("RAPPORT_PASSWORD").ok();
            let generated = signin::reset_password(
                &store,
                org.id,
                &email,
                given.as_deref(),
                None,
                "cli",
                chrono::Utc::now(),
            )
            .await?;
            println!("new password set for {email}; their sessions are ended");
            if let Some(p) = generated {
                println!("password: {p}   (shown once: store it now)");
            }
        }
        UserCommand::Token(cmd) => token(&store, org.id, cmd).await?,
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn token(store: &Store, org: OrgId, cmd: TokenCommand) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match cmd {
        TokenCommand::Create { email, name } => {
            let Some(user) = signin::find_user(store, org, &email).await? else {
                anyhow::bail!("no user has the e-mail {email}");
            };
            let (info, secret) =
                signin::create_token(store, org, &user, &name, None, "cli", now).await?;
            println!(
                "token \"{}\" for {} (id {}):",
                info.name,
                user.email.as_str(),
                info.id
            );
            println!("{secret}");
            println!(
                "(shown once: store it now; send it as 'Authorization: Bearer {}…')",
                info.prefix
            );
        }
        TokenCommand::List { email } => {
            let user = match &email {
                Some(e) => match signin::find_user(store, org, e).await? {
                    Some(u) => Some(u.id),
                    None => anyhow::bail!("no user has the e-mail {e}"),
                },
                None => None,
            };
            let all = users::list_users(store, org).await?;
            for t in signin::list_tokens(store, org, user).await? {
                let owner = all
                    .iter()
                    .find(|u| u.id == t.user)
                    .map(|u| u.email.as_str().to_string())
                    .unwrap_or_default();
                let used = t
                    .last_used_at
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never used".into());
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<12} {:<7} {:<30} {:<18} {}",
                    t.id, t.prefix, state, owner, used, t.name
                );
            }
        }
        TokenCommand::Revoke { token } => {
            let info = signin::revoke_token(store, org, &token, None, None, "cli", now).await?;
            println!("revoked token \"{}\" ({})", info.name, info.prefix);
        }
    }
    Ok(())
}
