//! SAM as an operator runs it, without AWS or Docker: `scripts/sam validate --lint`;
//! `scripts/sam build` for x86_64 (the only Rust target these machines are sure to have), with
//! each function's artifact a `bootstrap` for that architecture; and each bootstrap run with the
//! environment `sam local invoke --env-vars local/sam-env.json` gives it (SAM CLI's own
//! resolution of the template and the file, `tests/sam_local_env.py`), against moto through a
//! Lambda Runtime API, answering an event from `events/` (the event publisher: the outbox item
//! the mail worker's event wrote, as the outbox's stream hands it over).

use std::process::Command;
use std::time::Duration;

use reset_local::events;
use reset_local::runtime_api::Running;
use reset_local::stack::{DEMO_EMAIL, Stack};
use reset_local::workspace_root;
use serde_json::Value;

/// Where `local/sam-env.json` points the functions: moto on the container's host, the port
/// `scripts/dev` gives it.
const SAM_LOCAL_MOTO: &str = "http://host.docker.internal:5050";

fn sam() -> Command {
    let mut cmd = Command::new(workspace_root().join("scripts/sam"));
    cmd.current_dir(workspace_root()).env("SAM_CLI_TELEMETRY", "0");
    cmd
}

fn run(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

#[test]
fn sam_validate_lint_passes() {
    let mut cmd = sam();
    cmd.args(["validate", "--lint"]);
    assert!(run(cmd, "sam validate --lint").contains("is a valid SAM Template"));
}

/// (logical id, an event from `events/` with its times made fresh, what the answer must show)
const FUNCTIONS: &[(&str, &str, fn(&Value) -> bool)] = &[
    ("RequestResetFunction", "request-reset.json", |a| a["statusCode"] == 202),
    ("ResetPasswordFunction", "reset-password-page-without-token.json", |a| a["statusCode"] == 400),
    ("MailWorkerFunction", "mail-worker-reset-link.json", |a| a["batchItemFailures"].as_array().is_some_and(Vec::is_empty)),
];

#[tokio::test(flavor = "multi_thread")]
async fn sam_build_makes_bootstraps_that_answer_with_the_sam_local_environment() {
    let root = workspace_root();
    let build_dir = root.join("target/sam-build");
    let mut build = sam();
    // With an admin caller named, so the admin function (conditional on it) is built and resolved too.
    build.args(["build", "--build-dir"]).arg(&build_dir).args(["--parameter-overrides", "Architecture=x86_64", ADMIN_CALLERS]);
    run(build, "sam build (x86_64)");

    let mut env = Command::new(root.join(".venv-sam/bin/python"));
    env.arg(root.join("tests/sam_local_env.py")).args(["template.yaml", "local/sam-env.json", "Architecture=x86_64", ADMIN_CALLERS]).current_dir(&root);
    let resolved: Value = serde_json::from_str(&run(env, "resolving sam local's environment")).expect("JSON");

    let stack = Stack::start(None, "http://127.0.0.1:9000/reset-password").await.expect("moto");
    // Runs `function`'s bootstrap with the environment sam local would give it, answering `event`.
    let invoke = |function: &str, event: &Value| -> Value {
        let bootstrap = build_dir.join(function).join("bootstrap");
        let bytes = std::fs::read(&bootstrap).unwrap_or_else(|e| panic!("{}: {e}", bootstrap.display()));
        assert!(bytes.starts_with(b"\x7fELF") && u16::from_le_bytes([bytes[18], bytes[19]]) == 0x3e, "{function}: not an x86-64 ELF");

        // What the container would get, with the container's view of the host replaced by ours.
        let vars = resolved[function].as_object().unwrap_or_else(|| panic!("no environment for {function}"));
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().replace(SAM_LOCAL_MOTO, &stack.moto.url))).collect();
        let value = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
        assert_eq!(value("AWS_ENDPOINT_URL"), stack.moto.url, "{function}: the SDK is pointed at moto");
        // Each function is told only of the queues it uses (template.yaml), each the one scripts/dev creates.
        let told = |uses: bool, url: &str| if uses { url.to_owned() } else { String::new() };
        let (links, notices) = match function {
            "RequestResetFunction" => (true, false),
            "ResetPasswordFunction" => (false, true),
            "MailWorkerFunction" => (true, true),
            "AdminApiFunction" => (true, false),
            _ => (false, false),
        };
        assert_eq!(value("MAIL_QUEUE_URL"), told(links, &stack.queue.url), "{function}: the links' queue");
        assert_eq!(value("NOTICE_QUEUE_URL"), told(notices, &stack.queue.notices_url), "{function}: the notices' queue");
        assert_eq!(value("USERS_TABLE"), stack.table.table, "{function}: the table scripts/dev creates");
        assert_eq!(value("HASHING_KEY_SECRET_ID"), reset_local::stack::HASHING_SECRET_ID, "{function}: the secret scripts/dev creates");
        // request-reset and the publisher do not declare the signing secret, so SAM does not give it the file's value.
        let signing = if notices { reset_local::stack::SECRET_ID } else { "" };
        assert_eq!(value("SIGNING_KEY_SECRET_ID"), signing, "{function}: the signing secret, only where the template declares it");
        // The events: the writers are told the outbox, the publisher the bus and source, each as scripts/dev makes them.
        let writer = ["ResetPasswordFunction", "MailWorkerFunction", "AdminApiFunction"].contains(&function);
        assert_eq!(value("EVENT_OUTBOX_TABLE"), if writer { reset_local::outbox::OUTBOX_TABLE } else { "" }, "{function}: the outbox");
        let publisher = function == "EventPublisherFunction";
        assert_eq!(value("EVENT_BUS_NAME"), if publisher { reset_local::outbox::EVENT_BUS } else { "" }, "{function}: the bus");
        assert_eq!(value("EVENT_SOURCE"), if publisher { reset_local::outbox::EVENT_SOURCE } else { "" }, "{function}: the source");

        let log = root.join(format!("target/test-logs/sam-{function}.log"));
        let mut function_process = Command::new(&bootstrap);
        function_process.env_clear().envs(vars.iter().map(|(k, v)| (k, v)));
        let answer = Running::start(function_process, &log, Duration::from_secs(30)).and_then(|mut running| running.invoke(event, Duration::from_secs(30)));
        answer.unwrap_or_else(|e| panic!("{function}: {e:#}"))
    };
    for (function, event_file, answered) in FUNCTIONS {
        let event = events::fresh(events::load(event_file), &stack.hash_ring().await.unwrap());
        let answer = invoke(function, &event);
        assert!(answered(&answer), "{function} answered {answer}");
    }
    // The worker's event mailed the demo user, through SES on moto.
    let mails = stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].destinations.to, [DEMO_EMAIL]);
    // And wrote its Reset Link Sent event to the outbox, which the publisher puts on the bus as
    // the outbox's stream would hand it over (the stack's rule for the service's source hears it).
    let batch = stack.events.next_event().await.unwrap().expect("the mail worker wrote an event to the outbox");
    let answer = invoke("EventPublisherFunction", &batch);
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "the publisher answered {answer}");
    let heard = stack.events.heard().await.unwrap();
    assert!(heard.iter().any(|e| e["detail-type"] == "Reset Link Sent" && e["source"] == reset_local::outbox::EVENT_SOURCE), "{heard:?}");

    // The admin function's bootstrap: a signed call from the role local/sam-env.json lists is
    // queued (and blocks the demo user's sign-in), the same call without an IAM identity is refused.
    let answer = invoke("AdminApiFunction", &events::load("admin/admin-api-reset.json"));
    assert_eq!(answer["statusCode"], 202, "the admin function answered {answer}");
    assert_eq!(stack.password_hash(reset_local::stack::DEMO_USER_ID).await.unwrap(), login_password::formats::RESET_REQUIRED);
    let answer = invoke("AdminApiFunction", &events::load("admin/admin-api-reset-without-iam.json"));
    assert_eq!(answer["statusCode"], 403, "the admin function answered {answer}");
}

