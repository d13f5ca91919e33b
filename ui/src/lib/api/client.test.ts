import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorFromResponse } from './client';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function client(handler: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const fetchFn = vi.fn(async (url: string, init?: RequestInit) => handler(url, init));
  return { api: new ApiClient('', fetchFn), fetchFn };
}

describe('ApiClient requests', () => {
  it('sends same-origin requests to /api/v1 and parses JSON', async () => {
    const { api, fetchFn } = client(() => json(200, { items: [{ id: 1, name: 'Default' }] }));
    const items = await api.listEndpoints();
    expect(items).toEqual([{ id: 1, name: 'Default' }]);
    const [url, init] = fetchFn.mock.calls[0];
    expect(url).toBe('/api/v1/endpoints');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.method).toBe('GET');
  });

  it('sends JSON bodies with their content type', async () => {
    const { api, fetchFn } = client(() => json(201, { id: 3, name: 'Stripe' }));
    await api.createEndpoint('Stripe');
    const init = fetchFn.mock.calls[0][1];
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ name: 'Stripe' });
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('builds the capture list query, bounding the limit', async () => {
    const { api, fetchFn } = client(() => json(200, { items: [], next_cursor: null }));
    await api.listCaptures({ endpoint: 4, q: 'a b&c', limit: 9999, cursor: 'xyz' });
    const url = new URL(fetchFn.mock.calls[0][0], 'http://x');
    expect(url.pathname).toBe('/api/v1/captures');
    expect(url.searchParams.get('endpoint')).toBe('4');
    expect(url.searchParams.get('q')).toBe('a b&c');
    expect(url.searchParams.get('limit')).toBe('500');
    expect(url.searchParams.get('cursor')).toBe('xyz');
    await api.listCaptures({ endpoint: 4, q: '' });
    expect(fetchFn.mock.calls[1][0]).toBe('/api/v1/captures?endpoint=4');
  });

  it('accepts 204 for deletes', async () => {
    const { api } = client(() => new Response(null, { status: 204 }));
    await expect(api.deleteCapture(5)).resolves.toBeUndefined();
  });

  it('returns raw body bytes and the sender content type', async () => {
    const { api } = client(
      () =>
        new Response(new Uint8Array([1, 2, 255]), {
          status: 200,
          headers: { 'Content-Type': 'application/octet-stream', 'X-Hookbench-Content-Type': 'image/png' },
        }),
    );
    const b = await api.getBody(7);
    expect(Array.from(b.bytes)).toEqual([1, 2, 255]);
    expect(b.contentType).toBe('image/png');
  });

  it('makes download links', () => {
    const api = new ApiClient('http://127.0.0.1:8788/');
    expect(api.bodyUrl(3)).toBe('http://127.0.0.1:8788/api/v1/captures/3/body');
    expect(api.partUrl(3, 1)).toBe('http://127.0.0.1:8788/api/v1/captures/3/parts/1');
  });
});

describe('ApiClient errors', () => {
  it("shows the engine's message and keeps its code and status", async () => {
    const { api } = client(() => json(409, { error: { code: 'conflict', message: 'the Default endpoint cannot be deleted' } }));
    const err = await api.deleteEndpoint(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('the Default endpoint cannot be deleted');
    expect((err as ApiError).code).toBe('conflict');
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).isUnauthorized).toBe(false);
  });

  it('flags 401 as no session', async () => {
    const { api } = client(() => json(401, { error: { code: 'unauthorized', message: 'the token is not valid' } }));
    const err = (await api.info().catch((e: unknown) => e)) as ApiError;
    expect(err.isUnauthorized).toBe(true);
  });

  it('turns a non-JSON error into a readable status line', async () => {
    const e1 = await errorFromResponse(new Response('upstream exploded', { status: 502, statusText: 'Bad Gateway' }));
    expect(e1.message).toBe('HTTP 502 Bad Gateway: upstream exploded');
    const e2 = await errorFromResponse(new Response('', { status: 500 }));
    expect(e2.message).toBe('HTTP 500');
    const e3 = await errorFromResponse(json(400, { error: { code: 'x' } }));
    expect(e3.message).toBe('HTTP 400: {"error":{"code":"x"}}');
  });

  it('reports an unreachable engine as a network error', async () => {
    const { api } = client(() => {
      throw new TypeError('Failed to fetch');
    });
    const err = (await api.info().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('network');
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/Cannot reach Hookbench/);
  });

  it('lets aborts through untouched', async () => {
    const { api } = client(() => {
      throw new DOMException('aborted', 'AbortError');
    });
    const err = await api.getCapture(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
  });

  it('rejects a success answer that is not JSON', async () => {
    const { api } = client(() => new Response('<html>', { status: 200 }));
    const err = (await api.info().catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('bad_response');
  });
});

describe('outbound requests', () => {
  it('a template error carries its diagnostics by field', async () => {
    const body = {
      error: {
        code: 'template_error',
        message: 'the request has 1 error',
        diagnostics: [{ field: 'headers[0].value', message: 'not closed', start: 1, end: 4, suggestion: null, severity: 'error' }],
      },
    };
    const err = await errorFromResponse(new Response(JSON.stringify(body), { status: 422 }));
    expect(err.code).toBe('template_error');
    expect(err.diagnostics?.[0].field).toBe('headers[0].value');
    const plain = await errorFromResponse(new Response(JSON.stringify({ error: { code: 'x', message: 'y' } }), { status: 400 }));
    expect(plain.diagnostics).toBeNull();
  });

  it('lists the execution log with its filters', async () => {
    const calls: string[] = [];
    const api = new ApiClient('', async (url) => {
      calls.push(url);
      return new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200 });
    });
    await api.listRequests({ q: 'ord 1', status: '4xx', kind: 'replay', capture_id: 3, limit: 9999, cursor: '12' });
    expect(calls[0]).toBe('/api/v1/requests?q=ord+1&kind=replay&capture_id=3&status=4xx&limit=500&cursor=12');
  });
});
