//! Parties and contacts: names, roles, owners, countries, tags and custom attributes, and the
//! links they bring (referrals, a person working at an organization).

use rapport_domain::*;
use rapport_store::Value;
use rapport_store::schema::PARTIES;

use super::{NAME_MAX, finish, opt_text, reference};
use crate::import::parse::{ParseCtx, Pending, PendingLink, Ref, RefKind, RowBuilder, RowView};

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
