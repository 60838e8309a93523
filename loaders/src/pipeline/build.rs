//! Building the new version's table from the staged features, and registering it.

use std::fmt::Write as _;

use rummet_core::{DATA_SCHEMA, ZOOM_BANDS, band_column, band_tolerance_m, escape_identifier};
use serde_json::json;
use tokio_postgres::Transaction;

use crate::catalog::{CatalogEntry, GeometryKind, Role};
use crate::{LoadError, Result};

/// Web Mercator, the CRS tiles are cut in.
const TILE_SRID: i32 = 3857;
/// SWEREF 99 TM: the repaired geometry is kept in it as the authoritative one (features served
/// in EPSG:3006 and SWEREF 99 TM tiles come from it, never from a back-transform of 3857).
const SOURCE_SRID: i32 = 3006;
/// Web Mercator metres per screen pixel at zoom 0 with 512-pixel tiles, as MapLibre draws
/// them: the equator's length over 512.
pub(super) const METRES_PER_PIXEL_Z0: f64 = rummet_core::WEB_MERCATOR_WORLD_M / 512.0;
/// Smallest size a thematic feature is drawn at: 2 px² for an area, 2 px for a line. Below
/// it a feature is a speck nobody can see or click, and only bloats low-zoom tiles.
const MIN_PIXELS: f64 = 2.0;

/// SQL for the lowest zoom a feature of `g3857` is served at: where it is first at least
/// [`MIN_PIXELS`] on screen, or earlier where the catalog's `zoom_by` rule says so (`$5`,
/// value → zoom, e.g. trunk roads from zoom 5 however short their links), within the
/// dataset's zoom range (`$3`, `$4`). Divisions are never thinned: a dropped kommun would be
/// a hole in the map.
fn minzoom_expr(entry: &CatalogEntry) -> String {
    // `$5` appears in every variant, so each statement takes the same five parameters. Its
    // lookup is NULL without a rule or for an unlisted value, and LEAST ignores NULLs.
    let no_rule = "($5::jsonb ->> '')::int";
    let by_rule = entry.zoom_by.as_ref().map_or_else(
        || no_rule.to_owned(),
        |rule| {
            format!(
                "($5::jsonb ->> ({})::text)::int",
                escape_identifier(&rule.column)
            )
        },
    );
    let by_size = match (entry.role, entry.geometry) {
        (Role::Division, _) => return format!("least($3::int, $4::int, {no_rule})::smallint"),
        (_, GeometryKind::Point) => "$3::int".to_owned(),
        (_, GeometryKind::Polygon) => format!(
            "ceil(ln({METRES_PER_PIXEL_Z0} * sqrt({MIN_PIXELS} / greatest(ST_Area(g3857), 1e-6))) / ln(2.0))"
        ),
        (_, GeometryKind::Line) => format!(
            "ceil(ln({METRES_PER_PIXEL_Z0} * {MIN_PIXELS} / greatest(ST_Length(g3857), 1e-6)) / ln(2.0))"
        ),
    };
    format!("greatest($3::int, least($4::int, {by_size}, {by_rule}))::smallint")
}

/// The zoom bands (by their highest zoom, [`ZOOM_BANDS`]) a dataset stores generalised
/// geometry for: those overlapping its zoom range, for lines and polygons. Points have
/// nothing to simplify.
pub(super) fn zoom_bands(entry: &CatalogEntry) -> Vec<u8> {
    if entry.geometry == GeometryKind::Point {
        return Vec::new();
    }
    let mut low = 0;
    let mut bands = Vec::new();
    for band in ZOOM_BANDS {
        if low <= entry.maxzoom && band >= entry.minzoom {
            bands.push(band);
        }
        low = band + 1;
    }
    bands
}

/// SQL of `b.geom` generalised for the band ending at `band`: simplified to one tile unit
/// at that zoom by [`BAND_FUNCTION`], keeping polygons valid and lines from collapsing
/// (thinning, not simplification, decides what is too small to draw).
fn generalised(entry: &CatalogEntry, band: u8) -> String {
    format!(
        "pg_temp.rummet_band(b.geom, {}, {})",
        band_tolerance_m(band),
        entry.geometry == GeometryKind::Polygon
    )
}

