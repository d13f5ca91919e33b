//! curl interop: a request as a `curl` command line ([`to_curl`]), and a pasted
//! `curl` command line as a [`SendRequest`] ([`parse_curl`]).
//!
//! **Export.** [`to_curl`] writes a command for a POSIX shell (bash, zsh, dash):
//! every word that is not made only of `[A-Za-z0-9_./:=@%+,-]` is put in single
//! quotes (`'\''` for a quote inside), so nothing in a header or a body can be
//! expanded by the shell. The command sends the same method, URL, headers (in
//! order, duplicates kept) and body bytes: `-H 'Content-Type:'` is added when the
//! request has a body and no Content-Type, because curl would otherwise add
//! `application/x-www-form-urlencoded` on its own. What a shell string cannot
//! carry (a binary body, a header value that is not UTF-8) is reported in
//! [`CurlExport::warnings`], never dropped silently.
//!
//! **Import.** [`parse_curl`] splits the text into words as a POSIX shell does
//! (single and double quotes, backslashes, backslash-newline continuations,
//! `$'…'` ANSI-C strings as browsers' "Copy as cURL" writes them), or as
//! `cmd.exe` does when the text is Chrome's "Copy as cURL (cmd)" (`^` escapes and
//! continuations). It then reads the words as curl's options. The fidelity rule:
//! the request is what curl itself would send. So `-d` without a Content-Type
//! header gives an explicit `Content-Type: application/x-www-form-urlencoded`
//! header and the body as written (`raw`, or `json` when the Content-Type is
//! JSON), several `-d` are joined with `&`, and without `-L` redirects are not
//! followed. Options that only change what curl prints (`-s`, `-v`, `-o`…) are
//! ignored; anything else that cannot be carried over (files, unknown options,
//! shell variables) becomes a warning in [`CurlImport::warnings`]. Only broken
//! syntax (an unterminated quote, an option without its value, no URL) is a
//! [`CurlError`], with the byte position where it happens.

use std::fmt;

use base64::Engine as _;
use serde::Serialize;

use crate::outbound::build::is_token;
use crate::outbound::spec::{Auth, BodyType, NameValue, SendOptions, SendRequest};

/// Where [`to_curl`] asks the user to save a body that a shell string cannot hold.
pub const BINARY_BODY_FILE: &str = "body.bin";

/// A command longer than this is split over lines with `\` continuations.
const ONE_LINE_MAX: usize = 100;

/// What curl asks for with `--compressed` (a curl built with brotli).
const COMPRESSED_ENCODINGS: &str = "gzip, deflate, br";

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/// A request as a shell command, and what could not be carried over exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CurlExport {
    pub command: String,
    pub warnings: Vec<String>,
}

/// A `curl` command that sends `method` to `url` with these headers (in order,
/// duplicates kept) and body.
///
/// `Content-Length` is left out (curl computes it); `Transfer-Encoding` is left
/// out with a warning (the body is sent whole). A body that is not UTF-8 or that
/// holds a NUL byte is read from [`BINARY_BODY_FILE`], with a warning.
pub fn to_curl(method: &str, url: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> CurlExport {
    let mut warnings = Vec::new();
    let has_body = !body.is_empty();

    let mut first = vec!["curl".to_owned()];
    let method = without_nul(method, "the method", &mut warnings);
    if method == "HEAD" && !has_body {
        first.push("-I".into());
    } else if method != if has_body { "POST" } else { "GET" } {
        // curl infers GET without a body and POST with one; everything else is said.
        first.push("-X".into());
        first.push(shell_quote(&method));
    }
    let url = without_nul(url, "the URL", &mut warnings);
    if url.contains(['[', ']', '{', '}']) {
        // Otherwise curl reads `[1-3]` and `{a,b}` as globs and sends several requests.
        first.push("-g".into());
    }
    if url.starts_with('-') {
        first.push("--url".into());
    }
    first.push(shell_quote(&url));

    let mut args = vec![first.join(" ")];
    let mut has_content_type = false;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            warnings.push(format!(
                "the `{name}` header was left out: curl sends the body whole, with a Content-Length"
            ));
            continue;
        }
        if name.is_empty() || name.starts_with('@') || name.contains([':', '\0', '\r', '\n']) {
            warnings.push(format!(
                "the header name `{}` cannot be given to curl; the header was left out",
                name.escape_debug()
            ));
            continue;
        }
        if name.eq_ignore_ascii_case("content-type") {
            has_content_type = true;
        }
        let value = header_value_text(name, value, &mut warnings);
        // `Name:` with nothing after it would make curl remove the header; `Name;` sends it empty.
        let arg = if is_blank(value.as_bytes()) { format!("{name};") } else { format!("{name}: {value}") };
        args.push(format!("-H {}", quote_always(&arg)));
    }
    if has_body {
        if !has_content_type {
            args.push("-H 'Content-Type:'".into());
        }
        match std::str::from_utf8(body) {
            Ok(text) if !text.contains('\0') => {
                // `--data-binary @x` reads a file; `--data-raw` never does.
                let flag = if text.starts_with('@') { "--data-raw" } else { "--data-binary" };
                args.push(format!("{flag} {}", quote_always(text)));
            }
            _ => {
                warnings.push(format!(
                    "the body is binary ({} bytes that are not UTF-8 text or hold a NUL byte) and cannot be \
                     written in a shell string: save it as {BINARY_BODY_FILE} in the directory where you run \
                     the command",
                    body.len()
                ));
                args.push(format!("--data-binary @{BINARY_BODY_FILE}"));
            }
        }
    }

    let one_line = args.join(" ");
    let command = if one_line.len() <= ONE_LINE_MAX && !one_line.contains('\n') {
        one_line
    } else {
        args.join(" \\\n  ")
    };
    CurlExport { command, warnings }
}

/// `s` as one word of a POSIX shell: bare when it is made only of
/// `[A-Za-z0-9_./:=@%+,-]` (and does not start with `=`, which zsh expands),
/// otherwise in single quotes.
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !s.is_empty() && !s.starts_with('=') && s.chars().all(safe) { s.to_owned() } else { quote_always(s) }
}

fn quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn without_nul(s: &str, what: &str, warnings: &mut Vec<String>) -> String {
    if s.contains('\0') {
        warnings.push(format!("{what} holds NUL bytes, which a shell cannot pass on; they were left out"));
        s.replace('\0', "")
    } else {
        s.to_owned()
    }
}

fn header_value_text(name: &str, value: &[u8], warnings: &mut Vec<String>) -> String {
    let text = match std::str::from_utf8(value) {
        Ok(v) => v.to_owned(),
        Err(_) => {
            warnings.push(format!(
                "the value of the `{name}` header is not UTF-8; invalid bytes were replaced with U+FFFD"
            ));
            String::from_utf8_lossy(value).into_owned()
        }
    };
    if text.contains(['\r', '\n', '\0']) {
        warnings.push(format!(
            "the value of the `{name}` header holds line breaks or NUL bytes; they were replaced with spaces"
        ));
        return text.replace(['\r', '\n', '\0'], " ");
    }
    text
}

/// Only what curl's `ISSPACE` skips: such a header value counts as empty.
fn is_blank(v: &[u8]) -> bool {
    v.iter().all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
}

// ---------------------------------------------------------------------------
// Import: errors and results
// ---------------------------------------------------------------------------

/// A curl command that cannot be read, and where (a byte offset into it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurlError {
    pub message: String,
    pub position: usize,
}

impl CurlError {
    fn new(message: impl Into<String>, position: usize) -> Self {
        CurlError { message: message.into(), position }
    }
}

impl fmt::Display for CurlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.position)
    }
}

impl std::error::Error for CurlError {}

/// A request read from a curl command, and what could not be carried over.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema, ts_rs::TS)]
pub struct CurlImport {
    pub request: SendRequest,
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------
// Import: shell words
// ---------------------------------------------------------------------------

/// One shell word: its bytes once quotes and escapes are gone, and where it starts.
#[derive(Debug, Clone)]
struct Word {
    text: Vec<u8>,
    pos: usize,
}

impl Word {
    fn lossy(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }
}

#[derive(Default)]
struct Lexer {
    words: Vec<Word>,
    cur: Option<Word>,
    warnings: Vec<String>,
}

impl Lexer {
    /// Start a word at `pos` unless one is under way (`''` is an empty word).
    fn start(&mut self, pos: usize) -> &mut Vec<u8> {
        &mut self.cur.get_or_insert_with(|| Word { text: Vec::new(), pos }).text
    }

    fn push(&mut self, pos: usize, bytes: &[u8]) {
        self.start(pos).extend_from_slice(bytes);
    }

    fn end_word(&mut self) {
        if let Some(w) = self.cur.take() {
            self.words.push(w);
        }
    }

    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// A `$` that a shell would expand (`$TOKEN`, `${X}`, `$(cmd)`) is kept as written.
    fn note_expansion(&mut self, b: &[u8], i: usize) {
        let rest = &b[i + 1..];
        let len = match rest.first() {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                1 + rest.iter().skip(1).take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count()
            }
            Some(b'{') => rest.iter().position(|&c| c == b'}').map_or(1, |p| p + 1),
            Some(b'(') => 1,
            _ => return,
        };
        let shown = String::from_utf8_lossy(&b[i..i + 1 + len]).into_owned();
        self.warn(format!(
            "`{shown}` at byte {i} is a shell expansion, which is not done here; it was kept as written"
        ));
    }
}

/// Words of a command written for a POSIX shell.
fn words_posix(src: &str) -> Result<Lexer, CurlError> {
    let b = src.as_bytes();
    let mut lx = Lexer::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                // A line break would end the command in a shell; a pasted command
                // that lost its `\` continuations is read as one command anyway.
                lx.end_word();
                i += 1;
            }
            b'\\' => match b.get(i + 1) {
                None => i += 1,
                Some(b'\n') => i += 2,
                Some(b'\r') if b.get(i + 2) == Some(&b'\n') => i += 3,
                Some(&n) => {
                    lx.push(i, &[n]);
                    i += 2;
                }
            },
            b'\'' => {
                let Some(len) = b[i + 1..].iter().position(|&x| x == b'\'') else {
                    return Err(CurlError::new(format!("unterminated single quote starting at byte {i}"), i));
                };
                lx.push(i, &b[i + 1..i + 1 + len]);
                i += len + 2;
            }
            b'"' => i = double_quoted(b, i, i + 1, &mut lx)?,
            b'$' if b.get(i + 1) == Some(&b'\'') => i = ansi_c_quoted(b, i, &mut lx)?,
            b'$' if b.get(i + 1) == Some(&b'"') => i = double_quoted(b, i, i + 2, &mut lx)?,
            b'$' => {
                lx.note_expansion(b, i);
                lx.push(i, b"$");
                i += 1;
            }
            b'`' => {
                lx.warn(format!(
                    "a backtick at byte {i} would run a command in a shell; it was kept as written"
                ));
                lx.push(i, b"`");
                i += 1;
            }
            b'#' if lx.cur.is_none() => {
                i += b[i..].iter().position(|&x| x == b'\n').unwrap_or(b.len() - i);
            }
            b'&' if lx.cur.is_some()
                && b.get(i + 1).is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\r' | b'\n' | b'&')) =>
            {
                // `?a=1&b=2` without quotes: a shell would cut the URL there, but
                // that is never what the person meant.
                lx.warn(format!(
                    "the unquoted `&` at byte {i} would end the command in a shell; it was read as part of the word"
                ));
                lx.push(i, b"&");
                i += 1;
            }
            b'|' | b';' | b'&' | b'<' | b'>' => {
                if matches!(c, b'<' | b'>')
                    && lx
                        .cur
                        .as_ref()
                        .is_some_and(|w| !w.text.is_empty() && w.text.iter().all(u8::is_ascii_digit))
                {
                    lx.cur = None; // the `2` of `2>/dev/null`
                }
                lx.end_word();
                lx.warn(format!(
                    "`{}` at byte {i} ends the curl command in a shell; everything from there on was ignored",
                    c as char
                ));
                break;
            }
            _ => {
                lx.push(i, &[c]);
                i += 1;
            }
        }
    }
    lx.end_word();
    Ok(lx)
}

