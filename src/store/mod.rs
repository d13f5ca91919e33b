//! The store: one SQLite file in WAL mode.
//!
//! All writes go through a single writer thread ([`writer`]) that batches
//! whatever is queued into one transaction, so a burst of captures costs one
//! commit, and every caller gets its answer only after that commit. Reads use a
//! small pool of read-only connections on Tokio's blocking threads.

mod appender;
mod blobs;
mod checkpoint;
pub mod journal;
mod migrate;
pub mod queries;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::{Connection, OpenFlags};

pub use appender::Answer;
pub use blobs::{Blobs, EXTERNAL_THRESHOLD};
pub use migrate::{MIGRATIONS, schema_version};
pub use queries::{CaptureFilter, NewCapture, StoredBody};
pub use writer::OnIngested;
pub use writer::WriterState;

use crate::model::Endpoint;

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Durability {
    /// `synchronous=NORMAL`: a commit survives the process being killed at any
    /// moment (the WAL is in the OS's hands); a power cut may lose the last commits.
    #[default]
    Process,
    /// `synchronous=FULL`: every commit is fsynced, surviving a power cut too.
    Power,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration {name} failed: {source}")]
    Migration { name: String, source: rusqlite::Error },
    #[error("the database was written by a newer Hookbench (schema {found}, this one knows {supported})")]
    TooNew { found: i64, supported: i64 },
    #[error("commit failed: {message}")]
    Commit { message: String, disk_full: bool },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("the store is shut down")]
    Closed,
    #[error("I/O error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// True when the disk (or the database's size limit) is full.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Commit { disk_full, .. } => *disk_full,
            StoreError::Sqlite(e) => is_full(e),
            _ => false,
        }
    }
}

fn is_full(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

/// Cloneable handle on the store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::Handle,
    appender: Arc<appender::Appender>,
    checkpointer: checkpoint::Handle,
    blobs: Blobs,
    readers: Mutex<Vec<Connection>>,
    slugs: RwLock<HashMap<String, i64>>,
    default_endpoint: i64,
    capture_base: RwLock<String>,
    /// The id up to which captures have their event id recorded.
    event_ids: tokio::sync::watch::Receiver<i64>,
    repeats: tokio::sync::broadcast::Sender<Arc<[i64]>>,
}

const READ_POOL: usize = 4;

/// Settings every connection to the database gets.
///
/// The query planner stability guarantee (QPSG) matters for speed: without it
/// the bundled SQLite marks a statement for re-preparing whenever a parameter
/// it might plan around is bound again (`LIMIT ?`, a range bound, a `LIKE`
/// pattern), so a cached statement was parsed and planned again on every
/// execution. That was a third of the writer's time per capture.
pub fn configure_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

