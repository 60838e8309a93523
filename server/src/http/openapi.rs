//! `GET /api/openapi.json`: the `OpenAPI` 3 document of the tile and statistics API, built from
//! the same constants the handlers check against (parameter lists, measures, limits) and from
//! the registry (which datasets and divisions are loaded), so it cannot drift from the code.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use rummet_core::Role;
use serde_json::{Value, json};

use super::base_url::base_url;
use crate::app::{App, AppState};
use crate::stats::{
    AREA_PARAMS, BORDER_PARAMS, DIVISION_PARAMS, MAX_AREA_KM2, MAX_VERTICES, MAX_WITHIN_M, MEASURES,
};

/// What each statistics parameter means; every name the handlers accept must be here (a unit
/// test checks).
fn describe(param: &str) -> (&'static str, bool) {
    match param {
        "by" => (
            "Division the rows are units of: kommun (default), lan, fa or any loaded division dataset.",
            false,
        ),
        "measure" => (
            "count (default), length (m, lines), area (m², polygons), share (% of the unit covered, polygons, overlaps dissolved), population (people living inside the polygons, by areal weighting of the population grid; no group or where), population_share (those people as % of the unit's), sum:<field>, avg:<field>, min:<field>, max:<field> over a numeric field.",
            false,
        ),
        "group" => (
            "A field of the dataset: one row per unit and value of the field.",
            false,
        ),
        "where" => (
            "Filter over the dataset's fields: =, !=, <, >, <=, >=, in (…), and, or, parentheses; text in single quotes. E.g. skyddstyp = 'Naturreservat' and area_ha > 10.",
            false,
        ),
        "in" => (
            "Only the units whose inner point lies in one of these units, as <division>:<code>, comma-separated (at most 50), e.g. lan:20 or lan:05,lan:06,lan:08.",
            false,
        ),
        "format" => (
            "json (default), csv, or geojson (each row a feature with its unit's geometry in WGS 84).",
            false,
        ),
        "crs" => (
            "CRS of the posted polygon: EPSG:4326 (default) or EPSG:3006; a GeoJSON crs member works too.",
            false,
        ),
        "a" => (
            "One side of the border, as <division>:<code>, e.g. lan:06.",
            true,
        ),
        "b" => ("The other side, e.g. lan:08.", true),
        "within" => (
            "Distance from the border: 5km (default), 500m, or metres.",
            false,
        ),
        _ => ("", false),
    }
}

fn parameters(names: &[&str], datasets: &[String], divisions: &[String]) -> Value {
    let mut list = vec![json!({
        "name": "dataset", "in": "path", "required": true,
        "description": "A loaded dataset (GET /catalog).",
        "schema": {"type": "string", "enum": datasets},
    })];
    for name in names {
        let (description, required) = describe(name);
        let schema = if *name == "by" {
            json!({"type": "string", "enum": divisions, "default": "kommun"})
        } else {
            json!({"type": "string"})
        };
        list.push(json!({
            "name": name, "in": "query", "required": required,
            "description": description, "schema": schema,
        }));
    }
    Value::Array(list)
}

pub(super) fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn stats_responses() -> Value {
    json!({
        "200": {"description": "Rows per unit and totals.", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Statistics"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/geo+json": {"schema": {"type": "object"}},
        }},
        "400": error_response("Unknown dataset, division, field or measure; malformed where, polygon or parameter."),
        "409": error_response("The dataset has not been measured by that division yet."),
        "503": error_response("The database is unavailable or the query timed out; retry after Retry-After."),
    })
}

/// `/api/openapi.json`: the document.
pub async fn document(
    State(app): State<AppState>,
    caller: super::auth::Caller,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&app.config, &headers);
    super::document::document(
        &headers,
        &build(&app, &base, caller.viewer()),
        "application/json",
    )
}

