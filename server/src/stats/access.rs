//! `GET /api/access/{dataset}?service=…&within=…&by=…`: people and share of people within a
//! travel time of the nearest service of a type, per unit, from the load-time accessibility
//! (`rummet.access_units`: people per unit and whole minute), and the travel-time grid as
//! vector tiles (`rummet.access_cells` over the population grid's cells).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use tokio_postgres::GenericClient;

use super::request::{self, Format, Params, UnitRef};
use super::sql::{division_units, push};
use super::{Rendered, StatsError, StatsService, division_geometries_of, units_text};
use crate::access::Principal;
use crate::datasets::Dataset;
use crate::db::Guarded;
use crate::filter::{Param, bind};

/// Parameters `GET /api/access/{dataset}` takes.
pub const ACCESS_PARAMS: &[&str] = &["service", "within", "by", "profile", "in", "format"];

/// Lowest zoom the travel-time grid is drawn at: below it a tile would hold a few hundred
/// thousand cells, too many to encode per request and too small to see; the choropleth of
/// shares answers there.
pub const ACCESS_MIN_ZOOM: u8 = 7;

/// Longest threshold, minutes.
pub const MAX_WITHIN_MIN: i32 = 600;

/// How travel times are computed, as stated in every answer and the README.
pub const METHOD: &str = "Travel time from each populated grid cell to the nearest service of \
the type, along the road network, from one multi-source shortest-path pass per type and \
profile over the whole network (services across a län or kommun border count). A cell joins \
the network at whichever of the four nodes nearest its centre within reach is quickest, and a \
service at the four nearest it, along a straight line at the model's connector speed; a cell \
farther than max_snap_m (or its cell side) from every node has no road and counts as \
unreachable. Times are rounded to the second, \
then up to the whole minute, so a cell at exactly the threshold is within it. A cell's people \
are apportioned to units by areal weighting.";

/// A profile named in a request.
fn profile(text: Option<&str>) -> Result<&'static str, StatsError> {
    match text.unwrap_or("car") {
        "car" => Ok("car"),
        "walk" => Ok("walk"),
        other => Err(StatsError::Parameter(format!(
            "profile {other:?} is not one of car, walk"
        ))),
    }
}

/// `10min` or `10` → 10 minutes.
///
/// # Errors
/// When it is not a whole number of minutes from 0 to [`MAX_WITHIN_MIN`].
pub fn parse_minutes(text: &str) -> Result<i32, StatsError> {
    let digits = text
        .trim()
        .strip_suffix("min")
        .unwrap_or(text.trim())
        .trim();
    digits
        .parse::<i32>()
        .ok()
        .filter(|m| (0..=MAX_WITHIN_MIN).contains(m))
        .ok_or_else(|| {
            StatsError::Parameter(format!(
                "within={text:?} must be whole minutes from 0 to {MAX_WITHIN_MIN}, e.g. within=10min"
            ))
        })
}

/// What the load computed for a service dataset (`rummet.access_runs`).
struct Run {
    services_version: i64,
    network: String,
    network_version: i64,
    population: String,
    population_version: i64,
    population_table: String,
    service_types: Vec<String>,
    model: Value,
}

async fn run(client: &impl GenericClient, dataset: &Dataset) -> Result<Run, StatsError> {
    let row = client
        .query_opt(
            // Current only while the services, the network and the population grid it was
            // computed from all serve those very versions (a removal or a skipped recompute
            // leaves it behind).
            "SELECT services_version, network, network_version, population, population_version,
                    population_table, service_types, model,
                    (SELECT d.version FROM rummet.datasets d WHERE d.id = r.services) = r.services_version
                    AND (SELECT d.version FROM rummet.datasets d WHERE d.id = r.network) = r.network_version
                    AND EXISTS (SELECT 1 FROM rummet.population_source p
                                WHERE p.id = r.population AND p.version = r.population_version)
             FROM rummet.access_runs r WHERE services = $1",
            &[&dataset.id.as_str()],
        )
        .await?
        .ok_or_else(|| {
            StatsError::NoPopulation(format!(
                "no accessibility is computed for {}: it needs [access] in its catalog entry, and its \
                 road network and a population grid loaded (each load computes it)",
                dataset.id
            ))
        })?;
    if !row.get::<_, Option<bool>>(8).unwrap_or(false) {
        return Err(StatsError::NoPopulation(format!(
            "the travel times of {} were computed from versions of the services, {} or {} that \
             no longer serve; they are computed again by the next load of any of them",
            dataset.id,
            row.get::<_, String>(1),
            row.get::<_, String>(3)
        )));
    }
    Ok(Run {
        services_version: row.get(0),
        network: row.get(1),
        network_version: row.get(2),
        population: row.get(3),
        population_version: row.get(4),
        population_table: row.get(5),
        service_types: row.get(6),
        model: row.get(7),
    })
}

