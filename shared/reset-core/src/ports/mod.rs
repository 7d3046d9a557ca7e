//! Ports: the narrow capabilities the use cases need from the outside world. One trait per
//! capability, so each function takes only what it uses (and its IAM role grants only that).
//! Adapters: `reset-aws` (DynamoDB, SES, SQS, Secrets Manager) and [`crate::memory`].

pub mod breached;
pub mod keys;
pub mod origin_verify;

use std::future::Future;

use reset_token::{HashRing, KeyRing, KeyRingError, LinkRecord};

use crate::domain::events::OutboxEvent;
use crate::domain::mail_job::{Lane, SignedJob};
use crate::domain::{AccountLock, Email, ForcedChange, PasswordChange, User, UserId};
use crate::ports::origin_verify::OriginValues;

/// Looks a user up by normalized email. Eventually consistent is fine: it only decides whether
/// to send a link.
pub trait FindUserByEmail: Send + Sync {
    fn find_by_email(&self, email: &Email) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;

    /// The id of the one account the address names (none if several claim it), from the index
    /// alone: a code's check then reads the account by id, consistently, with the same one read
    /// whatever the address (no further read for an account the index does not hold whole).
    fn find_id_by_email(&self, email: &Email) -> impl Future<Output = anyhow::Result<Option<UserId>>> + Send {
        async { Ok(self.find_by_email(email).await?.map(|user| user.id)) }
    }
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

/// Replaces a password hash only if the account still holds the expected hash and email, and
/// writes the change's event to the outbox in the same transaction: both or neither.
pub trait SetPassword: Send + Sync {
    fn set_password(&self, change: &PasswordChange) -> impl Future<Output = anyhow::Result<WriteOutcome>> + Send;
}

/// Locks an account its owner disputes a change of (status and epoch) only if the account still
/// holds the expected hash, email and status, and writes the `Password Change Disputed` event to
/// the outbox in the same transaction: both or neither.
pub trait LockAccount: Send + Sync {
    fn lock_account(&self, lock: &AccountLock) -> impl Future<Output = anyhow::Result<WriteOutcome>> + Send;
}

/// Applies an operator's forced reset ([`ForcedChange`]) only if the account still holds the
/// expected hash, email and status, with its `Reset Forced` event in the outbox in the same
/// transaction: both or neither. A change whose event is in the outbox already (the same campaign
/// job, run again after a crash) was made by that earlier run: `Written`, nothing written again.
pub trait ForceReset: Send + Sync {
    fn force_reset(&self, change: &ForcedChange) -> impl Future<Output = anyhow::Result<WriteOutcome>> + Send;
}

/// What a bulk campaign remembers of its jobs, in the job ledger: a job the operator tool queued
/// is noted, so a rerun of the campaign (after a crash or Ctrl-C) skips it, whatever the worker
/// has done with it since (working, sent, settled).
pub trait CampaignLedger: Send + Sync {
    /// Whether the ledger knows this job (queued by an earlier run, or claimed by the worker).
    fn knows(&self, job_id: &str) -> impl Future<Output = anyhow::Result<bool>> + Send;
    /// Notes that the job is on the queue (if the ledger does not know it yet).
    fn note_queued(&self, job_id: &str, now: u64) -> impl Future<Output = anyhow::Result<()>> + Send;
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

/// Why a mail was not sent: worth another try later, or never.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Throttled, a 5xx, a timeout, the network: the same mail may go through later.
    #[error("the mail service failed for now")]
    Transient(#[source] anyhow::Error),
    /// This mail refused for good (its content or its recipient): sending it again would fail
    /// again.
    #[error("the mail service refused the mail")]
    Permanent(#[source] anyhow::Error),
    /// The account refuses every mail for now (sending paused, account suspended, sender identity
    /// or its domain not verified, configuration set missing): nothing goes out until an operator
    /// fixes it, which may take minutes, so the mail is kept, not settled.
    #[error("the mail account cannot send")]
    Account(#[source] anyhow::Error),
}

pub trait Mailer: Send + Sync {
    fn send(&self, mail: &Mail) -> impl Future<Output = Result<(), MailError>> + Send;
}

/// The queue between the HTTP functions and the mail worker.
pub trait MailQueue: Send + Sync {
    /// Queues one signed job (its body as it stands) on its lane's queue (`MailJob::lane`); `Ok`
    /// only once that queue holds it.
    fn enqueue(&self, job: &SignedJob) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// Makes a message received from `lane`'s queue that failed come back after `delay_secs`
    /// (the retry back-off).
    fn retry_after(&self, lane: Lane, receipt: &str, delay_secs: u64) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// Which of the two queues an event's record came from, by the queue's ARN (the record's
    /// `eventSourceARN`); `None` for a queue that is neither.
    fn lane_of(&self, source_arn: &str) -> Option<Lane>;
}

/// Whose turn a queued job is, so that a message delivered twice sends one mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This delivery owns the job until it finishes, releases it, or its lease runs out.
    /// `counted`: an earlier attempt already spent the job's rate-limit hits.
    Mine { counted: bool },
    /// The job was finished before (sent, or settled without a mail): nothing to do.
    Done,
    /// Another delivery of the same message holds a live lease: try again later.
    Busy,
}

/// Records which jobs were handled, with a lease so a crashed attempt does not block the job.
pub trait JobLedger: Send + Sync {
    fn claim(&self, job_id: &str, now: u64, lease_secs: u64) -> impl Future<Output = anyhow::Result<Claim>> + Send;
    /// The job is settled for good; later deliveries of it are duplicates. `event` (what the
    /// settling did, for the application) goes to the outbox in the same transaction.
    fn finish(&self, job_id: &str, event: Option<&OutboxEvent>) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// The attempt failed; the next delivery may claim the job again.
    fn release(&self, job_id: &str, counted: bool) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Where the events go: an EventBridge bus. Each entry's outcome is returned in order, so a
/// batch that half failed is retried for its failed half only.
pub trait EventBus: Send + Sync {
    fn put_events(&self, events: &[OutboxEvent]) -> impl Future<Output = anyhow::Result<Vec<Result<(), String>>>> + Send;
}

/// Where a key ring lives (the signing keys, or the hashing keys). Fetched at cold start and then
/// through [`crate::KeyCache`].
pub trait KeySource: Send + Sync {
    type Ring: Ring;
    fn fetch(&self) -> impl Future<Output = anyhow::Result<Self::Ring>> + Send;
}

/// A ring one secret holds: the signing keys ([`KeyRing`]) or the hashing keys ([`HashRing`]).
pub trait Ring: Send + Sync + Sized + 'static {
    /// What the secret is, for logs and errors ("signing keys").
    const NAME: &'static str;
    /// Parses the secret's JSON; the error names key ids only, never key material.
    fn from_secret(json: &str) -> Result<Self, KeyRingError>;
}

impl Ring for KeyRing {
    const NAME: &'static str = "signing keys";
    fn from_secret(json: &str) -> Result<Self, KeyRingError> {
        KeyRing::from_json(json)
    }
}

impl Ring for HashRing {
    const NAME: &'static str = "hashing keys";
    fn from_secret(json: &str) -> Result<Self, KeyRingError> {
        HashRing::from_json(json)
    }
}

/// Where the CDN's origin-verify values live: the current one and, during a rotation, the
/// previous one. Read at cold start and then through [`crate::ports::origin_verify::OriginVerify`].
pub trait OriginVerifySource: Send + Sync {
    fn read(&self) -> impl Future<Output = anyhow::Result<OriginValues>> + Send;
}

/// The answer to one hit on a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Allowed,
    /// Over the limit until the window ends, this many seconds from now.
    Limited {
        retry_after: u64,
    },
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

/// How far ahead of a taker's clock a shared slot's time may be and still hold: beyond any
/// request's life (the SDK gives up on a call within seconds) and any clock skew between hosts.
pub const SLOT_AHEAD_MS: u64 = 60_000;

/// Send slots shared by every worker process: the last slot taken, by anyone, in one item. Only
/// where each process's own pace cannot keep a second within the account's rate (the template's
/// rate of 1 a second: two workers, each at one mail per 2 s, may send within the same second).
/// Object-safe (a boxed future): a worker's `Pace` holds it only at those rates.
pub trait SharedSlots: Send + Sync {
    /// Takes the next slot if at least `gap_ms` has passed since the last one anyone took (both
    /// in Unix milliseconds): `Ok(None)`; otherwise `Ok(Some(wait))`, how long from `now_ms` until
    /// the last one allows another. Of concurrent takers with room for one, exactly one gets it.
    /// A last slot dated more than [`SLOT_AHEAD_MS`] after `now_ms` (a writer whose clock is far
    /// ahead, or a write from outside) does not hold: it is overwritten, so no such item stops
    /// every sender. (Nearer than that it holds: an ask that lands late, an SDK retry, must not
    /// take over a slot taken since.)
    fn take(&self, gap_ms: u64, now_ms: u64) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Option<std::time::Duration>>> + Send + '_>>;
}

/// The most links kept per address for codes: the oldest beyond it are dropped when a new one is
/// noted (their links still work; their codes do not). At the default budgets (20 mails an
/// address a day, a reset link living 30 minutes) every live reset link is among them; only an
/// invitation followed by more than this many mails within its lifetime loses its code.
pub const CODE_LINKS_KEPT: usize = 32;

/// The links mailed to an address with a code beside them: what a code check needs to derive
/// each code again ([`LinkRecord`]: which key, what for, when, which link; nothing secret, and no
/// code). In the service's own table, beside the counters that bound the guesses; `key` is a
/// keyed hash of the address, never the address.
pub trait CodeLinks: Send + Sync {
    /// Notes a link being mailed (beside the send, done long before the mail can arrive, so its code works as soon as
    /// it arrives); kept as long as any link lives, the newest [`CODE_LINKS_KEPT`] of them.
    fn note_link(&self, key: &str, link: &LinkRecord, now: u64) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// The links noted for `key`, expired ones included (the caller checks the times).
    fn links(&self, key: &str) -> impl Future<Output = anyhow::Result<Vec<LinkRecord>>> + Send;
}
