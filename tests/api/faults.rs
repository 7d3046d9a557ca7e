//! AWS slow (accepts, never answers) or throttling, one service at a time, the others on moto:
//! DynamoDB gives a defined 503 with Retry-After well inside the function timeout and writes
//! nothing; SES is out of every HTTP answer's path and its failures are retried from the queue;
//! Secrets Manager at cold start gives the same 503 for every account. (Unreachable AWS is
//! covered in moto.rs.) Every stand-in counts its calls, so each test also shows that the
//! operation it faults was reached.

use reset_core::domain::mail_job::Lane;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::Region;

use aws_sdk_dynamodb::config::Credentials;
use reset_aws::DynamoUsers;
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};

use crate::helpers::{AwsFunctions, MotoApp, NEW_PASSWORD, call, confirm_event, request_event};

/// An answer a stand-in gives instead of moto's.
#[derive(Clone, Copy)]
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

/// DynamoDB's ThrottlingException.
const DYNAMODB_THROTTLED: Fault = Fault {
    status: 400,
    error_type: "ThrottlingException",
    content_type: "application/x-amz-json-1.0",
    body: r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
};

/// SES v2 throttling: 429 TooManyRequestsException.
pub const SES_THROTTLED: Fault =
    Fault { status: 429, error_type: "TooManyRequestsException", content_type: "application/json", body: r#"{"message":"Maximum sending rate exceeded."}"# };

/// What a stand-in does with one call.
#[derive(Clone, Copy)]
pub enum Answer {
    /// Passes it to moto and returns moto's answer.
    Forward,
    Fault(Fault),
    /// Keeps the connection open and says nothing.
    Silence,
}

/// One call a stand-in received.
pub struct Call<'a> {
    /// `X-Amz-Target` (the JSON protocols' operation), or empty.
    pub target: &'a str,
    pub path: &'a str,
    pub body: &'a str,
}

impl Call<'_> {
    /// The operation: `X-Amz-Target`'s last part (`GetItem`), else the path (SES v2 is REST).
    fn operation(&self) -> String {
        match self.target.rsplit_once('.') {
            Some((_, operation)) => operation.to_owned(),
            None => self.path.to_owned(),
        }
    }

    /// The DynamoDB table the call names, if any.
    fn subject(&self) -> Option<String> {
        let body: serde_json::Value = serde_json::from_str(self.body).ok()?;
        body["Content"]["Simple"]["Subject"]["Data"].as_str().map(str::to_owned)
    }

    fn table(&self) -> Option<String> {
        let body: serde_json::Value = serde_json::from_str(self.body).ok()?;
        // A transaction names its tables per item: the first item's (the password write's users table).
        let item = &body["TransactItems"][0];
        let named = ["Update", "Put", "ConditionCheck", "Delete"].iter().find_map(|kind| item[kind]["TableName"].as_str());
        body["TableName"].as_str().or(named).map(str::to_owned)
    }
}

/// A call as a stand-in counted it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub operation: String,
    pub table: Option<String>,
    /// Given the stand-in's fault or silence rather than moto's answer.
    pub faulted: bool,
    /// An SES mail's subject, to tell two mails from one mail sent twice.
    pub subject: Option<String>,
}

/// Every call a stand-in received, in order.
#[derive(Clone, Default)]
pub struct Hits(Arc<Mutex<Vec<Hit>>>);

impl Hits {
    pub fn all(&self) -> Vec<Hit> {
        self.0.lock().unwrap().clone()
    }

    /// Calls of `operation` (on `table`, for DynamoDB) that got the fault.
    pub fn faulted(&self, operation: &str, table: Option<&str>) -> usize {
        self.count(operation, table, true)
    }

    /// Calls of `operation` (on `table`, for DynamoDB) that moto answered.
    pub fn forwarded(&self, operation: &str, table: Option<&str>) -> usize {
        self.count(operation, table, false)
    }

    fn count(&self, operation: &str, table: Option<&str>, faulted: bool) -> usize {
        let hits = self.0.lock().unwrap();
        hits.iter().filter(|h| h.operation == operation && h.table.as_deref() == table && h.faulted == faulted).count()
    }
}

/// A stand-in AWS endpoint on loopback and what it received.
pub struct StandIn {
    pub url: String,
    pub hits: Hits,
}

