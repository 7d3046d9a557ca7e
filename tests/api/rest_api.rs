//! Behind CloudFront and AWS WAF (`EdgeProtection=true`) the functions are invoked by an API
//! Gateway REST API (Lambda proxy integration, payload 1.0) at stage `live`, with CloudFront's
//! origin path `/live`: the events in `events/*-rest-api.json`. Every route answers such an event
//! exactly as it answers the HTTP API (payload 2.0) event for the same request; the requester, the
//! origin check and the audit log's request id read the 1.0 event's own fields.

use reset_core::domain::mail_job::MailJob;
use reset_core::domain::password;
use reset_core::memory::MemoryOriginVerify;
use reset_core::ports::origin_verify::OriginVerify;
use reset_core::settings::Edge;
use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};
use serde_json::{Map, Value, json};

use crate::helpers::{MemoryApp, NEW_PASSWORD, RESET_PAGE, capture_logs, token_in, unique};

/// The value the events carry in `x-origin-verify`.
const ORIGIN_SECRET: &str = "example-origin-verify-value";
/// Where the events' viewer is (`cloudfront-viewer-address`) and the CloudFront address API
/// Gateway saw (`requestContext.identity.sourceIp`).
const VIEWER_IP: &str = "198.51.100.7";
const CLOUDFRONT_IP: &str = "130.176.24.9";
/// The REST API's request id in the events (the HTTP API's events carry another).
const REST_REQUEST_ID: &str = "9f1c2b3a-4d5e-4f60-8a7b-0c1d2e3f4a5b";

const REST_EVENTS: &[&str] = &[
    "request-reset-rest-api.json",
    "request-reset-forgot-page-rest-api.json",
    "request-reset-forgot-form-rest-api.json",
    "reset-password-page-from-link-rest-api.json",
    "reset-password-confirm-rest-api.json",
    "reset-password-form-rest-api.json",
];

async fn behind_cdn() -> MemoryApp {
    let mut app = MemoryApp::new().await;
    let values = OriginVerify::load(MemoryOriginVerify::new(ORIGIN_SECRET)).await.expect("the memory source reads");
    let edge = Edge::new(values);
    app.deps.configure(|settings| settings.edge = Some(edge.clone()));
    app
}

/// Sets a header of a 1.0 event in both `headers` and `multiValueHeaders`, whatever its case there.
fn set_header(event: &mut Value, name: &str, value: &str) {
    remove_header(event, name);
    event["headers"][name] = value.into();
    event["multiValueHeaders"][name] = json!([value]);
}

fn remove_header(event: &mut Value, name: &str) {
    for map in ["headers", "multiValueHeaders"] {
        if let Some(headers) = event[map].as_object_mut() {
            headers.retain(|k, _| !k.eq_ignore_ascii_case(name));
        }
    }
}

/// Sets a 1.0 event's query, as the REST API fills both of its query fields.
fn set_query(event: &mut Value, pairs: &[(&str, &str)]) {
    let single: Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    let multi: Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), json!([v]))).collect();
    event["queryStringParameters"] = if pairs.is_empty() { Value::Null } else { single.into() };
    event["multiValueQueryStringParameters"] = if pairs.is_empty() { Value::Null } else { multi.into() };
}

fn set_method(event: &mut Value, method: &str) {
    event["httpMethod"] = method.into();
    event["requestContext"]["httpMethod"] = method.into();
}

fn rest(file: &str) -> Value {
    events::load(file)
}

/// The JSON request for `email`, through the REST API.
fn rest_request(email: &str) -> Value {
    events::with_body_field(rest("request-reset-rest-api.json"), "email", email)
}

/// The emailed link opened in a browser, through the REST API: `query` as the link carries it.
fn rest_link(query: &[(&str, &str)], method: &str, fetch_site: Option<&str>) -> Value {
    let mut event = rest("reset-password-page-from-link-rest-api.json");
    set_query(&mut event, query);
    set_method(&mut event, method);
    match fetch_site {
        Some(site) => set_header(&mut event, "Sec-Fetch-Site", site),
        None => remove_header(&mut event, "Sec-Fetch-Site"),
    }
    event
}

