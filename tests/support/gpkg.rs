//! `GeoPackage` files laid out as an agency lays them out (several layers, an attribute table, 3D
//! geometry), for the loader tests that the one-layer catalog fixtures cannot express.

use std::path::Path;

use rusqlite::types::Value;

use super::fixtures::gpkg_metadata;

/// One table of a GeoPackage.
pub struct Layer<'a> {
    pub name: &'a str,
    /// `POINT`, `LINESTRING`, `POLYGON` ...; `None` for an attribute table without geometry.
    pub geometry_type: Option<&'a str>,
    /// Column name and SQLite type.
    pub columns: Vec<(String, &'a str)>,
    /// Geometry as ISO WKB (ignored for attribute tables), then one value per column.
    pub rows: Vec<(Vec<u8>, Vec<Value>)>,
}

/// Writes `layers` into a new GeoPackage at `path`, every geometry in `srid`.
pub fn write(path: &Path, srid: i32, layers: &[Layer<'_>]) {
    write_with(path, srid, layers, "geom");
}

/// [`write`], naming the geometry column `column` (SCB's grids call it `sp_geometry`).
pub fn write_with(path: &Path, srid: i32, layers: &[Layer<'_>], column: &str) {
    // A new file each time, not layers added to an old one.
    let _ = std::fs::remove_file(path);
    let db = rusqlite::Connection::open(path).expect("sqlite");
    gpkg_metadata(&db, srid);
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for layer in layers {
        let cols: Vec<String> = layer
            .columns
            .iter()
            .map(|(n, t)| format!("{} {t}", q(n)))
            .collect();
        let geom = if layer.geometry_type.is_some() {
            format!("{} BLOB, ", q(column))
        } else {
            String::new()
        };
        db.execute_batch(&format!(
            "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT, {geom}{})",
            q(layer.name),
            cols.join(", ")
        ))
        .expect("layer");
        let kind = if layer.geometry_type.is_some() {
            "features"
        } else {
            "attributes"
        };
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES (?1, ?2, ?3)",
            rusqlite::params![layer.name, kind, srid],
        )
        .expect("contents");
        if let Some(t) = layer.geometry_type {
            let (z, m) = (i32::from(t.contains(" Z")), i32::from(t.ends_with('M')));
            db.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?1, ?6, ?2, ?3, ?4, ?5)",
                rusqlite::params![layer.name, t.split(' ').next(), srid, z, m, column],
            )
            .expect("geometry columns");
        }
        let names: Vec<String> = layer.columns.iter().map(|(n, _)| q(n)).collect();
        for (wkb, values) in &layer.rows {
            let mut all: Vec<Value> = Vec::new();
            let mut cols = names.clone();
            if layer.geometry_type.is_some() {
                let mut blob = b"GP\x00\x01".to_vec();
                blob.extend_from_slice(&srid.to_le_bytes());
                blob.extend_from_slice(wkb);
                all.push(Value::Blob(blob));
                cols.insert(0, q(column));
            }
            all.extend(values.iter().cloned());
            let marks: Vec<String> = (1..=all.len()).map(|n| format!("?{n}")).collect();
            db.execute(
                &format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    q(layer.name),
                    cols.join(", "),
                    marks.join(", ")
                ),
                rusqlite::params_from_iter(all.iter()),
            )
            .expect("row");
        }
    }
}

/// ISO WKB of a geometry of `kind` (1 point, 2 line, 3 polygon) with `ordinates` per
/// position (2, 3 for Z, 4 for ZM) and `m` for a third ordinate that is M, over the rings
/// (one for a point or line).
pub fn wkb(kind: u32, ordinates: usize, m: bool, rings: &[Vec<[f64; 4]>]) -> Vec<u8> {
    let offset = match (ordinates, m) {
        (2, _) => 0,
        (3, false) => 1000,
        (3, true) => 2000,
        _ => 3000,
    };
    let mut out = vec![1u8];
    out.extend_from_slice(&(kind + offset).to_le_bytes());
    let count = |out: &mut Vec<u8>, n: usize| {
        out.extend_from_slice(&u32::try_from(n).expect("small").to_le_bytes());
    };
    if kind == 3 {
        count(&mut out, rings.len());
    }
    for ring in rings {
        if kind != 1 {
            count(&mut out, ring.len());
        }
        for p in ring {
            for v in &p[..ordinates] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}
