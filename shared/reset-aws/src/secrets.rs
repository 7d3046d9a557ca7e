//! The key rings, each read from one Secrets Manager secret: the signing keys ([`SecretsKeys`],
//! format `reset_token::KeyRing`) and the hashing keys ([`SecretsHashKeys`], `reset_token::HashRing`);
//! and the CDN's origin-verify values, a plain string secret's current and previous versions
//! ([`SecretsOriginVerify`]).

use anyhow::Context as _;
use aws_sdk_secretsmanager::Client;
use reset_core::ports::origin_verify::OriginValues;
use reset_core::ports::{KeySource, OriginVerifySource, Ring};
use reset_core::reset_token::{HashRing, KeyRing};
use reset_core::secrecy::SecretString;

/// A key ring's secret: the signing keys (`SecretsKeys`) or the hashing keys ([`SecretsHashKeys`]).
pub struct SecretsKeys<R = KeyRing> {
    client: Client,
    secret_id: String,
    ring: std::marker::PhantomData<fn() -> R>,
}

/// The hashing keys' secret.
pub type SecretsHashKeys = SecretsKeys<HashRing>;

impl<R> Clone for SecretsKeys<R> {
    fn clone(&self) -> Self {
        SecretsKeys { client: self.client.clone(), secret_id: self.secret_id.clone(), ring: std::marker::PhantomData }
    }
}

impl<R> SecretsKeys<R> {
    pub fn new(client: Client, secret_id: String) -> Self {
        SecretsKeys { client, secret_id, ring: std::marker::PhantomData }
    }
}

/// The CDN's origin-verify values: the versions of one string secret labelled `AWSCURRENT` and
/// `AWSPREVIOUS`, from one view of the labels: DescribeSecret names the two versions, then
/// GetSecretValue reads each by its id (a version's value never changes), so a value put between
/// the calls cannot pair a new current with a previous that skips the one CloudFront sends. A
/// secret with one version has no `AWSPREVIOUS`: then only the current value is accepted.
///
/// Reads after the first run inside a user's request (`reset_core::ports::origin_verify`), so each call
/// is then cut off after a second per attempt and 1.5 s in all, not the SDK's usual timeouts
/// (1.5 s and 4 s); the core cuts the whole read off after `READ_TIMEOUT` and keeps the values
/// held. The first read, at cold start, pays the first TLS handshake and has nothing to fall back
/// on: it keeps the usual timeouts.
#[derive(Clone)]
pub struct SecretsOriginVerify {
    client: Client,
    secret_id: String,
    /// Whether a read has succeeded (from then on, the short timeouts).
    read_once: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// One attempt of an origin-verify read's call.
const ORIGIN_VERIFY_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// One origin-verify read's call, retries included (a read makes two calls one after the other).
const ORIGIN_VERIFY_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

fn short_timeouts() -> aws_sdk_secretsmanager::config::Builder {
    use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
    // (A builder with nothing set changes nothing: see `SecretsOriginVerify::timeouts`.)
    let timeouts = TimeoutConfig::builder().operation_attempt_timeout(ORIGIN_VERIFY_ATTEMPT_TIMEOUT).operation_timeout(ORIGIN_VERIFY_CALL_TIMEOUT).build();
    aws_sdk_secretsmanager::config::Builder::default().timeout_config(timeouts)
}

impl SecretsOriginVerify {
    pub fn new(client: Client, secret_id: String) -> Self {
        SecretsOriginVerify { client, secret_id, read_once: Default::default() }
    }

    /// The short timeouts once a read has succeeded; before, the client's own.
    fn timeouts(&self) -> aws_sdk_secretsmanager::config::Builder {
        match self.read_once.load(std::sync::atomic::Ordering::Relaxed) {
            true => short_timeouts(),
            false => aws_sdk_secretsmanager::config::Builder::default(),
        }
    }

    /// The version ids labelled `AWSCURRENT` and `AWSPREVIOUS`, from one DescribeSecret.
    async fn labelled(&self) -> anyhow::Result<(String, Option<String>)> {
        let out = self
            .client
            .describe_secret()
            .secret_id(&self.secret_id)
            .customize()
            .config_override(self.timeouts())
            .send()
            .await
            .map_err(|e| crate::sdk_failure("Secrets Manager DescribeSecret (origin-verify)", &e))?;
        let versions = out.version_ids_to_stages();
        let labelled = |label: &str| versions.and_then(|v| v.iter().find(|(_, stages)| stages.iter().any(|s| s == label))).map(|(id, _)| id.clone());
        let current = labelled("AWSCURRENT").context("no version of the origin-verify secret is labelled AWSCURRENT")?;
        let previous = labelled("AWSPREVIOUS").filter(|p| *p != current);
        Ok((current, previous))
    }

    async fn version(&self, version_id: &str) -> anyhow::Result<Option<SecretString>> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_id(version_id)
            .customize()
            .config_override(self.timeouts())
            .send()
            .await
            .map_err(|e| crate::sdk_failure("Secrets Manager GetSecretValue (origin-verify)", &e))?;
        Ok(out.secret_string().filter(|v| !v.is_empty()).map(|v| v.to_owned().into()))
    }
}

impl OriginVerifySource for SecretsOriginVerify {
    async fn read(&self) -> anyhow::Result<OriginValues> {
        let (current_id, previous_id) = self.labelled().await?;
        let (current, previous) = match &previous_id {
            Some(previous_id) => {
                let (current, previous) = tokio::join!(self.version(&current_id), self.version(previous_id));
                (current?, previous?)
            }
            None => (self.version(&current_id).await?, None),
        };
        let current = current.context("the origin-verify secret has no string value")?;
        self.read_once.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(OriginValues::new(current, previous))
    }
}

impl<R: Ring> KeySource for SecretsKeys<R> {
    type Ring = R;
    async fn fetch(&self) -> anyhow::Result<R> {
        let out =
            self.client.get_secret_value().secret_id(&self.secret_id).send().await.map_err(|e| crate::sdk_failure("Secrets Manager GetSecretValue", &e))?;
        let json = out.secret_string().with_context(|| format!("the {} secret has no string value", R::NAME))?;
        // KeyRingError messages name key ids only, never key material.
        R::from_secret(json).with_context(|| format!("the {} secret is unusable", R::NAME))
    }
}
