//! Exports of captures and sends as HAR 1.2, NDJSON and JSON, with optional
//! redaction (Authorization, cookies, API keys, signatures, secret-looking
//! query parameters, and chosen body paths); and HAR import into an endpoint.
//!
//! Sends are always exported with the secrets of their auth masked, as the
//! execution log shows them; captures are exported as received unless
//! `redact` is asked for.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::model::{Capture, Header};
use crate::outbound::build::is_secret_header;
use crate::outbound::log::StoredSend;
use crate::outbound::wire::MASK;

/// The file formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// HTTP Archive 1.2, as browsers' developer tools read and write it.
    #[default]
    Har,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array.
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "har" => Format::Har,
            "ndjson" => Format::Ndjson,
            "json" => Format::Json,
            _ => return None,
        })
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Har => "application/json",
            Format::Ndjson => "application/x-ndjson",
            Format::Json => "application/json",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::Ndjson => "ndjson",
            Format::Json => "json",
        }
    }
}

/// What to mask.
#[derive(Debug, Clone, Default)]
pub struct Redaction {
    /// Mask secret headers and secret-looking query parameters.
    pub secrets: bool,
    /// JSON (or form) body paths to mask: `customer.email`, `items[0].card`;
    /// a bare name (`password`) masks that key at any depth.
    pub body_paths: Vec<String>,
}

impl Redaction {
    pub fn is_on(&self) -> bool {
        self.secrets || !self.body_paths.is_empty()
    }
}

/// A capture to export: the capture and its raw body.
pub struct CaptureItem {
    pub capture: Capture,
    pub url: String,
    pub body: Vec<u8>,
}

fn text_or_base64(bytes: &[u8]) -> (String, Option<&'static str>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), None),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(bytes), Some("base64")),
    }
}

fn redact_headers(headers: &[Header], r: &Redaction) -> Vec<Header> {
    headers
        .iter()
        .map(|h| {
            if r.secrets && (is_secret_header(&h.name) || h.name.to_ascii_lowercase().contains("hmac")) {
                Header::new(h.name.clone(), MASK)
            } else {
                h.clone()
            }
        })
        .collect()
}

fn secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["token", "secret", "password", "api_key", "apikey", "api-key", "signature", "sig", "key", "code"]
        .iter()
        .any(|s| n == *s || n.ends_with(&format!("_{s}")) || n.contains("token") || n.contains("secret"))
}

/// `url` with secret-looking query parameter values masked.
pub fn redact_url(url: &str, r: &Redaction) -> String {
    if !r.secrets {
        return url.to_owned();
    }
    let Some((base, query)) = url.split_once('?') else { return url.to_owned() };
    let (query, frag) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if secret_param(&percent_decode(k)) => format!("{k}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{base}?{}", parts.join("&"));
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("k={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A body with the chosen paths masked (JSON and form bodies; others as they are).
pub fn redact_body(body: &[u8], content_type: Option<&str>, r: &Redaction) -> Vec<u8> {
    if r.body_paths.is_empty() || body.is_empty() {
        return body.to_vec();
    }
    if let Ok(mut v) = serde_json::from_slice::<Value>(body) {
        for p in &r.body_paths {
            mask_path(&mut v, p);
        }
        return serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec());
    }
    let form =
        content_type.is_some_and(|c| c.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if form {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(body) {
            let hide = r.body_paths.iter().any(|p| *p == k);
            ser.append_pair(&k, if hide { MASK } else { &v });
        }
        return ser.finish().into_bytes();
    }
    body.to_vec()
}

fn mask_path(v: &mut Value, path: &str) {
    let bare = !path.contains(['.', '[']);
    if bare {
        mask_key_anywhere(v, path);
        return;
    }
    let Ok(segs) = crate::analysis::path::parse_tag_path(path) else { return };
    let mut cur = v;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let next = match (seg, cur) {
            (crate::analysis::path::Seg::Key(k), Value::Object(m)) => m.get_mut(k.as_str()),
            (crate::analysis::path::Seg::Index(n), Value::Array(a)) => a.get_mut(*n),
            _ => None,
        };
        let Some(n) = next else { return };
        if last {
            *n = Value::String(MASK.into());
            return;
        }
        cur = n;
    }
}

fn mask_key_anywhere(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == key {
                    *child = Value::String(MASK.into());
                } else {
                    mask_key_anywhere(child, key);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| mask_key_anywhere(c, key)),
        _ => {}
    }
}