/// A geometry simplified to a tolerance, or NULL when that removes nothing, so unchanged
/// geometry is not stored twice. A function, not an expression, so the simplification is
/// computed once per band and by PostgreSQL's parallel workers: as a subquery it ran in the
/// leader alone (11.6 s of a 200,000-polygon load on one core).
const BAND_FUNCTION: &str =
    "CREATE OR REPLACE FUNCTION pg_temp.rummet_band(g geometry, tolerance float8, polygon boolean)
    RETURNS geometry LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE x geometry := CASE WHEN polygon THEN ST_SimplifyPreserveTopology(g, tolerance)
                               ELSE ST_Simplify(g, tolerance, true) END;
    BEGIN
        IF ST_NPoints(x) < ST_NPoints(g) THEN RETURN ST_Multi(x); END IF;
        RETURN NULL;
    END $$";

/// The measure column of a version table of `geometry`, in SWEREF 99 TM so it is metric and
/// true: its definition, its name and its SQL over the repaired geometry in SWEREF 99 TM
/// `g3006`, each with a
/// leading comma (empty for points).
fn measure_columns(geometry: GeometryKind) -> (&'static str, &'static str, &'static str) {
    match geometry {
        GeometryKind::Polygon => (
            ", area_m2 double precision",
            ", area_m2",
            ", ST_Area(g3006)",
        ),
        GeometryKind::Line => (
            ", length_m double precision",
            ", length_m",
            ", ST_Length(g3006)",
        ),
        GeometryKind::Point => ("", "", ""),
    }
}

/// Creates the version table: repaired geometry in 3857 for tiles, generalised per zoom
/// band, the measure computed in SWEREF 99 TM (EPSG:3006) so areas and lengths are metric and
/// true, a primary key on the stable feature id and a spatial index. The rows are in no
/// particular order (parallel workers write them); tiles and pages order by fid themselves.
/// Returns the rows inserted.
pub(super) async fn build_version(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    table: &str,
    srid: i32,
    part: Option<&super::parts::Slot>,
) -> Result<u64> {
    let qualified = format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(table)
    );
    let columns: Vec<String> = entry
        .fields
        .iter()
        .map(|f| escape_identifier(&f.column))
        .collect();
    let defs: Vec<String> = entry
        .fields
        .iter()
        .map(|f| format!("{} {}", escape_identifier(&f.column), f.kind.sql_type()))
        .collect();
    let (measure_def, measure_col, measure_expr) = measure_columns(entry.geometry);
    let cols = columns.join(", ");
    let scols = columns
        .iter()
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let bands = zoom_bands(entry);
    let kind = entry.geometry.postgis_type();
    let (band_cols, band_exprs) = bands.iter().fold(
        (String::new(), String::new()),
        |(mut cols, mut exprs), &band| {
            let column = band_column(band);
            let _ = write!(cols, ", {column}");
            let _ = write!(
                exprs,
                ", {}::geometry({kind}, {TILE_SRID}) AS {column}",
                generalised(entry, band)
            );
            (cols, exprs)
        },
    );
    // The build and thinning tables are ordinary (unlogged) tables, not temporary ones, so
    // PostgreSQL's parallel workers can read them while they write the version; created in
    // the load's transaction, they vanish with it if it fails.
    let scratch = |suffix: &str| {
        format!(
            "{}.{}",
            escape_identifier(DATA_SCHEMA),
            escape_identifier(&format!("{table}_{suffix}"))
        )
    };
    let (build, thin) = (scratch("build"), scratch("thin"));
    let minzoom = minzoom_expr(entry);
    // Built into a table of its own first and written to the version table once, with its
    // final minzoom: thinning by an UPDATE of the version table would leave it twice its size
    // in dead rows, and its indexes (built after, in this transaction) unusable until commit
    // (broken HOT chains), so every overlay in the load would scan it whole.
    tx.batch_execute(&format!(
        "CREATE UNLOGGED TABLE {build} (fid bigint NOT NULL, {defs}, geom geometry NOT NULL, \
         geom_3006 geometry NOT NULL, minzoom smallint NOT NULL{measure_def}); {BAND_FUNCTION}",
        defs = defs.join(", "),
    ))
    .await
    .map_err(LoadError::db("creating the build table"))?;
    let fill = format!(
        "INSERT INTO {build} (fid, {cols}, geom, geom_3006, minzoom{measure_col}) \
         SELECT fid, {cols}, g3857, g3006, {minzoom}{measure_expr} FROM ( \
         SELECT fid, {cols}, ST_Transform(g, {TILE_SRID}) AS g3857, \
                ST_Transform(g, {SOURCE_SRID}) AS g3006 FROM ( \
           SELECT fid, {cols}, ST_Multi(ST_CollectionExtract( \
             CASE WHEN bad THEN ST_MakeValid(g0) ELSE g0 END, $2)) AS g \
           FROM (SELECT s.fid, {scols}, ST_Force2D(ST_GeomFromWKB(s.wkb, $1)) AS g0, i.fid IS NOT NULL AS bad \
                 FROM pg_temp.rummet_staging s LEFT JOIN pg_temp.rummet_invalid i ON i.fid = s.fid \
                 WHERE s.wkb IS NOT NULL) r) v \
         WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)) w"
    );
    let rows = tx
        .execute(
            &fill,
            &[
                &srid,
                &entry.geometry.collection_type(),
                &i32::from(entry.minzoom),
                &i32::from(entry.maxzoom),
                &entry
                    .zoom_by
                    .as_ref()
                    .map(|r| serde_json::to_value(&r.zooms).unwrap_or_default()),
            ],
        )
        .await
        .map_err(LoadError::db("transforming and repairing geometries"))?;
    let thinned = super::thin::by_density(tx, (&build, &thin), entry).await?;
    write_version(
        tx,
        (&qualified, kind),
        (&build, thinned.then_some(thin.as_str())),
        &columns,
        measure_col,
        &band_exprs,
    )
    .await?;
    let all = format!("fid, {cols}, geom, geom_3006, minzoom{measure_col}{band_cols}");
    finish_version(tx, &qualified, &all, part).await?;
    Ok(rows)
}

