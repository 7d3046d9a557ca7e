//! The mail worker: its SQS events, retries with back-off, dead letters, duplicates, stale and
//! poison messages, permanent refusals, the queue failing under request-reset, and the
//! password-changed notice going through its own queue, never behind a flood of reset links. In memory for the decisions, against
//! moto (real SQS, DynamoDB and SES calls, with a proxy that makes SES throttle) for the rest.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reset_aws::SesMailer;
use reset_core::domain::mail_job::{ChangedJob, Lane, MailJob, ResetLinkJob, new_job_id};
use reset_core::reset_token::HashRing;
use reset_core::{Delivery, DeliveryDeps, Settled};
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID, MAX_RECEIVES};
use reset_wiring::Aws;
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::events::{self, SQS_EXPECTED};
use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, call, capture_logs, confirm_event, request_event, unique};

pub(crate) fn reset_job(email: &str, requested_at: u64) -> MailJob {
    MailJob::ResetLink(ResetLinkJob {
        id: new_job_id().unwrap(),
        email: email.into(),
        requester: "test-requester".into(),
        request_id: None,
        requested_at,
        locale: None,
    })
}

/// The body a function holding `ring` queues for `job`.
pub(crate) fn signed(job: MailJob, ring: &HashRing) -> String {
    job.sign(ring).unwrap().body().to_owned()
}

/// One SQS record carrying `job`, handed out for the `receives`-th time.
fn sqs_event(bodies: &[String], receives: u32) -> mail_worker::SqsEvent {
    sqs_event_from(None, bodies, receives)
}

/// [`sqs_event`] as the event source of the queue whose ARN is `queue` hands it out.
fn sqs_event_from(queue: Option<&str>, bodies: &[String], receives: u32) -> mail_worker::SqsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| {
            json!({
                "messageId": format!("m-{n}"),
                "receiptHandle": format!("r-{n}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": receives.to_string()},
                "eventSource": "aws:sqs",
                "eventSourceARN": queue,
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn failures(response: &mail_worker::SqsBatchResponse) -> Vec<String> {
    response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect()
}

#[tokio::test]
async fn sqs_events_give_their_documented_batch_answers() {
    for expected in SQS_EXPECTED {
        let app = MemoryApp::new().await;
        let event = serde_json::from_value(events::fresh(events::load(expected.file), &app.hash_ring().await)).unwrap();
        let response = mail_worker::handle(&app.deps.worker, event).await;
        assert_eq!(response.batch_item_failures.len(), expected.failures, "{}", expected.file);
        let mails = app.mailer.sent();
        assert_eq!(mails.iter().filter(|m| m.to.as_ref() == DEMO_EMAIL).count(), expected.mails_demo_user, "{}", expected.file);
        assert_eq!(mails.len(), expected.mails_demo_user, "{}: mail only to the demo user", expected.file);
    }
}

/// A send that fails for now reports the message as failed and makes it come back after a
/// back-off that doubles per receive (30 s, 60 s, 120 s ...); the rest of the batch goes on.
#[tokio::test]
async fn a_failing_send_is_reported_and_comes_back_after_a_growing_back_off() {
    let app = MemoryApp::new().await;
    app.mailer.outage.set(true);
    let ring = app.hash_ring().await;
    for receives in 1..=3 {
        let bodies = [reset_job(DEMO_EMAIL, reset_core::unix_now()), reset_job("nobody@example.com", reset_core::unix_now())].map(|job| signed(job, &ring));
        let response = mail_worker::handle(&app.deps.worker, sqs_event(&bodies, receives)).await;
        assert_eq!(failures(&response), ["m-0"], "only the known address needed the mail service");
    }
    let delays: Vec<u64> = app.queue.delays().into_iter().map(|(_, receipt, secs)| if receipt == "r-0" { secs } else { 0 }).collect();
    assert_eq!(delays, [30, 60, 120]);
}

/// SES fails for the first attempt only: the retry sends, and must not be refused by the
/// one-a-minute budget (the default budgets) the first attempt already spent. Both attempts must
/// fall in one minute, or a second spend would go unseen.
#[tokio::test]
async fn a_retried_mail_does_not_spend_the_budget_twice() {
    let (first, retry, mails) = crate::rate_limits::in_one_window(crate::rate_limits::MINUTE, || async {
        let mut app = MemoryApp::new().await;
        app.deps.configure(|settings| settings.rate_limits = reset_core::settings::RateLimits::default());
        app.mailer.fail_next(1);
        let job = reset_job(DEMO_EMAIL, reset_core::unix_now());
        let first = reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).await;
        let retry = reset_core::deliver_mail(&app.deps.worker, &job, 2, job.lane()).await;
        (first, retry, app.mailer.sent().len())
    })
    .await;
    assert_eq!((first, retry), (Delivery::Retry, Delivery::Settled(Settled::Sent)));
    assert_eq!(mails, 1);
}

#[tokio::test]
async fn a_message_delivered_twice_sends_one_mail() {
    let app = MemoryApp::new().await;
    let job = reset_job(DEMO_EMAIL, reset_core::unix_now());
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).await, Delivery::Settled(Settled::Sent));
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).await, Delivery::Settled(Settled::Duplicate));
    assert_eq!(app.mailer.sent().len(), 1);
}

