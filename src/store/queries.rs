//! SQL for endpoints, captures and settings. Functions here run on whatever
//! connection they are given: the writer's (inside its transaction) or a reader.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::StoreError;
use crate::model::{Capture, CaptureSummary, Endpoint, Header, HeaderSource, SentResponse, Settings};
use crate::util::{new_slug, now_ms};

/// A request to store, as the capture listener assembled it.
#[derive(Debug, Clone)]
pub struct NewCapture {
    pub endpoint_id: i64,
    pub received_at: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub http_version: String,
    pub remote_addr: String,
    /// The headers as JSON (made by the caller, off the writer thread).
    pub headers_json: String,
    pub header_source: HeaderSource,
    pub content_type: Option<String>,
    /// The bytes, unless `body_external` (then empty).
    pub body: bytes::Bytes,
    /// True when the body was already written to a blob file ([`super::Blobs`]).
    pub body_external: bool,
    pub body_size: i64,
    pub body_sha256: String,
    pub declared_length: Option<i64>,
    pub rejected: Option<String>,
}

/// Where a stored body's bytes are.
#[derive(Debug, Clone)]
pub enum StoredBody {
    Inline(bytes::Bytes),
    /// In a blob file, by SHA-256.
    External(String),
}

fn stored_body(bytes: Vec<u8>, external: bool, sha: String) -> StoredBody {
    if external { StoredBody::External(sha) } else { StoredBody::Inline(bytes::Bytes::from(bytes)) }
}

/// How much of a text body goes into the full-text index.
pub const FTS_BODY_LIMIT: usize = 64 * 1024;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, {
            Box::new(std::io::Error::other(format!("{what}: {e}")))
        })
    })
}

/// Text of a body worth indexing: the first part of it, when it looks like text.
pub(super) fn indexable_text(body: &[u8]) -> String {
    String::from_utf8_lossy(searchable_prefix(body)).into_owned()
}

/// The part of a body that full text sees: its first 64 KiB, or nothing when
/// its first 1 KiB holds a NUL (binary).
pub(super) fn searchable_prefix(body: &[u8]) -> &[u8] {
    let head = &body[..body.len().min(FTS_BODY_LIMIT)];
    if head[..head.len().min(1024)].contains(&0) { &[] } else { head }
}

fn headers_text(headers: &[Header]) -> String {
    let mut s = String::new();
    for h in headers {
        s.push_str(&h.name);
        s.push_str(": ");
        s.push_str(&h.value);
        s.push('\n');
    }
    s
}

/// What storing a capture found out about it. (Whether it repeats an earlier
/// delivery is found later, off the capture path: see `search::db::record_event_ids`.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inserted {
    pub dialect: Option<crate::model::Dialect>,
}

impl NewCapture {
    /// The list row for this capture once stored as `id`.
    pub fn summary(&self, id: i64, status: u16, inserted: Inserted) -> CaptureSummary {
        CaptureSummary {
            id,
            endpoint_id: self.endpoint_id,
            received_at: self.received_at,
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            remote_addr: self.remote_addr.clone(),
            content_type: self.content_type.clone(),
            body_size: self.body_size,
            status,
            rejected: self.rejected.clone(),
            starred: false,
            tags: Vec::new(),
            mapping_issues: None,
            duplicate_of: None,
            dialect: inserted.dialect,
        }
    }

    /// The payload family of the body (only bodies stored in the row are probed).
    pub fn dialect(&self) -> Option<crate::model::Dialect> {
        if self.body_external {
            return None;
        }
        crate::search::dialect::detect(self.content_type.as_deref(), &self.body)
    }
}

