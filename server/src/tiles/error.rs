//! Errors of the tile subsystem.

use rummet_core::{InvalidDatasetId, InvalidTile};

use crate::db::QueryError;

/// Why a tile or `TileJSON` could not be served.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TileError {
    /// The dataset id is malformed.
    #[error(transparent)]
    InvalidDataset(#[from] InvalidDatasetId),
    /// The dataset is not loaded.
    #[error("dataset {0:?} is not loaded: GET /catalog lists the datasets")]
    UnknownDataset(String),
    /// The tile address is malformed or out of range.
    #[error(transparent)]
    InvalidTile(#[from] InvalidTile),
    /// A composite names no dataset, too many, or one twice.
    #[error("{0}")]
    Composite(String),
    /// The file extension is not a served format.
    #[error("tile format {0:?} is not served: use .mvt or .pbf")]
    Format(String),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}
