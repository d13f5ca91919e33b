//! Outbound requests over the real API against local sinks: built requests
//! with merge tags go out byte for byte and are logged, dry runs send nothing,
//! failures are logged with their error, OAuth 2.0 tokens are fetched, cached
//! and refreshed on 401, redirects, TLS verification, proxies, and replays of
//! captures.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::analysis::{send, send_json, slug_path};
use crate::common::Hookbench;
use crate::sinks::{Reply, Sink, TestProxy, response};

const MASK: &str = "••••••";

async fn send_req(hb: &Hookbench, body: Value) -> (StatusCode, Value) {
    hb.call(Method::POST, "/requests/send", Some(body)).await
}

async fn ok_send(hb: &Hookbench, body: Value) -> Value {
    let (status, v) = send_req(hb, body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn a_built_request_goes_out_byte_for_byte_and_is_logged_with_its_secrets_masked() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("Orders").await;
    let capture = send_json(&hb, &slug_path(&url), json!({"order": {"id": "A 1/2", "total": 12.5}}));
    let sink = Sink::echo().await;

    let request = json!({
        "method": "POST",
        "url": format!("{}/orders/{{{{inboundWebhookRequest.order.id}}}}", sink.url),
        "query": [{"name": "email", "value": "{{contact.email}}"}],
        "headers": [{"name": "X-Trace", "value": "t-1"}, {"name": "x-trace", "value": "t-2"}],
        "body": "{\"total\": {{inboundWebhookRequest.order.total}}, \"who\": \"{{contact.first_name}}\"}",
        "body_type": "json",
        "auth": {"type": "bearer", "token": "{{env.token}}"},
        "env": {"token": "s3cret-token"},
        "capture_id": capture,
    });
    let sent = ok_send(&hb, request.clone()).await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    let wire = &got[0];
    assert_eq!(wire.target, "/orders/A%201%2F2?email=maria.silva%40example.com", "{}", wire.head);
    assert_eq!(wire.header("authorization").as_deref(), Some("Bearer s3cret-token"));
    let body: Value = serde_json::from_slice(&wire.body).unwrap();
    assert_eq!(body, json!({"total": 12.5, "who": "Maria"}));
    // Header order and case as built, duplicates kept.
    let names: Vec<&str> =
        wire.head.split("\r\n").skip(1).filter_map(|l| l.split_once(':').map(|p| p.0)).collect();
    assert_eq!(
        names,
        ["Host", "X-Trace", "x-trace", "Authorization", "Content-Type", "Content-Length", "User-Agent"]
    );

    // The log holds the exact head, the secret masked in everything shown.
    let id = sent["id"].as_i64().expect("a logged send has an id");
    assert_eq!(
        sent["request"]["head"],
        wire.head.replace("s3cret-token", "").replace("Bearer ", MASK).as_str()
    );
    assert_eq!(sent["request"]["body"], String::from_utf8_lossy(&wire.body).as_ref());
    assert_eq!(
        (sent["response"]["status"].as_u64(), sent["response"]["body"].as_str()),
        (Some(200), Some("{\"ok\":true}"))
    );
    assert!(sent["duration_ms"].as_i64().is_some() && sent["error"].is_null());
    assert_eq!(sent["capture_id"], capture);
    let again = hb.get_json(&format!("/requests/{id}")).await;
    assert_eq!(again, sent);
    assert!(!again.to_string().contains("s3cret"), "{again}");

    // A second send reuses the connection.
    ok_send(&hb, request).await;
    let got = sink.received();
    assert_eq!((got.len(), got[1].connection), (2, 0));

    // Browse and search the log.
    let page = hb.get_json("/requests").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][1]["id"], id);
    assert_eq!(page["items"][0]["status"], 200);
    let found = hb.get_json("/requests?q=orders%2FA%25201").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    assert_eq!(hb.get_json("/requests?q=nothing-like-this").await["items"], json!([]));
    assert_eq!(hb.get_json("/requests?status=2xx&limit=1").await["items"].as_array().unwrap().len(), 1);
    assert_eq!(hb.get_json("/requests?status=error").await["items"], json!([]));
    let (status, _) = hb.call(Method::GET, "/requests?status=7xx", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = hb.call(Method::DELETE, &format!("/requests/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(hb.call(Method::GET, &format!("/requests/{id}"), None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_shows_the_bytes_a_send_writes() {
    let hb = Hookbench::start().await;
    let sink = Sink::echo().await;
    let request = json!({
        "method": "PUT",
        "url": format!("{}/contacts?x=1", sink.url),
        "headers": [{"name": "X-Off", "value": "1", "enabled": false}],
        "body": "{\"email\": \"{{contact.email}}\", \"bad\": \"{{contact.emial}}\"}",
        "body_type": "json",
        "auth": {"type": "api_key", "name": "api_key", "value": "k-123", "in": "query"},
    });
    let mut dry = request.clone();
    dry["dry_run"] = json!(true);
    let dry = ok_send(&hb, dry).await;
    assert!(dry["id"].is_null() && dry["response"].is_null() && dry["dry_run"] == true, "{dry}");
    assert!(sink.received().is_empty());
    assert_eq!(hb.get_json("/requests").await["items"], json!([]));
    // The unknown tag is reported where it is, with the nearest known one.
    let d = &dry["diagnostics"][0];
    assert_eq!((d["field"].as_str(), d["suggestion"].as_str()), (Some("body"), Some("{{contact.email}}")));
    assert_eq!(dry["request"]["url"], format!("{}/contacts?x=1&api_key={MASK}", sink.url));
    assert!(!dry.to_string().contains("k-123"));

    let sent = ok_send(&hb, request).await;
    assert_eq!(sent["request"]["head"], dry["request"]["head"]);
    let wire = &sink.received()[0];
    assert_eq!(wire.target, "/contacts?x=1&api_key=k-123");
    assert_eq!(wire.head, dry["request"]["head"].as_str().unwrap().replace(MASK, "k-123"));
    assert!(wire.header("x-off").is_none());
}

#[tokio::test]
async fn failures_are_logged_with_their_error_and_bad_templates_say_where() {
    let hb = Hookbench::start().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let refused = ok_send(&hb, json!({"method": "GET", "url": format!("http://{closed}/x")})).await;
    assert!(refused["response"].is_null());
    assert!(
        refused["error"].as_str().unwrap().starts_with(&format!("cannot connect to {closed}")),
        "{refused}"
    );

    let hang = Sink::start(|_, _| Reply::Hang).await;
    let slow =
        ok_send(&hb, json!({"method": "POST", "url": hang.url, "body": "x", "options": {"timeout_ms": 300}}))
            .await;
    assert_eq!(slow["error"], "no answer within 300 ms (the timeout)");
    assert_eq!(hang.received().len(), 1);

    let ids: Vec<i64> = hb.get_json("/requests?status=error").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![slow["id"].as_i64().unwrap(), refused["id"].as_i64().unwrap()]);

    let (status, e) = send_req(
        &hb,
        json!({"method": "POST", "url": "http://127.0.0.1:9/", "headers": [{"name": "X", "value": "{{contact.email | shout}}"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "template_error");
    let d = &e["error"]["diagnostics"][0];
    assert_eq!(d["field"], "headers[0].value");
    assert_eq!(d["severity"], "error");
    assert!(d["start"].as_u64().is_some() && d["message"].as_str().unwrap().contains("shout"), "{d}");

    for bad in [
        json!({"method": "GET", "url": "ftp://127.0.0.1/"}),
        json!({"method": "G E T", "url": "http://127.0.0.1:9/"}),
        json!({"method": "GET", "url": "http://127.0.0.1:9/", "options": {"proxy": "socks5://127.0.0.1:1"}}),
    ] {
        let (status, e) = send_req(&hb, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {e}");
    }
    assert_eq!(hb.get_json("/requests").await["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn oauth_tokens_are_fetched_once_cached_and_fetched_again_on_401() {
    let hb = Hookbench::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    let n = issued.clone();
    let tokens = Sink::start(move |_, _| {
        let i = n.fetch_add(1, Ordering::SeqCst) + 1;
        let body = json!({"access_token": format!("tok-{i}"), "token_type": "Bearer", "expires_in": 3600,
                          "refresh_token": format!("r{i}")});
        response(200, &[("Content-Type", "application/json")], body.to_string().as_bytes())
    })
    .await;
    // The API accepts tok-1 for two requests, then only tok-2 (tok-1 was revoked).
    let api = Sink::start(|req, count| {
        let want = if count < 2 { "Bearer tok-1" } else { "Bearer tok-2" };
        if req.header("authorization").as_deref() == Some(want) {
            response(200, &[], b"ok")
        } else {
            response(401, &[("WWW-Authenticate", "Bearer error=\"invalid_token\"")], b"")
        }
    })
    .await;
    let request = json!({
        "method": "GET",
        "url": format!("{}/me", api.url),
        "auth": {"type": "oauth2", "token_url": format!("{}/token", tokens.url), "client_id": "my app",
                 "client_secret": "{{env.secret}}", "scope": "contacts.readonly"},
        "env": {"secret": "shh"},
    });
    let mut dry = request.clone();
    dry["dry_run"] = json!(true);
    assert!(ok_send(&hb, dry.clone()).await["request"]["head"].as_str().unwrap().contains(MASK));
    assert_eq!(issued.load(Ordering::SeqCst), 0, "a dry run fetches no token");

    for _ in 0..2 {
        let s = ok_send(&hb, request.clone()).await;
        assert_eq!(s["response"]["status"], 200, "{s}");
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1, "the token is cached");
    let fetch = &tokens.received()[0];
    assert_eq!(fetch.method, "POST");
    assert_eq!(String::from_utf8_lossy(&fetch.body), "grant_type=client_credentials&scope=contacts.readonly");
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode("my+app:shh");
    assert_eq!(fetch.header("authorization"), Some(format!("Basic {basic}")));

    let third = ok_send(&hb, request.clone()).await;
    assert_eq!(third["response"]["status"], 200, "{third}");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert!(third["diagnostics"].to_string().contains("answered 401"), "{third}");
    let auths: Vec<_> = api.received().iter().map(|r| r.header("authorization").unwrap()).collect();
    assert_eq!(auths, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
    assert!(!third.to_string().contains("tok-2"));

    // Refresh-token grant: the rotated refresh token is used next time.
    let mut refresh = request.clone();
    refresh["auth"] = json!({"type": "oauth2", "grant": "refresh_token", "token_url": format!("{}/token", tokens.url),
                             "client_id": "c", "refresh_token": "r0", "client_auth": "body"});
    refresh["url"] = json!(format!("{}/other", tokens.url));
    ok_send(&hb, refresh).await;
    let fetch = tokens
        .received()
        .into_iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("refresh_token="))
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&fetch.body), "grant_type=refresh_token&refresh_token=r0&client_id=c");

    // A token endpoint that refuses says why.
    let refusing = Sink::start(|_, _| {
        response(
            400,
            &[("Content-Type", "application/json")],
            br#"{"error":"invalid_client","error_description":"bad secret"}"#,
        )
    })
    .await;
    let mut bad = request.clone();
    bad["auth"]["token_url"] = json!(refusing.url);
    let s = ok_send(&hb, bad).await;
    assert!(s["error"].as_str().unwrap().contains("answered 400 (invalid_client: bad secret)"), "{s}");
}

#[tokio::test]
async fn redirects_are_followed_unless_turned_off() {
    let hb = Hookbench::start().await;
    let sink = Sink::start(|req, _| {
        if req.target == "/start" {
            response(302, &[("Location", "/end?from=start")], b"")
        } else {
            response(200, &[], b"arrived")
        }
    })
    .await;
    let s = ok_send(&hb, json!({"method": "POST", "url": format!("{}/start", sink.url), "body": "x"})).await;
    assert_eq!(
        (s["response"]["status"].as_u64(), s["response"]["body"].as_str()),
        (Some(200), Some("arrived"))
    );
    assert_eq!(s["redirects"], json!([{"status": 302, "url": format!("{}/end?from=start", sink.url)}]));
    let got = sink.received();
    assert_eq!(
        (got[1].method.as_str(), got[1].target.as_str(), got[1].body.len()),
        ("GET", "/end?from=start", 0)
    );
    assert_eq!(s["request"]["method"], "POST", "the log shows the request that was built");

    let s = ok_send(
        &hb,
        json!({"method": "POST", "url": format!("{}/start", sink.url), "options": {"follow_redirects": false}}),
    )
    .await;
    assert_eq!((s["response"]["status"].as_u64(), &s["redirects"]), (Some(302), &json!([])));
}

#[tokio::test]
async fn tls_verification_is_on_unless_turned_off_and_proxies_are_used() {
    let hb = Hookbench::start().await;
    let tls = Sink::start_tls(|_, _| response(200, &[], b"secure")).await;
    let s = ok_send(&hb, json!({"method": "GET", "url": tls.https_url()})).await;
    let err = s["error"].as_str().unwrap();
    assert!(err.starts_with("TLS handshake failed") && err.contains("turn TLS verification off"), "{err}");
    let s = ok_send(&hb, json!({"method": "GET", "url": tls.https_url(), "options": {"verify_tls": false}}))
        .await;
    assert_eq!(s["response"]["body"], "secure", "{s}");

    let proxy = TestProxy::start().await;
    let plain = Sink::echo().await;
    let proxy_url = proxy.url.replace("http://", "http://user:pa%20ss@");
    let s = ok_send(
        &hb,
        json!({"method": "GET", "url": format!("{}/x", plain.url), "options": {"proxy": proxy_url}}),
    )
    .await;
    let via = s["response"]["headers"].as_array().unwrap().iter().any(|h| h["name"] == "X-Via-Proxy");
    assert!(via, "{s}");
    assert!(plain.received().is_empty());
    let seen = proxy.seen();
    assert!(seen[0].starts_with(&format!("GET {}/x HTTP/1.1\r\n", plain.url)), "{seen:?}");
    assert!(seen[0].contains("Proxy-Authorization: Basic "), "{seen:?}");
    assert!(s["request"]["head"].as_str().unwrap().contains(&format!("Proxy-Authorization: {MASK}")), "{s}");

    let s = ok_send(
        &hb,
        json!({"method": "GET", "url": tls.https_url(), "options": {"verify_tls": false, "proxy": proxy.url}}),
    )
    .await;
    assert_eq!(s["response"]["body"], "secure", "{s}");
    assert!(proxy.seen()[1].starts_with(&format!("CONNECT localhost:{} HTTP/1.1", tls.addr.port())));
}

#[tokio::test]
async fn a_capture_is_replayed_as_it_arrived_or_with_changes() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("Stripe").await;
    let body: &[u8] = b"{\"id\":\"evt_1\"}\xff\x00";
    let capture = send(
        &hb,
        "POST",
        &format!("{}/sub?a=1", slug_path(&url)),
        &[("Stripe-Signature", "t=1,v1=abc"), ("x-Case", "Kept"), ("X-Dup", "1"), ("X-Dup", "2")],
        body,
    );
    let sink = Sink::echo().await;
    let (status, r) = hb
        .call(
            Method::POST,
            &format!("/captures/{capture}/replay"),
            Some(json!({"url": format!("{}/webhook", sink.url)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let wire = &sink.received()[0];
    assert_eq!(wire.target, "/webhook?a=1");
    assert_eq!(wire.body, body);
    let lines: Vec<&str> = wire.head.split("\r\n").skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            format!("Host: {}", sink.addr).as_str(),
            "Stripe-Signature: t=1,v1=abc",
            "x-Case: Kept",
            "X-Dup: 1",
            "X-Dup: 2",
            "Content-Length: 16",
            &format!("User-Agent: Hookbench/{}", env!("CARGO_PKG_VERSION")),
        ]
    );
    assert_eq!((r["kind"].as_str(), r["capture_id"].as_i64()), (Some("replay"), Some(capture)));
    assert!(r["request"]["body_base64"].is_string(), "a binary body is given as base64 too");
    assert!(r["request"]["head"].as_str().unwrap().contains(&format!("Stripe-Signature: {MASK}")));
    let listed = hb.get_json(&format!("/requests?capture_id={capture}&kind=replay")).await;
    assert_eq!(listed["items"][0]["id"], r["id"]);

    let (_, r) = hb
        .call(
            Method::POST,
            &format!("/captures/{capture}/replay"),
            Some(json!({"url": format!("{}/webhook", sink.url), "dry_run": true,
                        "overrides": {"method": "PUT", "path": "/v2/hook", "body": "changed",
                                      "headers": [{"name": "X-Only", "value": "this"}]}})),
        )
        .await;
    assert_eq!(
        r["request"]["head"],
        format!(
            "PUT /v2/hook?a=1 HTTP/1.1\r\nHost: {}\r\nX-Only: this\r\nContent-Length: 7\r\nUser-Agent: Hookbench/{}\r\n\r\n",
            sink.addr,
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(sink.received().len(), 1);
    let (status, _) = hb.call(Method::POST, "/captures/999999/replay", Some(json!({"url": sink.url}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Run `hookbench ARGS` (blocking, off the runtime); exit code, stdout, stderr.
async fn cli(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookbench"))
            .args(&args)
            .env_remove("HOOKBENCH_DATA_DIR")
            .env("RUST_BACKTRACE", "0")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("running hookbench");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn hookbench_send_and_replay_go_through_the_running_engine_or_start_one() {
    let hb = Hookbench::start().await;
    let sink = Sink::start(|req, _| response(201, &[("X-Got", &req.method)], b"{\"created\":true}")).await;
    let capture = send_json(&hb, "/anything", json!({"customer": {"email": "ana@example.com"}}));
    let data_dir = hb.data_dir.to_str().unwrap().to_owned();

    let (code, out, err) = cli(strings(&[
        "send",
        "--data-dir",
        &data_dir,
        &format!("{}/c?e={{{{inboundWebhookRequest.customer.email}}}}", sink.url),
        "--capture",
        &capture.to_string(),
        "-H",
        "X-One: 1",
        "--json",
        "{\"n\": \"{{env.n}}\"}",
        "-e",
        "n=7",
        "--bearer",
        "tok",
        "-i",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("HTTP/1.1 201 Whatever\r\nX-Got: POST\r\n") && out.ends_with("{\"created\":true}"),
        "{out}"
    );
    assert!(err.contains("201 Whatever") && err.contains("logged as request 1"), "{err}");
    let wire = &sink.received()[0];
    assert_eq!((wire.target.as_str(), &wire.body[..]), ("/c?e=ana%40example.com", &b"{\"n\": \"7\"}"[..]));
    assert_eq!(wire.header("authorization").as_deref(), Some("Bearer tok"));
    assert_eq!(
        hb.get_json("/requests/1").await["request"]["url"],
        format!("{}/c?e=ana%40example.com", sink.url)
    );

    let (code, out, _) =
        cli(strings(&["send", "--data-dir", &data_dir, &sink.url, "-d", "raw", "--dry-run"])).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("POST / HTTP/1.1\r\n") && out.ends_with("\r\n\r\nraw\n"), "{out}");

    let (code, out, err) = cli(strings(&[
        "replay",
        &capture.to_string(),
        "--to",
        &format!("{}/again", sink.url),
        "--data-dir",
        &data_dir,
    ]))
    .await;
    assert_eq!((code, out.as_str()), (0, "{\"created\":true}"), "{err}");
    assert_eq!(sink.received()[1].body, br#"{"customer":{"email":"ana@example.com"}}"#);

    let (code, _, err) =
        cli(strings(&["send", "--data-dir", &data_dir, "http://127.0.0.1:9/{{contact.email | nope}}"])).await;
    assert_eq!(code, 1);
    assert!(err.contains("url (bytes") && err.contains("nope"), "{err}");

    // Bulk: every capture a query finds, with a progress line.
    let (code, _, err) = cli(strings(&[
        "replay",
        "--query",
        "path:/anything",
        "--to",
        &format!("{}/bulk", sink.url),
        "--no-rate-limit",
        "--data-dir",
        &data_dir,
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("bulk replay 1 [") && err.contains("] 1/1 · ok 1 · failed 0"), "{err}");
    assert_eq!(sink.received().last().unwrap().target, "/bulk");

    // With no engine running on the data directory, one is started for the send.
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().join("data");
    let (code, _, err) =
        cli(strings(&["send", "--data-dir", dir.to_str().unwrap(), &format!("{}/alone", sink.url)])).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("logged as request 1") && !dir.join("running.json").exists(), "{err}");
    let (code, _, err) =
        cli(strings(&["send", "--data-dir", dir.to_str().unwrap(), "http://127.0.0.1:9/"])).await;
    assert_eq!(code, 1);
    assert!(err.contains("no response: cannot connect"), "{err}");
}

async fn wait_job(hb: &Hookbench, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let job = hb.get_json(&format!("/replays/{id}")).await;
        if done(&job) {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "the bulk replay did not get there: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_bulk_replay_sends_every_chosen_capture_and_logs_each_attempt() {
    let hb = Hookbench::start().await;
    let mut ids = Vec::new();
    for i in 0..120 {
        let path = if i % 2 == 0 { "/even" } else { "/odd" };
        ids.push(send_json(&hb, path, json!({"n": i})));
    }
    let sink = Sink::echo().await;
    let (status, job) = hb
        .call(
            Method::POST,
            "/replays",
            Some(json!({"url": format!("{}/in", sink.url), "q": "path:/even", "concurrency": 8,
                        "rate_limit": {"enabled": false}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!((job["total"].as_u64(), job["status"].as_str()), (Some(60), Some("running")));
    let id = job["id"].as_i64().unwrap();
    let job = wait_job(&hb, id, |j| j["status"] == "finished").await;
    assert_eq!(
        (job["done"].as_u64(), job["succeeded"].as_u64(), job["failed"].as_u64()),
        (Some(60), Some(60), Some(0))
    );
    let mut got: Vec<i64> = sink
        .received()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["n"].as_i64().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, (0..120).step_by(2).collect::<Vec<i64>>());
    let items = hb.get_json(&format!("/replays/{id}/items")).await;
    let first = &items["items"][0];
    assert_eq!(
        (first["capture_id"].as_i64(), first["state"].as_str(), first["status"].as_u64()),
        (Some(ids[0]), Some("ok"), Some(200))
    );
    let log = hb.get_json(&format!("/requests?batch_id={id}&limit=500")).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 60);
    assert!(log["items"].as_array().unwrap().iter().all(|s| s["kind"] == "bulk"));
    assert_eq!(hb.get_json("/replays").await["items"][0]["id"], id);

    for bad in [
        json!({"url": sink.url, "q": "path:/nothing-here"}),
        json!({"url": sink.url, "capture_ids": [ids[0]], "concurrency": 0}),
        json!({"url": "not a url", "capture_ids": [ids[0]]}),
        json!({"url": sink.url, "q": "status:>>"}),
    ] {
        let (status, e) = hb.call(Method::POST, "/replays", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {e}");
    }
}

#[tokio::test]
async fn bulk_replay_retries_429_and_5xx_then_gives_up() {
    let hb = Hookbench::start().await;
    let a = send_json(&hb, "/a", json!({"n": 1}));
    let b = send_json(&hb, "/b", json!({"n": 2}));
    // 429 (Retry-After: 0), then 503, then 200.
    let tries = Arc::new(AtomicUsize::new(0));
    let t = tries.clone();
    let flaky = Sink::start(move |_, _| match t.fetch_add(1, Ordering::SeqCst) {
        0 => response(429, &[("Retry-After", "0")], b"slow down"),
        1 => response(503, &[], b""),
        _ => response(200, &[], b"ok"),
    })
    .await;
    let (_, job) = hb
        .call(
            Method::POST,
            "/replays",
            Some(json!({"url": flaky.url, "capture_ids": [a], "retries": 3, "backoff_ms": 1, "concurrency": 1})),
        )
        .await;
    let job = wait_job(&hb, job["id"].as_i64().unwrap(), |j| j["status"] == "finished").await;
    assert_eq!((job["succeeded"].as_u64(), job["retries"].as_u64()), (Some(1), Some(2)), "{job}");
    let item = &hb.get_json(&format!("/replays/{}/items", job["id"])).await["items"][0];
    assert_eq!((item["attempts"].as_u64(), item["status"].as_u64()), (Some(3), Some(200)));

    let down = Sink::start(|_, _| response(500, &[], b"down")).await;
    let (_, job) = hb
        .call(
            Method::POST,
            "/replays",
            Some(json!({"url": down.url, "capture_ids": [b], "retries": 2, "backoff_ms": 1})),
        )
        .await;
    let id = job["id"].as_i64().unwrap();
    let job = wait_job(&hb, id, |j| j["status"] == "finished").await;
    assert_eq!(
        (job["failed"].as_u64(), job["last_error"].as_str()),
        (Some(1), Some("answered 500")),
        "{job}"
    );
    assert_eq!(down.received().len(), 3);
    assert_eq!(hb.get_json(&format!("/requests?batch_id={id}")).await["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_bulk_replay_stops_resumes_and_survives_a_restart() {
    let mut hb = Hookbench::start().await;
    let ids: Vec<i64> = (0..10).map(|i| send_json(&hb, "/s", json!({"n": i}))).collect();
    let sink = Sink::echo().await;
    // Two per minute: two go at once, the rest wait for the window.
    let (_, job) = hb
        .call(
            Method::POST,
            "/replays",
            Some(json!({"url": sink.url, "capture_ids": ids, "rate_limit": {"count": 2, "per_ms": 60000}})),
        )
        .await;
    let id = job["id"].as_i64().unwrap();
    wait_job(&hb, id, |j| j["done"] == 2).await;
    let (status, stopped) = hb.call(Method::POST, &format!("/replays/{id}/stop"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((stopped["status"].as_str(), stopped["done"].as_u64()), (Some("stopped"), Some(2)));
    let pending = hb.get_json(&format!("/replays/{id}/items?state=pending")).await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 8);

    let (_, resumed) = hb.call(Method::POST, &format!("/replays/{id}/resume"), None).await;
    assert_eq!(resumed["status"], "running");
    wait_job(&hb, id, |j| j["done"] == 4).await;

    // The engine stops mid-job: after a restart the job is stopped, and resumable.
    hb.restart().await;
    let job = hb.get_json(&format!("/replays/{id}")).await;
    assert_eq!((job["status"].as_str(), job["done"].as_u64()), (Some("stopped"), Some(4)));
    hb.call(Method::POST, &format!("/replays/{id}/resume"), None).await;
    wait_job(&hb, id, |j| j["done"] == 6).await;
    hb.call(Method::POST, &format!("/replays/{id}/stop"), None).await;
    let got: Vec<i64> = sink
        .received()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["n"].as_i64().unwrap())
        .collect();
    assert_eq!(got.len(), 6);
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, vec![0, 1, 2, 3, 4, 5], "items go in order, none twice");
}

#[tokio::test]
async fn an_endpoint_forwards_its_captures_and_logs_the_targets_answers() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("Forwarded").await;
    let before = send_json(&hb, &slug_path(&url), json!({"n": 0}));
    let sink = Sink::start(|req, _| response(202, &[], &req.body)).await;
    let path = format!("/endpoints/{endpoint}/forward");
    assert_eq!(hb.call(Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);
    let (status, cfg) = hb.call(Method::PUT, &path, Some(json!({"url": format!("{}/hook", sink.url)}))).await;
    assert_eq!(status, StatusCode::OK, "{cfg}");
    assert_eq!(cfg["enabled"], true);

    let id = send(&hb, "POST", &format!("{}/x?a=1", slug_path(&url)), &[("X-Sig", "s1")], b"{\"n\":1}");
    let other = send_json(&hb, "/elsewhere", json!({"n": 2}));
    let forwarded = wait_for_forward(&hb, id).await;
    assert_eq!((forwarded["status"].as_u64(), forwarded["kind"].as_str()), (Some(202), Some("forward")));
    let got = sink.received();
    assert_eq!(got.len(), 1, "only this endpoint's new captures are forwarded");
    assert_eq!((got[0].target.as_str(), &got[0].body[..]), ("/hook?a=1", &b"{\"n\":1}"[..]));
    assert_eq!(got[0].header("x-sig").as_deref(), Some("s1"));
    let full = hb.get_json(&format!("/requests/{}", forwarded["id"])).await;
    assert_eq!(full["response"]["body"], "{\"n\":1}");
    for quiet in [before, other] {
        assert_eq!(hb.get_json(&format!("/requests?capture_id={quiet}")).await["items"], json!([]));
    }

    // Off: nothing is forwarded; deleted: gone.
    hb.call(Method::PUT, &path, Some(json!({"url": sink.url, "enabled": false}))).await;
    let quiet = send_json(&hb, &slug_path(&url), json!({"n": 3}));
    let marker = send_json(&hb, &slug_path(&url), json!({"n": 4}));
    hb.call(Method::PUT, &path, Some(json!({"url": sink.url}))).await;
    let after = send_json(&hb, &slug_path(&url), json!({"n": 5}));
    wait_for_forward(&hb, after).await;
    for q in [quiet, marker] {
        assert_eq!(hb.get_json(&format!("/requests?capture_id={q}")).await["items"], json!([]));
    }
    assert_eq!(hb.call(Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(hb.call(Method::GET, &path, None).await.0, StatusCode::NOT_FOUND);
    let (status, _) = hb.call(Method::PUT, &path, Some(json!({"url": "ftp://x"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn wait_for_forward(hb: &Hookbench, capture: i64) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let page = hb.get_json(&format!("/requests?capture_id={capture}&kind=forward")).await;
        if let Some(item) = page["items"].as_array().and_then(|a| a.first()) {
            return item.clone();
        }
        assert!(std::time::Instant::now() < deadline, "capture {capture} was not forwarded");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn hookbench_listen_streams_captures_and_forward_results() {
    use std::io::BufRead;
    let hb = Hookbench::start().await;
    let sink = Sink::start(|_, _| response(200, &[], b"thanks")).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hookbench"))
        .args(["listen", "--forward-to", &format!("{}/webhook", sink.url), "--data-dir"])
        .arg(&hb.data_dir)
        .env("RUST_BACKTRACE", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The child's lines arrive on a channel read without blocking a runtime
    // thread (the sink answering the forwards runs on this runtime).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    async fn wait_line(
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
        want: &str,
        seen: &mut Vec<String>,
    ) -> String {
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv()).await {
                Ok(Some(line)) => {
                    seen.push(line.clone());
                    if line.contains(want) {
                        return line;
                    }
                }
                _ => panic!("no line with {want:?}; got {seen:?}"),
            }
        }
    }
    wait_line(&mut rx, "Ready.", &mut seen).await;
    let default = hb.default_endpoint_id().await;
    assert_eq!(
        hb.get_json(&format!("/endpoints/{default}/forward")).await["url"],
        format!("{}/webhook", sink.url)
    );
    let id = send_json(&hb, "/stripe/events", json!({"type": "charge.succeeded"}));
    let line = wait_line(&mut rx, "-->", &mut seen).await;
    assert!(line.contains("POST /stripe/events") && line.contains(&format!("capture {id}")), "{line}");
    let line = wait_line(&mut rx, "<--", &mut seen).await;
    assert!(line.starts_with("<-- 200") && line.contains(&format!("(capture {id})")), "{line}");
    assert_eq!(sink.received()[0].target, "/webhook");

    // Ctrl+C: the forward is taken away again.
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(
        hb.call(Method::GET, &format!("/endpoints/{default}/forward"), None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn curl_commands_come_in_and_go_out() {
    let hb = Hookbench::start().await;
    // A browser's "Copy as cURL" into the builder, then sent.
    let sink = Sink::echo().await;
    let command = format!(
        "curl '{}/v1/contacts?x=1' -H 'accept: application/json' -H 'authorization: Bearer abc.def' \
         -H 'content-type: application/json' --data-raw '{{\"email\":\"a@b.c\"}}'",
        sink.url
    );
    let (status, imported) = hb.call(Method::POST, "/import/curl", Some(json!({"command": command}))).await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    let req = &imported["request"];
    assert_eq!((req["method"].as_str(), req["body_type"].as_str()), (Some("POST"), Some("json")));
    assert_eq!(req["auth"], json!({"type": "bearer", "token": "abc.def"}));
    let sent = ok_send(&hb, req.clone()).await;
    let wire = &sink.received()[0];
    assert_eq!((wire.target.as_str(), &wire.body[..]), ("/v1/contacts?x=1", &br#"{"email":"a@b.c"}"#[..]));
    assert_eq!(wire.header("authorization").as_deref(), Some("Bearer abc.def"));

    // A logged send as curl: secrets masked unless revealed.
    let id = sent["id"].as_i64().unwrap();
    let out = hb.get_json(&format!("/requests/{id}/curl")).await;
    let cmd = out["command"].as_str().unwrap();
    assert!(cmd.contains(MASK) && !cmd.contains("abc.def") && cmd.contains("/v1/contacts?x=1"), "{cmd}");
    assert!(out["warnings"].to_string().contains("reveal=true"), "{out}");
    let out = hb.get_json(&format!("/requests/{id}/curl?reveal=true")).await;
    let back = hb.call(Method::POST, "/import/curl", Some(json!({"command": out["command"]}))).await.1;
    assert_eq!(back["request"]["auth"]["token"], "abc.def");
    assert_eq!(back["request"]["url"], format!("{}/v1/contacts?x=1", sink.url));

    // A capture as curl: to where it was captured, or elsewhere; redacted on request.
    let capture =
        send(&hb, "POST", "/in?a=1", &[("X-Hub-Signature-256", "sha256=ff"), ("X-A", "it's")], b"{\"k\":1}");
    let out = hb.get_json(&format!("/captures/{capture}/curl")).await;
    let cmd = out["command"].as_str().unwrap();
    assert!(cmd.contains(&format!("{}/in?a=1", hb.capture_url)) && cmd.contains("sha256=ff"), "{cmd}");
    let back = hb.call(Method::POST, "/import/curl", Some(json!({"command": cmd}))).await.1;
    let headers = back["request"]["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h["name"] == "X-A" && h["value"] == "it's"), "{back}");
    assert_eq!(back["request"]["body"], "{\"k\":1}");
    let out = hb.get_json(&format!("/captures/{capture}/curl?redact=true&url=http://127.0.0.1:9/to")).await;
    let cmd = out["command"].as_str().unwrap();
    assert!(!cmd.contains("sha256=ff") && cmd.contains("http://127.0.0.1:9/to?a=1"), "{cmd}");

    // The builder's request as curl, merge tags rendered.
    let (_, out) = hb
        .call(
            Method::POST,
            "/requests/curl",
            Some(json!({"method": "GET", "url": "http://127.0.0.1:9/{{contact.first_name}}",
                        "auth": {"type": "basic", "username": "u", "password": "p"}})),
        )
        .await;
    let cmd = out["command"].as_str().unwrap();
    assert!(cmd.contains("http://127.0.0.1:9/Maria") && cmd.contains(MASK), "{cmd}");

    let (status, e) =
        hb.call(Method::POST, "/import/curl", Some(json!({"command": "curl 'unterminated"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["code"], "bad_command");
    assert!(e["error"]["position"].as_u64().is_some(), "{e}");
}

#[tokio::test]
async fn captures_and_sends_export_as_har_ndjson_and_json_and_har_comes_back_in() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("Shop").await;
    let a = send(
        &hb,
        "POST",
        &format!("{}/orders?token=T0&x=1", slug_path(&url)),
        &[
            ("Authorization", "Bearer cap-secret"),
            ("X-Shopify-Hmac-Sha256", "h=="),
            ("Content-Type", "application/json"),
        ],
        br#"{"customer":{"email":"a@b.c","name":"Ann"}}"#,
    );
    let b = send(&hb, "PUT", &format!("{}/bin", slug_path(&url)), &[], b"\x00\xff\x01");
    let sink = Sink::echo().await;
    ok_send(&hb, json!({"method": "POST", "url": sink.url, "body": "hi", "auth": {"type": "bearer", "token": "send-secret"}})).await;

    let har: Value =
        serde_json::from_slice(&hb.get_bytes(&format!("/export?endpoint={endpoint}")).await).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!((har["log"]["version"].as_str(), entries.len()), (Some("1.2"), 2));
    let first = &entries[0]["request"];
    assert_eq!(first["url"], format!("{}{}/orders?token=T0&x=1", hb.capture_url, slug_path(&url)));
    assert_eq!(first["postData"]["text"], r#"{"customer":{"email":"a@b.c","name":"Ann"}}"#);
    assert!(first["headers"].to_string().contains("cap-secret"), "captures export as received");
    assert_eq!(entries[1]["request"]["postData"]["encoding"], "base64");
    assert_eq!(entries[0]["response"]["status"], 200);

    // Redacted: secret headers, secret query parameters and chosen body paths.
    let red =
        hb.get_bytes(&format!("/export?endpoint={endpoint}&redact=true&redact_paths=customer.email")).await;
    let text = String::from_utf8(red).unwrap();
    assert!(
        !text.contains("cap-secret")
            && !text.contains("h==")
            && !text.contains("T0")
            && !text.contains("a@b.c"),
        "{text}"
    );
    assert!(text.contains("Ann") && text.contains(MASK));

    // Sends: the auth secret is masked whatever is asked.
    let nd = String::from_utf8(hb.get_bytes("/export?what=sends&format=ndjson").await).unwrap();
    let lines: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        (lines.len(), lines[0]["type"].as_str(), lines[0]["response"]["status"].as_u64()),
        (1, Some("send"), Some(200))
    );
    assert!(!nd.contains("send-secret"));
    let all: Value =
        serde_json::from_slice(&hb.get_bytes(&format!("/export?what=all&format=json&ids={b}")).await)
            .unwrap();
    assert_eq!(
        all.as_array().unwrap().iter().map(|v| v["type"].as_str().unwrap()).collect::<Vec<_>>(),
        ["capture", "send"]
    );
    assert_eq!(all[0]["body_encoding"], "base64");
    assert_eq!(hb.call(Method::GET, "/export?format=xml", None).await.0, StatusCode::BAD_REQUEST);

    // The HAR comes back in as captures of another endpoint, bytes intact.
    let (other, _) = hb.create_endpoint("Imported").await;
    let file = serde_json::to_vec(&har).unwrap();
    let resp = reqwest::Client::new()
        .post(hb.api(&format!("/import/har?endpoint={other}")))
        .bearer_auth(&hb.token)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let imported: Value = resp.json().await.unwrap();
    let ids: Vec<i64> =
        imported["capture_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let c = hb.get_capture(ids[0]).await;
    assert_eq!(
        (c["endpoint_id"].as_i64(), c["method"].as_str(), c["query"].as_str()),
        (Some(other), Some("POST"), Some("token=T0&x=1"))
    );
    assert_eq!(c["remote_addr"], "imported from HAR");
    assert_eq!(hb.get_body(ids[0]).await, hb.get_body(a).await);
    assert_eq!(hb.get_body(ids[1]).await, b"\x00\xff\x01");
    let original = hb.get_capture(a).await;
    assert_eq!(c["received_at"], original["received_at"]);

    // And through the CLI.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.har");
    let data_dir = hb.data_dir.to_str().unwrap().to_owned();
    let (code, _, err) = cli(strings(&[
        "export",
        "--endpoint",
        &endpoint.to_string(),
        "--redact",
        "-o",
        out.to_str().unwrap(),
        "--data-dir",
        &data_dir,
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(!std::fs::read_to_string(&out).unwrap().contains("cap-secret"));
    let (code, stdout, err) = cli(strings(&["import", out.to_str().unwrap(), "--data-dir", &data_dir])).await;
    assert_eq!(
        (code, stdout.trim()),
        (0, format!("imported 2 request(s) from {} as captures", out.display()).as_str()),
        "{err}"
    );
}

#[tokio::test]
async fn environments_steps_saved_requests_and_presets() {
    let hb = Hookbench::start().await;
    let sink = Sink::start(|req, _| {
        if req.target.starts_with("/login") {
            response(
                200,
                &[("Content-Type", "application/json"), ("X-Session", "s-1")],
                br#"{"token":"tok-from-login","user":{"id":7}}"#,
            )
        } else {
            response(200, &[], b"ok")
        }
    })
    .await;

    // An environment with a secret: masked when read, kept when written back masked.
    let (status, env) = hb
        .call(
            Method::POST,
            "/environments",
            Some(json!({"name": "staging", "active": true, "variables": [
                {"name": "base", "value": sink.url},
                {"name": "api_key", "value": "sk_live_123", "secret": true}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{env}");
    assert_eq!((env["active"].as_bool(), env["variables"][1]["value"].as_str()), (Some(true), Some(MASK)));
    let id = env["id"].as_i64().unwrap();
    let mut back = env.clone();
    back["variables"][0]["value"] = json!(format!("{}", sink.url));
    let (status, _) = hb
        .call(
            Method::PUT,
            &format!("/environments/{id}"),
            Some(json!({"name": "staging", "variables": back["variables"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!hb.get_json("/environments").await.to_string().contains("sk_live_123"));
    let (status, _) = hb.call(Method::POST, "/environments", Some(json!({"name": "staging"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = hb
        .call(
            Method::POST,
            "/environments",
            Some(json!({"name": "x", "variables": [{"name": "a.b", "value": ""}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The active environment fills {{env.*}}; its secret goes out but is masked in the log.
    let sent = ok_send(
        &hb,
        json!({"method": "POST", "url": "{{env.base}}/login?key={{env.api_key}}", "body": "{\"k\": \"{{env.api_key}}\"}",
               "body_type": "json", "headers": [{"name": "X-Key", "value": "{{env.api_key}}"}]}),
    )
    .await;
    let wire = &sink.received()[0];
    assert_eq!(wire.target, "/login?key=sk_live_123");
    assert_eq!(wire.header("x-key").as_deref(), Some("sk_live_123"));
    assert_eq!(wire.body, br#"{"k": "sk_live_123"}"#);
    let text = sent.to_string();
    assert!(!text.contains("sk_live_123"), "{text}");
    assert_eq!(sent["request"]["body"], format!("{{\"k\": \"{MASK}\"}}"));
    assert!(!hb.get_json(&format!("/requests/{}", sent["id"])).await.to_string().contains("sk_live_123"));
    let (_, rendered) =
        hb.call(Method::POST, "/render", Some(json!({"template": "key={{env.api_key}}"}))).await;
    assert_eq!(rendered["output"], format!("key={MASK}"));

    // Save the response as a step; later templates use it.
    let (status, step) = hb
        .call(Method::POST, &format!("/requests/{}/step", sent["id"]), Some(json!({"name": "login"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{step}");
    assert_eq!(step["response"]["body"]["token"], "tok-from-login");
    ok_send(
        &hb,
        json!({"method": "GET", "url": "{{env.base}}/me/{{steps.login.response.body.user.id}}",
               "auth": {"type": "bearer", "token": "{{steps.login.response.body.token}}"},
               "headers": [{"name": "X-Session", "value": "{{steps.login.response.headers.x-session}}"}]}),
    )
    .await;
    let wire = &sink.received()[1];
    assert_eq!(
        (wire.target.as_str(), wire.header("authorization").as_deref()),
        ("/me/7", Some("Bearer tok-from-login"))
    );
    assert_eq!(wire.header("x-session").as_deref(), Some("s-1"));
    assert_eq!(hb.get_json("/steps").await["items"][0]["name"], "login");
    let (status, _) = hb
        .call(Method::POST, &format!("/requests/{}/step", sent["id"]), Some(json!({"name": "bad name"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A named environment instead of the active one.
    hb.call(
        Method::POST,
        "/environments",
        Some(json!({"name": "prod", "variables": [{"name": "base", "value": "http://127.0.0.1:9"}]})),
    )
    .await;
    let (_, r) = hb
        .call(Method::POST, "/render", Some(json!({"template": "{{env.base}}", "environment": "prod"})))
        .await;
    assert_eq!(r["output"], "http://127.0.0.1:9");
    let (status, _) =
        hb.call(Method::POST, "/render", Some(json!({"template": "x", "environment": "nope"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Saved requests.
    let (status, saved) = hb
        .call(
            Method::POST,
            "/saved-requests",
            Some(json!({"name": "Login", "request": {"method": "POST", "url": "{{env.base}}/login"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let sid = saved["id"].as_i64().unwrap();
    hb.call(
        Method::PUT,
        &format!("/saved-requests/{sid}"),
        Some(json!({"name": "Login 2", "request": saved["request"]})),
    )
    .await;
    assert_eq!(hb.get_json("/saved-requests").await["items"][0]["name"], "Login 2");
    assert_eq!(
        hb.call(Method::DELETE, &format!("/saved-requests/{sid}"), None).await.0,
        StatusCode::NO_CONTENT
    );

    // Presets: HighLevel's Webhook action, sent for real.
    let presets = hb.get_json("/presets").await;
    let action =
        presets["items"].as_array().unwrap().iter().find(|p| p["id"] == "highlevel-webhook-action").unwrap();
    let mut req = action["request"].clone();
    req["url"] = json!(format!("{}/hl", sink.url));
    ok_send(&hb, req).await;
    let wire = sink.received().into_iter().find(|r| r.target == "/hl").unwrap();
    let body: Value = serde_json::from_slice(&wire.body).unwrap();
    assert_eq!(
        (body["email"].as_str(), body["tags"].as_str()),
        (Some("maria.silva@example.com"), Some("lead,vip"))
    );
    assert_eq!(wire.header("user-agent").as_deref(), Some("axios/1.13.2"));
}

#[tokio::test]
async fn a_forward_can_answer_the_sender_with_the_targets_response() {
    // The sender waits for the sink, which answers on this runtime: send off it.
    async fn raw(hb: &Hookbench, bytes: &[u8]) -> crate::common::RawResponse {
        let (addr, bytes) = (hb.capture_addr, bytes.to_vec());
        tokio::task::spawn_blocking(move || crate::common::raw_request(addr, &bytes)).await.unwrap()
    }
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("Proxied").await;
    let sink = Sink::start(|req, _| {
        response(201, &[("X-Target", "yes")], format!("made {}", req.body.len()).as_bytes())
    })
    .await;
    let path = format!("/endpoints/{endpoint}/forward");
    let (status, cfg) = hb
        .call(
            Method::PUT,
            &path,
            Some(json!({"url": format!("{}/api", sink.url), "answer_with_target": true})),
        )
        .await;
    assert_eq!((status, cfg["answer_with_target"].as_bool()), (StatusCode::OK, Some(true)));

    let request = format!(
        "POST {}/x?q=1 HTTP/1.1\r\nHost: {}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody",
        slug_path(&url),
        hb.capture_addr
    );
    let resp = raw(&hb, request.as_bytes()).await;
    assert_eq!(
        (resp.status, &resp.body[..]),
        (201, &b"made 4"[..]),
        "{}",
        String::from_utf8_lossy(&resp.raw)
    );
    assert_eq!(resp.header("x-target"), Some("yes"));
    let id = resp.capture_id();
    assert_eq!(sink.received()[0].target, "/api?q=1");
    let capture = hb.get_capture(id).await;
    assert_eq!(
        (capture["response"]["status"].as_u64(), capture["response"]["body"].as_str()),
        (Some(201), Some("made 4"))
    );
    let forwarded = wait_for_forward(&hb, id).await;
    assert_eq!(forwarded["status"], 201);
    assert_eq!(sink.received().len(), 1, "answered once, forwarded once");

    // The target is gone: the sender gets 502 and the capture is kept.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    hb.call(
        Method::PUT,
        &path,
        Some(json!({"url": format!("http://{closed}/"), "answer_with_target": true})),
    )
    .await;
    let resp = raw(&hb, request.as_bytes()).await;
    assert_eq!(resp.status, 502);
    assert!(String::from_utf8_lossy(&resp.body).contains("forward_failed"));
    let id = resp.capture_id();
    assert_eq!(hb.get_capture(id).await["response"]["status"], 502);
    let failed = wait_for_forward(&hb, id).await;
    assert!(failed["error"].as_str().unwrap().starts_with("cannot connect"), "{failed}");

    // Back to answering at once.
    hb.call(Method::DELETE, &path, None).await;
    assert_eq!(raw(&hb, request.as_bytes()).await.status, 200);
}

#[tokio::test]
async fn secrets_stay_masked_however_they_are_written_and_wherever_they_go() {
    let hb = Hookbench::start().await;
    let sink = Sink::start(|req, _| {
        if req.target.starts_with("/start") {
            let query = req.target.split_once('?').map(|(_, q)| q).unwrap_or("");
            response(302, &[("Location", &format!("/end?{query}"))], b"")
        } else {
            response(200, &[], b"ok")
        }
    })
    .await;
    hb.call(
        Method::POST,
        "/environments",
        Some(json!({"name": "e", "active": true, "variables": [{"name": "pw", "value": "p@ss \"w\"/x", "secret": true}]})),
    )
    .await;
    let sent = ok_send(
        &hb,
        json!({"method": "POST", "url": format!("{}/start/{{{{env.pw}}}}", sink.url),
               "body": "{\"pw\": \"{{env.pw}}\"}", "body_type": "json",
               "auth": {"type": "api_key", "name": "key", "value": "K-12345", "in": "query"}}),
    )
    .await;
    let wire = &sink.received()[0];
    assert!(wire.target.starts_with("/start/p%40ss%20%22w%22%2Fx?key=K-12345"), "{}", wire.target);
    assert_eq!(serde_json::from_slice::<Value>(&wire.body).unwrap()["pw"], "p@ss \"w\"/x");
    let text = sent.to_string();
    for leak in ["p%40ss", "p@ss", "K-12345", "\\\"w\\\""] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert_eq!(sent["redirects"][0]["url"], format!("{}/end?key={MASK}", sink.url));
    let tags = hb.call(Method::POST, "/merge-tags", Some(json!({}))).await.1;
    let pw = tags["tags"].as_array().unwrap().iter().find(|t| t["path"] == "env.pw").unwrap();
    assert_eq!(pw["preview"], MASK);
    let curl = hb
        .call(
            Method::POST,
            "/requests/curl",
            Some(json!({"method": "POST", "url": format!("{}/{{{{env.pw}}}}", sink.url)})),
        )
        .await
        .1;
    assert!(!curl["command"].as_str().unwrap().contains("p%40ss"), "{curl}");
    // Credentials in a URL become Basic auth and never show.
    let s = ok_send(&hb, json!({"method": "GET", "url": sink.url.replace("http://", "http://ann:hunter2@")}))
        .await;
    assert!(!s.to_string().contains("hunter2") && !s.to_string().contains("ann:"), "{s}");
    let last = sink.received().pop().unwrap();
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode("ann:hunter2");
    assert_eq!(last.header("authorization"), Some(format!("Basic {basic}")));
}
