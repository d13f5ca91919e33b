// Capture address and body limit as the settings dialog edits them.

export const MIB = 1024 * 1024;

/** `127.0.0.1:8787` → host and port; `[::1]:8787` → `::1` and `8787`. */
export function splitAddr(addr: string): { host: string; port: string } {
  const v6 = /^\[(.*)\]:(\d*)$/.exec(addr);
  if (v6) return { host: v6[1], port: v6[2] };
  const i = addr.lastIndexOf(':');
  if (i < 0) return { host: addr, port: '' };
  return { host: addr.slice(0, i), port: addr.slice(i + 1) };
}

/** Host and port as `host:port` (IPv6 hosts in brackets). */
export function joinAddr(host: string, port: string): string {
  const h = host.trim();
  const bracketed = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return `${bracketed}:${port.trim()}`;
}

/** Why the port cannot be used, or null. */
export function portProblem(port: string): string | null {
  const p = port.trim();
  if (!/^\d+$/.test(p) || Number(p) > 65535) return 'The port is a number from 0 to 65535 (0: any free port).';
  return null;
}

/** Bytes as MiB for an input: `26214400` → `25`, `1536` → `0.001`. */
export function bytesToMiB(bytes: number): string {
  const v = Math.round((bytes / MIB) * 1000) / 1000;
  return String(v);
}

/** MiB typed by a person → bytes, or null when it is not a positive number. */
export function mibToBytes(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^\d*\.?\d+$|^\d+\.$/.test(t)) return null;
  const v = Number(t);
  if (!Number.isFinite(v) || v <= 0) return null;
  return Math.round(v * MIB);
}
