//! `scripts/dev`'s runner (`local-stack`) leaves nothing behind, however it ends: Ctrl-C, SIGTERM
//! (a process manager), SIGHUP (a closed terminal), or SIGKILL (then the kernel's parent-death
//! signal stops its children). Each run starts the real stack on free ports and checks that both
//! ports are free again afterwards, so the next `scripts/dev` can start.

use std::io::{BufRead as _, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

fn ends_cleanly_on(signal: libc::c_int) {
    let (moto_port, api_port) = (reset_tests::free_port(), reset_tests::free_port());
    let mut runner = Command::new(env!("CARGO_BIN_EXE_local-stack"))
        .env("MOTO_PORT", moto_port.to_string())
        .env("API_PORT", api_port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("local-stack starts");
    let mut lines = BufReader::new(runner.stdout.take().unwrap()).lines();
    let ready = lines.by_ref().map_while(Result::ok).any(|line| line.contains("Stack ready."));
    assert!(ready, "local-stack exited before it was ready");
    assert!(listening(moto_port) && listening(api_port), "moto and the API listen while the stack runs");

    // SAFETY: kill(2) on our own child's pid; no memory is touched.
    assert_eq!(unsafe { libc::kill(runner.id() as libc::pid_t, signal) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while runner.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "local-stack did not exit on signal {signal}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while listening(moto_port) || listening(api_port) {
        assert!(
            Instant::now() < deadline,
            "after signal {signal}, still listening: moto {} api {}",
            listening(moto_port),
            listening(api_port)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn scripts_dev_stops_its_children_on_sigint_sigterm_sighup_and_sigkill() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGKILL] {
        ends_cleanly_on(signal);
    }
}
