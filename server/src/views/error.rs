//! Errors of saved map views; `http::error` maps each to a status.

use crate::db::QueryError;

/// Why a map view could not be saved, read or changed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ViewError {
    /// No such view, or not one the asker may open (`404`).
    #[error("no map view {0:?}")]
    NotFound(String),
    /// The key may not do this (`403`).
    #[error("{0}")]
    Forbidden(String),
    /// Bad input (`400`).
    #[error("{0}")]
    Invalid(String),
    /// The slug is taken (`409`).
    #[error("{0}")]
    Conflict(String),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

impl From<tokio_postgres::Error> for ViewError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Query(e.into())
    }
}
