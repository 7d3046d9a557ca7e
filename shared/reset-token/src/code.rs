//! The code mailed beside a link: 8 characters of Crockford base32 (40 bits), for a reader who
//! cannot carry the link to the device they reset on (a phone's mail, a laptop's browser, a
//! native app).
//!
//! Nothing stores a code. It is a MAC, under a subkey of the key that signed the link, of what the
//! link was issued for: its purpose, its times, its id and the account's binding (id, email,
//! password hash, status, epoch). So a code dies exactly when its link does: at the link's expiry,
//! with any change of the account the binding holds, and when its key leaves the ring. What a
//! check needs besides the typed code is the [`LinkRecord`] (nothing secret: which key, when, how
//! long, which link), which the mail worker notes for the address before the mail goes out.

use std::sync::LazyLock;

use data_encoding::{Encoding, Specification};
use hmac::Mac;
use subtle::ConstantTimeEq;

use crate::{Binding, Purpose};

/// Characters in a code (40 bits: 8 of Crockford base32's 5 bits).
pub const CODE_CHARS: usize = 8;
/// Bytes of MAC a code carries.
const CODE_BYTES: usize = 5;
/// The subkey label: a signing key never MACs two kinds of message with one key.
pub(crate) const CODE_LABEL: &[u8] = b"password-reset code v1";

/// Crockford's base32: no I, L, O or U; read case-blind, with O as 0 and I or L as 1, and spaces
/// and hyphens (as people group what they copy) skipped.
static CROCKFORD: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzOoIiLl");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    spec.ignore.push_str(" -");
    #[expect(clippy::expect_used, reason = "a constant specification: a test builds it")]
    spec.encoding().expect("Crockford base32 is a valid specification")
});

/// A code as mailed, or as typed and read.
#[derive(Clone, PartialEq, Eq)]
pub struct Code([u8; CODE_BYTES]);

impl std::fmt::Debug for Code {
    // A live code is a credential for its account, like a token: never in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code([redacted])")
    }
}

/// Why a typed code was refused before anything was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeShape {
    #[error("a code holds no control characters")]
    Control,
    #[error("a code is 8 characters of 0-9 and A-Z without I, L, O and U")]
    Malformed,
}

impl Code {
    /// Reads a code as a person types it: lower case, spaces, hyphens, and the look-alikes O, I
    /// and L (as 0, 1, 1) are accepted; control characters, other characters and any other
    /// length are refused.
    pub fn parse(typed: &str) -> Result<Code, CodeShape> {
        if typed.chars().any(char::is_control) {
            return Err(CodeShape::Control);
        }
        // Longer than any grouping of 8 characters could be: refused before decoding.
        if typed.len() > 4 * CODE_CHARS {
            return Err(CodeShape::Malformed);
        }
        let bytes = CROCKFORD.decode(typed.as_bytes()).map_err(|_| CodeShape::Malformed)?;
        let bytes: [u8; CODE_BYTES] = bytes.try_into().map_err(|_| CodeShape::Malformed)?;
        Ok(Code(bytes))
    }

    /// Constant-time comparison.
    pub fn matches(&self, other: &Code) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Display for Code {
    /// As mailed: two groups of four, `7KQ4-M2XD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plain = CROCKFORD.encode(&self.0);
        write!(f, "{}-{}", &plain[..CODE_CHARS / 2], &plain[CODE_CHARS / 2..])
    }
}

/// What a code was derived from besides the key and the account: which key, what for, when, how
/// long, which link. Nothing secret: the mail worker notes it for the address when it mails the
/// link, and a code check reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub purpose: Purpose,
    pub key_id: String,
    pub issued_at: u64,
    pub expires_at: u64,
    /// The link's `jti`: a password changed with the code reports the link it came with.
    pub link_id: String,
}

pub(crate) fn derive(code_mac: &hmac::Hmac<sha2::Sha256>, link: &LinkRecord, binding: Binding<'_>) -> Code {
    let mut mac = code_mac.clone();
    let fields = [
        link.purpose.audience(),
        link.key_id.as_str(),
        link.link_id.as_str(),
        binding.user_id,
        binding.email,
        binding.password_hash,
        binding.status,
        binding.epoch,
    ];
    for field in fields {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac.update(&link.issued_at.to_be_bytes());
    mac.update(&link.expires_at.to_be_bytes());
    let full: [u8; 32] = mac.finalize().into_bytes().into();
    let mut out = [0u8; CODE_BYTES];
    out.copy_from_slice(&full[..CODE_BYTES]);
    Code(out)
}
