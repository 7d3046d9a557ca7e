//! argon2id with the OWASP parameters (m = 19456 KiB, t = 2, p = 1), run on the blocking pool so
//! a hash never stalls the async executor.

use anyhow::Context as _;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::NewPassword;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, Some(32)).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes to a PHC string with a fresh random salt.
pub async fn hash(password: NewPassword) -> anyhow::Result<String> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_blocking(password.expose())))
        .await
        .context("the hashing task did not finish")?
}

/// True when `password` matches the PHC string `phc` (whatever parameters it was made with).
pub fn verify(password: &str, phc: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// Hashes on the current thread: for seeding users and benchmarks, never on a request path.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|err| anyhow::anyhow!("argon2 hashing failed: {err}"))
}
