//! The events in `events/`: the same files `sam local invoke -e` takes. API Gateway events for the
//! HTTP functions (HTTP API, payload 2.0; and `*-rest-api.json`, REST API, payload 1.0, as
//! CloudFront delivers them with EdgeProtection=true), loaded as handler requests; SQS events for
//! the mail worker, made fresh and signed ([`fresh`]); and the [`Reply`] a function gives, however it was
//! reached. What each event must produce is the tests' (`tests/api/events.rs`).

use std::path::PathBuf;

use base64::Engine as _;
use lambda_http::{Body, Request, Response};
use reset_core::domain::mail_job::MailJob;
use reset_core::reset_token::HashRing;
use serde_json::Value;

use crate::workspace_root;

/// An SQS event with its jobs' times set to now (the files carry a fixed date, which a worker
/// would drop as stale) and fresh job ids (so a replay is not a duplicate of the last one), each
/// job signed with `ring`, the hashing keys (the files carry no MAC: the worker refuses a job without one). A body
/// that is no job stays as it is.
pub fn fresh(mut event: Value, ring: &HashRing) -> Value {
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
        record["body"] = match MailJob::from_json(&job.to_string()).ok().and_then(|job| job.sign(ring).ok()) {
            Some(signed) => signed.body().into(),
            None => job.to_string().into(),
        };
    }
    event
}

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
