//! HTTP: one router for the server and the tests. Handlers only extract, call domain code
//! and convert; [`ApiError`] is the one place errors become responses.

mod admin;
mod atlas;
mod auth;
mod base_url;
mod cartography;
mod catalog;
pub mod client_addr;
mod cors;
mod deadline;
mod document;
mod error;
mod health;
mod json_errors;
mod observe;
pub(crate) mod ogc;
mod openapi;
mod openapi_access;
mod openapi_ogc;
mod openapi_publish;
mod overload;
mod publish;
pub mod serve;
mod stats;
mod styles;
mod tiles;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::app::AppState;

/// Statistics, accessibility and the division units behind them.
fn statistics() -> Router<AppState> {
    Router::new()
        .route("/api/stats/{dataset}", get(stats::by_division))
        .route(
            "/api/stats/{dataset}/area",
            post(stats::in_area).layer(DefaultBodyLimit::max(stats::MAX_BODY_BYTES)),
        )
        .route("/api/stats/{dataset}/border", get(stats::at_border))
        .route("/api/access", get(stats::access_list))
        .route("/api/access/{dataset}", get(stats::access))
        .route(
            "/tiles/access/{dataset}/{service}/{z}/{x}/{y}",
            get(stats::access_tile),
        )
        .route("/api/divisions/{division}", get(stats::units))
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(ogc::common::root))
        .route("/conformance", get(ogc::common::conformance))
        .route("/api", get(ogc::common::api))
        .route("/api.html", get(ogc::common::api_html))
        .route("/collections", get(ogc::collections::list))
        .route("/collections/{id}", get(ogc::collections::one))
        .route(
            "/collections/{id}/queryables",
            get(ogc::collections::queryables),
        )
        .route("/collections/{id}/items", get(ogc::items::page))
        .route("/collections/{id}/items/{fid}", get(ogc::items::one))
        .route(
            "/collections/{id}/tiles",
            get(ogc::tiles::collection_tilesets),
        )
        .route(
            "/collections/{id}/tiles/{tms}",
            get(ogc::tiles::collection_tileset),
        )
        .route(
            "/collections/{id}/tiles/{tms}/{level}/{row}/{col}",
            get(ogc::tiles::collection_tile),
        )
        .route("/tiles", get(ogc::tiles::all_tilesets))
        .route("/tileMatrixSets", get(ogc::tiles::matrix_sets))
        .route(
            "/tileMatrixSets/{id}",
            get(ogc::tiles::matrix_set_definition),
        )
        .route("/assets/{*path}", get(atlas::asset))
        .route("/fonts/{fontstack}/{range}", get(cartography::glyphs))
        .route("/sprites/{file}", get(cartography::sprite))
        .route("/catalog", get(catalog::catalog))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/tiles/{name}", get(tiles::tilejson_doc))
        .route("/tiles/{dataset}/{z}/{x}/{y}", get(tiles::tile))
        .route("/styles/{name}", get(styles::style))
        .merge(statistics())
        .merge(public_metrics(&state))
        .route("/api/whoami", get(admin::whoami))
        .route("/api/audit", get(admin::audit))
        .route("/api/admin/datasets/{id}/purge", post(admin::purge))
        .route("/api/maps", get(views::list).post(views::create))
        .route(
            "/api/maps/{slug}",
            get(views::one).put(views::update).delete(views::delete),
        )
        .route("/m/{slug}", get(views::open))
        .route("/api/openapi.json", get(openapi::document))
        .merge(publishing())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline::deadline,
        ))
        // After the deadline: an upload takes as long as the line needs (`publish` guards
        // against a silent client instead); the body is counted as it streams to disk.
        .merge(uploads())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            overload::limit,
        ))
        // Outside the timeout and the limit, so their answers are JSON errors too.
        .layer(axum::middleware::from_fn(json_errors::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::cors,
        ))
        // Outside the limits too, so the 503s of a flood are counted.
        .layer(axum::middleware::from_fn(observe::measure))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let path = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", axum::extract::MatchedPath::as_str);
                    let id = req
                        .headers()
                        .get(&observe::REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("http", method = %req.method(), path, request_id = id)
                })
                // Every 5xx is logged once, with its cause, where it is made (ApiError): the
                // layer's own ERROR line per response doubled a 4 s database outage's log
                // to 12,000 lines.
                .on_failure(
                    tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                ),
        )
        .layer(axum::middleware::from_fn(observe::with_id))
        .with_state(state)
}

/// `/metrics` on the public listener, unless it has a listener of its own.
fn public_metrics(state: &AppState) -> Router<AppState> {
    match state.config.metrics.listen {
        Some(_) => Router::new(),
        None => Router::new().route(&state.config.metrics.path, get(admin::metrics)),
    }
}

/// The router of the metrics' own listener (`metrics.listen`): the metrics path only.
pub fn metrics_router(state: AppState) -> Router {
    let path = state.config.metrics.path.clone();
    Router::new()
        .route(&path, get(admin::metrics))
        .fallback(not_found)
        .with_state(state)
}

/// Publishing's routes that answer at once or start a job.
fn publishing() -> Router<AppState> {
    Router::new()
        .route(
            "/api/datasets/{id}",
            axum::routing::patch(publish::patch).delete(publish::delete),
        )
        .route("/api/datasets/{id}/versions", get(publish::versions))
        .route("/api/datasets/{id}/rollback", post(publish::rollback))
        .route("/api/admin/datasets/{id}/reload", post(publish::reload))
        .route("/api/admin/datasets/{id}/seed", post(publish::seed))
        .route("/api/jobs", get(publish::jobs))
        .route("/api/jobs/{id}", get(publish::job))
}

/// The upload routes, without a body limit: `publish` counts the file as it streams.
fn uploads() -> Router<AppState> {
    Router::new()
        .route(
            "/api/datasets",
            post(publish::create).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/datasets/{id}",
            axum::routing::put(publish::replace).layer(DefaultBodyLimit::disable()),
        )
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found("not_found", format!("no route for {}", req.uri().path()))
}
