//! Readers: stream features out of a published file, with the catalog's source fields in
//! catalog order. Each reader runs on a blocking thread and pushes features one at a time,
//! so memory stays bounded whatever the file size.

pub(crate) mod archive;
mod chain;
mod contained;
mod csv;
mod geojson;
pub(crate) mod geopackage;
mod geoparquet;
mod input;
mod jsonstat;
mod service;
mod shapefile;
pub(crate) mod wkb;

pub use input::Input;

use std::sync::{Arc, Mutex};

use crate::catalog::{CatalogEntry, SourceFormat};
use crate::{LoadError, Result};

/// One attribute value as read from a file, before conversion to its column type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing or null.
    Null,
    /// Text.
    Text(String),
    /// An integer of any width.
    Integer(i64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Boolean(bool),
}

/// One feature: its WKB geometry (in the source CRS) and values for the catalog's fields.
#[derive(Debug, Clone)]
pub struct Feature {
    /// 1-based position in the file; becomes the stable feature id.
    pub number: u64,
    /// WKB geometry, `None` when the feature has none.
    pub wkb: Option<Vec<u8>>,
    /// Values in the order of the catalog's `fields`.
    pub values: Vec<Value>,
}

/// A stream of features from one input.
pub trait FeatureReader: Send {
    /// The EPSG code the file declares for its geometry, if it declares one.
    fn declared_srid(&self) -> Option<i32>;

    /// How many features the input holds, when the format says without reading them all.
    fn feature_count(&self) -> Option<u64> {
        None
    }

    /// Warnings gathered while opening and reading (filled as the reader goes).
    fn notes(&self) -> Notes {
        Notes::default()
    }

    /// Pushes every feature, in file order, to `emit` until it returns `false`. A read error
    /// is pushed as an `Err` and ends the stream.
    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool);
}

/// Ends a reader's stream: a read error becomes its last item.
fn finish(result: Result<()>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
    if let Err(e) = result {
        emit(Err(e));
    }
}

/// Opens `input` with the reader for the entry's published format.
///
/// # Errors
/// When the input cannot be opened, is not in the format, or lacks a required field.
pub fn open(entry: &CatalogEntry, input: &Input) -> Result<Box<dyn FeatureReader>> {
    let name = input.name();
    let reader = contained::run(&name, entry.source.format, || open_unguarded(entry, input))?;
    Ok(Box::new(contained::Contained {
        inner: reader,
        input: name,
        format: entry.source.format,
    }))
}

fn open_unguarded(entry: &CatalogEntry, input: &Input) -> Result<Box<dyn FeatureReader>> {
    if let Input::Url(url) = input {
        if service::is_service(url) {
            return Ok(Box::new(service::ServiceReader::open(entry, url)?));
        }
        let (dir, path) = service::download(url, &entry.source.file)?;
        let inner = open(entry, &Input::File(path))?;
        return Ok(Box::new(service::Downloaded { inner, _dir: dir }));
    }
    if !entry.source.members.is_empty() {
        return chain::Chain::open(entry, input).map(|c| Box::new(c) as Box<dyn FeatureReader>);
    }
    Ok(match entry.source.format {
        SourceFormat::GeoParquet => Box::new(geoparquet::GeoParquetReader::open(entry, input)?),
        SourceFormat::GeoPackage => Box::new(geopackage::GeoPackageReader::open(entry, input)?),
        SourceFormat::Shapefile => Box::new(shapefile::ShapefileReader::open(entry, input)?),
        SourceFormat::GeoJson => Box::new(geojson::GeoJsonReader::open(entry, input)?),
        SourceFormat::Csv => Box::new(csv::CsvReader::open(entry, input)?),
        SourceFormat::JsonStat => Box::new(jsonstat::JsonStatReader::open(entry, input)?),
    })
}

/// Warnings a reader gathers (an optional field the file lacks), shared with the pipeline,
/// which puts them in the load report, on stderr and in the registry.
#[derive(Debug, Clone, Default)]
pub struct Notes(Arc<Mutex<Vec<String>>>);

impl Notes {
    /// Adds a warning, once.
    pub fn push(&self, note: String) {
        if let Ok(mut notes) = self.0.lock()
            && !notes.contains(&note)
        {
            notes.push(note);
        }
    }

