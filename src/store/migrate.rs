//! Numbered migrations, applied in order, each atomically with its version.
//!
//! The version lives in `PRAGMA user_version`. All pending migrations run in one
//! `BEGIN IMMEDIATE` transaction, so a crash mid-way leaves the previous schema
//! whole, and two processes opening the same file never both migrate it. A
//! database newer than this binary is refused rather than misread.

use rusqlite::Connection;

use super::StoreError;

/// The migrations, in order. Never edit one that has shipped: add a new one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    ("0002_analysis", include_str!("migrations/0002_analysis.sql")),
    ("0003_search", include_str!("migrations/0003_search.sql")),
    ("0004_event_ids_later", include_str!("migrations/0004_event_ids_later.sql")),
    ("0005_sends", include_str!("migrations/0005_sends.sql")),
    ("0006_bulk_replays", include_str!("migrations/0006_bulk_replays.sql")),
    ("0007_forwards", include_str!("migrations/0007_forwards.sql")),
    ("0008_library", include_str!("migrations/0008_library.sql")),
];

pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let latest = MIGRATIONS.len() as i64;
    if schema_version(conn)? == latest {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = schema_version(&tx)?;
    if current > latest {
        return Err(StoreError::TooNew { found: current, supported: latest });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql).map_err(|e| StoreError::Migration { name: (*name).to_owned(), source: e })?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), MIGRATIONS.len() as i64);
        migrate(&mut conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'captures_fts'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "FTS5 with trigram is compiled in");
    }

    #[test]
    fn search_migration_gives_existing_captures_their_body_hash_as_event_id() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO endpoints (id, name, slug, created_at, updated_at) VALUES (7, 'e', 's', 0, 0);
             INSERT INTO captures (id, endpoint_id, received_at, method, path, http_version, remote_addr,
                 headers, header_source, body_size, body_sha256, body, response_status, response_headers,
                 response_body)
             VALUES (3, 7, 0, 'POST', '/', 'HTTP/1.1', 'x', '[]', 'wire', 0, 'abc', x'', 200, '[]', '');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (i64, String, String) = conn
            .query_row(
                "SELECT endpoint_id, event_id, source FROM capture_event_ids WHERE capture_id = 3",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, (7, "abc".to_owned(), "body_hash".to_owned()));
        conn.execute("DELETE FROM captures WHERE id = 3", []).unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM capture_event_ids", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "deleting a capture deletes its event id");
    }

    #[test]
    fn refuses_a_newer_database() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 999, .. }), "{err}");
    }

    #[test]
    fn a_failing_migration_leaves_nothing_behind() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch("CREATE TABLE endpoints (x)").unwrap();
        tx.commit().unwrap();
        // 0001 fails on the existing table: the version must stay at 0.
        assert!(migrate(&mut conn).is_err());
        assert_eq!(schema_version(&conn).unwrap(), 0);
        let n: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'captures'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "no half-applied schema");
    }
}
