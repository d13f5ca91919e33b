import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client';
import type { CapturePage, CaptureQuery, CaptureSummary } from '../api/types';
import { CaptureListState } from './captures.svelte';

function cap(id: number, endpoint_id = 2): CaptureSummary {
  return {
    id,
    endpoint_id,
    received_at: 1_700_000_000_000 + id,
    method: 'POST',
    path: `/h/abc/${id}`,
    query: null,
    remote_addr: '127.0.0.1:1',
    content_type: 'application/json',
    body_size: 10,
    status: 200,
    rejected: null,
    starred: false,
    tags: [],
    mapping_issues: null,
    duplicate_of: null,
    dialect: null,
  };
}

/** A fake engine with captures 1..n for endpoint 2, paged newest first. */
function fakeApi(n: number) {
  const all = Array.from({ length: n }, (_, i) => cap(n - i));
  const listCaptures = vi.fn(async (q: CaptureQuery): Promise<CapturePage> => {
    const start = q.cursor ? Number(q.cursor) : 0;
    const limit = q.limit ?? 50;
    const rows = all.filter((c) => !q.q || String(c.id).includes(q.q));
    const items = rows.slice(start, start + limit);
    return { items, next_cursor: start + limit < rows.length ? String(start + limit) : null };
  });
  return { api: { listCaptures } as unknown as ApiClient, listCaptures };
}

afterEach(() => vi.useRealTimers());

describe('CaptureListState', () => {
  it('loads the first page and pages older ones by cursor', async () => {
    const { api, listCaptures } = fakeApi(450);
    const s = new CaptureListState(api);
    await s.load(2, '');
    expect(s.items).toHaveLength(200);
    expect(s.items[0].id).toBe(450);
    expect(s.nextCursor).toBe('200');
    await s.loadMore();
    await s.loadMore();
    expect(s.items).toHaveLength(450);
    expect(s.items.at(-1)?.id).toBe(1);
    expect(s.nextCursor).toBeNull();
    await s.loadMore();
    expect(listCaptures).toHaveBeenCalledTimes(3);
    expect(listCaptures.mock.calls[1][0]).toMatchObject({ endpoint: 2, cursor: '200', limit: 200 });
  });

  it('adds live captures on top, in order, once, and only for its endpoint', async () => {
    vi.useFakeTimers();
    const { api } = fakeApi(3);
    const s = new CaptureListState(api);
    await s.load(2, '');
    s.onCreated(cap(4));
    s.onCreated(cap(5));
    s.onCreated(cap(3)); // already shown
    s.onCreated(cap(6, 99)); // another endpoint
    expect(s.items[0].id).toBe(3); // batched, not yet flushed
    vi.advanceTimersByTime(100);
    expect(s.items.map((c) => c.id)).toEqual([5, 4, 3, 2, 1]);
  });

  it('counts what arrives during a search instead of guessing whether it matches', async () => {
    const { api } = fakeApi(3);
    const s = new CaptureListState(api);
    await s.load(2, '2');
    expect(s.items.map((c) => c.id)).toEqual([2]);
    s.onCreated(cap(12));
    expect(s.items.map((c) => c.id)).toEqual([2]);
    expect(s.missedWhileSearching).toBe(1);
  });

  it('applies updates and deletions, moving the cursor off a deleted row', async () => {
    const { api } = fakeApi(3);
    const s = new CaptureListState(api);
    await s.load(2, '');
    s.onUpdated({ ...cap(2), starred: true });
    expect(s.items.find((c) => c.id === 2)?.starred).toBe(true);
    s.cursorId = 2;
    s.onDeleted(2);
    expect(s.items.map((c) => c.id)).toEqual([3, 1]);
    expect(s.cursorId).toBe(1);
  });

  it('moves the keyboard cursor within bounds', async () => {
    const { api } = fakeApi(3);
    const s = new CaptureListState(api);
    await s.load(2, '');
    expect(s.move(1)).toBe(0); // first move lands on the first row
    expect(s.move(1)).toBe(1);
    expect(s.move(5)).toBe(2);
    expect(s.move(-10)).toBe(0);
    expect(s.cursorId).toBe(3);
  });

  it('shows a readable error when the list cannot load', async () => {
    const api = {
      listCaptures: vi.fn(async () => {
        const { ApiError } = await import('../api/client');
        throw new ApiError(500, 'internal', 'the store is not readable');
      }),
    } as unknown as ApiClient;
    const s = new CaptureListState(api);
    await s.load(2, '');
    expect(s.error).toBe('the store is not readable');
    expect(s.items).toEqual([]);
    expect(s.loading).toBe(false);
  });
});
