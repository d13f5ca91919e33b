//! A parsed query compiled to a parameterised SQL condition over `captures`.
//! User values only ever travel as parameters.
//!
//! Terms that must look inside text (full text, `header.`, `body.`) are first
//! narrowed with the FTS5 trigram index: only rows the index says may match
//! (or rows the index cannot answer for: not yet indexed, or a body longer than
//! the indexed part) are checked exactly. The narrowing is always a superset,
//! so negation (`-term`) stays exact.

use rusqlite::types::Value;

use super::body::{BodySpec, HeaderSpec};
use super::query::{BodyCmp, DialectFilter, Expr, StatusCmp, Term};
use crate::store::queries::FTS_BODY_LIMIT;

/// Builds the condition and its arguments.
pub struct Compiler<'a> {
    args: &'a mut Vec<Value>,
    /// The parameter holding the id up to which captures are in the FTS index.
    upto: usize,
}

impl<'a> Compiler<'a> {
    /// `indexed_upto`: captures with ids up to this are in the full-text index.
    pub fn new(args: &'a mut Vec<Value>, indexed_upto: i64) -> Self {
        args.push(indexed_upto.into());
        let upto = args.len();
        Compiler { args, upto }
    }

    fn arg(&mut self, v: impl Into<Value>) -> usize {
        self.args.push(v.into());
        self.args.len()
    }

    pub fn compile(&mut self, e: &Expr) -> String {
        match e {
            Expr::And(items) => self.join(items, " AND "),
            Expr::Or(items) => self.join(items, " OR "),
            Expr::Not(inner) => format!("NOT {}", self.compile(inner)),
            Expr::Term(t) => self.term(t),
        }
    }

    fn join(&mut self, items: &[Expr], sep: &str) -> String {
        let parts: Vec<String> = items.iter().map(|e| self.compile(e)).collect();
        format!("({})", parts.join(sep))
    }

    /// Rows the full-text index may match for `fts_query`, plus those it cannot answer for.
    fn narrowed(&mut self, fts_query: String, also: &str) -> String {
        let m = self.arg(fts_query);
        let upto = self.upto;
        format!(
            "(id IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?{m}) OR id > ?{upto}{also})"
        )
    }

    fn term(&mut self, t: &Term) -> String {
        match t {
            Term::Text(q) => self.text(q),
            Term::Method(m) => {
                let a = self.arg(m.clone());
                format!("(method = ?{a} COLLATE NOCASE)")
            }
            Term::Path(p) => {
                let a = self.arg(glob_to_like(p));
                format!("(path LIKE ?{a} ESCAPE '\\')")
            }
            Term::Header { name, value } => {
                let a = self.arg(HeaderSpec::encode(name, value));
                let check = format!("hb_header_match(headers, ?{a})");
                // The index holds `Name: value` lines. A short phrase reads few
                // trigram lists: the value's longest literal run when it has one
                // of 3 characters, else `name:`.
                let phrase = match longest_safe_fragment(value) {
                    Some(frag) => frag,
                    None => format!("{name}:"),
                };
                if phrase.chars().count() < 3 {
                    return format!("({check})");
                }
                let n = self.narrowed(format!("headers : {}", fts_phrase(&phrase)), "");
                format!("({n} AND {check})")
            }
            Term::Body { path, cmp } => {
                let a = self.arg(BodySpec::encode(path, cmp));
                let check = format!("hb_body_match(body, body_external, body_sha256, ?{a})");
                let mut phrases = Vec::new();
                if let Some(key) = path.iter().rev().find(|s| !s.bytes().all(|b| b.is_ascii_digit()))
                    && json_safe(key)
                    && key.len() + 2 >= 3
                {
                    phrases.push(fts_phrase(&format!("\"{key}\"")));
                }
                if let BodyCmp::Glob(v) = cmp
                    && v.parse::<f64>().is_err()
                    && let Some(frag) = longest_safe_fragment(v)
                {
                    phrases.push(fts_phrase(&frag));
                }
                if phrases.is_empty() {
                    return format!("({check})");
                }
                let query = phrases.iter().map(|p| format!("body : {p}")).collect::<Vec<_>>().join(" AND ");
                let n = self.narrowed(query, &format!(" OR body_size > {FTS_BODY_LIMIT}"));
                format!("({n} AND {check})")
            }
            Term::Status(StatusCmp::Class(h)) => {
                let a = self.arg(i64::from(*h) * 100);
                format!("(response_status BETWEEN ?{a} AND ?{a} + 99)")
            }
            Term::Status(StatusCmp::Cmp(op, n)) => {
                let a = self.arg(i64::from(*n));
                format!("(response_status {} ?{a})", op.sql())
            }
            Term::Size(op, n) => {
                let a = self.arg(i64::try_from(*n).unwrap_or(i64::MAX));
                format!("(body_size {} ?{a})", op.sql())
            }
            Term::After(ms) => {
                let a = self.arg(*ms);
                format!("(received_at >= ?{a})")
            }
            Term::Before(ms) => {
                let a = self.arg(*ms);
                format!("(received_at < ?{a})")
            }
            Term::Tag(tag) => {
                let a = self.arg(tag.clone());
                format!(
                    "(tags <> '[]' AND EXISTS (SELECT 1 FROM json_each(captures.tags) t
                                               WHERE t.value = ?{a} COLLATE NOCASE))"
                )
            }
            Term::Starred => "(starred = 1)".into(),
            Term::Duplicate => "EXISTS (SELECT 1 FROM capture_event_ids a JOIN capture_event_ids b
                    ON b.endpoint_id = a.endpoint_id AND b.event_id = a.event_id AND b.capture_id < a.capture_id
                  WHERE a.capture_id = captures.id)"
                .into(),
            Term::Dialect(d) => match d {
                DialectFilter::Marketplace => "(dialect IS 'highlevel-marketplace')".into(),
                DialectFilter::Workflow => "(dialect IS 'highlevel-workflow')".into(),
                DialectFilter::HighLevel => "(coalesce(dialect, '') LIKE 'highlevel-%')".into(),
                DialectFilter::None => "(dialect IS NULL)".into(),
            },
        }
    }

    /// Full text: a substring of `METHOD path?query`, the header lines or the
    /// body's text (any case).
    fn text(&mut self, q: &str) -> String {
        let like = self.arg(like_pattern(q));
        let raw = self.arg(q.to_owned());
        // `hb_has_text(value, needle, is_body)`: the same test as LIKE (ASCII
        // case-insensitive substring) on the value in place, and for a body only
        // on its searchable text (the first 64 KiB, none if it looks binary).
        let scan = format!(
            "(method || ' ' || path || coalesce('?' || query, '') LIKE ?{like} ESCAPE '\\'
              OR hb_has_text(headers, ?{raw}, 0)
              OR CASE WHEN body_external
                      THEN hb_has_text(hb_body_text(body, body_external, body_sha256), ?{raw}, 0)
                      ELSE hb_has_text(body, ?{raw}, 1) END)"
        );
        if q.chars().count() >= 3 {
            // The trigram tokenizer matches any substring of three or more characters.
            let m = self.arg(fts_phrase(q));
            let upto = self.upto;
            format!(
                "(id IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?{m})
                  OR (id > ?{upto} AND {scan}))"
            )
        } else {
            scan
        }
    }
}

