//! The hosted pages through the handlers: security headers, the token's move from the link into
//! the cookie, GET/HEAD never consuming a token, and identical answers for every account.

use reset_core::domain::password;
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use serde_json::Value;

use crate::helpers::{MemoryApp, NEW_PASSWORD, RESET_PAGE, link_event};

pub(crate) fn form_event(cookie: Option<&str>, password: &str, confirm: &str) -> Value {
    let mut event = events::load("reset-password-form.json");
    let body: String = form_urlencoded::Serializer::new(String::new()).append_pair("password", password).append_pair("confirm", confirm).finish();
    event["body"] = body.into();
    event["cookies"] = match cookie {
        Some(token) => serde_json::json!([format!("__Host-reset_token={token}")]),
        None => serde_json::json!([]),
    };
    event
}

fn forgot_event(email: &str) -> Value {
    let mut event = events::load("request-reset-forgot-form.json");
    event["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("email", email).finish().into();
    event
}

fn assert_page_headers(reply: &Reply, what: &str) {
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"), "{what}");
    let csp = reply.header("content-security-policy").unwrap_or_default();
    for directive in ["default-src 'none'", "style-src 'sha256-", "script-src 'sha256-", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert!(reply.header("strict-transport-security").is_some_and(|v| v.starts_with("max-age=")), "{what}");
}

#[tokio::test]
async fn every_page_carries_the_strict_headers() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let pages = [
        ("forgot form", events::load("request-reset-forgot-page.json")),
        ("forgot submit", forgot_event(DEMO_EMAIL)),
        ("invalid email", forgot_event("nope")),
        ("link", link_event(&token, "GET", None)),
        ("cross-site link", link_event(&token, "GET", Some("cross-site"))),
        ("dead link", link_event("a.b.c", "GET", None)),
        ("form mismatch", form_event(Some(&token), NEW_PASSWORD, "other")),
        ("no cookie", form_event(None, NEW_PASSWORD, NEW_PASSWORD)),
    ];
    for (what, event) in pages {
        assert_page_headers(&app.call(&event).await, what);
    }
}

#[tokio::test]
async fn the_link_moves_the_token_into_a_strict_cookie_and_consumes_nothing() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let before = app.user(DEMO_USER_ID);

    for (method, site) in [("HEAD", "none"), ("GET", "none"), ("HEAD", "same-origin"), ("GET", "same-site")] {
        let reply = app.call(&link_event(&token, method, Some(site))).await;
        assert_eq!(reply.status, 303, "{method} {site}");
        assert_eq!(reply.header("location"), Some(RESET_PAGE), "{method}: from configuration, not the Host header");
        let cookie = reply.header("set-cookie").unwrap_or_default();
        assert!(cookie.starts_with(&format!("__Host-reset_token={token};")), "{cookie}");
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/;", "Max-Age=900"] {
            assert!(cookie.contains(attribute), "{method}: {cookie} lacks {attribute}");
        }
        if method == "HEAD" {
            assert!(reply.body.is_empty(), "HEAD has no body");
        }
    }
    assert_eq!(app.user(DEMO_USER_ID), before, "GET and HEAD change nothing");

    // A click from another site gets a same-site hop page with the same cookie, not a redirect;
    // so does a browser that sends no Sec-Fetch-Site (Safari before 16.4), or an unknown value.
    for site in [Some("cross-site"), None, Some("something-new")] {
        let hop = app.call(&link_event(&token, "GET", site)).await;
        assert_eq!(hop.status, 200, "{site:?}");
        assert!(hop.header("set-cookie").unwrap_or_default().contains("SameSite=Strict"), "{site:?}");
        assert!(hop.body.contains(&format!("http-equiv=\"refresh\" content=\"0; url={RESET_PAGE}\"")), "{}", hop.body);
        assert!(!hop.body.contains(&token), "the token is not repeated in the page");
    }

    // The form, with the cookie, changes the password once and clears the cookie.
    let done = app.call(&form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your password has been changed"));
    assert!(done.header("set-cookie").unwrap_or_default().contains("Max-Age=0"), "the cookie is cleared");
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash));

    let dead = app.call(&link_event(&token, "GET", None)).await;
    assert_eq!(dead.status, 400);
    assert!(dead.body.contains("This link is invalid or has expired"));
    assert!(dead.body.contains("href=\"https://auth.example.com/forgot-password\""), "{}", dead.body);
}

