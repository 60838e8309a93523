//! The statistics overlay, computed at load: every dataset against every division (kommun,
//! län, FA-region, any dataset whose role is `division`), per feature and unit, in
//! SWEREF 99 TM (EPSG:3006): the length and area inside the unit and, for polygons, the piece
//! inside, from which shares dissolve overlapping features. It runs inside the load
//! transaction, after the new version is registered, so the overlay always matches both
//! serving versions and a failed load leaves the old overlay in place.

use std::time::{Duration, Instant};

use rummet_core::{
    DATA_SCHEMA, GeometryKind, cut_sql, escape_identifier, field_aggregates_sql, piece_measures,
};
use serde::Serialize;
use tokio_postgres::Transaction;

use crate::{LoadError, Result};

/// Margin around a unit's Web Mercator box when looking for candidate features: straight
/// edges in SWEREF 99 TM bend slightly in Web Mercator.
const BOX_MARGIN_M: f64 = 1000.0;

/// One overlay computed by a load.
#[derive(Debug, Clone, Serialize)]
pub struct OverlayReport {
    /// The dataset measured.
    pub dataset: String,
    /// The division it was measured by.
    pub division: String,
    /// Rows: one per feature and unit it reaches.
    pub pieces: u64,
    /// Wall time (in seconds, as JSON).
    #[serde(serialize_with = "super::seconds")]
    pub elapsed: Duration,
    /// The overlay table this one replaced, dropped after the load commits: dropped inside
    /// the load's transaction, its lock would stall every reader until the commit.
    #[serde(skip)]
    pub replaced: Option<String>,
}

/// A serving dataset, as the registry holds it inside the load transaction.
struct Serving {
    id: String,
    version: i64,
    table: String,
    geometry: GeometryKind,
    /// Code and name columns, for a division.
    division: Option<(String, String)>,
    /// The catalog fields, copied into the overlay.
    fields: Vec<String>,
    /// The numeric ones, aggregated per unit in the summary.
    numeric: Vec<String>,
    /// Whether it is a population grid.
    population: bool,
}

/// Recomputes every overlay the load of `id` changes: its own against every division and,
/// when it is a division, every other dataset against it. Overlays of concurrent loads are
/// serialised by one advisory lock, and each statement then reads what committed before it,
/// so two loads cannot each miss the other's new version.
pub(super) async fn refresh(tx: &Transaction<'_>, id: &str) -> Result<Vec<OverlayReport>> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('rummet.overlay'))",
        &[],
    )
    .await
    .map_err(LoadError::db("waiting for another load's overlay"))?;
    let serving = serving(tx).await?;
    let Some(this) = serving.iter().find(|d| d.id == id) else {
        return Ok(Vec::new());
    };
    let divisions: Vec<&Serving> = serving.iter().filter(|d| d.division.is_some()).collect();
    for division in &divisions {
        ensure_units(tx, division, division.id == id).await?;
    }
    // A population grid is not overlaid: its statistics are the people per unit
    // (`population`), and cutting half a million cells by every division took minutes.
    let mut pairs: Vec<(&Serving, &Serving)> = divisions
        .iter()
        .filter(|d| d.id != id && !this.population)
        .map(|d| (this, *d))
        .collect();
    if this.division.is_some() {
        pairs.extend(
            serving
                .iter()
                .filter(|d| d.id != id && !d.population)
                .map(|d| (d, this)),
        );
    }
    let mut reports = Vec::with_capacity(pairs.len());
    for (dataset, division) in pairs {
        reports.push(overlay(tx, dataset, division).await?);
    }
    Ok(reports)
}

