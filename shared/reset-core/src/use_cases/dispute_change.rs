//! Use case: the owner of an account says a password change was not theirs ("this wasn't me",
//! the link in the password-changed notice, which the mail worker signs when it sends the notice).
//!
//! The dispute link is a token of its own purpose (`reset_token::Purpose::Dispute`: its own
//! audience, so it never passes as a reset link nor a reset link as it), bound to the account as
//! it was when the notice went out. Checking it changes nothing (mail scanners open links); the
//! lock is one conditional write, on the hash, email and status the check read, that sets the
//! status to `DISPUTE_LOCK_STATUS` and moves the epoch (`password_changed_at`), which ends every
//! reset link and, by the session rule, every session; the `Password Change Disputed` event goes
//! to the outbox in the same transaction. The lock changes the binding, so the same link, a
//! replay, or any link from before a later change is refused after it.

use reset_token::Purpose;

use crate::domain::events::{self, PasswordChangeDisputed, SCHEMA_VERSION};
use crate::domain::{ResetToken, password};
use crate::ports::breached::BreachedPasswords;
use crate::ports::{GetUser, LockAccount, WriteOutcome};
use crate::use_cases::confirm_reset::{CheckedToken, ConfirmError, TokenRejected, key_still_held, rejected, verified};
use crate::use_cases::request_reset::Requester;
use crate::{Adapters, ConfirmDeps, unix_now};

/// The audit event for a refused or failed dispute. The edge calls it for a link it refuses while
/// parsing (not shaped like a token), so every refusal leaves the same trail.
pub fn audit_dispute_refusal(err: &ConfirmError) {
    match err {
        ConfirmError::InvalidToken(why) => {
            tracing::info!(audit = "account_disputed", outcome = "token_rejected", reason = why.as_str(), "dispute refused");
        }
        // A dispute takes no password and no code.
        ConfirmError::WeakPassword(_) | ConfirmError::InvalidCode(_) | ConfirmError::CodeAttemptsSpent { .. } => {}
        ConfirmError::Unavailable(cause) => {
            tracing::error!(audit = "account_disputed", outcome = "unavailable", error = ?cause, "dispute failed: dependency unavailable");
        }
        ConfirmError::Internal(cause) => {
            tracing::error!(audit = "account_disputed", outcome = "failed", error = ?cause, "dispute failed unexpectedly");
        }
    }
}

/// Verifies a dispute link completely (signature, audience, lifetime, the account exists and
/// still matches it) and changes nothing: safe for GET and HEAD. A disabled account may still be
/// disputed (a change followed by a disabling is when its owner most needs to).
#[tracing::instrument(name = "check_dispute", skip_all, fields(user_id, token_id))]
pub async fn check_dispute<A: Adapters<Users: GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    token: &ResetToken,
) -> Result<CheckedToken, ConfirmError> {
    verified(deps, Purpose::Dispute, token, false).await.inspect_err(audit_dispute_refusal)
}

/// What a dispute did.
#[derive(Debug, Clone)]
pub struct Locked {
    pub user: crate::domain::User,
    /// The new epoch (Unix seconds).
    pub locked_at: u64,
}

/// Verifies the dispute link again, then locks the account and writes its event in one
/// conditional write (see the module docs).
#[tracing::instrument(name = "dispute_change", skip_all, fields(user_id, token_id))]
pub async fn dispute_change<A: Adapters<Users: GetUser + LockAccount>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    token: &ResetToken,
    requester: &Requester,
) -> Result<Locked, ConfirmError> {
    async { lock(deps, verified(deps, Purpose::Dispute, token, false).await?, requester).await }.await.inspect_err(audit_dispute_refusal)
}

async fn lock<A: Adapters<Users: GetUser + LockAccount>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    checked: CheckedToken,
    requester: &Requester,
) -> Result<Locked, ConfirmError> {
    let CheckedToken { user, key_id, token_id, .. } = checked;
    // As for a password change: a key retired in an emergency locks nothing a minute later.
    key_still_held(deps, &key_id).await?;
    let settings = &deps.common.settings;
    // Locked already (a notice sent again after the lock carries a link bound to the locked
    // account): nothing more to do, and no second event.
    if user.status.eq_ignore_ascii_case(&settings.dispute_lock_status) {
        return Err(rejected(TokenRejected::LostRace));
    }
    let changed_at = user.epoch.parse::<u64>().ok();
    let hashing = deps.common.hashing.get().await.map_err(ConfirmError::Unavailable)?;
    let new_hash = password::scrambled(&settings.password_storage).await.map_err(ConfirmError::Internal)?;
    // Stamped last, right before the write. The epoch moves past the disputed change's second
    // even when the dispute comes within it: a session issued in that second (whoever changed the
    // password, signing in at once) stands under the session rule until the epoch is later.
    let locked_at = unix_now().saturating_add(1).max(changed_at.map_or(0, |at| at.saturating_add(1)));
    let event = PasswordChangeDisputed {
        schema_version: SCHEMA_VERSION,
        event_id: events::new_event_id().map_err(ConfirmError::Internal)?,
        user_id: user.id.as_ref().to_owned(),
        disputed_at: locked_at,
        changed_at,
        status: settings.dispute_lock_status.clone(),
        link_id: token_id.clone(),
        request_id: requester.request_id.clone(),
        requester_network: Some(hashing.audit_hash(&requester.network)),
    };
    let change = crate::domain::AccountLock {
        user_id: user.id.clone(),
        expected_email: user.email.as_stored().to_owned(),
        expected_hash: user.password_hash.clone(),
        expected_status: user.status.clone(),
        lock_status: settings.dispute_lock_status.clone(),
        new_hash,
        locked_at,
        event: event.into_event(),
    };
    match deps.users.lock_account(&change).await.map_err(ConfirmError::Unavailable)? {
        WriteOutcome::Written => {}
        // Pressed twice at once, or the account changed since the check: the other write stands.
        WriteOutcome::Conflict => return Err(rejected(TokenRejected::LostRace)),
    }
    tracing::warn!(
        audit = "account_disputed",
        outcome = "locked",
        user_id = %user.id,
        link_id = %token_id,
        metric = "account_disputed",
        "a password change was disputed by the account's owner; the account is locked"
    );
    Ok(Locked { user, locked_at })
}
