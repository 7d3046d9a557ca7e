//! `reset-operator origin-verify rotate` against moto's Secrets Manager, with the stack
//! updates played by a stand-in that resolves the template's references as CloudFormation does
//! (a versionless one to `AWSCURRENT` at each update and at each rollback), changes the web ACL
//! before the distribution (and, rolling back, puts the web ACL back first), and checks at each
//! of those moments that whatever CloudFront may send is allowed by the web ACL and let through
//! by a function warm since just before the rotation; and once with the real CloudFormation
//! adapter against moto's CloudFormation.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use crate::helpers::AwsFunctions;
use aws_sdk_secretsmanager::Client as Secrets;
use reset_core::ports::origin_verify::{MAX_AGE, REREAD_COOLDOWN};
use reset_operator::origin_verify::{
    ALLOWED_PREVIOUS, CloudFormation, Pace, Parameter, SECRET_RESOURCE, SENT_VERSION, SETTLE, Sleep, StackState, Stacks, Update, Wait, check_after_put,
    next_version_id, put_new_value, rotate, secret_for, status,
};

use crate::edge::{lets_through, moto_deps_behind_cdn, time_passes};
use crate::helpers::{MotoApp, capture_logs};

const SECRET_ID: &str = "password-reset/origin-verify";
const STACK: &str = "password-reset";
const FIRST_VALUE: &str = "first-origin-verify-value-0123456789abcdefghijklmn";
/// No pauses, on tokio's clock (for the real CloudFormation, where no function is warm).
const NO_WAIT: Pace = Pace { settle: Duration::ZERO, poll: Duration::ZERO, wait: Sleep };

async fn value_of(secrets: &Secrets, secret_id: &str, version: &str) -> String {
    let out = secrets.get_secret_value().secret_id(secret_id).version_id(version).send().await.unwrap();
    out.secret_string().unwrap().to_owned()
}

async fn labels(secrets: &Secrets, secret_id: &str) -> BTreeMap<String, Vec<String>> {
    let out = secrets.describe_secret().secret_id(secret_id).send().await.unwrap();
    let mut labels: BTreeMap<String, Vec<String>> = out.version_ids_to_stages().cloned().unwrap_or_default().into_iter().collect();
    labels.retain(|_, stages| !stages.is_empty());
    labels.values_mut().for_each(|stages| stages.sort());
    labels
}

async fn labelled(secrets: &Secrets, secret_id: &str, label: &str) -> Option<String> {
    labels(secrets, secret_id).await.into_iter().find(|(_, stages)| stages.iter().any(|s| s == label)).map(|(id, _)| id)
}

/// A secret holding [`FIRST_VALUE`]; its version id.
async fn first_secret(secrets: &Secrets, secret_id: &str) -> String {
    let first = secrets.create_secret().name(secret_id).secret_string(FIRST_VALUE).send().await.unwrap();
    first.version_id().unwrap().to_owned()
}

/// A value CloudFront may send, and where it comes from (never the value itself, in messages).
#[derive(Clone)]
struct Sent {
    what: String,
    value: String,
}

/// What the web ACL allows and what CloudFront sends, as resolved at the last update.
#[derive(Clone)]
struct Resolved {
    allowed: Vec<String>,
    sends: Sent,
}

/// A stack that updates at once (or rolls back when told to), recording each update's
/// parameters and, as [`FakeStack::check`] says, every moment at which CloudFront's value would be
/// refused.
struct FakeStack<'a> {
    secrets: Secrets,
    secret_id: String,
    warm: &'a AwsFunctions,
    parameters: RefCell<BTreeMap<String, String>>,
    resolved: RefCell<Resolved>,
    updates: RefCell<Vec<Vec<Parameter>>>,
    /// The update (counted from 1) to roll back.
    roll_back: Cell<Option<usize>>,
    status: RefCell<String>,
    refused: RefCell<Vec<String>>,
}

