//! The contract shared by the Rummet loaders and server: dataset identifiers, where a dataset
//! version lives in PostGIS, Web Mercator tile math and SQL identifier escaping. Keeping these
//! in one crate means a loader can never write a table the server would name differently.

mod dataset_id;
mod kinds;
#[cfg(test)]
mod proptests;
mod sql;
mod tile;
pub mod tms;

pub use dataset_id::{DatasetId, InvalidDatasetId, is_organisation_id, is_plain_name};
pub use kinds::{FieldType, GeometryKind, Role};
pub use sql::{
    DATA_SCHEMA, PieceMeasures, REGISTRY_SCHEMA, covered_sql, cut_sql, escape_identifier,
    escape_literal, field_aggregate_sql, field_aggregates_sql, piece_measures, version_table,
};
pub use tile::{
    InvalidTile, MAX_ZOOM, SWEDEN_BOUNDS_WGS84, TileCoord, WEB_MERCATOR_WORLD_M, ZOOM_BANDS,
    band_column, band_tolerance_m,
};

/// The `NOTIFY` channel a load announces a swapped dataset on (the payload is its id), and
/// servers listen on to drop that dataset's caches.
pub const NOTIFY_CHANNEL: &str = "rummet_datasets";
pub use tms::TileMatrixSet;
