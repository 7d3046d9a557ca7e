//! Rotating the CDN's origin-verify value (`EdgeProtection=true`) without refusing a request.
//!
//! Who reads which value: the functions accept the secret's versions labelled `AWSCURRENT` and
//! `AWSPREVIOUS` (read again on a value they do not hold, at most once a minute, and every
//! [`MAX_AGE`]); CloudFront sends the version the stack parameter `OriginVerifySecretVersion`
//! pins; the API's web ACL allows that one and, during a rotation, the one
//! `OriginVerifyPreviousVersion` pins. [`rotate`] moves them one at a time, so at every moment
//! what CloudFront sends is allowed by the web ACL and accepted by the functions:
//!
//! a. a new random value becomes `AWSCURRENT` (the old one `AWSPREVIOUS`): the functions accept
//!    both; then a pause of [`SETTLE`], so every warm function may read the secret again before
//!    any edge sends the new value;
//! b. the stack pins the new version for CloudFront and allows both in the web ACL;
//! c. the stack allows only the new version in the web ACL;
//! d. `AWSPREVIOUS` moves onto the new version: the functions stop accepting the old value
//!    within [`MAX_AGE`].
//!
//! Run again after a stop, it reads where the secret and the stack are and goes on from there
//! ([`plan`]). Only version ids are printed, never a value.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_sdk_secretsmanager::Client as Secrets;
pub use reset_core::origin_verify::{MAX_AGE, REREAD_COOLDOWN};

/// The template's parameter holding the version CloudFront sends (empty: `AWSCURRENT` at deploy time).
pub const SENT_VERSION: &str = "OriginVerifySecretVersion";
/// The template's parameter holding the version the web ACL still allows during a rotation.
pub const ALLOWED_PREVIOUS: &str = "OriginVerifyPreviousVersion";
/// The template's logical id of the secret.
pub const SECRET_RESOURCE: &str = "OriginVerifySecret";
/// The pause between the new value and the stack update: past every function's read cooldown.
pub const SETTLE: Duration = REREAD_COOLDOWN.saturating_add(Duration::from_secs(5));
/// Characters in a new value (alphanumeric, as the template's first value).
pub const VALUE_LENGTH: usize = 64;

/// The subcommands of `origin-verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginVerifyCommand {
    Rotate,
    Status,
}

/// A stack parameter in an update: its previous value kept, or a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parameter {
    Keep(String),
    Set(String, String),
}

/// What CloudFormation says of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackState {
    pub status: String,
    /// Parameter name → value (`****` for NoEcho ones).
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    Started,
    /// CloudFormation had nothing to change: the stack already has these parameters.
    NothingToDo,
}

/// The CloudFormation calls a rotation makes (the real one: [`CloudFormation`]).
pub trait Stacks {
    fn describe(&self, stack: &str) -> impl Future<Output = anyhow::Result<StackState>>;
    /// The physical id of one of the stack's resources.
    fn resource_id(&self, stack: &str, logical_id: &str) -> impl Future<Output = anyhow::Result<String>>;
    /// Starts an update with the stack's previous template (SAM's: CAPABILITY_IAM and
    /// CAPABILITY_AUTO_EXPAND) and these parameters.
    fn update(&self, stack: &str, parameters: &[Parameter]) -> impl Future<Output = anyhow::Result<Update>>;
}

/// [`Stacks`] over the CloudFormation API.
pub struct CloudFormation(pub aws_sdk_cloudformation::Client);

impl CloudFormation {
    /// A client on `config` (`(&sdk_config).into()`) with room for CloudFormation's slower
    /// answers: an UpdateStack tried again after its first attempt timed out would meet its own
    /// update in progress.
    pub fn new(config: aws_sdk_cloudformation::config::Builder) -> Self {
        use aws_sdk_cloudformation::config::timeout::TimeoutConfig;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(90))
            .build();
        CloudFormation(aws_sdk_cloudformation::Client::from_conf(config.timeout_config(timeouts).build()))
    }
}

