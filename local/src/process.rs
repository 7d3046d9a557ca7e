//! Child processes that cannot outlive their owner: each runs in its own process group, the whole
//! group (cargo-lambda's function processes included) is stopped on drop, and if the owner dies
//! without dropping (SIGKILL, a crash) the kernel sends the child SIGTERM (`PR_SET_PDEATHSIG`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Managed {
    name: String,
    child: Child,
}

impl Managed {
    /// Starts `cmd` in a new process group, its output in `log` (emptied first: a log holds one run). The parent-death signal
    /// follows the thread that forks: spawn from a thread that lives as long as the child (the
    /// main thread, or the test's own).
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt as _;
        let owner = std::process::id() as libc::pid_t;
        // SAFETY: prctl and getppid are async-signal-safe and touch no memory of the parent.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The owner died between fork and prctl: nobody will signal us, so do not start.
                if libc::getppid() != owner {
                    return Err(std::io::Error::other("the owner exited while starting"));
                }
                Ok(())
            });
        }
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let out = std::fs::File::create(log)?;
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out).process_group(0);
        let child = cmd.spawn().map_err(|e| anyhow::anyhow!("could not start {name}: {e}"))?;
        Ok(Managed { name: name.to_owned(), child })
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the whole group: SIGTERM, then SIGKILL after a grace period.
    pub fn stop(&mut self) {
        if !self.is_running() {
            return;
        }
        let group = -(self.child.id() as i32);
        // SAFETY: kill(2) with a negative pid signals the process group we created; no memory is touched.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && self.is_running() {
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; the group may already be gone, which kill reports and we ignore.
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this process itself holds a listening TCP socket on `port` (read from /proc), so a
    /// server another test left on a port we were given is never mistaken for ours.
    pub fn listens_on(&self, port: u16) -> bool {
        let suffix = format!(":{port:04X}");
        let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .filter_map(|table| std::fs::read_to_string(table).ok())
            .flat_map(|table| {
                table
                    .lines()
                    .skip(1)
                    .filter_map(|line| {
                        let fields: Vec<&str> = line.split_whitespace().collect();
                        // local address, state 0A = LISTEN, inode
                        let listening = fields.len() > 9 && fields[1].ends_with(&suffix) && fields[3] == "0A";
                        listening.then(|| format!("socket:[{}]", fields[9]))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())) else { return false };
        fds.flatten().filter_map(|fd| std::fs::read_link(fd.path()).ok()).any(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `ready` holds for the process, or fails after `timeout` or as soon as the process
/// has died (checked first: a dead child's port may answer for someone else).
pub fn wait_until(process: &mut Managed, timeout: Duration, mut ready: impl FnMut(&Managed) -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if !process.is_running() {
            anyhow::bail!("{} exited before it was ready (see its log)", process.name());
        }
        if ready(process) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!("{} was not ready within {timeout:?}", process.name())
}
