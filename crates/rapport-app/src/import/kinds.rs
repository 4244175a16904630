//! What can be imported and exported: the kinds, their fields, and the column names each field
//! is recognized by (our own, plus those of common CRM exports such as HubSpot's and
//! Salesforce's contact, company and account exports).

use std::fmt;

/// A kind of record a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Parties,
    Contacts,
    Interactions,
    Products,
    Orders,
    Contracts,
    CancellationReasons,
    Surveys,
    Cases,
    Tasks,
}

impl ImportKind {
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Parties,
        ImportKind::Contacts,
        ImportKind::Interactions,
        ImportKind::Products,
        ImportKind::Orders,
        ImportKind::Contracts,
        ImportKind::CancellationReasons,
        ImportKind::Surveys,
        ImportKind::Cases,
        ImportKind::Tasks,
    ];

    /// The name used on the command line and in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Parties => "parties",
            ImportKind::Contacts => "contacts",
            ImportKind::Interactions => "interactions",
            ImportKind::Products => "products",
            ImportKind::Orders => "orders",
            ImportKind::Contracts => "contracts",
            ImportKind::CancellationReasons => "cancellation-reasons",
            ImportKind::Surveys => "surveys",
            ImportKind::Cases => "cases",
            ImportKind::Tasks => "tasks",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        let s = s.trim().to_lowercase().replace('_', "-");
        ImportKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s || (s == "reasons" && *k == ImportKind::CancellationReasons))
    }

    /// The fields of this kind, in the order exports write them.
    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Parties => PARTIES,
            ImportKind::Contacts => CONTACTS,
            ImportKind::Interactions => INTERACTIONS,
            ImportKind::Products => PRODUCTS,
            ImportKind::Orders => ORDERS,
            ImportKind::Contracts => CONTRACTS,
            ImportKind::CancellationReasons => REASONS,
            ImportKind::Surveys => SURVEYS,
            ImportKind::Cases => CASES,
            ImportKind::Tasks => TASKS,
        }
    }

    /// Whether unknown columns may be kept as custom attributes (`--map col=attributes.NAME`).
    pub fn has_attributes(self) -> bool {
        matches!(self, ImportKind::Parties | ImportKind::Contacts)
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field of an import kind: its canonical column name, whether a file must have it, and the
/// other column names it is recognized by (compared without case, spaces or punctuation).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

const fn f(name: &'static str, aliases: &'static [&'static str]) -> Field {
    Field {
        name,
        required: false,
        aliases,
    }
}

const fn req(name: &'static str, aliases: &'static [&'static str]) -> Field {
    Field {
        name,
        required: true,
        aliases,
    }
}

/// The comparable form of a column name: lower case, letters and digits only.
pub fn normalize_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

static PARTIES: &[Field] = &[
    f(
        "external_id",
        &[
            "id",
            "recordid",
            "companyid",
            "contactid",
            "accountid",
            "customerid",
            "customernumber",
            "kundennummer",
        ],
    ),
    f("kind", &["type_of_party", "partytype", "recordtype"]),
    f(
        "name",
        &[
            "companyname",
            "accountname",
            "fullname",
            "organization",
            "organisation",
            "company",
            "firma",
        ],
    ),
    f("first_name", &["givenname", "vorname", "prenom"]),
    f("last_name", &["surname", "familyname", "nachname", "nom"]),
    f("roles", &["role", "type", "accounttype", "relationship"]),
    f(
        "owner_email",
        &[
            "owner",
            "contactowner",
            "companyowner",
            "accountowner",
            "hubspotowner",
            "ownername",
        ],
    ),
    f("lifecycle", &["lifecyclestage", "status", "leadstatus"]),
    f(
        "acquisition_channel",
        &[
            "originalsource",
            "leadsource",
            "accountsource",
            "source",
            "channel",
        ],
    ),
    f(
        "acquired_on",
        &[
            "createdate",
            "createddate",
            "acquired",
            "customersince",
            "becameacustomerdate",
        ],
    ),
    f("segment", &["customersegment", "tier"]),
    f("industry", &["branche"]),
    f(
        "country",
        &[
            "countryregion",
            "billingcountry",
            "mailingcountry",
            "land",
            "pays",
        ],
    ),
    f(
        "city",
        &["billingcity", "mailingcity", "ort", "stadt", "ville"],
    ),
    f("email", &["emailaddress", "mail", "email1"]),
    f(
        "phone",
        &[
            "phonenumber",
            "telephone",
            "mobilephone",
            "mobilephonenumber",
            "telefon",
        ],
    ),
    f("tags", &["tag", "labels"]),
    f("attributes", &["customattributes"]),
    f("referred_by", &["referrer", "referrerexternalid"]),
];

static CONTACTS: &[Field] = &[
    f("external_id", &["id", "recordid", "contactid", "personid"]),
    f("first_name", &["givenname", "vorname", "prenom"]),
    f("last_name", &["surname", "familyname", "nachname", "nom"]),
    f("email", &["emailaddress", "mail"]),
    f(
        "phone",
        &[
            "phonenumber",
            "telephone",
            "mobilephone",
            "mobilephonenumber",
            "telefon",
        ],
    ),
    req(
        "organization_external_id",
        &[
            "accountid",
            "companyid",
            "associatedcompanyid",
            "organizationid",
            "organisationid",
            "primarycompanyid",
        ],
    ),
    f("job_title", &["title", "position"]),
    f("roles", &["role", "type"]),
    f("owner_email", &["owner", "contactowner", "ownername"]),
    f("lifecycle", &["lifecyclestage", "status", "leadstatus"]),
    f("country", &["countryregion", "mailingcountry", "land"]),
    f("city", &["mailingcity", "ort", "stadt"]),
    f("tags", &["tag", "labels"]),
];

static INTERACTIONS: &[Field] = &[
    f("external_id", &["id", "activityid", "engagementid"]),
    req(
        "party_external_id",
        &[
            "party",
            "partyid",
            "customerid",
            "contactid",
            "accountid",
            "whoid",
            "whatid",
        ],
    ),
    f(
        "user_email",
        &["user", "owner", "agent", "assignedto", "owneremail"],
    ),
    req("channel", &["type", "activitytype", "medium"]),
    f("direction", &["inout"]),
    req(
        "occurred_at",
        &[
            "date",
            "timestamp",
            "activitydate",
            "occurred",
            "createddate",
        ],
    ),
    f("subject", &["title"]),
    f("notes", &["body", "description", "comments", "note"]),
    f("sentiment", &["mood"]),
    f("outcome", &["result", "callresult", "disposition"]),
];

static PRODUCTS: &[Field] = &[
    req(
        "sku",
        &[
            "productcode",
            "code",
            "articlenumber",
            "artikelnummer",
            "productid",
        ],
    ),
    req("name", &["productname", "title"]),
    f("category", &["productfamily", "family", "group"]),
    f("list_price", &["price", "unitprice"]),
    f("currency", &["currencycode", "currencyisocode"]),
];

static ORDERS: &[Field] = &[
    f(
        "order_id",
        &[
            "ordernumber",
            "invoice",
            "invoiceno",
            "invoiceid",
            "transactionid",
        ],
    ),
    f("line", &["lineno", "linenumber", "position", "item"]),
    req(
        "customer_id",
        &[
            "customer",
            "partyexternalid",
            "party",
            "clientid",
            "masterid",
            "custid",
        ],
    ),
    req(
        "ordered_at",
        &[
            "date",
            "orderdate",
            "invoicedate",
            "purchasedate",
            "timestamp",
        ],
    ),
    f("sku", &["product", "productcode", "stockcode", "article"]),
    f("quantity", &["qty", "numberofcds", "units", "menge"]),
    req(
        "amount",
        &[
            "total",
            "value",
            "dollarvalue",
            "revenue",
            "sales",
            "price",
            "linetotal",
            "betrag",
        ],
    ),
    f("currency", &["currencycode"]),
    f("channel", &["saleschannel"]),
];

static CONTRACTS: &[Field] = &[
    f(
        "external_id",
        &["id", "contractid", "contractnumber", "policynumber"],
    ),
    req(
        "party_external_id",
        &["party", "partyid", "customerid", "accountid"],
    ),
    f("sku", &["product", "productcode"]),
    req("value", &["amount", "contractvalue", "premium"]),
    f("currency", &["currencycode"]),
    req(
        "signed_at",
        &["signed", "signeddate", "startdate", "contractdate"],
    ),
    f("withdrawal_deadline", &["coolingoffend", "withdrawaluntil"]),
    f(
        "delivery_due_at",
        &["deliverydue", "duedate", "deliverydate"],
    ),
    f("delivered_at", &["delivered"]),
    f("ends_at", &["enddate", "ends"]),
    f("status", &["contractstatus"]),
    f(
        "cancelled_at",
        &["canceledat", "cancelled", "cancellationdate", "withdrawnat"],
    ),
    f(
        "cancellation_reason",
        &["reason", "reasoncode", "cancelreason"],
    ),
    f("cancellation_note", &["reasonnote", "cancelnote"]),
];

static REASONS: &[Field] = &[
    req("code", &["reasoncode", "id"]),
    req("label", &["name", "description"]),
    req("category", &["group", "type"]),
    f("remedy", &["fix", "countermeasure"]),
    f("label_de", &["labelgerman", "bezeichnung"]),
    f("label_fr", &["labelfrench", "libelle"]),
    f("label_el", &["labelgreek"]),
    f(
        "remedy_owner_email",
        &["remedyowner", "owner", "owneremail"],
    ),
    f("remedy_status", &["status", "remedystate"]),
];

static SURVEYS: &[Field] = &[
    f("external_id", &["id", "responseid"]),
    req(
        "party_external_id",
        &["party", "partyid", "customerid", "respondent"],
    ),
    req("kind", &["type", "survey", "instrument"]),
    req("score", &["rating", "value", "answer"]),
    f("comment", &["comments", "feedback", "text"]),
    req(
        "answered_at",
        &["date", "answered", "submittedat", "timestamp"],
    ),
];

static CASES: &[Field] = &[
    f(
        "external_id",
        &["id", "caseid", "casenumber", "ticketid", "ticketnumber"],
    ),
    req(
        "party_external_id",
        &["party", "partyid", "customerid", "accountid", "contactid"],
    ),
    req(
        "opened_at",
        &["opened", "createddate", "createdate", "date"],
    ),
    f("closed_at", &["closed", "closeddate", "closedate"]),
    f("severity", &["priority"]),
    f("category", &["type", "reason"]),
    f("status", &["casestatus", "ticketstatus"]),
    f("subject", &["title", "summary"]),
];

static TASKS: &[Field] = &[
    f("external_id", &["id", "taskid"]),
    req("party_external_id", &["party", "partyid", "customerid"]),
    f(
        "assignee_email",
        &["assignee", "assignedto", "owner", "user"],
    ),
    req("title", &["subject", "task"]),
    f("due_on", &["due", "duedate", "activitydate"]),
    f("status", &["taskstatus"]),
    f("origin", &["source"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn kinds_parse_by_their_names() {
        for kind in ImportKind::ALL {
            assert_eq!(ImportKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(
            ImportKind::parse("cancellation_reasons"),
            Some(ImportKind::CancellationReasons)
        );
        assert_eq!(ImportKind::parse("widgets"), None);
    }

    #[test]
    fn no_column_name_means_two_fields_of_one_kind() {
        for kind in ImportKind::ALL {
            let mut seen = HashSet::new();
            for field in kind.fields() {
                assert!(
                    seen.insert(normalize_header(field.name)),
                    "{kind}: {}",
                    field.name
                );
                for alias in field.aliases {
                    assert!(
                        seen.insert(normalize_header(alias)),
                        "{kind}: alias {alias} of {}",
                        field.name
                    );
                }
            }
        }
    }

    #[test]
    fn headers_compare_without_case_or_punctuation() {
        assert_eq!(normalize_header("\u{feff}First Name"), "firstname");
        assert_eq!(normalize_header("Country/Region"), "countryregion");
        assert_eq!(normalize_header("E-mail"), "email");
    }
}
