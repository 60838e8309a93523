//! Errors of the statistics subsystem; `http::error` maps each to a status.

use rummet_core::InvalidDatasetId;

use crate::db::QueryError;

/// Why a statistics question could not be answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StatsError {
    /// The dataset id is malformed.
    #[error(transparent)]
    InvalidDataset(#[from] InvalidDatasetId),
    /// The dataset is not loaded.
    #[error("dataset {0:?} is not loaded: GET /catalog lists the datasets")]
    UnknownDataset(String),
    /// `by`, `in`, `a` or `b` names no loaded division, or a unit it lacks.
    #[error("{0}")]
    UnknownDivision(String),
    /// A field the dataset does not have.
    #[error("{0}")]
    Field(String),
    /// A measure that is unknown or does not fit the dataset.
    #[error("{0}")]
    Measure(String),
    /// A malformed `where`.
    #[error("where: {0}")]
    Where(String),
    /// Any other malformed or unknown parameter.
    #[error("{0}")]
    Parameter(String),
    /// A drawn area that is not a usable polygon.
    #[error("{0}")]
    Geometry(String),
    /// A drawn area with too many vertices, or a body too large.
    #[error("{0}")]
    TooLarge(String),
    /// The dataset has not been measured by the division (loaded before statistics existed).
    #[error(
        "{dataset} has not been measured by {division} yet: reload either (`rummet load {dataset}`) to compute its statistics"
    )]
    NoOverlay {
        /// The dataset.
        dataset: String,
        /// The division.
        division: String,
    },
    /// A population measure, and no population grid is loaded, or the people have not been
    /// counted for this dataset and division yet.
    #[error("{0}")]
    NoPopulation(String),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

impl From<tokio_postgres::Error> for StatsError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Query(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for StatsError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Query(e.into())
    }
}
