// The request builder (issue 5): what the user builds, how it becomes a
// `POST /api/v1/requests/send`, its result, the merge tags its context offers,
// and the execution log ("History"). Secrets (auth) stay in memory: nothing
// here is written to storage.

import { ApiError, type ApiClient } from '../api/client';
import type {
  ApiKeyIn,
  Auth,
  BodyType,
  Capture,
  ClientAuth,
  Diagnostic,
  FieldDiagnostic,
  MergeTagInfo,
  Mode,
  NameValue,
  OAuthGrant,
  SendBody,
  SendRequest,
  SendSummary,
  StoredSend,
  TemplateContext,
} from '../api/types';
import { parseQuery } from '../query';
import { curlParseError, type CurlParseError } from './curl.svelte';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const BODY_TYPES: { id: BodyType; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'json', label: 'JSON' },
  { id: 'form', label: 'Form' },
  { id: 'multipart', label: 'Multipart' },
  { id: 'raw', label: 'Raw' },
];

export type AuthKind = Auth['type'];
export const AUTH_KINDS: { id: AuthKind; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'bearer', label: 'Bearer token' },
  { id: 'basic', label: 'Basic' },
  { id: 'api_key', label: 'API key' },
  { id: 'oauth2', label: 'OAuth 2.0' },
];

/** A row of the query, headers, form or env table. */
export interface Row {
  id: number;
  name: string;
  value: string;
  enabled: boolean;
}

/** A file of a multipart body. */
export interface FileRow {
  id: number;
  /** The form field's name. */
  name: string;
  filename: string;
  contentType: string;
  dataBase64: string;
  size: number;
}

export interface AuthDraft {
  kind: AuthKind;
  token: string;
  username: string;
  password: string;
  keyName: string;
  keyValue: string;
  keyIn: ApiKeyIn;
  grant: OAuthGrant;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  audience: string;
  refreshToken: string;
  clientAuth: ClientAuth;
}

/** Where `{{inboundWebhookRequest.*}}` comes from: nowhere, or the capture open in the inspector. */
export type ContextKind = 'none' | 'capture';

export interface Draft {
  method: string;
  url: string;
  query: Row[];
  headers: Row[];
  bodyType: BodyType;
  body: string;
  /** A captured body that is not text, sent as its bytes (raw). */
  bodyBase64: string | null;
  form: Row[];
  files: FileRow[];
  auth: AuthDraft;
  timeoutMs: number;
  followRedirects: boolean;
  verifyTls: boolean;
  proxy: string;
  context: ContextKind;
  env: Row[];
}

let rowSeq = 0;

export function row(name = '', value = '', enabled = true): Row {
  return { id: ++rowSeq, name, value, enabled };
}

export function emptyAuth(): AuthDraft {
  return {
    kind: 'none',
    token: '',
    username: '',
    password: '',
    keyName: 'X-API-Key',
    keyValue: '',
    keyIn: 'header',
    grant: 'client_credentials',
    tokenUrl: '',
    clientId: '',
    clientSecret: '',
    scope: '',
    audience: '',
    refreshToken: '',
    clientAuth: 'basic',
  };
}

export function emptyDraft(): Draft {
  return {
    method: 'POST',
    url: '',
    query: [],
    headers: [],
    bodyType: 'json',
    body: '',
    bodyBase64: null,
    form: [],
    files: [],
    auth: emptyAuth(),
    timeoutMs: 30_000,
    followRedirects: true,
    verifyTls: true,
    proxy: '',
    context: 'capture',
    env: [],
  };
}

function pairs(rows: Row[]): NameValue[] {
  return rows
    .filter((r) => r.name !== '' || r.value !== '')
    .map((r) => (r.enabled ? { name: r.name, value: r.value } : { name: r.name, value: r.value, enabled: false }));
}

export function authOf(a: AuthDraft): Auth {
  switch (a.kind) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: a.token };
    case 'basic':
      return { type: 'basic', username: a.username, password: a.password };
    case 'api_key':
      return { type: 'api_key', name: a.keyName, value: a.keyValue, in: a.keyIn };
    case 'oauth2':
      return {
        type: 'oauth2',
        grant: a.grant,
        token_url: a.tokenUrl,
        client_id: a.clientId,
        client_secret: a.clientSecret,
        scope: a.scope,
        audience: a.audience,
        refresh_token: a.grant === 'refresh_token' ? a.refreshToken : '',
        client_auth: a.clientAuth,
      };
  }
}

