//! The operator tool's resets, run as an operator runs them (the `reset-operator` binary, with
//! the functions' environment) against moto: one user's forced reset or invitation, and bulk
//! campaigns from a file with bad lines, dry, paced by the queue's backlog, and killed half way
//! then run again. The mail worker's real handler delivers what they queued.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use reset_core::domain::mail_job::campaign_job_id;
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID, Stack};

use crate::helpers::{MotoApp, unique};

/// The tool, built now from today's source (another package's binary: Cargo gives this test no
/// `CARGO_BIN_EXE_` for it), at the path Cargo reports, as local_stack.rs builds its runner.
fn operator_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let build = Command::new(cargo)
                .args(["build", "--quiet", "--bin", "reset-operator", "--message-format=json"])
                .current_dir(reset_local::workspace_root())
                .output()
                .unwrap();
            assert!(build.status.success(), "reset-operator does not build:\n{}", String::from_utf8_lossy(&build.stderr));
            let messages = String::from_utf8_lossy(&build.stdout);
            let built = messages.lines().filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok()).find_map(|message| {
                let ours = message["reason"] == "compiler-artifact" && message["target"]["name"] == "reset-operator";
                ours.then(|| message["executable"].as_str().map(PathBuf::from)).flatten()
            });
            built.unwrap_or_else(|| panic!("cargo build named no reset-operator executable:\n{messages}"))
        })
        .clone()
}

/// The tool with the functions' environment on `stack` (what an operator exports from the mail
/// worker's configuration), and nothing else of this process's.
fn operator(stack: &Stack, args: &[&str]) -> Command {
    let mut command = Command::new(operator_binary());
    command.env_clear().envs(stack.env()).env("AWS_EC2_METADATA_DISABLED", "true").args(args);
    command
}

/// Runs the tool to its end.
fn run(stack: &Stack, args: &[&str]) -> Ran {
    let output = operator(stack, args).output().unwrap();
    Ran::from(output)
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Ran {
    fn from(output: Output) -> Self {
        Ran { code: output.status.code(), stdout: String::from_utf8_lossy(&output.stdout).into(), stderr: String::from_utf8_lossy(&output.stderr).into() }
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// One row of a campaign's report, by its columns' names.
type Row = BTreeMap<String, String>;

/// The report's rows (a CSV reader small enough to trust: quoted fields, doubled quotes).
fn report(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().expect("a header"));
    assert_eq!(header, ["line", "user_id", "outcome", "reason", "job_id", "detail"]);
    lines.map(|line| header.iter().cloned().zip(fields(line)).collect()).collect()
}

fn fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Rows by line number: (outcome, reason).
fn outcomes(rows: &[Row]) -> BTreeMap<u64, (String, String)> {
    rows.iter().map(|row| (row["line"].parse().unwrap(), (row["outcome"].clone(), row["reason"].clone()))).collect()
}

/// Puts users straight into the table (BatchWriteItem), all with one stored hash (`None`: no
/// password) and `status` (`None`: no status attribute, which counts as active).
async fn put_users(stack: &Stack, users: &[(&str, Option<&str>, Option<&str>)]) {
    let t = &stack.table;
    for chunk in users.chunks(25) {
        let writes = chunk
            .iter()
            .map(|(id, hash, status)| {
                let mut put = PutRequest::builder().item(&t.id, AttributeValue::S((*id).into())).item(&t.email, AttributeValue::S(format!("{id}@example.com")));
                if let Some(hash) = hash {
                    put = put.item(&t.password_hash, AttributeValue::S((*hash).into()));
                }
                if let Some(status) = status {
                    put = put.item(&t.status, AttributeValue::S((*status).into()));
                }
                WriteRequest::builder().put_request(put.build().unwrap()).build()
            })
            .collect();
        let out = stack.dynamodb().batch_write_item().request_items(&t.table, writes).send().await.unwrap();
        assert!(out.unprocessed_items.unwrap_or_default().values().all(Vec::is_empty), "moto left items unwritten");
    }
}

/// One real argon2id hash, shared by every user a test puts (hashing each would take seconds).
fn a_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| reset_core::domain::password::hash_blocking("an old password").unwrap())
}

/// The campaign jobs the ledger knows (its `job#` records in the service's table).
async fn ledger_jobs(stack: &Stack) -> BTreeSet<String> {
    let mut jobs = BTreeSet::new();
    let mut start = None;
    loop {
        let page =
            patient_dynamodb(stack).scan().table_name(reset_aws::DEFAULT_LIMITS_TABLE).limit(1000).set_exclusive_start_key(start.take()).send().await.unwrap();
        for item in page.items.unwrap_or_default() {
            if let Some(job) = item["key"].as_s().unwrap().strip_prefix("job#") {
                jobs.insert(job.to_owned());
            }
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return jobs,
        }
    }
}

