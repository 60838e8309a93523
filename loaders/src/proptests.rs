//! Property tests of the readers that take untrusted files: arbitrary and corrupted GeoJSON,
//! CSV, Shapefile (`.shp`, `.dbf`), GeoPackage geometry blobs, GeoParquet and zip archives
//! give features or an error, never a panic (a panic in a reader thread would end its stream
//! like a finished file). Run with the loaders' unit tests; the case counts are below.

use proptest::prelude::*;
use rummet_core::DatasetId;

use crate::catalog::{self, CatalogEntry};
use crate::read::{self, Input};

fn entry(id: &str) -> &'static CatalogEntry {
    catalog::get(&DatasetId::parse(id).expect("id")).expect("entry")
}

/// Opens and reads `data` as `id`'s format to the end; the number of features and errors.
fn read_through(id: &str, name: &str, data: Vec<u8>) -> (usize, usize) {
    let input = Input::Bytes {
        name: name.to_owned(),
        data: bytes::Bytes::from(data),
    };
    let Ok(reader) = read::open(entry(id), &input) else {
        return (0, 1);
    };
    let (mut ok, mut err) = (0, 0);
    reader.read_all(&mut |f| {
        if f.is_ok() {
            ok += 1;
        } else {
            err += 1;
        }
        ok < 10_000
    });
    (ok, err)
}

/// Arbitrary edits of `base`: bytes overwritten, cut short, or spliced with noise.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    (
        prop::collection::vec((0..len, any::<u8>()), 1..8),
        prop::option::of(0..len),
    )
        .prop_map(move |(edits, cut)| {
            let mut out = base.clone();
            for (at, b) in edits {
                out[at] = b;
            }
            if let Some(cut) = cut {
                out.truncate(cut);
            }
            out
        })
}

/// A small zipped Shapefile of three polygons with a DBF and a `.prj`, written in memory.
fn shapefile_zip() -> Vec<u8> {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tmp");
    let shp = dir.path().join("NR.shp");
    let mut table = TableWriterBuilder::new();
    for f in &entry("naturreservat").fields {
        table =
            table.add_character_field(FieldName::try_from(f.source.as_str()).expect("name"), 20);
    }
    let mut writer = shapefile::Writer::from_path(&shp, table).expect("writer");
    for i in 0..3 {
        let x = 460_000.0 + f64::from(i) * 1000.0;
        let ring = vec![
            shapefile::Point::new(x, 6_405_000.0),
            shapefile::Point::new(x, 6_405_800.0),
            shapefile::Point::new(x + 800.0, 6_405_800.0),
            shapefile::Point::new(x, 6_405_000.0),
        ];
        let mut record = Record::default();
        for f in &entry("naturreservat").fields {
            record.insert(
                f.source.clone(),
                FieldValue::Character(Some("Gällande".into())),
            );
        }
        writer
            .write_shape_and_record(
                &shapefile::Polygon::new(shapefile::PolygonRing::Outer(ring)),
                &record,
            )
            .expect("shape");
    }
    drop(writer);
    std::fs::write(shp.with_extension("prj"), "PROJCS[\"SWEREF99 TM\"]").expect("prj");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for ext in ["shp", "shx", "dbf", "prj"] {
        zip.start_file(
            format!("NR.{ext}"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        zip.write_all(&std::fs::read(shp.with_extension(ext)).expect("read"))
            .expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_read_as_geojson_gives_features_or_an_error(text in "\\PC{0,200}|\\{\"type\":\"FeatureCollection\",\"features\":\\[[ -~]{0,200}") {
        read_through("riksintresse_vindbruk", "fuzz.geojson", text.into_bytes());
    }

    #[test]
    fn geojson_geometry_trees_become_wkb_or_an_error(depth in 0u32..12, kind in prop::sample::select(vec!["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection", "Nope"]), coords in "\\[[\\[\\]0-9.,e+-]{0,60}\\]") {
        let mut geometry = format!("{{\"type\":\"{kind}\",\"coordinates\":{coords}}}");
        for _ in 0..depth {
            geometry = format!("{{\"type\":\"GeometryCollection\",\"geometries\":[{geometry}]}}");
        }
        if let Ok(g) = serde_json::from_str::<serde_json::Value>(&geometry) {
            let _ = read::wkb::from_geojson(&g);
        }
    }

    #[test]
    fn any_bytes_read_as_csv_give_features_or_an_error(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut data = b"Typ;Namn;Kommun;Ort;X;Y\r\n".to_vec();
        data.extend(body);
        read_through("pipos_service", "fuzz.csv", data);
    }

    #[test]
    fn a_corrupted_zipped_shapefile_gives_features_or_an_error(data in mutated(shapefile_zip())) {
        read_through("naturreservat", "NR.zip", data);
    }

    #[test]
    fn a_corrupted_geoparquet_file_gives_features_or_an_error(data in mutated(crate::demo::DATASETS[0].1.to_vec())) {
        read_through("lan", "lan.parquet", data);
    }

    #[test]
    fn any_bytes_as_a_zip_give_features_or_an_error(data in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(data);
        read_through("nyckelbiotoper", "fuzz.zip", zip);
    }

    #[test]
    fn any_geopackage_geometry_blob_gives_wkb_or_an_error(blob in prop::collection::vec(any::<u8>(), 0..120), magic in any::<bool>()) {
        let mut blob = blob;
        if magic && blob.len() >= 2 {
            blob[0] = b'G';
            blob[1] = b'P';
        }
        if let Ok(Some(wkb)) = read::geopackage::strip_header(&blob) {
            prop_assert!(!wkb.is_empty() && wkb.len() < blob.len());
        }
    }
}
