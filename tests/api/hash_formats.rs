//! The hash a reset writes, in each format `PASSWORD_HASH_FORMAT` offers, read by the library the
//! application in that ecosystem verifies it with (Django's `check_password`, Python `bcrypt`,
//! `argon2-cffi`, Node's `bcryptjs` and `hash-wasm`, and `login-password`), through the reset
//! flow with a password full of characters NFKC changes; bcrypt's 72-byte limit refused, never
//! truncated, in every language; links that work and die whatever string the account holds; and
//! the marker a forced reset that blocks sign-in writes, accepted by none of those verifiers.

use std::io::Write as _;
use std::process::{Command, Stdio};

use aws_sdk_dynamodb::types::AttributeValue;
use login_password::formats::RESET_REQUIRED;
use reset_core::domain::password::{self, HashFormat, PasswordStorage};
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};
use reset_local::{venv_tool, workspace_root};
use reset_text::{Locale, Msg};
use serde_json::json;

use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, confirm_event, link_event, request_event};
use crate::pages::form_event;

/// Fullwidth letters, ligatures, a Roman numeral, a decomposed é: NFKC changes each. 41 bytes
/// after NFKC, so bcrypt reads all of it.
const TYPED: &str = "Ｐａｓｓ ﬁne Ⅻ cafe\u{301} sunrise ｏｒｂｉｔ ﬂute";
/// The same words without what NFKC folds in `TYPED` being the same: another password.
const ANOTHER: &str = "Pass fine XII cafe sunrise orbit flute";

/// Runs `script` (one verification per stdin line, "match" or "no match" per stdout line).
fn verify_with(cmd: Command, what: &str, cases: &[serde_json::Value]) -> Vec<bool> {
    answers_of(cmd, what, cases)
        .0
        .iter()
        .map(|line| match line.as_str() {
            "match" => true,
            "no match" => false,
            other => panic!("{what}: {other}"),
        })
        .collect()
}

/// Runs `script` on `cases` (one a stdin line): its answers, one a case, as it printed them, after
/// it exited with success; and what it wrote to stderr.
fn answers_of(mut cmd: Command, what: &str, cases: &[serde_json::Value]) -> (Vec<String>, String) {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    for case in cases {
        writeln!(stdin, "{case}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what}: {stderr}");
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), cases.len(), "{what}: one answer per case");
    (lines, stderr)
}

/// Node with bcryptjs and hash-wasm installed into target/ (once), beside a copy of the script.
/// Prepared once per test process: three tests use it at once, and a second `npm install`, or a
/// copy of the script over the one another test's node is reading, would race them.
fn node_verifier() -> Command {
    static PREPARED: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let script = PREPARED.get_or_init(|| {
        let dir = workspace_root().join("target/node-ecosystems");
        std::fs::create_dir_all(&dir).unwrap();
        let version = |package: &str| -> Option<String> {
            let manifest = std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json")).ok()?;
            serde_json::from_str::<serde_json::Value>(&manifest).ok()?["version"].as_str().map(str::to_owned)
        };
        if version("bcryptjs").as_deref() != Some("3.0.2") || version("hash-wasm").as_deref() != Some("4.12.0") {
            let out = Command::new("npm")
                .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .args(["bcryptjs@3.0.2", "hash-wasm@4.12.0"])
                .output()
                .expect("npm (node and npm come with scripts/setup)");
            assert!(out.status.success(), "npm install: {}", String::from_utf8_lossy(&out.stderr));
        }
        // Written beside node_modules under a temporary name and renamed: a node started by an
        // earlier test process never reads a half-written script.
        let partial = dir.join(format!("ecosystems.mjs.{}", std::process::id()));
        std::fs::copy(workspace_root().join("tests/login/ecosystems.mjs"), &partial).unwrap();
        std::fs::rename(&partial, dir.join("ecosystems.mjs")).unwrap();
        dir.join("ecosystems.mjs")
    });
    let mut cmd = Command::new("node");
    cmd.arg(script);
    cmd
}

/// PHP's CLI (php-cli comes with scripts/setup).
fn php_verifier() -> Command {
    let mut cmd = Command::new("php");
    cmd.arg(workspace_root().join("tests/login/ecosystems.php"));
    cmd
}

