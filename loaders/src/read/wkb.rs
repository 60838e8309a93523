//! A small WKB writer (ISO, little endian) for readers whose formats do not carry WKB:
//! Shapefile, GeoJSON and CSV coordinates. A third ordinate (Shapefile Z or M, a GeoJSON
//! altitude) is written as the file has it, so the load sees it and reports it before it
//! stores the geometry in 2D; PostGIS validates and repairs what it receives.

use serde_json::Value;

const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const COLLECTION: u32 = 7;

/// The ordinates each position carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dims {
    /// x, y.
    Xy,
    /// x, y, z (elevation).
    Xyz,
    /// x, y, m (a measure, e.g. along a road link).
    Xym,
}

impl Dims {
    /// What ISO WKB adds to a geometry type code for these ordinates.
    fn type_offset(self) -> u32 {
        match self {
            Self::Xy => 0,
            Self::Xyz => 1000,
            Self::Xym => 2000,
        }
    }
}

/// One position: x, y and the third ordinate (ignored for [`Dims::Xy`]).
pub(crate) type Pos = [f64; 3];

/// Builds WKB into a buffer.
pub(crate) struct Wkb {
    buf: Vec<u8>,
    dims: Dims,
}

impl Wkb {
    fn new(dims: Dims) -> Self {
        Self {
            buf: Vec::new(),
            dims,
        }
    }

    fn header(&mut self, kind: u32) {
        self.buf.push(1);
        self.buf
            .extend_from_slice(&(kind + self.dims.type_offset()).to_le_bytes());
    }

    fn count(&mut self, n: usize) {
        self.buf
            .extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    fn pos(&mut self, p: &Pos) {
        let n = if self.dims == Dims::Xy { 2 } else { 3 };
        for v in &p[..n] {
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn coords(&mut self, pts: &[Pos]) {
        self.count(pts.len());
        for p in pts {
            self.pos(p);
        }
    }

    fn point(&mut self, p: &Pos) {
        self.header(POINT);
        self.pos(p);
    }

    fn multipoint(&mut self, pts: &[Pos]) {
        self.header(MULTIPOINT);
        self.count(pts.len());
        for p in pts {
            self.point(p);
        }
    }

    fn multilinestring(&mut self, parts: &[Vec<Pos>]) {
        self.header(MULTILINESTRING);
        self.count(parts.len());
        for part in parts {
            self.header(LINESTRING);
            self.coords(part);
        }
    }

    fn multipolygon(&mut self, polygons: &[Vec<Vec<Pos>>]) {
        self.header(MULTIPOLYGON);
        self.count(polygons.len());
        for rings in polygons {
            self.header(POLYGON);
            self.count(rings.len());
            for ring in rings {
                self.coords(ring);
            }
        }
    }
}

/// A 2D point.
pub(crate) fn point(x: f64, y: f64) -> Vec<u8> {
    let mut w = Wkb::new(Dims::Xy);
    w.point(&[x, y, 0.0]);
    w.buf
}

/// A point with `dims` ordinates.
pub(crate) fn point_dims(dims: Dims, p: &Pos) -> Vec<u8> {
    let mut w = Wkb::new(dims);
    w.point(p);
    w.buf
}

/// A multipoint.
pub(crate) fn multipoint(dims: Dims, pts: &[Pos]) -> Vec<u8> {
    let mut w = Wkb::new(dims);
    w.multipoint(pts);
    w.buf
}

/// A multilinestring of `parts`.
pub(crate) fn multilinestring(dims: Dims, parts: &[Vec<Pos>]) -> Vec<u8> {
    let mut w = Wkb::new(dims);
    w.multilinestring(parts);
    w.buf
}

/// A multipolygon of polygons, each a list of rings (outer first).
pub(crate) fn multipolygon(dims: Dims, polygons: &[Vec<Vec<Pos>>]) -> Vec<u8> {
    let mut w = Wkb::new(dims);
    w.multipolygon(polygons);
    w.buf
}

/// WKB of a GeoJSON geometry object. A geometry whose first position has an altitude is
/// written with Z (positions without one get 0, as RFC 7946 lets a reader assume).
pub(crate) fn from_geojson(geometry: &Value) -> Result<Vec<u8>, String> {
    let dims = if first_position(geometry).is_some_and(|p| p.len() > 2) {
        Dims::Xyz
    } else {
        Dims::Xy
    };
    let mut w = Wkb::new(dims);
    write_geojson(&mut w, geometry, 0)?;
    Ok(w.buf)
}

/// The first position of a geometry, however deeply nested.
fn first_position(geometry: &Value) -> Option<&Vec<Value>> {
    if let Some(parts) = geometry["geometries"].as_array() {
        return parts.first().and_then(first_position);
    }
    let mut v = &geometry["coordinates"];
    loop {
        let a = v.as_array()?;
        match a.first() {
            Some(inner @ Value::Array(_)) => v = inner,
            Some(_) => return Some(a),
            None => return None,
        }
    }
}

fn position(v: &Value) -> Result<Pos, String> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y, rest @ ..]) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Ok([x, y, rest.first().and_then(Value::as_f64).unwrap_or(0.0)]),
            _ => Err(format!("position {v} is not numeric")),
        },
        _ => Err(format!("position {v} needs two numbers")),
    }
}

fn positions(v: &Value) -> Result<Vec<Pos>, String> {
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

/// Nested collections deeper than this are refused: real data has one level, and an
/// unbounded depth would let a crafted file exhaust the reader's stack.
const MAX_COLLECTION_DEPTH: usize = 8;

fn write_geojson(out: &mut Wkb, geometry: &Value, depth: usize) -> Result<(), String> {
    let kind = geometry["type"].as_str().ok_or("geometry has no type")?;
    let coords = &geometry["coordinates"];
    match kind {
        "Point" => out.point(&position(coords)?),
        "MultiPoint" => out.multipoint(&positions(coords)?),
        "LineString" => out.multilinestring(&[positions(coords)?]),
        "MultiLineString" => {
            let parts = arrays(coords)?
                .iter()
                .map(positions)
                .collect::<Result<Vec<_>, _>>()?;
            out.multilinestring(&parts);
        }
        "Polygon" => {
            let rings = arrays(coords)?
                .iter()
                .map(positions)
                .collect::<Result<Vec<_>, _>>()?;
            out.multipolygon(&[rings]);
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
            out.multipolygon(&polys);
        }
        "GeometryCollection" => {
            if depth >= MAX_COLLECTION_DEPTH {
                return Err(format!(
                    "GeometryCollections nested deeper than {MAX_COLLECTION_DEPTH}"
                ));
            }
            let parts = geometry["geometries"]
                .as_array()
                .ok_or("GeometryCollection without geometries")?;
            out.header(COLLECTION);
            out.count(parts.len());
            for part in parts {
                write_geojson(out, part, depth + 1)?;
            }
        }
        other => return Err(format!("unknown geometry type {other:?}")),
    }
    Ok(())
}
