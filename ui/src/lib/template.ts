// Merge-tag templates in the editor: a tokenizer that mirrors the engine's
// parser (src/template/parse.rs and parse_tag_path in src/analysis/path.rs),
// so the builder can mark tags and malformed ones as the user types, plus the
// conversion between the engine's UTF-8 byte offsets and the UTF-16 indices of
// JavaScript strings, and the completion of `{{…` as it is typed.
//
// The engine stays the judge: it renders, and its unknown-tag warnings come
// from POST /api/v1/render. tests/golden/template_tokens.json holds cases both
// implementations are checked against (vitest here, src/template/golden.rs
// there).

/** The filter names, as the engine knows them. */
export const FILTERS = ['default', 'upper', 'lower', 'trim', 'json', 'urlencode', 'base64'] as const;

/** A well-formed tag `{{ path | filters }}` at bytes `start..end` (braces included). */
export interface TagToken {
  start: number;
  end: number;
  /** The path as written (trimmed). */
  path: string;
  pathStart: number;
  /** The filters as written (trimmed), e.g. `default:"x"`. */
  filters: string[];
}

/** A malformed piece at bytes `start..end`; the engine keeps it as literal text. */
export interface TemplateError {
  start: number;
  end: number;
  message: string;
  suggestion: string | null;
}

export interface Tokens {
  tags: TagToken[];
  errors: TemplateError[];
  /** `\{{` escapes (a literal `{{`), bytes. */
  escapes: { start: number; end: number }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Rust's char::is_whitespace (White_Space), which str::trim uses.
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_WS = new RegExp(`^[${WS}]+`);
const TRAILING_WS = new RegExp(`[${WS}]+$`);

function trimStart(s: string): string {
  return s.replace(LEADING_WS, '');
}

function trim(s: string): string {
  return trimStart(s).replace(TRAILING_WS, '');
}

/** UTF-8 length of a string, in bytes (a lone surrogate counts as U+FFFD, as TextEncoder writes it). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The UTF-16 index in `text` of UTF-8 byte offset `byte`. An offset inside a
 * character maps to that character's start; one past the end to `text.length`.
 */
export function byteToUtf16(text: string, byte: number): number {
  if (byte <= 0) return 0;
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1));
    const len = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (b + len > byte) return i;
    b += len;
    if (pair) i++;
    if (b === byte) return i + 1;
  }
  return text.length;
}

/** The UTF-8 byte offset of UTF-16 index `index` in `text` (inside a surrogate pair: the pair's start). */
export function utf16ToByte(text: string, index: number): number {
  const i = Math.max(0, Math.min(index, text.length));
  const c = text.charCodeAt(i - 1);
  const cut = i > 0 && i < text.length && isLow(text.charCodeAt(i)) && c >= 0xd800 && c <= 0xdbff ? i - 1 : i;
  return utf8Length(text.slice(0, cut));
}

/** Edit distance in characters, case-insensitive (the engine's `levenshtein`). */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a.toLowerCase());
  const y = Array.from(b.toLowerCase());
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Array<number>(y.length + 1).fill(0);
  for (let i = 0; i < x.length; i++) {
    cur[0] = i + 1;
    for (let j = 0; j < y.length; j++) {
      cur[j + 1] = Math.min(prev[j] + (x[i] === y[j] ? 0 : 1), prev[j + 1] + 1, cur[j] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}

/** The candidate nearest to `word`, if it is close enough to be what was meant. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  const limit = Math.max(Math.floor(Array.from(word).length / 3), 2);
  let best: [number, number, string] | null = null;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d > limit) continue;
    const k: [number, number, string] = [d, utf8Length(c), c];
    if (!best || k[0] < best[0] || (k[0] === best[0] && (k[1] < best[1] || (k[1] === best[1] && k[2] < best[2])))) best = k;
  }
  return best ? best[2] : null;
}

/** A JSON string literal as serde_json reads it into a String (no lone surrogates). */
function jsonString(s: string): string | null {
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v !== 'string') return null;
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)) return null;
    return v;
  } catch {
    return null;
  }
}

const USIZE_MAX = 18446744073709551615n;

