//! The mail worker's job ledger in DynamoDB (moto), as several worker instances share it: a job one
//! instance holds is busy for the others until its lease runs out, a crashed attempt's job is
//! claimable after that, and whether an attempt spent the address's budgets survives the round
//! trip through the table, so a retry at the real budgets neither spends them again nor is refused.
//! (The adapter takes the time as an argument: a lease runs out by passing a later `now`.)

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use reset_aws::{DEFAULT_LIMITS_TABLE, DynamoJobLedger};
use reset_core::domain::mail_job::new_job_id;
use reset_core::ports::{Claim, JobLedger as _};
use reset_core::unix_now;
use reset_core::use_cases::deliver_mail::JOB_LEASE_SECS;
use reset_local::stack::{DEMO_EMAIL, Stack};

use crate::helpers::{MotoApp, RESET_PAGE, request_event};

const LEASE: u64 = JOB_LEASE_SECS;

/// One worker instance's ledger: its own DynamoDB client on the stack's limits table.
fn instance(stack: &Stack) -> DynamoJobLedger {
    let outbox = reset_aws::Outbox { table: reset_local::outbox::OUTBOX_TABLE.into() };
    DynamoJobLedger::new(aws_sdk_dynamodb::Client::new(&stack.sdk), DEFAULT_LIMITS_TABLE.into(), outbox)
}

