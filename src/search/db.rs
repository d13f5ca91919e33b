//! Store access for search: saved filters, endpoints' event-id sources, the
//! event id index of captures, and deliveries. Functions run on whatever
//! connection they are given (the writer's for changes).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rusqlite::{Connection, OptionalExtension, params};

use super::SavedFilter;
use super::event_id::{self, Deliveries, Delivery, EventIdConfig, EventIdKind, EventIdSource};
use crate::store::StoreError;
use crate::util::now_ms;

/// An endpoint's event-id source (none: body hash). NotFound if no such endpoint.
pub fn event_source(conn: &Connection, endpoint_id: i64) -> Result<Option<EventIdSource>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached("SELECT event_id_kind, event_id_name FROM endpoints WHERE id = ?1")?
        .query_row([endpoint_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (kind, name) = row.ok_or(StoreError::NotFound("endpoint"))?;
    Ok(match (kind.as_deref().and_then(EventIdKind::parse), name) {
        (Some(kind), Some(name)) => Some(EventIdSource { kind, name }),
        _ => None,
    })
}

pub fn event_config(conn: &Connection, endpoint_id: i64) -> Result<EventIdConfig, StoreError> {
    Ok(EventIdConfig { source: event_source(conn, endpoint_id)?, presets: event_id::presets() })
}

/// The settings key of the id up to which captures have their event id recorded.
pub const EVENT_IDS_MARK: &str = "event_ids_upto";

/// What [`record_event_ids`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Captures up to this id have their event id now.
    pub upto: i64,
    /// Captures found to repeat an earlier delivery of their event.
    pub repeats: Vec<i64>,
}

/// Record the event ids of up to `max` captures in `(after, upto]`, oldest
/// first, in the writer's transaction, and move the mark.
///
/// This runs after captures are committed, never in the insert that stores
/// them: the event-id index takes a row and an index entry per capture, which
/// cost as much as storing a small capture itself. The writer runs it when it
/// is idle (and at least every 250 ms under load), and before any read that
/// needs event ids ([`crate::store::Store::event_ids_caught_up`]).
pub fn record_event_ids(
    conn: &Connection,
    after: i64,
    upto: i64,
    max: usize,
) -> Result<Recorded, StoreError> {
    let mut read = conn.prepare_cached(
        "SELECT id, endpoint_id, headers, body, body_external, body_sha256 FROM captures
         WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO capture_event_ids (capture_id, endpoint_id, event_id, source) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut first = conn.prepare_cached(
        "SELECT min(capture_id) FROM capture_event_ids WHERE endpoint_id = ?1 AND event_id = ?2 AND capture_id < ?3",
    )?;
    let mut sources: HashMap<i64, Option<EventIdSource>> = HashMap::new();
    let mut out = Recorded { upto: after, repeats: Vec::new() };
    let mut n = 0;
    let mut rows = read.query(params![after, upto, max as i64])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let endpoint_id: i64 = r.get(1)?;
        let source = match sources.entry(endpoint_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(event_source(conn, endpoint_id)?),
        };
        let headers = r.get_ref(2)?.as_str().unwrap_or_default();
        let external: bool = r.get(4)?;
        let body = r.get_ref(3)?.as_blob_or_null().ok().flatten().unwrap_or_default();
        let sha = r.get_ref(5)?.as_str().unwrap_or_default();
        let (event_id, kind) = event_id::extract(source.as_ref(), headers, (!external).then_some(body), sha);
        insert.execute(params![id, endpoint_id, event_id, kind])?;
        let earlier: Option<i64> = first.query_row(params![endpoint_id, event_id, id], |r| r.get(0))?;
        if earlier.is_some() {
            out.repeats.push(id);
        }
        out.upto = id;
        n += 1;
    }
    if n < max {
        // Nothing more up to `upto` (ids lost to failed commits included).
        out.upto = out.upto.max(upto);
    }
    if out.upto > after {
        crate::store::queries::set_mark(conn, EVENT_IDS_MARK, out.upto)?;
    }
    Ok(out)
}

