//! Rate limits: per address in the mail worker (same answer, no mail; per requester network, so one
//! requester cannot spend another's budget), per source IP at the edge (429 with Retry-After),
//! atomic under concurrency against DynamoDB (moto).
//!
//! The counters are per fixed window (a calendar minute, a UTC day). A test whose outcome depends
//! on its hits sharing one window runs inside [`in_one_window`], which runs it again if a window
//! turned over while it ran, so no test here depends on when in a minute it starts.

use std::future::Future;
use std::sync::Arc;

use reset_aws::{DEFAULT_LIMITS_TABLE, DynamoLimits};
use reset_core::ports::{CountHits as _, Hit};
use reset_core::settings::RateLimits;
use reset_local::stack::{DEMO_EMAIL, GENEROUS_LIMITS, Stack};
use serde_json::Value;
use tracing::Instrument as _;

use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, RESET_PAGE, confirm_event, request_event};

pub(crate) const MINUTE: u64 = 60;
pub(crate) const DAY: u64 = 86_400;

/// Runs `test` and hands back what it saw, from a run that started and ended in one window of
/// `window_secs` (the budgets' windows are aligned, so a day's boundary is a minute's too). A run
/// that straddles a boundary saw two windows' budgets and proves nothing either way, so it is run
/// again; a run shorter than half the window straddles at most one boundary in two runs. `test`
/// must start from a fresh app each time and leave its window-dependent assertions to the caller.
pub(crate) async fn in_one_window<T, Fut: Future<Output = T>>(window_secs: u64, mut test: impl FnMut() -> Fut) -> T {
    for _ in 0..3 {
        let started = reset_core::unix_now();
        let seen = test().await;
        let ended = reset_core::unix_now();
        if started / window_secs == ended / window_secs {
            return seen;
        }
        eprintln!("a {window_secs} s window turned over during the run ({started} to {ended}); running it again");
    }
    panic!("three runs in a row straddled a {window_secs} s window boundary: the test is too slow for its window")
}

async fn app_with(limits: RateLimits) -> MemoryApp {
    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.rate_limits = limits);
    app
}

#[tokio::test]
async fn an_address_gets_one_mail_a_minute_and_the_same_answer_every_time() {
    let (first, again, other, mails) = in_one_window(MINUTE, || async {
        let app = app_with(RateLimits::default()).await;
        let first = app.call(&request_event(DEMO_EMAIL)).await;
        let again = app.call(&request_event(DEMO_EMAIL)).await;
        let other = app.call(&request_event("nobody@example.com")).await;
        (first, again, other, app.mails().await.len())
    })
    .await;
    for reply in [&again, &other] {
        assert_eq!((reply.status, &reply.headers, &reply.body), (first.status, &first.headers, &first.body));
    }
    assert_eq!(mails, 1, "the second request within the minute sends nothing");
}

