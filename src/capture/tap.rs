//! The wire tap: reads HTTP/1 request heads off the raw byte stream, so a
//! capture keeps its headers exactly as sent (order, case, duplicates, bytes),
//! which hyper's `HeaderMap` cannot give back.
//!
//! [`Tap`] wraps a connection's reader. Every byte hyper reads also passes
//! through a small framing parser here: it finds each request head, parses it,
//! queues it, and then skips the body (Content-Length or chunked) to find the
//! next head. The request handler pops the head for its request and checks it
//! matches (method and target). Anything the tap does not understand (HTTP/2,
//! an upgrade, a malformed stream) switches it off for that connection, and the
//! handler falls back to the parsed headers: the tap can add fidelity, never
//! lose a request.

use std::collections::VecDeque;
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A request head as it was on the wire: its bytes, and where the method, the
/// target and each header's name and value are in them (one buffer for the
/// whole head rather than one per field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHead {
    bytes: Vec<u8>,
    method: Range<usize>,
    target: Range<usize>,
    headers: Vec<(Range<usize>, Range<usize>)>,
}

impl RawHead {
    pub fn method(&self) -> &[u8] {
        &self.bytes[self.method.clone()]
    }

    pub fn target(&self) -> &[u8] {
        &self.bytes[self.target.clone()]
    }

    /// Every header, in order, with duplicates, as sent.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> {
        self.headers.iter().map(|(n, v)| (&self.bytes[n.clone()], &self.bytes[v.clone()]))
    }
}

/// Heads longer than this switch the tap off (hyper rejects them anyway).
const MAX_HEAD: usize = 1024 * 1024;

/// How much of a read the head parser copies at once.
const HEAD_PIECE: usize = 4096;

#[derive(Debug)]
enum State {
    /// Waiting for (more of) a request head.
    Head(Vec<u8>),
    /// Skipping this many body bytes.
    Fixed(u64),
    /// Reading a chunk-size line.
    ChunkSize(Vec<u8>),
    /// Skipping chunk data, then its CRLF.
    ChunkData(u64),
    ChunkDataEnd(u8),
    /// Reading trailer lines after the last chunk.
    Trailers(Vec<u8>),
    Off,
}

#[derive(Debug)]
pub struct TapState {
    state: State,
    heads: VecDeque<RawHead>,
}

/// Shared between the connection's reader and its request handler.
pub type TapHandle = Arc<Mutex<TapState>>;

pub fn new_handle() -> TapHandle {
    Arc::new(Mutex::new(TapState { state: State::Head(Vec::new()), heads: VecDeque::new() }))
}

/// Take the head for the request being handled, if the tap has it and it
/// matches `method` and `target`. On a mismatch the tap is switched off.
pub fn take_head(handle: &TapHandle, method: &[u8], target: &[u8]) -> Option<RawHead> {
    let mut t = handle.lock().unwrap_or_else(|e| e.into_inner());
    let head = t.heads.pop_front()?;
    // The parsed URI has no fragment; the wire target may.
    let wire_target = head.target().split(|b| *b == b'#').next().unwrap_or_default();
    if head.method() == method && wire_target == target {
        Some(head)
    } else {
        t.heads.clear();
        t.state = State::Off;
        None
    }
}