impl<'a> FakeStack<'a> {
    /// Deployed unpinned when the secret's `AWSCURRENT` held [`FIRST_VALUE`].
    fn new(secrets: Secrets, secret_id: &str, warm: &'a AwsFunctions) -> Self {
        let parameters = [("EdgeProtection", "true"), ("DomainName", "auth.example.com"), (SENT_VERSION, ""), (ALLOWED_PREVIOUS, "")];
        let sends = Sent { what: "the value current at deploy".into(), value: FIRST_VALUE.into() };
        FakeStack {
            secrets,
            secret_id: secret_id.into(),
            warm,
            parameters: RefCell::new(parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            resolved: RefCell::new(Resolved { allowed: vec![FIRST_VALUE.into()], sends }),
            updates: RefCell::default(),
            roll_back: Cell::new(None),
            status: RefCell::new("CREATE_COMPLETE".into()),
            refused: RefCell::default(),
        }
    }

    /// The template's references under `parameters`, resolved now: a pinned version's value, or
    /// for an empty [`SENT_VERSION`] the value `AWSCURRENT` labels now.
    async fn resolve(&self, parameters: &BTreeMap<String, String>, when: &str) -> Resolved {
        let sent = parameters[SENT_VERSION].as_str();
        let version = match sent {
            "" => labelled(&self.secrets, &self.secret_id, "AWSCURRENT").await.unwrap(),
            pinned => pinned.to_owned(),
        };
        let sends = Sent { what: format!("{SENT_VERSION}={sent:?} resolved {when}"), value: value_of(&self.secrets, &self.secret_id, &version).await };
        let mut allowed = vec![sends.value.clone()];
        if let Some(previous) = parameters.get(ALLOWED_PREVIOUS).filter(|p| !p.is_empty()) {
            allowed.push(value_of(&self.secrets, &self.secret_id, previous).await);
        }
        Resolved { allowed, sends }
    }

    /// Records, at the moment `when`, each value CloudFront may send that the web ACL does not
    /// allow or the warm function refuses. Edges send them in any order, and one value may make
    /// the function read the secret again: each is tried again after the others.
    async fn check(&self, when: &str, allowed: &[String], sends: &[&Sent]) {
        let mut refused = Vec::new();
        for sent in sends.iter().chain(sends) {
            if !allowed.contains(&sent.value) {
                refused.push(format!("{when}: the web ACL blocks {}", sent.what));
            }
            if !lets_through(self.warm, &sent.value).await {
                refused.push(format!("{when}: the functions refuse {}", sent.what));
            }
        }
        refused.dedup();
        self.refused.borrow_mut().extend(refused);
    }

    /// [`FakeStack::check`] of the stack as it stands.
    async fn check_now(&self, when: &str) {
        let resolved = self.resolved.borrow().clone();
        self.check(when, &resolved.allowed, &[&resolved.sends]).await;
    }

    fn refused(&self) -> Vec<String> {
        self.refused.borrow().clone()
    }
}

impl Stacks for FakeStack<'_> {
    async fn describe(&self, _stack: &str) -> anyhow::Result<StackState> {
        Ok(StackState { status: self.status.borrow().clone(), parameters: self.parameters.borrow().clone() })
    }

    async fn resource_id(&self, _stack: &str, logical_id: &str) -> anyhow::Result<String> {
        assert_eq!(logical_id, SECRET_RESOURCE);
        Ok(self.secret_id.clone())
    }

