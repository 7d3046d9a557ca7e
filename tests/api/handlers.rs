//! The real handlers over in-memory adapters, driven by the API Gateway events in `events/`.

use reset_core::domain::password;
use reset_core::reset_token::KeyRing;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};

use crate::events::{self, EXPECTED, Reply, SQS_EXPECTED};
use crate::helpers::{KEY_A, KEY_B, MemoryApp, NEW_PASSWORD, RESET_PAGE, capture_logs, confirm_event, kid_of, request_event, secret, token_in};

pub(crate) fn assert_json_error(reply: &Reply, status: u16, code: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.body);
    assert_eq!(reply.error_code().as_deref(), Some(code), "{context}: {}", reply.body);
    let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(!message.is_empty(), "{context}: a human message");
    assert_eq!(reply.header("content-type"), Some("application/json"), "{context}");
}

#[test]
fn every_event_file_has_a_documented_answer() {
    let mut documented: Vec<&str> = EXPECTED.iter().map(|e| e.file).chain(SQS_EXPECTED.iter().map(|e| e.file)).collect();
    documented.sort();
    assert_eq!(events::files(), documented, "events/ and events::EXPECTED must list the same files");
}

#[tokio::test]
async fn every_event_gives_its_documented_answer_and_bad_ones_change_nothing() {
    for expected in EXPECTED {
        let app = MemoryApp::new().await;
        let before = app.user(DEMO_USER_ID);
        let reply = app.call(&events::load(expected.file)).await;

        assert_eq!(reply.status, expected.status, "{}: {}", expected.file, reply.body);
        assert_eq!(reply.error_code().as_deref(), expected.error, "{}", expected.file);
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{}", expected.file);
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{}", expected.file);
        assert_eq!(reply.header("access-control-allow-origin"), None, "{}: no CORS", expected.file);
        for isolation in ["cross-origin-opener-policy", "cross-origin-resource-policy"] {
            assert_eq!(reply.header(isolation), Some("same-origin"), "{}: {isolation}", expected.file);
        }
        if let Some(code) = expected.error {
            assert_json_error(&reply, expected.status, code, expected.file);
        }
        if let Some(words) = expected.shows {
            assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"), "{}", expected.file);
            assert!(reply.body.contains(words), "{}: the page must say {words:?}:\n{}", expected.file, reply.body);
        }
        let mails = app.mails().await;
        assert_eq!(mails.len(), usize::from(expected.mails_demo_user), "{}: mails sent", expected.file);
        assert!(mails.iter().all(|m| m.to.as_ref() == DEMO_EMAIL), "{}: mail only to the stored address", expected.file);
        if expected.status != 200 {
            assert_eq!(app.user(DEMO_USER_ID), before, "{}: the user must not change", expected.file);
        }
    }
}

#[tokio::test]
async fn known_unknown_and_disabled_accounts_get_byte_identical_answers() {
    let app = MemoryApp::new().await;
    app.add_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, false);
    let known = app.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app.call(&request_event("nobody@example.com")).await;
    let disabled = app.call(&request_event("disabled@example.com")).await;
    for (what, other) in [("unknown", &unknown), ("disabled", &disabled)] {
        assert_eq!(known.status, other.status, "{what}");
        assert_eq!(known.headers, other.headers, "{what}");
        assert_eq!(known.body, other.body, "{what}");
    }
    assert_eq!(known.status, 202);
    assert_eq!(known.body, request_reset::accepted_body(reset_text::Locale::ENGLISH));
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "only the known, active account gets mail");
    assert_eq!(mails[0].to.as_ref(), DEMO_EMAIL);
}

