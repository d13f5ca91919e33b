//! The capture query language: a tokenizer and a recursive-descent parser that
//! keep byte positions, so an error can point at the token that is wrong.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*          juxtaposition is AND
//! unary   := "-" unary | primary
//! primary := "(" or ")" | term
//! term    := field ":" value | "starred" | "duplicate" | word | "quoted text"
//! ```
//!
//! A bare word (or quoted text) is full text; `field:value` is a field query.
//! Printing a parsed query ([`std::fmt::Display`]) gives text that parses back
//! to the same tree.

use std::fmt;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

impl Expr {
    /// Whether any term of the query is `duplicate` (it reads event ids).
    pub fn uses_event_ids(&self) -> bool {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().any(Expr::uses_event_ids),
            Expr::Not(e) => e.uses_event_ids(),
            Expr::Term(t) => matches!(t, Term::Duplicate),
        }
    }
}

/// Comparison operators of numeric fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Op::Eq => "",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
    /// `a op b`.
    pub fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
        }
    }
}

/// What a `body.<path>:` term compares.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyCmp {
    /// Text with `*` wildcards (any case); a number when it reads as one.
    Glob(String),
    /// `>`, `<`, `>=`, `<=` against a number.
    Num(Op, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCmp {
    Cmp(Op, u16),
    /// `4xx`: the hundred.
    Class(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialectFilter {
    Marketplace,
    Workflow,
    /// Either HighLevel dialect.
    HighLevel,
    /// No known dialect.
    None,
}

impl DialectFilter {
    fn as_str(self) -> &'static str {
        match self {
            DialectFilter::Marketplace => "highlevel-marketplace",
            DialectFilter::Workflow => "highlevel-workflow",
            DialectFilter::HighLevel => "highlevel",
            DialectFilter::None => "none",
        }
    }
}

/// One condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// Full text: a substring of the request line, headers or text body (any case).
    Text(String),
    /// `method:POST` (any case).
    Method(String),
    /// `path:/orders*`: the path, `*` matching anything (any case).
    Path(String),
    /// `header.<name>:<glob>`; the name is lower-case.
    Header {
        name: String,
        value: String,
    },
    /// `body.<path>:…` on JSON bodies; the path's segments.
    Body {
        path: Vec<String>,
        cmp: BodyCmp,
    },
    Status(StatusCmp),
    /// `size:>10kb`: the body size in bytes.
    Size(Op, u64),
    /// `after:` — received at or after this time (ms since the epoch).
    After(i64),
    /// `before:` — received before this time (ms since the epoch).
    Before(i64),
    Tag(String),
    Starred,
    Duplicate,
    Dialect(DialectFilter),
}

/// Why a query could not be parsed, and where (bytes into the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub position: usize,
    pub length: usize,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {})", self.message, self.position)
    }
}

impl std::error::Error for QueryError {}

/// The field names, for errors and suggestions.
pub const FIELDS: &[&str] = &[
    "method",
    "path",
    "header",
    "body",
    "status",
    "size",
    "after",
    "before",
    "tag",
    "starred",
    "duplicate",
    "dialect",
];

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Minus,
    Or,
    And,
    /// A bare word or quoted text.
    Word {
        text: String,
        quoted: bool,
    },
    /// `name:value`.
    Field {
        name: String,
        name_len: usize,
        value: String,
        value_pos: usize,
        value_len: usize,
        quoted: bool,
    },
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    len: usize,
}

fn is_field_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']' | '$' | '@')
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

