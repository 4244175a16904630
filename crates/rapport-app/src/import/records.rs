//! One function per import kind: a record in, a pending row (or the record's errors) out. The
//! rules each kind enforces are written here, next to the fields they concern.

use rapport_domain::*;
use rapport_store::Value;
use rapport_store::schema::{
    CANCELLATION_REASONS, CASES, CONTRACTS, INTERACTIONS, PARTIES, PRODUCTS, SURVEY_RESPONSES,
    TASKS,
};

use super::parse::{ParseCtx, Pending, PendingLink, Ref, RefKind, RowBuilder, RowView};

const NAME_MAX: usize = 300;
const TEXT_MAX: usize = 20_000;

fn finish(
    v: &mut RowView,
    b: RowBuilder,
    key: String,
    refs: Vec<Ref>,
    links: Vec<PendingLink>,
) -> Option<Pending> {
    if !v.errors.is_empty() {
        return None;
    }
    Some(Pending {
        line: v.rec.line,
        raw: v.rec.fields.clone(),
        key,
        row: b.row,
        present: b.present,
        refs,
        links,
    })
}

fn reference(b: &RowBuilder, column: &str, kind: RefKind, key: &str, field: &'static str) -> Ref {
    Ref {
        col: b.table.col(column),
        kind,
        key: key.to_string(),
        field,
    }
}

fn opt_text(v: &mut RowView, b: &mut RowBuilder, field: &str, column: &str, max: usize) {
    let value = v.text(field, max);
    let present = v.has(field);
    b.set(column, Value::opt(value), present);
}

/// Roles as typed, or read leniently from CRM "type" values such as "Customer - Direct",
/// "Channel Partner / Reseller" or "Vendor".
pub fn parse_roles(input: &str) -> Result<PartyRoles, ParseError> {
    if let Ok(roles) = PartyRoles::parse(input) {
        return Ok(roles);
    }
    let s = input.to_lowercase();
    let mut roles = Vec::new();
    if s.contains("customer") || s.contains("client") {
        roles.push(PartyRole::Customer);
    }
    if s.contains("partner") || s.contains("reseller") {
        roles.push(PartyRole::Partner);
    }
    if s.contains("prospect") || s.contains("lead") {
        roles.push(PartyRole::Prospect);
    }
    if s.contains("vendor") || s.contains("supplier") {
        roles.push(PartyRole::Supplier);
    }
    if roles.is_empty() {
        return Err(ParseError::new(format!(
            "'{input}' names no role; expected customer, prospect, partner or supplier (separated by ;)"
        )));
    }
    Ok(PartyRoles::new(roles))
}

/// A country as ISO 3166 code or as a common English, German or French name.
pub fn parse_country(input: &str) -> Result<String, ParseError> {
    if let Ok(code) = rapport_domain::parse_country(input) {
        return Ok(code);
    }
    let key = input.trim().to_lowercase();
    let code = match key.as_str() {
        "germany" | "deutschland" | "allemagne" => "DE",
        "austria" | "österreich" | "oesterreich" | "autriche" => "AT",
        "switzerland" | "schweiz" | "suisse" => "CH",
        "france" | "frankreich" => "FR",
        "greece" | "griechenland" | "grèce" | "grece" | "ελλάδα" | "ελλαδα" => "GR",
        "united kingdom" | "uk" | "great britain" | "england" | "großbritannien"
        | "royaume-uni" => "GB",
        "united states"
        | "united states of america"
        | "usa"
        | "us"
        | "vereinigte staaten"
        | "états-unis" => "US",
        "italy" | "italien" | "italie" => "IT",
        "spain" | "spanien" | "espagne" => "ES",
        "netherlands" | "niederlande" | "pays-bas" | "holland" => "NL",
        "belgium" | "belgien" | "belgique" => "BE",
        "luxembourg" | "luxemburg" => "LU",
        "poland" | "polen" | "pologne" => "PL",
        "portugal" => "PT",
        "ireland" | "irland" | "irlande" => "IE",
        "denmark" | "dänemark" | "danemark" => "DK",
        "sweden" | "schweden" | "suède" => "SE",
        "norway" | "norwegen" | "norvège" => "NO",
        "finland" | "finnland" | "finlande" => "FI",
        "cyprus" | "zypern" | "chypre" => "CY",
        "canada" | "kanada" => "CA",
        "czech republic" | "czechia" | "tschechien" => "CZ",
        _ => "",
    };
    if code.is_empty() {
        Err(ParseError::new(format!(
            "'{}' is not a country code (ISO 3166, e.g. DE) or a known country name",
            input.trim()
        )))
    } else {
        Ok(code.to_string())
    }
}

