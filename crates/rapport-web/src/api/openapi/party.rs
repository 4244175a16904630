//! The schemas of the party 360 and of a party's scores (the 360's `scores` section).

use serde_json::{Map, Value, json};

use super::schema_ref;

pub(super) fn insert_schemas(s: &mut Map<String, Value>) {
    let opt_time = json!({"type": ["string", "null"], "format": "date-time"});
    let opt_number = json!({"type": ["number", "null"]});
    let arr = |name: &str| json!({"type": "array", "items": schema_ref(name)});
    s.insert(
        "Party360".into(),
        json!({
            "type": "object",
            "properties": {
                "party": schema_ref("Party"),
                "contacts": arr("Contact"),
                "links": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string"},
                        "direction": {"type": "string", "enum": ["outgoing", "incoming"]},
                        "party_external_id": {"type": "string"},
                        "party_name": {"type": "string"},
                        "job_title": {"type": ["string", "null"]}
                    },
                    "required": ["kind", "direction", "party_external_id", "party_name"]
                }},
                "recent_interactions": arr("Interaction"),
                "orders": {
                    "type": "object",
                    "properties": {
                        "by_currency": {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "currency": {"type": "string"},
                                "orders": {"type": "integer"},
                                "total": {"type": "string"},
                                "first_ordered_at": opt_time,
                                "last_ordered_at": opt_time
                            },
                            "required": ["currency", "orders", "total"]
                        }},
                        "recent_lines": arr("OrderLine")
                    },
                    "required": ["by_currency", "recent_lines"]
                },
                "contracts": arr("Contract"),
                "recent_surveys": arr("SurveyAnswer"),
                "open_cases": arr("Case"),
                "open_tasks": arr("Task"),
                "scores": {"oneOf": [{"type": "null"}, {
                    "type": "object",
                    "description": "The party's scores from the latest score run, and its health over the last runs (newest first). Null before the first run.",
                    "properties": {
                        "latest": schema_ref("PartyScore"),
                        "history": {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "as_of": {"type": "string", "format": "date"},
                                "health": {"type": "number"},
                                "class": {"type": "string"},
                                "p_alive": opt_number,
                                "clv_12m": opt_number
                            },
                            "required": ["as_of", "health", "class"]
                        }}
                    },
                    "required": ["latest", "history"]
                }]}
            },
            "required": ["party", "contacts", "links", "recent_interactions", "orders", "contracts", "recent_surveys", "open_cases", "open_tasks", "scores"]
        }),
    );
    let reasons = json!({"type": "array", "items": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "Stable reason code (translate by it)."},
            "params": {"type": "object"},
            "text": {"type": "string", "description": "The reason in plain English."}
        },
        "required": ["code", "params", "text"]
    }});
    s.insert(
        "PartyScore".into(),
        json!({
            "type": "object",
            "description": "A party's scores in one score run (`rapport score`).",
            "properties": {
                "as_of": {"type": "string", "format": "date"},
                "run_id": {"type": "string", "format": "uuid"},
                "currency": {"type": ["string", "null"]},
                "health": {"type": "number", "minimum": 0, "maximum": 100},
                "class": {"type": "string", "enum": ["grow", "maintain", "repair", "at_risk", "churned"]},
                "class_reasons": reasons,
                "segment": {"type": "string"},
                "rfm": {"type": "object", "properties": {"r": {"type": "integer"}, "f": {"type": "integer"}, "m": {"type": "integer"}}, "required": ["r", "f", "m"]},
                "frequency": {"type": "integer"},
                "recency_weeks": {"type": "number"},
                "age_weeks": {"type": "number"},
                "monetary": {"type": "number"},
                "p_alive": opt_number,
                "expected_purchases_90d": opt_number,
                "clv_12m": opt_number,
                "health_components": {
                    "type": "object",
                    "properties": {
                        "neutral": {"type": "boolean"},
                        "reasons": reasons,
                        "components": {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string", "enum": ["vitality", "value", "engagement", "satisfaction", "friction"]},
                                "weight": {"type": "number"},
                                "base_weight": {"type": "number"},
                                "score": opt_number,
                                "contribution": {"type": "number"},
                                "raw": {"type": "array", "items": {"type": "object"}},
                                "reasons": reasons
                            },
                            "required": ["kind", "weight", "contribution", "reasons"]
                        }}
                    },
                    "required": ["components"]
                }
            },
            "required": ["as_of", "run_id", "health", "class", "class_reasons", "segment", "rfm", "frequency", "health_components"]
        }),
    );
}
