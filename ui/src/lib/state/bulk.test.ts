import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { BulkJob } from '../api/types';
import { FakeEngine } from '../../test/fakeEngine';
import { BulkState, bulkFormError, bulkRequestOf, defaultBulkForm, formatRate, fractionDone, rateLimitText, rateOf } from './bulk.svelte';
import { REPLAY_URL_KEY } from './send.svelte';

function job(over: Partial<BulkJob> = {}): BulkJob {
  return {
    id: 1,
    created_at: 1,
    url: 'http://sink/bulk',
    status: 'running',
    total: 10,
    done: 0,
    succeeded: 0,
    failed: 0,
    retries: 0,
    finished_at: null,
    concurrency: 4,
    rate_limit: { enabled: true, count: 100, per_ms: 10_000 },
    last_error: null,
    ...over,
  };
}

const scope = { endpointId: 3, q: 'body.type:X', count: 12, label: 'the 12 captures' };

describe('bulk replay form', () => {
  it('defaults to HighLevel burst limit, 4 at once and 3 retries', () => {
    const req = bulkRequestOf(defaultBulkForm(' http://sink/x '), scope);
    expect(req).toEqual({
      url: 'http://sink/x',
      concurrency: 4,
      retries: 3,
      rate_limit: { enabled: true, count: 100, per_ms: 10_000 },
      q: 'body.type:X',
      endpoint_id: 3,
    });
  });

  it('sends the rate limit off, keep Host, edited seconds, and chosen captures instead of a search', () => {
    const f = { ...defaultBulkForm('http://sink/x'), rateLimited: false, keepHost: true };
    expect(bulkRequestOf(f, { ...scope, captureIds: [5, 6] })).toMatchObject({
      rate_limit: { enabled: false },
      overrides: { keep_host: true },
      capture_ids: [5, 6],
    });
    expect(bulkRequestOf(f, { ...scope, captureIds: [5] }).q).toBeUndefined();
    const g = { ...defaultBulkForm('http://sink/x'), rateCount: 5, rateSeconds: 1.5 };
    expect(bulkRequestOf(g, { ...scope, q: '  ' })).toMatchObject({ rate_limit: { enabled: true, count: 5, per_ms: 1500 }, endpoint_id: 3 });
    expect(bulkRequestOf(g, { ...scope, q: '' }).q).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(bulkFormError(defaultBulkForm(''))).toMatch(/URL/);
    expect(bulkFormError(defaultBulkForm('localhost:3000'))).toMatch(/http/);
    expect(bulkFormError({ ...defaultBulkForm('http://a'), concurrency: 0 })).toMatch(/Concurrency/);
    expect(bulkFormError({ ...defaultBulkForm('http://a'), retries: 11 })).toMatch(/Retries/);
    expect(bulkFormError({ ...defaultBulkForm('http://a'), rateSeconds: 0 })).toMatch(/seconds/);
    expect(bulkFormError({ ...defaultBulkForm('http://a'), rateLimited: false, rateSeconds: 0 })).toBeNull();
  });
});

describe('progress figures', () => {
  it('fraction, rate limit text, rate over a window', () => {
    expect(fractionDone({ done: 5, total: 10 })).toBe(0.5);
    expect(fractionDone({ done: 0, total: 0 })).toBe(1);
    expect(rateLimitText({ enabled: true, count: 100, per_ms: 10_000 })).toBe('100 per 10 s');
    expect(rateLimitText({ enabled: true, count: 5, per_ms: 1500 })).toBe('5 per 1.5 s');
    expect(rateLimitText({ enabled: false })).toBe('no rate limit');
    expect(rateOf([{ t: 0, done: 0 }])).toBeNull();
    // Only the last 3 s count.
    expect(rateOf([{ t: 0, done: 0 }, { t: 5000, done: 100 }, { t: 6000, done: 200 }, { t: 7000, done: 300 }])).toBe(100);
    expect(rateOf([{ t: 0, done: 0 }, { t: 10_000, done: 50 }])).toBe(5);
    expect(formatRate(null)).toBe('—');
    expect(formatRate(12.34)).toBe('12.3/s');
    expect(formatRate(850.4)).toBe('850/s');
  });
});

