//! Writes national-scale files in agency schemas for the load benchmark: lämningar-like points,
//! Naturvårdsregistret-like polygons and NVDB-like lines, each as a GeoPackage and as a zipped
//! Shapefile, in SWEREF 99 TM, scattered inside the real kommun polygons (the same number in
//! every kommun, so the small, populated southern kommuner are the densest).
//!
//! `generate <postgres-url with the demo data loaded> <out dir> [scale]`; scale 1.0 writes
//! 1,000,000 points, 200,000 polygons and 1,000,000 lines. PostGIS draws the random points
//! (`ST_GeneratePoints` with a fixed seed), so the files are the same on every run.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use futures_util::{StreamExt, pin_mut};
use rusqlite::params_from_iter;
use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
use tokio_postgres::NoTls;

/// How one attribute is written.
#[derive(Clone, Copy)]
enum Kind {
    Text(&'static [&'static str]),
    Int(i64),
    /// Integers 0, 1, 2 … in these proportions (per mille).
    Weighted(&'static [i64]),
    Real(f64),
}

struct Spec {
    name: &'static str,
    layer: &'static str,
    gpkg_geometry: &'static str,
    count: usize,
    /// SQL turning the random point `p` (3006) and `r` (0..1) into the feature geometry.
    geometry: &'static str,
    fields: Vec<(&'static str, Kind)>,
}

fn specs(scale: f64) -> Vec<Spec> {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "positive scale"
    )]
    let n = |base: f64| (base * scale).round() as usize;
    vec![
        Spec {
            name: "lamningar",
            layer: "lämningar_sverige_point",
            gpkg_geometry: "POINT",
            count: n(1_000_000.0),
            geometry: "p",
            fields: vec![
                ("uuid", Kind::Text(&["b0c0ffee-0000-4000-8000-"])),
                ("lamningsnummer", Kind::Text(&["L2020:"])),
                (
                    "raa_nummer",
                    Kind::Text(&["Hjo 12:1", "Visby 3:2", "Tanum 311:1"]),
                ),
                (
                    "lamningstyp",
                    Kind::Text(&[
                        "Boplats",
                        "Gravfält",
                        "Fornborg",
                        "Hällristning",
                        "Kolningsanläggning",
                        "Färdväg",
                    ]),
                ),
                ("lamningsnamn", Kind::Text(&["", "Ödegården", "Kungshögen"])),
                (
                    "antikvariskbedomning",
                    Kind::Text(&[
                        "Fornlämning",
                        "Övrig kulturhistorisk lämning",
                        "Möjlig fornlämning",
                    ]),
                ),
                ("aktualitetstatus", Kind::Text(&["Aktuell"])),
                ("skadestatus", Kind::Text(&["Ej skadad", "Delvis skadad"])),
                (
                    "lan",
                    Kind::Text(&["Västra Götaland", "Jönköping", "Kalmar"]),
                ),
                ("kommun", Kind::Text(&["Hjo", "Ydre", "Vimmerby"])),
                ("socken", Kind::Text(&["Fridene", "Norra Vi", "Tuna"])),
                ("lagesosakerhet_i_meter", Kind::Real(25.0)),
            ],
        },
        Spec {
            name: "naturreservat",
            layer: "naturreservat",
            gpkg_geometry: "MULTIPOLYGON",
            count: n(200_000.0),
            geometry: "ST_Buffer(p, 150 + r * 900, 4)",
            fields: vec![
                ("NVRID", Kind::Text(&["2000"])),
                (
                    "NAMN",
                    Kind::Text(&["Ösjöskogen", "Älvdalens urskog", "Hällmarken"]),
                ),
                ("SKYDDSTYP", Kind::Text(&["Naturreservat"])),
                (
                    "BESLSTATUS",
                    Kind::Text(&["Gällande", "Gällande", "Gällande", "Överklagat"]),
                ),
                ("IUCNKAT", Kind::Text(&["IV", "Ia", "II"])),
                ("LAN", Kind::Text(&["Dalarnas län", "Jönköpings län"])),
                ("KOMMUN", Kind::Text(&["Älvdalen", "Eksjö"])),
                ("FORVALTARE", Kind::Text(&["Länsstyrelsen", "Kommunen"])),
                ("URSBESLDAT", Kind::Text(&["1996-05-14", "2012-11-30"])),
                ("AREA_HA", Kind::Real(12.5)),
                ("LAND_HA", Kind::Real(10.0)),
                ("VATTEN_HA", Kind::Real(2.5)),
                ("SKOG_HA", Kind::Real(8.0)),
            ],
        },
        Spec {
            name: "nvdb_vagnat",
            layer: "nvdb_vagnat",
            gpkg_geometry: "MULTILINESTRING",
            count: n(1_000_000.0),
            geometry: "ST_MakeLine(ARRAY[p, ST_Translate(p, 40 + r * 300, 10 + r * 120), ST_Translate(p, 60 + r * 500, 150 - r * 90)])",
            fields: vec![
                // As in NVDB, most links are of the minor classes: the trunk roads (0, 1) are
                // about 1.5 % of them, so zoom 3 tiles hold what the real network gives them.
                (
                    "FunkVagklass_Klass",
                    Kind::Weighted(&[5, 10, 25, 40, 80, 120, 160, 180, 180, 200]),
                ),
                ("Vaghallare_Vaghallartyp", Kind::Int(3)),
                ("Hastighetsgrans_HogstaTillatnaHastighet_F", Kind::Int(120)),
                ("Hastighetsgrans_HogstaTillatnaHastighet_B", Kind::Int(120)),
                ("Vagnummer_Huvudnummer_Vard", Kind::Int(999)),
                ("Trafik_ADT_fordon", Kind::Int(20_000)),
                ("Vagbredd_Bredd", Kind::Real(7.0)),
            ],
        },
    ]
}

