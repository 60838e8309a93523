//! Statistics: numbers per kommun, län, FA-region or any division, per drawn area and per
//! border zone, answered from the overlay the loaders compute at load time. Answers are
//! cached by the versions of the dataset and the division, so a reload is never answered from
//! old numbers.

mod access;
mod answer;
mod error;
pub mod population;
mod request;
mod sql;
mod units;
mod zones;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use deadpool_postgres::Pool;
use moka::future::Cache;
use rummet_core::GeometryKind;

use crate::db::Guarded;
use serde_json::json;
use tokio_postgres::GenericClient;

pub use access::{ACCESS_PARAMS, MAX_WITHIN_MIN, METHOD as ACCESS_METHOD};
pub use answer::{Answer, Rendered};
pub use error::StatsError;
pub use request::{Format, MEASURES, Measure};
pub use zones::{MAX_AREA_KM2, MAX_VERTICES, MAX_WITHIN_M};

/// The zone parsers, for the property tests.
#[cfg(test)]
pub(crate) mod zones_for_tests {
    pub use super::zones::{parse_drawn, parse_within};
}

use crate::access::Principal;
use crate::datasets::{Dataset, Datasets};
use crate::db::QueryError;
use crate::db::registry::FieldInfo;
use crate::db::replicas::{ReadKind, Replicas, on_primary};
use crate::filter::bind;
use request::{Params, Question, UnitRef};
use sql::{Built, Zone};

/// Bytes of rendered answers kept in memory.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Parameters of `GET /api/stats/{dataset}`.
pub const DIVISION_PARAMS: &[&str] = &["by", "measure", "group", "where", "in", "format"];
/// Parameters of `POST /api/stats/{dataset}/area`.
pub const AREA_PARAMS: &[&str] = &["measure", "group", "where", "format", "crs"];
/// Parameters of `GET /api/stats/{dataset}/border`.
pub const BORDER_PARAMS: &[&str] = &["a", "b", "within", "measure", "group", "where", "format"];

/// The load-time overlay of a dataset by a division, from `rummet.overlays`.
struct Overlay {
    table: String,
    dataset_version: i64,
    division_version: i64,
    features: i64,
    /// Fields with group rows written at load.
    grouped: Vec<String>,
}

/// Answers statistics questions.
#[derive(Clone)]
pub struct StatsService {
    pool: Pool,
    replicas: Arc<Replicas>,
    datasets: Arc<Datasets>,
    cache: Cache<String, Rendered>,
}

impl StatsService {
    /// The loaded datasets as `viewer` may see them.
    /// The loaded population grids, when `q` counts people: their versions key its cache
    /// entry and a replica must hold them.
    fn population_grids(&self, q: &Question) -> Vec<Arc<Dataset>> {
        if !q.measure.is_population() {
            return Vec::new();
        }
        self.datasets
            .all_any()
            .into_iter()
            .filter(|d| d.role == rummet_core::Role::Population)
            .collect()
    }

    fn seen<'a>(&'a self, viewer: Option<&'a Principal>) -> request::Seen<'a> {
        request::Seen {
            datasets: &self.datasets,
            viewer,
        }
    }

    /// The pool statistics questions run on.
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The pool to ask about `datasets` on: a replica that has replayed their versions, or
    /// the primary's statistics pool.
    fn read(&self, datasets: &[&Dataset]) -> Pool {
        let versions: Vec<(&str, i64)> = datasets
            .iter()
            .map(|d| (d.id.as_str(), d.version))
            .collect();
        self.replicas
            .pool_for(&self.pool, ReadKind::Stats, &versions)
    }

    /// A service asking its questions on `pool` (or on `replicas`), reading datasets from
    /// `datasets`.
    #[must_use]
    pub fn new(pool: Pool, replicas: Arc<Replicas>, datasets: Arc<Datasets>) -> Self {
        let cache = Cache::builder()
            .max_capacity(CACHE_BYTES)
            .weigher(|k: &String, v: &Rendered| {
                u32::try_from(k.len() + v.body.len()).unwrap_or(u32::MAX)
            })
            .build();
        Self {
            pool,
            replicas,
            datasets,
            cache,
        }
    }