/// `"…"` (or `$"…"`) whose opening quote or `$` is at `open` and text starts at
/// `start`; returns the index after the closing quote.
fn double_quoted(b: &[u8], open: usize, start: usize, lx: &mut Lexer) -> Result<usize, CurlError> {
    lx.start(open);
    let mut j = start;
    loop {
        let Some(&c) = b.get(j) else {
            return Err(CurlError::new(format!("unterminated double quote starting at byte {open}"), open));
        };
        match c {
            b'"' => return Ok(j + 1),
            b'\\' => match b.get(j + 1) {
                Some(&n @ (b'"' | b'\\' | b'$' | b'`')) => {
                    lx.push(open, &[n]);
                    j += 2;
                }
                Some(b'\n') => j += 2,
                Some(b'\r') if b.get(j + 2) == Some(&b'\n') => j += 3,
                _ => {
                    lx.push(open, b"\\");
                    j += 1;
                }
            },
            b'$' => {
                lx.note_expansion(b, j);
                lx.push(open, b"$");
                j += 1;
            }
            b'`' => {
                lx.warn(format!(
                    "a backtick at byte {j} would run a command in a shell; it was kept as written"
                ));
                lx.push(open, b"`");
                j += 1;
            }
            _ => {
                lx.push(open, &[c]);
                j += 1;
            }
        }
    }
}

/// `$'…'` with the `$` at `open`; returns the index after the closing quote.
fn ansi_c_quoted(b: &[u8], open: usize, lx: &mut Lexer) -> Result<usize, CurlError> {
    let start = open + 2;
    let mut j = start;
    loop {
        match b.get(j) {
            None => {
                return Err(CurlError::new(
                    format!("unterminated $'…' string starting at byte {open}"),
                    open,
                ));
            }
            Some(b'\\') => j += 2,
            Some(b'\'') => break,
            Some(_) => j += 1,
        }
    }
    let raw = &b[start..j];
    let mut decoded = decode_ansi_c(raw, false);
    if decoded.high_x && !decoded.c1_x && std::str::from_utf8(&decoded.bytes).is_err() {
        // Firefox writes U+00A0..U+00FF as `\xHH`, meaning the character, not the byte.
        // (C1 bytes, `\x80`..`\x9f`, say binary data: then the bytes are kept.)
        decoded = decode_ansi_c(raw, true);
        lx.warn(format!(
            "the $'…' string at byte {open} has `\\xHH` escapes that are not UTF-8; they were read as \
             characters U+00A0..U+00FF (as Firefox means them), not as single bytes"
        ));
    }
    if decoded.bad_unicode {
        lx.warn(format!(
            "the $'…' string at byte {open} has a `\\u` escape that is not a character; it became U+FFFD"
        ));
    }
    lx.push(open, &decoded.bytes);
    Ok(j + 1)
}

struct AnsiC {
    bytes: Vec<u8>,
    /// A `\xHH` escape with HH ≥ 0x80 was seen.
    high_x: bool,
    /// A `\xHH` escape with HH in 0x80..=0x9F (a C1 control: binary, not Latin-1 text) was seen.
    c1_x: bool,
    /// A `\u` or `\U` escape named no character (a lone surrogate, or past U+10FFFF).
    bad_unicode: bool,
}

/// The text of a `$'…'` string, as bash reads it.
fn decode_ansi_c(s: &[u8], latin1: bool) -> AnsiC {
    fn push_char(out: &mut Vec<u8>, c: char) {
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    let mut out =
        AnsiC { bytes: Vec::with_capacity(s.len()), high_x: false, c1_x: false, bad_unicode: false };
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.bytes.push(s[i]);
            i += 1;
            continue;
        }
        let e = s[i + 1];
        i += 2;
        match e {
            b'n' => out.bytes.push(b'\n'),
            b't' => out.bytes.push(b'\t'),
            b'r' => out.bytes.push(b'\r'),
            b'a' => out.bytes.push(0x07),
            b'b' => out.bytes.push(0x08),
            b'e' | b'E' => out.bytes.push(0x1b),
            b'f' => out.bytes.push(0x0c),
            b'v' => out.bytes.push(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => out.bytes.push(e),
            b'0'..=b'7' => {
                let (v, n) = digits(&s[i - 1..], 8, 3);
                i = i - 1 + n;
                out.bytes.push((v & 0xff) as u8);
            }
            b'x' => {
                let (v, n) = digits(&s[i..], 16, 2);
                i += n;
                if n == 0 {
                    out.bytes.extend_from_slice(b"\\x");
                } else if v >= 0x80 {
                    out.high_x = true;
                    out.c1_x |= v < 0xA0;
                    match char::from_u32(v) {
                        Some(c) if latin1 => push_char(&mut out.bytes, c),
                        _ => out.bytes.push((v & 0xff) as u8),
                    }
                } else {
                    out.bytes.push((v & 0xff) as u8);
                }
            }
            b'u' | b'U' => {
                let (v, n) = digits(&s[i..], 16, if e == b'u' { 4 } else { 8 });
                i += n;
                if n == 0 {
                    out.bytes.extend_from_slice(&[b'\\', e]);
                    continue;
                }
                // JavaScript strings are UTF-16: Firefox writes 😀 as `\ud83d\ude00`.
                if (0xD800..0xDC00).contains(&v) && s[i..].starts_with(b"\\u") {
                    let (lo, m) = digits(&s[i + 2..], 16, 4);
                    if m > 0 && (0xDC00..0xE000).contains(&lo) {
                        i += 2 + m;
                        let c = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                        push_char(&mut out.bytes, char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                        continue;
                    }
                }
                match char::from_u32(v) {
                    Some(c) => push_char(&mut out.bytes, c),
                    None => {
                        out.bad_unicode = true;
                        push_char(&mut out.bytes, char::REPLACEMENT_CHARACTER);
                    }
                }
            }
            b'c' => match s.get(i) {
                Some(&x) => {
                    i += 1;
                    out.bytes.push(x & 0x1f);
                }
                None => out.bytes.extend_from_slice(b"\\c"),
            },
            _ => out.bytes.extend_from_slice(&[b'\\', e]),
        }
    }
    out
}

/// Up to `max` digits in `radix` at the start of `s`: their value and how many.
fn digits(s: &[u8], radix: u32, max: usize) -> (u32, usize) {
    let mut v: u32 = 0;
    let mut n = 0;
    for &c in s.iter().take(max) {
        let Some(d) = (c as char).to_digit(radix) else { break };
        v = v.wrapping_mul(radix).wrapping_add(d);
        n += 1;
    }
    (v, n)
}

/// Chrome's "Copy as cURL (cmd)" output: `curl ^"https://…^" ^` continuations.
fn looks_like_cmd(src: &str) -> bool {
    let t = src.trim_start();
    let Some(first) = t.split_whitespace().next() else { return false };
    let after = t[first.len()..].trim_start();
    if after.starts_with("^\"") {
        return true;
    }
    // Older Chrome: `curl "https://…" ^` with plain double quotes.
    let line = t.lines().next().unwrap_or("").trim_end();
    line.ends_with(" ^") && !line.contains('\'')
}

/// Words of a command written for Windows `cmd.exe`: first `cmd.exe`'s own pass
/// (`^` escapes the next character, `^` at a line end continues the line; no
/// escapes inside `"…"`), then the C runtime's argument splitting (`\"` is a quote,
/// backslashes double only before a quote).
fn words_cmd(src: &str) -> Result<Lexer, CurlError> {
    let b = src.as_bytes();
    let mut lx = Lexer::default();
    // Pass 1: cmd.exe. Each output byte remembers where it came from.
    let mut text: Vec<u8> = Vec::with_capacity(b.len());
    let mut from: Vec<usize> = Vec::with_capacity(b.len());
    let mut quoted = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' => {
                quoted = !quoted;
                text.push(c);
                from.push(i);
                i += 1;
            }
            b'^' if !quoted => {
                let nl = if b[i + 1..].starts_with(b"\r\n") {
                    2
                } else {
                    usize::from(b.get(i + 1) == Some(&b'\n'))
                };
                // `^` + line break continues the line and takes the next character as it is
                // (so Chrome writes a newline inside a string as `^` and two line breaks).
                i += 1 + nl;
                if let Some(&n) = b.get(i) {
                    let (n, len) = if b[i..].starts_with(b"\r\n") { (b'\n', 2) } else { (n, 1) };
                    text.push(n);
                    from.push(i);
                    i += len;
                }
            }
            b'&' | b'|' | b'<' | b'>' if !quoted => {
                lx.warn(format!(
                    "`{}` at byte {i} ends the curl command in cmd.exe; everything from there on was ignored",
                    c as char
                ));
                break;
            }
            _ => {
                text.push(c);
                from.push(i);
                i += 1;
            }
        }
    }
    // Pass 2: the C runtime's argv rules.
    let at = |k: usize| from.get(k).copied().unwrap_or(b.len());
    let mut quoted_at: Option<usize> = None;
    let mut k = 0;
    while k < text.len() {
        let c = text[k];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' if quoted_at.is_none() => {
                lx.end_word();
                k += 1;
            }
            b'\\' => {
                let n = text[k..].iter().take_while(|&&x| x == b'\\').count();
                if text.get(k + n) == Some(&b'"') {
                    lx.push(at(k), &vec![b'\\'; n / 2]);
                    if n % 2 == 1 {
                        lx.push(at(k), b"\"");
                        k += n + 1;
                    } else {
                        k += n; // the quote toggles below
                    }
                } else {
                    lx.push(at(k), &vec![b'\\'; n]);
                    k += n;
                }
            }
            b'"' => {
                lx.start(at(k));
                if quoted_at.is_some() && text.get(k + 1) == Some(&b'"') {
                    lx.push(at(k), b"\"");
                    k += 2;
                } else {
                    quoted_at = if quoted_at.is_some() { None } else { Some(at(k)) };
                    k += 1;
                }
            }
            _ => {
                lx.push(at(k), &[c]);
                k += 1;
            }
        }
    }
    if let Some(open) = quoted_at {
        return Err(CurlError::new(format!("unterminated double quote starting at byte {open}"), open));
    }
    lx.end_word();
    Ok(lx)
}

