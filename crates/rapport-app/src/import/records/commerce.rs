//! Products, the cancellation-reason catalogue, and contracts with their life-cycle rules
//! (dates in order, withdrawals inside the cooling-off period, reasons only on ended contracts).

use rapport_domain::*;
use rapport_store::Value;
use rapport_store::schema::{CANCELLATION_REASONS, CONTRACTS, PRODUCTS};

use super::{NAME_MAX, TEXT_MAX, about_party, finish, opt_text, reference};
use crate::import::parse::{ParseCtx, Pending, RefKind, RowBuilder, RowView};

pub fn product(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&PRODUCTS);
    let sku = v.parse_required("sku", |s| {
        parse_text(s, 100).map_err(|e| ParseError::new(format!("sku {e}")))
    });
    let key = sku.clone().unwrap_or_default();
    b.fixed("sku", Value::opt(sku));
    let name = v.text("name", NAME_MAX);
    if name.is_none() && v.get("name").is_none() {
        v.error("name", None, "is required");
    }
    b.fixed("name", Value::opt(name));
    opt_text(v, &mut b, "category", "category", NAME_MAX);
    let currency = v.currency(ctx);
    let price = v.money("list_price", currency);
    b.set("list_price_minor", Value::opt(price), v.has("list_price"));
    b.set(
        "currency",
        Value::opt(price.map(|_| currency.as_str().to_string())),
        v.has("list_price"),
    );
    finish(v, b, key, Vec::new(), Vec::new())
}

pub fn reason(v: &mut RowView, _ctx: &ParseCtx) -> Option<Pending> {
    let mut b = RowBuilder::new(&CANCELLATION_REASONS);
    let code = v.parse_required("code", |s| {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(s.to_string())
        } else {
            Err(ParseError::new(format!(
                "'{s}' is not a reason code (letters, digits, _ and -)"
            )))
        }
    });
    let key = code.clone().unwrap_or_default();
    b.fixed("code", Value::opt(code));
    let label = v.text("label", NAME_MAX);
    if v.get("label").is_none() {
        v.error("label", None, "is required");
    }
    b.fixed("label", Value::opt(label));
    let category = v.parse_required("category", ReasonCategory::parse);
    b.fixed("category", Value::opt(category.map(|c| c.as_str())));
    opt_text(v, &mut b, "remedy", "remedy", TEXT_MAX);
    for lang in ["label_de", "label_fr", "label_el"] {
        opt_text(v, &mut b, lang, lang, NAME_MAX);
    }
    let mut refs = Vec::new();
    if let Some(owner) = v.get("remedy_owner_email") {
        refs.push(reference(
            &b,
            "remedy_owner_id",
            RefKind::User,
            owner,
            "remedy_owner_email",
        ));
    }
    b.set("remedy_owner_id", Value::Null, v.has("remedy_owner_email"));
    let status = v.parse("remedy_status", RemedyStatus::parse);
    b.set(
        "remedy_status",
        Value::text(status.unwrap_or(RemedyStatus::Open).as_str()),
        v.has("remedy_status"),
    );
    finish(v, b, key, refs, Vec::new())
}

pub fn contract(v: &mut RowView, ctx: &ParseCtx) -> Option<Pending> {
    let (mut b, key, mut refs) = about_party(v, &CONTRACTS);
    if let Some(sku) = v.get("sku") {
        refs.push(reference(&b, "product_id", RefKind::Product, sku, "sku"));
    }
    b.set("product_id", Value::Null, v.has("sku"));
    let currency = v.currency(ctx);
    let value = v.parse_required("value", |s| parse_minor(s, currency.minor_digits()));
    if value.is_some_and(|x| x < 0) {
        v.error(
            "value",
            v.get("value"),
            "a contract value cannot be negative",
        );
    }
    b.fixed("value_minor", Value::opt(value))
        .fixed("currency", Value::text(currency.as_str()));
    let signed = v.parse_required("signed_at", parse_timestamp);
    let deadline = v.timestamp("withdrawal_deadline");
    let due = v.timestamp("delivery_due_at");
    let delivered = v.timestamp("delivered_at");
    let ends = v.timestamp("ends_at");
    let cancelled = v.timestamp("cancelled_at");
    let reason = v.get("cancellation_reason");
    let note = v.text("cancellation_note", TEXT_MAX);
    let status = v
        .parse("status", ContractStatus::parse)
        .unwrap_or(if delivered.is_some() {
            ContractStatus::Active
        } else {
            ContractStatus::Signed
        });
    if let Some(signed) = signed {
        for (field, t) in [
            ("withdrawal_deadline", deadline),
            ("delivery_due_at", due),
            ("delivered_at", delivered),
            ("ends_at", ends),
            ("cancelled_at", cancelled),
        ] {
            if t.is_some_and(|t| t < signed) {
                v.error(field, v.get(field), "lies before signed_at");
            }
        }
    }
    let ending = matches!(
        status,
        ContractStatus::Withdrawn | ContractStatus::Cancelled
    );
    if ending {
        if cancelled.is_none() {
            v.error(
                "cancelled_at",
                None,
                format!("is required for a {} contract", status.as_str()),
            );
        }
        if reason.is_none() {
            v.error(
                "cancellation_reason",
                None,
                format!("is required for a {} contract", status.as_str()),
            );
        }
    } else {
        if cancelled.is_some() {
            v.error(
                "cancelled_at",
                v.get("cancelled_at"),
                format!(
                    "a {} contract was not cancelled or withdrawn",
                    status.as_str()
                ),
            );
        }
        if reason.is_some() {
            v.error(
                "cancellation_reason",
                reason,
                format!(
                    "a {} contract was not cancelled or withdrawn",
                    status.as_str()
                ),
            );
        }
    }
    if status == ContractStatus::Withdrawn
        && let (Some(c), Some(d)) = (cancelled, deadline)
        && c > d
    {
        v.error(
            "cancelled_at",
            v.get("cancelled_at"),
            "a withdrawal after the withdrawal deadline is a cancellation",
        );
    }
    if let Some(reason) = reason {
        refs.push(reference(
            &b,
            "cancellation_reason",
            RefKind::Reason,
            reason,
            "cancellation_reason",
        ));
    }
    b.fixed("signed_at", Value::opt(signed));
    // A new contract without a deadline gets the one its product's withdrawal rule gives
    // (not written over a stored contract's deadline: the column is not "present").
    let given = v.has("withdrawal_deadline");
    let deadline = match (deadline, &ctx.withdrawal, signed) {
        (None, Some(rules), Some(signed)) if !given => rules.deadline(v.get("sku"), signed),
        _ => deadline,
    };
    b.set("withdrawal_deadline", Value::opt(deadline), given);
    b.set("delivery_due_at", Value::opt(due), v.has("delivery_due_at"));
    b.set("delivered_at", Value::opt(delivered), v.has("delivered_at"));
    b.set("ends_at", Value::opt(ends), v.has("ends_at"));
    b.fixed("status", Value::text(status.as_str()));
    b.fixed("cancelled_at", Value::opt(cancelled));
    b.fixed(
        "cancellation_reason",
        Value::opt(reason.map(str::to_string)),
    );
    b.set(
        "cancellation_note",
        Value::opt(note),
        v.has("cancellation_note"),
    );
    finish(v, b, key, refs, Vec::new())
}
