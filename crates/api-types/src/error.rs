//! The API's error bodies, in every shape the account API is known to send
//! (`shared/reference/account-api.md` §4.1).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An `error_code`: usually a name such as `INVALID_STATE`, a number on some endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Name(String),
    Number(i64),
}

impl Default for ErrorCode {
    fn default() -> Self {
        ErrorCode::Name(String::new())
    }
}

impl ErrorCode {
    /// Whether the code is `name` (numbers compare by their decimal spelling).
    pub fn is(&self, name: &str) -> bool {
        match self {
            ErrorCode::Name(value) => value == name,
            ErrorCode::Number(value) => value.to_string() == name,
        }
    }

    /// Whether the server sent no code at all.
    pub fn is_empty(&self) -> bool {
        matches!(self, ErrorCode::Name(value) if value.is_empty())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Name(value) => f.write_str(value),
            ErrorCode::Number(value) => write!(f, "{value}"),
        }
    }
}

/// The standard JSON error body: `{"error_code": "...", "message": "...", "details": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error_code: ErrorCode,
    #[serde(default)]
    pub message: String,
    /// `google.rpc` detail objects (`ErrorInfo`, `RequestInfo`, `RetryInfo`, ...), kept as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
}

impl ErrorBody {
    /// A body with a named code and a message.
    pub fn new(error_code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            error_code: ErrorCode::Name(error_code.to_owned()),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Parses any error body shape the account API sends: standard JSON, the legacy
    /// `{"error": "..."}` and SCIM `{"detail", "status"}` JSON shapes, and the plain-text
    /// `ERROR_CODE: message` form. `None` when nothing fits (an empty body, an HTML page); the
    /// caller then falls back to the HTTP reason phrase.
    pub fn parse(body: &str) -> Option<ErrorBody> {
        let trimmed = body.trim();
        if trimmed.is_empty() {
            return None;
        }
        if let Ok(serde_json::Value::Object(object)) =
            serde_json::from_str::<serde_json::Value>(trimmed)
        {
            return Self::from_json_object(object);
        }
        Self::from_plain_text(trimmed)
    }

    /// The plain-text form some provisioning endpoints answer with: `ERROR_CODE: message`.
    pub fn to_plain_text(&self) -> String {
        format!("{}: {}", self.error_code, self.message)
    }

    /// The `retry_delay` of a `google.rpc.RetryInfo` detail, in whole seconds, if any.
    pub fn retry_delay_seconds(&self) -> Option<u64> {
        self.details.iter().find_map(|detail| {
            let is_retry_info = detail
                .get("@type")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|kind| kind.ends_with("google.rpc.RetryInfo"));
            if !is_retry_info {
                return None;
            }
            // `retry_delay` is a protobuf Duration, rendered either as "1.5s" or {"seconds": 1}.
            match detail.get("retry_delay")? {
                serde_json::Value::String(text) => text
                    .trim_end_matches('s')
                    .parse::<f64>()
                    .ok()
                    .map(|seconds| seconds.ceil().max(0.0) as u64),
                serde_json::Value::Object(duration) => {
                    duration.get("seconds").and_then(serde_json::Value::as_u64)
                }
                _ => None,
            }
        })
    }

    fn from_json_object(object: serde_json::Map<String, serde_json::Value>) -> Option<ErrorBody> {
        if object.contains_key("error_code") || object.contains_key("message") {
            return serde_json::from_value(serde_json::Value::Object(object)).ok();
        }
        if let Some(serde_json::Value::String(error)) = object.get("error") {
            return Some(ErrorBody::new("", error.clone()));
        }
        if let Some(serde_json::Value::String(detail)) = object.get("detail") {
            let error_code = match object.get("status") {
                Some(serde_json::Value::String(status)) => ErrorCode::Name(status.clone()),
                Some(serde_json::Value::Number(status)) => {
                    ErrorCode::Number(status.as_i64().unwrap_or_default())
                }
                _ => ErrorCode::default(),
            };
            return Some(ErrorBody {
                error_code,
                message: detail.clone(),
                details: Vec::new(),
            });
        }
        None
    }

    fn from_plain_text(text: &str) -> Option<ErrorBody> {
        let (code, message) = text.split_once(": ")?;
        let is_code = !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        is_code.then(|| ErrorBody::new(code, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_known_shape() {
        let json =
            ErrorBody::parse(r#"{"error_code":"INVALID_STATE","message":"in use"}"#).unwrap();
        assert!(json.error_code.is("INVALID_STATE"));
        assert_eq!(json.message, "in use");

        let number = ErrorBody::parse(r#"{"error_code":403,"message":"no"}"#).unwrap();
        assert_eq!(number.error_code, ErrorCode::Number(403));
        assert!(number.error_code.is("403"));

        let plain =
            ErrorBody::parse("MALFORMED_REQUEST: vpc_endpoints malformed parameters: x").unwrap();
        assert!(plain.error_code.is("MALFORMED_REQUEST"));
        assert_eq!(plain.message, "vpc_endpoints malformed parameters: x");

        let legacy = ErrorBody::parse(r#"{"error":"Bad Request"}"#).unwrap();
        assert!(legacy.error_code.is_empty());
        assert_eq!(legacy.message, "Bad Request");

        let scim = ErrorBody::parse(r#"{"detail":"User not found","status":"404"}"#).unwrap();
        assert!(scim.error_code.is("404"));
    }

    #[test]
    fn rejects_what_is_not_an_error_body() {
        assert_eq!(ErrorBody::parse(""), None);
        assert_eq!(ErrorBody::parse("<html><body>Login</body></html>"), None);
        assert_eq!(ErrorBody::parse("Service Unavailable: try later"), None);
        assert_eq!(ErrorBody::parse("[1, 2]"), None);
    }

    #[test]
    fn reads_retry_info_in_both_duration_forms() {
        let text = r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down",
            "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retry_delay":"1.5s"}]}"#;
        assert_eq!(
            ErrorBody::parse(text).unwrap().retry_delay_seconds(),
            Some(2)
        );
        let object = r#"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down",
            "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retry_delay":{"seconds":3}}]}"#;
        assert_eq!(
            ErrorBody::parse(object).unwrap().retry_delay_seconds(),
            Some(3)
        );
    }
}