    async fn update(&self, _stack: &str, parameters: &[Parameter]) -> anyhow::Result<Update> {
        self.updates.borrow_mut().push(parameters.to_vec());
        let n = self.updates.borrow().len();
        let before = self.parameters.borrow().clone();
        let mut after = before.clone();
        for parameter in parameters {
            match parameter {
                Parameter::Keep(name) => assert!(before.contains_key(name), "{name} kept, but the stack has none"),
                Parameter::Set(name, value) => drop(after.insert(name.clone(), value.clone())),
            }
        }
        assert_eq!(after.len(), before.len(), "every parameter given");
        if after == before {
            return Ok(Update::NothingToDo);
        }
        let old = self.resolved.borrow().clone();
        let new = self.resolve(&after, &format!("at update #{n}")).await;
        // The web ACL first (the distribution DependsOn it), then the edges one by one.
        self.check(&format!("update #{n}, web ACL updated"), &new.allowed, &[&old.sends]).await;
        self.check(&format!("update #{n}, edges moving"), &new.allowed, &[&old.sends, &new.sends]).await;
        if self.roll_back.get() == Some(n) {
            // The same references resolved again, now; the web ACL put back before the distribution.
            let back = self.resolve(&before, &format!("at the rollback of update #{n}")).await;
            self.check(&format!("rollback of update #{n}, web ACL put back"), &back.allowed, &[&old.sends, &new.sends]).await;
            self.check(&format!("rollback of update #{n}, edges moving back"), &back.allowed, &[&new.sends, &back.sends]).await;
            self.check(&format!("rollback of update #{n}, done"), &back.allowed, &[&back.sends]).await;
            *self.resolved.borrow_mut() = back;
            *self.status.borrow_mut() = "UPDATE_ROLLBACK_COMPLETE".into();
        } else {
            self.check(&format!("update #{n}, done"), &new.allowed, &[&new.sends]).await;
            *self.resolved.borrow_mut() = new;
            *self.parameters.borrow_mut() = after;
            *self.status.borrow_mut() = "UPDATE_COMPLETE".into();
        }
        Ok(Update::Started)
    }
}

/// The rotation's pauses, on tokio's clock moved ahead (the functions' cooldowns read it), each
/// recorded and checked; and, when told, a value put by hand into the secret during the first pause.
struct Pauses<'a> {
    stack: &'a FakeStack<'a>,
    taken: RefCell<Vec<Duration>>,
    put_by_hand: Cell<bool>,
}

impl<'a> Pauses<'a> {
    fn new(stack: &'a FakeStack<'a>) -> Self {
        Pauses { stack, taken: RefCell::default(), put_by_hand: Cell::new(false) }
    }

    fn pace(&self, settle: Duration) -> Pace<&Self> {
        Pace { settle, poll: Duration::ZERO, wait: self }
    }
}

impl Wait for &Pauses<'_> {
    async fn wait(&self, duration: Duration) {
        self.taken.borrow_mut().push(duration);
        let n = self.taken.borrow().len();
        self.stack.check_now(&format!("pause #{n}")).await;
        time_passes(duration).await;
        if self.put_by_hand.replace(false) {
            let secrets = &self.stack.secrets;
            secrets.put_secret_value().secret_id(&self.stack.secret_id).secret_string("put-by-hand-0123456789").send().await.unwrap();
        }
    }
}

fn set(name: &str, value: &str) -> Parameter {
    Parameter::Set(name.into(), value.into())
}

fn keep(name: &str) -> Parameter {
    Parameter::Keep(name.into())
}

/// The four updates of a rotation from `old` to `new` on an unpinned stack.
fn four_updates(old: &str, new: &str) -> [Vec<Parameter>; 4] {
    let update = |sent: &str, previous: &str| vec![keep("DomainName"), keep("EdgeProtection"), set(ALLOWED_PREVIOUS, previous), set(SENT_VERSION, sent)];
    [update(old, ""), update(old, new), update(new, old), update(new, "")]
}

