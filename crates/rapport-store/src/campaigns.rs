//! Win-back campaigns: the campaigns, their members with their customers, and what each
//! member did since the campaign started (orders and contracts), for the results.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::schema::CAMPAIGNS;
use crate::value::{ColType, Row, Value};
use crate::{Result, Tx};

/// A campaign member with the customer's name and contact details.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    /// The member row in `campaign_members` column order.
    pub member: Row,
    pub external_id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub owner: Option<Uuid>,
}

/// What a member did since the campaign started.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberResult {
    pub party: Uuid,
    pub arm: String,
    pub reason_code: Option<String>,
    pub offer: Option<String>,
    pub outcome: Option<String>,
    pub orders: i64,
    pub order_revenue_minor: i64,
    pub contracts: i64,
    pub contract_value_minor: i64,
}

/// Which members of a campaign, a page at a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberQuery {
    pub campaign: Uuid,
    pub arm: Option<String>,
    /// `Some("")`: members without an outcome yet.
    pub outcome: Option<String>,
    pub assignee: Option<Uuid>,
    pub offset: usize,
    pub limit: usize,
}

impl Tx {
    /// The campaigns, newest first.
    pub async fn campaigns(&mut self, limit: usize) -> Result<Vec<Row>> {
        let types: Vec<ColType> = CAMPAIGNS.columns.iter().map(|c| c.ty).collect();
        let sql = format!(
            "SELECT {} FROM campaigns WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT {limit}",
            CAMPAIGNS.column_list()
        );
        self.select(sql, &[], &types, || "reading campaigns".into())
            .await
    }

    /// A page of a campaign's members with their customers, the most valuable first.
    pub async fn campaign_members(&mut self, q: &MemberQuery) -> Result<Vec<MemberRow>> {
        let (cond, binds) = member_conditions(q);
        let member_cols = crate::schema::CAMPAIGN_MEMBERS
            .columns
            .iter()
            .map(|c| format!("m.{}", c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut types: Vec<ColType> = crate::schema::CAMPAIGN_MEMBERS
            .columns
            .iter()
            .map(|c| c.ty)
            .collect();
        let n = types.len();
        types.extend([
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::Text,
            ColType::Uuid,
        ]);
        let sql = format!(
            "SELECT {member_cols}, p.external_id, p.name, p.phone, p.email, p.owner_id \
             FROM campaign_members m JOIN parties p ON p.org_id = m.org_id AND p.id = m.party_id \
             WHERE m.org_id = $1{cond} ORDER BY m.value DESC, m.party_id LIMIT {} OFFSET {}",
            q.limit, q.offset
        );
        let rows = self
            .select(sql, &binds, &types, || "reading campaign members".into())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|mut r| {
                let rest = r.split_off(n);
                Some(MemberRow {
                    member: r,
                    external_id: rest[0].as_str()?.to_string(),
                    name: rest[1].as_str()?.to_string(),
                    phone: rest[2].as_str().map(str::to_string),
                    email: rest[3].as_str().map(str::to_string),
                    owner: rest[4].as_uuid(),
                })
            })
            .collect())
    }

    /// How many of a campaign's members match `q`.
    pub async fn campaign_member_count(&mut self, q: &MemberQuery) -> Result<i64> {
        let (cond, binds) = member_conditions(q);
        let sql = format!("SELECT COUNT(*) FROM campaign_members m WHERE m.org_id = $1{cond}");
        let rows = self
            .select(sql, &binds, &[ColType::Int], || {
                "counting campaign members".into()
            })
            .await?;
        Ok(rows.first().and_then(|r| r[0].as_int()).unwrap_or(0))
    }

    /// Each member of `campaign` with their orders and contracts since `since`.
    pub async fn campaign_results(
        &mut self,
        campaign: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Vec<MemberResult>> {
        let sql = "SELECT m.party_id, m.arm, m.reason_code, m.offer, m.outcome, \
             (SELECT COUNT(*) FROM orders o WHERE o.org_id = m.org_id AND o.party_id = m.party_id \
                 AND o.ordered_at >= $3), \
             (SELECT CAST(COALESCE(SUM(l.amount_minor), 0) AS BIGINT) FROM orders o \
                 JOIN order_lines l ON l.org_id = o.org_id AND l.order_id = o.id \
                 WHERE o.org_id = m.org_id AND o.party_id = m.party_id AND o.ordered_at >= $3), \
             (SELECT COUNT(*) FROM contracts c WHERE c.org_id = m.org_id AND c.party_id = m.party_id \
                 AND c.signed_at >= $3 AND c.status <> 'withdrawn'), \
             (SELECT CAST(COALESCE(SUM(c.value_minor), 0) AS BIGINT) FROM contracts c \
                 WHERE c.org_id = m.org_id AND c.party_id = m.party_id \
                 AND c.signed_at >= $3 AND c.status <> 'withdrawn') \
             FROM campaign_members m WHERE m.org_id = $1 AND m.campaign_id = $2";
        use ColType::*;
        let rows = self
            .select(
                sql.into(),
                &[(Value::Uuid(campaign), Uuid), (Value::Time(since), Time)],
                &[Uuid, Text, Text, Text, Text, Int, Int, Int, Int],
                || "reading the campaign's results".into(),
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(MemberResult {
                    party: r[0].as_uuid()?,
                    arm: r[1].as_str()?.to_string(),
                    reason_code: r[2].as_str().map(str::to_string),
                    offer: r[3].as_str().map(str::to_string),
                    outcome: r[4].as_str().map(str::to_string),
                    orders: r[5].as_int().unwrap_or(0),
                    order_revenue_minor: r[6].as_int().unwrap_or(0),
                    contracts: r[7].as_int().unwrap_or(0),
                    contract_value_minor: r[8].as_int().unwrap_or(0),
                })
            })
            .collect())
    }

    /// A member's contact attempts, oldest first: (at, outcome, note, user, recorded at).
    pub async fn campaign_attempts(&mut self, campaign: Uuid, party: Uuid) -> Result<Vec<Row>> {
        let t = &crate::schema::CAMPAIGN_ATTEMPTS;
        let types: Vec<ColType> = t.columns.iter().map(|c| c.ty).collect();
        let sql = format!(
            "SELECT {} FROM campaign_attempts WHERE org_id = $1 AND campaign_id = $2 \
             AND party_id = $3 ORDER BY at, recorded_at",
            t.column_list()
        );
        self.select(
            sql,
            &[
                (Value::Uuid(campaign), ColType::Uuid),
                (Value::Uuid(party), ColType::Uuid),
            ],
            &types,
            || "reading contact attempts".into(),
        )
        .await
    }
}

fn member_conditions(q: &MemberQuery) -> (String, Vec<(Value, ColType)>) {
    let mut binds = vec![(Value::Uuid(q.campaign), ColType::Uuid)];
    let mut sql = " AND m.campaign_id = $2".to_string();
    if let Some(a) = &q.arm {
        binds.push((Value::text(a.as_str()), ColType::Text));
        sql.push_str(&format!(" AND m.arm = ${}", binds.len() + 1));
    }
    match q.outcome.as_deref() {
        None => {}
        Some("") => sql.push_str(" AND m.outcome IS NULL"),
        Some(o) => {
            binds.push((Value::text(o), ColType::Text));
            sql.push_str(&format!(" AND m.outcome = ${}", binds.len() + 1));
        }
    }
    if let Some(u) = q.assignee {
        binds.push((Value::Uuid(u), ColType::Uuid));
        sql.push_str(&format!(" AND m.assignee_id = ${}", binds.len() + 1));
    }
    (sql, binds)
}
