//! Password-reset tokens: short-lived HS256 JWTs signed from a key ring, bound to the account
//! state they were issued for.
//!
//! A token carries `sub` (user id), `aud` = [`AUDIENCE`], `iat`, `exp`, `jti` and `fgp`: a keyed
//! fingerprint of the user's id, email and current password hash. When the password (or email)
//! changes, the fingerprint no longer matches and every link issued before dies with it, which makes
//! tokens single-use without a token table.
//!
//! The same ring signs the "this wasn't me" links of password-changed notices
//! ([`Purpose::Dispute`]): the same binding, their own audience ([`DISPUTE_AUDIENCE`]) and
//! longest lifetime, so a token verifies only for the purpose it was issued for.
//!
//! Verification is two-step on purpose: [`KeyRing::verify`] checks everything the token alone can
//! prove (shape, key id, algorithm, signature, audience, times) and yields an [`Unbound`] token;
//! only [`Unbound::bind`] with the user's current state yields [`Claims`]. The type system keeps
//! anyone from acting on a token whose binding was not checked.
//!
//! The keyed hashes and the mail jobs' MACs come from a ring of their own ([`HashRing`]), kept in
//! a separate secret so a function that needs only them cannot sign a token.
//!
//! This crate knows nothing about AWS or HTTP; time is passed in so tests control it.

mod code;
mod hashring;
mod keyring;

pub use code::{CODE_CHARS, Code, CodeShape, LinkRecord};

pub use hashring::{HashRing, add_hash_key, retire_old_hash_keys};
pub use keyring::{KeyRing, KeyRingError, MIN_KEY_CHARS, add_current_key, retire_old_keys};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The `aud` claim of every reset token; a JWT meant for anything else is refused.
pub const AUDIENCE: &str = "password-reset";
/// The `aud` claim of every dispute token (the "this wasn't me" link of a password-changed
/// notice): its own, so that neither kind of link ever passes as the other.
pub const DISPUTE_AUDIENCE: &str = "password-reset-dispute";
/// The one signing algorithm, pinned on verify: `alg` in the header is never trusted.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
/// How far in the future `iat` may lie (clock skew between functions), in seconds.
pub const MAX_CLOCK_SKEW: u64 = 60;
/// No reset token lives longer than this, whatever TTL is configured, in seconds.
pub const MAX_TTL: u64 = 24 * 60 * 60;
/// No dispute token lives longer than this (30 days): its owner may read the notice late.
pub const DISPUTE_MAX_TTL: u64 = 30 * 24 * 60 * 60;
/// The `aud` claim of every invitation token (the "set your first password" link an operator
/// sends to an account with no password): its own, so an invitation never passes as a reset
/// link for an account that has one, nor the other way round.
pub const INVITATION_AUDIENCE: &str = "password-reset-invitation";
/// No invitation token lives longer than this (30 days): an invited person may read the mail
/// days later, yet a link that never ends is a standing password for whoever finds the mail.
pub const INVITATION_MAX_TTL: u64 = 30 * 24 * 60 * 60;

/// What a token is for: each purpose has its own audience and its own longest lifetime, and a
/// token verifies only for the purpose it was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A reset link: changes the password once.
    Reset,
    /// A "this wasn't me" link in a password-changed notice: locks the account once.
    Dispute,
    /// An invitation: sets the first password of an account that has none, once.
    Invitation,
}

impl Purpose {
    /// The purpose's name where it is stored (a code's [`LinkRecord`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Dispute => "dispute",
            Purpose::Invitation => "invitation",
        }
    }

    /// The purpose [`Purpose::as_str`] names.
    pub fn parse(name: &str) -> Option<Purpose> {
        [Purpose::Reset, Purpose::Dispute, Purpose::Invitation].into_iter().find(|p| p.as_str() == name)
    }

    pub fn audience(self) -> &'static str {
        match self {
            Purpose::Reset => AUDIENCE,
            Purpose::Dispute => DISPUTE_AUDIENCE,
            Purpose::Invitation => INVITATION_AUDIENCE,
        }
    }

    pub fn max_ttl(self) -> u64 {
        match self {
            Purpose::Reset => MAX_TTL,
            Purpose::Dispute => DISPUTE_MAX_TTL,
            Purpose::Invitation => INVITATION_MAX_TTL,
        }
    }
}
/// Longest token string accepted for parsing; real ones are about 330 characters.
pub const MAX_TOKEN_LEN: usize = 2048;

/// Bytes of the truncated fingerprint HMAC (128 bits).
const FINGERPRINT_LEN: usize = 16;

/// The account state a token is bound to. Any change to one of these fields invalidates the token.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    /// The account's status as stored ("" when absent).
    pub status: &'a str,
    /// The account's reset epoch as stored (`password_changed_at`; "" when absent): the
    /// application bumps it to end every outstanding link (email change, re-enabling, a restore).
    pub epoch: &'a str,
}

