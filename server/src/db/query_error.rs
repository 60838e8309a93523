//! Classifying database failures by what the caller should do: retry later (503), give up
//! (500), or re-read the registry because a reload replaced the table.

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

/// A failed query, classified.
#[derive(Debug, Clone, thiserror::Error)]
pub enum QueryError {
    /// The database cannot be reached, is shutting down, or every connection is busy.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The query ran past `statement_timeout` and was cancelled.
    #[error("query cancelled after the statement timeout")]
    Timeout,
    /// The table was dropped by a reload between reading the registry and querying it.
    #[error("table replaced by a reload: {0}")]
    StaleTable(String),
    /// A read replica cancelled the query because replay had to change what it read
    /// ("conflict with recovery"); the primary is asked instead.
    #[error("read cancelled by the replica's recovery: {0}")]
    RecoveryConflict(String),
    /// Any other failure: a bug or a broken database, not the client's doing.
    #[error("database error: {0}")]
    Failed(String),
}

impl From<tokio_postgres::Error> for QueryError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.is_closed() {
            return Self::Unavailable(e.to_string());
        }
        let Some(db) = e.as_db_error() else {
            // No server error: the connection itself failed (I/O, protocol).
            return Self::Unavailable(e.to_string());
        };
        let code = db.code();
        let message = db.message().to_owned();
        // GEOS checks for the cancel PostgreSQL raises at the statement timeout and reports
        // it as its own error, "InterruptedException: Interrupted!", not as a cancel.
        if message.contains("conflict with recovery") {
            Self::RecoveryConflict(message)
        } else if *code == SqlState::QUERY_CANCELED || message.contains("InterruptedException") {
            Self::Timeout
        } else if *code == SqlState::UNDEFINED_TABLE
            || message.starts_with("could not open relation")
        {
            Self::StaleTable(message)
        } else if code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
            ]
            .contains(code)
        {
            Self::Unavailable(message)
        } else {
            Self::Failed(format!("{}: {message}", code.code()))
        }
    }
}

impl From<PoolError> for QueryError {
    fn from(e: PoolError) -> Self {
        // Every pool failure (timeout, a connection that cannot be opened or recycled) means
        // no connection could be had: the database is unavailable, whatever the cause.
        Self::Unavailable(e.to_string())
    }
}
