//! AWS slow (accepts, never answers) or throttling, one service at a time, the others on moto:
//! DynamoDB gives a defined 503 with Retry-After well inside the function timeout and writes
//! nothing; SES is out of every HTTP answer's path and its failures are retried from the queue;
//! Secrets Manager at cold start gives the same 503 for every account. (Unreachable AWS is
//! covered in moto.rs.)

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use aws_config::Region;
use aws_sdk_dynamodb::config::Credentials;
use reset_aws::DynamoUsers;
use reset_core::Deps;
use reset_tests::stack::{DEMO_EMAIL, DEMO_USER_ID};

use crate::helpers::{MotoApp, NEW_PASSWORD, call, confirm_event, request_event};

/// A stand-in AWS endpoint on loopback: `throttle` answers every call with DynamoDB's
/// ThrottlingException, otherwise it accepts connections and never answers.
pub fn fake_aws(throttle: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten().take(200) {
            if throttle {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                let head = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-ErrorType: ThrottlingException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
            } else {
                held.push(stream); // keep it open, say nothing
            }
        }
    });
    url
}

/// An answer the proxy gives instead of moto's.
pub struct Fault {
    status: u16,
    error_type: &'static str,
    content_type: &'static str,
    body: &'static str,
}

/// DynamoDB's 500 InternalServerError.
const DYNAMODB_FAULT: Fault = Fault {
    status: 500,
    error_type: "InternalServerError",
    content_type: "application/x-amz-json-1.0",
    body: r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"simulated fault"}"#,
};

/// SES v2 throttling: 429 TooManyRequestsException.
pub const SES_THROTTLED: Fault = Fault {
    status: 429,
    error_type: "TooManyRequestsException",
    content_type: "application/json",
    body: r#"{"message":"Maximum sending rate exceeded."}"#,
};

/// A stand-in in front of moto that forwards every call except those `fault` picks (by
/// `X-Amz-Target`, path and body), which get the fault's answer instead: one operation fails,
/// after every call before it worked for real.
fn moto_failing(moto: &str, fail: fn(&str, &str) -> bool) -> String {
    moto_faulty(moto, move |target, _path, body| fail(target, body).then_some(DYNAMODB_FAULT))
}

/// [`moto_failing`] with any fault, chosen per call.
pub fn moto_faulty(moto: &str, fault: impl Fn(&str, &str, &str) -> Option<Fault> + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let moto = moto.to_owned();
    std::thread::spawn(move || {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        for mut stream in listener.incoming().flatten().take(500) {
            let mut raw = Vec::new();
            let mut buf = [0u8; 65536];
            let (head, mut body) = loop {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                raw.extend_from_slice(&buf[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&raw[..end]).into_owned(), raw[end + 4..].to_vec());
                }
            };
            let headers: Vec<(String, String)> = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            let length: usize = header("content-length").parse().unwrap_or(0);
            while body.len() < length {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            let mut extra = String::new();
            let (status, content_type, answer) = if let Some(f) = fault(&header("x-amz-target"), &path, &String::from_utf8_lossy(&body)) {
                extra = format!("x-amzn-ErrorType: {}\r\n", f.error_type);
                (f.status, f.content_type.to_owned(), f.body.as_bytes().to_vec())
            } else {
                let mut request = agent.post(format!("{moto}{path}"));
                for (k, v) in headers.iter().filter(|(k, _)| !["host", "content-length", "connection"].contains(&k.as_str())) {
                    request = request.header(k, v);
                }
                let mut response = request.send(&body[..]).expect("moto answers");
                let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                (response.status().as_u16(), content_type, response.body_mut().read_to_vec().unwrap_or_default())
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                answer.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&answer));
        }
    });
    url
}

