//! The command line: subcommands and their options (clap), parsed without touching AWS. Each
//! subcommand's `--help` says what it does, what it needs and what it prints.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::Command;
use crate::hashing::{DEFAULT_HASH_MIN_AGE, HashCommand};
use crate::origin_verify::OriginVerifyCommand;

const ENVIRONMENT: &str = "\
Environment:
  AWS credentials and region come from the usual places (environment, profile); AWS_ENDPOINT_URL
  points the tool at a local stand-in such as moto.
  reset, invite and bulk read the variables the functions read (USERS_TABLE, the USER_*_ATTRIBUTE
  names, RATE_LIMIT_TABLE, HASHING_KEY_SECRET_ID, MAIL_QUEUE_URL, EVENT_OUTBOX_TABLE,
  RESET_PAGE_URL, SES_MAX_SEND_RATE...). Copy them from the stack's mail worker, which has them all:

    fn=$(aws cloudformation describe-stack-resource --stack-name STACK \\
      --logical-resource-id MailWorkerFunction \\
      --query StackResourceDetail.PhysicalResourceId --output text)
    eval \"$(aws lambda get-function-configuration --function-name \"$fn\" \\
      --query Environment.Variables --output json \\
      | jq -r 'to_entries[] | \"export \\(.key)=\\(.value | @sh)\"')\"

Exit codes: 0 done; 1 failed (nothing or not everything could be done: see the message);
2 a mistake on the command line; 3 refused (reset, invite: the account's state; bulk: some lines
failed, run it again to retry them); 130 stopped by Ctrl-C (bulk: run it again to go on).";

/// The operator's command for this password-reset service: key rotations, audit hashes, the CDN's
/// origin-verify value, and operators' resets (one user, an invitation, a bulk campaign).
#[derive(Debug, Parser)]
#[command(name = "reset-operator", after_help = ENVIRONMENT, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Rotate the signing keys (the links' JWT keys) in two steps: add, later retire.
    #[command(subcommand, name = "signing-key")]
    SigningKey(SigningKeyCommand),
    /// Rotate the hashing keys (audit and counter hashes, the mail jobs' MACs): add, later retire.
    #[command(subcommand, name = "hashing-key")]
    HashingKey(HashingKeyCommand),
    /// Print the audit log's email_hash of an address under each hashing key.
    #[command(
        name = "audit-hash",
        long_about = "Print the audit log's email_hash of an address under each hashing key (the current one, and the \
                      one before a rotation), normalized as the functions normalize it: follow one user's resets in \
                      the logs without their address in clear."
    )]
    AuditHash {
        /// The address, as the user typed it (case and surrounding spaces do not matter).
        email: String,
        /// The hashing keys' secret (else $HASHING_KEY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
    },
    /// Rotate the CDN's origin-verify value (EdgeProtection=true), or show where a rotation stands.
    #[command(subcommand, name = "origin-verify")]
    OriginVerify(OriginVerifyCli),
    /// Force a reset of one user: mail them a link; optionally block sign-in and end sessions.
    #[command(long_about = RESET_ABOUT)]
    Reset(ResetArgs),
    /// Invite one user who has no password: mail them a "choose your password" link.
    #[command(long_about = INVITE_ABOUT)]
    Invite(InviteArgs),
    /// Reset or invite many users (a campaign, after a breach): from a file or the whole table.
    #[command(long_about = BULK_ABOUT, after_help = BULK_AFTER)]
    Bulk(BulkArgs),
}

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Add a new current signing key; the older keys stay, verify-only.
    #[command(long_about = "Add a new random current signing key; the older keys stay, verify-only. Running functions sign \
                      with it within KEY_CACHE_SECONDS (5 minutes by default). Retire the old keys later.")]
    Add {
        /// The signing keys' secret (else $SIGNING_KEY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
    },
    /// Keep only the current signing key, once every link the older keys signed has expired.
    #[command(long_about = RETIRE_ABOUT)]
    Retire {
        /// The signing keys' secret (else $SIGNING_KEY_SECRET_ID).
        #[arg(long, value_name = "ID", conflicts_with = "stack")]
        secret_id: Option<String>,
        /// Work on this stack's SigningKeySecret, and wait its deployed link lifetimes.
        #[arg(long, value_name = "STACK_NAME")]
        stack: Option<String>,
        /// Refuse until the current key is this old (default: the stack's lifetimes with
        /// --stack, else 605100: the dispute links' 7 days plus the key cache).
        #[arg(long, value_name = "N", value_parser = seconds)]
        min_age_seconds: Option<Duration>,
        /// Retire at once (a leaked key): running functions refuse its links for password
        /// changes within a minute, whatever their cache.
        #[arg(long)]
        force: bool,
    },
}

