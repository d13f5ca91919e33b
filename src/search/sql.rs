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
                DialectFilter::Marketplace => "(dialect = 'highlevel-marketplace')".into(),
                DialectFilter::Workflow => "(dialect = 'highlevel-workflow')".into(),
                DialectFilter::HighLevel => "(dialect LIKE 'highlevel-%')".into(),
                DialectFilter::None => "(dialect IS NULL)".into(),
            },
        }
    }

    /// Full text: a substring of `METHOD path?query`, the header lines or the
    /// body's text (any case).
    fn text(&mut self, q: &str) -> String {
        let like = self.arg(like_pattern(q));
        let scan = format!(
            "(method || ' ' || path || coalesce('?' || query, '') LIKE ?{like} ESCAPE '\\'
              OR headers LIKE ?{like} ESCAPE '\\'
              OR (CASE WHEN body_external THEN hb_body_text(body, body_external, body_sha256)
                       WHEN instr(substr(body, 1, 1024), x'00') > 0 THEN ''
                       ELSE CAST(substr(body, 1, {FTS_BODY_LIMIT}) AS TEXT) END) LIKE ?{like} ESCAPE '\\')"
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
