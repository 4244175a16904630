//! Mapping a file's columns to the fields of an import kind: automatically by name and known
//! aliases, or as the user says with `--map column=field`. Unknown columns are listed, never
//! silently dropped: the user maps them, keeps them as custom attributes, or ignores them.

use super::ImportError;
use super::kinds::{Field, ImportKind, normalize_header};

/// Which column feeds which field.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// For each field of the kind (same order as `kind.fields()`), its column index.
    pub columns: Vec<Option<usize>>,
    /// Columns kept as custom attributes: (attribute name, column index).
    pub attributes: Vec<(String, usize)>,
    /// Columns the user chose to ignore.
    pub ignored: Vec<String>,
    /// The header as read.
    pub header: Vec<String>,
}

impl Mapping {
    pub fn column_of(&self, kind: ImportKind, field: &str) -> Option<usize> {
        let i = kind.fields().iter().position(|f| f.name == field)?;
        self.columns[i]
    }

    pub fn has(&self, kind: ImportKind, field: &str) -> bool {
        self.column_of(kind, field).is_some()
    }

    /// The required fields of `kind` that no column feeds.
    pub fn missing_required(&self, kind: ImportKind) -> Vec<&'static str> {
        kind.fields()
            .iter()
            .zip(&self.columns)
            .filter(|(f, c)| f.required && c.is_none())
            .map(|(f, _)| f.name)
            .collect()
    }
}

/// What the user said about columns on the command line.
#[derive(Debug, Clone, Default)]
pub struct ColumnRules {
    /// `--map column=field` (column by name or 1-based position; field `attributes.NAME` or `ignore`).
    pub maps: Vec<(String, String)>,
    /// Ignore every column no field claims.
    pub ignore_unknown: bool,
}

impl ColumnRules {
    /// Parses `column=field` pairs.
    pub fn parse_map(s: &str) -> Result<(String, String), String> {
        match s.split_once('=') {
            Some((c, f)) if !c.trim().is_empty() && !f.trim().is_empty() => {
                Ok((c.trim().to_string(), f.trim().to_string()))
            }
            _ => Err(format!("'{s}' is not COLUMN=FIELD")),
        }
    }
}

fn find_column(header: &[String], column: &str) -> Option<usize> {
    if let Ok(pos) = column.trim_start_matches('#').parse::<usize>()
        && pos >= 1
        && pos <= header.len()
    {
        return Some(pos - 1);
    }
    header.iter().position(|h| h.trim() == column).or_else(|| {
        header
            .iter()
            .position(|h| normalize_header(h) == normalize_header(column))
    })
}