/// The reset form posted through the REST API, with the cookie (if any) in the `Cookie` header,
/// shown for the cookie's link.
fn rest_form(cookie: Option<&str>, password: &str, confirm: &str) -> Value {
    let mut event = rest("reset-password-form-rest-api.json");
    let mut body = form_urlencoded::Serializer::new(String::new());
    if let Some(link) = cookie.and_then(|pair| pair.split_once('=')).and_then(|(_, token)| crate::helpers::maybe_link_id(token)) {
        body.append_pair("link", &link);
    }
    event["body"] = body.append_pair("password", password).append_pair("confirm", confirm).finish().into();
    match cookie {
        Some(cookie) => set_header(&mut event, "Cookie", cookie),
        None => remove_header(&mut event, "Cookie"),
    }
    event
}

/// The HTTP API (payload 2.0) event for the request a REST API (payload 1.0) event describes: the
/// same method, path, query, headers (cookies in `cookies`), body, peer and request id.
fn as_http_api(rest: &Value) -> Value {
    let method = rest["httpMethod"].as_str().expect("httpMethod");
    let path = rest["path"].as_str().expect("path");
    let context = &rest["requestContext"];
    // The REST API's merge: `multiValueHeaders`, each name replaced by its `headers` value if any.
    let mut merged: Vec<(String, Vec<String>)> = Vec::new();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map_or_else(|| vec![v.as_str().unwrap().to_owned()], |a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
    };
    for map in ["multiValueHeaders", "headers"] {
        for (name, values) in rest[map].as_object().into_iter().flatten() {
            let name = name.to_ascii_lowercase();
            merged.retain(|(n, _)| *n != name);
            merged.push((name, strings(values)));
        }
    }
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, values) in merged {
        if name == "cookie" {
            cookies.extend(values.iter().flat_map(|v| v.split(';')).map(|c| Value::from(c.trim())));
        } else {
            headers.insert(name, values.join(",").into());
        }
    }
    let query_field = if rest["multiValueQueryStringParameters"].is_object() { "multiValueQueryStringParameters" } else { "queryStringParameters" };
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut single = Map::new();
    for (name, values) in rest[query_field].as_object().into_iter().flatten() {
        let values = strings(values);
        for value in &values {
            query.append_pair(name, value);
        }
        single.insert(name.clone(), values.join(",").into());
    }
    let route = format!("{method} {path}");
    let mut event = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query.finish(),
        "headers": headers,
        "requestContext": {
            "accountId": context["accountId"],
            "apiId": context["apiId"],
            "domainName": context["domainName"],
            "domainPrefix": context["domainPrefix"],
            "http": {
                "method": method,
                "path": path,
                "protocol": context["protocol"],
                "sourceIp": context["identity"]["sourceIp"],
                "userAgent": context["identity"]["userAgent"]
            },
            "requestId": context["requestId"],
            "routeKey": route,
            "stage": "$default",
            "time": context["requestTime"],
            "timeEpoch": context["requestTimeEpoch"]
        },
        "isBase64Encoded": rest["isBase64Encoded"],
    });
    if !single.is_empty() {
        event["queryStringParameters"] = single.into();
    }
    if !cookies.is_empty() {
        event["cookies"] = cookies.into();
    }
    if let Some(body) = rest["body"].as_str() {
        event["body"] = body.into();
    }
    event
}

/// The name=value pair a `Set-Cookie` sets.
fn cookie_pair(reply: &Reply) -> String {
    reply.header("set-cookie").expect("a cookie").split(';').next().unwrap().to_owned()
}

/// The keyed hash of the requester network the one queued job names.
fn queued_requester(app: &MemoryApp) -> String {
    match app.queue.queued().as_slice() {
        [MailJob::ResetLink(job)] => job.requester.clone(),
        other => panic!("one reset job expected: {other:?}"),
    }
}

