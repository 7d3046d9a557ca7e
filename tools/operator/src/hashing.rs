//! The hashing keys' secret (audit and counter hashes, the mail jobs' MACs), rotated in two steps
//! like the signing keys:
//!
//! 1. `hashing-key add`: a new random key becomes the current one. From the moment a function
//!    reads it (within `KEY_CACHE_SECONDS`), every keyed hash changes: rate-limit counters start
//!    afresh (each budget restarts once) and the audit log's hashes of an address change
//!    (`audit-hash` prints both). Jobs queued under the older key still verify.
//! 2. `hashing-key retire`: once no job MACed with an older key can still be delivered (the
//!    mail's maximum age plus the key cache after step 1), only the current key stays.
//!
//! Key ids are `h<unix seconds>`. Only key ids and hashes are printed, never a key.

use std::time::Duration;

use anyhow::bail;
use aws_sdk_secretsmanager::Client;
use reset_core::reset_token::{HashRing, KeyRing, add_hash_key, retire_old_hash_keys};
use reset_core::settings::{DEFAULT_KEY_CACHE_TTL, DEFAULT_MAIL_MAX_AGE};

/// Default wait before `hashing-key retire`: the default mail age (a job older is dropped, not
/// sent) plus the default key cache (an HTTP function may MAC with the old key that long after `add`).
pub const DEFAULT_HASH_MIN_AGE: Duration = DEFAULT_MAIL_MAX_AGE.saturating_add(DEFAULT_KEY_CACHE_TTL);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashCommand {
    Add,
    Retire {
        min_age: Duration,
        force: bool,
    },
    /// The audit log's `email_hash` of an address under each key the secret holds, normalized as
    /// the functions normalize it.
    AuditHash {
        email: String,
    },
}

/// Runs one command on the hashing secret at time `now` (Unix seconds); returns what it did.
pub async fn run(client: &Client, secret_id: &str, command: HashCommand, now: u64) -> anyhow::Result<String> {
    let secret = crate::read(client, secret_id, "hashing-key").await?;
    let ring = HashRing::from_json(&secret)?;
    match command {
        HashCommand::AuditHash { email } => {
            let email = reset_core::domain::Email::parse(&email).map_err(|_| anyhow::anyhow!("not an email address the service would accept"))?;
            let current = ring.current_kid();
            let lines: Vec<String> = ring
                .audit_hashes(email.as_ref())
                .into_iter()
                .map(|(kid, hash)| format!("email_hash {hash} (key {kid}{})", if kid == current { ", current" } else { ", before the rotation" }))
                .collect();
            Ok(lines.join("\n"))
        }
        HashCommand::Add => {
            let kid = format!("h{now}");
            let key = KeyRing::generate_key().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            crate::write(client, secret_id, add_hash_key(&secret, &kid, &key)?, "hashing-key").await?;
            Ok(format!(
                "added {kid} as the current hashing key; kept {} to verify queued jobs. Counters keyed by the hash start afresh and \
                 audit hashes change once the functions read it (audit-hash prints both)",
                ring.kids().join(", ")
            ))
        }
        HashCommand::Retire { min_age, force } => {
            let current = ring.current_kid();
            let age = current.strip_prefix('h').and_then(|t| t.parse::<u64>().ok()).map(|t| now.saturating_sub(t));
            let old_enough = age.is_some_and(|age| age >= min_age.as_secs());
            if !old_enough && !force {
                bail!(
                    "the current hashing key {current} was added {} ago; jobs MACed with older keys may still be queued for up to {} s. \
                     Retire later, or pass --force",
                    age.map_or("at an unknown time".into(), |a| format!("{a} s")),
                    min_age.as_secs()
                );
            }
            let retired: Vec<&str> = ring.kids().into_iter().filter(|k| *k != current).collect();
            crate::write(client, secret_id, retire_old_hash_keys(&secret)?, "hashing-key").await?;
            Ok(format!("kept {current}; retired {}", if retired.is_empty() { "nothing".into() } else { retired.join(", ") }))
        }
    }
}
