//! lambda-bench: the release binaries (`cargo lambda build --release`, `target/lambda/*/bootstrap`)
//! run as Lambda runs them, through a minimal Lambda Runtime API served here, beside the floor (a
//! bare lambda_http function built the same way) and a plain Python equivalent of each function
//! (awslambdaric + boto3 + itsdangerous + argon2-cffi), all against one moto, one after another.
//!
//! Per function: init (exec → first `/next`, the median of several cold starts), the first invocation's latency, warm p50/p99, CPU
//! per invocation (utime + stime from /proc, first and warm), and peak RSS (VmHWM). Run it with
//! `scripts/bench`, which builds what it measures first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use reset_core::reset_token::{HashRing, KeyRing};
use reset_local::events;
use reset_local::runtime_api::RuntimeApi;
use reset_local::stack::Stack;
use reset_local::workspace_root;
use serde_json::Value;

/// Cold starts per function: init is their median (one start alone swings too far to compare: docs/figures.md).
const COLD_STARTS: usize = 9;
/// Warm invocations per function (after the first).
const WARM_REQUESTS: usize = 100;
const WARM_CONFIRMS: usize = 100;
/// The warm confirms are measured in rounds of this many, each beside a hash measured just before
/// and just after it (`Scenario::hash_probe`): the machine's speed drifts between runs and within
/// one by more than the confirm's work beyond its hash, so a hash measured once, minutes away,
/// made that difference swing by a third.
const CONFIRM_ROUND: usize = 20;
const NEW_PASSWORD: &str = "a new and long passphrase";
/// The Python equivalent's itsdangerous key (a benchmark stand-in, not a secret).
const PYTHON_SIGNING_SECRET: &str = "bench-signing-secret-0123456789abcdef";

struct Scenario {
    name: &'static str,
    /// What one invocation costs in AWS calls, said in the table.
    calls: &'static str,
    command: Command,
    events: Vec<Value>,
    /// The status every answer must have; 0 for the mail worker, whose answer must be a batch
    /// response with no failures.
    status: u16,
    /// For a confirm: a command printing the median CPU ms of one argon2id hash on that side
    /// (`bench-hash argon2id`, `hash_bench.py argon2id`), run between its rounds of warm confirms.
    hash_probe: Option<Box<dyn Fn() -> anyhow::Result<f64>>>,
}

