//! Limits at the edge: a client that sends half its headers is cut off, a request past the
//! concurrency limit is told to retry, and shutdown lets a request in flight finish.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{TestApp, get_with};

async fn listen(
    app: &TestApp,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = rummet::http::router(app.state.clone());
    let limits = app.state.config.limits.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        rummet::http::serve::serve(listener, router, &limits, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });
    (addr, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let mut config = rummet::config::Config::default();
    config.limits.header_read_timeout_ms = 300;
    let app = TestApp::with_config(config).await;
    let (addr, stop, server) = listen(&app).await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: rummet.test\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the half-sent request was still open after 5 s"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    // A whole request on a new connection is answered.
    let mut ok = tokio::net::TcpStream::connect(addr).await.expect("connect");
    ok.write_all(b"GET /health HTTP/1.1\r\nHost: rummet.test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = stop.send(());
    server.await.expect("server stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_concurrency_limit_is_told_to_retry_at_once() {
    let mut config = rummet::config::Config::default();
    config.limits.max_concurrent_requests = 1;
    config.db.stats_pool_size = 1;
    config.db.pool_wait_ms = 1500;
    let app = TestApp::with_config(config).await;
    // The one statistics connection held: a question waits 1.5 s for it, holding its slot.
    let held = app.state.stats.pool().get().await.expect("connection");
    let state = app.state.clone();
    let slow =
        tokio::spawn(async move { get_with(&state, "/api/stats/kommun?by=lan").await.status });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let shed = app.get("/collections").await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.json()["error"], "overloaded");
    assert!(shed.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "shed at once, not queued"
    );
    assert_eq!(
        slow.await.expect("slow request"),
        StatusCode::SERVICE_UNAVAILABLE
    );
    drop(held);
    assert_eq!(app.get("/collections").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_that_outlives_the_request_timeout_gets_a_json_503_with_retry_after() {
    let mut config = rummet::config::Config::default();
    config.limits.request_timeout_ms = 200;
    config.db.stats_pool_size = 1;
    config.db.pool_wait_ms = 2000;
    let app = TestApp::with_config(config).await;
    let held = app.state.stats.pool().get().await.expect("connection");
    let reply = app.get("/api/stats/kommun?by=lan").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "timeout");
    assert_eq!(reply.header("retry-after"), Some("5"));
    drop(held);
}

#[tokio::test]
async fn a_query_whose_request_went_away_is_cancelled_and_its_connection_leaves_the_pool() {
    let app = TestApp::new().await;
    let pool = app.state.pool.clone();
    let asked = async {
        let client = rummet::db::Guarded::new(pool.get().await.expect("connection"));
        client.query("SELECT pg_sleep(30)", &[]).await
    };
    // The request deadline (or a client hanging up) drops the work mid-query.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), asked)
            .await
            .is_err()
    );
    let client = app.db.client().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let sleeping: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
                &[],
            )
            .await
            .expect("activity")
            .get(0);
        if sleeping == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned query still runs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
