//! In-memory adapters: a first-class implementation of every port, for handler tests and for
//! trying the domain without AWS. Clones share state, so a test keeps a handle while the
//! function owns another. Each can be told to fail, to exercise outage paths.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::bail;
use reset_token::{HashRing, KeyRing};

use crate::domain::events::OutboxEvent;
use crate::domain::mail_job::{Lane, MailJob, SignedJob};
use crate::domain::{AccountLock, Email, ForcedChange, PasswordChange, User, UserId};
use crate::ports::origin_verify::OriginValues;
use crate::ports::{
    CampaignLedger, Claim, CountHits, EventBus, FindUserByEmail, ForceReset, GetUser, Hit, JobLedger, KeySource, LockAccount, Mail, MailError, MailQueue,
    Mailer, OriginVerifySource, Ring, SetPassword, WriteOutcome, window,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A switch shared by clones that makes an adapter fail like an unreachable service.
#[derive(Clone, Default)]
pub struct Outage(Arc<AtomicBool>);

impl Outage {
    pub fn set(&self, down: bool) {
        self.0.store(down, Ordering::SeqCst);
    }
    fn check(&self, what: &str) -> anyhow::Result<()> {
        if self.0.load(Ordering::SeqCst) {
            bail!("{what} is unreachable (simulated outage)");
        }
        Ok(())
    }
}

/// The store operations an adapter was asked for, in order, by name: what a test compares to tell
/// that two requests took the same store calls. Shared by clones.
#[derive(Clone, Default)]
pub struct StoreCalls(Arc<Mutex<Vec<&'static str>>>);

impl StoreCalls {
    fn record(&self, op: &'static str) {
        lock(&self.0).push(op);
    }
    /// The calls so far, in order.
    pub fn list(&self) -> Vec<&'static str> {
        lock(&self.0).clone()
    }
    /// Forgets the calls so far.
    pub fn clear(&self) {
        lock(&self.0).clear();
    }
}

/// The adapters every function holds, in memory; the mailer ([`MemoryMailer`]) and the breach
/// check ([`MemoryBreaches`]) are given to the one function that uses each.
pub struct InMemory;

impl crate::Adapters for InMemory {
    type Users = MemoryUsers;
    type Limits = MemoryLimits;
    type Ledger = MemoryJobLedger;
    type Queue = MemoryQueue;
    type Keys = MemoryKeys;
    type HashKeys = MemoryHashKeys;
}

/// A corpus of breached passwords, by exact (normalized) password.
#[derive(Clone, Default)]
pub struct MemoryBreaches {
    passwords: Arc<Mutex<Vec<String>>>,
    asked: Arc<AtomicU32>,
    pub outage: Outage,
}

impl MemoryBreaches {
    pub fn add(&self, password: &str) {
        lock(&self.passwords).push(password.to_owned());
    }
    /// How many checks it answered or failed.
    pub fn asked(&self) -> u32 {
        self.asked.load(Ordering::SeqCst)
    }
}

impl crate::ports::breached::BreachedPasswords for MemoryBreaches {
    async fn is_breached(&self, password: &crate::domain::NewPassword) -> anyhow::Result<bool> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.outage.check("the breached-password corpus")?;
        Ok(lock(&self.passwords).iter().any(|p| p == password.expose()))
    }
}

/// The outbox: the events written with their changes, in order. Share one between the users and
/// the ledger (clone it into both) to read every event a flow wrote.
#[derive(Clone, Default)]
pub struct MemoryOutbox {
    events: Arc<Mutex<Vec<OutboxEvent>>>,
}

impl MemoryOutbox {
    pub fn events(&self) -> Vec<OutboxEvent> {
        lock(&self.events).clone()
    }
    fn write(&self, event: &OutboxEvent) {
        let mut events = lock(&self.events);
        // A put by key: the same event written twice is one item.
        events.retain(|e| e.event_id != event.event_id);
        events.push(event.clone());
    }
}

/// An event bus: what it accepted, in order; each entry can be refused.
#[derive(Clone, Default)]
pub struct MemoryBus {
    accepted: Arc<Mutex<Vec<OutboxEvent>>>,
    /// Fails the whole call (a timeout, the service down).
    pub outage: Outage,
    /// Refuses each entry (the call answers, every entry failed).
    pub refuse: Outage,
    /// Refuses the entries with these event ids only (the call answers, the others are taken).
    refused_ids: Arc<Mutex<Vec<String>>>,
}

