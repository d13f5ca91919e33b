import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change, DiffResult } from '../../lib/api/types';
import { detail, summary, withAnalysis } from '../../test/fakeAnalysis';
import { FakeEngine, FakeEventSource, endpoint, FakePlatform, click, renderApp, settle, type, type Rendered } from '../../test/fakeEngine';

let r: Rendered | null = null;
afterEach(() => {
  r?.destroy();
  r = null;
  document.body.innerHTML = '';
});

const row = (id: number) => document.querySelector<HTMLElement>(`[data-testid="capture-row"][data-capture-id="${id}"]`);

async function search(text: string) {
  const input = r!.byTest('search');
  type(input, text);
  input!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  await settle();
}

describe('search with the query language', () => {
  it('shows a bad query under the box with its bad token marked, and clears it when fixed', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1), summary(2)]);
    r = await renderApp(engine);
    await search('method:POST (body.type:X');
    expect(r.byTest('query-error')?.textContent).toContain('unclosed parenthesis');
    expect(r.byTest('query-error-token')?.textContent).toBe('(');
    expect(r.byTest('query-error-mirror')?.textContent).toBe('method:POST (body.type:X');
    expect(r.byTest('search')?.getAttribute('aria-invalid')).toBe('true');
    // Not the generic list error.
    expect(document.querySelector('.error-box')).toBeNull();
    await search('body.type:ContactCreate');
    expect(r.byTest('query-error')).toBeNull();
    expect(r.all('capture-row')).toHaveLength(2);
  });

  it('searches what the box shows on Enter, even when it was set without an input event', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1)]);
    r = await renderApp(engine);
    await search('method:POST');
    const input = r.byTest('search') as HTMLInputElement;
    input.value = ''; // as a WebDriver "clear" leaves it
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
    expect(r.app.captures.query).toBe('');
  });

  it('has a help popover whose examples search', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1)]);
    r = await renderApp(engine);
    click(r.byTest('search-help-toggle'));
    const help = r.byTest('search-help');
    expect(help?.textContent).toContain('body.<path>:');
    expect(help?.textContent).toContain('header.<name>:');
    const example = Array.from(help!.querySelectorAll('button')).find((b) => b.textContent === 'body.type:ContactCreate');
    click(example!);
    await settle();
    expect(engine.made('GET', '/captures').at(-1)?.path).toContain('q=body.type%3AContactCreate');
  });

  it('saves the search as a named filter, applies it and deletes it', async () => {
    const engine = new FakeEngine();
    const fake = withAnalysis(engine, [summary(1)]);
    r = await renderApp(engine);
    expect(r.byTest('saved-filters')).toBeNull();
    await search('body.type:ContactCreate');
    click(r.byTest('save-filter'));
    type(r.byTest('save-filter-name'), 'Contacts');
    r.byTest('save-filter-form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await settle();
    expect(engine.made('POST', '/endpoints/1/filters')[0].body).toEqual({ name: 'Contacts', query: 'body.type:ContactCreate' });
    expect(r.all('saved-filter').map((b) => b.textContent)).toEqual(['Contacts']);
    // Another search, then the saved one again.
    await search('');
    click(r.byTest('saved-filter'));
    await settle();
    expect((r.byTest('search') as HTMLInputElement).value).toBe('body.type:ContactCreate');
    expect(r.app.captures.query).toBe('body.type:ContactCreate');
    click(r.byTest('saved-filter-delete'));
    await settle();
    expect(engine.made('DELETE', '/endpoints/1/filters/101')).toHaveLength(1);
    expect(fake.filters).toEqual([]);
    expect(r.byTest('saved-filters')).toBeNull();
  });
});

const change = (area: Change['area'], path: string, kind: Change['kind'], a: Change['a'], b: Change['b'], volatile = false): Change => ({
  area,
  path,
  kind,
  a,
  b,
  volatile,
});

