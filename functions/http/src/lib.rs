//! The HTTP edge shared by both functions: [`Config`] from the environment, the AWS-backed
//! [`Deps`] built once at cold start, JSON body parsing ([`read_json`]) and the single mapping from
//! use-case errors to HTTP ([`ApiError`]). Only `functions/*` know about HTTP and Lambda events.

mod body;
mod config;
mod error;

pub use body::{BodyError, Form, MAX_BODY_BYTES, read_form, read_json};
pub use config::{Config, ConfigError};
pub use error::{ApiError, RETRY_AFTER_SECS, html_response, json_response};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use reset_aws::{DynamoUsers, SecretsKeys, SesMailer};
use reset_core::ports::{CountHits, Hit};
use reset_core::{Deps, KeyCache};

/// The production wiring: users in DynamoDB, mail through SES, keys in Secrets Manager.
pub type AwsDeps = Deps<DynamoUsers, SesMailer, SecretsKeys>;

/// Everything a function needs, built once per cold start: configuration, SDK clients, and the
/// signing keys (fetched now, then cached).
pub async fn aws_deps(config: Config, sdk: &aws_config::SdkConfig) -> AwsDeps {
    let users = DynamoUsers::new(aws_sdk_dynamodb::Client::new(sdk), config.table);
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(sdk), config.sender, config.ses_configuration_set);
    let keys = SecretsKeys::new(aws_sdk_secretsmanager::Client::new(sdk), config.signing_key_secret);
    Deps { users, mailer, keys: KeyCache::load(keys, config.key_cache_ttl).await, settings: config.settings }
}

/// The Lambda runtime logs each raw event (request bodies: emails, passwords, tokens) at TRACE:
/// capped at INFO, which keeps its per-invocation span with Lambda's request id.
const RUNTIME_TARGETS: &[&str] = &["lambda_http", "lambda_runtime", "lambda_runtime_api_client"];

/// Libraries whose DEBUG/TRACE output is the wire itself (request and response bodies: recipient
/// addresses, reset links, keys): capped at WARN whatever level is asked for.
const WIRE_TARGETS: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_sdk_dynamodb",
    "aws_sdk_secretsmanager",
    "aws_sdk_sesv2",
    "aws_sdk_sts",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "h2",
    "hyper",
    "hyper_util",
    "rustls",
];

/// The log filter: `requested` (e.g. `info`, `debug`, or directives) with the runtime and the
/// wire capped.
pub fn log_filter(requested: &str) -> tracing_subscriber::EnvFilter {
    let caps: Vec<String> = RUNTIME_TARGETS
        .iter()
        .map(|target| format!("{target}=info"))
        .chain(WIRE_TARGETS.iter().map(|target| format!("{target}=warn")))
        .collect();
    tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::INFO.into())
        .parse_lossy(format!("{requested},{}", caps.join(",")))
}

/// Logging as Lambda's default subscriber sets it up (AWS_LAMBDA_LOG_LEVEL or RUST_LOG, JSON
/// when AWS_LAMBDA_LOG_FORMAT says so), but with the AWS SDK's wire logs capped: turning the level
/// up to debug a function must not put tokens or addresses in CloudWatch.
pub fn init_logging() {
    let requested = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info".into());
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let logs = tracing_subscriber::fmt().with_target(false).without_time().with_env_filter(log_filter(&requested.to_lowercase()));
    // Only fails if a subscriber is already installed, which then stays.
    let _ = if json { logs.json().try_init() } else { logs.try_init() };
}

/// Cold start for either function: logging, configuration, clients, keys.
pub async fn init() -> Result<AwsDeps, ConfigError> {
    init_logging();
    let config = Config::from_env().inspect_err(|err| tracing::error!(%err, "refusing to start"))?;
    Ok(aws_deps(config, &reset_aws::sdk_config().await).await)
}

/// The span every request runs in, carrying what the audit log needs from the edge: API Gateway's
/// request id and the caller's IP. Use-case events logged inside it carry both.
pub fn request_span(req: &Request) -> tracing::Span {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;
    #[allow(unreachable_patterns)] // other event sources are compiled out (apigw_http only)
    let request_id = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.as_deref(),
        _ => None,
    };
    tracing::info_span!("request", request_id = request_id.unwrap_or("-"), source_ip = source_ip(req).unwrap_or("-"))
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
pub async fn limit_source_ip<U: CountHits>(users: &U, req: &Request, per_minute: u32) -> Result<(), ApiError> {
    let key = format!("ip#{}", source_ip(req).unwrap_or("unknown"));
    match users.hit(&key, per_minute, 60, reset_core::unix_now()).await {
        Ok(Hit::Allowed) => Ok(()),
        Ok(Hit::Limited { retry_after }) => {
            tracing::warn!(audit = "rate_limited", outcome = "source_ip_over_budget", metric = "ip_rate_limited", "request refused");
            Err(ApiError::too_many_requests(retry_after))
        }
        Err(err) => {
            tracing::error!(error = ?err, "rate limit unavailable");
            Err(ApiError::unavailable())
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
