//! The values the CDN's `x-origin-verify` header may carry, as a function holds them: the
//! secret's current value and, during a rotation, its previous one. Read at cold start, and
//! again when a request carries neither (so a warm function accepts a newly rotated value on the
//! first request that carries it) or when they are older than [`MAX_AGE`] (so a value a rotation
//! retired stops working). No value is ever logged.
//!
//! Bounds, which the rotation tool's pause after a new value relies on:
//! - Reads: at most one per [`REREAD_COOLDOWN`] (the cold start counts); after a failed read, a
//!   request carrying a value not held may try again after [`RETRY_AFTER_FAILED_READ`]. A flood
//!   of wrong values costs one read a minute, or one per [`RETRY_AFTER_FAILED_READ`] while reads
//!   fail; each read is cut off after [`READ_TIMEOUT`] and then counts as failed.
//! - A value put at time P is accepted by every warm instance whose reads succeed from
//!   P + [`REREAD_COOLDOWN`] + [`READ_TIMEOUT`] on; an instance whose last read failed accepts it
//!   at most [`RETRY_AFTER_FAILED_READ`] after that failure, once Secrets Manager answers again.
//! - A failed read keeps the values held.
//!
//! Time is the later of the wall clock ([`SystemTime`]) and tokio's monotonic clock: Lambda
//! freezes an instance between invocations and a monotonic clock may stop meanwhile, but the
//! time spent frozen must count towards the cooldown and [`MAX_AGE`]; a wall clock set back
//! must not stretch them either. Tests move tokio's clock (`tokio::time::advance`), as
//! [`crate::KeyCache`]'s do, or inject a wall clock ([`OriginVerify::load_with_clock`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::ports::OriginVerifySource;

/// The least time between two reads of the values by one instance (the cold start counts).
pub const REREAD_COOLDOWN: Duration = Duration::from_secs(60);
/// After a failed read, the least time before a request carrying a value not held may read
/// again (a short outage must not leave a just-rotated value refused for a whole cooldown).
pub const RETRY_AFTER_FAILED_READ: Duration = Duration::from_secs(10);
/// How long held values are trusted before a request makes the function read them again: the
/// longest a value retired by a rotation is still accepted by a warm function that held it as
/// the previous one; twice that if it still held it as the current one (a read that finds a new
/// current value and no previous one keeps the held current for one more [`MAX_AGE`]).
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// The longest a read again may hold up the request that makes it (the adapter's own calls are
/// cut off sooner, about a second per attempt); past it the read counts as failed.
pub const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// Where [`OriginVerify`] reads the wall-clock time: [`system_clock`] but in tests.
pub type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The system's wall clock.
pub fn system_clock() -> WallClock {
    Arc::new(SystemTime::now)
}

/// The accepted values: the current one and, if there is one, the previous one. `Debug` shows
/// neither.
#[derive(Debug, Clone)]
pub struct OriginValues {
    current: SecretString,
    previous: Option<SecretString>,
}

impl OriginValues {
    pub fn new(current: SecretString, previous: Option<SecretString>) -> Self {
        OriginValues { current, previous }
    }

    /// Compared with both, each in constant time, whichever matches. Nothing matches an empty
    /// value, even an empty previous one.
    fn accepts(&self, presented: &[u8]) -> bool {
        let current = constant_time_eq(presented, self.current.expose_secret().as_bytes());
        let previous = self.previous.as_ref().is_some_and(|p| constant_time_eq(presented, p.expose_secret().as_bytes()));
        !presented.is_empty() && (current | previous)
    }
}

/// Equality that takes as long whatever the first differing byte (the lengths may show).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The values held by one function instance, read again as the module says.
pub struct OriginVerify<S> {
    source: S,
    clock: WallClock,
    state: Mutex<State>,
}

/// A moment on both clocks (see the module).
#[derive(Clone, Copy)]
struct Stamp {
    wall: SystemTime,
    monotonic: Instant,
}

impl Stamp {
    /// The time from `self` to `now`: the longer of what either clock measured.
    fn until(self, now: Stamp) -> Duration {
        let wall = now.wall.duration_since(self.wall).unwrap_or_default();
        wall.max(now.monotonic.saturating_duration_since(self.monotonic))
    }
}

struct State {
    values: OriginValues,
    /// The last successful read.
    read_at: Stamp,
    /// The last read, successful or not.
    tried_at: Stamp,
    /// Whether the last read failed.
    failed: bool,
}

impl<S: OriginVerifySource> OriginVerify<S> {
    /// Reads the values now: without them a function cannot tell the CDN's requests from others.
    pub async fn load(source: S) -> anyhow::Result<Self> {
        Self::load_with_clock(source, system_clock()).await
    }

