//! WAL checkpoints on their own thread and connection. The writer runs with
//! `wal_autocheckpoint=0`, so a commit never pays for copying the WAL back
//! into the database (and its fsyncs); a passive checkpoint here runs beside
//! the writer without blocking it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::{Durability, StoreError, apply_pragmas};

/// Less often means fewer copies of pages that every commit rewrites.
const EVERY: Duration = Duration::from_millis(500);
/// A passive checkpoint cannot finish while commits keep coming, and the WAL
/// only starts over once one has. Past this many frames (~16 MiB) a RESTART
/// checkpoint briefly holds the writer back so the WAL stays bounded.
const RESTART_AFTER_FRAMES: i64 = 4 * 1024;

pub(super) struct Handle {
    stop: Arc<AtomicBool>,
}

impl Handle {
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Returns (busy, frames in the WAL, frames checkpointed).
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

pub(super) fn spawn(path: &Path, durability: Durability) -> Result<Handle, StoreError> {
    let conn = Connection::open(path)?;
    apply_pragmas(&conn, durability)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("hookbench-store-checkpoint".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EVERY);
                match checkpoint(&conn, "PASSIVE") {
                    Ok((_, frames, _)) if frames > RESTART_AFTER_FRAMES => {
                        if let Err(e) = checkpoint(&conn, "RESTART") {
                            tracing::debug!(error = %e, "restart checkpoint skipped");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "checkpoint skipped"),
                }
            }
        })
        .map_err(|source| StoreError::Io { path: "checkpoint thread".into(), source })?;
    Ok(Handle { stop })
}
