//! The parser against tests/golden/template_tokens.json, the cases the UI's
//! tokenizer (ui/src/lib/template.ts) is checked against too: both must find
//! the same tags and the same malformed pieces at the same UTF-8 byte offsets.

use serde::Deserialize;

use super::Severity;
use super::parse::{Piece, parse};

#[derive(Debug, Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    template: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
struct Token {
    start: usize,
    end: usize,
    kind: String,
    #[serde(default)]
    path: Option<String>,
}

fn found(template: &str) -> Vec<Token> {
    let (pieces, diags) = parse(template);
    let mut out: Vec<Token> = pieces
        .into_iter()
        .filter_map(|p| match p {
            Piece::Tag(t) => {
                Some(Token { start: t.start, end: t.end, kind: "tag".into(), path: Some(t.path) })
            }
            Piece::Text(_) => None,
        })
        .chain(diags.into_iter().filter(|d| d.severity == Severity::Error).map(|d| Token {
            start: d.start,
            end: d.end,
            kind: "error".into(),
            path: None,
        }))
        .collect();
    out.sort();
    out
}

#[test]
fn parser_agrees_with_the_golden_cases() {
    let golden: Golden = serde_json::from_str(include_str!("../../tests/golden/template_tokens.json"))
        .expect("tests/golden/template_tokens.json is valid");
    assert!(golden.cases.len() > 20, "the golden file has its cases");
    let mut wrong = Vec::new();
    for case in &golden.cases {
        let mut expected = case.tokens.clone();
        expected.sort();
        let got = found(&case.template);
        if got != expected {
            wrong.push(format!(
                "{} ({:?}):\n  expected {expected:?}\n  got      {got:?}",
                case.name, case.template
            ));
        }
    }
    assert!(wrong.is_empty(), "the parser disagrees with the golden cases:\n{}", wrong.join("\n"));
}
