//! HTTP/1.1 on the wire, our own way: a request is written exactly as the user
//! built it (header order, case and duplicates kept), so the bytes a dry run
//! shows are the bytes a send writes; a response is read with bounds.

use bytes::Bytes;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use super::OutboundError;

/// Where a request goes, from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    /// For connecting: a name or an IP address (no brackets).
    pub host: String,
    pub port: u16,
    /// For `Host:` and absolute-form: `host[:port]` (port left out when it is the scheme's default).
    pub authority: String,
    /// The origin-form request target: path and query.
    pub path_and_query: String,
    /// The URL as sent (credentials in it taken out: see `userinfo`).
    pub url: String,
    /// `user:password@` of the URL, percent-decoded (never sent as part of the URL).
    pub userinfo: Option<(String, String)>,
}

/// `raw` with any `user:password@` masked, for messages.
pub fn redact_userinfo(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else { return raw.to_owned() };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://{MASK}@{}", &raw[..scheme_end], &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

impl Target {
    pub fn parse(raw: &str) -> Result<Target, OutboundError> {
        let shown = redact_userinfo(raw);
        let bad = |why: &str| OutboundError::BadUrl(format!("{shown:?}: {why}"));
        let mut u = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        // A fragment is never sent.
        u.set_fragment(None);
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let userinfo = (!u.username().is_empty() || u.password().is_some())
            .then(|| (decode(u.username()), decode(u.password().unwrap_or(""))));
        let _ = u.set_username("");
        let _ = u.set_password(None);
        let tls = match u.scheme() {
            "http" => false,
            "https" => true,
            s => return Err(bad(&format!("the scheme must be http or https, not {s}"))),
        };
        let host = match u.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(bad("it has no host")),
        };
        let port = u.port_or_known_default().ok_or_else(|| bad("it has no port"))?;
        let host_str = u.host_str().unwrap_or_default();
        let authority = match u.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let mut path_and_query = u.path().to_owned();
        if let Some(q) = u.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        Ok(Target { tls, host, port, authority, path_and_query, url: u.to_string(), userinfo })
    }

    /// Whether two targets share scheme, host and port (credentials may follow a redirect).
    pub fn same_origin(&self, other: &Target) -> bool {
        self.tls == other.tls && self.host.eq_ignore_ascii_case(&other.host) && self.port == other.port
    }
}

/// One header to write; `secret` values are masked wherever the request is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireHeader {
    pub name: String,
    pub value: Vec<u8>,
    pub secret: bool,
}

impl WireHeader {
    pub fn new(name: &str, value: impl Into<Vec<u8>>) -> Self {
        WireHeader { name: name.to_owned(), value: value.into(), secret: false }
    }
    pub fn secret(name: &str, value: impl Into<Vec<u8>>) -> Self {
        WireHeader { name: name.to_owned(), value: value.into(), secret: true }
    }
}

/// A request ready to be written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub target: Target,
    /// In order, as they will be written (`Host` and `Content-Length` included).
    pub headers: Vec<WireHeader>,
    pub body: Bytes,
    /// Byte ranges of `target.url` that are secret (an API key in the query).
    pub url_secrets: Vec<(usize, usize)>,
    /// Values that are secret wherever they appear (an environment's secret
    /// variables): masked in the head, the body and the URL shown.
    pub secret_values: Vec<String>,
}

/// The head as written, and which byte ranges of it are secret. Ranges past
/// the head's end are in the body that follows it (offset by the head's length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub bytes: Vec<u8>,
    pub secrets: Vec<(usize, usize)>,
}

impl Head {
    /// The secret ranges of the body, relative to the body.
    pub fn body_secrets(&self) -> Vec<(usize, usize)> {
        let n = self.bytes.len();
        self.secrets.iter().filter(|(s, _)| *s >= n).map(|(s, e)| (s - n, e - n)).collect()
    }
}

/// Where each of `values` occurs in `hay` (values shorter than 3 bytes are
/// left alone: masking every `a` would hide everything and protect nothing).
pub fn occurrences(hay: &[u8], values: &[String]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for v in values.iter().filter(|v| v.len() >= 3) {
        let mut at = 0;
        while let Some(i) = memchr::memmem::find(&hay[at..], v.as_bytes()) {
            out.push((at + i, at + i + v.len()));
            at += i + v.len();
        }
    }
    out
}

