//! Errors of publishing; `http::error` maps each to a status.

use rummet_loaders::LoadError;

use crate::access::AccessError;
use crate::db::QueryError;

/// Why an upload, a replacement, a rollback or a removal was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The request is malformed or the file is not one Rummet can load (`400`).
    #[error("{0}")]
    Invalid(String),
    /// The file or an archive in it is bigger than the server takes (`413`).
    #[error("{0}")]
    TooLarge(String),
    /// The key's organisation may not change this dataset (`403`).
    #[error("{0}")]
    Forbidden(String),
    /// No such dataset, version or job (`404`).
    #[error("{0}")]
    NotFound(String),
    /// It exists already, or a job on it is running (`409`).
    #[error("{0}")]
    Conflict(String),
    /// Access control refused or failed.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The server could not store the upload (a full disk, say) (`500`).
    #[error("storing the upload: {0}")]
    Storage(String),
}

impl From<tokio_postgres::Error> for PublishError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Query(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for PublishError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Query(e.into())
    }
}

impl From<rummet_core::InvalidDatasetId> for PublishError {
    fn from(e: rummet_core::InvalidDatasetId) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<LoadError> for PublishError {
    /// What the loader refuses is the uploader's to fix; what fails in the database or on
    /// disk is the server's.
    fn from(e: LoadError) -> Self {
        let message = e.to_string();
        match e {
            LoadError::TooLarge { .. } => Self::TooLarge(message),
            LoadError::UnknownDataset { .. } | LoadError::NoSuchVersion { .. } => {
                Self::NotFound(message)
            }
            LoadError::Io { .. } => Self::Storage(message),
            LoadError::Database { source, .. } => Self::Query(source.into()),
            LoadError::Format { .. }
            | LoadError::MissingField { .. }
            | LoadError::CrsMismatch { .. }
            | LoadError::Value { .. }
            | LoadError::Rejected { .. } => Self::Invalid(message),
        }
    }
}