/// Milliseconds since the epoch as ISO 8601 (UTC, ms).
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// ISO 8601 (`2026-12-03T17:00:00.123Z`, `…+01:00`) as milliseconds since the epoch.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once('T').or_else(|| s.split_once(' '))?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) =
        (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let (clock, offset_ms) = if let Some(c) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = &off[1..];
        let (oh, om) = off.split_once(':').unwrap_or((off.get(..2)?, off.get(2..).unwrap_or("0")));
        (c, sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().unwrap_or(0) * 60) * 1000)
    } else {
        (time, 0)
    };
    let mut t = clock.split(':');
    let (h, mi): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let sec: f64 = t.next().unwrap_or("0").parse().ok()?;
    // Checked ranges keep the arithmetic below from overflowing on any input.
    if !(0..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&da)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
        || !(0.0..61.0).contains(&sec)
        || offset_ms.abs() > 48 * 3_600_000
    {
        return None;
    }
    let days = days_from_civil(y, mo, da);
    Some((days * 86_400 + h * 3600 + mi * 60) * 1000 + (sec * 1000.0).round() as i64 - offset_ms)
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn har_headers(headers: &[Header]) -> Value {
    Value::Array(headers.iter().map(|h| json!({"name": h.name, "value": h.value})).collect())
}

fn har_query(url: &str) -> Value {
    let q = url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or("")).unwrap_or("");
    Value::Array(
        url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| json!({"name": k, "value": v})).collect(),
    )
}

fn har_post_data(body: &[u8], content_type: Option<&str>) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    let (text, encoding) = text_or_base64(body);
    let mut v = json!({"mimeType": content_type.unwrap_or(""), "text": text});
    if let Some(e) = encoding {
        v["encoding"] = json!(e);
    }
    Some(v)
}

fn har_content(body: &[u8], content_type: Option<&str>) -> Value {
    let (text, encoding) = text_or_base64(body);
    let mut v = json!({"size": body.len(), "mimeType": content_type.unwrap_or(""), "text": text});
    if let Some(e) = encoding {
        v["encoding"] = json!(e);
    }
    v
}

fn header_value<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

fn status_text(status: u16) -> &'static str {
    http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

/// A capture as JSON (NDJSON/JSON exports) or as a HAR entry.
pub fn capture_json(item: &CaptureItem, r: &Redaction) -> Value {
    let c = &item.capture;
    let headers = redact_headers(&c.headers, r);
    let body = redact_body(&item.body, c.content_type.as_deref(), r);
    let (text, encoding) = text_or_base64(&body);
    let mut v = json!({
        "type": "capture", "id": c.id, "endpoint_id": c.endpoint_id, "received_at": iso8601(c.received_at),
        "method": c.method, "url": redact_url(&item.url, r), "http_version": c.http_version,
        "remote_addr": c.remote_addr, "headers": headers, "body": text, "body_size": item.body.len(),
        "body_sha256": c.body_sha256,
        "response": {"status": c.response.status, "headers": c.response.headers, "body": c.response.body},
    });
    if encoding.is_some() {
        v["body_encoding"] = json!("base64");
    }
    if let Some(rej) = &c.rejected {
        v["rejected"] = json!(rej);
    }
    v
}