/// Insert a capture; returns what the list row needs beyond the capture itself.
pub fn insert_capture(
    conn: &Connection,
    id: i64,
    c: &NewCapture,
    resp: &SentResponse,
) -> Result<Inserted, StoreError> {
    let dialect = c.dialect();
    conn.prepare_cached(
        "INSERT INTO captures (id, endpoint_id, received_at, method, path, query, http_version,
            remote_addr, headers, header_source, content_type, body_size, body_sha256, body,
            body_external, declared_length, rejected, response_status, response_headers, response_body,
            dialect)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        id,
        c.endpoint_id,
        c.received_at,
        c.method,
        c.path,
        c.query,
        c.http_version,
        c.remote_addr,
        c.headers_json,
        c.header_source.as_str(),
        c.content_type,
        c.body_size,
        c.body_sha256,
        if c.body_external { &[][..] } else { &c.body[..] },
        c.body_external,
        c.declared_length,
        c.rejected,
        resp.status,
        json(&resp.headers),
        resp.body,
        dialect.map(|d| d.as_str()),
    ])?;
    Ok(Inserted { dialect })
}

/// The highest capture id ever stored (deleted ones included).
pub fn max_capture_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'captures'), 0),
                    coalesce((SELECT max(id) FROM captures), 0))",
        [],
        |r| r.get(0),
    )?)
}

/// A capture id mark kept in `settings` (0 when never written).
pub fn get_mark(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

pub fn set_mark(conn: &Connection, key: &str, value: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The id up to which captures are in the full-text index.
pub fn indexed_upto(conn: &Connection) -> Result<i64, StoreError> {
    get_mark(conn, "fts_indexed_upto")
}

/// Add up to `max` captures after `upto` to the full-text index; returns the
/// new high-water mark. Runs in the writer's transaction.
pub fn index_captures(
    conn: &Connection,
    blobs: &super::Blobs,
    upto: i64,
    max: usize,
    last_id: i64,
) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, method, path, query, headers, coalesce(substr(body, 1, ?3), x''), body_external, body_sha256
         FROM captures WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![upto, max as i64, FTS_BODY_LIMIT as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            stored_body(r.get(5)?, r.get(6)?, r.get(7)?),
        ))
    })?;
    let mut insert =
        conn.prepare_cached("INSERT INTO captures_fts (rowid, path, headers, body) VALUES (?1, ?2, ?3, ?4)")?;
    let mut high = upto;
    let mut n = 0;
    for row in rows {
        let (id, method, path, query, headers, body) = row?;
        let body = match body {
            StoredBody::Inline(b) => b.to_vec(),
            // A blob that cannot be read still gets its path and headers indexed.
            StoredBody::External(sha) => blobs.read_prefix(&sha, FTS_BODY_LIMIT).unwrap_or_default(),
        };
        let headers: Vec<Header> = serde_json::from_str(&headers).unwrap_or_default();
        let target = match query {
            Some(q) => format!("{method} {path}?{q}"),
            None => format!("{method} {path}"),
        };
        insert.execute(params![id, target, headers_text(&headers), indexable_text(&body)])?;
        high = id;
        n += 1;
    }
    if n < max {
        // Everything written so far is indexed (ids lost to failed commits included).
        high = high.max(last_id);
    }
    set_mark(conn, "fts_indexed_upto", high)?;
    Ok(high)
}

// ---------------------------------------------------------------- endpoints

const ENDPOINT_COLS: &str = "e.id, e.name, e.slug, e.is_default, e.created_at, e.updated_at,
    (SELECT count(*) FROM captures c WHERE c.endpoint_id = e.id),
    (SELECT max(received_at) FROM captures c WHERE c.endpoint_id = e.id),
    (SELECT f.config FROM endpoint_forwards f WHERE f.endpoint_id = e.id)";

fn endpoint_row(r: &Row) -> rusqlite::Result<Endpoint> {
    Ok(Endpoint {
        id: r.get(0)?,
        name: r.get(1)?,
        slug: r.get(2)?,
        url: String::new(),
        is_default: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        capture_count: r.get(6)?,
        last_capture_at: r.get(7)?,
        forward: r.get::<_, Option<String>>(8)?.and_then(|t| serde_json::from_str(&t).ok()),
    })
}