#[tokio::test]
async fn a_rotation_keeps_what_cloudfront_sends_allowed_and_accepted_at_every_step_then_retires_the_old_value() {
    let logs = capture_logs();
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let v_old = first_secret(&secrets, SECRET_ID).await;
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    let stack = FakeStack::new(secrets.clone(), SECRET_ID, &warm);
    let pauses = Pauses::new(&stack);

    let mut said = Vec::new();
    rotate(&secrets, &stack, STACK, SECRET_ID, &pauses.pace(SETTLE), &mut |line| said.push(line.to_owned())).await.expect("the rotation completes");
    stack.check_now("after the rotation").await;
    assert_eq!(stack.refused(), Vec::<String>::new(), "CloudFront's value is never refused");
    assert_eq!(*pauses.taken.borrow(), [SETTLE], "one pause, after the new value");

    let labelled = labels(&secrets, SECRET_ID).await;
    let v_new = next_version_id(&v_old);
    assert_eq!(
        labelled,
        BTreeMap::from([(v_new.clone(), vec!["AWSCURRENT".to_owned(), "AWSPREVIOUS".to_owned()])]),
        "the new version, derived from the old one, is the only one labelled"
    );
    let new_value = value_of(&secrets, SECRET_ID, &v_new).await;
    assert!(new_value.len() >= 48 && new_value.chars().all(|c| c.is_ascii_alphanumeric()), "a new value of {} characters", new_value.len());
    assert_eq!(
        *stack.updates.borrow(),
        four_updates(&v_old, &v_new),
        "0: pin what CloudFront sends; b1: the web ACL allows the new one too; b2: CloudFront sends it; c: the web ACL drops the old one"
    );

    assert!(lets_through(&warm, FIRST_VALUE).await, "until the function reads the secret again");
    time_passes(MAX_AGE).await;
    assert!(!lets_through(&warm, FIRST_VALUE).await, "the old value is refused once the values held are old");
    assert!(lets_through(&warm, &new_value).await);

    let said = said.join("\n");
    for step in ["0. ", "a. ", "b1. ", "b2. ", "c. ", "d. ", "done"] {
        assert!(said.contains(step), "step {step:?} is told: {said}");
    }
    assert!(said.contains(&v_new) && said.contains(&v_old), "versions are named: {said}");
    for value in [FIRST_VALUE, &new_value] {
        assert!(!said.contains(value), "no value printed");
        assert!(!logs.text().contains(value), "no value logged");
    }
}

/// The control for the pause: without it, the function warm since just before the rotation has
/// not read the secret again when CloudFront starts sending the new value.
#[tokio::test]
async fn without_the_pause_a_warm_function_refuses_the_new_value_when_cloudfront_starts_sending_it() {
    assert!(SETTLE > REREAD_COOLDOWN, "the pause outlasts the functions' cooldown");
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    first_secret(&secrets, SECRET_ID).await;
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    let stack = FakeStack::new(secrets.clone(), SECRET_ID, &warm);
    let pauses = Pauses::new(&stack);
    rotate(&secrets, &stack, STACK, SECRET_ID, &pauses.pace(Duration::ZERO), &mut |_| {}).await.expect("the tool itself sees nothing wrong");
    let refused = stack.refused();
    assert!(refused.iter().any(|r| r.starts_with("update #3") && r.contains("the functions refuse")), "{refused:#?}");
}

