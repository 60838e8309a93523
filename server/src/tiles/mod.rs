//! Vector tiles: the tile query, the in-process cache, the service tying them to the
//! registry, and `TileJSON`.

mod cache;
mod error;
mod service;
mod sql;
mod tile;
mod tilejson;

pub use cache::{TileCache, TileKey};
pub use error::TileError;
pub use service::TileService;
pub use tile::{Encoding, Tile};
pub use tilejson::tilejson;
