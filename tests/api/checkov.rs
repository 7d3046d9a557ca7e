//! checkov (`.venv-checkov`, pinned in scripts/checkov-requirements.txt) on template.yaml: the
//! default variant and the edge/domain variant with every optional resource. No check may fail:
//! each finding is fixed in the template or skipped in its resource's own Metadata with a reason
//! (`checkov: skip: - id: ... comment: "..."`), and every skip is still needed by one variant.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use reset_local::workspace_root;
use serde_json::Value;

fn checkov() -> PathBuf {
    let path = workspace_root().join(".venv-checkov/bin/checkov");
    assert!(path.exists(), "{} is missing: run `scripts/setup` first (it installs checkov into .venv-checkov)", path.display());
    path
}

/// The parameters whose defaults the edge/domain variant changes, and to what: edge protection
/// with a custom domain, and every optional resource (WAF logging, tracing, the customer key, the
/// events' webhook).
const EDGE_DEFAULTS: &[(&str, &str, &str)] = &[
    ("EdgeProtection", "\"false\"", "\"true\""),
    ("DomainName", "\"\"", "\"auth.example.com\""),
    ("EdgeCertificateArn", "\"\"", "\"arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333\""),
    ("CertificateArn", "\"\"", "\"arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333\""),
    ("HostedZoneId", "\"\"", "\"Z0123456789ABCDEFGHIJ\""),
    ("EdgeWafLogging", "\"false\"", "\"true\""),
    ("Tracing", "\"false\"", "\"true\""),
    ("CustomerManagedKey", "\"false\"", "\"true\""),
    ("WebhookUrl", "\"\"", "\"https://hooks.example.com/password-reset\""),
    ("WebhookApiKey", "\"\"", "\"example-key\""),
];

fn edge_variant(template: &str) -> PathBuf {
    let mut variant = template.to_owned();
    for (name, default, edge) in EDGE_DEFAULTS {
        let line = format!("  {name}:\n    Type: String\n    Default: {default}\n");
        assert_eq!(variant.matches(&line).count(), 1, "template.yaml declares {name} with Default: {default}");
        variant = variant.replace(&line, &line.replace(&format!("Default: {default}"), &format!("Default: {edge}")));
    }
    let path = workspace_root().join("target/template-checkov-edge.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, variant).unwrap();
    path
}

/// checkov's JSON report on one file (CloudFormation checks only, nothing downloaded).
fn scan(file: &Path) -> Value {
    let out = Command::new(checkov())
        .arg("-f")
        .arg(file)
        .args(["--framework", "cloudformation", "--skip-download", "--output", "json"])
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("checkov: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("checkov on {} printed no JSON report ({e}):\n{stdout}\n{}", file.display(), String::from_utf8_lossy(&out.stderr)));
    // One framework gives one report; more would give a list of them.
    let report = match report {
        Value::Array(mut reports) if reports.len() == 1 => reports.remove(0),
        report => report,
    };
    assert_eq!(report["check_type"], "cloudformation", "{} was not scanned as CloudFormation:\n{report:#}", file.display());
    report
}

fn checks<'a>(report: &'a Value, kind: &str) -> &'a [Value] {
    report["results"][kind].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// (check id, resource "Type.LogicalId") of each check of one kind.
fn ids(report: &Value, kind: &str) -> BTreeSet<(String, String)> {
    checks(report, kind).iter().map(|c| (c["check_id"].as_str().unwrap().to_owned(), c["resource"].as_str().unwrap().to_owned())).collect()
}

/// The skips written in template.yaml: (check id, logical id, comment), read from the text so
/// that a skip of a resource checkov did not evaluate (its Condition false) is seen too.
fn template_skips(template: &str) -> Vec<(String, String, String)> {
    let mut skips = Vec::new();
    let mut resource = String::new();
    let lines: Vec<&str> = template.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')).filter(|l| !l.starts_with(' ')) {
            resource = name.to_owned();
        }
        let Some(id) = line.trim_start().strip_prefix("- id: ") else { continue };
        let comment = lines.get(i + 1).and_then(|l| l.trim_start().strip_prefix("comment:")).map(|c| c.trim().trim_matches('"').trim());
        let comment = comment.unwrap_or_else(|| panic!("the skip of {id} in {resource} (template.yaml line {}) has no comment on the next line", i + 1));
        skips.push((id.trim().to_owned(), resource.clone(), comment.to_owned()));
    }
    skips
}