/// The ledger's campaign jobs once two reads a moment apart agree: a call the killed tool had sent
/// may still be answered by moto after the tool is gone.
async fn settled_ledger_jobs(stack: &Stack) -> BTreeSet<String> {
    let mut jobs = ledger_jobs(stack).await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let again = ledger_jobs(stack).await;
        if again == jobs {
            return jobs;
        }
        jobs = again;
    }
}

/// Timeouts as long as moto takes: it answers one call at a time, and a scan of thousands of items
/// behind a campaign's calls outlasts the SDK's 4 s.
fn patient() -> aws_sdk_sqs::config::timeout::TimeoutConfig {
    let config = aws_sdk_sqs::config::timeout::TimeoutConfig::builder();
    config.operation_attempt_timeout(Duration::from_secs(120)).operation_timeout(Duration::from_secs(240)).build()
}

fn patient_dynamodb(stack: &Stack) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&stack.sdk).timeout_config(patient()).build())
}

/// The job id of every message on the links' queue, each as often as it is there; the messages
/// are made visible again afterwards, for the mail worker.
async fn queued_job_ids(stack: &Stack) -> Vec<String> {
    let client = &stack.queue.client;
    let (mut ids, mut receipts) = (Vec::new(), Vec::new());
    loop {
        let out = client.receive_message().queue_url(&stack.queue.url).max_number_of_messages(10).visibility_timeout(300).send().await.unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for message in messages {
            let body: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
            assert_eq!(body["kind"], "operator", "{body}");
            ids.push(body["id"].as_str().unwrap().to_owned());
            receipts.push(message.receipt_handle.unwrap());
        }
    }
    for receipt in receipts {
        client.change_message_visibility().queue_url(&stack.queue.url).receipt_handle(receipt).visibility_timeout(0).send().await.unwrap();
    }
    ids
}

/// The whole users table, item by item, to see that nothing changed.
async fn users_table(stack: &Stack) -> Vec<HashMap<String, AttributeValue>> {
    let mut items = stack.dynamodb().scan().table_name(&stack.table.table).send().await.unwrap().items.unwrap_or_default();
    items.sort_by_key(|item| format!("{:?}", item[&stack.table.id]));
    items
}

/// Users for a campaign with one of each problem: u-1 and u-2 with passwords (and the demo
/// user), u-off disabled, u-new without a password.
async fn campaign_users(app: &MotoApp) {
    let hash = Some(a_hash());
    put_users(&app.stack, &[("u-1", hash, None), ("u-2", hash, Some("active")), ("u-off", hash, Some("disabled")), ("u-new", None, None)]).await;
}

/// The campaign's file: every kind of line, numbered as an editor numbers them.
fn campaign_file(dir: &Path) -> PathBuf {
    let long = "x".repeat(300);
    let text = format!("# breach 2026-12: the ids the leak named\nu-1\nu-nobody\n\nu-off\nu-new\nu-1\nu-3,u-4\n{DEMO_USER_ID}\n{long}\nu-2\n");
    let path = dir.join("ids.txt");
    std::fs::write(&path, text).unwrap();
    path
}

