//! Which catalog datasets the files in a directory hold, for `rummet load --all --dir`: a file
//! is recognised by the catalog's published file names and patterns, else by its content (a
//! reader of the dataset's format opens it: its layer is found and its required fields are
//! there). One file may hold several datasets (the lämningar GeoPackage has three layers).
//! Every file recognised by neither is listed with why.

use std::path::{Path, PathBuf};

use crate::catalog::{self, CatalogEntry, SourceFormat};
use crate::pipeline::Part;
use crate::read::{self, Input};

mod extract;

pub use extract::lan_part;

/// How a file was recognised as a dataset's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognised {
    /// By the catalog's file name or one of its patterns.
    ByName,
    /// By what is inside: the dataset's layer and required fields.
    ByContent,
}

/// A dataset to load from a file found in the directory.
#[derive(Debug)]
pub struct Found {
    /// The dataset.
    pub entry: &'static CatalogEntry,
    /// The file.
    pub path: PathBuf,
    /// How the file was recognised.
    pub how: Recognised,
    /// The part of the dataset the file is, when its name says it is one län's extract.
    pub part: Option<Part>,
}

/// A file that holds no catalog dataset, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was not taken, in one line.
    pub reason: String,
}

/// What a directory holds.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Datasets to load, in file-name order.
    pub found: Vec<Found>,
    /// Files that are none of the catalog's.
    pub skipped: Vec<Skipped>,
}

/// Looks at every file directly in `dir`.
///
/// # Errors
/// When the directory cannot be listed.
pub fn scan(dir: &Path) -> std::io::Result<Discovery> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut discovery = Discovery::default();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let by_name: Vec<&'static CatalogEntry> = catalog::all()
            .iter()
            .filter(|e| e.matches_file_name(&name))
            .collect();
        let recognised = if by_name.is_empty() {
            by_content(&path).map(|e| (e, Recognised::ByContent))
        } else {
            Ok((by_name, Recognised::ByName))
        };
        let part = extract::part_of(&name);
        let reason = match recognised {
            Err(reason) => reason,
            // Loaded whole, an extract would replace the national data with one län's.
            Ok(_) if part.is_none() && extract::looks_like_one(&name) => {
                "its name says it is a per-län or per-kommun extract, but names no län or kommun \
                 Rummet knows: load it with --part division:code"
                    .to_owned()
            }
            Ok((entries, how)) => {
                discovery
                    .found
                    .extend(entries.into_iter().map(|entry| Found {
                        entry,
                        path: path.clone(),
                        how,
                        part: part.clone(),
                    }));
                continue;
            }
        };
        discovery.skipped.push(Skipped { path, reason });
    }
    prefer_whole(&mut discovery);
    // A table joined to a division's units is loaded after the division (stable: the rest
    // keep their file-name order).
    discovery.found.sort_by_key(|f| {
        f.entry
            .population
            .as_ref()
            .is_some_and(|p| p.join.is_some())
    });
    Ok(discovery)
}

