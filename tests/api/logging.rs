//! What the functions log at every level, read where it ends up: the test capture at TRACE (a
//! canary, and the flow's own debug lines with no secret), a real function process started at
//! `AWS_LAMBDA_LOG_LEVEL=trace`, and the JSON lines of the production subscriber with every metric
//! filter of the template evaluated against them, as CloudWatch would.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use reset_core::memory::MemoryOriginVerify;
use reset_core::ports::origin_verify::OriginVerify;
use reset_core::settings::Edge;
use reset_local::events;
use reset_local::runtime_api;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID, SECRET_ID, Stack};
use reset_local::workspace_root;
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber as _;

use crate::helpers::{
    Captured, KEY_A, MemoryApp, MotoApp, NEW_PASSWORD, RESET_PAGE, assert_no_reset_secret_logged, capture_logs, confirm_event, request_event, unique,
};

/// The debug and trace lines the code logs (their messages), so a test can tell its own verbose
/// lines from a library's: any other DEBUG or TRACE line in a function's log is the wire or the
/// runtime getting past its cap.
const OWN_VERBOSE_LINES: &[&str] = &[
    "reset mail job queued",
    "mail batch received",
    "mail batch handled",
    "mail job claimed",
    "account looked up by address",
    "address budget counted",
    "the mail service answered",
    "token signature and lifetime verified; reading the account",
    "token matches the account",
    "new password passed the strength and breach checks",
    "new password hashed",
    "password-changed notice queued",
    "the link's code noted for the address",
    "account and noted links read",
];

#[test]
fn a_trace_event_reaches_the_capture() {
    let captured = capture_logs();
    let marker = unique("canary");
    // Under one of the service's own targets: only those may log below INFO (reset_wiring::log_filter).
    tracing::trace!(target: "reset_core::canary", marker = %marker, "canary");
    // And one a dependency would write, which the filter holds at INFO whatever is asked for.
    tracing::debug!(target: "some_dependency::client", marker = %marker, "dependency chatter");
    let logs = captured.text();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&marker)).collect();
    assert!(lines.iter().any(|l| l.contains("TRACE") && l.contains("canary")), "the capture dropped a TRACE event: {lines:?}");
    assert!(!lines.iter().any(|l| l.contains("dependency chatter")), "a dependency logged at DEBUG: {lines:?}");
}

/// The whole flow in memory, captured at TRACE: the use cases' own DEBUG and TRACE lines are
/// there (so the capture really reads below INFO), and still no token, password, address or key.
#[tokio::test]
async fn the_flow_at_trace_logs_its_debug_lines_and_no_secret() {
    use tracing::Instrument as _;
    let captured = capture_logs();
    let run = unique("verbose-flow");
    let app = MemoryApp::new().await;
    let old_hash = app.user(DEMO_USER_ID).password_hash;
    // A vanity domain names its owner: no part of an address is logged, the domain included.
    let vanity = "owner@jane-doe-family.example";
    app.add_user("u-vanity", vanity, DEMO_PASSWORD, true);
    let (token, dispute) = async {
        assert_eq!(app.call(&request_event(vanity)).await.status, 202);
        app.deliver().await;
        let token = app.token_for_demo().await;
        assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
        app.deliver().await;
        // "This wasn't me": the notice's link opened, then its button pressed.
        let notice = app.mailer.sent().pop().expect("the notice");
        let dispute = crate::helpers::token_in(&notice.text);
        assert_eq!(app.call(&crate::dispute::dispute_page("GET", Some(&dispute))).await.status, 200);
        assert_eq!(app.call(&crate::dispute::dispute_press(Some(&dispute), "same-origin")).await.status, 200);
        (token, dispute)
    }
    .instrument(tracing::info_span!("test", run = %run))
    .await;

    let ours = captured.records_of(&run);
    for (level, message) in [
        ("DEBUG", "reset mail job queued"),
        ("DEBUG", "mail job claimed"),
        ("TRACE", "address budget counted"),
        ("DEBUG", "the mail service answered"),
        ("DEBUG", "token matches the account"),
        ("DEBUG", "new password hashed"),
    ] {
        assert!(ours.lines().any(|l| l.contains(level) && l.contains(message)), "no {level} line {message:?}:\n{ours}");
    }
    // The dispute's audit line names the account and the link, and counts for its alarm.
    let link_id = crate::helpers::link_id(&dispute);
    assert!(
        ours.lines().any(|l| l.contains("audit=\"account_disputed\"")
            && l.contains("outcome=\"locked\"")
            && l.contains(&format!("user_id={DEMO_USER_ID}"))
            && l.contains(&format!("link_id={link_id}"))
            && l.contains("metric=\"account_disputed\"")),
        "no dispute audit line:\n{ours}"
    );
    let logs = captured.text();
    let new_hash = app.user(DEMO_USER_ID).password_hash;
    assert_ne!(new_hash, old_hash, "the confirm changed the hash");
    // `User` and `PasswordChange` print their hashes in Debug: a `debug!(?user)` must fail here.
    let also = [
        ("the vanity domain", "jane-doe-family"),
        ("the key", KEY_A),
        ("the old hash", &old_hash),
        ("the new hash", &new_hash),
        ("the dispute token", &dispute),
        ("the dispute token's signature", dispute.rsplit_once('.').unwrap().1),
    ];
    assert_no_reset_secret_logged(&logs, &token, &also);
}

