//! The polygons a drawn-area or border question measures in: a client's GeoJSON polygon,
//! checked and limited, or the zones either side of a shared border.

use serde_json::Value;
use tokio_postgres::GenericClient;

use super::StatsError;
use super::request::UnitRef;
use super::sql::Zone;

/// Most vertices a drawn area may have.
pub const MAX_VERTICES: usize = 10_000;
/// Largest drawn area, km²: twice Norrbotten, so any län fits and the whole country does not.
pub const MAX_AREA_KM2: f64 = 200_000.0;
/// Widest border zone, metres.
pub const MAX_WITHIN_M: f64 = 50_000.0;
/// How far apart two units' boundaries may lie and still count as one border, metres: the
/// generalised boundaries of neighbours do not always coincide exactly.
const BORDER_TOLERANCE_M: f64 = 50.0;

/// A drawn area as the client sent it, checked in shape.
#[derive(Debug)]
pub struct Drawn {
    /// The geometry member, as GeoJSON text.
    pub geometry: String,
    /// EPSG code of its coordinates.
    pub srid: i32,
}

fn srid_of(name: &str) -> Result<i32, StatsError> {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper == "EPSG:4326" || upper.ends_with("EPSG::4326") {
        Ok(4326)
    } else if upper == "EPSG:3006" || upper.ends_with("EPSG::3006") {
        Ok(3006)
    } else {
        Err(StatsError::Geometry(format!(
            "crs {name:?} is not accepted: send WGS 84 (EPSG:4326, the GeoJSON default) or SWEREF 99 TM (EPSG:3006)"
        )))
    }
}

/// Parses the body of `POST …/area`: a GeoJSON Polygon or `MultiPolygon`, bare, in a Feature,
/// or as the one feature of a `FeatureCollection`; its CRS from the body's `crs` member or
/// the `crs` parameter, WGS 84 by default.
///
/// # Errors
/// [`StatsError::Geometry`] (400) for anything but a well-formed polygon inside Sweden;
/// [`StatsError::TooLarge`] (413) past [`MAX_VERTICES`].
pub fn parse_drawn(body: &[u8], crs_param: Option<&str>) -> Result<Drawn, StatsError> {
    let bad = |m: &str| StatsError::Geometry(m.to_owned());
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| StatsError::Geometry(format!("the body is not JSON: {e}")))?;
    let declared = doc
        .pointer("/crs/properties/name")
        .and_then(Value::as_str)
        .map(srid_of)
        .transpose()?;
    let geometry = match doc.get("type").and_then(Value::as_str) {
        Some("Feature") => doc.get("geometry").cloned().unwrap_or(Value::Null),
        Some("FeatureCollection") => match doc.get("features").and_then(Value::as_array) {
            Some(features) if features.len() == 1 => {
                features[0].get("geometry").cloned().unwrap_or(Value::Null)
            }
            _ => {
                return Err(bad(
                    "a FeatureCollection must hold exactly one polygon feature",
                ));
            }
        },
        Some(_) => doc,
        None => return Err(bad("the body is not GeoJSON: it has no \"type\"")),
    };
    let polygons: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => geometry.get("coordinates").into_iter().collect(),
        Some("MultiPolygon") => geometry
            .get("coordinates")
            .and_then(Value::as_array)
            .map(|p| p.iter().collect())
            .unwrap_or_default(),
        Some(other) => {
            return Err(StatsError::Geometry(format!(
                "a {other} has no area: send a Polygon or MultiPolygon"
            )));
        }
        None => return Err(bad("the geometry has no \"type\"")),
    };
    if polygons.is_empty() {
        return Err(bad("the geometry has no coordinates"));
    }
    let srid = match crs_param {
        Some(p) => srid_of(p)?,
        None => declared.unwrap_or(4326),
    };
    let bounds = scan_rings(&polygons)?;
    let inside = if srid == 4326 {
        bounds[0] >= 2.0 && bounds[1] >= 52.0 && bounds[2] <= 33.0 && bounds[3] <= 72.0
    } else {
        bounds[0] >= -500_000.0
            && bounds[1] >= 5_500_000.0
            && bounds[2] <= 1_600_000.0
            && bounds[3] <= 8_000_000.0
    };
    if !inside {
        let hint = if srid == 4326 {
            "; coordinates in SWEREF 99 TM must declare crs EPSG:3006"
        } else {
            ""
        };
        return Err(StatsError::Geometry(format!(
            "the area spans x {:.3}..{:.3}, y {:.3}..{:.3} in EPSG:{srid}, outside Sweden{hint}",
            bounds[0], bounds[2], bounds[1], bounds[3]
        )));
    }
    Ok(Drawn {
        geometry: geometry.to_string(),
        srid,
    })
}

/// Checks every ring is a closed list of at least four `[x, y]` positions, counts vertices
/// against [`MAX_VERTICES`], and returns the bounds `[xmin, ymin, xmax, ymax]`.
fn scan_rings(polygons: &[&Value]) -> Result<[f64; 4], StatsError> {
    let bad = |m: &str| StatsError::Geometry(m.to_owned());
    let mut vertices = 0usize;
    let mut bounds = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| bad("a polygon must be a list of rings"))?;
        for ring in rings {
            let points = ring
                .as_array()
                .ok_or_else(|| bad("a ring must be a list of positions"))?;
            if points.len() < 4 {
                return Err(bad(
                    "a ring needs at least four positions, the last equal to the first",
                ));
            }
            vertices += points.len();
            if vertices > MAX_VERTICES {
                return Err(StatsError::TooLarge(format!(
                    "the area has more than {MAX_VERTICES} vertices; simplify it"
                )));
            }
            let mut first = None;
            let mut last = None;
            for p in points {
                let xy = p
                    .as_array()
                    .filter(|c| c.len() >= 2)
                    .and_then(|c| Some((c[0].as_f64()?, c[1].as_f64()?)))
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .ok_or_else(|| bad("a position must be [x, y] numbers"))?;
                first.get_or_insert(xy);
                last = Some(xy);
                bounds = [
                    bounds[0].min(xy.0),
                    bounds[1].min(xy.1),
                    bounds[2].max(xy.0),
                    bounds[3].max(xy.1),
                ];
            }
            if first != last {
                return Err(bad("a ring must end where it starts"));
            }
        }
    }
    Ok(bounds)
}

