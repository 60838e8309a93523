//! One catalog entry: what a dataset is, where it comes from, and how its fields map.

use rummet_core::DatasetId;
pub use rummet_core::{FieldType, GeometryKind, Role};
use serde::{Deserialize, Serialize};

/// A dataset as the catalog describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// The dataset id, also the file name.
    pub id: DatasetId,
    /// Swedish title.
    pub title: String,
    /// English title.
    pub title_en: String,
    /// The publishing agency.
    pub agency: String,
    /// What the dataset holds, for the catalog and TileJSON.
    pub description: String,
    /// Licence name, e.g. `CC0 1.0`.
    pub licence: String,
    /// Attribution shown on maps.
    pub attribution: String,
    /// Thematic data, or a division statistics are aggregated by.
    pub role: Role,
    /// Geometry family of the features.
    pub geometry: GeometryKind,
    /// Lowest zoom tiles are served at.
    pub minzoom: u8,
    /// Highest zoom tiles are served at (overzoomed beyond).
    pub maxzoom: u8,
    /// Where and how the agency publishes it.
    pub source: Source,
    /// For divisions: which columns hold the code and the name.
    #[serde(default)]
    pub division: Option<Division>,
    /// For a population grid: which column holds the head count, and the grid's cell size.
    #[serde(default)]
    pub population: Option<Population>,
    /// For services: travel times from every populated cell to the nearest service of each
    /// type along a road network, computed at load.
    #[serde(default)]
    pub access: Option<Access>,
    /// Rows to keep, e.g. only decisions in force.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// `Cache-Control` for this dataset's tiles, when it should differ from the server's
    /// default (boundaries that change yearly can be cached for a day).
    #[serde(default)]
    pub cache_control: Option<String>,
    /// Features drawn from a lower zoom than their size would earn, by a column's value
    /// (road class, say); they also win their grid cell over bigger features at low zooms.
    #[serde(default)]
    pub zoom_by: Option<ZoomBy>,
    /// Source field to column mapping, in column order.
    pub fields: Vec<Field>,
}

/// The lowest zoom of features by the value of one column.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZoomBy {
    /// The column (as mapped in `fields`).
    pub column: String,
    /// Column value (as text) → the lowest zoom such features are drawn at.
    pub zooms: std::collections::BTreeMap<String, u8>,
}

/// Where a dataset is published.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The published format.
    pub format: SourceFormat,
    /// CRS of the coordinates as published, `EPSG:<code>`.
    pub crs: String,
    /// The file name the agency publishes it under (a national download's name).
    pub file: String,
    /// Other names the agency's files carry, as patterns with `*` (per-län and per-kommun
    /// extracts, dated exports): `rummet load --all --dir` recognises a file by `file` or any
    /// of these, ignoring case, before it looks inside files that match nothing.
    #[serde(default)]
    pub files: Vec<String>,
    /// The layer inside a multi-layer file (GeoPackage), if any: a name, or a pattern with `*`
    /// matching the layer of every published extract (`lämningar_*_point`). When no layer
    /// matches, the one layer of the catalog's geometry family is taken.
    #[serde(default)]
    pub layer: Option<String>,
    /// Set by `rummet load --layer`: `layer` is the one to read, with no fallback.
    #[serde(skip)]
    pub layer_given: bool,
    /// Set when recognising files by content: a layer must match `layer` by name or
    /// pattern; the geometry-family fallback would take any file's one layer of the family.
    #[serde(skip)]
    pub layer_by_name_only: bool,
    /// The file inside a zip holding several of the format (stem, without extension).
    #[serde(default)]
    pub member: Option<String>,
    /// Several files inside one zip that together make the dataset, read one after the
    /// other (e.g. Natura 2000 SCI: the alvar files per län and the national rest).
    #[serde(default)]
    pub members: Vec<String>,
    /// Text encoding where the format does not say (CSV; DBF without `.cpg`), e.g.
    /// `windows-1252`; UTF-8 when absent.
    #[serde(default)]
    pub encoding: Option<String>,
    /// CSV field delimiter; `,` when absent.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// CSV column holding x (easting or longitude).
    #[serde(default)]
    pub x: Option<String>,
    /// CSV column holding y (northing or latitude).
    #[serde(default)]
    pub y: Option<String>,
    /// Where the agency publishes it.
    pub urls: Vec<String>,
    /// Set when describing an upload: readers record the file's fields here.
    #[serde(skip)]
    pub probe: Option<crate::read::Probe>,
}