    /// The warnings so far.
    #[must_use]
    pub fn take(&self) -> Vec<String> {
        self.0.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

/// What a reader found in a file whose fields no catalog entry names: an upload being
/// described. Readers record the file's field names where they match the catalog's fields
/// against them, so describing a file reads it exactly as loading it will.
#[derive(Debug, Clone, Default)]
pub struct Probe(Arc<Mutex<Probed>>);

/// The field names a [`Probe`] recorded.
#[derive(Debug, Clone, Default)]
pub struct Probed {
    /// The file's attribute fields, in the file's order, first seen first.
    pub fields: Vec<String>,
    /// The geometry column, where the format lists it among the fields.
    pub geometry_column: Option<String>,
}

impl Probe {
    /// Adds the names not yet recorded.
    pub(crate) fn record<S: AsRef<str>>(&self, names: &[S]) {
        if let Ok(mut p) = self.0.lock() {
            for n in names {
                if !p.fields.iter().any(|f| f == n.as_ref()) {
                    p.fields.push(n.as_ref().to_owned());
                }
            }
        }
    }

    /// Notes which of the fields is the geometry.
    pub(crate) fn geometry_column(&self, name: &str) {
        if let Ok(mut p) = self.0.lock() {
            p.geometry_column = Some(name.to_owned());
        }
    }

    /// What was recorded so far.
    #[must_use]
    pub fn probed(&self) -> Probed {
        self.0.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// Where each catalog field is among the file's fields (by [`crate::catalog::Field::position_in`]).
/// A missing required field is an error naming what the file has; a missing optional one is
/// a warning in `notes`, since its column will be empty on every feature.
pub(crate) fn resolve_fields<S: AsRef<str>>(
    entry: &CatalogEntry,
    input: &str,
    available: &[S],
    notes: &Notes,
) -> Result<Vec<Option<usize>>> {
    if let Some(probe) = &entry.source.probe {
        probe.record(available);
    }
    let listed = || {
        available
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    };
    entry
        .fields
        .iter()
        .map(|f| match f.position_in(available) {
            Some(i) => Ok(Some(i)),
            None if f.required => Err(LoadError::MissingField {
                input: input.to_owned(),
                field: f.source.clone(),
                aliases: f.aliases.clone(),
                available: listed(),
            }),
            None => {
                notes.push(missing_optional(input, f, &listed()));
                Ok(None)
            }
        })
        .collect()
}

/// The warning for an optional field the input lacks.
pub(crate) fn missing_optional(input: &str, f: &crate::catalog::Field, available: &str) -> String {
    format!(
        "{input}: optional field {:?}{} is not in the file, so column {} is empty (the file has: {available})",
        f.source,
        nor(&f.aliases),
        f.column
    )
}

/// ` (nor "a", "b")` for a field's other names; empty without any.
pub(crate) fn nor(aliases: &[String]) -> String {
    if aliases.is_empty() {
        return String::new();
    }
    let names: Vec<String> = aliases.iter().map(|n| format!("{n:?}")).collect();
    format!(" (nor {})", names.join(", "))
}

/// The EPSG code named in a WKT or PROJ string (a `.prj`, a GeoPackage definition), when it
/// names one we can tell: an `AUTHORITY`/`ID` of EPSG, or the well-known names of SWEREF 99 TM
/// and WGS 84.
pub(crate) fn srid_from_wkt(wkt: &str) -> Option<i32> {
    let upper = wkt.to_ascii_uppercase();
    // The outermost CRS's authority is the last AUTHORITY in WKT1.
    if let Some(pos) = upper.rfind("AUTHORITY[\"EPSG\",") {
        let rest = &upper[pos + 17..];
        let code: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        if upper.starts_with("PROJCS") || upper.starts_with("GEOGCS") {
            return code.parse().ok();
        }
    }
    if upper.contains("SWEREF99_TM")
        || upper.contains("SWEREF99 TM")
        || upper.contains("SWEREF 99 TM")
    {
        Some(3006)
    } else if upper.starts_with("GEOGCS")
        && (upper.contains("WGS_1984") || upper.contains("WGS 84"))
    {
        Some(4326)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::srid_from_wkt;

    #[test]
    fn esri_prj_files_of_sweref99_tm_and_wgs84_are_recognised() {
        let sweref = r#"PROJCS["SWEREF99_TM",GEOGCS["GCS_SWEREF99",DATUM["D_SWEREF99",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["Central_Meridian",15.0],UNIT["Meter",1.0]]"#;
        assert_eq!(srid_from_wkt(sweref), Some(3006));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(srid_from_wkt(wgs), Some(4326));
        let ogc = r#"PROJCS["SWEREF99 TM",GEOGCS["SWEREF99",AUTHORITY["EPSG","4619"]],AUTHORITY["EPSG","3006"]]"#;
        assert_eq!(srid_from_wkt(ogc), Some(3006));
        assert_eq!(srid_from_wkt("LOCAL_CS[\"x\"]"), None);
    }
}
