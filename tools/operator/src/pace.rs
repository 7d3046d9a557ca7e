//! A campaign's pace: it must not starve the reset mail users ask for themselves.
//!
//! Operators' jobs go on the reset links' queue with everyone's requests, and the mail worker
//! sends that queue at 9/10 of `SES_MAX_SEND_RATE` (the notices have the other tenth). A campaign
//! therefore
//! - queues at most `rate` jobs a second (default: half of `SES_MAX_SEND_RATE`, so about 4/9 of the
//!   links' rate stays free for ordinary requests), spending a slot only for a job it queued (a
//!   skipped user costs none, so a resumed campaign passes its earlier users at full speed); and
//! - pauses while the queue holds more than `max_backlog` messages (default: 10 seconds of the
//!   links' send rate), so a request arriving mid-campaign waits behind at most ~10 s of
//!   campaign mail, even when the worker is slower than it should be (throttled, SES refusing); and
//! - pauses while the notices' queue holds more than `NOTICE_BACKLOG_SECONDS` of the notices' share
//!   of the rate: every user who completes a forced reset is sent a "password changed" notice, and
//!   notices have a tenth of the rate, so a campaign whose users reset faster than a tenth of the
//!   rate would grow that queue past the four days SQS keeps a message. The campaign then goes at
//!   the pace its users confirm.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The reset links' share of the send rate, as the mail worker splits it (tenths).
pub const LINK_SHARE_TENTHS: u64 = 10 - reset_wiring::NOTICE_SHARE_TENTHS;
/// How many seconds of the links' send rate a campaign may keep queued.
pub const BACKLOG_SECONDS: u64 = 10;
/// How often the queue's depth is read again, at most (one GetQueueAttributes call).
pub const DEPTH_EVERY: Duration = Duration::from_secs(1);
/// How many seconds of the notices' send rate may wait before a campaign pauses: 15 minutes.
pub const NOTICE_BACKLOG_SECONDS: u64 = 15 * 60;

/// The notices' queue bound for `SES_MAX_SEND_RATE` = `send_rate`: [`NOTICE_BACKLOG_SECONDS`] of
/// the notices' share of it.
pub fn notice_backlog(send_rate: u32) -> u64 {
    (u64::from(send_rate) * reset_wiring::NOTICE_SHARE_TENTHS * NOTICE_BACKLOG_SECONDS).div_ceil(10)
}

/// The default pace for `SES_MAX_SEND_RATE` = `send_rate`: half of it (at least 1 a second), and
/// a backlog of [`BACKLOG_SECONDS`] of the links' share of it.
pub fn defaults(send_rate: u32) -> (f64, u64) {
    let rate = (f64::from(send_rate) / 2.0).max(1.0);
    let backlog = (u64::from(send_rate) * LINK_SHARE_TENTHS * BACKLOG_SECONDS).div_ceil(10);
    (rate, backlog)
}

/// Users in flight at once by default for `rate` jobs a second: each is a few calls one after the
/// other (two ledger reads, the user's read, a transaction, the job, the note: about 50 ms against
/// AWS, more across regions), so a tenth of the rate keeps up with it; at least 8, at most 64.
pub fn default_concurrency(rate: f64) -> usize {
    if !rate.is_finite() {
        return 8;
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 8..=64 first")]
    let n = (rate / 10.0).ceil().clamp(8.0, 64.0) as usize;
    n
}

/// `SES_MAX_SEND_RATE` as the functions read it (1 when unset; a whole number from 1 to 100,000).
pub fn send_rate_from_env() -> anyhow::Result<u32> {
    match std::env::var("SES_MAX_SEND_RATE").ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(1),
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(rate) if (1..=100_000).contains(&rate) => Ok(rate),
            _ => anyhow::bail!("SES_MAX_SEND_RATE must be a whole number from 1 to 100000, not {raw:?}"),
        },
    }
}

/// How many messages wait on the links' queue and on the notices' (SQS's
/// `ApproximateNumberOfMessages`).
pub trait QueueDepth: Send + Sync {
    fn depth(&self) -> impl Future<Output = anyhow::Result<Depths>> + Send;
}

/// The two queues' depths at one reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depths {
    pub links: u64,
    pub notices: u64,
}

/// [`QueueDepth`] over SQS GetQueueAttributes: the links' queue, and the notices' when known.
pub struct SqsDepth {
    pub client: aws_sdk_sqs::Client,
    pub url: String,
    pub notices_url: Option<String>,
}