/// Carries the serving version's other parts into the new version table `qualified` (with
/// its columns `all`) when the load is of one `part`, then indexes it.
async fn finish_version(
    tx: &Transaction<'_>,
    qualified: &str,
    all: &str,
    part: Option<&super::parts::Slot>,
) -> Result<()> {
    if let Some(slot) = part {
        let carried = super::parts::carry_other_parts(tx, qualified, all, slot).await?;
        tracing::debug!(qualified, carried, "other parts carried");
    }
    let index = format!(
        "ALTER TABLE {qualified} ADD PRIMARY KEY (fid); \
         CREATE INDEX ON {qualified} USING gist (geom); \
         ANALYZE {qualified};"
    );
    tx.batch_execute(&index)
        .await
        .map_err(LoadError::db("indexing the version table"))?;
    Ok(())
}

/// Creates the version table `qualified` of geometry `kind` from `build`, with the thinned
/// minzoom from `thin` where thinning ran and the generalised band columns (`band_exprs`),
/// and drops the scratch tables. One `CREATE TABLE … AS` on every core: PostgreSQL runs a
/// parallel plan for it, where an `INSERT … SELECT` would run in one process.
async fn write_version(
    tx: &Transaction<'_>,
    (qualified, kind): (&str, &str),
    (build, thin): (&str, Option<&str>),
    columns: &[String],
    measure_col: &str,
    band_exprs: &str,
) -> Result<()> {
    let (thin_join, final_minzoom) = match thin {
        Some(thin) => (
            format!(" LEFT JOIN {thin} t ON t.fid = b.fid"),
            "coalesce(t.minzoom, b.minzoom)",
        ),
        None => (String::new(), "b.minzoom"),
    };
    let measure_select = if measure_col.is_empty() {
        String::new()
    } else {
        format!(", b.{}", measure_col.trim_start_matches(", "))
    };
    let bcols = columns
        .iter()
        .map(|c| format!("b.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    tx.batch_execute(&format!(
        "SET LOCAL max_parallel_workers_per_gather = 2; SET LOCAL parallel_setup_cost = 0; \
         SET LOCAL parallel_tuple_cost = 0; SET LOCAL min_parallel_table_scan_size = 0; \
         CREATE TABLE {qualified} AS \
           SELECT b.fid, {bcols}, b.geom::geometry({kind}, {TILE_SRID}) AS geom, \
                  b.geom_3006::geometry({kind}, {SOURCE_SRID}) AS geom_3006, \
                  ({final_minzoom})::smallint AS minzoom{measure_select}{band_exprs} \
           FROM {build} b{thin_join}; \
         RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; \
         RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; \
         ALTER TABLE {qualified} ALTER COLUMN fid SET NOT NULL, ALTER COLUMN geom SET NOT NULL, \
           ALTER COLUMN geom_3006 SET NOT NULL, ALTER COLUMN minzoom SET NOT NULL; \
         DROP TABLE {build};{drop_thin}",
        drop_thin = thin
            .map(|t| format!(" DROP TABLE {t};"))
            .unwrap_or_default(),
    ))
    .await
    .map_err(LoadError::db("writing the version table"))?;
    Ok(())
}

