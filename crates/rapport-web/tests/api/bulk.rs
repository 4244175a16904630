//! Bulk upserts: created, unchanged, updated; one bad record names its index and nothing is written; 1 to 1000 records.

use super::*;

fn bulk_items(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .enumerate()
            .map(
                |(i, n)| json!({"external_id": format!("B-{i}"), "name": n, "lifecycle": "active"}),
            )
            .collect(),
    )
}

#[tokio::test]
async fn bulk_creates_then_reports_unchanged_then_updated() {
    for s in servers().await {
        let names = ["Bulk Eins", "Bulk Zwei", "Bulk Drei", "Bulk Vier"];
        let send = async |items: Value| {
            let r = call(s.post("/api/v1/parties/bulk", Manager, json!({ "items": items }))).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let n = |k: &str| r.body[k].as_u64().expect(k);
            assert_eq!(r.body["keys"], json!(["B-0", "B-1", "B-2", "B-3"]));
            (n("created"), n("updated"), n("unchanged"))
        };
        assert_eq!(send(bulk_items(&names)).await, (4, 0, 0));
        assert_eq!(send(bulk_items(&names)).await, (0, 0, 4));
        let mut changed = names;
        changed[2] = "Bulk Drei Neu";
        assert_eq!(send(bulk_items(&changed)).await, (0, 1, 3));
        let got = call(s.get("/api/v1/parties/B-2", Viewer)).await;
        assert_eq!(got.body["name"], "Bulk Drei Neu");
        assert_eq!(all_pages(&s, "/api/v1/parties", 200).await.len(), 6);
        s.stop().await;
    }
}

#[tokio::test]
async fn one_bad_record_in_a_bulk_call_is_named_by_index_and_nothing_is_written() {
    for s in servers().await {
        let ok = |i: usize| json!({"external_id": format!("B-{i}"), "name": format!("Bulk {i}"), "email": null, "owner_email": null});
        let with = |i: usize, field: &str, value: Value| {
            let mut r = ok(i);
            r[field] = value;
            r
        };
        let cases: Vec<(Vec<Value>, usize, &str)> = vec![
            (
                vec![ok(0), ok(1), with(2, "email", json!("nope")), ok(3)],
                2,
                "email",
            ),
            (vec![ok(0), with(1, "name", json!(5)), ok(2)], 1, "name"),
            (
                vec![ok(0), ok(1), ok(2), with(3, "colour", json!("red"))],
                3,
                "colour",
            ),
            (
                vec![with(0, "owner_email", json!("nobody@test.example")), ok(1)],
                0,
                "owner_email",
            ),
            (vec![ok(0), ok(1), ok(0)], 2, "external_id"),
            (
                vec![
                    with(0, "city", json!("A")),
                    with(1, "city", json!("B")),
                    ok(2),
                ],
                2,
                "city",
            ),
        ];
        for (items, index, field) in cases {
            let r = refused(
                &s,
                s.post("/api/v1/parties/bulk", Manager, json!({ "items": items })),
                422,
                Some(field),
            )
            .await;
            let bad = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["field"] == field)
                .unwrap()
                .clone();
            assert_eq!(bad["index"], index, "{}", r.text);
        }
        // An updated record among new ones the caller may not write: refused as a whole.
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                RelationshipManager,
                json!({"items": [
                    {"external_id": RM_PARTY, "name": "Mine, renamed"},
                    {"external_id": OTHER_PARTY, "name": "Not mine, renamed"},
                ]}),
            ),
            403,
            None,
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn a_bulk_call_takes_from_1_to_1000_records() {
    for s in servers().await {
        refused(
            &s,
            s.post("/api/v1/parties/bulk", Manager, json!({"items": []})),
            422,
            None,
        )
        .await;
        let names: Vec<String> = (0..1001).map(|i| format!("Bulk {i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Manager,
                json!({"items": bulk_items(&refs)}),
            ),
            422,
            None,
        )
        .await;
        let r = call(s.post(
            "/api/v1/parties/bulk",
            Manager,
            json!({"items": bulk_items(&refs[..1000])}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 1000);
        assert_eq!(all_pages(&s, "/api/v1/parties", 200).await.len(), 1002);
        s.stop().await;
    }
}
