//! Contact attempts and their outcomes; closing a campaign.

use super::*;

/// One contact attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The customer's external id (or id).
    pub party: String,
    pub outcome: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Records a contact attempt with a treated customer; a final outcome (won back, declined, not
/// reachable) closes their task, and a second final outcome is refused as a duplicate.
pub async fn record_attempt(
    store: &Store,
    org: OrgId,
    campaign_key: &str,
    attempt: &Attempt,
    who: &Writing,
) -> Result<(), RecordError> {
    record_attempts(store, org, campaign_key, std::slice::from_ref(attempt), who)
        .await
        .map_err(|(_, e)| e)
}

/// Records several attempts in one transaction: all of them, or (with the 1-based position of
/// the first that was refused, and why) none.
pub async fn record_attempts(
    store: &Store,
    org: OrgId,
    campaign_key: &str,
    attempts: &[Attempt],
    who: &Writing,
) -> Result<(), (usize, RecordError)> {
    let mut tx = store.begin(org).await.map_err(|e| (0, e.into()))?;
    let result = async {
        let c = find(&mut tx, campaign_key).await.map_err(|e| (0, e))?;
        for (i, a) in attempts.iter().enumerate() {
            record_in(&mut tx, &c, a, who)
                .await
                .map_err(|e| (i + 1, e))?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => tx.commit().await.map_err(|e| (0, e.into())),
        Err(e) => {
            tx.rollback().await.map_err(|e| (0, e.into()))?;
            Err(e)
        }
    }
}

async fn record_in(
    tx: &mut Tx,
    c: &Campaign,
    attempt: &Attempt,
    who: &Writing,
) -> Result<(), RecordError> {
    if !OUTCOMES.contains(&attempt.outcome.as_str()) {
        return Err(invalid(
            "outcome",
            Some(&attempt.outcome),
            format!("must be one of {}", OUTCOMES.join(", ")),
        ));
    }
    if c.status != "running" {
        return Err(invalid(
            "campaign",
            Some(&c.name),
            "is closed: no more attempts are recorded",
        ));
    }
    if attempt.at < c.created_at || attempt.at > who.now + chrono::TimeDelta::days(1) {
        return Err(invalid(
            "at",
            Some(&attempt.at.to_rfc3339()),
            "must lie between the campaign's start and now",
        ));
    }
    let party = crate::records::find_row(tx, crate::import::ImportKind::Parties, &attempt.party)
        .await?
        .and_then(|r| r[PARTIES.col("id")].as_uuid())
        .ok_or_else(|| RecordError::NotFound(format!("there is no party {}", attempt.party)))?;
    let t = &CAMPAIGN_MEMBERS;
    let member = tx
        .fetch_in(t, "party_id", &[Value::Uuid(party)])
        .await?
        .into_iter()
        .find(|m| m[t.col("campaign_id")].as_uuid() == Some(c.id))
        .ok_or_else(|| {
            invalid(
                "party",
                Some(&attempt.party),
                format!("is not in the campaign {}", c.name),
            )
        })?;
    if member[t.col("arm")].as_str() == Some("control") {
        return Err(invalid(
            "party",
            Some(&attempt.party),
            "is in the control group, which is not contacted: that is what makes the result honest",
        ));
    }
    let assignee = member[t.col("assignee_id")].as_uuid().map(UserId);
    if let Some(actor) = who.actor
        && !allows(actor, Action::WorkCampaign { assignee })
    {
        return Err(RecordError::Forbidden(
            "this customer's win-back call is someone else's task".into(),
        ));
    }
    if let Some(done) = member[t.col("outcome")].as_str() {
        let when = member[t.col("outcome_at")]
            .as_time()
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default();
        return Err(RecordError::Conflict(format!(
            "the outcome for {} is recorded already ({done}, {when}); a campaign counts one outcome per customer",
            attempt.party
        )));
    }
    let note = attempt
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(20_000).collect::<String>());
    tx.insert_rows(
        &CAMPAIGN_ATTEMPTS,
        &[vec![
            Value::Uuid(Uuid::now_v7()),
            Value::Uuid(c.id),
            Value::Uuid(party),
            Value::Time(attempt.at),
            Value::text(attempt.outcome.as_str()),
            Value::opt(note.clone()),
            Value::opt(who.actor.map(|a| a.user.as_uuid())),
            Value::Time(who.now),
        ]],
    )
    .await?;
    let mut after = member.clone();
    after[t.col("attempts")] = Value::Int(member[t.col("attempts")].as_int().unwrap_or(0) + 1);
    if is_final(&attempt.outcome) {
        after[t.col("outcome")] = Value::text(attempt.outcome.as_str());
        after[t.col("outcome_at")] = Value::Time(attempt.at);
        if let Some(task) = member[t.col("task_id")].as_uuid()
            && let Some(mut row) = tx
                .fetch_in(&TASKS, "id", &[Value::Uuid(task)])
                .await?
                .into_iter()
                .next()
        {
            row[TASKS.col("status")] = Value::text("done");
            tx.update_row(&TASKS, &row).await?;
        }
    }
    tx.update_row(t, &after).await?;
    tx.audit(&[audit(
        who,
        c.id.to_string(),
        "attempt",
        json!({"party": attempt.party, "outcome": attempt.outcome, "at": attempt.at.to_rfc3339(), "note": note}),
    )])
    .await?;
    Ok(())
}

/// Closes a campaign: no more attempts; its open tasks are cancelled.
pub async fn close(
    store: &Store,
    org: OrgId,
    key: &str,
    who: &Writing,
) -> Result<Campaign, RecordError> {
    if let Some(actor) = who.actor
        && !allows(actor, Action::RunCampaigns)
    {
        return Err(RecordError::Forbidden(
            "your role may not run campaigns".into(),
        ));
    }
    let mut tx = store.begin(org).await?;
    let result = async {
        let mut c = find(&mut tx, key).await?;
        if c.status == "closed" {
            return Err(RecordError::Conflict(format!(
                "the campaign {} is closed already",
                c.name
            )));
        }
        let mut row = tx
            .fetch_in(&CAMPAIGNS, "id", &[Value::Uuid(c.id)])
            .await?
            .remove(0);
        row[CAMPAIGNS.col("status")] = Value::text("closed");
        row[CAMPAIGNS.col("closed_at")] = Value::Time(who.now);
        tx.update_row(&CAMPAIGNS, &row).await?;
        let origin = format!("campaign:{}", c.id);
        for mut task in tx
            .fetch_in(&TASKS, "origin", &[Value::text(origin)])
            .await?
        {
            if task[TASKS.col("status")].as_str() == Some("open") {
                task[TASKS.col("status")] = Value::text("cancelled");
                tx.update_row(&TASKS, &task).await?;
            }
        }
        tx.audit(&[audit(
            who,
            c.id.to_string(),
            "close",
            json!({"status": "closed"}),
        )])
        .await?;
        c.status = "closed".into();
        c.closed_at = Some(who.now);
        Ok(c)
    }
    .await;
    finish(tx, result).await
}
