//! Decoding tiles, to assert on what they hold rather than on their bytes.

use std::collections::BTreeMap;

use mvt_reader::Reader;
use mvt_reader::feature::Value;

/// A decoded layer: one map of property name → text per feature, in tile order.
pub struct Layer {
    pub name: String,
    pub features: Vec<BTreeMap<String, String>>,
    pub ids: Vec<Option<u64>>,
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
