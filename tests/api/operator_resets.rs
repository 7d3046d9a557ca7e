//! Operators' resets end to end on moto, through the production wiring: the use case as the
//! admin API and the operator tool run it (`reset_wiring::operator`), the real mail worker, SES
//! (moto), the confirm, the events on the bus, and the sign-in rule (`login_password`).

use aws_sdk_dynamodb::types::AttributeValue;
use reset_core::domain::UserId;
use reset_core::domain::mail_job::OperatorAction;
use reset_core::{OperatorRequest, start_operator_reset};
use serde_json::Value;

use crate::helpers::{MotoApp, confirm_event, link_event, unique};

const OLD: &str = "an old password of the owner";
const NEW: &str = "a brand new passphrase for this account";
const OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice";

fn request(user: &str, action: OperatorAction, block: bool, end: bool) -> OperatorRequest {
    OperatorRequest {
        user_id: UserId::parse(user).unwrap(),
        action,
        block_sign_in: block,
        end_sessions: end,
        operator: OPERATOR.into(),
        campaign: None,
        locale: None,
    }
}

async fn start(app: &MotoApp, request: &OperatorRequest) -> reset_core::Started {
    let deps = reset_wiring::operator(app.stack.config(), &app.stack.sdk, false).await.expect("the operator's wiring builds on the stack");
    start_operator_reset(&deps, request).await.expect("the operator's request is accepted")
}

fn of_type<'a>(events: &'a [Value], detail_type: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["detail-type"] == detail_type).collect()
}

/// Without blocking, the old password keeps working until the owner uses the link; with it, the
/// old password stops working at once (before any mail), the sign-in reads the marker as no
/// password, and the link still sets a new one. Events: Reset Forced, Reset Link Sent (same job),
/// Password Changed.
#[tokio::test]
async fn a_forced_reset_mails_a_working_link_and_blocks_sign_in_only_when_asked() {
    let app = MotoApp::start().await;
    // Each option alone and both: each is its own update expression.
    for (block, end) in [(false, false), (true, false), (false, true), (true, true)] {
        let (id, email) = (unique("forced"), format!("{}@example.com", unique("forced")));
        app.stack.put_user(&id, &email, OLD, Some("active")).await.unwrap();
        let started = start(&app, &request(&id, OperatorAction::ForcedReset, block, end)).await;
        assert_eq!((started.blocked_sign_in, started.ended_sessions), (block, end));
        let stored = app.stack.password_hash(&id).await.unwrap();
        assert_eq!(login_password::verify(OLD, &stored), !block, "block: {block}: the old password {} sign in", if block { "may not" } else { "still may" });
        if block {
            assert_eq!(stored, login_password::formats::RESET_REQUIRED);
        }
        let epoch = app.stack.user_item(&id).await.unwrap().unwrap().get("password_changed_at").map(|n| n.as_n().unwrap().parse::<u64>().unwrap());
        assert_eq!(epoch.is_some_and(|epoch| epoch >= reset_core::unix_now() - 60), end, "sessions end (the epoch moves to now) only when asked");

        let mails = app.mails().await;
        let mail = mails.iter().rev().find(|m| m.destinations.to.contains(&email)).expect("the forced reset's mail");
        let token = mail.token().expect("a link in the mail");
        let page = app.call(&link_event(&token, "GET", None)).await;
        assert_eq!(page.status, 200, "the link opens the form: {}", page.body);
        let confirmed = app.call(&confirm_event(&token, NEW)).await;
        assert_eq!(confirmed.status, 200, "the link works like any other: {}", confirmed.body);
        let stored = app.stack.password_hash(&id).await.unwrap();
        assert!(login_password::verify(NEW, &stored) && !login_password::verify(OLD, &stored));

        let events = app.events().await;
        let forced: Vec<_> = of_type(&events, "Reset Forced").into_iter().filter(|e| e["detail"]["user_id"] == id.as_str()).collect();
        assert_eq!(forced.len(), 1, "{events:#?}");
        assert_eq!((forced[0]["detail"]["operator"].as_str(), forced[0]["detail"]["blocked_sign_in"].as_bool()), (Some(OPERATOR), Some(block)));
        let sent: Vec<_> = of_type(&events, "Reset Link Sent").into_iter().filter(|e| e["detail"]["job_id"] == started.job_id.as_str()).collect();
        assert_eq!(sent.len(), 1, "the mail's event names the operator's job");
        assert_eq!(of_type(&events, "Password Changed").iter().filter(|e| e["detail"]["user_id"] == id.as_str()).count(), 1);
    }
}

