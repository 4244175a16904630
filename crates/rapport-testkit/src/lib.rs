//! Test support shared by every crate's tests: a fresh database per test on each backend.
//!
//! SQLite always runs (a file in a temporary directory). PostgreSQL runs when
//! `RAPPORT_TEST_POSTGRES_URL` points at a server (e.g. `postgres://postgres@127.0.0.1:5432/test`):
//! each test creates its own database there and drops it afterwards. When the variable is unset
//! the PostgreSQL half is reported as skipped, unless `RAPPORT_REQUIRE_POSTGRES=1`, in which case
//! the test fails (CI sets it, so PostgreSQL coverage cannot silently disappear).

pub mod browser;

use std::path::PathBuf;

use sqlx::{Connection, PgConnection};

/// Which backend a test database is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: TestBackend,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh SQLite database in its own temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path: PathBuf = dir.path().join("rapport.db");
        TestDb {
            url: format!("sqlite://{}", path.display()),
            backend: TestBackend::Sqlite,
            admin_url: None,
            name: None,
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a note on stderr) when no server is
    /// configured. Panics when one is required (`RAPPORT_REQUIRE_POSTGRES=1`) but unset or down.
    pub async fn postgres() -> Option<TestDb> {
        let required = std::env::var("RAPPORT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let Ok(admin_url) = std::env::var("RAPPORT_TEST_POSTGRES_URL") else {
            if required {
                panic!("RAPPORT_REQUIRE_POSTGRES=1 but RAPPORT_TEST_POSTGRES_URL is not set");
            }
            eprintln!(
                "postgres: skipped (set RAPPORT_TEST_POSTGRES_URL to run against PostgreSQL)"
            );
            return None;
        };
        let name = format!("rapport_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = match PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if !required => {
                eprintln!("postgres: skipped ({admin_url} does not answer: {e})");
                return None;
            }
            Err(e) => panic!("cannot connect to {admin_url}: {e}"),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let url = replace_database(&admin_url, &name);
        Some(TestDb {
            url,
            backend: TestBackend::Postgres,
            admin_url: Some(admin_url),
            name: Some(name),
            _dir: None,
        })
    }

    /// Every configured backend: SQLite, and PostgreSQL when available.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite()];
        if let Some(pg) = TestDb::postgres().await {
            dbs.push(pg);
        }
        dbs
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(admin_url), Some(name)) = (self.admin_url.take(), self.name.take()) else {
            return;
        };
        // Drop runs outside async context or inside a runtime we must not block: use a thread
        // with its own small runtime.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// The same server URL with another database name (query string kept).
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    format!("{host}/{name}{query}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            super::replace_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