fn tags(input: &str) -> Result<String, ParseError> {
    let mut tags: Vec<String> = input
        .split([';', ',', '|'])
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    Ok(tags.join(";"))
}

fn attributes(v: &mut RowView) -> Option<serde_json::Value> {
    let mut map = match v.parse("attributes", |s| {
        match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            _ => Err(ParseError::new(
                "is not a JSON object such as {\"key\": \"value\"}",
            )),
        }
    }) {
        Some(m) => m,
        None => serde_json::Map::new(),
    };
    for (name, col) in &v.mapping.attributes {
        if let Some(cell) = v
            .rec
            .fields
            .get(*col)
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            map.insert(name.clone(), serde_json::Value::String(cell.to_string()));
        }
    }
    Some(serde_json::Value::Object(map))
}

/// The person/organization fields parties and contacts share.
fn party_common(v: &mut RowView, b: &mut RowBuilder, refs: &mut Vec<Ref>) {
    let roles = v.parse("roles", parse_roles);
    b.set(
        "roles",
        Value::text(roles.map(|r| r.to_code()).unwrap_or_default()),
        v.has("roles"),
    );
    if let Some(owner) = v.get("owner_email") {
        refs.push(reference(
            b,
            "owner_id",
            RefKind::User,
            owner,
            "owner_email",
        ));
    }
    b.set("owner_id", Value::Null, v.has("owner_email"));
    let lifecycle = v
        .parse("lifecycle", LifecycleStatus::parse)
        .unwrap_or(LifecycleStatus::Active);
    b.set(
        "lifecycle",
        Value::text(lifecycle.as_str()),
        v.has("lifecycle"),
    );
    let country = v.parse("country", parse_country);
    b.set("country", Value::opt(country), v.has("country"));
    opt_text(v, b, "city", "city", NAME_MAX);
    let email = v.parse("email", Email::parse);
    b.set(
        "email",
        Value::opt(email.map(|e| e.as_str().to_string())),
        v.has("email"),
    );
    let phone = v.parse("phone", Phone::parse);
    b.set(
        "phone",
        Value::opt(phone.map(|p| p.as_str().to_string())),
        v.has("phone"),
    );
    let tags = v.parse("tags", tags).unwrap_or_default();
    b.set("tags", Value::text(tags), v.has("tags"));
}

fn party_names(v: &mut RowView, b: &mut RowBuilder) -> Option<PartyKind> {
    let first = v.text("first_name", NAME_MAX);
    let last = v.text("last_name", NAME_MAX);
    let joined = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = v.text("name", NAME_MAX).or(if joined.is_empty() {
        None
    } else {
        Some(joined)
    });
    let named = v.has("name") || v.has("first_name") || v.has("last_name");
    if name.is_none() && named {
        v.error("name", None, "is required (or first_name and last_name)");
    }
    let named_by_parts = v.has("first_name") || v.has("last_name");
    b.set("name", Value::opt(name), v.has("name") || named_by_parts);
    let person_like = first.is_some() || last.is_some();
    b.set("first_name", Value::opt(first), v.has("first_name"));
    b.set("last_name", Value::opt(last), v.has("last_name"));
    Some(if person_like {
        PartyKind::Person
    } else {
        PartyKind::Organization
    })
}

