//! The statistics SQL, built once per question from escaped identifiers and bound values.
//!
//! Every question ends in the same two common table expressions, `units` (code, name,
//! `area_m2` of each unit asked about) and `hits` (one row per feature and unit: `fid`,
//! `length_m`, `area_m2`, the polygon `piece` inside and its overlap `cluster` (see
//! [`covered_sql`]), the group value and the measured field),
//! and one statement answers with the rows and a totals row, so `hits` is computed once.
//! `hits` comes from the load-time overlay for divisions, and is cut on the fly for a drawn
//! area or a border zone.

use rummet_core::{
    DATA_SCHEMA, GeometryKind, covered_sql, cut_sql, escape_identifier, field_aggregate_sql,
    piece_measures,
};

use super::request::{Aggregate, Measure, Question, UnitRef};
use crate::db::registry::FieldInfo;
use crate::filter::Param;

/// A statement and its parameters.
pub struct Built {
    /// SQL returning rows `(kind, code, name, unit_m2, grp, features, length_m, area_m2,
    /// covered_m2, value)`, the rows first and one `kind = 'total'` row last.
    pub sql: String,
    /// Bound values, `$1` first.
    pub params: Vec<Param>,
}

/// `rummet_data."table"`.
#[must_use]
pub fn data_table(table: &str) -> String {
    format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(table)
    )
}

pub(super) fn push(params: &mut Vec<Param>, value: Param) -> String {
    let cast = value.sql_type();
    params.push(value);
    format!("${}::{cast}", params.len())
}

/// `units` over a division, optionally only the units whose inner point lies in one of
/// `within` (none: every unit).
pub(super) fn division_units(by: &str, within: &[UnitRef], params: &mut Vec<Param>) -> String {
    let division = push(params, Param::Text(by.to_owned()));
    let inside = if within.is_empty() {
        String::new()
    } else {
        let units = push(
            params,
            Param::Texts(
                within
                    .iter()
                    .map(|w| format!("{}:{}", w.division.id, w.code))
                    .collect(),
            ),
        );
        format!(
            " AND EXISTS (SELECT 1 FROM rummet.division_units w
                 WHERE w.division || ':' || w.code = ANY({units}) AND ST_Intersects(w.geom, u.point))"
        )
    };
    format!(
        "units AS (SELECT u.code, u.name, u.area_m2 FROM rummet.division_units u
           WHERE u.division = {division}{inside})"
    )
}

/// The group and field columns of `hits`, and the `where`.
fn feature_columns(q: &Question, params: &mut Vec<Param>) -> (String, String, String) {
    let group = q.group.as_ref().map_or_else(
        || "NULL::text".to_owned(),
        |g| format!("f.{}::text", escape_identifier(g)),
    );
    let value = match &q.measure {
        Measure::Field(_, field) => format!("f.{}::float8", escape_identifier(field)),
        _ => "NULL::float8".to_owned(),
    };
    let filter = q
        .filter
        .as_ref()
        .map_or_else(|| "true".to_owned(), |(_, f)| f.to_sql(params));
    (group, value, filter)
}

