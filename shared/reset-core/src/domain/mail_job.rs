//! The messages on the mail queue: what an HTTP function hands the mail worker. They hold an
//! address (the queue is encrypted and messages live minutes), never a token: links are made at
//! send time, so a link's lifetime counts from the mail.
//!
//! On the queue a job is authenticated ([`SignedJob`]): its JSON followed by a `"mac"` member, an
//! HMAC-SHA256 over the JSON before it under a key derived from the hashing secret's current key
//! ([`HashRing::job_mac`]), checked against every key that secret holds. Only the functions that
//! hold the secret can queue a job the worker accepts; `sqs:SendMessage` alone cannot. A job
//! queued by the version before the hashing secret carries a MAC from the signing secret
//! ([`KeyRing::legacy_job_mac_matches`]); the worker, which holds both, still accepts it. The member comes last, so a worker of the previous
//! version (which ignores unknown fields) still reads a signed job, and the MAC covers the exact
//! bytes, fields added later included.

use std::fmt;

use reset_token::{HashRing, KeyRing};
use serde::{Deserialize, Serialize};

/// Which queue a job travels on, and so whose share of the send rate paces it: reset links on
/// the mail queue, password-changed notices on the notice queue, so that a flood of links never
/// delays a notice (docs/operations.md, "Mail delivery").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    Links,
    Notices,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Links => "links",
            Lane::Notices => "notices",
        }
    }
}

/// One mail to send. Serialized as JSON with a `kind` tag; fields added later must be optional,
/// so a worker of either version reads messages queued by the other during a deploy.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailJob {
    /// Someone asked for a reset link for `email`.
    ResetLink(ResetLinkJob),
    /// A password was changed: tell the account's owner.
    PasswordChanged(ChangedJob),
    /// An operator asked for a mail to an account (the admin API, or the operator tool's `reset`,
    /// `invite` and `bulk`): a forced reset or an invitation. On the links' queue, whose share of
    /// the send rate paces it; a bulk campaign keeps that queue's backlog short (it yields to
    /// ordinary reset mail, docs/operations.md).
    Operator(OperatorJob),
}

/// What an operator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorAction {
    /// A reset link the account's owner did not ask for: "an operator requires a new password".
    ForcedReset,
    /// A "choose your password" link for an account with no password.
    Invitation,
}

impl OperatorAction {
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorAction::ForcedReset => "forced_reset",
            OperatorAction::Invitation => "invitation",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorJob {
    /// Random for a single call; derived from the campaign and the user for a bulk campaign
    /// ([`campaign_job_id`]), so a rerun queues the same id and the ledger sends one mail.
    pub id: String,
    /// The account, by id: the worker reads its stored address (consistently), never one a job names.
    pub user_id: String,
    pub action: OperatorAction,
    /// When the operator asked (Unix seconds).
    pub requested_at: u64,
    /// Who asked: the caller's IAM ARN (admin API) or the operator tool's identity.
    pub operator: String,
    /// The bulk campaign this job belongs to, if any.
    #[serde(default)]
    pub campaign: Option<String>,
    /// The mail's language (a BCP 47 tag) when the account has none of its own.
    #[serde(default)]
    pub locale: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkJob {
    /// Random, unique per request: the idempotency key of this mail.
    pub id: String,
    /// The normalized address as typed (parsed again by the worker).
    pub email: String,
    /// A keyed hash of the requester's network (IPv4 /16, IPv6 /48): whose budget the request spends.
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
            MailJob::Operator(job) => &job.id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            MailJob::ResetLink(_) => "reset_link",
            MailJob::PasswordChanged(_) => "password_changed",
            MailJob::Operator(job) => job.action.as_str(),
        }
    }

    /// The queue this job is put on.
    pub fn lane(&self) -> Lane {
        match self {
            MailJob::ResetLink(_) | MailJob::Operator(_) => Lane::Links,
            MailJob::PasswordChanged(_) => Lane::Notices,
        }
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }
}

/// What closes a signed body: `,"mac":"<43 base64url characters>"}`.
const MAC_OPEN: &str = ",\"mac\":\"";
const MAC_CLOSE: &str = "\"}";
const MAC_CHARS: usize = 43;

/// A job with the body that carries it on the queue (the job's JSON and its MAC).
#[derive(Clone)]
pub struct SignedJob {
    job: MailJob,
    body: String,
}

