//! Behind a CDN (CloudFront with AWS WAF, `EdgeProtection=true`): requests that did not come
//! through it are refused before anything is spent, and the per-IP limit and the requester's
//! network use the viewer address the CDN reports, only once its secret header is verified.
//! The secret's current and previous values both pass, and a warm function reads them again on
//! a value it does not hold (at most once a minute), so a rotation refuses nothing.

use std::time::Duration;

use reset_core::Adapters;
use reset_core::domain::mail_job::MailJob;
use reset_core::memory::MemoryOriginVerify;
use reset_core::ports::Mailer;
use reset_core::ports::breached::BreachedPasswords;
use reset_core::ports::origin_verify::{OriginVerify, REREAD_COOLDOWN};
use reset_core::settings::Edge;
use reset_local::events;
use serde_json::Value;

use crate::helpers::{AwsFunctions, Functions, MemoryApp, MotoApp, call, link_event};

/// The value `events/request-reset-via-cdn.json` carries in `x-origin-verify`.
const ORIGIN_SECRET: &str = "example-origin-verify-value";

async fn behind_cdn() -> MemoryApp {
    behind_cdn_reading(MemoryOriginVerify::new(ORIGIN_SECRET)).await
}

async fn behind_cdn_reading(values: MemoryOriginVerify) -> MemoryApp {
    let mut app = MemoryApp::new().await;
    let edge = Edge::new(OriginVerify::load(values).await.unwrap());
    app.deps.configure(|settings| settings.edge = Some(edge.clone()));
    app
}

/// The forgot page (no work, no AWS call) as CloudFront forwards it, with `value` in the header.
pub fn page_via_cdn(value: &str) -> Value {
    let mut event = events::load("request-reset-forgot-page.json");
    event["headers"]["x-origin-verify"] = value.into();
    event
}

/// Whether the function lets a request carrying `value` through (200) or refuses it (403).
pub async fn lets_through<A: Adapters<Users: reset_password::ConfirmUsers>, M: Mailer, B: BreachedPasswords>(deps: &Functions<A, M, B>, value: &str) -> bool {
    let reply = call(deps, &page_via_cdn(value)).await;
    assert!([200, 403].contains(&reply.status), "{}: {}", reply.status, reply.body);
    reply.status == 200
}

/// Moves the clock the functions' caches read (tokio's) ahead, as if `by` had passed. Time runs
/// on from there, so calls to moto keep their timeouts. (The origin-verify values count the later
/// of tokio's clock and the wall clock, which goes on as usual.)
pub async fn time_passes(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// A function behind the CDN on the production wiring, reading the origin-verify secret `secret_id`.
pub async fn moto_deps_behind_cdn(app: &MotoApp, secret_id: &str) -> AwsFunctions {
    AwsFunctions::with(&app.stack, |config| config.origin_verify_secret = Some(secret_id.into())).await.expect("the function starts")
}

/// The keyed hash of the requester network the one queued job names.
fn queued_requester(app: &MemoryApp) -> String {
    match app.queue.queued().as_slice() {
        [MailJob::ResetLink(job)] => job.requester.clone(),
        other => panic!("one reset job expected: {other:?}"),
    }
}

#[tokio::test]
async fn behind_a_cdn_requests_that_bypass_it_get_403_and_spend_nothing() {
    let app = behind_cdn().await;
    let mut wrong = events::load("request-reset-via-cdn.json");
    wrong["headers"]["x-origin-verify"] = "example-origin-verify-valuf".into();
    let mut longer = events::load("request-reset-via-cdn.json");
    longer["headers"]["x-origin-verify"] = format!("{ORIGIN_SECRET}x").into();
    for (what, event) in [
        ("no header", events::load("request-reset.json")),
        ("a wrong value", wrong),
        ("a longer value", longer),
        ("the reset page", link_event("a.b.c", "GET", Some("none"))),
        ("the forgot form", events::load("request-reset-forgot-form.json")),
        ("a confirm", events::load("reset-password-confirm.json")),
    ] {
        let reply = app.call(&event).await;
        assert_eq!((reply.status, reply.error_code().as_deref()), (403, Some("forbidden")), "{what}: {}", reply.body);
    }
    assert!(app.queue.queued().is_empty(), "nothing queued");
    assert!(app.limits.keys().is_empty(), "no rate-limit counter spent: {:?}", app.limits.keys());
}

#[tokio::test]
async fn behind_a_cdn_the_viewer_address_is_the_requester() {
    let app = behind_cdn().await;
    let reply = app.call(&events::load("request-reset-via-cdn.json")).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let ring = app.hash_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("198.51.0.0/16"), "the viewer's /16, not the CDN's address");
    assert!(app.limits.keys().iter().any(|k| k.starts_with(&format!("ip#{}#", ring.audit_hash("198.51.100.7")))), "{:?}", app.limits.keys());

    // IPv6 viewers (no brackets, the port after the last colon) count by their /48.
    let app = behind_cdn().await;
    let mut v6 = events::load("request-reset-via-cdn.json");
    v6["headers"]["cloudfront-viewer-address"] = "2001:db8:1:2:aaaa:bbbb:cccc:dddd:443".into();
    assert_eq!(app.call(&v6).await.status, 202);
    assert_eq!(queued_requester(&app), ring.audit_hash("2001:db8:1::/48"));

    // A verified request without a viewer address falls back to the peer API Gateway saw.
    let app = behind_cdn().await;
    let mut bare = events::load("request-reset-via-cdn.json");
    bare["headers"].as_object_mut().unwrap().remove("cloudfront-viewer-address");
    assert_eq!(app.call(&bare).await.status, 202);
    assert_eq!(queued_requester(&app), ring.audit_hash("203.0.0.0/16"));
}

