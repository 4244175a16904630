//! The schemas and parameters of the retention endpoints.

use rapport_app::insights::SEGMENTS;
use rapport_app::retention::rules::MAX_DAYS;
use rapport_app::retention::{Ended, Gap};
use rapport_domain::lifecycle::ContractEvent;
use serde_json::{Map, Value, json};

use super::insights::{owner, paging, query};
use super::winback::list_filters;
use super::{json_response, schema_ref};

pub(super) fn insert_schemas(s: &mut Map<String, Value>) {
    super::winback::lists_schemas(s);
    super::winback::campaign_schemas(s);
    let days = json!({"type": "integer", "minimum": 0, "maximum": MAX_DAYS});
    let rules = json!({
        "type": "object",
        "properties": {
            "default_days": days,
            "categories": {"type": "object", "additionalProperties": days, "description": "Days by product category."},
            "products": {"type": "object", "additionalProperties": days, "description": "Days by product SKU (before the category's)."}
        },
        "required": ["default_days"],
        "additionalProperties": false
    });
    s.insert("WithdrawalRules".into(), rules.clone());
    let num = |lo: f64, hi: f64| json!({"type": "number", "minimum": lo, "maximum": hi});
    let whole = |lo: i64, hi: i64| json!({"type": "integer", "minimum": lo, "maximum": hi});
    let thresholds = json!({
        "type": "object",
        "properties": {
            "p_alive": num(0.0, 1.0),
            "health_drop": num(0.0, 100.0),
            "contract_end_days": whole(1, 730),
            "quiet_days": whole(1, 730),
            "detractor_days": whole(1, 1825),
            "churn_days": whole(1, 1825),
            "dormant_days": whole(30, 3650)
        },
        "required": ["p_alive", "health_drop", "contract_end_days", "quiet_days", "detractor_days", "churn_days", "dormant_days"],
        "additionalProperties": false
    });
    s.insert("WinbackThresholds".into(), thresholds.clone());
    s.insert(
        "WinbackThresholdsState".into(),
        json!({
            "type": "object",
            "properties": {"thresholds": thresholds, "default": {"type": "boolean"}, "updated_at": {"type": ["string", "null"], "format": "date-time"}},
            "required": ["thresholds", "default", "updated_at"]
        }),
    );
    s.insert(
        "WithdrawalRulesState".into(),
        json!({
            "type": "object",
            "properties": {
                "rules": rules,
                "default": {"type": "boolean"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"}
            },
            "required": ["rules", "default", "updated_at"]
        }),
    );
    s.insert(
        "ContractEvent".into(),
        json!({
            "type": "object",
            "properties": {
                "event": {"type": "string", "enum": ContractEvent::CODES},
                "at": {"type": "string", "format": "date-time", "description": "When it happened (default: now)."},
                "reason": {"type": "string", "description": "A cancellation reason's code: required for withdraw and cancel, refused otherwise."},
                "note": {"type": "string", "maxLength": 20000},
                "override_deadline": {"type": "boolean", "description": "Allow a withdrawal after the deadline (needs a note; audited)."},
                "until": {"type": "string", "format": "date-time", "description": "A renewal's new end."}
            },
            "required": ["event"],
            "additionalProperties": false
        }),
    );
    let int = json!({"type": "integer", "minimum": 0});
    let share = json!({"type": "number", "minimum": 0, "maximum": 1});
    let opt_text = json!({"type": ["string", "null"]});
    let date = json!({"type": "string", "format": "date"});
    let time = json!({"type": "string", "format": "date-time"});
    let rate = json!({
        "type": "object",
        "description": "Contracts whose withdrawal period is over (or which were withdrawn), the withdrawals among them, and their share (null for none).",
        "properties": {
            "contracts": int,
            "withdrawn": int,
            "rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1}
        },
        "required": ["contracts", "withdrawn", "rate"]
    });
    s.insert(
        "TopReasons".into(),
        json!({
            "type": "object",
            "properties": {
                "from": date, "to": date,
                "previous": {
                    "type": "object",
                    "description": "The period of equal length just before.",
                    "properties": {"from": date, "to": date, "count": int},
                    "required": ["from", "to", "count"]
                },
                "ended": {"type": "string", "enum": Ended::CODES},
                "slice": {"type": "object"},
                "currency": {"type": ["string", "null"], "description": "The currency revenue is summed in: the one most ended contracts are in."},
                "count": int,
                "revenue_lost_minor": {"type": "integer"},
                "score_run": {
                    "type": ["object", "null"],
                    "description": "The score run the CLV figures come from.",
                    "properties": {"id": {"type": "string", "format": "uuid"}, "as_of": date},
                    "required": ["id", "as_of"]
                },
                "reasons": {
                    "type": "array",
                    "description": "The ten most frequent reasons, most frequent first.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "label": {"type": "string"},
                            "category": {"type": "string"},
                            "remedy": opt_text,
                            "remedy_status": {"type": "string"},
                            "count": int,
                            "share": share,
                            "cumulative_share": share,
                            "customers": int,
                            "revenue_lost_minor": {"type": "integer"},
                            "clv_at_stake": {"type": ["number", "null"]},
                            "previous_count": int,
                            "change": {"type": "integer"}
                        },
                        "required": ["code", "label", "category", "remedy", "remedy_status", "count", "share", "cumulative_share", "customers", "revenue_lost_minor", "clv_at_stake", "previous_count", "change"]
                    }
                },
                "rest": {
                    "type": "object",
                    "description": "The reasons past the first ten, summed.",
                    "properties": {"reasons": int, "count": int, "share": share, "revenue_lost_minor": {"type": "integer"}},
                    "required": ["reasons", "count", "share", "revenue_lost_minor"]
                },
                "other_currencies": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"currency": {"type": "string"}, "count": int, "value_minor": {"type": "integer"}},
                        "required": ["currency", "count", "value_minor"]
                    }
                }
            },
            "required": ["from", "to", "previous", "ended", "slice", "currency", "count", "revenue_lost_minor", "score_run", "reasons", "rest", "other_currencies"]
        }),
    );
    s.insert(
        "ReasonContracts".into(),
        json!({
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "label": {"type": "string"},
                "offset": int,
                "contracts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "contract_id": {"type": "string", "format": "uuid"},
                            "contract_external_id": {"type": "string"},
                            "party_id": {"type": "string", "format": "uuid"},
                            "party_external_id": {"type": "string"},
                            "name": {"type": "string"},
                            "owner_id": {"type": ["string", "null"], "format": "uuid"},
                            "sku": opt_text,
                            "status": {"type": "string", "enum": ["cancelled", "withdrawn"]},
                            "note": opt_text,
                            "value_minor": {"type": "integer"},
                            "currency": {"type": "string"},
                            "signed_at": time,
                            "ended_at": time,
                            "clv": {"type": ["number", "null"]}
                        },
                        "required": ["contract_id", "contract_external_id", "party_id", "party_external_id", "name", "owner_id", "sku", "status", "note", "value_minor", "currency", "signed_at", "ended_at", "clv"]
                    }
                }
            },
            "required": ["code", "label", "offset", "contracts"]
        }),
    );
    let with = |key: &str, value: Value| {
        let mut r = rate.clone();
        r["properties"][key] = value;
        if let Some(a) = r["required"].as_array_mut() {
            a.push(json!(key));
        }
        r
    };
    let gaps: Vec<&str> = Gap::ALL.iter().map(|g| g.code()).collect();
    s.insert(
        "Remorse".into(),
        json!({
            "type": "object",
            "properties": {
                "from": date, "to": date,
                "product": opt_text,
                "as_of": time,
                "overall": rate,
                "still_in_withdrawal_period": int,
                "by_gap": {"type": "array", "items": with("gap_days", json!({"type": "string", "enum": gaps}))},
                "by_product": {"type": "array", "items": with("sku", opt_text.clone())},
                "by_channel": {"type": "array", "items": with("channel", opt_text.clone())}
            },
            "required": ["from", "to", "product", "as_of", "overall", "still_in_withdrawal_period", "by_gap", "by_product", "by_channel"]
        }),
    );
    s.insert(
        "CallList".into(),
        json!({
            "type": "object",
            "properties": {
                "offset": int,
                "contracts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "contract_id": {"type": "string", "format": "uuid"},
                            "contract_external_id": {"type": "string"},
                            "party_id": {"type": "string", "format": "uuid"},
                            "party_external_id": {"type": "string"},
                            "name": {"type": "string"},
                            "phone": opt_text,
                            "email": opt_text,
                            "owner_id": {"type": ["string", "null"], "format": "uuid"},
                            "sku": opt_text,
                            "value_minor": {"type": "integer"},
                            "currency": {"type": "string"},
                            "signed_at": time,
                            "withdrawal_deadline": time,
                            "delivery": {"type": ["string", "null"], "format": "date-time"}
                        },
                        "required": ["contract_id", "contract_external_id", "party_id", "party_external_id", "name", "phone", "email", "owner_id", "sku", "value_minor", "currency", "signed_at", "withdrawal_deadline", "delivery"]
                    }
                }
            },
            "required": ["offset", "contracts"]
        }),
    );
}

