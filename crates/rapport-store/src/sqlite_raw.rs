//! One SQLite connection of the store's own, used on the calling thread: its prepared
//! statements kept, values bound without copying, cells decoded exactly as sqlx decodes them
//! (UUIDs from 16-byte blobs, times from RFC 3339 or SQLite's own `YYYY-MM-DD HH:MM:SS` text,
//! dates from ISO text, JSON from text); the store's contract tests read every type both ways.
//! Through sqlx every statement travels to the connection's worker thread and its rows travel
//! back through a channel; for a read or write of a dozen index lookups those hand-overs cost
//! many times SQLite's own work. The lookup and write pools (`sqlite_lookup`) lend these out.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int};
use std::ptr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use crate::sqlite_bulk::{bind, bind_uuid};
use crate::value::{ColType, Row, Value};
use crate::{Result, StoreError};

/// Prepared statements kept per connection; the cache starts over when it is full.
const STATEMENT_CACHE: usize = 128;
/// Per-connection page cache of a lookup connection (KiB; the file's pages are shared through
/// the memory map).
const LOOKUP_CACHE_KIB: i64 = 8_192;
/// Page cache of a write connection (KiB), as the pool's: the pages a write changes live here
/// until the commit.
const WRITE_CACHE_KIB: i64 = 65_536;
/// Page cache of a scan connection (KiB): scans read each page once, through the OS's cache.
const SCAN_CACHE_KIB: i64 = 16_384;
/// How much of the file to map into memory: all of it, up to 1 TiB (the build raises SQLite's
/// compiled-in cap of 2 GB to that in `.cargo/config.toml`; without it SQLite maps 2 GB).
const MMAP_BYTES: i64 = 1 << 40;
/// How long a statement waits for a lock another process holds. A write transaction's own
/// `BEGIN IMMEDIATE` does not wait here: it is retried without holding up the thread (see
/// `sqlite_lookup`).
const BUSY_MS: c_int = 5_000;

/// One raw connection and its prepared statements.
pub(crate) struct RawConn {
    db: *mut ffi::sqlite3,
    statements: HashMap<String, Statement>,
}

// SAFETY: the connection is opened in multi-thread mode (SQLITE_OPEN_NOMUTEX): it may move
// between threads as long as one thread uses it at a time, which `&mut self` guarantees.
unsafe impl Send for RawConn {}

impl RawConn {
    /// Opens a connection: read-only (`query_only`) for lookups, or for writes with the
    /// pool's settings (foreign keys enforced, `synchronous = NORMAL` under WAL).
    pub(crate) fn open(path: &CStr, writable: bool) -> Result<RawConn> {
        let mut db: *mut ffi::sqlite3 = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: `path` is a valid C string; `db` receives the handle (also on failure, when
        // it must still be closed).
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, ptr::null()) };
        let conn = RawConn {
            db,
            statements: HashMap::new(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(conn.error(rc, "opening a connection"));
        }
        conn.busy_wait(true);
        // A write connection reads through its page cache, not the memory map: a write reads
        // few pages, but one that rebuilds a list of a million customers would otherwise
        // count every page it touched as the process's memory.
        conn.exec(&if writable {
            format!(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{WRITE_CACHE_KIB}; PRAGMA mmap_size = 0"
            )
        } else {
            format!(
                "PRAGMA query_only = ON; PRAGMA cache_size = -{LOOKUP_CACHE_KIB}; PRAGMA mmap_size = {MMAP_BYTES}"
            )
        })?;
        Ok(conn)
    }

    /// Opens a read-only connection for scans of whole tables: no memory map, a page cache of
    /// `SCAN_CACHE_KIB` (the operating system's file cache holds the rest).
    pub(crate) fn open_for_scan(path: &CStr) -> Result<RawConn> {
        let conn = RawConn::open(path, false)?;
        conn.exec(&format!(
            "PRAGMA mmap_size = 0; PRAGMA cache_size = -{SCAN_CACHE_KIB}"
        ))?;
        Ok(conn)
    }

    /// Whether statements wait (up to `BUSY_MS`) for a lock another process holds, or fail
    /// at once with `SQLITE_BUSY`.
    pub(crate) fn busy_wait(&self, wait: bool) {
        // SAFETY: `db` is a handle from sqlite3_open_v2.
        unsafe { ffi::sqlite3_busy_timeout(self.db, if wait { BUSY_MS } else { 0 }) };
    }

    /// Whether a transaction is open (SQLite rolls one back by itself after some errors).
    pub(crate) fn in_transaction(&self) -> bool {
        // SAFETY: `db` is a handle from sqlite3_open_v2.
        unsafe { ffi::sqlite3_get_autocommit(self.db) == 0 }
    }

