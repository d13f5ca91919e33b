//! The structured diff of two captures: method, path, query, headers (added,
//! removed, changed, moved) and the body: structurally by JSON Pointer for two
//! JSON bodies (arrays matched by index, or by an id-like key both sides
//! have), a line diff for text, size and hash for binary.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::lines::{LineOp, line_diff};
use super::path::{push_pointer_index, push_pointer_key};
use super::volatile;
use crate::model::Header;

/// Which capture a side of a diff is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CaptureRef {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub endpoint_id: i64,
    pub method: String,
    pub path: String,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub received_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeArea {
    Method,
    Path,
    Query,
    Header,
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    TypeChanged,
    /// Same value, another place: `a` and `b` are the indices.
    Moved,
}

/// One difference between the two captures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Change {
    pub area: ChangeArea,
    /// Body: a JSON Pointer (`""` is the root). Query: the parameter name.
    /// Header: the lower-case name (`name#2` for its second occurrence).
    pub path: String,
    pub kind: ChangeKind,
    #[schema(value_type = Option<Object>)]
    pub a: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub b: Option<Value>,
    /// The path or header looks like a per-delivery value (time, id, signature).
    pub volatile: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BodyDiffKind {
    Json,
    Text,
    Binary,
    Empty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct BodyDiff {
    pub kind: BodyDiffKind,
    /// The line diff, for text bodies (when one of them is not JSON).
    pub lines: Option<Vec<LineOp>>,
    #[ts(type = "number")]
    pub a_size: i64,
    #[ts(type = "number")]
    pub b_size: i64,
    pub a_sha256: String,
    pub b_sha256: String,
}

/// `GET /api/v1/diff`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct DiffResult {
    pub a: CaptureRef,
    pub b: CaptureRef,
    pub changes: Vec<Change>,
    pub body: BodyDiff,
    /// Volatile changes left out (`ignore_volatile`).
    pub hidden_volatile: u32,
}

/// One side of a diff: what the diff looks at of a capture.
#[derive(Debug, Clone)]
pub struct DiffSide {
    pub capture: CaptureRef,
    pub query: Option<String>,
    pub headers: Vec<Header>,
    pub content_type: Option<String>,
    pub body: bytes::Bytes,
    pub body_sha256: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    pub ignore_volatile: bool,
}

/// Diff two captures.
pub fn diff(a: &DiffSide, b: &DiffSide, opts: DiffOptions) -> DiffResult {
    let mut changes = Vec::new();
    for (area, old, new) in [
        (ChangeArea::Method, &a.capture.method, &b.capture.method),
        (ChangeArea::Path, &a.capture.path, &b.capture.path),
    ] {
        if old != new {
            changes.push(change(
                area,
                String::new(),
                ChangeKind::Changed,
                Some(json!(old)),
                Some(json!(new)),
                false,
            ));
        }
    }
    diff_query(a.query.as_deref(), b.query.as_deref(), &mut changes);
    diff_headers(&a.headers, &b.headers, &mut changes);
    let body = diff_body(a, b, &mut changes);
    let mut hidden = 0u32;
    if opts.ignore_volatile {
        changes.retain(|c| {
            if c.volatile {
                hidden = hidden.saturating_add(1);
            }
            !c.volatile
        });
    }
    DiffResult { a: a.capture.clone(), b: b.capture.clone(), changes, body, hidden_volatile: hidden }
}

fn change(
    area: ChangeArea,
    path: String,
    kind: ChangeKind,
    a: Option<Value>,
    b: Option<Value>,
    volatile: bool,
) -> Change {
    Change { area, path, kind, a, b, volatile }
}

/// Names with an occurrence suffix: the second `x` is `x#2`.
fn keyed<'a>(pairs: impl Iterator<Item = (String, &'a str)>) -> Vec<(String, &'a str)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    pairs
        .map(|(name, value)| {
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 { name } else { format!("{name}#{n}") };
            (key, value)
        })
        .collect()
}

