use super::*;
use rapport_analytics::health::Param;

/// Spells the invisible spaces so failures are readable: "_" U+00A0, "^" U+202F.
fn visible(text: &str) -> String {
    text.replace('\u{a0}', "_").replace('\u{202f}', "^")
}

fn cells(key: &str) -> [&'static str; 4] {
    *catalogue()
        .get(key)
        .unwrap_or_else(|| panic!("no line for {key}"))
}

fn assert_translated(key: &str) {
    for (lang, text) in Lang::ALL.iter().zip(cells(key)) {
        assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
    }
}

fn placeholder_names(text: &str) -> Vec<&str> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Value(name) | Piece::Plural { name, .. } => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

#[test]
fn the_file_is_well_formed() {
    let mut keys = std::collections::HashSet::new();
    for line in SOURCE.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "{line}");
        assert!(keys.insert(cols[0]), "duplicate key {}", cols[0]);
        assert!(cols.iter().all(|c| c.trim() == *c), "stray space: {line}");
    }
    let expected = ReasonCode::ALL.len()
        + ComponentKind::ALL.len()
        + 2 * Class::ALL.len()
        + 2 * SEGMENT_CODES.len();
    assert_eq!(keys.len(), expected, "a key no code asks for");
}

#[test]
fn every_reason_has_four_texts_with_exactly_its_parameters() {
    for &code in ReasonCode::ALL {
        let key = format!("reason.{}", code.code());
        assert_translated(&key);
        let mut declared: Vec<&str> = code.params().to_vec();
        declared.sort_unstable();
        for (lang, text) in Lang::ALL.iter().zip(cells(&key)) {
            let mut used = placeholder_names(text);
            used.sort_unstable();
            used.dedup();
            assert_eq!(used, declared, "{key} in {}: {text}", lang.code());
            for piece in pieces(text) {
                match piece {
                    Piece::Text(t) => assert!(!t.contains(['{', '}']), "{key}: {text}"),
                    Piece::Plural { one, other, .. } => {
                        assert!(!one.is_empty() && !other.is_empty(), "{key}: {text}")
                    }
                    Piece::Value(_) => {}
                }
            }
        }
    }
}

#[test]
fn every_parameter_has_a_unit() {
    for &code in ReasonCode::ALL {
        for name in code.params() {
            assert!(unit(code, name).is_some(), "{}: {name}", code.code());
        }
    }
    assert_eq!(
        unit(ReasonCode::ChurnedPAlive, "threshold"),
        Some(Unit::Percent)
    );
    assert_eq!(
        unit(ReasonCode::RepairLowHealth, "threshold"),
        Some(Unit::Tenths)
    );
}

#[test]
fn components_classes_and_segments_have_names_and_hints() {
    for kind in ComponentKind::ALL {
        assert_translated(&format!("component.{}", kind.code()));
    }
    for class in Class::ALL {
        assert_translated(&format!("class.{}", class.code()));
        assert_translated(&format!("class.{}.hint", class.code()));
    }
    for code in SEGMENT_CODES {
        assert_translated(&format!("segment.{code}"));
        assert_translated(&format!("segment.{code}.hint"));
        for lang in Lang::ALL {
            assert!(segment_name(lang, code).is_some_and(|t| !t.is_empty()));
            assert!(segment_hint(lang, code).is_some_and(|t| !t.is_empty()));
        }
    }
    assert_eq!(component_name(Lang::De, ComponentKind::Value), "Kundenwert");
    assert_eq!(class_name(Lang::En, Class::AtRisk), "At risk");
    assert_eq!(class_name(Lang::El, Class::Churned), "Χαμένος");
    assert_eq!(
        segment_name(Lang::En, "cant_lose_them"),
        Some("Can't lose them")
    );
    assert_eq!(segment_name(Lang::Fr, "champions"), Some("Champions"));
    assert_eq!(segment_name(Lang::En, "champions.hint"), None);
    assert_eq!(segment_name(Lang::En, "unknown"), None);
    assert_eq!(segment_hint(Lang::En, "unknown"), None);
    assert!(class_hint(Lang::En, Class::Repair).starts_with("Fix what went wrong"));
}