pub fn party(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&PARTIES);
    let mut refs = Vec::new();
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let guessed = party_names(v, &mut b);
    let kind = v
        .parse("kind", PartyKind::parse)
        .or(guessed)
        .unwrap_or(PartyKind::Organization);
    b.set(
        "kind",
        Value::text(kind.as_str()),
        v.has("kind") || guessed.is_some(),
    );
    party_common(v, &mut b, &mut refs);
    if !v.has("roles") {
        b.set("roles", Value::text(PartyRole::Customer.as_str()), false);
    }
    opt_text(
        v,
        &mut b,
        "acquisition_channel",
        "acquisition_channel",
        NAME_MAX,
    );
    let acquired = v.date("acquired_on");
    b.set("acquired_on", Value::opt(acquired), v.has("acquired_on"));
    opt_text(v, &mut b, "segment", "segment", NAME_MAX);
    opt_text(v, &mut b, "industry", "industry", NAME_MAX);
    let attrs = attributes(v);
    b.set(
        "attributes",
        Value::opt(attrs),
        v.has("attributes") || !v.mapping.attributes.is_empty(),
    );
    b.fixed("created_at", Value::Time(ctx.now))
        .fixed("updated_at", Value::Time(ctx.now));
    let mut links = Vec::new();
    if let Some(referrer) = v.get("referred_by") {
        if referrer == key {
            v.error("referred_by", Some(referrer), "a party cannot refer itself");
        }
        links.push(PendingLink {
            kind: LinkKind::Referral,
            from: referrer.to_string(),
            to: key.clone(),
            job_title: None,
            since: acquired,
            field: "referred_by",
        });
    }
    finish(v, b, key, refs, links)
}

pub fn contact(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&PARTIES);
    let mut refs = Vec::new();
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    party_names(v, &mut b);
    // A contacts file speaks for first and last name, not for the display name a parties
    // file may have set: new persons are named "first last", stored names are kept.
    let name_col = b.table.col("name");
    b.present[name_col] = false;
    b.fixed("kind", Value::text(PartyKind::Person.as_str()));
    party_common(v, &mut b, &mut refs);
    b.set(
        "attributes",
        attributes(v).unwrap_or(serde_json::json!({})).into(),
        !v.mapping.attributes.is_empty(),
    );
    b.fixed("created_at", Value::Time(ctx.now))
        .fixed("updated_at", Value::Time(ctx.now));
    let org = v.required("organization_external_id").map(str::to_string);
    let job_title = v.text("job_title", NAME_MAX);
    let links = org
        .map(|org| {
            vec![PendingLink {
                kind: LinkKind::WorksAt,
                from: key.clone(),
                to: org,
                job_title,
                since: None,
                field: "organization_external_id",
            }]
        })
        .unwrap_or_default();
    finish(v, b, key, refs, links)
}

pub fn interaction(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&INTERACTIONS);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    if let Some(user) = v.get("user_email") {
        refs.push(reference(&b, "user_id", RefKind::User, user, "user_email"));
    }
    b.set("user_id", Value::Null, v.has("user_email"));
    let channel = v.parse_required("channel", InteractionChannel::parse);
    b.fixed("channel", Value::opt(channel.map(|c| c.as_str())));
    let direction = v
        .parse("direction", Direction::parse)
        .unwrap_or(Direction::Outbound);
    b.set(
        "direction",
        Value::text(direction.as_str()),
        v.has("direction"),
    );
    let at = v.parse_required("occurred_at", parse_timestamp);
    b.fixed("occurred_at", Value::opt(at));
    opt_text(v, &mut b, "subject", "subject", 500);
    opt_text(v, &mut b, "notes", "notes", TEXT_MAX);
    let sentiment = v.parse("sentiment", Sentiment::parse);
    b.set(
        "sentiment",
        Value::opt(sentiment.map(|s| s.value() as i64)),
        v.has("sentiment"),
    );
    opt_text(v, &mut b, "outcome", "outcome", 200);
    finish(v, b, key, refs, Vec::new())
}

pub fn product(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&PRODUCTS);
    let sku = v.parse_required("sku", |s| {
        parse_text(s, 100).map_err(|e| ParseError::new(format!("sku {e}")))
    });
    let key = sku.clone().unwrap_or_default();
    b.fixed("sku", Value::opt(sku));
    let name = v.text("name", NAME_MAX);
    if name.is_none() && v.get("name").is_none() {
        v.error("name", None, "is required");
    }
    b.fixed("name", Value::opt(name));
    opt_text(v, &mut b, "category", "category", NAME_MAX);
    let currency = v.currency(ctx);
    let price = v.money("list_price", currency);
    b.set("list_price_minor", Value::opt(price), v.has("list_price"));
    b.set(
        "currency",
        Value::opt(price.map(|_| currency.as_str().to_string())),
        v.has("list_price"),
    );
    finish(v, b, key, Vec::new(), Vec::new())
}

