//! The events in `events/`: the same files `sam local invoke -e` takes. API Gateway events for the
//! HTTP functions (HTTP API, payload 2.0; and `*-rest-api.json`, REST API, payload 1.0, as
//! CloudFront delivers them with EdgeProtection=true), loaded as handler requests, with what each
//! must produce ([`EXPECTED`]); SQS events for the mail worker ([`SQS_EXPECTED`]).

use std::path::PathBuf;

use base64::Engine as _;
use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::workspace_root;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    RequestReset,
    ResetPassword,
    MailWorker,
}

impl Function {
    /// Events are named after the function that serves them.
    pub fn of(file: &str) -> Function {
        if file.starts_with("request-reset") {
            Function::RequestReset
        } else if file.starts_with("mail-worker") {
            Function::MailWorker
        } else {
            Function::ResetPassword
        }
    }
    pub fn binary(self) -> &'static str {
        match self {
            Function::RequestReset => "request-reset",
            Function::ResetPassword => "reset-password",
            Function::MailWorker => "mail-worker",
        }
    }
}

/// What an SQS event for the mail worker must produce once its times are fresh ([`fresh`]).
pub struct SqsExpected {
    pub file: &'static str,
    /// Messages reported in `batchItemFailures` (to come back later).
    pub failures: usize,
    /// Mails the demo user gets.
    pub mails_demo_user: usize,
}

pub const SQS_EXPECTED: &[SqsExpected] = &[
    SqsExpected { file: "mail-worker-reset-link.json", failures: 0, mails_demo_user: 1 },
    // A link for the demo user, one for an unknown address (no mail), a password-changed notice.
    SqsExpected { file: "mail-worker-batch.json", failures: 0, mails_demo_user: 2 },
    // An unreadable body is dropped (with a metric), not retried, and the rest of the batch goes out.
    SqsExpected { file: "mail-worker-poison.json", failures: 0, mails_demo_user: 1 },
];

/// An SQS event with its jobs' times set to now (the files carry a fixed date, which a worker
/// would drop as stale) and fresh job ids (so a replay is not a duplicate of the last one).
pub fn fresh(mut event: Value) -> Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for record in event["Records"].as_array_mut().into_iter().flatten() {
        let Ok(mut job) = serde_json::from_str::<Value>(record["body"].as_str().unwrap_or_default()) else { continue };
        for field in ["requested_at", "changed_at"] {
            if job.get(field).is_some() {
                job[field] = now.into();
            }
        }
        if let Some(id) = job["id"].as_str() {
            job["id"] = format!("{id}-{now}-{}", crate::free_port()).into();
        }
        record["body"] = job.to_string().into();
    }
    event
}

/// What an event must produce when replayed as it stands (tokens in the files are placeholders).
pub struct Expected {
    pub file: &'static str,
    pub status: u16,
    /// The `error` code of the JSON body, for 4xx answers.
    pub error: Option<&'static str>,
    /// Whether the demo user gets a reset mail.
    pub mails_demo_user: bool,
    /// Words the page must show (HTML answers with a body): which page it is, or why it refused.
    pub shows: Option<&'static str>,
}

const fn ok(file: &'static str, status: u16, mails_demo_user: bool) -> Expected {
    Expected { file, status, error: None, mails_demo_user, shows: None }
}
const fn err(file: &'static str, status: u16, error: &'static str) -> Expected {
    Expected { file, status, error: Some(error), mails_demo_user: false, shows: None }
}
const fn page(file: &'static str, status: u16, mails_demo_user: bool, shows: &'static str) -> Expected {
    Expected { file, status, error: None, mails_demo_user, shows: Some(shows) }
}
const INVALID_LINK: &str = "This link is invalid or has expired";

