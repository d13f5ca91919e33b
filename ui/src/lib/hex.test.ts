import { describe, expect, it } from 'vitest';
import { hexRows } from './hex';

describe('hexRows', () => {
  it('dumps offset, hex and printable ASCII', () => {
    const bytes = new Uint8Array([0x48, 0x69, 0x00, 0x0a, 0xff, 0x7e]);
    expect(hexRows(bytes)).toEqual([{ offset: '00000000', hex: '48 69 00 0a ff 7e', ascii: 'Hi...~' }]);
  });
  it('splits into rows of 16 and honours the limit', () => {
    const bytes = new Uint8Array(40).map((_, i) => i + 0x41);
    const rows = hexRows(bytes);
    expect(rows.map((r) => r.offset)).toEqual(['00000000', '00000010', '00000020']);
    expect(rows[2].ascii).toBe('abcdefgh');
    expect(hexRows(bytes, 16, 20)).toHaveLength(2);
    expect(hexRows(bytes, 16, 20)[1].hex.split(' ')).toHaveLength(4);
  });
});