fn scratch(name: &str) -> PathBuf {
    let dir = reset_local::workspace_root().join("target/test-logs").join(unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn the_lines(expected: &[(u64, &str, &str)]) -> BTreeMap<u64, (String, String)> {
    expected.iter().map(|(line, outcome, reason)| (*line, (outcome.to_string(), reason.to_string()))).collect()
}

#[tokio::test]
async fn a_campaign_from_a_file_gives_every_line_its_reason_and_loses_nothing() {
    let app = MotoApp::start().await;
    campaign_users(&app).await;
    let dir = scratch("campaign-file");
    let (file, csv) = (campaign_file(&dir), dir.join("report.csv"));
    let ran = run(
        &app.stack,
        &["bulk", "--campaign", "breach-1", "--file", file.to_str().unwrap(), "--block-sign-in", "--end-sessions", "--report", csv.to_str().unwrap()],
    );
    assert_eq!(ran.code, Some(0), "{ran}");

    let rows = report(&csv);
    let expected = [
        (2, "queued", ""),
        (3, "skipped", "unknown_user"),
        (5, "skipped", "user_disabled"),
        (6, "skipped", "no_password"),
        (7, "skipped", "duplicate"),
        (8, "skipped", "malformed"),
        (9, "queued", ""),
        (10, "skipped", "malformed"),
        (11, "queued", ""),
    ];
    assert_eq!(outcomes(&rows), the_lines(&expected), "one row for every line that is not blank or a comment\n{ran}");
    let row = |line: &str| rows.iter().find(|row| row["line"] == line).unwrap();
    assert_eq!(row("2")["job_id"], campaign_job_id("breach-1", "u-1"));
    assert_eq!(row("7")["detail"], "the same id as line 2");
    assert!(row("8")["detail"].contains("more than one field"), "{:?}", row("8"));
    assert_eq!(row("8")["user_id"], "u-3,u-4", "the line as read");
    assert!(row("10")["detail"].contains("more than 256"), "{:?}", row("10"));
    for (reason, count) in [("queued", 3), ("unknown_user", 1), ("user_disabled", 1), ("no_password", 1), ("duplicate", 1), ("malformed", 2)] {
        assert!(
            ran.stdout.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == [reason, &count.to_string()]),
            "no {reason} {count} in the summary:\n{ran}"
        );
    }
    assert!(ran.stderr.contains("line 8: skipped malformed"), "a malformed line is named as it comes:\n{ran}");

    // Exactly the three jobs, on the links' queue; sign-in blocked for those three, no one else.
    let mut queued = queued_job_ids(&app.stack).await;
    queued.sort();
    let mut expected: Vec<String> = ["u-1", DEMO_USER_ID, "u-2"].iter().map(|id| campaign_job_id("breach-1", id)).collect();
    expected.sort();
    assert_eq!(queued, expected);
    assert_eq!(app.stack.password_hash("u-1").await.unwrap(), login_password::formats::RESET_REQUIRED);
    assert_eq!(app.stack.password_hash("u-off").await.unwrap(), a_hash(), "a disabled account is not blocked");
    let mut sent: Vec<String> = app.mails().await.iter().map(|m| m.destinations.to.join(",")).collect();
    sent.sort();
    assert_eq!(sent, [DEMO_EMAIL, "u-1@example.com", "u-2@example.com"]);
}

/// On a terminal (here `script`'s pseudo-terminal, as an operator's shell gives one) a campaign
/// draws its progress: done of all, the rate and the time left. Off a terminal the bar hides
/// (the other tests read plain lines), so only a terminal shows whether it is drawn at all.
#[tokio::test]
async fn a_campaign_on_a_terminal_shows_done_rate_and_time_left() {
    let app = MotoApp::start().await;
    let ids: Vec<String> = (0..6).map(|i| format!("tty-{i}")).collect();
    let users: Vec<(&str, Option<&str>, Option<&str>)> = ids.iter().map(|id| (id.as_str(), Some(a_hash()), None)).collect();
    put_users(&app.stack, &users).await;
    let dir = scratch("campaign-tty");
    let file = dir.join("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let quote = |arg: &str| format!("'{}'", arg.replace('\'', r"'\''"));
    let tool = operator_binary();
    let line =
        [tool.to_str().unwrap(), "bulk", "--campaign", "tty", "--file", file.to_str().unwrap(), "--rate", "3", "--max-backlog", "0"].map(quote).join(" ");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--flush", "--command", &line, "/dev/null"])
        .env_clear()
        .envs(app.stack.env())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs the tool on a pseudo-terminal");
    // Two seconds of pacing; a hung `script` fails the test instead of holding the run.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("script did not end within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ran = Ran::from(child.wait_with_output().unwrap());
    assert_eq!(ran.code, Some(0), "{ran}");
    let screen = ran.stdout.replace('\r', "\n");
    // A frame: "00:00:01 [=====>     ] 3/6 2.9948/s eta 1s" (the time left a number and a unit).
    let shows_time_left = |frame: &str| frame.split_once(" eta ").is_some_and(|(_, left)| left.starts_with(|c: char| c.is_ascii_digit()));
    let frames: Vec<&str> = screen.lines().filter(|l| shows_time_left(l)).collect();
    let midway = frames.iter().find(|f| (1..6).any(|done| f.contains(&format!(" {done}/6 "))));
    let midway = midway.unwrap_or_else(|| panic!("no frame with some of the 6 done and the time left:\n{ran}"));
    assert!(midway.contains("/s"), "the rate: {midway}");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 6, "the campaign queued every user");
}

#[tokio::test]
async fn a_dry_run_counts_what_a_run_would_do_and_changes_nothing() {
    let app = MotoApp::start().await;
    campaign_users(&app).await;
    let dir = scratch("campaign-dry");
    let (file, csv) = (campaign_file(&dir), dir.join("report.csv"));
    let users_before = users_table(&app.stack).await;
    let args = [
        "bulk",
        "--campaign",
        "breach-1",
        "--file",
        file.to_str().unwrap(),
        "--block-sign-in",
        "--end-sessions",
        "--dry-run",
        "--report",
        csv.to_str().unwrap(),
    ];
    let ran = run(&app.stack, &args);
    assert_eq!(ran.code, Some(0), "{ran}");
    let dry = outcomes(&report(&csv));
    assert_eq!(dry.values().filter(|(outcome, _)| outcome == "would_queue").count(), 3, "{ran}");
    assert!(ran.stdout.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["would_queue", "3"]), "{ran}");

    assert_eq!(users_table(&app.stack).await, users_before, "no account changed");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "nothing queued");
    assert!(ledger_jobs(&app.stack).await.is_empty(), "nothing noted in the ledger");
    assert!(app.stack.events.items().await.unwrap().is_empty(), "no event written");

    // The real run does what the dry run counted.
    let ran = run(&app.stack, &args[..args.len() - 3]);
    assert_eq!(ran.code, Some(0), "{ran}");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 3);
    let dry_reasons: Vec<&String> = dry.values().map(|(_, reason)| reason).collect();
    let mut real = ran.stdout.clone();
    real.retain(|c| c != '\r');
    for reason in dry_reasons.iter().filter(|r| !r.is_empty()) {
        assert!(real.contains(reason.as_str()), "{reason} counted dry but not for real:\n{ran}");
    }
}