#[tokio::test]
async fn form_errors_re_render_the_form_and_change_nothing() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let cases = [
        (NEW_PASSWORD, "not the same", 422, "The two passwords are not the same"),
        ("short", "short", 422, "Use at least 12 characters; this one has 5."),
        ("password1234", "password1234", 422, "This password is too easy to guess."),
        ("demo demo demo demo", "demo demo demo demo", 422, "Do not build your password from your email address."),
    ];
    for (password, confirm, status, message) in cases {
        let reply = app.call(&form_event(Some(&token), password, confirm)).await;
        assert_eq!(reply.status, status, "{message}");
        assert!(reply.body.contains(message), "{}", reply.body);
        assert!(reply.body.contains("role=\"alert\""), "errors are announced");
        assert!(!reply.body.contains(&format!("value=\"{password}\"")), "the password is not echoed");
    }
    let no_cookie = app.call(&form_event(None, NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(no_cookie.status, 400);
    assert!(password::verify(DEMO_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "nothing changed");
}

#[tokio::test]
async fn the_forgot_form_answers_the_same_for_every_account() {
    let app = MemoryApp::new().await;
    app.add_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, false);
    let known = app.call(&forgot_event(DEMO_EMAIL)).await;
    for other in ["nobody@example.com", "disabled@example.com"] {
        let reply = app.call(&forgot_event(other)).await;
        assert_eq!((reply.status, &reply.headers, &reply.body), (known.status, &known.headers, &known.body), "{other}");
    }
    assert!(known.body.contains("Check your inbox"));
    assert_eq!(app.mails().await.len(), 1);

    // A bad address re-renders the form with the reason, the typed text escaped.
    let bad = app.call(&forgot_event("<script>x</script>")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Enter a valid email address"), "{}", bad.body);
    assert!(!bad.body.contains("<script>x"), "the typed text is escaped: {}", bad.body);
}

/// A form POST must come from the page that serves it: a sibling subdomain (same-site, so the
/// Strict cookie goes along), another site, or an opaque origin gets 403 before anything is
/// spent; the page's own origin, and a client that sends neither header (old browsers, curl),
/// are served.
#[tokio::test]
async fn forms_posted_from_another_origin_are_refused_before_anything_is_spent() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let before = app.user(DEMO_USER_ID);
    let with = |mut event: Value, site: Option<&str>, origin: Option<&str>| {
        let headers = event["headers"].as_object_mut().unwrap();
        if let Some(site) = site {
            headers.insert("sec-fetch-site".into(), site.into());
        }
        if let Some(origin) = origin {
            headers.insert("origin".into(), origin.into());
        }
        event
    };
    let refused = [
        (Some("same-site"), Some("https://user-content.example.com")),
        (Some("cross-site"), Some("https://evil.test")),
        (Some("same-site"), None),
        (None, Some("https://auth.example.com.evil.test")),
        (None, Some("http://auth.example.com")),
    ];
    let keys_before = app.limits.keys().len();
    for (site, origin) in refused {
        for (what, event) in [("forgot", forgot_event(DEMO_EMAIL)), ("reset", form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD))] {
            let reply = app.call(&with(event, site, origin)).await;
            assert_eq!(reply.status, 403, "{what} {site:?} {origin:?}: {}", reply.body);
            assert!(reply.body.contains("This form was sent from another site"), "{what}: {}", reply.body);
            assert_page_headers(&reply, what);
        }
    }
    assert_eq!(app.limits.keys().len(), keys_before, "no rate-limit counter spent");
    assert!(app.queue.queued().is_empty(), "nothing queued");
    assert_eq!(app.user(DEMO_USER_ID), before, "the password is as it was");

    // The page's own origin, and a client without either header, are served; so is a browser's
    // own post under the pages' no-referrer policy, which carries `Origin: null`.
    let own = app.call(&with(forgot_event(DEMO_EMAIL), Some("same-origin"), Some("https://auth.example.com"))).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let no_referrer = app.call(&with(forgot_event("other@example.com"), Some("same-origin"), Some("null"))).await;
    assert_eq!(no_referrer.status, 200, "{}", no_referrer.body);
    let bare = app.call(&forgot_event("someone@example.com")).await;
    assert_eq!(bare.status, 200, "{}", bare.body);
    let reset = app.call(&with(form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD), Some("same-origin"), Some("https://auth.example.com"))).await;
    assert_eq!(reset.status, 200, "{}", reset.body);
}

