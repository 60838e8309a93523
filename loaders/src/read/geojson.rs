//! GeoJSON: a `FeatureCollection`, parsed as a stream so only one feature is in memory at a
//! time, or newline-delimited features (GeoJSON Text Sequences / NDJSON). RFC 7946 data is
//! WGS 84; a legacy `crs` member naming an EPSG code is honoured.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::archive::{self, Local};
use super::{Feature, FeatureReader, Input, Notes, Value, wkb};
use crate::catalog::{CatalogEntry, Field};
use crate::{LoadError, Result};

const FORMAT: &str = "GeoJSON";

pub(super) struct GeoJsonReader {
    input: String,
    local: Local,
    srid: Option<i32>,
    ndjson: bool,
    fields: Vec<Field>,
    notes: Notes,
    probe: Option<super::Probe>,
}

impl GeoJsonReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let local = archive::local(input, "geojson", entry.source.member.as_deref(), FORMAT)?;
        let mut head = String::new();
        File::open(&local.path)
            .and_then(|f| f.take(64 * 1024).read_to_string(&mut head))
            .map_err(|source| LoadError::Io {
                path: local.path.clone(),
                source,
            })
            .or_else(|e| if head.is_empty() { Err(e) } else { Ok(0) })?;
        let first_line = head
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let ndjson = serde_json::from_str::<Json>(first_line.trim_start_matches('\u{1e}'))
            .is_ok_and(|v| v["type"] == "Feature");
        let srid = legacy_crs(&head);
        let reader = Self {
            input: name,
            local,
            srid,
            ndjson,
            fields: entry.fields.clone(),
            notes: Notes::default(),
            probe: entry.source.probe.clone(),
        };
        // The first feature's properties stand for the file's fields: a required one missing
        // fails here, before anything is staged, as it does for the formats with a schema.
        let mut first = None;
        reader.run(&mut |f| {
            first = Some(f);
            false
        })?;
        if let Some(Err(e)) = first {
            return Err(e);
        }
        Ok(reader)
    }

    /// Reads every feature to `emit`; once the whole file is read, warns of the optional
    /// fields no feature had.
    fn run(&self, emit: &mut dyn FnMut(Result<Feature>) -> bool) -> Result<()> {
        let mut seen = vec![false; self.fields.len()];
        let whole = self.features(emit, &mut seen)?;
        if whole {
            unseen_fields(&self.input, &self.fields, &seen, &self.notes);
        }
        Ok(())
    }

    /// Records a feature's property names when describing an upload: GeoJSON has no schema,
    /// so the fields are what the features carry.
    fn record(&self, feature: &Json) {
        if let (Some(probe), Some(props)) = (&self.probe, feature["properties"].as_object()) {
            probe.record(&props.keys().collect::<Vec<_>>());
        }
    }

    /// Reads features to `emit` until it stops them; whether the whole file was read.
    fn features(
        &self,
        emit: &mut dyn FnMut(Result<Feature>) -> bool,
        seen: &mut [bool],
    ) -> Result<bool> {
        let bad = LoadError::format(&self.input, FORMAT);
        let file = File::open(&self.local.path).map_err(|e| bad(e.to_string()))?;
        let mut number = 0u64;
        if self.ndjson {
            for line in BufReader::new(file).lines() {
                let line = line.map_err(|e| bad(e.to_string()))?;
                let line = line.trim().trim_start_matches('\u{1e}');
                if line.is_empty() {
                    continue;
                }
                number += 1;
                let json: Json = serde_json::from_str(line)
                    .map_err(|e| bad(format!("feature {number}: {e}")))?;
                self.record(&json);
                if !emit(to_feature(&self.input, &self.fields, (number, &json), seen)) {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        let mut stopped = false;
        let mut failed = None;
        let mut on_feature = |json: Json| {
            number += 1;
            self.record(&json);
            let feature = to_feature(&self.input, &self.fields, (number, &json), seen);
            if let Err(e) = feature {
                failed = Some(e);
                return false;
            }
            if !emit(feature) {
                stopped = true;
                return false;
            }
            true
        };
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
        let result = Collection {
            on_feature: &mut on_feature,
        }
        .deserialize(&mut de);
        if let Some(e) = failed {
            return Err(e);
        }
        match result {
            Ok(true) => Ok(true),
            Ok(false) => Err(bad("not a FeatureCollection (no `features` array)".into())),
            Err(_) if stopped => Ok(false),
            Err(e) => Err(bad(e.to_string())),
        }
    }
}

/// One GeoJSON feature object as a [`Feature`] with the catalog's `fields`, each found by any
/// of its names ([`Field::position_in`]), marking in `seen` the fields it has. A required
/// field missing from the first feature is a missing field of the input; an optional one is
/// only known missing once no feature had it ([`unseen_fields`]), since exporters leave
/// out null properties.
pub(super) fn to_feature(
    input: &str,
    fields: &[Field],
    (number, f): (u64, &Json),
    seen: &mut [bool],
) -> Result<Feature> {
    let value_err = |field: &str, message: String| LoadError::Value {
        input: input.to_owned(),
        feature: number,
        field: field.to_owned(),
        message,
    };
    let empty = Map::new();
    let props = f["properties"].as_object().unwrap_or(&empty);
    let keys: Vec<&str> = props.keys().map(String::as_str).collect();
    let mut values = Vec::with_capacity(fields.len());
    for (field, seen) in fields.iter().zip(seen.iter_mut()) {
        let v = field.position_in(&keys).and_then(|i| props.get(keys[i]));
        *seen |= v.is_some();
        if v.is_none() && number == 1 && field.required {
            return Err(LoadError::MissingField {
                input: input.to_owned(),
                field: field.source.clone(),
                aliases: field.aliases.clone(),
                available: keys.join(", "),
            });
        }
        values.push(match v {
            None | Some(Json::Null) => Value::Null,
            Some(Json::Bool(b)) => Value::Boolean(*b),
            Some(Json::Number(n)) => n.as_i64().map_or_else(
                || Value::Double(n.as_f64().unwrap_or(f64::NAN)),
                Value::Integer,
            ),
            Some(Json::String(s)) => Value::Text(s.clone()),
            Some(other) => Value::Text(other.to_string()),
        });
    }
    let wkb = match &f["geometry"] {
        Json::Null => None,
        g => Some(wkb::from_geojson(g).map_err(|m| value_err("geometry", m))?),
    };
    Ok(Feature {
        number,
        wkb,
        values,
    })
}

/// Warns in `notes` of each optional field no feature had.
pub(super) fn unseen_fields(input: &str, fields: &[Field], seen: &[bool], notes: &Notes) {
    for (field, _) in fields.iter().zip(seen).filter(|(_, seen)| !**seen) {
        notes.push(format!(
            "{input}: optional field {:?}{} is in no feature, so column {} is empty",
            field.source,
            super::nor(&field.aliases),
            field.column
        ));
    }
}

/// The EPSG code of a legacy `"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}`
/// near the start of the file.
fn legacy_crs(head: &str) -> Option<i32> {
    let at = head.find("\"crs\"")?;
    let rest = &head[at..head.len().min(at + 400)];
    let epsg = rest.find("EPSG")?;
    let code: String = rest[epsg..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    if rest.contains("CRS84") {
        Some(4326)
    } else {
        code.parse().ok()
    }
}

/// Visits a `FeatureCollection` object, handing each element of `features` to `on_feature`
/// as it is parsed. Yields whether a `features` array was found.
struct Collection<'a> {
    on_feature: &'a mut dyn FnMut(Json) -> bool,
}

impl<'de> DeserializeSeed<'de> for Collection<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Collection<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "features" {
                map.next_value_seed(Features {
                    on_feature: &mut *self.on_feature,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct Features<'a> {
    on_feature: &'a mut dyn FnMut(Json) -> bool,
}

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(feature) = seq.next_element::<Json>()? {
            if !(self.on_feature)(feature) {
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl FeatureReader for GeoJsonReader {
    fn declared_srid(&self) -> Option<i32> {
        self.srid
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}