/// Change an endpoint's event-id source and recompute the event ids of its
/// captures up to `recorded_upto` (later ones get theirs from the new source
/// when they are recorded).
pub fn set_event_source(
    conn: &Connection,
    endpoint_id: i64,
    source: Option<&EventIdSource>,
    recorded_upto: i64,
) -> Result<EventIdConfig, StoreError> {
    let n = conn.execute(
        "UPDATE endpoints SET event_id_kind = ?2, event_id_name = ?3 WHERE id = ?1",
        params![endpoint_id, source.map(|s| s.kind.as_str()), source.map(|s| s.name.as_str())],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("endpoint"));
    }
    let mut read = conn.prepare(
        "SELECT id, headers, body, body_external, body_sha256 FROM captures WHERE endpoint_id = ?1 AND id <= ?2",
    )?;
    let mut write = conn.prepare_cached(
        "INSERT OR REPLACE INTO capture_event_ids (capture_id, endpoint_id, event_id, source)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut rows = read.query(params![endpoint_id, recorded_upto])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let headers: String = r.get(1)?;
        let external: bool = r.get(3)?;
        let sha: String = r.get(4)?;
        let body = r.get_ref(2)?.as_blob_or_null().ok().flatten().unwrap_or_default();
        let (event_id, kind) = event_id::extract(source, &headers, (!external).then_some(body), &sha);
        write.execute(params![id, endpoint_id, event_id, kind])?;
    }
    event_config(conn, endpoint_id)
}

/// Every delivery of a capture's event on its endpoint, oldest first.
pub fn deliveries(conn: &Connection, capture_id: i64) -> Result<Deliveries, StoreError> {
    let (endpoint_id, event_id, source): (i64, String, String) = conn
        .query_row(
            "SELECT endpoint_id, event_id, source FROM capture_event_ids WHERE capture_id = ?1",
            [capture_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound("capture"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.received_at, c.response_status
         FROM capture_event_ids e JOIN captures c ON c.id = e.capture_id
         WHERE e.endpoint_id = ?1 AND e.event_id = ?2 ORDER BY e.capture_id",
    )?;
    let mut items: Vec<Delivery> = Vec::new();
    let rows = stmt.query_map(params![endpoint_id, event_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, u16>(2)?))
    })?;
    for row in rows {
        let (id, received_at, status) = row?;
        let interval_ms = items.last().map(|p| received_at - p.received_at);
        items.push(Delivery { id, received_at, status, interval_ms });
    }
    Ok(Deliveries { event_id, source, items })
}

// ---------------------------------------------------------------- saved filters

fn filter_row(r: &rusqlite::Row) -> rusqlite::Result<SavedFilter> {
    Ok(SavedFilter {
        id: r.get(0)?,
        endpoint_id: r.get(1)?,
        name: r.get(2)?,
        query: r.get(3)?,
        created_at: r.get(4)?,
    })
}

pub fn list_filters(conn: &Connection, endpoint_id: i64) -> Result<Vec<SavedFilter>, StoreError> {
    event_source(conn, endpoint_id)?; // 404 for an unknown endpoint
    let mut stmt = conn.prepare_cached(
        "SELECT id, endpoint_id, name, query, created_at FROM saved_filters WHERE endpoint_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([endpoint_id], filter_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn create_filter(
    conn: &Connection,
    endpoint_id: i64,
    name: &str,
    query: &str,
) -> Result<SavedFilter, StoreError> {
    event_source(conn, endpoint_id)?;
    conn.execute(
        "INSERT INTO saved_filters (endpoint_id, name, query, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![endpoint_id, name, query, now_ms()],
    )?;
    Ok(conn.query_row(
        "SELECT id, endpoint_id, name, query, created_at FROM saved_filters WHERE id = ?1",
        [conn.last_insert_rowid()],
        filter_row,
    )?)
}

pub fn delete_filter(conn: &Connection, endpoint_id: i64, filter_id: i64) -> Result<(), StoreError> {
    let n = conn.execute(
        "DELETE FROM saved_filters WHERE id = ?1 AND endpoint_id = ?2",
        params![filter_id, endpoint_id],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("saved filter"));
    }
    Ok(())
}