#[test]
fn french_puts_a_no_break_space_before_colons_and_greek_uses_its_own_script() {
    for (key, [_, _, fr, el]) in catalogue() {
        let mut previous = ' ';
        for c in fr.chars() {
            if ":;?!".contains(c) {
                assert_eq!(previous, '\u{a0}', "{key}: {fr}");
            }
            previous = c;
        }
        let greek = el
            .chars()
            .filter(|c| ('\u{370}'..='\u{3ff}').contains(c))
            .count();
        assert!(greek > 0 && !el.contains(';'), "{key}: {el}");
    }
}

fn check(lang: Lang, reason: &Reason, expected: &str) {
    assert_eq!(visible(&reason_text(lang, reason)), expected);
}

#[test]
fn p_alive_low_in_every_language() {
    let r = Reason::new(ReasonCode::PAliveLow).with_number("p", 0.23);
    check(
        Lang::En,
        &r,
        "Probably no longer buying: only 23% chance that the customer is still active.",
    );
    check(
        Lang::De,
        &r,
        "Kauft wahrscheinlich nicht mehr: Die Wahrscheinlichkeit, dass der Kunde noch aktiv \
         ist, liegt nur bei 23_%.",
    );
    check(
        Lang::Fr,
        &r,
        "N'achète probablement plus_: seulement 23^% de chances que le client soit encore \
         actif.",
    );
    check(
        Lang::El,
        &r,
        "Μάλλον δεν αγοράζει πια: η πιθανότητα να είναι ακόμη ενεργός ο πελάτης είναι μόλις \
         23%.",
    );
}

#[test]
fn numbers_follow_the_locale_and_the_unit() {
    let r = Reason::new(ReasonCode::PurchaseTrendUp).with_number("ratio", 1.46);
    check(
        Lang::De,
        &r,
        "Kauft zuletzt häufiger: Die aktuelle Kaufrate beträgt das 1,5-Fache der früheren.",
    );
    let r = Reason::new(ReasonCode::AtRiskHealthDrop)
        .with_number("previous", 72.3)
        .with_number("current", 57.0)
        .with_number("drop", 15.3);
    check(
        Lang::En,
        &r,
        "Health fell by 15.3 points since the last scoring, from 72.3 to 57.",
    );
    let r = Reason::new(ReasonCode::ChurnedDormant)
        .with_number("days", 1234.0)
        .with_number("limit", 365.0);
    check(
        Lang::Fr,
        &r,
        "Aucun achat depuis 1^234 jours, soit plus que les 365 jours au-delà desquels un \
         client est considéré comme perdu.",
    );
    let r = Reason::new(ReasonCode::SentimentPositive).with_number("sentiment", 0.62);
    check(
        Lang::El,
        &r,
        "Οι πρόσφατες συζητήσεις πήγαν καλά (διάθεση +0,6 σε κλίμακα από -1 έως +1).",
    );
    let r = Reason::new(ReasonCode::ChurnedPAlive)
        .with_number("p", 0.004)
        .with_number("threshold", 0.1);
    check(
        Lang::En,
        &r,
        "Only <1% chance that the customer is still active, below the 10% limit.",
    );
    let r = Reason::new(ReasonCode::PurchaseTrendDown).with_number("ratio", 0.03);
    assert!(reason_text(Lang::En, &r).contains(" 0.03 times"));
}

#[test]
fn words_agree_with_the_number() {
    let count = |n: f64| Reason::new(ReasonCode::InteractionsSome).with_number("count", n);
    check(
        Lang::En,
        &count(1.0),
        "Occasional contact: 1 interaction in the last 90 days.",
    );
    check(
        Lang::En,
        &count(3.0),
        "Occasional contact: 3 interactions in the last 90 days.",
    );
    let days = |n: f64| Reason::new(ReasonCode::ContactRecent).with_number("days", n);
    check(
        Lang::De,
        &days(1.0),
        "Kürzlich in Kontakt: letzter Kontakt vor 1 Tag.",
    );
    check(
        Lang::De,
        &days(12.0),
        "Kürzlich in Kontakt: letzter Kontakt vor 12 Tagen.",
    );
    check(
        Lang::Fr,
        &days(0.0),
        "Contact récent_: dernier échange il y a 0 jour.",
    );
    check(
        Lang::El,
        &days(2.0),
        "Πρόσφατη επικοινωνία: η τελευταία επαφή ήταν πριν από 2 ημέρες.",
    );
}

