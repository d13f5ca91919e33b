import { ApiError, type ApiClient } from '../api/client';
import type { Capture, CaptureSummary } from '../api/types';

export type InspectorTab = 'overview' | 'headers' | 'query' | 'body' | 'notes' | 'check' | 'deliveries' | 'mapping' | 'forward';
export const TABS: { id: InspectorTab; label: string; title?: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'headers', label: 'Headers' },
  { id: 'query', label: 'Query' },
  { id: 'body', label: 'Body' },
  { id: 'notes', label: 'Notes' },
  { id: 'mapping', label: 'Mapping', title: 'Mapping reference and field mapping of the endpoint' },
  { id: 'check', label: 'Check', title: 'Mapping check: this capture against the reference' },
  { id: 'deliveries', label: 'Deliveries', title: 'Every delivery of this event' },
];
/** Shown when the capture's endpoint forwards, or the capture was forwarded. */
export const FORWARD_TAB: { id: InspectorTab; label: string; title?: string } = {
  id: 'forward',
  label: 'Forward',
  title: "The forward target's answer beside the listener's",
};

/** Missing, null and type-changed fields of a mapping check (what list rows count). */
export function mappingIssues(c: Pick<Capture, 'mapping_check'>): number | null {
  const m = c.mapping_check;
  if (!m) return null;
  return m.missing.length + m.null.length + m.type_changed.length;
}

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

  /**
   * Star, note and tags changed (here or elsewhere), or the engine's checks
   * finished: a new mapping check or duplicate link is fetched with the detail.
   */
  onUpdated(s: CaptureSummary): void {
    const c = this.capture;
    if (!c || c.id !== s.id) return;
    this.capture = { ...c, starred: s.starred, tags: s.tags };
    const issues = s.mapping_issues;
    const checkChanged = issues !== undefined && (issues ?? null) !== mappingIssues(c);
    const dupChanged = s.duplicate_of !== undefined && (s.duplicate_of ?? null) !== (c.duplicate_of ?? null);
    if (checkChanged || dupChanged) void this.reload();
  }

  /** Fetches the open capture again, keeping it shown meanwhile. */
  async reload(): Promise<void> {
    const id = this.id;
    if (id === null || this.loading) return;
    try {
      const c = await this.api.getCapture(id);
      if (this.id === id) this.capture = c;
    } catch {
      // Kept as shown; a deletion arrives as its own event.
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