const RETIRE_ABOUT: &str = "\
Keep only the current signing key; refused until it is N seconds old (--min-age-seconds), so no
link an older key signed breaks early. With --stack: the stack's SigningKeySecret, and N the
longest lifetime of the links it signs (TokenTtlSeconds, DisputeTokenTtlSeconds) plus the key
cache (300 s); without, N is 605100 (the dispute links' default 7 days plus the cache). --force
retires at once (a leaked key): running functions refuse its links for password changes within a
minute, whatever their cache.";

#[derive(Debug, Subcommand)]
pub enum HashingKeyCommand {
    /// Add a new current hashing key; the older keys stay, to verify queued jobs.
    #[command(long_about = "Add a new random current hashing key; the older keys stay, to verify queued jobs. Every keyed hash \
                      changes: counters start afresh (each budget restarts once), the audit log's hashes of an address \
                      change (audit-hash prints both).")]
    Add {
        /// The hashing keys' secret (else $HASHING_KEY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
    },
    /// Keep only the current hashing key, once no job MACed with an older one can be delivered.
    #[command(long_about = "Keep only the current hashing key; refused until it is N seconds old (default 1200: the mail's \
                      maximum age plus the key cache, 20 minutes).")]
    Retire {
        /// The hashing keys' secret (else $HASHING_KEY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
        /// Refuse until the current key is this old (default 1200).
        #[arg(long, value_name = "N", value_parser = seconds)]
        min_age_seconds: Option<Duration>,
        /// Retire at once.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OriginVerifyCli {
    /// Put a new value and move CloudFront, the web ACL and the functions onto it.
    #[command(long_about = "Put a new origin-verify value and move CloudFront, the web ACL and the functions onto it without \
                      refusing a request (a minute, then three stack updates, four if the stack does not pin the \
                      version yet). Run again after a stop: it goes on where it stopped (RUNBOOK.md). The secret is \
                      the stack's resource OriginVerifySecret; a --secret-id or $ORIGIN_VERIFY_SECRET_ID naming \
                      another secret is refused.")]
    Rotate {
        #[arg(long, value_name = "STACK_NAME")]
        stack: String,
        /// Must name the stack's own OriginVerifySecret (else $ORIGIN_VERIFY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
    },
    /// Which version ids carry which labels (never values) and, with --stack, which ones it pins.
    Status {
        #[arg(long, value_name = "STACK_NAME")]
        stack: Option<String>,
        /// The secret, without --stack (else $ORIGIN_VERIFY_SECRET_ID).
        #[arg(long, value_name = "ID")]
        secret_id: Option<String>,
    },
}

const RESET_ABOUT: &str = "\
Force a reset of one user, by id: the user gets a mail in their language saying an operator
requires a new password, with a link that works like any other (signed when the mail is sent).
--block-sign-in replaces the stored hash by an unusable marker until the reset (no verifier
accepts it); --end-sessions moves the account's epoch, ending sessions and outstanding links.
Both are written with the Reset Forced event before the mail is queued. Prints the job id, or why
nothing was done (exit 3: unknown user, disabled account, no password: invite instead, an address that cannot
take mail).";

const INVITE_ABOUT: &str = "\
Invite one user who has no password, by id: a \"choose your password\" mail with a link that
lives INVITATION_TTL_SECONDS (72 hours by default). Prints the job id, or why nothing was done
(exit 3: unknown user, disabled account, a password already: reset instead).";

/// Who the mail goes to and how; shared by `reset` and `bulk`.
#[derive(Debug, Clone, Args)]
pub struct ForcedOptions {
    /// Replace the stored hash by an unusable marker until the user resets (sign-in fails).
    #[arg(long)]
    pub block_sign_in: bool,
    /// Move the account's epoch: sessions and links issued before end (if the application checks it).
    #[arg(long)]
    pub end_sessions: bool,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The account's id in the users table.
    pub user_id: String,
    #[command(flatten)]
    pub forced: ForcedOptions,
    /// The mail's language (a BCP 47 tag such as de or pt-BR) when the account has none of its own.
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The account's id in the users table.
    pub user_id: String,
    /// The mail's language (a BCP 47 tag such as de or pt-BR) when the account has none of its own.
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
}

const BULK_ABOUT: &str = "\
Reset (or with --invite, invite) every user of a file or of the whole users table, as one
campaign. Each user's job id is derived from the campaign's name and the user's id, and the job
ledger notes each job queued: run the same command again after Ctrl-C, a crash or failures, and it
goes on, mailing no one twice and skipping no one (the users queued before are counted as skipped,
already_queued). --dry-run reads the users and counts what would happen, writing and queueing
nothing.

Input (--file): one user id a line, or a CSV file whose first line is a header with a column
named user_id (or id). Blank lines and lines starting with # are ignored. A line that is not a
user id (empty field, control characters, more than 256 characters, a comma or space in a plain
list, a CSV line with another number of fields than the header) is reported as malformed with its
line number; an id seen before is reported as duplicate. Nothing is dropped silently: --report
has one row for every line read. --all-users scans the users table instead (a parallel Scan
that reads only the id).

Pacing: a campaign shares the reset links' queue (MAIL_QUEUE_URL) with the users who ask for a
reset themselves, and the mail worker sends that queue at 9/10 of SES_MAX_SEND_RATE. So that an
ordinary request never waits behind the campaign, the tool queues at most --rate jobs a second
(default: half of SES_MAX_SEND_RATE, at least 1), and pauses while the queue holds more than
--max-backlog messages (default: 10 seconds of the links' send rate): a reset asked for during
a campaign waits behind at most about 10 s of its mail. It also pauses while the notices' queue
(NOTICE_QUEUE_URL) holds more than 15 minutes of the notices' share of the rate: users who reset
faster than their password-changed notices can go out hold the campaign, so no notice waits for
days. --max-backlog 0 turns both bounds off.";

const BULK_AFTER: &str = "\
At the end (and at Ctrl-C, after the calls in flight finish) it prints what it did: queued,
skipped (per reason: already_queued, unknown_user, user_disabled, no_password, has_password,
unusable_address, duplicate, malformed) and failed (unavailable, changed: run again). --report PATH.csv writes one
row per line read: line,user_id,outcome,reason,job_id,detail (outcome queued, would_queue,
skipped, failed, or not_started for lines a stop left).

Exit codes: 0 every line queued or skipped; 1 could not run (configuration, file, scan);
2 a mistake on the command line; 3 some lines failed (run again to retry them); 130 stopped by
Ctrl-C (run again to go on).

Example:
  reset-operator bulk --campaign breach-2026-12 --file ids.txt --block-sign-in --end-sessions \\
    --report breach-2026-12.csv";

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("users").required(true).args(["file", "all_users"]))]
pub struct BulkArgs {
    /// The campaign's name: with the user's id it makes the job's id, so a rerun mails no one twice.
    #[arg(long, value_name = "NAME", value_parser = campaign_name)]
    pub campaign: String,
    /// The users: one id a line, or CSV with a user_id (or id) column.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Every user of the users table (a parallel Scan of the ids).
    #[arg(long)]
    pub all_users: bool,
    /// Invitations ("choose your password") instead of forced resets.
    #[arg(long, conflicts_with_all = ["block_sign_in", "end_sessions"])]
    pub invite: bool,
    #[command(flatten)]
    pub forced: ForcedOptions,
    /// The mails' language (a BCP 47 tag) for accounts that have none of their own.
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
    /// Read and count what would happen; write nothing, queue nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write one CSV row per line read (line,user_id,outcome,reason,job_id,detail).
    #[arg(long, value_name = "PATH.csv")]
    pub report: Option<PathBuf>,
    /// Jobs queued a second at most (default: half of $SES_MAX_SEND_RATE, at least 1).
    #[arg(long, value_name = "N", value_parser = positive_rate)]
    pub rate: Option<f64>,
    /// Pause while the links' queue holds more messages than this (default: 10 s of the links'
    /// send rate, 9/10 of $SES_MAX_SEND_RATE). 0: never pause.
    #[arg(long, value_name = "N")]
    pub max_backlog: Option<u64>,
    /// Users in flight at once, the rate limit on top (default: a tenth of the rate, from 8 to 64:
    /// each user is a few calls one after the other, about 50 ms against AWS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// With --all-users: the Scan's segments read in parallel (default 4).
    #[arg(long, value_name = "N", conflicts_with = "file", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub segments: Option<u16>,
}

