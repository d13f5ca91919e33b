//! The appender thread: gives captures their ids, writes them to the journal
//! with one `write` per batch, answers, and hands the batch to the writer for
//! SQLite. See [`super::journal`] for why.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;

use tokio::sync::{oneshot, watch};

use super::journal::{self, Journal, Record};
use super::{Durability, NewCapture, StoreError, writer};
use crate::model::SentResponse;

/// Builds the answer for a capture once its id is known.
pub type Answer = Box<dyn FnOnce(i64) -> SentResponse + Send>;
type Reply = oneshot::Sender<Result<(i64, SentResponse), StoreError>>;

enum Msg {
    Capture(Box<NewCapture>, Answer, Reply),
    Close(oneshot::Sender<()>),
}

/// Start the journal over once it is this large (and fully in the database).
const CLEAR_AFTER: u64 = 16 * 1024 * 1024;
/// How long the appender waits for the writer to catch up before starting over.
const CATCH_UP_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
const MAX_BATCH: usize = 1024;

pub(super) struct Handle {
    tx: mpsc::Sender<Msg>,
}

pub(super) struct Shared {
    /// The highest id written to the journal.
    pub appended: Arc<AtomicI64>,
    /// The highest id the writer has committed to SQLite.
    pub ingested: watch::Receiver<i64>,
}

pub(super) fn spawn(
    journal: Journal,
    next_id: i64,
    durability: Durability,
    writer: writer::IngestSender,
    shared: &Shared,
) -> Result<Handle, StoreError> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let appended = shared.appended.clone();
    let ingested = shared.ingested.clone();
    std::thread::Builder::new()
        .name("hookbench-store-journal".into())
        .spawn(move || run(journal, next_id, durability, writer, appended, ingested, rx))
        .map_err(|source| StoreError::Io { path: "journal thread".into(), source })?;
    Ok(Handle { tx })
}

impl Handle {
    pub(super) async fn capture(
        &self,
        c: NewCapture,
        answer: Answer,
    ) -> Result<(i64, SentResponse), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Msg::Capture(Box::new(c), answer, tx)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    pub(super) async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Close(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

fn run(
    mut journal: Journal,
    mut next_id: i64,
    durability: Durability,
    writer: writer::IngestSender,
    appended: Arc<AtomicI64>,
    ingested: watch::Receiver<i64>,
    rx: mpsc::Receiver<Msg>,
) {
    let mut frames = Vec::new();
    let mut closing = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut batch: Vec<(Record, Reply)> = Vec::new();
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Capture(capture, answer, reply) => {
                    let id = next_id;
                    next_id += 1;
                    let sent = answer(id);
                    batch.push((Record { id, capture: *capture, sent }, reply));
                }
                Msg::Close(ack) => closing.push(ack),
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            let last = batch.last().map_or(0, |(r, _)| r.id);
            if journal.written() > CLEAR_AFTER
                && caught_up(&ingested, appended.load(Ordering::Acquire))
                && let Err(e) = journal.clear()
            {
                tracing::warn!(error = %e, "could not start the capture journal over");
            }
            frames.clear();
            for (r, _) in &batch {
                journal::encode(r, journal.epoch(), &mut frames);
            }
            match journal.append(&frames, durability == Durability::Power) {
                Ok(()) => {
                    appended.store(last, Ordering::Release);
                    let mut records = Vec::with_capacity(batch.len());
                    for (r, reply) in batch {
                        let _ = reply.send(Ok((r.id, r.sent.clone())));
                        records.push(r);
                    }
                    writer.ingest(records);
                }
                Err(e) => {
                    let disk_full = is_disk_full(&e);
                    tracing::error!(error = %e, disk_full, "captures could not be journaled");
                    for (_, reply) in batch {
                        let _ = reply.send(Err(StoreError::Commit { message: e.to_string(), disk_full }));
                    }
                }
            }
        }
        if !closing.is_empty() {
            break;
        }
    }
    for ack in closing {
        let _ = ack.send(());
    }
}

/// Wait (briefly) until the writer has everything appended so far. Under
/// steady load a batch is nearly always in flight, so this waits a moment for
/// it rather than letting the journal grow; if the writer is stuck (disk full),
/// the journal just keeps growing.
fn caught_up(ingested: &watch::Receiver<i64>, appended: i64) -> bool {
    let deadline = std::time::Instant::now() + CATCH_UP_WAIT;
    loop {
        if *ingested.borrow() >= appended {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

fn is_disk_full(e: &StoreError) -> bool {
    match e {
        StoreError::Io { source, .. } => {
            source.kind() == std::io::ErrorKind::StorageFull || source.raw_os_error() == Some(28)
        }
        other => other.is_disk_full(),
    }
}