/// Read a quoted string starting at `start` (a `"`); returns the text and the
/// byte just past the closing quote. `\"` and `\\` are escapes.
fn read_quoted(q: &str, start: usize) -> Result<(String, usize), QueryError> {
    let mut out = String::new();
    let mut chars = q[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(QueryError {
        message: "this quote is never closed: add a `\"` at the end".into(),
        position: start,
        length: q.len() - start,
    })
}

fn tokenize(q: &str) -> Result<Vec<Token>, QueryError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < q.len() {
        let Some(c) = q[i..].chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        match c {
            '(' => {
                out.push(Token { tok: Tok::LParen, pos: i, len: 1 });
                i += 1;
            }
            ')' => {
                out.push(Token { tok: Tok::RParen, pos: i, len: 1 });
                i += 1;
            }
            '-' if q[i + 1..].chars().next().is_some_and(|n| !n.is_whitespace() && n != ')') => {
                out.push(Token { tok: Tok::Minus, pos: i, len: 1 });
                i += 1;
            }
            '"' => {
                let (text, end) = read_quoted(q, i)?;
                out.push(Token { tok: Tok::Word { text, quoted: true }, pos: i, len: end - i });
                i = end;
            }
            _ => {
                let start = i;
                let mut end = q.len();
                let mut field = None;
                for (j, c) in q[start..].char_indices() {
                    if ends_word(c) {
                        end = start + j;
                        break;
                    }
                    if c == ':' && field.is_none() {
                        let name = &q[start..start + j];
                        if name.starts_with(|c: char| c.is_ascii_alphabetic())
                            && name.chars().all(is_field_char)
                        {
                            field = Some(start + j);
                            if q[start + j + 1..].starts_with('"') {
                                break;
                            }
                        } else {
                            // `12:30`, `a/b:c`: a plain word.
                            field = Some(usize::MAX);
                        }
                    }
                }
                match field {
                    Some(colon) if colon != usize::MAX => {
                        let name = q[start..colon].to_owned();
                        let vstart = colon + 1;
                        let (value, vend, quoted) = if q[vstart..].starts_with('"') {
                            let (v, e) = read_quoted(q, vstart)?;
                            (v, e, true)
                        } else {
                            let e = q[vstart..].find(ends_word).map_or(q.len(), |k| vstart + k);
                            (q[vstart..e].to_owned(), e, false)
                        };
                        out.push(Token {
                            tok: Tok::Field {
                                name_len: colon - start,
                                name,
                                value,
                                value_pos: vstart,
                                value_len: vend - vstart,
                                quoted,
                            },
                            pos: start,
                            len: vend - start,
                        });
                        i = vend;
                    }
                    _ => {
                        let text = &q[start..end];
                        let tok = match text {
                            "OR" => Tok::Or,
                            "AND" => Tok::And,
                            _ => Tok::Word { text: text.to_owned(), quoted: false },
                        };
                        out.push(Token { tok, pos: start, len: end - start });
                        i = end;
                    }
                }
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

/// Parse a query. `Ok(None)`: the query is empty (filters nothing).
pub fn parse(q: &str) -> Result<Option<Expr>, QueryError> {
    let tokens = tokenize(q)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut p = Parser { tokens: &tokens, i: 0, src_len: q.len(), depth: 0, terms: 0 };
    let e = p.or()?;
    if let Some(t) = p.peek() {
        // The only way `or` stops early is a `)` without its `(`.
        return Err(QueryError {
            message: "this `)` has no `(` before it".into(),
            position: t.pos,
            length: t.len,
        });
    }
    Ok(Some(e))
}

/// How deep `-` and `(` may nest: the parser, the compiler and the SQL they
/// produce all recurse once per level, so a hostile `((((…` or `----…` must
/// stop here rather than overflow the stack.
pub const MAX_NESTING: usize = 32;

/// How many terms a query may have: each adds a level to the SQL expression
/// SQLite builds (at most 1000 deep), so a longer query would fail there (500).
pub const MAX_TERMS: usize = 100;

struct Parser<'a> {
    tokens: &'a [Token],
    i: usize,
    src_len: usize,
    /// `-` and `(` levels open around the current term.
    depth: usize,
    /// Terms read so far.
    terms: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.i)
    }

    fn end_error(&self, message: &str) -> QueryError {
        QueryError { message: message.into(), position: self.src_len, length: 0 }
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut items = vec![self.and()?];
        while let Some(t) = self.peek() {
            if t.tok != Tok::Or {
                break;
            }
            let or = t.clone();
            self.i += 1;
            match self.peek().map(|t| &t.tok) {
                None | Some(Tok::RParen) | Some(Tok::Or) | Some(Tok::And) => {
                    return Err(QueryError {
                        message: "`OR` needs a term after it".into(),
                        position: or.pos,
                        length: or.len,
                    });
                }
                _ => items.push(self.and()?),
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Or | Tok::RParen => break,
                Tok::And => {
                    let and = t.clone();
                    self.i += 1;
                    if items.is_empty()
                        || matches!(
                            self.peek().map(|t| &t.tok),
                            None | Some(Tok::RParen | Tok::Or | Tok::And)
                        )
                    {
                        return Err(QueryError {
                            message: "`AND` needs a term on each side".into(),
                            position: and.pos,
                            length: and.len,
                        });
                    }
                }
                _ => items.push(self.unary()?),
            }
        }
        match items.len() {
            0 => Err(match self.peek() {
                Some(t) if t.tok == Tok::Or => QueryError {
                    message: "`OR` needs a term before it".into(),
                    position: t.pos,
                    length: t.len,
                },
                Some(t) => QueryError {
                    message: "this `)` has no `(` before it".into(),
                    position: t.pos,
                    length: t.len,
                },
                None => self.end_error("the query ends where a term was expected"),
            }),
            1 => Ok(items.remove(0)),
            _ => Ok(Expr::And(items)),
        }
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.end_error("the query ends where a term was expected"));
        };
        if matches!(t.tok, Tok::Minus | Tok::LParen) {
            if self.depth >= MAX_NESTING {
                return Err(QueryError {
                    message: format!("the query nests `-` and `(` more than {MAX_NESTING} deep"),
                    position: t.pos,
                    length: 1,
                });
            }
            self.depth += 1;
            let e = self.nested(&t);
            self.depth -= 1;
            return e;
        }
        self.simple(t)
    }

    /// A `-term` or `( … )`.
    fn nested(&mut self, t: &Token) -> Result<Expr, QueryError> {
        match t.tok {
            Tok::Minus => {
                self.i += 1;
                if self.peek().is_none() {
                    return Err(QueryError {
                        message: "`-` needs a term after it".into(),
                        position: t.pos,
                        length: 1,
                    });
                }
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Tok::LParen => {
                self.i += 1;
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::RParen)) {
                    return Err(QueryError {
                        message: "empty parentheses".into(),
                        position: t.pos,
                        length: 2,
                    });
                }
                if self.peek().is_none() {
                    return Err(QueryError {
                        message: "this `(` is never closed".into(),
                        position: t.pos,
                        length: 1,
                    });
                }
                let e = self.or()?;
                match self.peek() {
                    Some(r) if r.tok == Tok::RParen => {
                        self.i += 1;
                        Ok(e)
                    }
                    _ => Err(QueryError {
                        message: "this `(` is never closed".into(),
                        position: t.pos,
                        length: 1,
                    }),
                }
            }
            _ => self.simple(t.clone()),
        }
    }

    /// A word or a field term.
    fn simple(&mut self, t: Token) -> Result<Expr, QueryError> {
        if matches!(t.tok, Tok::Word { .. } | Tok::Field { .. }) {
            self.terms += 1;
            if self.terms > MAX_TERMS {
                return Err(QueryError {
                    message: format!("a query has at most {MAX_TERMS} terms"),
                    position: t.pos,
                    length: t.len,
                });
            }
        }
        match t.tok {
            Tok::Word { ref text, quoted } => {
                self.i += 1;
                Ok(Expr::Term(match (text.as_str(), quoted) {
                    ("starred", false) => Term::Starred,
                    ("duplicate", false) => Term::Duplicate,
                    _ => Term::Text(text.clone()),
                }))
            }
            Tok::Field { ref name, name_len, ref value, value_pos, value_len, quoted } => {
                self.i += 1;
                let at = FieldAt { name_pos: t.pos, name_len, value_pos, value_len, quoted };
                Ok(Expr::Term(field_term(name, value, &at)?))
            }
            Tok::Or | Tok::And | Tok::RParen | Tok::Minus | Tok::LParen => Err(QueryError {
                message: format!("a term was expected here, not `{}`", token_text(&t.tok)),
                position: t.pos,
                length: t.len,
            }),
        }
    }
}

