//! Use case: someone presents a reset token and a new password.
//!
//! The token must verify, name an active user, and still match that user's email and password
//! hash; the new hash is written only if the hash is still the one the token was bound to, so of
//! many concurrent confirms with one token exactly one wins.

use reset_text::locale;
use reset_token::{Purpose, TokenError};

use crate::domain::events::{self, SCHEMA_VERSION};
use crate::domain::mail_job::{ChangedJob, MailJob, new_job_id};
use crate::domain::password;
use crate::domain::{Credential, InvalidToken, NewPassword, PasswordChange, ResetToken, User, UserId, WeakPassword};
use crate::ports::breached::BreachedPasswords;
use crate::ports::{GetUser, MailQueue as _, SetPassword, WriteOutcome};
use crate::use_cases::request_reset::Requester;
use crate::{Adapters, ConfirmDeps, unix_now};

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// Every token failure, whatever the cause: the client gets one answer for all of them.
    #[error("the reset link is invalid or has expired")]
    InvalidToken(#[source] TokenRejected),
    /// The password is guessable for this account (too common, or built from its email).
    #[error(transparent)]
    WeakPassword(#[from] WeakPassword),
    /// Every refused code, whatever the cause (an unknown address, a wrong code, an expired
    /// link): one answer for all of them.
    #[error("the code is wrong or has expired")]
    InvalidCode(#[source] crate::CodeRejected),
    /// The address's code attempts for this window are spent: every code for it is refused until
    /// the window ends (`retry_after` seconds), whether the address has an account or not.
    #[error("too many wrong codes for this address")]
    CodeAttemptsSpent { retry_after: u64 },
    /// The key ring or the user store could not be reached: worth a retry (503).
    #[error("a backing service is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A fault of this service, not of a dependency or the client (hashing failed): a retry
    /// would meet it again (500). Never reached by `?` alone: each cause is mapped to it by name.
    #[error("the password could not be changed")]
    Internal(#[source] anyhow::Error),
}

/// Why a token was refused: for logs only.
#[derive(Debug, thiserror::Error)]
pub enum TokenRejected {
    /// Not even shaped like a token; refused at the edge before anything was looked up.
    #[error("not a reset token")]
    Malformed,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the token names no user that exists")]
    UserGone,
    #[error("the account is disabled")]
    Disabled,
    #[error("the password was changed since the token was checked")]
    LostRace,
    /// The key that signed it left the ring (retired, perhaps in an emergency) since this
    /// process last read the secret.
    #[error("the token's signing key was retired")]
    KeyRetired,
    /// A reset link for an account with no password, while the forgot page may not give one.
    #[error("the account has no password to reset")]
    NoPassword,
    /// An invitation for an account that has a password by now.
    #[error("the account has a password already")]
    HasPassword,
}

impl TokenRejected {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenRejected::Malformed => "malformed",
            TokenRejected::Token(TokenError::Expired) => "expired",
            TokenRejected::Token(TokenError::Superseded) => "superseded",
            TokenRejected::Token(_) => "invalid",
            TokenRejected::UserGone => "user_gone",
            TokenRejected::Disabled => "disabled",
            TokenRejected::LostRace => "lost_race",
            TokenRejected::KeyRetired => "key_retired",
            TokenRejected::NoPassword => "no_password",
            TokenRejected::HasPassword => "has_password",
        }
    }
}

pub(crate) fn rejected(why: impl Into<TokenRejected>) -> ConfirmError {
    ConfirmError::InvalidToken(why.into())
}

impl From<InvalidToken> for ConfirmError {
    fn from(_: InvalidToken) -> Self {
        rejected(TokenRejected::Malformed)
    }
}

/// The audit event for a refused or failed confirm (or link check). The use cases log their own
/// refusals; the edge calls this for what it refuses while parsing (a malformed token, a password
/// the length policy refuses), so every refusal leaves the same trail.
pub fn audit_refusal(err: &ConfirmError) {
    match err {
        ConfirmError::InvalidToken(why) => {
            tracing::info!(audit = "reset_confirmed", outcome = "token_rejected", reason = why.as_str(), "reset confirm refused");
        }
        ConfirmError::InvalidCode(why) => {
            tracing::info!(audit = "reset_confirmed", outcome = "code_rejected", reason = why.as_str(), "reset confirm refused");
        }
        ConfirmError::CodeAttemptsSpent { .. } => {
            tracing::info!(audit = "reset_confirmed", outcome = "code_rejected", reason = "attempts_spent", "reset confirm refused");
        }
        ConfirmError::WeakPassword(weak) => {
            let codes: Vec<&str> = weak.0.iter().map(|p| p.code).collect();
            tracing::info!(audit = "reset_confirmed", outcome = "weak_password", reasons = ?codes, "reset confirm refused");
        }
        ConfirmError::Unavailable(cause) => {
            tracing::error!(audit = "reset_confirmed", outcome = "unavailable", error = ?cause, "reset confirm failed: dependency unavailable");
        }
        ConfirmError::Internal(cause) => {
            tracing::error!(audit = "reset_confirmed", outcome = "failed", error = ?cause, "reset confirm failed unexpectedly");
        }
    }
}

/// The oldest key ring a password change trusts: a key retired (`reset-operator signing-key retire
/// --force`) changes no password on any running instance once this has passed, whatever
/// `KEY_CACHE_SECONDS` says. Costs one read of the secret per instance per minute at most, and
/// only when passwords are changed.
pub const KEYS_FRESH_FOR_A_CHANGE: std::time::Duration = std::time::Duration::from_secs(60);

/// A token that verified against the current state of the account it names.
#[derive(Debug)]
pub struct CheckedToken {
    pub user: User,
    /// When the token stops working (Unix seconds).
    pub expires_at: u64,
    /// The token's `jti`, for the audit log.
    pub token_id: String,
    /// The id of the key that signed it, checked again against a fresh ring before a change.
    pub key_id: String,
    /// What the link is: a reset link, or an invitation (the page says "choose your password").
    pub purpose: Purpose,
}

/// Verifies a token completely (signature, lifetime, account exists, is active, still matches)
/// and changes nothing: safe for GET and HEAD, which mail scanners send before the user.
#[tracing::instrument(name = "check_token", skip_all, fields(user_id, token_id))]
pub async fn check_token<A: Adapters<Users: GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    token: &ResetToken,
) -> Result<CheckedToken, ConfirmError> {
    checked(deps, token).await.inspect_err(audit_refusal)
}

