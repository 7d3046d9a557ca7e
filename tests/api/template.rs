//! template.yaml stays deployable and in step with the code: it lints clean, routes the same
//! paths the handlers and the local router serve, sets only variables the config reads,
//! generates a signing-key secret the key ring accepts, and grants each function the user
//! attributes its code reads and writes (watched on the wire against moto).

use std::process::Command;

use reset_core::domain::password::HashFormat;
use reset_core::reset_token::KeyRing;
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID, Stack};
use reset_local::template::Deployment;
use reset_local::{venv_tool, workspace_root};
use reset_wiring::Config;

use crate::helpers::{AwsFunctions, MotoApp, RESET_PAGE, call, confirm_event, deliver_queued, request_event};

fn read(file: &str) -> String {
    // RESET_TEMPLATE names a changed copy of the template, to see which tests a change fails (as
    // `reset_local::template` reads it).
    let file = match std::env::var("RESET_TEMPLATE") {
        Ok(copy) if file == "template.yaml" => copy,
        _ => file.to_owned(),
    };
    std::fs::read_to_string(workspace_root().join(file)).unwrap()
}

/// The value after `key:` on the first line (after `after`) that has it, unquoted.
fn value_of(text: &str, after: &str, key: &str) -> String {
    let start = text.find(after).unwrap_or_else(|| panic!("{after} in template.yaml"));
    let line = text[start..].lines().find(|l| l.trim_start().starts_with(&format!("{key}:"))).unwrap();
    line.split_once(':').unwrap().1.trim().trim_matches('\'').to_owned()
}

