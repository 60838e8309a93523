//! What a catalog entry declares and the registry records about a dataset: its role, its
//! geometry family and its fields' types, as types the loaders write and the server reads,
//! so neither side re-classifies strings (with lists that drift apart). In the registry they
//! are text columns and JSON; [`postgres_types`] and serde read and write them.

use std::error::Error;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use serde::{Deserialize, Serialize};

/// Thematic data, or a division statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Data shown and measured.
    Thematic,
    /// Areas statistics are grouped by (kommun, län, ...).
    Division,
    /// A grid whose features carry a head count (SCB's population per ruta): what
    /// population-weighted statistics and accessibility count.
    Population,
}

impl Role {
    /// The name in the catalog and the registry.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thematic => "thematic",
            Self::Division => "division",
            Self::Population => "population",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Thematic, Self::Division, Self::Population]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Geometry family; stored as the multi type so one table holds single and multi parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GeometryKind {
    /// Points, stored as `MultiPoint`.
    Point,
    /// Lines, stored as `MultiLineString`.
    Line,
    /// Polygons, stored as `MultiPolygon`.
    Polygon,
}

impl GeometryKind {
    /// The PostGIS type of the stored column, as the registry records it.
    #[must_use]
    pub fn postgis_type(self) -> &'static str {
        match self {
            Self::Point => "MultiPoint",
            Self::Line => "MultiLineString",
            Self::Polygon => "MultiPolygon",
        }
    }

    /// The `ST_CollectionExtract` type number of this family (1 points, 2 lines, 3 polygons).
    #[must_use]
    pub fn collection_type(self) -> i32 {
        match self {
            Self::Point => 1,
            Self::Line => 2,
            Self::Polygon => 3,
        }
    }

    /// The topological dimension: 0 points, 1 lines, 2 polygons.
    #[must_use]
    pub fn dimension(self) -> u8 {
        match self {
            Self::Point => 0,
            Self::Line => 1,
            Self::Polygon => 2,
        }
    }

    /// Serialises as [`GeometryKind::postgis_type`], the form the registry and the published
    /// catalog use (`"geometry_type": "MultiPolygon"`).
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize_postgis<S: serde::Serializer>(kind: &Self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.postgis_type())
    }

    /// The family of a PostGIS or GeoJSON geometry type, single or multi.
    #[must_use]
    pub fn of_type(name: &str) -> Option<Self> {
        match name.trim_start_matches("Multi") {
            "Point" => Some(Self::Point),
            "LineString" => Some(Self::Line),
            "Polygon" => Some(Self::Polygon),
            _ => None,
        }
    }
}

/// Column types a field can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// `text`.
    Text,
    /// `bigint` (the registry's older rows also say `integer`).
    #[serde(alias = "bigint", alias = "smallint")]
    Integer,
    /// `double precision`.
    #[serde(alias = "double precision", alias = "numeric", alias = "real")]
    Double,
    /// `boolean`.
    Boolean,
}

impl FieldType {
    /// The PostgreSQL column type.
    #[must_use]
    pub fn sql_type(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "bigint",
            Self::Double => "double precision",
            Self::Boolean => "boolean",
        }
    }

    /// The PostgreSQL type a text parameter is cast to when compared with such a column.
    #[must_use]
    pub fn pg_cast(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "int8",
            Self::Double => "float8",
            Self::Boolean => "boolean",
        }
    }

    /// Whether values are numbers (summed, averaged, compared as numbers).
    #[must_use]
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Double)
    }

    /// Serialises as [`FieldType::sql_type`], the form the registry's field lists and the
    /// published catalog have always used (`"type": "bigint"`).
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize_sql<S: serde::Serializer>(kind: &Self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.sql_type())
    }
}

/// A registry text column holding `T` by name.
macro_rules! text_column {
    ($t:ty, $name:expr, $parse:expr) => {
        impl ToSql for $t {
            fn to_sql(
                &self,
                ty: &Type,
                out: &mut BytesMut,
            ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
                $name(*self).to_sql(ty, out)
            }

            fn accepts(ty: &Type) -> bool {
                <&str as ToSql>::accepts(ty)
            }

            to_sql_checked!();
        }

        impl<'a> FromSql<'a> for $t {
            fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
                let text = <&str as FromSql>::from_sql(ty, raw)?;
                $parse(text)
                    .ok_or_else(|| format!(concat!("{:?} is not a ", stringify!($t)), text).into())
            }

            fn accepts(ty: &Type) -> bool {
                <&str as FromSql>::accepts(ty)
            }
        }
    };
}

text_column!(Role, Role::as_str, Role::parse);
text_column!(
    GeometryKind,
    GeometryKind::postgis_type,
    GeometryKind::of_type
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_read_back_as_the_kinds_that_wrote_them() {
        for g in [
            GeometryKind::Point,
            GeometryKind::Line,
            GeometryKind::Polygon,
        ] {
            assert_eq!(GeometryKind::of_type(g.postgis_type()), Some(g));
        }
        assert_eq!(
            GeometryKind::of_type("Polygon"),
            Some(GeometryKind::Polygon)
        );
        assert_eq!(GeometryKind::of_type("GeometryCollection"), None);
        for r in [Role::Thematic, Role::Division, Role::Population] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for (json, kind) in [
            ("\"bigint\"", FieldType::Integer),
            ("\"integer\"", FieldType::Integer),
            ("\"double precision\"", FieldType::Double),
            ("\"double\"", FieldType::Double),
            ("\"text\"", FieldType::Text),
            ("\"boolean\"", FieldType::Boolean),
        ] {
            assert_eq!(
                serde_json::from_str::<FieldType>(json).ok(),
                Some(kind),
                "{json}"
            );
        }
    }
}
