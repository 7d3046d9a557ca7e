//! Test apps: the real handlers over in-memory adapters ([`MemoryApp`]) or over the real AWS SDK
//! against a moto server of their own ([`MotoApp`]), driven by API Gateway events.

use std::time::Duration;

use lambda_http::{Body, Response};
use reset_aws::{EventBridgeBus, PwnedPasswords, SesMailer};
use reset_core::domain::password;
use reset_core::domain::{StoredEmail, User, UserId};
use reset_core::memory::{InMemory, MemoryBreaches, MemoryHashKeys, MemoryJobLedger, MemoryKeys, MemoryLimits, MemoryMailer, MemoryQueue, MemoryUsers};
use reset_core::ports::breached::BreachedPasswords;
use reset_core::ports::{KeySource as _, Mailer};
use reset_core::reset_token::{HashRing, KeyRing};
use reset_core::settings::parse_page_url;
use reset_core::{Adapters, ConfirmDeps, Delivery, DeliveryDeps, Deps, KeyCache, Paces, PublishDeps, Settings};
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID, GENEROUS_LIMITS, Stack};
use reset_wiring::{Aws, Config};
use serde_json::{Value, json};

pub const RESET_PAGE: &str = "https://auth.example.com/reset-password";
/// The "this wasn't me" page, beside the reset page (the mail worker's `DISPUTE_PAGE_URL`).
pub const DISPUTE_PAGE: &str = "https://auth.example.com/secure-account";
pub const KEY_A: &str = "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
pub const KEY_B: &str = "key-b-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlk";
/// The hashing secret's first key (its own secret, apart from the signing keys).
pub const HASH_KEY_1: &str = "hash-1-0123456789abcdefghijklmnopqrstuvwxyzABCD";
pub const HASH_KEY_2: &str = "hash-2-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm";
pub const NEW_PASSWORD: &str = "a new and long passphrase";

pub fn secret(current: &str, keys: &[(&str, &str)]) -> String {
    let mut v = json!({ "current": current });
    for (kid, key) in keys {
        v[*kid] = json!(key);
    }
    v.to_string()
}

/// The three functions over one set of adapters, each holding what its own wiring gives it (over
/// AWS, exactly what its cold start builds: `reset_wiring::request_reset` and its siblings).
pub struct Functions<A: Adapters, M: Mailer, B: BreachedPasswords> {
    pub request: Deps<A>,
    pub confirm: ConfirmDeps<A, B>,
    pub worker: DeliveryDeps<A, M>,
}

/// The shipped wiring of each function.
pub type AwsFunctions = Functions<Aws, SesMailer, PwnedPasswords>;

impl AwsFunctions {
    /// Each function as its cold start builds it, pointed at `stack`.
    pub async fn on(stack: &Stack) -> Self {
        Self::with(stack, |_| {}).await.expect("the stack's secrets can be read")
    }

    /// Each function's cold start over the stack's configuration as `adjust` changes it.
    pub async fn with(stack: &Stack, adjust: impl Fn(&mut Config)) -> anyhow::Result<Self> {
        let config = || {
            let mut config = stack.config();
            adjust(&mut config);
            config
        };
        // As deployed: request-reset is not told where the signing keys are.
        let request_config = Config { signing_key_secret: None, ..config() };
        Ok(Functions {
            request: reset_wiring::request_reset(request_config, &stack.sdk).await?,
            confirm: reset_wiring::reset_password(config(), &stack.sdk).await?,
            worker: reset_wiring::mail_worker(config(), &stack.sdk).await?,
        })
    }
}

impl<A: Adapters, M: Mailer, B: BreachedPasswords> Functions<A, M, B> {
    /// The settings the three share (built from one configuration).
    pub fn settings(&self) -> &Settings {
        &self.request.settings
    }

    /// Changes the three functions' settings alike, as one configuration would.
    pub fn configure(&mut self, change: impl Fn(&mut Settings)) {
        change(&mut self.request.settings);
        change(&mut self.confirm.common.settings);
        change(&mut self.worker.common.settings);
    }
}

/// The mail worker's shipped wiring on `stack`, for a test that swaps one of its adapters.
pub async fn mail_worker(stack: &Stack) -> DeliveryDeps<Aws, SesMailer> {
    reset_wiring::mail_worker(stack.config(), &stack.sdk).await.expect("the stack's secrets can be read")
}

