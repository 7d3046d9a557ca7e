//! What the application hears: one event per outcome it may act on, written to the outbox in the
//! same write as the change it reports (so an event is as durable as its change) and published to
//! EventBridge from the outbox's stream. An event names an account by id and a link by its `jti`;
//! it never carries an address, a token, a password or a key.
//!
//! Each event's `detail` is versioned (`schema_version`) and described by a JSON Schema in
//! `events/schemas/`; a consumer deduplicates on `event_id`, which stays the same however often
//! the event is delivered.

use serde::{Deserialize, Serialize};

/// The version of every detail this build writes. A field added is not a new version; a field
/// removed or changed in meaning is.
pub const SCHEMA_VERSION: u32 = 1;

/// How long an outbox item is kept after it is written (its `expires_at`, the table's TTL): past
/// the stream's 24 hours, so an operator can still read what a dead-lettered batch held.
pub const OUTBOX_KEEP_SECS: u64 = 14 * 86_400;

/// The kinds of event, with their EventBridge `detail-type`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    PasswordChanged,
    ResetLinkSent,
    PasswordChangeDisputed,
    ResetForced,
    InvitationSent,
}

impl EventKind {
    pub const ALL: [EventKind; 5] =
        [EventKind::PasswordChanged, EventKind::ResetLinkSent, EventKind::PasswordChangeDisputed, EventKind::ResetForced, EventKind::InvitationSent];

    /// The `detail-type`, in EventBridge's convention (words, title case, as AWS's own events).
    pub fn detail_type(self) -> &'static str {
        match self {
            EventKind::PasswordChanged => "Password Changed",
            EventKind::ResetLinkSent => "Reset Link Sent",
            EventKind::PasswordChangeDisputed => "Password Change Disputed",
            EventKind::ResetForced => "Reset Forced",
            EventKind::InvitationSent => "Invitation Sent",
        }
    }

    /// The name of the event's schema file in `events/schemas/` (without `.json`).
    pub fn schema_name(self) -> &'static str {
        match self {
            EventKind::PasswordChanged => "PasswordChanged",
            EventKind::ResetLinkSent => "ResetLinkSent",
            EventKind::PasswordChangeDisputed => "PasswordChangeDisputed",
            EventKind::ResetForced => "ResetForced",
            EventKind::InvitationSent => "InvitationSent",
        }
    }

    pub fn from_detail_type(detail_type: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.detail_type() == detail_type)
    }
}

/// One event as the outbox holds it: what the publisher sends as an EventBridge entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Unique per event and stable across redeliveries: the outbox item's key, and in the detail.
    pub event_id: String,
    pub detail_type: String,
    /// The detail as JSON.
    pub detail: String,
    /// When it happened (Unix seconds): the entry's `time`.
    pub occurred_at: u64,
}

/// Largest detail the publisher sends: EventBridge takes 256 KB an entry, envelope included.
pub const MAX_DETAIL_BYTES: usize = 200 * 1024;

impl OutboxEvent {
    /// Whether this is an event this service writes: a known kind whose detail parses as that
    /// kind's, names the same `event_id` as the item's key, fits an entry, and happened no later
    /// than `now` (give or take the functions' clock skew). The publisher sends nothing else: an
    /// item written to the outbox by another hand cannot borrow the service's `source`.
    pub fn check(&self, now: u64) -> Result<EventKind, &'static str> {
        let kind = EventKind::from_detail_type(&self.detail_type).ok_or("an unknown detail-type")?;
        if self.detail.len() > MAX_DETAIL_BYTES {
            return Err("a detail too large for an entry");
        }
        if self.occurred_at > now.saturating_add(300) {
            return Err("a time in the future");
        }
        let (event_id, version) = match kind {
            EventKind::PasswordChanged => serde_json::from_str::<PasswordChanged>(&self.detail).map(|d| (d.event_id, d.schema_version)),
            EventKind::ResetLinkSent => serde_json::from_str::<ResetLinkSent>(&self.detail).map(|d| (d.event_id, d.schema_version)),
            EventKind::PasswordChangeDisputed => serde_json::from_str::<PasswordChangeDisputed>(&self.detail).map(|d| (d.event_id, d.schema_version)),
            EventKind::ResetForced => serde_json::from_str::<ResetForced>(&self.detail).map(|d| (d.event_id, d.schema_version)),
            EventKind::InvitationSent => serde_json::from_str::<InvitationSent>(&self.detail).map(|d| (d.event_id, d.schema_version)),
        }
        .map_err(|_| "a detail that is not its kind's")?;
        if event_id != self.event_id || version != SCHEMA_VERSION {
            return Err("a detail whose id or version is not the item's");
        }
        Ok(kind)
    }

    /// When the outbox may forget it (Unix seconds).
    pub fn expires_at(&self) -> u64 {
        self.occurred_at.saturating_add(OUTBOX_KEEP_SECS)
    }

    fn new(kind: EventKind, event_id: String, occurred_at: u64, detail: &impl Serialize) -> OutboxEvent {
        // A detail is a struct of strings, integers and options, which serde_json always writes;
        // were it ever not to, the publisher would skip the empty detail as not its kind's (with
        // its `event_malformed` metric), and the change would still stand.
        let detail = serde_json::to_string(detail).unwrap_or_default();
        OutboxEvent { event_id, detail_type: kind.detail_type().to_owned(), detail, occurred_at }
    }
}

