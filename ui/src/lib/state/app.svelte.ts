import { ApiClient, ApiError } from '../api/client';
import { connectEvents, type LiveStatus } from '../api/events';
import type { Capture, CaptureSummary, Info, ListenerChange, ListenerStatus, Preferences, PreferencesPatch, Theme } from '../api/types';
import { DEFAULT_PREFERENCES, platform as pagePlatform, type Platform } from '../platform';
import { applyTheme } from '../theme';
import { CaptureListState } from './captures.svelte';
import { DiffState } from './diff.svelte';
import { EndpointsState } from './endpoints.svelte';
import { FiltersState } from './filters.svelte';
import { InspectorState } from './inspector.svelte';
import { MappingState } from './mapping.svelte';
import { SchemaState } from './schema.svelte';
import { BulkState, type BulkScope } from './bulk.svelte';
import { CurlExportState, type CurlSource } from './curl.svelte';
import { ForwardResultsState, ForwardState } from './forward.svelte';
import { HistoryState, ReplayState, SendState } from './send.svelte';
import { EnvironmentsState, LibraryState, StepsState, suggestStepName } from './library.svelte';
import { ExportState, importSummary } from './exports.svelte';

/** What the right-hand pane shows: the open capture, a diff of two, or an endpoint's schema. */
export type View = 'capture' | 'diff' | 'schema';

export type Phase = 'loading' | 'ready' | 'unauthorized' | 'failed';

/** The top bar's two places: the capture browser, or the request builder. */
export type Mode = 'captures' | 'send';

/** A question the user answers in the confirm dialog (instead of window.confirm). */
export interface Confirmation {
  title: string;
  text: string;
  /** The confirm button's label, e.g. "Delete". */
  confirmLabel: string;
  /** A destructive action: the confirm button is red. */
  danger: boolean;
}

/** What the settings dialog saves. */
export interface SettingsDraft {
  /** `host:port`. */
  addr: string;
  /** Bytes. */
  maxBody: number;
  theme: Theme;
  notifications: boolean;
}

