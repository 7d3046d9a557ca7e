//! Benchmark for account enumeration by timing: the median latency of reset requests for a known,
//! an unknown and a disabled account, over HTTP against the local stack (moto, the functions
//! under `cargo lambda watch`), interleaved in one run. There is no time floor: the request path
//! does the same work for every address, so the medians should agree, and each should be a small
//! fraction of the 400 ms floor it replaced. The mail worker does not run meanwhile: in AWS it
//! shares neither CPU nor a single-threaded moto with request-reset, here it would; the queue
//! depth afterwards shows that every request left exactly one job.
//! Run: `cargo run -p reset-bench --bin enumeration-timing`.

use std::time::{Duration, Instant};

use reset_local::functions::Watch;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, Stack};
use reset_local::{free_port, workspace_root};

const ROUNDS: usize = 500;
/// What every request took before the mail left the request path (the retired time floor).
const OLD_FLOOR: Duration = Duration::from_millis(400);

fn post(agent: &ureq::Agent, url: &str, email: &str) -> Duration {
    let body = format!(r#"{{"email":"{email}"}}"#);
    let started = Instant::now();
    let response = agent.post(url).header("content-type", "application/json").send(body).expect("the local API answers");
    assert_eq!(response.status().as_u16(), 202);
    started.elapsed()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut stack = runtime.block_on(Stack::start(None, &format!("{api}/reset-password")))?;
    runtime.block_on(stack.put_user("u-disabled", "disabled@example.com", DEMO_PASSWORD, Some("disabled")))?;
    // Many requests from one IP: lift its limit.
    stack.overrides = reset_local::stack::generous_limits();
    let log = workspace_root().join(format!("target/test-logs/timing-{port}.log"));
    let _watch = Watch::start(Some(port), &stack.env(), &log, false)?;
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let url = format!("{api}/password-reset/request");
    let accounts = [("known", DEMO_EMAIL), ("unknown", "nobody@example.com"), ("disabled", "disabled@example.com")];
    for _ in 0..5 {
        for (_, email) in accounts {
            post(&agent, &url, email);
        }
    }
    let mut samples = vec![Vec::new(); accounts.len()];
    for round in 0..ROUNDS {
        // Rotate the order each round, so no account always follows another.
        for i in 0..accounts.len() {
            let k = (i + round) % accounts.len();
            samples[k].push(post(&agent, &url, accounts[k].1));
        }
    }
    let medians: Vec<Duration> = samples.into_iter().map(median).collect();
    let queued = runtime.block_on(stack.queue.depth())?;

    println!("median of {ROUNDS} interleaved requests per account, one run, no time floor\n");
    println!("{:<10} {:>10} {:>12} {:>14}", "account", "median", "vs known", "vs 400 ms floor");
    for ((name, _), m) in accounts.iter().zip(&medians) {
        println!(
            "{name:<10} {:>8.2}ms {:>11.3}x {:>13.3}x",
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() / medians[0].as_secs_f64(),
            m.as_secs_f64() / OLD_FLOOR.as_secs_f64()
        );
    }
    let (low, high) = (medians.iter().min().unwrap(), medians.iter().max().unwrap());
    let spread = high.as_secs_f64() / low.as_secs_f64() - 1.0;
    println!("\nspread of the medians: {:.2} % (target: within 2 %)", spread * 100.0);
    println!("known-account median: {:.3} of the old floor (target: at most 0.1)", medians[0].as_secs_f64() / OLD_FLOOR.as_secs_f64());
    println!("jobs queued: {queued} for {} requests", (ROUNDS + 5) * accounts.len());
    Ok(())
}
