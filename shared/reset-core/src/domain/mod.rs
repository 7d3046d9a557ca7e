//! Newtypes that parse instead of validate: once a value has one of these types it is valid, and
//! nothing downstream checks it again.

pub mod events;
pub mod mail_job;
pub mod password;

use std::fmt;

use reset_text::{Locale, Msg};
use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;
use zxcvbn::feedback::{Suggestion, Warning};

/// Longest address SMTP can carry (RFC 5321 path limit less the brackets).
const MAX_EMAIL_LEN: usize = 254;

/// A normalized email address: trimmed, Unicode NFC, lowercase, one `@`, no quoting, no comments,
/// no control or invisible characters (so no CR/LF header injection and no zero-width look-alikes),
/// at most 254 bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        // Controls are refused anywhere, before trimming: "a@b.c\r\nBcc: x" must not become valid.
        if raw.chars().any(|c| c.is_control() || is_invisible(c)) {
            return Err(InvalidEmail);
        }
        let normalized: String = raw.trim().nfc().collect::<String>().to_lowercase();
        let (local, domain) = normalized.rsplit_once('@').ok_or(InvalidEmail)?;
        let plain = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || "\"()<>[]\\,;:@".contains(c));
        let ok = normalized.len() <= MAX_EMAIL_LEN
            && plain(local)
            && plain(domain)
            && local.len() <= 64
            && domain.contains('.')
            && email_address::EmailAddress::is_valid(&normalized);
        if ok { Ok(Email(normalized)) } else { Err(InvalidEmail) }
    }

    /// The part after `@` (shown in the masked form; never logged).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The address as a page may show it to whoever holds a link: the first character of the
    /// local part and the domain (`j•••@example.com`), enough to tell one's own account.
    pub fn masked(&self) -> String {
        let first = self.0.chars().next().unwrap_or('?');
        format!("{first}\u{2022}\u{2022}\u{2022}@{}", self.domain())
    }
}

/// Zero-width, joiner, bidi-override and other format characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    // No part of an address goes to logs: a vanity domain alone names its owner (the audit hash
    // is how logs tell addresses apart).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(***)")
    }
}

/// A user's primary key as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid user id")]
pub struct InvalidUserId;

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, InvalidUserId> {
        let ok = !raw.is_empty() && raw.len() <= 256 && !raw.chars().any(char::is_control);
        if ok { Ok(UserId(raw.to_owned())) } else { Err(InvalidUserId) }
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reset token as a client sent it: the right shape to be worth verifying, nothing more.
#[derive(Clone)]
pub struct ResetToken(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a reset token")]
pub struct InvalidToken;

impl ResetToken {
    pub fn parse(raw: &str) -> Result<Self, InvalidToken> {
        let ok = (1..=reset_token::MAX_TOKEN_LEN).contains(&raw.len())
            && raw.split('.').count() == 3
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok { Ok(ResetToken(raw.to_owned())) } else { Err(InvalidToken) }
    }
}

impl AsRef<str> for ResetToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ResetToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResetToken([redacted])")
    }
}

/// The password length policy (NIST SP 800-63B): lengths in Unicode code points after NFKC,
/// no composition rules, every character allowed, never truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    /// Lowest zxcvbn score accepted (0 to 4), judged with the account's email as context.
    pub min_score: u8,
    /// The most UTF-8 bytes (after NFKC) the stored format reads, if it has such a limit
    /// (bcrypt: 72, [`password::HashFormat::max_bytes`]): a longer password is refused, not
    /// truncated.
    pub max_bytes: Option<usize>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_chars: 12, max_chars: 256, min_score: 3, max_bytes: None }
    }
}

/// zxcvbn's cost grows with length; the first characters decide how guessable a password is.
const STRENGTH_SAMPLE_CHARS: usize = 100;

/// One reason a password was refused, with a code for programs and words for people (one or
/// more messages, rendered in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordProblem {
    pub code: &'static str,
    pub says: Vec<Msg>,
}

impl PasswordProblem {
    pub fn new(code: &'static str, msg: Msg) -> Self {
        PasswordProblem { code, says: vec![msg] }
    }

