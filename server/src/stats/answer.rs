//! A statistics answer and its three renderings: JSON, CSV and GeoJSON (each row a feature
//! carrying its unit's geometry, ready for a choropleth).

use std::collections::HashMap;
use std::fmt::Write as _;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use tokio_postgres::Row as PgRow;

use super::request::{Format, Measure, Question};
use crate::filter::FieldKind;

/// One row: a unit (and group value, when grouped) and its value.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Unit code (kommunkod, länskod, FA code, `area`, or the border side's code).
    pub code: String,
    /// Unit name.
    pub name: String,
    /// The group value, when grouped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Value>,
    /// The measured value; `null` for an average, least or greatest over no features.
    pub value: Option<f64>,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Features counted (after `where`) reaching the unit.
    pub features: i64,
    /// Area of the unit itself, m².
    pub unit_area_m2: f64,
    /// People living in the unit (population measures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<f64>,
}

/// Totals over every unit asked about: a feature reaching two units counts once.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// The measure over all units together.
    pub value: Option<f64>,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Distinct features.
    pub features: i64,
    /// Area of all units together, m².
    pub unit_area_m2: f64,
    /// People living in all units together (population measures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<f64>,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// Dataset measured.
    pub dataset: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: i64,
    /// Division the rows are units of, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// That division's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division_version: Option<i64>,
    /// `in=`, as asked.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// The measure.
    pub measure: String,
    /// Unit of every value.
    pub unit: &'static str,
    /// The group field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The `where`, as asked.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// For population measures: the grid counted and the method, to cite in a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<Value>,
    /// Extra facts of a drawn area or a border zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Licence of the dataset.
    pub licence: String,
    /// Attribution the dataset requires.
    pub attribution: String,
    /// Attribution of the division's boundaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division_attribution: Option<String>,
    /// Licence of the division's boundaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division_licence: Option<String>,
    /// The rows, by unit code (and group).
    pub rows: Vec<Row>,
    /// The totals.
    pub totals: Totals,
}

/// The value of one SQL answer row for `measure`.
fn value_of(measure: &Measure, row: &PgRow) -> Option<f64> {
    #[expect(
        clippy::cast_precision_loss,
        reason = "feature counts are far below 2^53"
    )]
    match measure {
        Measure::Count => Some(row.get::<_, i64>("features") as f64),
        Measure::Length => Some(row.get("length_m")),
        Measure::Area => Some(row.get("area_m2")),
        Measure::Share => {
            let unit: f64 = row.get("unit_m2");
            let covered: f64 = row.get("covered_m2");
            Some(if unit > 0.0 {
                100.0 * covered / unit
            } else {
                0.0
            })
        }
        Measure::Field(..) | Measure::Population => row.get("value"),
        Measure::PopulationShare => {
            // NULL when no unit was asked about (an `in=` that selects none).
            let people: f64 = row.get::<_, Option<f64>>("people").unwrap_or_default();
            let inside: f64 = row.get::<_, Option<f64>>("value").unwrap_or_default();
            Some(if people > 0.0 {
                100.0 * inside / people
            } else {
                0.0
            })
        }
    }
}

/// The people of the unit, for a population measure.
fn people_of(measure: &Measure, row: &PgRow) -> Option<f64> {
    measure
        .is_population()
        .then(|| row.get::<_, Option<f64>>("people").unwrap_or_default())
}

