//! Use case: the mail worker delivers one queued job ([`MailJob`]).
//!
//! A reset link: drop it if it waited too long, claim it (so a message delivered twice sends one
//! mail), spend the address's request budgets (the requester network's own, then the address's
//! per-minute one), look the account up, spend the address's daily cap only when there is a mail
//! to send, sign a link that lives from now, send. A password-changed notice: claim, read the
//! account by id, send to the address stored now (never to one the job names).
//! A job whose time is implausible (ahead of this clock by more than [`MAX_CLOCK_SKEW_SECS`], or a
//! notice older than [`MAX_NOTICE_AGE_SECS`]) is settled as malformed before anything is claimed:
//! a job from the future would otherwise never go stale.
//! A failure worth retrying releases the claim and asks for the message back; anything else
//! settles the message for good, with a log line (and a metric where an operator must look).
//!
//! The use case, not the mailer, owns the pace ([`Pace`], one per queue: [`Paces`]): a reset link
//! that gets as far as the account lookup takes one send slot whatever the lookup finds (unknown,
//! disabled, unusable, capped or sent), so a job's existence-dependent outcome never shifts when
//! the next job on the same worker goes out. Jobs settled before the lookup, for reasons that do
//! not depend on the account (stale, duplicate, malformed, the request budgets), take none; a
//! notice takes one when it sends.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reset_text::{Locale, locale};
use reset_token::{Code, Purpose};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::domain::events::{InvitationSent, invitation_sent_id};
use crate::domain::events::{OutboxEvent, ResetLinkSent, SCHEMA_VERSION, link_sent_id};
use crate::domain::mail_job::{ChangedJob, Lane, MailJob, ResetLinkJob};
use crate::domain::mail_job::{OperatorAction, OperatorJob};
use crate::domain::{Credential, Email, User, UserId};
use crate::ports::{Claim, CodeLinks as _, CountHits as _, FindUserByEmail, GetUser, Hit, JobLedger as _, Mail, MailError, Mailer, SharedSlots};
use crate::settings::Settings;
use crate::{Adapters, DeliveryDeps, unix_now};

/// How long one delivery owns a job: longer than the worker's timeout, so a live attempt is never
/// overtaken; short enough that a crashed one blocks nothing for long.
pub const JOB_LEASE_SECS: u64 = 60;

/// The waits between the tries of a settled job's record (with its event).
const FINISH_RETRY_WAITS: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(250)];

/// How far ahead of the worker's clock a job's time may lie: the functions' clocks differ a
/// little, never by minutes.
pub const MAX_CLOCK_SKEW_SECS: u64 = 5 * 60;

/// The oldest change a notice may report: SQS keeps no message longer than 14 days (whichever
/// queue, dead-letter queue included, it waited in), so an older time was never a real job's.
pub const MAX_NOTICE_AGE_SECS: u64 = 14 * 86_400;