fn diff_query(a: Option<&str>, b: Option<&str>, out: &mut Vec<Change>) {
    let parse = |q: Option<&str>| -> Vec<(String, String)> {
        form_urlencoded::parse(q.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let (pa, pb) = (parse(a), parse(b));
    let ka = keyed(pa.iter().map(|(k, v)| (k.clone(), v.as_str())));
    let kb = keyed(pb.iter().map(|(k, v)| (k.clone(), v.as_str())));
    let mb: HashMap<&str, &str> = kb.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let ma: HashMap<&str, &str> = ka.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let vol = |k: &str| volatile::key(k.split('#').next().unwrap_or(k));
    for (k, va) in &ka {
        match mb.get(k.as_str()) {
            None => out.push(change(
                ChangeArea::Query,
                k.clone(),
                ChangeKind::Removed,
                Some(json!(va)),
                None,
                vol(k),
            )),
            Some(vb) if vb != va => out.push(change(
                ChangeArea::Query,
                k.clone(),
                ChangeKind::Changed,
                Some(json!(va)),
                Some(json!(vb)),
                vol(k) || volatile::value(&json!(va)) && volatile::value(&json!(vb)),
            )),
            Some(_) => {}
        }
    }
    for (k, vb) in &kb {
        if !ma.contains_key(k.as_str()) {
            out.push(change(ChangeArea::Query, k.clone(), ChangeKind::Added, None, Some(json!(vb)), vol(k)));
        }
    }
}

fn header_value(h: &Header) -> &str {
    h.value_base64.as_deref().unwrap_or(&h.value)
}

fn diff_headers(a: &[Header], b: &[Header], out: &mut Vec<Change>) {
    let ka = keyed(a.iter().map(|h| (h.name.to_ascii_lowercase(), header_value(h))));
    let kb = keyed(b.iter().map(|h| (h.name.to_ascii_lowercase(), header_value(h))));
    let index_b: HashMap<&str, usize> = kb.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i)).collect();
    let index_a: HashMap<&str, usize> = ka.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i)).collect();
    let text = |h: &Header| json!(h.value);
    for (i, (k, va)) in ka.iter().enumerate() {
        match index_b.get(k.as_str()) {
            None => out.push(change(
                ChangeArea::Header,
                k.clone(),
                ChangeKind::Removed,
                Some(text(&a[i])),
                None,
                volatile::header(k),
            )),
            Some(&j) if kb[j].1 != *va => out.push(change(
                ChangeArea::Header,
                k.clone(),
                ChangeKind::Changed,
                Some(text(&a[i])),
                Some(text(&b[j])),
                volatile::header(k),
            )),
            Some(_) => {}
        }
    }
    for (j, (k, _)) in kb.iter().enumerate() {
        if !index_a.contains_key(k.as_str()) {
            out.push(change(
                ChangeArea::Header,
                k.clone(),
                ChangeKind::Added,
                None,
                Some(text(&b[j])),
                volatile::header(k),
            ));
        }
    }
    // Order: headers on both sides, in b's order, as a's indices. Those off the
    // longest run kept in order are the ones that moved.
    let common: Vec<(usize, usize)> =
        kb.iter().enumerate().filter_map(|(j, (k, _))| index_a.get(k.as_str()).map(|&i| (i, j))).collect();
    let seq: Vec<usize> = common.iter().map(|(i, _)| *i).collect();
    let kept = longest_increasing(&seq);
    for (n, (i, j)) in common.iter().enumerate() {
        if !kept[n] && ka[*i].1 == kb[*j].1 {
            let k = &ka[*i].0;
            out.push(change(
                ChangeArea::Header,
                k.clone(),
                ChangeKind::Moved,
                Some(json!(i)),
                Some(json!(j)),
                volatile::header(k),
            ));
        }
    }
}

