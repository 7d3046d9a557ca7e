//! argon2id as the deployment zips run it: built by the same `cargo lambda build --release`
//! (release profile, LTO, argon2 at opt-level 3), through the same code path as a confirm
//! (`reset_core::domain::password`, with its kept memory block). Prints the median of one hash, in ms.

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    const RUNS: usize = 30;
    for _ in 0..3 {
        reset_core::domain::password::hash_blocking("correct horse battery staple")?;
    }
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        reset_core::domain::password::hash_blocking("correct horse battery staple")?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.3}", times[RUNS / 2]);
    Ok(())
}
