//! The one place where outcomes become HTTP: the error codes clients see ([`ErrorCode`]), the
//! status of each, the JSON error shape, the page each error shows, and the headers every
//! response carries. Clients get a code and a short message; the cause chain goes to the log
//! (logged by the use case or handler that met it, never by a conversion).

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use reset_core::domain::{InvalidEmail, PasswordProblem, WeakPassword};
use reset_core::{ConfirmError, RequestResetError, Settings};
use reset_pages::pages::{self, Reader};
use reset_text::Locale;
use reset_text::Msg;
use serde::Serialize;

use crate::body::{BodyError, MAX_BODY_BYTES, Media};

/// Seconds a client should wait after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

/// Every error a client can get, serialized as the stable `error` string of the JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidOrExpiredToken,
    /// A mailed code that is wrong, expired, or for an address with no account: one answer.
    InvalidOrExpiredCode,
    /// Not shaped like a code (another length, a control character): nothing was looked up.
    MalformedCode,
    /// The address's code attempts for this window are spent (`Retry-After`).
    TooManyCodeAttempts,
    InvalidEmail,
    WeakPassword,
    /// The form's two password fields differ (pages only).
    PasswordsDiffer,
    InvalidRequest,
    MalformedJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    /// Behind a CDN, a request that did not come through it.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    TooManyRequests,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    /// The stable string clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOrExpiredToken => "invalid_or_expired_token",
            ErrorCode::InvalidOrExpiredCode => "invalid_or_expired_code",
            ErrorCode::MalformedCode => "malformed_code",
            ErrorCode::TooManyCodeAttempts => "too_many_code_attempts",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::PasswordsDiffer => "passwords_differ",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// The HTTP status of each error: the one mapping.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidOrExpiredToken
            | ErrorCode::InvalidOrExpiredCode
            | ErrorCode::MalformedCode
            | ErrorCode::InvalidEmail
            | ErrorCode::InvalidRequest
            | ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::WeakPassword | ErrorCode::PasswordsDiffer => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::TooManyRequests | ErrorCode::TooManyCodeAttempts => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl Serialize for ErrorCode {
    // One string table, not a serializer path per variant: this sits in every function's binary.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An error as the edge answers it: a stable code, a message (rendered in the reader's language
/// when the answer is written) and, for a refused password, the reasons.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: Msg,
    pub reasons: Vec<PasswordProblem>,
    allow: Option<&'static str>,
    retry_after: Option<u64>,
}

/// The JSON shape of an error: `{"error": code, "message": ..., "reasons": [{"code", "message"}]}`.
#[derive(Serialize)]
struct Wire {
    error: ErrorCode,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<WireReason>,
}