/// Per-unit rows and the totals row over `units` and `hits`.
///
/// The totals come from the per-row sums in the same pass: a feature reaching several units
/// counts once through `first` (true on one of its rows), and `min`/`max` of a feature's
/// field are the same on every row. So `hits` is read once unless a share dissolves it.
fn answer(q: &Question, ctes: &str, cover: Option<String>) -> String {
    let share = q.measure == Measure::Share;
    let covers = if let Some(cover) = cover {
        cover
    } else if share {
        covered_sql("hits", "code, grp")
    } else {
        "SELECT NULL::text AS code, NULL::text AS grp, 0::float8 AS covered_m2 WHERE false"
            .to_owned()
    };
    // Ungrouped, the rows already dissolved each unit; grouped, a unit's groups may overlap
    // each other, so the total dissolves per unit again.
    let covered_total = match (share, &q.group) {
        (false, _) => "0::float8".to_owned(),
        (true, None) => "coalesce(sum(covered_m2), 0)".to_owned(),
        (true, Some(_)) => format!(
            "(SELECT coalesce(sum(covered_m2), 0) FROM ({}) t)",
            covered_sql("hits", "code")
        ),
    };
    let (value, value_total) = match &q.measure {
        Measure::Field(agg, _) => (
            format!("{}(h.val)::float8", agg.sql()),
            match agg {
                Aggregate::Sum => "sum(val_sum)",
                Aggregate::Avg => "sum(val_sum) / nullif(sum(val_n), 0)",
                Aggregate::Min => "min(value)",
                Aggregate::Max => "max(value)",
            }
            .to_owned(),
        ),
        _ => ("NULL::float8".to_owned(), "NULL::float8".to_owned()),
    };
    // Ungrouped, every unit gets a row (zero where nothing reaches it: a choropleth needs
    // them); grouped, only the groups present.
    let join = if q.group.is_some() {
        "JOIN"
    } else {
        "LEFT JOIN"
    };
    format!(
        "WITH {ctes},
         agg AS (SELECT h.code, h.grp, count(h.fid) AS features,
                        count(h.fid) FILTER (WHERE h.first) AS firsts,
                        sum(h.length_m) AS length_m, sum(h.area_m2) AS area_m2, {value} AS value,
                        sum(h.val) FILTER (WHERE h.first)::float8 AS val_sum,
                        count(h.val) FILTER (WHERE h.first) AS val_n
                 FROM hits h GROUP BY h.code, h.grp),
         sums AS (SELECT u.code, u.name, u.area_m2 AS unit_m2, a.grp, coalesce(a.features, 0) AS features,
                         coalesce(a.firsts, 0) AS firsts, coalesce(a.length_m, 0) AS length_m,
                         coalesce(a.area_m2, 0) AS area_m2, a.value, a.val_sum, a.val_n
                  FROM units u {join} agg a ON a.code = u.code),
         covers AS ({covers}),
         rows AS (SELECT s.*, coalesce(c.covered_m2, 0) AS covered_m2
                  FROM sums s LEFT JOIN covers c ON c.code = s.code AND c.grp IS NOT DISTINCT FROM s.grp)
         SELECT 0 AS kind, code, name, unit_m2, grp, features, length_m, area_m2, covered_m2, value FROM rows
         UNION ALL
         SELECT 1, NULL, NULL, (SELECT coalesce(sum(area_m2), 0) FROM units), NULL,
                coalesce(sum(firsts), 0)::bigint, coalesce(sum(length_m), 0), coalesce(sum(area_m2), 0),
                {covered_total}, ({value_total})::float8
         FROM rows
         ORDER BY kind, code, grp"
    )
}

/// A question by division, from the load-time overlay table `overlay`.
#[must_use]
pub fn by_division(q: &Question, by: &str, within: &[UnitRef], overlay: &str) -> Built {
    let mut params = Vec::new();
    let units = division_units(by, within, &mut params);
    let (group, value, filter) = feature_columns(q, &mut params);
    // The overlay carries the features' fields, so it stands in for the feature table `f`;
    // its pieces are read only when a share dissolves them.
    let piece = if q.measure == Measure::Share {
        "f.unit_piece"
    } else {
        "NULL::geometry"
    };
    // Nationally, the load marked each feature's first unit; inside a län, the first unit
    // may lie outside it, so the rows asked about choose again.
    let first = if within.is_empty() {
        "f.unit_first"
    } else {
        "row_number() OVER (PARTITION BY f.fid ORDER BY f.unit_code) = 1"
    };
    let hits = format!(
        "hits AS (
           SELECT f.unit_code AS code, f.fid, f.unit_length_m AS length_m, f.unit_area_m2 AS area_m2,
                  f.unit_cluster AS cluster, {first} AS first, {piece} AS piece, {group} AS grp, {value} AS val
           FROM {overlay} f
           WHERE {units_only} AND {filter})",
        // Nationally every row is of a unit asked about, and without the semi-join the
        // planner can scan the overlay in parallel.
        units_only = if within.is_empty() {
            "true"
        } else {
            "f.unit_code IN (SELECT code FROM units)"
        },
        overlay = data_table(overlay),
    );
    Built {
        sql: answer(q, &format!("{units}, {hits}"), None),
        params,
    }
}