/// A reset link, or an invitation (its own audience): the reset page and the confirm take both.
/// A reset link needs an account with a password (or the forced reset's marker), unless
/// `PasswordlessUsersMayRequest`; an invitation needs one without.
async fn checked<A: Adapters<Users: GetUser>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, token: &ResetToken) -> Result<CheckedToken, ConfirmError> {
    let checked = match verified(deps, Purpose::Reset, token, true).await {
        Err(ConfirmError::InvalidToken(TokenRejected::Token(TokenError::WrongAudience))) => verified(deps, Purpose::Invitation, token, true).await?,
        other => other?,
    };
    fits_account(deps, checked)
}

/// A link (or a code, which stands for its link) fits the account as it is now: an invitation
/// one without a password, a reset link one with (or, when `PasswordlessUsersMayRequest`, any).
pub(crate) fn fits_account<A: Adapters, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, checked: CheckedToken) -> Result<CheckedToken, ConfirmError> {
    match (checked.purpose, checked.user.credential()) {
        (Purpose::Invitation, Credential::Password | Credential::ResetRequired) => Err(rejected(TokenRejected::HasPassword)),
        (Purpose::Reset, Credential::None) if !deps.common.settings.passwordless_may_request => Err(rejected(TokenRejected::NoPassword)),
        // A dispute link changes no password, whatever reached here with it.
        (Purpose::Dispute, _) => Err(rejected(TokenError::WrongAudience)),
        _ => Ok(checked),
    }
}

/// Verifies a token for `purpose` completely (signature, audience, lifetime, the account exists,
/// is active if `active_only`, and still matches the binding) and changes nothing. The dispute
/// page shares it: a change may be disputed on an account the application has disabled since.
pub(crate) async fn verified<A: Adapters<Users: GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    purpose: Purpose,
    token: &ResetToken,
    active_only: bool,
) -> Result<CheckedToken, ConfirmError> {
    let ring = deps.signing.get().await.map_err(ConfirmError::Unavailable)?;
    let now = unix_now();
    let fresh;
    let unbound = match ring.verify_for(purpose, token.as_ref(), now) {
        // Signed with a key newer than this process's ring (a rotation since the last read)?
        Err(TokenError::UnknownKey) => match deps.signing.refresh_for_unknown_key().await {
            Some(refreshed) => {
                fresh = refreshed;
                fresh.verify_for(purpose, token.as_ref(), now)
            }
            None => Err(TokenError::UnknownKey),
        },
        verified => verified,
    }
    .map_err(rejected)?;
    let user_id = UserId::parse(unbound.subject()).map_err(|_| rejected(TokenError::BadClaims))?;
    tracing::Span::current().record("user_id", user_id.as_ref());
    tracing::debug!("token signature and lifetime verified; reading the account");

    let user = deps.users.get_user(&user_id).await.map_err(ConfirmError::Unavailable)?;
    let user = user.ok_or_else(|| rejected(TokenRejected::UserGone))?;
    if active_only && !user.active {
        return Err(rejected(TokenRejected::Disabled));
    }
    let claims = unbound.bind(user.binding()).map_err(rejected)?;
    tracing::Span::current().record("token_id", claims.token_id.as_str());
    tracing::debug!(expires_in_secs = claims.expires_at.saturating_sub(now), "token matches the account");
    Ok(CheckedToken { user, expires_at: claims.expires_at, token_id: claims.token_id, key_id: claims.key_id, purpose })
}

