//! Agency-shaped `GeoPackage` files and the CLI steps the loader tests share: NVDB's homogenised 3D
//! links, RAÄ's per-län lämningar, and loading through `rummet load` with its JSON report.

use std::path::Path;

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, CatalogEntry, FieldType};
use rusqlite::types::Value;

use super::TestDb;
use super::fixtures::{E0, N0};
use super::gpkg::{self, Layer};
use crate::load_cli::rummet;

pub fn entry(id: &str) -> &'static CatalogEntry {
    catalog::get(&DatasetId::parse(id).expect("id")).expect("catalog entry")
}

pub fn sqlite_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Text => "TEXT",
        FieldType::Integer | FieldType::Boolean => "INTEGER",
        FieldType::Double => "REAL",
    }
}

/// A value of feature `i` for a field of `kind`.
pub fn value(kind: FieldType, i: usize) -> Value {
    let n = i64::try_from(i).expect("small");
    match kind {
        FieldType::Text => Value::Text(format!("Åäö {i}")),
        FieldType::Integer | FieldType::Boolean => Value::Integer(n + 1),
        #[expect(clippy::cast_precision_loss, reason = "tiny index")]
        FieldType::Double => Value::Real((n as f64 + 1.0) * 1.5),
    }
}

/// A square ring (with Z = 100 + i and M = i at every corner) of feature `i` near Jönköping.
pub fn square(i: usize) -> Vec<[f64; 4]> {
    #[expect(clippy::cast_precision_loss, reason = "tiny index")]
    let (x, z) = (E0 + i as f64 * 1000.0, 100.0 + i as f64);
    let m = z - 100.0;
    vec![
        [x, N0, z, m],
        [x, N0 + 800.0, z, m],
        [x + 800.0, N0 + 800.0, z, m],
        [x + 800.0, N0, z, m],
        [x, N0, z, m],
    ]
}

/// The NVDB homogenised GeoPackage as Lastkajen ships it: one layer of 3D links, the road
/// keeper published as text (`vaghallare` values per feature).
pub fn nvdb_3d(path: &Path, vaghallare: &[&str]) {
    let e = entry("nvdb_vagnat");
    let columns = e
        .fields
        .iter()
        .map(|f| {
            let t = if f.column == "vaghallare" {
                "TEXT"
            } else {
                sqlite_type(f.kind)
            };
            (f.source.clone(), t)
        })
        .collect();
    let rows = (0..vaghallare.len())
        .map(|i| {
            let line = square(i)[..3].to_vec();
            let values = e
                .fields
                .iter()
                .map(|f| {
                    if f.column == "vaghallare" {
                        Value::Text(vaghallare[i].to_owned())
                    } else {
                        value(f.kind, i)
                    }
                })
                .collect();
            (gpkg::wkb(2, 3, false, &[line]), values)
        })
        .collect();
    gpkg::write(
        path,
        3006,
        &[Layer {
            name: "TP_Vagnat",
            geometry_type: Some("LINESTRING Z"),
            columns,
            rows,
        }],
    );
}

pub fn ok(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// `rummet load ID --file PATH --json --no-seed` with `extra` flags, which must succeed: its
/// report.
pub fn load_json(db: &TestDb, id: &str, path: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["load", id, "--file", path, "--json", "--no-seed"];
    args.extend_from_slice(extra);
    ok(&rummet(db, &args))
}

/// `rummet` with `args`, which must fail with exit code 1: its stderr, trimmed.
pub fn refused(db: &TestDb, args: &[&str]) -> String {
    let out = rummet(db, args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stderr(&out).trim_end().to_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub async fn table(db: &TestDb, id: &str) -> String {
    db.client()
        .await
        .query_one(
            "SELECT table_name FROM rummet.datasets WHERE id = $1",
            &[&id],
        )
        .await
        .expect("registry")
        .get(0)
}

/// RAÄ's per-län GeoPackage: the attribute table `lamning`, and three denormalised geometry
/// layers named for the län whose key is `lamning_uuid`; the polygons carry Z and M.
pub fn lamningar_lan(path: &Path, lan: &str, with_uuid: bool) {
    let e = entry("lamningar");
    let columns: Vec<(String, &str)> = e
        .fields
        .iter()
        .filter(|f| f.column != "lagesosakerhet_m")
        .map(|f| {
            let name = if f.source == "uuid" {
                "lamning_uuid".to_owned()
            } else {
                f.source.clone()
            };
            (name, sqlite_type(f.kind))
        })
        .filter(|(n, _)| with_uuid || n != "lamning_uuid")
        .collect();
    let values = |i: usize| -> Vec<Value> {
        columns
            .iter()
            .map(|(n, _)| Value::Text(format!("{n} {i}")))
            .collect()
    };
    let layer = |kind: &str, geometry: &'static str, wkb: &dyn Fn(usize) -> Vec<u8>| {
        (
            format!("lämningar_län_{lan}_{kind}"),
            geometry,
            (0..3).map(|i| (wkb(i), values(i))).collect::<Vec<_>>(),
        )
    };
    let layers = [
        layer("point", "POINT", &|i| {
            gpkg::wkb(1, 2, false, &[square(i)[..1].to_vec()])
        }),
        layer("linestring", "LINESTRING", &|i| {
            gpkg::wkb(2, 2, false, &[square(i)[..3].to_vec()])
        }),
        layer("polygon", "POLYGON ZM", &|i| {
            gpkg::wkb(3, 4, false, &[square(i)])
        }),
    ];
    let mut all: Vec<Layer<'_>> = layers
        .iter()
        .map(|(name, geometry, rows)| Layer {
            name,
            geometry_type: Some(geometry),
            columns: columns.clone(),
            rows: rows.clone(),
        })
        .collect();
    all.insert(
        0,
        Layer {
            name: "lamning",
            geometry_type: None,
            columns: vec![("uuid".to_owned(), "TEXT")],
            rows: (0..3)
                .map(|i| (Vec::new(), vec![Value::Text(format!("u{i}"))]))
                .collect(),
        },
    );
    gpkg::write(path, 3006, &all);
}

/// The road keepers and ids of the features of version table `t`, in id order.
pub async fn keepers(db: &TestDb, t: &str) -> tokio_postgres::Row {
    db.client()
        .await
        .query_one(
            &format!(
                "SELECT array_agg(vaghallare ORDER BY fid), array_agg(fid ORDER BY fid) FROM rummet_data.{t}"
            ),
            &[],
        )
        .await
        .expect("features")
}

/// A GeoPackage of point `layers` (name, geometry type) named nothing like RAÄ's, each with two
/// lämningar holding the required fields.
pub fn lamning_points(path: &Path, layers: &[(&str, &str)]) {
    let columns = vec![
        ("uuid".to_owned(), "TEXT"),
        ("lamningsnummer".to_owned(), "TEXT"),
        ("lamningstyp".to_owned(), "TEXT"),
    ];
    let rows: Vec<_> = (0..2)
        .map(|i| {
            (
                gpkg::wkb(1, 2, false, &[square(i)[..1].to_vec()]),
                vec![
                    Value::Text(format!("u{i}")),
                    Value::Text("L1".into()),
                    Value::Text("Boplats".into()),
                ],
            )
        })
        .collect();
    let layers: Vec<Layer<'_>> = layers
        .iter()
        .map(|&(name, geometry)| Layer {
            name,
            geometry_type: Some(geometry),
            columns: columns.clone(),
            rows: rows.clone(),
        })
        .collect();
    gpkg::write(path, 3006, &layers);
}
