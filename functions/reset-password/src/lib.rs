//! reset-password: `POST /password-reset/confirm` with `{"token": "...", "password": "..."}`.
//!
//! Every token failure (bad signature, expired, wrong audience, unknown key, user gone, password
//! already changed) gets one identical `400 invalid_or_expired_token`.

use std::convert::Infallible;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use reset_core::Deps;
use reset_core::domain::{NewPassword, ResetToken};
use reset_core::ports::{GetUser, KeySource, Mailer, SetPassword};
use reset_http::{ApiError, json_response, read_json};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub const PATH: &str = "/password-reset/confirm";

pub const CHANGED_BODY: &str = r#"{"message":"Your password has been changed. You can sign in with it now."}"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    token: String,
    password: SecretString,
}

pub async fn handle<U, M, K>(deps: &Deps<U, M, K>, req: Request) -> Result<Response<Body>, Infallible>
where
    U: GetUser + SetPassword,
    M: Mailer,
    K: KeySource,
{
    reset_http::post_endpoint(&req, PATH, |req| confirm(deps, req)).await
}

async fn confirm<U, M, K>(deps: &Deps<U, M, K>, req: &Request) -> Result<Response<Body>, ApiError>
where
    U: GetUser + SetPassword,
    M: Mailer,
    K: KeySource,
{
    let body: ConfirmBody = read_json(req, r#"Send a JSON object with two string fields, "token" and "password"."#)?;
    let token = ResetToken::parse(&body.token)?;
    let password = NewPassword::parse(body.password.expose_secret(), deps.settings.password_policy)?;
    reset_core::confirm_reset(deps, &token, password).await?;
    Ok(json_response(StatusCode::OK, CHANGED_BODY.to_owned()))
}
