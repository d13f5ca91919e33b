//! A forgiving multipart parser: it returns every part it can read and says
//! where it stopped, so a truncated upload still shows its first parts.

use super::{Part, b64, content_type_param};
use crate::model::Header;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Parse `body` as multipart with `boundary`. Returns the parts read and, if
/// the body did not end properly, why.
pub fn parse_multipart(body: &[u8], boundary: &str) -> (Vec<Part>, Option<String>) {
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let Some(first) = find(body, &delim, 0) else {
        return (parts, Some("multipart boundary not found in the body".into()));
    };
    let mut pos = first + delim.len();
    loop {
        if body[pos..].starts_with(b"--") {
            return (parts, None);
        }
        // Skip the rest of the boundary line.
        let Some(eol) = find(body, b"\n", pos) else {
            let msg = format!("multipart body ends after {} part(s) without a closing boundary", parts.len());
            return (parts, Some(msg));
        };
        let start = eol + 1;
        let (head_end, body_start) = match find(body, b"\r\n\r\n", start) {
            Some(i) => (i, i + 4),
            None => match find(body, b"\n\n", start) {
                Some(i) => (i, i + 2),
                None => {
                    let msg = format!("part {} has no end of headers", parts.len() + 1);
                    return (parts, Some(msg));
                }
            },
        };
        let mut close = b"\r\n".to_vec();
        close.extend_from_slice(&delim);
        let (data_end, next) = match find(body, &close, body_start) {
            Some(i) => (i, i + close.len()),
            None => {
                let mut lf = b"\n".to_vec();
                lf.extend_from_slice(&delim);
                match find(body, &lf, body_start) {
                    Some(i) => (i, i + lf.len()),
                    None => {
                        parts.push(make_part(&body[start..head_end], &body[body_start..]));
                        let msg = format!("part {} is truncated (no closing boundary)", parts.len());
                        return (parts, Some(msg));
                    }
                }
            }
        };
        parts.push(make_part(&body[start..head_end], &body[body_start..data_end]));
        pos = next;
    }
}

fn make_part(head: &[u8], data: &[u8]) -> Part {
    let headers: Vec<Header> = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| match l.iter().position(|b| *b == b':') {
            Some(i) => Header::from_bytes(&l[..i], l[i + 1..].trim_ascii()),
            None => Header::from_bytes(l, b""),
        })
        .collect();
    let get = |n: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(n)).map(|h| h.value.clone());
    let disposition = get("content-disposition").unwrap_or_default();
    Part {
        name: content_type_param(&disposition, "name"),
        filename: content_type_param(&disposition, "filename"),
        content_type: get("content-type"),
        size: data.len(),
        body_base64: b64(data),
        text: std::str::from_utf8(data).ok().map(str::to_owned),
        headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02\r\n--XyZ--\r\n";

    #[test]
    fn parses_fields_and_files() {
        let (parts, err) = parse_multipart(BODY, "XyZ");
        assert_eq!(err, None);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("field"));
        assert_eq!(parts[0].text.as_deref(), Some("value"));
        assert_eq!(parts[1].filename.as_deref(), Some("a.bin"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(parts[1].size, 3);
        assert_eq!(parts[1].body_base64, "AAEC");
    }

    #[test]
    fn truncated_keeps_what_it_read() {
        let cut = &BODY[..BODY.len() - 12];
        let (parts, err) = parse_multipart(cut, "XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].text.as_deref(), Some("value"));
        assert!(err.unwrap().contains("truncated"));
    }

    #[test]
    fn missing_boundary() {
        let (parts, err) = parse_multipart(b"hello", "XyZ");
        assert!(parts.is_empty());
        assert!(err.is_some());
    }
}