/// Sends an event to whichever function serves its path, as API Gateway would.
pub async fn call<A: Adapters<Users: reset_password::ConfirmUsers>, M: Mailer, B: BreachedPasswords>(deps: &Functions<A, M, B>, event: &Value) -> Reply {
    let request = events::to_request(event);
    // An HTTP API event's path is `rawPath`; a REST API event's, `path`.
    let path = event["rawPath"].as_str().or_else(|| event["path"].as_str()).unwrap_or_default();
    let serves_request_reset = [request_reset::PATH, request_reset::FORGOT_PATH].contains(&path);
    let response: Response<Body> =
        if serves_request_reset { request_reset::handle(&deps.request, request).await } else { reset_password::handle(&deps.confirm, request).await }
            .expect("handlers are infallible");
    response.into()
}

pub fn request_event(email: &str) -> Value {
    events::with_body_field(events::load("request-reset.json"), "email", email)
}

pub fn confirm_event(token: &str, password: &str) -> Value {
    let event = events::with_body_field(events::load("reset-password-confirm.json"), "token", token);
    events::with_body_field(event, "password", password)
}

/// The emailed link opened in a browser: `method` on the reset page with the token in the query
/// (and a hostile `Host`, which must not matter); `fetch_site` as the browser would send it.
pub fn link_event(token: &str, method: &str, fetch_site: Option<&str>) -> Value {
    let mut event = events::load("reset-password-page-from-link.json");
    event["rawQueryString"] = format!("token={token}").into();
    event["queryStringParameters"]["token"] = token.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["headers"]["host"] = "evil.test".into();
    match fetch_site {
        Some(site) => event["headers"]["sec-fetch-site"] = site.into(),
        None => drop(event["headers"].as_object_mut().unwrap().remove("sec-fetch-site")),
    }
    event
}

pub fn settings() -> Settings {
    Settings {
        app_name: "Demo App".into(),
        support_contact: Some("support@example.com".into()),
        login_url: Some(parse_page_url("https://app.example.com/login").unwrap()),
        dispute_page_url: Some(parse_page_url(DISPUTE_PAGE).unwrap()),
        rate_limits: GENEROUS_LIMITS,
        ..Settings::for_reset_page(parse_page_url(RESET_PAGE).unwrap())
    }
}

pub struct MemoryApp {
    pub deps: Functions<InMemory, MemoryMailer, MemoryBreaches>,
    pub users: MemoryUsers,
    pub limits: MemoryLimits,
    pub ledger: MemoryJobLedger,
    pub mailer: MemoryMailer,
    pub queue: MemoryQueue,
    /// The signing keys' secret (reset-password's and the worker's).
    pub keys: MemoryKeys,
    /// The hashing keys' secret (every function's).
    pub hash_keys: MemoryHashKeys,
    pub breaches: MemoryBreaches,
}

/// What every function holds, over the shared in-memory stores (each function its own key cache,
/// as each process has).
pub async fn memory_deps(limits: &MemoryLimits, queue: &MemoryQueue, hash_keys: &MemoryHashKeys) -> Deps<InMemory> {
    Deps { limits: limits.clone(), queue: queue.clone(), hashing: KeyCache::load(hash_keys.clone(), Duration::ZERO).await, settings: settings() }
}

impl MemoryApp {
    /// The demo user in place, key `a` signing, and keys re-read on every request (cache TTL 0) so
    /// rotation tests see changes at once.
    pub async fn new() -> Self {
        let users = MemoryUsers::default();
        let limits = MemoryLimits::default();
        let ledger = MemoryJobLedger::default();
        let mailer = MemoryMailer::default();
        let queue = MemoryQueue::default();
        let keys = MemoryKeys::new(secret("a", &[("a", KEY_A)]));
        let hash_keys = MemoryHashKeys::new(secret("h1", &[("h1", HASH_KEY_1)]));
        let breaches = MemoryBreaches::default();
        let signing = async || KeyCache::load(keys.clone(), Duration::ZERO).await;
        let app = MemoryApp {
            deps: Functions {
                request: memory_deps(&limits, &queue, &hash_keys).await,
                // The breach check on, with an empty corpus unless a test adds to it.
                confirm: ConfirmDeps {
                    common: memory_deps(&limits, &queue, &hash_keys).await,
                    signing: signing().await,
                    users: users.clone(),
                    breaches: Some(breaches.clone()),
                },
                worker: DeliveryDeps {
                    common: memory_deps(&limits, &queue, &hash_keys).await,
                    signing: signing().await,
                    users: users.clone(),
                    ledger: ledger.clone(),
                    mails: &reset_pages::MAILS,
                    mailer: mailer.clone(),
                    paces: Paces::unpaced(),
                },
            },
            breaches,
            users,
            limits,
            ledger,
            mailer,
            queue,
            keys,
            hash_keys,
        };
        app.add_user(DEMO_USER_ID, DEMO_EMAIL, DEMO_PASSWORD, true);
        app
    }

