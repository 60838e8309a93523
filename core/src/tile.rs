//! Web Mercator (XYZ) tile addresses.

use std::fmt;

/// Highest zoom a tile address may have; past it a tile is smaller than a millimetre.
pub const MAX_ZOOM: u8 = 24;

/// A validated XYZ tile address: `x` and `y` lie in `0..2^z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileCoord {
    /// Zoom level, `0..=MAX_ZOOM`.
    pub z: u8,
    /// Column, from the west.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

/// Why a tile address is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTile {
    /// A part is not a non-negative integer.
    #[error("tile {part} {given:?} is not a non-negative integer")]
    NotANumber {
        /// `z`, `x` or `y`.
        part: &'static str,
        /// What was given, cut to a printable length.
        given: String,
    },
    /// The zoom is above [`MAX_ZOOM`].
    #[error("zoom {z} is out of range 0-{MAX_ZOOM}")]
    ZoomOutOfRange {
        /// The zoom given.
        z: u64,
    },
    /// `x` or `y` is not below `2^z`.
    #[error("tile {part}={value} is out of range 0-{max} at zoom {z}")]
    OutOfRange {
        /// `x` or `y`.
        part: &'static str,
        /// The value given.
        value: u64,
        /// The highest valid value at this zoom.
        max: u64,
        /// The zoom.
        z: u8,
    },
}

impl TileCoord {
    /// Checks the address and builds it.
    ///
    /// # Errors
    /// When the zoom is above [`MAX_ZOOM`] or `x`/`y` do not fit at that zoom.
    pub fn new(z: u64, x: u64, y: u64) -> Result<Self, InvalidTile> {
        let z8 = u8::try_from(z)
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or(InvalidTile::ZoomOutOfRange { z })?;
        let max = (1u64 << z8) - 1;
        let check = |part, value: u64| {
            u32::try_from(value)
                .ok()
                .filter(|_| value <= max)
                .ok_or(InvalidTile::OutOfRange {
                    part,
                    value,
                    max,
                    z: z8,
                })
        };
        Ok(Self {
            z: z8,
            x: check("x", x)?,
            y: check("y", y)?,
        })
    }

    /// Parses the three path parts of `/{z}/{x}/{y}`.
    ///
    /// # Errors
    /// When a part is not a non-negative integer or the address is out of range.
    pub fn parse(z: &str, x: &str, y: &str) -> Result<Self, InvalidTile> {
        let num = |part, s: &str| {
            // Only plain digits: `u64::from_str` would accept a leading `+`.
            if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InvalidTile::NotANumber {
                    part,
                    given: s.chars().take(32).collect(),
                });
            }
            s.parse::<u64>().map_err(|_| InvalidTile::NotANumber {
                part,
                given: s.to_owned(),
            })
        };
        Self::new(num("z", z)?, num("x", x)?, num("y", y)?)
    }

    /// The tile at zoom `z` holding the point `lon`, `lat` (degrees, WGS 84).
    #[must_use]
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "the value is clamped to 0..2^z first"
    )]
    pub fn containing(z: u8, lon: f64, lat: f64) -> Self {
        let z = z.min(MAX_ZOOM);
        let n = f64::from(1u32 << z);
        let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
        let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n)
            .floor()
            .clamp(0.0, n - 1.0);
        Self {
            z,
            x: x as u32,
            y: y as u32,
        }
    }
}

impl TileCoord {
    /// The one tile of zoom 0.
    pub const ROOT: Self = Self { z: 0, x: 0, y: 0 };

    /// The four tiles of the next zoom that this tile splits into; none past [`MAX_ZOOM`].
    #[must_use]
    pub fn children(self) -> Vec<Self> {
        if self.z >= MAX_ZOOM {
            return Vec::new();
        }
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        vec![
            Self { z, x, y },
            Self { z, x: x + 1, y },
            Self { z, x, y: y + 1 },
            Self {
                z,
                x: x + 1,
                y: y + 1,
            },
        ]
    }

    /// `z`, `x`, `y` as the `int4` bind parameters of tile queries. A valid address always
    /// fits: z <= 24 and x, y < 2^24.
    #[must_use]
    pub fn as_i32(self) -> (i32, i32, i32) {
        (
            i32::from(self.z),
            i32::try_from(self.x).unwrap_or(i32::MAX),
            i32::try_from(self.y).unwrap_or(i32::MAX),
        )
    }