    /// `GET /api/stats/{dataset}?by=…`: one row per unit of a division.
    ///
    /// # Errors
    /// A [`StatsError`] naming what was wrong.
    pub async fn by_division(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        self.once_more_if_stale(|| self.by_division_once(dataset, params.clone(), viewer))
            .await
    }

    async fn by_division_once(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        let mut params = Params::new(params);
        let dataset = request::dataset(self.seen(viewer), dataset)?;
        let by = request::division(
            self.seen(viewer),
            params.take("by").as_deref().unwrap_or("kommun"),
        )?;
        let within = params
            .take("in")
            .map(|t| request::unit_refs(self.seen(viewer), "in", &t))
            .transpose()?
            .unwrap_or_default();
        let q = request::question(dataset, &mut params)?;
        params.finish(DIVISION_PARAMS)?;
        if by.id == q.dataset.id {
            return Err(StatsError::Parameter(format!(
                "{} cannot be measured by itself; choose another division",
                by.id
            )));
        }
        let within_text = units_text(&within);
        // The units of `in=` are read too: their divisions' versions count like `by`'s.
        let mut touched: Vec<&Dataset> = vec![&by];
        touched.extend(within.iter().map(|w| &*w.division));
        // People are counted from the population grid: its version shapes the answer too.
        let grids = self.population_grids(&q);
        touched.extend(grids.iter().map(AsRef::as_ref));
        let key = cache_key(&q, &touched, within_text.as_deref(), "");
        if let Some(hit) = self.cache.get(&key).await {
            metrics::counter!("rummet_stats_cache_total", "result" => "hit").increment(1);
            return Ok(hit);
        }
        metrics::counter!("rummet_stats_cache_total", "result" => "miss").increment(1);
        touched.push(&q.dataset);
        let client = Guarded::new(self.read(&touched).get().await?);
        let asked = async {
            for w in &within {
                zones::check_unit(&*client, w).await?;
            }
            let (built, versions, counted) = if q.dataset.role == rummet_core::Role::Population {
                // A population grid's statistics are its people per unit, counted at load.
                let counted = population::counted(&*client, None).await?;
                counted.is(&q.dataset)?;
                let built = population::grid_units(by.id.as_str(), &within);
                (
                    built,
                    (q.dataset.version, by.version),
                    Some(counted.describe()),
                )
            } else {
                let overlay = overlay(&*client, &q.dataset, &by).await?;
                let counted = if q.measure.is_population() {
                    let pair = (q.dataset.id.as_str(), by.id.as_str());
                    Some(population::counted(&*client, Some(pair)).await?.describe())
                } else {
                    None
                };
                let versions = (overlay.dataset_version, overlay.division_version);
                (
                    overlay_question(&q, &by, &within, &overlay),
                    versions,
                    counted,
                )
            };
            let result = client.query(&built.sql, &bind(&built.params)).await?;
            let (rows, totals) = answer::rows_and_totals(&q, &result);
            let geometries = if q.format == Format::GeoJson {
                division_geometries(&*client, by.id.as_str(), &rows).await?
            } else {
                HashMap::new()
            };
            Ok::<_, StatsError>((versions, rows, totals, geometries, counted))
        }
        .await;
        client.release();
        let ((dataset_version, division_version), rows, totals, geometries, counted) = asked?;
        let answer = Answer {
            population: counted,
            by: Some(by.id.to_string()),
            division_version: Some(division_version),
            within: within_text,
            division_attribution: Some(by.attribution.clone()),
            division_licence: Some(by.licence.clone()),
            rows,
            totals,
            ..base_answer(&q, dataset_version)
        };
        let rendered = answer.render(q.format, &geometries);
        // Cached only when the overlay is of the versions the key names; right after a
        // reload the view may lag the database by one notification.
        if dataset_version == q.dataset.version && division_version == by.version {
            self.cache.insert(key, rendered.clone()).await;
        }
        Ok(rendered)
    }

    /// `POST /api/stats/{dataset}/area`: one row for the drawn polygon.
    ///
    /// # Errors
    /// A [`StatsError`] naming what was wrong.
    pub async fn in_area(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        body: &[u8],
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        self.once_more_if_stale(|| self.in_area_once(dataset, params.clone(), body, viewer))
            .await
    }

