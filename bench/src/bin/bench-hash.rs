//! A new password's hash as the deployment zips make it: built by the same `cargo lambda build
//! --release` (release profile, LTO, the hashing crates at opt-level 3), through the same code
//! path as a confirm (`reset_core::domain::password`, argon2 with its kept memory block), at each
//! format's default parameters. `bench-hash FORMAT` (a `PASSWORD_HASH_FORMAT` value; argon2id if
//! none) prints the median of one hash, in ms.

use std::time::Instant;

use reset_core::domain::password::{self, HashFormat, PasswordStorage};

fn main() -> anyhow::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "argon2id".into());
    let format = HashFormat::named(&name).ok_or_else(|| anyhow::anyhow!("{name}: not a PASSWORD_HASH_FORMAT value"))?;
    let storage = PasswordStorage::new(format);
    // The slow formats (PBKDF2, bcrypt) take a few hundred ms a hash: fewer runs, same median.
    let runs = if format.uses_argon2() { 30 } else { 11 };
    for _ in 0..2 {
        password::hash_in("correct horse battery staple", &storage)?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        password::hash_in("correct horse battery staple", &storage)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.3}", times[runs / 2]);
    Ok(())
}
