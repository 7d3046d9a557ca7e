//! argon2id with the OWASP parameters (m = 19456 KiB, t = 2, p = 1), run on the blocking pool so
//! a hash never stalls the async executor.
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

use crate::domain::NewPassword;

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

/// Hashes to a PHC string with a fresh random salt, waiting for a turn if others are hashing.
///
/// On a single-threaded runtime (the functions': Lambda hands a process one invocation at a time)
/// the hash runs in place: there is nothing else for the thread to do meanwhile, and handing it to
/// the blocking pool only added a thread wake-up each way. A multi-threaded host (tests, a server
/// serving many requests) keeps its executor free by handing it over.
pub async fn hash(password: NewPassword) -> anyhow::Result<String> {
    let _turn = TURNS.acquire().await.context("the hashing turns were closed")?;
    if tokio::runtime::Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
        return hash_blocking(password.expose());
    }
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| hash_blocking(password.expose()))).await.context("the hashing task did not finish")?
}

/// True when `password`, as typed, matches the PHC string `phc` (whatever parameters it was made
/// with): what a sign-in does, by the rule in `login_password`.
pub fn verify(password: &str, phc: &str) -> bool {
    login_password::verify(password, phc)
}

/// Hashes on the current thread with a kept block (the request path goes through [`hash`]; this
/// is also for seeding users and benchmarks).
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