/// The drawn area as one zone in SWEREF 99 TM, after PostGIS has checked it is valid and not
/// too large; returns the zone and its area in m².
///
/// # Errors
/// [`StatsError::Geometry`] for an invalid or oversized polygon; database failures.
pub async fn drawn_zone(
    client: &impl GenericClient,
    drawn: &Drawn,
) -> Result<(Zone, f64), StatsError> {
    let row = client
        .query_one(
            "SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, ST_Area(t) AS area,
                    ST_AsEWKB(ST_Multi(t)) AS ewkb
             FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), $2::int) AS g) x,
                  LATERAL (SELECT ST_Transform(g, 3006) AS t) y",
            &[&drawn.geometry, &drawn.srid],
        )
        .await?;
    if !row.get::<_, bool>("valid") {
        let reason: String = row.get("reason");
        return Err(StatsError::Geometry(format!(
            "the polygon is not valid: {reason}"
        )));
    }
    let area: f64 = row.get("area");
    if area <= 0.0 {
        return Err(StatsError::Geometry("the polygon has no area".into()));
    }
    if area > MAX_AREA_KM2 * 1e6 {
        return Err(StatsError::Geometry(format!(
            "the area is {:.0} km²; at most {MAX_AREA_KM2:.0} km² (a large län) is measured on the fly; ask by=lan for more",
            area / 1e6
        )));
    }
    Ok((
        Zone {
            code: "area".into(),
            name: "drawn area".into(),
            ewkb: row.get("ewkb"),
        },
        area,
    ))
}

/// Refuses a unit its division does not have.
///
/// # Errors
/// [`StatsError::UnknownDivision`] naming the code; database failures.
pub async fn check_unit(client: &impl GenericClient, unit: &UnitRef) -> Result<(), StatsError> {
    let found = client
        .query_opt(
            "SELECT 1 FROM rummet.division_units WHERE division = $1 AND code = $2",
            &[&unit.division.id.as_str(), &unit.code],
        )
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        StatsError::UnknownDivision(format!(
            "{} has no unit with code {:?}",
            unit.division.id, unit.code
        ))
    })
}

/// `5km`, `500m`, `2.5 km` or a bare number of metres.
///
/// # Errors
/// [`StatsError::Parameter`] when malformed, not positive or beyond [`MAX_WITHIN_M`].
pub fn parse_within(text: &str) -> Result<f64, StatsError> {
    let t = text.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = t.strip_suffix("km") {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 1.0)
    } else {
        (t.as_str(), 1.0)
    };
    let metres = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(|n| n * factor)
        .ok_or_else(|| {
            StatsError::Parameter(format!(
                "within={text:?} is not a distance like 5km or 500m"
            ))
        })?;
    if metres <= 0.0 || metres > MAX_WITHIN_M {
        return Err(StatsError::Parameter(format!(
            "within must be more than 0 and at most {} km",
            MAX_WITHIN_M / 1000.0
        )));
    }
    Ok(metres)
}

/// The zones within `within` metres of the border `a` and `b` share, one on each side, and
/// the border's length in metres.
///
/// # Errors
/// [`StatsError::UnknownDivision`] when a unit does not exist; [`StatsError::Parameter`] when
/// they share no border; database failures.
pub async fn border_zones(
    client: &impl GenericClient,
    a: &UnitRef,
    b: &UnitRef,
    within: f64,
) -> Result<(Vec<Zone>, f64), StatsError> {
    for unit in [a, b] {
        check_unit(client, unit).await?;
    }
    let row = client
        .query_one(
            "WITH a AS (SELECT code, name, geom FROM rummet.division_units WHERE division = $1 AND code = $2),
                  b AS (SELECT code, name, geom FROM rummet.division_units WHERE division = $3 AND code = $4),
                  line AS (SELECT ST_Intersection(ST_Boundary(a.geom), ST_Buffer(b.geom, $6::float8)) AS g FROM a, b),
                  band AS (SELECT ST_Buffer(g, $5::float8) AS g FROM line)
             SELECT a.name AS a_name, b.name AS b_name, (SELECT ST_Length(g) FROM line) AS border_m,
                    ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_Intersection(band.g, a.geom), 3))) AS a_zone,
                    ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_Intersection(band.g, ST_Difference(b.geom, a.geom)), 3))) AS b_zone
             FROM a, b, band",
            &[
                &a.division.id.as_str(),
                &a.code,
                &b.division.id.as_str(),
                &b.code,
                &within,
                &BORDER_TOLERANCE_M,
            ],
        )
        .await?;
    let border: f64 = row.get("border_m");
    if border <= 0.0 {
        return Err(StatsError::Parameter(format!(
            "{}:{} and {}:{} share no border",
            a.division.id, a.code, b.division.id, b.code
        )));
    }
    let zone = |unit: &UnitRef, name: &str, column: &str| Zone {
        code: format!("{}:{}", unit.division.id, unit.code),
        name: row.get::<_, String>(name),
        ewkb: row.get(column),
    };
    Ok((
        vec![zone(a, "a_name", "a_zone"), zone(b, "b_name", "b_zone")],
        border,
    ))
}
