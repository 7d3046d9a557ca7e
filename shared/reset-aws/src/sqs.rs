//! The two mail queues in SQS (reset links; password-changed notices): jobs as JSON message bodies
//! (`SendMessage`, on the queue of the job's lane), and the worker's back-off for a message that
//! failed (`ChangeMessageVisibility`, on the queue it came from).

use anyhow::Context as _;
use aws_sdk_sqs::Client;
use reset_core::domain::mail_job::{Lane, SignedJob};
use reset_core::ports::MailQueue;

/// The queues one function was given: request-reset the links', reset-password the notices',
/// the mail worker both. The wiring refuses to start a function without the queues it uses, so
/// the `None` arms below are never reached by a function that started.
#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    links: Option<String>,
    notices: Option<String>,
}

impl SqsQueue {
    pub fn new(client: Client, links: Option<String>, notices: Option<String>) -> Self {
        SqsQueue { client, links, notices }
    }

    fn url(&self, lane: Lane) -> anyhow::Result<&str> {
        let url = match lane {
            Lane::Links => &self.links,
            Lane::Notices => &self.notices,
        };
        url.as_deref().with_context(|| format!("this function was given no queue for {}", lane.as_str()))
    }
}

/// A queue's name: the last part of its URL (`https://sqs.<region>.../<account>/<name>`) or of
/// its ARN (`arn:aws:sqs:<region>:<account>:<name>`).
fn name_in(url_or_arn: &str, separator: char) -> &str {
    url_or_arn.rsplit(separator).next().unwrap_or_default()
}

impl MailQueue for SqsQueue {
    async fn enqueue(&self, job: &SignedJob) -> anyhow::Result<()> {
        let url = self.url(job.job().lane())?;
        self.client.send_message().queue_url(url).message_body(job.body()).send().await.map_err(|err| crate::sdk_failure("SQS SendMessage", &err))?;
        Ok(())
    }

    async fn retry_after(&self, lane: Lane, receipt: &str, delay_secs: u64) -> anyhow::Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(self.url(lane)?)
            .receipt_handle(receipt)
            .visibility_timeout(i32::try_from(delay_secs).unwrap_or(i32::MAX).min(43_200))
            .send()
            .await
            .map_err(|err| crate::sdk_failure("SQS ChangeMessageVisibility", &err))?;
        Ok(())
    }

    fn lane_of(&self, source_arn: &str) -> Option<Lane> {
        let name = name_in(source_arn, ':');
        [(Lane::Links, &self.links), (Lane::Notices, &self.notices)]
            .into_iter()
            .find(|(_, url)| url.as_deref().is_some_and(|url| !name.is_empty() && name_in(url, '/') == name))
            .map(|(lane, _)| lane)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_s_queue_is_told_by_its_name() {
        let sdk = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let queue = SqsQueue::new(
            Client::new(&sdk),
            Some("https://sqs.eu-west-1.amazonaws.com/123456789012/stack-MailQueue-AB12".into()),
            Some("https://sqs.eu-west-1.amazonaws.com/123456789012/stack-NoticeQueue-CD34".into()),
        );
        assert_eq!(queue.lane_of("arn:aws:sqs:eu-west-1:123456789012:stack-MailQueue-AB12"), Some(Lane::Links));
        assert_eq!(queue.lane_of("arn:aws:sqs:eu-west-1:123456789012:stack-NoticeQueue-CD34"), Some(Lane::Notices));
        assert_eq!(queue.lane_of("arn:aws:sqs:eu-west-1:123456789012:other"), None);
        assert_eq!(queue.lane_of(""), None);
    }
}
