import { ApiError, type ApiClient } from '../api/client';
import type { Capture, CaptureSummary } from '../api/types';

export type InspectorTab = 'overview' | 'headers' | 'query' | 'body' | 'notes';
export const TABS: { id: InspectorTab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'headers', label: 'Headers' },
  { id: 'query', label: 'Query' },
  { id: 'body', label: 'Body' },
  { id: 'notes', label: 'Notes' },
];

/** The capture open in the inspector. */
export class InspectorState {
  id = $state<number | null>(null);
  capture = $state.raw<Capture | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  tab = $state<InspectorTab>('overview');
  /** Set when the capture was deleted while open. */
  gone = $state(false);

  private abort: AbortController | null = null;

  constructor(private readonly api: ApiClient) {}

  async open(id: number): Promise<void> {
    if (id === this.id && (this.capture || this.loading)) return;
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.id = id;
    this.gone = false;
    this.error = null;
    this.loading = true;
    try {
      const c = await this.api.getCapture(id, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.capture = c;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.capture = null;
      this.error = e instanceof ApiError ? e.message : String(e);
    } finally {
      if (!ctrl.signal.aborted) this.loading = false;
    }
  }

  close(): void {
    this.abort?.abort();
    this.id = null;
    this.capture = null;
    this.error = null;
    this.loading = false;
    this.gone = false;
  }

  /** Star, note and tags changed (here or elsewhere). */
  onUpdated(s: CaptureSummary): void {
    if (this.capture && this.capture.id === s.id) {
      this.capture = { ...this.capture, starred: s.starred, tags: s.tags };
    }
  }

  onDeleted(id: number): void {
    if (this.id === id) {
      this.gone = true;
    }
  }

  async saveNotes(note: string, tags: string[]): Promise<CaptureSummary> {
    const c = this.capture;
    if (!c) throw new Error('no capture open');
    const s = await this.api.patchCapture(c.id, { note, tags });
    if (this.capture?.id === c.id) this.capture = { ...this.capture, note, tags: s.tags, starred: s.starred };
    return s;
  }
}
