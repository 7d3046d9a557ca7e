//! The production wiring (real AWS SDK: DynamoDB, SES v2, SQS, Secrets Manager) against a moto
//! server each test starts for itself, with the mail worker's real handler fed from the queue.

use reset_core::domain::password;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};

use crate::helpers::{MotoApp, NEW_PASSWORD, RESET_PAGE, confirm_event, kid_of, request_event};

#[tokio::test]
async fn request_mail_link_confirm_then_the_link_is_dead() {
    let app = MotoApp::start().await;
    let reply = app.call(&request_event(DEMO_EMAIL)).await;
    assert_eq!(reply.status, 202, "{}", reply.body);

    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.destinations.to, vec![DEMO_EMAIL.to_string()]);
    assert_eq!(mail.source, reset_local::stack::SENDER);
    let link = mail.reset_link().expect("the mail holds a reset link");
    assert!(link.starts_with(&format!("{RESET_PAGE}?lang=en&token=")), "{link}");
    let token = mail.token().unwrap();

    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stored = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(password::verify(NEW_PASSWORD, &stored), "the stored hash verifies the new password");
    assert!(!password::verify(DEMO_PASSWORD, &stored));
    let item = app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();
    let changed_at: u64 = item["password_changed_at"].as_n().unwrap().parse().unwrap();
    assert!(changed_at.abs_diff(reset_core::unix_now()) < 60, "password_changed_at is set");

    let again = app.call(&confirm_event(&token, "yet another long passphrase")).await;
    assert_eq!((again.status, again.error_code().as_deref()), (400, Some("invalid_or_expired_token")));
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), stored, "the dead link changed nothing");

    let mails = app.mails().await;
    assert_eq!(mails.len(), 2, "a password-changed notice follows the reset");
    assert!(mails[1].subject.contains("was changed"), "{}", mails[1].subject);
    assert_eq!(mails[1].destinations.to, vec![DEMO_EMAIL.to_string()]);
}

