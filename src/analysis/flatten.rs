//! Flattening a document into its leaves, the way HighLevel's Inbound Webhook
//! trigger lists fields: nested objects become dotted paths, an array stands
//! for its first element (`items[0].id`), and empty objects and arrays are
//! leaves of their own.

use serde_json::Value;

use super::path::Seg;

/// Bound on the fields of one document (a huge array of objects still only
/// contributes its first element, so this is only reached by very wide objects).
pub const MAX_FIELDS: usize = 5000;

/// The leaves of `v` with their paths, in key order.
pub fn leaves(v: &Value) -> Vec<(Vec<Seg>, &Value)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(v, &mut path, &mut out);
    out
}

fn walk<'a>(v: &'a Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, &'a Value)>) {
    if out.len() >= MAX_FIELDS {
        return;
    }
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                path.push(Seg::Key(k.clone()));
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            path.push(Seg::Index(0));
            walk(&a[0], path, out);
            path.pop();
        }
        _ => {
            if !path.is_empty() {
                out.push((path.clone(), v));
            }
        }
    }
}

/// The JSON type name of a value: `string`, `integer`, `number`, `boolean`,
/// `null`, `object` or `array`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::path::to_tag_path;
    use serde_json::json;

    #[test]
    fn nested_objects_arrays_and_empty_containers() {
        let v = json!({"customer": {"email": "a@b.c", "tags": []}, "items": [{"id": 1}, {"id": 2}], "odd key": {}, "n": null});
        let got: Vec<(String, &Value)> = leaves(&v).into_iter().map(|(p, v)| (to_tag_path(&p), v)).collect();
        let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["customer.email", "customer.tags", "items[0].id", "n", "[\"odd key\"]"]);
        assert_eq!(type_name(got[1].1), "array");
        assert_eq!(type_name(&json!(1.5)), "number");
        assert_eq!(type_name(&json!(2)), "integer");
        assert!(leaves(&json!("scalar root")).is_empty());
    }
}