/// A national question that reads one field, `field`, to group and/or filter by, when the
/// load wrote its group rows (`rummet.overlay_groups`): the rows of each unit and value are
/// summed where the value passes the filter (the value cast back to the field's type, so the
/// filter's SQL is the same as over the features). The total counts each feature at its
/// first unit.
#[must_use]
pub fn grouped(q: &Question, by: &str, field: &FieldInfo) -> Built {
    let mut params = Vec::new();
    let units = division_units(by, &[], &mut params);
    let ds = push(&mut params, Param::Text(q.dataset.id.to_string()));
    let by_param = push(&mut params, Param::Text(by.to_owned()));
    let name = push(&mut params, Param::Text(field.name.clone()));
    let filter = q
        .filter
        .as_ref()
        .map_or_else(|| "true".to_owned(), |(_, f)| f.to_sql(&mut params));
    let (grp, join) = if q.group.is_some() {
        ("f.value", "JOIN")
    } else {
        ("NULL::text", "LEFT JOIN")
    };
    // The type comes from the registry and is one of a fixed few (checked by the caller).
    let sql = format!(
        "WITH {units},
         agg AS (SELECT f.code, {grp} AS grp, sum(f.features) AS features, sum(f.firsts) AS firsts,
                        sum(f.length_m) AS length_m, sum(f.area_m2) AS area_m2
                 FROM (SELECT g.*, g.value::{kind} AS {column} FROM rummet.overlay_groups g
                       WHERE g.dataset = {ds} AND g.division = {by_param} AND g.field = {name}) f
                 WHERE {filter} GROUP BY f.code, {grp}),
         rows AS (SELECT u.code, u.name, u.area_m2 AS unit_m2, a.grp, coalesce(a.features, 0)::bigint AS features,
                         coalesce(a.firsts, 0) AS firsts, coalesce(a.length_m, 0) AS length_m,
                         coalesce(a.area_m2, 0) AS area_m2
                  FROM units u {join} agg a ON a.code = u.code)
         SELECT 0 AS kind, code, name, unit_m2, grp, features, length_m, area_m2, 0::float8 AS covered_m2,
                NULL::float8 AS value FROM rows
         UNION ALL
         SELECT 1, NULL, NULL, (SELECT coalesce(sum(area_m2), 0) FROM units), NULL,
                coalesce(sum(firsts), 0)::bigint, coalesce(sum(length_m), 0), coalesce(sum(area_m2), 0),
                0::float8, NULL::float8
         FROM rows
         ORDER BY kind, code, grp",
        kind = field.kind.sql_type(),
        column = escape_identifier(&field.name),
    );
    Built { sql, params }
}

/// An unfiltered, ungrouped question by division: the summary written at load, one row per
/// unit. `national` is the distinct feature count of the whole overlay, used when no `within`
/// narrows it. A `sum`/`avg`/`min`/`max` comes from the summary's field aggregates, and only
/// without `within` (the total over the features inside a län is not precomputed).
#[must_use]
pub fn summary(q: &Question, by: &str, within: &[UnitRef], overlay: &str, national: i64) -> Built {
    let mut params = Vec::new();
    let units = division_units(by, within, &mut params);
    let ds = push(&mut params, Param::Text(q.dataset.id.to_string()));
    let features_total = if within.is_empty() {
        push(&mut params, Param::Int(national))
    } else {
        format!(
            "(SELECT count(DISTINCT fid) FROM {} WHERE unit_code IN (SELECT code FROM units))",
            data_table(overlay)
        )
    };
    let by_param = push(&mut params, Param::Text(by.to_owned()));
    let (value, value_total) = match &q.measure {
        Measure::Field(agg, field) => {
            let f = push(&mut params, Param::Text(field.clone()));
            (
                field_aggregate_sql("s.fields", &f, agg.sql()),
                format!(
                    "(SELECT {} FROM rummet.overlays o WHERE o.dataset = {ds} AND o.division = {by_param})",
                    field_aggregate_sql("o.fields", &f, agg.sql())
                ),
            )
        }
        // The people inside and in each unit, counted at load (`population` at load).
        Measure::Population | Measure::PopulationShare => (
            "coalesce(pc.people, 0)".to_owned(),
            "coalesce(sum(value), 0)".to_owned(),
        ),
        _ => ("NULL::float8".to_owned(), "NULL::float8".to_owned()),
    };
    let (people, people_join) = if q.measure.is_population() {
        (
            "coalesce(pu.people, 0)",
            format!(
                "LEFT JOIN rummet.population_units pu ON pu.division = {by_param} AND pu.code = u.code
                 LEFT JOIN rummet.population_cover pc
                   ON pc.dataset = {ds} AND pc.division = {by_param} AND pc.code = u.code"
            ),
        )
    } else {
        ("NULL::float8", String::new())
    };
    let sql = format!(
        "WITH {units},
         rows AS (SELECT u.code, u.name, u.area_m2 AS unit_m2, s.features, s.length_m, s.area_m2, s.covered_m2,
                         {value} AS value, {people} AS people
                  FROM units u JOIN rummet.overlay_summary s
                    ON s.dataset = {ds} AND s.division = {by_param} AND s.code = u.code
                  {people_join})
         SELECT 0 AS kind, code, name, unit_m2, NULL::text AS grp, features, length_m, area_m2, covered_m2,
                value, people FROM rows
         UNION ALL
         SELECT 1, NULL, NULL, coalesce(sum(unit_m2), 0), NULL, {features_total},
                coalesce(sum(length_m), 0), coalesce(sum(area_m2), 0), coalesce(sum(covered_m2), 0), {value_total},
                coalesce(sum(people), 0)
         FROM rows
         ORDER BY kind, code"
    );
    Built { sql, params }
}