/** Why `path` is not a merge-tag path, and where (byte offset in it); null when it is one. */
export function pathError(path: string): { reason: string; at: number } | null {
  const b = encoder.encode(path);
  const n = b.length;
  if (n === 0) return { reason: 'empty path', at: 0 };
  let segs = 0;
  let i = 0;
  const untilDotOrBracket = () => {
    while (i < n && b[i] !== 0x2e && b[i] !== 0x5b) i++;
  };
  while (i < n) {
    if (b[i] === 0x5b) {
      i++;
      if (b[i] === 0x22) {
        const start = i;
        i++;
        while (i < n && b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1;
        if (i >= n) return { reason: 'unterminated quoted key', at: start };
        if (jsonString(decoder.decode(b.subarray(start, i + 1))) === null) return { reason: 'bad quoted key', at: start };
        i++;
      } else {
        const start = i;
        while (i < n && b[i] >= 0x30 && b[i] <= 0x39) i++;
        if (start === i || BigInt(decoder.decode(b.subarray(start, i))) > USIZE_MAX) {
          return { reason: 'expected an index', at: start };
        }
      }
      segs++;
      if (b[i] !== 0x5d) return { reason: 'expected ]', at: i };
      i++;
    } else if (b[i] === 0x2e && segs > 0) {
      i++;
      const start = i;
      untilDotOrBracket();
      if (start === i) return { reason: 'empty key', at: start };
      segs++;
    } else if (segs === 0) {
      const start = i;
      untilDotOrBracket();
      if (start === i) return { reason: 'empty key', at: start };
      segs++;
    } else {
      return { reason: 'expected . or [', at: i };
    }
  }
  return null;
}

/** Why a filter (trimmed) cannot be read; null when it can. */
function filterError(spec: string): string | null {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : trim(spec.slice(0, colon));
  const arg = colon < 0 ? null : trim(spec.slice(colon + 1));
  switch (name) {
    case 'default':
      if (arg === null) return 'default needs a value: default:"n/a"';
      if (arg.startsWith('"')) return jsonString(arg) === null ? `default's value ${arg} is not a quoted string` : null;
      if (arg !== '' && /^[A-Za-z0-9\-_.+]+$/.test(arg)) return null;
      return `default's value ${arg} must be quoted: default:"…"`;
    case 'upper':
    case 'lower':
    case 'trim':
    case 'json':
    case 'urlencode':
    case 'base64':
      return arg === null ? null : `the ${name} filter takes no argument`;
    case '':
      return 'an empty filter after |';
    default:
      return `unknown filter ${JSON.stringify(name)} (filters: ${FILTERS.join(', ')})`;
  }
}

/** The inside of a tag split at `|` outside quoted strings: [byte offset, part]. */
function splitPipes(inner: string): [number, string][] {
  const out: [number, string][] = [];
  let start = 0;
  let startByte = 0;
  let byte = 0;
  let inStr = false;
  let escaped = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (escaped) escaped = false;
    else if (ch === '\\' && inStr) escaped = true;
    else if (ch === '"') inStr = !inStr;
    else if (ch === '|' && !inStr) {
      out.push([startByte, inner.slice(start, i)]);
      start = i + 1;
      startByte = byte + 1;
    }
    byte += utf8Length(ch);
  }
  out.push([startByte, inner.slice(start)]);
  return out;
}

function indexOf(b: Uint8Array, c: number, from: number, to: number): number {
  for (let k = from; k + 1 < to; k++) if (b[k] === c && b[k + 1] === c) return k;
  return -1;
}

const OPEN = 0x7b;
const CLOSE = 0x7d;
const NOT_CLOSED = 'this merge tag is not closed with }}';

/** The tags, malformed pieces and escapes of `src`, with UTF-8 byte spans (as the engine reports them). */
export function tokenize(src: string): Tokens {
  const b = encoder.encode(src);
  const n = b.length;
  const out: Tokens = { tags: [], errors: [], escapes: [] };
  const err = (message: string, start: number, end: number, suggestion: string | null = null) =>
    out.errors.push({ message, start, end, suggestion });
  let i = 0;
  while (i < n) {
    if (b[i] === 0x5c && b[i + 1] === OPEN && b[i + 2] === OPEN) {
      out.escapes.push({ start: i, end: i + 3 });
      i += 3;
      continue;
    }
    if (!(b[i] === OPEN && b[i + 1] === OPEN)) {
      i++;
      continue;
    }
    const close = indexOf(b, CLOSE, i + 2, n);
    if (close < 0) {
      err(NOT_CLOSED, i, n);
      break;
    }
    const inner = indexOf(b, OPEN, i + 2, close);
    if (inner >= 0) {
      err(NOT_CLOSED, i, inner);
      i = inner;
      continue;
    }
    const tag = readTag(b, i, close, err);
    if (tag) out.tags.push(tag);
    i = close + 2;
  }
  return out;
}

