//! AWS adapters for the `reset-core` ports: users in DynamoDB ([`DynamoUsers`]), rate-limit
//! counters and the job ledger in a DynamoDB table of their own ([`DynamoLimits`], [`DynamoJobLedger`]), mail through
//! SES v2 ([`SesMailer`]), the mail queue in SQS ([`SqsQueue`]), the signing keys, the hashing keys and the
//! CDN's origin-verify values in Secrets Manager ([`SecretsKeys`], [`SecretsHashKeys`], [`SecretsOriginVerify`]), the events'
//! outbox in DynamoDB ([`Outbox`], written in the same transaction as each change) and their bus in
//! EventBridge ([`EventBridgeBus`]); and, the
//! one that is not AWS, breached passwords through the SDK's HTTP client ([`PwnedPasswords`]).
//! Item ↔ model conversion lives here; the domain never sees an AWS type.

mod dynamodb;
pub mod events;
mod ledger;
mod limits;
mod pwned;
mod secrets;
mod ses;
mod sqs;

use std::time::Duration;

pub use dynamodb::{DynamoUsers, UserTable};
pub use events::{EventBridgeBus, Outbox, PUT_EVENTS_MAX_ENTRIES, from_item as outbox_event, item as outbox_item};
pub use ledger::DynamoJobLedger;
pub use limits::{DEFAULT_LIMITS_TABLE, DynamoLimits};
pub use pwned::{PWNED_PASSWORDS_RANGE_URL, PwnedPasswords};
pub use secrets::{SecretsHashKeys, SecretsKeys, SecretsOriginVerify};
pub use ses::SesMailer;
pub use sqs::SqsQueue;

/// The production adapters every function holds. The mailer ([`SesMailer`], paced) and the
/// breach check ([`PwnedPasswords`]) are built only for the function that uses each, so the HTTP
/// functions build no SES client and link no SES code.
pub struct Aws;

impl reset_core::Adapters for Aws {
    type Users = DynamoUsers;
    type Limits = DynamoLimits;
    type Ledger = DynamoJobLedger;
    type Queue = SqsQueue;
    type Keys = SecretsKeys;
    type HashKeys = SecretsHashKeys;
}

/// An AWS SDK failure as a log line may hold it: the operation and the service's error code, or
/// the kind of failure before the service answered; never the service's message, which can quote
/// request data (SES quotes addresses; DynamoDB and Secrets Manager name tables and secrets).
/// Every service crate re-exports the same `SdkError`, so this serves them all.
pub(crate) fn sdk_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    operation: &str,
    err: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> anyhow::Error {
    use aws_sdk_dynamodb::error::{ProvideErrorMetadata as _, SdkError};
    match err.code() {
        Some(code) => anyhow::anyhow!("{operation} was refused: {code}"),
        None => anyhow::anyhow!(
            "{operation} failed: {}",
            match err {
                SdkError::ConstructionFailure(_) => "the request could not be built",
                SdkError::TimeoutError(_) => "timeout",
                SdkError::DispatchFailure(_) => "the service could not be reached",
                SdkError::ResponseError(_) => "the answer could not be read",
                _ => "error",
            }
        ),
    }
}

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build()
}

fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// The functions' SDK configuration, from the variables Lambda sets and nothing else: region
/// (`AWS_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`) and, for a local stand-in such as moto, `AWS_ENDPOINT_URL`; the same
/// timeouts and retries as [`sdk_config`].
///
/// Not `aws_config`'s default chain: on Lambda it always ends at the environment, and on the way
/// it builds an STS client and reads profile files at every cold start, and links profile, SSO,
/// web-identity, ECS and IMDS providers into every zip. Missing credentials are refused here, at
/// cold start, with their names.
pub fn lambda_sdk_config() -> anyhow::Result<SdkConfig> {
    lambda_sdk_config_from(|name| std::env::var(name).ok())
}

/// [`lambda_sdk_config`] over any source of variables (the credentials provider itself reads the
/// process environment when a call needs them).
fn lambda_sdk_config_from(vars: impl Fn(&str) -> Option<String>) -> anyhow::Result<SdkConfig> {
    use aws_config::Region;
    use aws_config::environment::EnvironmentVariableCredentialsProvider;
    use aws_credential_types::provider::SharedCredentialsProvider;
    let var = |name: &str| vars(name).filter(|v| !v.trim().is_empty());
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).ok_or_else(|| anyhow::anyhow!("AWS_REGION is not set"))?;
    let missing: Vec<&str> = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].into_iter().filter(|name| var(name).is_none()).collect();
    anyhow::ensure!(missing.is_empty(), "no AWS credentials in the environment: {} not set", missing.join(", "));
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()))
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().ok_or_else(|| anyhow::anyhow!("no async sleep for the SDK"))?)
        .time_source(aws_smithy_async::time::SharedTimeSource::default())
        .timeout_config(timeouts())
        .retry_config(retries())
        .http_client(shared_http_client());
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    Ok(config.build())
}

