//! Use case: someone presents an address and the code a mail carried beside its link.
//!
//! The code is checked without being stored: for each link the mail worker noted for the address
//! (a [`LinkRecord`]), the code is derived again from the key that signed the link and the account
//! as it is now ([`reset_token::KeyRing::code_matches`]); a right code then stands for its link, and
//! the confirm or the page goes on exactly as from the link ([`CheckedToken`]). A noted link signed
//! with a key newer than this process's ring makes the ring be read again, as a link does.
//!
//! Guessing: every check spends one of the address's [`CODE_ATTEMPTS`] for its fixed window of
//! `TokenTtlSeconds` (a reset link's lifetime), before anything else is read, whether the address
//! has an account or not; spent, every code for the address is refused until the window ends (one
//! answer for every address), with a metric and an audit event. The source IP's budget applies
//! before (at the edge), and a code not shaped like one is refused there with its own answer,
//! before anything is read or spent.
//!
//! Enumeration: an unknown address, a disabled account, one without a link and a wrong code all
//! get the same refusal after the same store calls (one UpdateItem, the attempt; one Query of the
//! email index for the id alone; one consistent GetItem by id, of the id found or of one no account
//! has; one GetItem of the links noted for the address) and at least one derivation (a stand-in
//! under the current key when the address has no noted link). The read by id also makes the
//! binding current: the index lags, and an epoch bump ends the code at once.

use reset_token::{Binding, Code, LinkRecord, Purpose};

use crate::domain::{Email, NewPassword, ResetToken, StoredEmail, UserId};
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

/// The id read for an address no account has: the same one consistent read as for one that has
/// an account. (Were an account to have this id, its address would still have to be the one
/// typed.)
const NO_ACCOUNT: &str = "password-reset: no account has this address";

/// Derived for an address with no account, so that it takes the same work as one with an account.
const NOBODY: Binding<'static> = Binding { user_id: "", email: "", password_hash: "", status: "", epoch: "" };

/// Checks `code` for `email` and changes nothing but the attempt it spends: a right code gives
/// the link it came with, checked against the account as [`crate::check_token`] checks a link.
#[tracing::instrument(name = "check_code", skip_all, fields(email_hash, user_id, token_id))]
pub async fn check_code<A: Adapters<Users: FindUserByEmail + GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
) -> Result<CheckedToken, ConfirmError> {
    checked(deps, email, code).await.inspect_err(audit_refusal)
}

async fn checked<A: Adapters<Users: FindUserByEmail + GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
) -> Result<CheckedToken, ConfirmError> {
    let settings = &deps.common.settings;
    let hashing = deps.common.hashing.get().await.map_err(ConfirmError::Unavailable)?;
    let ring = deps.signing.get().await.map_err(ConfirmError::Unavailable)?;
    let email_hash = hashing.audit_hash(email.as_ref());
    // Every refusal's audit line names the address (by its keyed hash), for support.
    tracing::Span::current().record("email_hash", email_hash.as_str());
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

    // The account: its id from the index, then one consistent read by id, of the id found or of
    // one no account has, so every address costs the same two calls, and the account is as it is
    // now (the index lags: a binding from it could outlive an epoch bump).
    let id = deps.users.find_id_by_email(email).await.map_err(ConfirmError::Unavailable)?;
    let read = match &id {
        Some(id) => id.clone(),
        None => UserId::parse(NO_ACCOUNT).map_err(|_| ConfirmError::Internal(anyhow::anyhow!("the stand-in id does not parse")))?,
    };
    let user = deps.users.get_user(&read).await.map_err(ConfirmError::Unavailable)?;
    // Found by the index, and still holding the address (an email change since the index read).
    let user = user.filter(|user| id.is_some() && user.email.as_stored() == email.as_ref());
    let links = deps.common.limits.links(&links_key(&email_hash)).await.map_err(ConfirmError::Unavailable)?;
    tracing::debug!(found = user.is_some(), links = links.len(), "account and noted links read");

    // A link signed with a key newer than this process's ring (a rotation since the last read):
    // the ring read again, as for a link.
    let mut ring = ring;
    if links.iter().any(|link| link.expires_at > now && !ring.holds(&link.key_id))
        && let Some(fresh) = deps.signing.refresh_for_unknown_key().await
    {
        ring = fresh;
    }
    let binding = user.as_ref().map_or(NOBODY, |user| user.binding());
    // Every noted link is derived (at least one, a stand-in under the current key, when there is
    // none), so the work does not tell whether the address has links; the first match wins.
    let stand_in = [LinkRecord { purpose: Purpose::Reset, key_id: ring.current_kid().to_owned(), issued_at: 0, expires_at: 0, link_id: String::new() }];
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
    // A right code whose change then fails its checks (another change won the race, the key was
    // retired this minute) is a refused code to its caller, not a refused link.
    confirm_checked(deps, checked, password, requester).await.map_err(|err| match err {
        ConfirmError::InvalidToken(_) => ConfirmError::InvalidCode(CodeRejected::NoMatch),
        other => other,
    })
}

