//! Mail read back from moto (`/moto-api/data.json`, `ses.Message`): what SES accepted to send.
//! Every read refuses mail that also goes to a Cc or Bcc recipient, and raw mail (whose
//! recipients moto keeps in one list): a reset link or a notice is for its addressee alone, so no
//! test that reads mail can miss a copy sent to someone else.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct SentMail {
    pub id: String,
    pub source: String,
    pub subject: String,
    /// The HTML body (moto keeps the HTML part when there is one).
    pub body: String,
    pub destinations: Destinations,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Destinations {
    #[serde(rename = "ToAddresses", default)]
    pub to: Vec<String>,
    /// Empty in every mail [`sent`] returns.
    #[serde(rename = "CcAddresses", default)]
    pub cc: Vec<String>,
    /// Empty in every mail [`sent`] returns.
    #[serde(rename = "BccAddresses", default)]
    pub bcc: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    ses: Ses,
}

#[derive(Deserialize, Default)]
struct Ses {
    #[serde(rename = "Message", default)]
    messages: Vec<SentMail>,
    #[serde(rename = "RawMessage", default)]
    raw: Vec<serde_json::Value>,
}

/// Every mail moto has accepted, in order; an error if any also went to a Cc or Bcc recipient,
/// or was sent raw.
pub fn sent(moto_url: &str) -> anyhow::Result<Vec<SentMail>> {
    let mut response = ureq::get(&format!("{moto_url}/moto-api/data.json")).call()?;
    let data: Data = response.body_mut().read_json()?;
    anyhow::ensure!(data.ses.raw.is_empty(), "raw mail was sent (its recipients cannot be told apart): {:?}", data.ses.raw);
    for mail in &data.ses.messages {
        let d = &mail.destinations;
        anyhow::ensure!(d.cc.is_empty() && d.bcc.is_empty(), "the mail {:?} to {:?} also went to Cc {:?} and Bcc {:?}", mail.subject, d.to, d.cc, d.bcc);
    }
    Ok(data.ses.messages)
}

/// The dispute page's path (the stack's `DISPUTE_PAGE_URL` ends so).
const DISPUTE_PATH: &str = "/secure-account?";

impl SentMail {
    /// The first link in the mail that carries a `token` parameter and is not a notice's "this
    /// wasn't me" link.
    pub fn reset_link(&self) -> Option<String> {
        self.links_with_token().find(|href| !href.contains(DISPUTE_PATH))
    }

    /// The "this wasn't me" link of a password-changed notice.
    pub fn dispute_link(&self) -> Option<String> {
        self.links_with_token().find(|href| href.contains(DISPUTE_PATH))
    }

    fn links_with_token(&self) -> impl Iterator<Item = String> + '_ {
        self.body
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|href| href.contains("token="))
            .map(|href| href.replace("&amp;", "&").replace("&#38;", "&"))
    }

    /// The code the mail carries beside its link, as shown (`7KQ4-M2XD`): the one text of the
    /// HTML that is two groups of four Crockford base32 characters.
    pub fn code(&self) -> Option<String> {
        const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let is_code = |text: &&str| text.len() == 9 && text.char_indices().all(|(at, c)| if at == 4 { c == '-' } else { ALPHABET.contains(c) });
        self.body.split('>').filter_map(|rest| rest.split('<').next()).map(str::trim).find(is_code).map(str::to_owned)
    }

    /// The token of the reset link.
    pub fn token(&self) -> Option<String> {
        let link = self.reset_link()?;
        let (_, query) = link.split_once('?')?;
        query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(str::to_owned)
    }
}
