// Small, pure formatting helpers.

import type { Endpoint, Info } from './api/types';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** `0 B`, `512 B`, `1.5 KiB`, `20 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = -1;
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  const digits = v < 10 ? 1 : 0;
  return `${v.toFixed(digits).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`, then the date. */
export function formatRelative(ms: number, now: number): string {
  const diff = Math.round((now - ms) / 1000);
  if (diff < 5) return 'just now';
  if (diff < 60) return `${diff}s ago`;
  const m = Math.floor(diff / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ago`;
  const d = Math.floor(h / 24);
  if (d < 7) return `${d}d ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Local date and time with milliseconds, e.g. `2026-11-23 14:05:09.123`. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

/** The media type without parameters: `application/json; charset=utf-8` → `application/json`. */
export function shortContentType(ct: string | null): string {
  if (!ct) return '';
  return ct.split(';')[0].trim().toLowerCase();
}

/** CSS class suffix for a method badge. */
export function methodClass(method: string): string {
  const m = method.toUpperCase();
  return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m) ? m.toLowerCase() : 'other';
}

/** `2xx`…`5xx` class for a status code. */
export function statusClass(status: number): string {
  if (status >= 500) return 's5';
  if (status >= 400) return 's4';
  if (status >= 300) return 's3';
  return 's2';
}

/** The URL senders use: the Default endpoint takes any path outside `/h/`. */
export function endpointCaptureUrl(e: Endpoint, info: Info | null): string {
  if (e.is_default && info) return `${info.capture_url.replace(/\/$/, '')}/`;
  return e.url;
}

/** The full URL of a capture as the sender used it. */
export function captureFullUrl(captureUrl: string, path: string, query: string | null): string {
  return `${captureUrl.replace(/\/$/, '')}${path}${query ? `?${query}` : ''}`;
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A ready-to-paste curl command that sends a small JSON payload to `url`. */
export function curlExample(url: string): string {
  const body = JSON.stringify({ event: 'hello', data: { id: 1, email: 'ada@example.com' } });
  return `curl -X POST ${shellQuote(url)} -H 'Content-Type: application/json' -d ${shellQuote(body)}`;
}

/**
 * The path as shown in the list: the `/h/{slug}` prefix every capture of an
 * endpoint shares is left out, so the sub-path the sender chose stands out.
 */
export function displayPath(path: string): string {
  const m = /^\/h\/[^/?]+(\/.*)?$/.exec(path);
  if (!m) return path;
  return m[1] ?? '/';
}

/** The time between two deliveries, for people: `at once`, `850 ms later`, `12 s later`, `10 min later`, `2 h 5 min later`, `3 days later`. */
export function formatInterval(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return 'at once';
  if (ms < 1000) return `${Math.round(ms)} ms later`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s later`;
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min later`;
  const totalMin = Math.round(ms / 60_000);
  const h = Math.floor(totalMin / 60);
  const rest = totalMin % 60;
  if (h < 24) return rest ? `${h} h ${rest} min later` : `${h} h later`;
  const d = Math.round(ms / 86_400_000);
  return `${d} ${d === 1 ? 'day' : 'days'} later`;
}

/** The label of a sender's dialect. */
export function dialectLabel(d: string): string {
  if (d === 'highlevel-marketplace') return 'HighLevel marketplace';
  if (d === 'highlevel-workflow') return 'HighLevel workflow';
  return d;
}
