//! `rotate-signing-key origin-verify rotate` against moto's Secrets Manager, with the stack
//! updates played by a stand-in that checks, at each update, that a function warm since before
//! the rotation lets through what CloudFront sends; and once with the real CloudFormation adapter
//! against moto's CloudFormation.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_secretsmanager::Client as Secrets;
use reset_core::origin_verify::{MAX_AGE, REREAD_COOLDOWN};
use reset_wiring::AwsDeps;
use rotate_signing_key::origin_verify::{
    ALLOWED_PREVIOUS, CloudFormation, Pace, Parameter, SENT_VERSION, StackState, Stacks, Update, rotate, status,
};

use crate::edge::{lets_through, moto_deps_behind_cdn, time_passes};
use crate::helpers::{MotoApp, capture_logs};

const SECRET_ID: &str = "password-reset/origin-verify";
const STACK: &str = "password-reset";
const FIRST_VALUE: &str = "first-origin-verify-value-0123456789abcdefghijklmn";
/// No pauses: the warm function has been up longer than its read cooldown before the rotation.
const NO_WAIT: Pace = Pace { settle: Duration::ZERO, poll: Duration::ZERO };

async fn value_of(secrets: &Secrets, version: &str) -> String {
    let out = secrets.get_secret_value().secret_id(SECRET_ID).version_id(version).send().await.unwrap();
    out.secret_string().unwrap().to_owned()
}

async fn labels(secrets: &Secrets) -> BTreeMap<String, Vec<String>> {
    let out = secrets.describe_secret().secret_id(SECRET_ID).send().await.unwrap();
    let mut labels: BTreeMap<String, Vec<String>> = out.version_ids_to_stages().cloned().unwrap_or_default().into_iter().collect();
    labels.retain(|_, stages| !stages.is_empty());
    labels.values_mut().for_each(|stages| stages.sort());
    labels
}

/// A stack that updates at once (or rolls back when told to), recording each update's
/// parameters; at each one, a function warm since before the rotation must let through both the
/// value CloudFront sent before the update and the one it sends after (edges move one by one),
/// and every value the web ACL allows.
struct FakeStack<'a> {
    secrets: Secrets,
    warm: &'a AwsDeps,
    parameters: RefCell<BTreeMap<String, String>>,
    updates: RefCell<Vec<Vec<Parameter>>>,
    roll_back_next: RefCell<bool>,
    status: RefCell<String>,
}

impl<'a> FakeStack<'a> {
    fn new(secrets: Secrets, warm: &'a AwsDeps) -> Self {
        let parameters = [("EdgeProtection", "true"), ("DomainName", "auth.example.com"), (SENT_VERSION, ""), (ALLOWED_PREVIOUS, "")];
        FakeStack {
            secrets,
            warm,
            parameters: RefCell::new(parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            updates: RefCell::default(),
            roll_back_next: RefCell::new(false),
            status: RefCell::new("CREATE_COMPLETE".into()),
        }
    }

    /// The values CloudFront may send and the web ACL allows under these parameters.
    async fn values_in_flight(&self, parameters: &BTreeMap<String, String>) -> Vec<(String, String)> {
        let mut values = Vec::new();
        for name in [SENT_VERSION, ALLOWED_PREVIOUS] {
            let version = parameters[name].as_str();
            let value = if version.is_empty() && name == SENT_VERSION {
                // Unpinned: what AWSCURRENT was at the first deploy.
                FIRST_VALUE.to_owned()
            } else if version.is_empty() {
                continue;
            } else {
                value_of(&self.secrets, version).await
            };
            values.push((format!("{name}={version:?}"), value));
        }
        values
    }
}

impl Stacks for FakeStack<'_> {
    async fn describe(&self, _stack: &str) -> anyhow::Result<StackState> {
        Ok(StackState { status: self.status.borrow().clone(), parameters: self.parameters.borrow().clone() })
    }

    async fn resource_id(&self, _stack: &str, _logical_id: &str) -> anyhow::Result<String> {
        Ok(SECRET_ID.into())
    }

