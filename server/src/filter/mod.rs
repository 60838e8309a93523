//! The one filter model: the statistics API's `where=` and OGC API – Features' CQL2 (text and
//! JSON) parse into the same closed tree, checked against the dataset's registry fields, and
//! compile to SQL in one place ([`sql`]) whose values are all bound parameters. Nothing a client
//! writes reaches SQL but field names, and only after they matched a registry field.

mod cql2;
mod cql2_json;
mod cql2_text;
mod param;
mod sql;
mod where_text;
mod wkt;

pub use param::{Param, bind};
pub use sql::SpatialContext;

use crate::datasets::Dataset;
use rummet_core::FieldType;

/// Most comparisons one filter may hold.
pub const MAX_TERMS: usize = 64;
/// Most values one `in (...)` may list.
pub const MAX_LIST: usize = 1000;
/// Most coordinates a spatial literal may hold.
pub const MAX_COORDINATES: usize = 10_000;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// `field op value`; `casei` compares text case-insensitively (CQL2 `CASEI`).
    Compare {
        /// Column.
        field: String,
        /// SQL operator: `=`, `<>`, `<`, `>`, `<=`, `>=`.
        op: &'static str,
        /// Bound value.
        value: Param,
        /// Compare lower-cased text.
        casei: bool,
    },
    /// `field in (values)`.
    In {
        /// Column.
        field: String,
        /// Bound values, one array parameter.
        values: Param,
        /// Compare lower-cased text.
        casei: bool,
    },
    /// `field like pattern` (`%` any text, `_` one character, `\` escapes).
    Like {
        /// Column (text).
        field: String,
        /// The pattern, bound.
        pattern: String,
        /// Match case-insensitively.
        casei: bool,
    },
    /// `field between low and high`, both ends included.
    Between {
        /// Column.
        field: String,
        /// Lower bound.
        low: Param,
        /// Upper bound.
        high: Param,
    },
    /// `field is null`.
    IsNull {
        /// Column.
        field: String,
    },
    /// The feature's geometry intersects a literal (CQL2 `S_INTERSECTS`), given in the
    /// request's filter CRS.
    Intersects(SpatialLiteral),
}

/// A geometry written in a filter, in the coordinates of the filter CRS as the client wrote
/// them (the SQL compiler applies CRS and axis order).
#[derive(Debug, Clone, PartialEq)]
pub enum SpatialLiteral {
    /// Well-known text, e.g. `POLYGON((…))`, as the parser re-wrote it after checking it
    /// (a CQL2 JSON GeoJSON geometry is turned into this too): well-formed, finite numbers,
    /// closed rings, at most [`MAX_COORDINATES`] positions.
    Wkt(String),
    /// `[x1, y1, x2, y2]` (`BBOX(…)` in text, `{"bbox": […]}` in JSON).
    Bbox([f64; 4]),
}

/// What kind of value a field holds, from its registry type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `text`.
    Text,
    /// `bigint` or `double precision`.
    Number,
    /// `boolean`.
    Boolean,
}

impl FieldKind {
    /// The kind of values of a column of `kind`.
    #[must_use]
    pub fn of(kind: FieldType) -> Self {
        match kind {
            FieldType::Integer | FieldType::Double => Self::Number,
            FieldType::Boolean => Self::Boolean,
            FieldType::Text => Self::Text,
        }
    }

    /// How an error message names values of this kind.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "a number",
            Self::Boolean => "true or false",
        }
    }
}

/// The kind of `field` in `dataset`, or why it is not one of its fields.
///
/// # Errors
/// When the dataset has no such field; the message lists the fields it has.
pub fn field_kind(dataset: &Dataset, field: &str) -> Result<FieldKind, String> {
    dataset
        .fields
        .iter()
        .find(|f| f.name == field)
        .map(|f| FieldKind::of(f.kind))
        .ok_or_else(|| {
            let known: Vec<&str> = dataset.fields.iter().map(|f| f.name.as_str()).collect();
            format!(
                "{} has no field {field:?}; its fields are {}",
                dataset.id,
                known.join(", ")
            )
        })
}

