//! A key ring (the signing keys or the hashing keys, one cache each), fetched once at cold start
//! and refreshed lazily after its TTL, so a rotated secret reaches running functions without a redeploy. A failed refresh keeps serving the keys
//! already held (and waits a little before trying again), so a Secrets Manager outage does not
//! take the service down with it, but only for [`MAX_STALE`]: after that a retired or
//! compromised key must not keep working, so requests get 503 until the secret can be read.
//! A token signed with a key this process has not seen yet (a rotation newer than the cache)
//! triggers one early refresh, at most every [`UNKNOWN_KEY_COOLDOWN`].
//! What changes a password asks for a ring read within [`KeyCache::get_fresh`]'s bound instead,
//! so a key retired in an emergency stops changing passwords within that bound on every running
//! instance, whatever the cache time; and if the secret cannot be read then, it fails (503)
//! rather than trust an older ring: a password change can wait, a leaked key must not.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::ports::{KeySource, Ring};

/// How long to wait before retrying after a failed refresh while stale keys are served.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);
/// The longest keys are served after the last successful read of the secret.
pub const MAX_STALE: Duration = Duration::from_secs(15 * 60);
/// The least time between two refreshes forced by unknown key ids (so forged ids cannot make
/// every request read the secret).
pub const UNKNOWN_KEY_COOLDOWN: Duration = Duration::from_secs(10);

pub struct KeyCache<S: KeySource> {
    source: S,
    ttl: Duration,
    state: Mutex<State<S::Ring>>,
}

struct State<R> {
    cached: Option<Cached<R>>,
    /// When an unknown key id last forced a refresh.
    forced_at: Option<Instant>,
    /// When a fresh read for a change last failed (the next one waits [`RETRY_AFTER_FAILURE`]).
    fresh_failed_at: Option<Instant>,
}

impl<R> Default for State<R> {
    fn default() -> Self {
        State { cached: None, forced_at: None, fresh_failed_at: None }
    }
}

struct Cached<R> {
    ring: Arc<R>,
    refresh_at: Instant,
    fetched_at: Instant,
    /// The wall clock's time of the read too: a frozen Lambda environment's monotonic clock may
    /// not count the time it was frozen, so freshness asks both.
    fetched_unix: u64,
}

impl<S: KeySource> KeyCache<S> {
    /// Fetches the keys now; if that fails the cache starts empty and every request retries
    /// (answering 503 until the secret can be read).
    pub async fn load(source: S, ttl: Duration) -> Self {
        let cache = KeyCache { source, ttl, state: Mutex::new(State::default()) };
        if let Err(err) = cache.get().await {
            tracing::error!(error = ?err, keys = S::Ring::NAME, "keys could not be loaded at start");
        }
        cache
    }

