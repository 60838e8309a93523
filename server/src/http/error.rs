//! The one place errors become HTTP responses: a status, a stable error code and a message,
//! as `{"error": code, "message": ...}` and the same as an OGC API exception (`code`,
//! `description`). Internal detail goes to the log, never to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::AccessError;
use crate::db::QueryError;
use crate::ogc::OgcError;
use crate::publish::PublishError;
use crate::stats::StatsError;
use crate::tiles::TileError;
use crate::views::ViewError;

/// Seconds a client is told to wait when the database is unavailable.
const RETRY_AFTER_SECS: u32 = 5;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds for `Retry-After` other than the database's (a `429`).
    retry_after: Option<u64>,
}

impl ApiError {
    /// A 400 with `code` and `message`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 with `code` and `message`.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// An error of any `status`.
    pub(crate) fn with_status(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(status, code, message)
    }

    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl From<ViewError> for ApiError {
    fn from(e: ViewError) -> Self {
        let message = e.to_string();
        match e {
            ViewError::NotFound(_) => Self::not_found("unknown_map", message),
            ViewError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            ViewError::Invalid(_) => Self::bad_request("invalid_map", message),
            ViewError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            ViewError::Query(e) => e.into(),
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        let message = e.to_string();
        match e {
            PublishError::Invalid(_) => Self::bad_request("invalid_upload", message),
            PublishError::TooLarge(_) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            PublishError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            PublishError::NotFound(_) => Self::not_found("not_found", message),
            PublishError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            PublishError::Access(e) => e.into(),
            PublishError::Query(e) => e.into(),
            PublishError::Storage(_) => {
                tracing::error!("{message}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage",
                    "the server could not store the upload; nothing was loaded",
                )
            }
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        let message = e.to_string();
        match e {
            AccessError::Missing => Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message),
            AccessError::Invalid => Self::new(StatusCode::UNAUTHORIZED, "invalid_key", message),
            AccessError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            AccessError::TooManyFailures { retry_after_s } => Self {
                retry_after: Some(retry_after_s),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_failures", message)
            },
            AccessError::Rejected(_) => Self::bad_request("rejected", message),
            AccessError::Query(e) => e.into(),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            // A conflict that outlived its retry on the primary: as busy as an outage.
            QueryError::Unavailable(detail) | QueryError::RecoveryConflict(detail) => {
                tracing::warn!("database unavailable: {detail}");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            QueryError::Timeout => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the query took too long and was cancelled; retry shortly",
            ),
            QueryError::StaleTable(detail) | QueryError::Failed(detail) => {
                tracing::error!("database error: {detail}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::InvalidDataset(e) => Self::bad_request("invalid_dataset", e.to_string()),
            TileError::UnknownDataset(_) => Self::not_found("unknown_dataset", e.to_string()),
            TileError::InvalidTile(e) => Self::bad_request("invalid_tile", e.to_string()),
            TileError::Composite(m) => Self::bad_request("invalid_composite", m),
            TileError::Format(_) => Self::bad_request("invalid_format", e.to_string()),
            TileError::Query(e) => e.into(),
        }
    }
}

impl From<StatsError> for ApiError {
    fn from(e: StatsError) -> Self {
        let message = e.to_string();
        match e {
            StatsError::InvalidDataset(_) => Self::bad_request("invalid_dataset", message),
            StatsError::UnknownDataset(_) => Self::bad_request("unknown_dataset", message),
            StatsError::UnknownDivision(_) => Self::bad_request("unknown_division", message),
            StatsError::Field(_) => Self::bad_request("unknown_field", message),
            StatsError::Measure(_) => Self::bad_request("invalid_measure", message),
            StatsError::Where(_) => Self::bad_request("invalid_where", message),
            StatsError::Parameter(_) => Self::bad_request("invalid_parameter", message),
            StatsError::Geometry(_) => Self::bad_request("invalid_geometry", message),
            StatsError::TooLarge(_) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            StatsError::NoOverlay { .. } => {
                Self::new(StatusCode::CONFLICT, "not_measured", message)
            }
            StatsError::NoPopulation(_) => {
                Self::new(StatusCode::CONFLICT, "no_population", message)
            }
            StatsError::Query(e) => e.into(),
        }
    }
}

impl From<OgcError> for ApiError {
    fn from(e: OgcError) -> Self {
        let message = e.to_string();
        match e {
            OgcError::UnknownCollection(_) => Self::not_found("unknown_collection", message),
            OgcError::UnknownFeature { .. } => Self::not_found("unknown_feature", message),
            OgcError::UnknownTileMatrixSet(_) => {
                Self::not_found("unknown_tile_matrix_set", message)
            }
            OgcError::Parameter(_) => Self::bad_request("invalid_parameter", message),
            OgcError::Filter(_) => Self::bad_request("invalid_filter", message),
            OgcError::Reloaded { .. } => Self::new(StatusCode::CONFLICT, "reloaded", message),
            OgcError::Query(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            // Our shape and, with the same content, the OGC API exception's (`code`,
            // `description`), so OGC clients show the reason too.
            Json(json!({
                "error": self.code,
                "message": self.message,
                "code": self.code,
                "description": self.message,
            })),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rummet\""),
            );
        }
        response
    }
}
