//! The one place where outcomes become HTTP: the JSON error shape, the status of every use-case
//! error, and the headers every response carries. Clients get a code and a short message; the
//! cause chain goes to the log.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use reset_core::domain::{InvalidEmail, InvalidToken, PasswordProblem, WeakPassword};
use reset_core::{ConfirmError, RequestResetError, Settings, pages};
use serde::Serialize;

use crate::body::BodyError;

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
    #[serde(skip)]
    allow: Option<&'static str>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        let retry_after = (status == StatusCode::SERVICE_UNAVAILABLE).then_some(u64::from(RETRY_AFTER_SECS));
        ApiError { status, error, message: message.into(), reasons: Vec::new(), allow: None, retry_after }
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

    /// The answer to a body that could not be read; `shape` says what the endpoint takes.
    pub fn from_body(err: BodyError, shape: &str) -> Self {
        let (code, message) = match err {
            BodyError::MediaType => ("unsupported_media_type", "Send the request body as JSON, with Content-Type: application/json."),
            BodyError::TooLarge => ("payload_too_large", "The request body must be at most 16384 bytes."),
            BodyError::Malformed => ("malformed_json", "The request body is not valid JSON."),
            BodyError::Shape => ("invalid_request", shape),
        };
        Self::new(err.status(), code, message)
    }

    /// 429 for a source over its request budget, with when to try again.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let message = format!("Too many requests from your network. Try again in {retry_after} seconds.");
        Self { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message) }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.")
    }

    /// 405; `allow` lists the methods the path takes.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self { allow: Some(allow), ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("This address takes {allow} only.")) }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_string(&self).unwrap_or_else(|_| r#"{"error":"internal_error"}"#.to_owned());
        let mut response = json_response(self.status, body);
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

impl ApiError {
    /// The same outcome as a page, for the browser routes: token failures get the "invalid or
    /// expired link" page, outages the "try again" page (with `Retry-After`), the rest a short
    /// message. The status is the one the JSON answer would have.
    pub fn into_page(self, settings: &Settings) -> Response<Body> {
        let body = match (self.status, self.error) {
            (_, "invalid_or_expired_token") => pages::invalid_link(settings),
            (StatusCode::SERVICE_UNAVAILABLE | StatusCode::INTERNAL_SERVER_ERROR, _) => pages::unavailable(settings),
            _ => pages::bad_request(settings, &self.message),
        };
        let mut response = html_response(self.status, body);
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
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
        tracing::info!(audit = "reset_confirmed", outcome = "token_rejected", reason = "malformed", "reset confirm refused");
        Self::invalid_token()
    }
}

impl From<WeakPassword> for ApiError {
    fn from(weak: WeakPassword) -> Self {
        let codes: Vec<&str> = weak.0.iter().map(|p| p.code).collect();
        tracing::info!(audit = "reset_confirmed", outcome = "weak_password", reasons = ?codes, "reset confirm refused");
        let message = weak.0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" ");
        ApiError { reasons: weak.0, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", message) }
    }
}

impl From<RequestResetError> for ApiError {
    fn from(err: RequestResetError) -> Self {
        match err {
            RequestResetError::Unavailable(cause) => {
                tracing::error!(audit = "reset_requested", outcome = "unavailable", error = ?cause, "reset request failed: dependency unavailable");
                Self::unavailable()
            }
        }
    }
}

impl From<ConfirmError> for ApiError {
    fn from(err: ConfirmError) -> Self {
        match err {
            ConfirmError::InvalidToken(why) => {
                tracing::info!(audit = "reset_confirmed", outcome = "token_rejected", reason = why.as_str(), "reset confirm refused");
                Self::invalid_token()
            }
            ConfirmError::WeakPassword(weak) => weak.into(),
            ConfirmError::Unavailable(cause) => {
                tracing::error!(audit = "reset_confirmed", outcome = "unavailable", error = ?cause, "reset confirm failed: dependency unavailable");
                Self::unavailable()
            }
            ConfirmError::Unexpected(cause) => {
                tracing::error!(audit = "reset_confirmed", outcome = "failed", error = ?cause, "reset confirm failed unexpectedly");
                Self::internal()
            }
        }
    }
}

/// A response with the headers every answer of this service carries.
fn response(status: StatusCode, content_type: &'static str, csp: HeaderValue, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

pub fn json_response(status: StatusCode, body: String) -> Response<Body> {
    response(status, "application/json", HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"), body)
}

/// The pages' Content-Security-Policy as a header value, built once per process.
static PAGE_CSP: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&reset_core::pages::CONTENT_SECURITY_POLICY).unwrap_or(HeaderValue::from_static("default-src 'none'"))
});

/// An HTML page, under the pages' Content-Security-Policy (our inline style and script by hash).
pub fn html_response(status: StatusCode, body: String) -> Response<Body> {
    response(status, "text/html; charset=utf-8", PAGE_CSP.clone(), body)
}
