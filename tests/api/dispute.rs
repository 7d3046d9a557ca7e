//! "This wasn't me" (issue 22): the password-changed notice's second link, the page it opens
//! (GET and HEAD show it and change nothing) and its one button (POST locks the account, moves
//! its epoch and writes the `Password Change Disputed` event in the same write), through the
//! real handlers over in-memory adapters.

use reset_core::domain::events::{EventKind, OutboxEvent};
use reset_core::domain::password;
use reset_core::ports::Mail;
use reset_core::reset_token::Purpose;
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use serde_json::{Value, json};

use crate::helpers::{DISPUTE_PAGE, KEY_B, MemoryApp, NEW_PASSWORD, confirm_event, link_event, link_id, request_event, secret, token_in};

/// The demo user's password changed through a reset link and the notice sent: the notice, and
/// the token of its "this wasn't me" link.
pub(crate) async fn disputable(app: &MemoryApp) -> (Mail, String) {
    let token = app.token_for_demo().await;
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    let before = app.mailer.sent().len();
    app.deliver().await;
    let mails = app.mailer.sent();
    assert_eq!(mails.len(), before + 1, "the password-changed notice");
    let notice = mails[before].clone();
    let link = dispute_link_in(&notice.text).expect("the notice carries a dispute link");
    (notice, token_in(&link))
}

/// The "this wasn't me" link in a mail's text.
fn dispute_link_in(text: &str) -> Option<String> {
    let start = text.find(&format!("{DISPUTE_PAGE}?"))?;
    Some(text[start..].split_whitespace().next().unwrap_or_default().to_owned())
}

/// `method` on the dispute page as a browser opens the link: the token in the query (`None`: no
/// query at all).
pub(crate) fn dispute_page(method: &str, token: Option<&str>) -> Value {
    let mut event = link_event(token.unwrap_or_default(), method, Some("none"));
    event["rawPath"] = "/secure-account".into();
    event["routeKey"] = format!("{method} /secure-account").into();
    event["requestContext"]["http"]["path"] = "/secure-account".into();
    event["requestContext"]["routeKey"] = format!("{method} /secure-account").into();
    if token.is_none() {
        event["rawQueryString"] = "".into();
        event.as_object_mut().unwrap().remove("queryStringParameters");
    }
    event
}

/// The page's button pressed: a form post carrying the token (`None`: a post without it), from
/// the page's own origin unless `site` says otherwise.
pub(crate) fn dispute_press(token: Option<&str>, site: &str) -> Value {
    let mut event = events::load("reset-password-form.json");
    event["rawPath"] = "/secure-account".into();
    event["routeKey"] = "POST /secure-account".into();
    event["requestContext"]["http"]["path"] = "/secure-account".into();
    event["requestContext"]["routeKey"] = "POST /secure-account".into();
    event["headers"]["sec-fetch-site"] = site.into();
    event["cookies"] = json!([]);
    let mut body = form_urlencoded::Serializer::new(String::new());
    if let Some(token) = token {
        body.append_pair("token", token);
    }
    event["body"] = body.finish().into();
    event
}

fn disputes(app: &MemoryApp) -> Vec<OutboxEvent> {
    app.users.outbox.events().into_iter().filter(|e| e.detail_type == EventKind::PasswordChangeDisputed.detail_type()).collect()
}

/// The dead-link page of the dispute flow, with the status every token failure has.
fn assert_dead_link_page(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"), "{what}");
    assert!(reply.body.contains("This link no longer works"), "{what}: {}", reply.body);
    assert!(reply.body.contains("Nothing was changed."), "{what}");
}