async fn serving(tx: &Transaction<'_>) -> Result<Vec<Serving>> {
    let rows = tx
        .query(
            "SELECT id, version, table_name, geometry_type, role = 'population' AS population,
                    catalog->'division'->>'code' AS code, catalog->'division'->>'name' AS name,
                    ARRAY(SELECT f->>'name' FROM jsonb_array_elements(fields) f) AS fields,
                    ARRAY(SELECT f->>'name' FROM jsonb_array_elements(fields) f
                          WHERE f->>'type' IN ('bigint', 'integer', 'smallint', 'double precision', 'numeric', 'real', 'double')) AS numeric
             FROM rummet.datasets WHERE geometry_type <> '' ORDER BY id",
            &[],
        )
        .await
        .map_err(LoadError::db("reading the registry for the overlay"))?;
    // A row of a geometry type the loader does not know is no dataset it can overlay.
    Ok(rows
        .iter()
        .filter_map(|r| Some((r, r.try_get("geometry_type").ok()?)))
        .map(|(r, geometry)| Serving {
            id: r.get("id"),
            version: r.get("version"),
            table: r.get("table_name"),
            geometry,
            division: r
                .get::<_, Option<String>>("code")
                .zip(r.get::<_, Option<String>>("name")),
            fields: r.get("fields"),
            numeric: r.get("numeric"),
            population: r.get("population"),
        })
        .collect())
}

pub(super) fn qualified(table: &str) -> String {
    format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(table)
    )
}

/// Builds the division's units from its serving version, one per code, unless they are
/// already built from it (a division loaded before statistics existed gets them here).
async fn ensure_units(tx: &Transaction<'_>, division: &Serving, rebuild: bool) -> Result<()> {
    let Some((code, name)) = &division.division else {
        return Ok(());
    };
    if !rebuild {
        let built: Option<i64> = tx
            .query_opt(
                "SELECT version FROM rummet.division_units WHERE division = $1 LIMIT 1",
                &[&division.id],
            )
            .await
            .map_err(LoadError::db("reading division units"))?
            .map(|r| r.get(0));
        if built == Some(division.version) {
            return Ok(());
        }
    }
    tx.execute(
        "DELETE FROM rummet.division_units WHERE division = $1",
        &[&division.id],
    )
    .await
    .map_err(LoadError::db("dropping the old division units"))?;
    let sql = format!(
        "INSERT INTO rummet.division_units (division, version, code, name, area_m2, geom, point, bbox3857)
         SELECT $1, $2, code, name, ST_Area(g), g, ST_PointOnSurface(g),
                ST_Expand(ST_Envelope(ST_Transform(g, 3857)), {BOX_MARGIN_M})
         FROM (SELECT {code}::text AS code, min({name}::text) AS name,
                      ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom_3006)), 3)) AS g
               FROM {table} WHERE {code} IS NOT NULL GROUP BY 1) u
         WHERE NOT ST_IsEmpty(g)",
        code = escape_identifier(code),
        name = escape_identifier(name),
        table = qualified(&division.table),
    );
    tx.execute(&sql, &[&division.id, &division.version])
        .await
        .map_err(LoadError::db("building the division units"))?;
    // Fresh statistics before any overlay plans its join against the units: without them
    // the planner guesses a handful of rows and can pick a plan that takes minutes.
    tx.batch_execute("ANALYZE rummet.division_units")
        .await
        .map_err(LoadError::db("analysing the division units"))?;
    Ok(())
}

