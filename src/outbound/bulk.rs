//! Bulk replay: a set of captures (chosen by id or by a capture query) sent
//! again to one URL, with bounded concurrency, a rate limit (HighLevel's burst
//! of 100 per 10 s by default), retries with exponential backoff and jitter on
//! 429, 5xx and network errors that honour `Retry-After`, stop and resume.
//!
//! Every attempt is logged in the execution log (kind `bulk`, `batch_id` the
//! job); each item's outcome is kept in `bulk_items`, so a job stopped — or cut
//! short by the app closing — resumes with the items still pending.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex as AsyncMutex;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::log::{self, SendKind};
use super::replay::{self, Original};
use super::spec::{ReplayOverrides, ReplayRequest, SendOptions, yes};
use super::{Job, Outbound, OutboundError};
use crate::events::Event;
use crate::model::Header;
use crate::store::{Blobs, StoreError};

fn hundred() -> u32 {
    100
}
fn ten_seconds() -> u64 {
    10_000
}

/// At most `count` requests start in any `per_ms` window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct RateLimit {
    /// Off: as fast as the concurrency allows.
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub enabled: bool,
    #[serde(default = "hundred")]
    #[ts(as = "Option<u32>", optional)]
    pub count: u32,
    #[serde(default = "ten_seconds")]
    #[ts(as = "Option<u32>", optional)]
    pub per_ms: u64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { enabled: true, count: hundred(), per_ms: ten_seconds() }
    }
}

fn four() -> u32 {
    4
}
fn three() -> u32 {
    3
}
fn ten_thousand() -> usize {
    10_000
}

/// `POST /api/v1/replays`: which captures, where to, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BulkRequest {
    pub url: String,
    /// These captures, in this order…
    #[serde(default)]
    #[ts(optional, type = "number[]")]
    pub capture_ids: Option<Vec<i64>>,
    /// …or the captures a query finds (`GET /api/v1/captures` syntax), oldest first.
    #[serde(default)]
    #[ts(optional)]
    pub q: Option<String>,
    /// With `q` (or alone): only this endpoint's captures.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub endpoint_id: Option<i64>,
    /// At most this many captures (default 10,000, at most 100,000).
    #[serde(default = "ten_thousand")]
    #[ts(as = "Option<u32>", optional)]
    pub max: usize,
    #[serde(default)]
    #[ts(optional)]
    pub overrides: Option<ReplayOverrides>,
    #[serde(default)]
    #[ts(as = "Option<SendOptions>", optional)]
    pub options: SendOptions,
    /// Requests in flight at once (default 4, 1 to 256).
    #[serde(default = "four")]
    #[ts(as = "Option<u32>", optional)]
    pub concurrency: u32,
    #[serde(default)]
    #[ts(as = "Option<RateLimit>", optional)]
    pub rate_limit: RateLimit,
    /// Attempts after the first on 429, 5xx or a network error (default 3, at most 10).
    #[serde(default = "three")]
    #[ts(as = "Option<u32>", optional)]
    pub retries: u32,
    /// The first retry waits about this long; each next one twice as long (default 500 ms).
    #[serde(default = "half_second")]
    #[ts(as = "Option<u32>", optional)]
    pub backoff_ms: u64,
}

fn half_second() -> u64 {
    500
}

/// Where a bulk replay is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    Running,
    /// Stopped by the user, or cut short when the app closed: it can be resumed.
    Stopped,
    Finished,
}

impl BulkStatus {
    fn as_str(self) -> &'static str {
        match self {
            BulkStatus::Running => "running",
            BulkStatus::Stopped => "stopped",
            BulkStatus::Finished => "finished",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "running" => BulkStatus::Running,
            "finished" => BulkStatus::Finished,
            _ => BulkStatus::Stopped,
        }
    }
}