    /// What the reader is told, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        self.says.iter().map(|msg| msg.text(locale)).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the password does not meet the policy")]
pub struct WeakPassword(pub Vec<PasswordProblem>);

/// A new password that meets the policy, held NFKC-normalized (what gets hashed) and never printed.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: &str, policy: PasswordPolicy) -> Result<Self, WeakPassword> {
        // The one rule a sign-in must apply too (`login_password`).
        let normalized = login_password::normalize(raw);
        let chars = normalized.chars().count();
        let mut problems = Vec::new();
        if chars < policy.min_chars {
            problems.push(PasswordProblem::new("too_short", Msg::new("password-too-short").with("min", policy.min_chars).with("count", chars)));
        }
        if chars > policy.max_chars {
            problems.push(PasswordProblem::new("too_long", Msg::new("password-too-long").with("max", policy.max_chars).with("count", chars)));
        }
        // Every character is allowed but one: C-string code (PHP's crypt, many bcrypt bindings)
        // stops at a NUL, so a sign-in would read less than was stored and lock the user out.
        if normalized.contains('\0') {
            problems.push(PasswordProblem::new("contains_nul", Msg::new("password-contains-nul")));
        }
        if let Some(max_bytes) = policy.max_bytes.filter(|&max| normalized.len() > max) {
            let bytes = normalized.len();
            problems.push(PasswordProblem::new("too_many_bytes", Msg::new("password-too-many-bytes").with("max", max_bytes).with("count", bytes)));
        }
        if problems.is_empty() { Ok(NewPassword(normalized.into())) } else { Err(WeakPassword(problems)) }
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Builds what the strength check builds on first use (zxcvbn's dictionaries, keyboard graphs
    /// and patterns) now: at cold start, which runs at full CPU, not in the first user's confirm.
    pub fn prepare_strength_check() {
        let _ = zxcvbn::zxcvbn("Prepare the strength check: 2026-11-26, qwerty!", &["example.com"]);
    }

    /// The checks that need the account: not built from its email, and not guessable (zxcvbn,
    /// given the email's parts and the application's name as words an attacker would try first).
    pub fn check_strength(&self, policy: PasswordPolicy, email: &StoredEmail, app_name: &str) -> Result<(), WeakPassword> {
        let password = self.expose().to_lowercase();
        let email = email.as_stored().to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        let mut context: Vec<&str> = vec![email.as_str(), local];
        context.extend(local.split(['.', '_', '-', '+']).filter(|w| w.len() >= 3));
        context.extend(email.split('@').nth(1).unwrap_or_default().split('.').filter(|w| w.len() >= 3));
        let app = app_name.to_lowercase();
        context.extend(app.split_whitespace().filter(|w| w.len() >= 3));

        let mut problems = Vec::new();
        if local.chars().count() >= 3 && password.contains(local) {
            problems.push(PasswordProblem::new("contains_email", Msg::new("password-contains-email")));
        }
        let sample: String = self.expose().chars().take(STRENGTH_SAMPLE_CHARS).collect();
        let estimate = zxcvbn::zxcvbn(&sample, &context);
        if u8::from(estimate.score()) < policy.min_score {
            // zxcvbn speaks English only: its findings become our own messages.
            let mut says = vec![Msg::new("password-too-guessable")];
            if let Some(feedback) = estimate.feedback() {
                says.extend(feedback.warning().map(|warning| Msg::new(warning_id(warning))));
                says.extend(feedback.suggestions().first().map(|suggestion| Msg::new(suggestion_id(*suggestion))));
            }
            problems.push(PasswordProblem { code: "too_guessable", says });
        }
        if problems.is_empty() { Ok(()) } else { Err(WeakPassword(problems)) }
    }
}

/// Our message for each of zxcvbn's warnings.
fn warning_id(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess => "warning-straight-rows",
        Warning::ShortKeyboardPatternsAreEasyToGuess => "warning-short-keyboard-patterns",
        Warning::RepeatsLikeAaaAreEasyToGuess => "warning-repeats",
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "warning-repeated-patterns",
        Warning::ThisIsATop10Password => "warning-top-10",
        Warning::ThisIsATop100Password => "warning-top-100",
        Warning::ThisIsACommonPassword => "warning-common",
        Warning::ThisIsSimilarToACommonlyUsedPassword => "warning-similar-to-common",
        Warning::SequencesLikeAbcAreEasyToGuess => "warning-sequences",
        Warning::RecentYearsAreEasyToGuess => "warning-recent-years",
        Warning::AWordByItselfIsEasyToGuess => "warning-single-word",
        Warning::DatesAreOftenEasyToGuess => "warning-dates",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => "warning-names",
        Warning::CommonNamesAndSurnamesAreEasyToGuess => "warning-common-names",
    }
}

