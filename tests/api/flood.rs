//! A flood of reset requests from many networks (issue 19), simulated on tokio's paused clock with
//! the Unix clock following it (`reset_core::memory::follow_tokio_clock`), so an hour of budget
//! windows and staleness runs in seconds, exactly.
//!
//! What ships, wired as the template wires it: `NETWORKS` sources, each in its own /16, ask the
//! real request-reset handler for harvested addresses (each a real, active account) at their
//! per-IP limit (`RATE_LIMIT_IP_PER_MINUTE`, one request every 60/limit s, all in step) for an
//! hour. What the handler queues goes, signed, onto one first-in-first-out queue; the template's
//! worker instances (`SendRate` row of the rate) run the real `mail_worker::handle` with the
//! configuration's pace for reset links (`Paces`), each AWS call taking its set time (`AwsTimes`). Meanwhile
//! real users, each from a network of their own, ask for their own address once each, spread
//! over the hour, each right behind the sources' requests of a new minute (the worst moment):
//! the wait from their request to their mail reaching SES is what the flood costs them. Every budget is the template's default; only the send rate changes between rows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_worker::{SqsEvent, SqsMessage};
use reset_core::domain::mail_job::{Lane, SignedJob};
use reset_core::memory::{MemoryHashKeys, MemoryJobLedger, MemoryKeys, MemoryLimits, MemoryQueue};
use reset_core::ports::MailQueue;
use reset_core::{Adapters, DeliveryDeps, Deps, KeyCache, Paces};
use tokio::time::Instant;

use crate::worker_rates::{AwsTimes, Directory, Sent, Shape, Sim, Slow, StandInSes, account, address};

/// The attacker's networks (each one source, in a /16 of its own).
pub const NETWORKS: usize = 100;
/// How many harvested addresses the attacker asks for, round robin.
const VICTIMS: usize = 3000;
/// Real users, each asking once, evenly over the hour, from a network of their own.
const REAL_USERS: usize = 20;
const FLOOD_FOR: Duration = Duration::from_secs(3600);
const SECRET: &str = r#"{"current":"a","a":"key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}"#;
/// The hashing keys' secret (request-reset's keys; the jobs' MACs).
const HASHING_SECRET: &str = r#"{"current":"h","h":"hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#;
/// How often an idle worker instance looks at the queue (the event source's long poll).
const POLL: Duration = Duration::from_millis(100);

/// The one queue: request-reset's `MailQueue` and what the worker instances receive from.
#[derive(Clone, Default)]
pub struct FloodQueue(Arc<Mutex<(VecDeque<String>, usize)>>);

impl MailQueue for FloodQueue {
    async fn enqueue(&self, job: &SignedJob) -> anyhow::Result<()> {
        let mut queue = self.0.lock().unwrap();
        queue.0.push_back(job.body().to_owned());
        queue.1 += 1;
        Ok(())
    }
    async fn retry_after(&self, _lane: Lane, _receipt: &str, _delay_secs: u64) -> anyhow::Result<()> {
        Ok(())
    }
    fn lane_of(&self, _source_arn: &str) -> Option<Lane> {
        Some(Lane::Links)
    }
}

impl FloodQueue {
    fn receive(&self, batch: usize) -> Vec<String> {
        let jobs = &mut self.0.lock().unwrap().0;
        let n = jobs.len().min(batch);
        jobs.drain(..n).collect()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().0.len()
    }

    /// How many jobs were ever queued (receives do not lower it).
    fn queued(&self) -> usize {
        self.0.lock().unwrap().1
    }
}

/// request-reset's adapters here: the shared counters and the flood's queue; it reads no user.
pub struct Asking;

impl Adapters for Asking {
    type Users = ();
    type Limits = MemoryLimits;
    type Ledger = MemoryJobLedger;
    type Queue = FloodQueue;
    type Keys = MemoryKeys;
    type HashKeys = MemoryHashKeys;
}

/// What one hour of flooding did.
#[derive(Debug, Clone)]
pub struct Figures {
    pub rate: u32,
    pub requests: usize,
    /// Requests the per-IP budget refused (429).
    pub refused: usize,
    /// Jobs queued for the attacker's victims.
    pub victim_jobs: usize,
    pub victim_mails: usize,
    /// The most mails any one victim got.
    pub most_to_one_victim: usize,
    /// The most jobs any one attacker source queued.
    pub most_from_one_source: usize,
    /// The deepest the queue got.
    pub deepest_queue: usize,
    /// Each real user's wait from asking to the mail reaching SES (`None`: no mail, dropped as stale).
    pub real_waits: Vec<Option<Duration>>,
    pub budgets: reset_core::settings::RateLimits,
}

impl Figures {
    pub fn worst_real_wait(&self) -> Option<Duration> {
        self.real_waits.iter().copied().try_fold(Duration::ZERO, |worst, wait| wait.map(|w| worst.max(w)))
    }