#[test]
fn cfn_lint_passes() {
    let out = Command::new(venv_tool("cfn-lint")).arg("template.yaml").current_dir(workspace_root()).output().unwrap();
    assert!(out.status.success(), "cfn-lint:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Every route: method, path (the handler's constant), the template's integration, the binary.
const ROUTES: &[(&str, &str, &str, &str)] = &[
    ("ANY", request_reset::PATH, "RequestResetIntegration", "request-reset"),
    ("GET", request_reset::FORGOT_PATH, "RequestResetIntegration", "request-reset"),
    ("HEAD", request_reset::FORGOT_PATH, "RequestResetIntegration", "request-reset"),
    ("POST", request_reset::FORGOT_PATH, "RequestResetIntegration", "request-reset"),
    ("ANY", reset_password::PATH, "ResetPasswordIntegration", "reset-password"),
    ("GET", reset_password::PAGE_PATH, "ResetPasswordIntegration", "reset-password"),
    ("HEAD", reset_password::PAGE_PATH, "ResetPasswordIntegration", "reset-password"),
    ("POST", reset_password::PAGE_PATH, "ResetPasswordIntegration", "reset-password"),
    // The "this wasn't me" page a password-changed notice links to (DISPUTE_PAGE_URL).
    ("GET", DISPUTE_PATH, "ResetPasswordIntegration", "reset-password"),
    ("HEAD", DISPUTE_PATH, "ResetPasswordIntegration", "reset-password"),
    ("POST", DISPUTE_PATH, "ResetPasswordIntegration", "reset-password"),
];

/// The dispute page's path (reset-password's), as the mail worker's DISPUTE_PAGE_URL ends.
const DISPUTE_PATH: &str = reset_password::DISPUTE_PATH;

/// The admin API's routes (with AdminCallerArns: an HTTP API of its own, AWS_IAM on each), the
/// admin function's paths: every method reaches the function, which answers 405 itself.
const ADMIN_ROUTES: &[(&str, &str)] = &[("ANY", "/admin/reset"), ("ANY", "/admin/invite")];

#[test]
fn the_template_the_local_router_and_the_handlers_serve_the_same_routes() {
    let template = read("template.yaml");
    let cargo: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let router = &cargo["workspace"]["metadata"]["lambda"]["watch"]["router"];
    for (method, path, integration, binary) in ROUTES {
        let route = format!("RouteKey: {method} {path}\n      Target: !Sub \"integrations/${{{integration}}}\"");
        assert!(template.contains(&route), "template.yaml lacks {route}");
        let routed = match &router[*path] {
            // A plain function name routes every method, like ANY.
            toml::Value::String(function) => *method == "ANY" && function == binary,
            toml::Value::Array(routes) => routes.iter().any(|r| r["method"].as_str() == Some(method) && r["function"].as_str() == Some(binary)),
            _ => false,
        };
        assert!(routed, "Cargo.toml router lacks {method} {path} -> {binary}");
    }
    // The admin routes: each signed (AWS_IAM) and on the admin API's own integration.
    for (method, path) in ADMIN_ROUTES {
        let route = format!("RouteKey: {method} {path}\n      AuthorizationType: AWS_IAM\n      Target: !Sub \"integrations/${{AdminApiIntegration}}\"");
        assert!(template.contains(&route), "template.yaml lacks {route}");
        assert_eq!(router.get(*path).and_then(toml::Value::as_str), Some("admin-api"), "Cargo.toml router lacks {path} -> admin-api (every method, as ANY)");
    }
    assert_eq!(template.matches("RouteKey:").count(), ROUTES.len() + ADMIN_ROUTES.len(), "no route without a test");
    for (function, binary) in [
        ("RequestResetFunction", "request-reset"),
        ("ResetPasswordFunction", "reset-password"),
        ("MailWorkerFunction", "mail-worker"),
        ("EventPublisherFunction", "event-publisher"),
        ("AdminApiFunction", "admin-api"),
    ] {
        assert_eq!(value_of(&template, &format!("  {function}:"), "Binary"), binary, "template binary of {function}");
    }
    // Each integration invokes the function whose binary serves its paths.
    for (integration, function) in [
        ("RequestResetIntegration", "RequestResetFunction"),
        ("ResetPasswordIntegration", "ResetPasswordFunction"),
        ("AdminApiIntegration", "AdminApiFunction"),
    ] {
        let target = value_of(&template, &format!("  {integration}:"), "IntegrationUri");
        // The alias `live`, which gradual deployments move from version to version.
        assert_eq!(target, format!("!Ref {function}.Alias"), "{integration} invokes {target}");
    }
}

/// Each variable the template can set, a value unlike its default, and how the config shows it.
const VARIABLE_EFFECTS: &[(&str, &str, fn(&Config) -> bool)] = &[
    ("USERS_TABLE", "accounts", |c| c.table.table == "accounts"),
    ("USERS_EMAIL_INDEX", "by-mail", |c| c.table.email_index == "by-mail"),
    ("USER_ID_ATTRIBUTE", "uid", |c| c.table.id == "uid"),
    ("USER_EMAIL_ATTRIBUTE", "mail", |c| c.table.email == "mail"),
    ("USER_PASSWORD_HASH_ATTRIBUTE", "pw", |c| c.table.password_hash == "pw"),
    ("USER_STATUS_ATTRIBUTE", "state", |c| c.table.status == "state"),
    ("USER_ACTIVE_STATUSES", "ok,verified", |c| c.table.active_statuses == ["ok", "verified"]),
    ("USER_PASSWORD_CHANGED_AT_ATTRIBUTE", "pw_at", |c| c.table.password_changed_at == "pw_at"),
    ("USER_LOCALE_ATTRIBUTE", "language", |c| c.table.locale.as_deref() == Some("language")),
    ("RATE_LIMIT_TABLE", "limits-x", |c| c.rate_limit_table == "limits-x"),
    ("RATE_LIMIT_EMAIL_PER_MINUTE", "2", |c| c.settings.rate_limits.email_per_minute == 2),
    ("RATE_LIMIT_EMAIL_PER_DAY", "7", |c| c.settings.rate_limits.email_per_day == 7),
    ("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", "70", |c| c.settings.rate_limits.email_per_day_total == 70),
    ("RATE_LIMIT_IP_PER_MINUTE", "9", |c| c.settings.rate_limits.ip_per_minute == 9),
    ("RATE_LIMIT_SOURCE_JOBS_PER_HOUR", "7", |c| c.settings.rate_limits.source_jobs_per_hour == 7),
    ("RATE_LIMIT_SOURCE_JOBS_PER_MINUTE", "5", |c| c.settings.rate_limits.source_jobs_per_minute == 5),
    ("RATE_LIMIT_SOURCE_JOBS_PER_DAY", "77", |c| c.settings.rate_limits.source_jobs_per_day == 77),
    ("HASHING_KEY_SECRET_ID", "hashes/x", |c| c.hashing_key_secret == "hashes/x"),
    ("SENDER_EMAIL", "sender@x.example", |c| c.sender.as_deref() == Some("sender@x.example")),
    ("SES_CONFIGURATION_SET", "set-x", |c| c.ses_configuration_set.as_deref() == Some("set-x")),
    ("MAIL_QUEUE_URL", "https://sqs.x.example/1/q", |c| c.mail_queue_url.as_deref() == Some("https://sqs.x.example/1/q")),
    ("NOTICE_QUEUE_URL", "https://sqs.x.example/1/n", |c| c.notice_queue_url.as_deref() == Some("https://sqs.x.example/1/n")),
    ("MAIL_MAX_AGE_SECONDS", "600", |c| c.settings.mail_max_age == std::time::Duration::from_secs(600)),
    ("SES_MAX_SEND_RATE", "14", |c| c.notice_send_interval == reset_wiring::send_intervals(14, 1, 2).1),
    ("MAIL_WORKER_CONCURRENCY", "2", |c| c.link_send_interval == reset_wiring::send_intervals(1, 2, 2).0),
    ("RESET_PAGE_URL", "https://x.example/r", |c| c.settings.reset_page_url.as_str() == "https://x.example/r"),
    ("LOGIN_URL", "https://x.example/login", |c| c.settings.login_url.as_ref().is_some_and(|u| u.as_str() == "https://x.example/login")),
    ("TOKEN_TTL_SECONDS", "900", |c| c.settings.token_ttl == std::time::Duration::from_secs(900)),
    ("APP_NAME", "Example Co", |c| c.settings.app_name == "Example Co"),
    ("SUPPORT_CONTACT", "help@x.example", |c| c.settings.support_contact.as_deref() == Some("help@x.example")),
    ("ACCENT_COLOR", "#7b1fa2", |c| c.settings.branding.accent() == "#7b1fa2"),
    ("LOGO_URL", "https://cdn.example.com/logo.svg", |c| c.settings.branding.logo.is_some()),
    ("FOOTER_TEXT", "Example GmbH", |c| c.settings.branding.footer.as_deref() == Some("Example GmbH")),
    ("DEFAULT_LOCALE", "ja", |c| c.settings.default_locale.tag() == "ja"),
    // Set on single functions (not in Globals):
    ("SIGNING_KEY_SECRET_ID", "keys/x", |c| c.signing_key_secret.as_deref() == Some("keys/x")),
    ("ORIGIN_VERIFY_SECRET_ID", "edge/x", |c| c.origin_verify_secret.as_deref() == Some("edge/x")),
    ("BREACHED_PASSWORD_CHECK", "on", |c| c.breached_passwords.is_some()),
    ("PASSWORD_HASH_FORMAT", "bcrypt", |c| c.settings.password_storage.format == HashFormat::Bcrypt && c.settings.password_policy.max_bytes == Some(72)),
    ("PASSWORD_HASH_PREFIX", "{bcrypt}", |c| c.settings.password_storage.prefix == "{bcrypt}"),
    ("BCRYPT_COST", "13", |c| c.settings.password_storage.bcrypt_cost == 13),
    ("PBKDF2_ITERATIONS", "1800000", |c| c.settings.password_storage.pbkdf2_iterations == 1_800_000),
    ("EVENT_OUTBOX_TABLE", "events-x", |c| c.event_outbox_table.as_deref() == Some("events-x")),
    ("DISPUTE_PAGE_URL", "https://x.example/secure-account", |c| {
        c.settings.dispute_page_url.as_ref().is_some_and(|u| u.as_str() == "https://x.example/secure-account")
    }),
    ("DISPUTE_TOKEN_TTL_SECONDS", "7200", |c| c.settings.dispute_token_ttl == std::time::Duration::from_secs(7200)),
    ("DISPUTE_LOCK_STATUS", "disputed", |c| c.settings.dispute_lock_status == "disputed"),
    ("INVITATION_TTL_SECONDS", "7200", |c| c.settings.invitation_ttl == std::time::Duration::from_secs(7200)),
    ("PASSWORDLESS_USERS_MAY_REQUEST", "true", |c| c.settings.passwordless_may_request),
];

/// The admin function's own: who may call it (`Config` holds the list as written; the admin
/// function parses and matches it). Only the admin function is told it.
const ADMIN_VARIABLES: &[&str] = &["ADMIN_CALLER_ARNS"];

/// The event publisher's whole environment of its own: read by `reset_wiring`'s publisher
/// wiring, not by `Config` (the publisher builds no other deps).
const PUBLISHER_VARIABLES: &[&str] = &["EVENT_BUS_NAME", "EVENT_SOURCE"];

/// Only the mail worker is told how mail is sent: the HTTP functions' environment (Globals and
/// their own) holds no sender and no SES setting, as their wiring builds no mail client.
#[test]
fn only_the_mail_worker_is_given_the_sender_and_the_ses_settings() {
    let parsed = reset_local::template::template();
    let mail = ["SENDER_EMAIL", "SES_CONFIGURATION_SET", "SES_MAX_SEND_RATE", "MAIL_WORKER_CONCURRENCY"];
    let globals = &parsed["Globals"]["Function"]["Environment"]["Variables"];
    for name in mail {
        assert!(globals.get(name).is_none(), "{name} in Globals reaches the HTTP functions");
    }
    for (id, resource) in parsed["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function") {
        let own = &resource["Properties"]["Environment"]["Variables"];
        for name in mail {
            assert_eq!(own.get(name).is_some(), id == "MailWorkerFunction", "{id}: {name}");
        }
    }
}

#[test]
fn every_variable_the_template_sets_changes_what_the_config_holds() {
    // Every variable the template sets, in Globals and on single functions (as CloudFormation
    // reads the template: tests/cfn_template.py).
    let parsed = reset_local::template::template();
    let mut names: Vec<&str> = parsed["Globals"]["Function"]["Environment"]["Variables"].as_object().unwrap().keys().map(String::as_str).collect();
    for resource in parsed["Resources"].as_object().unwrap().values().filter(|r| r["Type"] == "AWS::Serverless::Function") {
        for name in resource["Properties"]["Environment"]["Variables"].as_object().into_iter().flat_map(|v| v.keys()) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    // The AWS SDK's own variable (set only for `sam local invoke`), not the functions' config;
    // and the publisher's own, which it reads without `Config` (below).
    names.retain(|k| *k != "AWS_ENDPOINT_URL" && !PUBLISHER_VARIABLES.contains(k) && !ADMIN_VARIABLES.contains(k));
    for (id, resource) in parsed["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function") {
        let own: Vec<&str> = resource["Properties"]["Environment"]["Variables"].as_object().into_iter().flat_map(|v| v.keys()).map(String::as_str).collect();
        for name in PUBLISHER_VARIABLES {
            assert_eq!(own.contains(name), id == "EventPublisherFunction", "{id}: {name}");
        }
        if id == "EventPublisherFunction" {
            assert_eq!(own, PUBLISHER_VARIABLES, "the publisher is told only its bus and source");
        }
        for name in ADMIN_VARIABLES {
            assert_eq!(own.contains(name), id == "AdminApiFunction", "{id}: {name}");
        }
    }
    let mut listed: Vec<&str> = VARIABLE_EFFECTS.iter().map(|(name, _, _)| *name).collect();
    names.sort_unstable();
    listed.sort_unstable();
    assert_eq!(names, listed, "the template's variables and this table must list the same names");
    let required = [
        ("RESET_PAGE_URL", "https://auth.example.com/reset-password"),
        ("HASHING_KEY_SECRET_ID", "k"),
        ("SENDER_EMAIL", "s@example.com"),
        ("MAIL_QUEUE_URL", "https://sqs.example/1/q"),
    ];
    for (name, value, effect) in VARIABLE_EFFECTS {
        let mut vars: std::collections::HashMap<String, String> = required.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let without = Config::from_vars(&vars).unwrap();
        assert!(!effect(&without), "{name}: the default already looks like {value}");
        vars.insert(name.to_string(), value.to_string());
        let with = Config::from_vars(&vars).unwrap_or_else(|e| panic!("{name}={value}: {e}"));
        assert!(effect(&with), "{name}={value} has no effect on the configuration");
    }
}

/// The hash-format parameters allow exactly what reset-password accepts at cold start: the same
/// format names, and bounds the config accepts while refusing one step past them (a value the
/// template lets through but the function refuses would deploy, then fail every cold start).
#[test]
fn the_hash_format_parameters_allow_exactly_what_reset_password_accepts() {
    let parsed = reset_local::template::template();
    let parameters = &parsed["Parameters"];
    let allowed: Vec<&str> = parameters["PasswordHashFormat"]["AllowedValues"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(allowed, HashFormat::ALL.map(|(name, _)| name));
    let config = |pairs: &[(&str, String)]| {
        let mut vars: std::collections::HashMap<String, String> =
            [("RESET_PAGE_URL", "https://auth.example.com/reset-password"), ("HASHING_KEY_SECRET_ID", "k")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        vars.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Config::from_vars(&vars)
    };
    let number = |v: &serde_json::Value| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap();
    for (parameter, variable) in [("BcryptCost", "BCRYPT_COST"), ("Pbkdf2Iterations", "PBKDF2_ITERATIONS")] {
        let p = &parameters[parameter];
        let (min, max, default) = (number(&p["MinValue"]), number(&p["MaxValue"]), number(&p["Default"]));
        for ok in [min, default, max] {
            assert!(config(&[(variable, ok.to_string())]).is_ok(), "{parameter}: {ok} is allowed by the template but refused");
        }
        for bad in [min - 1, max + 1] {
            assert!(config(&[(variable, bad.to_string())]).is_err(), "{parameter}: {bad} is refused by the template but accepted");
        }
    }
    let defaults = config(&[]).unwrap().settings.password_storage;
    assert_eq!(u64::from(defaults.bcrypt_cost), number(&parameters["BcryptCost"]["Default"]));
    assert_eq!(u64::from(defaults.pbkdf2_iterations), number(&parameters["Pbkdf2Iterations"]["Default"]));
    assert_eq!(parameters["PasswordHashFormat"]["Default"], "argon2id");
}

/// The formats whose hash is all CPU (bcrypt, PBKDF2: ten times argon2id's at their defaults) get
/// twice the memory, so twice the CPU; the argon2 ones keep 512 MB.
#[test]
fn reset_password_gets_more_cpu_for_the_formats_that_hash_without_memory() {
    for (name, format) in HashFormat::ALL {
        let deployment = Deployment::for_env(&[("PASSWORD_HASH_FORMAT".to_owned(), name.to_owned())]);
        assert_eq!(deployment.parameter("PasswordHashFormat"), name);
        let memory = deployment.properties("ResetPasswordFunction")["MemorySize"].clone();
        let expected = if format.uses_argon2() { 512 } else { 1024 };
        assert_eq!(memory.as_u64().or_else(|| memory.as_str().and_then(|m| m.parse().ok())), Some(expected), "{name}: {memory}");
    }
}

#[test]
fn the_secrets_generated_at_deploy_time_are_valid_key_rings() {
    let template = read("template.yaml");
    // What CloudFormation does: add a random alphanumeric string of that length under that key.
    let generated = |secret: &str| {
        let shape = value_of(&template, &format!("  {secret}:"), "SecretStringTemplate");
        let key_name = value_of(&template, &format!("  {secret}:"), "GenerateStringKey");
        let length: usize = value_of(&template, &format!("  {secret}:"), "PasswordLength").parse().unwrap();
        let random: String = KeyRing::generate_key().unwrap().chars().filter(char::is_ascii_alphanumeric).cycle().take(length).collect();
        let mut value: serde_json::Value = serde_json::from_str(&shape).expect("SecretStringTemplate is JSON");
        value[&key_name] = random.into();
        (value.to_string(), key_name)
    };
    let (signing, kid) = generated("SigningKeySecret");
    assert_eq!(KeyRing::from_json(&signing).expect("the generated signing secret is accepted").current_kid(), kid);
    let (hashing, kid) = generated("HashingKeySecret");
    let ring = reset_core::reset_token::HashRing::from_json(&hashing).expect("the generated hashing secret is accepted");
    assert_eq!(ring.current_kid(), kid);
}

/// Which functions' log groups each source file that logs a metric writes to. A new file that
/// logs a metric fails the test below until it is listed here.
const EMITTERS: &[(&str, &[&str])] = &[
    ("shared/reset-core/src/use_cases/request_reset.rs", &["RequestResetLogGroup"]),
    ("shared/reset-core/src/use_cases/confirm_reset.rs", &["ResetPasswordLogGroup"]),
    ("shared/reset-core/src/use_cases/dispute_change.rs", &["ResetPasswordLogGroup"]),
    ("shared/reset-core/src/use_cases/check_code.rs", &["ResetPasswordLogGroup"]),
    // reset-password's handler: a code form that did not show its origin (cross_origin_form).
    ("functions/reset-password/src/lib.rs", &["ResetPasswordLogGroup"]),
    ("shared/reset-core/src/ports/breached.rs", &["ResetPasswordLogGroup"]),
    ("shared/reset-core/src/use_cases/deliver_mail.rs", &["MailWorkerLogGroup"]),
    // `KeyCache`: every function.
    ("shared/reset-core/src/ports/keys.rs", &["RequestResetLogGroup", "ResetPasswordLogGroup", "MailWorkerLogGroup"]),
    ("functions/mail-worker/src/lib.rs", &["MailWorkerLogGroup"]),
    // `DynamoUsers::find_by_email`: the mail worker, and reset-password for a code's address.
    ("shared/reset-aws/src/dynamodb.rs", &["MailWorkerLogGroup", "ResetPasswordLogGroup"]),
    // `limit_source_ip`: every HTTP function.
    ("shared/reset-http/src/lib.rs", &["RequestResetLogGroup", "ResetPasswordLogGroup"]),
    // `publish_events`, and the publisher's handler: only the event publisher.
    ("shared/reset-core/src/use_cases/publish_events.rs", &["EventPublisherLogGroup"]),
    ("functions/event-publisher/src/lib.rs", &["EventPublisherLogGroup"]),
    // The admin function's handler: a caller refused (admin_call_refused).
    ("functions/admin-api/src/lib.rs", &["AdminApiLogGroup"]),
];

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every top-level block of the template (one per resource, parameter, output ...): a line
/// indented by exactly two spaces starts the next.
fn blocks(template: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in template.lines() {
        let starts_block = line.starts_with("  ") && !line[2..].starts_with(' ') && !line.trim().is_empty() && !line.trim_start().starts_with('#');
        match blocks.last_mut() {
            Some(block) if !starts_block => {
                block.push('\n');
                block.push_str(line);
            }
            _ => blocks.push(line.to_owned()),
        }
    }
    blocks
}

/// The resources of one type.
fn resources_of(template: &str, kind: &str) -> Vec<String> {
    blocks(template).into_iter().filter(|b| b.contains(&format!("    Type: {kind}\n")) || b.ends_with(&format!("    Type: {kind}"))).collect()
}

/// The value after `key:` in a block, trimmed.
fn field<'b>(block: &'b str, key: &str) -> &'b str {
    let line = block.lines().find(|l| l.trim_start().starts_with(key)).unwrap_or_else(|| panic!("{key} in {block}"));
    line.split_once(':').unwrap().1.trim()
}

/// (log group, filter pattern) of every metric filter in the template.
fn metric_filters(template: &str) -> Vec<(String, String)> {
    resources_of(template, "AWS::Logs::MetricFilter")
        .iter()
        .map(|resource| (field(resource, "LogGroupName:").trim_start_matches("!Ref ").to_owned(), field(resource, "FilterPattern:").to_owned()))
        .collect()
}

#[test]
fn every_metric_the_code_logs_has_a_metric_filter_on_the_log_group_it_is_written_to() {
    let root = workspace_root();
    let filters = metric_filters(&read("template.yaml"));
    let mut files = Vec::new();
    for dir in ["shared", "functions", "tools"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut checked = 0;
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let metrics: Vec<&str> = source.split("metric = \"").skip(1).map(|piece| piece.split('"').next().unwrap()).collect();
        if metrics.is_empty() {
            continue;
        }
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        let (_, groups) =
            EMITTERS.iter().find(|(f, _)| *f == relative).unwrap_or_else(|| panic!("{relative} logs {metrics:?}: list in EMITTERS which functions run it"));
        for metric in metrics {
            let pattern = format!(r#"'{{ $.fields.metric = "{metric}" }}'"#);
            for group in *groups {
                let found = filters.iter().any(|(g, p)| g == group && *p == pattern);
                assert!(found, "template.yaml has no metric filter for {metric} on {group} (logged in {relative})");
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} metric/log-group pairs found");
}

/// The mail worker's settings per send rate follow the arithmetic the template and docs/operations.md
/// ("Mail delivery") state: C workers (the smallest divisor of R from max(2, ceil(R / 10)) up), each paced at C / R
/// seconds a mail, so together at most R mails a second; a batch's pacing (B x C / R) fits in 20 s of the worker's 30 s timeout;
/// a batching window only from 50 mails a second.
#[test]
fn the_send_rate_mapping_follows_the_documented_arithmetic() {
    let template = read("template.yaml");
    let allowed = value_of(&template, "  SesMaxSendRate:", "AllowedValues");
    let rates: Vec<u32> = allowed.trim_matches(['[', ']']).split(',').map(|r| r.trim().trim_matches('"').parse().unwrap()).collect();
    assert!(rates.len() >= 5 && rates.contains(&1) && rates.contains(&14), "{rates:?}");
    let timeout: u32 = value_of(&template, "  MailWorkerFunction:", "Timeout").parse().unwrap();
    for rate in rates {
        let row = template.lines().find(|l| l.trim_start().starts_with(&format!("\"{rate}\": {{"))).unwrap_or_else(|| panic!("no mapping for {rate}"));
        let field = |name: &str| -> u32 {
            let after = &row[row.find(&format!("{name}: ")).unwrap_or_else(|| panic!("{name} for {rate}")) + name.len() + 2..];
            after.split([',', ' ', '}']).next().unwrap().parse().unwrap()
        };
        let (concurrency, batch, window) = (field("Concurrency"), field("BatchSize"), field("BatchingWindow"));
        let (notice_concurrency, notice_batch) = (field("NoticeConcurrency"), field("NoticeBatchSize"));
        // The smallest divisor of the rate from max(2, ceil(R/10)) up, so that each link worker's
        // share is at most R/C mails in any second; 2 at 1 a second, which has none.
        let least = 2.max(rate.div_ceil(10));
        let expected = (least..=rate).find(|c| rate % c == 0).unwrap_or(2);
        assert_eq!(concurrency, expected, "concurrency for {rate}/s");
        // An SQS event source's MaximumConcurrency is 2 to 1000 (CloudFormation's ScalingConfig).
        assert!((2..=1000).contains(&concurrency) && (2..=1000).contains(&notice_concurrency), "{rate}/s");
        assert!((1..=10).contains(&batch) && (1..=10).contains(&notice_batch), "batches for {rate}/s");
        assert_eq!(window, u32::from(rate >= 50), "batching window for {rate}/s");
        // What the worker computes from the variables the template passes it.
        let vars = [
            ("RESET_PAGE_URL", "https://auth.example.com/reset-password".to_owned()),
            ("SIGNING_KEY_SECRET_ID", "k".to_owned()),
            ("HASHING_KEY_SECRET_ID", "h".to_owned()),
            ("SENDER_EMAIL", "s@example.com".to_owned()),
            ("SES_MAX_SEND_RATE", rate.to_string()),
            ("MAIL_WORKER_CONCURRENCY", concurrency.to_string()),
            // Not set by the template (the environment's 4 KB): the worker's default must match.
        ];
        let config = Config::from_vars(&vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).unwrap();
        let links = f64::from(concurrency) / config.link_send_interval.as_secs_f64();
        assert_eq!(notice_concurrency, 2, "{rate}/s: the notices' workers, as the worker assumes without NOTICE_WORKER_CONCURRENCY");
        let notices = f64::from(notice_concurrency) / config.notice_send_interval.as_secs_f64();
        // Both queues' workers together: never above the account's rate, and not far below it.
        assert!(links + notices <= f64::from(rate) && links + notices > f64::from(rate) * 0.999_999, "{rate}/s: {links} + {notices} mails/s");
        assert!(notices > 0.0 && links >= notices * 9.0 * 0.999_999, "{rate}/s: notices get a tenth ({notices} of {rate})");
        // Where the link workers' own paces could put more than the rate in one second (each
        // up to ceil(1 s / interval) mails in it), they share their slots, 1 / R s apart: at 1 a
        // second only (two workers, one mail each), and there without fail.
        let own_most = concurrency * (1.0 / config.link_send_interval.as_secs_f64()).ceil() as u32;
        let expected_gap = (own_most > rate).then(|| std::time::Duration::from_nanos(1_000_000_000u64.div_ceil(u64::from(rate))));
        assert_eq!(config.shared_send_gap, expected_gap, "{rate}/s: {own_most} mails in a second from the workers' own paces");
        assert_eq!(config.shared_send_gap.is_some(), rate == 1, "{rate}/s");
        // A batch's pacing (its slots' intervals and, where slots are shared, one shared wait:
        // at most SHARED_WAIT_GAPS gaps, never more than an interval) fits the timeout with 5 s
        // to spare for the last mail's calls (an SDK call gives up within 4 s).
        for (what, interval, size) in [("links", config.link_send_interval, batch), ("notices", config.notice_send_interval, notice_batch)] {
            let shared_wait = config.shared_send_gap.map_or(std::time::Duration::ZERO, |gap| interval.min(gap * reset_core::SHARED_WAIT_GAPS));
            let pacing = interval * size + shared_wait;
            assert!(pacing.as_secs_f64() <= f64::from(timeout) - 5.0, "a batch of {what} at {rate}/s paces for {pacing:?}");
        }
    }
}

/// Two queues, one worker: each queue encrypted and redriven to the one dead-letter queue (which
/// alarms), each fed to the mail worker's alias by its own event source with partial batch
/// responses and its own concurrency from the mapping, and the worker allowed to consume both.
#[test]
fn links_and_notices_have_their_own_queues_and_event_sources_into_one_worker() {
    let template = read("template.yaml");
    for queue in ["MailQueue", "NoticeQueue"] {
        let block = resource_block(&template, queue);
        for line in [
            "Type: AWS::SQS::Queue",
            "SqsManagedSseEnabled: true",
            "deadLetterTargetArn: !GetAtt MailDeadLetterQueue.Arn",
            "maxReceiveCount: !Ref MailMaxReceives",
        ] {
            assert!(block.lines().any(|l| l.trim() == line), "{queue}: {line}");
        }
    }
    for (mapping, queue, concurrency, batch) in
        [("MailWorkerEvents", "MailQueue", "Concurrency", "BatchSize"), ("MailWorkerNoticeEvents", "NoticeQueue", "NoticeConcurrency", "NoticeBatchSize")]
    {
        let block = resource_block(&template, mapping);
        for line in [
            "Type: AWS::Lambda::EventSourceMapping".to_owned(),
            format!("EventSourceArn: !GetAtt {queue}.Arn"),
            "FunctionName: !Ref MailWorkerFunction.Alias".to_owned(),
            "FunctionResponseTypes: [ReportBatchItemFailures]".to_owned(),
            format!("BatchSize: !FindInMap [SendRate, !Ref SesMaxSendRate, {batch}]"),
            format!("MaximumConcurrency: !FindInMap [SendRate, !Ref SesMaxSendRate, {concurrency}]"),
        ] {
            assert!(block.lines().any(|l| l.trim() == line), "{mapping}: {line}");
        }
    }
    let worker = resource_block(&template, "MailWorkerFunction");
    assert!(worker.contains("Sid: ConsumeMailQueues") && worker.contains("- !GetAtt MailQueue.Arn\n                - !GetAtt NoticeQueue.Arn"), "{worker}");
    for variable in ["MAIL_QUEUE_URL: !Ref MailQueue", "NOTICE_QUEUE_URL: !Ref NoticeQueue"] {
        assert!(worker.contains(variable), "the worker is told of both queues: {variable}");
    }
    // The one dead-letter queue's alarm covers both queues; each queue's age is watched.
    assert!(alarmed(&template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", Some("MailDeadLetterQueue.QueueName")));
    for queue in ["MailQueue", "NoticeQueue"] {
        assert!(alarmed(&template, "AWS/SQS", "ApproximateAgeOfOldestMessage", Some(&format!("{queue}.QueueName"))), "{queue}'s age");
    }
}

/// A delivery owns its job for `JOB_LEASE_SECS`; Lambda ends an invocation at the worker's timeout.
/// Finishing and releasing a job check its state, not which attempt holds it, so an attempt that
/// outlived its lease could hand a successor's live claim back for a third to send again: only
/// the timeout being shorter than the lease rules that out.
#[test]
fn the_mail_worker_is_stopped_before_its_lease_on_a_job_runs_out() {
    let template = read("template.yaml");
    let timeout: u64 = value_of(&template, "  MailWorkerFunction:", "Timeout").parse().unwrap();
    assert!(
        timeout < reset_core::use_cases::deliver_mail::JOB_LEASE_SECS,
        "timeout {timeout} s, lease {} s",
        reset_core::use_cases::deliver_mail::JOB_LEASE_SECS
    );
}

/// The top-level resource `name`'s block of template.yaml.
fn resource_block<'t>(template: &'t str, name: &str) -> &'t str {
    let start = template.find(&format!("\n  {name}:\n")).unwrap_or_else(|| panic!("{name} in template.yaml")) + 1;
    let rest = &template[start..];
    let end = rest[1..]
        .lines()
        .scan(1, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, line)| line.starts_with("  ") && !line[2..].starts_with(' ') && !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map_or(rest.len(), |(at, _)| at);
    &rest[..end]
}

/// Every IAM action a block grants (single actions and lists).
fn actions(block: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_list = false;
    for line in block.lines() {
        let trimmed = line.trim();
        if let Some(value) = trimmed.strip_prefix("Action:") {
            in_list = value.trim().is_empty();
            if !in_list {
                found.push(value.trim().to_owned());
            }
        } else if in_list && trimmed.starts_with("- ") {
            found.push(trimmed.trim_start_matches("- ").to_owned());
        } else {
            in_list = false;
        }
    }
    found.sort();
    found
}

/// Least privilege, function by function: exactly the calls its code makes. request-reset reads
/// no user and sends no mail; only the mail worker reaches SES.
#[test]
fn each_function_may_do_exactly_what_its_code_does() {
    let template = read("template.yaml");
    let expected: &[(&str, &[&str])] = &[
        // DescribeSecret: behind the edge only, on the origin-verify secret (its versions' labels).
        ("RequestResetFunction", &["dynamodb:UpdateItem", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "sqs:SendMessage"]),
        (
            "ResetPasswordFunction",
            &[
                "dynamodb:GetItem",
                // The links the mail worker noted for a code's address (the service's table).
                "dynamodb:GetItem",
                // The Password Changed and Password Change Disputed events, in the user update's transaction.
                "dynamodb:PutItem",
                // A code's address looked up, as the mail worker does.
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:UpdateItem",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "sqs:SendMessage",
            ],
        ),
        (
            "MailWorkerFunction",
            &[
                // Only the user's language, only when the table keeps one (`HasUserLocale`).
                "dynamodb:GetItem",
                // The Reset Link Sent event, in the ledger update's transaction.
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "secretsmanager:GetSecretValue",
                "ses:SendEmail",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
        ),
        // The stream's reads Lambda's event source mapping makes with the function's role, the
        // mapping's dead letters, and the bus.
        (
            "EventPublisherFunction",
            &["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "events:PutEvents", "sqs:SendMessage"],
        ),
        // The account by id, a forced reset's write with its Reset Forced (the event's PutItem in
        // the user update's transaction), the hashing keys (the job's MAC), the operator's job.
        ("AdminApiFunction", &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "secretsmanager:GetSecretValue", "sqs:SendMessage"]),
    ];
    for (function, granted) in expected {
        assert_eq!(actions(resource_block(&template, function)), *granted, "{function}");
    }
    let functions: Vec<String> =
        resources_of(&template, "AWS::Serverless::Function").iter().map(|b| b.lines().next().unwrap().trim().trim_end_matches(':').to_owned()).collect();
    assert_eq!(functions.len(), expected.len(), "every function's grants are listed here: {functions:?}");
    let worker = resource_block(&template, "MailWorkerFunction");
    assert!(worker.contains(":configuration-set/${Set}") && worker.contains("!Ref MailConfigurationSet"), "SES is granted on the configuration set too");
}

/// Each function's policy statements, as CloudFormation reads the template, with every `Fn::If`
/// taken both ways (its branches listed side by side).
fn statements_of(function: &str) -> Vec<serde_json::Value> {
    let parsed = reset_local::template::template();
    let mut found = Vec::new();
    for policy in parsed["Resources"][function]["Properties"]["Policies"].as_array().into_iter().flatten() {
        for statement in policy["Statement"].as_array().into_iter().flatten() {
            match statement.get("Fn::If") {
                Some(branches) => found.extend(branches.as_array().unwrap()[1..].iter().filter(|b| b.is_object() && b.get("Ref").is_none()).cloned()),
                None => found.push(statement.clone()),
            }
        }
    }
    found
}

fn listed_actions(statement: &serde_json::Value) -> Vec<String> {
    match &statement["Action"] {
        serde_json::Value::Array(items) => items.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
        one => vec![one.as_str().unwrap().to_owned()],
    }
}

/// The outbox table's ARN as the writers' grants and the table's own policy name it: from the
/// table's fixed name, since the table's policy names the writers' roles and so cannot be named by
/// them through `!GetAtt` (a dependency cycle).
fn outbox_arn() -> serde_json::Value {
    serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${AWS::StackName}-event-outbox"})
}

/// Whether a statement's resource is the outbox (the table, by either form, or its streams).
fn on_the_outbox(statement: &serde_json::Value) -> bool {
    let resource = statement["Resource"].to_string();
    resource.contains("EventOutboxTable") || statement["Resource"] == outbox_arn()
}

/// Every function the template can create (the admin function only with AdminCallerArns).
const FUNCTIONS: &[&str] = &["RequestResetFunction", "ResetPasswordFunction", "MailWorkerFunction", "EventPublisherFunction", "AdminApiFunction"];

/// The functions whose changes make events: reset-password (Password Changed, Password Change
/// Disputed), the mail worker (Reset Link Sent, Invitation Sent) and, with AdminCallerArns, the
/// admin function (Reset Forced).
const EVENT_WRITERS: &[&str] = &["ResetPasswordFunction", "MailWorkerFunction", "AdminApiFunction"];

/// The outbox holds what the application will hear, so only the functions whose changes make
/// events may write it, each only `PutItem` on the table (a transaction's put is authorized as a
/// `PutItem`), and each is told the table; request-reset is neither granted nor told it; the
/// publisher only reads the table's streams. No function may do anything with DynamoDB on every
/// resource. The grants name the table by the ARN of its fixed name.
#[test]
fn only_the_functions_that_make_events_may_write_them() {
    let parsed = reset_local::template::template();
    let functions: Vec<&String> =
        parsed["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function").map(|(id, _)| id).collect();
    assert_eq!(functions.len(), 5, "{functions:?}");
    assert_eq!(
        parsed["Resources"]["EventOutboxTable"]["Properties"]["TableName"],
        serde_json::json!({"Fn::Sub": "${AWS::StackName}-event-outbox"}),
        "the name the grants' ARN is built from"
    );
    let table_arn = outbox_arn();
    for function in functions {
        let on_outbox: Vec<serde_json::Value> = statements_of(function).into_iter().filter(on_the_outbox).collect();
        let writer = EVENT_WRITERS.contains(&function.as_str());
        match function.as_str() {
            "ResetPasswordFunction" | "MailWorkerFunction" | "AdminApiFunction" => {
                assert_eq!(on_outbox.len(), 1, "{function}: {on_outbox:?}");
                assert_eq!((listed_actions(&on_outbox[0]), &on_outbox[0]["Resource"]), (vec!["dynamodb:PutItem".to_owned()], &table_arn), "{function}");
                assert_eq!(on_outbox[0]["Effect"], "Allow");
            }
            "EventPublisherFunction" => {
                assert_eq!(on_outbox.len(), 1, "{function}: {on_outbox:?}");
                assert_eq!(on_outbox[0]["Resource"], serde_json::json!({"Fn::Sub": "${EventOutboxTable.Arn}/stream/*"}), "the table's streams only");
                for action in listed_actions(&on_outbox[0]) {
                    assert!(
                        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"].contains(&action.as_str()),
                        "{action}"
                    );
                }
            }
            _ => assert!(on_outbox.is_empty(), "{function} may touch the outbox: {on_outbox:?}"),
        }
        let told = &parsed["Resources"][function]["Properties"]["Environment"]["Variables"]["EVENT_OUTBOX_TABLE"];
        assert_eq!(told == &serde_json::json!({"Ref": "EventOutboxTable"}), writer, "{function} is told the outbox: {told}");
        for statement in statements_of(function) {
            let everywhere = statement["Resource"] == "*" || statement["Resource"].as_array().is_some_and(|r| r.iter().any(|x| x == "*"));
            let dynamodb = listed_actions(&statement).iter().any(|a| a.starts_with("dynamodb:"));
            assert!(!(everywhere && dynamodb), "{function}: DynamoDB on every resource: {statement}");
        }
    }
    assert!(parsed["Globals"]["Function"]["Environment"]["Variables"].get("EVENT_OUTBOX_TABLE").is_none(), "Globals would tell request-reset");
}

/// Every way to write an item into a DynamoDB table (a transaction's items are authorized as
/// these, item by item).
const OUTBOX_WRITES: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
];
const OUTBOX_POLICY_CHANGES: &[&str] = &["dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"];

/// Whom the outbox table's own policy, with `conditions` true, lets do `action`: `None` when no
/// statement refuses it to anyone, else the principals (a role resource's or a parameter's name)
/// the statements that refuse it to everyone exempt. Each such statement must refuse to everyone
/// (`Principal: "*"`) on the table, on no condition but `aws:PrincipalArn`.
fn outbox_exempt(template: &serde_json::Value, action: &str, conditions: &[&str]) -> Option<Vec<String>> {
    let policy = resolved(&template["Resources"]["EventOutboxTable"]["Properties"]["ResourcePolicy"]["PolicyDocument"], conditions);
    let denies: Vec<&serde_json::Value> = policy["Statement"]
        .as_array()
        .expect("the outbox has a resource policy")
        .iter()
        .filter(|s| s["Effect"] == "Deny" && listed(&s["Action"]).iter().any(|a| a == action))
        .collect();
    if denies.is_empty() {
        return None;
    }
    let mut exempt: Option<Vec<String>> = None;
    for deny in denies {
        assert_eq!(deny["Principal"], "*", "{action}: a deny for everyone, with exceptions");
        assert_eq!(deny["Resource"], outbox_arn(), "{action}: on the outbox itself");
        assert_eq!(
            deny["Condition"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["ArnNotEquals"],
            "{action}: no other condition that would narrow the deny: {deny}"
        );
        assert_eq!(deny["Condition"]["ArnNotEquals"].as_object().unwrap().keys().collect::<Vec<_>>(), ["aws:PrincipalArn"]);
        let mut names = principal_names(&deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]);
        names.sort();
        // Two denies of one action exempt only whom both exempt.
        exempt = Some(match exempt {
            None => names,
            Some(before) => before.into_iter().filter(|n| names.contains(n)).collect(),
        });
    }
    exempt
}

/// Finding 1 of the events' review: an item in the outbox becomes an event on the bus under the
/// service's own `source` (and the webhook forwards it with its key), so the outbox's own resource
/// policy refuses every write (every item operation, PartiQL's too) to every principal but the
/// functions whose changes make events, reset-password's, the mail worker's and (with
/// AdminCallerArns) the admin function's roles (exactly those granted `PutItem` on it), and
/// `OperatorRoleArn` when set, whatever identity policies in the account allow. Changing that policy is refused, with `DeployerRoleArns`, to all but those
/// and the operator; without it there is no such deny, as for the key secrets (CloudFormation
/// puts the policy as the deploying identity, which it would otherwise lock out), while the item
/// writes stay refused (CloudFormation writes no item).
#[test]
fn the_outbox_refuses_writes_to_all_but_the_functions_that_make_events() {
    let template = reset_local::template::template();
    let writers = |conditions: &[&str]| -> Vec<String> {
        let mut roles: Vec<String> = FUNCTIONS
            .iter()
            // The admin function exists only with AdminCallerArns.
            .filter(|function| **function != "AdminApiFunction" || conditions.contains(&"HasAdminApi"))
            .filter(|function| {
                let policies = resolved(&template["Resources"][*function]["Properties"]["Policies"], conditions);
                policies.as_array().unwrap().iter().flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default()).any(|s| {
                    s["Effect"] == "Allow" && s["Resource"] == outbox_arn() && listed(&s["Action"]).iter().any(|a| OUTBOX_WRITES.contains(&a.as_str()))
                })
            })
            .map(|function| format!("{function}Role"))
            .collect();
        roles.sort();
        roles
    };
    let all = ["HasOperatorRole", "HasDeployerRoles", "HasAdminApi"];
    assert_eq!(writers(&all), ["AdminApiFunctionRole", "MailWorkerFunctionRole", "ResetPasswordFunctionRole"], "the functions granted a write on the outbox");
    assert_eq!(writers(&[]), ["MailWorkerFunctionRole", "ResetPasswordFunctionRole"], "without the admin API");
    let variants: [&[&str]; 6] =
        [&all, &["HasOperatorRole", "HasDeployerRoles"], &["HasOperatorRole"], &["HasDeployerRoles", "HasAdminApi"], &["HasAdminApi"], &[]];
    for conditions in variants {
        let mut expected = writers(conditions);
        if conditions.contains(&"HasOperatorRole") {
            expected.push("OperatorRoleArn".to_owned());
            expected.sort();
        }
        for action in OUTBOX_WRITES {
            assert_eq!(outbox_exempt(template, action, conditions), Some(expected.clone()), "{action} with {conditions:?}: who may write the outbox");
        }
        for action in OUTBOX_POLICY_CHANGES {
            let exempt = outbox_exempt(template, action, conditions);
            if conditions.contains(&"HasDeployerRoles") {
                let mut expected = vec!["DeployerRoleArns".to_owned()];
                if conditions.contains(&"HasOperatorRole") {
                    expected.push("OperatorRoleArn".to_owned());
                }
                assert_eq!(exempt, Some(expected), "{action} with {conditions:?}: who may change the outbox's policy");
            } else {
                assert_eq!(exempt, None, "{action} refused without DeployerRoleArns: the next update would lock itself out");
            }
        }
    }
    // No function is granted a change of the table's policy.
    for function in FUNCTIONS {
        for statement in statements_of(function) {
            for action in listed_actions(&statement) {
                assert!(!OUTBOX_POLICY_CHANGES.contains(&action.as_str()) && action != "dynamodb:*", "{function}: {action}");
            }
        }
    }
}

/// Finding 1, the bus: on the bus the stack creates (and only then: another bus's policy is its
/// owner's), the bus's policy refuses `events:PutEvents` of an event with the service's `source`
/// to every principal but the publisher's role (and `OperatorRoleArn` when set, for the runbook's
/// republishing), whatever identity policies allow; and it refuses nothing else (other sources on
/// the bus are other applications'). A policy resource of its own, as the key secrets' are: the
/// publisher's role names the bus, so the bus's own `Policy` could not name the role.
#[test]
fn only_the_publisher_may_put_the_services_events_on_the_stacks_own_bus() {
    let template = reset_local::template::template();
    let resources = template["Resources"].as_object().unwrap();
    let policies: Vec<(&String, &serde_json::Value)> = resources.iter().filter(|(_, r)| r["Type"] == "AWS::Events::EventBusPolicy").collect();
    assert_eq!(policies.len(), 1, "one policy on the stack's bus: {policies:?}");
    let (name, policy) = policies[0];
    assert_eq!(resources["EventBus"]["Condition"], "CreateEventBus");
    assert_eq!(policy["Condition"], "CreateEventBus", "{name} exists exactly when the stack creates the bus");
    assert_eq!(template["Conditions"]["CreateEventBus"], serde_json::json!({"Fn::Equals": [{"Ref": "EventBusName"}, ""]}));
    assert!(resources["EventBus"]["Properties"].get("Policy").is_none(), "one place for the bus's policy");
    let p = &policy["Properties"];
    assert_eq!(p["EventBusName"], serde_json::json!({"Ref": "EventBus"}), "on the stack's own bus");
    for (conditions, expected) in
        [(&["HasOperatorRole"][..], vec!["EventPublisherFunctionRole", "OperatorRoleArn"]), (&[][..], vec!["EventPublisherFunctionRole"])]
    {
        let statement = resolved(&p["Statement"], conditions);
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Principal"], "*", "refused to every principal, with exceptions");
        assert_eq!(listed(&statement["Action"]), ["events:PutEvents"]);
        assert_eq!(statement["Resource"], serde_json::json!({"Fn::GetAtt": ["EventBus", "Arn"]}));
        let mut keys: Vec<&String> = statement["Condition"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["ArnNotEquals", "StringEquals"], "no other condition that would narrow the deny: {statement}");
        assert_eq!(statement["Condition"]["StringEquals"], serde_json::json!({"events:source": {"Ref": "EventSource"}}), "the service's source only");
        assert_eq!(statement["Condition"]["ArnNotEquals"].as_object().unwrap().keys().collect::<Vec<_>>(), ["aws:PrincipalArn"]);
        assert_eq!(principal_names(&statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]), expected, "{conditions:?}: who may put the service's events");
    }
    // The exempt role is the one that holds the PutEvents grant.
    let put = statements_of("EventPublisherFunction").into_iter().filter(|s| listed_actions(s).iter().any(|a| a.starts_with("events:"))).count();
    assert_eq!(put, 1);
    for function in FUNCTIONS.iter().filter(|f| **f != "EventPublisherFunction") {
        assert!(statements_of(function).iter().all(|s| listed_actions(s).iter().all(|a| !a.starts_with("events:"))), "{function} may put events");
    }
}

/// Whether a Lambda event filter pattern admits `record`: each key's value among the listed
/// ones, nested objects alike. Only the forms this template uses (exact values) are read.
fn filter_admits(pattern: &serde_json::Value, record: &serde_json::Value) -> bool {
    pattern.as_object().unwrap().iter().all(|(key, wanted)| match wanted {
        serde_json::Value::Array(values) => {
            assert!(values.iter().all(|v| v.is_string() || v.is_number()), "a filter form this test cannot read: {wanted}");
            values.contains(&record[key])
        }
        serde_json::Value::Object(_) => filter_admits(wanted, &record[key]),
        other => panic!("not a filter pattern: {other}"),
    })
}

/// The publisher hears each new outbox item, from the oldest kept: its mapping reads the outbox's
/// stream (new images, which is all it reads) from TRIM_HORIZON and lets only INSERT records
/// through (a TTL deletion is a REMOVE record, which must not publish the event again); a record
/// the bus refused comes back (partial batch response, a failing batch split) until it is nearly
/// as old as the stream keeps records (24 hours), then the batch's description goes to the events'
/// dead-letter queue while the records can still be read, and the outbox keeps the items (their
/// `expires_at`, set by the code) longer than the stream and no longer than that queue keeps the
/// description. It is a mapping of its own, not a SAM event (which would attach
/// AWSLambdaDynamoDBExecutionRole: stream reads on every table).
#[test]
fn the_publisher_hears_each_new_outbox_item_and_retries_until_the_stream_would_forget_it() {
    let parsed = reset_local::template::template();
    let r = &parsed["Resources"];
    let mappings: Vec<&serde_json::Value> = r
        .as_object()
        .unwrap()
        .values()
        .filter(|m| m["Type"] == "AWS::Lambda::EventSourceMapping" && m["Properties"]["EventSourceArn"].to_string().contains("EventOutboxTable"))
        .collect();
    assert_eq!(mappings.len(), 1, "one mapping on the outbox's stream");
    let m = &mappings[0]["Properties"];
    assert_eq!(m["EventSourceArn"], serde_json::json!({"Fn::GetAtt": ["EventOutboxTable", "StreamArn"]}));
    assert_eq!(m["FunctionName"], serde_json::json!({"Ref": "EventPublisherFunction.Alias"}), "the alias `live`, as the other functions' event sources");
    assert_eq!(m["StartingPosition"], "TRIM_HORIZON", "from the oldest record the stream keeps, not only those after the mapping starts");
    assert_eq!(m["FunctionResponseTypes"], serde_json::json!(["ReportBatchItemFailures"]));
    assert_eq!(m["BisectBatchOnFunctionError"], serde_json::json!(true));
    assert!(m["BatchSize"].as_u64().is_some_and(|b| (1..=10).contains(&b)), "at most PutEvents' 10 entries a call: {}", m["BatchSize"]);
    assert!(m.get("ParallelizationFactor").is_none_or(|f| f == 1), "one batch per shard at a time keeps each shard's order");

    let filters = m["FilterCriteria"]["Filters"].as_array().unwrap();
    assert_eq!(filters.len(), 1);
    let pattern: serde_json::Value = serde_json::from_str(filters[0]["Pattern"].as_str().unwrap()).expect("the filter is JSON");
    let record = |name: &str| {
        let mut record = serde_json::json!({"eventID": "1", "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": {"Keys": {"event_id": {"S": "e1"}}}});
        if name == "REMOVE" {
            // What a TTL deletion looks like on the stream.
            record["userIdentity"] = serde_json::json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
        }
        record
    };
    assert!(filter_admits(&pattern, &record("INSERT")), "a new outbox item must reach the publisher: {pattern}");
    for other in ["MODIFY", "REMOVE"] {
        assert!(!filter_admits(&pattern, &record(other)), "a {other} record would publish an event again: {pattern}");
    }

    // Retries: until the record's age, never by count; that age below the stream's 24 hours
    // (so the records can still be read when the alarm fires), and within an hour of it.
    const STREAM_KEEPS: i64 = 86_400;
    assert_eq!(m["MaximumRetryAttempts"], serde_json::json!(-1), "retried until its age, not a number of times");
    let age = m["MaximumRecordAgeInSeconds"].as_i64().unwrap();
    assert!((STREAM_KEEPS - 3_600..STREAM_KEEPS).contains(&age), "MaximumRecordAgeInSeconds {age}");
    assert_eq!(m["DestinationConfig"]["OnFailure"]["Destination"], serde_json::json!({"Fn::GetAtt": ["EventDeadLetterQueue", "Arn"]}));
    let dead_letters_kept = r["EventDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"].as_u64().unwrap();

    let table = &r["EventOutboxTable"]["Properties"];
    assert_eq!(table["KeySchema"], serde_json::json!([{"AttributeName": "event_id", "KeyType": "HASH"}]));
    assert_eq!(table["StreamSpecification"]["StreamViewType"], "NEW_IMAGE", "the publisher reads the new image");
    assert_eq!(table["TimeToLiveSpecification"], serde_json::json!({"AttributeName": "expires_at", "Enabled": true}));
    assert_eq!(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], serde_json::json!(true), "an unpublished event exists nowhere else");
    assert_eq!(table["SSESpecification"]["SSEEnabled"], serde_json::json!(true));
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    let keep = reset_core::domain::events::OUTBOX_KEEP_SECS;
    assert!(
        keep > STREAM_KEEPS as u64 && keep <= dead_letters_kept,
        "the outbox keeps items {keep} s: longer than the stream, no longer than the dead letter that points at them"
    );

    let publisher = &r["EventPublisherFunction"];
    assert!(publisher["Properties"].get("Events").is_none(), "a SAM DynamoDB event attaches AWSLambdaDynamoDBExecutionRole (Resource \"*\")");
    let put = statements_of("EventPublisherFunction").into_iter().find(|s| listed_actions(s) == ["events:PutEvents"]).expect("a PutEvents grant");
    assert_eq!(put["Resource"]["Fn::If"][0], "CreateEventBus");
    assert_eq!(put["Resource"]["Fn::If"][1], serde_json::json!({"Fn::GetAtt": ["EventBus", "Arn"]}), "the stack's own bus");
    assert!(put["Resource"]["Fn::If"][2]["Fn::Sub"].as_str().unwrap().ends_with(":event-bus/${EventBusName}"), "or the one named: {put}");
    // Only as its own source, and only the service's own kinds (`events:detail-type`: each of
    // the code's kinds, nothing else).
    let kinds: Vec<&str> = reset_core::domain::events::EventKind::ALL.iter().map(|k| k.detail_type()).collect();
    assert_eq!(
        put["Condition"],
        serde_json::json!({"StringEquals": {"events:source": {"Ref": "EventSource"}, "events:detail-type": kinds}}),
        "only as its own source, only its own kinds"
    );
    let vars = &publisher["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["EVENT_BUS_NAME"], serde_json::json!({"Fn::If": ["CreateEventBus", {"Ref": "EventBus"}, {"Ref": "EventBusName"}]}));
    assert_eq!(vars["EVENT_SOURCE"], serde_json::json!({"Ref": "EventSource"}));
    let dead_letters = statements_of("EventPublisherFunction").into_iter().find(|s| listed_actions(s) == ["sqs:SendMessage"]).expect("the dead letters' grant");
    assert_eq!(dead_letters["Resource"], serde_json::json!({"Fn::GetAtt": ["EventDeadLetterQueue", "Arn"]}), "the mapping's destination, nothing else");
}

/// The mail worker links a password-changed notice's "this wasn't me" to this API's own
/// /secure-account page, built exactly as RESET_PAGE_URL's own-page branch builds /reset-password
/// (the custom domain, CloudFront's or the HTTP API's address), never from ResetPageUrl (the
/// application's page, which has no such route); reset-password, which serves the page, is told
/// the status a dispute writes.
#[test]
fn the_dispute_link_goes_to_this_apis_own_page() {
    let parsed = reset_local::template::template();
    let own_reset_page = &parsed["Globals"]["Function"]["Environment"]["Variables"]["RESET_PAGE_URL"]["Fn::If"][1];
    assert_eq!(parsed["Globals"]["Function"]["Environment"]["Variables"]["RESET_PAGE_URL"]["Fn::If"][0], "UseOwnResetPage");
    let expected: serde_json::Value = serde_json::from_str(&own_reset_page.to_string().replace("/reset-password\"", &format!("{DISPUTE_PATH}\""))).unwrap();
    assert_ne!(&expected, own_reset_page);
    let worker = &parsed["Resources"]["MailWorkerFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(worker["DISPUTE_PAGE_URL"], expected);
    assert!(!worker["DISPUTE_PAGE_URL"].to_string().contains("ResetPageUrl"));
    assert_eq!(worker["DISPUTE_TOKEN_TTL_SECONDS"], serde_json::json!({"Ref": "DisputeTokenTtlSeconds"}));
    let confirm = &parsed["Resources"]["ResetPasswordFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(confirm["DISPUTE_LOCK_STATUS"], serde_json::json!({"Ref": "DisputeLockStatus"}));
    for (function, r) in parsed["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function") {
        let vars = &r["Properties"]["Environment"]["Variables"];
        assert_eq!(vars.get("DISPUTE_PAGE_URL").is_some() || vars.get("DISPUTE_TOKEN_TTL_SECONDS").is_some(), function == "MailWorkerFunction", "{function}");
        assert_eq!(vars.get("DISPUTE_LOCK_STATUS").is_some(), function == "ResetPasswordFunction", "{function}");
    }
}

/// Whether an alarm watches `metric` in `namespace` (with `dimension` among its lines, if given)
/// and notifies the alarm topic.
fn alarmed(template: &str, namespace: &str, metric: &str, dimension: Option<&str>) -> bool {
    // (Metric-math alarms name theirs inside `Metrics:`; those are read in tests/api/deploy.rs.)
    let field = |block: &str, key: &str| block.lines().find(|l| l.trim_start().starts_with(key)).map(|l| l.split_once(':').unwrap().1.trim().to_owned());
    resources_of(template, "AWS::CloudWatch::Alarm").iter().any(|alarm| {
        field(alarm, "Namespace:").as_deref() == Some(namespace)
            && field(alarm, "MetricName:").as_deref() == Some(metric)
            && dimension.is_none_or(|d| alarm.contains(d))
            && alarm.contains("AlarmActions: [!Ref AlarmTopic]")
    })
}

/// Every metric the code logs (through its metric filter) has an alarm, and so do the functions'
/// errors and throttles, the API's 5xx and latency, DynamoDB throttles, the dead-letter queue and
/// SES's bounce and complaint rates. The alarm topic is encrypted with a key CloudWatch may use.
#[test]
fn what_must_page_someone_has_an_alarm() {
    let template = read("template.yaml");
    let filters = resources_of(&template, "AWS::Logs::MetricFilter");
    assert!(filters.len() >= 8, "{} metric filters", filters.len());
    for filter in &filters {
        let metric = field(filter, "MetricName:");
        assert!(alarmed(&template, "PasswordReset", metric, None), "no alarm on the code's metric {metric}");
    }
    for function in FUNCTIONS {
        for metric in ["Errors", "Throttles"] {
            assert!(alarmed(&template, "AWS/Lambda", metric, Some(&format!("Value: !Ref {function}"))), "no {metric} alarm for {function}");
        }
        // The error alarm also rolls a deploy back.
        let block = resource_block(&template, function);
        assert!(block.contains("DeploymentPreference:") && block.contains("ErrorsAlarm]"), "{function} deploys gradually with its alarm");
    }
    // The API's 5xx share and latency (metric math over the HTTP or the REST API's metrics).
    for metric in ["5xx", "5XXError", "Latency"] {
        let watched = resources_of(&template, "AWS::CloudWatch::Alarm")
            .iter()
            .any(|a| a.contains(&format!("MetricName: {metric}\n")) && a.contains("AlarmActions: [!Ref AlarmTopic]"));
        assert!(watched, "no API {metric} alarm");
    }
    assert!(alarmed(&template, "AWS/DynamoDB", "WriteThrottleEvents", Some("ExistingUsersTable")), "users table throttles");
    assert!(alarmed(&template, "AWS/DynamoDB", "WriteThrottleEvents", Some("Value: !Ref RateLimitTable")), "limits table throttles");
    assert!(alarmed(&template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", Some("MailDeadLetterQueue.QueueName")), "dead letters");
    for queue in ["EventDeadLetterQueue", "WebhookDeadLetterQueue"] {
        assert!(alarmed(&template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", Some(&format!("{queue}.QueueName"))), "{queue}");
    }
    // Events waiting in the stream: nothing else fires for the 23 hours before a batch is dead-lettered.
    assert!(alarmed(&template, "AWS/Lambda", "IteratorAge", Some("Value: !Ref EventPublisherFunction")), "the publisher's backlog");
    // One dispute is worth a look.
    let disputed =
        resources_of(&template, "AWS::CloudWatch::Alarm").into_iter().find(|a| a.contains("MetricName: AccountDisputed\n")).expect("an AccountDisputed alarm");
    assert_eq!((field(&disputed, "Threshold:"), field(&disputed, "ComparisonOperator:")), ("1", "GreaterThanOrEqualToThreshold"), "{disputed}");
    assert!(alarmed(&template, "AWS/SES", "Reputation.BounceRate", None) && alarmed(&template, "AWS/SES", "Reputation.ComplaintRate", None));
    let topic = resource_block(&template, "AlarmTopic");
    assert!(topic.contains("KmsMasterKeyId: !Ref AlarmTopicKey"), "{topic}");
    assert!(resource_block(&template, "AlarmTopicKey").contains("Service: cloudwatch.amazonaws.com"), "CloudWatch may use the topic's key");
    // REPORT lines (init, duration, memory) reach the logs, for the dashboard's cold-start query.
    assert!(!template.contains("SystemLogLevel: WARN"), "SystemLogLevel WARN drops Lambda's REPORT lines");
}

/// The access log holds nothing that could carry a token or a password: only `$context`
/// variables from a list that excludes the path, the query string, headers and bodies.
#[test]
fn the_access_log_cannot_hold_a_token() {
    const SAFE: &[&str] = &[
        "requestId",
        "requestTimeEpoch",
        "routeKey",
        "status",
        "responseLatency",
        "integrationLatency",
        "integrationErrorMessage",
        "identity.sourceIp",
        "protocol",
        "responseLength",
    ];
    let template = read("template.yaml");
    let format = field(resource_block(&template, "HttpApiStage"), "Format:").trim_matches('\'');
    let entries: serde_json::Map<String, serde_json::Value> = serde_json::from_str(format).expect("the access log format is JSON");
    for key in ["requestId", "routeKey", "status", "latencyMs", "integrationError", "sourceIp"] {
        assert!(entries.contains_key(key), "the access log lacks {key}");
    }
    for (key, value) in &entries {
        let value = value.as_str().unwrap_or_default();
        let variable = value.strip_prefix("$context.").unwrap_or_else(|| panic!("{key}: {value} is not a $context variable"));
        assert!(SAFE.contains(&variable), "{key}: $context.{variable} is not known to be free of tokens");
    }
    assert!(!format.contains("$request") && !format.contains("path") && !format.contains("header"), "{format}");
}

/// The key secrets are kept when the stack goes, like the users table (with deletion protection)
/// and the logs (who may read and write them: the test above).
#[test]
fn keys_and_users_are_guarded_and_kept() {
    let template = read("template.yaml");
    for resource in [
        "UsersTable",
        "SigningKeySecret",
        "HashingKeySecret",
        "RequestResetLogGroup",
        "ResetPasswordLogGroup",
        "MailWorkerLogGroup",
        "EventPublisherLogGroup",
        "ApiAccessLogGroup",
        "AdminApiLogGroup",
        "AdminApiAccessLogGroup",
    ] {
        let block = resource_block(&template, resource);
        assert!(block.contains("DeletionPolicy: RetainExceptOnCreate\n") && block.contains("UpdateReplacePolicy: Retain\n"), "{resource} is kept");
    }
    let users = resource_block(&template, "UsersTable");
    assert!(users.contains("DeletionProtectionEnabled: !If [ProtectUsersTable, true, false]"), "deletion protection, once asked for");
    assert!(users.contains("ProjectionType: INCLUDE") && !users.contains("ProjectionType: ALL"), "the index copies only what it needs");
}

/// The actions the key secrets' policies refuse to all but the deployers and the operator:
/// writing a value or moving its labels ("write") and changing who may do what ("policy").
const KEY_WRITES: &[&str] = &[
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:RestoreSecret",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RemoveRegionsFromReplication",
    "secretsmanager:StopReplicationToReplica",
];
const KEY_POLICY_CHANGES: &[&str] = &["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"];

/// `value` with every `Fn::If` resolved as if each condition in `true_conditions` held and every
/// other did not; an `AWS::NoValue` branch disappears from lists.
fn resolved(value: &serde_json::Value, true_conditions: &[&str]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("Fn::If") => {
            let args = map["Fn::If"].as_array().unwrap();
            let branch = if true_conditions.contains(&args[0].as_str().unwrap()) { &args[1] } else { &args[2] };
            resolved(branch, true_conditions)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolved(v, true_conditions))).collect()),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolved(v, true_conditions)).filter(|v| *v != serde_json::json!({"Ref": "AWS::NoValue"})).collect())
        }
        other => other.clone(),
    }
}

/// The names a principal list refers to: `!GetAtt Role.Arn` gives `Role`, `!Ref Parameter` gives
/// `Parameter`, and a `!Split` of a `!Sub` gives each parameter the string names.
fn principal_names(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter().flat_map(principal_names).collect(),
        Value::Object(map) if map.contains_key("Fn::GetAtt") => vec![map["Fn::GetAtt"][0].as_str().unwrap().to_owned()],
        Value::Object(map) if map.contains_key("Ref") => vec![map["Ref"].as_str().unwrap().to_owned()],
        Value::Object(map) if map.contains_key("Fn::Split") => principal_names(&map["Fn::Split"][1]),
        Value::Object(map) if map.contains_key("Fn::Sub") => {
            map["Fn::Sub"].as_str().unwrap().split("${").skip(1).map(|part| part.split('}').next().unwrap().to_owned()).collect()
        }
        other => panic!("a principal the test cannot read: {other}"),
    }
}

fn listed(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
        one => vec![one.as_str().unwrap().to_owned()],
    }
}

/// Whether `secret`'s resource policy refuses `action` to `principal` (a role resource's or a
/// parameter's name, or `Other` for anyone else).
fn refused(template: &serde_json::Value, secret: &str, principal: &str, action: &str, conditions: &[&str]) -> bool {
    let resources = template["Resources"].as_object().unwrap();
    let policies: Vec<&serde_json::Value> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::SecretsManager::ResourcePolicy" && r["Properties"]["SecretId"] == serde_json::json!({"Ref": secret}))
        .collect();
    assert_eq!(policies.len(), 1, "one resource policy on {secret}");
    let policy = resolved(&policies[0]["Properties"]["ResourcePolicy"], conditions);
    policy["Statement"].as_array().unwrap().iter().filter(|s| s["Effect"] == "Deny" && listed(&s["Action"]).iter().any(|a| a == action)).any(|s| {
        assert_eq!(s["Principal"], "*", "{secret}: a deny for everyone, with exceptions");
        let exempt = principal_names(&s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]);
        !exempt.iter().any(|e| e == principal)
    })
}

/// Whether a function role's own policies allow `action` on `secret`. The operator and the
/// deployers hold what their own identity policies give (outside this template): true.
fn granted(template: &serde_json::Value, principal: &str, action: &str, secret: &str, conditions: &[&str]) -> bool {
    let Some(function) = principal.strip_suffix("Role") else { return true };
    if principal == "Other" {
        return true;
    }
    let policies = resolved(&template["Resources"][function]["Properties"]["Policies"], conditions);
    policies.as_array().unwrap().iter().flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default()).any(|s| {
        let actions = listed(&s["Action"]);
        let resources = match &s["Resource"] {
            serde_json::Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        s["Effect"] == "Allow"
            && actions.iter().any(|a| a == action || a == "secretsmanager:*")
            && resources.iter().any(|r| *r == serde_json::json!({"Ref": secret}) || r == "*")
    })
}

/// The README's table of who may read, write and re-police each key secret is what the template
/// says: the functions' grants and each secret's resource policy, with `DeployerRoleArns` and
/// `OperatorRoleArn` set. Then: without `DeployerRoleArns` no write is refused (CloudFormation's
/// own identity could otherwise be locked out of the next update), and no function is ever
/// granted a write, whatever the parameters.
#[test]
fn who_may_do_what_with_each_key_secret_is_the_readme_s_table() {
    let template = reset_local::template::template();
    let readme = read("README.md");
    let header = "| principal | secret | read | write | policy |";
    let table: Vec<Vec<String>> = readme
        .lines()
        .skip_while(|l| *l != header)
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    assert!(table.len() >= 14, "the README's table: {table:?}");
    let backticked = |cell: &str| cell.split('`').nth(1).unwrap_or_else(|| panic!("no `name` in {cell:?}")).to_owned();
    let conditions = ["HasOperatorRole", "HasDeployerRoles", "HasAdminApi"];
    let may = |principal: &str, secret: &str, actions: &[&str]| {
        actions.iter().all(|a| granted(template, principal, a, secret, &conditions) && !refused(template, secret, principal, a, &conditions))
    };
    let mut rows = std::collections::BTreeSet::new();
    for row in &table {
        let (principal, secret) = (backticked(&row[0]), backticked(&row[1]));
        rows.insert((principal.clone(), secret.clone()));
        let computed =
            [may(&principal, &secret, &["secretsmanager:GetSecretValue"]), may(&principal, &secret, KEY_WRITES), may(&principal, &secret, KEY_POLICY_CHANGES)]
                .map(|yes| if yes { "yes" } else { "no" });
        assert_eq!(computed, [row[2].as_str(), row[3].as_str(), row[4].as_str()], "{principal} on {secret} (read, write, policy)");
    }
    // Every role and secret the template has is in the table.
    for principal in [
        "RequestResetFunctionRole",
        "ResetPasswordFunctionRole",
        "MailWorkerFunctionRole",
        "EventPublisherFunctionRole",
        "AdminApiFunctionRole",
        "OperatorRoleArn",
        "DeployerRoleArns",
        "Other",
    ] {
        for secret in ["SigningKeySecret", "HashingKeySecret"] {
            assert!(rows.contains(&(principal.to_owned(), secret.to_owned())), "{principal} on {secret} is not in the README's table");
        }
    }
    // Without DeployerRoleArns nothing refuses a write: the account's identity policies decide.
    for secret in ["SigningKeySecret", "HashingKeySecret"] {
        for action in KEY_WRITES.iter().chain(KEY_POLICY_CHANGES) {
            assert!(!refused(template, secret, "Other", action, &["HasOperatorRole"]), "{secret}: {action} refused without DeployerRoleArns");
            for function in FUNCTIONS.iter().map(|f| format!("{f}Role")) {
                assert!(
                    !granted(template, &function, action, secret, &["HasOperatorRole", "HasDeployerRoles", "UseEdge", "UseCustomerKey", "HasAdminApi"]),
                    "{function}: {action}"
                );
            }
        }
        // And without an operator, the deployers alone may write.
        assert!(!refused(template, secret, "DeployerRoleArns", "secretsmanager:PutSecretValue", &["HasDeployerRoles"]));
        assert!(refused(template, secret, "OperatorRoleArn", "secretsmanager:PutSecretValue", &["HasDeployerRoles"]));
    }
}

/// The deploying roles are role ARNs with their paths (what aws:PrincipalArn holds for a role's
/// session), comma-separated; the key write protection's state is an output.
#[test]
fn deployer_roles_are_validated_like_the_operator_role() {
    let template = reset_local::template::template();
    let parameter = &template["Parameters"]["DeployerRoleArns"];
    assert_eq!(parameter["Default"], "");
    let pattern = regex_lite_match(parameter["AllowedPattern"].as_str().unwrap());
    for good in ["", "arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/ci/deploy,arn:aws-us-gov:iam::123456789012:role/cfn"] {
        assert!(pattern(good), "{good:?} refused");
    }
    for bad in [
        "arn:aws:sts::123456789012:assumed-role/deploy/session",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b",
        "arn:aws:iam::123456789012:role/a,",
        "*",
    ] {
        assert!(!pattern(bad), "{bad:?} accepted");
    }
    assert!(template["Outputs"]["KeyWriteProtection"]["Value"]["Fn::If"][0] == "HasDeployerRoles");
}

/// The parameter's pattern through Python's `re.fullmatch` (CloudFormation's patterns are Java
/// regular expressions; this one uses nothing the two read differently).
fn regex_lite_match(pattern: &str) -> impl Fn(&str) -> bool + '_ {
    move |value: &str| {
        let out = Command::new(venv_tool("python"))
            .args(["-c", "import re,sys; sys.exit(0 if re.fullmatch(sys.argv[1], sys.argv[2]) else 1)", pattern, value])
            .output()
            .expect("python runs");
        out.status.success()
    }
}