/// Why a token was refused. Clients see one answer for all of these (see the domain crate); the
/// variants exist for logs and tests. None of them carries token material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is not a well-formed JWT")]
    Malformed,
    #[error("token names no key id or one not in the key ring")]
    UnknownKey,
    #[error("token uses an algorithm other than the pinned one")]
    WrongAlgorithm,
    #[error("token signature does not verify")]
    BadSignature,
    #[error("token is for another audience")]
    WrongAudience,
    #[error("token claims are missing or malformed")]
    BadClaims,
    #[error("token has expired")]
    Expired,
    #[error("token was issued in the future or lives too long")]
    BadLifetime,
    #[error("token no longer matches the account (password or email changed)")]
    Superseded,
    #[error("token could not be signed")]
    Signing(#[source] jsonwebtoken::errors::Error),
    #[error("the operating system's random source failed")]
    Entropy,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    sub: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
    fgp: String,
}

/// A freshly signed token and when it stops working (Unix seconds), with the code that goes
/// beside it in a mail.
#[derive(Clone)]
pub struct Issued {
    pub token: String,
    /// The token's `jti`: names the link in audit logs without revealing it.
    pub token_id: String,
    pub expires_at: u64,
    /// The code for the same link: derived, not stored ([`Code`]).
    pub code: Code,
    /// What a code check needs to derive the code again (nothing secret).
    pub record: LinkRecord,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").field("token", &"[redacted]").field("code", &self.code).field("expires_at", &self.expires_at).finish()
    }
}

/// A token whose signature, audience and lifetime verified, but whose binding to the account is
/// not yet checked. The subject is readable so the caller can load the account.
pub struct Unbound<'r> {
    payload: Payload,
    fingerprint_mac: &'r Hmac<Sha256>,
    kid: &'r str,
}

impl std::fmt::Debug for Unbound<'_> {
    // The fingerprint subkey is key material; the subject and expiry are enough to debug with.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unbound").field("subject", &self.payload.sub).field("expires_at", &self.payload.exp).finish_non_exhaustive()
    }
}

/// A token that verified completely against the account it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub user_id: String,
    pub token_id: String,
    pub issued_at: u64,
    pub expires_at: u64,
    /// The id of the key that signed it: a change re-checks that the key is still in the ring
    /// ([`KeyRing::holds`]), so a retired key stops working without waiting for a cache.
    pub key_id: String,
}

impl KeyRing {
    /// Signs a reset token for `binding` with the current key, valid for `ttl` seconds from `now`.
    pub fn issue(&self, binding: Binding<'_>, now: u64, ttl: u64) -> Result<Issued, TokenError> {
        self.issue_for(Purpose::Reset, binding, now, ttl)
    }

    /// Signs a token for `purpose` (at most its [`Purpose::max_ttl`]).
    pub fn issue_for(&self, purpose: Purpose, binding: Binding<'_>, now: u64, ttl: u64) -> Result<Issued, TokenError> {
        self.sign(purpose, binding, now, now + ttl.min(purpose.max_ttl()), random_id()?)
    }

    /// A token for the link `record` names (its purpose, its id, its expiry), signed now with the
    /// link's own key: what a right code is exchanged for, so the page goes on as from the link.
    /// It lives no longer than the link and dies with the link's key (a retirement ends it as it
    /// ends the link); a link already expired gives [`TokenError::Expired`], a key no longer held
    /// [`TokenError::UnknownKey`].
    pub fn issue_for_link(&self, record: &LinkRecord, binding: Binding<'_>, now: u64) -> Result<Issued, TokenError> {
        if record.expires_at <= now {
            return Err(TokenError::Expired);
        }
        // Never longer than its purpose allows from now (a clock a little behind the worker's).
        let expires_at = record.expires_at.min(now + record.purpose.max_ttl());
        let key = self.get(&record.key_id).ok_or(TokenError::UnknownKey)?;
        self.sign_with(key, record.purpose, binding, now, expires_at, record.link_id.clone())
    }

    fn sign(&self, purpose: Purpose, binding: Binding<'_>, now: u64, expires_at: u64, jti: String) -> Result<Issued, TokenError> {
        self.sign_with(self.current(), purpose, binding, now, expires_at, jti)
    }

    fn sign_with(&self, key: &keyring::Key, purpose: Purpose, binding: Binding<'_>, now: u64, expires_at: u64, jti: String) -> Result<Issued, TokenError> {
        let record = LinkRecord { purpose, key_id: key.kid.clone(), issued_at: now, expires_at, link_id: jti };
        let code = code::derive(&key.code_mac, &record, binding);
        let payload = Payload {
            sub: binding.user_id.to_owned(),
            aud: purpose.audience().to_owned(),
            iat: now,
            exp: expires_at,
            jti: record.link_id.clone(),
            fgp: B64.encode(fingerprint(&key.fingerprint_mac, binding)),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &payload, &key.encoding).map_err(TokenError::Signing)?;
        Ok(Issued { token, token_id: payload.jti, expires_at, code, record })
    }