/// A password was changed through a reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub schema_version: u32,
    pub event_id: String,
    pub user_id: String,
    /// Unix seconds; the value written to `password_changed_at`: sessions issued before it end.
    pub changed_at: u64,
    /// The link's `jti` (also in the audit log).
    pub link_id: String,
    /// API Gateway's request id of the confirm.
    pub request_id: Option<String>,
    /// A keyed hash of the requester's network (IPv4 /16, IPv6 /48), as the audit log has it.
    pub requester_network: Option<String>,
    /// The language the account's notice is written in (BCP 47).
    pub locale: String,
}

/// A reset link was mailed (handed to SES).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkSent {
    pub schema_version: u32,
    pub event_id: String,
    pub user_id: String,
    /// The mail job's id (the queue's idempotency key).
    pub job_id: String,
    /// The link's `jti`: a later `Password Changed` with the same `link_id` used this mail.
    pub link_id: String,
    /// Unix seconds.
    pub sent_at: u64,
    /// When the link stops working (Unix seconds).
    pub expires_at: u64,
    pub request_id: Option<String>,
    pub locale: String,
}

/// The account's owner said a password change was not theirs: the account is locked, every link
/// and session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChangeDisputed {
    pub schema_version: u32,
    pub event_id: String,
    pub user_id: String,
    /// Unix seconds; the new `password_changed_at`: sessions issued before it end.
    pub disputed_at: u64,
    /// The disputed change's `password_changed_at` (Unix seconds; `None` if the account had none).
    pub changed_at: Option<u64>,
    /// The status now stored on the account (the `DisputeLockStatus` parameter).
    pub status: String,
    /// The dispute link's `jti`.
    pub link_id: String,
    pub request_id: Option<String>,
    pub requester_network: Option<String>,
}

/// An operator forced a reset of the account (the admin API or the operator tool): its mail is
/// queued; when it goes out, a `Reset Link Sent` with the same `job_id` follows. Written with the
/// account's change (sign-in blocked, sessions ended) in one transaction, or alone if none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetForced {
    pub schema_version: u32,
    pub event_id: String,
    pub user_id: String,
    /// The mail job's id: the `Reset Link Sent` that reports the mail names it too.
    pub job_id: String,
    /// Who asked: the caller's IAM ARN, or the operator tool's identity.
    pub operator: String,
    /// The bulk campaign, if the reset is part of one.
    pub campaign: Option<String>,
    /// Whether the stored hash was replaced by the unusable marker: no sign-in works until the reset.
    pub blocked_sign_in: bool,
    /// Whether `password_changed_at` moved to `forced_at`: sessions issued before it end.
    pub ended_sessions: bool,
    /// Unix seconds.
    pub forced_at: u64,
}

/// An invitation ("choose your password") was mailed to an account with no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSent {
    pub schema_version: u32,
    pub event_id: String,
    pub user_id: String,
    pub job_id: String,
    /// The link's `jti`: the `Password Changed` that sets the first password names it.
    pub link_id: String,
    /// Unix seconds.
    pub sent_at: u64,
    /// When the link stops working (Unix seconds).
    pub expires_at: u64,
    pub operator: String,
    pub campaign: Option<String>,
    pub locale: String,
}

impl ResetForced {
    pub fn into_event(self) -> OutboxEvent {
        OutboxEvent::new(EventKind::ResetForced, self.event_id.clone(), self.forced_at, &self)
    }
}

