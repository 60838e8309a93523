//! GeoPackage: one feature table (the catalog's `layer`, or the only one), read through
//! SQLite row by row. Geometry blobs are the GeoPackage header followed by standard WKB.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::archive::{self, Local};
use super::{Feature, FeatureReader, Input, Value};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

const FORMAT: &str = "GeoPackage";

pub(super) struct GeoPackageReader {
    input: String,
    conn: Connection,
    sql: String,
    fields: usize,
    srid: Option<i32>,
    total: Option<u64>,
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
        let layers: Vec<String> = conn
            .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| bad(format!("no GeoPackage contents table ({e})")))?;
        let layer = match (&entry.source.layer, layers.as_slice()) {
            (Some(l), _) if layers.contains(l) => l.clone(),
            (Some(l), _) => {
                return Err(bad(format!(
                    "no layer {l:?} (layers: {})",
                    layers.join(", ")
                )));
            }
            (None, [one]) => one.clone(),
            (None, _) => {
                return Err(bad(format!(
                    "several layers ({}); the catalog must name one",
                    layers.join(", ")
                )));
            }
        };
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
        let columns: Vec<String> = conn
            .prepare(&format!("PRAGMA table_info({})", q(&layer)))
            .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(1))?.collect())
            .map_err(|e| bad(e.to_string()))?;
        let found = super::resolve_fields(entry, &name, &columns)?;
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

/// The WKB inside a GeoPackage geometry blob; `None` for an empty geometry.
fn strip_header(blob: &[u8]) -> Result<Option<&[u8]>, String> {
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

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}
