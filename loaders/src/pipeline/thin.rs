//! Density thinning: at each zoom below the dataset's highest, a feature is drawn only if it
//! is the largest of its grid cell ([`CELL_PIXELS`] on a 512-pixel tile); the rest wait for a
//! zoom where the cells are small enough to give them room. A tile thus holds at most about
//! one feature per cell, whatever the data's density (a million road links in the small
//! kommuner around Stockholm), which is what bounds low-zoom tile sizes; at the highest zoom
//! every feature is drawn. Divisions are never thinned: a missing kommun is a hole.
//!
//! Thinning drops only what nobody would miss: a polygon covering [`VISIBLE_PIXELS`] or more
//! at a zoom is drawn at that zoom whatever its cell holds (a 1,800-ha reserve beside a
//! larger one is a shape a planner sees, not a speck); it takes no part in its cell's
//! contest, which the smaller ones still hold among themselves. Polygons that large cannot
//! crowd a tile: at most 512² / [`VISIBLE_PIXELS`] of them fit side by side. Nor is a
//! feature the catalog's `zoom_by` rule draws from a zoom (trunk roads from zoom 3) thinned
//! there: a trunk road is a line across Sweden, and thinned link by link it would be dashes.
//!
//! The cells are worked out in the loader, not in SQL: each feature's centre, size and
//! lowest zoom are read once (`COPY … BINARY`), every zoom's winners are found by a sort that
//! runs on every core, and only the features moved up are written back. Done as a window
//! over every feature per zoom in PostgreSQL, one core at a time, it was the largest step of
//! a load (17 s of 37 s for a million lines).

use std::pin::pin;

use futures_util::TryStreamExt as _;
use postgres_types::{ToSql, Type};
use rayon::slice::ParallelSliceMut as _;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::{BinaryCopyInWriter, BinaryCopyOutStream};

use super::build::METRES_PER_PIXEL_Z0;
use rummet_core::escape_identifier;

use crate::catalog::{CatalogEntry, GeometryKind, Role};
use crate::{LoadError, Result};

/// Side of a thinning cell in screen pixels: 64 × 64 cells on a 512-pixel tile.
const CELL_PIXELS: f64 = 8.0;
/// Side of a cell for points: a drawn symbol with its halo is about 12 px wide, and a tile
/// of 1,800 points with an agency's attributes (lämningar) stays under 300 KB.
const POINT_CELL_PIXELS: f64 = 12.0;
/// Area in screen pixels (512-pixel tiles) from which a polygon is drawn at a zoom beside
/// the winner of its cell: about 3 × 3 pixels, four times the speck a feature is first drawn at.
const VISIBLE_PIXELS: f64 = 8.0;
/// How many polygons large on screen one cell keeps at a zoom, the largest first. A cell of
/// 64 px² has room for 8 shapes of 8 px² side by side, and centres of shapes straddling its
/// edges may double that; beyond it they are stacked on each other (duplicates, layered
/// decisions), and the tile's size, not what the eye sees, is what grows.
const VISIBLE_PER_CELL: usize = 16;

/// The features as thinning sees them, column by column (a million take about 42 MB).
#[derive(Default)]
struct Features {
    fid: Vec<i64>,
    x: Vec<f64>,
    y: Vec<f64>,
    size: Vec<f64>,
    /// The lowest zoom by size or the catalog's rule: earlier-drawn features win their cell.
    base: Vec<i16>,
    minzoom: Vec<i16>,
    /// The zoom the catalog's `zoom_by` rule draws the feature from, if any.
    by_rule: Vec<Option<i16>>,
    /// Whether `size` is an area: polygons large on screen are never thinned away.
    areas: bool,
    /// Whether the features are points, thinned by [`POINT_CELL_PIXELS`].
    points: bool,
}

impl Features {
    /// Whether feature `a` wins a cell over `b`: drawn earlier by its own size or rule, then
    /// bigger, then the lower id, so the same data thins the same way.
    fn rank(&self, a: usize, b: usize) -> std::cmp::Ordering {
        self.base[a]
            .cmp(&self.base[b])
            .then_with(|| self.size[b].total_cmp(&self.size[a]))
            .then_with(|| self.fid[a].cmp(&self.fid[b]))
    }

