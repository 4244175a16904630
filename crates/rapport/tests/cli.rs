//! Black-box tests of the `rapport` binary: every command as a user runs it, on SQLite and on
//! PostgreSQL when configured.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rapport_testkit::TestDb;

const KINDS: &[&str] = &[
    "products",
    "cancellation-reasons",
    "parties",
    "contacts",
    "orders",
    "interactions",
    "contracts",
    "surveys",
    "cases",
    "tasks",
];

fn rapport(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("RAPPORT_DATABASE_URL")
        .env_remove("RAPPORT_ORG")
        .output()
        .expect("run rapport")
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = rapport(db, args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "rapport {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn cdnow() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cdnow")
}

#[test]
fn every_command_has_help() {
    let db = TestDb::sqlite();
    let top = ok(&db.url, &["--help"]);
    for cmd in [
        "init",
        "import",
        "export",
        "user",
        "duplicates",
        "merge",
        "audit",
        "demo",
        "serve",
        "clv",
        "score",
        "campaign",
        "report",
    ] {
        assert!(top.contains(cmd), "top-level help lists {cmd}");
        let help = ok(&db.url, &[cmd, "--help"]);
        assert!(help.contains("Usage"), "{cmd} --help:\n{help}");
    }
    for sub in [
        "add",
        "list",
        "disable",
        "enable",
        "reset-password",
        "token",
    ] {
        ok(&db.url, &["user", sub, "--help"]);
    }
    for sub in ["create", "list", "revoke"] {
        ok(&db.url, &["user", "token", sub, "--help"]);
    }
    let import = ok(&db.url, &["import", "--help"]);
    for flag in [
        "--map",
        "--dry-run",
        "--skip-invalid",
        "--delimiter",
        "--ignore-unknown",
        "HubSpot",
    ] {
        assert!(import.contains(flag), "import --help mentions {flag}");
    }
}

#[test]
fn init_prints_the_admin_password_once() {
    let db = TestDb::sqlite();
    let first = ok(&db.url, &["init", "--admin-email", "boss@example.com"]);
    assert!(first.contains("admin login: boss@example.com"), "{first}");
    assert!(first.contains("password:"), "{first}");
    let second = ok(&db.url, &["init"]);
    assert!(second.contains("initialized already"), "{second}");
    assert!(!second.contains("password:"), "{second}");
}

