//! Accessibility at load (issue 17): for each service dataset whose catalog entry has
//! `[access]`, the travel time from every populated grid cell to the nearest service of each
//! type, by car and on foot, along the road network it names, from one multi-source pass
//! per type and profile ([`crate::network::nearest`]). Then the people per unit of every
//! division and whole minute, so any threshold's answer for every kommun is a small sum.
//!
//! Recomputed in the load transaction of the services, the network or the population grid
//! (and only the per-unit sums when a division is loaded), after the population weights, so
//! what serves always matches the serving versions of all three.
//!
//! A cell joins the network at whichever of the [`JOIN_NODES`] nodes nearest its centre is
//! quickest, a service at the ones nearest it, each along a straight line at the model's
//! connector speed; a cell or service farther than `max_snap_m` (for cells at least the
//! cell's side) from every node has no road.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_postgres::Transaction;

use super::access_sums;
use super::population::{self, Source as Population};
use crate::catalog::Access;
use crate::network::{self, Graph, Profile, Source};
use crate::{LoadError, Result};

/// One accessibility computation of a load.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReport {
    /// The service dataset.
    pub services: String,
    /// The road network travelled along.
    pub network: String,
    /// The population grid counted.
    pub population: String,
    /// Service types, each with its number of services.
    pub service_types: BTreeMap<String, u64>,
    /// Populated cells.
    pub cells: u64,
    /// Cells with no road within reach.
    pub cells_without_road: u64,
    /// Links read.
    pub links: u64,
    /// Wall time (in seconds, as JSON).
    #[serde(serialize_with = "super::seconds")]
    pub elapsed: Duration,
}

/// A service dataset with `[access]`, serving.
struct Services {
    id: String,
    version: i64,
    table: String,
    access: Access,
}

/// A serving road network.
struct Network {
    version: i64,
    table: String,
    columns: Vec<String>,
}

/// Recomputes the accessibility the load of `id` changes. A service dataset whose network
/// or population is not loaded yet is skipped (it is computed when they are).
pub(super) async fn refresh(tx: &Transaction<'_>, id: &str) -> Result<Vec<AccessReport>> {
    // Travel times run from grid cells: a table by kommun or DeSO has one point per unit, far
    // too coarse, so none are computed from it (and answers from an older grid are refused).
    let Some(population) = population::source(tx).await?.filter(|p| !p.joined) else {
        return Ok(Vec::new());
    };
    let mut reports = Vec::new();
    let mut staged = false;
    for services in services(tx).await? {
        let Some(network) = network(tx, &services.access.network).await? else {
            continue;
        };
        let computed: Option<(i64, i64, i64)> = tx
            .query_opt(
                "SELECT services_version, network_version, population_version
                 FROM rummet.access_runs WHERE services = $1 AND network = $2 AND population = $3",
                &[&services.id, &services.access.network, &population.id],
            )
            .await
            .map_err(LoadError::db("reading the accessibility runs"))?
            .map(|r| (r.get(0), r.get(1), r.get(2)));
        let fresh = computed == Some((services.version, network.version, population.version));
        if fresh {
            if is_division(tx, id).await? {
                access_sums::rewrite_division(tx, &services.id, id).await?;
            }
            continue;
        }
        if !staged {
            population::stage_cells(tx, &population).await?;
            staged = true;
        }
        reports.push(compute(tx, &services, &network, &population).await?);
    }
    Ok(reports)
}

async fn services(tx: &Transaction<'_>) -> Result<Vec<Services>> {
    let rows = tx
        .query(
            "SELECT id, version, table_name, catalog->'access' FROM rummet.datasets
             WHERE catalog ? 'access' AND jsonb_typeof(catalog->'access') = 'object'
               AND geometry_type = 'MultiPoint' ORDER BY id",
            &[],
        )
        .await
        .map_err(LoadError::db("reading the service datasets"))?;
    rows.iter()
        .map(|r| {
            let access: serde_json::Value = r.get(3);
            Ok(Services {
                id: r.get(0),
                version: r.get(1),
                table: r.get(2),
                access: serde_json::from_value(access).map_err(|e| LoadError::Rejected {
                    input: r.get(0),
                    message: format!("its [access] in the registry is unreadable: {e}"),
                })?,
            })
        })
        .collect()
}

