//! The tile matrix sets tiles are cut in: `WebMercatorQuad` (OGC's registered set, the
//! XYZ scheme every web map uses) and `SWEREF99TM`, the set Swedish clients use with
//! Lantmäteriet's WMTS.
//!
//! No official Lantmäteriet 2D-TMS document was found. The SWEREF 99 TM set is as Swedish web
//! map frameworks configure it against Lantmäteriet's topographic WMTS (hajkmap/Hajk,
//! `WMTSLayer.js`): EPSG:3006, top-left origin at E −1 200 000, N 8 500 000, 4 096 m per
//! pixel at level 0 halving per level down to 0.5 m (level 13), 256-pixel tiles, so level 0
//! is 4 × 4 tiles of 1 048 576 m.

use crate::tile::{InvalidTile, MAX_ZOOM, TileCoord};

/// A tile matrix set offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileMatrixSet {
    /// OGC `WebMercatorQuad` (EPSG:3857), z/x/y as XYZ.
    WebMercatorQuad,
    /// SWEREF 99 TM (EPSG:3006), as used with Lantmäteriet's WMTS.
    Sweref99Tm,
}

/// SWEREF 99 TM set: the top-left corner, easting and northing, in metres.
pub const SWEREF_ORIGIN: (f64, f64) = (-1_200_000.0, 8_500_000.0);
/// SWEREF 99 TM set: metres per pixel at level 0.
pub const SWEREF_RESOLUTION_0: f64 = 4096.0;
/// SWEREF 99 TM set: the deepest level (0.5 m per pixel).
pub const SWEREF_MAX_LEVEL: u8 = 13;
/// SWEREF 99 TM set: Web Mercator zooms a level is behind (4 096 m/px at level 0 is near
/// zoom 4 at 62° N with 512-px tiles), for generalisation and thinning.
pub const SWEREF_ZOOM_OFFSET: u8 = 4;
/// Pixels along a tile's side in both sets' definitions.
pub const TILE_PIXELS: u32 = 256;

impl TileMatrixSet {
    /// Every set, in the order they are listed.
    pub const ALL: [Self; 2] = [Self::WebMercatorQuad, Self::Sweref99Tm];

