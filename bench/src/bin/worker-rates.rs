//! The mail worker at the template's send rates (issue 25): the simulation of
//! `tests/api/worker_rates.rs` (the shipped handler, `Paces` and configuration code, a stand-in
//! SES that records each send's time), printed as the tables docs/figures.md keeps.
//!
//! `worker-rates` runs all three parts; `worker-rates simulated|slow-mail|real` runs one:
//! - simulated: tokio's paused clock, five minutes of backlog per row (exact pacing; CPU is free);
//! - slow-mail: 500/s on the paused clock with each mail taking longer than a worker's slot;
//! - real: the real clock and this machine's CPU, a minute of backlog per row, with the CPU the
//!   run used (the simulation is built with the dev profile, as `cargo run` builds it).

#[path = "../../../tests/api/worker_rates.rs"]
mod worker_rates;

use std::time::Duration;

use worker_rates::{AwsTimes, Figures, RATES, Scenario, Shape, run};

fn main() -> anyhow::Result<()> {
    let part = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    anyhow::ensure!(["all", "simulated", "slow-mail", "real"].contains(&part.as_str()), "usage: worker-rates [all|simulated|slow-mail|real]");
    let commit =
        std::process::Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())?;
    println!("worker-rates at commit {commit}; stand-in AWS times: {:?}\n", AwsTimes::default());

    if part == "all" || part == "simulated" {
        println!("Simulated clock (tokio paused), 5 min of backlog, new jobs arriving at the rate for 60 s (at least 200):\n\n{}", Figures::HEADER);
        for rate in RATES {
            let figures = paused(Scenario::at(rate, Duration::from_secs(5 * 60), Duration::from_secs(60), 200))?;
            println!("{}", figures.row());
        }
        println!();
    }
    if part == "all" || part == "slow-mail" {
        let shape = Shape::from_template(500);
        let share = shape.link_rate();
        let slot_ms = f64::from(shape.concurrency) * 1000.0 / share;
        println!("Simulated clock, 500/s (links' share {share:.0}/s: a {slot_ms:.1} ms slot per worker), 1 min of backlog, as one mail takes longer:\n");
        println!(
            "| DynamoDB per call | SES answer | one mail | achieved mails/s | vs the links' share | most in any 1 s |\n| --- | --- | --- | --- | --- | --- |"
        );
        for (dynamodb, ses) in [(5, 50), (5, 65), (10, 50), (10, 70)] {
            let mut scenario = Scenario::at(500, Duration::from_secs(60), Duration::from_secs(10), 0);
            scenario.aws = AwsTimes { dynamodb: Duration::from_millis(dynamodb), ses: Duration::from_millis(ses) };
            let f = paused(scenario)?;
            println!(
                "| {dynamodb} ms | {ses} ms | {} ms | {:.1} | {:+.1} % | {} |",
                6 * dynamodb + ses,
                f.achieved,
                (f.achieved / share - 1.0) * 100.0,
                f.max_in_a_second
            );
        }
        println!();
    }
    if part == "all" || part == "real" {
        println!("Real clock, 1 min of backlog, new jobs arriving at the rate for 30 s; the CPU the whole process used:\n\n{}", Figures::HEADER);
        let mut cpu_rows = Vec::new();
        for rate in RATES {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build()?;
            let cpu_before = cpu_seconds();
            let figures = runtime.block_on(run(Scenario::at(rate, Duration::from_secs(60), Duration::from_secs(30), 0)));
            let (cpu, wall) = (cpu_seconds() - cpu_before, figures.took.as_secs_f64());
            println!("{}", figures.row());
            cpu_rows.push(format!("| {rate} | {wall:.1} | {cpu:.2} | {:.1} % | {:.0} µs |", cpu / wall / 2.0 * 100.0, cpu / figures.jobs as f64 * 1e6));
        }
        println!("\n| mails/s | wall s | CPU s | of the 2 cores | CPU per mail |\n| --- | --- | --- | --- | --- |");
        for row in cpu_rows {
            println!("{row}");
        }
    }
    Ok(())
}

/// `scenario` on tokio's paused clock: time jumps to the next timer whenever every task waits.
fn paused(scenario: Scenario) -> anyhow::Result<Figures> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build()?;
    Ok(runtime.block_on(run(scenario)))
}

/// User and system CPU time of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
