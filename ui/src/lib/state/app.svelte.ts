import { ApiClient, ApiError } from '../api/client';
import { connectEvents, type LiveStatus } from '../api/events';
import type { CaptureSummary, Info } from '../api/types';
import { CaptureListState } from './captures.svelte';
import { EndpointsState } from './endpoints.svelte';
import { InspectorState } from './inspector.svelte';

export type Phase = 'loading' | 'ready' | 'unauthorized' | 'failed';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

/** The whole UI's state: what the components read and the actions they call. */
export class AppState {
  readonly api: ApiClient;
  readonly endpoints: EndpointsState;
  readonly captures: CaptureListState;
  readonly inspector: InspectorState;

  phase = $state<Phase>('loading');
  failure = $state<string | null>(null);
  info = $state.raw<Info | null>(null);
  live = $state<LiveStatus>('connecting');
  /** The clock relative times are shown against (ticks every few seconds). */
  now = $state(Date.now());
  toasts = $state<Toast[]>([]);

  private stream: { close(): void } | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private toastSeq = 0;

  constructor(api = new ApiClient()) {
    this.api = api;
    this.endpoints = new EndpointsState(api);
    this.captures = new CaptureListState(api);
    this.inspector = new InspectorState(api);
  }

  async start(): Promise<void> {
    this.phase = 'loading';
    try {
      this.info = await this.api.info();
      await this.endpoints.load();
    } catch (e) {
      this.fail(e);
      return;
    }
    this.phase = 'ready';
    const first = this.endpoints.items.find((e) => e.id === this.info?.default_endpoint_id) ?? this.endpoints.items[0];
    this.connect();
    this.ticker = setInterval(() => (this.now = Date.now()), 5000);
    if (first) await this.selectEndpoint(first.id);
  }

  private fail(e: unknown): void {
    if (e instanceof ApiError && e.isUnauthorized) {
      this.phase = 'unauthorized';
    } else {
      this.phase = 'failed';
      this.failure = e instanceof Error ? e.message : String(e);
    }
  }

  private connect(): void {
    this.stream?.close();
    this.stream = connectEvents(this.api.eventsUrl(), {
      onStatus: (s) => (this.live = s),
      ready: () => (this.live = 'live'),
      lagged: () => void this.refresh(),
      'capture.created': (c) => {
        this.endpoints.bump(c.endpoint_id, 1, c.received_at);
        this.captures.onCreated(c);
      },
      'capture.updated': (c) => {
        this.captures.onUpdated(c);
        this.inspector.onUpdated(c);
      },
      'capture.deleted': ({ id, endpoint_id }) => {
        this.endpoints.bump(endpoint_id, -1);
        this.captures.onDeleted(id);
        this.inspector.onDeleted(id);
      },
      'endpoint.created': (e) => this.endpoints.upsert(e),
      'endpoint.updated': (e) => this.endpoints.upsert(e),
      'endpoint.deleted': ({ id }) => this.onEndpointGone(id),
    });
  }

  /** After missed events: fetch the endpoints and the first page again. */
  async refresh(): Promise<void> {
    try {
      await this.endpoints.load();
    } catch (e) {
      this.notify(e);
    }
    await this.captures.load(this.endpoints.selectedId);
  }

  async selectEndpoint(id: number): Promise<void> {
    if (this.endpoints.selectedId !== id) this.inspector.close();
    this.endpoints.selectedId = id;
    await this.captures.load(id, this.captures.query);
  }

  async search(q: string): Promise<void> {
    if (q === this.captures.query) return;
    await this.captures.load(this.endpoints.selectedId, q);
  }

  private onEndpointGone(id: number): void {
    this.endpoints.removeLocal(id);
    if (this.endpoints.selectedId === id) {
      const fallback = this.endpoints.items.find((e) => e.is_default) ?? this.endpoints.items[0];
      this.inspector.close();
      if (fallback) void this.selectEndpoint(fallback.id);
      else this.endpoints.selectedId = null;
    }
  }

  async deleteEndpoint(id: number): Promise<void> {
    try {
      await this.endpoints.remove(id);
      this.onEndpointGone(id);
      this.notify('Endpoint deleted', 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  async toggleStar(c: Pick<CaptureSummary, 'id' | 'starred'>): Promise<void> {
    try {
      const s = await this.api.patchCapture(c.id, { starred: !c.starred });
      this.captures.onUpdated(s);
      this.inspector.onUpdated(s);
    } catch (e) {
      this.notify(e);
    }
  }

  async deleteCapture(id: number): Promise<void> {
    try {
      await this.api.deleteCapture(id);
      this.captures.onDeleted(id);
      if (this.inspector.id === id) this.inspector.close();
    } catch (e) {
      this.notify(e);
    }
  }

  /** Shows a message (errors as their readable text) for a few seconds. */
  notify(what: unknown, kind: Toast['kind'] = 'error'): void {
    if (what instanceof ApiError && what.isUnauthorized) {
      this.phase = 'unauthorized';
      return;
    }
    const text = what instanceof Error ? what.message : String(what);
    const id = ++this.toastSeq;
    this.toasts = [...this.toasts, { id, kind, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 3000);
  }

  dispose(): void {
    this.stream?.close();
    this.captures.dispose();
    if (this.ticker) clearInterval(this.ticker);
  }
}
