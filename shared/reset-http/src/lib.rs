//! The HTTP edge the HTTP functions share: body parsing ([`read_json`], [`read_form`]), the error
//! codes and their one mapping to HTTP ([`ErrorCode`], [`ApiError`]), the request span, the
//! per-source-IP limit, cookies. It knows API Gateway events and HTTP, and nothing of AWS
//! services: the wiring built at cold start lives in `reset-wiring`.

mod body;
mod error;

pub use body::{BodyError, Form, MAX_BODY_BYTES, Media, read_form, read_json};
pub use error::{ApiError, ErrorCode, RETRY_AFTER_SECS, html_response, json_response};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use reset_core::{Adapters, Deps, Requester};
use reset_core::mail_job::RequesterNetwork;
use reset_core::ports::{CountHits as _, Hit};

/// The span every request runs in, carrying what the audit log needs from the edge: API Gateway's
/// request id and the caller's IP. Use-case events logged inside it carry both.
pub fn request_span(req: &Request) -> tracing::Span {
    tracing::info_span!("request", request_id = request_id(req).unwrap_or("-"), source_ip = source_ip(req).unwrap_or("-"))
}

/// Who sent a request, as the use cases need it: the network (from API Gateway's source IP, not
/// a header the client controls) and API Gateway's request id.
pub fn requester(req: &Request) -> Requester {
    Requester { network: RequesterNetwork::of(source_ip(req)), request_id: request_id(req).map(str::to_owned), locale: None }
}

fn request_id(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    #[allow(unreachable_patterns)] // other event sources are compiled out (apigw_http only)
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.as_deref(),
        _ => None,
    }
}

/// The caller's IP as API Gateway saw it (not a header the client controls).
fn source_ip(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    #[allow(unreachable_patterns)] // other event sources are compiled out (apigw_http only)
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref(),
        _ => None,
    }
}

/// Spends one request of the source IP's per-minute budget; over it, a 429 with `Retry-After`.
/// The counter is keyed by a keyed hash of the IP: the limits table holds no address.
pub async fn limit_source_ip<A: Adapters>(deps: &Deps<A>, req: &Request, per_minute: u32) -> Result<(), ApiError> {
    fn unavailable(err: impl std::fmt::Debug) -> ApiError {
        tracing::error!(error = ?err, "rate limit unavailable");
        ApiError::unavailable()
    }
    let ring = deps.keys.get().await.map_err(unavailable)?;
    let key = format!("ip#{}", ring.audit_hash(source_ip(req).unwrap_or("unknown")));
    match deps.limits.hit(&key, per_minute, 60, reset_core::unix_now()).await.map_err(unavailable)? {
        Hit::Allowed => Ok(()),
        Hit::Limited { retry_after } => {
            tracing::warn!(audit = "rate_limited", outcome = "source_ip_over_budget", metric = "ip_rate_limited", "request refused");
            Err(ApiError::too_many_requests(retry_after))
        }
    }
}

/// Strips the body of an answer to HEAD; the status and headers stay what GET would send.
pub fn finish(method: &Method, mut response: Response<Body>) -> Response<Body> {
    if method == Method::HEAD {
        *response.body_mut() = Body::Empty;
    }
    response
}

/// The value of cookie `name`, if the request carries it (API Gateway's `cookies` arrive as
/// `Cookie` headers).
pub fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(lambda_http::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Adds a `Set-Cookie` header; a value that cannot be a header is dropped (and logged).
pub fn set_cookie(response: &mut Response<Body>, cookie: String) {
    match lambda_http::http::HeaderValue::try_from(cookie) {
        Ok(value) => {
            response.headers_mut().append(lambda_http::http::header::SET_COOKIE, value);
        }
        Err(_) => tracing::error!("a cookie could not be set"),
    }
}
