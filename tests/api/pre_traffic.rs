//! The pre-traffic hook CodeDeploy runs before it shifts traffic to new versions: its code as the
//! template ships it (inline), run against the real functions under `cargo lambda watch` and moto,
//! reports `Succeeded` for healthy versions and `Failed` when a version answers wrongly.

use std::process::Command;

use reset_local::{venv_tool, workspace_root};
use serde_json::Value;

use crate::helpers::LocalApi;

/// The hook's inline code, from template.yaml as CloudFormation reads it.
fn hook_code() -> String {
    let out = Command::new(venv_tool("python")).arg("tests/cfn_template.py").current_dir(workspace_root()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let template: Value = serde_json::from_slice(&out.stdout).unwrap();
    template["Resources"]["PreTrafficCheckFunction"]["Properties"]["Code"]["ZipFile"].as_str().expect("the hook's inline code").to_owned()
}

/// Runs the hook with the three version variables naming these local functions (and, behind the
/// edge, the origin-verify secret it reads); what it reported.
fn run_hook(watch: &reset_local::functions::Watch, versions: [&str; 3], edge: Option<(&str, &str)>) -> Value {
    let dir = workspace_root().join("target/pre-traffic-check");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("index-{}.py", watch.port));
    std::fs::write(&file, hook_code()).unwrap();
    let out = Command::new(venv_tool("python"))
        .arg(workspace_root().join("tests/pre_traffic_check.py"))
        .arg(&file)
        .arg(watch.invoke_url("{function}"))
        .env("REQUEST_RESET", versions[0])
        .env("RESET_PASSWORD", versions[1])
        .env("MAIL_WORKER", versions[2])
        .envs(edge.map(|(id, value)| [("ORIGIN_VERIFY_SECRET_ID", id), ("ORIGIN_VERIFY_VALUE", value)]).into_iter().flatten())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the hook raised instead of reporting: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let mut outcome: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    outcome["printed"] = stdout.into_owned().into();
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pre_traffic_hook_passes_healthy_versions_and_fails_a_wrong_one() {
    // (Moto and the queue pump must outlive the checks: bound, not dropped.)
    let LocalApi { watch, stack: _stack, pump: _pump, .. } = LocalApi::start(&[]).await;

    let healthy = run_hook(&watch, ["request-reset", "reset-password", "mail-worker"], None);
    assert_eq!(healthy["returned"], "Succeeded", "{healthy}");
    let reported = &healthy["reported"][0];
    assert_eq!((reported["deploymentId"].as_str(), reported["lifecycleEventHookExecutionId"].as_str()), (Some("d-TEST"), Some("hook-TEST")));
    assert_eq!(reported["status"], "Succeeded");

    // A "new version" that answers the confirm's path wrongly (request-reset answers it 404/405,
    // not 400 invalid_token): the hook reports Failed, and CodeDeploy keeps traffic where it is.
    let wrong = run_hook(&watch, ["request-reset", "request-reset", "mail-worker"], None);
    assert_eq!(wrong["returned"], "Failed", "{wrong}");
    assert_eq!(wrong["reported"][0]["status"], "Failed");
    assert_eq!(wrong["reported"].as_array().map(Vec::len), Some(1), "reported once");
}

/// Behind the edge the hook reads CloudFront's origin value and sends the REST API's events (payload
/// 1.0, stage `live` in the path lambda_http builds) with it: healthy versions pass; without the
/// value the functions refuse every check (403), and the hook reports Failed.
#[tokio::test(flavor = "multi_thread")]
async fn behind_the_edge_the_hook_sends_cloudfronts_header_and_the_rest_apis_events() {
    // The functions' origin-verify secret: any secret moto holds serves (here the signing keys').
    let secret_id = reset_local::stack::SECRET_ID;
    let LocalApi { watch, stack, pump: _pump, .. } = LocalApi::start(&[("ORIGIN_VERIFY_SECRET_ID", secret_id)]).await;
    let value = stack.secrets().get_secret_value().secret_id(secret_id).send().await.unwrap().secret_string.unwrap();

    let healthy = run_hook(&watch, ["request-reset", "reset-password", "mail-worker"], Some((secret_id, &value)));
    assert_eq!(healthy["returned"], "Succeeded", "{healthy}");

    let wrong = run_hook(&watch, ["request-reset", "reset-password", "mail-worker"], Some((secret_id, "not-the-origin-value")));
    assert_eq!(wrong["returned"], "Failed", "{wrong}");
}
