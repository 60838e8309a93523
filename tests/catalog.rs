//! Every catalog dataset loads from a small file in its agency's published format and schema,
//! and its tiles come back with the mapped fields; bad inputs get a clear error and leave the
//! serving version alone.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use rummet::tiles::Seeder;
use rummet_core::{DatasetId, TileCoord};
use rummet_loaders::LoadError;
use rummet_loaders::catalog::{self, CatalogEntry, FieldType, GeometryKind, SourceFormat};
use rummet_loaders::pipeline::{self, LoadReport};
use rummet_loaders::read::Input;
use serde_json::json;

use crate::support::fixtures::{self, FEATURES, LAT0, LON0};
use crate::support::{TestApp, decode};

fn entry(id: &str) -> &'static CatalogEntry {
    catalog::get(&DatasetId::parse(id).expect("id")).expect("in catalog")
}

async fn load(app: &TestApp, entry: &CatalogEntry, path: &Path) -> Result<LoadReport, LoadError> {
    let mut client = app.state.pool.get().await.expect("connection");
    let report = pipeline::load(
        &mut client,
        entry,
        &Input::File(path.to_owned()),
        pipeline::LoadOptions::default(),
    )
    .await;
    app.state
        .datasets
        .reload(&app.state.pool, &entry.id)
        .await
        .expect("registry");
    report
}

