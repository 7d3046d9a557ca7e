//! The sign-in side of the password rule: a password with compatibility characters, set through
//! the reset flow, verifies as typed with the `login-password` crate and with the Python and Node
//! snippets docs/existing-users-table.md gives (`tests/login/`), and does not verify without the normalization.
//! And the session rule after a reset: one table of cases, run by the crate and by those two
//! snippets, whose text in the document must be the one run.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

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

/// tests/login/check.mjs, copied beside hash-wasm in target/ so that its import resolves: set up
/// once per run (the tests that use it may run at the same time).
pub(crate) fn node_check() -> &'static PathBuf {
    static SCRIPT: OnceLock<PathBuf> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let dir = workspace_root().join("target/node-login");
        std::fs::create_dir_all(&dir).unwrap();
        if !dir.join("node_modules/hash-wasm").exists() {
            let mut install = Command::new("npm");
            install.args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"]).arg(&dir).arg("hash-wasm@4.12.0");
            run(install, "npm install hash-wasm (node and npm come with scripts/setup)");
        }
        std::fs::copy(workspace_root().join("tests/login/check.mjs"), dir.join("check.mjs")).unwrap();
        dir.join("check.mjs")
    })
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
    let script = node_check();
    let phc = stored();
    let check = |password: &str| {
        let mut cmd = Command::new("node");
        cmd.arg(script).args([&phc, password]);
        run(cmd, "tests/login/check.mjs")
    };
    assert_eq!(check(TYPED), "match");
    assert_eq!(check("Ｐａｓｓ ﬁne Ⅻ cafe sunrise"), "no match");
}

/// The second of a reset, in the cases below.
const CHANGED: u64 = 1_733_200_000;

