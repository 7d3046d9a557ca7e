//! A moto server on loopback, provisioned like the SAM template provisions AWS: the users table
//! with its email index (projected as the template projects it), the signing-key and hashing-key secrets, a
//! verified sender, and a demo user.

use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use reset_aws::UserTable;
use reset_core::domain::password;
use reset_core::reset_token::{HashRing, KeyRing};
use reset_core::settings::RateLimits;
use reset_wiring::Config;

use crate::mail::{self, SentMail};
use crate::process::{Managed, wait_until};
use crate::template::Deployment;
use crate::{on_a_free_port, venv_tool, workspace_root};

pub const REGION: &str = "us-east-1";
pub const SECRET_ID: &str = "password-reset/signing-keys";
/// The hashing keys' secret (counter and audit hashes, the jobs' MACs).
pub const HASHING_SECRET_ID: &str = "password-reset/hashing-keys";
pub const SENDER: &str = "Password Reset <no-reply@example.com>";
pub const SENDER_DOMAIN: &str = "example.com";
pub const DEMO_USER_ID: &str = "demo-user";
pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const MAIL_QUEUE: &str = "password-reset-mail";
/// The password-changed notices' queue (template.yaml's `NoticeQueue`), beside the links'.
pub const NOTICE_QUEUE: &str = "password-reset-notices";
/// The dead-letter queue both share (template.yaml's `MailDeadLetterQueue`).
pub const MAIL_DLQ: &str = "password-reset-mail-dlq";
/// Receives before SQS moves a message to the dead-letter queue (the template's default).
pub const MAX_RECEIVES: u32 = 5;

const LOOPBACK: &str = "127.0.0.1";

pub struct Moto {
    pub url: String,
    process: Managed,
}

impl Moto {
    /// Starts moto from the project's `.venv` on `port` (a free one if `None`, tried again on
    /// another if something took it first), serving one request at a time so conditional writes
    /// are atomic as in DynamoDB (see `local/moto_serial.py`).
    pub fn start(port: Option<u16>) -> anyhow::Result<Moto> {
        match port {
            Some(port) => Self::start_on(LOOPBACK, port),
            None => on_a_free_port("moto", |port| Self::start_on(LOOPBACK, port)),
        }
    }

    /// Starts moto as [`Moto::start`] does, but keeping each client's connection open between
    /// requests, as AWS's endpoints do (werkzeug's server closes it after every answer): for the
    /// benchmark, which measures warm calls as they run on AWS. Needs waitress in `.venv`
    /// (bench/python/requirements.txt).
    pub fn start_keeping_connections() -> anyhow::Result<Moto> {
        on_a_free_port("moto", |port| Self::start_with(LOOPBACK, port, true))
    }

    /// Starts moto listening on `host` (e.g. `0.0.0.0`, so that containers reach it; clients here
    /// still use loopback).
    pub fn start_on(host: &str, port: u16) -> anyhow::Result<Moto> {
        Self::start_with(host, port, false)
    }

    fn start_with(host: &str, port: u16, keep_alive: bool) -> anyhow::Result<Moto> {
        let mut cmd = Command::new(venv_tool("python"));
        cmd.arg(workspace_root().join("local/moto_serial.py")).args([host, &port.to_string()]);
        if keep_alive {
            cmd.env("MOTO_KEEP_ALIVE", "1");
        } else {
            // Not inherited from a shell that exports it: the tests' moto is werkzeug's.
            cmd.env_remove("MOTO_KEEP_ALIVE");
        }
        let log = workspace_root().join(format!("target/test-logs/moto-{port}.log"));
        let mut process = Managed::spawn("moto", cmd, &log)?;
        let url = format!("http://127.0.0.1:{port}");
        let probe = format!("{url}/moto-api/");
        wait_until(&mut process, Duration::from_secs(30), |moto| moto.listens_on(port) && ureq::get(&probe).call().is_ok())?;
        Ok(Moto { url, process })
    }

    /// Stops the server, to test what happens when AWS is unreachable.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

pub struct Stack {
    pub moto: Moto,
    pub sdk: SdkConfig,
    pub table: UserTable,
    /// Extra environment for the functions (e.g. `TOKEN_TTL_SECONDS`).
    pub overrides: Vec<(String, String)>,
    pub reset_page_url: String,
    /// The two mail queues and their dead-letter queue.
    pub queue: crate::queue::MailQueues,
    /// The events' outbox, bus and tap, and the outbox's stream stand-in.
    pub events: crate::outbox::Outbox,
}

impl Stack {
    /// Starts moto and provisions it, with the demo user in place.
    pub async fn start(moto_port: Option<u16>, reset_page_url: &str) -> anyhow::Result<Stack> {
        Self::provisioned(Moto::start(moto_port)?, reset_page_url).await
    }

