//! The process around the engine: the token and data directory, file modes, the
//! single-instance lock, and clean exits on SIGTERM and SIGINT.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use reqwest::StatusCode;

use crate::common::{EventStream, Hookbench, anon_client, serve_once};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

async fn status_with_token(hb: &Hookbench, token: &str) -> StatusCode {
    anon_client().get(hb.api("/endpoints")).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn the_token_is_kept_in_the_data_dir_across_restarts() {
    let mut hb = Hookbench::start().await;
    let first = hb.token.clone();
    assert!(first.len() >= 40, "a long random token: {first}");
    let kept = std::fs::read_to_string(hb.data_dir.join("token")).unwrap();
    assert_eq!(kept.trim(), first);

    hb.restart().await; // SIGKILL, then start again without --token
    assert_eq!(hb.token, first);
    assert_eq!(status_with_token(&hb, &first).await, StatusCode::OK);

    let status = hb.signal_and_wait("TERM");
    assert!(status.success(), "{status}");
    hb.restart().await;
    assert_eq!(hb.token, first, "the same token after a clean stop");
}

#[tokio::test]
async fn the_token_flag_is_used_when_given() {
    let mut hb = Hookbench::start().await;
    let generated = hb.token.clone();
    hb.restart_with(&["--token", "given-token-4f1c9a"]).await;
    assert_eq!(hb.token, "given-token-4f1c9a");
    assert_eq!(status_with_token(&hb, "given-token-4f1c9a").await, StatusCode::OK);
    assert_eq!(status_with_token(&hb, &generated).await, StatusCode::UNAUTHORIZED);
    let info = hb.get_json("/info").await;
    assert_eq!(info["capture_url"], hb.capture_url);
}

#[tokio::test]
async fn the_data_dir_and_its_files_are_owner_only() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("modes").await;
    hb.post_text(&url, "make the WAL grow").await;
    assert_eq!(mode(&hb.data_dir), 0o700, "data dir");
    assert_eq!(mode(&hb.data_dir.join("hookbench.db")), 0o600, "hookbench.db");
    assert_eq!(mode(&hb.data_dir.join("token")), 0o600, "token");
    for extra in ["hookbench.db-wal", "hookbench.db-shm"] {
        let p = hb.data_dir.join(extra);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{extra}");
        }
    }
    assert_eq!(mode(&hb.root.path().join("ready.json")), 0o600, "the ready file holds the token");
}

#[tokio::test]
async fn an_existing_open_data_dir_is_made_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("shared");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let hb = Hookbench::start_in(root, data_dir, &[]).await;
    assert_eq!(mode(&hb.data_dir), 0o700);
    assert_eq!(mode(&hb.data_dir.join("token")), 0o600);
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_is_refused() {
    let hb = Hookbench::start().await;
    let (status, stderr) = hb.run_second();
    assert!(!status.success(), "the second server must fail: {status}");
    let dir = hb.data_dir.display().to_string();
    assert!(stderr.contains(&dir), "the message names the data dir {dir}: {stderr}");
    // The first one is unharmed.
    let (_, url) = hb.create_endpoint("still mine").await;
    hb.post_text(&url, "ok").await;
}

#[tokio::test]
async fn sigterm_exits_zero_and_keeps_the_captures() {
    let mut hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("term").await;
    let id = hb.post_text(&format!("{url}/before-term"), "kept").await;
    let status = hb.signal_and_wait("TERM");
    assert_eq!(status.code(), Some(0), "{status}; stderr:\n{}", hb.stderr());
    hb.restart().await;
    let c = hb.get_capture(id).await;
    assert_eq!(c["endpoint_id"], endpoint);
    assert_eq!(hb.get_body(id).await, b"kept");
    // The endpoint's slug survives: its old path still routes (on the new port).
    let slug = url.rsplit("/h/").next().unwrap();
    hb.post_text(&format!("{}/h/{slug}", hb.capture_url), "after").await;
}

#[tokio::test]
async fn sigint_exits_zero_even_with_an_event_stream_open() {
    let mut hb = Hookbench::start().await;
    let mut events = EventStream::open(&hb).await;
    assert_eq!(events.next().await.0, "ready");
    let status = hb.signal_and_wait("INT");
    assert_eq!(status.code(), Some(0), "{status}; stderr:\n{}", hb.stderr());
    // The stream was ended by the shutdown, not cut off after the grace period.
    let stderr = hb.stderr();
    assert!(!stderr.contains("still open after the grace period"), "{stderr}");
    drop(events);
}

#[test]
fn the_control_listener_must_be_on_loopback() {
    let (ok, stderr) = serve_once("127.0.0.1:0", "0.0.0.0:0");
    assert!(!ok);
    assert!(stderr.contains("loopback"), "{stderr}");
}