    /// Each function's key cache loaded again now, as a cold start would, kept for `ttl`.
    pub async fn cold_start_keys(&mut self, ttl: Duration) {
        self.deps.request.hashing = KeyCache::load(self.hash_keys.clone(), ttl).await;
        self.deps.confirm.common.hashing = KeyCache::load(self.hash_keys.clone(), ttl).await;
        self.deps.worker.common.hashing = KeyCache::load(self.hash_keys.clone(), ttl).await;
        self.deps.confirm.signing = KeyCache::load(self.keys.clone(), ttl).await;
        self.deps.worker.signing = KeyCache::load(self.keys.clone(), ttl).await;
    }

    pub fn add_user(&self, id: &str, email: &str, password: &str, active: bool) {
        let password_hash = password::hash_blocking(password).unwrap();
        let status = if active { "active" } else { "disabled" }.to_owned();
        self.users.insert(User {
            id: UserId::parse(id).unwrap(),
            email: StoredEmail::new(email),
            password_hash,
            active,
            status,
            epoch: String::new(),
            locale: None,
        });
    }

    /// Stores the language the account's owner chose (the application's user-locale attribute).
    pub fn set_user_locale(&self, id: &str, locale: &str) {
        let mut user = self.user(id);
        user.locale = Some(locale.to_owned());
        self.users.insert(user);
    }

    pub fn user(&self, id: &str) -> User {
        self.users.get(&UserId::parse(id).unwrap()).expect("the user exists")
    }

    pub async fn call(&self, event: &Value) -> Reply {
        call(&self.deps, event).await
    }

    /// Runs the mail worker's use case once on every queued job, as the queue would hand them
    /// out; a job that must be retried goes back on the queue. Returns what became of each.
    pub async fn deliver(&self) -> Vec<Delivery> {
        let mut deliveries = Vec::new();
        for job in self.queue.take_signed() {
            let delivery = reset_core::deliver_mail(&self.deps.worker, job.job(), 1, job.job().lane()).await;
            if delivery == Delivery::Retry {
                reset_core::ports::MailQueue::enqueue(&self.queue, &job).await.expect("the memory queue takes it back");
            }
            deliveries.push(delivery);
        }
        deliveries
    }

    /// Delivers whatever is queued, then every mail sent so far.
    pub async fn mails(&self) -> Vec<reset_core::ports::Mail> {
        self.deliver().await;
        self.mailer.sent()
    }

    /// Asks for a link for the demo user and returns the token from the mail it got.
    pub async fn token_for_demo(&self) -> String {
        let before = self.mailer.sent().len();
        assert_eq!(self.call(&request_event(DEMO_EMAIL)).await.status, 202);
        self.deliver().await;
        let mails = self.mailer.sent();
        assert_eq!(mails.len(), before + 1, "one reset mail");
        token_in(&mails[before].text)
    }

    /// The key ring now in the signing secret.
    pub async fn keys_ring(&self) -> KeyRing {
        self.keys.fetch().await.unwrap()
    }

    /// The hashing ring now in the hashing secret (counter keys, audit hashes, the jobs' MACs).
    pub async fn hash_ring(&self) -> HashRing {
        self.hash_keys.fetch().await.unwrap()
    }

    /// A token for the demo user signed at `issued_at` with the ring now in the secret.
    pub async fn token_issued_at(&self, issued_at: u64, ttl: u64) -> String {
        self.keys_ring().await.issue(self.user(DEMO_USER_ID).binding(), issued_at, ttl).unwrap().token
    }
}

/// The token of the first reset link in a text.
/// The id (`jti`) of a token, which the reset form carries back to bind its post to the link it
/// was shown for (read from the payload, unverified: the test only needs the value).
pub fn link_id(token: &str) -> String {
    maybe_link_id(token).expect("a token with a jti")
}

/// [`link_id`], or `None` for something that is not a token (a placeholder, a dead `a.b.c`).
pub fn maybe_link_id(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: Value = serde_json::from_slice(&json).ok()?;
    claims["jti"].as_str().map(str::to_owned)
}

pub fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a reset link") + "token=".len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect()
}