fn fixture_dir(root: &Path, id: &str) -> PathBuf {
    let dir = root.join(id);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[tokio::test]
async fn every_catalog_dataset_loads_from_its_published_format_and_serves_its_mapped_fields_in_tiles_under_500_kb()
 {
    let app = TestApp::new().await;
    let tmp = tempfile::tempdir().expect("tmp");
    // Zoom 11: the fixtures (800 m squares 1 km apart) lie in one tile, and its thinning
    // cells (306 m) are smaller than their spacing, so every feature is drawn.
    let coord_for =
        |e: &CatalogEntry| TileCoord::containing(11.clamp(e.minzoom, e.maxzoom), LON0 + 0.02, LAT0);
    let mut failures = Vec::new();
    let entries: Vec<_> = catalog::all()
        .iter()
        // GeoParquet's fixtures are the vendored demo files; JSON-stat tables have no
        // geometry of their own (tests/population.rs joins them).
        .filter(|e| {
            !matches!(
                e.source.format,
                SourceFormat::GeoParquet | SourceFormat::JsonStat
            )
        })
        .collect();
    assert!(
        entries.len() >= 15,
        "the catalog holds the national datasets"
    );
    for entry in entries {
        let id = entry.id.as_str();
        let coord = coord_for(entry);
        let path = fixtures::write(entry, &fixture_dir(tmp.path(), id));
        let report = match load(&app, entry, &path).await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{id}: {e}"));
                continue;
            }
        };
        let kept = fixtures::kept(entry);
        if report.rows_loaded != kept as u64 || report.rows_read != FEATURES as u64 {
            failures.push(format!(
                "{id}: read {} loaded {} (expected {FEATURES}, {kept})",
                report.rows_read, report.rows_loaded
            ));
        }
        let reply = app.get(&format!("/tiles/{id}/{coord}.mvt")).await;
        if reply.status != StatusCode::OK {
            failures.push(format!("{id}: tile {coord} answered {}", reply.status));
            continue;
        }
        let layers = decode(&reply.body);
        let features = &layers[0].features;
        if features.len() != kept {
            failures.push(format!(
                "{id}: the tile holds {} features, expected {kept}",
                features.len()
            ));
        }
        for field in &entry.fields {
            let values: Vec<&str> = features
                .iter()
                .filter_map(|f| f.get(&field.column).map(String::as_str))
                .collect();
            let ok = match field.kind {
                FieldType::Text => (0..kept).all(|i| {
                    values.contains(&fixtures::text_value(entry, &field.column, i).as_str())
                }),
                FieldType::Integer => values.contains(&"1"),
                FieldType::Double => values
                    .iter()
                    .any(|v| v.parse::<f64>().is_ok_and(|n| (n - 1.5).abs() < 1e-9)),
                FieldType::Boolean => values.contains(&"true"),
            };
            if !ok {
                failures.push(format!("{id}: column {} has {values:?}", field.column));
            }
        }
        // Every tile of every zoom, rendered as the seeder does: none may pass 500 KB.
        let ds = app.state.datasets.get_any(&entry.id).expect("loaded");
        let seeded = Seeder::new(app.state.pool.clone(), 2)
            .seed(&ds, 0..=14, &|_, _| {})
            .await
            .expect("seed");
        if seeded.largest > 500 * 1024 || seeded.rendered < 15 {
            failures.push(format!("{id}: seeding z0-14 gave {seeded:?}"));
        }
        if entry.geometry == GeometryKind::Polygon && entry.source.srid() == Ok(3006) {
            // 800 m squares, measured in SWEREF 99 TM at load.
            let areas: Vec<f64> = features
                .iter()
                .filter_map(|f| f.get("area_m2")?.parse().ok())
                .collect();
            if !areas.iter().all(|a| (a - 640_000.0).abs() < 640.0) || areas.len() != kept {
                failures.push(format!("{id}: area_m2 {areas:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Loads the good fixture of `id`, then `bad`: the bad load must fail with `needle` in its
/// message, and the good version must still serve, with nothing of the failed load left.
async fn fails_and_keeps_serving(app: &TestApp, id: &str, bad: &Path, needle: &str) -> String {
    let entry = entry(id);
    let good_dir = tempfile::tempdir().expect("tmp");
    let good = load(app, entry, &fixtures::write(entry, good_dir.path()))
        .await
        .expect("good fixture loads");
    let err = load(app, entry, bad)
        .await
        .expect_err("the bad file must be refused");
    let message = err.to_string();
    assert!(
        message.contains(needle),
        "{id}: {message:?} lacks {needle:?}"
    );
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    let serving = app.state.datasets.get_any(&entry.id).expect("still loaded");
    assert_eq!(
        serving.version, good.version,
        "{id}: the old version keeps serving"
    );
    let client = app.db.client().await;
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'rummet_data' AND tablename LIKE $1",
            &[&format!("{id}_v%")],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(tables, 1, "{id}: nothing of the failed load is left");
    message
}

#[tokio::test]
async fn a_truncated_zip_is_refused_and_the_old_version_keeps_serving() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let full = fixtures::write(entry("naturreservat"), &fixture_dir(dir.path(), "full"));
    let bytes = std::fs::read(&full).expect("zip");
    let cut = dir.path().join("NR.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    fails_and_keeps_serving(&app, "naturreservat", &cut, "NR.zip").await;
}

#[tokio::test]
async fn a_shapefile_without_prj_is_refused_because_its_crs_is_unknown() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let e = entry("natura2000_spa");
    let full = fixtures::shapefile(e, &fixture_dir(dir.path(), "src"), "UTF-8");
    // Repack without the .prj.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&full).expect("zip")).expect("zip");
    let out = dir.path().join("SPA_Rikstackande.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&out).expect("out"));
    for i in 0..zip.len() {
        let file = zip.by_index(i).expect("entry");
        if !file.name().expect("name").ends_with(".prj") {
            writer.raw_copy_file(file).expect("copy");
        }
    }
    writer.finish().expect("finish");
    fails_and_keeps_serving(&app, "natura2000_spa", &out, "no .prj").await;
}

#[tokio::test]
async fn a_windows_1252_dbf_with_its_cpg_keeps_a_a_o_and_without_one_is_refused() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let e = entry("naturreservat");
    let with_cpg = fixtures::shapefile(e, &fixture_dir(dir.path(), "cpg"), "1252");
    let report = load(&app, e, &with_cpg)
        .await
        .expect("1252 with .cpg loads");
    assert_eq!(report.rows_loaded, 2);
    let client = app.db.client().await;
    let names: Vec<String> = client
        .query(
            &format!(
                "SELECT namn FROM rummet_data.\"{}\" ORDER BY fid",
                report.table
            ),
            &[],
        )
        .await
        .expect("names")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Åäö namn 0", "Åäö namn 1"]);

    // Rewrite the DBF in 1252 but drop the .cpg: read as UTF-8, it cannot decode.
    let one252 = fixtures::shapefile(e, &fixture_dir(dir.path(), "one252"), "1252");
    let mut src = zip::ZipArchive::new(std::fs::File::open(&one252).expect("zip")).expect("zip");
    let out = dir.path().join("NR.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&out).expect("out"));
    for i in 0..src.len() {
        let file = src.by_index(i).expect("entry");
        if !file.name().expect("name").ends_with(".cpg") {
            writer.raw_copy_file(file).expect("copy");
        }
    }
    writer.finish().expect("finish");
    let err = load(&app, e, &out)
        .await
        .expect_err("mis-decoded text is refused");
    let message = err.to_string();
    assert!(
        message.contains("not valid UTF-8") && message.contains("feature 1"),
        "{message}"
    );
}

#[tokio::test]
async fn a_geopackage_declaring_wgs84_for_a_sweref_dataset_is_refused() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = fixtures::write(entry("havsplaner"), &fixture_dir(dir.path(), "hp"));
    let db = rusqlite::Connection::open(&path).expect("gpkg");
    db.execute_batch(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\"]', NULL);
         UPDATE gpkg_geometry_columns SET srs_id = 4326;",
    )
    .expect("relabel");
    drop(db);
    fails_and_keeps_serving(
        &app,
        "havsplaner",
        &path,
        "declares EPSG:4326 but the catalog expects EPSG:3006",
    )
    .await;
}

#[tokio::test]
async fn coordinates_that_fall_outside_sweden_are_refused_as_a_wrong_crs() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    // Pipos declares nothing; these X/Y are degrees, not SWEREF 99 TM metres.
    let csv = dir.path().join("serviceanalys.csv");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252
        .encode("Typ;Namn;Kommun;Ort;X;Y\r\nDagligvaror;Ica Nära Hjo;Hjo;Hjo;14,28;58,30\r\n");
    std::fs::write(&csv, bytes).expect("csv");
    let message = fails_and_keeps_serving(&app, "pipos_service", &csv, "outside Sweden").await;
    assert!(message.contains("EPSG:3006"), "{message}");
}

#[tokio::test]
async fn a_csv_in_windows_1252_keeps_swedish_characters() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("serviceanalys.csv");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
        "Typ;Namn;Kommun;Ort;X;Y\r\nDagligvaror;Ica Nära Åsele;Åsele;Åsele;585400,5;7126700\r\n",
    );
    std::fs::write(&csv, bytes).expect("csv");
    let report = load(&app, entry("pipos_service"), &csv)
        .await
        .expect("loads");
    let client = app.db.client().await;
    let row = client
        .query_one(
            &format!("SELECT namn, kommun FROM rummet_data.\"{}\"", report.table),
            &[],
        )
        .await
        .expect("row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("Ica Nära Åsele".into(), "Åsele".into())
    );
}

fn write_geojson(dir: &Path, features: &serde_json::Value) -> PathBuf {
    let path = dir.join("riksintressen_vindbruk.geojson");
    std::fs::write(
        &path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .expect("write");
    path
}

#[tokio::test]
async fn mixed_geometry_types_are_refused_naming_the_first_odd_feature() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let square = json!({"type": "Polygon", "coordinates": [[[14.3, 57.8], [14.3, 57.81], [14.31, 57.81], [14.31, 57.8], [14.3, 57.8]]]});
    let path = write_geojson(
        dir.path(),
        &json!([
            {"type": "Feature", "properties": {"NAMN": "Ett"}, "geometry": square},
            {"type": "Feature", "properties": {"NAMN": "Två"}, "geometry": {"type": "Point", "coordinates": [14.3, 57.8]}},
        ]),
    );
    fails_and_keeps_serving(&app, "riksintresse_vindbruk", &path, "feature 2 is a POINT").await;
}

#[tokio::test]
async fn a_self_intersecting_polygon_is_repaired_and_counted() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let bowtie = json!({"type": "Polygon", "coordinates": [[[14.3, 57.8], [14.32, 57.82], [14.32, 57.8], [14.3, 57.82], [14.3, 57.8]]]});
    let path = write_geojson(
        dir.path(),
        &json!([{"type": "Feature", "properties": {"NAMN": "Fluga"}, "geometry": bowtie}]),
    );
    let report = load(&app, entry("riksintresse_vindbruk"), &path)
        .await
        .expect("repaired, not refused");
    assert_eq!(
        (
            report.rows_loaded,
            report.rows_repaired,
            report.repaired_features.clone()
        ),
        (1, 1, vec![1])
    );
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_geojson(dir.path(), &json!([]));
    fails_and_keeps_serving(&app, "riksintresse_vindbruk", &path, "no features").await;
}

