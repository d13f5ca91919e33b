//! The control API: endpoints, captures (paging, search, marks), settings and
//! retention, events, OpenAPI, and the token, Host and Origin checks.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{EventStream, Hookbench, anon_client, ids_of, raw_request};

fn slug_of(url: &str) -> &str {
    url.rsplit("/h/").next().expect("an endpoint URL")
}

#[tokio::test]
async fn endpoints_can_be_created_listed_renamed_and_deleted() {
    let hb = Hookbench::start().await;
    let e = hb.create_endpoint_full("  Orders  ").await;
    let id = e["id"].as_i64().unwrap();
    let slug = e["slug"].as_str().unwrap().to_owned();
    assert_eq!(e["name"], "Orders", "names are trimmed");
    assert_eq!(slug.len(), 26);
    assert_eq!(e["url"], format!("{}/h/{slug}", hb.capture_url));
    assert_eq!(e["is_default"], false);
    assert_eq!(e["capture_count"], 0);
    assert_eq!(e["last_capture_at"], Value::Null);
    assert!(e["created_at"].as_i64().unwrap() > 0);
    assert_eq!(e["created_at"], e["updated_at"]);

    let other = hb.create_endpoint_full("Other").await;
    assert_ne!(other["slug"], e["slug"]);

    let list = hb.get_json("/endpoints").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["is_default"], true, "the Default endpoint comes first");
    assert_eq!(items[1]["id"], id);
    assert_eq!(items[2]["id"], other["id"]);

    let cap = hb.post_text(e["url"].as_str().unwrap(), "one").await;
    let got = hb.get_json(&format!("/endpoints/{id}")).await;
    assert_eq!(got["capture_count"], 1);
    assert!(got["last_capture_at"].is_i64());

    let (status, renamed) =
        hb.call(Method::PATCH, &format!("/endpoints/{id}"), Some(json!({ "name": "Orders v2" }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["name"], "Orders v2");
    assert_eq!(renamed["slug"], slug, "renaming keeps the URL");
    assert!(renamed["updated_at"].as_i64() >= renamed["created_at"].as_i64());

    let (status, err) =
        hb.call(Method::PATCH, &format!("/endpoints/{id}"), Some(json!({ "name": "  " }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "invalid_request");
    let (status, _) = hb.call(Method::POST, "/endpoints", Some(json!({ "name": "" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = hb.call(Method::DELETE, &format!("/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    let (status, err) = hb.call(Method::GET, &format!("/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "not_found");
    let (status, _) = hb.call(Method::GET, &format!("/captures/{cap}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the endpoint's captures go with it");
    assert_eq!(hb.capture_ids(&format!("endpoint={id}")).await, Vec::<i64>::new());
    let resp = anon_client().post(e["url"].as_str().unwrap()).body("late").send().await.unwrap();
    assert_eq!(resp.status(), 404, "a deleted endpoint's URL is unknown");
    let (status, _) = hb.call(Method::DELETE, &format!("/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The other endpoint is untouched.
    assert_eq!(hb.get_json(&format!("/endpoints/{}", other["id"])).await["name"], "Other");
}

#[tokio::test]
async fn the_default_endpoint_cannot_be_deleted() {
    let hb = Hookbench::start().await;
    let default_id = hb.default_endpoint_id().await;
    let (status, err) = hb.call(Method::DELETE, &format!("/endpoints/{default_id}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "conflict");
    let e = hb.get_json(&format!("/endpoints/{default_id}")).await;
    assert_eq!(e["is_default"], true);
    hb.post_text(&format!("{}/still-here", hb.capture_url), "x").await;
}

#[tokio::test]
async fn rotating_gives_a_new_url_and_the_old_one_answers_404() {
    let hb = Hookbench::start().await;
    let (id, old_url) = hb.create_endpoint("rotate me").await;
    let before = hb.post_text(&old_url, "before").await;
    let (status, e) = hb.call(Method::POST, &format!("/endpoints/{id}/rotate"), None).await;
    assert_eq!(status, StatusCode::OK);
    let new_url = e["url"].as_str().unwrap().to_owned();
    assert_ne!(new_url, old_url);
    assert_eq!(e["id"], id);
    assert_eq!(new_url, format!("{}/h/{}", hb.capture_url, e["slug"].as_str().unwrap()));

    let resp = anon_client().post(format!("{old_url}/sub")).body("after").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "unknown_endpoint");

    let after = hb.post_text(&format!("{new_url}/sub"), "after").await;
    let c = hb.get_capture(after).await;
    assert_eq!(c["endpoint_id"], id);
    assert_eq!(c["path"], format!("/h/{}/sub", slug_of(&new_url)));
    assert_eq!(hb.capture_ids(&format!("endpoint={id}")).await, [after, before], "old captures stay");
    let (status, _) = hb.call(Method::POST, "/endpoints/999999/rotate", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cursor_paging_has_no_duplicates_or_gaps_while_captures_arrive() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("paging").await;
    let mut sent = Vec::new();
    for i in 0..25 {
        sent.push(hb.post_text(&url, &format!("capture {i}")).await);
    }
    sent.reverse(); // newest first
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = format!("endpoint={endpoint}&limit=10");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = hb.get_json(&format!("/captures?{q}")).await;
        let ids = ids_of(&page);
        assert!(ids.len() <= 10);
        seen.extend(ids);
        pages += 1;
        // New captures between pages must not disturb the walk.
        hb.post_text(&url, &format!("arrived after page {pages}")).await;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, sent, "every capture once, newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);

    // The first page now starts with the newest arrivals.
    let first = hb.capture_ids(&format!("endpoint={endpoint}&limit=10")).await;
    assert!(first[0] > sent[0]);
    let page = hb.get_json(&format!("/captures?endpoint={endpoint}&limit=500")).await;
    assert_eq!(ids_of(&page).len(), 25 + pages);
    assert_eq!(page["next_cursor"], Value::Null);

    for bad in ["limit=0", "limit=501", "cursor=abc", "endpoint=x"] {
        let (status, err) = hb.call(Method::GET, &format!("/captures?{bad}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(err["error"]["code"], "invalid_request");
    }
}

#[tokio::test]
async fn search_finds_captures_by_body_header_and_path() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("search").await;
    let client = anon_client();
    let by_body = hb.post_text(&url, r#"{"customer":"zebra-unicorn-4471"}"#).await;
    let resp =
        client.post(&url).header("X-Trace-Id", "trace-QX81-alpha").body("kiwi-one").send().await.unwrap();
    let by_header = crate::common::capture_id_of(resp.headers());
    let by_path = hb.post_text(&format!("{url}/orders/ord_99812?page=7"), "kiwi-two").await;
    let other = hb.post_text(&url, "nothing special").await;

    let search = |q: &'static str| {
        let hb = &hb;
        async move { hb.capture_ids(&format!("q={}", urlencode(q))).await }
    };
    assert_eq!(search("zebra-unicorn").await, [by_body]);
    assert_eq!(search("ZEBRA-UNICORN-4471").await, [by_body], "any case");
    assert_eq!(search("trace-qx81").await, [by_header]);
    assert_eq!(search("orders/ord_998").await, [by_path]);
    assert_eq!(search("page=7").await, [by_path], "the query string is searchable too");
    assert_eq!(search("no-such-text-anywhere").await, Vec::<i64>::new());
    assert_eq!(search("kiwi-").await, [by_path, by_header]);
    // Slugs never hold '_' (nor '-'), so these cannot match a random URL.
    assert_eq!(search("d_9").await, [by_path], "three characters");
    assert_eq!(search("_9").await, [by_path], "a short query still searches");
    assert_eq!(search(r#"a"b"#).await, Vec::<i64>::new(), "quotes are literal");
    assert_eq!(search("special").await, [other]);
    assert_eq!(hb.capture_ids("q=").await.len(), 4, "an empty query filters nothing");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn captures_can_be_starred_noted_tagged_and_deleted() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("marks").await;
    let a = hb.post_text(&url, "a").await;
    let b = hb.post_text(&url, "deleted-bravo-77").await;
    assert_eq!(hb.capture_ids("q=bravo-77").await, [b]);

    let (status, s) = hb
        .call(
            Method::PATCH,
            &format!("/captures/{a}"),
            Some(json!({ "starred": true, "note": "looks right", "tags": ["stripe", "prod"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["id"], a);
    assert_eq!(s["starred"], true);
    assert_eq!(s["tags"], json!(["stripe", "prod"]));
    let c = hb.get_capture(a).await;
    assert_eq!((c["starred"].clone(), c["note"].clone()), (json!(true), json!("looks right")));

    // A partial update changes only what it names.
    let (status, _) = hb.call(Method::PATCH, &format!("/captures/{a}"), Some(json!({ "note": "v2" }))).await;
    assert_eq!(status, StatusCode::OK);
    let c = hb.get_capture(a).await;
    assert_eq!(c["note"], "v2");
    assert_eq!(c["starred"], true);
    assert_eq!(c["tags"], json!(["stripe", "prod"]));
    let (_, s) = hb
        .call(Method::PATCH, &format!("/captures/{a}"), Some(json!({ "starred": false, "tags": [] })))
        .await;
    assert_eq!((s["starred"].clone(), s["tags"].clone()), (json!(false), json!([])));

    let (status, err) =
        hb.call(Method::PATCH, &format!("/captures/{a}"), Some(json!({ "tags": [" "] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "invalid_request");
    let (status, _) = hb.call(Method::PATCH, "/captures/999999", Some(json!({ "starred": true }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = hb.call(Method::DELETE, &format!("/captures/{b}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = hb.call(Method::GET, &format!("/captures/{b}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = hb.call(Method::GET, &format!("/captures/{b}/body"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = hb.call(Method::DELETE, &format!("/captures/{b}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hb.capture_ids("").await, [a]);
    assert_eq!(
        hb.capture_ids("q=bravo-77").await,
        Vec::<i64>::new(),
        "a deleted capture is not found by search"
    );
}

#[tokio::test]
async fn retention_keeps_the_newest_per_endpoint_plus_starred_ones() {
    let hb = Hookbench::start().await;
    assert_eq!(
        hb.get_json("/settings").await,
        json!({ "retention": { "max_captures_per_endpoint": null, "max_age_seconds": null } })
    );
    let (e1, url1) = hb.create_endpoint("one").await;
    let (e2, url2) = hb.create_endpoint("two").await;
    let mut c1 = Vec::new();
    for i in 0..5 {
        c1.push(hb.post_text(&url1, &format!("e1 {i}")).await);
    }
    let mut c2 = Vec::new();
    for i in 0..3 {
        c2.push(hb.post_text(&url2, &format!("e2 {i}")).await);
    }
    let (status, _) =
        hb.call(Method::PATCH, &format!("/captures/{}", c1[0]), Some(json!({ "starred": true }))).await;
    assert_eq!(status, StatusCode::OK);

    let settings = json!({ "retention": { "max_captures_per_endpoint": 2, "max_age_seconds": null } });
    let (status, saved) = hb.call(Method::PUT, "/settings", Some(settings.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved, settings);
    assert_eq!(hb.get_json("/settings").await, settings);

    assert_eq!(hb.capture_ids(&format!("endpoint={e1}")).await, [c1[4], c1[3], c1[0]], "newest 2 + starred");
    assert_eq!(hb.capture_ids(&format!("endpoint={e2}")).await, [c2[2], c2[1]]);
    let (status, _) = hb.call(Method::GET, &format!("/captures/{}", c1[1]), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, err) = hb
        .call(Method::PUT, "/settings", Some(json!({ "retention": { "max_captures_per_endpoint": -1 } })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "invalid_request");
    let (status, _) =
        hb.call(Method::PUT, "/settings", Some(json!({ "retention": { "max_age_seconds": 0 } }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(hb.get_json("/settings").await, settings, "a refused PUT changes nothing");
}

#[tokio::test]
async fn retention_by_age_deletes_old_captures_but_not_starred_ones() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("aging").await;
    let old = hb.post_text(&url, "old").await;
    let old_starred = hb.post_text(&url, "old but starred").await;
    hb.call(Method::PATCH, &format!("/captures/{old_starred}"), Some(json!({ "starred": true }))).await;
    // Let both become more than a second old (a wait, not a timing assertion).
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let settings = json!({ "retention": { "max_captures_per_endpoint": null, "max_age_seconds": 1 } });
    let (status, _) = hb.call(Method::PUT, "/settings", Some(settings)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hb.capture_ids(&format!("endpoint={endpoint}")).await, [old_starred]);
    let (status, _) = hb.call(Method::GET, &format!("/captures/{old}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn openapi_json_is_openapi_3_and_lists_the_main_paths() {
    let hb = Hookbench::start().await;
    let doc = hb.get_json("/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/info",
        "/api/v1/endpoints",
        "/api/v1/endpoints/{id}",
        "/api/v1/endpoints/{id}/rotate",
        "/api/v1/captures",
        "/api/v1/captures/{id}",
        "/api/v1/captures/{id}/body",
        "/api/v1/captures/{id}/parts/{n}",
        "/api/v1/settings",
        "/api/v1/events",
    ] {
        assert!(paths.contains_key(p), "openapi.json lacks {p}");
    }
    for method in ["get", "patch", "delete"] {
        assert!(paths["/api/v1/captures/{id}"][method].is_object(), "{method} /captures/{{id}}");
    }
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    let resp = anon_client().get(hb.api("/openapi.json")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "the document needs the token too");
}

#[tokio::test]
async fn info_describes_the_running_server() {
    let hb = Hookbench::start().await;
    let info = hb.get_json("/info").await;
    assert_eq!(info["capture_url"], hb.capture_url);
    assert_eq!(info["api_url"], hb.api_url);
    assert_eq!(info["data_dir"], hb.data_dir.display().to_string());
    assert!(info["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(info["default_endpoint_id"].is_i64());
}

#[tokio::test]
async fn the_event_stream_announces_new_captures() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("live").await;
    let mut events = EventStream::open(&hb).await;
    let (name, _) = events.next().await;
    assert_eq!(name, "ready", "the first event");
    let id = hb.post_text(&format!("{url}/live?x=1"), "hello events").await;
    let created = events.next_named("capture.created").await;
    assert_eq!(created["id"], id);
    assert_eq!(created["endpoint_id"], endpoint);
    assert_eq!(created["method"], "POST");
    assert_eq!(created["path"], format!("/h/{}/live", slug_of(&url)));
    assert_eq!(created["query"], "x=1");
    assert_eq!(created["body_size"], 12);
    assert_eq!(created["status"], 200);

    let (status, _) =
        hb.call(Method::PATCH, &format!("/captures/{id}"), Some(json!({ "starred": true }))).await;
    assert_eq!(status, StatusCode::OK);
    let updated = events.next_named("capture.updated").await;
    assert_eq!((updated["id"].clone(), updated["starred"].clone()), (json!(id), json!(true)));
    hb.call(Method::DELETE, &format!("/captures/{id}"), None).await;
    assert_eq!(events.next_named("capture.deleted").await, json!({ "id": id, "endpoint_id": endpoint }));
}

#[tokio::test]
async fn the_api_needs_the_token() {
    let hb = Hookbench::start().await;
    let client = anon_client();
    let cases: [(Option<String>, &str); 4] = [
        (None, "missing"),
        (Some("Bearer not-the-token".into()), "wrong"),
        (Some(format!("Bearer {}x", hb.token)), "longer"),
        (Some(format!("Basic {}", hb.token)), "not bearer"),
    ];
    for path in ["/endpoints", "/captures", "/events", "/settings", "/openapi.json", "/captures/1/body"] {
        for (auth, what) in &cases {
            let mut req = client.get(hb.api(path));
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{what} token on {path}");
            let err: Value = resp.json().await.unwrap();
            assert_eq!(err["error"]["code"], "unauthorized");
        }
    }
    let resp = client.get(hb.api("/endpoints")).bearer_auth(&hb.token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp =
        client.get(hb.api("/endpoints")).header("authorization", format!("bearer  {}", hb.token)).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK, "the scheme is case-insensitive");
}

#[tokio::test]
async fn the_landing_link_sets_a_cookie_that_authenticates() {
    // No UI build in this directory: `/` is the status page.
    let no_ui = tempfile::tempdir().unwrap();
    let hb = Hookbench::start_with(&["--ui-dir", no_ui.path().to_str().unwrap()]).await;
    let client = anon_client();
    let resp = client.get(format!("{}/?token={}", hb.api_url, hb.token)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/");
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let pair = set_cookie.split(';').next().unwrap().trim().to_owned();
    assert_eq!(pair, format!("hookbench_token={}", hb.token));
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");

    let resp = client
        .get(hb.api("/endpoints"))
        .header("cookie", format!("theme=dark; {pair}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the cookie authenticates");
    let resp =
        client.get(hb.api("/endpoints")).header("cookie", "hookbench_token=forged").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let resp = client.get(format!("{}/?token=wrong", hb.api_url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().get("set-cookie").is_none());
    let resp = client.get(format!("{}/", hb.api_url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the landing page itself needs no token");
    assert!(resp.text().await.unwrap().contains(&hb.capture_url));
}

#[tokio::test]
async fn the_api_refuses_hosts_that_are_not_loopback_names() {
    let hb = Hookbench::start().await;
    let port = hb.api_addr.port();
    let get = |host: String, path: &str| {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            hb.token
        );
        raw_request(hb.api_addr, req.as_bytes())
    };
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        for path in ["/api/v1/endpoints", "/"] {
            let resp = get(host.clone(), path);
            assert_eq!(resp.status, 403, "Host {host} on {path}");
            assert_eq!(resp.json()["error"]["code"], "forbidden_host");
        }
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("LocalHost:{port}")] {
        assert_eq!(get(host.clone(), "/api/v1/endpoints").status, 200, "Host {host}");
    }
}

#[tokio::test]
async fn the_api_refuses_foreign_origins_and_sends_no_cors_headers() {
    let hb = Hookbench::start().await;
    let port = hb.api_addr.port();
    for origin in ["http://evil.example", "https://127.0.0.1", "null", &format!("http://evil.example:{port}")]
    {
        let resp = hb.http.get(hb.api("/endpoints")).header("origin", origin).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "Origin {origin}");
        assert!(resp.headers().get("access-control-allow-origin").is_none());
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["code"], "forbidden_origin");
    }
    for origin in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        let resp = hb.http.get(hb.api("/endpoints")).header("origin", &origin).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "Origin {origin}");
        assert!(resp.headers().get("access-control-allow-origin").is_none());
    }
    let resp = hb
        .http
        .request(Method::OPTIONS, hb.api("/endpoints"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "no CORS preflight for foreign origins");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn api_errors_are_json_with_a_code() {
    let hb = Hookbench::start().await;
    let cases: [(Method, &str, Option<Value>, u16, &str); 5] = [
        (Method::GET, "/no/such/route", None, 404, "not_found"),
        (Method::GET, "/captures/abc", None, 400, "invalid_request"),
        (Method::GET, "/captures/424242", None, 404, "not_found"),
        (Method::POST, "/endpoints", Some(json!({ "nom": "x" })), 400, "invalid_request"),
        (Method::GET, "/endpoints/424242", None, 404, "not_found"),
    ];
    for (method, path, body, status, code) in cases {
        let (s, err) = hb.call(method.clone(), path, body).await;
        assert_eq!(s.as_u16(), status, "{method} {path}: {err}");
        assert_eq!(err["error"]["code"], code, "{method} {path}");
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let resp = hb
        .http
        .post(hb.api("/endpoints"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid_request");
}

#[tokio::test]
async fn the_ui_build_is_served_same_origin_and_files_cannot_escape_it() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ui.path().join("assets")).unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>UI</title>").unwrap();
    std::fs::write(ui.path().join("assets/app-123.js"), "console.log(1)").unwrap();
    let ui_dir = ui.path().to_str().unwrap().to_owned();
    let hb = Hookbench::start_with(&["--ui-dir", &ui_dir]).await;
    let anon = anon_client();

    let index = anon.get(format!("{}/", hb.api_url)).send().await.unwrap();
    assert_eq!(index.status(), 200);
    let csp = index.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(index.text().await.unwrap().contains("<title>UI</title>"));

    let js = anon.get(format!("{}/assets/app-123.js", hb.api_url)).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(js.headers()["cache-control"].to_str().unwrap().contains("immutable"));

    // Raw request targets, so no client tidies the dots away.
    for target in ["/assets/../../../etc/passwd", "/..%2f..%2fetc/passwd", "/../index.html"] {
        let r = raw_request(
            hb.api_addr,
            format!("GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", hb.api_addr).as_bytes(),
        );
        assert!(r.status == 404 || r.status == 400, "{target} answered {}", r.status);
        assert!(!String::from_utf8_lossy(&r.body).contains("root:"), "{target} leaked a file");
    }
    // Unknown API routes stay JSON errors, not UI files.
    let (status, body) = hb.call(reqwest::Method::GET, "/nope", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}