async fn network(tx: &Transaction<'_>, id: &str) -> Result<Option<Network>> {
    Ok(tx
        .query_opt(
            "SELECT version, table_name,
                    ARRAY(SELECT f->>'name' FROM jsonb_array_elements(fields) f)
             FROM rummet.datasets WHERE id = $1 AND geometry_type = 'MultiLineString'",
            &[&id],
        )
        .await
        .map_err(LoadError::db("reading the road network"))?
        .map(|r| Network {
            version: r.get(0),
            table: r.get(1),
            columns: r.get(2),
        }))
}

async fn is_division(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM rummet.datasets WHERE id = $1 AND role = 'division'",
            &[&id],
        )
        .await
        .map_err(LoadError::db("reading the registry"))?
        .is_some())
}

/// The services of each type, as points in SWEREF 99 TM.
async fn service_points(
    tx: &Transaction<'_>,
    services: &Services,
) -> Result<BTreeMap<String, Vec<[f64; 2]>>> {
    let sql = format!(
        "SELECT {kind}::text, ST_X(p), ST_Y(p)
         FROM (SELECT {kind}, ST_PointOnSurface(geom_3006) AS p FROM {table}) s
         WHERE {kind} IS NOT NULL",
        kind = rummet_core::escape_identifier(&services.access.service_type),
        table = super::overlay::qualified(&services.table),
    );
    let mut by_type: BTreeMap<String, Vec<[f64; 2]>> = BTreeMap::new();
    for r in tx
        .query(&sql, &[])
        .await
        .map_err(LoadError::db("reading the services"))?
    {
        by_type
            .entry(r.get(0))
            .or_default()
            .push([r.get(1), r.get(2)]);
    }
    Ok(by_type)
}

/// How many of the nearest nodes a home or a service may join the network at: the nearest
/// may end a stub or a piece of road joined to nothing else (NVDB has many), and a home beside
/// a through road must not count as cut off for it.
const JOIN_NODES: usize = 4;

/// A populated cell where it may join the network: its nearest nodes and their distances.
struct Cell {
    fid: i64,
    people: f64,
    joined: Vec<(network::NodeId, f64)>,
}

