//! The events an application hears (docs/events.md): each outcome's event is written in the same
//! write as its change (the outbox), published from the outbox by the event publisher, and
//! delivered at least once with a stable `event_id`. Over moto: the shipped wiring of
//! reset-password, the mail worker and the publisher; the outbox's stream is the local stand-in
//! (`reset_local::outbox`), the bus moto's, and the tap a rule to a queue.

use std::process::{Command, Stdio};

use reset_core::domain::events::{EventKind, OutboxEvent};
use reset_core::domain::password;
use reset_core::memory::MemoryBus;
use reset_core::ports::JobLedger as _;
use reset_core::{PublishDeps, unix_now};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use reset_local::{venv_tool, workspace_root};
use serde_json::{Value, json};

use crate::helpers::{AwsFunctions, MotoApp, NEW_PASSWORD, confirm_event, link_id, publish_outbox, request_event, unique};

/// What `jsonschema` (draft 2020-12, in the project's venv) finds wrong with `event` against
/// `events/schemas/<schema>.json`, after checking the schema itself is a valid one.
fn schema_errors(schema: &str, event: &Value) -> Vec<String> {
    let schema = workspace_root().join("events/schemas").join(format!("{schema}.json"));
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin))]\n\
        print('\\n'.join(errors))\n";
    let mut child = Command::new(venv_tool("python"))
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the venv's python runs");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), event.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the schema check itself failed for {}: {}", schema.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// When the event happened, as its detail says (Unix seconds).
fn occurred_at(event: &Value) -> u64 {
    let detail = &event["detail"];
    ["changed_at", "sent_at", "disputed_at", "forced_at"]
        .iter()
        .filter(|field| *field != &"changed_at" || event["detail-type"] == "Password Changed")
        .find_map(|field| detail[*field].as_u64())
        .expect("a detail with its time")
}

/// Fails unless `event` (as a consumer receives it) is what its kind's schema says, and its
/// envelope's `time` is the detail's own time (what the publisher put in the entry).
fn assert_matches_schema(event: &Value) {
    let detail_type = event["detail-type"].as_str().expect("an event has a detail-type");
    let kind = EventKind::from_detail_type(detail_type).unwrap_or_else(|| panic!("an event of an unknown kind: {detail_type}"));
    let errors = schema_errors(kind.schema_name(), event);
    assert!(errors.is_empty(), "{detail_type} does not match its schema: {errors:#?}\n{event:#}");
    let time = humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(occurred_at(event))).to_string();
    assert_eq!(event["time"].as_str(), Some(time.as_str()), "the entry's time is the event's: {event:#}");
}

/// A token's claims, read without verifying (the test only compares values).
fn token_claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn of_kind(events: &[Value], kind: EventKind) -> Vec<&Value> {
    events.iter().filter(|e| e["detail-type"] == kind.detail_type()).collect()
}

