//! `rapport clv` as an analyst runs it: a transaction-log file in, the fit as JSON and one CSV
//! row per customer out, with clear messages for logs the models cannot use.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn clv(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("clv")
        .args(args)
        .env_remove("RAPPORT_DATABASE_URL")
        .output()
        .expect("run rapport")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cdnow/CDNOW_sample.txt")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn log_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_cdnow_sample_gives_the_published_bg_nbd_and_gamma_gamma_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let out_csv = dir.path().join("customers.csv");
    let out = clv(&[
        "--transactions",
        sample().to_str().unwrap(),
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--out",
        out_csv.to_str().unwrap(),
        "--timings",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let timings: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("timing:"))
        .map(String::from)
        .collect();
    assert_eq!(timings.len(), 9, "{timings:?}");
    assert!(
        timings[0].ends_with("read and parse the log"),
        "{timings:?}"
    );
    assert!(timings[8].ends_with("write the customers"), "{timings:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Fader, Hardie & Lee (2005), Marketing Science 24(2): r = 0.243, α = 4.414, a = 0.793,
    // b = 2.426, LL = −9582.4 on the 2,357 customers of the sample.
    let p = &json["params"];
    let close = |v: &serde_json::Value, want: f64, tol: f64| {
        let got = v.as_f64().unwrap();
        assert!((got - want).abs() <= tol, "{got} vs {want}");
    };
    close(&p["r"], 0.243, 0.0005);
    close(&p["alpha"], 4.414, 0.0005);
    close(&p["a"], 0.793, 0.0005);
    close(&p["b"], 2.426, 0.0005);
    close(&json["log_likelihood"], -9582.4, 0.05);
    assert_eq!(json["model"], "bg-nbd");
    assert_eq!(json["time_unit"], "week");
    assert_eq!(json["customers"], 2357);
    assert_eq!(json["repeat_customers"], 946);
    assert!(json["std_errors"]["r"].as_f64().unwrap() > 0.0);
    // Gamma-Gamma, Fader, Hardie & Lee (2005), JMR 42(4): p = 6.25, q = 3.74, γ = 15.44.
    let s = &json["spend_model"]["params"];
    close(&s["p"], 6.25, 0.005);
    close(&s["q"], 3.74, 0.005);
    close(&s["gamma"], 15.44, 0.005);
    // The holdout: weeks 40 to 78, 1,882 repeat purchases in the data.
    assert_eq!(json["holdout"]["actual_repeat_purchases"], 1882.0);
    assert_eq!(json["holdout"]["by_frequency"].as_array().unwrap().len(), 8);
    close(&json["holdout"]["length"], 39.0, 1e-9);

    let csv = std::fs::read_to_string(&out_csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,clv")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2357);
    for row in &rows {
        let values: Vec<f64> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert!(values.iter().all(|v| v.is_finite()), "{row:?}");
        assert!((0.0..=1.0).contains(&values[4]), "p_alive {row:?}");
    }
    // The first customer of the sample: two repeat purchases, the last at week 30.43 of 38.86
    // (the example of Fader, Hardie & Lee's BG/NBD Excel note).
    let first = &rows[0];
    assert_eq!(first[0], "00004");
    assert_eq!(first[1], "2");
    assert!((first[2].parse::<f64>().unwrap() - 30.43).abs() < 0.005);
    assert!((first[3].parse::<f64>().unwrap() - 38.86).abs() < 0.005);
}

#[test]
fn models_units_and_discounting_change_what_they_should() {
    let sample = sample().display().to_string();
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "--transactions",
            sample.as_str(),
            "--calibration-end",
            "1997-09-30",
        ];
        args.extend_from_slice(extra);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = clv(&refs);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("transactions after the calibration end"),
            "{}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let weekly = run(&[]);
    // Pareto/NBD on the same sample: Fader, Hardie & Lee's published r = 0.553, α = 10.578,
    // s = 0.606, β = 11.669, log-likelihood −9595.0.
    let pareto = run(&["--model", "pareto-nbd"]);
    assert_eq!(pareto["model"], "pareto-nbd");
    for (name, want) in [
        ("r", 0.553),
        ("alpha", 10.578),
        ("s", 0.606),
        ("beta", 11.669),
    ] {
        let got = pareto["params"][name].as_f64().unwrap();
        assert!((got - want).abs() <= 0.0005, "{name}: {got} vs {want}");
    }
    let ll = pareto["log_likelihood"].as_f64().unwrap();
    assert!((ll + 9595.0).abs() <= 0.05, "{ll}");
    let mbg = run(&["--model", "mbg-nbd"]);
    assert_eq!(mbg["model"], "mbg-nbd");
    assert!(mbg["params"]["r"].as_f64().unwrap() > 0.5, "{mbg}");
    let daily = run(&["--time-unit", "day", "--horizon", "364"]);
    // Days instead of weeks: the same fit with α scaled by 7 and the same likelihood shape.
    let ratio =
        daily["params"]["alpha"].as_f64().unwrap() / weekly["params"]["alpha"].as_f64().unwrap();
    assert!((ratio - 7.0).abs() < 0.01, "{ratio}");
    let total = |j: &serde_json::Value| j["total_clv"].as_f64().unwrap();
    assert!((total(&daily) - total(&weekly)).abs() / total(&weekly) < 0.01);
    let discounted = run(&["--discount", "0.01"]);
    assert!(total(&discounted) < total(&weekly));
    assert!(weekly["holdout"].is_null());
}

#[test]
fn logs_the_models_cannot_use_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let fails = |path: &str, extra: &[&str], want: &str| {
        let mut args = vec!["--transactions", path];
        args.extend_from_slice(extra);
        let out = clv(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = stderr(&out);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    fails(&log_file(dir.path(), "empty.csv", ""), &[], "empty");
    fails(
        &log_file(
            dir.path(),
            "firsts.csv",
            "customer,date,amount\na,2024-01-01,10\nb,2024-01-02,12\nc,2024-02-01,9\n",
        ),
        &[],
        "cannot be identified",
    );
    fails(
        &log_file(
            dir.path(),
            "bad-date.csv",
            "customer,date,amount\na,2024-01-01,10\na,2024-13-01,12\n",
        ),
        &[],
        "bad-date.csv, line 3, date",
    );
    let ok = log_file(
        dir.path(),
        "ok.csv",
        "customer,date,amount\na,2024-01-01,10\na,2024-02-01,12\nb,2024-01-05,7\nb,2024-03-01,9\nc,2024-01-09,4\n",
    );
    fails(
        &ok,
        &[
            "--calibration-end",
            "2024-02-01",
            "--holdout-end",
            "2024-01-01",
        ],
        "must come after the calibration end",
    );
    fails(&ok, &["--amount-col", "price"], "no amount column 'price'");
    fails(&ok, &["--date-format", "mm/dd/yy"], "--date-format");
    fails(&ok, &["--discount", "-2"], "--discount");
    fails(
        &dir.path().join("missing.csv").display().to_string(),
        &[],
        "missing.csv",
    );
}

#[test]
fn returns_and_a_heavy_buyer_give_finite_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer;date;amount\n");
    let day =
        |d: i64| chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(d);
    // One customer with 10,000 purchases on distinct days ...
    for d in 0..10_000 {
        text.push_str(&format!("heavy;{};{}\n", day(d), 5 + d % 7));
    }
    // ... among 600 with a spread of repeat buying, some of whom return more than they buy.
    for c in 0..600i64 {
        let first = (c * 37) % 9_000;
        text.push_str(&format!("c{c};{};20\n", day(first)));
        for k in 1..=(c % 6) {
            text.push_str(&format!(
                "c{c};{};{}\n",
                day(first + k * (30 + c % 90)),
                10 + c % 5
            ));
        }
        if c % 50 == 1 {
            text.push_str(&format!("c{c};{};-35\n", day(first + 400)));
        }
    }
    let path = log_file(dir.path(), "mixed.csv", &text);
    let out_csv = dir.path().join("out.csv");
    let out = clv(&[
        "--transactions",
        &path,
        "--time-unit",
        "month",
        "--out",
        out_csv.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("zero or negative mean spend"), "{err}");
    let csv = std::fs::read_to_string(&out_csv).unwrap();
    assert_eq!(csv.lines().count(), 1 + 601);
    for line in csv.lines().skip(1) {
        for v in line.split(',').skip(1) {
            assert!(v.parse::<f64>().unwrap().is_finite(), "{line}");
        }
    }
    let heavy = csv.lines().find(|l| l.starts_with("heavy,")).unwrap();
    assert!(heavy.starts_with("heavy,9999,"), "{heavy}");
}

#[test]
fn a_fit_that_does_not_converge_says_so_and_writes_nothing() {
    // Almost everyone buys once; one customer buys every day for 27 years: the likelihood
    // has no interior maximum for the dropout process.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer;date;amount\n");
    for d in 0..10_000 {
        let date = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(d);
        text.push_str(&format!("heavy;{date};{}\n", 5 + d % 7));
    }
    for c in 0..200 {
        text.push_str(&format!("c{c};2010-01-{:02};20\n", c % 28 + 1));
    }
    let path = log_file(dir.path(), "odd.csv", &text);
    let out_csv = dir.path().join("out.csv");
    let out = clv(&["--transactions", &path, "--out", out_csv.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("did not converge after"), "{err}");
    assert!(err.contains("gradient norm"), "{err}");
    assert!(
        !out_csv.exists(),
        "nothing is written for a fit that failed"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["converged"], false);
}
