//! Rate limits: per address in the mail worker (same answer, no mail; per requester network, so one
//! requester cannot spend another's budget), per source IP at the edge (429 with Retry-After),
//! atomic under concurrency against DynamoDB (moto).

use reset_core::settings::RateLimits;
use reset_tests::stack::DEMO_EMAIL;

use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, confirm_event, request_event};

async fn app_with(limits: RateLimits) -> MemoryApp {
    let mut app = MemoryApp::new().await;
    app.deps.settings.rate_limits = limits;
    app
}

#[tokio::test]
async fn an_address_gets_one_mail_a_minute_and_the_same_answer_every_time() {
    let app = app_with(RateLimits::default()).await;
    let first = app.call(&request_event(DEMO_EMAIL)).await;
    let again = app.call(&request_event(DEMO_EMAIL)).await;
    let other = app.call(&request_event("nobody@example.com")).await;
    for reply in [&again, &other] {
        assert_eq!((reply.status, &reply.headers, &reply.body), (first.status, &first.headers, &first.body));
    }
    assert_eq!(app.mails().await.len(), 1, "the second request within the minute sends nothing");
}

#[tokio::test]
async fn an_address_gets_at_most_the_daily_number_of_mails() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 5, email_per_day_total: 20, ip_per_minute: 100 }).await;
    for _ in 0..8 {
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    }
    assert_eq!(app.mails().await.len(), 5);
}

fn request_from(email: &str, source_ip: &str) -> serde_json::Value {
    let mut event = request_event(email);
    event["requestContext"]["http"]["sourceIp"] = source_ip.into();
    event
}

/// The daily budget is per (address, requester network): an attacker who spends it for the
/// owner's address (from any address of its /24) does not stop the owner's mail from elsewhere.
#[tokio::test]
async fn a_requester_over_its_budget_does_not_stop_another_requesters_mail() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 3, email_per_day_total: 20, ip_per_minute: 100 }).await;
    for n in 0..10 {
        assert_eq!(app.call(&request_from(DEMO_EMAIL, &format!("203.0.113.{n}"))).await.status, 202);
    }
    assert_eq!(app.mails().await.len(), 3, "the attacker's network got its 3");
    // Over IPv6 the network is the /64.
    for suffix in ["1", "ffff:1", "abcd:ef01:2345:6789"] {
        assert_eq!(app.call(&request_from(DEMO_EMAIL, &format!("2001:db8:7:7::{suffix}"))).await.status, 202);
    }
    assert_eq!(app.call(&request_from(DEMO_EMAIL, "198.51.100.20")).await.status, 202);
    let mails = app.mails().await;
    assert_eq!(mails.len(), 3 + 3 + 1, "the other networks still get their mail");
    assert!(mails.iter().all(|m| m.to.as_ref() == DEMO_EMAIL));
    // Nothing in the counters names an address or a network.
    let keys = app.limits.keys();
    assert!(keys.iter().all(|k| !k.contains("example.com") && !k.contains("203.0.113") && !k.contains("2001:db8")), "{keys:?}");
}

/// Many networks together still meet a global daily cap per address, which logs a metric.
#[tokio::test]
async fn an_address_meets_its_global_daily_cap_with_a_metric() {
    let logs = crate::helpers::capture_logs();
    let run = crate::helpers::unique("global-cap");
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 2, email_per_day_total: 5, ip_per_minute: 100 }).await;
    use tracing::Instrument as _;
    async {
        for n in 0..8 {
            assert_eq!(app.call(&request_from(DEMO_EMAIL, &format!("192.0.{n}.1"))).await.status, 202);
        }
        assert_eq!(app.mails().await.len(), 5, "eight networks, one mail each, until the cap of 5");
    }
    .instrument(tracing::info_span!("test", run = %run))
    .await;
    let records = logs.records_of(&run);
    assert_eq!(records.matches("metric=\"email_daily_cap_reached\"").count(), 3, "{records}");
}

#[tokio::test]
async fn a_source_ip_over_its_budget_gets_429_with_retry_after_on_both_endpoints() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 100, email_per_day_total: 100, ip_per_minute: 3 }).await;
    let token = app.token_for_demo().await; // spends one
    assert_eq!(app.call(&request_event("a@example.com")).await.status, 202);
    assert_eq!(app.call(&request_event("b@example.com")).await.status, 202);
    for event in [request_event("c@example.com"), confirm_event(&token, NEW_PASSWORD)] {
        let reply = app.call(&event).await;
        assert_eq!((reply.status, reply.error_code().as_deref()), (429, Some("too_many_requests")), "{}", reply.body);
        let retry: u64 = reply.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
        assert!((1..=60).contains(&retry), "{retry}");
    }
    // Another source still gets through.
    let mut elsewhere = request_event("d@example.com");
    elsewhere["requestContext"]["http"]["sourceIp"] = "198.51.100.9".into();
    assert_eq!(app.call(&elsewhere).await.status, 202);
}

/// An IPv6 source cannot multiply its budget by changing the low 64 bits of its address: its
/// /64 has one budget (the next /64 has its own).
#[tokio::test]
async fn an_ipv6_source_gets_one_budget_per_64() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 100, email_per_day_total: 100, ip_per_minute: 3 }).await;
    let statuses: Vec<u16> = futures::future::join_all((1..=5).map(|n| {
        let event = request_from(&format!("u{n}@example.com"), &format!("2001:db8:7:7::{n:x}"));
        let app = &app;
        async move { app.call(&event).await.status }
    }))
    .await;
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2, "{statuses:?}");
    assert_eq!(app.call(&request_from("v@example.com", "2001:db8:7:8::1")).await.status, 202, "another /64");
}

/// Fifty requests for one address, each its own task with its own clients, released together,
/// then their fifty jobs delivered by five workers at once (each its own clients): the
/// per-address counter's conditional write lets exactly one through. (moto serves one call at a
/// time, as DynamoDB applies conditional writes one at a time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_requests_for_one_address_send_exactly_one_mail() {
    let logs = crate::helpers::capture_logs();
    let app = MotoApp::start_with(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "1"), ("RATE_LIMIT_EMAIL_PER_DAY", "5")]).await;
    crate::helpers::clear_of_a_minute_boundary().await;
    let run = crate::helpers::unique("address-race");
    let replies = crate::helpers::race(&app.stack, vec![request_event(DEMO_EMAIL); 50], &run).await;
    for reply in &replies {
        assert_eq!((reply.status, &reply.headers, &reply.body), (202, &replies[0].headers, &replies[0].body), "one answer for all");
    }
    assert_eq!(crate::helpers::race_workers(&app.stack, 5, &run).await, 50, "every job was handed out");
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(mails[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
    let logs = logs.text();
    let limited = logs.lines().filter(|l| l.contains(&run) && l.contains("outcome=\"rate_limited\"")).count();
    let sent = logs.lines().filter(|l| l.contains(&run) && l.contains("outcome=\"sent\"")).count();
    assert_eq!((sent, limited), (1, 49), "one request counted and sent, the other 49 refused by the counter");
}
