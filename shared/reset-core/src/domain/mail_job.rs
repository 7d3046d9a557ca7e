//! The messages on the mail queue: what an HTTP function hands the mail worker. They hold an
//! address (the queue is encrypted and messages live minutes), never a token: links are made at
//! send time, so a link's lifetime counts from the mail.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One mail to send. Serialized as JSON with a `kind` tag; fields added later must be optional,
/// so a worker of either version reads messages queued by the other during a deploy.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailJob {
    /// Someone asked for a reset link for `email`.
    ResetLink(ResetLinkJob),
    /// A password was changed: tell the account's owner.
    PasswordChanged(ChangedJob),
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkJob {
    /// Random, unique per request: the idempotency key of this mail.
    pub id: String,
    /// The normalized address as typed (parsed again by the worker).
    pub email: String,
    /// A keyed hash of the requester's network (IPv4 /24, IPv6 /64): whose budget the request spends.
    pub requester: String,
    /// API Gateway's request id, to follow one request through both functions' logs.
    #[serde(default)]
    pub request_id: Option<String>,
    /// When the request was accepted (Unix seconds): stale jobs are dropped.
    pub requested_at: u64,
    /// The language of the request (a BCP 47 tag): the mail's, unless the account has its own.
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedJob {
    pub id: String,
    /// The account whose password changed: the worker reads its stored address by this id.
    pub user_id: String,
    /// The account's stored address when the password changed. Never used to address the notice
    /// (a job's address cannot be trusted to be the account's): still written because a worker
    /// of the previous version requires it to read the job during a deploy; optional to read, so
    /// a later version may stop writing it.
    #[serde(default)]
    pub email: String,
    pub changed_at: u64,
    /// The mail's language (a BCP 47 tag): the account's stored one, else the confirm's.
    #[serde(default)]
    pub locale: Option<String>,
}

impl MailJob {
    pub fn id(&self) -> &str {
        match self {
            MailJob::ResetLink(job) => &job.id,
            MailJob::PasswordChanged(job) => &job.id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            MailJob::ResetLink(_) => "reset_link",
            MailJob::PasswordChanged(_) => "password_changed",
        }
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }
}

impl fmt::Debug for MailJob {
    // Addresses stay out of debug prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailJob").field("kind", &self.kind()).field("id", &self.id()).finish_non_exhaustive()
    }
}

/// A fresh job id: 128 random bits, hex. (Without randomness every id would be the same and
/// every mail after the first a "duplicate", so that is an error, not a fallback.)
pub fn new_job_id() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness for a job id: {err}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_and_read_older_shapes() {
        let job = MailJob::ResetLink(ResetLinkJob {
            id: new_job_id().unwrap(),
            email: "a@example.com".into(),
            requester: "h".into(),
            request_id: Some("r".into()),
            requested_at: 7,
            locale: None,
        });
        assert_eq!(MailJob::from_json(&job.to_json().unwrap()).unwrap(), job);
        let minimal = r#"{"kind":"reset_link","id":"x","email":"a@example.com","requester":"h","requested_at":1}"#;
        assert!(matches!(MailJob::from_json(minimal), Ok(MailJob::ResetLink(_))));
        assert!(MailJob::from_json(r#"{"kind":"unknown"}"#).is_err());
        assert_eq!(new_job_id().unwrap().len(), 32);
        assert_ne!(new_job_id().unwrap(), new_job_id().unwrap());
    }

    #[test]
    fn debug_prints_hold_no_address() {
        let job = MailJob::PasswordChanged(ChangedJob { id: "x".into(), user_id: "u".into(), email: "secret@example.com".into(), changed_at: 1, locale: None });
        assert!(!format!("{job:?}").contains("secret"));
    }
}