#[tokio::test]
async fn unknown_and_disabled_accounts_get_the_same_202_and_no_mail() {
    let app = MotoApp::start().await;
    app.stack.put_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, Some("disabled")).await.unwrap();
    let known = app.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app.call(&request_event("nobody@example.com")).await;
    let disabled = app.call(&request_event("disabled@example.com")).await;
    for other in [&unknown, &disabled] {
        assert_eq!((known.status, &known.headers, &known.body), (other.status, &other.headers, &other.body));
    }
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "only the demo user got mail");
    assert_eq!(mails[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
}

/// Twenty confirms race for real: separate tasks and clients, released together. At least one must
/// lose at the conditional write (`lost_race`: it read the old hash, so it passed every check,
/// and only the store's condition stopped it); sequential requests, or a lock in the process,
/// would instead all fail at the token check.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_concurrent_confirms_with_one_token_exactly_one_succeeds() {
    let logs = crate::helpers::capture_logs();
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let passwords: Vec<String> = (0..20).map(|i| format!("concurrent passphrase {i:02}")).collect();
    let run = crate::helpers::unique("confirm-race");
    let replies = crate::helpers::race(&app.stack, passwords.iter().map(|p| confirm_event(&token, p)).collect(), &run).await;

    let winners: Vec<usize> = replies.iter().enumerate().filter(|(_, r)| r.status == 200).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in replies.iter().filter(|r| r.status != 200) {
        assert_eq!((r.status, r.error_code().as_deref()), (400, Some("invalid_or_expired_token")), "{}", r.body);
    }
    let stored = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert!(password::verify(&passwords[winners[0]], &stored), "the winner's password is the one stored");

    let logs = logs.text();
    let lost = logs.lines().filter(|l| l.contains(&run) && l.contains("lost_race")).count();
    assert!(lost >= 1, "no confirm lost at the conditional write, so none raced another to the store");
    let notices: Vec<_> = app.mails().await.into_iter().filter(|m| m.subject.contains("was changed")).collect();
    assert_eq!(notices.len(), 1, "exactly one password-changed mail");
    assert_eq!(notices[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
    // No event without its change: the confirms that lost at the conditional write (each had
    // passed every check and built its event) wrote none.
    let outbox: Vec<_> = app.stack.events.items().await.unwrap().iter().filter_map(reset_aws::outbox_event).collect();
    let changed: Vec<_> = outbox.iter().filter(|e| e.detail_type == "Password Changed").collect();
    assert_eq!(changed.len(), winners.len(), "one event per change, none for a lost race: {outbox:#?}");
}

/// Keys loaded and the limits table up, then the users table and the mail queue become
/// unreachable for the HTTP functions (nothing listens at their endpoint): a request cannot queue its job and a confirm
/// cannot read the user; every answer is the same 503, and moto, read afterwards, holds the user,
/// the queue and the mail as they were.
#[tokio::test]
async fn aws_unreachable_mid_flow_gives_503_and_nothing_changes() {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let item_before = app.stack.user_item(DEMO_USER_ID).await.unwrap();
    let gone = crate::faults::sdk_at(&format!("http://127.0.0.1:{}", reset_local::free_port())).await;
    let config = app.stack.config();
    // The user store and the queue unreachable for the HTTP functions (the mail worker, which
    // alone sends, is not called).
    let mut deps = crate::helpers::AwsFunctions::on(&app.stack).await;
    let queue = || reset_aws::SqsQueue::new(aws_sdk_sqs::Client::new(&gone), config.mail_queue_url.clone(), config.notice_queue_url.clone());
    (deps.request.queue, deps.confirm.common.queue) = (queue(), queue());
    deps.confirm.users = reset_aws::DynamoUsers::new(aws_sdk_dynamodb::Client::new(&gone), config.table);
    let mut answers = Vec::new();
    for event in [request_event(DEMO_EMAIL), request_event("nobody@example.com"), confirm_event(&token, NEW_PASSWORD)] {
        let reply = crate::helpers::call(&deps, &event).await;
        assert_eq!((reply.status, reply.error_code().as_deref()), (503, Some("service_unavailable")), "{}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("5"));
        answers.push((reply.headers, reply.body));
    }
    assert_eq!(answers[0], answers[1], "the same 503 for a known and an unknown address");
    assert_eq!(app.stack.user_item(DEMO_USER_ID).await.unwrap(), item_before, "the user is as it was");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "nothing was queued");
    assert_eq!(app.mails().await.len(), 1, "no mail went out");
}

/// The account cannot send (here its sender is not verified: SES's MessageRejected says so, as it
/// does for a paused account's every mail in kind): the request's answer never knew, the worker
/// keeps the mail (retried with a metric of its own, never settled as refused) until it waits in
/// the dead-letter queue; once the sender is verified, the RUNBOOK's redrive delivers it, once,
/// and drops a link that went stale meanwhile.
#[tokio::test]
async fn mail_refused_for_the_account_s_state_waits_for_the_fix_and_the_redrive_delivers_it() {
    use tracing::Instrument as _;
    let logs = crate::helpers::capture_logs();
    let run = crate::helpers::unique("unverified-sender");
    let app = MotoApp::start_with(&[("SENDER_EMAIL", "no-reply@unverified.example"), ("MAIL_RETRY_BASE_SECONDS", "0")]).await;
    let (known, unknown, mails) = async {
        let known = app.call(&request_event(DEMO_EMAIL)).await;
        let unknown = app.call(&request_event("nobody@example.com")).await;
        // Every delivery the queue allows (it hands a failed message out again at once here).
        (known, unknown, app.mails().await)
    }
    .instrument(tracing::info_span!("test", run = %run))
    .await;
    assert_eq!((known.status, &known.headers, &known.body), (202, &unknown.headers, &unknown.body));
    assert!(mails.is_empty(), "SES refused the unverified sender");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0);
    let dead = app.stack.queue.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1, "the known address's mail waits in the dead-letter queue (the unknown one needed none)");
    // The failure is logged, but SES's message quotes addresses (the recipient's, in the SES
    // sandbox): only its error code may reach the log.
    let ours = logs.records_of(&run);
    assert_eq!(ours.matches("metric=\"mail_account_refused\"").count(), reset_local::stack::MAX_RECEIVES as usize, "{ours}");
    assert!(ours.contains("MessageRejected") && !ours.contains("metric=\"mail_refused\""), "{ours}");
    assert!(!logs.text().contains("unverified.example"), "an address from SES's message reached the log");

    // A link that has waited longer than MAIL_MAX_AGE_SECONDS is there too, and a notice from
    // the notice queue (both queues share the dead-letter queue).
    let stale = crate::mail_delivery::reset_job(DEMO_EMAIL, reset_core::unix_now() - 3600);
    let ring = app.stack.hash_ring().await.unwrap();
    app.stack.queue.send_dead_letter(&crate::mail_delivery::signed(stale, &ring)).await.unwrap();
    let notice = crate::mail_delivery::notice(DEMO_USER_ID, DEMO_EMAIL, reset_core::unix_now() - 600);
    app.stack.queue.send_dead_letter(&crate::mail_delivery::signed(notice, &ring)).await.unwrap();

    // The operator verifies the sender, then redrives: each message back to the queue it came from.
    app.stack.ses().create_email_identity().email_identity("unverified.example").send().await.unwrap();
    assert_eq!(app.stack.queue.redrive().await.unwrap(), 3);
    use reset_core::domain::mail_job::Lane;
    assert_eq!((app.stack.queue.depth_of(Lane::Links).await.unwrap(), app.stack.queue.depth_of(Lane::Notices).await.unwrap()), (2, 1));
    let run = crate::helpers::unique("redrive");
    let mails = async { app.mails().await }.instrument(tracing::info_span!("test", run = %run)).await;
    let redriven = logs.records_of(&run);
    assert_eq!(redriven.matches("metric=\"reset_mail_stale\"").count(), 1, "the stale link is dropped as stale: {redriven}");
    assert_eq!(mails.len(), 2, "the kept mail and the notice go out once; the stale link does not");
    assert!(mails.iter().all(|m| m.destinations.to == [DEMO_EMAIL]));
    assert_eq!(mails.iter().filter(|m| m.token().is_some()).count(), 1, "one reset link that works (signed when sent) and the notice");
    assert!(app.stack.queue.dead_letters().await.unwrap().is_empty() && app.stack.queue.depth().await.unwrap() == 0);
}