/// Port: writes the two mails the worker sends, in the reader's language. What a mail says
/// follows from the settings; how it looks (templates, HTML) is presentation: `reset_pages::MAILS`.
pub trait ComposeMail: Send + Sync {
    /// The mail that carries a reset link, and beside it the link's code (for a reader who
    /// resets on another device: [`reset_token::Code`], shown as its `Display` writes it).
    fn reset_link(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail>;
    /// The notice sent after a password was changed (`changed_at`: Unix seconds), with the "this
    /// wasn't me" link (`dispute`) when there is one.
    fn password_changed(&self, settings: &Settings, locale: Locale, to: Email, changed_at: u64, dispute: Option<&str>) -> anyhow::Result<Mail>;
    /// The mail of a reset an operator forced: "an operator requires a new password", with the
    /// link (which lives `settings.token_ttl`, as any reset link).
    fn forced_reset(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail>;
    /// An invitation to an account with no password: "choose your password", with the link
    /// (which lives `settings.invitation_ttl`).
    fn invitation(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail>;
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Done with this message, whatever the outcome: it must not come back.
    Settled(Settled),
    /// It failed for now: the message should come back later.
    Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// This job was handled by an earlier delivery of the same message.
    Duplicate,
    /// The job waited longer than the configured age; a late link confuses more than it helps.
    Stale,
    /// One of the address's budgets is spent; nothing was looked up or sent.
    RateLimited,
    UnknownAccount,
    DisabledAccount,
    /// The stored address is not one we can safely send to.
    UnusableAddress,
    /// The mail service refused this mail for good.
    Refused,
    /// The message is not a job this worker can read.
    Malformed,
    /// The account has no password (absent, empty or unusable): a reset link would give it one.
    /// Only an invitation may (or, when set, the forgot page).
    NoPassword,
    /// An invitation to an account that has a password by now: a reset is what it needs.
    HasPassword,
}

impl Settled {
    pub fn as_str(self) -> &'static str {
        match self {
            Settled::Sent => "sent",
            Settled::Duplicate => "duplicate",
            Settled::Stale => "stale",
            Settled::RateLimited => "rate_limited",
            Settled::UnknownAccount => "unknown_account",
            Settled::DisabledAccount => "disabled_account",
            Settled::UnusableAddress => "unusable_address",
            Settled::Refused => "refused",
            Settled::Malformed => "malformed",
            Settled::NoPassword => "no_password",
            Settled::HasPassword => "has_password",
        }
    }
}

/// A failed attempt: whether its rate-limit hits were spent (so a retry does not spend them
/// twice), and why it failed.
struct Failed {
    counted: bool,
    cause: anyhow::Error,
}

fn failed(counted: bool) -> impl FnOnce(anyhow::Error) -> Failed {
    move |cause| Failed { counted, cause }
}

/// Delivers one job received from `lane`'s queue, whose share of the send rate paces it.
/// `attempt` is how often the queue has handed this message out (1 = first).
#[tracing::instrument(name = "deliver_mail", skip_all, fields(job_id = job.id(), kind = job.kind(), lane = lane.as_str(), attempt, token_id))]
pub async fn deliver_mail<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &MailJob,
    attempt: u32,
    lane: Lane,
) -> Delivery {
    tracing::Span::current().record("attempt", attempt);
    let pace = deps.paces.of(lane);
    match job {
        MailJob::ResetLink(job) => deliver_reset_link(deps, job, pace).await,
        MailJob::PasswordChanged(job) => deliver_changed_notice(deps, job, pace).await,
        MailJob::Operator(job) => deliver_operator_job(deps, job, pace).await,
    }
}

/// Settles a job that cannot be genuine as it stands, with the metric operators watch; `why`
/// names the field, never its value.
fn malformed(audit: &'static str, why: &'static str) -> Delivery {
    tracing::error!(audit, outcome = "malformed", reason = why, metric = "mail_job_malformed", "mail job dropped: it cannot be genuine as it stands");
    Delivery::Settled(Settled::Malformed)
}

/// Whether `at` lies further ahead of `now` than the clocks of two functions can differ.
fn in_the_future(at: u64, now: u64) -> bool {
    at > now.saturating_add(MAX_CLOCK_SKEW_SECS)
}

async fn deliver_reset_link<A: Adapters<Users: FindUserByEmail>, M: Mailer>(deps: &DeliveryDeps<A, M>, job: &ResetLinkJob, pace: &Pace) -> Delivery {
    let now = unix_now();
    if in_the_future(job.requested_at, now) {
        return malformed("reset_mail", "requested_at lies in the future");
    }
    let age = now.saturating_sub(job.requested_at);
    if age > deps.common.settings.mail_max_age.as_secs() {
        tracing::warn!(audit = "reset_mail", outcome = "stale", age_secs = age, metric = "reset_mail_stale", "reset mail dropped: it waited too long");
        return Delivery::Settled(Settled::Stale);
    }
    let Ok(email) = Email::parse(&job.email) else {
        tracing::error!(audit = "reset_mail", outcome = "malformed", metric = "mail_job_malformed", "reset mail dropped: the queued address does not parse");
        return Delivery::Settled(Settled::Malformed);
    };
    claimed(deps, &job.id, |counted| send_reset_link(deps, job, &email, counted, pace)).await
}

/// Runs `attempt` while holding the job's claim: finishes the job when it settles (with the
/// event the settling produced, written in the same transaction as the ledger's record), releases
/// it when it fails (keeping whether its budget was spent).
async fn claimed<A, M, F, Fut>(deps: &DeliveryDeps<A, M>, job_id: &str, attempt: F) -> Delivery
where
    A: Adapters<Users: FindUserByEmail>,
    M: Mailer,
    F: FnOnce(bool) -> Fut,
    Fut: Future<Output = Result<(Settled, Option<OutboxEvent>), Failed>>,
{
    let counted = match deps.ledger.claim(job_id, unix_now(), JOB_LEASE_SECS).await {
        Ok(Claim::Mine { counted }) => counted,
        Ok(Claim::Done) => {
            tracing::info!(outcome = "duplicate", "mail job was handled before; nothing sent");
            return Delivery::Settled(Settled::Duplicate);
        }
        Ok(Claim::Busy) => {
            tracing::warn!(outcome = "busy", "another delivery of this mail job is running; it comes back later");
            return Delivery::Retry;
        }
        Err(err) => {
            tracing::error!(error = ?err, metric = "mail_retry", "the job ledger is unavailable; the mail comes back later");
            return Delivery::Retry;
        }
    };
    tracing::debug!(budgets_spent = counted, "mail job claimed");
    match attempt(counted).await {
        Ok((settled, event)) => {
            // The mail is out: the record (and its event) is worth a few tries here, since the
            // message is settled either way (sending it again would mail twice).
            let mut recorded = deps.ledger.finish(job_id, event.as_ref()).await;
            for wait in FINISH_RETRY_WAITS {
                if recorded.is_ok() {
                    break;
                }
                tokio::time::sleep(wait).await;
                recorded = deps.ledger.finish(job_id, event.as_ref()).await;
            }
            if let Err(err) = recorded {
                // The outcome stands; the job may be handled again once its lease ends (the log
                // shows it). The event's detail (an id, a job, a link id, times: nothing secret)
                // is logged whole, for an operator to put on the bus by hand (RUNBOOK.md).
                let (lost, detail) = event.as_ref().map(|event| (event.detail_type.as_str(), event.detail.as_str())).unzip();
                tracing::error!(error = ?err, event = lost, event_detail = detail, metric = "mail_job_not_recorded", "mail job settled but not recorded as done");
            }
            Delivery::Settled(settled)
        }
        Err(Failed { counted, cause }) => {
            tracing::error!(error = ?cause, metric = "mail_retry", "mail not sent this time; it comes back later");
            if let Err(err) = deps.ledger.release(job_id, counted).await {
                tracing::warn!(error = ?err, "mail job not released; it is claimable again when its lease ends");
            }
            Delivery::Retry
        }
    }
}

async fn send_reset_link<A: Adapters<Users: FindUserByEmail>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &ResetLinkJob,
    email: &Email,
    counted: bool,
    pace: &Pace,
) -> Result<(Settled, Option<OutboxEvent>), Failed> {
    // Both rings before anything is spent: without them a retry comes back to the same point.
    let hashing = deps.common.hashing.get().await.map_err(failed(counted))?;
    let ring = deps.signing.get().await.map_err(failed(counted))?;
    let email_hash = hashing.audit_hash(email.as_ref());
    let audit = |outcome: Settled| {
        tracing::info!(audit = "reset_mail", outcome = outcome.as_str(), email_hash = %email_hash, request_id = job.request_id.as_deref().unwrap_or("-"), "reset mail settled");
        outcome
    };
    if !counted && spend_request_budgets(deps, &email_hash, &job.requester).await.map_err(failed(false))? != Hit::Allowed {
        return Ok((audit(Settled::RateLimited), None));
    }
    // Spent (now or by an earlier attempt): from here on a retry must not spend them again.
    // One send slot from here, whatever the lookup finds: were only sends paced, an account's
    // existence would delay the next job on this worker by one interval, which its requester
    // could time.
    pace.slot().await;
    let user = deps.users.find_by_email(email).await.map_err(failed(true))?;
    tracing::trace!(found = user.is_some(), "account looked up by address");
    let mut event = None;
    let outcome = match user {
        None => Settled::UnknownAccount,
        Some(user) if !user.active => Settled::DisabledAccount,
        Some(user) if user.credential() == Credential::None && !deps.common.settings.passwordless_may_request => Settled::NoPassword,
        Some(user) => match user.email.mailbox() {
            None => Settled::UnusableAddress,
            // The daily cap counts mails, not requests: spent here, where a mail is about to go
            // out. Only on the attempt that spent the request budgets: a retry after a failed
            // send does not count the same mail twice (one whose lookup failed before the cap
            // was spent goes uncounted: the cap may miss a mail, it never counts a mail twice).
            Some(_) if !counted && spend_daily_cap(deps, &email_hash).await.map_err(failed(true))? != Hit::Allowed => Settled::RateLimited,
            Some(to) => {
                // Signed now, so the link's lifetime counts from the mail, not from the request.
                let issued_at = unix_now();
                let issued = ring.issue(user.binding(), issued_at, deps.common.settings.token_ttl.as_secs()).map_err(|e| failed(true)(e.into()))?;
                // The link's id (its `jti`): a later confirm logs the same one.
                tracing::Span::current().record("token_id", issued.token_id.as_str());
                let locale = locale::for_mail(user.locale.as_deref(), job.locale.as_deref(), deps.common.settings.default_locale);
                let link = deps.common.settings.reset_link(&issued.token, Some(locale));
                let mail = deps.mails.reset_link(&deps.common.settings, locale, to.clone(), &link, &issued.code).map_err(failed(true))?;
                let sent = send_noting_code(deps, &hashing, to, &issued, &mail).await?;
                if sent == Settled::Sent {
                    event = Some(link_sent(&job.id, &user, &issued, issued_at, job.request_id.clone(), locale));
                }
                sent
            }
        },
    };
    Ok((audit(outcome), event))
}

