//! Rotating the CDN's origin-verify value (`EdgeProtection=true`) without refusing a request.
//!
//! Who reads which value: the functions accept the secret's versions labelled `AWSCURRENT` and
//! `AWSPREVIOUS` (read again on a value they do not hold, at most once a minute, and every
//! [`MAX_AGE`]); CloudFront sends the version the stack parameter `OriginVerifySecretVersion`
//! pins (empty: `AWSCURRENT` whenever CloudFormation resolves the reference, at an update or a
//! rollback); the API's web ACL allows that one and, during a rotation, the one
//! `OriginVerifyPreviousVersion` pins. An update changes the web ACL before the distribution
//! (`DependsOn`), and a rollback may put the web ACL back before the distribution. [`rotate`]
//! changes one thing at a time, so that at every step, and at every step's rollback, what
//! CloudFront sends is allowed by the web ACL and accepted by the functions:
//!
//! - step 0 (an unpinned stack only): the stack pins the version CloudFront sends now; the value
//!   stays, and no later rollback resolves the versionless reference again;
//! - step a: a new random value becomes `AWSCURRENT` (the old one `AWSPREVIOUS`: the functions
//!   accept both), put with a ClientRequestToken derived from the old version, so a second run from
//!   the same version puts nothing; then the labels are checked, and a pause of [`SETTLE`] lets
//!   every warm function read the secret again;
//! - step b1: the web ACL allows the new version too; CloudFront still sends the old one;
//! - step b2: CloudFront sends the new version, edge by edge; the web ACL still allows both (a
//!   rollback lands on b1);
//! - step c: the web ACL allows only the new version;
//! - step d: `AWSPREVIOUS` moves onto the new version: the functions stop accepting the old value
//!   within 2 × [`MAX_AGE`].
//!
//! Each step starts from a fresh look at the secret and the stack ([`plan`]), so a run after a
//! stop goes on from where things stand; and if the version CloudFront sends has lost both labels
//! (a value put by hand meanwhile), `AWSPREVIOUS` moves back onto it first. Only version ids are
//! printed, never a value.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use anyhow::{Context as _, bail};
use aws_sdk_secretsmanager::Client as Secrets;
pub use reset_core::ports::origin_verify::{MAX_AGE, READ_TIMEOUT, REREAD_COOLDOWN, RETRY_AFTER_FAILED_READ};

/// The template's parameter holding the version CloudFront sends (empty: `AWSCURRENT` at deploy time).
pub const SENT_VERSION: &str = "OriginVerifySecretVersion";
/// The template's parameter holding the version the web ACL still allows during a rotation.
pub const ALLOWED_PREVIOUS: &str = "OriginVerifyPreviousVersion";
/// The template's logical id of the secret.
pub const SECRET_RESOURCE: &str = "OriginVerifySecret";
/// The pause between a change of the labels and the stack update that relies on it: past every
/// function's read cooldown and the longest read ([`reset_core::ports::origin_verify`]).
pub const SETTLE: Duration = REREAD_COOLDOWN.saturating_add(Duration::from_secs(5));
const _: () = assert!(SETTLE.as_secs() > REREAD_COOLDOWN.as_secs() + READ_TIMEOUT.as_secs());
/// Characters in a new value (alphanumeric, as the template's first value).
pub const VALUE_LENGTH: usize = 64;
/// The most steps one run takes (0, a, b1, b2, c, d, and a repair or two), against a loop.
const MAX_STEPS: usize = 12;

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
        let parameters =
            found.parameters().iter().filter_map(|p| Some((p.parameter_key()?.to_owned(), p.parameter_value().unwrap_or_default().to_owned()))).collect();
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

/// The next step of a rotation, from the secret's labels and the stack's two parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing under way: a rotation starts with step a; CloudFront sends `sent`.
    Fresh { sent: String },
    /// Step 0: the stack does not pin the version CloudFront sends, taken to be `sending`; when a
    /// value was put since (`also_allow`, the current one), CloudFront may send either, so the
    /// web ACL is pinned to allow both.
    Pin { sending: String, also_allow: Option<String> },
    /// CloudFront sends `sent`, which carries neither label (a value put by hand or by another
    /// run): `AWSPREVIOUS` moves onto it from `holder` before anything else.
    Cover { sent: String, holder: Option<String> },
    /// Step b1: `new` is `AWSCURRENT` and `old` (`AWSPREVIOUS`) is sent; the web ACL does not allow `new` yet.
    AllowNew { new: String, old: String },
    /// Step b2: the web ACL allows both; CloudFront still sends `old`.
    SendNew { new: String, old: String },
    /// Step c: CloudFront sends `new`; the web ACL still allows `old`.
    DropOld { new: String, old: String },
    /// Step d: the functions still accept `old` (`AWSPREVIOUS`).
    Retire { new: String, old: String },
}