/// Only the two HTTP functions' roles, the admin function's (an operator's job, with
/// AdminCallerArns) and the operator's (which a dead-letter redrive and the operator tool need) may
/// put a job on the mail queue, whatever identity policies in the account allow; the worker only
/// consumes it.
#[test]
fn only_the_http_and_admin_functions_may_queue_mail() {
    let template = read("template.yaml");
    let policy = resource_block(&template, "MailQueuePolicy");
    assert!(policy.contains("Type: AWS::SQS::QueuePolicy") && policy.contains("Queues: [!Ref MailQueue]"), "{policy}");
    for line in ["Effect: Deny", "Principal: \"*\"", "Action: sqs:SendMessage", "Resource: !GetAtt MailQueue.Arn", "ArnNotEquals:", "aws:PrincipalArn:"] {
        assert!(policy.lines().any(|l| l.trim() == line), "{line} in {policy}");
    }
    let senders: Vec<&str> = policy.lines().filter_map(|l| l.trim().strip_prefix("- ")).collect();
    assert_eq!(
        senders,
        [
            "Sid: OnlyTheHttpFunctionsQueueMail",
            "!GetAtt RequestResetFunctionRole.Arn",
            "!GetAtt ResetPasswordFunctionRole.Arn",
            "!If [HasAdminApi, !GetAtt AdminApiFunctionRole.Arn, !Ref AWS::NoValue]",
            "!If [HasOperatorRole, !Ref OperatorRoleArn, !Ref AWS::NoValue]"
        ]
    );
    let worker = resource_block(&template, "MailWorkerFunction");
    assert!(!worker.contains("sqs:SendMessage"), "the worker is not granted what the queue would refuse it");
    // The admin function queues on the links' queue only, and is told of it alone.
    let admin = statements_of("AdminApiFunction").into_iter().filter(|s| listed_actions(s).iter().any(|a| a.starts_with("sqs:"))).collect::<Vec<_>>();
    assert_eq!(admin.len(), 1, "{admin:?}");
    assert_eq!(
        (listed_actions(&admin[0]), &admin[0]["Resource"]),
        (vec!["sqs:SendMessage".to_owned()], &serde_json::json!({"Fn::GetAtt": ["MailQueue", "Arn"]}))
    );
    let block = resource_block(&template, "AdminApiFunction");
    assert!(block.contains("MAIL_QUEUE_URL: !Ref MailQueue") && !block.contains("NoticeQueue") && !block.contains("NOTICE_QUEUE_URL"), "{block}");
}

