//! `instruction-scenarios <scenario> <repeats>`: builds everything a scenario needs for the most
//! repeats any run asks for, then runs its operation `repeats` times. The gate (tests/api,
//! `instructions.rs`) runs it under callgrind with two repeat counts: the difference, divided by
//! the difference in repeats, is the cost of one warm operation, with set-up and process start
//! cancelled out. The `sdk-*` scenarios run the shipped AWS wiring over a canned HTTP client
//! ([`sdk`]).

mod sdk;

use std::time::Duration;

use lambda_http::Request;
use reset_core::domain::password;
use reset_core::domain::{StoredEmail, User, UserId};
use reset_core::memory::{InMemory, MemoryBreaches, MemoryHashKeys, MemoryJobLedger, MemoryKeys, MemoryLimits, MemoryMailer, MemoryQueue, MemoryUsers};
use reset_core::ports::keys::KeyCache;
use reset_core::settings::{RateLimits, Settings, parse_page_url};
use reset_core::{ConfirmDeps, DeliveryDeps, Deps, Paces};
use reset_pages::pages::{self, Reader};
use reset_text::Locale;
use serde_json::{Value, json};

/// No run asks for more repeats than this; set-up always prepares this many.
const MAX_REPEATS: usize = 21;
const KEY: &str = "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
/// The in-memory scenarios' hashing key (the hashing secret's, apart from the signing one).
const HASH_KEY: &str = "hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm";
/// A stored hash of the right shape: the confirm never verifies the old password.
const OLD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$4p5r3Yt1Bn0Bf3ZcHBp5yA9xtCq4x6bb7tq3MgW8v4M";
const NEW_PASSWORD: &str = "a new and long passphrase";
/// Limits no scenario reaches, so each repeat does the same work.
const UNREACHED: RateLimits = RateLimits {
    email_per_minute: 1000,
    email_per_day: 1000,
    email_per_day_total: 1000,
    ip_per_minute: 10_000,
    source_jobs_per_hour: 1_000_000,
    source_jobs_per_minute: 1_000_000,
    source_jobs_per_day: 1_000_000,
};

fn main() {
    let mut args = std::env::args().skip(1);
    // The gate (tests/api/instructions.rs) asks for the list, so the scenarios are named once.
    if std::env::args().nth(1).as_deref() == Some("--list") {
        println!("{}", SCENARIOS.join("\n"));
        return;
    }
    let (Some(scenario), Some(repeats)) = (args.next(), args.next().and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: instruction-scenarios <scenario> <repeats> | --list; scenarios: {}", SCENARIOS.join(", "));
        std::process::exit(2);
    };
    assert!(repeats <= MAX_REPEATS, "at most {MAX_REPEATS} repeats");
    let on_sdk = scenario.starts_with("sdk-");
    if on_sdk {
        sdk::set_lambda_environment();
    }
    // One thread, as the functions run.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    if on_sdk {
        runtime.block_on(sdk::run(&scenario, repeats));
    } else {
        runtime.block_on(run(&scenario, repeats));
    }
}

const SCENARIOS: &[&str] = &[
    "request-reset",
    "mail-worker",
    "confirm",
    "argon2",
    "token-issue",
    "token-verify",
    "page-latin",
    "page-japanese",
    "page-arabic",
    "sdk-request-reset",
    "sdk-mail-worker",
    "sdk-confirm",
];

async fn run(scenario: &str, repeats: usize) {
    let app = App::new().await;
    match scenario {
        "request-reset" => {
            let requests: Vec<Request> = (0..MAX_REPEATS).map(|i| request_event(&format!("user{i}@example.com"))).collect();
            for request in requests.into_iter().take(repeats) {
                let response = request_reset::handle(&app.request, request).await.expect("infallible");
                assert_eq!(response.status(), 202);
            }
        }
        "mail-worker" => {
            let events: Vec<mail_worker::SqsEvent> = (0..MAX_REPEATS).map(job_event).collect();
            for event in events.into_iter().take(repeats) {
                let response = mail_worker::handle(&app.worker, event).await;
                assert!(response.batch_item_failures.is_empty());
            }
            assert_eq!(app.mailer.sent().len(), repeats, "one mail a job");
        }
        "confirm" | "argon2" => {
            let ring = app.confirm.signing.get().await.expect("keys");
            let now = reset_core::unix_now();
            let confirms: Vec<Request> =
                (0..MAX_REPEATS).map(|i| confirm_event(&ring.issue(app.user(i).binding(), now, 3600).expect("a token").token)).collect();
            if scenario == "argon2" {
                for _ in 0..repeats {
                    password::hash_blocking(NEW_PASSWORD).expect("a hash");
                }
                return;
            }
            for request in confirms.into_iter().take(repeats) {
                let response = reset_password::handle(&app.confirm, request).await.expect("infallible");
                assert_eq!(response.status(), 200);
            }
        }
        "token-issue" | "token-verify" => {
            let ring = app.confirm.signing.get().await.expect("keys");
            let now = reset_core::unix_now();
            let users: Vec<User> = (0..MAX_REPEATS).map(|i| app.user(i)).collect();
            let tokens: Vec<String> = users.iter().map(|u| ring.issue(u.binding(), now, 3600).expect("a token").token).collect();
            for (user, token) in users.iter().zip(&tokens).take(repeats) {
                if scenario == "token-issue" {
                    std::hint::black_box(ring.issue(user.binding(), now, 3600).expect("a token"));
                } else {
                    let claims = ring.verify(token, now).expect("valid").bind(user.binding()).expect("bound");
                    std::hint::black_box(claims);
                }
            }
        }
        page if page.starts_with("page-") => {
            let tag = match page {
                "page-latin" => "fr",
                "page-japanese" => "ja",
                "page-arabic" => "ar",
                _ => unknown(scenario),
            };
            let reader = Reader { settings: &app.request.settings, locale: Locale::matching(tag).expect("a shipped language"), chosen: true };
            for _ in 0..repeats {
                std::hint::black_box(pages::forgot(&reader, "", None));
            }
        }
        _ => unknown(scenario),
    }
}