/// `sent` and `allowed_previous` are the stack's [`SENT_VERSION`] and [`ALLOWED_PREVIOUS`].
///
/// An unpinned stack (`sent` empty: deployed before rotations, or a rotation by an older tool
/// stopped after its step a) sends what `AWSCURRENT` was when the distribution last changed. A
/// value put since is the current one, and CloudFront sends the previous one unless the
/// distribution changed since (then the current one): step 0 pins the previous one as sent and
/// lets the web ACL allow the current one too, which covers either.
pub fn plan(labels: &Labels, sent: &str, allowed_previous: &str) -> Plan {
    let current = labels.current.clone();
    let previous = labels.previous.clone().filter(|p| *p != current);
    if sent.is_empty() {
        return match previous {
            Some(previous) => Plan::Pin { sending: previous, also_allow: Some(current) },
            None => Plan::Pin { sending: current, also_allow: None },
        };
    }
    let sent = sent.to_owned();
    if sent != current && previous.as_ref() != Some(&sent) {
        return Plan::Cover { sent, holder: previous };
    }
    if sent != current {
        return match allowed_previous == current {
            true => Plan::SendNew { new: current, old: sent },
            false => Plan::AllowNew { new: current, old: sent },
        };
    }
    if !allowed_previous.is_empty() {
        return Plan::DropOld { new: current, old: allowed_previous.to_owned() };
    }
    match previous {
        Some(old) => Plan::Retire { new: current, old },
        None => Plan::Fresh { sent },
    }
}

/// Where a rotation stands, in words, for `status` and for a run that goes on from there.
fn where_it_stands(plan: &Plan) -> String {
    match plan {
        Plan::Fresh { .. } => "no rotation under way".to_owned(),
        Plan::Pin { sending, .. } => {
            format!("the stack does not pin the version CloudFront sends (taken to be {sending}); `origin-verify rotate` pins it first (step 0)")
        }
        Plan::Cover { sent, .. } => format!(
            "CloudFront sends version {sent}, which carries neither AWSCURRENT nor AWSPREVIOUS (a value put by hand?): the functions \
             refuse it once they read the secret again; `origin-verify rotate` moves AWSPREVIOUS back onto it first"
        ),
        Plan::AllowNew { new, old } => format!(
            "a rotation stopped after step a: CloudFront sends {old}, not the current {new}, which the web ACL does not allow yet; \
             `origin-verify rotate` goes on from step b1"
        ),
        Plan::SendNew { new, old } => format!(
            "a rotation stopped after step b1: the web ACL allows {old} and {new}, CloudFront still sends {old}; \
             `origin-verify rotate` goes on from step b2"
        ),
        Plan::DropOld { new, old } => {
            format!("a rotation stopped after step b2: the web ACL still allows {old} besides {new}; `origin-verify rotate` goes on from step c")
        }
        Plan::Retire { new, old } => {
            format!("a rotation stopped after step c: the functions still accept {old} besides {new}; `origin-verify rotate` goes on from step d")
        }
    }
}

