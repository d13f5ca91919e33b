import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import type { Endpoint, SendSummary, StoredSend } from '../api/types';
import { FakeEngine, endpoint } from '../../test/fakeEngine';
import { ForwardResultsState, ForwardState, forwardBodyOf, forwardFormError, forwardFormOf, isForwarding } from './forward.svelte';

describe('forward form', () => {
  it('round-trips a config and checks the URL', () => {
    const f = forwardFormOf({ url: 'http://localhost:3000/h', enabled: false, keep_host: true, options: { timeout_ms: 5000, verify_tls: false } });
    expect(f).toEqual({ url: 'http://localhost:3000/h', enabled: false, keepHost: true, verifyTls: false, answerWithTarget: false, timeoutS: 5 });
    expect(forwardBodyOf(f)).toEqual({
      url: 'http://localhost:3000/h',
      enabled: false,
      keep_host: true,
      answer_with_target: false,
      options: { timeout_ms: 5000, verify_tls: false },
    });
    expect(forwardFormOf(null)).toMatchObject({ url: '', enabled: true, verifyTls: true, timeoutS: 30 });
    expect(forwardFormError(forwardFormOf(null))).toMatch(/URL/);
    expect(forwardFormError({ ...f, url: 'ftp://x' })).toMatch(/http/);
    expect(isForwarding({ url: 'x', enabled: false })).toBe(false);
    expect(isForwarding({ url: 'x' })).toBe(true);
    expect(isForwarding(null)).toBe(false);
  });
});

describe('ForwardState', () => {
  it("reads each endpoint's forward from the list (no request per endpoint), saves and removes", async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'PUT' && c.path === '/endpoints/3/forward') return { status: 200, body: c.body };
      if (c.method === 'DELETE' && c.path === '/endpoints/2/forward') return { status: 204 };
      return undefined;
    });
    let endpoints: Endpoint[] = [endpoint(1, 'Default'), endpoint(2, 'Stripe', 8787, { forward: { url: 'http://a/', enabled: true, answer_with_target: true } }), endpoint(3, 'GitHub')];
    const f = new ForwardState(
      new ApiClient('', engine.fetch),
      () => endpoints,
      (id, forward) => (endpoints = endpoints.map((e) => (e.id === id ? { ...e, forward } : e))),
    );
    expect(f.of(1)).toBeNull();
    expect(f.of(2)?.url).toBe('http://a/');
    expect(engine.calls.filter((c) => c.path.endsWith('/forward'))).toEqual([]);
    f.open(3);
    expect(await f.save()).toBe(false);
    expect(f.error).toMatch(/URL/);
    f.form.url = 'http://localhost:3000/x';
    f.form.answerWithTarget = true;
    expect(await f.save()).toBe(true);
    expect(engine.made('PUT', '/endpoints/3/forward')[0]?.body).toMatchObject({
      url: 'http://localhost:3000/x',
      enabled: true,
      keep_host: false,
      answer_with_target: true,
    });
    expect(f.of(3)?.url).toBe('http://localhost:3000/x');
    expect(endpoints[2]?.forward?.answer_with_target).toBe(true);
    expect(f.editing).toBeNull();
    f.open(2);
    expect(f.form.url).toBe('http://a/');
    expect(f.form.answerWithTarget).toBe(true);
    expect(await f.remove()).toBe(true);
    expect(f.of(2)).toBeNull();
  });
});

describe('ForwardResultsState', () => {
  const summary = (id: number, capture: number): SendSummary => ({
    id,
    created_at: id,
    kind: 'forward',
    capture_id: capture,
    batch_id: null,
    method: 'POST',
    url: 'http://a/',
    status: 201,
    error: null,
    duration_ms: 3,
    request_size: 1,
    response_size: 1,
  });
  const stored = (id: number): StoredSend =>
    ({ id, created_at: id, kind: 'forward', capture_id: 7, batch_id: null, dry_run: false, response: null, error: 'refused' }) as unknown as StoredSend;

  it('shows the newest forward of the open capture, and a new one live', async () => {
    const engine = new FakeEngine();
    let items = [summary(5, 7)];
    engine.overrides.push((c) => {
      if (c.path.startsWith('/requests?')) return { status: 200, body: { items, next_cursor: null } };
      const one = /^\/requests\/(\d+)$/.exec(c.path);
      if (one) return { status: 200, body: stored(Number(one[1])) };
      return undefined;
    });
    const r = new ForwardResultsState(new ApiClient('', engine.fetch));
    await r.load(7);
    expect(engine.calls.find((c) => c.path.startsWith('/requests?'))?.path).toBe('/requests?kind=forward&capture_id=7&limit=20');
    expect(r.shown?.id).toBe(5);
    // Another capture's forward, or a send, changes nothing.
    const before = engine.calls.length;
    r.onCreated({ ...summary(6, 8) });
    r.onCreated({ ...summary(6, 7), kind: 'send' });
    expect(engine.calls.length).toBe(before);
    items = [summary(9, 7), summary(5, 7)];
    r.onCreated(summary(9, 7));
    await new Promise((res) => setTimeout(res, 0));
    await new Promise((res) => setTimeout(res, 0));
    expect(r.items.map((s) => s.id)).toEqual([9, 5]);
    expect(r.shown?.id).toBe(5);
  });
});
