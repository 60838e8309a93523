//! Errors of access control; `http::error` maps each to a status.

use crate::db::QueryError;

/// Why a request may not go on, or an organisation or key could not be managed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AccessError {
    /// The request needs a key and carries none (`401`).
    #[error(
        "this needs an API key: send it as `Authorization: Bearer <key>`, as the password of Basic auth, or as ?key="
    )]
    Missing,
    /// The key is malformed, unknown or revoked (`401`); never says which.
    #[error("the API key is not valid (unknown, revoked or mistyped)")]
    Invalid,
    /// The key is valid but may not do this (`403`).
    #[error("{0}")]
    Forbidden(String),
    /// Too many invalid keys from this address (`429` with `Retry-After`).
    #[error("too many invalid API keys from this address; try again in {retry_after_s} s")]
    TooManyFailures {
        /// Seconds until the address may try again.
        retry_after_s: u64,
    },
    /// A request to manage organisations or keys that cannot be met (unknown organisation,
    /// duplicate id, bad name).
    #[error("{0}")]
    Rejected(String),
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

impl From<tokio_postgres::Error> for AccessError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Query(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for AccessError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Query(e.into())
    }
}
