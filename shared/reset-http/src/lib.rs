//! The HTTP edge the HTTP functions share: body parsing ([`read_json`], [`read_form`]), the error
//! codes and their one mapping to HTTP ([`ErrorCode`], [`ApiError`]), the request span, the
//! per-source-IP limit, cookies. It knows API Gateway events and HTTP, and nothing of AWS
//! services: the wiring built at cold start lives in `reset-wiring`.

mod body;
mod error;
pub mod network;

pub use body::{BodyError, Form, MAX_BODY_BYTES, Media, read_form, read_json};
pub use error::{ApiError, ErrorCode, RETRY_AFTER_SECS, html_response, json_response, message_body};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use reset_core::ports::{CountHits as _, Hit};
use reset_core::{Adapters, Deps, Requester, Settings};
use reset_pages::Reader;
use reset_text::locale::{self, Locale};

/// The header a CDN in front of the API adds to every request it forwards ([`Settings::edge`]).
pub const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";
/// The client's address as CloudFront saw it: `ip:port` (IPv6 unbracketed).
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// Behind a CDN, refuses (403, logged with a metric) a request that does not carry the CDN's
/// secret header: it came straight to the API, around the WAF. Without a CDN, every request passes.
/// During a rotation of the header's value either value passes ([`reset_core::settings::Edge`]).
pub async fn check_edge(req: &Request, settings: &Settings) -> Result<(), ApiError> {
    let Some(edge) = &settings.edge else { return Ok(()) };
    let presented = req.headers().get(ORIGIN_VERIFY_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if edge.accepts(presented).await {
        return Ok(());
    }
    // Not in the request span, whose source_ip would trust the unverified viewer header: the
    // peer API Gateway saw is the one to block.
    let peer = peer_ip(req).unwrap_or("-");
    tracing::warn!(
        audit = "edge_bypassed",
        metric = "edge_bypassed",
        request_id = request_id(req).unwrap_or("-"),
        peer_ip = peer,
        "request refused: it did not come through the CDN"
    );
    Err(ApiError::forbidden())
}

/// A form POST must come from the page that serves the form: refused (403, audited) when the
/// browser says it came from elsewhere. SameSite cookies stop cross-site posts, not ones from a
/// sibling subdomain (same-site, cross-origin). `Sec-Fetch-Site` decides when present: it must be
/// `same-origin`. Without it, an `Origin` must be `page`'s, except `null`: under the pages'
/// `Referrer-Policy: no-referrer` browsers send `Origin: null` on their own form posts. A request
/// with neither header (an old browser, curl) is let through: refusing it would lock old browsers
/// out, and the cookie is still SameSite=Strict.
pub fn check_form_origin(req: &Request, page: &url::Url) -> Result<(), ApiError> {
    let header = |name: &str| req.headers().get(name).map(|v| v.to_str().unwrap_or("(not text)"));
    let reason = match (header("sec-fetch-site"), header("origin")) {
        (Some("same-origin"), _) => return Ok(()),
        (Some(_), _) => "sec_fetch_site",
        (None, Some(origin)) if origin != "null" && origin != page.origin().ascii_serialization() => "origin",
        (None, _) => return Ok(()),
    };
    tracing::warn!(audit = "form_refused", outcome = "cross_origin", reason, metric = "cross_origin_form", "form post from another origin refused");
    Err(ApiError::cross_origin_form())
}

/// The span every request runs in, carrying what the audit log needs from the edge: API Gateway's
/// request id and the caller's IP. Use-case events logged inside it carry both.
pub fn request_span(req: &Request, settings: &Settings) -> tracing::Span {
    tracing::info_span!("request", request_id = request_id(req).unwrap_or("-"), source_ip = source_ip(req, settings).unwrap_or("-"))
}

/// Who sent a request, as the use cases need it: the network (from the client's address, see
/// [`source_ip`]), API Gateway's request id, and the language the answer was given in.
pub fn requester(req: &Request, settings: &Settings, locale: Locale) -> Requester {
    Requester {
        network: network::requester_network(source_ip(req, settings)),
        source: network::ip_budget_source(source_ip(req, settings)),
        request_id: request_id(req).map(str::to_owned),
        locale: Some(locale.tag().to_owned()),
    }
}

fn accept_language(req: &Request) -> Option<&str> {
    req.headers().get(lambda_http::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

/// The language of a JSON answer's `message`: the request's `Accept-Language`, else the default.
/// (The `error` codes never change with it.)
pub fn json_locale(req: &Request, settings: &Settings) -> Locale {
    locale::negotiate(None, accept_language(req), settings.default_locale)
}

/// Who reads a page: in the language the reader chose (`?lang=`, which the page's links and
/// forms then carry on), else the one the browser asks for (`Accept-Language`), else the default.
pub fn reader<'s>(req: &Request, settings: &'s Settings) -> Reader<'s> {
    use lambda_http::RequestExt as _;
    let chosen = req.query_string_parameters_ref().and_then(|q| q.first("lang")).and_then(Locale::matching);
    match chosen {
        Some(locale) => Reader { settings, locale, chosen: true },
        None => Reader { settings, locale: json_locale(req, settings), chosen: false },
    }
}

/// The path a handler routes on: the event's own (`rawPath` from an HTTP API, `path` from a REST
/// API), as the client asked for it. Not `req.uri()`: lambda_http puts a REST API's stage in front
/// of the URI's path (`/live/forgot-password` behind CloudFront's origin path `/live`), unless
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set. A request built without an event has no raw
/// path; it routes on its URI.
pub fn route_path(req: &Request) -> &str {
    use lambda_http::RequestExt as _;
    match req.raw_http_path() {
        "" => req.uri().path(),
        raw => raw,
    }
}

/// API Gateway's id for the request (an HTTP API's or a REST API's `requestContext.requestId`).
fn request_id(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.as_deref(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.as_deref(),
        _ => None,
    }
}

/// The IAM principal that signed the request, as API Gateway's `AWS_IAM` authorizer verified its
/// SigV4 signature: an HTTP API's `requestContext.authorizer.iam.userArn` (payload 2.0), such as
/// `arn:aws:sts::123456789012:assumed-role/NAME/SESSION` or `arn:aws:iam::123456789012:user/NAME`.
/// `None` when no IAM authorizer vouched for the caller: a route without it, another authorizer
/// (JWT, Lambda), `cargo lambda watch` (no authorizer at all), a request built without an event,
/// and any other event shape (a REST API's: the admin routes are on the HTTP API only).
pub fn iam_caller(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref()?.iam.as_ref()?.user_arn.as_deref().filter(|arn| !arn.is_empty()),
        _ => None,
    }
}

