//! The reads of the party 360 (the party page and `GET /parties/{key}/360`), the hottest read of
//! the server: the party found by id, external id or merge alias, its latest records of every
//! kind, the parties, users and products those records name, its order summary and its score
//! history.
//!
//! On PostgreSQL all of it is one statement: each part a JSON array of rows, so a 360 is one
//! round trip instead of a dozen (each round trip costs the client and the server more than
//! the index lookups themselves). On SQLite the parts are separate statements on the calling
//! thread (`begin_lookup`), where a statement costs microseconds and JSON would only add work.
//! Both give the same rows, in the same order (the named parties, users, products and order
//! lines by id).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::query::cursor_columns;
use crate::schema::{
    CASES, CONTRACTS, INTERACTIONS, ORDER_LINES, ORDERS, PARTIES, PARTY_LINKS, PARTY_SCORES,
    SURVEY_RESPONSES, TASKS, Table,
};
use crate::value::{ColType, Row, Value};
use crate::{Backend, Filter, ListQuery, OrderSummary, Result, StoreError, Tx};

/// How many of each part a 360 reads (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party360Limits {
    pub interactions: usize,
    pub orders: usize,
    pub contracts: usize,
    pub surveys: usize,
    pub cases: usize,
    pub tasks: usize,
    pub links: usize,
    pub scores: usize,
}

/// Everything a 360 shows, as stored rows (each in its table's column order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Party360Rows {
    pub party: Row,
    pub interactions: Vec<Row>,
    pub orders: Vec<Row>,
    /// The lines of `orders`, by order id and line number.
    pub order_lines: Vec<Row>,
    pub contracts: Vec<Row>,
    pub surveys: Vec<Row>,
    pub cases: Vec<Row>,
    pub tasks: Vec<Row>,
    /// Links from the party (it works at, it referred), and to it.
    pub links_out: Vec<Row>,
    pub links_in: Vec<Row>,
    /// The parties at the other end of those links, by id.
    pub linked_parties: Vec<Row>,
    /// Id and e-mail of every user the party, its linked parties, interactions and tasks name,
    /// by id.
    pub users: Vec<(Uuid, String)>,
    /// Id and sku of every product the contracts name, by id.
    pub products: Vec<(Uuid, String)>,
    pub order_summary: Vec<OrderSummary>,
    /// The party's scores in the latest runs, newest first: the run's day, its currency and the
    /// `party_scores` row.
    pub scores: Vec<(NaiveDate, Option<String>, Row)>,
}

/// One list part of the 360: the rows of `table` whose `column` is the party, newest first by
/// `sort` (then the key).
struct Part {
    name: &'static str,
    table: &'static Table,
    column: &'static str,
    sort: &'static str,
}

const PARTS: [Part; 8] = [
    Part {
        name: "i",
        table: &INTERACTIONS,
        column: "party_id",
        sort: "occurred_at",
    },
    Part {
        name: "o",
        table: &ORDERS,
        column: "party_id",
        sort: "ordered_at",
    },
    Part {
        name: "c",
        table: &CONTRACTS,
        column: "party_id",
        sort: "signed_at",
    },
    Part {
        name: "s",
        table: &SURVEY_RESPONSES,
        column: "party_id",
        sort: "answered_at",
    },
    Part {
        name: "k",
        table: &CASES,
        column: "party_id",
        sort: "opened_at",
    },
    Part {
        name: "t",
        table: &TASKS,
        column: "party_id",
        sort: "id",
    },
    Part {
        name: "lo",
        table: &PARTY_LINKS,
        column: "from_party_id",
        sort: "id",
    },
    Part {
        name: "li",
        table: &PARTY_LINKS,
        column: "to_party_id",
        sort: "id",
    },
];

impl Party360Limits {
    fn of(&self, part: usize) -> usize {
        [
            self.interactions,
            self.orders,
            self.contracts,
            self.surveys,
            self.cases,
            self.tasks,
            self.links,
            self.links,
        ][part]
    }
}

/// The types of a table's columns, in order.
fn types(table: &Table) -> Vec<ColType> {
    table.columns.iter().map(|c| c.ty).collect()
}