fn capture_har(item: &CaptureItem, r: &Redaction) -> Value {
    let c = &item.capture;
    let headers = redact_headers(&c.headers, r);
    let body = redact_body(&item.body, c.content_type.as_deref(), r);
    let url = redact_url(&item.url, r);
    let mut request = json!({
        "method": c.method, "url": url, "httpVersion": c.http_version, "cookies": [],
        "headers": har_headers(&headers), "queryString": har_query(&url), "headersSize": -1, "bodySize": body.len(),
    });
    if let Some(p) = har_post_data(&body, c.content_type.as_deref()) {
        request["postData"] = p;
    }
    let ct = header_value(&c.response.headers, "content-type");
    json!({
        "startedDateTime": iso8601(c.received_at), "time": 0,
        "request": request,
        "response": {
            "status": c.response.status, "statusText": status_text(c.response.status), "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": har_headers(&c.response.headers),
            "content": har_content(c.response.body.as_bytes(), ct), "redirectURL": "", "headersSize": -1,
            "bodySize": c.response.body.len(),
        },
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
        "serverIPAddress": "", "comment": format!("Hookbench capture {} from {}", c.id, c.remote_addr),
        "_hookbench": {"type": "capture", "id": c.id, "endpoint_id": c.endpoint_id, "remote_addr": c.remote_addr},
    })
}

fn send_body_bytes(text: &str, b64: Option<&str>) -> Vec<u8> {
    b64.and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| text.as_bytes().to_vec())
}

/// A logged send as JSON (secrets already masked by the log).
pub fn send_json(s: &StoredSend, r: &Redaction) -> Value {
    let mut s = s.clone();
    s.request.url = redact_url(&s.request.url, r);
    s.request.headers = redact_headers(&s.request.headers, r);
    let ct = header_value(&s.request.headers, "content-type").map(str::to_owned);
    let body =
        redact_body(&send_body_bytes(&s.request.body, s.request.body_base64.as_deref()), ct.as_deref(), r);
    let (text, enc) = text_or_base64(&body);
    s.request.body = text;
    s.request.body_base64 = enc.map(|_| s.request.body.clone());
    let mut v = serde_json::to_value(&s).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        let mut out = Map::new();
        out.insert("type".into(), json!("send"));
        out.extend(std::mem::take(m));
        out.insert("created_at".into(), json!(iso8601(s.created_at)));
        return Value::Object(out);
    }
    v
}

fn send_har(s: &StoredSend, r: &Redaction) -> Value {
    let url = redact_url(&s.request.url, r);
    let headers = redact_headers(&s.request.headers, r);
    let ct = header_value(&headers, "content-type").map(str::to_owned);
    let body =
        redact_body(&send_body_bytes(&s.request.body, s.request.body_base64.as_deref()), ct.as_deref(), r);
    let mut request = json!({
        "method": s.request.method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": har_headers(&headers), "queryString": har_query(&url), "headersSize": s.request.head.len(),
        "bodySize": body.len(),
    });
    if let Some(p) = har_post_data(&body, ct.as_deref()) {
        request["postData"] = p;
    }
    let response = match &s.response {
        Some(resp) => {
            let rct = header_value(&resp.headers, "content-type");
            json!({
                "status": resp.status, "statusText": resp.reason, "httpVersion": resp.http_version, "cookies": [],
                "headers": har_headers(&resp.headers),
                "content": har_content(&send_body_bytes(&resp.body, resp.body_base64.as_deref()), rct),
                "redirectURL": header_value(&resp.headers, "location").unwrap_or(""), "headersSize": -1,
                "bodySize": resp.body_size,
            })
        }
        // HAR has no place for "no response": status 0, as browsers write it.
        None => json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
            "_error": s.error,
        }),
    };
    let time = s.duration_ms.unwrap_or(0);
    json!({
        "startedDateTime": iso8601(s.created_at), "time": time, "request": request, "response": response,
        "cache": {}, "timings": {"send": 0, "wait": time, "receive": 0},
        "_hookbench": {"type": "send", "id": s.id, "kind": s.kind, "capture_id": s.capture_id, "error": s.error},
    })
}