/// The job's record as the table holds it.
async fn job_item(stack: &Stack, job: &str) -> HashMap<String, AttributeValue> {
    let out = stack
        .dynamodb()
        .get_item()
        .table_name(DEFAULT_LIMITS_TABLE)
        .key("key", AttributeValue::S(format!("job#{job}")))
        .consistent_read(true)
        .send()
        .await
        .expect("moto answers");
    out.item.expect("the job has a record")
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[tokio::test]
async fn a_job_another_instance_holds_is_busy_for_the_others_until_its_lease_runs_out() {
    let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
    let (a, b) = (instance(&stack), instance(&stack));
    let job = new_job_id().unwrap();
    let now = unix_now();
    assert_eq!(a.claim(&job, now, LEASE).await.unwrap(), Claim::Mine { counted: false });
    for later in [0, 1, LEASE] {
        assert_eq!(b.claim(&job, now + later, LEASE).await.unwrap(), Claim::Busy, "{later} s into A's lease");
    }
    let item = job_item(&stack, &job).await;
    assert_eq!((&item["state"], &item["lease_until"]), (&AttributeValue::S("working".into()), &n(now + LEASE)), "B's refused claims changed nothing");

    // A crashed: once its lease has run out, B takes the job. Whether A spent the budget is
    // unknown, so B spends it.
    assert_eq!(b.claim(&job, now + LEASE + 1, LEASE).await.unwrap(), Claim::Mine { counted: false });
    assert_eq!(job_item(&stack, &job).await["lease_until"], n(now + LEASE + 1 + LEASE), "B's own lease");
    // A, back late, is now the one refused while B's lease runs.
    assert_eq!(a.claim(&job, now + LEASE + 2, LEASE).await.unwrap(), Claim::Busy);

    b.finish(&job, None).await.unwrap();
    for instance in [&a, &b] {
        assert_eq!(instance.claim(&job, now + 10 * LEASE, LEASE).await.unwrap(), Claim::Done, "a finished job stays finished");
    }
}

#[tokio::test]
async fn whether_an_attempt_spent_the_budget_survives_the_round_trip_through_dynamodb() {
    let stack = Stack::start(None, RESET_PAGE).await.expect("moto starts and is provisioned");
    let (a, b) = (instance(&stack), instance(&stack));
    let job = new_job_id().unwrap();
    let now = unix_now();
    assert_eq!(a.claim(&job, now, LEASE).await.unwrap(), Claim::Mine { counted: false });
    a.release(&job, true).await.unwrap();
    let item = job_item(&stack, &job).await;
    assert_eq!((&item["state"], item.get("counted")), (&AttributeValue::S("retry".into()), Some(&AttributeValue::Bool(true))), "{item:?}");
    assert!(!item.contains_key("lease_until"), "a released job holds no lease: {item:?}");

    // Another instance takes the retry at once, told the budget is spent; its attempt fails too
    // and the next one is told the same.
    assert_eq!(b.claim(&job, now + 1, LEASE).await.unwrap(), Claim::Mine { counted: true });
    b.release(&job, true).await.unwrap();
    assert_eq!(a.claim(&job, now + 2, LEASE).await.unwrap(), Claim::Mine { counted: true });
    // An attempt that failed before spending anything leaves the next one to spend.
    a.release(&job, false).await.unwrap();
    assert_eq!(b.claim(&job, now + 3, LEASE).await.unwrap(), Claim::Mine { counted: false });
}

/// The budgets a deployment gets unless its operator sets them: the template's parameter
/// defaults, as the variables the template passes them in.
fn template_budgets() -> Vec<(&'static str, String)> {
    let template = std::fs::read_to_string(reset_local::workspace_root().join("template.yaml")).unwrap();
    [
        ("RATE_LIMIT_EMAIL_PER_MINUTE", "RateLimitEmailPerMinute"),
        ("RATE_LIMIT_EMAIL_PER_DAY", "RateLimitEmailPerDay"),
        ("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", "RateLimitEmailPerDayTotal"),
        ("RATE_LIMIT_IP_PER_MINUTE", "RateLimitIpPerMinute"),
    ]
    .into_iter()
    .map(|(variable, parameter)| {
        assert!(template.contains(&format!("{variable}: !Ref {parameter}")), "template.yaml passes {parameter} as {variable}");
        let block = &template[template.find(&format!("\n  {parameter}:\n")).unwrap_or_else(|| panic!("{parameter} in template.yaml"))..];
        let default = block.lines().skip(2).take_while(|l| l.starts_with("    ")).find_map(|l| l.trim().strip_prefix("Default:"));
        (variable, default.unwrap_or_else(|| panic!("{parameter} has a default")).trim().to_owned())
    })
    .collect()
}

/// How often each of the address's budgets was spent, summed over its windows (so a window
/// turning over between attempts cannot hide a second spend), by counter: `email#<hash>` plus the
/// requester and the window length.
async fn spent_per_budget(stack: &Stack) -> HashMap<String, u64> {
    let out = stack.dynamodb().scan().table_name(DEFAULT_LIMITS_TABLE).consistent_read(true).send().await.expect("moto answers");
    let mut spent = HashMap::new();
    for item in out.items.unwrap_or_default() {
        let Some(Ok(key)) = item.get("key").map(AttributeValue::as_s) else { continue };
        if !key.starts_with("email#") {
            continue;
        }
        let (budget, _window_start) = key.rsplit_once('#').unwrap();
        let count: u64 = item["count"].as_n().unwrap().parse().unwrap();
        *spent.entry(budget.to_owned()).or_default() += count;
    }
    spent
}

/// SES throttles the first two attempts at the template's default budgets (one mail a minute):
/// the attempt that spent the budgets records it in the ledger, the two retries read it back from
/// DynamoDB and spend nothing, and the third attempt sends.
#[tokio::test(flavor = "multi_thread")]
async fn a_mail_retried_at_the_default_budgets_spends_each_budget_once_and_is_sent() {
    let mut overrides = template_budgets();
    overrides.push(("MAIL_RETRY_BASE_SECONDS", "0".into()));
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = MotoApp::start_with(&overrides).await;
    let throttling = Arc::new(AtomicBool::new(true));
    let deps = crate::mail_delivery::deps_with_throttling_ses(&app, throttling.clone()).await;
    assert_eq!(app.call(&request_event(DEMO_EMAIL)).await.status, 202);
    let mut failed = 0;
    let handed = crate::mail_delivery::pump(&app, &deps, |response| {
        failed += response.batch_item_failures.len();
        if failed == 2 {
            throttling.store(false, Ordering::SeqCst);
        }
    })
    .await;
    assert_eq!((handed, failed), (3, 2), "two throttled attempts, then the one that sent");
    let mails = app.stack.mails().unwrap();
    assert_eq!(mails.len(), 1, "the retry was not refused by the budget its first attempt spent");
    assert_eq!(mails[0].destinations.to, vec![DEMO_EMAIL.to_string()]);
    assert_eq!(app.stack.queue.depth().await.unwrap(), 0, "nothing is left to send later");
    let spent = spent_per_budget(&app.stack).await;
    assert_eq!(spent.len(), 3, "the requester's daily, the address's daily and its per-minute budget: {spent:?}");
    assert!(spent.values().all(|n| *n == 1), "each budget spent once over three attempts: {spent:?}");
}