impl MemoryBus {
    pub fn accepted(&self) -> Vec<OutboxEvent> {
        lock(&self.accepted).clone()
    }
    /// From now on, refuses the entry with `event_id` (until [`MemoryBus::take_back`]).
    pub fn refuse_event(&self, event_id: &str) {
        lock(&self.refused_ids).push(event_id.to_owned());
    }
    /// Takes every entry again.
    pub fn take_back(&self) {
        lock(&self.refused_ids).clear();
    }
}

impl EventBus for MemoryBus {
    async fn put_events(&self, events: &[OutboxEvent]) -> anyhow::Result<Vec<Result<(), String>>> {
        self.outage.check("the event bus")?;
        let refused = lock(&self.refused_ids).clone();
        let everything = self.refuse.check("").is_err();
        let mut accepted = lock(&self.accepted);
        Ok(events
            .iter()
            .map(|event| {
                if everything || refused.contains(&event.event_id) {
                    return Err("InternalFailure".to_owned());
                }
                accepted.push(event.clone());
                Ok(())
            })
            .collect())
    }
}

#[derive(Clone, Default)]
pub struct MemoryUsers {
    users: Arc<Mutex<HashMap<UserId, User>>>,
    /// Where a password change writes its event, in the same write.
    pub outbox: MemoryOutbox,
    /// Fails every operation (reads first, so nothing is written).
    pub outage: Outage,
    /// Fails only the password write: reads work, so the failure comes after the token checked.
    pub write_outage: Outage,
    /// The reads by address and by id, and the writes, in order.
    pub calls: StoreCalls,
}

impl MemoryUsers {
    pub fn insert(&self, user: User) {
        lock(&self.users).insert(user.id.clone(), user);
    }
    pub fn remove(&self, id: &UserId) {
        lock(&self.users).remove(id);
    }
    pub fn get(&self, id: &UserId) -> Option<User> {
        lock(&self.users).get(id).cloned()
    }
}

impl FindUserByEmail for MemoryUsers {
    async fn find_by_email(&self, email: &Email) -> anyhow::Result<Option<User>> {
        self.calls.record("users.find_by_email");
        self.outage.check("the user store")?;
        // As the DynamoDB adapter reads an item: whatever its password; the use cases check it.
        Ok(lock(&self.users).values().find(|u| u.email.as_stored() == email.as_ref()).cloned())
    }

    async fn find_id_by_email(&self, email: &Email) -> anyhow::Result<Option<UserId>> {
        self.calls.record("users.find_id_by_email");
        self.outage.check("the user store")?;
        Ok(lock(&self.users).values().find(|u| u.email.as_stored() == email.as_ref()).map(|u| u.id.clone()))
    }
}

impl GetUser for MemoryUsers {
    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        self.calls.record("users.get_user");
        self.outage.check("the user store")?;
        // As the DynamoDB adapter reads an item: whatever its password; the use cases check it.
        Ok(self.get(id))
    }
}

impl SetPassword for MemoryUsers {
    async fn set_password(&self, change: &PasswordChange) -> anyhow::Result<WriteOutcome> {
        self.calls.record("users.set_password");
        self.outage.check("the user store")?;
        self.write_outage.check("the user store (writes)")?;
        let mut users = lock(&self.users);
        match users.get_mut(&change.user_id) {
            Some(u) if u.password_hash == change.expected_hash && u.email.as_stored() == change.expected_email && u.status == change.expected_status => {
                u.password_hash = change.new_hash.clone();
                u.epoch = change.changed_at.to_string();
                self.outbox.write(&change.event);
                Ok(WriteOutcome::Written)
            }
            _ => Ok(WriteOutcome::Conflict),
        }
    }
}

impl ForceReset for MemoryUsers {
    async fn force_reset(&self, change: &ForcedChange) -> anyhow::Result<WriteOutcome> {
        self.outage.check("the user store")?;
        self.write_outage.check("the user store (writes)")?;
        if self.outbox.events().iter().any(|e| e.event_id == change.event.event_id) {
            // Made by an earlier run of the same campaign job, with this event.
            return Ok(WriteOutcome::Written);
        }
        let mut users = lock(&self.users);
        match users.get_mut(&change.user_id) {
            Some(u) if u.password_hash == change.expected_hash && u.email.as_stored() == change.expected_email && u.status == change.expected_status => {
                if let Some(hash) = &change.new_hash {
                    u.password_hash = hash.clone();
                }
                if let Some(epoch) = change.new_epoch {
                    u.epoch = epoch.to_string();
                }
                self.outbox.write(&change.event);
                Ok(WriteOutcome::Written)
            }
            _ => Ok(WriteOutcome::Conflict),
        }
    }
}