    /// Runs `sql` (statements without values); the SQLite result code on failure.
    pub(crate) fn try_exec(&self, sql: &str) -> std::result::Result<(), c_int> {
        let Ok(c_sql) = CString::new(sql) else {
            return Err(ffi::SQLITE_MISUSE);
        };
        // SAFETY: `db` is open and `c_sql` outlives the call.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.db,
                c_sql.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(rc)
        }
    }

    pub(crate) fn exec(&self, sql: &str) -> Result<()> {
        self.try_exec(sql).map_err(|rc| self.error(rc, sql))
    }

    /// The prepared statement for `sql`, from the cache or prepared now.
    fn statement(&mut self, sql: &str) -> Result<*mut ffi::sqlite3_stmt> {
        if !self.statements.contains_key(sql) {
            if self.statements.len() >= STATEMENT_CACHE {
                self.statements.clear();
            }
            let stmt = self.prepare(sql)?;
            self.statements.insert(sql.to_string(), stmt);
        }
        match self.statements.get(sql) {
            Some(stmt) => Ok(stmt.0),
            None => Err(StoreError::Engine("a statement went missing".into())),
        }
    }

    /// Runs a SELECT whose parameter `$1` is the org and `$2`... (or the following `?`) are
    /// `binds`, decoding each row's cells as `types` into one buffer handed to `f` row by row
    /// (a scan of millions of rows allocates one row).
    pub(crate) fn each(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        types: &[ColType],
        f: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        let stmt = self.statement(sql)?;
        let mut scratch = Vec::new();
        let result = (|| {
            // SAFETY: `stmt` is a live statement of `db`; the bound values (`org`, `binds`,
            // `scratch`) outlive its run, and its bindings are cleared before they go.
            unsafe {
                if ffi::sqlite3_column_count(stmt) as usize != types.len() {
                    return Err(StoreError::Engine(format!(
                        "{sql}: the statement has {} columns, {} were expected",
                        ffi::sqlite3_column_count(stmt),
                        types.len()
                    )));
                }
                bind_params(stmt, sql, &org, binds, &mut scratch)?;
                let mut row: Row = Vec::with_capacity(types.len());
                loop {
                    match ffi::sqlite3_step(stmt) {
                        ffi::SQLITE_ROW => {
                            row.clear();
                            for (c, ty) in types.iter().enumerate() {
                                row.push(cell(stmt, c as c_int, *ty).map_err(|reason| {
                                    StoreError::Engine(format!("{sql}: column {}: {reason}", c + 1))
                                })?);
                            }
                            f(&row)?;
                        }
                        ffi::SQLITE_DONE => break,
                        rc => return Err(self.error(rc, sql)),
                    }
                }
                Ok(())
            }
        })();
        // SAFETY: as above; reset and unbind before the values go.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        drop(scratch);
        result
    }

    /// Runs a statement that writes, with `$1` the org and `binds` after it (as in `each`);
    /// returns the rows it changed. A constraint it violates is a `StoreError::Constraint`
    /// told as `what`, like the sqlx path tells it.
    pub(crate) fn run(
        &mut self,
        sql: &str,
        org: Uuid,
        binds: &[(Value, ColType)],
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<u64> {
        let stmt = self.statement(sql)?;
        let mut scratch = Vec::new();
        // SAFETY: as in `each`.
        let result = unsafe {
            match bind_params(stmt, sql, &org, binds, &mut scratch) {
                Err(e) => Err(e),
                Ok(()) => loop {
                    match ffi::sqlite3_step(stmt) {
                        ffi::SQLITE_ROW => continue,
                        ffi::SQLITE_DONE => {
                            break Ok(ffi::sqlite3_changes64(self.db).max(0) as u64);
                        }
                        rc => {
                            let message = self.message();
                            break Err(if rc & 0xff == ffi::SQLITE_CONSTRAINT {
                                StoreError::Constraint(format!("{}: {message}", what()))
                            } else {
                                StoreError::Engine(format!(
                                    "{}: {message} (SQLite code {rc})",
                                    what()
                                ))
                            });
                        }
                    }
                },
            }
        };
        // SAFETY: as above.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        drop(scratch);
        result
    }

    fn prepare(&self, sql: &str) -> Result<Statement> {
        let c_sql =
            CString::new(sql).map_err(|_| StoreError::Invalid("SQL with a NUL byte".into()))?;
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        // SAFETY: `db` is open; `stmt` receives the statement, finalized by `Statement`'s drop.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db,
                c_sql.as_ptr(),
                -1,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(rc, sql));
        }
        Ok(Statement(stmt))
    }

    fn message(&self) -> String {
        if self.db.is_null() {
            "out of memory".to_string()
        } else {
            // SAFETY: `db` is a handle (open or failed to open); its message is a C string.
            unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }
                .to_string_lossy()
                .into_owned()
        }
    }

    pub(crate) fn error(&self, rc: c_int, what: &str) -> StoreError {
        StoreError::Engine(format!("{what}: {} (SQLite code {rc})", self.message()))
    }
}