/// Rows and totals from the SQL of `sql::answer` (the totals row last).
#[must_use]
pub fn rows_and_totals(q: &Question, result: &[PgRow]) -> (Vec<Row>, Totals) {
    let unit = q.measure.unit();
    let group_kind = q.group.as_ref().map(|g| {
        q.dataset
            .fields
            .iter()
            .find(|f| &f.name == g)
            .map_or(FieldKind::Text, |f| FieldKind::of(f.kind))
    });
    let mut rows = Vec::with_capacity(result.len());
    let mut totals = Totals {
        value: None,
        unit,
        features: 0,
        unit_area_m2: 0.0,
        people: None,
    };
    for r in result {
        if r.get::<_, i32>("kind") == 1 {
            totals = Totals {
                value: value_of(&q.measure, r),
                unit,
                features: r.get("features"),
                unit_area_m2: r.get("unit_m2"),
                people: people_of(&q.measure, r),
            };
            continue;
        }
        let group = group_kind.map(|kind| {
            let text: Option<String> = r.get("grp");
            match (kind, text) {
                (_, None) => Value::Null,
                (FieldKind::Number, Some(t)) => t
                    .parse::<f64>()
                    .ok()
                    .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                    .unwrap_or(Value::String(t)),
                (FieldKind::Boolean, Some(t)) => Value::Bool(t == "true"),
                (FieldKind::Text, Some(t)) => Value::String(t),
            }
        });
        rows.push(Row {
            code: r.get("code"),
            name: r.get("name"),
            group,
            value: value_of(&q.measure, r),
            unit,
            features: r.get("features"),
            unit_area_m2: r.get("unit_m2"),
            people: people_of(&q.measure, r),
        });
    }
    (rows, totals)
}

/// A rendered answer, as cached and sent.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The body.
    pub body: Bytes,
    /// Its media type.
    pub content_type: &'static str,
}

impl Answer {
    /// The answer in `format`; GeoJSON takes each unit's geometry (GeoJSON text, WGS 84)
    /// by code.
    #[must_use]
    pub fn render(&self, format: Format, geometries: &HashMap<String, String>) -> Rendered {
        match format {
            Format::Json => Rendered {
                body: serde_json::to_vec(self).unwrap_or_default().into(),
                content_type: "application/json",
            },
            Format::Csv => Rendered {
                body: self.csv().into(),
                content_type: "text/csv; charset=utf-8",
            },
            Format::GeoJson => Rendered {
                body: self.geojson(geometries).into(),
                content_type: "application/geo+json",
            },
        }
    }

    fn csv(&self) -> String {
        let grouped = self.group.is_some();
        let people = self.population.is_some();
        let mut out = String::from(if grouped {
            "code,name,group,value,unit,features,unit_area_m2"
        } else {
            "code,name,value,unit,features,unit_area_m2"
        });
        out.push_str(if people { ",people\r\n" } else { "\r\n" });
        for r in &self.rows {
            let _ = write!(out, "{},{},", csv_field(&r.code), csv_field(&r.name));
            if grouped {
                let g = match &r.group {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                };
                let _ = write!(out, "{},", csv_field(&g));
            }
            let value = r.value.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(
                out,
                "{value},{},{},{}",
                csv_field(r.unit),
                r.features,
                r.unit_area_m2
            );
            if people {
                let _ = write!(out, ",{}", r.people.unwrap_or_default());
            }
            out.push_str("\r\n");
        }
        out
    }

    fn geojson(&self, geometries: &HashMap<String, String>) -> Vec<u8> {
        feature_collection(self, self.rows.iter().map(|r| (&r.code, r)), geometries)
    }
}

/// `answer` as a GeoJSON `FeatureCollection`: its members but `rows`, and each row a feature
/// carrying its unit's geometry (GeoJSON text, WGS 84, by code) for a choropleth.
pub(super) fn feature_collection<'r, R: Serialize + 'r>(
    answer: &impl Serialize,
    rows: impl Iterator<Item = (&'r String, &'r R)>,
    geometries: &HashMap<String, String>,
) -> Vec<u8> {
    let features: Vec<Value> = rows
        .map(|(code, r)| {
            let geometry = geometries
                .get(code)
                .and_then(|g| serde_json::from_str::<Value>(g).ok())
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": serde_json::to_value(r).unwrap_or_default(),
            })
        })
        .collect();
    let mut doc = serde_json::to_value(answer).unwrap_or_default();
    if let Some(map) = doc.as_object_mut() {
        map.remove("rows");
        map.insert("type".into(), json!("FeatureCollection"));
        map.insert("features".into(), Value::Array(features));
    }
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// A CSV field, quoted when it holds a separator, quote or line break.
pub(super) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