impl Source {
    /// The EPSG code of [`Source::crs`].
    ///
    /// # Errors
    /// When the CRS is not written `EPSG:<integer>`.
    pub fn srid(&self) -> Result<i32, String> {
        self.crs
            .strip_prefix("EPSG:")
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("source crs {:?} is not of the form EPSG:<code>", self.crs))
    }
}

/// The formats agencies publish in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// GeoParquet 1.x with WKB geometry.
    GeoParquet,
    /// OGC GeoPackage (a named layer), plain or zipped.
    GeoPackage,
    /// ESRI Shapefile with `.dbf`, `.prj` and optional `.cpg`, zipped or plain.
    Shapefile,
    /// GeoJSON `FeatureCollection`, or newline-delimited GeoJSON features.
    GeoJson,
    /// Delimited text with coordinate columns.
    Csv,
    /// A statistical table as JSON-stat (SCB's `PxWebApi`), without geometry: joined to a
    /// division's units by code at load (`population.join`).
    JsonStat,
}

/// Which rows of the source to keep: those whose `column` holds one of `values`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// A mapped column.
    pub column: String,
    /// The values kept.
    pub values: Vec<String>,
}

/// For a division: its code and name columns.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Division {
    /// Column holding the division code (e.g. `kommun_kod`).
    pub code: String,
    /// Column holding the division name.
    pub name: String,
}

/// For a population grid (role `population`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Column holding the number of people in the cell (SCB: `beftotalt`).
    pub count: String,
    /// Column holding the reference date the count is of (SCB: `referenstid`, `YYYYMMDD`).
    #[serde(default)]
    pub reference: Option<String>,
    /// Side of the grid's cells, metres (for a table by unit, a typical unit's size): the
    /// finest loaded is the one counted.
    pub cell_m: f64,
    /// For a table without geometry (JSON-stat): the division whose units its rows are, by
    /// the code in `code`; rows naming no unit (the national total, other levels) are left
    /// out with a warning.
    #[serde(default)]
    pub join: Option<String>,
    /// The column holding the unit's code, for `join`.
    #[serde(default)]
    pub code: Option<String>,
}

/// Accessibility of a service dataset (points), computed at load.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// The road network dataset travelled along (e.g. `nvdb_vagnat`).
    pub network: String,
    /// Column holding the service type (Pipos: `typ`); each type gets its own pass.
    pub service_type: String,
    /// The speed model; the documented defaults when absent.
    #[serde(default)]
    pub model: crate::network::SpeedModel,
}

/// One source field and the column it becomes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The field name in the published file.
    pub source: String,
    /// The column name in Rummet.
    pub column: String,
    /// The column type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Other names the agency has published the field under (another export's spelling,
    /// a per-län extract's, a DBF's ten-character truncation), tried after `source`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Whether a load fails when the file lacks this field.
    #[serde(default)]
    pub required: bool,
    /// What the field means, shown in TileJSON and the catalog.
    pub description: String,
    /// The agency's code list, code → meaning, for a field published either as the code or
    /// as its meaning. An integer column stores the code (a meaning is looked up, ignoring
    /// case); a text column stores the meaning (a code is looked up).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub codes: std::collections::BTreeMap<String, String>,
}

impl Field {
    /// The names this field may carry in a file, in the order they are tried.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Where this field is among a file's field names: any of its [`Field::names`] exactly,
    /// then ignoring case (DBF and some exports upper-case names).
    #[must_use]
    pub fn position_in<S: AsRef<str>>(&self, available: &[S]) -> Option<usize> {
        self.names()
            .find_map(|n| available.iter().position(|a| a.as_ref() == n))
            .or_else(|| {
                self.names().find_map(|n| {
                    available
                        .iter()
                        .position(|a| a.as_ref().to_lowercase() == n.to_lowercase())
                })
            })
    }
}

/// A code list must fit its column: integer codes for an integer column, and none for a
/// number or a boolean.
fn check_codes(file: &str, f: &Field) -> Result<(), String> {
    if f.codes.is_empty() {
        return Ok(());
    }
    match f.kind {
        FieldType::Text => Ok(()),
        FieldType::Integer => match f.codes.keys().find(|k| k.parse::<i64>().is_err()) {
            Some(k) => Err(format!(
                "{file}: field {:?} is an integer but its code {k:?} is not",
                f.column
            )),
            None => Ok(()),
        },
        FieldType::Double | FieldType::Boolean => Err(format!(
            "{file}: field {:?}: only text and integer fields take a code list",
            f.column
        )),
    }
}

