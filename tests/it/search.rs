//! Search (issue 4) through the API: the field-query language over real
//! captures, saved filters, event ids and duplicate deliveries, dialects.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{EventStream, Hookbench, anon_client, capture_id_of};

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(hb: &Hookbench, q: &str) -> Vec<i64> {
    hb.capture_ids(&format!("limit=500&q={}", urlencode(q))).await
}

/// Send a request to the capture listener with extra headers; returns its id and status.
async fn send(url: &str, method: &str, headers: &[(&str, &str)], ct: &str, body: &str) -> (i64, u16) {
    let mut req = anon_client()
        .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
        .header("content-type", ct)
        .body(body.to_owned());
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let resp = req.send().await.expect("sending a capture");
    (capture_id_of(resp.headers()), resp.status().as_u16())
}

#[tokio::test]
async fn field_queries_select_captures_by_each_field_and_compose() {
    let hb = Hookbench::start_with(&["--max-body", "2KiB"]).await;
    // The Default endpoint takes paths outside `/h/`, so paths read as senders wrote them.
    let base = format!("http://{}", hb.capture_addr);
    let json_ct = "application/json";
    let (a, _) = send(
        &format!("{base}/orders/1"),
        "POST",
        &[("X-GitHub-Event", "push")],
        json_ct,
        r#"{"type":"ContactCreate","customer":{"email":"jane@ACME.com"},"amount":120,"items":[{"sku":"A-1"}]}"#,
    )
    .await;
    let (b, _) = send(
        &format!("{base}/orders/2"),
        "PUT",
        &[("X-GitHub-Event", "pull_request")],
        json_ct,
        r#"{"type":"OrderPaid","customer":{"email":"bob@other.org"},"amount":15,"items":[{"sku":"B-2"}]}"#,
    )
    .await;
    let (c, _) = send(&format!("{base}/health"), "GET", &[], "text/plain", "").await;
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(1500));
    let (d, _) = send(&format!("{base}/uploads"), "POST", &[], json_ct, &big).await;
    // Over --max-body: answered 413 from the head alone, and recorded with an empty body.
    let resp = hb.raw(
        b"POST /uploads HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n",
    );
    assert_eq!(resp.status, 413);
    let e = resp.capture_id();

    let all = [e, d, c, b, a];
    let cases: &[(&str, Vec<i64>)] = &[
        ("method:PUT", vec![b]),
        ("method:get", vec![c]),
        ("path:/orders*", vec![b, a]),
        ("path:/orders/1", vec![a]),
        ("path:/ORDERS/*", vec![b, a]),
        ("header.x-github-event:push", vec![a]),
        ("header.X-GitHub-Event:pull*", vec![b]),
        ("header.x-github-event:*", vec![b, a]),
        ("body.type:ContactCreate", vec![a]),
        ("body.customer.email:*@acme.com", vec![a]),
        ("body.amount:>100", vec![a]),
        ("body.amount:<=15", vec![b]),
        ("body.amount:120", vec![a]),
        ("body.items.sku:B-2", vec![b]),
        ("body.items[0].sku:A-*", vec![a]),
        ("body.pad:x*", vec![d]),
        ("status:413", vec![e]),
        ("status:>=400", vec![e]),
        ("status:2xx", vec![d, c, b, a]),
        ("size:>1kb", vec![d]),
        ("size:0", vec![e, c]),
        ("after:2000-01-01", all.to_vec()),
        ("before:2000-01-01", vec![]),
        ("after:2999-01-01T00:00:00Z", vec![]),
        // Composition.
        ("method:PUT OR method:GET", vec![c, b]),
        ("path:/orders* -method:PUT", vec![a]),
        ("-path:/orders*", vec![e, d, c]),
        ("(method:PUT OR status:413) size:0", vec![e]),
        ("acme method:POST", vec![a]),
        ("acme OR health", vec![c, a]),
        ("-(body.amount:>10)", vec![e, d, c]),
        (r#""pull_request""#, vec![b]),
    ];
    for (q, want) in cases {
        assert_eq!(&search(&hb, q).await, want, "{q}");
    }

    // Starred and tags are the user's marks.
    let (status, _) = hb
        .call(Method::PATCH, &format!("/captures/{b}"), Some(json!({ "starred": true, "tags": ["Bug"] })))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(search(&hb, "starred").await, [b]);
    assert_eq!(search(&hb, "tag:bug").await, [b], "tags compare in any case");
    assert_eq!(search(&hb, "-tag:bug method:PUT").await, Vec::<i64>::new());
    assert_eq!(search(&hb, "starred OR status:413").await, [e, b]);
}

