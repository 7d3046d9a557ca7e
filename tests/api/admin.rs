//! The admin API (`admin_api::handle`) over in-memory adapters, driven by API Gateway HTTP API
//! events: who may call (IAM identities in `ADMIN_CALLER_ARNS` only), what each answer says, and
//! what a call changes (the account, the queue, the outbox) or leaves alone.

use admin_api::{Admin, Callers};
use reset_core::OperatorDeps;
use reset_core::domain::mail_job::{MailJob, OperatorAction, OperatorJob};
use reset_core::domain::password;
use reset_core::domain::{StoredEmail, User, UserId};
use reset_core::memory::{InMemory, MemoryHashKeys, MemoryLimits, MemoryQueue, MemoryUsers};
use reset_local::events::{self, Reply};
use serde_json::{Value, json};

use crate::handlers::assert_json_error;
use crate::helpers::{HASH_KEY_1, capture_logs, memory_deps, secret, unique};

const ACCOUNT: &str = "123456789012";
const OPERATORS: &str = "arn:aws:iam::123456789012:role/ResetOperators";
const ALICE: &str = "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice";
pub(crate) const MALLORY: &str = "arn:aws:sts::123456789012:assumed-role/Developers/mallory";
const OLD_PASSWORD: &str = "the owner's old password";
const EPOCH: &str = "1700000000";

/// The admin function over in-memory stores, with three accounts: `u-pw` (a password), `u-none`
/// (none yet) and `u-off` (disabled, with a password).
pub(crate) struct AdminApp {
    admin: Admin<InMemory>,
    users: MemoryUsers,
    queue: MemoryQueue,
}

impl AdminApp {
    pub(crate) async fn new() -> Self {
        Self::allowing(&[OPERATORS]).await
    }

    /// The function with `ADMIN_CALLER_ARNS` naming `callers`.
    async fn allowing(callers: &[&str]) -> Self {
        let users = MemoryUsers::default();
        let queue = MemoryQueue::default();
        let hash_keys = MemoryHashKeys::new(secret("h1", &[("h1", HASH_KEY_1)]));
        let common = memory_deps(&MemoryLimits::default(), &queue, &hash_keys).await;
        // As `reset_wiring::operator(config, sdk, false)` builds it: no campaigns, no ledger.
        let deps = OperatorDeps { common, users: users.clone(), ledger: None };
        let app = AdminApp { admin: Admin::new(deps, Callers::parse(callers).unwrap()), users, queue };
        app.add("u-pw", Some(OLD_PASSWORD), true);
        app.add("u-none", None, true);
        app.add("u-off", Some(OLD_PASSWORD), false);
        app
    }

    fn add(&self, id: &str, password: Option<&str>, active: bool) {
        self.users.insert(User {
            id: UserId::parse(id).unwrap(),
            email: StoredEmail::new(format!("{id}@example.com")),
            password_hash: password.map(|p| password::hash_blocking(p).unwrap()).unwrap_or_default(),
            active,
            status: if active { "active" } else { "disabled" }.into(),
            epoch: EPOCH.into(),
            locale: None,
        });
    }

    fn user(&self, id: &str) -> User {
        self.users.get(&UserId::parse(id).unwrap()).unwrap()
    }

    fn accounts(&self) -> Vec<User> {
        ["u-pw", "u-none", "u-off"].iter().map(|id| self.user(id)).collect()
    }

    pub(crate) async fn call(&self, event: &Value) -> Reply {
        admin_api::handle(&self.admin, events::to_request(event)).await.expect("the handler is infallible").into()
    }

    /// The operator jobs on the queue (each MAC checked by the memory queue's reader).
    fn jobs(&self) -> Vec<OperatorJob> {
        self.queue
            .queued()
            .into_iter()
            .map(|job| match job {
                MailJob::Operator(job) => job,
                other => panic!("not an operator job: {}", other.kind()),
            })
            .collect()
    }

    /// Nothing queued, no event written, no account changed since `before`.
    fn assert_untouched(&self, before: &[User], what: &str) {
        assert!(self.queue.queued().is_empty(), "{what}: nothing queued");
        assert!(self.users.outbox.events().is_empty(), "{what}: no event");
        assert_eq!(self.accounts(), before, "{what}: no account changed");
    }
}