/// A bulk replay and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BulkJob {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub created_at: i64,
    pub url: String,
    pub status: BulkStatus,
    #[ts(type = "number")]
    pub total: u64,
    /// Items with an outcome (succeeded + failed).
    #[ts(type = "number")]
    pub done: u64,
    /// Answered 2xx.
    #[ts(type = "number")]
    pub succeeded: u64,
    /// Answered otherwise, or no answer, after the last retry.
    #[ts(type = "number")]
    pub failed: u64,
    /// Attempts beyond each item's first.
    #[ts(type = "number")]
    pub retries: u64,
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
    pub concurrency: u32,
    pub rate_limit: RateLimit,
    /// The last item's error or failing status, to show beside the progress.
    pub last_error: Option<String>,
}

/// The items of a bulk replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BulkItem {
    #[ts(type = "number")]
    pub index: u64,
    #[ts(type = "number")]
    pub capture_id: i64,
    /// `pending`, `ok` or `failed`.
    pub state: String,
    /// The last attempt's status.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub attempts: u32,
    /// The last attempt in the execution log.
    #[ts(type = "number | null")]
    pub send_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BulkJobList {
    pub items: Vec<BulkJob>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BulkItemList {
    pub items: Vec<BulkItem>,
}

// ---------------------------------------------------------------- timing rules

/// How long to wait before retry `attempt` (0 is the first retry): the base
/// doubled per attempt, capped at 30 s, scaled by a jitter in `[0.5, 1)`; or
/// what the server's `Retry-After` asks (capped at 10 min).
pub fn backoff(attempt: u32, base_ms: u64, jitter: f64, retry_after: Option<Duration>) -> Duration {
    let exp = base_ms.saturating_mul(1u64 << attempt.min(20)).min(30_000);
    let computed = Duration::from_millis((exp as f64 * (0.5 + jitter.clamp(0.0, 1.0) / 2.0)) as u64);
    match retry_after {
        // The server said when: that, whether shorter or longer than our own rule.
        Some(r) => r.min(Duration::from_secs(600)),
        None => computed,
    }
}

/// `Retry-After`: seconds, or an HTTP date (how long from `now`).
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn jitter() -> f64 {
    let b = crate::util::random_bytes::<4>();
    u32::from_le_bytes(b) as f64 / u32::MAX as f64
}

/// At most `count` starts per `window`, shared by all workers.
struct Limiter {
    count: usize,
    window: Duration,
    starts: AsyncMutex<VecDeque<Instant>>,
}

impl Limiter {
    fn new(r: RateLimit) -> Option<Limiter> {
        (r.enabled && r.count > 0 && r.per_ms > 0).then(|| Limiter {
            count: r.count as usize,
            window: Duration::from_millis(r.per_ms),
            starts: AsyncMutex::new(VecDeque::new()),
        })
    }

    async fn acquire(&self) {
        let mut starts = self.starts.lock().await;
        loop {
            let now = Instant::now();
            while starts.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                starts.pop_front();
            }
            if starts.len() < self.count {
                starts.push_back(now);
                return;
            }
            let wait = self.window - now.duration_since(*starts.front().unwrap_or(&now));
            tokio::time::sleep(wait).await;
        }
    }
}

// ---------------------------------------------------------------- store

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("a bulk replay: {e}"))
}

fn create(conn: &Connection, req: &BulkRequest, ids: &[i64]) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO bulk_replays (created_at, spec, status, total) VALUES (?1, ?2, 'running', ?3)",
        params![crate::util::now_ms(), serde_json::to_string(req).map_err(corrupt)?, ids.len() as i64],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO bulk_items (batch_id, idx, capture_id) VALUES (?1, ?2, ?3)")?;
    for (i, c) in ids.iter().enumerate() {
        stmt.execute(params![id, i as i64, c])?;
    }
    Ok(id)
}