impl LockAccount for MemoryUsers {
    async fn lock_account(&self, change: &AccountLock) -> anyhow::Result<WriteOutcome> {
        self.outage.check("the user store")?;
        self.write_outage.check("the user store (writes)")?;
        let mut users = lock(&self.users);
        match users.get_mut(&change.user_id) {
            Some(u) if u.password_hash == change.expected_hash && u.email.as_stored() == change.expected_email && u.status == change.expected_status => {
                u.status = change.lock_status.clone();
                // The lock status is never an active one (the configuration refuses it).
                u.active = false;
                u.epoch = change.locked_at.to_string();
                u.password_hash = change.new_hash.clone();
                self.outbox.write(&change.event);
                Ok(WriteOutcome::Written)
            }
            _ => Ok(WriteOutcome::Conflict),
        }
    }
}

/// Rate-limit counters in memory.
#[derive(Clone, Default)]
pub struct MemoryLimits {
    hits: Arc<Mutex<HashMap<String, u32>>>,
    links: Arc<Mutex<HashMap<String, Vec<reset_token::LinkRecord>>>>,
    pub outage: Outage,
    /// Fails only the notes of mailed links (the counters work, so the mail goes out).
    pub note_outage: Outage,
    /// The hits and the code links' reads and notes, in order.
    pub calls: StoreCalls,
}

/// Shared send slots in memory: the last one taken, by any worker holding a clone.
#[derive(Clone, Default)]
pub struct MemorySharedSlots {
    last: Arc<Mutex<Option<u64>>>,
    pub outage: Outage,
    /// When each slot was taken (the takers' milliseconds), in order.
    pub taken: Arc<Mutex<Vec<u64>>>,
    /// Every ask, taken or not, failed or not.
    pub asks: Arc<AtomicU32>,
}

impl MemorySharedSlots {
    /// Sets the last slot's time, as a writer with another clock (or from outside) would.
    pub fn set_last(&self, at: u64) {
        *lock(&self.last) = Some(at);
    }

    pub fn taken(&self) -> Vec<u64> {
        lock(&self.taken).clone()
    }
}

impl crate::ports::SharedSlots for MemorySharedSlots {
    fn take(&self, gap_ms: u64, now_ms: u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Option<std::time::Duration>>> + Send + '_>> {
        Box::pin(async move {
            self.asks.fetch_add(1, Ordering::SeqCst);
            self.outage.check("the shared send slot")?;
            let mut last = lock(&self.last);
            match *last {
                // Taken within the gap; one dated beyond SLOT_AHEAD_MS is a clock far ahead (or a
                // write from outside), and is overwritten rather than waited for.
                Some(at) if now_ms < at.saturating_add(gap_ms) && at <= now_ms.saturating_add(crate::ports::SLOT_AHEAD_MS) => {
                    Ok(Some(std::time::Duration::from_millis(at.saturating_add(gap_ms) - now_ms)))
                }
                _ => {
                    *last = Some(now_ms);
                    lock(&self.taken).push(now_ms);
                    Ok(None)
                }
            }
        })
    }
}

/// The job ledger, by job id.
#[derive(Clone, Default)]
pub struct MemoryJobLedger {
    jobs: Arc<Mutex<HashMap<String, JobState>>>,
    /// Where a settled job's event goes, in the same write as its record.
    pub outbox: MemoryOutbox,
    /// Fails only the record of a settled job (its claim works, so the mail goes out first).
    pub finish_outage: Outage,
    pub outage: Outage,
}

#[derive(Clone, Copy)]
enum JobState {
    Working {
        lease_until: u64,
    },
    Retry {
        counted: bool,
    },
    /// Queued by a campaign, not claimed yet.
    Queued,
    Done,
}

impl MemoryJobLedger {
    /// How many jobs were ever claimed (a job dropped before its claim, as stale, is not).
    pub fn claimed(&self) -> usize {
        lock(&self.jobs).values().filter(|state| !matches!(state, JobState::Queued)).count()
    }
}

