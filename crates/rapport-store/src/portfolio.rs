//! The portfolio: one score run's customers with their party, filtered and sorted in the
//! database (the run can hold millions), a page at a time, and how many match.

use uuid::Uuid;

use crate::query::party_search;
use crate::value::{ColType, Value};
use crate::{Result, Tx};

/// How a portfolio page is ordered. Ties fall back to the party id, so pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortfolioSort {
    /// Weakest health first.
    #[default]
    HealthAsc,
    HealthDesc,
    /// Highest CLV first (customers without a CLV last).
    ClvDesc,
    ClvAsc,
    /// Least likely to be alive first.
    PAliveAsc,
    PAliveDesc,
    /// Largest health drop since the previous run first.
    DropDesc,
    Name,
}

impl PortfolioSort {
    pub const CODES: &'static [&'static str] = &[
        "health", "-health", "-clv", "clv", "p_alive", "-p_alive", "-drop", "name",
    ];

    /// The sort named by its code (`-` for descending), e.g. `-clv`.
    pub fn parse(code: &str) -> Option<PortfolioSort> {
        use PortfolioSort::*;
        Some(match code {
            "health" => HealthAsc,
            "-health" => HealthDesc,
            "-clv" => ClvDesc,
            "clv" => ClvAsc,
            "p_alive" => PAliveAsc,
            "-p_alive" => PAliveDesc,
            "-drop" => DropDesc,
            "name" => Name,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        use PortfolioSort::*;
        match self {
            HealthAsc => "health",
            HealthDesc => "-health",
            ClvDesc => "-clv",
            ClvAsc => "clv",
            PAliveAsc => "p_alive",
            PAliveDesc => "-p_alive",
            DropDesc => "-drop",
            Name => "name",
        }
    }

    fn order_by(self) -> &'static str {
        use PortfolioSort::*;
        match self {
            HealthAsc => "s.health ASC",
            HealthDesc => "s.health DESC",
            ClvDesc => {
                "COALESCE(s.clv, -1e300) DESC, COALESCE(s.previous_health - s.health, 0) DESC"
            }
            ClvAsc => "COALESCE(s.clv, 1e300) ASC",
            PAliveAsc => "COALESCE(s.p_alive, 2) ASC",
            PAliveDesc => "COALESCE(s.p_alive, -1) DESC",
            DropDesc => "COALESCE(s.previous_health - s.health, -1e300) DESC",
            Name => "p.name ASC",
        }
    }
}

/// Which customers of a run, in what order, which page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortfolioQuery {
    pub run: Uuid,
    pub class: Option<String>,
    pub segment: Option<String>,
    /// Only the parties this user owns.
    pub owner: Option<Uuid>,
    pub min_health: Option<f64>,
    pub max_health: Option<f64>,
    pub min_p_alive: Option<f64>,
    pub max_p_alive: Option<f64>,
    pub min_clv: Option<f64>,
    /// Only health drops since the previous run of at least this many points.
    pub min_drop: Option<f64>,
    /// Text the name or e-mail contains, or the exact external id.
    pub search: Option<String>,
    pub sort: PortfolioSort,
    pub offset: usize,
    pub limit: usize,
}

/// One customer of a portfolio page.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioRow {
    pub party: Uuid,
    pub external_id: String,
    pub name: String,
    pub owner: Option<Uuid>,
    pub health: f64,
    pub previous_health: Option<f64>,
    pub class: String,
    pub segment: String,
    pub rfm: [i64; 3],
    pub p_alive: Option<f64>,
    pub clv: Option<f64>,
    pub expected_purchases: Option<f64>,
    pub frequency: i64,
    pub monetary: f64,
    /// The class's reasons: `[{code, params, text}]`.
    pub reasons: serde_json::Value,
}

const COLUMNS: &[(&str, ColType)] = &[
    ("p.id", ColType::Uuid),
    ("p.external_id", ColType::Text),
    ("p.name", ColType::Text),
    ("p.owner_id", ColType::Uuid),
    ("s.health", ColType::Float),
    ("s.previous_health", ColType::Float),
    ("s.class", ColType::Text),
    ("s.segment", ColType::Text),
    ("s.rfm_r", ColType::Int),
    ("s.rfm_f", ColType::Int),
    ("s.rfm_m", ColType::Int),
    ("s.p_alive", ColType::Float),
    ("s.clv", ColType::Float),
    ("s.expected_purchases", ColType::Float),
    ("s.frequency", ColType::Int),
    ("s.monetary", ColType::Float),
    ("s.reasons", ColType::Json),
];