/// Which positions of `seq` are on one longest strictly increasing subsequence.
fn longest_increasing(seq: &[usize]) -> Vec<bool> {
    // Patience sorting: tails[l] is the position ending the best run of length l+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (pos, &v) in seq.iter().enumerate() {
        let l = tails.partition_point(|&t| seq[t] < v);
        prev[pos] = if l > 0 { Some(tails[l - 1]) } else { None };
        if l == tails.len() {
            tails.push(pos);
        } else {
            tails[l] = pos;
        }
    }
    let mut kept = vec![false; seq.len()];
    let mut cur = tails.last().copied();
    while let Some(p) = cur {
        kept[p] = true;
        cur = prev[p];
    }
    kept
}

/// Bodies at least this large (both) are parsed on two threads.
const PARALLEL_PARSE: usize = 256 * 1024;

/// A body as the diff sees it.
enum Body {
    Empty,
    Json(Value),
    Text,
    Binary,
}

fn is_json_type(content_type: Option<&str>) -> bool {
    let mt = crate::decode::media_type(content_type);
    mt == "application/json" || mt.ends_with("+json") || mt == "text/json"
}

/// The body with its content codings undone (bounded), or the raw bytes if that fails.
fn decoded_bytes(side: &DiffSide) -> std::borrow::Cow<'_, [u8]> {
    let codings: Vec<String> = side
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-encoding"))
        .flat_map(|h| h.value.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if codings.is_empty() {
        return std::borrow::Cow::Borrowed(&side.body[..]);
    }
    match crate::decode::decode_content_encoding(&codings, &side.body, crate::decode::MAX_DECODED) {
        Ok((b, _)) => std::borrow::Cow::Owned(b),
        Err(_) => std::borrow::Cow::Borrowed(&side.body[..]),
    }
}

