//! What every function builds once at cold start, whatever its trigger (HTTP or a queue):
//! [`Config`] from the environment, logging with the wire capped ([`init_logging`]), and each
//! function's adapters: [`request_reset`], [`reset_password`] and [`mail_worker`] build exactly
//! what that function uses, and [`init`] runs one of them. Nothing here knows HTTP.

mod config;

pub use config::{BreachCheck, Config, ConfigError, NOTICE_SHARE_TENTHS, event_bus, send_intervals};
pub use reset_aws::Aws;

use reset_aws::{
    DynamoJobLedger, DynamoLimits, DynamoUsers, EventBridgeBus, Outbox, PwnedPasswords, SecretsHashKeys, SecretsKeys, SecretsOriginVerify, SesMailer, SqsQueue,
};
use reset_core::ports::origin_verify::OriginVerify;
use reset_core::settings::Edge;
use reset_core::{ConfirmDeps, DeliveryDeps, Deps, KeyCache, OperatorDeps, Paces, PublishDeps};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// request-reset's adapters: the limits, the reset links' queue and the hashing keys; no users, no
/// mail client, no way to queue a notice (it is not given the notice queue), and no signing key (it
/// is given no `SIGNING_KEY_SECRET_ID`, and its role may not read it).
pub async fn request_reset(config: Config, sdk: &aws_config::SdkConfig) -> anyhow::Result<Deps<Aws>> {
    let queue = queues(&config, sdk, Needs { links: Some("request-reset queues reset links there"), notices: None })?;
    common(config, sdk, aws_sdk_dynamodb::Client::new(sdk), queue).await
}

/// Which queues a function uses, and what it does with each (for the error that names a
/// missing one).
struct Needs {
    links: Option<&'static str>,
    notices: Option<&'static str>,
}

/// The queues `needs` names, each required: a function without the queue it sends to (or
/// consumes) refuses to start, naming the variable, rather than failing its first request.
fn queues(config: &Config, sdk: &aws_config::SdkConfig, needs: Needs) -> Result<SqsQueue, ConfigError> {
    let mut problems = Vec::new();
    let mut take = |name: &str, url: &Option<String>, why: Option<&str>| {
        let why = why?;
        if url.is_none() {
            problems.push(format!("{name} is required: {why}"));
        }
        url.clone()
    };
    let links = take("MAIL_QUEUE_URL", &config.mail_queue_url, needs.links);
    let notices = take("NOTICE_QUEUE_URL", &config.notice_queue_url, needs.notices);
    if problems.is_empty() { Ok(SqsQueue::new(aws_sdk_sqs::Client::new(sdk), links, notices)) } else { Err(ConfigError(problems)) }
}

/// reset-password's: what every function holds, the signing keys, the users table and, if turned
/// on, the breached-password check; no mail client (it queues its notice).
pub async fn reset_password(config: Config, sdk: &aws_config::SdkConfig) -> anyhow::Result<ConfirmDeps<Aws, PwnedPasswords>> {
    let queue = queues(&config, sdk, Needs { links: None, notices: Some("reset-password queues its password-changed notices there") })?;
    let signing_secret = signing_secret(&config, "reset-password verifies tokens with them")?;
    let outbox = outbox(&config, "reset-password writes each change's event there")?;
    let breaches = config.breached_passwords.as_ref().map(|check| PwnedPasswords::new(check.range_url.clone(), check.timeout)).transpose()?;
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let users = DynamoUsers::writing(dynamodb.clone(), config.table.clone(), outbox);
    let signing = KeyCache::load(SecretsKeys::new(aws_sdk_secretsmanager::Client::new(sdk), signing_secret), config.key_cache_ttl);
    // Both rings at once: one round trip to Secrets Manager at cold start, not two in a row.
    let (common, signing) = tokio::join!(common(config, sdk, dynamodb, queue), signing);
    Ok(ConfirmDeps { common: common?, signing, users, breaches })
}

