//! The one place where outcomes become HTTP: the JSON error shape, the status of every use-case
//! error, and the headers every response carries. Clients get a code and a short message; the
//! cause chain goes to the log.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use reset_core::domain::{InvalidEmail, InvalidToken, PasswordProblem, WeakPassword};
use reset_core::{ConfirmError, RequestResetError};
use serde::Serialize;

/// Seconds a client should wait after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<PasswordProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, error, message: message.into(), reasons: Vec::new() }
    }

    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_or_expired_token",
            "This reset link is invalid or has expired. Ask for a new one.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "The service is briefly unavailable. Try again in a few seconds.")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side. Try again later.")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This address only takes POST.")
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_else(|_| r#"{"error":"internal_error"}"#.to_owned());
        let mut response = json_response(self.status, body);
        let headers = response.headers_mut();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

impl From<InvalidEmail> for ApiError {
    fn from(_: InvalidEmail) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_email", "Enter a valid email address, like name@example.com.")
    }
}

impl From<InvalidToken> for ApiError {
    fn from(_: InvalidToken) -> Self {
        tracing::info!(outcome = "token_rejected", reason = "malformed", "reset confirm refused");
        Self::invalid_token()
    }
}

impl From<WeakPassword> for ApiError {
    fn from(weak: WeakPassword) -> Self {
        let message = weak.0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" ");
        ApiError { reasons: weak.0, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", message) }
    }
}

impl From<RequestResetError> for ApiError {
    fn from(err: RequestResetError) -> Self {
        match err {
            RequestResetError::Unavailable(cause) => {
                tracing::error!(error = ?cause, "reset request failed: dependency unavailable");
                Self::unavailable()
            }
        }
    }
}

impl From<ConfirmError> for ApiError {
    fn from(err: ConfirmError) -> Self {
        match err {
            ConfirmError::InvalidToken(why) => {
                tracing::info!(outcome = "token_rejected", reason = why.as_str(), "reset confirm refused");
                Self::invalid_token()
            }
            ConfirmError::Unavailable(cause) => {
                tracing::error!(error = ?cause, "reset confirm failed: dependency unavailable");
                Self::unavailable()
            }
            ConfirmError::Unexpected(cause) => {
                tracing::error!(error = ?cause, "reset confirm failed unexpectedly");
                Self::internal()
            }
        }
    }
}

/// A JSON response with the headers every answer of this service carries.
pub fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    response
}
