//! Understanding payloads over the real API: diffs of captures, schema and
//! field tables, mapping references checked against later captures, mappings
//! with export, import and preview, and `hookbench diff`.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{EventStream, Hookbench};

/// Send a request with exactly these headers (and Content-Length); returns the capture id.
pub(crate) fn send(hb: &Hookbench, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> i64 {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", hb.capture_addr);
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    let resp = hb.raw(&bytes);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.raw));
    resp.capture_id()
}

pub(crate) fn send_json(hb: &Hookbench, target: &str, body: Value) -> i64 {
    send(hb, "POST", target, &[("Content-Type", "application/json")], body.to_string().as_bytes())
}

pub(crate) fn slug_path(url: &str) -> String {
    format!("/h/{}", url.rsplit("/h/").next().expect("an endpoint URL"))
}

fn find<'a>(changes: &'a [Value], area: &str, path: &str) -> Option<&'a Value> {
    changes.iter().find(|c| c["area"] == area && c["path"] == path)
}

/// Poll `GET path` until `done` holds (bounded).
async fn wait_for(hb: &Hookbench, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = hb.get_json(path).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "GET {path} never got there: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn diff_of_two_json_captures_by_pointer_with_headers_and_volatile() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("diffs").await;
    let base = slug_path(&url);
    let a = send(
        &hb,
        "POST",
        &format!("{base}?a=1&ts=1764763200"),
        &[("Content-Type", "application/json"), ("X-A", "1"), ("X-B", "2"), ("X-Gone", "g"), ("Date", "Mon")],
        json!({
            "customer": {"email": "a@x"}, "a/b": 1, "tags": "vip",
            "items": [{"id": "i1", "q": 1}, {"id": "i2", "q": 2}],
            "created_at": "2026-01-01T00:00:00Z"
        })
        .to_string()
        .as_bytes(),
    );
    let b = send(
        &hb,
        "PUT",
        &format!("{base}/v2?a=2&ts=1764763300"),
        &[("Content-Type", "application/json"), ("X-B", "2"), ("X-A", "9"), ("X-New", "n"), ("Date", "Tue")],
        json!({
            "customer": {"email": "b@x"}, "a/b": 2, "tags": ["vip"],
            "items": [{"id": "i0", "q": 0}, {"id": "i1", "q": 1}, {"id": "i2", "q": 3}],
            "created_at": "2026-01-02T00:00:00Z"
        })
        .to_string()
        .as_bytes(),
    );

    let d = hb.get_json(&format!("/diff?a={a}&b={b}")).await;
    assert_eq!(d["a"]["id"], a);
    assert_eq!(d["b"]["id"], b);
    assert_eq!(d["b"]["method"], "PUT");
    assert_eq!(d["body"]["kind"], "json");
    assert_eq!(d["hidden_volatile"], 0);
    let changes = d["changes"].as_array().expect("changes");
    let m = find(changes, "method", "").expect("method change");
    assert_eq!((m["a"].clone(), m["b"].clone()), (json!("POST"), json!("PUT")));
    assert_eq!(find(changes, "path", "").expect("path change")["b"], format!("{base}/v2"));
    assert_eq!(find(changes, "query", "a").expect("query a")["kind"], "changed");
    assert_eq!(find(changes, "query", "ts").expect("query ts")["volatile"], true);
    assert_eq!(find(changes, "header", "x-a").expect("x-a")["kind"], "changed");
    assert_eq!(find(changes, "header", "x-gone").expect("x-gone")["kind"], "removed");
    assert_eq!(find(changes, "header", "x-new").expect("x-new")["kind"], "added");
    let moved = find(changes, "header", "x-b").expect("x-b moved");
    assert_eq!(moved["kind"], "moved");
    assert_eq!(
        (moved["a"].clone(), moved["b"].clone()),
        (json!(3), json!(2)),
        "indices as sent (Host first)"
    );
    assert_eq!(find(changes, "header", "date").expect("date")["volatile"], true);
    let email = find(changes, "body", "/customer/email").expect("email");
    assert_eq!(
        (email["kind"].clone(), email["a"].clone(), email["b"].clone()),
        (json!("changed"), json!("a@x"), json!("b@x"))
    );
    assert_eq!(find(changes, "body", "/a~1b").expect("escaped pointer")["kind"], "changed");
    let tags = find(changes, "body", "/tags").expect("tags");
    assert_eq!(tags["kind"], "type_changed");
    assert_eq!(tags["b"], json!(["vip"]));
    // Matched by id: i0 is new at the front, i2's q changed; i1 is unchanged.
    assert_eq!(find(changes, "body", "/items/0").expect("i0")["kind"], "added");
    assert_eq!(find(changes, "body", "/items/2/q").expect("i2.q")["kind"], "changed");
    assert!(find(changes, "body", "/items/1/id").is_none(), "{changes:?}");
    let created = find(changes, "body", "/created_at").expect("created_at");
    assert_eq!(created["volatile"], true);

    let quiet = hb.get_json(&format!("/diff?a={a}&b={b}&ignore_volatile=true")).await;
    let kept = quiet["changes"].as_array().expect("changes");
    assert!(kept.iter().all(|c| c["volatile"] == false), "{kept:?}");
    assert!(find(kept, "body", "/created_at").is_none());
    assert!(find(kept, "body", "/customer/email").is_some());
    let hidden = quiet["hidden_volatile"].as_u64().expect("hidden_volatile");
    let volatile = changes.iter().filter(|c| c["volatile"] == true).count() as u64;
    assert!(hidden >= 4, "ts, date, content-length, created_at: {hidden}");
    assert_eq!(hidden, volatile);
    assert_eq!(kept.len() as u64 + hidden, changes.len() as u64);
}