fn token_text(t: &Tok) -> &'static str {
    match t {
        Tok::Or => "OR",
        Tok::And => "AND",
        Tok::RParen => ")",
        Tok::LParen => "(",
        Tok::Minus => "-",
        Tok::Word { .. } | Tok::Field { .. } => "text",
    }
}

struct FieldAt {
    name_pos: usize,
    name_len: usize,
    value_pos: usize,
    value_len: usize,
    quoted: bool,
}

impl FieldAt {
    fn name_err(&self, message: String) -> QueryError {
        QueryError { message, position: self.name_pos, length: self.name_len }
    }
    fn value_err(&self, message: String) -> QueryError {
        // An empty value: point at the colon.
        if self.value_len == 0 {
            return QueryError { message, position: self.value_pos - 1, length: 1 };
        }
        QueryError { message, position: self.value_pos, length: self.value_len }
    }
}

fn field_term(name: &str, value: &str, at: &FieldAt) -> Result<Term, QueryError> {
    let lower = name.to_ascii_lowercase();
    let need_value = |what: &str| {
        if value.is_empty() && !at.quoted {
            Err(at.value_err(format!("`{name}:` needs {what}")))
        } else {
            Ok(())
        }
    };
    if let Some(h) = lower.strip_prefix("header.") {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return Err(at.name_err(format!("`{name}` is not a header name: write `header.<name>:value`")));
        }
        need_value("a value (`*` for any)")?;
        return Ok(Term::Header { name: h.to_owned(), value: value.to_owned() });
    }
    if lower.starts_with("body.") {
        let path = parse_body_path(&name[5..])
            .map_err(|m| at.name_err(format!("`{name}`: {m}; write `body.<dotted.path>:value`")))?;
        need_value("a value (`*` for any)")?;
        let cmp = match comparison(value) {
            _ if at.quoted => BodyCmp::Glob(value.to_owned()),
            (Op::Eq, _) => BodyCmp::Glob(value.to_owned()),
            (op, rest) => {
                let n = rest
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| at.value_err(format!("`{}` needs a number after it", op.prefix())))?;
                BodyCmp::Num(op, n)
            }
        };
        return Ok(Term::Body { path, cmp });
    }
    match lower.as_str() {
        "method" => {
            need_value("a method, like `method:POST`")?;
            if !value.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(at.value_err(format!("`{value}` is not an HTTP method")));
            }
            Ok(Term::Method(value.to_ascii_uppercase()))
        }
        "path" => {
            need_value("a path, like `path:/orders*`")?;
            Ok(Term::Path(value.to_owned()))
        }
        "status" => {
            need_value("a status, like `status:404`, `status:>=400` or `status:5xx`")?;
            let lv = value.to_ascii_lowercase();
            if let Some(d) = lv.strip_suffix("xx")
                && let Ok(h @ 1..=5) = d.parse::<u16>()
                && d.len() == 1
            {
                return Ok(Term::Status(StatusCmp::Class(h)));
            }
            let (op, rest) = comparison(value);
            match rest.parse::<u16>() {
                Ok(n) if (100..=999).contains(&n) && rest.len() == 3 => Ok(Term::Status(StatusCmp::Cmp(op, n))),
                _ => Err(at.value_err(format!(
                    "`{value}` is not a status: write `404`, `>=400` or `5xx`"
                ))),
            }
        }
        "size" => {
            need_value("a size, like `size:>10kb`")?;
            let (op, rest) = comparison(value);
            parse_size(rest)
                .map(|n| Term::Size(op, n))
                .ok_or_else(|| at.value_err(format!("`{value}` is not a size: write `>10kb`, `<2mb` or `0`")))
        }
        "after" | "before" => {
            need_value("a date, like `2026-11-01` or `2026-11-01T09:30`")?;
            let ms = parse_time(value).ok_or_else(|| {
                at.value_err(format!(
                    "`{value}` is not a date: write `2026-11-01` or `2026-11-01T09:30:00Z` (UTC)"
                ))
            })?;
            Ok(if lower == "after" { Term::After(ms) } else { Term::Before(ms) })
        }
        "tag" => {
            need_value("a tag, like `tag:bug`")?;
            Ok(Term::Tag(value.to_owned()))
        }
        "dialect" => match value.to_ascii_lowercase().as_str() {
            "highlevel-marketplace" | "marketplace" => Ok(Term::Dialect(DialectFilter::Marketplace)),
            "highlevel-workflow" | "workflow" => Ok(Term::Dialect(DialectFilter::Workflow)),
            "highlevel" => Ok(Term::Dialect(DialectFilter::HighLevel)),
            "none" => Ok(Term::Dialect(DialectFilter::None)),
            _ => Err(at.value_err(format!(
                "`{value}` is not a dialect: write `highlevel-marketplace`, `highlevel-workflow`, `highlevel` or `none`"
            ))),
        },
        "starred" | "duplicate" => {
            Err(at.name_err(format!("`{lower}` takes no value: write just `{lower}`")))
        }
        "header" | "body" => Err(at.name_err(format!("write `{lower}.<name>:value`"))),
        _ => {
            let hint = match suggest(&lower) {
                Some(s) => format!(" — did you mean `{s}`?"),
                None => format!(" (known: {}; quote the word to search for it as text)", FIELDS.join(", ")),
            };
            Err(at.name_err(format!("unknown field `{name}`{hint}")))
        }
    }
}

