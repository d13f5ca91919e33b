//! Matching of `body.<path>:` and `header.<name>:` terms, run inside SQLite as
//! functions on the read connections (`hb_body_match`, `hb_header_match`).
//!
//! Both reject cheaply before parsing anything: a body is parsed as JSON only
//! when it holds the key the path ends in (`"email"`), and a header list only
//! when it holds the header's name. The SQL around them narrows first with the
//! full-text index, so at 100,000 captures few rows ever get here.

use serde::de;
use serde_json::Value;

use super::query::{BodyCmp, Op};

/// `*` matches any run of characters; everything else is literal; ASCII case
/// is ignored.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Case-insensitive (ASCII) substring test on bytes.
pub fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.len() > hay.len() {
        return false;
    }
    let (lower, upper) = (needle[0].to_ascii_lowercase(), needle[0].to_ascii_uppercase());
    let last_start = hay.len() - needle.len();
    // Candidates are found a vector at a time; only they are compared whole.
    memchr::memchr2_iter(lower, upper, &hay[..=last_start])
        .any(|i| hay[i + 1..i + needle.len()].eq_ignore_ascii_case(&needle[1..]))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// A compiled `body.<path>:` term.
#[derive(Debug, Clone)]
pub struct BodySpec {
    pub path: Vec<String>,
    pub cmp: BodyCmp,
    /// `"key"` of the last named segment: a body without it cannot match.
    key: Option<Vec<u8>>,
}

impl BodySpec {
    pub fn new(path: Vec<String>, cmp: BodyCmp) -> Self {
        let key = path
            .iter()
            .rev()
            .find(|s| !s.bytes().all(|b| b.is_ascii_digit()))
            .filter(|s| s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'))
            .map(|s| format!("\"{s}\"").into_bytes());
        BodySpec { path, cmp, key }
    }

    /// The spec as the SQL argument carries it.
    pub fn encode(path: &[String], cmp: &BodyCmp) -> String {
        let (op, value) = match cmp {
            BodyCmp::Glob(v) => ("glob", Value::String(v.clone())),
            BodyCmp::Num(op, n) => {
                (op_name(*op), serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number))
            }
        };
        serde_json::json!({ "path": path, "op": op, "value": value }).to_string()
    }

    pub fn decode(s: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(s).ok()?;
        let path = v
            .get("path")?
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        let cmp = match v.get("op")?.as_str()? {
            "glob" => BodyCmp::Glob(v.get("value")?.as_str()?.to_owned()),
            op => BodyCmp::Num(op_from_name(op)?, v.get("value")?.as_f64()?),
        };
        Some(BodySpec::new(path, cmp))
    }

    /// Does this body match?
    pub fn matches(&self, body: &[u8]) -> bool {
        if let Some(key) = &self.key
            && !contains(body, key)
        {
            return false;
        }
        // Only the values at the path are built; the rest is skipped as it is read.
        let mut leaves = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(body);
        let walked =
            de::DeserializeSeed::deserialize(PathSeed { path: &self.path, out: &mut leaves }, &mut de);
        if walked.is_err() || de.end().is_err() {
            return false;
        }
        leaves.iter().any(|leaf| self.leaf_matches(leaf))
    }

    fn leaf_matches(&self, v: &Value) -> bool {
        match v {
            Value::Array(items) => {
                items.iter().any(|i| !i.is_array() && self.scalar_matches(i))
                    || matches!(&self.cmp, BodyCmp::Glob(p) if p == "*")
            }
            v => self.scalar_matches(v),
        }
    }

