//! Views of a body derived at read time: content encodings undone (bounded),
//! then JSON, form fields, multipart parts, XML or text. The raw bytes are never
//! changed; a body that fails to decode still gets every view that works, and an
//! error that says why the others did not.

mod multipart;

use std::io::Read;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use multipart::parse_multipart;

/// Decompressed bodies larger than this are cut off (a gzip bomb stays small).
pub const MAX_DECODED: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    #[default]
    Empty,
    Json,
    Form,
    Multipart,
    Xml,
    Text,
    Binary,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Part {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: usize,
    pub headers: Vec<crate::model::Header>,
    /// The part's bytes, base64.
    pub body_base64: String,
    /// The part's bytes as text, when they are UTF-8.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Decoded {
    pub kind: BodyKind,
    /// The content codings undone, in the order applied by the sender (`gzip`, `br`…).
    pub content_encoding: Vec<String>,
    /// Size after undoing content codings, when there were any.
    pub decoded_size: Option<usize>,
    /// True when the decoded body was cut at the size bound.
    pub truncated: bool,
    #[schema(value_type = Option<Object>)]
    pub json: Option<serde_json::Value>,
    pub form: Option<Vec<FormField>>,
    pub parts: Option<Vec<Part>>,
    /// The (decoded) body as text, for text, XML and JSON bodies that are UTF-8.
    pub text: Option<String>,
    /// Why a view could not be made (bad JSON, unknown coding, truncated multipart…).
    pub errors: Vec<String>,
}

