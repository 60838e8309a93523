//! Population measures: people living inside a dataset's polygons, per unit, drawn area or
//! border side, counted from the population grid by areal weighting. By division the load
//! counted them (`rummet.population_units`, `rummet.population_cover`); a drawn area or a
//! border zone is counted on the fly from the same cover and grid.

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio_postgres::GenericClient;

use super::StatsError;
use super::request::{Question, UnitRef};
use super::sql::{Built, Zone, data_table, division_units, push};
use crate::datasets::Dataset;
use crate::filter::Param;

/// How the people are counted, as stated in every population answer and the README.
pub const METHOD: &str = "Areal weighting: each populated grid cell's people are taken as \
spread evenly over the cell, so an area holds the cell's people times the share of the cell's \
area inside it; a unit's people are the sum over the cells it overlaps, and the people inside a \
dataset's features the sum over the cells overlapping the features' dissolved cover (overlaps \
counted once). Cells are SWEREF 99 TM squares; SCB adjusts counts under four for disclosure \
control.";

/// The population grid counted.
#[derive(Debug, Clone)]
pub struct Counted {
    id: String,
    version: i64,
    table: String,
    count: String,
    title: String,
    licence: String,
    attribution: String,
}

impl Counted {
    /// Refuses statistics of a grid that is not the one counted (a 1 km grid beside a
    /// 250 m one): its people per unit are not computed.
    ///
    /// # Errors
    /// [`StatsError::Measure`] naming the grid counted.
    pub fn is(&self, grid: &Dataset) -> Result<(), StatsError> {
        if grid.id.as_str() == self.id {
            Ok(())
        } else {
            Err(StatsError::Measure(format!(
                "{} is not the population grid counted; {} is (the finest loaded): ask it",
                grid.id, self.id
            )))
        }
    }

    /// The answer's `population` member: the grid, its version and licence, and the method.
    #[must_use]
    pub fn describe(&self) -> Value {
        json!({
            "dataset": self.id,
            "version": self.version,
            "title": self.title,
            "licence": self.licence,
            "attribution": self.attribution,
            "method": METHOD,
        })
    }
}

/// The grid counted, and for `pair` (dataset, division) a check that the load counted the
/// people of that overlay from this very grid version.
///
/// # Errors
/// [`StatsError::NoPopulation`] when no grid is loaded or the pair is not counted yet.
pub async fn counted(
    client: &impl GenericClient,
    pair: Option<(&str, &str)>,
) -> Result<Counted, StatsError> {
    let row = client
        .query_opt(
            "SELECT id, version, table_name, count_column, title, licence, attribution
             FROM rummet.population_source",
            &[],
        )
        .await?
        .ok_or_else(|| {
            StatsError::NoPopulation(
                "no population grid is loaded: load SCB's population per grid square \
                 (`rummet load befolkning_1km`) to count people"
                    .to_owned(),
            )
        })?;
    let source = Counted {
        id: row.get(0),
        version: row.get(1),
        table: row.get(2),
        count: row.get(3),
        title: row.get(4),
        licence: row.get(5),
        attribution: row.get(6),
    };
    if let Some((dataset, division)) = pair {
        let done = client
            .query_opt(
                "SELECT 1 FROM rummet.population_cover
                 WHERE dataset = $1 AND division = $2 AND population = $3 AND population_version = $4
                 LIMIT 1",
                &[&dataset, &division, &source.id, &source.version],
            )
            .await?
            .is_some();
        if !done {
            return Err(StatsError::NoPopulation(format!(
                "the people inside {dataset} by {division} are not counted from {} version {} yet: \
                 reload {dataset} (`rummet load {dataset}`) to count them",
                source.id, source.version
            )));
        }
    }
    Ok(source)
}