/// The token of the newest mail to `email` (after asking for one).
async fn token_for(app: &MemoryApp, email: &str) -> String {
    assert_eq!(app.call(&crate::helpers::request_event(email)).await.status, 202);
    let mails = app.mails().await;
    let mail = mails.iter().rev().find(|m| m.to.as_ref() == email).expect("a mail to that address");
    crate::helpers::token_in(&mail.text)
}

/// The form and the success page say which account they change, masked, so a user who was sent
/// someone else's link (reset fixation) can tell.
#[tokio::test]
async fn the_form_and_the_success_page_name_the_account_masked() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    let mut form = link_event("", "GET", Some("same-origin"));
    form["rawQueryString"] = "".into();
    form["queryStringParameters"] = serde_json::json!({});
    form["cookies"] = serde_json::json!([format!("__Host-reset_token={token}")]);
    let page = app.call(&form).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("d\u{2022}\u{2022}\u{2022}@example.com"), "{}", page.body);
    assert!(!page.body.contains(DEMO_EMAIL), "never the whole address");
    let mismatch = app.call(&form_event(Some(&token), NEW_PASSWORD, "other")).await;
    assert!(mismatch.body.contains("d\u{2022}\u{2022}\u{2022}@example.com"), "{}", mismatch.body);
    let done = app.call(&form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("The password for d\u{2022}\u{2022}\u{2022}@example.com is changed"), "{}", done.body);
}

/// A bad link opened in a browser that holds a live reset (a cross-site GET, say) answers with
/// the invalid-link page but leaves the live reset's cookie alone.
#[tokio::test]
async fn a_bad_link_does_not_end_a_reset_in_progress() {
    let app = MemoryApp::new().await;
    let live = app.token_for_demo().await;
    let mut bad = link_event("a.b.c", "GET", Some("cross-site"));
    bad["cookies"] = serde_json::json!([format!("__Host-reset_token={live}")]);
    let reply = app.call(&bad).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.header("set-cookie"), None, "the live cookie is not cleared");
    // A dead token in the cookie itself is cleared.
    let dead = app.call(&form_event(Some("a.b.c"), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert!(dead.header("set-cookie").unwrap_or_default().contains("Max-Age=0"), "{:?}", dead.headers);
}

/// A link for one account opened while the browser holds another account's live reset asks
/// first, naming both; only the confirmed link replaces the cookie. Two links for the same
/// account do not ask.
#[tokio::test]
async fn a_link_for_another_account_asks_before_replacing_the_live_reset() {
    let app = MemoryApp::new().await;
    app.add_user("u-kim", "kim@example.com", DEMO_PASSWORD, true);
    let victims = app.token_for_demo().await;
    let attackers = token_for(&app, "kim@example.com").await;
    let mut swap = link_event(&attackers, "GET", Some("cross-site"));
    swap["cookies"] = serde_json::json!([format!("__Host-reset_token={victims}")]);
    let asked = app.call(&swap).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("Reset another account"), "{}", asked.body);
    assert!(asked.body.contains("d\u{2022}\u{2022}\u{2022}@example.com") && asked.body.contains("k\u{2022}\u{2022}\u{2022}@example.com"), "{}", asked.body);
    assert_eq!(asked.header("set-cookie"), None, "the victim's reset stays");

    let mut confirmed = swap.clone();
    confirmed["rawQueryString"] = format!("token={attackers}&switch=1").into();
    confirmed["queryStringParameters"]["switch"] = "1".into();
    let replaced = app.call(&confirmed).await;
    assert!(replaced.header("set-cookie").unwrap_or_default().starts_with(&format!("__Host-reset_token={attackers};")), "{:?}", replaced.headers);

    let second_for_demo = app.token_for_demo().await;
    let mut same_account = link_event(&second_for_demo, "GET", Some("none"));
    same_account["cookies"] = serde_json::json!([format!("__Host-reset_token={victims}")]);
    assert_eq!(app.call(&same_account).await.status, 303, "no question for the same account");
}