    /// Whether feature `i` is a polygon of at least [`VISIBLE_PIXELS`] at zoom `z`.
    fn large(&self, i: usize, z: u8) -> bool {
        let pixel = METRES_PER_PIXEL_Z0 / f64::from(1u32 << z);
        self.areas && self.size[i] >= VISIBLE_PIXELS * pixel * pixel
    }

    /// Whether the catalog's rule draws feature `i` at zoom `z`, whatever its cell holds.
    fn by_rule(&self, i: usize, z: u8) -> bool {
        self.by_rule[i].is_some_and(|rule| rule <= i16::from(z))
    }

    /// The cell of feature `i` at cells of `cell` metres, as one sortable key.
    fn cell(&self, i: usize, cell: f64) -> u64 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "Web Mercator metres over cells of at least a few centimetres fit in 32 bits"
        )]
        let axis = |v: f64| u64::from((v / cell).floor() as i32 as u32);
        axis(self.x[i]) << 32 | axis(self.y[i])
    }

    /// Moves each zoom's crowded features up a zoom, zoom by zoom from `from` to `to`: in
    /// each cell the first by [`Self::rank`] stays, and beside it up to
    /// [`VISIBLE_PER_CELL`] polygons large on screen (they hold a contest of their own).
    fn thin(&mut self, from: u8, to: u8) {
        let side = if self.points {
            POINT_CELL_PIXELS
        } else {
            CELL_PIXELS
        };
        let mut candidates: Vec<(u64, bool, u32)> = Vec::with_capacity(self.fid.len());
        for z in from..to {
            let cell = METRES_PER_PIXEL_Z0 / f64::from(1u32 << z) * side;
            let zoom = i16::from(z);
            candidates.clear();
            candidates.extend(
                (0..self.fid.len())
                    .filter(|&i| self.minzoom[i] <= zoom && !self.by_rule(i, z))
                    .map(|i| {
                        let index = u32::try_from(i).unwrap_or(u32::MAX);
                        (self.cell(i, cell), self.large(i, z), index)
                    }),
            );
            let this = &*self;
            candidates.par_sort_unstable_by(|a, b| {
                (a.0, a.1)
                    .cmp(&(b.0, b.1))
                    .then_with(|| this.rank(a.2 as usize, b.2 as usize))
            });
            let mut moved = 0u64;
            let mut in_group = 0;
            for (n, &(key, large, i)) in candidates.iter().enumerate() {
                let same = n > 0 && (candidates[n - 1].0, candidates[n - 1].1) == (key, large);
                in_group = if same { in_group + 1 } else { 0 };
                if in_group >= if large { VISIBLE_PER_CELL } else { 1 } {
                    self.minzoom[i as usize] = zoom + 1;
                    moved += 1;
                }
            }
            tracing::debug!(zoom = z, moved, "crowded features moved up a zoom");
        }
    }
}

/// Works out the `minzoom` of features of `qualified` (escaped; `fid`, `geom`, `minzoom`)
/// crowded out of their cell at lower zooms, into a new table `thin (fid, minzoom)` (only
/// the features moved), inside the load transaction. Returns false, and builds nothing, when
/// the dataset is not thinned.
pub(super) async fn by_density(
    tx: &Transaction<'_>,
    (qualified, thin): (&str, &str),
    entry: &CatalogEntry,
) -> Result<bool> {
    if entry.role == Role::Division || entry.minzoom >= entry.maxzoom {
        return Ok(false);
    }
    let mut features = read(tx, qualified, entry).await?;
    let (from, to) = (entry.minzoom, entry.maxzoom);
    let features = tokio::task::spawn_blocking(move || {
        features.thin(from, to);
        features
    })
    .await
    .map_err(|e| LoadError::Rejected {
        input: entry.id.to_string(),
        message: format!("thinning failed: {e}"),
    })?;
    write(tx, thin, &features).await?;
    Ok(true)
}

