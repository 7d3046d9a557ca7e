//! reset-operator COMMAND [OPTIONS]: signing keys, hashing keys, audit hashes, the CDN's
//! origin-verify value, and operators' resets (one user, an invitation, a bulk campaign).
//! `reset-operator --help`, and `--help` on each subcommand, say more (`cli`).
//!
//! AWS credentials and region come from the usual places (environment, profile); AWS_ENDPOINT_URL
//! points it at moto locally.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reset_core::OperatorRequest;
use reset_core::domain::mail_job::OperatorAction;
use reset_operator::bulk::{self, COLUMNS, Campaign, Ended, Outcome, Row, Stop, Tally};
use reset_operator::cli::{BulkArgs, Cli, Commands, KeyInvocation};
use reset_operator::origin_verify::{self, CloudFormation, OriginVerifyCommand, Pace, Stacks as _};
use reset_operator::pace::{self, SqsDepth, Waiting};
use reset_operator::resets::{self, Single};
use reset_operator::{Command, min_age_for_stack, run, sources};
use reset_wiring::Config;

/// Exit codes beyond 0 (done), 1 (failed) and 2 (clap's, a mistake on the command line).
const REFUSED: u8 = 3;
const STOPPED: u8 = 130;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = match &cli.command {
        Commands::Reset(args) => {
            let action = OperatorAction::ForcedReset;
            single(&args.user_id, action, args.forced.block_sign_in, args.forced.end_sessions, args.locale.as_deref()).await
        }
        Commands::Invite(args) => single(&args.user_id, OperatorAction::Invitation, false, false, args.locale.as_deref()).await,
        Commands::Bulk(args) => campaign(args).await,
        keys => match keys.key_invocation() {
            Some(invocation) => key_command(invocation).await.map(|()| ExitCode::SUCCESS),
            None => Ok(ExitCode::SUCCESS),
        },
    };
    done.unwrap_or_else(|err| {
        eprintln!("error: {err:?}");
        ExitCode::FAILURE
    })
}

/// The operators' resets' deps, as `reset_wiring::operator` builds them from the functions'
/// variables, with the caller's identity.
async fn operator_deps(config: Config, campaigns: bool) -> anyhow::Result<(reset_core::OperatorDeps<reset_wiring::Aws>, String, aws_config::SdkConfig)> {
    let sdk = reset_aws::sdk_config().await;
    let operator = resets::caller(&sdk).await?;
    let deps = reset_wiring::operator(config, &sdk, campaigns).await?;
    Ok((deps, operator, sdk))
}

fn config() -> anyhow::Result<Config> {
    Config::from_env().map_err(|err| anyhow::anyhow!("{err}\n(reset-operator reads the functions' variables: `reset-operator --help` shows how to copy them)"))
}

async fn single(raw_user: &str, action: OperatorAction, block_sign_in: bool, end_sessions: bool, locale: Option<&str>) -> anyhow::Result<ExitCode> {
    let user_id = resets::user_id(raw_user)?;
    let locale = resets::locale(locale)?;
    let (deps, operator, _) = operator_deps(config()?, false).await?;
    let request = OperatorRequest { user_id: user_id.clone(), action, block_sign_in, end_sessions, operator, campaign: None, locale };
    Ok(match resets::one(&deps, &request).await {
        Single::Queued(started) => {
            eprintln!("{}", resets::describe(action, &user_id, &started));
            println!("{}", started.job_id);
            ExitCode::SUCCESS
        }
        Single::Refused(refusal) => {
            eprintln!("refused: {}: {refusal}", refusal.code());
            ExitCode::from(REFUSED)
        }
        Single::Failed(failure) => {
            let cause = std::error::Error::source(&failure).map(|cause| format!(": {cause}")).unwrap_or_default();
            eprintln!("failed: {}: {failure}{cause}", failure.code());
            ExitCode::FAILURE
        }
    })
}

/// At most this many lines of each failure or malformed line are printed as they come (all go
/// to the report).
const SHOWN: u64 = 20;

