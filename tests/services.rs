//! Online sources, served here by a local stand-in: an OGC API Features collection paged with
//! `next` links, and a WFS 2.0 paged with `startIndex`; and a zip downloaded over HTTP.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rummet_core::DatasetId;
use rummet_loaders::catalog;
use rummet_loaders::pipeline::{self, LoadOptions};
use rummet_loaders::read::Input;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::support::{TestApp, fixtures};

/// Every request URL the stand-in saw, to check what was asked for.
type Seen = Arc<Mutex<Vec<String>>>;

fn feature(i: usize) -> Value {
    #[expect(clippy::cast_precision_loss, reason = "tiny index")]
    let e = 460_000.0 + i as f64 * 10.0;
    json!({"type": "Feature", "properties": {"jg2": 50 + i, "jg2_tx": format!("Morän {i}"), "karttyp": "1:25 000"},
           "geometry": {"type": "Polygon", "coordinates": [[[e, 6_405_000.0], [e, 6_405_008.0], [e + 8.0, 6_405_008.0], [e + 8.0, 6_405_000.0], [e, 6_405_000.0]]]}})
}

const TOTAL: usize = 2500;

async fn ogc_items(
    State(seen): State<Seen>,
    Query(q): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
) -> Json<Value> {
    seen.lock().expect("lock").push(uri.to_string());
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let end = (offset + limit).min(TOTAL);
    let mut links = vec![];
    if end < TOTAL {
        let crs = q.get("crs").cloned().unwrap_or_default();
        links.push(json!({"rel": "next", "href": format!("/collections/grundlager/items?f=json&limit={limit}&offset={end}&crs={crs}")}));
    }
    Json(
        json!({"type": "FeatureCollection", "features": (offset..end).map(feature).collect::<Vec<_>>(), "links": links}),
    )
}

async fn wfs(
    State(seen): State<Seen>,
    Query(q): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
) -> Json<Value> {
    seen.lock().expect("lock").push(uri.to_string());
    let count: usize = q.get("count").and_then(|l| l.parse().ok()).unwrap_or(10);
    let start: usize = q
        .get("startIndex")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let end = (start + count).min(TOTAL);
    Json(
        json!({"type": "FeatureCollection", "features": (start..end.max(start)).map(feature).collect::<Vec<_>>()}),
    )
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn load_url(app: &TestApp, id: &str, url: String) -> pipeline::LoadReport {
    let entry = catalog::get(&DatasetId::parse(id).expect("id")).expect("entry");
    let mut client = app.state.pool.get().await.expect("connection");
    pipeline::load(&mut client, entry, &Input::Url(url), LoadOptions::default())
        .await
        .expect("loads")
}

#[tokio::test]
async fn an_ogc_api_features_collection_is_read_page_by_page_in_sweref99_tm() {
    let app = TestApp::new().await;
    let seen = Seen::default();
    let base = serve(
        Router::new()
            .route("/collections/grundlager/items", get(ogc_items))
            .with_state(seen.clone()),
    )
    .await;
    let report = load_url(
        &app,
        "jordarter",
        format!("{base}/collections/grundlager/items"),
    )
    .await;
    assert_eq!(
        (report.rows_read, report.rows_loaded),
        (TOTAL as u64, TOTAL as u64)
    );
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3, "pages of 1000: {seen:?}");
    assert!(
        seen[0].contains("crs=http://www.opengis.net/def/crs/EPSG/0/3006"),
        "{}",
        seen[0]
    );
    let client = app.db.client().await;
    let (n, name): (i64, String) = client
        .query_one(
            &format!(
                "SELECT count(*), max(jg2_tx) FILTER (WHERE fid = 2500) FROM rummet_data.\"{}\"",
                report.table
            ),
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .expect("rows");
    assert_eq!((n, name.as_str()), (2500, "Morän 2499"));
}

#[tokio::test]
async fn a_wfs_is_paged_with_start_index_until_a_short_page() {
    let app = TestApp::new().await;
    let seen = Seen::default();
    let base = serve(
        Router::new()
            .route("/wfs", get(wfs))
            .with_state(seen.clone()),
    )
    .await;
    let report = load_url(
        &app,
        "jordarter",
        format!("{base}/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=sgu:grundlager"),
    )
    .await;
    assert_eq!(report.rows_loaded, TOTAL as u64);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[2].contains("startIndex=2000") && seen[0].contains("srsName=EPSG:3006"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_zip_is_downloaded_and_read_in_the_catalog_format() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let entry = catalog::get(&DatasetId::parse("naturreservat").expect("id")).expect("entry");
    let zip = std::fs::read(fixtures::write(entry, dir.path())).expect("fixture");
    let base = serve(Router::new().route(
        "/nedladdning/NR.zip",
        get(move || async move { zip.clone().into_response() }),
    ))
    .await;
    let report = load_url(&app, "naturreservat", format!("{base}/nedladdning/NR.zip")).await;
    assert_eq!((report.rows_read, report.rows_loaded), (3, 2));
}

#[tokio::test]
async fn a_service_error_fails_the_load_naming_the_url() {
    let app = TestApp::new().await;
    let base = serve(Router::new().route(
        "/collections/x/items",
        get(|| async {
            (axum::http::StatusCode::BAD_GATEWAY, "upstream down").into_response() as Response
        }),
    ))
    .await;
    let entry = catalog::get(&DatasetId::parse("jordarter").expect("id")).expect("entry");
    let mut client = app.state.pool.get().await.expect("connection");
    let err = pipeline::load(
        &mut client,
        entry,
        &Input::Url(format!("{base}/collections/x/items")),
        LoadOptions::default(),
    )
    .await
    .expect_err("must fail");
    let message = err.to_string();
    assert!(
        message.contains("/collections/x/items") && message.contains("502"),
        "{message}"
    );
}
