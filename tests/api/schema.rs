//! openapi.yaml describes the JSON API exactly: schemathesis (PyPI) generates requests from it,
//! valid and invalid, against the functions under `cargo lambda watch` and moto, and checks every
//! answer against the document (status codes, content types, bodies, headers) and that no answer
//! is a server error. openapi-admin.yaml describes the admin API as exactly, checked the same way
//! against the admin function on moto behind a stand-in for API Gateway's `AWS_IAM` authorizer.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use admin_api::{Admin, Callers};
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use lambda_http::Body;
use reset_local::stack::Stack;
use reset_local::{events, venv_tool, workspace_root};
use reset_wiring::Aws;
use serde_json::{Value, json};

use crate::helpers::{LocalApi, RESET_PAGE};

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_local_stack() {
    let local = LocalApi::start(&[]).await;
    let api = local.url.clone();

    let out = Command::new(venv_tool("schemathesis"))
        .current_dir(workspace_root())
        // The configuration counts the documented 413 (a body over 16 KiB) as a refusal of invalid data.
        .args(["--config-file", "tests/schemathesis.toml", "run", "openapi.yaml", "--url", &api])
        // Every check except positive_data_acceptance: a schema-valid token is still not a real one.
        .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", "60", "--generation-deterministic", "--generation-codec", "utf-8", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", workspace_root().join("tests"))
        .output()
        .expect("schemathesis runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found problems:\n{report}");
}

/// The role `ADMIN_CALLER_ARNS` names; the stand-in authorizer reports a session of it
/// (`events/admin/admin-api-reset.json`'s caller, `assumed-role/ResetOperators/alice`).
const OPERATORS: &str = "arn:aws:iam::123456789012:role/ResetOperators";

/// The one `Authorization` header the stand-in authorizer takes as a correct SigV4 signature (it
/// computes none): what schemathesis sends on every request. Any other value is a wrong signature.
const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEYID0001/20261203/us-east-1/execute-api/aws4_request, \
    SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

/// The accounts the admin stack holds besides the demo user (a password, active; the document's
/// example id): one disabled (with a password), one with no password attribute at all (invited,
/// imported; `events/admin/admin-api-invite.json`'s).
const DISABLED_USER: &str = "disabled-user";
const INVITED_USER: &str = "invited-user";

/// Who answered a request: API Gateway itself, or the function behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum By {
    Gateway,
    Function,
}

/// An answer as the client gets it.
struct Answer {
    by: By,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// API Gateway's own answer: `{"message": ...}`.
    fn gateway(status: u16, message: &str) -> Answer {
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        Answer { by: By::Gateway, status, headers, body: json!({"message": message}).to_string().into_bytes() }
    }
}

/// API Gateway's HTTP API in front of the admin function, in this process: routes `ANY
/// /admin/reset` and `ANY /admin/invite` (template.yaml) with the `AWS_IAM` authorizer, as far as a
/// client can tell. No `Authorization` header: API Gateway's own `403 {"message":"Forbidden"}`;
/// any but [`SIGNED`]: its 403 for a wrong signature; another path: its `404 {"message":"Not
/// Found"}`. Otherwise the request becomes an HTTP API (payload 2.0) event shaped as
/// `events/admin/admin-api-reset.json` (its IAM identity, a session of [`OPERATORS`]), which
/// `admin_api::handle` answers; the answer is written back as API Gateway would.
struct Gateway {
    url: String,
    server: Arc<tiny_http::Server>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// How many answers each gave of each status.
    answered: Arc<Mutex<BTreeMap<(By, u16), usize>>>,
}

