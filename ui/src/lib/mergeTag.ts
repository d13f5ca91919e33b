// Merge tags (`{{inboundWebhookRequest.customer.email}}`) for the fields of a
// captured request, written as the mapping reference writes them: dots for
// objects, `[0]` for arrays, `["odd key"]` for keys that are not identifiers,
// query parameters under `query.<name>`.

import { childPath } from './jsonPath';

export const MERGE_TAG_ROOT = 'inboundWebhookRequest';

/** The merge tag of a body path as `childPath` builds it (`order.items[0].sku`). */
export function mergeTag(path: string): string {
  if (path === '') return `{{${MERGE_TAG_ROOT}}}`;
  const sep = path.startsWith('[') ? '' : '.';
  return `{{${MERGE_TAG_ROOT}${sep}${path}}}`;
}

/** The path of query parameter `name` (`query.page`, `query["utm-source"]`). */
export function queryPath(name: string): string {
  return childPath('query', name);
}

/** The merge tag of query parameter `name`. */
export function queryMergeTag(name: string): string {
  return mergeTag(queryPath(name));
}
