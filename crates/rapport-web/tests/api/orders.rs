//! Orders with their lines as one record: created and read back as sent, sent back unchanged,
//! upserted in bulk by order_id, changed (lines replaced when given) and deleted with their
//! lines; every refusal named by field with nothing written; written by the customer's
//! relationship manager, never by agents or viewers; audited with the lines; and a purchase
//! taking a dormant customer off the churned list.

use super::*;

async fn seed_products(s: &Server) {
    for sku in ["SKU-1", "SKU-2"] {
        create(
            s,
            "/api/v1/products",
            Manager,
            json!({"sku": sku, "name": format!("Product {sku}"), "list_price": "10.00", "currency": "EUR"}),
        )
        .await;
    }
}

/// An order as the API shows it (less its id).
fn order(id: &str, customer: &str) -> Value {
    json!({
        "order_id": id,
        "customer_id": customer,
        "ordered_at": "2026-03-01T10:00:00Z",
        "currency": "EUR",
        "channel": "web",
        "lines": [
            {"line": 1, "sku": "SKU-1", "quantity": 2, "amount": "25.00"},
            {"line": 2, "sku": "SKU-2", "quantity": 1, "amount": "9.90"},
        ],
    })
}

fn without_id(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
    }
    v
}

async fn bulk(s: &Server, role: UserRole, items: Value) -> Reply {
    call(s.post("/api/v1/orders/bulk", role, json!({ "items": items }))).await
}

fn outcome(r: &Reply) -> (u64, u64, u64) {
    assert_eq!(r.status, 200, "{}", r.text);
    let n = |k: &str| r.body[k].as_u64().expect(k);
    (n("created"), n("updated"), n("unchanged"))
}

