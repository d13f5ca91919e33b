//! The execution log: every send, replay and forward, with the request exactly
//! as written, the response, timing and any error. Secrets are kept as sent
//! (the log is the user's own) but masked in everything the log shows.

use base64::Engine as _;
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::spec::FieldDiagnostic;
use super::wire::{Head, MASK, Response, mask};
use crate::model::Header;
use crate::store::StoreError;

/// Why a request was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    /// Built in the request builder, `hookbench send`, or the API.
    Send,
    /// A capture replayed.
    Replay,
    /// A capture forwarded as it arrived.
    Forward,
    /// One item of a bulk replay.
    Bulk,
}

impl SendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Send => "send",
            SendKind::Replay => "replay",
            SendKind::Forward => "forward",
            SendKind::Bulk => "bulk",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "send" => SendKind::Send,
            "replay" => SendKind::Replay,
            "forward" => SendKind::Forward,
            "bulk" => SendKind::Bulk,
            _ => return None,
        })
    }
}

/// The request as it went out (secrets masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub http_version: String,
    /// In order, as written.
    pub headers: Vec<Header>,
    /// The head exactly as written, secrets masked.
    pub head: String,
    /// The body as text (invalid UTF-8 replaced); `body_base64` holds the bytes when it is not text.
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub body_base64: Option<String>,
    #[ts(type = "number")]
    pub body_size: i64,
}

/// The target's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ReceivedResponse {
    pub status: u16,
    pub reason: String,
    pub http_version: String,
    pub headers: Vec<Header>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub body_base64: Option<String>,
    #[ts(type = "number")]
    pub body_size: i64,
    /// The body was longer than the 25 MiB kept; the rest was not read.
    pub truncated: bool,
}

/// A redirect that was followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Redirect {
    pub status: u16,
    /// Where it pointed.
    pub url: String,
}

/// One entry of the execution log (or a dry run, which has no id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct StoredSend {
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    #[ts(type = "number")]
    pub created_at: i64,
    pub kind: SendKind,
    /// The capture replayed or forwarded.
    #[ts(type = "number | null")]
    pub capture_id: Option<i64>,
    /// The bulk replay this was part of.
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
    pub dry_run: bool,
    pub request: SentRequest,
    pub response: Option<ReceivedResponse>,
    /// Why there is no response (connection refused, timeout, TLS, a token that could not be fetched…).
    pub error: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    pub redirects: Vec<Redirect>,
    /// Template warnings (unknown tags render empty) and adjustments made.
    pub diagnostics: Vec<FieldDiagnostic>,
}

/// A row of the execution log list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SendSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub created_at: i64,
    pub kind: SendKind,
    #[ts(type = "number | null")]
    pub capture_id: Option<i64>,
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    #[ts(type = "number")]
    pub request_size: i64,
    #[ts(type = "number | null")]
    pub response_size: Option<i64>,
}

/// A page of the log, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SendPage {
    pub items: Vec<SendSummary>,
    /// Pass as `cursor` for the next (older) page; null at the end.
    pub next_cursor: Option<String>,
}

/// What is written to the log.
#[derive(Debug, Clone)]
pub struct Record {
    pub created_at: i64,
    pub kind: SendKind,
    pub capture_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub method: String,
    /// Secrets already masked.
    pub url: String,
    pub head: Head,
    pub body: Bytes,
    pub response: Option<Response>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    pub redirects: Vec<Redirect>,
    pub diagnostics: Vec<FieldDiagnostic>,
}

fn text_and_base64(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), None),
        Err(_) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    }
}

/// The header lines of a head we wrote, with secret values masked.
fn head_headers(head: &Head) -> Vec<Header> {
    let b = &head.bytes;
    let mut out = Vec::new();
    let mut at = match memchr::memmem::find(b, b"\r\n") {
        Some(i) => i + 2,
        None => return out,
    };
    while let Some(len) = memchr::memmem::find(&b[at..], b"\r\n") {
        if len == 0 {
            break;
        }
        let line = &b[at..at + len];
        if let Some(colon) = memchr::memchr(b':', line) {
            let vstart = at + colon + 1 + line[colon + 1..].iter().take_while(|c| **c == b' ').count();
            let vend = at + len;
            let secret = head.secrets.iter().any(|(s, e)| *s < vend && *e > vstart);
            let value = if secret { MASK.as_bytes() } else { &b[vstart..vend] };
            out.push(Header::from_bytes(&line[..colon], value));
        }
        at += len + 2;
    }
    out
}