/// Measures `dataset` by `division` into a new overlay table, replaces the pair's old one and
/// writes the unfiltered summary per unit.
async fn overlay(
    tx: &Transaction<'_>,
    dataset: &Serving,
    division: &Serving,
) -> Result<OverlayReport> {
    let started = Instant::now();
    let table_name = format!("ov_{}_{}", dataset.version, division.version);
    let table = qualified(&table_name);
    let pieces = measure(tx, &table, dataset, division).await?;
    let finish = format!("CREATE INDEX ON {table} (unit_code); ANALYZE {table};");
    tx.batch_execute(&finish)
        .await
        .map_err(LoadError::db("indexing the overlay"))?;
    let grouped = write_groups(tx, &table, &table_name, dataset, division).await?;

    let old: Option<String> = tx
        .query_opt(
            "DELETE FROM rummet.overlays WHERE dataset = $1 AND division = $2 RETURNING table_name",
            &[&dataset.id, &division.id],
        )
        .await
        .map_err(LoadError::db("replacing the overlay"))?
        .map(|r| r.get(0));
    let replaced = old.filter(|old| *old != table_name);
    tx.execute(
        "DELETE FROM rummet.overlay_summary WHERE dataset = $1 AND division = $2",
        &[&dataset.id, &division.id],
    )
    .await
    .map_err(LoadError::db("replacing the overlay summary"))?;
    // Only polygons cover anything; lines and points skip the per-cluster pass.
    let polygons = dataset.geometry == GeometryKind::Polygon;
    let covered = if polygons {
        write_cover(tx, &table, dataset, division).await?;
        "SELECT code, sum(ST_Area(geom)) AS covered_m2 FROM rummet.overlay_cover
         WHERE dataset = $1 AND division = $2 GROUP BY code"
            .to_owned()
    } else {
        "SELECT NULL::text AS code, 0::float8 AS covered_m2".to_owned()
    };
    let summary = format!(
        "INSERT INTO rummet.overlay_summary (dataset, division, code, features, length_m, area_m2, covered_m2, fields)
         SELECT $1, $2, u.code, count(o.fid), coalesce(sum(o.unit_length_m), 0), coalesce(sum(o.unit_area_m2), 0),
                coalesce(min(c.covered_m2), 0), {fields}
         FROM rummet.division_units u LEFT JOIN {table} o ON o.unit_code = u.code
         LEFT JOIN ({covered}) c ON c.code = u.code
         WHERE u.division = $2 GROUP BY u.code",
        fields = field_aggregates_sql(&dataset.numeric, "o"),
    );
    tx.execute(&summary, &[&dataset.id, &division.id])
        .await
        .map_err(LoadError::db("summarising the overlay"))?;
    let elapsed = started.elapsed();
    tx.execute(
        &format!(
            "INSERT INTO rummet.overlays (dataset, division, dataset_version, division_version, table_name, pieces, elapsed_ms,
                                          features, fields, covered, grouped)
             SELECT $1, $2, $3, $4, $5, $6, $7, count(*), {fields}, {polygons}, $8
             FROM (SELECT DISTINCT ON (fid) fid{numeric} FROM {table} ORDER BY fid) d",
            fields = field_aggregates_sql(&dataset.numeric, "d"),
            numeric = columns(&dataset.numeric, ""),
        ),
        &[
            &dataset.id,
            &division.id,
            &dataset.version,
            &division.version,
            &table_name,
            &i64::try_from(pieces).unwrap_or(i64::MAX),
            &i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
            &grouped,
        ],
    )
    .await
    .map_err(LoadError::db("registering the overlay"))?;
    tracing::debug!(
        dataset = dataset.id,
        division = division.id,
        pieces,
        ?elapsed,
        "overlaid"
    );
    Ok(OverlayReport {
        dataset: dataset.id.clone(),
        division: division.id.clone(),
        pieces,
        elapsed,
        replaced,
    })
}

/// Fields with at most this many values get per-unit group rows at load.
const MAX_GROUP_VALUES: f32 = 64.0;