#[tokio::test]
async fn a_query_that_cannot_be_parsed_is_400_with_the_position_of_the_bad_token() {
    let hb = Hookbench::start().await;
    for (q, position, length, says) in [
        ("status:>=abc", 7, 5, "not a status"),
        ("method:POST stauts:500", 12, 6, "did you mean `status`"),
        ("(a OR b", 0, 1, "never closed"),
        ("a OR", 2, 2, "`OR` needs a term"),
        ("size:>10parsecs", 5, 10, "not a size"),
    ] {
        let (status, err) = hb.call(Method::GET, &format!("/captures?q={}", urlencode(q)), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(err["error"]["code"], "bad_query", "{q}");
        assert_eq!(err["error"]["position"], position, "{q}: {err}");
        assert_eq!(err["error"]["length"], length, "{q}: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains(says), "{q}: {err}");
    }
    // Other errors carry no position.
    let (_, err) = hb.call(Method::GET, "/captures?limit=0", None).await;
    assert!(err["error"].get("position").is_none(), "{err}");
}

#[tokio::test]
async fn saved_filters_are_kept_per_endpoint() {
    let hb = Hookbench::start().await;
    let (ep, _) = hb.create_endpoint("filters").await;
    let path = format!("/endpoints/{ep}/filters");
    assert_eq!(hb.get_json(&path).await, json!({ "items": [] }));

    let (status, f) = hb
        .call(Method::POST, &path, Some(json!({ "name": "Failures", "query": "status:>=400 -starred" })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    assert_eq!((f["endpoint_id"].as_i64(), f["name"].as_str()), (Some(ep), Some("Failures")));
    assert_eq!(f["query"], "status:>=400 -starred");
    assert!(f["created_at"].as_i64().unwrap() > 0);
    let (status, g) = hb
        .call(Method::POST, &path, Some(json!({ "name": "Pushes", "query": "header.x-github-event:push" })))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let list = hb.get_json(&path).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["id"], f["id"]);

    let (status, err) =
        hb.call(Method::POST, &path, Some(json!({ "name": "Bad", "query": "stauts:1" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (err["error"]["code"].as_str(), err["error"]["position"].as_i64()),
        (Some("bad_query"), Some(0))
    );
    let (status, err) = hb.call(Method::POST, &path, Some(json!({ "name": " ", "query": "x" }))).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (status, _) =
        hb.call(Method::POST, "/endpoints/99999/filters", Some(json!({ "name": "x", "query": "x" }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another endpoint does not see them.
    let (other, _) = hb.create_endpoint("other").await;
    assert_eq!(hb.get_json(&format!("/endpoints/{other}/filters")).await, json!({ "items": [] }));
    let (status, _) = hb.call(Method::DELETE, &format!("/endpoints/{other}/filters/{}", f["id"]), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a filter is deleted through its own endpoint only");

    let (status, _) = hb.call(Method::DELETE, &format!("{path}/{}", f["id"]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = hb.call(Method::DELETE, &format!("{path}/{}", f["id"]), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = hb.get_json(&path).await;
    assert_eq!(
        list["items"].as_array().unwrap().iter().map(|i| i["id"].clone()).collect::<Vec<_>>(),
        [g["id"].clone()]
    );
}

#[tokio::test]
async fn repeated_deliveries_are_grouped_by_event_id_and_all_stay_visible() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("dupes").await;
    let cfg = hb.get_json(&format!("/endpoints/{ep}/event-id")).await;
    assert_eq!(cfg["source"], Value::Null);
    let presets: Vec<&str> =
        cfg["presets"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for want in ["webhook-id", "X-GitHub-Delivery", "X-Shopify-Webhook-Id", "/webhookId", "/id"] {
        assert!(presets.contains(&want), "{want} in {presets:?}");
    }

    let (status, cfg) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/event-id"),
            Some(json!({ "source": { "kind": "header", "name": "webhook-id" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cfg}");
    assert_eq!(cfg["source"], json!({ "kind": "header", "name": "webhook-id" }));

    let ct = "application/json";
    let (first, _) = send(&url, "POST", &[("webhook-id", "msg_1")], ct, r#"{"n":1}"#).await;
    let (other, _) = send(&url, "POST", &[("webhook-id", "msg_2")], ct, r#"{"n":1}"#).await;
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let (retry, _) = send(&url, "POST", &[("Webhook-Id", "msg_1")], ct, r#"{"n":2}"#).await;

    let c = hb.get_capture(retry).await;
    assert_eq!((c["event_id"].as_str(), c["duplicate_of"].as_i64()), (Some("msg_1"), Some(first)));
    let c = hb.get_capture(first).await;
    assert_eq!(c["duplicate_of"], Value::Null, "the first delivery is not a duplicate");
    let page = hb.get_json(&format!("/captures?endpoint={ep}")).await;
    let dups: Vec<Value> =
        page["items"].as_array().unwrap().iter().map(|i| i["duplicate_of"].clone()).collect();
    assert_eq!(dups, [json!(first), Value::Null, Value::Null], "every delivery stays listed");
    assert_eq!(search(&hb, "duplicate").await, [retry]);
    assert_eq!(hb.capture_ids(&format!("endpoint={ep}&q=-duplicate")).await, [other, first]);

    let d = hb.get_json(&format!("/captures/{first}/deliveries")).await;
    assert_eq!((d["event_id"].as_str(), d["source"].as_str()), (Some("msg_1"), Some("header")));
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>(), [first, retry]);
    assert_eq!(items[0]["interval_ms"], Value::Null);
    assert!(items[1]["interval_ms"].as_i64().unwrap() >= 30, "{d}");
    assert_eq!(items[1]["status"], 200);
    let (status, _) = hb.call(Method::GET, "/captures/99999/deliveries", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Changing the source recomputes existing captures: by `/n` now, 1 and 2 group.
    let (status, cfg) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/event-id"),
            Some(json!({ "source": { "kind": "json_path", "name": "n" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cfg["source"]["name"], "/n", "a dotted path becomes a JSON Pointer");
    assert_eq!(hb.get_capture(other).await["duplicate_of"], json!(first));
    assert_eq!(hb.get_capture(retry).await["duplicate_of"], Value::Null);
    let (status, _) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/event-id"),
            Some(json!({ "source": { "kind": "header", "name": "bad name" } })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Without a source (or when it is missing) the body hash is the event id.
    let (status, _) =
        hb.call(Method::PUT, &format!("/endpoints/{ep}/event-id"), Some(json!({ "source": null }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hb.get_capture(other).await["duplicate_of"], json!(first), "same body, same hash");
    let (plain, purl) = hb.create_endpoint("plain").await;
    let x = hb.post_text(&purl, "same body").await;
    let y = hb.post_text(&purl, "another body").await;
    let z = hb.post_text(&purl, "same body").await;
    let cz = hb.get_capture(z).await;
    assert_eq!(cz["duplicate_of"], json!(x));
    assert_eq!(cz["event_id"], cz["body_sha256"]);
    assert_eq!(hb.get_capture(y).await["duplicate_of"], Value::Null);
    let d = hb.get_json(&format!("/captures/{z}/deliveries")).await;
    assert_eq!(d["source"], "body_hash");
    assert_eq!(d["items"].as_array().unwrap().len(), 2);
    assert_eq!(hb.capture_ids(&format!("endpoint={plain}&q=duplicate")).await, [z]);
}

const MARKETPLACE: &str = r#"{"type":"ContactCreate","locationId":"ve9EPM428h8vShlRW1KT","id":"nmFmQEsNgz6AVpgLVUJ0",
  "email":"JohnDeo@gmail.com","firstName":"John","lastName":"Deo","tags":["vip"],"dateAdded":"2026-11-02T10:00:00.000Z",
  "webhookId":"7d8f3a2e-1c4b-4f5a-9e6d-2b1a0c9d8e7f","timestamp":"2026-11-02T10:00:00.000Z"}"#;

#[tokio::test]
async fn a_repeated_delivery_is_announced_live_with_its_first_delivery() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("live dupes").await;
    let (status, _) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/event-id"),
            Some(json!({ "source": { "kind": "header", "name": "webhook-id" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut events = EventStream::open(&hb).await;
    let ct = "application/json";
    let (first, _) = send(&url, "POST", &[("webhook-id", "msg_live")], ct, r#"{"n":1}"#).await;
    let created = events.next_named("capture.created").await;
    assert_eq!((created["id"].as_i64(), &created["duplicate_of"]), (Some(first), &Value::Null));
    let (retry, _) = send(&url, "POST", &[("webhook-id", "msg_live")], ct, r#"{"n":2}"#).await;
    let created = events.next_named("capture.created").await;
    assert_eq!(created["id"].as_i64(), Some(retry));
    // Event ids are recorded just after the capture is committed, off the
    // capture path; the live row is then updated with the link.
    let updated = events.next_named("capture.updated").await;
    assert_eq!(
        (updated["id"].as_i64(), updated["duplicate_of"].as_i64()),
        (Some(retry), Some(first)),
        "the live row of a retry links its first delivery"
    );
}

const WORKFLOW: &str = r#"{"contact_id":"uBB0M7Kf2GSHZOsUTz3V","first_name":"Maria","last_name":"Silva",
  "full_name":"Maria Silva","email":"maria@example.com","tags":"knobler-captura","date_created":"2026-08-04T14:53:09.703Z",
  "location":{"name":"Knobler","id":"Xb7kP0aL2mN4qR6sT8uV"},"workflow":{"id":"5a1c","name":"Tag added"},
  "triggerData":{},"customData":{"origem":"captura-012"}}"#;

#[tokio::test]
async fn highlevel_payloads_are_labelled_by_dialect() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("highlevel").await;
    let mut events = EventStream::open(&hb).await;
    let ct = "application/json";
    let (m, _) = send(&url, "POST", &[], ct, MARKETPLACE).await;
    let created = events.next_named("capture.created").await;
    assert_eq!(
        (created["id"].as_i64(), created["dialect"].as_str()),
        (Some(m), Some("highlevel-marketplace"))
    );
    let (w, _) = send(&url, "POST", &[], ct, WORKFLOW).await;
    let (n, _) = send(&url, "POST", &[], ct, r#"{"type":"charge.succeeded","id":"evt_1"}"#).await;

    assert_eq!(hb.get_capture(m).await["dialect"], "highlevel-marketplace");
    assert_eq!(hb.get_capture(w).await["dialect"], "highlevel-workflow");
    assert_eq!(hb.get_capture(n).await["dialect"], Value::Null);
    let page = hb.get_json(&format!("/captures?endpoint={ep}")).await;
    let dialects: Vec<Value> =
        page["items"].as_array().unwrap().iter().map(|i| i["dialect"].clone()).collect();
    assert_eq!(dialects, [Value::Null, json!("highlevel-workflow"), json!("highlevel-marketplace")]);
    assert_eq!(search(&hb, "dialect:highlevel-workflow").await, [w]);
    assert_eq!(search(&hb, "dialect:highlevel").await, [w, m]);
    assert_eq!(hb.capture_ids(&format!("endpoint={ep}&q=dialect:none")).await, [n]);
    assert_eq!(
        hb.capture_ids(&format!("endpoint={ep}&q=-dialect:highlevel-workflow")).await,
        [n, m],
        "a capture without a dialect is not one"
    );
    assert_eq!(hb.capture_ids(&format!("endpoint={ep}&q=-dialect:highlevel")).await, [n]);

    // The HighLevel preset groups marketplace retries by `webhookId`.
    let (status, _) = hb
        .call(
            Method::PUT,
            &format!("/endpoints/{ep}/event-id"),
            Some(json!({ "source": { "kind": "json_path", "name": "/webhookId" } })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let retry_body = MARKETPLACE.replace("2026-11-02T10:00:00.000Z\"}", "2026-11-02T10:10:00.000Z\"}");
    assert_ne!(retry_body, MARKETPLACE);
    let (r, _) = send(&url, "POST", &[], ct, &retry_body).await;
    let c = hb.get_capture(r).await;
    assert_eq!(
        (c["event_id"].as_str(), c["duplicate_of"].as_i64()),
        (Some("7d8f3a2e-1c4b-4f5a-9e6d-2b1a0c9d8e7f"), Some(m))
    );
}

#[tokio::test]
async fn search_routes_need_the_token_and_are_in_the_openapi_document() {
    let hb = Hookbench::start().await;
    let ep = hb.default_endpoint_id().await;
    for path in [
        format!("/endpoints/{ep}/filters"),
        format!("/endpoints/{ep}/event-id"),
        "/captures/1/deliveries".to_owned(),
    ] {
        let resp = anon_client().get(hb.api(&path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let doc = hb.get_json("/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/endpoints/{id}/filters",
        "/api/v1/endpoints/{id}/filters/{filter_id}",
        "/api/v1/endpoints/{id}/event-id",
        "/api/v1/captures/{id}/deliveries",
    ] {
        assert!(paths.contains_key(p), "openapi.json lacks {p}");
    }
}
