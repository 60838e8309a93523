//! Population at load (issue 17): the people of the population grid (`rummet.population_source`,
//! the finest loaded grid of role `population`) apportioned to every division's units, and to
//! every polygon dataset's cover in each unit, by **areal weighting**: a cell's people are taken
//! as spread evenly over the cell, so a unit (or a flood zone inside it) holds the cell's people
//! times the share of the cell's area it holds. Runs in the load transaction after the overlay,
//! so population answers always match the serving versions, and the old ones serve until the
//! commit.

use std::time::{Duration, Instant};

use rummet_core::{DATA_SCHEMA, escape_identifier};
use serde::Serialize;
use tokio_postgres::Transaction;

use crate::{LoadError, Result};

/// The population grid counted, as `rummet.population_source` names it.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub id: String,
    pub version: i64,
    pub table: String,
    pub count: String,
    /// A table by unit rather than a grid: its units are no cells to travel from.
    pub joined: bool,
}

/// What one load recomputed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PopulationReport {
    /// The population grid counted.
    pub population: String,
    /// Divisions whose units' people were recomputed.
    pub divisions: Vec<String>,
    /// Polygon datasets × divisions whose people inside were recomputed.
    pub covers: u64,
    /// Wall time (in seconds, as JSON).
    #[serde(serialize_with = "super::seconds")]
    pub elapsed: Duration,
}

/// The population grid counted, if one is loaded.
pub(super) async fn source(tx: &Transaction<'_>) -> Result<Option<Source>> {
    Ok(tx
        .query_opt(
            "SELECT id, version, table_name, count_column, joined FROM rummet.population_source",
            &[],
        )
        .await
        .map_err(LoadError::db("reading the population source"))?
        .map(|r| Source {
            id: r.get(0),
            version: r.get(1),
            table: r.get(2),
            count: r.get(3),
            joined: r.get(4),
        }))
}

/// Copies the populated cells of `source` into `pg_temp.rummet_cells` (fid, geom in
/// SWEREF 99 TM, people, area), indexed, for this transaction: the serving table has no
/// index on its SWEREF 99 TM geometry, and every pass below joins on it.
pub(super) async fn stage_cells(tx: &Transaction<'_>, source: &Source) -> Result<()> {
    // Staged already in this transaction (for the people, before the travel times): the
    // table lives until the commit.
    let staged: bool = tx
        .query_one(
            "SELECT to_regclass('pg_temp.rummet_cells') IS NOT NULL",
            &[],
        )
        .await
        .map_err(LoadError::db("looking for the staged cells"))?
        .get(0);
    if staged {
        return Ok(());
    }
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE rummet_cells ON COMMIT DROP AS
           SELECT fid, geom_3006 AS geom, {count}::float8 AS people, ST_Area(geom_3006) AS area_m2,
                  ST_X(ST_Centroid(geom_3006)) AS x, ST_Y(ST_Centroid(geom_3006)) AS y
           FROM {schema}.{table} WHERE {count} > 0 AND ST_Area(geom_3006) > 0;
         CREATE INDEX ON pg_temp.rummet_cells USING gist (geom);
         ANALYZE pg_temp.rummet_cells;",
        count = escape_identifier(&source.count),
        schema = escape_identifier(DATA_SCHEMA),
        table = escape_identifier(&source.table),
    ))
    .await
    .map_err(LoadError::db("staging the population cells"))
}

