//! The capture listener over real sockets: methods, paths, wire-exact headers,
//! bodies and their decoded views, limits, routing, HTTP/2 and pipelining.

use std::io::Write;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{
    Hookbench, anon_client, capture_id_of, closed_by_peer, connect, header_pairs, read_response, sha256_hex,
};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn slug_of(url: &str) -> &str {
    url.rsplit("/h/").next().expect("an endpoint URL")
}

fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

#[tokio::test]
async fn every_method_is_captured_with_its_method() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("methods").await;
    let slug = slug_of(&url).to_owned();
    let client = anon_client();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = client.request(m, format!("{url}/m/{method}"));
        let sends_body = !matches!(method, "GET" | "HEAD" | "OPTIONS");
        if sends_body {
            req = req.header("content-type", "text/plain").body(format!("body of {method}"));
        }
        let resp = req.send().await.expect("sending");
        assert_eq!(resp.status(), 200, "{method}");
        let id = capture_id_of(resp.headers());
        let body = resp.bytes().await.expect("response body");
        if method == "HEAD" {
            assert!(body.is_empty(), "a HEAD response has no body");
        } else {
            let v: Value = serde_json::from_slice(&body).expect("JSON answer");
            assert_eq!(v, json!({ "ok": true, "capture_id": id }));
        }
        let c = hb.get_capture(id).await;
        assert_eq!(c["method"], method);
        assert_eq!(c["path"], format!("/h/{slug}/m/{method}"));
        assert_eq!(c["endpoint_id"], endpoint);
        let expected_body = if sends_body { format!("body of {method}").into_bytes() } else { Vec::new() };
        assert_eq!(hb.get_body(id).await, expected_body, "{method}");
    }
    let page = hb.get_json(&format!("/captures?endpoint={endpoint}")).await;
    let methods: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|c| c["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["PURGE", "OPTIONS", "HEAD", "DELETE", "PATCH", "PUT", "POST", "GET"]);
}

#[tokio::test]
async fn sub_paths_and_raw_query_strings_are_kept_exactly() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("paths").await;
    let slug = slug_of(&url).to_owned();
    let cases = [
        (format!("/h/{slug}/a/b/c.json"), Some("a=1&a=2&b=%20x")),
        (format!("/h/{slug}/caf%C3%A9/x%2Fy/"), Some("q=%E2%9C%93&empty=&flag&plus=a+b&semi=1;2")),
        (format!("/h/{slug}"), None),
        (format!("/h/{slug}/deep/er/still"), Some("z=9&A=1")),
    ];
    for (path, query) in &cases {
        let target = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let req = format!("GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", hb.capture_addr);
        let resp = hb.raw(req.as_bytes());
        assert_eq!(resp.status, 200, "{target}");
        let c = hb.get_capture(resp.capture_id()).await;
        assert_eq!(c["path"], *path);
        assert_eq!(c["query"], json!(query), "{target}");
        let summary = &hb.get_json("/captures?limit=1").await["items"][0];
        assert_eq!(summary["query"], json!(query));
    }
    // reqwest sends the URL as written, too.
    let id = hb.post_text(&format!("{url}/x?a=1&a=2&b=%20x"), "hi").await;
    let c = hb.get_capture(id).await;
    assert_eq!(c["path"], format!("/h/{slug}/x"));
    assert_eq!(c["query"], "a=1&a=2&b=%20x");
}