// ---------------------------------------------------------------------------
// Import: curl's options
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Request,
    Header,
    /// `-d`, `--data-ascii`: `@file` reads a file.
    Data,
    DataBinary,
    DataRaw,
    DataUrlencode,
    Json,
    Form,
    FormString,
    User,
    OAuth2Bearer,
    UserAgent,
    Referer,
    Cookie,
    Range,
    Get,
    Head,
    Insecure,
    Location,
    Compressed,
    Globoff,
    Proxy,
    MaxTime,
    Url,
    UrlQuery,
    UploadFile,
    Next,
    /// `--digest`, `--ntlm`…: credentials are still taken, as Basic.
    AuthScheme,
    /// Changes only what curl prints or how it connects; nothing to carry over.
    Ignore,
    IgnoreValue,
    /// Would change the request or the connection, and cannot be carried over.
    Unsupported,
    UnsupportedValue,
}

impl Act {
    fn takes_value(self) -> bool {
        !matches!(
            self,
            Act::Get
                | Act::Head
                | Act::Insecure
                | Act::Location
                | Act::Compressed
                | Act::Globoff
                | Act::Next
                | Act::AuthScheme
                | Act::Ignore
                | Act::Unsupported
        )
    }
}

/// curl's options: long name, short letter (0 for none), what to do.
const OPTIONS: &[(&str, u8, Act)] = &[
    ("request", b'X', Act::Request),
    ("header", b'H', Act::Header),
    ("data", b'd', Act::Data),
    ("data-ascii", 0, Act::Data),
    ("data-binary", 0, Act::DataBinary),
    ("data-raw", 0, Act::DataRaw),
    ("data-urlencode", 0, Act::DataUrlencode),
    ("json", 0, Act::Json),
    ("form", b'F', Act::Form),
    ("form-string", 0, Act::FormString),
    ("user", b'u', Act::User),
    ("oauth2-bearer", 0, Act::OAuth2Bearer),
    ("user-agent", b'A', Act::UserAgent),
    ("referer", b'e', Act::Referer),
    ("cookie", b'b', Act::Cookie),
    ("range", b'r', Act::Range),
    ("get", b'G', Act::Get),
    ("head", b'I', Act::Head),
    ("insecure", b'k', Act::Insecure),
    ("location", b'L', Act::Location),
    ("location-trusted", 0, Act::Location),
    ("compressed", 0, Act::Compressed),
    ("globoff", b'g', Act::Globoff),
    ("proxy", b'x', Act::Proxy),
    ("max-time", b'm', Act::MaxTime),
    ("url", 0, Act::Url),
    ("url-query", 0, Act::UrlQuery),
    ("upload-file", b'T', Act::UploadFile),
    ("next", b':', Act::Next),
    ("basic", 0, Act::Ignore),
    ("digest", 0, Act::AuthScheme),
    ("ntlm", 0, Act::AuthScheme),
    ("ntlm-wb", 0, Act::AuthScheme),
    ("negotiate", 0, Act::AuthScheme),
    ("anyauth", 0, Act::AuthScheme),
    // Output, progress, retries, protocol versions, TLS versions: nothing to carry over.
    ("silent", b's', Act::Ignore),
    ("show-error", b'S', Act::Ignore),
    ("verbose", b'v', Act::Ignore),
    ("include", b'i', Act::Ignore),
    ("show-headers", 0, Act::Ignore),
    ("fail", b'f', Act::Ignore),
    ("fail-with-body", 0, Act::Ignore),
    ("fail-early", 0, Act::Ignore),
    ("remote-name", b'O', Act::Ignore),
    ("remote-name-all", 0, Act::Ignore),
    ("remote-header-name", b'J', Act::Ignore),
    ("remote-time", b'R', Act::Ignore),
    ("progress-bar", b'#', Act::Ignore),
    ("no-progress-meter", 0, Act::Ignore),
    ("no-buffer", b'N', Act::Ignore),
    ("create-dirs", 0, Act::Ignore),
    ("disable", b'q', Act::Ignore),
    ("junk-session-cookies", b'j', Act::Ignore),
    ("http1.1", 0, Act::Ignore),
    ("http2", 0, Act::Ignore),
    ("tcp-nodelay", 0, Act::Ignore),
    ("tcp-fastopen", 0, Act::Ignore),
    ("no-keepalive", 0, Act::Ignore),
    ("retry-connrefused", 0, Act::Ignore),
    ("retry-all-errors", 0, Act::Ignore),
    ("ssl-no-revoke", 0, Act::Ignore),
    ("ssl-revoke-best-effort", 0, Act::Ignore),
    ("ca-native", 0, Act::Ignore),
    ("ipv4", b'4', Act::Ignore),
    ("ipv6", b'6', Act::Ignore),
    ("parallel", b'Z', Act::Ignore),
    ("parallel-immediate", 0, Act::Ignore),
    ("styled-output", 0, Act::Ignore),
    ("trace-time", 0, Act::Ignore),
    ("path-as-is", 0, Act::Ignore),
    ("post301", 0, Act::Ignore),
    ("post302", 0, Act::Ignore),
    ("post303", 0, Act::Ignore),
    ("tlsv1", b'1', Act::Ignore),
    ("tlsv1.0", 0, Act::Ignore),
    ("tlsv1.1", 0, Act::Ignore),
    ("tlsv1.2", 0, Act::Ignore),
    ("tlsv1.3", 0, Act::Ignore),
    ("sslv2", b'2', Act::Ignore),
    ("sslv3", b'3', Act::Ignore),
    ("compressed-ssh", 0, Act::Ignore),
    ("xattr", 0, Act::Ignore),
    ("raw", 0, Act::Ignore),
    ("no-alpn", 0, Act::Ignore),
    ("no-npn", 0, Act::Ignore),
    ("no-sessionid", 0, Act::Ignore),
    ("false-start", 0, Act::Ignore),
    ("suppress-connect-headers", 0, Act::Ignore),
    ("proxytunnel", b'p', Act::Ignore),
    ("proxy-insecure", 0, Act::Ignore),
    ("help", b'h', Act::Ignore),
    ("version", b'V', Act::Ignore),
    ("manual", b'M', Act::Ignore),
    ("output", b'o', Act::IgnoreValue),
    ("output-dir", 0, Act::IgnoreValue),
    ("write-out", b'w', Act::IgnoreValue),
    ("dump-header", b'D', Act::IgnoreValue),
    ("stderr", 0, Act::IgnoreValue),
    ("trace", 0, Act::IgnoreValue),
    ("trace-ascii", 0, Act::IgnoreValue),
    ("trace-config", 0, Act::IgnoreValue),
    ("cookie-jar", b'c', Act::IgnoreValue),
    ("keepalive-time", 0, Act::IgnoreValue),
    ("retry", 0, Act::IgnoreValue),
    ("retry-delay", 0, Act::IgnoreValue),
    ("retry-max-time", 0, Act::IgnoreValue),
    ("max-redirs", 0, Act::IgnoreValue),
    ("max-filesize", 0, Act::IgnoreValue),
    ("limit-rate", 0, Act::IgnoreValue),
    ("speed-limit", b'Y', Act::IgnoreValue),
    ("speed-time", b'y', Act::IgnoreValue),
    ("parallel-max", 0, Act::IgnoreValue),
    ("rate", 0, Act::IgnoreValue),
    ("proto", 0, Act::IgnoreValue),
    ("proto-redir", 0, Act::IgnoreValue),
    ("proto-default", 0, Act::IgnoreValue),
    ("tls-max", 0, Act::IgnoreValue),
    ("ciphers", 0, Act::IgnoreValue),
    ("tls13-ciphers", 0, Act::IgnoreValue),
    ("curves", 0, Act::IgnoreValue),
    ("expect100-timeout", 0, Act::IgnoreValue),
    ("happy-eyeballs-timeout-ms", 0, Act::IgnoreValue),
    ("etag-save", 0, Act::IgnoreValue),
    // Would change what is sent or how; reported.
    ("http1.0", b'0', Act::Unsupported),
    ("http2-prior-knowledge", 0, Act::Unsupported),
    ("http3", 0, Act::Unsupported),
    ("http3-only", 0, Act::Unsupported),
    ("netrc", b'n', Act::Unsupported),
    ("netrc-optional", 0, Act::Unsupported),
    ("proxy-basic", 0, Act::Unsupported),
    ("proxy-digest", 0, Act::Unsupported),
    ("proxy-ntlm", 0, Act::Unsupported),
    ("proxy-negotiate", 0, Act::Unsupported),
    ("proxy-anyauth", 0, Act::Unsupported),
    ("tr-encoding", 0, Act::Unsupported),
    ("ignore-content-length", 0, Act::Unsupported),
    ("list-only", b'l', Act::Unsupported),
    ("append", b'a', Act::Unsupported),
    ("use-ascii", b'B', Act::Unsupported),
    ("connect-timeout", 0, Act::UnsupportedValue),
    ("cacert", 0, Act::UnsupportedValue),
    ("capath", 0, Act::UnsupportedValue),
    ("cert", b'E', Act::UnsupportedValue),
    ("cert-type", 0, Act::UnsupportedValue),
    ("key", 0, Act::UnsupportedValue),
    ("key-type", 0, Act::UnsupportedValue),
    ("pass", 0, Act::UnsupportedValue),
    ("pinnedpubkey", 0, Act::UnsupportedValue),
    ("crlfile", 0, Act::UnsupportedValue),
    ("resolve", 0, Act::UnsupportedValue),
    ("connect-to", 0, Act::UnsupportedValue),
    ("interface", 0, Act::UnsupportedValue),
    ("local-port", 0, Act::UnsupportedValue),
    ("dns-servers", 0, Act::UnsupportedValue),
    ("doh-url", 0, Act::UnsupportedValue),
    ("proxy-user", b'U', Act::UnsupportedValue),
    ("proxy-header", 0, Act::UnsupportedValue),
    ("proxy-cacert", 0, Act::UnsupportedValue),
    ("proxy-cert", 0, Act::UnsupportedValue),
    ("proxy-key", 0, Act::UnsupportedValue),
    ("noproxy", 0, Act::UnsupportedValue),
    ("socks4", 0, Act::UnsupportedValue),
    ("socks4a", 0, Act::UnsupportedValue),
    ("socks5", 0, Act::UnsupportedValue),
    ("socks5-hostname", 0, Act::UnsupportedValue),
    ("preproxy", 0, Act::UnsupportedValue),
    ("unix-socket", 0, Act::UnsupportedValue),
    ("abstract-unix-socket", 0, Act::UnsupportedValue),
    ("request-target", 0, Act::UnsupportedValue),
    ("time-cond", b'z', Act::UnsupportedValue),
    ("continue-at", b'C', Act::UnsupportedValue),
    ("config", b'K', Act::UnsupportedValue),
    ("netrc-file", 0, Act::UnsupportedValue),
    ("variable", 0, Act::UnsupportedValue),
    ("etag-compare", 0, Act::UnsupportedValue),
    ("aws-sigv4", 0, Act::UnsupportedValue),
    ("login-options", 0, Act::UnsupportedValue),
    ("sasl-authzid", 0, Act::UnsupportedValue),
    ("service-name", 0, Act::UnsupportedValue),
    ("delegation", 0, Act::UnsupportedValue),
    ("krb", 0, Act::UnsupportedValue),
    ("hostpubmd5", 0, Act::UnsupportedValue),
    ("mail-from", 0, Act::UnsupportedValue),
    ("mail-rcpt", 0, Act::UnsupportedValue),
    ("quote", b'Q', Act::UnsupportedValue),
    ("ftp-port", b'P', Act::UnsupportedValue),
    ("telnet-option", b't', Act::UnsupportedValue),
];

