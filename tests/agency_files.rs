//! Files as the agencies publish them, beyond the one-layer catalog fixtures: 3D and measured
//! geometry, per-län extracts with their own layer and field names, coded values published as
//! text, fields an export has renamed, files under other names, and the extent the registry
//! publishes. Error and warning lines are asserted word for word: they are what a data
//! steward reads.

use std::path::Path;

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, CatalogEntry, FieldType};
use rusqlite::types::Value;

use crate::load_cli::{rummet, version};
use crate::support::TestDb;
use crate::support::fixtures::{self, E0, N0};
use crate::support::gpkg::{self, Layer};

fn entry(id: &str) -> &'static CatalogEntry {
    catalog::get(&DatasetId::parse(id).expect("id")).expect("catalog entry")
}

fn sqlite_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Text => "TEXT",
        FieldType::Integer | FieldType::Boolean => "INTEGER",
        FieldType::Double => "REAL",
    }
}

/// A value of feature `i` for a field of `kind`.
fn value(kind: FieldType, i: usize) -> Value {
    let n = i64::try_from(i).expect("small");
    match kind {
        FieldType::Text => Value::Text(format!("Åäö {i}")),
        FieldType::Integer | FieldType::Boolean => Value::Integer(n + 1),
        #[expect(clippy::cast_precision_loss, reason = "tiny index")]
        FieldType::Double => Value::Real((n as f64 + 1.0) * 1.5),
    }
}