/// The version id (and ClientRequestToken) of the value that replaces version `old`: derived from
/// it, so that two runs starting from the same version put one value between them (the second
/// put, with another value, fails with ResourceExistsException), and a put the SDK tries again
/// puts nothing twice. Shaped as the ids Secrets Manager makes (36 characters, within the
/// template's pattern for the two parameters).
pub fn next_version_id(old: &str) -> String {
    // FNV-1a, 128 bits: spreads ids, not a secret.
    let hash =
        old.bytes().fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d_u128, |h, b| (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b));
    let hex = format!("{hash:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Step a's put: a new value as version [`next_version_id`]`(old)`; returns the new version id.
pub async fn put_new_value(secrets: &Secrets, secret_id: &str, old: &str) -> anyhow::Result<String> {
    let token = next_version_id(old);
    let put = secrets.put_secret_value().secret_id(secret_id).client_request_token(&token).secret_string(new_value()?).send().await;
    match put {
        Ok(out) => Ok(out.version_id().unwrap_or(&token).to_owned()),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_exists_exception()) => bail!(
            "version {token}, the one a rotation from version {old} puts, already exists with another value: another run of this \
             command started from the same version and put its value first. This run changed nothing. Let the other run finish \
             (`origin-verify status --stack <stack>` says where it stands); run this command again only if it stopped"
        ),
        Err(err) => Err(anyhow::Error::new(err).context("putting the new origin-verify value")),
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

/// How a rotation waits: [`Sleep`], tokio's clock; a test may move a paused clock instead.
pub trait Wait {
    fn wait(&self, duration: Duration) -> impl Future<Output = ()>;
}

/// [`Wait`] on tokio's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sleep;

impl Wait for Sleep {
    async fn wait(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// How long a rotation waits: after a change of labels ([`SETTLE`]) and between two looks at an
/// updating stack; and how.
#[derive(Debug, Clone, Copy)]
pub struct Pace<W = Sleep> {
    pub settle: Duration,
    pub poll: Duration,
    pub wait: W,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { settle: SETTLE, poll: Duration::from_secs(15), wait: Sleep }
    }
}

/// What one run has done so far.
#[derive(Default)]
struct Run {
    /// The version this run put (step a).
    put: Option<String>,
    /// Whether this run took step d.
    retired: bool,
    /// Whether this run has paused [`SETTLE`], and changed no label since.
    settled: bool,
}

/// Runs the rotation (or finishes one an earlier run began), telling `say` each step as it happens.
pub async fn rotate<W: Wait>(
    secrets: &Secrets,
    stacks: &impl Stacks,
    stack: &str,
    secret_id: &str,
    pace: &Pace<W>,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let mut run = Run::default();
    for step in 0..MAX_STEPS {
        let state = stacks.describe(stack).await?;
        check_stack(stack, &state)?;
        let labels = labels(secrets, secret_id).await?;
        let param = |name: &str| state.parameters.get(name).cloned().unwrap_or_default();
        let plan = plan(&labels, &param(SENT_VERSION), &param(ALLOWED_PREVIOUS));
        if step == 0 && !matches!(plan, Plan::Fresh { .. } | Plan::Pin { .. }) {
            say(&format!("{}: going on from there", where_it_stands(&plan)));
        }
        match plan {
            Plan::Fresh { .. } if run.put.is_some() || run.retired => {
                say(&format!("done: version {} is the only origin-verify value", labels.current));
                return Ok(());
            }
            Plan::Fresh { sent } => {
                say(&format!("a. putting a new value into the secret (CloudFront sends version {sent} until step b2)"));
                let new = put_new_value(secrets, secret_id, &sent).await?;
                check_after_put(secrets, secret_id, &new, &sent, say).await?;
                say(&format!("   version {new} is AWSCURRENT, {sent} AWSPREVIOUS: the functions accept both"));
                run.put = Some(new);
                run.settled = false;
                settle(pace, &mut run, say).await;
            }
            Plan::Pin { sending, also_allow } => {
                say(&format!("0. updating the stack: {SENT_VERSION}={sending}, the version CloudFront sends now (the value does not change)"));
                // The other one named too: as it is (the same as kept, and what moto understands),
                // or, after a value put by hand, that one, so whichever CloudFront sends is allowed.
                let allowed = also_allow.unwrap_or_else(|| param(ALLOWED_PREVIOUS));
                let pinned = parameters(&state, &[(SENT_VERSION, &sending), (ALLOWED_PREVIOUS, &allowed)]);
                update_and_wait(stacks, stack, &pinned, pace, say).await.map_err(|err| {
                    err.context(format!(
                        "step 0 did not complete. Nothing is refused and nothing was put: CloudFront still sends version {sending}, \
                         which the web ACL allows and the functions accept. Find the cause in the stack's events, then run this \
                         command again: it goes on from step 0"
                    ))
                })?;
            }
            Plan::Cover { sent, holder } => {
                say(&format!(
                    "CloudFront sends version {sent}, which carries neither AWSCURRENT nor AWSPREVIOUS (a value was put by hand, or \
                     by another run): moving AWSPREVIOUS onto it, so the functions accept it again from their next read"
                ));
                move_previous(secrets, secret_id, &sent, holder.as_deref()).await?;
                run.settled = false;
                settle(pace, &mut run, say).await;
            }
            Plan::AllowNew { .. } | Plan::SendNew { .. } if !run.settled => {
                // Once per run, and after each change of labels: the functions read the secret
                // again before the stack relies on what they accept.
                settle(pace, &mut run, say).await;
            }
            Plan::AllowNew { new, old } => {
                say(&format!("b1. updating the stack: the web ACL allows {new} besides {old}; CloudFront still sends {old}"));
                let both = parameters(&state, &[(SENT_VERSION, &old), (ALLOWED_PREVIOUS, &new)]);
                update_and_wait(stacks, stack, &both, pace, say).await.map_err(|err| {
                    err.context(format!(
                        "step b1 did not complete. Nothing is refused: CloudFront still sends the old version {old}, which the web \
                         ACL allows (with or without the new {new}) and the functions accept (AWSPREVIOUS; AWSCURRENT is already the \
                         new version {new}). Find the cause in the stack's events, then run this command again: it goes on from step b1"
                    ))
                })?;
            }
            Plan::SendNew { new, old } => {
                say(&format!("b2. updating the stack: CloudFront sends {new}, edge by edge; the web ACL allows {new} and {old}"));
                let switch = parameters(&state, &[(SENT_VERSION, &new), (ALLOWED_PREVIOUS, &old)]);
                update_and_wait(stacks, stack, &switch, pace, say).await.map_err(|err| {
                    err.context(format!(
                        "step b2 did not complete. Nothing is refused: a rollback returns CloudFront to the old version {old}, and \
                         the web ACL allows both {old} and {new} throughout, which the functions accept (AWSPREVIOUS and \
                         AWSCURRENT). Find the cause in the stack's events, then run this command again: it goes on from step b2"
                    ))
                })?;
            }
            Plan::DropOld { new, old } => {
                say(&format!("c. updating the stack: the web ACL allows only {new}"));
                let only_new = parameters(&state, &[(SENT_VERSION, &new), (ALLOWED_PREVIOUS, "")]);
                update_and_wait(stacks, stack, &only_new, pace, say).await.map_err(|err| {
                    err.context(format!(
                        "step c did not complete. Nothing is refused: CloudFront sends the new version {new}, which the web ACL and \
                         the functions accept (the old {old} too, still). Find the cause in the stack's events, then run this \
                         command again: it goes on from step c"
                    ))
                })?;
            }
            Plan::Retire { new, old } => {
                say(&format!("d. moving AWSPREVIOUS from {old} to {new}: the functions stop accepting the old value within {} s", 2 * MAX_AGE.as_secs()));
                move_previous(secrets, secret_id, &new, Some(&old)).await.context("step d. Run this command again: it goes on from step d")?;
                run.retired = true;
            }
        }
    }
    bail!("the rotation took more than {MAX_STEPS} steps: something else changes the secret or the stack meanwhile; run `origin-verify status`")
}

/// Pauses [`SETTLE`] (the pace's), so every warm function may read the secret again.
async fn settle<W: Wait>(pace: &Pace<W>, run: &mut Run, say: &mut dyn FnMut(&str)) {
    if !pace.settle.is_zero() {
        say(&format!("   waiting {} s, so every running function reads the secret again before the stack relies on it", pace.settle.as_secs()));
    }
    pace.wait.wait(pace.settle).await;
    run.settled = true;
}

/// After step a's put: `new` must be `AWSCURRENT` and `sent` (what CloudFront sends)
/// `AWSPREVIOUS`. Otherwise something else put a value at the same time: make sure the functions
/// keep accepting what CloudFront sends, then stop.
pub async fn check_after_put(secrets: &Secrets, secret_id: &str, new: &str, sent: &str, say: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    let after = labels(secrets, secret_id).await?;
    if after.current == new && after.previous.as_deref() == Some(sent) {
        return Ok(());
    }
    let shown = after.previous.clone().unwrap_or_else(|| "no version".to_owned());
    let repaired = if after.current != sent && after.previous.as_deref() != Some(sent) {
        say(&format!("   AWSPREVIOUS is {shown}, not {sent}, which CloudFront sends: moving it back"));
        move_previous(secrets, secret_id, sent, after.previous.as_deref()).await?;
        format!("This run moved AWSPREVIOUS back onto {sent}, so the functions accept what CloudFront sends again from their next read. ")
    } else {
        String::new()
    };
    bail!(
        "after this run put version {new}, AWSCURRENT is {} and AWSPREVIOUS {shown}, not {new} and {sent}: something else put a value \
         into the secret at the same time (by hand, or another run). {repaired}CloudFront still sends {sent}, which the web ACL \
         allows. Make sure nothing else writes the secret, then run this command again: it goes on with the version that is \
         AWSCURRENT then",
        after.current
    )
}

/// Moves `AWSPREVIOUS` onto `to` from `holder` (Secrets Manager insists on naming it).
async fn move_previous(secrets: &Secrets, secret_id: &str, to: &str, holder: Option<&str>) -> anyhow::Result<()> {
    let holder = match holder {
        Some(holder) => Some(holder.to_owned()),
        // The caller's view may not name it (AWSPREVIOUS on the current version is not shown).
        None => labels(secrets, secret_id).await?.previous,
    };
    if holder.as_deref() == Some(to) {
        return Ok(());
    }
    let mut call = secrets.update_secret_version_stage().secret_id(secret_id).version_stage("AWSPREVIOUS").move_to_version_id(to);
    if let Some(holder) = holder {
        call = call.remove_from_version_id(holder);
    }
    call.send().await.with_context(|| format!("moving AWSPREVIOUS onto version {to}"))?;
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
    if state.status.ends_with("_FAILED") {
        bail!(
            "the stack {stack} is {}: its resources may not match its parameters. After UPDATE_ROLLBACK_FAILED, run `aws \
             cloudformation continue-update-rollback --stack-name {stack}` first, then run this command again",
            state.status
        );
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

async fn update_and_wait<W: Wait>(
    stacks: &impl Stacks,
    stack: &str,
    parameters: &[Parameter],
    pace: &Pace<W>,
    say: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
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
        pace.wait.wait(pace.poll).await;
    }
}

/// The origin-verify secret a command works on. With a stack, the stack's [`SECRET_RESOURCE`];
/// a secret also `given` (by the option or variable it names) must be that same secret, else the
/// command is refused: a rotation of another secret would move the stack onto versions of a
/// secret CloudFront and the web ACL do not read. Without a stack, the one `given`.
pub async fn secret_for(secrets: &Secrets, stack: Option<(&impl Stacks, &str)>, given: Option<(&str, String)>) -> anyhow::Result<String> {
    let Some((stacks, stack)) = stack else {
        return given.map(|(_, id)| id).context("no secret id: pass --stack, --secret-id or set ORIGIN_VERIFY_SECRET_ID");
    };
    let own = stacks.resource_id(stack, SECRET_RESOURCE).await?;
    let Some((from, id)) = given else { return Ok(own) };
    let arn = |id: String| async move {
        let out = secrets.describe_secret().secret_id(&id).send().await.with_context(|| format!("describing the secret {id}"))?;
        out.arn().map(str::to_owned).with_context(|| format!("Secrets Manager gave no ARN for {id}"))
    };
    let (own_arn, given_arn) = (arn(own.clone()).await?, arn(id.clone()).await?);
    if own_arn != given_arn {
        bail!(
            "{from} names the secret {id}, but the stack {stack}'s {SECRET_RESOURCE} is {own}: refusing to work on another secret \
             than the one CloudFront and the web ACL read. Unset {from}, or name that stack's secret"
        );
    }
    Ok(own)
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
        lines.push(where_it_stands(&plan(&labels, &sent, &allowed)));
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
        let fresh = |sent: &str| Plan::Fresh { sent: sent.into() };
        let (new, old) = ("v2".to_owned(), "v1".to_owned());
        assert_eq!(plan(&labels("v1", None), "", ""), Plan::Pin { sending: "v1".into(), also_allow: None }, "first deploy, unpinned: step 0");
        assert_eq!(plan(&labels("v1", None), "v1", ""), fresh("v1"), "pinned, nothing under way");
        assert_eq!(plan(&labels("v2", Some("v2")), "v2", ""), fresh("v2"), "after a complete rotation");
        assert_eq!(plan(&labels("v2", Some("v2")), "", ""), Plan::Pin { sending: "v2".into(), also_allow: None }, "unpinned, no other labelled version");
        assert_eq!(
            plan(&labels("v2", Some("v1")), "", ""),
            Plan::Pin { sending: "v1".into(), also_allow: Some("v2".into()) },
            "unpinned after a put: CloudFront sends the previous version or, if the distribution changed since, the current one: both allowed"
        );
        assert_eq!(plan(&labels("v2", Some("v1")), "v1", ""), Plan::AllowNew { new: new.clone(), old: old.clone() }, "after a");
        assert_eq!(plan(&labels("v2", Some("v1")), "v1", "v2"), Plan::SendNew { new: new.clone(), old: old.clone() }, "after that step 0: on to b2");
        assert_eq!(plan(&labels("v2", Some("v1")), "v1", "v2"), Plan::SendNew { new: new.clone(), old: old.clone() }, "after b1");
        assert_eq!(plan(&labels("v2", Some("v1")), "v2", "v1"), Plan::DropOld { new: new.clone(), old: old.clone() }, "after b2");
        assert_eq!(plan(&labels("v2", Some("v1")), "v2", ""), Plan::Retire { new: new.clone(), old: old.clone() }, "after c");
    }

    #[test]
    fn what_cloudfront_sends_is_covered_by_a_label_before_anything_else() {
        // A value put by hand after step a: AWSPREVIOUS left the version CloudFront sends.
        let cover = Plan::Cover { sent: "v1".into(), holder: Some("v2".into()) };
        assert_eq!(plan(&labels("v3", Some("v2")), "v1", ""), cover, "after a");
        assert_eq!(plan(&labels("v3", Some("v2")), "v1", "v2"), cover, "after b1");
        assert_eq!(plan(&labels("v3", None), "v1", ""), Plan::Cover { sent: "v1".into(), holder: None });
        // Once covered, b1 again with the version now current (the web ACL's stale one replaced).
        assert_eq!(plan(&labels("v3", Some("v1")), "v1", "v2"), Plan::AllowNew { new: "v3".into(), old: "v1".into() });
        // A value put by hand after b2: CloudFront sends v2, still AWSPREVIOUS.
        assert_eq!(plan(&labels("v3", Some("v2")), "v2", "v1"), Plan::AllowNew { new: "v3".into(), old: "v2".into() });
    }

    #[test]
    fn the_next_version_id_is_derived_from_the_old_one_and_fits_the_parameters() {
        let old = "a1b2c3d4-0000-4000-8000-000000000001";
        let next = next_version_id(old);
        assert_eq!(next, next_version_id(old), "the same from the same version");
        assert_ne!(next, old);
        assert_ne!(next_version_id(&next), next);
        assert_ne!(next_version_id("a1b2c3d4-0000-4000-8000-000000000002"), next);
        assert_eq!(next.len(), 36, "a ClientRequestToken is 32 to 64 characters");
        assert!(next.chars().all(|c| c.is_ascii_hexdigit() || c == '-'), "the parameters' pattern: {next}");
        assert_eq!(next_version_id(&next_version_id(&next)).len(), 36, "no longer rotation after rotation");
    }

    #[test]
    fn the_pause_outlasts_the_functions_cooldown_and_a_read() {
        assert!(SETTLE > REREAD_COOLDOWN, "a warm function may read again within the pause");
        assert!(SETTLE > REREAD_COOLDOWN + READ_TIMEOUT, "and finish reading");
        assert!(SETTLE > RETRY_AFTER_FAILED_READ + READ_TIMEOUT);
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
        assert!(check_stack("s", &state("UPDATE_ROLLBACK_FAILED", &ready)).unwrap_err().to_string().contains("continue-update-rollback"));
        let no_cdn = [("EdgeProtection", "false"), (SENT_VERSION, ""), (ALLOWED_PREVIOUS, "")];
        assert!(check_stack("s", &state("CREATE_COMPLETE", &no_cdn)).unwrap_err().to_string().contains("EdgeProtection=false"));
        let old_template = [("EdgeProtection", "true")];
        assert!(check_stack("s", &state("CREATE_COMPLETE", &old_template)).unwrap_err().to_string().contains(SENT_VERSION));
    }
}
