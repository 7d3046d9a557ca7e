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

pub use confirm_reset::{CheckedToken, ConfirmError, TokenRejected, check_token, confirm_reset};
pub use keys::KeyCache;
pub use request_reset::{RequestOutcome, RequestResetError, request_reset};
pub use reset_token;
pub use settings::Settings;

/// Everything a use case runs against, built once per process (at cold start).
pub struct Deps<U, M, K> {
    pub users: U,
    pub mailer: M,
    pub keys: KeyCache<K>,
    pub settings: Settings,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