impl SqsDepth {
    async fn of(&self, url: &str, what: &str) -> anyhow::Result<u64> {
        use aws_sdk_sqs::types::QueueAttributeName;
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|err| anyhow::Error::new(err).context(format!("SQS GetQueueAttributes ({what} depth)")))?;
        let attributes = out.attributes.unwrap_or_default();
        let depth = attributes.get(&QueueAttributeName::ApproximateNumberOfMessages).and_then(|v| v.parse().ok());
        depth.ok_or_else(|| anyhow::anyhow!("SQS gave no ApproximateNumberOfMessages for {what}"))
    }
}

impl QueueDepth for SqsDepth {
    async fn depth(&self) -> anyhow::Result<Depths> {
        let links = self.of(&self.url, "the links' queue").await?;
        let notices = match &self.notices_url {
            Some(url) => self.of(url, "the notices' queue").await?,
            None => 0,
        };
        Ok(Depths { links, notices })
    }
}

/// No backlog bound (`--max-backlog 0`, and dry runs).
pub struct NoDepth;

impl QueueDepth for NoDepth {
    async fn depth(&self) -> anyhow::Result<Depths> {
        Ok(Depths::default())
    }
}

/// What a wait was for, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The links' queue held `depth` messages, above the bound.
    Backlog { depth: u64, bound: u64 },
    /// The notices' queue held `depth` messages, above its bound: users confirm faster than
    /// their notices can go out.
    Notices { depth: u64, bound: u64 },
}

