//! The accessibility part of the `OpenAPI` document: `/api/access`, its answers per unit and
//! the travel-time tiles, from the same constants the handlers check against.

use serde_json::{Value, json};

use super::openapi::error_response;
use crate::stats::{ACCESS_PARAMS, MAX_WITHIN_MIN};

fn describe(param: &str, divisions: &[String]) -> Value {
    let (description, required, schema) = match param {
        "service" => (
            "A service type of the dataset (GET /api/access lists them), e.g. dagligvaror; case does not matter.".to_owned(),
            true,
            json!({"type": "string"}),
        ),
        "within" => (
            format!("The travel-time threshold in whole minutes, 10min (default) or 10; at most {MAX_WITHIN_MIN}. A cell exactly at it is within."),
            false,
            json!({"type": "string", "default": "10min"}),
        ),
        "by" => (
            "Division the rows are units of (default kommun).".to_owned(),
            false,
            json!({"type": "string", "enum": divisions, "default": "kommun"}),
        ),
        "profile" => (
            "car (default) or walk.".to_owned(),
            false,
            json!({"type": "string", "enum": ["car", "walk"], "default": "car"}),
        ),
        "in" => (
            "Only the units whose inner point lies in one of these units, as <division>:<code>, comma-separated.".to_owned(),
            false,
            json!({"type": "string"}),
        ),
        "format" => (
            "json (default), csv, or geojson (each row a feature with its unit's geometry in WGS 84).".to_owned(),
            false,
            json!({"type": "string", "enum": ["json", "csv", "geojson"]}),
        ),
        _ => (String::new(), false, json!({"type": "string"})),
    };
    json!({"name": param, "in": "query", "required": required, "description": description, "schema": schema})
}

/// The accessibility paths.
pub fn paths(divisions: &[String]) -> serde_json::Map<String, Value> {
    let mut parameters = vec![json!({
        "name": "dataset", "in": "path", "required": true,
        "description": "A service dataset with accessibility (GET /api/access).",
        "schema": {"type": "string"},
    })];
    parameters.extend(ACCESS_PARAMS.iter().map(|p| describe(p, divisions)));
    let paths = json!({
        "/api/access": {"get": {
            "summary": "Service datasets whose travel times were computed at load, with their service types, network, population grid and speed model",
            "responses": {"200": {"description": "The list."}},
        }},
        "/api/access/{dataset}": {"get": {
            "summary": "People, and the share of people, within a travel time of the nearest service of a type, per unit",
            "description": crate::stats::ACCESS_METHOD,
            "parameters": parameters,
            "responses": {
                "200": {"description": "Rows per unit (code, name, people, within, share %, unreachable) and totals, with the method, network, population and model.", "content": {
                    "application/json": {}, "text/csv": {}, "application/geo+json": {},
                }},
                "400": error_response("Unknown dataset, division, service type or profile; malformed threshold."),
                "409": error_response("No accessibility computed for the dataset (no [access], or its network or a population grid is not loaded)."),
                "503": error_response("Database unavailable or busy; retry after Retry-After."),
            },
        }},
        "/tiles/access/{dataset}/{service}/{z}/{x}/{y}.mvt": {"get": {
            "summary": "The travel-time grid as a Mapbox Vector Tile: layer access, a polygon per populated cell with minutes (absent where unreachable), seconds and people",
            "parameters": [
                {"name": "dataset", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "service", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "z", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": rummet_core::MAX_ZOOM}},
                {"name": "x", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
                {"name": "y", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
                {"name": "profile", "in": "query", "required": false, "schema": {"type": "string", "enum": ["car", "walk"], "default": "car"}},
            ],
            "responses": {
                "200": {"description": "The tile.", "content": {"application/vnd.mapbox-vector-tile": {}}},
                "204": {"description": "No populated cells in this tile."},
                "400": error_response("Malformed tile address, unknown service type or profile."),
                "409": error_response("No accessibility computed for the dataset."),
            },
        }},
    });
    super::openapi::object(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accessibility_parameter_is_described() {
        for name in ACCESS_PARAMS {
            let p = describe(name, &[]);
            assert!(
                p["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{name} is undocumented"
            );
        }
    }
}
