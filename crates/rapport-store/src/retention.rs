//! Ended contracts for the retention reports: cancellations and withdrawals of a period, summed
//! per reason in the database (the index `contracts_ended` holds what the sums need), the
//! customers behind one reason, and the contracts signed in a period for buyer's remorse.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::value::{ColType, Value};
use crate::{Result, Tx};

/// Which ended contracts: the ones that ended in `[from, to)`, of one kind or both, in a slice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndedQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Cancellations, withdrawals, or both (`None`).
    pub status: Option<String>,
    pub product: Option<Uuid>,
    /// The products' category.
    pub category: Option<String>,
    /// The customers' acquisition channel.
    pub channel: Option<String>,
    /// The customers' relationship manager.
    pub owner: Option<Uuid>,
    /// The customers' RFM segment in this score run.
    pub segment: Option<(Uuid, String)>,
    /// Only this reason (the drill-down).
    pub reason: Option<String>,
}

/// One reason's ended contracts in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonTotal {
    pub code: String,
    pub currency: String,
    pub contracts: i64,
    pub value_minor: i64,
}

/// The customers who ended a contract for one reason, and their CLV in a score run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonCustomers {
    pub code: String,
    pub customers: i64,
    /// Customers the run scored, and the sum of their CLV.
    pub scored: i64,
    pub clv: f64,
}

/// One ended contract with its customer, for the drill-down.
#[derive(Debug, Clone, PartialEq)]
pub struct EndedContract {
    pub contract: Uuid,
    pub external_id: String,
    pub party: Uuid,
    pub party_external_id: String,
    pub party_name: String,
    pub owner: Option<Uuid>,
    pub sku: Option<String>,
    pub status: String,
    pub reason: String,
    pub note: Option<String>,
    pub value_minor: i64,
    pub currency: String,
    pub signed_at: DateTime<Utc>,
    pub cancelled_at: DateTime<Utc>,
    pub clv: Option<f64>,
}

/// A contract signed in a period, with what buyer's remorse is measured by.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedContract {
    pub product: Option<Uuid>,
    pub channel: Option<String>,
    pub signed_at: DateTime<Utc>,
    pub withdrawal_deadline: Option<DateTime<Utc>>,
    /// When it was delivered, or else when it is due.
    pub delivery: Option<DateTime<Utc>>,
    pub status: String,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A contract inside its withdrawal period with no contact with the customer since it was
/// signed.
#[derive(Debug, Clone, PartialEq)]
pub struct UncontactedContract {
    pub contract: Uuid,
    pub external_id: String,
    pub party: Uuid,
    pub party_external_id: String,
    pub party_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub owner: Option<Uuid>,
    pub sku: Option<String>,
    pub value_minor: i64,
    pub currency: String,
    pub signed_at: DateTime<Utc>,
    pub withdrawal_deadline: DateTime<Utc>,
    pub delivery: Option<DateTime<Utc>>,
}

type Binds = Vec<(Value, ColType)>;

/// Appends `AND cond` with its `?` numbered after the org's `$1`.
fn push(sql: &mut String, binds: &mut Binds, cond: &str, v: Value, ty: ColType) {
    binds.push((v, ty));
    sql.push_str(" AND ");
    sql.push_str(&cond.replace('?', &format!("${}", binds.len() + 1)));
}