impl Stacks for CloudFormation {
    async fn describe(&self, stack: &str) -> anyhow::Result<StackState> {
        let out = self.0.describe_stacks().stack_name(stack).send().await.with_context(|| format!("describing the stack {stack}"))?;
        let found = out.stacks().first().with_context(|| format!("no stack {stack}"))?;
        let status = found.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        let parameters = found
            .parameters()
            .iter()
            .filter_map(|p| Some((p.parameter_key()?.to_owned(), p.parameter_value().unwrap_or_default().to_owned())))
            .collect();
        Ok(StackState { status, parameters })
    }

    async fn resource_id(&self, stack: &str, logical_id: &str) -> anyhow::Result<String> {
        let out = self
            .0
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(logical_id)
            .send()
            .await
            .with_context(|| format!("finding the resource {logical_id} of the stack {stack}"))?;
        out.stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .map(str::to_owned)
            .with_context(|| format!("the stack {stack} has no {logical_id} yet"))
    }

    async fn update(&self, stack: &str, parameters: &[Parameter]) -> anyhow::Result<Update> {
        use aws_sdk_cloudformation::types::{Capability, Parameter as CfnParameter};
        let parameters = parameters
            .iter()
            .map(|p| match p {
                Parameter::Keep(key) => CfnParameter::builder().parameter_key(key).use_previous_value(true).build(),
                Parameter::Set(key, value) => CfnParameter::builder().parameter_key(key).parameter_value(value).build(),
            })
            .collect();
        let sent = self
            .0
            .update_stack()
            .stack_name(stack)
            .use_previous_template(true)
            .set_parameters(Some(parameters))
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityAutoExpand)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Update::Started),
            Err(err)
                if err
                    .as_service_error()
                    .and_then(|e| aws_sdk_cloudformation::error::ProvideErrorMetadata::message(e))
                    .is_some_and(|m| m.contains("No updates are to be performed")) =>
            {
                Ok(Update::NothingToDo)
            }
            Err(err) => Err(anyhow::Error::new(err).context(format!("updating the stack {stack}"))),
        }
    }
}

/// Which version carries which label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub current: String,
    pub previous: Option<String>,
    /// Every version id with its labels, oldest first as Secrets Manager lists them.
    pub versions: BTreeMap<String, Vec<String>>,
}

/// The labels of the secret's versions (DescribeSecret: no value is read).
pub async fn labels(secrets: &Secrets, secret_id: &str) -> anyhow::Result<Labels> {
    let out = secrets.describe_secret().secret_id(secret_id).send().await.context("describing the origin-verify secret")?;
    let versions: BTreeMap<String, Vec<String>> = out.version_ids_to_stages().cloned().unwrap_or_default().into_iter().collect();
    let labelled = |label: &str| versions.iter().find(|(_, stages)| stages.iter().any(|s| s == label)).map(|(id, _)| id.clone());
    let current = labelled("AWSCURRENT").context("no version of the origin-verify secret is labelled AWSCURRENT")?;
    Ok(Labels { previous: labelled("AWSPREVIOUS"), current, versions })
}

/// Where a rotation starts, from the secret's labels and the stack's two parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing under way: a new value (steps a to d); `old` is the current version.
    Fresh { old: String },
    /// An earlier run stopped after step a: CloudFront still sends `old`.
    FromB { new: String, old: String },
    /// An earlier run stopped after step b: the web ACL still allows `old`.
    FromC { new: String, old: String },
    /// An earlier run stopped after step c: the functions still accept `old` (`AWSPREVIOUS`).
    FromD { new: String, old: String },
}

/// `sent` and `allowed_previous` are the stack's [`SENT_VERSION`] and [`ALLOWED_PREVIOUS`].
///
/// An unpinned stack (`sent` empty: deployed before rotations, or a first rotation stopped after
/// step a) sends what `AWSCURRENT` was when the distribution last changed. A value put since (by
/// step a, or by hand) is the current one and the value CloudFront sends the previous one, so
/// the previous one is taken to be sent: pinning the current one then refuses nothing either way.
pub fn plan(labels: &Labels, sent: &str, allowed_previous: &str) -> Plan {
    let current = labels.current.clone();
    let previous = labels.previous.clone().filter(|p| *p != current);
    let sending = match (sent, &previous) {
        ("", Some(previous)) => previous.clone(),
        ("", None) => current.clone(),
        (pinned, _) => pinned.to_owned(),
    };
    if sending != current {
        return Plan::FromB { new: current, old: sending };
    }
    if !allowed_previous.is_empty() && allowed_previous != current {
        return Plan::FromC { new: current, old: allowed_previous.to_owned() };
    }
    match previous {
        Some(old) => Plan::FromD { new: current, old },
        None => Plan::Fresh { old: current },
    }
}