    /// Whether `typed` is the code of the link `record` names, for the account as `binding` holds
    /// it now, at `now`: false once the link has expired, once the account changed, and once the
    /// key that made it left the ring. The comparison is constant-time.
    pub fn code_matches(&self, record: &LinkRecord, binding: Binding<'_>, typed: &Code, now: u64) -> bool {
        let Some(key) = self.get(&record.key_id) else { return false };
        let lifetime_ok =
            record.expires_at > now && record.issued_at <= now + MAX_CLOCK_SKEW && record.expires_at - record.issued_at <= record.purpose.max_ttl();
        // Derived whatever the record's times say, so an expired record takes the same work.
        let derived = code::derive(&key.code_mac, record, binding);
        derived.matches(typed) && lifetime_ok
    }

    /// Checks what a reset token alone can prove, at time `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<Unbound<'_>, TokenError> {
        self.verify_for(Purpose::Reset, token, now)
    }

    /// Checks what a token for `purpose` alone can prove: a token for another purpose is
    /// [`TokenError::WrongAudience`].
    pub fn verify_for(&self, purpose: Purpose, token: &str, now: u64) -> Result<Unbound<'_>, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != ALGORITHM {
            return Err(TokenError::WrongAlgorithm);
        }
        let key = header.kid.as_deref().and_then(|kid| self.get(kid)).ok_or(TokenError::UnknownKey)?;

        let validation = match purpose {
            Purpose::Reset => &self.validation,
            Purpose::Dispute => &self.dispute_validation,
            Purpose::Invitation => &self.invitation_validation,
        };
        let payload = jsonwebtoken::decode::<Payload>(token, &key.decoding, validation).map_err(|err| classify(err.kind()))?.claims;

        if payload.exp <= now {
            return Err(TokenError::Expired);
        }
        if payload.iat > now + MAX_CLOCK_SKEW || payload.exp <= payload.iat || payload.exp - payload.iat > purpose.max_ttl() {
            return Err(TokenError::BadLifetime);
        }
        Ok(Unbound { payload, fingerprint_mac: &key.fingerprint_mac, kid: &key.kid })
    }
}

impl Unbound<'_> {
    /// The user id the token names, to load the account it must be bound to.
    pub fn subject(&self) -> &str {
        &self.payload.sub
    }

    /// Completes verification against the account's current state.
    pub fn bind(self, binding: Binding<'_>) -> Result<Claims, TokenError> {
        if binding.user_id != self.payload.sub {
            return Err(TokenError::Superseded);
        }
        let given = B64.decode(&self.payload.fgp).map_err(|_| TokenError::BadClaims)?;
        // Constant-time comparison of the truncated MAC.
        fingerprint_mac(self.fingerprint_mac, binding)
            .verify_truncated_left(&given)
            .ok()
            .filter(|_| given.len() == FINGERPRINT_LEN)
            .ok_or(TokenError::Superseded)?;
        Ok(Claims {
            user_id: self.payload.sub,
            token_id: self.payload.jti,
            issued_at: self.payload.iat,
            expires_at: self.payload.exp,
            key_id: self.kid.to_owned(),
        })
    }
}

/// The pinned algorithm and `purpose`'s audience; expiry is checked in `verify` against the
/// caller's clock, with no leeway.
fn validation(purpose: Purpose) -> Validation {
    let mut validation = Validation::new(ALGORITHM);
    validation.set_audience(&[purpose.audience()]);
    validation.set_required_spec_claims(&["aud", "exp", "sub"]);
    validation.validate_exp = false;
    validation.leeway = 0;
    validation
}

fn classify(kind: &jsonwebtoken::errors::ErrorKind) -> TokenError {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::InvalidSignature => TokenError::BadSignature,
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => TokenError::WrongAlgorithm,
        K::InvalidAudience => TokenError::WrongAudience,
        K::ExpiredSignature => TokenError::Expired,
        K::MissingRequiredClaim(_) | K::InvalidClaimFormat(_) | K::Json(_) => TokenError::BadClaims,
        _ => TokenError::Malformed,
    }
}

/// HMAC-SHA256 under `key`.
#[expect(clippy::expect_used, reason = "HMAC takes keys of any length: new_from_slice cannot fail")]
pub(crate) fn hmac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn fingerprint_mac(keyed: &Hmac<Sha256>, binding: Binding<'_>) -> Hmac<Sha256> {
    let mut mac = keyed.clone();
    // Length-prefixed fields, so no two different bindings produce the same input.
    for field in [binding.user_id, binding.email, binding.password_hash, binding.status, binding.epoch] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac
}

fn fingerprint(keyed: &Hmac<Sha256>, binding: Binding<'_>) -> [u8; FINGERPRINT_LEN] {
    let full: [u8; 32] = fingerprint_mac(keyed, binding).finalize().into_bytes().into();
    let mut out = [0u8; FINGERPRINT_LEN];
    out.copy_from_slice(&full[..FINGERPRINT_LEN]);
    out
}

fn random_id() -> Result<String, TokenError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| TokenError::Entropy)?;
    Ok(B64.encode(bytes))
}

#[cfg(test)]
mod tests;
