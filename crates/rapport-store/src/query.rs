//! Listing records a page at a time for the API and the UI: filters, a search over a few text
//! columns, one sort column with the primary key as tie-breaker, and keyset (cursor)
//! pagination, so the ten-thousandth page costs what the first one costs.

use crate::schema::Table;
use crate::value::{ColType, Row, Value};
use crate::{Backend, Result, StoreError, Tx};

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
    IsNull,
    NotNull,
}

/// One condition on a column. Column names come from code, never from input.
#[derive(Debug, Clone)]
pub struct Filter {
    pub column: &'static str,
    pub op: Op,
    pub value: Value,
}

impl Filter {
    pub fn eq(column: &'static str, value: Value) -> Filter {
        Filter {
            column,
            op: Op::Eq,
            value,
        }
    }
}

/// A free-text search: any of `contains` holds the text (case-insensitive for ASCII), or any of
/// `exact` equals it.
#[derive(Debug, Clone)]
pub struct Search {
    pub text: String,
    pub contains: &'static [&'static str],
    pub exact: &'static [&'static str],
}

/// A page request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub search: Option<Search>,
    /// A NOT NULL column (nulls would break the keyset order).
    pub sort: &'static str,
    pub descending: bool,
    /// The cursor: the sort value and then the key values of the last row already seen.
    pub after: Option<Vec<Value>>,
    pub limit: usize,
}

impl ListQuery {
    pub fn new(sort: &'static str, limit: usize) -> ListQuery {
        ListQuery {
            filters: Vec::new(),
            search: None,
            sort,
            descending: false,
            after: None,
            limit,
        }
    }
}