fn long_option(name: &str) -> Option<Act> {
    OPTIONS.iter().find(|(long, _, _)| *long == name).map(|(_, _, act)| *act)
}

fn short_option(c: u8) -> Option<Act> {
    OPTIONS.iter().find(|(_, short, _)| *short != 0 && *short == c).map(|(_, _, act)| *act)
}

/// One piece of request body from `-d` and friends.
struct DataPart {
    bytes: Vec<u8>,
    json: bool,
}

/// What the options said, before it becomes a [`SendRequest`].
#[derive(Default)]
struct Cmd {
    method: Option<String>,
    urls: Vec<Word>,
    headers: Vec<Word>,
    data: Vec<DataPart>,
    form: Vec<NameValue>,
    multipart: bool,
    user: Option<String>,
    bearer: Option<String>,
    user_agent: Option<String>,
    referer: Option<String>,
    cookies: Vec<String>,
    range: Option<String>,
    get: bool,
    head: bool,
    insecure: bool,
    location: bool,
    compressed: bool,
    globoff: bool,
    upload: bool,
    proxy: Option<String>,
    timeout_ms: Option<u64>,
    url_queries: Vec<String>,
    warnings: Vec<String>,
}

impl Cmd {
    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// Apply `act` given as `opt` (as written, for messages); `on` is false for `--no-…`.
    fn apply(&mut self, act: Act, on: bool, opt: &str, value: Option<Word>) {
        let v = value.unwrap_or(Word { text: Vec::new(), pos: 0 });
        match act {
            Act::Request => self.method = Some(v.lossy()),
            Act::Header => self.headers.push(v),
            Act::Data | Act::DataBinary | Act::Json => {
                if let Some(file) = v.text.strip_prefix(b"@") {
                    self.warn(format!(
                        "`{opt} @{}`: curl would read the body from that file, which cannot be done here; \
                         the text `@{0}` was kept as the body",
                        String::from_utf8_lossy(file)
                    ));
                }
                self.data.push(DataPart { bytes: v.text, json: act == Act::Json });
            }
            Act::DataRaw => self.data.push(DataPart { bytes: v.text, json: false }),
            Act::DataUrlencode => {
                let bytes = self.urlencode_arg(opt, &v.text, false);
                self.data.push(DataPart { bytes, json: false });
            }
            Act::UrlQuery => {
                let bytes = self.urlencode_arg(opt, &v.text, true);
                self.url_queries.push(String::from_utf8_lossy(&bytes).into_owned());
            }
            Act::Form | Act::FormString => {
                self.multipart = true;
                if let Some(field) = self.form_field(opt, &v.lossy(), act == Act::FormString) {
                    self.form.push(field);
                }
            }
            Act::User => self.user = Some(v.lossy()),
            Act::OAuth2Bearer => self.bearer = Some(v.lossy()),
            Act::UserAgent => self.user_agent = Some(v.lossy()),
            Act::Referer => {
                let r = v.lossy();
                // `;auto` asks curl to set Referer on redirects: only the URL is sent.
                self.referer = Some(r.strip_suffix(";auto").unwrap_or(&r).to_owned());
            }
            Act::Cookie => {
                let c = v.lossy();
                if c.contains('=') {
                    self.cookies.push(c);
                } else {
                    self.warn(format!(
                        "`{opt} {c}` names a cookie file, which cannot be read here; no cookies were taken from it"
                    ));
                }
            }
            Act::Range => self.range = Some(v.lossy()),
            Act::Get => self.get = on,
            Act::Head => self.head = on,
            Act::Insecure => self.insecure = on,
            Act::Location => self.location = on,
            Act::Compressed => self.compressed = on,
            Act::Globoff => self.globoff = on,
            Act::Proxy => self.proxy = Some(v.lossy()),
            Act::MaxTime => match v.lossy().trim().parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 => {
                    self.timeout_ms = Some(((s * 1000.0).round() as u64).max(1))
                }
                Ok(0.0) => self.warn(format!(
                    "`{opt} 0` means no time limit in curl; the default timeout of {} ms was kept",
                    SendOptions::default().timeout_ms
                )),
                _ => self.warn(format!("`{opt} {}` is not a number of seconds; it was ignored", v.lossy())),
            },
            Act::Url => self.urls.push(v),
            Act::UploadFile => {
                self.upload = true;
                self.warn(format!(
                    "`{opt} {}`: curl would upload that file, which cannot be read here; the request is a PUT \
                     without a body",
                    v.lossy()
                ));
            }
            Act::Next => {}
            Act::AuthScheme => self.warn(format!(
                "`{opt}` authentication is not supported here; the credentials of -u are sent as Basic auth"
            )),
            Act::Ignore | Act::IgnoreValue => {}
            Act::Unsupported => self.warn(format!("`{opt}` is not supported here and was ignored")),
            Act::UnsupportedValue => {
                self.warn(format!("`{opt} {}` is not supported here and was ignored", v.lossy()));
            }
        }
    }

    /// `--data-urlencode` (and `--url-query`) arguments: `content`, `=content`,
    /// `name=content`, `@file`, `name@file`; `+content` for `--url-query` is sent as it is.
    fn urlencode_arg(&mut self, opt: &str, v: &[u8], query: bool) -> Vec<u8> {
        if query && let Some(rest) = v.strip_prefix(b"+") {
            return rest.to_vec();
        }
        match v.iter().position(|&c| c == b'=' || c == b'@') {
            Some(p) if v[p] == b'=' => {
                let mut out = v[..p].to_vec();
                if p > 0 {
                    out.push(b'=');
                }
                out.extend_from_slice(percent_encode(&v[p + 1..]).as_bytes());
                out
            }
            Some(_) => {
                self.warn(format!(
                    "`{opt} {}`: curl would read that file, which cannot be done here; it was kept as written",
                    String::from_utf8_lossy(v)
                ));
                v.to_vec()
            }
            None => percent_encode(v).into_bytes(),
        }
    }

    /// A `-F name=value[;type=…]` field; files (`@file`, `<file`) are reported and left out.
    fn form_field(&mut self, opt: &str, arg: &str, literal: bool) -> Option<NameValue> {
        let Some((name, rest)) = arg.split_once('=') else {
            self.warn(format!("`{opt} {arg}` is not `name=value`; it was ignored"));
            return None;
        };
        if literal {
            return Some(NameValue::new(name, rest));
        }
        if rest.starts_with('@') || rest.starts_with('<') {
            self.warn(format!(
                "`{opt} {arg}`: curl would read that file, which cannot be done here; the field `{name}` was \
                 left out (add the file in the request builder)"
            ));
            return None;
        }
        let (value, attrs) = if let Some(q) = rest.strip_prefix('"') {
            // A quoted value may hold `;`; `\"` and `\\` are escapes.
            let mut value = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((k, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, n)) => value.push(n),
                        None => value.push('\\'),
                    },
                    '"' => {
                        end = k + 1;
                        break;
                    }
                    _ => value.push(c),
                }
            }
            (value, &q[end..])
        } else {
            match rest.split_once(';') {
                Some((v, a)) => (v.to_owned(), a),
                None => (rest.to_owned(), ""),
            }
        };
        let attrs = attrs.trim_start_matches(';').trim();
        if !attrs.is_empty() {
            self.warn(format!(
                "`{opt} {arg}`: `{attrs}` is not kept; the field `{name}` is sent as plain text (use --form-string \
                 for a value holding `;`)"
            ));
        }
        Some(NameValue::new(name, value))
    }
}