/// A link for the demo user, mailed, and the token in it.
async fn mailed_token(app: &MotoApp) -> String {
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let mails = app.mails().await;
    mails.last().and_then(|m| m.token()).expect("a reset mail with a link")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_publishes_link_sent_and_password_changed_as_their_schemas_say_and_no_secret() {
    let app = MotoApp::start().await;
    let token = mailed_token(&app).await;
    let reply = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let events = app.events().await;
    // EventBridge promises no order (and both happened within a second here): a consumer orders
    // by the detail's times.
    let mut kinds: Vec<&str> = events.iter().map(|e| e["detail-type"].as_str().unwrap_or_default()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["Password Changed", "Reset Link Sent"], "one event per outcome");
    for event in &events {
        assert_matches_schema(event);
        assert_eq!(event["source"], reset_local::outbox::EVENT_SOURCE);
        assert_eq!(event["detail"]["user_id"], DEMO_USER_ID);
        assert_eq!(event["detail"]["link_id"], link_id(&token), "both name the link by its jti");
        let text = event.to_string();
        for secret in [DEMO_EMAIL, &token, NEW_PASSWORD, DEMO_PASSWORD, "argon2"] {
            assert!(!text.contains(secret), "an event holds {secret:?}: {text}");
        }
    }
    let changed = &of_kind(&events, EventKind::PasswordChanged)[0]["detail"];
    let item = app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();
    let stored = item[&app.stack.table.password_changed_at].as_n().unwrap().clone();
    assert_eq!(changed["changed_at"].to_string(), stored, "the event carries the epoch the sessions check");
    assert_eq!(changed["locale"], "en");
    assert!(changed["requester_network"].as_str().is_some_and(|n| n.len() == 16), "{changed}");
    let sent = &of_kind(&events, EventKind::ResetLinkSent)[0]["detail"];
    let claims = token_claims(&token);
    assert_eq!(
        (sent["sent_at"].as_u64(), sent["expires_at"].as_u64()),
        (claims["iat"].as_u64(), claims["exp"].as_u64()),
        "the mailed link's own times: {sent}"
    );
    let job_id = sent["job_id"].as_str().unwrap();
    assert_eq!(sent["event_id"].as_str(), Some(reset_core::domain::events::link_sent_id(job_id).as_str()), "derived from the job: {sent}");
}

/// The fault the outbox exists for: the password is written, the bus is unreachable (a timeout,
/// a refused connection) when the publisher runs. The event stays in the outbox, the stream
/// hands it over again, and once the bus answers it arrives, under the id the outbox gave it.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_whose_bus_was_down_is_published_once_the_bus_answers_under_the_same_id() {
    let app = MotoApp::start().await;
    let token = mailed_token(&app).await;
    app.events().await; // the link's event, out of the way
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);

    // The publisher as deployed, but its bus at an address where nothing answers.
    let nowhere = format!("http://127.0.0.1:{}", reset_local::free_port());
    let down_sdk = reset_aws::sdk_loader()
        .endpoint_url(&nowhere)
        .region(aws_config::Region::new(reset_local::stack::REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "moto"))
        .load()
        .await;
    let down = reset_wiring::event_publisher(&app.stack.env().into_iter().collect(), &down_sdk).unwrap();
    for _ in 0..2 {
        assert_eq!(publish_outbox(&app.stack.events, &down).await, 0, "nothing is taken while the bus is down");
    }
    let heard = app.stack.events.heard().await.unwrap();
    assert!(of_kind(&heard, EventKind::PasswordChanged).is_empty(), "nothing reached the bus");

    let outbox: Vec<OutboxEvent> = app.stack.events.items().await.unwrap().iter().filter_map(reset_aws::outbox_event).collect();
    let written: Vec<&OutboxEvent> = outbox.iter().filter(|e| e.detail_type == "Password Changed").collect();
    assert_eq!(written.len(), 1, "the event was written with the password");

    let events = app.events().await;
    let changed = of_kind(&events, EventKind::PasswordChanged);
    assert_eq!(changed.len(), 1, "it arrives once the bus answers: {events:#?}");
    assert_eq!(changed[0]["detail"]["event_id"].as_str(), Some(written[0].event_id.as_str()), "under the outbox's id, for deduplication");
    assert_matches_schema(changed[0]);
}

/// Both or neither: when the event cannot be written (here its table is missing), the password is
/// not changed either, the confirm answers 503, and the same link works once the outbox is back.
#[tokio::test(flavor = "multi_thread")]
async fn no_password_is_changed_without_its_event_and_no_event_without_a_change() {
    let mut app = MotoApp::start().await;
    let token = mailed_token(&app).await;
    let before = app.stack.password_hash(DEMO_USER_ID).await.unwrap();

    app.stack.overrides.push(("EVENT_OUTBOX_TABLE".into(), "no-such-outbox".into()));
    let broken = AwsFunctions::on(&app.stack).await;
    let reply = crate::helpers::call(&broken, &confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), before, "no change without its event");
    app.stack.overrides.pop();

    // A confirm that loses (the link was used) writes no event.
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200, "the same link works with the outbox back");
    assert_eq!(app.call(&confirm_event(&token, "yet another long passphrase")).await.status, 400);
    assert!(password::verify(NEW_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()));
    let events = app.events().await;
    assert_eq!(of_kind(&events, EventKind::PasswordChanged).len(), 1, "one change, one event: {events:#?}");
}

