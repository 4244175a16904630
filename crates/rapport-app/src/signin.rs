//! Signing in: password checks, the web UI's sessions and personal API tokens. Secrets are
//! random, shown once, and stored only as SHA-256 hashes, so a copy of the database lets
//! nobody in. Every token creation and revocation lands in the audit log.

use chrono::{DateTime, Duration, Utc};
use rapport_domain::{AuditEntry, AuditId, Email, OrgId, User, UserId};
use rapport_store::schema::{API_TOKENS, SESSIONS};
use rapport_store::{Filter, ListQuery, Store, StoreError, Tx, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::users::{UserError, generate_password, hash_password, verify_password};

/// How long a UI session lasts without signing in again.
pub const SESSION_DAYS: i64 = 14;

/// A random secret of `chars` characters (about 5.8 bits each).
fn secret(chars: usize) -> String {
    let mut s = String::new();
    while s.len() < chars {
        s.push_str(&generate_password());
    }
    s.truncate(chars);
    s
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed-in browser: the cookie's secret (shown once) and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// The user behind a session, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf: String,
}

/// The user with this e-mail if the password is right and the account enabled. Argon2 is slow
/// on purpose: callers on an async runtime run this on a blocking thread.
pub fn check_password(user: Option<&User>, password: &str) -> bool {
    match user {
        Some(u) => !u.disabled && verify_password(password, &u.password_hash),
        None => {
            // Spend the same time as a real check, so response times do not tell which
            // e-mails have accounts.
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let hash =
                DUMMY.get_or_init(|| hash_password(&generate_password()).unwrap_or_default());
            let _ = verify_password(password, hash);
            false
        }
    }
}

pub async fn find_user(store: &Store, org: OrgId, email: &str) -> Result<Option<User>, StoreError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    let mut tx = store.begin_lookup(org).await?;
    let mut user = tx.find_user_by_email(&email).await?;
    if user.is_none()
        && let Ok(lower) = Email::parse(&email.as_str().to_lowercase())
    {
        user = tx.find_user_by_email(&lower).await?;
    }
    tx.rollback().await?;
    Ok(user)
}