/// A square ring (with Z = 100 + i and M = i at every corner) of feature `i` near Jönköping.
fn square(i: usize) -> Vec<[f64; 4]> {
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
fn nvdb_3d(path: &Path, vaghallare: &[&str]) {
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

fn ok(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// `rummet load ID --file PATH --json --no-seed` with `extra` flags, which must succeed: its
/// report.
fn load_json(db: &TestDb, id: &str, path: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["load", id, "--file", path, "--json", "--no-seed"];
    args.extend_from_slice(extra);
    ok(&rummet(db, &args))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn table(db: &TestDb, id: &str) -> String {
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

#[tokio::test]
async fn a_3d_nvdb_geopackage_with_text_road_keepers_loads_in_2d_with_codes_and_true_bounds() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&path, &["statlig", "Kommunal", " enskild "]);
    let file = path.display().to_string();
    let report = load_json(&db, "nvdb_vagnat", &file, &[]);
    assert_eq!(report[0]["rows_loaded"], 3);
    assert_eq!(report[0]["rows_flattened"], 3);
    assert_eq!(report[0]["dropped_dimensions"], "Z");

    let client = db.client().await;
    let t = table(&db, "nvdb_vagnat").await;
    let row = client
        .query_one(
            &format!(
                "SELECT array_agg(vaghallare ORDER BY fid), bool_and(ST_NDims(geom) = 2 AND ST_NDims(geom_3006) = 2),
                        ST_Extent(ST_Transform(geom_3006, 4326))::geometry AS e
                 FROM rummet_data.{t}"
            ),
            &[],
        )
        .await
        .expect("version");
    assert_eq!(
        row.get::<_, Vec<i64>>(0),
        vec![1, 2, 3],
        "codes stored, text looked up"
    );
    assert!(row.get::<_, bool>(1), "stored in 2D");
    let truth = client
        .query_one(
            &format!(
                "SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] FROM
                 (SELECT ST_Extent(ST_Transform(geom_3006, 4326)) AS e FROM rummet_data.{t}) x"
            ),
            &[],
        )
        .await
        .expect("extent")
        .get::<_, Vec<f64>>(0);
    let bounds: Vec<f64> = client
        .query_one(
            "SELECT bounds FROM rummet.datasets WHERE id = 'nvdb_vagnat'",
            &[],
        )
        .await
        .expect("bounds")
        .get(0);
    for (b, t) in bounds.iter().zip(&truth) {
        // 1e-7 degrees is about a centimetre: far within a pixel at zoom 14.
        assert!(
            (b - t).abs() < 1e-7,
            "bounds {bounds:?}, data extent {truth:?}"
        );
    }
}

#[tokio::test]
async fn a_coded_value_that_is_neither_code_nor_meaning_fails_naming_file_feature_and_field() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&path, &["statlig", "privat", "enskild"]);
    let file = path.display().to_string();
    let out = rummet(&db, &["load", "nvdb_vagnat", "--file", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {file}: feature 2, field \"Vaghallare_Vaghallartyp\": \"privat\" is neither a code \
             nor a meaning in the catalog's list (1 = statlig, 2 = kommunal, 3 = enskild)"
        )
    );
    assert_eq!(
        version(&db, "nvdb_vagnat").await,
        None,
        "nothing half-loaded"
    );
}

/// RAÄ's per-län GeoPackage: the attribute table `lamning`, and three denormalised geometry
/// layers named for the län whose key is `lamning_uuid`; the polygons carry Z and M.
fn lamningar_lan(path: &Path, lan: &str, with_uuid: bool) {
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

#[tokio::test]
async fn a_per_lan_lamningar_extract_loads_by_layer_pattern_and_field_alias() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lämningar_län_jönköping.gpkg");
    lamningar_lan(&path, "jönköping", true);
    let file = path.display().to_string();
    for (id, flattened) in [
        ("lamningar", 0),
        ("lamningar_linje", 0),
        ("lamningar_yta", 3),
    ] {
        let report = load_json(&db, id, &file, &[]);
        assert_eq!(report[0]["rows_loaded"], 3, "{id}");
        assert_eq!(report[0]["rows_flattened"], flattened, "{id}");
    }
    let t = table(&db, "lamningar_yta").await;
    let uuids: Vec<String> = db
        .client()
        .await
        .query_one(
            &format!("SELECT array_agg(uuid ORDER BY fid) FROM rummet_data.{t}"),
            &[],
        )
        .await
        .expect("uuids")
        .get(0);
    assert_eq!(
        uuids,
        ["lamning_uuid 0", "lamning_uuid 1", "lamning_uuid 2"]
    );
    let report = load_json(&db, "lamningar_yta", &file, &["--dry-run"]);
    assert_eq!(report[0]["dropped_dimensions"], "ZM");
}

#[tokio::test]
async fn a_file_whose_layers_match_nothing_is_refused_with_its_layers_and_layer_picks_one() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("export.gpkg");
    let columns = vec![
        ("uuid".to_owned(), "TEXT"),
        ("lamningsnummer".to_owned(), "TEXT"),
        ("lamningstyp".to_owned(), "TEXT"),
    ];
    let rows = (0..2)
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
        .collect::<Vec<_>>();
    gpkg::write(
        &path,
        3006,
        &[
            Layer {
                name: "fornlamningar",
                geometry_type: Some("POINT"),
                columns: columns.clone(),
                rows: rows.clone(),
            },
            Layer {
                name: "ovriga",
                geometry_type: Some("MULTIPOINT"),
                columns,
                rows,
            },
        ],
    );
    let file = path.display().to_string();
    let out = rummet(&db, &["load", "lamningar", "--file", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {file}: not a readable GeoPackage file: no layer matching \"lämningar_*_point\" and not one \
             layer of MultiPoint geometries among them (layers: fornlamningar (POINT), ovriga (MULTIPOINT)): \
             choose one with --layer"
        )
    );
    let out = rummet(
        &db,
        &["load", "lamningar", "--file", &file, "--layer", "nej"],
    );
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {file}: not a readable GeoPackage file: no layer \"nej\" (layers: fornlamningar (POINT), ovriga (MULTIPOINT))"
        )
    );
    let report = load_json(&db, "lamningar", &file, &["--layer", "ovriga"]);
    assert_eq!(report[0]["rows_loaded"], 2);
}