/// Only reset-password's role (and the operator's, for a redrive) may put a job on the notice
/// queue: request-reset, the function strangers reach most, cannot have a notice mailed whatever
/// an identity policy allows it, and is neither granted nor told of the queue.
#[test]
fn only_reset_password_may_queue_notices() {
    let template = read("template.yaml");
    let policy = resource_block(&template, "NoticeQueuePolicy");
    assert!(policy.contains("Type: AWS::SQS::QueuePolicy") && policy.contains("Queues: [!Ref NoticeQueue]"), "{policy}");
    for line in ["Effect: Deny", "Principal: \"*\"", "Action: sqs:SendMessage", "Resource: !GetAtt NoticeQueue.Arn", "ArnNotEquals:", "aws:PrincipalArn:"] {
        assert!(policy.lines().any(|l| l.trim() == line), "{line} in {policy}");
    }
    let senders: Vec<&str> = policy.lines().filter_map(|l| l.trim().strip_prefix("- ")).collect();
    assert_eq!(
        senders,
        ["Sid: OnlyResetPasswordQueuesNotices", "!GetAtt ResetPasswordFunctionRole.Arn", "!If [HasOperatorRole, !Ref OperatorRoleArn, !Ref AWS::NoValue]"]
    );
    let request = resource_block(&template, "RequestResetFunction");
    assert!(!request.contains("NoticeQueue") && !request.contains("NOTICE_QUEUE_URL"), "request-reset is neither granted nor told of the notice queue");
    let confirm = resource_block(&template, "ResetPasswordFunction");
    assert!(confirm.contains("NOTICE_QUEUE_URL: !Ref NoticeQueue") && !confirm.contains("MAIL_QUEUE_URL"), "reset-password is told of the notice queue only");
    let worker = resource_block(&template, "MailWorkerFunction");
    assert!(!worker.contains("sqs:SendMessage"), "the worker is not granted what the queues would refuse it");
    let parsed = reset_local::template::template();
    let globals = parsed["Globals"]["Function"]["Environment"]["Variables"].as_object().unwrap();
    assert!(!globals.keys().any(|k| k.contains("QUEUE_URL")), "no queue in Globals: each function is told only of its own");
}

