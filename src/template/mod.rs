//! Merge-tag templates (issue 5): `{{contact.email}}`, `{{inboundWebhookRequest.items[0].sku}}`
//! in URLs, headers and bodies, rendered against a [`Context`] with output
//! escaped for where the tag stands, and linted with source positions.
//!
//! - [`parse`]: the template language, with byte spans for every mistake.
//! - [`render`]: values, filters, escaping per [`Mode`], unknown-tag lint with
//!   the nearest known tag.
//! - [`context`]: the roots a template can use (`inboundWebhookRequest`,
//!   `contact`, `env`, `steps`) and HighLevel's sample contact.

pub mod context;
pub mod parse;
pub mod render;

#[cfg(test)]
mod golden;

pub use context::{Context, sample_contact};
pub use render::{Mode, Rendered, render};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Something wrong in a template, at bytes `start..end` of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Diagnostic {
    pub message: String,
    pub start: usize,
    pub end: usize,
    /// What to write instead (a full tag such as `{{contact.email}}`, or a filter name).
    pub suggestion: Option<String>,
    /// `error`: the template is malformed there (the text is kept as written);
    /// `warning`: a tag names nothing in the context (it renders empty).
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Diagnostic {
    pub fn error(message: &str, start: usize, end: usize) -> Self {
        Diagnostic { message: message.to_owned(), start, end, suggestion: None, severity: Severity::Error }
    }
    pub fn warning(message: String, start: usize, end: usize, suggestion: Option<String>) -> Self {
        Diagnostic { message, start, end, suggestion, severity: Severity::Warning }
    }
}

/// The candidate closest to `word` by edit distance, if it [`is_close`].
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c.len(), c))
        .filter(|(d, _, _)| is_close(word, *d))
        .min()
        .map(|(_, _, c)| c)
}

/// Whether `distance` edits from `word` is close enough to be what was meant:
/// at most a third of the word's length, and at least 2.
pub fn is_close(word: &str, distance: usize) -> bool {
    distance <= (word.chars().count() / 3).max(2)
}

/// Edit distance between two strings, in characters (case-insensitive).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_word() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("Email", "email"), 0);
        assert_eq!(nearest("uper", ["upper", "lower"]), Some("upper"));
        assert_eq!(nearest("zzzzzz", ["upper", "lower"]), None);
    }
}
