// Paths into a JSON value, written the way merge tags read them:
// `customer.email`, `items[0].sku`, `["odd key"].x`.

import type { JsonValue } from './api/types';

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** The path of `key` inside the value at `parent` ('' is the root). */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Builds a path from its segments. */
export function buildPath(segments: (string | number)[]): string {
  return segments.reduce<string>((p, k) => childPath(p, k), '');
}

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export function jsonType(v: JsonValue): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

/** What "copy value" puts on the clipboard: strings bare, the rest as JSON. */
export function copyText(v: JsonValue): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

/** A one-line preview of a collapsed container: `{3 keys}`, `[2 items]`. */
export function summary(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.length} ${v.length === 1 ? 'item' : 'items'}]`;
  if (v !== null && typeof v === 'object') {
    const n = Object.keys(v).length;
    return `{${n} ${n === 1 ? 'key' : 'keys'}}`;
  }
  return JSON.stringify(v);
}

/** The entries of a container, as [key, value] in order. */
export function entries(v: JsonValue): [string | number, JsonValue][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v !== null && typeof v === 'object') {
    // Parsed JSON never holds `undefined`; the generated type just allows it.
    return Object.entries(v).filter((e): e is [string, JsonValue] => e[1] !== undefined);
  }
  return [];
}