/// Recomputes what the load of `id` changes: every division's people and every cover's when
/// `id` is the population grid (or what was computed is of an older grid), else the people
/// of `id`'s units when it is a division, and the people inside `id`'s covers or every cover
/// by `id`.
pub(super) async fn refresh(tx: &Transaction<'_>, id: &str) -> Result<Option<PopulationReport>> {
    let started = Instant::now();
    let Some(source) = source(tx).await? else {
        return Ok(None);
    };
    let stale_divisions: Vec<String> = tx
        .query(
            "SELECT d.id FROM rummet.datasets d
             WHERE d.role = 'division' AND (d.id = $1 OR $1 = $2 OR NOT EXISTS (
               SELECT 1 FROM rummet.population_units p
               WHERE p.division = d.id AND p.population = $2 AND p.population_version = $3))
             ORDER BY d.id",
            &[&id, &source.id, &source.version],
        )
        .await
        .map_err(LoadError::db("reading the divisions to count"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let stale_covers: Vec<(String, String)> = tx
        .query(
            "SELECT o.dataset, o.division FROM rummet.overlays o
             WHERE o.covered
               -- People inside a population grid's own cells are its people: not counted.
               AND NOT EXISTS (SELECT 1 FROM rummet.datasets g WHERE g.id = o.dataset AND g.role = 'population')
               AND (o.dataset = $1 OR o.division = $1 OR $1 = $2 OR NOT EXISTS (
               SELECT 1 FROM rummet.population_cover p
               WHERE p.dataset = o.dataset AND p.division = o.division
                 AND p.population = $2 AND p.population_version = $3))
             ORDER BY 1, 2",
            &[&id, &source.id, &source.version],
        )
        .await
        .map_err(LoadError::db("reading the covers to count"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    if stale_divisions.is_empty() && stale_covers.is_empty() {
        return Ok(None);
    }
    stage_cells(tx, &source).await?;
    for division in &stale_divisions {
        weigh_units(tx, &source, division).await?;
    }
    for (dataset, division) in &stale_covers {
        weigh_cover(tx, &source, dataset, division).await?;
    }
    Ok(Some(PopulationReport {
        population: source.id,
        divisions: stale_divisions,
        covers: stale_covers.len() as u64,
        elapsed: started.elapsed(),
    }))
}

/// Each cell's people in each unit of `division` it reaches, and the units' sums. The units
/// are cut into parts of at most 256 vertices first: a cell then meets a few small parts,
/// never a whole kommun's outline, and a cell wholly inside a part is not cut. The parts of a
/// unit never overlap, so a cell's pieces in them add up to its piece in the unit.
async fn weigh_units(tx: &Transaction<'_>, source: &Source, division: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM rummet.population_weights WHERE division = $1",
        &[&division],
    )
    .await
    .map_err(LoadError::db("replacing the population weights"))?;
    tx.batch_execute("DROP TABLE IF EXISTS pg_temp.rummet_unit_parts")
        .await
        .map_err(LoadError::db("cutting the units into parts"))?;
    tx.execute(
        "CREATE TEMP TABLE rummet_unit_parts ON COMMIT DROP AS
           SELECT code, ST_Subdivide(geom, 256) AS geom FROM rummet.division_units WHERE division = $1",
        &[&division],
    )
    .await
    .map_err(LoadError::db("cutting the units into parts"))?;
    tx.batch_execute(
        "CREATE INDEX ON pg_temp.rummet_unit_parts USING gist (geom);
         ANALYZE pg_temp.rummet_unit_parts;",
    )
    .await
    .map_err(LoadError::db("indexing the unit parts"))?;
    tx.execute(
        "INSERT INTO rummet.population_weights (division, population, population_version, fid, code, people)
         SELECT $1, $2, $3, c.fid, u.code,
                sum(c.people * CASE WHEN ST_Covers(u.geom, c.geom) THEN 1
                                    ELSE ST_Area(ST_Intersection(u.geom, c.geom)) / c.area_m2 END)
         FROM pg_temp.rummet_unit_parts u
         JOIN pg_temp.rummet_cells c ON c.geom && u.geom AND ST_Intersects(u.geom, c.geom)
         GROUP BY c.fid, u.code",
        &[&division, &source.id, &source.version],
    )
    .await
    .map_err(LoadError::db("apportioning the population to the units"))?;
    tx.execute(
        "DELETE FROM rummet.population_units WHERE division = $1",
        &[&division],
    )
    .await
    .map_err(LoadError::db("replacing the units' population"))?;
    tx.execute(
        "INSERT INTO rummet.population_units (division, population, population_version, code, people)
         SELECT u.division, $2, $3, u.code, coalesce(sum(w.people), 0)
         FROM rummet.division_units u
         LEFT JOIN rummet.population_weights w ON w.division = u.division AND w.code = u.code
         WHERE u.division = $1 GROUP BY u.division, u.code",
        &[&division, &source.id, &source.version],
    )
    .await
    .map_err(LoadError::db("summing the units' population"))?;
    Ok(())
}

/// The people inside `dataset`'s dissolved cover in each unit of `division` (a row for every
/// unit, zero where none live inside): the cover's parts never overlap, so each cell's share
/// inside them adds up.
async fn weigh_cover(
    tx: &Transaction<'_>,
    source: &Source,
    dataset: &str,
    division: &str,
) -> Result<()> {
    tx.execute(
        "DELETE FROM rummet.population_cover WHERE dataset = $1 AND division = $2",
        &[&dataset, &division],
    )
    .await
    .map_err(LoadError::db("replacing the people inside the cover"))?;
    tx.execute(
        "INSERT INTO rummet.population_cover (dataset, division, population, population_version, code, people)
         SELECT $1, $2, $3, $4, s.code, coalesce(p.people, 0)
         FROM rummet.overlay_summary s
         LEFT JOIN (
           -- The pair's parts first, then the cells each meets through the cells' index: the
           -- load has just rewritten the covers, and with their statistics stale the planner
           -- may otherwise probe every dataset's cover for every cell.
           WITH k AS MATERIALIZED (
             SELECT code, geom FROM rummet.overlay_cover WHERE dataset = $1 AND division = $2)
           SELECT k.code, sum(c.people * CASE WHEN ST_Covers(k.geom, c.geom) THEN 1
                                              ELSE ST_Area(ST_Intersection(k.geom, c.geom)) / c.area_m2 END) AS people
           FROM k JOIN pg_temp.rummet_cells c ON c.geom && k.geom AND ST_Intersects(k.geom, c.geom)
           GROUP BY k.code) p ON p.code = s.code
         WHERE s.dataset = $1 AND s.division = $2",
        &[&dataset, &division, &source.id, &source.version],
    )
    .await
    .map_err(LoadError::db("counting the people inside the cover"))?;
    Ok(())
}
