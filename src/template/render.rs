//! Rendering a template: each tag's value, through its filters, written the
//! way the place it stands in needs.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::Diagnostic;
use super::context::{Context, ROOTS};
use super::parse::{Filter, Piece, Tag, parse};

/// Where the rendered text goes, which decides how a value is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// As is (a raw body, a form field value before encoding).
    #[default]
    Text,
    /// A JSON body: inside a string literal a value is escaped as string
    /// content; elsewhere it is written as JSON (a missing value as `null`).
    Json,
    /// A URL or a query value: percent-encoded (RFC 3986 unreserved kept).
    Url,
    /// A header value: as is, but a line break would end the header, so it is
    /// replaced by a space and reported.
    Header,
}

/// The output of a template and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Rendered {
    pub output: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Render `src` against `ctx` for `mode`.
pub fn render(src: &str, ctx: &Context, mode: Mode) -> Rendered {
    let (pieces, mut diagnostics) = parse(src);
    let mut out = String::with_capacity(src.len());
    let mut json = JsonLexer::default();
    let mut known: Option<Vec<String>> = None;
    for piece in &pieces {
        match piece {
            Piece::Text(t) => {
                out.push_str(t);
                if mode == Mode::Json {
                    json.feed(t);
                }
            }
            Piece::Tag(tag) => {
                let found = ctx.get(&tag.segs);
                // A tag with a default says what to use when the value is missing: no warning.
                let has_default = tag.filters.iter().any(|f| matches!(f, Filter::Default(_)));
                if found.is_none() && !has_default {
                    let known = known.get_or_insert_with(|| ctx.known_paths());
                    diagnostics.push(unknown_tag(tag, known));
                }
                let value = apply_filters(found.cloned(), &tag.filters);
                write_value(&mut out, value, mode, json.in_string, tag, &mut diagnostics);
            }
        }
    }
    diagnostics.sort_by_key(|d| (d.start, d.end));
    Rendered { output: out, diagnostics }
}

fn unknown_tag(tag: &Tag, known: &[String]) -> Diagnostic {
    let root_known = tag
        .segs
        .first()
        .is_some_and(|s| matches!(s, crate::analysis::path::Seg::Key(k) if ROOTS.contains(&k.as_str())));
    // `{{email}}` is closest to `contact.email` once the root is set aside.
    let best = known
        .iter()
        .map(|k| {
            let without_root = k.split_once(['.', '[']).map(|(_, r)| r.trim_start_matches('.')).unwrap_or(k);
            let d = super::levenshtein(&tag.path, k).min(super::levenshtein(&tag.path, without_root));
            (d, k.len(), k.as_str())
        })
        .min();
    let suggestion =
        best.filter(|(d, _, _)| super::is_close(&tag.path, *d)).map(|(_, _, k)| format!("{{{{{k}}}}}"));
    let mut message = if root_known {
        format!("{{{{{}}}}} has no value here", tag.path)
    } else {
        format!("unknown merge tag {{{{{}}}}} (tags start with {})", tag.path, ROOTS.join(", "))
    };
    if let Some(s) = &suggestion {
        message.push_str(&format!("; did you mean {s}?"));
    }
    Diagnostic::warning(message, tag.start, tag.end, suggestion)
}

/// `None`: no value (missing).
fn apply_filters(mut v: Option<Value>, filters: &[Filter]) -> Option<Value> {
    for f in filters {
        v = match f {
            Filter::Default(d) => match &v {
                None | Some(Value::Null) => Some(Value::String(d.clone())),
                Some(Value::String(s)) if s.is_empty() => Some(Value::String(d.clone())),
                _ => v,
            },
            Filter::Json => {
                Some(Value::String(v.as_ref().map(Value::to_string).unwrap_or_else(|| "null".into())))
            }
            _ => v.map(|v| {
                let s = text_of(&v);
                Value::String(match f {
                    Filter::Upper => s.to_uppercase(),
                    Filter::Lower => s.to_lowercase(),
                    Filter::Trim => s.trim().to_owned(),
                    Filter::UrlEncode => percent_encode(&s),
                    Filter::Base64 => base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
                    Filter::Default(_) | Filter::Json => unreachable!("handled above"),
                })
            }),
        };
    }
    v
}

