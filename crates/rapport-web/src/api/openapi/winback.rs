//! The schemas of the win-back lists, saved filters and campaigns, and the lists' filters.

use rapport_app::retention::campaigns::OUTCOMES;
use rapport_app::retention::lists::{LISTS, SIGNALS};
use serde_json::{Map, Value, json};

use super::insights::{owner, query};
use super::schema_ref;

pub(super) fn lists_schemas(s: &mut Map<String, Value>) {
    let time = json!({"type": ["string", "null"], "format": "date-time"});
    s.insert(
        "WinbackPage".into(),
        json!({
            "type": "object",
            "properties": {
                "list": {"type": "string", "enum": LISTS},
                "total": {"type": "integer", "minimum": 0},
                "offset": {"type": "integer", "minimum": 0},
                "next_offset": {"type": ["integer", "null"]},
                "refreshed_at": time,
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "party_id": {"type": "string", "format": "uuid"},
                            "external_id": {"type": "string"},
                            "name": {"type": "string"},
                            "owner_id": {"type": ["string", "null"], "format": "uuid"},
                            "email": {"type": ["string", "null"]},
                            "phone": {"type": ["string", "null"]},
                            "value": {"type": "number", "description": "At risk: the 12-month CLV at stake. Churned: the ended contracts' value plus the CLV the customer had."},
                            "revenue_lost_minor": {"type": "integer"},
                            "reason_code": {"type": ["string", "null"]},
                            "reasons": {"type": "array", "items": {"type": "object", "properties": {"code": {"type": "string", "enum": SIGNALS}, "params": {"type": "object"}}, "required": ["code", "params"]}},
                            "since": time
                        },
                        "required": ["party_id", "external_id", "name", "owner_id", "email", "phone", "value", "revenue_lost_minor", "reason_code", "reasons", "since"]
                    }
                }
            },
            "required": ["list", "total", "offset", "next_offset", "refreshed_at", "items"]
        }),
    );
    let filter = json!({
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "list": {"type": "string", "enum": LISTS},
            "name": {"type": "string"},
            "query": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"}
        },
        "required": ["id", "list", "name", "query", "created_at"]
    });
    s.insert("SavedFilter".into(), filter.clone());
    s.insert(
        "SavedFilterList".into(),
        json!({"type": "object", "properties": {"items": {"type": "array", "items": filter}}, "required": ["items"]}),
    );
    s.insert(
        "SavedFilterCreate".into(),
        json!({
            "type": "object",
            "properties": {
                "list": {"type": "string", "enum": LISTS},
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "query": {"type": "string", "maxLength": 2000, "description": "The list's query string: owner, reason, min_value, q."}
            },
            "required": ["list", "name", "query"],
            "additionalProperties": false
        }),
    );
    s.insert(
        "WinbackRefresh".into(),
        json!({"type": "object", "properties": {"at_risk": {"type": "integer"}, "churned": {"type": "integer"}}, "required": ["at_risk", "churned"]}),
    );
}

pub(super) fn campaign_schemas(s: &mut Map<String, Value>) {
    let text = json!({"type": "string"});
    let opt = json!({"type": ["string", "null"]});
    let campaign = json!({
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": text, "list": {"type": "string", "enum": LISTS}, "query": text,
            "status": {"type": "string", "enum": ["running", "closed"]},
            "control_share": {"type": "number"},
            "offers": {"type": "object", "additionalProperties": {"type": "string"}},
            "cost": text, "currency": text, "due_days": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "closed_at": {"type": ["string", "null"], "format": "date-time"}
        },
        "required": ["id", "name", "list", "query", "status", "control_share", "offers", "cost", "currency", "due_days", "created_at", "closed_at"]
    });
    s.insert("Campaign".into(), campaign.clone());
    s.insert("CampaignList".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": campaign}}, "required": ["items"]}));
    s.insert("CampaignStarted".into(), json!({"type": "object", "properties": {"campaign": schema_ref("Campaign"), "treatment": {"type": "integer"}, "control": {"type": "integer"}}, "required": ["campaign", "treatment", "control"]}));
    s.insert(
        "CampaignCreate".into(),
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "list": {"type": "string", "enum": ["at_risk", "churned", "at-risk"]},
                "query": {"type": "string", "maxLength": 2000, "description": "The list's filters: owner, reason, min_value, q."},
                "saved_filter": {"type": "string", "format": "uuid", "description": "One of the caller's saved filters: its list and filters are the campaign's."},
                "control_share": {"type": "number", "minimum": 0, "maximum": 0.5, "description": "Share held out as the control group (default 0.2)."},
                "offers": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 500}, "description": "Offer per reason code; '*' for the rest."},
                "cost": {"type": "string", "description": "The campaign's cost, a decimal amount."},
                "currency": {"type": "string", "minLength": 3, "maxLength": 3},
                "due_days": {"type": "integer", "minimum": 1, "maximum": 365}
            },
            "required": ["name"],
            "additionalProperties": false
        }),
    );
    let group = json!({
        "type": "object",
        "properties": {
            "key": opt, "treated": {"type": "integer"}, "control": {"type": "integer"},
            "returned_treated": {"type": "integer"}, "returned_control": {"type": "integer"},
            "winback_rate": {"type": ["number", "null"]}, "control_rate": {"type": ["number", "null"]},
            "lift": {"type": ["object", "null"], "description": "Treated minus control rate with its 95 % Agresti-Caffo interval."},
            "recorded": {"type": "object"},
            "revenue_regained": text, "revenue_control": text, "incremental_revenue": opt
        },
        "required": ["key", "treated", "control", "returned_treated", "returned_control", "winback_rate", "control_rate", "lift", "recorded", "revenue_regained", "revenue_control", "incremental_revenue"]
    });
    s.insert(
        "CampaignResult".into(),
        json!({
            "type": "object",
            "properties": {
                "campaign": schema_ref("Campaign"),
                "overall": group,
                "by_reason": {"type": "array", "items": group},
                "by_offer": {"type": "array", "items": group}
            },
            "required": ["campaign", "overall", "by_reason", "by_offer"]
        }),
    );
    s.insert("CampaignMembers".into(), json!({
        "type": "object",
        "properties": {"total": {"type": "integer"}, "offset": {"type": "integer"}, "next_offset": {"type": ["integer", "null"]}, "items": {"type": "array", "items": {"type": "object"}}},
        "required": ["total", "offset", "next_offset", "items"]
    }));
    s.insert("AttemptCreate".into(), json!({
        "type": "object",
        "properties": {
            "party": {"type": "string", "minLength": 1, "description": "The customer's external id."},
            "outcome": {"type": "string", "enum": OUTCOMES},
            "at": {"type": "string", "format": "date-time"},
            "note": {"type": "string", "maxLength": 20000}
        },
        "required": ["party", "outcome"],
        "additionalProperties": false
    }));
    s.insert("AttemptRecorded".into(), json!({"type": "object", "properties": {"party": text, "outcome": {"type": "string", "enum": OUTCOMES}}, "required": ["party", "outcome"]}));
}

pub(super) fn list_filters() -> Vec<Value> {
    vec![
        owner(),
        query(
            "reason",
            json!({"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]*$"}),
            "Only customers with this reason: a signal (p_alive_low, health_drop, …) or a cancellation-reason code.",
        ),
        query(
            "min_value",
            json!({"type": "number", "minimum": -1e15, "maximum": 1e15}),
            "Value at stake or lost, at least this.",
        ),
        query(
            "q",
            json!({"type": "string", "maxLength": 200}),
            "Name or e-mail contains, or the external id equals.",
        ),
    ]
}
