//! SIGKILL under load: every request that got an answer must be on disk after a
//! restart, byte for byte (0 lost, 0 altered), and the database must stay sound.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::Value;

use crate::common::{Hookbench, capture_id_of, sha256_hex};

const SENDERS: usize = 8;
const ROUNDS: usize = 3;
/// Kill after this much load…
const LOAD_FOR: Duration = Duration::from_millis(1500);
/// …or once this many requests were answered, whichever comes first…
const ENOUGH: usize = 300;
/// …but never before this many (the test must have something to check).
const AT_LEAST: usize = 20;
/// Upper bound on a round's load phase.
const LOAD_LIMIT: Duration = Duration::from_secs(90);
const SIZES: [usize; 8] = [10, 57, 300, 1024, 4096, 16 * 1024, 64 * 1024, 200 * 1024];

/// One request that got a 2xx answer.
#[derive(Debug, Clone)]
struct Sent {
    id: i64,
    method: &'static str,
    path: String,
    len: usize,
    sha256: String,
}

/// A body unique to (round, task, seq): it starts with that triple; text or binary filler.
fn body_for(round: usize, task: usize, seq: usize) -> (Vec<u8>, &'static str) {
    let tag = format!("{round}.{task}.{seq};");
    let size = SIZES[(seq * 3 + task) % SIZES.len()].max(tag.len());
    let mut body = tag.into_bytes();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ ((round as u64) << 48 | (task as u64) << 32 | seq as u64);
    let binary = seq % 2 == 1;
    while body.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes()[3];
        body.push(if binary { b } else { b"abcdefghijklmnopqrstuvwxyz0123456789 \n"[usize::from(b) % 38] });
    }
    (body, if binary { "application/octet-stream" } else { "text/plain" })
}