#[tokio::test]
async fn a_permanent_refusal_is_settled_with_a_metric_and_not_retried() {
    let logs = capture_logs();
    let run = unique("refused");
    let app = MemoryApp::new().await;
    app.mailer.refusal.set(true);
    let job = reset_job(DEMO_EMAIL, reset_core::unix_now());
    let delivery = reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).instrument(tracing::info_span!("test", run = %run)).await;
    assert_eq!(delivery, Delivery::Settled(Settled::Refused));
    assert!(logs.records_of(&run).contains("metric=\"mail_refused\""));
    // Delivered again (SQS at least once), it is a duplicate: nothing is tried again.
    app.mailer.refusal.set(false);
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 2, job.lane()).await, Delivery::Settled(Settled::Duplicate));
    assert!(app.mailer.sent().is_empty());
}

/// A refusal of the account's own (paused, unverified sender) is not the mail's fault: the job
/// comes back with a metric of its own, and once the account sends again it goes out, once,
/// without its budgets spent again (a second per-minute hit would have stopped it).
#[tokio::test]
async fn an_account_refusal_keeps_the_mail_with_a_metric_and_the_retry_sends_it_once() {
    let logs = capture_logs();
    let run = unique("account-refused");
    let mut app = MemoryApp::new().await;
    // One mail a minute per address, as deployed: a retry that spent it again would be refused.
    app.deps.configure(|settings| settings.rate_limits.email_per_minute = 1);
    app.mailer.account_refusal.set(true);
    let job = reset_job(DEMO_EMAIL, reset_core::unix_now());
    let delivery = reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).instrument(tracing::info_span!("test", run = %run)).await;
    assert_eq!(delivery, Delivery::Retry);
    let records = logs.records_of(&run);
    assert!(records.contains("metric=\"mail_account_refused\"") && !records.contains("metric=\"mail_refused\""), "{records}");
    app.mailer.account_refusal.set(false);
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 2, job.lane()).await, Delivery::Settled(Settled::Sent));
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 3, job.lane()).await, Delivery::Settled(Settled::Duplicate));
    assert_eq!(app.mailer.sent().len(), 1);
}

/// The daily cap is spent once per mail: a send that fails after the cap was spent comes back
/// and goes out without spending it again (with a cap of one, a second hit would stop it).
#[tokio::test]
async fn a_retried_mail_does_not_spend_the_daily_cap_twice() {
    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.rate_limits.email_per_day_total = 1);
    app.mailer.fail_next(1);
    let job = reset_job(DEMO_EMAIL, reset_core::unix_now());
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).await, Delivery::Retry);
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 2, job.lane()).await, Delivery::Settled(Settled::Sent));
    assert_eq!(app.mailer.sent().len(), 1);
}

/// The address's daily cap counts mails, not requests: while the account is disabled no mail
/// goes out and nothing of the cap is spent, so once it is enabled again it gets its mails.
#[tokio::test]
async fn the_daily_cap_counts_mails_not_requests() {
    let mails = crate::rate_limits::in_one_window(crate::rate_limits::DAY, || async {
        let mut app = MemoryApp::new().await;
        app.deps.configure(|settings| {
            settings.rate_limits = reset_core::settings::RateLimits {
                email_per_minute: 100,
                email_per_day: 100,
                email_per_day_total: 2,
                ip_per_minute: 100,
                source_jobs_per_minute: 10_000,
                source_jobs_per_hour: 10_000,
                source_jobs_per_day: 10_000,
            }
        });
        app.add_user("disabled-then-enabled", "returning@example.com", "an old password", false);
        for _ in 0..4 {
            assert_eq!(app.call(&request_event("returning@example.com")).await.status, 202);
        }
        let while_disabled = app.mails().await.len();
        app.add_user("disabled-then-enabled", "returning@example.com", "an old password", true);
        for _ in 0..4 {
            assert_eq!(app.call(&request_event("returning@example.com")).await.status, 202);
        }
        (while_disabled, app.mails().await.len())
    })
    .await;
    assert_eq!(mails, (0, 2), "none while disabled; then the cap's two");
}

