//! Use case: the event publisher puts new outbox items on the bus.
//!
//! An event reaches the outbox in the same write as its change; from there it is delivered at
//! least once. Each event is audited by kind and id (never its detail, which names an account);
//! what the bus did not take is reported, so the stream retries it.

use crate::domain::events::OutboxEvent;
use crate::ports::EventBus;

/// The event publisher's deps: the bus, and nothing else (it reads no user, key or queue).
pub struct PublishDeps<B: EventBus> {
    pub bus: B,
}

/// What became of a batch: the indices of the events the bus did not take (all of them if the
/// bus could not be reached), in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Published {
    pub failed: Vec<usize>,
}

/// The per-entry error codes EventBridge gives an entry it will never take (`PutEvents`: the
/// entry's own fields); every other code (throttling, internal failures, access) is retried.
const PERMANENT: [&str; 2] = ["MalformedDetail", "InvalidArgument"];

#[tracing::instrument(name = "publish_events", skip_all, fields(events = events.len()))]
pub async fn publish_events<B: EventBus>(deps: &PublishDeps<B>, events: &[OutboxEvent]) -> Published {
    if events.is_empty() {
        return Published::default();
    }
    let outcomes = match deps.bus.put_events(events).await {
        Ok(outcomes) => outcomes,
        Err(err) => {
            tracing::error!(error = ?err, metric = "event_publish_failed", failed = events.len(), "the event bus could not be reached; the batch comes back");
            return Published { failed: (0..events.len()).collect() };
        }
    };
    let mut failed = Vec::new();
    for (index, event) in events.iter().enumerate() {
        match outcomes.get(index) {
            Some(Ok(())) => {
                tracing::info!(audit = "event_published", detail_type = %event.detail_type, event_id = %event.event_id, "event published");
            }
            // The bus refuses the entry itself (EventBridge's own validation): the same entry would
            // be refused again, and retrying would hold the stream up behind it for its whole age.
            Some(Err(code)) if PERMANENT.contains(&code.as_str()) => {
                tracing::error!(detail_type = %event.detail_type, event_id = %event.event_id, code = %code, metric = "event_malformed", "the bus refuses this event for good; skipped");
            }
            Some(Err(code)) => {
                tracing::warn!(detail_type = %event.detail_type, event_id = %event.event_id, code = %code, metric = "event_publish_failed", "the bus refused an event; it comes back");
                failed.push(index);
            }
            None => {
                tracing::warn!(detail_type = %event.detail_type, event_id = %event.event_id, metric = "event_publish_failed", "the bus did not answer for an event; it comes back");
                failed.push(index);
            }
        }
    }
    Published { failed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryBus;

    fn event(id: &str) -> OutboxEvent {
        OutboxEvent { event_id: id.into(), detail_type: "Password Changed".into(), detail: "{}".into(), occurred_at: 1 }
    }

    #[tokio::test]
    async fn what_the_bus_refuses_or_cannot_take_is_reported_for_a_retry() {
        let deps = PublishDeps { bus: MemoryBus::default() };
        let events = [event("a"), event("b")];
        assert_eq!(publish_events(&deps, &events).await, Published::default());
        assert_eq!(deps.bus.accepted().len(), 2);
        deps.bus.refuse.set(true);
        assert_eq!(publish_events(&deps, &events).await.failed, vec![0, 1]);
        deps.bus.refuse.set(false);
        deps.bus.outage.set(true);
        assert_eq!(publish_events(&deps, &events).await.failed, vec![0, 1]);
        assert_eq!(deps.bus.accepted().len(), 2);
    }

    /// An entry the bus refuses for good (its own fields) is skipped, not retried forever.
    #[tokio::test]
    async fn what_the_bus_refuses_for_good_is_not_retried() {
        struct Refusing;
        impl EventBus for Refusing {
            async fn put_events(&self, events: &[OutboxEvent]) -> anyhow::Result<Vec<Result<(), String>>> {
                Ok(events.iter().map(|e| if e.event_id == "bad" { Err("MalformedDetail".to_owned()) } else { Err("ThrottlingException".to_owned()) }).collect())
            }
        }
        let deps = PublishDeps { bus: Refusing };
        assert_eq!(publish_events(&deps, &[event("bad"), event("busy")]).await.failed, vec![1]);
    }

    /// A batch the bus half took: only the refused ones are reported, by their own index.
    #[tokio::test]
    async fn of_a_batch_only_what_the_bus_refused_comes_back() {
        let deps = PublishDeps { bus: MemoryBus::default() };
        deps.bus.refuse_event("b");
        deps.bus.refuse_event("d");
        let events = [event("a"), event("b"), event("c"), event("d")];
        assert_eq!(publish_events(&deps, &events).await.failed, vec![1, 3]);
        let taken: Vec<String> = deps.bus.accepted().into_iter().map(|e| e.event_id).collect();
        assert_eq!(taken, ["a", "c"]);
    }
}
