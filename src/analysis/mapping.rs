//! Mapping references (HighLevel's Inbound Webhook trigger): a capture's fields
//! flattened to merge-tag paths with type and sample; rules that map them to
//! target fields with simple transforms; and the check of a later capture
//! against the reference (missing, null, type changed, new).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::flatten::{leaves, type_name};
use super::path::{Seg, lookup, merge_tag, parse_tag_path, push_tag_key, to_tag_path};

/// One field of a mapping reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct RefField {
    /// Merge-tag path: `customer.email`, `items[0].id`, `query.source`.
    pub path: String,
    /// `{{inboundWebhookRequest.customer.email}}`.
    pub tag: String,
    /// `string`, `number`, `integer`, `boolean`, `null`, `object` or `array`.
    pub r#type: String,
    #[schema(value_type = Object)]
    pub sample: Value,
}

/// An endpoint's mapping reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MappingReference {
    #[ts(type = "number")]
    pub endpoint_id: i64,
    /// The capture it was made from (null when imported).
    #[ts(type = "number | null")]
    pub capture_id: Option<i64>,
    #[ts(type = "number")]
    pub created_at: i64,
    pub fields: Vec<RefField>,
}

/// `PUT /api/v1/endpoints/{id}/mapping-reference`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SetReference {
    #[ts(type = "number")]
    pub capture_id: i64,
}

/// A simple transform applied to a mapped value, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    Trim,
    Lower,
    Upper,
    /// The first word of a full name.
    FirstName,
    /// The rest of a full name after the first word.
    LastName,
    /// This value when the source is missing, null or empty.
    Default {
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct MappingRule {
    /// The target field (`contact.email`).
    pub target: String,
    /// A reference path (`customer.email`).
    pub source: String,
    #[serde(default)]
    pub transforms: Vec<Transform>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub rules: Vec<MappingRule>,
}

/// The export (and import) document of a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MappingExport {
    /// Format version: 1.
    pub hookbench_mapping: u32,
    #[serde(default)]
    pub reference: Vec<RefField>,
    pub rules: Vec<MappingRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct PreviewValue {
    pub target: String,
    pub source: String,
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    pub error: Option<String>,
}

/// `GET …/mapping/preview?capture_id=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MappingPreview {
    pub values: Vec<PreviewValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TypeChange {
    pub path: String,
    pub expected: String,
    pub got: String,
}

/// A capture checked against its endpoint's mapping reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MappingCheck {
    /// Reference fields the capture lacks.
    pub missing: Vec<String>,
    /// Reference fields that are null in the capture (and were not in the reference).
    pub null: Vec<String>,
    pub type_changed: Vec<TypeChange>,
    /// Fields the reference does not have.
    pub new: Vec<String>,
}

impl MappingCheck {
    /// What the list badge counts: missing + null + type changed.
    pub fn issues(&self) -> u32 {
        u32::try_from(self.missing.len() + self.null.len() + self.type_changed.len()).unwrap_or(u32::MAX)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{0}")]
    Invalid(String),
}

/// What a capture offers to map: its body (JSON, or form fields as strings)
/// and its query parameters under `query`.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub body: Option<Value>,
    pub query: Vec<(String, String)>,
}

impl Source {
    /// From a capture's query string and decoded body.
    pub fn new(query: Option<&str>, decoded: &crate::decode::Decoded) -> Self {
        let body = match (&decoded.json, &decoded.form) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(form)) => {
                let mut m = serde_json::Map::new();
                for f in form {
                    m.entry(f.name.clone()).or_insert_with(|| Value::String(f.value.clone()));
                }
                Some(Value::Object(m))
            }
            _ => None,
        };
        let query = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Source { body, query }
    }

    /// Every field: body leaves, then query parameters.
    fn fields(&self) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = self
            .body
            .as_ref()
            .map(|b| leaves(b).into_iter().map(|(p, v)| (to_tag_path(&p), v.clone())).collect())
            .unwrap_or_default();
        let mut seen = HashSet::new();
        for (k, v) in &self.query {
            if seen.insert(k.as_str()) {
                out.push((query_path(k), Value::String(v.clone())));
            }
        }
        out
    }

    /// The value at a merge-tag path: the body first, then `query.<name>`.
    pub fn get(&self, segs: &[Seg]) -> Option<Value> {
        if let Some(v) = self.body.as_ref().and_then(|b| lookup(b, segs)) {
            return Some(v.clone());
        }
        match segs {
            [Seg::Key(q), Seg::Key(name)] if q == "query" => {
                self.query.iter().find(|(k, _)| k == name).map(|(_, v)| Value::String(v.clone()))
            }
            _ => None,
        }
    }
}

