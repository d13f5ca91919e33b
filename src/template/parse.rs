//! The merge-tag template language: text with `{{path | filter | filter:"arg"}}`.
//!
//! - A path is a merge-tag path (`contact.email`, `items[0].sku`,
//!   `inboundWebhookRequest["odd key"]`), whitespace around it is allowed.
//! - Filters, applied left to right: `default:"x"`, `upper`, `lower`, `trim`,
//!   `json`, `urlencode`, `base64`.
//! - `\{{` is a literal `{{`.
//!
//! Parsing never fails: a piece that cannot be read is kept as literal text
//! and reported as a [`Diagnostic`] with its byte span, so the rest of the
//! template still renders and an editor can mark exactly what is wrong.

use crate::analysis::path::{Seg, parse_tag_path};

use super::Diagnostic;

/// A filter of a merge tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Default(String),
    Upper,
    Lower,
    Trim,
    Json,
    UrlEncode,
    Base64,
}

/// The filter names, for suggestions and the editor's completion.
pub const FILTERS: &[&str] = &["default", "upper", "lower", "trim", "json", "urlencode", "base64"];

/// A merge tag: `{{ path | filters }}` at `start..end` (bytes, braces included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub start: usize,
    pub end: usize,
    /// The path as written, and where it is.
    pub path: String,
    pub path_start: usize,
    pub segs: Vec<Seg>,
    pub filters: Vec<Filter>,
}

/// A template, split into literal text and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Tag(Tag),
}

/// The pieces of `src` and what was wrong with it.
pub fn parse(src: &str) -> (Vec<Piece>, Vec<Diagnostic>) {
    let mut pieces = Vec::new();
    let mut diags = Vec::new();
    let mut text = String::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    let mut lit_start = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes[i + 1..].starts_with(b"{{") {
            text.push_str(&src[lit_start..i]);
            text.push_str("{{");
            i += 3;
            lit_start = i;
            continue;
        }
        if !bytes[i..].starts_with(b"{{") {
            i += 1;
            continue;
        }
        text.push_str(&src[lit_start..i]);
        lit_start = i;
        let Some(close) = src[i + 2..].find("}}").map(|k| i + 2 + k) else {
            diags.push(Diagnostic::error("this merge tag is not closed with }}", i, src.len()));
            break;
        };
        // A `{{` inside the tag: the first one was not a tag opening.
        if let Some(k) = src[i + 2..close].find("{{") {
            let inner = i + 2 + k;
            diags.push(Diagnostic::error("this merge tag is not closed with }}", i, inner));
            i = inner;
            continue;
        }
        let end = close + 2;
        match parse_tag(src, i, close, &mut diags) {
            Some(tag) => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Tag(tag));
            }
            // Kept as written.
            None => text.push_str(&src[i..end]),
        }
        i = end;
        lit_start = end;
    }
    text.push_str(&src[lit_start.min(src.len())..]);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    (pieces, diags)
}

/// The tag between `{{` at `open` and `}}` at `close`.
fn parse_tag(src: &str, open: usize, close: usize, diags: &mut Vec<Diagnostic>) -> Option<Tag> {
    let inner_start = open + 2;
    let inner = &src[inner_start..close];
    let mut parts = split_pipes(inner);
    let (p_off, p_raw) = parts.remove(0);
    let path = p_raw.trim();
    let path_start = inner_start + p_off + (p_raw.len() - p_raw.trim_start().len());
    if path.is_empty() {
        diags.push(Diagnostic::error(
            "an empty merge tag: write a path such as {{contact.email}}",
            open,
            close + 2,
        ));
        return None;
    }
    let segs = match parse_tag_path(path) {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic::error(
                &format!("{{{{{path}}}}} is not a merge-tag path: {}", e.reason),
                path_start + e.at.min(path.len().saturating_sub(1)),
                path_start + path.len(),
            ));
            return None;
        }
    };
    let mut filters = Vec::new();
    let mut ok = true;
    for (off, raw) in parts {
        let at = inner_start + off + (raw.len() - raw.trim_start().len());
        let spec = raw.trim();
        match parse_filter(spec) {
            Ok(f) => filters.push(f),
            Err(msg) => {
                let name = spec.split(':').next().unwrap_or_default().trim();
                let mut d = Diagnostic::error(&msg, at, at + spec.len().max(1));
                if !FILTERS.contains(&name) {
                    d.suggestion = super::nearest(name, FILTERS.iter().copied()).map(str::to_owned);
                }
                diags.push(d);
                ok = false;
            }
        }
    }
    ok.then(|| Tag { start: open, end: close + 2, path: path.to_owned(), path_start, segs, filters })
}