/// The whole `OpenAPI` document, with `base` as its server, naming the datasets `viewer`
/// may see.
#[must_use]
pub fn build(app: &App, base: &str, viewer: Option<&crate::access::Principal>) -> Value {
    let all = app.datasets.all(viewer);
    let datasets: Vec<String> = all.iter().map(|d| d.id.to_string()).collect();
    let divisions: Vec<String> = all
        .iter()
        .filter(|d| d.role == Role::Division)
        .map(|d| d.id.to_string())
        .collect();
    let mut area_responses = stats_responses();
    area_responses["413"] = error_response(&format!(
        "More than {MAX_VERTICES} vertices, or a body too large."
    ));
    let mut doc = json!({
        "openapi": "3.0.3",
        "servers": [{"url": base}],
        "info": {
            "title": "Rummet",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vector tiles and statistics of Sweden's national geodata.",
        },
        "paths": {
            "/api/stats/{dataset}": {"get": {
                "summary": "Statistics per unit of a division",
                "description": format!("Measures: {MEASURES}. Answered from the overlay computed when the dataset or the division was loaded."),
                "parameters": parameters(DIVISION_PARAMS, &datasets, &divisions),
                "responses": stats_responses(),
            }},
            "/api/stats/{dataset}/area": {"post": {
                "summary": "Statistics inside a drawn polygon",
                "description": format!("At most {MAX_VERTICES} vertices and {MAX_AREA_KM2} km²."),
                "parameters": parameters(AREA_PARAMS, &datasets, &divisions),
                "requestBody": {"required": true, "content": {"application/geo+json": {"schema": {"type": "object",
                    "description": "A GeoJSON Polygon or MultiPolygon, bare, in a Feature or as the one feature of a FeatureCollection."}}}},
                "responses": area_responses,
            }},
            "/api/stats/{dataset}/border": {"get": {
                "summary": "Statistics near the border of two units, per side",
                "description": format!("The zone within `within` (at most {} km) of the border a and b share.", MAX_WITHIN_M / 1000.0),
                "parameters": parameters(BORDER_PARAMS, &datasets, &divisions),
                "responses": stats_responses(),
            }},
            "/tiles/{dataset}/{z}/{x}/{y}.mvt": {"get": {
                "summary": "A Mapbox Vector Tile; several datasets as a,b make one tile with a layer each",
                "parameters": [
                    {"name": "dataset", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "z", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": rummet_core::MAX_ZOOM}},
                    {"name": "x", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
                    {"name": "y", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
                ],
                "responses": {
                    "200": {"description": "The tile, gzip or brotli as accepted.", "content": {"application/vnd.mapbox-vector-tile": {}}},
                    "204": {"description": "No features in this tile."},
                    "304": {"description": "Not modified (If-None-Match)."},
                    "400": error_response("Malformed tile address or dataset."),
                    "404": error_response("Dataset not loaded."),
                    "503": error_response("Database unavailable or busy; retry after Retry-After."),
                },
            }},
            "/tiles/{dataset}.json": {"get": {
                "summary": "TileJSON 3.0 of a dataset or composite",
                "parameters": [{"name": "dataset", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "TileJSON."}, "404": error_response("Dataset not loaded.")},
            }},
            "/styles/{name}.json": {"get": {
                "summary": "MapLibre style of a dataset, or the atlas",
                "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Style JSON."}, "404": error_response("No such style.")},
            }},
            "/catalog": {"get": {"summary": "Loaded datasets with provenance and licence", "responses": {"200": {"description": "Catalog."}}}},
            "/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive."}}}},
            "/ready": {"get": {"summary": "Readiness: the database answers", "responses": {"200": {"description": "Ready."}, "503": error_response("Not ready.")}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string", "description": "Stable error code."},
                "message": {"type": "string", "description": "What was wrong."},
            }},
            "Statistics": {"type": "object", "required": ["dataset", "version", "measure", "unit", "rows", "totals", "licence", "attribution"], "properties": {
                "dataset": {"type": "string"}, "version": {"type": "integer"},
                "by": {"type": "string"}, "division_version": {"type": "integer"},
                "measure": {"type": "string"}, "unit": {"type": "string"},
                "licence": {"type": "string"}, "attribution": {"type": "string"},
                "rows": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "group": {},
                    "value": {"type": "number", "nullable": true}, "unit": {"type": "string"},
                    "features": {"type": "integer"}, "unit_area_m2": {"type": "number"},
                    "people": {"type": "number", "description": "People living in the unit (population measures)."},
                }}},
                "population": {"type": "object", "description": "Population measures: the grid counted, its version and licence, and the method."},
                "totals": {"type": "object"},
            }},
        }},
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(super::openapi_ogc::paths(&all));
        paths.extend(map_paths(&divisions));
        paths.extend(super::openapi_access::paths(&divisions));
    }
    super::openapi_publish::add_to(&mut doc);
    doc
}

/// What a web map needs beside tiles and styles: division units and label glyphs.
fn map_paths(divisions: &[String]) -> serde_json::Map<String, Value> {
    let paths = json!({
        "/api/divisions/{division}": {"get": {
            "summary": "The units of a division for a map: code, name, area, box and point in WGS 84, neighbours",
            "parameters": [{"name": "division", "in": "path", "required": true, "schema": {"type": "string", "enum": divisions}}],
            "responses": {"200": {"description": "The units."}, "400": error_response("Not a loaded division."), "503": error_response("Database unavailable or busy; retry after Retry-After.")},
        }},
        "/fonts/{fontstack}/{range}.pbf": {"get": {
            "summary": "Label glyphs (signed distance fields) for MapLibre, rendered from Noto Sans",
            "parameters": [
                {"name": "fontstack", "in": "path", "required": true, "schema": {"type": "string", "enum": crate::http::cartography::FONTS}},
                {"name": "range", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]+-[0-9]+$"}},
            ],
            "responses": {"200": {"description": "A glyphs protobuf.", "content": {"application/x-protobuf": {}}}, "400": error_response("Malformed range."), "404": error_response("No such font.")},
        }},
    });
    object(paths)
}

/// The members of `paths` (built as one `json!` object) to merge into the document's paths.
pub(super) fn object(paths: Value) -> serde_json::Map<String, Value> {
    match paths {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statistics_parameter_is_described() {
        for name in DIVISION_PARAMS
            .iter()
            .chain(AREA_PARAMS)
            .chain(BORDER_PARAMS)
        {
            assert!(!describe(name).0.is_empty(), "{name} is undocumented");
        }
    }
}