/// The `<style>` a page carries, and whether the page's CSP allows exactly it (by its hash).
fn style_allowed(reply: &Reply) -> (String, bool) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let start = reply.body.find("<style>").expect("an inline style") + "<style>".len();
    let css = &reply.body[start..start + reply.body[start..].find("</style>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(css.as_bytes()));
    let csp = reply.header("content-security-policy").unwrap_or_default();
    (css.to_owned(), csp.contains(&format!("style-src 'sha256-{hash}'")))
}

#[tokio::test]
async fn branding_shows_on_every_page_and_the_policy_allows_exactly_its_style_and_logo() {
    use reset_core::settings::branding::{Accent, Branding, Logo};
    let plain = MemoryApp::new().await;
    let page = plain.call(&events::load("request-reset-forgot-page.json")).await;
    let (_, allowed) = style_allowed(&page);
    assert!(allowed, "the default style is allowed by hash");
    assert!(!page.header("content-security-policy").unwrap().contains("img-src"), "no logo, no images");
    assert!(page.body.contains("<p class=\"brand\">Demo App</p>"));

    let mut app = MemoryApp::new().await;
    let branding = Branding::new(
        Some(Accent::parse("#7b1fa2").unwrap()),
        Some(Logo::parse("https://cdn.example.com/brand/logo.svg").unwrap()),
        Some("Example <GmbH> · Berlin".into()),
    );
    app.deps.configure(|settings| settings.branding = branding.clone());
    let token = app.token_for_demo().await;
    let mails = app.mailer.sent();
    assert!(mails[0].html.contains("background:#7b1fa2;"), "the mail's button takes the accent");
    let pages = [
        ("forgot page", app.call(&events::load("request-reset-forgot-page.json")).await),
        ("check your inbox", app.call(&forgot_event("someone@example.com")).await),
        ("reset form after an error", app.call(&form_event(Some(&token), "short", "short")).await),
        ("invalid link", app.call(&link_event("a.b.c", "GET", Some("same-origin"))).await),
    ];
    for (what, page) in &pages {
        let (css, allowed) = style_allowed(page);
        assert!(allowed, "{what}: the branded style is allowed by hash");
        assert!(css.contains(":root{--accent:#7b1fa2;--on-accent:#fff}"), "{what}");
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("img-src https://cdn.example.com;"), "{what}: exactly the logo's origin: {csp}");
        assert!(page.body.contains(r#"<img class="logo" src="https://cdn.example.com/brand/logo.svg" alt="Demo App">"#), "{what}");
        assert!(
            page.body.contains("<p>Example &#60;GmbH&#62; · Berlin</p>") || page.body.contains("<p>Example &lt;GmbH&gt; · Berlin</p>"),
            "{what}: the footer, escaped: {}",
            page.body
        );
    }
}