impl Gateway {
    fn start(admin: Arc<Admin<Aws>>, runtime: tokio::runtime::Handle) -> Gateway {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("a loopback port"));
        let url = format!("http://{}", server.server_addr().to_ip().expect("an IP address"));
        let answered: Arc<Mutex<BTreeMap<(By, u16), usize>>> = Arc::default();
        let threads = (0..4)
            .map(|_| {
                let (server, admin, runtime, answered) = (server.clone(), admin.clone(), runtime.clone(), answered.clone());
                std::thread::spawn(move || {
                    // Err once `Drop` unblocks this thread.
                    while let Ok(mut request) = server.recv() {
                        let answer = Self::answer(&mut request, &admin, &runtime);
                        *answered.lock().unwrap().entry((answer.by, answer.status)).or_default() += 1;
                        let mut response = tiny_http::Response::from_data(answer.body).with_status_code(answer.status);
                        for (name, value) in answer.headers {
                            response.add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a header the function could send"));
                        }
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        Gateway { url, server, threads, answered }
    }

    fn answer(request: &mut tiny_http::Request, admin: &Admin<Aws>, runtime: &tokio::runtime::Handle) -> Answer {
        let url = request.url().to_owned();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        if ![admin_api::RESET_PATH, admin_api::INVITE_PATH].contains(&path) {
            return Answer::gateway(404, "Not Found");
        }
        match request.headers().iter().find(|h| h.field.equiv("authorization")).map(|h| h.value.as_str()) {
            None => return Answer::gateway(403, "Forbidden"),
            Some(SIGNED) => {}
            Some(_) => {
                return Answer::gateway(
                    403,
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
                );
            }
        }
        let mut body = Vec::new();
        if request.as_reader().read_to_end(&mut body).is_err() {
            return Answer::gateway(400, "Bad Request");
        }
        let event = Self::event(request, path, query, &body);
        let response = runtime.block_on(admin_api::handle(admin, events::to_request(&event))).expect("the handler is infallible");
        let status = response.status().as_u16();
        let headers = response.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("ASCII header values").to_owned())).collect();
        let body = match response.into_body() {
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
            _ => Vec::new(),
        };
        Answer { by: By::Function, status, headers, body }
    }

    /// The HTTP API event for `request`: `events/admin/admin-api-reset.json` with this method, path,
    /// query, headers (lower-cased, repeats joined with commas, cookies apart, as API Gateway
    /// hands them over) and body (as text when it is UTF-8, else base64-encoded).
    fn event(request: &tiny_http::Request, path: &str, query: &str, body: &[u8]) -> Value {
        let method = request.method().as_str().to_owned();
        let route = format!("ANY {path}");
        let mut headers = serde_json::Map::new();
        let mut cookies = Vec::new();
        for header in request.headers() {
            let (name, value) = (header.field.as_str().as_str().to_ascii_lowercase(), header.value.as_str().to_owned());
            if name == "cookie" {
                cookies.extend(value.split(';').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()));
                continue;
            }
            match headers.get_mut(&name) {
                Some(Value::String(joined)) => *joined = format!("{joined},{value}"),
                _ => {
                    headers.insert(name, value.into());
                }
            }
        }
        headers.insert("x-forwarded-for".into(), "198.51.100.20".into());
        headers.insert("x-forwarded-proto".into(), "https".into());
        headers.insert("x-forwarded-port".into(), "443".into());

        let mut event = events::load("admin/admin-api-reset.json");
        event["routeKey"] = route.clone().into();
        event["rawPath"] = path.into();
        event["rawQueryString"] = query.into();
        event["headers"] = headers.into();
        if !cookies.is_empty() {
            event["cookies"] = cookies.into();
        }
        if !query.is_empty() {
            let mut parameters = serde_json::Map::new();
            for (name, value) in form_urlencoded::parse(query.as_bytes()) {
                match parameters.get_mut(name.as_ref()) {
                    Some(Value::String(joined)) => *joined = format!("{joined},{value}"),
                    _ => {
                        parameters.insert(name.into_owned(), value.into_owned().into());
                    }
                }
            }
            event["queryStringParameters"] = parameters.into();
        }
        event["requestContext"]["routeKey"] = route.into();
        event["requestContext"]["http"]["method"] = method.into();
        event["requestContext"]["http"]["path"] = path.into();
        event["requestContext"]["http"]["userAgent"] = event["headers"]["user-agent"].clone();
        let (text, encoded) = match std::str::from_utf8(body) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
        };
        event["isBase64Encoded"] = encoded.into();
        if body.is_empty() {
            event.as_object_mut().expect("an object").remove("body");
        } else {
            event["body"] = text.into();
        }
        event
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        for _ in &self.threads {
            self.server.unblock();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// schemathesis against the admin function (`admin_api::handle` on the production wiring,
/// `reset_wiring::operator`, against moto) behind the stand-in [`Gateway`], with `document` as its
/// description: whether it found nothing, its report, and how many answers of each status the
/// function and the gateway gave.
async fn schemathesis_against_the_admin_api(document: &Path) -> (bool, String, BTreeMap<(By, u16), usize>) {
    let mut stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
    stack.overrides = reset_local::stack::generous_limits();
    stack.overrides.push(("ADMIN_CALLER_ARNS".into(), OPERATORS.into()));
    stack.put_user(DISABLED_USER, "disabled@example.com", "a password of a disabled account", Some("disabled")).await.unwrap();
    let t = &stack.table;
    stack
        .dynamodb()
        .put_item()
        .table_name(&t.table)
        .item(&t.id, AttributeValue::S(INVITED_USER.into()))
        .item(&t.email, AttributeValue::S("invited@example.com".into()))
        .item(&t.status, AttributeValue::S("active".into()))
        .send()
        .await
        .unwrap();
    let config = stack.config();
    let callers = Callers::parse(&config.admin_caller_arns).expect("ADMIN_CALLER_ARNS names a role");
    let deps = reset_wiring::operator(config, &stack.sdk, false).await.expect("the admin function's wiring builds on the stack");
    let gateway = Gateway::start(Arc::new(Admin::new(deps, callers)), tokio::runtime::Handle::current());

    let (document, url) = (document.to_owned(), gateway.url.clone());
    // Off the runtime's workers: the gateway's threads run the handler on them meanwhile.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(venv_tool("schemathesis"))
            .current_dir(workspace_root())
            .arg("run")
            .arg(&document)
            .args(["--url", &url])
            // Every request signed (schemathesis's ignored_auth check also sends each operation
            // unsigned and wrongly signed, and expects 401 or 403).
            .args(["--header", &format!("Authorization: {SIGNED}")])
            // Every check but two that cannot hold here. positive_data_acceptance: a schema-valid
            // user id mostly names no account (404), one that does may be disabled or have (or
            // lack) a password (409), and a well-formed tag may name a language the mails are not
            // written in (400), all as the document says. missing_required_header: it takes only
            // 401 for a missing Authorization header, and API Gateway's AWS_IAM authorizer answers
            // 403 (as the document says); ignored_auth still checks that an unsigned or wrongly
            // signed call is refused, and the document requires no other header.
            .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance,missing_required_header"])
            .args(["--max-examples", "40", "--generation-deterministic", "--generation-codec", "utf-8", "--no-color"])
            // The report shows the bodies as sent (it would hide `end_sessions`'s value).
            .args(["--output-sanitize", "false"])
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let answered = gateway.answered.lock().unwrap().clone();
    drop(gateway);
    (out.status.success(), report, answered)
}

/// openapi-admin.yaml describes the admin API exactly: schemathesis, as against the public API,
/// checks the admin function (on the production wiring, against moto) behind a stand-in for API
/// Gateway's `AWS_IAM` authorizer ([`Gateway`]: the function refuses any call without an IAM
/// identity, and `cargo lambda watch` has no authorizer). It finds nothing, and its requests
/// reached the function's answers a client meets most (202, 400, 404, 405, 409) and the
/// gateway's 403, so a run that never got past the gateway does not pass.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_admin_api() {
    let (found_nothing, report, answered) = schemathesis_against_the_admin_api(&workspace_root().join("openapi-admin.yaml")).await;
    assert!(found_nothing, "schemathesis found problems (answers: {answered:?}):\n{report}");
    let reached = [(By::Function, 202), (By::Function, 400), (By::Function, 404), (By::Function, 405), (By::Function, 409), (By::Gateway, 403)];
    for (by, status) in reached {
        assert!(answered.contains_key(&(by, status)), "no {status} from the {by:?} (answers: {answered:?}):\n{report}");
    }
}

/// `openapi-admin.yaml` as schemathesis reads it (after checking it against the OpenAPI
/// specification's own schema), as JSON.
fn admin_document() -> serde_json::Value {
    let script = "import json, schemathesis\n\
        schema = schemathesis.openapi.from_path('openapi-admin.yaml')\n\
        schema.validate()\n\
        print(json.dumps(schema.raw_schema))\n";
    let out = Command::new(venv_tool("python")).args(["-c", script]).current_dir(workspace_root()).output().expect("the venv's python runs");
    assert!(out.status.success(), "openapi-admin.yaml is not a valid OpenAPI document: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// What `jsonschema` (draft 2020-12) finds wrong with each of `bodies` against the admin
/// document's `components/schemas/<schema>`.
fn admin_body_errors(schema: &str, bodies: &[serde_json::Value]) -> Vec<Vec<String>> {
    let script = "import json, sys, jsonschema\n\
        document, schema, bodies = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])\n\
        root = {'$ref': '#/components/schemas/' + schema, 'components': document['components']}\n\
        validator = jsonschema.Draft202012Validator(root)\n\
        print(json.dumps([[e.message for e in validator.iter_errors(b)] for b in bodies]))\n";
    let out = Command::new(venv_tool("python"))
        .args(["-c", script, &admin_document().to_string(), schema, &serde_json::Value::from(bodies.to_vec()).to_string()])
        .output()
        .expect("the venv's python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The admin API has its own document, `openapi-admin.yaml`, apart from `openapi.yaml` (which
/// schemathesis runs against the local stack, where no call is signed): a valid OpenAPI document
/// whose paths are the template's admin routes, every operation under the SigV4 scheme as API
/// Gateway's OpenAPI extension names it (`x-amazon-apigateway-authtype: awsSigv4`), and the public
/// document names no admin path. The request schemas take what `events/admin/` sends and refuse
/// what the function refuses (an empty or over-long id, a control character, a field it does not
/// take, an invitation with a forced reset's option, a locale that is no tag).
#[test]
fn the_admin_api_has_its_own_document_with_sigv4_on_every_operation() {
    let document = admin_document();
    let paths = document["paths"].as_object().unwrap();
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort_unstable();
    assert_eq!(documented, ["/admin/invite", "/admin/reset"], "the template's admin routes (tests/api/template.rs, ADMIN_ROUTES)");
    for (path, operations) in paths {
        let methods: Vec<&String> = operations.as_object().unwrap().keys().collect();
        assert_eq!(methods, ["post"], "{path}: the function takes POST only (any other method: 405)");
        let post = &operations["post"];
        assert!(post.get("security").is_none_or(|s| s == &document["security"]), "{path} overrides the document's SigV4");
        for status in ["202", "400", "403", "404", "405", "409", "413", "415", "503"] {
            assert!(post["responses"].get(status).is_some(), "{path} documents no {status}");
        }
    }
    assert_eq!(document["security"], serde_json::json!([{"sigv4": []}]), "every operation is signed");
    let scheme = &document["components"]["securitySchemes"]["sigv4"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["name"].as_str(), scheme["in"].as_str(), scheme["x-amazon-apigateway-authtype"].as_str()),
        (Some("apiKey"), Some("Authorization"), Some("header"), Some("awsSigv4"))
    );
    let public = std::fs::read_to_string(workspace_root().join("openapi.yaml")).unwrap();
    assert!(!public.contains("/admin") && !public.contains("securitySchemes"), "openapi.yaml is the public, unsigned API only");

    let event_body = |file: &str| -> serde_json::Value {
        let event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(workspace_root().join("events/admin").join(file)).unwrap()).unwrap();
        serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
    };
    let reset = event_body("admin-api-reset.json");
    let invite = event_body("admin-api-invite.json");
    let with = |body: &serde_json::Value, field: &str, value: serde_json::Value| {
        let mut body = body.clone();
        body[field] = value;
        body
    };
    let cases: &[(&str, serde_json::Value, bool)] = &[
        ("ForceResetRequest", reset.clone(), true),
        ("ForceResetRequest", serde_json::json!({"user_id": "demo-user"}), true),
        ("InviteRequest", invite.clone(), true),
        ("ForceResetRequest", with(&reset, "user_id", "".into()), false),
        ("ForceResetRequest", with(&reset, "user_id", "x".repeat(257).into()), false),
        ("ForceResetRequest", with(&reset, "user_id", "demo\nuser".into()), false),
        ("ForceResetRequest", with(&reset, "user_id", "demo\u{85}user".into()), false),
        ("ForceResetRequest", with(&reset, "email", "demo@example.com".into()), false),
        ("ForceResetRequest", with(&reset, "block_sign_in", "yes".into()), false),
        ("ForceResetRequest", with(&reset, "locale", "de_DE".into()), false),
        ("InviteRequest", with(&invite, "block_sign_in", true.into()), false),
        ("InviteRequest", serde_json::json!({"locale": "en"}), false),
    ];
    for schema in ["ForceResetRequest", "InviteRequest"] {
        let bodies: Vec<serde_json::Value> = cases.iter().filter(|(s, _, _)| *s == schema).map(|(_, b, _)| b.clone()).collect();
        let errors = admin_body_errors(schema, &bodies);
        for ((_, body, valid), errors) in cases.iter().filter(|(s, _, _)| *s == schema).zip(errors) {
            assert_eq!(errors.is_empty(), *valid, "{schema}: {body} ({errors:?})");
        }
    }
}
