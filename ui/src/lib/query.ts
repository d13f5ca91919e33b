// Query strings as the sender wrote them: order and duplicates kept.

export interface QueryParam {
  name: string;
  value: string;
  /** False when the pair had no `=` (`?flag`). */
  hasValue: boolean;
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // Malformed escapes (`%zz`, a lone `%`): keep the text as sent.
    return plus;
  }
}

/** Parses a raw query (with or without a leading `?`) into its pairs, in order. */
export function parseQuery(raw: string | null | undefined): QueryParam[] {
  if (!raw) return [];
  const s = raw.startsWith('?') ? raw.slice(1) : raw;
  const out: QueryParam[] = [];
  for (const piece of s.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) out.push({ name: decode(piece), value: '', hasValue: false });
    else out.push({ name: decode(piece.slice(0, eq)), value: decode(piece.slice(eq + 1)), hasValue: true });
  }
  return out;
}

/** How many times each name occurs (case-sensitive for queries, so `caseless` is opt-in for headers). */
export function countNames(items: { name: string }[], caseless = false): Map<string, number> {
  const m = new Map<string, number>();
  for (const { name } of items) {
    const k = caseless ? name.toLowerCase() : name;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