/// FTS5 phrase for a literal substring.
pub fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.replace('"', "\"\""))
}

/// LIKE pattern for a substring.
pub fn like_pattern(q: &str) -> String {
    format!("%{}%", like_escape(q))
}

fn like_escape(q: &str) -> String {
    let mut s = String::with_capacity(q.len());
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s
}

/// A `*` glob as a LIKE pattern (escape `\`).
fn glob_to_like(g: &str) -> String {
    g.split('*').map(like_escape).collect::<Vec<_>>().join("%")
}

/// Text that JSON writes as itself (so it can be looked for in the raw body).
fn json_safe(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'/' || b == b' ')
}

/// The longest run of a glob's literal text that JSON writes as itself, if it
/// is long enough (3 characters) for the trigram index.
fn longest_safe_fragment(g: &str) -> Option<String> {
    g.split(|c: char| c == '*' || !(c.is_ascii_graphic() || c == ' ') || matches!(c, '"' | '\\' | '/'))
        .max_by_key(|s| s.len())
        .filter(|s| s.len() >= 3)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_for_the_index_are_literal_and_json_safe() {
        assert_eq!(longest_safe_fragment("*@acme.com"), Some("@acme.com".into()));
        assert_eq!(longest_safe_fragment("a*bcd*ef"), Some("bcd".into()));
        assert_eq!(longest_safe_fragment("ab"), None);
        assert_eq!(longest_safe_fragment("caf\u{e9} au lait"), Some(" au lait".into()));
        assert_eq!(longest_safe_fragment("a/b/c"), None, "JSON may write / as \\/");
        assert_eq!(glob_to_like("/orders*"), "/orders%");
        assert_eq!(glob_to_like("50%_off*"), "50\\%\\_off%");
    }

    use proptest::prelude::*;

    /// A store whose captures are all in the full-text index.
    static INDEXED: std::sync::LazyLock<(crate::store::Store, tempfile::TempDir)> = std::sync::LazyLock::new(
        || {
            use crate::store::{Durability, Store, journal, queries};
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("t.db");
            let store = Store::open(&db, Durability::Process, std::sync::Arc::new(|_, _| {})).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let bodies: [&[u8]; 8] = [
            br#"{"type":"ContactCreate","email":"Jane@ACME.com","amount":120}"#,
            br#"{"type":"OrderPaid","customer":{"email":"bob@other.org"},"amount":"15.5","items":[{"sku":"A-1"},{"sku":"B-2"}]}"#,
            br#"{"type":"contactcreate","tags":["vip","push"],"note":"caf\u00e9 acme"}"#,
            b"plain text push acme zq",
            b"",
            b"\x00\x01 binary acme",
            br#"{"a":{"b":{"c":[1,2,3]}},"email":"x@acme.com.evil"}"#,
            br#"[{"type":"ContactCreate"}]"#,
        ];
            let headers = [
                r#"[{"name":"X-GitHub-Event","value":"push"}]"#,
                r#"[{"name":"x-github-event","value":"pull_request"},{"name":"Webhook-Id","value":"msg_1"}]"#,
                r#"[{"name":"Content-Type","value":"application/json"}]"#,
                r#"[]"#,
            ];
            for (i, body) in bodies.iter().enumerate() {
                let mut c = journal::tests::sample(0, body).capture;
                c.headers_json = headers[i % headers.len()].into();
                c.path = ["/orders/1", "/ORDERS/2", "/health", "/zq"][i % 4].into();
                rt.block_on(store.write(move |conn, _| {
                    queries::insert_capture(
                        conn,
                        i as i64 + 1,
                        &c,
                        &crate::model::SentResponse { status: 200, headers: vec![], body: String::new() },
                    )
                    .map(drop)
                }))
                .unwrap();
            }
            rt.block_on(store.close());
            drop(store);
            // Reopened, the writer indexes what it finds; wait for it.
            let store = Store::open(&db, Durability::Process, std::sync::Arc::new(|_, _| {})).unwrap();
            for _ in 0..500 {
                if store.read_blocking(queries::indexed_upto).unwrap() >= bodies.len() as i64 {
                    return (store, dir);
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            panic!("the full-text index did not catch up");
        },
    );

    fn ids(q: &Expr, upto: i64) -> Vec<i64> {
        let (store, _) = &*INDEXED;
        let mut args = Vec::new();
        let cond = Compiler::new(&mut args, upto).compile(q);
        store
            .read_blocking(|c| {
                let mut stmt = c.prepare(&format!("SELECT id FROM captures WHERE {cond} ORDER BY id"))?;
                let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
            })
            .unwrap()
    }

    fn words() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "acme",
            "ACME",
            "push",
            "zq",
            "ContactCreate",
            "contact*",
            "*@acme.com",
            "15.5",
            "120",
            "*",
            "A-1",
            "B-*",
            "pull_request",
            "pull*",
            "msg_1",
            "json",
            "café",
            "caf\\u00e9",
            "text",
            "x",
        ])
        .prop_map(str::to_owned)
    }

    fn text_term() -> impl Strategy<Value = String> {
        prop_oneof![
            words(),
            words().prop_map(|w| format!("\"{w}\"")),
            (
                prop::sample::select(vec![
                    "type",
                    "email",
                    "customer.email",
                    "items.sku",
                    "items.1.sku",
                    "amount",
                    "tags",
                    "a.b.c",
                    "note"
                ]),
                words()
            )
                .prop_map(|(p, w)| format!("body.{p}:\"{w}\"")),
            (
                prop::sample::select(vec!["amount", "a.b.c", "items"]),
                prop::sample::select(vec![">", "<", ">=", "<="]),
                0i32..200
            )
                .prop_map(|(p, op, n)| format!("body.{p}:{op}{n}")),
            (prop::sample::select(vec!["x-github-event", "webhook-id", "content-type", "x-none"]), words())
                .prop_map(|(h, w)| format!("header.{h}:\"{w}\"")),
            words().prop_map(|w| format!("path:\"{w}\"")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The index only narrows: a query finds the same captures whether or
        /// not they are in it (upto 0: every row is checked exactly).
        #[test]
        fn the_full_text_index_never_changes_what_a_query_finds(
            terms in prop::collection::vec(text_term(), 1..3),
            negate in any::<bool>(),
        ) {
            let q = format!("{}{}", if negate { "-" } else { "" }, terms.join(" OR "));
            let q = if negate && terms.len() > 1 { format!("-({})", terms.join(" OR ")) } else { q };
            let Some(e) = crate::search::parse(&q).map_err(|err| TestCaseError::fail(format!("{q}: {err}")))? else {
                return Ok(());
            };
            prop_assert_eq!(ids(&e, i64::MAX / 2), ids(&e, 0), "{}", q);
        }
    }

    #[test]
    fn user_values_never_reach_the_sql_text() {
        let q = super::super::query::parse(
            r#"body.name:"x'; DROP TABLE captures; --" OR path:/a'b* OR tag:"o'k" OR "te'xt""#,
        )
        .unwrap()
        .unwrap();
        let mut args = Vec::new();
        let sql = Compiler::new(&mut args, 0).compile(&q);
        assert!(
            !sql.contains("DROP") && !sql.contains("a'b") && !sql.contains("o'k") && !sql.contains("te'xt")
        );
    }
}
