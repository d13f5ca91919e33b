import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from './client';

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function client(handler: (url: string, init?: RequestInit) => Response) {
  const fetchFn = vi.fn(async (url: string, init?: RequestInit) => handler(url, init));
  return { api: new ApiClient('', fetchFn), fetchFn };
}

const sent = (fetchFn: ReturnType<typeof client>['fetchFn'], i = 0) => {
  const [url, init] = fetchFn.mock.calls[i];
  return { url, method: init?.method, body: init?.body ? JSON.parse(String(init.body)) : undefined };
};

describe('ApiClient: issue 4 calls', () => {
  it('asks for a diff, with ignore_volatile only when asked', async () => {
    const { api, fetchFn } = client(() => json(200, { a: {}, b: {}, changes: [], body: {}, hidden_volatile: 0 }));
    await api.diff(3, 7);
    await api.diff(3, 7, true);
    expect(sent(fetchFn, 0).url).toBe('/api/v1/diff?a=3&b=7');
    expect(sent(fetchFn, 1).url).toBe('/api/v1/diff?a=3&b=7&ignore_volatile=true');
  });

  it('asks for fields with the query and since capture; links the schema', async () => {
    const { api, fetchFn } = client(() => json(200, { captures: 0, json_captures: 0, fields: [] }));
    await api.fields(2, { q: 'body.type:X', since: 40 });
    await api.fields(2);
    expect(sent(fetchFn, 0).url).toBe('/api/v1/endpoints/2/fields?q=body.type%3AX&since=40');
    expect(sent(fetchFn, 1).url).toBe('/api/v1/endpoints/2/fields');
    expect(api.schemaUrl(2)).toBe('/api/v1/endpoints/2/schema');
    expect(api.schemaUrl(2, 'method:POST')).toBe('/api/v1/endpoints/2/schema?q=method%3APOST');
  });

  it('reads a missing mapping reference as null, sets and clears one', async () => {
    const { api, fetchFn } = client((url, init) => {
      if (init?.method === 'GET') return json(404, { error: { code: 'not_found', message: 'no reference' } });
      if (init?.method === 'PUT') return json(200, { endpoint_id: 2, capture_id: 9, created_at: 1, fields: [] });
      return new Response(null, { status: 204 });
    });
    expect(await api.getMappingReference(2)).toBeNull();
    expect((await api.setMappingReference(2, 9)).capture_id).toBe(9);
    await api.clearMappingReference(2);
    expect(sent(fetchFn, 1)).toEqual({ url: '/api/v1/endpoints/2/mapping-reference', method: 'PUT', body: { capture_id: 9 } });
    expect(sent(fetchFn, 2)).toMatchObject({ url: '/api/v1/endpoints/2/mapping-reference', method: 'DELETE' });
  });

  it('puts rules, previews and imports a mapping; a refused import keeps its reason', async () => {
    const { api, fetchFn } = client((url, init) => {
      if (url.includes('/import')) return json(422, { error: { code: 'invalid_mapping', message: 'rules[0].target is empty' } });
      if (init?.method === 'PUT') return json(200, JSON.parse(String(init.body)));
      return json(200, { values: [] });
    });
    const rules = [{ target: 'contact.email', source: 'customer.email', transforms: [{ op: 'trim' as const }] }];
    await api.putMapping(2, { rules });
    expect(sent(fetchFn, 0)).toEqual({ url: '/api/v1/endpoints/2/mapping', method: 'PUT', body: { rules } });
    await api.previewMapping(2, 11);
    expect(sent(fetchFn, 1).url).toBe('/api/v1/endpoints/2/mapping/preview?capture_id=11');
    const err = await api.importMapping(2, { hookbench_mapping: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid_mapping');
    expect(err.message).toBe('rules[0].target is empty');
    expect(api.mappingExportUrl(2)).toBe('/api/v1/endpoints/2/mapping/export');
  });

  it('lists, saves and deletes saved filters', async () => {
    const { api, fetchFn } = client((url, init) => {
      if (init?.method === 'POST') return json(201, { id: 5, endpoint_id: 2, name: 'A', query: 'x', created_at: 1 });
      if (init?.method === 'DELETE') return new Response(null, { status: 204 });
      return json(200, { items: [{ id: 5, endpoint_id: 2, name: 'A', query: 'x', created_at: 1 }] });
    });
    expect((await api.listFilters(2)).map((f) => f.id)).toEqual([5]);
    await api.createFilter(2, { name: 'A', query: 'x' });
    await api.deleteFilter(2, 5);
    expect(sent(fetchFn, 1)).toEqual({ url: '/api/v1/endpoints/2/filters', method: 'POST', body: { name: 'A', query: 'x' } });
    expect(sent(fetchFn, 2)).toMatchObject({ url: '/api/v1/endpoints/2/filters/5', method: 'DELETE' });
  });

  it('sets the event id source and reads deliveries', async () => {
    const { api, fetchFn } = client(() => json(200, { source: null, presets: [], event_id: 'x', items: [] }));
    await api.setEventId(2, { kind: 'header', name: 'webhook-id' });
    await api.setEventId(2, null);
    await api.deliveries(9);
    expect(sent(fetchFn, 0)).toEqual({
      url: '/api/v1/endpoints/2/event-id',
      method: 'PUT',
      body: { source: { kind: 'header', name: 'webhook-id' } },
    });
    expect(sent(fetchFn, 1).body).toEqual({ source: null });
    expect(sent(fetchFn, 2).url).toBe('/api/v1/captures/9/deliveries');
  });

  it('keeps where a bad query went wrong', async () => {
    const { api } = client(() =>
      json(400, { error: { code: 'bad_query', message: 'expected a value after "body.x:"', position: 7, length: 2 } }),
    );
    const err = await api.listCaptures({ endpoint: 1, q: 'body.x: OR' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('bad_query');
    expect(err.span).toEqual({ position: 7, length: 2 });
  });
});