#[tokio::test]
async fn the_changed_notice_carries_a_dispute_link_of_its_own_audience_to_the_dispute_page() {
    let app = MemoryApp::new().await;
    let (notice, token) = disputable(&app).await;
    let link = dispute_link_in(&notice.text).unwrap();
    assert_eq!(link, format!("{DISPUTE_PAGE}?lang=en&token={token}"));
    assert!(notice.text.contains(&format!("Wasn't you? Secure your account: {link}")), "{}", notice.text);
    assert!(notice.html.contains(&format!("href=\"{DISPUTE_PAGE}?lang=en&#38;token={token}\"")), "{}", notice.html);
    // Signed for the account as the change left it, with the dispute audience and lifetime.
    let ring = app.keys_ring().await;
    let now = reset_core::unix_now();
    let claims = ring.verify_for(Purpose::Dispute, &token, now).unwrap().bind(app.user(DEMO_USER_ID).binding()).unwrap();
    assert_eq!(claims.expires_at - claims.issued_at, 7 * 86_400, "the default lifetime, a week");
    // Without a dispute page the notice goes out without the line.
    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.dispute_page_url = None);
    let token = app.token_for_demo().await;
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    let notice = app.mails().await.pop().unwrap();
    assert!(notice.subject.contains("password was changed"), "{}", notice.subject);
    assert!(!notice.text.contains("Secure your account") && dispute_link_in(&notice.text).is_none(), "{}", notice.text);
}

#[tokio::test]
async fn opening_the_dispute_link_shows_one_button_and_changes_nothing() {
    let app = MemoryApp::new().await;
    let (_, token) = disputable(&app).await;
    let before = app.user(DEMO_USER_ID);
    for method in ["GET", "HEAD", "GET", "HEAD"] {
        let reply = app.call(&dispute_page(method, Some(&token))).await;
        assert_eq!(reply.status, 200, "{method}: {}", reply.body);
        crate::pages::assert_page_headers(&reply, method);
        if method == "GET" {
            let page = &reply.body;
            assert!(page.contains("Was this password change not yours?"), "{page}");
            assert!(page.contains("d\u{2022}\u{2022}\u{2022}@example.com"), "names the account masked: {page}");
            assert!(page.contains("<form method=\"post\" action=\"/secure-account\">"), "{page}");
            assert!(page.contains(&format!("<input type=\"hidden\" name=\"token\" value=\"{token}\">")), "{page}");
            assert!(page.contains("This wasn&#39;t me — lock my account") || page.contains("This wasn't me — lock my account"), "{page}");
        }
    }
    assert_eq!(app.user(DEMO_USER_ID), before, "GET and HEAD change nothing");
    assert!(disputes(&app).is_empty(), "and write no event");
    // The link chosen language carries on to the form.
    let mut german = dispute_page("GET", Some(&token));
    german["rawQueryString"] = format!("lang=de&token={token}").into();
    german["queryStringParameters"]["lang"] = "de".into();
    let reply = app.call(&german).await;
    assert!(reply.body.contains("action=\"/secure-account?lang=de\""), "{}", reply.body);
    assert!(reply.body.contains("Das war ich nicht – Konto sperren"), "{}", reply.body);
}