fn apply_pragmas(conn: &Connection, durability: Durability) -> rusqlite::Result<()> {
    configure_connection(conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(
        None,
        "synchronous",
        match durability {
            Durability::Process => "NORMAL",
            Durability::Power => "FULL",
        },
    )?;
    Ok(())
}

impl Store {
    /// Open (creating if needed) the database at `path`, apply migrations, make
    /// sure the Default endpoint exists and start the writer.
    ///
    /// `on_ingested` is called (on the writer thread) for every capture once it
    /// is readable from the database.
    pub fn open(path: &Path, durability: Durability, on_ingested: OnIngested) -> Result<Store, StoreError> {
        create_private_file(path)?;
        let mut conn = Connection::open(path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "could not switch the database to WAL mode");
        }
        apply_pragmas(&conn, durability)?;
        migrate::migrate(&mut conn)?;
        let default_endpoint = queries::ensure_default_endpoint(&conn)?;
        let slugs = queries::load_slugs(&conn)?;
        let blobs = Blobs::new(path.parent().unwrap_or(Path::new(".")).join("blobs"), durability);
        // Captures journaled but not yet in the database when the last run
        // ended (it was killed): put them in now, then start a fresh journal.
        let (mut first, mut records) = journal::Journal::open(&path.with_extension("journal"))?;
        let (mut second, more) = journal::Journal::open(&path.with_extension("journal-b"))?;
        records.extend(more);
        records.sort_by_key(|r| r.id);
        let max_id = queries::max_capture_id(&conn)?;
        let missing: Vec<_> = records.into_iter().filter(|r| r.id > max_id).collect();
        if !missing.is_empty() {
            let tx = conn.unchecked_transaction()?;
            for r in &missing {
                if let Err(e) = queries::insert_capture(&tx, r.id, &r.capture, &r.sent) {
                    tracing::warn!(id = r.id, error = %e, "a journaled capture could not be recovered");
                }
            }
            tx.commit()?;
            tracing::info!(recovered = missing.len(), "captures recovered from the journal");
        }
        first.clear()?;
        second.clear()?;
        let (repeats, _) = tokio::sync::broadcast::channel(256);
        let (state, ingested, event_ids) =
            WriterState::load(&conn, blobs.clone(), on_ingested, repeats.clone())?;
        let next_id = *ingested.borrow() + 1;
        // Checkpoints run on a thread of their own so commits never wait for them.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        // 32 MiB of page cache for the writer: batches under load touch many pages.
        conn.pragma_update(None, "cache_size", -32 * 1024)?;
        let checkpointer = checkpoint::spawn(path, durability)?;
        let writer = writer::spawn(conn, state)?;
        let appender =
            appender::Appender::new([first, second], next_id, durability, writer.ingest_sender(), ingested);
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer,
                appender,
                checkpointer,
                blobs,
                readers: Mutex::new(Vec::new()),
                slugs: RwLock::new(slugs),
                default_endpoint,
                capture_base: RwLock::new(String::new()),
                event_ids,
                repeats,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The base URL of the capture listener (`http://127.0.0.1:8787`), used to
    /// build endpoint URLs.
    pub fn set_capture_base(&self, base: &str) {
        *self.inner.capture_base.write().unwrap_or_else(|e| e.into_inner()) =
            base.trim_end_matches('/').to_owned();
    }

    pub fn capture_base(&self) -> String {
        self.inner.capture_base.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Fill in an endpoint's URL from the capture base.
    pub fn with_url(&self, mut e: Endpoint) -> Endpoint {
        let base = self.capture_base();
        e.url = if e.is_default { format!("{base}/") } else { format!("{base}/h/{}", e.slug) };
        e
    }

    /// An endpoint, with its URL.
    pub async fn endpoint(&self, id: i64) -> Result<Endpoint, StoreError> {
        let e = self.read(move |c| queries::get_endpoint(c, id)).await?;
        Ok(self.with_url(e))
    }

    pub fn default_endpoint_id(&self) -> i64 {
        self.inner.default_endpoint
    }

    /// The endpoint id for a slug, from memory (no I/O).
    pub fn endpoint_for_slug(&self, slug: &str) -> Option<i64> {
        self.inner.slugs.read().unwrap_or_else(|e| e.into_inner()).get(slug).copied()
    }

    pub(crate) fn set_slug(&self, old: Option<&str>, new: Option<(&str, i64)>) {
        let mut map = self.inner.slugs.write().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = old {
            map.remove(old);
        }
        if let Some((slug, id)) = new {
            map.insert(slug.to_owned(), id);
        }
    }

    /// Store a capture: resolves with its id and answer once it is durable
    /// (journaled). It is readable through [`Store::caught_up`] soon after.
    pub async fn capture(
        &self,
        c: NewCapture,
        answer: Answer,
    ) -> Result<(i64, crate::model::SentResponse), StoreError> {
        self.inner.appender.capture(c, answer).await
    }

    /// Wait (up to a few seconds) until every capture journaled so far is in
    /// the database, so that reads see every capture a sender was answered for.
    pub async fn caught_up(&self) {
        let target = self.inner.appender.appended.load(std::sync::atomic::Ordering::Acquire);
        let mut rx = self.inner.appender.ingested.clone();
        let wait = rx.wait_for(|v| *v >= target);
        if tokio::time::timeout(std::time::Duration::from_secs(5), wait).await.is_err() {
            tracing::warn!(target, "reading before every capture reached the database");
        }
    }

    /// The id up to which captures are committed, as it changes: work that
    /// follows captures (mapping checks) waits on this, off the capture path.
    pub fn ingested(&self) -> tokio::sync::watch::Receiver<i64> {
        self.inner.appender.ingested.clone()
    }

    /// Resolves once every capture answered for so far has its event id
    /// recorded (they are recorded after the capture is committed, off the
    /// capture path). Reads that show or filter by event ids wait on this.
    pub async fn event_ids_caught_up(&self) {
        self.caught_up().await;
        let target = *self.inner.appender.ingested.borrow();
        if *self.inner.event_ids.borrow() >= target {
            return;
        }
        if let Err(e) = self.inner.writer.catch_up_event_ids().await {
            tracing::warn!(error = %e, "reading before every capture had its event id");
        }
    }

    /// Batches of captures found, after they were committed, to repeat an
    /// earlier delivery of their event (their `duplicate_of` is now set).
    pub fn repeats(&self) -> tokio::sync::broadcast::Receiver<Arc<[i64]>> {
        self.inner.repeats.subscribe()
    }

    /// Run `f` in the writer's current transaction; resolves once it is committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut WriterState) -> Result<T, StoreError> + Send + 'static,
    {
        self.inner.writer.write(f).await
    }

    /// Run `f` on a read connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(f)).await.map_err(|_| StoreError::Closed)?
    }

    /// Run `f` on a read connection on this thread.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure_connection(&c)?;
                self.register_functions(&c)?;
                c
            }
        };
        let out = f(&conn);
        let mut pool = self.inner.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < READ_POOL {
            pool.push(conn);
        }
        out
    }

    /// SQL functions the read queries use: `hb_body_text(body, body_external,
    /// body_sha256)` is the searchable text of a body wherever it is stored.
    fn register_functions(&self, conn: &Connection) -> rusqlite::Result<()> {
        use rusqlite::functions::FunctionFlags;
        let blobs = self.inner.blobs.clone();
        conn.create_scalar_function("hb_body_text", 3, FunctionFlags::SQLITE_UTF8, move |ctx| {
            let external: bool = ctx.get(1)?;
            let prefix = if external {
                let sha: String = ctx.get(2)?;
                blobs.read_prefix(&sha, queries::FTS_BODY_LIMIT).unwrap_or_default()
            } else {
                let body = ctx.get_raw(0).as_blob_or_null().ok().flatten().unwrap_or_default();
                body[..body.len().min(queries::FTS_BODY_LIMIT)].to_vec()
            };
            Ok(queries::indexable_text(&prefix))
        })?;
        // `hb_has_text(value, needle, is_body)`: whether text or bytes hold `needle`
        // (ASCII case-insensitive, like LIKE); a body is searched as the index
        // sees it: its first 64 KiB, and nothing if its first 1 KiB holds a NUL.
        conn.create_scalar_function(
            "hb_has_text",
            3,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let value = match ctx.get_raw(0) {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => b,
                    _ => return Ok(false),
                };
                let needle = ctx.get_raw(1).as_str().unwrap_or_default().as_bytes();
                let is_body: bool = ctx.get(2)?;
                let hay = if is_body { queries::searchable_prefix(value) } else { value };
                Ok(crate::search::body::contains_ci(hay, needle))
            },
        )?;
        // `hb_body_match(body, body_external, body_sha256, spec)`: a `body.<path>:`
        // term (spec: `search::body::BodySpec::encode`) on a JSON body.
        let blobs = self.inner.blobs.clone();
        conn.create_scalar_function(
            "hb_body_match",
            4,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                use crate::search::body::BodySpec;
                let spec = ctx.get_or_create_aux(3, |v| {
                    BodySpec::decode(v.as_str().unwrap_or_default()).ok_or("a body term could not be read")
                })?;
                let external: bool = ctx.get(1)?;
                if external {
                    let sha: String = ctx.get(2)?;
                    // A body that cannot be read matches nothing.
                    return Ok(blobs.read(&sha).is_ok_and(|b| spec.matches(&b)));
                }
                let body = ctx.get_raw(0).as_blob_or_null().ok().flatten().unwrap_or_default();
                Ok(spec.matches(body))
            },
        )?;
        // `hb_header_match(headers, spec)`: a `header.<name>:` term.
        conn.create_scalar_function(
            "hb_header_match",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                use crate::search::body::HeaderSpec;
                let spec = ctx.get_or_create_aux(1, |v| {
                    Ok::<_, std::convert::Infallible>(HeaderSpec::decode(v.as_str().unwrap_or_default()))
                })?;
                let headers = ctx.get_raw(0).as_str().unwrap_or_default();
                Ok(spec.matches(headers))
            },
        )
    }

    /// Large bodies' files.
    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// The bytes of a stored body. Blocking when the body is in a blob file.
    pub fn body_bytes(&self, body: StoredBody) -> Result<bytes::Bytes, StoreError> {
        match body {
            StoredBody::Inline(b) => Ok(b),
            StoredBody::External(sha) => self.inner.blobs.read(&sha),
        }
    }

    /// Ask the writer to finish what is queued and stop. Waits for it.
    pub async fn close(&self) {
        self.inner.appender.close().await;
        self.inner.checkpointer.stop();
        self.inner.writer.close().await;
    }
}

