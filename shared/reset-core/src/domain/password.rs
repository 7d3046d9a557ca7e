//! The new password's hash, in the format the application's sign-in reads ([`HashFormat`]):
//! argon2id with the OWASP parameters (m = 19456 KiB, t = 2, p = 1) as a PHC string (the
//! default) or in Django's form, Django's PBKDF2-SHA256, or bcrypt; with an optional `{id}`
//! prefix. A multi-threaded host runs it on the blocking pool, so a hash never stalls the async
//! executor.
//!
//! Memory: each hash needs a 19 MiB block. A fresh one per hash costs page faults and zeroing,
//! and glibc serves such blocks from per-thread arenas that keep them (its mmap threshold rises
//! after the first free), so every blocking-pool thread ended up holding one: a peak RSS of many
//! blocks in the shipped reset-password (docs/figures.md). Blocks are instead kept and reused, one per hash that may run
//! at once, and [`hash`] runs at most [`MAX_CONCURRENT_HASHES`] at a time.

use std::sync::Mutex;

use anyhow::Context as _;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use login_password::formats;

use crate::domain::NewPassword;

/// How a new password is stored (`PASSWORD_HASH_FORMAT`, `PASSWORD_HASH_PREFIX`, `BCRYPT_COST`,
/// `PBKDF2_ITERATIONS`): the format the application's sign-in verifies. Every format hashes the
/// NFKC form ([`NewPassword`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordStorage {
    pub format: HashFormat,
    /// Written before the hash, for encoders that pick a verifier by an id (Spring's
    /// `{bcrypt}`); empty for none. Parsed by the wiring: `{`, letters, digits, `@._-`, `}`.
    pub prefix: String,
    /// bcrypt's cost (2^cost rounds), for the bcrypt formats.
    pub bcrypt_cost: u32,
    /// PBKDF2-HMAC-SHA256's iterations, for [`HashFormat::DjangoPbkdf2`].
    pub pbkdf2_iterations: u32,
}

impl PasswordStorage {
    /// bcrypt's cost unless `BCRYPT_COST` says otherwise (2^12 rounds).
    pub const BCRYPT_COST: u32 = 12;
    /// Django's default PBKDF2 iteration count in its current release (6.1, August 2026;
    /// 5.2 LTS uses 1,000,000): `PBKDF2_ITERATIONS` raises it.
    pub const DJANGO_PBKDF2_ITERATIONS: u32 = 1_500_000;

    /// `format` with the default parameters and no prefix.
    pub fn new(format: HashFormat) -> Self {
        PasswordStorage { format, prefix: String::new(), bcrypt_cost: Self::BCRYPT_COST, pbkdf2_iterations: Self::DJANGO_PBKDF2_ITERATIONS }
    }
}

impl Default for PasswordStorage {
    fn default() -> Self {
        PasswordStorage::new(HashFormat::Argon2id)
    }
}

/// The hash formats a reset can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    /// `$argon2id$v=19$m=19456,t=2,p=1$…`: what PHP's `password_verify`, argon2 libraries and
    /// `login_password` read.
    Argon2id,
    /// Django's `Argon2PasswordHasher`: `argon2$argon2id$v=19$…` (the same hash and parameters).
    DjangoArgon2,
    /// Django's `PBKDF2PasswordHasher`: `pbkdf2_sha256$<iterations>$<salt>$<base64>`.
    DjangoPbkdf2,
    /// bcrypt as `$2b$` (Python, Node, Ruby, Go, Java).
    Bcrypt,
    /// bcrypt as `$2y$` (PHP and Laravel, whose `password_get_info` knows bcrypt by that name).
    Bcrypt2y,
}

impl HashFormat {
    /// Each format by the name `PASSWORD_HASH_FORMAT` gives it.
    pub const ALL: [(&str, HashFormat); 5] = [
        ("argon2id", HashFormat::Argon2id),
        ("django-argon2", HashFormat::DjangoArgon2),
        ("django-pbkdf2", HashFormat::DjangoPbkdf2),
        ("bcrypt", HashFormat::Bcrypt),
        ("bcrypt-2y", HashFormat::Bcrypt2y),
    ];

    /// The format `PASSWORD_HASH_FORMAT` names `name`, if any.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(known, _)| *known == name).map(|(_, format)| *format)
    }

    /// The most UTF-8 bytes of a password this format reads, if it does not read all of them.
    pub fn max_bytes(self) -> Option<usize> {
        match self {
            HashFormat::Bcrypt | HashFormat::Bcrypt2y => Some(formats::BCRYPT_MAX_BYTES),
            _ => None,
        }
    }

    /// Whether the format hashes with argon2 (and so wants its block prepared at cold start).
    pub fn uses_argon2(self) -> bool {
        matches!(self, HashFormat::Argon2id | HashFormat::DjangoArgon2)
    }
}

