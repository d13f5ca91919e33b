//! The one error type of the control API: `{"error": {"code", "message"}}` with
//! a fitting status.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For `bad_query`: where the bad token is (bytes into the query) and its length.
    pub span: Option<(usize, usize)>,
    /// For `template_error`: every problem, by field.
    pub diagnostics: Option<Vec<crate::outbound::spec::FieldDiagnostic>>,
}

#[derive(Serialize, ToSchema, ts_rs::TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema, ts_rs::TS)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `unauthorized`, `invalid_request`…
    pub code: String,
    /// For people.
    pub message: String,
    /// `bad_query`: the byte offset of the bad token in the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub position: Option<usize>,
    /// `bad_query`: the bad token's length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub length: Option<usize>,
    /// `template_error`: each problem with its field and byte offsets into that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub diagnostics: Option<Vec<crate::outbound::spec::FieldDiagnostic>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), span: None, diagnostics: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }
    /// A query that cannot be parsed: 400 `bad_query` with where it went wrong.
    pub fn bad_query(e: crate::search::QueryError) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_query",
            message: e.message,
            span: Some((e.position, e.length)),
            diagnostics: None,
        }
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                position: self.span.map(|s| s.0),
                length: self.span.map(|s| s.1),
                diagnostics: self.diagnostics,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            e if e.is_disk_full() => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", e.to_string())
            }
            e => {
                tracing::error!(error = %e, "store error in the control API");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            }
        }
    }
}
