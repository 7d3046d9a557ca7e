//! The signing key ring, read from one Secrets Manager secret (format: `reset_token::KeyRing`),
//! and the CDN's origin-verify values, a plain string secret's current and previous versions
//! ([`SecretsOriginVerify`]).

use anyhow::Context as _;
use aws_sdk_secretsmanager::Client;
use reset_core::origin_verify::OriginValues;
use reset_core::ports::{KeySource, OriginVerifySource};
use reset_core::reset_token::KeyRing;
use reset_core::secrecy::SecretString;

#[derive(Clone)]
pub struct SecretsKeys {
    client: Client,
    secret_id: String,
}

impl SecretsKeys {
    pub fn new(client: Client, secret_id: String) -> Self {
        SecretsKeys { client, secret_id }
    }
}

/// The CDN's origin-verify values: the versions of one string secret labelled `AWSCURRENT` and
/// `AWSPREVIOUS`. A secret with one version has no `AWSPREVIOUS` (Secrets Manager answers
/// ResourceNotFoundException for the label): then only the current value is accepted.
#[derive(Clone)]
pub struct SecretsOriginVerify {
    client: Client,
    secret_id: String,
}

impl SecretsOriginVerify {
    pub fn new(client: Client, secret_id: String) -> Self {
        SecretsOriginVerify { client, secret_id }
    }

    async fn stage(&self, stage: &str) -> anyhow::Result<Option<SecretString>> {
        match self.client.get_secret_value().secret_id(&self.secret_id).version_stage(stage).send().await {
            Ok(out) => Ok(out.secret_string().filter(|v| !v.is_empty()).map(|v| v.to_owned().into())),
            Err(err) if stage == "AWSPREVIOUS" && err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => Ok(None),
            Err(err) => Err(crate::sdk_failure(&format!("Secrets Manager GetSecretValue ({stage})"), &err)),
        }
    }
}

impl OriginVerifySource for SecretsOriginVerify {
    async fn read(&self) -> anyhow::Result<OriginValues> {
        let (current, previous) = tokio::join!(self.stage("AWSCURRENT"), self.stage("AWSPREVIOUS"));
        let current = current?.context("the origin-verify secret has no string value")?;
        Ok(OriginValues::new(current, previous?))
    }
}

impl KeySource for SecretsKeys {
    async fn fetch(&self) -> anyhow::Result<KeyRing> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| crate::sdk_failure("Secrets Manager GetSecretValue", &e))?;
        let json = out.secret_string().context("the signing-key secret has no string value")?;
        // KeyRingError messages name key ids only, never key material.
        KeyRing::from_json(json).context("the signing-key secret is unusable")
    }
}
