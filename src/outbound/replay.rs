//! A capture as an outbound request: sent to another URL as it arrived, or
//! with its method, path, headers or body changed.

use base64::Engine as _;
use bytes::Bytes;

use super::OutboundError;
use super::build::{Built, finish, is_secret_header, is_token};
use super::spec::ReplayRequest;
use super::wire::{Target, WireHeader};
use crate::model::Header;

/// Headers that belong to one connection, never passed on (RFC 9110 §7.6.1),
/// and those the new request sets itself.
pub fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
    )
}

/// What a replay takes from a capture.
#[derive(Debug, Clone)]
pub struct Original {
    pub method: String,
    pub query: Option<String>,
    pub headers: Vec<Header>,
    pub body: Bytes,
}

impl From<(crate::model::Capture, Bytes)> for Original {
    fn from((c, body): (crate::model::Capture, Bytes)) -> Self {
        Original { method: c.method, query: c.query, headers: c.headers, body }
    }
}

/// The request that replays `capture` as `req` asks.
pub fn build(capture: &Original, req: &ReplayRequest) -> Result<Built, OutboundError> {
    let o = req.overrides.clone().unwrap_or_default();
    let method =
        o.method.as_deref().map(str::trim).filter(|m| !m.is_empty()).unwrap_or(&capture.method).to_owned();
    if !is_token(&method) {
        return Err(OutboundError::Invalid(format!("{method:?} is not an HTTP method")));
    }
    let mut url =
        url::Url::parse(req.url.trim()).map_err(|e| OutboundError::BadUrl(format!("{:?}: {e}", req.url)))?;
    if let Some(path) = o.path.as_deref().filter(|p| !p.is_empty()) {
        let (p, q) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        url.set_path(p);
        if q.is_some() {
            url.set_query(q);
        }
    }
    if url.query().is_none()
        && let Some(q) = capture.query.as_deref().filter(|q| !q.is_empty())
    {
        url.set_query(Some(q));
    }
    let target = Target::parse(url.as_str())?;

    let mut headers: Vec<WireHeader> = match &o.headers {
        Some(list) => list
            .iter()
            .filter(|h| h.enabled && !h.name.trim().is_empty())
            .map(|h| {
                let name = h.name.trim();
                if !is_token(name) {
                    return Err(OutboundError::Invalid(format!("{name:?} is not a valid header name")));
                }
                if h.value.contains(['\r', '\n']) {
                    return Err(OutboundError::Invalid(format!(
                        "{name}: a header value cannot hold a line break"
                    )));
                }
                Ok(WireHeader {
                    name: name.to_owned(),
                    value: h.value.clone().into_bytes(),
                    secret: is_secret_header(name),
                })
            })
            .collect::<Result<_, _>>()?,
        None => capture
            .headers
            .iter()
            .filter(|h| is_token(&h.name))
            .map(|h| WireHeader {
                name: h.name.clone(),
                value: h.raw_value(),
                secret: is_secret_header(&h.name),
            })
            .collect(),
    };
    headers.retain(|h| !(is_hop_by_hop(&h.name) || h.value.contains(&b'\r') || h.value.contains(&b'\n')));
    if !o.keep_host {
        headers.retain(|h| !h.name.eq_ignore_ascii_case("host"));
    }
    let body = match (&o.body_base64, &o.body) {
        (Some(b64), _) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| OutboundError::Invalid(format!("overrides.body_base64 is not base64: {e}")))?
            .into(),
        (None, Some(text)) => Bytes::from(text.clone().into_bytes()),
        (None, None) => capture.body.clone(),
    };
    let prepared = finish(method, target, headers, body, None, &mut |_, _| {});
    Ok(Built { prepared, oauth: None, diagnostics: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Header;
    use crate::outbound::spec::{NameValue, ReplayOverrides};
    use crate::outbound::wire::write_head;

    fn capture() -> Original {
        let h = |n: &str, v: &str| Header::new(n, v);
        Original {
            method: "POST".into(),
            query: Some("a=1&b=%20".into()),
            headers: vec![
                h("Host", "127.0.0.1:8787"),
                h("Transfer-Encoding", "chunked"),
                h("X-Dup", "1"),
                h("x-dup", "2"),
                h("Stripe-Signature", "t=1,v1=ab"),
                h("Connection", "keep-alive"),
                h("Content-Type", "application/json"),
            ],
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn a_replay_keeps_headers_in_order_and_drops_what_belongs_to_the_old_connection() {
        let req = ReplayRequest { url: "http://127.0.0.1:3000/webhook".into(), ..Default::default() };
        let b = build(&capture(), &req).unwrap();
        let head = String::from_utf8(write_head(&b.prepared, false, &[]).bytes).unwrap();
        assert_eq!(
            head,
            format!(
                "POST /webhook?a=1&b=%20 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nX-Dup: 1\r\nx-dup: 2\r\nStripe-Signature: t=1,v1=ab\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\nUser-Agent: {}\r\n\r\n",
                crate::outbound::build::USER_AGENT
            )
        );
        assert!(b.prepared.headers.iter().any(|h| h.name == "Stripe-Signature" && h.secret));
    }

    #[test]
    fn overrides_change_method_path_headers_body_and_can_keep_the_host() {
        let req = ReplayRequest {
            url: "http://127.0.0.1:3000/webhook?keep=1".into(),
            overrides: Some(ReplayOverrides {
                method: Some("PUT".into()),
                path: Some("/other?z=9".into()),
                headers: Some(vec![NameValue::new("Host", "original.test"), NameValue::new("X-New", "y")]),
                body: Some("changed".into()),
                body_base64: None,
                keep_host: true,
            }),
            ..Default::default()
        };
        let b = build(&capture(), &req).unwrap();
        let head = String::from_utf8(write_head(&b.prepared, false, &[]).bytes).unwrap();
        assert!(
            head.starts_with(
                "PUT /other?z=9 HTTP/1.1\r\nHost: original.test\r\nX-New: y\r\nContent-Length: 7\r\n"
            ),
            "{head}"
        );
        assert_eq!(&b.prepared.body[..], b"changed");
    }
}
