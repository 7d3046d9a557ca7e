//! The key ring: one current signing key plus older verify-only keys, each named by a key id
//! (`kid`) that tokens carry in their header, so rotation never breaks links already sent.
//!
//! Stored as one flat JSON object, the shape AWS Secrets Manager's `GenerateSecretString` can
//! produce at deploy time:
//!
//! ```json
//! {"current": "2026-11", "2026-11": "<new key>", "2026-05": "<older key, verify only>"}
//! ```
//!
//! A key is a string of at least [`MIN_KEY_CHARS`] characters (32 random bytes in base64url, or the
//! 64-character string CloudFormation generates) and is used as the HMAC key as it stands.
//!
//! Legacy, for the upgrade only: the keyed hashes (audit logs, rate-limit counters) and the mail
//! jobs' MACs now come from a secret of their own ([`crate::HashRing`]), which request-reset reads
//! instead of this one. The version before keyed them from this secret: from an optional
//! `"audit"` field or, absent (as deployed), the current key. That material is still read for one
//! thing: [`KeyRing::legacy_job_mac_matches`], so a job queued by the previous version during a
//! deploy is still delivered. Nothing new is made with it, and [`add_current_key`] and
//! [`retire_old_keys`] keep the field only so such a job still verifies if a rotation falls in
//! the deploy.

use std::collections::BTreeMap;
use std::fmt;

use hmac::Mac;
use jsonwebtoken::{DecodingKey, EncodingKey};

/// Shortest key accepted: 43 base64url characters carry 256 bits.
pub const MIN_KEY_CHARS: usize = 43;
/// Keys with fewer distinct characters than this are not random (`aaaa…`, `abcabc…`).
const MIN_DISTINCT_CHARS: usize = 16;
const CURRENT_FIELD: &str = "current";
const AUDIT_FIELD: &str = "audit";
/// The label of the mail-job subkey, here (legacy) and in the hashing ring.
pub(crate) const JOB_LABEL: &[u8] = b"password-reset mail job v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    #[error("the key secret is not a JSON object of strings: {0}")]
    NotJson(String),
    #[error("the key secret has no \"current\" field naming the current key id")]
    NoCurrent,
    #[error("the key secret names current key id {0:?}, which it does not hold")]
    CurrentMissing(String),
    #[error("key id {0:?} is invalid: use 1 to 64 characters of A-Z a-z 0-9 . _ -")]
    BadKid(String),
    #[error("key {0:?} is too weak: use at least {MIN_KEY_CHARS} random characters (e.g. 32 random bytes, base64url)")]
    WeakKey(String),
}

pub(crate) struct Key {
    pub(crate) kid: String,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// An HMAC keyed with the subkey for account fingerprints (so the signing key never MACs two
    /// kinds of message), keyed once: each use clones it rather than hashing the key again.
    pub(crate) fingerprint_mac: hmac::Hmac<sha2::Sha256>,
    /// The same for the codes mailed beside links ([`crate::Code`]), with its own subkey.
    pub(crate) code_mac: hmac::Hmac<sha2::Sha256>,
    /// Legacy: the subkey the previous version MACed mail jobs with (see the module docs).
    job_key: [u8; 32],
}

pub(crate) fn subkey(secret: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = crate::hmac(secret);
    mac.update(label);
    mac.finalize().into_bytes().into()
}

pub struct KeyRing {
    current: String,
    keys: BTreeMap<String, Key>,
    /// Legacy: the mail-job subkey from the secret's `"audit"` field, when it has one.
    job_key: Option<[u8; 32]>,
    /// What `verify` asks of every reset token, built once with the ring rather than per token.
    pub(crate) validation: jsonwebtoken::Validation,
    /// The same for dispute tokens (their own audience).
    pub(crate) dispute_validation: jsonwebtoken::Validation,
    /// The same for invitations ([`crate::Purpose::Invitation`]).
    pub(crate) invitation_validation: jsonwebtoken::Validation,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key ids only: key material never reaches a log.
        f.debug_struct("KeyRing").field("current", &self.current).field("kids", &self.kids()).finish()
    }
}

impl KeyRing {
    /// Parses the secret's JSON (see the module docs), refusing weak keys and bad key ids.
    pub fn from_json(secret: &str) -> Result<Self, KeyRingError> {
        let (current, mut map) = split_current(secret)?;
        let audit = map.remove(AUDIT_FIELD);
        let mut ring = Self::new(&current, map)?;
        if let Some(audit) = audit {
            check_strength(AUDIT_FIELD, &audit)?;
            ring.job_key = Some(subkey(audit.as_bytes(), JOB_LABEL));
        }
        Ok(ring)
    }

    /// Builds a ring from `(kid, key)` pairs; `current` names the signing key.
    pub fn new(current: &str, keys: impl IntoIterator<Item = (String, String)>) -> Result<Self, KeyRingError> {
        let mut ring = BTreeMap::new();
        for (kid, secret) in keys {
            check_kid(&kid)?;
            check_strength(&kid, &secret)?;
            let bytes = secret.as_bytes();
            let key = Key {
                kid: kid.clone(),
                encoding: EncodingKey::from_secret(bytes),
                decoding: DecodingKey::from_secret(bytes),
                fingerprint_mac: crate::hmac(&subkey(bytes, b"password-reset fingerprint v1")),
                code_mac: crate::hmac(&subkey(bytes, crate::code::CODE_LABEL)),
                job_key: subkey(bytes, JOB_LABEL),
            };
            ring.insert(kid, key);
        }
        if !ring.contains_key(current) {
            return Err(KeyRingError::CurrentMissing(current.to_owned()));
        }
        Ok(KeyRing {
            current: current.to_owned(),
            keys: ring,
            job_key: None,
            validation: crate::validation(crate::Purpose::Reset),
            dispute_validation: crate::validation(crate::Purpose::Dispute),
            invitation_validation: crate::validation(crate::Purpose::Invitation),
        })
    }

