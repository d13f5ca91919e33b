import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import type { Capture, SendSummary, StoredSend } from '../api/types';
import { FakeEngine, FakeEventSource, click, renderApp, settle, type Rendered } from '../../test/fakeEngine';
import {
  HistoryState,
  REPLAY_URL_KEY,
  ReplayState,
  SendState,
  authOf,
  buildSendBody,
  draftFromCapture,
  emptyAuth,
  emptyDraft,
  row,
} from './send.svelte';

function capture(over: Partial<Capture> = {}): Capture {
  return {
    id: 7,
    endpoint_id: 1,
    received_at: 1,
    method: 'post',
    path: '/orders',
    query: 'a=1&b=x%20y',
    http_version: 'HTTP/1.1',
    remote_addr: '127.0.0.1:5000',
    headers: [
      { name: 'Host', value: '127.0.0.1:8787' },
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Content-Length', value: '11' },
      { name: 'X-Sig', value: 'abc' },
    ],
    header_source: 'wire',
    content_type: 'application/json',
    body_size: 11,
    body_sha256: '',
    declared_length: 11,
    rejected: null,
    response: { status: 200, headers: [], body: '' },
    starred: false,
    note: '',
    tags: [],
    decoded: {} as Capture['decoded'],
    mapping_check: null,
    event_id: null,
    duplicate_of: null,
    dialect: null,
    ...over,
  } as Capture;
}

function stored(over: Partial<StoredSend> = {}): StoredSend {
  return {
    id: 1,
    created_at: 1,
    kind: 'send',
    capture_id: null,
    batch_id: null,
    dry_run: false,
    request: { method: 'POST', url: 'http://x/', http_version: 'HTTP/1.1', headers: [], head: 'POST / HTTP/1.1\r\n\r\n', body: '', body_size: 0 },
    response: null,
    error: null,
    duration_ms: 1,
    redirects: [],
    diagnostics: [],
    ...over,
  };
}

function summary(id: number, over: Partial<SendSummary> = {}): SendSummary {
  return {
    id,
    created_at: id,
    kind: 'send',
    capture_id: null,
    batch_id: null,
    method: 'POST',
    url: `http://sink/${id}`,
    status: 200,
    error: null,
    duration_ms: 3,
    request_size: 0,
    response_size: 2,
    ...over,
  };
}

describe('buildSendBody', () => {
  it('sends the enabled rows, the body for its type, options, and the open capture as context', () => {
    const d = emptyDraft();
    d.method = 'patch';
    d.url = ' http://sink/{{contact.id}} ';
    d.query = [row('a', '1'), row('off', 'x', false), row('', '')];
    d.headers = [row('X-A', '{{contact.email}}')];
    d.body = '{"a": {{env.n}}}';
    d.env = [row('n', '5'), row('', 'ignored'), row('off', '1', false)];
    d.proxy = ' http://proxy:3128 ';
    const req = buildSendBody(d, 12, true);
    expect(req).toEqual({
      method: 'PATCH',
      url: 'http://sink/{{contact.id}}',
      body_type: 'json',
      capture_id: 12,
      env: { n: '5' },
      query: [
        { name: 'a', value: '1' },
        { name: 'off', value: 'x', enabled: false },
      ],
      headers: [{ name: 'X-A', value: '{{contact.email}}' }],
      body: '{"a": {{env.n}}}',
      options: { timeout_ms: 30000, follow_redirects: true, verify_tls: true, proxy: 'http://proxy:3128' },
      dry_run: true,
    });
  });

  it('leaves out the capture when the context is none, and form fields and files for multipart', () => {
    const d = emptyDraft();
    d.context = 'none';
    d.bodyType = 'multipart';
    d.body = 'not sent';
    d.form = [row('name', 'Ada')];
    d.files = [{ id: 1, name: 'file', filename: 'a.txt', contentType: 'text/plain', dataBase64: 'aGk=', size: 2 }];
    const req = buildSendBody(d, 12, false);
    expect(req.capture_id).toBeUndefined();
    expect(req.body).toBeUndefined();
    expect(req.dry_run).toBeUndefined();
    expect(req.form).toEqual([{ name: 'name', value: 'Ada' }]);
    expect(req.files).toEqual([{ name: 'file', filename: 'a.txt', data_base64: 'aGk=', content_type: 'text/plain' }]);
  });

  it('sends a binary raw body as its bytes', () => {
    const d = emptyDraft();
    d.bodyType = 'raw';
    d.bodyBase64 = 'AAE=';
    expect(buildSendBody(d, null, false)).toMatchObject({ body_type: 'raw', body_base64: 'AAE=' });
  });

  it('writes each auth kind as the engine reads it', () => {
    const a = emptyAuth();
    expect(authOf(a)).toEqual({ type: 'none' });
    expect(authOf({ ...a, kind: 'bearer', token: 't' })).toEqual({ type: 'bearer', token: 't' });
    expect(authOf({ ...a, kind: 'basic', username: 'u', password: 'p' })).toEqual({ type: 'basic', username: 'u', password: 'p' });
    expect(authOf({ ...a, kind: 'api_key', keyName: 'k', keyValue: 'v', keyIn: 'query' })).toEqual({
      type: 'api_key',
      name: 'k',
      value: 'v',
      in: 'query',
    });
    const o = authOf({ ...a, kind: 'oauth2', tokenUrl: 'http://t', clientId: 'c', clientSecret: 's', refreshToken: 'r' });
    expect(o).toMatchObject({ type: 'oauth2', grant: 'client_credentials', token_url: 'http://t', client_secret: 's', refresh_token: '' });
    expect(authOf({ ...a, kind: 'oauth2', grant: 'refresh_token', refreshToken: 'r' })).toMatchObject({ refresh_token: 'r' });
  });
});