/// Sends a link's mail and, at the same time, notes its link for a code check
/// ([`crate::check_code`]): the note takes a DynamoDB write's time, and made one after the other
/// they would slow every worker below its share of the send rate. The note is done in
/// milliseconds, long before the mail reaches an inbox. A note that fails when the mail went out
/// cannot be retried (the job would mail twice): the mail's code is refused while its link works,
/// logged with a metric. When the mail did not go out, the job comes back as for any failure.
async fn send_noting_code<A: Adapters<Users: FindUserByEmail>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    hashing: &reset_token::HashRing,
    to: &Email,
    issued: &reset_token::Issued,
    mail: &Mail,
) -> Result<Settled, Failed> {
    let key = crate::use_cases::check_code::links_key(&hashing.audit_hash(to.as_ref()));
    // Boxed: two futures side by side would double this step's share of every delivery's state.
    let (noted, sent) = tokio::join!(Box::pin(deps.common.limits.note_link(&key, &issued.record, unix_now())), Box::pin(send(deps, mail)));
    let sent = sent?;
    match noted {
        Ok(()) => tracing::trace!("the link's code noted for the address"),
        Err(err) if sent == Settled::Sent => {
            tracing::error!(error = ?err, metric = "code_not_noted", "a link was mailed but its code was not noted: the code is refused, the link works");
        }
        Err(err) => tracing::warn!(error = ?err, "the link's code was not noted; its mail was not sent either"),
    }
    Ok(sent)
}

/// The `Reset Link Sent` of a link mailed to `user` by job `job_id` (a user's request, or an
/// operator's forced reset).
fn link_sent(job_id: &str, user: &User, issued: &reset_token::Issued, issued_at: u64, request_id: Option<String>, locale: Locale) -> OutboxEvent {
    ResetLinkSent {
        schema_version: SCHEMA_VERSION,
        event_id: link_sent_id(job_id),
        user_id: user.id.as_ref().to_owned(),
        job_id: job_id.to_owned(),
        link_id: issued.token_id.clone(),
        sent_at: issued_at,
        expires_at: issued.expires_at,
        request_id,
        locale: locale.tag().to_owned(),
    }
    .into_event()
}

/// Spends one hit of the budgets a request for an address meets, the requester's own first: a
/// requester over its budget spends nothing of what other requesters share. Then the address's
/// per-minute budget, before anything daily is shared: requests that come together (many
/// networks asking in one minute) spend one minute, not the owner's day. `Limited` if either is
/// spent.
async fn spend_request_budgets<A: Adapters<Users: FindUserByEmail>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    email_hash: &str,
    requester: &str,
) -> anyhow::Result<Hit> {
    let limits = deps.common.settings.rate_limits;
    let budgets = [(format!("email#{email_hash}#from#{requester}"), limits.email_per_day, DAY), (format!("email#{email_hash}"), limits.email_per_minute, 60)];
    for (key, limit, window) in budgets {
        let hit = spend(deps, &key, limit, window).await?;
        if hit != Hit::Allowed {
            return Ok(hit);
        }
    }
    Ok(Hit::Allowed)
}

/// Spends one of the address's mails for the day, whoever asked (a metric when it is spent).
async fn spend_daily_cap<A: Adapters<Users: FindUserByEmail>, M: Mailer>(deps: &DeliveryDeps<A, M>, email_hash: &str) -> anyhow::Result<Hit> {
    let hit = spend(deps, &format!("email#{email_hash}"), deps.common.settings.rate_limits.email_per_day_total, DAY).await?;
    if hit != Hit::Allowed {
        tracing::warn!(metric = "email_daily_cap_reached", "an address reached its daily cap of mails, whoever asked");
    }
    Ok(hit)
}

const DAY: u64 = 86_400;

async fn spend<A: Adapters<Users: FindUserByEmail>, M: Mailer>(deps: &DeliveryDeps<A, M>, key: &str, limit: u32, window: u64) -> anyhow::Result<Hit> {
    let hit = deps.common.limits.hit(&format!("{key}#{window}"), limit, window, unix_now()).await?;
    tracing::trace!(window_secs = window, limit, allowed = hit == Hit::Allowed, "address budget counted");
    Ok(hit)
}

async fn deliver_changed_notice<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &ChangedJob,
    pace: &Pace,
) -> Delivery {
    let now = unix_now();
    if in_the_future(job.changed_at, now) {
        return malformed("changed_mail", "changed_at lies in the future");
    }
    if job.changed_at < now.saturating_sub(MAX_NOTICE_AGE_SECS) {
        return malformed("changed_mail", "changed_at is older than any queued message can be");
    }
    let Ok(user_id) = UserId::parse(&job.user_id) else {
        return malformed("changed_mail", "user_id is not a user id");
    };
    claimed(deps, &job.id, |_| send_changed_notice(deps, job, &user_id, pace)).await
}

/// The notice goes to the address the account holds now, read by id: a job names an account,
/// never where to write. A disabled account is still told (a change followed by a disabling is
/// exactly when its owner needs to know); an account that is gone is not.
async fn send_changed_notice<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &ChangedJob,
    user_id: &UserId,
    pace: &Pace,
) -> Result<(Settled, Option<OutboxEvent>), Failed> {
    let user = deps.users.get_user(user_id).await.map_err(failed(true))?;
    let outcome = match &user {
        None => Settled::UnknownAccount,
        Some(user) => match user.email.mailbox() {
            None => Settled::UnusableAddress,
            Some(to) => {
                // The confirm chose the language (the account's, else its request's); else the default.
                let locale = locale::for_mail(None, job.locale.as_deref(), deps.common.settings.default_locale);
                let dispute = dispute_link(deps, user, job.changed_at, locale).await?;
                match deps.mails.password_changed(&deps.common.settings, locale, to.clone(), job.changed_at, dispute.as_deref()) {
                    // A notice is asked for by a confirm, whose answer tells nothing of the
                    // account anyway: it takes a slot only when it sends.
                    Ok(mail) => {
                        pace.slot().await;
                        send(deps, &mail).await?
                    }
                    // Writing it again would fail again: settled, not retried until the DLQ.
                    Err(err) => {
                        tracing::error!(error = ?err, metric = "mail_job_malformed", "the notice could not be written; dropped");
                        Settled::Malformed
                    }
                }
            }
        },
    };
    let active = user.as_ref().map(|u| u.active);
    tracing::info!(audit = "changed_mail", outcome = outcome.as_str(), user_id = %job.user_id, active, "password-changed notice settled");
    Ok((outcome, None))
}

