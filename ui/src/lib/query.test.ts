import { describe, expect, it } from 'vitest';
import { countNames, parseQuery } from './query';

describe('parseQuery', () => {
  it('keeps order and duplicates', () => {
    expect(parseQuery('a=1&b=2&a=3')).toEqual([
      { name: 'a', value: '1', hasValue: true },
      { name: 'b', value: '2', hasValue: true },
      { name: 'a', value: '3', hasValue: true },
    ]);
  });
  it('decodes percent escapes and plus signs', () => {
    expect(parseQuery('q=hello+world&e=a%40b.c&k%20x=%E2%9C%93')).toEqual([
      { name: 'q', value: 'hello world', hasValue: true },
      { name: 'e', value: 'a@b.c', hasValue: true },
      { name: 'k x', value: '✓', hasValue: true },
    ]);
  });
  it('tells a flag from an empty value, and keeps = inside values', () => {
    expect(parseQuery('?flag&empty=&t=a=b')).toEqual([
      { name: 'flag', value: '', hasValue: false },
      { name: 'empty', value: '', hasValue: true },
      { name: 't', value: 'a=b', hasValue: true },
    ]);
  });
  it('keeps malformed escapes as sent and skips empty pieces', () => {
    expect(parseQuery('x=%zz&&y=100%')).toEqual([
      { name: 'x', value: '%zz', hasValue: true },
      { name: 'y', value: '100%', hasValue: true },
    ]);
  });
  it('has nothing for no query', () => {
    expect(parseQuery(null)).toEqual([]);
    expect(parseQuery('')).toEqual([]);
  });
});

describe('countNames', () => {
  it('counts case-sensitively by default and caselessly for headers', () => {
    const items = [{ name: 'X-A' }, { name: 'x-a' }, { name: 'B' }];
    expect(countNames(items).get('X-A')).toBe(1);
    expect(countNames(items, true).get('x-a')).toBe(2);
    expect(countNames(items, true).get('b')).toBe(1);
  });
});