async fn campaign(args: &BulkArgs) -> anyhow::Result<ExitCode> {
    let locale = resets::locale(args.locale.as_deref())?;
    let config = config()?;
    let send_rate = pace::send_rate_from_env()?;
    let (default_rate, default_backlog) = pace::defaults(send_rate);
    let (table, id_attribute, queue_url) = (config.table.table.clone(), config.table.id.clone(), config.mail_queue_url.clone().unwrap_or_default());
    // The notices' queue, if the environment names it: a campaign also waits for its notices.
    let notices_url = config.notice_queue_url.clone();
    let (deps, operator, sdk) = operator_deps(config, true).await?;
    let action = if args.invite { OperatorAction::Invitation } else { OperatorAction::ForcedReset };
    let campaign = Campaign {
        name: args.campaign.clone(),
        action,
        block_sign_in: args.forced.block_sign_in,
        end_sessions: args.forced.end_sessions,
        locale,
        operator,
        dry_run: args.dry_run,
    };
    // A dry run queues nothing: nothing to pace.
    let (rate, max_backlog) = match args.dry_run {
        true => (f64::INFINITY, 0),
        false => (args.rate.unwrap_or(default_rate), args.max_backlog.unwrap_or(default_backlog)),
    };
    let concurrency = args.concurrency.map_or_else(|| pace::default_concurrency(rate), usize::from);
    // The notices' bound goes with the links' (no bound, no notices' bound either: --max-backlog 0).
    let notice_backlog = if max_backlog == 0 || notices_url.is_none() { 0 } else { pace::notice_backlog(send_rate) };
    let depth = SqsDepth { client: aws_sdk_sqs::Client::new(&sdk), url: queue_url, notices_url };
    let pace = pace::Pace::new(rate, max_backlog, depth).with_notice_backlog(notice_backlog);

    let (mut entries, total, from, drain_after_stop) = match &args.file {
        Some(path) => {
            let (file, count) = sources::open_file(path)?;
            (sources::from_file(file, path.clone()), count, path.display().to_string(), true)
        }
        None => {
            let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
            let count = sources::table_size(&dynamodb, &table).await?;
            (sources::scan(dynamodb, table.clone(), id_attribute, args.segments.unwrap_or(4)), count, format!("every user of {table}"), false)
        }
    };
    let mut report = match &args.report {
        Some(path) => {
            let mut writer = csv::Writer::from_path(path).map_err(|err| anyhow::anyhow!("creating the report {}: {err}", path.display()))?;
            writer.write_record(COLUMNS)?;
            Some(writer)
        }
        None => None,
    };

    let what = match (action, campaign.block_sign_in, campaign.end_sessions) {
        (OperatorAction::Invitation, ..) => "invitations".to_owned(),
        (_, block, end) => {
            let options: Vec<&str> = [(block, "sign-in blocked"), (end, "sessions ended")].into_iter().filter(|(on, _)| *on).map(|(_, s)| s).collect();
            if options.is_empty() { "forced resets".to_owned() } else { format!("forced resets ({})", options.join(", ")) }
        }
    };
    let pacing = match (args.dry_run, max_backlog) {
        (true, _) => "dry run: nothing is written or queued".to_owned(),
        (false, 0) => format!("at most {rate} jobs a second, no backlog bound"),
        (false, bound) if notice_backlog > 0 => {
            format!("at most {rate} jobs a second, pausing while the links' queue holds more than {bound} or the notices' more than {notice_backlog}")
        }
        (false, bound) => format!(
            "at most {rate} jobs a second, pausing while the links' queue holds more than {bound} (no NOTICE_QUEUE_URL: the notices' queue is not watched)"
        ),
    };
    eprintln!("campaign {}: {what} for {from} ({total} lines); {pacing}; {concurrency} users in flight", campaign.name);

    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} {per_sec} eta {eta} {msg}").map_err(|err| anyhow::anyhow!("{err}"))?;
    bar.set_style(style.progress_chars("=> "));
    let stop = Arc::new(Stop::default());
    let interrupt = {
        let (stop, bar) = (stop.clone(), bar.clone());
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let stopping = "stopping: the calls in flight finish, then the report (Ctrl-C again quits at once; a rerun goes on either way)";
                if bar.is_hidden() {
                    eprintln!("{stopping}")
                } else {
                    bar.println(stopping)
                }
                stop.stop();
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(STOPPED));
            }
        })
    };

    let started = Instant::now();
    let mut tally = Tally::default();
    let mut report_error = None;
    let mut shown = std::collections::HashMap::<&str, u64>::new();
    // Lines for the person at the terminal: above the bar, or plainly when there is no bar (not a
    // terminal), which indicatif would swallow.
    let say = |line: String| if bar.is_hidden() { eprintln!("{line}") } else { bar.println(line) };
    // Without a bar (not a terminal), a pause is said once when it starts and once when it ends.
    let paused = std::sync::atomic::AtomicBool::new(false);
    let waiting = |w: Option<Waiting>| match w {
        Some(wait) => {
            let line = match wait {
                Waiting::Backlog { depth, bound } => format!("waiting: the links' queue holds {depth} messages, more than {bound}"),
                Waiting::Notices { depth, bound } => {
                    format!("waiting: the notices' queue holds {depth} messages, more than {bound} (users confirm faster than their notices go out)")
                }
            };
            if !paused.swap(true, std::sync::atomic::Ordering::SeqCst) && bar.is_hidden() {
                eprintln!("{line}");
            }
            bar.set_message(line);
        }
        None => {
            if paused.swap(false, std::sync::atomic::Ordering::SeqCst) && bar.is_hidden() {
                eprintln!("the queues are back within their bounds: going on");
            }
            bar.set_message("");
        }
    };
    let mut sink = |row: Row| {
        tally.add(&row.outcome);
        if let Some(writer) = report.as_mut()
            && report_error.is_none()
            && let Err(err) = writer.write_record(row.fields())
        {
            report_error = Some(format!("{err}"));
            say(format!("the report could not be written ({err}): stopping"));
            stop.stop();
        }
        if let Outcome::Failed { reason, detail } | Outcome::Skipped { reason: reason @ "malformed", detail, .. } = &row.outcome {
            let n = shown.entry(reason).or_default();
            *n += 1;
            if *n <= SHOWN {
                say(format!("line {}: {} {reason}: {detail}", row.line, row.outcome.name()));
            } else if *n == SHOWN + 1 {
                say(format!("(more lines {reason}: see the report)"));
            }
        }
        bar.inc(1);
        if bar.length().is_some_and(|len| bar.position() > len) {
            bar.set_length(bar.position());
        }
    };
    let ended = bulk::run(&deps, &campaign, &pace, concurrency, &mut entries, drain_after_stop, &stop, &waiting, &mut sink).await;
    interrupt.abort();
    bar.finish_and_clear();
    if let Some(writer) = report.as_mut()
        && let Err(err) = writer.flush()
    {
        report_error.get_or_insert(format!("{err}"));
    }

    let took = started.elapsed();
    println!("campaign {}: {what} for {from}{}", campaign.name, if args.dry_run { " (dry run)" } else { "" });
    println!("{}", tally.render(args.dry_run));
    let queued = tally.of("queued") + tally.of("would_queue");
    println!("took {:.1} s: {:.1} lines a second, {:.1} queued a second", took.as_secs_f64(), per_second(tally.total(), took), per_second(queued, took));
    if let Some(path) = &args.report {
        println!("report: {}", path.display());
    }
    if let Some(err) = report_error {
        eprintln!("error: the report {} is incomplete: {err}", args.report.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
        return Ok(ExitCode::FAILURE);
    }
    Ok(match ended {
        Ended::SourceFailed(why) => {
            eprintln!("error: the users could not be read further: {why}\nrun the same command again: it goes on, mailing no one twice");
            ExitCode::FAILURE
        }
        Ended::Stopped => {
            eprintln!("stopped: run the same command again to go on (the users queued so far are skipped as already_queued)");
            ExitCode::from(STOPPED)
        }
        Ended::Done if tally.of("failed") > 0 => {
            eprintln!("{} lines failed: run the same command again to retry them", tally.of("failed"));
            ExitCode::from(REFUSED)
        }
        Ended::Done => ExitCode::SUCCESS,
    })
}

