//! The `sdk-*` scenarios: the shipped wiring (each function's `reset_wiring` builder over the SDK configuration
//! `reset_aws::lambda_sdk_config` builds, the real aws-sdk clients and the reset-aws adapters), with
//! one thing swapped: the HTTP client is [`Canned`], an in-process responder that answers each
//! operation with a fixed, valid response. What is counted is everything the SDK does for a call
//! short of the wire: endpoint resolution, serialisation, SigV4 signing, the retry and timeout
//! machinery, deserialisation, and the adapters' item conversion. No network, no moto, so the
//! count depends on nothing outside this process.
//!
//! The responder counts the calls per operation, and each scenario checks that every operation it
//! expects was called as often as expected per repeat: a path that short-circuits (a refused
//! limit, an unknown account, a failed signature) would otherwise count as cheap.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use lambda_http::Request;
use reset_core::domain::UserId;
use reset_core::ports::GetUser as _;
use reset_wiring::Config;
use serde_json::json;

use crate::{KEY, MAX_REPEATS, OLD_HASH, UNREACHED, confirm_event, job_event_under, request_event};

const REGION: &str = "us-east-1";
const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:password-reset/signing-keys-Ab12Cd";
const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/password-reset-mail";
const NOTICE_QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/password-reset-notices";
/// The user every GetItem and Query answers with (the users table's default attribute names).
const USER_ID: &str = "user-0";

/// The operations the three functions call, as the responder tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    UpdateItem,
    TransactWriteItems,
    GetItem,
    Query,
    SendMessage,
    GetSecretValue,
    SendEmail,
}

const OPS: [Op; 7] = [Op::UpdateItem, Op::TransactWriteItems, Op::GetItem, Op::Query, Op::SendMessage, Op::GetSecretValue, Op::SendEmail];

impl Op {
    /// JSON protocols (DynamoDB, SQS, Secrets Manager) name the operation in `x-amz-target`; SES
    /// v2 is REST, named by method and path.
    fn of(request: &HttpRequest) -> Option<Op> {
        match request.headers().get("x-amz-target") {
            Some("DynamoDB_20120810.UpdateItem") => Some(Op::UpdateItem),
            Some("DynamoDB_20120810.TransactWriteItems") => Some(Op::TransactWriteItems),
            Some("DynamoDB_20120810.GetItem") => Some(Op::GetItem),
            Some("DynamoDB_20120810.Query") => Some(Op::Query),
            Some("AmazonSQS.SendMessage") => Some(Op::SendMessage),
            Some("secretsmanager.GetSecretValue") => Some(Op::GetSecretValue),
            Some(_) => None,
            None if request.method() == "POST" && request.uri().ends_with("/v2/email/outbound-emails") => Some(Op::SendEmail),
            None => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Op::UpdateItem | Op::TransactWriteItems | Op::GetItem | Op::Query | Op::SendMessage => "application/x-amz-json-1.0",
            Op::GetSecretValue => "application/x-amz-json-1.1",
            Op::SendEmail => "application/json",
        }
    }
}

/// Calls answered, per operation (indexed as [`OPS`]).
#[derive(Debug, Default)]
struct Calls([AtomicUsize; OPS.len()]);

type Snapshot = [usize; OPS.len()];

impl Calls {
    fn snapshot(&self) -> Snapshot {
        std::array::from_fn(|i| self.0[i].load(Ordering::Relaxed))
    }
}

/// Panics unless, between `before` and now, each operation was called `per_repeat` times per repeat
/// (operations not named: never).
fn expect_calls(calls: &Calls, before: Snapshot, repeats: usize, per_repeat: &[(Op, usize)]) {
    let after = calls.snapshot();
    for (i, op) in OPS.iter().enumerate() {
        let expected = per_repeat.iter().find(|(o, _)| o == op).map_or(0, |(_, n)| n * repeats);
        assert_eq!(after[i] - before[i], expected, "{op:?} calls over {repeats} repeats");
    }
}

/// The canned responder: a fixed, valid answer per operation, built once.
#[derive(Debug)]
struct Responder {
    calls: Arc<Calls>,
    bodies: [String; OPS.len()],
}

impl HttpConnector for Responder {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let op = Op::of(&request)
            .unwrap_or_else(|| panic!("no canned answer for {} {} ({:?})", request.method(), request.uri(), request.headers().get("x-amz-target")));
        // Signed as it would be on the wire (the count is meant to include signing).
        assert!(request.headers().get("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 Credential=")), "{op:?} is unsigned");
        let i = op as usize;
        self.calls.0[i].fetch_add(1, Ordering::Relaxed);
        let body = &self.bodies[i];
        let mut response = Response::new(StatusCode::try_from(200).expect("a status"), SdkBody::from(body.as_str()));
        let headers = response.headers_mut();
        headers.insert("content-type", op.content_type());
        headers.insert("content-length", body.len().to_string());
        headers.insert("x-amzn-requestid", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        HttpConnectorFuture::ready(Ok(response))
    }
}

