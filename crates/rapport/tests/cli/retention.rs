//! The retention reports and win-back campaigns from the command line.

use super::*;

#[tokio::test]
async fn the_retention_reports_over_the_demo_company_on_both_backends() {
    for db in TestDb::all().await {
        let demo = [
            "demo",
            "--no-serve",
            "--customers",
            "400",
            "--seed",
            "5",
            "--as-of",
            "2025-06-01",
        ];
        ok(&db.url, &demo);
        let period = ["--from", "2024-06-01", "--to", "2025-05-31"];
        let top = |extra: &[&str]| -> serde_json::Value {
            let mut args = vec!["report", "top-cancellation-reasons", "--json"];
            args.extend_from_slice(&period);
            args.extend_from_slice(extra);
            serde_json::from_str(&ok(&db.url, &args)).unwrap()
        };
        let all = top(&[]);
        let reasons = all["reasons"].as_array().unwrap();
        assert!(!reasons.is_empty() && reasons.len() <= 10, "{all}");
        let counts: Vec<i64> = reasons
            .iter()
            .map(|r| r["count"].as_i64().unwrap())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
        for r in reasons {
            for field in [
                "code",
                "label",
                "count",
                "share",
                "revenue_lost_minor",
                "previous_count",
            ] {
                assert!(!r[field].is_null(), "{field} in {r}");
            }
        }
        let listed: i64 = counts.iter().sum::<i64>() + all["rest"]["count"].as_i64().unwrap();
        assert_eq!(listed, all["count"].as_i64().unwrap());
        let mobile = top(&["--product", "SKU-MOB-PLAN-L"]);
        assert!(mobile["count"].as_i64().unwrap() < all["count"].as_i64().unwrap());
        let text = ok(
            &db.url,
            &[
                "report",
                "top-cancellation-reasons",
                "--from",
                "2024-06-01",
                "--to",
                "2025-05-31",
            ],
        );
        assert!(
            text.contains("Top cancellation reasons") && text.contains("revenue lost"),
            "{text}"
        );

        let remorse: serde_json::Value = serde_json::from_str(&ok(
            &db.url,
            &[
                "report",
                "remorse",
                "--from",
                "2023-01-01",
                "--to",
                "2025-05-31",
                "--as-of",
                "2025-06-01",
                "--json",
            ],
        ))
        .unwrap();
        let gaps = remorse["by_gap"].as_array().unwrap();
        assert_eq!(gaps.len(), 5);
        let rate = |i: usize| gaps[i]["rate"].as_f64().unwrap();
        // The demo plants remorse that grows with the wait for delivery.
        assert!(rate(0) < rate(3), "{remorse}");

        let calls: serde_json::Value = serde_json::from_str(&ok(
            &db.url,
            &["report", "call-today", "--as-of", "2025-06-01", "--json"],
        ))
        .unwrap();
        assert!(calls["contracts"].is_array());

        for (args, says) in [
            (
                vec!["--from", "2025-05-31", "--to", "2024-06-01"],
                "--to 2024-06-01: lies before from",
            ),
            (
                vec![
                    "--from",
                    "2024-06-01",
                    "--to",
                    "2025-05-31",
                    "--product",
                    "NOPE",
                ],
                "--product NOPE: no product has this SKU",
            ),
            (
                vec![
                    "--from",
                    "2024-06-01",
                    "--to",
                    "2025-05-31",
                    "--owner",
                    "nobody@example.com",
                ],
                "no user has the e-mail address",
            ),
        ] {
            let mut full = vec!["report", "top-cancellation-reasons"];
            full.extend(args);
            let out = rapport(&db.url, &full);
            assert_eq!(out.status.code(), Some(2), "{full:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(says), "{full:?}: {stderr}");
        }
    }
}

#[tokio::test]
async fn a_winback_campaign_from_the_command_line_on_both_backends() {
    for db in TestDb::all().await {
        ok(
            &db.url,
            &[
                "demo",
                "--no-serve",
                "--customers",
                "300",
                "--seed",
                "9",
                "--as-of",
                "2025-06-01",
            ],
        );
        ok(&db.url, &["score", "--as-of", "2025-06-01"]);
        let churned: serde_json::Value = serde_json::from_str(&ok(
            &db.url,
            &["report", "churned", "--json", "--limit", "5"],
        ))
        .unwrap();
        let first = churned["items"][0]["external_id"]
            .as_str()
            .expect("a churned customer")
            .to_string();
        let started = ok(
            &db.url,
            &[
                "campaign",
                "create",
                "--name",
                "Spring",
                "--list",
                "churned",
                "--control-share",
                "0",
                "--offer",
                "*=Personal call",
                "--cost",
                "90.00",
                "--json",
            ],
        );
        let started: serde_json::Value = serde_json::from_str(&started).unwrap();
        assert_eq!(started["control"], 0);
        assert!(started["treatment"].as_i64().unwrap() > 0);
        assert!(ok(&db.url, &["campaign", "list"]).contains("Spring"));

        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            format!("party,outcome,note\n{first},won_back,ok\n{first},maybe,\n"),
        )
        .unwrap();
        let out = rapport(
            &db.url,
            &["campaign", "outcomes", "Spring", bad.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("line 3: outcome 'maybe'"),
            "{out:?}"
        );
        let dup = dir.path().join("dup.csv");
        std::fs::write(
            &dup,
            format!("party,outcome\n{first},won_back\n{first},declined\n"),
        )
        .unwrap();
        let out = rapport(
            &db.url,
            &["campaign", "outcomes", "Spring", dup.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("line 3"),
            "{out:?}"
        );
        let good = dir.path().join("good.csv");
        std::fs::write(
            &good,
            format!("party,outcome,note\n{first},won_back,Came back after the call\n"),
        )
        .unwrap();
        assert!(
            ok(
                &db.url,
                &["campaign", "outcomes", "Spring", good.to_str().unwrap()]
            )
            .contains("recorded 1")
        );

        let result: serde_json::Value =
            serde_json::from_str(&ok(&db.url, &["campaign", "show", "Spring", "--json"])).unwrap();
        assert_eq!(
            result["overall"]["recorded"]["won_back"], 1,
            "the refused files wrote nothing"
        );
        assert!(result["overall"]["lift"].is_null(), "no control group");
        assert!(ok(&db.url, &["campaign", "show", "Spring"]).contains("no control group"));
        let members = dir.path().join("members.csv");
        ok(
            &db.url,
            &[
                "campaign",
                "export",
                "Spring",
                "--out",
                members.to_str().unwrap(),
            ],
        );
        let csv = std::fs::read_to_string(&members).unwrap();
        assert!(
            csv.starts_with("external_id,name,arm,") && csv.contains(",won_back,"),
            "{csv}"
        );
        ok(&db.url, &["campaign", "close", "Spring"]);
        let out = rapport(&db.url, &["campaign", "close", "Spring"]);
        assert_eq!(out.status.code(), Some(2));
        let out = rapport(
            &db.url,
            &[
                "campaign",
                "create",
                "--name",
                "Empty",
                "--list",
                "at-risk",
                "--filter",
                "q=nobody-at-all",
            ],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("holds nobody"),
            "{out:?}"
        );
    }
}