#[tokio::test]
async fn without_a_cdn_a_forged_viewer_address_is_ignored() {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&events::load("request-reset-via-cdn.json")).await.status, 202);
    let ring = app.hash_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("203.0.0.0/16"), "API Gateway's peer, not the header");
}

/// The wiring reads the CDN's secret at cold start; a secret that cannot be read stops the start
/// (the function could not tell the CDN's requests from others).
#[tokio::test]
async fn the_cdn_secret_is_read_at_cold_start_or_the_function_does_not_start() {
    let app = crate::helpers::MotoApp::start().await;
    app.stack.secrets().create_secret().name("password-reset/origin-verify").secret_string(ORIGIN_SECRET).send().await.unwrap();
    let deps = AwsFunctions::with(&app.stack, |config| config.origin_verify_secret = Some("password-reset/origin-verify".into())).await.unwrap();
    let reply = crate::helpers::call(&deps, &events::load("request-reset-via-cdn.json")).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(crate::helpers::call(&deps, &events::load("request-reset.json")).await.status, 403);

    let config = || {
        let mut config = app.stack.config();
        config.origin_verify_secret = Some("no/such/secret".into());
        config
    };
    // Each function on its own: none starts.
    let errors = [
        reset_wiring::request_reset(config(), &app.stack.sdk).await.err(),
        reset_wiring::reset_password(config(), &app.stack.sdk).await.err(),
        reset_wiring::mail_worker(config(), &app.stack.sdk).await.err(),
    ];
    for err in errors {
        let err = err.expect("no start without the secret");
        assert!(format!("{err:#}").contains("origin-verify"), "{err:#}");
    }
}

#[tokio::test]
async fn built_deps_accept_the_current_and_the_previous_origin_verify_value_and_refuse_others() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let id = "password-reset/origin-verify";
    secrets.create_secret().name(id).secret_string("first-value-0123456789").send().await.unwrap();
    let deps = moto_deps_behind_cdn(&app, id).await;
    assert!(lets_through(&deps, "first-value-0123456789").await, "one version: the current value");
    for wrong in ["first-value-012345678", "first-value-0123456789x", "", "AWSCURRENT"] {
        assert!(!lets_through(&deps, wrong).await, "{wrong:?}");
    }
    assert_eq!(call(&deps, &events::load("request-reset-forgot-page.json")).await.status, 403, "no header");

    for value in ["second-value-0123456789", "third-value-0123456789"] {
        secrets.put_secret_value().secret_id(id).secret_string(value).send().await.unwrap();
    }
    let deps = moto_deps_behind_cdn(&app, id).await;
    assert!(lets_through(&deps, "third-value-0123456789").await, "AWSCURRENT");
    assert!(lets_through(&deps, "second-value-0123456789").await, "AWSPREVIOUS");
    for wrong in ["first-value-0123456789", "third-value-012345678", "second-value-0123456789third-value-0123456789", "AWSPREVIOUS"] {
        assert!(!lets_through(&deps, wrong).await, "{wrong:?}: neither label");
    }
}