function diffOf(a: number, b: number, ignoreVolatile: boolean): DiffResult {
  const all = [
    change('header', 'webhook-id', 'changed', 'msg_1', 'msg_2', true),
    change('body', '/contact/email', 'changed', 'ada@example.com', 'ada@example.org'),
    change('body', '/contact/phone', 'added', null, '+1 555'),
    change('query', 'page', 'removed', '1', null),
  ];
  const ref = (id: number) => ({ id, endpoint_id: 1, method: 'POST', path: `/hook/${id}`, received_at: 0 });
  return {
    a: ref(a),
    b: ref(b),
    changes: ignoreVolatile ? all.filter((c) => !c.volatile) : all,
    body: { kind: 'json', lines: null, a_size: 20, b_size: 30, a_sha256: 'aa', b_sha256: 'bb' },
    hidden_volatile: ignoreVolatile ? 1 : 0,
  };
}

describe('diff', () => {
  it('compares two picked captures: changes grouped by area, kinds marked, volatile ones hidden on demand', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(4), summary(7), summary(9)], { diff: diffOf });
    r = await renderApp(engine);
    click(r.byTest('compare-toggle'));
    expect(r.all('compare-pick')).toHaveLength(3);
    click(row(9));
    click(row(4));
    expect(r.app.diff.picked).toEqual([9, 4]);
    click(r.byTest('compare-show'));
    await settle();
    // The older capture is A.
    expect(engine.made('GET', '/diff').at(-1)?.path).toBe('/diff?a=4&b=9');
    expect(r.byTest('diff-view')).not.toBeNull();
    expect(Array.from(document.querySelectorAll('[data-testid^="diff-group-"]')).map((g) => g.getAttribute('data-testid'))).toEqual([
      'diff-group-query',
      'diff-group-header',
      'diff-group-body',
    ]);
    const email = document.querySelector('[data-testid="diff-change"][data-path="/contact/email"]');
    expect(email?.getAttribute('data-kind')).toBe('changed');
    expect(email?.querySelector('.a')?.textContent).toBe('"ada@example.com"');
    expect(email?.querySelector('.b')?.textContent).toBe('"ada@example.org"');
    expect(document.querySelector('[data-path="/contact/phone"] .kind.added')).not.toBeNull();
    expect(document.querySelector('[data-path="webhook-id"]')?.classList.contains('volatile')).toBe(true);

    const toggle = r.byTest('diff-ignore-volatile') as HTMLInputElement;
    toggle.checked = true;
    toggle.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(engine.made('GET', '/diff').at(-1)?.path).toBe('/diff?a=4&b=9&ignore_volatile=true');
    expect(r.byTest('diff-hidden')?.textContent).toContain('1 volatile change hidden');
    expect(document.querySelector('[data-path="webhook-id"]')).toBeNull();

    click(r.byTest('diff-close'));
    expect(r.byTest('diff-view')).toBeNull();
    expect(r.byTest('inspector')).not.toBeNull();
  });

  it('compares a capture with the next older one in the list, and shows a text body as two columns', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(4), summary(7), summary(9)], {
      diff: (a, b) => ({
        ...diffOf(a, b, false),
        changes: [],
        body: {
          kind: 'text',
          lines: [
            { op: 'equal', a_line: 1, b_line: 1, text: 'hello' },
            { op: 'removed', a_line: 2, b_line: null, text: 'old' },
            { op: 'added', a_line: null, b_line: 2, text: 'new' },
          ],
          a_size: 9,
          b_size: 9,
          a_sha256: 'a',
          b_sha256: 'b',
        },
      }),
    });
    r = await renderApp(engine);
    click(row(7));
    await settle();
    click(r.byTest('compare-previous'));
    await settle();
    expect(engine.made('GET', '/diff').at(-1)?.path).toBe('/diff?a=4&b=7');
    const lines = r.byTest('diff-lines')!.querySelectorAll('tr');
    expect(lines).toHaveLength(2);
    expect(lines[1].classList.contains('changed')).toBe(true);
    expect(Array.from(lines[1].querySelectorAll('td')).map((t) => t.textContent)).toEqual(['2', 'old', '2', 'new']);
    // The oldest has nothing to compare with.
    click(r.byTest('diff-open-a'));
    await settle();
    expect((r.byTest('compare-previous') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('mapping check', () => {
  it('badges rows with issues, live from capture.updated, and lists the paths in the inspector', async () => {
    const engine = new FakeEngine();
    const fake = withAnalysis(engine, [summary(1), summary(2)]);
    fake.reference = { endpoint_id: 1, capture_id: 1, created_at: 1, fields: [] };
    r = await renderApp(engine);
    expect(r.byTest('mapping-issues-badge')).toBeNull();
    click(row(2));
    await settle();
    click(r.byTest('tab-check'));
    await settle();
    expect(r.byTest('mapping-check-pending')).not.toBeNull();

    // The engine checks the capture and publishes the count; the detail has the paths.
    const checked = { ...summary(2), mapping_issues: 2 };
    fake.details.set(
      2,
      detail(checked, {
        mapping_check: {
          missing: ['contact.email'],
          null: [],
          type_changed: [{ path: 'total', expected: 'number', got: 'string' }],
          new: ['contact.phone'],
        },
      }),
    );
    FakeEventSource.emit('capture.updated', checked);
    await settle();
    const badge = row(2)!.querySelector('[data-testid="mapping-issues-badge"]');
    expect(badge?.textContent).toBe('⚠ 2');
    expect(badge?.getAttribute('title')).toContain('2 mapping issues');
    expect(row(1)!.querySelector('[data-testid="mapping-issues-badge"]')).toBeNull();
    expect(r.byTest('check-missing')?.textContent).toContain('contact.email');
    expect(r.byTest('check-type-changed')?.textContent).toContain('total: number → string');
    expect(r.byTest('check-new')?.textContent).toContain('contact.phone');
    expect(r.byTest('tab-check')?.textContent).toContain('2');
  });

  it('asks in the app before replacing the reference, and sets it when confirmed', async () => {
    const engine = new FakeEngine();
    const fake = withAnalysis(engine, [summary(1), summary(2)]);
    fake.reference = { endpoint_id: 1, capture_id: 1, created_at: 1, fields: [] };
    r = await renderApp(engine, new FakePlatform());
    click(row(2));
    await settle();
    click(r.byTest('tab-mapping'));
    await settle();
    click(r.byTest('use-as-reference'));
    await settle();
    expect(r.byTest('confirm-dialog')?.textContent).toContain('Capture #1 is this endpoint');
    click(r.byTest('confirm-cancel'));
    await settle();
    expect(engine.made('PUT', '/endpoints/1/mapping-reference')).toHaveLength(0);
    click(r.byTest('use-as-reference'));
    await settle();
    click(r.byTest('confirm-ok'));
    await settle();
    expect(engine.made('PUT', '/endpoints/1/mapping-reference')[0].body).toEqual({ capture_id: 2 });
    expect(r.byTest('mapping-reference-info')?.textContent).toContain('This capture');
    const tags = r.all('reference-field').map((tr) => tr.querySelector('code')?.textContent);
    expect(tags).toEqual(['{{inboundWebhookRequest.type}}', '{{inboundWebhookRequest.contact.email}}']);
  });

  it('sets a first reference without asking, and copies a merge tag through the platform', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1)]);
    const platform = new FakePlatform();
    r = await renderApp(engine, platform);
    click(row(1));
    await settle();
    click(r.byTest('tab-mapping'));
    await settle();
    click(r.byTest('use-as-reference'));
    await settle();
    expect(r.byTest('confirm-dialog')).toBeNull();
    click(r.all('copy-reference-tag')[1]);
    await settle();
    expect(platform.copied).toEqual(['{{inboundWebhookRequest.contact.email}}']);
  });
});