/// An HTTP API (payload 2.0) event for `method path` with a JSON `body`, signed by `caller` as
/// API Gateway's AWS_IAM authorizer reports it (`None`: no authorizer, as `cargo lambda watch`).
fn admin_event(method: &str, path: &str, body: &str, caller: Option<&str>) -> Value {
    let mut event = events::load("request-reset.json");
    event["routeKey"] = format!("{method} {path}").into();
    event["rawPath"] = path.into();
    event["requestContext"]["routeKey"] = format!("{method} {path}").into();
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["body"] = body.into();
    if let Some(arn) = caller {
        let principal = arn.rsplit('/').next().unwrap();
        event["requestContext"]["authorizer"] = json!({"iam": {
            "accessKey": "ASIAEXAMPLEKEYID0001",
            "accountId": ACCOUNT,
            "callerId": format!("AROAEXAMPLEROLEID0001:{principal}"),
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": arn,
            "userId": format!("AROAEXAMPLEROLEID0001:{principal}"),
        }});
    }
    event
}

pub(crate) fn reset(body: Value, caller: Option<&str>) -> Value {
    admin_event("POST", admin_api::RESET_PATH, &body.to_string(), caller)
}

fn invite(body: Value, caller: Option<&str>) -> Value {
    admin_event("POST", admin_api::INVITE_PATH, &body.to_string(), caller)
}

#[tokio::test]
async fn an_unsigned_call_is_refused_with_403_and_nothing_is_queued() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    let mut jwt = reset(json!({"user_id": "u-pw"}), None);
    jwt["requestContext"]["authorizer"] = json!({"jwt": {"claims": {"sub": "alice"}, "scopes": null}});
    let mut empty_arn = reset(json!({"user_id": "u-pw"}), Some(ALICE));
    empty_arn["requestContext"]["authorizer"]["iam"]["userArn"] = "".into();
    // A REST API (payload 1.0) event, even one that names a listed caller: the admin routes are
    // on the HTTP API only, so no other shape is taken.
    let mut rest = events::load("request-reset-rest-api.json");
    rest["path"] = admin_api::RESET_PATH.into();
    rest["resource"] = admin_api::RESET_PATH.into();
    rest["body"] = json!({"user_id": "u-pw"}).to_string().into();
    rest["requestContext"]["identity"]["userArn"] = ALICE.into();
    let cases = [
        ("no authorizer", reset(json!({"user_id": "u-pw", "block_sign_in": true, "end_sessions": true}), None)),
        ("no authorizer, an invitation", invite(json!({"user_id": "u-none"}), None)),
        ("a JWT authorizer, not IAM", jwt),
        ("an IAM authorizer with no ARN", empty_arn),
        ("a REST API event", rest),
        // Refused before the route or the body is looked at.
        ("no authorizer, GET", admin_event("GET", admin_api::RESET_PATH, "", None)),
        ("no authorizer, another path", admin_event("POST", "/admin/users", "{}", None)),
        ("no authorizer, a malformed body", admin_event("POST", admin_api::RESET_PATH, "{", None)),
    ];
    for (what, event) in cases {
        let reply = app.call(&event).await;
        assert_json_error(&reply, 403, "forbidden", what);
        app.assert_untouched(&before, what);
    }
}

#[tokio::test]
async fn a_signed_caller_not_in_the_list_is_refused_with_403_and_audited_with_its_arn() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    let logs = capture_logs();
    let run = unique("admin-unlisted");
    let mallory = format!("arn:aws:sts::123456789012:assumed-role/Developers/{run}");
    let callers = [
        mallory.as_str(),
        MALLORY,
        // The listed role's name, in another account or partition; a user of the same name.
        "arn:aws:sts::210987654321:assumed-role/ResetOperators/alice",
        "arn:aws-cn:sts::123456789012:assumed-role/ResetOperators/alice",
        "arn:aws:iam::123456789012:user/ResetOperators",
        // The role's own ARN is never a caller's.
        OPERATORS,
    ];
    for caller in callers {
        let reply = app.call(&reset(json!({"user_id": "u-pw", "block_sign_in": true}), Some(caller))).await;
        assert_json_error(&reply, 403, "forbidden", caller);
        app.assert_untouched(&before, caller);
    }
    let records = logs.records_of(&run);
    assert!(records.contains("audit=\"admin_call\"") && records.contains("metric=\"admin_call_refused\""), "{records}");
    assert!(records.contains("route=\"POST /admin/reset\"") && records.contains("the caller is not in ADMIN_CALLER_ARNS"), "{records}");
}

