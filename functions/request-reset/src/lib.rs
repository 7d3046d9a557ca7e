//! request-reset: `POST /password-reset/request` with `{"email": "..."}`.
//!
//! Invariant: the answer is `202` with one fixed body whether the account exists, does not exist,
//! is disabled, or its mail could not be sent.

use std::convert::Infallible;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use reset_core::Deps;
use reset_core::domain::Email;
use reset_core::ports::{FindUserByEmail, KeySource, Mailer};
use reset_http::{ApiError, json_response, read_json};
use serde::Deserialize;

pub const PATH: &str = "/password-reset/request";

/// The one answer to every well-formed request.
pub const ACCEPTED_BODY: &str = r#"{"message":"If an account uses this address, we have sent it a link to reset the password. Check your inbox."}"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    email: String,
}

pub async fn handle<U, M, K>(deps: &Deps<U, M, K>, req: Request) -> Result<Response<Body>, Infallible>
where
    U: FindUserByEmail,
    M: Mailer,
    K: KeySource,
{
    reset_http::post_endpoint(&req, PATH, |req| request(deps, req)).await
}

async fn request<U, M, K>(deps: &Deps<U, M, K>, req: &Request) -> Result<Response<Body>, ApiError>
where
    U: FindUserByEmail,
    M: Mailer,
    K: KeySource,
{
    let body: RequestBody = read_json(req, r#"Send a JSON object with one string field, "email"."#)?;
    let email = Email::parse(&body.email)?;
    reset_core::request_reset(deps, &email).await?;
    Ok(json_response(StatusCode::ACCEPTED, ACCEPTED_BODY.to_owned()))
}