fn load_job(conn: &Connection, id: i64) -> Result<(BulkRequest, BulkJob), StoreError> {
    let (created_at, spec, status, total, finished_at): (i64, String, String, i64, Option<i64>) = conn
        .query_row(
            "SELECT created_at, spec, status, total, finished_at FROM bulk_replays WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound("bulk replay"))?;
    let req: BulkRequest = serde_json::from_str(&spec).map_err(corrupt)?;
    let (ok, failed, attempts, last_error): (i64, i64, i64, Option<String>) = conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'ok'), count(*) FILTER (WHERE state = 'failed'),
                coalesce(sum(max(attempts - 1, 0)), 0),
                (SELECT coalesce(error, 'answered ' || status) FROM bulk_items
                  WHERE batch_id = ?1 AND state = 'failed' ORDER BY idx DESC LIMIT 1)
         FROM bulk_items WHERE batch_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let job = BulkJob {
        id,
        created_at,
        url: req.url.clone(),
        status: BulkStatus::parse(&status),
        total: total as u64,
        done: (ok + failed) as u64,
        succeeded: ok as u64,
        failed: failed as u64,
        retries: attempts as u64,
        finished_at,
        concurrency: req.concurrency,
        rate_limit: req.rate_limit,
        last_error,
    };
    Ok((req, job))
}

fn set_status(conn: &Connection, id: i64, status: BulkStatus) -> Result<(), StoreError> {
    let finished = (status == BulkStatus::Finished).then(crate::util::now_ms);
    conn.execute(
        "UPDATE bulk_replays SET status = ?2, finished_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), finished],
    )?;
    Ok(())
}

pub fn list_jobs(conn: &Connection) -> Result<Vec<BulkJob>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM bulk_replays ORDER BY id DESC LIMIT 100")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.into_iter().map(|id| load_job(conn, id).map(|(_, j)| j)).collect()
}

pub fn get_job(conn: &Connection, id: i64) -> Result<BulkJob, StoreError> {
    load_job(conn, id).map(|(_, j)| j)
}