/// Maps `header` to the fields of `kind`.
pub fn map_header(
    file: &str,
    kind: ImportKind,
    header: &[String],
    rules: &ColumnRules,
) -> Result<Mapping, ImportError> {
    let fields = kind.fields();
    let mut mapping = Mapping {
        columns: vec![None; fields.len()],
        header: header.to_vec(),
        ..Mapping::default()
    };
    let mut claimed = vec![false; header.len()];

    for (column, target) in &rules.maps {
        let Some(col) = find_column(header, column) else {
            return Err(ImportError::Columns {
                file: file.to_string(),
                message: format!("--map names column '{column}', which the file does not have"),
            });
        };
        claimed[col] = true;
        if target == "ignore" || target == "-" {
            mapping.ignored.push(header[col].clone());
        } else if let Some(attr) = target.strip_prefix("attributes.") {
            if !kind.has_attributes() {
                return Err(ImportError::Columns {
                    file: file.to_string(),
                    message: format!(
                        "{kind} have no custom attributes; '{column}' cannot map to {target}"
                    ),
                });
            }
            mapping.attributes.push((attr.to_string(), col));
        } else if let Some(i) = fields.iter().position(|f| f.name == target) {
            mapping.columns[i] = Some(col);
        } else {
            return Err(ImportError::Columns {
                file: file.to_string(),
                message: format!(
                    "--map {column}={target}: {kind} have no field '{target}'; fields: {}",
                    field_names(fields)
                ),
            });
        }
    }

    let mut ambiguous = Vec::new();
    for (col, name) in header.iter().enumerate() {
        if claimed[col] {
            continue;
        }
        let key = normalize_header(name);
        let hit = fields.iter().position(|f| {
            normalize_header(f.name) == key || f.aliases.iter().any(|a| normalize_header(a) == key)
        });
        if let Some(i) = hit {
            match mapping.columns[i] {
                None => {
                    mapping.columns[i] = Some(col);
                    claimed[col] = true;
                }
                Some(other) if !rules.maps.iter().any(|(_, t)| t == fields[i].name) => {
                    ambiguous.push(format!(
                        "'{}' and '{}' both look like {}",
                        header[other], name, fields[i].name
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if !ambiguous.is_empty() {
        return Err(ImportError::Columns {
            file: file.to_string(),
            message: format!(
                "{}; say which with --map COLUMN=FIELD",
                ambiguous.join("; ")
            ),
        });
    }

    let unknown: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| !claimed[*i] && !mapping.columns.contains(&Some(*i)))
        .map(|(_, h)| h.clone())
        .collect();
    if !unknown.is_empty() {
        if rules.ignore_unknown {
            mapping.ignored.extend(unknown);
        } else {
            let keep = if kind.has_attributes() {
                ", keep one as a custom attribute with --map 'COLUMN=attributes.NAME'"
            } else {
                ""
            };
            return Err(ImportError::Columns {
                file: file.to_string(),
                message: format!(
                    "unknown columns: {}. Map them with --map 'COLUMN=FIELD'{keep}, drop one with --map 'COLUMN=ignore', or drop all with --ignore-unknown. Fields of {kind}: {}",
                    unknown
                        .iter()
                        .map(|u| format!("'{u}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    field_names(fields)
                ),
            });
        }
    }

    let missing = mapping.missing_required(kind);
    if !missing.is_empty() && !allows_missing(kind, &missing, &mapping) {
        return Err(ImportError::Columns {
            file: file.to_string(),
            message: format!("missing required columns: {}", missing.join(", ")),
        });
    }
    Ok(mapping)
}

/// Parties may name themselves by first and last name instead of `name`.
fn allows_missing(kind: ImportKind, missing: &[&str], mapping: &Mapping) -> bool {
    kind == ImportKind::Parties && missing == ["name"] && mapping.has(kind, "last_name")
}

fn field_names(fields: &[Field]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    fn check(kind: ImportKind, cols: &[&str], maps: &[(&str, &str)]) -> Result<Mapping, String> {
        let rules = ColumnRules {
            maps: maps
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ignore_unknown: false,
        };
        map_header("f.csv", kind, &header(cols), &rules).map_err(|e| e.to_string())
    }

    #[test]
    fn hubspot_contact_export_maps_to_parties() {
        let m = check(
            ImportKind::Parties,
            &[
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Phone Number",
                "Contact owner",
                "Lifecycle Stage",
                "Create Date",
                "City",
                "Country/Region",
                "Original Source",
            ],
            &[],
        )
        .unwrap();
        let k = ImportKind::Parties;
        assert_eq!(m.column_of(k, "external_id"), Some(0));
        assert_eq!(m.column_of(k, "owner_email"), Some(5));
        assert_eq!(m.column_of(k, "acquired_on"), Some(7));
        assert_eq!(m.column_of(k, "country"), Some(9));
        assert_eq!(m.column_of(k, "acquisition_channel"), Some(10));
    }

    #[test]
    fn salesforce_account_export_maps_to_parties() {
        let m = check(
            ImportKind::Parties,
            &[
                "Account ID",
                "Account Name",
                "Type",
                "Industry",
                "Billing City",
                "Billing Country",
                "Phone",
                "Account Owner",
                "Account Source",
                "Created Date",
            ],
            &[],
        )
        .unwrap();
        let k = ImportKind::Parties;
        assert_eq!(m.column_of(k, "name"), Some(1));
        assert_eq!(m.column_of(k, "roles"), Some(2));
        assert_eq!(m.column_of(k, "city"), Some(4));
    }

    #[test]
    fn salesforce_contact_export_maps_to_contacts() {
        let m = check(
            ImportKind::Contacts,
            &[
                "Contact ID",
                "First Name",
                "Last Name",
                "Title",
                "Email",
                "Phone",
                "Account ID",
                "Mailing City",
                "Mailing Country",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            m.column_of(ImportKind::Contacts, "organization_external_id"),
            Some(6)
        );
        assert_eq!(m.column_of(ImportKind::Contacts, "job_title"), Some(3));
    }

    #[test]
    fn unknown_columns_are_listed_not_dropped() {
        let err = check(
            ImportKind::Products,
            &["sku", "name", "colour", "weight"],
            &[],
        )
        .unwrap_err();
        assert!(err.contains("unknown columns: 'colour', 'weight'"), "{err}");
        let ok = check(
            ImportKind::Products,
            &["sku", "name", "colour"],
            &[("colour", "ignore")],
        )
        .unwrap();
        assert_eq!(ok.ignored, vec!["colour"]);
        let attrs = check(
            ImportKind::Parties,
            &["external_id", "name", "Lead Status X"],
            &[("Lead Status X", "attributes.lead_status")],
        )
        .unwrap();
        assert_eq!(attrs.attributes, vec![("lead_status".to_string(), 2)]);
    }

    #[test]
    fn missing_required_columns_are_named() {
        let err = check(ImportKind::Surveys, &["party_external_id", "kind"], &[]).unwrap_err();
        assert!(
            err.contains("missing required columns: score, answered_at"),
            "{err}"
        );
        // Parties may be named by first and last name.
        assert!(
            check(
                ImportKind::Parties,
                &["external_id", "first_name", "last_name"],
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn maps_by_name_or_position_and_reject_unknown_targets() {
        let m = check(
            ImportKind::Products,
            &["Artikel", "Bezeichnung"],
            &[("1", "sku"), ("Bezeichnung", "name")],
        )
        .unwrap();
        assert_eq!(m.column_of(ImportKind::Products, "sku"), Some(0));
        let err = check(ImportKind::Products, &["a", "b"], &[("a", "colour")]).unwrap_err();
        assert!(err.contains("no field 'colour'"), "{err}");
        let err = check(ImportKind::Products, &["a"], &[("zzz", "sku")]).unwrap_err();
        assert!(err.contains("does not have"), "{err}");
    }

    #[test]
    fn two_columns_for_one_field_are_ambiguous() {
        let err = check(
            ImportKind::Interactions,
            &["WhoId", "WhatId", "Type", "Date"],
            &[],
        )
        .unwrap_err();
        assert!(err.contains("both look like party_external_id"), "{err}");
    }
}
