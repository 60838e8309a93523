//! Getting at the file a reader needs: agencies ship zips (a Shapefile's parts, a GeoPackage),
//! and in-memory inputs must reach readers that need a path. Members are extracted, streamed,
//! into a temporary directory that lives as long as the reader.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::Input;
use crate::{LoadError, Result};

/// A file on disk for a reader, and the temporary directory holding it, if any.
pub(crate) struct Local {
    pub path: PathBuf,
    pub _dir: Option<TempDir>,
}

/// Finds the file with extension `ext` in `input`: the input itself, or the one member of
/// that type in a zip (`member` picks among several), extracted with its sidecar files
/// (same stem, any extension).
pub(crate) fn local(
    input: &Input,
    ext: &str,
    member: Option<&str>,
    format: &'static str,
) -> Result<Local> {
    let name = input.name();
    let bad = LoadError::format(&name, format);
    let is_zip = is_zip(input, &bad)?;
    let dir = tempfile::tempdir().map_err(|e| bad(format!("temporary directory: {e}")))?;
    if !is_zip {
        return match input {
            Input::File(p) | Input::Upload { path: p, .. } => Ok(Local {
                path: p.clone(),
                _dir: None,
            }),
            Input::Url(_) => Err(bad("a URL must be downloaded before it is read".into())),
            Input::Bytes { data, .. } => {
                let path = dir.path().join(format!("input.{ext}"));
                std::fs::write(&path, data).map_err(|e| bad(e.to_string()))?;
                Ok(Local {
                    path,
                    _dir: Some(dir),
                })
            }
        };
    }
    let reader: Box<dyn ReadSeek> = match input {
        Input::File(p) | Input::Upload { path: p, .. } => {
            Box::new(File::open(p).map_err(|source| LoadError::Io {
                path: p.clone(),
                source,
            })?)
        }
        Input::Bytes { data, .. } => Box::new(io::Cursor::new(data.clone())),
        Input::Url(_) => return Err(bad("a URL must be downloaded before it is read".into())),
    };
    let mut zip =
        zip::ZipArchive::new(reader).map_err(|e| bad(format!("not a readable zip: {e}")))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("zip directory: {e}")))?;
    let wanted: Vec<&String> = names
        .iter()
        .filter(|n| has_ext(n, ext))
        .filter(|n| member.is_none_or(|m| stem(n).eq_ignore_ascii_case(m)))
        .collect();
    let main = match wanted.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(bad(format!(
                "the zip holds no .{ext} file{} (it has: {})",
                member.map(|m| format!(" named {m}")).unwrap_or_default(),
                names.join(", ")
            )));
        }
        many => {
            return Err(bad(format!(
                "the zip holds several .{ext} files ({}); the catalog must name one as `member`",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let main_stem = stem(&main).to_owned();
    let mut path = None;
    for n in names
        .iter()
        .filter(|n| stem(n) == main_stem && !n.ends_with('/'))
    {
        let mut entry = zip.by_name(n).map_err(|e| bad(format!("{n}: {e}")))?;
        // Only the base name: a zip member named `../x` must not escape the directory.
        let base = Path::new(n)
            .file_name()
            .map(|b| b.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out_path = dir.path().join(&base);
        let mut out = File::create(&out_path).map_err(|e| bad(format!("{n}: {e}")))?;
        // Never more than the member says it holds: a zip whose sizes lie is refused rather
        // than allowed to fill the disk (uploads check the declared sizes against caps).
        let declared = entry.size();
        let copied = io::copy(&mut io::Read::take(&mut entry, declared + 1), &mut out)
            .map_err(|e| bad(format!("{n} is truncated or corrupt: {e}")))?;
        if copied > declared {
            return Err(bad(format!(
                "{n} unpacks to more than the {declared} bytes the zip declares for it"
            )));
        }
        out.flush().map_err(|e| bad(e.to_string()))?;
        if *n == main {
            path = Some(out_path);
        }
    }
    let path = path.ok_or_else(|| bad(format!("{main} could not be extracted")))?;
    Ok(Local {
        path,
        _dir: Some(dir),
    })
}

/// Whether the input starts like a zip archive.
pub(crate) fn is_zip(input: &Input, bad: &dyn Fn(String) -> LoadError) -> Result<bool> {
    Ok(match input {
        Input::File(p) | Input::Upload { path: p, .. } => {
            let mut magic = [0u8; 4];
            let n = File::open(p)
                .and_then(|mut f| io::Read::read(&mut f, &mut magic))
                .map_err(|source| LoadError::Io {
                    path: p.clone(),
                    source,
                })?;
            n == 4 && magic == *b"PK\x03\x04"
        }
        Input::Bytes { data, .. } => data.starts_with(b"PK\x03\x04"),
        Input::Url(_) => return Err(bad("a URL must be downloaded before it is read".into())),
    })
}

trait ReadSeek: io::Read + io::Seek {}
impl<T: io::Read + io::Seek> ReadSeek for T {}

/// Whether `name` ends in `.ext`, ignoring case.
pub(crate) fn has_ext(name: &str, ext: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A member's file name without its directory and extension.
pub(crate) fn stem(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(s, _)| s)
}