/// The oldest operator job the worker still sends (Unix seconds of age): the queue keeps a
/// message 4 days, and a forced reset or an invitation is still wanted days later (its link is
/// signed now, so it lives its full lifetime from the mail).
pub const MAX_OPERATOR_JOB_AGE_SECS: u64 = 4 * 86_400;

/// The most operators' mails one account gets a day, whoever queued them: enough for a forced
/// reset, an invitation and a few repeats; a bound on what a forged job could do (every function
/// that holds the hashing key can MAC a job, request-reset included), since operator jobs spend no
/// address budget.
pub const OPERATOR_MAILS_PER_ACCOUNT_PER_DAY: u32 = 5;

async fn deliver_operator_job<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(deps: &DeliveryDeps<A, M>, job: &OperatorJob, pace: &Pace) -> Delivery {
    let now = unix_now();
    let audit = job.action.as_str();
    if in_the_future(job.requested_at, now) {
        return malformed(audit, "requested_at lies in the future");
    }
    if job.requested_at < now.saturating_sub(MAX_OPERATOR_JOB_AGE_SECS) {
        return malformed(audit, "requested_at is older than any queued message can be");
    }
    let Ok(user_id) = UserId::parse(&job.user_id) else {
        return malformed(audit, "user_id is not a user id");
    };
    claimed(deps, &job.id, |counted| send_operator_mail(deps, job, &user_id, counted, pace)).await
}

/// An operator's mail goes to the address the account holds now, read by id, and only while the
/// account still is what the operator's call found: active, and for a forced reset with a
/// password (or the forced reset's marker), for an invitation without one. No address budget is
/// spent: an authenticated operator asked, and the campaign paces itself.
async fn send_operator_mail<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &OperatorJob,
    user_id: &UserId,
    counted: bool,
    pace: &Pace,
) -> Result<(Settled, Option<OutboxEvent>), Failed> {
    let ring = deps.signing.get().await.map_err(failed(counted))?;
    let hashing = deps.common.hashing.get().await.map_err(failed(counted))?;
    if !counted {
        let key = format!("operator#{}", hashing.audit_hash(user_id.as_ref()));
        if spend(deps, &key, OPERATOR_MAILS_PER_ACCOUNT_PER_DAY, DAY).await.map_err(failed(false))? != Hit::Allowed {
            tracing::warn!(metric = "operator_mail_not_sent", reason = "rate_limited", user_id = %job.user_id, "an account reached its daily cap of operators' mails");
            return Ok((Settled::RateLimited, None));
        }
    }
    pace.slot().await;
    let user = deps.users.get_user(user_id).await.map_err(failed(true))?;
    let mut event = None;
    let outcome = match &user {
        None => Settled::UnknownAccount,
        Some(user) if !user.active => Settled::DisabledAccount,
        Some(user) => match (job.action, user.credential(), user.email.mailbox()) {
            (OperatorAction::ForcedReset, Credential::None, _) => Settled::NoPassword,
            (OperatorAction::Invitation, Credential::Password | Credential::ResetRequired, _) => Settled::HasPassword,
            (_, _, None) => Settled::UnusableAddress,
            (action, _, Some(to)) => {
                let (sent, sent_event) = send_operator_link(deps, job, action, user, to, &ring, &hashing).await?;
                event = sent_event;
                sent
            }
        },
    };
    tracing::info!(
        audit = job.action.as_str(),
        outcome = outcome.as_str(),
        user_id = %job.user_id,
        operator = %job.operator,
        campaign = job.campaign.as_deref().unwrap_or("-"),
        "operator mail settled"
    );
    if outcome != Settled::Sent {
        tracing::warn!(metric = "operator_mail_not_sent", reason = outcome.as_str(), "an operator's mail was not sent");
    }
    Ok((outcome, event))
}

/// Signs the operator's link (a reset link, or an invitation with its own audience and lifetime)
/// for the account as it is now, writes the mail and sends it; the event reports the mail.
async fn send_operator_link<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    job: &OperatorJob,
    action: OperatorAction,
    user: &User,
    to: &Email,
    ring: &reset_token::KeyRing,
    hashing: &reset_token::HashRing,
) -> Result<(Settled, Option<OutboxEvent>), Failed> {
    let settings = &deps.common.settings;
    let (purpose, ttl) = match action {
        OperatorAction::ForcedReset => (Purpose::Reset, settings.token_ttl),
        OperatorAction::Invitation => (Purpose::Invitation, settings.invitation_ttl),
    };
    let issued_at = unix_now();
    let issued = ring.issue_for(purpose, user.binding(), issued_at, ttl.as_secs()).map_err(|e| failed(true)(e.into()))?;
    tracing::Span::current().record("token_id", issued.token_id.as_str());
    let locale = locale::for_mail(user.locale.as_deref(), job.locale.as_deref(), settings.default_locale);
    let link = settings.reset_link(&issued.token, Some(locale));
    let mail = match action {
        OperatorAction::ForcedReset => deps.mails.forced_reset(settings, locale, to.clone(), &link, &issued.code),
        OperatorAction::Invitation => deps.mails.invitation(settings, locale, to.clone(), &link, &issued.code),
    }
    .map_err(failed(true))?;
    let sent = send_noting_code(deps, hashing, to, &issued, &mail).await?;
    if sent != Settled::Sent {
        return Ok((sent, None));
    }
    let event = match action {
        OperatorAction::ForcedReset => link_sent(&job.id, user, &issued, issued_at, None, locale),
        OperatorAction::Invitation => InvitationSent {
            schema_version: SCHEMA_VERSION,
            event_id: invitation_sent_id(&job.id),
            user_id: user.id.as_ref().to_owned(),
            job_id: job.id.clone(),
            link_id: issued.token_id.clone(),
            sent_at: issued_at,
            expires_at: issued.expires_at,
            operator: job.operator.clone(),
            campaign: job.campaign.clone(),
            locale: locale.tag().to_owned(),
        }
        .into_event(),
    };
    Ok((sent, Some(event)))
}

