//! The single writer: one thread owns the read-write connection. Jobs queued
//! while a transaction is being committed are batched into the next one. Every
//! job runs in its own savepoint (one failing job does not undo the others) and
//! learns its outcome only after COMMIT returns.
//!
//! Captures arrive already journaled ([`super::journal`]): the writer inserts
//! them with whatever else is queued, publishes `ingested` after the commit,
//! and keeps them to try again if the commit fails (the journal still has
//! them, so nothing is lost meanwhile).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot, watch};

use super::journal::Record;
use super::{StoreError, queries};

/// Called for each capture once it is committed to SQLite, with what storing
/// it found (an earlier delivery of the same event, the dialect).
pub type OnIngested = Arc<dyn Fn(&Record, queries::Inserted) + Send + Sync>;

/// State only the writer touches.
pub struct WriterState {
    /// The highest capture id committed to SQLite.
    ingested_upto: i64,
    ingested: watch::Sender<i64>,
    /// Journaled captures not yet committed here, in id order.
    pending: Vec<Record>,
    /// What inserting `pending` found of each.
    pending_inserted: Vec<queries::Inserted>,
    ingest_retry_at: Instant,
    on_ingested: OnIngested,
    retention_due: Instant,
    /// Captures up to this id are in the full-text index.
    indexed_upto: i64,
    /// Captures up to this id have their event id recorded.
    event_ids_upto: i64,
    event_ids: watch::Sender<i64>,
    /// Where captures found to repeat an earlier delivery are told.
    repeats: broadcast::Sender<Arc<[i64]>>,
    /// When the indexer last ran; it runs at least every [`INDEX_AT_LEAST_EVERY`].
    indexed_at: Instant,
    /// After a failure the indexer waits until then.
    index_paused_until: Instant,
    blobs: super::Blobs,
}

impl WriterState {
    pub(super) fn load(
        conn: &Connection,
        blobs: super::Blobs,
        on_ingested: OnIngested,
        repeats: broadcast::Sender<Arc<[i64]>>,
    ) -> Result<(Self, watch::Receiver<i64>, watch::Receiver<i64>), StoreError> {
        let max_id = queries::max_capture_id(conn)?;
        let (ingested, rx) = watch::channel(max_id);
        let event_ids_upto = queries::get_mark(conn, crate::search::db::EVENT_IDS_MARK)?;
        let (event_ids, event_ids_rx) = watch::channel(event_ids_upto);
        let state = WriterState {
            ingested_upto: max_id,
            ingested,
            pending: Vec::new(),
            pending_inserted: Vec::new(),
            ingest_retry_at: Instant::now(),
            on_ingested,
            retention_due: Instant::now(),
            indexed_upto: queries::indexed_upto(conn)?,
            event_ids_upto,
            event_ids,
            repeats,
            indexed_at: Instant::now(),
            index_paused_until: Instant::now(),
            blobs,
        };
        Ok((state, rx, event_ids_rx))
    }

    /// Captures up to this id have their event id recorded.
    pub fn event_ids_upto(&self) -> i64 {
        self.event_ids_upto
    }

    fn unindexed(&self) -> bool {
        self.indexed_upto < self.ingested_upto || self.event_ids_upto < self.ingested_upto
    }

    fn ingest_due(&self) -> bool {
        !self.pending.is_empty() && Instant::now() >= self.ingest_retry_at
    }

    fn index_due(&self, idle: bool) -> bool {
        let now = Instant::now();
        self.unindexed()
            && now >= self.index_paused_until
            && (idle || now >= self.indexed_at + INDEX_AT_LEAST_EVERY)
    }
}

type Done = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;
type Job = Box<dyn FnOnce(&Connection, &mut WriterState) -> Done + Send>;

enum Msg {
    Job(Job),
    /// Journal frames (of the given epoch) just written.
    Ingest(Vec<u8>, u64),
    /// Record the event ids of every committed capture, then answer.
    CatchUpEventIds(oneshot::Sender<()>),
    Close(oneshot::Sender<()>),
}

pub(super) struct Handle {
    tx: mpsc::Sender<Msg>,
}

/// Where the appender hands journaled captures over.
pub(super) struct IngestSender(mpsc::Sender<Msg>);

impl IngestSender {
    pub(super) fn ingest(&self, frames: Vec<u8>, epoch: u64) {
        // The writer only goes away at shutdown, after the appender.
        let _ = self.0.send(Msg::Ingest(frames, epoch));
    }
}