/// An empty `ADMIN_CALLER_ARNS` starts the function (the template deploys none without callers;
/// locally it may be left empty) and refuses every call, saying why in the log.
#[tokio::test]
async fn an_empty_list_refuses_every_caller() {
    let app = AdminApp::allowing(&[]).await;
    let before = app.accounts();
    let logs = capture_logs();
    let run = unique("admin-empty");
    let caller = format!("arn:aws:sts::123456789012:assumed-role/ResetOperators/{run}");
    let reply = app.call(&reset(json!({"user_id": "u-pw"}), Some(&caller))).await;
    assert_json_error(&reply, 403, "forbidden", "no one listed");
    app.assert_untouched(&before, "no one listed");
    let records = logs.records_of(&run);
    assert!(records.contains("ADMIN_CALLER_ARNS is empty") && records.contains("metric=\"admin_call_refused\""), "{records}");
}

#[tokio::test]
async fn an_allowed_assumed_role_caller_gets_202_with_a_job_on_the_queue_and_an_audit_line_naming_it() {
    let app = AdminApp::new().await;
    let logs = capture_logs();
    let run = unique("admin-accepted");
    let caller = format!("arn:aws:sts::123456789012:assumed-role/ResetOperators/{run}");

    let reply = app.call(&reset(json!({"user_id": "u-pw"}), Some(&caller))).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let jobs = app.jobs();
    assert_eq!(jobs.len(), 1, "one job on the queue");
    let job = &jobs[0];
    assert_eq!(
        body,
        json!({"job_id": job.id, "user_id": "u-pw", "action": "forced_reset", "blocked_sign_in": false, "ended_sessions": false}),
        "the answer names the queued job"
    );
    assert_eq!(
        (job.user_id.as_str(), job.action, job.operator.as_str(), job.campaign.as_deref()),
        ("u-pw", OperatorAction::ForcedReset, caller.as_str(), None)
    );
    let events = app.users.outbox.events();
    assert_eq!(events.len(), 1, "its Reset Forced");
    assert!(events[0].detail.contains(&caller), "the event names the operator: {}", events[0].detail);

    let records = logs.records_of(&run);
    let audit = records.lines().find(|l| l.contains("audit=\"admin_call\"")).unwrap_or_else(|| panic!("no admin_call audit line:\n{records}"));
    for field in [caller.as_str(), "outcome=\"accepted\"", "route=\"POST /admin/reset\"", "user_id=u-pw", &format!("job_id={}", job.id)] {
        assert!(audit.contains(field), "{field} in {audit}");
    }
    assert!(!records.contains("admin_call_refused"), "{records}");

    // An invitation, the same way.
    let reply = app.call(&invite(json!({"user_id": "u-none"}), Some(&caller))).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.json()["action"], "invitation");
    assert_eq!(app.jobs().last().map(|j| (j.user_id.as_str(), j.action)), Some(("u-none", OperatorAction::Invitation)));
}

/// A role listed with its path admits its sessions (whose ARNs carry no path); a user matches its
/// whole ARN.
#[tokio::test]
async fn a_role_listed_with_its_path_admits_its_sessions_and_a_user_itself() {
    let user = "arn:aws:iam::123456789012:user/admins/carol";
    let app = AdminApp::allowing(&["arn:aws:iam::123456789012:role/ops/eu-west/ResetOperators", user]).await;
    for caller in [ALICE, "arn:aws:sts::123456789012:assumed-role/ResetOperators/botocore-session-1796295600", user] {
        let reply = app.call(&invite(json!({"user_id": "u-none"}), Some(caller))).await;
        assert_eq!(reply.status, 202, "{caller}: {}", reply.body);
    }
    assert_eq!(app.jobs().len(), 3);
    for caller in [
        "arn:aws:sts::123456789012:assumed-role/ops/eu-west/ResetOperators/alice",
        "arn:aws:sts::123456789012:assumed-role/eu-west/alice",
        "arn:aws:iam::123456789012:user/carol",
    ] {
        assert_json_error(&app.call(&invite(json!({"user_id": "u-none"}), Some(caller))).await, 403, "forbidden", caller);
    }
    assert_eq!(app.jobs().len(), 3, "nothing more queued");
}