/// `password_changed_at` as an application reads it from the user item.
#[derive(Clone, Copy, Debug)]
enum ChangedAt {
    /// The item has none: the user never reset.
    Absent,
    /// A number, as an SDK that converts gives it (boto3's Decimal, DocumentClient's number).
    Number(u64),
    /// The number's text as DynamoDB sends it, or whatever else someone stored.
    Stored(&'static str),
}

/// The session rule, in cases: (what, session issued at, password_changed_at, the session stands).
/// Most garbage values would let the session stand if read leniently (trimmed, as a float, with a
/// sign, in hex, as other scripts' digits; JavaScript's `Number("")` is 0), so a snippet that
/// parses loosely fails here.
fn session_cases() -> Vec<(String, u64, ChangedAt, bool)> {
    use ChangedAt::*;
    let mut cases = vec![
        ("issued the second before the change".to_owned(), CHANGED - 1, Number(CHANGED), false),
        ("issued long before the change".to_owned(), 0, Number(CHANGED), false),
        ("issued in the same second as the change".to_owned(), CHANGED, Number(CHANGED), true),
        ("issued the second after the change".to_owned(), CHANGED + 1, Number(CHANGED), true),
        ("issued the second before, as stored".to_owned(), CHANGED - 1, Stored("1733200000"), false),
        ("issued in the same second, as stored".to_owned(), CHANGED, Stored("1733200000"), true),
        ("issued the second after, as stored".to_owned(), CHANGED + 1, Stored("1733200000"), true),
        ("no reset ever".to_owned(), 0, Absent, true),
        ("no reset ever, a session from now".to_owned(), CHANGED, Absent, true),
    ];
    for garbage in [
        "",
        "abc",
        "1733200000x",
        " 1733200000",
        "1733200000 ",
        "1733200000\n",
        "+1733200000",
        "-1",
        "1733200000.0",
        "1733200000.5",
        "1.7332E9",
        "0x674e0000",
        "１７３３２０００００",
        "١٧٣٣٢٠٠٠٠٠",
        "null",
    ] {
        cases.push((format!("garbage {garbage:?}"), CHANGED + 10, Stored(garbage), false));
    }
    cases.push(("past u64, not wrapped".to_owned(), u64::MAX, Stored("18446744073709551616"), false));
    cases
}

/// The crate's answer to one case.
fn crate_says(issued_at: u64, changed_at: ChangedAt) -> bool {
    match changed_at {
        ChangedAt::Absent => {
            let stands = login_password::session_is_current(issued_at, None);
            assert_eq!(stands, login_password::session_is_current_stored(issued_at, None), "the two functions agree on an absent value");
            stands
        }
        ChangedAt::Number(seconds) => login_password::session_is_current(issued_at, Some(seconds)),
        ChangedAt::Stored(text) => login_password::session_is_current_stored(issued_at, Some(text)),
    }
}

/// Runs a snippet's `sessions` mode on every case and checks each answer against the crate's.
fn snippet_agrees_with_the_crate(mut cmd: Command, what: &str) {
    let cases = session_cases();
    let input: String = cases
        .iter()
        .map(|(_, issued_at, changed_at, _)| {
            let changed_at = match changed_at {
                ChangedAt::Absent => serde_json::Value::Null,
                ChangedAt::Number(seconds) => serde_json::Value::from(*seconds),
                ChangedAt::Stored(text) => serde_json::Value::from(*text),
            };
            format!("{}\n", serde_json::json!([issued_at, changed_at]))
        })
        .collect();
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{what}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<&str> = stdout.lines().collect();
    assert_eq!(answers.len(), cases.len(), "{what}: one answer a case: {stdout}");
    let disagreements: Vec<String> = cases
        .iter()
        .zip(&answers)
        .filter_map(|((name, issued_at, changed_at, _), answer)| {
            let expected = if crate_says(*issued_at, *changed_at) { "current" } else { "ended" };
            (*answer != expected).then(|| format!("{name} (issued {issued_at}, {changed_at:?}): the crate says {expected}, {what} says {answer}"))
        })
        .collect();
    assert!(disagreements.is_empty(), "{what} disagrees with login_password:\n{}", disagreements.join("\n"));
}

#[test]
fn the_crate_follows_the_session_rule_in_every_case() {
    for (name, issued_at, changed_at, stands) in session_cases() {
        assert_eq!(crate_says(issued_at, changed_at), stands, "{name} (issued {issued_at}, {changed_at:?})");
    }
}

#[test]
fn the_python_session_snippet_agrees_with_the_crate() {
    let mut cmd = Command::new(venv_tool("python"));
    cmd.arg(workspace_root().join("tests/login/check.py")).arg("sessions");
    snippet_agrees_with_the_crate(cmd, "tests/login/check.py");
}

#[test]
fn the_node_session_snippet_agrees_with_the_crate() {
    let mut cmd = Command::new("node");
    cmd.arg(node_check()).arg("sessions");
    snippet_agrees_with_the_crate(cmd, "tests/login/check.mjs");
}

/// The fenced block of `lang` in the section of docs/existing-users-table.md headed `section`
/// that holds `marker`, without the indentation of a list item.
fn doc_snippet(section: &str, lang: &str, marker: &str) -> String {
    let doc = std::fs::read_to_string(workspace_root().join("docs/existing-users-table.md")).unwrap();
    let start = doc.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("docs/existing-users-table.md has a section \"{section}\""));
    let body = &doc[start + 1..];
    let body = &body[..body[3..].find("\n## ").map_or(body.len(), |end| end + 3)];
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Vec<&str>)> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None if trimmed == format!("```{lang}") => open = Some((line.len() - trimmed.len(), Vec::new())),
            None => {}
            Some((indent, lines)) if trimmed == "```" => {
                let indent = *indent;
                blocks.push(lines.iter().map(|l| l.get(indent..).unwrap_or("").trim_end()).collect::<Vec<_>>().join("\n"));
                open = None;
            }
            Some((_, lines)) => lines.push(line),
        }
    }
    let mut holding = blocks.into_iter().filter(|b| b.contains(marker));
    let snippet = holding.next().unwrap_or_else(|| panic!("a ```{lang} block with {marker:?} in \"{section}\""));
    assert!(holding.next().is_none(), "one ```{lang} block with {marker:?} in \"{section}\"");
    snippet
}

#[test]
fn the_docs_session_snippets_are_the_ones_these_tests_run() {
    for (lang, marker, file) in [("python", "def session_is_current(", "tests/login/check.py"), ("js", "function sessionIsCurrent(", "tests/login/check.mjs")] {
        let snippet = doc_snippet("Sessions after a reset", lang, marker);
        let source = std::fs::read_to_string(workspace_root().join(file)).unwrap();
        assert!(
            source.contains(&format!("{snippet}\n")),
            "the {lang} block in docs/existing-users-table.md differs from {file}, which the session cases run:\n{snippet}"
        );
        assert_eq!(source.matches(marker).count(), 1, "{file} defines the rule once, so the cases run the documented one");
    }
}