    async fn update(&self, _stack: &str, parameters: &[Parameter]) -> anyhow::Result<Update> {
        self.updates.borrow_mut().push(parameters.to_vec());
        let before = self.parameters.borrow().clone();
        let mut after = before.clone();
        for parameter in parameters {
            match parameter {
                Parameter::Keep(name) => assert!(before.contains_key(name), "{name} kept, but the stack has none"),
                Parameter::Set(name, value) => drop(after.insert(name.clone(), value.clone())),
            }
        }
        assert_eq!(after.len(), before.len(), "every parameter given");
        for (what, value) in self.values_in_flight(&before).await.into_iter().chain(self.values_in_flight(&after).await) {
            assert!(lets_through(self.warm, &value).await, "update #{}: the value of {what} is refused", self.updates.borrow().len());
        }
        if self.roll_back_next.replace(false) {
            *self.status.borrow_mut() = "UPDATE_ROLLBACK_COMPLETE".into();
        } else {
            *self.parameters.borrow_mut() = after;
            *self.status.borrow_mut() = "UPDATE_COMPLETE".into();
        }
        Ok(Update::Started)
    }
}

fn set(name: &str, value: &str) -> Parameter {
    Parameter::Set(name.into(), value.into())
}

fn keep(name: &str) -> Parameter {
    Parameter::Keep(name.into())
}

#[tokio::test]
async fn a_rotation_keeps_what_cloudfront_sends_accepted_at_every_step_then_retires_the_old_value() {
    let logs = capture_logs();
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let first = secrets.create_secret().name(SECRET_ID).secret_string(FIRST_VALUE).send().await.unwrap();
    let v_old = first.version_id().unwrap().to_owned();
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    time_passes(REREAD_COOLDOWN).await;
    let stack = FakeStack::new(secrets.clone(), &warm);

    let mut said = Vec::new();
    rotate(&secrets, &stack, STACK, SECRET_ID, NO_WAIT, &mut |line| said.push(line.to_owned())).await.expect("the rotation completes");

    let labelled = labels(&secrets).await;
    let v_new = labelled.iter().find(|(_, stages)| stages.contains(&"AWSCURRENT".to_owned())).map(|(id, _)| id.clone()).unwrap();
    assert_ne!(v_new, v_old);
    assert_eq!(
        labelled,
        BTreeMap::from([(v_new.clone(), vec!["AWSCURRENT".to_owned(), "AWSPREVIOUS".to_owned()])]),
        "the old version has no label left"
    );
    let new_value = value_of(&secrets, &v_new).await;
    assert!(new_value.len() >= 48 && new_value.chars().all(|c| c.is_ascii_alphanumeric()), "a new value of {} characters", new_value.len());
    assert_eq!(
        *stack.updates.borrow(),
        [
            vec![keep("DomainName"), keep("EdgeProtection"), set(ALLOWED_PREVIOUS, &v_old), set(SENT_VERSION, &v_new)],
            vec![keep("DomainName"), keep("EdgeProtection"), set(ALLOWED_PREVIOUS, ""), set(SENT_VERSION, &v_new)],
        ],
        "b: CloudFront sends the new version, the web ACL allows both; c: only the new one"
    );

    assert!(lets_through(&warm, FIRST_VALUE).await, "until the function reads the secret again");
    time_passes(MAX_AGE).await;
    assert!(!lets_through(&warm, FIRST_VALUE).await, "the old value is refused once the values held are old");
    assert!(lets_through(&warm, &new_value).await);

    let said = said.join("\n");
    for step in ["a. ", "b. ", "c. ", "d. ", "done"] {
        assert!(said.contains(step), "step {step:?} is told: {said}");
    }
    assert!(said.contains(&v_new) && said.contains(&v_old), "versions are named: {said}");
    for value in [FIRST_VALUE, &new_value] {
        assert!(!said.contains(value), "no value printed");
        assert!(!logs.text().contains(value), "no value logged");
    }
}

