//! Checking captures against their endpoint's mapping reference, off the
//! capture path: a task wakes when the writer has committed new captures
//! (the store's `ingested` mark, so nothing is added to the listener, journal
//! or writer), looks for captures of endpoints with a reference that have no
//! stored check, checks them on a reader, stores the results in one write and
//! publishes `capture.updated`. Replacing a reference drops the endpoint's
//! checks and [`recheck_endpoint`] makes them again.

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::db;
use super::mapping::{self, MappingCheck, MappingReference};
use crate::events::Events;
use crate::store::{Store, StoreError};

/// Captures checked per read and write.
const BATCH: usize = 100;
/// Bodies larger than this (stored, or once inflated) are not checked: their
/// `mapping_check` stays null. A check reads, inflates and parses the whole
/// body, and captures may be up to 1 GiB.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Under load, wake at most this often.
const PACE: Duration = Duration::from_millis(100);

/// Start the checker; it ends with `shutdown`.
pub fn spawn(store: Store, events: Events, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            _ = run(store, events) => {}
            _ = shutdown.cancelled() => {}
        }
    })
}

async fn run(store: Store, events: Events) {
    let mut ingested = store.ingested();
    // From the start: captures committed while no checker ran (a crash) are checked too.
    let mut after = 0i64;
    loop {
        // Only captures the writer has committed, and each of them once: the
        // window moves past every capture looked at, so a wake-up under load
        // costs what the new captures cost, not what the whole store does.
        let upto = *ingested.borrow_and_update();
        while after < upto {
            let window = (after, upto);
            let batch = match store.read(move |c| db::unchecked_captures(c, window.0, window.1, BATCH)).await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "mapping checks: listing captures failed");
                    break;
                }
            };
            let full = batch.len() == BATCH;
            let last = batch.last().map(|&(id, _)| id);
            if let Err(e) = check_batch(&store, &events, batch).await {
                tracing::warn!(error = %e, "mapping checks failed; trying again later");
                break;
            }
            after = match (full, last) {
                (true, Some(last)) => last,
                _ => upto,
            };
        }
        if ingested.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(PACE).await;
    }
}

/// Check the given captures (id, endpoint) and store the results.
async fn check_batch(store: &Store, events: &Events, batch: Vec<(i64, i64)>) -> Result<(), StoreError> {
    let reader = store.clone();
    let results: Vec<(i64, i64, i64, MappingCheck)> = store
        .read(move |c| {
            let mut refs: HashMap<i64, Option<(MappingReference, i64)>> = HashMap::new();
            let mut out = Vec::with_capacity(batch.len());
            for (id, endpoint) in batch {
                let reference = match refs.entry(endpoint) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(db::get_reference(c, endpoint)?),
                };
                let Some((reference, rev)) = reference else { continue };
                let loaded = match db::load_bounded(c, reader.blobs(), id, MAX_BODY) {
                    Ok(Some(l)) => l,
                    // Too large to check automatically: left unchecked (null).
                    Ok(None) => continue,
                    // Deleted meanwhile.
                    Err(StoreError::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                out.push((id, endpoint, *rev, mapping::check(&reference.fields, &loaded.source())));
            }
            Ok(out)
        })
        .await?;
    if results.is_empty() {
        return Ok(());
    }
    let stored = store
        .write(move |c, _| {
            let mut stored = Vec::new();
            for (id, endpoint, rev, check) in &results {
                if db::store_check(c, *id, *endpoint, *rev, check)? {
                    stored.push(*id);
                }
            }
            Ok(stored)
        })
        .await?;
    events.publish_updated(store, stored).await
}

/// Check every capture of an endpoint against its (new) reference.
pub async fn recheck_endpoint(store: Store, events: Events, endpoint_id: i64) {
    let mut after = 0i64;
    loop {
        let page = store
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id FROM captures WHERE endpoint_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                )?;
                let rows =
                    stmt.query_map(rusqlite::params![endpoint_id, after, BATCH as i64], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
            })
            .await;
        let ids = match page {
            Ok(ids) if !ids.is_empty() => ids,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, endpoint_id, "rechecking captures failed");
                return;
            }
        };
        after = ids.last().copied().unwrap_or(after);
        if let Err(e) =
            check_batch(&store, &events, ids.into_iter().map(|id| (id, endpoint_id)).collect()).await
        {
            tracing::warn!(error = %e, endpoint_id, "rechecking captures failed");
            return;
        }
    }
}