    /// Starts moto and provisions it as for a table of the application's own (`ExistingUsersTable`)
    /// whose email index copies `also_projected` besides what the template's index copies.
    pub async fn start_with_index_also_projecting(moto_port: Option<u16>, reset_page_url: &str, also_projected: &[&str]) -> anyhow::Result<Stack> {
        Self::provisioned_with(Moto::start(moto_port)?, reset_page_url, also_projected).await
    }

    /// Provisions a moto that is already running, with the demo user in place.
    pub async fn provisioned(moto: Moto, reset_page_url: &str) -> anyhow::Result<Stack> {
        Self::provisioned_with(moto, reset_page_url, &[]).await
    }

    async fn provisioned_with(moto: Moto, reset_page_url: &str, also_projected: &[&str]) -> anyhow::Result<Stack> {
        let sdk = reset_aws::sdk_loader()
            .endpoint_url(&moto.url)
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
            .load()
            .await;
        let queue = crate::queue::MailQueues::create(aws_sdk_sqs::Client::new(&sdk), MAIL_QUEUE, NOTICE_QUEUE, MAIL_DLQ, MAX_RECEIVES)
            .await
            .context("creating the mail queues")?;
        let events = crate::outbox::Outbox::create(&sdk).await.context("creating the events' outbox, bus and tap")?;
        let stack = Stack { moto, sdk, table: UserTable::default(), overrides: Vec::new(), reset_page_url: reset_page_url.to_owned(), queue, events };
        stack.provision(also_projected).await?;
        stack.put_user(DEMO_USER_ID, DEMO_EMAIL, DEMO_PASSWORD, None).await?;
        Ok(stack)
    }

    /// The tables, secret and sender. The users table's email index projects what template.yaml's
    /// does (deployed with this stack's names), and `also_projected`.
    async fn provision(&self, also_projected: &[&str]) -> anyhow::Result<()> {
        let t = &self.table;
        let (projection_type, mut projected) = Deployment::for_env(&self.env()).email_index_projection();
        projected.extend(also_projected.iter().map(|a| a.to_string()));
        let mut projection = Projection::builder().projection_type(ProjectionType::from(projection_type.as_str()));
        if projection_type == "INCLUDE" {
            projection = projection.set_non_key_attributes(Some(projected));
        } else {
            anyhow::ensure!(also_projected.is_empty(), "an index that projects {projection_type} cannot also project {also_projected:?}");
        }
        let attr = |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build();
        let hash_key = |name: &str| KeySchemaElement::builder().attribute_name(name).key_type(KeyType::Hash).build();
        self.dynamodb()
            .create_table()
            .table_name(&t.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(&t.id)?)
            .attribute_definitions(attr(&t.email)?)
            .key_schema(hash_key(&t.id)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder().index_name(&t.email_index).key_schema(hash_key(&t.email)?).projection(projection.build()).build()?,
            )
            .send()
            .await
            .context("creating the users table")?;

        self.dynamodb()
            .create_table()
            .table_name(reset_aws::DEFAULT_LIMITS_TABLE)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("key")?)
            .key_schema(hash_key("key")?)
            .send()
            .await
            .context("creating the rate-limit table")?;

        let key = KeyRing::generate_key()?;
        let secret = serde_json::json!({"current": "local-1", "local-1": key}).to_string();
        self.secrets().create_secret().name(SECRET_ID).secret_string(secret).send().await.context("creating the secret")?;
        // Two secrets, as template.yaml makes them: request-reset is given only the hashing one.
        let hashing = serde_json::json!({"current": "local-h1", "local-h1": KeyRing::generate_key()?}).to_string();
        self.secrets().create_secret().name(HASHING_SECRET_ID).secret_string(hashing).send().await.context("creating the hashing secret")?;

