//! A statistical table as JSON-stat (SCB's `PxWebApi` answers `format=json-stat2`; version 2.0,
//! or 1.0 wrapped in `{"dataset": …}`): one row per category of the one dimension that varies
//! (the regions), every other dimension held to one category by the table query. The rows
//! have no geometry: a population table is joined to its division's units by code at load.
//!
//! The fields a catalog entry can name: each dimension's id (the category code, e.g.
//! `Region` → `0114`, `Tid` → `2024`), `<id>.label` (the category's label, `Upplands Väsby`),
//! and `value` (the cell, e.g. the head count).

use std::fs::File;
use std::io::BufReader;

use serde_json::Value as Json;

use super::archive::{self, Local};
use super::{Feature, FeatureReader, Input, Notes, Value};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

const FORMAT: &str = "JSON-stat";

/// One dimension: its id and its categories (code, label) in index order.
struct Dimension {
    id: String,
    categories: Vec<(String, String)>,
}

pub(super) struct JsonStatReader {
    rows: Vec<Vec<Value>>,
    notes: Notes,
}

impl JsonStatReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let bad = LoadError::format(&name, FORMAT);
        let local: Local = archive::local(input, "json", entry.source.member.as_deref(), FORMAT)?;
        let file = File::open(&local.path).map_err(|e| bad(e.to_string()))?;
        let doc: Json =
            serde_json::from_reader(BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
        // JSON-stat 1.0 wraps the dataset; 2.0 is the dataset.
        let dataset = doc.get("dataset").unwrap_or(&doc);
        let dims = dimensions(dataset).map_err(&bad)?;
        let varying: Vec<usize> = (0..dims.len())
            .filter(|&i| dims[i].categories.len() > 1)
            .collect();
        let (row_dim, rows_n) = match varying.as_slice() {
            [] => (0, 1),
            [one] => (*one, dims[*one].categories.len()),
            _ => {
                let ids: Vec<&str> = varying.iter().map(|&i| dims[i].id.as_str()).collect();
                return Err(bad(format!(
                    "the table varies by {}: select one value of every dimension but the one \
                     joined to the division",
                    ids.join(" and ")
                )));
            }
        };
        let values = cells(dataset, rows_n).map_err(&bad)?;
        let mut names: Vec<String> = Vec::new();
        for d in &dims {
            names.push(d.id.clone());
            names.push(format!("{}.label", d.id));
        }
        names.push("value".to_owned());
        let notes = Notes::default();
        let fields = super::resolve_fields(entry, &name, &names, &notes)?;
        let rows = (0..rows_n)
            .map(|r| {
                fields
                    .iter()
                    .map(|f| match *f {
                        None => Value::Null,
                        Some(i) if i == names.len() - 1 => values[r].clone(),
                        Some(i) => {
                            let d = &dims[i / 2];
                            let (code, label) = &d.categories[if i / 2 == row_dim { r } else { 0 }];
                            Value::Text(if i % 2 == 0 { code } else { label }.clone())
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(Self { rows, notes })
    }
}

/// The dimensions in the table's order (`id`), each with its categories in index order.
fn dimensions(dataset: &Json) -> std::result::Result<Vec<Dimension>, String> {
    let dimension = dataset
        .get("dimension")
        .and_then(Json::as_object)
        .ok_or("no \"dimension\" object: not a JSON-stat dataset")?;
    // 2.0 lists the ids at the top, 1.0 inside `dimension`.
    let ids = dataset
        .get("id")
        .or_else(|| dimension.get("id"))
        .and_then(Json::as_array)
        .ok_or("no \"id\" list of dimensions")?;
    ids.iter()
        .map(|id| {
            let id = id.as_str().ok_or("a dimension id is not text")?;
            let category = dimension
                .get(id)
                .and_then(|d| d.get("category"))
                .ok_or_else(|| format!("dimension {id:?} has no category"))?;
            let labels = category.get("label").and_then(Json::as_object);
            let mut codes: Vec<(usize, String)> = match category.get("index") {
                Some(Json::Object(map)) => map
                    .iter()
                    .map(|(code, i)| {
                        let i = i.as_u64().and_then(|i| usize::try_from(i).ok());
                        i.map(|i| (i, code.clone())).ok_or_else(|| {
                            format!("dimension {id:?}: index of {code:?} is no position")
                        })
                    })
                    .collect::<std::result::Result<_, String>>()?,
                Some(Json::Array(list)) => list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, c.as_str().unwrap_or_default().to_owned()))
                    .collect(),
                // A single category may be given by its label alone.
                _ => labels
                    .map(|l| l.keys().cloned().enumerate().collect())
                    .unwrap_or_default(),
            };
            codes.sort_unstable();
            let categories = codes
                .into_iter()
                .map(|(_, code)| {
                    let label = labels
                        .and_then(|l| l.get(&code))
                        .and_then(Json::as_str)
                        .unwrap_or(&code)
                        .to_owned();
                    (code, label)
                })
                .collect::<Vec<_>>();
            if categories.is_empty() {
                return Err(format!("dimension {id:?} has no categories"));
            }
            Ok(Dimension {
                id: id.to_owned(),
                categories,
            })
        })
        .collect()
}

/// The `n` cells in order: `value` as an array, or as an object keyed by position (sparse).
fn cells(dataset: &Json, n: usize) -> std::result::Result<Vec<Value>, String> {
    let cell = |v: Option<&Json>| match v {
        Some(Json::Number(x)) => Ok(x.as_i64().map_or_else(
            || Value::Double(x.as_f64().unwrap_or(f64::NAN)),
            Value::Integer,
        )),
        Some(Json::Null) | None => Ok(Value::Null),
        Some(other) => Err(format!("a value is not a number: {other}")),
    };
    match dataset.get("value") {
        Some(Json::Array(list)) if list.len() == n => list.iter().map(|v| cell(Some(v))).collect(),
        Some(Json::Array(list)) => Err(format!("{} values for a table of {n} cells", list.len())),
        Some(Json::Object(map)) => (0..n).map(|i| cell(map.get(&i.to_string()))).collect(),
        _ => Err("no \"value\" list".to_owned()),
    }
}

impl FeatureReader for JsonStatReader {
    fn declared_srid(&self) -> Option<i32> {
        None
    }

    fn feature_count(&self) -> Option<u64> {
        Some(self.rows.len() as u64)
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        for (i, values) in self.rows.into_iter().enumerate() {
            let feature = Feature {
                number: i as u64 + 1,
                wkb: None,
                values,
            };
            if !emit(Ok(feature)) {
                return;
            }
        }
    }
}