/// The functions' binaries, each built as `cargo lambda watch` builds it (`cargo build --bin`, the
/// debug profile, the features of its own package), so the cargo_lambda tests and this one share
/// one build; into the target dir cargo uses (`CARGO_TARGET_DIR` if set).
fn function_binaries() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = workspace_root();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            for binary in ["request-reset", "mail-worker", "reset-password"] {
                let build = Command::new(&cargo).args(["build", "--quiet", "--bin", binary]).current_dir(&root).output().unwrap();
                assert!(build.status.success(), "{binary} does not build:\n{}", String::from_utf8_lossy(&build.stderr));
            }
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir)).join("debug")
        })
        .clone()
}

/// A function's binary running as Lambda runs it ([`runtime_api::Running`]); a failure panics with
/// its log.
struct Running(runtime_api::Running);

impl Running {
    fn start(binary: &str, env: &[(String, String)]) -> Running {
        let mut function = Command::new(function_binaries().join(binary));
        function
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("AWS_LAMBDA_FUNCTION_NAME", binary)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        let log = workspace_root().join(format!("target/test-logs/{}.log", unique(binary)));
        let running = runtime_api::Running::start(function, &log, Duration::from_secs(30));
        Running(running.unwrap_or_else(|err| panic!("{binary} did not start: {err:#}\n{}", std::fs::read_to_string(&log).unwrap_or_default())))
    }

    fn invoke(&mut self, event: &Value) -> Value {
        self.0.invoke(event, Duration::from_secs(30)).unwrap_or_else(|err| panic!("{err:#}\n{}", self.log()))
    }

    fn log(&self) -> String {
        self.0.log()
    }
}

/// The DEBUG and TRACE lines of a function's log that are not the code's own.
fn foreign_verbose_lines(log: &str, json: bool) -> Vec<String> {
    let verbose = |line: &str| {
        if json {
            let parsed: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not one JSON object a line: {line}"));
            matches!(parsed["level"].as_str(), Some("DEBUG" | "TRACE")).then(|| parsed["fields"]["message"].as_str().unwrap_or_default().to_owned())
        } else {
            let level = line.split_whitespace().next().unwrap_or_default();
            ["DEBUG", "TRACE"].contains(&level).then(|| line.to_owned())
        }
    };
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| verbose(line).map(|message| (line, message)))
        .filter(|(_, message)| !OWN_VERBOSE_LINES.iter().any(|own| message.ends_with(own) || message.contains(&format!(": {own}"))))
        .map(|(line, _)| line.to_owned())
        .collect()
}

