//! The schemas and parameters of the portfolio and insight endpoints.

use rapport_app::insights::SEGMENTS;
use rapport_store::PortfolioSort;
use serde_json::{Map, Value, json};

use super::{json_response, schema_ref};
use crate::api::insights::{CLASSES, MAX_PAGE};

pub(super) fn insert_schemas(s: &mut Map<String, Value>) {
    weights_schemas(s);
    let num = json!({"type": "number"});
    let opt_num = json!({"type": ["number", "null"]});
    let int = json!({"type": "integer", "minimum": 0});
    let run = json!({
        "type": "object",
        "description": "The score run the figures come from.",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "as_of": {"type": "string", "format": "date"},
            "currency": {"type": ["string", "null"], "description": "Currency of CLV and spend."},
            "customers": {"type": "integer"}
        },
        "required": ["id", "as_of", "currency", "customers"]
    });
    s.insert("ScoreRunRef".into(), run);
    s.insert(
        "PortfolioEntry".into(),
        json!({
            "type": "object",
            "properties": {
                "party": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "external_id": {"type": "string"},
                        "name": {"type": "string"},
                        "owner_email": {"type": ["string", "null"]}
                    },
                    "required": ["id", "external_id", "name", "owner_email"]
                },
                "health": num,
                "previous_health": opt_num,
                "health_change": {"type": ["number", "null"], "description": "Health now minus health in the previous run."},
                "class": {"type": "string", "enum": CLASSES},
                "class_reasons": {"type": "array", "items": {"type": "object"}},
                "segment": {"type": "string", "enum": SEGMENTS},
                "rfm": {
                    "type": "object",
                    "properties": {"r": {"type": "integer"}, "f": {"type": "integer"}, "m": {"type": "integer"}},
                    "required": ["r", "f", "m"]
                },
                "p_alive": opt_num,
                "expected_purchases_90d": opt_num,
                "clv_12m": opt_num,
                "frequency": {"type": "integer"},
                "monetary": num
            },
            "required": ["party", "health", "previous_health", "health_change", "class", "class_reasons", "segment", "rfm", "p_alive", "expected_purchases_90d", "clv_12m", "frequency", "monetary"]
        }),
    );
    s.insert(
        "PortfolioPage".into(),
        json!({
            "type": "object",
            "properties": {
                "run": schema_ref("ScoreRunRef"),
                "total": {"type": "integer", "description": "Customers matching the filters, over all pages."},
                "items": {"type": "array", "items": schema_ref("PortfolioEntry")},
                "next_offset": {"type": ["integer", "null"], "description": "The offset of the next page; null on the last."}
            },
            "required": ["run", "total", "items", "next_offset"]
        }),
    );
    s.insert(
        "SegmentOverview".into(),
        json!({
            "type": "object",
            "properties": {
                "run": schema_ref("ScoreRunRef"),
                "customers": int,
                "segments": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "segment": {"type": "string", "enum": SEGMENTS},
                        "customers": int,
                        "share": num,
                        "mean_health": opt_num,
                        "mean_p_alive": opt_num,
                        "mean_clv": opt_num,
                        "total_clv": opt_num,
                        "clv_share": opt_num,
                        "mean_frequency": opt_num,
                        "mean_spend": opt_num
                    },
                    "required": ["segment", "customers", "share"]
                }},
                "grid": {"type": "array", "description": "Customers by RFM recency score (r) and frequency score (f), 25 cells.", "items": {
                    "type": "object",
                    "properties": {
                        "r": {"type": "integer", "minimum": 1, "maximum": 5},
                        "f": {"type": "integer", "minimum": 1, "maximum": 5},
                        "customers": int,
                        "mean_clv": opt_num,
                        "mean_health": opt_num
                    },
                    "required": ["r", "f", "customers"]
                }}
            },
            "required": ["run", "customers", "segments", "grid"]
        }),
    );
    let profile = json!({
        "type": "object",
        "properties": {
            "mean_value": num,
            "mean_frequency": num,
            "mean_spend": num,
            "mean_tenure_weeks": num,
            "mean_health": num,
            "mean_p_alive": opt_num,
            "repeat_rate": num
        },
        "required": ["mean_value", "mean_frequency", "mean_spend", "mean_tenure_weeks", "mean_health", "repeat_rate"]
    });
    s.insert(
        "AcquisitionInsights".into(),
        json!({
            "type": "object",
            "properties": {
                "run": schema_ref("ScoreRunRef"),
                "customers": int,
                "value_measure": {"type": "string", "enum": ["clv", "spend"], "description": "What ranks customers into the top decile."},
                "dimensions": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "dimension": {"type": "string", "enum": ["channel", "segment", "industry", "country", "cohort"]},
                        "groups": {"type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "value": {"type": "string", "description": "The group's value; empty for none recorded, \"*other\" for the smallest groups summed."},
                                "customers": int,
                                "share": num,
                                "repeat_rate": num,
                                "mean_p_alive": opt_num,
                                "churned_share": num,
                                "mean_health": num,
                                "mean_clv": opt_num,
                                "total_clv": opt_num,
                                "top_decile": int,
                                "lift": {"type": "number", "description": "Share of the top decile over share of all customers."}
                            },
                            "required": ["value", "customers", "share", "repeat_rate", "churned_share", "mean_health", "top_decile", "lift"]
                        }}
                    },
                    "required": ["dimension", "groups"]
                }},
                "top_decile": {
                    "type": "object",
                    "properties": {
                        "customers": int,
                        "threshold": num,
                        "value_share": num,
                        "top": profile,
                        "all": profile
                    },
                    "required": ["customers", "threshold", "value_share", "top", "all"]
                }
            },
            "required": ["run", "customers", "value_measure", "dimensions", "top_decile"]
        }),
    );
}