pub struct MotoApp {
    pub stack: Stack,
    pub deps: AwsFunctions,
    /// The event publisher as its cold start builds it.
    pub publisher: PublishDeps<EventBridgeBus>,
}

impl MotoApp {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The users table's email index projects what template.yaml's does; with a user-language
    /// attribute configured, the table stands for one of the application's own whose index was
    /// built to copy the language too (the template's never does), so that both ways the worker
    /// finds a language are reachable: from the index, or by a narrow read when the item has none.
    pub async fn start_with(overrides: &[(&str, &str)]) -> Self {
        let language: Vec<&str> = overrides.iter().filter(|(k, _)| *k == "USER_LOCALE_ATTRIBUTE").map(|(_, v)| *v).collect();
        let stack = Stack::start_with_index_also_projecting(None, RESET_PAGE, &language).await.expect("moto starts and is provisioned");
        Self::on(stack, overrides).await
    }

    /// The app on a provisioned `stack`, with generous limits and `overrides`.
    pub async fn on(mut stack: Stack, overrides: &[(&str, &str)]) -> Self {
        stack.overrides = reset_local::stack::generous_limits();
        stack.overrides.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let deps = AwsFunctions::on(&stack).await;
        let publisher = reset_wiring::event_publisher(&stack.env().into_iter().collect(), &stack.sdk).expect("the publisher's configuration is valid");
        MotoApp { stack, deps, publisher }
    }

    /// Hands every new outbox item to the event publisher (its real handler, in this process), as
    /// the stream's event source would, then returns every event the bus delivered to the tap.
    pub async fn events(&self) -> Vec<Value> {
        publish_outbox(&self.stack.events, &self.publisher).await;
        self.stack.events.heard().await.expect("the tap can be read")
    }

    pub async fn call(&self, event: &Value) -> Reply {
        call(&self.deps, event).await
    }

    /// Feeds every queued message to the mail worker (its real handler, in this process, on
    /// the production wiring), as Lambda's event source would, until the queue shows none.
    pub async fn deliver(&self) -> usize {
        deliver_queued(&self.stack.queue, &self.deps.worker).await
    }

    /// Delivers whatever is queued, then every mail moto has accepted.
    pub async fn mails(&self) -> Vec<reset_local::mail::SentMail> {
        self.deliver().await;
        self.stack.mails().expect("moto's sent mail can be read")
    }
}

/// Feeds the outbox's new items to the event publisher's handler on `deps`, as the stream's event
/// source would; returns how many records it took.
pub async fn publish_outbox<B: reset_core::ports::EventBus>(outbox: &reset_local::outbox::Outbox, deps: &PublishDeps<B>) -> usize {
    let publisher = |event: Value| async move {
        let event: event_publisher::StreamEvent = serde_json::from_value(event)?;
        Ok(serde_json::to_value(event_publisher::handle(deps, event).await)?)
    };
    outbox.deliver_with(publisher).await.expect("the outbox can be read")
}

/// Feeds `queue` to the mail worker's handler running on `deps`, as the event source would, until
/// it shows nothing; returns how many messages were handed out.
pub async fn deliver_queued<M: Mailer>(queue: &reset_local::queue::MailQueues, deps: &DeliveryDeps<Aws, M>) -> usize {
    let worker = |event: Value| async move {
        let event: mail_worker::SqsEvent = serde_json::from_value(event)?;
        Ok(serde_json::to_value(mail_worker::handle(deps, event).await)?)
    };
    queue.deliver_with(worker).await.expect("the mail queue can be read")
}

/// Sends every event at once against the production wiring on `stack`: one task each, each with
/// its own SDK clients (so its own connections), all released together by a barrier, and each
/// inside a span carrying `run` so its log lines can be told from other tests' lines.
pub async fn race(stack: &Stack, events: Vec<Value>, run: &str) -> Vec<Reply> {
    use tracing::Instrument as _;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(events.len()));
    let mut tasks = Vec::new();
    for event in events {
        let deps = AwsFunctions::on(stack).await;
        let barrier = barrier.clone();
        let span = tracing::info_span!("race", run = %run);
        tasks.push(tokio::spawn(
            async move {
                barrier.wait().await;
                call(&deps, &event).await
            }
            .instrument(span),
        ));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a racing request panicked"));
    }
    replies
}

/// A name no other test's log lines carry.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{nanos}-{}", reset_local::free_port())
}

/// The key id in a token's header.
pub fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let json: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    json["kid"].as_str().unwrap().to_owned()
}