    pub const HEADER: &str = "| SesMaxSendRate | requests (per-IP refused) | jobs queued for victims | most from one source | deepest queue | mails to victims | most to one victim | real users' mail: median / worst wait (unsent) |\n| --- | --- | --- | --- | --- | --- | --- | --- |";

    pub fn row(&self) -> String {
        let mut waits: Vec<Duration> = self.real_waits.iter().flatten().copied().collect();
        waits.sort();
        let unsent = self.real_waits.len() - waits.len();
        let median = waits.get(waits.len() / 2).copied().unwrap_or_default();
        let worst = waits.last().copied().unwrap_or_default();
        format!(
            "| {}/s | {} ({}) | {} | {} | {} | {} | {} | {:.1} s / {:.1} s ({unsent} of {}) |",
            self.rate,
            self.requests,
            self.refused,
            self.victim_jobs,
            self.most_from_one_source,
            self.deepest_queue,
            self.victim_mails,
            self.most_to_one_victim,
            median.as_secs_f64(),
            worst.as_secs_f64(),
            self.real_waits.len()
        )
    }
}

/// A source's request event with a stand-in address, serialized once (loading and rewriting the
/// event file per request would be most of the simulation's time): [`ask`] puts the address in.
fn event_from(source_ip: &str) -> String {
    let mut event = crate::helpers::request_event(STAND_IN);
    event["requestContext"]["http"]["sourceIp"] = source_ip.into();
    event.to_string()
}

const STAND_IN: &str = "stand-in@example.invalid";

async fn ask(deps: &Deps<Asking>, event: &str, email: &str) -> u16 {
    let request = lambda_http::request::from_str(&event.replace(STAND_IN, email)).expect("a request event");
    request_reset::handle(deps, request).await.expect("the handler is infallible").status().as_u16()
}

/// The real user `n`'s account index (after the victims').
fn real_user(n: usize) -> usize {
    VICTIMS + n
}

