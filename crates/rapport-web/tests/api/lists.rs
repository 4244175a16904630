//! Lists: `q` search, filters by field and owner, sorting, cursor pagination, and bad parameters named.

use super::*;

/// Five more parties with distinct capitalized initials, so that every collation agrees on
/// their order.
async fn seed_list_parties(s: &Server) {
    seed_parties(
        s,
        json!([
            {"external_id": "L-1", "name": "Alpha Anlagen", "lifecycle": "active", "kind": "organization", "email": null},
            {"external_id": "L-2", "name": "Bravo Bau", "lifecycle": "churned", "kind": "organization", "email": null},
            {"external_id": "L-3", "name": "Charlie Chemie", "lifecycle": "churned", "kind": "organization", "email": null},
            {"external_id": "L-4", "name": "Delta Druck", "lifecycle": "lead", "kind": "person", "email": null},
            {"external_id": "L-5", "name": "Echo Energie", "lifecycle": "active", "kind": "organization",
             "email": "kontakt@echo.example"},
        ]),
    )
    .await;
}

#[tokio::test]
async fn q_searches_names_and_emails_case_insensitively_and_external_ids_exactly() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let check = async |q: &str, expected: &[&str]| {
            let path = format!("/api/v1/parties?q={q}");
            let got = keys(&all_pages(&s, &path, 200).await, "external_id");
            assert_eq!(got, expected, "q={q}");
        };
        check("bRAVO", &["L-2"]).await;
        check("anlagen", &["L-1"]).await;
        check("ie", &["L-3", "L-5"]).await;
        check("ECHO.EXAMPLE", &["L-5"]).await;
        check("L-4", &["L-4"]).await;
        check("L-", &[]).await;
        check("%25", &[]).await; // a literal '%', not a wildcard
        check("_", &[]).await;
        check(
            "  ",
            &["L-1", "L-2", "L-3", "L-4", "L-5", OTHER_PARTY, RM_PARTY],
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn lists_filter_by_field_values_and_owners() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let check = async |query: &str, expected: &[&str]| {
            let path = format!("/api/v1/parties?{query}");
            let got = keys(&all_pages(&s, &path, 200).await, "external_id");
            assert_eq!(got, expected, "{query}");
        };
        check("lifecycle=churned", &["L-2", "L-3"]).await;
        check("lifecycle=churned&q=bravo", &["L-2"]).await;
        check("kind=person", &["L-4"]).await;
        check(
            &format!("owner_email={}", email(RelationshipManager)),
            &[RM_PARTY],
        )
        .await;
        check(&format!("owner_email={}", email(Manager)), &[OTHER_PARTY]).await;
        check("owner_email=nobody@test.example", &[]).await;
        check("owner_email=not-an-email", &[]).await;

        // Touchpoints filter by party and author.
        create(
            &s,
            "/api/v1/interactions",
            Manager,
            interaction(RM_PARTY, "2026-01-01T10:00:00Z", "a"),
        )
        .await;
        create(
            &s,
            "/api/v1/interactions",
            Agent,
            interaction(OTHER_PARTY, "2026-01-02T10:00:00Z", "b"),
        )
        .await;
        let by_party = all_pages(
            &s,
            &format!("/api/v1/interactions?party_external_id={OTHER_PARTY}"),
            50,
        )
        .await;
        assert_eq!(keys(&by_party, "subject"), ["b"]);
        let by_user = all_pages(
            &s,
            &format!("/api/v1/interactions?user_email={}", email(Manager)),
            50,
        )
        .await;
        assert_eq!(keys(&by_user, "subject"), ["a"]);
        let since = all_pages(&s, "/api/v1/interactions?since=2026-01-02T00:00:00Z", 50).await;
        assert_eq!(keys(&since, "subject"), ["b"]);
        let until = all_pages(&s, "/api/v1/interactions?until=2026-01-02T00:00:00Z", 50).await;
        assert_eq!(keys(&until, "subject"), ["a"]);
        s.stop().await;
    }
}

