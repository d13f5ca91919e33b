// Shapes the engine's diff for the diff view: changes grouped by area in a
// fixed order, values as short text, text bodies as two columns.

import type { Change, ChangeArea, ChangeKind, JsonValue, LineOp } from './api/types';

export const AREAS: { id: ChangeArea; label: string }[] = [
  { id: 'method', label: 'Method' },
  { id: 'path', label: 'Path' },
  { id: 'query', label: 'Query' },
  { id: 'header', label: 'Headers' },
  { id: 'body', label: 'Body' },
];

export const KIND_LABELS: Record<ChangeKind, string> = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
  type_changed: 'type changed',
  moved: 'moved',
};

export interface ChangeGroup {
  area: ChangeArea;
  label: string;
  changes: Change[];
}

/** Non-empty groups in the order method, path, query, headers, body; order within a group kept. */
export function groupChanges(changes: Change[]): ChangeGroup[] {
  return AREAS.map(({ id, label }) => ({ area: id, label, changes: changes.filter((c) => c.area === id) })).filter(
    (g) => g.changes.length > 0,
  );
}

/** The path as shown: a body's root pointer is `(root)`, a moved header is named as it is. */
export function displayChangePath(c: Change): string {
  if (c.area === 'body' && c.path === '') return '(root)';
  if (c.area === 'method' || (c.area === 'path' && c.path === '')) return '—';
  return c.path;
}

/** A side of a change as text: nothing for an absent side, JSON otherwise (strings quoted). */
export function sideText(c: Change, side: 'a' | 'b', max = 400): string {
  const v: JsonValue | null = side === 'a' ? c.a : c.b;
  if (v === null && ((side === 'a' && c.kind === 'added') || (side === 'b' && c.kind === 'removed'))) return '';
  if (c.kind === 'moved' && typeof v === 'number') return `position ${v + 1}`;
  const text = JSON.stringify(v) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export interface LineRow {
  aLine: number | null;
  aText: string | null;
  bLine: number | null;
  bText: string | null;
  kind: 'equal' | 'changed' | 'removed' | 'added';
}

/**
 * Two columns from a line diff: equal lines side by side; a run of removed
 * lines is paired with the run of added lines that follows it (a changed
 * block), the rest stand alone on their side.
 */
export function sideBySide(ops: LineOp[]): LineRow[] {
  const rows: LineRow[] = [];
  let i = 0;
  while (i < ops.length) {
    const op = ops[i];
    if (op.op === 'equal') {
      rows.push({ aLine: op.a_line, aText: op.text, bLine: op.b_line, bText: op.text, kind: 'equal' });
      i++;
      continue;
    }
    const removed: LineOp[] = [];
    const added: LineOp[] = [];
    while (i < ops.length && ops[i].op === 'removed') removed.push(ops[i++]);
    while (i < ops.length && ops[i].op === 'added') added.push(ops[i++]);
    const n = Math.max(removed.length, added.length);
    for (let k = 0; k < n; k++) {
      const r = removed[k];
      const a = added[k];
      rows.push({
        aLine: r?.a_line ?? null,
        aText: r ? r.text : null,
        bLine: a?.b_line ?? null,
        bText: a ? a.text : null,
        kind: r && a ? 'changed' : r ? 'removed' : 'added',
      });
    }
  }
  return rows;
}