#[tokio::test]
async fn an_order_is_created_with_its_lines_and_reads_back_as_sent() {
    for s in servers().await {
        seed_products(&s).await;
        let sent = order("O-1", RM_PARTY);
        let r = call(s.post("/api/v1/orders", Manager, sent.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("location"), "/api/v1/orders/O-1");
        assert!(r.body["id"].is_string(), "{}", r.text);
        assert_eq!(without_id(r.body.clone()), sent);
        let got = call(s.get("/api/v1/orders/O-1", Viewer)).await;
        assert_eq!(got.body, r.body);
        let by_id = call(s.get(
            &format!("/api/v1/orders/{}", r.body["id"].as_str().unwrap()),
            Viewer,
        ))
        .await;
        assert_eq!(by_id.body, r.body);

        // What a GET returns goes back unchanged.
        assert_eq!(
            outcome(&bulk(&s, Manager, json!([without_id(got.body.clone())])).await),
            (0, 0, 1)
        );

        // Left out: the line numbers (by position), quantity (1), currency (EUR), channel,
        // sku; a date without a time; an amount as a number.
        let r = call(s.post(
            "/api/v1/orders",
            Manager,
            json!({"order_id": "O-2", "customer_id": RM_PARTY, "ordered_at": "2026-03-02",
                   "lines": [{"amount": 12.5}, {"sku": "SKU-1", "quantity": 3, "amount": "3"}]}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(
            without_id(r.body),
            json!({"order_id": "O-2", "customer_id": RM_PARTY,
                   "ordered_at": "2026-03-02T00:00:00Z", "currency": "EUR", "channel": null,
                   "lines": [{"line": 1, "sku": null, "quantity": 1, "amount": "12.50"},
                             {"line": 2, "sku": "SKU-1", "quantity": 3, "amount": "3.00"}]})
        );
        // Amounts in the currency's minor digits; an order made without an order_id gets one.
        let r = call(s.post(
            "/api/v1/orders",
            Manager,
            json!({"customer_id": OTHER_PARTY, "ordered_at": "01.03.2026", "currency": "JPY",
                   "lines": [{"line": 5, "amount": "1200"}]}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["lines"][0]["amount"], "1200");
        assert_eq!(r.body["lines"][0]["line"], 5);
        let key = r.body["order_id"].as_str().unwrap().to_string();
        assert_eq!(r.header("location"), format!("/api/v1/orders/{key}"));

        // Lists page by orders, with their lines nested, and filter by customer.
        let all = all_pages(&s, "/api/v1/orders?sort=order_id", 1).await;
        assert_eq!(all.len(), 3);
        let o1 = all.iter().find(|o| o["order_id"] == "O-1").unwrap();
        assert_eq!(o1, &got.body);
        let mine = all_pages(&s, &format!("/api/v1/orders?customer_id={RM_PARTY}"), 50).await;
        assert_eq!(keys(&mine, "order_id"), ["O-1", "O-2"]);

        refused(
            &s,
            s.post("/api/v1/orders", Manager, order("O-1", RM_PARTY)),
            409,
            None,
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn bulk_upserts_orders_by_order_id_idempotently() {
    for s in servers().await {
        seed_products(&s).await;
        let items = json!([
            order("B-1", RM_PARTY),
            order("B-2", OTHER_PARTY),
            order("B-3", RM_PARTY)
        ]);
        let r = bulk(&s, Manager, items.clone()).await;
        assert_eq!(outcome(&r), (3, 0, 0));
        assert_eq!(r.body["keys"], json!(["B-1", "B-2", "B-3"]));
        assert_eq!(outcome(&bulk(&s, Manager, items.clone()).await), (0, 0, 3));
        let mut changed = items.clone();
        changed[1]["lines"][1]["amount"] = json!("10.00");
        assert_eq!(
            outcome(&bulk(&s, Manager, changed.clone()).await),
            (0, 1, 2)
        );
        let got = call(s.get("/api/v1/orders/B-2", Viewer)).await;
        assert_eq!(without_id(got.body), changed[1]);

        // A stored order keeps what a record leaves out: here its lines.
        let r = bulk(
            &s,
            Manager,
            json!([{"order_id": "B-3", "channel": "store"}, order("B-4", RM_PARTY)]),
        )
        .await;
        assert_eq!(outcome(&r), (1, 1, 0));
        let got = call(s.get("/api/v1/orders/B-3", Viewer)).await;
        assert_eq!(got.body["channel"], "store");
        assert_eq!(got.body["lines"], order("B-3", RM_PARTY)["lines"]);
        assert_eq!(all_pages(&s, "/api/v1/orders", 200).await.len(), 4);

        // A new order needs its lines, named with the record's index; 1 to 1000 per call.
        let r = refused(
            &s,
            s.post(
                "/api/v1/orders/bulk",
                Manager,
                json!({"items": [order("B-5", RM_PARTY), {"order_id": "B-6", "customer_id": RM_PARTY, "ordered_at": "2026-03-01"}]}),
            ),
            422,
            Some("lines"),
        )
        .await;
        assert_eq!(r.body["errors"][0]["index"], 1, "{}", r.text);
        let many: Vec<Value> = (0..1001)
            .map(|i| order(&format!("M-{i}"), RM_PARTY))
            .collect();
        refused(
            &s,
            s.post("/api/v1/orders/bulk", Manager, json!({ "items": many })),
            422,
            None,
        )
        .await;
        let r = bulk(&s, Manager, Value::Array(many[..1000].to_vec())).await;
        assert_eq!(outcome(&r), (1000, 0, 0));
        s.stop().await;
    }
}

#[tokio::test]
async fn patch_changes_fields_replaces_lines_and_delete_removes_the_order() {
    for s in servers().await {
        seed_products(&s).await;
        let made = create(&s, "/api/v1/orders", Manager, order("P-1", RM_PARTY)).await;
        let r = call(s.patch("/api/v1/orders/P-1", Manager, json!({"channel": "store"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["channel"], "store");
        assert_eq!(r.body["lines"], made["lines"], "lines stay unless given");

        let path = format!("/api/v1/orders/{}", made["id"].as_str().unwrap());
        let r = call(s.patch(
            &path,
            Manager,
            json!({"customer_id": OTHER_PARTY, "lines": [{"sku": "SKU-2", "amount": "5.00"}]}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["customer_id"], OTHER_PARTY);
        assert_eq!(
            r.body["lines"],
            json!([{"line": 1, "sku": "SKU-2", "quantity": 1, "amount": "5.00"}])
        );
        let r = call(s.patch(&path, Manager, json!({"channel": "store"}))).await;
        assert_eq!(r.status, 200, "a change to nothing: {}", r.text);

        refused(
            &s,
            s.patch(&path, Manager, json!({"order_id": "P-2"})),
            422,
            Some("order_id"),
        )
        .await;
        refused(
            &s,
            s.patch(&path, Manager, json!({"lines": []})),
            422,
            Some("lines"),
        )
        .await;
        refused(
            &s,
            s.patch("/api/v1/orders/NOPE", Manager, json!({"channel": "x"})),
            404,
            None,
        )
        .await;

        let r = call(s.delete("/api/v1/orders/P-1", Manager)).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(call(s.get("/api/v1/orders/P-1", Viewer)).await.status, 404);
        assert_eq!(
            call(s.delete("/api/v1/orders/P-1", Manager)).await.status,
            404
        );
        assert!(all_pages(&s, "/api/v1/orders", 50).await.is_empty());
        // Its lines went with it: the party it was on may go now.
        let r = call(s.delete(&format!("/api/v1/parties/{OTHER_PARTY}"), Manager)).await;
        assert_eq!(r.status, 204, "{}", r.text);

        // Every change is in the audit log with the lines before and after.
        let r = call(s.get("/api/v1/audit?entity=orders", Admin)).await;
        let entries: Vec<&Value> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_id"] == "P-1")
            .collect();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["delete", "update", "update", "create"],
            "{}",
            r.text
        );
        let (delete, lines, channel, create_) = (entries[0], entries[1], entries[2], entries[3]);
        for e in &entries {
            assert_eq!(e["source"], "api");
            assert_eq!(e["user_email"], email(Manager));
        }
        assert_eq!(create_["before"], Value::Null);
        assert_eq!(create_["after"]["external_id"], "P-1");
        assert_eq!(create_["after"]["lines"][1]["amount_minor"], 990);
        assert_eq!(channel["before"], json!({"channel": "web"}));
        assert_eq!(channel["after"], json!({"channel": "store"}));
        assert_eq!(lines["before"]["lines"].as_array().unwrap().len(), 2);
        assert_eq!(lines["after"]["lines"][0]["amount_minor"], 500);
        assert!(lines["after"]["party_id"].is_string(), "{lines}");
        assert_eq!(delete["after"], Value::Null);
        assert_eq!(delete["before"]["lines"][0]["sku"], "SKU-2");
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_orders_are_refused_by_field_and_nothing_is_written() {
    for s in servers().await {
        seed_products(&s).await;
        let with = |change: &dyn Fn(&mut Value)| {
            let mut o = order("BAD-1", RM_PARTY);
            change(&mut o);
            o
        };
        let cases: Vec<(Value, &str)> = vec![
            (with(&|o| o["customer_id"] = json!("NOBODY")), "customer_id"),
            (with(&|o| o["customer_id"] = Value::Null), "customer_id"),
            (
                with(&|o| o["lines"][0]["sku"] = json!("NOPE")),
                "lines[0].sku",
            ),
            (
                with(&|o| o["lines"][1]["amount"] = json!("9.999")),
                "lines[1].amount",
            ),
            (
                with(&|o| o["lines"][0]["amount"] = json!("lots")),
                "lines[0].amount",
            ),
            (
                with(&|o| o["lines"][0]["amount"] = json!(true)),
                "lines[0].amount",
            ),
            (with(&|o| o["currency"] = json!("JPY")), "lines[1].amount"),
            (with(&|o| o["currency"] = json!("EURO")), "currency"),
            (with(&|o| o["lines"][1]["line"] = json!(1)), "lines[1].line"),
            (with(&|o| o["lines"][0]["line"] = json!(0)), "lines[0].line"),
            (
                with(&|o| o["lines"][0]["quantity"] = json!(-1)),
                "lines[0].quantity",
            ),
            (
                with(&|o| o["lines"][0]["quantity"] = json!("two")),
                "lines[0].quantity",
            ),
            (
                with(&|o| o["ordered_at"] = json!("yesterday")),
                "ordered_at",
            ),
            (with(&|o| o["ordered_at"] = json!(20260301)), "ordered_at"),
            (with(&|o| o["colour"] = json!("red")), "colour"),
            (
                with(&|o| o["lines"][0]["price"] = json!("1.00")),
                "lines[0].price",
            ),
            (with(&|o| o["id"] = json!("x")), "id"),
            (with(&|o| o["lines"] = json!([])), "lines"),
            (with(&|o| o["lines"] = json!("SKU-1")), "lines"),
            (with(&|o| o["lines"][0] = json!(5)), "lines[0]"),
            (
                with(&|o| {
                    o.as_object_mut().unwrap().remove("lines");
                }),
                "lines",
            ),
        ];
        for (body, field) in cases {
            refused(
                &s,
                s.post("/api/v1/orders", Manager, body.clone()),
                422,
                Some(field),
            )
            .await;
        }
        // In bulk, the bad record is named by its index and the good ones are not written.
        for (items, index, field) in [
            (
                json!([
                    order("G-1", RM_PARTY),
                    with(&|o| o["lines"][0]["sku"] = json!("NOPE"))
                ]),
                1,
                "lines[0].sku",
            ),
            (
                json!([
                    with(&|o| o["customer_id"] = json!("NOBODY")),
                    order("G-1", RM_PARTY)
                ]),
                0,
                "customer_id",
            ),
            (
                json!([order("G-1", RM_PARTY), order("G-1", OTHER_PARTY)]),
                1,
                "order_id",
            ),
            (json!([order("G-1", RM_PARTY), 7]), 1, "(record)"),
        ] {
            let r = refused(
                &s,
                s.post("/api/v1/orders/bulk", Manager, json!({ "items": items })),
                422,
                Some(field),
            )
            .await;
            let named = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["field"] == field)
                .unwrap()
                .clone();
            assert_eq!(named["index"], index, "{}", r.text);
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn orders_are_written_by_their_customers_relationship_manager_not_by_agents_or_viewers() {
    for s in servers().await {
        seed_products(&s).await;
        let r = call(s.post(
            "/api/v1/orders",
            RelationshipManager,
            order("R-1", RM_PARTY),
        ))
        .await;
        assert_eq!(r.status, 201, "their own customer: {}", r.text);
        create(&s, "/api/v1/orders", Manager, order("R-2", OTHER_PARTY)).await;
        let rm = RelationshipManager;
        for req in [
            s.post("/api/v1/orders", rm, order("R-3", OTHER_PARTY)),
            s.post(
                "/api/v1/orders/bulk",
                rm,
                json!({"items": [order("R-3", RM_PARTY), order("R-4", OTHER_PARTY)]}),
            ),
            s.patch("/api/v1/orders/R-2", rm, json!({"channel": "x"})),
            s.patch("/api/v1/orders/R-2", rm, json!({"customer_id": RM_PARTY})),
            s.patch(
                "/api/v1/orders/R-1",
                rm,
                json!({"customer_id": OTHER_PARTY}),
            ),
            s.delete("/api/v1/orders/R-2", rm),
            s.post("/api/v1/orders", Agent, order("R-5", RM_PARTY)),
            s.patch("/api/v1/orders/R-1", Agent, json!({"channel": "x"})),
            s.delete("/api/v1/orders/R-1", Agent),
            s.post("/api/v1/orders", Viewer, order("R-5", RM_PARTY)),
            s.post(
                "/api/v1/orders/bulk",
                Viewer,
                json!({"items": [order("R-5", RM_PARTY)]}),
            ),
            s.delete("/api/v1/orders/R-1", Viewer),
        ] {
            refused(&s, req, 403, None).await;
        }
        let r = call(s.patch(
            "/api/v1/orders/R-1",
            rm,
            json!({"lines": [{"sku": "SKU-1", "amount": "1.00"}]}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(s.delete("/api/v1/orders/R-1", rm)).await;
        assert_eq!(r.status, 204, "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_purchase_takes_a_dormant_customer_off_the_churned_list() {
    for s in servers().await {
        support::seed_orders_and_score(&s).await;
        let dormant = async || -> Vec<String> {
            let r = call(s.get("/api/v1/retention/churned?limit=500", Viewer)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["reason_code"] == "dormant")
                .map(|i| i["external_id"].as_str().unwrap().to_string())
                .collect()
        };
        let before = dormant().await;
        assert!(
            before.len() >= 2,
            "the seed has dormant customers: {before:?}"
        );
        let (back, old) = (&before[0], &before[1]);
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let r = bulk(
            &s,
            Manager,
            json!([
                {"order_id": "BACK-1", "customer_id": back, "ordered_at": today, "lines": [{"amount": "20.00"}]},
                {"order_id": "OLD-1", "customer_id": old, "ordered_at": "2020-01-01", "lines": [{"amount": "20.00"}]},
            ]),
        )
        .await;
        assert_eq!(outcome(&r), (2, 0, 0));
        let after = dormant().await;
        assert!(!after.contains(back), "{back} bought again: {after:?}");
        assert!(after.contains(old), "an old order brings nobody back");
        assert_eq!(after.len(), before.len() - 1);
        // Rebuilding the lists before the next score run does not put them back.
        let r = call(s.post("/api/v1/retention/refresh", Manager, json!({}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(dormant().await, after);
        s.stop().await;
    }
}