#[tokio::test]
async fn mail_goes_to_the_stored_address_and_lookalikes_match_nothing() {
    let app = MemoryApp::new().await;
    // The accounts the look-alikes below could be confused with.
    app.add_user("u-dimo", "dimo@example.com", DEMO_PASSWORD, true);
    app.add_user("u-kim", "kim@example.com", DEMO_PASSWORD, true);
    // Typed differently, normalized to the stored address: the mail goes to the stored one.
    assert_eq!(app.call(&request_event("  DEMO@Example.com ")).await.status, 202);
    // Look-alikes that are valid addresses of their own (Cyrillic а for demo, dotless ı for dimo,
    // CVE-2019-19844) get the usual 202 and match no one; invisible characters are refused.
    for lookalike in ["demo@ex\u{430}mple.com", "d\u{131}mo@example.com", "DEMO@EXAMPLE.COM.evil.test"] {
        assert_eq!(app.call(&request_event(lookalike)).await.status, 202, "{lookalike}");
    }
    for invisible in ["demo@example.com\u{200b}", "de\u{200d}mo@example.com"] {
        assert_eq!(app.call(&request_event(invisible)).await.error_code().as_deref(), Some("invalid_email"), "{invisible:?}");
    }
    // Canonically equivalent spellings are the same address (NFC: the Kelvin sign is K): its
    // owner gets the mail, at the address as stored, never as typed.
    assert_eq!(app.call(&request_event("\u{212a}im@example.com")).await.status, 202);
    let recipients: Vec<String> = app.mails().await.iter().map(|m| m.to.as_ref().to_owned()).collect();
    assert_eq!(recipients, [DEMO_EMAIL, "kim@example.com"]);
}

#[tokio::test]
async fn the_link_comes_from_configuration_never_from_the_host_header() {
    let app = MemoryApp::new().await;
    let mut event = request_event(DEMO_EMAIL);
    event["headers"]["host"] = "evil.test".into();
    event["headers"]["x-forwarded-host"] = "evil.test".into();
    event["requestContext"]["domainName"] = "evil.test".into();
    assert_eq!(app.call(&event).await.status, 202);
    let mail = &app.mails().await[0];
    assert!(mail.text.contains(&format!("{RESET_PAGE}?lang=en&token=")), "{}", mail.text);
    assert!(!mail.text.contains("evil.test") && !mail.html.contains("evil.test"));
    // The mail says how long the link lasts and what to do if the user did not ask.
    assert!(mail.text.contains("expires in 30 minutes"), "{}", mail.text);
    assert!(mail.text.contains("If you did not ask for this"), "{}", mail.text);
    assert!(mail.html.contains(&format!("href=\"{RESET_PAGE}?lang=en&#38;token=")), "{}", mail.html);
}

#[tokio::test]
async fn the_emailed_token_changes_the_password_once() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let old_hash = app.user(DEMO_USER_ID).password_hash;

    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, reset_password::changed_body(reset_text::Locale::ENGLISH));
    let user = app.user(DEMO_USER_ID);
    assert_ne!(user.password_hash, old_hash);
    assert!(user.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", user.password_hash);
    assert!(password::verify(NEW_PASSWORD, &user.password_hash));
    assert!(!password::verify(DEMO_PASSWORD, &user.password_hash));

    let again = app.call(&confirm_event(&token, "yet another long passphrase")).await;
    assert_json_error(&again, 400, "invalid_or_expired_token", "second use");
    assert_eq!(app.user(DEMO_USER_ID), user, "the second use changes nothing");

    let notices: Vec<_> = app.mails().await.into_iter().filter(|m| m.subject.contains("was changed")).collect();
    assert_eq!(notices.len(), 1, "one password-changed notice");
    assert!(notices[0].text.contains("If it was not you"), "{}", notices[0].text);
    assert!(!notices[0].text.contains(NEW_PASSWORD));
}