/// `--all-users`: a parallel Scan of the ids (three segments here) reaches every account once,
/// and each gets its outcome as from a file.
#[tokio::test]
async fn a_campaign_over_the_whole_table_reaches_every_account_once() {
    let app = MotoApp::start().await;
    let ids: Vec<String> = (0..30).map(|i| format!("t-{i:02}")).collect();
    let mut users: Vec<(&str, Option<&str>, Option<&str>)> = ids.iter().map(|id| (id.as_str(), Some(a_hash()), None)).collect();
    users.push(("t-off", Some(a_hash()), Some("disabled")));
    put_users(&app.stack, &users).await;
    let dir = scratch("campaign-all");
    let csv = dir.join("report.csv");
    let ran = run(&app.stack, &["bulk", "--campaign", "all", "--all-users", "--segments", "3", "--end-sessions", "--report", csv.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let rows = report(&csv);
    let mut seen: Vec<&str> = rows.iter().map(|row| row["user_id"].as_str()).collect();
    seen.sort();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).chain([DEMO_USER_ID, "t-off"]).collect();
    expected.sort();
    assert_eq!(seen, expected, "every account once\n{ran}");
    let queued: BTreeSet<&str> = rows.iter().filter(|row| row["outcome"] == "queued").map(|row| row["user_id"].as_str()).collect();
    assert_eq!(queued.len(), 31, "{ran}");
    assert!(rows.iter().any(|row| row["user_id"] == "t-off" && row["reason"] == "user_disabled"), "{ran}");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 31);
}

