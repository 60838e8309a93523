//! Zipped (or plain) ESRI Shapefile: `.shp` geometry, `.dbf` attributes in the encoding its
//! `.cpg` names (or the catalog's, or UTF-8), CRS from the `.prj`, which must be there.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape, ShapeReader};

use super::archive::{self, Local};
use super::wkb::{self, Pos};
use super::{Feature, FeatureReader, Input, Notes, Value};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

const FORMAT: &str = "Shapefile";

pub(super) struct ShapefileReader {
    input: String,
    local: Local,
    srid: Option<i32>,
    encoding: &'static encoding_rs::Encoding,
    /// The DBF field name of each catalog field, if present.
    fields: Vec<Option<String>>,
    notes: Notes,
}

/// `path` with extension `ext` in either case (agency zips mix `.PRJ` and `.prj`).
fn sidecar(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_owned(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

/// The encoding a `.cpg` names: a label ("UTF-8", "ISO-8859-1") or a bare code page ("1252").
fn encoding_for(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim().trim_start_matches('\u{feff}');
    let digits: String = label.chars().filter(char::is_ascii_digit).collect();
    encoding_rs::Encoding::for_label(label.as_bytes()).or_else(|| {
        (!digits.is_empty())
            .then(|| encoding_rs::Encoding::for_label(format!("windows-{digits}").as_bytes()))
            .flatten()
    })
}

impl ShapefileReader {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let name = input.name();
        let bad = LoadError::format(&name, FORMAT);
        let local = archive::local(input, "shp", entry.source.member.as_deref(), FORMAT)?;
        let prj = sidecar(&local.path, "prj").ok_or_else(|| {
            bad(format!(
                "no .prj beside {}: the CRS is unknown (the catalog expects {})",
                local
                    .path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                entry.source.crs
            ))
        })?;
        let srid = std::fs::read_to_string(&prj)
            .ok()
            .and_then(|w| super::srid_from_wkt(&w));
        let encoding = match sidecar(&local.path, "cpg") {
            Some(cpg) => {
                let label = std::fs::read_to_string(&cpg).unwrap_or_default();
                encoding_for(&label).ok_or_else(|| {
                    bad(format!(".cpg names an unknown encoding {:?}", label.trim()))
                })?
            }
            None => match &entry.source.encoding {
                Some(label) => encoding_for(label)
                    .ok_or_else(|| bad(format!("catalog encoding {label:?} is unknown")))?,
                None => encoding_rs::UTF_8,
            },
        };
        let dbf = Self::dbf(&local.path, encoding).map_err(&bad)?;
        let names: Vec<String> = dbf.fields().iter().map(|f| f.name().to_owned()).collect();
        let notes = Notes::default();
        let fields = super::resolve_fields(entry, &name, &names, &notes)?
            .into_iter()
            .map(|i| i.map(|i| names[i].clone()))
            .collect();
        Ok(Self {
            input: name,
            local,
            srid,
            encoding,
            fields,
            notes,
        })
    }

    fn dbf(
        shp: &Path,
        encoding: &'static encoding_rs::Encoding,
    ) -> Result<dbase::Reader<BufReader<File>>, String> {
        let path = sidecar(shp, "dbf").ok_or("no .dbf beside the .shp")?;
        let file = File::open(&path).map_err(|e| e.to_string())?;
        dbase::ReaderBuilder::new()
            .with_encoding(dbase::encoding::EncodingRs::from(encoding))
            .build(BufReader::new(file))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn run(&self, emit: &mut dyn FnMut(Result<Feature>) -> bool) -> Result<()> {
        let bad = LoadError::format(&self.input, FORMAT);
        let shapes = ShapeReader::from_path(&self.local.path).map_err(|e| bad(e.to_string()))?;
        let dbf = Self::dbf(&self.local.path, self.encoding).map_err(&bad)?;
        let mut reader = shapefile::Reader::new(shapes, dbf);
        for (i, item) in reader.iter_shapes_and_records().enumerate() {
            let number = i as u64 + 1;
            let (shape, record) = item.map_err(|e| bad(format!("feature {number}: {e}")))?;
            let wkb = to_wkb(&shape).map_err(|m| bad(format!("feature {number}: {m}")))?;
            let mut values = Vec::with_capacity(self.fields.len());
            for field in &self.fields {
                let value = field
                    .as_deref()
                    .and_then(|f| record.get(f))
                    .map_or(Value::Null, convert);
                if let Value::Text(t) = &value
                    && t.contains('\u{fffd}')
                {
                    return Err(LoadError::Value {
                        input: self.input.clone(),
                        feature: number,
                        field: field.clone().unwrap_or_default(),
                        message: format!(
                            "text is not valid {}: add a .cpg or set the catalog's `encoding`",
                            self.encoding.name()
                        ),
                    });
                }
                values.push(value);
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

fn convert(v: &FieldValue) -> Value {
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => {
            Value::Text(s.trim_end().to_owned())
        }
        FieldValue::Numeric(Some(n)) | FieldValue::Currency(n) | FieldValue::Double(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked integral and in range"
                )]
                Value::Integer(*n as i64)
            } else {
                Value::Double(*n)
            }
        }
        FieldValue::Float(Some(f)) => Value::Double(f64::from(*f)),
        FieldValue::Integer(i) => Value::Integer(i64::from(*i)),
        FieldValue::Logical(Some(b)) => Value::Boolean(*b),
        FieldValue::Date(Some(d)) => {
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

/// Positions with their third ordinate: `z` for the Z shapes (their M is dropped here, as
/// the load drops both), `m` for the M shapes.
macro_rules! pos {
    ($pts:expr, xy) => {
        $pts.iter().map(|p| [p.x, p.y, 0.0]).collect::<Vec<_>>()
    };
    ($pts:expr, $third:ident) => {
        $pts.iter()
            .map(|p| [p.x, p.y, p.$third])
            .collect::<Vec<_>>()
    };
}

macro_rules! polygons {
    ($dims:expr, $rings:expr, $third:ident) => {{
        // Outer rings start polygons; holes belong to the outer ring before them (ESRI order).
        let mut polys: Vec<Vec<Vec<Pos>>> = Vec::new();
        for ring in $rings {
            match ring {
                PolygonRing::Outer(pts) => polys.push(vec![pos!(pts, $third)]),
                PolygonRing::Inner(pts) => match polys.last_mut() {
                    Some(p) => p.push(pos!(pts, $third)),
                    None => polys.push(vec![pos!(pts, $third)]),
                },
            }
        }
        wkb::multipolygon($dims, &polys)
    }};
}

macro_rules! lines {
    ($dims:expr, $l:expr, $third:ident) => {
        wkb::multilinestring(
            $dims,
            &$l.parts()
                .iter()
                .map(|p| pos!(p, $third))
                .collect::<Vec<_>>(),
        )
    };
}

fn to_wkb(shape: &Shape) -> Result<Option<Vec<u8>>, String> {
    use wkb::Dims::{Xy, Xym, Xyz};
    Ok(Some(match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(p) => wkb::point(p.x, p.y),
        Shape::PointM(p) => wkb::point_dims(Xym, &[p.x, p.y, p.m]),
        Shape::PointZ(p) => wkb::point_dims(Xyz, &[p.x, p.y, p.z]),
        Shape::Multipoint(m) => wkb::multipoint(Xy, &pos!(m.points(), xy)),
        Shape::MultipointM(m) => wkb::multipoint(Xym, &pos!(m.points(), m)),
        Shape::MultipointZ(m) => wkb::multipoint(Xyz, &pos!(m.points(), z)),
        Shape::Polyline(l) => lines!(Xy, l, xy),
        Shape::PolylineM(l) => lines!(Xym, l, m),
        Shape::PolylineZ(l) => lines!(Xyz, l, z),
        Shape::Polygon(p) => polygons!(Xy, p.rings(), xy),
        Shape::PolygonM(p) => polygons!(Xym, p.rings(), m),
        Shape::PolygonZ(p) => polygons!(Xyz, p.rings(), z),
        Shape::Multipatch(_) => return Err("Multipatch shapes are not supported".into()),
    }))
}

impl FeatureReader for ShapefileReader {
    fn declared_srid(&self) -> Option<i32> {
        self.srid
    }

    fn feature_count(&self) -> Option<u64> {
        ShapeReader::from_path(&self.local.path)
            .ok()
            .and_then(|r| r.shape_count().ok())
            .and_then(|n| u64::try_from(n).ok())
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}
