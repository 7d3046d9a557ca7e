//! AWS adapters for the `reset-core` ports: users in DynamoDB ([`DynamoUsers`]), rate-limit
//! counters and the job ledger in a DynamoDB table of their own ([`DynamoLimits`]), mail through
//! SES v2 ([`SesMailer`]), the mail queue in SQS ([`SqsQueue`]) and the signing keys in Secrets
//! Manager ([`SecretsKeys`]); and, the one that is not AWS, breached passwords through the SDK's HTTP
//! client ([`PwnedPasswords`]). Item ↔ model
//! conversion lives here; the domain never sees an AWS type.

mod dynamodb;
mod limits;
mod pwned;
mod secrets;
mod ses;
mod sqs;

use std::time::Duration;

pub use dynamodb::{DynamoUsers, UserTable};
pub use limits::{DEFAULT_LIMITS_TABLE, DynamoLimits};
pub use secrets::{SecretsKeys, secret_string};
pub use pwned::{PWNED_PASSWORDS_RANGE_URL, PwnedPasswords};
pub use ses::SesMailer;
pub use sqs::SqsQueue;

/// The production adapters, as one bundle for `reset_core::Deps`: the mail worker's, with SES.
pub struct Aws;

impl reset_core::Adapters for Aws {
    type Users = DynamoUsers;
    type Limits = DynamoLimits;
    /// Paced: a mail worker never sends faster than its share of the account's SES send rate.
    type Mailer = reset_core::Paced<SesMailer>;
    type Queue = SqsQueue;
    type Keys = SecretsKeys;
    /// The worker never judges a password.
    type Breaches = reset_core::breached::NoBreachCheck;
}

/// The HTTP functions' bundle: they queue mail and never send it, so no SES client is built or
/// linked (reset-password's zip stays under 4 MB).
pub struct AwsHttp;

impl reset_core::Adapters for AwsHttp {
    type Users = DynamoUsers;
    type Limits = DynamoLimits;
    type Mailer = reset_core::QueueOnly;
    type Queue = SqsQueue;
    type Keys = SecretsKeys;
    type Breaches = PwnedPasswords;
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

/// Shared SDK configuration, loaded once at cold start. Every call is bounded well inside the
/// function timeout (10 s in the template): 1 s to connect, 1.5 s per attempt, 3 attempts with
/// the standard (jittered, token-bucket) retry strategy, 4 s in all. `AWS_ENDPOINT_URL` points
/// every client at a local stand-in such as moto.
pub async fn sdk_config() -> SdkConfig {
    sdk_loader().load().await
}

/// The loader behind [`sdk_config`], for callers that must add to it (tests point it at moto).
pub fn sdk_loader() -> ConfigLoader {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3))
}
