//! SQL of the analysis: mapping references, mappings, stored checks, and the
//! captures the diff, schema and checks read. Functions run on whatever
//! connection they are given (the writer's, a reader, or the CLI's read-only one).

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::diff::{CaptureRef, DiffSide};
use super::mapping::{Mapping, MappingCheck, MappingReference, RefField, Source};
use crate::model::Header;
use crate::store::{Blobs, StoreError, StoredBody};

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn body_bytes(blobs: &Blobs, body: StoredBody) -> Result<bytes::Bytes, StoreError> {
    match body {
        StoredBody::Inline(b) => Ok(b),
        StoredBody::External(sha) => blobs.read(&sha),
    }
}

fn stored(body: Vec<u8>, external: bool, sha: &str) -> StoredBody {
    if external { StoredBody::External(sha.to_owned()) } else { StoredBody::Inline(body.into()) }
}

/// What the diff needs of a capture.
pub fn diff_side(conn: &Connection, blobs: &Blobs, id: i64) -> Result<DiffSide, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, endpoint_id, method, path, received_at, query, headers, content_type,
                    body, body_external, body_sha256
             FROM captures WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    CaptureRef {
                        id: r.get(0)?,
                        endpoint_id: r.get(1)?,
                        method: r.get(2)?,
                        path: r.get(3)?,
                        received_at: r.get(4)?,
                    },
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Vec<u8>>(8)?,
                    r.get::<_, bool>(9)?,
                    r.get::<_, String>(10)?,
                ))
            },
        )
        .optional()?
        .ok_or(StoreError::NotFound("capture"))?;
    let (capture, query, headers, content_type, body, external, sha) = row;
    let headers: Vec<Header> = serde_json::from_str(&headers).map_err(|e| corrupt("headers", e))?;
    let body = body_bytes(blobs, stored(body, external, &sha))?;
    Ok(DiffSide { capture, query, headers, content_type, body, body_sha256: sha })
}

/// A capture's body decoded (content codings undone, JSON parsed), its query
/// string and endpoint.
pub struct Loaded {
    pub id: i64,
    pub endpoint_id: i64,
    pub query: Option<String>,
    pub decoded: crate::decode::Decoded,
}

pub fn load(conn: &Connection, blobs: &Blobs, id: i64) -> Result<Loaded, StoreError> {
    load_bounded(conn, blobs, id, usize::MAX)?.ok_or(StoreError::NotFound("capture"))
}

