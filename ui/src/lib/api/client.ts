// The typed client of the control API. The only module (with events.ts) that
// talks HTTP: same origin, the session cookie does the authentication.

import type {
  BulkBody,
  BulkItem,
  BulkItemList,
  BulkItemState,
  BulkJob,
  BulkJobList,
  Capture,
  CapturePage,
  CapturePatch,
  CaptureQuery,
  CaptureSummary,
  CurlExport,
  CurlImport,
  Deliveries,
  DiffResult,
  Endpoint,
  EndpointList,
  Environment,
  EnvironmentInput,
  EnvironmentList,
  EventIdConfig,
  EventIdSource,
  ExportQuery,
  FieldDiagnostic,
  FieldTable,
  ForwardBody,
  ForwardConfig,
  ImportResult,
  Info,
  ListenerChange,
  ListenerStatus,
  Mapping,
  MappingExport,
  MappingPreview,
  MappingReference,
  MergeTags,
  NewSavedFilter,
  Preset,
  PresetList,
  RenderRequest,
  Rendered,
  ReplayBody,
  SavedFilter,
  SavedRequest,
  SavedRequestList,
  SendBody,
  SendPage,
  SendQuery,
  SendRequest,
  Step,
  StepList,
  StoredSend,
  TemplateContext,
} from './types';

/** Where in a search query the engine stopped understanding it (UTF-8 byte offset and length). */
export interface QuerySpan {
  position: number;
  length: number;
}

/** An error the UI can show as it is: `message` is always readable. */
export class ApiError extends Error {
  /** HTTP status; 0 when the engine could not be reached at all. */
  readonly status: number;
  /** The engine's error code (`not_found`, `conflict`…), or `network` / `bad_response`. */
  readonly code: string;
  /** For `bad_query`: the bad token in the query. */
  readonly span: QuerySpan | null;
  /** For `template_error`: what is wrong in which field of the request (UTF-8 byte offsets). */
  readonly diagnostics: FieldDiagnostic[] | null;

  constructor(
    status: number,
    code: string,
    message: string,
    span: QuerySpan | null = null,
    diagnostics: FieldDiagnostic[] | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.span = span;
    this.diagnostics = diagnostics;
  }

  /** No (valid) session: the user has to open the link the engine printed. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** Makes a readable ApiError out of a failed response, whatever its body. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body could not be read: fall back to the status line.
  }
  if (text) {
    try {
      const body = JSON.parse(text) as unknown;
      const err = (
        body as {
          error?: { code?: unknown; message?: unknown; position?: unknown; length?: unknown; diagnostics?: unknown };
        } | null
      )?.error;
      if (err && typeof err.message === 'string' && err.message) {
        const span =
          typeof err.position === 'number' && typeof err.length === 'number'
            ? { position: err.position, length: err.length }
            : null;
        const diagnostics = Array.isArray(err.diagnostics) ? (err.diagnostics as FieldDiagnostic[]) : null;
        return new ApiError(res.status, typeof err.code === 'string' ? err.code : 'error', err.message, span, diagnostics);
      }
    } catch {
      // Not JSON: use the text below.
    }
  }
  const snippet = text.trim().slice(0, 200);
  const statusLine = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiError(res.status, 'http_error', snippet ? `${statusLine}: ${snippet}` : statusLine);
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

export class ApiClient {
  private readonly base: string;
  private readonly fetchFn: FetchFn;

  /** `base` is the API origin ('' for the page's own origin). */
  constructor(base = '', fetchFn?: FetchFn) {
    this.base = base.replace(/\/$/, '');
    this.fetchFn = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  }

