//! The events' path on moto, as template.yaml makes it: the outbox table, the event bus, and a
//! rule that copies every event of this service to a queue a test (or `scripts/dev`) reads: the
//! "tap", standing where an application's own rule would.
//!
//! And what Lambda's DynamoDB stream event source does in AWS: hand each new outbox item to the
//! event publisher as an `INSERT` record with its `NewImage`, in order, ten at a time, and retry
//! from the first record the publisher reports in `batchItemFailures`. moto's server does not
//! serve DynamoDB Streams (`DescribeStream` is "not yet implemented"), so the stand-in reads the
//! table itself: every outbox item is an insert (nothing updates one), so the table's items are
//! the stream's records; it keeps each item's place (its sequence number) and how far it got.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification, StreamViewType};
use serde_json::{Value, json};

use crate::stack::REGION;

pub const OUTBOX_TABLE: &str = "password-reset-events";
pub const EVENT_BUS: &str = "password-reset";
/// Not the bus's name, so a test can tell them apart (the template's default source is `password-reset`).
pub const EVENT_SOURCE: &str = "com.example.auth";
const TAP_QUEUE: &str = "password-reset-events-tap";
/// The template's batch size for the stream.
pub const BATCH: usize = 10;

#[derive(Clone)]
pub struct Outbox {
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    tap_url: String,
    /// Each item's place in the stream (by event id), in the order first seen, and how many the
    /// publisher has taken.
    stream: Arc<Mutex<Stream>>,
    /// Every event the tap has received so far, in order.
    heard: Arc<Mutex<Vec<Value>>>,
}

#[derive(Default)]
struct Stream {
    order: Vec<String>,
    taken: usize,
}

impl Outbox {
    /// The outbox table (with a stream, as deployed), the bus, and the tap.
    pub async fn create(sdk: &aws_config::SdkConfig) -> anyhow::Result<Outbox> {
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
        dynamodb
            .create_table()
            .table_name(OUTBOX_TABLE)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(AttributeDefinition::builder().attribute_name("event_id").attribute_type(ScalarAttributeType::S).build()?)
            .key_schema(KeySchemaElement::builder().attribute_name("event_id").key_type(KeyType::Hash).build()?)
            .stream_specification(StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewImage).build()?)
            .send()
            .await
            .context("creating the outbox table")?;
        let events = aws_sdk_eventbridge::Client::new(sdk);
        events.create_event_bus().name(EVENT_BUS).send().await.context("creating the event bus")?;
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let tap_url = sqs.create_queue().queue_name(TAP_QUEUE).send().await?.queue_url.context("the tap's url")?;
        let tap_arn = sqs
            .get_queue_attributes()
            .queue_url(&tap_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .context("the tap's ARN")?;
        let pattern = json!({ "source": [EVENT_SOURCE] }).to_string();
        events.put_rule().name("tap").event_bus_name(EVENT_BUS).event_pattern(pattern).send().await.context("creating the tap rule")?;
        let target = aws_sdk_eventbridge::types::Target::builder().id("tap").arn(tap_arn).build()?;
        events.put_targets().rule("tap").event_bus_name(EVENT_BUS).targets(target).send().await.context("pointing the tap rule at its queue")?;
        Ok(Outbox { dynamodb, sqs, tap_url, stream: Arc::default(), heard: Arc::default() })
    }

    /// The environment the functions need for the events (what template.yaml sets).
    pub fn env() -> [(&'static str, &'static str); 3] {
        [("EVENT_OUTBOX_TABLE", OUTBOX_TABLE), ("EVENT_BUS_NAME", EVENT_BUS), ("EVENT_SOURCE", EVENT_SOURCE)]
    }

    /// Every item the outbox holds, as stored.
    pub async fn items(&self) -> anyhow::Result<Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self.dynamodb.scan().table_name(OUTBOX_TABLE).consistent_read(true).set_exclusive_start_key(start).send().await?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// The stream's records not yet taken by the publisher, as its next event would hold them;
    /// `None` when there are none.
    pub async fn next_event(&self) -> anyhow::Result<Option<Value>> {
        let mut items = self.items().await?;
        // New items join the stream in the order they were written (by time, then id).
        items.sort_by_key(|item| {
            let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            let id = item.get("event_id").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            (number("occurred_at"), id)
        });
        let mut stream = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        for item in &items {
            let id = item.get("event_id").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if !stream.order.contains(&id) {
                stream.order.push(id);
            }
        }
        let by_id: HashMap<String, &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> =
            items.iter().map(|item| (item.get("event_id").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(), item)).collect();
        let records: Vec<Value> =
            stream.order.iter().enumerate().skip(stream.taken).take(BATCH).filter_map(|(place, id)| by_id.get(id).map(|item| record(place, item))).collect();
        Ok((!records.is_empty()).then(|| json!({ "Records": records })))
    }

