//! A bulk campaign: [`start_operator_reset`] for each user of a file or of the users table, with
//! the campaign's name (so each job's id is derived from the campaign and the user, and a rerun
//! mails no one twice), a few calls in flight, paced ([`crate::pace`]), every line ending in a
//! [`Row`] (queued, skipped with a reason, failed, or not started when a stop came first).
//!
//! Resuming: a user the ledger knows (queued by an earlier run, or handled by the worker) is
//! skipped as `already_queued` before a pace slot is taken, so a rerun goes through the users an
//! earlier run queued at the speed of one read each; everyone else is called again, so a user an
//! earlier run failed, or never reached, is not skipped.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use reset_core::domain::UserId;
use reset_core::domain::mail_job::{OperatorAction, campaign_job_id};
use reset_core::ports::{CampaignLedger, ForceReset, GetUser};
use reset_core::{Adapters, OperatorDeps, OperatorRefusal, OperatorRequest, start_operator_reset};
use tokio::sync::{Notify, mpsc};

use crate::input::Entry;
use crate::pace::{Pace, QueueDepth, Waiting};

/// What every job of the campaign is.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub name: String,
    pub action: OperatorAction,
    pub block_sign_in: bool,
    pub end_sessions: bool,
    pub locale: Option<String>,
    /// Who runs it (the caller's ARN): in the jobs, the events and the worker's audit lines.
    pub operator: String,
    /// Read and count, write and queue nothing.
    pub dry_run: bool,
}

/// How one line ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Queued {
        job_id: String,
    },
    /// A dry run's: nothing stands in the way.
    WouldQueue {
        job_id: String,
    },
    /// Nothing to do for this line (`reason`: a refusal's code, `duplicate` or `malformed`).
    Skipped {
        reason: &'static str,
        detail: String,
        job_id: Option<String>,
    },
    /// Nothing could be done now (`unavailable`, `changed`): a rerun tries again.
    Failed {
        reason: &'static str,
        detail: String,
    },
    /// A stop came first: a rerun takes it.
    NotStarted,
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Queued { .. } => "queued",
            Outcome::WouldQueue { .. } => "would_queue",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
            Outcome::NotStarted => "not_started",
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            Outcome::Skipped { reason, .. } | Outcome::Failed { reason, .. } => reason,
            Outcome::NotStarted => "stopped",
            Outcome::Queued { .. } | Outcome::WouldQueue { .. } => "",
        }
    }
}

/// One line's end: its number, the id as read, what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub user_id: String,
    pub outcome: Outcome,
}

/// The report's columns, in the CSV's order.
pub const COLUMNS: [&str; 6] = ["line", "user_id", "outcome", "reason", "job_id", "detail"];

impl Row {
    pub fn fields(&self) -> [String; 6] {
        let (job_id, detail) = match &self.outcome {
            Outcome::Queued { job_id } | Outcome::WouldQueue { job_id } => (job_id.clone(), String::new()),
            Outcome::Skipped { job_id, detail, .. } => (job_id.clone().unwrap_or_default(), detail.clone()),
            Outcome::Failed { detail, .. } => (String::new(), detail.clone()),
            Outcome::NotStarted => (String::new(), "a stop came first: run the same command again".into()),
        };
        [self.line.to_string(), self.user_id.clone(), self.outcome.name().into(), self.outcome.reason().into(), job_id, detail]
    }
}

/// Counts per outcome and reason.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub counts: BTreeMap<(&'static str, &'static str), u64>,
}

impl Tally {
    pub fn add(&mut self, outcome: &Outcome) {
        *self.counts.entry((outcome.name(), outcome.reason())).or_default() += 1;
    }

