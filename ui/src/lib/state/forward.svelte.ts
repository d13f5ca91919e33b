// Forward-to (issue 5): each capture of an endpoint is also sent to a target
// (your local server, say) and the target's answer is logged beside the
// capture (kind `forward`). Which endpoints forward where, the dialog that
// sets it, and the forward answers of the capture open in the inspector.

import { ApiError, type ApiClient } from '../api/client';
import type { Endpoint, ForwardBody, ForwardConfig, SendSummary, StoredSend } from '../api/types';

export interface ForwardForm {
  url: string;
  enabled: boolean;
  keepHost: boolean;
  verifyTls: boolean;
  /** The sender gets the target's answer (the listener waits for it). */
  answerWithTarget: boolean;
  /** Seconds. */
  timeoutS: number;
}

export function forwardFormOf(cfg: ForwardConfig | null): ForwardForm {
  const ms = Number(cfg?.options?.timeout_ms ?? 30_000);
  return {
    url: cfg?.url ?? '',
    enabled: cfg?.enabled ?? true,
    keepHost: cfg?.keep_host ?? false,
    verifyTls: cfg?.options?.verify_tls ?? true,
    answerWithTarget: cfg?.answer_with_target ?? false,
    timeoutS: Number.isFinite(ms) && ms > 0 ? ms / 1000 : 30,
  };
}

/** What is wrong with the form, or null. */
export function forwardFormError(f: ForwardForm): string | null {
  const url = f.url.trim();
  if (!url) return 'Enter the URL to forward the captures to.';
  if (!/^https?:\/\/[^/\s]+/i.test(url)) return 'The URL must start with http:// or https:// and name a host.';
  if (!(Number.isFinite(f.timeoutS) && f.timeoutS > 0)) return 'The timeout must be a number of seconds above 0.';
  return null;
}

/** The body of `PUT /api/v1/endpoints/{id}/forward`. */
export function forwardBodyOf(f: ForwardForm, keep: ForwardConfig | null = null): ForwardBody {
  const options = { ...(keep?.options ?? {}), timeout_ms: Math.max(1, Math.round(f.timeoutS * 1000)), verify_tls: f.verifyTls };
  return { url: f.url.trim(), enabled: f.enabled, keep_host: f.keepHost, answer_with_target: f.answerWithTarget, options };
}

/** The forward is saved and on. */
export function isForwarding(cfg: ForwardConfig | null | undefined): boolean {
  return !!cfg && cfg.enabled !== false;
}

function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

/** The forwards of the endpoints (each endpoint carries its own), and the forward dialog. */
export class ForwardState {
  /** The dialog is open for this endpoint. */
  editing = $state<number | null>(null);
  form = $state<ForwardForm>(forwardFormOf(null));
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private readonly api: ApiClient,
    /** The endpoints as listed (their `forward`). */
    private readonly endpoints: () => Endpoint[] = () => [],
    /** Keeps an endpoint's new forward in the list. */
    private readonly setForward: (endpointId: number, cfg: ForwardConfig | null) => void = () => {},
  ) {}

  of(endpointId: number): ForwardConfig | null {
    return this.endpoints().find((e) => e.id === endpointId)?.forward ?? null;
  }

  open(endpointId: number): void {
    this.editing = endpointId;
    this.form = forwardFormOf(this.of(endpointId));
    this.error = null;
  }

  close(): void {
    this.editing = null;
    this.error = null;
  }

  /** Saves the dialog's forward; true when saved. */
  async save(): Promise<boolean> {
    const id = this.editing;
    if (id === null || this.busy) return false;
    const bad = forwardFormError(this.form);
    if (bad) {
      this.error = bad;
      return false;
    }
    this.busy = true;
    this.error = null;
    try {
      const cfg = await this.api.putForward(id, forwardBodyOf(this.form, this.of(id)));
      this.setForward(id, cfg);
      this.editing = null;
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      this.error = message(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Removes the dialog's endpoint's forward; true when removed. */
  async remove(): Promise<boolean> {
    const id = this.editing;
    if (id === null || this.busy) return false;
    this.busy = true;
    this.error = null;
    try {
      await this.api.deleteForward(id);
      this.setForward(id, null);
      this.editing = null;
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      if (e instanceof ApiError && e.status === 404) {
        this.setForward(id, null);
        this.editing = null;
        return true;
      }
      this.error = message(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/** The forward answers of the capture open in the inspector, newest first. */
export class ForwardResultsState {
  captureId = $state<number | null>(null);
  items = $state.raw<SendSummary[]>([]);
  /** The entry shown, in full. */
  shown = $state.raw<StoredSend | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  private seq = 0;

  constructor(private readonly api: ApiClient) {}

  /** Looks up the forwards of capture `id` and shows the newest. */
  async load(id: number): Promise<void> {
    const seq = ++this.seq;
    if (this.captureId !== id) {
      this.items = [];
      this.shown = null;
    }
    this.captureId = id;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.api.listRequests({ capture_id: id, kind: 'forward', limit: 20 });
      if (seq !== this.seq) return;
      this.items = page.items;
      const current = this.shown?.id ?? null;
      const pick = current !== null && page.items.some((s) => s.id === current) ? current : (page.items[0]?.id ?? null);
      if (pick === null) this.shown = null;
      else if (pick !== current) await this.showEntry(pick, seq);
    } catch (e) {
      if (seq !== this.seq) return;
      this.items = [];
      this.shown = null;
      this.error = message(e);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  /** Shows forward entry `id` of the capture. */
  async showEntry(id: number, seq = ++this.seq): Promise<void> {
    try {
      const s = await this.api.getRequest(id);
      if (seq === this.seq) this.shown = s;
    } catch (e) {
      if (seq === this.seq) this.error = message(e);
    }
  }

  /** A request was logged: a forward of the open capture is shown. */
  onCreated(s: SendSummary): void {
    if (s.kind !== 'forward' || s.capture_id === null || s.capture_id !== this.captureId) return;
    void this.load(s.capture_id);
  }

  clear(): void {
    this.seq++;
    this.captureId = null;
    this.items = [];
    this.shown = null;
    this.error = null;
    this.loading = false;
  }
}