    /// What the event source does with the publisher's answer, as Lambda's stream event sources
    /// read a partial batch response: no `batchItemFailures` (or an empty list, or no answer at
    /// all) takes the whole batch; otherwise everything before the lowest reported record is taken
    /// and the batch comes again from that record; an identifier that is empty or not one of the
    /// batch's sequence numbers fails the whole batch.
    pub fn settle(&self, event: &Value, response: &Value) {
        let sequence_numbers: Vec<&str> = event["Records"].as_array().into_iter().flatten().filter_map(|r| r["dynamodb"]["SequenceNumber"].as_str()).collect();
        let failures = response.get("batchItemFailures").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut stream = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let first_failed = failures.iter().map(|failure| sequence_numbers.iter().position(|seq| failure["itemIdentifier"].as_str() == Some(*seq))).min();
        stream.taken += match first_failed {
            None => sequence_numbers.len(),
            // Of the batch's records, those before the lowest one reported.
            Some(Some(index)) => index,
            // An identifier Lambda cannot place: the whole batch comes again.
            Some(None) => 0,
        };
    }

    /// Hands every new outbox item to `publisher`, batch by batch, until none is left or a batch
    /// made no progress (the publisher reported its first record failed: the next call retries
    /// it). Returns how many records were taken.
    pub async fn deliver_with<F, Fut>(&self, publisher: F) -> anyhow::Result<usize>
    where
        F: Fn(Value) -> Fut,
        Fut: Future<Output = anyhow::Result<Value>>,
    {
        let before = self.taken();
        while let Some(event) = self.next_event().await? {
            let at = self.taken();
            let response = publisher(event.clone()).await?;
            self.settle(&event, &response);
            if self.taken() == at {
                break;
            }
        }
        Ok(self.taken() - before)
    }

    fn taken(&self) -> usize {
        self.stream.lock().unwrap_or_else(|p| p.into_inner()).taken
    }

    /// Every event the bus delivered to the tap so far, as an application's rule target would
    /// receive it (the EventBridge envelope: `id`, `source`, `detail-type`, `time`, `detail`).
    pub async fn heard(&self) -> anyhow::Result<Vec<Value>> {
        loop {
            let out = self.sqs.receive_message().queue_url(&self.tap_url).max_number_of_messages(10).wait_time_seconds(0).send().await?;
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let body: Value = serde_json::from_str(message.body().unwrap_or_default()).context("an event on the tap that is not JSON")?;
                self.heard.lock().unwrap_or_else(|p| p.into_inner()).push(body);
                if let Some(receipt) = message.receipt_handle() {
                    self.sqs.delete_message().queue_url(&self.tap_url).receipt_handle(receipt).send().await?;
                }
            }
        }
        Ok(self.heard.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// A stream record for the item at `place`, as Lambda's DynamoDB event source writes it.
fn record(place: usize, item: &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> Value {
    let image: serde_json::Map<String, Value> = item
        .iter()
        .filter_map(|(name, value)| {
            let typed = match value {
                aws_sdk_dynamodb::types::AttributeValue::S(s) => json!({ "S": s }),
                aws_sdk_dynamodb::types::AttributeValue::N(n) => json!({ "N": n }),
                _ => return None,
            };
            Some((name.clone(), typed))
        })
        .collect();
    let id = image.get("event_id").cloned().unwrap_or(Value::Null);
    let created = image.get("occurred_at").and_then(|n| n["N"].as_str()).and_then(|n| n.parse::<f64>().ok()).unwrap_or(0.0);
    json!({
        "eventID": format!("local-{place}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": { "event_id": id },
            "NewImage": Value::Object(image),
            "SequenceNumber": (place + 1).to_string(),
            "SizeBytes": 256,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": format!("arn:aws:dynamodb:{REGION}:123456789012:table/{OUTBOX_TABLE}/stream/local"),
    })
}

impl crate::queue::EventSource for Outbox {
    fn deliver_with<F, Fut>(&self, function: F) -> impl Future<Output = anyhow::Result<usize>>
    where
        F: Fn(Value) -> Fut,
        Fut: Future<Output = anyhow::Result<Value>>,
    {
        Outbox::deliver_with(self, function)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_at(taken: usize) -> Outbox {
        let sdk = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let outbox = Outbox {
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            tap_url: String::new(),
            stream: Arc::default(),
            heard: Arc::default(),
        };
        outbox.stream.lock().unwrap().taken = taken;
        outbox
    }

    /// The partial batch response as Lambda reads it for a stream (its documentation's rules).
    #[test]
    fn the_stream_retries_from_the_lowest_reported_record_and_from_the_start_for_what_it_cannot_place() {
        let batch = json!({"Records": [
            {"dynamodb": {"SequenceNumber": "11"}}, {"dynamodb": {"SequenceNumber": "12"}}, {"dynamodb": {"SequenceNumber": "13"}},
        ]});
        let after = |response: Value| {
            let outbox = stream_at(5);
            outbox.settle(&batch, &response);
            outbox.taken()
        };
        assert_eq!(after(json!({"batchItemFailures": []})), 8, "an empty list: all taken");
        assert_eq!(after(Value::Null), 8, "no answer: all taken");
        assert_eq!(after(json!({})), 8, "no list: all taken");
        assert_eq!(after(json!({"batchItemFailures": [{"itemIdentifier": "13"}, {"itemIdentifier": "12"}]})), 6, "from the lowest reported");
        assert_eq!(after(json!({"batchItemFailures": [{"itemIdentifier": "11"}]})), 5, "the first: nothing taken");
        assert_eq!(after(json!({"batchItemFailures": [{"itemIdentifier": ""}]})), 5, "an empty identifier fails the batch");
        assert_eq!(after(json!({"batchItemFailures": [{"itemIdentifier": "99"}, {"itemIdentifier": "13"}]})), 5, "one not in the batch fails it");
    }
}