#[tokio::test]
async fn duplicate_and_odd_case_headers_are_kept_in_order() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("headers").await;
    let slug = slug_of(&url);
    let host = hb.capture_addr.to_string();
    let req = format!(
        "POST /h/{slug}/wire HTTP/1.1\r\n\
         Host: {host}\r\n\
         X-Dup: one\r\n\
         x-ODD-Case: MiXeD  Value\r\n\
         X-Dup: two\r\n\
         content-TYPE: text/plain\r\n\
         X-Empty:\r\n\
         Stripe-Signature: t=1,v1=abc\r\n\
         X-Dup: three\r\n\
         Content-Length: 5\r\n\
         Connection: close\r\n\
         \r\n\
         hello"
    );
    let resp = hb.raw(req.as_bytes());
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["header_source"], "wire");
    assert_eq!(c["http_version"], "HTTP/1.1");
    let expected = json!([
        { "name": "Host", "value": host },
        { "name": "X-Dup", "value": "one" },
        { "name": "x-ODD-Case", "value": "MiXeD  Value" },
        { "name": "X-Dup", "value": "two" },
        { "name": "content-TYPE", "value": "text/plain" },
        { "name": "X-Empty", "value": "" },
        { "name": "Stripe-Signature", "value": "t=1,v1=abc" },
        { "name": "X-Dup", "value": "three" },
        { "name": "Content-Length", "value": "5" },
        { "name": "Connection", "value": "close" },
    ]);
    assert_eq!(c["headers"], expected);
    assert_eq!(c["content_type"], "text/plain");
    assert_eq!(c["declared_length"], 5);
    assert_eq!(hb.get_body(c["id"].as_i64().unwrap()).await, b"hello");
}

#[tokio::test]
async fn a_non_utf8_header_value_gets_value_base64() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("latin1").await;
    let slug = slug_of(&url);
    let raw_value: &[u8] = b"caf\xe9 cr\xe8me";
    let mut req = format!("GET /h/{slug}/bytes HTTP/1.1\r\nHost: x\r\nX-Latin1: ").into_bytes();
    req.extend_from_slice(raw_value);
    req.extend_from_slice(b"\r\nX-Plain: ok\r\nConnection: close\r\n\r\n");
    let resp = hb.raw(&req);
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["header_source"], "wire");
    let headers = c["headers"].as_array().unwrap();
    let latin = headers.iter().find(|h| h["name"] == "X-Latin1").expect("X-Latin1 kept");
    assert_eq!(latin["value_base64"], b64(raw_value));
    assert_eq!(latin["value"], String::from_utf8_lossy(raw_value).as_ref());
    let plain = headers.iter().find(|h| h["name"] == "X-Plain").expect("X-Plain kept");
    assert_eq!(plain, &json!({ "name": "X-Plain", "value": "ok" }), "no value_base64 on UTF-8 values");
}

#[tokio::test]
async fn a_binary_body_comes_back_byte_exact() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("binary").await;
    let body: Vec<u8> = all_bytes().into_iter().chain((0..=255u8).rev()).collect();
    let id = hb.send_capture("POST", &url, "application/octet-stream", body.clone()).await;
    let resp = hb.http.get(hb.api(&format!("/captures/{id}/body"))).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.headers()["x-hookbench-content-type"], "application/octet-stream");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("sandbox"), "a raw body never runs as the API's origin: {csp}");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), body);
    let c = hb.get_capture(id).await;
    assert_eq!(c["body_sha256"], sha256_hex(&body));
    assert_eq!(c["body_size"], body.len());
    assert_eq!(c["decoded"]["kind"], "binary");
    assert_eq!(c["decoded"]["text"], Value::Null);
}

/// Bodies of a few hundred KiB and more, twice the same and once different by one
/// byte: each capture keeps its own bytes, whatever the store does with big ones.
#[tokio::test]
async fn large_bodies_round_trip_and_identical_ones_stay_independent() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("large").await;
    let big: Vec<u8> =
        (0..1024 * 1024 + 17).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut nearly = big.clone();
    *nearly.last_mut().unwrap() ^= 0xff;
    let a = hb.send_capture("POST", &url, "application/octet-stream", big.clone()).await;
    let b = hb.send_capture("POST", &url, "application/octet-stream", big.clone()).await;
    let c = hb.send_capture("PUT", &url, "application/octet-stream", nearly.clone()).await;
    let text = format!("marker-start-QQ7 {}", "lorem ipsum ".repeat(40_000));
    let t = hb.send_capture("POST", &url, "text/plain", text.clone().into_bytes()).await;
    let small = hb.post_text(&url, "a small one after the big ones").await;
    for (id, bytes) in [(a, &big), (b, &big), (c, &nearly)] {
        assert_eq!(hb.get_body(id).await, *bytes, "capture {id}");
        let cap = hb.get_capture(id).await;
        assert_eq!(cap["body_sha256"], sha256_hex(bytes));
        assert_eq!(cap["body_size"], bytes.len());
    }
    assert_eq!(hb.get_body(t).await, text.as_bytes());
    assert_eq!(hb.get_capture(t).await["decoded"]["text"], text);
    assert_eq!(hb.get_body(small).await, b"a small one after the big ones");

    let (status, _) = hb.call(reqwest::Method::DELETE, &format!("/captures/{a}"), None).await;
    assert_eq!(status, 204);
    assert_eq!(hb.get_body(b).await, big, "deleting one copy leaves the other whole");
    let (status, _) = hb.call(reqwest::Method::DELETE, &format!("/captures/{b}"), None).await;
    assert_eq!(status, 204);
    let again = hb.send_capture("POST", &url, "application/octet-stream", big.clone()).await;
    assert_eq!(hb.get_body(again).await, big, "the same bytes captured again after both copies went");
    assert_eq!(hb.get_body(c).await, nearly);
}