/// Operators' jobs share the links' queue with everyone's requests: while the queue holds more
/// than the bound, the campaign queues nothing, and it goes on once the worker has drained it.
#[tokio::test]
async fn a_campaign_waits_while_the_links_queue_is_over_its_backlog_bound() {
    let app = MotoApp::start().await;
    put_users(&app.stack, &[("u-1", Some(a_hash()), None), ("u-2", Some(a_hash()), None)]).await;
    // Ordinary requests waiting for the worker.
    for _ in 0..4 {
        assert_eq!(app.call(&crate::helpers::request_event(DEMO_EMAIL)).await.status, 202);
    }
    let dir = scratch("campaign-backlog");
    let file = dir.join("ids.txt");
    std::fs::write(&file, "u-1\nu-2\n").unwrap();
    let mut child = operator(&app.stack, &["bulk", "--campaign", "c", "--file", file.to_str().unwrap(), "--max-backlog", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(child.try_wait().unwrap().is_none(), "the campaign ended while the queue held 4 > 2");
    assert!(ledger_jobs(&app.stack).await.is_empty(), "a job was queued over the bound");
    // The worker drains the ordinary requests' jobs: the campaign goes on.
    app.deliver().await;
    let ran = Ran::from(wait_for(child, Duration::from_secs(30)));
    assert_eq!(ran.code, Some(0), "{ran}");
    let noted = ledger_jobs(&app.stack).await;
    assert!(["u-1", "u-2"].iter().all(|id| noted.contains(&campaign_job_id("c", id))), "{ran}");
    assert!(ran.stderr.contains("waiting: the links' queue holds 4 messages, more than 2"), "the pause is said:\n{ran}");
}

fn wait_for(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the tool did not end within {limit:?}: {}", Ran::from(child.wait_with_output().unwrap()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A campaign over `n` users, stopped by `signal` once about half are queued, then run again:
/// every user is mailed exactly once, and the second run skips exactly those the first noted in
/// the ledger (the first must have noted some: a stop before anything was queued proves nothing).
async fn stopped_half_way_and_run_again(signal: libc::c_int) -> Resumed {
    const N: usize = 40;
    let app = MotoApp::start().await;
    let ids: Vec<String> = (0..N).map(|i| format!("u-{i:03}")).collect();
    let users: Vec<(&str, Option<&str>, Option<&str>)> = ids.iter().map(|id| (id.as_str(), Some(a_hash()), None)).collect();
    put_users(&app.stack, &users).await;
    let dir = scratch("campaign-resume");
    let file = dir.join("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let (first_csv, second_csv) = (dir.join("first.csv"), dir.join("second.csv"));
    let args = |csv: &Path, rate: &str| {
        ["bulk", "--campaign", "resume", "--file", file.to_str().unwrap(), "--end-sessions", "--rate", rate, "--report", csv.to_str().unwrap()]
            .map(str::to_owned)
    };
    let child = operator(&app.stack, &args(&first_csv, "10").iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.stack.queue.depth().await.unwrap() < N / 2 {
        assert!(Instant::now() < deadline, "half the campaign was not queued within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let first = Ran::from(wait_for(child, Duration::from_secs(30)));
    // What the first run noted, once it has ended (after Ctrl-C it notes the calls in flight).
    let noted_first = settled_ledger_jobs(&app.stack).await;
    assert!(!noted_first.is_empty(), "the first run noted no job before it was stopped: the stop came too early\n{first}");
    assert!(noted_first.len() < N, "the stop came after the whole campaign was noted\n{first}");
    let queued_first = app.stack.queue.depth().await.unwrap();
    assert!(queued_first < N, "the stop came after the whole campaign: {queued_first}\n{first}");

    let second = run(&app.stack, &args(&second_csv, "1000").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(second.code, Some(0), "{second}");
    let second_rows = report(&second_csv);
    assert_eq!(second_rows.len(), N, "{second}");
    let skipped: Vec<&Row> = second_rows.iter().filter(|r| r["outcome"] == "skipped").collect();
    assert!(skipped.iter().all(|r| r["reason"] == "already_queued"), "{second}");
    assert!(second_rows.iter().all(|r| ["queued", "skipped"].contains(&r["outcome"].as_str())), "none failed, none left:\n{second}");
    // The rerun skips exactly the users the ledger knew; one queued but not noted (SIGKILL between
    // SendMessage and the note) is queued again, and left to the worker's ledger.
    let skipped_users: BTreeSet<&str> = skipped.iter().map(|r| r["user_id"].as_str()).collect();
    let noted_users: BTreeSet<&str> = ids.iter().map(String::as_str).filter(|id| noted_first.contains(&campaign_job_id("resume", id))).collect();
    assert_eq!(noted_users.len(), noted_first.len(), "the ledger noted a job of no user in the campaign: {noted_first:?}");
    assert_eq!(skipped_users, noted_users, "the rerun skips as already_queued exactly the users whose jobs the first run noted\n{second}");

    let jobs: Vec<String> = ids.iter().map(|id| campaign_job_id("resume", id)).collect();
    assert_eq!(ledger_jobs(&app.stack).await, jobs.iter().cloned().collect::<BTreeSet<_>>(), "the ledger knows every user's job");
    let on_queue = queued_job_ids(&app.stack).await;
    Resumed { app, jobs, on_queue, first, first_csv, second_rows }
}

struct Resumed {
    app: MotoApp,
    /// Every user's job id.
    jobs: Vec<String>,
    /// The job ids on the queue after both runs, each as often as it is there.
    on_queue: Vec<String>,
    first: Ran,
    first_csv: PathBuf,
    second_rows: Vec<Row>,
}

/// Ctrl-C: the calls in flight finish and are noted, the report names the rest as not started,
/// and the rerun queues exactly those: every job is on the queue once.
#[tokio::test]
async fn a_campaign_stopped_with_ctrl_c_half_way_and_run_again_queues_every_user_exactly_once() {
    let Resumed { app, jobs, mut on_queue, first, first_csv, second_rows } = stopped_half_way_and_run_again(libc::SIGINT).await;
    assert_eq!(first.code, Some(130), "{first}");
    assert!(first.stdout.contains("not_started"), "the report so far is printed:\n{first}");
    let first_rows = report(&first_csv);
    on_queue.sort();
    let mut expected = jobs.clone();
    expected.sort();
    assert_eq!(on_queue, expected, "every user's job on the queue exactly once");
    let queued_first: BTreeSet<&str> = first_rows.iter().filter(|r| r["outcome"] == "queued").map(|r| r["user_id"].as_str()).collect();
    let left: BTreeSet<&str> = first_rows.iter().filter(|r| r["outcome"] == "not_started").map(|r| r["user_id"].as_str()).collect();
    assert_eq!(first_rows.len(), jobs.len(), "the stopped run's report has every line");
    assert_eq!(queued_first.len() + left.len(), jobs.len(), "each line queued or not started");
    let queued_second: BTreeSet<&str> = second_rows.iter().filter(|r| r["outcome"] == "queued").map(|r| r["user_id"].as_str()).collect();
    assert_eq!(queued_second, left, "the rerun queued exactly what the stop left");
    let mails = app.mails().await;
    assert_eq!(mails.len(), jobs.len());
}

/// SIGKILL: nothing finishes; a job queued but not yet noted is queued again under the same id,
/// and the worker's ledger sends it once. No user is skipped, none is mailed twice. (The kill
/// rarely falls between SendMessage and the note: the next test makes that crash on purpose.)
#[tokio::test]
async fn a_campaign_killed_half_way_and_run_again_mails_every_user_exactly_once() {
    let Resumed { app, jobs, on_queue, .. } = stopped_half_way_and_run_again(libc::SIGKILL).await;
    let distinct: BTreeSet<&String> = on_queue.iter().collect();
    assert_eq!(distinct, jobs.iter().collect::<BTreeSet<_>>(), "every user's job is on the queue");
    assert!(on_queue.len() <= jobs.len() + 8, "at most the calls in flight were queued twice: {}", on_queue.len());
    let mut mailed: Vec<String> = app.mails().await.iter().map(|m| m.destinations.to.join(",")).collect();
    mailed.sort();
    let mut expected: Vec<String> = (0..jobs.len()).map(|i| format!("u-{i:03}@example.com")).collect();
    expected.sort();
    assert_eq!(mailed, expected, "one mail for every user");
}

/// The crash the SIGKILL test rarely reaches, made on purpose: a campaign runs to its end, then the
/// ledger loses the notes of `K` of its jobs (as a crash between SendMessage and the note leaves
/// them), and the campaign runs again. The rerun queues those `K` again under the same ids, beside
/// their first messages still on the queue, and the mail worker, which has seen none of them yet,
/// sends each user one mail: the second message of each job finds it done and is dropped.
#[tokio::test]
async fn a_campaign_job_queued_but_not_noted_is_sent_once_after_a_rerun() {
    const N: usize = 12;
    const K: usize = 4;
    let app = MotoApp::start().await;
    let ids: Vec<String> = (0..N).map(|i| format!("u-{i:03}")).collect();
    let users: Vec<(&str, Option<&str>, Option<&str>)> = ids.iter().map(|id| (id.as_str(), Some(a_hash()), None)).collect();
    put_users(&app.stack, &users).await;
    let dir = scratch("campaign-unnoted");
    let file = dir.join("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let (first_csv, second_csv) = (dir.join("first.csv"), dir.join("second.csv"));
    let args = |csv: &Path| {
        ["bulk", "--campaign", "unnoted", "--file", file.to_str().unwrap(), "--rate", "1000", "--report", csv.to_str().unwrap()].map(str::to_owned)
    };
    let jobs: BTreeSet<String> = ids.iter().map(|id| campaign_job_id("unnoted", id)).collect();

    let first = run(&app.stack, &args(&first_csv).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(first.code, Some(0), "{first}");
    assert!(report(&first_csv).iter().all(|r| r["outcome"] == "queued"), "{first}");
    assert_eq!(ledger_jobs(&app.stack).await, jobs, "the first run noted every job");

    // The crash's trace: queued, not noted.
    let unnoted: BTreeSet<&str> = ids.iter().step_by(N / K).map(String::as_str).collect();
    assert_eq!(unnoted.len(), K);
    for id in &unnoted {
        let key = AttributeValue::S(format!("job#{}", campaign_job_id("unnoted", id)));
        patient_dynamodb(&app.stack).delete_item().table_name(reset_aws::DEFAULT_LIMITS_TABLE).key("key", key).send().await.unwrap();
    }
    assert_eq!(ledger_jobs(&app.stack).await.len(), N - K);

    let second = run(&app.stack, &args(&second_csv).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(second.code, Some(0), "{second}");
    let second_rows = report(&second_csv);
    let requeued: BTreeSet<&str> = second_rows.iter().filter(|r| r["outcome"] == "queued").map(|r| r["user_id"].as_str()).collect();
    assert_eq!(requeued, unnoted, "the rerun queues again exactly the jobs the ledger did not know\n{second}");
    assert!(
        second_rows
            .iter()
            .filter(|r| !unnoted.contains(r["user_id"].as_str()))
            .all(|r| (r["outcome"].as_str(), r["reason"].as_str()) == ("skipped", "already_queued")),
        "{second}"
    );
    assert_eq!(ledger_jobs(&app.stack).await, jobs, "the rerun noted the jobs again");

    // N + K messages: each unnoted job twice, under its one id; nothing delivered yet.
    let on_queue = queued_job_ids(&app.stack).await;
    assert_eq!(on_queue.len(), N + K, "{on_queue:?}");
    let mut counts = BTreeMap::<&str, usize>::new();
    for id in &on_queue {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let twice: BTreeSet<String> = counts.iter().filter(|(_, n)| **n == 2).map(|(id, _)| id.to_string()).collect();
    assert_eq!(twice, unnoted.iter().map(|id| campaign_job_id("unnoted", id)).collect(), "{counts:?}");
    assert_eq!(counts.keys().map(|id| id.to_string()).collect::<BTreeSet<_>>(), jobs);
    assert!(app.stack.mails().unwrap().is_empty(), "nothing sent before the worker ran");

    // The real worker takes all N + K: one mail a user.
    assert_eq!(app.deliver().await, N + K, "the worker was handed every message");
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "every message settled, none left to retry");
    let mut mailed: Vec<String> = app.stack.mails().unwrap().iter().map(|m| m.destinations.to.join(",")).collect();
    mailed.sort();
    let expected: Vec<String> = ids.iter().map(|id| format!("{id}@example.com")).collect();
    assert_eq!(mailed, expected, "one mail for every user, none for a job's second message");
}

/// `reset` and `invite`: the job id on stdout; a refusal's reason and exit code 3; a backing
/// service that fails, exit code 1.
#[tokio::test]
async fn one_user_s_reset_and_invitation_say_what_happened_by_exit_code() {
    let app = MotoApp::start().await;
    campaign_users(&app).await;
    let ran = run(&app.stack, &["reset", DEMO_USER_ID, "--block-sign-in", "--end-sessions"]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let job_id = ran.stdout.trim();
    assert!(!job_id.is_empty() && !job_id.contains(char::is_whitespace), "{ran}");
    assert!(ran.stderr.contains("sign-in blocked"), "{ran}");
    assert_eq!(app.stack.password_hash(DEMO_USER_ID).await.unwrap(), login_password::formats::RESET_REQUIRED);
    assert_eq!(queued_job_ids(&app.stack).await, [job_id]);
    let invited = run(&app.stack, &["invite", "u-new", "--locale", "de-AT"]);
    assert_eq!(invited.code, Some(0), "{invited}");

    for (args, code) in [
        (&["reset", "u-nobody"][..], "unknown_user"),
        (&["reset", "u-off"], "user_disabled"),
        (&["reset", "u-new"], "no_password"),
        (&["invite", "u-1"], "has_password"),
    ] {
        let refused = run(&app.stack, args);
        assert_eq!((refused.code, refused.stdout.as_str()), (Some(3), ""), "{args:?}: {refused}");
        assert!(refused.stderr.contains(&format!("refused: {code}")), "{args:?}: {refused}");
    }
    let mails = app.mails().await;
    assert_eq!(mails.len(), 2, "the reset and the invitation, nothing for the refusals");

    // The queue is gone: nothing was done, and that is a failure (1), not a refusal (3).
    let broken = operator(&app.stack, &["reset", "u-1"]).env("MAIL_QUEUE_URL", format!("{}/123456789012/no-such-queue", app.stack.moto.url)).output().unwrap();
    let broken = Ran::from(broken);
    assert_eq!(broken.code, Some(1), "{broken}");
    assert!(broken.stderr.contains("failed: unavailable"), "{broken}");
    let bad_locale = run(&app.stack, &["invite", "u-new", "--locale", "tlh"]);
    assert_eq!(bad_locale.code, Some(1), "{bad_locale}");
    assert!(bad_locale.stderr.contains("available"), "{bad_locale}");
}

/// The enqueue rate against moto (`scripts/bulk-measure`, whose output docs/capacity.md quotes),
/// unpaced (`--rate` far above, no backlog bound), 8 calls in flight, with the links' queue
/// drained as the tool fills it (as the mail worker would; moto's SendMessage slows down with
/// every message a queue holds, which would measure moto):
/// - an invitation campaign over `BULK_MEASURE_USERS` users without a password (10,000 by
///   default): two ledger reads, the user's read, the job, the ledger's note; then the same
///   campaign again (every user already queued: a resume's speed), and a dry run;
/// - a campaign of forced resets that block sign-in and end sessions over `BULK_MEASURE_FORCED`
///   users (1,000 by default) in a table of that size: the same and the user's write with its event
///   (TransactWriteItems), which moto slows down as the tables grow (it copies every table a
///   transaction touches, for its rollback), so this figure is moto's more than the tool's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement of minutes, not a check: scripts/bulk-measure runs it"]
async fn enqueue_rate_against_moto() {
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let unpaced = ["--rate", "1000000", "--max-backlog", "0", "--concurrency", "8"];
    for (n, forced) in [(env("BULK_MEASURE_USERS", 10_000), false), (env("BULK_MEASURE_FORCED", 1_000), true)] {
        let app = MotoApp::start().await;
        let ids: Vec<String> = (0..n).map(|i| format!("user-{i:07}")).collect();
        let hash = forced.then(a_hash);
        let users: Vec<(&str, Option<&str>, Option<&str>)> = ids.iter().map(|id| (id.as_str(), hash, None)).collect();
        put_users(&app.stack, &users).await;
        let dir = scratch("bulk-measure");
        let file = dir.join("ids.txt");
        std::fs::write(&file, ids.join("\n")).unwrap();
        let file = file.to_str().unwrap().to_owned();
        let (kind, options) = if forced {
            ("forced resets (block sign-in, end sessions)", &["--block-sign-in", "--end-sessions"][..])
        } else {
            ("invitations", &["--invite"][..])
        };
        let runs: [(&str, &str, &[&str]); 3] =
            [("first run", "measure", &[]), ("rerun, every user already queued", "measure", &[]), ("dry run", "measure-dry", &["--dry-run"])];
        let mut drained = BTreeMap::<String, usize>::new();
        for (what, campaign, extra) in runs {
            let mut args: Vec<String> = ["bulk", "--campaign", campaign, "--file", &file].map(str::to_owned).to_vec();
            args.extend(unpaced.iter().chain(options).chain(extra).map(|a| a.to_string()));
            let mut child =
                operator(&app.stack, &args.iter().map(String::as_str).collect::<Vec<_>>()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            while child.try_wait().unwrap().is_none() {
                drain(&app.stack, &mut drained).await;
            }
            let ran = Ran::from(child.wait_with_output().unwrap());
            assert_eq!(ran.code, Some(0), "{ran}");
            let took = ran.stdout.lines().find(|l| l.starts_with("took")).unwrap_or_default().to_owned();
            println!("{n} users, {kind}, {what}: {took}");
        }
        if !forced {
            // Killed half way (SIGKILL, as a crash or a lost terminal would stop it) and run again:
            // the rerun passes the users already queued and queues the rest, none missed.
            let campaign = "measure-resume";
            let resumed: BTreeSet<String> = ids.iter().map(|id| campaign_job_id(campaign, id)).collect();
            let args: Vec<String> = ["bulk", "--campaign", campaign, "--file", &file]
                .iter()
                .map(|a| a.to_string())
                .chain(unpaced.iter().chain(options).map(|a| a.to_string()))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut child = operator(&app.stack, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
            while drained.keys().filter(|id| resumed.contains(*id)).count() < n / 2 {
                assert!(child.try_wait().unwrap().is_none(), "the campaign ended before half way");
                drain(&app.stack, &mut drained).await;
            }
            child.kill().unwrap();
            child.wait().unwrap();
            drain(&app.stack, &mut drained).await;
            let before = drained.keys().filter(|id| resumed.contains(*id)).count();
            let mut child = operator(&app.stack, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            while child.try_wait().unwrap().is_none() {
                drain(&app.stack, &mut drained).await;
            }
            let ran = Ran::from(child.wait_with_output().unwrap());
            assert_eq!(ran.code, Some(0), "{ran}");
            drain(&app.stack, &mut drained).await;
            let took = ran.stdout.lines().find(|l| l.starts_with("took")).unwrap_or_default().to_owned();
            println!("{n} users, {kind}, killed (SIGKILL) with {before} queued, then run again: {took}");
            let messages: usize = drained.iter().filter(|(id, _)| resumed.contains(*id)).map(|(_, count)| count).sum();
            let twice = drained.iter().filter(|(id, count)| resumed.contains(*id) && **count > 1).count();
            let queued = drained.keys().filter(|id| resumed.contains(*id)).count();
            println!("{n} users, {kind}, killed and resumed: {queued} of {n} jobs queued, {messages} messages ({twice} queued twice)");
            assert_eq!(queued, n, "the resumed campaign queued every user's job");
            // The rerun passed what the killed run had noted: all it queued but the calls in
            // flight at the kill (8) and an SDK retry or two.
            let passed: usize = ran
                .stdout
                .lines()
                .find_map(|l| l.split_whitespace().collect::<Vec<_>>().strip_prefix(&["already_queued"]).and_then(|n| n.first()?.parse().ok()))
                .unwrap_or(0);
            assert!(passed + 12 >= before, "the rerun skipped {passed} of the {before} the killed run queued\n{ran}");
            assert!(twice <= 12, "{twice} jobs queued twice: the rerun did not pass the users already queued");
        }
        drain(&app.stack, &mut drained).await;
        assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "every message was received and deleted");
        let first: BTreeSet<String> = ids.iter().map(|id| campaign_job_id("measure", id)).collect();
        assert_eq!(drained.keys().filter(|id| first.contains(*id)).count(), n, "each user's job was queued");
        let twice = drained.iter().filter(|(id, count)| first.contains(*id) && **count > 1).count();
        // An SDK retry after an attempt timed out (moto answers one call at a time) may queue a
        // job twice: the worker's ledger sends it once.
        let messages: usize = drained.iter().filter(|(id, _)| first.contains(*id)).map(|(_, count)| count).sum();
        println!("{n} users, {kind}: {messages} messages for {n} jobs ({twice} queued twice)");
        let campaigns = if forced { 1 } else { 2 };
        assert_eq!(ledger_jobs(&app.stack).await.len(), campaigns * n, "the ledger knows each user's job once per campaign");
    }
}

/// Receives and deletes what the links' queue holds now, counting each job id. Its client waits
/// as long as moto takes: one that gave up on a receive moto answered later would leave that
/// batch invisible, uncounted.
async fn drain(stack: &Stack, seen: &mut BTreeMap<String, usize>) {
    let client = &aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(&stack.sdk).timeout_config(patient()).build());
    loop {
        let out = client.receive_message().queue_url(&stack.queue.url).max_number_of_messages(10).visibility_timeout(300).send().await.unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            return;
        }
        let mut delete = client.delete_message_batch().queue_url(&stack.queue.url);
        for (i, message) in messages.iter().enumerate() {
            let body: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
            *seen.entry(body["id"].as_str().unwrap().to_owned()).or_default() += 1;
            let entry = aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(message.receipt_handle().unwrap());
            delete = delete.entries(entry.build().unwrap());
        }
        delete.send().await.unwrap();
    }
}
