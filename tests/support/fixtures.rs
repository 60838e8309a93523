//! Small files in the agencies' real published formats, written from a catalog entry: its
//! source field names, CRS, encoding, delimiter, layer and zip member. Three features a file,
//! Swedish characters in every text value; where the catalog filters rows, the third feature
//! is one the filter drops.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rummet_loaders::catalog::{CatalogEntry, FieldType, GeometryKind, SourceFormat};
use serde_json::json;

/// Features written per fixture.
pub const FEATURES: usize = 3;
/// Where the fixtures lie: around Jönköping, in SWEREF 99 TM and in WGS 84.
pub const E0: f64 = 460_000.0;
pub const N0: f64 = 6_405_000.0;
pub const LON0: f64 = 14.30;
pub const LAT0: f64 = 57.78;

pub const SWEREF99_TM_WKT: &str = r#"PROJCS["SWEREF99 TM",GEOGCS["SWEREF99",DATUM["SWEREF99",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4619"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","3006"]]"#;

/// The text a fixture holds in `column` of feature `i`.
pub fn text_value(entry: &CatalogEntry, column: &str, i: usize) -> String {
    match &entry.filter {
        Some(f) if f.column == column => {
            if i < FEATURES - 1 {
                f.values[0].clone()
            } else {
                "Upphävt".to_owned()
            }
        }
        _ => format!("Åäö {column} {i}"),
    }
}

/// How many fixture features the entry's filter keeps.
pub fn kept(entry: &CatalogEntry) -> usize {
    if entry.filter.is_some() {
        FEATURES - 1
    } else {
        FEATURES
    }
}

fn srid(entry: &CatalogEntry) -> i32 {
    entry.source.srid().expect("catalog CRS")
}

/// The ring, line or point of feature `i` in the entry's CRS.
fn coords(entry: &CatalogEntry, i: usize) -> Vec<(f64, f64)> {
    #[expect(clippy::cast_precision_loss, reason = "tiny index")]
    let i = i as f64;
    let (x0, y0, d) = if srid(entry) == 4326 {
        (LON0 + i * 0.02, LAT0, 0.01)
    } else {
        (E0 + i * 1000.0, N0, 800.0)
    };
    match entry.geometry {
        GeometryKind::Point => vec![(x0 + d / 2.0, y0 + d / 2.0)],
        GeometryKind::Line => vec![(x0, y0), (x0 + d, y0 + d)],
        GeometryKind::Polygon => vec![
            (x0, y0),
            (x0, y0 + d),
            (x0 + d, y0 + d),
            (x0 + d, y0),
            (x0, y0),
        ],
    }
}

fn wkb(entry: &CatalogEntry, i: usize) -> Vec<u8> {
    let pts = coords(entry, i);
    let mut out = vec![1u8];
    let (kind, with_count, rings) = match entry.geometry {
        GeometryKind::Point => (1u32, false, 0),
        GeometryKind::Line => (2, true, 0),
        GeometryKind::Polygon => (3, true, 1u32),
    };
    out.extend_from_slice(&kind.to_le_bytes());
    if rings > 0 {
        out.extend_from_slice(&rings.to_le_bytes());
    }
    if with_count {
        out.extend_from_slice(&u32::try_from(pts.len()).expect("small").to_le_bytes());
    }
    for (x, y) in pts {
        out.extend_from_slice(&x.to_le_bytes());
        out.extend_from_slice(&y.to_le_bytes());
    }
    out
}

/// Writes the fixture for `entry` into `dir`; returns the file to load.
pub fn write(entry: &CatalogEntry, dir: &Path) -> PathBuf {
    match entry.source.format {
        SourceFormat::GeoPackage => geopackage(entry, dir),
        SourceFormat::Shapefile => shapefile(entry, dir, "UTF-8"),
        SourceFormat::Csv => csv(entry, dir),
        SourceFormat::GeoJson => geojson(entry, dir),
        SourceFormat::GeoParquet => panic!("GeoParquet fixtures are the vendored demo files"),
        SourceFormat::JsonStat => panic!("JSON-stat fixtures are written by tests/population.rs"),
    }
}

