//! Event ids: what repeated deliveries of one event share. Each endpoint may
//! name a source (a header, or a JSON Pointer into the body); a capture without
//! it (or an endpoint without a source) falls back to the body's SHA-256.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Header;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EventIdKind {
    Header,
    JsonPath,
}

impl EventIdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventIdKind::Header => "header",
            EventIdKind::JsonPath => "json_path",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "header" => Some(EventIdKind::Header),
            "json_path" => Some(EventIdKind::JsonPath),
            _ => None,
        }
    }
}

/// Where an endpoint's event ids come from: a header name, or a JSON Pointer
/// (`/webhookId`) into the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EventIdSource {
    pub kind: EventIdKind,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EventIdPreset {
    pub label: String,
    pub kind: EventIdKind,
    pub name: String,
}

/// `GET/PUT /api/v1/endpoints/{id}/event-id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EventIdConfig {
    /// None: every capture's event id is its body's SHA-256.
    pub source: Option<EventIdSource>,
    /// Sources worth offering (ignored on PUT).
    #[serde(default)]
    pub presets: Vec<EventIdPreset>,
}

pub fn presets() -> Vec<EventIdPreset> {
    let p = |label: &str, kind, name: &str| EventIdPreset { label: label.into(), kind, name: name.into() };
    vec![
        p("Standard Webhooks (webhook-id)", EventIdKind::Header, "webhook-id"),
        p("GitHub (X-GitHub-Delivery)", EventIdKind::Header, "X-GitHub-Delivery"),
        p("Shopify (X-Shopify-Webhook-Id)", EventIdKind::Header, "X-Shopify-Webhook-Id"),
        p("HighLevel marketplace (webhookId)", EventIdKind::JsonPath, "/webhookId"),
        p("Stripe (id)", EventIdKind::JsonPath, "/id"),
    ]
}

impl EventIdSource {
    /// Check and normalise a source from a user: header names must be tokens;
    /// a JSON path is a JSON Pointer, or a dotted path (`data.object.id`) that
    /// is turned into one.
    pub fn normalised(self) -> Result<EventIdSource, String> {
        let name = self.name.trim().to_owned();
        match self.kind {
            EventIdKind::Header => {
                if name.is_empty()
                    || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
                {
                    return Err(format!("{name:?} is not a header name"));
                }
                Ok(EventIdSource { kind: self.kind, name })
            }
            EventIdKind::JsonPath => {
                if name.is_empty() || name == "/" {
                    return Err("the JSON path is empty".into());
                }
                let pointer = if name.starts_with('/') {
                    name
                } else {
                    name.split('.')
                        .map(|s| s.replace('~', "~0").replace('/', "~1"))
                        .fold(String::new(), |acc, s| acc + "/" + &s)
                };
                Ok(EventIdSource { kind: self.kind, name: pointer })
            }
        }
    }
}

/// Where a capture's event id came from (`header`, `json_path`, `body_hash`).
pub const BODY_HASH: &str = "body_hash";

/// The event id of a capture, and where it came from. `body` is `None` when the
/// bytes are stored out of row (over 128 KiB): a JSON path then falls back to
/// the body hash.
pub fn extract(
    source: Option<&EventIdSource>,
    headers_json: &str,
    body: Option<&[u8]>,
    body_sha256: &str,
) -> (String, &'static str) {
    if let Some(src) = source {
        let found = match src.kind {
            EventIdKind::Header => from_header(headers_json, &src.name),
            EventIdKind::JsonPath => body.and_then(|b| from_json(b, &src.name)),
        };
        if let Some(id) = found {
            return (id, src.kind.as_str());
        }
    }
    (body_sha256.to_owned(), BODY_HASH)
}

fn from_header(headers_json: &str, name: &str) -> Option<String> {
    if !super::body::contains_ci(headers_json.as_bytes(), name.as_bytes()) {
        return None;
    }
    let headers: Vec<Header> = serde_json::from_str(headers_json).ok()?;
    headers
        .into_iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn from_json(body: &[u8], pointer: &str) -> Option<String> {
    // The last key must appear in the body for it to be there at all.
    let last = pointer.rsplit('/').next().unwrap_or_default().replace("~1", "/").replace("~0", "~");
    memchr::memmem::find(body, last.as_bytes())?;
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    match v.pointer(pointer)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One delivery of an event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Delivery {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub received_at: i64,
    /// The status the listener answered.
    pub status: u16,
    /// Milliseconds since the delivery before it (null for the first).
    #[ts(type = "number | null")]
    pub interval_ms: Option<i64>,
}

/// `GET /api/v1/captures/{id}/deliveries`: every delivery of the capture's
/// event on its endpoint, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Deliveries {
    pub event_id: String,
    /// `header`, `json_path` or `body_hash`.
    pub source: String,
    pub items: Vec<Delivery>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(kind: EventIdKind, name: &str) -> EventIdSource {
        EventIdSource { kind, name: name.into() }.normalised().unwrap()
    }

    #[test]
    fn ids_come_from_the_source_or_the_body_hash() {
        let headers = r#"[{"name":"Webhook-Id","value":" msg_2Kx "},{"name":"X-Other","value":"1"}]"#;
        let body = br#"{"webhookId":"7d8f","data":{"object":{"id":42}}}"#;
        let h = src(EventIdKind::Header, "webhook-id");
        assert_eq!(extract(Some(&h), headers, Some(body), "sha"), ("msg_2Kx".into(), "header"));
        let missing = src(EventIdKind::Header, "x-github-delivery");
        assert_eq!(extract(Some(&missing), headers, Some(body), "sha"), ("sha".into(), BODY_HASH));
        let j = src(EventIdKind::JsonPath, "/webhookId");
        assert_eq!(extract(Some(&j), headers, Some(body), "sha"), ("7d8f".into(), "json_path"));
        let dotted = src(EventIdKind::JsonPath, "data.object.id");
        assert_eq!(dotted.name, "/data/object/id");
        assert_eq!(extract(Some(&dotted), headers, Some(body), "sha"), ("42".into(), "json_path"));
        assert_eq!(extract(Some(&j), headers, None, "sha"), ("sha".into(), BODY_HASH), "body out of row");
        assert_eq!(extract(Some(&j), headers, Some(b"not json"), "sha"), ("sha".into(), BODY_HASH));
        assert_eq!(extract(None, headers, Some(body), "sha"), ("sha".into(), BODY_HASH));
    }

    #[test]
    fn bad_sources_are_refused() {
        assert!(EventIdSource { kind: EventIdKind::Header, name: "bad name".into() }.normalised().is_err());
        assert!(EventIdSource { kind: EventIdKind::Header, name: " ".into() }.normalised().is_err());
        assert!(EventIdSource { kind: EventIdKind::JsonPath, name: "/".into() }.normalised().is_err());
    }
}