#[tokio::test]
async fn a_required_field_missing_under_every_name_fails_listing_the_fields_the_layer_has() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lämningar_län_kalmar.gpkg");
    lamningar_lan(&path, "kalmar", false);
    let file = path.display().to_string();
    let out = rummet(&db, &["load", "lamningar", "--file", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {file}, layer lämningar_län_kalmar_point: required field \"uuid\" (nor \"lamning_uuid\") is \
             missing (the file has: fid, geom, lamningsnummer, raa_nummer, lamningstyp, lamningsnamn, \
             antikvariskbedomning, aktualitetstatus, skadestatus, lan, kommun, socken)"
        )
    );
}

#[tokio::test]
async fn an_optional_field_the_file_lacks_is_a_warning_in_the_report_on_stderr_and_in_the_registry()
{
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("vbk_vindkraftverk.gpkg");
    let e = entry("vindkraftverk");
    // Vindbrukskollen's export as it was before the power field was added under any name.
    let fields: Vec<_> = e
        .fields
        .iter()
        .filter(|f| f.column != "effekt_mw")
        .collect();
    gpkg::write(
        &path,
        3006,
        &[Layer {
            name: "vbk_vindkraftverk",
            geometry_type: Some("POINT"),
            columns: fields
                .iter()
                .map(|f| (f.source.clone(), sqlite_type(f.kind)))
                .collect(),
            rows: (0..3)
                .map(|i| {
                    (
                        gpkg::wkb(1, 2, false, &[square(i)[..1].to_vec()]),
                        fields.iter().map(|f| value(f.kind, i)).collect(),
                    )
                })
                .collect(),
        }],
    );
    let file = path.display().to_string();
    let out = rummet(
        &db,
        &[
            "load",
            "vindkraftverk",
            "--file",
            &file,
            "--json",
            "--no-seed",
        ],
    );
    let report = ok(&out);
    let warning = format!(
        "{file}, layer vbk_vindkraftverk: optional field \"Maxeffekt\" (nor \"EFFEKT_MW\") is not in the file, \
         so column effekt_mw is empty (the file has: fid, geom, VERKID, STATUS, KOMMUN, TOTALHOJD, SenasteUppdatering)"
    );
    assert_eq!(report[0]["warnings"], serde_json::json!([warning]));
    assert_eq!(stderr(&out).trim_end(), format!("warning: {warning}"));
    let registered: Vec<String> = db
        .client()
        .await
        .query_one(
            "SELECT warnings FROM rummet.datasets WHERE id = 'vindkraftverk'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    assert_eq!(registered, [warning]);
}

#[tokio::test]
async fn load_all_finds_renamed_files_by_content_and_says_what_it_skipped() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    // A steward's own name for RAÄ's per-län file, and a note that is no dataset.
    lamningar_lan(&dir.path().join("kulturmiljo_2026.gpkg"), "jönköping", true);
    std::fs::write(dir.path().join("anteckningar.csv"), "a;b\r\n1;2\r\n").expect("csv");
    // NVDB under its per-län name, recognised by the catalog's pattern (spelled as a Mac
    // zip spells ä).
    let nvdb = dir
        .path()
        .join("Jo\u{308}nko\u{308}pings_la\u{308}n_GeoPackage.gpkg");
    nvdb_3d(&nvdb, &["statlig", "kommunal", "enskild"]);
    let renamed = dir.path().join("Jönköpings_län_GeoPackage.zip");
    {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&renamed).expect("zip"));
        zip.start_file("NVDB_TP.gpkg", zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(&std::fs::read(&nvdb).expect("read"))
            .expect("write");
        zip.finish().expect("finish");
    }
    std::fs::remove_file(&nvdb).expect("rm");
    let d = dir.path().display().to_string();
    let out = rummet(&db, &["load", "--all", "--dir", &d, "--no-seed"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in ["lamningar", "lamningar_linje", "lamningar_yta"] {
        assert!(stdout.contains(&format!("loaded {id} version")), "{stdout}");
    }
    // The per-län NVDB extract is that län's part.
    assert!(
        stdout.contains("loaded nvdb_vagnat part lan:06 version"),
        "{stdout}"
    );
    let csv = dir.path().join("anteckningar.csv").display().to_string();
    let gpkg = dir
        .path()
        .join("kulturmiljo_2026.gpkg")
        .display()
        .to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.contains(&format!(
            "skipped {csv}: matches no catalog file name, and no dataset's layer and fields (nearest: \
             pipos_service: {csv}: required field \"Typ\" is missing (the file has: a, b))"
        ).as_str()),
        "{err}"
    );
    for id in ["lamningar", "lamningar_linje", "lamningar_yta"] {
        assert!(
            lines.contains(&format!("{gpkg}: recognised as {id} by its content").as_str()),
            "{err}"
        );
    }
}

