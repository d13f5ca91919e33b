import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import JsonNode from './JsonNode.svelte';

let component: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = '';
});

function render(value: unknown) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  component = mount(JsonNode, { target, props: { name: null, value: value as never, path: '', depth: 0 } });
  return target;
}

describe('<JsonNode>', () => {
  const payload = {
    customer: { email: 'ada@example.com', 'first name': 'Ada', 'last-name': 'Lovelace' },
    items: [{ sku: 'A-1', qty: 2 }],
    paid: true,
    coupon: null,
  };

  it('renders every node with its merge-tag path', () => {
    const el = render(payload);
    const paths = Array.from(el.querySelectorAll('[data-testid="json-node"]')).map((n) => n.getAttribute('data-path'));
    expect(paths).toEqual([
      '',
      'customer',
      'customer.email',
      'customer["first name"]',
      'customer["last-name"]',
      'items',
      'items[0]',
      'items[0].sku',
      'items[0].qty',
      'paid',
      'coupon',
    ]);
    const email = el.querySelector('[data-path="customer.email"] [data-testid="json-value"]');
    expect(email?.textContent).toBe('"ada@example.com"');
    expect(el.querySelector('[data-path="coupon"] .v.null')?.textContent).toBe('null');
  });

  it('offers copy path and copy value on nodes', () => {
    const el = render(payload);
    const buttons = Array.from(el.querySelectorAll('[data-path="items[0].sku"] > .line button')).map((b) => b.textContent?.trim());
    expect(buttons).toEqual(['copy path', 'copy merge tag', 'copy value']);
    expect(el.querySelector('[data-path="items[0].sku"] > .line button')?.getAttribute('title')).toBe(
      'Copy the path items[0].sku',
    );
  });

  it('offers the merge tag of each node, escaping keys that are not identifiers', () => {
    const el = render(payload);
    const tag = (path: string) =>
      el.querySelector(`[data-path='${path}'] > .line [data-testid="copy-merge-tag"]`)?.getAttribute('title');
    expect(tag('customer.email')).toBe('Copy the merge tag {{inboundWebhookRequest.customer.email}}');
    expect(tag('customer["first name"]')).toBe('Copy the merge tag {{inboundWebhookRequest.customer["first name"]}}');
    expect(tag('items[0].sku')).toBe('Copy the merge tag {{inboundWebhookRequest.items[0].sku}}');
    // A hyphenated key: quoted in the path, dotted in the tag (as the engine writes tags).
    expect(tag('customer["last-name"]')).toBe('Copy the merge tag {{inboundWebhookRequest.customer.last-name}}');
    // The root has no path, so no tag.
    expect(el.querySelector('[data-path=""] > .line [data-testid="copy-merge-tag"]')).toBeNull();
  });

  it('collapses and expands a container', () => {
    const el = render(payload);
    const twisty = el.querySelector<HTMLButtonElement>('[data-path="customer"] > .line .twisty');
    expect(twisty?.getAttribute('aria-expanded')).toBe('true');
    twisty?.click();
    flushSync();
    expect(el.querySelector('[data-path="customer.email"]')).toBeNull();
    expect(el.querySelector('[data-path="customer"] .collapsed')?.textContent).toBe('{3 keys}');
    el.querySelector<HTMLButtonElement>('[data-path="customer"] .collapsed')?.click();
    flushSync();
    expect(el.querySelector('[data-path="customer.email"]')).not.toBeNull();
  });
});
