import { describe, expect, it } from 'vitest';
import { buildPath, childPath, copyText, entries, jsonType, summary } from './jsonPath';

describe('JSON paths', () => {
  it('joins identifiers with dots and indexes with brackets', () => {
    expect(childPath('', 'customer')).toBe('customer');
    expect(childPath('customer', 'email')).toBe('customer.email');
    expect(childPath('items', 0)).toBe('items[0]');
    expect(childPath('', 0)).toBe('[0]');
    expect(buildPath(['order', 'items', 2, 'sku'])).toBe('order.items[2].sku');
  });
  it('quotes keys that are not identifiers', () => {
    expect(childPath('', 'first name')).toBe('["first name"]');
    expect(childPath('a', 'x-y')).toBe('a["x-y"]');
    expect(childPath('a', '0')).toBe('a["0"]');
    expect(childPath('a', 'say "hi"')).toBe('a["say \\"hi\\""]');
    expect(childPath('a', '$ok_1')).toBe('a.$ok_1');
  });
});

describe('JSON values', () => {
  it('types', () => {
    expect(jsonType(null)).toBe('null');
    expect(jsonType([])).toBe('array');
    expect(jsonType({})).toBe('object');
    expect(jsonType('s')).toBe('string');
    expect(jsonType(1.5)).toBe('number');
    expect(jsonType(false)).toBe('boolean');
  });
  it('copyText gives strings bare and the rest as JSON', () => {
    expect(copyText('ada@example.com')).toBe('ada@example.com');
    expect(copyText(42)).toBe('42');
    expect(copyText(null)).toBe('null');
    expect(JSON.parse(copyText({ a: [1, 2] }))).toEqual({ a: [1, 2] });
  });
  it('summaries of collapsed containers', () => {
    expect(summary([1])).toBe('[1 item]');
    expect(summary([1, 2])).toBe('[2 items]');
    expect(summary({ a: 1 })).toBe('{1 key}');
    expect(summary({})).toBe('{0 keys}');
  });
  it('entries keep order', () => {
    expect(entries(['x', 'y'])).toEqual([
      [0, 'x'],
      [1, 'y'],
    ]);
    expect(entries({ b: 1, a: 2 })).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
    expect(entries('scalar')).toEqual([]);
  });
});