/// The mail worker's: what every function holds, the signing keys, both queues (it consumes them
/// and sets back-offs on them), the users table, the job ledger, SES, and its paces: the process's
/// share of the account's send rate for each queue. It alone needs `SENDER_EMAIL`.
pub async fn mail_worker(config: Config, sdk: &aws_config::SdkConfig) -> anyhow::Result<DeliveryDeps<Aws, SesMailer>> {
    let mut problems = Vec::new();
    if config.sender.is_none() {
        problems.push("SENDER_EMAIL is required: the mail worker sends from it".to_owned());
    }
    let signing_secret = signing_secret(&config, "the mail worker signs links with them").map_err(|ConfigError(more)| problems.extend(more)).ok();
    let outbox = outbox(&config, "the mail worker writes each sent link's event there").map_err(|ConfigError(more)| problems.extend(more)).ok();
    let needs = Needs { links: Some("the mail worker consumes the reset links' queue"), notices: Some("the mail worker consumes the notices' queue") };
    let queue = queues(&config, sdk, needs).map_err(|ConfigError(more)| problems.extend(more)).ok();
    let (Some(sender), Some(queue), Some(signing_secret), Some(outbox)) = (config.sender.clone(), queue, signing_secret, outbox) else {
        return Err(ConfigError(problems).into());
    };
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(sdk), sender, config.ses_configuration_set.clone());
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let paces = Paces::new(config.link_send_interval, config.notice_send_interval);
    let paces = match config.shared_send_gap {
        Some(gap) => paces.sharing(std::sync::Arc::new(DynamoLimits::new(dynamodb.clone(), config.rate_limit_table.clone())), gap),
        None => paces,
    };
    let users = DynamoUsers::new(dynamodb.clone(), config.table.clone());
    let ledger = DynamoJobLedger::new(dynamodb.clone(), config.rate_limit_table.clone(), outbox);
    let signing = KeyCache::load(SecretsKeys::new(aws_sdk_secretsmanager::Client::new(sdk), signing_secret), config.key_cache_ttl);
    let (common, signing) = tokio::join!(common(config, sdk, dynamodb, queue), signing);
    Ok(DeliveryDeps { common: common?, signing, users, ledger, mails: &reset_pages::MAILS, mailer, paces })
}

/// The admin API's and the operator tool's (`reset_core::start_operator_reset`): what every
/// function holds (the reset links' queue, where operator jobs go; the hashing keys, for their
/// MACs), the users table (read by id, written with the outbox) and, for the operator tool's
/// campaigns (`campaigns`), the job ledger. No signing key: an operator starts a reset, the mail
/// worker signs its link.
pub async fn operator(config: Config, sdk: &aws_config::SdkConfig, campaigns: bool) -> anyhow::Result<OperatorDeps<Aws>> {
    let mut problems = Vec::new();
    let outbox = outbox(&config, "an operator's forced reset writes its event there").map_err(|ConfigError(more)| problems.extend(more)).ok();
    let needs = Needs { links: Some("operators' mail jobs go on the reset links' queue"), notices: None };
    let queue = queues(&config, sdk, needs).map_err(|ConfigError(more)| problems.extend(more)).ok();
    let (Some(outbox), Some(queue)) = (outbox, queue) else {
        return Err(ConfigError(problems).into());
    };
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let users = DynamoUsers::writing(dynamodb.clone(), config.table.clone(), outbox.clone());
    let ledger = campaigns.then(|| DynamoJobLedger::new(dynamodb.clone(), config.rate_limit_table.clone(), outbox));
    let common = common(config, sdk, dynamodb, queue).await?;
    Ok(OperatorDeps { common, users, ledger })
}

/// The events' outbox, which only the functions that write a change are given.
fn outbox(config: &Config, why: &str) -> Result<Outbox, ConfigError> {
    config.event_outbox_table.clone().map(|table| Outbox { table }).ok_or_else(|| ConfigError(vec![format!("EVENT_OUTBOX_TABLE is required: {why}")]))
}

/// The signing keys' secret, which only reset-password and the mail worker are given.
fn signing_secret(config: &Config, why: &str) -> Result<String, ConfigError> {
    config.signing_key_secret.clone().ok_or_else(|| ConfigError(vec![format!("SIGNING_KEY_SECRET_ID is required: {why}")]))
}