describe('draftFromCapture', () => {
  it("takes the method, query, headers (the target's own switched off) and the body as raw", () => {
    const keep = emptyDraft();
    keep.auth = { ...emptyAuth(), kind: 'bearer', token: 'kept' };
    keep.url = 'http://old';
    const d = draftFromCapture(capture(), new TextEncoder().encode('{"a":"é"}'), keep);
    expect(d.method).toBe('POST');
    expect(d.url).toBe('');
    expect(d.query.map((r) => [r.name, r.value])).toEqual([
      ['a', '1'],
      ['b', 'x y'],
    ]);
    expect(d.headers.map((r) => [r.name, r.enabled])).toEqual([
      ['Host', false],
      ['Content-Type', true],
      ['Content-Length', false],
      ['X-Sig', true],
    ]);
    expect(d.bodyType).toBe('raw');
    expect(d.body).toBe('{"a":"é"}');
    expect(d.bodyBase64).toBeNull();
    expect(d.auth.token).toBe('kept');
    expect(d.context).toBe('capture');
  });

  it('keeps a body that is not UTF-8 as bytes, and an empty one as none', () => {
    const bin = draftFromCapture(capture(), new Uint8Array([0xff, 0x00, 0x01]));
    expect(bin.bodyBase64).toBe('/wAB');
    expect(bin.body).toBe('');
    expect(draftFromCapture(capture(), new Uint8Array()).bodyType).toBe('none');
  });
});

describe('SendState.run', () => {
  it('shows a template error by field', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) =>
      c.path === '/requests/send'
        ? {
            status: 422,
            body: {
              error: {
                code: 'template_error',
                message: 'the request has 1 error',
                diagnostics: [{ field: 'url', message: 'not closed', start: 0, end: 2, suggestion: null, severity: 'error' }],
              },
            },
          }
        : undefined,
    );
    const s = new SendState(new ApiClient('', engine.fetch), () => 3);
    s.draft.url = 'http://x/{{a';
    expect(await s.run('dry')).toBeNull();
    expect(s.error).toBe('the request has 1 error');
    expect(s.fieldErrors).toEqual([expect.objectContaining({ field: 'url', message: 'not closed' })]);
    expect(engine.made('POST', '/requests/send')[0].body).toMatchObject({ dry_run: true, capture_id: 3 });
  });

  it('keeps the result and never puts the auth in storage', async () => {
    localStorage.clear();
    const engine = new FakeEngine();
    engine.overrides.push((c) => (c.path === '/requests/send' ? { status: 200, body: stored() } : undefined));
    const s = new SendState(new ApiClient('', engine.fetch));
    s.draft.auth = { ...emptyAuth(), kind: 'bearer', token: 'super-secret' };
    expect(await s.run('send')).toMatchObject({ id: 1 });
    expect(s.result?.id).toBe(1);
    expect(s.busy).toBeNull();
    expect(JSON.stringify({ ...localStorage })).not.toContain('super-secret');
  });
});