/// Create `path` with owner-only permissions if it does not exist (SQLite gives
/// its -wal and -shm files the same mode).
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::Io { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> Store {
        Store::open(&dir.join("t.db"), Durability::Process, Arc::new(|_, _| {})).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_commit_and_close_drains_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mut tasks = Vec::new();
        for i in 0..200 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                s.write(move |c, _| queries::create_endpoint(c, &format!("e{i}"))).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        store.close().await;
        drop(store);
        let store = open(dir.path());
        let n = store.read(|c| Ok(queries::list_endpoints(c)?.len())).await.unwrap();
        assert_eq!(n, 201, "200 endpoints plus Default");
    }

    #[tokio::test]
    async fn journaled_captures_missing_from_the_database_are_recovered_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let store = open(dir.path());
        store.close().await;
        drop(store);
        // As if the process died after journaling captures 1..=3 and answering,
        // before the writer put them in the database.
        let (mut j, _) = journal::Journal::open(&db.with_extension("journal")).unwrap();
        let mut frames = Vec::new();
        for id in 1..=3 {
            journal::encode(
                &journal::tests::sample(id, format!("body {id}").as_bytes()),
                j.epoch(),
                &mut frames,
            );
        }
        j.append(&frames, true).unwrap();
        drop(j);

        let store = open(dir.path());
        let (cap, body) = store.read(|c| queries::get_capture(c, 2)).await.unwrap();
        assert_eq!(cap.query.as_deref(), Some("a=1&a=2"));
        assert_eq!(&store.body_bytes(body).unwrap()[..], b"body 2");
        // New captures continue after the recovered ids.
        let c = journal::tests::sample(0, b"new").capture;
        let (id, _) = store
            .capture(
                c,
                Box::new(|id| crate::model::SentResponse {
                    status: 200,
                    headers: vec![],
                    body: id.to_string(),
                }),
            )
            .await
            .unwrap();
        assert_eq!(id, 4);
        store.caught_up().await;
        assert_eq!(store.read(|c| queries::get_summary(c, 4)).await.unwrap().body_size, 3);
        store.close().await;
        drop(store);
        // The journal was started over: opening again recovers nothing twice.
        let (_, left) = journal::Journal::open(&db.with_extension("journal")).unwrap();
        assert!(left.iter().all(|r| r.id == 4), "only the last capture's frame may remain");
    }

    async fn capture_body(store: &Store, body: &'static [u8]) -> i64 {
        let mut c = journal::tests::sample(0, body).capture;
        c.body_sha256 = crate::analysis::sha256_hex(body);
        let sent = Box::new(|id: i64| crate::model::SentResponse {
            status: 200,
            headers: vec![],
            body: id.to_string(),
        });
        store.capture(c, sent).await.unwrap().0
    }

    fn event_rows(store: &Store) -> Vec<(i64, String)> {
        store
            .read_blocking(|c| {
                let mut stmt =
                    c.prepare("SELECT capture_id, source FROM capture_event_ids ORDER BY capture_id")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn event_ids_are_recorded_after_the_commit_and_repeats_are_announced() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mut repeats = store.repeats();
        let a = capture_body(&store, b"same").await;
        let b = capture_body(&store, b"other").await;
        let c = capture_body(&store, b"same").await;
        // A reader that needs event ids gets all of them, however far behind the writer is.
        store.event_ids_caught_up().await;
        assert_eq!(
            event_rows(&store),
            [(a, "body_hash".into()), (b, "body_hash".into()), (c, "body_hash".into())]
        );
        let announced =
            tokio::time::timeout(std::time::Duration::from_secs(10), repeats.recv()).await.unwrap().unwrap();
        assert_eq!(&announced[..], [c], "only the repeat is announced");
        assert_eq!(
            store.read(move |conn| queries::get_summary(conn, c)).await.unwrap().duplicate_of,
            Some(a)
        );
        let mark = store.read(|c| queries::get_mark(c, crate::search::db::EVENT_IDS_MARK)).await.unwrap();
        assert_eq!(mark, c);

        // Captures committed but not yet given event ids when the process
        // stopped get them after the next start (the mark is in the database).
        store
            .write(move |conn, _| {
                conn.execute("DELETE FROM capture_event_ids WHERE capture_id = ?1", [c])?;
                queries::set_mark(conn, crate::search::db::EVENT_IDS_MARK, b)
            })
            .await
            .unwrap();
        store.close().await;
        drop(store);
        let store = open(dir.path());
        store.event_ids_caught_up().await;
        assert_eq!(event_rows(&store).len(), 3);
        assert_eq!(
            store.read(move |conn| queries::get_summary(conn, c)).await.unwrap().duplicate_of,
            Some(a)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_captures_get_distinct_ids_and_the_journal_files_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let body = bytes::Bytes::from(vec![b'x'; 100 * 1024]);
        let mut ids = Vec::new();
        // Four waves of 60 concurrent captures (6 MiB each): the switch comes
        // with the first flush after 16 MiB.
        for _wave in 0..4 {
            let mut tasks = Vec::new();
            for _ in 0..60 {
                let (s, body) = (store.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    let mut c = journal::tests::sample(0, b"").capture;
                    c.body_size = body.len() as i64;
                    c.body = body;
                    s.capture(
                        c,
                        Box::new(|id| crate::model::SentResponse {
                            status: 200,
                            headers: vec![],
                            body: id.to_string(),
                        }),
                    )
                    .await
                    .unwrap()
                }));
            }
            for t in tasks {
                let (id, sent) = t.await.unwrap();
                assert_eq!(sent.body, id.to_string(), "each answer is built for its own id");
                ids.push(id);
            }
        }
        ids.sort_unstable();
        assert_eq!(ids, (1..=240).collect::<Vec<_>>(), "ids are distinct and gapless");
        // 24 MiB went through the journal: past 16 MiB the second file takes over.
        let second = std::fs::metadata(dir.path().join("t.journal-b")).unwrap().len();
        assert!(second > 1024 * 1024, "the second journal file was used ({second} bytes)");
        store.caught_up().await;
        let n = store
            .read(|c| {
                Ok(queries::list_captures(c, &CaptureFilter { limit: 500, ..Default::default() })?.len())
            })
            .await
            .unwrap();
        assert_eq!(n, 240);
        store.close().await;
    }

    #[tokio::test]
    async fn a_failing_job_does_not_undo_the_others_in_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let ok = store.write(|c, _| queries::create_endpoint(c, "kept"));
        let bad = store.write(|c, _| {
            queries::create_endpoint(c, "undone")?;
            Err::<(), _>(StoreError::Conflict("refused".into()))
        });
        let (ok, bad) = tokio::join!(ok, bad);
        ok.unwrap();
        assert!(matches!(bad, Err(StoreError::Conflict(_))));
        let names: Vec<String> = store
            .read(|c| Ok(queries::list_endpoints(c)?.into_iter().map(|e| e.name).collect()))
            .await
            .unwrap();
        assert!(names.contains(&"kept".to_owned()));
        assert!(!names.contains(&"undone".to_owned()), "the failed job's savepoint was rolled back");
    }
}