fn assert_same_answer(rest: &Reply, http: &Reply, what: &str) {
    assert_eq!(rest.status, http.status, "{what}: {}", rest.body);
    for name in ["content-type", "location", "set-cookie", "content-security-policy", "allow"] {
        assert_eq!(rest.header(name), http.header(name), "{what}: {name}");
    }
    assert_eq!(rest.headers, http.headers, "{what}: every header");
    assert_eq!(rest.body, http.body, "{what}: the body");
}

#[test]
fn the_rest_api_events_are_rest_api_payloads_as_cloudfront_delivers_them() {
    for file in REST_EVENTS {
        assert!(events::files().contains(&file.to_string()), "{file} is in events/");
        let event = rest(file);
        assert!(event.get("version").is_none() && event["httpMethod"].is_string(), "{file}: payload 1.0");
        let path = event["path"].as_str().unwrap();
        assert_eq!(event["resource"], path, "{file}: one resource per path");
        assert_eq!(event["requestContext"]["stage"], "live", "{file}");
        assert_eq!(event["requestContext"]["path"], format!("/live{path}"), "{file}: origin path /live");
        assert_eq!(event["headers"]["x-origin-verify"], ORIGIN_SECRET, "{file}");
        assert_eq!(event["headers"]["CloudFront-Viewer-Address"], format!("{VIEWER_IP}:49152"), "{file}");
        assert_eq!(event["requestContext"]["identity"]["sourceIp"], CLOUDFRONT_IP, "{file}");
        for (name, value) in event["headers"].as_object().unwrap() {
            assert_eq!(event["multiValueHeaders"][name], json!([value]), "{file}: {name} in both header fields");
        }
    }
}

/// lambda_http puts a REST API's stage in front of the request URI's path (unless
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set): the handlers route on the event's own path.
#[test]
fn the_handlers_route_on_the_event_path_not_on_the_uri_lambda_http_gives_the_stage() {
    for file in REST_EVENTS {
        let event = rest(file);
        let request = events::to_request(&event);
        let path = event["path"].as_str().unwrap();
        if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_none() {
            assert_eq!(request.uri().path(), format!("/live{path}"), "{file}: lambda_http's URI");
        }
        assert_eq!(reset_http::route_path(&request), path, "{file}");
    }
}

