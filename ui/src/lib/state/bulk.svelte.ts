// Bulk replay (issue 5): many captures sent to one URL by the engine, with
// bounded concurrency, a rate limit and retries. The dialog's form, how it
// becomes `POST /api/v1/replays`, the jobs (live from `replay.progress`), the
// rate shown beside the progress, and the items that failed.

import { ApiError, type ApiClient } from '../api/client';
import type { BulkBody, BulkItem, BulkJob, RateLimit } from '../api/types';
import { REPLAY_URL_KEY, readStored, writeStored } from './send.svelte';

/** What a bulk replay replays: the captures a search finds, or chosen ones. */
export interface BulkScope {
  /** Only this endpoint's captures. */
  endpointId: number | null;
  /** The search (field-query language); '' for all. */
  q: string;
  /** These captures instead of a search. */
  captureIds?: number[];
  /** How many there are, when the list knows it exactly. */
  count: number | null;
  /** What the dialog says it replays ("all 12 captures of Stripe"). */
  label: string;
}

export interface BulkForm {
  url: string;
  /** Requests in flight at once (1 to 256). */
  concurrency: number;
  /** The rate limit is on. */
  rateLimited: boolean;
  /** Requests per `rateSeconds`. */
  rateCount: number;
  rateSeconds: number;
  /** Attempts after the first on 429, 5xx or a network error (0 to 10). */
  retries: number;
  keepHost: boolean;
}

/** HighLevel's burst limit: 100 requests per 10 seconds. */
export const HIGHLEVEL_RATE = { count: 100, seconds: 10 };

export function defaultBulkForm(url = ''): BulkForm {
  return {
    url,
    concurrency: 4,
    rateLimited: true,
    rateCount: HIGHLEVEL_RATE.count,
    rateSeconds: HIGHLEVEL_RATE.seconds,
    retries: 3,
    keepHost: false,
  };
}

const isInt = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/** What is wrong with the form, or null. */
export function bulkFormError(f: BulkForm): string | null {
  const url = f.url.trim();
  if (!url) return 'Enter the URL to replay the captures to.';
  if (!/^https?:\/\/[^/\s]+/i.test(url)) return 'The URL must start with http:// or https:// and name a host.';
  if (!isInt(f.concurrency, 1, 256)) return 'Concurrency must be a whole number from 1 to 256.';
  if (!isInt(f.retries, 0, 10)) return 'Retries must be a whole number from 0 to 10.';
  if (f.rateLimited) {
    if (!isInt(f.rateCount, 1, 1_000_000)) return 'The rate limit needs a whole number of requests (at least 1).';
    if (!(Number.isFinite(f.rateSeconds) && f.rateSeconds > 0 && f.rateSeconds <= 86_400)) {
      return 'The rate limit needs a number of seconds above 0.';
    }
  }
  return null;
}

/** The body of `POST /api/v1/replays` for a form and a scope. */
export function bulkRequestOf(f: BulkForm, scope: BulkScope): BulkBody {
  const req: BulkBody = {
    url: f.url.trim(),
    concurrency: f.concurrency,
    retries: f.retries,
    rate_limit: f.rateLimited
      ? { enabled: true, count: f.rateCount, per_ms: Math.round(f.rateSeconds * 1000) }
      : { enabled: false },
  };
  if (scope.captureIds) {
    req.capture_ids = scope.captureIds;
  } else {
    if (scope.q.trim()) req.q = scope.q.trim();
    if (scope.endpointId !== null) req.endpoint_id = scope.endpointId;
  }
  if (f.keepHost) req.overrides = { keep_host: true };
  return req;
}

