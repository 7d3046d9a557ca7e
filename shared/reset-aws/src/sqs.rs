//! The mail queue in SQS: jobs as JSON message bodies (`SendMessage`), and the worker's back-off
//! for a message that failed (`ChangeMessageVisibility`).

use aws_sdk_sqs::Client;
use reset_core::domain::mail_job::SignedJob;
use reset_core::ports::MailQueue;

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: String) -> Self {
        SqsQueue { client, url }
    }
}

impl MailQueue for SqsQueue {
    async fn enqueue(&self, job: &SignedJob) -> anyhow::Result<()> {
        self.client.send_message().queue_url(&self.url).message_body(job.body()).send().await.map_err(|err| crate::sdk_failure("SQS SendMessage", &err))?;
        Ok(())
    }

    async fn retry_after(&self, receipt: &str, delay_secs: u64) -> anyhow::Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(i32::try_from(delay_secs).unwrap_or(i32::MAX).min(43_200))
            .send()
            .await
            .map_err(|err| crate::sdk_failure("SQS ChangeMessageVisibility", &err))?;
        Ok(())
    }
}