/// Runs one hour of flooding at send rate `rate` (a row of the template's `SendRate`), then lets
/// the queue drain.
pub async fn run(rate: u32) -> Figures {
    // Hours of windows on the paused clock: the counters' windows and the jobs' ages follow it.
    let _clock = reset_core::memory::follow_tokio_clock(1_800_000_000);
    let shape = Shape::from_template(rate);
    let config = shape.config();
    let settings = config.settings.clone();
    let budgets = settings.rate_limits;
    let aws = AwsTimes::default();
    let directory = Directory(Arc::new((0..VICTIMS + REAL_USERS).map(|n| (address(n), account(n))).collect()));
    let limits = MemoryLimits::default();
    let ledger = MemoryJobLedger::default();
    let queue = FloodQueue::default();
    let sends: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let start = Instant::now();
    let asking = Deps::<Asking> {
        limits: limits.clone(),
        queue: queue.clone(),
        hashing: KeyCache::load(MemoryHashKeys::new(HASHING_SECRET), config.key_cache_ttl).await,
        settings: settings.clone(),
    };

    let flooding = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut instances = tokio::task::JoinSet::new();
    for worker in 0..shape.concurrency {
        let deps: DeliveryDeps<Sim, _> = DeliveryDeps {
            common: Deps {
                limits: Slow { inner: limits.clone(), each: aws.dynamodb },
                queue: MemoryQueue::default(),
                hashing: KeyCache::load(MemoryHashKeys::new(HASHING_SECRET), config.key_cache_ttl).await,
                settings: settings.clone(),
            },
            signing: KeyCache::load(MemoryKeys::new(SECRET), config.key_cache_ttl).await,
            users: Slow { inner: directory.clone(), each: aws.dynamodb },
            ledger: Slow { inner: ledger.clone(), each: aws.dynamodb },
            mails: &reset_pages::MAILS,
            mailer: StandInSes { sends: sends.clone(), answer: aws.ses, worker },
            paces: Paces::new(config.link_send_interval, config.notice_send_interval),
        };
        let (queue, flooding) = (queue.clone(), flooding.clone());
        instances.spawn(async move {
            let mut retries = 0;
            loop {
                let bodies = queue.receive(shape.batch_size);
                if bodies.is_empty() {
                    if !flooding.load(std::sync::atomic::Ordering::SeqCst) {
                        return retries;
                    }
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                let mut event = SqsEvent::default();
                for (n, body) in bodies.into_iter().enumerate() {
                    let mut message = SqsMessage::default();
                    message.message_id = Some(format!("m-{worker}-{n}"));
                    message.receipt_handle = Some(format!("r-{worker}-{n}"));
                    message.body = Some(body);
                    message.attributes.insert("ApproximateReceiveCount".into(), "1".into());
                    event.records.push(message);
                }
                retries += mail_worker::handle(&deps, event).await.batch_item_failures.len();
            }
        });
    }

    // The flood, all sources in step at their per-IP pace, and the real users between them.
    let every = Duration::from_secs(60) / budgets.ip_per_minute;
    let real_every = FLOOD_FOR / REAL_USERS as u32;
    let mut asked_at: HashMap<usize, Instant> = HashMap::new();
    let sources: Vec<String> = (0..NETWORKS).map(|n| event_from(&format!("10.{n}.0.1"))).collect();
    let mut jobs_from: Vec<usize> = vec![0; NETWORKS];
    let (mut requests, mut refused, mut victim_jobs, mut deepest_queue, mut next_victim, mut next_real) = (0, 0, 0, 0, 0, 0);
    let mut tick = Duration::ZERO;
    while tick < FLOOD_FOR {
        tokio::time::sleep_until(start + tick).await;
        for (event, from) in sources.iter().zip(jobs_from.iter_mut()) {
            let before = queue.queued();
            let status = ask(&asking, event, &address(next_victim % VICTIMS)).await;
            requests += 1;
            next_victim += 1;
            match status {
                202 => {}
                429 => refused += 1,
                other => panic!("an attacker's request answered {other}"),
            }
            if queue.queued() > before {
                *from += 1;
                victim_jobs += 1;
            }
        }
        // A real user asks right behind the sources' requests of a new minute: the worst moment.
        while next_real < REAL_USERS && real_every * next_real as u32 <= tick {
            let n = real_user(next_real);
            asked_at.insert(n, Instant::now());
            assert_eq!(ask(&asking, &event_from(&format!("192.0.{next_real}.1")), &address(n)).await, 202, "a real user's request");
            next_real += 1;
        }
        deepest_queue = deepest_queue.max(queue.len());
        tick += every;
    }
    flooding.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut retries = 0;
    while let Some(done) = instances.join_next().await {
        retries += done.expect("a worker instance");
    }
    assert_eq!(retries, 0, "nothing failed for now in the simulation");

    let sends = sends.lock().unwrap().clone();
    let mut to_victim = vec![0usize; VICTIMS];
    let mut real_sent: HashMap<usize, Instant> = HashMap::new();
    for &(at, n, _) in &sends {
        if n < VICTIMS {
            to_victim[n] += 1;
        } else {
            assert!(real_sent.insert(n, at).is_none(), "a real user got two mails");
        }
    }
    Figures {
        rate,
        requests,
        refused,
        victim_jobs,
        victim_mails: to_victim.iter().sum(),
        most_to_one_victim: to_victim.iter().copied().max().unwrap_or_default(),
        most_from_one_source: jobs_from.iter().copied().max().unwrap_or_default(),
        deepest_queue,
        real_waits: (0..REAL_USERS).map(real_user).map(|n| real_sent.get(&n).map(|&sent| sent - asked_at[&n])).collect(),
        budgets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What holds at every rate: the mail strangers can make others receive stays within the
    /// budgets, whatever the worker's speed.
    fn assert_within_the_budgets(f: &Figures) {
        let b = f.budgets;
        println!("{}\n{}", Figures::HEADER, f.row());
        assert_eq!(f.refused, 0, "the sources asked at their per-IP limit, not above it: {}", f.row());
        assert!(f.most_from_one_source as u32 <= b.source_jobs_per_hour, "{}", f.row());
        assert!(f.victim_jobs <= NETWORKS * b.source_jobs_per_hour as usize, "{}", f.row());
        assert!(f.victim_mails <= f.victim_jobs && f.most_to_one_victim as u32 <= b.email_per_day_total, "{}", f.row());
    }

    /// 100 sources at 3 jobs a minute queue 300 jobs each minute, which 14 mails a second clear
    /// in about 21 s: a real user's mail waits for at most that much, never a minute.
    #[tokio::test(start_paused = true)]
    async fn a_flood_from_a_hundred_networks_at_14_a_second_delays_no_real_users_mail_past_a_minute() {
        let f = run(14).await;
        assert_within_the_budgets(&f);
        assert!(f.worst_real_wait().is_some_and(|w| w <= Duration::from_secs(60)), "{}", f.row());
    }

    /// At the template's default of 1 mail a second (an SES sandbox's rate), 100 sources at 3
    /// jobs a minute queue 5 a second for ten minutes: no budget that still lets a person ask
    /// twice keeps that below the rate, so real users' mail waits for minutes or goes stale, and
    /// most of the victims' jobs are dropped as stale. This pins that known limit (README,
    /// "Floods"): production needs the account's real send rate. A fix makes this test fail.
    #[tokio::test(start_paused = true)]
    async fn a_flood_from_a_hundred_networks_at_1_a_second_keeps_real_users_waiting_for_minutes() {
        let f = run(1).await;
        assert_within_the_budgets(&f);
        assert!(f.worst_real_wait().is_none_or(|w| w > Duration::from_secs(5 * 60)), "{}", f.row());
        assert!(f.victim_mails < f.victim_jobs, "{}", f.row());
    }
}