/// What a proxy in front of moto saw: each users-table operation's name and body, in order.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;

/// `app`'s production wiring with its users table reached through a proxy that records each call.
async fn users_table_recorded(app: &MotoApp) -> (AwsFunctions, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let table = app.stack.table.table.clone();
    let proxy = crate::faults::moto_faulty(&app.stack.moto.url, move |target, _path, body| {
        let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        // Any call naming the users table, top-level or inside (a batch or a transaction would
        // name it in its items): an operation no grant allows then fails the check.
        if body.to_string().contains(&format!("\"{table}\"")) {
            record.lock().unwrap().push((target.rsplit('.').next().unwrap_or_default().to_owned(), body));
        }
        None
    });
    let config = app.stack.config();
    let client = aws_sdk_dynamodb::Client::new(&crate::faults::sdk_at(&proxy).await);
    let mut deps = AwsFunctions::on(&app.stack).await;
    // reset-password writes users with their events (the outbox, as its wiring gives it).
    let outbox = reset_aws::events::Outbox { table: config.event_outbox_table.clone().expect("the stack's outbox") };
    (deps.confirm.users, deps.worker.users) =
        (reset_aws::DynamoUsers::writing(client.clone(), config.table.clone(), outbox), reset_aws::DynamoUsers::new(client, config.table));
    (deps, seen)
}