pub(super) fn ensure_default_endpoint(conn: &Connection) -> Result<i64, StoreError> {
    if let Some(id) =
        conn.query_row("SELECT id FROM endpoints WHERE is_default = 1", [], |r| r.get(0)).optional()?
    {
        return Ok(id);
    }
    let now = now_ms();
    conn.execute(
        "INSERT INTO endpoints (name, slug, is_default, created_at, updated_at) VALUES ('Default', ?1, 1, ?2, ?2)",
        params![new_slug(), now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(super) fn load_slugs(conn: &Connection) -> Result<HashMap<String, i64>, StoreError> {
    let mut stmt = conn.prepare("SELECT slug, id FROM endpoints")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn list_endpoints(conn: &Connection) -> Result<Vec<Endpoint>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENDPOINT_COLS} FROM endpoints e ORDER BY e.is_default DESC, e.id"
    ))?;
    let rows = stmt.query_map([], endpoint_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_endpoint(conn: &Connection, id: i64) -> Result<Endpoint, StoreError> {
    conn.query_row(&format!("SELECT {ENDPOINT_COLS} FROM endpoints e WHERE e.id = ?1"), [id], endpoint_row)
        .optional()?
        .ok_or(StoreError::NotFound("endpoint"))
}

pub fn create_endpoint(conn: &Connection, name: &str) -> Result<Endpoint, StoreError> {
    let now = now_ms();
    conn.execute(
        "INSERT INTO endpoints (name, slug, is_default, created_at, updated_at) VALUES (?1, ?2, 0, ?3, ?3)",
        params![name, new_slug(), now],
    )?;
    get_endpoint(conn, conn.last_insert_rowid())
}

pub fn rename_endpoint(conn: &Connection, id: i64, name: &str) -> Result<Endpoint, StoreError> {
    let n = conn.execute(
        "UPDATE endpoints SET name = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, name, now_ms()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("endpoint"));
    }
    get_endpoint(conn, id)
}

/// Give an endpoint a new slug. Returns (old slug, endpoint).
pub fn rotate_endpoint(conn: &Connection, id: i64) -> Result<(String, Endpoint), StoreError> {
    let old = get_endpoint(conn, id)?.slug;
    conn.execute(
        "UPDATE endpoints SET slug = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, new_slug(), now_ms()],
    )?;
    Ok((old, get_endpoint(conn, id)?))
}

/// Delete an endpoint and its captures. Returns its slug.
pub fn delete_endpoint(conn: &Connection, id: i64) -> Result<String, StoreError> {
    let e = get_endpoint(conn, id)?;
    if e.is_default {
        return Err(StoreError::Conflict("the Default endpoint cannot be deleted".into()));
    }
    conn.execute("DELETE FROM captures WHERE endpoint_id = ?1", [id])?;
    conn.execute("DELETE FROM endpoints WHERE id = ?1", [id])?;
    Ok(e.slug)
}

// ---------------------------------------------------------------- captures

/// Filters for the capture list.
#[derive(Debug, Clone, Default)]
pub struct CaptureFilter {
    pub endpoint_id: Option<i64>,
    /// A parsed query ([`crate::search::query`]); a bare word is a substring of
    /// path, headers or text body.
    pub query: Option<crate::search::Expr>,
    /// Only captures with an id below this one (the paging cursor).
    pub before_id: Option<i64>,
    pub limit: usize,
}

const SUMMARY_COLS: &str = "id, endpoint_id, received_at, method, path, query, remote_addr,
    content_type, body_size, response_status, rejected, starred, tags,
    (SELECT m.issues FROM capture_mapping_checks m WHERE m.capture_id = captures.id), dialect,
    (SELECT min(b.capture_id) FROM capture_event_ids a JOIN capture_event_ids b
       ON b.endpoint_id = a.endpoint_id AND b.event_id = a.event_id
     WHERE a.capture_id = captures.id AND b.capture_id < a.capture_id)";

fn summary_row(r: &Row) -> rusqlite::Result<CaptureSummary> {
    Ok(CaptureSummary {
        id: r.get(0)?,
        endpoint_id: r.get(1)?,
        received_at: r.get(2)?,
        method: r.get(3)?,
        path: r.get(4)?,
        query: r.get(5)?,
        remote_addr: r.get(6)?,
        content_type: r.get(7)?,
        body_size: r.get(8)?,
        status: r.get(9)?,
        rejected: r.get(10)?,
        starred: r.get(11)?,
        tags: from_json(&r.get::<_, String>(12)?, "tags")?,
        mapping_issues: r.get(13)?,
        dialect: r.get::<_, Option<String>>(14)?.as_deref().and_then(crate::model::Dialect::parse),
        duplicate_of: r.get(15)?,
    })
}

/// Ids of up to `max` captures a filter finds (newest ones), oldest first.
pub fn capture_ids_matching(
    conn: &Connection,
    endpoint_id: Option<i64>,
    query: Option<crate::search::Expr>,
    max: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    let mut before = None;
    while ids.len() < max {
        let filter = CaptureFilter {
            endpoint_id,
            query: query.clone(),
            before_id: before,
            limit: 500.min(max - ids.len()),
        };
        let page = list_captures(conn, &filter)?;
        let n = page.len();
        before = page.last().map(|s| s.id);
        ids.extend(page.into_iter().map(|s| s.id));
        if n < filter.limit {
            break;
        }
    }
    ids.reverse();
    Ok(ids)
}

pub fn list_captures(conn: &Connection, f: &CaptureFilter) -> Result<Vec<CaptureSummary>, StoreError> {
    let mut sql = format!("SELECT {SUMMARY_COLS} FROM captures WHERE 1=1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(e) = f.endpoint_id {
        args.push(e.into());
        sql.push_str(&format!(" AND endpoint_id = ?{}", args.len()));
    }
    if let Some(b) = f.before_id {
        args.push(b.into());
        sql.push_str(&format!(" AND id < ?{}", args.len()));
    }
    if let Some(query) = &f.query {
        let upto = indexed_upto(conn)?;
        let cond = crate::search::sql::Compiler::new(&mut args, upto).compile(query);
        sql.push_str(" AND ");
        sql.push_str(&cond);
    }
    args.push((f.limit as i64).into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), summary_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_summary(conn: &Connection, id: i64) -> Result<CaptureSummary, StoreError> {
    conn.query_row(&format!("SELECT {SUMMARY_COLS} FROM captures WHERE id = ?1"), [id], summary_row)
        .optional()?
        .ok_or(StoreError::NotFound("capture"))
}

/// A capture without its decoded views, and where its raw body is.
pub fn get_capture(conn: &Connection, id: i64) -> Result<(Capture, StoredBody), StoreError> {
    conn.query_row(
        "SELECT id, endpoint_id, received_at, method, path, query, http_version, remote_addr,
                headers, header_source, content_type, body_size, body_sha256, declared_length,
                rejected, response_status, response_headers, response_body, starred, note, tags, body,
                body_external,
                (SELECT m.check_json FROM capture_mapping_checks m WHERE m.capture_id = captures.id),
                dialect,
                (SELECT event_id FROM capture_event_ids WHERE capture_id = captures.id),
                (SELECT min(b.capture_id) FROM capture_event_ids a JOIN capture_event_ids b
                   ON b.endpoint_id = a.endpoint_id AND b.event_id = a.event_id
                 WHERE a.capture_id = captures.id AND b.capture_id < a.capture_id)
         FROM captures WHERE id = ?1",
        [id],
        |r| {
            let cap = Capture {
                id: r.get(0)?,
                endpoint_id: r.get(1)?,
                received_at: r.get(2)?,
                method: r.get(3)?,
                path: r.get(4)?,
                query: r.get(5)?,
                http_version: r.get(6)?,
                remote_addr: r.get(7)?,
                headers: from_json(&r.get::<_, String>(8)?, "headers")?,
                header_source: HeaderSource::parse(&r.get::<_, String>(9)?),
                content_type: r.get(10)?,
                body_size: r.get(11)?,
                body_sha256: r.get(12)?,
                declared_length: r.get(13)?,
                rejected: r.get(14)?,
                response: SentResponse {
                    status: r.get(15)?,
                    headers: from_json(&r.get::<_, String>(16)?, "response headers")?,
                    body: r.get(17)?,
                },
                starred: r.get(18)?,
                note: r.get(19)?,
                tags: from_json(&r.get::<_, String>(20)?, "tags")?,
                decoded: Default::default(),
                mapping_check: match r.get::<_, Option<String>>(23)? {
                    Some(j) => Some(from_json(&j, "mapping check")?),
                    None => None,
                },
                dialect: r.get::<_, Option<String>>(24)?.as_deref().and_then(crate::model::Dialect::parse),
                event_id: r.get(25)?,
                duplicate_of: r.get(26)?,
            };
            let body = stored_body(r.get(21)?, r.get(22)?, cap.body_sha256.clone());
            Ok((cap, body))
        },
    )
    .optional()?
    .ok_or(StoreError::NotFound("capture"))
}

pub fn get_body(conn: &Connection, id: i64) -> Result<(Option<String>, StoredBody), StoreError> {
    conn.query_row(
        "SELECT content_type, body, body_external, body_sha256 FROM captures WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, stored_body(r.get(1)?, r.get(2)?, r.get(3)?))),
    )
    .optional()?
    .ok_or(StoreError::NotFound("capture"))
}

/// Change the user's marks on a capture.
pub fn update_capture_marks(
    conn: &Connection,
    id: i64,
    starred: Option<bool>,
    note: Option<&str>,
    tags: Option<&[String]>,
) -> Result<CaptureSummary, StoreError> {
    let n = conn.execute(
        "UPDATE captures SET starred = coalesce(?2, starred), note = coalesce(?3, note),
                tags = coalesce(?4, tags) WHERE id = ?1",
        params![id, starred, note, tags.map(|t| json(&t))],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound("capture"));
    }
    get_summary(conn, id)
}

/// Delete a capture. Returns its endpoint id.
pub fn delete_capture(conn: &Connection, id: i64) -> Result<i64, StoreError> {
    conn.query_row("DELETE FROM captures WHERE id = ?1 RETURNING endpoint_id", [id], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound("capture"))
}

// ---------------------------------------------------------------- settings

/// A JSON value kept in `settings` under `key` (None when never written).
pub fn get_json_setting<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    v.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("{key} setting: {e}"))))
        .transpose()
}