fn zip_files(target: &Path, files: &[PathBuf]) {
    let mut zip = zip::ZipWriter::new(File::create(target).expect("zip"));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for f in files {
        zip.start_file(f.file_name().expect("name").to_string_lossy(), options)
            .expect("zip entry");
        zip.write_all(&std::fs::read(f).expect("read"))
            .expect("write");
    }
    zip.finish().expect("zip finish");
}

fn geopackage(entry: &CatalogEntry, dir: &Path) -> PathBuf {
    // A layer pattern (`lämningar_*_point`) is written as the national file names it.
    let layer = entry
        .source
        .layer
        .as_deref()
        .map_or_else(|| entry.id.to_string(), |l| l.replace('*', "sverige"));
    let zipped = Path::new(&entry.source.file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let gpkg = if zipped {
        dir.join(format!(
            "{}.gpkg",
            entry
                .source
                .member
                .clone()
                .unwrap_or_else(|| entry.id.to_string())
        ))
    } else {
        dir.join(&entry.source.file)
    };
    let db = rusqlite::Connection::open(&gpkg).expect("sqlite");
    let srid = srid(entry);
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    gpkg_metadata(&db, srid);
    let cols: Vec<String> = entry
        .fields
        .iter()
        .map(|f| {
            let kind = match f.kind {
                FieldType::Text => "TEXT",
                FieldType::Integer | FieldType::Boolean => "INTEGER",
                FieldType::Double => "REAL",
            };
            format!("{} {kind}", q(&f.source))
        })
        .collect();
    db.execute_batch(&format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, {})",
        q(&layer),
        cols.join(", ")
    ))
    .expect("layer");
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES (?1, 'features', ?2)",
        rusqlite::params![layer, srid],
    )
    .expect("contents");
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'GEOMETRY', ?2, 0, 0)",
        rusqlite::params![layer, srid],
    )
    .expect("geometry columns");
    for i in 0..FEATURES {
        let mut blob = b"GP\x00\x01".to_vec();
        blob.extend_from_slice(&srid.to_le_bytes());
        blob.extend_from_slice(&wkb(entry, i));
        let mut values: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(blob)];
        for f in &entry.fields {
            #[expect(
                clippy::cast_possible_wrap,
                clippy::cast_precision_loss,
                reason = "tiny index"
            )]
            values.push(match f.kind {
                FieldType::Text => Box::new(text_value(entry, &f.column, i)),
                FieldType::Integer => Box::new(i as i64 + 1),
                FieldType::Double => Box::new((i as f64 + 1.0) * 1.5),
                FieldType::Boolean => Box::new(1),
            });
        }
        let marks: Vec<String> = (1..=values.len()).map(|n| format!("?{n}")).collect();
        let names: Vec<String> = entry.fields.iter().map(|f| q(&f.source)).collect();
        db.execute(
            &format!(
                "INSERT INTO {} (geom, {}) VALUES ({})",
                q(&layer),
                names.join(", "),
                marks.join(", ")
            ),
            rusqlite::params_from_iter(values.iter()),
        )
        .expect("feature");
    }
    drop(db);
    if zipped {
        let target = dir.join(&entry.source.file);
        zip_files(&target, &[gpkg]);
        target
    } else {
        gpkg
    }
}

/// The GeoPackage metadata tables, with the SRS the fixture uses.
pub fn gpkg_metadata(db: &rusqlite::Connection, srid: i32) {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '',
           last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);",
    )
    .expect("gpkg tables");
    db.execute(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
        rusqlite::params![format!("EPSG:{srid}"), srid, SWEREF99_TM_WKT],
    )
    .expect("srs");
}