    /// [`OriginVerify::load`] reading the wall-clock time from `clock`.
    pub async fn load_with_clock(source: S, clock: WallClock) -> anyhow::Result<Self> {
        let values = source.read().await?;
        let now = Stamp { wall: clock(), monotonic: Instant::now() };
        Ok(OriginVerify { source, clock, state: Mutex::new(State { values, read_at: now, tried_at: now, failed: false }) })
    }

    fn now(&self) -> Stamp {
        Stamp { wall: (self.clock)(), monotonic: Instant::now() }
    }

    /// Whether `presented` is one of the accepted values, reading them again first if they are
    /// older than [`MAX_AGE`], or before refusing it; either at most once per [`REREAD_COOLDOWN`]
    /// (before refusing, [`RETRY_AFTER_FAILED_READ`] after a failed read).
    pub async fn accepts(&self, presented: &[u8]) -> bool {
        let mut state = self.state.lock().await;
        let now = self.now();
        let since_tried = state.tried_at.until(now);
        if since_tried >= REREAD_COOLDOWN && state.read_at.until(now) >= MAX_AGE {
            self.read_again(&mut state, now).await;
            return state.values.accepts(presented);
        }
        if state.values.accepts(presented) {
            return true;
        }
        let cooldown = if state.failed { RETRY_AFTER_FAILED_READ } else { REREAD_COOLDOWN };
        if since_tried < cooldown {
            return false;
        }
        self.read_again(&mut state, now).await;
        state.values.accepts(presented)
    }

    async fn read_again(&self, state: &mut State, now: Stamp) {
        state.tried_at = now;
        let read = match tokio::time::timeout(READ_TIMEOUT, self.source.read()).await {
            Ok(read) => read,
            Err(_) => Err(anyhow::anyhow!("no answer within {} s", READ_TIMEOUT.as_secs())),
        };
        match read {
            Ok(mut values) => {
                // A new current value without a previous one (a secret whose labels were moved,
                // or read while they moved): the value held as current may be the one CloudFront
                // still sends, so it stays accepted until the values are old.
                let held = &state.values.current;
                if values.previous.is_none() && !constant_time_eq(values.current.expose_secret().as_bytes(), held.expose_secret().as_bytes()) {
                    values.previous = Some(held.clone());
                }
                state.values = values;
                state.read_at = now;
                state.failed = false;
            }
            Err(err) => {
                state.failed = true;
                tracing::warn!(error = ?err, "the CDN's origin-verify values could not be read again; keeping the ones held");
            }
        }
    }
}

/// An [`OriginVerify`] whatever its source, so that [`crate::Settings`] can hold one.
pub(crate) trait CheckOrigin: Send + Sync {
    fn check<'a>(&'a self, presented: &'a [u8]) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

impl<S: OriginVerifySource> CheckOrigin for OriginVerify<S> {
    fn check<'a>(&'a self, presented: &'a [u8]) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(self.accepts(presented))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryOriginVerify;