fn text_of(kind: Kind, i: usize) -> Option<String> {
    match kind {
        Kind::Text(options) if options.len() == 1 => Some(format!("{}{i:012}", options[0])),
        Kind::Text(options) => Some(options[i % options.len()].to_owned()),
        _ => None,
    }
}

#[expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    reason = "bounded counters"
)]
fn number_of(kind: Kind, i: usize) -> f64 {
    match kind {
        Kind::Int(m) => (i as i64 % m) as f64,
        Kind::Weighted(weights) => {
            let mut left = i as i64 % weights.iter().sum::<i64>();
            let class = weights.iter().position(|&w| {
                left -= w;
                left < 0
            });
            class.unwrap_or(0) as f64
        }
        Kind::Real(scale) => (i % 97) as f64 / 97.0 * scale,
        Kind::Text(_) => 0.0,
    }
}

/// DBF names are at most 10 characters; the Shapefile variant truncates, as agencies do.
fn dbf_name(name: &str) -> String {
    name.chars().take(10).collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (url, out) = match args.as_slice() {
        [_, url, out, ..] => (url.clone(), PathBuf::from(out)),
        _ => anyhow::bail!("usage: generate <postgres-url> <out-dir> [scale] [only,these]"),
    };
    let scale: f64 = args
        .get(3)
        .map_or(Ok(1.0), |s| s.parse())
        .context("scale")?;
    std::fs::create_dir_all(&out)?;
    let (client, conn) = tokio_postgres::connect(&url, NoTls).await?;
    tokio::spawn(conn);
    let kommun_table: String = client
        .query_one(
            "SELECT table_name FROM rummet.datasets WHERE id = 'kommun'",
            &[],
        )
        .await
        .context("the database needs the demo data (rummet serve loads it)")?
        .get(0);
    // A fourth argument names the datasets to write (all three by default).
    let only: Option<Vec<&str>> = args.get(4).map(|s| s.split(',').collect());
    for spec in specs(scale)
        .into_iter()
        .filter(|s| only.as_ref().is_none_or(|o| o.contains(&s.name)))
    {
        let started = std::time::Instant::now();
        let per_kommun = spec.count.div_ceil(290);
        let sql = format!(
            "SELECT ST_AsBinary(ST_Multi({geometry})) FROM (
               SELECT (ST_Dump(ST_GeneratePoints(ST_Transform(geom, 3006), $1::int, 42))).geom AS p, fid
               FROM rummet_data.\"{kommun_table}\") pts,
             LATERAL (SELECT abs(hashtext(ST_AsText(p))) / 2147483647.0 AS r) rnd
             LIMIT $2",
            geometry = spec.geometry
        );
        let limit = i64::try_from(spec.count)?;
        let per = i32::try_from(per_kommun)?;
        let rows = client
            .query_raw(
                &sql,
                [&per as &(dyn tokio_postgres::types::ToSql + Sync), &limit],
            )
            .await?;
        pin_mut!(rows);
        let mut gpkg = Gpkg::create(&out.join(format!("{}.gpkg", spec.name)), &spec)?;
        let shp_path = out.join(format!("{}.shp", spec.name));
        let mut shp = Shp::create(&shp_path, &spec)?;
        let mut i = 0usize;
        while let Some(row) = rows.next().await {
            let wkb: Vec<u8> = row?.get(0);
            gpkg.add(&spec, i, &wkb)?;
            shp.add(&spec, i, &wkb)?;
            i += 1;
        }
        gpkg.finish()?;
        shp.finish(&out, &shp_path, spec.name)?;
        println!(
            "{}: {i} features in {:.1}s",
            spec.name,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

struct Gpkg {
    db: rusqlite::Connection,
    insert: String,
}

impl Gpkg {
    fn create(path: &Path, spec: &Spec) -> anyhow::Result<Self> {
        let _ = std::fs::remove_file(path);
        let db = rusqlite::Connection::open(path)?;
        let q = |s: &str| format!("\"{s}\"");
        db.execute_batch(&format!(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
               organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES ('SWEREF99 TM', 3006, 'EPSG', 3006, 'PROJCS[\"SWEREF99 TM\",AUTHORITY[\"EPSG\",\"3006\"]]', NULL);
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL);
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
             CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
               last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
               srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
             INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('{layer}', 'features', '{layer}', 3006);
             INSERT INTO gpkg_geometry_columns VALUES ('{layer}', 'geom', '{kind}', 3006, 0, 0);
             CREATE TABLE {ql} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, {cols});
             BEGIN;",
            layer = spec.layer,
            ql = q(spec.layer),
            kind = spec.gpkg_geometry,
            cols = spec
                .fields
                .iter()
                .map(|(n, k)| format!("{} {}", q(n), if matches!(k, Kind::Text(_)) { "TEXT" } else if matches!(k, Kind::Int(_) | Kind::Weighted(_)) { "INTEGER" } else { "REAL" }))
                .collect::<Vec<_>>()
                .join(", "),
        ))?;
        let names: Vec<String> = spec.fields.iter().map(|(n, _)| q(n)).collect();
        let marks: Vec<String> = (0..=spec.fields.len())
            .map(|i| format!("?{}", i + 1))
            .collect();
        let insert = format!(
            "INSERT INTO {} (geom, {}) VALUES ({})",
            q(spec.layer),
            names.join(", "),
            marks.join(", ")
        );
        Ok(Self { db, insert })
    }

    fn add(&mut self, spec: &Spec, i: usize, wkb: &[u8]) -> anyhow::Result<()> {
        let mut blob = b"GP\x00\x01".to_vec();
        blob.extend_from_slice(&3006i32.to_le_bytes());
        blob.extend_from_slice(wkb);
        let mut values: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Blob(blob)];
        for (_, kind) in &spec.fields {
            values.push(match (kind, text_of(*kind, i)) {
                (_, Some(t)) => rusqlite::types::Value::Text(t),
                #[expect(clippy::cast_possible_truncation, reason = "integral by construction")]
                (Kind::Int(_) | Kind::Weighted(_), None) => {
                    rusqlite::types::Value::Integer(number_of(*kind, i) as i64)
                }
                _ => rusqlite::types::Value::Real(number_of(*kind, i)),
            });
        }
        self.db
            .prepare_cached(&self.insert)?
            .execute(params_from_iter(values))?;
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        self.db.execute_batch("COMMIT")?;
        Ok(())
    }
}