describe('BulkState', () => {
  afterEach(() => localStorage.clear());

  it('starts with the remembered URL, follows replay.progress and lists failed items', async () => {
    localStorage.setItem(REPLAY_URL_KEY, 'http://sink/remembered');
    const engine = new FakeEngine();
    let now = 0;
    engine.overrides.push((c) => {
      if (c.method === 'POST' && c.path === '/replays') return { status: 201, body: job() };
      if (c.method === 'GET' && c.path === '/replays/1') return { status: 200, body: job() };
      if (c.path.startsWith('/replays/1/items')) {
        return { status: 200, body: { items: [{ index: 2, capture_id: 9, state: 'failed', status: 500, error: null, attempts: 4, send_id: 77 }] } };
      }
      return undefined;
    });
    const b = new BulkState(new ApiClient('', engine.fetch), () => now);
    b.openForm(scope);
    expect(b.form.url).toBe('http://sink/remembered');
    b.form.url = 'http://sink/new';
    b.form.rateLimited = false;
    const started = await b.start();
    expect(started?.id).toBe(1);
    expect(engine.made('POST', '/replays')[0]?.body).toMatchObject({ url: 'http://sink/new', rate_limit: { enabled: false }, q: 'body.type:X' });
    expect(localStorage.getItem(REPLAY_URL_KEY)).toBe('http://sink/new');
    expect(b.formOpen).toBe(false);
    expect(b.shownId).toBe(1);
    now = 1000;
    b.onProgress(job({ done: 4, succeeded: 4 }));
    now = 2000;
    b.onProgress(job({ done: 8, succeeded: 7, failed: 1 }));
    expect(b.shown?.done).toBe(8);
    expect(b.rates[1]).toBe(4);
    await b.loadFailed();
    expect(b.failedItems.map((i) => i.capture_id)).toEqual([9]);
    expect(engine.calls.at(-1)?.path).toBe('/replays/1/items?state=failed&limit=200');
    // A job started elsewhere shows up in the list.
    b.onProgress(job({ id: 2, status: 'stopped' }));
    expect(b.jobs.map((j) => j.id)).toEqual([2, 1]);
  });

  it('asks for the shown running job every second, so a missed progress event cannot leave it running', async () => {
    vi.useFakeTimers();
    try {
      const engine = new FakeEngine();
      let state: BulkJob = job();
      engine.overrides.push((c) => {
        if (c.method === 'POST' && c.path === '/replays') return { status: 201, body: job() };
        if (c.method === 'GET' && c.path === '/replays/1') return { status: 200, body: state };
        if (c.path.startsWith('/replays/1/items')) return { status: 200, body: { items: [] } };
        return undefined;
      });
      const b = new BulkState(new ApiClient('', engine.fetch), () => 0);
      b.openForm(scope);
      b.form.url = 'http://sink/x';
      await b.start();
      await vi.advanceTimersByTimeAsync(10);
      expect(b.shown?.status).toBe('running');
      // The job ends; its last event never arrives.
      state = job({ status: 'finished', done: 10, failed: 3 });
      await vi.advanceTimersByTimeAsync(1100);
      expect(b.shown?.status).toBe('finished');
      expect(b.shown?.failed).toBe(3);
      const gets = engine.made('GET', '/replays/1').length;
      await vi.advanceTimersByTimeAsync(3000);
      expect(engine.made('GET', '/replays/1').length).toBe(gets);
      b.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows why a start was refused in the dialog, and stop/resume answers', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'POST' && c.path === '/replays') return { status: 400, body: { error: { code: 'bad_request', message: 'no captures match' } } };
      if (c.path === '/replays/4/stop') return { status: 200, body: job({ id: 4, status: 'stopped' }) };
      if (c.path === '/replays/4/resume') return { status: 404, body: { error: { code: 'not_found', message: 'bulk replay not found' } } };
      return undefined;
    });
    const b = new BulkState(new ApiClient('', engine.fetch));
    b.openForm(scope);
    b.form.url = '';
    expect(await b.start()).toBeNull();
    expect(b.formError).toMatch(/URL/);
    expect(engine.made('POST', '/replays')).toHaveLength(0);
    b.form.url = 'http://sink/x';
    expect(await b.start()).toBeNull();
    expect(b.formError).toBe('no captures match');
    expect(b.formOpen).toBe(true);
    expect(await b.stop(4)).toBe(true);
    expect(b.jobs[0]?.status).toBe('stopped');
    expect(await b.resume(4)).toBe(false);
    expect(b.actionError).toBe('bulk replay not found');
  });
});
