//! AWS slow (accepts, never answers) or throttling, one service at a time, the others on moto:
//! DynamoDB gives a defined 503 with Retry-After well inside the function timeout and writes
//! nothing; SES changes no answer; Secrets Manager at cold start gives the same 503 for every
//! account. (Unreachable AWS is covered in moto.rs.)

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
fn fake_aws(throttle: bool) -> String {
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
    app.call(&request_event(DEMO_EMAIL)).await;
    let token = app.stack.mails().unwrap()[0].token().unwrap();
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
    assert_eq!(app.stack.mails().unwrap().len(), 1, "no mail went out");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_dynamodb_gives_503_within_the_timeouts() {
    assert_503_and_nothing_changed(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_dynamodb_gives_503_after_the_retries() {
    assert_503_and_nothing_changed(true).await;
}

async fn sdk_at(endpoint: &str) -> aws_config::SdkConfig {
    reset_aws::sdk_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "fake"))
        .load()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_ses_keeps_every_answer_and_the_reset_stands() {
    let app = MotoApp::start().await;
    app.call(&request_event(DEMO_EMAIL)).await;
    let token = app.stack.mails().unwrap()[0].token().unwrap();
    let sdk = sdk_at(&fake_aws(false)).await;
    let config = app.stack.config();
    let mailer = reset_aws::SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), config.sender, None);
    let deps = Deps { mailer, ..app.stack.deps().await };

    let known = call(&deps, &request_event(DEMO_EMAIL)).await;
    let unknown = call(&deps, &request_event("nobody@example.com")).await;
    assert_eq!((known.status, &known.body), (202, &unknown.body), "a mail failure changes no answer");
    assert_eq!(call(&deps, &confirm_event(&token, NEW_PASSWORD)).await.status, 200, "the reset stands without its notice");
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
    assert!(app.stack.mails().unwrap().is_empty());
}
