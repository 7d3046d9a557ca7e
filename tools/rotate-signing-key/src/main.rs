//! rotate-signing-key COMMAND [OPTIONS]: signing keys (`add`, `retire`), hashing keys
//! (`hashing-key add|retire`, `audit-hash`) and the CDN's origin-verify value (`origin-verify rotate|status`). `--help` says more (`cli::USAGE`).
//!
//! AWS credentials and region come from the usual places (environment, profile); AWS_ENDPOINT_URL
//! points it at moto locally.

use rotate_signing_key::cli::{Invocation, USAGE, parse};
use rotate_signing_key::origin_verify::{self, CloudFormation, OriginVerifyCommand, Pace, Stacks as _};
use rotate_signing_key::{Command, min_age_for_stack, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let invocation = match parse(std::env::args().skip(1)) {
        Ok(invocation) => invocation,
        Err(mistake) => anyhow::bail!("{mistake}\n\n{USAGE}"),
    };
    if invocation == Invocation::Help {
        println!("{USAGE}");
        return Ok(());
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let sdk = reset_aws::sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    match invocation {
        Invocation::Help => {}
        Invocation::SigningKey { mut command, secret_id, stack } => {
            let secret_id = match stack {
                // retire --stack: the stack's own secret, and the wait its deployed lifetime asks.
                Some(stack) => {
                    let stacks = CloudFormation::new((&sdk).into());
                    // Forced (a leaked key), nothing to wait for: not even CloudFormation's answer.
                    if let Command::Retire { min_age: min_age @ None, force: false } = &mut command {
                        *min_age = Some(min_age_for_stack(&stacks.describe(&stack).await?.parameters)?);
                    }
                    stacks.resource_id(&stack, "SigningKeySecret").await?
                }
                None => secret_id
                    .or_else(|| env("SIGNING_KEY_SECRET_ID"))
                    .ok_or_else(|| anyhow::anyhow!("no secret id: pass --secret-id or set SIGNING_KEY_SECRET_ID\n\n{USAGE}"))?,
            };
            println!("{}", run(&secrets, &secret_id, command, reset_core::unix_now()).await?);
        }
        Invocation::HashingKey { command, secret_id } => {
            let secret_id = secret_id.or_else(|| env("HASHING_KEY_SECRET_ID"));
            let secret_id = secret_id.ok_or_else(|| anyhow::anyhow!("no secret id: pass --secret-id or set HASHING_KEY_SECRET_ID\n\n{USAGE}"))?;
            println!("{}", rotate_signing_key::hashing::run(&secrets, &secret_id, command, reset_core::unix_now()).await?);
        }
        Invocation::OriginVerify { command, stack, secret_id } => {
            let stacks = CloudFormation::new((&sdk).into());
            let given = match secret_id {
                Some(id) => Some(("--secret-id", id)),
                None => env("ORIGIN_VERIFY_SECRET_ID").map(|id| ("$ORIGIN_VERIFY_SECRET_ID", id)),
            };
            if stack.is_none() && given.is_none() {
                anyhow::bail!("no secret id: pass --stack, --secret-id or set ORIGIN_VERIFY_SECRET_ID\n\n{USAGE}");
            }
            // With a stack, its own secret; a secret named otherwise must be the same one.
            let secret_id = origin_verify::secret_for(&secrets, stack.as_deref().map(|s| (&stacks, s)), given).await?;
            match (command, stack) {
                (OriginVerifyCommand::Rotate, Some(stack)) => {
                    origin_verify::rotate(&secrets, &stacks, &stack, &secret_id, &Pace::default(), &mut |line| println!("{line}")).await?;
                }
                (OriginVerifyCommand::Rotate, None) => anyhow::bail!("origin-verify rotate needs --stack STACK_NAME\n\n{USAGE}"),
                (OriginVerifyCommand::Status, stack) => {
                    println!("{}", origin_verify::status(&secrets, stack.as_deref().map(|s| (&stacks, s)), &secret_id).await?);
                }
            }
        }
    }
    Ok(())
}