function readTag(
  b: Uint8Array,
  open: number,
  close: number,
  err: (message: string, start: number, end: number, suggestion?: string | null) => void,
): TagToken | null {
  const innerStart = open + 2;
  const parts = splitPipes(decoder.decode(b.subarray(innerStart, close)));
  const [pOff, pRaw] = parts[0];
  const path = trim(pRaw);
  const pathStart = innerStart + pOff + utf8Length(pRaw) - utf8Length(trimStart(pRaw));
  if (path === '') {
    err('an empty merge tag: write a path such as {{contact.email}}', open, close + 2);
    return null;
  }
  const bad = pathError(path);
  const pathLen = utf8Length(path);
  if (bad) {
    err(`{{${path}}} is not a merge-tag path: ${bad.reason}`, pathStart + Math.min(bad.at, pathLen - 1), pathStart + pathLen);
    return null;
  }
  const filters: string[] = [];
  let ok = true;
  for (const [off, raw] of parts.slice(1)) {
    const at = innerStart + off + utf8Length(raw) - utf8Length(trimStart(raw));
    const spec = trim(raw);
    const why = filterError(spec);
    if (why === null) {
      filters.push(spec);
      continue;
    }
    const name = trim(spec.split(':')[0]);
    const known = (FILTERS as readonly string[]).includes(name);
    err(why, at, at + Math.max(utf8Length(spec), 1), known ? null : nearest(name, FILTERS));
    ok = false;
  }
  return ok ? { start: open, end: close + 2, path, pathStart, filters } : null;
}

// ---- marks for the highlighted backdrop -------------------------------------

export type MarkKind = 'tag' | 'escape' | 'error' | 'warning';

/** A span of the text (UTF-16 indices) and what it is. */
export interface Mark {
  kind: MarkKind;
  from: number;
  to: number;
  message?: string;
}

/** Something the engine reported about a template, at UTF-8 bytes `start..end`. */
export interface ByteDiagnostic {
  start: number;
  end: number;
  message: string;
  severity: 'error' | 'warning';
}

/** A run of text and the marks it is in (tag/escape for colour; error/warning for the underline). */
export interface Segment {
  text: string;
  from: number;
  tag: boolean;
  escape: boolean;
  issue: 'error' | 'warning' | null;
  message: string | null;
}

/** The tags and escapes of `text` and its problems, in UTF-16 indices. */
export function marksOf(text: string, extra: ByteDiagnostic[] = []): Mark[] {
  const t = tokenize(text);
  const at = (byte: number) => byteToUtf16(text, byte);
  const marks: Mark[] = [];
  for (const g of t.tags) marks.push({ kind: 'tag', from: at(g.start), to: at(g.end) });
  for (const e of t.escapes) marks.push({ kind: 'escape', from: at(e.start), to: at(e.end) });
  for (const e of t.errors) marks.push({ kind: 'error', from: at(e.start), to: at(e.end), message: e.message });
  for (const d of extra) {
    const from = at(d.start);
    const to = Math.max(at(d.end), from);
    // The engine's own errors are the ones found here already.
    if (d.severity === 'error' && marks.some((m) => m.kind === 'error' && m.from === from && m.to === to)) continue;
    marks.push({ kind: d.severity, from, to, message: d.message });
  }
  return marks;
}

