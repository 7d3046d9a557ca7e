//! The password-reset domain, free of AWS and HTTP: newtypes that parse at the edge ([`domain`]),
//! the ports the use cases need ([`ports`]), the jobs on the mail queue ([`mail_job`]), the three
//! use cases ([`request_reset`], [`deliver_mail`], [`confirm_reset`]), and in-memory adapters
//! ([`memory`]) so the whole flow runs in tests without a network.

pub mod branding;
pub mod breached;
pub mod confirm_reset;
pub mod deliver_mail;
pub mod domain;
pub mod keys;
pub mod mail_job;
pub mod memory;
pub mod origin_verify;
pub mod password;
pub mod ports;
pub mod request_reset;
pub mod settings;

pub use confirm_reset::{CheckedToken, ConfirmError, TokenRejected, audit_refusal, check_token, confirm_checked, confirm_reset};
pub use deliver_mail::{Delivery, DeliveryPorts, Paced, QueueOnly, Settled, deliver_mail};
pub use keys::KeyCache;
pub use request_reset::{RequestResetError, Requester, request_reset};
pub use reset_token;
pub use secrecy;
pub use settings::Settings;

use breached::BreachedPasswords;
use ports::{CountHits, GetUser, KeySource, MailQueue, Mailer, SetPassword};

/// The adapter types one wiring plugs into the ports (AWS in `reset-aws`, [`memory::InMemory`]
/// for tests), named once so that use cases and handlers take one type parameter, not four.
pub trait Adapters {
    type Users: Send + Sync;
    type Limits: CountHits;
    type Mailer: Mailer;
    type Queue: MailQueue;
    type Keys: KeySource;
    type Breaches: BreachedPasswords;
}

/// What reset-password runs against: users read by id and written conditionally.
pub trait ConfirmPorts: Adapters<Users: GetUser + SetPassword> {}
impl<A: Adapters<Users: GetUser + SetPassword>> ConfirmPorts for A {}

/// Everything a use case runs against, built once per process (at cold start).
pub struct Deps<A: Adapters> {
    pub users: A::Users,
    /// The rate-limit counters: their own store, so a limits outage is its own failure.
    pub limits: A::Limits,
    pub mailer: A::Mailer,
    /// Where the HTTP functions leave mail for the mail worker.
    pub queue: A::Queue,
    pub keys: KeyCache<A::Keys>,
    /// Where a new password is looked up among breached ones; `None`: the check is off.
    pub breaches: Option<A::Breaches>,
    pub settings: Settings,
}

/// What a confirm would otherwise build on first use (the strength check's dictionaries, the
/// argon2 block), built now: call it at cold start, which runs at full CPU.
pub fn prepare_confirms() {
    domain::NewPassword::prepare_strength_check();
    password::prepare();
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