    async fn in_area_once(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        body: &[u8],
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        let mut params = Params::new(params);
        let dataset = request::dataset(self.seen(viewer), dataset)?;
        let crs = params.take("crs");
        let q = request::question(dataset, &mut params)?;
        params.finish(AREA_PARAMS)?;
        let drawn = zones::parse_drawn(body, crs.as_deref())?;
        let grids = self.population_grids(&q);
        let read: Vec<&Dataset> = grids.iter().map(AsRef::as_ref).collect();
        let key = cache_key(
            &q,
            &read,
            None,
            &format!("{}:{}", drawn.srid, drawn.geometry),
        );
        self.cached_zones(key, &q, async |client| {
            let (zone, area) = zones::drawn_zone(client, &drawn).await?;
            let context = json!({"area_m2": area, "crs": format!("EPSG:{}", drawn.srid)});
            Ok((vec![zone], context))
        })
        .await
    }

    /// `GET /api/stats/{dataset}/border?a=…&b=…&within=…`: one row per side of the border.
    ///
    /// # Errors
    /// A [`StatsError`] naming what was wrong.
    pub async fn at_border(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        self.once_more_if_stale(|| self.at_border_once(dataset, params.clone(), viewer))
            .await
    }

    /// Asks `question`, and once more if it raced a reload: it read the registry before the
    /// swap and reached a table the load dropped after it. The registry then names the new
    /// versions; it is read again (the `NOTIFY` may not have arrived yet) so the retry asks
    /// those.
    async fn once_more_if_stale<F>(&self, question: impl Fn() -> F) -> Result<Rendered, StatsError>
    where
        F: Future<Output = Result<Rendered, StatsError>>,
    {
        match question().await {
            Err(StatsError::Query(QueryError::StaleTable(_))) => {
                self.datasets.reload_all(&self.pool).await?;
                question().await
            }
            // A replica's replay cancelled it: the primary answers.
            Err(StatsError::Query(QueryError::RecoveryConflict(_))) => on_primary(question()).await,
            other => other,
        }
    }

    async fn at_border_once(
        &self,
        dataset: &str,
        params: BTreeMap<String, String>,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        let mut params = Params::new(params);
        let dataset = request::dataset(self.seen(viewer), dataset)?;
        let mut unit = |name: &str| {
            let text = params.take(name).ok_or_else(|| {
                StatsError::Parameter(format!("{name}= is required, e.g. {name}=lan:06"))
            })?;
            request::unit_ref(self.seen(viewer), name, &text)
        };
        let (a, b) = (unit("a")?, unit("b")?);
        let within = zones::parse_within(params.take("within").as_deref().unwrap_or("5km"))?;
        let q = request::question(dataset, &mut params)?;
        params.finish(BORDER_PARAMS)?;
        if a.division.id == b.division.id && a.code == b.code {
            return Err(StatsError::Parameter(
                "a and b name the same unit".to_owned(),
            ));
        }
        let grids = self.population_grids(&q);
        let key = cache_key(
            &q,
            &[&*a.division, &*b.division]
                .into_iter()
                .chain(grids.iter().map(AsRef::as_ref))
                .collect::<Vec<&Dataset>>(),
            None,
            &format!("{}|{}|{within}", unit_text(&a), unit_text(&b)),
        );
        self.cached_zones(key, &q, async |client| {
            let (zones, border) = zones::border_zones(client, &a, &b, within).await?;
            let context = json!({
                "a": unit_text(&a), "b": unit_text(&b), "within_m": within, "border_length_m": border,
            });
            Ok((zones, context))
        })
        .await
    }

    /// The answer cached under `key`, or else the answer over the zones (and their context)
    /// that `zones` works out on a pooled connection, then cached.
    async fn cached_zones(
        &self,
        key: String,
        q: &Question,
        zones: impl AsyncFnOnce(
            &tokio_postgres::Client,
        ) -> Result<(Vec<Zone>, serde_json::Value), StatsError>,
    ) -> Result<Rendered, StatsError> {
        if let Some(hit) = self.cache.get(&key).await {
            return Ok(hit);
        }
        // Zones are cut from any division's units: a replica must have every division's
        // version, and the dataset's.
        let divisions = self.datasets.all_any();
        let mut read: Vec<&Dataset> = divisions
            .iter()
            .filter(|d| d.role == rummet_core::Role::Division)
            .map(AsRef::as_ref)
            .collect();
        read.push(&q.dataset);
        let grids = self.population_grids(q);
        read.extend(grids.iter().map(AsRef::as_ref));
        let client = Guarded::new(self.read(&read).get().await?);
        let asked = async {
            let (zones, context) = zones(&client).await?;
            self.in_zones(&*client, q, zones, context).await
        }
        .await;
        client.release();
        let rendered = asked?;
        self.cache.insert(key, rendered.clone()).await;
        Ok(rendered)
    }

