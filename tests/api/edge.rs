//! Behind a CDN (CloudFront with AWS WAF, `EdgeProtection=true`): requests that did not come
//! through it are refused before anything is spent, and the per-IP limit and the requester's
//! network use the viewer address the CDN reports, only once its secret header is verified.

use reset_core::mail_job::MailJob;
use reset_core::settings::Edge;
use reset_tests::events;

use crate::helpers::{MemoryApp, link_event};

/// The value `events/request-reset-via-cdn.json` carries in `x-origin-verify`.
const ORIGIN_SECRET: &str = "example-origin-verify-value";

async fn behind_cdn() -> MemoryApp {
    let mut app = MemoryApp::new().await;
    app.deps.settings.edge = Some(Edge { origin_secret: ORIGIN_SECRET.to_owned().into() });
    app
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
    let ring = app.keys_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("198.51.100.0/24"), "the viewer's /24, not the CDN's address");
    assert!(app.limits.keys().iter().any(|k| k.starts_with(&format!("ip#{}#", ring.audit_hash("198.51.100.7")))), "{:?}", app.limits.keys());

    // IPv6 viewers (no brackets, the port after the last colon) count by their /64.
    let app = behind_cdn().await;
    let mut v6 = events::load("request-reset-via-cdn.json");
    v6["headers"]["cloudfront-viewer-address"] = "2001:db8:1:2:aaaa:bbbb:cccc:dddd:443".into();
    assert_eq!(app.call(&v6).await.status, 202);
    assert_eq!(queued_requester(&app), ring.audit_hash("2001:db8:1:2::/64"));

    // A verified request without a viewer address falls back to the peer API Gateway saw.
    let app = behind_cdn().await;
    let mut bare = events::load("request-reset-via-cdn.json");
    bare["headers"].as_object_mut().unwrap().remove("cloudfront-viewer-address");
    assert_eq!(app.call(&bare).await.status, 202);
    assert_eq!(queued_requester(&app), ring.audit_hash("203.0.113.0/24"));
}

#[tokio::test]
async fn without_a_cdn_a_forged_viewer_address_is_ignored() {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&events::load("request-reset-via-cdn.json")).await.status, 202);
    let ring = app.keys_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("203.0.113.0/24"), "API Gateway's peer, not the header");
}

/// The wiring reads the CDN's secret at cold start; a secret that cannot be read stops the start
/// (the function could not tell the CDN's requests from others).
#[tokio::test]
async fn the_cdn_secret_is_read_at_cold_start_or_the_function_does_not_start() {
    let app = crate::helpers::MotoApp::start().await;
    app.stack.secrets().create_secret().name("password-reset/origin-verify").secret_string(ORIGIN_SECRET).send().await.unwrap();
    let mut config = app.stack.config();
    config.origin_verify_secret = Some("password-reset/origin-verify".into());
    let deps: reset_wiring::AwsDeps = reset_wiring::aws_deps(config, &app.stack.sdk).await.unwrap();
    let reply = crate::helpers::call(&deps, &events::load("request-reset-via-cdn.json")).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(crate::helpers::call(&deps, &events::load("request-reset.json")).await.status, 403);

    let mut config = app.stack.config();
    config.origin_verify_secret = Some("no/such/secret".into());
    let err = reset_wiring::aws_deps::<reset_wiring::Aws>(config, &app.stack.sdk).await.err().expect("no start without the secret");
    assert!(format!("{err:#}").contains("origin-verify"), "{err:#}");
}
