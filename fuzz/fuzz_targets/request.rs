//! Request parsing on arbitrary input: JSON and form bodies under every content type, and the
//! newtypes they feed. Never a panic; every refusal is a 4xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lambda_http::{Body, Request};
use reset_core::domain::{Email, NewPassword, PasswordPolicy, ResetToken, StoredEmail};

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Confirm {
    token: String,
    password: String,
}

fn request(content_type: &str, body: &[u8]) -> Request {
    let mut req = Request::new(Body::Binary(body.to_vec()));
    req.headers_mut().insert("content-type", content_type.parse().unwrap());
    req
}

fuzz_target!(|data: &[u8]| {
    let (selector, body) = data.split_first().unwrap_or((&0, &[]));
    let content_type = ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-8"]
        [usize::from(*selector) % 4];
    let req = request(content_type, body);
    if let Err(err) = reset_http::read_json::<Confirm>(&req) {
        let status = reset_http::ApiError::from_body(err, reset_text::Msg::new("error-request-shape")).status();
        assert!(status.is_client_error(), "{status}");
    }
    if let Ok(form) = reset_http::read_form(&req) {
        for field in ["email", "password", "confirm"] {
            let _ = form.field(field);
        }
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(email) = Email::parse(text) {
            // A parsed address has no control characters and is at most 254 bytes.
            assert!(!email.as_ref().chars().any(char::is_control) && email.as_ref().len() <= 254);
        }
        let _ = ResetToken::parse(text);
        if let Ok(password) = NewPassword::parse(text, PasswordPolicy::default()) {
            let _ = password.check_strength(PasswordPolicy::default(), &StoredEmail::new("a@example.com"), "App");
        }
    }
});