/** `{{env.*}}` variables from the env table (enabled rows with a name). */
export function envOf(rows: Row[]): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  let any = false;
  for (const r of rows) {
    if (!r.enabled || !r.name.trim()) continue;
    env[r.name.trim()] = r.value;
    any = true;
  }
  return any ? env : undefined;
}

/**
 * The template context of a draft; `captureId` is the capture open in the
 * inspector, `environment` the environment `{{env.*}}` reads (its name; null:
 * the engine's active one, if any). The env table's rows go over its variables.
 */
export function contextOf(d: Pick<Draft, 'context' | 'env'>, captureId: number | null, environment: string | null = null): TemplateContext {
  const ctx: TemplateContext = {};
  if (d.context === 'capture' && captureId !== null) ctx.capture_id = captureId;
  const env = envOf(d.env);
  if (env) ctx.env = env;
  if (environment) ctx.environment = environment;
  return ctx;
}

/** The request the engine is asked to send (or render only, with `dryRun`). */
export function buildSendBody(d: Draft, captureId: number | null, dryRun: boolean, environment: string | null = null): SendBody {
  const req: SendBody = {
    method: d.method.trim().toUpperCase() || 'GET',
    url: d.url.trim(),
    body_type: d.bodyType,
    ...contextOf(d, captureId, environment),
  };
  const query = pairs(d.query);
  if (query.length) req.query = query;
  const headers = pairs(d.headers);
  if (headers.length) req.headers = headers;
  if (d.bodyType === 'json') req.body = d.body;
  if (d.bodyType === 'raw') {
    if (d.bodyBase64 !== null) req.body_base64 = d.bodyBase64;
    else req.body = d.body;
  }
  if (d.bodyType === 'form' || d.bodyType === 'multipart') {
    const form = pairs(d.form);
    if (form.length) req.form = form;
  }
  if (d.bodyType === 'multipart' && d.files.length) {
    req.files = d.files.map((f) => ({
      name: f.name,
      filename: f.filename,
      data_base64: f.dataBase64,
      ...(f.contentType ? { content_type: f.contentType } : {}),
    }));
  }
  if (d.auth.kind !== 'none') req.auth = authOf(d.auth);
  req.options = {
    timeout_ms: Math.max(1, Math.round(d.timeoutMs || 30_000)),
    follow_redirects: d.followRedirects,
    verify_tls: d.verifyTls,
    ...(d.proxy.trim() ? { proxy: d.proxy.trim() } : {}),
  };
  if (dryRun) req.dry_run = true;
  return req;
}

/** Headers a replayed capture should not carry as they are: the new target sets them. */
const TARGET_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

/**
 * A draft that sends what capture `c` received: its method, query, headers
 * (Host, Content-Length and the connection's own are kept but off) and body
 * as raw (bytes that are not UTF-8 are sent as they are). The URL is left
 * for the user; `keep` holds what stays from the current draft (auth, options, env).
 */
export function draftFromCapture(c: Capture, body: Uint8Array, keep: Draft = emptyDraft()): Draft {
  let text: string | null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = null;
  }
  return {
    ...keep,
    method: c.method.toUpperCase(),
    url: '',
    query: parseQuery(c.query).map((p) => row(p.name, p.value)),
    headers: c.headers.map((h) => row(h.name, h.value, !TARGET_HEADERS.has(h.name.toLowerCase()))),
    bodyType: body.length === 0 ? 'none' : 'raw',
    body: text ?? '',
    bodyBase64: text === null ? bytesToBase64(body) : null,
    form: [],
    files: [],
    context: 'capture',
  };
}

/** The builder's auth fields for an `Auth` (the others keep their defaults). */
export function authDraftOf(a: Auth | null | undefined): AuthDraft {
  const d = emptyAuth();
  if (!a) return d;
  switch (a.type) {
    case 'none':
      return d;
    case 'bearer':
      return { ...d, kind: 'bearer', token: a.token };
    case 'basic':
      return { ...d, kind: 'basic', username: a.username, password: a.password };
    case 'api_key':
      return { ...d, kind: 'api_key', keyName: a.name, keyValue: a.value, keyIn: a.in ?? 'header' };
    case 'oauth2':
      return {
        ...d,
        kind: 'oauth2',
        grant: a.grant ?? 'client_credentials',
        tokenUrl: a.token_url,
        clientId: a.client_id,
        clientSecret: a.client_secret ?? '',
        scope: a.scope ?? '',
        audience: a.audience ?? '',
        refreshToken: a.refresh_token ?? '',
        clientAuth: a.client_auth ?? 'basic',
      };
  }
}