/// A zipped Shapefile with `.prj`, and a `.cpg` naming `encoding` (none when empty). A
/// dataset published as several files in one zip gets its features dealt out over them.
pub fn shapefile(entry: &CatalogEntry, dir: &Path, cpg: &str) -> PathBuf {
    shapefile_with(entry, dir, cpg, false)
}

/// A zipped Shapefile of Z shapes (`PointZ`, `PolylineZ`, `PolygonZ`: elevation 42 m), as
/// surveyed data is published.
pub fn shapefile_z(entry: &CatalogEntry, dir: &Path) -> PathBuf {
    shapefile_with(entry, dir, "UTF-8", true)
}

fn shapefile_with(entry: &CatalogEntry, dir: &Path, cpg: &str, z: bool) -> PathBuf {
    let stems: Vec<String> = if entry.source.members.is_empty() {
        vec![
            entry
                .source
                .member
                .clone()
                .unwrap_or_else(|| entry.id.to_string()),
        ]
    } else {
        entry.source.members.clone()
    };
    let mut files = Vec::new();
    for (k, stem) in stems.iter().enumerate() {
        let features: Vec<usize> = (0..FEATURES).filter(|i| i % stems.len() == k).collect();
        files.extend(shapefile_parts(entry, dir, stem, (cpg, z), &features));
    }
    let target = dir.join(&entry.source.file);
    zip_files(&target, &files);
    target
}

/// Writes `<stem>.shp` and its sidecars with the fixture features `features`.
fn shapefile_parts(
    entry: &CatalogEntry,
    dir: &Path,
    stem: &str,
    (cpg, z): (&str, bool),
    features: &[usize],
) -> Vec<PathBuf> {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    let shp = dir.join(format!("{stem}.shp"));
    let encoding: &'static encoding_rs::Encoding = if cpg == "1252" {
        encoding_rs::WINDOWS_1252
    } else {
        encoding_rs::UTF_8
    };
    let mut table =
        TableWriterBuilder::with_encoding(shapefile::dbase::encoding::EncodingRs::from(encoding));
    for f in &entry.fields {
        let name = FieldName::try_from(f.source.as_str())
            .expect("DBF field names are 10 characters at most");
        table = match f.kind {
            FieldType::Text => table.add_character_field(name, 80),
            FieldType::Integer => table.add_numeric_field(name, 18, 0),
            FieldType::Double => table.add_numeric_field(name, 18, 4),
            FieldType::Boolean => table.add_logical_field(name),
        };
    }
    let mut writer = shapefile::Writer::from_path(&shp, table).expect("shapefile writer");
    for &i in features {
        let mut record = Record::default();
        for f in &entry.fields {
            #[expect(clippy::cast_precision_loss, reason = "tiny index")]
            let value = match f.kind {
                FieldType::Text => FieldValue::Character(Some(text_value(entry, &f.column, i))),
                FieldType::Integer => FieldValue::Numeric(Some(i as f64 + 1.0)),
                FieldType::Double => FieldValue::Numeric(Some((i as f64 + 1.0) * 1.5)),
                FieldType::Boolean => FieldValue::Logical(Some(true)),
            };
            record.insert(f.source.clone(), value);
        }
        if z {
            let pts: Vec<shapefile::PointZ> = coords(entry, i)
                .into_iter()
                .map(|(x, y)| shapefile::PointZ::new(x, y, 42.0, shapefile::NO_DATA))
                .collect();
            match entry.geometry {
                GeometryKind::Point => writer.write_shape_and_record(&pts[0], &record),
                GeometryKind::Line => {
                    writer.write_shape_and_record(&shapefile::PolylineZ::new(pts), &record)
                }
                GeometryKind::Polygon => writer.write_shape_and_record(
                    &shapefile::PolygonZ::new(shapefile::PolygonRing::Outer(pts)),
                    &record,
                ),
            }
            .expect("shape");
            continue;
        }
        let pts: Vec<shapefile::Point> = coords(entry, i)
            .into_iter()
            .map(|(x, y)| shapefile::Point::new(x, y))
            .collect();
        match entry.geometry {
            GeometryKind::Point => writer.write_shape_and_record(&pts[0], &record),
            GeometryKind::Line => {
                writer.write_shape_and_record(&shapefile::Polyline::new(pts), &record)
            }
            GeometryKind::Polygon => writer.write_shape_and_record(
                &shapefile::Polygon::new(shapefile::PolygonRing::Outer(pts)),
                &record,
            ),
        }
        .expect("shape");
    }
    drop(writer);
    let mut files = vec![
        shp.clone(),
        shp.with_extension("shx"),
        shp.with_extension("dbf"),
    ];
    std::fs::write(shp.with_extension("prj"), SWEREF99_TM_WKT).expect("prj");
    files.push(shp.with_extension("prj"));
    if !cpg.is_empty() {
        std::fs::write(shp.with_extension("cpg"), cpg).expect("cpg");
        files.push(shp.with_extension("cpg"));
    }
    files
}