#[tokio::test]
async fn pressing_the_button_locks_the_account_moves_the_epoch_and_writes_the_event() {
    let app = MemoryApp::new().await;
    let (_, token) = disputable(&app).await;
    let changed = app.user(DEMO_USER_ID);
    let changed_at: u64 = changed.epoch.parse().expect("the reset stamped the epoch");

    let reply = app.call(&dispute_press(Some(&token), "same-origin")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    crate::pages::assert_page_headers(&reply, "the locked page");
    for says in [
        "Your account is locked",
        "d\u{2022}\u{2022}\u{2022}@example.com is locked",
        "Every reset link and every signed-in session has ended",
        "contact support@example.com",
    ] {
        assert!(reply.body.contains(says), "the page says {says:?}: {}", reply.body);
    }

    let locked = app.user(DEMO_USER_ID);
    assert_eq!((locked.status.as_str(), locked.active), ("locked", false));
    let locked_at: u64 = locked.epoch.parse().unwrap();
    assert!(locked_at > changed_at, "the epoch moved past the disputed change ({changed_at} -> {locked_at}): its sessions end");
    // The password whoever disputed did not set stops working at every sign-in, whether or not
    // it checks the status: a hash of a random secret, in the configured format, replaces it.
    assert_ne!(locked.password_hash, changed.password_hash, "the disputed password is replaced");
    assert!(!password::verify(NEW_PASSWORD, &locked.password_hash), "the disputed password no longer signs in");
    assert!(locked.password_hash.starts_with("$argon2id$"), "a hash every verifier reads: {}", locked.password_hash);
    // A notice sent again after the lock carries a link bound to the locked account: pressing it
    // changes nothing and writes no second event.
    let ring = app.keys_ring().await;
    let again = ring.issue_for(reset_core::reset_token::Purpose::Dispute, locked.binding(), reset_core::unix_now(), 3600).unwrap().token;
    assert_eq!(app.call(&dispute_press(Some(&again), "same-origin")).await.status, 400, "a locked account is not locked again");
    let after = app.user(DEMO_USER_ID);
    assert_eq!((after.epoch, after.password_hash), (locked.epoch.clone(), locked.password_hash.clone()), "nothing changed");

    let events = disputes(&app);
    assert_eq!(events.len(), 1, "one event, written with the lock");
    let detail: Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!(detail["user_id"], DEMO_USER_ID);
    assert_eq!(detail["status"], "locked");
    assert_eq!(detail["disputed_at"], locked_at);
    assert_eq!(detail["changed_at"], changed_at);
    assert_eq!(detail["link_id"], link_id(&token));
    assert_eq!(detail["schema_version"], 1);
    assert_eq!(events[0].occurred_at, locked_at);
}

#[tokio::test]
async fn a_second_press_or_a_replayed_link_changes_nothing_and_gets_the_dead_link_page() {
    let app = MemoryApp::new().await;
    let (_, token) = disputable(&app).await;
    assert_eq!(app.call(&dispute_press(Some(&token), "same-origin")).await.status, 200);
    let locked = app.user(DEMO_USER_ID);
    for (what, event) in [("a second press", dispute_press(Some(&token), "same-origin")), ("the link opened again", dispute_page("GET", Some(&token)))] {
        let reply = app.call(&event).await;
        assert_dead_link_page(&reply, what);
        assert_eq!(app.user(DEMO_USER_ID), locked, "{what}: nothing changed");
    }
    assert_eq!(disputes(&app).len(), 1, "no second event");
}

#[tokio::test]
async fn expired_forged_malformed_and_reset_links_change_nothing_and_get_the_dead_link_page() {
    let app = MemoryApp::new().await;
    let (_, good) = disputable(&app).await;
    let user = app.user(DEMO_USER_ID);
    let ring = app.keys_ring().await;
    let now = reset_core::unix_now();
    let expired = ring.issue_for(Purpose::Dispute, user.binding(), now - 7200, 3600).unwrap().token;
    // Signed with a key the ring does not hold, under the ring's own key id.
    let foreign = reset_core::reset_token::KeyRing::from_json(&secret("a", &[("a", KEY_B)])).unwrap();
    let forged = foreign.issue_for(Purpose::Dispute, user.binding(), now, 3600).unwrap().token;
    let (head, _) = good.rsplit_once('.').unwrap();
    let tampered = format!("{head}.{}", "A".repeat(43));
    // A reset link for the same account, live: the wrong audience.
    let reset = ring.issue(user.binding(), now, 1800).unwrap().token;
    for (what, token) in [("expired", expired), ("forged", forged), ("tampered", tampered), ("a reset link", reset), ("malformed", "a.b".to_owned())] {
        for event in [dispute_page("GET", Some(&token)), dispute_press(Some(&token), "same-origin")] {
            assert_dead_link_page(&app.call(&event).await, what);
        }
    }
    assert_dead_link_page(&app.call(&dispute_page("GET", None)).await, "no token at all");
    let reply = app.call(&dispute_press(None, "same-origin")).await;
    assert_eq!(reply.status, 400, "a post without its field: {}", reply.body);
    assert_eq!(app.user(DEMO_USER_ID), user, "nothing changed");
    assert!(disputes(&app).is_empty());
    // The good one still works after all that.
    assert_eq!(app.call(&dispute_press(Some(&good), "same-origin")).await.status, 200);
}

/// A dispute link is not a reset link: posted to the confirm, or opened on the reset page, it
/// is the one invalid-link answer, and nothing changes. (Its lifetime at the shortest allowed,
/// an hour, which a reset link may have too: only its audience tells them apart.)
#[tokio::test]
async fn a_dispute_link_is_refused_as_a_reset_link() {
    let mut app = MemoryApp::new().await;
    app.deps.configure(|settings| settings.dispute_token_ttl = std::time::Duration::from_secs(3600));
    let (_, dispute) = disputable(&app).await;
    let before = app.user(DEMO_USER_ID);
    let reply = app.call(&confirm_event(&dispute, "yet another long passphrase")).await;
    crate::handlers::assert_json_error(&reply, 400, "invalid_or_expired_token", "a dispute token confirmed");
    let page = app.call(&link_event(&dispute, "GET", Some("none"))).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("This link is invalid or has expired"), "{}", page.body);
    assert!(page.header("set-cookie").is_none(), "no cookie for it");
    assert_eq!(app.user(DEMO_USER_ID), before);
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash));
}

