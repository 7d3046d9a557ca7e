//! The password-reset domain, free of AWS and HTTP: newtypes that parse at the edge ([`domain`]),
//! the ports the use cases need ([`ports`]), the two use cases ([`request_reset`],
//! [`confirm_reset`]), and in-memory adapters ([`memory`]) so the whole flow runs in tests
//! without a network.

pub mod confirm_reset;
pub mod domain;
pub mod keys;
pub mod mail;
pub mod memory;
pub mod pages;
pub mod password;
pub mod ports;
pub mod request_reset;
pub mod settings;

pub use confirm_reset::{CheckedToken, ConfirmError, TokenRejected, audit_refusal, check_token, confirm_reset};
pub use keys::KeyCache;
pub use request_reset::{RequestOutcome, RequestResetError, request_reset};
pub use reset_token;
pub use settings::Settings;

use ports::{CountHits, FindUserByEmail, GetUser, KeySource, Mailer, SetPassword};

/// The adapter types one wiring plugs into the ports (AWS in `reset-aws`, [`memory::InMemory`]
/// for tests), named once so that use cases and handlers take one type parameter, not four.
pub trait Adapters {
    type Users: Send + Sync;
    type Limits: CountHits;
    type Mailer: Mailer;
    type Keys: KeySource;
}

/// What request-reset runs against: users found by email (plus limits, mail and keys).
pub trait RequestPorts: Adapters<Users: FindUserByEmail> {}
impl<A: Adapters<Users: FindUserByEmail>> RequestPorts for A {}

/// What reset-password runs against: users read by id and written conditionally.
pub trait ConfirmPorts: Adapters<Users: GetUser + SetPassword> {}
impl<A: Adapters<Users: GetUser + SetPassword>> ConfirmPorts for A {}

/// Everything a use case runs against, built once per process (at cold start).
pub struct Deps<A: Adapters> {
    pub users: A::Users,
    /// The rate-limit counters: their own store, so a limits outage is its own failure.
    pub limits: A::Limits,
    pub mailer: A::Mailer,
    pub keys: KeyCache<A::Keys>,
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