#[tokio::test]
async fn a_stale_job_is_dropped_with_a_metric() {
    let logs = capture_logs();
    let run = unique("stale");
    let app = MemoryApp::new().await;
    let age = app.deps.settings().mail_max_age.as_secs() + 1;
    let job = reset_job(DEMO_EMAIL, reset_core::unix_now() - age);
    let delivery = reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).instrument(tracing::info_span!("test", run = %run)).await;
    assert_eq!(delivery, Delivery::Settled(Settled::Stale));
    assert!(logs.records_of(&run).contains("metric=\"reset_mail_stale\""));
    assert!(app.mailer.sent().is_empty());
    // Just inside the age, it goes out.
    let fresh = reset_job(DEMO_EMAIL, reset_core::unix_now() - age + 5);
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &fresh, 1, fresh.lane()).await, Delivery::Settled(Settled::Sent));
}

/// The change stands when its notice cannot be queued; the failure is logged with a metric.
/// A job stamped ahead of the worker's clock by more than the skew would never go stale: it is
/// malformed, with the metric, and sends nothing; within the skew it is a job like any other.
#[tokio::test]
async fn a_reset_link_job_from_the_future_is_malformed_with_a_metric_not_fresh_forever() {
    let logs = capture_logs();
    let run = unique("future");
    let app = MemoryApp::new().await;
    let skew = reset_core::use_cases::deliver_mail::MAX_CLOCK_SKEW_SECS;
    for at in [reset_core::unix_now() + skew + 60, u64::MAX] {
        let delivery =
            reset_core::deliver_mail(&app.deps.worker, &reset_job(DEMO_EMAIL, at), 1, Lane::Links).instrument(tracing::info_span!("test", run = %run)).await;
        assert_eq!(delivery, Delivery::Settled(Settled::Malformed), "requested_at {at}");
    }
    assert!(logs.records_of(&run).contains("metric=\"mail_job_malformed\""));
    assert!(app.mailer.sent().is_empty());
    let within = reset_job(DEMO_EMAIL, reset_core::unix_now() + 60);
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &within, 1, within.lane()).await, Delivery::Settled(Settled::Sent));
}

pub(crate) fn notice(user_id: &str, email: &str, changed_at: u64) -> MailJob {
    MailJob::PasswordChanged(ChangedJob { id: new_job_id().unwrap(), user_id: user_id.into(), email: email.into(), changed_at, locale: None })
}

/// A notice's time is written into the mail: one in the future, one older than any message can
/// wait, or one no date can hold is malformed (with the metric), never a panic, never a mail.
#[tokio::test]
async fn a_notice_with_an_absurd_time_is_malformed_and_sends_nothing() {
    use reset_core::use_cases::deliver_mail::{MAX_CLOCK_SKEW_SECS, MAX_NOTICE_AGE_SECS};
    let logs = capture_logs();
    let run = unique("absurd-notice");
    let app = MemoryApp::new().await;
    let now = reset_core::unix_now();
    for at in [now + MAX_CLOCK_SKEW_SECS + 60, 253_402_300_800, u64::MAX, 0, now - MAX_NOTICE_AGE_SECS - 60] {
        let job = notice(DEMO_USER_ID, DEMO_EMAIL, at);
        let delivery = reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).instrument(tracing::info_span!("test", run = %run)).await;
        assert_eq!(delivery, Delivery::Settled(Settled::Malformed), "changed_at {at}");
    }
    assert!(logs.records_of(&run).contains("metric=\"mail_job_malformed\""));
    assert!(app.mailer.sent().is_empty());
    for at in [now + 60, now - MAX_NOTICE_AGE_SECS + 60] {
        assert_eq!(
            reset_core::deliver_mail(&app.deps.worker, &notice(DEMO_USER_ID, DEMO_EMAIL, at), 1, Lane::Notices).await,
            Delivery::Settled(Settled::Sent),
            "{at}"
        );
    }
}

/// The notice names an account; where it goes is the account's stored address, read by id. A job
/// naming another address (forged, or the account's address changed since) cannot redirect it.
#[tokio::test]
async fn a_notice_goes_to_the_stored_address_never_to_the_jobs() {
    let app = MemoryApp::new().await;
    let job = notice(DEMO_USER_ID, "someone-else@example.net", reset_core::unix_now());
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane()).await, Delivery::Settled(Settled::Sent));
    let to: Vec<String> = app.mailer.sent().iter().map(|m| m.to.as_ref().to_owned()).collect();
    assert_eq!(to, [DEMO_EMAIL]);
    // A job queued by a later version, which no longer writes the address, reads and sends too.
    let body = format!(r#"{{"kind":"password_changed","id":"{}","user_id":"{DEMO_USER_ID}","changed_at":{}}}"#, new_job_id().unwrap(), reset_core::unix_now());
    let without = MailJob::from_json(&body).unwrap();
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &without, 1, without.lane()).await, Delivery::Settled(Settled::Sent));
    assert_eq!(app.mailer.sent().len(), 2);
}

