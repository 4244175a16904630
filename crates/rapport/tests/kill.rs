//! A killed import (SIGKILL mid-file) leaves the database as it was before the import, with
//! every index in place; with --skip-invalid likewise, never with a half-written row.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rapport_store::Store;
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use rapport_testkit::TestDb;

async fn counts(url: &str) -> (i64, i64, i64, Vec<&'static str>) {
    let store = Store::connect(url).await.unwrap();
    let org = store
        .find_org("default")
        .await
        .unwrap()
        .expect("org exists");
    let mut tx = store.begin(org.id).await.unwrap();
    let c = (
        tx.count(&PARTIES).await.unwrap(),
        tx.count(&ORDERS).await.unwrap(),
        tx.count(&ORDER_LINES).await.unwrap(),
    );
    let mut missing = Vec::new();
    for t in rapport_store::schema::ALL {
        missing.extend(tx.missing_indexes(t).await.unwrap());
    }
    tx.rollback().await.unwrap();
    store.close().await;
    (c.0, c.1, c.2, missing)
}

/// Starts the import and kills it without warning once it is well into the file: after 2.5 s,
/// and for SQLite not before its transaction has written (its rollback journal exists), however
/// slow the machine.
fn kill_mid_import(url: &str, file: &Path, extra: &[&str]) {
    let journal = url
        .strip_prefix("sqlite://")
        .map(|path| format!("{path}-journal"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", url, "import", "orders", file.to_str().unwrap()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let writing = || journal.as_ref().is_none_or(|j| Path::new(j).exists());
    while started.elapsed() < Duration::from_millis(2500) || !writing() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the import finished ({status}) before it could be killed; make the file bigger"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_killed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    rapport_demo::write_bench_orders(&mut out, 600_000, 60_000, 3).unwrap();
    drop(out);
    let small = dir.path().join("small.csv");
    std::fs::write(
        &small,
        "order_id,line,customer_id,ordered_at,amount\nX1,1,K1,2025-01-01,10.00\n",
    )
    .unwrap();

    for db in TestDb::all().await {
        // Into an empty database the import takes the bulk path, which drops and rebuilds
        // indexes inside its transaction: killed, nothing changes and every index is there.
        kill_mid_import(&db.url, &file, &[]);
        let sqlite_file = db.url.strip_prefix("sqlite://").map(str::to_string);
        if let Some(path) = &sqlite_file {
            // The bulk load ran under a rollback journal, left behind hot by the kill.
            let journal = format!("{path}-journal");
            assert!(Path::new(&journal).exists(), "no hot journal at {journal}");
        }
        assert_eq!(
            counts(&db.url).await,
            (0, 0, 0, vec![]),
            "{:?}: bulk import",
            db.backend
        );
        if let Some(path) = &sqlite_file {
            // The next connection rolled the hot journal back.
            assert!(!Path::new(&format!("{path}-journal")).exists());
        }

        // Something stored before, which must survive untouched.
        let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["--db", &db.url, "import", "orders", small.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let before = counts(&db.url).await;
        assert_eq!(before, (1, 1, 1, vec![]));

        kill_mid_import(&db.url, &file, &[]);
        assert_eq!(
            counts(&db.url).await,
            before,
            "{:?}: all-or-nothing import",
            db.backend
        );

        kill_mid_import(&db.url, &file, &["--skip-invalid"]);
        assert_eq!(
            counts(&db.url).await,
            before,
            "{:?}: --skip-invalid import",
            db.backend
        );
    }
}
