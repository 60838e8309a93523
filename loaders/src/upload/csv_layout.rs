//! A CSV upload's layout, where the uploader does not give it: the encoding (UTF-8, else the
//! Windows-1252 that Excel writes in Sweden), the delimiter (`;` is the Swedish default), the
//! coordinate columns by their usual names, and the CRS by the coordinates' range.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{LoadError, Result};

/// How to read a CSV upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    pub encoding: Option<String>,
    pub delimiter: char,
    pub x: String,
    pub y: String,
    /// `EPSG:4326` or `EPSG:3006`, guessed from the first row when not given.
    pub crs: String,
}

/// What the uploader said, each part optional.
#[derive(Debug, Clone, Default)]
pub(super) struct Given<'a> {
    pub encoding: Option<&'a str>,
    pub delimiter: Option<char>,
    pub x: Option<&'a str>,
    pub y: Option<&'a str>,
    pub crs: Option<&'a str>,
}

/// Names of easting/longitude columns, lower case, in order of preference. Swedish
/// surveying names northing X and easting Y, so `x`/`y` are decided by the values.
const X_NAMES: [&str; 10] = [
    "e",
    "easting",
    "ost",
    "östlig",
    "lon",
    "long",
    "longitude",
    "lng",
    "x",
    "x_koord",
];
const Y_NAMES: [&str; 9] = [
    "n",
    "northing",
    "nord",
    "nordlig",
    "lat",
    "latitude",
    "y",
    "y_koord",
    "y_koordinat",
];

/// Reads the head of `path` and settles the layout.
///
/// # Errors
/// [`LoadError::Rejected`] when no coordinate columns can be found or given ones are absent.
pub(super) fn settle(path: &Path, input: &str, given: &Given<'_>) -> Result<Layout> {
    let reject = |message: String| LoadError::Rejected {
        input: input.to_owned(),
        message,
    };
    let (encoding, text) = head_text(path, given, &reject)?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = given.delimiter.unwrap_or_else(|| {
        [';', ',', '\t', '|']
            .into_iter()
            .max_by_key(|d| first_line.matches(*d).count())
            .unwrap_or(',')
    });
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(
            u8::try_from(delimiter).map_err(|_| reject("the delimiter must be ASCII".into()))?,
        )
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| reject(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let (mut xi, mut yi) = (
        column(&headers, given.x, &X_NAMES, "x").map_err(&reject)?,
        column(&headers, given.y, &Y_NAMES, "y").map_err(&reject)?,
    );
    let first: Vec<f64> = reader
        .records()
        .next()
        .and_then(std::result::Result::ok)
        .map(|r| {
            [xi, yi]
                .iter()
                .map(|i| {
                    r.get(*i)
                        .and_then(|v| v.trim().replace(',', ".").parse().ok())
                        .unwrap_or(f64::NAN)
                })
                .collect()
        })
        .unwrap_or_default();
    let (x, y) = (
        first.first().copied().unwrap_or(f64::NAN),
        first.get(1).copied().unwrap_or(f64::NAN),
    );
    // Swedish X is northing: 6.1-7.7 million metres in SWEREF 99 TM.
    if given.x.is_none() && given.y.is_none() && x > 6_000_000.0 && y < 1_000_000.0 {
        std::mem::swap(&mut xi, &mut yi);
    }
    let crs = given.crs.map_or_else(
        || {
            if x.abs() <= 180.0 && y.abs() <= 90.0 {
                "EPSG:4326".to_owned()
            } else {
                "EPSG:3006".to_owned()
            }
        },
        str::to_owned,
    );
    Ok(Layout {
        encoding,
        delimiter,
        x: headers[xi].clone(),
        y: headers[yi].clone(),
        crs,
    })
}

/// The position of the coordinate column `wanted` (given) or, not given, of the first of
/// `names` the header has.
fn column(
    headers: &[String],
    wanted: Option<&str>,
    names: &[&str],
    what: &str,
) -> std::result::Result<usize, String> {
    if let Some(w) = wanted {
        return headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(w))
            .ok_or_else(|| {
                format!(
                    "the {what} column {w:?} is not in the header ({})",
                    headers.join(", ")
                )
            });
    }
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h.to_lowercase() == *n))
        .ok_or_else(|| {
            format!(
                "no coordinate columns found (the header has: {}): name them in meta as \"x\" and \"y\"",
                headers.join(", ")
            )
        })
}

/// The encoding (`None`: UTF-8) and the decoded first 64 KiB of the file.
fn head_text(
    path: &Path,
    given: &Given<'_>,
    reject: &dyn Fn(String) -> LoadError,
) -> Result<(Option<String>, String)> {
    let mut head = Vec::new();
    File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
        .map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let encoding = match given.encoding {
        Some(e) => Some(e.to_owned()),
        None => match std::str::from_utf8(head) {
            Ok(_) => None,
            // Cut inside a character at the 64 KiB mark: still UTF-8.
            Err(e) if e.error_len().is_none() => None,
            Err(_) => Some("windows-1252".to_owned()),
        },
    };
    let text = match encoding.as_deref() {
        None => String::from_utf8_lossy(head).into_owned(),
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| reject(format!("unknown encoding {label:?}")))?
            .decode(head)
            .0
            .into_owned(),
    };
    Ok((encoding, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(text: &[u8]) -> Layout {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.csv");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        settle(&path, "a.csv", &Given::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_excel_export_in_sweref_with_x_as_northing_is_read_the_swedish_way() {
        let l = layout(b"Namn;X;Y\nV\xe4xj\xf6;6305000;505000\n");
        assert_eq!(l.delimiter, ';');
        assert_eq!(l.encoding.as_deref(), Some("windows-1252"));
        assert_eq!((l.x.as_str(), l.y.as_str()), ("Y", "X"));
        assert_eq!(l.crs, "EPSG:3006");
    }

    #[test]
    fn longitude_and_latitude_columns_are_wgs84() {
        let l = layout("namn,lon,lat\nVäxjö,14.8,56.9\n".as_bytes());
        assert_eq!((l.delimiter, l.encoding), (',', None));
        assert_eq!(
            (l.x.as_str(), l.y.as_str(), l.crs.as_str()),
            ("lon", "lat", "EPSG:4326")
        );
    }
}