/// The hosted page's step: a right code is exchanged for a token of the same link (its id, its
/// purpose, its expiry; signed now with the link's own key), so the page goes on exactly as from the
/// link, and the form's retries (a weak password) spend no further attempt.
#[tracing::instrument(name = "exchange_code", skip_all, fields(user_id, token_id))]
pub async fn exchange_code<A: Adapters<Users: FindUserByEmail + GetUser>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    email: &Email,
    code: &Code,
) -> Result<(ResetToken, CheckedToken), ConfirmError> {
    let checked = check_code(deps, email, code).await?;
    let ring = deps.signing.get().await.map_err(ConfirmError::Unavailable)?;
    let link = LinkRecord {
        purpose: checked.purpose,
        key_id: checked.key_id.clone(),
        issued_at: unix_now(),
        expires_at: checked.expires_at,
        link_id: checked.token_id.clone(),
    };
    // Signed with the link's own key (held: the code matched under it), so retiring that key ends
    // the exchanged token as it ends the link.
    let issued = ring.issue_for_link(&link, checked.user.binding(), unix_now()).map_err(|err| match err {
        reset_token::TokenError::Expired | reset_token::TokenError::UnknownKey => ConfirmError::InvalidCode(CodeRejected::NoMatch),
        other => ConfirmError::Internal(other.into()),
    })?;
    let token = ResetToken::parse(&issued.token).map_err(|_| ConfirmError::Internal(anyhow::anyhow!("a token this ring signed does not parse")))?;
    tracing::info!(audit = "code_accepted", user_id = %checked.user.id, link_id = %checked.token_id, "a mailed code was exchanged for its link");
    Ok((token, checked))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reset_token::Issued;

    use super::*;
    use crate::domain::{User, UserId};
    use crate::memory::{InMemory, MemoryBreaches, MemoryHashKeys, MemoryKeys, MemoryLimits, MemoryQueue, MemoryUsers};
    use crate::settings::{Settings, parse_page_url};

    const KEY: &str = r#"{"current": "a", "a": "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}"#;

    /// reset-password over memory, with `known@` (active) and `disabled@` (disabled).
    async fn deps() -> ConfirmDeps<InMemory, MemoryBreaches> {
        let users = MemoryUsers::default();
        for (id, email, active) in [("u-known", "known@example.com", true), ("u-disabled", "disabled@example.com", false)] {
            let status = if active { "active" } else { "disabled" }.to_owned();
            let (email, epoch) = (StoredEmail::new(email), String::new());
            users.insert(User { id: UserId::parse(id).unwrap(), email, password_hash: "$argon2id$stand-in".into(), active, status, epoch, locale: None });
        }
        let hash_keys = MemoryHashKeys::new(r#"{"current": "h", "h": "hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#);
        let mut settings = Settings::for_reset_page(parse_page_url("https://auth.example.com/reset-password").unwrap());
        settings.password_storage.bcrypt_cost = 4;
        let common = crate::Deps {
            limits: MemoryLimits::default(),
            queue: MemoryQueue::default(),
            hashing: crate::KeyCache::load(hash_keys, Duration::ZERO).await,
            settings,
        };
        let signing = crate::KeyCache::load(MemoryKeys::new(KEY), Duration::ZERO).await;
        ConfirmDeps { common, signing, users, breaches: None }
    }

    fn user(deps: &ConfirmDeps<InMemory, MemoryBreaches>, id: &str) -> User {
        deps.users.get(&UserId::parse(id).unwrap()).unwrap()
    }

    /// A link mailed to `email` (for the account `id`), noted as the mail worker notes it, issued
    /// `ago` seconds ago with the reset lifetime.
    async fn mailed(deps: &ConfirmDeps<InMemory, MemoryBreaches>, id: &str, email: &str, ago: u64) -> Issued {
        let ring = deps.signing.get().await.unwrap();
        let issued = ring.issue(user(deps, id).binding(), unix_now() - ago, deps.common.settings.token_ttl.as_secs()).unwrap();
        let hash = deps.common.hashing.get().await.unwrap().audit_hash(email);
        deps.common.limits.note_link(&links_key(&hash), &issued.record, unix_now()).await.unwrap();
        issued
    }

    fn email(address: &str) -> Email {
        Email::parse(address).unwrap()
    }

    /// A code that is not `right` (the last character changed).
    fn wrong(right: &Code) -> Code {
        let shown = right.to_string();
        let last = if shown.ends_with('0') { '1' } else { '0' };
        Code::parse(&format!("{}{last}", &shown[..shown.len() - 1])).unwrap()
    }

    fn requester() -> Requester {
        Requester { network: "198.51.100.0/24".into(), source: "198.51.100.7".into(), request_id: None, locale: None }
    }

    #[tokio::test]
    async fn a_right_code_stands_for_its_link_and_changes_the_password_once() {
        let deps = deps().await;
        let issued = mailed(&deps, "u-known", "known@example.com", 0).await;
        let checked = check_code(&deps, &email("known@example.com"), &issued.code).await.unwrap();
        assert_eq!((checked.user.id.as_ref(), checked.token_id.as_str(), checked.expires_at), ("u-known", issued.token_id.as_str(), issued.expires_at));
        let password = || NewPassword::parse("correct horse battery staple 93", deps.common.settings.password_policy).unwrap();
        confirm_code(&deps, &email("known@example.com"), &issued.code, password(), &requester()).await.unwrap();
        assert_ne!(user(&deps, "u-known").password_hash, "$argon2id$stand-in");
        // The change moved the binding: the same code (and its link) is dead.
        let again = confirm_code(&deps, &email("known@example.com"), &issued.code, password(), &requester()).await.unwrap_err();
        assert!(matches!(again, ConfirmError::InvalidCode(CodeRejected::NoMatch)), "{again:?}");
    }

    #[tokio::test]
    async fn the_sixth_attempt_with_the_right_code_after_five_wrong_ones_fails() {
        let deps = deps().await;
        let issued = mailed(&deps, "u-known", "known@example.com", 0).await;
        for _ in 0..CODE_ATTEMPTS {
            let err = check_code(&deps, &email("known@example.com"), &wrong(&issued.code)).await.unwrap_err();
            assert!(matches!(err, ConfirmError::InvalidCode(CodeRejected::NoMatch)), "{err:?}");
        }
        let err = check_code(&deps, &email("known@example.com"), &issued.code).await.unwrap_err();
        assert!(matches!(err, ConfirmError::CodeAttemptsSpent { retry_after } if retry_after > 0), "{err:?}");
        // Spent, nothing else is read.
        deps.users.calls.clear();
        let _ = check_code(&deps, &email("known@example.com"), &issued.code).await.unwrap_err();
        assert!(deps.users.calls.list().is_empty());
        // Another address keeps its own attempts.
        let other = mailed(&deps, "u-disabled", "disabled@example.com", 0).await;
        let err = check_code(&deps, &email("disabled@example.com"), &other.code).await.unwrap_err();
        assert!(matches!(err, ConfirmError::InvalidCode(CodeRejected::Disabled)), "{err:?}");
    }

    #[tokio::test]
    async fn a_code_dies_with_its_link() {
        type Change = fn(&mut User);
        let changes: [(&str, Change); 4] = [
            ("password changed", |u| u.password_hash = "$argon2id$another".into()),
            ("email changed", |u| u.email = StoredEmail::new("known.new@example.com")),
            ("epoch bumped", |u| u.epoch = "1800000000".into()),
            ("disabled", |u| {
                u.active = false;
                u.status = "disabled".into();
            }),
        ];
        for (what, change) in changes {
            let deps = deps().await;
            let issued = mailed(&deps, "u-known", "known@example.com", 0).await;
            let mut account = user(&deps, "u-known");
            change(&mut account);
            deps.users.insert(account);
            let err = check_code(&deps, &email("known@example.com"), &issued.code).await.unwrap_err();
            // The binding refuses it where the account is still found by the address.
            let by_binding = ["password changed", "epoch bumped"].contains(&what);
            assert!(matches!(err, ConfirmError::InvalidCode(why) if !by_binding || why == CodeRejected::NoMatch), "{what}: {err:?}");
        }
        // Expired with its link.
        let expired = deps().await;
        let ttl = expired.common.settings.token_ttl.as_secs();
        let issued = mailed(&expired, "u-known", "known@example.com", ttl + 1).await;
        let err = check_code(&expired, &email("known@example.com"), &issued.code).await.unwrap_err();
        assert!(matches!(err, ConfirmError::InvalidCode(CodeRejected::NoMatch)), "expired: {err:?}");
        // Retired with its key.
        let mut retired = deps().await;
        let issued = mailed(&retired, "u-known", "known@example.com", 0).await;
        let keys = MemoryKeys::new(r#"{"current": "b", "b": "key-b-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#);
        retired.signing = crate::KeyCache::load(keys, Duration::ZERO).await;
        let err = check_code(&retired, &email("known@example.com"), &issued.code).await.unwrap_err();
        assert!(matches!(err, ConfirmError::InvalidCode(CodeRejected::NoMatch)), "retired key: {err:?}");
    }

    /// An unknown address, a disabled account, an account without a link and a wrong code get
    /// the same refusal after the same store calls; and each locks after the same attempts.
    #[tokio::test]
    async fn unknown_disabled_and_known_addresses_are_refused_alike_after_the_same_store_calls() {
        let deps = deps().await;
        let issued = mailed(&deps, "u-known", "known@example.com", 0).await;
        let _ = mailed(&deps, "u-disabled", "disabled@example.com", 0).await;
        // An account that was never mailed a link.
        let quiet = UserId::parse("u-quiet").unwrap();
        deps.users.insert(User {
            id: quiet,
            email: StoredEmail::new("quiet@example.com"),
            password_hash: "$argon2id$x".into(),
            active: true,
            status: "active".into(),
            epoch: String::new(),
            locale: None,
        });
        let typed = wrong(&issued.code);
        let mut seen = Vec::new();
        for address in ["nobody@example.com", "disabled@example.com", "quiet@example.com", "known@example.com"] {
            deps.users.calls.clear();
            deps.common.limits.calls.clear();
            let err = check_code(&deps, &email(address), &typed).await.unwrap_err();
            let answer = format!("{err}");
            assert!(matches!(err, ConfirmError::InvalidCode(_)), "{address}: {err:?}");
            seen.push((answer, deps.users.calls.list(), deps.common.limits.calls.list()));
        }
        assert_eq!(seen[0].1, ["users.find_id_by_email", "users.get_user"]);
        assert_eq!(seen[0].2, ["limits.hit", "limits.links"]);
        assert!(seen.windows(2).all(|pair| pair[0] == pair[1]), "{seen:#?}");
        for address in ["nobody@example.com", "known@example.com"] {
            for _ in 1..CODE_ATTEMPTS {
                let _ = check_code(&deps, &email(address), &typed).await;
            }
            let err = check_code(&deps, &email(address), &typed).await.unwrap_err();
            assert!(matches!(err, ConfirmError::CodeAttemptsSpent { .. }), "{address}: {err:?}");
        }
    }

    /// A weak password is refused before the code is looked at: it spends no attempt.
    #[tokio::test]
    async fn a_weak_password_spends_no_attempt() {
        let deps = deps().await;
        let issued = mailed(&deps, "u-known", "known@example.com", 0).await;
        let policy = deps.common.settings.password_policy;
        for _ in 0..CODE_ATTEMPTS + 2 {
            let weak = NewPassword::parse("knownknownknown", policy).unwrap();
            let err = confirm_code(&deps, &email("known@example.com"), &issued.code, weak, &requester()).await.unwrap_err();
            assert!(matches!(err, ConfirmError::WeakPassword(_)), "{err:?}");
        }
        check_code(&deps, &email("known@example.com"), &issued.code).await.unwrap();
    }
}
