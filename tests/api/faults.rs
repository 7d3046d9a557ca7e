//! DynamoDB slow (accepts, never answers) or throttled (ThrottlingException on every call), with
//! keys and mail on moto: a defined 503 with Retry-After, well inside the function timeout, and
//! nothing written. (Unreachable AWS is covered in moto.rs.)

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use aws_config::Region;
use aws_sdk_dynamodb::config::Credentials;
use reset_aws::DynamoUsers;
use reset_core::Deps;
use reset_tests::stack::{DEMO_EMAIL, DEMO_USER_ID};

use crate::helpers::{MotoApp, NEW_PASSWORD, call, confirm_event, request_event};

/// A stand-in for DynamoDB on loopback: `throttle` answers every call with ThrottlingException,
/// otherwise it accepts connections and never answers.
fn fake_dynamodb(throttle: bool) -> String {
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

async fn with_dynamodb_at(app: &MotoApp, endpoint: &str) -> Deps<DynamoUsers, reset_aws::SesMailer, reset_aws::SecretsKeys> {
    let sdk = reset_aws::sdk_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "fake"))
        .load()
        .await;
    let moto = app.stack.deps().await;
    Deps { users: DynamoUsers::new(aws_sdk_dynamodb::Client::new(&sdk), app.stack.config().table), ..moto }
}

async fn assert_503_and_nothing_changed(throttle: bool) {
    let app = MotoApp::start().await;
    app.call(&request_event(DEMO_EMAIL)).await;
    let token = app.stack.mails().unwrap()[0].token().unwrap();
    let hash_before = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    let deps = with_dynamodb_at(&app, &fake_dynamodb(throttle)).await;

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