/// The service type named `service`, as the data spells it: exactly, or else the one type
/// equal but for case (`dagligvaror` for Pipos' `Dagligvaror`).
fn check_service<'r>(run: &'r Run, service: &str) -> Result<&'r str, StatsError> {
    let exact = run.service_types.iter().find(|t| *t == service);
    let mut folded = run
        .service_types
        .iter()
        .filter(|t| t.to_lowercase() == service.to_lowercase());
    let only = match (folded.next(), folded.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    };
    if let Some(t) = exact.or(only) {
        Ok(t)
    } else {
        Err(StatsError::Parameter(format!(
            "service {service:?} is not a service type here; types: {}",
            run.service_types.join(", ")
        )))
    }
}

/// One unit's answer.
#[derive(Debug, Serialize)]
struct Row {
    code: String,
    name: String,
    /// People living in the unit.
    people: f64,
    /// Of them, within the threshold.
    within: f64,
    /// `within` as a percentage of `people`.
    share: f64,
    /// People with no road near, or no service reachable.
    unreachable: f64,
}

#[derive(Debug, Serialize)]
struct Totals {
    people: f64,
    within: f64,
    share: f64,
    unreachable: f64,
}

#[derive(Debug, Serialize)]
struct AccessAnswer {
    dataset: String,
    title: String,
    version: i64,
    service: String,
    profile: &'static str,
    within_min: i32,
    by: String,
    division_version: i64,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    within_units: Option<String>,
    network: Value,
    population: Value,
    model: Value,
    method: &'static str,
    licence: String,
    attribution: String,
    rows: Vec<Row>,
    totals: Totals,
}

fn share(within: f64, people: f64) -> f64 {
    if people > 0.0 {
        100.0 * within / people
    } else {
        0.0
    }
}

