// Merge tags (`{{inboundWebhookRequest.customer.email}}`) for the fields of a
// captured request, written exactly as the engine writes a mapping
// reference's tags: dots for objects, `[0]` for arrays, `["odd key"]` for keys
// that are not identifiers, query parameters under `query.<name>`. An
// identifier here is an ASCII letter, `_` or `$`, then letters, digits, `_`,
// `$` or `-` (so `first-name` stays dotted, as merge tags are written).

export const MERGE_TAG_ROOT = 'inboundWebhookRequest';

const TAG_IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** The merge-tag path of `key` inside the value at tag path `parent` ('' is the root). */
export function tagChild(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (TAG_IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** A merge-tag path from its segments. */
export function tagPath(segments: (string | number)[]): string {
  return segments.reduce<string>((p, k) => tagChild(p, k), '');
}

/** The merge tag of a tag path (`order.items[0].sku`). */
export function mergeTag(path: string): string {
  if (path === '') return `{{${MERGE_TAG_ROOT}}}`;
  const sep = path.startsWith('[') ? '' : '.';
  return `{{${MERGE_TAG_ROOT}${sep}${path}}}`;
}

/** The tag path of query parameter `name` (`query.page`, `query["utm source"]`). */
export function queryPath(name: string): string {
  return tagChild('query', name);
}

/** The merge tag of query parameter `name`. */
export function queryMergeTag(name: string): string {
  return mergeTag(queryPath(name));
}
