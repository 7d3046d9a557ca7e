//! What each event in `events/` must produce: the API Gateway events replayed as they stand
//! ([`EXPECTED`]) and the SQS events for the mail worker once fresh ([`SQS_EXPECTED`]), with
//! the function that serves each ([`Function`]). The loader is the local stack's
//! (`reset_local::events`, re-exported here), so a test reads every event through this module.

pub use reset_local::events::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    RequestReset,
    ResetPassword,
    MailWorker,
}

impl Function {
    /// Events are named after the function that serves them.
    pub fn of(file: &str) -> Function {
        if file.starts_with("request-reset") {
            Function::RequestReset
        } else if file.starts_with("mail-worker") {
            Function::MailWorker
        } else {
            Function::ResetPassword
        }
    }
    pub fn binary(self) -> &'static str {
        match self {
            Function::RequestReset => "request-reset",
            Function::ResetPassword => "reset-password",
            Function::MailWorker => "mail-worker",
        }
    }
}

/// What an SQS event for the mail worker must produce once its times are fresh ([`fresh`]).
pub struct SqsExpected {
    pub file: &'static str,
    /// Messages reported in `batchItemFailures` (to come back later).
    pub failures: usize,
    /// Mails the demo user gets.
    pub mails_demo_user: usize,
}

pub const SQS_EXPECTED: &[SqsExpected] = &[
    SqsExpected { file: "mail-worker-reset-link.json", failures: 0, mails_demo_user: 1 },
    // A link for the demo user, one for an unknown address (no mail), a password-changed notice.
    SqsExpected { file: "mail-worker-batch.json", failures: 0, mails_demo_user: 2 },
    // A password-changed notice from its own queue (paced by the notices' share of the rate).
    SqsExpected { file: "mail-worker-notice.json", failures: 0, mails_demo_user: 1 },
    // An unreadable body is dropped (with a metric), not retried, and the rest of the batch goes out.
    SqsExpected { file: "mail-worker-poison.json", failures: 0, mails_demo_user: 1 },
];

/// What an event must produce when replayed as it stands (tokens in the files are placeholders).
pub struct Expected {
    pub file: &'static str,
    pub status: u16,
    /// The `error` code of the JSON body, for 4xx answers.
    pub error: Option<&'static str>,
    /// Whether the demo user gets a reset mail.
    pub mails_demo_user: bool,
    /// Words the page must show (HTML answers with a body): which page it is, or why it refused.
    pub shows: Option<&'static str>,
}

const fn ok(file: &'static str, status: u16, mails_demo_user: bool) -> Expected {
    Expected { file, status, error: None, mails_demo_user, shows: None }
}
const fn err(file: &'static str, status: u16, error: &'static str) -> Expected {
    Expected { file, status, error: Some(error), mails_demo_user: false, shows: None }
}
const fn page(file: &'static str, status: u16, mails_demo_user: bool, shows: &'static str) -> Expected {
    Expected { file, status, error: None, mails_demo_user, shows: Some(shows) }
}
const INVALID_LINK: &str = "This link is invalid or has expired";
const DISPUTE_DEAD_LINK: &str = "This link no longer works";

