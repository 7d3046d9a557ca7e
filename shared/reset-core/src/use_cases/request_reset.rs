//! Use case: someone asks for a reset link for an email address.
//!
//! Invariant: the request path does the same work for every address (spend the requester
//! source's job budget, queue one job) and touches no user data, so neither its answer nor its
//! timing can tell a known account from an unknown one. Whether a mail goes out is decided later,
//! by the mail worker ([`crate::deliver_mail`]).

use crate::domain::Email;
use crate::domain::mail_job::{MailJob, ResetLinkJob, new_job_id};
use crate::ports::{CountHits as _, Hit, MailQueue as _};
use crate::{Adapters, Deps, unix_now};

#[derive(Debug, thiserror::Error)]
pub enum RequestResetError {
    /// The key ring or the queue could not be reached; nothing was queued.
    #[error("a backing service is unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// Who asked, as far as the request path knows: the network it came from and API Gateway's id.
#[derive(Debug, Clone)]
pub struct Requester {
    /// The network it came from as the edge reduces it (one requester's share of the address
    /// budgets); only a keyed hash of it leaves this use case.
    pub network: String,
    /// The source as the per-IP budgets count it (an IPv4 address, an IPv6 /64): whose job
    /// budget the request spends. Only a keyed hash of it is stored.
    pub source: String,
    pub request_id: Option<String>,
    pub locale: Option<String>,
}

#[tracing::instrument(name = "request_reset", skip_all)]
pub async fn request_reset<A: Adapters>(deps: &Deps<A>, email: &Email, requester: &Requester) -> Result<(), RequestResetError> {
    queue(deps, email, requester).await.inspect_err(|RequestResetError::Unavailable(cause)| {
        tracing::error!(audit = "reset_requested", outcome = "unavailable", error = ?cause, metric = "reset_enqueue_failed", "reset request failed: nothing was queued");
    })
}

async fn queue<A: Adapters>(deps: &Deps<A>, email: &Email, requester: &Requester) -> Result<(), RequestResetError> {
    let started = std::time::Instant::now();
    // The keys are needed for every request alike: an outage looks the same for every address.
    let ring = deps.hashing.get().await.map_err(RequestResetError::Unavailable)?;
    // Only a keyed hash of the network leaves this function: the queue and the counters never hold it.
    let network = ring.audit_hash(&requester.network);
    if !within_job_budget(deps, &ring.audit_hash(&requester.source)).await.map_err(RequestResetError::Unavailable)? {
        // The same answer as any request (the address plays no part in this budget).
        tracing::warn!(
            audit = "reset_requested",
            outcome = "source_over_budget",
            metric = "source_job_budget_reached",
            "reset request not queued: its source's job budget is spent"
        );
        return Ok(());
    }
    let job = MailJob::ResetLink(ResetLinkJob {
        id: new_job_id().map_err(RequestResetError::Unavailable)?,
        email: email.as_ref().to_owned(),
        requester: network,
        request_id: requester.request_id.clone(),
        requested_at: unix_now(),
        locale: requester.locale.clone(),
    });
    // Signed, so the worker can tell it from a job anyone with SendMessage on the queue made.
    let job = job.sign(&ring).map_err(|err| RequestResetError::Unavailable(err.into()))?;
    deps.queue.enqueue(&job).await.map_err(RequestResetError::Unavailable)?;
    let job = job.job();
    let locale = requester.locale.as_deref().unwrap_or("-");
    tracing::debug!(job_id = job.id(), locale, elapsed_ms = started.elapsed().as_millis() as u64, "reset mail job queued");
    tracing::info!(audit = "reset_requested", outcome = "queued", job_id = job.id(), email_hash = %ring.audit_hash(email.as_ref()), "reset requested");
    Ok(())
}

/// Spends one of the source's jobs for the minute, the hour, then the day (a request over one
/// budget spends nothing of the longer ones'). `false` when either is spent. Counted per source (an
/// address, an IPv6 /64), not per network: one host on a carrier's /16 must not spend the job
/// budget of everyone behind it.
async fn within_job_budget<A: Adapters>(deps: &Deps<A>, source: &str) -> anyhow::Result<bool> {
    let limits = deps.settings.rate_limits;
    let now = unix_now();
    for (limit, window) in [(limits.source_jobs_per_minute, 60), (limits.source_jobs_per_hour, 3600), (limits.source_jobs_per_day, 86_400)] {
        if deps.limits.hit(&format!("jobs#{source}#{window}"), limit, window, now).await? != Hit::Allowed {
            return Ok(false);
        }
    }
    Ok(true)
}