fn on_users_table(target: &str, body: &str, operation: &str) -> bool {
    target.ends_with(&format!(".{operation}")) && body.contains(r#""TableName":"users""#)
}

/// One DynamoDB operation on the users table fails (the limits table and everything else work):
/// the confirm gets the 503, and afterwards the item, the mail and the link are as they were.
/// (A request never reads the users table; the worker's lookup failing is in mail_delivery.rs.)
async fn assert_one_failing_operation_changes_nothing(fail: fn(&str, &str) -> bool, what: &str) {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let item_before = app.stack.user_item(DEMO_USER_ID).await.unwrap();
    let deps = with_dynamodb_at(&app, &moto_failing(&app.stack.moto.url, fail)).await;

    let reply = call(&deps, &confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!((reply.status, reply.error_code().as_deref(), reply.header("retry-after")), (503, Some("service_unavailable"), Some("5")), "{what}");
    assert_eq!(app.stack.user_item(DEMO_USER_ID).await.unwrap(), item_before, "{what}: the item is as it was");
    let mails = app.mails().await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(mails.len(), 1, "{what}: {subjects:?}");
    assert!(mails.iter().all(|m| !m.subject.contains("was changed")), "{what}: a notice for a change that did not happen");
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200, "{what}: the link survives");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_password_write_gives_503_and_leaves_the_item_as_it_was() {
    assert_one_failing_operation_changes_nothing(|t, b| on_users_table(t, b, "UpdateItem"), "UpdateItem fails").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_user_read_gives_503_after_the_limiter_and_changes_nothing() {
    assert_one_failing_operation_changes_nothing(|t, b| on_users_table(t, b, "GetItem"), "reads fail").await;
}

/// What a proxy saw: each users-table operation's name and body, in order.
type SeenOperations = std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;

/// A proxy in front of `app`'s moto that records every operation on the users table.
fn recording_users_table(app: &MotoApp) -> (String, SeenOperations) {
    let seen = SeenOperations::default();
    let record = seen.clone();
    let proxy = moto_faulty(&app.stack.moto.url, move |target, _path, body| {
        if body.contains(r#""TableName":"users""#) {
            record.lock().unwrap().push((target.rsplit('.').next().unwrap_or_default().to_owned(), serde_json::from_str(body).unwrap_or_default()));
        }
        None
    });
    (proxy, seen)
}

async fn with_dynamodb_at(app: &MotoApp, endpoint: &str) -> Deps<reset_aws::Aws> {
    let sdk = sdk_at(endpoint).await;
    let moto = app.stack.deps().await;
    let config = app.stack.config();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let limits = reset_aws::DynamoLimits::new(client.clone(), config.rate_limit_table);
    Deps { users: DynamoUsers::new(client, config.table), limits, ..moto }
}

async fn assert_503_and_nothing_changed(throttle: bool) {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let hash_before = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    let deps = with_dynamodb_at(&app, &fake_aws(throttle)).await;

    for event in [request_event(DEMO_EMAIL), confirm_event(&token, NEW_PASSWORD)] {
        let started = Instant::now();
        let reply = call(&deps, &event).await;
        let took = started.elapsed();
        assert_eq!((reply.status, reply.error_code().as_deref()), (503, Some("service_unavailable")), "{}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("5"));
        // Bounded by the SDK's operation timeout (4 s), well inside the function's 10 s.
        assert!(took < Duration::from_secs(8), "took {took:?}");
    }
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), hash_before, "nothing changed");
    assert_eq!(app.mails().await.len(), 1, "no mail went out");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_dynamodb_gives_503_within_the_timeouts() {
    assert_503_and_nothing_changed(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_dynamodb_gives_503_after_the_retries() {
    assert_503_and_nothing_changed(true).await;
}

pub async fn sdk_at(endpoint: &str) -> aws_config::SdkConfig {
    reset_aws::sdk_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "fake"))
        .load()
        .await
}

/// SES accepts connections and never answers: no HTTP answer waits for it (a request only queues
/// a job, a confirm only queues its notice), the worker gives up within the SDK's bound and keeps
/// the message for a retry, and once SES answers again the mail goes out, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_ses_holds_no_answer_and_loses_no_mail() {
    let app = MotoApp::start_with(&[("MAIL_RETRY_BASE_SECONDS", "0")]).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let sdk = sdk_at(&fake_aws(false)).await;
    let config = app.stack.config();
    let mailer = reset_aws::SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), config.sender, None);
    let deps = Deps { mailer: reset_core::Paced::new(mailer, Duration::ZERO), ..app.stack.deps().await };

    for (email, event) in [(DEMO_EMAIL, request_event(DEMO_EMAIL)), ("unknown", request_event("nobody@example.com"))] {
        let started = Instant::now();
        assert_eq!(call(&deps, &event).await.status, 202, "{email}");
        assert!(started.elapsed() < Duration::from_millis(1500), "{email} waited {:?}", started.elapsed());
    }
    let started = Instant::now();
    assert_eq!(call(&deps, &confirm_event(&token, NEW_PASSWORD)).await.status, 200, "the reset stands; its notice is queued");
    assert!(started.elapsed() < Duration::from_secs(2), "the confirm waited {:?} for SES", started.elapsed());

    // The worker with the silent SES: each send gives up at the SDK's operation timeout, and the
    // messages stay queued (none is lost, none goes to the dead-letter queue yet).
    let event = app.stack.queue.receive_event().await.unwrap().expect("the queued jobs");
    let started = Instant::now();
    let response = mail_worker::handle(&deps, serde_json::from_value(event.clone()).unwrap()).await;
    assert!(started.elapsed() < Duration::from_secs(30), "bounded by the SDK: {:?}", started.elapsed());
    let records = event["Records"].as_array().unwrap().len();
    assert_eq!(records, 3, "the known and unknown requests and the notice");
    // The unknown address needs no mail, so only the known one and the notice fail.
    assert_eq!(response.batch_item_failures.len(), 2, "{response:?}");
    app.stack.queue.settle(&event, &serde_json::to_value(&response).unwrap()).await.unwrap();

    // SES is back: the retried messages go out, one mail each.
    let mails = app.mails().await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(mails.len(), 3, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.contains("was changed")).count(), 1, "{subjects:?}");
    assert!(reset_core::password::verify(NEW_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_secrets_manager_at_cold_start_gives_503_for_every_account() {
    let app = MotoApp::start().await;
    let sdk = sdk_at(&fake_aws(false)).await;
    let config = app.stack.config();
    let keys = reset_aws::SecretsKeys::new(aws_sdk_secretsmanager::Client::new(&sdk), config.signing_key_secret);
    let moto = app.stack.deps().await;
    let deps = Deps { keys: reset_core::KeyCache::load(keys, Duration::from_secs(300)).await, ..moto };
    let known = call(&deps, &request_event(DEMO_EMAIL)).await;
    let unknown = call(&deps, &request_event("nobody@example.com")).await;
    assert_eq!((known.status, known.error_code().as_deref()), (503, Some("service_unavailable")));
    assert_eq!((&known.headers, &known.body), (&unknown.headers, &unknown.body), "the same 503 whatever the account");
    assert!(app.mails().await.is_empty());
}

/// reset-password's IAM policy lets it read four attributes of a user and write two (the
/// template's `dynamodb:Attributes` conditions): a confirm, watched on the wire, touches no other
/// attribute, reads with a projection (IAM refuses a read of the whole item) and asks for no
/// return values.
#[tokio::test(flavor = "multi_thread")]
async fn a_confirm_touches_only_the_attributes_its_iam_policy_names() {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let (proxy, seen) = recording_users_table(&app);
    let deps = with_dynamodb_at(&app, &proxy).await;
    assert_eq!(call(&deps, &confirm_event(&token, NEW_PASSWORD)).await.status, 200);

    let t = &app.stack.table;
    let readable = [&t.id, &t.email, &t.password_hash, &t.status, &t.password_changed_at];
    let writable = [&t.id, &t.email, &t.password_hash, &t.status, &t.password_changed_at];
    let seen = seen.lock().unwrap();
    let operations: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(operations, ["GetItem", "UpdateItem"], "a confirm reads the user, then writes it");
    for (operation, body) in seen.iter() {
        let mut names: Vec<String> = body["ExpressionAttributeNames"].as_object().map(|m| m.values().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default();
        names.extend(body["Key"].as_object().map(|k| k.keys().cloned().collect::<Vec<_>>()).unwrap_or_default());
        let allowed: &[&String] = if operation == "GetItem" { &readable } else { &writable };
        for name in &names {
            assert!(allowed.contains(&name), "{operation} touches {name}, which its IAM condition does not allow");
        }
        if operation == "GetItem" {
            assert!(body["ProjectionExpression"].is_string(), "a read of the whole item is refused by IAM");
        }
        assert!(body["ReturnValues"].as_str().is_none_or(|v| v == "NONE"), "{operation} asks for values back");
    }
}

/// The form checks its token first (to name the account) and then changes the password with what
/// that check read: one read of the user, then the conditional write, as for the JSON confirm.
#[tokio::test(flavor = "multi_thread")]
async fn the_form_reads_the_user_once() {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let (proxy, seen) = recording_users_table(&app);
    let deps = with_dynamodb_at(&app, &proxy).await;
    let mut form = reset_tests::events::load("reset-password-form.json");
    form["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("password", NEW_PASSWORD).append_pair("confirm", NEW_PASSWORD).finish().into();
    form["cookies"] = serde_json::json!([format!("__Host-reset_token={token}")]);
    let reply = call(&deps, &form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let operations: Vec<String> = seen.lock().unwrap().iter().map(|(op, _)| op.clone()).collect();
    assert_eq!(operations, ["GetItem", "UpdateItem"]);
}

/// With a user-language attribute configured, the mail worker reads it from the index when the
/// index has it, and otherwise reads that one attribute and nothing else (its IAM grant is
/// exactly that: `ReadUserLocale` in the template).
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_reads_only_the_language_attribute_when_the_index_lacks_it() {
    let app = MotoApp::start_with(&[("USER_LOCALE_ATTRIBUTE", "preferred_language")]).await;
    let (proxy, seen) = recording_users_table(&app);
    let deps = with_dynamodb_at(&app, &proxy).await;

    // The demo user has no language stored: the index item lacks it, so one narrow read.
    assert_eq!(call(&deps, &request_event(DEMO_EMAIL)).await.status, 202);
    crate::helpers::deliver_queued(&app.stack.queue, &deps).await;
    {
        let seen = seen.lock().unwrap();
        let operations: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
        assert_eq!(operations, ["Query", "GetItem"]);
        let read = &seen[1].1;
        assert_eq!(read["ProjectionExpression"], "#locale");
        assert_eq!(read["ExpressionAttributeNames"], serde_json::json!({ "#locale": "preferred_language" }), "the language and nothing else");
    }
    seen.lock().unwrap().clear();

    // Stored (and projected by this index): no read beyond the query, and the mail is in it.
    app.stack
        .dynamodb()
        .update_item()
        .table_name(&app.stack.table.table)
        .key(&app.stack.table.id, aws_sdk_dynamodb::types::AttributeValue::S(DEMO_USER_ID.into()))
        .update_expression("SET preferred_language = :tag")
        .expression_attribute_values(":tag", aws_sdk_dynamodb::types::AttributeValue::S("fr".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&deps, &request_event(DEMO_EMAIL)).await.status, 202);
    crate::helpers::deliver_queued(&app.stack.queue, &deps).await;
    let operations: Vec<String> = seen.lock().unwrap().iter().map(|(op, _)| op.clone()).collect();
    assert_eq!(operations, ["Query"]);
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.last().unwrap().subject, "Réinitialisez votre mot de passe Demo App");
}

/// A language that cannot be read (here IAM refuses the read, as it would for a deployment that
/// names the attribute without granting it) costs the mail its language, never the mail.
#[tokio::test(flavor = "multi_thread")]
async fn a_language_that_cannot_be_read_still_lets_the_mail_out() {
    const ACCESS_DENIED: Fault = Fault {
        status: 400,
        error_type: "AccessDeniedException",
        content_type: "application/x-amz-json-1.0",
        body: r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform dynamodb:GetItem"}"#,
    };
    let app = MotoApp::start_with(&[("USER_LOCALE_ATTRIBUTE", "preferred_language")]).await;
    let proxy = moto_faulty(&app.stack.moto.url, |target, _path, body| {
        (target.ends_with(".GetItem") && body.contains(r#""TableName":"users""#)).then_some(ACCESS_DENIED)
    });
    let deps = with_dynamodb_at(&app, &proxy).await;
    let mut event = request_event(DEMO_EMAIL);
    event["headers"]["accept-language"] = "es".into();
    assert_eq!(call(&deps, &event).await.status, 202);
    crate::helpers::deliver_queued(&app.stack.queue, &deps).await;
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "the mail went out");
    assert_eq!(mails[0].subject, "Restablece tu contraseña de Demo App", "in the request's language");
}
