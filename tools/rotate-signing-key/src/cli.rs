//! The command line: subcommands and their options, parsed without touching AWS.

use std::time::Duration;

use crate::Command;
use crate::hashing::{DEFAULT_HASH_MIN_AGE, HashCommand};
use crate::origin_verify::OriginVerifyCommand;

pub const USAGE: &str = "\
usage: rotate-signing-key COMMAND [OPTIONS]

Signing keys (the secret: --secret-id ID, else $SIGNING_KEY_SECRET_ID):
  add                       add a new current signing key; the older keys stay, verify-only
  retire [--stack STACK_NAME] [--min-age-seconds N] [--force]
                            keep only the current key; refused until it is N seconds old.
                            With --stack: the stack's SigningKeySecret, and N the longest lifetime
                            of the links it signs (TokenTtlSeconds, DisputeTokenTtlSeconds) plus the
                            key cache (300 s); without, N is 605100 (the dispute links'
                            default 7 days plus the cache). --force retires at once
                            (a leaked key): running functions refuse its links for password
                            changes within a minute, whatever their cache

Hashing keys: audit and counter hashes, the mail jobs' MACs (the secret: --secret-id ID,
else $HASHING_KEY_SECRET_ID):
  hashing-key add           add a new current hashing key; the older keys stay, to verify queued
                            jobs. Every keyed hash changes: counters start afresh (each budget
                            restarts once), the audit log's hashes of an address change
  hashing-key retire [--min-age-seconds N] [--force]
                            keep only the current hashing key; refused until it is N seconds old
                            (default 1200: the mail's maximum age plus the key cache, 20 minutes)
  audit-hash EMAIL          print the audit log's email_hash of an address under each hashing
                            key (the current one, and the one before a rotation)

The CDN's origin-verify value (EdgeProtection=true; the secret: with --stack, the stack's
resource OriginVerifySecret, and a --secret-id ID or $ORIGIN_VERIFY_SECRET_ID naming another
secret is refused; without, --secret-id ID, else $ORIGIN_VERIFY_SECRET_ID):
  origin-verify rotate --stack STACK_NAME [--secret-id ID]
                            put a new value and move CloudFront, the web ACL and the functions
                            onto it without refusing a request (a minute, then three stack
                            updates, four if the stack does not pin the version yet).
                            Run again after a stop: it goes on where it stopped (RUNBOOK.md)
  origin-verify status [--stack STACK_NAME] [--secret-id ID]
                            which version ids carry which labels (never values) and, with
                            --stack, which ones the stack pins

  -h, --help                this text

AWS credentials and region come from the usual places (environment, profile);
AWS_ENDPOINT_URL points the tool at a local stand-in such as moto.";

/// What was asked for, with the options that apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Help,
    /// `stack`: only for `retire`, whose wait and secret it names.
    SigningKey {
        command: Command,
        secret_id: Option<String>,
        stack: Option<String>,
    },
    HashingKey {
        command: HashCommand,
        secret_id: Option<String>,
    },
    OriginVerify {
        command: OriginVerifyCommand,
        stack: Option<String>,
        secret_id: Option<String>,
    },
}

