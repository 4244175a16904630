//! The server as a newcomer meets it: `rapport demo` generates the demo company, serves it and
//! prints the URL and a login that works; `rapport serve` stops cleanly on SIGTERM, letting a
//! request in flight finish; `rapport user token create` makes a token the API accepts, and
//! `user reset-password` a password the sign-in accepts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rapport_testkit::TestDb;

struct Running {
    child: Child,
    url: String,
    lines: Vec<String>,
}

/// Starts `rapport ARGS` and reads its standard output until it prints the URL it serves on.
fn start(db: &str, args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("RAPPORT_DATABASE_URL")
        .env_remove("RAPPORT_ORG")
        .env_remove("RAPPORT_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rapport");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no URL printed; output so far:\n{}", lines.join("\n")));
        lines.push(line.clone());
        if let Some(i) = line.find("http://") {
            break line[i..].trim().to_string();
        }
    };
    // The rest of the banner (the login) follows at once.
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
        lines.push(line);
        if lines.last().is_some_and(|l| l.starts_with("Stop with")) {
            break;
        }
    }
    Running { child, url, lines }
}

fn terminate(mut r: Running) -> std::process::ExitStatus {
    let pid = r.child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    for _ in 0..300 {
        if let Some(status) = r.child.try_wait().expect("wait") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = r.child.kill();
    panic!("rapport did not stop within 30 s of SIGTERM");
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

/// Signs in through the login form; returns whether the dashboard then answers.
fn sign_in(url: &str, email: &str, password: &str) -> bool {
    let c = client();
    let login = c.get(format!("{url}/login")).send().expect("login page");
    let csrf = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("rapport_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("csrf cookie")
        .to_string();
    let resp = c
        .post(format!("{url}/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .expect("sign in");
    if resp.status() != 303 {
        return false;
    }
    c.get(format!("{url}/")).send().expect("dashboard").status() == 200
}

#[test]
fn the_demo_serves_and_its_printed_login_works() {
    let db = TestDb::sqlite();
    let running = start(
        &db.url,
        &[
            "demo",
            "--customers",
            "60",
            "--seed",
            "3",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let login = running
        .lines
        .iter()
        .find(|l| l.starts_with("Sign in as "))
        .unwrap_or_else(|| panic!("no login printed:\n{}", running.lines.join("\n")))
        .clone();
    let words: Vec<&str> = login.split_whitespace().collect();
    let (email, password) = (words[3], words[words.len() - 1]);
    assert!(sign_in(&running.url, email, password), "{login}");
    assert!(!sign_in(&running.url, email, "not the password"));
    let health = client()
        .get(format!("{}/readyz", running.url))
        .send()
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(terminate(running).success());

    // A second start serves the same data and says how to get a password.
    let again = start(&db.url, &["demo", "--listen", "127.0.0.1:0"]);
    assert!(
        again.lines.iter().any(|l| l.contains("holds data already")),
        "{}",
        again.lines.join("\n")
    );
    assert!(again.lines.iter().any(|l| l.contains("reset-password")));
    assert!(terminate(again).success());
}

#[test]
fn tokens_and_password_resets_from_the_command_line_work_against_the_server() {
    let db = TestDb::sqlite();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--db")
            .arg(&db.url)
            .args(args)
            .env_remove("RAPPORT_DATABASE_URL")
            .env_remove("RAPPORT_ORG")
            .env("RAPPORT_PASSWORD", "a long enough password")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(&[
        "user",
        "add",
        "ops@example.com",
        "--name",
        "Ops",
        "--role",
        "manager",
    ]);
    let created = run(&[
        "user",
        "token",
        "create",
        "ops@example.com",
        "--name",
        "sync job",
    ]);
    let token = created
        .lines()
        .find(|l| l.starts_with("rpt_"))
        .expect("token printed")
        .trim()
        .to_string();
    let listed = run(&["user", "token", "list"]);
    assert!(listed.contains("sync job") && listed.contains("active") && !listed.contains(&token));
    let running = start(&db.url, &["serve", "--listen", "127.0.0.1:0"]);
    let me = client()
        .get(format!("{}/api/v1/me", running.url))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(me.status(), 200);
    assert!(me.text().unwrap().contains("ops@example.com"));
    let reset = run(&["user", "reset-password", "ops@example.com"]);
    assert!(reset.contains("new password set"), "{reset}");
    assert!(sign_in(
        &running.url,
        "ops@example.com",
        "a long enough password"
    ));
    let prefix = &token[..10];
    run(&["user", "token", "revoke", prefix]);
    // The server trusts a checked token for a short while; a fresh server process checks
    // at once.
    assert!(terminate(running).success());
    let running = start(&db.url, &["serve", "--listen", "127.0.0.1:0"]);
    let me = client()
        .get(format!("{}/api/v1/me", running.url))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(me.status(), 401);
    assert!(terminate(running).success());
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let db = TestDb::sqlite();
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args([
            "--db",
            &db.url,
            "user",
            "add",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
        ])
        .env("RAPPORT_PASSWORD", "a long enough password")
        .output()
        .expect("add user");
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args([
            "--db",
            &db.url,
            "user",
            "token",
            "create",
            "a@example.com",
            "--name",
            "t",
        ])
        .output()
        .expect("token");
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("rpt_"))
        .expect("token")
        .to_string();
    let running = start(&db.url, &["serve", "--listen", "127.0.0.1:0"]);
    // A bulk write of 1,000 parties takes a moment; SIGTERM arrives while it runs.
    let items: Vec<serde_json::Value> = (0..1000)
        .map(|i| serde_json::json!({"external_id": format!("B{i}"), "name": format!("Bulk {i}"), "kind": "organization"}))
        .collect();
    let url = running.url.clone();
    let request = std::thread::spawn(move || {
        client()
            .post(format!("{url}/api/v1/parties/bulk"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"items": items}))
            .send()
            .map(|r| r.status().as_u16())
    });
    std::thread::sleep(Duration::from_millis(150));
    let status = terminate(running);
    assert!(status.success(), "{status:?}");
    assert_eq!(
        request.join().unwrap().expect("the request was answered"),
        200
    );
}