/// The columns a cursor holds for `sort` on `table`: the sort column, then the key columns it
/// does not already name.
pub fn cursor_columns(table: &Table, sort: &'static str) -> Vec<&'static str> {
    let mut cols = vec![sort];
    cols.extend(table.key.iter().copied().filter(|k| *k != sort));
    cols
}

/// ` AND (…)`: the party `p` whose name or e-mail contains `text` (case-insensitively on
/// PostgreSQL) or whose external id is `text`, its values appended to `binds` (numbered after
/// the org's `$1`).
pub(crate) fn party_search(
    backend: crate::Backend,
    text: &str,
    binds: &mut Vec<(crate::Value, crate::ColType)>,
) -> String {
    use crate::{Backend, ColType, Value};
    let like = match backend {
        Backend::Sqlite => "LIKE",
        Backend::Postgres => "ILIKE",
    };
    binds.push((Value::text(like_pattern(text)), ColType::Text));
    let p = format!("${}", binds.len() + 1);
    binds.push((Value::text(text), ColType::Text));
    let exact = format!("${}", binds.len() + 1);
    format!(
        " AND (p.name {like} {p} ESCAPE '\\' OR p.email {like} {p} ESCAPE '\\' OR p.external_id = {exact})"
    )
}

/// Escapes LIKE's wildcards so the text is matched literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Tx {
    /// The WHERE conditions (after `org_id = $1`) of a query's filters and search, with the
    /// values to bind from `$2` on.
    fn conditions(&self, table: &Table, q: &ListQuery) -> Result<(String, Vec<(Value, ColType)>)> {
        let ty_of = |name: &str| -> Result<ColType> {
            table
                .try_col(name)
                .map(|i| table.columns[i].ty)
                .ok_or_else(|| StoreError::Invalid(format!("{} has no column {name}", table.name)))
        };
        let mut binds: Vec<(Value, ColType)> = Vec::new();
        let mut sql = String::new();
        let next = |binds: &mut Vec<(Value, ColType)>, v: Value, ty: ColType| {
            binds.push((v, ty));
            format!("${}", binds.len() + 1)
        };
        for f in &q.filters {
            let ty = ty_of(f.column)?;
            let cond = match f.op {
                Op::IsNull => format!("{} IS NULL", f.column),
                Op::NotNull => format!("{} IS NOT NULL", f.column),
                op => {
                    let sym = match op {
                        Op::Eq => "=",
                        Op::Gt => ">",
                        Op::Gte => ">=",
                        Op::Lt => "<",
                        _ => "<=",
                    };
                    let p = next(&mut binds, f.value.clone(), ty);
                    format!("{} {sym} {p}", f.column)
                }
            };
            sql.push_str(" AND ");
            sql.push_str(&cond);
        }
        if let Some(s) = &q.search {
            let like = match self.backend() {
                Backend::Sqlite => "LIKE",
                Backend::Postgres => "ILIKE",
            };
            let mut alternatives = Vec::new();
            if !s.contains.is_empty() {
                let p = next(
                    &mut binds,
                    Value::text(like_pattern(&s.text)),
                    ColType::Text,
                );
                for c in s.contains {
                    ty_of(c)?;
                    alternatives.push(format!("{c} {like} {p} ESCAPE '\\'"));
                }
            }
            for c in s.exact {
                let ty = ty_of(c)?;
                let p = next(&mut binds, Value::text(s.text.as_str()), ty);
                alternatives.push(format!("{c} = {p}"));
            }
            if !alternatives.is_empty() {
                sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
            }
        }
        Ok((sql, binds))
    }

    /// One page of `table` as `q` asks: rows in the sort order, at most `q.limit`.
    pub async fn list(&mut self, table: &Table, q: &ListQuery) -> Result<Vec<Row>> {
        let sort_col = table.try_col(q.sort).ok_or_else(|| {
            StoreError::Invalid(format!("{} has no column {}", table.name, q.sort))
        })?;
        if table.columns[sort_col].nullable {
            return Err(StoreError::Invalid(format!(
                "{}.{} may be empty and cannot order a list",
                table.name, q.sort
            )));
        }
        let types: Vec<ColType> = table.columns.iter().map(|c| c.ty).collect();
        let (conditions, mut binds) = self.conditions(table, q)?;
        let mut sql = format!(
            "SELECT {} FROM {} WHERE org_id = $1{conditions}",
            table.column_list(),
            table.name
        );
        let ty_of = |name: &str| -> Result<ColType> {
            table
                .try_col(name)
                .map(|i| table.columns[i].ty)
                .ok_or_else(|| StoreError::Invalid(format!("{} has no column {name}", table.name)))
        };
        let next = |binds: &mut Vec<(Value, ColType)>, v: Value, ty: ColType| {
            binds.push((v, ty));
            format!("${}", binds.len() + 1)
        };
        let cursor = cursor_columns(table, q.sort);
        let (cmp, dir) = if q.descending {
            ("<", " DESC")
        } else {
            (">", "")
        };
        if let Some(after) = &q.after {
            if after.len() != cursor.len() {
                return Err(StoreError::Invalid(
                    "the cursor does not fit this list".into(),
                ));
            }
            let mut ps = Vec::new();
            for (v, c) in after.iter().zip(&cursor) {
                let ty = ty_of(c)?;
                ps.push(next(&mut binds, v.clone(), ty));
            }
            sql.push_str(&format!(
                " AND ({}) {cmp} ({})",
                cursor.join(", "),
                ps.join(", ")
            ));
        }
        let order: Vec<String> = cursor.iter().map(|c| format!("{c}{dir}")).collect();
        sql.push_str(&format!(" ORDER BY {} LIMIT {}", order.join(", "), q.limit));
        self.select(sql, &binds, &types, || format!("listing {}", table.name))
            .await
    }

    /// How many rows per value of a text `column`, among the rows `filters` select; largest
    /// counts first.
    pub async fn count_by(
        &mut self,
        table: &Table,
        column: &'static str,
        filters: &[Filter],
    ) -> Result<Vec<(String, i64)>> {
        let mut q = ListQuery::new(column, 0);
        q.filters = filters.to_vec();
        let (conditions, binds) = self.conditions(table, &q)?;
        let sql = format!(
            "SELECT {column}, COUNT(*) FROM {} WHERE org_id = $1{conditions} GROUP BY {column} ORDER BY COUNT(*) DESC, {column}",
            table.name
        );
        let rows = self
            .select(sql, &binds, &[ColType::Text, ColType::Int], || {
                format!("counting {}", table.name)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap_or_default().to_string(),
                    r[1].as_int().unwrap_or(0),
                )
            })
            .collect())
    }

    /// The cursor values of a row for a list sorted by `sort` (to pass as `after`).
    pub fn cursor_of(table: &Table, sort: &'static str, row: &Row) -> Vec<Value> {
        cursor_columns(table, sort)
            .iter()
            .map(|c| row[table.col(c)].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("ab"), "%ab%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