#[tokio::test]
async fn lists_sort_by_a_field_either_way() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let names = |items: Vec<Value>| keys(&items, "name");
        let up = names(all_pages(&s, "/api/v1/parties?sort=name", 200).await);
        let down = names(all_pages(&s, "/api/v1/parties?sort=-name", 200).await);
        let expected = [
            "Alpha Anlagen",
            "Bravo Bau",
            "Charlie Chemie",
            "Delta Druck",
            "Echo Energie",
            "Other Holdings AG",
            "Rapport Mine GmbH",
        ];
        assert_eq!(up, expected);
        let mut reversed = expected.to_vec();
        reversed.reverse();
        assert_eq!(down, reversed);
        s.stop().await;
    }
}

#[tokio::test]
async fn cursors_page_through_every_record_exactly_once_in_order() {
    for s in servers().await {
        seed_list_parties(&s).await;
        for (i, at) in [
            "2026-02-03T10:00:00Z",
            "2026-02-01T10:00:00Z",
            "2026-02-02T10:00:00.5Z",
            "2026-02-02T10:00:00Z",
            "2026-02-02T10:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            create(
                &s,
                "/api/v1/interactions",
                Manager,
                interaction(RM_PARTY, at, &format!("i{i}")),
            )
            .await;
        }
        for path in [
            "/api/v1/parties",
            "/api/v1/parties?sort=-name",
            "/api/v1/parties?sort=created_at",
            "/api/v1/parties?sort=-updated_at",
            "/api/v1/parties?lifecycle=active",
            "/api/v1/interactions",
            "/api/v1/interactions?sort=-occurred_at",
            "/api/v1/interactions?sort=external_id",
        ] {
            let whole = all_pages(&s, path, 200).await;
            let paged = all_pages(&s, path, 2).await;
            assert_eq!(keys(&paged, "id"), keys(&whole, "id"), "{path}");
            let mut ids = keys(&paged, "id");
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), whole.len(), "{path}: a record twice");
        }
        let all = all_pages(&s, "/api/v1/parties", 2).await;
        assert_eq!(all.len(), 7);
        let times: Vec<chrono::DateTime<chrono::FixedOffset>> = keys(
            &all_pages(&s, "/api/v1/interactions", 2).await,
            "occurred_at",
        )
        .iter()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("a time"))
        .collect();
        assert!(times.is_sorted(), "{times:?}");
        assert_eq!(times.len(), 5);
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_list_parameters_are_refused_by_name() {
    for s in servers().await {
        let first = call(s.get("/api/v1/parties?limit=1", Viewer)).await;
        let foreign_cursor = first.body["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_string();
        let check = async |query: &str, param: &str| {
            let r = call(s.get(&format!("/api/v1/parties?{query}"), Viewer)).await;
            assert_problem(&r, 400, Some(param));
        };
        check("sort=shoe_size", "sort").await;
        check("sort=-email", "sort").await;
        check("sort=", "sort").await;
        check("cursor=garbage!", "cursor").await;
        check("cursor=WzEsMl0", "cursor").await; // [1,2]
        check(
            &format!("sort=created_at&cursor={foreign_cursor}"),
            "cursor",
        )
        .await;
        check("colour=blue", "colour").await;
        check("id=x", "id").await;
        check("tags=vip", "tags").await;
        check("limit=0", "limit").await;
        check("limit=1000", "limit").await;
        check("limit=201", "limit").await;
        check("limit=-1", "limit").await;
        check("limit=ten", "limit").await;
        check("since=2026-01-01", "since").await; // parties have no time to bound
        check(&format!("q={}", "x".repeat(201)), "q").await;
        let r = call(s.get("/api/v1/interactions?since=yesterday", Viewer)).await;
        assert_problem(&r, 400, Some("since"));
        let r = call(s.get("/api/v1/parties?q=%ff", Viewer)).await;
        assert_problem(&r, 400, None);
        let r = call(s.get("/api/v1/parties?limit=200", Viewer)).await;
        assert_eq!(r.status, 200);
        s.stop().await;
    }
}
