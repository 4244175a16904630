//! Tests of duplicate-party detection: published Jaro-Winkler values, name normalization, the
//! scoring rules, and the blocking that keeps big inputs tractable.

use super::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn party(n: u128, kind: &str, name: &str) -> DuplicateInput {
    DuplicateInput {
        id: id(n),
        kind: kind.to_string(),
        name: name.to_string(),
        email: None,
        phone: None,
        city: None,
    }
}

fn person(n: u128, name: &str) -> DuplicateInput {
    party(n, "person", name)
}

fn with_email(mut p: DuplicateInput, email: &str) -> DuplicateInput {
    p.email = Some(email.to_string());
    p
}

fn with_phone(mut p: DuplicateInput, phone: &str) -> DuplicateInput {
    p.phone = Some(phone.to_string());
    p
}

fn with_city(mut p: DuplicateInput, city: &str) -> DuplicateInput {
    p.city = Some(city.to_string());
    p
}

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

// Published values: Winkler (1990), "String Comparator Metrics and Enhanced Decision Rules in the
// Fellegi-Sunter Model of Record Linkage", and the worked table of the Wikipedia article
// "Jaro–Winkler distance" (MARTHA/MARHTA, DWAYNE/DUANE, DIXON/DICKSONX, CRATE/TRACE). The
// published figures have three decimals.
fn check_jw(a: &str, b: &str, expected: f64) {
    let actual = jaro_winkler(a, b);
    assert!(
        close(actual, expected, 0.0005),
        "jaro_winkler({a}, {b}) = {actual}, want {expected}"
    );
    assert_eq!(actual, jaro_winkler(b, a), "symmetric for {a}, {b}");
}

fn check_jaro(a: &str, b: &str, expected: f64) {
    let actual = jaro(a, b);
    assert!(
        close(actual, expected, 0.0005),
        "jaro({a}, {b}) = {actual}, want {expected}"
    );
}

#[test]
fn jaro_winkler_matches_published_values() {
    check_jw("MARTHA", "MARHTA", 0.961);
    check_jw("DWAYNE", "DUANE", 0.840);
    check_jw("DIXON", "DICKSONX", 0.813);
    check_jw("CRATE", "TRACE", 0.733);
    check_jaro("MARTHA", "MARHTA", 0.944);
    check_jaro("DWAYNE", "DUANE", 0.822);
    check_jaro("DIXON", "DICKSONX", 0.767);
    check_jaro("CRATE", "TRACE", 0.733);
}

#[test]
fn jaro_winkler_edge_cases() {
    check_jw("anna", "anna", 1.0);
    check_jw("", "", 1.0);
    check_jw("", "anna", 0.0);
    check_jw("abc", "xyz", 0.0);
    check_jw("a", "a", 1.0);
    check_jw("μαρία", "μαρία", 1.0);
    // The prefix boost stops at four characters.
    let long = jaro_winkler("abcdefgh", "abcdefxy");
    assert!(long < 1.0 && long > jaro("abcdefgh", "abcdefxy"));
    // Strings longer than the fast path's 64 characters.
    let a = "x".repeat(100) + "ab";
    let b = "x".repeat(100) + "ba";
    assert!(close(
        jaro_winkler(&a, &b),
        jaro_winkler(&a[90..], &b[90..]).max(0.99),
        0.01
    ));
}

fn check_name(input: &str, organization: bool, expected: &str) {
    assert_eq!(
        normalize_name(input, organization),
        expected,
        "normalize_name({input:?}, {organization})"
    );
}