/// Each feature's id, centre, size, lowest zoom and the zoom the catalog's rule gives it.
async fn read(tx: &Transaction<'_>, qualified: &str, entry: &CatalogEntry) -> Result<Features> {
    let size = match entry.geometry {
        GeometryKind::Polygon => "ST_Area(geom)",
        GeometryKind::Line => "ST_Length(geom)",
        GeometryKind::Point => "0.0::float8",
    };
    let rule_value = entry.zoom_by.as_ref().map_or_else(
        || "NULL::text".to_owned(),
        |rule| format!("({})::text", escape_identifier(&rule.column)),
    );
    let copy = format!(
        "COPY (SELECT fid, ST_X(c), ST_Y(c), {size}, minzoom, rule_value \
               FROM (SELECT fid, geom, minzoom, ST_Centroid(geom) AS c, \
                            {rule_value} AS rule_value FROM {qualified}) f) \
         TO STDOUT (FORMAT binary)"
    );
    let stream = tx
        .copy_out(&copy)
        .await
        .map_err(LoadError::db("reading features to thin"))?;
    let types = [
        Type::INT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::INT2,
        Type::TEXT,
    ];
    let mut rows = pin!(BinaryCopyOutStream::new(stream, &types));
    let mut f = Features {
        areas: entry.geometry == GeometryKind::Polygon,
        points: entry.geometry == GeometryKind::Point,
        ..Features::default()
    };
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(LoadError::db("reading features to thin"))?
    {
        f.fid.push(row.get(0));
        f.x.push(row.get(1));
        f.y.push(row.get(2));
        f.size.push(row.get(3));
        let base: i16 = row.get(4);
        f.base.push(base);
        f.minzoom.push(base);
        let value: Option<&str> = row.get(5);
        let rule = value
            .zip(entry.zoom_by.as_ref())
            .and_then(|(v, rule)| rule.zooms.get(v))
            .map(|&z| i16::from(z).max(base));
        f.by_rule.push(rule);
    }
    Ok(f)
}

