//! In-memory adapters: a first-class implementation of every port, for handler tests and for
//! trying the domain without AWS. Clones share state, so a test keeps a handle while the
//! function owns another. Each can be told to fail, to exercise outage paths.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::bail;
use reset_token::KeyRing;

use crate::domain::{Email, PasswordChange, User, UserId};
use crate::ports::{CountHits, FindUserByEmail, GetUser, Hit, KeySource, Mail, Mailer, SetPassword, WriteOutcome, window};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A switch shared by clones that makes an adapter fail like an unreachable service.
#[derive(Clone, Default)]
pub struct Outage(Arc<AtomicBool>);

impl Outage {
    pub fn set(&self, down: bool) {
        self.0.store(down, Ordering::SeqCst);
    }
    fn check(&self, what: &str) -> anyhow::Result<()> {
        if self.0.load(Ordering::SeqCst) {
            bail!("{what} is unreachable (simulated outage)");
        }
        Ok(())
    }
}

/// Every port in memory.
pub struct InMemory;

impl crate::Adapters for InMemory {
    type Users = MemoryUsers;
    type Limits = MemoryLimits;
    type Mailer = MemoryMailer;
    type Keys = MemoryKeys;
}

#[derive(Clone, Default)]
pub struct MemoryUsers {
    users: Arc<Mutex<HashMap<UserId, User>>>,
    /// Fails every operation (reads first, so nothing is written).
    pub outage: Outage,
    /// Fails only the password write: reads work, so the failure comes after the token checked.
    pub write_outage: Outage,
}

impl MemoryUsers {
    pub fn insert(&self, user: User) {
        lock(&self.users).insert(user.id.clone(), user);
    }
    pub fn remove(&self, id: &UserId) {
        lock(&self.users).remove(id);
    }
    pub fn get(&self, id: &UserId) -> Option<User> {
        lock(&self.users).get(id).cloned()
    }
}

impl FindUserByEmail for MemoryUsers {
    async fn find_by_email(&self, email: &Email) -> anyhow::Result<Option<User>> {
        self.outage.check("the user store")?;
        Ok(lock(&self.users).values().find(|u| u.email.as_stored() == email.as_ref()).cloned())
    }
}

impl GetUser for MemoryUsers {
    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        self.outage.check("the user store")?;
        Ok(self.get(id))
    }
}

impl SetPassword for MemoryUsers {
    async fn set_password(&self, change: &PasswordChange) -> anyhow::Result<WriteOutcome> {
        self.outage.check("the user store")?;
        self.write_outage.check("the user store (writes)")?;
        let mut users = lock(&self.users);
        match users.get_mut(&change.user_id) {
            Some(u) if u.password_hash == change.expected_hash && u.email.as_stored() == change.expected_email => {
                u.password_hash = change.new_hash.clone();
                Ok(WriteOutcome::Written)
            }
            _ => Ok(WriteOutcome::Conflict),
        }
    }
}

/// Rate-limit counters in memory.
#[derive(Clone, Default)]
pub struct MemoryLimits {
    hits: Arc<Mutex<HashMap<String, u32>>>,
    pub outage: Outage,
}

impl CountHits for MemoryLimits {
    async fn hit(&self, key: &str, limit: u32, window_secs: u64, now: u64) -> anyhow::Result<Hit> {
        self.outage.check("the limits store")?;
        let (start, retry_after) = window(now, window_secs);
        let mut hits = lock(&self.hits);
        let count = hits.entry(format!("{key}#{start}")).or_insert(0);
        if *count >= limit {
            return Ok(Hit::Limited { retry_after });
        }
        *count += 1;
        Ok(Hit::Allowed)
    }
}

#[derive(Clone, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<Mail>>>,
    latency: Arc<Mutex<std::time::Duration>>,
    pub outage: Outage,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<Mail> {
        lock(&self.sent).clone()
    }

    /// Makes every send take `latency` (tokio time, so a paused test clock measures it exactly).
    pub fn set_latency(&self, latency: std::time::Duration) {
        *lock(&self.latency) = latency;
    }
}

impl Mailer for MemoryMailer {
    async fn send(&self, mail: &Mail) -> anyhow::Result<()> {
        let latency = *lock(&self.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.outage.check("the mail service")?;
        lock(&self.sent).push(mail.clone());
        Ok(())
    }
}

/// A key source holding the secret's JSON, replaceable to simulate rotation.
#[derive(Clone)]
pub struct MemoryKeys {
    secret: Arc<Mutex<String>>,
    pub outage: Outage,
}

impl MemoryKeys {
    pub fn new(secret_json: impl Into<String>) -> Self {
        MemoryKeys { secret: Arc::new(Mutex::new(secret_json.into())), outage: Outage::default() }
    }
    pub fn replace(&self, secret_json: impl Into<String>) {
        *lock(&self.secret) = secret_json.into();
    }
}

impl KeySource for MemoryKeys {
    async fn fetch(&self) -> anyhow::Result<KeyRing> {
        self.outage.check("the key store")?;
        let secret = lock(&self.secret).clone();
        Ok(KeyRing::from_json(&secret)?)
    }
}