/// Search covers the first part of every text body, big ones included, right
/// after the capture and after the full-text indexer has had time to run.
#[tokio::test]
async fn a_big_text_body_is_found_by_search() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("big search").await;
    let text = format!("marker-start-QQ7 {}", "lorem ipsum ".repeat(40_000));
    let t = hb.send_capture("POST", &url, "text/plain", text.into_bytes()).await;
    assert_eq!(hb.capture_ids("q=marker-start-qq7").await, [t], "right after the capture");
    // Give the full-text indexer time to take it (a wait, not a timing assertion).
    hb.post_text(&url, "a small one after it").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(hb.capture_ids("q=marker-start-qq7").await, [t], "once indexed");
}

#[tokio::test]
async fn a_chunked_binary_body_is_reassembled_byte_exact() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("chunked").await;
    let slug = slug_of(&url);
    let body = all_bytes();
    let mut req = format!(
        "PUT /h/{slug}/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(100) {
        req.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
    let resp = hb.raw(&req);
    assert_eq!(resp.status, 200);
    let id = resp.capture_id();
    assert_eq!(hb.get_body(id).await, body);
    let c = hb.get_capture(id).await;
    assert_eq!(c["body_sha256"], sha256_hex(&body));
    assert_eq!(c["declared_length"], Value::Null);
    assert_eq!(c["header_source"], "wire");
}

#[tokio::test]
async fn a_gzip_json_body_is_decoded_and_its_raw_bytes_kept() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("gzip").await;
    let doc = json!({ "event": "order.paid", "order": { "id": 42, "total": 19.99, "tags": ["a", "b"] } });
    let plain = serde_json::to_vec(&doc).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    let gz = enc.finish().unwrap();
    let resp = anon_client()
        .post(&url)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = capture_id_of(resp.headers());
    assert_eq!(hb.get_body(id).await, gz, "/body returns the gzip bytes as sent");
    let c = hb.get_capture(id).await;
    assert_eq!(c["body_sha256"], sha256_hex(&gz));
    assert_eq!(c["body_size"], gz.len());
    let d = &c["decoded"];
    assert_eq!(d["kind"], "json");
    assert_eq!(d["json"], doc);
    assert_eq!(d["content_encoding"], json!(["gzip"]));
    assert_eq!(d["decoded_size"], plain.len());
    assert_eq!(d["truncated"], false);
    assert_eq!(d["errors"], json!([]));
}

#[tokio::test]
async fn a_brotli_text_body_is_decoded() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("br").await;
    let text = "brotli says hello ".repeat(50);
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 9, 22);
        w.write_all(text.as_bytes()).unwrap();
    }
    let resp = anon_client()
        .post(&url)
        .header("content-type", "text/plain; charset=utf-8")
        .header("content-encoding", "br")
        .body(br.clone())
        .send()
        .await
        .unwrap();
    let id = capture_id_of(resp.headers());
    assert_eq!(hb.get_body(id).await, br);
    let d = hb.get_capture(id).await["decoded"].clone();
    assert_eq!(d["kind"], "text");
    assert_eq!(d["text"], text);
    assert_eq!(d["content_encoding"], json!(["br"]));
}

