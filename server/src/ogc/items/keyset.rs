//! Paging by keyset, never by `OFFSET`: a page link names the last (or first) row's sort key
//! and the dataset version it pages, so page 500 costs what page 1 costs and a reload between
//! two pages is a clear 409, not a silent mix of versions.
//!
//! The order is the `sortby` fields (ascending with NULLs last, descending with NULLs first,
//! PostgreSQL's defaults) and then the stable `fid`, so every row has one place.

use rummet_core::{FieldType, escape_identifier};
use serde_json::Value;

use super::request::SortKey;
use crate::datasets::Dataset;
use crate::filter::Param;
use crate::ogc::error::{OgcError, Result};

/// Which side of the key the page lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The rows after the key (`next`).
    After,
    /// The rows before it (`prev`).
    Before,
}

/// Where a page starts: a row's sort values and fid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// After or before the key.
    pub side: Side,
    /// The `sortby` fields' values, in order (JSON null for NULL).
    pub values: Vec<Value>,
    /// The row's fid.
    pub fid: i64,
}

impl Cursor {
    /// Reads `after` or `before` (a fid, or with `sortby` a JSON array of the sort values and
    /// the fid), checking `version` against the serving one.
    ///
    /// # Errors
    /// A malformed cursor, both sides at once, or [`OgcError::Reloaded`].
    pub fn parse(
        after: Option<&str>,
        before: Option<&str>,
        version: Option<&str>,
        dataset: &Dataset,
    ) -> Result<Option<Self>> {
        if let Some(v) = version {
            let asked: i64 = v
                .parse()
                .map_err(|_| OgcError::Parameter(format!("version {v:?} is not a number")))?;
            if asked != dataset.version {
                return Err(OgcError::Reloaded {
                    collection: dataset.id.to_string(),
                    asked,
                    serving: dataset.version,
                });
            }
        }
        let (side, text) = match (after, before) {
            (Some(_), Some(_)) => {
                return Err(OgcError::Parameter(
                    "after and before cannot be given together".into(),
                ));
            }
            (Some(t), None) => (Side::After, t),
            (None, Some(t)) => (Side::Before, t),
            (None, None) => return Ok(None),
        };
        let bad = || {
            OgcError::Parameter(format!(
                "page key {text:?} is malformed: follow the next and prev links as given"
            ))
        };
        let (values, fid) = if let Ok(fid) = text.parse::<i64>() {
            (Vec::new(), fid)
        } else {
            let Ok(Value::Array(mut items)) = serde_json::from_str::<Value>(text) else {
                return Err(bad());
            };
            let fid = items.pop().and_then(|v| v.as_i64()).ok_or_else(bad)?;
            (items, fid)
        };
        Ok(Some(Self { side, values, fid }))
    }

    /// The link value of a row with these sort values and fid.
    #[must_use]
    pub fn encode(values: &[Value], fid: i64) -> String {
        if values.is_empty() {
            fid.to_string()
        } else {
            let mut all = values.to_vec();
            all.push(Value::from(fid));
            Value::Array(all).to_string()
        }
    }
}

/// `ORDER BY` of the page: the sort keys then fid, reversed when reading backwards.
#[must_use]
pub fn order_by(sortby: &[SortKey], reversed: bool) -> String {
    let dir = |descending: bool| {
        if descending == reversed {
            "ASC"
        } else {
            "DESC"
        }
    };
    let mut parts: Vec<String> = sortby
        .iter()
        .map(|k| format!("f.{} {}", escape_identifier(&k.field), dir(k.descending)))
        .collect();
    parts.push(format!("f.fid {}", dir(false)));
    parts.join(", ")
}