/** "100 per 10 s", or "no limit". */
export function rateLimitText(rl: RateLimit): string {
  if (rl.enabled === false) return 'no rate limit';
  const count = rl.count ?? HIGHLEVEL_RATE.count;
  const s = (rl.per_ms ?? HIGHLEVEL_RATE.seconds * 1000) / 1000;
  return `${count} per ${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Share done, 0 to 1 (a job with nothing to do is complete). */
export function fractionDone(job: Pick<BulkJob, 'done' | 'total'>): number {
  if (job.total <= 0) return 1;
  return Math.min(1, Math.max(0, job.done / job.total));
}

/** A progress observation: when (ms) and how many were done. */
export interface Sample {
  t: number;
  done: number;
}

/** Requests per second over the last `windowMs` of samples (null until two samples apart in time). */
export function rateOf(samples: readonly Sample[], windowMs = 3000): number | null {
  if (samples.length < 2) return null;
  const last = samples[samples.length - 1]!;
  let first = samples[0]!;
  for (const s of samples) {
    if (last.t - s.t <= windowMs) {
      first = s;
      break;
    }
  }
  if (first === last) first = samples[samples.length - 2]!;
  const dt = last.t - first.t;
  if (dt <= 0) return null;
  return ((last.done - first.done) * 1000) / dt;
}

/** "12.5/s", "850/s". */
export function formatRate(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  return `${r >= 100 ? Math.round(r) : r.toFixed(1)}/s`;
}

/** A readable message for anything thrown. */
function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

/** At most this many failed items are listed under the progress. */
export const FAILED_SHOWN = 200;
/** Samples kept per job for the rate. */
const MAX_SAMPLES = 40;

/** The bulk replays: the start dialog, the progress of the one shown, and the list. */
export class BulkState {
  /** Every job, newest first. */
  jobs = $state.raw<BulkJob[]>([]);
  loaded = $state(false);
  listError = $state<string | null>(null);

  /** The start dialog is open for this scope. */
  scope = $state.raw<BulkScope | null>(null);
  form = $state<BulkForm>(defaultBulkForm(readStored(REPLAY_URL_KEY)));
  formError = $state<string | null>(null);
  starting = $state(false);

  /** The progress panel shows this job. */
  shownId = $state<number | null>(null);
  /** Its failed items (the first FAILED_SHOWN). */
  failedItems = $state.raw<BulkItem[]>([]);
  failedError = $state<string | null>(null);
  /** A stop or resume on its way. */
  acting = $state(false);
  actionError = $state<string | null>(null);
  /** Requests per second of each job, from its live progress. */
  rates = $state.raw<Record<number, number | null>>({});

  // Bookkeeping, deliberately not reactive.
  private samples: Record<number, Sample[]> = {};
  private failedFor: { id: number; failed: number } | null = null;
  private failedTimer: ReturnType<typeof setTimeout> | null = null;
  /** Asks for the shown job while it runs, in case a progress event was missed. */
  private pollTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  get formOpen(): boolean {
    return this.scope !== null;
  }

  get shown(): BulkJob | null {
    return this.shownId === null ? null : (this.jobs.find((j) => j.id === this.shownId) ?? null);
  }

  get running(): BulkJob[] {
    return this.jobs.filter((j) => j.status === 'running');
  }

  /** Opens the start dialog for `scope` (the last replay URL filled in). */
  openForm(scope: BulkScope): void {
    this.scope = scope;
    this.form.url = readStored(REPLAY_URL_KEY) || this.form.url;
    this.formError = null;
  }

  closeForm(): void {
    this.scope = null;
    this.formError = null;
  }

  /** Starts the replay of the form's scope; the progress panel shows it. */
  async start(): Promise<BulkJob | null> {
    const scope = this.scope;
    if (!scope || this.starting) return null;
    const bad = bulkFormError(this.form);
    if (bad) {
      this.formError = bad;
      return null;
    }
    writeStored(REPLAY_URL_KEY, this.form.url.trim());
    this.starting = true;
    this.formError = null;
    try {
      const job = await this.api.startBulk(bulkRequestOf(this.form, scope));
      this.upsert(job);
      this.scope = null;
      this.show(job.id);
      return job;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      this.formError = message(e);
      return null;
    } finally {
      this.starting = false;
    }
  }

  /** Shows job `id` in the progress panel (fetched again, with its failed items). */
  show(id: number): void {
    this.shownId = id;
    this.actionError = null;
    this.failedItems = [];
    this.failedError = null;
    this.failedFor = null;
    void this.refresh(id);
  }

  hide(): void {
    this.shownId = null;
    this.actionError = null;
    if (this.failedTimer) clearTimeout(this.failedTimer);
    this.failedTimer = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private async refresh(id: number): Promise<void> {
    try {
      this.upsert(await this.api.getBulk(id));
    } catch (e) {
      if (this.shownId === id) this.actionError = message(e);
    }
    await this.loadFailed();
    this.schedulePoll(id);
  }

  /** While the shown job runs, ask for it again every second: events are the
   *  fast path, this makes sure the panel ends in the job's real state. */
  private schedulePoll(id: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const job = this.jobs.find((j) => j.id === id);
    if (this.shownId !== id || !job || job.status !== 'running') return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      if (this.shownId === id) void this.refresh(id);
    }, 1000);
  }

  /** Lists the jobs (newest first). */
  async load(): Promise<void> {
    try {
      const items = await this.api.listBulk();
      // Progress that arrived meanwhile is newer than the list.
      // A lookup for this merge only: not state.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      const live = new Map(this.jobs.map((j) => [j.id, j]));
      this.jobs = items.map((j) => {
        const l = live.get(j.id);
        return l && l.done > j.done ? l : j;
      });
      for (const l of live.values()) if (!this.jobs.some((j) => j.id === l.id)) this.jobs = [l, ...this.jobs];
      this.loaded = true;
      this.listError = null;
    } catch (e) {
      this.listError = message(e);
    }
  }

  async ensure(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  /** A `replay.progress` event (or an answer) about a job. */
  onProgress(job: BulkJob): void {
    this.upsert(job);
    if (job.id === this.shownId && this.failedFor && job.failed !== this.failedFor.failed) this.scheduleFailed();
  }

  private upsert(job: BulkJob): void {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    if (i < 0) {
      this.jobs = [job, ...this.jobs].sort((a, b) => b.id - a.id);
    } else {
      const next = this.jobs.slice();
      next[i] = job;
      this.jobs = next;
    }
    this.sample(job);
  }

  private sample(job: BulkJob): void {
    const list = (this.samples[job.id] ??= []);
    const now = this.clock();
    const last = list[list.length - 1];
    if (last && last.done === job.done && job.status === 'running') return;
    if (last && job.done < last.done) list.length = 0;
    list.push({ t: now, done: job.done });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    // A job that is not running has no current rate: keep the whole run's.
    const rate = job.status === 'running' ? rateOf(list) : rateOf(list, Number.POSITIVE_INFINITY);
    if (rate !== null || job.status === 'running') this.rates = { ...this.rates, [job.id]: rate };
  }

  private scheduleFailed(): void {
    if (this.failedTimer) return;
    this.failedTimer = setTimeout(() => {
      this.failedTimer = null;
      void this.loadFailed();
    }, 500);
  }

  /** Fetches the failed items of the job shown. */
  async loadFailed(): Promise<void> {
    const id = this.shownId;
    if (id === null) return;
    const failed = this.jobs.find((j) => j.id === id)?.failed ?? 0;
    this.failedFor = { id, failed };
    try {
      const items = failed > 0 ? await this.api.bulkItems(id, 'failed', FAILED_SHOWN) : [];
      if (this.shownId !== id) return;
      this.failedItems = items;
      this.failedError = null;
    } catch (e) {
      if (this.shownId === id) this.failedError = message(e);
    }
  }

  /** Stops job `id` (the items in flight finish; resume carries on). */
  stop(id: number): Promise<boolean> {
    return this.act(() => this.api.stopBulk(id));
  }

  /** Resumes a stopped job where it stopped. */
  resume(id: number): Promise<boolean> {
    return this.act(() => this.api.resumeBulk(id));
  }

  /** True when it was done; else `actionError` says why. */
  private async act(call: () => Promise<BulkJob>): Promise<boolean> {
    if (this.acting) return false;
    this.acting = true;
    this.actionError = null;
    try {
      this.upsert(await call());
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      this.actionError = message(e);
      return false;
    } finally {
      this.acting = false;
    }
  }

  dispose(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (this.failedTimer) clearTimeout(this.failedTimer);
    this.failedTimer = null;
  }
}
