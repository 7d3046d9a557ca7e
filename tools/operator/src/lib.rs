//! The operator's command, `reset-operator` (one binary, a subcommand per task; `--help` on each):
//!
//! - Signing-key rotation in two steps, so no link ever breaks early (this module):
//!   1. `signing-key add`: a new random key becomes the current signing key; older keys stay,
//!      verify-only. Running functions pick it up within `KEY_CACHE_SECONDS`.
//!   2. `signing-key retire`: once every link signed with an older key has expired
//!      (`TOKEN_TTL_SECONDS` plus `KEY_CACHE_SECONDS` after step 1: with `--stack`, the deployed
//!      lifetime), only the current key stays. Refused earlier unless forced; forced, running
//!      functions refuse the retired key's links for password changes within a minute
//!      (`KEYS_FRESH_FOR_A_CHANGE`).
//!
//!   Key ids are `k<unix seconds>`, so the age of the current key is known. Only key ids are printed.
//! - The hashing keys (`hashing-key add|retire`, and `audit-hash <email>`, which prints the keyed
//!   hash the audit log holds for an address under each hashing key) live in a secret of their
//!   own ([`hashing`]).
//! - `origin-verify rotate|status` rotates the CDN's origin-verify value ([`origin_verify`]).
//! - `reset` and `invite` start one operator's reset ([`resets`], over
//!   `reset_core::start_operator_reset` as `reset_wiring::operator` builds it); `bulk` runs a
//!   campaign over a file or the whole users table ([`bulk`], [`input`], [`sources`]), paced so
//!   ordinary reset mail is not starved ([`pace`]).
//!
//! It prints by design (it runs by hand), so it is outside the shipped crates' print lints.

pub mod bulk;
pub mod cli;
pub mod hashing;
pub mod input;
pub mod origin_verify;
pub mod pace;
pub mod resets;
pub mod sources;

use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_sdk_secretsmanager::Client;
use reset_core::reset_token::{KeyRing, add_current_key, retire_old_keys};
use reset_core::settings::{DEFAULT_DISPUTE_TOKEN_TTL, DEFAULT_KEY_CACHE_TTL};

/// Default wait before `retire`: the longest default lifetime of a link the key signs (the "this
/// wasn't me" link in a password-changed notice, 7 days; a reset link lives 30 minutes) plus the
/// default key cache. A routine retirement that came sooner would kill the dispute links of
/// notices still in their owners' inboxes.
pub const DEFAULT_MIN_AGE: Duration = DEFAULT_DISPUTE_TOKEN_TTL.saturating_add(DEFAULT_KEY_CACHE_TTL);

/// The wait before `retire` for a deployed stack (its parameters, as DescribeStacks gives them,
/// defaults included): the longest lifetime of the links it signs (`TokenTtlSeconds`, up to a
/// day; `DisputeTokenTtlSeconds`, up to 30 days, in stacks that have it) plus the key cache (the
/// template leaves `KEY_CACHE_SECONDS` at its default).
pub fn min_age_for_stack(parameters: &std::collections::BTreeMap<String, String>) -> anyhow::Result<Duration> {
    let seconds = |name: &str| -> anyhow::Result<Option<u64>> {
        parameters.get(name).map(|v| v.parse().map_err(|_| anyhow::anyhow!("the stack's {name} is not a number of seconds: {v:?}"))).transpose()
    };
    let ttl = seconds("TokenTtlSeconds")?.context("the stack has no TokenTtlSeconds parameter: is it this service's stack?")?;
    let dispute = seconds("DisputeTokenTtlSeconds")?.unwrap_or(0);
    Ok(Duration::from_secs(ttl.max(dispute)).saturating_add(DEFAULT_KEY_CACHE_TTL))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Add,
    Retire {
        /// How old the current key must be; `None`: [`DEFAULT_MIN_AGE`].
        min_age: Option<Duration>,
        force: bool,
    },
}

/// Reads a key secret's string value (`what`: which secret, for the error).
pub(crate) async fn read(client: &Client, secret_id: &str, what: &str) -> anyhow::Result<String> {
    let out = client.get_secret_value().secret_id(secret_id).send().await.with_context(|| format!("reading the {what} secret"))?;
    out.secret_string().map(str::to_owned).with_context(|| format!("the {what} secret has no string value"))
}

/// Puts a key secret's new value (`what`: which secret, for the error).
pub(crate) async fn write(client: &Client, secret_id: &str, json: String, what: &str) -> anyhow::Result<()> {
    client.put_secret_value().secret_id(secret_id).secret_string(json).send().await.with_context(|| format!("writing the {what} secret"))?;
    Ok(())
}

/// Runs one step at time `now` (Unix seconds); returns what it did, in words.
pub async fn run(client: &Client, secret_id: &str, command: Command, now: u64) -> anyhow::Result<String> {
    let secret = read(client, secret_id, "signing-key").await?;
    let ring = KeyRing::from_json(&secret)?;
    match command {
        Command::Add => {
            let kid = format!("k{now}");
            let key = KeyRing::generate_key().map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            write(client, secret_id, add_current_key(&secret, &kid, &key)?, "signing-key").await?;
            Ok(format!("added {kid} as the current signing key; kept {} for verification", ring.kids().join(", ")))
        }
        Command::Retire { min_age, force } => {
            let min_age = min_age.unwrap_or(DEFAULT_MIN_AGE);
            let current = ring.current_kid();
            let age = current.strip_prefix('k').and_then(|t| t.parse::<u64>().ok()).map(|t| now.saturating_sub(t));
            let old_enough = age.is_some_and(|age| age >= min_age.as_secs());
            if !old_enough && !force {
                bail!(
                    "the current key {current} was added {} ago; links signed with older keys may still work for up to {} s. \
                     Retire later, or pass --force",
                    age.map_or("at an unknown time".into(), |a| format!("{a} s")),
                    min_age.as_secs()
                );
            }
            let retired: Vec<&str> = ring.kids().into_iter().filter(|k| *k != current).collect();
            write(client, secret_id, retire_old_keys(&secret)?, "signing-key").await?;
            Ok(format!("kept {current}; retired {}", if retired.is_empty() { "nothing".into() } else { retired.join(", ") }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_before_retire_is_the_deployed_link_lifetime_plus_the_cache() {
        let parameters = |ttl: &str| [("TokenTtlSeconds".to_owned(), ttl.to_owned())].into_iter().collect();
        assert_eq!(min_age_for_stack(&parameters("86400")).unwrap(), Duration::from_secs(86_400 + 300));
        assert_eq!(min_age_for_stack(&parameters("1800")).unwrap(), Duration::from_secs(1800 + 300), "a stack from before the dispute links");
        // The dispute links' lifetime, when longer, sets the wait: a routine retirement keeps
        // the links in notices still unread.
        let with_disputes = |dispute: &str| {
            [("TokenTtlSeconds".to_owned(), "1800".to_owned()), ("DisputeTokenTtlSeconds".to_owned(), dispute.to_owned())].into_iter().collect()
        };
        assert_eq!(min_age_for_stack(&with_disputes("604800")).unwrap(), DEFAULT_MIN_AGE);
        assert_eq!(min_age_for_stack(&with_disputes("3600")).unwrap(), Duration::from_secs(3600 + 300));
        assert!(min_age_for_stack(&with_disputes("a week")).unwrap_err().to_string().contains("DisputeTokenTtlSeconds"));
        assert!(min_age_for_stack(&parameters("soon")).unwrap_err().to_string().contains("TokenTtlSeconds"));
        assert!(min_age_for_stack(&Default::default()).unwrap_err().to_string().contains("no TokenTtlSeconds"));
    }
}