describe('HistoryState', () => {
  it('puts new entries on top, or counts them while a filter is on', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => (c.path.startsWith('/requests?') ? { status: 200, body: { items: [summary(1)], next_cursor: null } } : undefined));
    const h = new HistoryState(new ApiClient('', engine.fetch));
    h.onCreated(summary(9)); // not loaded yet: ignored
    await h.ensure();
    expect(h.items.map((s) => s.id)).toEqual([1]);
    h.onCreated(summary(2));
    h.onCreated(summary(2));
    h.flush();
    expect(h.items.map((s) => s.id)).toEqual([2, 1]);
    h.status = '4xx';
    h.onCreated(summary(3));
    expect(h.missed).toBe(1);
    await h.load();
    expect(engine.calls.at(-1)?.path).toBe('/requests?status=4xx&limit=50');
    expect(h.missed).toBe(0);
  });
});

describe('ReplayState', () => {
  afterEach(() => localStorage.clear());

  it('remembers the last target URL', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => (c.path === '/captures/4/replay' ? { status: 200, body: stored({ kind: 'replay', capture_id: 4 }) } : undefined));
    const r = new ReplayState(new ApiClient('', engine.fetch));
    r.open(4);
    await r.run('dry');
    expect(r.error).toMatch(/Enter the URL/);
    r.url = ' http://localhost:3000/hook ';
    r.keepHost = true;
    await r.run('dry');
    expect(engine.made('POST', '/captures/4/replay')[0].body).toEqual({
      url: 'http://localhost:3000/hook',
      overrides: { keep_host: true },
      dry_run: true,
    });
    expect(r.result?.kind).toBe('replay');
    expect(localStorage.getItem(REPLAY_URL_KEY)).toBe('http://localhost:3000/hook');
    const again = new ReplayState(new ApiClient('', engine.fetch));
    again.open(5);
    expect(again.url).toBe('http://localhost:3000/hook');
  });
});

describe('the Send view', () => {
  let r: Rendered | null = null;
  afterEach(() => {
    r?.destroy();
    r = null;
    document.body.innerHTML = '';
  });

  it('opens from the top bar, loads the history and the tags, and shows sends live', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.path.startsWith('/requests?')) return { status: 200, body: { items: [summary(1)], next_cursor: null } };
      if (c.path === '/merge-tags') return { status: 200, body: { tags: [{ path: 'contact.email', preview: 'a@b.c' }], truncated: false } };
      if (c.path === '/render') return { status: 200, body: { output: '', diagnostics: [] } };
      return undefined;
    });
    r = await renderApp(engine);
    click(r.byTest('mode-send'));
    await settle();
    await new Promise((res) => setTimeout(res, 250));
    await settle();
    expect(r.byTest('send-view')).not.toBeNull();
    expect(r.all('history-item')).toHaveLength(1);
    expect(r.app.send.tags.map((t) => t.path)).toEqual(['contact.email']);
    FakeEventSource.emit('send.created', summary(2, { status: 404 }));
    r.app.history.flush();
    await settle();
    expect(r.all('history-item').map((e) => e.dataset.sendId)).toEqual(['2', '1']);
    // The URL's tags are highlighted.
    r.app.send.draft.url = 'http://x/{{contact.email}}/{{bad';
    await settle();
    const field = r.byTest('send-url-field')!;
    expect(field.querySelector('.backdrop .tag')?.textContent).toBe('{{contact.email}}');
    expect(field.querySelector<HTMLElement>('.backdrop .error')?.dataset.message).toBe('this merge tag is not closed with }}');
    click(r.byTest('mode-captures'));
    expect(r.byTest('send-view')).toBeNull();
  });
});