/// One HTTP client for every service client. Left to itself, each service client builds its own
/// on first use, each with its own connector and trust store.
fn shared_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| match (settings, components) {
        // Every service client's constructor also asks for a connector with neither, only to build
        // and drop it (smithy's `validate_base_client_config`, there so that the host's certificates
        // load at construction): three or four throw-away trust stores per cold start, each parsing
        // every certificate the host offers. Requests always come with both; the first one builds
        // the real connector, at cold start anyway. Were a request ever to come without, it would
        // fail at the signing-key read at cold start, not quietly.
        (None, None) => aws_smithy_http_client::Connector::builder().build_http(),
        (settings, components) => https_connector(settings.cloned(), components.and_then(|c| c.sleep_impl())),
    })
}

#[cfg(test)]
thread_local! {
    /// Trust stores built so far on this thread (each parses every certificate the host offers).
    static TRUST_STORES_BUILT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The connector behind every call the functions make, to AWS and to the breached-password API:
/// hyper with rustls on aws-lc, as the SDK builds its default, trusting the host's certificate
/// store (on Lambda the image's one bundle, kept current by AWS; a CA an operator adds to it is
/// trusted too), through a proxy only if the environment names one (`HTTPS_PROXY`, `NO_PROXY`).
pub(crate) fn https_connector(
    settings: Option<aws_smithy_runtime_api::client::http::HttpConnectorSettings>,
    sleep: Option<aws_smithy_async::rt::sleep::SharedAsyncSleep>,
) -> aws_smithy_http_client::Connector {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    #[cfg(test)]
    TRUST_STORES_BUILT.with(|built| built.set(built.get() + 1));
    let mut connector = aws_smithy_http_client::Connector::builder().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    connector.set_connector_settings(settings);
    connector.set_sleep_impl(sleep);
    connector.set_proxy_config(Some(ProxyConfig::from_env()));
    connector.build()
}

/// Shared SDK configuration, loaded once at cold start. Every call is bounded well inside the
/// function timeout (10 s in the template): 1 s to connect, 1.5 s per attempt, 3 attempts with
/// the standard (jittered, token-bucket) retry strategy, 4 s in all. `AWS_ENDPOINT_URL` points
/// every client at a local stand-in such as moto.
pub async fn sdk_config() -> SdkConfig {
    sdk_loader().load().await
}

/// The loader behind [`sdk_config`], for callers that must add to it (tests point it at moto).
pub fn sdk_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts()).retry_config(retries())
}

#[cfg(test)]
mod tests {
    use super::lambda_sdk_config_from;

    fn from(pairs: &[(&str, &str)]) -> anyhow::Result<aws_config::SdkConfig> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        lambda_sdk_config_from(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_lambda_environment_is_all_the_sdk_needs_and_gaps_are_named() {
        let lambda = [("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "x"), ("AWS_SESSION_TOKEN", "t")];
        let config = from(&lambda).unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(config.credentials_provider().is_some() && config.sleep_impl().is_some());
        assert_eq!(config.endpoint_url(), None);
        let timeouts = config.timeout_config().unwrap();
        assert_eq!(timeouts.operation_attempt_timeout(), Some(std::time::Duration::from_millis(1500)));
        assert_eq!(config.retry_config().unwrap().max_attempts(), 3);

        let local = from(&[
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ])
        .unwrap();
        assert_eq!((local.region().map(|r| r.as_ref()), local.endpoint_url()), (Some("us-east-1"), Some("http://127.0.0.1:5000")));

        let err = from(&[("AWS_REGION", "eu-west-1"), ("AWS_SECRET_ACCESS_KEY", " ")]).unwrap_err().to_string();
        assert!(err.contains("AWS_ACCESS_KEY_ID") && err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
        assert!(from(&lambda[1..]).unwrap_err().to_string().contains("AWS_REGION"));
    }

    /// Building the SDK configuration and every service client builds no trust store: only a
    /// request does, once, and later requests share it (counted on this thread: the test runtime
    /// is single-threaded, and other tests run on theirs).
    #[tokio::test(flavor = "current_thread")]
    async fn only_the_first_request_builds_a_trust_store() {
        let built = || super::TRUST_STORES_BUILT.with(|built| built.get());
        let config = from(&[("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "x")]).unwrap();
        // Nothing listens on port 9 of loopback: requests fail, after building their connector.
        // (Credentials given here: the configuration reads them from the process's environment.)
        let credentials = aws_credential_types::Credentials::new("AKIDEXAMPLE", "x", None, None, "test");
        let config = config
            .to_builder()
            .endpoint_url("https://127.0.0.1:9")
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(credentials))
            .build();
        let (sqs, dynamodb) = (aws_sdk_sqs::Client::new(&config), aws_sdk_dynamodb::Client::new(&config));
        drop((aws_sdk_secretsmanager::Client::new(&config), aws_sdk_sesv2::Client::new(&config)));
        assert_eq!(built(), 0, "the clients' constructors built trust stores");
        let _ = sqs.list_queues().send().await;
        let _ = dynamodb.list_tables().send().await;
        assert_eq!(built(), 1, "one trust store for every client and request");
    }
}
