//! The events' two ends on AWS: the outbox (a DynamoDB table of the service's own, written in the
//! same `TransactWriteItems` as the change an event reports, and read by its stream) and the bus
//! ([`EventBridgeBus`], `PutEvents`). An outbox item holds `event_id` (S, the key), `detail_type`
//! (S), `detail` (S, JSON), `occurred_at` (N) and `expires_at` (N, the table's TTL).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use reset_core::domain::events::OutboxEvent;
use reset_core::ports::EventBus;

/// The outbox table, as the writers name it (`EVENT_OUTBOX_TABLE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbox {
    pub table: String,
}

impl Outbox {
    /// The item for `event`, put only if no item has its id: a second write of one event (a
    /// transaction retried by the SDK after its answer was lost) cannot clobber the first.
    pub(crate) fn put(&self, event: &OutboxEvent) -> anyhow::Result<Put> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(event)))
            .condition_expression("attribute_not_exists(event_id)")
            .build()
            .map_err(|err| anyhow::anyhow!("the outbox item could not be built: {err}"))
    }
}

/// What an outbox item holds.
pub fn item(event: &OutboxEvent) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("event_id".to_owned(), AttributeValue::S(event.event_id.clone())),
        ("detail_type".to_owned(), AttributeValue::S(event.detail_type.clone())),
        ("detail".to_owned(), AttributeValue::S(event.detail.clone())),
        ("occurred_at".to_owned(), AttributeValue::N(event.occurred_at.to_string())),
        ("expires_at".to_owned(), AttributeValue::N(event.expires_at().to_string())),
    ])
}

/// The event an outbox item (a stream record's new image, or a scan) holds; `None` if it lacks a
/// field or one does not parse.
pub fn from_item(item: &HashMap<String, AttributeValue>) -> Option<OutboxEvent> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
    Some(OutboxEvent { event_id: text("event_id")?, detail_type: text("detail_type")?, detail: text("detail")?, occurred_at: number("occurred_at")? })
}

/// Sends a transaction, again (as a new request) after a short wait when DynamoDB cancelled it
/// because another transaction held one of its items at that moment (`TransactionConflict`, and
/// no condition failed): nothing was written, the account may well be as read, and two concurrent
/// confirms with one link must end as one winner and one `Conflict`, not a 503.
pub(crate) async fn send_through_conflicts(
    write: aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder,
) -> Result<
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
    aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, aws_smithy_runtime_api::http::Response>,
> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    const WAITS_MS: [u64; 2] = [40, 120];
    let mut tries = 0;
    loop {
        let result = write.clone().send().await;
        let busy = match result.as_ref().err().and_then(|err| err.as_service_error()) {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                cancelled.cancellation_reasons().iter().any(|reason| reason.code() == Some("TransactionConflict"))
                    && !cancelled.cancellation_reasons().iter().any(|reason| reason.code() == Some("ConditionalCheckFailed"))
            }
            _ => false,
        };
        match WAITS_MS.get(tries) {
            Some(wait) if busy => {
                tracing::debug!(wait_ms = wait, "transaction met another on the same item; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(*wait)).await;
                tries += 1;
            }
            _ => return result,
        }
    }
}

/// `true` when a transaction was cancelled because the item at `index` failed its condition (the
/// other items' reasons say `None`).
pub(crate) fn condition_failed_at<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
    index: usize,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
            cancelled.cancellation_reasons().get(index).and_then(|reason| reason.code()).is_some_and(|code| code == "ConditionalCheckFailed")
        }
        _ => false,
    }
}

/// PutEvents on one bus, every entry with this service's `source`.
#[derive(Clone)]
pub struct EventBridgeBus {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    source: String,
}

impl EventBridgeBus {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: String, source: String) -> Self {
        EventBridgeBus { client, bus, source }
    }
}

/// Most entries one PutEvents takes.
pub const PUT_EVENTS_MAX_ENTRIES: usize = 10;

impl EventBus for EventBridgeBus {
    async fn put_events(&self, events: &[OutboxEvent]) -> anyhow::Result<Vec<Result<(), String>>> {
        let mut outcomes = Vec::with_capacity(events.len());
        for chunk in events.chunks(PUT_EVENTS_MAX_ENTRIES) {
            let entries = chunk
                .iter()
                .map(|event| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(&self.source)
                        .detail_type(&event.detail_type)
                        .detail(&event.detail)
                        .time(aws_smithy_types::DateTime::from_secs(i64::try_from(event.occurred_at).unwrap_or(i64::MAX)))
                        .build()
                })
                .collect();
            let answer = self.client.put_events().set_entries(Some(entries)).send().await.map_err(|err| crate::sdk_failure("EventBridge PutEvents", &err))?;
            // One result per entry, in order; an entry with an error code was not taken.
            let results = answer.entries();
            for index in 0..chunk.len() {
                outcomes.push(match results.get(index) {
                    Some(result) if result.event_id().is_some() && result.error_code().is_none() => Ok(()),
                    Some(result) => Err(result.error_code().unwrap_or("no event id").to_owned()),
                    None => Err("no result for the entry".to_owned()),
                });
            }
        }
        Ok(outcomes)
    }
}