/// The export file.
pub fn render(format: Format, captures: &[CaptureItem], sends: &[StoredSend], r: &Redaction) -> Vec<u8> {
    match format {
        Format::Har => {
            let mut entries: Vec<(String, Value)> = captures
                .iter()
                .map(|c| (iso8601(c.capture.received_at), capture_har(c, r)))
                .chain(sends.iter().map(|s| (iso8601(s.created_at), send_har(s, r))))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let har = json!({"log": {
                "version": "1.2",
                "creator": {"name": "Hookbench", "version": env!("CARGO_PKG_VERSION")},
                "pages": [],
                "entries": entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
            }});
            serde_json::to_vec_pretty(&har).unwrap_or_default()
        }
        Format::Ndjson | Format::Json => {
            let items: Vec<Value> = captures
                .iter()
                .map(|c| capture_json(c, r))
                .chain(sends.iter().map(|s| send_json(s, r)))
                .collect();
            if format == Format::Json {
                return serde_json::to_vec_pretty(&items).unwrap_or_default();
            }
            let mut out = Vec::new();
            for v in items {
                out.extend_from_slice(v.to_string().as_bytes());
                out.push(b'\n');
            }
            out
        }
    }
}

/// One request of a HAR file, to be stored as a capture.
#[derive(Debug, Clone)]
pub struct HarRequest {
    pub received_at: Option<i64>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub http_version: String,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    pub response: Option<(u16, Vec<Header>, String)>,
}