fn python_verifier() -> Command {
    let mut cmd = Command::new(venv_tool("python"));
    cmd.arg(workspace_root().join("tests/login/ecosystems.py"));
    cmd
}

/// `stored` with one character of its hash part (near the end) changed.
fn one_byte_off(stored: &str) -> String {
    let mut bytes = stored.as_bytes().to_vec();
    let at = bytes.len() - 3;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// The demo user's password changed to `TYPED` through the reset flow (request, mail, link,
/// confirm) with reset-password set to store `storage`; returns what it stored.
async fn reset_storing(storage: PasswordStorage) -> String {
    let mut app = MemoryApp::new().await;
    app.deps.confirm.common.settings.store_passwords_as(storage);
    let token = app.token_for_demo().await;
    let reply = app.call(&confirm_event(&token, TYPED)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.user(DEMO_USER_ID).password_hash
}

#[tokio::test]
async fn each_format_a_reset_writes_is_read_by_the_ecosystems_own_verifier() {
    let mut written = Vec::new();
    for (name, format) in HashFormat::ALL {
        // The default parameters, as deployed (bcrypt cost 12, PBKDF2 at Django's count).
        written.push((name, reset_storing(PasswordStorage::new(format)).await));
    }
    let starts = [("argon2id", "$argon2id$v=19$m=19456,t=2,p=1$"), ("django-argon2", "argon2$argon2id$"), ("django-pbkdf2", "pbkdf2_sha256$1500000$")];
    for (name, start) in starts.into_iter().chain([("bcrypt", "$2b$12$"), ("bcrypt-2y", "$2y$12$")]) {
        let stored = &written.iter().find(|(n, _)| *n == name).unwrap().1;
        assert!(stored.starts_with(start), "{name}: {stored}");
    }

    // For each format: the right password matches; another password, the hash one byte off,
    // and every other format's hash (a wrong format) do not.
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (name, stored) in &written {
        cases.push(json!({"format": name, "stored": stored, "password": TYPED}));
        expected.push(true);
        cases.push(json!({"format": name, "stored": stored, "password": ANOTHER}));
        cases.push(json!({"format": name, "stored": one_byte_off(stored), "password": TYPED}));
        expected.extend([false, false]);
        for (other, other_stored) in written.iter().filter(|(other, _)| other != name) {
            cases.push(json!({"format": name, "stored": other_stored, "password": TYPED}));
            expected.push(false);
            let _ = other;
        }
    }
    assert_eq!(verify_with(python_verifier(), "tests/login/ecosystems.py", &cases), expected, "Django, bcrypt, argon2-cffi: {cases:#?}");

    let node_formats = ["argon2id", "bcrypt", "bcrypt-2y"];
    let (node_cases, node_expected): (Vec<_>, Vec<_>) =
        cases.iter().cloned().zip(expected.iter().copied()).filter(|(case, _)| node_formats.contains(&case["format"].as_str().unwrap())).unzip();
    assert_eq!(verify_with(node_verifier(), "tests/login/ecosystems.mjs", &node_cases), node_expected, "bcryptjs, hash-wasm: {node_cases:#?}");

    // PHP's password_verify, as Laravel's hashers call it (which first require that
    // password_get_info name the string's algorithm: bcrypt only for $2y$).
    let php_formats = ["argon2id", "bcrypt-2y"];
    let (php_cases, php_expected): (Vec<_>, Vec<_>) =
        cases.iter().cloned().zip(expected.iter().copied()).filter(|(case, _)| php_formats.contains(&case["format"].as_str().unwrap())).unzip();
    assert_eq!(verify_with(php_verifier(), "tests/login/ecosystems.php", &php_cases), php_expected, "PHP: {php_cases:#?}");
    let laravel = json!({"format": "bcrypt-2y", "stored": written.iter().find(|(n, _)| *n == "bcrypt").unwrap().1, "password": TYPED});
    assert_eq!(verify_with(php_verifier(), "tests/login/ecosystems.php", &[laravel]), [false], "Laravel refuses $2b$: hence bcrypt-2y");

    // A Rust sign-in reads every format with one call.
    for (name, stored) in &written {
        assert!(login_password::verify(TYPED, stored), "{name}");
        assert!(!login_password::verify(ANOTHER, stored), "{name}");
        assert!(!login_password::verify(TYPED, &one_byte_off(stored)), "{name}");
    }
}

#[tokio::test]
async fn an_id_prefix_is_written_before_the_hash_and_read_past_by_the_sign_in() {
    for (prefix, format) in [("{bcrypt}", HashFormat::Bcrypt), ("{argon2@SpringSecurity_v5_8}", HashFormat::Argon2id)] {
        let stored = reset_storing(PasswordStorage { prefix: prefix.into(), bcrypt_cost: 10, ..PasswordStorage::new(format) }).await;
        let hash = stored.strip_prefix(prefix).unwrap_or_else(|| panic!("{stored} starts with {prefix}"));
        assert!(hash.starts_with('$'), "{stored}");
        assert!(login_password::verify(TYPED, &stored));
        // What Spring's DelegatingPasswordEncoder hands its bcrypt or argon2 encoder: the rest.
        assert!(!login_password::verify(ANOTHER, &stored) && !login_password::verify(TYPED, &one_byte_off(&stored)), "{stored}");
        let name = if format == HashFormat::Bcrypt { "bcrypt" } else { "argon2id" };
        let cases = [
            json!({"format": name, "stored": hash, "password": TYPED}),
            json!({"format": name, "stored": hash, "password": ANOTHER}),
            json!({"format": name, "stored": one_byte_off(hash), "password": TYPED}),
        ];
        assert_eq!(verify_with(python_verifier(), "tests/login/ecosystems.py", &cases), [true, false, false], "{stored}");
    }
}

/// One snippet run as a script (`SCRIPT STORED PASSWORD`): what it printed, after a clean exit
/// (success, nothing on stderr).
fn snippet_says(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{what}: {}{stderr}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// docs/existing-users-table.md ("Operators' resets"): no verifier accepts what a forced reset
/// that blocks sign-in writes, bare or behind Spring's `{bcrypt}` id. Every verifier the tests
/// above run gets both, with a typical password, the marker typed as the password and the stored
/// string typed, and answers "no match" with a clean exit: each script as these tests call it
/// (format checks first), the library's own call as the document shows it (no check, nothing
/// caught: what the library itself says), the document's Python and Node snippets, and the Rust
/// crate. A library that raises on the malformed string must raise what the snippet calling it
/// catches.
#[test]
fn no_verifier_accepts_the_marker_a_forced_reset_that_blocks_sign_in_writes() {
    let prefixed = format!("{{bcrypt}}{RESET_REQUIRED}");
    let mut tried: Vec<(&str, &str)> = Vec::new();
    for stored in [RESET_REQUIRED, prefixed.as_str()] {
        for password in [TYPED, RESET_REQUIRED, stored] {
            if !tried.contains(&(stored, password)) {
                tried.push((stored, password));
            }
        }
    }

    for &(stored, typed) in &tried {
        assert!(login_password::formats::is_reset_required(stored), "{stored}: the string the sign-in may look for");
        assert!(!login_password::verify(typed, stored), "login-password: {typed:?} against {stored}");
        assert!(!password::verify(typed, stored), "reset-core: {typed:?} against {stored}");
    }

    // (format, what the library's own call answers for either marker). The ones that raise:
    // argon2-cffi's InvalidHashError, which the document's snippet (check.py, below) catches;
    // pyca bcrypt's ValueError ("Invalid salt"), which the document's bare `bcrypt.checkpw` line
    // does not (the scripts here catch it); hash-wasm's Error, which the document's snippet
    // (check.mjs, below) catches with all else.
    let python = [
        ("argon2id", "raises argon2.exceptions.InvalidHashError"),
        ("django-argon2", "no match"),
        ("django-pbkdf2", "no match"),
        ("bcrypt", "raises builtins.ValueError"),
        ("bcrypt-2y", "raises builtins.ValueError"),
    ];
    let node = [("argon2id", "raises Error: Invalid hash"), ("bcrypt", "no match"), ("bcrypt-2y", "no match")];
    let php = [("argon2id", "no match"), ("bcrypt-2y", "no match")];
    let verifiers = [
        (python_verifier(), "tests/login/ecosystems.py (Django, pyca bcrypt, argon2-cffi)", &python[..]),
        (node_verifier(), "tests/login/ecosystems.mjs (bcryptjs, hash-wasm)", &node[..]),
        (php_verifier(), "tests/login/ecosystems.php (password_verify)", &php[..]),
    ];
    for (verifier, what, formats) in verifiers {
        let mut cases = Vec::new();
        let mut expected = Vec::new();
        for (format, library_says) in formats {
            for &(stored, typed) in &tried {
                cases.push(json!({"format": format, "stored": stored, "password": typed}));
                expected.push("no match");
                cases.push(json!({"format": format, "stored": stored, "password": typed, "raw": true}));
                expected.push(library_says);
            }
        }
        let (answers, stderr) = answers_of(verifier, what, &cases);
        assert!(stderr.is_empty(), "{what}: a clean exit, not {stderr}");
        let wrong: Vec<String> = cases
            .iter()
            .zip(&answers)
            .zip(&expected)
            .filter(|((_, answer), expected)| answer != *expected)
            .map(|((case, answer), expected)| format!("{case}: {answer}, not {expected}"))
            .collect();
        assert!(wrong.is_empty(), "{what}:\n{}", wrong.join("\n"));
    }

    // The document's snippets, as a sign-in calls them: what the library raised above is caught
    // there, and read as a failed sign-in.
    for &(stored, typed) in &tried {
        let mut python = Command::new(venv_tool("python"));
        python.arg(workspace_root().join("tests/login/check.py")).args([stored, typed]);
        let mut node = Command::new("node");
        node.arg(crate::login::node_check()).args([stored, typed]);
        for (snippet, what) in [(python, "tests/login/check.py"), (node, "tests/login/check.mjs")] {
            assert_eq!(snippet_says(snippet, what), "no match", "{what}: {typed:?} against {stored}");
        }
    }
}

#[tokio::test]
async fn with_bcrypt_a_password_longer_than_72_bytes_is_refused_in_every_language_and_nothing_changes() {
    for (format, version) in [(HashFormat::Bcrypt, "$2b$10$"), (HashFormat::Bcrypt2y, "$2y$10$")] {
        let mut app = MemoryApp::new().await;
        app.deps.confirm.common.settings.store_passwords_as(PasswordStorage { bcrypt_cost: 10, ..PasswordStorage::new(format) });
        let before = app.user(DEMO_USER_ID).password_hash;
        let token = app.token_for_demo().await;
        // 25 unrelated CJK characters: strong, 25 characters, 75 bytes.
        let long = "東京の朝は静かで青い空に白い雲が浮かび川沿いを歩く";
        assert!(long.chars().count() >= 12 && long.len() > 72, "{}", long.len());
        // Counted after NFKC: typed, 35 bytes; normalized, 89 (each ㍿ becomes 株式会社, 12 bytes).
        let expands = "㍿㍿㍿㍿㍿㍿ river stone lamp";
        assert!(expands.len() <= 72 && login_password::normalize(expands).len() > 72);
        for password in [long, expands] {
            let reply = app.call(&confirm_event(&token, password)).await;
            let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!((reply.status, body["reasons"][0]["code"].as_str()), (422, Some("too_many_bytes")), "{format:?} {password}: {}", reply.body);
        }
        assert_eq!(app.user(DEMO_USER_ID).password_hash, before, "nothing changed");

        // The form says the limit before anything is typed, and the refusal, in each language.
        for locale in Locale::all() {
            let mut form = link_event("", "GET", Some("same-origin"));
            form["rawQueryString"] = "".into();
            form["queryStringParameters"] = json!({});
            form["cookies"] = json!([format!("__Host-reset_token={token}")]);
            form["headers"]["accept-language"] = locale.tag().into();
            let page = app.call(&form).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let hint = Msg::new("reset-password-hint-bytes").with("min", 12usize).with("max", 72usize).text(locale);
            assert!(page.body.contains(&hint), "{}: {hint} in {}", locale.tag(), page.body);
            // The field does not cut a pasted passphrase at 72: the server refuses it whole instead.
            assert!(page.body.contains("maxlength=\"256\"") && !page.body.contains("maxlength=\"72\""), "{}", locale.tag());

            let mut post = form_event(Some(&token), long, long);
            post["headers"]["accept-language"] = locale.tag().into();
            let refused = app.call(&post).await;
            assert_eq!(refused.status, 422, "{}", locale.tag());
            let said = Msg::new("password-too-many-bytes").with("max", 72usize).with("count", long.len()).text(locale);
            assert!(refused.body.contains(&said), "{}: {said} in {}", locale.tag(), refused.body);
        }
        assert_eq!(app.user(DEMO_USER_ID).password_hash, before, "nothing changed");
        // Exactly 72 bytes is bcrypt's whole input: accepted, and read so by pyca bcrypt and
        // bcryptjs (and PHP for $2y$) as by login-password; the 75-byte one is another password.
        let fits = "東京の朝は静かで青い空に白い雲が浮かび川沿いを歩";
        assert_eq!(fits.len(), 72);
        let reply = app.call(&confirm_event(&token, fits)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let stored = app.user(DEMO_USER_ID).password_hash;
        assert!(stored.starts_with(version) && login_password::verify(fits, &stored), "{stored}");
        assert!(!login_password::verify(long, &stored), "the 75-byte password is another one");
        let name = if format == HashFormat::Bcrypt { "bcrypt" } else { "bcrypt-2y" };
        let cases = [json!({"format": name, "stored": stored, "password": fits}), json!({"format": name, "stored": stored, "password": &fits[..69]})];
        assert_eq!(verify_with(python_verifier(), "tests/login/ecosystems.py", &cases), [true, false], "{stored}");
        assert_eq!(verify_with(node_verifier(), "tests/login/ecosystems.mjs", &cases), [true, false], "{stored}");
        if format == HashFormat::Bcrypt2y {
            assert_eq!(verify_with(php_verifier(), "tests/login/ecosystems.php", &cases), [true, false], "{stored}");
        }
    }
}

/// Stores `hash` as the demo user's password hash, as the application might.
async fn set_hash(app: &MotoApp, hash: &str) {
    app.stack.set_user_attribute(DEMO_USER_ID, &app.stack.table.password_hash, AttributeValue::S(hash.into())).await.unwrap();
}

/// Against moto, on the shipped wiring: an account whose stored string is bcrypt, Django PBKDF2
/// or no known format gets a link that works once (an empty one, or Django's unusable marker, none), is dead after the change, and the write lands
/// in the configured format (here bcrypt behind Spring's id); the next link binds that.
#[tokio::test]
async fn links_work_and_die_whatever_string_the_account_holds() {
    let app = MotoApp::start_with(&[("PASSWORD_HASH_FORMAT", "bcrypt"), ("BCRYPT_COST", "10"), ("PASSWORD_HASH_PREFIX", "{bcrypt}")]).await;
    let bcrypt = bcrypt::hash("an old password", 4).unwrap();
    let pbkdf2 = login_password::formats::django_pbkdf2(b"an old password", "abcdefghijklmnopqrstuv", 1000);
    for (what, old) in [("bcrypt", bcrypt.as_str()), ("Django PBKDF2", &pbkdf2), ("no known format", "locked-by-application")] {
        set_hash(&app, old).await;
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        let mails = app.mails().await;
        let token = mails.iter().rev().find_map(|mail| mail.token()).expect("a reset mail");
        let done = app.call(&confirm_event(&token, NEW_PASSWORD)).await;
        assert_eq!(done.status, 200, "{what}: {}", done.body);
        let stored = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
        assert!(stored.starts_with("{bcrypt}$2b$10$") && password::verify(NEW_PASSWORD, &stored), "{what}: {stored}");
        let again = app.call(&confirm_event(&token, "yet another long passphrase")).await;
        assert_eq!((again.status, again.error_code().as_deref()), (400, Some("invalid_or_expired_token")), "{what}: the link is dead");
        assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), stored, "{what}: the dead link changed nothing");
    }
    // An empty string, or Django's unusable marker (an account that signs in another way), is no
    // password: the account gets no link, as one without a hash, and the same answer.
    let sent = app.mails().await.len();
    for unusable in ["", "!k3jd82Hs0aLqP1xZ"] {
        set_hash(&app, unusable).await;
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
        assert_eq!(app.mails().await.len(), sent, "{unusable:?}: no mail");
    }
    set_hash(&app, &bcrypt).await;
    // A link asked for while the account holds the service's own bcrypt string works too.
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let mails = app.mails().await;
    let token = mails.iter().rev().find_map(|mail| mail.token()).expect("a reset mail");
    assert_eq!(app.call(&confirm_event(&token, "a third long passphrase, river")).await.status, 200);
}
