//! Users in DynamoDB. Table, index and attribute names are configurable so the service can sit on
//! an existing users table.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use crate::events::Outbox;
use reset_core::domain::events::OutboxEvent;
use reset_core::domain::{AccountLock, Email, ForcedChange, PasswordChange, StoredEmail, User, UserId};
use reset_core::ports::{FindUserByEmail, ForceReset, GetUser, LockAccount, SetPassword, WriteOutcome};

type Item = HashMap<String, AttributeValue>;

/// Where users live and what their attributes are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTable {
    pub table: String,
    /// A global secondary index whose partition key is the email attribute.
    pub email_index: String,
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub status: String,
    /// Status values that count as active; an item without the status attribute is active.
    pub active_statuses: Vec<String>,
    /// Set (Unix seconds) on every reset, so sessions older than it can be ended.
    pub password_changed_at: String,
    /// Where the application keeps the user's language (a BCP 47 tag), if it does: their mails
    /// are written in it.
    pub locale: Option<String>,
}

impl Default for UserTable {
    fn default() -> Self {
        UserTable {
            table: "users".into(),
            email_index: "email-index".into(),
            id: "id".into(),
            email: "email".into(),
            password_hash: "password_hash".into(),
            status: "status".into(),
            active_statuses: vec!["active".into()],
            password_changed_at: "password_changed_at".into(),
            locale: None,
        }
    }
}

#[derive(Clone)]
pub struct DynamoUsers {
    client: Client,
    table: Arc<UserTable>,
    /// Where a write puts its event, in the same transaction: only a function that writes users
    /// is given one.
    outbox: Option<Arc<Outbox>>,
}

impl DynamoUsers {
    /// The users, read only.
    pub fn new(client: Client, table: UserTable) -> Self {
        DynamoUsers { client, table: Arc::new(table), outbox: None }
    }

    /// The users, read and written: every write puts its event in `outbox` in the same
    /// transaction.
    pub fn writing(client: Client, table: UserTable, outbox: Outbox) -> Self {
        DynamoUsers { client, table: Arc::new(table), outbox: Some(Arc::new(outbox)) }
    }

    fn string<'i>(&self, item: &'i Item, name: &str) -> Option<&'i str> {
        item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
    }

    /// Item → model. `None` when the item lacks an id or an address. The hash is kept as stored
    /// ("" when absent): what it means (a password, the forced reset's marker, none) is
    /// [`User::credential`], which each use case checks (an account with no password gets no
    /// reset link, only an invitation).
    fn user(&self, item: &Item) -> anyhow::Result<Option<User>> {
        let t = &self.table;
        let hash = self.string(item, &t.password_hash).unwrap_or_default();
        let (Some(id), Some(email)) = (self.string(item, &t.id), self.string(item, &t.email)) else {
            return Ok(None);
        };
        let active = match self.string(item, &t.status) {
            None => !item.contains_key(&t.status),
            Some(status) => t.active_statuses.iter().any(|a| a.eq_ignore_ascii_case(status)),
        };
        let id = UserId::parse(id).context("a user item has an unusable id")?;
        let status = self.string(item, &t.status).unwrap_or_default().to_owned();
        // The epoch as stored: Unix seconds (N), or whatever string the application writes.
        let epoch = item.get(&t.password_changed_at).and_then(|v| v.as_n().or_else(|_| v.as_s()).ok()).cloned().unwrap_or_default();
        let locale = t.locale.as_ref().and_then(|name| self.string(item, name)).map(str::to_owned);
        Ok(Some(User { id, email: StoredEmail::new(email), password_hash: hash.to_owned(), active, status, epoch, locale }))
    }

    async fn get_item(&self, id: &str) -> anyhow::Result<Option<Item>> {
        let t = &self.table;
        let mut get = self
            .client
            .get_item()
            .table_name(&t.table)
            .key(&t.id, AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .expression_attribute_names("#id", &t.id)
            .expression_attribute_names("#email", &t.email)
            .expression_attribute_names("#hash", &t.password_hash)
            .expression_attribute_names("#status", &t.status)
            .expression_attribute_names("#epoch", &t.password_changed_at);
        // Only what a reset reads: the template's IAM condition allows no other attribute.
        get = match &t.locale {
            Some(locale) => get.projection_expression("#id, #email, #hash, #status, #epoch, #locale").expression_attribute_names("#locale", locale),
            None => get.projection_expression("#id, #email, #hash, #status, #epoch"),
        };
        let out = get.send().await.map_err(|e| crate::sdk_failure("DynamoDB GetItem on the users table", &e))?;
        Ok(out.item)
    }
}

impl DynamoUsers {
    /// The user's stored language alone (the mail worker may read nothing else of the item).
    async fn locale_of(&self, id: &str, attribute: &str) -> anyhow::Result<Option<String>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table.table)
            .key(&self.table.id, AttributeValue::S(id.to_owned()))
            .projection_expression("#locale")
            .expression_attribute_names("#locale", attribute)
            .send()
            .await
            .map_err(|e| crate::sdk_failure("DynamoDB GetItem of the user's language", &e))?;
        Ok(out.item.as_ref().and_then(|item| self.string(item, attribute)).map(str::to_owned))
    }
}