/// A polygon asked about directly (a drawn area, one side of a border zone), in EPSG:3006.
pub struct Zone {
    /// Row code.
    pub code: String,
    /// Row name.
    pub name: String,
    /// EWKB of the polygon in SWEREF 99 TM.
    pub ewkb: Vec<u8>,
}

/// A question over `zones`, cutting the features of `features` (a table of the `geometry` family:
/// 1 points, 2 lines, 3 polygons) on the fly.
#[must_use]
pub fn in_zones(
    q: &Question,
    zones: &[Zone],
    features: &str,
    geometry: GeometryKind,
    cover: Option<&str>,
) -> Built {
    let mut params = Vec::new();
    let codes = push(
        &mut params,
        Param::Texts(zones.iter().map(|z| z.code.clone()).collect()),
    );
    let names = push(
        &mut params,
        Param::Texts(zones.iter().map(|z| z.name.clone()).collect()),
    );
    let wkbs: Vec<String> = zones
        .iter()
        .map(|z| push(&mut params, Param::Bytes(z.ewkb.clone())))
        .collect();
    let (group, value, filter) = feature_columns(q, &mut params);
    // Cut on the fly, a piece's overlaps are unknown: each zone's pieces are one cluster.
    let lateral = cut_sql(
        geometry,
        ("u.geom", "u.box"),
        &data_table(features),
        &format!("f.fid, {group} AS grp, {value} AS val"),
        &filter,
    );
    let m = piece_measures(geometry, "p.piece");
    let cover = cover.map(|division| cover_sql(q, division, &mut params));
    let sql = answer(
        q,
        &format!(
            "units AS MATERIALIZED (SELECT code, name, ST_Area(geom) AS area_m2, geom,
                              ST_Expand(ST_Envelope(ST_Transform(geom, 3857)), 1000) AS box
                       FROM (SELECT z.code, z.name, ST_GeomFromEWKB(z.wkb) AS geom
                             FROM unnest({codes}, {names}, ARRAY[{wkbs}]) AS z(code, name, wkb)) z),
             cut AS (SELECT u.code, c.fid, c.grp, c.val, c.unit_piece AS piece
                     FROM units u CROSS JOIN LATERAL {lateral} c),
             hits AS MATERIALIZED (
               SELECT code, fid, grp, val, {length} AS length_m, {area} AS area_m2,
                      0::bigint AS cluster, row_number() OVER (PARTITION BY fid ORDER BY code) = 1 AS first,
                      {piece} AS piece
               FROM cut p
               WHERE {counts})",
            wkbs = wkbs.join(", "),
            length = m.length,
            area = m.area,
            counts = m.counts,
            piece = if geometry == GeometryKind::Polygon && cover.is_none() {
                "piece"
            } else {
                "NULL::geometry"
            },
        ),
        cover,
    );
    Built { sql, params }
}

/// The `covers` of an unfiltered, ungrouped share over `units` (zones), from the cover the
/// load dissolved for the dataset's overlay by `division`: each zone's covered area is the sum
/// of its intersections with the cover's parts, which never overlap. A zone at a time, so its
/// geometry is prepared once; parts wholly inside it are not cut at all.
fn cover_sql(q: &Question, division: &str, params: &mut Vec<Param>) -> String {
    let dataset = push(params, Param::Text(q.dataset.id.to_string()));
    let division = push(params, Param::Text(division.to_owned()));
    let version = push(params, Param::Int(q.dataset.version));
    format!(
        "SELECT u.code, NULL::text AS grp, coalesce(sum(c.m2), 0) AS covered_m2
         FROM units u
         CROSS JOIN LATERAL (
           SELECT CASE WHEN ST_Covers(u.geom, c.geom) THEN ST_Area(c.geom)
                       ELSE ST_Area(ST_Intersection(u.geom, c.geom)) END AS m2
           FROM rummet.overlay_cover c
           WHERE c.geom && u.geom AND c.dataset = {dataset} AND c.division = {division}
             AND c.dataset_version = {version} AND ST_Intersects(u.geom, c.geom)
           OFFSET 0) c
         GROUP BY u.code"
    )
}
