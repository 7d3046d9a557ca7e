//! A new password's hash as the deployment zips make it: built by the same `cargo lambda build
//! --release` (release profile, LTO, the hashing crates at opt-level 3), through the same code
//! path as a confirm (`reset_core::domain::password`, argon2 with its kept memory block), at each
//! format's default parameters. `bench-hash FORMAT` (a `PASSWORD_HASH_FORMAT` value; argon2id if
//! none) prints the median of one hash, in ms of the thread's CPU time (as the confirms beside
//! which lambda-bench runs it are counted; wall time also counted whatever else the machine did).
//!
//! Two more of the confirm's parts, for its figures beside Python's (bench/src/main.rs):
//! `bench-hash strength` prints the median CPU of one strength check (zxcvbn, with the context a
//! confirm gives it), and `bench-hash prepare` what `reset_core::prepare_confirms` costs a fresh
//! process (zxcvbn's tables built, argon2's block faulted in), in ms of CPU.

use reset_core::domain::password::{self, HashFormat, PasswordStorage};
use reset_core::domain::{NewPassword, PasswordPolicy, StoredEmail};

/// The password and account the lambda-bench confirms use.
const NEW_PASSWORD: &str = "a new and long passphrase";
const ACCOUNT: &str = "bench-rust-1@example.com";

fn main() -> anyhow::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "argon2id".into());
    match name.as_str() {
        "strength" => return strength(),
        "prepare" => return prepare(),
        _ => {}
    }
    let format = HashFormat::named(&name).ok_or_else(|| anyhow::anyhow!("{name}: not a PASSWORD_HASH_FORMAT value"))?;
    let storage = PasswordStorage::new(format);
    // The slow formats (PBKDF2, bcrypt) take a few hundred ms a hash: fewer runs, same median.
    let runs = if format.uses_argon2() { 30 } else { 11 };
    for _ in 0..2 {
        password::hash_in("correct horse battery staple", &storage)?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = thread_cpu_ms();
        password::hash_in("correct horse battery staple", &storage)?;
        times.push(thread_cpu_ms() - started);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.3}", times[runs / 2]);
    Ok(())
}

/// One strength check (the password's own rules are parsed once, outside the timing).
fn strength() -> anyhow::Result<()> {
    let policy = PasswordPolicy::default();
    let password = NewPassword::parse(NEW_PASSWORD, policy).map_err(|_| anyhow::anyhow!("the bench's password breaks the policy"))?;
    let email = StoredEmail::new(ACCOUNT);
    let check = || password.check_strength(policy, &email, "Demo App").map_err(|_| anyhow::anyhow!("the bench's password is refused"));
    check()?;
    let mut times: Vec<f64> = (0..101)
        .map(|_| {
            let started = thread_cpu_ms();
            let outcome = check();
            (thread_cpu_ms() - started, outcome)
        })
        .map(|(ms, outcome)| outcome.map(|()| ms))
        .collect::<anyhow::Result<_>>()?;
    times.sort_by(f64::total_cmp);
    println!("{:.3}", times[times.len() / 2]);
    Ok(())
}

/// What a fresh process spends preparing confirms, in ms of this thread's CPU time.
fn prepare() -> anyhow::Result<()> {
    let before = thread_cpu_ms();
    reset_core::prepare_confirms(&reset_core::Settings::for_reset_page(reset_core::settings::parse_page_url("https://auth.example.com/reset-password")?));
    println!("{:.3}", thread_cpu_ms() - before);
    Ok(())
}

fn thread_cpu_ms() -> f64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given, nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 * 1000.0 + now.tv_nsec as f64 / 1e6
}
