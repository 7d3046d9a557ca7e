//! Rate-limit counters in the service's own DynamoDB table (partition key `key` (S), TTL on
//! `expires_at` (N)), which also holds the mail worker's job ledger ([`crate::DynamoJobLedger`]).
//! A counter holds `count` (N). The table never holds an email, only keyed hashes of one.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use reset_core::ports::{CountHits, Hit, window};

/// The default name of the service's table (counters and job ledger).
pub const DEFAULT_LIMITS_TABLE: &str = "password-reset-rate-limits";

#[derive(Clone)]
pub struct DynamoLimits {
    client: Client,
    table: String,
}

impl DynamoLimits {
    pub fn new(client: Client, table: String) -> Self {
        DynamoLimits { client, table }
    }
}

impl CountHits for DynamoLimits {
    async fn hit(&self, key: &str, limit: u32, window_secs: u64, now: u64) -> anyhow::Result<Hit> {
        let (start, retry_after) = window(now, window_secs);
        // One conditional update: it counts the hit only while the window has room, so concurrent
        // hits can never pass the limit together. TTL removes old windows.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", AttributeValue::S(format!("{key}#{start}")))
            .update_expression("ADD #count :one SET #expires = :expires")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N((start + window_secs + 60).to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Hit::Allowed),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(Hit::Limited { retry_after }),
            Err(err) => Err(crate::sdk_failure("DynamoDB UpdateItem on the rate-limit table", &err)),
        }
    }
}