/// Opens a session for `user`.
pub async fn start_session(
    store: &Store,
    org: OrgId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<NewSession, StoreError> {
    let session = NewSession {
        secret: secret(43),
        csrf: secret(32),
        expires_at: now + Duration::days(SESSION_DAYS),
    };
    let mut tx = store.begin(org).await?;
    // Sweep a few expired sessions on the way.
    let mut expired = ListQuery::new("id_hash", 100);
    expired.filters.push(Filter {
        column: "expires_at",
        op: rapport_store::Op::Lt,
        value: Value::Time(now),
    });
    for row in tx.list(&SESSIONS, &expired).await? {
        tx.delete_where(&SESSIONS, "id_hash", &row[0]).await?;
    }
    tx.insert_rows(
        &SESSIONS,
        &[vec![
            Value::text(hash_secret(&session.secret)),
            Value::Uuid(user.as_uuid()),
            Value::text(session.csrf.as_str()),
            Value::Time(now),
            Value::Time(session.expires_at),
        ]],
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// The user a session cookie belongs to, if the session is live and the user enabled.
pub async fn session_user(
    store: &Store,
    org: OrgId,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>, StoreError> {
    let mut tx = store.begin_lookup(org).await?;
    let found = session_in(&mut tx, secret, now).await;
    tx.rollback().await?;
    found
}

async fn session_in(
    tx: &mut Tx,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>, StoreError> {
    let rows = tx
        .fetch_in(&SESSIONS, "id_hash", &[Value::text(hash_secret(secret))])
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let expires = row[SESSIONS.col("expires_at")].as_time();
    if expires.is_none_or(|e| e <= now) {
        return Ok(None);
    }
    let Some(user_id) = row[SESSIONS.col("user_id")].as_uuid() else {
        return Ok(None);
    };
    let Some(user) = tx.find_user(UserId(user_id)).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some(SessionUser {
        user,
        csrf: row[SESSIONS.col("csrf")]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }))
}

/// Ends a session (signing out).
pub async fn end_session(store: &Store, org: OrgId, secret: &str) -> Result<(), StoreError> {
    let mut tx = store.begin(org).await?;
    tx.delete_where(&SESSIONS, "id_hash", &Value::text(hash_secret(secret)))
        .await?;
    tx.commit().await
}

/// A personal API token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub id: Uuid,
    pub user: UserId,
    pub name: String,
    /// The first characters of the token, to recognize it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The prefix every token starts with, so secret scanners can spot leaked ones.
pub const TOKEN_PREFIX: &str = "rpt_";

/// Creates a token for `user`; returns it with the secret, which is shown only now.
pub async fn create_token(
    store: &Store,
    org: OrgId,
    user: &User,
    name: &str,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(TokenInfo, String), UserError> {
    let name = crate::users::name_text(name, 100, "token name")?;
    let secret = format!("{TOKEN_PREFIX}{}", secret(40));
    let info = TokenInfo {
        id: Uuid::now_v7(),
        user: user.id,
        name,
        prefix: secret.chars().take(10).collect(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = store.begin(org).await?;
    tx.insert_rows(
        &API_TOKENS,
        &[vec![
            Value::Uuid(info.id),
            Value::Uuid(user.id.as_uuid()),
            Value::text(info.name.as_str()),
            Value::text(hash_secret(&secret)),
            Value::text(info.prefix.as_str()),
            Value::Time(now),
            Value::Null,
            Value::Null,
        ]],
    )
    .await?;
    tx.audit(&[token_audit(&info, user, "create", actor, source, now)])
        .await?;
    tx.commit().await?;
    Ok((info, secret))
}

fn token_audit(
    info: &TokenInfo,
    user: &User,
    action: &str,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> AuditEntry {
    AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user: actor,
        source: source.to_string(),
        entity: "api_tokens".into(),
        entity_id: Some(info.id.to_string()),
        action: action.to_string(),
        before: None,
        after: Some(serde_json::json!({
            "user": user.email.as_str(),
            "name": info.name,
            "prefix": info.prefix,
        })),
    }
}

fn token_from_row(r: &[Value]) -> TokenInfo {
    let c = |n: &str| &r[API_TOKENS.col(n)];
    TokenInfo {
        id: c("id").as_uuid().unwrap_or_default(),
        user: UserId(c("user_id").as_uuid().unwrap_or_default()),
        name: c("name").as_str().unwrap_or_default().to_string(),
        prefix: c("prefix").as_str().unwrap_or_default().to_string(),
        created_at: c("created_at").as_time().unwrap_or_default(),
        last_used_at: c("last_used_at").as_time(),
        revoked_at: c("revoked_at").as_time(),
    }
}

/// Tokens, newest first: one user's, or everyone's.
pub async fn list_tokens(
    store: &Store,
    org: OrgId,
    user: Option<UserId>,
) -> Result<Vec<TokenInfo>, StoreError> {
    let mut q = ListQuery::new("id", 1_000);
    q.descending = true;
    if let Some(u) = user {
        q.filters
            .push(Filter::eq("user_id", Value::Uuid(u.as_uuid())));
    }
    let mut tx = store.begin_read(org).await?;
    let rows = tx.list(&API_TOKENS, &q).await?;
    tx.rollback().await?;
    Ok(rows.iter().map(|r| token_from_row(r)).collect())
}

/// Revokes a token (by id or by its prefix). `only_of`: refuse tokens of other users.
pub async fn revoke_token(
    store: &Store,
    org: OrgId,
    token: &str,
    only_of: Option<UserId>,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<TokenInfo, UserError> {
    let mut tx = store.begin(org).await?;
    let rows = match Uuid::parse_str(token) {
        Ok(id) => tx.fetch_in(&API_TOKENS, "id", &[Value::Uuid(id)]).await?,
        // No prefix holds U+0000, and PostgreSQL cannot compare it.
        Err(_) if token.contains('\0') => Vec::new(),
        Err(_) => {
            let mut q = ListQuery::new("id", 2);
            q.filters.push(Filter::eq("prefix", Value::text(token)));
            tx.list(&API_TOKENS, &q).await?
        }
    };
    let row = match rows.as_slice() {
        [row] => row.clone(),
        [] => {
            return Err(UserError::Invalid(format!(
                "no API token is called {token}"
            )));
        }
        _ => {
            return Err(UserError::Invalid(format!(
                "more than one token starts with {token}; give the token's id"
            )));
        }
    };
    let mut info = token_from_row(&row);
    if only_of.is_some_and(|u| u != info.user) {
        return Err(UserError::Invalid(format!(
            "no API token is called {token}"
        )));
    }
    if info.revoked_at.is_none() {
        let mut row = row;
        row[API_TOKENS.col("revoked_at")] = Value::Time(now);
        tx.update_row(&API_TOKENS, &row).await?;
        info.revoked_at = Some(now);
        let owner = tx.find_user(info.user).await?;
        if let Some(owner) = owner {
            tx.audit(&[token_audit(&info, &owner, "revoke", actor, source, now)])
                .await?;
        }
    }
    tx.commit().await?;
    Ok(info)
}

/// The user a token belongs to, if the token is live and the user enabled, with the token.
pub async fn token_user(
    store: &Store,
    org: OrgId,
    secret: &str,
) -> Result<Option<(User, TokenInfo)>, StoreError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let mut tx = store.begin_lookup(org).await?;
    let rows = tx
        .fetch_in(
            &API_TOKENS,
            "token_hash",
            &[Value::text(hash_secret(secret))],
        )
        .await?;
    let found = match rows.first().map(|r| token_from_row(r)) {
        Some(info) if info.revoked_at.is_none() => tx
            .find_user(info.user)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| (u, info)),
        _ => None,
    };
    tx.rollback().await?;
    Ok(found)
}

/// Notes that a token was used (callers do this at most once a minute per token).
pub async fn touch_token(
    store: &Store,
    org: OrgId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = store.begin(org).await?;
    if let Some(mut row) = tx
        .fetch_in(&API_TOKENS, "id", &[Value::Uuid(id)])
        .await?
        .into_iter()
        .next()
    {
        row[API_TOKENS.col("last_used_at")] = Value::Time(now);
        tx.update_row(&API_TOKENS, &row).await?;
    }
    tx.commit().await
}

/// Sets a new password (generated when `None`, and then returned) and ends the user's
/// sessions.
pub async fn reset_password(
    store: &Store,
    org: OrgId,
    email: &str,
    password: Option<&str>,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, UserError> {
    let email = Email::parse(email).map_err(|e| UserError::Invalid(e.0))?;
    let (password, generated) = crate::users::choose_password(password)?;
    let hash = hash_password(&password)?;
    let mut tx = store.begin(org).await?;
    let Some(mut user) = tx.find_user_by_email(&email).await? else {
        return Err(UserError::Invalid(format!(
            "no user has the e-mail {}",
            email.as_str()
        )));
    };
    user.password_hash = hash;
    tx.save_user(&user).await?;
    tx.delete_where(&SESSIONS, "user_id", &Value::Uuid(user.id.as_uuid()))
        .await?;
    tx.audit(&[crate::users::user_audit(
        &email,
        "reset-password",
        (actor, source),
        now,
        None,
        None,
    )])
    .await?;
    tx.commit().await?;
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of "abc", FIPS 180-2 appendix B.1.
    #[test]
    fn secrets_are_stored_as_sha256() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_are_long_and_differ() {
        let (a, b) = (secret(43), secret(43));
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