impl CampaignLedger for MemoryJobLedger {
    async fn knows(&self, job_id: &str) -> anyhow::Result<bool> {
        self.outage.check("the job ledger")?;
        Ok(lock(&self.jobs).contains_key(job_id))
    }

    async fn note_queued(&self, job_id: &str, _now: u64) -> anyhow::Result<()> {
        self.outage.check("the job ledger")?;
        lock(&self.jobs).entry(job_id.to_owned()).or_insert(JobState::Queued);
        Ok(())
    }
}

impl JobLedger for MemoryJobLedger {
    async fn claim(&self, job_id: &str, now: u64, lease_secs: u64) -> anyhow::Result<Claim> {
        self.outage.check("the job ledger")?;
        let mut jobs = lock(&self.jobs);
        let counted = match jobs.get(job_id).copied() {
            None | Some(JobState::Queued) => false,
            Some(JobState::Retry { counted }) => counted,
            // A crashed attempt: whether it spent the budget is unknown, so it counts again.
            Some(JobState::Working { lease_until, .. }) if lease_until < now => false,
            Some(JobState::Working { .. }) => return Ok(Claim::Busy),
            Some(JobState::Done) => return Ok(Claim::Done),
        };
        jobs.insert(job_id.to_owned(), JobState::Working { lease_until: now + lease_secs });
        Ok(Claim::Mine { counted })
    }

    async fn finish(&self, job_id: &str, event: Option<&OutboxEvent>) -> anyhow::Result<()> {
        self.outage.check("the job ledger")?;
        self.finish_outage.check("the job ledger (records)")?;
        lock(&self.jobs).insert(job_id.to_owned(), JobState::Done);
        if let Some(event) = event {
            self.outbox.write(event);
        }
        Ok(())
    }

    async fn release(&self, job_id: &str, counted: bool) -> anyhow::Result<()> {
        self.outage.check("the job ledger")?;
        lock(&self.jobs).insert(job_id.to_owned(), JobState::Retry { counted });
        Ok(())
    }
}

impl MemoryLimits {
    /// Every counter's key, as the store holds it.
    pub fn keys(&self) -> Vec<String> {
        lock(&self.hits).keys().cloned().collect()
    }
}

impl crate::ports::CodeLinks for MemoryLimits {
    async fn note_link(&self, key: &str, link: &reset_token::LinkRecord, _now: u64) -> anyhow::Result<()> {
        self.calls.record("limits.note_link");
        self.outage.check("the limits store")?;
        self.note_outage.check("the limits store (notes)")?;
        let mut links = lock(&self.links);
        let kept = links.entry(key.to_owned()).or_default();
        kept.push(link.clone());
        let excess = kept.len().saturating_sub(crate::ports::CODE_LINKS_KEPT);
        kept.drain(..excess);
        Ok(())
    }

    async fn links(&self, key: &str) -> anyhow::Result<Vec<reset_token::LinkRecord>> {
        self.calls.record("limits.links");
        self.outage.check("the limits store")?;
        Ok(lock(&self.links).get(key).cloned().unwrap_or_default())
    }
}

impl CountHits for MemoryLimits {
    async fn hit(&self, key: &str, limit: u32, window_secs: u64, now: u64) -> anyhow::Result<Hit> {
        self.calls.record("limits.hit");
        self.outage.check("the limits store")?;
        let (start, retry_after) = window(now, window_secs);
        let mut hits = lock(&self.hits);
        let count = hits.entry(format!("{key}#{start}")).or_insert(0);
        if *count >= limit {
            return Ok(Hit::Limited { retry_after });
        }
        *count += 1;
        Ok(Hit::Allowed)
    }
}

#[derive(Clone, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<Mail>>>,
    latency: Arc<Mutex<std::time::Duration>>,
    failures_left: Arc<AtomicU32>,
    /// Fails every send as a throttled or unreachable service would (worth a retry).
    pub outage: Outage,
    /// Refuses every send for good, as a rejected message would.
    pub refusal: Outage,
    /// Refuses every send as an account that cannot send (paused, unverified sender) would.
    pub account_refusal: Outage,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<Mail> {
        lock(&self.sent).clone()
    }

    /// Fails the next `n` sends for now (then sends again).
    pub fn fail_next(&self, n: u32) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    /// Makes every send take `latency` (tokio time, so a paused test clock measures it exactly).
    pub fn set_latency(&self, latency: std::time::Duration) {
        *lock(&self.latency) = latency;
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.outage.check("the mail service").map_err(MailError::Transient)?;
        self.refusal.check("the mail service (refusing)").map_err(MailError::Permanent)?;
        self.account_refusal.check("the mail account (paused)").map_err(MailError::Account)?;
        if self.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(MailError::Transient(anyhow::anyhow!("the mail service is throttling (simulated)")));
        }
        lock(&self.sent).push(mail.clone());
        Ok(())
    }
}