#[tokio::test]
async fn every_route_answers_a_rest_api_event_exactly_as_its_http_api_twin() {
    let app = behind_cdn().await;
    let token = mailed_token(&app).await;
    let cookie = format!("__Host-reset_token={token}");
    let weak = events::with_body_field(rest("reset-password-confirm-rest-api.json"), "token", &token);
    let mut head = rest("request-reset-forgot-page-rest-api.json");
    set_method(&mut head, "HEAD");
    let mut french = rest("request-reset-forgot-page-rest-api.json");
    set_query(&mut french, &[("lang", "fr")]);
    // Some tools' 1.0 events carry only queryStringParameters (multiValueQueryStringParameters null).
    let mut single_query = rest_link(&[("lang", "fr"), ("token", "a.b.c")], "GET", Some("none"));
    single_query["multiValueQueryStringParameters"] = Value::Null;
    // A REST API with binary media types hands the function the form base64-encoded.
    let mut encoded = rest("request-reset-forgot-form-rest-api.json");
    encoded["body"] = base64_of(encoded["body"].as_str().unwrap()).into();
    encoded["isBase64Encoded"] = true.into();

    let mut cases: Vec<(&str, Value, u16)> = vec![
        ("JSON request", rest("request-reset-rest-api.json"), 202),
        ("forgot page", rest("request-reset-forgot-page-rest-api.json"), 200),
        ("forgot page, HEAD", head, 200),
        ("forgot page, ?lang=fr", french, 200),
        ("forgot form", rest("request-reset-forgot-form-rest-api.json"), 200),
        ("forgot form, base64", encoded, 200),
        ("link with a placeholder token", rest("reset-password-page-from-link-rest-api.json"), 400),
        ("link with only queryStringParameters", single_query, 400),
        ("link, typed", rest_link(&[("lang", "en"), ("token", &token)], "GET", Some("none")), 303),
        ("link, HEAD", rest_link(&[("token", &token)], "HEAD", Some("none")), 303),
        ("link from webmail", rest_link(&[("token", &token)], "GET", Some("cross-site")), 200),
        ("the page with the cookie", with_cookie(rest_link(&[], "GET", Some("same-origin")), &format!("theme=dark; {cookie}")), 200),
        ("JSON confirm with a placeholder token", rest("reset-password-confirm-rest-api.json"), 400),
        ("JSON confirm with a weak password", events::with_body_field(weak, "password", "short"), 422),
        ("reset form with a placeholder cookie", rest("reset-password-form-rest-api.json"), 400),
        ("reset form, passwords that differ", rest_form(Some(&cookie), NEW_PASSWORD, "another passphrase entirely"), 422),
        ("reset form without the cookie", rest_form(None, NEW_PASSWORD, NEW_PASSWORD), 400),
    ];
    for (file, method) in [
        ("request-reset-rest-api.json", "GET"),
        ("request-reset-forgot-page-rest-api.json", "DELETE"),
        ("reset-password-confirm-rest-api.json", "PUT"),
        ("reset-password-page-from-link-rest-api.json", "PATCH"),
    ] {
        let mut event = rest(file);
        set_method(&mut event, method);
        cases.push((file, event, 405));
    }

    for (what, event, status) in &cases {
        let rest_reply = app.call(event).await;
        let http_reply = app.call(&as_http_api(event)).await;
        assert_eq!(rest_reply.status, *status, "{what}: {}", rest_reply.body);
        assert_same_answer(&rest_reply, &http_reply, what);
        if *status == 405 {
            assert!(rest_reply.header("allow").is_some_and(|allow| allow.contains("POST")), "{what}: the function's own 405, with Allow");
        }
        if what.contains("lang=fr") {
            assert!(rest_reply.body.contains("lang=\"fr\""), "{what}: ?lang= reaches the page");
        }
        if what.contains("HEAD") {
            assert!(rest_reply.body.is_empty(), "{what}: no body");
        }
    }
    assert!(!password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "nothing above changes the password");

    // The writes, each on an app of its own (a token is good once, and only for its own app).
    let confirm =
        |token: &str| events::with_body_field(events::with_body_field(rest("reset-password-confirm-rest-api.json"), "token", token), "password", NEW_PASSWORD);
    let form = |token: &str| rest_form(Some(&format!("__Host-reset_token={token}")), NEW_PASSWORD, NEW_PASSWORD);
    for (what, event) in [("JSON confirm", &confirm as &dyn Fn(&str) -> Value), ("reset form", &form)] {
        let (by_rest, by_http) = (behind_cdn().await, behind_cdn().await);
        let (rest_token, http_token) = (mailed_token(&by_rest).await, mailed_token(&by_http).await);
        let changed = by_rest.call(&event(&rest_token)).await;
        assert_eq!(changed.status, 200, "{what}: {}", changed.body);
        assert_same_answer(&changed, &by_http.call(&as_http_api(&event(&http_token))).await, what);
        for app in [by_rest, by_http] {
            assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "{what}");
        }
    }
}

