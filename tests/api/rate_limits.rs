//! Rate limits: per address (same answer, no mail), per source IP (429 with Retry-After), atomic
//! under concurrency against DynamoDB (moto).

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
    assert_eq!(app.mailer.sent().len(), 1, "the second request within the minute sends nothing");
}

#[tokio::test]
async fn an_address_gets_at_most_the_daily_number_of_mails() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 5, ip_per_minute: 100 }).await;
    for _ in 0..8 {
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    }
    assert_eq!(app.mailer.sent().len(), 5);
}

#[tokio::test]
async fn a_source_ip_over_its_budget_gets_429_with_retry_after_on_both_endpoints() {
    let app = app_with(RateLimits { email_per_minute: 100, email_per_day: 100, ip_per_minute: 3 }).await;
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

/// Fifty requests for one address, each its own task with its own clients, released together:
/// the per-address counter's conditional write lets exactly one through. (moto serves one call at
/// a time, as DynamoDB applies conditional writes one at a time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_requests_for_one_address_send_exactly_one_mail() {
    let logs = crate::helpers::capture_logs();
    let app = MotoApp::start_with(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "1"), ("RATE_LIMIT_EMAIL_PER_DAY", "5")]).await;
    let run = crate::helpers::unique("address-race");
    let replies = crate::helpers::race(&app.stack, vec![request_event(DEMO_EMAIL); 50], &run).await;
    for reply in &replies {
        assert_eq!((reply.status, &reply.headers, &reply.body), (202, &replies[0].headers, &replies[0].body), "one answer for all");
    }
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(mails[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
    let logs = logs.text();
    let limited = logs.lines().filter(|l| l.contains(&run) && l.contains("outcome=\"rate_limited\"")).count();
    let sent = logs.lines().filter(|l| l.contains(&run) && l.contains("outcome=\"sent\"")).count();
    assert_eq!((sent, limited), (1, 49), "one request counted and sent, the other 49 refused by the counter");
}
