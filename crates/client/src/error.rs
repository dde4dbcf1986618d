//! The client's error: what went wrong ([`ErrorKind`]) and during which call
//! ([`RequestContext`]), with the classifiers the planner and the applier decide on.
//!
//! The shape follows uv-client: a small `Error` that carries the context and a boxed kind,
//! so that `Result<T, Error>` stays one pointer wide. The context's message names the
//! operation, the object and the request line; the kind is its `source`, so a chain renders as
//! "cannot create network `acme-vpc` (POST /api/2.0/accounts/…/networks)" caused by
//! "409 Conflict: RESOURCE_ALREADY_EXISTS: …", never repeating itself.

use std::fmt;
use std::time::Duration;

use api_types::{Collection, ErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};

use crate::auth::AuthError;

/// What a call was for, in words a user understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List,
    Get,
    Create,
    Delete,
    /// `PUT`: a full replacement (private access settings).
    Replace,
    /// `PATCH`: a partial update (workspaces).
    Update,
}

/// The call an error happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub action: Action,
    pub collection: Collection,
    /// The object: an id, or for a create the name it was to have. Already formatted.
    pub object: Option<String>,
    pub method: Method,
    /// The request path (and query), without the host.
    pub path: String,
}

impl fmt::Display for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.action {
            Action::List => "list",
            Action::Get => "read",
            Action::Create => "create",
            Action::Delete => "delete",
            Action::Replace => "replace",
            Action::Update => "update",
        };
        match (&self.object, self.action) {
            (_, Action::List) => write!(f, "cannot list {}", plural(self.collection))?,
            (Some(object), _) => write!(f, "cannot {verb} {} {object}", self.collection.noun())?,
            (None, _) => write!(f, "cannot {verb} {}", self.collection.noun())?,
        }
        write!(f, " ({} {})", self.method, self.path)
    }
}