async fn compute(
    tx: &Transaction<'_>,
    services: &Services,
    network: &Network,
    population: &Population,
) -> Result<AccessReport> {
    let started = Instant::now();
    let model = &services.access.model;
    let columns: Vec<&str> = network.columns.iter().map(String::as_str).collect();
    let links = network::links(tx, &network.table, &columns).await?;
    let link_count = links.len() as u64;
    let graph = Graph::build(links, model);
    let by_type = service_points(tx, services).await?;
    let cell_m: f64 = tx
        .query_one(
            "SELECT coalesce(sqrt(max(area_m2)), 0) FROM pg_temp.rummet_cells",
            &[],
        )
        .await
        .map_err(LoadError::db("reading the cell size"))?
        .get(0);
    let reach = model.max_snap_m.max(cell_m);
    let cells: Vec<Cell> = tx
        .query("SELECT fid, people, x, y FROM pg_temp.rummet_cells", &[])
        .await
        .map_err(LoadError::db("reading the population cells"))?
        .iter()
        .map(|r| Cell {
            fid: r.get(0),
            people: r.get(1),
            joined: graph.nearest_nodes([r.get(2), r.get(3)], reach, JOIN_NODES),
        })
        .collect();
    let without_road = cells.iter().filter(|c| c.joined.is_empty()).count() as u64;
    clear(tx, &services.id).await?;
    let weights = access_sums::weights(tx, None).await?;
    let fids: Vec<i64> = cells.iter().map(|c| c.fid).collect();
    let people: Vec<f64> = cells.iter().map(|c| c.people).collect();
    for (kind, points) in &by_type {
        for profile in Profile::ALL {
            let sources: Vec<Source> = points
                .iter()
                .flat_map(|p| graph.nearest_nodes(*p, model.max_snap_m, JOIN_NODES))
                .map(|(node, d)| Source {
                    node,
                    #[expect(clippy::cast_possible_truncation, reason = "seconds fit f32")]
                    seconds: model.connector_seconds(profile, d) as f32,
                })
                .collect();
            let at_node = network::nearest(&graph, profile, &sources, None);
            let seconds: Vec<Option<f32>> = cells
                .iter()
                .map(|c| {
                    let t = c
                        .joined
                        .iter()
                        .map(|&(node, d)| {
                            #[expect(clippy::cast_possible_truncation, reason = "seconds fit f32")]
                            let connector = model.connector_seconds(profile, d) as f32;
                            at_node[node as usize] + connector
                        })
                        .fold(f32::INFINITY, f32::min);
                    t.is_finite().then_some(t)
                })
                .collect();
            tx.execute(
                "INSERT INTO rummet.access_cells (services, service_type, profile, fid, people, seconds)
                 SELECT $1, $2, $3, c.fid, c.people, c.seconds
                 FROM unnest($4::bigint[], $5::float8[], $6::real[]) AS c(fid, people, seconds)",
                &[&services.id, kind, &profile.as_str(), &fids, &people, &seconds],
            )
            .await
            .map_err(LoadError::db("writing the travel times"))?;
            let pass = (services.id.as_str(), kind.as_str(), profile.as_str());
            access_sums::write(tx, pass, &weights, &fids, &seconds).await?;
        }
    }
    let elapsed = started.elapsed();
    let types: Vec<&String> = by_type.keys().collect();
    let counts = (cells.len(), link_count, elapsed);
    register(tx, (services, network, population), &types, counts).await?;
    tracing::debug!(services = services.id, ?elapsed, "accessibility computed");
    Ok(AccessReport {
        services: services.id.clone(),
        network: services.access.network.clone(),
        population: population.id.clone(),
        service_types: by_type
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as u64))
            .collect(),
        cells: cells.len() as u64,
        cells_without_road: without_road,
        links: link_count,
        elapsed,
    })
}

/// Records what the run was computed from, for the answers and the staleness check.
async fn register(
    tx: &Transaction<'_>,
    (services, network, population): (&Services, &Network, &Population),
    types: &[&String],
    (cells, link_count, elapsed): (usize, u64, Duration),
) -> Result<()> {
    tx.execute(
        "INSERT INTO rummet.access_runs (services, services_version, network, network_version, population,
                                         population_version, population_table, service_types, cells, links,
                                         model, elapsed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &services.id,
            &services.version,
            &services.access.network,
            &network.version,
            &population.id,
            &population.version,
            &population.table,
            &types,
            &i64::try_from(cells).unwrap_or(i64::MAX),
            &i64::try_from(link_count).unwrap_or(i64::MAX),
            &serde_json::to_value(&services.access.model).unwrap_or_default(),
            &i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        ],
    )
    .await
    .map_err(LoadError::db("registering the accessibility run"))?;
    Ok(())
}

async fn clear(tx: &Transaction<'_>, services: &str) -> Result<()> {
    for sql in [
        "DELETE FROM rummet.access_cells WHERE services = $1",
        "DELETE FROM rummet.access_units WHERE services = $1",
        "DELETE FROM rummet.access_runs WHERE services = $1",
    ] {
        tx.execute(sql, &[&services])
            .await
            .map_err(LoadError::db("replacing the travel times"))?;
    }
    Ok(())
}