/// The media type of a Content-Type value, lower-case, without parameters.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// A parameter of a Content-Type value (`boundary`, `charset`).
pub fn content_type_param(content_type: &str, name: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Undo the codings named in a Content-Encoding header (applied in order, so
/// undone in reverse), reading at most `limit` bytes of output.
pub fn decode_content_encoding(
    codings: &[String],
    body: &[u8],
    limit: usize,
) -> Result<(Vec<u8>, bool), String> {
    let mut data = body.to_vec();
    let mut truncated = false;
    for coding in codings.iter().rev() {
        let reader: Box<dyn Read> = match coding.as_str() {
            "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&data[..])),
            "deflate" => {
                // "deflate" is meant to be zlib-wrapped, but raw deflate is common.
                if data.len() >= 2
                    && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
                    && data[0] & 0x0f == 8
                {
                    Box::new(flate2::read::ZlibDecoder::new(&data[..]))
                } else {
                    Box::new(flate2::read::DeflateDecoder::new(&data[..]))
                }
            }
            "br" => Box::new(brotli_decompressor::Decompressor::new(&data[..], 64 * 1024)),
            "identity" => continue,
            other => return Err(format!("unsupported content encoding {other:?}")),
        };
        let mut out = Vec::new();
        reader
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("{coding} decoding failed: {e}"))?;
        if out.len() > limit {
            out.truncate(limit);
            truncated = true;
        }
        data = out;
    }
    Ok((data, truncated))
}

fn looks_like_json(body: &[u8]) -> bool {
    matches!(body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// Derive the views of a body from its raw bytes and headers.
pub fn decode(content_type: Option<&str>, content_encoding: Option<&str>, raw: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    let codings: Vec<String> = content_encoding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    let owned;
    let body: &[u8] = if codings.is_empty() {
        raw
    } else {
        match decode_content_encoding(&codings, raw, MAX_DECODED) {
            Ok((b, truncated)) => {
                d.content_encoding = codings;
                d.decoded_size = Some(b.len());
                d.truncated = truncated;
                if truncated {
                    d.errors.push(format!("decoded body cut at {MAX_DECODED} bytes"));
                }
                owned = b;
                &owned
            }
            Err(e) => {
                d.errors.push(e);
                d.kind = BodyKind::Binary;
                return d;
            }
        }
    };
    if body.is_empty() {
        return d;
    }
    let mt = media_type(content_type);
    let text = std::str::from_utf8(body).ok();
    let is_json_type = mt == "application/json" || mt.ends_with("+json") || mt == "text/json";
    if is_json_type || (mt.is_empty() || mt == "text/plain") && looks_like_json(body) {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => {
                d.kind = BodyKind::Json;
                d.json = Some(v);
                d.text = text.map(str::to_owned);
                return d;
            }
            Err(e) if is_json_type => d.errors.push(format!("invalid JSON: {e}")),
            Err(_) => {}
        }
    }
    if mt == "application/x-www-form-urlencoded" {
        d.kind = BodyKind::Form;
        d.form = Some(
            form_urlencoded::parse(body)
                .map(|(k, v)| FormField { name: k.into_owned(), value: v.into_owned() })
                .collect(),
        );
        d.text = text.map(str::to_owned);
        return d;
    }
    if mt.starts_with("multipart/") {
        match content_type.and_then(|ct| content_type_param(ct, "boundary")) {
            Some(boundary) => {
                let (parts, err) = parse_multipart(body, &boundary);
                d.kind = BodyKind::Multipart;
                d.parts = Some(parts);
                d.errors.extend(err);
                return d;
            }
            None => d.errors.push("multipart body without a boundary parameter".into()),
        }
    }
    d.text = text.map(str::to_owned);
    d.kind = match text {
        Some(_) if mt.ends_with("/xml") || mt.ends_with("+xml") => BodyKind::Xml,
        Some(t) if mt.is_empty() && t.trim_start().starts_with("<?xml") => BodyKind::Xml,
        Some(t) if !t.contains('\0') => BodyKind::Text,
        _ => BodyKind::Binary,
    };
    if d.kind == BodyKind::Binary {
        d.text = None;
    }
    d
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn json_body() {
        let d = decode(Some("application/json; charset=utf-8"), None, br#"{"a":[1,2]}"#);
        assert_eq!(d.kind, BodyKind::Json);
        assert_eq!(d.json.unwrap()["a"][1], 2);
    }

    #[test]
    fn malformed_json_is_text_with_an_error() {
        let d = decode(Some("application/json"), None, br#"{"a":"#);
        assert_eq!(d.kind, BodyKind::Text);
        assert_eq!(d.text.as_deref(), Some(r#"{"a":"#));
        assert!(d.errors[0].starts_with("invalid JSON"), "{:?}", d.errors);
    }

    #[test]
    fn untyped_json_is_detected() {
        assert_eq!(decode(None, None, b" [1]").kind, BodyKind::Json);
        assert_eq!(decode(None, None, b"[not json").kind, BodyKind::Text);
    }

    #[test]
    fn form_fields_in_order_with_duplicates() {
        let d = decode(Some("application/x-www-form-urlencoded"), None, b"a=1&b=x+y&a=%C3%A9");
        let f = d.form.unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].value, "x y");
        assert_eq!(f[2].value, "é");
    }

    #[test]
    fn gzip_then_json() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(br#"{"ok":true}"#).unwrap();
        let gz = enc.finish().unwrap();
        let d = decode(Some("application/json"), Some("gzip"), &gz);
        assert_eq!(d.kind, BodyKind::Json);
        assert_eq!(d.content_encoding, vec!["gzip"]);
        assert_eq!(d.decoded_size, Some(11));
    }

    #[test]
    fn deflate_zlib_and_raw() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"hello").unwrap();
        let z = z.finish().unwrap();
        assert_eq!(decode(Some("text/plain"), Some("deflate"), &z).text.as_deref(), Some("hello"));
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(b"hello").unwrap();
        let r = r.finish().unwrap();
        assert_eq!(decode(Some("text/plain"), Some("deflate"), &r).text.as_deref(), Some("hello"));
    }

    #[test]
    fn brotli() {
        // "hello" compressed with brotli (quality 11).
        let br = [0x0b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03];
        assert_eq!(decode(Some("text/plain"), Some("br"), &br).text.as_deref(), Some("hello"));
    }

    #[test]
    fn gzip_bomb_is_bounded() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&zeros).unwrap();
        let gz = enc.finish().unwrap();
        let (out, truncated) = decode_content_encoding(&["gzip".into()], &gz, 1024 * 1024).unwrap();
        assert!(truncated);
        assert_eq!(out.len(), 1024 * 1024);
    }

    #[test]
    fn bad_gzip_keeps_a_clear_error() {
        let d = decode(Some("application/json"), Some("gzip"), b"not gzip");
        assert_eq!(d.kind, BodyKind::Binary);
        assert!(d.errors[0].contains("gzip"), "{:?}", d.errors);
    }

    #[test]
    fn binary_and_xml() {
        assert_eq!(
            decode(Some("application/octet-stream"), None, &[0xff, 0x00, 0x12]).kind,
            BodyKind::Binary
        );
        assert_eq!(decode(Some("application/xml"), None, b"<a/>").kind, BodyKind::Xml);
        assert_eq!(decode(None, None, b"<?xml version=\"1.0\"?><a/>").kind, BodyKind::Xml);
    }

    #[test]
    fn content_type_params() {
        assert_eq!(
            content_type_param("multipart/form-data; boundary=\"abc\"", "boundary").as_deref(),
            Some("abc")
        );
        assert_eq!(media_type(Some("Application/JSON; charset=utf-8")), "application/json");
    }
}