/// At most this many jobs share one transaction.
const MAX_BATCH: usize = 512;
/// Captures that arrive within this long of the last commit wait to share the next.
const INGEST_PACE: Duration = Duration::from_millis(20);
/// How long to wait before trying again to insert captures that failed.
const INGEST_RETRY: Duration = Duration::from_secs(1);
/// How often retention runs.
const RETENTION_EVERY: Duration = Duration::from_secs(60);
/// The full-text index is filled when no write has been queued for this long…
const INDEX_WHEN_IDLE_FOR: Duration = Duration::from_millis(10);
/// …and, under steady load, at least this often.
const INDEX_AT_LEAST_EVERY: Duration = Duration::from_millis(250);
/// Captures indexed per transaction.
const INDEX_CHUNK: usize = 128;
/// Captures given their event id per transaction when idle or under load.
const EVENT_ID_CHUNK: usize = 512;

pub(super) fn spawn(conn: Connection, state: WriterState) -> Result<Handle, StoreError> {
    let (tx, rx) = mpsc::channel::<Msg>();
    std::thread::Builder::new()
        .name("hookbench-store-writer".into())
        .spawn(move || run(conn, state, rx))
        .map_err(|source| StoreError::Io { path: "writer thread".into(), source })?;
    Ok(Handle { tx })
}

