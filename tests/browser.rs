//! The landing page in real headless Chromium (driven by `tests/browser/landing.mjs` with
//! playwright-core): MapLibre must draw the demo layers from real tiles served by the
//! production router, and a click must show a feature's attributes.

use std::path::Path;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_draws_the_demo_layers_from_real_tiles_in_headless_chromium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "the browser test needs `npm ci --prefix tests/browser` and Chromium (deploy/test.sh installs both)"
    );
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = rummet::http::router(app.state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let shot = tempfile::Builder::new()
        .suffix(".png")
        .tempfile()
        .expect("tmp");
    let out = tokio::process::Command::new("node")
        .arg(dir.join("landing.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(shot.path())
        .output()
        .await
        .expect("node runs (deploy/test.sh installs Node.js)");
    server.abort();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser script failed: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));

    assert_eq!(report["listed"], serde_json::json!(["fa", "kommun", "lan"]));
    assert!(
        report["fa"].as_u64().is_some_and(|n| n > 0),
        "no FA region was drawn: {report}"
    );
    let names: Vec<&str> = report["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for name in ["Stockholm", "Kiruna", "Malmö", "Jönköping"] {
        assert!(names.contains(&name), "{name} was not drawn: {names:?}");
    }
    let popup = report["popup"].as_str().unwrap_or_default();
    assert!(
        popup.contains("0180") && popup.contains("Stockholm"),
        "popup: {popup:?}"
    );
    assert_eq!(report["errors"], serde_json::json!([]), "the page threw");
    assert!(
        std::fs::metadata(shot.path()).is_ok_and(|m| m.len() > 10_000),
        "a screenshot was taken"
    );
}