/// A new value: [`VALUE_LENGTH`] letters and digits from the system's randomness.
pub fn new_value() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut value = String::with_capacity(VALUE_LENGTH);
    while value.len() < VALUE_LENGTH {
        let mut bytes = [0u8; 64];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        // 248 = 4 × 62: dropping larger bytes keeps every character equally likely.
        value.extend(bytes.iter().filter(|b| **b < 248).map(|b| ALPHABET[usize::from(*b) % 62] as char).take(VALUE_LENGTH - value.len()));
    }
    Ok(value)
}

/// How long a rotation waits: after step a ([`SETTLE`]) and between two looks at an updating stack.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub settle: Duration,
    pub poll: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { settle: SETTLE, poll: Duration::from_secs(15) }
    }
}

/// Runs the rotation (or finishes one an earlier run began), telling `say` each step as it happens.
pub async fn rotate(
    secrets: &Secrets,
    stacks: &impl Stacks,
    stack: &str,
    secret_id: &str,
    pace: Pace,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let state = stacks.describe(stack).await?;
    check_stack(stack, &state)?;
    let labels = labels(secrets, secret_id).await?;
    let param = |name: &str| state.parameters.get(name).cloned().unwrap_or_default();
    let plan = plan(&labels, &param(SENT_VERSION), &param(ALLOWED_PREVIOUS));
    let (new, old) = match plan {
        Plan::Fresh { old } => {
            say(&format!("a. putting a new value into the secret (CloudFront sends version {old} until step b)"));
            let put = secrets
                .put_secret_value()
                .secret_id(secret_id)
                .secret_string(new_value()?)
                .send()
                .await
                .context("putting the new origin-verify value")?;
            let new = put.version_id().context("Secrets Manager returned no version id")?.to_owned();
            say(&format!("   version {new} is AWSCURRENT, {old} AWSPREVIOUS: the functions accept both"));
            (new, old)
        }
        Plan::FromB { new, old } => {
            say(&format!("an earlier rotation stopped after step a: finishing it (new version {new}, old {old})"));
            (new, old)
        }
        Plan::FromC { new, old } => {
            say(&format!("an earlier rotation stopped after step b: finishing it (new version {new}, old {old})"));
            return finish_from_c(secrets, stacks, stack, secret_id, &state, &new, &old, pace, say).await;
        }
        Plan::FromD { new, old } => {
            say(&format!("an earlier rotation stopped after step c: finishing it (new version {new}, old {old})"));
            return retire(secrets, secret_id, &new, &old, say).await;
        }
    };
    if !pace.settle.is_zero() {
        say(&format!(
            "   waiting {} s, so every running function may read the secret again before CloudFront sends the new value",
            pace.settle.as_secs()
        ));
        tokio::time::sleep(pace.settle).await;
    }
    say(&format!("b. updating the stack: CloudFront sends version {new}; the web ACL allows {new} and {old}"));
    let both = parameters(&state, &[(SENT_VERSION, &new), (ALLOWED_PREVIOUS, &old)]);
    update_and_wait(stacks, stack, &both, pace, say).await.map_err(|err| {
        err.context(format!(
            "step b did not complete. Nothing is refused: the secret's AWSCURRENT is already the new version {new} and the \
             functions accept it and the old {old}, which CloudFront still sends. Find the cause in the stack's events, \
             then run this command again: it goes on from step b"
        ))
    })?;
    finish_from_c(secrets, stacks, stack, secret_id, &state, &new, &old, pace, say).await
}

