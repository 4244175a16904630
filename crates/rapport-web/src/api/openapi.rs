//! The OpenAPI 3.1 document, generated from the route table and the kinds' field descriptions
//! (so it cannot drift from what the server does; a snapshot test shows every change of shape),
//! and the browsable docs page (Swagger UI, vendored).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rapport_app::import::ImportKind;
use serde_json::{Map, Value, json};

use super::fields::{JsonType, json_type};
use super::kinds::{KINDS, KindApi};
use super::listing::{MAX_LIMIT, filterable};
use crate::routes::{Need, RouteInfo, table};

mod insights;
mod orders;
mod party;
mod retention;
mod winback;

pub async fn document() -> Response {
    let mut resp = axum::Json(build(&table())).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

pub async fn docs_page() -> Response {
    let html = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport API</title>
<link rel="stylesheet" href="/assets/vendor/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/assets/vendor/swagger-ui-bundle.js"></script>
<script src="/assets/api-docs.js"></script>
</body>
</html>
"#;
    let mut resp = axum::response::Html(html).into_response();
    // Swagger UI sets inline styles; this page alone allows them.
    resp.extensions_mut().insert(crate::security::RelaxedStyles);
    resp
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The schema name of a kind, e.g. `CancellationReason`.
pub fn schema_name(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Parties => "Party",
        ImportKind::Contacts => "Contact",
        ImportKind::Interactions => "Interaction",
        ImportKind::Products => "Product",
        ImportKind::Orders => "Order",
        ImportKind::Contracts => "Contract",
        ImportKind::CancellationReasons => "CancellationReason",
        ImportKind::Surveys => "SurveyAnswer",
        ImportKind::Cases => "Case",
        ImportKind::Tasks => "Task",
    }
}

fn field_schema(ty: JsonType, input: bool) -> Value {
    let nullable = |t: &str| json!([t, "null"]);
    match ty {
        JsonType::Text => json!({"type": nullable("string")}),
        JsonType::Email => json!({"type": nullable("string"), "format": "email"}),
        JsonType::Integer => json!({"type": nullable("integer"), "format": "int64"}),
        JsonType::Decimal if input => {
            json!({"type": ["string", "number", "null"], "description": "Amount in major units, e.g. \"1234.50\"."})
        }
        JsonType::Decimal => {
            json!({"type": nullable("string"), "description": "Amount in major units, e.g. \"1234.50\"."})
        }
        JsonType::Date => json!({"type": nullable("string"), "format": "date"}),
        JsonType::DateTime if input => {
            json!({"type": nullable("string"), "description": "A time (RFC 3339) or a date."})
        }
        JsonType::DateTime => json!({"type": nullable("string"), "format": "date-time"}),
        JsonType::List if input => json!({"type": ["array", "null"], "items": {"type": "string"}}),
        JsonType::List => json!({"type": "array", "items": {"type": "string"}}),
        JsonType::Object if input => json!({"type": ["object", "null"]}),
        JsonType::Object => json!({"type": "object"}),
        JsonType::Code(codes) => {
            let mut values: Vec<Value> = codes.iter().map(|c| json!(c)).collect();
            values.push(Value::Null);
            json!({"type": nullable("string"), "enum": values})
        }
    }
}

/// The record schema (`input`: what a request may send).
fn kind_schema(kind: ImportKind, input: bool, create: bool) -> Value {
    let mut props = Map::new();
    if !input {
        props.insert("id".into(), json!({"type": "string", "format": "uuid"}));
    }
    for f in kind.fields() {
        props.insert(f.name.into(), field_schema(json_type(kind, f.name), input));
    }
    if !input && matches!(kind, ImportKind::Parties) {
        for t in ["created_at", "updated_at"] {
            props.insert(t.into(), json!({"type": "string", "format": "date-time"}));
        }
    }
    let required: Vec<&str> = if input && create {
        kind.fields()
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect()
    } else if input {
        Vec::new()
    } else {
        kind.fields().iter().map(|f| f.name).collect()
    };
    json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": !input,
    })
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer", "description": "Position in a bulk request."},
                        "field": {"type": "string"},
                        "reason": {"type": "string"},
                        "value": {"type": "string"}
                    },
                    "required": ["field", "reason"]
                }
            }
        },
        "required": ["type", "title", "status", "detail"]
    })
}

fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("Problem".into(), problem_schema());
    for k in KINDS {
        if k.kind == ImportKind::Orders {
            // An order with its lines nested; the party 360 shows its recent lines one record
            // each, with the order's fields repeated (as the orders CSV format has them).
            s.insert("OrderLine".into(), kind_schema(k.kind, false, false));
            orders::insert_schemas(&mut s);
            continue;
        }
        let name = schema_name(k.kind);
        s.insert(name.into(), kind_schema(k.kind, false, false));
        s.insert(format!("{name}Create"), kind_schema(k.kind, true, true));
        s.insert(format!("{name}Change"), kind_schema(k.kind, true, false));
        s.insert(
            format!("{name}Page"),
            json!({
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": schema_ref(name)},
                    "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last."}
                },
                "required": ["items", "next_cursor"]
            }),
        );
    }
    s.insert(
        "BulkOutcome".into(),
        json!({
            "type": "object",
            "properties": {
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "keys": {"type": "array", "items": {"type": "string"}, "description": "The key of every record, in request order."}
            },
            "required": ["created", "updated", "unchanged", "keys"]
        }),
    );
    let time = json!({"type": "string", "format": "date-time"});
    let opt_time = json!({"type": ["string", "null"], "format": "date-time"});
    s.insert(
        "User".into(),
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "email": {"type": "string"},
                "name": {"type": "string"},
                "role": {"type": "string", "enum": rapport_domain::UserRole::CODES},
                "locale": {"type": "string", "enum": rapport_app::users::LOCALES},
                "disabled": {"type": "boolean"},
                "created_at": time,
                "password": {"type": "string", "description": "Only when the server generated it; shown once."}
            },
            "required": ["id", "email", "name", "role", "locale", "disabled", "created_at"]
        }),
    );
    s.insert(
        "UserCreate".into(),
        json!({
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "string"},
                "role": {"type": "string", "enum": rapport_domain::UserRole::CODES},
                "locale": {"type": "string", "enum": rapport_app::users::LOCALES},
                "password": {"type": "string", "minLength": 12, "description": "Generated and returned once when left out."}
            },
            "required": ["email", "name", "role"],
            "additionalProperties": false
        }),
    );
    s.insert(
        "UserChange".into(),
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "role": {"type": "string", "enum": rapport_domain::UserRole::CODES},
                "locale": {"type": "string", "enum": rapport_app::users::LOCALES},
                "disabled": {"type": "boolean"}
            },
            "additionalProperties": false
        }),
    );
    s.insert(
        "Token".into(),
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "user_email": {"type": ["string", "null"]},
                "name": {"type": "string"},
                "prefix": {"type": "string"},
                "created_at": time,
                "last_used_at": opt_time,
                "revoked_at": opt_time,
                "token": {"type": "string", "description": "The secret: only in the response that creates the token."}
            },
            "required": ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        }),
    );
    s.insert(
        "TokenCreate".into(),
        json!({
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}},
            "required": ["name"],
            "additionalProperties": false
        }),
    );
    s.insert(
        "AuditEntry".into(),
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "at": time,
                "user_email": {"type": ["string", "null"]},
                "source": {"type": "string"},
                "entity": {"type": "string"},
                "entity_id": {"type": ["string", "null"]},
                "action": {"type": "string"},
                "before": {},
                "after": {}
            },
            "required": ["id", "at", "source", "entity", "action"]
        }),
    );
    let list_of = |name: &str| json!({"type": "object", "properties": {"items": {"type": "array", "items": schema_ref(name)}}, "required": ["items"]});
    s.insert("UserList".into(), list_of("User"));
    s.insert("TokenList".into(), list_of("Token"));
    s.insert("AuditPage".into(), list_of("AuditEntry"));
    party::insert_schemas(&mut s);
    insights::insert_schemas(&mut s);
    retention::insert_schemas(&mut s);
    s
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": schema_ref("Problem")}}
    })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn json_body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn kind_of_path(path: &str) -> Option<&'static KindApi> {
    KINDS
        .iter()
        .find(|k| path == k.path || path == k.item || path == k.bulk)
}