/// Parses the arguments after the program name; the error says what is wrong (print [`USAGE`] with it).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Invocation, String> {
    let mut args = args.into_iter();
    let mut words = Vec::new();
    let (mut secret_id, mut stack, mut min_age, mut force) = (None, None, None, false);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().filter(|v| !v.starts_with("--")).ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(Invocation::Help),
            "--secret-id" => secret_id = Some(value("--secret-id")?),
            "--stack" => stack = Some(value("--stack")?),
            "--min-age-seconds" => {
                let n = value("--min-age-seconds")?;
                min_age = Some(Duration::from_secs(n.parse().map_err(|_| format!("--min-age-seconds takes a number of seconds, not {n:?}"))?));
            }
            "--force" => force = true,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            word => words.push(word.to_owned()),
        }
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let retire_options = min_age.is_some() || force;
    let stack_option = stack.is_some();
    let invocation = match words.as_slice() {
        ["add"] => Invocation::SigningKey { command: Command::Add, secret_id, stack },
        ["retire"] => Invocation::SigningKey { command: Command::Retire { min_age, force }, secret_id, stack },
        ["hashing-key", "add"] => Invocation::HashingKey { command: HashCommand::Add, secret_id },
        ["hashing-key", "retire"] => {
            Invocation::HashingKey { command: HashCommand::Retire { min_age: min_age.unwrap_or(DEFAULT_HASH_MIN_AGE), force }, secret_id }
        }
        ["hashing-key", ..] => return Err("hashing-key takes add or retire".into()),
        ["audit-hash", email] => Invocation::HashingKey { command: HashCommand::AuditHash { email: (*email).to_owned() }, secret_id },
        ["audit-hash"] => return Err("audit-hash needs an email address".into()),
        ["origin-verify", "rotate"] if stack.is_none() => return Err("origin-verify rotate needs --stack STACK_NAME".into()),
        ["origin-verify", "rotate"] => Invocation::OriginVerify { command: OriginVerifyCommand::Rotate, stack, secret_id },
        ["origin-verify", "status"] => Invocation::OriginVerify { command: OriginVerifyCommand::Status, stack, secret_id },
        ["origin-verify", ..] => return Err("origin-verify takes rotate or status".into()),
        [] => return Err("no command".into()),
        other => return Err(format!("unknown command {:?}", other.join(" "))),
    };
    let misplaced = match &invocation {
        Invocation::SigningKey { command: Command::Retire { .. }, stack: Some(_), secret_id: Some(_) } => {
            Some("retire --stack works on the stack's own secret: drop --secret-id")
        }
        Invocation::SigningKey { command: Command::Retire { .. }, .. } => None,
        Invocation::SigningKey { .. } if stack_option => Some("--stack is for origin-verify and retire"),
        Invocation::HashingKey { .. } if stack_option => Some("--stack is for origin-verify and retire"),
        Invocation::HashingKey { command: HashCommand::Retire { .. }, .. } => None,
        Invocation::SigningKey { .. } | Invocation::HashingKey { .. } | Invocation::OriginVerify { .. } if retire_options => {
            Some("--min-age-seconds and --force are for retire")
        }
        _ => None,
    };
    match misplaced {
        Some(why) => Err(why.into()),
        None => Ok(invocation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Result<Invocation, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn each_subcommand_takes_its_own_options() {
        assert_eq!(parsed("add --secret-id s"), Ok(Invocation::SigningKey { command: Command::Add, secret_id: Some("s".into()), stack: None }));
        assert_eq!(
            parsed("retire --min-age-seconds 60 --force"),
            Ok(Invocation::SigningKey { command: Command::Retire { min_age: Some(Duration::from_secs(60)), force: true }, secret_id: None, stack: None })
        );
        assert_eq!(
            parsed("retire --stack prod"),
            Ok(Invocation::SigningKey { command: Command::Retire { min_age: None, force: false }, secret_id: None, stack: Some("prod".into()) })
        );
        assert_eq!(
            parsed("audit-hash a@example.com"),
            Ok(Invocation::HashingKey { command: HashCommand::AuditHash { email: "a@example.com".into() }, secret_id: None })
        );
        assert_eq!(parsed("hashing-key add --secret-id h"), Ok(Invocation::HashingKey { command: HashCommand::Add, secret_id: Some("h".into()) }));
        assert_eq!(
            parsed("hashing-key retire --force"),
            Ok(Invocation::HashingKey { command: HashCommand::Retire { min_age: DEFAULT_HASH_MIN_AGE, force: true }, secret_id: None })
        );
        assert_eq!(
            parsed("origin-verify rotate --stack prod"),
            Ok(Invocation::OriginVerify { command: OriginVerifyCommand::Rotate, stack: Some("prod".into()), secret_id: None })
        );
        assert_eq!(
            parsed("origin-verify status --secret-id s"),
            Ok(Invocation::OriginVerify { command: OriginVerifyCommand::Status, stack: None, secret_id: Some("s".into()) })
        );
        assert_eq!(parsed("origin-verify rotate --help"), Ok(Invocation::Help));
    }

    #[test]
    fn mistakes_are_named() {
        for (line, says) in [
            ("", "no command"),
            ("origin-verify rotate", "--stack"),
            ("origin-verify rotate --stack", "--stack needs a value"),
            ("origin-verify rotate --stack --secret-id s", "--stack needs a value"),
            ("origin-verify", "rotate or status"),
            ("origin-verify rotate --stack p --force", "for retire"),
            ("add --stack p", "for origin-verify and retire"),
            ("retire --stack p --secret-id s", "drop --secret-id"),
            ("retire --min-age-seconds soon", "number of seconds"),
            ("audit-hash", "email"),
            ("hashing-key", "add or retire"),
            ("hashing-key rotate", "add or retire"),
            ("hashing-key add --force", "for retire"),
            ("audit-hash a@example.com --stack p", "for origin-verify and retire"),
            ("rotate", "unknown command"),
            ("add --dry-run", "unknown option --dry-run"),
        ] {
            let err = parsed(line).expect_err(line);
            assert!(err.contains(says), "{line:?}: {err}");
        }
    }
}