/// A token bucket of `rate` slots a second (holding at most one second's worth, at least one
/// slot), and the backlog bound on top.
pub struct Pace<D> {
    rate: f64,
    capacity: f64,
    bucket: Mutex<Bucket>,
    depth: D,
    max_backlog: u64,
    /// The notices' queue bound (0: none).
    notice_backlog: u64,
    seen: tokio::sync::Mutex<Option<(Instant, Depths)>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<D: QueueDepth> Pace<D> {
    /// `rate` jobs a second at most (`f64::INFINITY`: no limit); `max_backlog` 0: no bound (on
    /// either queue).
    pub fn new(rate: f64, max_backlog: u64, depth: D) -> Self {
        let capacity = if rate.is_finite() { rate.max(1.0) } else { f64::MAX };
        // Start with one slot, not a second's burst: the first second is paced like the rest.
        let bucket = Mutex::new(Bucket { tokens: 1.0, at: Instant::now() });
        Pace { rate, capacity, bucket, depth, max_backlog, notice_backlog: 0, seen: tokio::sync::Mutex::new(None) }
    }

    /// Also pauses while the notices' queue holds more than `bound` messages (0: never).
    pub fn with_notice_backlog(mut self, bound: u64) -> Self {
        self.notice_backlog = bound;
        self
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn max_backlog(&self) -> u64 {
        self.max_backlog
    }

    /// Waits for a slot: first until the queue is within its bound, then for the bucket.
    /// `waiting` hears what a long wait is for.
    pub async fn slot(&self, waiting: &(dyn Fn(Option<Waiting>) + Sync)) -> anyhow::Result<()> {
        self.below_backlog(waiting).await?;
        loop {
            let wait = {
                let mut bucket = self.bucket.lock().map_err(|_| anyhow::anyhow!("the pace's lock was poisoned"))?;
                let now = Instant::now();
                let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
                bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.capacity);
                bucket.at = now;
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return Ok(());
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Gives back a slot that queued nothing (a user skipped or refused).
    pub fn refund(&self) {
        if let Ok(mut bucket) = self.bucket.lock() {
            bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
        }
    }

    /// Waits while the queue holds more than the bound; the depth is read at most once per
    /// [`DEPTH_EVERY`], for all the calls in flight together.
    async fn below_backlog(&self, waiting: &(dyn Fn(Option<Waiting>) + Sync)) -> anyhow::Result<()> {
        if self.max_backlog == 0 {
            return Ok(());
        }
        let mut told = false;
        loop {
            let depths = {
                let mut seen = self.seen.lock().await;
                match *seen {
                    Some((at, depths)) if at.elapsed() < DEPTH_EVERY => depths,
                    _ => {
                        let depths = self.depth.depth().await?;
                        *seen = Some((Instant::now(), depths));
                        depths
                    }
                }
            };
            let wait = if depths.links > self.max_backlog {
                Some(Waiting::Backlog { depth: depths.links, bound: self.max_backlog })
            } else if self.notice_backlog > 0 && depths.notices > self.notice_backlog {
                Some(Waiting::Notices { depth: depths.notices, bound: self.notice_backlog })
            } else {
                None
            };
            let Some(wait) = wait else {
                if told {
                    waiting(None);
                }
                return Ok(());
            };
            waiting(Some(wait));
            told = true;
            tokio::time::sleep(DEPTH_EVERY).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[test]
    fn enough_users_are_in_flight_to_reach_the_rate() {
        assert_eq!(default_concurrency(0.5), 8);
        assert_eq!(default_concurrency(7.0), 8);
        assert_eq!(default_concurrency(250.0), 25, "SesMaxSendRate 500");
        assert_eq!(default_concurrency(50_000.0), 64);
        assert_eq!(default_concurrency(f64::INFINITY), 8);
    }

    #[test]
    fn the_defaults_leave_ordinary_mail_most_of_the_links_rate_and_bound_the_wait_to_ten_seconds() {
        assert_eq!(defaults(14), (7.0, 126), "14 a second: links at 12.6, the campaign at 7, 10 s of links");
        assert_eq!(defaults(100), (50.0, 900));
        assert_eq!(defaults(500), (250.0, 4500));
        assert_eq!(defaults(1), (1.0, 9), "at least one job a second");
        for rate in [1, 2, 5, 14, 100, 500] {
            let (campaign, _) = defaults(rate);
            let links = f64::from(rate) * 0.9;
            assert!(rate == 1 || campaign < links, "{rate}: the campaign alone would fill the links' share");
        }
    }

    /// The links' depth, the reads, and the notices' depth.
    struct Fixed(AtomicU64, AtomicU64, AtomicU64);

    impl QueueDepth for Fixed {
        async fn depth(&self) -> anyhow::Result<Depths> {
            self.1.fetch_add(1, Ordering::SeqCst);
            Ok(Depths { links: self.0.load(Ordering::SeqCst), notices: self.2.load(Ordering::SeqCst) })
        }
    }

    /// Users who confirm faster than their notices can go out hold the campaign until the
    /// notices' queue is within its bound.
    #[tokio::test(start_paused = true)]
    async fn a_notice_backlog_above_its_bound_holds_the_campaign_until_it_drains() {
        assert_eq!(notice_backlog(14), 1260, "15 minutes of 1.4 notices a second");
        let depth = Fixed(AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(5000));
        let pace = Pace::new(f64::INFINITY, 20, depth).with_notice_backlog(1260);
        let heard = Mutex::new(Vec::new());
        let waiting = |w: Option<Waiting>| heard.lock().unwrap().push(w);
        let drain = async {
            tokio::time::sleep(Duration::from_secs(7)).await;
            pace.depth.2.store(1000, Ordering::SeqCst);
        };
        let start = Instant::now();
        let ((), slot) = tokio::join!(drain, pace.slot(&waiting));
        slot.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(7), "{:?}", start.elapsed());
        let heard = heard.into_inner().unwrap();
        assert_eq!(heard.first(), Some(&Some(Waiting::Notices { depth: 5000, bound: 1260 })));
        assert_eq!(heard.last(), Some(&None));
        // Without a notices' bound, the same depth holds nothing.
        let free = Pace::new(f64::INFINITY, 20, Fixed(AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(5000)));
        let start = Instant::now();
        free.slot(&|_| {}).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn slots_come_at_the_rate_and_refunded_ones_cost_nothing() {
        let pace = Pace::new(10.0, 0, NoDepth);
        let start = Instant::now();
        for _ in 0..21 {
            pace.slot(&|_| {}).await.unwrap();
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(1990) && took < Duration::from_millis(2100), "21 slots at 10 a second: {took:?}");
        let start = Instant::now();
        for _ in 0..100 {
            pace.slot(&|_| {}).await.unwrap();
            pace.refund();
        }
        assert!(start.elapsed() < Duration::from_millis(150), "skipped users are not paced: {:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_backlog_above_the_bound_holds_every_slot_until_it_drains() {
        let depth = Fixed(AtomicU64::new(50), AtomicU64::new(0), AtomicU64::new(0));
        let pace = Pace::new(f64::INFINITY, 20, depth);
        let heard = Mutex::new(Vec::new());
        let waiting = |w: Option<Waiting>| heard.lock().unwrap().push(w);
        let drain = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            pace.depth.0.store(20, Ordering::SeqCst);
        };
        let start = Instant::now();
        let ((), slot) = tokio::join!(drain, pace.slot(&waiting));
        slot.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(5), "{:?}", start.elapsed());
        let heard = heard.into_inner().unwrap();
        assert_eq!(heard.first(), Some(&Some(Waiting::Backlog { depth: 50, bound: 20 })));
        assert_eq!(heard.last(), Some(&None), "the wait is over");
        // The depth is read at most once a second, whatever the calls in flight.
        let reads = pace.depth.1.load(Ordering::SeqCst);
        for _ in 0..50 {
            pace.slot(&|_| {}).await.unwrap();
        }
        assert!(pace.depth.1.load(Ordering::SeqCst) <= reads + 1);
    }
}