/** Why settings were not saved, by field (the dialog shows each next to its field). */
export interface SettingsErrors {
  addr?: string;
  maxBody?: string;
  /** Not tied to one field (e.g. the preferences could not be stored). */
  general?: string;
}

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
  readonly diff: DiffState;
  readonly filters: FiltersState;
  readonly schema: SchemaState;
  readonly mapping: MappingState;
  readonly send: SendState;
  readonly history: HistoryState;
  readonly replay: ReplayState;
  readonly bulk: BulkState;
  readonly forward: ForwardState;
  readonly forwardResults: ForwardResultsState;
  readonly curl: CurlExportState;
  readonly environments: EnvironmentsState;
  readonly steps: StepsState;
  readonly library: LibraryState;
  readonly exporter: ExportState;
  readonly platform: Platform;

  /** The capture browser or the request builder. */
  mode = $state<Mode>('captures');

  /** What the right-hand pane shows. */
  view = $state<View>('capture');
  /** The event-id dialog is open (for the selected endpoint). */
  eventIdOpen = $state(false);
  /** The builder's "Import curl" dialog is open. */
  curlImportOpen = $state(false);

  phase = $state<Phase>('loading');
  failure = $state<string | null>(null);
  info = $state.raw<Info | null>(null);
  live = $state<LiveStatus>('connecting');
  /** The clock relative times are shown against (ticks every few seconds). */
  now = $state(Date.now());
  toasts = $state<Toast[]>([]);
  /** The capture listener: where it listens, paused, or why it is not listening. */
  listener = $state.raw<ListenerStatus | null>(null);
  /** The user's preferences (the desktop's store, or this browser's). */
  prefs = $state.raw<Preferences>(DEFAULT_PREFERENCES);
  /** The settings dialog is open. */
  settingsOpen = $state(false);
  /** The question the confirm dialog asks, while it is open. */
  confirmation = $state.raw<Confirmation | null>(null);
  /** A pause/resume or move is on its way. */
  listenerBusy = $state(false);

  private answer: ((ok: boolean) => void) | null = null;
  private connectedOnce = false;

  private stream: { close(): void } | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private toastSeq = 0;

  constructor(api = new ApiClient(), platform: Platform = pagePlatform()) {
    this.api = api;
    this.platform = platform;
    this.endpoints = new EndpointsState(api);
    this.captures = new CaptureListState(api);
    this.inspector = new InspectorState(api);
    this.diff = new DiffState(api);
    this.filters = new FiltersState(api);
    this.schema = new SchemaState(api);
    this.mapping = new MappingState(api);
    this.environments = new EnvironmentsState(api);
    this.steps = new StepsState(api);
    this.library = new LibraryState(api);
    this.exporter = new ExportState(api);
    this.send = new SendState(
      api,
      () => this.inspector.id,
      () => this.environments.active?.name ?? null,
    );
    this.history = new HistoryState(api);
    this.replay = new ReplayState(api);
    this.bulk = new BulkState(api);
    this.forward = new ForwardState(
      api,
      () => this.endpoints.items,
      (id, forward) => {
        const e = this.endpoints.items.find((x) => x.id === id);
        if (e) this.endpoints.upsert({ ...e, forward });
      },
    );
    this.forwardResults = new ForwardResultsState(api);
    this.curl = new CurlExportState(api);
  }

  async start(): Promise<void> {
    this.phase = 'loading';
    const prefs = this.loadPreferences();
    try {
      this.info = await this.api.info();
      this.listener = this.info.listener;
      await this.endpoints.load();
    } catch (e) {
      this.fail(e);
      return;
    }
    await prefs;
    this.phase = 'ready';
    const items = this.endpoints.items;
    const first =
      items.find((e) => e.id === this.prefs.last_endpoint_id) ??
      items.find((e) => e.id === this.info?.default_endpoint_id) ??
      items[0];
    this.connect();
    void this.bulk.load();
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = setInterval(() => (this.now = Date.now()), 5000);
    if (first) await this.selectEndpoint(first.id, false);
  }

  /** Reads the preferences and shows their theme; on failure keeps the defaults and says why. */
  private async loadPreferences(): Promise<void> {
    try {
      this.prefs = await this.platform.getPreferences();
    } catch (e) {
      this.notify(new Error(`Your preferences could not be read: ${errorText(e)}`));
    }
    applyTheme(this.prefs.theme);
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
      ready: () => {
        this.live = 'live';
        // Back after a drop: a listener change may have been missed.
        if (this.connectedOnce) void this.refreshListener();
        this.connectedOnce = true;
      },
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
      'listener.changed': (s) => this.onListenerChanged(s),
      'send.created': (s) => {
        this.history.onCreated(s);
        this.forwardResults.onCreated(s);
      },
      'replay.progress': (job) => this.bulk.onProgress(job),
    });
  }

  /**
   * The capture listener changed (here, in another window, or from the tray).
   * After a move the capture base URL is new, and with it every endpoint's URL.
   */
  onListenerChanged(s: ListenerStatus): void {
    this.listener = s;
    const info = this.info;
    if (!info) return;
    const moved = s.url !== null && trimSlash(s.url) !== trimSlash(info.capture_url);
    this.info = { ...info, listener: s, capture_url: moved && s.url ? s.url : info.capture_url };
    if (moved) void this.reloadEndpoints();
  }

  private async reloadEndpoints(): Promise<void> {
    try {
      await this.endpoints.load();
    } catch (e) {
      this.notify(e);
    }
  }

  private async refreshListener(): Promise<void> {
    try {
      this.onListenerChanged(await this.api.getListener());
    } catch (e) {
      this.notify(e);
    }
  }

  /** Pause (senders get 503, nothing is stored) or resume capturing. */
  async setPaused(paused: boolean): Promise<void> {
    await this.changeListener({ paused });
  }

  /**
   * Moves the capture listener to `addr` (the failed banner's "Use …") and
   * keeps it for the next start where that is possible (the desktop app).
   */
  async useAddress(addr: string): Promise<boolean> {
    const s = await this.changeListener({ addr });
    if (!s) return false;
    try {
      this.prefs = await this.platform.updatePreferences({ capture_addr: s.addr });
    } catch (e) {
      this.notify(new Error(`Now listening at ${s.addr}, but it could not be kept for the next start: ${errorText(e)}`));
    }
    this.notify(`Capturing at ${s.url ?? s.addr}`, 'info');
    return true;
  }

  private async changeListener(change: ListenerChange): Promise<ListenerStatus | null> {
    if (this.listenerBusy) return null;
    this.listenerBusy = true;
    try {
      const s = await this.api.updateListener(change);
      this.onListenerChanged(s);
      return s;
    } catch (e) {
      this.notify(e);
      return null;
    } finally {
      this.listenerBusy = false;
    }
  }

  /**
   * Saves the settings dialog: the listener first (a refused address or limit
   * comes back by field and nothing else is saved), then the preferences.
   * Returns null when all was saved.
   */
  async saveSettings(draft: SettingsDraft): Promise<SettingsErrors | null> {
    const cur = this.listener;
    const change: ListenerChange = {};
    // Not listening: the same address again is a retry.
    if (!cur || cur.state === 'failed' || draft.addr.trim() !== cur.addr) change.addr = draft.addr.trim();
    if (!cur || draft.maxBody !== cur.max_body) change.max_body = draft.maxBody;
    let status = cur;
    if (change.addr !== undefined || change.max_body !== undefined) {
      try {
        status = await this.api.updateListener(change);
        this.onListenerChanged(status);
      } catch (e) {
        if (e instanceof ApiError && e.isUnauthorized) {
          this.notify(e);
          return { general: e.message };
        }
        return settingsError(e, change);
      }
    }
    const patch: PreferencesPatch = {
      capture_addr: change.addr !== undefined && status ? status.addr : this.prefs.capture_addr,
      max_body: change.max_body !== undefined ? draft.maxBody : this.prefs.max_body,
      theme: draft.theme,
      notifications: draft.notifications,
    };
    try {
      this.prefs = await this.platform.updatePreferences(patch);
    } catch (e) {
      const what = change.addr !== undefined || change.max_body !== undefined ? 'The listener changed, but ' : '';
      return { general: `${what}${what ? 'the' : 'The'} settings could not be saved: ${errorText(e)}` };
    }
    applyTheme(this.prefs.theme);
    return null;
  }

  openSettings(): void {
    this.settingsOpen = true;
  }

  closeSettings(): void {
    this.settingsOpen = false;
    // A theme tried in the dialog but not saved goes back.
    applyTheme(this.prefs.theme);
  }

  /** Asks in the confirm dialog; resolves true when the user confirms. */
  confirm(q: Partial<Confirmation> & Pick<Confirmation, 'title' | 'text'>): Promise<boolean> {
    this.answer?.(false);
    this.confirmation = { confirmLabel: 'OK', danger: false, ...q };
    return new Promise((resolve) => (this.answer = resolve));
  }

  /** The confirm dialog was answered. */
  settleConfirm(ok: boolean): void {
    const answer = this.answer;
    this.answer = null;
    this.confirmation = null;
    answer?.(ok);
  }

  /** After missed events: fetch the listener, the endpoints and the first page again. */
  async refresh(): Promise<void> {
    void this.refreshListener();
    void this.bulk.load();
    try {
      await this.endpoints.load();
    } catch (e) {
      this.notify(e);
    }
    await this.captures.load(this.endpoints.selectedId);
  }

  /** Shows endpoint `id`; `remember`: the user chose it (it is shown first next time). */
  async selectEndpoint(id: number, remember = true): Promise<void> {
    if (this.endpoints.selectedId !== id) {
      this.inspector.close();
      this.diff.close();
      this.diff.setComparing(false);
      this.view = 'capture';
      void this.filters.load(id);
    }
    this.endpoints.selectedId = id;
    if (remember) void this.rememberEndpoint(id);
    await this.captures.load(id, this.captures.query);
  }

  private async rememberEndpoint(id: number): Promise<void> {
    if (this.prefs.last_endpoint_id === id) return;
    this.prefs = { ...this.prefs, last_endpoint_id: id };
    try {
      this.prefs = await this.platform.updatePreferences({ last_endpoint_id: id });
    } catch (e) {
      this.notify(new Error(`The selected endpoint could not be remembered: ${errorText(e)}`));
    }
  }

  async search(q: string): Promise<void> {
    if (q === this.captures.query) return;
    await this.captures.load(this.endpoints.selectedId, q);
  }

  /** Opens capture `id` in the inspector (leaving a diff or schema view). */
  openCapture(id: number): Promise<void> {
    this.view = 'capture';
    return this.inspector.open(id);
  }

  /** Shows the capture browser or the request builder. */
  setMode(mode: Mode): void {
    this.mode = mode;
    if (mode === 'send') {
      void this.history.ensure();
      void this.bulk.ensure();
      void this.send.loadTags();
      void this.loadLibrary();
    }
  }

  /** The environments, steps, saved requests and presets (the first time the Send view shows). */
  private async loadLibrary(): Promise<void> {
    const hadEnv = this.environments.loaded;
    try {
      await Promise.all([this.environments.ensure(), this.steps.ensure(), this.library.ensure()]);
    } catch (e) {
      this.notify(e);
    }
    // The active environment is known now: the context names it.
    if (!hadEnv) void this.send.loadTags();
  }

  /** Fills the request builder from capture `c` and shows it. */
  async openInBuilder(c: Capture): Promise<void> {
    try {
      await this.send.fillFromCapture(c);
      this.setMode('send');
      this.notify(`The builder has capture #${c.id}'s method, headers and body: enter the URL to send it to`, 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  /** Shows an entry of the execution log in the result panel. */
  async openSend(id: number): Promise<void> {
    try {
      this.send.show(await this.history.open(id));
    } catch (e) {
      this.notify(e);
    }
  }

  /** Deletes an entry of the execution log. */
  async deleteSend(id: number): Promise<void> {
    try {
      await this.history.remove(id);
      if (this.send.result?.id === id) this.send.result = null;
    } catch (e) {
      this.notify(e);
    }
  }

  /** Dry-runs or sends the builder's request; the result panel shows what came back. */
  async runSend(kind: 'dry' | 'send'): Promise<void> {
    try {
      const res = await this.send.run(kind);
      if (res && res.id !== null) this.history.openId = res.id;
    } catch (e) {
      this.notify(e);
    }
  }

  /** Dry-runs or sends the replay of the capture in the replay dialog. */
  async runReplay(kind: 'dry' | 'send'): Promise<void> {
    try {
      await this.replay.run(kind);
    } catch (e) {
      this.notify(e);
    }
  }

  // ---- bulk replay, forward-to, curl -----------------------------------------

  /** What "Replay all matching…" replays: the selected endpoint's captures that the search shows. */
  get bulkScope(): BulkScope | null {
    const e = this.endpoints.selected;
    const list = this.captures;
    if (!e || list.queryError) return null;
    const q = list.query.trim();
    const all = !list.nextCursor && !list.loading;
    const count = all ? list.items.length : null;
    const n = count === null ? 'all' : `the ${count}`;
    const what = count === 1 ? 'capture' : 'captures';
    return {
      endpointId: e.id,
      q,
      count,
      label: q ? `${n} ${what} of “${e.name}” matching “${q}”` : `${n} ${what} of “${e.name}”`,
    };
  }

  /** Opens the bulk replay dialog for the list's captures. */
  openBulkReplay(): void {
    const scope = this.bulkScope;
    if (scope) this.bulk.openForm(scope);
  }

  /** Starts the bulk replay the dialog describes. */
  async startBulk(): Promise<void> {
    try {
      const job = await this.bulk.start();
      if (job) this.notify(`Bulk replay #${job.id} started: ${job.total} ${job.total === 1 ? 'capture' : 'captures'}`, 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  async stopBulk(id: number): Promise<void> {
    try {
      await this.bulk.stop(id);
    } catch (e) {
      this.notify(e);
    }
  }

  async resumeBulk(id: number): Promise<void> {
    try {
      await this.bulk.resume(id);
    } catch (e) {
      this.notify(e);
    }
  }

  /** Shows the attempts of bulk replay `id` in the History of the Send view (and entry `sendId`, if given). */
  async showBulkAttempts(id: number, sendId?: number | null): Promise<void> {
    this.bulk.hide();
    this.setMode('send');
    await this.history.showBatch(id);
    if (sendId != null) await this.openSend(sendId);
  }

  /** Saves the forward dialog's forward. */
  async saveForward(): Promise<void> {
    try {
      const id = this.forward.editing;
      if (await this.forward.save()) {
        const cfg = id === null ? null : this.forward.of(id);
        this.notify(cfg && cfg.enabled !== false ? `Captures from now on are forwarded to ${cfg.url}` : 'Forward saved (off)', 'info');
      }
    } catch (e) {
      this.notify(e);
    }
  }

  async removeForward(): Promise<void> {
    try {
      if (await this.forward.remove()) this.notify('Forward removed', 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  /** Opens "Copy as curl" on a capture, a logged request or the builder's request. */
  async showCurl(source: CurlSource): Promise<void> {
    try {
      await this.curl.open(source);
    } catch (e) {
      this.notify(e);
    }
  }

  // ---- environments, steps, saved requests, presets ---------------------------------

  /** Makes environment `id` the active one (null: none). */
  async setActiveEnvironment(id: number | null): Promise<void> {
    try {
      await this.environments.setActive(id);
      void this.send.loadTags(true);
    } catch (e) {
      this.notify(e);
    }
  }

  /** Saves the environment in the editor (`active`: and makes it the active one). */
  async saveEnvironment(active?: boolean): Promise<void> {
    try {
      const env = await this.environments.save(active);
      if (!env) return;
      this.notify(`Environment “${env.name}” saved${env.active ? ' (active)' : ''}`, 'info');
      void this.send.loadTags(true);
    } catch (e) {
      this.notify(e);
    }
  }

  async deleteEnvironment(id: number): Promise<void> {
    const env = this.environments.items.find((e) => e.id === id);
    if (!env) return;
    const ok = await this.confirm({
      title: `Delete the environment “${env.name}”?`,
      text: `Its ${env.variables.length} ${env.variables.length === 1 ? 'variable goes' : 'variables go'}, secrets too. Requests that use {{env.…}} from it will find nothing.`,
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await this.environments.remove(id);
      this.notify(`Environment “${env.name}” deleted`, 'info');
      void this.send.loadTags(true);
    } catch (e) {
      this.notify(e);
    }
  }

  /** Opens "Save response as step…" for the result shown (a logged send with a response). */
  openSaveStep(): void {
    const r = this.send.result;
    if (!r || r.id === null || r.dry_run || !r.response) return;
    this.steps.open(r.id, suggestStepName(r));
  }

  async saveStep(): Promise<void> {
    try {
      const step = await this.steps.save();
      if (!step) return;
      this.notify(`Saved: use {{steps.${step.name}.response.body.…}} in the next request`, 'info');
      void this.send.loadTags(true);
    } catch (e) {
      this.notify(e);
    }
  }

  async deleteStep(name: string): Promise<void> {
    try {
      await this.steps.remove(name);
      void this.send.loadTags(true);
    } catch (e) {
      this.notify(e);
    }
  }

  /** Fills the builder with saved request `id`. */
  openSavedRequest(id: number): void {
    const req = this.library.open(id);
    if (!req) return;
    this.send.load(req);
    this.notify(`Opened “${this.library.current?.name ?? `#${id}`}”`, 'info');
  }

  /** Fills the builder with preset `id` (a new, unsaved request). */
  openPreset(id: string): void {
    const p = this.library.presets.find((x) => x.id === id);
    if (!p) return;
    this.send.load(p.request);
    this.library.currentId = null;
    this.notify(`The builder has the “${p.name}” preset`, 'info');
  }

  /** Save: over the saved request the builder came from, else Save as…. */
  async saveRequest(): Promise<void> {
    if (!this.library.current) {
      this.library.openSaveAs('');
      return;
    }
    try {
      const s = await this.library.save(this.send.sendBody);
      if (s) this.notify(`Saved “${s.name}”`, 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  /** Saves the builder's request under the Save as… dialog's name. */
  async saveRequestAs(): Promise<void> {
    try {
      const s = await this.library.saveAs(this.send.sendBody);
      if (s) this.notify(`Saved “${s.name}”`, 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  async deleteSavedRequest(id: number): Promise<void> {
    const s = this.library.saved.find((x) => x.id === id);
    if (!s) return;
    const ok = await this.confirm({ title: `Delete “${s.name}”?`, text: 'The saved request goes; the History keeps what was sent.', confirmLabel: 'Delete', danger: true });
    if (!ok) return;
    try {
      await this.library.remove(id);
    } catch (e) {
      this.notify(e);
    }
  }

  // ---- export, HAR import ------------------------------------------------------------

  /** Opens the export dialog for the capture list (its endpoint and search) or the History (its search). */
  openExport(what: 'captures' | 'sends'): void {
    if (what === 'captures') {
      const e = this.endpoints.selected;
      if (!e) return;
      const q = this.captures.queryError ? '' : this.captures.query.trim();
      this.exporter.open({
        what,
        label: q ? `The captures of “${e.name}” matching “${q}”` : `The captures of “${e.name}”`,
        query: { endpoint: e.id, ...(q ? { q } : {}) },
      });
    } else {
      const h = this.history;
      const q = h.q.trim();
      const parts = [q ? `matching “${q}”` : '', h.batch !== null ? `of bulk replay #${h.batch}` : ''].filter(Boolean);
      this.exporter.open({
        what,
        label: `The History's requests${parts.length ? ` ${parts.join(' ')}` : ''}`,
        query: { ...(q ? { q } : {}), ...(h.batch !== null ? { batch_id: h.batch } : {}) },
      });
    }
  }

  /** Fetches the export and saves it (the browser's downloads, or the desktop's Downloads folder). */
  async runExport(): Promise<void> {
    try {
      const file = await this.exporter.fetch();
      if (!file) return;
      const said = await this.platform.saveFile(file, file.url);
      this.exporter.close();
      this.notify(said, 'info');
    } catch (e) {
      this.notify(e);
    }
  }

  /** Each request of a HAR file becomes a capture of the selected endpoint. */
  async importHar(file: File): Promise<void> {
    const e = this.endpoints.selected;
    if (!e) return;
    try {
      const res = await this.api.importHar(e.id, await file.text());
      this.notify(importSummary(res, e.name), res.warnings.length ? 'error' : 'info');
      await this.endpoints.load();
      if (this.endpoints.selectedId === e.id) await this.captures.load(e.id, this.captures.query);
    } catch (err) {
      this.notify(err);
    }
  }

  /** Diffs capture `a` (older) with capture `b` in the right-hand pane. */
  async showDiff(a: number, b: number): Promise<void> {
    this.view = 'diff';
    await this.diff.show(a, b);
  }

  /** Diffs the two captures picked in compare mode. */
  async showPickedDiff(): Promise<void> {
    const [x, y] = this.diff.picked;
    if (x === undefined || y === undefined) return;
    await this.showDiff(Math.min(x, y), Math.max(x, y));
  }

  /** Diffs capture `id` with the next older capture of its endpoint in the list. */
  async compareWithPrevious(id: number): Promise<void> {
    const prev = this.captures.olderThan(id);
    if (!prev) {
      this.notify(new Error('There is no older capture in the list to compare with'));
      return;
    }
    await this.showDiff(prev.id, id);
  }

  /** Shows the selected endpoint's fields (from the captures the search shows, if any). */
  async showSchema(): Promise<void> {
    const id = this.endpoints.selectedId;
    if (id === null) return;
    this.view = 'schema';
    const q = this.captures.queryError ? '' : this.captures.query;
    await this.schema.load(id, q, null);
  }

  /** Back from a diff or schema to the open capture. */
  closeView(): void {
    this.view = 'capture';
    this.diff.close();
  }

  /**
   * Makes capture `captureId` the mapping reference of its endpoint, asking
   * first when it replaces another capture. True when it was set.
   */
  async useAsReference(endpointId: number, captureId: number): Promise<boolean> {
    if (this.mapping.endpointId !== endpointId || !this.mapping.loaded) await this.mapping.load(endpointId, true);
    const cur = this.mapping.reference;
    if (cur && cur.capture_id === captureId) return true;
    if (cur) {
      const ok = await this.confirm({
        title: 'Replace the mapping reference?',
        text: `${cur.capture_id === null ? 'An imported reference' : `Capture #${cur.capture_id}`} is this endpoint's reference now. Capture #${captureId} takes its place, and every capture of the endpoint is checked against it again.`,
        confirmLabel: 'Replace',
      });
      if (!ok) return false;
    }
    try {
      await this.mapping.useAsReference(endpointId, captureId);
      this.notify(`Capture #${captureId} is the mapping reference`, 'info');
      return true;
    } catch (e) {
      this.notify(e);
      return false;
    }
  }

  private onEndpointGone(id: number): void {
    this.endpoints.removeLocal(id);
    if (this.endpoints.selectedId === id) {
      const fallback = this.endpoints.items.find((e) => e.is_default) ?? this.endpoints.items[0];
      this.inspector.close();
      if (fallback) void this.selectEndpoint(fallback.id, false);
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
      this.diff.picked = this.diff.picked.filter((x) => x !== id);
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
    const text = errorText(what);
    const id = ++this.toastSeq;
    this.toasts = [...this.toasts, { id, kind, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 3000);
  }

  dispose(): void {
    this.settleConfirm(false);
    this.stream?.close();
    this.captures.dispose();
    this.replay.close();
    this.bulk.dispose();
    this.history.dispose();
    if (this.ticker) clearInterval(this.ticker);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A readable message for anything thrown (never blank). */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  if (text.trim()) return text;
  if (e instanceof Error) return `${e.name || 'Error'} with no message`;
  return 'Something went wrong (no details were given)';
}

/** Which field a refused listener change belongs to. */
function settingsError(e: unknown, change: ListenerChange): SettingsErrors {
  const message = errorText(e);
  const code = e instanceof ApiError ? e.code : '';
  const addr = change.addr !== undefined;
  const limit = change.max_body !== undefined;
  if (code === 'address_unavailable') return { addr: message };
  if (code === 'invalid_request') {
    if (addr && !limit) return { addr: message };
    if (limit && !addr) return { maxBody: message };
    return /body limit/i.test(message) ? { maxBody: message } : { addr: message };
  }
  return { general: message };
}