impl SignedJob {
    pub fn job(&self) -> &MailJob {
        &self.job
    }

    /// The message body to queue.
    pub fn body(&self) -> &str {
        &self.body
    }
}

impl fmt::Debug for SignedJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.job.fmt(f)
    }
}

/// Why a message body is not a job this worker may act on. None of them carries the body.
#[derive(Debug, thiserror::Error)]
pub enum JobRefused {
    /// No MAC: made by hand, or queued by a version that did not sign.
    #[error("the message carries no MAC")]
    Unsigned,
    /// A MAC that does not match: the body was not made by a holder of the secret.
    #[error("the message's MAC does not match")]
    Forged,
    /// Authentic, yet not a job this version reads.
    #[error("the message is not a mail job: {0:?} error at line {1} column {2}")]
    Malformed(serde_json::error::Category, usize, usize),
}

impl MailJob {
    /// The job as a queue message: its JSON, then its MAC under `ring`'s current key.
    pub fn sign(self, ring: &HashRing) -> Result<SignedJob, serde_json::Error> {
        let json = self.to_json()?;
        let mac = ring.job_mac(json.as_bytes());
        // A job is a JSON object: it ends in `}`, which the MAC member goes before.
        let open = json.strip_suffix('}').unwrap_or(&json);
        let body = format!("{open}{MAC_OPEN}{mac}{MAC_CLOSE}");
        Ok(SignedJob { job: self, body })
    }

    /// The job a queue message carries, if its MAC matches under a key of `ring` or, for a job
    /// the previous version queued, `legacy` (the signing ring, which only the worker holds).
    /// Only the bytes the MAC covers are parsed.
    pub fn open(body: &str, ring: &HashRing, legacy: Option<&KeyRing>) -> Result<MailJob, JobRefused> {
        let (content, mac) = split_signed(body).ok_or(JobRefused::Unsigned)?;
        let authentic = ring.job_mac_matches(content.as_bytes(), mac) || legacy.is_some_and(|legacy| legacy.legacy_job_mac_matches(content.as_bytes(), mac));
        if !authentic {
            return Err(JobRefused::Forged);
        }
        MailJob::from_json(&content).map_err(|err| JobRefused::Malformed(err.classify(), err.line(), err.column()))
    }
}

