import { describe, expect, it } from 'vitest';
import { ApiClient, filenameOf } from '../api/client';
import { FakeEngine, FakePlatform, renderApp } from '../../test/fakeEngine';
import { ExportState, exportQueryOf, importSummary, redactPathsOf } from './exports.svelte';

describe('export query', () => {
  it('adds the format and the redaction to the scope', () => {
    const scope = { what: 'captures' as const, label: 'x', query: { endpoint: 3, q: 'method:POST' } };
    expect(redactPathsOf(' customer.email , password,, ')).toEqual(['customer.email', 'password']);
    expect(exportQueryOf(scope, 'har', true, 'password')).toEqual({
      endpoint: 3,
      q: 'method:POST',
      what: 'captures',
      format: 'har',
      redact: true,
      redact_paths: ['password'],
    });
    expect(exportQueryOf(scope, 'ndjson', false, '')).toEqual({ endpoint: 3, q: 'method:POST', what: 'captures', format: 'ndjson' });
    const api = new ApiClient('');
    expect(api.exportUrl(exportQueryOf(scope, 'har', true, 'a.b,c'))).toBe(
      '/api/v1/export?what=captures&format=har&endpoint=3&q=method%3APOST&redact=true&redact_paths=a.b%2Cc',
    );
    expect(api.exportUrl({ what: 'sends', format: 'json', batch_id: 4 })).toBe('/api/v1/export?what=sends&format=json&batch_id=4');
  });

  it('reads the file name of Content-Disposition (never a path)', () => {
    expect(filenameOf('attachment; filename="hookbench-captures-1.har"')).toBe('hookbench-captures-1.har');
    expect(filenameOf("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.json")).toBe('résumé.json');
    expect(filenameOf('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameOf(null)).toBeNull();
    expect(filenameOf('attachment')).toBeNull();
  });

  it('sums up an import', () => {
    expect(importSummary({ capture_ids: [1, 2], warnings: [] }, 'Stripe')).toBe('Imported 2 requests into “Stripe”');
    expect(importSummary({ capture_ids: [1], warnings: ['a', 'b', 'c', 'd'] }, 'S')).toBe('Imported 1 request into “S”; 4 left out: a; b; c (and 1 more)');
  });
});

describe('ExportState', () => {
  it('fetches the file with its name, and says why when the engine refuses', async () => {
    const asked: string[] = [];
    let fail = false;
    const api = new ApiClient('', async (url) => {
      asked.push(url);
      if (fail) return new Response(JSON.stringify({ error: { code: 'bad_query', message: 'unknown field', position: 0, length: 1 } }), { status: 400 });
      return new Response('{"log":{}}', { status: 200, headers: { 'Content-Disposition': 'attachment; filename="hookbench-captures-9.har"' } });
    });
    const x = new ExportState(api);
    expect(await x.fetch()).toBeNull();
    x.open({ what: 'captures', label: 'all', query: { endpoint: 2 } });
    x.paths = 'password';
    const file = await x.fetch();
    expect(file?.filename).toBe('hookbench-captures-9.har');
    expect(await file?.blob.text()).toBe('{"log":{}}');
    expect(file?.url).toBe('/api/v1/export?what=captures&format=har&endpoint=2&redact=true&redact_paths=password');
    expect(asked[0]).toBe(file?.url);
    fail = true;
    expect(await x.fetch()).toBeNull();
    expect(x.error).toBe('unknown field');
    x.close();
    expect(x.isOpen).toBe(false);
  });
});

describe('AppState export and HAR import', () => {
  it("exports the list's endpoint and search through the platform, and imports a HAR into the selected endpoint", async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'GET' && c.path.startsWith('/export?')) return { status: 200, body: { log: { entries: [] } } };
      if (c.method === 'POST' && c.path.startsWith('/import/har?')) return { status: 200, body: { capture_ids: [5, 6], warnings: ['entry 3: not HTTP'] } };
      return undefined;
    });
    const platform = new FakePlatform();
    const r = await renderApp(engine, platform);
    const app = r.app;
    const ep = app.endpoints.selected!;
    app.captures.query = 'method:POST';
    app.openExport('captures');
    expect(app.exporter.scope?.query).toEqual({ endpoint: ep.id, q: 'method:POST' });
    await app.runExport();
    expect(platform.saved[0]?.url).toBe(`/api/v1/export?what=captures&format=har&endpoint=${ep.id}&q=method%3APOST&redact=true`);
    expect(JSON.parse(platform.saved[0]!.text)).toEqual({ log: { entries: [] } });
    expect(app.exporter.isOpen).toBe(false);
    app.history.q = 'x';
    app.openExport('sends');
    expect(app.exporter.scope).toMatchObject({ what: 'sends', query: { q: 'x' } });
    app.exporter.close();

    await app.importHar(new File(['{"log":{"entries":[]}}'], 'a.har'));
    const call = engine.made('POST', '/import/har')[0];
    expect(call?.path).toBe(`/import/har?endpoint=${ep.id}`);
    expect(call?.body).toEqual({ log: { entries: [] } });
    expect(app.toasts.at(-1)?.text).toMatch(/Imported 2 requests into .*1 left out: entry 3: not HTTP/);
    r.destroy();
  });
});