/// The joins and conditions of `q` over `contracts c`.
fn ended_where(q: &EndedQuery) -> (String, String, Binds) {
    let mut joins = String::new();
    let mut sql = String::new();
    let mut binds = Binds::new();
    push(
        &mut sql,
        &mut binds,
        "c.cancelled_at >= ?",
        Value::Time(q.from),
        ColType::Time,
    );
    push(
        &mut sql,
        &mut binds,
        "c.cancelled_at < ?",
        Value::Time(q.to),
        ColType::Time,
    );
    match &q.status {
        Some(s) => push(
            &mut sql,
            &mut binds,
            "c.status = ?",
            Value::text(s.as_str()),
            ColType::Text,
        ),
        None => sql.push_str(" AND c.status IN ('cancelled', 'withdrawn')"),
    }
    sql.push_str(" AND c.cancellation_reason IS NOT NULL");
    if let Some(r) = &q.reason {
        push(
            &mut sql,
            &mut binds,
            "c.cancellation_reason = ?",
            Value::text(r.as_str()),
            ColType::Text,
        );
    }
    if let Some(p) = q.product {
        push(
            &mut sql,
            &mut binds,
            "c.product_id = ?",
            Value::Uuid(p),
            ColType::Uuid,
        );
    }
    if let Some(cat) = &q.category {
        joins.push_str(" JOIN products pr ON pr.org_id = c.org_id AND pr.id = c.product_id");
        push(
            &mut sql,
            &mut binds,
            "pr.category = ?",
            Value::text(cat.as_str()),
            ColType::Text,
        );
    }
    if q.channel.is_some() || q.owner.is_some() {
        joins.push_str(" JOIN parties p ON p.org_id = c.org_id AND p.id = c.party_id");
    }
    if let Some(ch) = &q.channel {
        push(
            &mut sql,
            &mut binds,
            "p.acquisition_channel = ?",
            Value::text(ch.as_str()),
            ColType::Text,
        );
    }
    if let Some(o) = q.owner {
        push(
            &mut sql,
            &mut binds,
            "p.owner_id = ?",
            Value::Uuid(o),
            ColType::Uuid,
        );
    }
    if let Some((run, segment)) = &q.segment {
        joins
            .push_str(" JOIN party_scores sg ON sg.org_id = c.org_id AND sg.party_id = c.party_id");
        push(
            &mut sql,
            &mut binds,
            "sg.run_id = ?",
            Value::Uuid(*run),
            ColType::Uuid,
        );
        push(
            &mut sql,
            &mut binds,
            "sg.segment = ?",
            Value::text(segment.as_str()),
            ColType::Text,
        );
    }
    (joins, sql, binds)
}