impl FindUserByEmail for DynamoUsers {
    async fn find_by_email(&self, email: &Email) -> anyhow::Result<Option<User>> {
        let t = &self.table;
        let Some(found) = self.the_one_indexed(email, false).await? else { return Ok(None) };
        let found = &found;
        // An index that projects only keys gives the id; the item itself gives the rest. Only an
        // index item that holds the hash attribute is read as the account: without it, a
        // keys-only projection and an account with no password look alike, and the item decides.
        if let Some(mut user) = if found.contains_key(&t.password_hash) { self.user(found)? } else { None } {
            // The stored language: from the index if it projects it, else one narrow read (an
            // existing table's index need not be rebuilt to add the attribute).
            // A failed read costs the mail its language, never the mail: it goes out in the
            // request's language.
            if let (Some(name), None) = (&t.locale, &user.locale) {
                user.locale = self.locale_of(user.id.as_ref(), name).await.unwrap_or_else(|err| {
                    tracing::warn!(error = ?err, "the user's language could not be read; the mail uses the request's");
                    None
                });
            }
            return Ok(Some(user));
        }
        let Some(id) = self.string(found, &t.id) else { return Ok(None) };
        match self.get_item(id).await? {
            Some(item) => self.user(&item),
            None => Ok(None),
        }
    }

    async fn find_id_by_email(&self, email: &Email) -> anyhow::Result<Option<UserId>> {
        self.id_by_email(email).await
    }
}

impl DynamoUsers {
    /// The index item of the one account `email` names (one Query; the id alone if `id_only`):
    /// none when several claim it (a link or a code for either would be a guess: a metric).
    async fn the_one_indexed(&self, email: &Email, id_only: bool) -> anyhow::Result<Option<Item>> {
        let t = &self.table;
        let mut query = self
            .client
            .query()
            .table_name(&t.table)
            .index_name(&t.email_index)
            .key_condition_expression("#email = :email")
            .expression_attribute_names("#email", &t.email)
            .expression_attribute_values(":email", AttributeValue::S(email.as_ref().to_owned()))
            .limit(2);
        if id_only {
            query = query.projection_expression("#id").expression_attribute_names("#id", &t.id);
        }
        let out = query.send().await.map_err(|e| crate::sdk_failure("DynamoDB Query on the email index", &e))?;
        let mut items = out.items.unwrap_or_default();
        if items.len() > 1 {
            tracing::warn!(metric = "duplicate_email", "several users share one email; no link sent and no code accepted");
            return Ok(None);
        }
        Ok(items.pop())
    }

    /// [`FindUserByEmail::find_id_by_email`]: one Query of the index for the id alone.
    async fn id_by_email(&self, email: &Email) -> anyhow::Result<Option<UserId>> {
        let found = self.the_one_indexed(email, true).await?;
        Ok(found.as_ref().and_then(|found| self.string(found, &self.table.id)).and_then(|id| UserId::parse(id).ok()))
    }
}

impl GetUser for DynamoUsers {
    async fn get_user(&self, id: &UserId) -> anyhow::Result<Option<User>> {
        match self.get_item(id.as_ref()).await? {
            Some(item) => self.user(&item),
            None => Ok(None),
        }
    }
}

impl SetPassword for DynamoUsers {
    async fn set_password(&self, change: &PasswordChange) -> anyhow::Result<WriteOutcome> {
        let expected = Expected { user_id: &change.user_id, hash: &change.expected_hash, email: &change.expected_email, status: &change.expected_status };
        let values = [(":new_hash", AttributeValue::S(change.new_hash.clone())), (":changed_at", AttributeValue::N(change.changed_at.to_string()))];
        self.write_with_event(expected, "SET #hash = :new_hash, #changed = :changed_at", values, &change.event, "the password and its event").await
    }
}

impl LockAccount for DynamoUsers {
    async fn lock_account(&self, lock: &AccountLock) -> anyhow::Result<WriteOutcome> {
        let expected = Expected { user_id: &lock.user_id, hash: &lock.expected_hash, email: &lock.expected_email, status: &lock.expected_status };
        let values = [
            (":new_hash", AttributeValue::S(lock.new_hash.clone())),
            (":changed_at", AttributeValue::N(lock.locked_at.to_string())),
            (":locked", AttributeValue::S(lock.lock_status.clone())),
        ];
        let set = "SET #hash = :new_hash, #changed = :changed_at, #status = :locked";
        self.write_with_event(expected, set, values, &lock.event, "the account's lock and its event").await
    }
}