/// Our message for each of zxcvbn's suggestions.
fn suggestion_id(suggestion: Suggestion) -> &'static str {
    match suggestion {
        Suggestion::UseAFewWordsAvoidCommonPhrases => "suggestion-few-words",
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => "suggestion-no-symbols-needed",
        Suggestion::AddAnotherWordOrTwo => "suggestion-another-word",
        Suggestion::CapitalizationDoesntHelpVeryMuch => "suggestion-capitals",
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => "suggestion-all-capitals",
        Suggestion::ReversedWordsArentMuchHarderToGuess => "suggestion-reversed",
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => "suggestion-substitutions",
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => "suggestion-longer-keyboard-pattern",
        Suggestion::AvoidRepeatedWordsAndCharacters => "suggestion-avoid-repeats",
        Suggestion::AvoidSequences => "suggestion-avoid-sequences",
        Suggestion::AvoidRecentYears => "suggestion-avoid-recent-years",
        Suggestion::AvoidYearsThatAreAssociatedWithYou => "suggestion-avoid-your-years",
        Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => "suggestion-avoid-your-dates",
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

/// An address as the user table holds it, parsed once when the item is read: kept byte for byte
/// (tokens and the conditional write are bound to exactly what is stored), with the [`Email`] it
/// parses to, if it is one we can safely send to.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredEmail {
    stored: String,
    mailbox: Option<Email>,
}

impl StoredEmail {
    /// [`Email::masked`], or "your account" (in `locale`) for a stored value that is not an address.
    pub fn masked(&self, locale: Locale) -> String {
        self.mailbox.as_ref().map_or_else(|| locale.get("account-unnamed"), Email::masked)
    }

    pub fn new(stored: impl Into<String>) -> Self {
        let stored = stored.into();
        let mailbox = Email::parse(&stored).ok();
        StoredEmail { stored, mailbox }
    }

    /// Exactly what the table holds.
    pub fn as_stored(&self) -> &str {
        &self.stored
    }

    /// Where mail for this account goes; `None` if the stored value is not a usable address.
    pub fn mailbox(&self) -> Option<&Email> {
        self.mailbox.as_ref()
    }
}

impl fmt::Debug for StoredEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mailbox {
            Some(email) => write!(f, "StoredEmail({email:?})"),
            None => f.write_str("StoredEmail(unusable)"),
        }
    }
}

/// A user as the password-reset flow sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// The stored address; mail goes here, never to what a client typed.
    pub email: StoredEmail,
    /// The password hash exactly as stored ("" when absent); tokens are bound to it. What it
    /// means for a reset: [`User::credential`].
    pub password_hash: String,
    /// False for accounts the table marks as disabled: they never get a link.
    pub active: bool,
    /// The status as stored ("" when absent): tokens are bound to it, and the password write
    /// is conditional on it, so a confirm racing a disable does not write.
    pub status: String,
    /// The reset epoch as stored (`password_changed_at`, "" when absent): tokens are bound to it.
    pub epoch: String,
    /// The language the account's owner chose (a BCP 47 tag), if the table stores one: their
    /// mails are written in it.
    pub locale: Option<String>,
}

/// What an account holds as its password, as a reset sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A password hash: a reset link replaces it.
    Password,
    /// The marker an operator's forced reset with "block sign-in" wrote
    /// ([`login_password::formats::RESET_REQUIRED`]): no sign-in accepts it; a reset link replaces it.
    ResetRequired,
    /// No password: absent, empty, or an unusable marker such as Django's `!…` (an invited or
    /// imported account, or one that signs in another way). Only an invitation gives it one,
    /// or the forgot page when `PasswordlessUsersMayRequest` is set.
    None,
}

