import { describe, expect, it } from 'vitest';
import { buildPath } from './jsonPath';
import { mergeTag, queryMergeTag, queryPath } from './mergeTag';

describe('merge tags', () => {
  it('use dots for objects and [n] for arrays', () => {
    expect(mergeTag(buildPath(['customer', 'email']))).toBe('{{inboundWebhookRequest.customer.email}}');
    expect(mergeTag(buildPath(['order', 'items', 0, 'sku']))).toBe('{{inboundWebhookRequest.order.items[0].sku}}');
  });

  it('quote keys that are not identifiers, escaping quotes inside', () => {
    expect(mergeTag(buildPath(['customer', 'first name']))).toBe('{{inboundWebhookRequest.customer["first name"]}}');
    expect(mergeTag(buildPath(['a-b', 'c']))).toBe('{{inboundWebhookRequest["a-b"].c}}');
    expect(mergeTag(buildPath(['say "hi"']))).toBe('{{inboundWebhookRequest["say \\"hi\\""]}}');
    expect(mergeTag(buildPath(['1st']))).toBe('{{inboundWebhookRequest["1st"]}}');
  });

  it('start a root array without a dot', () => {
    expect(mergeTag(buildPath([0, 'id']))).toBe('{{inboundWebhookRequest[0].id}}');
    expect(mergeTag('')).toBe('{{inboundWebhookRequest}}');
  });

  it('put query parameters under query', () => {
    expect(queryPath('page')).toBe('query.page');
    expect(queryMergeTag('page')).toBe('{{inboundWebhookRequest.query.page}}');
    expect(queryMergeTag('utm-source')).toBe('{{inboundWebhookRequest.query["utm-source"]}}');
  });
});