/// Each stack update rolled back in turn: the tool stops and says how things stand, nothing is
/// refused meanwhile, and run again it goes on from there.
#[tokio::test]
async fn every_rollback_leaves_what_cloudfront_sends_allowed_and_accepted_and_a_run_again_goes_on() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    for (update, step, then) in
        [(1, "step 0", "does not pin"), (2, "step b1", "stopped after step a"), (3, "step b2", "stopped after step b1"), (4, "step c", "stopped after step b2")]
    {
        let secret_id = format!("{SECRET_ID}-{update}");
        let v_old = first_secret(&secrets, &secret_id).await;
        let warm = moto_deps_behind_cdn(&app, &secret_id).await;
        let stack = FakeStack::new(secrets.clone(), &secret_id, &warm);
        let pauses = Pauses::new(&stack);
        stack.roll_back.set(Some(update));

        let err = rotate(&secrets, &stack, STACK, &secret_id, &pauses.pace(SETTLE), &mut |_| {}).await.expect_err("rolled back");
        let err = format!("{err:#}");
        assert!(err.contains(&format!("{step} did not complete")) && err.contains("UPDATE_ROLLBACK_COMPLETE"), "{step}: {err}");
        assert!(err.contains("Nothing is refused") && err.contains("run this command again"), "{step} says what to do: {err}");
        stack.check_now(&format!("after the rollback of {step}")).await;
        assert_eq!(stack.refused(), Vec::<String>::new(), "{step}: nothing refused through the rollback");
        let where_now = status(&secrets, Some((&stack, STACK)), &secret_id).await.unwrap();
        assert!(where_now.contains(then), "{step}: {where_now}");

        let mut said = Vec::new();
        rotate(&secrets, &stack, STACK, &secret_id, &pauses.pace(SETTLE), &mut |line| said.push(line.to_owned())).await.expect("run again, it completes");
        stack.check_now(&format!("after the rotation, {step} rolled back once")).await;
        assert_eq!(stack.refused(), Vec::<String>::new(), "{step}: CloudFront's value is never refused");
        let v_new = next_version_id(&v_old);
        assert_eq!(said.iter().any(|l| l.starts_with("a. ")), update == 1, "{step}: a second value only if none was put: {said:?}");
        assert_eq!(labels(&secrets, &secret_id).await.into_keys().collect::<Vec<_>>(), std::slice::from_ref(&v_new), "{step}: {v_old} retired");
        assert_eq!(stack.parameters.borrow()[SENT_VERSION], v_new, "{step}");
        assert_eq!(stack.parameters.borrow()[ALLOWED_PREVIOUS], "", "{step}");
        assert!(status(&secrets, Some((&stack, STACK)), &secret_id).await.unwrap().contains("no rotation under way"));
    }
}

/// A value put by hand while the tool pauses after its own: `AWSPREVIOUS` leaves the version
/// CloudFront sends. The tool moves it back before the stack moves, then rotates to the value
/// put by hand.
#[tokio::test]
async fn a_value_put_by_hand_during_a_rotation_is_covered_before_the_stack_moves() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let v_old = first_secret(&secrets, SECRET_ID).await;
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    let stack = FakeStack::new(secrets.clone(), SECRET_ID, &warm);
    let pauses = Pauses::new(&stack);
    pauses.put_by_hand.set(true);

    let mut said = Vec::new();
    rotate(&secrets, &stack, STACK, SECRET_ID, &pauses.pace(SETTLE), &mut |line| said.push(line.to_owned())).await.expect("the rotation completes");
    stack.check_now("after the rotation").await;
    assert_eq!(stack.refused(), Vec::<String>::new(), "CloudFront's value is never refused");
    assert!(said.iter().any(|l| l.contains(&format!("CloudFront sends version {v_old}, which carries neither"))), "{said:?}");
    let by_hand = labelled(&secrets, SECRET_ID, "AWSCURRENT").await.unwrap();
    assert_ne!(by_hand, next_version_id(&v_old), "the value put by hand is the current one");
    assert_eq!(stack.parameters.borrow()[SENT_VERSION], by_hand, "and CloudFront sends it");
    assert_eq!(*pauses.taken.borrow(), [SETTLE, SETTLE], "a pause after the value put, another after the labels moved back");
}

/// Two runs from the same version: the second put fails before anything changes.
#[tokio::test]
async fn a_second_run_from_the_same_version_puts_nothing() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    let v_old = first_secret(&secrets, SECRET_ID).await;
    let v_new = put_new_value(&secrets, SECRET_ID, &v_old).await.unwrap();
    let before = labels(&secrets, SECRET_ID).await;
    let err = format!("{:#}", put_new_value(&secrets, SECRET_ID, &v_old).await.expect_err("the same version id, another value"));
    assert!(err.contains("another run of this command started from the same version") && err.contains("changed nothing"), "{err}");
    assert_eq!(labels(&secrets, SECRET_ID).await, before, "nothing moved");
    assert_eq!(value_of(&secrets, SECRET_ID, &v_old).await, FIRST_VALUE);
    assert_eq!(v_new, next_version_id(&v_old), "the version id is the token derived from the old version");
}

