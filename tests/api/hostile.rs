//! Hostile input, table-driven: every endpoint, JSON and form. Each request gets its documented
//! 4xx, nothing changes, no mail goes anywhere but the stored address, and no log line holds a
//! token, a password or a whole email.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reset_core::reset_token::AUDIENCE;
use reset_local::events;
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};
use serde_json::{Value, json};

use crate::helpers::{KEY_A, KEY_B, MemoryApp, capture_logs};

struct Case {
    name: String,
    event: Value,
    status: u16,
    code: Option<&'static str>,
}

fn with_body(file: &str, content_type: Option<&str>, body: &str) -> Value {
    let mut event = events::load(file);
    event["body"] = body.into();
    event["isBase64Encoded"] = false.into();
    match content_type {
        Some(ct) => event["headers"]["content-type"] = ct.into(),
        None => drop(event["headers"].as_object_mut().unwrap().remove("content-type")),
    }
    event
}

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn forge(kid: Option<&str>, alg: Algorithm, key: &str, claims: Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, &claims, &EncodingKey::from_secret(key.as_bytes())).unwrap()
}

#[tokio::test]
async fn sixty_and_more_hostile_requests_get_their_4xx_and_change_nothing() {
    let captured = capture_logs();
    let app = MemoryApp::new().await;
    app.add_user("u-gone", "gone@example.com", "whatever password 1", true);
    // What each case needs to reach what it names: a second key (a kid swapped to a key that
    // exists), another real user (a subject swapped to an account that exists), and the accounts
    // each look-alike could be confused with.
    app.keys.replace(crate::helpers::secret("a", &[("a", KEY_A), ("b", KEY_B)]));
    app.add_user("u-someone", "someone@example.com", "whatever password 2", true);
    app.add_user("u-dimo", "dimo@example.com", "whatever password 3", true);
    app.add_user("u-kim", "kim@example.com", "whatever password 4", true);
    app.add_user("u-bucher", "demo@bucher.example", "whatever password 5", true);
    let valid = app.token_for_demo().await;
    // The code the same mail carried beside the link.
    let valid_code = crate::codes::code_in(&app.mailer.sent().last().expect("the demo's mail").text);
    let ring = app.keys_ring().await;
    let gone_user = ring.issue(app.user("u-gone").binding(), reset_core::unix_now(), 1800).unwrap().token;
    app.users.remove(&reset_core::domain::UserId::parse("u-gone").unwrap());
    let before = app.user(DEMO_USER_ID);
    let mails_before = app.mails().await.len();

    let now = reset_core::unix_now();
    let real: Value = {
        use base64::Engine as _;
        let body = valid.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
    };
    let claims = |patch: Value| {
        let mut c = real.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let (head, sig) = valid.rsplit_once('.').unwrap();
    let none_header = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"a"}"#)
    };
    let hostile_tokens: Vec<(&str, String)> = vec![
        ("alg none", format!("{none_header}.{}.", valid.split('.').nth(1).unwrap())),
        ("alg none, no dot", format!("{none_header}.{}", valid.split('.').nth(1).unwrap())),
        ("HS512 with the real key", forge(Some("a"), Algorithm::HS512, KEY_A, real.clone())),
        ("swapped kid", forge(Some("b"), Algorithm::HS256, KEY_A, real.clone())),
        ("no kid", forge(None, Algorithm::HS256, KEY_A, real.clone())),
        ("foreign key", forge(Some("a"), Algorithm::HS256, KEY_B, real.clone())),
        ("other audience", forge(Some("a"), Algorithm::HS256, KEY_A, claims(json!({"aud": "email-verification"})))),
        ("expired", forge(Some("a"), Algorithm::HS256, KEY_A, claims(json!({"iat": now - 4000, "exp": now - 2200})))),
        ("future iat", forge(Some("a"), Algorithm::HS256, KEY_A, claims(json!({"iat": now + 3600, "exp": now + 5400})))),
        ("extra claim", forge(Some("a"), Algorithm::HS256, KEY_A, claims(json!({"admin": true})))),
        ("other subject", forge(Some("a"), Algorithm::HS256, KEY_A, claims(json!({"sub": "u-someone"})))),
        ("deleted user", gone_user.clone()),
        ("truncated", valid[..valid.len() - 10].to_string()),
        ("tampered signature", format!("{head}.{}", sig.chars().rev().collect::<String>())),
        ("empty", String::new()),
        ("spaces", "a b.c d.e f".into()),
        ("very long", "a".repeat(5000) + ".b.c"),
        (
            "audience claim missing",
            forge(Some("a"), Algorithm::HS256, KEY_A, {
                let mut c = real.clone();
                c.as_object_mut().unwrap().remove("aud");
                c
            }),
        ),
    ];
    assert_eq!(AUDIENCE, real["aud"]);

    let strong = "a hostile but long passphrase";
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name: &str, event: Value, status: u16, code: Option<&'static str>| {
        cases.push(Case { name: name.to_owned(), event, status, code });
    };
    let req = "request-reset.json";
    let confirm = "reset-password-confirm.json";

    // POST /password-reset/request
    for (name, body) in [
        ("truncated object", "{\"email\": \"demo@example.com\""),
        ("only a brace", "{"),
        ("single quotes", "{'email': 'demo@example.com'}"),
        ("trailing garbage", "{\"email\": \"demo@example.com\"} x"),
        ("empty body", ""),
        ("nul byte outside strings", "{\"email\":\0\"demo@example.com\"}"),
    ] {
        add(&format!("request: {name}"), with_body(req, JSON, body), 400, Some("malformed_json"));
    }
    let deep = format!("{{\"email\": {}{}}}", "[".repeat(4000), "]".repeat(4000));
    // The typed body refuses the first `[`: nesting depth is never reached.
    add("request: deeply nested", with_body(req, JSON, &deep), 400, Some("invalid_request"));
    for (name, body) in [
        ("duplicate keys", r#"{"email":"x@example.com","email":"demo@example.com"}"#.to_string()),
        ("array", "[]".into()),
        ("bare string", "\"demo@example.com\"".into()),
        ("null", "null".into()),
        ("number", "42".into()),
        ("email is a number", r#"{"email": 42}"#.into()),
        ("email is null", r#"{"email": null}"#.into()),
        ("email is an object", r#"{"email": {"$ne": ""}}"#.into()),
        ("email is an array", r#"{"email": ["demo@example.com"]}"#.into()),
        ("extra field", r#"{"email": "demo@example.com", "admin": true}"#.into()),
        ("missing email", r#"{}"#.into()),
    ] {
        add(&format!("request: {name}"), with_body(req, JSON, &body), 400, Some("invalid_request"));
    }
    for (name, email) in [
        ("CR/LF header injection", "demo@example.com\r\nBcc: attacker@evil.test"),
        ("LF only", "demo@example.com\nBcc: attacker@evil.test"),
        ("NUL", "demo@example.com\u{0}attacker@evil.test"),
        ("two addresses", "demo@example.com,attacker@evil.test"),
        ("display name", "Demo <attacker@evil.test>"),
        ("quoted local part", "\"demo@example.com\"@evil.test"),
        ("zero-width space", "demo@example.com\u{200b}"),
        ("right-to-left override", "demo@\u{202e}moc.elpmaxe"),
        ("300 characters", &format!("{}@example.com", "a".repeat(300))),
        ("IP literal", "demo@[127.0.0.1]"),
        ("empty", ""),
    ] {
        add(&format!("request: {name}"), with_body(req, JSON, &json!({ "email": email }).to_string()), 400, Some("invalid_email"));
    }
    for (name, ct) in [
        ("no content type", None),
        ("text/plain", Some("text/plain")),
        ("latin-1 JSON", Some("application/json; charset=latin1")),
        ("multipart", Some("multipart/form-data; boundary=x")),
        ("form", FORM),
    ] {
        add(&format!("request: {name}"), with_body(req, ct, r#"{"email": "demo@example.com"}"#), 415, Some("unsupported_media_type"));
    }
    // Bytes that are not UTF-8, as API Gateway passes a body it cannot treat as text (base64).
    let mut not_utf8 = with_body(req, JSON, "//4A");
    not_utf8["isBase64Encoded"] = true.into();
    add("request: not UTF-8", not_utf8, 400, Some("malformed_json"));
    add("request: 20 KiB body", with_body(req, JSON, &json!({ "email": "a".repeat(20_000) }).to_string()), 413, Some("payload_too_large"));
    add("request: 1 MiB body", with_body(req, JSON, &"x".repeat(1 << 20)), 413, Some("payload_too_large"));
    // Look-alikes of the demo address are valid addresses of their own: the usual 202, no mail to anyone known.
    // (The Kelvin sign K is canonically K: "\u{212a}im@" is kim@example.com itself, whose owner
    // gets the mail; see handlers.rs.)
    for (name, email) in [
        ("Cyrillic a", "demo@ex\u{430}mple.com"),
        ("dotless i (CVE-2019-19844)", "d\u{131}mo@example.com"),
        ("Kelvin sign in the domain", "kim@example.\u{212a}om.evil.test"),
        ("IDN domain", "demo@b\u{fc}cher.example"),
    ] {
        add(&format!("request: look-alike {name}"), with_body(req, JSON, &json!({ "email": email }).to_string()), 202, None);
    }

    // POST /password-reset/confirm
    for (name, token) in &hostile_tokens {
        let body = json!({ "token": token, "password": strong }).to_string();
        add(&format!("confirm: token {name}"), with_body(confirm, JSON, &body), 400, Some("invalid_or_expired_token"));
    }
    for (name, body) in [("truncated", "{\"token\": \"a.b.c\", \"password\": "), ("only a bracket", "[")] {
        add(&format!("confirm: {name}"), with_body(confirm, JSON, body), 400, Some("malformed_json"));
    }
    for (name, body) in [
        ("password is a number", json!({ "token": valid, "password": 1234567890123_u64 })),
        ("token is a number", json!({ "token": 1, "password": strong })),
        ("missing password", json!({ "token": valid })),
        ("missing token", json!({ "password": strong })),
        ("extra claim in body", json!({ "token": valid, "password": strong, "user_id": "u-someone" })),
        ("duplicate", json!(null)),
    ] {
        let text = if name == "duplicate" { format!(r#"{{"token":"{valid}","password":"{strong}","password":"x"}}"#) } else { body.to_string() };
        add(&format!("confirm: {name}"), with_body(confirm, JSON, &text), 400, Some("invalid_request"));
    }
    add(
        "confirm: 10 000-character password",
        with_body(confirm, JSON, &json!({ "token": valid, "password": "p".repeat(10_000) }).to_string()),
        422,
        Some("weak_password"),
    );
    add(
        "confirm: NUL-only password",
        with_body(confirm, JSON, &json!({ "token": valid, "password": "\u{0}".repeat(5) }).to_string()),
        422,
        Some("weak_password"),
    );
    add(
        "confirm: text/plain",
        with_body(confirm, Some("text/plain"), &json!({ "token": valid, "password": strong }).to_string()),
        415,
        Some("unsupported_media_type"),
    );
    add("confirm: 17 KiB", with_body(confirm, JSON, &json!({ "token": valid, "password": "p".repeat(17_000) }).to_string()), 413, Some("payload_too_large"));

    // POST /password-reset/confirm with the mailed code (`{email, code, password}`). A code not
    // shaped like one is refused before anything is read or spent: all these are the demo
    // address's, and its right code still works after them (below), which it would not if they
    // had spent its five attempts.
    let confirm_code = "reset-password-confirm-code.json";
    let code_body = |email: &str, code: Value| json!({ "email": email, "code": code, "password": strong }).to_string();
    let right_but = |last: &str| format!("{}{last}", &valid_code[..valid_code.len() - 1]);
    for (name, code) in [
        ("7 characters", valid_code[..valid_code.len() - 1].to_owned()),
        ("9 characters", format!("{valid_code}7")),
        ("the right code twice", format!("{valid_code}{valid_code}")),
        ("empty", String::new()),
        ("only separators", "---- ----".into()),
        ("U, outside the alphabet", right_but("U")),
        ("an underscore", valid_code.replace('-', "_")),
        ("a dot", valid_code.replace('-', ".")),
        ("a Cyrillic look-alike", right_but("\u{41a}")),
        ("a full-width digit", right_but("\u{ff17}")),
        ("a zero-width space", valid_code.replace('-', "\u{200b}")),
        ("NUL", valid_code.replace('-', "\u{0}")),
        ("LF", valid_code.replace('-', "\n")),
        ("CR/LF", format!("{valid_code}\r\n")),
        ("tab", valid_code.replace('-', "\t")),
        ("DEL", valid_code.replace('-', "\u{7f}")),
        ("5000 characters", "7".repeat(5000)),
    ] {
        add(&format!("confirm code: {name}"), with_body(confirm_code, JSON, &code_body(DEMO_EMAIL, code.into())), 400, Some("malformed_code"));
    }
    for (name, body) in [
        ("code is a number", code_body(DEMO_EMAIL, json!(12345678))),
        ("code is null", code_body(DEMO_EMAIL, Value::Null)),
        ("code is an array", code_body(DEMO_EMAIL, json!([valid_code]))),
        ("email is a number", json!({ "email": 42, "code": valid_code, "password": strong }).to_string()),
        ("both shapes at once", json!({ "token": valid, "email": DEMO_EMAIL, "code": valid_code, "password": strong }).to_string()),
        ("a token with an email", json!({ "token": valid, "email": DEMO_EMAIL, "password": strong }).to_string()),
        ("a token with a code", json!({ "token": valid, "code": valid_code, "password": strong }).to_string()),
        ("neither shape: email and password", json!({ "email": DEMO_EMAIL, "password": strong }).to_string()),
        ("neither shape: code and password", json!({ "code": valid_code, "password": strong }).to_string()),
        ("missing password", json!({ "email": DEMO_EMAIL, "code": valid_code }).to_string()),
        ("extra field", json!({ "email": DEMO_EMAIL, "code": valid_code, "password": strong, "user_id": "u-someone" }).to_string()),
        ("duplicate code", format!(r#"{{"email":"{DEMO_EMAIL}","code":"7KQ4-M2XD","code":"{valid_code}","password":"{strong}"}}"#)),
    ] {
        add(&format!("confirm code: {name}"), with_body(confirm_code, JSON, &body), 400, Some("invalid_request"));
    }
    for (name, email) in [("CR/LF in the address", "demo@example.com\r\nBcc: attacker@evil.test"), ("two addresses", "demo@example.com,attacker@evil.test")] {
        add(&format!("confirm code: {name}"), with_body(confirm_code, JSON, &code_body(email, valid_code.as_str().into())), 400, Some("invalid_email"));
    }
    // The right code, for another account's address: that address's attempt, the usual refusal.
    add(
        "confirm code: the demo's code for another address",
        with_body(confirm_code, JSON, &code_body("someone@example.com", valid_code.as_str().into())),
        400,
        Some("invalid_or_expired_code"),
    );
    // The right code with a password refused by its own rules: checked first, no attempt spent.
    for (name, password) in [("short", "short"), ("guessable", "password1234"), ("NUL-only", "\u{0}\u{0}\u{0}\u{0}\u{0}")] {
        let body = json!({ "email": DEMO_EMAIL, "code": valid_code, "password": password }).to_string();
        add(&format!("confirm code: the right code, a {name} password"), with_body(confirm_code, JSON, &body), 422, Some("weak_password"));
    }
    add("confirm code: 20 KiB code", with_body(confirm_code, JSON, &code_body(DEMO_EMAIL, "7".repeat(20_000).into())), 413, Some("payload_too_large"));

    // POST /reset-password with the code page's form (a `code` field, no cookie).
    let code_form = "reset-password-code-form.json";
    let code_pair = |email: &str, code: &str| form_urlencoded::Serializer::new(String::new()).append_pair("email", email).append_pair("code", code).finish();
    // More than the address's attempts of them: had any spent one, the right code's exchange
    // below would be refused.
    let page_malformed = [
        ("NUL in the code", valid_code.replace('-', "\u{0}")),
        ("U in the code", right_but("U")),
        ("7 characters", valid_code[..8].to_owned()),
        ("LF in the code", valid_code.replace('-', "\n")),
        ("CR/LF after the code", format!("{valid_code}\r\n")),
        ("a tab in the code", valid_code.replace('-', "\t")),
        ("DEL in the code", valid_code.replace('-', "\u{7f}")),
        ("an empty code", String::new()),
        ("40 characters", "7".repeat(40)),
    ];
    for (name, code) in page_malformed {
        add(&format!("code form: {name}"), with_body(code_form, FORM, &code_pair(DEMO_EMAIL, &code)), 400, None);
    }
    add("code form: missing email", with_body(code_form, FORM, &format!("code={valid_code}")), 400, None);
    add("code form: CR/LF in the address", with_body(code_form, FORM, &code_pair("demo@example.com\r\nBcc: x@evil.test", &valid_code)), 400, None);
    add("code form: the code twice", with_body(code_form, FORM, &format!("{}&code=7KQ4-M2XD", code_pair(DEMO_EMAIL, &valid_code))), 400, None);

    // POST /forgot-password (form)
    let forgot = "request-reset-forgot-form.json";
    add("forgot form: missing field", with_body(forgot, FORM, "mail=demo%40example.com"), 400, None);
    add("forgot form: duplicate field", with_body(forgot, FORM, "email=x%40example.com&email=demo%40example.com"), 400, None);
    add("forgot form: CR/LF", with_body(forgot, FORM, "email=demo%40example.com%0D%0ABcc%3A+x%40evil.test"), 400, None);
    add("forgot form: NUL", with_body(forgot, FORM, "email=demo%40example.com%00"), 400, None);
    add("forgot form: JSON body", with_body(forgot, JSON, r#"{"email":"demo@example.com"}"#), 415, None);
    add("forgot form: 20 KiB", with_body(forgot, FORM, &format!("email={}", "a".repeat(20_000))), 413, None);

    // POST /reset-password (form + cookie)
    let reset = "reset-password-form.json";
    let posted = |body: &str, cookie: &str| {
        let mut e = with_body(reset, FORM, body);
        e["cookies"] = json!([format!("__Host-reset_token={cookie}")]);
        e
    };
    // As the form posts it: with the id of the link it was shown for (the cookie's).
    let with_cookie = |body: &str, cookie: &str| match crate::helpers::maybe_link_id(cookie) {
        Some(link) => posted(&format!("link={link}&{body}"), cookie),
        None => posted(body, cookie),
    };
    let pair = format!("password={0}&confirm={0}", strong.replace(' ', "+"));
    add(
        "reset form: no cookie",
        {
            let mut e = with_body(reset, FORM, &pair);
            e["cookies"] = json!([]);
            e
        },
        400,
        None,
    );
    for (name, token) in hostile_tokens.iter().take(6) {
        add(&format!("reset form: cookie token {name}"), with_cookie(&pair, token), 400, None);
    }
    add("reset form: missing confirm", with_cookie(&format!("password={}", strong.replace(' ', "+")), &valid), 400, None);
    add("reset form: duplicate password", with_cookie(&format!("{pair}&password=x"), &valid), 400, None);
    add(
        "reset form: JSON body",
        {
            let mut e = with_cookie(&pair, &valid);
            e["headers"]["content-type"] = "application/json".into();
            e
        },
        415,
        None,
    );
    add("reset form: mismatch", with_cookie(&format!("password={}&confirm=other", strong.replace(' ', "+")), &valid), 422, None);
    add("reset form: too long", with_cookie(&format!("password={0}&confirm={0}", "p".repeat(300)), &valid), 422, None);
    // A form shown for another link than the cookie's (another tab swapped the cookie), or one
    // that does not say which: refused, nothing changed.
    add("reset form: shown for another link", posted(&format!("link=AAAAAAAAAAAAAAAAAAAAAA&{pair}"), &valid), 409, None);
    add("reset form: no link field", posted(&pair, &valid), 409, None);
    add("reset form: link field twice", posted(&format!("link={0}&link={0}&{pair}", crate::helpers::link_id(&valid)), &valid), 400, None);

    // Form posts from anywhere but the page's own origin (helpers::RESET_PAGE is
    // https://auth.example.com/...): refused with the 403 page before anything is spent.
    let from = |mut event: Value, fetch_site: Option<&str>, origin: Option<&str>| {
        let headers = event["headers"].as_object_mut().unwrap();
        headers.remove("sec-fetch-site");
        headers.remove("origin");
        if let Some(site) = fetch_site {
            headers.insert("sec-fetch-site".into(), site.into());
        }
        if let Some(origin) = origin {
            headers.insert("origin".into(), origin.into());
        }
        event
    };
    let forgot_pair = "email=demo%40example.com";
    for (name, site, origin) in [
        ("a sibling subdomain (Sec-Fetch-Site: same-site)", Some("same-site"), Some("https://user-content.example.com")),
        ("another site (Sec-Fetch-Site: cross-site)", Some("cross-site"), Some("https://evil.test")),
        ("Sec-Fetch-Site in capitals", Some("SAME-ORIGIN"), None),
        ("a look-alike Origin, no Sec-Fetch-Site", None, Some("https://auth.example.com.evil.test")),
        ("the page's host over http", None, Some("http://auth.example.com")),
        ("the page's host on another port", None, Some("https://auth.example.com:8443")),
    ] {
        add(&format!("reset form: from {name}"), from(with_cookie(&pair, &valid), site, origin), 403, None);
        add(&format!("forgot form: from {name}"), from(with_body(forgot, FORM, forgot_pair), site, origin), 403, None);
        add(&format!("code form: from {name}"), from(with_body(code_form, FORM, &code_pair(DEMO_EMAIL, &valid_code)), site, origin), 403, None);
    }
    // The code form needs no cookie and sets one: a post that does not show it came from the page
    // (neither header, as curl or an old browser's redirect; an opaque `Origin: null`) is refused too.
    for (name, origin) in [("neither Sec-Fetch-Site nor Origin", None), ("Origin: null, no Sec-Fetch-Site", Some("null"))] {
        add(&format!("code form: {name}"), from(with_body(code_form, FORM, &code_pair(DEMO_EMAIL, &valid_code)), None, origin), 403, None);
    }

    assert!(cases.len() >= 60, "only {} hostile cases", cases.len());
    for case in &cases {
        let reply = app.call(&case.event).await;
        assert_eq!(reply.status, case.status, "{}: {}", case.name, reply.body.chars().take(200).collect::<String>());
        assert_eq!(reply.error_code().as_deref(), case.code, "{}", case.name);
    }
    // No malformed code spent one of the demo address's attempts: its right code still goes on
    // to the form (a check that changes nothing).
    let exchanged = app.call(&crate::codes::code_form_event(DEMO_EMAIL, &valid_code)).await;
    assert_eq!(exchanged.status, 303, "the right code after the hostile ones: {}", exchanged.body);
    assert_eq!(app.user(DEMO_USER_ID), before, "no hostile request changed the user");
    let mails = app.mails().await;
    assert_eq!(mails.len(), mails_before, "no hostile request sent mail: {mails:?}");

    let logs = captured.text();
    for (name, token) in hostile_tokens.iter().filter(|(_, t)| t.len() > 20) {
        assert!(!logs.contains(token.as_str()), "a log line holds the {name} token");
    }
    for (what, secret) in [
        ("the valid token", valid.as_str()),
        ("the valid code", valid_code.as_str()),
        ("the valid code without its hyphen", &valid_code.replace('-', "")),
        ("the password", strong),
        ("the demo address", DEMO_EMAIL),
        ("an injected address", "attacker@evil.test"),
    ] {
        crate::helpers::assert_not_logged(&logs, secret, what);
    }
    println!("{} hostile requests", cases.len());
}
