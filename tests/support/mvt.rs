//! Decoding tiles, to assert on what they hold rather than on their bytes.

use std::collections::BTreeMap;

use geo_types::Geometry;
use mvt_reader::Reader;
use mvt_reader::feature::Value;

/// A decoded layer: one map of property name → text per feature, in tile order.
pub struct Layer {
    pub name: String,
    pub features: Vec<BTreeMap<String, String>>,
    pub ids: Vec<Option<u64>>,
    /// Vertices of each feature's geometry.
    pub vertices: Vec<usize>,
    /// Each feature's smallest x and y in tile units (0–4096 across the tile, y down).
    pub mins: Vec<(f32, f32)>,
}

/// Decodes an MVT into its layers; panics if the bytes are not a valid tile.
pub fn decode(data: &[u8]) -> Vec<Layer> {
    let reader = Reader::new(data.to_vec()).unwrap_or_else(|e| panic!("not an MVT: {e:?}"));
    let names = reader.get_layer_names().expect("layer names");
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let features = reader.get_features(i).expect("features");
            Layer {
                name,
                ids: features.iter().map(|f| f.id).collect(),
                vertices: features.iter().map(|f| vertices(&f.geometry)).collect(),
                mins: features.iter().map(|f| mins(&f.geometry)).collect(),
                features: features
                    .into_iter()
                    .map(|f| {
                        f.properties
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, text(&v)))
                            .collect()
                    })
                    .collect(),
            }
        })
        .collect()
}

fn vertices(g: &Geometry<f32>) -> usize {
    let polygon = |p: &geo_types::Polygon<f32>| {
        p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
    };
    match g {
        Geometry::Point(_) => 1,
        Geometry::MultiPoint(m) => m.0.len(),
        Geometry::LineString(l) => l.0.len(),
        Geometry::MultiLineString(m) => m.0.iter().map(|l| l.0.len()).sum(),
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(m) => m.0.iter().map(polygon).sum(),
        _ => 0,
    }
}

fn mins(g: &Geometry<f32>) -> (f32, f32) {
    let ring = |l: &geo_types::LineString<f32>| l.0.clone();
    let coords: Vec<geo_types::Coord<f32>> = match g {
        Geometry::Point(p) => vec![p.0],
        Geometry::MultiPoint(m) => m.0.iter().map(|p| p.0).collect(),
        Geometry::LineString(l) => ring(l),
        Geometry::MultiLineString(m) => m.0.iter().flat_map(ring).collect(),
        Geometry::Polygon(p) => ring(p.exterior()),
        Geometry::MultiPolygon(m) => m.0.iter().flat_map(|p| ring(p.exterior())).collect(),
        _ => Vec::new(),
    };
    coords
        .iter()
        .fold((f32::MAX, f32::MAX), |(x, y), c| (x.min(c.x), y.min(c.y)))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(f) => f.to_string(),
        Value::Double(f) => f.to_string(),
        Value::Int(i) | Value::SInt(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
    }
}