#[test]
fn names_normalize() {
    check_name("Jürgen Müller", false, "jurgen muller");
    check_name("Groß Öztürk", false, "gross ozturk");
    check_name("  Renée   Çelik ", false, "renee celik");
    check_name("Hélène À Côté", false, "helene a cote");
    check_name("O'Brien, Anna", false, "obrien anna");
    check_name("Berger-Schmidt", false, "berger schmidt");
    check_name("Μαρία Παπαδοπούλου", false, "μαρια παπαδοπουλου");
    check_name("Ελληνικά Τρόφιμα Α.Ε.", true, "ελληνικα τροφιμα");
    check_name("Papadopoulos AE", true, "papadopoulos");
    check_name("Müller GmbH & Co. KG", true, "muller");
    check_name("Baumann UG (haftungsbeschränkt)", true, "baumann");
    check_name("Förderverein Musik e.V.", true, "forderverein musik");
    check_name("ACME, Inc.", true, "acme");
    check_name("Widget Ltd", true, "widget");
    check_name("Société Générale S.A.", true, "societe generale");
    check_name("Rossi S.p.A.", true, "rossi");
    check_name("Nokia Oy", true, "nokia");
    check_name("Philips N.V.", true, "philips");
    // Legal forms are words at the end of an organization's name only.
    check_name("AG Bau", true, "ag bau");
    check_name("Co", true, "co");
    check_name("Anna Gmbh", false, "anna gmbh");
    check_name("", false, "");
    check_name(" -- ", true, "");
}

#[test]
fn word_order_does_not_matter() {
    // The normalized form keeps the written order; names are also compared with words sorted.
    check_name("Berger Anna", false, "berger anna");
    for (a, b) in [
        ("Berger, Anna", "Anna Berger"),
        ("Anna Maria Berger", "BERGER Anna-Maria"),
    ] {
        let found = find_duplicates(&[person(1, a), person(2, b)], 0.0);
        assert_eq!(found.len(), 1, "{a} / {b}");
        assert_eq!(found[0].reasons, ["same name, words in a different order"]);
    }
    let typo = [
        person(1, "Papadopoulou Maria"),
        person(2, "Maria Papadopulou"),
    ];
    let found = find_duplicates(&typo, 0.0);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].reasons[0].ends_with("(Jaro-Winkler, words sorted)"),
        "{found:?}"
    );
}

/// The candidate pairs found among `parties` at `min_score`, as (a, b) with ids as numbers.
fn pairs(parties: &[DuplicateInput], min_score: f64) -> Vec<(u128, u128)> {
    find_duplicates(parties, min_score)
        .iter()
        .map(|c| (c.a.as_u128(), c.b.as_u128()))
        .collect()
}

fn check(parties: &[DuplicateInput], expected: &[(u128, u128)]) {
    assert_eq!(pairs(parties, 0.0), expected);
}

#[test]
fn same_email_across_case_and_tags() {
    let parties = [
        with_email(person(1, "Ann Example"), "Ann+crm@Example.COM"),
        with_email(person(2, "A. Smith"), "ann@example.com"),
    ];
    let found = find_duplicates(&parties, 0.0);
    assert_eq!(found.len(), 1);
    assert!(found[0].score >= 0.9, "{found:?}");
    assert_eq!(found[0].reasons, ["same e-mail address (ann@example.com)"]);
}

#[test]
fn same_phone_across_national_and_international_forms() {
    let parties = [
        with_phone(person(1, "Jonas Weber"), "+49 30 1234567"),
        with_phone(person(2, "Petra Lang"), "030 1234567"),
    ];
    let found = find_duplicates(&parties, 0.0);
    assert_eq!(found.len(), 1);
    assert!(found[0].score >= 0.8, "{found:?}");
    assert_eq!(
        found[0].reasons,
        ["same phone number (+49 30 1234567 and 030 1234567)"]
    );
}

#[test]
fn unparseable_contacts_count_as_absent() {
    check(
        &[
            with_phone(with_email(person(1, "Jonas Weber"), "n/a"), "none"),
            with_phone(with_email(person(2, "Petra Lang"), "n/a"), "none"),
        ],
        &[],
    );
}

#[test]
fn persons_and_organizations_pair_only_through_contacts() {
    check(
        &[
            person(1, "Anna Berger"),
            party(2, "organization", "Anna Berger"),
        ],
        &[],
    );
    check(
        &[
            with_email(person(1, "Anna Berger"), "anna@berger.de"),
            with_email(
                party(2, "organization", "Berger Consulting"),
                "anna@berger.de",
            ),
        ],
        &[(1, 2)],
    );
    check(
        &[
            party(1, "organisation", "Müller GmbH"),
            party(2, "company", "MÜLLER GmbH & Co. KG"),
        ],
        &[(1, 2)],
    );
    // A kind that is neither is compared by name with its own kind only.
    check(
        &[
            party(1, "household", "Berger Family"),
            party(2, "Household", "Berger family"),
            person(3, "Berger Family"),
        ],
        &[(1, 2)],
    );
}