pub const EXPECTED: &[Expected] = &[
    ok("request-reset.json", 202, true),
    ok("request-reset-unknown-account.json", 202, false),
    ok("request-reset-mixed-case-email.json", 202, true),
    ok("request-reset-base64-body.json", 202, true),
    // Through CloudFront (the origin-verify and viewer-address headers); without a CDN configured
    // the headers change nothing (tests/api/edge.rs runs it with one).
    ok("request-reset-via-cdn.json", 202, true),
    err("request-reset-invalid-email.json", 400, "invalid_email"),
    err("request-reset-crlf-injection.json", 400, "invalid_email"),
    err("request-reset-malformed-json.json", 400, "malformed_json"),
    err("request-reset-missing-email.json", 400, "invalid_request"),
    err("request-reset-email-not-a-string.json", 400, "invalid_request"),
    err("request-reset-wrong-content-type.json", 415, "unsupported_media_type"),
    err("request-reset-oversized-body.json", 413, "payload_too_large"),
    err("request-reset-wrong-method.json", 405, "method_not_allowed"),
    err("reset-password-confirm.json", 400, "invalid_or_expired_token"),
    err("reset-password-invalid-token.json", 400, "invalid_or_expired_token"),
    err("reset-password-weak-password.json", 422, "weak_password"),
    err("reset-password-malformed-json.json", 400, "malformed_json"),
    err("reset-password-missing-password.json", 400, "invalid_request"),
    err("reset-password-wrong-content-type.json", 415, "unsupported_media_type"),
    err("reset-password-wrong-method.json", 405, "method_not_allowed"),
    // The confirm with the code mailed beside the link (`{email, code, password}`): the file's code
    // is the documented example, which no link of the demo user has; one of another length is
    // refused before anything is read.
    err("reset-password-confirm-code.json", 400, "invalid_or_expired_code"),
    err("reset-password-confirm-code-malformed.json", 400, "malformed_code"),
    // The hosted pages (HTML: no JSON error code).
    page("request-reset-forgot-page.json", 200, false, "Forgot your password?"),
    ok("request-reset-forgot-page-head.json", 200, false),
    page("request-reset-forgot-form.json", 200, true, "Check your inbox"),
    page("request-reset-forgot-form-unknown-account.json", 200, false, "Check your inbox"),
    page("request-reset-forgot-form-invalid-email.json", 400, false, "Enter a valid email address"),
    page("request-reset-forgot-form-wrong-content-type.json", 415, false, "This form could not be read"),
    // Posted by a page on a sibling subdomain (same-site, so SameSite cookies do not stop it).
    page("request-reset-forgot-form-cross-origin.json", 403, false, "This form was sent from another site"),
    page("reset-password-form-cross-origin.json", 403, false, "This form was sent from another site"),
    page("reset-password-page-from-link.json", 400, false, INVALID_LINK),
    ok("reset-password-page-head.json", 400, false),
    page("reset-password-page-without-token.json", 400, false, INVALID_LINK),
    page("reset-password-form.json", 400, false, INVALID_LINK),
    // The cookie's token is checked first (the form names its account), and this one is a
    // placeholder; the mismatch itself is in tests/api/pages.rs, with a live token.
    page("reset-password-form-mismatch.json", 400, false, INVALID_LINK),
    // The code page (`?code`, linked from the forgot and inbox pages) and its form, posted from
    // the page: the example code is refused with the code page again.
    page("reset-password-code-page.json", 200, false, "Enter the code from your email"),
    page("reset-password-code-form.json", 400, false, "That code is wrong or has expired"),
    // "This wasn't me" (the password-changed notice's second link): a placeholder token is a dead
    // link, opened or pressed; a press from another site is refused before anything is read.
    page("reset-password-secure-account.json", 400, false, DISPUTE_DEAD_LINK),
    page("reset-password-secure-account-press.json", 400, false, DISPUTE_DEAD_LINK),
    page("reset-password-secure-account-cross-origin.json", 403, false, "This form was sent from another site"),
    // Through CloudFront and the REST API (payload 1.0, stage `live`, origin path `/live`): the
    // same answers; without a CDN configured the edge headers change nothing (tests/api/rest_api.rs
    // runs them with one).
    ok("request-reset-rest-api.json", 202, true),
    page("request-reset-forgot-page-rest-api.json", 200, false, "Forgot your password?"),
    page("request-reset-forgot-form-rest-api.json", 200, true, "Check your inbox"),
    page("reset-password-page-from-link-rest-api.json", 400, false, INVALID_LINK),
    err("reset-password-confirm-rest-api.json", 400, "invalid_or_expired_token"),
    err("reset-password-confirm-code-rest-api.json", 400, "invalid_or_expired_code"),
    page("reset-password-form-rest-api.json", 400, false, INVALID_LINK),
];