fn per_second(n: u64, took: Duration) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a figure for people")]
    let n = n as f64;
    n / took.as_secs_f64().max(0.001)
}

/// The key subcommands, as the tool ran them before the resets joined it.
async fn key_command(invocation: KeyInvocation) -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let sdk = reset_aws::sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    match invocation {
        KeyInvocation::SigningKey { mut command, secret_id, stack } => {
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
                    .ok_or_else(|| anyhow::anyhow!("no secret id: pass --secret-id or set SIGNING_KEY_SECRET_ID"))?,
            };
            println!("{}", run(&secrets, &secret_id, command, reset_core::unix_now()).await?);
        }
        KeyInvocation::HashingKey { command, secret_id } => {
            let secret_id = secret_id.or_else(|| env("HASHING_KEY_SECRET_ID"));
            let secret_id = secret_id.ok_or_else(|| anyhow::anyhow!("no secret id: pass --secret-id or set HASHING_KEY_SECRET_ID"))?;
            println!("{}", reset_operator::hashing::run(&secrets, &secret_id, command, reset_core::unix_now()).await?);
        }
        KeyInvocation::OriginVerify { command, stack, secret_id } => {
            let stacks = CloudFormation::new((&sdk).into());
            let given = match secret_id {
                Some(id) => Some(("--secret-id", id)),
                None => env("ORIGIN_VERIFY_SECRET_ID").map(|id| ("$ORIGIN_VERIFY_SECRET_ID", id)),
            };
            if stack.is_none() && given.is_none() {
                anyhow::bail!("no secret id: pass --stack, --secret-id or set ORIGIN_VERIFY_SECRET_ID");
            }
            // With a stack, its own secret; a secret named otherwise must be the same one.
            let secret_id = origin_verify::secret_for(&secrets, stack.as_deref().map(|s| (&stacks, s)), given).await?;
            match (command, stack) {
                (OriginVerifyCommand::Rotate, Some(stack)) => {
                    origin_verify::rotate(&secrets, &stacks, &stack, &secret_id, &Pace::default(), &mut |line| println!("{line}")).await?;
                }
                (OriginVerifyCommand::Rotate, None) => anyhow::bail!("origin-verify rotate needs --stack STACK_NAME"),
                (OriginVerifyCommand::Status, stack) => {
                    println!("{}", origin_verify::status(&secrets, stack.as_deref().map(|s| (&stacks, s)), &secret_id).await?);
                }
            }
        }
    }
    Ok(())
}
