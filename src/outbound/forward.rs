//! Forward-to: each capture of an endpoint is also sent to a target (your
//! local server, say `http://localhost:3000/webhook`), exactly as it arrived,
//! and the target's answer is logged beside the capture (kind `forward`).
//!
//! Off the capture path: like the mapping checker, a task wakes when the
//! writer has committed captures and forwards those of endpoints with a
//! forward, in order. How far it got is kept in `settings`
//! (`forward_upto`), so a restart neither forwards twice nor skips.

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::log::SendKind;
use super::replay;
use super::spec::{ReplayOverrides, ReplayRequest, SendOptions, yes};
use super::{Job, Outbound};
use crate::capture::AfterStore;
use crate::model::SentResponse;
use crate::store::{StoreError, queries};

/// An endpoint's forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ForwardConfig {
    /// Where each capture goes; the capture's query string is added when this URL has none.
    pub url: String,
    /// Off: kept, but nothing is forwarded.
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub enabled: bool,
    /// Send the captured `Host` header instead of the target's.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub keep_host: bool,
    #[serde(default)]
    #[ts(as = "Option<SendOptions>", optional)]
    pub options: SendOptions,
    /// Answer the sender with the target's response (the listener waits for
    /// it; when the target cannot be reached the sender gets 502). Off: the
    /// sender gets the listener's own answer at once and the forward follows.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub answer_with_target: bool,
}

const MARK: &str = "forward_upto";
const BATCH: usize = 256;
const PACE: Duration = Duration::from_millis(20);

pub fn get(conn: &Connection, endpoint_id: i64) -> Result<Option<ForwardConfig>, StoreError> {
    let text: Option<String> = conn
        .query_row("SELECT config FROM endpoint_forwards WHERE endpoint_id = ?1", [endpoint_id], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("a forward: {e}"))))
        .transpose()
}