    async fn in_zones(
        &self,
        client: &impl GenericClient,
        q: &Question,
        zones: Vec<Zone>,
        context: serde_json::Value,
    ) -> Result<Rendered, StatsError> {
        let (rows, totals, population) = if q.measure.is_population() {
            population_in_zones(client, q, &zones).await?
        } else {
            let geometry = q.dataset.geometry;
            let cover = if geometry == GeometryKind::Polygon
                && q.measure == Measure::Share
                && q.filter.is_none()
                && q.group.is_none()
            {
                cover_division(client, q, &zones).await?
            } else {
                None
            };
            let built: Built =
                sql::in_zones(q, &zones, &q.dataset.table_name, geometry, cover.as_deref());
            let result = client.query(&built.sql, &bind(&built.params)).await?;
            let (rows, totals) = answer::rows_and_totals(q, &result);
            (rows, totals, None)
        };
        let geometries = if q.format == Format::GeoJson {
            zone_geometries(client, &zones).await?
        } else {
            HashMap::new()
        };
        let answer = Answer {
            context: Some(context),
            population,
            rows,
            totals,
            ..base_answer(q, q.dataset.version)
        };
        Ok(answer.render(q.format, &geometries))
    }
}

/// The rows of the features' count over `zones`, each with its people and the people inside
/// the dataset's cover there, and the answer's `population` member.
async fn population_in_zones(
    client: &impl GenericClient,
    q: &Question,
    zones: &[Zone],
) -> Result<(Vec<answer::Row>, answer::Totals, Option<serde_json::Value>), StatsError> {
    // A population grid's own people are its value; another dataset's, those inside it.
    let grid = q.dataset.role == rummet_core::Role::Population;
    let (counted, division) = if grid {
        let counted = population::counted(client, None).await?;
        counted.is(&q.dataset)?;
        (counted, None)
    } else {
        let division = cover_division(client, q, zones).await?.ok_or_else(|| {
            StatsError::NoPopulation(format!(
                "{} has no load-time cover by a division that holds the whole area, so the people \
                 inside cannot be counted there; draw the area over land inside the divisions",
                q.dataset.id
            ))
        })?;
        let pair = (q.dataset.id.as_str(), division.as_str());
        (
            population::counted(client, Some(pair)).await?,
            Some(division),
        )
    };
    let count = Question {
        measure: Measure::Count,
        ..q.clone()
    };
    let built = sql::in_zones(
        &count,
        zones,
        &q.dataset.table_name,
        q.dataset.geometry,
        None,
    );
    let result = client.query(&built.sql, &bind(&built.params)).await?;
    let (mut rows, mut totals) = answer::rows_and_totals(&count, &result);
    let people = population::in_zones(client, q, &counted, zones, division.as_deref()).await?;
    let value = |(people, inside): (f64, f64)| match q.measure {
        _ if grid => people,
        Measure::PopulationShare if people > 0.0 => 100.0 * inside / people,
        Measure::PopulationShare => 0.0,
        _ => inside,
    };
    let mut sum = (0.0, 0.0);
    for r in &mut rows {
        let (p, i) = people.get(&r.code).copied().unwrap_or_default();
        sum = (sum.0 + p, sum.1 + i);
        r.people = Some(p);
        r.value = Some(value((p, i)));
        r.unit = q.measure.unit();
    }
    totals.people = Some(sum.0);
    totals.value = Some(value(sum));
    totals.unit = q.measure.unit();
    Ok((rows, totals, Some(counted.describe())))
}

