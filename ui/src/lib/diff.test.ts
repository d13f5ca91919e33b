import { describe, expect, it } from 'vitest';
import type { Change, LineOp } from './api/types';
import { displayChangePath, groupChanges, sideBySide, sideText } from './diff';

const ch = (area: Change['area'], path: string, kind: Change['kind'], a: Change['a'], b: Change['b'], volatile = false): Change => ({
  area,
  path,
  kind,
  a,
  b,
  volatile,
});

describe('diff grouping', () => {
  it('groups by area in the order method, path, query, headers, body, and drops empty areas', () => {
    const changes = [
      ch('body', '/order/total', 'changed', 42.5, 43),
      ch('header', 'x-request-id', 'changed', 'a', 'b', true),
      ch('method', '', 'changed', 'POST', 'PUT'),
      ch('body', '/order/coupon', 'added', null, 'X'),
      ch('header', 'content-type', 'moved', 1, 3),
    ];
    const groups = groupChanges(changes);
    expect(groups.map((g) => g.area)).toEqual(['method', 'header', 'body']);
    expect(groups[1].changes.map((c) => c.path)).toEqual(['x-request-id', 'content-type']);
    expect(groups[2].changes.map((c) => c.path)).toEqual(['/order/total', '/order/coupon']);
  });

  it('shows values as JSON, an absent side blank, and moves as positions', () => {
    expect(sideText(ch('body', '/a', 'changed', 'x', 1), 'a')).toBe('"x"');
    expect(sideText(ch('body', '/a', 'added', null, { k: 1 }), 'a')).toBe('');
    expect(sideText(ch('body', '/a', 'added', null, { k: 1 }), 'b')).toBe('{"k":1}');
    expect(sideText(ch('body', '/a', 'removed', null, null), 'b')).toBe('');
    expect(sideText(ch('body', '/a', 'changed', 'x', null), 'b')).toBe('null');
    expect(sideText(ch('header', 'date', 'moved', 0, 2), 'b')).toBe('position 3');
    expect(sideText(ch('body', '/a', 'changed', 'x'.repeat(500), null), 'a', 10)).toBe('"xxxxxxxxx…');
    expect(displayChangePath(ch('body', '', 'type_changed', [], {}))).toBe('(root)');
  });

  it('lays a text line diff out in two columns, pairing removed with added lines', () => {
    const ops: LineOp[] = [
      { op: 'equal', a_line: 1, b_line: 1, text: 'a' },
      { op: 'removed', a_line: 2, b_line: null, text: 'b' },
      { op: 'removed', a_line: 3, b_line: null, text: 'c' },
      { op: 'added', a_line: null, b_line: 2, text: 'B' },
      { op: 'equal', a_line: 4, b_line: 3, text: 'd' },
      { op: 'added', a_line: null, b_line: 4, text: 'e' },
    ];
    expect(sideBySide(ops)).toEqual([
      { aLine: 1, aText: 'a', bLine: 1, bText: 'a', kind: 'equal' },
      { aLine: 2, aText: 'b', bLine: 2, bText: 'B', kind: 'changed' },
      { aLine: 3, aText: 'c', bLine: null, bText: null, kind: 'removed' },
      { aLine: 4, aText: 'd', bLine: 3, bText: 'd', kind: 'equal' },
      { aLine: null, aText: null, bLine: 4, bText: 'e', kind: 'added' },
    ]);
  });
});