fn period() -> [Value; 2] {
    let date = json!({"type": "string", "format": "date"});
    [
        query(
            "from",
            date.clone(),
            "The period's first day (default: 364 days before `to`).",
        ),
        query(
            "to",
            date,
            "The period's last day, included (default: today).",
        ),
    ]
}

fn slice() -> Vec<Value> {
    let text = json!({"type": "string", "maxLength": 200});
    let mut p = period().to_vec();
    p.extend([
        query(
            "ended",
            json!({"type": "string", "enum": Ended::CODES}),
            "Count cancellations, withdrawals, or all (the default).",
        ),
        query(
            "product",
            text.clone(),
            "Only contracts of this product (SKU).",
        ),
        query(
            "category",
            text.clone(),
            "Only contracts of products in this category.",
        ),
        query(
            "channel",
            text,
            "Only customers who came through this acquisition channel.",
        ),
        query(
            "segment",
            json!({"type": "string", "enum": SEGMENTS}),
            "Only customers in this RFM segment of the latest score run.",
        ),
        owner(),
        query(
            "lang",
            json!({"type": "string", "enum": ["en", "de", "fr", "el"]}),
            "The language of the reasons' labels (default en).",
        ),
    ]);
    p
}

/// Fills in the operation of a retention endpoint; false for other paths.
pub(super) fn operation(
    method: &str,
    path: &str,
    op: &mut Map<String, Value>,
    responses: &mut Map<String, Value>,
) -> bool {
    let (params, description, schema) = match path {
        "/api/v1/retention/top-reasons" => (slice(), "The top ten reasons", "TopReasons"),
        "/api/v1/retention/top-reasons/{code}/contracts" => {
            let mut p = slice();
            p.extend(paging());
            (p, "The contracts ended for the reason", "ReasonContracts")
        }
        "/api/v1/retention/remorse" => {
            let mut p = period().to_vec();
            p.push(query(
                "product",
                json!({"type": "string", "maxLength": 200}),
                "Only contracts of this product (SKU).",
            ));
            (p, "Withdrawal rates", "Remorse")
        }
        "/api/v1/retention/call-today" => {
            let mut p = vec![owner()];
            p.extend(paging());
            (p, "The call list, the nearest deadline first", "CallList")
        }
        "/api/v1/retention/at-risk" | "/api/v1/retention/churned" => {
            let mut p = list_filters();
            p.extend(paging());
            (p, "A page of the list, most valuable first", "WinbackPage")
        }
        "/api/v1/retention/at-risk.csv" | "/api/v1/retention/churned.csv" => {
            responses.insert(
                "200".into(),
                json!({
                    "description": "One row per customer: external_id, name, email, phone, value, revenue_lost_minor, reason_code, reasons, since",
                    "content": {"text/csv": {"schema": {"type": "string"}}}
                }),
            );
            op.insert("parameters".into(), Value::Array(list_filters()));
            return true;
        }
        "/api/v1/retention/refresh" => (
            Vec::new(),
            "How many customers each list holds now",
            "WinbackRefresh",
        ),
        "/api/v1/retention/saved-filters" => {
            if method == "POST" {
                op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("SavedFilterCreate")}}}));
                responses.insert(
                    "201".into(),
                    json_response("Saved", schema_ref("SavedFilter")),
                );
                responses.insert("409".into(), json!({"description": "A filter of this name exists", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}}));
                return true;
            }
            (Vec::new(), "My saved filters", "SavedFilterList")
        }
        "/api/v1/retention/saved-filters/{id}" => {
            responses.insert("204".into(), json!({"description": "Removed"}));
            return true;
        }
        "/api/v1/campaigns" => {
            if method == "POST" {
                op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("CampaignCreate")}}}));
                responses.insert(
                    "201".into(),
                    json_response("Started", schema_ref("CampaignStarted")),
                );
                responses.insert("409".into(), json!({"description": "A campaign of this name exists", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}}));
                return true;
            }
            (Vec::new(), "The campaigns", "CampaignList")
        }
        "/api/v1/campaigns/{key}" => (Vec::new(), "The campaign and its result", "CampaignResult"),
        "/api/v1/campaigns/{key}/members" | "/api/v1/campaigns/{key}/members.csv" => {
            let mut p = vec![
                query(
                    "arm",
                    json!({"type": "string", "enum": ["treatment", "control"]}),
                    "Only this arm.",
                ),
                query(
                    "outcome",
                    json!({"type": "string", "enum": ["open", "won_back", "declined", "not_reachable", "no_answer"]}),
                    "Only this outcome (open: none yet).",
                ),
                query(
                    "assignee",
                    json!({"type": "string", "enum": ["me"]}),
                    "Only my tasks.",
                ),
            ];
            if path.ends_with(".csv") {
                responses.insert("200".into(), json!({"description": "One row per member", "content": {"text/csv": {"schema": {"type": "string"}}}}));
                op.insert("parameters".into(), Value::Array(p));
                return true;
            }
            p.extend(paging());
            (p, "A page of members", "CampaignMembers")
        }
        "/api/v1/campaigns/{key}/attempts" => {
            op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("AttemptCreate")}}}));
            responses.insert(
                "201".into(),
                json_response("Recorded", schema_ref("AttemptRecorded")),
            );
            responses.insert("409".into(), json!({"description": "The customer's outcome is recorded already", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}}));
            return true;
        }
        "/api/v1/campaigns/{key}/close" => {
            responses.insert("409".into(), json!({"description": "Closed already", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}}));
            (Vec::new(), "The closed campaign", "Campaign")
        }
        "/api/v1/contracts/{key}/events" => {
            op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("ContractEvent")}}}));
            (Vec::new(), "The contract as stored afterwards", "Contract")
        }
        "/api/v1/settings/winback-thresholds" => {
            if method == "PUT" {
                op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("WinbackThresholds")}}}));
            }
            (
                Vec::new(),
                "The thresholds in force",
                "WinbackThresholdsState",
            )
        }
        "/api/v1/settings/withdrawal-rules" => {
            if method == "PUT" {
                op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("WithdrawalRules")}}}));
            }
            (
                Vec::new(),
                "The withdrawal periods in force",
                "WithdrawalRulesState",
            )
        }
        _ => return false,
    };
    responses.insert("200".into(), json_response(description, schema_ref(schema)));
    if params.is_empty() {
        return true;
    }
    op.insert("parameters".into(), Value::Array(params));
    true
}
