//! The entities of the relationship register. Every entity belongs to one org (tenant); ids are
//! UUIDv7; money is minor units plus currency; times are UTC.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::*;

/// A tenant: one company keeping its relationships in Rapport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A person who logs in to Rapport (a relationship manager, an agent, an admin ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: UserRole,
    pub locale: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An organization or person the company has a relationship with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party {
    pub id: PartyId,
    pub external_id: Option<ExternalId>,
    pub kind: PartyKind,
    /// Display name: the organization's name or the person's full name.
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub roles: PartyRoles,
    pub owner: Option<UserId>,
    pub lifecycle: LifecycleStatus,
    pub acquisition_channel: Option<String>,
    pub acquired_on: Option<NaiveDate>,
    pub segment: Option<String>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub tags: Vec<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A link between two parties: a person working at an organization, or a referral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyLink {
    pub id: LinkId,
    pub kind: LinkKind,
    /// The person (works at) or the referrer (referral).
    pub from_party: PartyId,
    /// The organization (works at) or the referee (referral).
    pub to_party: PartyId,
    pub job_title: Option<String>,
    pub since: Option<NaiveDate>,
    /// For referrals: did the referee become a customer?
    pub converted: bool,
}

/// A touchpoint: a call, e-mail, meeting, visit, chat or letter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: InteractionId,
    pub external_id: Option<ExternalId>,
    pub party: PartyId,
    pub user: Option<UserId>,
    pub channel: InteractionChannel,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub subject: Option<String>,
    pub notes: Option<String>,
    pub sentiment: Option<Sentiment>,
    pub outcome: Option<String>,
}

/// Something the company sells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub list_price: Option<Money>,
}

/// A purchase: one order with its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub external_id: ExternalId,
    pub party: PartyId,
    pub ordered_at: DateTime<Utc>,
    pub channel: Option<String>,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
}

/// One line of an order: a product (or a free-text sku), quantity and amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line_no: u32,
    pub product: Option<ProductId>,
    pub sku: Option<String>,
    pub quantity: i64,
    /// The line's total in the order's currency, minor units.
    pub amount_minor: i64,
}

/// A contract with its life cycle: signed, cooling-off, delivered, renewed or ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: ContractId,
    pub external_id: Option<ExternalId>,
    pub party: PartyId,
    pub product: Option<ProductId>,
    pub value: Money,
    pub signed_at: DateTime<Utc>,
    pub withdrawal_deadline: Option<DateTime<Utc>>,
    pub delivery_due_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub status: ContractStatus,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancellation_reason: Option<String>,
    pub cancellation_note: Option<String>,
}

/// An entry of the org's cancellation-reason catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancellationReason {
    pub code: String,
    pub label: String,
    pub category: ReasonCategory,
    /// The product or service change that would remove the reason.
    pub remedy: Option<String>,
}

/// One answer to a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyResponse {
    pub id: SurveyId,
    pub external_id: Option<ExternalId>,
    pub party: PartyId,
    pub score: SurveyScore,
    pub comment: Option<String>,
    pub answered_at: DateTime<Utc>,
}

/// A case or complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub external_id: Option<ExternalId>,
    pub party: PartyId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub severity: CaseSeverity,
    pub category: Option<String>,
    pub status: CaseStatus,
    pub subject: Option<String>,
}

/// A to-do for a user about a party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub party: PartyId,
    pub assignee: Option<UserId>,
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub status: TaskStatus,
    /// Where the task came from, e.g. `campaign:<id>` or `nurture:<id>`.
    pub origin: Option<String>,
}

/// One change recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    /// The user who made the change; `None` for the system (e.g. the demo generator).
    pub user: Option<UserId>,
    /// Where the change came from: `cli`, `api`, `ui`.
    pub source: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