/// The admin API's payloads in `events/admin/` (for `sam local invoke AdminApiFunction -e ...`
/// and the admin handler's tests): each is an HTTP API request (payload 2.0) for one of the admin
/// routes, with a JSON body naming a user; each carries a SigV4 caller's IAM identity
/// (`requestContext.authorizer.iam`) unless its name says `without-iam` (as `cargo lambda watch`
/// hands a request over: no authorizer), and the caller is a role `local/sam-env.json` lets call
/// unless its name says `unlisted-caller`.
#[test]
fn the_admin_events_are_admin_route_requests_with_or_without_an_iam_identity() {
    use lambda_http::RequestExt as _;
    use lambda_http::request::RequestContext;

    let sam_env: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(reset_local::workspace_root().join("local/sam-env.json")).unwrap()).unwrap();
    let listed: Vec<String> =
        sam_env["Parameters"]["ADMIN_CALLER_ARNS"].as_str().expect("sam-env.json names the admin callers").split(',').map(str::to_owned).collect();
    let mut names: Vec<String> = std::fs::read_dir(dir().join("admin"))
        .expect("events/admin/ exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names, ["admin-api-invite.json", "admin-api-reset-unlisted-caller.json", "admin-api-reset-without-iam.json", "admin-api-reset.json"]);
    for name in &names {
        let event = load(&format!("admin/{name}"));
        let request = to_request(&event);
        let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else { panic!("{name}: not an HTTP API (payload 2.0) request") };
        let path = request.uri().path();
        assert!(["/admin/reset", "/admin/invite"].contains(&path), "{name}: {path}");
        assert_eq!(request.method(), "POST", "{name}");
        assert_eq!(context.route_key.as_deref(), Some(format!("POST {path}").as_str()), "{name}");
        let body: serde_json::Value = serde_json::from_slice(request.body().as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(body["user_id"].as_str().is_some_and(|id| !id.is_empty()), "{name}: {body}");
        let iam = context.authorizer.as_ref().and_then(|a| a.iam.as_ref());
        if name.contains("without-iam") {
            assert!(context.authorizer.is_none() && !event["headers"].as_object().unwrap().contains_key("authorization"), "{name}: unsigned");
            continue;
        }
        let iam = iam.unwrap_or_else(|| panic!("{name}: no IAM identity"));
        for (field, value) in [("accessKey", &iam.access_key), ("accountId", &iam.account_id), ("callerId", &iam.caller_id), ("userId", &iam.user_id)] {
            assert!(value.as_deref().is_some_and(|v| !v.is_empty()), "{name}: {field}");
        }
        assert!(iam.principal_org_id.as_deref().is_some_and(|o| o.starts_with("o-")), "{name}: principalOrgId");
        let arn = iam.user_arn.as_deref().unwrap_or_else(|| panic!("{name}: no userArn"));
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION signs as ROLE (any path) of ACCOUNT.
        let (account, role) = arn
            .strip_prefix("arn:aws:sts::")
            .and_then(|rest| rest.split_once(":assumed-role/"))
            .map(|(account, rest)| (account, rest.split('/').next().unwrap()))
            .unwrap_or_else(|| panic!("{name}: {arn} is not an assumed role's session"));
        assert_eq!(iam.account_id.as_deref(), Some(account), "{name}");
        let is_listed = listed.iter().any(|l| l.starts_with(&format!("arn:aws:iam::{account}:role/")) && l.rsplit('/').next() == Some(role));
        assert_eq!(is_listed, !name.contains("unlisted-caller"), "{name}: {arn} against sam-env.json's {listed:?}");
    }
}

/// `event` without the fields at `paths` (dotted: `headers.sec-fetch-site`).
fn without(mut event: serde_json::Value, paths: &[&str]) -> serde_json::Value {
    for path in paths {
        let (parent, field) = path.rsplit_once('.').map_or(("", *path), |(parent, field)| (parent, field));
        let at = parent.split('.').filter(|p| !p.is_empty()).fold(&mut event, |at, part| &mut at[part]);
        at.as_object_mut().unwrap_or_else(|| panic!("{path}: not in an object")).remove(field);
    }
    event
}

/// The code's events are their link twins (the same API Gateway payloads: headers, request
/// context, source) in the code's shape: the JSON confirm's body `{email, code, password}` with
/// the code the documents show as the example (one of another length in the malformed one); the
/// code page's key-only `?code`, raw and parsed with an empty value as API Gateway passes it; its
/// form posted from the page (`Sec-Fetch-Site: same-origin`), the fields `email` and `code`, no
/// cookie yet. The REST API one answers exactly as its HTTP API twin.
#[tokio::test]
async fn the_code_events_are_their_link_twins_in_the_codes_shape() {
    use lambda_http::RequestExt as _;
    use reset_core::reset_token::Code;
    use reset_local::stack::DEMO_EMAIL;

    const EXAMPLE: &str = "7KQ4-M2XD";
    let body_of = |event: &serde_json::Value| -> serde_json::Value { serde_json::from_str(event["body"].as_str().unwrap()).unwrap() };
    for (file, twin, parses) in [
        ("reset-password-confirm-code.json", "reset-password-confirm.json", true),
        ("reset-password-confirm-code-rest-api.json", "reset-password-confirm-rest-api.json", true),
        ("reset-password-confirm-code-malformed.json", "reset-password-confirm.json", false),
    ] {
        let (event, twin) = (load(file), load(twin));
        assert_eq!(without(event.clone(), &["body"]), without(twin.clone(), &["body"]), "{file}: its twin but for the body");
        let body = body_of(&event);
        let mut fields: Vec<&String> = body.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(fields, ["code", "email", "password"], "{file}");
        assert_eq!((body["email"].as_str(), &body["password"]), (Some(DEMO_EMAIL), &body_of(&twin)["password"]), "{file}");
        let code = body["code"].as_str().unwrap();
        assert_eq!(Code::parse(code).is_ok(), parses, "{file}: {code}");
        if parses {
            assert_eq!(code, EXAMPLE, "{file}: the documented example");
        }
    }
    assert_eq!(load("reset-password-confirm-code-rest-api.json")["body"], load("reset-password-confirm-code.json")["body"], "one body for both APIs");

    let page = load("reset-password-code-page.json");
    let twin = load("reset-password-page-without-token.json");
    let changed = ["rawQueryString", "queryStringParameters", "headers.sec-fetch-site"];
    assert_eq!(without(page.clone(), &changed), without(twin, &changed), "the code page: the reset page's GET but for its query");
    assert_eq!((&page["rawQueryString"], &page["queryStringParameters"]), (&"code".into(), &serde_json::json!({"code": ""})));
    assert_eq!(page["headers"]["sec-fetch-site"], "same-origin", "followed from the forgot or inbox page");
    assert_eq!(to_request(&page).query_string_parameters_ref().and_then(|q| q.first("code")), Some(""), "the handler sees the key");

    let form = load("reset-password-code-form.json");
    let twin = load("reset-password-form.json");
    let changed = ["body", "cookies", "headers.sec-fetch-site"];
    assert_eq!(
        without(form.clone(), &["body", "headers.sec-fetch-site"]),
        without(twin, &changed),
        "the code form: the reset form's POST but for its fields, no cookie"
    );
    assert_eq!(form["headers"]["sec-fetch-site"], "same-origin", "posted by the code page");
    let fields: Vec<(String, String)> = form_urlencoded::parse(form["body"].as_str().unwrap().as_bytes()).into_owned().collect();
    assert_eq!(fields, [("email".to_owned(), DEMO_EMAIL.to_owned()), ("code".to_owned(), EXAMPLE.to_owned())]);

    let app = crate::helpers::MemoryApp::new().await;
    let rest = app.call(&load("reset-password-confirm-code-rest-api.json")).await;
    let http = app.call(&load("reset-password-confirm-code.json")).await;
    assert_eq!((rest.status, &rest.headers, &rest.body), (http.status, &http.headers, &http.body), "the REST API event answers as its HTTP API twin");
}