    /// The current key ring, refreshed if its TTL has passed.
    pub async fn get(&self) -> anyhow::Result<Arc<S::Ring>> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(cached) = state.cached.as_ref().filter(|c| now < c.refresh_at) {
            return Ok(cached.ring.clone());
        }
        self.read(&mut state, now).await
    }

    /// The key ring as read from the secret at most `max_age` ago (by the monotonic and the wall
    /// clock both): read again now if the cached one is older. If that read fails, an error, not
    /// the older ring (a change must not trust a ring that may still hold a retired key); after a
    /// failure the secret is not read again for [`RETRY_AFTER_FAILURE`] (errors meanwhile), so an
    /// outage does not make every change wait on it.
    pub async fn get_fresh(&self, max_age: Duration) -> anyhow::Result<Arc<S::Ring>> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        let wall = crate::unix_now();
        let young = |c: &&Cached<S::Ring>| now.duration_since(c.fetched_at) <= max_age && wall.saturating_sub(c.fetched_unix) <= max_age.as_secs();
        if let Some(cached) = state.cached.as_ref().filter(young) {
            return Ok(cached.ring.clone());
        }
        if state.fresh_failed_at.is_some_and(|at| now.duration_since(at) < RETRY_AFTER_FAILURE) {
            anyhow::bail!("{} could not be read again lately; a change waits", S::Ring::NAME);
        }
        match self.source.fetch().await {
            Ok(ring) => {
                state.fresh_failed_at = None;
                Ok(self.store(&mut state, ring, now))
            }
            Err(err) => {
                state.fresh_failed_at = Some(now);
                tracing::error!(error = ?err, keys = S::Ring::NAME, metric = "keys_too_stale", "keys could not be read again before a change; refusing it");
                Err(err.context(format!("{} could not be read again before a change", S::Ring::NAME)))
            }
        }
    }

    /// Reads the secret; if that fails, serves the cached ring while it is within [`MAX_STALE`]
    /// (and tries again after [`RETRY_AFTER_FAILURE`]), else fails.
    async fn read(&self, state: &mut State<S::Ring>, now: Instant) -> anyhow::Result<Arc<S::Ring>> {
        match self.source.fetch().await {
            Ok(ring) => Ok(self.store(state, ring, now)),
            Err(err) => match state.cached.as_mut() {
                Some(stale) if now.duration_since(stale.fetched_at) <= MAX_STALE => {
                    tracing::warn!(error = ?err, keys = S::Ring::NAME, "keys could not be refreshed; serving the cached ones");
                    stale.refresh_at = now + RETRY_AFTER_FAILURE.min(self.ttl);
                    Ok(stale.ring.clone())
                }
                Some(_) => {
                    tracing::error!(error = ?err, keys = S::Ring::NAME, metric = "keys_too_stale", "keys could not be refreshed for too long; refusing to use them");
                    Err(err.context(format!("{} too stale to use", S::Ring::NAME)))
                }
                None => Err(err.context(format!("{} unavailable", S::Ring::NAME))),
            },
        }
    }

    /// A token (or a job's MAC) named a key the cached ring does not hold: read the secret again now, unless
    /// an unknown id did so within [`UNKNOWN_KEY_COOLDOWN`]. The fresh ring, if one was read.
    pub async fn refresh_for_unknown_key(&self) -> Option<Arc<S::Ring>> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if state.forced_at.is_some_and(|at| now.duration_since(at) < UNKNOWN_KEY_COOLDOWN) {
            return None;
        }
        state.forced_at = Some(now);
        match self.source.fetch().await {
            Ok(ring) => Some(self.store(&mut state, ring, now)),
            Err(err) => {
                tracing::warn!(error = ?err, keys = S::Ring::NAME, "keys could not be refreshed for an unknown key id");
                None
            }
        }
    }

    fn store(&self, state: &mut State<S::Ring>, ring: S::Ring, now: Instant) -> Arc<S::Ring> {
        let ring = Arc::new(ring);
        state.cached = Some(Cached { ring: ring.clone(), refresh_at: now + self.ttl, fetched_at: now, fetched_unix: crate::unix_now() });
        ring
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryKeys;

    const SECRET_A: &str = r#"{"current": "a", "a": "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}"#;
    const SECRET_B: &str =
        r#"{"current": "b", "a": "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF", "b": "key-b-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlk"}"#;

    #[tokio::test(start_paused = true)]
    async fn stale_keys_are_served_through_an_outage_but_not_forever() {
        let keys = MemoryKeys::<reset_token::KeyRing>::new(SECRET_A);
        let cache = KeyCache::load(keys.clone(), Duration::from_secs(300)).await;
        keys.outage.set(true);
        tokio::time::advance(Duration::from_secs(301)).await;
        assert!(cache.get().await.is_ok(), "a failed refresh serves the cached keys");
        tokio::time::advance(MAX_STALE).await;
        assert!(cache.get().await.is_err(), "past the bound, no keys: 503");
        keys.outage.set(false);
        assert!(cache.get().await.is_ok(), "and back as soon as the secret can be read");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_ring_is_read_again_once_the_cached_one_is_older_than_asked() {
        let keys = MemoryKeys::<reset_token::KeyRing>::new(SECRET_B);
        let cache = KeyCache::load(keys.clone(), Duration::from_secs(3600)).await;
        let fetched = keys.fetches();
        let bound = Duration::from_secs(60);
        assert!(cache.get_fresh(bound).await.unwrap().holds("a"), "young enough: the cached ring");
        assert_eq!(keys.fetches(), fetched, "and the secret was not read");
        keys.replace(SECRET_A.replace("\"a\"", "\"b\"").as_str());
        tokio::time::advance(bound + Duration::from_secs(1)).await;
        assert!(cache.get().await.unwrap().holds("a"), "the cache time has not passed: get still serves the cached ring");
        let fresh = cache.get_fresh(bound).await.unwrap();
        assert!(!fresh.holds("a") && fresh.holds("b"), "older than the bound: read again, the retired key gone");
        assert_eq!(keys.fetches(), fetched + 1);
        assert!(!cache.get().await.unwrap().holds("a"), "and the cache holds the fresh ring");
        keys.outage.set(true);
        tokio::time::advance(bound + Duration::from_secs(1)).await;
        assert!(cache.get_fresh(bound).await.is_err(), "an outage: no older ring for a change");
        assert!(cache.get().await.is_ok(), "though what changes nothing goes on with the cached one");
        let tried = keys.fetches();
        assert!(cache.get_fresh(bound).await.is_err());
        assert_eq!(keys.fetches(), tried, "and a change does not wait on the secret again at once");
        keys.outage.set(false);
        tokio::time::advance(RETRY_AFTER_FAILURE).await;
        assert!(cache.get_fresh(bound).await.is_ok(), "back once the secret can be read");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unknown_key_id_refreshes_once_per_cooldown() {
        let keys = MemoryKeys::<reset_token::KeyRing>::new(SECRET_A);
        let cache = KeyCache::load(keys.clone(), Duration::from_secs(300)).await;
        keys.replace(SECRET_B);
        assert_eq!(cache.get().await.unwrap().current_kid(), "a", "cached");
        let fresh = cache.refresh_for_unknown_key().await.expect("refreshed");
        assert_eq!(fresh.current_kid(), "b");
        assert_eq!(cache.get().await.unwrap().current_kid(), "b", "the cache holds the fresh ring");
        let fetched = keys.fetches();
        assert!(cache.refresh_for_unknown_key().await.is_none(), "not again within the cooldown");
        assert_eq!(keys.fetches(), fetched, "the secret was not read");
        tokio::time::advance(UNKNOWN_KEY_COOLDOWN).await;
        assert!(cache.refresh_for_unknown_key().await.is_some(), "again after it");
    }
}