fn seconds(raw: &str) -> Result<Duration, String> {
    raw.parse().map(Duration::from_secs).map_err(|_| format!("takes a number of seconds, not {raw:?}"))
}

fn positive_rate(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("takes a number of jobs a second above 0, not {raw:?}")),
    }
}

/// A campaign's name: it is written into every job and event, and it must be typed the same on
/// every run, so nothing a shell or a terminal could change.
fn campaign_name(raw: &str) -> Result<String, String> {
    let ok = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok { Ok(raw.to_owned()) } else { Err("1 to 64 letters, digits or - _ . : (the same on every run of the campaign)".into()) }
}

/// What a key subcommand asks for, in the terms the key modules take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInvocation {
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

impl Commands {
    /// The key subcommands in the key modules' terms; `None` for the resets.
    pub fn key_invocation(&self) -> Option<KeyInvocation> {
        Some(match self {
            Commands::SigningKey(SigningKeyCommand::Add { secret_id }) => {
                KeyInvocation::SigningKey { command: Command::Add, secret_id: secret_id.clone(), stack: None }
            }
            Commands::SigningKey(SigningKeyCommand::Retire { secret_id, stack, min_age_seconds, force }) => KeyInvocation::SigningKey {
                command: Command::Retire { min_age: *min_age_seconds, force: *force },
                secret_id: secret_id.clone(),
                stack: stack.clone(),
            },
            Commands::HashingKey(HashingKeyCommand::Add { secret_id }) => KeyInvocation::HashingKey { command: HashCommand::Add, secret_id: secret_id.clone() },
            Commands::HashingKey(HashingKeyCommand::Retire { secret_id, min_age_seconds, force }) => KeyInvocation::HashingKey {
                command: HashCommand::Retire { min_age: min_age_seconds.unwrap_or(DEFAULT_HASH_MIN_AGE), force: *force },
                secret_id: secret_id.clone(),
            },
            Commands::AuditHash { email, secret_id } => {
                KeyInvocation::HashingKey { command: HashCommand::AuditHash { email: email.clone() }, secret_id: secret_id.clone() }
            }
            Commands::OriginVerify(OriginVerifyCli::Rotate { stack, secret_id }) => {
                KeyInvocation::OriginVerify { command: OriginVerifyCommand::Rotate, stack: Some(stack.clone()), secret_id: secret_id.clone() }
            }
            Commands::OriginVerify(OriginVerifyCli::Status { stack, secret_id }) => {
                KeyInvocation::OriginVerify { command: OriginVerifyCommand::Status, stack: stack.clone(), secret_id: secret_id.clone() }
            }
            Commands::Reset(_) | Commands::Invite(_) | Commands::Bulk(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    fn parsed(line: &str) -> Result<Cli, String> {
        Cli::try_parse_from(std::iter::once("reset-operator").chain(line.split_whitespace())).map_err(|err| err.to_string())
    }

    fn keys(line: &str) -> KeyInvocation {
        parsed(line).unwrap().command.key_invocation().unwrap()
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn each_key_subcommand_takes_its_own_options() {
        assert_eq!(keys("signing-key add --secret-id s"), KeyInvocation::SigningKey { command: Command::Add, secret_id: Some("s".into()), stack: None });
        assert_eq!(
            keys("signing-key retire --min-age-seconds 60 --force"),
            KeyInvocation::SigningKey { command: Command::Retire { min_age: Some(Duration::from_secs(60)), force: true }, secret_id: None, stack: None }
        );
        assert_eq!(
            keys("signing-key retire --stack prod"),
            KeyInvocation::SigningKey { command: Command::Retire { min_age: None, force: false }, secret_id: None, stack: Some("prod".into()) }
        );
        assert_eq!(
            keys("audit-hash a@example.com"),
            KeyInvocation::HashingKey { command: HashCommand::AuditHash { email: "a@example.com".into() }, secret_id: None }
        );
        assert_eq!(keys("hashing-key add --secret-id h"), KeyInvocation::HashingKey { command: HashCommand::Add, secret_id: Some("h".into()) });
        assert_eq!(
            keys("hashing-key retire --force"),
            KeyInvocation::HashingKey { command: HashCommand::Retire { min_age: DEFAULT_HASH_MIN_AGE, force: true }, secret_id: None }
        );
        assert_eq!(
            keys("origin-verify rotate --stack prod"),
            KeyInvocation::OriginVerify { command: OriginVerifyCommand::Rotate, stack: Some("prod".into()), secret_id: None }
        );
        assert_eq!(
            keys("origin-verify status --secret-id s"),
            KeyInvocation::OriginVerify { command: OriginVerifyCommand::Status, stack: None, secret_id: Some("s".into()) }
        );
    }

    #[test]
    fn the_reset_subcommands_take_theirs() {
        let Commands::Reset(reset) = parsed("reset u-1 --block-sign-in --locale de").unwrap().command else { panic!("not a reset") };
        assert_eq!((reset.user_id.as_str(), reset.forced.block_sign_in, reset.forced.end_sessions, reset.locale.as_deref()), ("u-1", true, false, Some("de")));
        let Commands::Invite(invite) = parsed("invite u-2").unwrap().command else { panic!("not an invitation") };
        assert_eq!(invite.user_id, "u-2");
        let Commands::Bulk(bulk) = parsed("bulk --campaign breach-1 --file ids.txt --end-sessions --dry-run --rate 2.5 --report r.csv").unwrap().command else {
            panic!("not a campaign")
        };
        assert_eq!(bulk.campaign, "breach-1");
        assert_eq!(bulk.file.as_deref(), Some(std::path::Path::new("ids.txt")));
        assert!(bulk.forced.end_sessions && !bulk.forced.block_sign_in && bulk.dry_run && !bulk.invite);
        assert_eq!((bulk.rate, bulk.max_backlog, bulk.concurrency), (Some(2.5), None, None));
        let Commands::Bulk(all) = parsed("bulk --campaign c --all-users --invite --segments 8").unwrap().command else { panic!("not a campaign") };
        assert!(all.all_users && all.invite && all.file.is_none());
        assert_eq!(all.segments, Some(8));
    }

    #[test]
    fn mistakes_are_named() {
        for (line, says) in [
            ("", "Usage"),
            ("origin-verify rotate", "--stack"),
            ("origin-verify rotate --stack", "--stack"),
            ("origin-verify", "Usage"),
            ("origin-verify rotate --stack p --force", "--force"),
            ("signing-key add --stack p", "--stack"),
            ("signing-key retire --stack p --secret-id s", "cannot be used with"),
            ("signing-key retire --min-age-seconds soon", "number of seconds"),
            ("audit-hash", "EMAIL"),
            ("hashing-key", "Usage"),
            ("hashing-key rotate", "rotate"),
            ("hashing-key add --force", "--force"),
            ("audit-hash a@example.com --stack p", "--stack"),
            ("rotate", "rotate"),
            ("add", "add"),
            ("signing-key add --dry-run", "--dry-run"),
            ("reset", "USER_ID"),
            ("invite u-1 --block-sign-in", "--block-sign-in"),
            ("bulk --campaign c", "--file"),
            ("bulk --campaign c --file f --all-users", "cannot be used with"),
            ("bulk --file f", "--campaign"),
            ("bulk --campaign c --file f --invite --block-sign-in", "cannot be used with"),
            ("bulk --campaign c --file f --invite --end-sessions", "cannot be used with"),
            ("bulk --campaign c --file f --rate 0", "above 0"),
            ("bulk --campaign c --file f --concurrency 0", "--concurrency"),
            ("bulk --campaign c --file f --segments 2", "cannot be used with"),
            ("bulk --campaign has/slash --file f", "letters, digits"),
        ] {
            let err = parsed(line).expect_err(line);
            assert!(err.contains(says), "{line:?}: {err}");
        }
    }

    /// Every subcommand explains itself: `--help` names what it needs and what it prints.
    #[test]
    fn every_subcommand_has_help_a_person_can_follow() {
        let mut cli = Cli::command();
        let top = cli.render_long_help().to_string();
        for name in ["signing-key", "hashing-key", "audit-hash", "origin-verify", "reset", "invite", "bulk", "MailWorkerFunction", "Exit codes"] {
            assert!(top.contains(name), "the top-level help does not name {name}:\n{top}");
        }
        let bulk = cli.find_subcommand_mut("bulk").unwrap().render_long_help().to_string();
        for says in ["--campaign", "--dry-run", "already_queued", "SES_MAX_SEND_RATE", "10 seconds", "line,user_id,outcome,reason,job_id", "130"] {
            assert!(bulk.contains(says), "bulk --help does not say {says}:\n{bulk}");
        }
    }
}