/// The features thinning moved, with their new lowest zoom, into a new table `thin`
/// (unlogged: the version table is written from it in parallel, which a temporary table
/// would not allow).
async fn write(tx: &Transaction<'_>, thin: &str, f: &Features) -> Result<()> {
    tx.batch_execute(&format!(
        "CREATE UNLOGGED TABLE {thin} (fid bigint NOT NULL, minzoom smallint NOT NULL)"
    ))
    .await
    .map_err(LoadError::db("preparing density thinning"))?;
    let sink = tx
        .copy_in(&format!("COPY {thin} FROM STDIN (FORMAT binary)"))
        .await
        .map_err(LoadError::db("writing thinned zooms"))?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT2]));
    for i in (0..f.fid.len()).filter(|&i| f.minzoom[i] != f.base[i]) {
        let row: [&(dyn ToSql + Sync); 2] = [&f.fid[i], &f.minzoom[i]];
        writer
            .as_mut()
            .write(&row)
            .await
            .map_err(LoadError::db("writing thinned zooms"))?;
    }
    writer
        .finish()
        .await
        .map_err(LoadError::db("writing thinned zooms"))?;
    tx.batch_execute(&format!("ANALYZE {thin}"))
        .await
        .map_err(LoadError::db("writing thinned zooms"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Features;

    /// Features at `(x, y)` with `size` and base zoom, ids 1, 2, 3 ...
    fn features(rows: &[(f64, f64, f64, i16)]) -> Features {
        let mut f = Features::default();
        for (i, &(x, y, size, base)) in rows.iter().enumerate() {
            f.fid.push(i64::try_from(i).unwrap_or(0) + 1);
            f.x.push(x);
            f.y.push(y);
            f.size.push(size);
            f.base.push(base);
            f.minzoom.push(base);
            f.by_rule.push(None);
        }
        f
    }

    #[test]
    fn the_biggest_feature_of_a_cell_is_drawn_first_and_the_others_wait_for_room() {
        // Three features 100 m apart. A cell (8 px) is 306 m at zoom 11, 153 m at zoom 12 and
        // 76 m at zoom 13: the biggest is drawn from the start, the one at 200 m gets a cell
        // of its own at zoom 12, the one at 0 m at zoom 13.
        let mut f = features(&[
            (0.0, 0.0, 10.0, 5),
            (100.0, 0.0, 30.0, 5),
            (200.0, 0.0, 20.0, 5),
        ]);
        f.thin(5, 15);
        assert_eq!(f.minzoom, [13, 5, 12]);
    }

    #[test]
    fn a_feature_drawn_earlier_by_its_rule_wins_its_cell_over_a_bigger_one_and_ties_go_to_the_lower_id()
     {
        let mut f = features(&[
            (0.0, 0.0, 10.0, 5),
            (10.0, 0.0, 99.0, 7),
            (20.0, 0.0, 10.0, 5),
        ]);
        f.thin(5, 8);
        assert_eq!(f.minzoom, [5, 8, 8]);
    }

    #[test]
    fn a_polygon_large_on_screen_is_drawn_beside_a_larger_one_and_specks_still_wait() {
        // At zoom 8 a pixel is 306 m (Web Mercator) and a cell 2.4 km. In one cell: a reserve
        // of 60 km² (640 px²), one of 6 km² (64 px²) and two specks of about 0.1 km² (1 px²).
        // Both reserves are drawn from zoom 8; the bigger speck wins the contest the large
        // ones take no part in, and the other waits until it is 17 px² itself, at zoom 10.
        let mut f = features(&[
            (0.0, 0.0, 60e6, 8),
            (500.0, 0.0, 6e6, 8),
            (900.0, 0.0, 0.11e6, 8),
            (1000.0, 0.0, 0.10e6, 8),
        ]);
        f.areas = true;
        f.thin(8, 14);
        assert_eq!(f.minzoom, [8, 8, 8, 10]);
        // The same features as lines (sizes are lengths) are thinned by their cell alone:
        // one per 2.4 km cell at zoom 8, 1.2 km at 9, 611 m at 10, 306 m at 11.
        f.areas = false;
        f.minzoom.clone_from(&f.base);
        f.thin(8, 14);
        assert_eq!(f.minzoom, [8, 11, 10, 11]);
    }

    #[test]
    fn a_cell_keeps_at_most_sixteen_large_polygons_stacked_on_it_the_largest_first() {
        // Twenty reserves of 64–68 px² at zoom 8 piled on one spot (stacked, as no real
        // register has them): the sixteen largest are drawn, four wait for a cell of their
        // own (still sharing one at zoom 14, the highest, where everything is drawn).
        let rows: Vec<(f64, f64, f64, i16)> = (0..20)
            .map(|i| (f64::from(i), 0.0, 6.0e6 + f64::from(i) * 1e4, 8))
            .collect();
        let mut f = features(&rows);
        f.areas = true;
        f.thin(8, 14);
        assert_eq!(f.minzoom[..4], [14; 4]);
        assert_eq!(f.minzoom[4..], [8; 16]);
    }

    #[test]
    fn points_are_thinned_by_cells_the_width_of_a_symbol() {
        // 10 px apart at zoom 8 (a pixel is 306 m): one 8 px cell each for lines, one 12 px
        // cell for both as points until zoom 9.
        let mut f = features(&[(0.0, 0.0, 0.0, 8), (3057.0, 0.0, 0.0, 8)]);
        f.thin(8, 14);
        assert_eq!(f.minzoom, [8, 8]);
        f.minzoom.clone_from(&f.base);
        f.points = true;
        f.thin(8, 14);
        assert_eq!(f.minzoom, [8, 9]);
    }

    #[test]
    fn links_the_catalog_draws_from_a_zoom_are_all_drawn_there_and_the_rest_still_thinned() {
        // Four links of one trunk road 1 km apart, all in one 78 km cell at zoom 3, drawn from
        // zoom 3 by the rule, and two minor links beside them: the trunk road stays whole,
        // the minor links share their cell until it is small enough to part them.
        let mut f = features(&[
            (0.0, 0.0, 1000.0, 3),
            (1000.0, 0.0, 900.0, 3),
            (2000.0, 0.0, 800.0, 3),
            (3000.0, 0.0, 700.0, 3),
            (0.0, 500.0, 50.0, 3),
            (600.0, 500.0, 40.0, 3),
        ]);
        for rule in &mut f.by_rule[..4] {
            *rule = Some(3);
        }
        f.thin(3, 14);
        assert_eq!(&f.minzoom[..4], [3, 3, 3, 3]);
        // 600 m apart: one 306 m cell each from zoom 11.
        assert_eq!(&f.minzoom[4..], [3, 11]);
    }
}