/// A stand-in AWS endpoint on loopback: `throttle` answers every call with DynamoDB's
/// ThrottlingException, otherwise it accepts connections and never answers.
pub fn fake_aws(throttle: bool) -> String {
    answering_every_call(if throttle { Answer::Fault(DYNAMODB_THROTTLED) } else { Answer::Silence }).url
}

/// A stand-in with no moto behind it: every call gets `answer` (a fault or silence).
fn answering_every_call(answer: Answer) -> StandIn {
    proxy(None, move |_| answer)
}

/// A stand-in in front of moto that forwards every call except those `fault` picks (by
/// `X-Amz-Target`, path and body), which get the fault's answer instead.
pub fn moto_faulty(moto: &str, fault: impl Fn(&str, &str, &str) -> Option<Fault> + Send + 'static) -> String {
    proxy(Some(moto), move |call| fault(call.target, call.path, call.body).map_or(Answer::Forward, Answer::Fault)).url
}

/// A stand-in that gives each call what `answer` picks, forwarding to `moto` (which must then be
/// given) and counting every call.
pub fn proxy(moto: Option<&str>, answer: impl Fn(&Call) -> Answer + Send + 'static) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Hits::default();
    let record = hits.clone();
    let moto = moto.map(str::to_owned);
    std::thread::spawn(move || {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten().take(500) {
            let Some((head, body)) = read_request(&mut stream) else { continue };
            let headers: Vec<(String, String)> =
                head.lines().skip(1).filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())).collect();
            let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            let (target, text) = (header("x-amz-target"), String::from_utf8_lossy(&body).into_owned());
            let call = Call { target: &target, path: &path, body: &text };
            let chosen = answer(&call);
            let faulted = !matches!(chosen, Answer::Forward);
            record.0.lock().unwrap().push(Hit { operation: call.operation(), table: call.table(), faulted, subject: call.subject() });
            let mut extra = String::new();
            let (status, content_type, answer) = match chosen {
                Answer::Silence => {
                    held.push(stream); // keep it open, say nothing
                    continue;
                }
                Answer::Fault(f) => {
                    extra = format!("x-amzn-ErrorType: {}\r\n", f.error_type);
                    (f.status, f.content_type.to_owned(), f.body.as_bytes().to_vec())
                }
                Answer::Forward => {
                    let moto = moto.as_deref().expect("a stand-in that forwards has moto behind it");
                    let mut request = agent.post(format!("{moto}{path}"));
                    for (k, v) in headers.iter().filter(|(k, _)| !["host", "content-length", "connection"].contains(&k.as_str())) {
                        request = request.header(k, v);
                    }
                    let mut response = request.send(&body[..]).expect("moto answers");
                    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    (response.status().as_u16(), content_type, response.body_mut().read_to_vec().unwrap_or_default())
                }
            };
            let head = format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n", answer.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&answer));
        }
    });
    StandIn { url, hits }
}

/// The head (request line and headers) and body of one HTTP request; `None` if the connection
/// closed before its head was complete.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let (head, mut body) = loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&raw[..end]).into_owned(), raw[end + 4..].to_vec());
        }
    };
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some((head, body))
}

/// A stand-in in front of `app`'s moto that forwards every call but `operation` on the users
/// table, which gets DynamoDB's 500: one operation fails, after every call before it worked for
/// real.
fn moto_failing(app: &MotoApp, operation: &'static str) -> StandIn {
    let users = app.stack.table.table.clone();
    proxy(Some(&app.stack.moto.url), move |call| {
        if call.operation() == operation && call.table().as_deref() == Some(users.as_str()) { Answer::Fault(DYNAMODB_FAULT) } else { Answer::Forward }
    })
}