/// Every attribute name a DynamoDB call touches: its key, its `#name` placeholders, and names
/// written out in its projection or in any of its expressions.
fn attributes_touched(body: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = body["Key"].as_object().into_iter().flat_map(|k| k.keys().cloned()).collect();
    names.extend(body["ExpressionAttributeNames"].as_object().into_iter().flat_map(|m| m.values()).filter_map(|v| v.as_str().map(str::to_owned)));
    let projected = body["ProjectionExpression"].as_str().unwrap_or_default();
    names.extend(projected.split(',').map(str::trim).filter(|n| !n.is_empty() && !n.starts_with('#')).map(str::to_owned));
    for field in ["UpdateExpression", "ConditionExpression", "KeyConditionExpression", "FilterExpression"] {
        names.extend(literal_names(body[field].as_str().unwrap_or_default()));
    }
    names.sort();
    names.dedup();
    names
}

/// Attribute names written out in an expression: words that are neither a `#name` or `:value`
/// placeholder nor a word of DynamoDB's expression grammar.
fn literal_names(expression: &str) -> Vec<String> {
    const GRAMMAR: &[&str] = &[
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
        "if_not_exists",
        "list_append",
    ];
    let mut names = Vec::new();
    let mut word = String::new();
    let mut placeholder = false;
    for c in expression.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '_' {
            if word.is_empty() && !placeholder && c.is_ascii_digit() {
                placeholder = true; // a number, not a name
            }
            word.push(c);
            continue;
        }
        if !word.is_empty() && !placeholder && !GRAMMAR.iter().any(|g| g.eq_ignore_ascii_case(&word)) {
            names.push(std::mem::take(&mut word));
        }
        word.clear();
        placeholder = c == '#' || c == ':';
    }
    names
}