impl TapState {
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let state = std::mem::replace(&mut self.state, State::Off);
            self.state = match state {
                State::Off => return,
                State::Head(mut buf) => {
                    if buf.is_empty() {
                        // Blank lines between requests are allowed (RFC 9112 §2.2).
                        let skip = data.iter().take_while(|b| **b == b'\r' || **b == b'\n').count();
                        data = &data[skip..];
                        if data.is_empty() {
                            self.state = State::Head(buf);
                            return;
                        }
                        if data.starts_with(b"PRI ") {
                            return; // HTTP/2 prior knowledge: stay Off.
                        }
                    }
                    // A bounded piece at a time: the head ends somewhere in
                    // the first bytes, and what follows it (the body) need not
                    // be copied only to be cut off again.
                    let old = buf.len();
                    let take = data.len().min(HEAD_PIECE);
                    buf.extend_from_slice(&data[..take]);
                    let search_from = old.saturating_sub(3);
                    match find_head_end(&buf, search_from) {
                        Some(end) => {
                            let consumed = end - old;
                            data = &data[consumed..];
                            buf.truncate(end);
                            match parse_head(buf) {
                                Some((head, next)) => {
                                    self.heads.push_back(head);
                                    next
                                }
                                None => State::Off,
                            }
                        }
                        None if buf.len() > MAX_HEAD => State::Off,
                        None => {
                            data = &data[take..];
                            State::Head(buf)
                        }
                    }
                }
                State::Fixed(n) => {
                    let take = (data.len() as u64).min(n);
                    data = &data[take as usize..];
                    if n == take { State::Head(Vec::new()) } else { State::Fixed(n - take) }
                }
                State::ChunkSize(mut line) => match data.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        line.extend_from_slice(&data[..i]);
                        data = &data[i + 1..];
                        match parse_chunk_size(&line) {
                            Some(0) => State::Trailers(Vec::new()),
                            Some(n) => State::ChunkData(n),
                            None => State::Off,
                        }
                    }
                    None if line.len() + data.len() > 4096 => State::Off,
                    None => {
                        line.extend_from_slice(data);
                        data = &[];
                        State::ChunkSize(line)
                    }
                },
                State::ChunkData(n) => {
                    let take = (data.len() as u64).min(n);
                    data = &data[take as usize..];
                    if n == take { State::ChunkDataEnd(0) } else { State::ChunkData(n - take) }
                }
                State::ChunkDataEnd(seen) => {
                    // Expect "\r\n" (tolerate a bare "\n").
                    let b = data[0];
                    data = &data[1..];
                    match (seen, b) {
                        (0, b'\r') => State::ChunkDataEnd(1),
                        (_, b'\n') => State::ChunkSize(Vec::new()),
                        _ => State::Off,
                    }
                }
                State::Trailers(mut line) => match data.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        line.extend_from_slice(&data[..i]);
                        data = &data[i + 1..];
                        if line.is_empty() || line == b"\r" {
                            State::Head(Vec::new())
                        } else {
                            State::Trailers(Vec::new())
                        }
                    }
                    None if line.len() + data.len() > MAX_HEAD => State::Off,
                    None => {
                        line.extend_from_slice(data);
                        data = &[];
                        State::Trailers(line)
                    }
                },
            };
            if matches!(self.state, State::Off) {
                return;
            }
        }
    }
}

/// Index just past the blank line that ends a head, searching from `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf[i + 1..].starts_with(b"\r\n") {
                return Some(i + 3);
            }
            if buf[i + 1..].starts_with(b"\n") {
                return Some(i + 2);
            }
        }
        i += 1;
    }
    None
}

fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let hex = line.split(|b| *b == b';').next()?.trim_ascii();
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

/// Where `part` (a slice of `base`) lies in `base`.
fn range_in(base: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - base.as_ptr() as usize;
    start..start + part.len()
}

/// Headers parsed without allocating when there are at most this many lines.
const INLINE_SLOTS: usize = 32;