  url(path: string): string {
    return `${this.base}/api/v1${path}`;
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const init: RequestInit = { method, credentials: 'same-origin', signal, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path), init);
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(0, 'network', 'Cannot reach Hookbench. Is it still running?');
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.send(method, path, body, signal);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', `The engine sent an answer that is not JSON (${method} ${path})`);
    }
  }

  private async empty(method: string, path: string, body?: unknown): Promise<void> {
    await this.send(method, path, body);
  }

  info(): Promise<Info> {
    return this.json('GET', '/info');
  }

  async listEndpoints(): Promise<Endpoint[]> {
    return (await this.json<EndpointList>('GET', '/endpoints')).items;
  }

  createEndpoint(name: string): Promise<Endpoint> {
    return this.json('POST', '/endpoints', { name });
  }

  renameEndpoint(id: number, name: string): Promise<Endpoint> {
    return this.json('PATCH', `/endpoints/${id}`, { name });
  }

  deleteEndpoint(id: number): Promise<void> {
    return this.empty('DELETE', `/endpoints/${id}`);
  }

  rotateEndpoint(id: number): Promise<Endpoint> {
    return this.json('POST', `/endpoints/${id}/rotate`);
  }

  listCaptures(query: CaptureQuery, signal?: AbortSignal): Promise<CapturePage> {
    const p = new URLSearchParams();
    if (query.endpoint !== undefined) p.set('endpoint', String(query.endpoint));
    if (query.q) p.set('q', query.q);
    if (query.limit !== undefined) p.set('limit', String(Math.min(500, Math.max(1, query.limit))));
    if (query.cursor) p.set('cursor', query.cursor);
    const qs = p.toString();
    return this.json('GET', `/captures${qs ? `?${qs}` : ''}`, undefined, signal);
  }

  getCapture(id: number, signal?: AbortSignal): Promise<Capture> {
    return this.json('GET', `/captures/${id}`, undefined, signal);
  }

  patchCapture(id: number, patch: CapturePatch): Promise<CaptureSummary> {
    return this.json('PATCH', `/captures/${id}`, patch);
  }

  deleteCapture(id: number): Promise<void> {
    return this.empty('DELETE', `/captures/${id}`);
  }

  /** The raw body bytes and the sender's content type. */
  async getBody(id: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; contentType: string | null }> {
    const res = await this.send('GET', `/captures/${id}/body`, undefined, signal);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, contentType: res.headers.get('X-Hookbench-Content-Type') };
  }

  /** Link that downloads the raw body. */
  bodyUrl(id: number): string {
    return this.url(`/captures/${id}/body`);
  }

  /** Link that downloads multipart part `n` (from 0). */
  partUrl(id: number, n: number): string {
    return this.url(`/captures/${id}/parts/${n}`);
  }

  getListener(): Promise<ListenerStatus> {
    return this.json('GET', '/listener');
  }

  /** Move, pause or resume the capture listener, or change its body limit. */
  updateListener(change: ListenerChange): Promise<ListenerStatus> {
    return this.json('PUT', '/listener', change);
  }

  // ---- diff, schema ------------------------------------------------------

  /** The changes from capture `a` to capture `b`. */
  diff(a: number, b: number, ignoreVolatile = false, signal?: AbortSignal): Promise<DiffResult> {
    const p = new URLSearchParams({ a: String(a), b: String(b) });
    if (ignoreVolatile) p.set('ignore_volatile', 'true');
    return this.json('GET', `/diff?${p}`, undefined, signal);
  }

  /** The fields seen in the JSON bodies of an endpoint's captures (those matching `q`). */
  fields(
    endpointId: number,
    opts: { q?: string; since?: number; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<FieldTable> {
    const query = qs({ q: opts.q, since: opts.since, limit: opts.limit });
    return this.json('GET', `/endpoints/${endpointId}/fields${query}`, undefined, signal);
  }

  /** Link to the inferred JSON Schema (draft 2020-12) of an endpoint's JSON bodies. */
  schemaUrl(endpointId: number, q?: string, limit?: number): string {
    return this.url(`/endpoints/${endpointId}/schema${qs({ q, limit })}`);
  }

  // ---- mapping references ------------------------------------------------

  /** The endpoint's mapping reference; null when it has none. */
  async getMappingReference(endpointId: number): Promise<MappingReference | null> {
    try {
      return await this.json<MappingReference>('GET', `/endpoints/${endpointId}/mapping-reference`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.code === 'not_found') return null;
      throw e;
    }
  }

  setMappingReference(endpointId: number, captureId: number): Promise<MappingReference> {
    return this.json('PUT', `/endpoints/${endpointId}/mapping-reference`, { capture_id: captureId });
  }

  clearMappingReference(endpointId: number): Promise<void> {
    return this.empty('DELETE', `/endpoints/${endpointId}/mapping-reference`);
  }

  getMapping(endpointId: number): Promise<Mapping> {
    return this.json('GET', `/endpoints/${endpointId}/mapping`);
  }

  putMapping(endpointId: number, mapping: Mapping): Promise<Mapping> {
    return this.json('PUT', `/endpoints/${endpointId}/mapping`, mapping);
  }

  /** Link that downloads the reference and rules as one JSON document. */
  mappingExportUrl(endpointId: number): string {
    return this.url(`/endpoints/${endpointId}/mapping/export`);
  }

  exportMapping(endpointId: number): Promise<MappingExport> {
    return this.json('GET', `/endpoints/${endpointId}/mapping/export`);
  }

  /** Imports an exported document; a refused one is a 422 `invalid_mapping` with the reason. */
  async importMapping(endpointId: number, doc: unknown): Promise<void> {
    await this.send('POST', `/endpoints/${endpointId}/mapping/import`, doc);
  }

  previewMapping(endpointId: number, captureId: number): Promise<MappingPreview> {
    return this.json('GET', `/endpoints/${endpointId}/mapping/preview${qs({ capture_id: captureId })}`);
  }

  // ---- saved filters, event ids, deliveries ---------------------------------

  async listFilters(endpointId: number): Promise<SavedFilter[]> {
    const body = await this.json<SavedFilter[] | { items: SavedFilter[] }>('GET', `/endpoints/${endpointId}/filters`);
    return Array.isArray(body) ? body : body.items;
  }

  createFilter(endpointId: number, filter: NewSavedFilter): Promise<SavedFilter> {
    return this.json('POST', `/endpoints/${endpointId}/filters`, filter);
  }

  deleteFilter(endpointId: number, filterId: number): Promise<void> {
    return this.empty('DELETE', `/endpoints/${endpointId}/filters/${filterId}`);
  }

  getEventId(endpointId: number): Promise<EventIdConfig> {
    return this.json('GET', `/endpoints/${endpointId}/event-id`);
  }

  /** Sets where the endpoint's event id comes from (null: the body's SHA-256). */
  setEventId(endpointId: number, source: EventIdSource | null): Promise<EventIdConfig> {
    return this.json('PUT', `/endpoints/${endpointId}/event-id`, { source });
  }

  /** Every delivery of a capture's event on its endpoint, oldest first. */
  deliveries(captureId: number, signal?: AbortSignal): Promise<Deliveries> {
    return this.json('GET', `/captures/${captureId}/deliveries`, undefined, signal);
  }

  // ---- outbound requests, templates --------------------------------------------

  /** Sends (or with `dry_run` only renders) a built request; a malformed template is a 422 with `diagnostics`. */
  sendRequest(req: SendBody, signal?: AbortSignal): Promise<StoredSend> {
    return this.json('POST', '/requests/send', req, signal);
  }

  /** Replays capture `id` to another URL (or only renders it, with `dry_run`). */
  replay(id: number, req: ReplayBody, signal?: AbortSignal): Promise<StoredSend> {
    return this.json('POST', `/captures/${id}/replay`, req, signal);
  }

  /** The execution log, newest first. */
  listRequests(query: SendQuery = {}, signal?: AbortSignal): Promise<SendPage> {
    const limit = query.limit === undefined ? undefined : Math.min(500, Math.max(1, query.limit));
    const params = qs({
      q: query.q,
      kind: query.kind,
      capture_id: query.capture_id,
      batch_id: query.batch_id,
      status: query.status,
      limit,
      cursor: query.cursor,
    });
    return this.json('GET', `/requests${params}`, undefined, signal);
  }

  getRequest(id: number, signal?: AbortSignal): Promise<StoredSend> {
    return this.json('GET', `/requests/${id}`, undefined, signal);
  }

  deleteRequest(id: number): Promise<void> {
    return this.empty('DELETE', `/requests/${id}`);
  }

  /** A template's output and diagnostics (UTF-8 byte offsets) against a context. */
  render(req: RenderRequest, signal?: AbortSignal): Promise<Rendered> {
    return this.json('POST', '/render', req, signal);
  }

  /** Every merge tag a context offers, with a short preview of its value. */
  mergeTags(ctx: TemplateContext, signal?: AbortSignal): Promise<MergeTags> {
    return this.json('POST', '/merge-tags', ctx, signal);
  }

  // ---- bulk replay ------------------------------------------------------------

  /** Starts replaying captures (by id, or those a search finds) to one URL. */
  startBulk(req: BulkBody): Promise<BulkJob> {
    return this.json('POST', '/replays', req);
  }

  /** Every bulk replay, newest first. */
  async listBulk(signal?: AbortSignal): Promise<BulkJob[]> {
    return (await this.json<BulkJobList>('GET', '/replays', undefined, signal)).items;
  }

  getBulk(id: number, signal?: AbortSignal): Promise<BulkJob> {
    return this.json('GET', `/replays/${id}`, undefined, signal);
  }

  /** A bulk replay's items in order (only those in `state`, when given). */
  async bulkItems(id: number, state?: BulkItemState, limit?: number, signal?: AbortSignal): Promise<BulkItem[]> {
    return (await this.json<BulkItemList>('GET', `/replays/${id}/items${qs({ state, limit })}`, undefined, signal)).items;
  }

  stopBulk(id: number): Promise<BulkJob> {
    return this.json('POST', `/replays/${id}/stop`);
  }

  resumeBulk(id: number): Promise<BulkJob> {
    return this.json('POST', `/replays/${id}/resume`);
  }

  // ---- forward-to -------------------------------------------------------------

  /** Saves the endpoint's forward: captures from now on are also sent there. */
  putForward(endpointId: number, cfg: ForwardBody): Promise<ForwardConfig> {
    return this.json('PUT', `/endpoints/${endpointId}/forward`, cfg);
  }

  deleteForward(endpointId: number): Promise<void> {
    return this.empty('DELETE', `/endpoints/${endpointId}/forward`);
  }

  // ---- curl -----------------------------------------------------------------------

  /** A curl command as a request for the builder; a bad one is a 400 `bad_command` with its byte `position`. */
  importCurl(command: string): Promise<CurlImport> {
    return this.json('POST', '/import/curl', { command });
  }

  /** Capture `id` as a curl command (to its capture URL, or `url`); `redact` masks its secrets. */
  captureCurl(id: number, opts: { url?: string; redact?: boolean } = {}): Promise<CurlExport> {
    return this.json('GET', `/captures/${id}/curl${qs({ url: opts.url, redact: opts.redact ? 'true' : undefined })}`);
  }

  /** A logged request as a curl command; secrets masked unless `reveal`. */
  sendCurl(id: number, reveal = false): Promise<CurlExport> {
    return this.json('GET', `/requests/${id}/curl${qs({ reveal: reveal ? 'true' : undefined })}`);
  }

  /** A built request (merge tags rendered) as a curl command; secrets masked unless `reveal`. */
  builtCurl(req: SendBody, reveal = false): Promise<CurlExport> {
    return this.json('POST', `/requests/curl${qs({ reveal: reveal ? 'true' : undefined })}`, req);
  }

  // ---- environments, steps, saved requests, presets ---------------------------

  /** Every environment (secret values read as ••••••). */
  async listEnvironments(signal?: AbortSignal): Promise<Environment[]> {
    return (await this.json<EnvironmentList>('GET', '/environments', undefined, signal)).items;
  }

  createEnvironment(input: EnvironmentInput): Promise<Environment> {
    return this.json('POST', '/environments', input);
  }

  /** Replaces an environment; a secret sent back as •••••• keeps its value. */
  updateEnvironment(id: number, input: EnvironmentInput): Promise<Environment> {
    return this.json('PUT', `/environments/${id}`, input);
  }

  deleteEnvironment(id: number): Promise<void> {
    return this.empty('DELETE', `/environments/${id}`);
  }

  /** Keeps logged request `sendId`'s response as `{{steps.<name>.response.*}}`. */
  saveStep(sendId: number, name: string): Promise<Step> {
    return this.json('POST', `/requests/${sendId}/step`, { name });
  }

  async listSteps(signal?: AbortSignal): Promise<Step[]> {
    return (await this.json<StepList>('GET', '/steps', undefined, signal)).items;
  }

  deleteStep(name: string): Promise<void> {
    return this.empty('DELETE', `/steps/${encodeURIComponent(name)}`);
  }

  async listSavedRequests(signal?: AbortSignal): Promise<SavedRequest[]> {
    return (await this.json<SavedRequestList>('GET', '/saved-requests', undefined, signal)).items;
  }

  createSavedRequest(name: string, request: SendRequest | SendBody): Promise<SavedRequest> {
    return this.json('POST', '/saved-requests', { name, request });
  }

  updateSavedRequest(id: number, name: string, request: SendRequest | SendBody): Promise<SavedRequest> {
    return this.json('PUT', `/saved-requests/${id}`, { name, request });
  }

  deleteSavedRequest(id: number): Promise<void> {
    return this.empty('DELETE', `/saved-requests/${id}`);
  }

  /** Requests to start from (HighLevel's Webhook actions and trigger…). */
  async listPresets(signal?: AbortSignal): Promise<Preset[]> {
    return (await this.json<PresetList>('GET', '/presets', undefined, signal)).items;
  }

  // ---- export, HAR import ----------------------------------------------------------

  /** Link of an export (`GET /export`): the file, with Content-Disposition. */
  exportUrl(q: ExportQuery): string {
    return this.url(`/export${exportParams(q)}`);
  }

  /** Fetches an export: the file's bytes and the name the engine gives it. */
  async exportFile(q: ExportQuery, signal?: AbortSignal): Promise<{ blob: Blob; filename: string }> {
    const res = await this.send('GET', `/export${exportParams(q)}`, undefined, signal);
    const blob = await res.blob();
    const fallback = `hookbench-${q.what ?? 'captures'}.${q.format === 'ndjson' ? 'ndjson' : q.format === 'json' ? 'json' : 'har'}`;
    return { blob, filename: filenameOf(res.headers.get('Content-Disposition')) ?? fallback };
  }

  /** Each request of a HAR file (its text) becomes a capture of endpoint `endpointId`. */
  async importHar(endpointId: number, har: string): Promise<ImportResult> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url(`/import/har${qs({ endpoint: endpointId })}`), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: har,
      });
    } catch {
      throw new ApiError(0, 'network', 'Cannot reach Hookbench. Is it still running?');
    }
    if (!res.ok) throw await errorFromResponse(res);
    try {
      return JSON.parse(await res.text()) as ImportResult;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The engine sent an answer that is not JSON (POST /import/har)');
    }
  }

  eventsUrl(): string {
    return this.url('/events');
  }
}

/** The query of `GET /export`. */
function exportParams(q: ExportQuery): string {
  return qs({
    what: q.what,
    format: q.format,
    endpoint: q.endpoint,
    q: q.q?.trim() || undefined,
    ids: q.ids?.length ? q.ids.join(',') : undefined,
    kind: q.kind,
    capture_id: q.capture_id,
    batch_id: q.batch_id,
    limit: q.limit,
    redact: q.redact ? 'true' : undefined,
    redact_paths: q.redact_paths?.length ? q.redact_paths.join(',') : undefined,
  });
}

/** The file name of a `Content-Disposition: attachment; filename="…"` (null when none). */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // Fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(disposition);
  const name = (plain?.[2] ?? plain?.[1] ?? '').trim();
  // Only a base name: never a path.
  const base = name.split(/[\\/]/).pop() ?? '';
  return base || null;
}

/** `?a=1&b=x` from the defined values ('' when none). */
function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