/// The notice's link dies with the next change of the account: a dispute link from before a
/// later reset locks nothing (the later notice carries its own).
#[tokio::test]
async fn a_dispute_link_from_before_a_later_change_changes_nothing() {
    let app = MemoryApp::new().await;
    let (_, first) = disputable(&app).await;
    let token = app.token_for_demo().await;
    assert_eq!(app.call(&confirm_event(&token, "a third long passphrase")).await.status, 200);
    let before = app.user(DEMO_USER_ID);
    assert_dead_link_page(&app.call(&dispute_press(Some(&first), "same-origin")).await, "the first notice's link");
    assert_eq!(app.user(DEMO_USER_ID), before);
    assert!(disputes(&app).is_empty());
}

/// The locked account is inactive: a new reset request mails nothing, a reset link mailed before
/// the lock is dead, and the dispute page's form refuses a post from another site.
#[tokio::test]
async fn a_locked_account_gets_no_reset_link_and_its_earlier_links_die() {
    let app = MemoryApp::new().await;
    let (_, dispute) = disputable(&app).await;
    // A reset link mailed before the dispute, unused.
    let earlier = app.token_for_demo().await;
    // Another site cannot press the button for the reader.
    let before = app.user(DEMO_USER_ID);
    let reply = app.call(&dispute_press(Some(&dispute), "cross-site")).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(app.user(DEMO_USER_ID), before, "a cross-site post changes nothing");
    // A reset request changes nothing on the account: the dispute link is still good.
    assert_eq!(app.call(&dispute_press(Some(&dispute), "same-origin")).await.status, 200);

    let sent = app.mailer.sent().len();
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202, "the same answer as for any address");
    app.deliver().await;
    assert_eq!(app.mailer.sent().len(), sent, "no reset mail for a locked account");
    let reply = app.call(&confirm_event(&earlier, "a takeover passphrase here")).await;
    crate::handlers::assert_json_error(&reply, 400, "invalid_or_expired_token", "a link mailed before the lock");
    assert!(!password::verify("a takeover passphrase here", &app.user(DEMO_USER_ID).password_hash));
    assert!(!password::verify(DEMO_PASSWORD, &app.user(DEMO_USER_ID).password_hash));
}

/// The dispute page spends the source's per-IP budget like every page that does work: over it,
/// the "too many requests" page, and nothing is read or changed.
#[tokio::test]
async fn the_dispute_page_and_its_button_spend_the_per_ip_budget() {
    let mut app = MemoryApp::new().await;
    let (_, token) = disputable(&app).await;
    let before = app.user(DEMO_USER_ID);
    app.deps.configure(|settings| settings.rate_limits.ip_per_minute = 0);
    for event in [dispute_page("GET", Some(&token)), dispute_press(Some(&token), "same-origin")] {
        let reply = app.call(&event).await;
        assert_eq!(reply.status, 429, "{}", reply.body);
        assert!(reply.body.contains("Too many requests from your network"), "{}", reply.body);
    }
    assert_eq!(app.user(DEMO_USER_ID), before, "nothing changed");
    assert!(disputes(&app).is_empty());
}