/// PostgreSQL text cannot hold a NUL character: a value with one would fail in the database,
/// so it is refused here, saying so.
fn refuse_nul(input: &str) -> Result<(), String> {
    match input.find('\0') {
        Some(at) => Err(format!(
            "a NUL character (at byte {}) cannot be part of a filter",
            at + 1
        )),
        None => Ok(()),
    }
}

impl Filter {
    /// Parses the statistics API's `where=` grammar against `dataset`'s fields.
    ///
    /// # Errors
    /// A message saying what is wrong and where.
    pub fn parse(input: &str, dataset: &Dataset) -> Result<Self, String> {
        refuse_nul(input)?;
        where_text::parse(input, dataset).map(|f| f.narrowed(dataset))
    }

    /// Parses CQL2 text (OGC 21-065) against `dataset`'s fields.
    ///
    /// # Errors
    /// A message saying what is wrong and where; functions outside the declared conformance
    /// classes are named.
    pub fn parse_cql2_text(input: &str, dataset: &Dataset) -> Result<Self, String> {
        refuse_nul(input)?;
        cql2_text::parse(input, dataset).map(|f| f.narrowed(dataset))
    }

    /// Parses CQL2 JSON (OGC 21-065) against `dataset`'s fields.
    ///
    /// # Errors
    /// As [`Filter::parse_cql2_text`].
    pub fn parse_cql2_json(input: &str, dataset: &Dataset) -> Result<Self, String> {
        refuse_nul(input)?;
        cql2_json::parse(input, dataset).map(|f| f.narrowed(dataset))
    }

    /// The filter with whole numbers compared to integer fields bound as `int8`: a `bigint`
    /// column compared to a `float8` is cast row by row, and its index cannot be used.
    #[must_use]
    pub fn narrowed(self, dataset: &Dataset) -> Self {
        let integer = |field: &str| {
            dataset
                .fields
                .iter()
                .any(|f| f.name == field && f.kind == FieldType::Integer)
        };
        let whole = |n: f64| (n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0).then_some(n);
        #[expect(
            clippy::cast_possible_truncation,
            reason = "only whole numbers below 2^53, which i64 holds exactly"
        )]
        let narrow = |p: Param| match p {
            Param::Number(n) => whole(n).map_or(Param::Number(n), |n| Param::Int(n as i64)),
            Param::Numbers(v) if v.iter().all(|n| whole(*n).is_some()) => {
                Param::Ints(v.into_iter().map(|n| n as i64).collect())
            }
            other => other,
        };
        match self {
            Self::And(a, b) => {
                Self::And(Box::new(a.narrowed(dataset)), Box::new(b.narrowed(dataset)))
            }
            Self::Or(a, b) => {
                Self::Or(Box::new(a.narrowed(dataset)), Box::new(b.narrowed(dataset)))
            }
            Self::Not(a) => Self::Not(Box::new(a.narrowed(dataset))),
            Self::Compare {
                field,
                op,
                value,
                casei,
            } if integer(&field) => Self::Compare {
                value: narrow(value),
                field,
                op,
                casei,
            },
            Self::In {
                field,
                values,
                casei,
            } if integer(&field) => Self::In {
                values: narrow(values),
                field,
                casei,
            },
            Self::Between { field, low, high } if integer(&field) => Self::Between {
                low: narrow(low),
                high: narrow(high),
                field,
            },
            other => other,
        }
    }

    /// Every field the filter reads, once per comparison.
    #[must_use]
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                let mut out = a.fields();
                out.extend(b.fields());
                out
            }
            Self::Not(a) => a.fields(),
            Self::Compare { field, .. }
            | Self::In { field, .. }
            | Self::Like { field, .. }
            | Self::Between { field, .. }
            | Self::IsNull { field } => vec![field.as_str()],
            Self::Intersects(_) => Vec::new(),
        }
    }

    /// Whether any part of the filter is spatial (needs the feature geometry).
    #[must_use]
    pub fn is_spatial(&self) -> bool {
        match self {
            Self::And(a, b) | Self::Or(a, b) => a.is_spatial() || b.is_spatial(),
            Self::Not(a) => a.is_spatial(),
            Self::Intersects(_) => true,
            _ => false,
        }
    }
}
