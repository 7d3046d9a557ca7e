//! `scripts/dev`'s runner (`local-stack`) leaves nothing behind, however it ends: Ctrl-C, SIGTERM
//! (a process manager), SIGHUP (a closed terminal), or SIGKILL (then the kernel's parent-death
//! signal stops its children). Each run starts the real stack on free ports with a mark of its
//! own in the runner's environment, which every process it starts inherits (moto, cargo lambda
//! watch, the functions watch runs), and after the signal requires that no process carrying the
//! mark is left (and that both ports are free for the next `scripts/dev`).

use std::io::{BufRead as _, BufReader, Lines};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reset_local::stack::DEMO_EMAIL;

/// The variable that marks a run's processes.
const MARK: &str = "RESET_LOCAL_STACK_RUN";

/// The runner, built now from today's source (it is another package's binary, so Cargo gives this
/// test no `CARGO_BIN_EXE_` for it), at the path Cargo reports (whatever the target dir). Built as
/// `cargo build --bin` from the workspace root, as the function binaries are (logging.rs), so both
/// share one build of the dependencies.
fn local_stack() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let build = Command::new(cargo)
                .args(["build", "--quiet", "--bin", "local-stack", "--message-format=json"])
                .current_dir(reset_local::workspace_root())
                .output()
                .unwrap();
            assert!(build.status.success(), "local-stack does not build:\n{}", String::from_utf8_lossy(&build.stderr));
            let messages = String::from_utf8_lossy(&build.stdout);
            let built = messages.lines().filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok()).find_map(|message| {
                let ours = message["reason"] == "compiler-artifact" && message["target"]["name"] == "local-stack";
                ours.then(|| message["executable"].as_str().map(PathBuf::from)).flatten()
            });
            built.unwrap_or_else(|| panic!("cargo build named no local-stack executable:\n{messages}"))
        })
        .clone()
}

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Every live process whose environment carries `MARK=run` (pid, command line). A process's
/// environment is what it was started with, and every child starts with its parent's.
fn marked(run: &str) -> Vec<(i32, String)> {
    let entry = format!("{MARK}={run}");
    let mut found = Vec::new();
    for dir in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = dir.file_name().to_str().and_then(|name| name.parse::<i32>().ok()) else { continue };
        // Gone since the listing, or not ours to read: either way not one of this run's.
        let Ok(environ) = std::fs::read(dir.path().join("environ")) else { continue };
        if environ.split(|b| *b == 0).any(|var| var == entry.as_bytes()) {
            let cmdline = std::fs::read(dir.path().join("cmdline")).unwrap_or_default();
            found.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ").trim().to_owned()));
        }
    }
    found
}

/// A run's processes: whatever still carries its mark when this drops (a failed check, a panic)
/// is killed, by pid, so a failing test leaves nothing running either.
struct Run {
    mark: String,
    runner: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    moto_port: u16,
    api_port: u16,
}

impl Drop for Run {
    fn drop(&mut self) {
        for (pid, _) in marked(&self.mark) {
            // SAFETY: kill(2) on a pid that carries this run's mark; no memory is touched.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = self.runner.wait();
    }
}

impl Run {
    /// The runner on `moto_port` and a free API port, once it says it is ready; an error if it
    /// exits first (a port someone took in the meantime).
    fn start(mark: &str, moto_port: u16) -> anyhow::Result<Run> {
        let api_port = reset_local::free_port();
        let mut runner = Command::new(local_stack())
            .env(MARK, mark)
            .env("MOTO_PORT", moto_port.to_string())
            .env("API_PORT", api_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = BufReader::new(runner.stdout.take().unwrap()).lines();
        let mut run = Run { mark: mark.to_owned(), runner, stdout, moto_port, api_port };
        anyhow::ensure!(run.wait_for("Stack ready."), "local-stack exited before it was ready");
        Ok(run)
    }

    /// Reads the runner's output until a line holds `text`; false if the output ends first.
    fn wait_for(&mut self, text: &str) -> bool {
        self.stdout.by_ref().map_while(Result::ok).any(|line| line.contains(text))
    }

    /// One request to each function: the HTTP functions' pages, and a reset request, whose mail
    /// the mail worker sends and whose event the event publisher puts on the bus (the runner
    /// prints both). Watch starts a function's process on its
    /// first invocation, so afterwards every kind of process the stack has is running.
    fn wake_every_function(&mut self) {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(300))).build().new_agent();
        let api = format!("http://127.0.0.1:{}", self.api_port);
        for page in ["forgot-password", "reset-password"] {
            agent.get(format!("{api}/{page}")).call().unwrap_or_else(|e| panic!("{page}: {e}"));
        }
        let reply = agent.post(format!("{api}{}", request_reset::PATH)).send_json(serde_json::json!({"email": DEMO_EMAIL})).unwrap();
        assert_eq!(reply.status(), 202);
        assert!(self.wait_for(&format!("Mail to {DEMO_EMAIL}")), "local-stack exited before the mail went out");
        // The mail's event, through the outbox, the event publisher under watch and the bus.
        assert!(self.wait_for("Event Reset Link Sent"), "local-stack exited before the mail's event was printed");
    }
}

/// Stops the runner with `signal`; with `wake`, once every function runs too.
fn ends_cleanly_on(signal: libc::c_int, wake: bool) {
    let mark = crate::helpers::unique("local-stack");
    let mut run = reset_local::on_a_free_port("local-stack", |moto_port| Run::start(&mark, moto_port)).unwrap();
    assert!(listening(run.moto_port) && listening(run.api_port), "moto and the API listen while the stack runs");
    let mut expected = vec!["local-stack", "moto_serial.py", "cargo-lambda"];
    if wake {
        run.wake_every_function();
        expected.extend(["request-reset", "reset-password", "mail-worker", "event-publisher"]);
    }
    let running = marked(&mark);
    let commands: Vec<&str> = running.iter().map(|(_, command)| command.as_str()).collect();
    for part in expected {
        assert!(commands.iter().any(|c| c.contains(part)), "no {part} process among {commands:#?}");
    }

    // SAFETY: kill(2) on our own child's pid; no memory is touched.
    assert_eq!(unsafe { libc::kill(run.runner.id() as libc::pid_t, signal) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while run.runner.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "local-stack did not exit on signal {signal}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = marked(&mark);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "10 s after local-stack exited on signal {signal}, processes of its run are still running: {left:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Not the ports: once the run's processes are gone another test may take a freed port at once
    // (this failed so in CI). Every listener of the run is one of its marked processes, checked
    // above to be running before the signal and gone after it.
}

/// SIGINT, SIGTERM and SIGHUP end the runner's loop alike (its drops stop the children); SIGKILL
/// leaves it to the kernel. One of each way runs with every function started (each a slow test: docs/figures.md).
#[test]
fn scripts_dev_stops_its_children_on_sigint_sigterm_sighup_and_sigkill() {
    for (signal, wake) in [(libc::SIGINT, true), (libc::SIGTERM, false), (libc::SIGHUP, false), (libc::SIGKILL, true)] {
        ends_cleanly_on(signal, wake);
    }
}