fn classify(bytes: &[u8], content_type: Option<&str>) -> Body {
    if bytes.is_empty() {
        return Body::Empty;
    }
    let starts_like_json = matches!(bytes.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['));
    if (starts_like_json || is_json_type(content_type))
        && let Ok(v) = serde_json::from_slice::<Value>(bytes)
    {
        return Body::Json(v);
    }
    match std::str::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') => Body::Text,
        _ => Body::Binary,
    }
}

fn size_and_hash(side: &DiffSide) -> Value {
    json!({ "size": side.body.len(), "sha256": side.body_sha256 })
}

fn diff_body(a: &DiffSide, b: &DiffSide, out: &mut Vec<Change>) -> BodyDiff {
    let (ra, rb) = (decoded_bytes(a), decoded_bytes(b));
    let (cta, ctb) = (a.content_type.as_deref(), b.content_type.as_deref());
    let (ca, cb) = if ra.len().min(rb.len()) >= PARALLEL_PARSE {
        // Parsing is most of the work for large bodies: one of them on another thread.
        std::thread::scope(|s| {
            let other = s.spawn(|| classify(&rb, ctb));
            let ca = classify(&ra, cta);
            (ca, other.join().unwrap_or(Body::Binary))
        })
    } else {
        (classify(&ra, cta), classify(&rb, ctb))
    };
    let mut diff = BodyDiff {
        kind: BodyDiffKind::Empty,
        lines: None,
        a_size: a.body.len() as i64,
        b_size: b.body.len() as i64,
        a_sha256: a.body_sha256.clone(),
        b_sha256: b.body_sha256.clone(),
    };
    let differ = ra[..] != rb[..];
    match (&ca, &cb) {
        (Body::Empty, Body::Empty) => {}
        (Body::Json(va), Body::Json(vb)) => {
            diff.kind = BodyDiffKind::Json;
            json_diff(va, vb, out);
        }
        (Body::Empty, Body::Json(v)) => {
            diff.kind = BodyDiffKind::Json;
            out.push(change(
                ChangeArea::Body,
                String::new(),
                ChangeKind::Added,
                None,
                Some(v.clone()),
                false,
            ));
        }
        (Body::Json(v), Body::Empty) => {
            diff.kind = BodyDiffKind::Json;
            out.push(change(
                ChangeArea::Body,
                String::new(),
                ChangeKind::Removed,
                Some(v.clone()),
                None,
                false,
            ));
        }
        (Body::Binary, _) | (_, Body::Binary) => diff.kind = BodyDiffKind::Binary,
        _ => {
            diff.kind = BodyDiffKind::Text;
            let ta = std::str::from_utf8(&ra).unwrap_or("");
            let tb = std::str::from_utf8(&rb).unwrap_or("");
            diff.lines = Some(line_diff(ta, tb));
        }
    }
    // Binary and text bodies that differ are one change of the whole body.
    if differ && matches!(diff.kind, BodyDiffKind::Binary | BodyDiffKind::Text) {
        out.push(change(
            ChangeArea::Body,
            String::new(),
            ChangeKind::Changed,
            Some(size_and_hash(a)),
            Some(size_and_hash(b)),
            false,
        ));
    }
    diff
}

/// The structural diff of two JSON documents, by JSON Pointer.
pub fn json_diff(a: &Value, b: &Value, out: &mut Vec<Change>) {
    let mut path = String::new();
    walk(a, b, &mut path, None, out);
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn body_change(
    path: &str,
    kind: ChangeKind,
    a: Option<&Value>,
    b: Option<&Value>,
    key: Option<&str>,
) -> Change {
    let vol = key.is_some_and(volatile::key)
        || (kind == ChangeKind::Changed && a.is_some_and(volatile::value) && b.is_some_and(volatile::value));
    change(ChangeArea::Body, path.to_owned(), kind, a.cloned(), b.cloned(), vol)
}

fn walk(a: &Value, b: &Value, path: &mut String, key: Option<&str>, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                let len = path.len();
                push_pointer_key(path, k);
                match mb.get(k) {
                    Some(vb) => walk(va, vb, path, Some(k), out),
                    None => out.push(body_change(path, ChangeKind::Removed, Some(va), None, Some(k))),
                }
                path.truncate(len);
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    let len = path.len();
                    push_pointer_key(path, k);
                    out.push(body_change(path, ChangeKind::Added, None, Some(vb), Some(k)));
                    path.truncate(len);
                }
            }
        }
        (Value::Array(xa), Value::Array(xb)) => match id_key(xa, xb) {
            Some(id) => walk_by_id(xa, xb, &id, path, key, out),
            None => walk_by_index(xa, xb, path, key, out),
        },
        _ if !same_type(a, b) => out.push(body_change(path, ChangeKind::TypeChanged, Some(a), Some(b), key)),
        _ if a != b => out.push(body_change(path, ChangeKind::Changed, Some(a), Some(b), key)),
        _ => {}
    }
}

fn walk_by_index(xa: &[Value], xb: &[Value], path: &mut String, key: Option<&str>, out: &mut Vec<Change>) {
    for i in 0..xa.len().max(xb.len()) {
        let len = path.len();
        push_pointer_index(path, i);
        match (xa.get(i), xb.get(i)) {
            (Some(va), Some(vb)) => walk(va, vb, path, key, out),
            (Some(va), None) => out.push(body_change(path, ChangeKind::Removed, Some(va), None, key)),
            (None, Some(vb)) => out.push(body_change(path, ChangeKind::Added, None, Some(vb), key)),
            (None, None) => {}
        }
        path.truncate(len);
    }
}

/// The id-like key every element on both sides has, with a scalar value unique on its side.
fn id_key(xa: &[Value], xb: &[Value]) -> Option<String> {
    if xa.is_empty() || xb.is_empty() {
        return None;
    }
    let first = xa[0].as_object()?;
    let mut candidates: Vec<&String> = Vec::new();
    for name in ["id", "_id", "uuid", "key"] {
        if let Some((k, _)) = first.get_key_value(name) {
            candidates.push(k);
        }
    }
    candidates.extend(first.keys().filter(|k| k.len() > 2 && k.ends_with("Id")));
    candidates.into_iter().find(|k| unique_ids(xa, k) && unique_ids(xb, k)).cloned()
}

