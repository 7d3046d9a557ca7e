//! Turning a request body into values, with one clear 4xx for each way it can be wrong. JSON
//! endpoints and HTML forms share the rules: the media type must match, at most 16 KiB.

use std::collections::HashMap;

use lambda_http::http::header;
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

/// Largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The body an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: the JSON API.
    Json,
    /// `application/x-www-form-urlencoded`: the hosted pages' forms.
    Form,
}

impl Media {
    fn mime(self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::Form => "application/x-www-form-urlencoded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Not the media type the endpoint takes (which is carried).
    MediaType(Media),
    TooLarge,
    Malformed,
    /// Well-formed, but not the fields the endpoint takes.
    Shape,
}

fn body_bytes(req: &Request, media: Media) -> Result<&[u8], BodyError> {
    if !has_media_type(req, media.mime()) {
        return Err(BodyError::MediaType(media));
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

/// Parses a JSON body into `T`. serde's own messages are not passed on, since they can quote the
/// (secret) values that were sent.
pub fn read_json<T: DeserializeOwned>(req: &Request) -> Result<T, BodyError> {
    let bytes = body_bytes(req, Media::Json)?;
    serde_json::from_slice(bytes).map_err(|err| if err.classify() == serde_json::error::Category::Data { BodyError::Shape } else { BodyError::Malformed })
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
    let bytes = body_bytes(req, Media::Form)?;
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