/// Parse a whole head (taking its buffer); returns it and the state that
/// skips its body.
fn parse_head(buf: Vec<u8>) -> Option<(RawHead, State)> {
    let lines = buf.iter().filter(|b| **b == b'\n').count();
    let mut inline = [httparse::EMPTY_HEADER; INLINE_SLOTS];
    let mut spilled = Vec::new();
    let slots: &mut [httparse::Header<'_>] = if lines <= INLINE_SLOTS {
        &mut inline[..]
    } else {
        spilled.resize(lines, httparse::EMPTY_HEADER);
        &mut spilled[..]
    };
    let mut req = httparse::Request::new(slots);
    match req.parse(&buf) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let method = range_in(&buf, req.method?.as_bytes());
    let target = range_in(&buf, req.path?.as_bytes());
    let headers: Vec<(Range<usize>, Range<usize>)> =
        req.headers.iter().map(|h| (range_in(&buf, h.name.as_bytes()), range_in(&buf, h.value))).collect();
    let head = RawHead { bytes: buf, method, target, headers };
    let mut chunked = false;
    let mut upgrade = false;
    let mut length: Option<u64> = None;
    for (name, value) in head.headers() {
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(|b| *b == b',').next().unwrap_or(b"").trim_ascii();
            chunked = last.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let n: u64 = std::str::from_utf8(value).ok()?.trim().parse().ok()?;
            if length.is_some_and(|l| l != n) {
                return None;
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"upgrade") || head.method() == b"CONNECT" {
            upgrade = true;
            break;
        }
    }
    let next = if upgrade {
        // The connection may stop being HTTP/1 after this request.
        State::Off
    } else if chunked {
        State::ChunkSize(Vec::new())
    } else {
        match length {
            Some(0) | None => State::Head(Vec::new()),
            Some(n) => State::Fixed(n),
        }
    };
    Some((head, next))
}

/// An I/O object whose reads also feed a [`TapState`].
pub struct Tap<S> {
    inner: S,
    handle: TapHandle,
}

impl<S> Tap<S> {
    pub fn new(inner: S, handle: TapHandle) -> Self {
        Tap { inner, handle }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                let mut t = self.handle.lock().unwrap_or_else(|e| e.into_inner());
                t.feed(new);
            }
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(chunks: &[&[u8]]) -> (Vec<RawHead>, bool) {
        let h = new_handle();
        {
            let mut t = h.lock().unwrap();
            for c in chunks {
                t.feed(c);
            }
        }
        let t = h.lock().unwrap();
        (t.heads.iter().cloned().collect(), matches!(t.state, State::Off))
    }

    #[test]
    fn keeps_order_case_and_duplicates() {
        let req = b"POST /h/x?a=1 HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nx-ODD-case: v\r\nX-Dup: 2\r\nContent-Length: 3\r\n\r\nabc";
        let (heads, off) = feed_all(&[req]);
        assert!(!off);
        assert_eq!(heads.len(), 1);
        let names: Vec<&[u8]> = heads[0].headers().map(|(n, _)| n).collect();
        assert_eq!(names, [&b"Host"[..], b"X-Dup", b"x-ODD-case", b"X-Dup", b"Content-Length"]);
        assert_eq!(heads[0].target(), b"/h/x?a=1");
    }

    #[test]
    fn byte_by_byte_pipelined_fixed_and_chunked() {
        let stream: Vec<u8> = [
            &b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"[..],
            b"\r\nPUT /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            b"GET /c HTTP/1.1\r\nA: b\r\n\r\n",
        ]
        .concat();
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        let (heads, off) = feed_all(&chunks);
        assert!(!off);
        let targets: Vec<&[u8]> = heads.iter().map(|h| h.target()).collect();
        assert_eq!(targets, [&b"/a"[..], b"/b", b"/c"]);
    }

    #[test]
    fn http2_preface_switches_off() {
        let (heads, off) = feed_all(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]);
        assert!(heads.is_empty());
        assert!(off);
    }

    #[test]
    fn garbage_switches_off() {
        let (_, off) = feed_all(&[b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"]);
        assert!(off);
        let (_, off) = feed_all(&[b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]);
        assert!(off);
    }

    #[test]
    fn take_head_checks_the_request() {
        let h = new_handle();
        h.lock().unwrap().feed(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        assert!(take_head(&h, b"GET", b"/a").is_some());
        assert!(take_head(&h, b"GET", b"/zzz").is_none(), "mismatch");
        assert!(take_head(&h, b"GET", b"/b").is_none(), "tap is off after a mismatch");
    }

    #[test]
    fn a_fragment_on_the_wire_still_matches() {
        let h = new_handle();
        h.lock().unwrap().feed(b"GET /a?x=1#frag HTTP/1.1\r\n\r\n");
        let head = take_head(&h, b"GET", b"/a?x=1").expect("matched without the fragment");
        assert_eq!(head.target(), b"/a?x=1#frag", "the wire target is kept whole");
    }
}