impl Tx {
    /// The ended contracts of `q` summed per reason and currency.
    pub async fn ended_by_reason(&mut self, q: &EndedQuery) -> Result<Vec<ReasonTotal>> {
        let (joins, cond, binds) = ended_where(q);
        let sql = format!(
            "SELECT c.cancellation_reason, c.currency, COUNT(*), CAST(SUM(c.value_minor) AS BIGINT) \
             FROM contracts c{joins} WHERE c.org_id = $1{cond} \
             GROUP BY c.cancellation_reason, c.currency"
        );
        let types = [ColType::Text, ColType::Text, ColType::Int, ColType::Int];
        let rows = self
            .select(sql, &binds, &types, || {
                "summing cancellations per reason".into()
            })
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(ReasonTotal {
                    code: r[0].as_str()?.to_string(),
                    currency: r[1].as_str()?.to_string(),
                    contracts: r[2].as_int()?,
                    value_minor: r[3].as_int().unwrap_or(0),
                })
            })
            .collect())
    }

    /// The distinct customers behind each reason of `q`, and the CLV `run` gave them.
    pub async fn ended_customers_by_reason(
        &mut self,
        q: &EndedQuery,
        run: Option<Uuid>,
    ) -> Result<Vec<ReasonCustomers>> {
        let (joins, cond, mut binds) = ended_where(q);
        let (score_join, scored, clv) = match run {
            Some(run) => {
                binds.push((Value::Uuid(run), ColType::Uuid));
                (
                    format!(
                        " LEFT JOIN party_scores s ON s.org_id = $1 AND s.run_id = ${} \
                         AND s.party_id = x.party_id",
                        binds.len() + 1
                    ),
                    "COUNT(s.party_id)",
                    "SUM(s.clv)",
                )
            }
            None => (
                String::new(),
                "CAST(0 AS BIGINT)",
                "CAST(0 AS DOUBLE PRECISION)",
            ),
        };
        let sql = format!(
            "SELECT x.reason, COUNT(*), {scored}, {clv} FROM \
             (SELECT DISTINCT c.cancellation_reason AS reason, c.party_id \
              FROM contracts c{joins} WHERE c.org_id = $1{cond}) x{score_join} \
             GROUP BY x.reason"
        );
        let types = [ColType::Text, ColType::Int, ColType::Int, ColType::Float];
        let rows = self
            .select(sql, &binds, &types, || {
                "counting the customers per cancellation reason".into()
            })
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(ReasonCustomers {
                    code: r[0].as_str()?.to_string(),
                    customers: r[1].as_int()?,
                    scored: r[2].as_int().unwrap_or(0),
                    clv: r[3].as_f64().unwrap_or(0.0),
                })
            })
            .collect())
    }

    /// A page of the ended contracts of `q`, the most valuable first, with their customers
    /// and the CLV `run` gave them.
    pub async fn ended_contracts(
        &mut self,
        q: &EndedQuery,
        run: Option<Uuid>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<EndedContract>> {
        let (joins, cond, mut binds) = ended_where(q);
        let joins = if joins.contains(" parties p ") {
            joins
        } else {
            format!("{joins} JOIN parties p ON p.org_id = c.org_id AND p.id = c.party_id")
        };
        let clv = match run {
            Some(run) => {
                binds.push((Value::Uuid(run), ColType::Uuid));
                format!(
                    "(SELECT s.clv FROM party_scores s WHERE s.org_id = c.org_id \
                     AND s.run_id = ${} AND s.party_id = c.party_id)",
                    binds.len() + 1
                )
            }
            None => "NULL".into(),
        };
        let sql = format!(
            "SELECT c.id, c.external_id, p.id, p.external_id, p.name, p.owner_id, \
             (SELECT pp.sku FROM products pp WHERE pp.org_id = c.org_id AND pp.id = c.product_id), \
             c.status, c.cancellation_reason, c.cancellation_note, c.value_minor, c.currency, \
             c.signed_at, c.cancelled_at, {clv} \
             FROM contracts c{joins} WHERE c.org_id = $1{cond} \
             ORDER BY c.value_minor DESC, c.cancelled_at DESC, c.id LIMIT {limit} OFFSET {offset}"
        );
        use ColType::*;
        let types = [
            Uuid, Text, Uuid, Text, Text, Uuid, Text, Text, Text, Text, Int, Text, Time, Time,
            Float,
        ];
        let rows = self
            .select(sql, &binds, &types, || "reading cancelled contracts".into())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(EndedContract {
                    contract: r[0].as_uuid()?,
                    external_id: r[1].as_str()?.to_string(),
                    party: r[2].as_uuid()?,
                    party_external_id: r[3].as_str()?.to_string(),
                    party_name: r[4].as_str()?.to_string(),
                    owner: r[5].as_uuid(),
                    sku: r[6].as_str().map(str::to_string),
                    status: r[7].as_str()?.to_string(),
                    reason: r[8].as_str()?.to_string(),
                    note: r[9].as_str().map(str::to_string),
                    value_minor: r[10].as_int()?,
                    currency: r[11].as_str()?.to_string(),
                    signed_at: r[12].as_time()?,
                    cancelled_at: r[13].as_time()?,
                    clv: r[14].as_f64(),
                })
            })
            .collect())
    }

    /// Each contract signed in `[from, to)` (of `product`, if given), with its customer's
    /// acquisition channel, streamed to `f`.
    pub async fn each_signed_contract(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        product: Option<Uuid>,
        mut f: impl FnMut(SignedContract),
    ) -> Result<()> {
        let mut binds: Binds = vec![
            (Value::Time(from), ColType::Time),
            (Value::Time(to), ColType::Time),
        ];
        let mut cond = String::new();
        if let Some(p) = product {
            binds.push((Value::Uuid(p), ColType::Uuid));
            cond = format!(" AND c.product_id = ${}", binds.len() + 1);
        }
        let sql = format!(
            "SELECT c.product_id, p.acquisition_channel, c.signed_at, c.withdrawal_deadline, \
             COALESCE(c.delivered_at, c.delivery_due_at), c.status, c.cancelled_at \
             FROM contracts c JOIN parties p ON p.org_id = c.org_id AND p.id = c.party_id \
             WHERE c.org_id = $1 AND c.signed_at >= $2 AND c.signed_at < $3{cond}"
        );
        use ColType::*;
        let types = [Uuid, Text, Time, Time, Time, Text, Time];
        self.select_each(
            sql,
            &binds,
            &types,
            || "reading signed contracts".into(),
            |r| {
                if let Some(signed_at) = r[2].as_time() {
                    f(SignedContract {
                        product: r[0].as_uuid(),
                        channel: r[1].as_str().map(str::to_string),
                        signed_at,
                        withdrawal_deadline: r[3].as_time(),
                        delivery: r[4].as_time(),
                        status: r[5].as_str().unwrap_or_default().to_string(),
                        cancelled_at: r[6].as_time(),
                    });
                }
                Ok(())
            },
        )
        .await
    }

    /// Contracts still inside their withdrawal period at `now`, not withdrawn or cancelled,
    /// whose customer has had no interaction since signing: the earliest deadline first.
    pub async fn uncontacted_in_withdrawal(
        &mut self,
        now: DateTime<Utc>,
        owner: Option<Uuid>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<UncontactedContract>> {
        let mut binds: Binds = vec![(Value::Time(now), ColType::Time)];
        let mut cond = String::new();
        if let Some(o) = owner {
            binds.push((Value::Uuid(o), ColType::Uuid));
            cond = format!(" AND p.owner_id = ${}", binds.len() + 1);
        }
        let sql = format!(
            "SELECT c.id, c.external_id, p.id, p.external_id, p.name, p.phone, p.email, \
             p.owner_id, \
             (SELECT pp.sku FROM products pp WHERE pp.org_id = c.org_id AND pp.id = c.product_id), \
             c.value_minor, c.currency, c.signed_at, c.withdrawal_deadline, \
             COALESCE(c.delivered_at, c.delivery_due_at) \
             FROM contracts c JOIN parties p ON p.org_id = c.org_id AND p.id = c.party_id \
             WHERE c.org_id = $1 AND c.withdrawal_deadline >= $2 AND c.signed_at <= $2 \
             AND c.status IN ('signed', 'active'){cond} \
             AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.org_id = c.org_id \
                 AND i.party_id = c.party_id AND i.occurred_at >= c.signed_at) \
             ORDER BY c.withdrawal_deadline, c.value_minor DESC, c.id \
             LIMIT {limit} OFFSET {offset}"
        );
        use ColType::*;
        let types = [
            Uuid, Text, Uuid, Text, Text, Text, Text, Uuid, Text, Int, Text, Time, Time, Time,
        ];
        let rows = self
            .select(sql, &binds, &types, || {
                "reading contracts in their withdrawal period".into()
            })
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(UncontactedContract {
                    contract: r[0].as_uuid()?,
                    external_id: r[1].as_str()?.to_string(),
                    party: r[2].as_uuid()?,
                    party_external_id: r[3].as_str()?.to_string(),
                    party_name: r[4].as_str()?.to_string(),
                    phone: r[5].as_str().map(str::to_string),
                    email: r[6].as_str().map(str::to_string),
                    owner: r[7].as_uuid(),
                    sku: r[8].as_str().map(str::to_string),
                    value_minor: r[9].as_int()?,
                    currency: r[10].as_str()?.to_string(),
                    signed_at: r[11].as_time()?,
                    withdrawal_deadline: r[12].as_time()?,
                    delivery: r[13].as_time(),
                })
            })
            .collect())
    }
}
