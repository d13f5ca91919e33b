//! Group commit to the capture journal, on the request handlers' own threads.
//!
//! A handler queues its capture; if no flush is under way it becomes the
//! *leader*: it takes everything queued, gives each capture its id, writes the
//! batch to the journal with one `write`, answers every handler in it and hands
//! the batch to the store writer for SQLite. Captures that arrive meanwhile
//! queue for the next flush, which the leader starts on a new task, so no
//! request waits for more than one flush besides its own. No thread of its
//! own: a dedicated appender thread cost two thread wake-ups per batch.
//! See [`super::journal`] for why there is a journal at all.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, watch};

use super::journal::{self, Journal, Record};
use super::{Durability, NewCapture, StoreError, writer};
use crate::model::SentResponse;

/// Builds the answer for a capture once its id is known.
pub type Answer = Box<dyn FnOnce(i64) -> SentResponse + Send>;
type Reply = oneshot::Sender<Result<(i64, SentResponse), StoreError>>;

/// Switch to the other journal file once this much is written to the current one.
const SWITCH_AFTER: u64 = 16 * 1024 * 1024;

struct Queue {
    waiting: Vec<(NewCapture, Answer, Reply)>,
    flushing: bool,
    closed: bool,
}

/// Two journal files used in turn: the one not being written is started over
/// (new epoch) once everything in it is in the database, so neither grows
/// without bound and no flush ever waits for the writer.
struct Files {
    journals: [Journal; 2],
    /// The highest id written to each file in its current epoch.
    last_id: [i64; 2],
    current: usize,
    next_id: i64,
    frames: Vec<u8>,
}

pub(super) struct Appender {
    queue: Mutex<Queue>,
    files: Mutex<Files>,
    durability: Durability,
    writer: writer::IngestSender,
    /// The highest id written to the journal.
    pub appended: AtomicI64,
    /// The highest id the writer has committed to SQLite.
    pub ingested: watch::Receiver<i64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Appender {
    pub(super) fn new(
        journals: [Journal; 2],
        next_id: i64,
        durability: Durability,
        writer: writer::IngestSender,
        ingested: watch::Receiver<i64>,
    ) -> Arc<Appender> {
        Arc::new(Appender {
            queue: Mutex::new(Queue { waiting: Vec::new(), flushing: false, closed: false }),
            files: Mutex::new(Files { journals, last_id: [0, 0], current: 0, next_id, frames: Vec::new() }),
            durability,
            writer,
            appended: AtomicI64::new(next_id - 1),
            ingested,
        })
    }

    pub(super) async fn capture(
        self: &Arc<Self>,
        c: NewCapture,
        answer: Answer,
    ) -> Result<(i64, SentResponse), StoreError> {
        let (tx, rx) = oneshot::channel();
        let lead = {
            let mut q = lock(&self.queue);
            if q.closed {
                return Err(StoreError::Closed);
            }
            q.waiting.push((c, answer, tx));
            !std::mem::replace(&mut q.flushing, true)
        };
        if lead {
            self.clone().flush_once();
        }
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Flush what is queued; if more queued meanwhile, lead again on a new task.
    fn flush_once(self: Arc<Self>) {
        let batch = std::mem::take(&mut lock(&self.queue).waiting);
        self.flush(batch);
        let more = {
            let mut q = lock(&self.queue);
            if q.waiting.is_empty() {
                q.flushing = false;
                false
            } else {
                true
            }
        };
        if more {
            tokio::spawn(async move { self.flush_once() });
        }
    }

    fn flush(&self, batch: Vec<(NewCapture, Answer, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let mut f = lock(&self.files);
        let f = &mut *f;
        let mut records = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for (capture, answer, reply) in batch {
            let id = f.next_id;
            f.next_id += 1;
            let sent = answer(id);
            records.push(Record { id, capture, sent });
            replies.push(reply);
        }
        let last = records.last().map_or(0, |r| r.id);
        if f.journals[f.current].written() > SWITCH_AFTER {
            let other = 1 - f.current;
            if *self.ingested.borrow() >= f.last_id[other] {
                match f.journals[other].clear() {
                    Ok(()) => {
                        f.current = other;
                        f.last_id[other] = 0;
                    }
                    Err(e) => tracing::warn!(error = %e, "could not start a capture journal over"),
                }
            }
        }
        let cur = f.current;
        f.frames.clear();
        let epoch = f.journals[cur].epoch();
        for r in &records {
            journal::encode(r, epoch, &mut f.frames);
        }
        match f.journals[cur].append(&f.frames, self.durability == Durability::Power) {
            Ok(()) => {
                f.last_id[cur] = last;
                self.appended.store(last, Ordering::Release);
                // The writer gets the frames, not the records: it allocates
                // and frees what it decodes on its own thread, and the records
                // are freed here, where they were made. Freeing many small
                // allocations on another thread costs the allocator more than
                // decoding them again.
                self.writer.ingest(f.frames.clone(), epoch);
                for (r, reply) in records.into_iter().zip(replies) {
                    let _ = reply.send(Ok((r.id, r.sent)));
                }
            }
            Err(e) => {
                let disk_full = is_disk_full(&e);
                tracing::error!(error = %e, disk_full, "captures could not be journaled");
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Commit { message: e.to_string(), disk_full }));
                }
            }
        }
    }

    /// Refuse new captures and wait until those queued are journaled.
    pub(super) async fn close(&self) {
        lock(&self.queue).closed = true;
        loop {
            {
                let q = lock(&self.queue);
                if !q.flushing && q.waiting.is_empty() {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
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