async fn sender(
    client: reqwest::Client,
    base: String,
    slug: String,
    round: usize,
    task: usize,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
) -> Vec<Sent> {
    let mut out = Vec::new();
    let mut seq = 0;
    while !stop.load(Ordering::SeqCst) {
        let (body, content_type) = body_for(round, task, seq);
        let method = if seq % 3 == 2 { "PUT" } else { "POST" };
        let path = format!("/h/{slug}/crash/{round}/{task}/{seq}");
        seq += 1;
        let sha256 = sha256_hex(&body);
        let len = body.len();
        let req = client
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{base}{path}"))
            .header("content-type", content_type)
            .body(body);
        match req.send().await {
            Ok(resp) => {
                // The answer's head came back: the capture was committed before it was sent.
                assert!(resp.status().is_success(), "a request was answered {}", resp.status());
                out.push(Sent { id: capture_id_of(resp.headers()), method, path, len, sha256 });
                answered.fetch_add(1, Ordering::SeqCst);
                let _ = resp.bytes().await;
            }
            // The server is gone (killed): keep trying until told to stop.
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    out
}

/// Check a database file directly: SQLite's own checks, and a row for every
/// answered request with its endpoint, method, path and body hash. (The bytes
/// themselves are compared through the API after the restart: big bodies may
/// live outside the database.)
fn check_database(db: &Path, endpoint: i64, answered: &[Sent]) {
    let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("opening {}: {e}", db.display()));
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok", "PRAGMA integrity_check on {}", db.display());
    let fk_problems: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(fk_problems, 0, "foreign key check");
    let mut stmt = conn
        .prepare("SELECT endpoint_id, method, path, body_sha256, body_size FROM captures WHERE id = ?1")
        .unwrap();
    let mut lost = Vec::new();
    let mut altered = Vec::new();
    for s in answered {
        let row = stmt.query_row([s.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        });
        match row {
            Err(rusqlite::Error::QueryReturnedNoRows) => lost.push(s.id),
            Err(e) => panic!("reading capture {}: {e}", s.id),
            Ok((e, method, path, sha, size)) => {
                if e != endpoint
                    || method != s.method
                    || path != s.path
                    || sha != s.sha256
                    || size != s.len as i64
                {
                    altered.push(s.id);
                }
            }
        }
    }
    assert!(
        lost.is_empty() && altered.is_empty(),
        "{}: {} answered, {} lost {:?}, {} altered {:?}",
        db.display(),
        answered.len(),
        lost.len(),
        &lost[..lost.len().min(20)],
        altered.len(),
        &altered[..altered.len().min(20)]
    );
}

/// Copy the store's files as the kill left them (database and capture
/// journal), let the store's own recovery run on the copy, and check it
/// directly. The restarted server then recovers the originals itself.
fn check_snapshot(data_dir: &Path, into: &Path, endpoint: i64, answered: &[Sent]) {
    std::fs::create_dir_all(into).unwrap();
    for name in
        ["hookbench.db", "hookbench.db-wal", "hookbench.db-shm", "hookbench.journal", "hookbench.journal-b"]
    {
        let from = data_dir.join(name);
        if from.exists() {
            std::fs::copy(&from, into.join(name)).unwrap();
        }
    }
    let db = into.join("hookbench.db");
    let store =
        hookbench::store::Store::open(&db, hookbench::store::Durability::Process, Arc::new(|_, _| {}))
            .unwrap_or_else(|e| panic!("recovering {}: {e}", db.display()));
    drop(store);
    check_database(&db, endpoint, answered);
}

/// Check every answered request through the control API of the restarted server.
async fn check_api(hb: &Hookbench, endpoint: i64, answered: &[Sent]) {
    let problems: Vec<String> = futures_util::stream::iter(answered.iter().cloned())
        .map(|s| async move {
            let (status, c) = hb.call(reqwest::Method::GET, &format!("/captures/{}", s.id), None).await;
            if status != 200 {
                return Some(format!("capture {} lost ({status})", s.id));
            }
            let same = c["endpoint_id"] == endpoint
                && c["method"] == s.method
                && c["path"] == s.path.as_str()
                && c["body_sha256"] == s.sha256.as_str()
                && c["body_size"] == s.len
                && c["rejected"] == Value::Null
                && c["response"]["status"] == 200;
            if !same {
                return Some(format!(
                    "capture {} altered: {} {} {}",
                    s.id, c["method"], c["path"], c["body_sha256"]
                ));
            }
            let body = hb.get_body(s.id).await;
            (sha256_hex(&body) != s.sha256)
                .then(|| format!("capture {}: /body differs from what was sent", s.id))
        })
        .buffer_unordered(8)
        .filter_map(|p| async move { p })
        .collect()
        .await;
    assert!(
        problems.is_empty(),
        "{} of {} answered requests: {:?}",
        problems.len(),
        answered.len(),
        problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answered_requests_survive_sigkill_under_load() {
    let mut hb = Hookbench::start().await;
    let e = hb.create_endpoint_full("crash").await;
    let endpoint = e["id"].as_i64().unwrap();
    let slug = e["slug"].as_str().unwrap().to_owned();
    let scratch = tempfile::tempdir().unwrap();
    let mut answered: Vec<Sent> = Vec::new();

    for round in 0..ROUNDS {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..SENDERS)
            .map(|task| {
                tokio::spawn(sender(
                    client.clone(),
                    hb.capture_url.clone(),
                    slug.clone(),
                    round,
                    task,
                    stop.clone(),
                    count.clone(),
                ))
            })
            .collect();
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let n = count.load(Ordering::SeqCst);
            if n >= AT_LEAST && (started.elapsed() >= LOAD_FOR || n >= ENOUGH) {
                break;
            }
            assert!(started.elapsed() < LOAD_LIMIT, "only {n} requests answered in {LOAD_LIMIT:?}");
        }
        hb.kill(); // SIGKILL, with the senders still sending
        stop.store(true, Ordering::SeqCst);
        let mut this_round = 0;
        for s in senders {
            let sent = tokio::time::timeout(Duration::from_secs(60), s)
                .await
                .expect("a sender did not stop")
                .expect("a sender failed");
            this_round += sent.len();
            answered.extend(sent);
        }
        assert!(this_round >= AT_LEAST);
        let ids: HashSet<i64> = answered.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), answered.len(), "two answered requests share a capture id");

        check_snapshot(&hb.data_dir, &scratch.path().join(format!("round-{round}")), endpoint, &answered);
        hb.restart().await;
        check_api(&hb, endpoint, &answered).await;
        let listed = hb.get_json(&format!("/endpoints/{endpoint}")).await["capture_count"].as_u64().unwrap();
        assert!(listed as usize >= answered.len(), "{listed} stored < {} answered", answered.len());
        eprintln!(
            "crash round {round}: {this_round} answered before SIGKILL, {} checked in all",
            answered.len()
        );
    }

    // The real file after a last SIGKILL (no restart in between).
    hb.kill();
    check_database(&hb.data_dir.join("hookbench.db"), endpoint, &answered);
}
