//! Uploads: a file an organisation sends with a few lines of metadata, made into a catalog
//! entry that the load pipeline takes like any other. The fields, their types and the
//! geometry family come from the file itself, read by the same readers a load uses.
//!
//! [`describe`] runs while the upload's request waits: it checks an archive before anything
//! is unpacked, recognises the format, reads the schema and the declared CRS, so a wrong file
//! is refused with `400` at once. [`infer`] reads every feature for the column types and the
//! geometry family, as the first step of the load job.

mod archive;
mod csv_layout;
mod format;
mod infer;
mod names;

use std::collections::BTreeMap;

use rummet_core::DatasetId;
use serde::Deserialize;

use crate::catalog::{
    CatalogEntry, Division, Field, FieldType, GeometryKind, Role, Source, SourceFormat,
};
use crate::read::{self, Feature, Input, Probe};
use crate::{LoadError, Result};

/// Most fields an upload may have (PostgreSQL takes 1,600 columns; a GeoJSON's every
/// distinct property is one).
const MAX_FIELDS: usize = 1000;

/// Caps on what an uploaded archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total bytes all members of a zip may unpack to.
    pub max_unpacked_bytes: u64,
    /// Largest unpacked-to-packed ratio of a member over 1 MiB.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 4 << 30,
            max_ratio: 100,
        }
    }
}

/// What the uploader says about the file (the `meta` part of the upload). Only `title` and
/// `licence` are required; a replacement inherits what it leaves out from the version it
/// replaces.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadMeta {
    /// `strukturbild`, or `region-jonkoping.strukturbild`: the name in the organisation's
    /// namespace.
    #[serde(default)]
    pub id: Option<String>,
    /// Title, as shown in the atlas and to OGC clients.
    #[serde(default)]
    pub title: Option<String>,
    /// English title; the title when absent.
    #[serde(default)]
    pub title_en: Option<String>,
    /// What the dataset holds.
    #[serde(default)]
    pub description: Option<String>,
    /// The licence others may use it under (`CC0 1.0`, `CC BY 4.0`).
    #[serde(default)]
    pub licence: Option<String>,
    /// Attribution shown on maps; `© <organisation>` when absent.
    #[serde(default)]
    pub attribution: Option<String>,
    /// The publisher's name; the organisation's when absent.
    #[serde(default)]
    pub agency: Option<String>,
    /// `public`, `org` or `private` (read by the server).
    #[serde(default)]
    pub visibility: Option<String>,
    /// The CRS, `EPSG:<code>`, for a file that does not declare one (CSV, GeoJSON in
    /// SWEREF 99 TM); a file that declares another is refused.
    #[serde(default)]
    pub crs: Option<String>,
    /// The layer of a GeoPackage, or the file in a zip holding several.
    #[serde(default)]
    pub layer: Option<String>,
    /// CSV: the easting or longitude column.
    #[serde(default)]
    pub x: Option<String>,
    /// CSV: the northing or latitude column.
    #[serde(default)]
    pub y: Option<String>,
    /// CSV: the delimiter.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Text encoding where the file does not say (CSV, a DBF without `.cpg`).
    #[serde(default)]
    pub encoding: Option<String>,
    /// What each field means, by its name in the file (or its column name).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Makes the dataset a division statistics can be grouped by: its code and name fields.
    #[serde(default)]
    pub division: Option<Division>,
    /// Lowest zoom its tiles are served at (3, or 0 for a division, when absent).
    #[serde(default)]
    pub minzoom: Option<u8>,
    /// Highest zoom its tiles are served at (14 when absent).
    #[serde(default)]
    pub maxzoom: Option<u8>,
}

impl UploadMeta {
    /// Fills what this meta leaves out from the version being replaced.
    pub fn inherit(&mut self, previous: &CatalogEntry) {
        let keep = |mine: &mut Option<String>, theirs: &str| {
            if mine.as_deref().is_none_or(str::is_empty) {
                *mine = Some(theirs.to_owned());
            }
        };
        keep(&mut self.title, &previous.title);
        keep(&mut self.title_en, &previous.title_en);
        keep(&mut self.description, &previous.description);
        keep(&mut self.licence, &previous.licence);
        keep(&mut self.attribution, &previous.attribution);
        keep(&mut self.agency, &previous.agency);
        for f in &previous.fields {
            if !self.fields.contains_key(&f.source) && !self.fields.contains_key(&f.column) {
                self.fields.insert(f.source.clone(), f.description.clone());
            }
        }
        if self.division.is_none() {
            self.division = previous.division.as_ref().map(|d| {
                let source = |col: &str| {
                    previous
                        .fields
                        .iter()
                        .find(|f| f.column == col)
                        .map_or_else(|| col.to_owned(), |f| f.source.clone())
                };
                Division {
                    code: source(&d.code),
                    name: source(&d.name),
                }
            });
        }
        self.minzoom = self.minzoom.or(Some(previous.minzoom));
        self.maxzoom = self.maxzoom.or(Some(previous.maxzoom));
    }
}