/// One DynamoDB operation on the users table fails (the limits table and everything else work):
/// the confirm gets the 503, and afterwards the item, the mail and the link are as they were.
/// (A request never reads the users table; the worker's lookup failing is in mail_delivery.rs.)
async fn assert_one_failing_operation_changes_nothing(operation: &'static str) {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let item_before = app.stack.user_item(DEMO_USER_ID).await.unwrap();
    let failing = moto_failing(&app, operation);
    let deps = with_dynamodb_at(&app, &failing.url).await;

    let reply = call(&deps, &confirm_event(&token, NEW_PASSWORD)).await;
    assert_eq!((reply.status, reply.error_code().as_deref(), reply.header("retry-after")), (503, Some("service_unavailable"), Some("5")), "{operation} fails");
    assert!(failing.hits.faulted(operation, Some(&app.stack.table.table)) >= 1, "{operation} was reached: {:?}", failing.hits.all());
    assert_eq!(app.stack.user_item(DEMO_USER_ID).await.unwrap(), item_before, "{operation} fails: the item is as it was");
    let changed = async || {
        let items = app.stack.events.items().await.unwrap();
        items.iter().filter_map(reset_aws::outbox_event).filter(|e| e.detail_type == "Password Changed").count()
    };
    assert_eq!(changed().await, 0, "{operation} fails: no event for a change that did not happen");
    let mails = app.mails().await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(mails.len(), 1, "{operation} fails: {subjects:?}");
    assert!(mails.iter().all(|m| !m.subject.contains("was changed")), "{operation} fails: a notice for a change that did not happen");
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200, "{operation} fails: the link survives");
    assert_eq!(changed().await, 1, "the change that happened has its event");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_password_write_gives_503_and_leaves_the_item_as_it_was() {
    assert_one_failing_operation_changes_nothing("TransactWriteItems").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_user_read_gives_503_after_the_limiter_and_changes_nothing() {
    assert_one_failing_operation_changes_nothing("GetItem").await;
}

/// What a proxy saw: each users-table operation's name and body, in order.
type SeenOperations = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

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

async fn with_dynamodb_at(app: &MotoApp, endpoint: &str) -> AwsFunctions {
    let sdk = sdk_at(endpoint).await;
    let config = app.stack.config();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let outbox = || reset_aws::Outbox { table: config.event_outbox_table.clone().expect("the stack names its outbox") };
    let users = || DynamoUsers::writing(client.clone(), config.table.clone(), outbox());
    let limits = || reset_aws::DynamoLimits::new(client.clone(), config.rate_limit_table.clone());
    let mut functions = AwsFunctions::on(&app.stack).await;
    (functions.request.limits, functions.confirm.common.limits, functions.worker.common.limits) = (limits(), limits(), limits());
    (functions.confirm.users, functions.worker.users) = (users(), users());
    functions.worker.ledger = reset_aws::DynamoJobLedger::new(client.clone(), config.rate_limit_table.clone(), outbox());
    functions
}

/// DynamoDB slow or throttling on one table, the other on moto: a request at its per-IP limiter
/// (the limits table; it never reads the users table), a confirm past its limiter at the user
/// read. Each gets the 503 within the SDK's bounds, after reaching the faulted table, and nothing
/// changes.
async fn assert_503_and_nothing_changed(fault: Answer, at_least: usize) {
    let app = MotoApp::start().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().unwrap();
    let hash_before = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    let (users, limits) = (app.stack.table.table.clone(), app.stack.config().rate_limit_table);

    for (event, table, operation, passed_limiter) in
        [(request_event(DEMO_EMAIL), limits.clone(), "UpdateItem", None), (confirm_event(&token, NEW_PASSWORD), users, "GetItem", Some(limits))]
    {
        let faulted = table.clone();
        let stand_in = proxy(Some(&app.stack.moto.url), move |call| if call.table().as_deref() == Some(faulted.as_str()) { fault } else { Answer::Forward });
        let deps = with_dynamodb_at(&app, &stand_in.url).await;
        let started = Instant::now();
        let reply = call(&deps, &event).await;
        let took = started.elapsed();
        assert_eq!((reply.status, reply.error_code().as_deref()), (503, Some("service_unavailable")), "{}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("5"));
        // Bounded by the SDK's operation timeout (4 s), well inside the function's 10 s.
        assert!(took < Duration::from_secs(8), "took {took:?}");
        let hits = stand_in.hits;
        // At least `at_least` attempts, and never more than the SDK's three.
        let attempts = hits.faulted(operation, Some(&table));
        assert!((at_least..=3).contains(&attempts), "{operation} on {table} reached {attempts} times, not {at_least} to 3: {:?}", hits.all());
        if let Some(limiter) = passed_limiter {
            assert_eq!(hits.forwarded("UpdateItem", Some(&limiter)), 1, "the limiter passed first: {:?}", hits.all());
        }
    }
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), hash_before, "nothing changed");
    assert_eq!(app.mails().await.len(), 1, "no mail went out");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_dynamodb_gives_503_within_the_timeouts() {
    assert_503_and_nothing_changed(Answer::Silence, 1).await;
}

/// Three attempts (the SDK's standard retries), each throttled.
#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_dynamodb_gives_503_after_the_retries() {
    assert_503_and_nothing_changed(Answer::Fault(DYNAMODB_THROTTLED), 2).await;
}