/// The health weights' schema (in `insert_schemas`).
fn weights_schemas(s: &mut Map<String, Value>) {
    let weight = json!({"type": "number", "minimum": 0, "maximum": 100});
    let names = [
        "vitality",
        "value",
        "engagement",
        "satisfaction",
        "friction",
    ];
    let props: Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), weight.clone()))
        .collect();
    s.insert(
        "HealthWeightsChange".into(),
        json!({
            "type": "object",
            "description": "A weight per health component, relative (scaled to sum to 1), at least one above 0.",
            "properties": props,
            "required": names,
            "additionalProperties": false
        }),
    );
    s.insert(
        "HealthWeights".into(),
        json!({
            "type": "object",
            "properties": {
                "weights": {"type": "object", "properties": props, "required": names},
                "default": {"type": "boolean", "description": "Whether these are Rapport's defaults."},
                "updated_at": {"type": ["string", "null"], "format": "date-time"}
            },
            "required": ["weights", "default", "updated_at"]
        }),
    );
}

pub(super) fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "schema": schema, "description": description})
}

pub(super) fn paging() -> [Value; 2] {
    [
        query(
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
            "Customers per page (default 50).",
        ),
        query(
            "offset",
            json!({"type": "integer", "minimum": 0, "maximum": 10_000_000}),
            "The `next_offset` of the previous page.",
        ),
    ]
}

pub(super) fn owner() -> Value {
    query(
        "owner",
        json!({"type": "string"}),
        "Only the parties this user owns: an e-mail address, or `me`.",
    )
}

/// Fills in the operation of an insight or settings endpoint; false for other paths.
pub(super) fn operation(
    method: &str,
    path: &str,
    op: &mut Map<String, Value>,
    responses: &mut Map<String, Value>,
) -> bool {
    let params: Vec<Value> = match path {
        "/api/v1/portfolio" => {
            let range = |lo: f64, hi: f64| json!({"type": "number", "minimum": lo, "maximum": hi});
            let mut p = vec![
                query(
                    "class",
                    json!({"type": "string", "enum": CLASSES}),
                    "Only this class.",
                ),
                query(
                    "segment",
                    json!({"type": "string", "enum": SEGMENTS}),
                    "Only this RFM segment.",
                ),
                owner(),
                query("min_health", range(0.0, 100.0), "Health at least this."),
                query("max_health", range(0.0, 100.0), "Health at most this."),
                query("min_p_alive", range(0.0, 1.0), "P(alive) at least this."),
                query("max_p_alive", range(0.0, 1.0), "P(alive) at most this."),
                query("min_clv", range(-1e15, 1e15), "12-month CLV at least this."),
                query(
                    "min_drop",
                    range(-100.0, 100.0),
                    "Health points lost since the previous run, at least this.",
                ),
                query(
                    "q",
                    json!({"type": "string", "maxLength": 200}),
                    "Name or e-mail contains, or the external id equals.",
                ),
                query(
                    "sort",
                    json!({"type": "string", "enum": PortfolioSort::CODES}),
                    "Order: health (weakest first, the default), clv, p_alive, drop or name; '-' for descending.",
                ),
            ];
            p.extend(paging());
            responses.insert(
                "200".into(),
                json_response("A page of customers", schema_ref("PortfolioPage")),
            );
            p
        }
        "/api/v1/insights/needs-attention" => {
            let mut p = vec![
                query(
                    "min_drop",
                    json!({"type": "number", "minimum": -100, "maximum": 100}),
                    "Health points lost since the previous run (default 10).",
                ),
                owner(),
            ];
            p.extend(paging());
            responses.insert(
                "200".into(),
                json_response(
                    "A page of customers, most valuable first",
                    schema_ref("PortfolioPage"),
                ),
            );
            p
        }
        "/api/v1/insights/segments" => {
            responses.insert(
                "200".into(),
                json_response("OK", schema_ref("SegmentOverview")),
            );
            Vec::new()
        }
        "/api/v1/insights/acquisition" => {
            responses.insert(
                "200".into(),
                json_response("OK", schema_ref("AcquisitionInsights")),
            );
            Vec::new()
        }
        "/api/v1/insights/acquisition.csv" => {
            responses.insert(
                "200".into(),
                json!({
                    "description": "One row per group: dimension, value, customers, share, repeat_rate, mean_p_alive, churned_share, mean_health, mean_clv, total_clv, top_decile_customers, top_decile_lift",
                    "content": {"text/csv": {"schema": {"type": "string"}}}
                }),
            );
            Vec::new()
        }
        "/api/v1/settings/health-weights" => {
            if method == "PUT" {
                op.insert("requestBody".into(), json!({"required": true, "content": {"application/json": {"schema": schema_ref("HealthWeightsChange")}}}));
            }
            responses.insert(
                "200".into(),
                json_response("The weights in force", schema_ref("HealthWeights")),
            );
            Vec::new()
        }
        _ => return false,
    };
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    true
}