/// The two mail queues in memory: jobs in the order they were queued (each knows its lane), and
/// the back-offs asked for.
#[derive(Clone, Default)]
pub struct MemoryQueue {
    jobs: Arc<Mutex<Vec<SignedJob>>>,
    delays: Arc<Mutex<Vec<(Lane, String, u64)>>>,
    pub outage: Outage,
}

impl MemoryQueue {
    /// The ARNs the in-memory queues answer to (the names `local/` gives the real ones).
    pub const LINKS_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:password-reset-mail";
    pub const NOTICES_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:password-reset-notices";

    pub fn arn_of(lane: Lane) -> &'static str {
        match lane {
            Lane::Links => Self::LINKS_ARN,
            Lane::Notices => Self::NOTICES_ARN,
        }
    }

    /// Takes every queued job out, oldest first, whichever its queue.
    pub fn take(&self) -> Vec<MailJob> {
        self.take_signed().into_iter().map(|signed| signed.job().clone()).collect()
    }

    /// Takes every queued job out with the body it was queued as, oldest first.
    pub fn take_signed(&self) -> Vec<SignedJob> {
        std::mem::take(&mut *lock(&self.jobs))
    }

    /// Takes the jobs on `lane`'s queue out, oldest first, leaving the other queue's.
    pub fn take_lane(&self, lane: Lane) -> Vec<SignedJob> {
        let mut jobs = lock(&self.jobs);
        let (taken, kept) = std::mem::take(&mut *jobs).into_iter().partition(|signed| signed.job().lane() == lane);
        *jobs = kept;
        taken
    }

    /// The jobs queued so far, left in the queue.
    pub fn queued(&self) -> Vec<MailJob> {
        lock(&self.jobs).iter().map(|signed| signed.job().clone()).collect()
    }

    /// Every (queue, receipt, seconds) back-off asked for.
    pub fn delays(&self) -> Vec<(Lane, String, u64)> {
        lock(&self.delays).clone()
    }
}

impl MailQueue for MemoryQueue {
    async fn enqueue(&self, job: &SignedJob) -> anyhow::Result<()> {
        self.outage.check("the mail queue")?;
        lock(&self.jobs).push(job.clone());
        Ok(())
    }

    async fn retry_after(&self, lane: Lane, receipt: &str, delay_secs: u64) -> anyhow::Result<()> {
        self.outage.check("the mail queue")?;
        lock(&self.delays).push((lane, receipt.to_owned(), delay_secs));
        Ok(())
    }

    fn lane_of(&self, source_arn: &str) -> Option<Lane> {
        [Lane::Links, Lane::Notices].into_iter().find(|lane| Self::arn_of(*lane) == source_arn)
    }
}

/// A key source holding the secret's JSON, replaceable to simulate rotation: the signing keys
/// (`MemoryKeys`) or the hashing keys ([`MemoryHashKeys`]).
pub struct MemoryKeys<R = KeyRing> {
    secret: Arc<Mutex<String>>,
    fetches: Arc<AtomicU32>,
    pub outage: Outage,
    ring: std::marker::PhantomData<fn() -> R>,
}

/// The hashing keys' secret, in memory.
pub type MemoryHashKeys = MemoryKeys<HashRing>;

impl<R> Clone for MemoryKeys<R> {
    fn clone(&self) -> Self {
        MemoryKeys { secret: self.secret.clone(), fetches: self.fetches.clone(), outage: self.outage.clone(), ring: std::marker::PhantomData }
    }
}

impl<R> MemoryKeys<R> {
    pub fn new(secret_json: impl Into<String>) -> Self {
        MemoryKeys { secret: Arc::new(Mutex::new(secret_json.into())), fetches: Arc::default(), outage: Outage::default(), ring: std::marker::PhantomData }
    }
    pub fn replace(&self, secret_json: impl Into<String>) {
        *lock(&self.secret) = secret_json.into();
    }

