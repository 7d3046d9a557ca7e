//! openapi.yaml describes the JSON API exactly: schemathesis (PyPI) generates requests from it,
//! valid and invalid, against the functions under `cargo lambda watch` and moto, and checks every
//! answer against the document (status codes, content types, bodies, headers) and that no answer
//! is a server error.

use std::process::Command;

use reset_tests::functions::Watch;
use reset_tests::stack::{Stack, generous_limits};
use reset_tests::{free_port, venv_tool, workspace_root};

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_local_stack() {
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut stack = Stack::start(None, &format!("{api}/reset-password")).await.expect("moto starts");
    // Many generated requests from one IP: lift the budgets, and the time floor (not under test here).
    stack.overrides = generous_limits();
    stack.overrides.push(("REQUEST_TIME_FLOOR_MS".into(), "0".into()));
    let log = workspace_root().join(format!("target/test-logs/watch-{port}.log"));
    let _watch = Watch::start(Some(port), &stack.env(), &log, false).expect("cargo lambda watch starts");

    let out = Command::new(venv_tool("schemathesis"))
        .current_dir(workspace_root())
        .args(["run", "openapi.yaml", "--url", &api])
        // Every check except positive_data_acceptance: a schema-valid token is still not a real one.
        .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", "60", "--generation-deterministic", "--generation-codec", "utf-8", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", workspace_root().join("tests"))
        .output()
        .expect("schemathesis runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found problems:\n{report}");
}
