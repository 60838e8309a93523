//! `GET /catalog`: every loaded dataset with its provenance and where its tiles are.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::base_url::base_url;
use crate::app::AppState;

/// The loaded datasets.
pub async fn catalog(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&app.config, &headers);
    let datasets: Vec<Value> = app
        .datasets
        .all()
        .iter()
        .map(|ds| {
            let mut entry = serde_json::to_value(&**ds).unwrap_or_default();
            entry["tilejson"] = json!(format!("{base}/tiles/{}.json", ds.id));
            entry["tiles"] = json!(format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", ds.id));
            entry["style"] = json!(format!("{base}/styles/{}.json", ds.id));
            entry
        })
        .collect();
    super::document::document(
        &headers,
        &json!({ "datasets": datasets }),
        "application/json",
    )
}
