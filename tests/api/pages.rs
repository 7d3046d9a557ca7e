//! The hosted pages through the handlers: security headers, the token's move from the link into
//! the cookie, GET/HEAD never consuming a token, and identical answers for every account.

use reset_core::domain::password;
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use serde_json::Value;

use crate::helpers::{MemoryApp, NEW_PASSWORD, RESET_PAGE, link_event, link_id, maybe_link_id};

/// The reset form as its page posts it: the passwords, and the id of the link the form was shown
/// for, here the cookie's own (see [`form_event_for`] for a form shown for another link).
pub(crate) fn form_event(cookie: Option<&str>, password: &str, confirm: &str) -> Value {
    let shown_for = cookie.and_then(maybe_link_id);
    form_event_for(cookie, shown_for.as_deref(), password, confirm)
}

/// The reset form posted with `cookie`, the form having been shown for the link `shown_for`
/// (its `jti`; `None`: a post without the field).
pub(crate) fn form_event_for(cookie: Option<&str>, shown_for: Option<&str>, password: &str, confirm: &str) -> Value {
    let mut event = events::load("reset-password-form.json");
    let mut body = form_urlencoded::Serializer::new(String::new());
    if let Some(link) = shown_for {
        body.append_pair("link", link);
    }
    event["body"] = body.append_pair("password", password).append_pair("confirm", confirm).finish().into();
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

pub(crate) fn assert_page_headers(reply: &Reply, what: &str) {
    assert_page_headers_referring(reply, what, "no-referrer");
}

/// The strict headers, with the `Referrer-Policy` the page has: `no-referrer`, but
/// `strict-origin` on the hop and question pages, whose links must show old browsers' requests
/// as same-origin (functions/reset-password's module doc).
fn assert_page_headers_referring(reply: &Reply, what: &str, referrer: &str) {
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"), "{what}");
    let csp = reply.header("content-security-policy").unwrap_or_default();
    for directive in ["default-src 'none'", "style-src 'sha256-", "script-src 'sha256-", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(reply.header("referrer-policy"), Some(referrer), "{what}");
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
        ("link", link_event(&token, "GET", Some("none"))),
        ("dead link", link_event("a.b.c", "GET", None)),
        ("form mismatch", form_event(Some(&token), NEW_PASSWORD, "other")),
        ("no cookie", form_event(None, NEW_PASSWORD, NEW_PASSWORD)),
    ];
    for (what, event) in pages {
        assert_page_headers(&app.call(&event).await, what);
    }
    let hop = app.call(&link_event(&token, "GET", Some("cross-site"))).await;
    assert_page_headers_referring(&hop, "cross-site link", "strict-origin");
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

    // A click from another site gets a same-site hop page, not a redirect, and no cookie: that
    // request cannot carry a live reset's cookie, so it must not replace one (the fixation test
    // below); so does a browser that sends no Sec-Fetch-Site (Safari before 16.4) and no
    // Referer from this origin, or an unknown value. The hop goes on to the link itself.
    let next = format!("{RESET_PAGE}?token={token}&hop=1");
    for (site, referer) in
        [(Some("cross-site"), None), (None, None), (None, Some("https://evil.test/")), (Some("something-new"), Some("https://auth.example.com/"))]
    {
        let hop = app.call(&with_header(link_event(&token, "GET", site), "referer", referer)).await;
        assert_eq!(hop.status, 200, "{site:?} {referer:?}");
        assert_eq!(hop.header("set-cookie"), None, "{site:?} {referer:?}: the hop sets no cookie");
        assert!(unescaped(&hop.body).contains(&format!("http-equiv=\"refresh\" content=\"0; url={next}\"")), "{}", hop.body);
        assert_eq!(continue_href(&hop), next, "{site:?}");
    }
    // The hop's own step, from this origin, carries the cookie if there is one: there the token
    // moves into it. Old browsers show the origin by the Referer the hop page's policy lets through.
    for (site, referer) in [(Some("same-origin"), None), (None, Some("https://auth.example.com/"))] {
        let step = app.call(&with_header(at(&next, "GET", site, None), "referer", referer)).await;
        assert_eq!(step.status, 303, "{site:?} {referer:?}: {}", step.body);
        assert!(step.header("set-cookie").unwrap_or_default().starts_with(&format!("__Host-reset_token={token};")), "{:?}", step.headers);
    }
    // Back at the hop still unproven (a browser that sends no Referer on a refresh): the hop page
    // again, without its refresh, so nothing loops; its Continue link sends the Referer.
    let again = app.call(&at(&next, "GET", None, None)).await;
    assert_eq!((again.status, again.header("set-cookie")), (200, None));
    assert!(!again.body.contains("http-equiv=\"refresh\""), "{}", again.body);
    assert_eq!(continue_href(&again), next);

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

/// `text` with the HTML escapes of `&` undone (an `href` as the browser reads it).
fn unescaped(text: &str) -> String {
    text.replace("&#38;", "&").replace("&amp;", "&")
}

/// Where a message page's (or the hop page's) button goes, as the browser reads it.
fn continue_href(reply: &Reply) -> String {
    let start = reply.body.find("<a class=\"button\" href=\"").expect("a button") + "<a class=\"button\" href=\"".len();
    unescaped(&reply.body[start..start + reply.body[start..].find('"').unwrap()])
}

/// `event` with header `name` set to `value` (or left without it).
fn with_header(mut event: Value, name: &str, value: Option<&str>) -> Value {
    if let Some(value) = value {
        event["headers"][name] = value.into();
    }
    event
}

/// A GET or HEAD of `url` (the reset page, any query), as a browser sends it: `Sec-Fetch-Site`
/// (or none) and the reset cookie if the browser holds one and sends it on this navigation.
fn at(url: &str, method: &str, site: Option<&str>, cookie: Option<&str>) -> Value {
    let (page, query) = url.split_once('?').unwrap_or((url, ""));
    assert_eq!(page, RESET_PAGE, "{url}");
    let mut event = link_event("", method, site);
    event["rawQueryString"] = query.into();
    let mut params = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        params.insert(k.into_owned(), v.into_owned().into());
    }
    event["queryStringParameters"] = params.into();
    event["cookies"] = match cookie {
        Some(token) => serde_json::json!([format!("__Host-reset_token={token}")]),
        None => serde_json::json!([]),
    };
    event
}

/// The reset fixation of issue 19, with cookies as a browser sends them (a Strict cookie is not
/// sent on a navigation that began on another site). The victim holds a live reset for their
/// account (d•••); they click the attacker's own link (k•••) in webmail. The click's request
/// carries no cookie, so it must not set one: it hops. The hop's step from this origin carries
/// the victim's cookie, and asks, naming both accounts; nothing is replaced. `switch=1` skips
/// the question only on the question page's own (same-origin) link, never in a URL opened from
/// elsewhere. Two links for the same account do not ask.
#[tokio::test]
async fn a_webmail_click_on_an_attackers_link_asks_on_the_same_site_step_and_replaces_nothing() {
    let app = MemoryApp::new().await;
    app.add_user("u-kim", "kim@example.com", DEMO_PASSWORD, true);
    let victims = app.token_for_demo().await;
    let attackers = token_for(&app, "kim@example.com").await;
    let names_both =
        |reply: &Reply| reply.body.contains("d\u{2022}\u{2022}\u{2022}@example.com") && reply.body.contains("k\u{2022}\u{2022}\u{2022}@example.com");
    let link = |token: &str| format!("{RESET_PAGE}?token={token}");

    // 1. The click in webmail: cross-site, without the victim's cookie. The hop sets none.
    let click = app.call(&at(&link(&attackers), "GET", Some("cross-site"), None)).await;
    assert_eq!(click.status, 200, "{}", click.body);
    assert_eq!(click.header("set-cookie"), None, "the hop page does not replace the victim's cookie");
    assert!(click.body.contains("Continue to your new password"), "{}", click.body);

    // 2. The hop's refresh, from this origin: the browser sends the victim's cookie now.
    let asked = app.call(&at(&continue_href(&click), "GET", Some("same-origin"), Some(&victims))).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("Reset another account"), "{}", asked.body);
    assert!(names_both(&asked), "both accounts, masked: {}", asked.body);
    assert_eq!(asked.header("set-cookie"), None, "the victim's reset stays");
    assert_page_headers_referring(&asked, "the question", "strict-origin");
    let answer = continue_href(&asked);
    assert_eq!(answer, format!("{}&switch={}", link(&attackers), link_id(&victims)), "the answer names the reset it replaces");

    // 3. The answer in a URL opened from anywhere but one of this origin's pages skips nothing:
    //    from another site (no cookie sent), a hop that drops it; typed, from a desktop mail app
    //    or a sibling subdomain (the cookie sent), the question; an old browser without a
    //    Referer from this origin, the hop.
    let forged = answer.clone();
    for (site, cookie, referer) in [
        (Some("cross-site"), None, None),
        (Some("cross-site"), Some(victims.as_str()), None),
        (None, None, None),
        (None, Some(victims.as_str()), Some("https://evil.test/")),
    ] {
        let reply = app.call(&with_header(at(&forged, "GET", site, cookie), "referer", referer)).await;
        assert_eq!((reply.status, reply.header("set-cookie")), (200, None), "{site:?} {referer:?}: {}", reply.body);
        assert!(reply.body.contains("Continue to your new password"), "{site:?}: the hop: {}", reply.body);
        assert!(!continue_href(&reply).contains("switch"), "the hop drops the answer: {}", continue_href(&reply));
    }
    for site in ["same-site", "none"] {
        let reply = app.call(&at(&forged, "GET", Some(site), Some(&victims))).await;
        assert_eq!((reply.status, reply.header("set-cookie")), (200, None), "{site}: {}", reply.body);
        assert!(reply.body.contains("Reset another account") && names_both(&reply), "{site}: the question: {}", reply.body);
    }
    //    Even from this origin, an answer that does not name the live reset (`switch=1`, as an
    //    attacker's URL would hold if some page of the origin followed it) asks.
    for guessed in [format!("{}&switch=1", link(&attackers)), format!("{}&switch={}", link(&attackers), link_id(&attackers))] {
        let reply = app.call(&at(&guessed, "GET", Some("same-origin"), Some(&victims))).await;
        assert_eq!((reply.status, reply.header("set-cookie")), (200, None), "{guessed}: {}", reply.body);
        assert!(reply.body.contains("Reset another account") && names_both(&reply), "the question: {}", reply.body);
    }

    // 4. The question's own Continue link (same-origin; for an old browser, the Referer its
    //    policy sends) replaces the reset.
    for (site, referer) in [(Some("same-origin"), None), (None, Some("https://auth.example.com/"))] {
        let replaced = app.call(&with_header(at(&answer, "GET", site, Some(&victims)), "referer", referer)).await;
        assert_eq!(replaced.status, 303, "{site:?}: {}", replaced.body);
        assert!(replaced.header("set-cookie").unwrap_or_default().starts_with(&format!("__Host-reset_token={attackers};")), "{:?}", replaced.headers);
    }

    // Typed or opened from a desktop mail app, the cookie comes along: the question at once.
    let typed = app.call(&at(&link(&attackers), "GET", Some("none"), Some(&victims))).await;
    assert!(typed.body.contains("Reset another account") && typed.header("set-cookie").is_none(), "{}", typed.body);

    let second_for_demo = app.token_for_demo().await;
    assert_eq!(app.call(&at(&link(&second_for_demo), "GET", Some("none"), Some(&victims))).await.status, 303, "no question for the same account");
    assert!(password::verify(DEMO_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "nothing changed");
}

/// Another site cannot end a live reset so that the attacker's link then replaces it without the
/// question: a request without the cookie (as every request from another site is: the cookie is
/// Strict) never gets a `Set-Cookie`, whether it opens the page bare or posts the form (an old
/// browser's `Origin: null` passes the form's origin check). And if the live reset cannot be
/// checked (the user store is down), the attacker's link replaces nothing.
#[tokio::test]
async fn another_site_cannot_clear_a_live_reset_and_an_outage_replaces_nothing() {
    let app = MemoryApp::new().await;
    app.add_user("u-kim", "kim@example.com", DEMO_PASSWORD, true);
    let victims = app.token_for_demo().await;
    let attackers = token_for(&app, "kim@example.com").await;

    let bare = app.call(&at(RESET_PAGE, "GET", Some("cross-site"), None)).await;
    assert_eq!((bare.status, bare.header("set-cookie")), (400, None), "{}", bare.body);
    let mut post = form_event_for(None, None, NEW_PASSWORD, NEW_PASSWORD);
    post["headers"]["origin"] = "null".into();
    let posted = app.call(&post).await;
    assert_eq!(posted.header("set-cookie"), None, "{} {}", posted.status, posted.body);
    // With the cookie, a dead one is still cleared.
    let dead = app.call(&at(RESET_PAGE, "GET", Some("same-origin"), Some("a.b.c"))).await;
    assert!(dead.header("set-cookie").unwrap_or_default().contains("Max-Age=0"), "{:?}", dead.headers);

    // The victim's cookie is live, but cannot be checked now: the attacker's link sets nothing.
    app.users.outage.set(true);
    let link = format!("{RESET_PAGE}?token={attackers}");
    let reply = app.call(&at(&link, "GET", Some("same-origin"), Some(&victims))).await;
    assert_eq!((reply.status, reply.header("set-cookie")), (503, None), "{}", reply.body);
}

/// The form is bound to the link it was shown for: it carries the link's id (`jti`, never the
/// token). If another tab swaps the cookie (the attacker's link, confirmed) between showing and
/// submitting, the post is refused with a page naming the account the cookie is now for, and
/// nothing changes: the victim cannot be made to set the attacker's password with their form.
#[tokio::test]
async fn a_form_posted_after_another_tab_swapped_the_cookie_changes_nothing() {
    let app = MemoryApp::new().await;
    app.add_user("u-kim", "kim@example.com", DEMO_PASSWORD, true);
    let victims = app.token_for_demo().await;
    let attackers = token_for(&app, "kim@example.com").await;

    let form = app.call(&at(RESET_PAGE, "GET", Some("same-origin"), Some(&victims))).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let field = format!("<input type=\"hidden\" name=\"link\" value=\"{}\">", link_id(&victims));
    assert!(form.body.contains(&field), "{}", form.body);
    assert!(!form.body.contains(&victims), "the token itself is not in the page");
    // Its errors re-render it bound to the same link.
    let differ = app.call(&form_event(Some(&victims), NEW_PASSWORD, "other")).await;
    assert!(differ.body.contains(&field), "{}", differ.body);

    // Posted with the attacker's cookie (swapped in by another tab), or without saying which
    // link it was shown for: refused, and the cookie stays.
    for shown_for in [Some(link_id(&victims)), None] {
        let refused = app.call(&form_event_for(Some(&attackers), shown_for.as_deref(), NEW_PASSWORD, NEW_PASSWORD)).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.body.contains("This form was for another link"), "{}", refused.body);
        assert!(refused.body.contains("k\u{2022}\u{2022}\u{2022}@example.com"), "names the account the cookie is for: {}", refused.body);
        assert_eq!(refused.header("set-cookie"), None, "{:?}", refused.headers);
        assert_page_headers(&refused, "refused form");
    }
    for id in [DEMO_USER_ID, "u-kim"] {
        assert!(password::verify(DEMO_PASSWORD, &app.user(id).password_hash), "{id}: nothing changed");
    }
    // The form shown for the cookie's own link still works.
    let done = app.call(&form_event(Some(&victims), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash));
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
