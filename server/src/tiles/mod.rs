//! Vector tiles: the tile query, the in-process cache, the service tying them to the
//! registry, and `TileJSON`.

mod cache;
mod error;
mod service;
mod sql;
mod tilejson;

pub use cache::{Tile, TileCache, TileKey};
pub use error::TileError;
pub use service::TileService;
pub use tilejson::tilejson;
