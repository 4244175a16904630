//! Org settings: one JSON value per key, read, replaced and removed (back to the default).

use chrono::{DateTime, Utc};

use crate::schema::ORG_SETTINGS;
use crate::value::{ColType, Value};
use crate::{Result, Tx};

impl Tx {
    /// The value stored under `key` and when it was set; `None` when the default applies.
    pub async fn setting(
        &mut self,
        key: &str,
    ) -> Result<Option<(serde_json::Value, DateTime<Utc>)>> {
        let rows = self
            .select(
                "SELECT value, updated_at FROM org_settings WHERE org_id = $1 AND key = $2".into(),
                &[(Value::text(key), ColType::Text)],
                &[ColType::Json, ColType::Time],
                || format!("reading the setting {key}"),
            )
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| match (&r[0], r[1].as_time()) {
                (Value::Json(v), Some(at)) => Some((v.clone(), at)),
                _ => None,
            }))
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn put_setting(
        &mut self,
        key: &str,
        value: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.delete_where(&ORG_SETTINGS, "key", &Value::text(key))
            .await?;
        self.insert_rows(
            &ORG_SETTINGS,
            &[vec![
                Value::text(key),
                Value::Json(value.clone()),
                Value::Time(at),
            ]],
        )
        .await
    }

    /// Removes `key`, so its default applies again; whether it was set.
    pub async fn remove_setting(&mut self, key: &str) -> Result<bool> {
        Ok(self
            .delete_where(&ORG_SETTINGS, "key", &Value::text(key))
            .await?
            > 0)
    }
}