/// An account gone since its password changed is told nothing (its own outcome, no retry); a
/// disabled one is still told (the change happened; a disabling after it is when it matters); a
/// user id that is no id is malformed.
#[tokio::test]
async fn a_notice_for_a_gone_account_sends_nothing_and_a_disabled_one_is_still_told() {
    let app = MemoryApp::new().await;
    let now = reset_core::unix_now();
    assert_eq!(
        reset_core::deliver_mail(&app.deps.worker, &notice("gone-user", DEMO_EMAIL, now), 1, Lane::Notices).await,
        Delivery::Settled(Settled::UnknownAccount)
    );
    assert_eq!(reset_core::deliver_mail(&app.deps.worker, &notice("", DEMO_EMAIL, now), 1, Lane::Notices).await, Delivery::Settled(Settled::Malformed));
    assert!(app.mailer.sent().is_empty());
    app.add_user("disabled-user", "disabled@example.com", NEW_PASSWORD, false);
    assert_eq!(
        reset_core::deliver_mail(&app.deps.worker, &notice("disabled-user", "x@example.com", now), 1, Lane::Notices).await,
        Delivery::Settled(Settled::Sent)
    );
    let to: Vec<String> = app.mailer.sent().iter().map(|m| m.to.as_ref().to_owned()).collect();
    assert_eq!(to, ["disabled@example.com"]);
}

/// `json` (an object) as a holder of `ring` would sign it, whatever it holds.
pub(crate) fn signed_raw(json: &str, ring: &HashRing) -> String {
    let mac = ring.job_mac(json.as_bytes());
    format!("{},\"mac\":\"{mac}\"}}", json.strip_suffix('}').unwrap())
}

