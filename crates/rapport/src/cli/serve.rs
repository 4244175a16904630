//! `rapport serve`: settings from flags, environment (`RAPPORT_*`) and an optional TOML file
//! (flags win over the environment, which wins over the file), structured logs, and a graceful
//! shutdown on SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rapport_store::Store;
use rapport_web::Settings;
use serde::Deserialize;

use super::open;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line per event, for people.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "RAPPORT_LISTEN")]
    pub listen: Option<String>,
    /// A TOML settings file (keys as the flags, with underscores: listen, public_url,
    /// log_format, body_limit, login_attempts_per_account, login_attempts_per_address,
    /// login_window_secs).
    #[arg(long, env = "RAPPORT_CONFIG")]
    pub config: Option<PathBuf>,
    /// The URL people open, when a proxy sits in front (https://… makes cookies Secure).
    #[arg(long, env = "RAPPORT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format [default: text].
    #[arg(long, env = "RAPPORT_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Largest request body in bytes [default: 4194304].
    #[arg(long, env = "RAPPORT_BODY_LIMIT")]
    pub body_limit: Option<usize>,
}

/// The settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    public_url: Option<String>,
    log_format: Option<LogFormat>,
    body_limit: Option<usize>,
    login_attempts_per_account: Option<u32>,
    login_attempts_per_address: Option<u32>,
    login_window_secs: Option<u64>,
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the settings file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The resolved settings: where to listen, how to log, what the server gets.
pub struct Resolved {
    pub listen: String,
    pub log_format: LogFormat,
    pub settings: Settings,
}

pub fn resolve(args: &ServeArgs) -> anyhow::Result<Resolved> {
    let file = match &args.config {
        Some(p) => read_file(p)?,
        None => FileSettings::default(),
    };
    let defaults = Settings::default();
    let settings = Settings {
        public_url: args.public_url.clone().or(file.public_url),
        body_limit: args
            .body_limit
            .or(file.body_limit)
            .unwrap_or(defaults.body_limit),
        login_attempts_per_account: file
            .login_attempts_per_account
            .unwrap_or(defaults.login_attempts_per_account),
        login_attempts_per_address: file
            .login_attempts_per_address
            .unwrap_or(defaults.login_attempts_per_address),
        login_window_secs: file.login_window_secs.unwrap_or(defaults.login_window_secs),
    };
    if settings.body_limit < 1024 {
        anyhow::bail!("body_limit must be at least 1024 bytes");
    }
    Ok(Resolved {
        listen: args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".to_string()),
        log_format: args
            .log_format
            .or(file.log_format)
            .unwrap_or(LogFormat::Text),
        settings,
    })
}

/// Logs go to standard error; `RAPPORT_LOG` sets the level (error, warn, info, debug, trace).
fn init_logging(format: LogFormat) {
    use tracing_subscriber::filter::LevelFilter;
    let level = std::env::var("RAPPORT_LOG")
        .ok()
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub async fn run(db: &str, org: &str, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let resolved = resolve(&args)?;
    let (store, org) = open(db, org).await?;
    serve(store, org.id, &rapport_store::redact(db), resolved, None).await
}

/// Serves until SIGINT or SIGTERM; `banner` is printed once listening (the demo's login).
pub async fn serve(
    store: Store,
    org: rapport_domain::OrgId,
    db: &str,
    resolved: Resolved,
    banner: Option<String>,
) -> anyhow::Result<ExitCode> {
    init_logging(resolved.log_format);
    let stop = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&resolved.listen)
        .await
        .with_context(|| format!("listening on {}", resolved.listen))?;
    let addr = listener.local_addr()?;
    let url = resolved
        .settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    println!("Rapport is serving {db} on {url}");
    println!("  API: {url}/api/v1 (docs: {url}/api/docs)");
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("Stop with Ctrl-C.");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rapport_web::serve(
        store.clone(),
        org,
        resolved.settings,
        listener,
        async {
            let _ = stop_rx.await;
        },
    ));
    stop.await;
    tracing::info!("shutting down: finishing the requests in flight");
    let _ = stop_tx.send(());
    match tokio::time::timeout(rapport_web::SHUTDOWN_GRACE, server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => return Err(e).context("serving"),
        Ok(Err(e)) => return Err(e).context("serving"),
        Err(_) => tracing::warn!("requests still running after the grace period; stopping anyway"),
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Waits for SIGINT or SIGTERM. The handlers are installed when this is called (before the
/// banner is printed), so a signal sent right after start-up is not lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rapport.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nbody_limit = 2048\nlog_format = \"json\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:7000".into()),
            ..ServeArgs::default()
        };
        let r = resolve(&args).unwrap();
        assert_eq!(r.listen, "127.0.0.1:7000");
        assert_eq!(r.settings.body_limit, 2048);
        assert_eq!(r.log_format, LogFormat::Json);
        let r = resolve(&ServeArgs::default()).unwrap();
        assert_eq!(r.listen, "127.0.0.1:8080");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let err = resolve(&ServeArgs {
            config: Some(path),
            ..ServeArgs::default()
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("listn"), "{err}");
    }
}
