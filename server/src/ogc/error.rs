//! What can go wrong answering an OGC API request, with what the client needs to fix it.

use crate::db::QueryError;

/// An OGC API error.
#[derive(Debug, thiserror::Error)]
pub enum OgcError {
    /// The collection id is malformed or not loaded.
    #[error("no collection {0:?}; GET /collections lists them")]
    UnknownCollection(String),
    /// The feature does not exist in the serving version.
    #[error("collection {collection} has no feature {fid:?}")]
    UnknownFeature {
        /// Collection id.
        collection: String,
        /// The id asked for.
        fid: String,
    },
    /// A query parameter is malformed, out of range or not offered.
    #[error("{0}")]
    Parameter(String),
    /// A `filter` that does not parse or names what the collection lacks.
    #[error("filter: {0}")]
    Filter(String),
    /// A page link of a version that no longer serves.
    #[error(
        "collection {collection} was reloaded (version {asked} is now {serving}); start again from the first page"
    )]
    Reloaded {
        /// Collection id.
        collection: String,
        /// The version the link pages.
        asked: i64,
        /// The version serving now.
        serving: i64,
    },
    /// The tile matrix set is not offered.
    #[error("no tile matrix set {0:?}; GET /tileMatrixSets lists them")]
    UnknownTileMatrixSet(String),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// Shorthand for results of OGC API code.
pub type Result<T> = std::result::Result<T, OgcError>;

impl From<tokio_postgres::Error> for OgcError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Query(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for OgcError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Query(e.into())
    }
}