impl StatsService {
    /// `GET /api/access`: every service dataset with computed accessibility the asker may
    /// see, with its service types, profiles, network and population grid.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn access_list(&self, viewer: Option<&Principal>) -> Result<Rendered, StatsError> {
        let client = Guarded::new(self.pool.get().await?);
        let asked = client
            .query(
                "SELECT services, services_version, network, network_version, population,
                        population_version, service_types, cells, links, model,
                        to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                 FROM rummet.access_runs ORDER BY services",
                &[],
            )
            .await;
        client.release();
        let seen = self.seen(viewer);
        let list: Vec<Value> = asked?
            .iter()
            .filter_map(|r| {
                let id: String = r.get(0);
                let dataset = request::dataset(seen, &id).ok()?;
                Some(json!({
                    "dataset": id,
                    "title": dataset.title,
                    "version": r.get::<_, i64>(1),
                    "service_types": r.get::<_, Vec<String>>(6),
                    "profiles": ["car", "walk"],
                    "network": {"dataset": r.get::<_, String>(2), "version": r.get::<_, i64>(3)},
                    "population": {"dataset": r.get::<_, String>(4), "version": r.get::<_, i64>(5)},
                    "cells": r.get::<_, i64>(7),
                    "links": r.get::<_, i64>(8),
                    "model": r.get::<_, Value>(9),
                    "computed_at": r.get::<_, String>(10),
                    "method": METHOD,
                }))
            })
            .collect();
        Ok(Rendered {
            body: serde_json::to_vec(&json!({ "access": list }))
                .unwrap_or_default()
                .into(),
            content_type: "application/json",
        })
    }

    /// `GET /api/access/{dataset}`.
    ///
    /// # Errors
    /// A [`StatsError`] naming what was wrong.
    pub async fn access(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        let mut params = Params::new(params);
        let seen = self.seen(viewer);
        let dataset = request::dataset(seen, dataset)?;
        let service = params.take("service").ok_or_else(|| {
            StatsError::Parameter("service= is required, e.g. service=dagligvaror".to_owned())
        })?;
        let minutes = parse_minutes(params.take("within").as_deref().unwrap_or("10min"))?;
        let by = request::division(seen, params.take("by").as_deref().unwrap_or("kommun"))?;
        let profile = profile(params.take("profile").as_deref())?;
        let within = params
            .take("in")
            .map(|t| request::unit_refs(seen, "in", &t))
            .transpose()?
            .unwrap_or_default();
        let format = params
            .take("format")
            .map_or(Ok(Format::Json), |f| Format::parse(&f))?;
        params.finish(ACCESS_PARAMS)?;
        let mut read: Vec<&Dataset> = vec![&dataset, &by];
        read.extend(within.iter().map(|w| &*w.division));
        let client = Guarded::new(self.read(&read).get().await?);
        let asked = async {
            let run = run(&*client, &dataset).await?;
            let service = check_service(&run, &service)?.to_owned();
            for w in &within {
                super::zones::check_unit(&*client, w).await?;
            }
            let (rows, totals) = per_unit(
                &*client,
                (&dataset, service.as_str(), profile),
                by.id.as_str(),
                &within,
                minutes,
            )
            .await?;
            let geometries = if format == Format::GeoJson {
                let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
                division_geometries_of(&*client, by.id.as_str(), &codes).await?
            } else {
                HashMap::new()
            };
            Ok::<_, StatsError>((run, service, rows, totals, geometries))
        }
        .await;
        client.release();
        let (run, service, rows, totals, geometries) = asked?;
        let answer = AccessAnswer {
            dataset: dataset.id.to_string(),
            title: dataset.title.clone(),
            version: dataset.version,
            service,
            profile,
            within_min: minutes,
            by: by.id.to_string(),
            division_version: by.version,
            within_units: units_text(&within),
            network: json!({"dataset": run.network, "version": run.network_version}),
            population: json!({"dataset": run.population, "version": run.population_version,
                               "method": super::population::METHOD}),
            model: run.model,
            method: METHOD,
            licence: dataset.licence.clone(),
            attribution: dataset.attribution.clone(),
            rows,
            totals,
        };
        Ok(render(&answer, format, &geometries))
    }

    /// The travel-time grid of `dataset`'s `service` by `profile` in tile `z/x/y` (Web
    /// Mercator) as a Mapbox Vector Tile: layer `access`, a polygon per populated cell with
    /// `minutes` (absent where unreachable), `seconds` and `people`; empty below
    /// [`ACCESS_MIN_ZOOM`]. Whether the dataset is public comes along, for the caching.
    ///
    /// # Errors
    /// A [`StatsError`] naming what was wrong.
    pub async fn access_tile(
        &self,
        dataset: &str,
        service: &str,
        (z, x, y): (u8, u32, u32),
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<(Bytes, bool), StatsError> {
        let mut params = Params::new(params);
        let dataset = request::dataset(self.seen(viewer), dataset)?;
        let profile = profile(params.take("profile").as_deref())?;
        params.finish(&["profile"])?;
        let public = dataset.visibility == crate::access::Visibility::Public;
        if z < ACCESS_MIN_ZOOM {
            return Ok((Bytes::new(), public));
        }
        let client = Guarded::new(self.read(&[&dataset]).get().await?);
        let asked = async {
            let run = run(&*client, &dataset).await?;
            let service = check_service(&run, service)?;
            // A tile is made of what the run was computed from: keyed by the run's three
            // versions (a new run, even one rolled back to old numbers, is a new load with a new
            // services version), a cached one never outlives them.
            let key = format!(
                "access-tile|{}@{}|{}@{}|{}@{}|{service}|{profile}|{z}/{x}/{y}",
                dataset.id,
                run.services_version,
                run.network,
                run.network_version,
                run.population,
                run.population_version
            );
            if let Some(hit) = self.cache.get(&key).await {
                return Ok((hit.body, public));
            }
            let sql = format!(
                "SELECT coalesce(ST_AsMVT(t, 'access', 4096, 'geom'), ''::bytea) FROM (
                   SELECT ST_AsMVTGeom(p.geom, ST_TileEnvelope($4, $5, $6), 4096, 64, true) AS geom,
                          -- Rounded half up to the second as the load's sums are (a real's
                          -- numeric cast would first round it to six digits).
                          ceil(floor(a.seconds::float8 + 0.5) / 60)::int AS minutes,
                          floor(a.seconds::float8 + 0.5)::int AS seconds, a.people
                   FROM {grid} p
                   JOIN rummet.access_cells a
                     ON a.fid = p.fid AND a.services = $1 AND a.service_type = $2 AND a.profile = $3
                   WHERE p.geom && ST_TileEnvelope($4, $5, $6, margin => 64.0 / 4096)) t
                 WHERE geom IS NOT NULL",
                grid = super::sql::data_table(&run.population_table),
            );
            let (zi, xi, yi) = (i32::from(z), i64::from(x), i64::from(y));
            let (xi, yi) = (
                i32::try_from(xi).unwrap_or(i32::MAX),
                i32::try_from(yi).unwrap_or(i32::MAX),
            );
            let row = client
                .query_one(
                    &sql,
                    &[&dataset.id.as_str(), &service, &profile, &zi, &xi, &yi],
                )
                .await?;
            let tile = Bytes::from(row.get::<_, Vec<u8>>(0));
            let rendered = Rendered {
                body: tile.clone(),
                content_type: "application/vnd.mapbox-vector-tile",
            };
            self.cache.insert(key, rendered).await;
            Ok::<_, StatsError>((tile, public))
        }
        .await;
        client.release();
        asked
    }
}