/// One upload to describe.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The dataset it becomes.
    pub id: &'a DatasetId,
    /// What the uploader said.
    pub meta: &'a UploadMeta,
    /// The received file ([`Input::Upload`]).
    pub input: &'a Input,
    /// The organisation's name, for the publisher and attribution when meta leaves them out.
    pub organisation: &'a str,
    /// Caps on archives.
    pub limits: &'a Limits,
}

/// Checks the upload and reads its schema: a catalog entry with the file's fields (typed as
/// text until [`infer`] has read them) and the CRS to read it in.
///
/// # Errors
/// [`LoadError::Rejected`] for missing metadata, an unknown format, an unsafe archive or a
/// file without a CRS; [`LoadError::TooLarge`] for an archive past the caps;
/// [`LoadError::CrsMismatch`] when the file declares another CRS than meta's; reader errors
/// for a corrupt file.
pub fn describe(upload: &Upload<'_>) -> Result<CatalogEntry> {
    let name = upload.input.name();
    let reject = |message: String| LoadError::Rejected {
        input: name.clone(),
        message,
    };
    let meta = upload.meta;
    let required = |v: &Option<String>, what: &str, hint: &str| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| reject(format!("meta: {what:?} is required: {hint}")))
    };
    let title = required(&meta.title, "title", "the dataset's name as people see it")?;
    let licence = required(
        &meta.licence,
        "licence",
        "the licence others may use the data under (CC0 1.0, CC BY 4.0, …)",
    )?;
    let (source, guessed_crs) = source_of(upload)?;
    let given_crs = meta.crs.as_deref().map(epsg).transpose().map_err(&reject)?;
    let detected = source.format;
    let mut entry = CatalogEntry {
        id: upload.id.clone(),
        title_en: meta
            .title_en
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| title.clone()),
        title,
        agency: meta
            .agency
            .clone()
            .unwrap_or_else(|| upload.organisation.to_owned()),
        description: meta.description.clone().unwrap_or_default(),
        licence,
        attribution: meta
            .attribution
            .clone()
            .unwrap_or_else(|| format!("© {}", upload.organisation)),
        role: if meta.division.is_some() {
            Role::Division
        } else {
            Role::Thematic
        },
        geometry: GeometryKind::Polygon,
        minzoom: 0,
        maxzoom: 14,
        source,
        division: None,
        population: None,
        access: None,
        filter: None,
        cache_control: None,
        zoom_by: None,
        fields: Vec::new(),
    };
    // Opening reads the schema (and a GeoJSON's first feature) into the probe.
    let reader = read::open(&entry, upload.input)?;
    let declared = reader.declared_srid();
    drop(reader);
    let srid = settle_srid(&name, detected, (declared, given_crs, guessed_crs))?;
    entry.source.crs = format!("EPSG:{srid}");
    set_fields(&mut entry, meta)?;
    if let Some(min) = meta.minzoom {
        entry.minzoom = min;
    } else if entry.role == Role::Thematic {
        entry.minzoom = 3;
    }
    entry.maxzoom = meta.maxzoom.unwrap_or(14);
    let text = toml::to_string(&entry).map_err(|e| reject(e.to_string()))?;
    // The checks a catalog file gets: zoom range, column names, division columns.
    CatalogEntry::from_toml(&name, &text).map_err(reject)?;
    Ok(entry)
}

/// Where and how to read the upload: its format, the zip member or layer, a CSV's layout;
/// and, for a CSV, the CRS its coordinates look like.
fn source_of(upload: &Upload<'_>) -> Result<(Source, Option<i32>)> {
    let name = upload.input.name();
    let meta = upload.meta;
    let reject = |message: String| LoadError::Rejected {
        input: name.clone(),
        message,
    };
    let Input::Upload { path, .. } = upload.input else {
        return Err(reject("an upload is read from the file received".into()));
    };
    let members = zip_members(upload.input, upload.limits)?;
    let detected = format::detect(path, &name, members.as_deref())?;
    let member = match (&members, detected) {
        (Some(members), f) if f != SourceFormat::GeoPackage || meta.layer.is_none() => {
            choose_member(members, f, meta.layer.as_deref()).map_err(&reject)?
        }
        _ => None,
    };
    let layer = (detected == SourceFormat::GeoPackage)
        .then(|| meta.layer.clone())
        .flatten();
    let mut source = Source {
        format: detected,
        crs: String::new(),
        file: name.clone(),
        files: Vec::new(),
        layer_given: layer.is_some(),
        layer,
        layer_by_name_only: false,
        member,
        members: Vec::new(),
        encoding: meta.encoding.clone(),
        delimiter: meta.delimiter,
        x: meta.x.clone(),
        y: meta.y.clone(),
        urls: Vec::new(),
        probe: Some(Probe::default()),
    };
    let guessed_crs = if detected == SourceFormat::Csv {
        Some(settle_csv(upload, &mut source)?)
    } else {
        None
    };
    Ok((source, guessed_crs))
}

