//! The sign-in side of the password rule: a password with compatibility characters, set through
//! the reset flow, verifies as typed with the `login-password` crate and with the Python and Node
//! snippets docs/existing-users-table.md gives (`tests/login/`), and does not verify without the normalization.

use std::process::Command;

use argon2::password_hash::PasswordVerifier as _;
use reset_core::domain::{NewPassword, PasswordPolicy};
use reset_local::{venv_tool, workspace_root};

/// Fullwidth letters, a ligature, a Roman numeral, a decomposed é: NFKC changes each.
const TYPED: &str = "Ｐａｓｓ ﬁne Ⅻ cafe\u{301} sunrise";

/// The PHC string the reset flow stores for `TYPED`.
fn stored() -> String {
    let new = NewPassword::parse(TYPED, PasswordPolicy::default()).expect("long enough");
    reset_core::domain::password::hash_blocking(new.expose()).unwrap()
}

fn run(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_crate_verifies_as_typed_and_skipping_the_rule_locks_the_user_out() {
    let phc = stored();
    assert!(login_password::verify(TYPED, &phc));
    assert!(login_password::verify(&login_password::normalize(TYPED), &phc), "normalizing twice changes nothing");
    assert!(!login_password::verify("Pass fine XII cafe sunrise", &phc), "another password");
    let raw = argon2::Argon2::default().verify_password(TYPED.as_bytes(), phc.as_str());
    assert!(raw.is_err(), "a sign-in that skips NFKC rejects the right password");
}

#[test]
fn the_python_snippet_verifies_what_the_service_stored() {
    let phc = stored();
    let check = |password: &str| {
        let mut cmd = Command::new(venv_tool("python"));
        cmd.arg(workspace_root().join("tests/login/check.py")).args([&phc, password]);
        run(cmd, "tests/login/check.py")
    };
    assert_eq!(check(TYPED), "match");
    assert_eq!(check("Ｐａｓｓ ﬁne Ⅻ cafe sunrise"), "no match");
}

#[test]
fn the_node_snippet_verifies_what_the_service_stored() {
    // hash-wasm into target/ (once), beside a copy of the snippet so that its import resolves.
    let dir = workspace_root().join("target/node-login");
    std::fs::create_dir_all(&dir).unwrap();
    if !dir.join("node_modules/hash-wasm").exists() {
        let mut install = Command::new("npm");
        install.args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"]).arg(&dir).arg("hash-wasm@4.12.0");
        run(install, "npm install hash-wasm (node and npm come with scripts/setup)");
    }
    std::fs::copy(workspace_root().join("tests/login/check.mjs"), dir.join("check.mjs")).unwrap();
    let phc = stored();
    let check = |password: &str| {
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("check.mjs")).args([&phc, password]);
        run(cmd, "tests/login/check.mjs")
    };
    assert_eq!(check(TYPED), "match");
    assert_eq!(check("Ｐａｓｓ ﬁne Ⅻ cafe sunrise"), "no match");
}