/// The three binaries started with `AWS_LAMBDA_LOG_LEVEL=trace` (the worker also with
/// `AWS_LAMBDA_LOG_FORMAT=json`) against moto, through a whole reset: each logs its own DEBUG and
/// TRACE lines, no other (the SDK's wire and the runtime's raw events stay capped), and no
/// token, password, address or key in any form. The worker's JSON lines carry its metrics where
/// the template's metric filters look.
#[tokio::test(flavor = "multi_thread")]
async fn functions_started_at_trace_log_their_own_debug_lines_and_no_secret() {
    let mut stack = Stack::start(None, RESET_PAGE).await.expect("moto");
    stack.overrides = reset_local::stack::generous_limits();
    // Two accounts on one address (the worker sends neither a link, with a metric), and a poison message.
    let twins = "twins@example.com";
    stack.put_user("twin-a", twins, "twin password one", None).await.unwrap();
    stack.put_user("twin-b", twins, "twin password two", None).await.unwrap();
    stack.queue.send_raw("this is not a mail job").await.unwrap();
    let env = |extra: &[(&str, &str)]| {
        let mut env = stack.env();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    };

    let old_hash = stack.password_hash(DEMO_USER_ID).await.unwrap();
    let mut request = Running::start("request-reset", &env(&[("AWS_LAMBDA_LOG_LEVEL", "trace")]));
    for email in [DEMO_EMAIL, twins] {
        let answer = request.invoke(&request_event(email));
        assert_eq!(answer["statusCode"], 202, "{answer}");
    }
    let worker = std::sync::Mutex::new(Running::start("mail-worker", &env(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "json")])));
    let handed = stack.queue.deliver_with(|event| std::future::ready(Ok(worker.lock().unwrap().invoke(&event)))).await.unwrap();
    assert_eq!(handed, 3);
    let mails = stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "one link, to the demo user alone");
    let token = mails[0].token().unwrap();
    // The mail's code, as shown and as typed without its hyphen: a credential like the token.
    let code = mails[0].code().expect("a code beside the link");
    let code_typed = code.replace('-', "");
    let mut confirm = Running::start("reset-password", &env(&[("AWS_LAMBDA_LOG_LEVEL", "trace")]));
    let answer = confirm.invoke(&confirm_event(&token, NEW_PASSWORD));
    assert_eq!(answer["statusCode"], 200, "{answer}");

    let worker = worker.into_inner().unwrap();
    let logs = [("request-reset", request.log(), false), ("mail-worker", worker.log(), true), ("reset-password", confirm.log(), false)];
    for (function, log, json) in &logs {
        let levels = |level: &str| log.lines().filter(|l| if *json { l.contains(&format!("\"level\":\"{level}\"")) } else { l.starts_with(level) }).count();
        assert!(levels("DEBUG") > 0, "{function} logged no DEBUG line at trace:\n{log}");
        let foreign = foreign_verbose_lines(log, *json);
        assert!(foreign.is_empty(), "{function}: verbose lines that are not the code's own (the wire or the runtime uncapped):\n{}", foreign.join("\n"));
    }
    let (_, worker_log, _) = &logs[1];
    assert!(levels_in_json(worker_log, "TRACE").iter().any(|m| m == "address budget counted"), "{worker_log}");
    assert!(levels_in_json(worker_log, "DEBUG").iter().any(|m| m == "mail batch received"), "{worker_log}");
    assert!(logs[0].1.lines().any(|l| l.starts_with("DEBUG") && l.contains("reset mail job queued")), "{}", logs[0].1);
    assert!(logs[2].1.lines().any(|l| l.starts_with("DEBUG") && l.contains("token matches the account")), "{}", logs[2].1);

    // The worker's JSON lines against the template's filters: each of its metrics counted once.
    let filters = metric_filters();
    for metric in ["mail_job_malformed", "duplicate_email"] {
        let counted = worker_log.lines().filter(|l| filters.iter().any(|f| f.pattern.value == metric && f.pattern.matches(l))).count();
        assert_eq!(counted, 1, "{metric}: the deployed worker's JSON line is not counted once by its filter:\n{worker_log}");
    }

    let secret: Value = {
        let out = stack.secrets().get_secret_value().secret_id(SECRET_ID).send().await.unwrap();
        serde_json::from_str(out.secret_string().unwrap()).unwrap()
    };
    let key = secret[secret["current"].as_str().unwrap()].as_str().unwrap().to_owned();
    let new_hash = stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert_ne!(new_hash, old_hash, "the confirm changed the hash");
    let all = logs.iter().map(|(_, log, _)| log.as_str()).collect::<Vec<_>>().join("\n");
    let also = [
        ("the twins' address", twins),
        ("the key", &key),
        ("the old hash", &old_hash),
        ("the new hash", &new_hash),
        ("the code", &code),
        ("the code as typed", &code_typed),
    ];
    assert_no_reset_secret_logged(&all, &token, &also);
}