/// The client's IP: behind a CDN (whose header [`check_edge`] has verified), the viewer address
/// it reports; otherwise, or if it reports none, the peer API Gateway saw. Never a header a
/// client controls: without a CDN, a forged viewer-address header is ignored.
pub fn source_ip<'r>(req: &'r Request, settings: &Settings) -> Option<&'r str> {
    if settings.edge.is_some() {
        let viewer = req.headers().get(VIEWER_ADDRESS_HEADER).and_then(|v| v.to_str().ok());
        if let Some((ip, _port)) = viewer.and_then(|v| v.trim().rsplit_once(':')) {
            return Some(ip);
        }
    }
    peer_ip(req)
}

/// The address of whoever connected to API Gateway (behind a CDN: the CDN's): an HTTP API's
/// `requestContext.http.sourceIp`, a REST API's `requestContext.identity.sourceIp`.
fn peer_ip(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.as_deref(),
        _ => None,
    }
}

/// Spends one request of the source IP's per-minute budget (an IPv6 source's /64); over it, a 429
/// with `Retry-After`. The counter is keyed by a keyed hash: the limits table holds no address.
pub async fn limit_source_ip<A: Adapters>(deps: &Deps<A>, req: &Request, per_minute: u32) -> Result<(), ApiError> {
    fn unavailable(err: impl std::fmt::Debug) -> ApiError {
        tracing::error!(error = ?err, "rate limit unavailable");
        ApiError::unavailable()
    }
    let ring = deps.hashing.get().await.map_err(unavailable)?;
    let key = format!("ip#{}", ring.audit_hash(&network::ip_budget_source(source_ip(req, &deps.settings))));
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

/// The value of cookie `name`, if the request carries it. An HTTP API's `cookies` arrive as a
/// `Cookie` header; a REST API's `Cookie` is its `headers` value, or, without one, every value in
/// `multiValueHeaders` (lambda_http's merge).
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