impl InvitationSent {
    pub fn into_event(self) -> OutboxEvent {
        OutboxEvent::new(EventKind::InvitationSent, self.event_id.clone(), self.sent_at, &self)
    }
}

/// The event id of a forced reset's `Reset Forced`: derived from its job.
pub fn forced_id(job_id: &str) -> String {
    format!("forced-{job_id}")
}

/// The event id of an invitation's `Invitation Sent`: derived from its job.
pub fn invitation_sent_id(job_id: &str) -> String {
    format!("invited-{job_id}")
}

impl PasswordChanged {
    pub fn into_event(self) -> OutboxEvent {
        OutboxEvent::new(EventKind::PasswordChanged, self.event_id.clone(), self.changed_at, &self)
    }
}

impl ResetLinkSent {
    pub fn into_event(self) -> OutboxEvent {
        OutboxEvent::new(EventKind::ResetLinkSent, self.event_id.clone(), self.sent_at, &self)
    }
}

impl PasswordChangeDisputed {
    pub fn into_event(self) -> OutboxEvent {
        OutboxEvent::new(EventKind::PasswordChangeDisputed, self.event_id.clone(), self.disputed_at, &self)
    }
}

/// A new event id: 128 random bits, hex.
pub fn new_event_id() -> anyhow::Result<String> {
    super::mail_job::new_job_id()
}

/// The event id of a reset mail's `Reset Link Sent`: derived from the job, so a job handled twice
/// (a redelivery after its ledger write was lost) yields the same id, which consumers deduplicate.
pub fn link_sent_id(job_id: &str) -> String {
    format!("sent-{job_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_carry_their_kind_id_and_time_and_no_address() {
        let event = PasswordChanged {
            schema_version: SCHEMA_VERSION,
            event_id: "e1".into(),
            user_id: "u1".into(),
            changed_at: 1_700_000_000,
            link_id: "j1".into(),
            request_id: Some("r1".into()),
            requester_network: Some("n1".into()),
            locale: "en".into(),
        }
        .into_event();
        assert_eq!(event.detail_type, "Password Changed");
        assert_eq!(event.event_id, "e1");
        assert_eq!(event.occurred_at, 1_700_000_000);
        assert_eq!(event.expires_at(), 1_700_000_000 + OUTBOX_KEEP_SECS);
        let detail: serde_json::Value = serde_json::from_str(&event.detail).unwrap();
        assert_eq!(detail["schema_version"], 1);
        assert_eq!(detail["link_id"], "j1");
        assert!(!event.detail.contains('@'));
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_detail_type(kind.detail_type()), Some(kind));
        }
        assert_eq!(event.check(1_700_000_000), Ok(EventKind::PasswordChanged));
    }

    /// What the publisher refuses to send under the service's name: anything the service does
    /// not write.
    #[test]
    fn only_the_services_own_events_pass_the_check() {
        let good = ResetLinkSent {
            schema_version: SCHEMA_VERSION,
            event_id: "sent-j1".into(),
            user_id: "u1".into(),
            job_id: "j1".into(),
            link_id: "l1".into(),
            sent_at: 100,
            expires_at: 200,
            request_id: None,
            locale: "en".into(),
        }
        .into_event();
        assert_eq!(good.check(100), Ok(EventKind::ResetLinkSent));
        let with = |change: &dyn Fn(&mut OutboxEvent)| {
            let mut event = good.clone();
            change(&mut event);
            event.check(100)
        };
        assert!(with(&|e| e.detail_type = "Account Deleted".into()).is_err(), "an unknown kind");
        assert!(with(&|e| e.detail_type = "Password Changed".into()).is_err(), "a detail of another kind");
        assert!(with(&|e| e.event_id = "sent-j2".into()).is_err(), "an id that is not the detail's");
        assert!(with(&|e| e.detail = "[1]".into()).is_err(), "not an object");
        assert!(with(&|e| e.detail = e.detail.replace("\"schema_version\":1", "\"schema_version\":2")).is_err(), "another version");
        assert!(with(&|e| e.occurred_at = 100 + 301).is_err(), "from the future");
        assert!(with(&|e| e.detail = format!("{},\"pad\":\"{}\"}}", e.detail.trim_end_matches('}'), "x".repeat(MAX_DETAIL_BYTES))).is_err(), "too large");
    }
}