/// A dataset found both whole and in parts is loaded whole: the whole file replaces every
/// part anyway, so parts loaded before it would be dropped and parts after it refused.
fn prefer_whole(discovery: &mut Discovery) {
    let whole: Vec<(&'static str, PathBuf)> = discovery
        .found
        .iter()
        .filter(|f| f.part.is_none())
        .map(|f| (f.entry.id.as_str(), f.path.clone()))
        .collect();
    let (keep, parts_of_whole): (Vec<Found>, Vec<Found>) = std::mem::take(&mut discovery.found)
        .into_iter()
        .partition(|f| f.part.is_none() || !whole.iter().any(|(id, _)| *id == f.entry.id.as_str()));
    discovery.found = keep;
    for f in parts_of_whole {
        let whole_file = whole
            .iter()
            .find(|(id, _)| *id == f.entry.id.as_str())
            .map(|(_, p)| p.display().to_string())
            .unwrap_or_default();
        discovery.skipped.push(Skipped {
            reason: format!(
                "part {} of {}, which the directory also holds whole ({whole_file}): the whole file is loaded",
                f.part.map(|p| p.to_string()).unwrap_or_default(),
                f.entry.id
            ),
            path: f.path,
        });
    }
}

/// The datasets whose reader opens `path`, or why none does. A file whose content fits two
/// datasets of one geometry family (Naturvårdsregistret's reserves, parks and other areas
/// share one schema) is ambiguous, and not loaded into either.
fn by_content(path: &Path) -> Result<Vec<&'static CatalogEntry>, String> {
    let formats = formats_of(path);
    if formats.is_empty() {
        return Err("not a format the catalog's datasets are published in".into());
    }
    let input = Input::File(path.to_owned());
    let mut matched: Vec<&'static CatalogEntry> = Vec::new();
    let mut closest: Option<(usize, String)> = None;
    for entry in catalog::all()
        .iter()
        .filter(|e| formats.contains(&e.source.format))
    {
        let mut strict = entry.clone();
        strict.source.layer_by_name_only = true;
        match read::open(&strict, &input) {
            // Every required field is there; most of the others must be too, or any file
            // with one polygon layer would pass for a dataset whose fields are all optional.
            Ok(reader) if holds_most_fields(entry, reader.notes().take().len()) => {
                matched.push(entry);
            }
            Ok(_) => {
                if closest.as_ref().is_none_or(|(r, _)| *r > 0) {
                    closest = Some((0, format!("{}: too few of its fields", entry.id)));
                }
            }
            Err(e) => {
                // A missing field means the layer or table was right: the nearest miss.
                let rank = usize::from(!matches!(e, crate::LoadError::MissingField { .. }));
                if closest.as_ref().is_none_or(|(r, _)| rank < *r) {
                    closest = Some((rank, format!("{}: {e}", entry.id)));
                }
            }
        }
    }
    if matched.is_empty() {
        return Err(format!(
            "matches no catalog file name, and no dataset's layer and fields (nearest: {})",
            closest.map_or_else(|| "none of its format".to_owned(), |(_, e)| e)
        ));
    }
    for e in &matched {
        let alike: Vec<&str> = matched
            .iter()
            .filter(|o| o.geometry == e.geometry)
            .map(|o| o.id.as_str())
            .collect();
        if alike.len() > 1 {
            return Err(format!(
                "its content fits {} alike: load it with `rummet load <id> --file`",
                alike.join(" and ")
            ));
        }
    }
    Ok(matched)
}

/// Whether a file lacking `missing` of `entry`'s fields holds at least half of them.
fn holds_most_fields(entry: &CatalogEntry, missing: usize) -> bool {
    let found = entry.fields.len().saturating_sub(missing);
    found > 0 && found * 2 >= entry.fields.len()
}

/// Largest `.json` file tried as a JSON-stat table when recognising files by content (SCB's
/// table by demographic area is well under a megabyte).
const JSON_STAT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The formats a file may be in, by its extension (a zip may hold any of the zipped ones).
fn formats_of(path: &Path) -> Vec<SourceFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gpkg" => vec![SourceFormat::GeoPackage],
        "shp" => vec![SourceFormat::Shapefile],
        // A statistical table is small; a large JSON file is not read whole to find out.
        "json" if std::fs::metadata(path).is_ok_and(|m| m.len() < JSON_STAT_MAX_BYTES) => {
            vec![SourceFormat::GeoJson, SourceFormat::JsonStat]
        }
        "geojson" | "json" | "geojsonl" | "geojsons" | "ndjson" => vec![SourceFormat::GeoJson],
        "csv" | "txt" => vec![SourceFormat::Csv],
        "parquet" | "geoparquet" => vec![SourceFormat::GeoParquet],
        "zip" => vec![
            SourceFormat::GeoPackage,
            SourceFormat::Shapefile,
            SourceFormat::GeoJson,
            SourceFormat::Csv,
        ],
        _ => Vec::new(),
    }
}