/// A value as text: strings as they are, null as nothing, the rest as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn write_value(
    out: &mut String,
    v: Option<Value>,
    mode: Mode,
    in_json_string: bool,
    tag: &Tag,
    diags: &mut Vec<Diagnostic>,
) {
    match mode {
        Mode::Text => out.push_str(&v.as_ref().map(text_of).unwrap_or_default()),
        Mode::Url => out.push_str(&percent_encode(&v.as_ref().map(text_of).unwrap_or_default())),
        Mode::Header => {
            let s = v.as_ref().map(text_of).unwrap_or_default();
            if s.contains(['\r', '\n']) {
                diags.push(Diagnostic::error(
                    &format!(
                        "{{{{{}}}}} has a line break, which cannot be in a header: replaced by a space",
                        tag.path
                    ),
                    tag.start,
                    tag.end,
                ));
                out.push_str(&s.replace("\r\n", " ").replace(['\r', '\n'], " "));
            } else {
                out.push_str(&s);
            }
        }
        Mode::Json if in_json_string => {
            let s = v.as_ref().map(text_of).unwrap_or_default();
            let quoted = Value::String(s).to_string();
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        Mode::Json => out.push_str(&v.unwrap_or(Value::Null).to_string()),
    }
}

/// Percent-encode everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether the literal JSON text so far ends inside a string literal.
#[derive(Default)]
struct JsonLexer {
    in_string: bool,
    escaped: bool,
}

impl JsonLexer {
    fn feed(&mut self, text: &str) {
        for c in text.chars() {
            if self.escaped {
                self.escaped = false;
            } else if self.in_string && c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = !self.in_string;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::sample_contact;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new().with("contact", sample_contact()).with(
            "inboundWebhookRequest",
            json!({"note": "say \"hi\"\nbye", "n": 3, "tags": ["a", "b"], "empty": ""}),
        )
    }

    fn out(src: &str, mode: Mode) -> String {
        let r = render(src, &ctx(), mode);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        r.output
    }

    #[test]
    fn values_filters_and_text() {
        assert_eq!(out("Hi {{contact.first_name}}!", Mode::Text), "Hi Maria!");
        assert_eq!(out("{{ contact.first_name | upper }}", Mode::Text), "MARIA");
        assert_eq!(out("{{inboundWebhookRequest.empty | default:\"n/a\"}}", Mode::Text), "n/a");
        assert_eq!(out("{{inboundWebhookRequest.tags}}", Mode::Text), r#"["a","b"]"#);
        assert_eq!(out("{{inboundWebhookRequest.tags[1]}}", Mode::Text), "b");
        assert_eq!(out("{{contact.first_name | base64}}", Mode::Text), "TWFyaWE=");
        assert_eq!(out("{{contact.email|urlencode}}", Mode::Text), "maria.silva%40example.com");
        assert_eq!(out("{{inboundWebhookRequest.n | json}}", Mode::Text), "3");
    }

    #[test]
    fn json_bodies_stay_json() {
        let body = out(
            r#"{"note": "{{inboundWebhookRequest.note}}", "n": {{inboundWebhookRequest.n}}, "tags": {{inboundWebhookRequest.tags}}, "who": {{contact.first_name}}}"#,
            Mode::Json,
        );
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(v["note"], "say \"hi\"\nbye");
        assert_eq!(v["n"], 3);
        assert_eq!(v["tags"], json!(["a", "b"]));
        assert_eq!(v["who"], "Maria");
        // A quote escaped in the literal text does not end the string.
        assert_eq!(out(r#"{"a": "x\" {{contact.first_name}}"}"#, Mode::Json), r#"{"a": "x\" Maria"}"#);
        // A missing value outside a string is null, so the body stays valid.
        let r = render(r#"{"a": {{contact.nope}}}"#, &ctx(), Mode::Json);
        assert_eq!(r.output, r#"{"a": null}"#);
    }

    #[test]
    fn urls_and_headers() {
        assert_eq!(
            out("https://x.test/c?email={{contact.email}}&q={{contact.name}}", Mode::Url),
            "https://x.test/c?email=maria.silva%40example.com&q=Maria%20Silva"
        );
        let r = render("X-Note: {{inboundWebhookRequest.note}}", &ctx(), Mode::Header);
        assert_eq!(r.output, "X-Note: say \"hi\" bye");
        assert!(r.diagnostics[0].message.contains("line break"), "{:?}", r.diagnostics);
    }

    #[test]
    fn unknown_tags_say_what_was_meant() {
        let r = render("to {{email}} and {{contact.emial}} and {{zzzzzz.qqqq}}", &ctx(), Mode::Text);
        assert_eq!(r.output, "to  and  and ");
        let d = &r.diagnostics;
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!((d[0].start, d[0].end), (3, 12));
        assert_eq!(d[0].suggestion.as_deref(), Some("{{contact.email}}"));
        assert!(d[0].message.contains("did you mean {{contact.email}}?"), "{}", d[0].message);
        assert_eq!(d[1].suggestion.as_deref(), Some("{{contact.email}}"));
        assert!(d[1].message.contains("has no value"), "{}", d[1].message);
        assert_eq!(d[2].suggestion, None);
        assert!(d.iter().all(|d| d.severity == crate::template::Severity::Warning));
    }
}
