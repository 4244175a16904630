//! A new campaign from its JSON, and the list filters of its saved query string.

use super::*;

/// A new campaign from its JSON: `{name, list (or saved_filter), query?, control_share?,
/// offers?, cost?,
/// currency?, due_days?}`. Every problem is named by its field.
pub fn parse_new(body: &Json) -> Result<NewCampaign, RecordError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid("name", None, "the body must be a JSON object"));
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, value: Option<&str>, reason: String| {
        errors.push(crate::import::RowError {
            line: 0,
            column: Some(field.to_string()),
            value: value.map(str::to_string),
            reason,
        });
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "name"
                | "list"
                | "query"
                | "saved_filter"
                | "control_share"
                | "offers"
                | "cost"
                | "currency"
                | "due_days"
        ) {
            err(k, None, "is not a field of a campaign".into());
        }
    }
    let text = |k: &str| obj.get(k).and_then(Json::as_str).map(str::trim);
    let name = text("name").unwrap_or_default().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        err("name", Some(&name), "must be 1 to 200 characters".into());
    }
    let saved_filter = match text("saved_filter") {
        None | Some("") => None,
        Some(id) => match Uuid::parse_str(id) {
            Ok(id) => Some(id),
            Err(_) => {
                err(
                    "saved_filter",
                    Some(id),
                    "must be the id of one of your saved filters".into(),
                );
                None
            }
        },
    };
    let list = text("list").unwrap_or_default().replace('-', "_");
    // A saved filter names its list; a list given with it must be the same (checked on start).
    let from_filter = saved_filter.is_some() && list.is_empty();
    if !from_filter && !LISTS.contains(&list.as_str()) {
        err(
            "list",
            Some(&list),
            format!("must be one of {}", LISTS.join(", ")),
        );
    }
    let query = text("query")
        .unwrap_or_default()
        .trim_start_matches('?')
        .to_string();
    if let Err(e) = check_query(&query) {
        err("query", Some(&query), e);
    }
    let control_share = match obj.get("control_share") {
        None | Some(Json::Null) => 0.2,
        Some(v) => match v.as_f64() {
            Some(s) if (0.0..=0.5).contains(&s) => s,
            _ => {
                err(
                    "control_share",
                    None,
                    "must be a share from 0 to 0.5".into(),
                );
                0.2
            }
        },
    };
    let mut offers = BTreeMap::new();
    match obj.get("offers") {
        None | Some(Json::Null) => {}
        Some(Json::Object(m)) => {
            for (k, v) in m {
                match v.as_str().map(str::trim) {
                    Some(o) if !o.is_empty() && o.chars().count() <= 500 && k.len() <= 64 => {
                        offers.insert(k.trim().to_string(), o.to_string());
                    }
                    _ => err(
                        &format!("offers.{k}"),
                        None,
                        "must be a text of 1 to 500 characters".into(),
                    ),
                }
            }
        }
        Some(_) => err(
            "offers",
            None,
            "must be an object of reason codes to offers ('*' for the rest)".into(),
        ),
    }
    let currency = match text("currency") {
        None => Currency::EUR,
        Some(c) => Currency::parse(c).unwrap_or_else(|e| {
            err("currency", Some(c), e.to_string());
            Currency::EUR
        }),
    };
    let cost_minor = match obj.get("cost") {
        None | Some(Json::Null) => 0,
        Some(v) => {
            let s = match v {
                Json::Number(n) => n.to_string(),
                Json::String(s) => s.clone(),
                _ => String::new(),
            };
            match parse_minor(&s, currency.minor_digits()) {
                Ok(c) if c >= 0 => c,
                _ => {
                    err(
                        "cost",
                        Some(&s),
                        "must be an amount of money, 0 or more".into(),
                    );
                    0
                }
            }
        }
    };
    let due_days = match obj.get("due_days") {
        None | Some(Json::Null) => 14,
        Some(v) => match v.as_u64() {
            Some(d) if (1..=365).contains(&d) => d,
            _ => {
                err(
                    "due_days",
                    None,
                    "must be a whole number of days from 1 to 365".into(),
                );
                14
            }
        },
    };
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }
    Ok(NewCampaign {
        name,
        list,
        query,
        saved_filter,
        control_share,
        offers,
        cost_minor,
        currency,
        due_days,
    })
}

/// The list's filters of a saved query string, with `owner=me` meaning `me`.
pub(super) fn list_query(
    tx_users: &[(String, Uuid)],
    list: &str,
    query: &str,
    me: Option<Uuid>,
) -> Result<WinbackQuery, RecordError> {
    let mut q = WinbackQuery {
        list: list.to_string(),
        limit: MAX_MEMBERS,
        ..WinbackQuery::default()
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v);
        match k {
            "owner" if v == "me" => q.owner = me,
            "owner" => {
                q.owner = Some(
                    tx_users
                        .iter()
                        .find(|(e, _)| e.eq_ignore_ascii_case(&v))
                        .map(|(_, id)| *id)
                        .ok_or_else(|| {
                            invalid(
                                "query",
                                Some(query),
                                "no user has the owner's e-mail address",
                            )
                        })?,
                )
            }
            "reason" => q.reason = Some(v).filter(|v| !v.is_empty()),
            "min_value" if !v.is_empty() => {
                q.min_value = Some(
                    v.parse()
                        .map_err(|_| invalid("query", Some(query), "min_value must be a number"))?,
                )
            }
            "q" => q.search = Some(v).filter(|v| !v.is_empty()),
            _ => {}
        }
    }
    Ok(q)
}

/// A query-string value decoded (`+` and `%XX`); bytes that are not UTF-8 are replaced.
fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded_without_panicking() {
        assert_eq!(decode("M%C3%BCller+%26+Co"), "Müller & Co");
        assert_eq!(decode("%aé%"), "%aé%");
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn a_new_campaign_names_every_bad_field() {
        let bad = json!({"name": "", "list": "vip", "control_share": 0.9, "cost": "-5", "due_days": 0, "colour": "red"});
        let RecordError::Invalid(errors) = parse_new(&bad).unwrap_err() else {
            panic!("invalid expected");
        };
        let fields: Vec<&str> = errors.iter().filter_map(|e| e.column.as_deref()).collect();
        for f in [
            "name",
            "list",
            "control_share",
            "cost",
            "due_days",
            "colour",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let ok = parse_new(&json!({"name": "Spring win-back", "list": "churned", "offers": {"*": "Call"}, "cost": "250.00"})).unwrap();
        assert_eq!(
            (ok.cost_minor, ok.control_share, ok.due_days),
            (25_000, 0.2, 14)
        );
    }
}
