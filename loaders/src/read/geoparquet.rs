//! GeoParquet 1.x: WKB geometry in the column the `geo` metadata names, CRS as PROJJSON.
//! Rows are read one row group at a time, so memory is bounded by the row group size.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field as PqField;
use parquet::record::reader::RowIter;
use serde_json::Value as Json;

use super::{Feature, FeatureReader, Input, Notes, Value};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

const FORMAT: &str = "GeoParquet";

pub(super) struct GeoParquetReader {
    input: String,
    rows: RowIter<'static>,
    total: Option<u64>,
    geometry: usize,
    /// Column index in the file of each catalog field; `None` for an absent optional field.
    fields: Vec<Option<usize>>,
    srid: Option<i32>,
    number: u64,
    notes: Notes,
}

impl GeoParquetReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let format_err = LoadError::format(&name, FORMAT);
        let reader: Box<dyn FileReader> = match input {
            Input::File(path) | Input::Upload { path, .. } => {
                let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?;
                Box::new(SerializedFileReader::new(file).map_err(|e| format_err(e.to_string()))?)
            }
            Input::Url(_) => {
                return Err(format_err(
                    "a URL must be downloaded before it is read".into(),
                ));
            }
            Input::Bytes { data, .. } => Box::new(
                SerializedFileReader::new(data.clone()).map_err(|e| format_err(e.to_string()))?,
            ),
        };
        let meta = reader.metadata().file_metadata();
        let geo: Json = meta
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
            .and_then(|k| k.value.as_deref())
            .ok_or_else(|| {
                format_err("no `geo` metadata: a plain Parquet file, not GeoParquet".into())
            })
            .and_then(|v| {
                serde_json::from_str(v).map_err(|e| format_err(format!("`geo` metadata: {e}")))
            })?;
        let primary = geo["primary_column"]
            .as_str()
            .ok_or_else(|| format_err("`geo` metadata names no primary_column".into()))?;
        let column = &geo["columns"][primary];
        if column["encoding"].as_str() != Some("WKB") {
            return Err(format_err(format!(
                "geometry encoding {} is not supported, only WKB",
                column["encoding"]
            )));
        }
        let srid = declared_srid(column);

        let names: Vec<String> = meta
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        let index_of = |field: &str| names.iter().position(|n| n == field);
        let geometry = index_of(primary).ok_or_else(|| {
            format_err(format!("geometry column {primary:?} is not in the schema"))
        })?;
        if let Some(probe) = &entry.source.probe {
            probe.geometry_column(primary);
        }
        let notes = Notes::default();
        let fields = super::resolve_fields(entry, &name, &names, &notes)?;
        let total = u64::try_from(meta.num_rows()).ok();
        let rows = RowIter::from_file_into(reader);
        Ok(Self {
            input: name,
            rows,
            total,
            geometry,
            fields,
            srid,
            number: 0,
            notes,
        })
    }
}

/// The EPSG code in a GeoParquet column's `crs`: absent means OGC:CRS84 (lon/lat, as 4326
/// in PostGIS); `null` means unknown.
fn declared_srid(column: &Json) -> Option<i32> {
    let Some(crs) = column.get("crs") else {
        return Some(4326);
    };
    let id = &crs["id"];
    match (id["authority"].as_str(), &id["code"]) {
        (Some("EPSG"), Json::Number(n)) => n.as_i64().and_then(|c| i32::try_from(c).ok()),
        (Some("EPSG"), Json::String(s)) => s.parse().ok(),
        (Some("OGC"), code) if code.as_str() == Some("CRS84") => Some(4326),
        _ => None,
    }
}

fn convert(field: &PqField) -> Value {
    match field {
        PqField::Null => Value::Null,
        PqField::Bool(b) => Value::Boolean(*b),
        PqField::Byte(v) => Value::Integer(i64::from(*v)),
        PqField::Short(v) => Value::Integer(i64::from(*v)),
        PqField::Int(v) => Value::Integer(i64::from(*v)),
        PqField::Long(v) => Value::Integer(*v),
        PqField::UByte(v) => Value::Integer(i64::from(*v)),
        PqField::UShort(v) => Value::Integer(i64::from(*v)),
        PqField::UInt(v) => Value::Integer(i64::from(*v)),
        PqField::ULong(v) => {
            i64::try_from(*v).map_or_else(|_| Value::Text(v.to_string()), Value::Integer)
        }
        PqField::Float(v) => Value::Double(f64::from(*v)),
        PqField::Double(v) => Value::Double(*v),
        PqField::Str(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

impl GeoParquetReader {
    fn next_feature(&mut self) -> Option<Result<Feature>> {
        let row = match self.rows.next()? {
            Ok(row) => row,
            Err(e) => {
                return Some(Err(LoadError::Format {
                    input: self.input.clone(),
                    format: FORMAT,
                    message: format!("after feature {}: {e}", self.number),
                }));
            }
        };
        self.number += 1;
        let columns = row.into_columns();
        let wkb = match columns.get(self.geometry).map(|(_, f)| f) {
            Some(PqField::Bytes(b)) => Some(b.data().to_vec()),
            Some(PqField::Null) | None => None,
            Some(other) => {
                return Some(Err(LoadError::Value {
                    input: self.input.clone(),
                    feature: self.number,
                    field: "geometry".into(),
                    message: format!("expected WKB bytes, found {other}"),
                }));
            }
        };
        let values = self
            .fields
            .iter()
            .map(|i| {
                i.and_then(|i| columns.get(i))
                    .map_or(Value::Null, |(_, f)| convert(f))
            })
            .collect();
        Some(Ok(Feature {
            number: self.number,
            wkb,
            values,
        }))
    }
}

impl FeatureReader for GeoParquetReader {
    fn declared_srid(&self) -> Option<i32> {
        self.srid
    }

    fn feature_count(&self) -> Option<u64> {
        self.total
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(mut self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        while let Some(feature) = self.next_feature() {
            let failed = feature.is_err();
            if !emit(feature) || failed {
                break;
            }
        }
    }
}