impl Credential {
    /// What a stored hash string ("" for absent) means.
    pub fn of(stored: &str) -> Self {
        if login_password::formats::is_reset_required(stored) {
            Credential::ResetRequired
        } else if password::is_usable(stored) {
            Credential::Password
        } else {
            Credential::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Credential::Password => "password",
            Credential::ResetRequired => "reset_required",
            Credential::None => "none",
        }
    }
}

impl User {
    /// What the account holds as its password.
    pub fn credential(&self) -> Credential {
        Credential::of(&self.password_hash)
    }

    pub fn binding(&self) -> reset_token::Binding<'_> {
        reset_token::Binding {
            user_id: self.id.as_ref(),
            email: self.email.as_stored(),
            password_hash: &self.password_hash,
            status: &self.status,
            epoch: &self.epoch,
        }
    }
}

/// The write that replaces a password, only if the account still is as the token saw it.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub user_id: UserId,
    pub expected_email: String,
    pub expected_hash: String,
    /// The status the token was checked against ("" for absent): the write needs it unchanged.
    pub expected_status: String,
    pub new_hash: String,
    /// Unix seconds; the application's session layer ends sessions older than this.
    pub changed_at: u64,
    /// The `Password Changed` event, written in the same transaction as the change.
    pub event: events::OutboxEvent,
}

/// The write a dispute makes ("this wasn't me"): the account's status becomes the lock status and
/// its epoch moves, only if the account still is as the dispute link saw it.
#[derive(Debug, Clone)]
pub struct AccountLock {
    pub user_id: UserId,
    pub expected_email: String,
    pub expected_hash: String,
    /// The status the link was checked against ("" for absent): the write needs it unchanged.
    pub expected_status: String,
    /// The status written (`DISPUTE_LOCK_STATUS`): not an active one.
    pub lock_status: String,
    /// The hash written over the disputed one: of a random secret (`password::scrambled`), so the
    /// password whoever disputed did not set stops working at every sign-in.
    pub new_hash: String,
    /// Unix seconds, the new `password_changed_at`: every link and session issued before it ends.
    pub locked_at: u64,
    /// The `Password Change Disputed` event, written in the same transaction as the lock.
    pub event: events::OutboxEvent,
}