/// The [`HttpClient`] the SDK configuration gets: one connector for every client and request
/// (the shipped client caches its connector the same way).
#[derive(Debug, Clone)]
struct Canned(SharedHttpConnector);

impl HttpClient for Canned {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        self.0.clone()
    }
}

fn user_item() -> serde_json::Value {
    json!({
        "id": {"S": USER_ID}, "email": {"S": "user0@example.com"}, "password_hash": {"S": OLD_HASH},
        "status": {"S": "active"}, "password_changed_at": {"N": "1700000000"},
    })
}

/// The responder and its call counts.
fn canned() -> (Canned, Arc<Calls>) {
    let calls = Arc::new(Calls::default());
    let body = |op: Op| -> String {
        match op {
            // Counters, claims (no earlier record: ALL_OLD is empty), finishes and password writes.
            Op::UpdateItem => "{}".into(),
            // A password and its event; a finished job and its event.
            Op::TransactWriteItems => "{}".into(),
            Op::GetItem => json!({ "Item": user_item() }).to_string(),
            // The template's email index projects the hash, status and epoch: no GetItem after it.
            Op::Query => json!({ "Count": 1, "ScannedCount": 1, "Items": [user_item()] }).to_string(),
            // The Rust SDK does not check MD5OfMessageBody (no SQS checksum interceptor in 1.102).
            Op::SendMessage => {
                json!({ "MD5OfMessageBody": "0cc175b9c0f1b6a831c399e269772661", "MessageId": "5fea7756-0ea4-451a-a703-a558b933e274" }).to_string()
            }
            Op::GetSecretValue => json!({
                "ARN": SECRET_ARN, "Name": "password-reset/signing-keys", "CreatedDate": 1_700_000_000.0,
                "SecretString": json!({"current": "a", "a": KEY}).to_string(),
                "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "VersionStages": ["AWSCURRENT"],
            })
            .to_string(),
            Op::SendEmail => json!({ "MessageId": "0100018c2f5e6a7b-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000" }).to_string(),
        }
    };
    let responder = Responder { calls: calls.clone(), bodies: OPS.map(body) };
    (Canned(SharedHttpConnector::new(responder)), calls)
}