/// Settles a CSV upload's layout into `source`: encoding, delimiter, coordinate columns;
/// answers the CRS its coordinates look like.
fn settle_csv(upload: &Upload<'_>, source: &mut Source) -> Result<i32> {
    let name = upload.input.name();
    let meta = upload.meta;
    let local = read::archive::local(upload.input, "csv", source.member.as_deref(), "CSV")?;
    let layout = csv_layout::settle(
        &local.path,
        &name,
        &csv_layout::Given {
            encoding: meta.encoding.as_deref(),
            delimiter: meta.delimiter,
            x: meta.x.as_deref(),
            y: meta.y.as_deref(),
            crs: meta.crs.as_deref(),
        },
    )?;
    source.encoding = layout.encoding;
    source.delimiter = Some(layout.delimiter);
    source.x = Some(layout.x);
    source.y = Some(layout.y);
    epsg(&layout.crs).map_err(|message| LoadError::Rejected {
        input: name,
        message,
    })
}

/// The CRS to read the upload in: what the file declares, which meta may not contradict;
/// else meta's; else a CSV's guess, or WGS 84 for GeoJSON (RFC 7946).
fn settle_srid(
    name: &str,
    format: SourceFormat,
    (declared, given, guessed): (Option<i32>, Option<i32>, Option<i32>),
) -> Result<i32> {
    Ok(match (declared, given) {
        (Some(declared), Some(expected)) if declared != expected => {
            return Err(LoadError::CrsMismatch {
                input: name.to_owned(),
                declared,
                expected,
            });
        }
        (Some(srid), _) | (None, Some(srid)) => srid,
        (None, None) => match (format, guessed) {
            (_, Some(guessed)) => guessed,
            (SourceFormat::GeoJson, None) => 4326,
            _ => {
                return Err(LoadError::Rejected {
                    input: name.to_owned(),
                    message: "the file declares no CRS: give it in meta as \"crs\" (EPSG:3006 for SWEREF 99 TM)"
                        .into(),
                });
            }
        },
    })
}

