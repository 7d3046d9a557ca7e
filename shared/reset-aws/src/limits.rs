//! Rate-limit counters in the service's own DynamoDB table (partition key `key` (S), TTL on
//! `expires_at` (N)), which also holds the mail worker's job ledger ([`crate::DynamoJobLedger`]).
//! A counter holds `count` (N). The table never holds an email, only keyed hashes of one.
//!
//! The links mailed to an address with a code ([`CodeLinks`]) are one item per address: `links`
//! (L), each a map of the [`LinkRecord`]'s fields (`purpose`, `kid`, `iat`, `exp`, `jti`: nothing
//! secret, and no code), kept past the longest link's life by the TTL.
//!
//! Where the mail workers share their send slots ([`SharedSlots`]), one item, `send-slot`, holds
//! when the last was taken (`taken_at`, Unix ms).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use reset_core::ports::{CODE_LINKS_KEPT, CodeLinks, CountHits, Hit, SLOT_AHEAD_MS, SharedSlots, window};
use reset_core::reset_token::{INVITATION_MAX_TTL, LinkRecord, Purpose};

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

/// The shared send slot's item in the rate-limit table: when the last slot was taken (Unix ms).
const SEND_SLOT_KEY: &str = "send-slot";

impl SharedSlots for DynamoLimits {
    fn take(&self, gap_ms: u64, now_ms: u64) -> Pin<Box<dyn Future<Output = anyhow::Result<Option<Duration>>> + Send + '_>> {
        Box::pin(async move {
            // One conditional update: of workers asking at once, one moves the time and the others
            // are told it (the item as it was, with the failed condition), so they wait for it.
            // TTL removes the item an hour after the last send.
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("key", AttributeValue::S(SEND_SLOT_KEY.to_owned()))
                .update_expression("SET taken_at = :now, expires_at = :expires")
                // Free a gap after the last slot; an item dated more than SLOT_AHEAD_MS ahead (a
                // clock far ahead, or a write from outside) does not hold. Nearer ones do: this
                // update, resent by the SDK or landing late, must not take over a slot taken since.
                .condition_expression("attribute_not_exists(taken_at) OR taken_at <= :latest OR taken_at > :ahead")
                .expression_attribute_values(":now", AttributeValue::N(now_ms.to_string()))
                .expression_attribute_values(":latest", AttributeValue::N(now_ms.saturating_sub(gap_ms).to_string()))
                .expression_attribute_values(":ahead", AttributeValue::N(now_ms.saturating_add(SLOT_AHEAD_MS).to_string()))
                .expression_attribute_values(":expires", AttributeValue::N((now_ms / 1000 + 3600).to_string()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            match result {
                Ok(_) => Ok(None),
                Err(err) => match err.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(taken)) => {
                        let last = taken.item().and_then(|item| item.get("taken_at")).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<u64>().ok());
                        // Without the item (never seen from DynamoDB), a whole gap from now.
                        let free_at = last.unwrap_or(now_ms).saturating_add(gap_ms);
                        Ok(Some(Duration::from_millis(free_at.saturating_sub(now_ms))))
                    }
                    _ => Err(crate::sdk_failure("DynamoDB UpdateItem of the shared send slot", &err)),
                },
            }
        })
    }
}

impl CodeLinks for DynamoLimits {
    async fn note_link(&self, key: &str, link: &LinkRecord, now: u64) -> anyhow::Result<()> {
        let record = AttributeValue::M(
            [
                ("purpose", AttributeValue::S(link.purpose.as_str().to_owned())),
                ("kid", AttributeValue::S(link.key_id.clone())),
                ("iat", AttributeValue::N(link.issued_at.to_string())),
                ("exp", AttributeValue::N(link.expires_at.to_string())),
                ("jti", AttributeValue::S(link.link_id.clone())),
            ]
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
        );
        // Appended; the TTL outlives any link noted here (an invitation's lifetime is the longest).
        let appended = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", AttributeValue::S(key.to_owned()))
            .update_expression("SET #links = list_append(if_not_exists(#links, :none), :link), #expires = :expires")
            .expression_attribute_names("#links", "links")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":link", AttributeValue::L(vec![record]))
            .expression_attribute_values(":expires", AttributeValue::N((now + INVITATION_MAX_TTL + 60).to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|err| crate::sdk_failure("DynamoDB UpdateItem (a code's link) on the rate-limit table", &err))?;
        let held = appended.attributes().and_then(|new| new.get("links")).and_then(|links| links.as_l().ok()).map_or(0, Vec::len);
        if held > CODE_LINKS_KEPT {
            // The oldest go, only while the list is as this note left it (a concurrent note drops
            // its own excess): an address asked for every day never outgrows its item.
            let excess: Vec<String> = (0..held - CODE_LINKS_KEPT).map(|at| format!("#links[{at}]")).collect();
            let trimmed = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("key", AttributeValue::S(key.to_owned()))
                .update_expression(format!("REMOVE {}", excess.join(", ")))
                .condition_expression("size(#links) = :held")
                .expression_attribute_names("#links", "links")
                .expression_attribute_values(":held", AttributeValue::N(held.to_string()))
                .send()
                .await;
            if let Err(err) = trimmed
                && !err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception())
            {
                // The link is noted; the list is trimmed by the next note.
                tracing::warn!(error = ?crate::sdk_failure("DynamoDB UpdateItem (trimming an address's code links)", &err), "code links not trimmed this time");
            }
        }
        Ok(())
    }

    async fn links(&self, key: &str) -> anyhow::Result<Vec<LinkRecord>> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("key", AttributeValue::S(key.to_owned()))
            .projection_expression("#links")
            .expression_attribute_names("#links", "links")
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| crate::sdk_failure("DynamoDB GetItem (an address's code links) on the rate-limit table", &err))?;
        let Some(AttributeValue::L(links)) = item.item.as_ref().and_then(|item| item.get("links")) else {
            return Ok(Vec::new());
        };
        // A record this version cannot read is skipped (its code is refused), never an error for
        // the whole address.
        Ok(links.iter().filter_map(read_link).collect())
    }
}

fn read_link(value: &AttributeValue) -> Option<LinkRecord> {
    let map = value.as_m().ok()?;
    let text = |name: &str| map.get(name).and_then(|v| v.as_s().ok()).cloned();
    let number = |name: &str| map.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<u64>().ok());
    Some(LinkRecord {
        purpose: Purpose::parse(&text("purpose")?)?,
        key_id: text("kid")?,
        issued_at: number("iat")?,
        expires_at: number("exp")?,
        link_id: text("jti")?,
    })
}