#[tokio::test]
async fn a_weak_password_is_refused_with_reasons_and_the_link_still_works() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let before = app.user(DEMO_USER_ID);
    let cases = [
        ("short", "too_short"),
        (&*"x".repeat(257), "too_long"),
        ("", "too_short"),
        ("password1234", "too_guessable"),
        ("qwerty123456", "too_guessable"),
        ("demo@example.com!", "contains_email"),
        ("my demo password", "contains_email"),
    ];
    for (password, code) in cases {
        let reply = app.call(&confirm_event(&token, password)).await;
        assert_json_error(&reply, 422, "weak_password", password);
        assert_eq!(reply.json()["reasons"][0]["code"], code, "{}", reply.body);
    }
    assert_eq!(app.user(DEMO_USER_ID), before);
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
}

#[tokio::test]
async fn every_token_failure_gets_the_same_answer_and_changes_nothing() {
    let app = MemoryApp::new().await;
    app.add_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, false);
    let now = reset_core::unix_now();
    let valid = app.token_for_demo().await;
    let (head, sig) = valid.rsplit_once('.').unwrap();
    let foreign = KeyRing::new("a", [("a".to_string(), KEY_B.to_string())]).unwrap();
    let demo = app.user(DEMO_USER_ID);
    let disabled = app.user("u-disabled");
    let mut cases: Vec<(&str, String)> = vec![
        ("expired", app.token_issued_at(now - 3600, 1800).await),
        ("issued in the future", app.token_issued_at(now + 600, 1800).await),
        ("foreign key", foreign.issue(demo.binding(), now, 1800).unwrap().token),
        ("disabled account", app.keys_ring().await.issue(disabled.binding(), now, 1800).unwrap().token),
        ("tampered signature", format!("{head}.{}", sig.chars().rev().collect::<String>())),
        ("truncated", valid[..valid.len() - 4].to_string()),
        ("not a jwt", "a.b.c".into()),
    ];
    // A user who no longer exists.
    let gone = app.token_issued_at(now, 1800).await;
    cases.push(("deleted user", gone));

    let mut answers = Vec::new();
    for (what, token) in &cases {
        if *what == "deleted user" {
            assert_eq!(app.user(DEMO_USER_ID), demo, "no refused token changed the demo user");
            app.users.remove(&demo.id);
        }
        let reply = app.call(&confirm_event(token, NEW_PASSWORD)).await;
        assert_json_error(&reply, 400, "invalid_or_expired_token", what);
        answers.push(reply.body);
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "one identical body for every token failure");
    assert_eq!(app.user("u-disabled"), disabled);
}

#[tokio::test]
async fn rotation_keeps_links_already_sent_until_the_old_key_is_removed() {
    let app = MemoryApp::new().await;
    let before_rotation = app.token_for_demo().await;
    app.keys.replace(secret("b", &[("a", KEY_A), ("b", KEY_B)]));
    let after_rotation = app.token_for_demo().await;
    assert_eq!((kid_of(&before_rotation), kid_of(&after_rotation)), ("a".into(), "b".into()));

    // Old key still in the secret: the old link works.
    assert_eq!(app.call(&confirm_event(&before_rotation, NEW_PASSWORD)).await.status, 200);

    // Old key removed: a link signed with it fails, however fresh.
    let app = MemoryApp::new().await;
    let old = app.token_for_demo().await;
    app.keys.replace(secret("b", &[("b", KEY_B)]));
    let reply = app.call(&confirm_event(&old, NEW_PASSWORD)).await;
    assert_json_error(&reply, 400, "invalid_or_expired_token", "retired key");
}

