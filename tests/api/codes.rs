//! The code mailed beside every link (`7KQ4-M2XD`), typed with the address on another device: the
//! JSON confirm's second shape (`{email, code, password}`) and the code page (`GET
//! /reset-password?code`, whose post exchanges a right code for its link in the usual cookie).
//! A right code stands for its link and dies with it; five checks per address per window, then
//! none; read as people type it; and an unknown address, a disabled account and a wrong code get
//! the same answer after the same store calls, in every language.
//!
//! The codes come from the mails as the worker wrote them (in memory: the text part, on a line of
//! its own; on moto: `SentMail::code`), never derived by the test.

use std::time::Duration;

use reset_core::domain::mail_job::OperatorAction;
use reset_core::domain::{StoredEmail, User, UserId, password};
use reset_core::{OperatorDeps, OperatorRequest, start_operator_reset};
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use reset_text::{Locale, Msg};
use serde_json::Value;

use crate::handlers::assert_json_error;
use crate::helpers::{
    KEY_A, KEY_B, MemoryApp, MotoApp, NEW_PASSWORD, RESET_PAGE, confirm_event, kid_of, link_id, maybe_link_id, memory_deps, request_event, secret, token_in,
};
use crate::pages::form_event;

/// Checks an address may make per window of a link's lifetime, as the API documents it (not read
/// from the code: a test that took the constant would follow it wherever it went).
const DOCUMENTED_ATTEMPTS: usize = 5;
const OTHER_PASSWORD: &str = "yet another long passphrase";
const CODE_ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The one code in a mail's text part: a line of its own, two groups of four.
pub(crate) fn code_in(text: &str) -> String {
    let is_code = |line: &&str| line.len() == 9 && line.char_indices().all(|(at, c)| if at == 4 { c == '-' } else { CODE_ALPHABET.contains(c) });
    let codes: Vec<&str> = text.lines().map(str::trim).filter(is_code).collect();
    assert_eq!(codes.len(), 1, "one code on a line of its own in the mail:\n{text}");
    codes[0].to_owned()
}

/// A code that is not `right`: its last character changed.
pub(crate) fn wrong(right: &str) -> String {
    let last = if right.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &right[..right.len() - 1])
}

/// What a link mail carried.
pub(crate) struct Mailed {
    pub token: String,
    pub code: String,
}

impl Mailed {
    fn of(mail: &reset_core::ports::Mail) -> Mailed {
        Mailed { token: token_in(&mail.text), code: code_in(&mail.text) }
    }
}

/// Asks for a link for `email` (an account's address) and returns what its mail carried.
pub(crate) async fn mailed(app: &MemoryApp, email: &str) -> Mailed {
    let before = app.mailer.sent().len();
    assert_eq!(app.call(&request_event(email)).await.status, 202);
    app.deliver().await;
    let mails = app.mailer.sent();
    assert_eq!(mails.len(), before + 1, "one mail for {email}");
    assert_eq!(mails[before].to.as_ref(), email);
    Mailed::of(&mails[before])
}

/// Asks for links for `email` until a mail's code passes `wanted` (at most 100: a code has a
/// given character with a chance of 22%), and returns that mail's.
async fn mailed_until(app: &MemoryApp, email: &str, wanted: impl Fn(&str) -> bool) -> Mailed {
    for _ in 0..100 {
        let mail = mailed(app, email).await;
        if wanted(&mail.code) {
            return mail;
        }
    }
    panic!("no wanted code in 100 mails to {email}");
}