/// `sort DESC, key DESC…`, qualified by `alias` when given.
fn newest_first(table: &Table, sort: &'static str, alias: &str) -> String {
    cursor_columns(table, sort)
        .iter()
        .map(|c| format!("{alias}{c} DESC"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx {
    /// The 360 of the party whose id, external id or merged-away external id is `key`; `None`
    /// if there is none.
    pub async fn party_360_rows(
        &mut self,
        key: &str,
        limits: &Party360Limits,
    ) -> Result<Option<Party360Rows>> {
        if key.contains('\0') {
            // No key holds it (they are refused on the way in), and PostgreSQL cannot compare it.
            return Ok(None);
        }
        match self.backend() {
            Backend::Postgres => self.party_360_one_statement(key, limits).await,
            Backend::Sqlite => self.party_360_rows_stepwise(key, limits).await,
        }
    }

    /// The party row for `key`: by id, else by external id, else through a merge alias.
    pub async fn find_party_row(&mut self, key: &str) -> Result<Option<Row>> {
        if key.contains('\0') {
            return Ok(None);
        }
        if let Ok(id) = Uuid::parse_str(key)
            && let Some(row) = self
                .fetch_in(&PARTIES, "id", &[Value::Uuid(id)])
                .await?
                .pop()
        {
            return Ok(Some(row));
        }
        if let Some(row) = self
            .fetch_in(&PARTIES, "external_id", &[Value::text(key)])
            .await?
            .pop()
        {
            return Ok(Some(row));
        }
        let Some(id) = self.resolve_parties(&[key.to_string()]).await?.remove(key) else {
            return Ok(None);
        };
        Ok(self
            .fetch_in(&PARTIES, "id", &[Value::Uuid(id)])
            .await?
            .pop())
    }

    /// [`Tx::party_360_rows`] read part by part, one statement each, on any backend: SQLite's
    /// way, and on PostgreSQL what the tests hold the one statement to.
    pub async fn party_360_rows_stepwise(
        &mut self,
        key: &str,
        limits: &Party360Limits,
    ) -> Result<Option<Party360Rows>> {
        let Some(party) = self.find_party_row(key).await? else {
            return Ok(None);
        };
        let id = party[PARTIES.col("id")].clone();
        let mut lists = Vec::with_capacity(PARTS.len());
        for (i, part) in PARTS.iter().enumerate() {
            let mut q = ListQuery::new(part.sort, limits.of(i));
            q.filters.push(Filter::eq(part.column, id.clone()));
            q.descending = true;
            lists.push(self.list(part.table, &q).await?);
        }
        let [
            interactions,
            orders,
            contracts,
            surveys,
            cases,
            tasks,
            links_out,
            links_in,
        ] = <[Vec<Row>; 8]>::try_from(lists)
            .map_err(|_| StoreError::Engine("the 360 lost a part".into()))?;
        let order_ids: Vec<Value> = orders.iter().map(|o| o[ORDERS.col("id")].clone()).collect();
        let mut order_lines = self.fetch_in(&ORDER_LINES, "order_id", &order_ids).await?;
        let (order, line) = (ORDER_LINES.col("order_id"), ORDER_LINES.col("line_no"));
        order_lines.sort_by_key(|l| (l[order].as_uuid(), l[line].as_int()));
        let (from, to) = (
            PARTY_LINKS.col("from_party_id"),
            PARTY_LINKS.col("to_party_id"),
        );
        let mut others: Vec<Value> = links_out.iter().map(|l| l[to].clone()).collect();
        others.extend(links_in.iter().map(|l| l[from].clone()));
        dedup(&mut others);
        let mut linked_parties = self.fetch_in(&PARTIES, "id", &others).await?;
        linked_parties.sort_by_key(|p| p[PARTIES.col("id")].as_uuid());
        let owner = PARTIES.col("owner_id");
        let mut user_ids: Vec<Value> = std::iter::once(&party)
            .chain(&linked_parties)
            .map(|p| p[owner].clone())
            .chain(
                interactions
                    .iter()
                    .map(|r| r[INTERACTIONS.col("user_id")].clone()),
            )
            .chain(tasks.iter().map(|r| r[TASKS.col("assignee_id")].clone()))
            .filter(|v| !v.is_null())
            .collect();
        dedup(&mut user_ids);
        let mut product_ids: Vec<Value> = contracts
            .iter()
            .map(|r| r[CONTRACTS.col("product_id")].clone())
            .filter(|v| !v.is_null())
            .collect();
        dedup(&mut product_ids);
        let users = self.names_of("users", "email", &user_ids).await?;
        let products = self.names_of("products", "sku", &product_ids).await?;
        let party_id = id.as_uuid().unwrap_or_default();
        let order_summary = self.order_summary(party_id).await?;
        let scores = self.party_score_history(party_id, limits.scores).await?;
        Ok(Some(Party360Rows {
            party,
            interactions,
            orders,
            order_lines,
            contracts,
            surveys,
            cases,
            tasks,
            links_out,
            links_in,
            linked_parties,
            users,
            products,
            order_summary,
            scores,
        }))
    }

    /// `(id, name column)` of the rows of `table` whose id is one of `ids`, by id.
    pub(crate) async fn names_of(
        &mut self,
        table: &'static str,
        column: &'static str,
        ids: &[Value],
    ) -> Result<Vec<(Uuid, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, {column} FROM {table} WHERE org_id = $1 AND id IN ({})",
            placeholders.join(", ")
        );
        let binds: Vec<(Value, ColType)> = ids.iter().map(|v| (v.clone(), ColType::Uuid)).collect();
        let rows = self
            .select(sql, &binds, &[ColType::Uuid, ColType::Text], || {
                format!("reading {table}")
            })
            .await?;
        let mut pairs: Vec<(Uuid, String)> = rows
            .into_iter()
            .filter_map(|r| Some((r[0].as_uuid()?, r[1].as_str()?.to_string())))
            .collect();
        pairs.sort();
        Ok(pairs)
    }

    async fn party_360_one_statement(
        &mut self,
        key: &str,
        limits: &Party360Limits,
    ) -> Result<Option<Party360Rows>> {
        let sql = one_statement(limits);
        let binds = [
            (Value::opt(Uuid::parse_str(key).ok()), ColType::Uuid),
            (Value::text(key), ColType::Text),
        ];
        let columns = [ColType::Text; 15];
        let mut rows = self
            .select(sql, &binds, &columns, || "reading a party's 360".into())
            .await?;
        let Some(cells) = rows.pop() else {
            return Ok(None);
        };
        let part = |i: usize, types: &[ColType]| -> Result<Vec<Row>> {
            match &cells[i] {
                Value::Text(json) => rows_from_json(json, types),
                _ => Ok(Vec::new()),
            }
        };
        let Some(party) = part(0, &types(&PARTIES))?.pop() else {
            return Ok(None);
        };
        let mut lists = Vec::with_capacity(PARTS.len());
        for (i, p) in PARTS.iter().enumerate() {
            lists.push(part(1 + i, &types(p.table))?);
        }
        let [
            interactions,
            orders,
            contracts,
            surveys,
            cases,
            tasks,
            links_out,
            links_in,
        ] = <[Vec<Row>; 8]>::try_from(lists)
            .map_err(|_| StoreError::Engine("the 360 lost a part".into()))?;
        let pairs = |rows: Vec<Row>| -> Vec<(Uuid, String)> {
            rows.into_iter()
                .filter_map(|r| Some((r[0].as_uuid()?, r[1].as_str()?.to_string())))
                .collect()
        };
        let summary_types = [
            ColType::Text,
            ColType::Int,
            ColType::Int,
            ColType::Time,
            ColType::Time,
        ];
        let mut score_types = types(&PARTY_SCORES);
        score_types.extend([ColType::Text, ColType::Date]);
        Ok(Some(Party360Rows {
            party,
            interactions,
            orders,
            order_lines: part(9, &types(&ORDER_LINES))?,
            contracts,
            surveys,
            cases,
            tasks,
            links_out,
            links_in,
            linked_parties: part(10, &types(&PARTIES))?,
            users: pairs(part(11, &[ColType::Uuid, ColType::Text])?),
            products: pairs(part(12, &[ColType::Uuid, ColType::Text])?),
            order_summary: part(13, &summary_types)?
                .into_iter()
                .map(|r| OrderSummary::from_row(&r))
                .collect(),
            scores: part(14, &score_types)?
                .into_iter()
                .filter_map(|mut r| match (r.pop(), r.pop()) {
                    (Some(Value::Date(d)), Some(currency)) => {
                        Some((d, currency.as_str().map(str::to_string), r))
                    }
                    _ => None,
                })
                .collect(),
        }))
    }
}

fn dedup(values: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| v.as_uuid().is_some_and(|u| seen.insert(u)));
}

/// The PostgreSQL statement of a 360: `$1` the org, `$2` the key as an id (or NULL), `$3` the
/// key as text. Its one row holds fifteen JSON arrays of rows (NULL for none): the party, the
/// eight parts, the order lines, the linked parties, the users and products named, the order
/// summary and the score history. Each array is ordered in the aggregate itself.
fn one_statement(limits: &Party360Limits) -> String {
    let cols = |t: &Table, alias: &str| -> String {
        t.columns
            .iter()
            .map(|c| format!("{alias}{}", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let agg = |cte: &str, t: &Table, order: &str| -> String {
        format!(
            "(SELECT json_agg(json_build_array({}) ORDER BY {order})::text FROM {cte} x)",
            cols(t, "x.")
        )
    };
    let party_cols = PARTIES.column_list();
    let mut ctes = vec![format!(
        "p AS (SELECT {party_cols} FROM parties WHERE org_id = $1 AND id = COALESCE(\
         (SELECT id FROM parties WHERE org_id = $1 AND id = $2), \
         (SELECT id FROM parties WHERE org_id = $1 AND external_id = $3), \
         (SELECT party_id FROM party_aliases WHERE org_id = $1 AND external_id = $3)))"
    )];
    for (i, part) in PARTS.iter().enumerate() {
        ctes.push(format!(
            "{} AS (SELECT {} FROM {} WHERE org_id = $1 AND {} = (SELECT id FROM p) ORDER BY {} LIMIT {})",
            part.name,
            part.table.column_list(),
            part.table.name,
            part.column,
            newest_first(part.table, part.sort, ""),
            limits.of(i)
        ));
    }
    ctes.push(format!(
        "ol AS (SELECT {} FROM order_lines WHERE org_id = $1 AND order_id IN (SELECT id FROM o))",
        ORDER_LINES.column_list()
    ));
    ctes.push(format!(
        "lp AS (SELECT {party_cols} FROM parties WHERE org_id = $1 AND id IN \
         (SELECT to_party_id FROM lo UNION SELECT from_party_id FROM li))"
    ));
    ctes.push(
        "u AS (SELECT id, email FROM users WHERE org_id = $1 AND id IN \
         (SELECT owner_id FROM p UNION SELECT owner_id FROM lp UNION SELECT user_id FROM i \
          UNION SELECT assignee_id FROM t))"
            .to_string(),
    );
    ctes.push(
        "pr AS (SELECT id, sku FROM products WHERE org_id = $1 AND id IN (SELECT product_id FROM c))"
            .to_string(),
    );
    ctes.push(
        "os AS (SELECT o.currency AS currency, COUNT(DISTINCT o.id) AS orders, \
         CAST(COALESCE(SUM(l.amount_minor), 0) AS BIGINT) AS total, MIN(o.ordered_at) AS first, \
         MAX(o.ordered_at) AS last FROM orders o LEFT JOIN order_lines l ON l.org_id = o.org_id \
         AND l.order_id = o.id WHERE o.org_id = $1 AND o.party_id = (SELECT id FROM p) \
         GROUP BY o.currency)"
            .to_string(),
    );
    ctes.push(format!(
        "sc AS (SELECT {}, r.currency AS run_currency, r.as_of AS run_as_of, \
         r.started_at AS run_started_at, r.id AS run_key FROM party_scores s JOIN score_runs r \
         ON r.org_id = s.org_id AND r.id = s.run_id WHERE s.org_id = $1 AND s.party_id = \
         (SELECT id FROM p) ORDER BY r.as_of DESC, r.started_at DESC, r.id DESC LIMIT {})",
        cols(&PARTY_SCORES, "s."),
        limits.scores
    ));
    let mut parts = vec![agg("p", &PARTIES, "x.id")];
    for part in &PARTS {
        parts.push(agg(
            part.name,
            part.table,
            &newest_first(part.table, part.sort, "x."),
        ));
    }
    parts.push(agg("ol", &ORDER_LINES, "x.order_id, x.line_no"));
    parts.push(agg("lp", &PARTIES, "x.id"));
    parts.push(
        "(SELECT json_agg(json_build_array(x.id, x.email) ORDER BY x.id)::text FROM u x)"
            .to_string(),
    );
    parts.push(
        "(SELECT json_agg(json_build_array(x.id, x.sku) ORDER BY x.id)::text FROM pr x)"
            .to_string(),
    );
    parts.push(
        "(SELECT json_agg(json_build_array(x.currency, x.orders, x.total, x.first, x.last) \
         ORDER BY x.currency)::text FROM os x)"
            .to_string(),
    );
    parts.push(format!(
        "(SELECT json_agg(json_build_array({}, x.run_currency, x.run_as_of) ORDER BY \
         x.run_as_of DESC, x.run_started_at DESC, x.run_key DESC)::text FROM sc x)",
        cols(&PARTY_SCORES, "x.")
    ));
    format!(
        "WITH {} SELECT {} WHERE EXISTS (SELECT 1 FROM p)",
        ctes.join(", "),
        parts.join(", ")
    )
}

/// Rows from a JSON array of arrays (PostgreSQL's `json_agg(json_build_array(...))`), each
/// cell decoded as its column's type decodes from the database.
fn rows_from_json(json: &str, types: &[ColType]) -> Result<Vec<Row>> {
    let bad = |what: String| StoreError::Engine(format!("reading a party's 360: {what}"));
    let rows: Vec<Vec<Json>> =
        serde_json::from_str(json).map_err(|e| bad(format!("JSON that does not parse: {e}")))?;
    rows.into_iter()
        .map(|cells| {
            if cells.len() != types.len() {
                return Err(bad(format!(
                    "a row of {} cells where {} were expected",
                    cells.len(),
                    types.len()
                )));
            }
            cells
                .into_iter()
                .zip(types)
                .map(|(cell, ty)| json_cell(cell, *ty).map_err(&bad))
                .collect()
        })
        .collect()
}

/// One cell as PostgreSQL writes it in JSON: ids, times and dates as text, numbers as
/// numbers (floats that are not finite as text), JSON columns embedded.
fn json_cell(cell: Json, ty: ColType) -> std::result::Result<Value, String> {
    let wrong = |cell: &Json| format!("{cell} is not a {ty:?}");
    Ok(match (ty, cell) {
        (ColType::Json, Json::Null) => Value::Null,
        (ColType::Json, j) => Value::Json(j),
        (_, Json::Null) => Value::Null,
        (ColType::Bool, Json::Bool(b)) => Value::Bool(b),
        (ColType::Int, Json::Number(n)) => Value::Int(n.as_i64().ok_or_else(|| n.to_string())?),
        (ColType::Float, Json::Number(n)) => Value::Float(n.as_f64().ok_or_else(|| n.to_string())?),
        (ColType::Float, Json::String(s)) => Value::Float(match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            _ => return Err(format!("{s} is not a number")),
        }),
        (ColType::Text, Json::String(s)) => Value::Text(s),
        (ColType::Uuid, Json::String(s)) => {
            Value::Uuid(Uuid::parse_str(&s).map_err(|_| format!("{s} is not an id"))?)
        }
        (ColType::Time, Json::String(s)) => Value::Time(
            DateTime::parse_from_rfc3339(&s)
                .map_err(|_| format!("{s} is not a time"))?
                .with_timezone(&Utc),
        ),
        (ColType::Date, Json::String(s)) => Value::Date(
            NaiveDate::parse_from_str(&s, "%F").map_err(|_| format!("{s} is not a date"))?,
        ),
        (_, other) => return Err(wrong(&other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_decode_as_postgresql_writes_them() {
        let types = [
            ColType::Uuid,
            ColType::Time,
            ColType::Date,
            ColType::Int,
            ColType::Float,
            ColType::Bool,
            ColType::Text,
            ColType::Json,
            ColType::Text,
        ];
        let json = r#"[["01a25236-de82-772c-ba0f-1aef50373301", "2026-12-07T21:34:17.117615+01:00",
            "2024-02-29", 9007199254740993, 0.1, true, "a \"quote\"", {"k": [1]}, null]]"#;
        let rows = rows_from_json(json, &types).unwrap();
        assert_eq!(
            rows,
            vec![vec![
                Value::Uuid(Uuid::parse_str("01a25236-de82-772c-ba0f-1aef50373301").unwrap()),
                Value::Time("2026-12-07T20:34:17.117615Z".parse().unwrap()),
                Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
                Value::Int(9_007_199_254_740_993),
                Value::Float(0.1),
                Value::Bool(true),
                Value::text("a \"quote\""),
                Value::Json(serde_json::json!({"k": [1]})),
                Value::Null,
            ]]
        );
    }

    #[test]
    fn cells_of_the_wrong_shape_are_errors_not_panics() {
        assert!(rows_from_json(r#"[["x"]]"#, &[ColType::Uuid]).is_err());
        assert!(rows_from_json(r#"[[1, 2]]"#, &[ColType::Int]).is_err());
        assert!(rows_from_json(r#"[[1.5]]"#, &[ColType::Int]).is_err());
        assert!(rows_from_json("not json", &[ColType::Int]).is_err());
        assert!(rows_from_json(r#"[["Infinity"]]"#, &[ColType::Float]).is_ok());
    }
}
