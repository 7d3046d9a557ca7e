//! The breached-password corpus behind Have I Been Pwned's Pwned Passwords range API
//! (<https://haveibeenpwned.com/API/v3#PwnedPasswords>), or any server that speaks it.
//!
//! k-anonymity: only the first five hex digits of the password's SHA-1 leave the process; the
//! server answers every suffix it knows under that prefix (hundreds), and the match is made here.
//! `Add-Padding: true` asks it to pad the answer with zero-count suffixes to a near-constant size,
//! so that the answer's length does not narrow down the prefix to an observer of the traffic.

use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use aws_smithy_runtime_api::client::http::{HttpConnector as _, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use reset_core::domain::NewPassword;
use reset_core::ports::breached::BreachedPasswords;

/// The public range API.
pub const PWNED_PASSWORDS_RANGE_URL: &str = "https://api.pwnedpasswords.com/range/";
/// A padded answer is 800 to 1,000 lines of 40 bytes; anything much larger is not one.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

pub struct PwnedPasswords {
    connector: SharedHttpConnector,
    /// The range endpoint, ending in `/`; the prefix is appended.
    range_url: String,
    /// The whole lookup: connect, TLS, answer. Past it the check counts as unavailable.
    timeout: Duration,
}

impl PwnedPasswords {
    pub fn new(range_url: impl Into<String>, timeout: Duration) -> anyhow::Result<Self> {
        // The AWS clients' connector (hyper, rustls with aws-lc, the host's roots, the same proxy
        // settings), so it costs the zip almost nothing. Timeouts are the caller's (one
        // deadline over the whole lookup), so it needs no sleep implementation.
        let connector = SharedHttpConnector::new(crate::https_connector(Some(HttpConnectorSettings::builder().build()), None));
        Ok(PwnedPasswords { connector, range_url: range_url.into(), timeout })
    }

    async fn lookup(&self, prefix: &str) -> anyhow::Result<String> {
        let mut request = HttpRequest::get(format!("{}{prefix}", self.range_url)).context("building the range request")?;
        request.headers_mut().insert("add-padding", "true");
        request.headers_mut().insert("user-agent", "password-reset-lambda");
        let response = self.connector.call(request).await.map_err(|err| anyhow::anyhow!("the range request failed: {err}"))?;
        let status = response.status().as_u16();
        ensure!(status == 200, "the range API answered {status}");
        let mut body = aws_smithy_types::byte_stream::ByteStream::new(response.into_body());
        let mut answer = Vec::new();
        while let Some(chunk) = body.next().await {
            answer.extend_from_slice(&chunk.context("reading the range answer")?);
            ensure!(answer.len() <= MAX_ANSWER_BYTES, "the range answer is larger than any real one");
        }
        String::from_utf8(answer).context("the range answer is not text")
    }
}

/// The SHA-1 of `password` (as hashed: NFKC-normalized UTF-8) in upper-case hex, split into the
/// prefix that is sent and the suffix that is looked for in the answer.
fn split_sha1(password: &str) -> (String, String) {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_owned(), suffix.to_owned())
}

/// Whether `suffix` is in a range answer with a count above zero (padding lines count zero).
fn listed(answer: &str, suffix: &str) -> anyhow::Result<bool> {
    for line in answer.lines() {
        let Some((candidate, count)) = line.trim().split_once(':') else {
            if line.trim().is_empty() {
                continue;
            }
            bail!("the range answer has a line that is not SUFFIX:COUNT");
        };
        if candidate.eq_ignore_ascii_case(suffix) {
            let count: u64 = count.trim().parse().context("the range answer has a count that is not a number")?;
            return Ok(count > 0);
        }
    }
    Ok(false)
}

impl BreachedPasswords for PwnedPasswords {
    async fn is_breached(&self, password: &NewPassword) -> anyhow::Result<bool> {
        let (prefix, suffix) = split_sha1(password.expose());
        let answer = tokio::time::timeout(self.timeout, self.lookup(&prefix))
            .await
            .map_err(|_| anyhow::anyhow!("the range API did not answer within {:?}", self.timeout))??;
        listed(&answer, &suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_five_hex_digits_of_the_sha1() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8, the API's own example.
        let (prefix, suffix) = split_sha1("password");
        assert_eq!((prefix.as_str(), suffix.as_str()), ("5BAA6", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
    }

    #[test]
    fn answers_are_read_as_the_api_writes_them() {
        let answer = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n";
        assert!(listed(answer, "1E4C9B93F3F0682250B6CF8331B7EE68FD8").unwrap());
        assert!(listed(answer, "1e4c9b93f3f0682250b6cf8331b7ee68fd8").unwrap(), "case does not matter");
        assert!(!listed(answer, "0000000000000000000000000000000000A").unwrap());
        // Padding: present with count 0 means not breached.
        assert!(!listed("1E4C9B93F3F0682250B6CF8331B7EE68FD8:0\r\n", "1E4C9B93F3F0682250B6CF8331B7EE68FD8").unwrap());
        assert!(listed("<html>Service Unavailable</html>", "1E4C9B93F3F0682250B6CF8331B7EE68FD8").is_err());
        assert!(listed("1E4C9B93F3F0682250B6CF8331B7EE68FD8:lots", "1E4C9B93F3F0682250B6CF8331B7EE68FD8").is_err());
    }
}