fn with_cookie(mut event: Value, cookie: &str) -> Value {
    set_header(&mut event, "Cookie", cookie);
    event
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The link in the one mail sent since `before`, as its path's query pairs.
async fn mailed_link(app: &MemoryApp, before: usize) -> Vec<(String, String)> {
    let mails = app.mails().await;
    assert_eq!(mails.len(), before + 1, "one reset mail");
    let text = &mails[before].text;
    let start = text.find(RESET_PAGE).expect("a link to the reset page");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let query = link.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(pairs.iter().any(|(k, v)| k == "token" && *v == token_in(text)), "{link}");
    pairs
}

/// Asks for a link for the demo user through the REST API and returns the token it mailed.
async fn mailed_token(app: &MemoryApp) -> String {
    let before = app.mailer.sent().len();
    assert_eq!(app.call(&rest_request(DEMO_EMAIL)).await.status, 202);
    let link = mailed_link(app, before).await;
    link.into_iter().find_map(|(k, v)| (k == "token").then_some(v)).expect("a token in the link")
}

#[tokio::test]
async fn a_whole_reset_over_rest_api_events_changes_the_password() {
    // From the JSON request, the link opened in the mail app itself (no redirect from elsewhere).
    let app = behind_cdn().await;
    assert_eq!(app.call(&rest_request(DEMO_EMAIL)).await.status, 202);
    let link = mailed_link(&app, 0).await;
    let query: Vec<(&str, &str)> = link.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let opened = app.call(&rest_link(&query, "GET", Some("none"))).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.header("location"), Some(format!("{RESET_PAGE}?lang=en").as_str()), "the page's own URL, from configuration");
    let cookie = cookie_pair(&opened);
    assert!(opened.header("set-cookie").unwrap().contains("Path=/;"), "{:?}", opened.header("set-cookie"));
    // The browser follows the redirect with the cookie and gets the form, then posts it.
    let form = app.call(&with_cookie(rest_link(&[("lang", "en")], "GET", Some("same-origin")), &cookie)).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("name=\"password\""), "{}", form.body);
    let done = app.call(&rest_form(Some(&cookie), NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your password has been changed"), "{}", done.body);
    assert!(done.header("set-cookie").unwrap_or_default().contains("Max-Age=0"), "the cookie is cleared");
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "the password changed");
    assert_eq!(app.call(&rest_form(Some(&cookie), NEW_PASSWORD, NEW_PASSWORD)).await.status, 400, "once");

    // From the forgot form, the link clicked in webmail (cross-site): the hop page sets no
    // cookie and continues to the link, same-origin, which sets it; the form comes from it, with
    // the cookie in multiValueHeaders only.
    let app = behind_cdn().await;
    assert_eq!(app.call(&rest("request-reset-forgot-page-rest-api.json")).await.status, 200);
    let asked = app.call(&rest("request-reset-forgot-form-rest-api.json")).await;
    assert!(asked.body.contains("Check your inbox"), "{}", asked.body);
    let link = mailed_link(&app, 0).await;
    let query: Vec<(&str, &str)> = link.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let hop = app.call(&rest_link(&query, "GET", Some("cross-site"))).await;
    assert_eq!(hop.status, 200, "{}", hop.body);
    assert!(hop.body.contains(&format!("url={RESET_PAGE}?")), "{}", hop.body);
    assert_eq!(hop.header("set-cookie"), None, "the hop page sets no cookie");
    let mut continued: Vec<(&str, &str)> = query.clone();
    continued.push(("hop", "1"));
    let opened = app.call(&rest_link(&continued, "GET", Some("same-origin"))).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let cookie = cookie_pair(&opened);
    let mut form = rest_form(Some(&cookie), NEW_PASSWORD, NEW_PASSWORD);
    remove_header(&mut form, "Cookie");
    form["multiValueHeaders"]["Cookie"] = json!([cookie]);
    let done = app.call(&form).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "the password changed");

    // The JSON confirm, with the mailed token.
    let app = behind_cdn().await;
    assert_eq!(app.call(&rest_request(DEMO_EMAIL)).await.status, 202);
    let link = mailed_link(&app, 0).await;
    let token = &link.iter().find(|(k, _)| k == "token").unwrap().1;
    let confirm = events::with_body_field(events::with_body_field(rest("reset-password-confirm-rest-api.json"), "token", token), "password", NEW_PASSWORD);
    let reply = app.call(&confirm).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(password::verify(NEW_PASSWORD, &app.user(DEMO_USER_ID).password_hash), "the password changed");
}