pub fn reason(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&CANCELLATION_REASONS);
    let code = v.parse_required("code", |s| {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(s.to_string())
        } else {
            Err(ParseError::new(format!(
                "'{s}' is not a reason code (letters, digits, _ and -)"
            )))
        }
    });
    let key = code.clone().unwrap_or_default();
    b.fixed("code", Value::opt(code));
    let label = v.text("label", NAME_MAX);
    if v.get("label").is_none() {
        v.error("label", None, "is required");
    }
    b.fixed("label", Value::opt(label));
    let category = v.parse_required("category", ReasonCategory::parse);
    b.fixed("category", Value::opt(category.map(|c| c.as_str())));
    opt_text(v, &mut b, "remedy", "remedy", TEXT_MAX);
    finish(v, b, key, Vec::new(), Vec::new())
}

pub fn contract(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&CONTRACTS);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    if let Some(sku) = v.get("sku") {
        refs.push(reference(&b, "product_id", RefKind::Product, sku, "sku"));
    }
    b.set("product_id", Value::Null, v.has("sku"));
    let currency = v.currency(ctx);
    let value = v.parse_required("value", |s| parse_minor(s, currency.minor_digits()));
    if value.is_some_and(|x| x < 0) {
        v.error(
            "value",
            v.get("value"),
            "a contract value cannot be negative",
        );
    }
    b.fixed("value_minor", Value::opt(value))
        .fixed("currency", Value::text(currency.as_str()));
    let signed = v.parse_required("signed_at", parse_timestamp);
    let deadline = v.timestamp("withdrawal_deadline");
    let due = v.timestamp("delivery_due_at");
    let delivered = v.timestamp("delivered_at");
    let ends = v.timestamp("ends_at");
    let cancelled = v.timestamp("cancelled_at");
    let reason = v.get("cancellation_reason");
    let note = v.text("cancellation_note", TEXT_MAX);
    let status = v
        .parse("status", ContractStatus::parse)
        .unwrap_or(if delivered.is_some() {
            ContractStatus::Active
        } else {
            ContractStatus::Signed
        });
    if let Some(signed) = signed {
        for (field, t) in [
            ("withdrawal_deadline", deadline),
            ("delivery_due_at", due),
            ("delivered_at", delivered),
            ("ends_at", ends),
            ("cancelled_at", cancelled),
        ] {
            if t.is_some_and(|t| t < signed) {
                v.error(field, v.get(field), "lies before signed_at");
            }
        }
    }
    let ending = matches!(
        status,
        ContractStatus::Withdrawn | ContractStatus::Cancelled
    );
    if ending {
        if cancelled.is_none() {
            v.error(
                "cancelled_at",
                None,
                format!("is required for a {} contract", status.as_str()),
            );
        }
        if reason.is_none() {
            v.error(
                "cancellation_reason",
                None,
                format!("is required for a {} contract", status.as_str()),
            );
        }
    } else {
        if cancelled.is_some() {
            v.error(
                "cancelled_at",
                v.get("cancelled_at"),
                format!(
                    "a {} contract was not cancelled or withdrawn",
                    status.as_str()
                ),
            );
        }
        if reason.is_some() {
            v.error(
                "cancellation_reason",
                reason,
                format!(
                    "a {} contract was not cancelled or withdrawn",
                    status.as_str()
                ),
            );
        }
    }
    if status == ContractStatus::Withdrawn
        && let (Some(c), Some(d)) = (cancelled, deadline)
        && c > d
    {
        v.error(
            "cancelled_at",
            v.get("cancelled_at"),
            "a withdrawal after the withdrawal deadline is a cancellation",
        );
    }
    if let Some(reason) = reason {
        refs.push(reference(
            &b,
            "cancellation_reason",
            RefKind::Reason,
            reason,
            "cancellation_reason",
        ));
    }
    b.fixed("signed_at", Value::opt(signed));
    b.set(
        "withdrawal_deadline",
        Value::opt(deadline),
        v.has("withdrawal_deadline"),
    );
    b.set("delivery_due_at", Value::opt(due), v.has("delivery_due_at"));
    b.set("delivered_at", Value::opt(delivered), v.has("delivered_at"));
    b.set("ends_at", Value::opt(ends), v.has("ends_at"));
    b.fixed("status", Value::text(status.as_str()));
    b.fixed("cancelled_at", Value::opt(cancelled));
    b.fixed(
        "cancellation_reason",
        Value::opt(reason.map(str::to_string)),
    );
    b.set(
        "cancellation_note",
        Value::opt(note),
        v.has("cancellation_note"),
    );
    finish(v, b, key, refs, Vec::new())
}