#[derive(Serialize)]
struct WireReason {
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: Msg) -> Self {
        let retry_after = (code == ErrorCode::ServiceUnavailable).then_some(u64::from(RETRY_AFTER_SECS));
        ApiError { code, message, reasons: Vec::new(), allow: None, retry_after }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The seconds a `Retry-After` says, for the answers that carry one.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn invalid_token() -> Self {
        Self::new(ErrorCode::InvalidOrExpiredToken, Msg::new("error-invalid-token"))
    }

    pub fn invalid_code() -> Self {
        Self::new(ErrorCode::InvalidOrExpiredCode, Msg::new("error-invalid-code"))
    }

    /// 400 for a code not shaped like one (wrong length, characters no code has, a control
    /// character): said before anything is looked up, the same for every address.
    pub fn malformed_code() -> Self {
        Self::new(ErrorCode::MalformedCode, Msg::new("error-malformed-code"))
    }

    /// 429 once an address's code attempts are spent, with when they come back.
    pub fn too_many_code_attempts(retry_after: u64) -> Self {
        let message = Msg::new("error-code-attempts").with("minutes", retry_after.div_ceil(60).max(1));
        Self { retry_after: Some(retry_after), ..Self::new(ErrorCode::TooManyCodeAttempts, message) }
    }

    pub fn unavailable() -> Self {
        Self::new(ErrorCode::ServiceUnavailable, Msg::new("error-unavailable"))
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::InternalError, Msg::new("error-internal"))
    }

    pub fn passwords_differ() -> Self {
        Self::new(ErrorCode::PasswordsDiffer, Msg::new("error-passwords-differ"))
    }

    /// The answer to a body that could not be read; `shape` says what the endpoint takes.
    pub fn from_body(err: BodyError, shape: Msg) -> Self {
        match err {
            BodyError::MediaType(Media::Json) => Self::new(ErrorCode::UnsupportedMediaType, Msg::new("error-json-media-type")),
            // A person sees this one, on a page: the form reached us in a shape its page never sends.
            BodyError::MediaType(Media::Form) => Self::new(ErrorCode::UnsupportedMediaType, Msg::new("error-form-media-type")),
            BodyError::TooLarge => Self::new(ErrorCode::PayloadTooLarge, Msg::new("error-too-large").with("bytes", MAX_BODY_BYTES)),
            BodyError::Malformed => Self::new(ErrorCode::MalformedJson, Msg::new("error-malformed-json")),
            BodyError::Shape => Self::new(ErrorCode::InvalidRequest, shape),
        }
    }

    /// 429 for a source over its request budget, with when to try again.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let message = Msg::new("error-too-many-requests").with("seconds", retry_after);
        Self { retry_after: Some(retry_after), ..Self::new(ErrorCode::TooManyRequests, message) }
    }

    /// 403 for a request that bypassed the CDN the service sits behind.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, Msg::new("error-forbidden"))
    }

    /// 403 for a form posted from another origin (a sibling subdomain, another site).
    pub fn cross_origin_form() -> Self {
        Self::new(ErrorCode::Forbidden, Msg::new("error-cross-origin"))
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, Msg::new("error-not-found"))
    }

    /// 405; `allow` lists the methods the path takes.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self { allow: Some(allow), ..Self::new(ErrorCode::MethodNotAllowed, Msg::new("error-method-not-allowed").with("allow", allow)) }
    }

    /// The JSON answer, its messages in `locale`.
    pub fn into_response(self, locale: Locale) -> Response<Body> {
        let reasons: Vec<WireReason> = self.reasons.iter().map(|reason| WireReason { code: reason.code, message: reason.message(locale) }).collect();
        let message = match reasons.is_empty() {
            true => self.message.text(locale),
            false => reasons.iter().map(|reason| reason.message.as_str()).collect::<Vec<_>>().join(" "),
        };
        let wire = Wire { error: self.code, message, reasons };
        let body = serde_json::to_string(&wire).unwrap_or_else(|_| r#"{"error":"internal_error"}"#.to_owned());
        let mut response = json_response(self.status(), body);
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }

    /// The same outcome as a page, for the browser routes: token failures get the "invalid or
    /// expired link" page, outages the "try again" page (with `Retry-After`), the rest a short
    /// message. The status is the one the JSON answer would have.
    pub fn into_page(self, reader: &Reader) -> Response<Body> {
        let body = match self.code {
            ErrorCode::InvalidOrExpiredToken => pages::invalid_link(reader),
            ErrorCode::ServiceUnavailable | ErrorCode::InternalError => pages::unavailable(reader),
            ErrorCode::InvalidOrExpiredCode
            | ErrorCode::MalformedCode
            | ErrorCode::TooManyCodeAttempts
            | ErrorCode::InvalidEmail
            | ErrorCode::WeakPassword
            | ErrorCode::PasswordsDiffer
            | ErrorCode::InvalidRequest
            | ErrorCode::MalformedJson
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::PayloadTooLarge
            | ErrorCode::Forbidden
            | ErrorCode::NotFound
            | ErrorCode::MethodNotAllowed
            | ErrorCode::TooManyRequests => pages::bad_request(reader, &self.message),
        };
        let mut response = html_response(reader.settings, self.status(), body);
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<InvalidEmail> for ApiError {
    fn from(_: InvalidEmail) -> Self {
        Self::new(ErrorCode::InvalidEmail, Msg::new("error-invalid-email"))
    }
}

impl From<WeakPassword> for ApiError {
    fn from(weak: WeakPassword) -> Self {
        // Written out as every reason's message in a row (`into_response`).
        ApiError { reasons: weak.0, ..Self::new(ErrorCode::WeakPassword, Msg::new("error-weak-password")) }
    }
}

impl From<RequestResetError> for ApiError {
    fn from(err: RequestResetError) -> Self {
        match err {
            RequestResetError::Unavailable(_) => Self::unavailable(),
        }
    }
}

impl From<ConfirmError> for ApiError {
    fn from(err: ConfirmError) -> Self {
        match err {
            ConfirmError::InvalidToken(_) => Self::invalid_token(),
            ConfirmError::InvalidCode(reset_core::CodeRejected::Malformed) => Self::malformed_code(),
            ConfirmError::InvalidCode(_) => Self::invalid_code(),
            ConfirmError::CodeAttemptsSpent { retry_after } => Self::too_many_code_attempts(retry_after),
            ConfirmError::WeakPassword(weak) => weak.into(),
            ConfirmError::Unavailable(_) => Self::unavailable(),
            ConfirmError::Internal(_) => Self::internal(),
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
    // No other origin's window keeps a handle on ours, and no other origin may embed our answers.
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    response
}

/// The body of a JSON answer that carries only a message: `{"message": "..."}`, in `locale`.
pub fn message_body(msg: &Msg, locale: Locale) -> String {
    #[derive(Serialize)]
    struct Message {
        message: String,
    }
    serde_json::to_string(&Message { message: msg.text(locale) }).unwrap_or_else(|_| "{}".to_owned())
}

pub fn json_response(status: StatusCode, body: String) -> Response<Body> {
    response(status, "application/json", HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"), body)
}

/// An HTML page, under the pages' Content-Security-Policy (our inline style and script by hash,
/// and the configured logo's origin), which the settings build once per process.
pub fn html_response(settings: &Settings, status: StatusCode, body: String) -> Response<Body> {
    let csp = HeaderValue::from_str(reset_pages::content_security_policy(settings)).unwrap_or(HeaderValue::from_static("default-src 'none'"));
    response(status, "text/html; charset=utf-8", csp, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_to_the_documented_strings() {
        let cases = [
            (ErrorCode::InvalidOrExpiredToken, "invalid_or_expired_token", 400),
            (ErrorCode::UnsupportedMediaType, "unsupported_media_type", 415),
            (ErrorCode::PayloadTooLarge, "payload_too_large", 413),
            (ErrorCode::WeakPassword, "weak_password", 422),
            (ErrorCode::ServiceUnavailable, "service_unavailable", 503),
        ];
        for (code, text, status) in cases {
            assert_eq!(serde_json::to_value(code).unwrap(), text);
            assert_eq!(code.as_str(), text);
            assert_eq!(code.status().as_u16(), status, "{text}");
        }
    }

    /// A dependency that failed is worth a retry (503, `Retry-After`); a fault of the service's own
    /// is not (500).
    #[test]
    fn an_unavailable_dependency_is_a_503_and_an_internal_fault_a_500() {
        let unavailable = ApiError::from(ConfirmError::Unavailable(anyhow::anyhow!("store down")));
        assert_eq!((unavailable.code, unavailable.status().as_u16()), (ErrorCode::ServiceUnavailable, 503));
        let response = unavailable.into_response(Locale::ENGLISH);
        assert!(response.headers().contains_key("retry-after"));
        let internal = ApiError::from(ConfirmError::Internal(anyhow::anyhow!("hashing failed")));
        assert_eq!((internal.code, internal.status().as_u16()), (ErrorCode::InternalError, 500));
    }

    #[test]
    fn the_size_message_names_the_real_limit() {
        let message = ApiError::from_body(BodyError::TooLarge, Msg::new("error-request-shape")).message;
        assert!(message.text(Locale::ENGLISH).contains(&MAX_BODY_BYTES.to_string()));
    }
}