/// Write the request head. `absolute_form`: through an HTTP proxy, the request
/// target is the whole URL.
pub fn write_head(p: &Prepared, absolute_form: bool, extra: &[WireHeader]) -> Head {
    let mut out =
        Vec::with_capacity(256 + p.headers.iter().map(|h| h.name.len() + h.value.len() + 4).sum::<usize>());
    let mut secrets = Vec::new();
    out.extend_from_slice(p.method.as_bytes());
    out.push(b' ');
    let start = out.len();
    if absolute_form {
        out.extend_from_slice(p.target.url.as_bytes());
        secrets.extend(p.url_secrets.iter().map(|(s, e)| (s + start, e + start)));
    } else {
        out.extend_from_slice(p.target.path_and_query.as_bytes());
        // The secret ranges are of the URL, which the path and query end.
        let offset = p.target.url.len() - p.target.path_and_query.len();
        secrets.extend(
            p.url_secrets
                .iter()
                .filter(|(s, _)| *s >= offset)
                .map(|(s, e)| (s - offset + start, e - offset + start)),
        );
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for h in p.headers.iter().chain(extra) {
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        let s = out.len();
        out.extend_from_slice(&h.value);
        if h.secret && !h.value.is_empty() {
            secrets.push((s, out.len()));
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !p.secret_values.is_empty() {
        secrets.extend(occurrences(&out, &p.secret_values));
        let n = out.len();
        secrets.extend(occurrences(&p.body, &p.secret_values).into_iter().map(|(s, e)| (s + n, e + n)));
    }
    Head { bytes: out, secrets }
}

/// What is shown instead of a secret.
pub const MASK: &str = "••••••";

/// `bytes` with each range replaced by [`MASK`].
pub fn mask(bytes: &[u8], ranges: &[(usize, usize)]) -> Vec<u8> {
    // Clamped to the bytes, sorted, overlapping ones merged (a secret that
    // overlaps another is masked whole).
    let mut sorted: Vec<(usize, usize)> = ranges
        .iter()
        .map(|&(s, e)| (s.min(bytes.len()), e.min(bytes.len())))
        .filter(|(s, e)| s < e)
        .collect();
    sorted.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(sorted.len());
    for (s, e) in sorted {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (s, e) in merged {
        out.extend_from_slice(&bytes[at..s]);
        out.extend_from_slice(MASK.as_bytes());
        at = e;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// `text` with every occurrence of `values` masked.
pub fn mask_values(text: &str, values: &[String]) -> String {
    let ranges = occurrences(text.as_bytes(), values);
    if ranges.is_empty() {
        return text.to_owned();
    }
    String::from_utf8_lossy(&mask(text.as_bytes(), &ranges)).into_owned()
}

/// A response as read.
#[derive(Debug, Clone)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Bytes,
    /// The body was longer than the bound; the rest was not read.
    pub truncated: bool,
    /// The connection may carry another request.
    pub reusable: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v.as_slice())
    }
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok()).map(str::trim)
    }
}

const MAX_HEAD: usize = 256 * 1024;
const MAX_HEADERS: usize = 1024;

fn protocol(msg: impl Into<String>) -> OutboundError {
    OutboundError::Protocol(msg.into())
}

/// Read one response head (skipping 1xx interim answers) and its body, at most
/// `max_body` bytes of it. `head_request`: the request was HEAD (no body follows).
pub async fn read_response<R: AsyncBufRead + Unpin>(
    r: &mut R,
    head_request: bool,
    max_body: usize,
) -> Result<Response, OutboundError> {
    loop {
        let head = read_head(r).await?;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err(protocol("the response head is incomplete")),
            Err(e) => return Err(protocol(format!("the response head cannot be read: {e}"))),
        }
        let status = parsed.code.unwrap_or(0);
        let version = format!("HTTP/1.{}", parsed.version.unwrap_or(1));
        let reason = parsed.reason.unwrap_or("").to_owned();
        let headers: Vec<(Vec<u8>, Vec<u8>)> =
            parsed.headers.iter().map(|h| (h.name.as_bytes().to_vec(), h.value.to_vec())).collect();
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let mut resp = Response {
            version,
            status,
            reason,
            headers,
            body: Bytes::new(),
            truncated: false,
            reusable: true,
        };
        let conn_close = resp
            .header_str("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
            || (parsed.version == Some(0)
                && !resp
                    .header_str("connection")
                    .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("keep-alive"))));
        let no_body = head_request || status == 204 || status == 304 || status == 101;
        let chunked = resp.header_str("transfer-encoding").is_some_and(|v| {
            v.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        });
        if no_body {
            resp.reusable = !conn_close && status != 101;
        } else if chunked {
            let (body, truncated) = read_chunked(r, max_body).await?;
            resp.body = body;
            resp.truncated = truncated;
            resp.reusable = !conn_close && !truncated;
        } else if let Some(len) = resp.header_str("content-length") {
            let len: u64 =
                len.parse().map_err(|_| protocol(format!("Content-Length {len:?} is not a number")))?;
            let take = usize::try_from(len).unwrap_or(usize::MAX).min(max_body);
            // Grown as bytes arrive: a declared length alone allocates nothing.
            let mut buf = Vec::with_capacity(take.min(64 * 1024));
            let got = (&mut *r)
                .take(take as u64)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| OutboundError::Io(e.to_string()))?;
            if got < take {
                return Err(protocol(format!(
                    "the connection closed before the {len}-byte body was complete"
                )));
            }
            resp.body = buf.into();
            resp.truncated = (take as u64) < len;
            resp.reusable = !conn_close && !resp.truncated;
        } else {
            // Delimited by the connection closing.
            let mut buf = Vec::new();
            let n = r
                .take(max_body as u64 + 1)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| OutboundError::Io(e.to_string()))?;
            resp.truncated = n > max_body;
            buf.truncate(max_body);
            resp.body = buf.into();
            resp.reusable = false;
        }
        return Ok(resp);
    }
}