#[tokio::test]
async fn an_unknown_user_is_a_404() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    for event in [reset(json!({"user_id": "u-nobody", "block_sign_in": true}), Some(ALICE)), invite(json!({"user_id": "u-nobody"}), Some(ALICE))] {
        assert_json_error(&app.call(&event).await, 404, "unknown_user", "unknown");
    }
    app.assert_untouched(&before, "unknown user");
}

#[tokio::test]
async fn a_disabled_user_gets_409_user_disabled_and_nothing_is_queued() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    let blocking = reset(json!({"user_id": "u-off", "block_sign_in": true, "end_sessions": true}), Some(ALICE));
    let reply = app.call(&blocking).await;
    assert_json_error(&reply, 409, "user_disabled", "forced reset");
    assert!(reply.json()["message"].as_str().unwrap().contains("disabled"), "the answer says why: {}", reply.body);
    assert_json_error(&app.call(&invite(json!({"user_id": "u-off"}), Some(ALICE))).await, 409, "user_disabled", "invitation");
    app.assert_untouched(&before, "disabled");
}

#[tokio::test]
async fn a_forced_reset_of_a_passwordless_user_is_409_no_password() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    let reply = app.call(&reset(json!({"user_id": "u-none", "block_sign_in": true}), Some(ALICE))).await;
    assert_json_error(&reply, 409, "no_password", "passwordless");
    assert!(reply.json()["message"].as_str().unwrap().contains("invitation"), "the answer says what to do instead: {}", reply.body);
    app.assert_untouched(&before, "passwordless");
}

#[tokio::test]
async fn an_invitation_to_a_user_with_a_password_is_409_has_password() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    assert_json_error(&app.call(&invite(json!({"user_id": "u-pw"}), Some(ALICE))).await, 409, "has_password", "has a password");
    app.assert_untouched(&before, "has a password");
}

/// Blocking sign-in puts the unusable marker over the hash before any mail, and the old password
/// then fails the sign-in rule (`login_password::verify`); without it, the old password still
/// signs in until the owner uses the link.
#[tokio::test]
async fn block_sign_in_replaces_the_hash_with_the_marker_and_the_old_password_then_fails() {
    let app = AdminApp::new().await;
    assert!(login_password::verify(OLD_PASSWORD, &app.user("u-pw").password_hash), "the old password signs in before");

    let reply = app.call(&reset(json!({"user_id": "u-pw"}), Some(ALICE))).await;
    assert_eq!((reply.status, reply.json()["blocked_sign_in"].as_bool()), (202, Some(false)), "{}", reply.body);
    assert!(login_password::verify(OLD_PASSWORD, &app.user("u-pw").password_hash), "not asked to block: the old password still signs in");

    let reply = app.call(&reset(json!({"user_id": "u-pw", "block_sign_in": true}), Some(ALICE))).await;
    assert_eq!((reply.status, reply.json()["blocked_sign_in"].as_bool()), (202, Some(true)), "{}", reply.body);
    let blocked = app.user("u-pw");
    assert_eq!(blocked.password_hash, login_password::formats::RESET_REQUIRED);
    assert!(!login_password::verify(OLD_PASSWORD, &blocked.password_hash), "the old password no longer signs in");
    assert_eq!(blocked.epoch, EPOCH, "sessions were not asked to end");
    assert_eq!(app.jobs().len(), 2, "each reset queued its mail");
}

#[tokio::test]
async fn end_sessions_moves_the_epoch() {
    let app = AdminApp::new().await;
    let reply = app.call(&reset(json!({"user_id": "u-pw", "end_sessions": true}), Some(ALICE))).await;
    assert_eq!((reply.status, reply.json()["ended_sessions"].as_bool()), (202, Some(true)), "{}", reply.body);
    let after = app.user("u-pw");
    let epoch: u64 = after.epoch.parse().unwrap();
    assert!(epoch > EPOCH.parse::<u64>().unwrap() && epoch >= reset_core::unix_now() - 60, "the epoch moved to now: {epoch}");
    assert!(login_password::verify(OLD_PASSWORD, &after.password_hash), "sign-in was not asked to be blocked");
}

