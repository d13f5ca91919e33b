//! What the JSON bodies of many captures look like: every path seen, its
//! types, how many captures have it, example values and enum-like candidates,
//! and the same as a JSON Schema (draft 2020-12).
//!
//! Paths are JSON Pointers where `*` stands for any element of an array
//! (`/items/*/id`); the merge-tag spelling takes the first element (`items[0].id`).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::flatten::type_name;
use super::path::{push_pointer_key, push_tag_key};

/// Example values kept per path.
const EXAMPLES: usize = 3;
/// A path with at most this many distinct values (seen more than once) is enum-like.
const ENUM_MAX: usize = 10;
/// Longest string value considered for an enum.
const ENUM_MAX_LEN: usize = 64;

/// One path of the field table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct FieldStat {
    /// JSON Pointer; `*` for any array element.
    pub path: String,
    /// The merge-tag path (`a.b`, `items[0].id`).
    pub tag_path: String,
    pub types: Vec<String>,
    /// How many captures have this path.
    #[ts(type = "number")]
    pub count: u64,
    #[schema(value_type = Vec<Object>)]
    pub examples: Vec<Value>,
    /// The few values this path takes, when it looks like an enumeration.
    #[schema(value_type = Option<Vec<Object>>)]
    pub r#enum: Option<Vec<Value>>,
    /// Not seen in the `since` capture or any before it.
    pub new_since: bool,
}

/// `GET /api/v1/endpoints/{id}/fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct FieldTable {
    /// Captures looked at.
    #[ts(type = "number")]
    pub captures: u64,
    /// Of those, the ones with a JSON body.
    #[ts(type = "number")]
    pub json_captures: u64,
    pub fields: Vec<FieldStat>,
}

#[derive(Debug, Default)]
struct Node {
    /// Documents with this path.
    docs: u64,
    last_doc: u64,
    /// Values seen here (array elements each count).
    instances: u64,
    /// Instances that were objects (for `required`).
    objects: u64,
    types: BTreeSet<&'static str>,
    examples: Vec<Value>,
    /// Distinct scalar values and how often, until there are too many.
    values: Option<Vec<(Value, u64)>>,
    keys: Vec<(String, Node)>,
    key_index: HashMap<String, usize>,
    items: Option<Box<Node>>,
}

/// Accumulates documents; then [`Inference::fields`] or [`Inference::json_schema`].
#[derive(Debug, Default)]
pub struct Inference {
    root: Node,
    docs: u64,
}

impl Inference {
    pub fn new() -> Self {
        Self::default()
    }

    /// Documents added so far.
    pub fn documents(&self) -> u64 {
        self.docs
    }

    pub fn add(&mut self, v: &Value) {
        self.docs += 1;
        add(&mut self.root, v, self.docs);
    }

    /// Every path seen (the root excluded), parents before children.
    pub fn fields(&self) -> Vec<FieldStat> {
        let mut out = Vec::new();
        for (k, child) in &self.root.keys {
            let (mut p, mut t) = (String::new(), String::new());
            push_pointer_key(&mut p, k);
            push_tag_key(&mut t, k);
            collect(child, p, t, &mut out);
        }
        if let Some(items) = &self.root.items {
            collect(items, "/*".into(), "[0]".into(), &mut out);
        }
        out
    }

    /// The set of paths seen.
    pub fn paths(&self) -> HashSet<String> {
        self.fields().into_iter().map(|f| f.path).collect()
    }

    /// A JSON Schema (draft 2020-12) for the documents seen.
    pub fn json_schema(&self, title: Option<&str>) -> Value {
        let mut s = if self.docs == 0 { Map::new() } else { schema_of(&self.root) };
        let mut doc = Map::new();
        doc.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        if let Some(t) = title {
            doc.insert("title".into(), json!(t));
        }
        doc.append(&mut s);
        Value::Object(doc)
    }
}

