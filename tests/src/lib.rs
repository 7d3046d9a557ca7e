//! Test support and the local stack: start moto and child processes that die with us
//! ([`process`]), provision the tables, mail queues, secret, sender and demo user ([`stack`]),
//! feed the mail worker from the queue as Lambda's event source would ([`queue`]), read mail back
//! from moto ([`mail`]), replay the events in `events/` ([`events`]), and run a built
//! `bootstrap` as Lambda does ([`runtime_api`]).

pub mod events;
pub mod functions;
pub mod mail;
pub mod process;
pub mod queue;
pub mod runtime_api;
pub mod stack;

use std::path::PathBuf;

/// The workspace root (this package lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A tool from the project's `.venv` (set up by `scripts/setup`), with a clear error if absent.
pub fn venv_tool(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv/bin").join(name);
    assert!(path.exists(), "{} is missing: run `scripts/setup` first (it installs moto and cargo-lambda into .venv)", path.display());
    path
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}
