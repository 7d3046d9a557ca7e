//! openapi.yaml describes the JSON API exactly: schemathesis (PyPI) generates requests from it,
//! valid and invalid, against the functions under `cargo lambda watch` and moto, and checks every
//! answer against the document (status codes, content types, bodies, headers) and that no answer
//! is a server error.

use std::process::Command;

use reset_local::{venv_tool, workspace_root};

use crate::helpers::LocalApi;

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_against_the_local_stack() {
    let local = LocalApi::start(&[]).await;
    let api = local.url.clone();

    let out = Command::new(venv_tool("schemathesis"))
        .current_dir(workspace_root())
        .args(["run", "openapi.yaml", "--url", &api])
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