/// The requests of a HAR file, and what could not be read.
pub fn parse_har(bytes: &[u8]) -> Result<(Vec<HarRequest>, Vec<String>), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a HAR file (not JSON: {e})"))?;
    let entries = v["log"]["entries"].as_array().ok_or("not a HAR file: it has no log.entries")?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let req = &e["request"];
        let (Some(method), Some(url)) = (req["method"].as_str(), req["url"].as_str()) else {
            warnings.push(format!("entry {i}: no request method or URL; left out"));
            continue;
        };
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(err) => {
                warnings.push(format!("entry {i}: the URL {url:?} cannot be read ({err}); left out"));
                continue;
            }
        };
        let headers: Vec<Header> = req["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| Some(Header::new(h["name"].as_str()?, h["value"].as_str().unwrap_or(""))))
            // HTTP/2 pseudo-headers (`:authority`) are how the browser saw it, not headers.
            .filter(|h| !h.name.starts_with(':'))
            .collect();
        let post = &req["postData"];
        let body = match (post["text"].as_str(), post["encoding"].as_str()) {
            (Some(t), Some("base64")) => match base64::engine::general_purpose::STANDARD.decode(t) {
                Ok(b) => b,
                Err(_) => {
                    warnings.push(format!("entry {i}: postData is not valid base64; kept as text"));
                    t.as_bytes().to_vec()
                }
            },
            (Some(t), _) => t.as_bytes().to_vec(),
            (None, _) => {
                if post["params"].as_array().is_some_and(|p| !p.is_empty()) {
                    let mut ser = url::form_urlencoded::Serializer::new(String::new());
                    for p in post["params"].as_array().into_iter().flatten() {
                        ser.append_pair(p["name"].as_str().unwrap_or(""), p["value"].as_str().unwrap_or(""));
                    }
                    ser.finish().into_bytes()
                } else {
                    Vec::new()
                }
            }
        };
        let resp = &e["response"];
        let response = resp["status"].as_u64().filter(|s| (100..=999).contains(s)).map(|s| {
            let headers: Vec<Header> = resp["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| Some(Header::new(h["name"].as_str()?, h["value"].as_str().unwrap_or(""))))
                .collect();
            (s as u16, headers, resp["content"]["text"].as_str().unwrap_or("").to_owned())
        });
        let version = req["httpVersion"].as_str().unwrap_or("HTTP/1.1");
        out.push(HarRequest {
            received_at: e["startedDateTime"].as_str().and_then(parse_iso8601),
            method: method.to_owned(),
            path: parsed.path().to_owned(),
            query: parsed.query().map(str::to_owned),
            http_version: if version.is_empty() { "HTTP/1.1".into() } else { version.to_owned() },
            headers,
            body,
            response,
        });
    }
    Ok((out, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_go_both_ways() {
        for ms in [0, 1_796_317_727_584, 951_782_400_000, -86_400_000] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms), "{}", iso8601(ms));
        }
        assert_eq!(iso8601(1_796_317_727_584), "2026-12-03T17:08:47.584Z");
        assert_eq!(parse_iso8601("2026-12-03T18:08:47.584+01:00"), Some(1_796_317_727_584));
        assert_eq!(parse_iso8601("2026-12-03T17:08:47Z"), Some(1_796_317_727_000));
        assert_eq!(parse_iso8601("yesterday"), None);
        for hostile in [
            "2026-12-03T10:00:1e20Z",
            "2026-12-03T-5:00:00Z",
            "99999999999-01-01T00:00:00Z",
            "2026-12-03T10:00:00+999999:00",
        ] {
            assert_eq!(parse_iso8601(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn redaction_masks_secret_headers_query_parameters_and_body_paths() {
        let r = Redaction { secrets: true, body_paths: vec!["customer.email".into(), "password".into()] };
        let h = redact_headers(
            &[
                Header::new("Authorization", "Bearer x"),
                Header::new("X-Shopify-Hmac-Sha256", "abc"),
                Header::new("Stripe-Signature", "t=1"),
                Header::new("Content-Type", "application/json"),
            ],
            &r,
        );
        assert_eq!(h.iter().filter(|h| h.value == MASK).count(), 3);
        assert_eq!(
            redact_url("http://h/x?a=1&api_key=K&access_token=T#f", &r),
            format!("http://h/x?a=1&api_key={MASK}&access_token={MASK}#f")
        );
        let body =
            br#"{"customer":{"email":"a@b.c","name":"A"},"auth":{"password":"p"},"list":[{"password":"q"}]}"#;
        let out: Value = serde_json::from_slice(&redact_body(body, Some("application/json"), &r)).unwrap();
        assert_eq!(out["customer"], json!({"email": MASK, "name": "A"}));
        assert_eq!(
            (out["auth"]["password"].as_str(), out["list"][0]["password"].as_str()),
            (Some(MASK), Some(MASK))
        );
        let form = redact_body(b"password=p&x=1", Some("application/x-www-form-urlencoded"), &r);
        assert_eq!(
            String::from_utf8(form).unwrap(),
            "password=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2&x=1"
        );
    }

    #[test]
    fn a_har_file_is_read_with_its_bodies_and_answers() {
        let har = json!({"log": {"version": "1.2", "entries": [
            {"startedDateTime": "2026-12-03T17:08:47.584Z",
             "request": {"method": "POST", "url": "https://api.example.com/hooks/a?x=1", "httpVersion": "HTTP/2",
                         "headers": [{"name": ":authority", "value": "api.example.com"}, {"name": "X-A", "value": "1"}],
                         "postData": {"mimeType": "application/octet-stream", "text": "AAEC", "encoding": "base64"}},
             "response": {"status": 201, "headers": [{"name": "X-R", "value": "r"}], "content": {"text": "made"}}},
            {"request": {"method": "GET", "url": "not a url"}},
            {"request": {"method": "POST", "url": "http://h/f", "postData": {"params": [{"name": "a b", "value": "1"}]}},
             "response": {"status": 0}}
        ]}});
        let (reqs, warnings) = parse_har(har.to_string().as_bytes()).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(warnings.len(), 1);
        let a = &reqs[0];
        assert_eq!(
            (a.path.as_str(), a.query.as_deref(), &a.body[..]),
            ("/hooks/a", Some("x=1"), &[0u8, 1, 2][..])
        );
        assert_eq!((a.received_at, a.headers.len()), (Some(1_796_317_727_584), 1));
        assert_eq!(a.response.as_ref().map(|r| (r.0, r.2.as_str())), Some((201, "made")));
        assert_eq!((&reqs[1].body[..], reqs[1].response.is_none()), (&b"a+b=1"[..], true));
        assert!(parse_har(b"{}").is_err());
    }
}