#[tokio::test]
async fn a_renamed_required_field_is_refused_naming_it_and_what_the_file_has() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = fixtures::write(entry("lamningar"), &fixture_dir(dir.path(), "l"));
    let db = rusqlite::Connection::open(&path).expect("gpkg");
    db.execute_batch("ALTER TABLE \"lämningar_sverige_point\" RENAME COLUMN lamningstyp TO typ")
        .expect("rename");
    drop(db);
    let message = fails_and_keeps_serving(
        &app,
        "lamningar",
        &path,
        "required field \"lamningstyp\" is missing",
    )
    .await;
    assert!(
        message.contains("typ") && message.contains("lämningar_sverige.gpkg"),
        "{message}"
    );
}

#[tokio::test]
async fn features_too_small_to_see_are_left_out_of_low_zoom_tiles_but_not_high_ones() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let square = |lon: f64, lat: f64, d: f64| json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon, lat + d], [lon + d, lat + d], [lon + d, lat], [lon, lat]]]});
    let path = write_geojson(
        dir.path(),
        &json!([
            {"type": "Feature", "properties": {"NAMN": "Stort"}, "geometry": square(14.0, 57.5, 0.3)},
            {"type": "Feature", "properties": {"NAMN": "Litet"}, "geometry": square(14.32, 57.82, 0.0002)},
        ]),
    );
    load(&app, entry("riksintresse_vindbruk"), &path)
        .await
        .expect("loads");
    let names = |z: u8| {
        let coord = TileCoord::containing(z, 14.3201, 57.8201);
        let app = &app;
        async move {
            let reply = app
                .get(&format!("/tiles/riksintresse_vindbruk/{coord}.mvt"))
                .await;
            decode(&reply.body)[0]
                .features
                .iter()
                .filter_map(|f| f.get("namn").cloned())
                .collect::<Vec<_>>()
        }
    };
    // The small square is 22 × 42 m in Web Mercator at 57.8° N, about 930 m²: 2 px² at zoom
    // 11.8 (78,271.5 m a pixel at zoom 0, halving each zoom), so it first shows at zoom 12.
    assert_eq!(names(6).await, ["Stort"]);
    assert_eq!(names(11).await, ["Stort"]);
    let mut at12 = names(12).await;
    at12.sort();
    assert_eq!(at12, ["Litet", "Stort"]);
}

