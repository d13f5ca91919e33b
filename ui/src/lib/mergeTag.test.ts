import { describe, expect, it } from 'vitest';
import { mergeTag, queryMergeTag, queryPath, tagChild, tagPath } from './mergeTag';

describe('merge tags', () => {
  it('use dots for objects and [n] for arrays', () => {
    expect(mergeTag(tagPath(['customer', 'email']))).toBe('{{inboundWebhookRequest.customer.email}}');
    expect(mergeTag(tagPath(['order', 'items', 0, 'sku']))).toBe('{{inboundWebhookRequest.order.items[0].sku}}');
    expect(tagChild('order.items', 2)).toBe('order.items[2]');
  });

  it('quote keys that are not identifiers, escaping quotes inside', () => {
    expect(mergeTag(tagPath(['customer', 'first name']))).toBe('{{inboundWebhookRequest.customer["first name"]}}');
    expect(mergeTag(tagPath(['say "hi"']))).toBe('{{inboundWebhookRequest["say \\"hi\\""]}}');
    expect(mergeTag(tagPath(['1st']))).toBe('{{inboundWebhookRequest["1st"]}}');
    expect(mergeTag(tagPath(['-x']))).toBe('{{inboundWebhookRequest["-x"]}}');
    expect(mergeTag(tagPath(['café']))).toBe('{{inboundWebhookRequest["café"]}}');
  });

  it('keep hyphenated keys dotted, as the engine writes reference tags', () => {
    expect(mergeTag(tagPath(['contact', 'first-name']))).toBe('{{inboundWebhookRequest.contact.first-name}}');
    expect(tagPath(['$meta', 'a_b'])).toBe('$meta.a_b');
  });

  it('start a root array or odd root key without a dot', () => {
    expect(mergeTag(tagPath([0, 'id']))).toBe('{{inboundWebhookRequest[0].id}}');
    expect(mergeTag(tagPath(['odd key', 'x']))).toBe('{{inboundWebhookRequest["odd key"].x}}');
    expect(mergeTag('')).toBe('{{inboundWebhookRequest}}');
  });

  it('put query parameters under query', () => {
    expect(queryPath('page')).toBe('query.page');
    expect(queryMergeTag('page')).toBe('{{inboundWebhookRequest.query.page}}');
    expect(queryMergeTag('utm-source')).toBe('{{inboundWebhookRequest.query.utm-source}}');
    expect(queryMergeTag('utm source')).toBe('{{inboundWebhookRequest.query["utm source"]}}');
  });
});
