//! Bad requests get a precise JSON error; an unreachable database gets 503 with Retry-After.

use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn malformed_or_out_of_range_tile_addresses_are_400_with_a_json_error() {
    let app = TestApp::new().await;
    for (path, needle) in [
        ("/tiles/kommun/25/0/0.mvt", "zoom 25 is out of range"),
        ("/tiles/kommun/5/32/0.mvt", "x=32 is out of range 0-31"),
        ("/tiles/kommun/5/0/32.mvt", "y=32 is out of range 0-31"),
        ("/tiles/kommun/z/0/0.mvt", "not a non-negative integer"),
        ("/tiles/kommun/5/-1/0.mvt", "not a non-negative integer"),
        ("/tiles/kommun/5/0/0.png", "use .mvt or .pbf"),
        ("/tiles/kommun/5/0/0", "use .mvt or .pbf"),
        ("/tiles/Kommun/5/0/0.mvt", "invalid dataset id"),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        let body = reply.json();
        assert!(body["error"].is_string(), "{path}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "{path}: {message:?} lacks {needle:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_dataset_or_route_is_404_with_a_json_error() {
    let app = TestApp::new().await;
    for path in [
        "/tiles/vagar/5/17/9.mvt",
        "/tiles/vagar.json",
        "/styles/vagar.json",
        "/no/such/route",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.json()["message"].is_string(), "{path}");
    }
    assert_eq!(
        app.get("/tiles/vagar.json").await.json()["error"],
        "unknown_dataset"
    );
}

#[tokio::test]
async fn odd_inputs_never_panic_and_always_answer_json() {
    let app = TestApp::new().await;
    for path in [
        "/tiles/kommun/99999999999999999999999/0/0.mvt",
        "/tiles/kommun/5/17/9.mvt.mvt",
        "/tiles/kommun/5/17/.mvt",
        "/tiles/%C3%A5/5/17/9.mvt",
        "/tiles/%FF/5/17/9.mvt",
        "/tiles/kommun%22;DROP/5/17/9.mvt",
        "/tiles/.json",
        "/tiles/kommun",
        "/styles/",
        "/assets/../../etc/passwd",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert!(reply.json()["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn an_unreachable_database_is_503_with_retry_after_and_health_stays_up() {
    let app = TestApp::new().await;
    // The app has read the registry; now the database goes away.
    let admin = crate::support::TestDb::new().await.client().await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{0}\" WITH ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{0}';",
            app.db.name
        ))
        .await
        .expect("cut the database off");

    let ready = app.get("/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.header("retry-after"), Some("5"));
    assert_eq!(ready.json()["error"], "database_unavailable");

    let tile = app.get("/tiles/kommun/7/70/37.mvt").await;
    assert_eq!(tile.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(tile.header("retry-after"), Some("5"));
    let body = tile.json();
    assert_eq!(body["error"], "database_unavailable");
    assert!(
        !body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&app.db.name),
        "no internal detail leaks"
    );

    assert_eq!(app.get("/health").await.status, StatusCode::OK);

    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true",
            app.db.name
        ))
        .await
        .expect("reconnect the database");
    assert_eq!(app.get("/ready").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/tiles/kommun/7/70/37.mvt").await.status,
        StatusCode::OK
    );
}

/// Registers `slow`: the kommun table behind a view that sleeps five seconds per row, so a
/// tile of it outlasts any timeout the tests set while every other query stays fast.
async fn register_slow_dataset(app: &TestApp) -> tokio_postgres::Client {
    let client = app.db.client().await;
    let kommun: String = client
        .query_one(
            "SELECT table_name FROM rummet.datasets WHERE id = 'kommun'",
            &[],
        )
        .await
        .expect("kommun")
        .get(0);
    client
        .batch_execute(&format!(
            "CREATE VIEW rummet_data.slow_v1 AS
               SELECT k.* FROM rummet_data.\"{kommun}\" k, LATERAL (SELECT pg_sleep(5)) s;
             CREATE TEMP TABLE slow AS SELECT * FROM rummet.datasets WHERE id = 'kommun';
             UPDATE slow SET id = 'slow', table_name = 'slow_v1';
             INSERT INTO rummet.datasets SELECT * FROM slow;"
        ))
        .await
        .expect("slow dataset");
    let id = rummet_core::DatasetId::parse("slow").expect("id");
    app.state
        .datasets
        .reload(&app.state.pool, &id)
        .await
        .expect("registry");
    client
}

#[tokio::test]
async fn a_query_past_the_statement_timeout_is_503_not_a_hung_request() {
    let mut config = rummet::config::Config::default();
    // Long enough for start-up and registry queries on a slow CI machine, far shorter than
    // the slow dataset's five seconds.
    config.db.statement_timeout_ms = 1_000;
    config.cache.size_mb = 0;
    let app = TestApp::with_config(config).await;
    let _client = register_slow_dataset(&app).await;
    let started = std::time::Instant::now();
    let reply = app.get("/tiles/slow/5/17/9.mvt").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "timeout");
    assert_eq!(reply.header("retry-after"), Some("5"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "answered at the timeout, not after the query"
    );
}

#[tokio::test]
async fn a_tile_query_is_cancelled_when_its_client_goes_away() {
    let mut config = rummet::config::Config::default();
    config.cache.size_mb = 0;
    let app = TestApp::with_config(config).await;
    let client = register_slow_dataset(&app).await;

    let gone = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        app.get("/tiles/slow/5/17/9.mvt"),
    )
    .await;
    assert!(
        gone.is_err(),
        "the request was still running when its client left"
    );
    let started = std::time::Instant::now();
    loop {
        let running: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%ST_AsMVT%' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .expect("activity")
            .get(0);
        if running == 0 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "the abandoned query kept running"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn framework_errors_are_json_too_405_and_undecodable_paths_and_bad_bodies() {
    let app = TestApp::new().await;
    let wrong_method = app
        .request(
            axum::http::Request::delete("/collections")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json()["error"], "method_not_allowed");
    assert!(
        wrong_method
            .header("allow")
            .is_some_and(|a| a.contains("GET"))
    );
    let undecodable = app.get("/api/stats/%FF").await;
    assert_eq!(undecodable.status, StatusCode::BAD_REQUEST);
    assert!(undecodable.json()["message"].is_string());
    for uri in [
        "/api/stats/kommun?in=lan:%00",
        "/api/stats/kommun?by=lan&by=fa",
        "/collections/kommun/items?kommun=%00",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{uri}"
        );
    }
    let form = app
        .request(
            axum::http::Request::post("/api/stats/kommun/area")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("a=b"))
                .expect("request"),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(form.json()["error"], "unsupported_media_type");
}

#[tokio::test]
async fn the_catalog_names_a_loaded_file_by_its_name_never_by_its_server_path() {
    let app = TestApp::new().await;
    let catalog = app.get("/catalog").await.json();
    for d in catalog["datasets"].as_array().expect("datasets") {
        let source = d["source"].as_str().expect("source");
        assert!(
            !source.contains('/') || source.starts_with("http"),
            "{source}"
        );
        assert!(!source.is_empty());
    }
}

#[tokio::test]
async fn statistics_that_hold_all_their_connections_leave_tiles_features_and_ready_answering() {
    let mut config = rummet::config::Config::default();
    config.db.stats_pool_size = 1;
    config.db.pool_wait_ms = 300;
    config.tiles.prerendered = false;
    config.cache.size_mb = 0;
    let app = TestApp::with_config(config).await;
    // Every statistics connection busy, as under a burst of national drawn areas.
    let held = app
        .state
        .stats
        .pool()
        .get()
        .await
        .expect("the one statistics connection");
    let started = std::time::Instant::now();
    assert_eq!(app.get("/ready").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/tiles/kommun/6/34/18.mvt").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/collections/kommun/items?limit=5").await.status,
        StatusCode::OK
    );
    let waiting = app.get("/api/stats/kommun?by=lan&measure=area").await;
    assert_eq!(waiting.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(waiting.header("retry-after").is_some());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    drop(held);
    assert_eq!(
        app.get("/api/stats/kommun?by=lan&measure=area")
            .await
            .status,
        StatusCode::OK
    );
}