/// What every function holds: the limits table, its queues (`queue`), the hashing keys (fetched now,
/// then cached) and, behind a CDN, its origin-verify values (fetched now, then read again as
/// `reset_core::ports::origin_verify` says; without them a function cannot tell the CDN's requests from
/// others, so it does not start).
async fn common(mut config: Config, sdk: &aws_config::SdkConfig, dynamodb: aws_sdk_dynamodb::Client, queue: SqsQueue) -> anyhow::Result<Deps<Aws>> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let edge = async {
        match &config.origin_verify_secret {
            Some(secret_id) => {
                let source = SecretsOriginVerify::new(secrets.clone(), secret_id.clone());
                OriginVerify::load(source).await.map(Some).map_err(|err| err.context("reading the CDN's origin-verify secret"))
            }
            None => Ok(None),
        }
    };
    let hashing = KeyCache::load(SecretsHashKeys::new(secrets.clone(), config.hashing_key_secret.clone()), config.key_cache_ttl);
    // The secrets at once (with the signing keys, where a function reads them: its wiring joins
    // this): each read at cold start is a round trip, and none needs another's answer.
    let (edge, hashing) = tokio::join!(edge, hashing);
    config.settings.edge = edge?.map(Edge::new);
    let limits = DynamoLimits::new(dynamodb, config.rate_limit_table);
    Ok(Deps { limits, queue, hashing, settings: config.settings })
}

/// Libraries whose DEBUG/TRACE output is the wire itself (request and response bodies: recipient
/// addresses, reset links, keys): capped at WARN whatever level is asked for.
const WIRE_TARGETS: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_sdk_dynamodb",
    "aws_sdk_eventbridge",
    "aws_sdk_secretsmanager",
    "aws_sdk_sesv2",
    "aws_sdk_sqs",
    "aws_sdk_sts",
    // Request signing: at TRACE, every request's headers and canonical form.
    "aws_sigv4",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_observability",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_types",
    "h2",
    "hyper",
    "hyper_util",
    "rustls",
];

/// The crates whose DEBUG and TRACE lines are written for this service and checked to carry no
/// secret (tests/api/logging.rs). Every other target, named below or not, stays at INFO at most:
/// a dependency added later cannot start logging request bodies because someone turned the level up.
const OWN_TARGETS: &[&str] = &[
    "request_reset",
    "reset_password",
    "mail_worker",
    "event_publisher",
    "admin_api",
    "reset_operator",
    "reset_core",
    "reset_text",
    "reset_pages",
    "reset_aws",
    "reset_http",
    "reset_wiring",
    "reset_token",
    "login_password",
];

/// The log filter: `requested` (a level such as `info` or `debug`, or `target=level` directives)
/// for this service's own crates; the runtime and anything unnamed at INFO at most, the wire at
/// WARN at most, also for a more specific target asked for (`hyper::proto`).
///
/// `Targets`, not `EnvFilter`: the same directives without span and field matching, whose regex
/// machinery `EnvFilter` links into every function: a large part of request-reset's and the mail
/// worker's zips, little of reset-password's, whose zxcvbn keeps a regex engine anyway (docs/figures.md).
pub fn log_filter(requested: &str) -> Targets {
    // Lambda's own level names include FATAL, which tracing calls ERROR.
    let requested = requested.replace("fatal", "error");
    let parsed: Targets = requested.parse().unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO));
    let default = parsed.default_level().unwrap_or(LevelFilter::INFO);
    let within = |target: &str, prefix: &str| target == prefix || target.strip_prefix(prefix).is_some_and(|rest| rest.starts_with("::"));
    let cap_of = |target: &str| {
        if OWN_TARGETS.iter().any(|own| within(target, own)) {
            LevelFilter::TRACE
        } else if WIRE_TARGETS.iter().any(|wire| within(target, wire)) {
            LevelFilter::WARN
        } else {
            // Every target not named here, the Lambda runtime among them: it logs each raw event
            // (request bodies: emails, passwords, tokens) at TRACE, and its INFO keeps the
            // per-invocation span with Lambda's request id.
            LevelFilter::INFO
        }
    };
    let mut filter = Targets::new().with_default(default.min(LevelFilter::INFO));
    for own in OWN_TARGETS {
        filter = filter.with_target(*own, default);
    }
    for wire in WIRE_TARGETS {
        filter = filter.with_target(*wire, default.min(LevelFilter::WARN));
    }
    for (target, level) in &parsed {
        filter = filter.with_target(target.to_owned(), level.min(cap_of(target)));
    }
    filter
}

