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
                match err.code().map(|code| refusal(code, err.message().unwrap_or_default())) {
                    Some(Refusal::Account) => MailError::Account(failure),
                    Some(Refusal::Message) => MailError::Permanent(failure),
                    Some(Refusal::ForNow) | None => MailError::Transient(failure),
                }
            })?;
        Ok(())
    }
}

/// Whose state an SES v2 `SendEmail` error reflects.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// The account's, for every mail alike until an operator acts: sending paused or the account
    /// suspended, the sender identity or its MAIL FROM domain not verified (SES says so in a
    /// `MessageRejected`, as it does for an unverified recipient while the account is in the
    /// sandbox), the configuration set or identity not found.
    Account,
    /// This mail's own (its content, its shape): the same mail would meet it again.
    Message,
    /// Throttling (`TooManyRequestsException`), the daily quota (`LimitExceededException`), 5xx
    /// answers and anything unknown: worth a later try.
    ForNow,
}

/// `message` is read only to tell an unverified identity from another rejection; it quotes
/// addresses, so it is never logged.
fn refusal(code: &str, message: &str) -> Refusal {
    match code {
        "SendingPausedException" | "AccountSuspendedException" | "MailFromDomainNotVerifiedException" | "NotFoundException" => Refusal::Account,
        "MessageRejected" if message.to_ascii_lowercase().contains("not verified") => Refusal::Account,
        "MessageRejected" | "BadRequestException" => Refusal::Message,
        _ => Refusal::ForNow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_s_state_is_told_from_a_mail_s() {
        for code in ["SendingPausedException", "AccountSuspendedException", "MailFromDomainNotVerifiedException", "NotFoundException"] {
            assert_eq!(refusal(code, ""), Refusal::Account, "{code}");
        }
        let unverified = "Email address is not verified. The following identities failed the check in region US-EAST-1: a@example.com";
        assert_eq!(refusal("MessageRejected", unverified), Refusal::Account);
        assert_eq!(refusal("MessageRejected", "Message rejected: virus detected"), Refusal::Message);
        assert_eq!(refusal("BadRequestException", ""), Refusal::Message);
        for code in ["TooManyRequestsException", "LimitExceededException", "InternalFailure", "Anything"] {
            assert_eq!(refusal(code, ""), Refusal::ForNow, "{code}");
        }
    }
}
