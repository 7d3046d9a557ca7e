//! The two mail queues on moto (reset links; password-changed notices) and their shared
//! dead-letter queue, as template.yaml makes them, and what Lambda's two SQS event sources do in
//! AWS: receive a batch from one queue, hand it to the mail worker as a real SQS event (with that
//! queue's `eventSourceARN`), delete the messages the worker did not report in
//! `batchItemFailures`. The two sources poll independently, so here they take turns, a batch
//! each: a notice never waits for the links' backlog to drain. Locally the worker runs either in
//! this process ([`MailQueues::deliver_with`]) or under `cargo lambda watch` ([`Pump`], through
//! its invoke endpoint).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use reset_core::domain::mail_job::Lane;
use serde_json::{Value, json};

use crate::stack::REGION;

/// Most messages one event carries (the template's batch size is at most this).
pub const BATCH: i32 = 10;

/// Both queues and the dead-letter queue they share. `url` and `arn` are the reset links' queue
/// (where most tests put their messages), `notices_url` and `notices_arn` the notices'.
#[derive(Clone)]
pub struct MailQueues {
    pub client: Client,
    pub url: String,
    pub arn: String,
    pub notices_url: String,
    pub notices_arn: String,
    pub dlq_url: String,
}

impl MailQueues {
    /// The two queues and their dead-letter queue as the template makes them: the DLQ takes a
    /// message from either after `max_receives` receives.
    pub async fn create(client: Client, name: &str, notices_name: &str, dlq_name: &str, max_receives: u32) -> anyhow::Result<MailQueues> {
        let dlq_url = client.create_queue().queue_name(dlq_name).send().await?.queue_url.context("a DLQ url")?;
        let dlq_arn = Self::arn_of(&client, &dlq_url).await?;
        let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}).to_string();
        let create = async |name: &str| -> anyhow::Result<(String, String)> {
            let url = client
                .create_queue()
                .queue_name(name)
                .attributes(QueueAttributeName::RedrivePolicy, redrive.clone())
                .attributes(QueueAttributeName::VisibilityTimeout, "30")
                .send()
                .await?
                .queue_url
                .context("a queue url")?;
            let arn = Self::arn_of(&client, &url).await?;
            Ok((url, arn))
        };
        let (url, arn) = create(name).await?;
        let (notices_url, notices_arn) = create(notices_name).await?;
        Ok(MailQueues { client, url, arn, notices_url, notices_arn, dlq_url })
    }

    /// `lane`'s queue: its URL and ARN.
    pub fn of(&self, lane: Lane) -> (&str, &str) {
        match lane {
            Lane::Links => (&self.url, &self.arn),
            Lane::Notices => (&self.notices_url, &self.notices_arn),
        }
    }

    /// The URL of the queue whose ARN is `arn` (a record's `eventSourceARN`).
    fn url_of_arn(&self, arn: &str) -> &str {
        if arn == self.notices_arn { &self.notices_url } else { &self.url }
    }

    async fn arn_of(client: &Client, url: &str) -> anyhow::Result<String> {
        let out = client.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::QueueArn).send().await?;
        out.attributes.and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned()).context("a queue ARN")
    }

    /// Puts a raw body on the links' queue (a poison message, or a job made by hand).
    pub async fn send_raw(&self, body: &str) -> anyhow::Result<()> {
        self.send_raw_to(Lane::Links, body).await
    }

    /// Puts a raw body on `lane`'s queue.
    pub async fn send_raw_to(&self, lane: Lane, body: &str) -> anyhow::Result<()> {
        self.client.send_message().queue_url(self.of(lane).0).message_body(body).send().await?;
        Ok(())
    }

    /// Up to [`BATCH`] visible messages of the links' queue, as the SQS event Lambda would hand
    /// the worker; `None` when nothing is visible.
    pub async fn receive_event(&self) -> anyhow::Result<Option<Value>> {
        self.receive_event_from(Lane::Links).await
    }

    /// Up to [`BATCH`] visible messages of `lane`'s queue, as that queue's event source would
    /// hand them to the worker; `None` when nothing is visible. (No long polling: the test moto
    /// serves one request at a time.)
    pub async fn receive_event_from(&self, lane: Lane) -> anyhow::Result<Option<Value>> {
        let (url, arn) = self.of(lane);
        let out = self
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(BATCH)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .wait_time_seconds(0)
            .send()
            .await
            .with_context(|| format!("receiving from the {} queue", lane.as_str()))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(None);
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> =
                    m.attributes.iter().flatten().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect();
                json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": REGION,
                })
            })
            .collect();
        Ok(Some(json!({ "Records": records })))
    }

    /// Deletes every message of `event` that the worker's `response` did not report as failed
    /// (what the event source does with a partial batch response). A response that is not a
    /// batch response fails the whole batch, as in Lambda.
    pub async fn settle(&self, event: &Value, response: &Value) -> anyhow::Result<()> {
        let Some(failures) = response["batchItemFailures"].as_array() else { return Ok(()) };
        let failed: Vec<&str> = failures.iter().filter_map(|f| f["itemIdentifier"].as_str()).collect();
        for record in event["Records"].as_array().into_iter().flatten() {
            if !failed.contains(&record["messageId"].as_str().unwrap_or_default()) {
                let receipt = record["receiptHandle"].as_str().unwrap_or_default();
                let url = self.url_of_arn(record["eventSourceARN"].as_str().unwrap_or_default());
                self.client.delete_message().queue_url(url).receipt_handle(receipt).send().await?;
            }
        }
        Ok(())
    }

    /// Hands every batch visible now to `worker` and settles it, until neither queue shows any:
    /// the two event sources in turn, a batch each (the notices' first), as two independent
    /// pollers would. Returns how many messages were handed out.
    pub async fn deliver_with<F, Fut>(&self, worker: F) -> anyhow::Result<usize>
    where
        F: Fn(Value) -> Fut,
        Fut: Future<Output = anyhow::Result<Value>>,
    {
        let mut handed = 0;
        loop {
            let mut any = false;
            for lane in [Lane::Notices, Lane::Links] {
                if let Some(event) = self.receive_event_from(lane).await? {
                    any = true;
                    handed += event["Records"].as_array().map_or(0, Vec::len);
                    let response = worker(event.clone()).await?;
                    self.settle(&event, &response).await?;
                }
            }
            if !any {
                return Ok(handed);
            }
        }
    }

    /// Several instances of the worker at once, as Lambda scales the event source out: each
    /// worker in a task of its own, all released together by a barrier, each taking batches until
    /// nothing is visible. Returns how many messages each was handed, in the order of `workers`.
    pub async fn deliver_together<F, Fut>(&self, workers: Vec<F>) -> anyhow::Result<Vec<usize>>
    where
        F: Fn(Value) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<Value>> + Send + 'static,
    {
        let barrier = Arc::new(tokio::sync::Barrier::new(workers.len()));
        let tasks: Vec<_> = workers
            .into_iter()
            .map(|worker| {
                let queues = self.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    queues.deliver_with(worker).await
                })
            })
            .collect();
        let mut handed = Vec::new();
        for task in tasks {
            handed.push(task.await.context("a mail worker panicked")??);
        }
        Ok(handed)
    }

    /// The bodies of the messages in the dead-letter queue (received, then made visible again).
    pub async fn dead_letters(&self) -> anyhow::Result<Vec<String>> {
        let out = self.client.receive_message().queue_url(&self.dlq_url).max_number_of_messages(BATCH).visibility_timeout(0).send().await?;
        Ok(out.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect())
    }

    /// Moves every dead letter back to the queue it came from, as `aws sqs start-message-move-task
    /// --source-arn <dead-letter queue ARN>` does (moto has no move tasks): each body becomes a new
    /// message there, received afresh. SQS remembers each message's source queue; moto does not,
    /// so here the source is told by the job's kind, which is the queue every function puts it on
    /// (a notice on the notices' queue, anything else on the links'). Returns how many were moved.
    pub async fn redrive(&self) -> anyhow::Result<usize> {
        let mut moved = 0;
        loop {
            let out = self.client.receive_message().queue_url(&self.dlq_url).max_number_of_messages(BATCH).visibility_timeout(60).send().await?;
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return Ok(moved);
            }
            for message in messages {
                let body = message.body.unwrap_or_default();
                let kind = serde_json::from_str::<Value>(&body).ok().and_then(|job| job["kind"].as_str().map(str::to_owned));
                let lane = if kind.as_deref() == Some("password_changed") { Lane::Notices } else { Lane::Links };
                self.client.send_message().queue_url(self.of(lane).0).message_body(body).send().await?;
                self.client.delete_message().queue_url(&self.dlq_url).receipt_handle(message.receipt_handle.unwrap_or_default()).send().await?;
                moved += 1;
            }
        }
    }

    /// Puts a raw body straight on the dead-letter queue (a job that got there long ago).
    pub async fn send_dead_letter(&self, body: &str) -> anyhow::Result<()> {
        self.client.send_message().queue_url(&self.dlq_url).message_body(body).send().await?;
        Ok(())
    }

    /// Messages on both queues (not the dead-letter queue), visible or in flight.
    pub async fn depth(&self) -> anyhow::Result<usize> {
        Ok(self.depth_of(Lane::Links).await? + self.depth_of(Lane::Notices).await?)
    }

    /// Messages on `lane`'s queue, visible or in flight.
    pub async fn depth_of(&self, lane: Lane) -> anyhow::Result<usize> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(self.of(lane).0)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await?;
        let attributes = out.attributes.unwrap_or_default();
        let count = |name| attributes.get(&name).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        Ok(count(QueueAttributeName::ApproximateNumberOfMessages) + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
    }
}

