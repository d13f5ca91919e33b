//! What merge tags resolve against: one JSON document per root.
//!
//! - `inboundWebhookRequest`: a capture's body (JSON, or form fields as
//!   strings) with its query parameters under `query` (HighLevel's Inbound
//!   Webhook trigger), or an endpoint's mapping reference.
//! - `contact`: a sample contact with HighLevel's standard fields (snake_case,
//!   as its `{{contact.*}}` tags are written) and custom fields.
//! - `env`: the variables of the active environment.
//! - `steps`: saved earlier responses, `steps.<name>.response.{status,headers,body}`.

use serde_json::{Map, Value, json};

use crate::analysis::flatten::leaves;
use crate::analysis::mapping::Source;
use crate::analysis::path::{Seg, lookup, to_tag_path};

/// The roots a template can name.
pub const ROOTS: &[&str] = &["inboundWebhookRequest", "contact", "env", "steps"];

/// The values merge tags resolve against.
#[derive(Debug, Clone, Default)]
pub struct Context {
    roots: Map<String, Value>,
}

impl Context {
    pub fn new() -> Self {
        Context::default()
    }

    /// Set a root (`contact`, `env`, …) to a document.
    pub fn with(mut self, root: &str, value: Value) -> Self {
        self.roots.insert(root.to_owned(), value);
        self
    }

    /// `inboundWebhookRequest` from what a capture offers to map.
    pub fn with_inbound(self, src: &Source) -> Self {
        let mut body = src.body.clone().unwrap_or(Value::Object(Map::new()));
        if let Value::Object(m) = &mut body
            && !src.query.is_empty()
            && !m.contains_key("query")
        {
            let mut q = Map::new();
            for (k, v) in &src.query {
                q.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
            }
            m.insert("query".into(), Value::Object(q));
        }
        self.with("inboundWebhookRequest", body)
    }

    /// The value at a full tag path (`contact.email`), if there is one.
    pub fn get(&self, segs: &[Seg]) -> Option<&Value> {
        let (Seg::Key(root), rest) = segs.split_first()? else { return None };
        lookup(self.roots.get(root)?, rest)
    }

    /// Every tag path that names a value (leaves, and the objects and arrays
    /// above them), e.g. `contact.email`, for suggestions and completion.
    pub fn known_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (root, v) in &self.roots {
            for (segs, _) in leaves(v) {
                for n in 1..=segs.len() {
                    let p = format!("{root}{}", tail(&to_tag_path(&segs[..n])));
                    if out.last() != Some(&p) {
                        out.push(p);
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A tag path's continuation after a root: `.email`, `[0]`, `["odd key"]`.
fn tail(p: &str) -> String {
    if p.is_empty() || p.starts_with('[') { p.to_owned() } else { format!(".{p}") }
}

/// The sample contact `{{contact.*}}` tags render against until the user edits
/// it: HighLevel's standard contact fields and a few custom fields.
pub fn sample_contact() -> Value {
    json!({
        "id": "sEdh7N3hfBXJ2hrQsL0n",
        "first_name": "Maria",
        "last_name": "Silva",
        "name": "Maria Silva",
        "full_name": "Maria Silva",
        "email": "maria.silva@example.com",
        "phone": "+5511987654321",
        "company_name": "Knobler Imóveis",
        "address1": "Rua Augusta 1200",
        "city": "São Paulo",
        "state": "SP",
        "postal_code": "01304-001",
        "country": "BR",
        "website": "https://example.com",
        "date_of_birth": "1988-04-12",
        "timezone": "America/Sao_Paulo",
        "source": "landing page",
        "tags": "lead,vip",
        "date_created": "2026-08-04T14:53:09.703Z",
        "custom_fields": {
            "origem": "captura-012",
            "plan": "premium"
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::path::parse_tag_path;

    #[test]
    fn inbound_gets_the_query_and_paths_are_listed() {
        let src = Source {
            body: Some(json!({"customer": {"email": "a@b.c"}, "items": [{"sku": "X"}]})),
            query: vec![("ref".into(), "ad".into())],
        };
        let ctx = Context::new().with_inbound(&src).with("contact", sample_contact());
        let get = |p: &str| ctx.get(&parse_tag_path(p).unwrap()).cloned();
        assert_eq!(get("inboundWebhookRequest.customer.email"), Some(json!("a@b.c")));
        assert_eq!(get("inboundWebhookRequest.items[0].sku"), Some(json!("X")));
        assert_eq!(get("inboundWebhookRequest.query.ref"), Some(json!("ad")));
        assert_eq!(get("contact.email"), Some(json!("maria.silva@example.com")));
        assert_eq!(get("nothing.here"), None);
        let known = ctx.known_paths();
        for p in [
            "contact.email",
            "contact.custom_fields",
            "contact.custom_fields.plan",
            "inboundWebhookRequest.items[0].sku",
        ] {
            assert!(known.iter().any(|k| k == p), "{p} in {known:?}");
        }
    }
}

/// A document with `value` at every path of `fields` (a mapping reference's
/// samples), so `{{inboundWebhookRequest.…}}` renders without a capture.
pub fn document_from_fields<'a>(fields: impl IntoIterator<Item = (&'a [Seg], &'a Value)>) -> Value {
    let mut root = Value::Object(Map::new());
    for (segs, value) in fields {
        insert_at(&mut root, segs, value.clone());
    }
    root
}

fn insert_at(node: &mut Value, segs: &[Seg], value: Value) {
    let Some((first, rest)) = segs.split_first() else {
        *node = value;
        return;
    };
    let child = match first {
        Seg::Key(k) => {
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(m) = node else { return };
            m.entry(k.clone()).or_insert(Value::Null)
        }
        Seg::Index(i) => {
            if !node.is_array() {
                *node = Value::Array(Vec::new());
            }
            let Value::Array(a) = node else { return };
            // Bounded: a reference's paths come from real payloads, but an
            // imported one could name any index.
            if *i > 10_000 {
                return;
            }
            if a.len() <= *i {
                a.resize(*i + 1, Value::Null);
            }
            &mut a[*i]
        }
    };
    insert_at(child, rest, value);
}

#[cfg(test)]
mod document_tests {
    use super::*;
    use crate::analysis::path::parse_tag_path;

    #[test]
    fn a_document_from_reference_fields() {
        let fields =
            [("customer.email", json!("a@b.c")), ("items[1].sku", json!("X")), ("query.ref", json!("ad"))];
        let parsed: Vec<(Vec<Seg>, Value)> =
            fields.iter().map(|(p, v)| (parse_tag_path(p).unwrap(), v.clone())).collect();
        let doc = document_from_fields(parsed.iter().map(|(s, v)| (s.as_slice(), v)));
        assert_eq!(
            doc,
            json!({"customer": {"email": "a@b.c"}, "items": [null, {"sku": "X"}], "query": {"ref": "ad"}})
        );
    }
}
