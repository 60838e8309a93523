//! A small WKB writer (little endian, 2D) for readers whose formats do not carry WKB:
//! Shapefile, GeoJSON and CSV coordinates. PostGIS validates and repairs what it receives.

use serde_json::Value;

const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const COLLECTION: u32 = 7;

/// Builds WKB into a buffer.
#[derive(Default)]
pub(crate) struct Wkb(Vec<u8>);

impl Wkb {
    fn header(&mut self, kind: u32) {
        self.0.push(1);
        self.0.extend_from_slice(&kind.to_le_bytes());
    }

    fn count(&mut self, n: usize) {
        self.0
            .extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    fn coords(&mut self, pts: &[(f64, f64)]) {
        self.count(pts.len());
        for (x, y) in pts {
            self.0.extend_from_slice(&x.to_le_bytes());
            self.0.extend_from_slice(&y.to_le_bytes());
        }
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// A point.
pub(crate) fn point(x: f64, y: f64) -> Vec<u8> {
    let mut w = Wkb::default();
    w.header(POINT);
    w.0.extend_from_slice(&x.to_le_bytes());
    w.0.extend_from_slice(&y.to_le_bytes());
    w.into_bytes()
}

/// A multipoint.
pub(crate) fn multipoint(pts: &[(f64, f64)]) -> Vec<u8> {
    let mut w = Wkb::default();
    w.header(MULTIPOINT);
    w.count(pts.len());
    for (x, y) in pts {
        w.0.extend_from_slice(&point(*x, *y));
    }
    w.into_bytes()
}

/// A multilinestring of `parts`.
pub(crate) fn multilinestring(parts: &[Vec<(f64, f64)>]) -> Vec<u8> {
    let mut w = Wkb::default();
    w.header(MULTILINESTRING);
    w.count(parts.len());
    for part in parts {
        w.header(LINESTRING);
        w.coords(part);
    }
    w.into_bytes()
}

/// A multipolygon of polygons, each a list of rings (outer first).
pub(crate) fn multipolygon(polygons: &[Vec<Vec<(f64, f64)>>]) -> Vec<u8> {
    let mut w = Wkb::default();
    w.header(MULTIPOLYGON);
    w.count(polygons.len());
    for rings in polygons {
        w.header(POLYGON);
        w.count(rings.len());
        for ring in rings {
            w.coords(ring);
        }
    }
    w.into_bytes()
}

/// WKB of a GeoJSON geometry object.
pub(crate) fn from_geojson(geometry: &Value) -> Result<Vec<u8>, String> {
    let mut w = Wkb::default();
    write_geojson(&mut w, geometry)?;
    Ok(w.into_bytes())
}

fn position(v: &Value) -> Result<(f64, f64), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Ok((x, y)),
            _ => Err(format!("position {v} is not numeric")),
        },
        _ => Err(format!("position {v} needs two numbers")),
    }
}

fn positions(v: &Value) -> Result<Vec<(f64, f64)>, String> {
    v.as_array()
        .ok_or("coordinates are not an array")?
        .iter()
        .map(position)
        .collect()
}

fn arrays(v: &Value) -> Result<&Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| "coordinates are not an array".to_owned())
}

fn write_geojson(out: &mut Wkb, geometry: &Value) -> Result<(), String> {
    let kind = geometry["type"].as_str().ok_or("geometry has no type")?;
    let coords = &geometry["coordinates"];
    match kind {
        "Point" => {
            let (x, y) = position(coords)?;
            out.0.extend_from_slice(&point(x, y));
        }
        "MultiPoint" => out.0.extend_from_slice(&multipoint(&positions(coords)?)),
        "LineString" => {
            out.header(LINESTRING);
            out.coords(&positions(coords)?);
        }
        "MultiLineString" => {
            let parts = arrays(coords)?
                .iter()
                .map(positions)
                .collect::<Result<Vec<_>, _>>()?;
            out.0.extend_from_slice(&multilinestring(&parts));
        }
        "Polygon" => {
            let rings = arrays(coords)?
                .iter()
                .map(positions)
                .collect::<Result<Vec<_>, _>>()?;
            out.0.extend_from_slice(&multipolygon(&[rings]));
        }
        "MultiPolygon" => {
            let polys = arrays(coords)?
                .iter()
                .map(|p| {
                    arrays(p)?
                        .iter()
                        .map(positions)
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.0.extend_from_slice(&multipolygon(&polys));
        }
        "GeometryCollection" => {
            let parts = geometry["geometries"]
                .as_array()
                .ok_or("GeometryCollection without geometries")?;
            out.header(COLLECTION);
            out.count(parts.len());
            for part in parts {
                write_geojson(out, part)?;
            }
        }
        other => return Err(format!("unknown geometry type {other:?}")),
    }
    Ok(())
}