/// [`load`], unless the body is over `max` bytes, stored or once its content
/// codings are undone (`None`): work that runs on its own (the mapping checker)
/// must not read, inflate and parse arbitrarily large bodies.
pub fn load_bounded(
    conn: &Connection,
    blobs: &Blobs,
    id: i64,
    max: usize,
) -> Result<Option<Loaded>, StoreError> {
    let (body_size, endpoint_id, query, headers, content_type, body, external, sha) = conn
        .query_row(
            "SELECT body_size, endpoint_id, query, headers, content_type,
                    CASE WHEN body_size <= ?2 THEN body END, body_external, body_sha256
             FROM captures WHERE id = ?1",
            params![id, i64::try_from(max).unwrap_or(i64::MAX)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?
        .ok_or(StoreError::NotFound("capture"))?;
    if usize::try_from(body_size).map_or(true, |n| n > max) {
        return Ok(None);
    }
    let body = body.unwrap_or_default();
    let headers: Vec<Header> = serde_json::from_str(&headers).map_err(|e| corrupt("headers", e))?;
    let encoding = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-encoding"))
        .map(|h| h.value.as_str())
        .collect::<Vec<_>>()
        .join(",");
    // A body file that cannot be read is analysed as empty rather than failing the whole set.
    let body = body_bytes(blobs, stored(body, external, &sha)).unwrap_or_default();
    if max < crate::decode::MAX_DECODED {
        let codings: Vec<String> = encoding
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity")
            .collect();
        if !codings.is_empty()
            && crate::decode::decode_content_encoding(&codings, &body, max).is_ok_and(|(_, cut)| cut)
        {
            return Ok(None);
        }
    }
    let decoded = crate::decode::decode(content_type.as_deref(), Some(&encoding), &body);
    Ok(Some(Loaded { id, endpoint_id, query, decoded }))
}

impl Loaded {
    pub fn source(&self) -> Source {
        Source::new(self.query.as_deref(), &self.decoded)
    }
    pub fn json(&self) -> Option<&Value> {
        self.decoded.json.as_ref()
    }
}

// ---------------------------------------------------------------- references

/// An endpoint's reference and its revision.
pub fn get_reference(
    conn: &Connection,
    endpoint_id: i64,
) -> Result<Option<(MappingReference, i64)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT capture_id, rev, created_at, fields FROM mapping_references WHERE endpoint_id = ?1",
            [endpoint_id],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((capture_id, rev, created_at, fields)) = row else { return Ok(None) };
    let fields: Vec<RefField> = serde_json::from_str(&fields).map_err(|e| corrupt("mapping reference", e))?;
    Ok(Some((MappingReference { endpoint_id, capture_id, created_at, fields }, rev)))
}

/// Set (or replace) an endpoint's reference; the endpoint's stored checks are
/// dropped (they are made again against the new one). Returns the new revision.
pub fn put_reference(conn: &Connection, r: &MappingReference) -> Result<i64, StoreError> {
    crate::store::queries::get_endpoint(conn, r.endpoint_id)?;
    let rev = i64::from_le_bytes(crate::util::random_bytes::<8>()) & i64::MAX;
    conn.execute(
        "INSERT INTO mapping_references (endpoint_id, capture_id, rev, created_at, fields)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(endpoint_id) DO UPDATE SET capture_id = excluded.capture_id, rev = excluded.rev,
             created_at = excluded.created_at, fields = excluded.fields",
        params![r.endpoint_id, r.capture_id, rev, r.created_at, to_json(&r.fields)],
    )?;
    conn.execute("DELETE FROM capture_mapping_checks WHERE endpoint_id = ?1", [r.endpoint_id])?;
    Ok(rev)
}

/// Clear an endpoint's reference and its checks. Returns whether there was
/// one, and the captures whose check went.
pub fn delete_reference(conn: &Connection, endpoint_id: i64) -> Result<(bool, Vec<i64>), StoreError> {
    let n = conn.execute("DELETE FROM mapping_references WHERE endpoint_id = ?1", [endpoint_id])?;
    let mut stmt = conn
        .prepare_cached("DELETE FROM capture_mapping_checks WHERE endpoint_id = ?1 RETURNING capture_id")?;
    let ids = stmt.query_map([endpoint_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok((n > 0, ids))
}

/// Ids of captures of endpoints with a reference that have no stored check,
/// in `(after_id, upto_id]`, oldest first.
///
/// The references drive the loop (`CROSS JOIN` keeps them outer), so with no
/// reference this reads nothing, and with one it seeks that endpoint's
/// captures in the window instead of walking every capture in id order.
pub fn unchecked_captures(
    conn: &Connection,
    after_id: i64,
    upto_id: i64,
    limit: usize,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.endpoint_id FROM mapping_references r
         CROSS JOIN captures c ON c.endpoint_id = r.endpoint_id AND c.id > ?1 AND c.id <= ?2
         WHERE NOT EXISTS (SELECT 1 FROM capture_mapping_checks m WHERE m.capture_id = c.id)
         ORDER BY c.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after_id, upto_id, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Store a check, unless the reference changed (or went) since it was made.
/// Returns whether it was stored.
pub fn store_check(
    conn: &Connection,
    capture_id: i64,
    endpoint_id: i64,
    rev: i64,
    check: &MappingCheck,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT INTO capture_mapping_checks (capture_id, endpoint_id, rev, check_json, issues)
         SELECT ?1, ?2, ?3, ?4, ?5
         WHERE EXISTS (SELECT 1 FROM mapping_references WHERE endpoint_id = ?2 AND rev = ?3)
           AND EXISTS (SELECT 1 FROM captures WHERE id = ?1)
         ON CONFLICT(capture_id) DO UPDATE SET rev = excluded.rev, check_json = excluded.check_json,
             issues = excluded.issues",
        params![capture_id, endpoint_id, rev, to_json(check), check.issues()],
    )?;
    Ok(n > 0)
}

// ---------------------------------------------------------------- mappings

pub fn get_mapping(conn: &Connection, endpoint_id: i64) -> Result<Mapping, StoreError> {
    let rules: Option<String> = conn
        .query_row("SELECT rules FROM mappings WHERE endpoint_id = ?1", [endpoint_id], |r| r.get(0))
        .optional()?;
    match rules {
        Some(s) => Ok(Mapping { rules: serde_json::from_str(&s).map_err(|e| corrupt("mapping", e))? }),
        None => Ok(Mapping::default()),
    }
}

pub fn put_mapping(conn: &Connection, endpoint_id: i64, m: &Mapping) -> Result<(), StoreError> {
    crate::store::queries::get_endpoint(conn, endpoint_id)?;
    conn.execute(
        "INSERT INTO mappings (endpoint_id, rules, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(endpoint_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
        params![endpoint_id, to_json(&m.rules), crate::util::now_ms()],
    )?;
    Ok(())
}

/// Open a data directory's database read-only (works while `serve` runs).
pub fn open_read_only(data_dir: &std::path::Path) -> Result<(Connection, Blobs), StoreError> {
    let db = data_dir.join("hookbench.db");
    if !db.is_file() {
        return Err(StoreError::Io {
            path: db,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no Hookbench database here"),
        });
    }
    let conn = Connection::open_with_flags(
        &db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    crate::store::configure_connection(&conn)?;
    Ok((conn, Blobs::new(data_dir.join("blobs"), crate::store::Durability::Process)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::mapping::TypeChange;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for (_, sql) in crate::store::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute(
            "INSERT INTO endpoints (id, name, slug, created_at, updated_at) VALUES (1, 'e', 's1', 0, 0), (2, 'f', 's2', 0, 0)",
            [],
        )
        .unwrap();
        for (id, ep) in [(1, 1), (2, 1), (3, 2)] {
            conn.execute(
                "INSERT INTO captures (id, endpoint_id, received_at, method, path, http_version, remote_addr,
                    headers, header_source, body_size, body_sha256, body, response_status, response_headers, response_body)
                 VALUES (?1, ?2, 0, 'POST', '/', 'HTTP/1.1', '127.0.0.1:1', '[]', 'wire', 0, '', x'', 200, '[]', '')",
                params![id, ep],
            )
            .unwrap();
        }
        conn
    }

    fn reference(endpoint_id: i64) -> MappingReference {
        MappingReference { endpoint_id, capture_id: Some(1), created_at: 5, fields: Vec::new() }
    }

    #[test]
    fn checks_are_stored_only_against_the_current_reference() {
        let c = conn();
        assert!(unchecked_captures(&c, 0, 99, 10).unwrap().is_empty(), "no reference, nothing to check");
        let rev = put_reference(&c, &reference(1)).unwrap();
        assert_eq!(unchecked_captures(&c, 0, 99, 10).unwrap(), vec![(1, 1), (2, 1)]);
        assert_eq!(unchecked_captures(&c, 1, 99, 10).unwrap(), vec![(2, 1)]);
        assert_eq!(unchecked_captures(&c, 0, 1, 10).unwrap(), vec![(1, 1)], "only up to the window's end");
        assert_eq!(unchecked_captures(&c, 0, 99, 1).unwrap(), vec![(1, 1)], "at most the limit");
        let check = MappingCheck {
            missing: vec!["a".into()],
            type_changed: vec![TypeChange {
                path: "t".into(),
                expected: "string".into(),
                got: "array".into(),
            }],
            ..MappingCheck::default()
        };
        assert!(store_check(&c, 1, 1, rev, &check).unwrap());
        assert!(!store_check(&c, 2, 1, rev + 1, &check).unwrap(), "a stale revision is refused");
        assert!(!store_check(&c, 99, 1, rev, &check).unwrap(), "a deleted capture gets no check");
        assert_eq!(unchecked_captures(&c, 0, 99, 10).unwrap(), vec![(2, 1)]);
        let issues: i64 = c
            .query_row("SELECT issues FROM capture_mapping_checks WHERE capture_id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(issues, 2);

        // Replacing the reference drops the endpoint's checks; deleting a capture drops its check.
        let rev2 = put_reference(&c, &reference(1)).unwrap();
        assert_ne!(rev, rev2);
        assert_eq!(unchecked_captures(&c, 0, 99, 10).unwrap().len(), 2);
        assert!(store_check(&c, 1, 1, rev2, &check).unwrap());
        c.execute("DELETE FROM captures WHERE id = 1", []).unwrap();
        let n: i64 = c.query_row("SELECT count(*) FROM capture_mapping_checks", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);

        assert!(store_check(&c, 2, 1, rev2, &check).unwrap());
        assert_eq!(delete_reference(&c, 1).unwrap(), (true, vec![2]));
        assert_eq!(delete_reference(&c, 1).unwrap(), (false, vec![]));
        assert!(get_reference(&c, 1).unwrap().is_none());
        assert!(matches!(put_reference(&c, &reference(42)), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn mappings_round_trip() {
        let c = conn();
        assert_eq!(get_mapping(&c, 1).unwrap(), Mapping::default());
        let m: Mapping = serde_json::from_value(serde_json::json!({"rules": [
            {"target": "contact.email", "source": "customer.email", "transforms": [{"op": "trim"}]}
        ]}))
        .unwrap();
        put_mapping(&c, 1, &m).unwrap();
        assert_eq!(get_mapping(&c, 1).unwrap(), m);
        assert!(put_mapping(&c, 42, &m).is_err());
    }

    #[test]
    fn deleting_an_endpoint_leaves_nothing_of_it_behind() {
        let c = conn();
        let rev = put_reference(&c, &reference(2)).unwrap();
        put_mapping(&c, 2, &Mapping::default()).unwrap();
        assert!(store_check(&c, 3, 2, rev, &MappingCheck::default()).unwrap());
        crate::search::db::create_filter(&c, 2, "f", "x").unwrap();
        c.execute(
            "INSERT INTO capture_event_ids (capture_id, endpoint_id, event_id, source) VALUES (3, 2, 'e', 'body_hash')",
            [],
        )
        .unwrap();
        crate::store::queries::delete_endpoint(&c, 2).unwrap();
        for table in
            ["mapping_references", "mappings", "capture_mapping_checks", "saved_filters", "capture_event_ids"]
        {
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM {table} WHERE endpoint_id = 2"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
    }
}
