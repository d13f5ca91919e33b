//! Merge-tag templates over the control API (issue 5): `POST /api/v1/render`
//! against a capture, an endpoint's mapping reference and the sample contact.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::analysis::{send_json, slug_path};
use crate::common::Hookbench;

async fn render(hb: &Hookbench, req: Value) -> Value {
    let (status, r) = hb.call(Method::POST, "/render", Some(req)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

#[tokio::test]
async fn a_template_renders_against_a_capture_with_json_escaping_and_lint() {
    let hb = Hookbench::start().await;
    let (_, url) = hb.create_endpoint("forms").await;
    let id = send_json(
        &hb,
        &format!("{}?utm_source=ads", slug_path(&url)),
        json!({"customer": {"email": "ada@example.com", "note": "says \"hi\"\nthen leaves"}, "items": [{"sku": "A-1"}]}),
    );

    let template = r#"{"email": "{{inboundWebhookRequest.customer.email}}", "note": "{{inboundWebhookRequest.customer.note}}",
 "sku": "{{ inboundWebhookRequest.items[0].sku | lower }}", "source": "{{inboundWebhookRequest.query.utm_source}}",
 "who": "{{contact.first_name}}", "oops": "{{email}}"}"#;
    let r = render(&hb, json!({"template": template, "capture_id": id, "mode": "json"})).await;
    let out: Value = serde_json::from_str(r["output"].as_str().unwrap()).expect("the output is JSON");
    assert_eq!(out["email"], "ada@example.com");
    assert_eq!(out["note"], "says \"hi\"\nthen leaves", "escaped inside the JSON string");
    assert_eq!(out["sku"], "a-1");
    assert_eq!(out["source"], "ads");
    assert_eq!(out["who"], "Maria", "the sample contact");
    assert_eq!(out["oops"], "");

    let d = r["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    let start = template.find("{{email}}").unwrap();
    assert_eq!((d[0]["start"].as_u64(), d[0]["end"].as_u64()), (Some(start as u64), Some(start as u64 + 9)));
    assert_eq!(d[0]["suggestion"], "{{contact.email}}");
    assert_eq!(d[0]["severity"], "warning");
    assert!(d[0]["message"].as_str().unwrap().contains("did you mean {{contact.email}}?"), "{}", d[0]);

    // A malformed tag is an error at its place; the rest still renders.
    let r = render(&hb, json!({"template": "{{contact.email | uper}} {{contact.city}}"})).await;
    assert_eq!(r["output"], "{{contact.email | uper}} São Paulo");
    assert_eq!(r["diagnostics"][0]["severity"], "error");
    assert_eq!(r["diagnostics"][0]["suggestion"], "upper");

    // URLs are percent-encoded.
    let r = render(
        &hb,
        json!({"template": "https://crm.test/c?e={{contact.email}}&n={{contact.name}}", "mode": "url"}),
    )
    .await;
    assert_eq!(r["output"], "https://crm.test/c?e=maria.silva%40example.com&n=Maria%20Silva");

    let (status, e) =
        hb.call(Method::POST, "/render", Some(json!({"template": "x", "capture_id": 999999}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let (status, e) = hb.call(Method::POST, "/render", Some(json!({"template": "x", "env": [1]}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
}

#[tokio::test]
async fn a_reference_or_an_edited_contact_feeds_the_tags() {
    let hb = Hookbench::start().await;
    let (ep, url) = hb.create_endpoint("reference").await;
    let id = send_json(&hb, &slug_path(&url), json!({"order": {"total": 42.5, "lines": [{"qty": 2}]}}));
    let (status, r) = hb
        .call(Method::PUT, &format!("/endpoints/{ep}/mapping-reference"), Some(json!({"capture_id": id})))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");

    let r = render(
        &hb,
        json!({"template": r#"{"t": {{inboundWebhookRequest.order.total}}, "q": {{inboundWebhookRequest.order.lines[0].qty}}, "e": "{{env.region | default:"eu"}}"}"#,
               "endpoint_id": ep, "mode": "json"}),
    )
    .await;
    assert_eq!(r["output"], r#"{"t": 42.5, "q": 2, "e": "eu"}"#, "{r}");

    let (status, _) =
        hb.call(Method::POST, "/render", Some(json!({"template": "x", "endpoint_id": 999999}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The sample contact can be edited, and the edit is what tags see.
    let c = hb.get_json("/sample-contact").await;
    assert_eq!(c["contact"]["email"], "maria.silva@example.com");
    let (status, _) = hb
        .call(
            Method::PUT,
            "/sample-contact",
            Some(json!({"contact": {"email": "bo@example.com", "custom_fields": {"plan": "gold"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let r =
        render(&hb, json!({"template": "{{contact.email}} {{contact.custom_fields.plan | upper}}"})).await;
    assert_eq!(r["output"], "bo@example.com GOLD");
    let r = render(&hb, json!({"template": "{{contact.email}}", "contact": {"email": "given@example.com"}}))
        .await;
    assert_eq!(r["output"], "given@example.com", "a contact in the request wins");
    let (status, _) = hb.call(Method::PUT, "/sample-contact", Some(json!({"contact": "nope"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn merge_tags_lists_every_tag_of_a_context_with_a_preview() {
    let hb = Hookbench::start().await;
    let id = crate::analysis::send_json(&hb, "/any?page=2", serde_json::json!({"items": [{"sku": "A-1"}]}));
    let (status, v) = hb
        .call(
            reqwest::Method::POST,
            "/merge-tags",
            Some(serde_json::json!({"capture_id": id, "env": {"base": "http://x"}})),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{v}");
    let tags = v["tags"].as_array().unwrap();
    let find =
        |p: &str| tags.iter().find(|t| t["path"] == p).map(|t| t["preview"].as_str().unwrap().to_owned());
    assert_eq!(find("inboundWebhookRequest.items[0].sku").as_deref(), Some("A-1"));
    assert_eq!(find("inboundWebhookRequest.items").as_deref(), Some("[1 items]"));
    assert_eq!(find("inboundWebhookRequest.query.page").as_deref(), Some("2"));
    assert_eq!(find("env.base").as_deref(), Some("http://x"));
    assert_eq!(find("contact.email").as_deref(), Some("maria.silva@example.com"));
    assert_eq!(v["truncated"], false);
}