/// The messages of a JSON log's events at `level`.
fn levels_in_json(log: &str, level: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["level"] == level)
        .map(|v| v["fields"]["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A CloudWatch Logs JSON filter pattern, the subset template.yaml uses: `{ $.a.b = "literal" }`
/// (an event matches if it is JSON and the string at that path equals the literal). Any other
/// syntax (`!=`, `&&`, `||`, numbers, `*`, arrays, `IS NULL`) panics: teach it here before a
/// filter that uses it counts as tested.
#[derive(Debug)]
struct JsonFilter {
    path: Vec<String>,
    value: String,
}

impl JsonFilter {
    fn parse(pattern: &str) -> JsonFilter {
        let unsupported = || -> ! { panic!("a filter pattern outside the subset this evaluator knows: {pattern}") };
        let inner = pattern.trim().strip_prefix('{').and_then(|p| p.strip_suffix('}')).unwrap_or_else(|| unsupported()).trim();
        let (selector, literal) = inner.split_once('=').unwrap_or_else(|| unsupported());
        let (selector, literal) = (selector.trim(), literal.trim());
        let Some(path) = selector.strip_prefix("$.") else { unsupported() };
        let path: Vec<String> = path.split('.').map(str::to_owned).collect();
        if path.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            unsupported();
        }
        let Some(value) = literal.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else { unsupported() };
        if value.is_empty() || value.contains(['"', '*', '\\']) {
            unsupported();
        }
        JsonFilter { path, value: value.to_owned() }
    }

    /// Whether CloudWatch would count this log event (one line of the function's output).
    fn matches(&self, event: &str) -> bool {
        let Ok(json) = serde_json::from_str::<Value>(event) else { return false };
        let found = self.path.iter().try_fold(&json, |node, key| node.get(key));
        found.and_then(Value::as_str) == Some(self.value.as_str())
    }
}

#[test]
fn the_filter_evaluator_matches_as_cloudwatch_and_refuses_what_it_does_not_know() {
    let filter = JsonFilter::parse(r#"{ $.fields.metric = "mail_retry" }"#);
    assert!(filter.matches(r#"{"level":"ERROR","fields":{"message":"m","metric":"mail_retry"}}"#));
    for other in [
        r#"{"level":"ERROR","metric":"mail_retry"}"#,
        r#"{"fields":{"metric":"mail_retry_x"}}"#,
        r#"{"fields":{"metric":["mail_retry"]}}"#,
        r#"{"fields":"mail_retry"}"#,
        r#"ERROR fields.metric="mail_retry""#,
    ] {
        assert!(!filter.matches(other), "{other}");
    }
    for unknown in [
        r#"{ $.fields.metric != "x" }"#,
        r#"{ $.fields.metric = "x*" }"#,
        r#"{ $.fields.metric = "x" && $.level = "ERROR" }"#,
        r#"{ $.fields.count = 1 }"#,
        r#"{ $.fields[0] = "x" }"#,
        r#""mail_retry""#,
    ] {
        assert!(std::panic::catch_unwind(|| JsonFilter::parse(unknown)).is_err(), "{unknown} was accepted");
    }
}

struct MetricFilter {
    id: String,
    pattern: JsonFilter,
}

/// Every metric filter in template.yaml (as CloudFormation reads it).
fn metric_filters() -> Vec<MetricFilter> {
    let resources = crate::deploy::template()["Resources"].as_object().unwrap();
    let filters: Vec<MetricFilter> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Logs::MetricFilter")
        .map(|(id, r)| {
            let pattern = r["Properties"]["FilterPattern"].as_str().unwrap_or_else(|| panic!("{id}: FilterPattern is not a plain string"));
            MetricFilter { id: id.clone(), pattern: JsonFilter::parse(pattern) }
        })
        .collect();
    assert!(filters.len() >= 10, "{} metric filters", filters.len());
    filters
}

/// Every metric name the code logs (`metric = "..."` in a source file).
fn metrics_in_code() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                out.extend(source.split("metric = \"").skip(1).map(|piece| piece.split('"').next().unwrap().to_owned()));
            }
        }
    }
    let mut metrics = BTreeSet::new();
    for dir in ["shared", "functions", "tools"] {
        if workspace_root().join(dir).exists() {
            walk(&workspace_root().join(dir), &mut metrics);
        }
    }
    metrics
}

