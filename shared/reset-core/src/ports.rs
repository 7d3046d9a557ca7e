//! Ports: the narrow capabilities the use cases need from the outside world. One trait per
//! capability, so each function takes only what it uses (and its IAM role grants only that).
//! Adapters: `reset-aws` (DynamoDB, SES, Secrets Manager) and [`crate::memory`].

use std::future::Future;

use reset_token::KeyRing;

use crate::domain::{Email, PasswordChange, User, UserId};

/// Looks a user up by normalized email. Eventually consistent is fine: it only decides whether
/// to send a link.
pub trait FindUserByEmail: Send + Sync {
    fn find_by_email(&self, email: &Email) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;
}

/// Reads a user by id with a strongly consistent read.
pub trait GetUser: Send + Sync {
    fn get_user(&self, id: &UserId) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The account changed since it was read (another reset won, or the email changed).
    Conflict,
}

/// Replaces a password hash only if the account still holds the expected hash and email.
pub trait SetPassword: Send + Sync {
    fn set_password(&self, change: &PasswordChange) -> impl Future<Output = anyhow::Result<WriteOutcome>> + Send;
}

/// A message ready to send: recipient, subject, and the same content as text and HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Mail {
    // Bodies hold reset links; keep them out of any debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail").field("to", &self.to).field("subject", &self.subject).finish_non_exhaustive()
    }
}

pub trait Mailer: Send + Sync {
    fn send(&self, mail: &Mail) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Where the signing keys live. Fetched at cold start and then through [`crate::KeyCache`].
pub trait KeySource: Send + Sync {
    fn fetch(&self) -> impl Future<Output = anyhow::Result<KeyRing>> + Send;
}

/// The answer to one hit on a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Allowed,
    /// Over the limit until the window ends, this many seconds from now.
    Limited { retry_after: u64 },
}

/// Counts hits per key in fixed windows, atomically: of many concurrent hits on a window with
/// room for one, exactly one is allowed.
pub trait CountHits: Send + Sync {
    fn hit(&self, key: &str, limit: u32, window_secs: u64, now: u64) -> impl Future<Output = anyhow::Result<Hit>> + Send;
}

/// The start of the fixed window that `now` falls in, and the seconds until it ends.
pub fn window(now: u64, window_secs: u64) -> (u64, u64) {
    let start = now - now % window_secs.max(1);
    (start, start + window_secs - now)
}