#[tokio::test]
async fn a_warm_function_accepts_a_value_rotated_after_it_started_and_reads_again_at_most_once_a_minute() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let id = "password-reset/origin-verify";
    secrets.create_secret().name(id).secret_string("value-one-0123456789").send().await.unwrap();
    let deps = moto_deps_behind_cdn(&app, id).await;
    time_passes(REREAD_COOLDOWN).await;

    secrets.put_secret_value().secret_id(id).secret_string("value-two-0123456789").send().await.unwrap();
    assert!(lets_through(&deps, "value-two-0123456789").await, "read again on a value it did not hold");
    assert!(lets_through(&deps, "value-one-0123456789").await, "the previous value still passes");
    assert!(!lets_through(&deps, "a-wrong-value-0123456789").await);
    // Had the wrong value (or any refusal) read the secret again, this would pass.
    secrets.put_secret_value().secret_id(id).secret_string("value-three-0123456789").send().await.unwrap();
    assert!(!lets_through(&deps, "value-three-0123456789").await, "not read again within a minute of the last read");
    time_passes(REREAD_COOLDOWN).await;
    assert!(lets_through(&deps, "value-three-0123456789").await, "read again a minute later");
}

#[tokio::test(start_paused = true)]
async fn a_flood_of_wrong_values_costs_one_read_a_minute() {
    let values = MemoryOriginVerify::new(ORIGIN_SECRET);
    let app = behind_cdn_reading(values.clone()).await;
    assert_eq!(values.reads(), 1, "at cold start");
    tokio::time::advance(REREAD_COOLDOWN).await;
    for n in 0..50 {
        assert!(!lets_through(&app.deps, &format!("wrong-{n}")).await);
    }
    assert_eq!(values.reads(), 2, "one read for fifty refusals");
    tokio::time::advance(REREAD_COOLDOWN / 2).await;
    assert!(!lets_through(&app.deps, "wrong").await);
    assert_eq!(values.reads(), 2, "none within the minute");
    tokio::time::advance(REREAD_COOLDOWN / 2).await;
    assert!(!lets_through(&app.deps, "wrong").await);
    assert_eq!(values.reads(), 3, "one more a minute after the last");
    assert!(lets_through(&app.deps, ORIGIN_SECRET).await, "the held value still passes");
    assert_eq!(values.reads(), 3, "and costs no read");
}

/// A secret whose previous version holds an empty string: a request without a value, or with
/// an empty one, is still refused.
#[tokio::test(start_paused = true)]
async fn an_empty_previous_value_lets_no_empty_header_through() {
    let values = MemoryOriginVerify::new(ORIGIN_SECRET);
    values.set(ORIGIN_SECRET, Some(""));
    let app = behind_cdn_reading(values).await;
    assert!(!lets_through(&app.deps, "").await, "an empty header");
    assert_eq!(app.call(&events::load("request-reset-forgot-page.json")).await.status, 403, "no header");
    assert!(lets_through(&app.deps, ORIGIN_SECRET).await);
}

/// Labels moved so that the secret has a new current version and no previous one: a warm
/// function that reads it (through the production adapter) keeps the value it held as current,
/// which CloudFront may still send, until its values are old.
#[tokio::test]
async fn a_read_that_finds_a_new_current_and_no_previous_keeps_the_value_held() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let id = "password-reset/origin-verify";
    let first = secrets.create_secret().name(id).secret_string("value-one-0123456789").send().await.unwrap();
    let deps = moto_deps_behind_cdn(&app, id).await;
    time_passes(REREAD_COOLDOWN).await;
    secrets.put_secret_value().secret_id(id).secret_string("value-two-0123456789").send().await.unwrap();
    let one = first.version_id().unwrap();
    secrets.update_secret_version_stage().secret_id(id).version_stage("AWSPREVIOUS").remove_from_version_id(one).send().await.unwrap();
    assert!(lets_through(&deps, "value-two-0123456789").await, "read again on a value it did not hold");
    assert!(lets_through(&deps, "value-one-0123456789").await, "the value held as current is kept");
    time_passes(reset_core::ports::origin_verify::MAX_AGE).await;
    assert!(!lets_through(&deps, "value-one-0123456789").await, "until the values are old");
}

#[tokio::test(start_paused = true)]
async fn when_the_secret_cannot_be_read_again_the_held_values_still_pass_and_others_are_refused() {
    let values = MemoryOriginVerify::new(ORIGIN_SECRET);
    let app = behind_cdn_reading(values.clone()).await;
    values.outage.set(true);
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert!(!lets_through(&app.deps, "rotated-but-unreadable").await);
    assert!(lets_through(&app.deps, ORIGIN_SECRET).await, "the values held are kept");
    assert_eq!(values.reads(), 2, "one failed read");
}
