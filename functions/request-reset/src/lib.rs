//! request-reset: `POST /password-reset/request` with `{"email": "..."}`, and the hosted
//! forgot-password page (`GET /forgot-password`, form `POST /forgot-password`).
//!
//! Invariant: every well-formed request gets one fixed answer (`202` JSON, or the "check your
//! inbox" page) after the same work: one job on the mail queue. Whether the account exists is
//! decided by the mail worker, out of the caller's sight.

use std::convert::Infallible;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use reset_core::domain::Email;
use reset_core::{Adapters, Deps};
use reset_http::{ApiError, html_response, json_response, limit_source_ip, read_form, read_json};
use reset_pages::pages;
use reset_text::Locale;
use reset_text::Msg;
use serde::Deserialize;
use tracing::Instrument as _;

pub const PATH: &str = "/password-reset/request";
pub const FORGOT_PATH: &str = "/forgot-password";

const JSON_SHAPE: Msg = Msg::new("error-request-shape");
const FORM_SHAPE: Msg = Msg::new("error-forgot-form-shape");

/// The one answer to every well-formed JSON request, in `locale`.
pub fn accepted_body(locale: Locale) -> String {
    reset_http::message_body(&Msg::new("request-accepted"), locale)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    email: String,
}

pub async fn handle<A: Adapters>(deps: &Deps<A>, req: Request) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    // The JSON answers' language; the pages negotiate their own (`reset_http::reader`).
    let locale = || reset_http::json_locale(&req, &deps.settings);
    if let Err(bypassed) = reset_http::check_edge(&req, &deps.settings).await {
        return Ok(reset_http::finish(&method, bypassed.into_response(locale())));
    }
    let span = reset_http::request_span(&req, &deps.settings);
    let response = async {
        match (reset_http::route_path(&req), &method) {
            (PATH, &Method::POST) => {
                let locale = locale();
                request(deps, &req, locale).await.unwrap_or_else(|err| err.into_response(locale))
            }
            (PATH, _) => ApiError::method_not_allowed("POST").into_response(locale()),
            (FORGOT_PATH, &Method::GET | &Method::HEAD) => {
                let reader = reset_http::reader(&req, &deps.settings);
                html_response(&deps.settings, StatusCode::OK, pages::forgot(&reader, "", None))
            }
            (FORGOT_PATH, &Method::POST) => forgot(deps, &req).await,
            (FORGOT_PATH, _) => ApiError::method_not_allowed("GET, HEAD, POST").into_response(locale()),
            _ => ApiError::not_found().into_response(locale()),
        }
    }
    .instrument(span)
    .await;
    Ok(reset_http::finish(&method, response))
}

async fn request<A: Adapters>(deps: &Deps<A>, req: &Request, locale: Locale) -> Result<Response<Body>, ApiError> {
    limit_source_ip(deps, req, deps.settings.rate_limits.ip_per_minute).await?;
    let body: RequestBody = read_json(req).map_err(|err| ApiError::from_body(err, JSON_SHAPE))?;
    let email = Email::parse(&body.email)?;
    reset_core::request_reset(deps, &email, &reset_http::requester(req, &deps.settings, locale)).await?;
    Ok(json_response(StatusCode::ACCEPTED, accepted_body(locale)))
}

/// The forgot-password form's submission: the same use case, answered as pages.
async fn forgot<A: Adapters>(deps: &Deps<A>, req: &Request) -> Response<Body> {
    let settings = &deps.settings;
    let reader = reset_http::reader(req, settings);
    if let Err(refused) = reset_http::check_form_origin(req, &settings.forgot_page_url) {
        return refused.into_page(&reader);
    }
    if let Err(limited) = limit_source_ip(deps, req, settings.rate_limits.ip_per_minute).await {
        return limited.into_page(&reader);
    }
    let typed = match read_form(req).and_then(|form| form.field("email").map(str::to_owned)) {
        Ok(typed) => typed,
        Err(err) => return ApiError::from_body(err, FORM_SHAPE).into_page(&reader),
    };
    let Ok(email) = Email::parse(&typed) else {
        let error = ApiError::from(reset_core::domain::InvalidEmail);
        return html_response(settings, error.status(), pages::forgot(&reader, &typed, Some(&error.message)));
    };
    match reset_core::request_reset(deps, &email, &reset_http::requester(req, settings, reader.locale)).await {
        Ok(_) => html_response(settings, StatusCode::OK, pages::check_inbox(&reader)),
        Err(err) => ApiError::from(err).into_page(&reader),
    }
}