/// Reads every feature of the described upload: the columns' types, the geometry family,
/// and (GeoJSON having no schema) every property any feature carries. `progress` is called
/// with the features read.
///
/// # Errors
/// [`LoadError::Rejected`] for a file mixing geometry families or without geometry; reader
/// errors for a file corrupt further in.
pub fn infer(
    described: &CatalogEntry,
    meta: &UploadMeta,
    input: &Input,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<CatalogEntry> {
    let name = input.name();
    let mut entry = described.clone();
    if entry.source.format == SourceFormat::GeoJson {
        // No schema: the fields are every property any feature carries, read into a probe
        // that `set_fields` names columns from.
        entry.fields.clear();
        entry.source.probe = Some(Probe::default());
        read_every(&entry, input, &mut |_| {})?;
        set_fields(&mut entry, meta)?;
    }
    entry.source.probe = None;
    let text_numbers = entry.source.format == SourceFormat::Csv;
    let mut seen = vec![infer::Seen::default(); entry.fields.len()];
    let mut families = infer::Families::default();
    let mut count = 0u64;
    read_every(&entry, input, &mut |f| {
        for (s, v) in seen.iter_mut().zip(&f.values) {
            s.add(v, text_numbers);
        }
        families.add(f);
        count += 1;
        if count.is_multiple_of(10_000) {
            progress(count);
        }
    })?;
    progress(count);
    for (field, s) in entry.fields.iter_mut().zip(seen) {
        field.kind = s.kind();
    }
    entry.geometry = families.family().map_err(|message| LoadError::Rejected {
        input: name.clone(),
        message,
    })?;
    Ok(entry)
}

/// Reads every feature of `input` as `entry` describes it, to `each`.
fn read_every(entry: &CatalogEntry, input: &Input, each: &mut dyn FnMut(&Feature)) -> Result<()> {
    let reader = read::open(entry, input)?;
    let mut failed = None;
    reader.read_all(&mut |f| match f {
        Ok(f) => {
            each(&f);
            true
        }
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    failed.map_or(Ok(()), Err)
}

/// Makes the probed field names (or, once set, the fields' source names) into fields with
/// plain column names, descriptions from meta, and the division's columns.
fn set_fields(entry: &mut CatalogEntry, meta: &UploadMeta) -> Result<()> {
    let probed = entry.source.probe.as_ref().map(Probe::probed);
    let mut sources: Vec<String> = match &probed {
        Some(p) if entry.fields.is_empty() => p.fields.clone(),
        _ => entry.fields.iter().map(|f| f.source.clone()).collect(),
    };
    let geometry_column = probed.and_then(|p| p.geometry_column);
    let format = entry.source.format;
    sources.retain(|s| {
        geometry_column.as_deref() != Some(s.as_str())
            // A GeoPackage's integer key: Rummet numbers features itself, in the same order.
            && !(format == SourceFormat::GeoPackage && s.eq_ignore_ascii_case("fid"))
            && entry.source.x.as_deref() != Some(s.as_str())
            && entry.source.y.as_deref() != Some(s.as_str())
    });
    if sources.len() > MAX_FIELDS {
        return Err(LoadError::Rejected {
            input: entry.source.file.clone(),
            message: format!(
                "the file has {} fields, more than the {MAX_FIELDS} a dataset may",
                sources.len()
            ),
        });
    }
    let columns = names::columns(&sources);
    let kinds: BTreeMap<String, FieldType> = entry
        .fields
        .iter()
        .map(|f| (f.source.clone(), f.kind))
        .collect();
    entry.fields = sources
        .iter()
        .zip(&columns)
        .map(|(source, column)| Field {
            description: meta
                .fields
                .get(source)
                .or_else(|| meta.fields.get(column))
                .cloned()
                .unwrap_or_else(|| source.clone()),
            source: source.clone(),
            column: column.clone(),
            kind: kinds.get(source).copied().unwrap_or(FieldType::Text),
            aliases: Vec::new(),
            required: false,
            codes: BTreeMap::new(),
        })
        .collect();
    if let Some(d) = &meta.division {
        let column = |wanted: &str| {
            entry
                .fields
                .iter()
                .find(|f| f.source == wanted || f.column == wanted)
                .map(|f| f.column.clone())
                .ok_or_else(|| LoadError::Rejected {
                    input: entry.source.file.clone(),
                    message: format!(
                        "meta.division names field {wanted:?}, which the file does not have ({})",
                        sources.join(", ")
                    ),
                })
        };
        entry.division = Some(Division {
            code: column(&d.code)?,
            name: column(&d.name)?,
        });
    }
    Ok(())
}

/// The zip member to read, by stem: the one file of the format, or `layer`'s.
fn choose_member(
    members: &[String],
    format: SourceFormat,
    layer: Option<&str>,
) -> std::result::Result<Option<String>, String> {
    let exts: &[&str] = match format {
        SourceFormat::Shapefile => &["shp"],
        SourceFormat::GeoPackage => &["gpkg"],
        SourceFormat::GeoParquet => &["parquet", "geoparquet"],
        SourceFormat::GeoJson => &["geojson", "json"],
        SourceFormat::Csv => &["csv", "tsv", "txt"],
        SourceFormat::JsonStat => &["json"],
    };
    let stems = format::stems_with(members, exts);
    match (stems.as_slice(), layer) {
        ([_], None) => Ok(None),
        (_, Some(l)) if stems.iter().any(|s| s.eq_ignore_ascii_case(l)) => Ok(Some(l.to_owned())),
        (_, Some(l)) => Err(format!(
            "meta.layer {l:?} is not in the zip (it holds: {})",
            stems.join(", ")
        )),
        (_, None) => Err(format!(
            "the zip holds several datasets ({}): say which in meta as \"layer\"",
            stems.join(", ")
        )),
    }
}

/// `EPSG:3006` (or `3006`) as its code.
fn epsg(crs: &str) -> std::result::Result<i32, String> {
    let code = crs.trim();
    let code = code
        .strip_prefix("EPSG:")
        .or_else(|| code.strip_prefix("epsg:"))
        .unwrap_or(code);
    code.parse()
        .map_err(|_| format!("meta.crs {crs:?} is not of the form EPSG:<code>"))
}

/// Checks an uploaded zip against the caps before anything is unpacked, for an upload read
/// as a catalog entry says rather than described; anything else passes.
///
/// # Errors
/// As [`describe`] does for archives.
pub fn check_archive(input: &Input, limits: &Limits) -> Result<()> {
    zip_members(input, limits).map(drop)
}

/// The members of an uploaded zip, once they pass the caps; `None` for any other file.
fn zip_members(input: &Input, limits: &Limits) -> Result<Option<Vec<String>>> {
    match input {
        Input::Upload { path, name }
            if read::archive::is_zip(input, &LoadError::format(name, "zip"))? =>
        {
            archive::checked_members(path, name, limits).map(Some)
        }
        _ => Ok(None),
    }
}
