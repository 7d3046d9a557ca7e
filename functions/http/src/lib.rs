//! The HTTP edge shared by both functions: [`Config`] from the environment, the AWS-backed
//! [`Deps`] built once at cold start, JSON body parsing ([`read_json`]) and the single mapping from
//! use-case errors to HTTP ([`ApiError`]). Only `functions/*` know about HTTP and Lambda events.

mod body;
mod config;
mod error;

pub use body::{MAX_BODY_BYTES, read_json};
pub use config::{Config, ConfigError};
pub use error::{ApiError, RETRY_AFTER_SECS, json_response};

use std::convert::Infallible;
use std::future::Future;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use reset_aws::{DynamoUsers, SecretsKeys, SesMailer};
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

/// Cold start for either function: logging, configuration, clients, keys.
pub async fn init() -> Result<AwsDeps, ConfigError> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env().inspect_err(|err| tracing::error!(%err, "refusing to start"))?;
    Ok(aws_deps(config, &reset_aws::sdk_config().await).await)
}

/// Serves one `POST` endpoint: `run` for `POST path`, 405 for another method on it, 404 elsewhere.
/// Never fails: every error has become a response by the time it returns.
pub async fn post_endpoint<'r, F, Fut>(req: &'r Request, path: &str, run: F) -> Result<Response<Body>, Infallible>
where
    F: FnOnce(&'r Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    Ok(match (req.uri().path() == path, req.method() == Method::POST) {
        (true, true) => run(req).await.unwrap_or_else(ApiError::into_response),
        (true, false) => ApiError::method_not_allowed().into_response(),
        (false, _) => ApiError::not_found().into_response(),
    })
}
