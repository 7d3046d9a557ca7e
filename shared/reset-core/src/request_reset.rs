//! Use case: someone asks for a reset link for an email address.
//!
//! Invariant: the caller's answer is the same whether the account exists, does not exist, is
//! disabled, or the mail could not be sent. Only a failure that hits every request alike (keys or
//! user store unavailable) may change it.

use crate::domain::Email;
use crate::ports::{CountHits as _, FindUserByEmail as _, Hit, Mailer as _};
use crate::{Deps, RequestPorts, mail, unix_now};

/// What happened, for logs and tests; never shown to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestOutcome {
    Sent,
    UnknownAccount,
    /// The address was mailed too often lately; nothing is looked up or sent.
    RateLimited,
    DisabledAccount,
    /// The stored address is not one we can safely send to.
    UnusableAddress,
    /// The link could not be made or the mail could not be sent (logged as an error).
    Failed,
}

impl RequestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Sent => "sent",
            RequestOutcome::UnknownAccount => "unknown_account",
            RequestOutcome::RateLimited => "rate_limited",
            RequestOutcome::DisabledAccount => "disabled_account",
            RequestOutcome::UnusableAddress => "unusable_address",
            RequestOutcome::Failed => "failed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RequestResetError {
    /// The key ring or the user store could not be reached; nothing was sent.
    #[error("a backing service is unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// Runs the request inside a time box: the answer comes no sooner than the configured floor, so
/// its timing does not tell a known account (lookup, signing, SES) from an unknown one (lookup).
/// Work that overruns the floor is logged, so the floor can be raised.
#[tracing::instrument(name = "request_reset", skip_all, fields(email_domain = email.domain()))]
pub async fn request_reset<A: RequestPorts>(deps: &Deps<A>, email: &Email) -> Result<RequestOutcome, RequestResetError> {
    let floor = deps.settings.request_time_floor;
    let started = tokio::time::Instant::now();
    let result = unboxed(deps, email).await;
    if let Err(RequestResetError::Unavailable(cause)) = &result {
        tracing::error!(audit = "reset_requested", outcome = "unavailable", error = ?cause, "reset request failed: dependency unavailable");
    }
    let spent = started.elapsed();
    if spent > floor && !floor.is_zero() {
        tracing::warn!(spent_ms = spent.as_millis() as u64, metric = "request_timebox_overrun", "reset request took longer than its time floor");
    }
    tokio::time::sleep_until(started + floor).await;
    result
}

async fn unboxed<A: RequestPorts>(deps: &Deps<A>, email: &Email) -> Result<RequestOutcome, RequestResetError> {
    // Keys first, for every request: a key outage must look the same for known and unknown accounts.
    let ring = deps.keys.get().await.map_err(RequestResetError::Unavailable)?;
    let email_hash = ring.audit_hash(email.as_ref());

    // Per address, counted alike for every address (known or not), keyed by hash: the limits
    // table never holds an email.
    let limits = deps.settings.rate_limits;
    let now = unix_now();
    let mut limited = false;
    for (limit, window) in [(limits.email_per_minute, 60), (limits.email_per_day, 86_400)] {
        let key = format!("email#{email_hash}#{window}");
        if deps.limits.hit(&key, limit, window, now).await.map_err(RequestResetError::Unavailable)? != Hit::Allowed {
            limited = true;
            break;
        }
    }
    let user = if limited { None } else { deps.users.find_by_email(email).await.map_err(RequestResetError::Unavailable)? };

    let outcome = match user {
        None if limited => RequestOutcome::RateLimited,
        None => RequestOutcome::UnknownAccount,
        Some(user) if !user.active => RequestOutcome::DisabledAccount,
        Some(user) => match user.email.mailbox() {
            None => RequestOutcome::UnusableAddress,
            Some(to) => {
                let sent = async {
                    let ttl = deps.settings.token_ttl.as_secs();
                    let issued = ring.issue(user.binding(), unix_now(), ttl)?;
                    let mail = mail::reset_link(&deps.settings, to.clone(), &deps.settings.reset_link(&issued.token))?;
                    deps.mailer.send(&mail).await
                };
                match sent.await {
                    Ok(()) => RequestOutcome::Sent,
                    Err(err) => {
                        // Not the client's business (it would reveal the account), but never silent.
                        tracing::error!(user_id = %user.id, error = ?err, metric = "reset_mail_failed", "reset mail was not sent");
                        RequestOutcome::Failed
                    }
                }
            }
        },
    };
    tracing::info!(audit = "reset_requested", outcome = outcome.as_str(), email_hash = %email_hash, "reset requested");
    Ok(outcome)
}
