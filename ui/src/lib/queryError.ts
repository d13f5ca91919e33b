// Marks the token a search query failed on. The engine gives its place as a
// UTF-8 byte offset and length into the query; the input holds JS strings
// (UTF-16), so the offsets are converted before the text is cut.

export interface MarkedQuery {
  before: string;
  bad: string;
  after: string;
}

/** The string index where UTF-8 byte offset `bytes` of `s` falls (clamped to the string). */
export function byteToIndex(s: string, bytes: number): number {
  let seen = 0;
  let i = 0;
  while (i < s.length && seen < bytes) {
    const cp = s.codePointAt(i) ?? 0;
    seen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/**
 * Splits `q` around the bad token. A zero-length token (the query ended too
 * soon) marks a blank at the end so there is something to see.
 */
export function markQuery(q: string, position: number, length: number): MarkedQuery {
  const start = byteToIndex(q, Math.max(0, position));
  const end = Math.max(start, byteToIndex(q, Math.max(0, position) + Math.max(0, length)));
  const bad = q.slice(start, end);
  return { before: q.slice(0, start), bad: bad === '' ? ' ' : bad, after: q.slice(end) };
}

/** The fields of the query language, with an example each (the help popover). */
export const QUERY_HELP: { syntax: string; example: string; meaning: string }[] = [
  { syntax: 'method:', example: 'method:POST', meaning: 'HTTP method' },
  { syntax: 'path:', example: 'path:/orders/*', meaning: 'path, * matches anything' },
  { syntax: 'header.<name>:', example: 'header.x-event:order.created', meaning: 'a header value' },
  { syntax: 'body.<path>:', example: 'body.type:ContactCreate', meaning: 'a JSON body field (glob)' },
  { syntax: 'body.<path>:>n', example: 'body.order.total:>=100', meaning: 'numbers: > < >= <=' },
  { syntax: 'status:', example: 'status:>=400  status:2xx', meaning: 'status sent back' },
  { syntax: 'size:', example: 'size:>10kb', meaning: 'body size' },
  { syntax: 'after: / before:', example: 'after:2026-01-31T12:00', meaning: 'received (UTC)' },
  { syntax: 'tag:', example: 'tag:prod', meaning: 'a tag of yours' },
  { syntax: 'starred', example: 'starred', meaning: 'starred captures' },
  { syntax: 'dialect:', example: 'dialect:highlevel-workflow', meaning: 'who sent it' },
  { syntax: 'duplicate', example: 'duplicate', meaning: 'repeated deliveries' },
  { syntax: 'word', example: 'ord_4711', meaning: 'full text' },
  { syntax: 'a OR b, -a, ( )', example: '(method:PUT OR method:PATCH) -starred', meaning: 'combine; spaces mean AND' },
  { syntax: '"…"', example: 'body.name:"Ada Lovelace"', meaning: 'values with spaces' },
];
