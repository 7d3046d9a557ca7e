//! The rule a sign-in must follow to check a password against a hash the reset service stored:
//!
//! 1. Normalize the password exactly as typed to Unicode NFKC (no trimming, no case folding,
//!    nothing else): `ﬁ` becomes `fi`, fullwidth `Ａ` becomes `A`, `Ⅻ` becomes `XII`.
//! 2. Verify the result's UTF-8 bytes against the stored argon2id PHC string, with the
//!    parameters it names.
//!
//! The reset flow hashes `normalize(password)`, so a sign-in that skips step 1 locks out users
//! whose passwords hold such characters. docs/existing-users-table.md gives the same rule for Python and Node,
//! tested against hashes this service wrote.

use argon2::password_hash::PasswordVerifier as _;
use unicode_normalization::UnicodeNormalization as _;

/// The password as the reset flow hashes it: Unicode NFKC of what was typed.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// True when `password`, as typed, matches the stored PHC string `phc` (any argon2 variant and
/// parameters the string names). A malformed `phc` matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    argon2::Argon2::default().verify_password(normalize(password).as_bytes(), phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_characters_are_folded_and_nothing_else_changes() {
        assert_eq!(normalize("ﬁne Ｐａｓｓ Ⅻ"), "fine Pass XII");
        assert_eq!(normalize("  Case Stays  "), "  Case Stays  ");
        // e + combining acute and é are one password.
        assert_eq!(normalize("cafe\u{301}"), normalize("caf\u{e9}"));
    }

    #[test]
    fn a_malformed_hash_matches_nothing() {
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify("anything", ""));
    }
}