#[tokio::test]
async fn shapefile_z_and_geojson_altitudes_load_in_2d_and_are_reported() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let nr = fixtures::shapefile_z(entry("naturreservat"), dir.path());
    let report = load_json(&db, "naturreservat", &nr.display().to_string(), &[]);
    assert_eq!(report[0]["dropped_dimensions"], "Z");
    // The reserve whose decision is not in force is filtered out before it is counted.
    assert_eq!(
        report[0]["rows_flattened"],
        fixtures::kept(entry("naturreservat"))
    );

    let vindbruk = entry("riksintresse_vindbruk");
    let path = fixtures::write(vindbruk, dir.path());
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    for f in json["features"].as_array_mut().expect("features") {
        add_altitude(&mut f["geometry"]["coordinates"]);
    }
    std::fs::write(&path, json.to_string()).expect("write");
    let report = load_json(
        &db,
        "riksintresse_vindbruk",
        &path.display().to_string(),
        &[],
    );
    assert_eq!(report[0]["dropped_dimensions"], "Z");
    assert_eq!(report[0]["rows_loaded"], 3);
}

/// Appends an altitude of 120 m to every position.
fn add_altitude(v: &mut serde_json::Value) {
    if let Some(a) = v.as_array_mut() {
        if a.first().is_some_and(serde_json::Value::is_number) {
            a.push(serde_json::json!(120.0));
        } else {
            a.iter_mut().for_each(add_altitude);
        }
    }
}

#[tokio::test]
async fn the_catalog_publishes_filtered_rows_and_load_warnings() {
    let app = crate::support::TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let nr = fixtures::write(entry("naturreservat"), dir.path());
    load_json(&app.db, "naturreservat", &nr.display().to_string(), &[]);
    let id = DatasetId::parse("naturreservat").expect("id");
    app.state
        .datasets
        .reload(&app.state.pool, &id)
        .await
        .expect("registry");
    let catalog = app.get("/catalog").await.json();
    let nr = catalog["datasets"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "naturreservat"))
        .cloned()
        .expect("naturreservat in /catalog");
    assert_eq!(nr["rows_filtered"], 1, "{nr}");
    assert_eq!(nr["warnings"], serde_json::json!([]));
}

