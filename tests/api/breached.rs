//! The optional breached-password check (`BREACHED_PASSWORD_CHECK=on`): a password the corpus
//! holds is refused with its own reason; only five hex digits of its SHA-1 leave the process, with
//! padding asked for; a corpus that fails or is slower than the configured timeout does not block
//! a reset (it is logged).
//! The corpus is a local stand-in for the Pwned Passwords range API, reached through the real
//! wiring and the SDK's HTTP client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reset_core::domain::password;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};

use crate::handlers::assert_json_error;
use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, call, capture_logs, confirm_event, request_event};

/// Strong by every local rule (length, zxcvbn, not the email), so only the corpus can refuse it.
const BREACHED: &str = "velvet harbour quantum spoon 1987";

fn sha1_hex(password: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers like the API: padding lines, plus the listed passwords under the asked prefix.
    Answer,
    Status(u16),
    /// Answers like [`Behaviour::Answer`], after this long.
    Late(Duration),
}

/// A stand-in for the range API that records what it was asked.
struct RangeApi {
    range_url: String,
    /// (path, Add-Padding header) of every request.
    seen: Arc<Mutex<Vec<(String, Option<String>)>>>,
}

impl RangeApi {
    fn start(behaviour: Behaviour, listed: &[(&str, u64)]) -> RangeApi {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
        let range_url = format!("http://{}/range/", server.server_addr().to_ip().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let listed: Vec<(String, u64)> = listed.iter().map(|(p, n)| (sha1_hex(p), *n)).collect();
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let padding = request.headers().iter().find(|h| h.field.equiv("add-padding")).map(|h| h.value.to_string());
                let path = request.url().to_owned();
                log.lock().unwrap().push((path.clone(), padding));
                let prefix = path.trim_start_matches("/range/").to_owned();
                let mut body: String = (0..800).map(|i| format!("{i:035X}:0\r\n")).collect();
                for (hash, count) in &listed {
                    if hash.starts_with(&prefix) {
                        body.push_str(&format!("{}:{count}\r\n", &hash[5..]));
                    }
                }
                match behaviour {
                    Behaviour::Answer => {
                        let _ = request.respond(tiny_http::Response::from_string(body));
                    }
                    Behaviour::Late(delay) => {
                        std::thread::spawn(move || {
                            std::thread::sleep(delay);
                            let _ = request.respond(tiny_http::Response::from_string(body));
                        });
                    }
                    Behaviour::Status(code) => {
                        let _ = request.respond(tiny_http::Response::from_string("<html>unavailable</html>").with_status_code(code));
                    }
                }
            }
        });
        RangeApi { range_url, seen }
    }

    fn seen(&self) -> Vec<(String, Option<String>)> {
        self.seen.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_breached_password_is_refused_with_its_own_reason_and_the_link_still_works() {
    let app = MemoryApp::new().await;
    app.breaches.add(BREACHED);
    let token = app.token_for_demo().await;
    let before = app.user(DEMO_USER_ID);

    let api = app.call(&confirm_event(&token, BREACHED)).await;
    assert_json_error(&api, 422, "weak_password", BREACHED);
    assert_eq!(api.json()["reasons"][0]["code"], "breached", "{}", api.body);
    let page = app.call(&crate::pages::form_event(Some(&token), BREACHED, BREACHED)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("This password has appeared in a data breach"), "{}", page.body);
    assert_eq!(app.user(DEMO_USER_ID), before, "nothing changed");
    assert_eq!(app.breaches.asked(), 2);

    // A password the local rules refuse is never sent to the corpus.
    assert_eq!(app.call(&confirm_event(&token, "password1234")).await.status, 422);
    assert_eq!(app.breaches.asked(), 2);

    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
}

#[tokio::test]
async fn only_a_padded_five_digit_prefix_leaves_and_a_listed_password_is_refused() {
    let range = RangeApi::start(Behaviour::Answer, &[(BREACHED, 3), (NEW_PASSWORD, 0)]);
    let app = MotoApp::start_with(&[("BREACHED_PASSWORD_CHECK", "on"), ("BREACHED_PASSWORD_RANGE_URL", &range.range_url)]).await;
    // Each function as its cold start builds it from the environment.
    let http = &app.deps;
    assert_eq!(call(http, &request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let hash_before = app.stack.password_hash(DEMO_USER_ID).await.unwrap();

    let refused = call(http, &confirm_event(&token, BREACHED)).await;
    assert_json_error(&refused, 422, "weak_password", BREACHED);
    assert_eq!(refused.json()["reasons"][0]["code"], "breached", "{}", refused.body);
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), hash_before);

    // Listed with a count of 0 is padding, not a breach.
    assert_eq!(call(http, &confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    assert!(password::verify(NEW_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()));

    let seen = range.seen();
    let expected: Vec<(String, Option<String>)> =
        [BREACHED, NEW_PASSWORD].iter().map(|p| (format!("/range/{}", &sha1_hex(p)[..5]), Some("true".to_owned()))).collect();
    assert_eq!(seen, expected, "one request per check: five hex digits of the SHA-1, padding asked for");
    for (path, _) in &seen {
        assert!(!path.contains(&sha1_hex(BREACHED)[5..10]) && !path.contains(&sha1_hex(NEW_PASSWORD)[5..10]), "no more of the hash: {path}");
    }
}

/// The configured timeout (300 ms here) is the one that holds: the slow corpus answers in 1 s,
/// past it but inside the 1.5 s default, and lists the new password, so a confirm that waited for
/// it (the default in force, or no timeout) would be refused as breached.
#[tokio::test]
async fn a_corpus_that_fails_or_outlasts_the_configured_timeout_does_not_block_a_reset() {
    let logs = capture_logs();
    for (behaviour, user) in [(Behaviour::Status(503), "u-breach-503"), (Behaviour::Late(Duration::from_secs(1)), "u-breach-late")] {
        let range = RangeApi::start(behaviour, &[(BREACHED, 3)]);
        let app = MotoApp::start_with(&[
            ("BREACHED_PASSWORD_CHECK", "on"),
            ("BREACHED_PASSWORD_RANGE_URL", &range.range_url),
            ("BREACHED_PASSWORD_TIMEOUT_MS", "300"),
        ])
        .await;
        let email = format!("{user}@example.com");
        app.stack.put_user(user, &email, DEMO_PASSWORD, Some("active")).await.unwrap();
        let http = &app.deps;
        assert_eq!(call(http, &request_event(&email)).await.status, 202);
        let token = app.mails().await.iter().find(|m| m.destinations.to == [email.clone()]).and_then(|m| m.token()).expect("a reset mail");

        let confirmed = call(http, &confirm_event(&token, BREACHED)).await;
        assert_eq!(confirmed.status, 200, "{user}: the reset goes ahead without the check: {}", confirmed.body);
        assert!(password::verify(BREACHED, &app.stack.password_hash(user).await.unwrap()));
        assert_eq!(range.seen().len(), 1, "{user}: the corpus was asked");
        let records = logs.records_of(user);
        assert!(records.contains("metric=\"breach_check_unavailable\""), "{user}: {records}");
        assert!(!records.contains(BREACHED) && !records.contains(&sha1_hex(BREACHED)[..5]), "{user}: {records}");
    }
}