/// A signed body's content (the job's JSON as signed) and MAC; `None` if it is not shaped so.
fn split_signed(body: &str) -> Option<(String, &str)> {
    let rest = body.strip_suffix(MAC_CLOSE)?;
    let (head, mac) = rest.split_at_checked(rest.len().checked_sub(MAC_CHARS)?)?;
    let head = head.strip_suffix(MAC_OPEN)?;
    Some((format!("{head}}}"), mac))
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

/// The job id of `user_id`'s mail in bulk campaign `campaign`: a SHA-256 of the two (length
/// prefixed), so the same campaign run again, from any machine and across a hashing-key rotation,
/// queues the same id and the ledger sends one mail. (User ids are not secrets: events carry them.)
pub fn campaign_job_id(campaign: &str, user_id: &str) -> String {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for part in [campaign, user_id] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{CAMPAIGN_JOB_PREFIX}{hex}")
}

/// How a campaign's job id starts ([`campaign_job_id`]); a random one ([`new_job_id`]) is hex.
pub const CAMPAIGN_JOB_PREFIX: &str = "c-";

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

    fn ring(key: &str) -> HashRing {
        HashRing::new("h", [("h".to_owned(), key.to_owned())]).unwrap()
    }

    fn signing(key: &str) -> KeyRing {
        KeyRing::new("k", [("k".to_owned(), key.to_owned())]).unwrap()
    }

    const KEY: &str = "key-a-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
    const OTHER_KEY: &str = "key-b-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlk";

    fn job() -> MailJob {
        MailJob::PasswordChanged(ChangedJob { id: "j".into(), user_id: "u".into(), email: "a@example.com".into(), changed_at: 5, locale: None })
    }

    #[test]
    fn a_signed_job_opens_and_any_other_body_is_refused() {
        let signed = job().sign(&ring(KEY)).unwrap();
        assert!(signed.body().ends_with("\"}") && signed.body().contains(",\"mac\":\""), "{}", signed.body());
        assert_eq!(MailJob::open(signed.body(), &ring(KEY), None).unwrap(), job());
        // A worker of the previous version reads the signed body as the job (the MAC is ignored).
        assert_eq!(MailJob::from_json(signed.body()).unwrap(), job());
        // Unsigned: a job as the previous version queued it, or as anyone may send it.
        assert!(matches!(MailJob::open(&job().to_json().unwrap(), &ring(KEY), None), Err(JobRefused::Unsigned)));
        for body in ["", "}", "\"}", ",\"mac\":\"\"}", "ü\"}", &"x".repeat(60)] {
            assert!(matches!(MailJob::open(body, &ring(KEY), None), Err(JobRefused::Unsigned)), "{body:?}");
        }
        // Forged: signed with another key, a field changed after signing, a MAC moved to another job.
        assert!(matches!(MailJob::open(signed.body(), &ring(OTHER_KEY), None), Err(JobRefused::Forged)));
        let changed = signed.body().replace("\"u\"", "\"v\"");
        assert!(matches!(MailJob::open(&changed, &ring(KEY), None), Err(JobRefused::Forged)));
        let mac = &signed.body()[signed.body().len() - 45..];
        let moved = format!("{}{mac}", r#"{"kind":"password_changed","id":"j","user_id":"root","email":"x@example.com","changed_at":5,"mac":""#);
        assert!(matches!(MailJob::open(&moved, &ring(KEY), None), Err(JobRefused::Forged)));
        // Authentic but unreadable: malformed, and the error holds no content.
        let odd = MailJob::open(
            &format!("{{\"kind\":\"odd\",\"secret\":\"x\",\"mac\":\"{}\"}}", ring(KEY).job_mac(br#"{"kind":"odd","secret":"x"}"#)),
            &ring(KEY),
            None,
        );
        assert!(matches!(&odd, Err(JobRefused::Malformed(..))), "{odd:?}");
        assert!(!format!("{odd:?}").contains("secret"));
    }

    /// The upgrade: a job the previous version queued (MACed with the signing secret's material)
    /// opens with the signing ring beside the hashing ring, and only then.
    #[test]
    fn a_job_the_previous_version_queued_opens_with_the_signing_ring() {
        let json = job().to_json().unwrap();
        let legacy_mac = signing(OTHER_KEY).legacy_job_mac(json.as_bytes());
        let body = format!("{}{MAC_OPEN}{legacy_mac}{MAC_CLOSE}", json.strip_suffix('}').unwrap());
        assert_eq!(MailJob::open(&body, &ring(KEY), Some(&signing(OTHER_KEY))).unwrap(), job());
        assert!(matches!(MailJob::open(&body, &ring(KEY), None), Err(JobRefused::Forged)), "not without the signing ring");
        assert!(matches!(MailJob::open(&body, &ring(KEY), Some(&signing(KEY))), Err(JobRefused::Forged)), "another signing secret");
        // And the new kind still opens with the signing ring given.
        let signed = job().sign(&ring(KEY)).unwrap();
        assert_eq!(MailJob::open(signed.body(), &ring(KEY), Some(&signing(OTHER_KEY))).unwrap(), job());
    }

    #[test]
    fn a_campaign_job_id_is_the_same_on_every_run_and_differs_per_user_and_campaign() {
        let id = campaign_job_id("breach-2026-12", "u1");
        assert_eq!(id, campaign_job_id("breach-2026-12", "u1"));
        assert_eq!(id.len(), 34);
        assert_ne!(id, campaign_job_id("breach-2026-12", "u2"));
        assert_ne!(id, campaign_job_id("breach-2026-11", "u1"));
        // Length-prefixed: moving characters between the two parts changes the id.
        assert_ne!(campaign_job_id("ab", "c"), campaign_job_id("a", "bc"));
        let job = MailJob::Operator(OperatorJob {
            id,
            user_id: "u1".into(),
            action: OperatorAction::Invitation,
            requested_at: 1,
            operator: "arn:aws:iam::123456789012:role/ops".into(),
            campaign: Some("breach-2026-12".into()),
            locale: None,
        });
        assert_eq!(MailJob::from_json(&job.to_json().unwrap()).unwrap(), job);
        assert_eq!((job.kind(), job.lane()), ("invitation", Lane::Links));
    }

    #[test]
    fn debug_prints_hold_no_address() {
        let job = MailJob::PasswordChanged(ChangedJob { id: "x".into(), user_id: "u".into(), email: "secret@example.com".into(), changed_at: 1, locale: None });
        assert!(!format!("{job:?}").contains("secret"));
    }
}