/// The labels after step a's put: a value put by hand just before or just after it moves
/// `AWSPREVIOUS` off the version CloudFront sends. The tool moves it back and stops, saying so.
#[tokio::test]
async fn a_value_put_by_hand_around_the_tools_own_is_found_and_covered() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    for (case, hand_first) in [("before", true), ("after", false)] {
        let secret_id = format!("{SECRET_ID}-{case}");
        let v_old = first_secret(&secrets, &secret_id).await;
        let by_hand = || secrets.put_secret_value().secret_id(&secret_id).secret_string("put-by-hand-0123456789").send();
        if hand_first {
            by_hand().await.unwrap();
        }
        let v_new = put_new_value(&secrets, &secret_id, &v_old).await.unwrap();
        if !hand_first {
            by_hand().await.unwrap();
        }
        let mut said = Vec::new();
        let err = check_after_put(&secrets, &secret_id, &v_new, &v_old, &mut |line| said.push(line.to_owned())).await.expect_err(case);
        let err = format!("{err:#}");
        assert!(err.contains("something else put a value") && err.contains("run this command again"), "{case}: {err}");
        assert!(err.contains(&format!("moved AWSPREVIOUS back onto {v_old}")), "{case}: {err}");
        assert_eq!(labelled(&secrets, &secret_id, "AWSPREVIOUS").await.as_deref(), Some(v_old.as_str()), "{case}: covered again");
        assert!(!err.contains(FIRST_VALUE) && !said.join("\n").contains(FIRST_VALUE));
    }
}

#[tokio::test]
async fn with_a_stack_the_secret_is_the_stacks_own_and_another_one_named_is_refused() {
    let app = MotoApp::start().await;
    let secrets = app.stack.secrets();
    first_secret(&secrets, SECRET_ID).await;
    let other = format!("{SECRET_ID}-elsewhere");
    first_secret(&secrets, &other).await;
    let warm = moto_deps_behind_cdn(&app, SECRET_ID).await;
    let stack = FakeStack::new(secrets.clone(), SECRET_ID, &warm);
    let arn = secrets.describe_secret().secret_id(SECRET_ID).send().await.unwrap().arn().unwrap().to_owned();

    assert_eq!(secret_for(&secrets, Some((&stack, STACK)), None).await.unwrap(), SECRET_ID, "the stack's own");
    let same = secret_for(&secrets, Some((&stack, STACK)), Some(("--secret-id", arn.clone()))).await.unwrap();
    assert_eq!(same, SECRET_ID, "the same secret by its ARN");
    for from in ["--secret-id", "$ORIGIN_VERIFY_SECRET_ID"] {
        let err = secret_for(&secrets, Some((&stack, STACK)), Some((from, other.clone()))).await.expect_err("another secret");
        let err = format!("{err:#}");
        assert!(err.contains(from) && err.contains(&other) && err.contains(SECRET_ID) && err.contains("refusing"), "{err}");
    }
    let no_stack: Option<(&FakeStack, &str)> = None;
    assert_eq!(secret_for(&secrets, no_stack, Some(("--secret-id", other.clone()))).await.unwrap(), other, "without a stack, the one named");
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
    let v_old = first_secret(&secrets, SECRET_ID).await;
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

    rotate(&secrets, &stacks, SMALL_STACK, SECRET_ID, &NO_WAIT, &mut |_| {}).await.expect("the rotation completes against moto");
    let state = stacks.describe(SMALL_STACK).await.unwrap();
    let v_new = labels(&secrets, SECRET_ID).await.into_keys().next().unwrap();
    assert_ne!(v_new, v_old);
    assert_eq!(state.status, "UPDATE_COMPLETE");
    let expected: BTreeMap<String, String> = [("EdgeProtection", "true"), ("Kept", "chosen at deploy"), (SENT_VERSION, v_new.as_str()), (ALLOWED_PREVIOUS, "")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(state.parameters, expected, "the others kept their values, not their defaults");

    let same: Vec<Parameter> = expected.keys().map(|k| keep(k)).collect();
    assert_eq!(stacks.update(SMALL_STACK, &same).await.unwrap(), Update::NothingToDo, "an update that changes nothing is not an error");
}
