//! What an operator sees: Prometheus metrics that move as requests are served, a request id
//! that round-trips, and JSON log lines.

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rummet::config::Config;

use crate::support::{TestApp, TestDb};

/// The value of the sample `name{labels}` in a Prometheus text, 0 when absent.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain"))
    );
    String::from_utf8(reply.body.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn a_tile_miss_then_hit_moves_the_render_and_l1_counters_and_the_route_counter() {
    let app = TestApp::new().await;
    // Zoom 13 is above what the store keeps (10): a miss is rendered, a repeat is L1's.
    let uri = "/tiles/kommun/13/4419/2230.mvt";
    let render = r#"rummet_tiles_total{level="render",zoom="13"}"#;
    let l1 = r#"rummet_tiles_total{level="l1",zoom="13"}"#;
    let route = r#"rummet_http_requests_total{route="/tiles/{dataset}/{z}/{x}/{y}",method="GET",status="200"}"#;
    let before = scrape(&app).await;
    assert_eq!(app.get(uri).await.status, StatusCode::OK);
    assert_eq!(app.get(uri).await.status, StatusCode::OK);
    let after = scrape(&app).await;
    // Other tests share the process's recorder: counters only ever grow by at least ours.
    assert!(
        sample(&after, render) >= sample(&before, render) + 1.0,
        "{after}"
    );
    assert!(sample(&after, l1) >= sample(&before, l1) + 1.0);
    assert!(sample(&after, route) >= sample(&before, route) + 2.0);
    for gauge in [
        "rummet_db_pool_connections",
        "rummet_process_resident_memory_bytes",
        "rummet_http_request_duration_seconds_bucket",
        "rummet_tile_render_seconds_bucket",
        "rummet_tile_bytes_total",
        r#"rummet_dataset_features{dataset="kommun"} 290"#,
    ] {
        assert!(after.contains(gauge), "{gauge} missing");
    }
}

#[tokio::test]
async fn metrics_can_be_moved_or_turned_off_and_a_clashing_path_is_refused() {
    let mut config = Config::default();
    config.metrics.enabled = false;
    let app = TestApp::with_config(config).await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let mut config = Config::default();
    config.metrics.path = "/intern/metrik-7f3a".into();
    let app = TestApp::with_config(config).await;
    assert_eq!(app.get("/intern/metrik-7f3a").await.status, StatusCode::OK);
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);

    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("rummet.toml");
    std::fs::write(&file, "[metrics]\npath = \"/tiles\"\n").expect("write");
    let loaded = Config::load(Some(&file), &rummet::config::Overrides::default());
    assert!(loaded.is_err_and(|e| e.to_string().contains("metrics.path")));
}

#[tokio::test]
async fn metrics_on_a_listener_of_their_own_are_off_the_public_one() {
    use tower::ServiceExt;
    let mut config = Config::default();
    config.metrics.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9100)));
    let app = TestApp::with_config(config).await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let own = rummet::http::metrics_router(app.state.clone())
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(own.status(), StatusCode::OK);
    let other = rummet::http::metrics_router(app.state.clone())
        .oneshot(
            Request::get("/catalog")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "only metrics on that listener"
    );
}

#[tokio::test]
async fn a_request_id_is_taken_from_the_proxy_or_made_and_always_returned() {
    let app = TestApp::new().await;
    let ask = |id: Option<&str>| {
        let mut req = Request::get("/health").header("host", "rummet.test");
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        req.body(Body::empty()).expect("request")
    };
    let given = app.request(ask(Some("nginx-4f2a9c"))).await;
    assert_eq!(given.header("x-request-id"), Some("nginx-4f2a9c"));
    let made = app.request(ask(None)).await;
    let id = made.header("x-request-id").expect("an id").to_owned();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let other = app.request(ask(None)).await;
    assert_ne!(other.header("x-request-id"), Some(id.as_str()));
    // Something no log should carry is replaced.
    let odd = app.request(ask(Some("two words"))).await;
    assert_ne!(odd.header("x-request-id"), Some("two words"));
    // An error answer carries it too.
    let missing = app.get("/tiles/nothing.json").await;
    assert!(missing.header("x-request-id").is_some());
}

#[tokio::test]
async fn logs_are_json_lines_when_asked() {
    let db = TestDb::new().await;
    let out = Command::new(env!("CARGO_BIN_EXE_rummet"))
        .args(["datasets", "--database-url", &db.url()])
        .env("RUMMET_LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .output()
        .expect("run rummet");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "nothing was logged");
    for line in lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            entry["level"].is_string() && entry["timestamp"].is_string(),
            "{line}"
        );
    }
}
