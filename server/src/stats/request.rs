//! A statistics question, parsed and checked against the registry before any SQL is built.

use std::collections::BTreeMap;
use std::sync::Arc;

use rummet_core::{DatasetId, GeometryKind, Role};

use super::StatsError;
use crate::access::Principal;
use crate::datasets::{Dataset, Datasets};
use crate::filter::{FieldKind, Filter, field_kind};

/// An aggregate over a numeric field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Sum.
    Sum,
    /// Mean.
    Avg,
    /// Least.
    Min,
    /// Greatest.
    Max,
}

impl Aggregate {
    /// The SQL aggregate function.
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::Avg => "avg",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

/// What is measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// Features reaching the unit.
    Count,
    /// Length inside the unit, metres (lines).
    Length,
    /// Area inside the unit, m² (polygons; overlapping features each count).
    Area,
    /// Share of the unit covered, percent (polygons; overlaps dissolved).
    Share,
    /// An aggregate of a numeric field over the features reaching the unit.
    Field(Aggregate, String),
    /// People living inside the features in the unit (polygons; areal weighting of the
    /// population grid's cells).
    Population,
    /// Those people as a percentage of the unit's people.
    PopulationShare,
}

/// Every measure name, for messages and the `OpenAPI` document.
pub const MEASURES: &str = "count, length, area, share, population, population_share, sum:<field>, avg:<field>, min:<field>, max:<field>";

impl Measure {
    /// Parses `text` and checks it fits `dataset`'s geometry and fields.
    ///
    /// # Errors
    /// [`StatsError::Measure`] saying why.
    pub fn parse(text: &str, dataset: &Dataset) -> Result<Self, StatsError> {
        let bad = |m: String| StatsError::Measure(m);
        // A population grid is measured by its people per unit, the count it is asked for.
        if dataset.role == Role::Population {
            return match text {
                "count" | "population" => Ok(Self::Population),
                other => Err(bad(format!(
                    "{} is a population grid, measured by its people per unit: measure=population, not {other:?}",
                    dataset.id
                ))),
            };
        }
        let measure = match text.split_once(':') {
            None => match text {
                "count" => Self::Count,
                "length" => Self::Length,
                "area" => Self::Area,
                "share" => Self::Share,
                "population" => Self::Population,
                "population_share" => Self::PopulationShare,
                other => {
                    return Err(bad(format!(
                        "unknown measure {other:?}; use one of {MEASURES}"
                    )));
                }
            },
            Some((agg, field)) => {
                let agg = match agg {
                    "sum" => Aggregate::Sum,
                    "avg" => Aggregate::Avg,
                    "min" => Aggregate::Min,
                    "max" => Aggregate::Max,
                    other => {
                        return Err(bad(format!(
                            "unknown measure {other:?}; use one of {MEASURES}"
                        )));
                    }
                };
                let kind = field_kind(dataset, field).map_err(StatsError::Field)?;
                if kind != FieldKind::Number {
                    return Err(bad(format!(
                        "{}:{field} needs a numeric field, and {field} is {}",
                        agg.sql(),
                        dataset
                            .fields
                            .iter()
                            .find(|f| f.name == field)
                            .map_or("not numeric", |f| f.kind.sql_type())
                    )));
                }
                Self::Field(agg, field.to_owned())
            }
        };
        match (&measure, dataset.geometry) {
            (Self::Length, g) if g != GeometryKind::Line => Err(bad(format!(
                "length needs lines, and {} holds {}",
                dataset.id,
                geometry_word(g)
            ))),
            (Self::Area | Self::Share | Self::Population | Self::PopulationShare, g)
                if g != GeometryKind::Polygon =>
            {
                Err(bad(format!(
                    "{} needs polygons, and {} holds {}",
                    measure.name(),
                    dataset.id,
                    geometry_word(g)
                )))
            }
            _ => Ok(measure),
        }
    }

    /// Whether it counts people.
    #[must_use]
    pub fn is_population(&self) -> bool {
        matches!(self, Self::Population | Self::PopulationShare)
    }

    /// The name as written in a request.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Count => "count".into(),
            Self::Length => "length".into(),
            Self::Area => "area".into(),
            Self::Share => "share".into(),
            Self::Population => "population".into(),
            Self::PopulationShare => "population_share".into(),
            Self::Field(agg, field) => format!("{}:{field}", agg.sql()),
        }
    }

    /// The unit of the value.
    #[must_use]
    pub fn unit(&self) -> &'static str {
        match self {
            Self::Count => "features",
            Self::Length => "m",
            Self::Area => "m²",
            Self::Share | Self::PopulationShare => "%",
            Self::Population => "people",
            Self::Field(..) => "as the field",
        }
    }
}

fn geometry_word(geometry: GeometryKind) -> &'static str {
    match geometry {
        GeometryKind::Polygon => "polygons",
        GeometryKind::Line => "lines",
        GeometryKind::Point => "points",
    }
}

/// Response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `text/csv`, one row per line.
    Csv,
    /// `application/geo+json`, each row with its unit's geometry.
    GeoJson,
}

impl Format {
    pub(super) fn parse(text: &str) -> Result<Self, StatsError> {
        match text {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "geojson" => Ok(Self::GeoJson),
            other => Err(StatsError::Parameter(format!(
                "format {other:?} is not one of json, csv, geojson"
            ))),
        }
    }
}

/// One unit of a division: `lan:20`.
#[derive(Debug, Clone)]
pub struct UnitRef {
    /// The division dataset.
    pub division: Arc<Dataset>,
    /// The unit's code.
    pub code: String,
}