#[test]
fn names_match_across_case_accents_and_scripts_kept() {
    let same = |a: &str, b: &str| {
        let found = find_duplicates(&[person(1, a), person(2, b)], 0.0);
        assert_eq!(found.len(), 1, "{a} / {b}");
        assert_eq!(found[0].reasons, ["same name"], "{a} / {b}");
    };
    same("Jürgen Müller", "JURGEN MULLER");
    same("Μαρία Παπαδοπούλου", "ΜΑΡΙΑ ΠΑΠΑΔΟΠΟΥΛΟΥ");
    same("Renée O'Brien", "renee obrien");
    // Greek is not transliterated: the Latin spelling is a different name.
    check(
        &[
            person(1, "Μαρία Παπαδοπούλου"),
            person(2, "Maria Papadopoulou"),
        ],
        &[],
    );
}

#[test]
fn names_alone_need_high_similarity_and_stay_below_contacts() {
    check(&[person(1, "Anna Berger"), person(2, "Anne Bergmann")], &[]);
    let near = find_duplicates(
        &[
            person(1, "Katharina Schmidt"),
            person(2, "Katharina Schmitt"),
        ],
        0.0,
    );
    assert_eq!(near.len(), 1);
    assert!(near[0].reasons[0].starts_with("names 9"), "{near:?}");
    assert!(
        near[0].reasons[0].ends_with("% alike (Jaro-Winkler)"),
        "{near:?}"
    );
    let same = find_duplicates(&[person(1, "Anna Berger"), person(2, "Anna Berger")], 0.0);
    let by_email = find_duplicates(
        &[
            with_email(person(1, "X"), "a@b.de"),
            with_email(person(2, "Y"), "a@b.de"),
        ],
        0.0,
    );
    assert!(near[0].score < same[0].score);
    assert!(same[0].score <= 0.85 && same[0].score < by_email[0].score);
}

#[test]
fn city_adds_a_little_and_never_pairs_on_its_own() {
    check(
        &[
            with_city(person(1, "Anna Berger"), "Berlin"),
            with_city(person(2, "Jonas Weber"), "Berlin"),
        ],
        &[],
    );
    let plain = find_duplicates(&[person(1, "Anna Berger"), person(2, "Anna Berger")], 0.0);
    let same_city = find_duplicates(
        &[
            with_city(person(1, "Anna Berger"), "Berlin"),
            with_city(person(2, "Anna Berger"), " berlin "),
        ],
        0.0,
    );
    assert!(same_city[0].score > plain[0].score);
    assert!(same_city[0].score <= 0.86, "{same_city:?}");
    assert_eq!(same_city[0].reasons, ["same name", "same city (Berlin)"]);
}

#[test]
fn all_evidence_combines_within_one() {
    let p = |n| {
        with_city(
            with_phone(
                with_email(person(n, "Anna Berger"), "anna@berger.de"),
                "030 1234567",
            ),
            "Berlin",
        )
    };
    let found = find_duplicates(&[p(7), p(3)], 0.0);
    assert_eq!(found.len(), 1, "found once although in four blocks");
    assert_eq!((found[0].a, found[0].b), (id(3), id(7)));
    assert!(found[0].score > 0.99 && found[0].score <= 1.0);
    assert_eq!(found[0].reasons.len(), 4);
    assert_eq!(found[0].reasons[0], "same e-mail address (anna@berger.de)");
}

#[test]
fn no_self_pairs() {
    let p = with_email(person(1, "Anna Berger"), "anna@berger.de");
    check(&[p.clone(), p.clone()], &[]);
    check(
        &[
            p.clone(),
            p.clone(),
            with_email(person(2, "A. Berger"), "anna@berger.de"),
        ],
        &[(1, 2)],
    );
    check(&[], &[]);
    check(&[p], &[]);
}