/// What Lambda puts in a function's environment for the SDK (`reset_aws::lambda_sdk_config` reads
/// it): a region and the execution role's session credentials. Set before any thread exists.
pub fn set_lambda_environment() {
    let session_token = format!("IQoJb3JpZ2luX2VjEXAMPLE{}", "A".repeat(1000));
    // SAFETY: called from `main` before the runtime or anything else starts a thread.
    unsafe {
        std::env::remove_var("AWS_ENDPOINT_URL");
        std::env::set_var("AWS_REGION", REGION);
        std::env::set_var("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        std::env::set_var("AWS_SESSION_TOKEN", session_token);
    }
}

/// The functions' SDK configuration as shipped (timeouts, retries, sleep, time source, credentials
/// from the environment), with the canned responder as its HTTP client.
fn sdk_config(client: Canned) -> aws_config::SdkConfig {
    let shipped = reset_aws::lambda_sdk_config().expect("the Lambda environment is set");
    shipped.into_builder().http_client(SharedHttpClient::new(client)).build()
}

/// The configuration from the variables template.yaml sets (its defaults, the edge off, the
/// breached-password check off), with limits no scenario reaches and the fastest send rate the
/// configuration allows (one process: 10 µs between mails), so pacing adds no real wait.
fn config() -> Config {
    let limits = UNREACHED;
    let (per_minute, per_day, per_day_total, ip) =
        (limits.email_per_minute.to_string(), limits.email_per_day.to_string(), limits.email_per_day_total.to_string(), limits.ip_per_minute.to_string());
    let vars: HashMap<String, String> = [
        ("USERS_TABLE", "users"),
        ("USERS_EMAIL_INDEX", "email-index"),
        ("USER_ID_ATTRIBUTE", "id"),
        ("USER_EMAIL_ATTRIBUTE", "email"),
        ("USER_PASSWORD_HASH_ATTRIBUTE", "password_hash"),
        ("USER_STATUS_ATTRIBUTE", "status"),
        ("USER_ACTIVE_STATUSES", "active"),
        ("USER_PASSWORD_CHANGED_AT_ATTRIBUTE", "password_changed_at"),
        ("USER_LOCALE_ATTRIBUTE", ""),
        ("RATE_LIMIT_TABLE", "password-reset-rate-limits"),
        ("EVENT_OUTBOX_TABLE", "password-reset-events"),
        ("RATE_LIMIT_EMAIL_PER_MINUTE", &per_minute),
        ("RATE_LIMIT_EMAIL_PER_DAY", &per_day),
        ("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", &per_day_total),
        ("RATE_LIMIT_IP_PER_MINUTE", &ip),
        ("SIGNING_KEY_SECRET_ID", SECRET_ARN),
        // The canned responder answers every GetSecretValue with the same ring, which both rings read.
        ("HASHING_KEY_SECRET_ID", SECRET_ARN),
        ("SENDER_EMAIL", "Password Reset <no-reply@example.com>"),
        ("SES_CONFIGURATION_SET", "password-reset-MailConfigurationSet-1A2B3C4D5E6F"),
        ("MAIL_QUEUE_URL", QUEUE_URL),
        ("NOTICE_QUEUE_URL", NOTICE_QUEUE_URL),
        ("MAIL_MAX_AGE_SECONDS", "900"),
        ("SES_MAX_SEND_RATE", "100000"),
        ("MAIL_WORKER_CONCURRENCY", "1"),
        ("NOTICE_WORKER_CONCURRENCY", "2"),
        ("RESET_PAGE_URL", "https://auth.example.com/reset-password"),
        ("LOGIN_URL", ""),
        ("TOKEN_TTL_SECONDS", "1800"),
        ("APP_NAME", "Demo App"),
        ("SUPPORT_CONTACT", "support@example.com"),
        ("ACCENT_COLOR", ""),
        ("LOGO_URL", ""),
        ("FOOTER_TEXT", ""),
        ("DEFAULT_LOCALE", "en"),
        ("BREACHED_PASSWORD_CHECK", "off"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Config::from_vars(&vars).expect("the template's configuration is valid")
}

pub async fn run(scenario: &str, repeats: usize) {
    let (client, calls) = canned();
    let sdk = sdk_config(client);
    let before = match scenario {
        "sdk-request-reset" => {
            let deps = reset_wiring::request_reset(config(), &sdk).await.expect("the shipped wiring");
            let requests: Vec<Request> = (0..MAX_REPEATS).map(|i| request_event(&format!("user{i}@example.com"))).collect();
            let before = calls.snapshot();
            for request in requests.into_iter().take(repeats) {
                let response = request_reset::handle(&deps, request).await.expect("infallible");
                assert_eq!(response.status(), 202);
            }
            // The source IP's per-minute budget, its jobs for the minute, the hour and the day; the job.
            expect_calls(&calls, before, repeats, &[(Op::UpdateItem, 4), (Op::SendMessage, 1)]);
            before
        }
        "sdk-mail-worker" => {
            let deps = reset_wiring::mail_worker(config(), &sdk).await.expect("the shipped wiring");
            let events: Vec<mail_worker::SqsEvent> = (0..MAX_REPEATS).map(|i| job_event_under(i, KEY)).collect();
            let before = calls.snapshot();
            for event in events.into_iter().take(repeats) {
                let response = mail_worker::handle(&deps, event).await;
                assert!(response.batch_item_failures.is_empty());
            }
            // Three budgets (the requester's, the minute's, the day's cap) and the claim; the account
            // by its address; the mail; the finish with its Reset Link Sent.
            expect_calls(&calls, before, repeats, &[(Op::UpdateItem, 5), (Op::Query, 1), (Op::SendEmail, 1), (Op::TransactWriteItems, 1)]);
            before
        }
        "sdk-confirm" => {
            let deps = reset_wiring::reset_password(config(), &sdk).await.expect("the shipped wiring");
            // No `reset_core::prepare_confirms()` here, though the function calls it at cold start:
            // its warm-up zxcvbn run does a random amount of work (zxcvbn's scoring walks std
            // HashMaps, whose order is seeded per process), and set-up noise does not cancel out.
            // The first repeat, in both runs, builds what it would have.
            // The user as the adapter reads the canned item, so the tokens bind to what GetItem answers.
            let user = deps.users.get_user(&UserId::parse(USER_ID).expect("an id")).await.expect("GetItem").expect("the user");
            let ring = deps.signing.get().await.expect("keys");
            let now = reset_core::unix_now();
            let confirms: Vec<Request> = (0..MAX_REPEATS).map(|_| confirm_event(&ring.issue(user.binding(), now, 3600).expect("a token").token)).collect();
            let before = calls.snapshot();
            for request in confirms.into_iter().take(repeats) {
                let response = reset_password::handle(&deps, request).await.expect("infallible");
                assert_eq!(response.status(), 200);
            }
            // The source IP's budget, the user, the conditional write with its Password Changed;
            // the changed-password notice.
            expect_calls(&calls, before, repeats, &[(Op::UpdateItem, 1), (Op::TransactWriteItems, 1), (Op::GetItem, 1), (Op::SendMessage, 1)]);
            before
        }
        _ => crate::unknown(scenario),
    };
    // The key rings came from the canned secret, once each, at set-up (and are cached from then
    // on): request-reset reads the hashing keys only, the others the signing keys too.
    let rings = if scenario == "sdk-request-reset" { 1 } else { 2 };
    assert_eq!(before[Op::GetSecretValue as usize], rings, "one GetSecretValue per ring at set-up");
}