describe('duplicates and dialects', () => {
  it('badges a repeated delivery with a link to the first; the Deliveries tab shows the intervals', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [
      summary(3, { dialect: 'highlevel-workflow' }),
      summary(13, { duplicate_of: 3, received_at: 1_700_000_000_000 + 3 * 60_000 + 10 * 60_000 }),
    ]);
    r = await renderApp(engine);
    expect(row(13)!.querySelector('[data-testid="duplicate-badge"]')).not.toBeNull();
    expect(row(3)!.querySelector('[data-testid="duplicate-badge"]')).toBeNull();
    expect(row(3)!.querySelector('[data-testid="dialect-badge"]')?.textContent).toBe('HighLevel workflow');
    click(row(13)!.querySelector<HTMLElement>('[data-testid="retry-of"]'));
    await settle();
    expect(r.app.inspector.id).toBe(3);
    click(row(13));
    await settle();
    click(r.byTest('tab-deliveries'));
    await settle();
    const items = r.all('delivery');
    expect(items.map((li) => li.dataset.captureId)).toEqual(['3', '13']);
    expect(items[1].classList.contains('current')).toBe(true);
    expect(r.byTest('delivery-interval')?.textContent).toBe('10 min later');
    expect(r.byTest('deliveries-summary')?.textContent).toContain('2 deliveries');
  });

  it('sets the event id source from a preset in the in-app dialog', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1)]);
    r = await renderApp(engine);
    click(r.byTest('open-event-id'));
    await settle();
    expect(r.byTest('event-id-dialog')).not.toBeNull();
    const preset = r.all('event-id-preset').find((i) => i.dataset.name === 'webhook-id') as HTMLInputElement;
    preset.click();
    flushSync();
    click(r.byTest('event-id-save'));
    await settle();
    expect(engine.made('PUT', '/endpoints/1/event-id')[0].body).toEqual({ source: { kind: 'header', name: 'webhook-id' } });
    expect(r.byTest('event-id-dialog')).toBeNull();
  });
});

