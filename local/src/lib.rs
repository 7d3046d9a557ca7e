//! The local stack, for `scripts/dev` (the `local-stack` runner), the integration tests and the
//! benchmarks: start moto and child processes that die with us ([`process`]), provision the
//! tables, mail queues, secret, sender and demo user as template.yaml does ([`stack`], reading the
//! template through [`template`]), feed the mail worker from the queue as Lambda's event source
//! would ([`queue`]), the events' outbox, bus and tap, with the outbox's stream as Lambda's event
//! source would hand it to the publisher ([`outbox`]), read mail back from moto ([`mail`]), serve the functions under `cargo lambda
//! watch` ([`functions`]) or run a built `bootstrap` as Lambda does ([`runtime_api`]), and load the
//! events in `events/` ([`events`]). What the tests expect of each event is theirs (`tests/`).

pub mod events;
pub mod functions;
pub mod mail;
pub mod outbox;
pub mod process;
pub mod queue;
pub mod runtime_api;
pub mod stack;
pub mod template;

use std::path::PathBuf;

/// The workspace root (this package lives in `local/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("local/ has a parent").to_path_buf()
}

/// A tool from the project's `.venv` (set up by `scripts/setup`), with a clear error if absent.
pub fn venv_tool(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv/bin").join(name);
    assert!(path.exists(), "{} is missing: run `scripts/setup` first (it installs moto and cargo-lambda into .venv)", path.display());
    path
}

/// A free TCP port on loopback. Free when asked: anyone may take it before it is used, so a
/// server started on it goes through [`on_a_free_port`].
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// How many ports [`on_a_free_port`] tries.
pub const PORT_TRIES: usize = 3;

/// Starts something on a [`free_port`], and again on a new one if the start fails (someone took
/// the port between the choice and the bind; the start must then fail rather than take the other
/// server for its own): up to [`PORT_TRIES`] ports, then every failure.
pub fn on_a_free_port<T>(what: &str, mut start: impl FnMut(u16) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut failures = Vec::new();
    for _ in 0..PORT_TRIES {
        let port = free_port();
        match start(port) {
            Ok(started) => return Ok(started),
            Err(err) => failures.push(format!("port {port}: {err:#}")),
        }
    }
    anyhow::bail!("{what} did not start on {PORT_TRIES} free ports: {failures:?}")
}

/// [`on_a_free_port`] for a start that awaits.
pub async fn on_a_free_port_async<T, F>(what: &str, mut start: impl FnMut(u16) -> F) -> anyhow::Result<T>
where
    F: Future<Output = anyhow::Result<T>>,
{
    let mut failures = Vec::new();
    for _ in 0..PORT_TRIES {
        let port = free_port();
        match start(port).await {
            Ok(started) => return Ok(started),
            Err(err) => failures.push(format!("port {port}: {err:#}")),
        }
    }
    anyhow::bail!("{what} did not start on {PORT_TRIES} free ports: {failures:?}")
}
