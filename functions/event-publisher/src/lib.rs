//! event-publisher: fed by the outbox table's stream (one event source mapping, INSERT records
//! only, partial batch responses). Each new outbox item is one event, written in the same
//! transaction as the change it reports; [`reset_core::publish_events`] puts them on the bus. A
//! record the bus did not take is reported in `batchItemFailures` (by its sequence number), so
//! Lambda retries the batch from it until the record is as old as the stream keeps records, then
//! sends the batch's description to the events' dead-letter queue, which alarms. Delivery is at
//! least once: a consumer deduplicates on the detail's `event_id`.

pub use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
pub use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use reset_core::domain::events::OutboxEvent;
use reset_core::ports::EventBus;
use reset_core::{PublishDeps, Published};
use serde::Deserialize;

/// An outbox item as its stream record's new image holds it (`reset_aws::outbox_item`).
#[derive(Deserialize)]
struct OutboxItem {
    event_id: String,
    detail_type: String,
    detail: String,
    occurred_at: u64,
}

/// Publishes a batch's new outbox items and answers with the records to retry.
pub async fn handle<B: EventBus>(deps: &PublishDeps<B>, event: StreamEvent) -> DynamoDbEventResponse {
    tracing::debug!(records = event.records.len(), "outbox batch received");
    let mut events = Vec::with_capacity(event.records.len());
    let mut sequence_numbers = Vec::with_capacity(event.records.len());
    let now = reset_core::unix_now();
    for record in event.records {
        match outbox_event(&record) {
            Some(event) => match event.check(now) {
                Ok(_) => {
                    events.push(event);
                    sequence_numbers.push(record.change.sequence_number.clone().unwrap_or_default());
                }
                // Not one of the events the service writes (another hand wrote the item): never
                // published under the service's source, and not retried (it would hold the shard).
                Err(why) => {
                    tracing::error!(record_id = %record.event_id, event_id = %event.event_id, why, metric = "event_malformed", "an outbox item that is not the service's event; skipped");
                }
            },
            None if record.event_name != "INSERT" => {
                // The mapping's filter admits only INSERTs; a hand-made event may hold others.
                tracing::debug!(event_name = %record.event_name, "not a new outbox item; skipped");
            }
            None => {
                // It can never be published: retrying would only hold the shard up. An operator
                // finds the item by the stream record's id.
                tracing::error!(record_id = %record.event_id, metric = "event_malformed", "an outbox item that is not an event; skipped");
            }
        }
    }
    let mut response = DynamoDbEventResponse::default();
    let Published { failed } = reset_core::publish_events(deps, &events).await;
    for index in failed {
        if let Some(sequence_number) = sequence_numbers.get(index) {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence_number.clone());
            response.batch_item_failures.push(failure);
        }
    }
    tracing::debug!(retries = response.batch_item_failures.len(), "outbox batch handled");
    response
}

fn outbox_event(record: &EventRecord) -> Option<OutboxEvent> {
    if record.event_name != "INSERT" {
        return None;
    }
    let item: OutboxItem = serde_dynamo::from_item(record.change.new_image.clone()).ok()?;
    Some(OutboxEvent { event_id: item.event_id, detail_type: item.detail_type, detail: item.detail, occurred_at: item.occurred_at })
}

#[cfg(test)]
mod tests {
    use reset_core::memory::MemoryBus;
    use serde_json::{Value, json};

    use super::*;

    /// A stream record of a `Password Changed` with `id`; without its detail if `detail` is false.
    fn record(seq: &str, id: &str, detail: bool) -> Value {
        let now = reset_core::unix_now();
        let event = reset_core::domain::events::PasswordChanged {
            schema_version: reset_core::domain::events::SCHEMA_VERSION,
            event_id: id.into(),
            user_id: "u1".into(),
            changed_at: now,
            link_id: "l1".into(),
            request_id: None,
            requester_network: None,
            locale: "en".into(),
        }
        .into_event();
        let mut image = json!({
            "event_id": {"S": id}, "detail_type": {"S": event.detail_type}, "occurred_at": {"N": now.to_string()}, "expires_at": {"N": event.expires_at().to_string()},
        });
        if detail {
            image["detail"] = json!({"S": event.detail});
        }
        json!({
            "eventID": format!("e-{seq}"), "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {"Keys": {"event_id": {"S": id}}, "NewImage": image, "SequenceNumber": seq, "SizeBytes": 100, "StreamViewType": "NEW_IMAGE"},
        })
    }

    /// An item the service did not write (its detail another kind's, or naming another id) is
    /// never published under the service's source, and not retried.
    #[tokio::test]
    async fn an_item_that_is_not_the_services_event_is_neither_published_nor_retried() {
        let deps = PublishDeps { bus: MemoryBus::default() };
        let mut other_kind = record("100", "a", true);
        other_kind["dynamodb"]["NewImage"]["detail_type"] = json!({"S": "Password Change Disputed"});
        let mut other_id = record("200", "b", true);
        other_id["dynamodb"]["NewImage"]["event_id"] = json!({"S": "c"});
        let mut unknown = record("300", "d", true);
        unknown["dynamodb"]["NewImage"]["detail_type"] = json!({"S": "Account Deleted"});
        let event = json!({"Records": [other_kind, other_id, unknown, record("400", "e", true)]});
        let response = handle(&deps, serde_json::from_value(event).unwrap()).await;
        assert!(response.batch_item_failures.is_empty());
        let taken: Vec<String> = deps.bus.accepted().into_iter().map(|e| e.event_id).collect();
        assert_eq!(taken, ["e"]);
    }

    /// Of [taken, not an event, refused, taken], only the refused record comes back, named by its
    /// own sequence number (not by its place among the events, which the skipped record shifts).
    #[tokio::test]
    async fn only_the_refused_record_comes_back_by_its_own_sequence_number() {
        let deps = PublishDeps { bus: MemoryBus::default() };
        deps.bus.refuse_event("c");
        let event = json!({"Records": [record("100", "a", true), record("200", "b", false), record("300", "c", true), record("400", "d", true)]});
        let response = handle(&deps, serde_json::from_value(event).unwrap()).await;
        let failed: Vec<Option<String>> = response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
        assert_eq!(failed, [Some("300".to_owned())]);
        let taken: Vec<String> = deps.bus.accepted().into_iter().map(|e| e.event_id).collect();
        assert_eq!(taken, ["a", "d"]);
    }
}