pub fn survey(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&SURVEY_RESPONSES);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    let kind = v.parse_required("kind", SurveyKind::parse);
    let score = match kind {
        Some(kind) => v.parse_required("score", |s| SurveyScore::parse(kind, s)),
        None => None,
    };
    b.fixed("kind", Value::opt(kind.map(|k| k.as_str())));
    b.fixed("score", Value::opt(score.map(|s| s.score() as i64)));
    opt_text(v, &mut b, "comment", "comment", TEXT_MAX);
    let at = v.parse_required("answered_at", parse_timestamp);
    b.fixed("answered_at", Value::opt(at));
    finish(v, b, key, refs, Vec::new())
}

pub fn case(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&CASES);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    let opened = v.parse_required("opened_at", parse_timestamp);
    let closed = v.timestamp("closed_at");
    if let (Some(o), Some(c)) = (opened, closed)
        && c < o
    {
        v.error("closed_at", v.get("closed_at"), "lies before opened_at");
    }
    let severity = v
        .parse("severity", CaseSeverity::parse)
        .unwrap_or(CaseSeverity::Medium);
    let status = v
        .parse("status", CaseStatus::parse)
        .unwrap_or(if closed.is_some() {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        });
    if status.is_open() && closed.is_some() {
        v.error(
            "closed_at",
            v.get("closed_at"),
            format!("an {} case has no closing time", status.as_str()),
        );
    }
    b.fixed("opened_at", Value::opt(opened));
    b.set("closed_at", Value::opt(closed), v.has("closed_at"));
    b.set(
        "severity",
        Value::text(severity.as_str()),
        v.has("severity"),
    );
    opt_text(v, &mut b, "category", "category", NAME_MAX);
    b.set(
        "status",
        Value::text(status.as_str()),
        v.has("status") || v.has("closed_at"),
    );
    opt_text(v, &mut b, "subject", "subject", 500);
    finish(v, b, key, refs, Vec::new())
}

pub fn task(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&TASKS);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    if let Some(user) = v.get("assignee_email") {
        refs.push(reference(
            &b,
            "assignee_id",
            RefKind::User,
            user,
            "assignee_email",
        ));
    }
    b.set("assignee_id", Value::Null, v.has("assignee_email"));
    let title = v.text("title", 500);
    if v.get("title").is_none() {
        v.error("title", None, "is required");
    }
    b.fixed("title", Value::opt(title));
    let due = v.date("due_on");
    b.set("due_on", Value::opt(due), v.has("due_on"));
    let status = v
        .parse("status", TaskStatus::parse)
        .unwrap_or(TaskStatus::Open);
    b.set("status", Value::text(status.as_str()), v.has("status"));
    opt_text(v, &mut b, "origin", "origin", 200);
    finish(v, b, key, refs, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_crm_type_values() {
        assert_eq!(
            parse_roles("Customer - Direct").unwrap().to_code(),
            "customer"
        );
        assert_eq!(
            parse_roles("Channel Partner / Reseller").unwrap().to_code(),
            "partner"
        );
        assert_eq!(
            parse_roles("customer;supplier").unwrap().to_code(),
            "customer;supplier"
        );
        assert!(parse_roles("Other").is_err());
    }

    #[test]
    fn countries_by_code_or_name() {
        assert_eq!(parse_country("de").unwrap(), "DE");
        assert_eq!(parse_country("Germany").unwrap(), "DE");
        assert_eq!(parse_country("Ελλάδα").unwrap(), "GR");
        assert!(parse_country("Atlantis").is_err());
    }

    #[test]
    fn tags_are_a_sorted_set() {
        assert_eq!(tags("vip, newsletter;vip").unwrap(), "newsletter;vip");
    }
}
