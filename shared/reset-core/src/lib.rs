//! The password-reset domain, free of AWS and HTTP, rendering nothing: newtypes that parse at the edge and
//! the jobs on the mail queue ([`domain`]), the ports the use cases need ([`ports`]), the three use
//! cases ([`use_cases`]), what they need to know ([`settings`]), each function's deps (below),
//! and, behind the `memory` feature, in-memory adapters so the whole flow runs in tests without a
//! network.

pub mod domain;
#[cfg(any(test, feature = "memory"))]
pub mod memory;
pub mod ports;
pub mod settings;
pub mod use_cases;

pub use ports::keys::KeyCache;
pub use reset_token;
pub use secrecy;
pub use settings::Settings;
pub use use_cases::check_code::{CODE_ATTEMPTS, CodeRejected, check_code, confirm_code, exchange_code};
pub use use_cases::confirm_reset::{CheckedToken, ConfirmError, TokenRejected, audit_refusal, check_token, confirm_checked, confirm_reset};
pub use use_cases::deliver_mail::{ComposeMail, Delivery, Pace, Paces, SHARED_WAIT_GAPS, Settled, deliver_mail};
pub use use_cases::dispute_change::{Locked, audit_dispute_refusal, check_dispute, dispute_change};
pub use use_cases::operator_reset::{OperatorDeps, OperatorRefusal, OperatorRequest, Started, start_operator_reset};
pub use use_cases::publish_events::{PublishDeps, Published, publish_events};
pub use use_cases::request_reset::{RequestResetError, Requester, request_reset};

use ports::breached::BreachedPasswords;
use ports::{CodeLinks, CountHits, JobLedger, KeySource, MailQueue, Mailer};
use reset_token::{HashRing, KeyRing};

/// The adapter types one wiring plugs into the ports (AWS in `reset-aws`, [`memory::InMemory`]
/// for tests), named once so that use cases and handlers take one type parameter, not five. The
/// mailer and the breached-password check are not among them: only the one function that uses
/// each is given it ([`DeliveryDeps`], [`ConfirmDeps`]).
pub trait Adapters {
    /// A user store; each use case says which of its ports it uses (the mail worker finds users
    /// by address, reset-password reads and writes them by id, request-reset reads none).
    type Users: Send + Sync;
    /// The rate-limit counters, and the links mailed with a code (the service's own table).
    type Limits: CountHits + CodeLinks;
    /// Which mail jobs were handled (beside the counters, in the service's own table).
    type Ledger: JobLedger;
    type Queue: MailQueue;
    /// The signing keys: only the functions that sign or verify links hold them.
    type Keys: KeySource<Ring = KeyRing>;
    /// The hashing keys (audit and counter hashes, the jobs' MACs): every function holds them.
    type HashKeys: KeySource<Ring = HashRing>;
}

/// What every function holds, built once per process (at cold start): request-reset's whole
/// set. It reads no user, sends no mail and holds no signing key (it cannot make a link).
pub struct Deps<A: Adapters> {
    /// The rate-limit counters: their own store, so a limits outage is its own failure.
    pub limits: A::Limits,
    /// Where the HTTP functions leave mail for the mail worker, and where it sets back-offs.
    pub queue: A::Queue,
    /// The hashing keys: counter keys, audit hashes, the jobs' MACs.
    pub hashing: KeyCache<A::HashKeys>,
    pub settings: Settings,
}

/// The mail worker's: what every function holds, the signing keys (it signs the links it sends
/// and reads the previous version's job MACs), the users (found by address), the job ledger, what
/// writes the mails, the mailer and the process's paces (its share of the send rate per queue,
/// spent by the use case). The HTTP functions hold none of the last five: they link no mail client
/// and no mail template.
pub struct DeliveryDeps<A: Adapters, M: Mailer> {
    pub common: Deps<A>,
    pub signing: KeyCache<A::Keys>,
    pub users: A::Users,
    pub ledger: A::Ledger,
    pub mails: &'static dyn ComposeMail,
    pub mailer: M,
    pub paces: Paces,
}

/// reset-password's: what every function holds, the signing keys (it verifies tokens), the users
/// (read by id, written conditionally) and the breached-password check (`None`: off).
pub struct ConfirmDeps<A: Adapters, B: BreachedPasswords> {
    pub common: Deps<A>,
    pub signing: KeyCache<A::Keys>,
    pub users: A::Users,
    pub breaches: Option<B>,
}

/// What a confirm would otherwise build on first use (the strength check's dictionaries, and the
/// argon2 block if the stored format is argon2's), built now: call it at cold start, which runs
/// at full CPU.
pub fn prepare_confirms(settings: &Settings) {
    domain::NewPassword::prepare_strength_check();
    if settings.password_storage.format.uses_argon2() {
        domain::password::prepare();
    }
}

/// Milliseconds since the Unix epoch ([`unix_now`]'s clock, finer).
pub fn unix_now_ms() -> u64 {
    #[cfg(feature = "sim-clock")]
    if let Some(now) = memory::virtual_now_ms() {
        return now;
    }
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since the Unix epoch (in tests, a simulation's clock where one runs:
/// `memory::follow_tokio_clock`).
pub fn unix_now() -> u64 {
    #[cfg(feature = "sim-clock")]
    if let Some(now) = memory::virtual_now() {
        return now;
    }
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