fn list_parameters(k: &KindApi) -> Vec<Value> {
    let sorts: Vec<String> = k
        .sorts
        .iter()
        .flat_map(|(f, _)| [f.to_string(), format!("-{f}")])
        .collect();
    let mut params = vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "description": "Records per page (default 50)."}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "The `next_cursor` of the previous page."}),
        json!({"name": "sort", "in": "query", "schema": {"type": "string", "enum": sorts}, "description": "Sort field; '-' for descending."}),
    ];
    if !k.search_contains.is_empty() || !k.search_exact.is_empty() {
        let mut what: Vec<String> = k
            .search_contains
            .iter()
            .map(|c| format!("{c} contains"))
            .collect();
        what.extend(k.search_exact.iter().map(|c| format!("{c} equals")));
        params.push(json!({"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}, "description": format!("Search: {}.", what.join(", "))}));
    }
    if k.time.is_some() {
        params.push(json!({"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "Only records at or after this time."}));
        params.push(json!({"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "Only records before this time."}));
    }
    for f in k.kind.fields() {
        if filterable(k, f.name) {
            params.push(json!({"name": f.name, "in": "query", "schema": {"type": "string"}, "description": format!("Only records whose {} equals this.", f.name)}));
        }
    }
    params
}

fn operation(r: &RouteInfo) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(r.summary));
    let id: String = format!("{} {}", r.method, r.path)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    op.insert(
        "operationId".into(),
        json!(id.trim_matches('_').to_lowercase()),
    );
    let who = match r.need {
        Need::Public => "Anyone.".to_string(),
        Need::SignedIn => "Any signed-in user.".to_string(),
        Need::Can(a) => format!("Roles allowed to {a:?}."),
        Need::Write(k) => {
            format!("Roles that may write {k} (relationship managers: of their own parties).")
        }
    };
    op.insert("description".into(), json!(format!("Who: {who}")));
    if r.need == Need::Public {
        op.insert("security".into(), json!([]));
    }
    let mut params: Vec<Value> = r
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let mut responses = Map::new();
    let kind = kind_of_path(r.path);
    let method = r.method.as_str();
    match (kind, method) {
        (Some(k), "GET") if r.path == k.path => {
            params.extend(list_parameters(k));
            responses.insert(
                "200".into(),
                json_response(
                    "A page of records",
                    schema_ref(&format!("{}Page", schema_name(k.kind))),
                ),
            );
        }
        (Some(k), "GET") => {
            responses.insert(
                "200".into(),
                json_response("The record", schema_ref(schema_name(k.kind))),
            );
        }
        (Some(k), "POST") if r.path == k.bulk => {
            let name = format!("{}Change", schema_name(k.kind));
            op.insert("requestBody".into(), json_body(json!({
                "type": "object",
                "properties": {"items": {"type": "array", "items": schema_ref(&name), "minItems": 1, "maxItems": 1000}},
                "required": ["items"],
                "additionalProperties": false
            })));
            responses.insert(
                "200".into(),
                json_response("What the call did", schema_ref("BulkOutcome")),
            );
        }
        (Some(k), "POST") => {
            op.insert(
                "requestBody".into(),
                json_body(schema_ref(&format!("{}Create", schema_name(k.kind)))),
            );
            responses.insert(
                "201".into(),
                json_response("Created", schema_ref(schema_name(k.kind))),
            );
            responses.insert(
                "409".into(),
                problem_response("A record with this key exists"),
            );
        }
        (Some(k), "PATCH") => {
            op.insert(
                "requestBody".into(),
                json_body(schema_ref(&format!("{}Change", schema_name(k.kind)))),
            );
            responses.insert(
                "200".into(),
                json_response("The changed record", schema_ref(schema_name(k.kind))),
            );
        }
        (Some(_), "DELETE") => {
            responses.insert("204".into(), json!({"description": "Deleted"}));
            responses.insert(
                "409".into(),
                problem_response("Other records depend on this one"),
            );
        }
        _ => other_operation(r, &mut op, &mut responses),
    }
    if let Some(Value::Array(more)) = op.remove("parameters") {
        params.extend(more);
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if r.need != Need::Public {
        responses.insert("401".into(), problem_response("Not signed in"));
        responses.insert("403".into(), problem_response("The role may not do this"));
    }
    for (code, what) in [
        ("400", "Malformed request"),
        ("404", "Not found"),
        ("413", "Body too large"),
        ("415", "Body is not JSON"),
        ("422", "Invalid input, field by field"),
    ] {
        responses
            .entry(code)
            .or_insert_with(|| problem_response(what));
    }
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

fn other_operation(r: &RouteInfo, op: &mut Map<String, Value>, responses: &mut Map<String, Value>) {
    if insights::operation(r.method.as_str(), r.path, op, responses) {
        return;
    }
    if retention::operation(r.method.as_str(), r.path, op, responses) {
        return;
    }
    let ok = |name: &str| json_response("OK", schema_ref(name));
    match (r.method.as_str(), r.path) {
        ("GET", "/api/v1/openapi.json") => {
            responses.insert(
                "200".into(),
                json_response("This document", json!({"type": "object"})),
            );
        }
        ("GET", "/api/v1/me") => {
            responses.insert("200".into(), ok("User"));
        }
        ("GET", "/api/v1/me/tokens" | "/api/v1/tokens") => {
            responses.insert("200".into(), ok("TokenList"));
        }
        ("POST", "/api/v1/me/tokens") => {
            op.insert("requestBody".into(), json_body(schema_ref("TokenCreate")));
            responses.insert(
                "201".into(),
                json_response(
                    "The token, with its secret (shown once)",
                    schema_ref("Token"),
                ),
            );
        }
        ("DELETE", _) => {
            responses.insert("204".into(), json!({"description": "Revoked"}));
        }
        ("GET", "/api/v1/users") => {
            responses.insert("200".into(), ok("UserList"));
        }
        ("POST", "/api/v1/users") => {
            op.insert("requestBody".into(), json_body(schema_ref("UserCreate")));
            responses.insert(
                "201".into(),
                json_response(
                    "The user (with the password if generated)",
                    schema_ref("User"),
                ),
            );
        }
        ("PATCH", "/api/v1/users/{email}") => {
            op.insert("requestBody".into(), json_body(schema_ref("UserChange")));
            responses.insert("200".into(), ok("User"));
        }
        ("GET", "/api/v1/audit") => {
            op.insert("parameters".into(), json!([
                {"name": "entity", "in": "query", "schema": {"type": "string"}, "description": "Only entries about this entity (parties, users …)."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}
            ]));
            responses.insert("200".into(), ok("AuditPage"));
        }
        ("GET", "/api/v1/parties/{key}/360") => {
            responses.insert("200".into(), ok("Party360"));
        }
        _ => {
            responses.insert("200".into(), json!({"description": "OK"}));
        }
    }
}

/// The document for a route table.
pub fn build(routes: &[RouteInfo]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(r.method.as_str().to_lowercase(), operation(r));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rapport API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Relationships, touchpoints and commerce records of one org. Authenticate with a personal API token: `Authorization: Bearer rpt_…` (create one in the UI under Settings → API tokens or with `rapport user token create`). Errors are RFC 9457 problem documents. Lists page with `cursor`; records are addressed by external id (sku, code) or id.",
            "license": {"name": "AGPL-3.0-only", "identifier": "AGPL-3.0-only"}
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "A personal API token (rpt_…)."}
            }
        },
        "security": [{"token": []}]
    })
}