/// The notice's "this wasn't me" link: signed now, for the account as it is now (the change it
/// reports made), so it dies with the next change of the account, and lives the dispute lifetime
/// from the mail. `None` without a dispute page (`DISPUTE_PAGE_URL` unset: the template always
/// sets it; a worker without it sends the notice without the link). A ring that cannot be read
/// is retried, as for a reset link.
async fn dispute_link<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(
    deps: &DeliveryDeps<A, M>,
    user: &crate::domain::User,
    changed_at: u64,
    locale: Locale,
) -> Result<Option<String>, Failed> {
    let settings = &deps.common.settings;
    if settings.dispute_page_url.is_none() {
        return Ok(None);
    }
    // Only while the account is as this change left it: a notice sent after a later change (or
    // after a lock) would otherwise carry a link to dispute something else than it reports.
    if user.epoch != changed_at.to_string() {
        tracing::info!(outcome = "no_dispute_link", "the account changed since this notice's change: the notice goes without a dispute link");
        return Ok(None);
    }
    let ring = deps.signing.get().await.map_err(failed(true))?;
    let issued = ring.issue_for(Purpose::Dispute, user.binding(), unix_now(), settings.dispute_token_ttl.as_secs()).map_err(|e| failed(true)(e.into()))?;
    tracing::Span::current().record("token_id", issued.token_id.as_str());
    Ok(settings.dispute_link(&issued.token, Some(locale)))
}

/// Sends, sorting failures: for now (retry), or for good (settle, with a metric; the span says
/// which kind of mail).
async fn send<A: Adapters<Users: FindUserByEmail>, M: Mailer>(deps: &DeliveryDeps<A, M>, mail: &Mail) -> Result<Settled, Failed> {
    let started = std::time::Instant::now();
    let sent = deps.mailer.send(mail).await;
    tracing::debug!(ok = sent.is_ok(), elapsed_ms = started.elapsed().as_millis() as u64, "the mail service answered");
    match sent {
        Ok(()) => Ok(Settled::Sent),
        Err(MailError::Transient(cause)) => Err(failed(true)(cause)),
        Err(MailError::Account(cause)) => {
            // Kept: it comes back (with the usual back-off) until the account is fixed, then
            // goes out; after the last delivery it waits in the dead-letter queue for a redrive.
            tracing::error!(error = ?cause, metric = "mail_account_refused", "the mail account cannot send; the mail is kept");
            Err(failed(true)(cause))
        }
        Err(MailError::Permanent(cause)) => {
            tracing::error!(error = ?cause, metric = "mail_refused", "the mail service refused the mail for good; not retried");
            Ok(Settled::Refused)
        }
    }
}

/// The back-off before a failed message comes back: `base` doubled per earlier attempt, at most
/// 15 minutes.
pub fn retry_delay(base: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.clamp(1, 16).saturating_sub(1));
    doubled.min(Duration::from_secs(15 * 60))
}

/// One worker process's share of the account's SES send rate for one queue: at most one slot per
/// `interval`. The use case takes a slot for every job whose outcome could depend on the account,
/// sent or not ([`deliver_mail`]).
pub struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
    /// Slots shared with every other worker, at least `gap` apart, where the template needs them.
    shared: Option<(Arc<dyn SharedSlots>, Duration)>,
}

impl Pace {
    pub fn new(interval: Duration) -> Self {
        Pace { interval, next: Mutex::new(None), shared: None }
    }

    /// Besides this process's own interval, every slot is also one of `slots`, at least `gap` after
    /// the last one any worker took.
    pub fn sharing(mut self, slots: Arc<dyn SharedSlots>, gap: Duration) -> Self {
        self.shared = Some((slots, gap));
        self
    }

    /// Waits for this process's next slot and takes it: the first at once, each later one an
    /// interval after the one before (or at once, if that has passed); where slots are shared,
    /// then also the next shared one, waiting for it at most [`SHARED_WAIT_GAPS`] gaps and never
    /// more than one interval. The next slot is counted from this one's own moment, not from the
    /// end of its shared wait, so a batch of B slots is paced for at most B intervals and one
    /// shared wait (links at 1 a second: 10 × 2.2 s + 2.2 s; a notice: 20 s + 3 s), inside the
    /// worker's 30 s timeout.
    pub async fn slot(&self) {
        if self.interval.is_zero() {
            return;
        }
        let mut next = self.next.lock().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at).await;
        }
        let own = Instant::now();
        if let Some((slots, gap)) = &self.shared {
            take_shared(slots.as_ref(), *gap, own + self.interval.min(*gap * SHARED_WAIT_GAPS)).await;
        }
        *next = Some(own + self.interval);
    }
}

/// The longest a worker waits for a shared slot, in gaps: room for the other three workers at
/// 1 a second (two for links, two for notices) to take theirs first.
pub const SHARED_WAIT_GAPS: u32 = 3;

/// Waits for a shared slot until `by`. If the store fails or is slow, or no slot comes free by
/// then (other workers keep taking them first, or an item cannot be beaten), the worker sends on
/// its own pace at once, with `send_slot_unshared` logged (a filter and an alarm count it): a mail
/// is held back at most one interval for the store's sake, and then at worst goes out within the
/// same second as another, which SES may throttle (that send is retried after its back-off, not
/// lost).
async fn take_shared(slots: &dyn SharedSlots, gap: Duration, by: Instant) {
    let gap_ms = u64::try_from(gap.as_millis()).unwrap_or(u64::MAX);
    loop {
        let left = by.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, slots.take(gap_ms, crate::unix_now_ms())).await {
            Ok(Ok(None)) => return,
            // Counted from the ask: the answer's own time makes the wait a little longer, never
            // shorter. A wait past `by` is not waited for.
            Ok(Ok(Some(wait))) if Instant::now() + wait < by => tokio::time::sleep(wait.clamp(Duration::from_millis(1), gap)).await,
            Ok(Ok(Some(_))) => {
                tracing::warn!(metric = "send_slot_unshared", "no shared send slot came free within this worker's interval; sending on its own pace");
                return;
            }
            Ok(Err(err)) => {
                tracing::warn!(error = ?err, metric = "send_slot_unshared", "the shared send slot could not be taken; sending on this worker's own pace");
                return;
            }
            Err(_) => {
                tracing::warn!(
                    metric = "send_slot_unshared",
                    "the shared send slot's store did not answer within this worker's interval; sending on its own pace"
                );
                return;
            }
        }
    }
}

/// A worker process's paces, one per queue: each queue's event source runs at most its own number
/// of workers, each paced to its own share, so the two together stay within the account's rate
/// (the template's `SendRate` mapping, docs/operations.md).
pub struct Paces {
    pub links: Pace,
    pub notices: Pace,
}

impl Paces {
    pub fn new(links: Duration, notices: Duration) -> Self {
        Paces { links: Pace::new(links), notices: Pace::new(notices) }
    }