struct Measured {
    name: &'static str,
    calls: &'static str,
    init: Duration,
    /// CPU to the first `/next`, the median of the same cold starts.
    init_cpu_ms: f64,
    first: Duration,
    warm: Vec<Duration>,
    cpu_first_ms: f64,
    cpu_warm_ms: f64,
    /// The same warm average from utime + stime (10 ms ticks over all invocations).
    ticks_warm_ms: f64,
    /// RSS when init ends (the first poll).
    init_rss_mb: f64,
    peak_rss_mb: f64,
    /// A confirm's CPU beyond its hash, per round of [`CONFIRM_ROUND`] warm confirms: the median
    /// of the round's confirms' CPU less the mean of the two hash medians measured just before and
    /// just after it (medians both: a hash's times lean right, and a mean less a median would add
    /// the same few tenths of a ms to both sides, flattering the side whose difference is larger).
    beyond_rounds: Vec<f64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = workspace_root();
    // The run names what it measured: the commit (a run's figures are quoted by it) and any
    // trust-store override the functions inherit.
    let commit = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())?;
    let dirty = Command::new("git").args(["status", "--porcelain", "--untracked-files=no"]).output().map(|o| !o.stdout.is_empty())?;
    let trust = match std::env::var("BENCH_TRUST").as_deref() {
        Ok("host") => "the host's trust store as the environment gives it",
        _ => "the functions' trust store one bundle file, as on Lambda's image (BENCH_TRUST=host: the host's)",
    };
    // Connections as on AWS, where a warm function's SDK client reuses its connection to each
    // endpoint: moto keeps them open (werkzeug's server, which the tests use, closes every one
    // after its answer, so each call also paid a connect, on both sides). BENCH_CONNECTIONS=per-call
    // measures that way again.
    let per_call = std::env::var("BENCH_CONNECTIONS").is_ok_and(|c| c == "per-call");
    let connections =
        if per_call { "a new connection to moto per call (BENCH_CONNECTIONS=per-call)" } else { "connections to moto kept open, as AWS's endpoints keep them" };
    println!("lambda-bench at commit {commit}{}; {trust}; {connections}", if dirty { " (with uncommitted changes)" } else { "" });
    let moto = if per_call { reset_local::stack::Moto::start(None)? } else { reset_local::stack::Moto::start_keeping_connections()? };
    let mut stack = Stack::provisioned(moto, "https://auth.example.com/reset-password").await?;
    stack.overrides = reset_local::stack::generous_limits();
    let env = stack.env();
    let logs = root.join("target/bench-logs");
    std::fs::create_dir_all(&logs)?;

    // The trust store as on Lambda's image, where the system's store is one bundle file
    // (/etc/pki/tls/certs/ca-bundle.crt; the directory beside it holds no hashed certificate
    // files): here the host's bundle alone. Without this, the functions would inherit
    // SSL_CERT_DIR (set on this machine, or by this process's own TLS set-up) and parse every
    // certificate twice, once from the bundle and once from the directory's hashed files.
    // BENCH_TRUST=host keeps the host's store as it is.
    let lambda_trust = std::env::var("BENCH_TRUST").map_or(true, |t| t != "host");
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    let binary = |name: &str| -> anyhow::Result<Command> {
        let mut cmd = Command::new(shipped(&root, name)?);
        if lambda_trust && bundle.exists() {
            cmd.env_remove("SSL_CERT_DIR").env("SSL_CERT_FILE", bundle);
        }
        Ok(cmd)
    };
    let python = |module: &str| {
        let mut cmd = Command::new(root.join(".venv/bin/python"));
        cmd.args(["-m", "awslambdaric", &format!("{module}.handler")]).current_dir(root.join("bench/python"));
        cmd.env("BENCH_SIGNING_SECRET", PYTHON_SIGNING_SECRET);
        cmd
    };

    let request = events::load("request-reset.json");
    let requests = vec![request.clone(); WARM_REQUESTS + 1];
    // Jobs are MACed with the hashing keys, as request-reset does.
    let ring = stack.hash_ring().await?;
    let rust_mail_jobs = mail_jobs(WARM_REQUESTS + 1, "rust", &ring);
    let python_mail_jobs = mail_jobs(WARM_REQUESTS + 1, "python", &ring);
    let rust_confirms = confirms_for_rust(&stack, WARM_CONFIRMS + 1).await?;
    let python_confirms = confirms_for_python(&stack, &env, &root, WARM_CONFIRMS + 1).await?;

    let rust_hash = shipped(&root, "bench-hash")?;
    let (python_exe, hash_bench) = (root.join(".venv/bin/python"), root.join("bench/python/hash_bench.py"));
    let scenarios = vec![
        Scenario { name: "floor: bare lambda_http", calls: "none", command: binary("bench-hello")?, events: requests.clone(), status: 200, hash_probe: None },
        Scenario {
            name: "request-reset",
            calls: "UpdateItem ×4 (IP limit, 3 job budgets), SendMessage",
            command: binary("request-reset")?,
            events: requests.clone(),
            status: 202,
            hash_probe: None,
        },
        Scenario { name: "Python request-reset", calls: "the same", command: python("request_reset"), events: requests, status: 202, hash_probe: None },
        Scenario {
            name: "mail-worker (one reset link)",
            calls: "UpdateItem ×5 (3 budgets, claim, the code's link), Query, SendEmail, TransactWriteItems (done, event)",
            command: binary("mail-worker")?,
            events: rust_mail_jobs,
            status: 0,
            hash_probe: None,
        },
        Scenario {
            name: "Python mail-worker (one reset link)",
            calls: "the same",
            command: python("mail_worker"),
            events: python_mail_jobs,
            status: 0,
            hash_probe: None,
        },
        Scenario {
            name: "reset-password (confirm)",
            calls: "UpdateItem (IP limit), GetItem, TransactWriteItems (password, event), SendMessage",
            command: binary("reset-password")?,
            events: rust_confirms,
            status: 200,
            hash_probe: Some(Box::new(move || printed_ms(Command::new(&rust_hash).arg("argon2id")))),
        },
        Scenario {
            name: "Python reset-password (confirm)",
            calls: "the same",
            command: python("reset_password"),
            events: python_confirms,
            status: 200,
            hash_probe: Some(Box::new(move || printed_ms(Command::new(&python_exe).arg(&hash_bench).arg("argon2id")))),
        },
    ];

    // BENCH_ONLY=request-reset,floor measures only the scenarios whose names hold one of those.
    let mut scenarios = scenarios;
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        scenarios.retain(|s| only.split(',').any(|o| s.name.contains(o.trim())));
    }
    let mut results = Vec::new();
    for scenario in scenarios {
        let name = scenario.name;
        let log = logs.join(format!("{}.log", name.split([' ', ':']).next().unwrap_or("run")));
        results.push(measure(scenario, &env, &log).with_context(|| format!("measuring {name} (log: {})", log.display()))?);
    }
    print_report(&results, &root);
    print_memory_sizes(&results);
    let argon2 = print_argon2(&root)?;
    print_confirm(&results, &root, argon2)?;
    Ok(())
}

/// Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB.
const MB_PER_VCPU: f64 = 1769.0;
/// arm64 (what the template deploys), us-east-1: per GB-second and per request.
const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
const PRICE_PER_REQUEST: f64 = 0.000_000_2;

/// Expected warm latency and cost per million calls at each memory size, from the measured CPU
/// (stretched by the CPU share) and the measured time spent waiting (unchanged): the way AWS
/// Lambda Power Tuning reports it, but derived, not measured in AWS.
fn print_memory_sizes(results: &[Measured]) {
    println!("\nBy memory size (derived from the CPU above; waits on AWS taken as measured against moto):\n");
    println!("| function | MB | vCPU share | warm latency ms | billed ms | cost per 1M calls (arm64) |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for m in results.iter().filter(|m| ["request-reset", "reset-password", "mail-worker"].iter().any(|f| m.name.starts_with(f))) {
        let mut warm = m.warm.clone();
        warm.sort();
        let wall = ms(percentile(&warm, 0.5));
        let waiting = (wall - m.cpu_warm_ms).max(0.0);
        for mb in [128.0, 256.0, 512.0, 1024.0] {
            let share = f64::min(mb / MB_PER_VCPU, 1.0);
            let latency = m.cpu_warm_ms / share + waiting;
            let billed = latency.ceil();
            let cost = 1e6 * (billed / 1000.0 * mb / 1024.0 * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST);
            println!("| {} | {mb:.0} | {share:.3} | {latency:.1} | {billed:.0} | ${cost:.2} |", m.name.split(' ').next().unwrap_or(m.name));
        }
    }
}