    fn scalar_matches(&self, v: &Value) -> bool {
        match (&self.cmp, v) {
            (BodyCmp::Glob(p), Value::String(s)) => glob_match(p, s),
            (BodyCmp::Glob(p), Value::Number(n)) => match p.parse::<f64>() {
                Ok(want) => n.as_f64() == Some(want),
                Err(_) => glob_match(p, &n.to_string()),
            },
            (BodyCmp::Glob(p), Value::Bool(b)) => glob_match(p, if *b { "true" } else { "false" }),
            (BodyCmp::Glob(p), Value::Null) => glob_match(p, "null"),
            (BodyCmp::Glob(p), _) => p == "*",
            (BodyCmp::Num(op, want), Value::Number(n)) => n.as_f64().is_some_and(|n| op.holds(n, *want)),
            (BodyCmp::Num(op, want), Value::String(s)) => {
                s.trim().parse::<f64>().ok().is_some_and(|n| n.is_finite() && op.holds(n, *want))
            }
            (BodyCmp::Num(..), _) => false,
        }
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Gt => "gt",
        Op::Ge => "ge",
        Op::Lt => "lt",
        Op::Le => "le",
    }
}

fn op_from_name(s: &str) -> Option<Op> {
    Some(match s {
        "eq" => Op::Eq,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "lt" => Op::Lt,
        "le" => Op::Le,
        _ => return None,
    })
}

/// Collects every value at `path` while the JSON is read: an array met on a
/// named segment stands for each of its elements (`body.items.sku` looks in
/// every item); everything off the path is skipped without being built.
struct PathSeed<'p, 'o> {
    path: &'p [String],
    out: &'o mut Vec<Value>,
}

impl<'de> de::DeserializeSeed<'de> for PathSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.path.is_empty() {
            self.out.push(<Value as serde::Deserialize>::deserialize(d)?);
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

/// A map key: is it this segment?
struct KeyIs<'a>(&'a str);

impl<'de> de::DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> de::Visitor<'de> for KeyIs<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

