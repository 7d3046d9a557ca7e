//! Use case: someone presents an address and the code a mail carried beside its link.
//!
//! The code is checked without being stored: for each link the mail worker noted for the address
//! (a [`LinkRecord`]), the code is derived again from the key that signed the link and the account
//! as it is now ([`reset_token::KeyRing::code_matches`]); a right code then stands for its link, and
//! the confirm or the page goes on exactly as from the link ([`CheckedToken`]).
//!
//! Guessing: every check spends one of the address's [`CODE_ATTEMPTS`] for the window of a reset
//! link's lifetime, before anything else is read, whether the address has an account or not;
//! spent, every code for the address is refused until the window ends, with a metric and an audit
//! event. The source IP's budget applies before (at the edge).
//!
//! Enumeration: an unknown address, a disabled account, one without a link and a wrong code all
//! get the same refusal after the same store calls (the attempt, the account looked up by
//! address, the links noted for the address) and at least one derivation.

use reset_token::{Binding, Code, LinkRecord, Purpose};

use crate::domain::{Email, NewPassword, StoredEmail, UserId};
use crate::ports::breached::BreachedPasswords;
use crate::ports::{CodeLinks as _, CountHits as _, FindUserByEmail, GetUser, Hit, SetPassword};
use crate::use_cases::confirm_reset::{CheckedToken, ConfirmError, audit_refusal, confirm_checked, fits_account};
use crate::use_cases::request_reset::Requester;
use crate::{Adapters, ConfirmDeps, unix_now};

/// Wrong codes (of any of its links) an address may present per window of a reset link's
/// lifetime; then every code for it is dead until the window ends.
pub const CODE_ATTEMPTS: u32 = 5;

/// Why a code was refused: for logs only. The client gets one answer for all of them.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum CodeRejected {
    /// Not shaped like a code (another length, a control character): refused at the edge,
    /// before anything was looked up or spent.
    #[error("not a code")]
    Malformed,
    #[error("no account has this address")]
    UnknownAccount,
    #[error("the account is disabled")]
    Disabled,
    /// No live link of the address (its links, if any, expired or were made by a retired key,
    /// or the account changed since) has this code.
    #[error("no live link of the address has this code")]
    NoMatch,
    /// The right code of a link that no longer fits the account (an invitation to an account
    /// that has a password by now, a reset link for one without).
    #[error("the link no longer fits the account")]
    Unfit,
}

impl CodeRejected {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeRejected::Malformed => "malformed",
            CodeRejected::UnknownAccount => "unknown_account",
            CodeRejected::Disabled => "disabled",
            CodeRejected::NoMatch => "no_match",
            CodeRejected::Unfit => "unfit",
        }
    }
}

/// The counter of an address's code attempts, and its noted links: keyed hashes of the
/// address (the current hashing key's), never the address.
pub(crate) fn attempts_key(email_hash: &str) -> String {
    format!("code-tries#{email_hash}")
}

pub(crate) fn links_key(email_hash: &str) -> String {
    format!("code-links#{email_hash}")
}

/// Derived for an address with no account, so that it takes the same work as one with an account.
const NOBODY: Binding<'static> = Binding { user_id: "", email: "", password_hash: "", status: "", epoch: "" };

/// Checks `code` for `email` and changes nothing but the attempt it spends: a right code gives
/// the link it came with, checked against the account as [`crate::check_token`] checks a link.
#[tracing::instrument(name = "check_code", skip_all, fields(user_id, token_id))]
pub async fn check_code<A: Adapters<Users: FindUserByEmail>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
) -> Result<CheckedToken, ConfirmError> {
    checked(deps, email, code).await.inspect_err(audit_refusal)
}

async fn checked<A: Adapters<Users: FindUserByEmail>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
) -> Result<CheckedToken, ConfirmError> {
    let settings = &deps.common.settings;
    let hashing = deps.common.hashing.get().await.map_err(ConfirmError::Unavailable)?;
    let ring = deps.signing.get().await.map_err(ConfirmError::Unavailable)?;
    let email_hash = hashing.audit_hash(email.as_ref());
    let now = unix_now();

    let window = settings.token_ttl.as_secs();
    let hit = deps.common.limits.hit(&attempts_key(&email_hash), CODE_ATTEMPTS, window, now).await.map_err(ConfirmError::Unavailable)?;
    if let Hit::Limited { retry_after } = hit {
        tracing::warn!(
            audit = "code_locked",
            email_hash = %email_hash,
            retry_after_secs = retry_after,
            metric = "code_attempts_exhausted",
            "an address's codes are refused: its attempts for this window are spent"
        );
        return Err(ConfirmError::CodeAttemptsSpent { retry_after });
    }

    let user = deps.users.find_by_email(email).await.map_err(ConfirmError::Unavailable)?;
    let links = deps.common.limits.links(&links_key(&email_hash)).await.map_err(ConfirmError::Unavailable)?;
    tracing::debug!(found = user.is_some(), links = links.len(), "account and noted links read");

    let binding = user.as_ref().map_or(NOBODY, |user| user.binding());
    // Every noted link is derived (at least one, a stand-in, when there is none), so the work does
    // not tell whether the address has links; the first match wins.
    let stand_in = [LinkRecord { purpose: Purpose::Reset, key_id: String::new(), issued_at: 0, expires_at: 0, link_id: String::new() }];
    let candidates = if links.is_empty() { &stand_in[..] } else { &links[..] };
    let mut matched = None;
    for link in candidates {
        if ring.code_matches(link, binding, code, now) && matched.is_none() {
            matched = Some(link.clone());
        }
    }
    let user = match user {
        None => return Err(ConfirmError::InvalidCode(CodeRejected::UnknownAccount)),
        Some(user) if !user.active => return Err(ConfirmError::InvalidCode(CodeRejected::Disabled)),
        Some(user) => user,
    };
    let Some(link) = matched else {
        return Err(ConfirmError::InvalidCode(CodeRejected::NoMatch));
    };
    tracing::Span::current().record("user_id", user.id.as_ref()).record("token_id", link.link_id.as_str());
    let checked = CheckedToken { user, expires_at: link.expires_at, token_id: link.link_id, key_id: link.key_id, purpose: link.purpose };
    fits_account(deps, checked).map_err(|_| ConfirmError::InvalidCode(CodeRejected::Unfit))
}

/// The JSON confirm with a code (`{email, code, password}`): the password's own rules first (they
/// depend only on what was typed, so a weak password spends no attempt), then the code, then the
/// change exactly as from the link.
#[tracing::instrument(name = "confirm_code", skip_all)]
pub async fn confirm_code<A: Adapters<Users: FindUserByEmail + GetUser + SetPassword>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
    password: NewPassword,
    requester: &Requester,
) -> Result<UserId, ConfirmError> {
    let settings = &deps.common.settings;
    password
        .check_strength(settings.password_policy, &StoredEmail::new(email.as_ref()), &settings.app_name)
        .map_err(ConfirmError::from)
        .inspect_err(audit_refusal)?;
    let checked = check_code(deps, email, code).await?;
    confirm_checked(deps, checked, password, requester).await
}
