//! Benchmark for account enumeration by timing: the median latency of reset requests for a known
//! and an unknown account, over HTTP against the local stack (moto + both functions under
//! `cargo lambda watch`), once with the time floor off (the gap an attacker could measure) and
//! once with the default floor. Prints both ratios. Run: `cargo run -p reset-tests --bin enumeration-timing`.

use std::time::{Duration, Instant};

use reset_tests::functions::Watch;
use reset_tests::stack::{DEMO_EMAIL, Stack};
use reset_tests::{free_port, workspace_root};

const ROUNDS: usize = 40;

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

fn measure(floor_ms: Option<u64>) -> anyhow::Result<(Duration, Duration)> {
    let runtime = tokio::runtime::Runtime::new()?;
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut stack = runtime.block_on(Stack::start(None, &format!("{api}/reset-password")))?;
    // Many requests for one address: lift the per-address limit, or most would skip the mail.
    stack.overrides = reset_tests::stack::generous_limits();
    if let Some(ms) = floor_ms {
        stack.overrides.push(("REQUEST_TIME_FLOOR_MS".into(), ms.to_string()));
    }
    let log = workspace_root().join(format!("target/test-logs/timing-{port}.log"));
    let _watch = Watch::start(Some(port), &stack.env(), &log, false)?;
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let url = format!("{api}/password-reset/request");
    for _ in 0..3 {
        post(&agent, &url, DEMO_EMAIL);
        post(&agent, &url, "nobody@example.com");
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        known.push(post(&agent, &url, DEMO_EMAIL));
        unknown.push(post(&agent, &url, "nobody@example.com"));
    }
    Ok((median(known), median(unknown)))
}

fn main() -> anyhow::Result<()> {
    println!("median of {ROUNDS} interleaved requests per account, same run\n");
    println!("{:<28} {:>10} {:>10} {:>14}", "time floor", "known", "unknown", "known/unknown");
    for (label, floor) in [("off (REQUEST_TIME_FLOOR_MS=0)", Some(0)), ("default (400 ms)", None)] {
        let (known, unknown) = measure(floor)?;
        let ratio = known.as_secs_f64() / unknown.as_secs_f64();
        println!("{label:<28} {:>8.1}ms {:>8.1}ms {:>13.3}x", known.as_secs_f64() * 1e3, unknown.as_secs_f64() * 1e3, ratio);
    }
    Ok(())
}