    /// A wall clock that stands still until moved (a frozen process's monotonic clock stands
    /// still too: tokio's, paused, is not moved in the tests that use this one).
    fn manual_clock() -> (WallClock, Arc<std::sync::Mutex<SystemTime>>) {
        let at = Arc::new(std::sync::Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        let read = at.clone();
        (Arc::new(move || *read.lock().unwrap()), at)
    }

    fn move_clock(at: &std::sync::Mutex<SystemTime>, forward: bool, by: Duration) {
        let mut at = at.lock().unwrap();
        *at = if forward { *at + by } else { *at - by };
    }

    #[tokio::test(start_paused = true)]
    async fn current_and_previous_are_accepted_and_nothing_else() {
        let source = MemoryOriginVerify::new("old-value");
        source.rotate("new-value");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        assert!(verify.accepts(b"new-value").await && verify.accepts(b"old-value").await);
        for wrong in [&b"new-valu"[..], b"new-valuf", b"new-valuee", b""] {
            assert!(!verify.accepts(wrong).await, "{}", String::from_utf8_lossy(wrong));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_value_is_never_accepted_even_as_the_previous_one() {
        let source = MemoryOriginVerify::new("only");
        source.set("only", Some(""));
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        assert!(!verify.accepts(b"").await, "an empty previous value matches no header");
        assert!(verify.accepts(b"only").await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rotated_value_is_accepted_once_the_cooldown_since_the_last_read_has_passed() {
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        tokio::time::advance(REREAD_COOLDOWN).await;
        source.rotate("v2");
        assert!(verify.accepts(b"v2").await, "read again before refusing");
        assert_eq!(source.reads(), 2);
        assert!(!verify.accepts(b"wrong").await);
        assert_eq!(source.reads(), 2, "not read again within the cooldown");
        source.rotate("v3");
        assert!(!verify.accepts(b"v3").await, "within the cooldown, not even a real new value");
        tokio::time::advance(REREAD_COOLDOWN).await;
        assert!(verify.accepts(b"v3").await);
    }

    /// A read that sees a new current value and no previous one (labels moved between two reads
    /// of the function) keeps the value held as current: CloudFront may still send it.
    #[tokio::test(start_paused = true)]
    async fn a_read_with_a_new_current_and_no_previous_keeps_the_held_current_until_the_values_are_old() {
        let source = MemoryOriginVerify::new("sent-by-cloudfront");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        tokio::time::advance(REREAD_COOLDOWN).await;
        source.set("rotated", None);
        assert!(verify.accepts(b"rotated").await, "read again on a value not held");
        assert!(verify.accepts(b"sent-by-cloudfront").await, "the value held as current is kept as the previous one");
        assert_eq!(source.reads(), 2);
        tokio::time::advance(MAX_AGE).await;
        assert!(!verify.accepts(b"sent-by-cloudfront").await, "dropped once a read no longer names it");
        assert!(verify.accepts(b"rotated").await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_read_keeps_the_values_held() {
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        source.outage.set(true);
        tokio::time::advance(MAX_AGE).await;
        assert!(verify.accepts(b"v1").await, "the refresh failed; the held value still works");
        assert!(!verify.accepts(b"wrong").await);
        assert_eq!(source.reads(), 2, "one failed read, not one per request");
    }

    /// The periodic refresh runs inside a user's request: a Secrets Manager that does not answer
    /// costs that request [`READ_TIMEOUT`], and the values held are kept.
    #[tokio::test(start_paused = true)]
    async fn a_read_that_does_not_answer_is_cut_off_and_the_values_held_are_kept() {
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        source.slow_down(Duration::from_secs(60));
        source.rotate("v2");
        tokio::time::advance(MAX_AGE).await;
        let started = Instant::now();
        assert!(verify.accepts(b"v1").await, "the held value still works");
        assert_eq!(started.elapsed(), READ_TIMEOUT, "the request waited for the cut-off, not for the read");
        assert_eq!(source.reads(), 2);
    }

    /// After a failed read, a value not held is tried again [`RETRY_AFTER_FAILED_READ`] later, not
    /// a whole cooldown later; the periodic refresh keeps the cooldown.
    #[tokio::test(start_paused = true)]
    async fn after_a_failed_read_a_value_not_held_is_read_again_soon() {
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        source.outage.set(true);
        tokio::time::advance(MAX_AGE).await;
        assert!(verify.accepts(b"v1").await, "the periodic refresh fails");
        assert_eq!(source.reads(), 2);
        source.outage.set(false);
        source.rotate("v2");
        tokio::time::advance(RETRY_AFTER_FAILED_READ - Duration::from_secs(1)).await;
        assert!(!verify.accepts(b"v2").await, "within the retry interval");
        assert!(verify.accepts(b"v1").await);
        assert_eq!(source.reads(), 2, "a held value reads nothing, even with old values, within the cooldown");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(verify.accepts(b"v2").await, "read again {} s after the failure", RETRY_AFTER_FAILED_READ.as_secs());
        assert_eq!(source.reads(), 3);
        assert!(REREAD_COOLDOWN > RETRY_AFTER_FAILED_READ && RETRY_AFTER_FAILED_READ > READ_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retired_value_stops_working_after_max_age() {
        let source = MemoryOriginVerify::new("old");
        source.rotate("new");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        source.set("new", Some("new"));
        assert!(verify.accepts(b"old").await, "held until the values are old");
        tokio::time::advance(MAX_AGE).await;
        assert!(!verify.accepts(b"old").await);
        assert!(verify.accepts(b"new").await);
    }

    /// Lambda freezes an instance between invocations; its monotonic clock may stand still
    /// meanwhile (tokio's, paused and not moved, here) while the wall clock moves on.
    #[tokio::test(start_paused = true)]
    async fn time_spent_frozen_counts_towards_the_cooldown_and_the_age() {
        let (clock, at) = manual_clock();
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load_with_clock(source.clone(), clock).await.unwrap();
        source.rotate("v2");
        move_clock(&at, true, REREAD_COOLDOWN - Duration::from_secs(1));
        assert!(!verify.accepts(b"v2").await, "within the cooldown by the wall clock");
        move_clock(&at, true, Duration::from_secs(1));
        assert!(verify.accepts(b"v2").await, "a minute frozen is a minute");
        assert_eq!(source.reads(), 2);
        source.set("v2", None);
        move_clock(&at, true, MAX_AGE);
        assert!(!verify.accepts(b"v1").await, "five minutes frozen: the values are old and read again");
        assert_eq!(source.reads(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wall_clock_set_back_does_not_stretch_the_cooldown() {
        let (clock, at) = manual_clock();
        let source = MemoryOriginVerify::new("v1");
        let verify = OriginVerify::load_with_clock(source.clone(), clock).await.unwrap();
        source.rotate("v2");
        move_clock(&at, false, Duration::from_secs(3600));
        tokio::time::advance(REREAD_COOLDOWN).await;
        assert!(verify.accepts(b"v2").await, "the monotonic clock measured the minute");
    }
}