impl Handle {
    pub(super) fn ingest_sender(&self) -> IngestSender {
        IngestSender(self.tx.clone())
    }

    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut WriterState) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn, state| {
            let result = in_savepoint(conn, |c| f(c, state));
            Box::new(move |commit: Result<(), &StoreError>| {
                let out = match (result, commit) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => {
                        Err(StoreError::Commit { message: e.to_string(), disk_full: e.is_disk_full() })
                    }
                    (Ok(v), Ok(())) => Ok(v),
                };
                let _ = tx.send(out);
            })
        });
        self.tx.send(Msg::Job(job)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Resolves once every capture committed so far has its event id recorded.
    pub(super) async fn catch_up_event_ids(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Msg::CatchUpEventIds(tx)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)
    }

    pub(super) async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Close(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    // Cached statements: a savepoint per job must cost next to nothing.
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    match f(conn) {
        Ok(v) => {
            conn.prepare_cached("RELEASE job")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            // If SQLite already rolled the whole transaction back (disk full),
            // there is no savepoint left to go back to; COMMIT will report it.
            let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

fn run(conn: Connection, mut state: WriterState, rx: mpsc::Receiver<Msg>) {
    let mut closing: Vec<oneshot::Sender<()>> = Vec::new();
    let mut last_commit = Instant::now();
    loop {
        let now = Instant::now();
        let mut wait = state.retention_due.saturating_duration_since(now);
        if state.unindexed() {
            wait = wait.min(INDEX_WHEN_IDLE_FOR);
        }
        if !state.pending.is_empty() {
            wait = wait.min(state.ingest_retry_at.saturating_duration_since(now));
        }
        let first = match rx.recv_timeout(wait) {
            Ok(m) => Some(m),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let idle = first.is_none();
        // Under load, let captures gather: one commit per pace interval.
        if matches!(first, Some(Msg::Ingest(..))) {
            let since = last_commit.elapsed();
            if since < INGEST_PACE {
                std::thread::sleep(INGEST_PACE - since);
            }
        }
        let mut jobs = Vec::new();
        let mut catch_ups = Vec::new();
        let mut queue_empty = false;
        let mut next = first;
        loop {
            match next.take() {
                Some(Msg::Job(j)) => jobs.push(j),
                Some(Msg::Ingest(frames, epoch)) => {
                    state.pending.extend(super::journal::decode_all(&frames, epoch));
                }
                Some(Msg::CatchUpEventIds(ack)) => catch_ups.push(ack),
                Some(Msg::Close(ack)) => closing.push(ack),
                None => {}
            }
            if jobs.len() >= MAX_BATCH {
                break;
            }
            match rx.try_recv() {
                Ok(m) => next = Some(m),
                Err(_) => {
                    queue_empty = true;
                    break;
                }
            }
        }

        let retention = Instant::now() >= state.retention_due;
        if retention {
            state.retention_due = Instant::now() + RETENTION_EVERY;
        }
        if !jobs.is_empty() || retention || state.ingest_due() {
            commit_batch(&conn, &mut state, jobs, retention);
            last_commit = Instant::now();
        }
        if !catch_ups.is_empty() {
            record_event_ids(&conn, &mut state, usize::MAX);
            // Answered even if that failed: readers then see what is recorded.
            for ack in catch_ups {
                let _ = ack.send(());
            }
        }
        if state.index_due(idle) {
            state.indexed_at = Instant::now();
            if state.event_ids_upto < state.ingested_upto {
                record_event_ids(&conn, &mut state, EVENT_ID_CHUNK);
            }
            if state.indexed_upto < state.ingested_upto {
                index_chunk(&conn, &mut state);
            }
        }
        // Close once everything queued before the close request is committed.
        if !closing.is_empty() && queue_empty {
            break;
        }
    }
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
    drop(conn);
    for ack in closing {
        let _ = ack.send(());
    }
}

/// Insert the pending captures in the current transaction. Returns false (and
/// leaves nothing behind) if that failed; they are tried again later.
fn ingest(conn: &Connection, state: &mut WriterState) -> bool {
    let mut inserted = Vec::with_capacity(state.pending.len());
    let result = in_savepoint(conn, |c| {
        inserted.clear();
        for r in &state.pending {
            match queries::insert_capture(c, r.id, &r.capture, &r.sent) {
                Ok(found) => inserted.push(found),
                // Already there (a retry after a partial failure), or its
                // endpoint was deleted meanwhile: nothing to insert.
                Err(StoreError::Sqlite(e))
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) =>
                {
                    tracing::debug!(id = r.id, error = %e, "journaled capture skipped");
                    inserted.push(queries::Inserted::default());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => {
            state.pending_inserted = inserted;
            true
        }
        Err(e) => {
            tracing::error!(error = %e, pending = state.pending.len(), "captures not yet in the database; retrying");
            state.ingest_retry_at = Instant::now() + INGEST_RETRY;
            false
        }
    }
}

/// Record the event ids of up to `max` committed captures, in a transaction
/// of its own, and tell who listens which of them repeat an earlier delivery.
fn record_event_ids(conn: &Connection, state: &mut WriterState, max: usize) {
    let result = (|| -> Result<crate::search::db::Recorded, StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let recorded =
            crate::search::db::record_event_ids(conn, state.event_ids_upto, state.ingested_upto, max)?;
        conn.execute_batch("COMMIT")?;
        Ok(recorded)
    })();
    match result {
        Ok(recorded) => {
            state.event_ids_upto = recorded.upto;
            state.event_ids.send_replace(recorded.upto);
            if !recorded.repeats.is_empty() {
                // Nobody listening is fine: the links are in the database.
                let _ = state.repeats.send(recorded.repeats.into());
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "recording event ids failed; trying again later");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            state.index_paused_until = Instant::now() + Duration::from_secs(5);
        }
    }
}

/// Put the next captures into the full-text index, in a transaction of its own.
fn index_chunk(conn: &Connection, state: &mut WriterState) {
    let result = (|| -> Result<i64, StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let high = queries::index_captures(
            conn,
            &state.blobs,
            state.indexed_upto,
            INDEX_CHUNK,
            state.ingested_upto,
        )?;
        conn.execute_batch("COMMIT")?;
        Ok(high)
    })();
    match result {
        Ok(high) => state.indexed_upto = high,
        Err(e) => {
            tracing::warn!(error = %e, "full-text indexing failed; searches scan unindexed captures");
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            // Try again later rather than spin.
            state.index_paused_until = Instant::now() + Duration::from_secs(5);
        }
    }
}

fn commit_batch(conn: &Connection, state: &mut WriterState, jobs: Vec<Job>, retention: bool) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let err = StoreError::from(e);
        tracing::error!(error = %err, "could not begin a write transaction");
        // Dropping the jobs unrun tells each caller the write did not happen.
        drop(jobs);
        return;
    }
    let mut done: Vec<Done> = Vec::with_capacity(jobs.len());
    for job in jobs {
        done.push(job(conn, state));
    }
    let ingesting = state.ingest_due() && ingest(conn, state);
    if retention {
        match queries::apply_retention(conn) {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "retention pruned old captures"),
            Err(e) => tracing::warn!(error = %e, "retention failed"),
        }
    }
    let commit = conn.execute_batch("COMMIT").map_err(StoreError::from);
    if let Err(e) = &commit {
        tracing::error!(error = %e, disk_full = e.is_disk_full(), "commit failed");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    for d in done {
        d(commit.as_ref().map(|_| ()));
    }
    if ingesting {
        if commit.is_ok() {
            let records = std::mem::take(&mut state.pending);
            let inserted = std::mem::take(&mut state.pending_inserted);
            for (i, r) in records.iter().enumerate() {
                (state.on_ingested)(r, inserted.get(i).copied().unwrap_or_default());
            }
            if let Some(last) = records.last() {
                state.ingested_upto = state.ingested_upto.max(last.id);
                state.ingested.send_replace(state.ingested_upto);
            }
        } else {
            state.ingest_retry_at = Instant::now() + INGEST_RETRY;
        }
    }
    if retention && commit.is_ok() {
        match state.blobs.sweep(conn) {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "removed unreferenced body files"),
            Err(e) => tracing::warn!(error = %e, "sweeping body files failed"),
        }
    }
}