describe('schema', () => {
  it('lists the fields with how often they were seen, marks those new since a capture, and links the export', async () => {
    const engine = new FakeEngine();
    withAnalysis(engine, [summary(1), summary(2)], {
      fields: (since) => ({
        captures: 2,
        json_captures: 2,
        fields: [
          { path: '/type', tag_path: 'type', types: ['string'], count: 2, examples: ['ContactCreate'], enum: ['ContactCreate'], new_since: false },
          { path: '/contact/phone', tag_path: 'contact.phone', types: ['string', 'null'], count: 1, examples: ['+1'], enum: null, new_since: since !== null },
        ],
      }),
    });
    r = await renderApp(engine);
    click(r.byTest('open-schema'));
    await settle();
    const rows = r.all('schema-row');
    expect(rows.map((x) => x.dataset.path)).toEqual(['/type', '/contact/phone']);
    expect(rows[1].querySelector('.seen')?.textContent).toBe('1 of 2');
    expect(rows[1].textContent).toContain('string | null');
    expect(r.byTest('schema-new')).toBeNull();
    expect(r.byTest('schema-export')?.getAttribute('href')).toBe('/api/v1/endpoints/1/schema?limit=1000');
    expect(r.byTest('schema-capped')).toBeNull();
    const since = r.byTest('schema-since') as HTMLSelectElement;
    since.value = '1';
    since.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(engine.made('GET', '/endpoints/1/fields').at(-1)?.path).toBe('/endpoints/1/fields?since=1&limit=1000');
    expect(r.all('schema-row')[1].classList.contains('new')).toBe(true);
    expect(r.byTest('schema-counts')?.textContent).toContain('1 new');
  });

  it('says when the table was made from the newest captures only', async () => {
    const engine = new FakeEngine({ endpoints: [endpoint(1, 'Default', 8787, { capture_count: 1500 })] });
    withAnalysis(engine, [summary(1)], {
      fields: () => ({ captures: 1000, json_captures: 990, fields: [] }),
    });
    r = await renderApp(engine);
    click(r.byTest('open-schema'));
    await settle();
    expect(r.byTest('schema-capped')?.textContent).toContain('the newest 1000 of 1500');
  });
});

describe('merge tags in the inspector', () => {
  it('offers the tag of each form field and query parameter', async () => {
    const engine = new FakeEngine();
    const fake = withAnalysis(engine, [summary(1, { query: 'page=2&utm%20source=x', content_type: 'application/x-www-form-urlencoded' })]);
    const d = fake.details.get(1)!;
    fake.details.set(1, { ...d, decoded: { ...d.decoded, kind: 'form', json: null, form: [{ name: 'first name', value: 'Ada' }, { name: 'plan', value: 'pro' }] } });
    const platform = new FakePlatform();
    r = await renderApp(engine, platform);
    click(row(1));
    await settle();
    click(r.byTest('tab-body'));
    await settle();
    expect(r.all('copy-form-tag').map((b) => b.getAttribute('title'))).toEqual([
      'Copy the merge tag {{inboundWebhookRequest["first name"]}}',
      'Copy the merge tag {{inboundWebhookRequest.plan}}',
    ]);
    click(r.byTest('tab-query'));
    await settle();
    click(r.all('copy-query-tag')[1]);
    await settle();
    expect(platform.copied).toEqual(['{{inboundWebhookRequest.query["utm source"]}}']);
  });
});