/// `>=10` → (Ge, "10"); `10` → (Eq, "10").
fn comparison(v: &str) -> (Op, &str) {
    for (p, op) in [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)] {
        if let Some(rest) = v.strip_prefix(p) {
            return (op, rest);
        }
    }
    (Op::Eq, v)
}

fn parse_body_path(p: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    for seg in p.split('.') {
        // `items[0]` is `items.0`.
        let mut rest = seg;
        let head_end = rest.find('[').unwrap_or(rest.len());
        let head = &rest[..head_end];
        if head.is_empty() && head_end == rest.len() {
            return Err("an empty path segment");
        }
        if !head.is_empty() {
            out.push(head.to_owned());
        }
        rest = &rest[head_end..];
        while !rest.is_empty() {
            let Some(inner) = rest.strip_prefix('[') else { return Err("`[` must follow a name") };
            let Some(close) = inner.find(']') else { return Err("a `[` without `]`") };
            let idx = &inner[..close];
            if idx.is_empty() || !idx.bytes().all(|b| b.is_ascii_digit()) {
                return Err("only numbers go in `[ ]`");
            }
            out.push(idx.to_owned());
            rest = &inner[close + 1..];
        }
    }
    if out.is_empty() {
        return Err("an empty path");
    }
    Ok(out)
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.to_ascii_lowercase();
    let digits = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(digits);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = n * mult;
    (bytes.is_finite() && bytes < 9.0e15).then_some(bytes.round() as u64)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn num(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// `2026-11-01`, `2026-11-01T09:30`, `2026-11-01T09:30:15`, `…15.250`, with an
/// optional `Z`; always UTC. Milliseconds since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y = num(parts.next()?, 4)?;
    let m = num(parts.next()?, 2)?;
    let d = num(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if let Some(t) = time {
        let (hms, frac) = match t.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        let mut it = hms.split(':');
        let h = num(it.next()?, 2)?;
        let mi = num(it.next()?, 2)?;
        let sec = match it.next() {
            Some(x) => num(x, 2)?,
            None => 0,
        };
        if it.next().is_some() || h > 23 || mi > 59 || sec > 59 {
            return None;
        }
        let millis = match frac {
            Some(f) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => {
                f.parse::<i64>().ok()? * 10_i64.pow(3 - f.len() as u32)
            }
            Some(_) => return None,
            None => 0,
        };
        ms += ((h * 60 + mi) * 60 + sec) * 1000 + millis;
    }
    Some(ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2026-11-01T09:30:15.250Z` (as short as the value allows).
pub fn format_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    if rem == 0 {
        return format!("{y:04}-{m:02}-{d:02}");
    }
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest(name: &str) -> Option<&'static str> {
    // `headers.x` or `hdr.x`: the part before the dot is what is misspelt.
    let head = name.split('.').next().unwrap_or(name);
    FIELDS
        .iter()
        .map(|f| (levenshtein(head, f), *f))
        .filter(|(d, f)| *d <= 2 && *d < f.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

// ---------------------------------------------------------------- printing

/// A value as the tokenizer reads it back: bare when it can be, else quoted.
fn value_text(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let bare = !v.is_empty() && !v.starts_with('"') && !v.chars().any(ends_word);
    if bare { f.write_str(v) } else { quoted(v, f) }
}

fn quoted(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("\"")?;
    for c in v.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn fmt_num(n: f64) -> String {
    format!("{n}")
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Text(t) => {
                let bare = !t.is_empty()
                    && !t.starts_with(['"', '-'])
                    && !t.chars().any(|c| ends_word(c) || c == ':')
                    && !matches!(t.as_str(), "OR" | "AND" | "starred" | "duplicate");
                if bare { f.write_str(t) } else { quoted(t, f) }
            }
            Term::Method(m) => write!(f, "method:{m}"),
            Term::Path(p) => {
                f.write_str("path:")?;
                value_text(p, f)
            }
            Term::Header { name, value } => {
                write!(f, "header.{name}:")?;
                value_text(value, f)
            }
            Term::Body { path, cmp } => {
                f.write_str("body")?;
                for seg in path {
                    write!(f, ".{seg}")?;
                }
                f.write_str(":")?;
                match cmp {
                    BodyCmp::Glob(v) => {
                        // A glob that starts like an operator must be quoted to stay a glob.
                        if comparison(v).0 != Op::Eq { quoted(v, f) } else { value_text(v, f) }
                    }
                    BodyCmp::Num(op, n) => write!(f, "{}{}", op.prefix(), fmt_num(*n)),
                }
            }
            Term::Status(StatusCmp::Class(h)) => write!(f, "status:{h}xx"),
            Term::Status(StatusCmp::Cmp(op, n)) => write!(f, "status:{}{n}", op.prefix()),
            Term::Size(op, n) => write!(f, "size:{}{n}", op.prefix()),
            Term::After(ms) => write!(f, "after:{}", format_time(*ms)),
            Term::Before(ms) => write!(f, "before:{}", format_time(*ms)),
            Term::Tag(t) => {
                f.write_str("tag:")?;
                value_text(t, f)
            }
            Term::Starred => f.write_str("starred"),
            Term::Duplicate => f.write_str("duplicate"),
            Term::Dialect(d) => write!(f, "dialect:{}", d.as_str()),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |e: &Expr, f: &mut fmt::Formatter<'_>| -> fmt::Result {
            match e {
                Expr::And(_) | Expr::Or(_) => write!(f, "({e})"),
                _ => write!(f, "{e}"),
            }
        };
        match self {
            Expr::Term(t) => write!(f, "{t}"),
            Expr::Not(e) => {
                f.write_str("-")?;
                group(e, f)
            }
            Expr::And(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    group(e, f)?;
                }
                Ok(())
            }
            Expr::Or(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match e {
                        Expr::Or(_) => write!(f, "({e})")?,
                        _ => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Expr {
        parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).unwrap()
    }

    fn t(term: Term) -> Expr {
        Expr::Term(term)
    }

    fn err(q: &str) -> QueryError {
        parse(q).expect_err(q)
    }

    #[test]
    fn hostile_nesting_is_a_bad_query_not_a_stack_overflow() {
        for q in [
            "-".repeat(100_000) + "x",
            "(".repeat(100_000) + "x" + &")".repeat(100_000),
            "-(".repeat(50_000) + "x",
        ] {
            let e = err(&q);
            assert_eq!(e.position, MAX_NESTING, "{}", e.message);
            assert_eq!(e.length, 1);
        }
        let ok = "(".repeat(MAX_NESTING - 1) + "-x" + &")".repeat(MAX_NESTING - 1);
        assert_eq!(p(&ok).to_string(), "-x");
    }

    #[test]
    fn fields_parse_to_terms() {
        assert_eq!(p("method:post"), t(Term::Method("POST".into())));
        assert_eq!(p("path:/orders*"), t(Term::Path("/orders*".into())));
        assert_eq!(
            p("header.X-GitHub-Event:push"),
            t(Term::Header { name: "x-github-event".into(), value: "push".into() })
        );
        assert_eq!(
            p("body.customer.email:*@acme.com"),
            t(Term::Body {
                path: vec!["customer".into(), "email".into()],
                cmp: BodyCmp::Glob("*@acme.com".into())
            })
        );
        assert_eq!(
            p("body.items[0].qty:>=2"),
            t(Term::Body {
                path: vec!["items".into(), "0".into(), "qty".into()],
                cmp: BodyCmp::Num(Op::Ge, 2.0)
            })
        );
        assert_eq!(
            p(r#"body.name:"Jane Doe""#),
            t(Term::Body { path: vec!["name".into()], cmp: BodyCmp::Glob("Jane Doe".into()) })
        );
        assert_eq!(p("status:>=400"), t(Term::Status(StatusCmp::Cmp(Op::Ge, 400))));
        assert_eq!(p("status:5xx"), t(Term::Status(StatusCmp::Class(5))));
        assert_eq!(p("status:404"), t(Term::Status(StatusCmp::Cmp(Op::Eq, 404))));
        assert_eq!(p("size:>10kb"), t(Term::Size(Op::Gt, 10 * 1024)));
        assert_eq!(p("size:<1.5MB"), t(Term::Size(Op::Lt, 1_572_864)));
        assert_eq!(p("after:2026-11-01"), t(Term::After(1_793_491_200_000)));
        assert_eq!(p("before:2026-11-01T09:30Z"), t(Term::Before(1_793_491_200_000 + 34_200_000)));
        assert_eq!(p("tag:bug"), t(Term::Tag("bug".into())));
        assert_eq!(p("starred"), t(Term::Starred));
        assert_eq!(p("duplicate"), t(Term::Duplicate));
        assert!(p("method:post (tag:a OR -duplicate)").uses_event_ids());
        assert!(!p("method:post \"duplicate\"").uses_event_ids());
        assert_eq!(p("dialect:workflow"), t(Term::Dialect(DialectFilter::Workflow)));
        assert_eq!(p(r#""starred""#), t(Term::Text("starred".into())), "quoted: text");
    }

    #[test]
    fn bare_words_stay_full_text() {
        for q in ["zebra-unicorn", "orders/ord_998", "page=7", "kiwi-", "_9", r#"a"b"#, "12:30", "-", "a/b:c"]
        {
            assert_eq!(p(q), t(Term::Text(q.into())), "{q}");
        }
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn terms_compose() {
        let a = || t(Term::Method("POST".into()));
        let b = || t(Term::Status(StatusCmp::Class(4)));
        let c = || t(Term::Text("x".into()));
        assert_eq!(p("method:POST status:4xx"), Expr::And(vec![a(), b()]));
        assert_eq!(p("method:POST AND status:4xx"), Expr::And(vec![a(), b()]));
        assert_eq!(p("method:POST OR status:4xx x"), Expr::Or(vec![a(), Expr::And(vec![b(), c()])]));
        assert_eq!(
            p("(method:POST OR status:4xx) -x"),
            Expr::And(vec![Expr::Or(vec![a(), b()]), Expr::Not(Box::new(c()))])
        );
        assert_eq!(p("-(x)"), Expr::Not(Box::new(c())));
    }

    #[test]
    fn errors_point_at_the_bad_token() {
        let e = err("method:POST stauts:>=400");
        assert_eq!((e.position, e.length), (12, 6));
        assert!(e.message.contains("did you mean `status`"), "{}", e.message);
        let e = err("status:>=abc");
        assert_eq!((e.position, e.length), (7, 5));
        let e = err("size:10parsecs");
        assert_eq!((e.position, e.length), (5, 9));
        let e = err("after:2026-13-01");
        assert_eq!((e.position, e.length), (6, 10));
        let e = err("(a OR b");
        assert_eq!((e.position, e.length), (0, 1));
        let e = err("a b)");
        assert_eq!((e.position, e.length), (3, 1));
        let e = err("a OR");
        assert_eq!((e.position, e.length), (2, 2));
        let e = err("OR a");
        assert_eq!((e.position, e.length), (0, 2));
        let e = err(r#"body.x:"open"#);
        assert_eq!((e.position, e.length), (7, 5));
        let e = err("tag:");
        assert_eq!((e.position, e.length), (3, 1), "an empty value points at the colon");
        let e = err("body.a:>x");
        assert_eq!((e.position, e.length), (7, 2));
        let e = err("x ()");
        assert_eq!((e.position, e.length), (2, 2));
        assert_eq!(p("héader.x:1"), t(Term::Text("héader.x:1".into())), "not a field name: text");
        assert!(err("http://example.com").message.contains("unknown field `http`"));
    }

    #[test]
    fn times_print_back_as_they_parse() {
        for s in ["2026-11-01", "2026-11-01T09:30:00Z", "2024-02-29T23:59:59.125Z", "1970-01-01"] {
            assert_eq!(parse_time(&format_time(parse_time(s).unwrap())), parse_time(s), "{s}");
        }
        assert_eq!(parse_time("2026-02-29"), None);
        assert_eq!(parse_time("2026-11-01T24:00"), None);
    }

    // ------------------------------------------------------------ properties

    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        // Any text at all, including quotes, colons, parens and spaces.
        prop_oneof!["[a-z0-9_./@-]{1,8}", any::<String>().prop_map(|s| s.chars().take(8).collect()),]
    }

    fn seg() -> impl Strategy<Value = String> {
        "[a-zA-Z_$@-][a-zA-Z0-9_$@-]{0,6}|[0-9]{1,2}"
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![Just(Op::Eq), Just(Op::Gt), Just(Op::Ge), Just(Op::Lt), Just(Op::Le)]
    }

    fn term() -> impl Strategy<Value = Term> {
        prop_oneof![
            word().prop_map(Term::Text),
            "[A-Z]{1,7}".prop_map(Term::Method),
            word().prop_map(Term::Path),
            ("[a-z][a-z0-9-]{0,10}", word()).prop_map(|(name, value)| Term::Header { name, value }),
            (proptest::collection::vec(seg(), 1..4), word())
                .prop_map(|(path, v)| Term::Body { path, cmp: BodyCmp::Glob(v) }),
            (
                proptest::collection::vec(seg(), 1..4),
                op().prop_filter("not eq", |o| *o != Op::Eq),
                -1e9f64..1e9
            )
                .prop_map(|(path, op, n)| Term::Body { path, cmp: BodyCmp::Num(op, n) }),
            (op(), 100u16..=999).prop_map(|(o, n)| Term::Status(StatusCmp::Cmp(o, n))),
            (1u16..=5).prop_map(|h| Term::Status(StatusCmp::Class(h))),
            (op(), 0u64..1 << 40).prop_map(|(o, n)| Term::Size(o, n)),
            (0i64..253_402_300_799_999).prop_map(Term::After),
            (0i64..253_402_300_799_999).prop_map(Term::Before),
            word().prop_map(Term::Tag),
            Just(Term::Starred),
            Just(Term::Duplicate),
            prop_oneof![
                Just(DialectFilter::Marketplace),
                Just(DialectFilter::Workflow),
                Just(DialectFilter::HighLevel),
                Just(DialectFilter::None)
            ]
            .prop_map(Term::Dialect),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        term().prop_map(Expr::Term).prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                inner.prop_map(|e| Expr::Not(Box::new(e))),
            ]
        })
    }

    /// A store with a few captures (JSON, text, binary) for queries to run against.
    static STORE: std::sync::LazyLock<(crate::store::Store, tempfile::TempDir)> =
        std::sync::LazyLock::new(|| {
            let dir = tempfile::tempdir().unwrap();
            let store = crate::store::Store::open(
                &dir.path().join("t.db"),
                crate::store::Durability::Process,
                std::sync::Arc::new(|_, _| {}),
            )
            .unwrap();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            for (i, body) in
                [&br#"{"type":"ContactCreate","a":{"b":[1,2]},"n":5}"#[..], b"plain text", b"\x00\x01bin"]
                    .into_iter()
                    .enumerate()
            {
                let mut c = crate::store::journal::tests::sample(0, body).capture;
                c.content_type = Some("application/json".into());
                rt.block_on(store.write(move |conn, _| {
                    crate::store::queries::insert_capture(
                        conn,
                        i as i64 + 1,
                        &c,
                        &crate::model::SentResponse { status: 200, headers: vec![], body: String::new() },
                    )
                    .map(drop)
                }))
                .unwrap();
            }
            (store, dir)
        });

    #[test]
    fn the_longest_and_deepest_query_allowed_still_runs_in_sqlite() {
        let (store, _dir) = &*STORE;
        let term = |i: usize| match i % 4 {
            0 => format!("body.a.b{i}:x*y"),
            1 => format!("header.x-h:v{i}"),
            2 => format!("word{i}"),
            _ => format!("-status:>={}", 100 + i),
        };
        for sep in [" OR ", " "] {
            let terms: Vec<String> = (0..MAX_TERMS).map(term).collect();
            // `-(` twice per level, and one more `-` in the terms.
            let wrap = MAX_NESTING / 2 - 1;
            let q = "-(".repeat(wrap) + &terms.join(sep) + &")".repeat(wrap);
            let e = parse(&q).unwrap_or_else(|e| panic!("{e:?}")).unwrap();
            let filter = crate::store::CaptureFilter { query: Some(e), limit: 50, ..Default::default() };
            let out = store.read_blocking(|c| crate::store::queries::list_captures(c, &filter));
            assert!(out.is_ok(), "{:?}", out.err());
            // One more term is a bad query, not a failing statement.
            let longer = format!("{q}{sep}one_more");
            let e = parse(&longer).expect_err("too many terms");
            assert_eq!(e.position, q.len() + sep.len());
            assert_eq!(e.length, "one_more".len());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn printing_a_tree_and_parsing_it_gives_the_same_tree(e in expr()) {
            let printed = e.to_string();
            let back = parse(&printed).map_err(|err| TestCaseError::fail(format!("{printed:?}: {err}")))?;
            prop_assert_eq!(back, Some(e), "printed as {:?}", printed);
        }

        #[test]
        fn the_parser_never_panics_and_errors_are_in_bounds(q in any::<String>()) {
            if let Err(e) = parse(&q) {
                prop_assert!(e.position <= q.len(), "{q:?}: {e:?}");
                prop_assert!(e.position + e.length <= q.len(), "{q:?}: {e:?}");
                prop_assert!(q.is_char_boundary(e.position), "{q:?}: {e:?}");
                prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn every_query_compiles_to_sql_that_runs(e in expr()) {
            let (store, _dir) = &*STORE;
            let filter = crate::store::CaptureFilter { query: Some(e.clone()), limit: 50, ..Default::default() };
            let out = store.read_blocking(|c| crate::store::queries::list_captures(c, &filter));
            prop_assert!(out.is_ok(), "{e}: {:?}", out.err());
        }

        #[test]
        fn query_like_input_never_panics(q in "[a-z()\" :.*<>=-]{0,24}|(OR|AND|-|\\(|\\)|\"|:| |status:|body\\.a:|x){0,10}") {
            if let Err(e) = parse(&q) {
                prop_assert!(e.position + e.length <= q.len(), "{q:?}: {e:?}");
            }
        }
    }
}
