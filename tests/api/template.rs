//! template.yaml stays deployable and in step with the code: it lints clean, routes the same
//! paths the handlers and the local router serve, sets only variables the config reads, and
//! generates a signing-key secret the key ring accepts.

use std::process::Command;

use reset_core::reset_token::KeyRing;
use reset_tests::{venv_tool, workspace_root};

fn read(file: &str) -> String {
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
];

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
            toml::Value::Array(routes) => {
                routes.iter().any(|r| r["method"].as_str() == Some(method) && r["function"].as_str() == Some(binary))
            }
            _ => false,
        };
        assert!(routed, "Cargo.toml router lacks {method} {path} -> {binary}");
    }
    assert_eq!(template.matches("RouteKey:").count(), ROUTES.len(), "no route without a test");
    for (function, binary) in [("RequestResetFunction", "request-reset"), ("ResetPasswordFunction", "reset-password")] {
        assert_eq!(value_of(&template, &format!("  {function}:"), "Binary"), binary, "template binary of {function}");
    }
}

#[test]
fn every_variable_the_template_sets_is_read_by_the_config() {
    let template = read("template.yaml");
    let config = read("shared/reset-wiring/src/config.rs");
    let block = &template[template.find("      Variables:").unwrap()..template.find("\nResources:").unwrap()];
    let names: Vec<&str> = block
        .lines()
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(k, _)| k)
        .filter(|k| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(config.contains(&format!("\"{name}\"")), "template sets {name}, which Config never reads");
    }
}

#[test]
fn the_secret_generated_at_deploy_time_is_a_valid_key_ring() {
    let template = read("template.yaml");
    let shape = value_of(&template, "  SigningKeySecret:", "SecretStringTemplate");
    let key_name = value_of(&template, "  SigningKeySecret:", "GenerateStringKey");
    let length: usize = value_of(&template, "  SigningKeySecret:", "PasswordLength").parse().unwrap();
    // What CloudFormation does: add a random alphanumeric string of that length under that key.
    let generated: String = KeyRing::generate_key().unwrap().chars().filter(char::is_ascii_alphanumeric).cycle().take(length).collect();
    let mut secret: serde_json::Value = serde_json::from_str(&shape).expect("SecretStringTemplate is JSON");
    secret[&key_name] = generated.into();
    let ring = KeyRing::from_json(&secret.to_string()).expect("the generated secret is accepted");
    assert_eq!(ring.current_kid(), key_name);
}

/// Which functions' log groups each source file that logs a metric writes to. A new file that
/// logs a metric fails the test below until it is listed here.
const EMITTERS: &[(&str, &[&str])] = &[
    ("shared/reset-core/src/request_reset.rs", &["RequestResetLogGroup"]),
    ("shared/reset-core/src/confirm_reset.rs", &["ResetPasswordLogGroup"]),
    // `DynamoUsers::find_by_email`: only request-reset looks users up by email.
    ("shared/reset-aws/src/dynamodb.rs", &["RequestResetLogGroup"]),
    // `limit_source_ip`: every HTTP function.
    ("shared/reset-http/src/lib.rs", &["RequestResetLogGroup", "ResetPasswordLogGroup"]),
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

/// (log group, filter pattern) of every metric filter in the template.
fn metric_filters(template: &str) -> Vec<(String, String)> {
    // One block per top-level resource: a line indented by exactly two spaces starts the next.
    let mut blocks: Vec<String> = Vec::new();
    for line in template.lines() {
        let starts_resource = line.starts_with("  ") && !line[2..].starts_with(' ') && !line.trim().is_empty();
        match blocks.last_mut() {
            Some(block) if !starts_resource => {
                block.push('\n');
                block.push_str(line);
            }
            _ => blocks.push(line.to_owned()),
        }
    }
    blocks
        .iter()
        .filter(|resource| resource.contains("Type: AWS::Logs::MetricFilter"))
        .map(|resource| {
            let field = |key: &str| {
                let line = resource.lines().find(|l| l.trim_start().starts_with(key)).unwrap_or_else(|| panic!("{key} in {resource}"));
                line.split_once(':').unwrap().1.trim().to_owned()
            };
            (field("LogGroupName:").trim_start_matches("!Ref ").to_owned(), field("FilterPattern:"))
        })
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
        let (_, groups) = EMITTERS
            .iter()
            .find(|(f, _)| *f == relative)
            .unwrap_or_else(|| panic!("{relative} logs {metrics:?}: list in EMITTERS which functions run it"));
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