#[tokio::test]
async fn multipart_with_a_text_field_and_a_binary_file() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("multipart").await;
    let boundary = "----hookbench-7QxBoundary";
    let file = all_bytes();
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"greeting\"\r\n\r\nhello, world\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"blob.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let id = hb.send_capture("POST", &url, &ct, body.clone()).await;

    assert_eq!(hb.get_body(id).await, body);
    let c = hb.get_capture(id).await;
    let d = &c["decoded"];
    assert_eq!(d["kind"], "multipart");
    assert_eq!(d["errors"], json!([]));
    let parts = d["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["name"], "greeting");
    assert_eq!(parts[0]["filename"], Value::Null);
    assert_eq!(parts[0]["text"], "hello, world");
    assert_eq!(parts[1]["name"], "upload");
    assert_eq!(parts[1]["filename"], "blob.bin");
    assert_eq!(parts[1]["content_type"], "application/octet-stream");
    assert_eq!(parts[1]["size"], 256);
    assert_eq!(parts[1]["body_base64"], b64(&file));

    let resp = hb.http.get(hb.api(&format!("/captures/{id}/parts/1"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("blob.bin"), "{disposition}");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), file);
    assert_eq!(hb.get_bytes(&format!("/captures/{id}/parts/0")).await, b"hello, world");
    let (status, err) = hb.call(reqwest::Method::GET, &format!("/captures/{id}/parts/2"), None).await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], "not_found");
}

#[tokio::test]
async fn malformed_json_is_captured_raw_with_a_decode_error() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("bad json").await;
    let body = br#"{"order": 42, "items": [1, 2,"#.to_vec();
    let id = hb.send_capture("POST", &url, "application/json", body.clone()).await;
    assert_eq!(hb.get_body(id).await, body);
    let c = hb.get_capture(id).await;
    assert_eq!(c["rejected"], Value::Null);
    assert_eq!(c["response"]["status"], 200);
    let d = &c["decoded"];
    assert_eq!(d["json"], Value::Null);
    assert_eq!(d["kind"], "text");
    assert_eq!(d["text"], String::from_utf8(body).unwrap());
    let errors = d["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].as_str().unwrap().starts_with("invalid JSON"), "{errors:?}");
}

#[tokio::test]
async fn a_content_length_over_max_body_gets_413_and_is_recorded() {
    let hb = Hookbench::start_with(&["--max-body", "1KiB"]).await;
    let (endpoint, url) = hb.create_endpoint("limits").await;
    let slug = slug_of(&url);
    // Only the head: the listener must answer without reading the body.
    let req = format!(
        "POST /h/{slug}/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    );
    let resp = hb.raw(req.as_bytes());
    assert_eq!(resp.status, 413);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["error"]["code"], "payload_too_large");
    let id = resp.capture_id();
    let c = hb.get_capture(id).await;
    assert_eq!(c["endpoint_id"], endpoint);
    assert_eq!(c["rejected"], "too_large");
    assert_eq!(c["declared_length"], 5000);
    assert_eq!(c["body_size"], 0);
    assert_eq!(c["response"]["status"], 413);
    assert_eq!(c["path"], format!("/h/{slug}/big"));
    let summary = &hb.get_json(&format!("/captures?endpoint={endpoint}")).await["items"][0];
    assert_eq!(summary["id"], id);
    assert_eq!(summary["status"], 413);
    assert_eq!(summary["rejected"], "too_large");
}

#[tokio::test]
async fn a_chunked_body_over_max_body_gets_413_and_is_recorded() {
    let hb = Hookbench::start_with(&["--max-body", "1KiB"]).await;
    let (_, url) = hb.create_endpoint("limits").await;
    let slug = slug_of(&url);
    let mut req = format!("POST /h/{slug}/stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .into_bytes();
    // Three 512-byte chunks (1536 > 1024) and no last chunk: the listener stops reading at the limit.
    for _ in 0..3 {
        req.extend_from_slice(b"200\r\n");
        req.extend_from_slice(&[b'x'; 512]);
        req.extend_from_slice(b"\r\n");
    }
    let resp = hb.raw(&req);
    assert_eq!(resp.status, 413);
    assert_eq!(resp.json()["error"]["code"], "payload_too_large");
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["rejected"], "too_large");
    assert_eq!(c["declared_length"], Value::Null);
    assert_eq!(c["response"]["status"], 413);
}