/// Waits for the next attempts' window when this one ends within `margin` seconds: the windows
/// are fixed (a link's lifetime long, from the epoch), and the attempts a test counts must fall in
/// one of them.
pub(crate) async fn clear_of_a_window_end(window: u64, margin: u64) {
    let left = window - reset_core::unix_now() % window;
    if left <= margin {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

/// The JSON confirm with a code (`events/reset-password-confirm-code.json`, its fields replaced).
pub(crate) fn confirm_code_event(email: &str, code: &str, password: &str) -> Value {
    let event = events::load("reset-password-confirm-code.json");
    let event = events::with_body_field(event, "email", email);
    let event = events::with_body_field(event, "code", code);
    events::with_body_field(event, "password", password)
}

/// The code page's form as the page posts it (`events/reset-password-code-form.json`).
pub(crate) fn code_form_event(email: &str, code: &str) -> Value {
    let mut event = events::load("reset-password-code-form.json");
    event["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("email", email).append_pair("code", code).finish().into();
    event
}

/// The reset page opened from this origin with the cookie a right code set.
fn page_with_cookie(token: &str) -> Value {
    let mut event = events::load("reset-password-page-without-token.json");
    event["headers"]["sec-fetch-site"] = "same-origin".into();
    event["cookies"] = serde_json::json!([format!("__Host-reset_token={token}")]);
    event
}

fn with_accept_language(mut event: Value, tag: &str) -> Value {
    event["headers"]["accept-language"] = tag.into();
    event
}

/// The token a right code's exchange put in the cookie, after checking the redirect to the form.
fn exchanged_token(reply: &Reply, what: &str) -> String {
    assert_eq!(reply.status, 303, "{what}: {}", reply.body);
    assert_eq!(reply.header("location"), Some(RESET_PAGE), "{what}: on to the reset page");
    let cookie = reply.header("set-cookie").unwrap_or_else(|| panic!("{what}: no cookie"));
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/;"] {
        assert!(cookie.contains(attribute), "{what}: {cookie} lacks {attribute}");
    }
    let token = cookie.strip_prefix("__Host-reset_token=").and_then(|rest| rest.split(';').next()).unwrap_or_else(|| panic!("{what}: {cookie}"));
    token.to_owned()
}

/// The code page again, refused with `status`: the fields, the reason in the reader's words, no cookie.
fn assert_code_page_again(reply: &Reply, status: u16, reason: &Msg, locale: Locale, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"), "{what}");
    assert_eq!(reply.header("set-cookie"), None, "{what}: no cookie for a refused code");
    for field in ["name=\"email\"", "name=\"code\""] {
        assert!(reply.body.contains(field), "{what}: the code page again, with {field}");
    }
    let reason = html_escape(&reason.text(locale));
    assert!(reply.body.contains(&reason), "{what}: the page says {reason:?}:\n{}", reply.body);
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

fn demo_password_is(app: &MemoryApp, password: &str) -> bool {
    password::verify(password, &app.user(DEMO_USER_ID).password_hash)
}

#[tokio::test]
async fn a_right_code_changes_the_password_once() {
    let app = MemoryApp::new().await;
    app.add_user("u-twin", "twin@example.com", DEMO_PASSWORD, true);
    let mail = mailed(&app, DEMO_EMAIL).await;
    let twin = mailed(&app, "twin@example.com").await;

    let by_code = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, NEW_PASSWORD)).await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert!(demo_password_is(&app, NEW_PASSWORD), "the code changed the password");
    // The answer is the token confirm's, byte for byte.
    let by_token = app.call(&confirm_event(&twin.token, NEW_PASSWORD)).await;
    assert_eq!((by_code.status, &by_code.headers, &by_code.body), (by_token.status, &by_token.headers, &by_token.body), "a code's 200 is a link's");
    // The change names the link the code came with, as a change through the link would.
    let changes: Vec<Value> = app
        .users
        .outbox
        .events()
        .iter()
        .filter(|e| e.detail_type == "Password Changed")
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .filter(|detail: &Value| detail["user_id"] == DEMO_USER_ID)
        .collect();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["link_id"], link_id(&mail.token), "the Password Changed names the mailed link");
    let notices = app.mails().await.into_iter().filter(|m| m.to.as_ref() == DEMO_EMAIL && m.subject.contains("was changed")).count();
    assert_eq!(notices, 1, "the password-changed notice goes out as after a link");

    // Once: the same code is dead, and so is its link.
    let changed = app.user(DEMO_USER_ID);
    let again = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, OTHER_PASSWORD)).await;
    assert_json_error(&again, 400, "invalid_or_expired_code", "the same code again");
    let page = app.call(&code_form_event(DEMO_EMAIL, &mail.code)).await;
    assert_code_page_again(&page, 400, &Msg::new("error-invalid-code"), Locale::ENGLISH, "the same code on the page");
    let link = app.call(&confirm_event(&mail.token, OTHER_PASSWORD)).await;
    assert_json_error(&link, 400, "invalid_or_expired_token", "the code's link after the code");
    assert_eq!(app.user(DEMO_USER_ID), changed, "nothing changed after the first change");
}