/// A link signed with a key added after this process cached its ring (cache TTL 5 minutes) works
/// at once: the unknown key id makes the cache read the secret again.
#[tokio::test]
async fn a_link_signed_with_a_key_newer_than_the_cache_works_at_once() {
    let mut app = MemoryApp::new().await;
    app.cold_start_keys(std::time::Duration::from_secs(300)).await;
    app.keys.replace(secret("b", &[("a", KEY_A), ("b", KEY_B)]));
    let token = app.token_issued_at(reset_core::unix_now(), 1800).await;
    assert_eq!(kid_of(&token), "b");
    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// An emergency `retire --force` must not wait for every instance's cache (here an hour): a
/// change re-reads the ring once the cached one is a minute old, and a link signed with the
/// retired key changes nothing, though the page (on the cached ring) still opens.
#[tokio::test(start_paused = true)]
async fn a_key_retired_in_an_emergency_changes_no_password_after_a_minute_whatever_the_cache() {
    let mut app = MemoryApp::new().await;
    app.cold_start_keys(std::time::Duration::from_secs(3600)).await;
    let old = app.token_for_demo().await;
    assert_eq!(kid_of(&old), "a");
    let before = app.user(DEMO_USER_ID);
    app.keys.replace(secret("b", &[("b", KEY_B)]));
    tokio::time::advance(reset_core::use_cases::confirm_reset::KEYS_FRESH_FOR_A_CHANGE + std::time::Duration::from_secs(1)).await;
    let probe = crate::helpers::link_event(&old, "GET", Some("none"));
    assert_eq!(app.call(&probe).await.status, 303, "the page still checks against the cached ring");
    let logs = capture_logs();
    let run = crate::helpers::unique("key-retired");
    let reply = {
        use tracing::Instrument as _;
        app.call(&confirm_event(&old, NEW_PASSWORD)).instrument(tracing::info_span!("test", run = %run)).await
    };
    assert_json_error(&reply, 400, "invalid_or_expired_token", "key retired a minute ago");
    assert_eq!(app.user(DEMO_USER_ID), before, "nothing changed");
    assert!(logs.records_of(&run).contains("reason=\"key_retired\""), "refused for the retired key, not another reason:\n{}", logs.records_of(&run));
}

#[tokio::test]
async fn an_unreachable_user_store_gives_503_with_retry_after_and_changes_nothing() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.users.outage.set(true);
    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_json_error(&reply, 503, "service_unavailable", "store down");
    assert_eq!(reply.header("retry-after"), Some("5"));
    // A request never reads users, so it is accepted; its mail waits for the store.
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    assert_eq!(app.deliver().await, [reset_core::Delivery::Retry], "the lookup failed: the job comes back");
    app.users.outage.set(false);
    assert!(password::verify(DEMO_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "nothing changed");
    assert_eq!(app.mails().await.len(), 2, "the retried job sends its mail once the store is back");
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200, "the link survives the outage");
}

/// request-reset needs only the hashing keys: without them every account gets the same 503.
#[tokio::test]
async fn keys_unavailable_at_cold_start_answer_503_alike_for_every_account() {
    let mut app2 = MemoryApp::new().await;
    app2.hash_keys.outage.set(true);
    app2.cold_start_keys(std::time::Duration::ZERO).await;
    let known = app2.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app2.call(&request_event("nobody@example.com")).await;
    assert_json_error(&known, 503, "service_unavailable", "keys down");
    assert_eq!((known.headers, known.body), (unknown.headers, unknown.body));
    assert!(app2.mails().await.is_empty());
    // Once the secret can be read, the same process recovers without a restart.
    app2.hash_keys.outage.set(false);
    assert_eq!(app2.call(&request_event(DEMO_EMAIL)).await.status, 202);
}

/// request-reset never reads the signing keys (it has neither their secret's id nor, deployed,
/// the right to read it): their outage changes none of its answers; the link waits in the queue.
#[tokio::test]
async fn request_reset_answers_without_the_signing_keys() {
    let mut app = MemoryApp::new().await;
    app.keys.outage.set(true);
    app.cold_start_keys(std::time::Duration::ZERO).await;
    let fetches = app.keys.fetches();
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    assert_eq!(app.keys.fetches(), fetches, "request-reset asked for no signing key");
    assert_eq!(app.deliver().await, [reset_core::Delivery::Retry], "the worker, which signs the link, waits for them");
    app.keys.outage.set(false);
    assert_eq!(app.mails().await.len(), 1);
}

