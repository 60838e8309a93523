//! `TileJSON` 3.0 documents for QGIS, MapLibre and other clients.

use rummet_core::FieldType;
use serde_json::{Map, Value, json};

use crate::datasets::Dataset;

/// The `TileJSON` of one dataset, or of a composite of several (one vector layer each), with
/// tile URLs under `base` (scheme and host, no trailing slash).
#[must_use]
pub fn tilejson(layers: &[std::sync::Arc<Dataset>], base: &str) -> Value {
    let Some(first) = layers.first() else {
        return Value::Null;
    };
    if layers.len() > 1 {
        return composite(layers, base);
    }
    let ds = first;
    let center = match ds.bounds.as_slice() {
        [w, s, e, n] => json!([(w + e) / 2.0, (s + n) / 2.0, ds.minzoom.max(4)]),
        _ => Value::Null,
    };
    json!({
        "tilejson": "3.0.0",
        "name": ds.title,
        "description": ds.description,
        "version": format!("{}.0.0", ds.version),
        "attribution": ds.attribution,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", ds.id)],
        "minzoom": ds.minzoom,
        "maxzoom": ds.maxzoom,
        "bounds": ds.bounds,
        "center": center,
        "vector_layers": [vector_layer(ds)],
    })
}

/// The `vector_layers` entries of `layers`, as `TileJSON` and archive metadata list them.
#[must_use]
pub fn vector_layers(layers: &[std::sync::Arc<Dataset>]) -> Value {
    Value::Array(layers.iter().map(|d| vector_layer(d)).collect())
}

fn vector_layer(ds: &Dataset) -> Value {
    let fields: Map<String, Value> = ds
        .fields
        .iter()
        .map(|f| (f.name.clone(), Value::String(field_type(f.kind).into())))
        .collect();
    json!({
        "id": ds.id,
        "description": ds.title,
        "minzoom": ds.minzoom,
        "maxzoom": ds.maxzoom,
        "fields": fields,
    })
}

/// Several datasets in one tile: the union of their bounds and zooms, every attribution.
fn composite(layers: &[std::sync::Arc<Dataset>], base: &str) -> Value {
    let ids: Vec<&str> = layers.iter().map(|d| d.id.as_str()).collect();
    let mut attributions: Vec<&str> = layers.iter().map(|d| d.attribution.as_str()).collect();
    attributions.dedup();
    let bounds = crate::datasets::union_bounds(layers);
    let minzoom = layers.iter().map(|d| d.minzoom).min().unwrap_or(0);
    let maxzoom = layers.iter().map(|d| d.maxzoom).max().unwrap_or(14);
    json!({
        "tilejson": "3.0.0",
        "name": layers.iter().map(|d| d.title.as_str()).collect::<Vec<_>>().join(", "),
        // Semver, as TileJSON asks: versions only grow, so the newest names the set.
        "version": format!("{}.0.0", layers.iter().map(|d| d.version).max().unwrap_or(0)),
        "attribution": attributions.join(" | "),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", ids.join(","))],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": [f64::midpoint(bounds[0], bounds[2]), f64::midpoint(bounds[1], bounds[3]), minzoom.max(4)],
        "vector_layers": layers.iter().map(|d| vector_layer(d)).collect::<Vec<_>>(),
    })
}

/// `TileJSON` names for column types.
fn field_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Integer | FieldType::Double => "Number",
        FieldType::Boolean => "Boolean",
        FieldType::Text => "String",
    }
}