/// What an event source mapping hands a function: batches, as the function's event, settled by
/// its answer (the mail queues; the events' outbox stream, `crate::outbox::Outbox`).
pub trait EventSource: Send + 'static {
    /// Hands every batch available now to `function`, settling each by its answer; returns how
    /// many records were handed out (or taken).
    fn deliver_with<F, Fut>(&self, function: F) -> impl Future<Output = anyhow::Result<usize>>
    where
        F: Fn(Value) -> Fut,
        Fut: Future<Output = anyhow::Result<Value>>;
}

impl EventSource for MailQueues {
    fn deliver_with<F, Fut>(&self, function: F) -> impl Future<Output = anyhow::Result<usize>>
    where
        F: Fn(Value) -> Fut,
        Fut: Future<Output = anyhow::Result<Value>>,
    {
        MailQueues::deliver_with(self, function)
    }
}

/// An event source for a function under `cargo lambda watch` (the mail worker on its queues, the
/// event publisher on the outbox): a thread that polls the source every `every` and invokes the
/// function through watch's invoke endpoint. Stops when dropped.
pub struct Pump {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Pump {
    pub fn start<S: EventSource>(source: S, invoke_url: String, every: Duration) -> Pump {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the pump");
            runtime.block_on(async move {
                let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(300))).build().new_agent();
                while !stopping.load(Ordering::SeqCst) {
                    let invoke = |event: Value| {
                        let agent = agent.clone();
                        let url = invoke_url.clone();
                        async move {
                            let mut reply = agent.post(&url).send_json(&event).with_context(|| format!("invoking {url}"))?;
                            Ok(reply.body_mut().read_json::<Value>().unwrap_or(Value::Null))
                        }
                    };
                    if let Err(err) = source.deliver_with(invoke).await {
                        eprintln!("event source: {err:#}");
                    }
                    tokio::time::sleep(every).await;
                }
            });
        });
        Pump { stop, thread: Some(thread) }
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