impl<'de> de::Visitor<'de> for PathSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let (seg, rest) = (&self.path[0], &self.path[1..]);
        while let Some(hit) = m.next_key_seed(KeyIs(seg))? {
            if hit {
                m.next_value_seed(PathSeed { path: rest, out: self.out })?;
            } else {
                m.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        match self.path[0].parse::<usize>() {
            Ok(want) => {
                let mut i = 0;
                loop {
                    let more = if i == want {
                        s.next_element_seed(PathSeed { path: &self.path[1..], out: self.out })?
                    } else {
                        s.next_element::<de::IgnoredAny>()?.map(|_| ())
                    };
                    if more.is_none() {
                        return Ok(());
                    }
                    i += 1;
                }
            }
            Err(_) => {
                while s.next_element_seed(PathSeed { path: self.path, out: self.out })?.is_some() {}
                Ok(())
            }
        }
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A compiled `header.<name>:<glob>` term.
#[derive(Debug, Clone)]
pub struct HeaderSpec {
    name: String,
    pattern: String,
}

impl HeaderSpec {
    pub fn encode(name: &str, pattern: &str) -> String {
        format!("{name}\n{pattern}")
    }

    pub fn decode(s: &str) -> Self {
        let (name, pattern) = s.split_once('\n').unwrap_or((s, "*"));
        HeaderSpec { name: name.to_owned(), pattern: pattern.to_owned() }
    }

    /// Does the header list (its stored JSON) have this header with a matching value?
    pub fn matches(&self, headers_json: &str) -> bool {
        if !contains_ci(headers_json.as_bytes(), self.name.as_bytes()) {
            return false;
        }
        let Ok(headers) = serde_json::from_str::<Vec<crate::model::Header>>(headers_json) else {
            return false;
        };
        headers.iter().any(|h| h.name.eq_ignore_ascii_case(&self.name) && glob_match(&self.pattern, &h.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_ci_finds_a_needle_anywhere_in_any_ascii_case() {
        for (hay, needle, want) in [
            (&b"Order ZQ-1"[..], &b"zq"[..], true),
            (b"zq", b"ZQ", true),
            (b"abczq", b"zq", true),
            (b"abcz", b"zq", false),
            (b"z", b"zq", false),
            (b"Zz q", b"zq", false),
            (b"x", b"X", true),
            (b"7", b"7", true),
            (b"caf\xc3\xa9", b"CAF\xc3\xa9", true),
            (b"caf\xc3\xa9", b"caf\xc3\x89", false),
            (b"", b"a", false),
            (b"abc", b"", true),
        ] {
            assert_eq!(contains_ci(hay, needle), want, "{hay:?} {needle:?}");
        }
    }

    #[test]
    fn globs_match_any_case_and_any_run() {
        for (p, t, want) in [
            ("*@acme.com", "Jane@ACME.com", true),
            ("*@acme.com", "jane@acme.co", false),
            ("/orders*", "/orders/1", true),
            ("/orders*", "/order", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("push", "push", true),
            ("push", "pushed", false),
            ("**x", "abx", true),
        ] {
            assert_eq!(glob_match(p, t), want, "{p} vs {t}");
        }
    }

    fn spec(path: &str, cmp: BodyCmp) -> BodySpec {
        BodySpec::new(path.split('.').map(str::to_owned).collect(), cmp)
    }

    #[test]
    fn body_paths_reach_nested_values_and_array_elements() {
        let body = br#"{"type":"ContactCreate","customer":{"email":"jane@acme.com","age":41},
            "items":[{"sku":"A-1","qty":2},{"sku":"B-2","qty":5}],"tags":["vip","new"],"amount":"12.50","ok":true}"#;
        let g = |p: &str, v: &str| spec(p, BodyCmp::Glob(v.into())).matches(body);
        let n = |p: &str, op, v| spec(p, BodyCmp::Num(op, v)).matches(body);
        assert!(g("type", "ContactCreate"));
        assert!(g("type", "contact*"));
        assert!(!g("type", "Contact"));
        assert!(g("customer.email", "*@acme.com"));
        assert!(g("items.sku", "B-2"), "a named segment looks in every element");
        assert!(g("items.0.sku", "A-1"));
        assert!(!g("items.0.sku", "B-2"));
        assert!(g("tags", "vip"), "an array leaf matches any element");
        assert!(g("customer", "*"), "`*` matches an object: the field exists");
        assert!(!g("missing", "*"));
        assert!(g("customer.age", "41"));
        assert!(g("ok", "true"));
        assert!(n("customer.age", Op::Gt, 40.0));
        assert!(!n("customer.age", Op::Gt, 41.0));
        assert!(n("customer.age", Op::Ge, 41.0));
        assert!(n("items.qty", Op::Ge, 5.0));
        assert!(n("amount", Op::Lt, 13.0), "numbers in strings compare as numbers");
        assert!(!n("type", Op::Gt, 0.0));
        assert!(!spec("type", BodyCmp::Glob("x".into())).matches(b"not json \"type\""));
    }

    #[test]
    fn the_spec_survives_its_sql_encoding() {
        for cmp in [BodyCmp::Glob("a*".into()), BodyCmp::Num(Op::Le, -2.5)] {
            let path = vec!["a".to_owned(), "0".to_owned()];
            let s = BodySpec::decode(&BodySpec::encode(&path, &cmp)).unwrap();
            assert_eq!((s.path, s.cmp), (path, cmp));
        }
    }

    #[test]
    fn header_terms_match_names_in_any_case() {
        let json = r#"[{"name":"X-GitHub-Event","value":"push"},{"name":"X-Dup","value":"1"},{"name":"X-Dup","value":"2"}]"#;
        assert!(HeaderSpec::decode(&HeaderSpec::encode("x-github-event", "push")).matches(json));
        assert!(HeaderSpec::decode(&HeaderSpec::encode("x-github-event", "PU*")).matches(json));
        assert!(!HeaderSpec::decode(&HeaderSpec::encode("x-github-event", "pull")).matches(json));
        assert!(HeaderSpec::decode(&HeaderSpec::encode("x-dup", "2")).matches(json), "any occurrence");
        assert!(!HeaderSpec::decode(&HeaderSpec::encode("x-other", "*")).matches(json));
    }
}
