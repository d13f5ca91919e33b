//! A bounded line diff: common prefix and suffix trimmed, then a longest
//! common subsequence over what is left. Past [`MAX_CELLS`] (the LCS table) the
//! middle is shown as removed then added, so a diff never costs more than that.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Bound on the LCS table (lines of a × lines of b, after trimming).
pub const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LineOpKind {
    Equal,
    Added,
    Removed,
}

impl LineOpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineOpKind::Equal => "equal",
            LineOpKind::Added => "added",
            LineOpKind::Removed => "removed",
        }
    }
}

/// One line of a text diff; line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct LineOp {
    pub op: LineOpKind,
    pub a_line: Option<u32>,
    pub b_line: Option<u32>,
    pub text: String,
}

impl LineOp {
    fn new(op: LineOpKind, a_line: Option<usize>, b_line: Option<usize>, text: &str) -> Self {
        let n = |l: Option<usize>| l.map(|l| u32::try_from(l + 1).unwrap_or(u32::MAX));
        LineOp { op, a_line: n(a_line), b_line: n(b_line), text: text.to_owned() }
    }
}

fn split_lines(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    s.strip_suffix('\n').unwrap_or(s).split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
}

/// The line diff of two texts.
pub fn line_diff(a: &str, b: &str) -> Vec<LineOp> {
    let (la, lb) = (split_lines(a), split_lines(b));
    let mut pre = 0;
    while pre < la.len() && pre < lb.len() && la[pre] == lb[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < la.len() - pre && suf < lb.len() - pre && la[la.len() - 1 - suf] == lb[lb.len() - 1 - suf] {
        suf += 1;
    }
    let mut out = Vec::with_capacity(la.len().max(lb.len()));
    for (i, line) in la.iter().enumerate().take(pre) {
        out.push(LineOp::new(LineOpKind::Equal, Some(i), Some(i), line));
    }
    let (ma, mb) = (&la[pre..la.len() - suf], &lb[pre..lb.len() - suf]);
    middle(ma, mb, pre, pre, &mut out);
    for k in 0..suf {
        let (i, j) = (la.len() - suf + k, lb.len() - suf + k);
        out.push(LineOp::new(LineOpKind::Equal, Some(i), Some(j), la[i]));
    }
    out
}

fn middle(a: &[&str], b: &[&str], oa: usize, ob: usize, out: &mut Vec<LineOp>) {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS || n == 0 || m == 0 {
        for (i, l) in a.iter().enumerate() {
            out.push(LineOp::new(LineOpKind::Removed, Some(oa + i), None, l));
        }
        for (j, l) in b.iter().enumerate() {
            out.push(LineOp::new(LineOpKind::Added, None, Some(ob + j), l));
        }
        return;
    }
    // lcs[i][j]: the LCS length of a[i..] and b[j..]. Either side is at most
    // MAX_CELLS lines here, and so is every entry.
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(LineOp::new(LineOpKind::Equal, Some(oa + i), Some(ob + j), a[i]));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
            out.push(LineOp::new(LineOpKind::Removed, Some(oa + i), None, a[i]));
            i += 1;
        } else {
            out.push(LineOp::new(LineOpKind::Added, None, Some(ob + j), b[j]));
            j += 1;
        }
    }
    for (k, l) in a.iter().enumerate().skip(i) {
        out.push(LineOp::new(LineOpKind::Removed, Some(oa + k), None, l));
    }
    for (k, l) in b.iter().enumerate().skip(j) {
        out.push(LineOp::new(LineOpKind::Added, None, Some(ob + k), l));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_diffs() {
        let ops = line_diff("a\nb\nc\n", "a\nx\nc\nd");
        let got: Vec<(LineOpKind, Option<u32>, Option<u32>, &str)> =
            ops.iter().map(|o| (o.op, o.a_line, o.b_line, o.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (LineOpKind::Equal, Some(1), Some(1), "a"),
                (LineOpKind::Removed, Some(2), None, "b"),
                (LineOpKind::Added, None, Some(2), "x"),
                (LineOpKind::Equal, Some(3), Some(3), "c"),
                (LineOpKind::Added, None, Some(4), "d"),
            ]
        );
        assert!(line_diff("", "").is_empty());
        assert_eq!(line_diff("", "x").len(), 1);
    }

    #[test]
    fn large_middles_are_bounded() {
        let a: String = (0..3000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..3000).map(|i| format!("b{i}\n")).collect();
        let ops = line_diff(&a, &b);
        assert_eq!(ops.len(), 6000);
        assert!(ops[..3000].iter().all(|o| o.op == LineOpKind::Removed));
    }

    proptest! {
        #[test]
        fn both_texts_are_rebuilt(a in proptest::collection::vec("[ab]{0,2}", 0..12), b in proptest::collection::vec("[ab]{0,2}", 0..12)) {
            let (ta, tb) = (a.join("\n"), b.join("\n"));
            let ops = line_diff(&ta, &tb);
            let side = |keep: LineOpKind| ops.iter().filter(|o| o.op == LineOpKind::Equal || o.op == keep).map(|o| o.text.as_str()).collect::<Vec<_>>();
            prop_assert_eq!(side(LineOpKind::Removed), split_lines(&ta));
            prop_assert_eq!(side(LineOpKind::Added), split_lines(&tb));
        }
    }
}