/// The mail's language is one we write mails in, carried by its own tag (`de-AT` is German).
#[tokio::test]
async fn a_locale_is_carried_to_the_job_by_the_tag_of_the_language_we_have() {
    let app = AdminApp::new().await;
    assert_eq!(app.call(&invite(json!({"user_id": "u-none", "locale": "de-AT"}), Some(ALICE))).await.status, 202);
    assert_eq!(app.call(&invite(json!({"user_id": "u-none", "locale": "pt-BR"}), Some(ALICE))).await.status, 202);
    assert_eq!(app.call(&reset(json!({"user_id": "u-pw", "locale": null}), Some(ALICE))).await.status, 202);
    let locales: Vec<Option<String>> = app.jobs().into_iter().map(|j| j.locale).collect();
    assert_eq!(locales, [Some("de".to_owned()), Some("pt-BR".to_owned()), None]);
}

#[tokio::test]
async fn bad_input_gets_400_413_or_415_and_changes_nothing() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    let (reset_path, invite_path) = (admin_api::RESET_PATH, admin_api::INVITE_PATH);
    let big = json!({"user_id": "x".repeat(20 * 1024)}).to_string();
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        ("malformed JSON", reset_path, r#"{"user_id": "u-pw""#.into(), 400, "bad_request"),
        ("not an object", reset_path, r#""u-pw""#.into(), 400, "bad_request"),
        ("an unknown field", reset_path, r#"{"user_id": "u-pw", "block": true}"#.into(), 400, "bad_request"),
        ("a reset's option on an invitation", invite_path, r#"{"user_id": "u-none", "block_sign_in": true}"#.into(), 400, "bad_request"),
        ("no user_id", reset_path, r#"{"block_sign_in": true}"#.into(), 400, "bad_request"),
        ("an empty user_id", reset_path, r#"{"user_id": "", "block_sign_in": true}"#.into(), 400, "bad_request"),
        ("a user_id with a control character", reset_path, r#"{"user_id": "u-pw\n", "block_sign_in": true}"#.into(), 400, "bad_request"),
        ("a user_id with NUL", invite_path, r#"{"user_id": "u-none\u0000"}"#.into(), 400, "bad_request"),
        ("a user_id that is not a string", reset_path, r#"{"user_id": 42}"#.into(), 400, "bad_request"),
        ("a user_id of 257 characters", reset_path, json!({"user_id": "u".repeat(257)}).to_string(), 400, "bad_request"),
        ("block_sign_in not a boolean", reset_path, r#"{"user_id": "u-pw", "block_sign_in": "yes"}"#.into(), 400, "bad_request"),
        ("a locale we do not have", reset_path, r#"{"user_id": "u-pw", "block_sign_in": true, "locale": "zh"}"#.into(), 400, "bad_request"),
        ("a locale that is no tag", invite_path, r#"{"user_id": "u-none", "locale": "<script>"}"#.into(), 400, "bad_request"),
        ("a wildcard locale", invite_path, r#"{"user_id": "u-none", "locale": "*"}"#.into(), 400, "bad_request"),
        ("a locale with an underscore", invite_path, r#"{"user_id": "u-none", "locale": "de_AT"}"#.into(), 400, "bad_request"),
        ("a locale with a space", invite_path, r#"{"user_id": "u-none", "locale": " de"}"#.into(), 400, "bad_request"),
        ("an oversized body", reset_path, big, 413, "payload_too_large"),
    ];
    for (what, path, body, status, code) in cases {
        let reply = app.call(&admin_event("POST", path, &body, Some(ALICE))).await;
        assert_json_error(&reply, status, code, what);
        app.assert_untouched(&before, what);
    }
    // The locale's refusal names the languages there are.
    let reply = app.call(&invite(json!({"user_id": "u-none", "locale": "zh"}), Some(ALICE))).await;
    assert!(reply.json()["message"].as_str().unwrap().contains("available: en,"), "{}", reply.body);
    // Media types other than JSON, or none.
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/json; charset=latin1"), None] {
        let mut event = reset(json!({"user_id": "u-pw", "block_sign_in": true}), Some(ALICE));
        match content_type {
            Some(value) => event["headers"]["content-type"] = value.into(),
            None => drop(event["headers"].as_object_mut().unwrap().remove("content-type")),
        }
        assert_json_error(&app.call(&event).await, 415, "unsupported_media_type", &format!("{content_type:?}"));
        app.assert_untouched(&before, &format!("{content_type:?}"));
    }
}

#[tokio::test]
async fn other_methods_get_405_and_other_paths_404() {
    let app = AdminApp::new().await;
    let before = app.accounts();
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        for path in [admin_api::RESET_PATH, admin_api::INVITE_PATH] {
            let reply = app.call(&admin_event(method, path, r#"{"user_id": "u-pw"}"#, Some(ALICE))).await;
            assert_json_error(&reply, 405, "method_not_allowed", &format!("{method} {path}"));
            assert_eq!(reply.header("allow"), Some("POST"), "{method} {path}");
        }
    }
    let head = app.call(&admin_event("HEAD", admin_api::RESET_PATH, "", Some(ALICE))).await;
    assert_eq!((head.status, head.body.as_str(), head.header("allow")), (405, "", Some("POST")));
    for path in ["/admin", "/admin/reset/", "/admin/users", "/password-reset/request"] {
        assert_json_error(&app.call(&admin_event("POST", path, r#"{"user_id": "u-pw"}"#, Some(ALICE))).await, 404, "not_found", path);
    }
    app.assert_untouched(&before, "wrong method or path");
}

/// A backing service that cannot be reached is a 503 `unavailable` with `Retry-After`, never a 500.
#[tokio::test]
async fn an_outage_is_a_503_unavailable_with_retry_after() {
    let app = AdminApp::new().await;
    app.queue.outage.set(true);
    let reply = app.call(&invite(json!({"user_id": "u-none"}), Some(ALICE))).await;
    assert_json_error(&reply, 503, "unavailable", "queue down");
    assert!(reply.header("retry-after").is_some());
    app.queue.outage.set(false);
    app.users.outage.set(true);
    let reply = app.call(&reset(json!({"user_id": "u-pw", "block_sign_in": true}), Some(ALICE))).await;
    assert_json_error(&reply, 503, "unavailable", "user store down");
    assert!(!reply.body.contains("simulated"), "no cause in the answer: {}", reply.body);
    app.users.outage.set(false);
    assert!(app.queue.queued().is_empty());
}

/// What each event in `events/admin/` must produce (with the listed role `ResetOperators`; the
/// files' users: `demo-user` with a password, `invited-user` with none). A file added there fails
/// this test until its answer is written here.
const ADMIN_EXPECTED: &[(&str, u16, Option<&str>, usize)] = &[
    ("admin-api-invite.json", 202, None, 1),
    ("admin-api-reset-unlisted-caller.json", 403, Some("forbidden"), 0),
    ("admin-api-reset-without-iam.json", 403, Some("forbidden"), 0),
    ("admin-api-reset.json", 202, None, 1),
];

#[tokio::test]
async fn every_admin_event_gets_its_documented_answer() {
    let dir = events::dir().join("admin");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".json")).collect())
        .unwrap_or_default();
    if files.is_empty() {
        return; // No admin events yet.
    }
    files.sort();
    assert_eq!(files, ADMIN_EXPECTED.iter().map(|(f, ..)| *f).collect::<Vec<_>>(), "events/admin/ and ADMIN_EXPECTED must list the same files");
    for (file, status, error, jobs) in ADMIN_EXPECTED {
        let app = AdminApp::new().await;
        app.add(reset_local::stack::DEMO_USER_ID, Some(OLD_PASSWORD), true);
        app.add("invited-user", None, true);
        let event = events::load(&format!("admin/{file}"));
        let reply = app.call(&event).await;
        assert_eq!(reply.status, *status, "{file}: {}", reply.body);
        if let Some(code) = error {
            assert_json_error(&reply, *status, code, file);
        }
        assert_eq!(app.queue.queued().len(), *jobs, "{file}: jobs queued");
        if *status == 202 {
            let signer = event["requestContext"]["authorizer"]["iam"]["userArn"].as_str().unwrap();
            assert!(app.jobs().iter().all(|job| job.operator == signer), "{file}: the job names its signer");
        }
    }
}
