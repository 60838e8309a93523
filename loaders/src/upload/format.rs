//! Which of the published formats an upload is, by its content first and its name second:
//! a GeoPackage is SQLite, GeoParquet starts `PAR1`, a zip is what its members are.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::catalog::SourceFormat;
use crate::read::archive;
use crate::{LoadError, Result};

const KNOWN: &str =
    "GeoPackage (.gpkg), zipped Shapefile (.zip with .shp, .dbf, .prj), GeoJSON, GeoParquet or CSV";

/// The format of the file at `path`, sent as `file_name`; `members` when it is a zip.
///
/// # Errors
/// [`LoadError::Rejected`] for anything else, naming what is accepted.
pub(super) fn detect(
    path: &Path,
    file_name: &str,
    members: Option<&[String]>,
) -> Result<SourceFormat> {
    let reject = |message: String| LoadError::Rejected {
        input: file_name.to_owned(),
        message,
    };
    if let Some(members) = members {
        let formats: Vec<SourceFormat> = [
            (SourceFormat::Shapefile, &["shp"][..]),
            (SourceFormat::GeoPackage, &["gpkg"]),
            (SourceFormat::GeoParquet, &["parquet", "geoparquet"]),
            (SourceFormat::GeoJson, &["geojson", "json"]),
            (SourceFormat::Csv, &["csv", "tsv", "txt"]),
        ]
        .into_iter()
        .filter(|(_, exts)| members.iter().any(|m| !hidden(m) && has_ext(m, exts)))
        .map(|(f, _)| f)
        .collect();
        return match formats.as_slice() {
            [one] => Ok(*one),
            [] => Err(reject(format!(
                "the zip holds none of {KNOWN} (it has: {})",
                members.join(", ")
            ))),
            // A Shapefile's parts may come with a metadata .txt or a .json; the .shp decides.
            [SourceFormat::Shapefile, ..] => Ok(SourceFormat::Shapefile),
            many => Err(reject(format!(
                "the zip holds files of several formats ({}): upload one dataset per file",
                many.iter()
                    .map(|f| format!("{f:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    let mut head = [0u8; 16];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
    let head = &head[..n];
    let format = if head.starts_with(b"SQLite format 3\0") {
        SourceFormat::GeoPackage
    } else if head.starts_with(b"PAR1") {
        SourceFormat::GeoParquet
    } else if has_ext(file_name, &["shp", "dbf", "shx", "prj"]) {
        return Err(reject(
            "a Shapefile is several files: upload them zipped together (.shp, .shx, .dbf, .prj and .cpg)".into(),
        ));
    } else if has_ext(file_name, &["geojson", "json", "geojsonl", "ndjson"])
        || head
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0x1e)
            .is_some_and(|b| *b == b'{')
    {
        SourceFormat::GeoJson
    } else if has_ext(file_name, &["csv", "tsv", "txt"]) {
        SourceFormat::Csv
    } else {
        return Err(reject(format!("unknown format: Rummet takes {KNOWN}")));
    };
    Ok(format)
}

/// macOS and editor litter in zips (`__MACOSX/`, `.DS_Store`).
fn hidden(member: &str) -> bool {
    member.starts_with("__MACOSX/")
        || member
            .rsplit('/')
            .next()
            .is_some_and(|b| b.starts_with('.'))
}

fn has_ext(name: &str, exts: &[&str]) -> bool {
    exts.iter().any(|x| archive::has_ext(name, x))
}

/// The members of `members` with one of `exts`, by stem: a zip holding several datasets of
/// the format needs `layer` to say which.
pub(super) fn stems_with(members: &[String], exts: &[&str]) -> Vec<String> {
    members
        .iter()
        .filter(|m| !hidden(m) && has_ext(m, exts))
        .map(|m| archive::stem(m).to_owned())
        .collect()
}
