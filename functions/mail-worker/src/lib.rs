//! mail-worker: fed by two queues (SQS, partial batch responses, one event source mapping each):
//! reset links, and password-changed notices, which never wait behind a backlog of links (at 1
//! mail a second, a notice may wait for the one shared send slot a second). Each message is one
//! [`MailJob`]; [`reset_core::deliver_mail`] decides and sends, paced by the share of the send
//! rate of the queue the record came from (its `eventSourceARN`). A message that failed for now is
//! reported in `batchItemFailures` and made to come back after a growing back-off; every other
//! outcome (sent, duplicate, stale, limited, refused, unreadable, unsigned or forged) deletes it.
//! A body is acted on only if its MAC shows a function holding the hashing secret queued it (or,
//! for a job the previous version queued, the signing secret). After the queue's maximum
//! receives, SQS moves a message to the dead-letter queue.

pub use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use reset_core::domain::mail_job::{JobRefused, Lane, MailJob};
use reset_core::ports::{FindUserByEmail, GetUser, MailQueue as _, Mailer};
use reset_core::use_cases::deliver_mail::{Delivery, Settled, retry_delay};
use reset_core::{Adapters, DeliveryDeps, deliver_mail};
use tracing::Instrument as _;

/// Delivers a batch one message at a time (the use case paces them) and answers with the
/// messages that must come back.
pub async fn handle<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(deps: &DeliveryDeps<A, M>, event: SqsEvent) -> SqsBatchResponse {
    tracing::debug!(messages = event.records.len(), "mail batch received");
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let span = tracing::info_span!("message", message_id = %message_id);
        let lane = lane_of(deps, &message);
        let delivery = deliver(deps, &message, lane).instrument(span.clone()).await;
        if delivery == Delivery::Retry {
            back_off(deps, &message, lane).instrument(span).await;
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    tracing::debug!(retries = response.batch_item_failures.len(), "mail batch handled");
    response
}

/// How often SQS has handed this message out (1 on the first delivery).
pub fn receive_count(message: &SqsMessage) -> u32 {
    message.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse().ok()).unwrap_or(1)
}

/// The queue a record came from. A record that names another queue (none in a deployed stack:
/// the two event source mappings are the only ones; perhaps a queue replaced during a deploy) is
/// paced by the notices' share, the longer interval per process, so it never adds to the rate
/// (its back-off may then fail, and it comes back after the visibility timeout instead). A record
/// that names no queue at all (a hand-made event: `sam local invoke`, tests) is a reset link.
fn lane_of<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(deps: &DeliveryDeps<A, M>, message: &SqsMessage) -> Lane {
    let source = message.event_source_arn.as_deref().unwrap_or_default();
    deps.common.queue.lane_of(source).unwrap_or_else(|| {
        if source.is_empty() {
            return Lane::Links;
        }
        tracing::warn!(source, "a record from a queue the worker was not told of; paced as a notice");
        Lane::Notices
    })
}

async fn deliver<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(deps: &DeliveryDeps<A, M>, message: &SqsMessage, lane: Lane) -> Delivery {
    // Without the keys no job can be told from a forged one: it comes back when they can be read.
    let (hashing, signing) = match tokio::try_join!(deps.common.hashing.get(), deps.signing.get()) {
        Ok(rings) => rings,
        Err(err) => {
            tracing::error!(error = ?err, metric = "mail_retry", "the keys are unavailable; the message comes back later");
            return Delivery::Retry;
        }
    };
    let body = message.body.as_deref().unwrap_or_default();
    // The signing ring checks only what the previous version queued (its MACs came from the
    // signing secret): legacy, for the deploy that brought the hashing secret.
    let opened = match MailJob::open(body, &hashing, Some(&signing)) {
        // A key newer than this process's ring (an `add` since the last read, already used by an
        // HTTP function): read the hashing secret again, at most once per cooldown, and check again.
        Err(JobRefused::Forged) => match deps.common.hashing.refresh_for_unknown_key().await {
            Some(fresh) => MailJob::open(body, &fresh, Some(&signing)),
            None => Err(JobRefused::Forged),
        },
        opened => opened,
    };
    match opened {
        Ok(job) => deliver_mail(deps, &job, receive_count(message), lane).await,
        // Not made by a function holding the secret (or made by the version before jobs were
        // signed): no mail, no retry. Counted with the malformed jobs (the template's filter);
        // `refused` tells the two apart. The reason names no content.
        Err(err @ (JobRefused::Unsigned | JobRefused::Forged)) => {
            let refused = if matches!(err, JobRefused::Unsigned) { "unsigned" } else { "forged" };
            tracing::error!(error = %err, refused, metric = "mail_job_malformed", "queued message is not an authentic mail job; dropped");
            Delivery::Settled(Settled::Malformed)
        }
        Err(err @ JobRefused::Malformed(..)) => {
            // A retry cannot fix a body that does not parse; it must not hold up the batch either.
            // The error names the position, not the content.
            tracing::error!(error = %err, metric = "mail_job_malformed", "queued message is not a mail job; dropped");
            Delivery::Settled(Settled::Malformed)
        }
    }
}

/// Makes a failed message come back after the back-off for its attempt, instead of after the
/// queue's whole visibility timeout. If that fails, it comes back after the visibility timeout.
async fn back_off<A: Adapters<Users: FindUserByEmail + GetUser>, M: Mailer>(deps: &DeliveryDeps<A, M>, message: &SqsMessage, lane: Lane) {
    let Some(receipt) = message.receipt_handle.as_deref() else { return };
    let delay = retry_delay(deps.common.settings.mail_retry_base, receive_count(message));
    if let Err(err) = deps.common.queue.retry_after(lane, receipt, delay.as_secs()).await {
        tracing::warn!(error = ?err, "the back-off could not be set; the message comes back after the queue's visibility timeout");
    }
}