/// Everything the test binary logs from the first call on, under the functions' own filter turned
/// all the way up (TRACE, with the SDK's wire logs capped), for the log-hygiene tests.
/// One process-wide subscriber: a thread-scoped one can miss events whose callsites other test
/// threads registered first (tracing caches each callsite's interest).
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The log records (an event with every line it spans: an error's cause chain or backtrace
    /// continues on lines of its own) that carry `run`, joined by newlines.
    pub fn records_of(&self, run: &str) -> String {
        let text = self.text();
        let mut records: Vec<String> = Vec::new();
        for line in text.lines() {
            let starts_record = line.len() > 5 && line[..4].bytes().all(|b| b.is_ascii_digit()) && line[4..].starts_with('-');
            match records.last_mut() {
                Some(record) if !starts_record => {
                    record.push('\n');
                    record.push_str(line);
                }
                _ => records.push(line.to_owned()),
            }
        }
        records.retain(|r| r.lines().next().is_some_and(|first| first.contains(run)));
        records.join("\n")
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn capture_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        use tracing_subscriber::layer::SubscriberExt as _;
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish()
            .with(reset_wiring::log_filter("trace"));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
        captured
    })
    .clone()
}

/// One request to each function, with time to spare: watch compiles a function on its first
/// invocation (on a fresh target dir a long build: docs/figures.md), which must not eat a test's own timeouts.
/// The mail worker gets an empty batch.
fn warm_up(api: &str) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(std::time::Duration::from_secs(300))).build().new_agent();
    for page in ["forgot-password", "reset-password"] {
        agent.get(format!("{api}/{page}")).call().unwrap_or_else(|e| panic!("{page} did not answer after its build: {e}"));
    }
    let invoke = format!("{api}/2015-03-31/functions/mail-worker/invocations");
    let reply = agent.post(&invoke).send_json(json!({"Records": []})).unwrap_or_else(|e| panic!("the mail worker did not answer after its build: {e}"));
    assert_eq!(reply.status(), 200, "the mail worker answers an empty batch");
}

/// Moto and both functions under `cargo lambda watch`, with the rate limits lifted (tests of other
/// behaviour must not trip them) and `overrides` on top.
pub struct LocalApi {
    pub url: String,
    pub stack: Stack,
    pub watch: reset_local::functions::Watch,
    /// The mail queue fed to the mail worker under watch, every 100 ms.
    pub pump: reset_local::queue::Pump,
}

impl LocalApi {
    /// (The API's port is chosen before moto starts, since links point at it; if something takes
    /// it first, watch exits and the whole start is tried again on another port.)
    pub async fn start(overrides: &[(&str, &str)]) -> LocalApi {
        let (url, stack, watch) = reset_local::on_a_free_port_async("cargo lambda watch", |port| async move {
            let url = format!("http://127.0.0.1:{port}");
            let mut stack = Stack::start(None, &format!("{url}/reset-password")).await?;
            stack.overrides = reset_local::stack::generous_limits();
            stack.overrides.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let log = reset_local::workspace_root().join(format!("target/test-logs/watch-{port}.log"));
            let watch = reset_local::functions::Watch::start(Some(port), &stack.env(), &log, false)?;
            Ok((url, stack, watch))
        })
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
        warm_up(&url);
        let pump = reset_local::queue::Pump::start(stack.queue.clone(), watch.invoke_url("mail-worker"), Duration::from_millis(100));
        LocalApi { url, stack, watch, pump }
    }
}

