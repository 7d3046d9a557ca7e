//! The rule a sign-in must follow to check a password against a hash the reset service stored:
//!
//! 1. Normalize the password exactly as typed to Unicode NFKC (no trimming, no case folding,
//!    nothing else): `ﬁ` becomes `fi`, fullwidth `Ａ` becomes `A`, `Ⅻ` becomes `XII`.
//! 2. Verify the result's UTF-8 bytes against the stored hash, in whichever format the service
//!    was set to write ([`formats`]): argon2id PHC, Django's Argon2 or PBKDF2, or bcrypt, each
//!    with the parameters the string names and with an optional `{id}` prefix (Spring's).
//!
//! The reset flow hashes `normalize(password)`, so a sign-in that skips step 1 locks out users
//! whose passwords hold such characters. docs/existing-users-table.md gives the same rule for
//! Python and Node, and the stock verifier of each ecosystem, tested against hashes this service
//! wrote.
//!
//! And the rule a session layer must follow once a reset happened ([`session`]): a session issued
//! strictly before the user's `password_changed_at` is ended; one issued in that second or later,
//! or for a user who never reset, stands: [`session_is_current`], or
//! [`session_is_current_stored`] on the attribute as DynamoDB gives it.

pub mod formats;
pub mod session;

pub use session::{parse_password_changed_at, session_is_current, session_is_current_stored};

use argon2::password_hash::PasswordVerifier as _;
use unicode_normalization::UnicodeNormalization as _;

/// The password as the reset flow hashes it: Unicode NFKC of what was typed.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// True when `password`, as typed, matches the stored hash `stored`: an argon2 PHC string (any
/// variant and parameters it names), Django's `argon2$…` or `pbkdf2_sha256$…`, or bcrypt
/// (`$2a$`, `$2b$`, `$2y$`), optionally behind an `{id}` prefix. A malformed or unknown
/// string matches nothing; so does a password longer than bcrypt reads, against a bcrypt hash
/// (the service never stores one: it refuses such a password instead of truncating it).
pub fn verify(password: &str, stored: &str) -> bool {
    let password = normalize(password);
    let password = password.as_bytes();
    let hash = formats::without_id_prefix(stored);
    if hash.starts_with("$argon2") {
        verify_phc(password, hash)
    } else if let Some(phc) = formats::django_argon2_phc(hash) {
        verify_phc(password, phc)
    } else if hash.starts_with(formats::DJANGO_PBKDF2) {
        formats::verify_django_pbkdf2(password, hash)
    } else if formats::is_bcrypt(hash) {
        password.len() <= formats::BCRYPT_MAX_BYTES && bcrypt::verify(password, hash).unwrap_or(false)
    } else {
        false
    }
}

fn verify_phc(password: &[u8], phc: &str) -> bool {
    argon2::Argon2::default().verify_password(password, phc).is_ok()
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
        for stored in ["not a phc string", "", "{bcrypt}", "pbkdf2_sha256$", "pbkdf2_sha256$0$salt$", "argon2$", "$2b$12$short", "{}$2b$"] {
            assert!(!verify("anything", stored), "{stored}");
        }
    }

    // Vectors written by the ecosystems' own libraries (Django 5.2's make_password, Python
    // bcrypt 5.0 and argon2-cffi 25.1), for the password "ﬁne Ｐａｓｓ Ⅻ" after NFKC:
    // "fine Pass XII". tests/api/hash_formats.rs checks the other direction (what the service
    // writes, read by those libraries).
    const TYPED: &str = "ﬁne Ｐａｓｓ Ⅻ";
    const DJANGO_PBKDF2: &str = "pbkdf2_sha256$1000000$h5RrV01UHLc4Hhn4p7r1Ge$/3CkhIEARKaAGrpdRdCGXKQlH3cL6nB7nLciM5AK6TA=";
    const DJANGO_ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$cUpTMDlNeHlKNXJ6bDUybmtobTV5VA$bzpEg11WId8wgShzQUzU0+ulFlJkiG4KZ9Z0/FguNSw";
    const BCRYPT_2B: &str = "$2b$04$OpLikevj4YqB5xwPISKVquqr8M0AwH4wKOCWZrrGTPmgbms9zEVzy";
    const PHC: &str = "$argon2id$v=19$m=8,t=1,p=1$upxv6vB4ZrrSBwYCf4rnkA$DoSef82n09kSHOem/Aqcvomt/LTnaHpk2xh5nT/CYb0";

    #[test]
    fn every_format_the_service_writes_verifies_as_typed_and_nothing_else_does() {
        for stored in [DJANGO_PBKDF2, DJANGO_ARGON2, BCRYPT_2B, PHC] {
            assert!(verify(TYPED, stored), "{stored}");
            assert!(verify("fine Pass XII", stored), "{stored}: the normalized form is the same password");
            assert!(!verify("fine Pass XIII", stored), "{stored}: another password");
            for prefix in ["{bcrypt}", "{argon2@SpringSecurity_v5_8}", "{x}"] {
                assert!(verify(TYPED, &format!("{prefix}{stored}")), "{prefix}{stored}");
            }
        }
        let y = BCRYPT_2B.replacen("$2b$", "$2y$", 1);
        assert!(verify(TYPED, &y), "PHP's $2y$ is the same algorithm");
    }

    #[test]
    fn one_changed_character_of_a_stored_hash_matches_nothing() {
        for stored in [DJANGO_PBKDF2, DJANGO_ARGON2, BCRYPT_2B, PHC] {
            // The last character of the hash part; and a change in the salt.
            let mut chars: Vec<char> = stored.chars().collect();
            let last = chars.len() - 5;
            chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
            let changed: String = chars.into_iter().collect();
            assert!(!verify(TYPED, &changed), "{changed}");
        }
    }

    #[test]
    fn a_bcrypt_hash_refuses_a_password_longer_than_bcrypt_reads() {
        // 72 bytes and then more: stock bcrypt would read only the first 72 and match.
        let first72 = "a".repeat(72);
        let stored = bcrypt::hash(&first72, 4).unwrap();
        assert!(verify(&first72, &stored));
        assert!(!verify(&format!("{first72}b"), &stored), "a longer password is another password");
    }
}
