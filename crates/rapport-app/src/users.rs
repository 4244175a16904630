//! Users: the first admin at `init`, adding, listing, disabling. Passwords are stored as
//! Argon2id PHC strings; a generated password is returned once and never stored in clear.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, AuditId, Email, OrgId, User, UserId, UserRole};
use rapport_store::{NewUser, Store, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// A user to add, as typed.
pub struct AddUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub locale: &'a str,
    /// `None`: generate one and return it.
    pub password: Option<&'a str>,
    /// Where the request came from, for the audit log (`cli`, `api`, `ui`).
    pub source: &'a str,
}

/// A new random password: 20 characters from an alphabet without look-alikes (~100 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = [Uuid::new_v4().into_bytes(), Uuid::new_v4().into_bytes()].concat();
    bytes
        .iter()
        .filter(|b| **b < 224)
        .take(20)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The Argon2id PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| UserError::Invalid(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The password to set: the given one (at least 12 characters) or a generated one, which is
/// also returned so it can be shown once.
pub(crate) fn choose_password(given: Option<&str>) -> Result<(String, Option<String>), UserError> {
    let generated = given.is_none().then(generate_password);
    let password = given
        .map(str::to_string)
        .or(generated.clone())
        .unwrap_or_default();
    if password.chars().count() < 12 {
        return Err(UserError::Invalid(
            "a password needs at least 12 characters".into(),
        ));
    }
    Ok((password, generated))
}

/// An audit entry about the user with `email`.
pub(crate) fn user_audit(
    email: &Email,
    action: &str,
    who: (Option<UserId>, &str),
    now: DateTime<Utc>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditEntry {
    AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user: who.0,
        source: who.1.to_string(),
        entity: "users".into(),
        entity_id: Some(email.as_str().to_string()),
        action: action.to_string(),
        before,
        after,
    }
}

/// Adds a user; returns it with the password when one was generated.
pub async fn add_user(
    store: &Store,
    org: OrgId,
    req: &AddUser<'_>,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<(User, Option<String>), UserError> {
    // Sign-in e-mails are matched without regard to case: stored in lower case.
    let email = Email::parse(&req.email.to_lowercase()).map_err(|e| UserError::Invalid(e.0))?;
    let role = UserRole::parse(req.role).map_err(|e| UserError::Invalid(e.0))?;
    let name = name_text(req.name, 200, "name")?;
    if !LOCALES.contains(&req.locale) {
        return Err(UserError::Invalid(format!(
            "locale '{}' is not one of en, de, fr, el",
            req.locale
        )));
    }
    let (password, generated) = choose_password(req.password)?;
    let user = NewUser {
        id: UserId(Uuid::now_v7()),
        email,
        name,
        role,
        locale: req.locale.to_string(),
        password_hash: hash_password(&password)?,
        created_at: now,
    };
    let mut tx = store.begin(org).await?;
    tx.insert_user(&user).await.map_err(|e| match e {
        StoreError::Invalid(m) => UserError::Invalid(m),
        other => UserError::Store(other),
    })?;
    tx.audit(&[user_audit(
        &user.email,
        "create",
        (actor, req.source),
        now,
        None,
        Some(serde_json::json!({"email": user.email.as_str(), "name": user.name, "role": user.role.as_str(), "locale": user.locale})),
    )])
    .await?;
    let stored = tx
        .find_user_by_email(&user.email)
        .await?
        .ok_or_else(|| UserError::Invalid("user vanished".into()))?;
    tx.commit().await?;
    Ok((stored, generated))
}

pub async fn list_users(store: &Store, org: OrgId) -> Result<Vec<User>, UserError> {
    let mut tx = store.begin(org).await?;
    let users = tx.list_users().await?;
    tx.rollback().await?;
    Ok(users)
}

/// Disables (or enables again) a user.
pub async fn set_disabled(
    store: &Store,
    org: OrgId,
    email: &str,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    let email = Email::parse(email).map_err(|e| UserError::Invalid(e.0))?;
    let mut tx = store.begin(org).await?;
    if !tx.set_user_disabled(&email, disabled).await? {
        return Err(UserError::Invalid(format!(
            "no user has the e-mail {}",
            email.as_str()
        )));
    }
    tx.audit(&[user_audit(
        &email,
        if disabled { "disable" } else { "enable" },
        (None, "cli"),
        now,
        Some(serde_json::json!({"disabled": !disabled})),
        Some(serde_json::json!({"disabled": disabled})),
    )])
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes to a user; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    pub disabled: Option<bool>,
}

/// Changes a user's name, role, locale or disabled flag. The org keeps at least one enabled
/// admin.
pub async fn update_user(
    store: &Store,
    org: OrgId,
    email: &str,
    changes: &UserChanges,
    actor: Option<UserId>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<User, UserError> {
    let email = Email::parse(email).map_err(|e| UserError::Invalid(e.0))?;
    let mut tx = store.begin(org).await?;
    let Some(before) = tx.find_user_by_email(&email).await? else {
        return Err(UserError::Invalid(format!(
            "no user has the e-mail {}",
            email.as_str()
        )));
    };
    let mut user = before.clone();
    if let Some(name) = &changes.name {
        user.name = name_text(name, 200, "name")?;
    }
    if let Some(role) = &changes.role {
        user.role = UserRole::parse(role).map_err(|e| UserError::Invalid(e.0))?;
    }
    if let Some(locale) = &changes.locale {
        if !LOCALES.contains(&locale.as_str()) {
            return Err(UserError::Invalid(format!(
                "locale '{locale}' is not one of en, de, fr, el"
            )));
        }
        user.locale = locale.clone();
    }
    if let Some(d) = changes.disabled {
        user.disabled = d;
    }
    // Nobody locks themselves out: their own role and account stay as they are.
    if actor == Some(before.id) && (user.role != before.role || (user.disabled && !before.disabled))
    {
        return Err(UserError::Invalid(
            "you cannot change your own role or disable your own account; ask another admin".into(),
        ));
    }
    let was_admin = before.role == UserRole::Admin && !before.disabled;
    let is_admin = user.role == UserRole::Admin && !user.disabled;
    if was_admin && !is_admin {
        let admins = tx
            .list_users()
            .await?
            .iter()
            .filter(|u| u.role == UserRole::Admin && !u.disabled)
            .count();
        if admins <= 1 {
            return Err(UserError::Invalid(
                "this is the last enabled admin; make someone else admin first".into(),
            ));
        }
    }
    tx.save_user(&user).await?;
    let view = |u: &User| serde_json::json!({"name": u.name, "role": u.role.as_str(), "locale": u.locale, "disabled": u.disabled});
    tx.audit(&[user_audit(
        &email,
        "update",
        (actor, source),
        now,
        Some(view(&before)),
        Some(view(&user)),
    )])
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// A name (of a user or a token): trimmed, not empty, at most `max` characters, and without
/// U+0000, which PostgreSQL cannot store.
pub(crate) fn name_text(input: &str, max: usize, what: &str) -> Result<String, UserError> {
    if input.contains('\0') {
        return Err(UserError::Invalid(format!(
            "{what} {}",
            crate::records::NUL_REASON
        )));
    }
    rapport_domain::parse_text(input, max).map_err(|e| UserError::Invalid(format!("{what} {e}")))
}

/// The UI languages a user may choose.
pub const LOCALES: &[&str] = &["en", "de", "fr", "el"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_and_verify() {
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert_ne!(p, generate_password());
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&p, &h));
        assert!(!verify_password("wrong password!", &h));
        assert!(!verify_password(&p, "not a hash"));
    }
}
