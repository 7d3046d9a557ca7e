//! The functions as `cargo lambda watch` serves them: every event in `events/` replayed with
//! `cargo lambda invoke --data-file`, and the whole journey over plain HTTP at the template's
//! paths (the router table in Cargo.toml), all against moto through the real SDK.

use reset_core::domain::password;
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};
use serde_json::json;

use crate::events::{self, EXPECTED, Function, SQS_EXPECTED};
use crate::helpers::{LocalApi, NEW_PASSWORD};

fn post(url: &str, body: &serde_json::Value) -> (u16, String) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent.post(url).header("content-type", "application/json").send(body.to_string()).expect("the local API answers");
    (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn events_replay_through_cargo_lambda_and_the_journey_works_over_http() {
    // The real binaries, logging as verbosely as an operator could turn them.
    let LocalApi { url: api, stack, mut watch, pump: _pump } = LocalApi::start(&[("AWS_LAMBDA_LOG_LEVEL", "trace")]).await;

    for expected in EXPECTED {
        let function = Function::of(expected.file).binary();
        let reply = watch.invoke(function, &events::dir().join(expected.file)).unwrap_or_else(|e| panic!("{}: {e:#}", expected.file));
        assert_eq!(reply.status, expected.status, "{}: {}", expected.file, reply.body);
        assert_eq!(reply.error_code().as_deref(), expected.error, "{}", expected.file);
        if let Some(words) = expected.shows {
            assert!(reply.body.contains(words), "{}: the page must say {words:?}", expected.file);
        }
    }
    let mailed = EXPECTED.iter().filter(|e| e.mails_demo_user).count();
    let mails = stack.mails_eventually(mailed).unwrap();
    assert_eq!(mails.len(), mailed, "one mail per event that asks for the demo user");

    // The mail worker's SQS events, as `sam local invoke -e` would hand them (times made fresh).
    let scratch = reset_local::workspace_root().join("target/test-logs");
    let ring = stack.hash_ring().await.unwrap();
    for expected in SQS_EXPECTED {
        let file = scratch.join(format!("fresh-{}-{}", watch.port, expected.file));
        std::fs::write(&file, events::fresh(events::load(expected.file), &ring).to_string()).unwrap();
        let answer = watch.invoke_json("mail-worker", &file).unwrap_or_else(|e| panic!("{}: {e:#}", expected.file));
        let failures = answer["batchItemFailures"].as_array().unwrap_or_else(|| panic!("{}: {answer}", expected.file));
        assert_eq!(failures.len(), expected.failures, "{}: {answer}", expected.file);
    }
    let mailed = mailed + SQS_EXPECTED.iter().map(|e| e.mails_demo_user).sum::<usize>();
    let mails = stack.mails_eventually(mailed).unwrap();
    assert_eq!(mails.len(), mailed, "the worker's events mailed the demo user as documented");
    assert!(mails.iter().all(|m| m.destinations.to == [DEMO_EMAIL]), "mail only to the stored address");

    // The journey over HTTP, at the same paths as deployed.
    let (status, body) = post(&format!("{api}/password-reset/request"), &json!({ "email": DEMO_EMAIL }));
    assert_eq!((status, body.as_str()), (202, request_reset::accepted_body(reset_text::Locale::ENGLISH).as_str()));
    let mails = stack.mails_eventually(mailed + 1).unwrap();
    let link = mails.last().unwrap().reset_link().expect("a reset link");
    assert!(link.starts_with(&format!("{api}/reset-password?lang=en&token=")), "{link}");
    let token = mails.last().unwrap().token().unwrap();

    let confirm = json!({ "token": token, "password": NEW_PASSWORD });
    assert_eq!(post(&format!("{api}/password-reset/confirm"), &confirm).0, 200);
    assert!(password::verify(NEW_PASSWORD, &stack.password_hash(DEMO_USER_ID).await.unwrap()));
    let (status, body) = post(&format!("{api}/password-reset/confirm"), &confirm);
    assert_eq!(status, 400, "{body}");

    // Failure paths: the users table disappears, so the mail worker logs its error chain and
    // keeps the message for a retry (the request itself never reads users: still 202) ...
    stack.dynamodb().delete_table().table_name(&stack.table.table).send().await.unwrap();
    let (status, _) = post(&format!("{api}/password-reset/request"), &json!({ "email": DEMO_EMAIL }));
    assert_eq!(status, 202);
    let (status, _) = post(&format!("{api}/password-reset/confirm"), &json!({ "token": token, "password": "another long passphrase" }));
    assert_eq!(status, 503);

    // Read the log once the functions have written their last audit record (this run's log only:
    // it is emptied when watch starts).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let logs = loop {
        let logs = std::fs::read_to_string(watch.log()).unwrap();
        if (logs.contains("outcome=\"unavailable\"") && logs.contains("mail_retry")) || std::time::Instant::now() > deadline {
            break logs;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // AWS errors reach the log as their codes, never as the service's message (which names
    // tables, secrets and, for SES, addresses).
    assert!(!logs.contains("Requested resource not found") && !logs.contains("Table: users"), "a service message reached the log");
    for expected in [
        "outcome=\"queued\"",
        "outcome=\"sent\"",
        "mail_retry",
        "outcome=\"password_changed\"",
        "outcome=\"token_rejected\"",
        "outcome=\"unavailable\"",
        "ResourceNotFoundException",
    ] {
        assert!(logs.contains(expected), "the functions' log lacks {expected}");
    }
    // Even at TRACE, the functions' logs hold no token, password or address (the recipient's
    // included), in any form: the replayed form events carry them URL-encoded.
    for (what, secret) in [("the token", token.as_str()), ("the new password", NEW_PASSWORD), ("the recipient", DEMO_EMAIL)] {
        crate::helpers::assert_not_logged(&logs, secret, what);
    }
}