/// Bytes up to and including the blank line that ends a head.
async fn read_head<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Vec<u8>, OutboundError> {
    let mut head = Vec::with_capacity(1024);
    loop {
        // Never more than the bound, even within one endless line.
        let room = (MAX_HEAD + 1).saturating_sub(head.len()) as u64;
        let n = (&mut *r)
            .take(room)
            .read_until(b'\n', &mut head)
            .await
            .map_err(|e| OutboundError::Io(e.to_string()))?;
        if n == 0 {
            return Err(if head.is_empty() {
                OutboundError::Closed
            } else {
                protocol("the connection closed in the middle of the response head")
            });
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") || head == b"\r\n" {
            if head == b"\r\n" {
                // A stray blank line before a response: skip it.
                head.clear();
                continue;
            }
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(protocol("the response head is larger than 256 KiB"));
        }
    }
}

async fn read_chunked<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max_body: usize,
) -> Result<(Bytes, bool), OutboundError> {
    let io = |e: std::io::Error| OutboundError::Io(e.to_string());
    let mut body = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.take(1024).read_until(b'\n', &mut line).await.map_err(io)?;
        if n == 0 {
            return Err(protocol("the connection closed in the middle of a chunked body"));
        }
        let text = std::str::from_utf8(&line).map_err(|_| protocol("a chunk size line is not text"))?;
        let size = text.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size, 16).map_err(|_| protocol(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                line.clear();
                let n = r.take(8192).read_until(b'\n', &mut line).await.map_err(io)?;
                if n == 0 || line == b"\r\n" || line == b"\n" {
                    return Ok((body.into(), false));
                }
            }
        }
        let room = max_body - body.len();
        if size > room as u64 {
            let start = body.len();
            body.resize(max_body, 0);
            r.read_exact(&mut body[start..]).await.map_err(io)?;
            return Ok((body.into(), true));
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        r.read_exact(&mut body[start..]).await.map_err(io)?;
        line.clear();
        r.take(2).read_until(b'\n', &mut line).await.map_err(io)?;
        if line != b"\r\n" && line != b"\n" {
            return Err(protocol("a chunk is not followed by CRLF"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(url: &str) -> Prepared {
        let target = Target::parse(url).unwrap();
        Prepared {
            method: "POST".into(),
            headers: vec![
                WireHeader::new("Host", target.authority.clone()),
                WireHeader::new("X-Dup", "1"),
                WireHeader::new("x-dup", "2"),
                WireHeader::secret("Authorization", "Bearer s3cret"),
            ],
            target,
            body: Bytes::from_static(b"{}"),
            url_secrets: vec![],
            secret_values: vec![],
        }
    }

    #[test]
    fn targets_keep_the_port_only_when_it_is_not_the_default() {
        let t = Target::parse("https://example.test/a/b?x=1&y=%20").unwrap();
        assert_eq!(
            (t.tls, t.host.as_str(), t.port, t.authority.as_str()),
            (true, "example.test", 443, "example.test")
        );
        assert_eq!(t.path_and_query, "/a/b?x=1&y=%20");
        let t = Target::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority.as_str(), t.path_and_query.as_str()),
            ("::1", "[::1]:8080", "/")
        );
        assert!(
            matches!(Target::parse("ftp://x/"), Err(OutboundError::BadUrl(m)) if m.contains("http or https"))
        );
        assert!(Target::parse("not a url").is_err());
        let t = Target::parse("http://ana:p%40ss@h.test/x").unwrap();
        assert_eq!((t.url.as_str(), t.userinfo), ("http://h.test/x", Some(("ana".into(), "p@ss".into()))));
        let e = Target::parse("ftp://ana:secret@h.test/").unwrap_err().to_string();
        assert!(!e.contains("secret") && e.contains("ftp://••••••@h.test/"), "{e}");
    }

    #[test]
    fn the_head_keeps_order_case_and_duplicates_and_knows_its_secrets() {
        let head = write_head(&prepared("http://127.0.0.1:9/hook?a=1"), false, &[]);
        let text = String::from_utf8(head.bytes.clone()).unwrap();
        assert_eq!(
            text,
            "POST /hook?a=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Dup: 1\r\nx-dup: 2\r\nAuthorization: Bearer s3cret\r\n\r\n"
        );
        let masked = String::from_utf8(mask(&head.bytes, &head.secrets)).unwrap();
        assert!(masked.contains("Authorization: ••••••\r\n") && !masked.contains("s3cret"), "{masked}");
    }

    #[test]
    fn overlapping_secrets_are_masked_whole_and_ranges_are_clamped() {
        let text = b"key=secret123abc&x=1";
        let ranges = occurrences(text, &["secret123".into(), "123abc".into()]);
        assert_eq!(String::from_utf8(mask(text, &ranges)).unwrap(), "key=••••••&x=1");
        assert_eq!(String::from_utf8(mask(b"abcdef", &[(4, 99)])).unwrap(), "abcd••••••");
    }

    #[tokio::test]
    async fn an_endless_header_line_stops_at_the_bound() {
        let mut raw = b"HTTP/1.1 200 OK\r\nX-Long: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD * 2));
        let e = read(&raw, false, 10).await.unwrap_err();
        assert!(e.to_string().contains("larger than 256 KiB"), "{e}");
    }

    #[test]
    fn a_secret_in_the_query_is_masked_in_origin_and_absolute_form() {
        let mut p = prepared("http://h.test/x?api_key=K123&b=2");
        let at = p.target.url.find("K123").unwrap();
        p.url_secrets = vec![(at, at + 4)];
        for absolute in [false, true] {
            let head = write_head(&p, absolute, &[]);
            let masked = String::from_utf8(mask(&head.bytes, &head.secrets)).unwrap();
            assert!(masked.contains("api_key=••••••&b=2") && !masked.contains("K123"), "{masked}");
        }
    }

    async fn read(raw: &[u8], head: bool, max: usize) -> Result<Response, OutboundError> {
        let mut r = tokio::io::BufReader::new(raw);
        read_response(&mut r, head, max).await
    }

    #[tokio::test]
    async fn responses_are_read_by_length_chunks_or_close() {
        let r =
            read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhelloEXTRA", false, 100)
                .await
                .unwrap();
        assert_eq!((r.status, &r.body[..], r.reusable, r.headers.len()), (200, &b"hello"[..], true, 3));
        let r = read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n", false, 100)
            .await
            .unwrap();
        assert_eq!((r.status, r.reason.as_str(), &r.body[..]), (201, "Created", &b"abcde"[..]));
        let r = read(b"HTTP/1.0 500 Oops\r\n\r\nall of it", false, 100).await.unwrap();
        assert_eq!((r.status, &r.body[..], r.reusable), (500, &b"all of it"[..], false));
        let r = read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, 100).await.unwrap();
        assert_eq!((r.body.len(), r.reusable), (0, true));
    }

    #[tokio::test]
    async fn bodies_over_the_bound_are_cut_and_marked() {
        let r = read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", false, 4).await.unwrap();
        assert_eq!((&r.body[..], r.truncated, r.reusable), (&b"0123"[..], true, false));
        let r =
            read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n0\r\n\r\n", false, 4)
                .await
                .unwrap();
        assert_eq!((&r.body[..], r.truncated), (&b"0123"[..], true));
        let r = read(b"HTTP/1.1 200 OK\r\n\r\n0123456789", false, 4).await.unwrap();
        assert_eq!((&r.body[..], r.truncated), (&b"0123"[..], true));
    }

    #[tokio::test]
    async fn broken_responses_say_what_is_wrong() {
        assert!(matches!(read(b"", false, 10).await, Err(OutboundError::Closed)));
        let e = read(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", false, 10).await.unwrap_err();
        assert!(e.to_string().contains("before the 9-byte body"), "{e}");
        let e = read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, 10)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("bad chunk size"), "{e}");
        let e = read(b"garbage\r\n\r\n", false, 10).await.unwrap_err();
        assert!(e.to_string().contains("cannot be read"), "{e}");
    }
}
