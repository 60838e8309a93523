//! `GET /styles/{dataset}.json`: MapLibre styles. Each dataset's style comes from
//! `styles/<id>.json` when there is one, else a plain one by geometry type; a style file
//! named for no catalog dataset (`atlas-basemap`) is served as it is. Source, glyph and
//! sprite URLs are made absolute so QGIS and other hosts can load them.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rummet_core::{DatasetId, GeometryKind};
use serde_json::{Value, json};

use super::ApiError;
use super::auth::Caller;
use super::base_url::base_url;
use crate::app::AppState;
use crate::datasets::Dataset;
use crate::tiles::TileError;

static STYLES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/styles.rs"));

/// The style of one dataset.
pub async fn style(
    State(app): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
    let dataset = name
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("not_found", "styles are at /styles/{dataset}.json"))?;
    let file = STYLES.iter().find(|(stem, _)| *stem == dataset);
    let parsed = |(stem, text): &(&str, &str)| match serde_json::from_str::<Value>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!(style = stem, "style file is not JSON: {e}");
            None
        }
    };
    let shared = file.filter(|(stem, _)| {
        !rummet_loaders::catalog::all()
            .iter()
            .any(|e| e.id.as_str() == *stem)
    });
    let mut style = if let Some(style) = shared.and_then(parsed) {
        // A style of no one dataset, such as the atlas's basemap.
        style
    } else {
        let id = DatasetId::parse(dataset).map_err(TileError::from)?;
        let ds = app
            .datasets
            .get(&id, caller.viewer())
            .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
        file.and_then(parsed).unwrap_or_else(|| default_style(&ds))
    };
    let base = base_url(&app.config, &headers);
    for key in ["glyphs", "sprite"] {
        if let Some(url) = style
            .get(key)
            .and_then(Value::as_str)
            .filter(|u| u.starts_with('/'))
        {
            style[key] = Value::String(format!("{base}{url}"));
        }
    }
    if let Some(sources) = style.get_mut("sources").and_then(Value::as_object_mut) {
        for source in sources.values_mut() {
            if let Some(url) = source
                .get("url")
                .and_then(Value::as_str)
                .filter(|u| u.starts_with('/'))
            {
                source["url"] = Value::String(caller.link(&format!("{base}{url}")));
            }
        }
    }
    Ok(super::document::document(
        &headers,
        &style,
        "application/json",
    ))
}

/// A plain style for a dataset without a style file.
fn default_style(ds: &Dataset) -> Value {
    let id = ds.id.as_str();
    let layer = |kind: &str, suffix: &str, paint: Value| json!({"id": format!("{id}-{suffix}"), "type": kind, "source": id, "source-layer": id, "paint": paint});
    let layers = match ds.geometry {
        GeometryKind::Polygon => vec![
            layer(
                "fill",
                "fill",
                json!({"fill-color": "#8fb996", "fill-opacity": 0.5}),
            ),
            layer(
                "line",
                "line",
                json!({"line-color": "#3d6b45", "line-width": 0.8}),
            ),
        ],
        GeometryKind::Line => vec![layer(
            "line",
            "line",
            json!({"line-color": "#b5523b", "line-width": 1.2}),
        )],
        GeometryKind::Point => vec![layer(
            "circle",
            "circle",
            json!({"circle-color": "#2f5d8a", "circle-radius": 3, "circle-stroke-color": "#fff", "circle-stroke-width": 0.5}),
        )],
    };
    let background =
        json!({"id": "background", "type": "background", "paint": {"background-color": "#f4f1ea"}});
    let layers: Vec<Value> = std::iter::once(background).chain(layers).collect();
    json!({
        "version": 8,
        "name": ds.title,
        "sources": {id: {"type": "vector", "url": format!("/tiles/{id}.json")}},
        "layers": layers,
    })
}