fn id_of<'a>(v: &'a Value, key: &str) -> Option<IdValue<'a>> {
    match v.as_object()?.get(key)? {
        Value::String(s) => Some(IdValue::Str(s)),
        Value::Number(n) => Some(IdValue::Num(n.to_string())),
        _ => None,
    }
}

#[derive(PartialEq, Eq, Hash)]
enum IdValue<'a> {
    Str(&'a str),
    Num(String),
}

fn unique_ids(xs: &[Value], key: &str) -> bool {
    if xs.len() <= 16 {
        // Small arrays (the common case): no allocation.
        return xs.iter().enumerate().all(|(i, v)| {
            id_of(v, key)
                .is_some_and(|id| xs[..i].iter().all(|w| id_of(w, key).is_some_and(|other| other != id)))
        });
    }
    let mut seen = HashSet::with_capacity(xs.len());
    xs.iter().all(|v| id_of(v, key).is_some_and(|id| seen.insert(id)))
}

fn walk_by_id(
    xa: &[Value],
    xb: &[Value],
    id: &str,
    path: &mut String,
    key: Option<&str>,
    out: &mut Vec<Change>,
) {
    // Same ids in the same places: matching by id is matching by index.
    if xa.len() == xb.len() && xa.iter().zip(xb).all(|(va, vb)| id_of(va, id) == id_of(vb, id)) {
        return walk_by_index(xa, xb, path, key, out);
    }
    let index_a: HashMap<IdValue, usize> =
        xa.iter().enumerate().filter_map(|(i, v)| Some((id_of(v, id)?, i))).collect();
    let mut matched_b = vec![false; xb.len()];
    let mut order: Vec<(usize, usize)> = Vec::new();
    let mut in_b = vec![false; xa.len()];
    for (j, vb) in xb.iter().enumerate() {
        if let Some(&i) = id_of(vb, id).and_then(|k| index_a.get(&k)) {
            matched_b[j] = true;
            in_b[i] = true;
            order.push((i, j));
        }
    }
    for (i, va) in xa.iter().enumerate() {
        if !in_b[i] {
            let len = path.len();
            push_pointer_index(path, i);
            out.push(body_change(path, ChangeKind::Removed, Some(va), None, key));
            path.truncate(len);
        }
    }
    let seq: Vec<usize> = order.iter().map(|(i, _)| *i).collect();
    let kept = longest_increasing(&seq);
    for (n, &(i, j)) in order.iter().enumerate() {
        let len = path.len();
        push_pointer_index(path, j);
        if !kept[n] {
            out.push(change(
                ChangeArea::Body,
                path.clone(),
                ChangeKind::Moved,
                Some(json!(i)),
                Some(json!(j)),
                false,
            ));
        }
        walk(&xa[i], &xb[j], path, key, out);
        path.truncate(len);
    }
    for (j, vb) in xb.iter().enumerate() {
        if !matched_b[j] {
            let len = path.len();
            push_pointer_index(path, j);
            out.push(body_change(path, ChangeKind::Added, None, Some(vb), key));
            path.truncate(len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn side(id: i64, headers: &[(&str, &str)], query: Option<&str>, ct: &str, body: &[u8]) -> DiffSide {
        DiffSide {
            capture: CaptureRef {
                id,
                endpoint_id: 1,
                method: "POST".into(),
                path: "/h/x".into(),
                received_at: id,
            },
            query: query.map(str::to_owned),
            headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            content_type: Some(ct.to_owned()),
            body: bytes::Bytes::copy_from_slice(body),
            body_sha256: crate::analysis::sha256_hex(body),
        }
    }

    fn body_changes(a: Value, b: Value) -> Vec<(String, ChangeKind)> {
        let mut out = Vec::new();
        json_diff(&a, &b, &mut out);
        out.into_iter().map(|c| (c.path, c.kind)).collect()
    }

    #[test]
    fn objects_added_removed_changed_and_type_changed() {
        let got = body_changes(
            json!({"customer": {"email": "a@x", "name": "A"}, "tags": "vip", "n": 1, "gone": true}),
            json!({"customer": {"email": "b@x", "name": "A"}, "tags": ["vip"], "n": 1, "new": null}),
        );
        assert_eq!(
            got,
            vec![
                ("/customer/email".into(), ChangeKind::Changed),
                ("/gone".into(), ChangeKind::Removed),
                ("/tags".into(), ChangeKind::TypeChanged),
                ("/new".into(), ChangeKind::Added),
            ]
        );
    }

    #[test]
    fn keys_are_escaped_in_pointers() {
        let got = body_changes(json!({"a/b": 1, "m~n": 1}), json!({"a/b": 2, "m~n": 2}));
        assert_eq!(got, vec![("/a~1b".into(), ChangeKind::Changed), ("/m~0n".into(), ChangeKind::Changed)]);
        assert_eq!(body_changes(json!(1), json!("1")), vec![("".into(), ChangeKind::TypeChanged)]);
    }

    #[test]
    fn arrays_by_index_and_by_id() {
        assert_eq!(
            body_changes(json!([1, 2, 3]), json!([1, 5])),
            vec![("/1".into(), ChangeKind::Changed), ("/2".into(), ChangeKind::Removed)]
        );
        // An element inserted at the front: by id, only it is new; the rest matched.
        let got = body_changes(
            json!({"items": [{"id": "a", "q": 1}, {"id": "b", "q": 2}]}),
            json!({"items": [{"id": "z", "q": 0}, {"id": "a", "q": 1}, {"id": "b", "q": 3}]}),
        );
        assert_eq!(
            got,
            vec![("/items/2/q".into(), ChangeKind::Changed), ("/items/0".into(), ChangeKind::Added)]
        );
        // Swapped elements are moved.
        let got = body_changes(
            json!([{"sku": 1, "productId": 7}, {"sku": 2, "productId": 8}]),
            json!([{"sku": 2, "productId": 8}, {"sku": 1, "productId": 7}]),
        );
        assert_eq!(got, vec![("/0".into(), ChangeKind::Moved)]);
        // Without an id on every element: by index.
        let got = body_changes(json!([{"id": 1}, {"x": 1}]), json!([{"id": 2}, {"x": 1}]));
        assert_eq!(got, vec![("/0/id".into(), ChangeKind::Changed)]);
    }

    #[test]
    fn headers_added_removed_changed_and_moved() {
        let a = side(
            1,
            &[("Host", "h"), ("X-A", "1"), ("X-B", "2"), ("X-Dup", "1"), ("X-Gone", "g")],
            None,
            "text/plain",
            b"",
        );
        let b = side(
            2,
            &[("X-B", "2"), ("host", "h"), ("X-A", "9"), ("X-Dup", "1"), ("X-Dup", "2"), ("X-New", "n")],
            None,
            "text/plain",
            b"",
        );
        let d = diff(&a, &b, DiffOptions::default());
        let got: Vec<(&str, ChangeKind)> = d.changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("x-a", ChangeKind::Changed),
                ("x-gone", ChangeKind::Removed),
                ("x-dup#2", ChangeKind::Added),
                ("x-new", ChangeKind::Added),
                ("x-b", ChangeKind::Moved),
            ]
        );
        let moved = &d.changes[4];
        assert_eq!((moved.a.clone(), moved.b.clone()), (Some(json!(2)), Some(json!(0))));
        assert_eq!(d.body.kind, BodyDiffKind::Empty);
    }

    #[test]
    fn method_path_query_and_volatile() {
        let mut a = side(
            1,
            &[("Date", "Mon"), ("X-Request-Id", "1")],
            Some("a=1&ts=5&x=1"),
            "application/json",
            br#"{"id":"e1","created_at":"2026-01-01T00:00:00Z","amount":5,"when":"2026-01-01"}"#,
        );
        let b = side(
            2,
            &[("Date", "Tue"), ("X-Request-Id", "2")],
            Some("a=2&ts=6&y=1"),
            "application/json",
            br#"{"id":"e2","created_at":"2026-01-02T00:00:00Z","amount":6,"when":"2026-01-02"}"#,
        );
        a.capture.method = "PUT".into();
        a.capture.path = "/h/x/old".into();
        let d = diff(&a, &b, DiffOptions::default());
        let areas: Vec<(ChangeArea, &str, bool)> =
            d.changes.iter().map(|c| (c.area, c.path.as_str(), c.volatile)).collect();
        assert_eq!(
            areas,
            vec![
                (ChangeArea::Method, "", false),
                (ChangeArea::Path, "", false),
                (ChangeArea::Query, "a", false),
                (ChangeArea::Query, "ts", true),
                (ChangeArea::Query, "x", false),
                (ChangeArea::Query, "y", false),
                (ChangeArea::Header, "date", true),
                (ChangeArea::Header, "x-request-id", true),
                (ChangeArea::Body, "/amount", false),
                (ChangeArea::Body, "/created_at", true),
                (ChangeArea::Body, "/id", true),
                (ChangeArea::Body, "/when", true),
            ]
        );
        let hidden = diff(&a, &b, DiffOptions { ignore_volatile: true });
        assert_eq!(hidden.hidden_volatile, 6);
        assert!(hidden.changes.iter().all(|c| !c.volatile));
        assert_eq!(hidden.changes.len(), 6);
    }

    #[test]
    fn text_binary_and_empty_bodies() {
        let a = side(1, &[], None, "text/plain", b"one\ntwo\nthree");
        let b = side(2, &[], None, "text/plain", b"one\n2\nthree");
        let d = diff(&a, &b, DiffOptions::default());
        assert_eq!(d.body.kind, BodyDiffKind::Text);
        let ops: Vec<(&str, &str)> =
            d.body.lines.as_ref().unwrap().iter().map(|l| (l.op.as_str(), l.text.as_str())).collect();
        assert_eq!(ops, vec![("equal", "one"), ("removed", "two"), ("added", "2"), ("equal", "three")]);
        assert_eq!(d.changes.len(), 1);

        let a = side(1, &[], None, "application/octet-stream", &[0, 1, 2, 0xff]);
        let b = side(2, &[], None, "application/octet-stream", &[0, 1, 3]);
        let d = diff(&a, &b, DiffOptions::default());
        assert_eq!(d.body.kind, BodyDiffKind::Binary);
        assert_eq!((d.body.a_size, d.body.b_size), (4, 3));
        assert_eq!(d.changes[0].a.as_ref().unwrap()["size"], 4);
        assert!(d.body.lines.is_none());

        let e = side(1, &[], None, "text/plain", b"");
        assert_eq!(diff(&e, &e, DiffOptions::default()).body.kind, BodyDiffKind::Empty);
        let j = side(2, &[], None, "application/json", b"{\"a\":1}");
        let d = diff(&e, &j, DiffOptions::default());
        assert_eq!((d.body.kind, d.changes[0].kind), (BodyDiffKind::Json, ChangeKind::Added));
    }

    #[test]
    fn gzip_bodies_are_compared_decoded() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(br#"{"a":2}"#).unwrap();
        let gz = enc.finish().unwrap();
        let a = side(1, &[], None, "application/json", br#"{"a":1}"#);
        let b = side(2, &[("Content-Encoding", "gzip")], None, "application/json", &gz);
        let d = diff(&a, &b, DiffOptions::default());
        assert_eq!(d.body.kind, BodyDiffKind::Json);
        assert!(d.changes.iter().any(|c| c.path == "/a" && c.kind == ChangeKind::Changed));
    }

    #[test]
    fn large_bodies_parsed_on_two_threads_diff_the_same() {
        let big = |n: i64| {
            let items: Vec<Value> =
                (0..20_000).map(|i| json!({"id": i, "v": if i == 7 { n } else { 0 }})).collect();
            json!({"items": items}).to_string()
        };
        let (ta, tb) = (big(1), big(2));
        assert!(ta.len() >= PARALLEL_PARSE);
        let a = side(1, &[], None, "application/json", ta.as_bytes());
        let b = side(2, &[], None, "application/json", tb.as_bytes());
        let d = diff(&a, &b, DiffOptions::default());
        assert_eq!(d.body.kind, BodyDiffKind::Json);
        let got: Vec<(&str, ChangeKind)> = d.changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(got, vec![("/items/7/v", ChangeKind::Changed)]);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-5i64..5).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c/~]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Apply the non-move changes of a by-index diff to `a`: the result must be `b`.
    fn apply(a: &Value, changes: &[Change]) -> Value {
        let mut v = a.clone();
        // Removals from the end first, so earlier indices stay valid.
        let mut removals: Vec<&Change> = changes.iter().filter(|c| c.kind == ChangeKind::Removed).collect();
        removals.reverse();
        for c in removals {
            let keys = crate::analysis::path::parse_pointer(&c.path).unwrap();
            let (last, parent) = keys.split_last().unwrap();
            let parent_ptr: String =
                parent.iter().map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1"))).collect();
            match v.pointer_mut(&parent_ptr).unwrap() {
                Value::Object(m) => {
                    m.remove(last);
                }
                Value::Array(xs) => {
                    xs.remove(last.parse::<usize>().unwrap());
                }
                _ => panic!("removal under a scalar"),
            }
        }
        for c in changes.iter().filter(|c| c.kind != ChangeKind::Removed) {
            if c.path.is_empty() {
                v = c.b.clone().unwrap();
                continue;
            }
            let keys = crate::analysis::path::parse_pointer(&c.path).unwrap();
            let (last, parent) = keys.split_last().unwrap();
            let parent_ptr: String =
                parent.iter().map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1"))).collect();
            let new = c.b.clone().unwrap();
            match v.pointer_mut(&parent_ptr).unwrap() {
                Value::Object(m) => {
                    m.insert(last.clone(), new);
                }
                Value::Array(xs) => {
                    let i = last.parse::<usize>().unwrap();
                    if i < xs.len() { xs[i] = new } else { xs.push(new) }
                }
                _ => panic!("change under a scalar"),
            }
        }
        v
    }

    proptest! {
        #[test]
        fn a_document_has_no_diff_with_itself(v in arb_json()) {
            let mut out = Vec::new();
            json_diff(&v, &v, &mut out);
            prop_assert!(out.is_empty());
        }

        #[test]
        fn reordered_elements_with_ids_are_only_moved(n in 1usize..40, seed in any::<u64>()) {
            let a: Vec<Value> = (0..n).map(|i| json!({"id": format!("e{i}"), "v": i})).collect();
            // A deterministic shuffle of the same elements.
            let mut b = a.clone();
            let mut x = seed | 1;
            for i in (1..b.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                b.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let mut out = Vec::new();
            json_diff(&Value::Array(a), &Value::Array(b.clone()), &mut out);
            prop_assert!(out.iter().all(|c| c.kind == ChangeKind::Moved), "{:?}", out);
            prop_assert!(out.len() < n.max(2));
            for c in &out {
                let j = c.b.as_ref().and_then(Value::as_u64).unwrap() as usize;
                prop_assert_eq!(c.path.clone(), format!("/{j}"));
                prop_assert_eq!(&b[j]["v"], c.a.as_ref().unwrap());
            }
        }

        #[test]
        fn changes_turn_a_into_b(a in arb_json(), b in arb_json()) {
            // Objects as elements with `id` keys would be matched by id; the
            // generator's keys never include one, so arrays go by index here.
            let mut out = Vec::new();
            json_diff(&a, &b, &mut out);
            prop_assert_eq!(apply(&a, &out), b);
        }
    }
}