struct Shp {
    writer: shapefile::Writer<std::io::BufWriter<File>>,
}

impl Shp {
    fn create(path: &Path, spec: &Spec) -> anyhow::Result<Self> {
        let mut table = TableWriterBuilder::with_encoding(
            shapefile::dbase::encoding::EncodingRs::from(encoding_rs::UTF_8),
        );
        for (name, kind) in &spec.fields {
            let field = FieldName::try_from(dbf_name(name).as_str())
                .map_err(|e| anyhow::anyhow!("{name}: {e:?}"))?;
            table = match kind {
                Kind::Text(_) => table.add_character_field(field, 60),
                Kind::Int(_) | Kind::Weighted(_) => table.add_numeric_field(field, 12, 0),
                Kind::Real(_) => table.add_numeric_field(field, 16, 4),
            };
        }
        Ok(Self {
            writer: shapefile::Writer::from_path(path, table)?,
        })
    }

    fn add(&mut self, spec: &Spec, i: usize, wkb: &[u8]) -> anyhow::Result<()> {
        let mut record = Record::default();
        for (name, kind) in &spec.fields {
            let value = match text_of(*kind, i) {
                Some(t) => FieldValue::Character(Some(t)),
                None => FieldValue::Numeric(Some(number_of(*kind, i))),
            };
            record.insert(dbf_name(name), value);
        }
        match parse_multi(wkb)? {
            Geom::Points(p) => self
                .writer
                .write_shape_and_record(&shapefile::Point::new(p[0].0, p[0].1), &record)?,
            Geom::Lines(parts) => self.writer.write_shape_and_record(
                &shapefile::Polyline::with_parts(
                    parts
                        .into_iter()
                        .map(|l| {
                            l.into_iter()
                                .map(|(x, y)| shapefile::Point::new(x, y))
                                .collect()
                        })
                        .collect(),
                ),
                &record,
            )?,
            Geom::Polygons(rings) => self.writer.write_shape_and_record(
                &shapefile::Polygon::with_rings(
                    rings
                        .into_iter()
                        .enumerate()
                        .map(|(k, r)| {
                            let pts = r
                                .into_iter()
                                .map(|(x, y)| shapefile::Point::new(x, y))
                                .collect();
                            if k == 0 {
                                shapefile::PolygonRing::Outer(pts)
                            } else {
                                shapefile::PolygonRing::Inner(pts)
                            }
                        })
                        .collect(),
                ),
                &record,
            )?,
        }
        Ok(())
    }