#[tokio::test]
async fn a_body_of_exactly_max_body_is_accepted_and_one_more_byte_is_not() {
    let hb = Hookbench::start_with(&["--max-body", "1KiB"]).await;
    let (_, url) = hb.create_endpoint("edge").await;
    let id = hb.send_capture("POST", &url, "application/octet-stream", vec![7u8; 1024]).await;
    let c = hb.get_capture(id).await;
    assert_eq!(c["rejected"], Value::Null);
    assert_eq!(c["body_size"], 1024);
    let slug = slug_of(&url);
    let mut req = format!("POST /h/{slug} HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n").into_bytes();
    req.extend_from_slice(&[7u8; 1025]);
    let resp = hb.raw(&req);
    assert_eq!(resp.status, 413);
    assert_eq!(hb.get_capture(resp.capture_id()).await["declared_length"], 1025);
}

#[tokio::test]
async fn expect_100_continue_over_the_limit_is_answered_413_at_once() {
    let hb = Hookbench::start_with(&["--max-body", "1KiB"]).await;
    let (_, url) = hb.create_endpoint("expect").await;
    let slug = slug_of(&url);
    let req =
        format!("POST /h/{slug} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n");
    let resp = hb.raw(req.as_bytes());
    assert_eq!(resp.status, 413, "no 100 Continue for a body that will be refused");
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["rejected"], "too_large");
}

#[tokio::test]
async fn an_unknown_slug_is_404_json_and_not_captured() {
    let hb = Hookbench::start().await;
    hb.create_endpoint("real").await;
    for target in ["/h/no-such-slug", "/h/no-such-slug/sub?x=1"] {
        let req =
            format!("POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        let resp = hb.raw(req.as_bytes());
        assert_eq!(resp.status, 404, "{target}");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.json()["error"]["code"], "unknown_endpoint");
        assert_eq!(resp.header("x-hookbench-capture-id"), None);
    }
    assert_eq!(hb.capture_ids("").await, Vec::<i64>::new(), "nothing was captured");
}