/// A REST API event (payload 1.0, stage `live` in the URI) for the dispute page, through
/// CloudFront: `template` with its path moved to the dispute page.
fn through_the_cdn(template: &str, method: &str) -> Value {
    let mut event = events::load(template);
    event["resource"] = "/secure-account".into();
    event["path"] = "/secure-account".into();
    event["httpMethod"] = method.into();
    event["requestContext"]["resourcePath"] = "/secure-account".into();
    event["requestContext"]["path"] = "/live/secure-account".into();
    event["requestContext"]["httpMethod"] = method.into();
    for map in ["headers", "multiValueHeaders"] {
        if let Some(headers) = event[map].as_object_mut() {
            headers.retain(|name, _| !name.eq_ignore_ascii_case("cookie"));
        }
    }
    event
}

/// Behind CloudFront and the REST API (the template's `EdgeProtection`): the same page and the
/// same lock, the stage in the URI notwithstanding; without the CDN's header, nothing.
#[tokio::test]
async fn a_dispute_through_the_cdn_and_the_rest_api_locks_the_account() {
    use reset_core::memory::MemoryOriginVerify;
    use reset_core::ports::origin_verify::OriginVerify;
    let mut app = MemoryApp::new().await;
    let (_, token) = disputable(&app).await;
    let edge = reset_core::settings::Edge::new(OriginVerify::load(MemoryOriginVerify::new("example-origin-verify-value")).await.unwrap());
    app.deps.configure(|settings| settings.edge = Some(edge.clone()));

    let mut page = through_the_cdn("reset-password-page-from-link-rest-api.json", "GET");
    page["queryStringParameters"] = json!({ "token": token });
    page["multiValueQueryStringParameters"] = json!({ "token": [token] });
    let reply = app.call(&page).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("action=\"/secure-account\""), "{}", reply.body);

    let mut press = through_the_cdn("reset-password-form-rest-api.json", "POST");
    press["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("token", &token).finish().into();
    press["headers"]["Sec-Fetch-Site"] = "same-origin".into();
    press["multiValueHeaders"]["Sec-Fetch-Site"] = json!(["same-origin"]);
    let mut bypass = press.clone();
    for map in ["headers", "multiValueHeaders"] {
        bypass[map].as_object_mut().unwrap().remove("x-origin-verify");
    }
    assert_eq!(app.call(&bypass).await.status, 403, "around the CDN");
    assert_eq!(app.user(DEMO_USER_ID).status, "active");
    let reply = app.call(&press).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(app.user(DEMO_USER_ID).status, "locked");
    let detail: Value = serde_json::from_str(&disputes(&app)[0].detail).unwrap();
    assert_eq!(detail["request_id"], "9f1c2b3a-4d5e-4f60-8a7b-0c1d2e3f4a5b", "the REST API's request id");
}

/// A notice sent after a later change (here the application changed the password again before
/// the notice left the queue) carries no dispute link: it would dispute a change it does not
/// report. The notice itself still goes out.
#[tokio::test]
async fn a_notice_sent_after_a_later_change_carries_no_dispute_link() {
    let app = MemoryApp::new().await;
    let token = app.token_for_demo().await;
    assert_eq!(app.call(&confirm_event(&token, NEW_PASSWORD)).await.status, 200);
    let mut later = app.user(DEMO_USER_ID);
    later.epoch = (later.epoch.parse::<u64>().unwrap() + 5).to_string();
    later.password_hash = password::hash_blocking("changed again by the application").unwrap();
    app.users.insert(later);
    let before = app.mailer.sent().len();
    app.deliver().await;
    let mails = app.mailer.sent();
    assert_eq!(mails.len(), before + 1, "the notice still goes out");
    assert_eq!(dispute_link_in(&mails[before].text), None, "{}", mails[before].text);
}