    /// Lines with this outcome, whatever the reason.
    pub fn of(&self, outcome: &str) -> u64 {
        self.counts.iter().filter(|((name, _), _)| *name == outcome).map(|(_, n)| n).sum()
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The report, one outcome a line with its reasons beneath.
    pub fn render(&self, dry_run: bool) -> String {
        let mut lines = Vec::new();
        let first = if dry_run { "would_queue" } else { "queued" };
        for outcome in [first, "skipped", "failed", "not_started"] {
            let n = self.of(outcome);
            if n == 0 && outcome == "not_started" {
                continue;
            }
            lines.push(format!("  {outcome:<12} {n:>10}"));
            for ((name, reason), count) in &self.counts {
                if *name == outcome && !reason.is_empty() && outcome != "not_started" {
                    lines.push(format!("    {reason:<18} {count:>8}"));
                }
            }
        }
        lines.push(format!("  {:<12} {:>10}", "lines", self.total()));
        lines.join("\n")
    }
}

/// A stop asked for (Ctrl-C): no new call starts, those in flight finish.
#[derive(Default)]
pub struct Stop {
    flag: AtomicBool,
    notify: Notify,
}

impl Stop {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub async fn wait(&self) {
        let notified = self.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.is_set() {
            return;
        }
        notified.await;
    }
}

/// What the runner is handed: an entry, or why the users could not be read further.
pub type Item = Result<Entry, String>;

/// How a run ended (the rows went to the sink as they came).
#[derive(Debug)]
pub enum Ended {
    /// Every entry was handled.
    Done,
    /// A stop came: the calls in flight finished, the rest were not started.
    Stopped,
    /// The users could not be read further (the file or the scan): the rest were not started.
    SourceFailed(String),
}

/// Runs the campaign over `entries` with `concurrency` calls in flight, handing each line's
/// [`Row`] to `sink` as it ends. After a stop, the entries still to come are handed on as not
/// started when `drain_after_stop` (a file: every line gets a row), else dropped (a scan).
#[expect(clippy::too_many_arguments, reason = "the run's parts, each its own")]
pub async fn run<A, D>(
    deps: &OperatorDeps<A>,
    campaign: &Campaign,
    pace: &Pace<D>,
    concurrency: usize,
    entries: &mut mpsc::Receiver<Item>,
    drain_after_stop: bool,
    stop: &Stop,
    waiting: &(dyn Fn(Option<Waiting>) + Sync),
    sink: &mut dyn FnMut(Row),
) -> Ended
where
    A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>,
    D: QueueDepth,
{
    let mut in_flight = FuturesUnordered::new();
    let mut source_done = false;
    let mut failed_source = None;
    loop {
        let stopped = stop.is_set() || failed_source.is_some();
        let can_take = !source_done && !stopped && in_flight.len() < concurrency.max(1);
        if !can_take && in_flight.is_empty() {
            break;
        }
        tokio::select! {
            item = entries.recv(), if can_take => match item {
                None => source_done = true,
                Some(Err(why)) => failed_source = Some(why),
                Some(Ok(Entry { line, raw, user: Err(unusable) })) => {
                    sink(Row { line, user_id: raw, outcome: Outcome::Skipped { reason: unusable.code(), detail: unusable.detail(), job_id: None } });
                }
                Some(Ok(Entry { line, raw, user: Ok(user) })) => {
                    in_flight.push(async move { Row { line, user_id: raw, outcome: one(deps, campaign, pace, stop, user, waiting).await } });
                }
            },
            Some(row) = in_flight.next(), if !in_flight.is_empty() => sink(row),
            () = stop.wait(), if !stopped => {}
        }
    }
    if source_done && failed_source.is_none() {
        return Ended::Done;
    }
    if drain_after_stop {
        while let Some(Ok(Entry { line, raw, user })) = entries.recv().await {
            let outcome = match user {
                Err(unusable) => Outcome::Skipped { reason: unusable.code(), detail: unusable.detail(), job_id: None },
                Ok(_) => Outcome::NotStarted,
            };
            sink(Row { line, user_id: raw, outcome });
        }
    }
    entries.close();
    match failed_source {
        Some(why) => Ended::SourceFailed(why),
        None => Ended::Stopped,
    }
}

/// The most times a call is made again when the account changed between its read and its write.
const CHANGED_TRIES: u32 = 3;

async fn one<A, D>(
    deps: &OperatorDeps<A>,
    campaign: &Campaign,
    pace: &Pace<D>,
    stop: &Stop,
    user: UserId,
    waiting: &(dyn Fn(Option<Waiting>) + Sync),
) -> Outcome
where
    A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>,
    D: QueueDepth,
{
    let job_id = campaign_job_id(&campaign.name, user.as_ref());
    // A job an earlier run queued costs one read and no pace slot.
    if let Some(ledger) = &deps.ledger {
        match ledger.knows(&job_id).await {
            Ok(true) => return already_queued(job_id),
            Ok(false) => {}
            Err(err) => return unavailable(&err),
        }
    }
    if campaign.dry_run {
        return preview(deps, campaign, &user, job_id).await;
    }
    tokio::select! {
        biased;
        () = stop.wait() => return Outcome::NotStarted,
        slot = pace.slot(waiting) => if let Err(err) = slot {
            return unavailable(&err);
        },
    }
    let request = OperatorRequest {
        user_id: user,
        action: campaign.action,
        block_sign_in: campaign.block_sign_in,
        end_sessions: campaign.end_sessions,
        operator: campaign.operator.clone(),
        campaign: Some(campaign.name.clone()),
        locale: campaign.locale.clone(),
    };
    let mut tries = 1;
    loop {
        let refusal = match start_operator_reset(deps, &request).await {
            Ok(started) => return Outcome::Queued { job_id: started.job_id },
            Err(OperatorRefusal::Changed) if tries < CHANGED_TRIES => {
                tries += 1;
                continue;
            }
            Err(refusal) => refusal,
        };
        // Nothing was queued: the slot goes back.
        pace.refund();
        return refused(refusal, job_id);
    }
}

fn already_queued(job_id: String) -> Outcome {
    Outcome::Skipped { reason: "already_queued", detail: "queued by an earlier run of this campaign".into(), job_id: Some(job_id) }
}

fn unavailable(err: &anyhow::Error) -> Outcome {
    Outcome::Failed { reason: "unavailable", detail: format!("{err:#}") }
}

fn refused(refusal: OperatorRefusal, job_id: String) -> Outcome {
    match refusal {
        OperatorRefusal::AlreadyQueued => already_queued(job_id),
        OperatorRefusal::Unavailable(err) => unavailable(&err),
        OperatorRefusal::Changed => Outcome::Failed { reason: "changed", detail: refusal.to_string() },
        OperatorRefusal::UnknownUser
        | OperatorRefusal::Disabled
        | OperatorRefusal::NoPassword
        | OperatorRefusal::HasPassword
        | OperatorRefusal::UnusableAddress => Outcome::Skipped { reason: refusal.code(), detail: refusal.to_string(), job_id: None },
        // The command line keeps the options to forced resets; reported, never expected.
        OperatorRefusal::OptionsForInvitation => Outcome::Failed { reason: refusal.code(), detail: refusal.to_string() },
    }
}

/// A dry run's look at one user: what `start_operator_reset` would decide from the account as it
/// is, without writing or queueing.
async fn preview<A>(deps: &OperatorDeps<A>, campaign: &Campaign, user: &UserId, job_id: String) -> Outcome
where
    A: Adapters<Users: GetUser>,
{
    let account = match deps.users.get_user(user).await {
        Ok(Some(account)) => account,
        Ok(None) => return refused(OperatorRefusal::UnknownUser, job_id),
        Err(err) => return unavailable(&err),
    };
    match reset_core::use_cases::operator_reset::eligible(campaign.action, &account) {
        Ok(()) => Outcome::WouldQueue { job_id },
        Err(refusal) => refused(refusal, job_id),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use reset_core::domain::StoredEmail;
    use reset_core::domain::User;
    use reset_core::domain::mail_job::MailJob;
    use reset_core::memory::{InMemory, MemoryHashKeys, MemoryJobLedger, MemoryLimits, MemoryQueue, MemoryUsers};
    use reset_core::settings::{Settings, parse_page_url};

    use super::*;
    use crate::input::Entries;
    use crate::pace::NoDepth;

    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$stand-in";

    async fn deps(ledger: &MemoryJobLedger) -> OperatorDeps<InMemory> {
        let users = MemoryUsers::default();
        for (id, hash, status) in
            [("u-1", HASH, "active"), ("u-2", HASH, "active"), ("u-3", HASH, "active"), ("u-off", HASH, "disabled"), ("u-new", "", "active")]
        {
            users.insert(User {
                id: UserId::parse(id).unwrap(),
                email: StoredEmail::new(format!("{id}@example.com")),
                password_hash: hash.into(),
                active: status == "active",
                status: status.into(),
                epoch: "1700000000".into(),
                locale: None,
            });
        }
        let hash_keys = MemoryHashKeys::new(r#"{"current": "h", "h": "hash-h-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponm"}"#);
        let common = reset_core::Deps {
            limits: MemoryLimits::default(),
            queue: MemoryQueue::default(),
            hashing: reset_core::KeyCache::load(hash_keys, Duration::from_secs(60)).await,
            settings: Settings::for_reset_page(parse_page_url("https://auth.example.com/reset-password").unwrap()),
        };
        OperatorDeps { common, users, ledger: Some(ledger.clone()) }
    }

    fn campaign(dry_run: bool) -> Campaign {
        Campaign {
            name: "breach-1".into(),
            action: OperatorAction::ForcedReset,
            block_sign_in: true,
            end_sessions: false,
            locale: None,
            operator: "arn:aws:sts::123456789012:assumed-role/Ops/alice".into(),
            dry_run,
        }
    }

    async fn run_on(deps: &OperatorDeps<InMemory>, campaign: &Campaign, text: &str, stop: &Stop) -> (Ended, Vec<Row>) {
        let (tx, mut rx) = mpsc::channel(4);
        let text = text.to_owned();
        let producer = tokio::spawn(async move {
            let mut entries = Entries::new(text.as_bytes());
            while let Some(entry) = entries.next_entry().unwrap() {
                if tx.send(Ok(entry)).await.is_err() {
                    break;
                }
            }
        });
        let pace = Pace::new(f64::INFINITY, 0, NoDepth);
        let mut rows = Vec::new();
        let ended = run(deps, campaign, &pace, 3, &mut rx, true, stop, &|_| {}, &mut |row| rows.push(row)).await;
        producer.await.unwrap();
        rows.sort_by_key(|row| row.line);
        (ended, rows)
    }

    fn summary(rows: &[Row]) -> Vec<(u64, &str, &str)> {
        rows.iter().map(|row| (row.line, row.outcome.name(), row.outcome.reason())).collect()
    }

    const FILE: &str = "u-1\nu-nobody\nu-off\n\nu-new\nu-1\nu two\nu-2\n";

    #[tokio::test]
    async fn every_line_gets_its_outcome_and_a_rerun_queues_no_one_twice() {
        let ledger = MemoryJobLedger::default();
        let deps = deps(&ledger).await;
        let (ended, rows) = run_on(&deps, &campaign(false), FILE, &Stop::default()).await;
        assert!(matches!(ended, Ended::Done), "{ended:?}");
        assert_eq!(
            summary(&rows),
            [
                (1, "queued", ""),
                (2, "skipped", "unknown_user"),
                (3, "skipped", "user_disabled"),
                (5, "skipped", "no_password"),
                (6, "skipped", "duplicate"),
                (7, "skipped", "malformed"),
                (8, "queued", "")
            ]
        );
        assert_eq!(rows[0].outcome, Outcome::Queued { job_id: campaign_job_id("breach-1", "u-1") });
        let queued: Vec<String> = deps.common.queue.take().iter().map(|job| MailJob::id(job).to_owned()).collect();
        assert_eq!(queued.len(), 2);

        let (_, again) = run_on(&deps, &campaign(false), FILE, &Stop::default()).await;
        assert_eq!((again[0].outcome.name(), again[0].outcome.reason()), ("skipped", "already_queued"));
        assert_eq!((again[6].outcome.name(), again[6].outcome.reason()), ("skipped", "already_queued"));
        assert!(deps.common.queue.take().is_empty(), "the rerun queued nothing");
        let mut tally = Tally::default();
        again.iter().for_each(|row| tally.add(&row.outcome));
        assert_eq!((tally.of("queued"), tally.of("skipped"), tally.of("failed"), tally.total()), (0, 7, 0, 7));
        assert!(tally.render(false).contains("already_queued"), "{}", tally.render(false));
    }

    #[tokio::test]
    async fn a_dry_run_counts_what_a_run_would_do_and_changes_nothing() {
        let ledger = MemoryJobLedger::default();
        let deps = deps(&ledger).await;
        let (_, rows) = run_on(&deps, &campaign(true), FILE, &Stop::default()).await;
        assert_eq!(summary(&rows)[0], (1, "would_queue", ""));
        assert_eq!(
            summary(&rows)[1..5],
            [(2, "skipped", "unknown_user"), (3, "skipped", "user_disabled"), (5, "skipped", "no_password"), (6, "skipped", "duplicate")]
        );
        assert!(deps.common.queue.take().is_empty());
        assert!(deps.users.outbox.events().is_empty());
        assert_eq!(deps.users.get(&UserId::parse("u-1").unwrap()).unwrap().password_hash, HASH, "sign-in not blocked");
        // The dry run's counts are the real run's.
        let (_, real) = run_on(&deps, &campaign(false), FILE, &Stop::default()).await;
        let names = |rows: &[Row]| rows.iter().map(|r| r.outcome.reason()).collect::<Vec<_>>();
        assert_eq!(names(&rows), names(&real));
    }

    #[tokio::test]
    async fn a_stop_finishes_the_calls_in_flight_and_leaves_the_rest_for_a_rerun() {
        let ledger = MemoryJobLedger::default();
        let deps = deps(&ledger).await;
        let stop = Arc::new(Stop::default());
        stop.stop();
        let (ended, rows) = run_on(&deps, &campaign(false), "u-1\nu-2\nu-2\nu-3\n", &stop).await;
        assert!(matches!(ended, Ended::Stopped), "{ended:?}");
        assert_eq!(summary(&rows), [(1, "not_started", "stopped"), (2, "not_started", "stopped"), (3, "skipped", "duplicate"), (4, "not_started", "stopped")]);
        assert!(deps.common.queue.take().is_empty());
        let (_, rows) = run_on(&deps, &campaign(false), "u-1\nu-2\nu-2\nu-3\n", &Stop::default()).await;
        assert_eq!(summary(&rows), [(1, "queued", ""), (2, "queued", ""), (3, "skipped", "duplicate"), (4, "queued", "")]);
    }
}
