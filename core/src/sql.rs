//! Where datasets live in PostgreSQL and how identifiers are escaped.

use std::fmt::Write as _;

use crate::{DatasetId, GeometryKind};

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

/// The unqualified table name of one version of a dataset, e.g. `kommun_v12`, or
/// `region_jonkoping__strukturbild_v31` for an uploaded one. Versions are unique across all
/// datasets, so the name part is only for people reading `\dt`; it is cut to keep the name
/// within PostgreSQL's 63 bytes.
#[must_use]
pub fn version_table(id: &DatasetId, version: i64) -> String {
    let readable: String = id
        .as_str()
        .replace('.', "__")
        .replace('-', "_")
        .chars()
        .take(40)
        .collect();
    format!("{readable}_v{version}")
}

/// SQL of the area covered, overlaps dissolved, per `keys` (comma-separated columns) of
/// `pieces`, a relation with those keys and `cluster`, `area_m2` and `piece`: answers
/// `(keys…, covered_m2)`. A cluster is a set of pieces of one unit whose overlaps connect
/// them; a piece no other overlaps is a cluster of its own. Clusters never overlap each other,
/// so each is dissolved on its own (`rummet.dissolved_area`) and a cluster of one piece (also
/// one whose partners a filter removed) needs no dissolve at all. The load-time summary and a
/// filtered share at query time must dissolve alike, so both take it from here.
#[must_use]
pub fn covered_sql(pieces: &str, keys: &str) -> String {
    format!(
        "SELECT {keys}, sum(c) AS covered_m2 FROM ( \
           SELECT {keys}, CASE WHEN count(*) = 1 THEN sum(area_m2) \
                               ELSE rummet.dissolved_area(array_agg(piece)) END AS c \
           FROM {pieces} GROUP BY {keys}, cluster) clusters \
         GROUP BY {keys}"
    )
}

/// SQL aggregating each numeric field of `fields` over the rows of a group, as one JSON object
/// `{"<field>": {"n": …, "sum": …, "min": …, "max": …}}` (`n` counts non-null values; `sum`,
/// `min`, `max` are null when `n` is 0, as SQL's are). The load writes it per unit and for the
/// whole dataset; an unfiltered `sum`/`avg`/`min`/`max` question reads it back
/// ([`field_aggregate_sql`]).
#[must_use]
pub fn field_aggregates_sql(fields: &[String], alias: &str) -> String {
    fields.iter().fold("'{}'::jsonb".to_owned(), |mut out, f| {
        let column = format!("{alias}.{}", escape_identifier(f));
        let _ = write!(
            out,
            " || jsonb_build_object({key}, jsonb_build_object('n', count({column}), \
               'sum', sum({column})::float8, 'min', min({column})::float8, 'max', max({column})::float8))",
            key = escape_literal(f),
        );
        out
    })
}

/// SQL reading one aggregate (`sum`, `avg`, `min` or `max`) of `field` back from a JSON
/// object written by [`field_aggregates_sql`]; `field` is a SQL expression (a bound text).
#[must_use]
pub fn field_aggregate_sql(json: &str, field: &str, aggregate: &str) -> String {
    if aggregate == "avg" {
        format!("(({json}->{field}->>'sum')::float8 / nullif(({json}->{field}->>'n')::float8, 0))")
    } else {
        format!("({json}->{field}->>{})::float8", escape_literal(aggregate))
    }
}

/// A SQL string literal.
#[must_use]
pub fn escape_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The measures of an overlay piece of a `geometry` family, as SQL
/// over the piece expression: its length and area in metres, and whether it counts at all (a
/// line along a unit's border, or a polygon touching it, has nothing inside).
pub struct PieceMeasures {
    /// Length inside, m (0 unless lines).
    pub length: String,
    /// Area inside, m² (0 unless polygons).
    pub area: String,
    /// The condition a piece must meet to count.
    pub counts: String,
}

/// [`PieceMeasures`] of `piece`, shared by the load-time overlay and the on-the-fly cut.
#[must_use]
pub fn piece_measures(geometry: GeometryKind, piece: &str) -> PieceMeasures {
    let zero = "0::float8".to_owned();
    match geometry {
        GeometryKind::Polygon => PieceMeasures {
            length: zero,
            area: format!("ST_Area({piece})"),
            counts: format!("ST_Area({piece}) > 0"),
        },
        GeometryKind::Line => PieceMeasures {
            length: format!("ST_Length({piece})"),
            area: zero,
            counts: format!("ST_Length({piece}) > 0"),
        },
        GeometryKind::Point => PieceMeasures {
            length: zero.clone(),
            area: zero,
            counts: "true".to_owned(),
        },
    }
}

/// SQL for the part of `feature` inside `unit`, both in SWEREF 99 TM, for a dataset of the
/// `geometry` family: the load-time overlay and the on-the-fly cut of
/// a drawn area measure alike. A feature wholly inside (most of them) is taken whole; only
/// those crossing the unit's edge are cut. A polygon is made valid before cutting: the
/// transform to SWEREF 99 TM can nudge a valid ring into a self-touch GEOS refuses.
fn clip_sql(geometry: GeometryKind, unit: &str, feature: &str) -> String {
    let dimension = geometry.collection_type();
    let input = if geometry == GeometryKind::Polygon {
        format!("ST_MakeValid({feature})")
    } else {
        feature.to_owned()
    };
    format!(
        "CASE WHEN {dimension} = 1 OR ST_Covers({unit}, {feature}) THEN {feature} \
         ELSE ST_CollectionExtract(ST_Intersection({unit}, {input}), {dimension}) END"
    )
}

/// A lateral subquery cutting the features of `source` (escaped, aliased `f`, geometry in
/// EPSG:3857) by one unit (`unit_geom` in SWEREF 99 TM, `unit_box` its 3857 search box): the
/// columns of `select` (over `f`) for each feature that passes `filter` and meets the unit,
/// plus `unit_piece`, its part inside ([`clip_sql`]). The load-time overlay and the
/// on-the-fly cut of a drawn area or border zone share it.
///
/// The shape is fixed on purpose: a unit at a time (the subqueries, kept apart by OFFSET 0,
/// cannot be flattened), so PostGIS prepares the unit's geometry once for all its features
/// and each feature is transformed and cut once. Left free, the planner may scan the features
/// and look each one's unit up (as it did inside a load transaction): the unit geometry then
/// changes every row, nothing is prepared, and a million lines took 45 s per division
/// instead of 5.
#[must_use]
pub fn cut_sql(
    geometry: GeometryKind,
    (unit_geom, unit_box): (&str, &str),
    source: &str,
    select: &str,
    filter: &str,
) -> String {
    let clip = clip_sql(geometry, unit_geom, "s.unit_g");
    format!(
        "(SELECT s.*, {clip} AS unit_piece
          FROM (SELECT {select}, f.geom_3006 AS unit_g
                FROM {source} f WHERE f.geom && {unit_box} AND {filter} OFFSET 0) s
          WHERE ST_Intersects({unit_geom}, s.unit_g)
          OFFSET 0)"
    )
}