/// Provenance of one version, written to the registry.
pub(super) struct Registration<'a> {
    pub source: &'a str,
    pub sha256: &'a str,
    pub version: i64,
    pub table: &'a str,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_repaired: u64,
    pub rows_filtered: u64,
    pub rows_flattened: u64,
    pub dropped_dimensions: Option<&'static str>,
    pub warnings: &'a [String],
    pub bounds: [f64; 4],
}

/// The extent of the version table `table` in WGS 84 (west, south, east, north): the box of
/// its Web Mercator geometry, whose corners map to longitude and latitude exactly, since
/// Web Mercator's x depends on longitude alone and y on latitude alone.
pub(super) async fn extent(tx: &Transaction<'_>, table: &str) -> Result<[f64; 4]> {
    let sql = format!(
        "SELECT ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)] \
         FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, {TILE_SRID}), 4326) AS b \
               FROM {}.{}) e",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(table)
    );
    let row = tx
        .query_one(&sql, &[])
        .await
        .map_err(LoadError::db("measuring the extent"))?;
    let corners: Option<Vec<f64>> = row.get(0);
    Ok(corners
        .and_then(|c| <[f64; 4]>::try_from(c).ok())
        .unwrap_or([0.0; 4]))
}

/// Writes the registry row that makes `reg` the serving version; returns the table it replaces.
pub(super) async fn register(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    reg: &Registration<'_>,
) -> Result<Option<String>> {
    let mut fields: Vec<_> = entry
        .fields
        .iter()
        .map(|f| json!({"name": f.column, "type": f.kind.sql_type(), "description": f.description}))
        .collect();
    match entry.geometry {
        GeometryKind::Polygon => fields.push(json!({"name": "area_m2", "type": "double precision",
            "description": "Area in m², computed in SWEREF 99 TM at load"})),
        GeometryKind::Line => fields.push(json!({"name": "length_m", "type": "double precision",
            "description": "Length in m, computed in SWEREF 99 TM at load"})),
        GeometryKind::Point => {}
    }
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let catalog = serde_json::to_value(entry).unwrap_or_default();
    let format = serde_json::to_value(entry.source.format).unwrap_or_default();
    let row = tx
        .query_one(
            include_str!("register.sql"),
            &[
                &entry.id.as_str(),
                &entry.title,
                &entry.title_en,
                &entry.agency,
                &entry.description,
                &entry.licence,
                &entry.attribution,
                &entry.role,
                &entry.geometry,
                &reg.source,
                &format.as_str().unwrap_or_default(),
                &reg.sha256,
                &reg.version,
                &reg.table,
                &count(reg.rows_read),
                &count(reg.rows_loaded),
                &count(reg.rows_repaired),
                &count(
                    reg.rows_read
                        .saturating_sub(reg.rows_loaded + reg.rows_filtered),
                ),
                &reg.bounds.to_vec(),
                &i16::from(entry.minzoom),
                &i16::from(entry.maxzoom),
                &serde_json::Value::Array(fields),
                &catalog,
                &count(reg.rows_filtered),
                &zoom_bands(entry)
                    .into_iter()
                    .map(i16::from)
                    .collect::<Vec<_>>(),
                &reg.warnings,
                &count(reg.rows_flattened),
                &reg.dropped_dimensions,
            ],
        )
        .await
        .map_err(LoadError::db("registering the new version"))?;
    Ok(row.get("replaced"))
}