#[tokio::test]
async fn a_dataset_from_three_parts_is_one_dataset_and_a_part_is_replaced_alone() {
    let app = crate::support::TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let load_part = |file: &str, part: &str, keepers: &[&str]| {
        let path = dir.path().join(file);
        nvdb_3d(&path, keepers);
        load_json(
            &app.db,
            "nvdb_vagnat",
            &path.display().to_string(),
            &["--part", part],
        )
    };
    load_part("Jönköpings_län_GeoPackage.gpkg", "lan:06", &["statlig"; 3]);
    load_part("Kalmar_län_GeoPackage.gpkg", "lan:08", &["kommunal"; 3]);
    load_part("Norrbottens_län_GeoPackage.gpkg", "lan:25", &["enskild"; 3]);
    let t = table(&app.db, "nvdb_vagnat").await;
    let before = keepers(&app.db, &t).await;
    assert_eq!(before.get::<_, Vec<i64>>(0), [1, 1, 1, 2, 2, 2, 3, 3, 3]);

    // Norrbotten again, now with two links: the other parts keep their features and ids.
    let report = load_part(
        "Norrbottens_län_GeoPackage.gpkg",
        "lan:25",
        &["statlig", "statlig"],
    );
    assert_eq!(report[0]["part"], "lan:25");
    assert_eq!(report[0]["rows_loaded"], 2);
    let after = keepers(&app.db, &table(&app.db, "nvdb_vagnat").await).await;
    assert_eq!(after.get::<_, Vec<i64>>(0), [1, 1, 1, 2, 2, 2, 1, 1]);
    assert_eq!(
        after.get::<_, Vec<i64>>(1)[..6],
        before.get::<_, Vec<i64>>(1)[..6]
    );

    // Tiles, statistics and OGC API see one dataset of eight links.
    let id = DatasetId::parse("nvdb_vagnat").expect("id");
    app.state
        .datasets
        .reload(&app.state.pool, &id)
        .await
        .expect("registry");
    let items = app
        .get("/collections/nvdb_vagnat/items?limit=100")
        .await
        .json();
    assert_eq!(
        items["features"].as_array().map(Vec::len),
        Some(8),
        "{items}"
    );
    let stats = app
        .get("/api/stats/nvdb_vagnat?by=lan&in=lan:06&measure=count")
        .await
        .json();
    assert_eq!(stats["rows"][0]["features"], 8, "{stats}");
    let catalog = app.get("/catalog").await.json();
    let nvdb = catalog["datasets"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "nvdb_vagnat"))
        .cloned()
        .expect("in /catalog");
    assert_eq!(nvdb["features"], 8);
    let parts: Vec<(String, String, i64)> = nvdb["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            (
                p["part"].as_str().unwrap_or_default().to_owned(),
                p["source"].as_str().unwrap_or_default().to_owned(),
                p["features"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (
                "lan:06".to_owned(),
                "Jönköpings_län_GeoPackage.gpkg".to_owned(),
                3
            ),
            (
                "lan:08".to_owned(),
                "Kalmar_län_GeoPackage.gpkg".to_owned(),
                3
            ),
            (
                "lan:25".to_owned(),
                "Norrbottens_län_GeoPackage.gpkg".to_owned(),
                2
            ),
        ]
    );
}

#[tokio::test]
async fn a_whole_load_replaces_every_part_and_a_part_is_added_to_it_only_when_told() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let part = dir.path().join("Kalmar_län_GeoPackage.gpkg");
    nvdb_3d(&part, &["statlig"; 3]);
    let part = part.display().to_string();
    load_json(&db, "nvdb_vagnat", &part, &["--part", "lan:08"]);
    let whole = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&whole, &["statlig"]);
    load_json(&db, "nvdb_vagnat", &whole.display().to_string(), &[]);
    let parts: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM rummet.dataset_parts", &[])
        .await
        .expect("parts")
        .get(0);
    assert_eq!(parts, 0, "the whole load replaced the part");
    let out = rummet(
        &db,
        &["load", "nvdb_vagnat", "--file", &part, "--part", "lan:08"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: lan:08: nvdb_vagnat serves a whole-dataset load (from Sverigepaket_TP.gpkg), which a part \
         cannot be added to: load the whole dataset again, or start loading it by parts with --replace-whole"
    );
    let report = load_json(
        &db,
        "nvdb_vagnat",
        &part,
        &["--part", "lan:08", "--replace-whole"],
    );
    assert_eq!(report[0]["rows_loaded"], 3);
    let n: i64 = db
        .client()
        .await
        .query_one(
            "SELECT rows_loaded FROM rummet.datasets WHERE id = 'nvdb_vagnat'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    assert_eq!(n, 3, "the whole version is gone, only the new part serves");
}

/// The road keepers and ids of the features of version table `t`, in id order.
async fn keepers(db: &TestDb, t: &str) -> tokio_postgres::Row {
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
