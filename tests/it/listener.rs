//! The capture listener changed while the engine runs: paused, moved, given
//! another body limit, through `PUT /api/v1/listener`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

/// A loopback port that was free a moment ago.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn refuses(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err()
}

async fn put_listener(hb: &Hookbench, body: Value) -> (StatusCode, Value) {
    hb.call(Method::PUT, "/listener", Some(body)).await
}

#[tokio::test]
async fn paused_capture_answers_503_and_stores_nothing_then_resumes() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("pausable").await;
    let mut events = EventStream::open(&hb).await;

    let (status, s) = put_listener(&hb, json!({ "paused": true })).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["state"], "paused");
    assert_eq!(s["paused"], true);
    let changed = events.next_named("listener.changed").await;
    assert_eq!(changed["state"], "paused");
    assert_eq!(hb.get_json("/info").await["listener"]["state"], "paused");

    let resp = anon_client().post(&url).body("while paused").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "30");
    assert!(resp.headers().get(CAPTURE_ID_HEADER).is_none());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "capture_paused");
    assert!(hb.capture_ids(&format!("endpoint_id={endpoint}")).await.is_empty());

    let (status, s) = put_listener(&hb, json!({ "paused": false })).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["state"], "listening");
    assert_eq!(s["paused"], false);
    assert_eq!(events.next_named("listener.changed").await["state"], "listening");
    let id = hb.post_text(&url, "after resume").await;
    assert_eq!(hb.capture_ids(&format!("endpoint_id={endpoint}")).await, vec![id]);
}

#[tokio::test]
async fn moving_the_listener_closes_the_old_port_and_endpoint_urls_follow() {
    let hb = Hookbench::start().await;
    let (id, old_url) = hb.create_endpoint("movable").await;
    let before = hb.post_text(&old_url, "before").await;
    let to = free_addr();

    let (status, s) = put_listener(&hb, json!({ "addr": to.to_string() })).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["state"], "listening");
    assert_eq!(s["addr"], to.to_string());
    assert_eq!(s["url"], format!("http://{to}"));
    assert_eq!(hb.get_json("/info").await["capture_url"], format!("http://{to}"));

    let e = hb.get_json(&format!("/endpoints/{id}")).await;
    let new_url = e["url"].as_str().unwrap().to_owned();
    assert!(new_url.starts_with(&format!("http://{to}/h/")), "{new_url}");
    assert_eq!(new_url.rsplit('/').next(), old_url.rsplit('/').next(), "same slug");
    let after = hb.post_text(&new_url, "after").await;
    assert!(after > before);
    assert!(refuses(hb.capture_addr), "the old port {} still accepts", hb.capture_addr);

    // Port 0 means "any free port".
    let (status, s) = put_listener(&hb, json!({ "addr": "127.0.0.1:0" })).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_ne!(s["addr"], "127.0.0.1:0");
    assert_ne!(s["addr"], to.to_string());
    assert!(refuses(to));
    let url = hb.get_json(&format!("/endpoints/{id}")).await["url"].as_str().unwrap().to_owned();
    hb.post_text(&url, "on a picked port").await;
}

#[tokio::test]
async fn a_taken_address_is_refused_with_a_reason_and_the_listener_stays() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("stays").await;
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap();

    let (status, e) = put_listener(&hb, json!({ "addr": taken.to_string(), "paused": true })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "address_unavailable");
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{taken} is already in use")), "{msg}");
    assert!(msg.contains("is free"), "offers another address: {msg}");

    // Nothing changed, not even the part of the change that was valid.
    let s = hb.get_json("/listener").await;
    assert_eq!(s["state"], "listening");
    assert_eq!(s["addr"], hb.capture_addr.to_string());
    hb.post_text(&url, "still here").await;

    for bad in ["localhost:80", "127.0.0.1", "", "1.2.3.4.5:80"] {
        let (status, e) = put_listener(&hb, json!({ "addr": bad })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {e}");
        assert_eq!(e["error"]["code"], "invalid_request");
    }
    drop(squatter);
}

#[tokio::test]
async fn the_body_limit_changes_at_once() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("limited").await;
    hb.send_capture("POST", &url, "text/plain", vec![b'a'; 4096]).await;

    let (status, s) = put_listener(&hb, json!({ "max_body": 2048 })).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["max_body"], 2048);
    let resp = anon_client().post(&url).body(vec![b'a'; 4096]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let id = capture_id_of(resp.headers());
    assert_eq!(hb.get_capture(id).await["rejected"], "too_large");
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("2 KiB"), "{body}");

    let (status, e) = put_listener(&hb, json!({ "max_body": 10 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(hb.get_json("/listener").await["max_body"], 2048);
}

#[test]
fn serve_on_a_taken_capture_port_says_so() {
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap();
    let (ok, stderr) = serve_once(&taken.to_string(), "127.0.0.1:0");
    assert!(!ok);
    assert!(stderr.contains(&format!("{taken} is already in use")), "{stderr}");
    assert!(stderr.contains("--capture-addr"), "{stderr}");
}
