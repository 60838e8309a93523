//! Delimited text with coordinate columns (e.g. Tillväxtverket's Pipos export: `;`,
//! Windows-1252, X/Y in SWEREF 99 TM). Decoded strictly: a byte the encoding cannot decode is
//! an error naming the row and column, never a silent replacement character.

use std::fs::File;

use super::archive::{self, Local};
use super::{Feature, FeatureReader, Input, Notes, Value, wkb};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

const FORMAT: &str = "CSV";

pub(super) struct CsvReader {
    input: String,
    local: Local,
    delimiter: u8,
    encoding: &'static encoding_rs::Encoding,
    fields: Vec<Option<usize>>,
    x: usize,
    y: usize,
    notes: Notes,
}

impl CsvReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let bad = LoadError::format(&name, FORMAT);
        let local = archive::local(input, "csv", entry.source.member.as_deref(), FORMAT)?;
        let encoding = match &entry.source.encoding {
            Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
                .ok_or_else(|| bad(format!("catalog encoding {label:?} is unknown")))?,
            None => encoding_rs::UTF_8,
        };
        let delimiter = u8::try_from(entry.source.delimiter.unwrap_or(','))
            .map_err(|_| bad("the delimiter must be ASCII".into()))?;
        let mut reader = Self::reader(&local, delimiter).map_err(&bad)?;
        let headers = reader
            .byte_headers()
            .map_err(|e| bad(e.to_string()))?
            .clone();
        let names = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
                } else {
                    h
                };
                decode(encoding, h)
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| {
                        bad(format!("header {} is not valid {}", i + 1, encoding.name()))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let notes = Notes::default();
        let fields = super::resolve_fields(entry, &name, &names, &notes)?;
        let column = |col: &Option<String>| {
            let col = col.as_deref().unwrap_or_default();
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(col))
                .ok_or_else(|| LoadError::MissingField {
                    input: name.clone(),
                    field: col.to_owned(),
                    aliases: Vec::new(),
                    available: names.join(", "),
                })
        };
        let (x, y) = (column(&entry.source.x)?, column(&entry.source.y)?);
        Ok(Self {
            input: name,
            local,
            delimiter,
            encoding,
            fields,
            x,
            y,
            notes,
        })
    }

    fn reader(local: &Local, delimiter: u8) -> Result<csv::Reader<File>, String> {
        let file = File::open(&local.path).map_err(|e| e.to_string())?;
        Ok(csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(file))
    }

    fn run(&self, emit: &mut dyn FnMut(Result<Feature>) -> bool) -> Result<()> {
        let bad = LoadError::format(&self.input, FORMAT);
        let mut reader = Self::reader(&self.local, self.delimiter).map_err(&bad)?;
        for (i, record) in reader.byte_records().enumerate() {
            let number = i as u64 + 1;
            let record = record.map_err(|e| bad(format!("row {number}: {e}")))?;
            let text = |col: usize| -> Result<Option<String>> {
                let Some(raw) = record.get(col) else {
                    return Ok(None);
                };
                decode(self.encoding, raw)
                    .map(|s| Some(s.trim().to_owned()))
                    .ok_or_else(|| LoadError::Value {
                        input: self.input.clone(),
                        feature: number,
                        field: format!("column {}", col + 1),
                        message: format!(
                            "text is not valid {}: set the catalog's `encoding`",
                            self.encoding.name()
                        ),
                    })
            };
            let coord = |col: usize, axis: &str| -> Result<Option<f64>> {
                match text(col)?.filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(s) => {
                        s.replace(',', ".")
                            .parse()
                            .map(Some)
                            .map_err(|_| LoadError::Value {
                                input: self.input.clone(),
                                feature: number,
                                field: axis.to_owned(),
                                message: format!("{s:?} is not a coordinate"),
                            })
                    }
                }
            };
            let wkb = match (coord(self.x, "x")?, coord(self.y, "y")?) {
                (Some(x), Some(y)) => Some(wkb::point(x, y)),
                _ => None,
            };
            let mut values = Vec::with_capacity(self.fields.len());
            for f in &self.fields {
                values.push(match f {
                    Some(col) => text(*col)?
                        .filter(|s| !s.is_empty())
                        .map_or(Value::Null, Value::Text),
                    None => Value::Null,
                });
            }
            if !emit(Ok(Feature {
                number,
                wkb,
                values,
            })) {
                break;
            }
        }
        Ok(())
    }
}

fn decode(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> Option<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
}

impl FeatureReader for CsvReader {
    fn declared_srid(&self) -> Option<i32> {
        None
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}
