//! Live events: what changed, published after it is committed. The control API
//! streams them to the UI as server-sent events.

use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::capture::ListenerStatus;
use crate::model::{CaptureSummary, Endpoint};

#[derive(Debug, Clone, Serialize, ToSchema, ts_rs::TS)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    #[serde(rename = "capture.created")]
    CaptureCreated(CaptureSummary),
    #[serde(rename = "capture.updated")]
    CaptureUpdated(CaptureSummary),
    #[serde(rename = "capture.deleted")]
    CaptureDeleted {
        #[ts(type = "number")]
        id: i64,
        #[ts(type = "number")]
        endpoint_id: i64,
    },
    #[serde(rename = "endpoint.created")]
    EndpointCreated(Endpoint),
    #[serde(rename = "endpoint.updated")]
    EndpointUpdated(Endpoint),
    #[serde(rename = "endpoint.deleted")]
    EndpointDeleted {
        #[ts(type = "number")]
        id: i64,
    },
    /// The capture listener moved, paused, resumed or got another body limit.
    #[serde(rename = "listener.changed")]
    ListenerChanged(ListenerStatus),
    /// An outbound request (send, replay, forward, bulk item) was logged.
    #[serde(rename = "send.created")]
    SendCreated(crate::outbound::log::SendSummary),
    /// A bulk replay started, progressed (at most every 250 ms), stopped or finished.
    #[serde(rename = "replay.progress")]
    ReplayProgress(crate::outbound::bulk::BulkJob),
}

impl Event {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::CaptureCreated(_) => "capture.created",
            Event::CaptureUpdated(_) => "capture.updated",
            Event::CaptureDeleted { .. } => "capture.deleted",
            Event::EndpointCreated(_) => "endpoint.created",
            Event::EndpointUpdated(_) => "endpoint.updated",
            Event::EndpointDeleted { .. } => "endpoint.deleted",
            Event::ListenerChanged(_) => "listener.changed",
            Event::SendCreated(_) => "send.created",
            Event::ReplayProgress(_) => "replay.progress",
        }
    }

    /// The event's payload as JSON.
    pub fn data_json(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        v.get("data").map(|d| d.to_string()).unwrap_or_else(|| "{}".into())
    }
}

/// A fan-out of events to any number of subscribers. Slow subscribers miss
/// events (and are told so) rather than slowing capture down.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Event>,
}

impl Default for Events {
    fn default() -> Self {
        Events { tx: broadcast::channel(4096).0 }
    }
}

impl Events {
    pub fn publish(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    /// Whether anyone is listening (so events need not be built at all).
    pub fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Publish `capture.updated` with the current list row of each capture
    /// (captures deleted meanwhile are left out).
    pub async fn publish_updated(
        &self,
        store: &crate::store::Store,
        ids: Vec<i64>,
    ) -> Result<(), crate::store::StoreError> {
        if !self.has_subscribers() || ids.is_empty() {
            return Ok(());
        }
        let summaries = store
            .read(move |c| {
                Ok(ids
                    .iter()
                    .filter_map(|id| crate::store::queries::get_summary(c, *id).ok())
                    .collect::<Vec<_>>())
            })
            .await?;
        for s in summaries {
            self.publish(Event::CaptureUpdated(s));
        }
        Ok(())
    }
}

/// Tell subscribers about captures found to repeat an earlier delivery after
/// they were stored (their `duplicate_of` is set by then); ends with `shutdown`.
pub fn spawn_repeat_publisher(
    store: crate::store::Store,
    events: Events,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let mut repeats = store.repeats();
    tokio::spawn(async move {
        loop {
            let ids = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = repeats.recv() => match r {
                    Ok(ids) => ids,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "some repeat deliveries were not announced");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            if let Err(e) = events.publish_updated(&store, ids.to_vec()).await {
                tracing::warn!(error = %e, "announcing repeat deliveries failed");
            }
        }
    })
}