#[tokio::test]
async fn the_sixth_attempt_with_the_right_code_after_five_wrong_ones_fails() {
    let app = MemoryApp::new().await;
    app.add_user("u-twin", "twin@example.com", DEMO_PASSWORD, true);
    let mail = mailed(&app, DEMO_EMAIL).await;
    let twin = mailed(&app, "twin@example.com").await;
    let ttl = app.deps.settings().token_ttl.as_secs();
    clear_of_a_window_end(ttl, 10).await;
    for attempt in 1..=DOCUMENTED_ATTEMPTS {
        let reply = app.call(&confirm_code_event(DEMO_EMAIL, &wrong(&mail.code), NEW_PASSWORD)).await;
        assert_json_error(&reply, 400, "invalid_or_expired_code", &format!("wrong code {attempt}"));
    }
    let sixth = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, NEW_PASSWORD)).await;
    assert_json_error(&sixth, 429, "too_many_code_attempts", "the right code after five wrong ones");
    let retry_after: u64 = sixth.header("retry-after").expect("429 says when").parse().expect("seconds");
    assert!((1..=ttl).contains(&retry_after), "Retry-After {retry_after} within the link's lifetime {ttl}");
    // The page refuses it too, with the code page, the same status and Retry-After.
    let page = app.call(&code_form_event(DEMO_EMAIL, &mail.code)).await;
    // The page's own Retry-After (a second later than the JSON's, it may name another minute).
    let page_retry: u64 = page.header("retry-after").expect("the page's 429 says when").parse().expect("seconds");
    let minutes = page_retry.div_ceil(60).max(1);
    assert_code_page_again(&page, 429, &Msg::new("error-code-attempts").with("minutes", minutes), Locale::ENGLISH, "the page after five wrong");
    assert!(demo_password_is(&app, DEMO_PASSWORD), "nothing changed");

    // An address with no account is counted alike (a lookup skipped for it would tell).
    for attempt in 1..=DOCUMENTED_ATTEMPTS {
        let reply = app.call(&confirm_code_event("nobody@example.com", &mail.code, NEW_PASSWORD)).await;
        assert_json_error(&reply, 400, "invalid_or_expired_code", &format!("unknown address, attempt {attempt}"));
    }
    let sixth = app.call(&confirm_code_event("nobody@example.com", &mail.code, NEW_PASSWORD)).await;
    assert_json_error(&sixth, 429, "too_many_code_attempts", "an unknown address's sixth attempt");

    // Another address keeps its own attempts, and the locked address's link still works.
    let other = app.call(&confirm_code_event("twin@example.com", &twin.code, NEW_PASSWORD)).await;
    assert_eq!(other.status, 200, "another address is not locked: {}", other.body);
    let link = app.call(&confirm_event(&mail.token, NEW_PASSWORD)).await;
    assert_eq!(link.status, 200, "the link in the mail still works: {}", link.body);
}

/// A weak password and a code not shaped like one are refused before the code is checked: any
/// number of them leaves the address's attempts whole.
#[tokio::test]
async fn refusals_before_the_code_spend_no_attempt() {
    let app = MemoryApp::new().await;
    let mail = mailed(&app, DEMO_EMAIL).await;
    for attempt in 0..2 * DOCUMENTED_ATTEMPTS {
        let weak = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, "short")).await;
        assert_json_error(&weak, 422, "weak_password", &format!("weak password {attempt}"));
        let guessable = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, "password1234")).await;
        assert_json_error(&guessable, 422, "weak_password", &format!("guessable password {attempt}"));
        let malformed = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code[..7], NEW_PASSWORD)).await;
        assert_json_error(&malformed, 400, "malformed_code", &format!("malformed code {attempt}"));
        let page = app.call(&code_form_event(DEMO_EMAIL, "7KQ4-M2XU")).await;
        assert_code_page_again(&page, 400, &Msg::new("error-malformed-code"), Locale::ENGLISH, "a malformed code on the page");
    }
    assert!(demo_password_is(&app, DEMO_PASSWORD));
    let right = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, NEW_PASSWORD)).await;
    assert_eq!(right.status, 200, "the attempts are whole: {}", right.body);
}