#[tokio::test]
async fn the_default_endpoint_catches_every_other_path() {
    let hb = Hookbench::start().await;
    let default_id = hb.default_endpoint_id().await;
    let endpoints = hb.get_json("/endpoints").await;
    let default =
        endpoints["items"].as_array().unwrap().iter().find(|e| e["is_default"] == true).unwrap().clone();
    assert_eq!(default["id"], default_id);
    assert_eq!(default["url"], format!("{}/", hb.capture_url));

    let id = hb.post_text(&format!("{}/anything/at/all?x=1", hb.capture_url), "to default").await;
    let c = hb.get_capture(id).await;
    assert_eq!(c["endpoint_id"], default_id);
    assert_eq!(c["path"], "/anything/at/all");
    assert_eq!(c["query"], "x=1");
    let resp = anon_client().get(format!("{}/", hb.capture_url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let root = hb.get_capture(capture_id_of(resp.headers())).await;
    assert_eq!(root["endpoint_id"], default_id);
    assert_eq!(root["path"], "/");
    let e = hb.get_json(&format!("/endpoints/{default_id}")).await;
    assert_eq!(e["capture_count"], 2);
    assert!(e["last_capture_at"].is_i64());
}

#[tokio::test]
async fn the_response_sent_is_recorded_with_the_capture() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("resp").await;
    let id = hb.send_capture("POST", &url, "application/json", br#"{"a":1}"#.to_vec()).await;
    let c = hb.get_capture(id).await;
    assert_eq!(c["response"]["status"], 200);
    let body: Value = serde_json::from_str(c["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({ "ok": true, "capture_id": id }));
    let rh = header_pairs(&c["response"]);
    assert!(rh.contains(&("x-hookbench-capture-id".to_owned(), id.to_string())), "{rh:?}");
    assert!(c["remote_addr"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(c["http_version"], "HTTP/1.1");
    assert_eq!(c["content_type"], "application/json");
    assert_eq!(c["decoded"]["json"], json!({ "a": 1 }));
    assert!(c["received_at"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(c["starred"], false);
    assert_eq!(c["note"], "");
    assert_eq!(c["tags"], json!([]));
}

#[tokio::test]
async fn h2c_with_prior_knowledge_is_captured() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("h2").await;
    let slug = slug_of(&url).to_owned();
    let client = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let mut handles = Vec::new();
    for i in 0..5 {
        let client = client.clone();
        let url = format!("{url}/stream/{i}?n={i}");
        handles.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("x-h2-test", format!("yes-{i}"))
                .header("content-type", "application/json")
                .body(format!("{{\"i\":{i}}}"))
                .send()
                .await
                .expect("h2 request");
            assert_eq!(resp.version(), reqwest::Version::HTTP_2);
            assert_eq!(resp.status(), 200);
            (i, capture_id_of(resp.headers()))
        }));
    }
    for h in handles {
        let (i, id) = h.await.unwrap();
        let c = hb.get_capture(id).await;
        assert_eq!(c["http_version"], "HTTP/2.0");
        assert_eq!(c["header_source"], "parsed");
        assert_eq!(c["endpoint_id"], endpoint);
        assert_eq!(c["method"], "POST");
        assert_eq!(c["path"], format!("/h/{slug}/stream/{i}"));
        assert_eq!(c["query"], format!("n={i}"));
        assert!(header_pairs(&c).contains(&("x-h2-test".to_owned(), format!("yes-{i}"))));
        assert_eq!(c["decoded"]["json"], json!({ "i": i }));
    }
}

/// Three requests (fixed length, no body, chunked) written in one go on one connection.
#[tokio::test]
async fn pipelined_requests_are_each_captured_with_their_own_headers() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("pipeline").await;
    let slug = slug_of(&url);
    // (method, headers in wire order, framed body)
    type Req = (&'static str, &'static [(&'static str, &'static str)], &'static [u8]);
    let reqs: [Req; 3] = [
        ("POST", &[("Host", "p"), ("X-Seq", "1"), ("x-FIRST", "a"), ("Content-Length", "5")], b"first"),
        ("GET", &[("Host", "p"), ("X-Seq", "2"), ("X-Seq", "2b")], b""),
        (
            "PUT",
            &[("host", "p"), ("Transfer-Encoding", "chunked"), ("X-SEQ", "3")],
            b"5\r\nthird\r\n0\r\n\r\n",
        ),
    ];
    let mut wire = Vec::new();
    for (i, (method, headers, body)) in reqs.iter().enumerate() {
        wire.extend_from_slice(format!("{method} /h/{slug}/p/{i} HTTP/1.1\r\n").as_bytes());
        for (n, v) in headers.iter() {
            wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(body);
    }
    let mut s = connect(hb.capture_addr);
    s.write_all(&wire).unwrap();
    let mut buf = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let resp = read_response(&mut s, &mut buf);
        assert_eq!(resp.status, 200);
        ids.push(resp.capture_id());
    }
    let expected_bodies: [&[u8]; 3] = [b"first", b"", b"third"];
    for (i, id) in ids.iter().enumerate() {
        let c = hb.get_capture(*id).await;
        assert_eq!(c["header_source"], "wire", "request {i}");
        assert_eq!(c["method"], reqs[i].0);
        assert_eq!(c["path"], format!("/h/{slug}/p/{i}"));
        let expected: Vec<(String, String)> =
            reqs[i].1.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        assert_eq!(header_pairs(&c), expected, "request {i}");
        assert_eq!(hb.get_body(*id).await, expected_bodies[i]);
    }
}

/// A request to an unknown slug followed, on the same keep-alive connection, by
/// one to a real endpoint: the second keeps its wire headers.
#[tokio::test]
async fn headers_stay_wire_exact_after_an_unknown_slug_on_the_same_connection() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("keepalive").await;
    let slug = slug_of(&url);
    let mut s = connect(hb.capture_addr);
    let mut buf = Vec::new();
    s.write_all(b"GET /h/not-a-slug HTTP/1.1\r\nHost: k\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut s, &mut buf).status, 404);
    s.write_all(format!("GET /h/{slug}/next HTTP/1.1\r\nHost: k\r\nX-Odd-CASE: v\r\n\r\n").as_bytes())
        .unwrap();
    let resp = read_response(&mut s, &mut buf);
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["header_source"], "wire");
    assert_eq!(
        header_pairs(&c),
        [("Host".to_owned(), "k".to_owned()), ("X-Odd-CASE".to_owned(), "v".to_owned())]
    );
}

#[tokio::test]
async fn keep_alive_requests_on_one_connection_are_each_captured() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("keepalive").await;
    let slug = slug_of(&url);
    let mut s = connect(hb.capture_addr);
    let mut buf = Vec::new();
    for i in 0..4 {
        let body = format!("req-{i}");
        s.write_all(
            format!(
                "POST /h/{slug}/{i} HTTP/1.1\r\nHost: k\r\nX-N: {i}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
        let resp = read_response(&mut s, &mut buf);
        assert_eq!(resp.status, 200);
        let id = resp.capture_id();
        let c = hb.get_capture(id).await;
        assert_eq!(c["header_source"], "wire");
        assert_eq!(header_pairs(&c)[1], ("X-N".to_owned(), i.to_string()));
        assert_eq!(hb.get_body(id).await, body.as_bytes());
    }
}

#[tokio::test]
async fn the_header_timeout_closes_a_connection_that_sends_half_a_head() {
    let hb = Hookbench::start_with(&["--header-timeout", "2"]).await;
    let (_, url) = hb.create_endpoint("slow").await;
    let slug = slug_of(&url);
    let mut s = connect(hb.capture_addr);
    s.write_all(format!("POST /h/{slug}/slow HTTP/1.1\r\nHost: x\r\nX-Half: ").as_bytes()).unwrap();
    assert!(
        closed_by_peer(&mut s, Duration::from_secs(15)),
        "the listener must close a connection whose head never completes"
    );
    assert_eq!(hb.capture_ids("").await, Vec::<i64>::new(), "a half head is not a capture");
}

#[tokio::test]
async fn http_1_0_without_a_host_header_is_captured() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("old client").await;
    let slug = slug_of(&url);
    let resp = hb.raw(format!("GET /h/{slug}/legacy?v=1.0 HTTP/1.0\r\n\r\n").as_bytes());
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["endpoint_id"], endpoint);
    assert_eq!(c["http_version"], "HTTP/1.0");
    assert_eq!(c["header_source"], "wire");
    assert_eq!(c["headers"], json!([]));
    assert_eq!(c["query"], "v=1.0");
}

#[tokio::test]
async fn asterisk_and_absolute_form_targets_are_captured() {
    let hb = Hookbench::start().await;
    let (endpoint, url) = hb.create_endpoint("targets").await;
    let slug = slug_of(&url);
    let resp = hb.raw(b"OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!((c["method"].clone(), c["path"].clone()), (json!("OPTIONS"), json!("*")));
    assert_eq!(c["endpoint_id"], hb.default_endpoint_id().await);

    let req = format!(
        "POST http://Example.COM/h/{slug}/abs?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let resp = hb.raw(req.as_bytes());
    assert_eq!(resp.status, 200);
    let c = hb.get_capture(resp.capture_id()).await;
    assert_eq!(c["endpoint_id"], endpoint);
    assert_eq!(c["path"], format!("/h/{slug}/abs"));
    assert_eq!(c["query"], "q=1");
    assert_eq!(c["header_source"], "wire");
}

/// A target with a fragment (senders should not send one, some do): the capture
/// keeps its wire headers, and so does the next request on the connection.
#[tokio::test]
async fn a_target_with_a_fragment_keeps_wire_headers() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("fragment").await;
    let slug = slug_of(&url);
    let mut s = connect(hb.capture_addr);
    let mut buf = Vec::new();
    s.write_all(format!("GET /h/{slug}/f?a=1#frag HTTP/1.1\r\nHost: k\r\nX-ODD: 1\r\n\r\n").as_bytes())
        .unwrap();
    let first = read_response(&mut s, &mut buf);
    s.write_all(format!("GET /h/{slug}/g HTTP/1.1\r\nHost: k\r\nX-ODD: 2\r\n\r\n").as_bytes()).unwrap();
    let second = read_response(&mut s, &mut buf);
    for (resp, n) in [(first, "1"), (second, "2")] {
        assert_eq!(resp.status, 200);
        let c = hb.get_capture(resp.capture_id()).await;
        assert_eq!(c["header_source"], "wire", "request {n}");
        assert_eq!(
            header_pairs(&c),
            [("Host".to_owned(), "k".to_owned()), ("X-ODD".to_owned(), n.to_owned())]
        );
    }
}