/// Hashes [`hash`] runs at once; more wait their turn (one hash's time each: docs/figures.md). A Lambda process serves
/// one request at a time, so one is all it ever needs; a host serving many requests per process
/// (`cargo lambda watch`) queues them instead of holding one 19 MiB block per request.
pub const MAX_CONCURRENT_HASHES: usize = 1;

const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

static TURNS: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES);
/// Blocks free for the next hash; one per hash that ran at the same time as another, at most.
static BLOCKS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

#[expect(clippy::expect_used, reason = "constant parameters, within argon2's bounds; every test that hashes runs this")]
fn params() -> Params {
    Params::new(19_456, 2, 1, Some(OUTPUT_LEN)).expect("OWASP argon2 parameters are valid")
}

/// A block for one hash, allocated but not yet touched (calloc'd pages fault in on first write).
fn new_blocks() -> Vec<Block> {
    vec![Block::default(); params().block_count()]
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Allocates the kept block at cold start and faults its pages in (19 MiB: about 5,000 page
/// faults), at init's full CPU instead of in the first user's confirm.
pub fn prepare() {
    let mut blocks = new_blocks();
    let bytes = std::mem::size_of_val(blocks.as_slice());
    let base = blocks.as_mut_ptr().cast::<u8>();
    for offset in (0..bytes).step_by(4096) {
        // SAFETY: `offset` < `bytes`, inside the allocation we own; a volatile write, so the
        // compiler cannot drop it as a store of zero into calloc's already-zero memory.
        unsafe { std::ptr::write_volatile(base.add(offset), 0) };
    }
    BLOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(blocks);
}

/// Hashes into `storage`'s format with a fresh random salt, waiting for a turn if others are
/// hashing.
///
/// On a single-threaded runtime (the functions': Lambda hands a process one invocation at a time)
/// the hash runs in place: there is nothing else for the thread to do meanwhile, and handing it to
/// the blocking pool only added a thread wake-up each way. A multi-threaded host (tests, a server
/// serving many requests) keeps its executor free by handing it over.
pub async fn hash(password: NewPassword, storage: &PasswordStorage) -> anyhow::Result<String> {
    let _turn = TURNS.acquire().await.context("the hashing turns were closed")?;
    if tokio::runtime::Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
        return hash_in(password.expose(), storage);
    }
    let span = tracing::Span::current();
    let storage = storage.clone();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_in(password.expose(), &storage))).await.context("the hashing task did not finish")?
}

/// A hash of 32 random bytes in the configured format, which nobody knows the password of: what a
/// dispute writes over the password someone else set, so that password stops working even where
/// the sign-in does not check the status. (A format, not a marker, so every verifier reads it and
/// refuses every password; the account stays resettable once support makes it active again.)
pub async fn scrambled(storage: &PasswordStorage) -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness for a scrambled password: {err}"))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let _turn = TURNS.acquire().await.context("the hashing turns were closed")?;
    if tokio::runtime::Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
        return hash_in(&secret, storage);
    }
    let storage = storage.clone();
    tokio::task::spawn_blocking(move || hash_in(&secret, &storage)).await.context("the hashing task did not finish")?
}

/// True when `password`, as typed, matches the stored hash (any format the service writes, with
/// whatever parameters it names): what a sign-in does, by the rule in `login_password`.
pub fn verify(password: &str, stored: &str) -> bool {
    login_password::verify(password, stored)
}

/// Whether a stored string is a password at all (not empty, not Django's unusable marker): an
/// account whose string is not is treated as one without a hash, and gets no link.
pub fn is_usable(stored: &str) -> bool {
    formats::is_usable(stored)
}

/// `password` (NFKC already) hashed on the current thread into `storage`'s format.
pub fn hash_in(password: &str, storage: &PasswordStorage) -> anyhow::Result<String> {
    let hash = match storage.format {
        HashFormat::Argon2id => hash_blocking(password)?,
        HashFormat::DjangoArgon2 => format!("{}{}", formats::DJANGO_ARGON2, hash_blocking(password)?),
        HashFormat::DjangoPbkdf2 => formats::django_pbkdf2(password.as_bytes(), &django_salt()?, storage.pbkdf2_iterations),
        HashFormat::Bcrypt | HashFormat::Bcrypt2y => {
            // The policy refuses longer passwords (`PasswordPolicy::max_bytes`); this is the
            // backstop, so nothing is ever truncated.
            anyhow::ensure!(password.len() <= formats::BCRYPT_MAX_BYTES, "a password longer than bcrypt reads reached the hash");
            let version = if storage.format == HashFormat::Bcrypt2y { bcrypt::Version::TwoY } else { bcrypt::Version::TwoB };
            bcrypt::hash_with_result(password.as_bytes(), storage.bcrypt_cost)
                .map_err(|err| anyhow::anyhow!("bcrypt hashing failed: {err}"))?
                .format_for_version(version)
        }
    };
    if storage.prefix.is_empty() { Ok(hash) } else { Ok(format!("{}{hash}", storage.prefix)) }
}

