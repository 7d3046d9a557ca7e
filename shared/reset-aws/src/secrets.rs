//! The signing key ring, read from one Secrets Manager secret (format: `reset_token::KeyRing`).

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

impl KeySource for SecretsKeys {
    async fn fetch(&self) -> anyhow::Result<KeyRing> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .context("Secrets Manager GetSecretValue failed")?;
        let json = out.secret_string().context("the signing-key secret has no string value")?;
        // KeyRingError messages name key ids only, never key material.
        KeyRing::from_json(json).context("the signing-key secret is unusable")
    }
}
