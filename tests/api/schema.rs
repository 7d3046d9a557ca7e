//! openapi.yaml describes the JSON API exactly: schemathesis (PyPI) generates requests from it,
//! valid and invalid, against the functions under `cargo lambda watch` and moto, and checks every
//! answer against the document (status codes, content types, bodies, headers) and that no answer
//! is a server error.

use std::process::Command;

use reset_local::{venv_tool, workspace_root};

use crate::helpers::LocalApi;

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_local_stack() {
    let local = LocalApi::start(&[]).await;
    let api = local.url.clone();

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
