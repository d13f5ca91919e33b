import { ApiError, type ApiClient, type QuerySpan } from '../api/client';
import type { CaptureSummary } from '../api/types';

export const PAGE_SIZE = 200;
/** New captures that arrive in a burst are added together, at most this often. */
const FLUSH_MS = 60;

/**
 * The capture list of one endpoint (optionally filtered by a search), newest
 * first: the first page, older pages on demand, and live additions.
 */
export class CaptureListState {
  items = $state.raw<CaptureSummary[]>([]);
  nextCursor = $state<string | null>(null);
  endpointId = $state<number | null>(null);
  /** The search in force (the box's text, once debounced). */
  query = $state('');
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);
  /** The search could not be parsed: the engine's reason and where in the query. */
  queryError = $state.raw<{ query: string; message: string; span: QuerySpan | null } | null>(null);
  /** The keyboard cursor: the highlighted row. */
  cursorId = $state<number | null>(null);
  /** Captures that arrived while a search was shown (the engine decides what matches). */
  missedWhileSearching = $state(0);
  /** Bumped by every first-page load (the list view scrolls back to the top). */
  loadSeq = $state(0);
  /** Bumped by keyboard moves (the list view brings the cursor into view). */
  revealSeq = $state(0);

  // Ids of `items`, for dedupe: bookkeeping, deliberately not reactive.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private ids = new Set<number>();
  private buffer: CaptureSummary[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private abort: AbortController | null = null;
  private generation = 0;

  constructor(private readonly api: ApiClient) {}

  cursorIndex = $derived(this.cursorId === null ? -1 : this.items.findIndex((c) => c.id === this.cursorId));

  private setItems(items: CaptureSummary[]): void {
    this.items = items;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.ids = new Set(items.map((c) => c.id));
  }

  /** Loads the first page for `endpointId` and `query`, dropping what was shown. */
  async load(endpointId: number | null, query = this.query): Promise<void> {
    this.abort?.abort();
    const gen = ++this.generation;
    const ctrl = new AbortController();
    this.abort = ctrl;
    if (endpointId !== this.endpointId) this.cursorId = null;
    this.endpointId = endpointId;
    this.query = query;
    this.loadSeq++;
    this.missedWhileSearching = 0;
    this.buffer = [];
    this.error = null;
    this.queryError = null;
    if (endpointId === null) {
      this.setItems([]);
      this.nextCursor = null;
      return;
    }
    this.loading = true;
    try {
      const page = await this.api.listCaptures(
        { endpoint: endpointId, q: query.trim() || undefined, limit: PAGE_SIZE },
        ctrl.signal,
      );
      if (gen !== this.generation) return;
      this.setItems(page.items);
      this.nextCursor = page.next_cursor;
      this.flush();
    } catch (e) {
      if (gen !== this.generation || ctrl.signal.aborted) return;
      this.setItems([]);
      this.nextCursor = null;
      if (e instanceof ApiError && e.code === 'bad_query') this.queryError = { query, message: e.message, span: e.span };
      else this.error = e instanceof ApiError ? e.message : String(e);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  /** Loads the next older page, if there is one. */
  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore || this.loading || this.endpointId === null) return;
    const gen = this.generation;
    this.loadingMore = true;
    try {
      const page = await this.api.listCaptures({
        endpoint: this.endpointId,
        q: this.query.trim() || undefined,
        limit: PAGE_SIZE,
        cursor: this.nextCursor,
      });
      if (gen !== this.generation) return;
      const older = page.items.filter((c) => !this.ids.has(c.id));
      this.setItems([...this.items, ...older]);
      this.nextCursor = page.next_cursor;
    } catch (e) {
      if (gen === this.generation) this.error = e instanceof ApiError ? e.message : String(e);
    } finally {
      if (gen === this.generation) this.loadingMore = false;
    }
  }

  /** A live `capture.created`. */
  onCreated(c: CaptureSummary): void {
    if (c.endpoint_id !== this.endpointId) return;
    if (this.query.trim()) {
      this.missedWhileSearching++;
      return;
    }
    this.buffer.push(c);
    if (this.loading) return; // flushed once the page is in
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Adds the buffered live captures on top, newest first, without duplicates. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.buffer.length === 0) return;
    const fresh: CaptureSummary[] = [];
    for (const c of this.buffer) {
      if (!this.ids.has(c.id)) {
        fresh.push(c);
        this.ids.add(c.id);
      }
    }
    this.buffer = [];
    if (fresh.length === 0) return;
    fresh.sort((a, b) => b.id - a.id);
    this.items = [...fresh, ...this.items];
  }

  onUpdated(c: CaptureSummary): void {
    if (!this.ids.has(c.id)) return;
    this.items = this.items.map((x) => (x.id === c.id ? c : x));
  }

  onDeleted(id: number): void {
    if (!this.ids.has(id)) return;
    const i = this.items.findIndex((x) => x.id === id);
    if (this.cursorId === id) {
      const next = this.items[i + 1] ?? this.items[i - 1];
      this.cursorId = next ? next.id : null;
    }
    this.ids.delete(id);
    this.items = this.items.filter((x) => x.id !== id);
  }

  /** The next older capture of the list after `id` (the list is newest first), if loaded. */
  olderThan(id: number): CaptureSummary | null {
    const i = this.items.findIndex((c) => c.id === id);
    return i >= 0 ? (this.items[i + 1] ?? null) : null;
  }

  /** Moves the keyboard cursor by `delta` rows; returns the new index. */
  move(delta: number): number {
    if (this.items.length === 0) return -1;
    const from = this.cursorIndex;
    const to = from < 0 ? 0 : Math.min(this.items.length - 1, Math.max(0, from + delta));
    this.cursorId = this.items[to].id;
    this.revealSeq++;
    return to;
  }

  dispose(): void {
    this.abort?.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }
}