#[test]
fn a_component_shows_by_its_name() {
    let r = Reason::new(ReasonCode::WeakestComponent)
        .with_code("component", "friction")
        .with_number("score", 31.0);
    check(Lang::En, &r, "Weakest area: Friction (31 out of 100).");
    check(
        Lang::De,
        &r,
        "Schwächster Bestandteil: Reibungspunkte (31 von 100).",
    );
    check(
        Lang::Fr,
        &r,
        "Point le plus faible_: Points de friction (31 sur 100).",
    );
    check(
        Lang::El,
        &r,
        "Πιο αδύναμο σημείο: Σημεία τριβής (31 στα 100).",
    );
}

#[test]
fn missing_and_odd_values_never_panic() {
    let r = Reason::new(ReasonCode::OpenComplaints);
    assert_eq!(
        reason_text(Lang::En, &r),
        "– open complaints waiting to be resolved."
    );
    let r = Reason::new(ReasonCode::RepairLowHealth)
        .with_number("score", f64::NAN)
        .with_number("threshold", f64::INFINITY);
    assert!(reason_text(Lang::De, &r).contains("Gesundheitswert von – liegt unter –"));
    let r = Reason::new(ReasonCode::WeakestComponent)
        .with_code("component", "mystery")
        .with_number("score", -0.04);
    assert_eq!(
        reason_text(Lang::En, &r),
        "Weakest area: mystery (0 out of 100)."
    );
    for x in [f64::MAX, f64::MIN, -1e300, 1e-300] {
        let r = Reason::new(ReasonCode::AtRiskOverdue)
            .with_number("days", x)
            .with_number("gap_days", x)
            .with_number("multiple", x);
        for lang in Lang::ALL {
            assert!(!reason_text(lang, &r).is_empty());
        }
    }
    assert_eq!(
        reason_text_from_json(Lang::En, "no_such_code", &Map::new()),
        None
    );
}

#[test]
fn placeholders_parse() {
    use Piece::*;
    assert_eq!(
        pieces("a {n} {n|x|y} {bad} {} {x|y} {"),
        vec![
            Text("a "),
            Value("n"),
            Text(" "),
            Plural {
                name: "n",
                one: "x",
                other: "y"
            },
            Text(" "),
            Value("bad"),
            Text(" {}"),
            Text(" {x|y}"),
            Text(" {"),
        ]
    );
}

/// A value in the parameter's range, for every parameter of every code.
fn sample(code: ReasonCode) -> Reason {
    code.params()
        .iter()
        .enumerate()
        .fold(Reason::new(code), |r, (i, &name)| match unit(code, name) {
            Some(Unit::Code) => r.with_code(name, "satisfaction"),
            Some(Unit::Percent) => r.with_number(name, 0.137 + 0.2 * i as f64),
            Some(Unit::Ratio) => r.with_number(name, 0.64),
            Some(Unit::Signed) => r.with_number(name, -0.31),
            _ => r.with_number(name, 1.0 + 1234.56 * i as f64),
        })
}

/// The JSON that `rapport_app` stores for a reason.
fn stored(r: &Reason) -> Value {
    let params: Map<String, Value> = r
        .params
        .iter()
        .map(|Param { name, value }| {
            let v = match value {
                ParamValue::Number(n) => serde_json::json!(n),
                ParamValue::Code(c) => serde_json::json!(c),
            };
            (name.to_string(), v)
        })
        .collect();
    serde_json::json!({"code": r.code.code(), "params": params, "text": r.english()})
}

#[test]
fn stored_json_renders_like_the_typed_reason() {
    for &code in ReasonCode::ALL {
        let reason = sample(code);
        let json = serde_json::to_string(&stored(&reason)).unwrap();
        let back: Value = serde_json::from_str(&json).unwrap();
        for lang in Lang::ALL {
            let from_json = reason_text_from_json(
                lang,
                back["code"].as_str().unwrap(),
                back["params"].as_object().unwrap(),
            );
            let typed = reason_text(lang, &reason);
            assert_eq!(from_json.as_deref(), Some(typed.as_str()));
            assert!(!typed.contains(['{', '}', '|']), "{typed}");
            assert!(!typed.contains(NO_VALUE), "{typed}");
        }
    }
}