fn unknown(scenario: &str) -> ! {
    eprintln!("unknown scenario {scenario}; scenarios: {}", SCENARIOS.join(", "));
    std::process::exit(2)
}

/// The three functions over one set of in-memory stores.
struct App {
    request: Deps<InMemory>,
    confirm: ConfirmDeps<InMemory, MemoryBreaches>,
    worker: DeliveryDeps<InMemory, MemoryMailer>,
    users: MemoryUsers,
    mailer: MemoryMailer,
}

impl App {
    async fn new() -> Self {
        let users = MemoryUsers::default();
        let mailer = MemoryMailer::default();
        let settings = Settings {
            app_name: "Demo App".into(),
            support_contact: Some("support@example.com".into()),
            rate_limits: UNREACHED,
            ..Settings::for_reset_page(parse_page_url("https://auth.example.com/reset-password").expect("a page URL"))
        };
        let (limits, queue) = (MemoryLimits::default(), MemoryQueue::default());
        // Two secrets, as deployed: the signing keys (reset-password, the worker) and the hashing keys (all three).
        let keys = MemoryKeys::new(json!({"current": "a", "a": KEY}).to_string());
        let hash_keys = MemoryHashKeys::new(json!({"current": "h", "h": HASH_KEY}).to_string());
        let common = async || Deps {
            limits: limits.clone(),
            queue: queue.clone(),
            hashing: KeyCache::load(hash_keys.clone(), Duration::from_secs(300)).await,
            settings: settings.clone(),
        };
        let signing = async || KeyCache::load(keys.clone(), Duration::from_secs(300)).await;
        let request = common().await;
        let confirm = ConfirmDeps { common: common().await, signing: signing().await, users: users.clone(), breaches: Some(MemoryBreaches::default()) };
        let worker = DeliveryDeps {
            common: common().await,
            signing: signing().await,
            users: users.clone(),
            ledger: MemoryJobLedger::default(),
            mails: &reset_pages::MAILS,
            mailer: mailer.clone(),
            paces: Paces::unpaced(),
        };
        for i in 0..MAX_REPEATS {
            users.insert(User {
                id: UserId::parse(&format!("user-{i}")).expect("an id"),
                email: StoredEmail::new(format!("user{i}@example.com")),
                password_hash: OLD_HASH.to_owned(),
                active: true,
                status: "active".to_owned(),
                epoch: String::new(),
                locale: None,
            });
        }
        App { request, confirm, worker, users, mailer }
    }

    fn user(&self, i: usize) -> User {
        self.users.get(&UserId::parse(&format!("user-{i}")).expect("an id")).expect("set up")
    }
}

fn job_event(i: usize) -> mail_worker::SqsEvent {
    // Signed as request-reset signs it, with the hashing key the in-memory scenarios' secret holds
    // (the SDK scenarios' canned secret holds `KEY` for both rings: `job_event_under`).
    job_event_under(i, HASH_KEY)
}

/// A job event MACed under `key` as the hashing ring's current key.
pub fn job_event_under(i: usize, key: &str) -> mail_worker::SqsEvent {
    let body = json!({
        "kind": "reset_link", "id": format!("job-{i}"), "email": format!("user{i}@example.com"),
        "requester": "example-requester-network-hash", "request_id": format!("request-{i}"), "requested_at": reset_core::unix_now(),
    });
    let ring = reset_core::reset_token::HashRing::from_json(&json!({"current": "h", "h": key}).to_string()).expect("the bench key");
    let job = reset_core::domain::mail_job::MailJob::from_json(&body.to_string()).expect("a job");
    let body = job.sign(&ring).expect("signed").body().to_owned();
    let event = json!({"Records": [{
        "messageId": format!("message-{i}"), "receiptHandle": "handle", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs",
    }]});
    serde_json::from_value(event).expect("an SQS event")
}

fn event(file: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/");
    serde_json::from_str(&std::fs::read_to_string(format!("{path}{file}")).expect("the event file")).expect("JSON")
}

fn with_body(mut event: Value, body: Value) -> Request {
    event["body"] = body.to_string().into();
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
}

fn request_event(email: &str) -> Request {
    with_body(event("request-reset.json"), json!({ "email": email }))
}

fn confirm_event(token: &str) -> Request {
    with_body(event("reset-password-confirm.json"), json!({ "token": token, "password": NEW_PASSWORD }))
}