fn add(node: &mut Node, v: &Value, doc: u64) {
    if node.last_doc != doc {
        node.last_doc = doc;
        node.docs += 1;
    }
    node.instances += 1;
    node.types.insert(type_name(v));
    match v {
        Value::Object(m) => {
            node.objects += 1;
            for (k, child) in m {
                let i = match node.key_index.get(k) {
                    Some(&i) => i,
                    None => {
                        node.keys.push((k.clone(), Node { values: Some(Vec::new()), ..Node::default() }));
                        node.key_index.insert(k.clone(), node.keys.len() - 1);
                        node.keys.len() - 1
                    }
                };
                add(&mut node.keys[i].1, child, doc);
            }
        }
        Value::Array(xs) if !xs.is_empty() => {
            let items = node
                .items
                .get_or_insert_with(|| Box::new(Node { values: Some(Vec::new()), ..Node::default() }));
            for x in xs {
                add(items, x, doc);
            }
        }
        Value::Array(_) => {}
        scalar => {
            if node.examples.len() < EXAMPLES && !node.examples.contains(scalar) {
                node.examples.push(scalar.clone());
            }
            let enumerable = match scalar {
                Value::String(s) => s.len() <= ENUM_MAX_LEN,
                Value::Number(n) => n.is_i64() || n.is_u64(),
                Value::Bool(_) => true,
                _ => false,
            };
            if let Some(values) = &mut node.values {
                if !enumerable {
                    node.values = None;
                } else if let Some(e) = values.iter_mut().find(|(x, _)| x == scalar) {
                    e.1 += 1;
                } else if values.len() < ENUM_MAX {
                    values.push((scalar.clone(), 1));
                } else {
                    node.values = None;
                }
            }
        }
    }
}

fn collect(node: &Node, pointer: String, tag: String, out: &mut Vec<FieldStat>) {
    let last_key = pointer.rsplit('/').next().unwrap_or("");
    let enum_like = node.values.as_ref().filter(|vals| {
        !vals.is_empty()
            && node.keys.is_empty()
            && node.items.is_none()
            && vals.iter().map(|(_, n)| n).sum::<u64>() > vals.len() as u64
            && !super::volatile::key(last_key)
            && !vals.iter().all(|(v, _)| v.is_boolean())
    });
    let examples = node.examples.clone();
    out.push(FieldStat {
        path: pointer.clone(),
        tag_path: tag.clone(),
        types: node.types.iter().map(|t| (*t).to_owned()).collect(),
        count: node.docs,
        examples,
        r#enum: enum_like.map(|v| v.iter().map(|(x, _)| x.clone()).collect()),
        new_since: false,
    });
    for (k, child) in &node.keys {
        let (mut p, mut t) = (pointer.clone(), tag.clone());
        push_pointer_key(&mut p, k);
        push_tag_key(&mut t, k);
        collect(child, p, t, out);
    }
    if let Some(items) = &node.items {
        collect(items, format!("{pointer}/*"), format!("{tag}[0]"), out);
    }
}

fn schema_of(node: &Node) -> Map<String, Value> {
    let mut s = Map::new();
    let mut types: Vec<&str> = node.types.iter().copied().collect();
    if types.contains(&"number") {
        types.retain(|t| *t != "integer");
    }
    match types.as_slice() {
        [] => {}
        [one] => {
            s.insert("type".into(), json!(one));
        }
        many => {
            s.insert("type".into(), json!(many));
        }
    }
    if node.types.contains("object") {
        let mut props = Map::new();
        let mut required = Vec::new();
        for (k, child) in &node.keys {
            props.insert(k.clone(), Value::Object(schema_of(child)));
            if child.instances == node.objects {
                required.push(json!(k));
            }
        }
        s.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            s.insert("required".into(), Value::Array(required));
        }
    }
    if node.types.contains("array")
        && let Some(items) = &node.items
    {
        s.insert("items".into(), Value::Object(schema_of(items)));
    }
    if !node.examples.is_empty() {
        s.insert("examples".into(), Value::Array(node.examples.clone()));
    }
    s
}

