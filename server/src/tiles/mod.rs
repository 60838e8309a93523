//! Vector tiles: the tile query, the in-process cache, the service tying them to the
//! registry, and `TileJSON`.

mod cache;
mod error;
mod pyramid;
mod seed;
mod service;
mod sql;
mod store;
pub use store::purge;
mod tile;
mod tilejson;

pub use cache::{TileCache, TileKey};
pub use error::TileError;
pub use pyramid::Pyramid;
pub use seed::{SeedReport, Seeder, parse_zooms};
pub use service::{TileService, render};
pub use tile::{Encoding, Tile, accepts_coding};
pub use tilejson::{tilejson, vector_layers};
