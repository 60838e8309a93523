//! Where datasets live in PostgreSQL and how identifiers are escaped.

use crate::DatasetId;

/// Schema holding the registry, migrations and version sequence.
pub const REGISTRY_SCHEMA: &str = "rummet";
/// Schema holding one table per loaded dataset version.
pub const DATA_SCHEMA: &str = "rummet_data";

/// Quotes an identifier for PostgreSQL, doubling embedded quotes.
///
/// ```
/// assert_eq!(rummet_core::escape_identifier("a\"b"), "\"a\"\"b\"");
/// ```
#[must_use]
pub fn escape_identifier(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The unqualified table name of one version of a dataset, e.g. `kommun_v12`.
#[must_use]
pub fn version_table(id: &DatasetId, version: i64) -> String {
    format!("{id}_v{version}")
}

/// Grid a statistics dissolve snaps to, in metres: a fixed-precision union is robust against
/// the nearly coincident edges of neighbouring polygons, and a millimetre changes no area. The
/// load-time summary and a filtered share at query time must dissolve alike.
pub const DISSOLVE_GRID_M: f64 = 0.001;

/// The dimension of a registry geometry type: 3 polygons, 2 lines, 1 points.
#[must_use]
pub fn geometry_dimension(geometry_type: &str) -> i32 {
    match geometry_type {
        "MultiPolygon" => 3,
        "MultiLineString" => 2,
        _ => 1,
    }
}

/// SQL for the part of `feature` inside `unit`, both in SWEREF 99 TM, for a dataset of
/// `dimension` (1 points, 2 lines, 3 polygons): the load-time overlay and the on-the-fly cut of
/// a drawn area measure alike. A feature wholly inside (most of them) is taken whole; only
/// those crossing the unit's edge are cut. A polygon is made valid before cutting: the
/// transform to SWEREF 99 TM can nudge a valid ring into a self-touch GEOS refuses.
#[must_use]
pub fn clip_sql(dimension: i32, unit: &str, feature: &str) -> String {
    let input = if dimension == 3 {
        format!("ST_MakeValid({feature})")
    } else {
        feature.to_owned()
    };
    format!(
        "CASE WHEN {dimension} = 1 OR ST_Covers({unit}, {feature}) THEN {feature} \
         ELSE ST_CollectionExtract(ST_Intersection({unit}, {input}), {dimension}) END"
    )
}