impl Record {
    pub fn to_stored(&self, id: Option<i64>, dry_run: bool) -> StoredSend {
        let body_secrets = self.head.body_secrets();
        let (body, body_base64) = if body_secrets.is_empty() {
            text_and_base64(&self.body)
        } else {
            text_and_base64(&mask(&self.body, &body_secrets))
        };
        let request = SentRequest {
            method: self.method.clone(),
            url: self.url.clone(),
            http_version: "HTTP/1.1".into(),
            headers: head_headers(&self.head),
            head: String::from_utf8_lossy(&mask(&self.head.bytes, &self.head.secrets)).into_owned(),
            body,
            body_base64,
            body_size: self.body.len() as i64,
        };
        let response = self.response.as_ref().map(|r| {
            let (body, body_base64) = text_and_base64(&r.body);
            ReceivedResponse {
                status: r.status,
                reason: r.reason.clone(),
                http_version: r.version.clone(),
                headers: r
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        let name = String::from_utf8_lossy(n);
                        if n.eq_ignore_ascii_case(b"set-cookie") {
                            Header::new(name, MASK)
                        } else {
                            Header::from_bytes(n, v)
                        }
                    })
                    .collect(),
                body,
                body_base64,
                body_size: r.body.len() as i64,
                truncated: r.truncated,
            }
        });
        StoredSend {
            id,
            created_at: self.created_at,
            kind: self.kind,
            capture_id: self.capture_id,
            batch_id: self.batch_id,
            dry_run,
            request,
            response,
            error: self.error.clone(),
            duration_ms: self.duration_ms,
            redirects: self.redirects.clone(),
            diagnostics: self.diagnostics.clone(),
        }
    }

    pub fn summary(&self, id: i64) -> SendSummary {
        SendSummary {
            id,
            created_at: self.created_at,
            kind: self.kind,
            capture_id: self.capture_id,
            batch_id: self.batch_id,
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.response.as_ref().map(|r| r.status),
            error: self.error.clone(),
            duration_ms: self.duration_ms,
            request_size: self.body.len() as i64,
            response_size: self.response.as_ref().map(|r| r.body.len() as i64),
        }
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {e}").into())
}

/// Append a record; its id.
pub fn insert(conn: &Connection, r: &Record) -> Result<i64, StoreError> {
    let resp = r.response.as_ref();
    let resp_headers =
        resp.map(|r| json(&r.headers.iter().map(|(n, v)| Header::from_bytes(n, v)).collect::<Vec<_>>()));
    conn.prepare_cached(
        "INSERT INTO sends (created_at, kind, capture_id, batch_id, method, url, request_head,
             request_secrets, request_body, response_status, response_reason, response_version,
             response_headers, response_body, response_truncated, error, duration_ms, redirects, diagnostics)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        r.created_at,
        r.kind.as_str(),
        r.capture_id,
        r.batch_id,
        r.method,
        r.url,
        r.head.bytes,
        json(&r.head.secrets),
        &r.body[..],
        resp.map(|r| r.status),
        resp.map(|r| r.reason.as_str()),
        resp.map(|r| r.version.as_str()),
        resp_headers,
        resp.map(|r| &r.body[..]),
        resp.is_some_and(|r| r.truncated),
        r.error,
        r.duration_ms,
        json(&r.redirects),
        json(&r.diagnostics),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// One record by id.
pub fn get(conn: &Connection, id: i64) -> Result<Record, StoreError> {
    conn.query_row(
        "SELECT created_at, kind, capture_id, batch_id, method, url, request_head, request_secrets,
                request_body, response_status, response_reason, response_version, response_headers,
                response_body, response_truncated, error, duration_ms, redirects, diagnostics
         FROM sends WHERE id = ?1",
        [id],
        |row| {
            let secrets: String = row.get(7)?;
            let status: Option<u16> = row.get(9)?;
            let response = match status {
                None => None,
                Some(status) => {
                    let headers: Vec<Header> =
                        serde_json::from_str(&row.get::<_, Option<String>>(12)?.unwrap_or_default())
                            .map_err(|e| corrupt("response headers", e))?;
                    Some(Response {
                        version: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                        status,
                        reason: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
                        headers: headers
                            .into_iter()
                            .map(|h| (h.name.as_bytes().to_vec(), h.raw_value()))
                            .collect(),
                        body: Bytes::from(row.get::<_, Option<Vec<u8>>>(13)?.unwrap_or_default()),
                        truncated: row.get(14)?,
                        reusable: false,
                    })
                }
            };
            Ok(Record {
                created_at: row.get(0)?,
                kind: SendKind::parse(&row.get::<_, String>(1)?).unwrap_or(SendKind::Send),
                capture_id: row.get(2)?,
                batch_id: row.get(3)?,
                method: row.get(4)?,
                url: row.get(5)?,
                head: Head {
                    bytes: row.get(6)?,
                    secrets: serde_json::from_str(&secrets).map_err(|e| corrupt("request secrets", e))?,
                },
                body: Bytes::from(row.get::<_, Vec<u8>>(8)?),
                response,
                error: row.get(15)?,
                duration_ms: row.get(16)?,
                redirects: serde_json::from_str(&row.get::<_, String>(17)?)
                    .map_err(|e| corrupt("redirects", e))?,
                diagnostics: serde_json::from_str(&row.get::<_, String>(18)?)
                    .map_err(|e| corrupt("diagnostics", e))?,
            })
        },
    )
    .optional()?
    .ok_or(StoreError::NotFound("request"))
}

/// Which log entries to list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Text anywhere: URL, error, request head and body, response body.
    pub q: Option<String>,
    pub kind: Option<SendKind>,
    pub capture_id: Option<i64>,
    pub batch_id: Option<i64>,
    /// `200`, `4xx`, or `error` (no response).
    pub status: Option<String>,
    /// Older than this id.
    pub before: Option<i64>,
    pub limit: usize,
}

