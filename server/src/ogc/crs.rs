//! The coordinate reference systems features are served in (OGC API – Features Part 2): their
//! URIs, SRIDs and axis order. Coordinates go out in each CRS's own axis order, as its
//! authority defines it: CRS84 is longitude, latitude; EPSG:4326 latitude, longitude;
//! SWEREF 99 TM (EPSG:3006) and its local zones northing, easting; Web Mercator x, y.

use std::fmt;

/// CRS84, the default of OGC API – Features.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// SWEREF 99's local projection zones, EPSG:3007 (SWEREF 99 12 00) to EPSG:3018 (23 15).
const LOCAL_ZONES: std::ops::RangeInclusive<i32> = 3007..=3018;

/// A CRS features can be read and written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// OGC CRS84: WGS 84 longitude, latitude.
    Crs84,
    /// An EPSG code: 4326, 3857, 3006 or 3007–3018.
    Epsg(i32),
}

impl Crs {
    /// The CRS features are stored in, authoritatively: SWEREF 99 TM.
    pub const STORAGE: Self = Self::Epsg(3006);

    /// Every CRS offered, default first (the order of a collection's `crs` list).
    #[must_use]
    pub fn supported() -> Vec<Self> {
        let mut all = vec![
            Self::Crs84,
            Self::Epsg(4326),
            Self::Epsg(3006),
            Self::Epsg(3857),
        ];
        all.extend(LOCAL_ZONES.map(Self::Epsg));
        all
    }

    /// Reads a CRS as clients write it: the OGC URI (`http://www.opengis.net/def/crs/EPSG/0/3006`,
    /// also `https`), a URN (`urn:ogc:def:crs:EPSG::3006`), a CURIE (`EPSG:3006`, `[EPSG:3006]`)
    /// or CRS84 in any of those forms.
    ///
    /// # Errors
    /// A message naming the CRS and the ones offered.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(t);
        let lower = t.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("http://www.opengis.net/def/crs/")
            .or_else(|| lower.strip_prefix("https://www.opengis.net/def/crs/"));
        let parsed = if let Some(rest) = rest {
            match rest.split('/').collect::<Vec<_>>().as_slice() {
                ["ogc", _, "crs84"] => Some(Self::Crs84),
                ["epsg", _, code] => code.parse().ok().map(Self::Epsg),
                _ => None,
            }
        } else if let Some(code) = lower
            .strip_prefix("urn:ogc:def:crs:epsg::")
            .or_else(|| lower.strip_prefix("urn:ogc:def:crs:epsg:0:"))
            .or_else(|| lower.strip_prefix("epsg:"))
        {
            code.parse().ok().map(Self::Epsg)
        } else if lower == "urn:ogc:def:crs:ogc:1.3:crs84"
            || lower == "ogc:crs84"
            || lower == "crs84"
        {
            Some(Self::Crs84)
        } else {
            None
        };
        parsed
            .filter(|c| Self::supported().contains(c))
            .ok_or_else(|| {
                format!(
                    "the CRS {:?} is not offered; use one of {}",
                    text.chars().take(100).collect::<String>(),
                    Self::supported()
                        .iter()
                        .map(Self::uri)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// The OGC URI of the CRS.
    #[must_use]
    pub fn uri(&self) -> String {
        match self {
            Self::Crs84 => CRS84.to_owned(),
            Self::Epsg(code) => format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
        }
    }

    /// The PostGIS SRID coordinates are computed in.
    #[must_use]
    pub fn srid(&self) -> i32 {
        match self {
            Self::Crs84 => 4326,
            Self::Epsg(code) => *code,
        }
    }

    /// Whether the CRS's first axis is PostGIS's second (latitude or northing first), so
    /// coordinates are flipped on the way out and in.
    #[must_use]
    pub fn flips(&self) -> bool {
        match self {
            Self::Crs84 | Self::Epsg(3857) => false,
            Self::Epsg(_) => true,
        }
    }

    /// Whether coordinates are in degrees.
    #[must_use]
    pub fn is_geographic(&self) -> bool {
        self.srid() == 4326
    }

    /// Decimals written: 7 in degrees (about 1 cm), 3 in metres (1 mm).
    #[must_use]
    pub fn decimals(&self) -> i32 {
        if self.is_geographic() { 7 } else { 3 }
    }

    /// Longest edge of a literal in this CRS before it is transformed: 0.01° or 1 km.
    #[must_use]
    pub fn segment(&self) -> f64 {
        if self.is_geographic() { 0.01 } else { 1000.0 }
    }

    /// SQL of the feature table `f`'s geometry in this CRS, in its axis order: from the stored
    /// SWEREF 99 TM geometry (the authoritative one) unless Web Mercator is asked for, which
    /// the tile geometry already is.
    #[must_use]
    pub fn geometry_sql(&self) -> String {
        let projected = match self.srid() {
            3857 => "f.geom".to_owned(),
            3006 => "f.geom_3006".to_owned(),
            srid => format!("ST_Transform(f.geom_3006, {srid})"),
        };
        if self.flips() {
            format!("ST_FlipCoordinates({projected})")
        } else {
            projected
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_clients_use_reads_as_the_same_crs() {
        for text in [
            "http://www.opengis.net/def/crs/EPSG/0/3006",
            "https://www.opengis.net/def/crs/EPSG/0/3006",
            "urn:ogc:def:crs:EPSG::3006",
            "EPSG:3006",
            "[EPSG:3006]",
        ] {
            assert_eq!(Crs::parse(text), Ok(Crs::Epsg(3006)), "{text}");
        }
        assert_eq!(Crs::parse(CRS84), Ok(Crs::Crs84));
        assert_eq!(Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84"), Ok(Crs::Crs84));
        assert_eq!(Crs::parse("EPSG:3018"), Ok(Crs::Epsg(3018)));
    }

    #[test]
    fn an_unoffered_crs_is_refused_with_the_list() {
        let e = Crs::parse("EPSG:2400").expect_err("RT90 is not offered");
        assert!(e.contains("EPSG/0/3006"), "{e}");
        assert!(Crs::parse("nonsense").is_err());
    }

    #[test]
    fn sweref_and_epsg_4326_put_their_first_axis_first() {
        assert!(Crs::Epsg(3006).flips());
        assert!(Crs::Epsg(4326).flips());
        assert!(Crs::Epsg(3010).flips());
        assert!(!Crs::Crs84.flips());
        assert!(!Crs::Epsg(3857).flips());
        assert_eq!(
            Crs::Epsg(3006).geometry_sql(),
            "ST_FlipCoordinates(f.geom_3006)"
        );
        assert_eq!(Crs::Crs84.geometry_sql(), "ST_Transform(f.geom_3006, 4326)");
    }
}