/// Logging as Lambda's default subscriber sets it up (AWS_LAMBDA_LOG_LEVEL or RUST_LOG, JSON
/// when AWS_LAMBDA_LOG_FORMAT says so), but with the AWS SDK's wire logs capped: turning the level
/// up to debug a function must not put tokens or addresses in CloudWatch.
pub fn init_logging() {
    let requested = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info".into());
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // Only fails if a subscriber is already installed, which then stays.
    let _ = log_subscriber(&requested, json, std::io::stdout).try_init();
}

/// The functions' subscriber: the `requested` level as [`log_filter`] reads it, one JSON object a
/// line if `json` (what the template's metric filters read), written to `writer` (stdout in a
/// function). Public so tests can read the lines a deployed function would write.
pub fn log_subscriber<W>(requested: &str, json: bool, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    // fmt() alone stops at INFO, and the filter layered on top can only narrow: lift its own cap so
    // the filter (the requested level) decides.
    let logs = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_target(false).without_time().with_writer(writer);
    let filter = log_filter(&requested.to_lowercase());
    if json { Box::new(logs.json().finish().with(filter)) } else { Box::new(logs.finish().with(filter)) }
}

/// The event publisher's cold start: logging, the SDK, and the bus (`EVENT_BUS_NAME`, its
/// `EVENT_SOURCE`). It reads none of the other functions' settings: it holds no key, user or queue.
pub async fn init_event_publisher() -> anyhow::Result<PublishDeps<EventBridgeBus>> {
    init_logging();
    let vars: std::collections::HashMap<String, String> = std::env::vars().collect();
    let sdk = reset_aws::lambda_sdk_config().inspect_err(|err| tracing::error!(error = %err, "refusing to start"))?;
    event_publisher(&vars, &sdk).inspect_err(|err| tracing::error!(%err, "refusing to start"))
}

/// The event publisher's deps from its environment (`vars`): the bus, nothing else.
pub fn event_publisher(vars: &std::collections::HashMap<String, String>, sdk: &aws_config::SdkConfig) -> anyhow::Result<PublishDeps<EventBridgeBus>> {
    let (bus, source) = config::event_bus(vars)?;
    Ok(PublishDeps { bus: EventBridgeBus::new(aws_sdk_eventbridge::Client::new(sdk), bus, source) })
}