/// Every form a secret can take in a log line: as typed, URL-encoded as form bodies carry it
/// (`%40`, `+` or `%20` for spaces), and base64 as API Gateway encodes a body (standard and
/// URL-safe), at each of the three alignments it can have inside a longer encoded body.
pub fn wire_forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let mut forms = vec![secret.to_owned(), form.replace('+', "%20"), form];
    for shift in 0..3 {
        let mut bytes = vec![b'x'; shift];
        bytes.extend_from_slice(secret.as_bytes());
        // Only the characters that depend on the secret's bytes alone, whatever surrounds it.
        let start = if shift == 0 { 0 } else { 4 };
        let end = (bytes.len() / 3) * 4;
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            if end > start + 8 {
                forms.push(encoded[start..end].to_owned());
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Fails if `logs` holds a secret of the demo user's reset through `token` (the token and its
/// signature, the old and new passwords, the address) or any of `also`, in any of its [`wire_forms`].
pub fn assert_no_reset_secret_logged(logs: &str, token: &str, also: &[(&str, &str)]) {
    let (_, signature) = token.rsplit_once('.').expect("a JWT");
    let reset = [
        ("the token", token),
        ("the signature", signature),
        ("the new password", NEW_PASSWORD),
        ("the old password", DEMO_PASSWORD),
        ("the demo address", DEMO_EMAIL),
    ];
    for (what, secret) in reset.iter().chain(also) {
        assert_not_logged(logs, secret, what);
    }
}

/// Fails if `logs` holds `secret` in any of its [`wire_forms`].
pub fn assert_not_logged(logs: &str, secret: &str, what: &str) {
    for form in wire_forms(secret) {
        assert!(!logs.contains(&form), "a log line holds {what} (as {form:.12}…)");
    }
}

#[test]
fn wire_forms_find_a_secret_inside_encoded_bodies() {
    use base64::Engine as _;
    let secret = "demo@example.com";
    for prefix in ["", "e", "em", r#"{"email":""#] {
        let body = format!("{prefix}{secret}\"}}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
        assert!(wire_forms(secret).iter().any(|f| encoded.contains(f.as_str())), "{prefix:?}");
    }
    let form: String = form_urlencoded::Serializer::new(String::new()).append_pair("password", "a new and long passphrase").finish();
    assert!(wire_forms("a new and long passphrase").iter().any(|f| form.contains(f.as_str())));
    assert!(wire_forms(secret).contains(&"demo%40example.com".to_owned()));
}

/// A mail sent after a test's expected count has arrived, from a message still on the queue (a
/// worker that sends the same link twice, late), is in what `mails_eventually` returns, so an
/// exact count catches the duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn mails_eventually_counts_a_mail_sent_late_from_a_message_still_queued() {
    let app = MotoApp::start().await;
    for _ in 0..2 {
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    }
    let event = app.stack.queue.receive_event().await.unwrap().expect("the queued jobs");
    let records = event["Records"].as_array().unwrap().clone();
    assert_eq!(records.len(), 2, "both jobs in one batch");
    // Both handed out at once; the worker sends the first at once and the second a second later.
    let (deps, queue) = (mail_worker(&app.stack).await, app.stack.queue.clone());
    let worker = tokio::spawn(async move {
        for (i, record) in records.into_iter().enumerate() {
            if i == 1 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            let one = json!({ "Records": [record] });
            let response = mail_worker::handle(&deps, serde_json::from_value(one.clone()).unwrap()).await;
            queue.settle(&one, &serde_json::to_value(&response).unwrap()).await.unwrap();
        }
    });
    let mails = tokio::task::block_in_place(|| app.stack.mails_eventually(1)).unwrap();
    worker.await.unwrap();
    assert_eq!(mails.len(), 2, "the mail sent after the first was not counted");
}

/// Every read of moto's mail refuses a mail that also went to a Cc or a Bcc recipient.
#[tokio::test(flavor = "multi_thread")]
async fn mail_with_a_cc_or_bcc_fails_every_read_of_the_mail() {
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
    for copy in ["Cc", "Bcc"] {
        let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
        let to = Destination::builder().to_addresses(DEMO_EMAIL);
        let destination = match copy {
            "Cc" => to.cc_addresses("watcher@example.com"),
            _ => to.bcc_addresses("watcher@example.com"),
        };
        let text = |s: &str| Content::builder().data(s).build().unwrap();
        let message = Message::builder().subject(text("Reset")).body(Body::builder().text(text("a link")).build()).build();
        stack
            .ses()
            .send_email()
            .from_email_address(reset_local::stack::SENDER)
            .destination(destination.build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .unwrap();
        let refused = stack.mails().expect_err(&format!("a mail with a {copy} was read as any other"));
        assert!(format!("{refused:#}").contains("watcher@example.com"), "{refused:#}");
    }
}

/// A port taken between [`reset_local::free_port`] and the server's bind (by another test, say)
/// costs a start another try on a new port, not the test.
#[test]
fn a_server_whose_port_was_taken_starts_on_another() {
    let mut offered = Vec::new();
    let moto = reset_local::on_a_free_port("moto", |port| {
        offered.push(port);
        let _taken = (offered.len() == 1).then(|| std::net::TcpListener::bind(("127.0.0.1", port)).unwrap());
        reset_local::stack::Moto::start(Some(port))
    })
    .expect("moto starts on the second port");
    assert_eq!(offered.len(), 2, "{offered:?}");
    assert_eq!(moto.url, format!("http://127.0.0.1:{}", offered[1]));
}
