//! Test setup: the shared cluster, a database per test, and the production router.

pub mod agency;
mod cluster;
pub mod fixtures;
pub mod geojson;
pub mod gpkg;
mod mvt;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use rummet::app::{App, AppState};
use rummet::config::Config;
use rummet::db::pool;
use tower::ServiceExt;

pub use cluster::{TestDb, connect};
pub use mvt::decode;

/// The production router over a fresh database of its own.
pub struct TestApp {
    pub state: AppState,
    pub db: TestDb,
}

/// A response, collected.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// An app over a new database holding the demo data.
    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(mut config: Config) -> Self {
        // The tests ask as `rummet.test`, as a server behind that name would be asked.
        config.allowed_hosts.push("rummet.test".into());
        let db = TestDb::new().await;
        let state = Self::state_over(config, &db).await;
        Self { state, db }
    }

    pub async fn state_over(config: Config, db: &TestDb) -> AppState {
        let pool = pool::build(db.pg_config.clone(), &config.db).expect("pool");
        AppState(Arc::new(App::new(config, db.pg_config.clone(), pool).await))
    }

    pub async fn get(&self, uri: &str) -> Reply {
        get_with(&self.state, uri).await
    }

    /// POSTs `body` as GeoJSON to `uri` (a drawn area).
    pub async fn post_geojson(&self, uri: &str, body: &serde_json::Value) -> Reply {
        self.request(
            Request::post(uri)
                .header("host", "rummet.test")
                .header("content-type", "application/geo+json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    pub async fn request(&self, req: Request<Body>) -> Reply {
        request_with(&self.state, req).await
    }

    /// A second server over the same database: its own pool, registry view and L1.
    pub async fn another_server(&self) -> AppState {
        let mut config = Config::default();
        config.allowed_hosts.push("rummet.test".into());
        Self::state_over(config, &self.db).await
    }
}

/// A new API key of organisation `org` (added when it is new) with `scope`.
pub async fn key(app: &TestApp, org: &str, scope: rummet::access::Scope) -> String {
    use rummet::access;
    let client = app.db.client().await;
    let known = access::list_organisations(&client)
        .await
        .expect("organisations");
    if known.iter().all(|o| o.id != org) {
        access::add_organisation(&client, org, &format!("Region {org}"))
            .await
            .expect("organisation");
    }
    access::create_key(&client, org, scope, "test")
        .await
        .expect("key")
        .key
}

/// GET `uri` from the server of `state`.
pub async fn get_with(state: &AppState, uri: &str) -> Reply {
    request_with(
        state,
        Request::get(uri)
            .header("host", "rummet.test")
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

async fn request_with(state: &AppState, req: Request<Body>) -> Reply {
    let res = rummet::http::router(state.clone())
        .oneshot(req)
        .await
        .expect("the router is infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}