/// Each change that ends a link ends its code, on both ways in (the JSON confirm and the page),
/// and the link and the code are refused together.
#[tokio::test]
async fn a_code_dies_with_its_link() {
    let changes = [
        "the password changed through the link",
        "the password changed by the application",
        "the email changed",
        "the epoch bumped",
        "the account disabled",
        "the signing key retired",
    ];
    for what in changes {
        let app = MemoryApp::new().await;
        let mail = mailed(&app, DEMO_EMAIL).await;
        let mut user = app.user(DEMO_USER_ID);
        match what {
            "the password changed through the link" => {
                let reply = app.call(&confirm_event(&mail.token, NEW_PASSWORD)).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
            }
            // Its own hash, without a new epoch (an application that does not keep one).
            "the password changed by the application" => user.password_hash = password::hash_blocking("changed by the application").unwrap(),
            "the email changed" => user.email = StoredEmail::new("demo.new@example.com"),
            "the epoch bumped" => user.epoch = reset_core::unix_now().to_string(),
            "the account disabled" => (user.active, user.status) = (false, "disabled".into()),
            "the signing key retired" => app.keys.replace(secret("b", &[("b", KEY_B)])),
            _ => unreachable!(),
        }
        if what != "the password changed through the link" {
            app.users.insert(user);
        }
        let after = app.user(DEMO_USER_ID);
        assert_dead(&app, &mail, DEMO_EMAIL, what).await;
        if what == "the email changed" {
            assert_dead(&app, &mail, "demo.new@example.com", "the email changed, typed with the new address").await;
        }
        assert_eq!(app.user(DEMO_USER_ID), after, "{what}: the refusals changed nothing");
    }

    // Expired with its link (a lifetime of two seconds, waited out).
    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.token_ttl = Duration::from_secs(2));
    let mail = mailed(&app, DEMO_EMAIL).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_dead(&app, &mail, DEMO_EMAIL, "the link expired").await;
    assert!(demo_password_is(&app, DEMO_PASSWORD));
}

/// The code refused on both ways in, and its link refused too; the password as it was.
async fn assert_dead(app: &MemoryApp, mail: &Mailed, typed_email: &str, what: &str) {
    let before = app.user(DEMO_USER_ID).password_hash;
    let json = app.call(&confirm_code_event(typed_email, &mail.code, OTHER_PASSWORD)).await;
    assert_json_error(&json, 400, "invalid_or_expired_code", &format!("{what}: the code"));
    let page = app.call(&code_form_event(typed_email, &mail.code)).await;
    assert_code_page_again(&page, 400, &Msg::new("error-invalid-code"), Locale::ENGLISH, &format!("{what}: the code on the page"));
    let link = app.call(&confirm_event(&mail.token, OTHER_PASSWORD)).await;
    assert_json_error(&link, 400, "invalid_or_expired_token", &format!("{what}: its link"));
    assert_eq!(app.user(DEMO_USER_ID).password_hash, before, "{what}: nothing changed");
}

/// A right code exchanged on the page after a rotation (a new current key, the link's key still
/// held) gives a token that dies when the link's key is retired, as the link does: the exchange
/// must not outlive the key it stands for.
#[tokio::test]
async fn a_token_a_code_was_exchanged_for_dies_when_the_links_key_retires() {
    let app = MemoryApp::new().await;
    let mail = mailed(&app, DEMO_EMAIL).await;
    app.keys.replace(secret("b", &[("a", KEY_A), ("b", KEY_B)]));
    let token = exchanged_token(&app.call(&code_form_event(DEMO_EMAIL, &mail.code)).await, "after the rotation");
    assert_eq!(app.call(&page_with_cookie(&token)).await.status, 200, "the form, while the link's key is held");

    app.keys.replace(secret("b", &[("b", KEY_B)]));
    let link = app.call(&confirm_event(&mail.token, NEW_PASSWORD)).await;
    assert_json_error(&link, 400, "invalid_or_expired_token", "the link after its key retired");
    let page = app.call(&page_with_cookie(&token)).await;
    assert_eq!(page.status, 400, "the exchanged token after the link's key retired: {}", page.body);
    let done = app.call(&form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 400, "{}", done.body);
    assert!(demo_password_is(&app, DEMO_PASSWORD), "nothing changed");
}

