//! Rapport's storage boundary. One `Store` with two real backends: SQLite (embedded, the
//! default) and PostgreSQL (for teams). Nothing outside this crate names a sqlx type.
//!
//! Work happens in a [`Tx`], a transaction bound to one org: every statement it runs is scoped
//! by `org_id`, so tenant data cannot leak across orgs by a forgotten filter. The generic row
//! operations (`insert_rows`, `update_row`, `fetch_in`, `fetch_page` ...) work on any table
//! described in [`schema`], with SQL shared between the backends; where the dialects differ
//! (bulk loading, index maintenance, connection settings) the difference lives in `dialect`.

mod campaigns;
mod dialect;
mod migrate;
mod party360;
mod portfolio;
pub mod query;
mod records;
mod retention;
pub mod schema;
mod scoring;
mod settings;
mod sqlite_bulk;
mod sqlite_lookup;
mod sqlite_raw;
mod tx;
mod tx_bulk;
mod tx_read;
pub mod value;
mod winback;

use std::str::FromStr;
use std::time::Duration;

use rapport_domain::OrgId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use campaigns::{MemberQuery, MemberResult, MemberRow};
pub use migrate::latest_version as schema_version;
pub use party360::{Party360Limits, Party360Rows};
pub use portfolio::{PortfolioQuery, PortfolioRow, PortfolioSort};
pub use query::{Filter, ListQuery, Op, Search};
pub use records::{NewUser, OrderSummary, PartyBrief};
pub use retention::{
    EndedContract, EndedQuery, ReasonCustomers, ReasonTotal, SignedContract, UncontactedContract,
};
pub use schema::{Column, Index, Table};
pub use scoring::{ContractFacts, InteractionFacts, ScoreRun, SurveyFact};
pub use tx::Tx;
pub use value::{ColType, Row, Value};
pub use winback::{EndedFact, RunScore, SavedFilter, WinbackEntry, WinbackQuery, WinbackRow};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in the store. Database errors keep their message; constraint violations
/// are told apart so callers can report them as bad input.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://...")]
    BadUrl(String),
    /// The database's own error, told in full in the message (not chained as a source, so a
    /// report does not repeat it).
    #[error("{context}: {cause}")]
    Db { context: String, cause: sqlx::Error },
    /// An error SQLite reported on the lookup path (`begin_lookup`), told as text.
    #[error("{0}")]
    Engine(String),
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// PostgreSQL gave up on the transaction because a concurrent one changed or locked the
    /// same rows (a deadlock, a serialization failure, a lock it could not get): nothing of it
    /// was written, and the same call again is expected to go through.
    #[error("{0}: the database gave way to a concurrent change of the same records; try again")]
    Busy(String),
    #[error(
        "migration {version} ({name}) was changed after it was applied; migrations are append-only"
    )]
    MigrationChanged { version: i64, name: String },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) trait Context<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, sqlx::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| {
            if let sqlx::Error::Database(db) = &source
                && matches!(
                    db.kind(),
                    sqlx::error::ErrorKind::UniqueViolation
                        | sqlx::error::ErrorKind::ForeignKeyViolation
                        | sqlx::error::ErrorKind::NotNullViolation
                        | sqlx::error::ErrorKind::CheckViolation
                )
            {
                return StoreError::Constraint(format!("{}: {}", context(), db.message()));
            }
            if let sqlx::Error::Database(db) = &source
                && db.code().is_some_and(|c| {
                    // serialization_failure, deadlock_detected, lock_not_available
                    matches!(c.as_ref(), "40001" | "40P01" | "55P03")
                })
            {
                return StoreError::Busy(context());
            }
            StoreError::Db {
                context: context(),
                cause: source,
            }
        })
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How busy the connection pool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// A connection pool to one Rapport database, with its schema migrated.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite's own connections for short reads (`begin_lookup`); none for PostgreSQL and for
    /// in-memory databases.
    lookups: Option<std::sync::Arc<sqlite_lookup::LookupPool>>,
    /// SQLite's own connection for write transactions (`begin`), likewise on the calling
    /// thread; none for PostgreSQL and for in-memory databases.
    writes: Option<std::sync::Arc<sqlite_lookup::LookupPool>>,
    /// SQLite has one writer at a time. Writers of this process wait their turn here, woken
    /// the moment it is theirs, instead of in SQLite's busy handler, which polls with sleeps
    /// of up to 100 ms (a queue of API writes would spend most of its time asleep).
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    /// `sqlite://PATH` (or `sqlite::memory:`) and `postgres://...` are understood.
    pub async fn connect(url: &str) -> Result<Store> {
        let mut lookups = None;
        let mut writes = None;
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", "-65536");
            let memory = url.contains(":memory:");
            if !memory {
                lookups = sqlite_lookup::LookupPool::new(options.get_filename(), false);
                writes = sqlite_lookup::LookupPool::new(options.get_filename(), true);
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(if memory { 1 } else { 4 })
                .connect_with(options)
                .await
                .ctx(|| format!("opening {url}"))?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_string()))?;
            // One direct connection first: if the server cannot be reached, say why at once
            // instead of after the pool's acquire timeout.
            {
                use sqlx::{ConnectOptions, Connection};
                let conn = options
                    .connect()
                    .await
                    .ctx(|| format!("connecting to {}", redact(url)))?;
                let _ = conn.close().await;
            }
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .ctx(|| format!("connecting to {}", redact(url)))?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let store = Store {
            pool,
            lookups,
            writes,
            writers: Default::default(),
        };
        migrate::run(&store.pool).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction scoped to `org`. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue instead of failing half-way, and (for a
    /// database file) runs on the store's own write connection, on the calling thread (see
    /// `sqlite_lookup`).
    pub async fn begin(&self, org: OrgId) -> Result<Tx> {
        let turn = self.writer_turn().await;
        if let Some(writes) = &self.writes {
            return Ok(Tx {
                org,
                turn,
                inner: tx::Inner::SqliteWrite(writes.lend_for_write().await?),
                goes_on_after_errors: true,
            });
        }
        let mut tx = Tx::begin(&self.pool, org).await?;
        tx.turn = turn;
        Ok(tx)
    }

    /// On SQLite, waits until no other transaction of this process writes.
    async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.pool {
            Pool::Sqlite(_) => Some(self.writers.clone().lock_owned().await),
            Pool::Postgres(_) => None,
        }
    }

    /// Starts a transaction for a bulk load whose references the loader resolves itself (see
    /// `Tx::skip_foreign_key_triggers` and `Tx::suspend_foreign_keys`): on SQLite, on a
    /// connection of its own that does not check foreign keys row by row.
    pub async fn begin_bulk(&self, org: OrgId) -> Result<Tx> {
        let turn = self.writer_turn().await;
        for raw in [&self.lookups, &self.writes].into_iter().flatten() {
            raw.close_idle();
        }
        let mut tx = Tx::begin_bulk(&self.pool, org).await?;
        tx.turn = turn;
        Ok(tx)
    }

    /// Starts a transaction that only reads (see `Tx::begin_read`); end it with `rollback`.
    pub async fn begin_read(&self, org: OrgId) -> Result<Tx> {
        Tx::begin_read(&self.pool, org).await
    }

    /// Starts a read of bounded work: index lookups with limits, such as one record by its key
    /// or the party 360. On SQLite it runs on the calling thread, on a connection of the
    /// store's own, without handing each statement to a worker thread (see `sqlite_lookup`);
    /// elsewhere it is `begin_read`. Not for scans: they would hold up the calling thread.
    /// Only `select`-based reads work in it; end it with `rollback`.
    pub async fn begin_lookup(&self, org: OrgId) -> Result<Tx> {
        match &self.lookups {
            Some(lookups) => Ok(Tx {
                org,
                turn: None,
                inner: tx::Inner::Lookup(lookups.lend()?),
                goes_on_after_errors: true,
            }),
            None => Tx::begin_read(&self.pool, org).await,
        }
    }

    /// Starts a read for a batch job that scans whole tables (scoring, reports run from the
    /// command line): on SQLite on a read connection of its own without the memory map (see
    /// `LookupPool::lend_for_scan`), on the calling thread, so millions of rows stream without
    /// a hand-over each; elsewhere `begin_read`. Not for a serving
    /// process's request handlers, whose threads it would hold up. End it with `rollback`.
    pub async fn begin_scan(&self, org: OrgId) -> Result<Tx> {
        match &self.lookups {
            Some(lookups) => Ok(Tx {
                org,
                turn: None,
                goes_on_after_errors: true,
                inner: tx::Inner::Lookup(lookups.lend_for_scan()?),
            }),
            None => Tx::begin_read(&self.pool, org).await,
        }
    }

    /// Connections open in the pool, and how many of them are idle (for metrics).
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Pool::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        };
        PoolStats {
            open: size,
            idle: idle as u32,
            max,
        }
    }

    /// Whether the database answers a trivial query (for readiness checks).
    pub async fn ping(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
            Pool::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(|_| ()),
        }
        .ctx(|| "asking the database".into())
    }

    /// After a large load: on PostgreSQL, `VACUUM (ANALYZE)` of `tables` (outside any
    /// transaction), so the planner has statistics and index-only scans need no heap visits
    /// (autovacuum would get there, minutes later). On SQLite nothing: its planner works from
    /// the indexes alone and an `ANALYZE` of a multi-GB file costs more than it saves.
    pub async fn maintain(&self, tables: &[&Table]) -> Result<()> {
        let Pool::Postgres(p) = &self.pool else {
            return Ok(());
        };
        for t in tables {
            let sql = format!("VACUUM (ANALYZE) {}", t.name);
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p)
                .await
                .ctx(|| format!("vacuuming {}", t.name))?;
        }
        Ok(())
    }

    /// Closes every connection (waits for checked-out ones to return).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
