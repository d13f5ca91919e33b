//! The diff as text for people (`hookbench diff`), optionally coloured.

use std::fmt::Write as _;

use serde_json::Value;

use super::diff::{BodyDiffKind, ChangeArea, ChangeKind, DiffResult};
use super::lines::LineOpKind;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Values longer than this are cut (with `…`).
const MAX_VALUE: usize = 120;
/// Unchanged lines shown around a changed one in a text body.
const CONTEXT: usize = 2;

fn short(v: &Option<Value>) -> String {
    let s = match v {
        None => return "-".into(),
        Some(v) => v.to_string(),
    };
    if s.chars().count() <= MAX_VALUE {
        return s;
    }
    let mut cut: String = s.chars().take(MAX_VALUE).collect();
    cut.push('…');
    cut
}

fn area(a: ChangeArea) -> &'static str {
    match a {
        ChangeArea::Method => "method",
        ChangeArea::Path => "path",
        ChangeArea::Query => "query",
        ChangeArea::Header => "header",
        ChangeArea::Body => "body",
    }
}

fn kind(k: ChangeKind) -> (&'static str, &'static str) {
    match k {
        ChangeKind::Added => ("added", GREEN),
        ChangeKind::Removed => ("removed", RED),
        ChangeKind::Changed => ("changed", YELLOW),
        ChangeKind::TypeChanged => ("type_changed", YELLOW),
        ChangeKind::Moved => ("moved", CYAN),
    }
}

/// Render a diff as lines of text.
pub fn render_text(d: &DiffResult, colour: bool) -> String {
    let paint = |c: &str, s: &str| if colour { format!("{c}{s}{RESET}") } else { s.to_owned() };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "capture {} ({} {}) → capture {} ({} {})",
        d.a.id, d.a.method, d.a.path, d.b.id, d.b.method, d.b.path
    );
    if d.changes.is_empty() {
        let _ = writeln!(out, "no differences");
    }
    for c in &d.changes {
        let (k, col) = kind(c.kind);
        let path = if c.path.is_empty() && c.area == ChangeArea::Body { "(root)" } else { c.path.as_str() };
        let values = match c.kind {
            ChangeKind::Added => short(&c.b),
            ChangeKind::Removed => short(&c.a),
            ChangeKind::Moved => format!("position {} → {}", short(&c.a), short(&c.b)),
            _ => format!("{} → {}", short(&c.a), short(&c.b)),
        };
        let vol = if c.volatile { paint(DIM, " (volatile)") } else { String::new() };
        let _ = writeln!(out, "{:<7} {:<13} {} {}{}", area(c.area), paint(col, k), path, values, vol);
    }
    if d.hidden_volatile > 0 {
        let _ = writeln!(out, "{}", paint(DIM, &format!("{} volatile changes hidden", d.hidden_volatile)));
    }
    match d.body.kind {
        BodyDiffKind::Binary => {
            let _ = writeln!(
                out,
                "body: binary, {} bytes (sha256 {}) → {} bytes (sha256 {})",
                d.body.a_size, d.body.a_sha256, d.body.b_size, d.body.b_sha256
            );
        }
        BodyDiffKind::Text => {
            if let Some(lines) = &d.body.lines {
                let near = |i: usize| {
                    let lo = i.saturating_sub(CONTEXT);
                    let hi = (i + CONTEXT + 1).min(lines.len());
                    lines[lo..hi].iter().any(|l| l.op != LineOpKind::Equal)
                };
                let mut skipped = false;
                for (i, l) in lines.iter().enumerate() {
                    if !near(i) {
                        skipped = true;
                        continue;
                    }
                    if skipped {
                        let _ = writeln!(out, "{}", paint(DIM, "…"));
                        skipped = false;
                    }
                    let _ = match l.op {
                        LineOpKind::Equal => writeln!(out, "  {}", l.text),
                        LineOpKind::Removed => writeln!(out, "{}", paint(RED, &format!("- {}", l.text))),
                        LineOpKind::Added => writeln!(out, "{}", paint(GREEN, &format!("+ {}", l.text))),
                    };
                }
            }
        }
        BodyDiffKind::Json | BodyDiffKind::Empty => {}
    }
    out
}