/// Hostile and broken bodies through the worker's handler, as SendMessage on the queue could put
/// them there: jobs without a MAC (the previous version's, or anyone's), with a MAC from another
/// key or over other content, and authentic ones with absurd times, huge strings, wrong kinds and
/// shapes. Each is settled (deleted, not retried) without a mail and without a panic, and the
/// reason is counted.
#[tokio::test]
async fn hostile_jobs_are_settled_without_mail_and_without_panic() {
    let logs = capture_logs();
    let run = unique("hostile-jobs");
    let app = MemoryApp::new().await;
    let ring = app.hash_ring().await;
    let other = HashRing::from_json(&crate::helpers::secret("b", &[("b", crate::helpers::KEY_B)])).unwrap();
    let now = reset_core::unix_now();
    let demo_link = || reset_job(DEMO_EMAIL, now);
    let huge = "x".repeat(1 << 20);
    let mut bodies = vec![
        // Unsigned: as the previous version queued it, and as anyone with SendMessage can.
        demo_link().to_json().unwrap(),
        notice(DEMO_USER_ID, DEMO_EMAIL, now).to_json().unwrap(),
        // Signed with another secret; signed, then changed; a MAC cut short or padded.
        signed(demo_link(), &other),
        signed(reset_job("nobody@example.com", now), &ring).replace("nobody@example.com", DEMO_EMAIL),
        {
            let body = signed(demo_link(), &ring);
            format!("{}\"}}", &body[..body.len() - 3])
        },
        {
            let body = signed(demo_link(), &ring);
            format!("{}A\"}}", &body[..body.len() - 2])
        },
        // Authentic, with times no real job has.
        signed(reset_job(DEMO_EMAIL, u64::MAX), &ring),
        signed(reset_job(DEMO_EMAIL, now + 3600), &ring),
        signed(notice(DEMO_USER_ID, DEMO_EMAIL, u64::MAX), &ring),
        signed(notice(DEMO_USER_ID, DEMO_EMAIL, 253_402_300_800), &ring),
        signed(notice(DEMO_USER_ID, DEMO_EMAIL, 0), &ring),
        // Authentic, with huge strings: an address, a user id, a job id on a job from the future.
        signed(reset_job(&format!("{huge}@example.com"), now), &ring),
        signed(notice(&huge, DEMO_EMAIL, now), &ring),
        signed(
            MailJob::ResetLink(ResetLinkJob {
                id: huge.clone(),
                requested_at: u64::MAX,
                ..match demo_link() {
                    MailJob::ResetLink(j) => j,
                    _ => unreachable!(),
                }
            }),
            &ring,
        ),
        // Authentic, of a kind or shape this worker does not read.
        signed_raw(r#"{"kind":"password_changed"}"#, &ring),
        signed_raw(r#"{"kind":"wire_money","to":"demo@example.com"}"#, &ring),
        signed_raw(r#"{"kind":"reset_link","id":"x","email":"demo@example.com","requester":"h","requested_at":"now"}"#, &ring),
        signed_raw(r#"{"kind":"reset_link","id":"x","email":"demo@example.com","requester":"h","requested_at":-1}"#, &ring),
        signed_raw(r#"{"kind":"reset_link","id":"x","email":"demo@example.com","requester":"h","requested_at":1e400}"#, &ring),
        signed_raw(r#"{}"#, &ring),
        // No job at all.
        String::new(),
        "null".into(),
        "[1,2,3]".into(),
        ",\"mac\":\"\"}".into(),
        format!("{{\"kind\":\"reset_link\",\"mac\":\"{}\"}}", "A".repeat(43)),
    ];
    bodies.push("{".repeat(100_000));
    let response = mail_worker::handle(&app.deps.worker, sqs_event(&bodies, 1)).instrument(tracing::info_span!("test", run = %run)).await;
    assert!(response.batch_item_failures.is_empty(), "settled, not retried: {:?}", failures(&response));
    assert!(app.mailer.sent().is_empty(), "mailed: {:?}", app.mailer.sent());
    let records = logs.records_of(&run);
    assert_eq!(records.matches("metric=\"mail_job_malformed\"").count(), bodies.len(), "each counted once:\n{records:.4000}");
    for refused in ["refused=\"unsigned\"", "refused=\"forged\""] {
        assert!(records.contains(refused), "{refused}:\n{records:.4000}");
    }
    assert!(!records.contains(DEMO_EMAIL), "an address reached the log");
    // The same jobs signed as the functions sign them go out.
    let good = [signed(demo_link(), &ring), signed(notice(DEMO_USER_ID, "elsewhere@example.net", now), &ring)];
    assert!(mail_worker::handle(&app.deps.worker, sqs_event(&good, 1)).await.batch_item_failures.is_empty());
    let to: Vec<String> = app.mailer.sent().iter().map(|m| m.to.as_ref().to_owned()).collect();
    assert_eq!(to, [DEMO_EMAIL, DEMO_EMAIL]);
}

#[tokio::test]
async fn a_notice_that_cannot_be_queued_is_logged_and_does_not_undo_the_change() {
    let logs = capture_logs();
    let run = unique("notice-enqueue");
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.queue.outage.set(true);
    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).instrument(tracing::info_span!("test", run = %run)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reset_core::domain::password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash));
    assert!(logs.records_of(&run).contains("metric=\"changed_mail_enqueue_failed\""));
}

/// The queue refuses (down or throttling): every address gets the same 503 with Retry-After, as
/// JSON and as a page, and nothing was queued.
#[tokio::test]
async fn an_unavailable_queue_gives_the_same_503_for_every_address() {
    let app = MemoryApp::new().await;
    app.queue.outage.set(true);
    let known = app.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app.call(&request_event("nobody@example.com")).await;
    assert_eq!((known.status, known.header("retry-after")), (503, Some("5")));
    assert_eq!((&known.headers, &known.body), (&unknown.headers, &unknown.body));
    let form = |email: &str| {
        let mut event = events::load("request-reset-forgot-form.json");
        event["body"] = format!("email={}", email.replace('@', "%40")).into();
        event
    };
    let known = app.call(&form(DEMO_EMAIL)).await;
    let unknown = app.call(&form("nobody@example.com")).await;
    assert_eq!((known.status, known.header("retry-after")), (503, Some("5")));
    assert_eq!((&known.headers, &known.body), (&unknown.headers, &unknown.body));
    app.queue.outage.set(false);
    assert!(app.queue.queued().is_empty(), "nothing half-done");
}

/// The job ledger cannot be reached: nothing is spent or sent, the job comes back, and once the
/// ledger answers it sends its one mail.
#[tokio::test]
async fn an_unreachable_job_ledger_sends_nothing_and_the_job_comes_back() {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    app.ledger.outage.set(true);
    assert_eq!(app.deliver().await, [Delivery::Retry]);
    assert!(app.mailer.sent().is_empty() && app.limits.keys().iter().all(|k| !k.starts_with("email#")), "nothing sent, no budget spent");
    app.ledger.outage.set(false);
    assert_eq!(app.deliver().await, [Delivery::Settled(Settled::Sent)]);
    assert_eq!(app.mailer.sent().len(), 1);
}

// ---- against moto -------------------------------------------------------------------------

/// The production wiring with SES behind a proxy that throttles (429 TooManyRequestsException)
/// while `throttling` is set.
pub(crate) async fn deps_with_throttling_ses(app: &MotoApp, throttling: Arc<AtomicBool>) -> DeliveryDeps<Aws, SesMailer> {
    let proxy = crate::faults::moto_faulty(&app.stack.moto.url, move |_target, path, _body| {
        (path.starts_with("/v2/email/outbound-emails") && throttling.load(Ordering::SeqCst)).then_some(crate::faults::SES_THROTTLED)
    });
    let sdk = crate::faults::sdk_at(&proxy).await;
    let config = app.stack.config();
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), config.sender.expect("the stack names a sender"), None);
    DeliveryDeps { mailer, ..crate::helpers::mail_worker(&app.stack).await }
}

/// Hands the queue to the worker batch by batch; `after_batch` sees each response. Returns the
/// number of messages handed out.
pub(crate) async fn pump(app: &MotoApp, deps: &DeliveryDeps<Aws, SesMailer>, mut after_batch: impl FnMut(&mail_worker::SqsBatchResponse)) -> usize {
    let mut handed = 0;
    for _ in 0..20 {
        let Some(event) = app.stack.queue.receive_event().await.unwrap() else { break };
        handed += event["Records"].as_array().unwrap().len();
        let response = mail_worker::handle(deps, serde_json::from_value(event.clone()).unwrap()).await;
        after_batch(&response);
        app.stack.queue.settle(&event, &serde_json::to_value(&response).unwrap()).await.unwrap();
    }
    handed
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_throttling_twice_then_accepting_gives_exactly_one_mail() {
    let app = MotoApp::start_with(&[("MAIL_RETRY_BASE_SECONDS", "0")]).await;
    let throttling = Arc::new(AtomicBool::new(true));
    let deps = deps_with_throttling_ses(&app, throttling.clone()).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let mut failed = 0;
    let handed = pump(&app, &deps, |response| {
        failed += response.batch_item_failures.len();
        if failed == 2 {
            throttling.store(false, Ordering::SeqCst);
        }
    })
    .await;
    assert_eq!((handed, failed), (3, 2), "two failed deliveries, then the one that sent");
    assert_eq!(app.stack.mails().unwrap().len(), 1, "exactly one mail");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0);
    assert!(app.stack.queue.dead_letters().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_always_throttling_moves_the_message_to_the_dead_letter_queue_with_a_metric() {
    let logs = capture_logs();
    let run = unique("dead-letter");
    let app = MotoApp::start_with(&[("MAIL_RETRY_BASE_SECONDS", "0")]).await;
    let deps = deps_with_throttling_ses(&app, Arc::new(AtomicBool::new(true))).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let handed = pump(&app, &deps, |_| {}).instrument(tracing::info_span!("test", run = %run)).await;
    assert_eq!(handed, MAX_RECEIVES as usize, "handed out the queue's maximum number of times");
    let dead = app.stack.queue.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1, "the message is in the dead-letter queue");
    assert!(matches!(MailJob::from_json(&dead[0]), Ok(MailJob::ResetLink(_))));
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0);
    assert!(app.stack.mails().unwrap().is_empty());
    let records = logs.records_of(&run);
    assert_eq!(records.matches("metric=\"mail_retry\"").count(), MAX_RECEIVES as usize, "{records}");
    assert!(records.contains("TooManyRequestsException"), "{records}");
}

#[tokio::test]
async fn a_duplicated_message_sends_one_mail() {
    let app = MotoApp::start().await;
    let body = signed(reset_job(DEMO_EMAIL, reset_core::unix_now()), &app.stack.hash_ring().await.unwrap());
    app.stack.queue.send_raw(&body).await.unwrap();
    app.stack.queue.send_raw(&body).await.unwrap();
    assert_eq!(app.deliver().await, 2);
    // And once more, later, after the first was settled.
    app.stack.queue.send_raw(&body).await.unwrap();
    assert_eq!(app.mails().await.len(), 1, "one mail for one job");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "no copy is left to send later");
}

#[tokio::test]
async fn a_stale_message_sends_nothing_and_logs_a_metric() {
    let logs = capture_logs();
    let run = unique("stale-moto");
    let app = MotoApp::start().await;
    let sixteen_minutes_ago = reset_core::unix_now() - 16 * 60;
    app.stack.queue.send_raw(&signed(reset_job(DEMO_EMAIL, sixteen_minutes_ago), &app.stack.hash_ring().await.unwrap())).await.unwrap();
    let mails = async { app.mails().await }.instrument(tracing::info_span!("test", run = %run)).await;
    assert!(mails.is_empty());
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "dropped, not retried");
    assert!(logs.records_of(&run).contains("metric=\"reset_mail_stale\""));
}

