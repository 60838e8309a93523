//! Which catalog datasets the files in a directory hold, for `rummet load --all --dir`: a file
//! is recognised by the catalog's published file names and patterns, else by its content (a
//! reader of the dataset's format opens it: its layer is found and its required fields are
//! there). One file may hold several datasets (the lämningar GeoPackage has three layers).
//! Every file recognised by neither is listed with why.

use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::catalog::{self, CatalogEntry, SourceFormat};
use crate::pipeline::Part;
use crate::read::{self, Input};

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
        if !by_name.is_empty() {
            discovery
                .found
                .extend(by_name.into_iter().map(|entry| Found {
                    entry,
                    path: path.clone(),
                    how: Recognised::ByName,
                    part: lan_part(&name),
                }));
            continue;
        }
        match by_content(&path) {
            Ok(entries) => discovery
                .found
                .extend(entries.into_iter().map(|entry| Found {
                    entry,
                    path: path.clone(),
                    how: Recognised::ByContent,
                    part: lan_part(&name),
                })),
            Err(reason) => discovery.skipped.push(Skipped { path, reason }),
        }
    }
    Ok(discovery)
}

/// The datasets whose reader opens `path`, or why none does.
fn by_content(path: &Path) -> Result<Vec<&'static CatalogEntry>, String> {
    let formats = formats_of(path);
    if formats.is_empty() {
        return Err("not a format the catalog's datasets are published in".into());
    }
    let input = Input::File(path.to_owned());
    let mut matched = Vec::new();
    let mut closest: Option<(usize, String)> = None;
    for entry in catalog::all()
        .iter()
        .filter(|e| formats.contains(&e.source.format))
    {
        match read::open(entry, &input) {
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
        Err(format!(
            "matches no catalog file name, and no dataset's layer and fields (nearest: {})",
            closest.map_or_else(|| "none of its format".to_owned(), |(_, e)| e)
        ))
    } else {
        Ok(matched)
    }
}

/// Whether a file lacking `missing` of `entry`'s fields holds at least half of them.
fn holds_most_fields(entry: &CatalogEntry, missing: usize) -> bool {
    let found = entry.fields.len().saturating_sub(missing);
    found > 0 && found * 2 >= entry.fields.len()
}

/// The formats a file may be in, by its extension (a zip may hold any of the zipped ones).
fn formats_of(path: &Path) -> Vec<SourceFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gpkg" => vec![SourceFormat::GeoPackage],
        "shp" => vec![SourceFormat::Shapefile],
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

/// The 21 län by code, with the stem of the name their extracts are named by
/// (`Norrbottens_län_GeoPackage.zip`, `lämningar_län_norrbotten.gpkg`).
const LAN: [(&str, &str); 21] = [
    ("01", "stockholm"),
    ("03", "uppsala"),
    ("04", "södermanland"),
    ("05", "östergötland"),
    ("06", "jönköping"),
    ("07", "kronoberg"),
    ("08", "kalmar"),
    ("09", "gotland"),
    ("10", "blekinge"),
    ("12", "skåne"),
    ("13", "halland"),
    ("14", "västra götaland"),
    ("17", "värmland"),
    ("18", "örebro"),
    ("19", "västmanland"),
    ("20", "dalarna"),
    ("21", "gävleborg"),
    ("22", "västernorrland"),
    ("23", "jämtland"),
    ("24", "västerbotten"),
    ("25", "norrbotten"),
];

/// `name` as words: lower case, NFC or ASCII-folded (`å` → `a`), `_`, `-` and `.` as spaces,
/// with a space on either side so a word can be found by ` word `.
fn words(name: &str, ascii: bool) -> String {
    let folded = crate::glob::fold(name).replace(['_', '-', '.'], " ");
    let folded: String = if ascii {
        folded.nfd().filter(char::is_ascii).collect()
    } else {
        folded
    };
    format!(" {folded} ")
}

/// The län part (`lan:25`) a per-län extract's file name names: the word `län` (or `lan`)
/// and a län's name, whole words (`gotland` is inside `östergötland`), genitive or not. A
/// national file, or a name naming no län, is no part.
#[must_use]
pub fn lan_part(file_name: &str) -> Option<Part> {
    [false, true].into_iter().find_map(|ascii| {
        let name = words(file_name, ascii);
        let lan = words("län", ascii);
        if !name.contains(&lan) {
            return None;
        }
        LAN.iter()
            .find(|(_, stem)| {
                let stem = words(stem, ascii);
                let genitive = format!("{}s ", stem.trim_end());
                name.contains(&stem) || name.contains(&genitive)
            })
            .and_then(|(code, _)| Part::parse(&format!("lan:{code}")).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::lan_part;

    #[test]
    fn per_lan_extracts_are_parts_named_by_their_lan_code() {
        let part = |n: &str| lan_part(n).map(|p| p.to_string());
        assert_eq!(
            part("Norrbottens_län_GeoPackage.zip").as_deref(),
            Some("lan:25")
        );
        assert_eq!(
            part("lämningar_län_jönköping.gpkg").as_deref(),
            Some("lan:06")
        );
        assert_eq!(
            part("lamningar_lan_ostergotland.gpkg").as_deref(),
            Some("lan:05")
        );
        assert_eq!(
            part("Gotlands_län_GeoPackage.zip").as_deref(),
            Some("lan:09")
        );
        assert_eq!(
            part("Västra_Götalands_län_GeoPackage.zip").as_deref(),
            Some("lan:14")
        );
        assert_eq!(
            part("Jo\u{308}nko\u{308}pings_la\u{308}n_GeoPackage.zip").as_deref(),
            Some("lan:06")
        );
        assert_eq!(part("lämningar_sverige.gpkg"), None);
        assert_eq!(part("lämningar_kommun_kalmar.gpkg"), None);
        assert_eq!(part("Sverigepaket_TP.gpkg"), None);
    }
}