/// A mail job finished twice (its first ledger answer lost, the message delivered again) writes
/// one `Reset Link Sent`, and the job stays done.
#[tokio::test(flavor = "multi_thread")]
async fn a_job_finished_twice_writes_its_event_once() {
    let app = MotoApp::start().await;
    let ledger = &app.deps.worker.ledger;
    let job = unique("job");
    let event = OutboxEvent { event_id: format!("sent-{job}"), detail_type: "Reset Link Sent".into(), detail: "{}".into(), occurred_at: unix_now() };
    assert!(matches!(ledger.claim(&job, unix_now(), 60).await.unwrap(), reset_core::ports::Claim::Mine { .. }));
    ledger.finish(&job, Some(&event)).await.unwrap();
    ledger.finish(&job, Some(&event)).await.expect("the second finish stands: the event is there already");
    let ids: Vec<String> = app.stack.events.items().await.unwrap().iter().filter_map(reset_aws::outbox_event).map(|e| e.event_id).collect();
    assert_eq!(ids.iter().filter(|id| **id == event.event_id).count(), 1);
    assert_eq!(ledger.claim(&job, unix_now(), 60).await.unwrap(), reset_core::ports::Claim::Done);
}

/// `events/outbox/event-publisher-insert.json` (what `sam local invoke EventPublisherFunction`
/// takes) through the publisher's handler: both events go to the bus as they stand; a bus that
/// refuses gets both back for a retry, by sequence number; a record that is not a new outbox item
/// is skipped, not retried forever.
#[tokio::test]
async fn the_publisher_retries_by_sequence_number_what_the_bus_refused_and_skips_what_is_not_an_event() {
    let file = workspace_root().join("events/outbox/event-publisher-insert.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let deps = PublishDeps { bus: MemoryBus::default() };
    let run = |event: Value| {
        let deps = &deps;
        async move { serde_json::to_value(event_publisher::handle(deps, serde_json::from_value(event).unwrap()).await).unwrap() }
    };

    assert_eq!(run(event.clone()).await["batchItemFailures"], json!([]));
    let accepted = deps.bus.accepted();
    assert_eq!(accepted.iter().map(|e| e.detail_type.as_str()).collect::<Vec<_>>(), ["Password Changed", "Reset Link Sent"]);
    assert_eq!(accepted[0].event_id, "3f1c9a0e5b7d4e2a9c8b6d4f2e0a1b3c");
    assert_eq!(accepted[0].occurred_at, 1_796_189_164);
    let detail: Value = serde_json::from_str(&accepted[0].detail).unwrap();
    assert_eq!(detail["link_id"], "b0c3e1f2a4d5968778695a4b3c2d1e0f");

    deps.bus.refuse.set(true);
    let failed = run(event.clone()).await;
    assert_eq!(failed["batchItemFailures"], json!([{"itemIdentifier": "111100000000000000001"}, {"itemIdentifier": "111200000000000000002"}]));
    deps.bus.refuse.set(false);

    let mut odd = event.clone();
    odd["Records"][0]["eventName"] = json!("REMOVE");
    odd["Records"][1]["dynamodb"]["NewImage"].as_object_mut().unwrap().remove("detail");
    deps.bus.refuse.set(true);
    assert_eq!(run(odd).await["batchItemFailures"], json!([]), "neither is an event to retry");
}

/// The schemas refuse what the service never sends: each a mistake a loose schema (a misspelt
/// keyword, a missing `required`) would let through.
#[test]
fn the_schemas_refuse_what_the_service_never_sends() {
    let dir = workspace_root().join("events/consumer");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let event: Value = serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        let kind = EventKind::from_detail_type(event["detail-type"].as_str().unwrap()).unwrap();
        let other = EventKind::ALL.into_iter().find(|k| *k != kind).unwrap();
        let mutations: [(&str, &dyn Fn(&mut Value)); 7] = [
            ("a required field dropped", &|e| drop(e["detail"].as_object_mut().unwrap().remove("user_id"))),
            ("an address added", &|e| e["detail"]["email"] = json!("someone@example.com")),
            ("another schema version", &|e| e["detail"]["schema_version"] = json!(2)),
            ("an id that is a number", &|e| e["detail"]["event_id"] = json!(12)),
            ("another kind's detail-type", &|e| e["detail-type"] = json!(other.detail_type())),
            ("no envelope time", &|e| drop(e.as_object_mut().unwrap().remove("time"))),
            ("a time with a fraction", &|e| e["time"] = json!("2026-12-03T09:12:44.5Z")),
        ];
        assert!(schema_errors(kind.schema_name(), &event).is_empty(), "{}", entry.path().display());
        for (what, mutate) in mutations {
            let mut bad = event.clone();
            mutate(&mut bad);
            assert!(!schema_errors(kind.schema_name(), &bad).is_empty(), "{}: {what} passes", entry.path().display());
        }
    }
}

