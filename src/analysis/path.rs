//! Paths into JSON documents, in the two spellings the analysis speaks:
//! JSON Pointers (RFC 6901: `/customer/email`, `/a~1b` for the key `a/b`) for
//! diffs and schemas, and merge-tag paths (`customer.email`, `items[0].id`,
//! `["odd key"].x`) for HighLevel's `{{inboundWebhookRequest.<path>}}`.

use std::fmt::Write as _;

use serde_json::Value;

/// One step into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Append `/key` (escaped) to a JSON Pointer.
pub fn push_pointer_key(ptr: &mut String, key: &str) {
    ptr.push('/');
    if !key.contains(['~', '/']) {
        ptr.push_str(key);
        return;
    }
    for ch in key.chars() {
        match ch {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

/// Append `/n` to a JSON Pointer.
pub fn push_pointer_index(ptr: &mut String, i: usize) {
    let _ = write!(ptr, "/{i}");
}

/// The JSON Pointer of a path.
pub fn to_pointer(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => push_pointer_key(&mut s, k),
            Seg::Index(i) => push_pointer_index(&mut s, *i),
        }
    }
    s
}

/// Split a JSON Pointer into its keys (unescaped). `""` is the root.
pub fn parse_pointer(ptr: &str) -> Option<Vec<String>> {
    if ptr.is_empty() {
        return Some(Vec::new());
    }
    let rest = ptr.strip_prefix('/')?;
    Some(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// Whether a key can be written after a dot in a merge-tag path.
pub fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
}

/// Append a key to a merge-tag path: `.key`, or `["odd key"]`.
pub fn push_tag_key(path: &mut String, key: &str) {
    if is_identifier(key) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        // A JSON string literal: quotes and backslashes escaped.
        path.push_str(&Value::String(key.to_owned()).to_string());
        path.push(']');
    }
}

/// The merge-tag path of a path: `customer.email`, `items[0].id`.
pub fn to_tag_path(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => push_tag_key(&mut s, k),
            Seg::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

/// HighLevel's merge tag for a path.
pub fn merge_tag(tag_path: &str) -> String {
    if tag_path.starts_with('[') {
        format!("{{{{inboundWebhookRequest{tag_path}}}}}")
    } else {
        format!("{{{{inboundWebhookRequest.{tag_path}}}}}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a field path: {path:?} ({reason} at byte {at})")]
pub struct PathError {
    pub path: String,
    pub reason: &'static str,
    pub at: usize,
}

/// Parse a merge-tag path (`customer.email`, `items[0].id`, `["odd key"]`).
pub fn parse_tag_path(path: &str) -> Result<Vec<Seg>, PathError> {
    let err = |reason, at| PathError { path: path.to_owned(), reason, at };
    let bytes = path.as_bytes();
    let mut segs = Vec::new();
    let mut i = 0;
    if bytes.is_empty() {
        return Err(err("empty path", 0));
    }
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                i += 1;
                if bytes.get(i) == Some(&b'"') {
                    // A JSON string literal up to the closing quote.
                    let start = i;
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    if i >= bytes.len() {
                        return Err(err("unterminated quoted key", start));
                    }
                    let key: String =
                        serde_json::from_str(&path[start..=i]).map_err(|_| err("bad quoted key", start))?;
                    i += 1;
                    segs.push(Seg::Key(key));
                } else {
                    let start = i;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    let n = path[start..i].parse::<usize>().map_err(|_| err("expected an index", start))?;
                    segs.push(Seg::Index(n));
                }
                if bytes.get(i) != Some(&b']') {
                    return Err(err("expected ]", i));
                }
                i += 1;
            }
            b'.' if !segs.is_empty() => {
                i += 1;
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b'.' | b'[') {
                    i += 1;
                }
                if start == i {
                    return Err(err("empty key", start));
                }
                segs.push(Seg::Key(path[start..i].to_owned()));
            }
            _ if segs.is_empty() => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b'.' | b'[') {
                    i += 1;
                }
                if start == i {
                    return Err(err("empty key", start));
                }
                segs.push(Seg::Key(path[start..i].to_owned()));
            }
            _ => return Err(err("expected . or [", i)),
        }
    }
    Ok(segs)
}

/// The value at a path, if there is one.
pub fn lookup<'a>(v: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    let mut cur = v;
    for seg in segs {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let segs = vec![Seg::Key("a/b".into()), Seg::Key("m~n".into()), Seg::Index(3)];
        assert_eq!(to_pointer(&segs), "/a~1b/m~0n/3");
        assert_eq!(parse_pointer("/a~1b/m~0n/3").unwrap(), vec!["a/b", "m~n", "3"]);
        assert_eq!(to_pointer(&[]), "");
        assert_eq!(parse_pointer("nope"), None);
    }

    #[test]
    fn tag_paths_use_dots_indices_and_quoted_keys() {
        let segs = vec![Seg::Key("items".into()), Seg::Index(0), Seg::Key("id".into())];
        assert_eq!(to_tag_path(&segs), "items[0].id");
        let odd = vec![Seg::Key("odd key".into()), Seg::Key("x".into())];
        assert_eq!(to_tag_path(&odd), "[\"odd key\"].x");
        assert_eq!(merge_tag("customer.email"), "{{inboundWebhookRequest.customer.email}}");
        assert_eq!(merge_tag("[\"a b\"]"), "{{inboundWebhookRequest[\"a b\"]}}");
        assert_eq!(parse_tag_path("items[0].id").unwrap(), segs);
        assert_eq!(parse_tag_path("[\"odd key\"].x").unwrap(), odd);
        assert!(parse_tag_path("").is_err());
        assert!(parse_tag_path("a..b").is_err());
        assert!(parse_tag_path("a[x]").is_err());
        assert!(parse_tag_path("a[\"x").is_err());
    }

    fn seg() -> impl Strategy<Value = Seg> {
        prop_oneof![
            "[a-zA-Z_][a-zA-Z0-9_]{0,6}".prop_map(Seg::Key),
            "[ -~]{0,6}".prop_map(Seg::Key),
            (0usize..50).prop_map(Seg::Index),
        ]
    }

    proptest! {
        #[test]
        fn tag_paths_round_trip(first in "[ -~]{0,6}", rest in proptest::collection::vec(seg(), 0..6)) {
            let mut segs = vec![Seg::Key(first)];
            segs.extend(rest);
            let text = to_tag_path(&segs);
            prop_assert_eq!(parse_tag_path(&text).unwrap(), segs);
        }

        #[test]
        fn pointers_round_trip(keys in proptest::collection::vec("[ -~]{0,6}", 0..6)) {
            let segs: Vec<Seg> = keys.iter().cloned().map(Seg::Key).collect();
            prop_assert_eq!(parse_pointer(&to_pointer(&segs)).unwrap(), keys);
        }
    }
}