#[test]
fn checkov_finds_nothing_unexplained_in_either_variant() {
    let root = workspace_root();
    // RESET_TEMPLATE: a changed copy, to see which tests a change fails (as reset_local::template).
    let file = root.join(std::env::var("RESET_TEMPLATE").unwrap_or_else(|_| "template.yaml".to_owned()));
    let template = std::fs::read_to_string(&file).unwrap();
    let variants = [("default", file), ("edge/domain", edge_variant(&template))];

    let mut problems = Vec::new();
    let mut skipped_anywhere = BTreeSet::new();
    let mut passed_total = 0;
    for (variant, file) in &variants {
        let report = scan(file);
        let summary = &report["summary"];
        let passed = summary["passed"].as_u64().unwrap_or(0);
        passed_total += passed;
        assert_eq!(summary["parsing_errors"], 0, "checkov could not parse the {variant} variant:\n{summary:#}");
        // A checkov that parses nothing passes nothing: about 25 checks pass on each variant.
        assert!(passed >= 20, "checkov passed only {passed} checks on the {variant} variant (it parsed too little?):\n{summary:#}");
        let evaluated: BTreeSet<String> =
            ["passed_checks", "failed_checks", "skipped_checks"].iter().flat_map(|kind| ids(&report, kind)).map(|(_, r)| r).collect();
        for function in ["RequestResetFunction", "ResetPasswordFunction", "MailWorkerFunction", "EventPublisherFunction"] {
            assert!(
                evaluated.contains(&format!("AWS::Serverless::Function.{function}")),
                "checkov did not evaluate {function} on the {variant} variant: {evaluated:?}"
            );
        }
        for failed in checks(&report, "failed_checks") {
            problems.push(format!(
                "{variant}: {} {} ({}) at {}",
                failed["check_id"].as_str().unwrap_or("?"),
                failed["resource"].as_str().unwrap_or("?"),
                failed["check_name"].as_str().unwrap_or("?"),
                failed["file_line_range"]
            ));
        }
        for skipped in checks(&report, "skipped_checks") {
            let comment = skipped["check_result"]["suppress_comment"].as_str().unwrap_or("").trim();
            let (id, resource) = (skipped["check_id"].as_str().unwrap().to_owned(), skipped["resource"].as_str().unwrap().to_owned());
            if comment.is_empty() {
                problems.push(format!("{variant}: the skip of {id} on {resource} gives no reason"));
            }
            skipped_anywhere.insert((id, resource.rsplit('.').next().unwrap().to_owned()));
        }
    }
    assert!(passed_total >= 45, "checkov passed only {passed_total} checks on both variants together");

    let skips = template_skips(&template);
    assert!(!skips.is_empty(), "template.yaml has no checkov skips: the parser above missed them?");
    for (id, resource, comment) in &skips {
        if comment.is_empty() {
            problems.push(format!("template.yaml: the skip of {id} on {resource} has an empty comment"));
        }
        if !skipped_anywhere.contains(&(id.clone(), resource.clone())) {
            problems.push(format!("template.yaml: the skip of {id} on {resource} skips nothing in either variant (fixed? remove it)"));
        }
    }
    assert!(
        problems.is_empty(),
        "checkov: fix each finding in template.yaml or skip it in the resource's Metadata (checkov: skip: - id, comment) with a reason:\n{}",
        problems.join("\n")
    );
}