pub fn list_items(
    conn: &Connection,
    id: i64,
    state: Option<&str>,
    limit: usize,
) -> Result<Vec<BulkItem>, StoreError> {
    get_job(conn, id)?;
    let mut stmt = conn.prepare(
        "SELECT idx, capture_id, state, status, error, attempts, send_id FROM bulk_items
         WHERE batch_id = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY idx LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![id, state, limit as i64], |r| {
        Ok(BulkItem {
            index: r.get::<_, i64>(0)? as u64,
            capture_id: r.get(1)?,
            state: r.get(2)?,
            status: r.get(3)?,
            error: r.get(4)?,
            attempts: r.get(5)?,
            send_id: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Captures' method, query, headers and body, by id (missing ones left out).
fn load_originals(
    conn: &Connection,
    blobs: &Blobs,
    ids: &[i64],
) -> Result<HashMap<i64, Original>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    let mut stmt = conn.prepare_cached(
        "SELECT method, query, headers, body, body_external, body_sha256 FROM captures WHERE id = ?1",
    )?;
    for id in ids {
        let row = stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .optional()?;
        let Some((method, query, headers, body, external, sha)) = row else { continue };
        let headers: Vec<Header> = serde_json::from_str(&headers).map_err(corrupt)?;
        let body = if external { blobs.read(&sha)? } else { Bytes::from(body) };
        out.insert(*id, Original { method, query, headers, body });
    }
    Ok(out)
}

fn pending_count(conn: &Connection, id: i64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM bulk_items WHERE batch_id = ?1 AND state = 'pending'",
        [id],
        |r| r.get(0),
    )?)
}

/// Jobs left `running` by an engine that stopped are `stopped` (resumable).
pub fn interrupted(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute("UPDATE bulk_replays SET status = 'stopped' WHERE status = 'running'", [])?)
}

// ---------------------------------------------------------------- running

/// A job this engine is running (or still draining after a stop: in-flight
/// attempts finish before the entry goes, so a resume cannot send them twice).
pub(super) struct Running {
    stop: CancellationToken,
    /// Which run this is; a run only removes its own entry.
    generation: u64,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

struct Counters {
    last_publish: AtomicU64,
}

impl Outbound {
    /// Start a bulk replay: choose its captures, record them, run.
    pub async fn start_bulk(&self, req: BulkRequest) -> Result<BulkJob, OutboundError> {
        if !(1..=256).contains(&req.concurrency) {
            return Err(OutboundError::Invalid("concurrency must be between 1 and 256".into()));
        }
        if req.retries > 10 {
            return Err(OutboundError::Invalid("retries must be at most 10".into()));
        }
        if req.max == 0 || req.max > 100_000 {
            return Err(OutboundError::Invalid("max must be between 1 and 100,000".into()));
        }
        super::wire::Target::parse(&req.url)?;
        if let Some(p) = req.options.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            super::client::Proxy::parse(p)?;
        }
        if req.rate_limit.enabled && (req.rate_limit.count == 0 || req.rate_limit.per_ms == 0) {
            return Err(OutboundError::Invalid(
                "a rate limit needs a count and a window above 0 (or turn it off)".into(),
            ));
        }
        let store = self.store().clone();
        store.caught_up().await;
        let ids: Vec<i64> = match &req.capture_ids {
            Some(ids) => ids.iter().copied().take(req.max).collect(),
            None => {
                let query = crate::search::parse(req.q.as_deref().unwrap_or_default()).map_err(|e| {
                    OutboundError::Invalid(format!("q: {} (at byte {})", e.message, e.position))
                })?;
                if query.as_ref().is_some_and(|q| q.uses_event_ids()) {
                    store.event_ids_caught_up().await;
                }
                let (endpoint_id, max) = (req.endpoint_id, req.max);
                store
                    .read(move |c| crate::store::queries::capture_ids_matching(c, endpoint_id, query, max))
                    .await?
            }
        };
        if ids.is_empty() {
            return Err(OutboundError::Invalid("no captures to replay".into()));
        }
        let spec = req.clone();
        let id = store.write(move |c, _| create(c, &spec, &ids)).await?;
        self.spawn_bulk(id).await
    }

    /// Stop a running job: in-flight attempts finish, nothing new starts.
    pub async fn stop_bulk(&self, id: i64) -> Result<BulkJob, OutboundError> {
        let stopped = match self.inner.bulk.lock().await.get(&id) {
            Some(r) => {
                r.stop.cancel();
                true
            }
            None => false,
        };
        if stopped {
            self.store().write(move |c, _| set_status(c, id, BulkStatus::Stopped)).await?;
        }
        let job = self.store().read(move |c| get_job(c, id)).await?;
        self.inner.events.publish(Event::ReplayProgress(job.clone()));
        Ok(job)
    }

    /// Resume a stopped job with its pending items.
    pub async fn resume_bulk(&self, id: i64) -> Result<BulkJob, OutboundError> {
        let job = self.store().read(move |c| get_job(c, id)).await?;
        if job.status == BulkStatus::Finished {
            return Ok(job);
        }
        // A stopped run still draining its in-flight attempts is waited for (bounded).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let draining = match self.inner.bulk.lock().await.get(&id) {
                Some(r) if !r.stop.is_cancelled() => return Ok(job),
                Some(_) => true,
                None => false,
            };
            if !draining {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(OutboundError::Invalid("the bulk replay is still stopping; try again".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.store().write(move |c, _| set_status(c, id, BulkStatus::Running)).await?;
        self.spawn_bulk(id).await
    }

    async fn spawn_bulk(&self, id: i64) -> Result<BulkJob, OutboundError> {
        let stop = self.inner.shutdown.child_token();
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        self.inner.bulk.lock().await.insert(id, Running { stop: stop.clone(), generation });
        let job = self.store().read(move |c| get_job(c, id)).await?;
        self.inner.events.publish(Event::ReplayProgress(job.clone()));
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.run_bulk(id, stop.clone()).await {
                tracing::warn!(error = %e, job = id, "a bulk replay stopped on an error");
            }
            // Finished only when no item is left pending (an item that could not be
            // sent for a reason of the engine's stays pending: resumable).
            let pending = this.store().read(move |c| pending_count(c, id)).await.unwrap_or(1);
            let status =
                if !stop.is_cancelled() && pending == 0 { BulkStatus::Finished } else { BulkStatus::Stopped };
            let done = this.store().write(move |c, _| set_status(c, id, status)).await;
            {
                let mut runs = this.inner.bulk.lock().await;
                if runs.get(&id).is_some_and(|r| r.generation == generation) {
                    runs.remove(&id);
                }
            }
            if done.is_ok()
                && let Ok(job) = this.store().read(move |c| get_job(c, id)).await
            {
                this.inner.events.publish(Event::ReplayProgress(job));
            }
        });
        Ok(job)
    }

    async fn run_bulk(&self, id: i64, stop: CancellationToken) -> Result<(), OutboundError> {
        let (req, pending) = self
            .store()
            .read(move |c| {
                let (req, _) = load_job(c, id)?;
                let pending: Vec<(i64, i64)> = c
                    .prepare("SELECT idx, capture_id FROM bulk_items WHERE batch_id = ?1 AND state = 'pending' ORDER BY idx")?
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                Ok((req, pending))
            })
            .await?;
        let req = Arc::new(req);
        let limiter = Arc::new(Limiter::new(req.rate_limit));
        let counters = Arc::new(Counters { last_publish: AtomicU64::new(0) });
        let (tx, rx) =
            tokio::sync::mpsc::channel::<(i64, i64, Option<Original>)>(req.concurrency as usize * 4);
        let rx = Arc::new(AsyncMutex::new(rx));

        // The feeder loads captures in chunks ahead of the workers.
        let store = self.store().clone();
        let feed_stop = stop.clone();
        let feeder = tokio::spawn(async move {
            for chunk in pending.chunks(256) {
                let ids: Vec<i64> = chunk.iter().map(|(_, c)| *c).collect();
                let s = store.clone();
                let Ok(mut originals) = store.read(move |c| load_originals(c, s.blobs(), &ids)).await else {
                    return;
                };
                for (idx, capture_id) in chunk {
                    let item = (*idx, *capture_id, originals.remove(capture_id));
                    tokio::select! {
                        _ = feed_stop.cancelled() => return,
                        sent = tx.send(item) => if sent.is_err() { return },
                    }
                }
            }
        });

        let mut workers = Vec::new();
        for _ in 0..req.concurrency {
            let (this, req, limiter, rx, stop, counters) =
                (self.clone(), req.clone(), limiter.clone(), rx.clone(), stop.clone(), counters.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let next = rx.lock().await.recv().await;
                    let Some((idx, capture_id, original)) = next else { return };
                    if stop.is_cancelled() {
                        return;
                    }
                    if let Err(e) = this.bulk_item(id, &req, &limiter, &stop, idx, capture_id, original).await
                    {
                        tracing::warn!(error = %e, job = id, "a bulk replay item could not be recorded");
                    }
                    this.maybe_publish(id, &counters).await;
                }
            }));
        }
        for w in workers {
            let _ = w.await;
        }
        feeder.abort();
        Ok(())
    }

    async fn maybe_publish(&self, id: i64, counters: &Counters) {
        let now = crate::util::now_ms() as u64;
        let last = counters.last_publish.load(Ordering::Relaxed);
        if now.saturating_sub(last) < 250 || !self.inner.events.has_subscribers() {
            return;
        }
        if counters.last_publish.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            && let Ok(job) = self.store().read(move |c| get_job(c, id)).await
        {
            self.inner.events.publish(Event::ReplayProgress(job));
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn bulk_item(
        &self,
        batch: i64,
        req: &BulkRequest,
        limiter: &Option<Limiter>,
        stop: &CancellationToken,
        idx: i64,
        capture_id: i64,
        original: Option<Original>,
    ) -> Result<(), OutboundError> {
        let finish = move |state: &'static str,
                           status: Option<u16>,
                           error: Option<String>,
                           attempts: u32,
                           send: Option<i64>| {
            move |c: &Connection| -> Result<(), StoreError> {
                c.prepare_cached(
                    "UPDATE bulk_items SET state = ?3, status = ?4, error = ?5, attempts = ?6, send_id = ?7
                     WHERE batch_id = ?1 AND idx = ?2",
                )?
                .execute(params![batch, idx, state, status, error, attempts, send])?;
                Ok(())
            }
        };
        let Some(original) = original else {
            let f = finish(
                "failed",
                None,
                Some(format!("capture {capture_id} no longer exists or cannot be read")),
                0,
                None,
            );
            return Ok(self.store().write(move |c, _| f(c)).await?);
        };
        let rr = ReplayRequest {
            url: req.url.clone(),
            overrides: req.overrides.clone(),
            options: req.options.clone(),
            dry_run: false,
        };
        let built = match replay::build(&original, &rr) {
            Ok(b) => b,
            Err(e) => {
                let f = finish("failed", None, Some(e.to_string()), 0, None);
                return Ok(self.store().write(move |c, _| f(c)).await?);
            }
        };
        let job = Job {
            built,
            options: req.options.clone(),
            dry_run: false,
            kind: SendKind::Bulk,
            capture_id: Some(capture_id),
            batch_id: Some(batch),
        };
        let mut attempt = 0u32;
        loop {
            if let Some(l) = limiter {
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    _ = l.acquire() => {}
                }
            }
            let record = match self.exchange(&job).await {
                Ok(r) => r,
                Err(e) => {
                    let f = finish("failed", None, Some(e.to_string()), attempt, None);
                    return Ok(self.store().write(move |c, _| f(c)).await?);
                }
            };
            attempt += 1;
            let status = record.response.as_ref().map(|r| r.status);
            let retryable = status.is_none_or(|s| s == 429 || s >= 500);
            // Stopped with a retry still due: the attempt is logged, the item stays
            // pending and is tried again on resume.
            let last = !retryable || attempt > req.retries;
            let retry_after = record
                .response
                .as_ref()
                .and_then(|r| r.header_str("retry-after"))
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
            let summary = record.clone();
            let state = if status.is_some_and(|s| (200..300).contains(&s)) { "ok" } else { "failed" };
            let error = record.error.clone();
            let mark = last.then_some((state, status, error, attempt));
            let send_id = self
                .store()
                .write(move |c, _| {
                    let sid = log::insert(c, &summary)?;
                    if let Some((state, status, error, attempts)) = mark {
                        finish(state, status, error, attempts, Some(sid))(c)?;
                    }
                    Ok(sid)
                })
                .await?;
            if self.inner.events.has_subscribers() {
                self.inner.events.publish(Event::SendCreated(record.summary(send_id)));
            }
            if last || stop.is_cancelled() {
                return Ok(());
            }
            let wait = backoff(attempt - 1, req.backoff_ms, jitter(), retry_after);
            tokio::select! {
                _ = stop.cancelled() => {
                    // Stopped while waiting: the item stays pending and is retried on resume.
                    return Ok(());
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap_and_honours_retry_after() {
        assert_eq!(backoff(0, 500, 1.0, None), Duration::from_millis(500));
        assert_eq!(backoff(0, 500, 0.0, None), Duration::from_millis(250));
        assert_eq!(backoff(3, 500, 1.0, None), Duration::from_millis(4000));
        assert_eq!(backoff(12, 500, 1.0, None), Duration::from_secs(30));
        assert_eq!(backoff(0, 500, 1.0, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(backoff(0, 500, 1.0, Some(Duration::from_secs(7200))), Duration::from_secs(600));
        // A Retry-After shorter than the backoff is still honoured: the server said when.
        assert_eq!(backoff(5, 500, 1.0, Some(Duration::from_secs(1))), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = httpdate::parse_http_date("Thu, 03 Dec 2026 17:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after(" 12 ", now), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 17:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Thu, 03 Dec 2026 16:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_limiter_lets_a_burst_through_then_waits_for_the_window() {
        let l = Limiter::new(RateLimit { enabled: true, count: 3, per_ms: 1000 }).unwrap();
        let t0 = tokio::time::Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO);
        l.acquire().await;
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
        assert!(Limiter::new(RateLimit { enabled: false, ..RateLimit::default() }).is_none());
    }
}