/// Binds `$1` (or the first `?`) to `org` and each further parameter `$n` to `binds[n - 2]`
/// (an anonymous `?` takes the value at its position).
///
/// # Safety
/// `stmt` is a live statement; `org`, `binds` and `scratch` outlive its run.
unsafe fn bind_params(
    stmt: *mut ffi::sqlite3_stmt,
    sql: &str,
    org: &Uuid,
    binds: &[(Value, ColType)],
    scratch: &mut Vec<String>,
) -> Result<()> {
    unsafe {
        let count = ffi::sqlite3_bind_parameter_count(stmt);
        for i in 1..=count {
            let name = ffi::sqlite3_bind_parameter_name(stmt, i);
            let n = if name.is_null() {
                i as usize
            } else {
                CStr::from_ptr(name)
                    .to_str()
                    .ok()
                    .and_then(|s| s.strip_prefix('$'))
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(i as usize)
            };
            if n == 1 {
                bind_uuid(stmt, i, org);
            } else if let Some((value, _)) = binds.get(n - 2) {
                bind(stmt, i, value, scratch);
            } else {
                return Err(StoreError::Engine(format!(
                    "{sql}: parameter {n} has no value"
                )));
            }
        }
    }
    Ok(())
}

impl Drop for RawConn {
    fn drop(&mut self) {
        // Statements first: a connection closes cleanly only without them.
        self.statements.clear();
        // SAFETY: `db` came from sqlite3_open_v2 and is closed exactly once.
        unsafe { ffi::sqlite3_close(self.db) };
    }
}

/// A prepared statement, finalized on drop.
struct Statement(*mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `prepare` and finalized exactly once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// Column `c` of the current row as a value of type `ty`.
///
/// # Safety
/// `stmt` has just returned SQLITE_ROW and has more than `c` columns.
unsafe fn cell(stmt: *mut ffi::sqlite3_stmt, c: c_int, ty: ColType) -> Result<Value, String> {
    let kind = unsafe { ffi::sqlite3_column_type(stmt, c) };
    if kind == ffi::SQLITE_NULL {
        return Ok(Value::Null);
    }
    let bytes = || unsafe {
        let p = ffi::sqlite3_column_blob(stmt, c) as *const u8;
        let n = ffi::sqlite3_column_bytes(stmt, c) as usize;
        if p.is_null() || n == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(p, n)
        }
    };
    let text = || unsafe {
        let p = ffi::sqlite3_column_text(stmt, c);
        let n = ffi::sqlite3_column_bytes(stmt, c) as usize;
        let b = if p.is_null() || n == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(p, n)
        };
        std::str::from_utf8(b).map_err(|_| "text that is not UTF-8".to_string())
    };
    let int = || unsafe { ffi::sqlite3_column_int64(stmt, c) };
    Ok(match ty {
        ColType::Int => Value::Int(int()),
        ColType::Bool => Value::Bool(int() != 0),
        ColType::Float => Value::Float(unsafe { ffi::sqlite3_column_double(stmt, c) }),
        ColType::Text => Value::Text(text()?.to_string()),
        ColType::Uuid => Value::Uuid(
            Uuid::from_slice(bytes()).map_err(|_| "a UUID that is not 16 bytes".to_string())?,
        ),
        ColType::Time => Value::Time(if kind == ffi::SQLITE_INTEGER {
            DateTime::from_timestamp(int(), 0).ok_or("a time out of range")?
        } else {
            parse_time(text()?).ok_or("text that is not a time")?
        }),
        ColType::Date => Value::Date(
            NaiveDate::parse_from_str(text()?, "%F").map_err(|_| "text that is not a date")?,
        ),
        ColType::Json => Value::Json(
            serde_json::from_str(text()?).map_err(|e| format!("JSON that does not parse: {e}"))?,
        ),
    })
}

/// A time as sqlx writes it (RFC 3339 with offset) or as SQLite's functions do
/// (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%F %T%.f", "%FT%T%.f", "%F %T%.f%#z"]
        .iter()
        .find_map(|f| {
            DateTime::parse_from_str(s, f)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDateTime::parse_from_str(s, f)
                        .ok()
                        .map(|t| t.and_utc())
                })
        })
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_parse_in_the_forms_sqlite_holds_them() {
        let want = "2024-03-01T12:30:05Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .ok();
        assert_eq!(parse_time("2024-03-01T12:30:05+00:00"), want);
        assert_eq!(parse_time("2024-03-01T13:30:05+01:00"), want);
        assert_eq!(parse_time("2024-03-01 12:30:05"), want);
        assert_eq!(parse_time("2024-03-01T12:30:05"), want);
        assert_eq!(parse_time("1 March"), None);
    }
}
