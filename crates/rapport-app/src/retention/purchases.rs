//! A purchase brings a customer back. The churned list holds customers who stopped buying
//! (`dormant`: no order for the threshold's days, as the latest score run saw them); an order
//! dated within those days takes them off it at once, as a cancellation puts a customer on it
//! (`lists::refresh_party`), and a rebuild of the lists before the next score run does not put
//! them back (`lists::refresh`). What the run derived from the orders (P(alive), CLV, the
//! purchase trend) waits for the next run.

use chrono::{DateTime, TimeDelta, Utc};
use rapport_store::{StoreError, Tx};
use uuid::Uuid;

use super::lists::CHURNED;
use super::thresholds::thresholds;

/// The signal code of customers who stopped buying.
pub const DORMANT: &str = "dormant";

/// The customers among `parties` who ordered within the dormancy threshold before `now`.
pub async fn recent_buyers(
    tx: &mut Tx,
    parties: &[Uuid],
    dormant_days: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    if parties.is_empty() {
        return Ok(Vec::new());
    }
    tx.parties_ordering_since(now - TimeDelta::days(dormant_days), parties)
        .await
}

/// After orders of `parties` were written (inside the writing transaction): those listed as
/// churned for having stopped buying who now have a recent order leave the list.
pub async fn after_purchases(
    tx: &mut Tx,
    parties: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if parties.is_empty() {
        return Ok(());
    }
    let (th, _) = thresholds(tx).await?;
    for party in recent_buyers(tx, parties, th.dormant_days, now).await? {
        let dormant = tx
            .winback_entry(CHURNED, party)
            .await?
            .is_some_and(|e| e.reason_code.as_deref() == Some(DORMANT));
        if dormant {
            tx.replace_winback_entry(CHURNED, party, None, now).await?;
        }
    }
    Ok(())
}
