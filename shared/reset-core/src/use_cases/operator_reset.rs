//! Use case: an operator starts a reset (the admin API's `POST /admin/reset` and
//! `POST /admin/invite`, and the operator tool's `reset`, `invite` and `bulk`).
//!
//! Read the account by id (consistently); refuse, saying why, an unknown one, a disabled one, a
//! forced reset of an account with no password (invite it instead) and an invitation to one that
//! has a password (reset it instead). A forced reset then writes what it changes on the account
//! (the unusable marker over the hash, "block sign-in"; a new epoch, "end sessions") with its
//! `Reset Forced` event, in one conditional transaction, so sign-in is blocked before any mail
//! goes out; then queues one operator job for the mail worker, which signs the link when it sends
//! (for the account as it is then) and writes `Reset Link Sent` or `Invitation Sent`.
//!
//! A bulk campaign's job id is derived from the campaign and the user
//! ([`crate::domain::mail_job::campaign_job_id`]): a job the ledger knows (queued by an earlier
//! run, or handled by the worker) is skipped, so a rerun after a crash mails no one twice. The
//! worker's ledger deduplicates the rest (a run that queued a job and crashed before noting it).

use crate::domain::events::{ResetForced, SCHEMA_VERSION, forced_id};
use crate::domain::mail_job::{MailJob, OperatorAction, OperatorJob, campaign_job_id, new_job_id};
use crate::domain::{Credential, ForcedChange, User, UserId};
use crate::ports::{CampaignLedger, ForceReset, GetUser, MailQueue as _, WriteOutcome};
use crate::{Adapters, Deps, unix_now};

/// The admin function's and the operator tool's deps: what every function holds (the queue, the
/// hashing keys for the jobs' MACs), the users (read by id, written conditionally with their
/// event) and, for campaigns only (the operator tool), the job ledger. No signing key: an
/// operator starts a reset, the worker signs its link.
pub struct OperatorDeps<A: Adapters> {
    pub common: Deps<A>,
    pub users: A::Users,
    pub ledger: Option<A::Ledger>,
}

/// One operator's request, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRequest {
    pub user_id: UserId,
    pub action: OperatorAction,
    /// Forced reset only: replace the hash by the unusable marker until the reset.
    pub block_sign_in: bool,
    /// Forced reset only: move the epoch, ending sessions and outstanding links.
    pub end_sessions: bool,
    /// Who asks: the caller's IAM ARN, or the operator tool's identity. Audited and in the events.
    pub operator: String,
    /// The bulk campaign, if any: its name makes the job id.
    pub campaign: Option<String>,
    /// The mail's language (a BCP 47 tag) when the account has none of its own.
    pub locale: Option<String>,
}

/// A request accepted: the job is on the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub job_id: String,
    pub blocked_sign_in: bool,
    pub ended_sessions: bool,
}

/// Why a request was not started. The admin API is authenticated, so it may say which.
#[derive(Debug, thiserror::Error)]
pub enum OperatorRefusal {
    #[error("no user has this id")]
    UnknownUser,
    #[error("the user is disabled: nothing was sent (enable the account first)")]
    Disabled,
    #[error("the user has no password to reset: send an invitation instead")]
    NoPassword,
    #[error("the user has a password already: force a reset instead")]
    HasPassword,
    #[error("block_sign_in and end_sessions apply to a forced reset only")]
    OptionsForInvitation,
    /// The account's stored address is not one a mail can go to: a forced reset would block it
    /// with no way out, an invitation would never arrive.
    #[error("the user's stored address cannot take mail: nothing was done (fix the address first)")]
    UnusableAddress,
    /// A campaign's job the ledger knows: queued by an earlier run of the campaign.
    #[error("already queued by an earlier run of this campaign")]
    AlreadyQueued,
    /// The account changed between the read and the write (a reset, an email or status change):
    /// nothing was written or queued; asking again reads it afresh.
    #[error("the account changed during the request: nothing was done; ask again")]
    Changed,
    /// The store, the queue or the keys could not be reached: nothing was queued (a forced
    /// reset's write may stand; asking again repeats it harmlessly).
    #[error("a backing service is unavailable")]
    Unavailable(#[source] anyhow::Error),
}

impl OperatorRefusal {
    /// A stable code for programs (the API's `error`, the campaign report's reason).
    pub fn code(&self) -> &'static str {
        match self {
            OperatorRefusal::UnknownUser => "unknown_user",
            OperatorRefusal::Disabled => "user_disabled",
            OperatorRefusal::NoPassword => "no_password",
            OperatorRefusal::HasPassword => "has_password",
            OperatorRefusal::OptionsForInvitation => "bad_request",
            OperatorRefusal::UnusableAddress => "unusable_address",
            OperatorRefusal::AlreadyQueued => "already_queued",
            OperatorRefusal::Changed => "changed",
            OperatorRefusal::Unavailable(_) => "unavailable",
        }
    }
}

