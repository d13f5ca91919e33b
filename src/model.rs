//! The types the engine stores and the control API speaks. Field names are a
//! contract (see DESIGN.md): extend, don't rename.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One header as it arrived. `value` is the value as text (invalid UTF-8
/// replaced); when the raw bytes were not valid UTF-8, `value_base64` holds them
/// exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Header {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub value_base64: Option<String>,
}

impl Header {
    pub fn from_bytes(name: &[u8], value: &[u8]) -> Self {
        use base64::Engine as _;
        let name = String::from_utf8_lossy(name).into_owned();
        match std::str::from_utf8(value) {
            Ok(v) => Header { name, value: v.to_owned(), value_base64: None },
            Err(_) => Header {
                name,
                value: String::from_utf8_lossy(value).into_owned(),
                value_base64: Some(base64::engine::general_purpose::STANDARD.encode(value)),
            },
        }
    }

    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into(), value_base64: None }
    }

    /// The value's exact bytes (from `value_base64` when it has them).
    pub fn raw_value(&self) -> Vec<u8> {
        use base64::Engine as _;
        self.value_base64
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .unwrap_or_else(|| self.value.clone().into_bytes())
    }
}

/// A header borrowed from raw bytes; serialises exactly like [`Header`].
#[derive(Serialize)]
struct RawHeaderJson<'a> {
    name: std::borrow::Cow<'a, str>,
    value: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_base64: Option<String>,
}

/// The JSON of a header list given as raw `(name, value)` pairs: the same as
/// serialising [`Header::from_bytes`] of each, without building them first
/// (this runs for every captured request).
pub fn headers_json<'a>(headers: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> String {
    use base64::Engine as _;
    let list: Vec<RawHeaderJson<'a>> = headers
        .map(|(name, value)| {
            let name = String::from_utf8_lossy(name);
            match std::str::from_utf8(value) {
                Ok(v) => RawHeaderJson { name, value: v.into(), value_base64: None },
                Err(_) => RawHeaderJson {
                    name,
                    value: String::from_utf8_lossy(value),
                    value_base64: Some(base64::engine::general_purpose::STANDARD.encode(value)),
                },
            }
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

/// A capture URL: `{capture_url}/h/{slug}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Endpoint {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub slug: String,
    /// The full URL senders post to.
    pub url: String,
    /// The built-in endpoint that receives requests to paths outside `/h/`.
    pub is_default: bool,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    #[ts(type = "number")]
    pub capture_count: i64,
    /// `received_at` of the newest capture, if any.
    #[ts(type = "number | null")]
    pub last_capture_at: Option<i64>,
    /// Where its captures are also sent (`PUT /api/v1/endpoints/{id}/forward`), if anywhere.
    #[serde(default)]
    pub forward: Option<crate::outbound::forward::ForwardConfig>,
}

/// Where the header list of a capture came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HeaderSource {
    /// Read off the wire: original order, case and bytes.
    Wire,
    /// Rebuilt from the parsed request (HTTP/2, or when the wire head could not be
    /// matched): names lower-case, duplicates kept but grouped by name.
    Parsed,
}

impl HeaderSource {
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderSource::Wire => "wire",
            HeaderSource::Parsed => "parsed",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "wire" { HeaderSource::Wire } else { HeaderSource::Parsed }
    }
}

/// What the listener answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SentResponse {
    pub status: u16,
    pub headers: Vec<Header>,
    /// The body as text (our answers are JSON).
    pub body: String,
}

/// One row of the capture list (never carries the body).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CaptureSummary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub endpoint_id: i64,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub received_at: i64,
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), if the URL had one.
    pub query: Option<String>,
    pub remote_addr: String,
    pub content_type: Option<String>,
    #[ts(type = "number")]
    pub body_size: i64,
    /// The status code the listener answered.
    pub status: u16,
    /// Why the request was not captured whole (`too_large`, `body_error: …`).
    pub rejected: Option<String>,
    pub starred: bool,
    pub tags: Vec<String>,
    /// Missing + null + type-changed fields against the endpoint's mapping
    /// reference (null: not checked, or the endpoint has no reference).
    pub mapping_issues: Option<u32>,
    /// The first delivery of the same event id on this endpoint, when this is a repeat.
    #[ts(type = "number | null")]
    pub duplicate_of: Option<i64>,
    /// The payload family the body looks like.
    pub dialect: Option<Dialect>,
}

