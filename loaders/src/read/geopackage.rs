//! GeoPackage: one feature table (the catalog's `layer`, or the only one), read through
//! SQLite row by row. Geometry blobs are the GeoPackage header followed by standard WKB.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::archive::{self, Local};
use super::{Feature, FeatureReader, Input, Notes, Value};
use crate::catalog::{CatalogEntry, GeometryKind};
use crate::{LoadError, Result};

const FORMAT: &str = "GeoPackage";

pub(super) struct GeoPackageReader {
    input: String,
    conn: Connection,
    sql: String,
    fields: usize,
    srid: Option<i32>,
    total: Option<u64>,
    notes: Notes,
    _local: Local,
}

fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

impl GeoPackageReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let bad = LoadError::format(&name, FORMAT);
        let local = archive::local(input, "gpkg", entry.source.member.as_deref(), FORMAT)?;
        let conn = Connection::open_with_flags(
            &local.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| bad(e.to_string()))?;
        let layers: Vec<(String, String)> = conn
            .prepare(
                "SELECT c.table_name, coalesce(g.geometry_type_name, '') FROM gpkg_contents c \
                 LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
                 WHERE c.data_type = 'features' ORDER BY c.table_name",
            )
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(|e| bad(format!("no GeoPackage contents table ({e})")))?;
        let notes = Notes::default();
        let layer = choose_layer(entry, &layers, (&name, &notes)).map_err(&bad)?;
        let (geom_col, srs_id): (String, i64) = conn
            .query_row(
                "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
                [&layer],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| bad(format!("layer {layer:?} has no geometry column ({e})")))?;
        let srid = conn
            .query_row(
                "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
                [srs_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)),
            )
            .ok()
            .and_then(|(org, code, def)| {
                if org.eq_ignore_ascii_case("EPSG") {
                    i32::try_from(code).ok()
                } else {
                    super::srid_from_wkt(&def)
                }
            });
        if let Some(probe) = &entry.source.probe {
            probe.geometry_column(&geom_col);
        }
        let columns: Vec<String> = conn
            .prepare(&format!("PRAGMA table_info({})", q(&layer)))
            .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(1))?.collect())
            .map_err(|e| bad(e.to_string()))?;
        let found =
            super::resolve_fields(entry, &format!("{name}, layer {layer}"), &columns, &notes)?;
        let select: Vec<String> = std::iter::once(q(&geom_col))
            .chain(
                found
                    .iter()
                    .map(|i| i.map_or_else(|| "NULL".to_owned(), |i| q(&columns[i]))),
            )
            .collect();
        // rowid order is the file's order, so feature numbers are stable between loads.
        let sql = format!(
            "SELECT {} FROM {} ORDER BY rowid",
            select.join(", "),
            q(&layer)
        );
        let total = conn
            .query_row(&format!("SELECT count(*) FROM {}", q(&layer)), [], |r| {
                r.get::<_, i64>(0)
            })
            .ok()
            .and_then(|n| u64::try_from(n).ok());
        Ok(Self {
            input: name,
            conn,
            sql,
            fields: found.len(),
            srid,
            total,
            notes,
            _local: local,
        })
    }

    fn run(&self, emit: &mut dyn FnMut(Result<Feature>) -> bool) -> Result<()> {
        let bad = |number: u64, message: String| LoadError::Format {
            input: self.input.clone(),
            format: FORMAT,
            message: if number == 0 {
                message
            } else {
                format!("feature {number}: {message}")
            },
        };
        let mut stmt = self
            .conn
            .prepare(&self.sql)
            .map_err(|e| bad(0, e.to_string()))?;
        let mut rows = stmt.query([]).map_err(|e| bad(0, e.to_string()))?;
        let mut number = 0u64;
        while let Some(row) = rows.next().map_err(|e| bad(number + 1, e.to_string()))? {
            number += 1;
            let wkb = match row.get_ref(0).map_err(|e| bad(number, e.to_string()))? {
                ValueRef::Blob(b) => strip_header(b)
                    .map_err(|m| bad(number, m))?
                    .map(<[u8]>::to_vec),
                ValueRef::Null => None,
                _ => return Err(bad(number, "geometry is not a blob".into())),
            };
            let mut values = Vec::with_capacity(self.fields);
            for i in 1..=self.fields {
                values.push(
                    match row.get_ref(i).map_err(|e| bad(number, e.to_string()))? {
                        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                        ValueRef::Integer(v) => Value::Integer(v),
                        ValueRef::Real(v) => Value::Double(v),
                        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    },
                );
            }
            if !emit(Ok(Feature {
                number,
                wkb,
                values,
            })) {
                break;
            }
        }
        Ok(())
    }
}

