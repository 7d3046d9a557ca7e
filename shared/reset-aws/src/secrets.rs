//! The signing key ring, read from one Secrets Manager secret (format: `reset_token::KeyRing`),
//! and plain secret strings read once at cold start ([`secret_string`]).

use anyhow::Context as _;
use aws_sdk_secretsmanager::Client;
use reset_core::ports::KeySource;
use reset_core::reset_token::KeyRing;

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

/// A secret's string value (e.g. the CDN's origin-verify header value), read once.
pub async fn secret_string(client: &Client, secret_id: &str) -> anyhow::Result<reset_core::secrecy::SecretString> {
    let out = client.get_secret_value().secret_id(secret_id).send().await.map_err(|e| crate::sdk_failure("Secrets Manager GetSecretValue", &e))?;
    let value = out.secret_string().filter(|v| !v.is_empty()).context("the secret has no string value")?;
    Ok(value.to_owned().into())
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
