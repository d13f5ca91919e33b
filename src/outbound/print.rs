//! A logged send for a terminal: what `hookbench send`, `replay` and `listen` print.

use base64::Engine as _;

use super::log::StoredSend;
use super::wire::MASK;

fn bytes_of(text: &str, b64: Option<&str>) -> Vec<u8> {
    b64.and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| text.as_bytes().to_vec())
}

/// A dry run: the request head and body. Otherwise the response body,
/// after its status line and headers when `include`.
pub fn terminal(s: &StoredSend, include: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if s.dry_run {
        out.extend_from_slice(s.request.head.as_bytes());
        out.extend_from_slice(&bytes_of(&s.request.body, s.request.body_base64.as_deref()));
        if !out.ends_with(b"\n") && !s.request.body.is_empty() {
            out.push(b'\n');
        }
        return out;
    }
    let Some(r) = &s.response else { return out };
    if include {
        out.extend_from_slice(format!("{} {} {}\r\n", r.http_version, r.status, r.reason).as_bytes());
        for h in &r.headers {
            out.extend_from_slice(format!("{}: {}\r\n", h.name, h.value).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&bytes_of(&r.body, r.body_base64.as_deref()));
    out
}

/// One line for stderr: status, time, where it is logged, and any warning.
pub fn summary(s: &StoredSend) -> String {
    let mut line = String::new();
    for d in &s.diagnostics {
        line.push_str(&format!("warning: {}: {}\n", d.field, d.diagnostic.message));
    }
    if s.dry_run {
        line.push_str(&format!("dry run: nothing was sent (secrets shown as {MASK})\n"));
        return line;
    }
    let what = match (&s.response, &s.error) {
        (Some(r), _) => format!("{} {}", r.status, r.reason),
        (None, Some(e)) => format!("no response: {e}"),
        (None, None) => "no response".into(),
    };
    let ms = s.duration_ms.map(|d| format!(" · {d} ms")).unwrap_or_default();
    let redirects = match s.redirects.len() {
        0 => String::new(),
        n => format!(" · {n} redirect(s) followed"),
    };
    let id = s.id.map(|i| format!(" · logged as request {i}")).unwrap_or_default();
    line.push_str(&format!("{} {}: {what}{ms}{redirects}{id}\n", s.request.method, s.request.url));
    line
}