/// Replaces the pair's group rows (`rummet.overlay_groups`) from the analysed overlay table
/// `table` (escaped; `table_name` unescaped): per unit and value of each catalog field the
/// statistics say has few values, what a grouped count, length or area needs. Returns the
/// fields written.
async fn write_groups(
    tx: &Transaction<'_>,
    table: &str,
    table_name: &str,
    dataset: &Serving,
    division: &Serving,
) -> Result<Vec<String>> {
    tx.execute(
        "DELETE FROM rummet.overlay_groups WHERE dataset = $1 AND division = $2",
        &[&dataset.id, &division.id],
    )
    .await
    .map_err(LoadError::db("replacing the overlay groups"))?;
    // n_distinct is a count, or minus a fraction of the rows when ANALYZE takes the number
    // of values to grow with the table.
    let fields: Vec<String> = tx
        .query(
            "SELECT s.attname::text FROM pg_stats s
             JOIN pg_class c ON c.oid = format('%I.%I', s.schemaname, s.tablename)::regclass
             WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname::text = ANY($3)
               AND CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * c.reltuples
                        ELSE s.n_distinct END BETWEEN 1 AND $4
             ORDER BY s.attname",
            &[
                &DATA_SCHEMA,
                &table_name,
                &dataset.fields,
                &MAX_GROUP_VALUES,
            ],
        )
        .await
        .map_err(LoadError::db("reading the overlay statistics"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for field in &fields {
        tx.execute(
            &format!(
                "INSERT INTO rummet.overlay_groups
                   (dataset, division, field, value, code, features, firsts, length_m, area_m2)
                 SELECT $1, $2, $3, {column}::text, unit_code, count(*),
                        count(*) FILTER (WHERE unit_first), sum(unit_length_m), sum(unit_area_m2)
                 FROM {table} GROUP BY unit_code, {column}",
                column = escape_identifier(field),
            ),
            &[&dataset.id, &division.id, field],
        )
        .await
        .map_err(LoadError::db("grouping the overlay"))?;
    }
    Ok(fields)
}

/// Replaces the pair's cover rows (`rummet.overlay_cover`) from the overlay table `table`
/// (escaped): each overlap cluster dissolved, each lone piece as it is, cut into parts small
/// enough for a drawn area to intersect quickly. The rows never overlap, so their areas add
/// up to each unit's covered area.
async fn write_cover(
    tx: &Transaction<'_>,
    table: &str,
    dataset: &Serving,
    division: &Serving,
) -> Result<()> {
    tx.execute(
        "DELETE FROM rummet.overlay_cover WHERE dataset = $1 AND division = $2",
        &[&dataset.id, &division.id],
    )
    .await
    .map_err(LoadError::db("replacing the overlay cover"))?;
    tx.execute(
        &format!(
            "INSERT INTO rummet.overlay_cover (dataset, division, dataset_version, code, geom)
             SELECT $1, $2, $3, code, ST_Subdivide(g, 256)
             FROM (SELECT unit_code AS code,
                          CASE WHEN count(*) = 1 THEN (array_agg(unit_piece))[1]
                               ELSE rummet.dissolved(array_agg(unit_piece)) END AS g
                   FROM {table} GROUP BY unit_code, unit_cluster
                   -- OFFSET 0: else the filter below becomes a HAVING that dissolves again.
                   OFFSET 0) c
             WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)"
        ),
        &[&dataset.id, &division.id, &dataset.version],
    )
    .await
    .map_err(LoadError::db("dissolving the overlay cover"))?;
    Ok(())
}

/// Creates the overlay table `table` (escaped) of `dataset` by `division` and fills it:
/// per feature and unit, the length and area inside (`unit_length_m`, `unit_area_m2`), for
/// polygons the piece inside and its overlap cluster
/// (`unit_cluster`: pieces linked by overlaps share one, a piece nothing overlaps has its own,
/// `-fid`), whether the unit is the feature's first by code (`unit_first`: a national total
/// counts each feature once, in one pass), and a copy of the feature's catalog fields, so a
/// filtered or grouped question reads this one table without a join. Returns the rows.
async fn measure(
    tx: &Transaction<'_>,
    table: &str,
    dataset: &Serving,
    division: &Serving,
) -> Result<u64> {
    let geometry = dataset.geometry;
    let source = qualified(&dataset.table);
    let field_list = columns(&dataset.fields, "");
    let f_fields = columns(&dataset.fields, "f.");
    let p_fields = columns(&dataset.fields, "p.");
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table};
         CREATE TABLE {table} AS
           SELECT fid{field_list}, ''::text AS unit_code, 0::float8 AS unit_length_m,
                  0::float8 AS unit_area_m2, 0::bigint AS unit_cluster, true AS unit_first,
                  NULL::geometry(Geometry, 3006) AS unit_piece
           FROM {source} WITH NO DATA;
         ALTER TABLE {table} ALTER COLUMN unit_first SET DEFAULT true"
    ))
    .await
    .map_err(LoadError::db("creating the overlay table"))?;
    // The cut carries the feature's fields along, so nothing joins the feature table again;
    // its own columns are `unit_` ones, which no catalog field may be named.
    let cut = format!(
        "SELECT c.fid{c_fields}, u.code AS unit_code, c.unit_piece
         FROM rummet.division_units u
         CROSS JOIN LATERAL {lateral} c
         WHERE u.division = $1",
        c_fields = columns(&dataset.fields, "c."),
        lateral = cut_sql(
            geometry,
            ("u.geom", "u.bbox3857"),
            &source,
            &format!("f.fid{f_fields}"),
            "true"
        ),
    );
    let m = piece_measures(geometry, "p.unit_piece");
    let pieces = if geometry == GeometryKind::Polygon {
        polygon_pieces(tx, table, &cut, &field_list, &p_fields, division).await?
    } else {
        // Lengths and counts need no piece, and points or lines never dissolve.
        tx.execute(
            &format!(
                "INSERT INTO {table} (fid{field_list}, unit_code, unit_length_m, unit_area_m2, unit_cluster)
                 SELECT p.fid{p_fields}, p.unit_code, {length}, {area}, -p.fid
                 FROM ({cut}) p
                 WHERE {counts}",
                length = m.length,
                area = m.area,
                counts = m.counts,
            ),
            &[&division.id],
        )
        .await
        .map_err(LoadError::db("overlaying the dataset with a division"))?
    };
    // Few features cross a unit's edge: only their later units lose the flag.
    tx.execute(
        &format!(
            "UPDATE {table} t SET unit_first = false
             FROM (SELECT fid, min(unit_code) AS first FROM {table} GROUP BY fid HAVING count(*) > 1) d
             WHERE t.fid = d.fid AND t.unit_code <> d.first"
        ),
        &[],
    )
    .await
    .map_err(LoadError::db("marking each feature's first unit"))?;
    Ok(pieces)
}