        self.ses().create_email_identity().email_identity(SENDER_DOMAIN).send().await.context("verifying the sender")?;
        Ok(())
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }
    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk)
    }
    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.sdk)
    }

    /// The environment the functions run with against this stack (what template.yaml sets in AWS).
    pub fn env(&self) -> Vec<(String, String)> {
        let dispute_page_url = self.dispute_page_url();
        let mut env: Vec<(String, String)> = [
            ("AWS_ENDPOINT_URL", self.moto.url.as_str()),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("USERS_TABLE", &self.table.table),
            ("USERS_EMAIL_INDEX", &self.table.email_index),
            ("RATE_LIMIT_TABLE", reset_aws::DEFAULT_LIMITS_TABLE),
            // Every function's environment here is the same one; deployed, request-reset is not
            // given the signing secret (moto checks no permission, so here it could read it).
            ("SIGNING_KEY_SECRET_ID", SECRET_ID),
            ("HASHING_KEY_SECRET_ID", HASHING_SECRET_ID),
            ("SENDER_EMAIL", SENDER),
            // One environment for the three functions here; each wiring takes only the queues
            // its function uses (template.yaml gives each only those).
            ("MAIL_QUEUE_URL", &self.queue.url),
            ("NOTICE_QUEUE_URL", &self.queue.notices_url),
            // Locally SES is moto: pace at 1000 mails a second, retry after 1 s, 2 s, 4 s ...
            ("SES_MAX_SEND_RATE", "1000"),
            ("MAIL_WORKER_CONCURRENCY", "1"),
            ("MAIL_RETRY_BASE_SECONDS", "1"),
            ("RESET_PAGE_URL", &self.reset_page_url),
            // The "this wasn't me" page beside the reset page, as the template builds it on the
            // API's own address; the lock status is the template's default.
            ("DISPUTE_PAGE_URL", &dispute_page_url),
            ("DISPUTE_LOCK_STATUS", "locked"),
            ("APP_NAME", "Demo App"),
            ("SUPPORT_CONTACT", "support@example.com"),
        ]
        .into_iter()
        .chain(crate::outbox::Outbox::env())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.extend(self.overrides.iter().cloned());
        env
    }

    /// The "this wasn't me" page: `secure-account` beside the reset page.
    pub fn dispute_page_url(&self) -> String {
        let page = self.reset_page_url.split(['?', '#']).next().unwrap_or_default();
        match page.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/secure-account"),
            None => format!("{page}/secure-account"),
        }
    }

    pub fn config(&self) -> Config {
        Config::from_vars(&self.env().into_iter().collect()).expect("the stack's configuration is valid")
    }

    /// Puts a user with an argon2id hash of `password`; `status` as the table would hold it.
    pub async fn put_user(&self, id: &str, email: &str, password: &str, status: Option<&str>) -> anyhow::Result<()> {
        let t = &self.table;
        let mut put = self
            .dynamodb()
            .put_item()
            .table_name(&t.table)
            .item(&t.id, AttributeValue::S(id.into()))
            .item(&t.email, AttributeValue::S(email.into()))
            .item(&t.password_hash, AttributeValue::S(password::hash_blocking(password)?));
        if let Some(status) = status {
            put = put.item(&t.status, AttributeValue::S(status.into()));
        }
        put.send().await.context("putting a user")?;
        Ok(())
    }

    /// Sets one attribute of a user's item, as the application might.
    pub async fn set_user_attribute(&self, id: &str, attribute: &str, value: AttributeValue) -> anyhow::Result<()> {
        let t = &self.table;
        self.dynamodb()
            .update_item()
            .table_name(&t.table)
            .key(&t.id, AttributeValue::S(id.into()))
            .update_expression("SET #a = :v")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":v", value)
            .send()
            .await
            .context("setting a user attribute")?;
        Ok(())
    }

    /// A user's stored item, as DynamoDB holds it (strongly consistent).
    pub async fn user_item(&self, id: &str) -> anyhow::Result<Option<std::collections::HashMap<String, AttributeValue>>> {
        let out =
            self.dynamodb().get_item().table_name(&self.table.table).key(&self.table.id, AttributeValue::S(id.into())).consistent_read(true).send().await?;
        Ok(out.item)
    }

    pub async fn password_hash(&self, id: &str) -> anyhow::Result<String> {
        let item = self.user_item(id).await?.context("the user exists")?;
        Ok(item[&self.table.password_hash].as_s().map_err(|_| anyhow::anyhow!("hash is a string"))?.clone())
    }

    /// The key ring the secret holds now (to sign jobs put on the queue by hand).
    pub async fn key_ring(&self) -> anyhow::Result<KeyRing> {
        let out = self.secrets().get_secret_value().secret_id(SECRET_ID).send().await?;
        Ok(KeyRing::from_json(out.secret_string().context("a secret string")?)?)
    }

    /// Replaces the signing-key secret (rotation).
    pub async fn put_secret(&self, json: &str) -> anyhow::Result<()> {
        self.secrets().put_secret_value().secret_id(SECRET_ID).secret_string(json).send().await?;
        Ok(())
    }

    /// The hashing ring the hashing secret holds now (to sign jobs put on the queue by hand, and
    /// to find a counter's or a log's hash).
    pub async fn hash_ring(&self) -> anyhow::Result<HashRing> {
        let out = self.secrets().get_secret_value().secret_id(HASHING_SECRET_ID).send().await?;
        Ok(HashRing::from_json(out.secret_string().context("a secret string")?)?)
    }

    /// Every mail moto has accepted so far.
    pub fn mails(&self) -> anyhow::Result<Vec<SentMail>> {
        mail::sent(&self.moto.url)
    }

    /// The mails moto has accepted once there are at least `n` and the mail queue holds no
    /// message (visible, in flight or delayed); an error after 20 s. A mail worker fed by a
    /// [`crate::queue::Pump`] sends a moment after the request, and a mail can only come from a
    /// message still on the queue (the pump deletes one after the worker's answer): waiting for the
    /// queue to be empty, not just for `n`, lets a duplicate sent late fail a test's exact count.
    pub fn mails_eventually(&self, n: usize) -> anyhow::Result<Vec<SentMail>> {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.mails()?;
            let queued = if mails.len() >= n { Some(self.queued()?) } else { None };
            if queued == Some(0) {
                // Read again: a mail sent between the first read and the queue's emptying counts.
                return self.mails();
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "{} mails after 20 s, expected {n}{}",
                mails.len(),
                queued.map(|q| format!(", with {q} messages still on the mail queue")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Messages on both mail queues, visible, in flight or delayed. (Asked over plain HTTP in
    /// SQS's JSON protocol, so that a blocking helper can ask from inside a test's runtime; moto
    /// tells the service from the credential scope and checks no signature.)
    fn queued(&self) -> anyhow::Result<usize> {
        let mut queued = 0;
        for url in [&self.queue.url, &self.queue.notices_url] {
            let mut reply = ureq::post(&self.moto.url)
                .header("authorization", format!("AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0"))
                .header("x-amz-target", "AmazonSQS.GetQueueAttributes")
                .header("content-type", "application/x-amz-json-1.0")
                .send_json(serde_json::json!({"QueueUrl": url, "AttributeNames": ["All"]}))
                .context("asking moto for a mail queue's depth")?;
            let answer: serde_json::Value = reply.body_mut().read_json()?;
            for name in ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] {
                let count = answer["Attributes"][name].as_str().with_context(|| format!("{name} in {answer}"))?;
                queued += count.parse::<usize>()?;
            }
        }
        Ok(queued)
    }
}

/// Limits that tests and benchmarks of other behaviour never reach; rate-limit tests use the defaults.
pub const GENEROUS_LIMITS: RateLimits = RateLimits {
    email_per_minute: 1000,
    email_per_day: 1000,
    email_per_day_total: 1000,
    ip_per_minute: 10_000,
    source_jobs_per_hour: 1_000_000,
    source_jobs_per_minute: 1_000_000,
    source_jobs_per_day: 1_000_000,
};

/// [`GENEROUS_LIMITS`] as the functions' environment.
pub fn generous_limits() -> Vec<(String, String)> {
    let l = GENEROUS_LIMITS;
    [
        ("RATE_LIMIT_EMAIL_PER_MINUTE", l.email_per_minute),
        ("RATE_LIMIT_EMAIL_PER_DAY", l.email_per_day),
        ("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", l.email_per_day_total),
        ("RATE_LIMIT_IP_PER_MINUTE", l.ip_per_minute),
        ("RATE_LIMIT_SOURCE_JOBS_PER_HOUR", l.source_jobs_per_hour),
        ("RATE_LIMIT_SOURCE_JOBS_PER_MINUTE", l.source_jobs_per_minute),
        ("RATE_LIMIT_SOURCE_JOBS_PER_DAY", l.source_jobs_per_day),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_string()))
    .collect()
}
