//! The mail worker's job ledger, in the service's own DynamoDB table beside the rate-limit
//! counters: a job record (`job#<id>`) holds `state` (S), `lease_until` (N), `counted` (BOOL)
//! and `expires_at` (N, the table's TTL). A bulk campaign's job is noted `queued` by the operator
//! tool before the worker claims it ([`CampaignLedger`]).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use reset_core::domain::events::OutboxEvent;
use reset_core::ports::{CampaignLedger, Claim, JobLedger};

use crate::events::Outbox;

/// How long a job record outlives its claim: longer than any message can stay in the queue or its
/// dead-letter queue (4 and 14 days) and than the worker accepts a notice's age (14 days, plus its
/// clock skew), so every redelivery or redrive, and any replay of a captured body, finds it.
const JOB_RECORD_KEEP_SECS: u64 = 15 * 86_400;

/// How long a bulk campaign's job record is kept (its id starts `c-`): a year, so a campaign run
/// again within it skips every user it queued, whatever they did since. (Were it forgotten after
/// 15 days, a rerun would block again, and mail again, users who reset their password since.)
const CAMPAIGN_RECORD_KEEP_SECS: u64 = 400 * 86_400;

/// How long the record of `job_id` is kept.
fn keep_secs(job_id: &str) -> u64 {
    if job_id.starts_with(reset_core::domain::mail_job::CAMPAIGN_JOB_PREFIX) { CAMPAIGN_RECORD_KEEP_SECS } else { JOB_RECORD_KEEP_SECS }
}

#[derive(Clone)]
pub struct DynamoJobLedger {
    client: Client,
    table: String,
    outbox: Outbox,
}

impl DynamoJobLedger {
    /// The ledger in `table`, the service's table (the rate-limit counters' own); a settled job's
    /// event goes to `outbox` in the same transaction as its record.
    pub fn new(client: Client, table: String, outbox: Outbox) -> Self {
        DynamoJobLedger { client, table, outbox }
    }
}

impl DynamoJobLedger {
    async fn mark_done(&self, job_id: &str) -> anyhow::Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("key", job_key(job_id))
            .update_expression("SET #state = :done REMOVE lease_until")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .send()
            .await
            .map_err(|err| crate::sdk_failure("DynamoDB UpdateItem (finishing a mail job)", &err))?;
        Ok(())
    }
}

fn job_key(job_id: &str) -> AttributeValue {
    AttributeValue::S(format!("job#{job_id}"))
}

impl JobLedger for DynamoJobLedger {
    async fn claim(&self, job_id: &str, now: u64, lease_secs: u64) -> anyhow::Result<Claim> {
        // One conditional write takes the job if nobody has it, if an attempt released it, or if
        // an attempt's lease ran out (it crashed). The old item says which, and whether the
        // budget was spent; on refusal, it says whether the job is done or busy.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", job_key(job_id))
            .update_expression("SET #state = :working, lease_until = :lease, expires_at = :expires REMOVE counted")
            .condition_expression("attribute_not_exists(#state) OR #state = :retry OR #state = :queued OR (#state = :working AND lease_until < :now)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":queued", AttributeValue::S("queued".into()))
            .expression_attribute_values(":working", AttributeValue::S("working".into()))
            .expression_attribute_values(":retry", AttributeValue::S("retry".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":lease", AttributeValue::N((now + lease_secs).to_string()))
            .expression_attribute_values(":expires", AttributeValue::N((now + keep_secs(job_id)).to_string()))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let old = out.attributes.unwrap_or_default();
                let released = old.get("state").and_then(|s| s.as_s().ok()).is_some_and(|s| s == "retry");
                let counted = released && old.get("counted").and_then(|c| c.as_bool().ok()).copied().unwrap_or(false);
                Ok(Claim::Mine { counted })
            }
            Err(err) => match err.as_service_error() {
                Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    let done = failed.item().and_then(|item| item.get("state")).and_then(|s| s.as_s().ok()).is_some_and(|s| s == "done");
                    Ok(if done { Claim::Done } else { Claim::Busy })
                }
                _ => Err(crate::sdk_failure("DynamoDB UpdateItem (claiming a mail job)", &err)),
            },
        }
    }

    async fn finish(&self, job_id: &str, event: Option<&OutboxEvent>) -> anyhow::Result<()> {
        let Some(event) = event else {
            return self.mark_done(job_id).await;
        };
        let done = Update::builder()
            .table_name(&self.table)
            .key("key", job_key(job_id))
            .update_expression("SET #state = :done REMOVE lease_until")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .build()
            .map_err(|err| anyhow::anyhow!("the ledger update could not be built: {err}"))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(done).build())
            .transact_items(TransactWriteItem::builder().put(self.outbox.put(event)?).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The event is in the outbox already (this job was finished before, its answer lost):
            // record the job as done without it.
            Err(err) if crate::events::condition_failed_at(&err, 1) => self.mark_done(job_id).await,
            Err(err) => Err(crate::sdk_failure("DynamoDB TransactWriteItems (finishing a mail job, with its event)", &err)),
        }
    }

    async fn release(&self, job_id: &str, counted: bool) -> anyhow::Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("key", job_key(job_id))
            .update_expression("SET #state = :retry, counted = :counted REMOVE lease_until")
            .condition_expression("#state = :working")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":retry", AttributeValue::S("retry".into()))
            .expression_attribute_values(":working", AttributeValue::S("working".into()))
            .expression_attribute_values(":counted", AttributeValue::Bool(counted))
            .send()
            .await
            .map_err(|err| crate::sdk_failure("DynamoDB UpdateItem (releasing a mail job)", &err))?;
        Ok(())
    }
}

impl CampaignLedger for DynamoJobLedger {
    async fn knows(&self, job_id: &str) -> anyhow::Result<bool> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("key", job_key(job_id))
            .consistent_read(true)
            .projection_expression("#state")
            .expression_attribute_names("#state", "state")
            .send()
            .await
            .map_err(|err| crate::sdk_failure("DynamoDB GetItem (a campaign's job)", &err))?;
        Ok(out.item.is_some_and(|item| item.contains_key("state")))
    }

    async fn note_queued(&self, job_id: &str, now: u64) -> anyhow::Result<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("key", job_key(job_id))
            .item("state", AttributeValue::S("queued".into()))
            .item("expires_at", AttributeValue::N((now + keep_secs(job_id)).to_string()))
            // The worker may have claimed it already: its record stands.
            .condition_expression("attribute_not_exists(#state)")
            .expression_attribute_names("#state", "state")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.as_service_error(), Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(_))) => {
                Ok(())
            }
            Err(err) => Err(crate::sdk_failure("DynamoDB PutItem (noting a campaign's job)", &err)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_campaigns_job_record_outlives_any_rerun_and_others_their_redeliveries() {
        let campaign = reset_core::domain::mail_job::campaign_job_id("breach", "u1");
        assert_eq!(super::keep_secs(&campaign), 400 * 86_400);
        assert_eq!(super::keep_secs("0123456789abcdef0123456789abcdef"), 15 * 86_400);
    }
}