/// One argon2id hash three ways, one after another: as shipped, as criterion measured it in this
/// run (bench profile; `scripts/bench` runs it first), and libargon2 through argon2-cffi. Then
/// each other format a reset can write, at its default parameters, as shipped and in Python's
/// usual library for it.
fn print_argon2(root: &Path) -> anyhow::Result<Argon2Times> {
    let shipped_hash = |format: &str| printed_ms(Command::new(shipped(root, "bench-hash")?).arg(format));
    let python_hash = |format: &str| printed_ms(Command::new(root.join(".venv/bin/python")).arg(root.join("bench/python/hash_bench.py")).arg(format));
    let shipped = shipped_hash("argon2id")?;
    let cffi = python_hash("argon2id")?;
    let estimates = root.join("target/criterion/argon2id/hash_m19456_t2_p1/new/estimates.json");
    let criterion = std::fs::read_to_string(&estimates)
        .ok()
        .and_then(|json| serde_json::from_str::<Value>(&json).ok())
        .and_then(|v| v["median"]["point_estimate"].as_f64())
        .map(|ns| ns / 1e6);
    println!("\nargon2id (m = 19456 KiB, t = 2, p = 1), median of one hash, in the thread's CPU time (criterion: wall time):");
    println!("- as shipped (release zip, kept block): {shipped:.2} ms");
    match criterion {
        Some(c) => println!("- criterion, bench profile, wall time: {c:.2} ms (shipped CPU / criterion wall = {:.2})", shipped / c),
        None => println!("- criterion: no result at {} (run `cargo bench -p reset-core -- argon2id`)", estimates.display()),
    }
    println!("- libargon2 via argon2-cffi: {cffi:.2} ms (shipped / argon2-cffi = {:.2})", shipped / cffi);

    println!("\nEach hash format at its default parameters (PASSWORD_HASH_FORMAT), median CPU of one hash on this machine,");
    println!("and at 512 MB on Lambda (CPU share {:.3}):\n", 512.0 / MB_PER_VCPU);
    println!("| format | parameters | shipped ms | at 512 MB ms | Python ms | shipped / Python |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let share = 512.0 / MB_PER_VCPU;
    for (format, parameters, python) in [
        ("argon2id", "m = 19456 KiB, t = 2, p = 1", Some("argon2id")),
        ("django-argon2", "the same", None),
        ("django-pbkdf2", "1,500,000 iterations", Some("django-pbkdf2")),
        ("bcrypt", "cost 12", Some("bcrypt")),
    ] {
        let ours = if format == "argon2id" { shipped } else { shipped_hash(format)? };
        match python {
            Some(python) => {
                let theirs = if python == "argon2id" { cffi } else { python_hash(python)? };
                println!("| {format} | {parameters} | {ours:.1} | {:.0} | {theirs:.1} | {:.2} |", ours / share, ours / theirs);
            }
            None => println!("| {format} | {parameters} | {ours:.1} | {:.0} | | |", ours / share),
        }
    }
    Ok(Argon2Times { shipped, cffi })
}

/// One argon2id hash, ms: as shipped and through argon2-cffi.
struct Argon2Times {
    shipped: f64,
    cffi: f64,
}

/// The confirm beyond argon2id on both sides (its CPU less one hash, then less the strength check
/// too), and what the first user waits at 512 MB and 1,769 MB: init and the first confirm, each
/// part's CPU stretched by the CPU share it runs at, plus the waits as measured. Init runs at a
/// full vCPU on an on-demand function (docs/figures.md says where that is written), invocations
/// at the memory's share; the alternative design, preparing nothing at cold start, is derived by
/// moving the preparation's CPU (measured in fresh processes) from init to the first confirm.
fn print_confirm(results: &[Measured], root: &Path, argon2: Argon2Times) -> anyhow::Result<()> {
    let by = |prefix: &str| results.iter().find(|m| m.name.starts_with(prefix));
    let strength = printed_ms(Command::new(shipped(root, "bench-hash")?).arg("strength"))?;
    let python_strength = printed_ms(Command::new(root.join(".venv/bin/python")).arg(root.join("bench/python/hash_bench.py")).arg("zxcvbn"))?;
    let mut prepares = (0..COLD_STARTS).map(|_| printed_ms(Command::new(shipped(root, "bench-hash")?).arg("prepare"))).collect::<anyhow::Result<Vec<f64>>>()?;
    prepares.sort_by(f64::total_cmp);
    let prepare = prepares[prepares.len() / 2];
    let (Some(rust), Some(python)) = (by("reset-password"), by("Python reset-password")) else {
        return Ok(());
    };
    let (rust_beyond, python_beyond) = (median(rust.beyond_rounds.clone()), median(python.beyond_rounds.clone()));
    let rounds = |m: &Measured| m.beyond_rounds.iter().map(|ms| format!("{ms:.2}")).collect::<Vec<_>>().join(", ");
    println!(
        "\nThe confirm beyond argon2id, CPU per warm invoke less one hash (as shipped; argon2-cffi): the median of {} rounds, each the median CPU of {CONFIRM_ROUND} confirms less the median hash measured just before and just after them:",
        rust.beyond_rounds.len()
    );
    println!("- reset-password {rust_beyond:.2} ms, Python {python_beyond:.2} ms: {:.2}x", rust_beyond / python_beyond);
    println!("- the rounds: reset-password {}; Python {}", rounds(rust), rounds(python));
    let (once_rust, once_python) = (rust.cpu_warm_ms - argon2.shipped, python.cpu_warm_ms - argon2.cffi);
    println!(
        "- (all warm confirms less the hash measured once, after every scenario: {once_rust:.2} ms, Python {once_python:.2} ms: {:.2}x)",
        once_rust / once_python
    );
    println!(
        "- of which the strength check (zxcvbn, median of one): {strength:.2} ms; Python's zxcvbn {python_strength:.2} ms ({:.2}x)",
        strength / python_strength
    );
    let (rust_rest, python_rest) = (rust_beyond - strength, python_beyond - python_strength);
    println!("- the rest (four AWS calls, the token, the page): {rust_rest:.2} ms, Python {python_rest:.2} ms: {:.2}x", rust_rest / python_rest);

    println!("\nWhat the first user waits (reset-password: init, then the first confirm), derived:\n");
    println!("| design | MB | init CPU ms | first confirm CPU ms | first user waits ms |");
    println!("| --- | --- | --- | --- | --- |");
    let (init_wait, first_wait) = ((ms(rust.init) - rust.init_cpu_ms).max(0.0), (ms(rust.first) - rust.cpu_first_ms).max(0.0));
    for (design, init_cpu, first_cpu) in [
        ("as shipped: prepared at cold start", rust.init_cpu_ms, rust.cpu_first_ms),
        ("prepared by the first confirm", rust.init_cpu_ms - prepare, rust.cpu_first_ms + prepare),
    ] {
        for mb in [512.0, MB_PER_VCPU] {
            let share = f64::min(mb / MB_PER_VCPU, 1.0);
            let waits = init_cpu + init_wait + first_cpu / share + first_wait;
            println!("| {design} | {mb:.0} | {init_cpu:.1} | {first_cpu:.1} | {waits:.1} |");
        }
    }
    println!("\n(preparing confirms in a fresh process: {prepare:.1} ms of CPU, the median of {COLD_STARTS})");
    Ok(())
}

/// The `bootstrap` inside a function's deployment zip (`cargo lambda build --release
/// --output-format zip`), unpacked under target/bench-bin: exactly the bytes that ship.
fn shipped(root: &Path, name: &str) -> anyhow::Result<PathBuf> {
    // BENCH_LAMBDA_DIR: binaries from another `cargo lambda build --release` (e.g. one with
    // CARGO_PROFILE_RELEASE_STRIP=false, whose symbols `perf report` can name), unzipped.
    if let Ok(dir) = std::env::var("BENCH_LAMBDA_DIR") {
        let bootstrap = Path::new(&dir).join(name).join("bootstrap");
        anyhow::ensure!(bootstrap.exists(), "{} is missing", bootstrap.display());
        return Ok(bootstrap);
    }
    let zip = root.join("target/lambda").join(name).join("bootstrap.zip");
    anyhow::ensure!(zip.exists(), "{} is missing: run `cargo lambda build --release --output-format zip` (scripts/bench does)", zip.display());
    let dir = root.join("target/bench-bin").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let status = Command::new(root.join(".venv/bin/python")).args(["-m", "zipfile", "-e"]).arg(&zip).arg(&dir).status()?;
    anyhow::ensure!(status.success(), "could not unpack {}", zip.display());
    let bootstrap = dir.join("bootstrap");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755))?;
    Ok(bootstrap)
}