/// SQL selecting the rows strictly on `side` of the key (`inclusive`: the key's own row too,
/// for a page that starts at it), pushing the key's values onto `params`.
///
/// # Errors
/// When the key's values do not match the sort keys.
pub fn predicate(
    sortby: &[SortKey],
    dataset: &Dataset,
    values: &[Value],
    fid: i64,
    side: Side,
    inclusive: bool,
    params: &mut Vec<Param>,
) -> Result<String> {
    if values.len() != sortby.len() {
        return Err(OgcError::Parameter(
            "the page key does not fit this sortby: follow the next and prev links as given".into(),
        ));
    }
    let mut bound = Vec::new();
    for (key, value) in sortby.iter().zip(values) {
        let column = format!("f.{}", escape_identifier(&key.field));
        let kind = dataset
            .fields
            .iter()
            .find(|f| f.name == key.field)
            .map_or(FieldType::Text, |f| f.kind);
        let placeholder = match value {
            Value::Null => None,
            Value::String(s) => Some(push(params, s.clone(), kind)),
            Value::Number(_) | Value::Bool(_) => Some(push(params, value.to_string(), kind)),
            _ => {
                return Err(OgcError::Parameter(
                    "the page key is malformed: follow the next and prev links as given".into(),
                ));
            }
        };
        bound.push((column, key.descending, placeholder));
    }
    params.push(Param::Int(fid));
    let fid_placeholder = format!("${}::int8", params.len());
    // Row r is past the key when, for some key i, r equals the key on keys before i and is
    // past it on key i; fid is the last key.
    let mut alternatives = Vec::new();
    for i in 0..=bound.len() {
        let mut conj: Vec<String> = bound[..i]
            .iter()
            .map(|(c, _, p)| {
                p.as_ref()
                    .map_or_else(|| format!("{c} IS NULL"), |p| format!("{c} = {p}"))
            })
            .collect();
        if let Some((column, descending, placeholder)) = bound.get(i) {
            // Reading backwards in one direction is reading forwards in the other.
            let forwards_descending = *descending != (side == Side::Before);
            conj.push(past(column, forwards_descending, placeholder.as_deref()));
        } else {
            let op = match (side, inclusive) {
                (Side::After, false) => ">",
                (Side::After, true) => ">=",
                (Side::Before, false) => "<",
                (Side::Before, true) => "<=",
            };
            conj.push(format!("f.fid {op} {fid_placeholder}"));
        }
        alternatives.push(format!("({})", conj.join(" AND ")));
    }
    Ok(format!("({})", alternatives.join(" OR ")))
}

/// Rows strictly after `value` on one key read in the order given (ascending puts NULLs
/// last, descending first).
fn past(column: &str, descending: bool, value: Option<&str>) -> String {
    match (descending, value) {
        (false, Some(v)) => format!("({column} > {v} OR {column} IS NULL)"),
        (false, None) => "FALSE".to_owned(),
        (true, Some(v)) => format!("{column} < {v}"),
        (true, None) => format!("{column} IS NOT NULL"),
    }
}

fn push(params: &mut Vec<Param>, text: String, kind: FieldType) -> String {
    params.push(Param::Text(text));
    format!("${}::text::{}", params.len(), kind.pg_cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_fid_key_pages_on_fid_alone() {
        let ds = crate::stats::testing::dataset("naturreservat");
        let mut params = Vec::new();
        let sql = predicate(&[], &ds, &[], 42, Side::After, false, &mut params).expect("sql");
        assert_eq!(sql, "((f.fid > $1::int8))");
        assert_eq!(params, vec![Param::Int(42)]);
        assert_eq!(order_by(&[], false), "f.fid ASC");
        assert_eq!(order_by(&[], true), "f.fid DESC");
    }

    #[test]
    fn a_sorted_key_expands_to_ties_broken_by_fid() {
        let ds = crate::stats::testing::dataset_with("naturreservat", &[("namn", "text")]);
        let keys = [SortKey {
            field: "namn".into(),
            descending: false,
        }];
        let mut params = Vec::new();
        let sql = predicate(
            &keys,
            &ds,
            &[Value::from("Abisko")],
            7,
            Side::After,
            false,
            &mut params,
        )
        .expect("sql");
        assert_eq!(
            sql,
            "(((f.\"namn\" > $1::text::text OR f.\"namn\" IS NULL)) OR (f.\"namn\" = $1::text::text AND f.fid > $2::int8))"
        );
    }

    #[test]
    fn a_cursor_of_another_version_is_a_conflict() {
        let ds = crate::stats::testing::dataset("naturreservat");
        let e = Cursor::parse(Some("5"), None, Some("99"), &ds).expect_err("reloaded");
        assert!(matches!(e, OgcError::Reloaded { asked: 99, .. }));
        assert_eq!(
            Cursor::parse(Some("[\"a\",5]"), None, Some("1"), &ds)
                .ok()
                .flatten(),
            Some(Cursor {
                side: Side::After,
                values: vec![Value::from("a")],
                fid: 5
            })
        );
    }
}