impl CatalogEntry {
    /// Parses and checks one catalog file.
    ///
    /// # Errors
    /// When the TOML does not match the schema or the entry contradicts itself.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, String> {
        let entry: Self = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        entry.source.srid().map_err(|e| format!("{file}: {e}"))?;
        if entry.minzoom > entry.maxzoom || entry.maxzoom > rummet_core::MAX_ZOOM {
            return Err(format!(
                "{file}: zoom range {}-{} is invalid",
                entry.minzoom, entry.maxzoom
            ));
        }
        for f in &entry.fields {
            if !rummet_core::is_plain_name(&f.column) {
                return Err(format!("{file}: column {:?} must be a-z, 0-9, _", f.column));
            }
            // The statistics overlay copies the fields beside its own `unit_` columns.
            if matches!(
                f.column.as_str(),
                "fid" | "geom" | "minzoom" | "area_m2" | "length_m"
            ) || f.column.starts_with("unit_")
            {
                return Err(format!("{file}: column {:?} is reserved", f.column));
            }
        }
        for f in &entry.fields {
            check_codes(file, f)?;
        }
        if let Some(d) = &entry.division {
            for col in [&d.code, &d.name] {
                if !entry.fields.iter().any(|f| &f.column == col) {
                    return Err(format!("{file}: division column {col:?} is not a field"));
                }
            }
        }
        if let Some(f) = &entry.filter
            && !entry.fields.iter().any(|c| c.column == f.column)
        {
            return Err(format!(
                "{file}: filter column {:?} is not a field",
                f.column
            ));
        }
        if entry.source.format == SourceFormat::Csv
            && (entry.source.x.is_none() || entry.source.y.is_none())
        {
            return Err(format!(
                "{file}: a CSV source needs its `x` and `y` columns"
            ));
        }
        if entry.source.member.is_some() && !entry.source.members.is_empty() {
            return Err(format!("{file}: give `member` or `members`, not both"));
        }
        if (entry.role == Role::Division) != entry.division.is_some() {
            return Err(format!(
                "{file}: a division needs a [division] table, and only a division"
            ));
        }
        if (entry.role == Role::Population) != entry.population.is_some() {
            return Err(format!(
                "{file}: a population grid needs a [population] table, and only one"
            ));
        }
        check_population(&entry, file)?;
        Ok(entry)
    }

    /// Whether `file_name` is one of this dataset's published file names (`file` or a
    /// `files` pattern), ignoring case and Unicode normalisation.
    #[must_use]
    pub fn matches_file_name(&self, file_name: &str) -> bool {
        std::iter::once(&self.source.file)
            .chain(&self.source.files)
            .any(|p| crate::glob::matches(p, file_name))
    }

    /// The measure column the geometry family gets at load time, if any.
    #[must_use]
    pub fn measure_column(&self) -> Option<&'static str> {
        match self.geometry {
            GeometryKind::Polygon => Some("area_m2"),
            GeometryKind::Line => Some("length_m"),
            GeometryKind::Point => None,
        }
    }
}

/// The population and accessibility sections fit the entry: a table joins by a text code, a
/// grid is polygons with a numeric count, services are points with a type field.
fn check_population(entry: &CatalogEntry, file: &str) -> Result<(), String> {
    let joined = entry
        .population
        .as_ref()
        .is_some_and(|p| p.join.is_some() && p.code.is_some());
    if (entry.source.format == SourceFormat::JsonStat) != joined {
        return Err(format!(
            "{file}: a JSON-stat table needs population.join and population.code, and only it"
        ));
    }
    if entry
        .population
        .as_ref()
        .is_some_and(|p| p.join.is_some() != p.code.is_some())
    {
        return Err(format!(
            "{file}: population.join and population.code go together"
        ));
    }
    // Codes keep their leading zeros and letters (0114, 0114A0010): text, never numbers.
    if let Some(code) = entry.population.as_ref().and_then(|p| p.code.as_ref())
        && !entry
            .fields
            .iter()
            .any(|f| &f.column == code && f.kind == FieldType::Text)
    {
        return Err(format!("{file}: population.code must name a text field"));
    }
    if let Some(p) = &entry.population {
        let numeric = entry.fields.iter().any(|f| {
            f.column == p.count && matches!(f.kind, FieldType::Integer | FieldType::Double)
        });
        if !numeric || entry.geometry != GeometryKind::Polygon || p.cell_m <= 0.0 {
            return Err(format!(
                "{file}: a population grid needs polygons, a positive cell_m and a numeric \
                 field named by population.count"
            ));
        }
    }
    if let Some(a) = &entry.access
        && (entry.geometry != GeometryKind::Point
            || !entry.fields.iter().any(|f| f.column == a.service_type))
    {
        return Err(format!(
            "{file}: [access] needs points and a field named by access.service_type"
        ));
    }
    Ok(())
}
