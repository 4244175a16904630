//! A contract's life cycle: signed → (inside the withdrawal period) → delivered and active →
//! renewed, cancelled or expired; or withdrawn within the cooling-off period. Withdrawal and
//! cancellation are different events: a withdrawal undoes the contract inside its cooling-off
//! period, a cancellation ends it afterwards. Each event is checked against the contract's
//! state here, before anything is written.

use chrono::{DateTime, Utc};

use crate::ContractStatus;

/// Where a contract stands: what the rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractState {
    pub status: ContractStatus,
    pub signed_at: DateTime<Utc>,
    pub withdrawal_deadline: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// Something that happens to a contract.
#[derive(Debug, Clone, PartialEq)]
pub enum ContractEvent {
    /// The product or service was delivered: the contract is active.
    Deliver { at: DateTime<Utc> },
    /// The customer withdrew inside the cooling-off period. `late` allows a withdrawal after
    /// the deadline (a goodwill decision, audited with its note).
    Withdraw {
        at: DateTime<Utc>,
        reason: String,
        note: Option<String>,
        late: bool,
    },
    /// The customer (or the company) ended the contract.
    Cancel {
        at: DateTime<Utc>,
        reason: String,
        note: Option<String>,
    },
    /// The contract runs on, until `until` if given.
    Renew {
        at: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    },
    /// The contract ran out.
    Expire { at: DateTime<Utc> },
}

impl ContractEvent {
    pub const CODES: &'static [&'static str] =
        &["deliver", "withdraw", "cancel", "renew", "expire"];

    pub fn code(&self) -> &'static str {
        match self {
            ContractEvent::Deliver { .. } => "deliver",
            ContractEvent::Withdraw { .. } => "withdraw",
            ContractEvent::Cancel { .. } => "cancel",
            ContractEvent::Renew { .. } => "renew",
            ContractEvent::Expire { .. } => "expire",
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ContractEvent::Deliver { at }
            | ContractEvent::Withdraw { at, .. }
            | ContractEvent::Cancel { at, .. }
            | ContractEvent::Renew { at, .. }
            | ContractEvent::Expire { at } => *at,
        }
    }
}

