//! The key ring, fetched once at cold start and refreshed lazily after its TTL, so a rotated
//! secret reaches running functions without a redeploy. A failed refresh keeps serving the keys
//! already held (and waits a little before trying again), so a Secrets Manager outage does not
//! take the service down with it.

use std::sync::Arc;
use std::time::Duration;

use reset_token::KeyRing;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::ports::KeySource;

/// How long to wait before retrying after a failed refresh while stale keys are served.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

pub struct KeyCache<S> {
    source: S,
    ttl: Duration,
    state: Mutex<Option<Cached>>,
}

struct Cached {
    ring: Arc<KeyRing>,
    refresh_at: Instant,
}

impl<S: KeySource> KeyCache<S> {
    /// Fetches the keys now; if that fails the cache starts empty and every request retries
    /// (answering 503 until the secret can be read).
    pub async fn load(source: S, ttl: Duration) -> Self {
        let cache = KeyCache { source, ttl, state: Mutex::new(None) };
        if let Err(err) = cache.get().await {
            tracing::error!(error = ?err, "signing keys could not be loaded at start");
        }
        cache
    }

    /// The current key ring, refreshed if its TTL has passed.
    pub async fn get(&self) -> anyhow::Result<Arc<KeyRing>> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if let Some(cached) = state.as_ref().filter(|c| now < c.refresh_at) {
            return Ok(cached.ring.clone());
        }
        match self.source.fetch().await {
            Ok(ring) => {
                let ring = Arc::new(ring);
                *state = Some(Cached { ring: ring.clone(), refresh_at: now + self.ttl });
                Ok(ring)
            }
            Err(err) => match state.as_mut() {
                Some(stale) => {
                    tracing::warn!(error = ?err, "signing keys could not be refreshed; serving the cached ones");
                    stale.refresh_at = now + RETRY_AFTER_FAILURE.min(self.ttl);
                    Ok(stale.ring.clone())
                }
                None => Err(err.context("signing keys unavailable")),
            },
        }
    }
}