/// What `events/consumer/` gives an application's own tests is what the schemas describe.
#[test]
fn the_consumer_examples_match_their_schemas() {
    let dir = workspace_root().join("events/consumer");
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let event: Value = serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        assert_matches_schema(&event);
        kinds.push(event["detail-type"].as_str().unwrap().to_owned());
    }
    kinds.sort();
    let mut all: Vec<String> = EventKind::ALL.iter().map(|k| k.detail_type().to_owned()).collect();
    all.sort();
    assert_eq!(kinds, all, "one example per kind of event");
}

/// "This wasn't me" over moto, on the shipped wiring: a reset, the notice with its dispute link,
/// the page (which changes nothing), the button: the item's status is the lock status, its epoch
/// moved past the change, and the `Password Change Disputed` event (written in the lock's own
/// transaction) reaches the bus as its schema says. A second press changes nothing, and the
/// locked account gets no reset mail.
#[tokio::test(flavor = "multi_thread")]
async fn a_disputed_change_locks_the_account_and_publishes_its_event_as_its_schema_says() {
    use crate::dispute::{dispute_page, dispute_press};
    let app = MotoApp::start().await;
    let token = mailed_token(&app).await;
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    let mails = app.mails().await;
    let link = mails.iter().find_map(|m| m.dispute_link()).expect("the notice carries a dispute link");
    assert!(link.starts_with(&format!("{}?lang=en&token=", app.stack.dispute_page_url())), "{link}");
    let dispute = link.split("token=").nth(1).unwrap().to_owned();
    let epoch = |item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>| -> u64 {
        item[&app.stack.table.password_changed_at].as_n().unwrap().parse().unwrap()
    };
    let changed = app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();

    let page = app.call(&dispute_page("GET", Some(&dispute))).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap(), changed, "the page changes nothing");

    let reply = app.call(&dispute_press(Some(&dispute), "same-origin")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Your account is locked"), "{}", reply.body);
    let locked = app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();
    assert_eq!(locked[&app.stack.table.status].as_s().unwrap(), "locked");
    assert!(epoch(&locked) > epoch(&changed), "the epoch moved past the change: {} -> {}", epoch(&changed), epoch(&locked));
    let scrambled = locked[&app.stack.table.password_hash].as_s().unwrap();
    assert_ne!(Some(scrambled), changed[&app.stack.table.password_hash].as_s().ok(), "the disputed password is replaced");
    assert!(!password::verify(NEW_PASSWORD, scrambled), "and no longer signs in");

    let events = app.events().await;
    let disputed = of_kind(&events, EventKind::PasswordChangeDisputed);
    assert_eq!(disputed.len(), 1, "{events:#?}");
    assert_matches_schema(disputed[0]);
    let detail = &disputed[0]["detail"];
    assert_eq!(detail["user_id"], DEMO_USER_ID);
    assert_eq!(detail["status"], "locked");
    assert_eq!(detail["disputed_at"], epoch(&locked));
    assert_eq!(detail["changed_at"], epoch(&changed));
    assert_eq!(detail["link_id"], link_id(&dispute));
    let text = disputed[0].to_string();
    for secret in [DEMO_EMAIL, &dispute, &token, NEW_PASSWORD] {
        assert!(!text.contains(secret), "the event holds {secret:?}: {text}");
    }

    assert_eq!(app.call(&dispute_press(Some(&dispute), "same-origin")).await.status, 400, "a second press");
    assert_eq!(app.stack.user_item(DEMO_USER_ID).await.unwrap().unwrap(), locked, "changes nothing");
    let sent = app.stack.mails().unwrap().len();
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    assert_eq!(app.mails().await.len(), sent, "a locked account gets no reset mail");
    assert_eq!(of_kind(&app.events().await, EventKind::PasswordChangeDisputed).len(), 1, "no second event");
}
