//! Turning a request body into values, with one clear 4xx for each way it can be wrong. JSON
//! endpoints and HTML forms share the rules: the media type must match, at most 16 KiB.

use std::collections::HashMap;

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    MediaType,
    TooLarge,
    Malformed,
    /// Well-formed, but not the fields the endpoint takes.
    Shape,
}

impl BodyError {
    pub fn status(self) -> StatusCode {
        match self {
            BodyError::MediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Malformed | BodyError::Shape => StatusCode::BAD_REQUEST,
        }
    }
}

fn body_bytes<'r>(req: &'r Request, media_type: &str) -> Result<&'r [u8], BodyError> {
    if !has_media_type(req, media_type) {
        return Err(BodyError::MediaType);
    }
    let bytes: &[u8] = match req.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge);
    }
    Ok(bytes)
}

/// Parses a JSON body into `T`. `shape` tells the client what was expected; serde's own
/// messages are not passed on, since they can quote the (secret) values that were sent.
pub fn read_json<T: DeserializeOwned>(req: &Request, shape: &str) -> Result<T, ApiError> {
    let bytes = body_bytes(req, JSON).map_err(|e| ApiError::from_body(e, shape))?;
    serde_json::from_slice(bytes).map_err(|err| {
        let kind = if err.classify() == serde_json::error::Category::Data { BodyError::Shape } else { BodyError::Malformed };
        ApiError::from_body(kind, shape)
    })
}

/// An HTML form's fields, each present exactly once.
pub struct Form(HashMap<String, String>);

impl Form {
    /// The field's value; `Shape` if it is missing.
    pub fn field(&self, name: &str) -> Result<&str, BodyError> {
        self.0.get(name).map(String::as_str).ok_or(BodyError::Shape)
    }
}

/// Parses an `application/x-www-form-urlencoded` body; a field sent twice is refused.
pub fn read_form(req: &Request) -> Result<Form, BodyError> {
    let bytes = body_bytes(req, FORM)?;
    let mut fields = HashMap::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        if fields.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err(BodyError::Shape);
        }
    }
    Ok(Form(fields))
}

/// `media_type`, optionally with `charset=utf-8`; nothing else.
fn has_media_type(req: &Request, media_type: &str) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(|p| p.trim().to_ascii_lowercase());
    let media_type_ok = parts.next().is_some_and(|m| m == media_type);
    media_type_ok && parts.all(|p| p.is_empty() || p.replace(' ', "") == "charset=utf-8")
}