/// The write an operator's forced reset makes, only if the account still is as the call read it:
/// the unusable marker over the hash ("block sign-in"), a new epoch ("end sessions"), either or
/// both or neither, and the `Reset Forced` event in the same transaction.
#[derive(Debug, Clone)]
pub struct ForcedChange {
    pub user_id: UserId,
    pub expected_email: String,
    pub expected_hash: String,
    /// The status as read ("" for absent).
    pub expected_status: String,
    /// [`login_password::formats::RESET_REQUIRED`] when sign-in is blocked.
    pub new_hash: Option<String>,
    /// Unix seconds, the new `password_changed_at`, when sessions and links are ended.
    pub new_epoch: Option<u64>,
    /// The `Reset Forced` event (its id derived from the job: written once however often the
    /// call is repeated).
    pub event: events::OutboxEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_normalized_and_lowercased() {
        let cases = [
            ("  Alice@Example.COM ", "alice@example.com"),
            ("bob.o'neil+tag@sub.example.org", "bob.o'neil+tag@sub.example.org"),
            // U+0065 U+0301 (e + combining acute) and U+00E9 are one address after NFC.
            ("rene\u{301}@example.com", "ren\u{e9}@example.com"),
            ("\u{c9}MILE@EXAMPLE.COM", "\u{e9}mile@example.com"),
        ];
        for (raw, expected) in cases {
            assert_eq!(Email::parse(raw).map(|e| e.0), Ok(expected.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn bad_emails_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        let cases = [
            ("", "empty"),
            ("plainaddress", "no @"),
            ("@example.com", "no local part"),
            ("alice@", "no domain"),
            ("alice@localhost", "no dot in domain"),
            ("alice@@example.com", "two @"),
            ("a@b@example.com", "two @"),
            ("alice@example.com\r\nBcc: eve@evil.test", "CR/LF injection"),
            ("alice@example.com\n", "trailing newline"),
            ("ali\0ce@example.com", "NUL"),
            ("demo@example.com\u{200b}", "zero-width space"),
            ("de\u{202e}moc.elpmaxe@", "right-to-left override"),
            ("de\u{ad}mo@example.com", "soft hyphen"),
            ("\"alice\"@example.com", "quoted local part"),
            ("alice(comment)@example.com", "comment"),
            ("Alice <alice@example.com>", "display name"),
            ("alice@example.com, eve@evil.test", "list"),
            ("ali ce@example.com", "space"),
            ("alice@[127.0.0.1]", "domain literal"),
            (long_local.as_str(), "local part over 64"),
            (long.as_str(), "over 254"),
        ];
        for (raw, why) in cases {
            assert_eq!(Email::parse(raw), Err(InvalidEmail), "accepted {why}: {raw:?}");
        }
    }

    #[test]
    fn email_debug_hides_the_local_part() {
        let e = Email::parse("alice@example.com").unwrap();
        assert_eq!(format!("{e:?}"), "Email(***)");
    }

    #[test]
    fn password_length_counts_code_points_after_nfkc() {
        let policy = PasswordPolicy::default();
        // 12 CJK characters are 36 bytes but 12 code points: accepted.
        assert!(NewPassword::parse("密码密码密码密码密码密码", policy).is_ok());
        // 11 code points, however many bytes: refused.
        let err = NewPassword::parse("ééééééééééé", policy).unwrap_err();
        assert_eq!(err.0[0].code, "too_short");
        // The ligature U+FB01 becomes "fi" under NFKC: 6 ligatures count as 12.
        let p = NewPassword::parse(&"\u{fb01}".repeat(6), policy).unwrap();
        assert_eq!(p.expose(), "fi".repeat(6));
        // Spaces are characters like any other.
        assert!(NewPassword::parse("correct horse battery", policy).is_ok());
    }

    #[test]
    fn password_bounds_are_enforced_with_reasons() {
        let policy = PasswordPolicy::default();
        assert!(NewPassword::parse(&"a".repeat(12), policy).is_ok());
        assert!(NewPassword::parse(&"a".repeat(256), policy).is_ok());
        let short = NewPassword::parse(&"a".repeat(11), policy).unwrap_err();
        assert_eq!(short.0[0].message(Locale::ENGLISH), "Use at least 12 characters; this one has 11.");
        let german = Locale::matching("de").unwrap();
        assert_eq!(short.0[0].message(german), "Verwenden Sie mindestens 12 Zeichen; dieses hat 11.");
        let long = NewPassword::parse(&"a".repeat(257), policy).unwrap_err();
        assert_eq!(long.0[0].code, "too_long");
        assert!(NewPassword::parse("", policy).is_err());
    }

    #[test]
    fn a_byte_limit_refuses_a_longer_password_by_its_nfkc_bytes_in_every_language() {
        let bcrypt = PasswordPolicy { max_bytes: Some(72), ..PasswordPolicy::default() };
        assert!(NewPassword::parse(&"a".repeat(72), bcrypt).is_ok());
        // 25 CJK characters are 75 bytes: under the character limit, over bcrypt's.
        let err = NewPassword::parse(&"密".repeat(25), bcrypt).unwrap_err();
        assert_eq!(err.0.iter().map(|p| p.code).collect::<Vec<_>>(), ["too_many_bytes"]);
        // Counted after NFKC: 36 ligatures are 36 characters but 72 bytes once they become "fi".
        assert!(NewPassword::parse(&"\u{fb01}".repeat(36), bcrypt).is_ok());
        assert_eq!(NewPassword::parse(&"\u{fb01}".repeat(37), bcrypt).unwrap_err().0[0].code, "too_many_bytes");
        assert!(NewPassword::parse(&"密".repeat(25), PasswordPolicy::default()).is_ok(), "no limit without bcrypt");
        for locale in Locale::all() {
            let said = err.0[0].message(locale);
            assert!(said.contains("72") && said.contains("75"), "{}: {said}", locale.tag());
        }
    }

    #[test]
    fn a_null_character_is_refused_with_its_own_reason_and_nothing_else_is() {
        let err = NewPassword::parse("correct horse\0battery staple", PasswordPolicy::default()).unwrap_err();
        assert_eq!(err.0.iter().map(|p| p.code).collect::<Vec<_>>(), ["contains_nul"]);
        for locale in Locale::all() {
            assert!(err.0[0].message(locale).contains("U+0000"), "{}", locale.tag());
        }
        assert!(NewPassword::parse("correct horse\tbattery staple \u{200b}\u{1F600}", PasswordPolicy::default()).is_ok(), "other characters stay allowed");
    }

    fn strength(password: &str, email: &str) -> Result<(), Vec<&'static str>> {
        let p = NewPassword::parse(password, PasswordPolicy::default()).unwrap();
        p.check_strength(PasswordPolicy::default(), &StoredEmail::new(email), "Demo App").map_err(|w| w.0.iter().map(|p| p.code).collect())
    }

    #[test]
    fn guessable_passwords_are_refused_with_the_reason() {
        let cases: [(&str, Vec<&str>); 7] = [
            ("password1234", vec!["too_guessable"]),
            ("qwertyuiopasdf", vec!["too_guessable"]),
            ("aaaaaaaaaaaaaaaa", vec!["too_guessable"]),
            (&*"x9-Lq".repeat(50), vec!["too_guessable"]),
            ("123456789012", vec!["too_guessable"]),
            ("alice.smith2026", vec!["contains_email", "too_guessable"]),
            ("demoappdemoapp", vec!["too_guessable"]),
        ];
        for (password, expected) in cases {
            assert_eq!(strength(password, "alice.smith@example.com"), Err(expected), "{password}");
        }
        let weak = NewPassword::parse("password1234", PasswordPolicy::default()).unwrap();
        let err = weak.check_strength(PasswordPolicy::default(), &StoredEmail::new("a@example.com"), "X").unwrap_err();
        let ids: Vec<&str> = err.0[0].says.iter().map(Msg::id).collect();
        assert_eq!(ids, ["password-too-guessable", "warning-common", "suggestion-another-word"], "zxcvbn's findings, as our own messages");
        let said = err.0[0].message(Locale::ENGLISH);
        assert!(said.starts_with("This password is too easy to guess. This is a very common password."), "{said}");
    }

    const LONG_PASSPHRASE: &str = "seven purple elephants juggle quietly on the dark side of a borrowed moon while a tired \
        lighthouse keeper hums off-key sea shanties to forty-two sleepy gulls";

    #[test]
    fn strong_passwords_pass_whatever_their_characters() {
        for password in ["correct horse battery staple", "a new and long passphrase", "Tr0ub4dour&3-zebra-quilt", "密码是一只会飞的紫色大象", LONG_PASSPHRASE]
        {
            assert_eq!(strength(password, "alice.smith@example.com"), Ok(()), "{password}");
        }
        // The bar is configurable.
        let p = NewPassword::parse("password1234", PasswordPolicy::default()).unwrap();
        assert!(p.check_strength(PasswordPolicy { min_score: 0, ..Default::default() }, &StoredEmail::new("a@example.com"), "X").is_ok());
    }

    #[test]
    fn tokens_must_look_like_a_jwt_to_be_verified() {
        assert!(ResetToken::parse("aGVhZA.Ym9keQ.c2ln").is_ok());
        for bad in ["", "a.b", "a.b.c.d", "a.b.c\n", "a b.c.d", &"a.b.c".repeat(1000)] {
            assert!(ResetToken::parse(bad).is_err(), "{bad:.20}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let p = NewPassword::parse("hunter2hunter2", PasswordPolicy::default()).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
        let t = ResetToken::parse("aGVhZA.Ym9keQ.c2ln").unwrap();
        assert!(!format!("{t:?}").contains("aGVhZA"));
    }
}