#[allow(clippy::too_many_arguments)]
async fn finish_from_c(
    secrets: &Secrets,
    stacks: &impl Stacks,
    stack: &str,
    secret_id: &str,
    state: &StackState,
    new: &str,
    old: &str,
    pace: Pace,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    say(&format!("c. updating the stack: the web ACL allows only {new}"));
    let only_new = parameters(state, &[(SENT_VERSION, new), (ALLOWED_PREVIOUS, "")]);
    update_and_wait(stacks, stack, &only_new, pace, say).await.map_err(|err| {
        err.context(format!(
            "step c did not complete. Nothing is refused: CloudFront sends the new version {new}, which the web ACL and the \
             functions accept (the old {old} too, still). Find the cause in the stack's events, then run this command \
             again: it goes on from step c"
        ))
    })?;
    retire(secrets, secret_id, new, old, say).await
}

async fn retire(secrets: &Secrets, secret_id: &str, new: &str, old: &str, say: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    say(&format!("d. moving AWSPREVIOUS from {old} to {new}: the functions stop accepting the old value within {} s", MAX_AGE.as_secs()));
    // From whichever version holds it now (Secrets Manager insists on naming it).
    let holder = labels(secrets, secret_id).await?.previous;
    if holder.as_deref() != Some(new) {
        let mut call = secrets.update_secret_version_stage().secret_id(secret_id).version_stage("AWSPREVIOUS").move_to_version_id(new);
        if let Some(holder) = holder {
            call = call.remove_from_version_id(holder);
        }
        call.send().await.with_context(|| format!("step d: moving AWSPREVIOUS onto {new}. Run this command again: it goes on from step d"))?;
    }
    say(&format!("done: version {new} is the only origin-verify value"));
    Ok(())
}

/// Every parameter of the stack kept, but `set`.
fn parameters(state: &StackState, set: &[(&str, &str)]) -> Vec<Parameter> {
    state
        .parameters
        .keys()
        .map(|key| match set.iter().find(|(name, _)| name == key) {
            Some((name, value)) => Parameter::Set((*name).to_owned(), (*value).to_owned()),
            None => Parameter::Keep(key.clone()),
        })
        .collect()
}

/// Refuses a stack a rotation cannot go through: busy, without a CDN, or deployed from a template
/// without the two parameters (the stack update would fail after the secret changed).
fn check_stack(stack: &str, state: &StackState) -> anyhow::Result<()> {
    if state.status.ends_with("_IN_PROGRESS") {
        bail!("the stack {stack} is busy ({}); run again once it is done", state.status);
    }
    if state.parameters.get("EdgeProtection").is_some_and(|v| v != "true") {
        bail!("the stack {stack} has EdgeProtection={}: there is no CDN and no origin-verify value to rotate", state.parameters["EdgeProtection"]);
    }
    for name in [SENT_VERSION, ALLOWED_PREVIOUS] {
        if !state.parameters.contains_key(name) {
            bail!("the stack {stack} has no parameter {name}: deploy the current template first (sam deploy), then rotate");
        }
    }
    Ok(())
}

async fn update_and_wait(stacks: &impl Stacks, stack: &str, parameters: &[Parameter], pace: Pace, say: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    if stacks.update(stack, parameters).await? == Update::NothingToDo {
        say("   the stack already had these parameters");
        return Ok(());
    }
    let mut seen = String::new();
    loop {
        let status = stacks.describe(stack).await?.status;
        if status != seen {
            say(&format!("   {stack}: {status}"));
            seen = status.clone();
        }
        if !status.ends_with("_IN_PROGRESS") {
            if status == "UPDATE_COMPLETE" {
                return Ok(());
            }
            bail!("the stack update ended in {status}");
        }
        tokio::time::sleep(pace.poll).await;
    }
}

