//! Values bound to statistics queries: whatever a client wrote reaches SQL only as one of these.

use tokio_postgres::types::ToSql;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// `text`.
    Text(String),
    /// `float8`; integer columns compare to it exactly up to 2⁵³.
    Number(f64),
    /// `boolean`.
    Boolean(bool),
    /// `bigint`.
    Int(i64),
    /// `text[]`.
    Texts(Vec<String>),
    /// `float8[]`.
    Numbers(Vec<f64>),
    /// `int8[]`.
    Ints(Vec<i64>),
    /// `boolean[]`.
    Booleans(Vec<bool>),
    /// `bytea`.
    Bytes(Vec<u8>),
}

impl Param {
    /// The SQL type the placeholder is cast to, so PostgreSQL never has to guess.
    #[must_use]
    pub fn sql_type(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Number(_) => "float8",
            Self::Boolean(_) => "boolean",
            Self::Int(_) => "int8",
            Self::Texts(_) => "text[]",
            Self::Numbers(_) => "float8[]",
            Self::Ints(_) => "int8[]",
            Self::Booleans(_) => "boolean[]",
            Self::Bytes(_) => "bytea",
        }
    }

    /// One array parameter from scalar values of one kind (the parser guarantees that).
    #[must_use]
    pub fn list(values: Vec<Self>) -> Self {
        match values.first() {
            Some(Self::Number(_)) => Self::Numbers(
                values
                    .into_iter()
                    .filter_map(|v| {
                        if let Self::Number(n) = v {
                            Some(n)
                        } else {
                            None
                        }
                    })
                    .collect(),
            ),
            Some(Self::Boolean(_)) => Self::Booleans(
                values
                    .into_iter()
                    .filter_map(|v| {
                        if let Self::Boolean(b) = v {
                            Some(b)
                        } else {
                            None
                        }
                    })
                    .collect(),
            ),
            _ => Self::Texts(
                values
                    .into_iter()
                    .filter_map(|v| if let Self::Text(t) = v { Some(t) } else { None })
                    .collect(),
            ),
        }
    }

    /// The value as `tokio_postgres` binds it.
    #[must_use]
    pub fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Self::Text(v) => v,
            Self::Number(v) => v,
            Self::Boolean(v) => v,
            Self::Int(v) => v,
            Self::Texts(v) => v,
            Self::Numbers(v) => v,
            Self::Ints(v) => v,
            Self::Booleans(v) => v,
            Self::Bytes(v) => v,
        }
    }
}

/// Parameters as `tokio_postgres` takes them.
#[must_use]
pub fn bind(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(Param::as_sql).collect()
}