/// curl's URL encoding (`curl_easy_escape`): all but `A-Za-z0-9-._~` as `%XX`.
fn percent_encode(v: &[u8]) -> String {
    let mut out = String::with_capacity(v.len());
    for &c in v {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// Read a `curl` command (as pasted from a terminal, a README or a browser's
/// "Copy as cURL") into a request to send.
///
/// ```text
/// curl 'https://api.example.com/v1/contacts' -H 'authorization: Bearer abc' --json '{"a":1}'
/// ```
/// gives a POST with `Auth::Bearer { token: "abc" }`, a `json` body and the
/// `Content-Type` and `Accept` headers `--json` implies.
pub fn parse_curl(cmd: &str) -> Result<CurlImport, CurlError> {
    let lexed = if looks_like_cmd(cmd) { words_cmd(cmd)? } else { words_posix(cmd)? };
    let mut words = lexed.words.into_iter().peekable();
    // A copied prompt (`$ curl …`).
    if words.peek().is_some_and(|w| w.text == b"$") {
        words.next();
    }
    let Some(first) = words.next() else {
        return Err(CurlError::new("the command is empty: a curl command starts with `curl`", 0));
    };
    let program = first.lossy();
    let base = program.rsplit(['/', '\\']).next().unwrap_or(&program);
    if !base.eq_ignore_ascii_case("curl") && !base.eq_ignore_ascii_case("curl.exe") {
        return Err(CurlError::new(format!("a curl command starts with `curl`, not `{program}`"), first.pos));
    }

    let mut c = Cmd { warnings: lexed.warnings, ..Cmd::default() };
    let mut options_done = false;
    while let Some(word) = words.next() {
        let text = word.lossy();
        if options_done || !text.starts_with('-') || text == "-" {
            c.urls.push(word);
            continue;
        }
        if text == "--" {
            options_done = true;
            continue;
        }
        if let Some(long) = text.strip_prefix("--") {
            // curl has no `--opt=value`, but people write it; it is read as `--opt value`.
            let with_equals = long.split_once('=').and_then(|(name, v)| {
                let act = long_option(name).filter(|a| a.takes_value())?;
                Some((act, Word { text: v.as_bytes().to_vec(), pos: word.pos + 3 + name.len() }))
            });
            let negated = long.strip_prefix("no-").and_then(long_option).filter(|a| !a.takes_value());
            let (act, on, attached) = match (long_option(long), with_equals, negated) {
                (Some(act), _, _) => (act, true, None),
                (None, Some((act, v)), _) => (act, true, Some(v)),
                (None, None, Some(act)) => (act, false, None),
                (None, None, None) => {
                    c.warn(format!("unknown option `{text}` at byte {} was ignored", word.pos));
                    continue;
                }
            };
            if act == Act::Next {
                c.warn("curl's `--next` starts another request; only the first one was imported".into());
                break;
            }
            let value = if act.takes_value() && attached.is_none() {
                Some(words.next().ok_or_else(|| missing_value(&text, word.pos))?)
            } else {
                attached
            };
            c.apply(act, on, &text, value);
            continue;
        }
        // Short options, possibly grouped (`-sSL`) or with the value attached (`-XPOST`).
        let letters = &word.text[1..];
        let mut stop = false;
        for (k, &letter) in letters.iter().enumerate() {
            let opt = format!("-{}", letter as char);
            let Some(act) = short_option(letter) else {
                let at = word.pos + 1 + k;
                if !letter.is_ascii() {
                    let rest = String::from_utf8_lossy(&letters[k..]);
                    c.warn(format!("unknown option `-{rest}` at byte {at} was ignored"));
                    break;
                }
                c.warn(format!("unknown option `-{}` at byte {at} was ignored", char::from(letter)));
                continue;
            };
            if act == Act::Next {
                c.warn(
                    "curl's `-:` (`--next`) starts another request; only the first one was imported".into(),
                );
                stop = true;
                break;
            }
            if act.takes_value() {
                let rest = &letters[k + 1..];
                let value = if rest.is_empty() {
                    words.next().ok_or_else(|| missing_value(&opt, word.pos))?
                } else {
                    Word { text: rest.to_vec(), pos: word.pos + 2 + k }
                };
                c.apply(act, true, &opt, Some(value));
                break;
            }
            c.apply(act, true, &opt, None);
        }
        if stop {
            break;
        }
    }
    c.finish(cmd.len())
}

fn missing_value(opt: &str, pos: usize) -> CurlError {
    CurlError::new(format!("the option `{opt}` at byte {pos} needs a value"), pos)
}

/// What a `-H` argument says, in curl's terms.
enum HeaderArg {
    /// `Name: value`
    Set(String, String),
    /// `Name:` (or only spaces after the colon): curl leaves its own header of that name out.
    Remove(String),
}

impl Cmd {
    fn header_arg(&mut self, w: &Word) -> Option<HeaderArg> {
        let t = &w.text;
        if t.starts_with(b"@") {
            self.warn(format!(
                "`-H {}` at byte {}: curl would read headers from that file, which cannot be done here",
                w.lossy(),
                w.pos
            ));
            return None;
        }
        let text = |b: &[u8], what: &str, me: &mut Cmd| match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                me.warn(format!(
                    "the header {what} at byte {} is not UTF-8; invalid bytes were replaced with U+FFFD",
                    w.pos
                ));
                String::from_utf8_lossy(b).into_owned()
            }
        };
        if let Some(colon) = t.iter().position(|&c| c == b':')
            && colon > 0
        {
            let name = text(&t[..colon], "name", self);
            let raw = &t[colon + 1..];
            if is_blank(raw) {
                return Some(HeaderArg::Remove(name));
            }
            // curl sends the line as written; `Name: value` is how we write it, so only
            // the one separating space (or tab) is not part of the value.
            let raw = raw.strip_prefix(b" ").or_else(|| raw.strip_prefix(b"\t")).unwrap_or(raw);
            let value = text(raw, "value", self);
            return Some(HeaderArg::Set(name, value));
        }
        if let Some(semi) = t.iter().position(|&c| c == b';')
            && semi > 0
            && is_blank(&t[semi + 1..])
        {
            return Some(HeaderArg::Set(text(&t[..semi], "name", self), String::new()));
        }
        self.warn(format!(
            "`-H {}` at byte {} is not a header (`Name: value`, or `Name;` for an empty one); curl would not send \
             it either",
            w.lossy(),
            w.pos
        ));
        None
    }

    fn finish(mut self, end: usize) -> Result<CurlImport, CurlError> {
        let mut urls = std::mem::take(&mut self.urls).into_iter();
        let Some(url_word) = urls.next() else {
            return Err(CurlError::new("the curl command has no URL", end));
        };
        let others: Vec<String> = urls.map(|w| format!("`{}`", w.lossy())).collect();
        if !others.is_empty() {
            self.warn(format!(
                "curl would also request {}; only the first URL was imported",
                others.join(", ")
            ));
        }
        let mut url = url_word.lossy();
        if !url.contains("://") {
            url = format!("http://{url}"); // as curl guesses
        }
        let path_and_query =
            url.split_once("://").map_or("", |(_, rest)| rest.find('/').map_or("", |p| &rest[p..]));
        if !self.globoff && path_and_query.contains(['[', ']', '{', '}']) {
            self.warn(
                "curl expands `[…]` and `{…}` in a URL into several requests unless -g is given; the URL was \
                 imported as written"
                    .into(),
            );
        }

        // Body pieces: `&` between them, as curl joins them (`--json` pieces are concatenated).
        let has_data = !self.data.is_empty();
        let json = self.data.iter().any(|d| d.json);
        let mut body: Vec<u8> = Vec::new();
        for (k, part) in self.data.iter().enumerate() {
            if k > 0 && !(part.json && self.data[k - 1].json) {
                body.push(b'&');
            }
            body.extend_from_slice(&part.bytes);
        }
        if self.multipart && has_data {
            self.warn(
                "curl refuses -F together with -d; the form fields were kept and the data dropped".into(),
            );
            body.clear();
        }
        let data_in_body = has_data && !self.multipart && !self.get;
        if has_data && !self.multipart && self.get {
            append_query(&mut url, &String::from_utf8_lossy(&body));
            body.clear();
        }
        for q in std::mem::take(&mut self.url_queries) {
            append_query(&mut url, &q);
        }
        if self.head && data_in_body {
            self.warn(
                "curl refuses -I together with -d; the request was imported as a HEAD with a body".into(),
            );
        }

        let method = match self.method.take() {
            Some(m) => m,
            None if self.head => "HEAD".into(),
            None if self.upload => "PUT".into(),
            None if self.get => "GET".into(),
            None if data_in_body || self.multipart => "POST".into(),
            None => "GET".into(),
        };
        if !is_token(&method) {
            self.warn(format!("the method `{method}` is not a valid HTTP method name"));
        }

        // Headers from -H, in order; then the ones curl adds itself unless a -H set or removed them.
        let mut headers: Vec<NameValue> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        for w in std::mem::take(&mut self.headers) {
            match self.header_arg(&w) {
                Some(HeaderArg::Set(name, value)) => headers.push(NameValue::new(name, value)),
                Some(HeaderArg::Remove(name)) => removed.push(name),
                None => {}
            }
        }
        let given = |name: &str, headers: &[NameValue], removed: &[String]| {
            headers.iter().any(|h| h.name.eq_ignore_ascii_case(name))
                || removed.iter().any(|r| r.eq_ignore_ascii_case(name))
        };
        let mut implied: Vec<(&str, String)> = Vec::new();
        if let Some(ua) = self.user_agent.take()
            && !ua.is_empty()
        {
            implied.push(("User-Agent", ua));
        }
        if let Some(r) = self.referer.take() {
            implied.push(("Referer", r));
        }
        if !self.cookies.is_empty() {
            implied.push(("Cookie", self.cookies.join("; ")));
        }
        if let Some(r) = self.range.take() {
            implied.push(("Range", format!("bytes={r}")));
        }
        if self.compressed {
            implied.push(("Accept-Encoding", COMPRESSED_ENCODINGS.into()));
        }
        if json && data_in_body {
            implied.push(("Content-Type", "application/json".into()));
            implied.push(("Accept", "application/json".into()));
        } else if data_in_body {
            implied.push(("Content-Type", "application/x-www-form-urlencoded".into()));
        }
        for (name, value) in implied {
            if !given(name, &headers, &removed) {
                headers.push(NameValue::new(name, value));
            }
        }

        // Content-Length and Transfer-Encoding are set from the body when it is sent.
        let mut wrong_length = None;
        let mut transfer_encoding = false;
        let check_length = data_in_body || !self.multipart;
        headers.retain(|h| {
            if h.name.eq_ignore_ascii_case("content-length") {
                if check_length && h.value.trim() != body.len().to_string() {
                    wrong_length = Some(h.value.clone());
                }
                return false;
            }
            if h.name.eq_ignore_ascii_case("transfer-encoding") {
                transfer_encoding = true;
                return false;
            }
            true
        });
        if let Some(v) = wrong_length {
            self.warn(format!(
                "the Content-Length header ({v}) does not match the body ({} bytes); it was left out and is set \
                 from the body",
                body.len()
            ));
        }
        if transfer_encoding {
            self.warn(
                "the Transfer-Encoding header was left out: the body is sent whole, with a Content-Length"
                    .into(),
            );
        }
        let bad_names: Vec<String> =
            headers.iter().filter(|h| !is_token(&h.name)).map(|h| h.name.clone()).collect();
        for name in bad_names {
            self.warn(format!("the header name `{name}` is not a valid HTTP header name"));
        }

        let auth = self.auth(&mut headers, &removed);

        let content_type = headers
            .iter()
            .rev()
            .find(|h| h.name.eq_ignore_ascii_case("content-type"))
            .map(|h| h.value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let is_json =
            content_type.as_deref().is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"));

        let mut request = SendRequest { method, ..SendRequest::default() };
        if self.multipart {
            request.body_type = Some(BodyType::Multipart);
            request.form = std::mem::take(&mut self.form);
        } else if data_in_body {
            match String::from_utf8(body) {
                Ok(text) => {
                    request.body_type = Some(if is_json { BodyType::Json } else { BodyType::Raw });
                    request.body = text;
                }
                Err(e) => {
                    request.body_type = Some(BodyType::Raw);
                    request.body_base64 =
                        Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes()));
                    self.warn("the body is not UTF-8 text; it was kept as exact bytes (base64)".into());
                }
            }
        } else {
            request.body_type = Some(BodyType::None);
        }

        let tag = "{{";
        if url.contains(tag) {
            self.warn(
                "the URL holds `{{`, which Hookbench reads as a merge tag (write `\\{{` for the text)".into(),
            );
        }
        if headers.iter().any(|h| h.value.contains(tag)) {
            self.warn(
                "a header holds `{{`, which Hookbench reads as a merge tag (write `\\{{` for the text)"
                    .into(),
            );
        }
        if request.body.contains(tag) || request.form.iter().any(|f| f.value.contains(tag)) {
            self.warn(
                "the body holds `{{`, which Hookbench reads as a merge tag (write `\\{{` for the text)"
                    .into(),
            );
        }

        request.url = url;
        request.headers = headers;
        request.auth = auth;
        request.options = SendOptions {
            timeout_ms: self.timeout_ms.unwrap_or(SendOptions::default().timeout_ms),
            // curl follows redirects only with -L.
            follow_redirects: self.location,
            verify_tls: !self.insecure,
            proxy: self.proxy(),
        };
        Ok(CurlImport { request, warnings: self.warnings })
    }

    /// `Authorization: Bearer …` / `Basic …` (taken out of the headers), else `-u`
    /// or `--oauth2-bearer`. A header wins over `-u`, as in curl.
    fn auth(&mut self, headers: &mut Vec<NameValue>, removed: &[String]) -> Auth {
        let is_auth = |h: &NameValue| h.name.eq_ignore_ascii_case("authorization");
        let count = headers.iter().filter(|h| is_auth(h)).count();
        if count > 0 {
            if self.user.is_some() || self.bearer.is_some() {
                self.warn("the Authorization header wins over -u / --oauth2-bearer, as in curl".into());
            }
            if count > 1 {
                self.warn("several Authorization headers were kept as headers".into());
                return Auth::None;
            }
            let Some(k) = headers.iter().position(is_auth) else { return Auth::None };
            let value = headers[k].value.trim().to_owned();
            let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value.as_str(), ""));
            let rest = rest.trim();
            let auth = if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
                Some(Auth::Bearer { token: rest.to_owned() })
            } else if scheme.eq_ignore_ascii_case("basic") {
                base64::engine::general_purpose::STANDARD
                    .decode(rest)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|s| {
                        s.split_once(':')
                            .map(|(u, p)| Auth::Basic { username: u.to_owned(), password: p.to_owned() })
                    })
            } else {
                None
            };
            return match auth {
                Some(a) => {
                    headers.remove(k);
                    a
                }
                None => Auth::None,
            };
        }
        if removed.iter().any(|r| r.eq_ignore_ascii_case("authorization")) {
            return Auth::None;
        }
        if let Some(user) = self.user.take() {
            if self.bearer.is_some() {
                self.warn("both -u and --oauth2-bearer were given; -u was used".into());
            }
            return match user.split_once(':') {
                Some((u, p)) => Auth::Basic { username: u.to_owned(), password: p.to_owned() },
                None => {
                    self.warn(format!(
                        "`-u {user}` has no password (curl would ask for one); an empty password was used"
                    ));
                    Auth::Basic { username: user, password: String::new() }
                }
            };
        }
        match self.bearer.take() {
            Some(token) => Auth::Bearer { token },
            None => Auth::None,
        }
    }

    fn proxy(&mut self) -> Option<String> {
        let p = self.proxy.take()?;
        let p = p.trim();
        if p.is_empty() {
            return None; // `-x ""` turns a proxy off
        }
        let p = if p.contains("://") { p.to_owned() } else { format!("http://{p}") };
        if !p.to_ascii_lowercase().starts_with("http://") {
            self.warn(format!(
                "the proxy `{p}` is not an HTTP proxy, which is all Hookbench supports; it was ignored"
            ));
            return None;
        }
        Some(p)
    }
}

