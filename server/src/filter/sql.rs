//! A filter as SQL over the feature table aliased `f`: every value a bound parameter, every
//! field escaped (and already checked against the registry by the parser).

use rummet_core::escape_identifier;

use super::{Filter, Param, SpatialLiteral};

/// Where a spatial filter's geometry lives and what CRS its literals are written in.
#[derive(Debug, Clone)]
pub struct SpatialContext {
    /// SQL of the feature geometry compared against, e.g. `f.geom`.
    pub column: String,
    /// SRID of that column.
    pub column_srid: i32,
    /// SRID the literals are written in (the request's `filter-crs`).
    pub literal_srid: i32,
    /// The literals' first axis is the SRID's second (latitude or northing first, as
    /// EPSG:4326 and EPSG:3006 order them), so they are flipped before use.
    pub flip: bool,
    /// Longest segment of a literal before it is transformed, in its own units, so a
    /// straight edge in the filter CRS stays close to straight in the column's.
    pub segment: f64,
}

impl Default for SpatialContext {
    /// The version table's Web Mercator geometry, literals in CRS84 (longitude, latitude).
    fn default() -> Self {
        Self {
            column: "f.geom".into(),
            column_srid: 3857,
            literal_srid: 4326,
            flip: false,
            segment: 0.01,
        }
    }
}

impl Filter {
    /// SQL over the feature table aliased `f`, pushing each value onto `params`; spatial
    /// parts compare with the default [`SpatialContext`].
    pub fn to_sql(&self, params: &mut Vec<Param>) -> String {
        self.to_sql_in(params, &SpatialContext::default())
    }

    /// SQL over the feature table aliased `f`, pushing each value onto `params`; spatial parts
    /// compare `spatial.column` with the literal in `spatial`'s CRS.
    pub fn to_sql_in(&self, params: &mut Vec<Param>, spatial: &SpatialContext) -> String {
        match self {
            Self::And(a, b) => format!(
                "({} AND {})",
                a.to_sql_in(params, spatial),
                b.to_sql_in(params, spatial)
            ),
            Self::Or(a, b) => format!(
                "({} OR {})",
                a.to_sql_in(params, spatial),
                b.to_sql_in(params, spatial)
            ),
            // A comparison with NULL is unknown, and NOT unknown is unknown: a feature whose
            // field is NULL matches neither `x = 1` nor `NOT x = 1`, as CQL2 says.
            Self::Not(a) => format!("(NOT {})", a.to_sql_in(params, spatial)),
            Self::Compare {
                field,
                op,
                value,
                casei,
            } => {
                let column = column(field);
                let placeholder = bind(params, value.clone());
                if *casei {
                    format!("lower({column}) {op} lower({placeholder})")
                } else {
                    format!("{column} {op} {placeholder}")
                }
            }
            Self::In {
                field,
                values,
                casei,
            } => {
                let column = column(field);
                let placeholder = bind(params, values.clone());
                if *casei {
                    format!(
                        "lower({column}) = ANY(ARRAY(SELECT lower(v) FROM unnest({placeholder}) v))"
                    )
                } else {
                    format!("{column} = ANY({placeholder})")
                }
            }
            Self::Like {
                field,
                pattern,
                casei,
            } => {
                let column = column(field);
                let placeholder = bind(params, Param::Text(pattern.clone()));
                let op = if *casei { "ILIKE" } else { "LIKE" };
                format!("{column} {op} {placeholder} ESCAPE '\\'")
            }
            Self::Between { field, low, high } => {
                let column = column(field);
                let low = bind(params, low.clone());
                let high = bind(params, high.clone());
                format!("{column} BETWEEN {low} AND {high}")
            }
            Self::IsNull { field } => format!("{} IS NULL", column(field)),
            Self::Intersects(literal) => {
                let geometry = literal_sql(literal, params, spatial);
                format!("ST_Intersects({}, {geometry})", spatial.column)
            }
        }
    }
}

fn column(field: &str) -> String {
    format!("f.{}", escape_identifier(field))
}

/// Pushes `value` and returns its placeholder, cast so PostgreSQL never has to guess.
fn bind(params: &mut Vec<Param>, value: Param) -> String {
    let kind = value.sql_type();
    params.push(value);
    format!("${}::{kind}", params.len())
}

/// The literal as a geometry in the column's CRS: read in the filter CRS, axes put in
/// PostGIS's x/y order, densified, transformed.
fn literal_sql(
    literal: &SpatialLiteral,
    params: &mut Vec<Param>,
    spatial: &SpatialContext,
) -> String {
    let srid = spatial.literal_srid;
    let raw = match literal {
        SpatialLiteral::Wkt(wkt) => {
            let p = bind(params, Param::Text(wkt.clone()));
            format!("ST_GeomFromText({p}, {srid})")
        }
        SpatialLiteral::Bbox([a, b, c, d]) => {
            let [a, b, c, d] = [*a, *b, *c, *d].map(|v| bind(params, Param::Number(v)));
            format!("ST_MakeEnvelope({a}, {b}, {c}, {d}, {srid})")
        }
    };
    let ordered = if spatial.flip {
        format!("ST_FlipCoordinates({raw})")
    } else {
        raw
    };
    if srid == spatial.column_srid {
        ordered
    } else {
        format!(
            "ST_Transform(ST_Segmentize({ordered}, {segment}), {target})",
            segment = spatial.segment,
            target = spatial.column_srid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(field: &str, op: &'static str, value: Param, casei: bool) -> Filter {
        Filter::Compare {
            field: field.into(),
            op,
            value,
            casei,
        }
    }

    #[test]
    fn every_value_is_a_cast_placeholder() {
        let f = Filter::And(
            Box::new(compare("namn", "=", Param::Text("Ån".into()), true)),
            Box::new(Filter::Between {
                field: "area_ha".into(),
                low: Param::Number(1.0),
                high: Param::Number(10.0),
            }),
        );
        let mut params = Vec::new();
        assert_eq!(
            f.to_sql(&mut params),
            "(lower(f.\"namn\") = lower($1::text) AND f.\"area_ha\" BETWEEN $2::float8 AND $3::float8)"
        );
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn a_literal_in_latitude_longitude_order_is_flipped_then_transformed() {
        let f = Filter::Intersects(SpatialLiteral::Bbox([59.0, 17.0, 60.0, 18.0]));
        let spatial = SpatialContext {
            flip: true,
            ..SpatialContext::default()
        };
        let mut params = Vec::new();
        let sql = f.to_sql_in(&mut params, &spatial);
        assert_eq!(
            sql,
            "ST_Intersects(f.geom, ST_Transform(ST_Segmentize(ST_FlipCoordinates(\
             ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326)), 0.01), 3857))"
        );
        assert_eq!(params[0], Param::Number(59.0));
    }

    #[test]
    fn like_escapes_with_a_backslash_and_not_keeps_nulls_out() {
        let f = Filter::Not(Box::new(Filter::Like {
            field: "namn".into(),
            pattern: "Sj%".into(),
            casei: false,
        }));
        let mut params = Vec::new();
        assert_eq!(
            f.to_sql(&mut params),
            "(NOT f.\"namn\" LIKE $1::text ESCAPE '\\')"
        );
    }
}
