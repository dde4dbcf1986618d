//! Errors: [`Error`] for starting the emulator, [`ApiError`] for answering a request.

use std::net::SocketAddr;
use std::path::PathBuf;

use api_types::{Collection, ErrorBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the emulator state at `{path}`")]
    OpenState {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot prepare the emulator state at `{path}`")]
    PrepareState {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the emulator state at `{path}` belongs to account `{found}`, not `{expected}`")]
    ForeignState {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error(
        "the emulator state at `{path}` has schema version {found}; this build knows {expected}"
    )]
    StateVersion {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("cannot clear the emulator state (the cause is in the emulator's log)")]
    Reset,
    #[error("invalid scenario")]
    Scenario(#[source] crate::scenario::ScenarioError),
    #[error("cannot listen on {address}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// An API error response: an HTTP status, an `error_code` and a message that names the
/// offending value.
///
/// Most errors are the standard JSON body; where the real service is known to answer with the
/// plain-text form `ERROR_CODE: message` (`shared/reference/account-api.md` §4.3), so does the
/// emulator, so that clients exercise both parsers.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) error_code: &'static str,
    pub(crate) message: String,
    pub(crate) plain_text: bool,
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        error_code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            error_code,
            message: message.into(),
            plain_text: false,
            retry_after: None,
        }
    }

    /// 400 `INVALID_PARAMETER_VALUE`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
    }

    /// 400 `MALFORMED_REQUEST` in the plain-text form.
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        ApiError {
            plain_text: true,
            ..ApiError::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", message)
        }
    }

    /// 404 `RESOURCE_DOES_NOT_EXIST` for an object named in the path.
    pub(crate) fn not_found(collection: Collection, id: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            format!("{} {id} does not exist", capitalized(collection.noun())),
        )
    }

    /// 400 `INVALID_PARAMETER_VALUE` for an id in a request body that names no object.
    pub(crate) fn unknown_reference(field: &str, collection: Collection, id: &str) -> Self {
        ApiError::invalid(format!(
            "{field} `{id}` does not name an existing {}",
            collection.noun()
        ))
    }

    /// 409 `RESOURCE_ALREADY_EXISTS`.
    pub(crate) fn already_exists(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "RESOURCE_ALREADY_EXISTS", message)
    }

    /// 409 `INVALID_STATE`.
    pub(crate) fn invalid_state(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "INVALID_STATE", message)
    }

    /// 500 `INTERNAL_ERROR`. The cause is logged here and never shown to the client.
    pub(crate) fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error_chain(cause), "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the emulator hit an internal error; see its log",
        )
    }

    pub(crate) fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        ApiError::internal(&error)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        ApiError::internal(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody::new(self.error_code, self.message);
        let mut response = if self.plain_text {
            (
                self.status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                body.to_plain_text(),
            )
                .into_response()
        } else {
            (self.status, axum::Json(body)).into_response()
        };
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn capitalized(noun: &str) -> String {
    let mut chars = noun.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `error: cause: cause`, for a log line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