    /// The id in URLs.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Self::WebMercatorQuad => "WebMercatorQuad",
            Self::Sweref99Tm => "SWEREF99TM",
        }
    }

    /// The set named `id`, if offered.
    #[must_use]
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The EPSG code of its CRS.
    #[must_use]
    pub fn srid(self) -> i32 {
        match self {
            Self::WebMercatorQuad => 3857,
            Self::Sweref99Tm => 3006,
        }
    }

    /// The deepest level served.
    #[must_use]
    pub fn max_level(self) -> u8 {
        match self {
            Self::WebMercatorQuad => MAX_ZOOM,
            Self::Sweref99Tm => SWEREF_MAX_LEVEL,
        }
    }

    /// Tiles along each side at `level`.
    #[must_use]
    pub fn matrix_size(self, level: u8) -> u64 {
        match self {
            Self::WebMercatorQuad => 1 << level,
            Self::Sweref99Tm => 4 << level,
        }
    }

    /// Metres per pixel at `level`.
    #[must_use]
    pub fn cell_size(self, level: u8) -> f64 {
        let level0 = match self {
            Self::WebMercatorQuad => crate::WEB_MERCATOR_WORLD_M / f64::from(TILE_PIXELS),
            Self::Sweref99Tm => SWEREF_RESOLUTION_0,
        };
        level0 / f64::from(1u32 << level)
    }

    /// The Web Mercator zoom whose generalisation and thinning a level draws with: the same
    /// zoom for `WebMercatorQuad`; for SWEREF 99 TM the zoom of about the same metres per
    /// pixel in Sweden (4 096 m/px at level 0 is near zoom 4 at 62° N with 512-px tiles).
    #[must_use]
    pub fn equivalent_zoom(self, level: u8) -> u8 {
        match self {
            Self::WebMercatorQuad => level,
            Self::Sweref99Tm => (level + SWEREF_ZOOM_OFFSET).min(MAX_ZOOM),
        }
    }

    /// Checks a tile address given as OGC writes it, `{tileMatrix}/{tileRow}/{tileCol}`, and
    /// returns it as a coordinate (`x` the column, `y` the row from the top).
    ///
    /// # Errors
    /// When a part is not a number, the level is past [`TileMatrixSet::max_level`], or the
    /// row or column lies outside the matrix.
    pub fn coord(self, level: &str, row: &str, col: &str) -> Result<TileCoord, InvalidTile> {
        match self {
            // Same checks as XYZ, with row and column in OGC's order.
            Self::WebMercatorQuad => TileCoord::parse(level, col, row),
            Self::Sweref99Tm => {
                let num = |part, s: &str| -> Result<u64, InvalidTile> {
                    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(InvalidTile::NotANumber {
                            part,
                            given: s.chars().take(32).collect(),
                        });
                    }
                    s.parse().map_err(|_| InvalidTile::NotANumber {
                        part,
                        given: s.to_owned(),
                    })
                };
                let z = num("tileMatrix", level)?;
                let z8 = u8::try_from(z)
                    .ok()
                    .filter(|z| *z <= SWEREF_MAX_LEVEL)
                    .ok_or(InvalidTile::ZoomOutOfRange { z })?;
                let max = self.matrix_size(z8) - 1;
                let check = |part, value: u64| {
                    u32::try_from(value).ok().filter(|_| value <= max).ok_or(
                        InvalidTile::OutOfRange {
                            part,
                            value,
                            max,
                            z: z8,
                        },
                    )
                };
                Ok(TileCoord {
                    z: z8,
                    x: check("tileCol", num("tileCol", col)?)?,
                    y: check("tileRow", num("tileRow", row)?)?,
                })
            }
        }
    }

    /// The tile's bounds in the set's CRS: west, south, east, north (metres).
    #[must_use]
    pub fn bounds(self, coord: TileCoord) -> [f64; 4] {
        let size = self.cell_size(coord.z) * f64::from(TILE_PIXELS);
        let (west, north) = match self {
            Self::WebMercatorQuad => (
                -crate::WEB_MERCATOR_WORLD_M / 2.0,
                crate::WEB_MERCATOR_WORLD_M / 2.0,
            ),
            Self::Sweref99Tm => SWEREF_ORIGIN,
        };
        let x0 = west + f64::from(coord.x) * size;
        let y1 = north - f64::from(coord.y) * size;
        [x0, y1 - size, x0 + size, y1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweref_level_0_is_four_by_four_tiles_from_the_lantmateriet_origin() {
        let t = TileMatrixSet::Sweref99Tm;
        assert_eq!(t.matrix_size(0), 4);
        let first = t.coord("0", "0", "0").expect("tile");
        let close = |a: [f64; 4], b: [f64; 4]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert!(close(
            t.bounds(first),
            [-1_200_000.0, 7_451_424.0, -151_424.0, 8_500_000.0]
        ));
        let last = t.coord("0", "3", "3").expect("tile");
        assert!(close(
            t.bounds(last),
            [1_945_728.0, 4_305_696.0, 2_994_304.0, 5_354_272.0]
        ));
        assert!(t.coord("0", "4", "0").is_err());
        assert!(t.coord("14", "0", "0").is_err());
        assert!((t.cell_size(13) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn web_mercator_takes_row_before_column() {
        let t = TileMatrixSet::WebMercatorQuad;
        let c = t.coord("5", "9", "17").expect("tile");
        assert_eq!((c.z, c.x, c.y), (5, 17, 9));
        assert_eq!(
            TileMatrixSet::parse("SWEREF99TM"),
            Some(TileMatrixSet::Sweref99Tm)
        );
        assert_eq!(TileMatrixSet::parse("kommun"), None);
    }
}
