//! The hashing ring: the keys behind the keyed hashes (pseudonymous values in audit logs and
//! rate-limit counter keys, [`HashRing::audit_hash`]) and the MACs of queued mail jobs
//! ([`HashRing::job_mac`]). A secret of its own, apart from the signing keys ([`crate::KeyRing`]),
//! so request-reset, which needs only these, cannot read a key that signs links.
//!
//! Stored as one flat JSON object like the signing ring, the shape `GenerateSecretString` makes:
//!
//! ```json
//! {"current": "h2", "h2": "<new key>", "h1": "<older key, verifies queued jobs only>"}
//! ```
//!
//! Rotation ([`add_hash_key`], later [`retire_old_hash_keys`]) and what it does:
//! - hashes are made with the current key only, so every audit hash and every counter key changes:
//!   counters start afresh (each budget restarts once), and an operator correlates logs across
//!   the rotation by hashing an address under both keys (the operator tool's `audit-hash`);
//! - a job's MAC is made with the current key and checked against every key the ring holds, so a
//!   job queued before the rotation is still delivered until the old key is retired (retire after
//!   the mail queue's retention and the mail's maximum age have passed).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::Mac;

use crate::keyring::{JOB_LABEL, check_kid, check_strength, not_json, split_current, subkey};
use crate::{KeyRingError, MIN_KEY_CHARS};

const CURRENT_FIELD: &str = "current";
const AUDIT_LABEL: &[u8] = b"password-reset audit v1";

struct HashKey {
    /// The subkey for pseudonymous hashes.
    audit: [u8; 32],
    /// The subkey for the MACs of queued mail jobs, so no hash can pass for a job's MAC.
    job: [u8; 32],
}

pub struct HashRing {
    current: String,
    keys: BTreeMap<String, HashKey>,
}

impl fmt::Debug for HashRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key ids only: key material never reaches a log.
        f.debug_struct("HashRing").field("current", &self.current).field("kids", &self.kids()).finish()
    }
}

impl HashRing {
    /// Parses the secret's JSON (see the module docs), refusing weak keys and bad key ids.
    pub fn from_json(secret: &str) -> Result<Self, KeyRingError> {
        let (current, map) = split_current(secret)?;
        Self::new(&current, map)
    }

    /// Builds a ring from `(kid, key)` pairs; `current` names the key hashes and new MACs use.
    pub fn new(current: &str, keys: impl IntoIterator<Item = (String, String)>) -> Result<Self, KeyRingError> {
        let mut ring = BTreeMap::new();
        for (kid, secret) in keys {
            check_kid(&kid)?;
            check_strength(&kid, &secret)?;
            let bytes = secret.as_bytes();
            ring.insert(kid, HashKey { audit: subkey(bytes, AUDIT_LABEL), job: subkey(bytes, JOB_LABEL) });
        }
        if !ring.contains_key(current) {
            return Err(KeyRingError::CurrentMissing(current.to_owned()));
        }
        Ok(HashRing { current: current.to_owned(), keys: ring })
    }

    /// A keyed, truncated hash of `value` (an email, a network) for audit logs and counter keys,
    /// under the current key: nobody without the secret can test guesses against it. A rotation
    /// changes it (see the module docs).
    pub fn audit_hash(&self, value: &str) -> String {
        hash_under(&self.current().audit, value)
    }

    /// `value`'s hash under every key the ring holds, by key id: what an operator matches logs
    /// against across a rotation (the older key's hash is what was logged before it).
    pub fn audit_hashes(&self, value: &str) -> Vec<(&str, String)> {
        self.keys.iter().map(|(kid, key)| (kid.as_str(), hash_under(&key.audit, value))).collect()
    }

    /// The MAC of a mail job's `content` (base64url, 43 characters) under the current key.
    pub fn job_mac(&self, content: &[u8]) -> String {
        mac_b64(&self.current().job, content)
    }

    /// Whether `mac` is [`Self::job_mac`] of `content` under any key the ring holds (so a
    /// rotation never drops a queued job), each compared in constant time.
    pub fn job_mac_matches(&self, content: &[u8], mac: &str) -> bool {
        self.keys.values().any(|key| mac_matches(&key.job, content, mac))
    }

    pub fn current_kid(&self) -> &str {
        &self.current
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.keys().map(String::as_str).collect()
    }

    #[expect(clippy::indexing_slicing, reason = "parsing refuses a ring whose current kid names no key, and a ring never changes")]
    fn current(&self) -> &HashKey {
        &self.keys[&self.current]
    }
}

/// Rotation, step 1: the secret with `key` added under `kid` as the current hashing key. Older
/// keys stay, to verify jobs already queued.
pub fn add_hash_key(secret: &str, kid: &str, key: &str) -> Result<String, KeyRingError> {
    let mut map: BTreeMap<String, String> = serde_json::from_str(secret).map_err(not_json)?;
    if map.contains_key(kid) {
        return Err(KeyRingError::BadKid(kid.to_owned()));
    }
    map.insert(kid.to_owned(), key.to_owned());
    map.insert(CURRENT_FIELD.to_owned(), kid.to_owned());
    checked(map)
}

/// Rotation, step 2 (once jobs queued under older keys are gone): only the current key stays.
pub fn retire_old_hash_keys(secret: &str) -> Result<String, KeyRingError> {
    let map: BTreeMap<String, String> = serde_json::from_str(secret).map_err(not_json)?;
    let current = map.get(CURRENT_FIELD).ok_or(KeyRingError::NoCurrent)?.clone();
    let key = map.get(&current).ok_or_else(|| KeyRingError::CurrentMissing(current.clone()))?.clone();
    checked(BTreeMap::from([(CURRENT_FIELD.to_owned(), current.clone()), (current, key)]))
}

/// Serializes a secret after checking that it loads as a hashing ring.
fn checked(map: BTreeMap<String, String>) -> Result<String, KeyRingError> {
    let json = serde_json::to_string(&map).map_err(not_json)?;
    HashRing::from_json(&json)?;
    Ok(json)
}

/// A new random key in the format both rings read (32 bytes, base64url: [`MIN_KEY_CHARS`]).
pub(crate) fn generate_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let key = B64.encode(bytes);
    debug_assert!(key.len() >= MIN_KEY_CHARS);
    Ok(key)
}

/// The truncated keyed hash (96 bits, base64url: 16 characters).
fn hash_under(key: &[u8; 32], value: &str) -> String {
    let mut mac = crate::hmac(key);
    mac.update(value.as_bytes());
    let full: [u8; 32] = mac.finalize().into_bytes().into();
    B64.encode(full.get(..12).unwrap_or(&full))
}

/// HMAC-SHA256 of `content` under `key`, base64url.
pub(crate) fn mac_b64(key: &[u8; 32], content: &[u8]) -> String {
    let mut mac = crate::hmac(key);
    mac.update(content);
    B64.encode(mac.finalize().into_bytes())
}

/// Whether `mac` (base64url) is the HMAC-SHA256 of `content` under `key`, in constant time.
pub(crate) fn mac_matches(key: &[u8; 32], content: &[u8], mac: &str) -> bool {
    let Ok(given) = B64.decode(mac) else { return false };
    let mut expected = crate::hmac(key);
    expected.update(content);
    expected.verify_slice(&given).is_ok()
}
