//! A reload never blocks or fails a reader: while a dataset large enough to take seconds is
//! reloaded (built, thinned, overlaid by every division), its uncached tiles, features and
//! statistics keep answering from the old version, promptly and without a 5xx, and answer
//! from the new one after the swap.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::geojson::{entry, load, load_into};
use crate::support::{TestApp, get_with};

/// `n` × `n` squares of 200 m on a 500 m grid around Jönköping, in SWEREF 99 TM.
fn grid(n: u32, tag: &str) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let (e, north) = (
                430_000.0 + f64::from(i) * 500.0,
                6_380_000.0 + f64::from(j) * 500.0,
            );
            let ring = json!([
                [e, north],
                [e + 200.0, north],
                [e + 200.0, north + 200.0],
                [e, north + 200.0],
                [e, north]
            ]);
            out.push((
                json!({"namn": format!("{tag} {i}/{j}"), "klass": (i + j) % 4}),
                json!({"type": "Polygon", "coordinates": [ring]}),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_are_neither_blocked_nor_failed_while_a_large_dataset_reloads() {
    // No L1 and no L2: every tile request renders, so it must reach the version tables.
    let mut config = rummet::config::Config::default();
    config.cache.size_mb = 0;
    config.tiles.prerendered = false;
    let app = TestApp::with_config(config).await;
    let rutor = entry(
        "rutor",
        "thematic",
        "polygon",
        &[("namn", "text"), ("klass", "integer")],
    );
    load(&app, &rutor, grid(120, "gammal")).await;

    let state = app.state.clone();
    let reload = {
        let loader = app.state.clone();
        let features = grid(120, "ny");
        let entry = rutor.clone();
        tokio::spawn(async move { load_into(&loader, &entry, features).await })
    };
    let mut worst = Duration::ZERO;
    let mut asked = 0u32;
    let mut n = 0u32;
    while !reload.is_finished() {
        n += 1;
        // A different tile each time around the grid, at zooms 12-14.
        let z = 12 + n % 3;
        let scale = 1u32 << (z - 12);
        let (x, y) = (
            2_196 * scale + n % scale.max(1),
            1_188 * scale + (n / 3) % scale.max(1),
        );
        for uri in [
            format!("/tiles/rutor/{z}/{x}/{y}.mvt"),
            format!("/collections/rutor/items?limit=50&after={}", n * 7),
            "/api/stats/rutor?by=kommun&measure=area&where=klass%20%3D%201".to_owned(),
        ] {
            let started = Instant::now();
            let reply = get_with(&state, &uri).await;
            worst = worst.max(started.elapsed());
            asked += 1;
            assert!(
                !reply.status.is_server_error(),
                "{uri} answered {} during the reload: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
    }
    reload.await.expect("reload task");
    assert!(
        asked > 6,
        "the reload was over before readers could ask ({asked} requests)"
    );
    // Generous on a busy two-core machine; a blocked reader waits for the whole load (seconds).
    assert!(
        worst < Duration::from_millis(1500),
        "a reader waited {worst:?} during the reload"
    );
    let after = get_with(&state, "/collections/rutor/items?limit=1")
        .await
        .json();
    assert!(
        after["features"][0]["properties"]["namn"]
            .as_str()
            .is_some_and(|n| n.starts_with("ny"))
    );
    assert_eq!(
        get_with(&state, "/api/stats/rutor?by=lan").await.status,
        StatusCode::OK
    );
}