/// Which version ids carry which label, and what the stack pins, with where a rotation would start.
pub async fn status(secrets: &Secrets, stacks: Option<(&impl Stacks, &str)>, secret_id: &str) -> anyhow::Result<String> {
    let labels = labels(secrets, secret_id).await?;
    let mut lines = vec![format!("secret {secret_id}")];
    for (id, stages) in &labels.versions {
        if !stages.is_empty() {
            lines.push(format!("  version {id}: {}", stages.join(", ")));
        }
    }
    if let Some((stacks, stack)) = stacks {
        let state = stacks.describe(stack).await?;
        let param = |name: &str| state.parameters.get(name).cloned();
        let shown = |v: Option<String>| match v {
            None => "(no such parameter: deploy the current template)".to_owned(),
            Some(v) if v.is_empty() => "(empty)".to_owned(),
            Some(v) => v,
        };
        lines.push(format!("stack {stack}: {}", state.status));
        lines.push(format!("  {SENT_VERSION} (CloudFront sends): {}", shown(param(SENT_VERSION))));
        lines.push(format!("  {ALLOWED_PREVIOUS} (the web ACL also allows): {}", shown(param(ALLOWED_PREVIOUS))));
        let (sent, allowed) = (param(SENT_VERSION).unwrap_or_default(), param(ALLOWED_PREVIOUS).unwrap_or_default());
        lines.push(match plan(&labels, &sent, &allowed) {
            Plan::Fresh { .. } => "no rotation under way".to_owned(),
            Plan::FromB { new, old } => {
                format!("a rotation stopped after step a: CloudFront sends {old}, not the current {new}; `origin-verify rotate` goes on from step b")
            }
            Plan::FromC { new, old } => {
                format!("a rotation stopped after step b: the web ACL still allows {old} besides {new}; `origin-verify rotate` goes on from step c")
            }
            Plan::FromD { new, old } => {
                format!("a rotation stopped after step c: the functions still accept {old} besides {new}; `origin-verify rotate` goes on from step d")
            }
        });
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(current: &str, previous: Option<&str>) -> Labels {
        Labels { current: current.into(), previous: previous.map(Into::into), versions: BTreeMap::new() }
    }

    #[test]
    fn a_run_goes_on_from_where_an_earlier_one_stopped() {
        let fresh = |old: &str| Plan::Fresh { old: old.into() };
        let pair = |new: &str, old: &str| (new.to_owned(), old.to_owned());
        assert_eq!(plan(&labels("v1", None), "", ""), fresh("v1"), "first deploy, unpinned");
        assert_eq!(plan(&labels("v2", Some("v2")), "v2", ""), fresh("v2"), "after a complete rotation");
        assert_eq!(plan(&labels("v2", Some("v2")), "", ""), fresh("v2"), "unpinned, with no other labelled version");
        let Plan::FromB { new, old } = plan(&labels("v2", Some("v1")), "v1", "") else { panic!("after a") };
        assert_eq!(pair(&new, &old), pair("v2", "v1"));
        let Plan::FromB { new, old } = plan(&labels("v2", Some("v1")), "", "") else { panic!("unpinned, after a or a put by hand") };
        assert_eq!(pair(&new, &old), pair("v2", "v1"), "CloudFront taken to send the previous version");
        let Plan::FromC { new, old } = plan(&labels("v2", Some("v1")), "v2", "v1") else { panic!("after b") };
        assert_eq!(pair(&new, &old), pair("v2", "v1"));
        let Plan::FromD { new, old } = plan(&labels("v2", Some("v1")), "v2", "") else { panic!("after c") };
        assert_eq!(pair(&new, &old), pair("v2", "v1"));
    }

    #[test]
    fn new_values_are_long_alphanumeric_and_differ() {
        let (a, b) = (new_value().unwrap(), new_value().unwrap());
        assert_eq!(a.len(), VALUE_LENGTH);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn only_a_stack_with_a_cdn_and_both_parameters_is_rotated() {
        let state = |status: &str, params: &[(&str, &str)]| StackState {
            status: status.into(),
            parameters: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        let ready = [("EdgeProtection", "true"), (SENT_VERSION, ""), (ALLOWED_PREVIOUS, "")];
        assert!(check_stack("s", &state("UPDATE_COMPLETE", &ready)).is_ok());
        assert!(check_stack("s", &state("UPDATE_ROLLBACK_COMPLETE", &ready)).is_ok());
        assert!(check_stack("s", &state("UPDATE_IN_PROGRESS", &ready)).unwrap_err().to_string().contains("busy"));
        let no_cdn = [("EdgeProtection", "false"), (SENT_VERSION, ""), (ALLOWED_PREVIOUS, "")];
        assert!(check_stack("s", &state("CREATE_COMPLETE", &no_cdn)).unwrap_err().to_string().contains("EdgeProtection=false"));
        let old_template = [("EdgeProtection", "true")];
        assert!(check_stack("s", &state("CREATE_COMPLETE", &old_template)).unwrap_err().to_string().contains(SENT_VERSION));
    }
}