    /// Whether the tile overlaps the box `[west, south, east, north]` (degrees, WGS 84).
    #[must_use]
    pub fn overlaps(self, bounds: [f64; 4]) -> bool {
        let [west, south, east, north] = bounds;
        let low = Self::containing(self.z, west, south);
        let high = Self::containing(self.z, east, north);
        // y grows southwards: the north-east corner has the smaller y.
        (low.x..=high.x).contains(&self.x) && (high.y..=low.y).contains(&self.y)
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Zoom bands of generalised geometry, by their highest zoom: the loader stores a line or
/// polygon simplified for zooms 0-5 in `geom_z5`, for 6-8 in `geom_z8`, for 9-11 in
/// `geom_z11`, and tiles above 11 draw the full `geom`. The column is NULL where
/// simplification removed nothing (tiles then fall back to `geom`).
pub const ZOOM_BANDS: [u8; 3] = [5, 8, 11];

/// The column holding geometry generalised for the band that ends at `band_max`.
#[must_use]
pub fn band_column(band_max: u8) -> String {
    format!("geom_z{band_max}")
}

/// Simplification tolerance of the band ending at `band_max`, in Web Mercator metres: one
/// unit of a 4096-unit tile at that zoom (an eighth of a pixel on a 512-pixel tile), the
/// grid `ST_AsMVTGeom` snaps to anyway. Lower zooms in the band see even less of it.
#[must_use]
pub fn band_tolerance_m(band_max: u8) -> f64 {
    WEB_MERCATOR_WORLD_M / f64::from(1u32 << band_max) / 4096.0
}

/// The width of the Web Mercator world in its metres: the equator's length.
pub const WEB_MERCATOR_WORLD_M: f64 = 40_075_016.685_578_49;

/// Sweden's extent in WGS 84 (west, south, east, north) with a margin for the sea areas
/// agencies include (havsplaner, the economic zone): data outside it was almost surely read
/// in the wrong CRS.
pub const SWEDEN_BOUNDS_WGS84: [f64; 4] = [2.0, 52.0, 33.0, 72.0];

#[cfg(test)]
mod tests {
    #[test]
    fn a_tile_splits_into_four_that_cover_it_and_stockholm_is_in_sweden() {
        let parent = super::TileCoord { z: 5, x: 17, y: 9 };
        let kids = parent.children();
        assert_eq!(kids.len(), 4);
        assert!(
            kids.iter()
                .all(|k| k.z == 6 && k.x / 2 == 17 && k.y / 2 == 9)
        );
        let sweden = [10.5, 55.3, 24.2, 69.1];
        assert!(parent.overlaps(sweden));
        assert!(!super::TileCoord { z: 5, x: 3, y: 9 }.overlaps(sweden));
    }

    use super::*;

    #[test]
    fn a_tile_outside_its_zoom_is_rejected() {
        assert!(matches!(
            TileCoord::new(2, 4, 0),
            Err(InvalidTile::OutOfRange {
                part: "x",
                max: 3,
                ..
            })
        ));
        assert!(matches!(
            TileCoord::new(25, 0, 0),
            Err(InvalidTile::ZoomOutOfRange { z: 25 })
        ));
        assert!(TileCoord::new(24, (1 << 24) - 1, 0).is_ok());
    }

    #[test]
    fn non_numeric_or_signed_parts_are_rejected() {
        for (z, x, y) in [
            ("a", "0", "0"),
            ("1", "-1", "0"),
            ("1", "0", "+1"),
            ("1", "", "0"),
        ] {
            assert!(matches!(
                TileCoord::parse(z, x, y),
                Err(InvalidTile::NotANumber { .. })
            ));
        }
        assert!(matches!(
            TileCoord::parse("1", "99999999999999999999999", "0"),
            Err(InvalidTile::NotANumber { .. })
        ));
    }

    #[test]
    fn stockholm_at_zoom_five_is_tile_17_9() {
        assert_eq!(
            TileCoord::containing(5, 18.07, 59.33),
            TileCoord { z: 5, x: 17, y: 9 }
        );
    }
}