/// A salt as Django makes one: 22 characters from `[a-zA-Z0-9]` (131 bits; Django's
/// `must_update` asks for 128).
fn django_salt() -> anyhow::Result<String> {
    const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut salt = String::with_capacity(22);
    while salt.len() < 22 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness for a salt: {err}"))?;
        // 248 = 4 × 62: a byte above it would favour the first letters.
        let wanted = 22 - salt.len();
        salt.extend(bytes.iter().filter(|&&b| b < 248).filter_map(|&b| ALPHABET.get(usize::from(b % 62)).copied().map(char::from)).take(wanted));
    }
    Ok(salt)
}

/// argon2id as a PHC string, on the current thread with a kept block (the request path goes
/// through [`hash`]; this is also for seeding users and benchmarks).
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let lock = || BLOCKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let params = params();
    let mut blocks = lock().pop().unwrap_or_else(new_blocks);
    let hashed = hash_with(password, &params, &mut blocks);
    lock().push(blocks);
    hashed
}

/// argon2id over `blocks` (every block is written before it is read, so a kept one needs no
/// clearing), as a PHC string.
fn hash_with(password: &str, params: &Params, blocks: &mut [Block]) -> anyhow::Result<String> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|err| anyhow::anyhow!("no randomness for a salt: {err}"))?;
    let mut out = [0u8; OUTPUT_LEN];
    argon2().hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks).map_err(|err| anyhow::anyhow!("argon2 hashing failed: {err}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|err| anyhow::anyhow!("argon2 parameters: {err}"))?,
        salt: Some(Salt::new(&salt).map_err(|err| anyhow::anyhow!("argon2 salt: {err}"))?),
        hash: Some(Output::new(&out).map_err(|err| anyhow::anyhow!("argon2 output: {err}"))?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_block_gives_hashes_that_verify_and_differ_by_salt() {
        let first = hash_blocking("correct horse battery staple").unwrap();
        let second = hash_blocking("correct horse battery staple").unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{first}");
        assert_ne!(first, second, "a fresh salt each time");
        for phc in [&first, &second] {
            assert!(verify("correct horse battery staple", phc));
            assert!(!verify("correct horse battery stapler", phc));
        }
    }

    /// `format` at its cheapest parameters (the tests check shapes, not strength).
    fn cheap(format: HashFormat) -> PasswordStorage {
        PasswordStorage { bcrypt_cost: 4, pbkdf2_iterations: 1000, ..PasswordStorage::new(format) }
    }

    #[test]
    fn each_format_writes_what_its_verifier_reads_with_the_prefix_first() {
        let password = "fine Pass XII caf\u{e9}";
        let cases = [
            (HashFormat::Argon2id, "$argon2id$v=19$m=19456,t=2,p=1$"),
            (HashFormat::DjangoArgon2, "argon2$argon2id$v=19$m=19456,t=2,p=1$"),
            (HashFormat::DjangoPbkdf2, "pbkdf2_sha256$1000$"),
            (HashFormat::Bcrypt, "$2b$04$"),
            (HashFormat::Bcrypt2y, "$2y$04$"),
        ];
        for (format, start) in cases {
            for prefix in ["", "{id}"] {
                let storage = PasswordStorage { prefix: prefix.into(), ..cheap(format) };
                let stored = hash_in(password, &storage).unwrap();
                assert!(stored.starts_with(&format!("{prefix}{start}")), "{stored}");
                assert!(verify(password, &stored), "{stored}");
                assert!(!verify("fine Pass XIII", &stored), "{stored}");
            }
        }
        let django = hash_in(password, &cheap(HashFormat::DjangoPbkdf2)).unwrap();
        let salt = django.split('$').nth(2).unwrap();
        assert_eq!(salt.len(), 22);
        assert!(salt.bytes().all(|b| b.is_ascii_alphanumeric()), "{salt}");
    }

    #[test]
    fn bcrypt_never_hashes_a_password_it_would_truncate() {
        let bcrypt = cheap(HashFormat::Bcrypt);
        assert!(hash_in(&"a".repeat(72), &bcrypt).is_ok());
        assert!(hash_in(&"a".repeat(73), &bcrypt).is_err());
    }

    #[test]
    fn a_reused_block_hashes_exactly_as_a_fresh_one() {
        // The same password and salt through a kept (dirty) block and through argon2's own fresh
        // allocation give the same bytes: reuse changes nothing but the memory it costs.
        let salt = [7u8; SALT_LEN];
        let mut dirty = new_blocks();
        let (mut reused, mut fresh) = ([0u8; OUTPUT_LEN], [0u8; OUTPUT_LEN]);
        argon2().hash_password_into_with_memory(b"some other password", &salt, &mut reused, &mut dirty).unwrap();
        argon2().hash_password_into_with_memory(b"a password", &salt, &mut reused, &mut dirty).unwrap();
        argon2().hash_password_into(b"a password", &salt, &mut fresh).unwrap();
        assert_eq!(reused, fresh);
    }
}