#[tokio::test]
async fn a_poison_message_does_not_block_the_rest_of_its_batch() {
    let logs = capture_logs();
    let run = unique("poison");
    let app = MotoApp::start().await;
    app.stack.queue.send_raw("{not a mail job: demo@example.com").await.unwrap();
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let event = app.stack.queue.receive_event().await.unwrap().unwrap();
    assert_eq!(event["Records"].as_array().unwrap().len(), 2, "both in one batch");
    let response =
        mail_worker::handle(&app.deps.worker, serde_json::from_value(event.clone()).unwrap()).instrument(tracing::info_span!("test", run = %run)).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    app.stack.queue.settle(&event, &serde_json::to_value(&response).unwrap()).await.unwrap();
    assert_eq!(app.stack.mails().unwrap().len(), 1, "the good message went out");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0);
    let records = logs.records_of(&run);
    assert!(records.contains("metric=\"mail_job_malformed\""), "{records}");
    crate::helpers::assert_not_logged(&records, DEMO_EMAIL, "the poison body's address");
}

/// SQS throttles SendMessage: the same 503 for every address, and nothing reaches the queue.
#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_queue_gives_the_same_503_for_every_address() {
    let app = MotoApp::start().await;
    let sdk = crate::faults::sdk_at(&crate::faults::fake_aws(true)).await;
    let queue = reset_aws::SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), app.stack.config().mail_queue_url, None);
    let mut deps = crate::helpers::AwsFunctions::on(&app.stack).await;
    deps.request.queue = queue;
    let known = call(&deps, &request_event(DEMO_EMAIL)).await;
    let unknown = call(&deps, &request_event("nobody@example.com")).await;
    assert_eq!((known.status, known.error_code().as_deref(), known.header("retry-after")), (503, Some("service_unavailable"), Some("5")));
    assert_eq!((&known.headers, &known.body), (&unknown.headers, &unknown.body));
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0);
}

