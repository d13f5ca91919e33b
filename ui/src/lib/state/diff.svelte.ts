import { ApiError, type ApiClient } from '../api/client';
import type { DiffResult } from '../api/types';

/**
 * Comparing two captures: the list's compare mode (pick two rows) and the
 * diff shown for a pair, with or without the volatile changes.
 */
export class DiffState {
  /** The list shows check boxes to pick two captures. */
  comparing = $state(false);
  /** Picked capture ids, at most two, in the order picked. */
  picked = $state.raw<number[]>([]);
  /** The pair shown: older first (`a`), newer second (`b`). */
  pair = $state.raw<{ a: number; b: number } | null>(null);
  ignoreVolatile = $state(false);
  result = $state.raw<DiffResult | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  private abort: AbortController | null = null;

  constructor(private readonly api: ApiClient) {}

  setComparing(on: boolean): void {
    this.comparing = on;
    if (!on) this.picked = [];
  }

  /** Picks or unpicks a capture; a third pick drops the oldest pick. */
  toggle(id: number): void {
    if (this.picked.includes(id)) this.picked = this.picked.filter((x) => x !== id);
    else this.picked = [...this.picked, id].slice(-2);
  }

  isPicked(id: number): boolean {
    return this.picked.includes(id);
  }

  /** Diffs the two picked captures (the older one is `a`). */
  async showPicked(): Promise<void> {
    if (this.picked.length !== 2) return;
    const [x, y] = this.picked;
    await this.show(Math.min(x, y), Math.max(x, y));
  }

  async show(a: number, b: number): Promise<void> {
    this.pair = { a, b };
    await this.fetch();
  }

  async setIgnoreVolatile(on: boolean): Promise<void> {
    this.ignoreVolatile = on;
    if (this.pair) await this.fetch();
  }

  private async fetch(): Promise<void> {
    const pair = this.pair;
    if (!pair) return;
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.loading = true;
    this.error = null;
    try {
      const r = await this.api.diff(pair.a, pair.b, this.ignoreVolatile, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.result = r;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.result = null;
      this.error = e instanceof ApiError ? e.message : String(e);
    } finally {
      if (!ctrl.signal.aborted) this.loading = false;
    }
  }

  close(): void {
    this.abort?.abort();
    this.pair = null;
    this.result = null;
    this.error = null;
    this.loading = false;
  }
}