impl ForceReset for DynamoUsers {
    async fn force_reset(&self, change: &ForcedChange) -> anyhow::Result<WriteOutcome> {
        let expected = Expected { user_id: &change.user_id, hash: &change.expected_hash, email: &change.expected_email, status: &change.expected_status };
        let mut sets = Vec::new();
        let mut values = Vec::new();
        if let Some(hash) = &change.new_hash {
            sets.push("#hash = :new_hash");
            values.push((":new_hash", AttributeValue::S(hash.clone())));
        }
        if let Some(epoch) = change.new_epoch {
            sets.push("#changed = :changed_at");
            values.push((":changed_at", AttributeValue::N(epoch.to_string())));
        }
        if sets.is_empty() {
            // Nothing of the account changes: the event alone (put once: a rerun finds it).
            return self.event_alone(&change.event).await;
        }
        let set = format!("SET {}", sets.join(", "));
        self.write_with_event(expected, &set, values, &change.event, "the forced reset and its event").await
    }
}

impl DynamoUsers {
    /// An event with no change of the account beside it (a forced reset that neither blocks
    /// sign-in nor ends sessions): put once; an event already there was put by an earlier run.
    async fn event_alone(&self, event: &OutboxEvent) -> anyhow::Result<WriteOutcome> {
        let outbox = self.outbox.as_deref().context("this function was given no outbox: it may not write events")?;
        let write = self.client.transact_write_items().transact_items(TransactWriteItem::builder().put(outbox.put(event)?).build());
        match crate::events::send_through_conflicts(write).await {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(err) if crate::events::condition_failed_at(&err, 0) => Ok(WriteOutcome::Written),
            Err(err) => Err(crate::sdk_failure("DynamoDB TransactWriteItems (an event)", &err)),
        }
    }
}

/// What a write of a user expects the account to hold: the hash, email and status it read
/// (`status` "" for absent).
struct Expected<'a> {
    user_id: &'a UserId,
    hash: &'a str,
    email: &'a str,
    status: &'a str,
}

impl DynamoUsers {
    /// One user write and its event, both or neither: `set` (an update expression over `#hash`,
    /// `#changed` and `#status`, with `values`) applies only while the account holds what
    /// `expected` says, so a confirm or a lock racing a disable, an email change or another
    /// change does not write. Only the attributes the template's IAM condition names are touched.
    async fn write_with_event<'v>(
        &self,
        expected: Expected<'_>,
        set: &str,
        values: impl IntoIterator<Item = (&'v str, AttributeValue)>,
        event: &OutboxEvent,
        what: &str,
    ) -> anyhow::Result<WriteOutcome> {
        let t = &self.table;
        let outbox = self.outbox.as_deref().context("this function was given no outbox: it may not write users")?;
        let mut values: HashMap<String, AttributeValue> = values.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
        values.insert(":old_hash".to_owned(), AttributeValue::S(expected.hash.to_owned()));
        values.insert(":email".to_owned(), AttributeValue::S(expected.email.to_owned()));
        if !expected.status.is_empty() {
            values.insert(":status".to_owned(), AttributeValue::S(expected.status.to_owned()));
        }
        let update = Update::builder()
            .table_name(&t.table)
            .key(&t.id, AttributeValue::S(expected.user_id.as_ref().to_owned()))
            .update_expression(set)
            .condition_expression(match (expected.hash.is_empty(), expected.status.is_empty()) {
                // No password as read: absent, or stored empty (an invitation's first password).
                (true, true) => "(attribute_not_exists(#hash) OR #hash = :old_hash) AND #email = :email AND attribute_not_exists(#status)",
                (true, false) => "(attribute_not_exists(#hash) OR #hash = :old_hash) AND #email = :email AND #status = :status",
                (false, true) => "#hash = :old_hash AND #email = :email AND attribute_not_exists(#status)",
                (false, false) => "#hash = :old_hash AND #email = :email AND #status = :status",
            })
            .expression_attribute_names("#status", &t.status)
            .expression_attribute_names("#hash", &t.password_hash)
            .expression_attribute_names("#email", &t.email)
            .set_expression_attribute_values(Some(values));
        // DynamoDB refuses a name the expressions do not use (a forced reset that blocks sign-in
        // without moving the epoch).
        let update = if set.contains("#changed") { update.expression_attribute_names("#changed", &t.password_changed_at) } else { update };
        let update = update.build().map_err(|err| anyhow::anyhow!("the user update could not be built ({what}): {err}"))?;
        // The change and its event, both or neither: an event is as durable as its change. (The
        // SDK gives each send one idempotency token for all its own retries, so a try whose answer
        // was lost and is sent again is answered as the first.)
        let write = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(TransactWriteItem::builder().put(outbox.put(event)?).build());
        match crate::events::send_through_conflicts(write).await {
            Ok(_) => Ok(WriteOutcome::Written),
            // The event (the second) is in the outbox already: the transaction that put it made
            // the change too (an operator's campaign run again after a crash; event ids of the
            // other writes are random, so it never happens to them).
            Err(err) if crate::events::condition_failed_at(&err, 1) => Ok(WriteOutcome::Written),
            // The user item (the first) failed its condition: the account changed since it was read.
            Err(err) if crate::events::condition_failed_at(&err, 0) => Ok(WriteOutcome::Conflict),
            // Anything else (a throttle, the outbox, conflicts that outlasted the retries):
            // nothing was written, and a retry may succeed.
            Err(err) => Err(crate::sdk_failure(&format!("DynamoDB TransactWriteItems ({what})"), &err)),
        }
    }
}