/// The layer to read among `layers` (name, geometry type): the one `rummet load --layer`
/// names; else the catalog's layer by name, then by pattern (one layer must match); else the
/// one layer of the catalog's geometry family, so an extract whose layers are named
/// otherwise still loads. Anything else is an error listing the layers.
fn choose_layer(
    entry: &CatalogEntry,
    layers: &[(String, String)],
    (input, notes): (&str, &Notes),
) -> Result<String, String> {
    let listed = || {
        layers
            .iter()
            .map(|(l, t)| {
                if t.is_empty() {
                    l.clone()
                } else {
                    format!("{l} ({t})")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let names = || layers.iter().map(|(l, _)| l);
    if let Some(wanted) = &entry.source.layer {
        if let Some(exact) = names().find(|l| *l == wanted) {
            return Ok(exact.clone());
        }
        if entry.source.layer_given {
            return Err(format!("no layer {wanted:?} (layers: {})", listed()));
        }
        let matching: Vec<&String> = names()
            .filter(|l| crate::glob::matches(wanted, l))
            .collect();
        match matching.as_slice() {
            [one] => return Ok((*one).clone()),
            [] => {}
            many => {
                return Err(format!(
                    "several layers match {wanted:?} ({}): choose one with --layer",
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    let family: Vec<&String> = layers
        .iter()
        .filter(|(_, t)| family_of(t) == Some(entry.geometry))
        .map(|(l, _)| l)
        .collect();
    if entry.source.layer_by_name_only && entry.source.layer.is_some() {
        return Err(format!(
            "no layer matches {:?}",
            entry.source.layer.as_deref().unwrap_or_default()
        ));
    }
    match (family.as_slice(), layers) {
        ([one], _) => {
            if let Some(wanted) = &entry.source.layer {
                notes.push(format!(
                    "{input}: no layer matches {wanted:?}: read {one:?}, the file's one layer of {} geometries",
                    entry.geometry.postgis_type()
                ));
            }
            Ok((*one).clone())
        }
        (_, [(only, _)]) if entry.source.layer.is_none() => Ok(only.clone()),
        _ => Err(format!(
            "no layer {} and not one layer of {} geometries among them (layers: {}): choose one with --layer",
            entry.source.layer.as_deref().map_or_else(
                || "named in the catalog".to_owned(),
                |l| format!("matching {l:?}")
            ),
            entry.geometry.postgis_type(),
            listed()
        )),
    }
}

/// The geometry family of a GeoPackage geometry type name (`MULTILINESTRING`, `CURVEPOLYGON`...).
fn family_of(type_name: &str) -> Option<GeometryKind> {
    let t = type_name.to_ascii_uppercase();
    if t.ends_with("POINT") {
        Some(GeometryKind::Point)
    } else if t.ends_with("LINESTRING") || t.ends_with("CURVE") {
        Some(GeometryKind::Line)
    } else if t.ends_with("POLYGON") || t.ends_with("SURFACE") {
        Some(GeometryKind::Polygon)
    } else {
        None
    }
}

/// The WKB inside a GeoPackage geometry blob; `None` for an empty geometry.
pub(crate) fn strip_header(blob: &[u8]) -> Result<Option<&[u8]>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("geometry is not a GeoPackage geometry blob".into());
    }
    let flags = blob[3];
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope code {other} in geometry header")),
    };
    if flags & 0b1_0000 != 0 {
        return Ok(None);
    }
    blob.get(8 + envelope..)
        .filter(|w| !w.is_empty())
        .map(Some)
        .ok_or_else(|| "geometry blob is truncated".into())
}

impl FeatureReader for GeoPackageReader {
    fn declared_srid(&self) -> Option<i32> {
        self.srid
    }

    fn feature_count(&self) -> Option<u64> {
        self.total
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}
