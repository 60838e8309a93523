//! A statistical table as JSON-stat (SCB's `PxWebApi` answers `format=json-stat2`; version 2.0,
//! or 1.0 wrapped in `{"dataset": …}`): one row per category of the one dimension that varies
//! (the regions), every other dimension held to one category by the table query. The rows
//! have no geometry: a population table is joined to its division's units by code at load.
//!
//! The fields a catalog entry can name: each dimension's id (the category code, e.g.
//! `Region` → `0114`, `Tid` → `2024`), `<id>.label` (the category's label, `Upplands Väsby`),
//! and `value` (the cell, e.g. the head count).

use std::fs::File;
use std::io::{BufReader, Read};

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
        let mut bytes = Vec::new();
        File::open(&local.path)
            .and_then(|f| BufReader::new(f).read_to_end(&mut bytes))
            .map_err(|e| bad(e.to_string()))?;
        // PxWebApi v1 answers with a byte-order mark.
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let doc: Json = serde_json::from_slice(text).map_err(|e| bad(e.to_string()))?;
        // JSON-stat 1.0 wraps the dataset; 2.0 is the dataset.
        let dataset = doc.get("dataset").unwrap_or(&doc);
        let dims = dimensions(dataset).map_err(&bad)?;
        let varying: Vec<usize> = (0..dims.len())
            .filter(|&i| dims[i].categories.len() > 1)
            .collect();
        // The rows are the units: only the dimension holding their code may vary (two years
        // of one kommun would be two overlapping kommuner, counted twice).
        let code_dim = entry
            .population
            .as_ref()
            .and_then(|p| p.code.as_ref())
            .and_then(|c| entry.fields.iter().find(|f| &f.column == c))
            .and_then(|f| dims.iter().position(|d| d.id == f.source));
        let (row_dim, rows_n) = match varying.as_slice() {
            [] => (code_dim.unwrap_or(0), 1),
            [one] if code_dim.is_none_or(|c| c == *one) => (*one, dims[*one].categories.len()),
            [one] => {
                return Err(bad(format!(
                    "the table varies by {} instead of by the units' codes: select one value of it",
                    dims[*one].id
                )));
            }
            _ => {
                let ids: Vec<&str> = varying.iter().map(|&i| dims[i].id.as_str()).collect();
                return Err(bad(format!(
                    "the table varies by {}: select one value of every dimension but the one \
                     joined to the division",
                    ids.join(" and ")
                )));
            }
        };
        check_size(dataset, &dims).map_err(&bad)?;
        let values = cells(dataset, rows_n).map_err(&bad)?;
        let notes = Notes::default();
        let missing = values.iter().filter(|v| matches!(v, Value::Null)).count();
        if missing > 0 {
            notes.push(format!(
                "{name}: {missing} cells of the table have no value (SCB's \"..\"): their units count no people"
            ));
        }
        let mut names: Vec<String> = Vec::new();
        for d in &dims {
            names.push(d.id.clone());
            names.push(format!("{}.label", d.id));
        }
        names.push("value".to_owned());
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
                    .map(|(i, c)| {
                        c.as_str()
                            .map(|c| (i, c.to_owned()))
                            .ok_or_else(|| format!("dimension {id:?}: a category code is not text"))
                    })
                    .collect::<std::result::Result<_, String>>()?,
                // A single category may be given by its label alone.
                None if labels.is_some_and(|l| l.len() == 1) => labels
                    .map(|l| l.keys().cloned().enumerate().collect())
                    .unwrap_or_default(),
                _ => return Err(format!("dimension {id:?} has no category index")),
            };
            codes.sort_unstable();
            if codes.iter().enumerate().any(|(n, (i, _))| n != *i) {
                return Err(format!(
                    "dimension {id:?}: its category positions are not 0 to {}",
                    codes.len().saturating_sub(1)
                ));
            }
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

/// The table's `size` (2.0 at the top, 1.0 in `dimension`), when given, must be the number of
/// categories of each dimension: else cells and categories would be paired wrongly.
fn check_size(dataset: &Json, dims: &[Dimension]) -> std::result::Result<(), String> {
    let size = dataset
        .get("size")
        .or_else(|| dataset.get("dimension").and_then(|d| d.get("size")));
    let Some(size) = size.and_then(Json::as_array) else {
        return Ok(());
    };
    let sizes: Vec<Option<u64>> = size.iter().map(Json::as_u64).collect();
    let wanted: Vec<Option<u64>> = dims
        .iter()
        .map(|d| Some(d.categories.len() as u64))
        .collect();
    if sizes == wanted {
        Ok(())
    } else {
        Err(format!(
            "its size {size:?} does not match the categories of its dimensions"
        ))
    }
}

/// The `n` cells in order: `value` as an array, or as an object keyed by position (sparse).
fn cells(dataset: &Json, n: usize) -> std::result::Result<Vec<Value>, String> {
    let cell = |v: Option<&Json>| match v {
        Some(Json::Number(x)) => Ok(x.as_i64().map_or_else(
            || Value::Double(x.as_f64().unwrap_or(f64::NAN)),
            Value::Integer,
        )),
        Some(Json::Null) | None => Ok(Value::Null),
        // JSON-stat allows a value as text; a number written so is read as one.
        Some(Json::String(t)) => match t.trim().parse::<f64>() {
            Ok(x) if x.fract() == 0.0 && x.abs() < 9e15 => {
                #[expect(clippy::cast_possible_truncation, reason = "whole and below 2^53")]
                let n = x as i64;
                Ok(Value::Integer(n))
            }
            Ok(x) => Ok(Value::Double(x)),
            Err(_) => Ok(Value::Null),
        },
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
