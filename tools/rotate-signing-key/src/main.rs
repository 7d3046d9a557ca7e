//! rotate-signing-key add|retire|audit-hash EMAIL [--secret-id ID] [--min-age-seconds N] [--force]
//!
//! The secret id defaults to $SIGNING_KEY_SECRET_ID. AWS credentials and region come from the
//! usual places (environment, profile); AWS_ENDPOINT_URL points it at moto locally.

use std::time::Duration;

use rotate_signing_key::{Command, DEFAULT_MIN_AGE, run};

const USAGE: &str = "usage: rotate-signing-key add|retire|audit-hash EMAIL [--secret-id ID] [--min-age-seconds N] [--force]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut step, mut secret_id, mut min_age, mut force) = (None, std::env::var("SIGNING_KEY_SECRET_ID").ok(), DEFAULT_MIN_AGE, false);
    let mut email = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "add" | "retire" => step = Some(arg),
            "audit-hash" => {
                step = Some(arg);
                email = args.next();
            }
            "--secret-id" => secret_id = args.next(),
            "--min-age-seconds" => {
                let n = args.next().and_then(|n| n.parse().ok()).ok_or_else(|| anyhow::anyhow!("{USAGE}"))?;
                min_age = Duration::from_secs(n);
            }
            "--force" => force = true,
            _ => anyhow::bail!("{USAGE}"),
        }
    }
    let secret_id = secret_id.ok_or_else(|| anyhow::anyhow!("no secret id: pass --secret-id or set SIGNING_KEY_SECRET_ID\n{USAGE}"))?;
    let command = match step.as_deref() {
        Some("add") => Command::Add,
        Some("retire") => Command::Retire { min_age, force },
        Some("audit-hash") => Command::AuditHash { email: email.ok_or_else(|| anyhow::anyhow!("{USAGE}"))? },
        _ => anyhow::bail!("{USAGE}"),
    };
    let client = aws_sdk_secretsmanager::Client::new(&reset_aws::sdk_config().await);
    println!("{}", run(&client, &secret_id, command, reset_core::unix_now()).await?);
    Ok(())
}