#[tokio::test]
async fn a_rotation_stopped_by_a_rollback_says_so_refuses_nothing_and_goes_on_when_run_again() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let first = secrets.create_secret().name(SECRET_ID).secret_string(FIRST_VALUE).send().await.unwrap();
    let v_old = first.version_id().unwrap().to_owned();
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    time_passes(REREAD_COOLDOWN).await;
    let stack = FakeStack::new(secrets.clone(), &warm);

    *stack.roll_back_next.borrow_mut() = true;
    let err = rotate(&secrets, &stack, STACK, SECRET_ID, NO_WAIT, &mut |_| {}).await.expect_err("step b rolled back");
    let err = format!("{err:#}");
    assert!(err.contains("UPDATE_ROLLBACK_COMPLETE") && err.contains("AWSCURRENT is already the new version"), "{err}");
    assert!(err.contains("run this command again"), "says what to do: {err}");
    assert!(lets_through(&warm, FIRST_VALUE).await, "CloudFront still sends the old value, which passes");
    let after_a = labels(&secrets).await;
    let status_line = status(&secrets, Some((&stack, STACK)), SECRET_ID).await.unwrap();
    assert!(status_line.contains("stopped after step a"), "{status_line}");

    let mut said = Vec::new();
    rotate(&secrets, &stack, STACK, SECRET_ID, NO_WAIT, &mut |line| said.push(line.to_owned())).await.expect("run again, it completes");
    assert!(said.iter().any(|l| l.contains("stopped after step a")), "{said:?}");
    assert!(!said.iter().any(|l| l.starts_with("a. ")), "no second new value: {said:?}");
    let v_new = after_a.iter().find(|(_, s)| s.contains(&"AWSCURRENT".to_owned())).map(|(id, _)| id.clone()).unwrap();
    assert_eq!(stack.parameters.borrow()[SENT_VERSION], v_new, "the value put by the first run");
    assert_eq!(stack.parameters.borrow()[ALLOWED_PREVIOUS], "");
    assert_eq!(labels(&secrets).await.len(), 1, "{v_old} retired");
    assert!(status(&secrets, Some((&stack, STACK)), SECRET_ID).await.unwrap().contains("no rotation under way"));
}

/// A stack moto can hold: the template's two parameters, a CDN switch and one more to keep.
const SMALL_STACK: &str = "origin-verify-rotation";
const SMALL_TEMPLATE: &str = r#"{
  "Parameters": {
    "EdgeProtection": {"Type": "String", "Default": "false"},
    "Kept": {"Type": "String", "Default": "default"},
    "OriginVerifySecretVersion": {"Type": "String", "Default": ""},
    "OriginVerifyPreviousVersion": {"Type": "String", "Default": ""}
  },
  "Resources": {
    "Marker": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/password-reset/marker", "Type": "String", "Value": "x"}}
  }
}"#;

#[tokio::test]
async fn the_cloudformation_adapter_updates_only_the_two_parameters_against_moto() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let first = secrets.create_secret().name(SECRET_ID).secret_string(FIRST_VALUE).send().await.unwrap();
    let v_old = first.version_id().unwrap().to_owned();
    let stacks = CloudFormation::new((&app.stack.sdk).into());
    let cfn = &stacks.0;
    let parameter = |k: &str, v: &str| aws_sdk_cloudformation::types::Parameter::builder().parameter_key(k).parameter_value(v).build();
    cfn.create_stack()
        .stack_name(SMALL_STACK)
        .template_body(SMALL_TEMPLATE)
        .parameters(parameter("EdgeProtection", "true"))
        .parameters(parameter("Kept", "chosen at deploy"))
        .send()
        .await
        .unwrap();
    assert_eq!(stacks.resource_id(SMALL_STACK, "Marker").await.unwrap(), "/password-reset/marker");

    rotate(&secrets, &stacks, SMALL_STACK, SECRET_ID, NO_WAIT, &mut |_| {}).await.expect("the rotation completes against moto");
    let state = stacks.describe(SMALL_STACK).await.unwrap();
    let v_new = labels(&secrets).await.into_keys().next().unwrap();
    assert_ne!(v_new, v_old);
    assert_eq!(state.status, "UPDATE_COMPLETE");
    let expected: BTreeMap<String, String> =
        [("EdgeProtection", "true"), ("Kept", "chosen at deploy"), (SENT_VERSION, v_new.as_str()), (ALLOWED_PREVIOUS, "")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(state.parameters, expected, "the others kept their values, not their defaults");

    let same: Vec<Parameter> = expected.keys().map(|k| keep(k)).collect();
    assert_eq!(stacks.update(SMALL_STACK, &same).await.unwrap(), Update::NothingToDo, "an update that changes nothing is not an error");
}