/// request-reset's keys are the hashing keys: without their secret every account gets the same
/// 503. Without the signing secret it answers as ever (it never reads it); no link goes out.
#[tokio::test]
async fn a_missing_secret_gives_503_for_every_account() {
    let app = MotoApp::start_with(&[("HASHING_KEY_SECRET_ID", "no/such/secret")]).await;
    let known = app.call(&request_event(DEMO_EMAIL)).await;
    let unknown = app.call(&request_event("nobody@example.com")).await;
    assert_eq!((known.status, &known.headers, &known.body), (503, &unknown.headers, &unknown.body));
    assert!(app.mails().await.is_empty());

    let app = MotoApp::start_with(&[("SIGNING_KEY_SECRET_ID", "no/such/secret")]).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202, "request-reset needs no signing key");
    assert!(app.mails().await.is_empty(), "the worker cannot sign the link");
}

#[tokio::test]
async fn rotation_with_the_tool_keeps_old_links_until_retired_and_reaches_running_functions() {
    use reset_operator::{Command, run};
    let app = MotoApp::start_with(&[("KEY_CACHE_SECONDS", "1")]).await;
    let client = app.stack.secrets();
    let secret_id = reset_local::stack::SECRET_ID;
    let cache_ttl = std::time::Duration::from_millis(1100);

    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let old_link = app.mails().await[0].token().unwrap();
    let added = run(&client, secret_id, Command::Add, reset_core::unix_now()).await.unwrap();
    assert!(added.starts_with("added k") && !added.contains('='), "{added}");
    tokio::time::sleep(cache_ttl).await;

    // The running function signs with the new key, and the old link still works.
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let new_link = app.mails().await[1].token().unwrap();
    assert_eq!(kid_of(&old_link), "local-1");
    assert!(kid_of(&new_link).starts_with('k') && kid_of(&new_link) != "local-1");
    // Probe without spending it: the link GET verifies the token completely (303 to the form) or
    // answers the invalid-link page (400).
    let probe = crate::helpers::link_event(&old_link, "GET", Some("none"));
    assert_eq!(app.call(&probe).await.status, 303, "the old link still verifies after rotation");

    // Retiring right away is refused: links signed with the old key may still be out there.
    let early = run(&client, secret_id, Command::Retire { min_age: None, force: false }, reset_core::unix_now()).await;
    assert!(early.unwrap_err().to_string().contains("Retire later"));

    let retired = run(&client, secret_id, Command::Retire { min_age: Some(std::time::Duration::ZERO), force: false }, reset_core::unix_now()).await.unwrap();
    assert!(retired.contains("retired local-1"), "{retired}");
    tokio::time::sleep(cache_ttl).await;
    assert_eq!(app.call(&probe).await.status, 400, "the retired key's link no longer verifies");
    let dead = app.call(&confirm_event(&old_link, NEW_PASSWORD)).await;
    assert_eq!((dead.status, dead.error_code().as_deref()), (400, Some("invalid_or_expired_token")));
    assert_eq!(app.call(&confirm_event(&new_link, NEW_PASSWORD)).await.status, 200);
}