/// Starts one operator's reset or invitation (see the module's documentation).
#[tracing::instrument(name = "operator_reset", skip_all, fields(user_id = %request.user_id, action = request.action.as_str(), job_id))]
pub async fn start_operator_reset<A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>>(
    deps: &OperatorDeps<A>,
    request: &OperatorRequest,
) -> Result<Started, OperatorRefusal> {
    let started = start(deps, request).await;
    let campaign = request.campaign.as_deref().unwrap_or("-");
    match &started {
        Ok(started) => tracing::info!(
            audit = "operator_reset",
            outcome = "queued",
            action = request.action.as_str(),
            user_id = %request.user_id,
            operator = %request.operator,
            campaign,
            job_id = %started.job_id,
            blocked_sign_in = started.blocked_sign_in,
            ended_sessions = started.ended_sessions,
            "an operator's reset was started"
        ),
        Err(OperatorRefusal::Unavailable(err)) => tracing::error!(
            audit = "operator_reset",
            outcome = "unavailable",
            error = ?err,
            user_id = %request.user_id,
            operator = %request.operator,
            campaign,
            "an operator's reset failed: a backing service is unavailable"
        ),
        Err(refusal) => tracing::info!(
            audit = "operator_reset",
            outcome = refusal.code(),
            action = request.action.as_str(),
            user_id = %request.user_id,
            operator = %request.operator,
            campaign,
            "an operator's reset was refused"
        ),
    }
    started
}

/// Whether `action` may start on `user` as read: an active account with an address a mail can go
/// to, and a password to reset (or the forced reset's marker) or none to invite. The operator
/// tool's dry run asks the same.
pub fn eligible(action: OperatorAction, user: &User) -> Result<(), OperatorRefusal> {
    if !user.active {
        return Err(OperatorRefusal::Disabled);
    }
    if user.email.mailbox().is_none() {
        return Err(OperatorRefusal::UnusableAddress);
    }
    match (action, user.credential()) {
        (OperatorAction::ForcedReset, Credential::None) => Err(OperatorRefusal::NoPassword),
        (OperatorAction::Invitation, Credential::Password | Credential::ResetRequired) => Err(OperatorRefusal::HasPassword),
        _ => Ok(()),
    }
}

