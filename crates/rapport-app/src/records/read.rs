//! Finding one record (by id, natural key or merge alias) and listing records a page at a time.

use rapport_store::schema::{PARTIES, PARTY_LINKS};
use rapport_store::{Filter, ListQuery, Row, StoreError, Tx, Value};
use uuid::Uuid;

use crate::export::{render, stored_as};
use crate::import::ImportKind;

use super::*;

/// The record of `kind` whose natural key (or id) is `key`.
pub async fn get(
    tx: &mut Tx,
    kind: ImportKind,
    key: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    let Some(row) = find_row(tx, kind, key).await? else {
        return Ok(None);
    };
    let (table, _) = stored_as(kind);
    let rendered = render(tx, kind, std::slice::from_ref(&row)).await?;
    Ok(rendered
        .into_iter()
        .next()
        .map(|fields| to_record(table, &row, fields)))
}

/// One page of records; the rows are returned too, for the caller's cursor.
pub async fn list(
    tx: &mut Tx,
    kind: ImportKind,
    query: &ListQuery,
) -> Result<Vec<(Row, StoredRecord)>, StoreError> {
    let (table, _) = stored_as(kind);
    let mut query = query.clone();
    if kind == ImportKind::Contacts {
        query
            .filters
            .push(Filter::eq("kind", Value::text("works_at")));
    }
    if kind == ImportKind::Orders {
        // Order lines render one record each: list orders, render, keep rows aligned.
        let rows = tx.list(table, &query).await?;
        let mut out = Vec::new();
        for row in rows {
            for fields in render(tx, kind, std::slice::from_ref(&row)).await? {
                out.push((row.clone(), to_record(table, &row, fields)));
            }
        }
        return Ok(out);
    }
    let rows = tx.list(table, &query).await?;
    let rendered = render(tx, kind, &rows).await?;
    Ok(rows
        .into_iter()
        .zip(rendered)
        .map(|(row, fields)| {
            let rec = to_record(table, &row, fields);
            (row, rec)
        })
        .collect())
}

/// The stored row of `kind` for `key`: by id when `key` is a UUID that names one, else by
/// natural key (for parties, also through the aliases merges leave).
pub(crate) async fn find_row(
    tx: &mut Tx,
    kind: ImportKind,
    key: &str,
) -> Result<Option<Row>, StoreError> {
    if key.contains('\0') {
        // No key holds it (they are refused on the way in), and PostgreSQL cannot compare it.
        return Ok(None);
    }
    let (table, natural) = stored_as(kind);
    if kind == ImportKind::Contacts {
        let Some(person) = Box::pin(find_row(tx, ImportKind::Parties, key)).await? else {
            return Ok(None);
        };
        let q = one(
            &[
                ("from_party_id", person[PARTIES.col("id")].clone()),
                ("kind", Value::text("works_at")),
            ],
            "id",
        );
        return Ok(tx.list(&PARTY_LINKS, &q).await?.into_iter().next());
    }
    if kind == ImportKind::Parties {
        return tx.find_party_row(key).await;
    }
    if let Ok(id) = Uuid::parse_str(key)
        && table.try_col("id").is_some()
        && let Some(row) = tx
            .fetch_in(table, "id", &[Value::Uuid(id)])
            .await?
            .into_iter()
            .next()
    {
        return Ok(Some(row));
    }
    if let Some(row) = tx
        .fetch_in(table, natural, &[Value::text(key)])
        .await?
        .into_iter()
        .next()
    {
        return Ok(Some(row));
    }
    Ok(None)
}