#[tokio::test]
async fn an_address_gets_at_most_the_daily_number_of_mails() {
    let (statuses, mails) = in_one_window(DAY, || async {
        let app = app_with(RateLimits {
            email_per_minute: 100,
            email_per_day: 5,
            email_per_day_total: 20,
            ip_per_minute: 100,
            source_jobs_per_minute: 10_000,
            source_jobs_per_hour: 10_000,
            source_jobs_per_day: 10_000,
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(app.call(&request_event(DEMO_EMAIL)).await.status);
        }
        (statuses, app.mails().await.len())
    })
    .await;
    assert_eq!(statuses, [202; 8]);
    assert_eq!(mails, 5);
}

fn request_from(email: &str, source_ip: &str) -> serde_json::Value {
    let mut event = request_event(email);
    event["requestContext"]["http"]["sourceIp"] = source_ip.into();
    event
}

/// The daily budget is per (address, requester network): an attacker who spends it for the
/// owner's address (from any address of its /16) does not stop the owner's mail from elsewhere.
#[tokio::test]
async fn a_requester_over_its_budget_does_not_stop_another_requesters_mail() {
    let (statuses, attackers_mails, mails, keys) = in_one_window(DAY, || async {
        let app = app_with(RateLimits {
            email_per_minute: 100,
            email_per_day: 3,
            email_per_day_total: 20,
            ip_per_minute: 100,
            source_jobs_per_minute: 10_000,
            source_jobs_per_hour: 10_000,
            source_jobs_per_day: 10_000,
        })
        .await;
        let mut statuses = Vec::new();
        for n in 0..10 {
            statuses.push(app.call(&request_from(DEMO_EMAIL, &format!("203.0.113.{n}"))).await.status);
        }
        let attackers_mails = app.mails().await.len();
        // Over IPv6 the network is the /48: three /64s of one site are one requester.
        for subnet in ["7", "ffff", "abcd:ef01:2345:6789"] {
            statuses.push(app.call(&request_from(DEMO_EMAIL, &format!("2001:db8:7:{subnet}::1"))).await.status);
        }
        statuses.push(app.call(&request_from(DEMO_EMAIL, "198.51.100.20")).await.status);
        (statuses, attackers_mails, app.mails().await, app.limits.keys())
    })
    .await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(attackers_mails, 3, "the attacker's network got its 3");
    assert_eq!(mails.len(), 3 + 3 + 1, "the other networks still get their mail");
    assert!(mails.iter().all(|m| m.to.as_ref() == DEMO_EMAIL));
    // Nothing in the counters names an address or a network.
    assert!(keys.iter().all(|k| !k.contains("example.com") && !k.contains("203.0.113") && !k.contains("2001:db8")), "{keys:?}");
}

/// Many networks together still meet a global daily cap per address, which logs a metric.
#[tokio::test]
async fn an_address_meets_its_global_daily_cap_with_a_metric() {
    let logs = crate::helpers::capture_logs();
    let (statuses, mails, records) = in_one_window(DAY, || async {
        let run = crate::helpers::unique("global-cap");
        let app = app_with(RateLimits {
            email_per_minute: 100,
            email_per_day: 2,
            email_per_day_total: 5,
            ip_per_minute: 100,
            source_jobs_per_minute: 10_000,
            source_jobs_per_hour: 10_000,
            source_jobs_per_day: 10_000,
        })
        .await;
        let (statuses, mails) = async {
            let mut statuses = Vec::new();
            for n in 0..8 {
                statuses.push(app.call(&request_from(DEMO_EMAIL, &format!("192.{n}.0.1"))).await.status);
            }
            (statuses, app.mails().await.len())
        }
        .instrument(tracing::info_span!("test", run = %run))
        .await;
        (statuses, mails, logs.records_of(&run))
    })
    .await;
    assert_eq!(statuses, [202; 8]);
    assert_eq!(mails, 5, "eight networks, one mail each, until the cap of 5");
    assert_eq!(records.matches("metric=\"email_daily_cap_reached\"").count(), 3, "{records}");
}

/// Sleeps into the window after the one `at` falls in (a second past its start).
pub(crate) async fn until_the_window_after(at: u64, window_secs: u64) {
    let next = (at / window_secs + 1) * window_secs + 1;
    tokio::time::sleep(std::time::Duration::from_secs(next.saturating_sub(reset_core::unix_now()))).await;
}

/// Twenty requests for the demo address: five hosts in each of four /16s.
fn strangers_asking_together() -> Vec<Value> {
    let networks = ["198.18", "198.19", "203.0", "192.0"];
    networks.iter().flat_map(|network| (1..=5).map(move |host| request_from(DEMO_EMAIL, &format!("{network}.{host}.7")))).collect()
}

/// Strangers in four networks ask five times each for one address within a minute: one mail goes
/// out, the address's per-minute budget is spent, and its daily cap counts that one mail. The
/// owner, asking from a fifth network once the minute has passed, gets a mail (when the cap
/// counted requests, theirs was spent for the day). Default budgets.
#[tokio::test]
async fn strangers_asking_together_from_many_networks_spend_a_minute_not_the_owners_day() {
    let (app, statuses, strangers_mails, ended) = in_one_window(MINUTE, || async {
        let app = app_with(RateLimits::default()).await;
        let mut statuses = Vec::new();
        for request in strangers_asking_together() {
            statuses.push(app.call(&request).await.status);
        }
        let mails = app.mails().await.len();
        (app, statuses, mails, reset_core::unix_now())
    })
    .await;
    assert_eq!(statuses, [202; 20]);
    assert_eq!(strangers_mails, 1, "one mail for twenty requests in one minute");
    until_the_window_after(ended, MINUTE).await;
    assert_eq!(app.call(&request_from(DEMO_EMAIL, "100.64.1.1")).await.status, 202);
    assert_eq!(app.mails().await.len(), 2, "the owner's own request, a minute later, sends a mail");
}

/// The same end to end: the shipped wiring of both functions over moto (the counters in
/// DynamoDB, the jobs through SQS, the mail through SES), at the default budgets, requests from
/// chosen networks as API Gateway reports them.
#[tokio::test]
async fn end_to_end_strangers_from_many_networks_do_not_silence_the_owner_for_the_day() {
    let d = RateLimits::default();
    let limits = [
        ("RATE_LIMIT_EMAIL_PER_MINUTE", d.email_per_minute.to_string()),
        ("RATE_LIMIT_EMAIL_PER_DAY", d.email_per_day.to_string()),
        ("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", d.email_per_day_total.to_string()),
        ("RATE_LIMIT_IP_PER_MINUTE", d.ip_per_minute.to_string()),
    ];
    let overrides: Vec<(&str, &str)> = limits.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (app, statuses, strangers_mails, ended) = in_one_window(MINUTE, || async {
        let app = MotoApp::start_with(&overrides).await;
        let mut statuses = Vec::new();
        for request in strangers_asking_together() {
            statuses.push(app.call(&request).await.status);
        }
        let mails = app.mails().await.len();
        (app, statuses, mails, reset_core::unix_now())
    })
    .await;
    assert_eq!(statuses, [202; 20]);
    assert_eq!(strangers_mails, 1, "one mail for twenty requests in one minute");
    until_the_window_after(ended, MINUTE).await;
    let before = app.mails().await.len();
    assert_eq!(app.call(&request_from(DEMO_EMAIL, "100.64.2.2")).await.status, 202);
    assert_eq!(app.mails().await.len() - before, 1, "the owner's own request, a minute later, sends a mail");
}

/// A source queues at most its job budget per hour and per day, whatever the addresses (a
/// harvested list): over it, the same answer, nothing queued, a metric; another host of the same
/// /16 (a carrier's NAT pool, say) still queues.
#[tokio::test]
async fn a_source_over_its_job_budget_gets_the_same_answer_and_queues_nothing() {
    let logs = crate::helpers::capture_logs();
    for (per_hour, per_day, budget) in [(3, 100, 3), (100, 4, 4)] {
        let (replies, queued, elsewhere, records) = in_one_window(3600, || async {
            let run = crate::helpers::unique("source-budget");
            let app = app_with(RateLimits { source_jobs_per_hour: per_hour, source_jobs_per_day: per_day, ..GENEROUS_LIMITS }).await;
            let (replies, queued, elsewhere) = async {
                let mut replies = Vec::new();
                // Six addresses from one host.
                for n in 0..6 {
                    replies.push(app.call(&request_from(&format!("harvested{n}@example.com"), "198.51.100.7")).await);
                }
                let queued = app.queue.queued().len();
                assert_eq!(app.call(&request_from("someone@example.com", "198.51.100.8")).await.status, 202);
                (replies, queued, app.queue.queued().len() - queued)
            }
            .instrument(tracing::info_span!("test", run = %run))
            .await;
            (replies, queued, elsewhere, logs.records_of(&run))
        })
        .await;
        let first = &replies[0];
        for reply in &replies {
            assert_eq!((reply.status, &reply.headers, &reply.body), (202, &first.headers, &first.body), "the same answer over the budget");
        }
        assert_eq!(queued, budget, "{per_hour} an hour, {per_day} a day");
        assert_eq!(elsewhere, 1, "another host's request is queued");
        assert_eq!(records.matches("metric=\"source_job_budget_reached\"").count(), 6 - budget, "{records}");
    }
}

#[tokio::test]
async fn a_source_ip_over_its_budget_gets_429_with_retry_after_on_both_endpoints() {
    let (allowed, refused, elsewhere) = in_one_window(MINUTE, || async {
        let app = app_with(RateLimits {
            email_per_minute: 100,
            email_per_day: 100,
            email_per_day_total: 100,
            ip_per_minute: 3,
            source_jobs_per_minute: 10_000,
            source_jobs_per_hour: 10_000,
            source_jobs_per_day: 10_000,
        })
        .await;
        let token = app.token_for_demo().await; // spends one
        let allowed = [app.call(&request_event("a@example.com")).await.status, app.call(&request_event("b@example.com")).await.status];
        let mut refused = Vec::new();
        for event in [request_event("c@example.com"), confirm_event(&token, NEW_PASSWORD)] {
            refused.push(app.call(&event).await);
        }
        // Another source still gets through.
        let elsewhere = app.call(&request_from("d@example.com", "198.51.100.9")).await.status;
        (allowed, refused, elsewhere)
    })
    .await;
    assert_eq!(allowed, [202, 202]);
    for reply in refused {
        assert_eq!((reply.status, reply.error_code().as_deref()), (429, Some("too_many_requests")), "{}", reply.body);
        let retry: u64 = reply.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
        assert!((1..=60).contains(&retry), "{retry}");
    }
    assert_eq!(elsewhere, 202);
}

/// An IPv6 source cannot multiply its budget by changing the low 64 bits of its address: its
/// /64 has one budget (the next /64 has its own).
#[tokio::test]
async fn an_ipv6_source_gets_one_budget_per_64() {
    let (statuses, next_64) = in_one_window(MINUTE, || async {
        let app = app_with(RateLimits {
            email_per_minute: 100,
            email_per_day: 100,
            email_per_day_total: 100,
            ip_per_minute: 3,
            source_jobs_per_minute: 10_000,
            source_jobs_per_hour: 10_000,
            source_jobs_per_day: 10_000,
        })
        .await;
        let statuses: Vec<u16> = futures::future::join_all((1..=5).map(|n| {
            let event = request_from(&format!("u{n}@example.com"), &format!("2001:db8:7:7::{n:x}"));
            let app = &app;
            async move { app.call(&event).await.status }
        }))
        .await;
        (statuses, app.call(&request_from("v@example.com", "2001:db8:7:8::1")).await.status)
    })
    .await;
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    assert_eq!(next_64, 202, "another /64");
}

/// Fifty requests for one address, each its own task with its own clients, released together,
/// then their fifty jobs delivered by five worker instances released together (each its own
/// clients, one message at a time, as one Lambda instance handles its batch): the per-address
/// counter's conditional write lets exactly one through. At least two instances must have handled
/// the address's jobs, or the counter was never raced; two instances handling jobs does not prove
/// their hits overlapped, so a read-then-write counter fails this test often, not always (7 runs
/// in 8). The proof of atomicity is `fifty_concurrent_hits_on_one_counter_allow_exactly_one`,
/// whose hits are released at once; this one shows the whole path. The budget raced is the daily one, set to 1
/// (the one-a-minute budget stays behind it), so a minute turning over mid-run changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_requests_for_one_address_send_exactly_one_mail() {
    let logs = crate::helpers::capture_logs();
    let (replies, handed, mails, left, run) = in_one_window(DAY, || async {
        let app = MotoApp::start_with(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "1"), ("RATE_LIMIT_EMAIL_PER_DAY", "1")]).await;
        let run = crate::helpers::unique("address-race");
        let replies = crate::helpers::race(&app.stack, vec![request_event(DEMO_EMAIL); 50], &run).await;
        let handed = workers_together(&app.stack, 5, &run).await;
        (replies, handed, app.stack.mails().unwrap(), app.stack.queue.depth().await.unwrap(), run)
    })
    .await;
    for reply in &replies {
        assert_eq!((reply.status, &reply.headers, &reply.body), (202, &replies[0].headers, &replies[0].body), "one answer for all");
    }
    // At least once each: on a loaded machine a batch can outlast the queue's 30 s visibility
    // timeout, and SQS then hands a message out again; the ledger makes that a duplicate (below:
    // still one mail, and each of the 50 jobs settled once as sent or limited).
    assert!(handed.iter().sum::<usize>() >= 50, "every job was handed out: {handed:?}");
    assert_eq!(left, 0, "no job is left to come back and send later");
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(mails[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
    let logs = logs.text();
    let settled: Vec<&str> = logs.lines().filter(|l| l.contains(&run) && l.contains("audit=\"reset_mail\"")).collect();
    let sent = settled.iter().filter(|l| l.contains("outcome=\"sent\"")).count();
    let limited = settled.iter().filter(|l| l.contains("outcome=\"rate_limited\"")).count();
    assert_eq!((sent, limited), (1, 49), "one job counted and sent, the other 49 refused by the counter");
    let by_worker: Vec<usize> = (0..5).map(|n| settled.iter().filter(|l| l.contains(&format!(" worker={n}}}"))).count()).collect();
    assert!(by_worker.iter().filter(|n| **n > 0).count() >= 2, "the address's jobs were not spread over two instances: {by_worker:?}");
}

/// A run that straddles a window boundary is run again, and only a whole run's observations count.
#[tokio::test]
async fn a_run_that_straddles_a_window_boundary_is_run_again() {
    let mut runs = 0;
    let straddled = in_one_window(1, || {
        runs += 1;
        let first = runs == 1;
        async move {
            if first {
                tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            }
            first
        }
    })
    .await;
    assert!(!straddled, "the straddling run's observations were kept");
    assert!((2..=3).contains(&runs), "{runs} runs");
}

/// `workers` mail workers on `stack`'s queue, released together (see
/// [`reset_local::queue::MailQueues::deliver_together`]), each with its own clients and its log
/// lines in a span carrying `run` and its number. Returns how many messages each was handed.
async fn workers_together(stack: &Stack, workers: usize, run: &str) -> Vec<usize> {
    let mut each = Vec::new();
    for n in 0..workers {
        let deps = Arc::new(crate::helpers::mail_worker(stack).await);
        let span = tracing::info_span!("race", run = %run, worker = n);
        each.push(move |event: Value| {
            let deps = deps.clone();
            async move {
                let event: mail_worker::SqsEvent = serde_json::from_value(event)?;
                Ok(serde_json::to_value(mail_worker::handle(&*deps, event).await)?)
            }
            .instrument(span.clone())
        });
    }
    stack.queue.deliver_together(each).await.expect("the mail queue can be read")
}

/// Fifty hits on one counter with room for one, each its own task with its own DynamoDB client,
/// released together by a barrier against moto: exactly one is allowed, and the counter holds 1.
/// (The time is passed in, so all fifty fall in one window whatever the clock does.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_hits_on_one_counter_allow_exactly_one() {
    let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
    let now = reset_core::unix_now();
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let limits = DynamoLimits::new(aws_sdk_dynamodb::Client::new(&stack.sdk), DEFAULT_LIMITS_TABLE.into());
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                limits.hit("email#race#60", 1, MINUTE, now).await.expect("moto answers")
            })
        })
        .collect();
    let mut hits = Vec::new();
    for task in tasks {
        hits.push(task.await.expect("a racing hit panicked"));
    }
    let allowed = hits.iter().filter(|h| **h == Hit::Allowed).count();
    let limited = hits.iter().filter(|h| matches!(h, Hit::Limited { retry_after } if (1..=MINUTE).contains(retry_after))).count();
    assert_eq!((allowed, limited), (1, 49), "{hits:?}");
    let (start, _) = reset_core::ports::window(now, MINUTE);
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(DEFAULT_LIMITS_TABLE)
        .key("key", aws_sdk_dynamodb::types::AttributeValue::S(format!("email#race#60#{start}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the counter");
    assert_eq!(item["count"].as_n().unwrap(), "1", "the counter never passed its limit");
}

/// The mail workers' shared send slot on DynamoDB (moto): ten workers asking at one moment get one
/// slot among them, and the others are told how long until the next (the taken one plus the gap,
/// read from the failed condition's item); a gap later one more is taken. The item holds no address.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_workers_asking_for_one_shared_send_slot_at_once_get_one_and_learn_when_the_next_comes() {
    use reset_core::ports::SharedSlots;
    let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
    let now = 1_900_000_000_000u64;
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let slots = DynamoLimits::new(aws_sdk_dynamodb::Client::new(&stack.sdk), DEFAULT_LIMITS_TABLE.into());
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                slots.take(1000, now).await.expect("moto answers")
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a racing take panicked"));
    }
    let taken = answers.iter().filter(|a| a.is_none()).count();
    let told = answers.iter().filter(|a| **a == Some(std::time::Duration::from_millis(1000))).count();
    assert_eq!((taken, told), (1, 9), "{answers:?}");
    let slots = DynamoLimits::new(stack.dynamodb(), DEFAULT_LIMITS_TABLE.into());
    assert_eq!(slots.take(1000, now + 999).await.expect("moto answers"), Some(std::time::Duration::from_millis(1)), "one ms early");
    assert_eq!(slots.take(1000, now + 1000).await.expect("moto answers"), None, "a gap after the last");
    assert_eq!(slots.take(1000, now + 1500).await.expect("moto answers"), Some(std::time::Duration::from_millis(500)), "the last is the new one");
    // An ask that lands late (its time 2 s old, an SDK retry) does not take over the newer slot.
    assert_eq!(slots.take(1000, now - 1000).await.expect("moto answers"), Some(std::time::Duration::from_millis(3000)), "a late ask waits");
    // An item dated an hour ahead of the asker (a clock far ahead, or written from outside) is
    // taken over at once.
    assert_eq!(slots.take(1000, now - 3_600_000).await.expect("moto answers"), None, "a slot dated far ahead does not hold");
    assert_eq!(slots.take(1000, now + 1000).await.expect("moto answers"), None, "and the hour-old clock's slot is the last");
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(DEFAULT_LIMITS_TABLE)
        .key("key", aws_sdk_dynamodb::types::AttributeValue::S("send-slot".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the slot's item");
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["expires_at", "key", "taken_at"]);
    assert_eq!(item["taken_at"].as_n().unwrap(), &(now + 1000).to_string());
    assert!(item["expires_at"].as_n().unwrap().parse::<u64>().unwrap() > (now + 1000) / 1000, "TTL in seconds, after the slot");
}