async fn start<A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>>(
    deps: &OperatorDeps<A>,
    request: &OperatorRequest,
) -> Result<Started, OperatorRefusal> {
    let forced = request.action == OperatorAction::ForcedReset;
    if !forced && (request.block_sign_in || request.end_sessions) {
        return Err(OperatorRefusal::OptionsForInvitation);
    }
    let job_id = match &request.campaign {
        Some(campaign) => campaign_job_id(campaign, request.user_id.as_ref()),
        None => new_job_id().map_err(OperatorRefusal::Unavailable)?,
    };
    tracing::Span::current().record("job_id", job_id.as_str());
    let ledger = deps.ledger.as_ref().filter(|_| request.campaign.is_some());
    if let Some(ledger) = ledger
        && ledger.knows(&job_id).await.map_err(OperatorRefusal::Unavailable)?
    {
        return Err(OperatorRefusal::AlreadyQueued);
    }
    // The keys before anything is written: without them nothing can be queued.
    let hashing = deps.common.hashing.get().await.map_err(OperatorRefusal::Unavailable)?;
    let user = deps.users.get_user(&request.user_id).await.map_err(OperatorRefusal::Unavailable)?.ok_or(OperatorRefusal::UnknownUser)?;
    eligible(request.action, &user)?;
    let now = unix_now();
    if forced {
        let event = ResetForced {
            schema_version: SCHEMA_VERSION,
            event_id: forced_id(&job_id),
            user_id: user.id.as_ref().to_owned(),
            job_id: job_id.clone(),
            operator: request.operator.clone(),
            campaign: request.campaign.clone(),
            blocked_sign_in: request.block_sign_in,
            ended_sessions: request.end_sessions,
            forced_at: now,
        };
        let change = ForcedChange {
            user_id: user.id.clone(),
            expected_email: user.email.as_stored().to_owned(),
            expected_hash: user.password_hash.clone(),
            expected_status: user.status.clone(),
            // Behind the configured `{id}` prefix, as every hash the service writes.
            new_hash: request.block_sign_in.then(|| format!("{}{}", deps.common.settings.password_storage.prefix, login_password::formats::RESET_REQUIRED)),
            new_epoch: request.end_sessions.then_some(now),
            event: event.into_event(),
        };
        match deps.users.force_reset(&change).await.map_err(OperatorRefusal::Unavailable)? {
            WriteOutcome::Written => {}
            WriteOutcome::Conflict => return Err(OperatorRefusal::Changed),
        }
    }
    let job = MailJob::Operator(OperatorJob {
        id: job_id.clone(),
        user_id: user.id.as_ref().to_owned(),
        action: request.action,
        requested_at: now,
        operator: request.operator.clone(),
        campaign: request.campaign.clone(),
        locale: request.locale.clone(),
    });
    let signed = job.sign(&hashing).map_err(|err| OperatorRefusal::Unavailable(err.into()))?;
    deps.common.queue.enqueue(&signed).await.map_err(OperatorRefusal::Unavailable)?;
    if let Some(ledger) = ledger
        && let Err(err) = ledger.note_queued(&job_id, now).await
    {
        // The job is queued: a rerun that queues it again is a duplicate the worker drops.
        tracing::warn!(error = ?err, "a campaign's job was queued but not noted; a rerun queues it again, and the worker sends one mail");
    }
    Ok(Started { job_id, blocked_sign_in: forced && request.block_sign_in, ended_sessions: forced && request.end_sessions })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::events::EventKind;
    use crate::domain::mail_job::Lane;
    use crate::domain::{StoredEmail, User};
    use crate::memory::{InMemory, MemoryHashKeys, MemoryJobLedger, MemoryLimits, MemoryQueue, MemoryUsers};
    use crate::settings::{Settings, parse_page_url};

    const OLD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$stand-in";

    async fn deps(campaigns: bool) -> OperatorDeps<InMemory> {
        let users = MemoryUsers::default();
        let accounts = [
            ("u-pw", OLD_HASH, "active"),
            ("u-none", "", "active"),
            ("u-django-none", "!unusable", "active"),
            ("u-off", OLD_HASH, "disabled"),
            ("u-nomail", OLD_HASH, "active"),
        ];
        for (id, hash, status) in accounts {
            let email = if id == "u-nomail" { "not an address".to_owned() } else { format!("{id}@example.com") };
            users.insert(User {
                id: UserId::parse(id).unwrap(),
                email: StoredEmail::new(email),
                password_hash: hash.into(),
                active: status == "active",
                status: status.into(),
                epoch: "1700000000".into(),
                locale: None,
            });
        }
        let hash_keys = MemoryHashKeys::new(r#"{"current": "h", "h": "hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#);
        let common = crate::Deps {
            limits: MemoryLimits::default(),
            queue: MemoryQueue::default(),
            hashing: crate::KeyCache::load(hash_keys, Duration::from_secs(60)).await,
            settings: Settings::for_reset_page(parse_page_url("https://auth.example.com/reset-password").unwrap()),
        };
        OperatorDeps { common, users, ledger: campaigns.then(MemoryJobLedger::default) }
    }

    fn request(user: &str, action: OperatorAction) -> OperatorRequest {
        OperatorRequest {
            user_id: UserId::parse(user).unwrap(),
            action,
            block_sign_in: false,
            end_sessions: false,
            operator: "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice".into(),
            campaign: None,
            locale: None,
        }
    }

    fn user(deps: &OperatorDeps<InMemory>, id: &str) -> User {
        deps.users.get(&UserId::parse(id).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_forced_reset_queues_one_job_with_its_event_and_changes_the_account_only_as_asked() {
        let deps = deps(false).await;
        let started = start_operator_reset(&deps, &request("u-pw", OperatorAction::ForcedReset)).await.unwrap();
        assert_eq!((started.blocked_sign_in, started.ended_sessions), (false, false));
        assert_eq!(
            (user(&deps, "u-pw").password_hash.as_str(), user(&deps, "u-pw").epoch.as_str()),
            (OLD_HASH, "1700000000"),
            "nothing asked, nothing changed"
        );
        let jobs = deps.common.queue.take();
        assert_eq!(jobs.len(), 1);
        let MailJob::Operator(job) = &jobs[0] else { panic!("not an operator job: {:?}", jobs[0]) };
        assert_eq!(
            (job.id.as_str(), job.user_id.as_str(), job.action, jobs[0].lane()),
            (started.job_id.as_str(), "u-pw", OperatorAction::ForcedReset, Lane::Links)
        );
        assert!(job.operator.contains("assumed-role/ResetOperators/alice"));
        let events = deps.users.outbox.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].check(unix_now()), Ok(EventKind::ResetForced));
        let detail: serde_json::Value = serde_json::from_str(&events[0].detail).unwrap();
        assert_eq!((detail["job_id"].as_str(), detail["blocked_sign_in"].as_bool()), (Some(started.job_id.as_str()), Some(false)));

        // Block sign-in and end sessions: the marker over the hash, a new epoch, before any mail.
        let blocking = OperatorRequest { block_sign_in: true, end_sessions: true, ..request("u-pw", OperatorAction::ForcedReset) };
        let started = start_operator_reset(&deps, &blocking).await.unwrap();
        assert_eq!((started.blocked_sign_in, started.ended_sessions), (true, true));
        let after = user(&deps, "u-pw");
        assert_eq!(after.password_hash, login_password::formats::RESET_REQUIRED);
        assert_eq!(after.credential(), Credential::ResetRequired);
        assert!(after.epoch.parse::<u64>().unwrap() > 1_700_000_000);
        assert!(!login_password::verify("the old password", &after.password_hash), "no verifier accepts the marker");
        // A second forced reset of a blocked account is allowed (the marker counts as a password to reset).
        assert!(start_operator_reset(&deps, &request("u-pw", OperatorAction::ForcedReset)).await.is_ok());
    }

    /// With a configured `{id}` prefix (Spring), the marker is written behind it, and still read
    /// as the marker.
    #[tokio::test]
    async fn the_marker_is_written_behind_the_configured_prefix() {
        let mut deps = deps(false).await;
        deps.common.settings.password_storage.prefix = "{bcrypt}".into();
        let blocking = OperatorRequest { block_sign_in: true, ..request("u-pw", OperatorAction::ForcedReset) };
        start_operator_reset(&deps, &blocking).await.unwrap();
        let after = user(&deps, "u-pw");
        assert_eq!(after.password_hash, "{bcrypt}!password-reset-required");
        assert_eq!(after.credential(), Credential::ResetRequired);
        assert!(!login_password::verify("anything", &after.password_hash));
    }

    #[tokio::test]
    async fn refusals_say_why_and_change_nothing() {
        let deps = deps(false).await;
        let cases = [
            (request("u-nobody", OperatorAction::ForcedReset), "unknown_user"),
            (request("u-off", OperatorAction::ForcedReset), "user_disabled"),
            (request("u-off", OperatorAction::Invitation), "user_disabled"),
            (request("u-none", OperatorAction::ForcedReset), "no_password"),
            (request("u-django-none", OperatorAction::ForcedReset), "no_password"),
            (request("u-pw", OperatorAction::Invitation), "has_password"),
            (request("u-nomail", OperatorAction::ForcedReset), "unusable_address"),
            (OperatorRequest { block_sign_in: true, ..request("u-none", OperatorAction::Invitation) }, "bad_request"),
            (OperatorRequest { end_sessions: true, ..request("u-none", OperatorAction::Invitation) }, "bad_request"),
        ];
        for (request, code) in cases {
            let blocked = OperatorRequest { block_sign_in: request.block_sign_in || request.action == OperatorAction::ForcedReset, ..request.clone() };
            assert_eq!(start_operator_reset(&deps, &blocked).await.unwrap_err().code(), code, "{request:?}");
        }
        assert!(deps.common.queue.take().is_empty(), "nothing queued");
        assert!(deps.users.outbox.events().is_empty(), "no event");
        assert_eq!(user(&deps, "u-off").password_hash, OLD_HASH, "a disabled account is not blocked either");
        // Invitations go to accounts with no password, whatever marks it.
        for id in ["u-none", "u-django-none"] {
            assert!(start_operator_reset(&deps, &request(id, OperatorAction::Invitation)).await.is_ok(), "{id}");
        }
        assert_eq!(deps.common.queue.take().len(), 2);
        assert!(deps.users.outbox.events().is_empty(), "an invitation's event is the worker's, when it sends");
    }

    #[tokio::test]
    async fn a_campaign_run_again_queues_no_job_twice() {
        let deps = deps(true).await;
        let in_campaign = |id| OperatorRequest { campaign: Some("breach-2026-12".into()), block_sign_in: true, ..request(id, OperatorAction::ForcedReset) };
        let first = start_operator_reset(&deps, &in_campaign("u-pw")).await.unwrap();
        assert_eq!(first.job_id, campaign_job_id("breach-2026-12", "u-pw"));
        let again = start_operator_reset(&deps, &in_campaign("u-pw")).await.unwrap_err();
        assert_eq!(again.code(), "already_queued");
        assert_eq!(deps.common.queue.take().len(), 1);
        assert_eq!(deps.users.outbox.events().len(), 1);
        // Another campaign is another job.
        let other = OperatorRequest { campaign: Some("breach-2027-01".into()), ..in_campaign("u-pw") };
        assert_ne!(start_operator_reset(&deps, &other).await.unwrap().job_id, first.job_id);
    }

    /// The run that crashed after queueing but before noting: the rerun queues the same job id
    /// (the worker's ledger sends one mail) and does not write a second event.
    #[tokio::test]
    async fn a_campaign_job_queued_but_not_noted_is_queued_again_under_the_same_id() {
        let deps = deps(true).await;
        let in_campaign = OperatorRequest { campaign: Some("c".into()), block_sign_in: true, ..request("u-pw", OperatorAction::ForcedReset) };
        let first = start_operator_reset(&deps, &in_campaign).await.unwrap();
        // Forget the note, as a crash between the queue and the ledger would.
        let forgetful = OperatorDeps { common: deps.common, users: deps.users.clone(), ledger: Some(MemoryJobLedger::default()) };
        let second = start_operator_reset(&forgetful, &in_campaign).await.unwrap();
        assert_eq!(second.job_id, first.job_id);
        let jobs = forgetful.common.queue.take();
        assert_eq!(jobs.iter().map(MailJob::id).collect::<Vec<_>>(), [first.job_id.as_str(), first.job_id.as_str()]);
        assert_eq!(forgetful.users.outbox.events().len(), 1, "the event was put once");
    }
}