/// The SQL of a question by division over the load-time overlay: the groups the load wrote,
/// the summary, or the overlay table itself.
fn overlay_question(q: &Question, by: &Dataset, within: &[UnitRef], overlay: &Overlay) -> Built {
    let simple = q.filter.is_none()
        && q.group.is_none()
        && (within.is_empty() || !matches!(q.measure, Measure::Field(..)));
    if let Some(field) = grouped_field(q, within, overlay) {
        sql::grouped(q, by.id.as_str(), field)
    } else if simple {
        sql::summary(q, by.id.as_str(), within, &overlay.table, overlay.features)
    } else {
        sql::by_division(q, by.id.as_str(), within, &overlay.table)
    }
}

/// `in=` as written back in an answer and a cache key: `lan:05,lan:06`, none when national.
fn units_text(units: &[UnitRef]) -> Option<String> {
    (!units.is_empty()).then(|| units.iter().map(unit_text).collect::<Vec<_>>().join(","))
}

fn unit_text(u: &UnitRef) -> String {
    format!("{}:{}", u.division.id, u.code)
}

/// The cache key: everything that shapes the answer, with the versions it was computed from.
fn cache_key(q: &Question, divisions: &[&Dataset], within: Option<&str>, extra: &str) -> String {
    let versions: Vec<String> = divisions
        .iter()
        .map(|d| format!("{}@{}", d.id, d.version))
        .collect();
    format!(
        "{}@{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{extra}",
        q.dataset.id,
        q.dataset.version,
        versions.join(","),
        q.measure.name(),
        q.group,
        q.filter.as_ref().map(|(w, _)| w),
        within,
        q.format,
    )
}

fn base_answer(q: &Question, version: i64) -> Answer {
    Answer {
        dataset: q.dataset.id.to_string(),
        title: q.dataset.title.clone(),
        version,
        by: None,
        division_version: None,
        within: None,
        measure: q.measure.name(),
        unit: q.measure.unit(),
        group: q.group.clone(),
        filter: q.filter.as_ref().map(|(w, _)| w.clone()),
        population: None,
        context: None,
        licence: q.dataset.licence.clone(),
        attribution: q.dataset.attribution.clone(),
        division_attribution: None,
        division_licence: None,
        rows: Vec::new(),
        totals: answer::Totals {
            value: None,
            unit: q.measure.unit(),
            features: 0,
            unit_area_m2: 0.0,
            people: None,
        },
    }
}

async fn overlay(
    client: &impl GenericClient,
    dataset: &Dataset,
    by: &Dataset,
) -> Result<Overlay, StatsError> {
    client
        .query_opt(
            "SELECT table_name, dataset_version, division_version, features, grouped
             FROM rummet.overlays WHERE dataset = $1 AND division = $2",
            &[&dataset.id.as_str(), &by.id.as_str()],
        )
        .await?
        .map(|r| Overlay {
            table: r.get(0),
            dataset_version: r.get(1),
            division_version: r.get(2),
            features: r.get(3),
            grouped: r.get(4),
        })
        .ok_or_else(|| StatsError::NoOverlay {
            dataset: dataset.id.to_string(),
            division: by.id.to_string(),
        })
}

/// The one field a national count, length or area is grouped and/or filtered by, when the
/// load wrote its groups: the answer is then read from them. Not inside a län (a feature's
/// first unit is counted nationally), and not when the question reads any other field.
fn grouped_field<'q>(
    q: &'q Question,
    within: &[UnitRef],
    overlay: &Overlay,
) -> Option<&'q FieldInfo> {
    if !within.is_empty() || !matches!(q.measure, Measure::Count | Measure::Length | Measure::Area)
    {
        return None;
    }
    let mut read: Vec<&str> = q
        .filter
        .as_ref()
        .map(|(_, f)| f.fields())
        .unwrap_or_default();
    read.extend(q.group.as_deref());
    read.sort_unstable();
    read.dedup();
    let [name] = read.as_slice() else {
        return None;
    };
    q.dataset
        .fields
        .iter()
        .find(|f| f.name == *name && overlay.grouped.contains(&f.name))
}