function rowsOf(pairs: NameValue[] | null | undefined): Row[] {
  return (pairs ?? []).map((p) => row(p.name, p.value, p.enabled !== false));
}

/**
 * A draft that builds `req` (e.g. an imported curl command): its method, URL,
 * query, headers, body, auth and options. The context and env stay from `keep`.
 */
export function draftFromSendRequest(req: SendRequest, keep: Draft = emptyDraft()): Draft {
  const hasBody = (req.body ?? '') !== '' || (req.body_base64 ?? '') !== '';
  const bodyType: BodyType = req.body_type ?? (hasBody ? 'raw' : 'none');
  const opts = req.options ?? {};
  const timeout = Number(opts.timeout_ms ?? 30_000);
  return {
    ...keep,
    method: (req.method || 'GET').toUpperCase(),
    url: req.url,
    query: rowsOf(req.query),
    headers: rowsOf(req.headers),
    bodyType,
    body: req.body ?? '',
    bodyBase64: bodyType === 'raw' && req.body_base64 ? req.body_base64 : null,
    form: rowsOf(req.form),
    files: (req.files ?? []).map((f) => ({
      id: ++rowSeq,
      name: f.name,
      filename: f.filename,
      contentType: f.content_type ?? '',
      dataBase64: f.data_base64,
      size: Math.floor((f.data_base64.length * 3) / 4) - (f.data_base64.endsWith('==') ? 2 : f.data_base64.endsWith('=') ? 1 : 0),
    })),
    auth: authDraftOf(req.auth),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    followRedirects: opts.follow_redirects ?? true,
    verifyTls: opts.verify_tls ?? true,
    proxy: opts.proxy ?? '',
  };
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

/** How a field's values are written, for the engine's lint (`POST /render`). */
export function modeOf(field: 'url' | 'query' | 'header' | 'body' | 'text', bodyType: BodyType): Mode {
  if (field === 'url' || field === 'query') return 'url';
  if (field === 'header') return 'header';
  if (field === 'body') return bodyType === 'json' ? 'json' : 'text';
  return 'text';
}

/** A readable message for anything thrown. */
function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

/** The builder, its result and the merge tags of its context. */
export class SendState {
  draft = $state<Draft>(emptyDraft());
  /** The last result: a dry run, a send, or an entry of the history. */
  result = $state.raw<StoredSend | null>(null);
  /** Why the last run did not give a result. */
  error = $state<string | null>(null);
  /** A 422 `template_error`: what is wrong in which field. */
  fieldErrors = $state.raw<FieldDiagnostic[]>([]);
  /** A run on its way. */
  busy = $state<'dry' | 'send' | null>(null);
  /** The merge tags the context offers (for completion). */
  tags = $state.raw<MergeTagInfo[]>([]);
  tagsTruncated = $state(false);
  /** What the last curl import could not carry over (shown above the builder until dismissed). */
  importWarnings = $state.raw<string[]>([]);

  private tagsKey = '';
  private tagsAbort: AbortController | null = null;

  constructor(
    private readonly api: ApiClient,
    /** The capture open in the inspector (the `capture` context). */
    private readonly openCapture: () => number | null = () => null,
    /** The environment `{{env.*}}` reads (its name), null: none. */
    private readonly environment: () => string | null = () => null,
  ) {}

  /** The capture `{{inboundWebhookRequest.*}}` reads, if any. */
  get contextCaptureId(): number | null {
    return this.draft.context === 'capture' ? this.openCapture() : null;
  }

  get context(): TemplateContext {
    return contextOf(this.draft, this.openCapture(), this.environment());
  }

  /** A key that changes when the context does (the lint and the tags follow it). */
  get contextKey(): string {
    return JSON.stringify(this.context);
  }

  /** Dry run (`dry`) or send the draft. */
  async run(kind: 'dry' | 'send'): Promise<StoredSend | null> {
    if (this.busy) return null;
    this.busy = kind;
    this.error = null;
    this.fieldErrors = [];
    try {
      const res = await this.api.sendRequest(buildSendBody(this.draft, this.openCapture(), kind === 'dry', this.environment()));
      this.result = res;
      return res;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      this.result = null;
      this.error = message(e);
      if (e instanceof ApiError && e.diagnostics) this.fieldErrors = e.diagnostics;
      return null;
    } finally {
      this.busy = null;
    }
  }

  /** Shows a logged request in the result panel. */
  show(s: StoredSend): void {
    this.result = s;
    this.error = null;
    this.fieldErrors = [];
  }

  /** Fetches the merge tags of the current context (again only when it changed). */
  async loadTags(force = false): Promise<void> {
    const key = this.contextKey;
    if (!force && key === this.tagsKey) return;
    this.tagsKey = key;
    this.tagsAbort?.abort();
    const ctrl = new AbortController();
    this.tagsAbort = ctrl;
    try {
      const res = await this.api.mergeTags(this.context, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.tags = res.tags;
      this.tagsTruncated = res.truncated;
    } catch {
      if (ctrl.signal.aborted) return;
      // No completion for this context (e.g. the capture was deleted); the lint says why.
      this.tags = [];
      this.tagsKey = '';
    }
  }

  /** The engine's diagnostics of `template` in this context (UTF-8 byte offsets); none when it cannot be asked. */
  async lint(template: string, mode: Mode, signal?: AbortSignal): Promise<Diagnostic[]> {
    if (!template.includes('{{')) return [];
    try {
      return (await this.api.render({ template, mode, ...this.context }, signal)).diagnostics;
    } catch {
      return [];
    }
  }

  /** Fills the builder from a capture (the URL is left for the user). */
  async fillFromCapture(c: Capture): Promise<void> {
    const { bytes } = await this.api.getBody(c.id);
    const keep = $state.snapshot(this.draft) as Draft;
    this.draft = draftFromCapture(c, bytes, keep);
    this.result = null;
    this.error = null;
    this.fieldErrors = [];
  }

  /**
   * Fills the builder from a curl command. Null when it was read (its
   * warnings in `importWarnings`); else where and why it could not be.
   */
  async importCurl(command: string): Promise<CurlParseError | null> {
    try {
      const res = await this.api.importCurl(command);
      const keep = $state.snapshot(this.draft) as Draft;
      this.draft = draftFromSendRequest(res.request, keep);
      this.importWarnings = res.warnings;
      this.result = null;
      this.error = null;
      this.fieldErrors = [];
      return null;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      return curlParseError(command, e);
    }
  }

  /** The request the builder would send, for `POST /requests/curl`. */
  get sendBody(): SendBody {
    return buildSendBody(this.draft, this.openCapture(), false, this.environment());
  }

  /** Fills the builder with `req` (a saved request or a preset); the context and env table stay. */
  load(req: SendRequest): void {
    const keep = $state.snapshot(this.draft) as Draft;
    this.draft = draftFromSendRequest(req, keep);
    this.importWarnings = [];
    this.result = null;
    this.error = null;
    this.fieldErrors = [];
  }

  reset(): void {
    this.draft = emptyDraft();
    this.result = null;
    this.error = null;
    this.fieldErrors = [];
  }
}

/** The status filter of the history. */
export const STATUS_FILTERS: { id: string; label: string }[] = [
  { id: '', label: 'Any status' },
  { id: '2xx', label: '2xx' },
  { id: '3xx', label: '3xx' },
  { id: '4xx', label: '4xx' },
  { id: '5xx', label: '5xx' },
  { id: 'error', label: 'No response' },
];

const PAGE = 50;
/** Live entries kept in the list (older ones are a page away). */
const LIVE_MAX = 300;
/** Entries logged in a burst are added together, at most this often. */
const FLUSH_MS = 60;

/** The execution log, newest first, live. */
export class HistoryState {
  items = $state.raw<SendSummary[]>([]);
  q = $state('');
  status = $state('');
  loading = $state(false);
  error = $state<string | null>(null);
  nextCursor = $state<string | null>(null);
  /** The entry shown in the result panel. */
  openId = $state<number | null>(null);
  /** Entries logged while a filter was on (not shown until it is searched again). */
  missed = $state(0);
  /** Only the attempts of this bulk replay. */
  batch = $state<number | null>(null);

  private abort: AbortController | null = null;
  private loaded = false;
  private buffer: SendSummary[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly api: ApiClient) {}

  get filtered(): boolean {
    return this.q.trim() !== '' || this.status !== '' || this.batch !== null;
  }

  private get params() {
    return {
      q: this.q.trim() || undefined,
      status: this.status || undefined,
      batch_id: this.batch ?? undefined,
      limit: PAGE,
    };
  }

  /** Shows only the attempts of bulk replay `id` (null: all again). */
  async showBatch(id: number | null): Promise<void> {
    this.batch = id;
    await this.load();
  }

  async load(): Promise<void> {
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.api.listRequests(this.params, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.items = page.items;
      this.nextCursor = page.next_cursor;
      this.missed = 0;
      this.loaded = true;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.error = message(e);
    } finally {
      if (!ctrl.signal.aborted) this.loading = false;
    }
  }

  /** Loads the log the first time it is shown. */
  async ensure(): Promise<void> {
    if (!this.loaded && !this.loading) await this.load();
  }

  async more(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    this.loading = true;
    try {
      const page = await this.api.listRequests({ ...this.params, cursor: this.nextCursor });
      const have = this.items.map((s) => s.id);
      this.items = [...this.items, ...page.items.filter((s) => !have.includes(s.id))];
      this.nextCursor = page.next_cursor;
    } catch (e) {
      this.error = message(e);
    } finally {
      this.loading = false;
    }
  }

  /** A request was logged (here or elsewhere): shown on top unless a filter is on. */
  onCreated(s: SendSummary): void {
    if (!this.loaded) return;
    if (this.filtered) {
      this.missed++;
      return;
    }
    // A bulk replay logs hundreds a second: added together, at most this often.
    this.buffer.push(s);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Adds the buffered entries on top; past LIVE_MAX the oldest go to the "Older…" page. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    // A lookup for this flush only: not state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const have = new Set(this.items.map((x) => x.id));
    const fresh: SendSummary[] = [];
    for (const x of this.buffer) {
      if (have.has(x.id)) continue;
      have.add(x.id);
      fresh.push(x);
    }
    fresh.sort((a, b) => b.id - a.id);
    this.buffer = [];
    if (!fresh.length) return;
    let items = [...fresh, ...this.items];
    if (items.length > LIVE_MAX) {
      items = items.slice(0, LIVE_MAX);
      // The log's cursor is the id to list below.
      this.nextCursor = String(items[items.length - 1]!.id);
    }
    this.items = items;
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  /** Fetches entry `id` in full. */
  async open(id: number): Promise<StoredSend> {
    this.openId = id;
    return this.api.getRequest(id);
  }

  async remove(id: number): Promise<void> {
    await this.api.deleteRequest(id);
    this.items = this.items.filter((s) => s.id !== id);
    if (this.openId === id) this.openId = null;
  }
}

/** localStorage key of the last replay target (a URL, never a secret). */
export const REPLAY_URL_KEY = 'hookbench.replayUrl';

export function readStored(key: string): string {
  try {
    return globalThis.localStorage?.getItem(key) ?? '';
  } catch {
    return '';
  }
}

export function writeStored(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Not kept: the dialog starts empty next time.
  }
}

/** Replaying a capture to another URL, from the inspector. */
export class ReplayState {
  captureId = $state<number | null>(null);
  url = $state(readStored(REPLAY_URL_KEY));
  keepHost = $state(false);
  result = $state.raw<StoredSend | null>(null);
  error = $state<string | null>(null);
  busy = $state<'dry' | 'send' | null>(null);

  constructor(private readonly api: ApiClient) {}

  get isOpen(): boolean {
    return this.captureId !== null;
  }

  open(captureId: number): void {
    this.captureId = captureId;
    this.url = readStored(REPLAY_URL_KEY) || this.url;
    this.result = null;
    this.error = null;
  }

  close(): void {
    this.captureId = null;
    this.result = null;
    this.error = null;
  }

  async run(kind: 'dry' | 'send'): Promise<StoredSend | null> {
    const id = this.captureId;
    const url = this.url.trim();
    if (id === null || this.busy) return null;
    if (!url) {
      this.error = 'Enter the URL to replay the capture to.';
      return null;
    }
    writeStored(REPLAY_URL_KEY, url);
    this.busy = kind;
    this.error = null;
    try {
      const res = await this.api.replay(id, {
        url,
        ...(this.keepHost ? { overrides: { keep_host: true } } : {}),
        ...(kind === 'dry' ? { dry_run: true } : {}),
      });
      if (this.captureId === id) this.result = res;
      return res;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      if (this.captureId === id) {
        this.result = null;
        this.error = message(e);
      }
      return null;
    } finally {
      this.busy = null;
    }
  }
}