/// What the production subscriber (`reset_wiring::log_subscriber`, JSON as deployed, at the
/// template's default level) writes while `scenario` runs.
async fn json_lines<T>(scenario: impl Future<Output = T>) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let _ = scenario.with_subscriber(reset_wiring::log_subscriber("info", true, move || writer.clone())).await;
    captured.text()
}

/// Every metric event, each made by the code path that logs it (the handlers, the use cases, the
/// worker, the key cache, the DynamoDB adapter), written by the production JSON subscriber; every
/// metric filter of the template evaluated against every line. Each filter counts the lines of
/// its metric and no other line, and every metric the code logs and every filter's metric is
/// among the events made here, so a changed log shape (flattened fields, a renamed field, a
/// metric moved into a span) blinds no alarm silently.
#[tokio::test]
async fn every_metric_filter_counts_the_json_lines_of_its_metric_and_no_other() {
    let mut scenarios: Vec<(&str, String)> = Vec::new();

    let app = MemoryApp::new().await;
    app.queue.outage.set(true);
    scenarios.push(("reset_enqueue_failed", json_lines(async { assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 503) }).await));

    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.rate_limits.ip_per_minute = 0);
    scenarios.push(("ip_rate_limited", json_lines(async { assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 429) }).await));

    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.queue.outage.set(true);
    scenarios.push(("changed_mail_enqueue_failed", json_lines(async { assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200) }).await));

    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    app.breaches.outage.set(true);
    scenarios.push(("breach_check_unavailable", json_lines(async { assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200) }).await));

    let mut app = MemoryApp::new().await;
    let edge = Edge::new(OriginVerify::load(MemoryOriginVerify::new("example-origin-verify-value")).await.unwrap());
    app.deps.configure(|settings| settings.edge = Some(edge.clone()));
    scenarios.push(("edge_bypassed", json_lines(async { assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 403) }).await));

    let app = MemoryApp::new().await;
    let form = events::load("request-reset-forgot-form-cross-origin.json");
    scenarios.push(("cross_origin_form", json_lines(async { assert_eq!(app.call(&form).await.status, 403) }).await));

    let app = MemoryApp::new().await;
    app.mailer.outage.set(true);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    scenarios.push(("mail_retry", json_lines(async { assert_eq!(app.deliver().await, [reset_core::Delivery::Retry]) }).await));

    let app = MemoryApp::new().await;
    app.mailer.refusal.set(true);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    scenarios.push(("mail_refused", json_lines(app.deliver()).await));

    let app = MemoryApp::new().await;
    app.mailer.account_refusal.set(true);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    scenarios.push(("mail_account_refused", json_lines(async { assert_eq!(app.deliver().await, [reset_core::Delivery::Retry]) }).await));

    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.rate_limits.source_jobs_per_hour = 0);
    scenarios.push(("source_job_budget_reached", json_lines(async { assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202) }).await));

    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.rate_limits.email_per_day_total = 0);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    scenarios.push(("email_daily_cap_reached", json_lines(app.deliver()).await));

    let app = MemoryApp::new().await;
    let stale = crate::mail_delivery::reset_job(DEMO_EMAIL, reset_core::unix_now() - app.deps.settings().mail_max_age.as_secs() - 1);
    scenarios.push(("reset_mail_stale", json_lines(reset_core::deliver_mail(&app.deps.worker, &stale, 1, stale.lane())).await));

    // Malformed twice: an address that does not parse (the use case), a body that is no job (the worker).
    let unparsable = crate::mail_delivery::reset_job("not an address", reset_core::unix_now());
    scenarios.push(("mail_job_malformed", json_lines(reset_core::deliver_mail(&app.deps.worker, &unparsable, 1, unparsable.lane())).await));
    let poison: mail_worker::SqsEvent = serde_json::from_value(json!({"Records": [{"messageId": "m-1", "body": "not a mail job"}]})).unwrap();
    scenarios.push(("mail_job_malformed", json_lines(mail_worker::handle(&app.deps.worker, poison)).await));

    let app = MemoryApp::new().await;
    let (_, dispute) = crate::dispute::disputable(&app).await;
    let press = crate::dispute::dispute_press(Some(&dispute), "same-origin");
    scenarios.push(("account_disputed", json_lines(async { assert_eq!(app.call(&press).await.status, 200) }).await));

    let app = MemoryApp::new().await;
    app.ledger.finish_outage.set(true);
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    scenarios.push(("mail_job_not_recorded", json_lines(async { assert_eq!(app.deliver().await.len(), 1) }).await));

    // An operator's job for an account that no longer is what the operator found (gone since).
    let app = MemoryApp::new().await;
    let job = reset_core::domain::mail_job::MailJob::Operator(reset_core::domain::mail_job::OperatorJob {
        id: "op-gone".into(),
        user_id: "u-gone".into(),
        action: reset_core::domain::mail_job::OperatorAction::ForcedReset,
        requested_at: reset_core::unix_now(),
        operator: "arn:aws:sts::123456789012:assumed-role/Ops/alice".into(),
        campaign: Some("c".into()),
        locale: None,
    });
    scenarios.push(("operator_mail_not_sent", json_lines(reset_core::deliver_mail(&app.deps.worker, &job, 1, job.lane())).await));

    // The event publisher: a bus that cannot be reached, and an outbox item that is not an event.
    let deps = reset_core::PublishDeps { bus: reset_core::memory::MemoryBus::default() };
    deps.bus.outage.set(true);
    let changed = reset_core::domain::events::OutboxEvent {
        event_id: "e1".into(),
        detail_type: "Password Changed".into(),
        detail: "{}".into(),
        occurred_at: reset_core::unix_now(),
    };
    scenarios.push(("event_publish_failed", json_lines(reset_core::publish_events(&deps, std::slice::from_ref(&changed))).await));
    let stream: event_publisher::StreamEvent = serde_json::from_value(json!({"Records": [{
        "eventID": "r1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"Keys": {"event_id": {"S": "e1"}}, "SequenceNumber": "1", "SizeBytes": 10, "StreamViewType": "NEW_IMAGE",
            "NewImage": {"event_id": {"S": "e1"}, "detail_type": {"S": "Password Changed"}, "detail": {"S": "{}"}, "occurred_at": {"N": "1"}}},
    }]}))
    .unwrap();
    scenarios.push(("event_malformed", json_lines(event_publisher::handle(&deps, stream)).await));

    // Only the DynamoDB adapter can find two accounts on one address.
    {
        let moto = MotoApp::start().await;
        let twins = "twins@example.com";
        moto.stack.put_user("twin-a", twins, "twin password one", None).await.unwrap();
        moto.stack.put_user("twin-b", twins, "twin password two", None).await.unwrap();
        assert_eq!(moto.call(&request_event(twins)).await.status, 202);
        scenarios.push(("duplicate_email", json_lines(async { assert_eq!(moto.deliver().await, 1) }).await));
    }

    // The admin API: a signed caller not in ADMIN_CALLER_ARNS.
    let admin = crate::admin::AdminApp::new().await;
    let unlisted = crate::admin::reset(json!({"user_id": "u-pw"}), Some(crate::admin::MALLORY));
    scenarios.push(("admin_call_refused", json_lines(async { assert_eq!(admin.call(&unlisted).await.status, 403) }).await));

    // Codes: a link mailed whose code could not be noted, and an address's attempts spent. Their
    // own futures, boxed: one more app on this future's stack overflows a debug build's thread.
    scenarios.push(("code_not_noted", Box::pin(code_not_noted_lines()).await));
    scenarios.push(("code_attempts_exhausted", Box::pin(code_attempts_exhausted_lines()).await));

    // At 1 mail a second: the shared send slot's store failing, so the worker sends on its own pace.
    scenarios.push((
        "send_slot_unshared",
        json_lines(async {
            let slots = reset_core::memory::MemorySharedSlots::default();
            slots.outage.set(true);
            let pace = reset_core::Pace::new(Duration::from_millis(1)).sharing(std::sync::Arc::new(slots), Duration::from_millis(1));
            pace.slot().await;
        })
        .await,
    ));

    // Last: the key cache's clock is tokio's, paused here to pass MAX_STALE without waiting.
    let app = MemoryApp::new().await;
    tokio::time::pause();
    // request-reset's keys are the hashing keys.
    app.hash_keys.outage.set(true);
    tokio::time::advance(reset_core::ports::keys::MAX_STALE + Duration::from_secs(1)).await;
    scenarios.push(("keys_too_stale", json_lines(async { assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 503) }).await));

    let filters = metric_filters();
    let mut counted = BTreeSet::new();
    for (metric, lines) in &scenarios {
        let mut ours = 0;
        for line in lines.lines() {
            assert!(
                serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object()),
                "{metric}: not one JSON object a line (CloudWatch could not filter it): {line}"
            );
            let matching: BTreeSet<&str> = filters.iter().filter(|f| f.pattern.matches(line)).map(|f| f.pattern.value.as_str()).collect();
            assert!(matching.len() <= 1, "filters of several metrics ({matching:?}) count one line: {line}");
            for counted_as in &matching {
                assert!(line.contains(&format!("\"{counted_as}\"")), "a filter for {counted_as} counts a line of another event: {line}");
            }
            if matching.contains(metric) {
                ours += 1;
            }
        }
        assert!(
            ours == 1,
            "not exactly one line counted by the {metric} filter ({ours}) for one {metric} event, as the production subscriber writes it:\n{lines:.3000}"
        );
        for filter in filters.iter().filter(|f| f.pattern.value == *metric) {
            assert!(lines.lines().any(|l| filter.pattern.matches(l)), "{} does not count the {metric} event:\n{lines:.3000}", filter.id);
        }
        counted.insert(metric.to_string());
    }
    for filter in &filters {
        assert!(counted.contains(&filter.pattern.value), "{} counts {}, which no event here logs: is it still logged?", filter.id, filter.pattern.value);
    }
    for metric in metrics_in_code() {
        assert!(counted.contains(&metric), "the code logs the metric {metric}: add its event here, so its filter is evaluated against it");
    }
}

/// The JSON lines of a link mailed whose code could not be noted (the note fails beside the send).
async fn code_not_noted_lines() -> String {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    app.limits.note_outage.set(true);
    json_lines(async { assert_eq!(app.deliver().await, [reset_core::Delivery::Settled(reset_core::Settled::Sent)]) }).await
}

/// The JSON lines of a code refused because its address's attempts are spent.
async fn code_attempts_exhausted_lines() -> String {
    let app = MemoryApp::new().await;
    let code_event = |code: &str| {
        let mut event = events::load("reset-password-confirm.json");
        event["body"] = json!({"email": DEMO_EMAIL, "code": code, "password": "a new and long passphrase"}).to_string().into();
        event
    };
    crate::codes::clear_of_a_window_end(app.deps.settings().token_ttl.as_secs(), 10).await;
    for _ in 0..reset_core::CODE_ATTEMPTS {
        assert_eq!(app.call(&code_event("0000-0000")).await.status, 400);
    }
    json_lines(async { assert_eq!(app.call(&code_event("0000-0000")).await.status, 429) }).await
}