/// A `status` filter as SQL bounds: (min, max) of the status, or `None` for "no response".
pub fn status_range(s: &str) -> Result<Option<(i64, i64)>, String> {
    let s = s.trim().to_ascii_lowercase();
    if s == "error" {
        return Ok(None);
    }
    if let Some(d) = s.strip_suffix("xx")
        && let Ok(d) = d.parse::<i64>()
        && (1..=5).contains(&d)
    {
        return Ok(Some((d * 100, d * 100 + 99)));
    }
    match s.parse::<i64>() {
        Ok(n) if (100..=999).contains(&n) => Ok(Some((n, n))),
        _ => Err(format!("status must be a code (200), a class (4xx) or \"error\", not {s:?}")),
    }
}

pub fn list(conn: &Connection, f: &LogFilter) -> Result<Vec<SendSummary>, StoreError> {
    let mut sql = String::from(
        "SELECT id, created_at, kind, capture_id, batch_id, method, url, response_status, error, duration_ms,
                length(request_body), length(response_body)
         FROM sends WHERE id < ?1",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![f.before.unwrap_or(i64::MAX).into()];
    let mut arg = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(k) = f.kind {
        arg(&mut sql, " AND kind = ?", k.as_str().to_owned().into());
    }
    if let Some(c) = f.capture_id {
        arg(&mut sql, " AND capture_id = ?", c.into());
    }
    if let Some(b) = f.batch_id {
        arg(&mut sql, " AND batch_id = ?", b.into());
    }
    if let Some(s) = &f.status {
        match status_range(s).map_err(StoreError::Conflict)? {
            None => sql.push_str(" AND response_status IS NULL"),
            Some((lo, hi)) => {
                arg(&mut sql, " AND response_status >= ?", lo.into());
                arg(&mut sql, " AND response_status <= ?", hi.into());
            }
        }
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        arg(
            &mut sql,
            " AND (hb_has_text(url, ?, 0) OR hb_has_text(method, ?, 0) OR hb_has_text(error, ?, 0)
                   OR hb_has_text(request_head, ?, 0) OR hb_has_text(request_body, ?, 1)
                   OR hb_has_text(response_body, ?, 1) OR CAST(response_status AS TEXT) = ?)",
            q.trim().to_owned().into(),
        );
    }
    arg(&mut sql, " ORDER BY id DESC LIMIT ?", (f.limit as i64).into());
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(SendSummary {
            id: r.get(0)?,
            created_at: r.get(1)?,
            kind: SendKind::parse(&r.get::<_, String>(2)?).unwrap_or(SendKind::Send),
            capture_id: r.get(3)?,
            batch_id: r.get(4)?,
            method: r.get(5)?,
            url: r.get(6)?,
            status: r.get(7)?,
            error: r.get(8)?,
            duration_ms: r.get(9)?,
            request_size: r.get(10)?,
            response_size: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    match conn.execute("DELETE FROM sends WHERE id = ?1", [id])? {
        0 => Err(StoreError::NotFound("request")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_read_codes_classes_and_errors() {
        assert_eq!(status_range("4xx"), Ok(Some((400, 499))));
        assert_eq!(status_range("201"), Ok(Some((201, 201))));
        assert_eq!(status_range("error"), Ok(None));
        assert!(status_range("6xx").is_err() && status_range("abc").is_err());
    }

    #[test]
    fn header_lines_are_read_back_with_secrets_masked() {
        let bytes = b"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer x\r\nX-A:  b\r\n\r\n".to_vec();
        let at = bytes.windows(8).position(|w| w == b"Bearer x").unwrap();
        let head = Head { bytes, secrets: vec![(at, at + 8)] };
        let h = head_headers(&head);
        assert_eq!(
            h,
            vec![Header::new("Host", "h"), Header::new("Authorization", MASK), Header::new("X-A", "b")]
        );
    }
}
