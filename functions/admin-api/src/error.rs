//! The admin API's one mapping from outcomes to HTTP: every way a call can fail, its status, its
//! stable `error` code and its message. Operators read these answers (the API is theirs alone), so
//! a refusal says why, in English; the cause of an outage goes to the log (the use case logs it),
//! never into the answer. A body of the wrong media type or size is answered as the public API
//! answers it (`reset_http::ApiError`).

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use reset_core::OperatorRefusal;
use reset_core::domain::InvalidUserId;
use reset_http::{ApiError, BodyError, RETRY_AFTER_SECS, json_response};
use reset_text::{Locale, Msg};
use serde::Serialize;

/// Why a call was not started.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No IAM identity in the request context: not signed, or not through the `AWS_IAM` authorizer.
    #[error("this API takes requests signed with AWS credentials (SigV4) only")]
    Unsigned,
    /// Signed, by someone `ADMIN_CALLER_ARNS` does not name.
    #[error("this caller may not use the admin API")]
    NotAllowed,
    /// `ADMIN_CALLER_ARNS` is empty: no one may call. The caller is told what `NotAllowed` tells.
    #[error("this caller may not use the admin API")]
    NoCallers,
    #[error("no such route: the admin API has POST /admin/reset and POST /admin/invite")]
    NotFound,
    #[error("this path takes POST only")]
    MethodNotAllowed,
    #[error("the body is not JSON")]
    MalformedJson,
    /// Well-formed JSON, but not the fields the route takes (`shape` says which).
    #[error("the body must be a JSON object with {shape}, and nothing else")]
    Shape { shape: &'static str },
    #[error("user_id must be a string of 1 to 256 characters, without control characters")]
    InvalidUserId(#[from] InvalidUserId),
    #[error("locale must be a BCP 47 tag (such as de or pt-BR) of a language the mails are written in; available: {}", available_locales())]
    UnknownLocale,
    /// The wrong media type, or too large: answered as the public API answers it.
    #[error("the body cannot be read ({0:?})")]
    Unreadable(BodyError),
    #[error(transparent)]
    Refused(#[from] OperatorRefusal),
}

fn available_locales() -> String {
    Locale::all().map(Locale::tag).collect::<Vec<_>>().join(", ")
}

/// The JSON shape of an error: `{"error": code, "message": ...}`.
#[derive(Serialize)]
struct Wire<'a> {
    error: &'a str,
    message: String,
}

impl AdminError {
    /// Whether the caller's identity was refused (not signed, not listed, no one listed): what the
    /// `admin_call_refused` metric counts.
    pub fn refuses_the_caller(&self) -> bool {
        matches!(self, AdminError::Unsigned | AdminError::NotAllowed | AdminError::NoCallers)
    }

    /// The status and the stable `error` code: the one mapping (a refusal's code is the use
    /// case's own, `OperatorRefusal::code`).
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AdminError::Unsigned | AdminError::NotAllowed | AdminError::NoCallers => (StatusCode::FORBIDDEN, "forbidden"),
            AdminError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AdminError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AdminError::MalformedJson | AdminError::Shape { .. } | AdminError::InvalidUserId(_) | AdminError::UnknownLocale => {
                (StatusCode::BAD_REQUEST, "bad_request")
            }
            AdminError::Unreadable(err) => {
                let public = ApiError::from_body(*err, BODY_SHAPE);
                (public.status(), public.code.as_str())
            }
            AdminError::Refused(refusal) => {
                let status = match refusal {
                    OperatorRefusal::UnknownUser => StatusCode::NOT_FOUND,
                    OperatorRefusal::OptionsForInvitation => StatusCode::BAD_REQUEST,
                    OperatorRefusal::Disabled
                    | OperatorRefusal::NoPassword
                    | OperatorRefusal::HasPassword
                    | OperatorRefusal::Changed
                    | OperatorRefusal::UnusableAddress
                    | OperatorRefusal::AlreadyQueued => StatusCode::CONFLICT,
                    OperatorRefusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                };
                (status, refusal.code())
            }
        }
    }

    /// The JSON answer.
    pub fn into_response(self) -> Response<Body> {
        if let AdminError::Unreadable(err) = self {
            return ApiError::from_body(err, BODY_SHAPE).into_response(Locale::ENGLISH);
        }
        let (status, code) = self.status_and_code();
        let body = serde_json::to_string(&Wire { error: code, message: self.to_string() }).unwrap_or_else(|_| format!(r#"{{"error":"{code}"}}"#));
        let mut response = json_response(status, body);
        let headers = response.headers_mut();
        match self {
            AdminError::MethodNotAllowed => {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            AdminError::Refused(OperatorRefusal::Unavailable(_)) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            _ => {}
        }
        response
    }
}

/// What `ApiError::from_body` says of a body of the wrong shape; never reached here (the admin
/// API answers a wrong shape itself, naming its fields), but its signature takes one.
const BODY_SHAPE: Msg = Msg::new("error-request-shape");