#[tracing::instrument(name = "confirm_reset", skip_all, fields(user_id, token_id))]
pub async fn confirm_reset<A: Adapters<Users: GetUser + SetPassword>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    token: &ResetToken,
    password: NewPassword,
    requester: &Requester,
) -> Result<UserId, ConfirmError> {
    async { change_password(deps, checked(deps, token).await?, password, requester).await }.await.inspect_err(audit_refusal)
}

/// [`confirm_reset`] for a caller that has just checked the token with [`check_token`] (the form,
/// which names the account before it takes the password): the same change, without reading the
/// user again. The write stays conditional on what the check saw. `requester` says who asked (its
/// network, request id and language: the notice's, for an account that has none stored), for the
/// `Password Changed` event.
#[tracing::instrument(name = "confirm_reset", skip_all, fields(user_id = %checked.user.id, token_id = %checked.token_id))]
pub async fn confirm_checked<A: Adapters<Users: GetUser + SetPassword>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    checked: CheckedToken,
    password: NewPassword,
    requester: &Requester,
) -> Result<UserId, ConfirmError> {
    change_password(deps, checked, password, requester).await.inspect_err(audit_refusal)
}

/// The token verified against this process's cached ring, which may predate an emergency
/// retirement by the whole cache time: a write (a password change, a dispute's lock) needs the
/// key in a ring read within a minute.
pub(crate) async fn key_still_held<A: Adapters, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, key_id: &str) -> Result<(), ConfirmError> {
    let ring = deps.signing.get_fresh(KEYS_FRESH_FOR_A_CHANGE).await.map_err(ConfirmError::Unavailable)?;
    if ring.holds(key_id) { Ok(()) } else { Err(rejected(TokenRejected::KeyRetired)) }
}

async fn change_password<A: Adapters<Users: GetUser + SetPassword>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    checked: CheckedToken,
    password: NewPassword,
    requester: &Requester,
) -> Result<UserId, ConfirmError> {
    let CheckedToken { user, key_id, token_id, .. } = checked;
    key_still_held(deps, &key_id).await?;
    password.check_strength(deps.common.settings.password_policy, &user.email, &deps.common.settings.app_name)?;
    // Last, and only for a password the local rules accept: the one check that leaves the process.
    crate::ports::breached::check_not_breached(deps.breaches.as_ref(), &password).await?;
    tracing::debug!("new password passed the strength and breach checks");
    // Everything that may wait on a service, before the hashing and the stamp.
    let hashing = deps.common.hashing.get().await.map_err(ConfirmError::Unavailable)?;
    let event_id = events::new_event_id().map_err(ConfirmError::Internal)?;
    let started = std::time::Instant::now();
    let new_hash = password::hash(password, &deps.common.settings.password_storage).await.map_err(ConfirmError::Internal)?;
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "new password hashed");
    // The epoch is stamped after the hashing, right before the write: a sign-in with the old
    // password that completes while the new one is hashed gets a session the epoch ends.
    let now = unix_now();
    // The notice's language: the account's, else the request's, else the default.
    let notice_locale = locale::for_mail(user.locale.as_deref(), requester.locale.as_deref(), deps.common.settings.default_locale);
    let event = events::PasswordChanged {
        schema_version: SCHEMA_VERSION,
        event_id,
        user_id: user.id.as_ref().to_owned(),
        changed_at: now,
        link_id: token_id,
        request_id: requester.request_id.clone(),
        requester_network: Some(hashing.audit_hash(&requester.network)),
        locale: notice_locale.tag().to_owned(),
    };
    let change = PasswordChange {
        user_id: user.id.clone(),
        expected_email: user.email.as_stored().to_owned(),
        expected_hash: user.password_hash.clone(),
        expected_status: user.status.clone(),
        new_hash,
        changed_at: now,
        event: event.into_event(),
    };
    match deps.users.set_password(&change).await.map_err(ConfirmError::Unavailable)? {
        WriteOutcome::Written => {}
        WriteOutcome::Conflict => return Err(rejected(TokenRejected::LostRace)),
    }
    tracing::info!(audit = "reset_confirmed", outcome = "password_changed", user_id = %user.id, "password reset confirmed");

    // The change stands whatever happens to the notice: a failure to queue it is logged with a
    // metric, not returned. Queued, it is retried by the mail worker like any mail.
    let queued = async {
        let job = ChangedJob {
            id: new_job_id()?,
            user_id: user.id.as_ref().to_owned(),
            email: user.email.as_stored().to_owned(),
            changed_at: now,
            locale: Some(notice_locale.tag().to_owned()),
        };
        deps.common.queue.enqueue(&MailJob::PasswordChanged(job).sign(&hashing)?).await
    };
    if let Err(err) = queued.await {
        tracing::error!(error = ?err, metric = "changed_mail_enqueue_failed", "password-changed notice was not queued");
    } else {
        tracing::debug!("password-changed notice queued");
    }
    Ok(user.id)
}