fn query_path(name: &str) -> String {
    let mut p = String::from("query");
    push_tag_key(&mut p, name);
    p
}

/// The reference fields of a capture.
pub fn reference_fields(src: &Source) -> Vec<RefField> {
    src.fields()
        .into_iter()
        .map(|(path, sample)| RefField {
            tag: merge_tag(&path),
            r#type: type_name(&sample).to_owned(),
            path,
            sample,
        })
        .collect()
}

/// Whether a value of type `got` is fine where the reference had `expected`.
fn type_fits(expected: &str, got: &str) -> bool {
    expected == got || (expected == "number" && got == "integer")
}

/// Check a capture against a reference.
pub fn check(reference: &[RefField], src: &Source) -> MappingCheck {
    let mut c = MappingCheck::default();
    let mut changed_prefixes: Vec<String> = Vec::new();
    for f in reference {
        let Ok(segs) = parse_tag_path(&f.path) else { continue };
        match src.get(&segs) {
            None => match container_changed(src, &segs) {
                // `tags[0]` in the reference, but `tags` is now a string: one type change at `tags`.
                Some(tc) => {
                    if !c.type_changed.iter().any(|t| t.path == tc.path) {
                        changed_prefixes.push(tc.path.clone());
                        c.type_changed.push(tc);
                    }
                }
                None => c.missing.push(f.path.clone()),
            },
            Some(Value::Null) if f.r#type != "null" => c.null.push(f.path.clone()),
            Some(v) => {
                let got = type_name(&v);
                // A reference null or empty container says little about the type to expect.
                let open = f.r#type == "null"
                    || (f.r#type == "array" && f.sample.as_array().is_some_and(Vec::is_empty))
                    || (f.r#type == "object" && f.sample.as_object().is_some_and(|m| m.is_empty()));
                if !open && !type_fits(&f.r#type, got) {
                    c.type_changed.push(TypeChange {
                        path: f.path.clone(),
                        expected: f.r#type.clone(),
                        got: got.to_owned(),
                    });
                }
                if open || !type_fits(&f.r#type, got) {
                    changed_prefixes.push(f.path.clone());
                }
            }
        }
    }
    let known: HashSet<&str> = reference.iter().map(|f| f.path.as_str()).collect();
    for (path, _) in src.fields() {
        let under_changed = changed_prefixes.iter().any(|p| within(&path, p));
        // An empty container where the reference had its elements (`tags: []`
        // against `tags[0]`) is reported as those elements missing, not as new.
        let holds_known = reference.iter().any(|f| f.path.len() > path.len() && within(&f.path, &path));
        if !known.contains(path.as_str()) && !under_changed && !holds_known {
            c.new.push(path);
        }
    }
    c
}

/// Whether tag path `path` is `prefix` or lies under it.
fn within(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
        && (path.len() == prefix.len() || matches!(path.as_bytes()[prefix.len()], b'.' | b'['))
}

/// For a path the capture lacks: the deepest part of it the capture has, when
/// that is a value of another kind than the path needs (a string where the
/// reference had an array or object).
fn container_changed(src: &Source, segs: &[Seg]) -> Option<TypeChange> {
    for n in (1..segs.len()).rev() {
        let Some(v) = src.get(&segs[..n]) else { continue };
        let expected = match segs[n] {
            Seg::Index(_) => "array",
            Seg::Key(_) => "object",
        };
        let got = type_name(&v);
        return (got != expected && got != "null").then(|| TypeChange {
            path: to_tag_path(&segs[..n]),
            expected: expected.to_owned(),
            got: got.to_owned(),
        });
    }
    None
}

/// Validate rules: targets non-empty, sources valid paths.
pub fn validate_rules(rules: &[MappingRule]) -> Result<(), MappingError> {
    if rules.len() > 1000 {
        return Err(MappingError::Invalid("at most 1000 rules".into()));
    }
    for (i, r) in rules.iter().enumerate() {
        if r.target.trim().is_empty() || r.target.len() > 200 {
            return Err(MappingError::Invalid(format!("rule {}: target must be 1 to 200 characters", i + 1)));
        }
        parse_tag_path(&r.source).map_err(|e| MappingError::Invalid(format!("rule {}: {e}", i + 1)))?;
        if r.transforms.len() > 20 {
            return Err(MappingError::Invalid(format!("rule {}: at most 20 transforms", i + 1)));
        }
    }
    Ok(())
}

/// How many segments an imported reference path may have.
const MAX_REFERENCE_DEPTH: usize = 256;

const TYPES: &[&str] = &["string", "number", "integer", "boolean", "null", "object", "array"];

/// Validate an import document.
pub fn validate_export(doc: &MappingExport) -> Result<(), MappingError> {
    if doc.hookbench_mapping != 1 {
        return Err(MappingError::Invalid(format!(
            "unsupported hookbench_mapping version {} (this Hookbench reads 1)",
            doc.hookbench_mapping
        )));
    }
    // Every later capture is checked against the reference in the background:
    // an imported one is held to what a capture can give (a body is parsed at
    // most 128 levels deep and flattened to at most MAX_FIELDS leaves).
    if doc.reference.len() > super::flatten::MAX_FIELDS {
        return Err(MappingError::Invalid(format!(
            "the reference has {} fields; at most {}",
            doc.reference.len(),
            super::flatten::MAX_FIELDS
        )));
    }
    for f in &doc.reference {
        let segs = parse_tag_path(&f.path).map_err(|e| MappingError::Invalid(format!("reference: {e}")))?;
        if segs.len() > MAX_REFERENCE_DEPTH {
            return Err(MappingError::Invalid(format!(
                "reference {:.60}…: deeper than {MAX_REFERENCE_DEPTH} levels",
                f.path
            )));
        }
        if !TYPES.contains(&f.r#type.as_str()) {
            return Err(MappingError::Invalid(format!("reference {}: unknown type {:?}", f.path, f.r#type)));
        }
        if f.tag != merge_tag(&f.path) {
            return Err(MappingError::Invalid(format!(
                "reference {}: tag should be {}",
                f.path,
                merge_tag(&f.path)
            )));
        }
    }
    validate_rules(&doc.rules)
}

fn as_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("a {} cannot be used as text", type_name(other))),
    }
}

/// Apply a rule's transforms to a source value (None: the source is missing).
pub fn apply(value: Option<Value>, transforms: &[Transform]) -> Result<Option<Value>, String> {
    let mut v = value;
    for t in transforms {
        v = match (t, v) {
            (Transform::Default { value }, cur) => {
                let empty = match &cur {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    _ => false,
                };
                if empty { Some(Value::String(value.clone())) } else { cur }
            }
            (_, None) => None,
            (_, Some(Value::Null)) => Some(Value::Null),
            (t, Some(cur)) => {
                let s = as_text(&cur)?;
                let out = match t {
                    Transform::Trim => s.trim().to_owned(),
                    Transform::Lower => s.to_lowercase(),
                    Transform::Upper => s.to_uppercase(),
                    Transform::FirstName => s.split_whitespace().next().unwrap_or("").to_owned(),
                    Transform::LastName => s.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
                    Transform::Default { .. } => s,
                };
                Some(Value::String(out))
            }
        };
    }
    Ok(v)
}

/// What each rule gives for a capture.
pub fn preview(rules: &[MappingRule], src: &Source) -> MappingPreview {
    let values = rules
        .iter()
        .map(|r| {
            let (value, error) = match parse_tag_path(&r.source) {
                Err(e) => (None, Some(e.to_string())),
                Ok(segs) => match apply(src.get(&segs), &r.transforms) {
                    Ok(Some(v)) => (Some(v), None),
                    Ok(None) => (None, Some(format!("{} is missing from this capture", r.source))),
                    Err(e) => (None, Some(e)),
                },
            };
            PreviewValue { target: r.target.clone(), source: r.source.clone(), value, error }
        })
        .collect();
    MappingPreview { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn src(body: Value, query: &[(&str, &str)]) -> Source {
        Source { body: Some(body), query: query.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect() }
    }

    #[test]
    fn reference_fields_with_tags_types_and_query() {
        let s = src(
            json!({"customer": {"email": "a@b.c", "age": 30}, "items": [{"id": "i1"}], "odd key": 1.5}),
            &[("source", "fb"), ("source", "x")],
        );
        let f = reference_fields(&s);
        let got: Vec<(&str, &str, &str)> =
            f.iter().map(|f| (f.path.as_str(), f.tag.as_str(), f.r#type.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("customer.age", "{{inboundWebhookRequest.customer.age}}", "integer"),
                ("customer.email", "{{inboundWebhookRequest.customer.email}}", "string"),
                ("items[0].id", "{{inboundWebhookRequest.items[0].id}}", "string"),
                ("[\"odd key\"]", "{{inboundWebhookRequest[\"odd key\"]}}", "number"),
                ("query.source", "{{inboundWebhookRequest.query.source}}", "string"),
            ]
        );
        assert_eq!(f[1].sample, json!("a@b.c"));
        assert_eq!(f[4].sample, json!("fb"), "the first of repeated parameters");
    }

    #[test]
    fn check_missing_null_type_changed_and_new() {
        let reference = reference_fields(&src(
            json!({"email": "a", "name": "A", "tags": "vip", "n": 1.5, "phone": "1", "extra": null}),
            &[("src", "x")],
        ));
        let got = check(
            &reference,
            &src(
                json!({"email": "b", "name": null, "tags": ["vip", "new"], "n": 2, "extra": 5, "city": "X"}),
                &[],
            ),
        );
        assert_eq!(got.missing, vec!["phone", "query.src"]);
        assert_eq!(got.null, vec!["name"]);
        assert_eq!(
            got.type_changed,
            vec![TypeChange { path: "tags".into(), expected: "string".into(), got: "array".into() }]
        );
        assert_eq!(
            got.new,
            vec!["city"],
            "tags[0] is covered by the type change, extra was null in the reference"
        );
        assert_eq!(got.issues(), 4);
        // The other way round: the reference has an array (or object), the capture a scalar.
        let other = reference_fields(&src(json!({"tags": ["vip"], "a": {"b": 1}}), &[]));
        let got = check(&other, &src(json!({"tags": "vip", "a": 5}), &[]));
        assert_eq!(
            got.type_changed,
            vec![
                TypeChange { path: "a".into(), expected: "object".into(), got: "integer".into() },
                TypeChange { path: "tags".into(), expected: "array".into(), got: "string".into() },
            ]
        );
        assert!(got.missing.is_empty() && got.new.is_empty(), "{got:?}");
        // Emptied containers: their elements are missing; the container is not new.
        let got = check(&other, &src(json!({"tags": [], "a": {}}), &[]));
        assert_eq!(got.missing, vec!["a.b", "tags[0]"]);
        assert!(got.new.is_empty() && got.type_changed.is_empty(), "{got:?}");
        let same = check(
            &reference,
            &src(
                json!({"email": "a", "name": "A", "tags": "vip", "n": 1.5, "phone": "1", "extra": null}),
                &[("src", "y")],
            ),
        );
        assert_eq!(same, MappingCheck::default());
    }

    #[test]
    fn transforms_and_preview() {
        let t = |v: Value, ts: &[Transform]| apply(Some(v), ts).unwrap();
        assert_eq!(t(json!("  Ada@X.io "), &[Transform::Trim, Transform::Lower]), Some(json!("ada@x.io")));
        assert_eq!(t(json!("Ada King Lovelace"), &[Transform::FirstName]), Some(json!("Ada")));
        assert_eq!(
            t(json!("Ada King Lovelace"), &[Transform::LastName, Transform::Upper]),
            Some(json!("KING LOVELACE"))
        );
        assert_eq!(t(json!(""), &[Transform::Default { value: "n/a".into() }]), Some(json!("n/a")));
        assert_eq!(apply(None, &[Transform::Default { value: "d".into() }]).unwrap(), Some(json!("d")));
        assert!(apply(Some(json!({"a": 1})), &[Transform::Trim]).is_err());
        assert_eq!(t(json!(42), &[Transform::Trim]), Some(json!("42")));

        let rules = vec![
            MappingRule {
                target: "contact.email".into(),
                source: "customer.email".into(),
                transforms: vec![Transform::Trim, Transform::Lower],
            },
            MappingRule {
                target: "contact.first_name".into(),
                source: "name".into(),
                transforms: vec![Transform::FirstName],
            },
            MappingRule { target: "contact.phone".into(), source: "phone".into(), transforms: vec![] },
        ];
        let p = preview(&rules, &src(json!({"customer": {"email": " A@B.C "}, "name": "Ada Lovelace"}), &[]));
        assert_eq!(p.values[0].value, Some(json!("a@b.c")));
        assert_eq!(p.values[1].value, Some(json!("Ada")));
        assert_eq!(p.values[2].value, None);
        assert!(p.values[2].error.as_deref().unwrap().contains("missing"));
    }

    #[test]
    fn rules_and_import_validation() {
        let ok = MappingExport {
            hookbench_mapping: 1,
            reference: vec![],
            rules: vec![MappingRule { target: "a".into(), source: "b[0].c".into(), transforms: vec![] }],
        };
        assert!(validate_export(&ok).is_ok());
        let mut bad = ok.clone();
        bad.hookbench_mapping = 2;
        assert!(validate_export(&bad).is_err());
        let mut bad = ok.clone();
        bad.rules[0].source = "a..b".into();
        assert!(validate_export(&bad).is_err());
        let mut bad = ok.clone();
        bad.rules[0].target = " ".into();
        assert!(validate_export(&bad).is_err());
        let mut bad = ok;
        bad.reference = vec![RefField {
            path: "a".into(),
            tag: "{{x}}".into(),
            r#type: "string".into(),
            sample: json!(""),
        }];
        assert!(validate_export(&bad).is_err());
        let field = |path: String| RefField {
            tag: merge_tag(&path),
            path,
            r#type: "string".into(),
            sample: json!(""),
        };
        let mut big = bad.clone();
        big.reference = (0..super::super::flatten::MAX_FIELDS).map(|i| field(format!("f{i}"))).collect();
        assert!(validate_export(&big).is_ok());
        big.reference.push(field("one_more".into()));
        assert!(validate_export(&big).is_err(), "more fields than a capture can give");
        big.reference = vec![field(vec!["a"; MAX_REFERENCE_DEPTH].join("."))];
        assert!(validate_export(&big).is_ok());
        big.reference = vec![field(vec!["a"; 100_000].join("."))];
        assert!(validate_export(&big).is_err(), "deeper than a capture can give");
        let t: Result<Transform, _> = serde_json::from_value(json!({"op": "shout"}));
        assert!(t.is_err());
        let t: Transform = serde_json::from_value(json!({"op": "default", "value": "x"})).unwrap();
        assert_eq!(t, Transform::Default { value: "x".into() });
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..3).prop_map(Value::from),
            "[a-b ]{0,3}".prop_map(Value::from)
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]|[a-c] [a-c]", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn a_capture_matches_its_own_reference(body in arb_json()) {
            let s = Source { body: Some(body), query: vec![] };
            let reference = reference_fields(&s);
            for f in &reference {
                let segs = parse_tag_path(&f.path).unwrap();
                prop_assert_eq!(s.get(&segs), Some(f.sample.clone()));
            }
            prop_assert_eq!(check(&reference, &s), MappingCheck::default());
        }
    }
}
