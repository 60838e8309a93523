//! Converting read values to their column types for `COPY ... BINARY`.

use std::error::Error;

use bytes::BytesMut;
use postgres_types::{IsNull, ToSql, Type, to_sql_checked};

use crate::catalog::{Field, FieldType};
use crate::read::Value;

/// One typed value of a staging row.
#[derive(Debug)]
pub(super) enum Cell {
    Text(Option<String>),
    Integer(Option<i64>),
    Double(Option<f64>),
    Boolean(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

/// How a value stood against its field's code list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coded {
    /// The field has no code list, or the value is a code or a meaning in it (or empty).
    Known,
    /// The value is in neither column of the list (a code the list lacks, or for a text
    /// field any text): stored as published, and warned of.
    Unknown,
}

/// Puts a value of a field with a code list into the form its column stores: an integer
/// column the code (a meaning is looked up, ignoring case), a text column the meaning (a code
/// is looked up; a meaning is spelled as the catalog spells it).
///
/// # Errors
/// For an integer column, text that is neither a code nor a meaning.
pub(super) fn decode(value: Value, field: &Field) -> Result<(Value, Coded), String> {
    if field.codes.is_empty() {
        return Ok((value, Coded::Known));
    }
    let text = match &value {
        Value::Text(s) => s.trim().to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Double(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
        Value::Null | Value::Double(_) | Value::Boolean(_) => return Ok((value, Coded::Known)),
    };
    if text.is_empty() {
        return Ok((value, Coded::Known));
    }
    let folded = text.to_lowercase();
    // A code is found by its value where it is a number: DBF and GeoPackage integers drop
    // the leading zeros a catalog's `"01"` keeps.
    let number = text.parse::<i64>().ok();
    let by_code = || {
        field.codes.get_key_value(&text).or_else(|| {
            number.and_then(|n| {
                field
                    .codes
                    .iter()
                    .find(|(code, _)| code.parse::<i64>().ok() == Some(n))
            })
        })
    };
    let by_meaning = || {
        field
            .codes
            .iter()
            .find(|(_, meaning)| meaning.to_lowercase() == folded)
    };
    match field.kind {
        FieldType::Integer => {
            if number.is_some() {
                let known = if by_code().is_some() {
                    Coded::Known
                } else {
                    Coded::Unknown
                };
                return Ok((value, known));
            }
            match by_meaning() {
                Some((code, _)) => Ok((Value::Text(code.clone()), Coded::Known)),
                None => Err(format!(
                    "{text:?} is neither a code nor a meaning in the catalog's list ({})",
                    field
                        .codes
                        .iter()
                        .map(|(c, m)| format!("{c} = {m}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        _ => match by_code().or_else(by_meaning) {
            Some((_, meaning)) => Ok((Value::Text(meaning.clone()), Coded::Known)),
            None => Ok((value, Coded::Unknown)),
        },
    }
}

impl Cell {
    /// Converts `value` to `kind`, or says why it cannot be.
    pub(super) fn convert(value: Value, kind: FieldType) -> Result<Self, String> {
        Ok(match (kind, value) {
            (FieldType::Text, Value::Null) => Self::Text(None),
            // PostgreSQL text cannot hold NUL; agencies' DBF padding sometimes does.
            (FieldType::Text, Value::Text(s)) => Self::Text(Some(s.replace('\0', ""))),
            (FieldType::Text, Value::Integer(i)) => Self::Text(Some(i.to_string())),
            (FieldType::Text, Value::Double(f)) => Self::Text(Some(f.to_string())),
            (FieldType::Text, Value::Boolean(b)) => Self::Text(Some(b.to_string())),
            (FieldType::Integer, Value::Null) => Self::Integer(None),
            (FieldType::Integer, Value::Integer(i)) => Self::Integer(Some(i)),
            (FieldType::Integer, Value::Double(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 =>
            {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked integral and in range"
                )]
                Self::Integer(Some(f as i64))
            }
            (FieldType::Integer, Value::Text(s)) if s.trim().is_empty() => Self::Integer(None),
            (FieldType::Integer, Value::Text(s)) => Self::Integer(Some(
                s.trim()
                    .parse()
                    .map_err(|_| format!("{s:?} is not an integer"))?,
            )),
            (FieldType::Double, Value::Null) => Self::Double(None),
            #[expect(clippy::cast_precision_loss, reason = "measurements, not identifiers")]
            (FieldType::Double, Value::Integer(i)) => Self::Double(Some(i as f64)),
            (FieldType::Double, Value::Double(f)) => Self::Double(Some(f)),
            (FieldType::Double, Value::Text(s)) if s.trim().is_empty() => Self::Double(None),
            // Swedish files write decimal commas.
            (FieldType::Double, Value::Text(s)) => Self::Double(Some(
                s.trim()
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| format!("{s:?} is not a number"))?,
            )),
            (FieldType::Boolean, Value::Null) => Self::Boolean(None),
            (FieldType::Boolean, Value::Boolean(b)) => Self::Boolean(Some(b)),
            (FieldType::Boolean, Value::Integer(i @ (0 | 1))) => Self::Boolean(Some(i == 1)),
            (FieldType::Boolean, Value::Text(s)) => {
                Self::Boolean(Some(match s.trim().to_lowercase().as_str() {
                    "true" | "t" | "1" | "ja" | "j" | "yes" | "y" => true,
                    "false" | "f" | "0" | "nej" | "n" | "no" => false,
                    "" => return Ok(Self::Boolean(None)),
                    _ => return Err(format!("{s:?} is not a boolean")),
                }))
            }
            (kind, other) => {
                return Err(format!("{other:?} cannot be stored as {}", kind.sql_type()));
            }
        })
    }
}

impl ToSql for Cell {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Self::Text(v) => v.to_sql(ty, out),
            Self::Integer(v) => v.to_sql(ty, out),
            Self::Double(v) => v.to_sql(ty, out),
            Self::Boolean(v) => v.to_sql(ty, out),
            Self::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [
            Type::TEXT,
            Type::INT8,
            Type::FLOAT8,
            Type::BOOL,
            Type::BYTEA,
        ]
        .contains(ty)
    }

    to_sql_checked!();
}

/// The COPY type of a column of `kind`.
pub(super) fn copy_type(kind: FieldType) -> Type {
    match kind {
        FieldType::Text => Type::TEXT,
        FieldType::Integer => Type::INT8,
        FieldType::Double => Type::FLOAT8,
        FieldType::Boolean => Type::BOOL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_and_blank_numbers_are_understood() {
        assert!(matches!(
            Cell::convert(Value::Text(" 12,5 ".into()), FieldType::Double),
            Ok(Cell::Double(Some(v))) if (v - 12.5).abs() < f64::EPSILON
        ));
        assert!(matches!(
            Cell::convert(Value::Text(String::new()), FieldType::Integer),
            Ok(Cell::Integer(None))
        ));
    }

    #[test]
    fn text_that_is_not_a_number_is_refused_with_the_value() {
        let err = Cell::convert(Value::Text("tolv".into()), FieldType::Integer).err();
        assert_eq!(err.as_deref(), Some("\"tolv\" is not an integer"));
    }
}