/// The worker paced as deployed (here a link slot a second, a notice slot every 20 s), a batch
/// of ten reset links waiting for their slots, and a notice arriving from its own queue: the
/// notice goes out at once, by its own pace, not after the links' nine seconds. (On tokio's paused
/// clock: the two invocations interleave exactly where the links wait.)
#[tokio::test(start_paused = true)]
async fn a_notice_from_its_own_queue_is_not_paced_behind_a_batch_of_links() {
    use reset_core::memory::MemoryQueue;
    use std::time::Duration;
    use tokio::time::Instant;
    let mut app = MemoryApp::new().await;
    app.deps.worker.paces = reset_core::Paces::new(Duration::from_secs(1), Duration::from_secs(20));
    let ring = HashRing::from_json(&crate::helpers::secret("h1", &[("h1", crate::helpers::HASH_KEY_1)])).unwrap();
    let now = reset_core::unix_now();
    let links: Vec<String> = (0..10).map(|_| signed(reset_job(DEMO_EMAIL, now), &ring)).collect();
    let notice = [signed(notice(DEMO_USER_ID, DEMO_EMAIL, now), &ring)];
    let worker = &app.deps.worker;
    let start = Instant::now();
    let (links_done, notice_done) = tokio::join!(
        async {
            mail_worker::handle(worker, sqs_event_from(Some(MemoryQueue::LINKS_ARN), &links, 1)).await;
            start.elapsed()
        },
        async {
            mail_worker::handle(worker, sqs_event_from(Some(MemoryQueue::NOTICES_ARN), &notice, 1)).await;
            start.elapsed()
        },
    );
    assert_eq!(notice_done, Duration::ZERO, "the notice waited for no link's slot");
    assert_eq!(links_done, Duration::from_secs(9), "ten links, a slot a second");
    let sent = app.mailer.sent();
    assert_eq!(sent.len(), 11);
    assert!(sent[1].subject.to_lowercase().contains("changed"), "the notice went out second, after the link that had its slot: {:?}", sent[1].subject);
}

