//! `init` and the `user` commands.

use std::process::ExitCode;

use clap::Subcommand;
use rapport_app::users::{self, AddUser};

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
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