pub fn put_json_setting<T: serde::Serialize>(
    conn: &Connection,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, json(value)])?;
    Ok(())
}

pub fn get_settings(conn: &Connection) -> Result<Settings, StoreError> {
    Ok(Settings { retention: get_json_setting(conn, "retention")?.unwrap_or_default() })
}

pub fn put_settings(conn: &Connection, s: &Settings) -> Result<(), StoreError> {
    put_json_setting(conn, "retention", &s.retention)
}

/// Delete captures beyond the retention settings. Starred captures are kept.
pub fn apply_retention(conn: &Connection) -> Result<usize, StoreError> {
    let r = get_settings(conn)?.retention;
    let mut deleted = 0;
    if let Some(secs) = r.max_age_seconds.filter(|s| *s > 0) {
        let cutoff = now_ms() - secs.saturating_mul(1000);
        deleted += conn.execute("DELETE FROM captures WHERE starred = 0 AND received_at < ?1", [cutoff])?;
    }
    if let Some(max) = r.max_captures_per_endpoint.filter(|m| *m >= 0) {
        deleted += conn.execute(
            "DELETE FROM captures WHERE starred = 0 AND id IN (
                SELECT id FROM (
                    SELECT id, row_number() OVER (PARTITION BY endpoint_id ORDER BY id DESC) AS n
                    FROM captures WHERE starred = 0)
                WHERE n > ?1)",
            [max],
        )?;
    }
    Ok(deleted)
}
