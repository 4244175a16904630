//! Embedded, append-only migrations: one directory per backend, applied in order on start, each
//! in its own transaction, recorded with a checksum so an edited migration is refused. Our own
//! runner instead of sqlx's: it needs no advisory locks (CockroachDB has none) and no macros.

use sqlx::AssertSqlSafe;

use crate::{Context, Pool, Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

static SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("../migrations/sqlite/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sql: include_str!("../migrations/sqlite/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "scores",
        sql: include_str!("../migrations/sqlite/0003_scores.sql"),
    },
    Migration {
        version: 4,
        name: "settings",
        sql: include_str!("../migrations/sqlite/0004_settings.sql"),
    },
    Migration {
        version: 5,
        name: "retention",
        sql: include_str!("../migrations/sqlite/0005_retention.sql"),
    },
    Migration {
        version: 6,
        name: "order_totals",
        sql: include_str!("../migrations/sqlite/0006_order_totals.sql"),
    },
];

static POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "access",
        sql: include_str!("../migrations/postgres/0002_access.sql"),
    },
    Migration {
        version: 3,
        name: "scores",
        sql: include_str!("../migrations/postgres/0003_scores.sql"),
    },
    Migration {
        version: 4,
        name: "settings",
        sql: include_str!("../migrations/postgres/0004_settings.sql"),
    },
    Migration {
        version: 5,
        name: "retention",
        sql: include_str!("../migrations/postgres/0005_retention.sql"),
    },
    Migration {
        version: 6,
        name: "order_totals",
        sql: include_str!("../migrations/postgres/0006_order_totals.sql"),
    },
];

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS rapport_migrations (
    version  BIGINT PRIMARY KEY,
    name     TEXT NOT NULL,
    checksum TEXT NOT NULL
)";

/// FNV-1a, 64 bit: enough to notice an edited migration.
fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in sql.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("{hash:016x}")
}

macro_rules! apply_all {
    ($pool:expr, $migrations:expr) => {{
        let pool = $pool;
        let read_ledger = || {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT version, name, checksum FROM rapport_migrations ORDER BY version",
            )
            .fetch_all(pool)
        };
        // The ledger is created only when it cannot be read, so a role that may use the schema
        // but not create tables in it connects to a database that is up to date.
        let applied = match read_ledger().await {
            Ok(applied) => applied,
            Err(_) => {
                sqlx::query(CREATE_LEDGER)
                    .execute(pool)
                    .await
                    .ctx(|| "creating the migration ledger".into())?;
                read_ledger()
                    .await
                    .ctx(|| "reading the migration ledger".into())?
            }
        };
        for m in $migrations.iter() {
            if let Some((_, name, sum)) = applied.iter().find(|(v, _, _)| *v == m.version) {
                if *sum != checksum(m.sql) {
                    return Err(StoreError::MigrationChanged {
                        version: m.version,
                        name: name.clone(),
                    });
                }
                continue;
            }
            let mut tx = pool.begin().await.ctx(|| "starting a migration".into())?;
            sqlx::raw_sql(AssertSqlSafe(m.sql))
                .execute(&mut *tx)
                .await
                .ctx(|| format!("applying migration {} ({})", m.version, m.name))?;
            sqlx::query(
                "INSERT INTO rapport_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(checksum(m.sql))
            .execute(&mut *tx)
            .await
            .ctx(|| "recording a migration".into())?;
            tx.commit()
                .await
                .ctx(|| format!("committing migration {}", m.version))?;
        }
        Ok(())
    }};
}

pub(crate) async fn run(pool: &Pool) -> Result<()> {
    match pool {
        Pool::Sqlite(p) => apply_all!(p, SQLITE),
        Pool::Postgres(p) => apply_all!(p, POSTGRES),
    }
}

/// The latest schema version this build knows, per backend (they move together).
pub fn latest_version() -> i64 {
    SQLITE.last().map(|m| m.version).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations() {
        let s: Vec<_> = SQLITE.iter().map(|m| (m.version, m.name)).collect();
        let p: Vec<_> = POSTGRES.iter().map(|m| (m.version, m.name)).collect();
        assert_eq!(s, p);
        assert!(
            s.windows(2).all(|w| w[0].0 < w[1].0),
            "versions must increase"
        );
        assert_eq!(latest_version(), s.len() as i64);
    }
}