/// Split the inside of a tag at `|` outside quoted strings: (offset, part).
fn split_pipes(inner: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '|' if !in_str => {
                out.push((start, &inner[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, &inner[start..]));
    out
}

fn parse_filter(spec: &str) -> Result<Filter, String> {
    let (name, arg) = match spec.split_once(':') {
        Some((n, a)) => (n.trim(), Some(a.trim())),
        None => (spec, None),
    };
    let no_arg = |f: Filter| match arg {
        None => Ok(f),
        Some(_) => Err(format!("the {name} filter takes no argument")),
    };
    match name {
        "default" => {
            let arg = arg.ok_or("default needs a value: default:\"n/a\"")?;
            let v = if arg.starts_with('"') {
                serde_json::from_str::<String>(arg)
                    .map_err(|_| format!("default's value {arg} is not a quoted string"))?
            } else if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
            {
                arg.to_owned()
            } else {
                return Err(format!("default's value {arg} must be quoted: default:\"…\""));
            };
            Ok(Filter::Default(v))
        }
        "upper" => no_arg(Filter::Upper),
        "lower" => no_arg(Filter::Lower),
        "trim" => no_arg(Filter::Trim),
        "json" => no_arg(Filter::Json),
        "urlencode" => no_arg(Filter::UrlEncode),
        "base64" => no_arg(Filter::Base64),
        "" => Err("an empty filter after |".to_owned()),
        other => Err(format!("unknown filter {other:?} (filters: {})", FILTERS.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(src: &str) -> Vec<Tag> {
        let (pieces, diags) = parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        pieces
            .into_iter()
            .filter_map(|p| match p {
                Piece::Tag(t) => Some(t),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn tags_paths_filters_and_spans() {
        let t = tags(r#"Hi {{ contact.first_name | default:"there" | upper }}!"#);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].path, "contact.first_name");
        assert_eq!((t[0].start, t[0].end, t[0].path_start), (3, 53, 6));
        assert_eq!(t[0].filters, [Filter::Default("there".into()), Filter::Upper]);
        let t = tags(r#"{{inboundWebhookRequest.items[0]["sku id"]}}"#);
        assert_eq!(
            t[0].segs,
            [
                Seg::Key("inboundWebhookRequest".into()),
                Seg::Key("items".into()),
                Seg::Index(0),
                Seg::Key("sku id".into())
            ]
        );
        // A pipe inside a quoted argument is part of it.
        assert_eq!(tags(r#"{{a|default:"x|y"}}"#)[0].filters, [Filter::Default("x|y".into())]);
    }

    #[test]
    fn literal_text_and_escapes() {
        let (pieces, diags) = parse(r"a \{{not a tag}} b {{x}} c");
        assert!(diags.is_empty());
        assert_eq!(pieces[0], Piece::Text("a {{not a tag}} b ".into()));
        assert_eq!(pieces[2], Piece::Text(" c".into()));
        let (pieces, _) = parse("no tags, just {braces}");
        assert_eq!(pieces, [Piece::Text("no tags, just {braces}".into())]);
    }

    #[test]
    fn mistakes_are_reported_where_they_are_and_kept_as_text() {
        let (pieces, d) = parse("x {{contact.email");
        assert_eq!((d[0].start, d[0].end), (2, 17));
        assert_eq!(pieces, [Piece::Text("x {{contact.email".into())]);

        let (_, d) = parse("{{ }}");
        assert!(d[0].message.contains("empty"), "{d:?}");

        let (_, d) = parse("{{a | uper}}");
        assert_eq!((d[0].start, d[0].end), (6, 10));
        assert_eq!(d[0].suggestion.as_deref(), Some("upper"));

        let (_, d) = parse("{{a..b}}");
        assert!(d[0].message.contains("not a merge-tag path"), "{d:?}");

        let (_, d) = parse("{{a|default:x y}}");
        assert!(d[0].message.contains("quoted"), "{d:?}");

        // An opening without its close, then a good tag.
        let (pieces, d) = parse("{{a {{b}}");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].start, d[0].end), (0, 4));
        assert!(matches!(&pieces[1], Piece::Tag(t) if t.path == "b"), "{pieces:?}");
    }

    #[test]
    fn spans_are_byte_offsets_in_utf8() {
        let t = tags("é {{x}}");
        assert_eq!((t[0].start, t[0].end), (3, 8));
    }
}