#[test]
fn sorted_best_first_then_by_ids_and_filtered() {
    let parties = [
        person(9, "Anna Berger"),
        person(4, "Anna Berger"),
        with_email(person(8, "Jonas Weber"), "jw@example.com"),
        with_email(person(6, "J. Weber"), "jw@example.com"),
        person(5, "Katharina Schmidt"),
        person(2, "Katharina Schmitt"),
        person(1, "Anna Berger"),
    ];
    assert_eq!(
        pairs(&parties, 0.0),
        [(6, 8), (1, 4), (1, 9), (4, 9), (2, 5)]
    );
    assert_eq!(pairs(&parties, 0.79), [(6, 8), (1, 4), (1, 9), (4, 9)]);
    assert_eq!(pairs(&parties, 0.9), [(6, 8)]);
    assert_eq!(pairs(&parties, 1.0), []);
    for c in find_duplicates(&parties, 0.0) {
        assert!(c.a < c.b && (0.0..=1.0).contains(&c.score), "{c:?}");
    }
}

#[test]
fn common_name_block_is_capped() {
    let parties: Vec<_> = (0..500u128)
        .map(|n| {
            let p = with_email(
                person(n + 1, "Maria Papadopoulou"),
                &format!("maria{n}@example.gr"),
            );
            with_city(
                with_phone(p, &format!("+30 21 {:07}", n * 7919)),
                &format!("City {n}"),
            )
        })
        .collect();
    let found = find_duplicates(&parties, 0.0);
    assert!(
        !found.is_empty() && found.len() < 2_000,
        "{} pairs",
        found.len()
    );
}

#[test]
fn shared_office_email_block_is_capped() {
    // 400 people behind one info@ address would be 79,800 pairs compared all-pairs.
    let parties: Vec<_> = (0..400u64)
        .map(|n| {
            let name = format!("{} {}", word(n * 7919, 2), word(n * 104_729, 3));
            with_email(person(u128::from(n) + 1, &name), "info@firm.example")
        })
        .collect();
    let found = find_duplicates(&parties, 0.0);
    assert!(
        !found.is_empty() && found.len() < 2_000,
        "{} pairs",
        found.len()
    );
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ra", "ne", "to", "sa", "vi", "de", "lu", "po", "ri", "an", "el", "ma", "ti",
    "be", "ro", "ga", "zu", "fe", "ni", "ho", "st",
];

fn word(mut x: u64, syllables: usize) -> String {
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(SYLLABLES[(x % 24) as usize]);
        x /= 24;
    }
    w
}

/// `n` distinct generated persons plus, for every 997th, a planted duplicate: either with the
/// same e-mail typed differently and a typo in the name, or with the words of the name swapped
/// and the same city. Returns the parties and the planted pairs.
fn generated(n: u64) -> (Vec<DuplicateInput>, Vec<(Uuid, Uuid)>) {
    let cities = [
        "Berlin",
        "Athens",
        "Hamburg",
        "Thessaloniki",
        "Munich",
        "Patras",
    ];
    let mut parties = Vec::new();
    let mut planted = Vec::new();
    for i in 0..n {
        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 8;
        let (first, last) = (word(x, 2), word(x / 576, 4));
        let city = cities[(i % 6) as usize];
        let p = with_city(person(u128::from(i) + 1, &format!("{first} {last}")), city);
        let p = with_phone(
            with_email(p, &format!("p{i}@example.com")),
            &format!("+49 30 {i:07}"),
        );
        if i % 997 == 0 {
            let dup_id = (1u128 << 64) + u128::from(i);
            let dup = if i % 2 == 0 {
                let typo = format!("{first} {}x", &last[..last.len() - 1]);
                with_email(person(dup_id, &typo), &format!("P{i}+news@Example.com"))
            } else {
                with_city(person(dup_id, &format!("{last} {first}")), city)
            };
            planted.push((p.id, dup.id));
            parties.push(dup);
        }
        parties.push(p);
    }
    (parties, planted)
}

#[test]
fn hundred_thousand_parties_find_the_planted_duplicates() {
    let (parties, planted) = generated(100_000);
    let found = find_duplicates(&parties, 0.5);
    let pairs: std::collections::HashSet<_> = found.iter().map(|c| (c.a, c.b)).collect();
    assert_eq!(pairs.len(), found.len(), "each pair once");
    for pair in &planted {
        assert!(pairs.contains(pair), "planted pair {pair:?} not found");
    }
    assert!(
        found
            .iter()
            .all(|c| c.a < c.b && (0.5..=1.0).contains(&c.score))
    );
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
}