/** `text` cut at every mark's edge; each run says which marks cover it. */
export function segments(text: string, marks: Mark[]): Segment[] {
  const cuts = new Set<number>([0, text.length]);
  for (const m of marks) {
    cuts.add(Math.min(Math.max(m.from, 0), text.length));
    cuts.add(Math.min(Math.max(m.to, 0), text.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const from = points[k];
    const to = points[k + 1];
    if (from === to) continue;
    const over = marks.filter((m) => m.from <= from && m.to >= to);
    const error = over.find((m) => m.kind === 'error');
    const warning = over.find((m) => m.kind === 'warning');
    const issue = error ?? warning ?? null;
    out.push({
      text: text.slice(from, to),
      from,
      tag: over.some((m) => m.kind === 'tag'),
      escape: over.some((m) => m.kind === 'escape'),
      issue: issue ? (issue.kind as 'error' | 'warning') : null,
      message: issue?.message ?? null,
    });
  }
  return out;
}

// ---- completion ---------------------------------------------------------------

/** What is being typed inside an open `{{` at the caret (UTF-16 indices). */
export interface CompletionContext {
  /** A path (right after `{{`) or a filter name (after `|`). */
  kind: 'path' | 'filter';
  /** The typed word's start; accepting replaces `from..to`. */
  from: number;
  /** The end of the word under the caret. */
  to: number;
  prefix: string;
}

/** The tag being typed at `caret`, if the caret is inside an unclosed `{{`. */
export function completionAt(text: string, caret: number): CompletionContext | null {
  if (caret < 2) return null;
  const open = text.lastIndexOf('{{', caret - 2);
  if (open < 0 || text[open - 1] === '\\') return null;
  const inside = text.slice(open + 2, caret);
  if (inside.includes('}}') || inside.includes('{{') || /[\n\r]/.test(inside)) return null;
  const rest = /^[^\s|}{]*/.exec(text.slice(caret))?.[0] ?? '';
  const pipe = inside.lastIndexOf('|');
  if (pipe >= 0) {
    const word = inside.slice(pipe + 1);
    const lead = word.length - word.trimStart().length;
    const prefix = word.trimStart();
    if (prefix.includes(':') || prefix.includes('"')) return null;
    return { kind: 'filter', from: open + 2 + pipe + 1 + lead, to: caret + rest.length, prefix };
  }
  const lead = inside.length - inside.trimStart().length;
  const prefix = inside.trimStart();
  if (/\s/.test(prefix)) return null;
  return { kind: 'path', from: open + 2 + lead, to: caret + rest.length, prefix };
}

/** `text` with `value` in place of the word being typed, and where the caret goes. */
export function applyCompletion(text: string, ctx: CompletionContext, value: string): { text: string; caret: number } {
  const before = text.slice(0, ctx.from) + value;
  let after = text.slice(ctx.to);
  if (ctx.kind === 'path') {
    const closed = /^\s*(\||}})/.exec(after);
    if (!closed) {
      after = `}}${after}`;
      return { text: before + after, caret: before.length + 2 };
    }
    if (closed[1] === '}}') return { text: before + after, caret: before.length + closed[0].length };
  }
  return { text: before + after, caret: before.length };
}

/** A completion candidate: a tag path or a filter name, and what it shows. */
export interface Candidate {
  value: string;
  preview: string;
}

/**
 * The candidates matching `prefix` (case-insensitive), best first: those that
 * start with it, then those with a path segment that does, then the rest that
 * contain it. At most `limit`.
 */
export function matchCandidates(all: Candidate[], prefix: string, limit = 50): Candidate[] {
  const p = prefix.toLowerCase();
  if (!p) return all.slice(0, limit);
  const starts: Candidate[] = [];
  const segment: Candidate[] = [];
  const contains: Candidate[] = [];
  for (const c of all) {
    const v = c.value.toLowerCase();
    if (v.startsWith(p)) starts.push(c);
    else if (v.includes(`.${p}`) || v.includes(`[${p}`)) segment.push(c);
    else if (v.includes(p)) contains.push(c);
  }
  return [...starts, ...segment, ...contains].slice(0, limit);
}

/** The filters as completion candidates. */
export const FILTER_CANDIDATES: Candidate[] = [
  { value: 'default:""', preview: 'a value when there is none' },
  { value: 'upper', preview: 'UPPER CASE' },
  { value: 'lower', preview: 'lower case' },
  { value: 'trim', preview: 'without surrounding spaces' },
  { value: 'json', preview: 'as JSON' },
  { value: 'urlencode', preview: 'percent-encoded' },
  { value: 'base64', preview: 'base64 of the text' },
];

/** A span (UTF-16) of a text that was linted. */
export interface Span {
  from: number;
  to: number;
}

/**
 * Spans found in `before`, moved to where they are in `after` (one edit
 * between them: the common start and end are kept). Spans the edit touches
 * are dropped until the text is linted again.
 */
export function moveSpans<T extends Span>(spans: T[], before: string, after: string): T[] {
  if (before === after) return spans;
  const max = Math.min(before.length, after.length);
  let head = 0;
  while (head < max && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  let tail = 0;
  while (
    tail < max - head &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  )
    tail++;
  const delta = after.length - before.length;
  const out: T[] = [];
  for (const s of spans) {
    if (s.to <= head) out.push(s);
    else if (s.from >= before.length - tail) out.push({ ...s, from: s.from + delta, to: s.to + delta });
  }
  return out;
}
