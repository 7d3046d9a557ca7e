//! Turning a request body into a typed value, with one clear 4xx for each way it can be wrong.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Parses a JSON body into `T`. `shape` tells the client what was expected; serde's own
/// messages are not passed on, since they can quote the (secret) values that were sent.
pub fn read_json<T: DeserializeOwned>(req: &Request, shape: &str) -> Result<T, ApiError> {
    if !is_json(req) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the request body as JSON, with Content-Type: application/json.",
        ));
    }
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body must be at most {MAX_BODY_BYTES} bytes."),
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        use serde_json::error::Category;
        match err.classify() {
            Category::Data => ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", shape),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON.")
            }
        }
    })
}

/// `application/json`, optionally with `charset=utf-8`; nothing else.
fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(|p| p.trim().to_ascii_lowercase());
    let media_type_ok = parts.next().is_some_and(|m| m == "application/json");
    media_type_ok && parts.all(|p| p.is_empty() || p.replace(' ', "") == "charset=utf-8")
}