#[tokio::test]
async fn behind_the_cdn_the_rest_api_requester_is_the_viewer_address() {
    let app = behind_cdn().await;
    assert_eq!(app.call(&rest("request-reset-rest-api.json")).await.status, 202);
    let ring = app.hash_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("198.51.0.0/16"), "the viewer's /16, not CloudFront's");
    assert!(app.limits.keys().iter().any(|k| k.starts_with(&format!("ip#{}#", ring.audit_hash(VIEWER_IP)))), "{:?}", app.limits.keys());

    // A verified request without a viewer address falls back to the peer API Gateway saw.
    let app = behind_cdn().await;
    let mut bare = rest("request-reset-rest-api.json");
    remove_header(&mut bare, "CloudFront-Viewer-Address");
    assert_eq!(app.call(&bare).await.status, 202);
    assert_eq!(queued_requester(&app), ring.audit_hash("130.176.0.0/16"), "requestContext.identity.sourceIp");
}

#[tokio::test]
async fn without_the_cdn_the_rest_api_requester_is_the_source_ip_api_gateway_saw() {
    let app = MemoryApp::new().await;
    assert_eq!(app.call(&rest("request-reset-rest-api.json")).await.status, 202);
    let ring = app.hash_ring().await;
    assert_eq!(queued_requester(&app), ring.audit_hash("130.176.0.0/16"), "identity.sourceIp, not the unverified viewer header");
    assert!(app.limits.keys().iter().any(|k| k.starts_with(&format!("ip#{}#", ring.audit_hash(CLOUDFRONT_IP)))), "{:?}", app.limits.keys());
}

#[tokio::test]
async fn a_rest_api_request_without_the_origin_verify_header_gets_403_and_spends_nothing() {
    let app = behind_cdn().await;
    let before = app.user(DEMO_USER_ID);
    for file in REST_EVENTS {
        let mut missing = rest(file);
        remove_header(&mut missing, "x-origin-verify");
        let mut wrong = rest(file);
        set_header(&mut wrong, "X-Origin-Verify", "example-origin-verify-valuf");
        for (what, event) in [("no header", missing), ("a wrong value", wrong)] {
            let reply = app.call(&event).await;
            assert_eq!((reply.status, reply.error_code().as_deref()), (403, Some("forbidden")), "{file}, {what}: {}", reply.body);
        }
    }
    assert!(app.queue.queued().is_empty(), "nothing queued");
    assert!(app.limits.keys().is_empty(), "no rate-limit counter spent: {:?}", app.limits.keys());
    assert_eq!(app.user(DEMO_USER_ID), before, "no user changed");
    // With the header, the same events go through: it is the header that was missing.
    for file in REST_EVENTS {
        assert_ne!(app.call(&rest(file)).await.status, 403, "{file}");
    }
}

#[tokio::test]
async fn the_audit_log_carries_the_rest_api_request_id() {
    use tracing::Instrument as _;
    let captured = capture_logs();
    let run = unique("rest-api-audit");
    let app = behind_cdn().await;
    async {
        assert_eq!(app.call(&rest("request-reset-rest-api.json")).await.status, 202);
        assert_eq!(app.call(&rest("reset-password-confirm-rest-api.json")).await.status, 400);
        let mut bypass = rest("request-reset-forgot-form-rest-api.json");
        remove_header(&mut bypass, "x-origin-verify");
        assert_eq!(app.call(&bypass).await.status, 403);
    }
    .instrument(tracing::info_span!("test", run = %run))
    .await;
    let ours = captured.records_of(&run);
    let id = format!("request_id=\"{REST_REQUEST_ID}\"");
    let line = |event: &str| ours.lines().find(|l| l.contains(event)).unwrap_or_else(|| panic!("no {event}:\n{ours}")).to_owned();
    let (requested, rejected, bypassed) = (line("audit=\"reset_requested\""), line("outcome=\"token_rejected\""), line("audit=\"edge_bypassed\""));
    for line in [&requested, &rejected, &bypassed] {
        assert!(line.contains(&id), "the REST API's request id: {line}");
    }
    assert!(requested.contains(&format!("source_ip=\"{VIEWER_IP}\"")), "{requested}");
    assert!(bypassed.contains(&format!("peer_ip=\"{CLOUDFRONT_IP}\"")), "the peer API Gateway saw: {bypassed}");
    crate::helpers::assert_not_logged(&captured.text(), DEMO_EMAIL, "the demo address");
}
