//! Mail through SES v2 `SendEmail`, from a configured, verified sender.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::ProvideErrorMetadata as _;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use reset_core::ports::{Mail, MailError, Mailer};

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: String, configuration_set: Option<String>) -> Self {
        SesMailer { client, from, configuration_set }
    }
}

fn utf8(data: &str) -> anyhow::Result<Content> {
    Ok(Content::builder().data(data).charset("UTF-8").build()?)
}

impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let content = || -> anyhow::Result<Message> {
            Ok(Message::builder().subject(utf8(&mail.subject)?).body(Body::builder().text(utf8(&mail.text)?).html(utf8(&mail.html)?).build()).build())
        };
        let message = content().map_err(MailError::Permanent)?;
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(mail.to.as_ref()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            // SES messages quote addresses (in the sandbox, the recipient's): keep only the code.
            .map_err(|err| {
                let failure = crate::sdk_failure("SES SendEmail", &err);
                if err.code().is_some_and(is_permanent) { MailError::Permanent(failure) } else { MailError::Transient(failure) }
            })?;
        Ok(())
    }
}

/// SES v2 `SendEmail` errors that the same mail would meet again: a rejected message, a sender
/// or configuration set that is not set up, a paused or suspended account. Throttling
/// (`TooManyRequestsException`), the daily quota (`LimitExceededException`), 5xx answers and the
/// network are worth a later try.
fn is_permanent(code: &str) -> bool {
    matches!(
        code,
        "MessageRejected"
            | "MailFromDomainNotVerifiedException"
            | "AccountSuspendedException"
            | "SendingPausedException"
            | "NotFoundException"
            | "BadRequestException"
    )
}