pub async fn sdk_at(endpoint: &str) -> aws_config::SdkConfig {
    reset_aws::sdk_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "fake"))
        .load()
        .await
}

/// SES v2's send, as a stand-in counts it.
const SEND_EMAIL: &str = "/v2/email/outbound-emails";

/// SES accepts connections and never answers (every other call reaches moto): the HTTP functions,
/// on their shipped wiring over the same endpoint, answer as ever and never call SES (a request
/// only queues a job, a confirm only queues its notice), the worker gives up within the SDK's bound
/// and keeps the message for a retry, and once SES answers again the mail goes out, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_ses_holds_no_answer_and_loses_no_mail() {
    let app = MotoApp::start_with(&[("MAIL_RETRY_BASE_SECONDS", "0")]).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let token = app.mails().await[0].token().expect("a reset mail");

    // SES goes silent; everything else still reaches moto through the same endpoint.
    let ses = proxy(Some(&app.stack.moto.url), |call| if call.path.starts_with(SEND_EMAIL) { Answer::Silence } else { Answer::Forward });
    let sdk = sdk_at(&ses.url).await;
    let functions = crate::helpers::Functions {
        request: reset_wiring::request_reset(app.stack.config(), &sdk).await.unwrap(),
        confirm: reset_wiring::reset_password(app.stack.config(), &sdk).await.unwrap(),
        worker: reset_wiring::mail_worker(app.stack.config(), &sdk).await.unwrap(),
    };
    let calls = [
        ("a request for a known address", request_event(DEMO_EMAIL), 202),
        ("a request for an unknown address", request_event("nobody@example.com"), 202),
        ("the confirm (its notice is queued)", confirm_event(&token, NEW_PASSWORD), 200),
    ];
    for (what, event, status) in &calls {
        assert_eq!(call(&functions, event).await.status, *status, "{what}");
    }
    let sent = |hits: Vec<Hit>| hits.into_iter().filter(|hit| hit.operation == SEND_EMAIL).count();
    assert_eq!(sent(ses.hits.all()), 0, "an HTTP function called SES: {:?}", ses.hits.all());

    // The worker's shipped wiring on the silent SES, with the SDK's own timeouts: each send gives
    // up at the operation timeout, and the messages stay queued (none is lost, none goes to the
    // dead-letter queue yet).
    let deps = functions.worker;
    // The links' queue and the notices' queue, each handed to the worker by its own event source.
    let mut failed = 0;
    let mut records = Vec::new();
    let mut events = Vec::new();
    for lane in [Lane::Links, Lane::Notices] {
        let event = app.stack.queue.receive_event_from(lane).await.unwrap().expect("the queued jobs");
        let started = Instant::now();
        let response = mail_worker::handle(&deps, serde_json::from_value(event.clone()).unwrap()).await;
        assert!(started.elapsed() < Duration::from_secs(30), "bounded by the SDK: {:?}", started.elapsed());
        records.push(event["Records"].as_array().unwrap().len());
        failed += response.batch_item_failures.len();
        events.push((event, response));
    }
    assert_eq!(records, [2, 1], "the known and unknown requests on the links' queue, the notice on its own");
    // The unknown address needs no mail, so only the known one and the notice fail.
    assert_eq!(failed, 2, "{events:?}");
    // Both mails reached SES (the link and the notice, told apart by their subjects), not one mail
    // sent twice.
    let subjects: std::collections::BTreeSet<String> =
        ses.hits.all().into_iter().filter(|hit| hit.operation == SEND_EMAIL && hit.faulted).filter_map(|hit| hit.subject).collect();
    assert_eq!(subjects.len(), 2, "the link and the notice reached SES: {:?}", ses.hits.all());
    for (event, response) in &events {
        app.stack.queue.settle(event, &serde_json::to_value(response).unwrap()).await.unwrap();
    }

    // SES is back: the retried messages go out, one mail each.
    let mails: Vec<_> = app.mails().await.into_iter().filter(|m| m.destinations.to == [DEMO_EMAIL]).collect();
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(mails.len(), 3, "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| s.contains("was changed")).count(), 1, "{subjects:?}");
    assert!(reset_core::domain::password::verify(NEW_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_secrets_manager_at_cold_start_gives_503_for_every_account() {
    let app = MotoApp::start().await;
    let secrets = answering_every_call(Answer::Silence);
    let sdk = sdk_at(&secrets.url).await;
    let config = app.stack.config();
    let keys = reset_aws::SecretsHashKeys::new(aws_sdk_secretsmanager::Client::new(&sdk), config.hashing_key_secret);
    let mut deps = AwsFunctions::on(&app.stack).await;
    deps.request.hashing = reset_core::KeyCache::load(keys, Duration::from_secs(300)).await;
    let known = call(&deps, &request_event(DEMO_EMAIL)).await;
    let unknown = call(&deps, &request_event("nobody@example.com")).await;
    assert!(secrets.hits.faulted("GetSecretValue", None) >= 1, "the keys were asked for: {:?}", secrets.hits.all());
    assert_eq!((known.status, known.error_code().as_deref()), (503, Some("service_unavailable")));
    assert_eq!((&known.headers, &known.body), (&unknown.headers, &unknown.body), "the same 503 whatever the account");
    assert!(app.mails().await.is_empty());
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
    let mut form = reset_local::events::load("reset-password-form.json");
    form["body"] = form_urlencoded::Serializer::new(String::new())
        .append_pair("link", &crate::helpers::link_id(&token))
        .append_pair("password", NEW_PASSWORD)
        .append_pair("confirm", NEW_PASSWORD)
        .finish()
        .into();
    form["cookies"] = serde_json::json!([format!("__Host-reset_token={token}")]);
    let reply = call(&deps, &form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let operations: Vec<String> = seen.lock().unwrap().iter().map(|(op, _)| op.clone()).collect();
    assert_eq!(operations, ["GetItem", "TransactWriteItems"]);
}

/// With a user-language attribute configured, the mail worker reads it from the index when the
/// index has it, and otherwise reads that one attribute and nothing else (its IAM grant,
/// `ReadAccountById` in the template, allows no attribute beyond the account's own).
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_reads_only_the_language_attribute_when_the_index_lacks_it() {
    let app = MotoApp::start_with(&[("USER_LOCALE_ATTRIBUTE", "preferred_language")]).await;
    let (proxy, seen) = recording_users_table(&app);
    let deps = with_dynamodb_at(&app, &proxy).await;

    // The demo user has no language stored: the index item lacks it, so one narrow read.
    assert_eq!(call(&deps, &request_event(DEMO_EMAIL)).await.status, 202);
    crate::helpers::deliver_queued(&app.stack.queue, &deps.worker).await;
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
    crate::helpers::deliver_queued(&app.stack.queue, &deps.worker).await;
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
    let users = app.stack.table.table.clone();
    let refusing = proxy(Some(&app.stack.moto.url), move |call| {
        if call.operation() == "GetItem" && call.table().as_deref() == Some(users.as_str()) { Answer::Fault(ACCESS_DENIED) } else { Answer::Forward }
    });
    let deps = with_dynamodb_at(&app, &refusing.url).await;
    let mut event = request_event(DEMO_EMAIL);
    event["headers"]["accept-language"] = "es".into();
    assert_eq!(call(&deps, &event).await.status, 202);
    crate::helpers::deliver_queued(&app.stack.queue, &deps.worker).await;
    assert_eq!(refusing.hits.faulted("GetItem", Some(&app.stack.table.table)), 1, "the language was asked for: {:?}", refusing.hits.all());
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "the mail went out");
    assert_eq!(mails[0].subject, "Restablece tu contraseña de Demo App", "in the request's language");
}