#[tokio::test]
async fn a_failed_refresh_keeps_serving_the_cached_keys() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.keys.outage.set(true);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    assert_eq!(app.mails().await.len(), 2, "links still go out on the cached keys");
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
}

#[tokio::test]
async fn a_mail_failure_does_not_change_any_answer() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.mailer.outage.set(true);
    let known = app.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app.call(&request_event("nobody@example.com")).await;
    assert_eq!((known.status, &known.headers, &known.body), (unknown.status, &unknown.headers, &unknown.body));
    assert_eq!(known.status, 202);
    // The reset itself stands even if its notice cannot be sent.
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash));
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let app = MemoryApp::new().await;
    let mut event = request_event(DEMO_EMAIL);
    event["rawPath"] = "/password-reset/other".into();
    event["requestContext"]["http"]["path"] = "/password-reset/other".into();
    assert_json_error(&app.call(&event).await, 404, "not_found", "unknown path");
}

#[tokio::test]
async fn the_mail_link_carries_a_token_the_ring_verifies() {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = token_in(&app.mails().await[0].text);
    let ring = app.keys_ring().await;
    let unbound = ring.verify(&token, reset_core::unix_now()).unwrap();
    assert_eq!(unbound.subject(), DEMO_USER_ID);
}

/// The flow's log, at TRACE, over JSON, forms and a base64-encoded body, on the happy path and on
/// failures. Positive checks read only this test's lines (tagged with a run id; the capture is
/// process-wide); the secrets must be absent from every line, in every form they travel in.
#[tokio::test]
async fn no_log_line_holds_a_token_a_password_or_a_whole_email() {
    use base64::Engine as _;
    use tracing::Instrument as _;
    let captured = capture_logs();
    let run = crate::helpers::unique("log-hygiene");
    let app = MemoryApp::new().await;
    let other = "someone.else@example.com";
    let token = async {
        let token = app.token_for_demo().await;
        app.call(&confirm_event(&token, "short")).await;
        app.call(&confirm_event(&format!("{token}x"), NEW_PASSWORD)).await;
        // The forgot form carries the address URL-encoded; a body API Gateway base64-encoded.
        let mut form = events::load("request-reset-forgot-form.json");
        form["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("email", other).finish().into();
        assert_eq!(app.call(&form).await.status, 200);
        let mut encoded = request_event(other);
        encoded["body"] = base64::engine::general_purpose::STANDARD.encode(encoded["body"].as_str().unwrap()).into();
        encoded["isBase64Encoded"] = true.into();
        assert_eq!(app.call(&encoded).await.status, 202);
        app.deliver().await;
        // Failures: the mail service down (the reset link and the notice wait in the queue), then
        // the user store down (the worker's lookup and the confirm fail).
        app.mailer.outage.set(true);
        app.call(&request_event(DEMO_EMAIL)).await;
        assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
        app.deliver().await;
        app.users.outage.set(true);
        app.call(&request_event(other)).await;
        app.call(&confirm_event(&token, NEW_PASSWORD)).await;
        app.deliver().await;
        token
    }
    .instrument(tracing::info_span!("test", run = %run))
    .await;

    let logs = captured.text();
    let ours = captured.records_of(&run);
    assert!(ours.contains("reset requested") && ours.contains("password reset confirmed"), "the flow was logged:\n{ours}");
    assert!(ours.matches("metric=\"mail_retry\"").count() >= 3, "failures are logged:\n{ours}");
    // The audit trail: every outcome, with the request id and source IP from API Gateway and a
    // keyed hash of the email (the same address, the same hash).
    for expected in ["reset_requested", "reset_confirmed", "password_changed", "token_rejected", "weak_password", "unavailable", "email_hash"] {
        assert!(ours.contains(expected), "the audit log lacks {expected}:\n{ours}");
    }
    assert!(ours.contains("request_id=\"c6af9ac6-7b61-11e6-9a41-93e8deadbeef\""), "{ours}");
    // The link's id (`jti`) ties the mail that carried it to the confirm that used it.
    let sent = ours.lines().find(|l| l.contains("audit=\"reset_mail\"") && l.contains("outcome=\"sent\"")).expect("a sent mail");
    let token_id = sent.split("token_id=").nth(1).and_then(|rest| rest.split(['"', ' ', '}']).find(|s| !s.is_empty())).expect("the mail's token_id");
    assert!(
        ours.lines().any(|l| l.contains("outcome=\"password_changed\"") && l.contains(token_id)),
        "the confirm names the same token_id {token_id}:\n{ours}"
    );
    assert!(ours.contains("203.0.113.7"), "source IP:\n{ours}");
    crate::helpers::assert_no_reset_secret_logged(&logs, &token, &[("the other address", other), ("the key", KEY_A)]);
}

/// The request path does the same work for every address and none of it touches users or mail:
/// with the user store and the mail service down and mail taking 150 ms, known, unknown and
/// disabled addresses get the same answer after the same (virtual, so exact) time, with no sleep
/// to hide anything, and each leaves exactly one job of the same shape on the queue.
#[tokio::test(start_paused = true)]
async fn the_request_path_reads_no_user_sends_no_mail_and_takes_the_same_time() {
    use std::time::Duration;
    let app = MemoryApp::new().await;
    app.add_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, false);
    app.users.outage.set(true);
    app.mailer.outage.set(true);
    app.mailer.set_latency(Duration::from_millis(150));
    let mut answers = Vec::new();
    for email in [DEMO_EMAIL, "nobody@example.com", "disabled@example.com"] {
        let started = tokio::time::Instant::now();
        let reply = app.call(&request_event(email)).await;
        assert_eq!(started.elapsed(), Duration::ZERO, "{email}: no sleep and no waiting on mail");
        answers.push((reply.status, reply.headers, reply.body));
    }
    assert!(answers.iter().all(|a| *a == answers[0]) && answers[0].0 == 202, "{answers:?}");
    let jobs = app.queue.queued();
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j.kind() == "reset_link"));
    // Once the user store and mail are back, the worker sends the one mail that is due.
    app.users.outage.set(false);
    app.mailer.outage.set(false);
    assert_eq!(app.mails().await.len(), 1, "only the known, active account gets mail");
}