#[tokio::test]
async fn diff_of_text_and_binary_bodies_and_bad_ids() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("text").await;
    let base = slug_path(&url);
    let t1 = send(&hb, "POST", &base, &[("Content-Type", "text/plain")], b"one\ntwo\nthree\n");
    let t2 = send(&hb, "POST", &base, &[("Content-Type", "text/plain")], b"one\n2\nthree\n");
    let d = hb.get_json(&format!("/diff?a={t1}&b={t2}")).await;
    assert_eq!(d["body"]["kind"], "text");
    let ops: Vec<(String, String)> = d["body"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["op"].as_str().unwrap_or("").to_owned(), l["text"].as_str().unwrap_or("").to_owned()))
        .collect();
    let want = [("equal", "one"), ("removed", "two"), ("added", "2"), ("equal", "three")];
    assert_eq!(ops, want.map(|(o, t)| (o.to_owned(), t.to_owned())).to_vec());
    assert_eq!(d["body"]["lines"][2]["b_line"], 2);

    let b1 = send(&hb, "POST", &base, &[("Content-Type", "application/octet-stream")], &[0, 1, 2, 0xff]);
    let b2 = send(&hb, "POST", &base, &[("Content-Type", "application/octet-stream")], &[0, 9]);
    let d = hb.get_json(&format!("/diff?a={b1}&b={b2}")).await;
    assert_eq!(d["body"]["kind"], "binary");
    assert_eq!(d["body"]["lines"], Value::Null);
    assert_eq!((d["body"]["a_size"].clone(), d["body"]["b_size"].clone()), (json!(4), json!(2)));
    assert_eq!(d["body"]["a_sha256"], crate::common::sha256_hex(&[0, 1, 2, 0xff]));
    assert_eq!(
        find(d["changes"].as_array().expect("changes"), "body", "").expect("body change")["b"]["size"],
        2
    );

    let (status, err) = hb.call(Method::GET, &format!("/diff?a={t1}&b=999999"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "not_found");
    let (status, _) = hb.call(Method::GET, &format!("/diff?a={t1}"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_mapping_reference_checks_later_captures() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("inbound").await;
    let base = slug_path(&url);
    let (other, other_url) = hb.create_endpoint("other").await;
    let first = send_json(
        &hb,
        &format!("{base}?source=fb"),
        json!({"customer": {"email": "a@x", "name": "Ada Lovelace"}, "tags": "vip", "phone": "1", "odd key": 1}),
    );
    let path = format!("/endpoints/{ep}/mapping-reference");
    let (status, _) = hb.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no reference yet");

    let (status, r) = hb.call(Method::PUT, &path, Some(json!({"capture_id": first}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["endpoint_id"], ep);
    assert_eq!(r["capture_id"], first);
    let fields = r["fields"].as_array().expect("fields");
    let email = fields.iter().find(|f| f["path"] == "customer.email").expect("customer.email");
    assert_eq!(email["tag"], "{{inboundWebhookRequest.customer.email}}");
    assert_eq!(email["type"], "string");
    assert_eq!(email["sample"], "a@x");
    let q = fields.iter().find(|f| f["path"] == "query.source").expect("query parameter");
    assert_eq!(q["tag"], "{{inboundWebhookRequest.query.source}}");
    assert!(fields.iter().any(|f| f["path"] == "[\"odd key\"]"), "{fields:?}");
    assert_eq!(hb.get_json(&path).await, r);

    // The reference capture itself is checked (in the background) and clean.
    let c = wait_for(&hb, &format!("/captures/{first}"), |c| !c["mapping_check"].is_null()).await;
    assert_eq!(c["mapping_check"], json!({"missing": [], "null": [], "type_changed": [], "new": []}));

    let mut events = EventStream::open(&hb).await;
    let second = send_json(
        &hb,
        &base,
        json!({"customer": {"email": "b@x", "name": null}, "tags": ["vip", "new"], "odd key": 2, "city": "X"}),
    );
    let c = wait_for(&hb, &format!("/captures/{second}"), |c| !c["mapping_check"].is_null()).await;
    let check = &c["mapping_check"];
    assert_eq!(check["missing"], json!(["phone", "query.source"]));
    assert_eq!(check["null"], json!(["customer.name"]));
    assert_eq!(check["type_changed"], json!([{"path": "tags", "expected": "string", "got": "array"}]));
    assert_eq!(check["new"], json!(["city"]));
    let page = hb.get_json(&format!("/captures?endpoint={ep}")).await;
    let row =
        page["items"].as_array().expect("items").iter().find(|r| r["id"] == second).cloned().expect("row");
    assert_eq!(row["mapping_issues"], 4);
    let updated = loop {
        let e = events.next_named("capture.updated").await;
        if e["id"] == second {
            break e;
        }
    };
    assert_eq!(updated["mapping_issues"], 4);

    // Other endpoints are not checked.
    let elsewhere = send_json(&hb, &slug_path(&other_url), json!({"x": 1}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hb.get_capture(elsewhere).await["mapping_check"], Value::Null);

    // A capture of another endpoint cannot be this one's reference; an unknown one is 404.
    let (status, _) = hb.call(Method::PUT, &path, Some(json!({"capture_id": elsewhere}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = hb.call(Method::PUT, &path, Some(json!({"capture_id": 999_999}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{other}/mapping-reference"),
            Some(json!({"capture_id": first})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Replacing the reference rechecks: against the second capture, the first lacks `city`.
    let (status, _) = hb.call(Method::PUT, &path, Some(json!({"capture_id": second}))).await;
    assert_eq!(status, StatusCode::OK);
    let c = wait_for(&hb, &format!("/captures/{first}"), |c| {
        c["mapping_check"]["missing"].as_array().is_some_and(|m| m.contains(&json!("city")))
    })
    .await;
    assert_eq!(c["mapping_check"]["type_changed"][0]["path"], "tags");

    let mut events = EventStream::open(&hb).await;
    let (status, _) = hb.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Rechecks may still be announcing results; the clearing follows (bounded wait).
    loop {
        let e = events.next_named("capture.updated").await;
        if e["mapping_issues"].is_null() {
            break;
        }
    }
    let (status, err) = hb.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(hb.get_capture(second).await["mapping_check"], Value::Null);
    let (status, _) = hb.call(Method::GET, "/endpoints/999999/mapping-reference", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_background_check_leaves_bodies_too_large_to_check_alone() {
    use std::io::Write;
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("big").await;
    let base = slug_path(&url);
    let first = send_json(&hb, &base, json!({"customer": {"email": "a@x"}}));
    let path = format!("/endpoints/{ep}/mapping-reference");
    let (status, r) = hb.call(Method::PUT, &path, Some(json!({"capture_id": first}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");

    // Over the checker's bound as sent, and (gzip) only once inflated.
    let pad = "x".repeat(hookbench::analysis::checker::MAX_BODY + 1);
    let big = send_json(&hb, &base, json!({"customer": {"email": "b@x"}, "pad": pad}));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(json!({"pad": pad}).to_string().as_bytes()).unwrap();
    let bomb = send(
        &hb,
        "POST",
        &base,
        &[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        &gz.finish().unwrap(),
    );
    let small = send_json(&hb, &base, json!({"customer": {"email": "c@x"}}));
    wait_for(&hb, &format!("/captures/{small}"), |c| !c["mapping_check"].is_null()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in [big, bomb] {
        let c = hb.get_capture(id).await;
        assert_eq!(c["mapping_check"], Value::Null, "capture {id} was read whole by the checker");
    }
}

#[tokio::test]
async fn mappings_can_be_saved_exported_imported_and_previewed() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("map").await;
    let (other, _) = hb.create_endpoint("copy").await;
    let cap = send_json(
        &hb,
        &slug_path(&url),
        json!({"customer": {"email": "  Ada@X.IO "}, "name": "Ada King Lovelace"}),
    );
    let (status, _) = hb
        .call(Method::PUT, &format!("/endpoints/{ep}/mapping-reference"), Some(json!({"capture_id": cap})))
        .await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(hb.get_json(&format!("/endpoints/{ep}/mapping")).await, json!({"rules": []}));
    let rules = json!({"rules": [
        {"target": "contact.email", "source": "customer.email", "transforms": [{"op": "trim"}, {"op": "lower"}]},
        {"target": "contact.first_name", "source": "name", "transforms": [{"op": "first_name"}]},
        {"target": "contact.last_name", "source": "name", "transforms": [{"op": "last_name"}, {"op": "upper"}]},
        {"target": "contact.phone", "source": "phone", "transforms": [{"op": "default", "value": "none"}]},
        {"target": "contact.city", "source": "city", "transforms": []}
    ]});
    let (status, saved) =
        hb.call(Method::PUT, &format!("/endpoints/{ep}/mapping"), Some(rules.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(hb.get_json(&format!("/endpoints/{ep}/mapping")).await, rules);

    let preview = hb.get_json(&format!("/endpoints/{ep}/mapping/preview?capture_id={cap}")).await;
    let values: Vec<(Value, Value)> = preview["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| (v["value"].clone(), v["error"].clone()))
        .collect();
    assert_eq!(values[0], (json!("ada@x.io"), Value::Null));
    assert_eq!(values[1].0, json!("Ada"));
    assert_eq!(values[2].0, json!("KING LOVELACE"));
    assert_eq!(values[3].0, json!("none"));
    assert_eq!(values[4].0, Value::Null);
    assert!(values[4].1.as_str().is_some_and(|e| e.contains("missing")), "{values:?}");

    let export = hb.get_json(&format!("/endpoints/{ep}/mapping/export")).await;
    assert_eq!(export["hookbench_mapping"], 1);
    assert_eq!(export["rules"], rules["rules"]);
    assert!(export["reference"].as_array().is_some_and(|r| r.iter().any(|f| f["path"] == "customer.email")));

    let (status, imported) =
        hb.call(Method::POST, &format!("/endpoints/{other}/mapping/import"), Some(export.clone())).await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    assert_eq!(imported, export);
    assert_eq!(hb.get_json(&format!("/endpoints/{other}/mapping")).await, rules);
    let r = hb.get_json(&format!("/endpoints/{other}/mapping-reference")).await;
    assert_eq!(r["capture_id"], Value::Null, "an imported reference has no capture");
    assert_eq!(r["fields"], export["reference"]);

    for bad in [
        json!({"hookbench_mapping": 2, "reference": [], "rules": []}),
        json!({"rules": "nope"}),
        json!({"hookbench_mapping": 1, "rules": [{"target": "a", "source": "x..y"}]}),
        json!({"hookbench_mapping": 1, "rules": [{"target": "a", "source": "x", "transforms": [{"op": "shout"}]}]}),
    ] {
        let (status, err) =
            hb.call(Method::POST, &format!("/endpoints/{other}/mapping/import"), Some(bad.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(err["error"]["code"], "invalid_mapping");
        assert!(!err["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    assert_eq!(
        hb.get_json(&format!("/endpoints/{other}/mapping")).await,
        rules,
        "a refused import changes nothing"
    );
    let (status, err) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/mapping"),
            Some(json!({"rules": [{"target": "", "source": "a"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "invalid_mapping");
    let (status, _) = hb.call(Method::GET, "/endpoints/999999/mapping", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn schema_and_fields_of_an_endpoint() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("orders").await;
    let base = slug_path(&url);
    let first =
        send_json(&hb, &base, json!({"type": "order.created", "amount": 5, "customer": {"email": "a@x"}}));
    send_json(
        &hb,
        &base,
        json!({"type": "order.paid", "amount": 7.5, "customer": {"email": "b@x"}, "items": [{"sku": "orange"}]}),
    );
    send_json(&hb, &base, json!({"type": "order.created", "amount": 9, "customer": {"email": null}}));
    send(&hb, "POST", &base, &[("Content-Type", "text/plain")], b"not json");

    let s = hb.get_json(&format!("/endpoints/{ep}/schema")).await;
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["title"], "orders");
    assert_eq!(s["type"], "object");
    assert_eq!(s["required"], json!(["amount", "customer", "type"]));
    assert_eq!(s["properties"]["amount"]["type"], "number");
    assert_eq!(s["properties"]["customer"]["properties"]["email"]["type"], json!(["null", "string"]));
    assert_eq!(s["properties"]["items"]["items"]["properties"]["sku"]["type"], "string");

    let t = hb.get_json(&format!("/endpoints/{ep}/fields")).await;
    assert_eq!((t["captures"].clone(), t["json_captures"].clone()), (json!(4), json!(3)));
    let fields = t["fields"].as_array().expect("fields");
    let f = |p: &str| {
        fields.iter().find(|f| f["path"] == p).cloned().unwrap_or_else(|| panic!("{p} in {fields:?}"))
    };
    assert_eq!(f("/type")["count"], 3);
    assert_eq!(f("/type")["enum"], json!(["order.created", "order.paid"]));
    assert_eq!(f("/amount")["types"], json!(["integer", "number"]));
    assert_eq!(f("/items/*/sku")["count"], 1);
    assert_eq!(f("/items/*/sku")["tag_path"], "items[0].sku");
    assert_eq!(f("/customer/email")["examples"], json!(["a@x", "b@x", null]));
    assert!(fields.iter().all(|f| f["new_since"] == false));

    let t = hb.get_json(&format!("/endpoints/{ep}/fields?since={first}")).await;
    let new: Vec<&str> = t["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["new_since"] == true)
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(new, vec!["/items", "/items/*", "/items/*/sku"]);

    let t = hb.get_json(&format!("/endpoints/{ep}/fields?q=orange")).await;
    assert_eq!(t["captures"], 1);
    assert!(t["fields"].as_array().expect("fields").iter().any(|f| f["path"] == "/items/*/sku"));

    let doc = hb.get_json("/openapi.json").await;
    for path in [
        "/api/v1/diff",
        "/api/v1/endpoints/{id}/schema",
        "/api/v1/endpoints/{id}/fields",
        "/api/v1/endpoints/{id}/mapping-reference",
        "/api/v1/endpoints/{id}/mapping",
        "/api/v1/endpoints/{id}/mapping/export",
        "/api/v1/endpoints/{id}/mapping/import",
        "/api/v1/endpoints/{id}/mapping/preview",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is in the OpenAPI document");
    }
    let (status, _) = hb.call(Method::GET, "/endpoints/999999/schema", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = hb.call(Method::GET, &format!("/endpoints/{ep}/fields?limit=0"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, err) = hb.call(Method::GET, &format!("/endpoints/{ep}/schema?q=(x"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "bad_query");
    // What they answer is in the OpenAPI document too.
    for path in [
        "/api/v1/endpoints/{id}/schema",
        "/api/v1/endpoints/{id}/fields",
        "/api/v1/endpoints/{id}/mapping/preview",
    ] {
        assert!(doc["paths"][path]["get"]["responses"].get("400").is_some(), "{path} documents its 400");
    }
}

#[tokio::test]
async fn cli_diff_prints_text_or_the_api_json_while_serve_runs() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("cli").await;
    let base = slug_path(&url);
    let a = send(
        &hb,
        "POST",
        &base,
        &[("Content-Type", "application/json"), ("X-Old", "1")],
        br#"{"n":1,"id":"a"}"#,
    );
    let b = send(&hb, "POST", &base, &[("Content-Type", "application/json")], br#"{"n":2,"id":"b"}"#);
    let api = hb.get_json(&format!("/diff?a={a}&b={b}")).await;

    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hookbench"))
            .arg("diff")
            .args(args)
            .arg("--data-dir")
            .arg(&hb.data_dir)
            .env_remove("HOOKBENCH_DATA_DIR")
            .output()
            .expect("running hookbench diff")
    };
    let out = run(&[&a.to_string(), &b.to_string(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(cli, api, "the CLI prints what the API returns");

    let out = run(&[&a.to_string(), &b.to_string()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("header") && text.contains("x-old") && text.contains("removed"), "{text}");
    assert!(text.contains("/n") && text.contains("1 → 2"), "{text}");
    assert!(text.contains("(volatile)"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");

    let out = run(&[&a.to_string(), &b.to_string(), "--ignore-volatile", "--json"]);
    let quiet: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(quiet["hidden_volatile"].as_u64().is_some_and(|n| n >= 1));

    let out = run(&[&a.to_string(), "999999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}