    /// How often the secret was read.
    pub fn fetches(&self) -> u32 {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl<R: Ring> KeySource for MemoryKeys<R> {
    type Ring = R;
    async fn fetch(&self) -> anyhow::Result<R> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.outage.check("the key store")?;
        let secret = lock(&self.secret).clone();
        Ok(R::from_secret(&secret)?)
    }
}

/// The CDN's origin-verify values (current, previous), replaceable to simulate a rotation.
#[derive(Clone)]
pub struct MemoryOriginVerify {
    values: Arc<Mutex<(String, Option<String>)>>,
    reads: Arc<AtomicU32>,
    /// How long each read takes (tokio time), to simulate a slow Secrets Manager.
    latency: Arc<Mutex<std::time::Duration>>,
    pub outage: Outage,
}

impl MemoryOriginVerify {
    /// A secret with one version (as after the first deploy: no previous value).
    pub fn new(current: &str) -> Self {
        MemoryOriginVerify {
            values: Arc::new(Mutex::new((current.to_owned(), None))),
            reads: Arc::default(),
            latency: Arc::default(),
            outage: Outage::default(),
        }
    }
    /// What a new secret value does: it becomes current, and the current one previous.
    pub fn rotate(&self, current: &str) {
        let mut values = lock(&self.values);
        let old = std::mem::replace(&mut values.0, current.to_owned());
        values.1 = Some(old);
    }
    pub fn set(&self, current: &str, previous: Option<&str>) {
        *lock(&self.values) = (current.to_owned(), previous.map(str::to_owned));
    }
    /// How often the values were read.
    pub fn reads(&self) -> u32 {
        self.reads.load(Ordering::SeqCst)
    }
    /// Makes every read take `latency` (tokio time) before it answers.
    pub fn slow_down(&self, latency: std::time::Duration) {
        *lock(&self.latency) = latency;
    }
}

impl OriginVerifySource for MemoryOriginVerify {
    async fn read(&self) -> anyhow::Result<OriginValues> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.outage.check("the origin-verify secret")?;
        let (current, previous) = lock(&self.values).clone();
        Ok(OriginValues::new(current.into(), previous.map(Into::into)))
    }
}

/// A Unix clock that follows tokio's clock on this thread, for simulations that run hours of
/// budget windows and staleness on tokio's paused clock in seconds: while the returned guard
/// lives, [`crate::unix_now`] called on this thread is `from` plus the tokio time elapsed since.
/// Other threads (other tests) keep the system clock. Only with the `sim-clock` feature, which
/// only the test crate's dev-dependencies ask for: a shipped function reads the system clock.
#[cfg(feature = "sim-clock")]
pub fn follow_tokio_clock(from: u64) -> FollowingTokioClock {
    VIRTUAL_NOW.with(|now| now.set(Some((from, tokio::time::Instant::now()))));
    FollowingTokioClock { _not_send: std::marker::PhantomData }
}

/// Puts the system clock back when dropped ([`follow_tokio_clock`]).
#[cfg(feature = "sim-clock")]
pub struct FollowingTokioClock {
    /// Bound to the thread whose clock it set.
    _not_send: std::marker::PhantomData<*const ()>,
}

#[cfg(feature = "sim-clock")]
impl Drop for FollowingTokioClock {
    fn drop(&mut self) {
        VIRTUAL_NOW.with(|now| now.set(None));
    }
}

#[cfg(feature = "sim-clock")]
thread_local! {
    static VIRTUAL_NOW: std::cell::Cell<Option<(u64, tokio::time::Instant)>> = const { std::cell::Cell::new(None) };
}

/// The simulated time on this thread, if a simulation set one.
#[cfg(feature = "sim-clock")]
pub(crate) fn virtual_now() -> Option<u64> {
    VIRTUAL_NOW.with(|now| now.get().map(|(from, at)| from + at.elapsed().as_secs()))
}

/// The same, in milliseconds.
#[cfg(feature = "sim-clock")]
pub(crate) fn virtual_now_ms() -> Option<u64> {
    VIRTUAL_NOW.with(|now| now.get().map(|(from, at)| from * 1000 + u64::try_from(at.elapsed().as_millis()).unwrap_or(u64::MAX)))
}