fn plural(collection: Collection) -> &'static str {
    match collection {
        Collection::Credentials => "credential configurations",
        Collection::StorageConfigurations => "storage configurations",
        Collection::CustomerManagedKeys => "customer-managed keys",
        Collection::VpcEndpoints => "VPC endpoints",
        Collection::Networks => "networks",
        Collection::PrivateAccessSettings => "private access settings",
        Collection::Workspaces => "workspaces",
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with an error status. `body` is `None` when the body was empty or
    /// not an error document (an HTML page); the message then falls back to the reason phrase.
    #[error("{}", api_message(*status, body.as_ref()))]
    Api {
        status: StatusCode,
        body: Option<ErrorBody>,
        /// The server's `Retry-After`, in integer seconds.
        retry_after: Option<Duration>,
    },
    /// An HTML page where JSON was expected, typically a login page after a redirect.
    #[error(
        "the server sent an HTML page ({status}) where JSON was expected; this is usually a login page: check that the host is the account console host and that the credentials are valid"
    )]
    HtmlPage { status: StatusCode },
    /// A success status whose body is not the expected JSON.
    #[error("cannot decode the server's {status} answer")]
    Decode {
        status: StatusCode,
        #[source]
        source: serde_json::Error,
    },
    /// The request was sent, or may have been, and no answer came in time.
    #[error("no answer within {timeout:?}")]
    Timeout {
        timeout: Duration,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No connection could be made: the request was certainly not sent.
    #[error("cannot connect to {host}")]
    Connect {
        host: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The connection failed after the request may have been sent (a reset, a truncated
    /// answer).
    #[error("the connection failed")]
    Transport {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No credentials could be obtained.
    #[error("cannot authenticate")]
    Auth {
        #[source]
        source: AuthError,
    },
    /// The request body could not be encoded as JSON.
    #[error("cannot encode the request body")]
    Encode {
        #[source]
        source: serde_json::Error,
    },
    /// More than one live object carries the natural key of the object to create.
    #[error("{} objects match {key}: {}", ids.len(), ids.join(", "))]
    DuplicateNaturalKey { key: String, ids: Vec<String> },
}

fn api_message(status: StatusCode, body: Option<&ErrorBody>) -> String {
    let status_line = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    match body {
        Some(body) if body.error_code.is_empty() && body.message.is_empty() => status_line,
        Some(body) if body.error_code.is_empty() => format!("{status_line}: {}", body.message),
        Some(body) if body.message.is_empty() => format!("{status_line}: {}", body.error_code),
        Some(body) => format!("{status_line}: {}: {}", body.error_code, body.message),
        None => status_line,
    }
}

/// An Account API call that failed.
#[derive(Debug)]
pub struct Error {
    context: Box<RequestContext>,
    kind: Box<ErrorKind>,
    retries: u32,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.context)?;
        match self.retries {
            0 => Ok(()),
            1 => write!(f, ", after 1 retry"),
            retries => write!(f, ", after {retries} retries"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.kind)
    }
}

/// Error codes that mean "the object does not exist".
const NOT_FOUND_CODES: &[&str] = &["RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"];
/// Error codes that mean "this conflicts with the current state".
const CONFLICT_CODES: &[&str] = &[
    "RESOURCE_ALREADY_EXISTS",
    "ALREADY_EXISTS",
    "RESOURCE_CONFLICT",
    "ABORTED",
];
/// Error codes that mean "too many requests".
const THROTTLED_CODES: &[&str] = &[
    "REQUEST_LIMIT_EXCEEDED",
    "RESOURCE_EXHAUSTED",
    "TOO_MANY_REQUESTS",
];

impl Error {
    /// An error of `kind` in the call described by `context`. Public so that scripted fakes
    /// of [`crate::AccountApi`] can produce the same errors as the real client.
    pub fn new(context: RequestContext, kind: ErrorKind) -> Error {
        Error {
            context: Box::new(context),
            kind: Box::new(kind),
            retries: 0,
        }
    }

    pub(crate) fn with_retries(mut self, retries: u32) -> Error {
        self.retries = retries;
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// How many times the call was retried before it gave up.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match &*self.kind {
            ErrorKind::Api { status, .. }
            | ErrorKind::HtmlPage { status }
            | ErrorKind::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The parsed error body, if the server sent one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match &*self.kind {
            ErrorKind::Api { body, .. } => body.as_ref(),
            _ => None,
        }
    }

    /// The `error_code`, if the server sent one.
    pub fn error_code(&self) -> Option<&ErrorCode> {
        self.body()
            .map(|body| &body.error_code)
            .filter(|code| !code.is_empty())
    }

    /// How long the server asked us to wait: `Retry-After`, else a `RetryInfo` detail.
    pub fn retry_after(&self) -> Option<Duration> {
        match &*self.kind {
            ErrorKind::Api {
                retry_after: Some(delay),
                ..
            } => Some(*delay),
            ErrorKind::Api {
                body: Some(body), ..
            } => body.retry_delay_seconds().map(Duration::from_secs),
            _ => None,
        }
    }

    fn has_code(&self, codes: &[&str]) -> bool {
        self.error_code()
            .is_some_and(|code| codes.iter().any(|name| code.is(name)))
    }

    fn has_status(&self, status: StatusCode) -> bool {
        self.status() == Some(status)
    }

    /// The object does not exist (404, `RESOURCE_DOES_NOT_EXIST`).
    pub fn is_not_found(&self) -> bool {
        self.has_status(StatusCode::NOT_FOUND) || self.has_code(NOT_FOUND_CODES)
    }

    /// The request conflicts with the current state (409, `RESOURCE_ALREADY_EXISTS`, ...):
    /// a duplicate name, or an object still in use (`409 INVALID_STATE`).
    pub fn is_conflict(&self) -> bool {
        self.has_status(StatusCode::CONFLICT) || self.has_code(CONFLICT_CODES)
    }

    /// The server refused to create an object because one with its name already exists
    /// (409 or 400 with an "already exists" code or message).
    pub fn is_already_exists(&self) -> bool {
        let Some(status) = self.status() else {
            return false;
        };
        if status != StatusCode::CONFLICT && status != StatusCode::BAD_REQUEST {
            return false;
        }
        self.has_code(&["RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"])
            || self
                .body()
                .is_some_and(|body| body.message.to_ascii_lowercase().contains("already exists"))
    }

    /// The server throttled the request (429, `REQUEST_LIMIT_EXCEEDED`, ...).
    pub fn is_throttled(&self) -> bool {
        self.has_status(StatusCode::TOO_MANY_REQUESTS) || self.has_code(THROTTLED_CODES)
    }

    /// The credentials were refused (401) or could not be obtained.
    pub fn is_unauthenticated(&self) -> bool {
        self.has_status(StatusCode::UNAUTHORIZED) || matches!(&*self.kind, ErrorKind::Auth { .. })
    }

    /// The identity may not do this (403).
    pub fn is_permission_denied(&self) -> bool {
        self.has_status(StatusCode::FORBIDDEN)
    }

    /// The failure is transient: the same request may succeed later (throttling, 502/503/504,
    /// `TEMPORARILY_UNAVAILABLE`, a connection failure or a timeout). For a `POST`, see also
    /// [`Error::is_ambiguous`].
    pub fn is_retryable(&self) -> bool {
        if self.is_throttled() || self.has_code(&["TEMPORARILY_UNAVAILABLE"]) {
            return true;
        }
        match &*self.kind {
            ErrorKind::Api { status, .. } => matches!(
                *status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            ErrorKind::Timeout { .. } | ErrorKind::Connect { .. } | ErrorKind::Transport { .. } => {
                true
            }
            _ => false,
        }
    }

    /// A `POST` whose outcome is unknown: it may have created the object. The request was
    /// sent and then timed out, the connection broke, the server answered 5xx, or it answered
    /// success with a body that cannot be read. Retrying it blindly could create a duplicate;
    /// [`crate::AccountApi::create_or_adopt`] lists the collection first.
    pub fn is_ambiguous(&self) -> bool {
        if self.context.method != Method::POST {
            return false;
        }
        match &*self.kind {
            ErrorKind::Timeout { .. } | ErrorKind::Transport { .. } => true,
            ErrorKind::Api { status, .. } => status.is_server_error(),
            ErrorKind::Decode { status, .. } => status.is_success(),
            _ => false,
        }
    }

    /// Whether the client itself may send the same request again without risk: the failure
    /// is transient and, for a `POST`, the server certainly did nothing (throttled, or the
    /// connection was never made).
    pub(crate) fn may_resend(&self) -> bool {
        if self.context.method != Method::POST {
            return self.is_retryable();
        }
        self.is_throttled() || matches!(&*self.kind, ErrorKind::Connect { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(method: Method) -> RequestContext {
        RequestContext {
            action: Action::Create,
            collection: Collection::Networks,
            object: Some("`acme-vpc`".to_owned()),
            method,
            path: "/api/2.0/accounts/a/networks".to_owned(),
        }
    }

    fn api(method: Method, status: u16, body: &str) -> Error {
        Error::new(
            context(method),
            ErrorKind::Api {
                status: StatusCode::from_u16(status).unwrap(),
                body: ErrorBody::parse(body),
                retry_after: None,
            },
        )
    }

    fn transport(method: Method) -> Error {
        Error::new(
            context(method),
            ErrorKind::Transport {
                source: "connection reset by peer".into(),
            },
        )
    }

    #[test]
    fn messages_name_the_operation_and_keep_the_cause_separate() {
        let error = api(
            Method::POST,
            409,
            r#"{"error_code":"RESOURCE_ALREADY_EXISTS","message":"name taken"}"#,
        );
        assert_eq!(
            error.to_string(),
            "cannot create network `acme-vpc` (POST /api/2.0/accounts/a/networks)"
        );
        let source = std::error::Error::source(&error).unwrap();
        assert_eq!(
            source.to_string(),
            "409 Conflict: RESOURCE_ALREADY_EXISTS: name taken"
        );
        assert_eq!(
            api(Method::GET, 503, "").with_retries(3).to_string(),
            "cannot create network `acme-vpc` (GET /api/2.0/accounts/a/networks), after 3 retries"
        );
    }

    #[test]
    fn every_body_shape_renders() {
        let message = |body: &str, status: u16| {
            std::error::Error::source(&api(Method::GET, status, body))
                .unwrap()
                .to_string()
        };
        assert_eq!(
            message(r#"{"error_code":403,"message":"no"}"#, 403),
            "403 Forbidden: 403: no"
        );
        assert_eq!(
            message("MALFORMED_REQUEST: vpc_endpoints malformed parameters", 400),
            "400 Bad Request: MALFORMED_REQUEST: vpc_endpoints malformed parameters"
        );
        assert_eq!(message("", 502), "502 Bad Gateway");
        assert_eq!(
            message("<html>oops</html>", 500),
            "500 Internal Server Error"
        );
        assert_eq!(
            message(r#"{"error":"legacy"}"#, 400),
            "400 Bad Request: legacy"
        );
    }

    #[test]
    fn classifiers_follow_status_and_code() {
        assert!(api(Method::GET, 404, "").is_not_found());
        assert!(
            api(
                Method::GET,
                400,
                r#"{"error_code":"RESOURCE_DOES_NOT_EXIST"}"#
            )
            .is_not_found()
        );
        assert!(api(Method::DELETE, 409, r#"{"error_code":"INVALID_STATE"}"#).is_conflict());
        assert!(!api(Method::DELETE, 409, r#"{"error_code":"INVALID_STATE"}"#).is_already_exists());
        assert!(
            api(
                Method::POST,
                400,
                r#"{"error_code":"INVALID_PARAMETER_VALUE","message":"Credential configuration name x already exists in this account."}"#
            )
            .is_already_exists()
        );
        assert!(api(Method::GET, 429, "").is_throttled());
        assert!(
            api(
                Method::GET,
                400,
                r#"{"error_code":"REQUEST_LIMIT_EXCEEDED"}"#
            )
            .is_throttled()
        );
        assert!(api(Method::GET, 503, "").is_retryable());
        assert!(
            api(
                Method::GET,
                500,
                r#"{"error_code":"TEMPORARILY_UNAVAILABLE"}"#
            )
            .is_retryable()
        );
        assert!(!api(Method::GET, 500, "").is_retryable());
        assert!(!api(Method::GET, 400, "").is_retryable());
        assert!(api(Method::GET, 401, "").is_unauthenticated());
        assert!(api(Method::GET, 403, "").is_permission_denied());
    }

    #[test]
    fn a_post_is_ambiguous_once_it_may_have_been_processed() {
        assert!(transport(Method::POST).is_ambiguous());
        assert!(!transport(Method::POST).may_resend());
        assert!(transport(Method::GET).may_resend());
        assert!(!transport(Method::GET).is_ambiguous());
        assert!(api(Method::POST, 503, "").is_ambiguous());
        assert!(!api(Method::POST, 503, "").may_resend());
        assert!(api(Method::POST, 429, "").may_resend());
        assert!(!api(Method::POST, 429, "").is_ambiguous());
        assert!(!api(Method::POST, 400, "").is_ambiguous());
        let refused = Error::new(
            context(Method::POST),
            ErrorKind::Connect {
                host: "127.0.0.1:9".to_owned(),
                source: "connection refused".into(),
            },
        );
        assert!(refused.may_resend() && !refused.is_ambiguous());
    }

    #[test]
    fn retry_after_prefers_the_header_then_retry_info() {
        let mut error = api(
            Method::GET,
            429,
            r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retry_delay":"2s"}]}"#,
        );
        assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
        if let ErrorKind::Api { retry_after, .. } = &mut *error.kind {
            *retry_after = Some(Duration::from_secs(7));
        }
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    }
}