/// Mark the fields not seen in the earlier documents.
pub fn mark_new(fields: &mut [FieldStat], earlier: &HashSet<String>) {
    for f in fields {
        f.new_since = !earlier.contains(&f.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(docs: &[Value]) -> Vec<FieldStat> {
        let mut inf = Inference::new();
        for d in docs {
            inf.add(d);
        }
        inf.fields()
    }

    #[test]
    fn paths_types_counts_examples_and_enums() {
        let fields = table(&[
            json!({"type": "a", "amount": 1, "customer": {"email": "x@y"}, "items": [{"id": 1}, {"id": 2}]}),
            json!({"type": "b", "amount": 1.5, "customer": {"email": null}, "items": []}),
            json!({"type": "a", "amount": 2, "a/b": true}),
        ]);
        let by: HashMap<&str, &FieldStat> = fields.iter().map(|f| (f.path.as_str(), f)).collect();
        assert_eq!(by["/type"].count, 3);
        assert_eq!(by["/type"].r#enum, Some(vec![json!("a"), json!("b")]));
        assert_eq!(by["/amount"].types, vec!["integer", "number"]);
        assert_eq!(by["/amount"].examples, vec![json!(1), json!(1.5), json!(2)]);
        assert_eq!(by["/customer/email"].types, vec!["null", "string"]);
        assert_eq!(by["/customer/email"].count, 2);
        assert_eq!(by["/items/*/id"].count, 1, "counted once per capture");
        assert_eq!(by["/items/*/id"].tag_path, "items[0].id");
        assert_eq!(by["/items/*/id"].r#enum, None, "ids are not enums");
        assert_eq!(by["/a~1b"].tag_path, "[\"a/b\"]");
        let order: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert!(
            order.iter().position(|p| *p == "/items").unwrap()
                < order.iter().position(|p| *p == "/items/*").unwrap()
        );
    }

    #[test]
    fn json_schema_2020_12() {
        let mut inf = Inference::new();
        inf.add(&json!({"email": "a@b", "tags": ["x"], "n": 1}));
        inf.add(&json!({"email": "c@d", "tags": [], "n": 2.5, "opt": null}));
        let s = inf.json_schema(Some("orders"));
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(s["title"], "orders");
        assert_eq!(s["type"], "object");
        assert_eq!(s["required"], json!(["email", "n", "tags"]));
        assert_eq!(s["properties"]["tags"]["type"], "array");
        assert_eq!(s["properties"]["tags"]["items"]["type"], "string");
        assert_eq!(s["properties"]["n"]["type"], "number");
        assert_eq!(s["properties"]["opt"]["type"], "null");
        assert_eq!(
            Inference::new().json_schema(None),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema"})
        );
    }

    #[test]
    fn new_since() {
        let mut before = Inference::new();
        before.add(&json!({"a": 1}));
        let mut fields = table(&[json!({"a": 1}), json!({"a": 2, "b": {"c": 1}})]);
        mark_new(&mut fields, &before.paths());
        let new: Vec<&str> = fields.iter().filter(|f| f.new_since).map(|f| f.path.as_str()).collect();
        assert_eq!(new, vec!["/b", "/b/c"]);
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..3).prop_map(Value::from),
            "[a-b]{0,2}".prop_map(Value::from)
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Whether `v` fits the (subset of) JSON Schema we emit.
    fn fits(schema: &Value, v: &Value) -> bool {
        let ty = type_name(v);
        let ok_type = match &schema["type"] {
            Value::String(t) => t == ty || (t == "number" && ty == "integer"),
            Value::Array(ts) => ts.iter().any(|t| t == ty || (t == "number" && ty == "integer")),
            _ => true,
        };
        if !ok_type {
            return false;
        }
        match v {
            Value::Object(m) => {
                let required_ok = schema["required"]
                    .as_array()
                    .is_none_or(|r| r.iter().all(|k| k.as_str().is_some_and(|k| m.contains_key(k))));
                required_ok && m.iter().all(|(k, x)| schema["properties"].get(k).is_some_and(|s| fits(s, x)))
            }
            Value::Array(xs) => xs.iter().all(|x| schema.get("items").is_some_and(|s| fits(s, x))),
            _ => true,
        }
    }

    proptest! {
        #[test]
        fn every_document_fits_the_inferred_schema(docs in proptest::collection::vec(arb_json(), 1..5)) {
            let mut inf = Inference::new();
            for d in &docs { inf.add(d); }
            let s = inf.json_schema(None);
            for d in &docs { prop_assert!(fits(&s, d), "{} does not fit {}", d, s); }
            for f in inf.fields() { prop_assert!(f.count >= 1 && f.count <= docs.len() as u64); }
        }
    }
}