/// A population grid's statistics by division: each unit's people, counted at load.
#[must_use]
pub fn grid_units(by: &str, within: &[UnitRef]) -> Built {
    let mut params = Vec::new();
    let units = division_units(by, within, &mut params);
    let by = push(&mut params, Param::Text(by.to_owned()));
    let sql = format!(
        "WITH {units},
         rows AS (SELECT u.code, u.name, u.area_m2 AS unit_m2, coalesce(p.people, 0) AS people
                  FROM units u LEFT JOIN rummet.population_units p ON p.division = {by} AND p.code = u.code)
         SELECT 0 AS kind, code, name, unit_m2, NULL::text AS grp, 0::bigint AS features, 0::float8 AS length_m,
                0::float8 AS area_m2, 0::float8 AS covered_m2, people AS value, people FROM rows
         UNION ALL
         SELECT 1, NULL, NULL, coalesce(sum(unit_m2), 0), NULL, 0, 0, 0, 0, coalesce(sum(people), 0),
                coalesce(sum(people), 0)
         FROM rows
         ORDER BY kind, code"
    );
    Built { sql, params }
}

/// People in each zone and, given the `division` whose cover to read, inside the dataset's
/// cover in it (else nothing inside): code → (people, inside). The zones are cut into parts
/// of at most 256 vertices first, so no cell meets a whole zone's outline, a cell wholly inside
/// a part is not cut, and each part's intersection with a cover part is made once.
///
/// # Errors
/// When the database fails.
pub async fn in_zones(
    client: &impl GenericClient,
    q: &Question,
    source: &Counted,
    zones: &[Zone],
    division: Option<&str>,
) -> Result<HashMap<String, (f64, f64)>, StatsError> {
    let codes: Vec<&str> = zones.iter().map(|z| z.code.as_str()).collect();
    let wkbs: Vec<&[u8]> = zones.iter().map(|z| z.ewkb.as_slice()).collect();
    let inside = if division.is_some() {
        "SELECT c.code, sum(c.people * ST_Area(ST_Intersection(zk.geom, c.geom)) / c.area_m2) AS n
         FROM (SELECT p.code, ST_Intersection(p.geom, k.geom) AS geom
               FROM parts p JOIN rummet.overlay_cover k ON k.geom && p.geom AND ST_Intersects(k.geom, p.geom)
               WHERE k.dataset = $3 AND k.division = $4 AND k.dataset_version = $5) zk
         JOIN cells c ON c.code = zk.code AND c.geom && zk.geom
         GROUP BY c.code"
    } else {
        "SELECT NULL::text AS code, 0::float8 AS n WHERE $3::text IS NULL AND $4::text IS NULL AND $5::bigint IS NULL"
    };
    // The grid's serving table is indexed in Web Mercator: cells are found by the zone's box
    // there, then weighed in SWEREF 99 TM.
    let sql = format!(
        "WITH zones AS MATERIALIZED (
           SELECT z.code, g AS geom, ST_Expand(ST_Envelope(ST_Transform(g, 3857)), 1000) AS box
           FROM unnest($1::text[], $2::bytea[]) AS z(code, wkb)
           CROSS JOIN LATERAL (SELECT ST_GeomFromEWKB(z.wkb) AS g) g),
         parts AS MATERIALIZED (SELECT code, ST_Subdivide(geom, 256) AS geom FROM zones),
         cells AS MATERIALIZED (
           SELECT z.code, c.geom_3006 AS geom, c.{count}::float8 AS people, ST_Area(c.geom_3006) AS area_m2
           FROM zones z JOIN {grid} c ON c.geom && z.box
           WHERE c.{count} > 0 AND ST_Intersects(z.geom, c.geom_3006)),
         people AS (
           SELECT c.code, sum(c.people * CASE WHEN ST_Covers(p.geom, c.geom) THEN 1
                                              ELSE ST_Area(ST_Intersection(p.geom, c.geom)) / c.area_m2 END) AS n
           FROM parts p JOIN cells c ON c.code = p.code AND c.geom && p.geom
           GROUP BY c.code),
         inside AS ({inside})
         SELECT z.code, coalesce(p.n, 0), coalesce(i.n, 0)
         FROM zones z LEFT JOIN people p ON p.code = z.code LEFT JOIN inside i ON i.code = z.code",
        count = rummet_core::escape_identifier(&source.count),
        grid = data_table(&source.table),
    );
    let rows = client
        .query(
            &sql,
            &[
                &codes,
                &wkbs,
                &division.map(|_| q.dataset.id.as_str()),
                &division,
                &division.map(|_| q.dataset.version),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect())
}