/// A known payload family (see `src/search/dialect.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// A HighLevel marketplace (app) webhook: camelCase envelope with `type`, `locationId`, `webhookId`.
    HighlevelMarketplace,
    /// HighLevel's workflow "Webhook" action: snake_case contact fields, `customData`, `tags` as a string.
    HighlevelWorkflow,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::HighlevelMarketplace => "highlevel-marketplace",
            Dialect::HighlevelWorkflow => "highlevel-workflow",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "highlevel-marketplace" => Some(Dialect::HighlevelMarketplace),
            "highlevel-workflow" => Some(Dialect::HighlevelWorkflow),
            _ => None,
        }
    }
}

/// A capture in full.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Capture {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub endpoint_id: i64,
    #[ts(type = "number")]
    pub received_at: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub http_version: String,
    pub remote_addr: String,
    pub headers: Vec<Header>,
    pub header_source: HeaderSource,
    pub content_type: Option<String>,
    #[ts(type = "number")]
    pub body_size: i64,
    pub body_sha256: String,
    /// The Content-Length the sender declared, if any.
    #[ts(type = "number | null")]
    pub declared_length: Option<i64>,
    pub rejected: Option<String>,
    pub response: SentResponse,
    pub starred: bool,
    pub note: String,
    pub tags: Vec<String>,
    /// Views of the body derived at read time; the raw bytes are at `/body`.
    #[schema(value_type = crate::decode::Decoded)]
    pub decoded: crate::decode::Decoded,
    /// The check against the endpoint's mapping reference, once made (null: the
    /// endpoint has no reference, or the check has not run yet).
    pub mapping_check: Option<crate::analysis::mapping::MappingCheck>,
    /// What repeated deliveries of the same event share (see `EventIdConfig`).
    pub event_id: Option<String>,
    /// The first delivery of the same event id on this endpoint, when this is a repeat.
    #[ts(type = "number | null")]
    pub duplicate_of: Option<i64>,
    pub dialect: Option<Dialect>,
}

/// A page of captures, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CapturePage {
    pub items: Vec<CaptureSummary>,
    /// Pass as `cursor` to get the next (older) page; null at the end.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EndpointList {
    pub items: Vec<Endpoint>,
}

/// How long captures are kept. Starred captures are never pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Retention {
    /// Keep at most this many captures per endpoint (null: no limit).
    #[ts(type = "number | null")]
    pub max_captures_per_endpoint: Option<i64>,
    /// Delete captures older than this many seconds (null: no limit).
    #[ts(type = "number | null")]
    pub max_age_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Settings {
    pub retention: Retention,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_json_matches_serialised_headers() {
        let raw: Vec<(&[u8], &[u8])> = vec![
            (b"Host", b"example.test"),
            (b"X-Dup", b"1"),
            (b"x-ODD-case", b"quote \" backslash \\ tab \t"),
            (b"X-Dup", b"2"),
            (b"X-Bin", b"caf\xe9 \xff"),
            (b"X-\xffName", b"ok"),
            (b"X-Utf8", "snowman \u{2603}".as_bytes()),
        ];
        let built: Vec<Header> = raw.iter().map(|(n, v)| Header::from_bytes(n, v)).collect();
        let json = headers_json(raw.iter().copied());
        assert_eq!(json, serde_json::to_string(&built).unwrap());
        let back: Vec<Header> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, built);
        assert!(back[4].value_base64.is_some(), "invalid UTF-8 keeps its bytes");
        assert_eq!(headers_json(std::iter::empty()), "[]");
    }
}