/// The division whose load-time cover can answer a share over `zones` (kommun where it can),
/// or None: only a cover of the dataset's serving version, and only when the zones lie
/// within the division's units (to 0.01 % of their area), since the cover holds nothing
/// outside them (the sea off the coast, say) and the answer must not change with the path.
async fn cover_division(
    client: &impl GenericClient,
    q: &Question,
    zones: &[Zone],
) -> Result<Option<String>, StatsError> {
    let wkbs: Vec<&[u8]> = zones.iter().map(|z| z.ewkb.as_slice()).collect();
    let row = client
        .query_opt(
            // Divisions in order of preference, each checked only until one passes.
            "SELECT o.division
             FROM (SELECT division FROM rummet.overlays
                   WHERE dataset = $1 AND dataset_version = $2 AND covered
                   ORDER BY division <> 'kommun', division OFFSET 0) o
             WHERE NOT EXISTS (
               SELECT 1 FROM unnest($3::bytea[]) AS z(wkb)
               CROSS JOIN LATERAL (SELECT ST_GeomFromEWKB(z.wkb) AS g) zg
               WHERE ST_Area(zg.g) - (SELECT coalesce(sum(ST_Area(ST_Intersection(zg.g, u.geom))), 0)
                                      FROM rummet.division_units u
                                      WHERE u.division = o.division AND u.geom && zg.g)
                     > 1e-4 * ST_Area(zg.g))
             LIMIT 1",
            &[&q.dataset.id.as_str(), &q.dataset.version, &wkbs],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

async fn division_geometries(
    client: &impl GenericClient,
    division: &str,
    rows: &[answer::Row],
) -> Result<HashMap<String, String>, StatsError> {
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    division_geometries_of(client, division, &codes).await
}

/// Each unit's geometry (GeoJSON text, WGS 84) of `division` by code, for `codes`.
async fn division_geometries_of(
    client: &impl GenericClient,
    division: &str,
    codes: &[&str],
) -> Result<HashMap<String, String>, StatsError> {
    let result = client
        .query(
            "SELECT code, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM rummet.division_units
             WHERE division = $1 AND code = ANY($2::text[])",
            &[&division, &codes],
        )
        .await?;
    Ok(result.iter().map(|r| (r.get(0), r.get(1))).collect())
}

async fn zone_geometries(
    client: &impl GenericClient,
    zones: &[Zone],
) -> Result<HashMap<String, String>, StatsError> {
    let mut out = HashMap::new();
    for z in zones {
        let row = client
            .query_one(
                "SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromEWKB($1::bytea), 4326), 6)",
                &[&z.ewkb],
            )
            .await?;
        out.insert(z.code.clone(), row.get(0));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::datasets::Dataset;
    use crate::db::registry::FieldInfo;

    /// A registry entry for unit tests with `fields` as (name, registry type).
    pub fn dataset_with(id: &str, fields: &[(&str, &str)]) -> Dataset {
        let mut d = dataset(id);
        d.fields = fields
            .iter()
            .map(|(name, kind)| FieldInfo {
                name: (*name).into(),
                kind: serde_json::from_value(serde_json::json!(kind))
                    .unwrap_or_else(|e| panic!("{kind}: {e}")),
                description: String::new(),
            })
            .collect();
        d
    }

    /// A registry entry for unit tests.
    pub fn dataset(id: &str) -> Dataset {
        Dataset {
            id: rummet_core::DatasetId::parse(id).unwrap_or_else(|e| panic!("{e}")),
            title: id.into(),
            title_en: id.into(),
            agency: String::new(),
            description: String::new(),
            licence: String::new(),
            attribution: String::new(),
            role: rummet_core::Role::Thematic,
            geometry: rummet_core::GeometryKind::Polygon,
            source: String::new(),
            sha256: String::new(),
            version: 1,
            table_name: format!("{id}_v1"),
            loaded_at: String::new(),
            loaded_epoch: 0.0,
            rows_read: 0,
            features: 0,
            rows_repaired: 0,
            rows_rejected: 0,
            rows_filtered: 0,
            rows_flattened: 0,
            dropped_dimensions: None,
            warnings: Vec::new(),
            parts: Vec::new(),
            bounds: vec![],
            minzoom: 0,
            maxzoom: 14,
            fields: vec![],
            cache_control: None,
            organisation: None,
            visibility: crate::access::Visibility::Public,
            l2_maxzoom: 10,
            zoom_bands: Vec::new(),
        }
    }
}