/// An account with no password attribute at all (an invited or imported user) gets a "choose
/// your password" mail; its link opens the form and sets the first password, conditional on the
/// account still having none. The same account gets nothing from the forgot page.
#[tokio::test]
async fn an_invitation_sets_the_first_password_of_an_account_that_has_none() {
    let app = MotoApp::start().await;
    let (id, email) = (unique("invited"), format!("{}@example.com", unique("invited")));
    let t = app.stack.config().table;
    app.stack
        .dynamodb()
        .put_item()
        .table_name(&t.table)
        .item(&t.id, AttributeValue::S(id.clone()))
        .item(&t.email, AttributeValue::S(email.clone()))
        .item(&t.status, AttributeValue::S("active".into()))
        .send()
        .await
        .unwrap();

    // The forgot page: the same answer as for anyone, and no mail (the setting is off).
    let asked = app.call(&crate::helpers::request_event(&email)).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    assert!(app.mails().await.iter().all(|m| !m.destinations.to.contains(&email)), "no link from the forgot page for an account with no password");

    let started = start(&app, &request(&id, OperatorAction::Invitation, false, false)).await;
    let mails = app.mails().await;
    let mail = mails.iter().find(|m| m.destinations.to.contains(&email)).expect("the invitation");
    let token = mail.token().expect("a link in the invitation");
    let confirmed = app.call(&confirm_event(&token, NEW)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(login_password::verify(NEW, &app.stack.password_hash(&id).await.unwrap()));
    // Used once: the account has a password now, so the invitation is dead.
    let again = app.call(&confirm_event(&token, "yet another passphrase to try")).await;
    assert_eq!(again.status, 400, "{}", again.body);

    let events = app.events().await;
    let invited: Vec<_> = of_type(&events, "Invitation Sent").into_iter().filter(|e| e["detail"]["job_id"] == started.job_id.as_str()).collect();
    assert_eq!(invited.len(), 1, "{events:#?}");
    assert_eq!(invited[0]["detail"]["user_id"], id.as_str());
    assert!(
        of_type(&events, "Password Changed").iter().any(|e| e["detail"]["link_id"] == invited[0]["detail"]["link_id"]),
        "the first password names the invitation's link"
    );
}

/// An application's own table whose email index projects only keys: the worker reads the item
/// itself for every account, so an account with a password, a disabled one and one without a
/// password each read as what they are (the index item, with no hash and no status, would read as
/// an active account without a password).
#[tokio::test]
async fn a_keys_only_email_index_reads_each_account_as_its_item_says() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    };
    use reset_core::domain::{Credential, Email};
    use reset_core::ports::FindUserByEmail as _;

    let app = MotoApp::start().await;
    let db = app.stack.dynamodb();
    let table = unique("users-keys-only");
    let key = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build().unwrap();
    let string = |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap();
    db.create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string("id"))
        .attribute_definitions(string("email"))
        .key_schema(key("id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("email-index")
                .key_schema(key("email", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let hash = reset_core::domain::password::hash_blocking(OLD).unwrap();
    let accounts = [("k-pw", Some(hash.as_str()), "active"), ("k-off", Some(hash.as_str()), "disabled"), ("k-none", None, "active")];
    for (id, hash, status) in accounts {
        let mut put = db
            .put_item()
            .table_name(&table)
            .item("id", AttributeValue::S(id.into()))
            .item("email", AttributeValue::S(format!("{id}@example.com")))
            .item("status", AttributeValue::S(status.into()));
        if let Some(hash) = hash {
            put = put.item("password_hash", AttributeValue::S(hash.into()));
        }
        put.send().await.unwrap();
    }
    let users = reset_aws::DynamoUsers::new(db.clone(), reset_aws::UserTable { table, ..reset_aws::UserTable::default() });
    let read = |id: &'static str| {
        let users = users.clone();
        async move { users.find_by_email(&Email::parse(&format!("{id}@example.com")).unwrap()).await.unwrap().expect("the account is found") }
    };
    let pw = read("k-pw").await;
    assert_eq!((pw.active, pw.credential(), pw.password_hash == hash), (true, Credential::Password, true));
    let off = read("k-off").await;
    assert_eq!((off.active, off.credential()), (false, Credential::Password), "a disabled account stays disabled");
    let none = read("k-none").await;
    assert_eq!((none.active, none.credential()), (true, Credential::None));
}

/// Puts an account with no password attribute, as an invited or imported user is held.
async fn put_passwordless(app: &MotoApp, id: &str, email: &str) {
    let t = app.stack.config().table;
    app.stack
        .dynamodb()
        .put_item()
        .table_name(&t.table)
        .item(&t.id, AttributeValue::S(id.into()))
        .item(&t.email, AttributeValue::S(email.into()))
        .item(&t.status, AttributeValue::S("active".into()))
        .send()
        .await
        .unwrap();
}

/// `PasswordlessUsersMayRequest`: off, a reset link for an account with no password is refused at
/// the confirm too (a link signed before the setting was turned off, or by hand), and nothing is
/// written; on, the forgot page mails such an account a link that sets its first password.
#[tokio::test]
async fn the_passwordless_setting_decides_at_the_confirm_as_at_the_forgot_page() {
    let off = MotoApp::start().await;
    let (id, email) = (unique("social"), format!("{}@example.com", unique("social")));
    put_passwordless(&off, &id, &email).await;
    let ring = off.stack.key_ring().await.unwrap();
    let binding = reset_core::reset_token::Binding { user_id: &id, email: &email, password_hash: "", status: "active", epoch: "" };
    let token = ring.issue(binding, reset_core::unix_now(), 600).unwrap().token;
    let refused = off.call(&confirm_event(&token, NEW)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(!off.stack.user_item(&id).await.unwrap().unwrap().contains_key("password_hash"), "nothing written");

    let on = MotoApp::start_with(&[("PASSWORDLESS_USERS_MAY_REQUEST", "true")]).await;
    put_passwordless(&on, &id, &email).await;
    assert_eq!(on.call(&crate::helpers::request_event(&email)).await.status, 202);
    let mails = on.mails().await;
    let mail = mails.iter().find(|m| m.destinations.to.contains(&email)).expect("a reset link for an account with no password, as the setting allows");
    let confirmed = on.call(&confirm_event(&mail.token().unwrap(), NEW)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(login_password::verify(NEW, &on.stack.password_hash(&id).await.unwrap()));
}