/// Cold start for any function: logging, configuration, the SDK, then `build` (one of
/// [`request_reset`], [`reset_password`], [`mail_worker`]): what that function uses.
pub async fn init<T>(build: impl AsyncFnOnce(Config, &aws_config::SdkConfig) -> anyhow::Result<T>) -> anyhow::Result<T> {
    init_logging();
    let config = Config::from_env().inspect_err(|err| tracing::error!(%err, "refusing to start"))?;
    let sdk = reset_aws::lambda_sdk_config().inspect_err(|err| tracing::error!(error = %err, "refusing to start"))?;
    build(config, &sdk).await.inspect_err(|err| tracing::error!(error = ?err, "refusing to start"))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    const BASE: [(&str, &str); 4] = [
        ("RESET_PAGE_URL", "https://auth.example.com/reset-password"),
        ("SIGNING_KEY_SECRET_ID", "reset/signing-keys"),
        ("HASHING_KEY_SECRET_ID", "reset/hashing-keys"),
        ("EVENT_OUTBOX_TABLE", "password-reset-events"),
    ];
    const LINKS: (&str, &str) = ("MAIL_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/password-reset-mail");
    const NOTICES: (&str, &str) = ("NOTICE_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/password-reset-notices");

    fn config_with(more: &[(&str, &str)]) -> super::Config {
        super::Config::from_vars(&BASE.iter().chain(more).map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    fn sdk() -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build()
    }

    /// Each function refuses to start without the queue it sends to or consumes, naming the
    /// variable, before it builds or asks anything; none is required a queue it does not use.
    #[tokio::test]
    async fn a_function_without_its_queue_refuses_to_start_and_says_which() {
        let sdk = sdk();
        let sender = ("SENDER_EMAIL", "no-reply@example.com");
        let err = super::reset_password(config_with(&[LINKS]), &sdk).await.err().expect("reset-password needs the notice queue");
        assert!(err.to_string().contains("NOTICE_QUEUE_URL is required: reset-password queues its password-changed notices there"), "{err}");
        let err = super::request_reset(config_with(&[NOTICES]), &sdk).await.err().expect("request-reset needs the links' queue");
        assert!(err.to_string().contains("MAIL_QUEUE_URL is required"), "{err}");
        for (given, missing) in [(LINKS, "NOTICE_QUEUE_URL"), (NOTICES, "MAIL_QUEUE_URL")] {
            let err = super::mail_worker(config_with(&[given, sender]), &sdk).await.err().expect("the worker needs both queues");
            assert!(err.to_string().contains(&format!("{missing} is required")), "{err}");
        }
        // Each starts with what it uses alone (the key ring, unreachable here, is read again on first use).
        assert!(super::request_reset(config_with(&[LINKS]), &sdk).await.is_ok());
        assert!(super::reset_password(config_with(&[NOTICES]), &sdk).await.is_ok());
        assert!(super::mail_worker(config_with(&[LINKS, NOTICES, sender]), &sdk).await.is_ok());
    }

    /// The two functions that write a change refuse to start without the outbox its event goes
    /// to, naming the variable; request-reset, which writes none, starts without it.
    #[tokio::test]
    async fn a_function_that_writes_changes_refuses_to_start_without_the_outbox() {
        let sdk = sdk();
        let without = || {
            let mut config = config_with(&[LINKS, NOTICES, ("SENDER_EMAIL", "no-reply@example.com")]);
            config.event_outbox_table = None;
            config
        };
        let err = super::reset_password(without(), &sdk).await.err().expect("reset-password needs the outbox");
        assert!(err.to_string().contains("EVENT_OUTBOX_TABLE is required: reset-password writes each change's event there"), "{err}");
        let err = super::mail_worker(without(), &sdk).await.err().expect("the worker needs the outbox");
        assert!(err.to_string().contains("EVENT_OUTBOX_TABLE is required"), "{err}");
        assert!(super::request_reset(without(), &sdk).await.is_ok());
    }

    /// The publisher needs its bus and a source of its own; `aws.` is AWS's.
    #[test]
    fn the_publisher_needs_a_bus_and_a_source_that_is_not_aws() {
        let vars = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(
            super::config::event_bus(&vars(&[("EVENT_BUS_NAME", "bus"), ("EVENT_SOURCE", "com.example.auth")])).unwrap(),
            ("bus".to_owned(), "com.example.auth".to_owned())
        );
        let err = super::config::event_bus(&vars(&[("EVENT_SOURCE", "aws.auth")])).unwrap_err().to_string();
        assert!(err.contains("EVENT_BUS_NAME is required") && err.contains("must not start with aws."), "{err}");
    }

    /// The mail worker refuses to start without a sender, before it builds or asks anything; the
    /// HTTP functions start without one.
    #[tokio::test]
    async fn only_the_mail_worker_refuses_to_start_without_a_sender() {
        let config = || config_with(&[LINKS, NOTICES]);
        let sdk = sdk();
        let err = super::mail_worker(config(), &sdk).await.err().expect("no start without a sender");
        assert!(err.to_string().contains("SENDER_EMAIL"), "{err}");
        // The HTTP functions send nothing: they start without one (the key ring, unreachable
        // here, is read again on first use).
        assert!(super::request_reset(config(), &sdk).await.is_ok());
        assert!(super::reset_password(config(), &sdk).await.is_ok());
    }

    /// request-reset is given no signing secret and starts; the two functions that sign or
    /// verify links refuse to start without it.
    #[tokio::test]
    async fn only_request_reset_starts_without_the_signing_secret() {
        let vars = [
            ("RESET_PAGE_URL", "https://auth.example.com/reset-password"),
            ("HASHING_KEY_SECRET_ID", "reset/hashing-keys"),
            ("SENDER_EMAIL", "no-reply@example.com"),
            LINKS,
            NOTICES,
        ];
        let config = || super::Config::from_vars(&vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap();
        let sdk = sdk();
        assert!(super::request_reset(config(), &sdk).await.is_ok());
        for err in [super::reset_password(config(), &sdk).await.err(), super::mail_worker(config(), &sdk).await.err()] {
            let err = err.expect("no start without the signing secret");
            assert!(err.to_string().contains("SIGNING_KEY_SECRET_ID"), "{err}");
        }
    }

    use super::{OWN_TARGETS, log_filter};

    /// `Targets` matches a directive as a plain prefix of the target: `reset_aws` also covers a
    /// crate named `reset_aws_extra`. No crate in the build may be such a namesake of ours.
    #[test]
    fn no_dependency_shares_a_prefix_with_the_service_s_own_targets() {
        let lock = include_str!("../../../Cargo.lock");
        let crates = lock.lines().filter_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"')).map(|n| n.replace('-', "_"));
        for name in crates {
            if let Some(own) = OWN_TARGETS.iter().find(|own| name.starts_with(*own)) {
                assert_eq!(&name, own, "{name} would log below INFO as if it were {own}");
            }
        }
    }

    #[test]
    fn the_wire_and_the_runtime_stay_capped_whatever_level_is_asked_for() {
        let trace = log_filter("trace");
        assert!(trace.would_enable("reset_core::confirm_reset", &Level::TRACE));
        assert!(trace.would_enable("hyper_util::client", &Level::WARN));
        assert!(!trace.would_enable("hyper_util::client", &Level::INFO), "the wire is capped at WARN");
        assert!(!trace.would_enable("aws_smithy_runtime", &Level::DEBUG));
        assert!(!trace.would_enable("aws_sigv4::http_request::sign", &Level::TRACE), "signing dumps every request");
        assert!(!trace.would_enable("lambda_runtime", &Level::DEBUG), "the runtime (raw events) at INFO");
        assert!(trace.would_enable("lambda_runtime", &Level::INFO));
        // Asking for a wire target by name, or a module inside one, does not lift the cap.
        let asked = log_filter("info,hyper=trace,aws_smithy_runtime::client=trace,reset_core=debug");
        assert!(!asked.would_enable("hyper::proto::h1", &Level::DEBUG));
        assert!(!asked.would_enable("aws_smithy_runtime::client::orchestrator", &Level::DEBUG));
        assert!(asked.would_enable("reset_core::ports::keys", &Level::DEBUG));
        assert!(!asked.would_enable("reset_http", &Level::DEBUG));
        // A quieter level quiets the capped targets too; unknown words fall back to INFO.
        let error = log_filter("fatal");
        assert!(!error.would_enable("hyper", &Level::WARN) && !error.would_enable("reset_core", &Level::WARN));
        assert!(error.would_enable("reset_core", &Level::ERROR));
        // Targets nobody named (a dependency added later) stay at INFO too, asked for or not.
        assert!(!trace.would_enable("some_new_dependency::client", &Level::DEBUG));
        assert!(trace.would_enable("some_new_dependency::client", &Level::INFO));
        assert!(!log_filter("debug,some_new_dependency=trace").would_enable("some_new_dependency", &Level::DEBUG));
        assert!(trace.would_enable("mail_worker", &Level::TRACE) && trace.would_enable("reset_aws::limits", &Level::TRACE));
        let nonsense = log_filter("loud!");
        assert!(nonsense.would_enable("reset_core", &Level::INFO) && !nonsense.would_enable("reset_core", &Level::DEBUG));
    }
}