/// Add `q` to the URL's query (before any `#fragment`).
fn append_query(url: &mut String, q: &str) {
    if q.is_empty() {
        return;
    }
    let frag = url.find('#').map(|p| url.split_off(p)).unwrap_or_default();
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(q);
    url.push_str(&frag);
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hdrs(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter().map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec())).collect()
    }

    fn pairs(req: &SendRequest) -> Vec<(String, String)> {
        req.headers.iter().map(|h| (h.name.clone(), h.value.clone())).collect()
    }

    fn nv(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    fn p(cmd: &str) -> CurlImport {
        match parse_curl(cmd) {
            Ok(i) => i,
            Err(e) => panic!("{cmd:?} should parse: {e}"),
        }
    }

    fn err(cmd: &str) -> CurlError {
        match parse_curl(cmd) {
            Ok(i) => panic!("{cmd:?} should not parse, got {:?}", i.request),
            Err(e) => e,
        }
    }

    fn has_warning(w: &[String], needle: &str) -> bool {
        w.iter().any(|m| m.contains(needle))
    }

    // --- export -------------------------------------------------------------

    #[test]
    fn export_a_plain_get_is_short_and_bare_where_safe() {
        let out = to_curl("GET", "http://127.0.0.1:8080/hooks/a", &[], b"");
        assert_eq!(out.command, "curl http://127.0.0.1:8080/hooks/a");
        assert!(out.warnings.is_empty());
        let out = to_curl("GET", "http://x/?a=1&b=$HOME", &[], b"");
        assert_eq!(out.command, "curl 'http://x/?a=1&b=$HOME'", "`&` and `$` must be quoted");
    }

    #[test]
    fn export_methods_follow_what_curl_infers() {
        assert_eq!(
            to_curl("POST", "http://x/", &[], b"a").command,
            "curl http://x/ -H 'Content-Type:' --data-binary 'a'"
        );
        assert_eq!(to_curl("POST", "http://x/", &[], b"").command, "curl -X POST http://x/");
        assert_eq!(to_curl("HEAD", "http://x/", &[], b"").command, "curl -I http://x/");
        assert!(to_curl("GET", "http://x/", &[], b"a").command.starts_with("curl -X GET http://x/"));
        assert!(to_curl("PUT", "http://x/", &[], b"a").command.starts_with("curl -X PUT http://x/"));
        assert!(to_curl("M'X", "http://x/", &[], b"").command.starts_with(r"curl -X 'M'\''X' "));
    }

    #[test]
    fn export_quotes_single_quotes_and_keeps_header_order_and_duplicates() {
        let h = hdrs(&[
            ("X-A", "it's"),
            ("Content-Type", "application/json"),
            ("X-A", "2"),
            ("Host", "example.com"),
        ]);
        let out = to_curl("POST", "http://127.0.0.1:1/x", &h, br#"{"q":"it's $x `y`"}"#);
        assert_eq!(
            out.command,
            "curl http://127.0.0.1:1/x \\\n  -H 'X-A: it'\\''s' \\\n  -H 'Content-Type: application/json' \\\n  \
             -H 'X-A: 2' \\\n  -H 'Host: example.com' \\\n  --data-binary '{\"q\":\"it'\\''s $x `y`\"}'"
        );
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn export_empty_header_values_use_the_semicolon_form() {
        let out = to_curl("GET", "http://x/", &hdrs(&[("X-Empty", ""), ("X-Blank", "  ")]), b"");
        assert_eq!(out.command, "curl http://x/ -H 'X-Empty;' -H 'X-Blank;'");
        let back = p(&out.command);
        assert_eq!(pairs(&back.request), vec![nv("X-Empty", ""), nv("X-Blank", "")]);
    }

    #[test]
    fn export_drops_content_length_silently_and_transfer_encoding_with_a_warning() {
        let h = hdrs(&[
            ("Content-Length", "3"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Type", "text/plain"),
        ]);
        let out = to_curl("POST", "http://x/", &h, b"abc");
        assert_eq!(out.command, "curl http://x/ -H 'Content-Type: text/plain' --data-binary 'abc'");
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("Transfer-Encoding"));
    }

    #[test]
    fn export_a_body_without_content_type_stops_curl_adding_one() {
        let out = to_curl("POST", "http://x/", &[], b"a=1");
        assert!(out.command.contains("-H 'Content-Type:'"));
        let back = p(&out.command);
        assert!(back.request.headers.is_empty(), "no Content-Type either way: {:?}", back.request.headers);
        assert_eq!(back.request.body, "a=1");
    }

    #[test]
    fn export_binary_bodies_go_through_a_file() {
        for body in [&[0x89, b'P', b'N', b'G', 0xff][..], b"a\0b"] {
            let out = to_curl("POST", "http://x/", &hdrs(&[("Content-Type", "image/png")]), body);
            assert!(out.command.ends_with("--data-binary @body.bin"), "{}", out.command);
            assert_eq!(out.warnings.len(), 1);
            assert!(out.warnings[0].contains("binary") && out.warnings[0].contains("body.bin"));
            let back = p(&out.command);
            assert_eq!(back.request.body, "@body.bin");
            assert!(has_warning(&back.warnings, "cannot be done here"));
        }
    }

    #[test]
    fn export_non_utf8_and_multiline_header_values_are_reported() {
        let h = vec![("X-Bin".to_owned(), vec![b'a', 0xff]), ("X-Nl".to_owned(), b"a\r\nb".to_vec())];
        let out = to_curl("GET", "http://x/", &h, b"");
        assert_eq!(out.command, "curl http://x/ -H 'X-Bin: a\u{FFFD}' -H 'X-Nl: a  b'");
        assert_eq!(out.warnings.len(), 2);
        assert!(out.warnings[0].contains("not UTF-8") && out.warnings[1].contains("line breaks"));
    }

    #[test]
    fn export_bodies_starting_with_at_are_not_read_from_a_file() {
        let out = to_curl("POST", "http://x/", &hdrs(&[("Content-Type", "text/plain")]), b"@me hi");
        assert!(out.command.ends_with("--data-raw '@me hi'"));
        assert_eq!(p(&out.command).request.body, "@me hi");
    }

    #[test]
    fn export_urls_with_brackets_turn_globbing_off() {
        let out = to_curl("GET", "http://[::1]:8080/a?x[]=1", &[], b"");
        assert_eq!(out.command, "curl -g 'http://[::1]:8080/a?x[]=1'");
        let back = p(&out.command);
        assert_eq!(back.request.url, "http://[::1]:8080/a?x[]=1");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    }

    #[test]
    fn export_long_commands_use_continuations_and_multiline_bodies_round_trip() {
        let body = "line one\nline 'two' ^\n\\ end";
        let out = to_curl("PATCH", "http://x/", &hdrs(&[("Content-Type", "text/plain")]), body.as_bytes());
        assert_eq!(
            out.command,
            "curl -X PATCH http://x/ \\\n  -H 'Content-Type: text/plain' \\\n  --data-binary 'line one\nline '\\''two'\\'' ^\n\\ end'"
        );
        let back = p(&out.command);
        assert_eq!(back.request.body, body);
        assert_eq!(back.request.method, "PATCH");
    }

    #[test]
    fn shell_quote_is_bare_only_for_safe_words() {
        assert_eq!(shell_quote("http://a.b/c-d_e.f?"), "'http://a.b/c-d_e.f?'");
        assert_eq!(shell_quote("a+b,c@d%e:f=g"), "a+b,c@d%e:f=g");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("=x"), "'=x'");
        assert_eq!(shell_quote("~"), "'~'");
        assert_eq!(shell_quote("é"), "'é'");
    }

    // --- import: browsers ---------------------------------------------------

    #[test]
    fn chrome_bash_copy_as_curl() {
        let i = p("curl 'https://api.example.com/v1/contacts?x=1' -H 'accept: application/json' \
                   -H 'authorization: Bearer abc.def' -H 'content-type: application/json' \
                   --data-raw '{\"email\":\"a@b.c\"}'");
        let r = &i.request;
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://api.example.com/v1/contacts?x=1");
        assert!(r.query.is_empty(), "the query stays in the URL");
        assert_eq!(r.auth, Auth::Bearer { token: "abc.def".into() });
        assert_eq!(pairs(r), vec![nv("accept", "application/json"), nv("content-type", "application/json")]);
        assert_eq!(r.body, r#"{"email":"a@b.c"}"#);
        assert_eq!(r.body_type, Some(BodyType::Json));
        assert!(!r.options.follow_redirects, "no -L");
        assert!(r.options.verify_tls);
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    }

    #[test]
    fn chrome_bash_multiline_with_ansi_c_strings() {
        let cmd = "curl 'https://example.com/api/notes' \\\n  -H 'content-type: text/plain;charset=UTF-8' \\\n  \
                   -H $'x-note: It\\u2019s here' \\\n  --data-raw $'Don\\'t stop\\nbelieving\\u0021 \\u00e9' \\\n  \
                   --compressed";
        let i = p(cmd);
        let r = &i.request;
        assert_eq!(r.body, "Don't stop\nbelieving! é");
        assert_eq!(r.body_type, Some(BodyType::Raw));
        assert_eq!(
            pairs(r),
            vec![
                nv("content-type", "text/plain;charset=UTF-8"),
                nv("x-note", "It\u{2019}s here"),
                nv("Accept-Encoding", "gzip, deflate, br"),
            ]
        );
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    }

    #[test]
    fn firefox_copy_as_curl() {
        let cmd = "curl 'https://example.com/api/items' --compressed -X PUT \
                   -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' \
                   -H 'Accept: */*' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' \
                   -H 'Content-Type: application/json' -H 'Origin: https://example.com' -H 'Connection: keep-alive' \
                   -H 'Cookie: sid=1; theme=dark' --data-raw $'{\"name\":\"caf\\xe9 \\ud83d\\ude00\",\"n\":\"it\\'s\"}'";
        let i = p(cmd);
        let r = &i.request;
        assert_eq!(r.method, "PUT");
        assert_eq!(r.body, "{\"name\":\"café 😀\",\"n\":\"it's\"}");
        assert_eq!(r.body_type, Some(BodyType::Json));
        assert_eq!(r.headers.len(), 8, "Accept-Encoding given, so --compressed adds nothing");
        assert_eq!(pairs(r)[3], nv("Accept-Encoding", "gzip, deflate, br, zstd"));
        assert_eq!(i.warnings.len(), 1, "{:?}", i.warnings);
        assert!(i.warnings[0].contains("Firefox"));
    }

    #[test]
    fn chrome_cmd_copy_as_curl() {
        let cmd = "curl ^\"https://api.example.com/v1/contacts?x=1^&y=a^%^20b^\" ^\r\n  \
                   -H ^\"accept: application/json^\" ^\r\n  \
                   -H ^\"content-type: application/json^\" ^\r\n  \
                   --data-raw ^\"^{^\\^\"email^\\^\":^\\^\"a^@b.c^\\^\",^\\^\"p^\\^\":^\\^\"50^%^\\^\",^\\^\"nl^\\^\":^\\^\"a^\n\nb^\\^\"^}^\" ^\r\n  \
                   --compressed";
        let i = p(cmd);
        let r = &i.request;
        assert_eq!(r.url, "https://api.example.com/v1/contacts?x=1&y=a%20b");
        assert_eq!(r.body, "{\"email\":\"a@b.c\",\"p\":\"50%\",\"nl\":\"a\nb\"}");
        assert_eq!(
            pairs(r),
            vec![
                nv("accept", "application/json"),
                nv("content-type", "application/json"),
                nv("Accept-Encoding", "gzip, deflate, br")
            ]
        );
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    }

    #[test]
    fn old_chrome_cmd_with_plain_double_quotes() {
        let i = p("curl \"https://x.test/a\" ^\n  -H \"X-Q: say \\\"hi\\\"\" ^\n  --data-binary \"a b\"");
        assert_eq!(i.request.url, "https://x.test/a");
        assert_eq!(pairs(&i.request)[0], nv("X-Q", "say \"hi\""));
        assert_eq!(i.request.body, "a b");
    }

    // --- import: curl's options --------------------------------------------

    #[test]
    fn data_defaults_to_post_with_curls_form_content_type() {
        let i = p("curl https://x.test/f -d a=1 -d 'b=2 3'");
        let r = &i.request;
        assert_eq!(r.method, "POST");
        assert_eq!(r.body, "a=1&b=2 3");
        assert_eq!(r.body_type, Some(BodyType::Raw));
        assert_eq!(pairs(r), vec![nv("Content-Type", "application/x-www-form-urlencoded")]);
        assert!(i.warnings.is_empty());
    }

    #[test]
    fn a_removed_content_type_is_not_added() {
        let r = p("curl https://x.test/ -H 'Content-Type:' -d a").request;
        assert!(r.headers.is_empty());
        let r = p("curl https://x.test/ -H 'content-type: text/csv' -d a,b").request;
        assert_eq!(pairs(&r), vec![nv("content-type", "text/csv")]);
    }

    #[test]
    fn json_option_sets_both_headers_unless_given() {
        let r = p("curl --json '{\"a\":1}' https://x.test/").request;
        assert_eq!(r.method, "POST");
        assert_eq!(r.body_type, Some(BodyType::Json));
        assert_eq!(pairs(&r), vec![nv("Content-Type", "application/json"), nv("Accept", "application/json")]);
        let r = p("curl --json '{\"a\":' --json '1}' -H 'Accept: text/plain' https://x.test/").request;
        assert_eq!(r.body, "{\"a\":1}");
        assert_eq!(pairs(&r), vec![nv("Accept", "text/plain"), nv("Content-Type", "application/json")]);
    }

    #[test]
    fn data_urlencode_and_url_query_encode_like_curl() {
        let r = p("curl https://x.test/ --data-urlencode 'q=a b&c' --data-urlencode 'plain text' --data-urlencode '=x/y'")
            .request;
        assert_eq!(r.body, "q=a%20b%26c&plain%20text&x%2Fy");
        let r = p("curl 'https://x.test/p?a=1#top' --url-query 'b=c d' --url-query +e=f%20").request;
        assert_eq!(r.url, "https://x.test/p?a=1&b=c%20d&e=f%20#top");
    }

    #[test]
    fn get_moves_data_into_the_query() {
        let i = p("curl -G https://x.test/search -d q=rust -d page=2");
        assert_eq!(i.request.method, "GET");
        assert_eq!(i.request.url, "https://x.test/search?q=rust&page=2");
        assert!(i.request.body.is_empty() && i.request.headers.is_empty());
        assert_eq!(i.request.body_type, Some(BodyType::None));
    }

    #[test]
    fn data_files_are_warned_about_and_kept_literally() {
        let i = p("curl https://x.test/ --data-binary @payload.json -H 'Content-Type: application/json'");
        assert_eq!(i.request.body, "@payload.json");
        assert!(has_warning(&i.warnings, "payload.json"));
        let i = p("curl https://x.test/ --data-raw @literal");
        assert_eq!(i.request.body, "@literal");
        assert!(i.warnings.is_empty());
    }

    #[test]
    fn forms_become_multipart_fields_and_files_are_reported() {
        let i = p("curl https://x.test/up -F name=Ann -F 'photo=@me.jpg;type=image/jpeg' -F 'note=\"a;b\"' \
                   -F 'x=1;type=text/plain' --form-string 'raw=@not-a-file'");
        let r = &i.request;
        assert_eq!(r.method, "POST");
        assert_eq!(r.body_type, Some(BodyType::Multipart));
        let form: Vec<_> = r.form.iter().map(|f| (f.name.as_str(), f.value.as_str())).collect();
        assert_eq!(form, vec![("name", "Ann"), ("note", "a;b"), ("x", "1"), ("raw", "@not-a-file")]);
        assert!(r.headers.is_empty(), "the boundary Content-Type is the builder's");
        assert!(has_warning(&i.warnings, "me.jpg"));
        assert!(has_warning(&i.warnings, "type=text/plain"));
        assert_eq!(i.warnings.len(), 2, "{:?}", i.warnings);
    }

    #[test]
    fn user_and_basic_headers_become_basic_auth() {
        let r = p("curl -u 'ann:s3cr:et' https://x.test/").request;
        assert_eq!(r.auth, Auth::Basic { username: "ann".into(), password: "s3cr:et".into() });
        let r = p("curl -H 'Authorization: Basic dXNlcjpwYXNz' https://x.test/").request;
        assert_eq!(r.auth, Auth::Basic { username: "user".into(), password: "pass".into() });
        assert!(r.headers.is_empty());
        let r = p("curl -H 'Authorization: Basic !!notb64' https://x.test/").request;
        assert_eq!(r.auth, Auth::None);
        assert_eq!(pairs(&r), vec![nv("Authorization", "Basic !!notb64")]);
        let i = p("curl -u ann https://x.test/");
        assert_eq!(i.request.auth, Auth::Basic { username: "ann".into(), password: String::new() });
        assert!(has_warning(&i.warnings, "no password"));
        let r = p("curl --oauth2-bearer tok https://x.test/").request;
        assert_eq!(r.auth, Auth::Bearer { token: "tok".into() });
        let i = p("curl -u a:b -H 'authorization: bearer  t0k ' https://x.test/");
        assert_eq!(i.request.auth, Auth::Bearer { token: "t0k".into() });
        assert!(has_warning(&i.warnings, "wins over -u"));
        let r = p("curl -H 'Authorization: Digest x=1' https://x.test/").request;
        assert_eq!(r.auth, Auth::None);
        assert_eq!(r.headers.len(), 1);
    }

    #[test]
    fn agent_referer_cookies_range_become_headers_after_the_given_ones() {
        let i = p(
            "curl -A 'Bot/1' -e 'https://ref.test/;auto' -b 'a=1' -b 'b=2' -r 0-99 -H 'X: y' https://x.test/",
        );
        assert_eq!(
            pairs(&i.request),
            vec![
                nv("X", "y"),
                nv("User-Agent", "Bot/1"),
                nv("Referer", "https://ref.test/"),
                nv("Cookie", "a=1; b=2"),
                nv("Range", "bytes=0-99"),
            ]
        );
        let i = p("curl -b cookies.txt -A x -H 'user-agent: y' https://x.test/");
        assert_eq!(pairs(&i.request), vec![nv("user-agent", "y")]);
        assert!(has_warning(&i.warnings, "cookie file"));
    }

    #[test]
    fn flags_for_method_tls_redirects_proxy_and_timeouts() {
        let r = p("curl -I https://x.test/").request;
        assert_eq!(r.method, "HEAD");
        let r = p("curl -sSLk --max-time 2.5 -x proxy.local:3128 https://x.test/").request;
        assert!(r.options.follow_redirects && !r.options.verify_tls);
        assert_eq!(r.options.timeout_ms, 2500);
        assert_eq!(r.options.proxy.as_deref(), Some("http://proxy.local:3128"));
        let r = p("curl -L --no-location https://x.test/").request;
        assert!(!r.options.follow_redirects);
        let i = p("curl -x socks5://127.0.0.1:9050 --connect-timeout 3 -m 0 https://x.test/");
        assert_eq!(i.request.options.proxy, None);
        assert_eq!(i.request.options.timeout_ms, 30_000);
        assert_eq!(i.warnings.len(), 3, "{:?}", i.warnings);
    }

    #[test]
    fn request_forms_attached_grouped_and_equals() {
        let r = p("curl -XPUT -HX-A:1 -sd x=1 --request=PATCH --url https://x.test/a").request;
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.url, "https://x.test/a");
        assert_eq!(pairs(&r), vec![nv("X-A", "1"), nv("Content-Type", "application/x-www-form-urlencoded")]);
        assert_eq!(r.body, "x=1");
    }

    #[test]
    fn harmless_options_are_silent_and_unknown_ones_named() {
        let i = p("curl -s -S -v -i --fail -o out.json -w '%{http_code}' --retry 3 https://x.test/");
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
        let i = p("curl --frobnicate https://x.test/ -j -% --cacert ca.pem");
        assert_eq!(i.request.url, "https://x.test/");
        assert!(has_warning(&i.warnings, "`--frobnicate` at byte 5"));
        assert!(has_warning(&i.warnings, "`-%` at byte 38"));
        assert!(has_warning(&i.warnings, "`--cacert ca.pem` is not supported"), "{:?}", i.warnings);
    }

    #[test]
    fn scheme_less_urls_get_http_and_extra_urls_are_reported() {
        let i = p("curl example.com/a example.com/b");
        assert_eq!(i.request.url, "http://example.com/a");
        assert!(has_warning(&i.warnings, "example.com/b"));
        let i = p("curl 'https://x.test/{a,b}'");
        assert!(has_warning(&i.warnings, "-g"));
    }

    #[test]
    fn content_length_and_transfer_encoding_are_dropped_on_import() {
        let i = p("curl https://x.test/ -H 'Content-Length: 3' -H 'Content-Type: text/plain' -d abc");
        assert_eq!(pairs(&i.request), vec![nv("Content-Type", "text/plain")]);
        assert!(i.warnings.is_empty());
        let i = p("curl https://x.test/ -H 'Content-Length: 9' -H 'Transfer-Encoding: chunked' -d abc");
        assert_eq!(i.warnings.len(), 2, "{:?}", i.warnings);
    }

    #[test]
    fn header_syntax_like_curls() {
        let i = p(
            "curl https://x.test/ -H 'X-Empty;' -H 'Accept:' -H 'X-Sp:   three' -H 'X-Tab:\tv' -H 'bogus' -H 'Host: other.test'",
        );
        assert_eq!(
            pairs(&i.request),
            vec![nv("X-Empty", ""), nv("X-Sp", "  three"), nv("X-Tab", "v"), nv("Host", "other.test")]
        );
        assert!(has_warning(&i.warnings, "`-H bogus`"));
    }

    #[test]
    fn shell_syntax_double_quotes_escapes_and_continuations() {
        let i = p(
            "curl \"https://x.test/\" -H \"X-A: \\\"q\\\" \\$HOME \\\\ \\n $TOKEN ${B}\" \\\n  -d a\\ b \\\r\n -d\"c\"'d'",
        );
        assert_eq!(pairs(&i.request)[0], nv("X-A", "\"q\" $HOME \\ \\n $TOKEN ${B}"));
        assert_eq!(i.request.body, "a b&cd");
        assert!(has_warning(&i.warnings, "`$TOKEN` at byte"));
        assert!(has_warning(&i.warnings, "`${B}` at byte"));
        assert!(!has_warning(&i.warnings, "$HOME"));
    }

    #[test]
    fn pipes_redirects_comments_prompts_and_bare_ampersands() {
        let i = p("$ curl -s https://x.test/a 2>/dev/null | jq .");
        assert_eq!(i.request.url, "https://x.test/a");
        assert!(has_warning(&i.warnings, "`>` at byte"));
        let i = p("# fetch it\ncurl https://x.test/?a=1&b=2 # the end");
        assert_eq!(i.request.url, "https://x.test/?a=1&b=2");
        assert!(has_warning(&i.warnings, "unquoted `&`"));
        let i = p("/usr/bin/curl https://x.test/ && echo done");
        assert_eq!(i.request.url, "https://x.test/");
    }

    #[test]
    fn non_utf8_bodies_are_kept_as_base64() {
        let i = p(
            "curl https://x.test/ -H 'Content-Type: application/octet-stream' --data-binary $'\\x89PNG\\r\\n\\0'",
        );
        assert_eq!(i.request.body_type, Some(BodyType::Raw));
        assert!(i.request.body.is_empty());
        assert_eq!(i.request.body_base64.as_deref(), Some("iVBORw0KAA=="));
        assert!(has_warning(&i.warnings, "base64"));
    }

    #[test]
    fn ansi_c_escapes() {
        let d = |s: &str| String::from_utf8_lossy(&decode_ansi_c(s.as_bytes(), false).bytes).into_owned();
        assert_eq!(d(r"a\tb\x41\101\u00e9\U0001F600\ca\q\\\'"), "a\tbAAé😀\u{1}\\q\\'");
        assert_eq!(d(r"\ud83d\ude00|\ud83d"), "😀|\u{FFFD}");
        assert_eq!(d(r"\x\u"), r"\x\u");
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = err("curl 'https://x.test/");
        assert_eq!((e.position, e.message.as_str()), (5, "unterminated single quote starting at byte 5"));
        assert_eq!(e.to_string(), "unterminated single quote starting at byte 5 (at byte 5)");
        assert_eq!(err("curl https://x.test/ -H \"a: b").position, 24);
        assert_eq!(err("curl https://x.test/ -d $'abc\\'").position, 24);
        assert_eq!(err("curl ^\"https://x.test/^\" -H ^\"x").position, 29);
        let e = err("curl https://x.test/ -H");
        assert_eq!((e.position, e.message.as_str()), (21, "the option `-H` at byte 21 needs a value"));
        assert_eq!(err("curl -s").message, "the curl command has no URL");
        assert_eq!(err("wget https://x.test/").message, "a curl command starts with `curl`, not `wget`");
        assert_eq!(err("   ").message, "the command is empty: a curl command starts with `curl`");
    }

    #[test]
    fn merge_tag_lookalikes_are_pointed_out() {
        let i = p("curl https://x.test/ -d '{{contact.email}}'");
        assert!(has_warning(&i.warnings, "merge tag"));
    }

    // --- properties ---------------------------------------------------------

    fn text_char(newlines: bool) -> impl Strategy<Value = char> {
        let special = vec![
            '\'', '"', '$', '`', '\\', ' ', '\t', '!', '{', '}', '&', ';', '|', '#', '*', '~', '^', '%', '@',
            ':', '(', '<', 'é', '\u{2019}', '😀', '\u{0b}', '\u{7f}', '\u{85}',
        ];
        prop_oneof![
            3 => any::<char>(),
            3 => prop::sample::select(special),
            2 => prop::char::range('a', 'z'),
            1 => prop::sample::select(vec!['\n', '\r']),
        ]
        .prop_filter("no NUL, and line breaks only where allowed", move |c| {
            *c != '\0' && (newlines || (*c != '\r' && *c != '\n'))
        })
    }

    fn text(newlines: bool, max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(text_char(newlines), 0..max).prop_map(|v| v.into_iter().collect())
    }

    /// Characters a URL may hold as they are; the rest is percent-encoded.
    fn url_encode(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) {
                out.push(c);
            } else {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        out
    }

    fn url() -> impl Strategy<Value = String> {
        (1u16.., text(true, 16), proptest::option::of(text(true, 12))).prop_map(|(port, path, query)| {
            let q = query.map(|q| format!("?{}", url_encode(&q))).unwrap_or_default();
            format!("http://127.0.0.1:{port}/{}{q}", url_encode(&path))
        })
    }

    fn header_name() -> impl Strategy<Value = String> {
        "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}".prop_filter("auth and length rules are tested apart", |n| {
            !["authorization", "content-length", "transfer-encoding"]
                .contains(&n.to_ascii_lowercase().as_str())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn export_then_import_gives_the_same_request(
            method in "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}",
            url in url(),
            headers in prop::collection::vec((header_name(), text(false, 20)), 0..6),
            body in prop_oneof![1 => Just(String::new()), 3 => text(true, 40)],
        ) {
            let raw: Vec<(String, Vec<u8>)> =
                headers.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
            let out = to_curl(&method, &url, &raw, body.as_bytes());
            prop_assert!(out.warnings.is_empty(), "{:?}", out.warnings);
            let back = parse_curl(&out.command);
            prop_assert!(back.is_ok(), "{:?} from {}", back, out.command);
            let Ok(back) = back else { unreachable!() };
            let r = &back.request;
            prop_assert_eq!(&r.method, &method);
            prop_assert_eq!(&r.url, &url);
            // A blank value is an empty one to curl (and to HTTP).
            let want: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| (n.clone(), if is_blank(v.as_bytes()) { String::new() } else { v.clone() }))
                .collect();
            prop_assert_eq!(pairs(r), want, "{}", out.command);
            prop_assert_eq!(r.body.as_bytes(), body.as_bytes(), "{}", out.command);
            prop_assert_eq!(&r.body_base64, &None);
            prop_assert!(back.warnings.iter().all(|w| w.contains("merge tag")), "{:?}", back.warnings);
        }

        #[test]
        fn any_quoted_text_reads_back_exactly(s in text(true, 60)) {
            let i = parse_curl(&format!("curl http://x.test/ --data-raw {}", shell_quote(&s)));
            prop_assert!(i.is_ok());
            if let Ok(i) = i {
                prop_assert_eq!(i.request.body, s);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse_curl(&s);
            let _ = parse_curl(&format!("curl {s}"));
            let _ = parse_curl(&format!("curl ^\"{s}"));
        }

        #[test]
        fn shell_soup_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
            "curl", " ", "'", "\"", "$'", "$\"", "\\", "\\\n", "^", "^\n", "^\"", "\n", "\r\n", "\\u", "\\ud83d",
            "\\x", "\\xe9", "\\0", "\\c", "@", "-", "--", "-H", "-d", "-F", "-u", "-G", "-I", "-x", "-m", "--json",
            "--url-query", "--data-urlencode", "--no-location", "--request=", "a=b", "a=@f", "=", ":", ";", "|", "&",
            ">", "2>", "#", "$X", "${", "`", "http://h/", "h", "Authorization: Basic ", "Bearer ", "-sSL", "-XPOST",
            "%", "{{", "é", "😀",
        ]), 0..30)) {
            let s: String = parts.concat();
            let _ = parse_curl(&s);
        }

        #[test]
        fn to_curl_never_panics(
            method in any::<String>(),
            url in any::<String>(),
            headers in prop::collection::vec((any::<String>(), prop::collection::vec(any::<u8>(), 0..12)), 0..4),
            body in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let out = to_curl(&method, &url, &headers, &body);
            let _ = parse_curl(&out.command);
        }
    }
}
