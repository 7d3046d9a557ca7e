//! Operators' resets from the command line: who the operator is, the deps the functions' wiring
//! builds for them, and one user's forced reset or invitation.

use anyhow::Context as _;
use reset_core::domain::UserId;
use reset_core::domain::mail_job::OperatorAction;
use reset_core::ports::{CampaignLedger, ForceReset, GetUser};
use reset_core::{Adapters, OperatorDeps, OperatorRefusal, OperatorRequest, Started, start_operator_reset};

/// Who runs the tool: the caller's ARN as STS sees it (an assumed role's carries its session
/// name). It goes into the jobs, the Reset Forced events and the worker's audit lines, so it is
/// taken from the credentials, never typed.
pub async fn caller(sdk: &aws_config::SdkConfig) -> anyhow::Result<String> {
    let out = aws_sdk_sts::Client::new(sdk).get_caller_identity().send().await.context("STS GetCallerIdentity (who runs the tool, for the audit trail)")?;
    out.arn.context("STS GetCallerIdentity gave no ARN")
}

/// A `--locale` tag as the service would read it (`de-AT` finds `de`); refused when no language
/// compiled in matches, rather than quietly mailing in the default one.
pub fn locale(tag: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(tag) = tag else { return Ok(None) };
    match reset_text::Locale::matching(tag) {
        Some(locale) => Ok(Some(locale.tag().to_owned())),
        None => {
            let available: Vec<&str> = reset_text::Locale::all().map(reset_text::Locale::tag).collect();
            anyhow::bail!("--locale {tag} names no language compiled in; available: {}", available.join(", "))
        }
    }
}

/// The user id as the command line gave it.
pub fn user_id(raw: &str) -> anyhow::Result<UserId> {
    UserId::parse(raw).map_err(|_| anyhow::anyhow!("{raw:?} is not a user id (1 to 256 characters, no control characters)"))
}

/// One call's end, for the exit code.
#[derive(Debug)]
pub enum Single {
    Queued(Started),
    /// The account's state says no (exit 3).
    Refused(OperatorRefusal),
    /// Nothing could be done now (exit 1).
    Failed(OperatorRefusal),
}

/// How often a call is made again when the account changed between its read and its write.
const CHANGED_TRIES: u32 = 3;

/// One forced reset or invitation.
pub async fn one<A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>>(deps: &OperatorDeps<A>, request: &OperatorRequest) -> Single {
    let mut tries = 1;
    loop {
        match start_operator_reset(deps, request).await {
            Ok(started) => return Single::Queued(started),
            Err(OperatorRefusal::Changed) if tries < CHANGED_TRIES => tries += 1,
            Err(failed @ (OperatorRefusal::Changed | OperatorRefusal::Unavailable(_))) => return Single::Failed(failed),
            Err(refused) => return Single::Refused(refused),
        }
    }
}

/// What was done, in words.
pub fn describe(action: OperatorAction, user: &UserId, started: &Started) -> String {
    match action {
        OperatorAction::Invitation => format!("queued an invitation for {user}: the mail goes out at the worker's pace"),
        OperatorAction::ForcedReset => {
            let mut changes = Vec::new();
            if started.blocked_sign_in {
                changes.push("sign-in blocked until the reset");
            }
            if started.ended_sessions {
                changes.push("sessions and earlier links ended");
            }
            let changes = if changes.is_empty() { "the account unchanged".to_owned() } else { changes.join(", ") };
            format!("queued a forced reset of {user} ({changes}): the mail goes out at the worker's pace")
        }
    }
}
