//! The Lambda Runtime API, as much of it as a function uses: `GET …/invocation/next` hands out the
//! next event, `POST …/invocation/{id}/response` (or `/error`, or `…/init/error`) takes the answer.
//! One function process at a time; events go in and answers come out through channels, timed here.
//! [`Running`] is a function binary started against one, for a test that only wants the answers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::Value;

const PREFIX: &str = "/2018-06-01/runtime";

enum Answer {
    Response(String),
    Error(String),
}

pub struct RuntimeApi {
    address: String,
    events: Sender<(String, String)>,
    answers: Receiver<(Answer, Instant)>,
    first_poll: Arc<Mutex<Option<Instant>>>,
    next_id: u64,
}

impl RuntimeApi {
    pub fn start() -> anyhow::Result<RuntimeApi> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        // Without TCP_NODELAY a small write waits for the peer's delayed ACK: 40 ms per exchange.
        // Linux hands the option down from the listener to every accepted connection.
        let on: libc::c_int = 1;
        // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int and its size.
        let set = unsafe {
            use std::os::fd::AsRawFd as _;
            let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            libc::setsockopt(listener.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, (&on as *const libc::c_int).cast(), size)
        };
        anyhow::ensure!(set == 0, "TCP_NODELAY: {}", std::io::Error::last_os_error());
        let server = tiny_http::Server::from_listener(listener, None).map_err(|e| anyhow::anyhow!("runtime API: {e}"))?;
        let address = server.server_addr().to_ip().context("an IP address")?.to_string();
        let (events, pending) = channel::<(String, String)>();
        let pending = Arc::new(Mutex::new(pending));
        let (answered, answers) = channel();
        let first_poll = Arc::new(Mutex::new(None));
        let polled = first_poll.clone();
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let url = request.url().to_owned();
                let (pending, answered, polled) = (pending.clone(), answered.clone(), polled.clone());
                // A thread per request: `next` waits for an event while an answer may arrive.
                std::thread::spawn(move || {
                    if url == format!("{PREFIX}/invocation/next") {
                        polled.lock().unwrap().get_or_insert_with(Instant::now);
                        let Ok((id, event)) = pending.lock().unwrap().recv() else { return };
                        let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap();
                        let deadline =
                            (std::time::SystemTime::now() + Duration::from_secs(60)).duration_since(std::time::UNIX_EPOCH).unwrap().as_millis().to_string();
                        let response = tiny_http::Response::from_string(event)
                            .with_header(header("Content-Type", "application/json"))
                            .with_header(header("Lambda-Runtime-Aws-Request-Id", &id))
                            .with_header(header("Lambda-Runtime-Deadline-Ms", &deadline))
                            .with_header(header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:bench"))
                            .with_header(header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"));
                        let _ = request.respond(response);
                    } else {
                        let mut body = String::new();
                        let _ = request.as_reader().read_to_string(&mut body);
                        let at = Instant::now();
                        let answer = if url.ends_with("/response") { Answer::Response(body) } else { Answer::Error(body) };
                        let _ = answered.send((answer, at));
                        let _ = request.respond(tiny_http::Response::from_string("{\"status\":\"OK\"}").with_status_code(202));
                    }
                });
            }
        });
        Ok(RuntimeApi { address, events, answers, first_poll, next_id: 0 })
    }

    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits for the function's first poll (the end of its init); the time since `started`.
    pub fn wait_first_poll(&self, started: Instant, timeout: Duration, child: &mut Child) -> anyhow::Result<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = *self.first_poll.lock().unwrap() {
                return Ok(at - started);
            }
            if let Ok((Answer::Error(body), _)) = self.answers.try_recv() {
                bail!("init failed: {body}");
            }
            if let Some(status) = child.try_wait()? {
                bail!("the function exited during init ({status})");
            }
            if Instant::now() > deadline {
                bail!("no poll within {timeout:?}");
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Hands the function one event; its answer (as JSON) and the time from hand-off to answer.
    pub fn invoke(&mut self, event: &str, timeout: Duration) -> anyhow::Result<(Duration, Value)> {
        self.next_id += 1;
        let sent = Instant::now();
        self.events.send((format!("bench-{}", self.next_id), event.to_owned())).context("the runtime API stopped")?;
        match self.answers.recv_timeout(timeout).context("no answer in time")? {
            (Answer::Response(body), at) => Ok((at - sent, serde_json::from_str(&body).context("a JSON answer")?)),
            (Answer::Error(body), _) => bail!("the invocation failed: {body}"),
        }
    }
}

/// A function binary running as Lambda runs it, against a [`RuntimeApi`] of its own, its stdout and
/// stderr in a log file. Killed when dropped.
pub struct Running {
    api: RuntimeApi,
    child: Child,
    log: PathBuf,
}

impl Running {
    /// Starts `function` (the binary with its environment) pointed at a new Runtime API, its output
    /// in `log`, and waits up to `timeout` for its first poll (the end of its init).
    pub fn start(mut function: Command, log: &Path, timeout: Duration) -> anyhow::Result<Running> {
        let api = RuntimeApi::start()?;
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let out = std::fs::File::create(log)?;
        function.env("AWS_LAMBDA_RUNTIME_API", api.address()).stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
        let started = Instant::now();
        let child = function.spawn().with_context(|| format!("starting {}", function.get_program().display()))?;
        let mut running = Running { api, child, log: log.to_owned() };
        running.api.wait_first_poll(started, timeout, &mut running.child).with_context(|| format!("log: {}", log.display()))?;
        Ok(running)
    }

    /// Hands the function one event and waits up to `timeout` for its answer.
    pub fn invoke(&mut self, event: &Value, timeout: Duration) -> anyhow::Result<Value> {
        let (_, answer) = self.api.invoke(&event.to_string(), timeout).with_context(|| format!("log: {}", self.log.display()))?;
        Ok(answer)
    }

    /// What the function has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