const FROM: &str =
    "FROM party_scores s JOIN parties p ON p.org_id = s.org_id AND p.id = s.party_id";

impl Tx {
    /// A page of the run's customers that match `q`, in its order.
    pub async fn portfolio(&mut self, q: &PortfolioQuery) -> Result<Vec<PortfolioRow>> {
        let (conditions, binds) = self.portfolio_conditions(q);
        let cols: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
        let types: Vec<ColType> = COLUMNS.iter().map(|c| c.1).collect();
        let sql = format!(
            "SELECT {} {FROM} WHERE s.org_id = $1{conditions} ORDER BY {}, s.party_id LIMIT {} OFFSET {}",
            cols.join(", "),
            q.sort.order_by(),
            q.limit,
            q.offset
        );
        let rows = self
            .select(sql, &binds, &types, || "reading the portfolio".into())
            .await?;
        Ok(rows.iter().filter_map(|r| row(r)).collect())
    }

    /// How many of the run's customers match `q` (its sort and page aside).
    pub async fn portfolio_count(&mut self, q: &PortfolioQuery) -> Result<i64> {
        let (conditions, binds) = self.portfolio_conditions(q);
        let sql = format!("SELECT COUNT(*) {FROM} WHERE s.org_id = $1{conditions}");
        let rows = self
            .select(sql, &binds, &[ColType::Int], || {
                "counting the portfolio".into()
            })
            .await?;
        Ok(rows.first().and_then(|r| r[0].as_int()).unwrap_or(0))
    }

    fn portfolio_conditions(&self, q: &PortfolioQuery) -> (String, Vec<(Value, ColType)>) {
        let mut binds: Vec<(Value, ColType)> = Vec::new();
        let mut sql = String::new();
        let mut push = |sql: &mut String, cond: &str, v: Value, ty: ColType| {
            binds.push((v, ty));
            sql.push_str(&format!(
                " AND {}",
                cond.replace('?', &format!("${}", binds.len() + 1))
            ));
        };
        push(&mut sql, "s.run_id = ?", Value::Uuid(q.run), ColType::Uuid);
        if let Some(c) = &q.class {
            push(
                &mut sql,
                "s.class = ?",
                Value::text(c.as_str()),
                ColType::Text,
            );
        }
        if let Some(s) = &q.segment {
            push(
                &mut sql,
                "s.segment = ?",
                Value::text(s.as_str()),
                ColType::Text,
            );
        }
        if let Some(o) = q.owner {
            push(&mut sql, "p.owner_id = ?", Value::Uuid(o), ColType::Uuid);
        }
        let floats = [
            ("s.health >= ?", q.min_health),
            ("s.health <= ?", q.max_health),
            ("s.p_alive >= ?", q.min_p_alive),
            ("s.p_alive <= ?", q.max_p_alive),
            ("s.clv >= ?", q.min_clv),
            ("s.previous_health - s.health >= ?", q.min_drop),
        ];
        for (cond, v) in floats {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                push(&mut sql, cond, Value::Float(v), ColType::Float);
            }
        }
        if let Some(text) = q.search.as_deref().filter(|t| !t.is_empty()) {
            sql.push_str(&party_search(self.backend(), text, &mut binds));
        }
        (sql, binds)
    }
}

fn row(r: &[Value]) -> Option<PortfolioRow> {
    Some(PortfolioRow {
        party: r[0].as_uuid()?,
        external_id: r[1].as_str()?.to_string(),
        name: r[2].as_str()?.to_string(),
        owner: r[3].as_uuid(),
        health: r[4].as_f64()?,
        previous_health: r[5].as_f64(),
        class: r[6].as_str()?.to_string(),
        segment: r[7].as_str()?.to_string(),
        rfm: [r[8].as_int()?, r[9].as_int()?, r[10].as_int()?],
        p_alive: r[11].as_f64(),
        clv: r[12].as_f64(),
        expected_purchases: r[13].as_f64(),
        frequency: r[14].as_int()?,
        monetary: r[15].as_f64()?,
        reasons: match &r[16] {
            Value::Json(j) => j.clone(),
            _ => serde_json::Value::Null,
        },
    })
}