    /// A new random key in the format this ring reads (32 bytes, base64url).
    pub fn generate_key() -> Result<String, getrandom::Error> {
        crate::hashring::generate_key()
    }

    /// Legacy: the MAC the previous version gave a mail job's `content` (HMAC-SHA256 under the
    /// mail-job subkey of this secret's `"audit"` material). Nothing queues with it any more; it
    /// is here so tests can make what that version queued.
    pub fn legacy_job_mac(&self, content: &[u8]) -> String {
        crate::hashring::mac_b64(self.job_key(), content)
    }

    /// Legacy: whether `mac` is what the previous version made for `content` (see the module
    /// docs), compared in constant time. Only the mail worker asks, for jobs queued during the
    /// deploy that brought the hashing secret.
    pub fn legacy_job_mac_matches(&self, content: &[u8], mac: &str) -> bool {
        crate::hashring::mac_matches(self.job_key(), content, mac)
    }

    fn job_key(&self) -> &[u8; 32] {
        self.job_key.as_ref().unwrap_or(&self.current().job_key)
    }

    pub fn current_kid(&self) -> &str {
        &self.current
    }

    /// Whether the ring still holds the key named `kid` (one a token verified with earlier).
    pub fn holds(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.keys().map(String::as_str).collect()
    }

    #[expect(clippy::indexing_slicing, reason = "parsing refuses a ring whose current kid names no key, and a ring never changes")]
    pub(crate) fn current(&self) -> &Key {
        &self.keys[&self.current]
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.get(kid)
    }
}

/// Rotation, step 1: the secret with `key` added under `kid` as the current signing key. Older
/// keys stay, verify-only, so links already sent keep working.
pub fn add_current_key(secret: &str, kid: &str, key: &str) -> Result<String, KeyRingError> {
    let mut map: BTreeMap<String, String> = serde_json::from_str(secret).map_err(not_json)?;
    if map.contains_key(kid) {
        return Err(KeyRingError::BadKid(kid.to_owned()));
    }
    // Legacy (see the module docs): the first rotation keeps the material the previous version
    // MACed jobs with, so a job it queued still verifies.
    if !map.contains_key(AUDIT_FIELD) {
        let current = map.get(CURRENT_FIELD).ok_or(KeyRingError::NoCurrent)?;
        let material = map.get(current).ok_or_else(|| KeyRingError::CurrentMissing(current.clone()))?.clone();
        map.insert(AUDIT_FIELD.to_owned(), material);
    }
    map.insert(kid.to_owned(), key.to_owned());
    map.insert(CURRENT_FIELD.to_owned(), kid.to_owned());
    checked(map)
}

/// Rotation, step 2 (once links signed with older keys have expired): only the current key stays.
pub fn retire_old_keys(secret: &str) -> Result<String, KeyRingError> {
    let map: BTreeMap<String, String> = serde_json::from_str(secret).map_err(not_json)?;
    let current = map.get(CURRENT_FIELD).ok_or(KeyRingError::NoCurrent)?.clone();
    let key = map.get(&current).ok_or_else(|| KeyRingError::CurrentMissing(current.clone()))?.clone();
    let mut kept = BTreeMap::from([(CURRENT_FIELD.to_owned(), current.clone()), (current, key)]);
    if let Some(audit) = map.get(AUDIT_FIELD) {
        kept.insert(AUDIT_FIELD.to_owned(), audit.clone());
    }
    checked(kept)
}

/// Where and what kind of JSON problem, never serde's message: it can quote values (keys).
/// A flat key secret split into its `"current"` key id and the other fields (both rings' format).
pub(crate) fn split_current(secret: &str) -> Result<(String, BTreeMap<String, String>), KeyRingError> {
    let mut map: BTreeMap<String, String> = serde_json::from_str(secret).map_err(not_json)?;
    let current = map.remove(CURRENT_FIELD).ok_or(KeyRingError::NoCurrent)?;
    Ok((current, map))
}

pub(crate) fn not_json(err: serde_json::Error) -> KeyRingError {
    KeyRingError::NotJson(format!("{:?} error at line {} column {}", err.classify(), err.line(), err.column()))
}

/// Serializes a secret after checking that it loads as a key ring.
fn checked(map: BTreeMap<String, String>) -> Result<String, KeyRingError> {
    let json = serde_json::to_string(&map).map_err(not_json)?;
    KeyRing::from_json(&json)?;
    Ok(json)
}

pub(crate) fn check_kid(kid: &str) -> Result<(), KeyRingError> {
    let ok =
        (1..=64).contains(&kid.len()) && kid != CURRENT_FIELD && kid != AUDIT_FIELD && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok { Ok(()) } else { Err(KeyRingError::BadKid(kid.to_owned())) }
}

pub(crate) fn check_strength(kid: &str, secret: &str) -> Result<(), KeyRingError> {
    let mut seen = [false; 256];
    for b in secret.bytes() {
        if let Some(seen) = seen.get_mut(usize::from(b)) {
            *seen = true;
        }
    }
    let distinct = seen.iter().filter(|s| **s).count();
    if secret.chars().count() < MIN_KEY_CHARS || distinct < MIN_DISTINCT_CHARS {
        return Err(KeyRingError::WeakKey(kid.to_owned()));
    }
    Ok(())
}
