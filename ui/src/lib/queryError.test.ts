import { describe, expect, it } from 'vitest';
import { byteToIndex, markQuery } from './queryError';

describe('marking the bad token of a query', () => {
  it('cuts at the byte offset and length the engine gives', () => {
    expect(markQuery('method:POST body.x:>>3', 19, 3)).toEqual({ before: 'method:POST body.x:', bad: '>>3', after: '' });
    expect(markQuery('a (b OR c', 2, 1)).toEqual({ before: 'a ', bad: '(', after: 'b OR c' });
  });

  it('counts UTF-8 bytes, not UTF-16 units, before the token', () => {
    // "é" is 2 bytes, "😀" 4 bytes (2 UTF-16 units).
    const q = 'body.name:é 😀 status:abc';
    const pos = new TextEncoder().encode('body.name:é 😀 ').length;
    expect(markQuery(q, pos, 10)).toEqual({ before: 'body.name:é 😀 ', bad: 'status:abc', after: '' });
    expect(byteToIndex('é😀x', 2)).toBe(1);
    expect(byteToIndex('é😀x', 6)).toBe(3);
  });

  it('marks a blank at the end for a query that ends too soon, and clamps offsets', () => {
    expect(markQuery('(method:GET', 11, 0)).toEqual({ before: '(method:GET', bad: ' ', after: '' });
    expect(markQuery('abc', 99, 5)).toEqual({ before: 'abc', bad: ' ', after: '' });
  });
});