/// Save an endpoint's forward: captures from now on are forwarded (not those
/// that came before, nor those that came while it was off).
pub fn put(conn: &Connection, endpoint_id: i64, cfg: &ForwardConfig) -> Result<(), StoreError> {
    queries::get_endpoint(conn, endpoint_id)?;
    let json = serde_json::to_string(cfg).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // `since` moves only when forwarding (re)starts: editing a running forward
    // must not skip the captures it has not sent yet.
    let previous: Option<(String, i64)> = conn
        .query_row("SELECT config, since FROM endpoint_forwards WHERE endpoint_id = ?1", [endpoint_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let kept = previous.and_then(|(text, since)| {
        let old: ForwardConfig = serde_json::from_str(&text).ok()?;
        (old.enabled && cfg.enabled && old.answer_with_target == cfg.answer_with_target).then_some(since)
    });
    let since = match kept {
        Some(s) => s,
        None => queries::max_capture_id(conn)?,
    };
    conn.execute(
        "INSERT INTO endpoint_forwards (endpoint_id, config, since) VALUES (?1, ?2, ?3)
         ON CONFLICT(endpoint_id) DO UPDATE SET config = excluded.config, since = excluded.since",
        params![endpoint_id, json, since],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, endpoint_id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM endpoint_forwards WHERE endpoint_id = ?1", [endpoint_id])? > 0)
}

/// Forwards that are on, by endpoint, with the capture id they start after;
/// `answering` picks those that answer the sender with the target's response
/// (the listener sends them) or the others (the background forwarder does).
fn enabled(conn: &Connection, answering: bool) -> Result<HashMap<i64, (ForwardConfig, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT endpoint_id, config, since FROM endpoint_forwards")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, text, since) = row?;
        if let Ok(cfg) = serde_json::from_str::<ForwardConfig>(&text)
            && cfg.enabled
            && cfg.answer_with_target == answering
        {
            out.insert(id, (cfg, since));
        }
    }
    Ok(out)
}

/// The request that forwards a capture (`original`) as `cfg` says.
fn forward_job(
    original: &replay::Original,
    cfg: &ForwardConfig,
    capture_id: Option<i64>,
) -> Result<Job, super::OutboundError> {
    let req = ReplayRequest {
        url: cfg.url.clone(),
        overrides: Some(ReplayOverrides { keep_host: cfg.keep_host, ..Default::default() }),
        options: cfg.options.clone(),
        dry_run: false,
    };
    Ok(Job {
        built: replay::build(original, &req)?,
        options: cfg.options.clone(),
        dry_run: false,
        kind: SendKind::Forward,
        capture_id,
        batch_id: None,
    })
}

impl Outbound {
    /// Read again which endpoints answer with their target's response.
    pub async fn reload_answering(&self) -> Result<(), StoreError> {
        let map = self.store().read(|c| enabled(c, true)).await?;
        let map = map.into_iter().map(|(id, (cfg, _))| (id, cfg)).collect();
        *self.inner.answering.write().unwrap_or_else(|e| e.into_inner()) = map;
        Ok(())
    }
}

impl crate::capture::Responder for Outbound {
    fn answers(&self, endpoint_id: i64) -> bool {
        self.inner.answering.read().unwrap_or_else(|e| e.into_inner()).contains_key(&endpoint_id)
    }

    fn respond(
        &self,
        endpoint_id: i64,
        request: crate::capture::Received,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = (SentResponse, AfterStore)> + Send>> {
        let cfg = self.inner.answering.read().unwrap_or_else(|e| e.into_inner()).get(&endpoint_id).cloned();
        let outbound = self.clone();
        Box::pin(async move {
            // The answer is relayed as text: ask the target for an uncompressed one.
            let headers = request
                .headers
                .into_iter()
                .filter(|h| !h.name.eq_ignore_ascii_case("accept-encoding"))
                .collect();
            let original = replay::Original {
                method: request.method,
                query: request.query,
                headers,
                body: request.body,
            };
            let job = match cfg.as_ref().map(|c| forward_job(&original, c, None)) {
                Some(Ok(job)) => job,
                Some(Err(e)) => return (bad_gateway(&e.to_string()), Box::new(|_| {}) as AfterStore),
                None => return (bad_gateway("the forward was removed"), Box::new(|_| {}) as AfterStore),
            };
            let record = match outbound.exchange(&job).await {
                Ok(r) => r,
                Err(e) => return (bad_gateway(&e.to_string()), Box::new(|_| {}) as AfterStore),
            };
            let sent = match &record.response {
                Some(r) => SentResponse {
                    status: r.status,
                    headers: r
                        .headers
                        .iter()
                        .filter(|(n, _)| {
                            let n = String::from_utf8_lossy(n);
                            !replay::is_hop_by_hop(&n)
                        })
                        .map(|(n, v)| crate::model::Header::from_bytes(n, v))
                        .collect(),
                    body: String::from_utf8_lossy(&r.body).into_owned(),
                },
                None => bad_gateway(record.error.as_deref().unwrap_or("no response")),
            };
            let after: AfterStore = Box::new(move |capture_id| {
                let mut record = record;
                record.capture_id = Some(capture_id);
                tokio::spawn(async move {
                    if let Err(e) = outbound.log(record).await {
                        tracing::warn!(error = %e, capture_id, "forwarding: the result could not be logged");
                    }
                });
            });
            (sent, after)
        })
    }
}

/// What the sender gets when the target of a forward that answers for the
/// listener cannot be reached.
fn bad_gateway(why: &str) -> SentResponse {
    let body = serde_json::json!({"error": {"code": "forward_failed", "message": format!("the forward target did not answer: {why}")}})
        .to_string();
    SentResponse {
        status: 502,
        headers: vec![crate::model::Header::new("content-type", "application/json")],
        body,
    }
}

/// Captures in `(after, upto]` of these endpoints, in order.
fn due(conn: &Connection, after: i64, upto: i64, endpoints: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
    let list = endpoints.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT id, endpoint_id FROM captures WHERE id > ?1 AND id <= ?2 AND endpoint_id IN ({list})
         AND rejected IS NULL ORDER BY id LIMIT {BATCH}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![after, upto], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Start forwarding; it ends with `shutdown`.
pub fn spawn(outbound: Outbound, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            _ = run(outbound) => {}
            _ = shutdown.cancelled() => {}
        }
    })
}

async fn run(outbound: Outbound) {
    let store = outbound.store().clone();
    let mut ingested = store.ingested();
    // The first time: from now on (captures from before any forward existed are not sent).
    let mut after = match store
        .write(|c, _| {
            let mark = queries::get_mark(c, MARK)?;
            if mark > 0 {
                return Ok(mark);
            }
            let now = queries::max_capture_id(c)?;
            queries::set_mark(c, MARK, now)?;
            Ok(now)
        })
        .await
    {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "forwarding cannot start");
            return;
        }
    };
    loop {
        let upto = *ingested.borrow_and_update();
        while after < upto {
            let configs = match store.read(|c| enabled(c, false)).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "forwarding: reading the forwards failed");
                    break;
                }
            };
            let next = if configs.is_empty() {
                upto
            } else {
                let endpoints: Vec<i64> = configs.keys().copied().collect();
                let window = (after, upto);
                let batch = match store.read(move |c| due(c, window.0, window.1, &endpoints)).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!(error = %e, "forwarding: listing captures failed");
                        break;
                    }
                };
                for (capture_id, endpoint_id) in &batch {
                    if let Some((cfg, since)) = configs.get(endpoint_id)
                        && capture_id > since
                    {
                        forward_one(&outbound, *capture_id, cfg).await;
                        // Kept after each one: a restart neither sends it again nor skips the next.
                        let mark = *capture_id;
                        if let Err(e) = store.write(move |c, _| queries::set_mark(c, MARK, mark)).await {
                            tracing::warn!(error = %e, "forwarding: keeping the mark failed");
                        }
                    }
                }
                match batch.last() {
                    Some((last, _)) if batch.len() == BATCH => *last,
                    _ => upto,
                }
            };
            after = next;
            if let Err(e) = store.write(move |c, _| queries::set_mark(c, MARK, next)).await {
                tracing::warn!(error = %e, "forwarding: keeping the mark failed");
            }
        }
        if ingested.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(PACE).await;
    }
}

async fn forward_one(outbound: &Outbound, capture_id: i64, cfg: &ForwardConfig) {
    let store = outbound.store().clone();
    let reader = store.clone();
    let loaded = reader
        .read(move |c| {
            let (capture, body) = queries::get_capture(c, capture_id)?;
            Ok((capture, store.body_bytes(body)?))
        })
        .await;
    let original: replay::Original = match loaded {
        Ok(l) => l.into(),
        Err(e) => {
            tracing::warn!(error = %e, capture_id, "forwarding: the capture cannot be read");
            return;
        }
    };
    let job = match forward_job(&original, cfg, Some(capture_id)) {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, capture_id, "forwarding: the request cannot be built");
            return;
        }
    };
    if let Err(e) = outbound.run(job).await {
        tracing::warn!(error = %e, capture_id, "forwarding: the result could not be logged");
    }
}