/// The rows and totals: per unit, the people, those within `minutes`, and the unreachable.
async fn per_unit(
    client: &impl GenericClient,
    (dataset, service, profile): (&Dataset, &str, &str),
    by: &str,
    within: &[UnitRef],
    minutes: i32,
) -> Result<(Vec<Row>, Totals), StatsError> {
    let mut params = Vec::new();
    let units = division_units(by, within, &mut params);
    let ds = push(&mut params, Param::Text(dataset.id.to_string()));
    let svc = push(&mut params, Param::Text(service.to_owned()));
    let prof = push(&mut params, Param::Text(profile.to_owned()));
    let div = push(&mut params, Param::Text(by.to_owned()));
    // `within` is cumulated by minute from 0: the threshold's entry is one array read.
    let slot = push(&mut params, Param::Int(i64::from(minutes) + 1));
    let sql = format!(
        "WITH {units}
         SELECT u.code, u.name, coalesce(a.people, 0)::float8, coalesce(a.within[({slot})::int], 0)::float8,
                coalesce(a.unreachable, 0)::float8, a.code IS NOT NULL
         FROM units u LEFT JOIN rummet.access_units a
           ON a.services = {ds} AND a.service_type = {svc} AND a.profile = {prof}
          AND a.division = {div} AND a.code = u.code
         ORDER BY u.code"
    );
    let result = client.query(&sql, &bind(&params)).await?;
    if !result.is_empty() && !result.iter().any(|r| r.get::<_, bool>(5)) {
        return Err(StatsError::NoPopulation(format!(
            "the people of {by} are not summed for {} yet: they are by the next load of it, of \
             {by} or of the population grid",
            dataset.id
        )));
    }
    let rows: Vec<Row> = result
        .iter()
        .map(|r| {
            let (people, within): (f64, f64) = (r.get(2), r.get(3));
            Row {
                code: r.get(0),
                name: r.get(1),
                people,
                within,
                share: share(within, people),
                unreachable: r.get(4),
            }
        })
        .collect();
    let (people, inside, unreachable) = rows.iter().fold((0.0, 0.0, 0.0), |s, r| {
        (s.0 + r.people, s.1 + r.within, s.2 + r.unreachable)
    });
    let totals = Totals {
        people,
        within: inside,
        share: share(inside, people),
        unreachable,
    };
    Ok((rows, totals))
}

fn render(answer: &AccessAnswer, format: Format, geometries: &HashMap<String, String>) -> Rendered {
    match format {
        Format::Json => Rendered {
            body: serde_json::to_vec(answer).unwrap_or_default().into(),
            content_type: "application/json",
        },
        Format::Csv => {
            let mut out = String::from("code,name,people,within,share,unreachable\r\n");
            for r in &answer.rows {
                let _ = write!(
                    out,
                    "{},{},{},{},{},{}\r\n",
                    super::answer::csv_field(&r.code),
                    super::answer::csv_field(&r.name),
                    r.people,
                    r.within,
                    r.share,
                    r.unreachable
                );
            }
            Rendered {
                body: out.into(),
                content_type: "text/csv; charset=utf-8",
            }
        }
        Format::GeoJson => {
            let rows = answer.rows.iter().map(|r| (&r.code, r));
            Rendered {
                body: super::answer::feature_collection(answer, rows, geometries).into(),
                content_type: "application/geo+json",
            }
        }
    }
}