/// One user per confirm, each with a token the running ring signed.
async fn confirms_for_rust(stack: &Stack, n: usize) -> anyhow::Result<Vec<Value>> {
    let secret = stack.secrets().get_secret_value().secret_id(reset_local::stack::SECRET_ID).send().await?;
    let ring = KeyRing::from_json(secret.secret_string().context("a string secret")?)?;
    let mut out = Vec::new();
    for i in 0..n {
        let (id, email) = (format!("bench-rust-{i}"), format!("bench-rust-{i}@example.com"));
        stack.put_user(&id, &email, "an old and long passphrase", None).await?;
        let hash = stack.password_hash(&id).await?;
        let binding = reset_core::reset_token::Binding { user_id: &id, email: &email, password_hash: &hash, status: "", epoch: "" };
        let token = ring.issue(binding, reset_core::unix_now(), 1800)?.token;
        out.push(confirm_event(&token));
    }
    Ok(out)
}

/// One user per confirm, each with a token the Python function's own signer issued.
async fn confirms_for_python(stack: &Stack, env: &[(String, String)], root: &Path, n: usize) -> anyhow::Result<Vec<Value>> {
    let ids: Vec<String> = (0..n).map(|i| format!("bench-python-{i}")).collect();
    for id in &ids {
        stack.put_user(id, &format!("{id}@example.com"), "an old and long passphrase", None).await?;
    }
    let out = Command::new(root.join(".venv/bin/python"))
        .arg("reset_password.py")
        .arg("issue")
        .args(&ids)
        .current_dir(root.join("bench/python"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("BENCH_SIGNING_SECRET", PYTHON_SIGNING_SECRET)
        .output()?;
    anyhow::ensure!(out.status.success(), "issuing Python tokens failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.lines().map(confirm_event).collect())
}

/// One SQS event per invocation, each with one fresh reset-link job for the demo user (unique
/// ids, so none is a duplicate; the stack's generous limits let every one send).
/// `n` events of one fresh reset-link job each; `side` keeps each side's job ids its own (the
/// ledger remembers a job, so a job the Rust worker settled would be a duplicate for Python's).
fn mail_jobs(n: usize, side: &str, ring: &HashRing) -> Vec<Value> {
    let template = events::load("mail-worker-reset-link.json");
    (0..n)
        .map(|i| {
            let mut event = events::fresh(template.clone(), ring);
            let record = &mut event["Records"][0];
            let mut job: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
            job["id"] = format!("{side}-{i}-{}", job["id"].as_str().unwrap()).into();
            job.as_object_mut().unwrap().remove("mac");
            // Signed again: the id changed.
            let job = reset_core::domain::mail_job::MailJob::from_json(&job.to_string()).unwrap();
            record["body"] = job.sign(ring).unwrap().body().into();
            event
        })
        .collect()
}

fn confirm_event(token: &str) -> Value {
    let event = events::with_body_field(events::load("reset-password-confirm.json"), "token", token);
    events::with_body_field(event, "password", NEW_PASSWORD)
}

fn measure(mut scenario: Scenario, env: &[(String, String)], log: &Path) -> anyhow::Result<Measured> {
    let mut api = RuntimeApi::start()?;
    let out = std::fs::File::create(log)?;
    scenario
        .command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("_HANDLER", "handler")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    // BENCH_PERF_INIT=DIR: the whole process under `perf record` from exec (DIR/<function>-init.data),
    // for a profile of init. The figures then measure perf too: for profiles only.
    if let Ok(dir) = std::env::var("BENCH_PERF_INIT") {
        let mut wrapped = Command::new("perf");
        // The shipped binaries keep no frame pointers: DWARF unwinding gives whole call stacks.
        wrapped.args(["record", "-F", "20000", "--call-graph", "dwarf", "-o"]);
        wrapped.arg(Path::new(&dir).join(format!("{}-init.data", log.file_stem().unwrap_or_default().to_string_lossy())));
        wrapped.arg("--").arg(scenario.command.get_program()).args(scenario.command.get_args());
        if let Some(cwd) = scenario.command.get_current_dir() {
            wrapped.current_dir(cwd);
        }
        for (key, value) in scenario.command.get_envs() {
            if let Some(value) = value {
                wrapped.env(key, value);
            }
        }
        wrapped.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        scenario.command = wrapped;
    }
    // Init is the median of several cold starts: the others stop at their first poll.
    let mut inits = Vec::new();
    let mut init_cpus = Vec::new();
    if std::env::var("BENCH_PERF_INIT").is_err() {
        for _ in 1..COLD_STARTS {
            let cold = RuntimeApi::start()?;
            scenario.command.env("AWS_LAMBDA_RUNTIME_API", cold.address());
            let started = Instant::now();
            let mut child = scenario.command.spawn().context("starting the function")?;
            let init = cold.wait_first_poll(started, Duration::from_secs(60), &mut child);
            let cpu = cpu_ms(child.id());
            let _ = child.kill();
            let _ = child.wait();
            inits.push(init?);
            init_cpus.push(cpu?);
        }
        scenario.command.env("AWS_LAMBDA_RUNTIME_API", api.address());
    }
    let started = Instant::now();
    let mut child = scenario.command.spawn().context("starting the function")?;
    let pid = child.id();
    let result = (|| {
        inits.push(api.wait_first_poll(started, Duration::from_secs(60), &mut child)?);
        inits.sort();
        let init = inits[inits.len() / 2];
        let cpu_ready = cpu_ms(pid)?;
        init_cpus.push(cpu_ready);
        init_cpus.sort_by(f64::total_cmp);
        let init_cpu_ms = init_cpus[init_cpus.len() / 2];
        // BENCH_PERF=DIR: a CPU profile of the warm invocations (perf attached after init) in
        // DIR/<function>.data, for `perf report`. Profiled figures are not for docs/figures.md.
        let perf = match std::env::var("BENCH_PERF") {
            Ok(dir) => Some(
                Command::new("perf")
                    .args(["record", "-F", "5000", "--call-graph", "dwarf", "-p", &pid.to_string(), "-o"])
                    .arg(Path::new(&dir).join(format!("{}.data", log.file_stem().unwrap_or_default().to_string_lossy())))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .context("starting perf record")?,
            ),
            Err(_) => None,
        };
        if perf.is_some() {
            std::thread::sleep(Duration::from_millis(500));
        }
        let init_rss_mb = rss_kb(pid, "VmRSS:")? as f64 / 1024.0;
        let mut ticks_after_first = 0.0;
        let mut latencies = Vec::new();
        let mut cpu_after_first = 0.0;
        // A confirm's rounds: the hash beside each (probes[k] before round k, probes[k + 1] after),
        // and each confirm's own CPU, so that a round's confirm is a median as the hash is.
        let (mut probes, mut rounds, mut round) = (Vec::new(), Vec::new(), Vec::new());
        let mut last_cpu = 0.0;
        for (i, event) in scenario.events.iter().enumerate() {
            let (took, answer) = api.invoke(&event.to_string(), Duration::from_secs(60))?;
            let status = answer["statusCode"].as_u64().unwrap_or(0);
            let batch_ok = answer["batchItemFailures"].as_array().is_some_and(Vec::is_empty);
            if status != u64::from(scenario.status) || (scenario.status == 0 && !batch_ok) {
                bail!("invocation {i} answered {status}, not {}: {answer}", scenario.status);
            }
            latencies.push(took);
            if i == 0 {
                cpu_after_first = cpu_ms(pid)?;
                ticks_after_first = utime_stime_ms(pid)?;
            }
            if let Some(probe) = &scenario.hash_probe {
                let now = cpu_ms(pid)?;
                if i > 0 {
                    round.push(now - last_cpu);
                }
                last_cpu = now;
                if i % CONFIRM_ROUND == 0 {
                    if i > 0 {
                        rounds.push(median(std::mem::take(&mut round)));
                    }
                    // The function is idle meanwhile: the probe's CPU is not the function's.
                    probes.push(probe()?);
                }
            }
        }
        let beyond_rounds = rounds.iter().enumerate().map(|(k, cpu)| cpu - (probes[k] + probes[k + 1]) / 2.0).collect();
        let cpu_end = cpu_ms(pid)?;
        if let Some(mut perf) = perf {
            let _ = Command::new("kill").args(["-INT", &perf.id().to_string()]).status();
            let _ = perf.wait();
        }
        let ticks_warm = (utime_stime_ms(pid)? - ticks_after_first) / (scenario.events.len() - 1) as f64;
        let warm = latencies.split_off(1);
        Ok(Measured {
            name: scenario.name,
            calls: scenario.calls,
            init,
            init_cpu_ms,
            first: latencies[0],
            cpu_first_ms: cpu_after_first - cpu_ready,
            cpu_warm_ms: (cpu_end - cpu_after_first) / warm.len() as f64,
            ticks_warm_ms: ticks_warm,
            warm,
            init_rss_mb,
            peak_rss_mb: rss_kb(pid, "VmHWM:")? as f64 / 1024.0,
            beyond_rounds,
        })
    })();
    if std::env::var("BENCH_PERF_INIT").is_ok() {
        // perf writes its file on SIGINT (and passes it on to the function); SIGKILL would lose it.
        let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
        std::thread::sleep(Duration::from_secs(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// CPU time the process has used, in milliseconds: the scheduler's nanosecond count of each of
/// its threads (`/proc/PID/task/*/schedstat`), since utime + stime come in 10 ms ticks, too
/// coarse for one invocation. A thread that has ended drops out of the sum, so the threads that
/// run invocations (the runtime's, tokio's blocking pool within its 10 s keep-alive) must live
/// through a measurement, as they do here; `utime_stime_ms` cross-checks the warm average.
fn cpu_ms(pid: u32) -> anyhow::Result<f64> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))?.flatten() {
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
            nanos += stat.split_whitespace().next().unwrap_or("0").parse::<u64>().unwrap_or(0);
        }
    }
    Ok(nanos as f64 / 1e6)
}

/// The middle value (NaN for none).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The number a measuring command prints (a median, in ms).
fn printed_ms(cmd: &mut Command) -> anyhow::Result<f64> {
    let out = cmd.output()?;
    anyhow::ensure!(out.status.success(), "{:?} failed: {}", cmd.get_program(), String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

/// utime + stime of the whole process (every thread, live or ended), in milliseconds.
fn utime_stime_ms(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let after = &stat[stat.rfind(')').context("a stat line")? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // SAFETY: sysconf reads a constant of the system; no memory is touched.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(ticks * 1000.0 / per_second)
}

/// A memory figure from /proc/PID/status: `VmRSS:` now, `VmHWM:` the peak so far.
fn rss_kb(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with(field)).context("the field")?;
    Ok(line.split_whitespace().nth(1).context("a number")?.parse()?)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_report(results: &[Measured], root: &Path) {
    println!(
        "\n| function | AWS calls per invoke | init ms (median of 9 cold starts) | init CPU ms (median) | first invoke ms | warm p50 ms | warm p99 ms | CPU first invoke ms | CPU per warm invoke ms (utime+stime) | RSS after init MB | peak RSS MB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for m in results {
        let mut warm = m.warm.clone();
        warm.sort();
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.1} | {:.2} ({:.2}) | {:.1} | {:.1} |",
            m.name,
            m.calls,
            ms(m.init),
            m.init_cpu_ms,
            ms(m.first),
            ms(percentile(&warm, 0.5)),
            ms(percentile(&warm, 0.99)),
            m.cpu_first_ms,
            m.cpu_warm_ms,
            m.ticks_warm_ms,
            m.init_rss_mb,
            m.peak_rss_mb
        );
    }
    let by = |prefix: &str| results.iter().find(|m| m.name.starts_with(prefix));
    println!("\nRatios (same run):");
    if let Some(floor) = by("floor") {
        for m in results.iter().filter(|m| !m.name.starts_with("floor")) {
            println!("- {}: init {:.1}x the floor (its CPU {:.1}x)", m.name, ms(m.init) / ms(floor.init), m.init_cpu_ms / floor.init_cpu_ms);
        }
    }
    for (rust, python) in [("request-reset", "Python request-reset"), ("mail-worker", "Python mail-worker"), ("reset-password", "Python reset-password")] {
        if let (Some(r), Some(p)) = (by(rust), by(python)) {
            println!(
                "- {rust}: CPU per warm invoke {:.2}x Python's, peak RSS {:.2}x, init {:.2}x",
                r.cpu_warm_ms / p.cpu_warm_ms,
                r.peak_rss_mb / p.peak_rss_mb,
                ms(r.init) / ms(p.init)
            );
        }
    }
    println!("\nDeployment packages (target/lambda/*/bootstrap.zip, if built with --output-format zip):");
    for name in ["request-reset", "reset-password", "mail-worker", "bench-hello"] {
        let zip: PathBuf = root.join("target/lambda").join(name).join("bootstrap.zip");
        if let Ok(meta) = std::fs::metadata(&zip) {
            println!("- {name}: {:.2} MB ({} bytes)", meta.len() as f64 / 1e6, meta.len());
        }
    }
}