#[test]
fn users_are_added_listed_and_disabled() {
    let db = TestDb::sqlite();
    let added = ok(
        &db.url,
        &[
            "user",
            "add",
            "rm@example.com",
            "--name",
            "Rita",
            "--role",
            "relationship_manager",
            "--locale",
            "de",
        ],
    );
    assert!(added.contains("password:"), "{added}");
    let list = ok(&db.url, &["user", "list"]);
    assert!(
        list.contains("rm@example.com")
            && list.contains("relationship_manager")
            && list.contains("active"),
        "{list}"
    );
    ok(&db.url, &["user", "disable", "rm@example.com"]);
    assert!(ok(&db.url, &["user", "list"]).contains("disabled"));
    let bad = rapport(
        &db.url,
        &[
            "user",
            "add",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "king",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid UserRole"));
    let dup = rapport(
        &db.url,
        &["user", "add", "rm@example.com", "--name", "Again"],
    );
    assert!(String::from_utf8_lossy(&dup.stderr).contains("exists already"));
}

#[test]
fn a_bad_file_exits_non_zero_and_writes_nothing() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("surveys.csv");
    std::fs::write(
        &file,
        "party_external_id,kind,score,answered_at\nC1,nps,11,2025-01-01\n",
    )
    .unwrap();
    let out = rapport(&db.url, &["import", "surveys", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2, column score, value '11': NPS score 11 is outside 0–10"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing was written"));

    let out = rapport(
        &db.url,
        &[
            "import",
            "surveys",
            file.to_str().unwrap(),
            "--skip-invalid",
        ],
    );
    assert!(out.status.success());
    let rejects = std::fs::read_to_string(dir.path().join("surveys.csv.rejects.csv")).unwrap();
    assert!(
        rejects.contains("rapport_errors") && rejects.contains("outside 0–10"),
        "{rejects}"
    );
}

/// The demo company exported, imported into an empty database and exported again gives the
/// same files, byte for byte, for every kind.
#[tokio::test]
async fn export_then_import_round_trips_exactly() {
    for (a, b) in [(TestDb::sqlite(), TestDb::sqlite())].into_iter().chain(
        match (TestDb::postgres().await, TestDb::postgres().await) {
            (Some(a), Some(b)) => vec![(a, b)],
            _ => vec![],
        },
    ) {
        let demo = ok(
            &a.url,
            &[
                "demo",
                "--no-serve",
                "--customers",
                "150",
                "--seed",
                "7",
                "--as-of",
                "2025-06-01",
            ],
        );
        assert!(demo.contains("demo company"), "{demo}");
        let users: serde_json::Value =
            serde_json::from_str(&ok(&a.url, &["user", "list", "--json"])).unwrap();
        for u in users.as_array().unwrap() {
            let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
                .args([
                    "--db",
                    &b.url,
                    "user",
                    "add",
                    u["email"].as_str().unwrap(),
                    "--name",
                    u["name"].as_str().unwrap(),
                ])
                .args([
                    "--role",
                    u["role"].as_str().unwrap(),
                    "--locale",
                    u["locale"].as_str().unwrap(),
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
        }
        let dir = tempfile::tempdir().unwrap();
        for kind in KINDS {
            let first = dir.path().join(format!("{kind}.csv"));
            ok(&a.url, &["export", kind, "--out", first.to_str().unwrap()]);
            let rows = std::fs::read_to_string(&first).unwrap().lines().count();
            assert!(rows > 1, "{kind} exported no rows");
            ok(&b.url, &["import", kind, first.to_str().unwrap()]);
        }
        for kind in KINDS {
            let first = std::fs::read_to_string(dir.path().join(format!("{kind}.csv"))).unwrap();
            let second = ok(&b.url, &["export", kind]);
            assert!(
                first == second,
                "{kind} differs after the round trip ({:?})",
                a.backend
            );
        }
        // And importing the export again into the same database changes nothing.
        let again = ok(
            &b.url,
            &[
                "import",
                "parties",
                dir.path().join("parties.csv").to_str().unwrap(),
            ],
        );
        assert!(again.contains(" 0 created, 0 updated"), "{again}");
    }
}

#[tokio::test]
async fn the_cdnow_master_log_imports_as_23570_customers_and_69659_transactions() {
    for db in TestDb::all().await {
        let file = cdnow().join("CDNOW_master.txt");
        let import = || {
            ok(
                &db.url,
                &[
                    "import",
                    "orders",
                    file.to_str().unwrap(),
                    "--currency",
                    "USD",
                ],
            )
        };
        let out = import();
        assert!(
            out.contains("69659 rows") && out.contains("69659 orders and 23570 parties created"),
            "{out}"
        );
        let orders = ok(&db.url, &["export", "orders"]);
        assert_eq!(orders.lines().count(), 69_659 + 1);
        // Customer 2 bought twice on 1997-01-12: two orders of that day.
        assert!(
            orders.contains("00002-19970112-1,1,00002,1997-01-12T00:00:00Z,,1,12.00,USD,"),
            "{}",
            &orders[..400]
        );
        assert!(orders.contains("00002-19970112-2,1,00002,1997-01-12T00:00:00Z,,5,77.00,USD,"));
        let again = import();
        assert!(
            again.contains("0 created, 0 updated, 69659 unchanged"),
            "{again}"
        );
    }
}

#[test]
fn the_demo_is_generated_once_per_org() {
    let db = TestDb::sqlite();
    let out = ok(
        &db.url,
        &[
            "demo",
            "--no-serve",
            "--customers",
            "100",
            "--seed",
            "1",
            "--as-of",
            "2025-06-01",
        ],
    );
    assert!(
        out.contains("parties")
            && out.contains("orders")
            && out.contains("users (passwords shown once)"),
        "{out}"
    );
    let again = ok(&db.url, &["demo", "--no-serve", "--customers", "100"]);
    assert!(again.contains("holds data already"), "{again}");
}

#[tokio::test]
async fn score_runs_over_the_demo_company_on_both_backends() {
    for db in TestDb::all().await {
        ok(
            &db.url,
            &[
                "demo",
                "--no-serve",
                "--customers",
                "150",
                "--seed",
                "3",
                "--as-of",
                "2025-06-01",
                "--no-score",
            ],
        );
        let before = rapport(&db.url, &["report", "segments"]);
        assert!(!before.status.success());
        assert!(
            String::from_utf8_lossy(&before.stderr).contains("no score run yet"),
            "{before:?}"
        );
        ok(&db.url, &["score", "--as-of", "2025-02-01"]);
        let text = ok(&db.url, &["score", "--as-of", "2025-06-01"]);
        assert!(
            text.contains("scored ") && text.contains("classes: grow"),
            "{text}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&ok(&db.url, &["score", "--as-of", "2025-06-01", "--json"]))
                .unwrap();
        assert!(json["customers"].as_i64().unwrap() > 100, "{json}");
        let classes: i64 = json["classes"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(classes, json["customers"].as_i64().unwrap());
        assert!(
            json["fit"]["purchase_model"]["params"]["r"]
                .as_f64()
                .unwrap()
                > 0.0
        );
        // Every run is kept and audited.
        let audit = ok(&db.url, &["audit", "--entity", "score_runs", "--json"]);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&audit)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            3
        );

        // The reports of the latest run, as text and as JSON.
        let customers = json["customers"].as_u64().unwrap();
        let text = ok(&db.url, &["report", "segments"]);
        assert!(
            text.contains("Segments of the score run of 2025-06-01"),
            "{text}"
        );
        let segments: serde_json::Value =
            serde_json::from_str(&ok(&db.url, &["report", "segments", "--json"])).unwrap();
        let sum: u64 = segments["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["customers"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, customers, "{segments}");
        assert_eq!(segments["grid"].as_array().unwrap().len(), 25);

        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("acquisition.csv");
        let csv_arg = csv.to_str().unwrap();
        let text = ok(&db.url, &["report", "acquisition", "--csv", csv_arg]);
        assert!(text.contains("By channel:"), "{text}");
        let written = std::fs::read_to_string(&csv).unwrap();
        assert!(
            written.starts_with("dimension,value,customers,share,"),
            "{written}"
        );
        assert!(written.contains("\nchannel,"), "{written}");
        let acquisition: serde_json::Value =
            serde_json::from_str(&ok(&db.url, &["report", "acquisition", "--json"])).unwrap();
        let dims: Vec<&str> = acquisition["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["dimension"].as_str().unwrap())
            .collect();
        assert_eq!(
            dims,
            ["channel", "segment", "industry", "country", "cohort"]
        );
        assert_eq!(
            acquisition["top_decile"]["customers"].as_u64().unwrap(),
            customers.div_ceil(10)
        );

        let attention: serde_json::Value = serde_json::from_str(&ok(
            &db.url,
            &["report", "needs-attention", "--min-drop", "5", "--json"],
        ))
        .unwrap();
        for item in attention["items"].as_array().unwrap() {
            let change = item["health_change"].as_f64().unwrap();
            assert!(change <= -5.0, "{item}");
        }
        let text = ok(&db.url, &["report", "needs-attention"]);
        assert!(text.starts_with("Needs attention"), "{text}");
        let bad = rapport(
            &db.url,
            &["report", "needs-attention", "--owner", "nobody@example.com"],
        );
        assert_eq!(bad.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("no user has the e-mail"));
    }
}

#[test]
fn duplicates_are_found_and_merged_and_the_alias_keeps_matching() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let parties = dir.path().join("parties.csv");
    std::fs::write(
        &parties,
        "external_id,name,first_name,last_name,email,phone,city\n\
         A1,,Anna,Berger,anna.berger@example.com,+49 30 1234567,Berlin\n\
         A2,,Anna,Berger,Anna.Berger@Example.com,030 1234567,Berlin\n\
         B1,,Bob,Stone,bob@example.com,,Leeds\n",
    )
    .unwrap();
    ok(&db.url, &["import", "parties", parties.to_str().unwrap()]);
    let surveys = dir.path().join("surveys.csv");
    std::fs::write(
        &surveys,
        "external_id,party_external_id,kind,score,answered_at\nS1,A2,nps,10,2025-01-01\n",
    )
    .unwrap();
    ok(&db.url, &["import", "surveys", surveys.to_str().unwrap()]);
    let dups = ok(&db.url, &["duplicates"]);
    assert!(
        dups.contains("A1") && dups.contains("A2") && dups.contains("1 candidate pairs"),
        "{dups}"
    );
    let merged = ok(&db.url, &["merge", "A1", "A2"]);
    assert!(merged.contains("A2 is now an alias of A1"), "{merged}");
    let exported = ok(&db.url, &["export", "surveys"]);
    assert!(
        exported.contains("S1,A1,nps,10"),
        "the survey moved to the kept party: {exported}"
    );
    assert!(!ok(&db.url, &["export", "parties"]).contains("A2,"));
    // A later import naming the merged id updates the kept party instead of recreating it.
    std::fs::write(&parties, "external_id,city\nA2,Potsdam\n").unwrap();
    let out = ok(&db.url, &["import", "parties", parties.to_str().unwrap()]);
    assert!(out.contains("0 created, 1 updated"), "{out}");
    let exported = ok(&db.url, &["export", "parties"]);
    assert!(
        exported
            .lines()
            .any(|l| l.starts_with("A1,") && l.contains("Potsdam")),
        "{exported}"
    );
    let audit = ok(&db.url, &["audit", "--entity", "parties"]);
    assert!(audit.contains("merge"), "{audit}");
}

#[path = "cli/retention.rs"]
mod retention;