/// `, <prefix>"a", <prefix>"b"…` for a column list following others.
fn columns(fields: &[String], prefix: &str) -> String {
    fields.iter().fold(String::new(), |mut out, f| {
        out.push_str(", ");
        out.push_str(prefix);
        out.push_str(&escape_identifier(f));
        out
    })
}

/// The polygon overlay: pieces cut into a temporary table (made valid where the cut left
/// them unsound) so the overlap test between pieces of one unit can use an index, then
/// flagged, clustered and written to `table`. Returns the rows.
async fn polygon_pieces(
    tx: &Transaction<'_>,
    table: &str,
    cut: &str,
    field_list: &str,
    p_fields: &str,
    division: &Serving,
) -> Result<u64> {
    let m = piece_measures(GeometryKind::Polygon, "p.unit_piece");
    tx.execute(
        &format!(
            "CREATE TEMP TABLE rummet_pieces ON COMMIT DROP AS
             SELECT fid{p_fields}, unit_code,
                    CASE WHEN ST_IsValid(unit_piece) THEN unit_piece
                         ELSE ST_CollectionExtract(ST_MakeValid(unit_piece), 3) END AS unit_piece
             FROM ({cut}) p"
        ),
        &[&division.id],
    )
    .await
    .map_err(LoadError::db("overlaying the dataset with a division"))?;
    tx.batch_execute("CREATE INDEX ON pg_temp.rummet_pieces USING gist (unit_piece); ANALYZE pg_temp.rummet_pieces;")
        .await
        .map_err(LoadError::db("indexing the overlay pieces"))?;
    let n = tx
        .execute(
            &format!(
                "INSERT INTO {table} (fid{field_list}, unit_code, unit_length_m, unit_area_m2, unit_cluster, unit_piece)
                 WITH flagged AS (
                   SELECT p.*,
                          EXISTS (SELECT 1 FROM pg_temp.rummet_pieces o
                                  WHERE o.unit_code = p.unit_code AND o.fid <> p.fid
                                    AND o.unit_piece && p.unit_piece
                                    AND ST_Relate(o.unit_piece, p.unit_piece, '2********')) AS unit_overlapped
                   FROM pg_temp.rummet_pieces p WHERE {counts}),
                 -- Overlapping pieces are clustered by intersection (touching links too,
                 -- which only makes a cluster larger); the others stand alone.
                 clustered AS (
                   SELECT *,
                          CASE WHEN unit_overlapped
                               THEN ST_ClusterDBSCAN(unit_piece, 0, 1)
                                      OVER (PARTITION BY unit_code, unit_overlapped)
                               ELSE -fid END AS unit_cluster
                   FROM flagged)
                 SELECT p.fid{p_fields}, p.unit_code, {length}, {area}, p.unit_cluster, p.unit_piece
                 FROM clustered p",
                length = m.length,
                area = m.area,
                counts = m.counts,
            ),
            &[],
        )
        .await
        .map_err(LoadError::db("measuring the overlay pieces"))?;
    tx.batch_execute("DROP TABLE pg_temp.rummet_pieces")
        .await
        .map_err(LoadError::db("dropping the overlay pieces"))?;
    Ok(n)
}
