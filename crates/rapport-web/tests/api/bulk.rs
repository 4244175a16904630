//! Bulk upserts: created, unchanged, updated; one bad record names its index and nothing is
//! written; 1 to 1000 records; a relationship manager's new parties are theirs.

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

#[tokio::test]
async fn a_relationship_managers_new_parties_in_bulk_are_theirs_and_stored_ones_keep_their_owner() {
    for s in servers().await {
        let server = &s;
        let owner = |key: &str| {
            let path = format!("/api/v1/parties/{key}");
            async move { call(server.get(&path, Viewer)).await.body["owner_email"].clone() }
        };
        let r = call(s.post(
            "/api/v1/parties/bulk",
            RelationshipManager,
            json!({"items": [
                {"external_id": "RM-NEW", "name": "Neu GmbH"},
                {"external_id": RM_PARTY, "name": "Rapport Mine GmbH"},
            ]}),
        ))
        .await;
        assert_eq!(
            r.status, 200,
            "as a single create makes them theirs: {}",
            r.text
        );
        assert_eq!(
            (&r.body["created"], &r.body["unchanged"]),
            (&json!(1), &json!(1))
        );
        assert_eq!(owner("RM-NEW").await, json!(email(RelationshipManager)));
        assert_eq!(owner(RM_PARTY).await, json!(email(RelationshipManager)));
        // Contacts too (their person is a party of their own).
        let r = call(s.post(
            "/api/v1/contacts/bulk",
            RelationshipManager,
            json!({"items": [{"external_id": "RM-C", "first_name": "Eva", "last_name": "Muster",
                              "organization_external_id": RM_PARTY}]}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(owner("RM-C").await, json!(email(RelationshipManager)));

        // A stored party the call updates keeps its owner, whoever calls: a manager's change
        // leaves the relationship manager's party theirs, and a manager's new party has none.
        let r = call(s.post(
            "/api/v1/parties/bulk",
            Manager,
            json!({"items": [
                {"external_id": "RM-NEW", "name": "Neu GmbH", "city": "Bonn"},
                {"external_id": "M-NEW", "name": "Manager AG", "city": "Bonn"},
            ]}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(owner("RM-NEW").await, json!(email(RelationshipManager)));
        assert_eq!(owner("M-NEW").await, Value::Null);
        // Naming an owner (or none) is the caller's choice, checked as always.
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                RelationshipManager,
                json!({"items": [{"external_id": "RM-X", "name": "X", "owner_email": null}]}),
            ),
            403,
            None,
        )
        .await;
        s.stop().await;
    }
}