/// Why an event cannot happen to a contract: the field it concerns and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TransitionError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> TransitionError {
    TransitionError {
        field,
        message: message.into(),
    }
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The contract after `event`, or why the event cannot happen.
pub fn apply(
    state: &ContractState,
    event: &ContractEvent,
) -> Result<ContractState, TransitionError> {
    use ContractStatus::*;
    let at = event.at();
    if at < state.signed_at {
        return Err(refuse(
            "at",
            format!("lies before the signing ({})", day(state.signed_at)),
        ));
    }
    if matches!(state.status, Withdrawn | Cancelled | Expired) {
        let when = state.cancelled_at.or(state.ends_at).map(day);
        return Err(refuse(
            "status",
            match when {
                Some(w) => format!(
                    "the contract is {} ({w}): nothing more can happen to it",
                    state.status.as_str()
                ),
                None => format!(
                    "the contract is {}: nothing more can happen to it",
                    state.status.as_str()
                ),
            },
        ));
    }
    let mut next = state.clone();
    match event {
        ContractEvent::Deliver { at } => {
            if state.status != Signed {
                return Err(refuse(
                    "status",
                    format!(
                        "only a signed contract is delivered; this one is {}",
                        state.status.as_str()
                    ),
                ));
            }
            next.status = Active;
            next.delivered_at = Some(*at);
        }
        ContractEvent::Withdraw { at, late, .. } => {
            if !matches!(state.status, Signed | Active) {
                return Err(refuse(
                    "status",
                    format!(
                        "a {} contract cannot be withdrawn from; end it with a cancellation",
                        state.status.as_str()
                    ),
                ));
            }
            match state.withdrawal_deadline {
                Some(deadline) if *at > deadline && !late => {
                    return Err(refuse(
                        "at",
                        format!(
                            "the withdrawal period ended on {}: this is a cancellation, or a late withdrawal allowed with an override",
                            day(deadline)
                        ),
                    ));
                }
                None if !late => {
                    return Err(refuse(
                        "withdrawal_deadline",
                        "the contract has no withdrawal period: this is a cancellation, or a withdrawal allowed with an override",
                    ));
                }
                _ => {}
            }
            next.status = Withdrawn;
            next.cancelled_at = Some(*at);
        }
        ContractEvent::Cancel { at, .. } => {
            if let Some(d) = state.delivered_at
                && *at < d
            {
                return Err(refuse(
                    "at",
                    format!("lies before the delivery ({})", day(d)),
                ));
            }
            next.status = Cancelled;
            next.cancelled_at = Some(*at);
        }
        ContractEvent::Renew { at, until } => {
            if !matches!(state.status, Active | Renewed) {
                return Err(refuse(
                    "status",
                    format!(
                        "only an active contract is renewed; this one is {}",
                        state.status.as_str()
                    ),
                ));
            }
            if let Some(u) = until
                && u <= at
            {
                return Err(refuse("until", "must lie after the renewal"));
            }
            next.status = Renewed;
            next.ends_at = until.or(state.ends_at);
        }
        ContractEvent::Expire { at } => {
            if state.status == Signed {
                return Err(refuse(
                    "status",
                    "a contract that was never delivered does not expire: cancel or withdraw it",
                ));
            }
            next.status = Expired;
            next.ends_at = Some(*at);
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    fn signed() -> ContractState {
        ContractState {
            status: ContractStatus::Signed,
            signed_at: t(1),
            withdrawal_deadline: Some(t(15)),
            delivered_at: None,
            ends_at: None,
            cancelled_at: None,
        }
    }

    fn withdraw(d: u32, late: bool) -> ContractEvent {
        ContractEvent::Withdraw {
            at: t(d),
            reason: "changed_mind".into(),
            note: None,
            late,
        }
    }

    #[test]
    fn a_contract_is_delivered_renewed_and_cancelled_in_order() {
        let s = apply(&signed(), &ContractEvent::Deliver { at: t(5) }).unwrap();
        assert_eq!(
            (s.status, s.delivered_at),
            (ContractStatus::Active, Some(t(5)))
        );
        let s = apply(
            &s,
            &ContractEvent::Renew {
                at: t(20),
                until: Some(t(28)),
            },
        )
        .unwrap();
        assert_eq!(
            (s.status, s.ends_at),
            (ContractStatus::Renewed, Some(t(28)))
        );
        let s = apply(
            &s,
            &ContractEvent::Cancel {
                at: t(25),
                reason: "price_too_high".into(),
                note: None,
            },
        )
        .unwrap();
        assert_eq!(
            (s.status, s.cancelled_at),
            (ContractStatus::Cancelled, Some(t(25)))
        );
        let again = apply(&s, &ContractEvent::Expire { at: t(28) }).unwrap_err();
        assert_eq!(again.field, "status");
    }

    #[test]
    fn withdrawals_belong_in_the_cooling_off_period_unless_overridden() {
        let s = apply(&signed(), &withdraw(10, false)).unwrap();
        assert_eq!(
            (s.status, s.cancelled_at),
            (ContractStatus::Withdrawn, Some(t(10)))
        );
        let late = apply(&signed(), &withdraw(16, false)).unwrap_err();
        assert_eq!(late.field, "at");
        assert!(late.message.contains("withdrawal period ended"), "{late}");
        assert_eq!(
            apply(&signed(), &withdraw(16, true)).unwrap().status,
            ContractStatus::Withdrawn
        );
        let mut none = signed();
        none.withdrawal_deadline = None;
        assert_eq!(
            apply(&none, &withdraw(2, false)).unwrap_err().field,
            "withdrawal_deadline"
        );
    }

    #[test]
    fn nothing_happens_before_signing_or_in_the_wrong_order() {
        let mut early = signed();
        early.signed_at = t(3);
        assert_eq!(
            apply(&early, &ContractEvent::Deliver { at: t(2) })
                .unwrap_err()
                .field,
            "at"
        );
        let active = apply(&signed(), &ContractEvent::Deliver { at: t(5) }).unwrap();
        assert_eq!(
            apply(&active, &ContractEvent::Deliver { at: t(6) })
                .unwrap_err()
                .field,
            "status"
        );
        let cancel_before_delivery = ContractEvent::Cancel {
            at: t(4),
            reason: "x".into(),
            note: None,
        };
        assert_eq!(
            apply(&active, &cancel_before_delivery).unwrap_err().field,
            "at"
        );
        assert_eq!(
            apply(
                &signed(),
                &ContractEvent::Renew {
                    at: t(5),
                    until: None
                }
            )
            .unwrap_err()
            .field,
            "status"
        );
        assert_eq!(
            apply(
                &active,
                &ContractEvent::Renew {
                    at: t(9),
                    until: Some(t(8))
                }
            )
            .unwrap_err()
            .field,
            "until"
        );
        assert_eq!(
            apply(&signed(), &ContractEvent::Expire { at: t(9) })
                .unwrap_err()
                .field,
            "status"
        );
        let withdrawn = apply(&signed(), &withdraw(3, false)).unwrap();
        let e = apply(&withdrawn, &ContractEvent::Deliver { at: t(5) }).unwrap_err();
        assert!(e.message.contains("withdrawn"), "{e}");
    }
}