/// A port someone else took between `free_port` and the child's bind: the child exits, and the
/// start must fail (and be retried elsewhere) instead of taking the other server for its own.
#[test]
fn a_taken_port_is_never_mistaken_for_our_moto() {
    let first = reset_local::stack::Moto::start(None).expect("moto starts");
    let port: u16 = first.url.rsplit(':').next().unwrap().parse().unwrap();
    let second = reset_local::stack::Moto::start(Some(port));
    assert!(second.is_err(), "a second moto on {port} attached to the first one");
}

/// An operator follows one user's resets without their address in clear: the tool prints the
/// keyed hash the audit log holds for the address (typed in any case), and it matches the
/// request's and the mail's audit events.
#[tokio::test]
async fn the_tool_prints_the_audit_hash_the_logs_hold_for_an_address() {
    use reset_operator::hashing::{HashCommand, run};
    use tracing::Instrument as _;
    let logs = crate::helpers::capture_logs();
    let trace = crate::helpers::unique("audit-hash");
    let app = MotoApp::start().await;
    async {
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        app.deliver().await;
    }
    .instrument(tracing::info_span!("test", run = %trace))
    .await;
    let printed =
        run(&app.stack.secrets(), reset_local::stack::HASHING_SECRET_ID, HashCommand::AuditHash { email: " Demo@Example.com ".into() }, 0).await.unwrap();
    let hash = printed.split_whitespace().nth(1).unwrap().to_owned();
    assert!(!printed.contains("example.com"), "{printed}");
    let records = logs.records_of(&trace);
    for audit in ["reset_requested", "reset_mail"] {
        let record = records.lines().find(|l| l.contains(&format!("audit=\"{audit}\""))).unwrap_or_else(|| panic!("no {audit}:\n{records}"));
        assert!(record.contains(&format!("email_hash={hash}")), "{audit} holds another hash than {hash}:\n{record}");
    }
    let other =
        run(&app.stack.secrets(), reset_local::stack::HASHING_SECRET_ID, HashCommand::AuditHash { email: "nobody@example.com".into() }, 0).await.unwrap();
    assert_ne!(other, printed);
}

/// A link is bound to the account's status and reset epoch (`password_changed_at`) as well as its
/// id, email and hash: the application ends every outstanding link by bumping the epoch (after an
/// email change, a re-enable, a restore), and a confirm racing a disable does not write, because
/// the status is in the write's condition.
#[tokio::test]
async fn an_epoch_bump_ends_links_and_a_confirm_racing_a_disable_does_not_write() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use reset_core::ports::{SetPassword as _, WriteOutcome};
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let t = &app.stack.table;
    // The application bumps the epoch (e.g. the user changed their email and back): the link dies.
    app.stack.set_user_attribute(DEMO_USER_ID, &t.password_changed_at, AttributeValue::N(reset_core::unix_now().to_string())).await.unwrap();
    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!((reply.status, reply.error_code().as_deref()), (400, Some("invalid_or_expired_token")), "{}", reply.body);
    assert!(password::verify(DEMO_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()));

    // The write itself refuses a status other than the one the token was checked against.
    app.stack.set_user_attribute(DEMO_USER_ID, &t.status, AttributeValue::S("active".into())).await.unwrap();
    let users = reset_aws::DynamoUsers::writing(app.stack.dynamodb(), t.clone(), reset_aws::Outbox { table: reset_local::outbox::OUTBOX_TABLE.into() });
    let item = app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();
    let change = reset_core::domain::PasswordChange {
        user_id: reset_core::domain::UserId::parse(DEMO_USER_ID).unwrap(),
        expected_email: DEMO_EMAIL.into(),
        expected_hash: item[&t.password_hash].as_s().unwrap().clone(),
        expected_status: "active".into(),
        new_hash: "$argon2id$v=19$m=19456,t=2,p=1$new".into(),
        changed_at: reset_core::unix_now(),
        event: reset_core::domain::events::OutboxEvent {
            event_id: crate::helpers::unique("event"),
            detail_type: "Password Changed".into(),
            detail: "{}".into(),
            occurred_at: reset_core::unix_now(),
        },
    };
    app.stack.set_user_attribute(DEMO_USER_ID, &t.status, AttributeValue::S("disabled".into())).await.unwrap(); // the disable lands first
    assert_eq!(users.set_password(&change).await.unwrap(), WriteOutcome::Conflict);
    app.stack.set_user_attribute(DEMO_USER_ID, &t.status, AttributeValue::S("active".into())).await.unwrap();
    assert_eq!(users.set_password(&change).await.unwrap(), WriteOutcome::Written, "the same write passes while the status holds");
}