    /// Both queues' slots also taken from `slots`, at least `gap` apart (one over the account's
    /// rate): links and notices together, from every worker, never two within `gap`.
    pub fn sharing(self, slots: Arc<dyn SharedSlots>, gap: Duration) -> Self {
        Paces { links: self.links.sharing(slots.clone(), gap), notices: self.notices.sharing(slots, gap) }
    }

    /// No waiting at all (tests that are not about pacing).
    pub fn unpaced() -> Self {
        Self::new(Duration::ZERO, Duration::ZERO)
    }

    pub fn of(&self, lane: Lane) -> &Pace {
        match lane {
            Lane::Links => &self.links,
            Lane::Notices => &self.notices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_growing() {
        let base = Duration::from_secs(30);
        let delays: Vec<u64> = (1..=6).map(|n| retry_delay(base, n).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 900]);
        assert_eq!(retry_delay(Duration::ZERO, 3), Duration::ZERO);
        assert_eq!(retry_delay(base, u32::MAX), Duration::from_secs(900));
    }

    /// Mails as plain text: what they say is not this module's business.
    struct PlainMails;

    impl ComposeMail for PlainMails {
        fn reset_link(&self, _: &Settings, _: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
            Ok(Mail { to, subject: "reset".into(), text: format!("{link}\n{code}"), html: String::new() })
        }
        fn password_changed(&self, _: &Settings, _: Locale, to: Email, _: u64, dispute: Option<&str>) -> anyhow::Result<Mail> {
            Ok(Mail { to, subject: "changed".into(), text: dispute.unwrap_or_default().into(), html: String::new() })
        }
        fn forced_reset(&self, _: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
            Ok(Mail { to, subject: format!("forced:{}", locale.tag()), text: format!("{link}\n{code}"), html: String::new() })
        }
        fn invitation(&self, _: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
            Ok(Mail { to, subject: format!("invitation:{}", locale.tag()), text: format!("{link}\n{code}"), html: String::new() })
        }
    }

    /// A worker over in-memory adapters whose links are paced at `interval`, with two active
    /// accounts (`known@`, `second@example.com`) and one disabled (`disabled@example.com`).
    async fn worker(interval: Duration) -> (DeliveryDeps<crate::memory::InMemory, crate::memory::MemoryMailer>, crate::memory::MemoryMailer) {
        use crate::domain::{StoredEmail, User};
        use crate::memory::{MemoryHashKeys, MemoryJobLedger, MemoryKeys, MemoryLimits, MemoryMailer, MemoryQueue, MemoryUsers};
        let users = MemoryUsers::default();
        let accounts = [("u-known", "known@example.com", true), ("u-second", "second@example.com", true), ("u-disabled", "disabled@example.com", false)];
        for (id, email, active) in accounts {
            let status = if active { "active" } else { "disabled" }.to_owned();
            let (email, epoch, locale) = (StoredEmail::new(email), String::new(), None);
            users.insert(User { id: UserId::parse(id).unwrap(), email, password_hash: "$argon2id$stand-in".into(), active, status, epoch, locale });
        }
        let keys = MemoryKeys::new(r#"{"current": "a", "a": "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"}"#);
        let hash_keys = MemoryHashKeys::new(r#"{"current": "h", "h": "hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#);
        let settings = Settings::for_reset_page(crate::settings::parse_page_url("https://auth.example.com/reset-password").unwrap());
        let common = crate::Deps {
            limits: MemoryLimits::default(),
            queue: MemoryQueue::default(),
            hashing: crate::KeyCache::load(hash_keys, Duration::from_secs(60)).await,
            settings,
        };
        let signing = crate::KeyCache::load(keys, Duration::from_secs(60)).await;
        let mailer = MemoryMailer::default();
        let paces = Paces::new(interval, Duration::ZERO);
        let deps = DeliveryDeps { common, signing, users, ledger: MemoryJobLedger::default(), mails: &PlainMails, mailer: mailer.clone(), paces };
        (deps, mailer)
    }

    fn link_job(n: u32, email: &str) -> MailJob {
        let (id, requester) = (format!("job-{n}"), format!("net-{n}"));
        MailJob::ResetLink(ResetLinkJob { id, email: email.into(), requester, request_id: None, requested_at: unix_now(), locale: None })
    }

    /// Two jobs on one worker: however the first ends once the account was looked up (no such
    /// account, a disabled one, or a mail sent), the second's mail goes out one interval after the
    /// start. A requester who asks for a victim's address and then their own cannot tell from
    /// their own mail whether the victim has an account.
    #[tokio::test(start_paused = true)]
    async fn every_job_that_looks_an_account_up_takes_one_send_slot_whatever_it_finds() {
        let interval = Duration::from_secs(2);
        for (first, sent) in [("nobody@example.com", 1), ("disabled@example.com", 1), ("known@example.com", 2)] {
            let (deps, mailer) = worker(interval).await;
            let start = Instant::now();
            deliver_mail(&deps, &link_job(1, first), 1, Lane::Links).await;
            deliver_mail(&deps, &link_job(2, "second@example.com"), 1, Lane::Links).await;
            assert_eq!(start.elapsed(), interval, "after a job for {first}, the next mail waits one slot");
            assert_eq!(mailer.sent().len(), sent, "{first}");
        }
        // A job settled before the lookup, for a reason that is not the account's (here: stale),
        // takes no slot.
        let (deps, mailer) = worker(interval).await;
        let mut stale = link_job(1, "known@example.com");
        if let MailJob::ResetLink(job) = &mut stale {
            job.requested_at = unix_now() - 3600;
        }
        let start = Instant::now();
        assert_eq!(deliver_mail(&deps, &stale, 1, Lane::Links).await, Delivery::Settled(Settled::Stale));
        deliver_mail(&deps, &link_job(2, "second@example.com"), 1, Lane::Links).await;
        assert_eq!((start.elapsed(), mailer.sent().len()), (Duration::ZERO, 1));
    }

    fn operator_job(n: u32, user: &str, action: OperatorAction) -> MailJob {
        let operator = "arn:aws:sts::123456789012:assumed-role/Ops/alice".into();
        MailJob::Operator(OperatorJob { id: format!("op-{n}"), user_id: user.into(), action, requested_at: unix_now(), operator, campaign: None, locale: None })
    }

    /// The link in a mail `PlainMails` wrote, as the token it carries.
    fn token_of(mail: &Mail) -> String {
        mail.text.lines().next().unwrap().split("token=").nth(1).unwrap().to_owned()
    }

    /// A forced reset mails a reset link, an invitation an invitation link (its own audience and
    /// lifetime), each to the account as it is now and with its event; neither goes to an account
    /// that is no longer what the operator found.
    #[tokio::test]
    async fn operator_jobs_mail_their_own_link_to_the_account_as_it_is_now() {
        let (deps, mailer) = worker(Duration::ZERO).await;
        let invited = User {
            id: UserId::parse("u-invited").unwrap(),
            email: crate::domain::StoredEmail::new("invited@example.com"),
            password_hash: String::new(),
            active: true,
            status: "active".into(),
            epoch: String::new(),
            locale: None,
        };
        deps.users.insert(invited.clone());
        let ring = deps.signing.get().await.unwrap();
        let now = unix_now();

        assert_eq!(deliver_mail(&deps, &operator_job(1, "u-known", OperatorAction::ForcedReset), 1, Lane::Links).await, Delivery::Settled(Settled::Sent));
        let forced = mailer.sent().pop().unwrap();
        assert_eq!((forced.subject.as_str(), forced.to.as_ref()), ("forced:en", "known@example.com"));
        let known = deps.users.get(&UserId::parse("u-known").unwrap()).unwrap();
        let claims = ring.verify_for(Purpose::Reset, &token_of(&forced), now).unwrap().bind(known.binding()).unwrap();
        assert_eq!(claims.expires_at, now + deps.common.settings.token_ttl.as_secs());

        assert_eq!(deliver_mail(&deps, &operator_job(2, "u-invited", OperatorAction::Invitation), 1, Lane::Links).await, Delivery::Settled(Settled::Sent));
        let invitation = mailer.sent().pop().unwrap();
        assert_eq!((invitation.subject.as_str(), invitation.to.as_ref()), ("invitation:en", "invited@example.com"));
        assert!(ring.verify_for(Purpose::Reset, &token_of(&invitation), now).is_err(), "an invitation is no reset link");
        let claims = ring.verify_for(Purpose::Invitation, &token_of(&invitation), now).unwrap().bind(invited.binding()).unwrap();
        assert_eq!(claims.expires_at, now + deps.common.settings.invitation_ttl.as_secs());

        let events = deps.ledger.outbox.events();
        let kinds: Vec<&str> = events.iter().map(|e| e.detail_type.as_str()).collect();
        assert_eq!(kinds, ["Reset Link Sent", "Invitation Sent"]);
        assert!(events[1].detail.contains("\"job_id\":\"op-2\"") && events[1].detail.contains("assumed-role/Ops/alice"), "{}", events[1].detail);

        // What the operator found no longer holds: nothing is sent.
        let cases = [
            (operator_job(3, "u-invited", OperatorAction::ForcedReset), Settled::NoPassword),
            (operator_job(4, "u-known", OperatorAction::Invitation), Settled::HasPassword),
            (operator_job(5, "u-disabled", OperatorAction::ForcedReset), Settled::DisabledAccount),
            (operator_job(6, "u-gone", OperatorAction::Invitation), Settled::UnknownAccount),
        ];
        for (job, outcome) in cases {
            assert_eq!(deliver_mail(&deps, &job, 1, Lane::Links).await, Delivery::Settled(outcome), "{job:?}");
        }
        assert_eq!(mailer.sent().len(), 2);
        // The same job again is a duplicate: one mail.
        assert_eq!(deliver_mail(&deps, &operator_job(1, "u-known", OperatorAction::ForcedReset), 2, Lane::Links).await, Delivery::Settled(Settled::Duplicate));
    }

    /// Operator jobs spend no address budget, yet an account gets at most a few of them a day,
    /// whoever queued them (a forged job's bound); a retry of one job does not count it twice.
    #[tokio::test]
    async fn an_account_gets_at_most_its_daily_cap_of_operators_mails() {
        let (deps, mailer) = worker(Duration::ZERO).await;
        let cap = OPERATOR_MAILS_PER_ACCOUNT_PER_DAY;
        for n in 0..cap {
            let job = operator_job(100 + n, "u-known", OperatorAction::ForcedReset);
            assert_eq!(deliver_mail(&deps, &job, 1, Lane::Links).await, Delivery::Settled(Settled::Sent), "mail {n}");
        }
        let over = operator_job(200, "u-known", OperatorAction::ForcedReset);
        assert_eq!(deliver_mail(&deps, &over, 1, Lane::Links).await, Delivery::Settled(Settled::RateLimited));
        assert_eq!(mailer.sent().len(), cap as usize);
        // Another account has its own cap.
        assert_eq!(deliver_mail(&deps, &operator_job(201, "u-second", OperatorAction::ForcedReset), 1, Lane::Links).await, Delivery::Settled(Settled::Sent));
    }

    /// An operator's mail is in the account's own language when it has one, else the job's (the
    /// caller's `locale`), else the default.
    #[tokio::test]
    async fn an_operators_mail_is_in_the_accounts_language_else_the_jobs() {
        let (deps, mailer) = worker(Duration::ZERO).await;
        let mut in_german = operator_job(1, "u-known", OperatorAction::ForcedReset);
        if let MailJob::Operator(job) = &mut in_german {
            job.locale = Some("de".into());
        }
        deliver_mail(&deps, &in_german, 1, Lane::Links).await;
        assert_eq!(mailer.sent().pop().unwrap().subject, "forced:de", "the job's language, the account having none");
        let mut known = deps.users.get(&UserId::parse("u-known").unwrap()).unwrap();
        known.locale = Some("fr".into());
        deps.users.insert(known);
        let mut again = in_german.clone();
        if let MailJob::Operator(job) = &mut again {
            job.id = "op-2".into();
        }
        deliver_mail(&deps, &again, 1, Lane::Links).await;
        assert_eq!(mailer.sent().pop().unwrap().subject, "forced:fr", "the account's own language first");
    }

    /// A job that failed after spending the account's cap comes back without spending it again.
    #[tokio::test]
    async fn a_retried_operator_job_spends_the_daily_cap_once() {
        let (deps, mailer) = worker(Duration::ZERO).await;
        mailer.fail_next(1);
        let first = operator_job(1, "u-known", OperatorAction::ForcedReset);
        assert_eq!(deliver_mail(&deps, &first, 1, Lane::Links).await, Delivery::Retry);
        assert_eq!(deliver_mail(&deps, &first, 2, Lane::Links).await, Delivery::Settled(Settled::Sent));
        for n in 1..OPERATOR_MAILS_PER_ACCOUNT_PER_DAY {
            let job = operator_job(10 + n, "u-known", OperatorAction::ForcedReset);
            assert_eq!(deliver_mail(&deps, &job, 1, Lane::Links).await, Delivery::Settled(Settled::Sent), "mail {n} after the retried one");
        }
        let over = operator_job(99, "u-known", OperatorAction::ForcedReset);
        assert_eq!(deliver_mail(&deps, &over, 1, Lane::Links).await, Delivery::Settled(Settled::RateLimited));
    }

    /// The forgot page does not give a password to an account that has none (one that signs in
    /// another way), unless the setting says it may; the answer and the slot are the same.
    #[tokio::test]
    async fn a_forgot_page_request_for_an_account_with_no_password_sends_nothing_unless_allowed() {
        for allowed in [false, true] {
            let (mut deps, mailer) = worker(Duration::ZERO).await;
            deps.common.settings.passwordless_may_request = allowed;
            deps.users.insert(User {
                id: UserId::parse("u-social").unwrap(),
                email: crate::domain::StoredEmail::new("social@example.com"),
                password_hash: "!social-login-only".into(),
                active: true,
                status: "active".into(),
                epoch: String::new(),
                locale: None,
            });
            let outcome = deliver_mail(&deps, &link_job(1, "social@example.com"), 1, Lane::Links).await;
            let expected = if allowed { Settled::Sent } else { Settled::NoPassword };
            assert_eq!((outcome, mailer.sent().len()), (Delivery::Settled(expected), usize::from(allowed)), "allowed: {allowed}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn slots_come_one_interval_apart() {
        let pace = Pace::new(Duration::from_millis(500));
        let start = Instant::now();
        for _ in 0..3 {
            pace.slot().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1000), "three slots take two intervals");
        // A slot whose time has passed is taken at once, and the next counts from it.
        tokio::time::advance(Duration::from_secs(5)).await;
        let later = Instant::now();
        pace.slot().await;
        pace.slot().await;
        assert_eq!(later.elapsed(), Duration::from_millis(500));
    }

    /// Two workers' paces sharing their slots (on the real clock: the slots' times are Unix
    /// milliseconds): however the two ask, the store takes no two slots closer than the gap.
    #[tokio::test]
    async fn workers_sharing_slots_never_take_two_within_the_gap() {
        use crate::memory::MemorySharedSlots;
        let slots = MemorySharedSlots::default();
        let gap = Duration::from_millis(60);
        // Each worker's own interval leaves room for the other's slot and its wait.
        let worker = || Pace::new(Duration::from_millis(400)).sharing(Arc::new(slots.clone()), gap);
        let run = |pace: Pace| async move {
            for _ in 0..3 {
                pace.slot().await;
            }
        };
        tokio::join!(run(worker()), run(worker()));
        let taken = slots.taken();
        assert_eq!(taken.len(), 6, "every slot shared: {taken:?}");
        for pair in taken.windows(2) {
            assert!(pair[1] >= pair[0] + 60, "slots {} ms apart: {taken:?}", pair[1] - pair[0]);
        }
        assert!(slots.asks.load(std::sync::atomic::Ordering::SeqCst) > 6, "the workers in step asked, waited and asked again");
    }

    /// A store that cannot be reached holds no mail back: the worker asks once, then takes its
    /// own slot at once.
    #[tokio::test(start_paused = true)]
    async fn a_shared_slot_store_that_fails_leaves_the_worker_on_its_own_pace() {
        use crate::memory::MemorySharedSlots;
        let slots = MemorySharedSlots::default();
        slots.outage.set(true);
        let pace = Pace::new(Duration::from_secs(2)).sharing(Arc::new(slots.clone()), Duration::from_secs(1));
        let start = Instant::now();
        pace.slot().await;
        pace.slot().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2), "the worker's own interval, no more");
        assert_eq!(slots.asks.load(std::sync::atomic::Ordering::SeqCst), 2, "the store was asked for each slot");
    }

    /// A slot that never comes free (other workers always first) holds a mail back at most one
    /// interval, and a batch's slots stay an interval apart: the shared waits do not stretch it.
    #[tokio::test(start_paused = true)]
    async fn a_shared_slot_that_never_comes_free_holds_each_slot_back_at_most_one_interval() {
        struct AlwaysTaken(std::sync::atomic::AtomicU32);
        impl SharedSlots for AlwaysTaken {
            fn take(&self, gap_ms: u64, _: u64) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Option<Duration>>> + Send + '_>> {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move { Ok(Some(Duration::from_millis(gap_ms))) })
            }
        }
        let slots = Arc::new(AlwaysTaken(std::sync::atomic::AtomicU32::new(0)));
        let pace = Pace::new(Duration::from_millis(2222)).sharing(slots.clone(), Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..10 {
            pace.slot().await;
        }
        // The first slot waits twice (1 s, 2 s), gives up before 3 s would pass its interval; each
        // later one starts its wait at its own moment, so the tenth is taken by 10 intervals.
        assert!(start.elapsed() <= Duration::from_millis(10 * 2222), "{:?}", start.elapsed());
        assert!(slots.0.load(std::sync::atomic::Ordering::SeqCst) >= 20, "asked again while waiting");
    }

    /// A store that does not answer holds a slot back at most the shared wait's limit (here the
    /// interval, 2 s, under three gaps), then the worker sends on its own pace.
    #[tokio::test(start_paused = true)]
    async fn a_shared_slot_store_that_does_not_answer_holds_a_slot_back_at_most_its_limit() {
        struct Silent;
        impl SharedSlots for Silent {
            fn take(&self, _: u64, _: u64) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<Option<Duration>>> + Send + '_>> {
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(None)
                })
            }
        }
        let pace = Pace::new(Duration::from_secs(2)).sharing(Arc::new(Silent), Duration::from_secs(1));
        let start = Instant::now();
        pace.slot().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        let pace = Pace::new(Duration::from_secs(20)).sharing(Arc::new(Silent), Duration::from_secs(1));
        let start = Instant::now();
        pace.slot().await;
        assert_eq!(start.elapsed(), Duration::from_secs(3), "a notice's interval is long: three gaps, not 20 s");
    }

    /// An item dated far ahead (a clock ahead, or a write from outside) does not stop senders.
    #[tokio::test]
    async fn a_shared_slot_dated_ahead_is_taken_over() {
        use crate::memory::MemorySharedSlots;
        let slots = MemorySharedSlots::default();
        // An item a few seconds ahead holds (a late-landing ask must not take over a newer
        // slot); one beyond SLOT_AHEAD_MS does not.
        slots.set_last(crate::unix_now_ms() + 5_000);
        let waiting = Pace::new(Duration::from_millis(50)).sharing(Arc::new(slots.clone()), Duration::from_millis(20));
        waiting.slot().await;
        assert!(slots.taken().is_empty(), "a slot 5 s ahead still holds");
        slots.set_last(crate::unix_now_ms() + crate::ports::SLOT_AHEAD_MS + 1_000);
        let pace = Pace::new(Duration::from_millis(50)).sharing(Arc::new(slots.clone()), Duration::from_millis(20));
        pace.slot().await;
        assert_eq!(slots.taken().len(), 1, "a slot dated beyond SLOT_AHEAD_MS is taken over");
    }
}