#[tokio::test]
async fn an_unreachable_limits_store_gives_503_and_nothing_is_looked_up_sent_or_written() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.limits.outage.set(true);
    for event in [request_event(DEMO_EMAIL), confirm_event(&token, NEW_PASSWORD)] {
        let reply = app.call(&event).await;
        assert_json_error(&reply, 503, "service_unavailable", "limits down");
        assert_eq!(reply.header("retry-after"), Some("5"));
    }
    assert_eq!(app.mails().await.len(), 1, "no mail while the limits cannot be counted");
    assert!(password::verify(DEMO_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "nothing changed");
}

#[tokio::test]
async fn a_failing_password_write_gives_503_changes_nothing_and_the_link_survives() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let before = app.user(DEMO_USER_ID);
    app.users.write_outage.set(true);
    for event in [confirm_event(&token, NEW_PASSWORD), crate::helpers::link_event(&token, "GET", Some("none"))] {
        let reply = app.call(&event).await;
        // The link GET reads only: it still works while writes fail.
        if event["rawPath"] == reset_password::PATH {
            assert_json_error(&reply, 503, "service_unavailable", "write down");
        } else {
            assert_eq!(reply.status, 303, "the link GET does not write");
        }
    }
    app.users.write_outage.set(false);
    assert_eq!(app.user(DEMO_USER_ID), before, "the failed write left the user as it was");
    assert_eq!(app.mails().await.len(), 1, "no password-changed notice for a change that did not happen");
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200, "the link survives the failed write");
}