/// Notices keep to their own share of the rate: two in one batch go out one notice interval
/// apart (here 20 s), and one for an account that is gone sends nothing and takes no slot.
#[tokio::test(start_paused = true)]
async fn notices_go_out_one_notice_interval_apart_and_one_that_sends_nothing_takes_no_slot() {
    use reset_core::memory::MemoryQueue;
    use std::time::Duration;
    use tokio::time::Instant;
    let mut app = MemoryApp::new().await;
    app.deps.worker.paces = reset_core::Paces::new(Duration::ZERO, Duration::from_secs(20));
    let ring = HashRing::from_json(&crate::helpers::secret("h1", &[("h1", crate::helpers::HASH_KEY_1)])).unwrap();
    let now = reset_core::unix_now();
    let batch: Vec<String> = [notice("u-gone", "gone@example.com", now), notice(DEMO_USER_ID, DEMO_EMAIL, now), notice(DEMO_USER_ID, DEMO_EMAIL, now)]
        .into_iter()
        .map(|job| signed(job, &ring))
        .collect();
    let start = Instant::now();
    let response = mail_worker::handle(&app.deps.worker, sqs_event_from(Some(MemoryQueue::NOTICES_ARN), &batch, 1)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(app.mailer.sent().len(), 2, "two notices sent, none for the account that is gone");
    assert_eq!(start.elapsed(), Duration::from_secs(20), "the second a notice interval after the first; the gone account's took no slot");
}

/// Over moto with the real queues: twenty reset links queued ahead of a password change, whose
/// notice reset-password puts on the notice queue (not the links'), and the worker's two event
/// sources polling side by side: the notice is the first mail out, not the twenty-first.
#[tokio::test]
async fn a_flood_of_queued_links_does_not_delay_a_password_changed_notice() {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let before = app.stack.mails().unwrap().len();
    let ring = app.stack.hash_ring().await.unwrap();
    for _ in 0..20 {
        app.stack.queue.send_raw(&signed(reset_job(DEMO_EMAIL, reset_core::unix_now()), &ring)).await.unwrap();
    }
    assert_eq!(call(&app.deps, &confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    assert_eq!(app.stack.queue.depth_of(Lane::Notices).await.unwrap(), 1, "the notice is on its own queue");
    assert_eq!(app.stack.queue.depth_of(Lane::Links).await.unwrap(), 20, "behind no link");
    let mails = app.mails().await;
    let after: Vec<_> = mails[before..].iter().collect();
    assert_eq!(after.len(), 21);
    assert!(after[0].token().is_none() && after[1..].iter().all(|m| m.token().is_some()), "the notice went out first: {:?}", after[0].subject);
}

/// The upgrade that brought the hashing secret: jobs the previous version queued carry a MAC made
/// from the signing secret (its `"audit"` field, else its current key), and the worker, which
/// reads the signing secret anyway, still delivers them, so no mail is lost during the deploy.
/// A MAC from a signing secret the worker does not hold is still refused.
#[tokio::test]
async fn a_job_the_previous_version_queued_is_still_delivered() {
    let app = MemoryApp::new().await;
    let legacy_signed = |job: MailJob, ring: &reset_core::reset_token::KeyRing| {
        let json = job.to_json().unwrap();
        format!("{},\"mac\":\"{}\"}}", json.strip_suffix('}').unwrap(), ring.legacy_job_mac(json.as_bytes()))
    };
    let previous = legacy_signed(reset_job(DEMO_EMAIL, reset_core::unix_now()), &app.keys_ring().await);
    let foreign = reset_core::reset_token::KeyRing::from_json(&crate::helpers::secret("b", &[("b", crate::helpers::KEY_B)])).unwrap();
    let forged = legacy_signed(reset_job(DEMO_EMAIL, reset_core::unix_now()), &foreign);
    let response = mail_worker::handle(&app.deps.worker, sqs_event(&[previous, forged], 1)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let to: Vec<String> = app.mailer.sent().iter().map(|m| m.to.as_ref().to_owned()).collect();
    assert_eq!(to, [DEMO_EMAIL], "the previous version's job went out, the forged one did not");
}

/// Right after `hashing-key add`, an HTTP function that has read the new key MACs jobs with it
/// while the worker still caches the ring without it: the worker reads the secret again (once per
/// cooldown) instead of dropping the job as forged.
#[tokio::test]
async fn a_job_under_a_hashing_key_newer_than_the_worker_s_cache_is_delivered() {
    let mut app = MemoryApp::new().await;
    app.cold_start_keys(std::time::Duration::from_secs(3600)).await;
    let added = reset_core::reset_token::add_hash_key(&crate::helpers::secret("h1", &[("h1", crate::helpers::HASH_KEY_1)]), "h2", crate::helpers::HASH_KEY_2);
    app.hash_keys.replace(added.unwrap());
    let body = signed(reset_job(DEMO_EMAIL, reset_core::unix_now()), &app.hash_ring().await);
    let response = mail_worker::handle(&app.deps.worker, sqs_event(&[body], 1)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(app.mailer.sent().len(), 1, "delivered, not dropped as forged");
}
