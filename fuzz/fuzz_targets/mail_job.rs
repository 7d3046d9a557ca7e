//! The mail worker on arbitrary SQS message bodies, over in-memory adapters: the handler that
//! runs in Lambda (`mail_worker::handle`), with the use case, the templates and the mailer behind
//! it. Never a panic, never a retry for a body (only an outage earns one, and there is none
//! here), and no mail for a body without a valid MAC. The first byte chooses whether the rest is
//! signed as the functions sign a job (so arbitrary authentic content reaches the parser and the
//! use case), sent as it is, or cut into a job template's fields.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mail_worker::{SqsEvent, SqsMessage};
use reset_core::domain::{StoredEmail, User, UserId};
use reset_core::memory::{InMemory, MemoryHashKeys, MemoryJobLedger, MemoryKeys, MemoryLimits, MemoryMailer, MemoryQueue, MemoryUsers};
use reset_core::reset_token::HashRing;
use reset_core::settings::Settings;
use reset_core::{DeliveryDeps, Deps, KeyCache, Paces};

const SECRET: &str = r#"{"current":"a","a":"key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}"#;
const HASHING_SECRET: &str = r#"{"current":"h","h":"hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#;
const DEMO_EMAIL: &str = "demo@example.com";

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap());
static RING: LazyLock<HashRing> = LazyLock::new(|| HashRing::from_json(HASHING_SECRET).unwrap());

async fn worker(mailer: &MemoryMailer) -> DeliveryDeps<InMemory, MemoryMailer> {
    let users = MemoryUsers::default();
    users.insert(User {
        id: UserId::parse("demo-user").unwrap(),
        email: StoredEmail::new(DEMO_EMAIL),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        active: true,
        status: "active".into(),
        epoch: String::new(),
        locale: None,
    });
    let common = Deps {
        limits: MemoryLimits::default(),
        queue: MemoryQueue::default(),
        hashing: KeyCache::load(MemoryHashKeys::new(HASHING_SECRET), Duration::from_secs(300)).await,
        settings: Settings::for_reset_page("https://example.com/reset".parse().unwrap()),
    };
    let signing = KeyCache::load(MemoryKeys::new(SECRET), Duration::from_secs(300)).await;
    DeliveryDeps { common, signing, users, ledger: MemoryJobLedger::default(), mails: &reset_pages::MAILS, mailer: mailer.clone(), paces: Paces::unpaced() }
}

/// `json` with the MAC a function holding the secret would give it (if it can carry one).
fn signed(json: &str) -> String {
    match json.strip_suffix('}') {
        Some(open) => format!("{open},\"mac\":\"{}\"}}", RING.job_mac(json.as_bytes())),
        None => json.to_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let (selector, rest) = data.split_first().unwrap_or((&0, &[]));
    let text = String::from_utf8_lossy(rest);
    let (body, authentic) = match selector % 4 {
        0 => (text.to_string(), false),
        1 => (signed(&text), true),
        // The bytes as a field's raw JSON value, in each kind of job, signed.
        2 => {
            let json = format!(r#"{{"kind":"reset_link","id":"j","email":"{DEMO_EMAIL}","requester":"h","requested_at":{text}}}"#);
            (signed(&json), true)
        }
        _ => {
            let json = format!(r#"{{"kind":"password_changed","id":"j","user_id":"demo-user","email":"x@example.com","changed_at":{text}}}"#);
            (signed(&json), true)
        }
    };
    let mut message = SqsMessage::default();
    message.message_id = Some("m".into());
    message.receipt_handle = Some("r".into());
    message.body = Some(body);
    let mut event = SqsEvent::default();
    event.records.push(message);
    let mailer = MemoryMailer::default();
    let response = RUNTIME.block_on(async { mail_worker::handle(&worker(&mailer).await, event).await });
    assert!(response.batch_item_failures.is_empty(), "a body was retried");
    let sent = mailer.sent();
    assert!(authentic || sent.is_empty(), "a body without a valid MAC was mailed");
    assert!(sent.iter().all(|mail| mail.to.as_ref() == DEMO_EMAIL), "mail to an address no account holds");
});