#[test]
fn names_written_out_in_expressions_are_found() {
    assert_eq!(literal_names("SET #h = :h, changed = :t REMOVE old_attr"), ["changed", "old_attr"]);
    assert_eq!(literal_names("attribute_exists(#id) AND #s = :active AND size(email) > :n0"), ["email"]);
    assert!(literal_names("#e = :e").is_empty());
}

/// A call as IAM authorizes it: a `TransactWriteItems` item by item (`Put` as `PutItem`,
/// `Update` as `UpdateItem`, `Delete` as `DeleteItem`, `ConditionCheck` as `ConditionCheckItem`:
/// DynamoDB's "Using IAM with DynamoDB transactions"), any other call as itself.
fn as_authorized(operation: &str, body: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    if operation != "TransactWriteItems" {
        return vec![(operation.to_owned(), body.clone())];
    }
    let items = body["TransactItems"].as_array().unwrap_or_else(|| panic!("a transaction without items: {body}"));
    items
        .iter()
        .map(|item| {
            let (kind, inner) = item.as_object().and_then(|o| o.iter().next()).unwrap_or_else(|| panic!("{item}"));
            let action = match kind.as_str() {
                "Put" => "PutItem",
                "Update" => "UpdateItem",
                "Delete" => "DeleteItem",
                "ConditionCheck" => "ConditionCheckItem",
                other => panic!("a transaction item this test cannot read: {other}"),
            };
            (action.to_owned(), inner.clone())
        })
        .collect()
}

/// Whether `function`'s policies, as `deployment`, allow `dynamodb:<operation>` on the events'
/// outbox table.
fn outbox_granted(deployment: &Deployment, function: &str, operation: &str) -> bool {
    let policies = deployment.properties(function)["Policies"].clone();
    policies
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Statement"].as_array().cloned().unwrap_or_default())
        .any(|s| s["Effect"] == "Allow" && listed_actions(&s).contains(&format!("dynamodb:{operation}")) && s["Resource"] == outbox_arn())
}

/// Takes what `seen` holds as `function`'s calls, and fails unless each is one that
/// template.yaml, as `deployment`, lets that function make, item by item for a transaction: on
/// the users table the operation granted there (or on its index), every attribute it touches named
/// by the grant's `dynamodb:Attributes` condition, a projection where the grant asks for
/// SPECIFIC_ATTRIBUTES, no values back where it asks for NONE; on the outbox (a transaction's event)
/// the operation granted on the outbox. Returns the users table's operations.
fn assert_granted(deployment: &Deployment, function: &str, seen: &Seen) -> Vec<String> {
    let recorded: Vec<(String, serde_json::Value)> = std::mem::take(&mut *seen.lock().unwrap());
    let mut calls = Vec::new();
    for (operation, body) in recorded.iter().flat_map(|(operation, body)| as_authorized(operation, body)) {
        if body["TableName"] == reset_local::outbox::OUTBOX_TABLE {
            assert!(
                outbox_granted(deployment, function, &operation),
                "{function} calls {operation} on the outbox, which template.yaml does not grant it: {body}"
            );
            continue;
        }
        calls.push((operation, body));
    }
    for (operation, body) in &calls {
        let grants = deployment.users_table_grants(function, operation);
        assert!(!grants.is_empty(), "{function} calls {operation} on the users table, which template.yaml does not grant it: {body}");
        let touched = attributes_touched(body);
        let allowed_by = |grant: &reset_local::template::Grant| {
            let attributes = grant.attributes().is_none_or(|allowed| touched.iter().all(|t| allowed.contains(t)));
            let select = grant.requires("dynamodb:Select").is_none_or(|s| s != "SPECIFIC_ATTRIBUTES" || body["ProjectionExpression"].is_string());
            let returns = grant.requires("dynamodb:ReturnValues").is_none_or(|r| body["ReturnValues"].as_str().is_none_or(|v| v == r));
            attributes && select && returns
        };
        let conditions: Vec<String> = grants.iter().map(|g| format!("{}: {}", g.sid, g.condition)).collect();
        assert!(grants.iter().any(allowed_by), "{function}'s {operation} touches {touched:?}; template.yaml allows it only as {conditions:#?}\n{body}");
    }
    calls.into_iter().map(|(operation, _)| operation).collect()
}

