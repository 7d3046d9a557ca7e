//! The MDN HTTP Observatory (npm `@mdn/mdn-http-observatory`, its own retriever and checks, run by
//! `tests/observatory/scan.mjs`) on the hosted pages under `cargo lambda watch`: every check that
//! can run over plain http passes with no penalty. The two that need https locally report that
//! there is no https; what they grade once deployed is in docs/security.md.

use std::collections::BTreeMap;
use std::process::Command;

use reset_local::stack::DEMO_EMAIL;
use reset_local::workspace_root;
use serde_json::Value;

use crate::helpers::LocalApi;

const PACKAGE: &str = "@mdn/mdn-http-observatory@1.4.8";
/// The checks that grade https itself, with what each reports for a server without it.
const HTTPS_ONLY: [(&str, &str); 2] = [("redirectionTest", "redirection-missing"), ("strictTransportSecurityTest", "hsts-not-implemented-no-https")];

fn scanner() -> std::path::PathBuf {
    let dir = workspace_root().join("target/observatory");
    std::fs::create_dir_all(&dir).unwrap();
    if !dir.join("node_modules/@mdn/mdn-http-observatory/package.json").exists() {
        // Its install script downloads the HSTS preload list, which these checks do not need.
        let out = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix"])
            .arg(&dir)
            .arg(PACKAGE)
            .output()
            .expect("npm runs (node and npm come with scripts/setup)");
        assert!(out.status.success(), "npm install {PACKAGE}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // The install script would fetch Chromium's HSTS preload list from GitHub (out of reach
    // here); the checks consult it only for a host on the list, which 127.0.0.1 never is.
    let preload = dir.join("node_modules/@mdn/mdn-http-observatory/conf/hsts-preload.json");
    if !preload.exists() {
        std::fs::write(&preload, "{}").unwrap();
    }
    std::fs::copy(workspace_root().join("tests/observatory/scan.mjs"), dir.join("scan.mjs")).unwrap();
    dir.join("scan.mjs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mdn_http_observatory_passes_every_check_that_runs_over_http() {
    let scan = scanner();
    let local = LocalApi::start(&[]).await;
    let port = local.url.rsplit(':').next().unwrap().to_owned();
    let answer = ureq::post(&format!("{}/password-reset/request", local.url)).send_json(serde_json::json!({ "email": DEMO_EMAIL })).unwrap();
    assert_eq!(answer.status(), 202);
    let token = local.stack.mails_eventually(1).unwrap()[0].token().expect("a reset link");

    // The forgot page, the reset page without a token, and the emailed link (which sets the cookie).
    for path in ["/forgot-password".to_owned(), "/reset-password".to_owned(), format!("/reset-password?token={token}")] {
        let out = Command::new("node").arg(&scan).args(["127.0.0.1", &port, &path]).output().expect("node runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{path}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        let results: BTreeMap<String, Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{path}: {e}: {stdout}"));
        assert_eq!(results.len(), 10, "{path}: every check ran: {stdout}");
        let page = if path.contains("token=") { "/reset-password?token=…" } else { path.as_str() };
        for (test, outcome) in &results {
            match HTTPS_ONLY.iter().find(|(name, _)| name == test) {
                Some((_, without_https)) => assert_eq!(outcome["result"], *without_https, "{page}: {test}: {outcome}"),
                None => {
                    assert_eq!(outcome["pass"], true, "{page}: {test}: {outcome}");
                    assert!(outcome["score_modifier"].as_i64().unwrap() >= 0, "{page}: {test} costs points: {outcome}");
                }
            }
        }
        println!("{page}: {stdout}");
    }
}