/// A signing-key rotation leaves the pseudonymous hashes alone (they come from the hashing
/// secret): the audit log's `email_hash` of an address and the address's rate-limit counters are
/// the same after `add` and `retire` as before. The budget is a daily one of 1 (the minute's is
/// lifted), so a minute turning over mid-test cannot let a second mail through; a run that
/// crosses midnight UTC is run again.
#[tokio::test]
async fn a_signing_key_rotation_keeps_audit_hashes_and_rate_limit_counters() {
    use reset_operator::hashing::{HashCommand, run as run_hashing};
    use reset_operator::{Command, run};
    let (before, after, mails_before, mails_after) = crate::rate_limits::in_one_window(crate::rate_limits::DAY, || async {
        let app = MotoApp::start_with(&[("KEY_CACHE_SECONDS", "1"), ("RATE_LIMIT_EMAIL_PER_DAY", "1")]).await;
        let client = app.stack.secrets();
        let secret_id = reset_local::stack::SECRET_ID;
        let hash = || run_hashing(&client, reset_local::stack::HASHING_SECRET_ID, HashCommand::AuditHash { email: DEMO_EMAIL.into() }, 0);
        let before = hash().await.unwrap();
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        let mails_before = app.mails().await.len();

        run(&client, secret_id, Command::Add, reset_core::unix_now()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        let mails_after = app.mails().await.len();
        run(&client, secret_id, Command::Retire { min_age: Some(std::time::Duration::ZERO), force: true }, reset_core::unix_now()).await.unwrap();
        (before, hash().await.unwrap(), mails_before, mails_after)
    })
    .await;
    assert_eq!(mails_before, 1, "the day's one mail");
    assert_eq!(mails_after, 1, "the counter survived the rotation: no second mail today");
    let value = |printed: &str| printed.split_whitespace().nth(1).unwrap().to_owned();
    assert_eq!(value(&after), value(&before), "{before} / {after}");
}

/// A hashing-key rotation does what docs/operations.md says: a job queued (MACed) under the old
/// key before `hashing-key add` is still delivered after it; the audit hash of an address changes
/// (the tool prints it under both keys, the old one as logged before); and the counters keyed by
/// the hash start afresh, once: the daily budget of 1 spent before the rotation does not hold back
/// the queued job. That job carries its requester's hash under the old key, so the next request
/// (its requester hashed under the new key) meets a fresh requester counter too; the one after
/// that is held.
#[tokio::test]
async fn a_hashing_key_rotation_keeps_queued_jobs_changes_hashes_and_restarts_counters_once() {
    use reset_operator::hashing::{HashCommand, run};
    let (before, after, mails) = crate::rate_limits::in_one_window(crate::rate_limits::DAY, || async {
        let app = MotoApp::start_with(&[("KEY_CACHE_SECONDS", "1"), ("RATE_LIMIT_EMAIL_PER_DAY", "1")]).await;
        let client = app.stack.secrets();
        let secret_id = reset_local::stack::HASHING_SECRET_ID;
        let hash = || run(&client, secret_id, HashCommand::AuditHash { email: DEMO_EMAIL.into() }, 0);
        let before = hash().await.unwrap();
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        assert_eq!(app.mails().await.len(), 1, "the day's one mail");
        // Queued under the old key, not yet delivered.
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);

        let added = run(&client, secret_id, HashCommand::Add, reset_core::unix_now()).await.unwrap();
        assert!(added.starts_with("added h") && !added.contains('='), "{added}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let mut mails = vec![app.mails().await.len()];
        for _ in 0..2 {
            assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
            mails.push(app.mails().await.len());
        }
        (before, hash().await.unwrap(), mails)
    })
    .await;
    assert_eq!(mails, [2, 3, 3], "the queued job verified under the old key and met fresh counters; the budgets restarted once");
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(lines.len(), 2, "{after}");
    let hash_of = |line: &str| line.split_whitespace().nth(1).unwrap().to_owned();
    let old = lines.iter().find(|l| l.contains("before the rotation")).expect("the old key's line");
    let current = lines.iter().find(|l| l.contains("current")).expect("the current key's line");
    assert_eq!(hash_of(old), hash_of(&before), "the old key's hash is the one logged before");
    assert_ne!(hash_of(current), hash_of(&before), "the hashes changed");
}