pub const EXPECTED: &[Expected] = &[
    ok("request-reset.json", 202, true),
    ok("request-reset-unknown-account.json", 202, false),
    ok("request-reset-mixed-case-email.json", 202, true),
    ok("request-reset-base64-body.json", 202, true),
    // Through CloudFront (the origin-verify and viewer-address headers); without a CDN configured
    // the headers change nothing (tests/api/edge.rs runs it with one).
    ok("request-reset-via-cdn.json", 202, true),
    err("request-reset-invalid-email.json", 400, "invalid_email"),
    err("request-reset-crlf-injection.json", 400, "invalid_email"),
    err("request-reset-malformed-json.json", 400, "malformed_json"),
    err("request-reset-missing-email.json", 400, "invalid_request"),
    err("request-reset-email-not-a-string.json", 400, "invalid_request"),
    err("request-reset-wrong-content-type.json", 415, "unsupported_media_type"),
    err("request-reset-oversized-body.json", 413, "payload_too_large"),
    err("request-reset-wrong-method.json", 405, "method_not_allowed"),
    err("reset-password-confirm.json", 400, "invalid_or_expired_token"),
    err("reset-password-invalid-token.json", 400, "invalid_or_expired_token"),
    err("reset-password-weak-password.json", 422, "weak_password"),
    err("reset-password-malformed-json.json", 400, "malformed_json"),
    err("reset-password-missing-password.json", 400, "invalid_request"),
    err("reset-password-wrong-content-type.json", 415, "unsupported_media_type"),
    err("reset-password-wrong-method.json", 405, "method_not_allowed"),
    // The hosted pages (HTML: no JSON error code).
    page("request-reset-forgot-page.json", 200, false, "Forgot your password?"),
    ok("request-reset-forgot-page-head.json", 200, false),
    page("request-reset-forgot-form.json", 200, true, "Check your inbox"),
    page("request-reset-forgot-form-unknown-account.json", 200, false, "Check your inbox"),
    page("request-reset-forgot-form-invalid-email.json", 400, false, "Enter a valid email address"),
    page("request-reset-forgot-form-wrong-content-type.json", 415, false, "This form could not be read"),
    // Posted by a page on a sibling subdomain (same-site, so SameSite cookies do not stop it).
    page("request-reset-forgot-form-cross-origin.json", 403, false, "This form was sent from another site"),
    page("reset-password-form-cross-origin.json", 403, false, "This form was sent from another site"),
    page("reset-password-page-from-link.json", 400, false, INVALID_LINK),
    ok("reset-password-page-head.json", 400, false),
    page("reset-password-page-without-token.json", 400, false, INVALID_LINK),
    page("reset-password-form.json", 400, false, INVALID_LINK),
    // The cookie's token is checked first (the form names its account), and this one is a
    // placeholder; the mismatch itself is in tests/api/pages.rs, with a live token.
    page("reset-password-form-mismatch.json", 400, false, INVALID_LINK),
    // Through CloudFront and the REST API (payload 1.0, stage `live`, origin path `/live`): the
    // same answers; without a CDN configured the edge headers change nothing (tests/api/rest_api.rs
    // runs them with one).
    ok("request-reset-rest-api.json", 202, true),
    page("request-reset-forgot-page-rest-api.json", 200, false, "Forgot your password?"),
    page("request-reset-forgot-form-rest-api.json", 200, true, "Check your inbox"),
    page("reset-password-page-from-link-rest-api.json", 400, false, INVALID_LINK),
    err("reset-password-confirm-rest-api.json", 400, "invalid_or_expired_token"),
    page("reset-password-form-rest-api.json", 400, false, INVALID_LINK),
];

pub fn dir() -> PathBuf {
    workspace_root().join("events")
}

/// Every event file, sorted.
pub fn files() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir()).expect("events/ exists").filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".json")).collect();
    names.sort();
    names
}

pub fn load(file: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("events/{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{file} is not JSON: {e}"))
}

/// The event with its JSON body's `field` set to `value` (e.g. a real token in place of the placeholder).
pub fn with_body_field(mut event: Value, field: &str, value: &str) -> Value {
    let mut body: Value = serde_json::from_str(event["body"].as_str().expect("a text body")).expect("a JSON body");
    body[field] = Value::String(value.to_owned());
    event["body"] = Value::String(body.to_string());
    event
}

/// The event as the request lambda_http hands a handler.
pub fn to_request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event (payload 2.0 or 1.0)")
}

/// A response, from whichever side it was seen: a handler, `cargo lambda invoke`, or HTTP.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn error_code(&self) -> Option<String> {
        self.json()["error"].as_str().map(str::to_owned)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// From the API Gateway response JSON that `cargo lambda invoke` prints (an answer to a REST
    /// API event carries its headers in `multiValueHeaders`).
    pub fn from_apigw(value: &Value) -> Reply {
        let raw = value["body"].as_str().unwrap_or_default();
        let body = if value["isBase64Encoded"].as_bool() == Some(true) {
            String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(raw).unwrap_or_default()).into_owned()
        } else {
            raw.to_owned()
        };
        let single = value["headers"].as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()));
        let multi = value["multiValueHeaders"].as_object().into_iter().flatten();
        let multi = multi.flat_map(|(k, vs)| vs.as_array().into_iter().flatten().map(|v| (k.clone(), v.as_str().unwrap_or_default().to_owned())));
        let headers = single.chain(multi).collect();
        Reply { status: value["statusCode"].as_u64().unwrap_or_default() as u16, headers, body }
    }
}

impl From<Response<Body>> for Reply {
    fn from(response: Response<Body>) -> Reply {
        let headers = response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect();
        let body = match response.body() {
            Body::Text(t) => t.clone(),
            Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        Reply { status: response.status().as_u16(), headers, body }
    }
}
