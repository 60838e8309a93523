//! The loader error: every variant names what went wrong and where (file, feature, field),
//! so the CLI can print it as one line.

use std::path::PathBuf;

/// Result of a loader operation.
pub type Result<T, E = LoadError> = std::result::Result<T, E>;

/// Why a load failed. Nothing of a failed load is visible to readers.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The dataset is not in the catalog.
    #[error("unknown dataset {id:?}: `rummet datasets` lists the catalog")]
    UnknownDataset {
        /// The id asked for.
        id: String,
    },
    /// No such earlier version of the dataset is kept.
    #[error("{id}: {}", .version.map_or_else(|| "no earlier version is kept".to_owned(), |v| format!("version {v} is not kept")))]
    NoSuchVersion {
        /// The dataset.
        id: String,
        /// The version asked for, if one was.
        version: Option<i64>,
    },
    /// The input could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid in its declared format.
    #[error("{input}: not a readable {format} file: {message}")]
    Format {
        /// The input's name.
        input: String,
        /// The expected format.
        format: &'static str,
        /// What the format reader said.
        message: String,
    },
    /// A field the catalog requires is not in the file.
    #[error("{input}: required field {field:?}{} is missing (the file has: {available})", crate::read::nor(.aliases))]
    MissingField {
        /// The input's name.
        input: String,
        /// The missing field.
        field: String,
        /// The other names it was looked for under.
        aliases: Vec<String>,
        /// The fields the file does have, comma separated.
        available: String,
    },
    /// The file declares a CRS other than the catalog's.
    #[error("{input}: the file declares EPSG:{declared} but the catalog expects EPSG:{expected}")]
    CrsMismatch {
        /// The input's name.
        input: String,
        /// The CRS the file declares.
        declared: i32,
        /// The CRS the catalog expects.
        expected: i32,
    },
    /// A value cannot be converted to its column's type.
    #[error("{input}: feature {feature}, field {field:?}: {message}")]
    Value {
        /// The input's name.
        input: String,
        /// 1-based feature number.
        feature: u64,
        /// The source field.
        field: String,
        /// What is wrong with the value.
        message: String,
    },
    /// The data is not usable as a whole (empty, outside Sweden, wrong geometry type...).
    #[error("{input}: {message}")]
    Rejected {
        /// The input's name.
        input: String,
        /// Why it was rejected.
        message: String,
    },
    /// The input is bigger than the server accepts (an archive unpacking past its caps).
    #[error("{input}: {message}")]
    TooLarge {
        /// The input's name.
        input: String,
        /// What is too large, and the limit.
        message: String,
    },
    /// A database step failed; the transaction was rolled back.
    #[error("{}database error while {step}: {source}", .input.as_deref().map(|i| format!("{i}: ")).unwrap_or_default())]
    Database {
        /// The input being loaded, once the pipeline has named it.
        input: Option<String>,
        /// What the pipeline was doing.
        step: &'static str,
        /// The database error.
        #[source]
        source: tokio_postgres::Error,
    },
}

impl LoadError {
    /// A maker of [`LoadError::Format`] errors about `input` in `format`, for readers that
    /// report many.
    pub(crate) fn format(input: &str, format: &'static str) -> impl Fn(String) -> Self + use<> {
        let input = input.to_owned();
        move |message| Self::Format {
            input: input.clone(),
            format,
            message,
        }
    }

    /// Wraps a database error with the pipeline step it happened in.
    pub(crate) fn db(step: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Database {
            input: None,
            step,
            source,
        }
    }

    /// Names `input` in a database error that does not name it yet, so every load error
    /// says which file it was about.
    #[must_use]
    pub(crate) fn in_input(self, name: &str) -> Self {
        match self {
            Self::Database {
                input: None,
                step,
                source,
            } => Self::Database {
                input: Some(name.to_owned()),
                step,
                source,
            },
            other => other,
        }
    }
}
