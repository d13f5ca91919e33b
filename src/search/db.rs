//! Store access for search: saved filters, endpoints' event-id sources, the
//! event id index of captures, and deliveries. Functions run on whatever
//! connection they are given (the writer's for changes).

use rusqlite::{Connection, OptionalExtension, params};

use super::SavedFilter;
use super::event_id::{self, Deliveries, Delivery, EventIdConfig, EventIdKind, EventIdSource};
use crate::store::{NewCapture, StoreError};
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

/// Record the event id of a capture just inserted (in the same transaction);
/// returns the first earlier delivery of the same event on its endpoint.
pub fn record_event_id(conn: &Connection, id: i64, c: &NewCapture) -> Result<Option<i64>, StoreError> {
    let source = match event_source(conn, c.endpoint_id) {
        Ok(s) => s,
        // The endpoint went away: the capture insert already failed on it.
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let body = (!c.body_external).then_some(&c.body[..]);
    let (event_id, kind) = event_id::extract(source.as_ref(), &c.headers_json, body, &c.body_sha256);
    // A plain INSERT: the capture is new, so there is nothing to replace, and
    // `OR REPLACE` made SQLite journal every page the statement touched so it
    // could undo a replacement half-way (half of the writer's time per capture).
    conn.prepare_cached(
        "INSERT INTO capture_event_ids (capture_id, endpoint_id, event_id, source) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, c.endpoint_id, event_id, kind])?;
    Ok(conn
        .prepare_cached(
            "SELECT min(capture_id) FROM capture_event_ids
             WHERE endpoint_id = ?1 AND event_id = ?2 AND capture_id < ?3",
        )?
        .query_row(params![c.endpoint_id, event_id, id], |r| r.get(0))?)
}

/// Change an endpoint's event-id source and recompute the event ids of its captures.
pub fn set_event_source(
    conn: &Connection,
    endpoint_id: i64,
    source: Option<&EventIdSource>,
) -> Result<EventIdConfig, StoreError> {
    let n = conn.execute(
        "UPDATE endpoints SET event_id_kind = ?2, event_id_name = ?3 WHERE id = ?1",
        params![endpoint_id, source.map(|s| s.kind.as_str()), source.map(|s| s.name.as_str())],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("endpoint"));
    }
    let mut read = conn.prepare(
        "SELECT id, headers, body, body_external, body_sha256 FROM captures WHERE endpoint_id = ?1",
    )?;
    let mut write = conn.prepare_cached(
        "INSERT OR REPLACE INTO capture_event_ids (capture_id, endpoint_id, event_id, source)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut rows = read.query([endpoint_id])?;
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
