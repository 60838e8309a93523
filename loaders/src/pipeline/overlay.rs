//! The statistics overlay, computed at load: every dataset against every division (kommun,
//! län, FA-region, any dataset whose role is `division`), per feature and unit, in
//! SWEREF 99 TM (EPSG:3006): the length and area inside the unit and, for polygons, the piece
//! inside, from which shares dissolve overlapping features. It runs inside the load
//! transaction, after the new version is registered, so the overlay always matches both
//! serving versions and a failed load leaves the old overlay in place.

use std::time::{Duration, Instant};

use rummet_core::{DATA_SCHEMA, DISSOLVE_GRID_M, clip_sql, escape_identifier, geometry_dimension};
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
    /// Wall time.
    pub elapsed: Duration,
}

/// A serving dataset, as the registry holds it inside the load transaction.
struct Serving {
    id: String,
    version: i64,
    table: String,
    geometry_type: String,
    /// Code and name columns, for a division.
    division: Option<(String, String)>,
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
    let mut pairs: Vec<(&Serving, &Serving)> = divisions
        .iter()
        .filter(|d| d.id != id)
        .map(|d| (this, *d))
        .collect();
    if this.division.is_some() {
        pairs.extend(serving.iter().filter(|d| d.id != id).map(|d| (d, this)));
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
            "SELECT id, version, table_name, geometry_type,
                    catalog->'division'->>'code' AS code, catalog->'division'->>'name' AS name
             FROM rummet.datasets WHERE geometry_type <> '' ORDER BY id",
            &[],
        )
        .await
        .map_err(LoadError::db("reading the registry for the overlay"))?;
    Ok(rows
        .iter()
        .map(|r| Serving {
            id: r.get("id"),
            version: r.get("version"),
            table: r.get("table_name"),
            geometry_type: r.get("geometry_type"),
            division: r
                .get::<_, Option<String>>("code")
                .zip(r.get::<_, Option<String>>("name")),
        })
        .collect())
}

fn qualified(table: &str) -> String {
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
                      ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_Transform(geom, 3006))), 3)) AS g
               FROM {table} WHERE {code} IS NOT NULL GROUP BY 1) u
         WHERE NOT ST_IsEmpty(g)",
        code = escape_identifier(code),
        name = escape_identifier(name),
        table = qualified(&division.table),
    );
    tx.execute(&sql, &[&division.id, &division.version])
        .await
        .map_err(LoadError::db("building the division units"))?;
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
    let dim = geometry_dimension(&dataset.geometry_type);
    // The piece is kept for polygons only: shares dissolve it; lengths and counts need none.
    let create = format!(
        "DROP TABLE IF EXISTS {table};
         CREATE TABLE {table} (fid bigint NOT NULL, code text NOT NULL,
             length_m double precision NOT NULL, area_m2 double precision NOT NULL,
             piece geometry(Geometry, 3006))"
    );
    tx.batch_execute(&create)
        .await
        .map_err(LoadError::db("creating the overlay table"))?;
    let clip = clip_sql(dim, "u.geom", "t.g");
    let insert = format!(
        "INSERT INTO {table} (fid, code, length_m, area_m2, piece)
         SELECT fid, code,
                CASE WHEN {dim} = 2 THEN ST_Length(piece) ELSE 0 END,
                CASE WHEN {dim} = 3 THEN ST_Area(piece) ELSE 0 END,
                CASE WHEN {dim} = 3 THEN piece END
         FROM (SELECT f.fid, u.code,
                      {clip} AS piece
               FROM rummet.division_units u
               JOIN {source} f ON f.geom && u.bbox3857
               CROSS JOIN LATERAL (SELECT ST_Transform(f.geom, 3006) AS g) t
               WHERE u.division = $1 AND ST_Intersects(u.geom, t.g)) p
         -- A line along a border or a polygon touching one has nothing inside the other side.
         WHERE {dim} = 1 OR ({dim} = 2 AND ST_Length(piece) > 0) OR ({dim} = 3 AND ST_Area(piece) > 0)",
        source = qualified(&dataset.table),
    );
    let pieces = tx
        .execute(&insert, &[&division.id])
        .await
        .map_err(LoadError::db("overlaying the dataset with a division"))?;
    let finish = format!("CREATE INDEX ON {table} (code); ANALYZE {table};");
    tx.batch_execute(&finish)
        .await
        .map_err(LoadError::db("indexing the overlay"))?;

    let old: Option<String> = tx
        .query_opt(
            "DELETE FROM rummet.overlays WHERE dataset = $1 AND division = $2 RETURNING table_name",
            &[&dataset.id, &division.id],
        )
        .await
        .map_err(LoadError::db("replacing the overlay"))?
        .map(|r| r.get(0));
    if let Some(old) = old.filter(|old| *old != table_name) {
        tx.batch_execute(&format!("DROP TABLE IF EXISTS {}", qualified(&old)))
            .await
            .map_err(LoadError::db("dropping the replaced overlay"))?;
    }
    tx.execute(
        "DELETE FROM rummet.overlay_summary WHERE dataset = $1 AND division = $2",
        &[&dataset.id, &division.id],
    )
    .await
    .map_err(LoadError::db("replacing the overlay summary"))?;
    let summary = format!(
        "INSERT INTO rummet.overlay_summary (dataset, division, code, features, length_m, area_m2, covered_m2)
         SELECT $1, $2, u.code, count(o.fid), coalesce(sum(o.length_m), 0), coalesce(sum(o.area_m2), 0),
                coalesce(ST_Area(ST_Union(o.piece, {DISSOLVE_GRID_M})), 0)
         FROM rummet.division_units u LEFT JOIN {table} o ON o.code = u.code
         WHERE u.division = $2 GROUP BY u.code"
    );
    tx.execute(&summary, &[&dataset.id, &division.id])
        .await
        .map_err(LoadError::db("summarising the overlay"))?;
    let elapsed = started.elapsed();
    tx.execute(
        &format!(
            "INSERT INTO rummet.overlays (dataset, division, dataset_version, division_version, table_name, pieces, elapsed_ms, features)
             SELECT $1, $2, $3, $4, $5, $6, $7, count(DISTINCT fid) FROM {table}"
        ),
        &[
            &dataset.id,
            &division.id,
            &dataset.version,
            &division.version,
            &table_name,
            &i64::try_from(pieces).unwrap_or(i64::MAX),
            &i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
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
    })
}