#[tokio::test]
async fn a_reserve_large_on_screen_is_drawn_even_where_a_larger_one_won_its_density_cell() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let rect = |w: f64, s: f64, e: f64, n: f64| json!({"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s], [w, s]]]});
    // A 600 km² area and, centred on the same point, one of 1,806 ha (4.25 × 4.25 km at
    // 57.65° N): 675 px² at zoom 8, 169 px² at zoom 7. Their centres share a cell at every
    // zoom, so by density alone the smaller would wait for the highest zoom.
    let path = write_geojson(
        dir.path(),
        &json!([
            {"type": "Feature", "properties": {"NAMN": "Stort"}, "geometry": rect(14.0, 57.5, 14.3, 57.8)},
            {"type": "Feature", "properties": {"NAMN": "Mellan"}, "geometry": rect(14.1143, 57.6309, 14.1856, 57.6691)},
        ]),
    );
    load(&app, entry("riksintresse_vindbruk"), &path)
        .await
        .expect("loads");
    for z in [6, 7, 8, 9] {
        let coord = TileCoord::containing(z, 14.15, 57.65);
        let reply = app
            .get(&format!("/tiles/riksintresse_vindbruk/{coord}.mvt"))
            .await;
        let mut names: Vec<_> = decode(&reply.body)[0]
            .features
            .iter()
            .filter_map(|f| f.get("namn").cloned())
            .collect();
        names.sort();
        // At zoom 6 it is 42 px², a shape one sees.
        assert_eq!(names, ["Mellan", "Stort"], "zoom {z}");
    }
}

#[tokio::test]
async fn a_tile_past_500_kb_is_drawn_with_what_the_zoom_before_drew() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let square = |lon: f64, lat: f64, d: f64| json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon, lat + d], [lon + d, lat + d], [lon + d, lat], [lon, lat]]]});
    // 4,096 squares of 9 px² at zoom 10 in one zoom-10 tile (x 552, y 310), each with a long
    // unique name: all large on screen, so thinning keeps them, 1.3 MB together.
    let features: Vec<_> = (0..4096)
        .map(|i| {
            let (col, row) = (f64::from(i % 64), f64::from(i / 64));
            json!({"type": "Feature", "properties": {"NAMN": format!("{i:05} {}", "Vindbruksområde ".repeat(16))},
                   "geometry": square(14.07 + col * 0.0016, 57.525 + row * 0.0025, 0.0015)})
        })
        .collect();
    let path = write_geojson(dir.path(), &serde_json::Value::Array(features));
    load(&app, entry("riksintresse_vindbruk"), &path)
        .await
        .expect("loads");
    let coord = TileCoord::containing(10, 14.1, 57.6);
    let reply = app
        .get(&format!("/tiles/riksintresse_vindbruk/{coord}.mvt"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let bytes = reply.body.len();
    let drawn = decode(&reply.body)[0].features.len();
    assert!(bytes <= 500_000, "{bytes} bytes");
    assert!(drawn > 0 && drawn < 4096, "{drawn} features drawn");
    // The highest zoom draws its own features: what was left out is not lost.
    let coord = TileCoord::containing(
        14,
        14.07 + 63.0 * 0.0016 + 0.0007,
        57.525 + 63.0 * 0.0025 + 0.0007,
    );
    let reply = app
        .get(&format!("/tiles/riksintresse_vindbruk/{coord}.mvt"))
        .await;
    assert!(!decode(&reply.body)[0].features.is_empty());
}

#[tokio::test]
async fn crowded_specks_are_thinned_to_about_one_per_cell_and_all_drawn_once_they_are_shapes_one_sees()
 {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let square = |lon: f64, lat: f64, d: f64| json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon, lat + d], [lon + d, lat + d], [lon + d, lat], [lon, lat]]]});
    // 900 squares of 90 × 170 m, 120 × 220 m apart: each big enough to see from zoom 9
    // (51,800 m² of Web Mercator at 57.5° N is 2 px² at zoom 8.9).
    let features: Vec<_> = (0..900)
        .map(|i| {
            let (col, row) = (f64::from(i % 30), f64::from(i / 30));
            json!({"type": "Feature", "properties": {"NAMN": format!("R{i}")},
                   "geometry": square(14.0 + col * 0.002, 57.5 + row * 0.002, 0.0015)})
        })
        .collect();
    let path = write_geojson(dir.path(), &serde_json::Value::Array(features));
    let entry = entry("riksintresse_vindbruk");
    load(&app, entry, &path).await.expect("loads");
    let count = |z: u8| {
        let coord = TileCoord::containing(z, 14.03, 57.53);
        let app = &app;
        async move {
            let reply = app
                .get(&format!("/tiles/riksintresse_vindbruk/{coord}.mvt"))
                .await;
            decode(&reply.body).first().map_or(0, |l| l.features.len())
        }
    };
    assert_eq!(count(8).await, 0, "too small to see at zoom 8");
    // At zoom 9 a cell is 8 px, 1,223 m of Web Mercator: the 6.7 × 12.4 km block is some 60
    // cells, about sixteen squares' centres in each.
    let at9 = count(9).await;
    assert!((40..=120).contains(&at9), "{at9} features at zoom 9");
    let table = app
        .state
        .datasets
        .get_any(&entry.id)
        .expect("loaded")
        .table_name
        .clone();
    let undrawn_at = |z: i16| {
        let (app, table) = (&app, &table);
        async move {
            let count: i64 = app
                .db
                .client()
                .await
                .query_one(
                    &format!("SELECT count(*) FROM rummet_data.\"{table}\" WHERE minzoom > $1"),
                    &[&z],
                )
                .await
                .expect("count")
                .get(0);
            count
        }
    };
    // At zoom 10 each square covers 9 px² (about 3 × 3 pixels): a shape a person sees, so
    // none is thinned away, however crowded its cell.
    assert_eq!(undrawn_at(10).await, 0, "every square is drawn at zoom 10");
    let waiting = undrawn_at(9).await;
    assert!(
        (700..=870).contains(&waiting),
        "{waiting} of 900 wait past zoom 9"
    );
    assert_eq!(
        undrawn_at(i16::from(entry.maxzoom)).await,
        0,
        "every feature is drawn at the highest zoom"
    );
}