fn csv(entry: &CatalogEntry, dir: &Path) -> PathBuf {
    let d = entry.source.delimiter.unwrap_or(',').to_string();
    let (x, y) = (
        entry.source.x.clone().expect("x"),
        entry.source.y.clone().expect("y"),
    );
    let mut text = entry
        .fields
        .iter()
        .map(|f| f.source.clone())
        .chain([x, y])
        .collect::<Vec<_>>()
        .join(&d);
    text.push_str("\r\n");
    for i in 0..FEATURES {
        let (px, py) = coords(entry, i)[0];
        let mut row: Vec<String> = entry
            .fields
            .iter()
            .map(|f| match f.kind {
                FieldType::Text => text_value(entry, &f.column, i),
                FieldType::Integer => (i + 1).to_string(),
                #[expect(clippy::cast_precision_loss, reason = "tiny index")]
                FieldType::Double => format!("{}", (i as f64 + 1.0) * 1.5).replace('.', ","),
                FieldType::Boolean => "1".into(),
            })
            .collect();
        // Swedish exports write decimal commas in coordinates too.
        row.push(format!("{px:.2}").replace('.', ","));
        row.push(format!("{py:.2}").replace('.', ","));
        text.push_str(&row.join(&d));
        text.push_str("\r\n");
    }
    let encoding = entry
        .source
        .encoding
        .as_deref()
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (bytes, _, unmappable) = encoding.encode(&text);
    assert!(!unmappable);
    let path = dir.join(&entry.source.file);
    std::fs::write(&path, bytes).expect("csv");
    path
}

fn geojson(entry: &CatalogEntry, dir: &Path) -> PathBuf {
    let features: Vec<_> = (0..FEATURES)
        .map(|i| {
            let props: serde_json::Map<String, serde_json::Value> = entry
                .fields
                .iter()
                .map(|f| {
                    #[expect(clippy::cast_precision_loss, reason = "tiny index")]
                    let v = match f.kind {
                        FieldType::Text => json!(text_value(entry, &f.column, i)),
                        FieldType::Integer => json!(i + 1),
                        FieldType::Double => json!((i as f64 + 1.0) * 1.5),
                        FieldType::Boolean => json!(true),
                    };
                    (f.source.clone(), v)
                })
                .collect();
            let pts: Vec<[f64; 2]> = coords(entry, i).into_iter().map(|(x, y)| [x, y]).collect();
            let geometry = match entry.geometry {
                GeometryKind::Point => json!({"type": "Point", "coordinates": pts[0]}),
                GeometryKind::Line => json!({"type": "LineString", "coordinates": pts}),
                GeometryKind::Polygon => json!({"type": "Polygon", "coordinates": [pts]}),
            };
            json!({"type": "Feature", "properties": props, "geometry": geometry})
        })
        .collect();
    let path = dir.join(&entry.source.file);
    std::fs::write(
        &path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .expect("geojson");
    path
}
