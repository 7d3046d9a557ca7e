//! The stored formats the service can write and a sign-in must read, named once for both sides:
//! the reset flow writes with these (reset-core), [`crate::verify`] reads with them.

use base64::Engine as _;
use subtle::ConstantTimeEq as _;

/// Django's `Argon2PasswordHasher.algorithm`: its strings are this, then argon2's PHC string.
pub const DJANGO_ARGON2: &str = "argon2";
/// Django's `PBKDF2PasswordHasher.algorithm`: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`.
pub const DJANGO_PBKDF2: &str = "pbkdf2_sha256";
/// What bcrypt reads of a password; the rest is ignored by every implementation.
pub const BCRYPT_MAX_BYTES: usize = 72;
/// The most PBKDF2 iterations a stored hash may name before it is treated as malformed (a
/// sign-in should not spend minutes on one string).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Django's PBKDF2 output: SHA-256's length.
const PBKDF2_LEN: usize = 32;

/// Django's `UNUSABLE_PASSWORD_PREFIX`: `set_unusable_password()` stores `!` and random letters
/// for an account that signs in another way (single sign-on, a social login).
pub const UNUSABLE_PREFIX: char = '!';

/// What an operator's forced reset with "block sign-in" writes over the password hash: no
/// verifier accepts it ([`crate::verify`] matches nothing; Django reads any `!` string as an
/// unusable password; bcrypt and argon2 libraries refuse it as malformed), and a reset link sent
/// to the account replaces it. The sign-in should tell its user to check their mail for the link
/// (docs/existing-users-table.md).
pub const RESET_REQUIRED: &str = "!password-reset-required";

/// True for the marker a forced reset with "block sign-in" wrote ([`RESET_REQUIRED`]), behind
/// the configured `{id}` prefix if there is one (Spring's `DelegatingPasswordEncoder` then hands
/// it to that id's encoder, which refuses it as malformed, rather than throwing on a hash with no
/// id).
pub fn is_reset_required(stored: &str) -> bool {
    without_id_prefix(stored) == RESET_REQUIRED
}

/// False for a stored string that marks an account without a password: empty, or Django's
/// unusable marker. Such an account is treated as one with no hash at all (it gets no link), so
/// that a reset cannot give a password to an account that signs in another way.
pub fn is_usable(stored: &str) -> bool {
    !stored.is_empty() && !without_id_prefix(stored).starts_with(UNUSABLE_PREFIX)
}

/// `stored` without a leading `{id}` (Spring's `DelegatingPasswordEncoder` prefixes, such as
/// `{bcrypt}` or `{argon2@SpringSecurity_v5_8}`).
pub fn without_id_prefix(stored: &str) -> &str {
    stored.strip_prefix('{').and_then(|rest| rest.split_once('}')).map_or(stored, |(_, hash)| hash)
}

/// The argon2 PHC string inside a Django `argon2$argon2id$…` string.
pub fn django_argon2_phc(stored: &str) -> Option<&str> {
    stored.strip_prefix(DJANGO_ARGON2).filter(|phc| phc.starts_with("$argon2"))
}

/// `$2a$`, `$2b$` or `$2y$`: bcrypt's versions that differ only in name.
pub fn is_bcrypt(stored: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|version| stored.starts_with(version))
}

/// Django's PBKDF2-SHA256 string for `password` (already normalized), `salt` (Django's are
/// alphanumeric; a `$` would break the format) and `iterations`.
pub fn django_pbkdf2(password: &[u8], salt: &str, iterations: u32) -> String {
    let mut out = [0u8; PBKDF2_LEN];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt.as_bytes(), iterations, &mut out);
    format!("{DJANGO_PBKDF2}${iterations}${salt}${}", base64::engine::general_purpose::STANDARD.encode(out))
}

/// True when `stored`, a Django PBKDF2-SHA256 string, is `password`'s (already normalized).
pub fn verify_django_pbkdf2(password: &[u8], stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(DJANGO_PBKDF2), Some(iterations), Some(salt), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(iterations) = iterations.parse::<u32>() else { return false };
    if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS || salt.is_empty() {
        return false;
    }
    django_pbkdf2(password, salt, iterations).as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_pbkdf2_matches_djangos_own_vector() {
        // Django 5.2 wrote this: PBKDF2PasswordHasher().encode("lètmein", "seasalt", 10000).
        assert_eq!(django_pbkdf2("lètmein".as_bytes(), "seasalt", 10_000), "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=");
    }

    #[test]
    fn an_empty_string_or_djangos_unusable_marker_is_no_password() {
        for stored in ["", "!", "!k3jd82Hs0aLqP1", "{bcrypt}!x"] {
            assert!(!is_usable(stored), "{stored}");
        }
        for stored in ["$2b$12$x", "pbkdf2_sha256$1$a$b", "anything the application writes"] {
            assert!(is_usable(stored), "{stored}");
        }
    }

    #[test]
    fn a_prefix_is_removed_only_when_it_is_one() {
        assert_eq!(without_id_prefix("{bcrypt}$2b$x"), "$2b$x");
        assert_eq!(without_id_prefix("$2b$x"), "$2b$x");
        assert_eq!(without_id_prefix("{unclosed$2b$x"), "{unclosed$2b$x");
    }
}
