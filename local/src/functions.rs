//! The functions served locally by `cargo lambda watch`, routed by the
//! `[workspace.metadata.lambda.watch.router]` table in Cargo.toml so local URLs equal the
//! template's paths, plus `cargo lambda invoke` to replay an event file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;

use crate::events::Reply;
use crate::process::{Managed, wait_until};
use crate::{free_port, venv_tool, workspace_root};

pub struct Watch {
    pub url: String,
    pub port: u16,
    process: Managed,
    log: std::path::PathBuf,
}

fn cargo_lambda() -> Command {
    let mut cmd = Command::new(venv_tool("cargo-lambda"));
    cmd.arg("lambda").current_dir(workspace_root());
    cmd
}

impl Watch {
    /// Starts `cargo lambda watch` on loopback with `env` for the functions, and waits until
    /// it listens. The functions are built on their first invocation (into the shared target dir);
    /// with `reload`, they are rebuilt when the source changes. CORS stays off, as deployed.
    pub fn start(port: Option<u16>, env: &[(String, String)], log: &Path, reload: bool) -> anyhow::Result<Watch> {
        let port = port.unwrap_or_else(free_port);
        let mut cmd = cargo_lambda();
        cmd.args(["watch", "--disable-cors", "-A", "127.0.0.1", "-P", &port.to_string()]);
        if !reload {
            cmd.arg("--ignore-changes");
        }
        for (k, v) in env {
            // `--env-var` splits its value at commas (a data: URL has one); the functions inherit
            // watch's own environment too, which takes any value.
            if v.contains(',') {
                cmd.env(k, v);
            } else {
                cmd.arg("--env-var").arg(format!("{k}={v}"));
            }
        }
        let mut process = Managed::spawn("cargo lambda watch", cmd, log)?;
        let address = format!("127.0.0.1:{port}");
        wait_until(&mut process, Duration::from_secs(60), |watch| watch.listens_on(port))?;
        Ok(Watch { url: format!("http://{address}"), port, process, log: log.to_path_buf() })
    }

    /// Where watch takes an invocation of `function` (what the Lambda Invoke API would).
    pub fn invoke_url(&self, function: &str) -> String {
        format!("{}/2015-03-31/functions/{function}/invocations", self.url)
    }

    /// The file that watch and the functions write their logs to.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// `cargo lambda invoke <function> --data-file <event>`: the event as API Gateway would send it.
    pub fn invoke(&mut self, function: &str, event_file: &Path) -> anyhow::Result<Reply> {
        Ok(Reply::from_apigw(&self.invoke_json(function, event_file)?))
    }

    /// `cargo lambda invoke`, answering with the function's JSON as it stands (e.g. an SQS batch response).
    pub fn invoke_json(&mut self, function: &str, event_file: &Path) -> anyhow::Result<serde_json::Value> {
        anyhow::ensure!(self.process.is_running(), "cargo lambda watch is not running");
        let out = cargo_lambda()
            .args(["invoke", "-A", "127.0.0.1", "-P", &self.port.to_string(), "--output-format", "json", "--data-file"])
            .arg(event_file)
            .arg(function)
            .output()
            .context("running cargo lambda invoke")?;
        anyhow::ensure!(out.status.success(), "cargo lambda invoke failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).with_context(|| format!("invoke printed no JSON: {}", String::from_utf8_lossy(&out.stdout)))
    }
}