/// The parts every statistics endpoint shares.
#[derive(Debug, Clone)]
pub struct Question {
    /// The dataset measured.
    pub dataset: Arc<Dataset>,
    /// What is measured.
    pub measure: Measure,
    /// Field the rows are split by.
    pub group: Option<String>,
    /// The `where` as written, and parsed.
    pub filter: Option<(String, Filter)>,
    /// Response format.
    pub format: Format,
}

/// The request's query parameters, taken one by one so that whatever is left is unknown.
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Wraps the query parameters.
    #[must_use]
    pub fn new(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }

    /// Removes and returns `name`.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Refuses parameters nobody took: a misspelt `mesure=` must not silently mean a count.
    ///
    /// # Errors
    /// [`StatsError::Parameter`] naming them and the known ones.
    pub fn finish(self, known: &[&str]) -> Result<(), StatsError> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(name) => Err(StatsError::Parameter(format!(
                "unknown parameter {name:?}; this endpoint takes {}",
                known.join(", ")
            ))),
        }
    }
}

/// The loaded datasets as one asker may see them: a question about a dataset the asker may
/// not see is answered as one about a dataset that is not loaded.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    /// Every loaded dataset.
    pub datasets: &'a Datasets,
    /// Who asks.
    pub viewer: Option<&'a Principal>,
}

/// The dataset named in the path, loaded.
///
/// # Errors
/// When the id is malformed or not loaded.
pub fn dataset(seen: Seen<'_>, id: &str) -> Result<Arc<Dataset>, StatsError> {
    let parsed = DatasetId::parse(id)?;
    seen.datasets
        .get(&parsed, seen.viewer)
        .ok_or_else(|| StatsError::UnknownDataset(id.chars().take(64).collect()))
}

/// A loaded division named `id`.
///
/// # Errors
/// When it is not loaded or is not a division.
pub fn division(seen: Seen<'_>, id: &str) -> Result<Arc<Dataset>, StatsError> {
    let d = dataset(seen, id).map_err(|_| unknown_division(seen, id))?;
    if d.role == Role::Division {
        Ok(d)
    } else {
        Err(unknown_division(seen, id))
    }
}

fn unknown_division(seen: Seen<'_>, id: &str) -> StatsError {
    let known: Vec<String> = seen
        .datasets
        .all(seen.viewer)
        .iter()
        .filter(|d| d.role == Role::Division)
        .map(|d| d.id.to_string())
        .collect();
    StatsError::UnknownDivision(format!(
        "{:?} is not a loaded division; divisions: {}",
        id.chars().take(64).collect::<String>(),
        known.join(", ")
    ))
}

/// `lan:20` → the unit reference (its existence is checked by the query).
///
/// # Errors
/// When malformed or the division is unknown.
pub fn unit_ref(seen: Seen<'_>, param: &str, text: &str) -> Result<UnitRef, StatsError> {
    let (division_id, code) = text.split_once(':').ok_or_else(|| {
        StatsError::Parameter(format!(
            "{param}={text:?} must name a unit as <division>:<code>, e.g. lan:20"
        ))
    })?;
    if code.is_empty() || code.len() > 64 {
        return Err(StatsError::Parameter(format!(
            "{param}={text:?} has no unit code after ':'"
        )));
    }
    Ok(UnitRef {
        division: division(seen, division_id)?,
        code: code.to_owned(),
    })
}

/// Most units one `in=` may name.
pub const MAX_UNITS_IN: usize = 50;

/// `lan:05,lan:06,lan:08` → the unit references, each checked as [`unit_ref`] does; one
/// named twice counts once.
///
/// # Errors
/// When any is malformed or of an unknown division, or more than [`MAX_UNITS_IN`] are named.
pub fn unit_refs(seen: Seen<'_>, param: &str, text: &str) -> Result<Vec<UnitRef>, StatsError> {
    let mut units: Vec<UnitRef> = Vec::new();
    for part in text.split(',').map(str::trim) {
        let unit = unit_ref(seen, param, part)?;
        if !units
            .iter()
            .any(|u| u.division.id == unit.division.id && u.code == unit.code)
        {
            units.push(unit);
        }
    }
    if units.len() > MAX_UNITS_IN {
        return Err(StatsError::Parameter(format!(
            "{param} names {} units; at most {MAX_UNITS_IN}",
            units.len()
        )));
    }
    Ok(units)
}

/// The parameters every endpoint shares: `measure`, `group`, `where`, `format`.
///
/// # Errors
/// When any of them is invalid for the dataset.
pub fn question(dataset: Arc<Dataset>, params: &mut Params) -> Result<Question, StatsError> {
    let measure = Measure::parse(
        params.take("measure").as_deref().unwrap_or("count"),
        &dataset,
    )?;
    let group = params
        .take("group")
        .map(|g| field_kind(&dataset, &g).map(|_| g))
        .transpose()
        .map_err(StatsError::Field)?;
    let filter = params
        .take("where")
        .filter(|w| !w.trim().is_empty())
        .map(|w| Filter::parse(&w, &dataset).map(|f| (w, f)))
        .transpose()
        .map_err(StatsError::Where)?;
    let format = params
        .take("format")
        .as_deref()
        .map_or(Ok(Format::Json), Format::parse)?;
    if measure.is_population() && (group.is_some() || filter.is_some()) {
        return Err(StatsError::Measure(format!(
            "{} is counted at load over the whole dataset and takes no group= or where=",
            measure.name()
        )));
    }
    Ok(Question {
        dataset,
        measure,
        group,
        filter,
        format,
    })
}