    fn finish(self, out: &Path, shp: &Path, name: &str) -> anyhow::Result<()> {
        drop(self.writer);
        std::fs::write(shp.with_extension("prj"), SWEREF99_TM_PRJ)?;
        std::fs::write(shp.with_extension("cpg"), "UTF-8")?;
        let zip_path = out.join(format!("{name}_shp.zip"));
        let mut zip = zip::ZipWriter::new(File::create(&zip_path)?);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let part = shp.with_extension(ext);
            zip.start_file(format!("{name}.{ext}"), options)?;
            std::io::copy(&mut File::open(&part)?, &mut zip)?;
            std::fs::remove_file(&part)?;
        }
        zip.finish()?.flush()?;
        Ok(())
    }
}

const SWEREF99_TM_PRJ: &str = r#"PROJCS["SWEREF99_TM",GEOGCS["GCS_SWEREF99",DATUM["D_SWEREF99",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",15.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

enum Geom {
    Points(Vec<(f64, f64)>),
    Lines(Vec<Vec<(f64, f64)>>),
    Polygons(Vec<Vec<(f64, f64)>>),
}

/// Reads the little-endian multi-geometry WKB PostGIS returned (one part is all we make).
fn parse_multi(wkb: &[u8]) -> anyhow::Result<Geom> {
    let u32_at = |o: usize| -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(
            wkb.get(o..o + 4).context("short WKB")?.try_into()?,
        ))
    };
    let f64_at = |o: usize| -> anyhow::Result<f64> {
        Ok(f64::from_le_bytes(
            wkb.get(o..o + 8).context("short WKB")?.try_into()?,
        ))
    };
    let coords = |mut o: usize| -> anyhow::Result<(Vec<(f64, f64)>, usize)> {
        let n = u32_at(o)? as usize;
        o += 4;
        let mut pts = Vec::with_capacity(n);
        for _ in 0..n {
            pts.push((f64_at(o)?, f64_at(o + 8)?));
            o += 16;
        }
        Ok((pts, o))
    };
    anyhow::ensure!(wkb.first() == Some(&1), "big-endian WKB");
    let kind = u32_at(1)?;
    // Skip the multi header (9 bytes) and the first part's header (5 bytes).
    let part = 9 + 5;
    Ok(match kind {
        4 => Geom::Points(vec![(f64_at(part)?, f64_at(part + 8)?)]),
        5 => Geom::Lines(vec![coords(part)?.0]),
        6 => {
            let rings = u32_at(part)?;
            let mut o = part + 4;
            let mut out = Vec::new();
            for _ in 0..rings {
                let (pts, next) = coords(o)?;
                out.push(pts);
                o = next;
            }
            Geom::Polygons(out)
        }
        other => anyhow::bail!("unexpected WKB type {other}"),
    })
}