/// The admin caller the sam test builds and resolves with (the role local/sam-env.json lists).
const ADMIN_CALLERS: &str = "AdminCallerArns=arn:aws:iam::123456789012:role/ResetOperators";

/// Every variable in `local/sam-env.json` is one the template declares (SAM silently ignores any
/// other), and the file sets every variable the template computes from resources or mappings.
#[test]
fn the_sam_local_env_file_overrides_only_declared_variables() {
    let template = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let file: Value = serde_json::from_str(&std::fs::read_to_string(workspace_root().join("local/sam-env.json")).unwrap()).unwrap();
    let set = file["Parameters"].as_object().expect("one Parameters block for every function");
    let globals = &template[template.find("      Variables:").unwrap()..template.find("\nResources:").unwrap()];
    for name in set.keys() {
        // Declared in Globals, or on single functions (their Environment, indented two more).
        let declared = globals.contains(&format!("        {name}: ")) || template.contains(&format!("\n          {name}: "));
        assert!(declared, "{name} is not declared in the template, so SAM would ignore it");
    }
    // Globals' variables (indented eight) and single functions' (indented ten).
    let indented = |line: &str, by: usize| line.starts_with(&" ".repeat(by)) && !line.starts_with(&" ".repeat(by + 1));
    let variable =
        |line: &str| line.trim().split_once(':').is_some_and(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
    let own = template.lines().filter(|l| indented(l, 10) && variable(l));
    for line in globals.lines().filter(|l| indented(l, 8) && l.contains(':')).chain(own) {
        let (name, value) = line.trim().split_once(':').unwrap();
        let computed = [
            "!If",
            "!FindInMap",
            "!Ref AWS::NoValue",
            "!Ref RateLimitTable",
            "!Ref SigningKeySecret",
            "!Ref HashingKeySecret",
            "!Ref MailQueue",
            "!Ref NoticeQueue",
            "!Ref EventOutboxTable",
            "!Ref EventBus",
        ]
        .iter()
        .any(|f| value.trim().starts_with(f))
            || value.trim().is_empty();
        if computed {
            assert!(set.contains_key(name), "{name} is computed from a resource or mapping; the file must set it");
        }
    }
}

/// With `EdgeProtection=true` the template still lints (cfn-lint and `sam validate --lint`; the
/// default variant is linted above and in template.rs), and puts CloudFront with a WAF web ACL in
/// front: the web ACL's rules, the secret header to the origin, the viewer's address passed on,
/// no Host header passed on (API Gateway would refuse it), and the functions told the secret.
#[test]
fn the_edge_variant_lints_and_guards_the_origin() {
    let root = workspace_root();
    let template = std::fs::read_to_string(root.join("template.yaml")).unwrap();
    let default = "  EdgeProtection:\n    Type: String\n    Default: \"false\"\n";
    assert!(template.contains(default), "EdgeProtection defaults to false");
    let variant = root.join("target/template-edge.yaml");
    std::fs::write(&variant, template.replace(default, &default.replace("\"false\"", "\"true\""))).unwrap();
    let mut lint = Command::new(reset_local::venv_tool("cfn-lint"));
    lint.arg(&variant);
    run(lint, "cfn-lint on the edge variant");
    let mut validate = sam();
    validate.args(["validate", "--lint", "-t"]).arg(&variant);
    run(validate, "sam validate --lint on the edge variant");

    for expected in [
        "Name: AWSManagedRulesAmazonIpReputationList",
        "Name: AWSManagedRulesKnownBadInputsRuleSet",
        "AggregateKeyType: IP",
        "HeaderName: x-origin-verify",
        "- !Sub \"{{resolve:secretsmanager:${OriginVerifySecret}}}\"",
        "- !Sub \"{{resolve:secretsmanager:${OriginVerifySecret}:SecretString:::${OriginVerifySecretVersion}}}\"",
        "- CloudFront-Viewer-Address",
        "          ORIGIN_VERIFY_SECRET_ID: !If [UseEdge, !Ref OriginVerifySecret, !Ref AWS::NoValue]",
        "WebACLId: !If [CreateEdgeWebAcl, !GetAtt EdgeWebAcl.Arn, !Ref EdgeWebAclArn]",
    ] {
        assert!(template.contains(expected), "the edge variant lacks {expected}");
    }
    let policy = &template[template.find("  EdgeOriginRequestPolicy:").unwrap()..template.find("  EdgeDistribution:").unwrap()];
    assert!(policy.contains("HeaderBehavior: whitelist") && !policy.to_lowercase().contains("- host"), "Host must not reach API Gateway:\n{policy}");
    assert_eq!(reset_http::ORIGIN_VERIFY_HEADER, "x-origin-verify");
    assert_eq!(reset_http::VIEWER_ADDRESS_HEADER, "cloudfront-viewer-address");
}
