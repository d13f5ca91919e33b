// A classic hex dump: offset, 16 bytes in hex, the printable ASCII.

export interface HexRow {
  offset: string;
  hex: string;
  ascii: string;
}

export function hexRows(bytes: Uint8Array, width = 16, limit = bytes.length): HexRow[] {
  const n = Math.min(bytes.length, limit);
  const rows: HexRow[] = [];
  for (let at = 0; at < n; at += width) {
    const chunk = bytes.subarray(at, Math.min(at + width, n));
    const hex: string[] = [];
    let ascii = '';
    for (const b of chunk) {
      hex.push(b.toString(16).padStart(2, '0'));
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    rows.push({ offset: at.toString(16).padStart(8, '0'), hex: hex.join(' '), ascii });
  }
  return rows;
}
