//! The values the CDN's `x-origin-verify` header may carry, as a function holds them: the
//! secret's current value and, during a rotation, its previous one. Read at cold start, and
//! again when a request carries neither (so a warm function accepts a newly rotated value on the
//! first request that carries it) or when they are older than [`MAX_AGE`] (so a value a rotation
//! retired stops working). All reads share one bound, [`REREAD_COOLDOWN`]: a flood of wrong
//! values costs one read a minute. A failed read keeps the values held. No value is ever logged.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::ports::OriginVerifySource;

/// The least time between two reads of the values by one instance (the cold start counts).
pub const REREAD_COOLDOWN: Duration = Duration::from_secs(60);
/// How long held values are trusted before a request makes the function read them again: the
/// longest a value retired by a rotation is still accepted by a warm function.
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);

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

    /// Compared with both, each in constant time, whichever matches. Nothing matches an empty value.
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
    state: Mutex<State>,
}

struct State {
    values: OriginValues,
    /// The last successful read.
    read_at: Instant,
    /// The last read, successful or not.
    tried_at: Instant,
}

impl<S: OriginVerifySource> OriginVerify<S> {
    /// Reads the values now: without them a function cannot tell the CDN's requests from others.
    pub async fn load(source: S) -> anyhow::Result<Self> {
        let values = source.read().await?;
        let now = Instant::now();
        Ok(OriginVerify { source, state: Mutex::new(State { values, read_at: now, tried_at: now }) })
    }

    /// Whether `presented` is one of the accepted values, reading them again first if they are
    /// older than [`MAX_AGE`], or before refusing it; either at most once per [`REREAD_COOLDOWN`].
    pub async fn accepts(&self, presented: &[u8]) -> bool {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        let may_read = now.duration_since(state.tried_at) >= REREAD_COOLDOWN;
        if may_read && now.duration_since(state.read_at) >= MAX_AGE {
            self.read_again(&mut state, now).await;
            return state.values.accepts(presented);
        }
        if state.values.accepts(presented) {
            return true;
        }
        if !may_read {
            return false;
        }
        self.read_again(&mut state, now).await;
        state.values.accepts(presented)
    }

    async fn read_again(&self, state: &mut State, now: Instant) {
        state.tried_at = now;
        match self.source.read().await {
            Ok(values) => {
                state.values = values;
                state.read_at = now;
            }
            Err(err) => tracing::warn!(error = ?err, "the CDN's origin-verify values could not be read again; keeping the ones held"),
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

    #[tokio::test(start_paused = true)]
    async fn current_and_previous_are_accepted_and_nothing_else() {
        let source = MemoryOriginVerify::new("old-value");
        source.rotate("new-value");
        let verify = OriginVerify::load(source.clone()).await.unwrap();
        assert!(verify.accepts(b"new-value").await && verify.accepts(b"old-value").await);
        for wrong in [&b"new-valu"[..], b"new-valuf", b"new-valuee", b""] {
            assert!(!verify.accepts(wrong).await, "{}", String::from_utf8_lossy(wrong));
        }
        let empty_previous = MemoryOriginVerify::new("only");
        assert!(!OriginVerify::load(empty_previous).await.unwrap().accepts(b"").await, "no previous matches no header");
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
}
