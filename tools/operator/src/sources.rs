//! Where a campaign's users come from: a file (read on a thread of its own) or the whole users
//! table (a parallel Scan reading only the id), each feeding the runner's channel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use reset_core::domain::UserId;
use tokio::sync::mpsc;

use crate::bulk::Item;
use crate::input::{Entries, Entry, Unusable};

/// How many entries wait between the source and the calls.
pub const CHANNEL: usize = 1024;

/// Opens `path` (so a missing file fails before anything starts) and counts its entries.
pub fn open_file(path: &PathBuf) -> anyhow::Result<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let count = crate::input::count_entries(std::io::BufReader::new(&file)).with_context(|| format!("reading {}", path.display()))?;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok((file, count))
}

/// Reads the file's entries on a thread of its own into a channel.
pub fn from_file(file: std::fs::File, path: PathBuf) -> mpsc::Receiver<Item> {
    let (tx, rx) = mpsc::channel(CHANNEL);
    std::thread::spawn(move || {
        let mut entries = Entries::new(std::io::BufReader::new(file));
        loop {
            let item = match entries.next_entry() {
                Ok(Some(entry)) => Ok(entry),
                Ok(None) => return,
                Err(err) => Err(format!("reading {}: {err}", path.display())),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    rx
}

/// The users table's approximate item count (DescribeTable; DynamoDB updates it about every six
/// hours), for the progress bar's length.
pub async fn table_size(client: &aws_sdk_dynamodb::Client, table: &str) -> anyhow::Result<u64> {
    let out = client.describe_table().table_name(table).send().await.with_context(|| format!("DynamoDB DescribeTable {table}"))?;
    Ok(out.table.and_then(|t| t.item_count).and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

/// Scans the users table in `segments` parallel segments, reading only the id attribute, into a
/// channel; entries are numbered in the order they arrive. A failed page ends the scan with its
/// error (the SDK has retried it already).
pub fn scan(client: aws_sdk_dynamodb::Client, table: String, id_attribute: String, segments: u16) -> mpsc::Receiver<Item> {
    let (tx, rx) = mpsc::channel(CHANNEL);
    let numbered = Arc::new(AtomicU64::new(0));
    for segment in 0..segments {
        let (client, table, id_attribute, tx, numbered) = (client.clone(), table.clone(), id_attribute.clone(), tx.clone(), numbered.clone());
        tokio::spawn(async move {
            let mut start = None;
            loop {
                let page = client
                    .scan()
                    .table_name(&table)
                    .segment(i32::from(segment))
                    .total_segments(i32::from(segments))
                    .projection_expression("#id")
                    .expression_attribute_names("#id", &id_attribute)
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await;
                let page = match page {
                    Ok(page) => page,
                    Err(err) => {
                        let why = format!("{:#}", anyhow::Error::new(err).context(format!("DynamoDB Scan of {table}, segment {segment}")));
                        let _ = tx.send(Err(why)).await;
                        return;
                    }
                };
                for item in page.items.unwrap_or_default() {
                    let line = numbered.fetch_add(1, Ordering::SeqCst) + 1;
                    let entry = match item.get(&id_attribute) {
                        Some(AttributeValue::S(id)) => {
                            Entry { line, raw: id.clone(), user: UserId::parse(id).map_err(|err| Unusable::Malformed(format!("the item's id: {err}"))) }
                        }
                        _ => Entry { line, raw: String::new(), user: Err(Unusable::Malformed(format!("the item has no string {id_attribute}"))) },
                    };
                    if tx.send(Ok(entry)).await.is_err() {
                        return;
                    }
                }
                match page.last_evaluated_key {
                    Some(key) if !key.is_empty() => start = Some(key),
                    _ => return,
                }
            }
        });
    }
    rx
}