/// Each function's calls on the users table, watched on the wire through two whole resets (the
/// second after the first has stamped the password's change), stay inside that function's grants
/// in template.yaml as deployed with the stack's names: with and without a user-language
/// attribute, on the users table the template creates (its email index projected as the
/// template projects it), and then through the last notice's dispute (the page, the button).
/// An attribute removed from a policy or from the index's projection fails here.
#[tokio::test(flavor = "multi_thread")]
async fn each_function_touches_only_the_user_attributes_the_template_grants_it() {
    for language in [None, Some("preferred_language")] {
        let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
        let overrides: Vec<(&str, &str)> = language.iter().map(|l| ("USER_LOCALE_ATTRIBUTE", *l)).collect();
        let app = MotoApp::on(stack, &overrides).await;
        let deployment = Deployment::for_env(&app.stack.env());
        assert_eq!(deployment.condition("HasUserLocale"), language.is_some());

        // The stack's index is the template's.
        let table = app.stack.dynamodb().describe_table().table_name(&app.stack.table.table).send().await.unwrap().table.unwrap();
        let index = &table.global_secondary_indexes()[0];
        let projection = index.projection().unwrap();
        let (kind, mut attributes) = deployment.email_index_projection();
        let mut created = projection.non_key_attributes().to_vec();
        created.sort();
        attributes.sort();
        assert_eq!((projection.projection_type().unwrap().as_str(), created), (kind.as_str(), attributes), "the stack's email index");

        if let Some(attribute) = language {
            let stored = aws_sdk_dynamodb::types::AttributeValue::S("de".into());
            let key = aws_sdk_dynamodb::types::AttributeValue::S(DEMO_USER_ID.into());
            app.stack
                .dynamodb()
                .update_item()
                .table_name(&app.stack.table.table)
                .key(&app.stack.table.id, key)
                .update_expression("SET #l = :l")
                .expression_attribute_names("#l", attribute)
                .expression_attribute_values(":l", stored)
                .send()
                .await
                .unwrap();
        }
        let (deps, seen) = users_table_recorded(&app).await;
        let mut worker_calls = Vec::new();
        for (round, password) in ["first new passphrase 1", "second new passphrase 2"].into_iter().enumerate() {
            let what = format!("round {round}, language {language:?}");
            assert_eq!(call(&deps, &request_event(DEMO_EMAIL)).await.status, 202, "{what}");
            assert_granted(&deployment, "RequestResetFunction", &seen);
            deliver_queued(&app.stack.queue, &deps.worker).await;
            worker_calls.extend(assert_granted(&deployment, "MailWorkerFunction", &seen));

            let mails = app.stack.mails().unwrap();
            let mail = mails.last().unwrap();
            if language.is_some() {
                assert_eq!(mail.subject, "Ihr Passwort für Demo App zurücksetzen", "{what}: the stored language was read");
            }
            let reply = call(&deps, &confirm_event(&mail.token().expect("a reset link"), password)).await;
            assert_eq!(reply.status, 200, "{what}: {}", reply.body);
            assert_eq!(assert_granted(&deployment, "ResetPasswordFunction", &seen), ["GetItem", "UpdateItem"], "{what}");
            deliver_queued(&app.stack.queue, &deps.worker).await;
            worker_calls.extend(assert_granted(&deployment, "MailWorkerFunction", &seen));
        }
        // The last notice's "this wasn't me": the page only reads; the button locks the account
        // (the status and the epoch, with its event, in one transaction), inside the same grant.
        let link = app.stack.mails().unwrap().iter().rev().find_map(|m| m.dispute_link()).expect("the last notice's dispute link");
        let dispute = link.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
        let page = call(&deps, &crate::dispute::dispute_page("GET", Some(&dispute))).await;
        assert_eq!(page.status, 200, "language {language:?}: {}", page.body);
        let shown = assert_granted(&deployment, "ResetPasswordFunction", &seen);
        assert!(!shown.iter().any(|c| c == "UpdateItem"), "the page writes nothing: {shown:?}");
        let pressed = call(&deps, &crate::dispute::dispute_press(Some(&dispute), "same-origin")).await;
        assert_eq!(pressed.status, 200, "language {language:?}: {}", pressed.body);
        let locked = assert_granted(&deployment, "ResetPasswordFunction", &seen);
        assert!(locked.iter().any(|c| c == "UpdateItem"), "the button locked the account: {locked:?}");
        assert!(worker_calls.iter().any(|c| c == "Query"), "the worker looked the address up: {worker_calls:?}");
        // The item is read for each notice (its account, by id: the address it goes to), and for a
        // link only for its language.
        assert!(worker_calls.iter().any(|c| c == "GetItem"), "the worker read a notice's account by id: {worker_calls:?}");
    }
}

/// The admin API (issue 23) is never reachable without SigV4, and exists only when someone may
/// call it: everything it adds is conditional on `HasAdminApi` ("AdminCallerArns is not empty");
/// its routes are the only ones on an HTTP API of its own, each `AWS_IAM` and proxied (payload 2.0,
/// whose request context carries the signer's identity) to the admin function's alias, which only
/// that API may invoke and which no other event source, URL or route reaches. Behind the edge no
/// REST API resource or CloudFront behaviour leads to it (a signature does not survive
/// CloudFront). The function is told who may call, holds no signing key, and its deployment group
/// carries its condition (SAM leaves it unconditional otherwise, naming an alarm that may not exist).
#[test]
fn the_admin_api_takes_signed_calls_only_and_exists_only_with_callers() {
    let parsed = reset_local::template::template();
    let r = parsed["Resources"].as_object().unwrap();
    assert_eq!(parsed["Conditions"]["HasAdminApi"], serde_json::json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "AdminCallerArns"}, ""]}]}));
    assert_eq!(parsed["Parameters"]["AdminCallerArns"]["Default"], "");
    let admin: Vec<&String> = r.keys().filter(|id| id.starts_with("Admin")).collect();
    assert!(admin.len() >= 12, "{admin:?}");
    for id in &admin {
        assert_eq!(r[*id]["Condition"], "HasAdminApi", "{id} exists without AdminCallerArns");
    }
    // Any other resource names them only inside `!If [HasAdminApi, ...]` (the policies that list
    // the admin role), or CloudFormation would refuse the stack without AdminCallerArns.
    fn names_admin_unguarded(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(o) if o.get("Fn::If").is_some_and(|args| args[0] == "HasAdminApi") => names_admin_unguarded(&o["Fn::If"][2]),
            serde_json::Value::Object(o) => o.values().any(names_admin_unguarded),
            serde_json::Value::Array(items) => items.iter().any(names_admin_unguarded),
            serde_json::Value::String(text) => text.starts_with("Admin") || text.contains("${Admin"),
            _ => false,
        }
    }
    for (id, resource) in r.iter().filter(|(id, _)| !id.starts_with("Admin")) {
        assert!(!names_admin_unguarded(resource), "{id} names an admin resource outside `!If [HasAdminApi, ...]`");
    }
    for output in ["AdminApiUrl", "AdminApiInvokeArn"] {
        assert_eq!(parsed["Outputs"][output]["Condition"], "HasAdminApi", "{output}");
    }

    // Its own API: every route on it signed, to the admin integration; no route on the public one
    // under /admin, and no REST API resource either.
    assert_eq!(r["AdminHttpApi"]["Properties"]["ProtocolType"], "HTTP");
    assert_ne!(r["AdminHttpApi"]["Properties"]["DisableExecuteApiEndpoint"], serde_json::json!(true), "callers sign for execute-api's host");
    let mut admin_routes = Vec::new();
    for (id, route) in r.iter().filter(|(_, x)| x["Type"] == "AWS::ApiGatewayV2::Route") {
        let p = &route["Properties"];
        let key = p["RouteKey"].as_str().unwrap();
        if p["ApiId"] == serde_json::json!({"Ref": "AdminHttpApi"}) {
            assert_eq!(p["AuthorizationType"], "AWS_IAM", "{id}: {key} without SigV4");
            assert_eq!(p["Target"], serde_json::json!({"Fn::Sub": "integrations/${AdminApiIntegration}"}), "{id}");
            admin_routes.push(key.to_owned());
        } else {
            assert_eq!(p["ApiId"], serde_json::json!({"Ref": "HttpApi"}), "{id}");
            assert!(!key.contains("/admin"), "{id}: {key} on the public API");
            assert!(p.get("AuthorizationType").is_none_or(|a| a == "NONE"), "{id}: the public routes take no authorizer");
        }
    }
    admin_routes.sort();
    let mut expected: Vec<String> = ADMIN_ROUTES.iter().map(|(method, path)| format!("{method} {path}")).collect();
    expected.sort();
    assert_eq!(admin_routes, expected, "the admin API's routes");
    for (id, resource) in r.iter().filter(|(_, x)| x["Type"] == "AWS::ApiGateway::Resource") {
        assert_ne!(resource["Properties"]["PathPart"], "admin", "{id}: the REST API (behind CloudFront) would serve /admin");
    }
    let integration = &r["AdminApiIntegration"]["Properties"];
    assert_eq!(integration["ApiId"], serde_json::json!({"Ref": "AdminHttpApi"}));
    assert_eq!(integration["IntegrationType"], "AWS_PROXY");
    assert_eq!(integration["PayloadFormatVersion"], "2.0", "the IAM identity is in payload 2.0's requestContext.authorizer.iam");
    assert_eq!(integration["IntegrationUri"], serde_json::json!({"Ref": "AdminApiFunction.Alias"}));

    // Only the admin API may invoke the function, on its two paths; nothing else reaches it.
    let permissions: Vec<&serde_json::Value> =
        r.values().filter(|x| x["Type"] == "AWS::Lambda::Permission" && x["Properties"]["FunctionName"].to_string().contains("AdminApiFunction")).collect();
    assert_eq!(permissions.len(), 1, "{permissions:?}");
    let p = &permissions[0]["Properties"];
    assert_eq!((p["Action"].as_str(), p["Principal"].as_str()), (Some("lambda:InvokeFunction"), Some("apigateway.amazonaws.com")));
    assert_eq!(
        p["SourceArn"],
        serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${AdminHttpApi}/*/*/admin/*"})
    );
    let function = &r["AdminApiFunction"]["Properties"];
    for absent in ["Events", "FunctionUrlConfig"] {
        assert!(function.get(absent).is_none(), "AdminApiFunction: {absent} would reach it without the admin API");
    }
    for (id, mapping) in r.iter().filter(|(_, x)| x["Type"] == "AWS::Lambda::EventSourceMapping") {
        assert!(!mapping["Properties"]["FunctionName"].to_string().contains("AdminApiFunction"), "{id}");
    }

    // Told who may call; no signing key, neither told nor granted, and refused by the secret.
    let vars = &function["Environment"]["Variables"];
    assert_eq!(vars["ADMIN_CALLER_ARNS"], serde_json::json!({"Ref": "AdminCallerArns"}));
    assert!(vars.get("SIGNING_KEY_SECRET_ID").is_none());
    assert!(!function["Policies"].to_string().contains("SigningKeySecret"), "the admin function may not read the signing keys");
    let conditions = ["HasAdminApi", "HasOperatorRole", "HasDeployerRoles"];
    let may_read = |secret: &str| {
        granted(parsed, "AdminApiFunctionRole", "secretsmanager:GetSecretValue", secret, &conditions)
            && !refused(parsed, secret, "AdminApiFunctionRole", "secretsmanager:GetSecretValue", &conditions)
    };
    assert!(may_read("HashingKeySecret"), "the admin function MACs its jobs with the hashing keys");
    assert!(!may_read("SigningKeySecret"), "an operator cannot make a link");
    assert!(
        refused(parsed, "SigningKeySecret", "AdminApiFunctionRole", "secretsmanager:GetSecretValue", &conditions),
        "the signing secret's policy refuses it too"
    );

    // Its CodeDeploy group goes with it (SAM's PassthroughCondition), and its error alarm rolls it back.
    let preference = &function["DeploymentPreference"];
    assert_eq!(preference["PassthroughCondition"], serde_json::json!(true), "{preference}");
    assert_eq!(preference["Alarms"], serde_json::json!([{"Ref": "AdminApiErrorsAlarm"}]));
}

/// The users-table grants of the admin function are reset-password's, attribute for attribute: it
/// reads an account by id as a confirm does (a projection of the same attributes) and writes a
/// forced reset as a confirm writes a password (the hash and the epoch, on the condition of the
/// hash, email and status it read, no values back). (Its calls on the wire are watched once the
/// admin function's wiring runs against moto, as the other functions' are above.)
#[test]
fn the_admin_function_touches_the_users_table_as_reset_password_does() {
    for env in [vec![], vec![("USER_LOCALE_ATTRIBUTE".to_owned(), "language".to_owned())]] {
        let deployment = Deployment::for_env(&env);
        for operation in ["GetItem", "UpdateItem"] {
            let conditions =
                |function: &str| -> Vec<serde_json::Value> { deployment.users_table_grants(function, operation).into_iter().map(|g| g.condition).collect() };
            let admin = conditions("AdminApiFunction");
            assert_eq!(admin.len(), 1, "{operation}: {admin:?}");
            assert_eq!(admin, conditions("ResetPasswordFunction"), "{operation} with {env:?}");
        }
        assert!(deployment.users_table_grants("AdminApiFunction", "Query").is_empty(), "the admin function looks no one up by address");
    }
}
