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