/// A rotation the worker has seen (its cold start came after it) but the confirm's cached ring
/// has not: the link the worker signed with the new key works, and so does its code (the
/// confirm reads its ring again for a noted link under a key it does not hold, as for a link).
#[tokio::test]
async fn a_code_under_a_key_newer_than_the_confirms_cached_ring_works() {
    let mut app = MemoryApp::new().await;
    app.cold_start_keys(Duration::from_secs(3600)).await;
    app.keys.replace(secret("b", &[("a", KEY_A), ("b", KEY_B)]));
    app.deps.worker.signing = reset_core::KeyCache::load(app.keys.clone(), Duration::from_secs(3600)).await;
    let mail = mailed(&app, DEMO_EMAIL).await;
    assert_eq!(kid_of(&mail.token), "b", "the worker signs with the new key");
    let reply = app.call(&confirm_code_event(DEMO_EMAIL, &mail.code, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "the code of a link under the new key: {}", reply.body);
    assert!(demo_password_is(&app, NEW_PASSWORD));
}

#[tokio::test]
async fn the_code_page_exchanges_a_right_code_for_the_usual_form() {
    let app = MemoryApp::new().await;
    let mail = mailed(&app, DEMO_EMAIL).await;

    let page = app.call(&events::load("reset-password-code-page.json")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Its form's post shows its origin to browsers that send no Sec-Fetch-Site (their Origin),
    // so the code page lets its origin through; otherwise the strict headers of every page.
    assert_eq!(page.header("referrer-policy"), Some("strict-origin"), "the code page");
    let mut strict = page.clone();
    strict.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("referrer-policy"));
    strict.headers.push(("referrer-policy".into(), "no-referrer".into()));
    crate::pages::assert_page_headers(&strict, "the code page");
    assert!(page.body.contains("<form method=\"post\" action=\"/reset-password\""), "the form posts to the reset page:\n{}", page.body);
    for field in ["name=\"email\"", "name=\"code\"", "autocomplete=\"one-time-code\""] {
        assert!(page.body.contains(field), "the code page has {field}:\n{}", page.body);
    }
    assert!(page.body.contains("Enter the code from your email"), "{}", page.body);
    assert!(!page.body.contains("name=\"password\""), "not the password form");

    // A right code: on to the form, with a token of the code's own link in the cookie.
    let exchanged = app.call(&code_form_event(DEMO_EMAIL, &mail.code)).await;
    crate::pages::assert_page_headers(&exchanged, "the exchange");
    let token = exchanged_token(&exchanged, "a right code");
    assert_eq!(maybe_link_id(&token), Some(link_id(&mail.token)), "the cookie's token is the mailed link's");
    assert!(demo_password_is(&app, DEMO_PASSWORD), "the exchange changes nothing");

    let form = app.call(&page_with_cookie(&token)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("name=\"password\"") && form.body.contains("name=\"confirm\""), "the usual form:\n{}", form.body);
    assert!(form.body.contains(&format!("name=\"link\" value=\"{}\"", link_id(&mail.token))), "shown for the mailed link:\n{}", form.body);

    let done = app.call(&form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your password has been changed"), "{}", done.body);
    assert!(demo_password_is(&app, NEW_PASSWORD));

    // Used: the code and its link are dead.
    let again = app.call(&code_form_event(DEMO_EMAIL, &mail.code)).await;
    assert_code_page_again(&again, 400, &Msg::new("error-invalid-code"), Locale::ENGLISH, "the code after the change");
    assert!(again.body.contains(&format!("value=\"{DEMO_EMAIL}\"")), "the address as typed is kept");
    let link = app.call(&confirm_event(&mail.token, OTHER_PASSWORD)).await;
    assert_json_error(&link, 400, "invalid_or_expired_token", "the link after the code's change");
}

/// Lower case, spaces and hyphens anywhere, and the look-alikes O (for 0), I and L (for 1); the
/// address as a phone types it. Each is checked by the page's exchange, which changes nothing,
/// on an address of its own (each address has five checks).
#[tokio::test]
async fn a_code_typed_as_people_type_it_is_accepted() {
    let app = MemoryApp::new().await;
    let mail = mailed(&app, DEMO_EMAIL).await;
    let plain: String = mail.code.chars().filter(|c| *c != '-').collect();
    let variants = [
        ("lower case", mail.code.to_lowercase()),
        ("no hyphen", plain.clone()),
        ("spaces around and inside", format!(" {} {} ", &plain[..4].to_lowercase(), &plain[4..])),
        ("in pairs", plain.as_bytes().chunks(2).map(|pair| std::str::from_utf8(pair).unwrap()).collect::<Vec<_>>().join("-")),
    ];
    for (what, typed) in &variants {
        let token = exchanged_token(&app.call(&code_form_event(DEMO_EMAIL, typed)).await, what);
        assert_eq!(maybe_link_id(&token), Some(link_id(&mail.token)), "{what}: {typed:?}");
    }

    // The look-alikes need a code with a 0 or a 1: links are asked for until one has each, for
    // an address of its own each (five checks per address).
    app.add_user("u-zero", "zero@example.com", DEMO_PASSWORD, true);
    app.add_user("u-one", "one@example.com", DEMO_PASSWORD, true);
    let zero = mailed_until(&app, "zero@example.com", |code| code.contains('0')).await;
    let one = mailed_until(&app, "one@example.com", |code| code.contains('1')).await;
    let look_alikes = [
        ("O for 0", "zero@example.com", &zero, zero.code.replace('0', "O")),
        ("o for 0", "zero@example.com", &zero, zero.code.to_lowercase().replace('0', "o")),
        ("I for 1", "one@example.com", &one, one.code.replace('1', "I")),
        ("l for 1", "one@example.com", &one, one.code.to_lowercase().replace('1', "l")),
        ("L for 1", "one@example.com", &one, one.code.replace('1', "L")),
        ("i for 1", "one@example.com", &one, one.code.to_lowercase().replace('1', "i")),
    ];
    for (what, email, mail, typed) in look_alikes {
        let token = exchanged_token(&app.call(&code_form_event(email, &typed)).await, what);
        assert_eq!(maybe_link_id(&token), Some(link_id(&mail.token)), "{what}: {typed:?}");
    }

    // The JSON confirm reads them alike; the address as a phone capitalises it, with a space.
    let typed = format!("{} {}", &plain[..4].to_lowercase(), &plain[4..].to_lowercase());
    let reply = app.call(&confirm_code_event(" Demo@Example.com", &typed, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{typed:?}: {}", reply.body);
    assert!(demo_password_is(&app, NEW_PASSWORD));
}

/// For every language: an address with no account, a disabled account (with the right code of a
/// link mailed before it was disabled) and a known address with a wrong code get the same status,
/// headers and body, on the JSON confirm and on the code page, after the same store calls.
/// (No header is left out: every answer's headers are compared whole. The handlers set no
/// per-request header such as a request id, which API Gateway adds outside the function. The one
/// difference let through is the code page's address field, which keeps what the reader typed.)
#[tokio::test]
async fn unknown_disabled_and_known_addresses_get_the_same_answer_in_every_language() {
    let mut json_bodies = Vec::new();
    for locale in Locale::all() {
        let tag = locale.tag();
        // Each language on a fresh app: every address has five checks per window.
        let app = MemoryApp::new().await;
        app.add_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, true);
        let known = mailed(&app, DEMO_EMAIL).await;
        let disabled = mailed(&app, "disabled@example.com").await;
        let mut user = app.user("u-disabled");
        (user.active, user.status) = (false, "disabled".into());
        app.users.insert(user);

        let cases = [
            ("an unknown address", "nobody@example.com", known.code.clone()),
            ("a disabled account, its own code", "disabled@example.com", disabled.code.clone()),
            ("a known address, a wrong code", DEMO_EMAIL, wrong(&known.code)),
        ];
        type Seen = (u16, Vec<(String, String)>, String, Vec<&'static str>, Vec<&'static str>);
        let (mut json, mut pages): (Vec<Seen>, Vec<Seen>) = (Vec::new(), Vec::new());
        for (what, email, code) in &cases {
            for (event, seen) in [(confirm_code_event(email, code, NEW_PASSWORD), &mut json), (code_form_event(email, code), &mut pages)] {
                app.users.calls.clear();
                app.limits.calls.clear();
                let reply = app.call(&with_accept_language(event, tag)).await;
                assert_eq!(reply.status, 400, "{tag} {what}: {}", reply.body);
                // The page keeps the address as typed in its field: that, and only that, differs.
                let typed = format!("value=\"{email}\"");
                assert_eq!(
                    reply.body.matches(&typed).count(),
                    usize::from(reply.body.starts_with("<!DOCTYPE")),
                    "{tag} {what}: the address echoed once, in its field"
                );
                let body = reply.body.replace(&typed, "value=\"(the address as typed)\"");
                seen.push((reply.status, reply.headers, body, app.users.calls.list(), app.limits.calls.list()));
            }
        }
        for (way, seen) in [("JSON", &json), ("page", &pages)] {
            for (i, (what, ..)) in cases.iter().enumerate().skip(1) {
                let (first, other) = (&seen[0], &seen[i]);
                assert_eq!(other.0, first.0, "{tag} {way}: {what}: the status");
                assert_eq!(other.1, first.1, "{tag} {way}: {what}: the headers");
                assert_eq!(other.2, first.2, "{tag} {way}: {what}: the body");
                assert_eq!((&other.3, &other.4), (&first.3, &first.4), "{tag} {way}: {what}: the store calls");
            }
            // The checks reached the store: the source's and the address's hits, the account, the
            // noted links.
            assert!(!seen[0].3.is_empty(), "{tag} {way}: the account was looked up");
            let limits = &seen[0].4;
            assert!(limits.iter().filter(|call| **call == "limits.hit").count() >= 2 && limits.contains(&"limits.links"), "{tag} {way}: {limits:?}");
        }
        let reply = Reply { status: json[0].0, headers: json[0].1.clone(), body: json[0].2.clone() };
        assert_json_error(&reply, 400, "invalid_or_expired_code", tag);
        assert_eq!(reply.json()["message"], Msg::new("error-invalid-code").text(locale), "{tag}: in the reader's language");
        let page = Reply { status: pages[0].0, headers: pages[0].1.clone(), body: pages[0].2.clone() };
        assert_code_page_again(&page, 400, &Msg::new("error-invalid-code"), locale, tag);
        assert!(page.body.contains(&format!("lang=\"{tag}\"")), "{tag}: the page in the reader's language");
        json_bodies.push(json[0].2.clone());
        assert!(app.users.calls.list().iter().all(|call| *call != "users.set_password"), "{tag}: nothing written");
    }
    json_bodies.sort();
    json_bodies.dedup();
    assert_eq!(json_bodies.len(), Locale::all().count(), "each language has its own words");
}

/// An operator's forced reset and invitation mail a code beside the link, as a user's request
/// does: the forced reset's through the JSON confirm, the invitation's through the code page.
#[tokio::test]
async fn an_invitation_and_a_forced_reset_carry_a_working_code() {
    let app = MemoryApp::new().await;
    let operator = OperatorDeps { common: memory_deps(&app.limits, &app.queue, &app.hash_keys).await, users: app.users.clone(), ledger: None };
    let request = |user: &str, action: OperatorAction, block_sign_in: bool| OperatorRequest {
        user_id: UserId::parse(user).unwrap(),
        action,
        block_sign_in,
        end_sessions: false,
        operator: "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice".into(),
        campaign: None,
        locale: None,
    };
    let operator_mail = async |user: &str, action: OperatorAction, block: bool, to: &str| {
        let before = app.mailer.sent().len();
        start_operator_reset(&operator, &request(user, action, block)).await.expect("the operator's request is accepted");
        app.deliver().await;
        // (Besides a password-changed notice a change before may have queued.)
        let mails: Vec<_> = app.mailer.sent().split_off(before).into_iter().filter(|m| !m.subject.contains("was changed")).collect();
        assert_eq!(mails.len(), 1, "{action:?}: one mail");
        assert_eq!(mails[0].to.as_ref(), to);
        Mailed::of(&mails[0])
    };

    // A forced reset that blocks sign-in: the code sets the new password.
    let forced = operator_mail(DEMO_USER_ID, OperatorAction::ForcedReset, true, DEMO_EMAIL).await;
    assert!(!demo_password_is(&app, DEMO_PASSWORD), "sign-in blocked");
    let reply = app.call(&confirm_code_event(DEMO_EMAIL, &forced.code, NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "the forced reset's code works: {}", reply.body);
    assert!(demo_password_is(&app, NEW_PASSWORD));
    let again = app.call(&confirm_event(&forced.token, OTHER_PASSWORD)).await;
    assert_json_error(&again, 400, "invalid_or_expired_token", "the forced reset's link after its code");

    // An invitation to an account with no password: the code page, then "choose your password".
    app.users.insert(User {
        id: UserId::parse("u-invited").unwrap(),
        email: StoredEmail::new("invited@example.com"),
        password_hash: String::new(),
        active: true,
        status: "active".into(),
        epoch: String::new(),
        locale: None,
    });
    let invitation = operator_mail("u-invited", OperatorAction::Invitation, false, "invited@example.com").await;
    let token = exchanged_token(&app.call(&code_form_event("invited@example.com", &invitation.code)).await, "the invitation's code");
    assert_eq!(maybe_link_id(&token), Some(link_id(&invitation.token)));
    let form = app.call(&page_with_cookie(&token)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Choose your password"), "the invitation's words:\n{}", form.body);
    let done = app.call(&form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your password is set"), "{}", done.body);
    assert!(password::verify(NEW_PASSWORD, &app.user("u-invited").password_hash));
    let again = app.call(&confirm_code_event("invited@example.com", &invitation.code, OTHER_PASSWORD)).await;
    assert_json_error(&again, 400, "invalid_or_expired_code", "the invitation's code once used");
}

/// The journey on the production wiring against moto: the worker notes each link on the service's
/// table (appended: two mails, two live codes) and mails its code through SES; the JSON confirm
/// finds the account by address and the noted links, and a wrong code spends an attempt there.
#[tokio::test]
async fn on_moto_a_mailed_code_changes_the_password_and_a_wrong_one_does_not() {
    let app = MotoApp::start().await;
    for _ in 0..2 {
        assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    }
    let mails = app.mails().await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let codes: Vec<String> = mails.iter().map(|m| m.code().expect("the mail shows a code")).collect();
    assert_ne!(codes[0], codes[1], "each link its own code");

    // Noted on the service's table: one item for the address, one record per link, no code and
    // no address anywhere in the table.
    let items = app.stack.dynamodb().scan().table_name(reset_aws::DEFAULT_LIMITS_TABLE).consistent_read(true).send().await.unwrap().items.unwrap_or_default();
    let noted: Vec<_> = items.iter().filter(|item| item.get("key").and_then(|k| k.as_s().ok()).is_some_and(|k| k.starts_with("code-links#"))).collect();
    assert_eq!(noted.len(), 1, "one item for the address: {items:#?}");
    assert_eq!(noted[0]["links"].as_l().map(Vec::len), Ok(2), "both links appended: {:#?}", noted[0]);
    let table = format!("{items:?}");
    for code in &codes {
        for form in [code.clone(), code.replace('-', "")] {
            assert!(!table.contains(&form), "the table holds a code");
        }
    }
    assert!(!table.contains(DEMO_EMAIL), "the table holds the address");

    let wrong_code = app.call(&confirm_code_event(DEMO_EMAIL, &wrong(&codes[1]), NEW_PASSWORD)).await;
    assert_json_error(&wrong_code, 400, "invalid_or_expired_code", "a wrong code on moto");
    assert!(password::verify(DEMO_PASSWORD, &app.stack.password_hash(DEMO_USER_ID).await.unwrap()), "nothing changed");

    // The first mail's code: its record was kept when the second was appended.
    let reply = app.call(&confirm_code_event(DEMO_EMAIL, &codes[0], NEW_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stored = app.stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert!(password::verify(NEW_PASSWORD, &stored), "the code changed the password");
    for (what, code) in [("the same code", &codes[0]), ("the other mail's code", &codes[1])] {
        let again = app.call(&confirm_code_event(DEMO_EMAIL, code, OTHER_PASSWORD)).await;
        assert_json_error(&again, 400, "invalid_or_expired_code", what);
    }
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), stored);
    let token = mails[0].token().unwrap();
    let link = app.call(&confirm_event(&token, OTHER_PASSWORD)).await;
    assert_json_error(&link, 400, "invalid_or_expired_token", "the code's link");
    let notices = app.mails().await.into_iter().filter(|m| m.subject.contains("was changed")).count();
    assert_eq!(notices, 1, "the password-changed notice");

    // The attempts are counted on the table for an address with no account too.
    clear_of_a_window_end(app.deps.settings().token_ttl.as_secs(), 30).await;
    for attempt in 1..=DOCUMENTED_ATTEMPTS {
        let reply = app.call(&confirm_code_event("nobody@example.com", &codes[0], NEW_PASSWORD)).await;
        assert_json_error(&reply, 400, "invalid_or_expired_code", &format!("unknown address on moto, attempt {attempt}"));
    }
    let sixth = app.call(&confirm_code_event("nobody@example.com", &codes[0], NEW_PASSWORD)).await;
    assert_json_error(&sixth, 429, "too_many_code_attempts", "the sixth attempt on moto");
    assert!(sixth.header("retry-after").is_some());
}

/// A browser without `Sec-Fetch-Site` shows where the code form came from by its `Origin` (the
/// code page is sent with `strict-origin`, so it sends this origin, not `null`): this origin's is
/// taken; `null`, another site's and none at all are refused, and refused spends no attempt.
#[tokio::test]
async fn a_code_form_without_sec_fetch_site_is_taken_by_this_origin_alone() {
    let app = MemoryApp::new().await;
    let mail = mailed(&app, DEMO_EMAIL).await;
    // `https://host/path` -> `https://host`: the page's origin.
    let origin = RESET_PAGE.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    assert!(origin.starts_with("https://") && !origin["https://".len()..].contains('/'), "{origin}");
    let event = |sent: Option<&str>| {
        let mut event = code_form_event(DEMO_EMAIL, &mail.code);
        let headers = event["headers"].as_object_mut().unwrap();
        headers.remove("sec-fetch-site");
        headers.remove("origin");
        if let Some(sent) = sent {
            headers.insert("origin".into(), sent.into());
        }
        event
    };
    for _ in 0..2 {
        for refused in [Some("null"), Some("https://evil.example"), None] {
            let reply = app.call(&event(refused)).await;
            assert_eq!(reply.status, 403, "Origin {refused:?}: {}", reply.body);
            assert!(reply.header("set-cookie").is_none(), "Origin {refused:?} set a cookie");
        }
    }
    // Six refused posts, and the right code is still taken: none of them spent an attempt.
    exchanged_token(&app.call(&event(Some(&origin))).await, "this origin's Origin");
}
