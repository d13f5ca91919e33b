// The typed client of the control API. The only module (with events.ts) that
// talks HTTP: same origin, the session cookie does the authentication.

import type {
  Capture,
  CapturePage,
  CapturePatch,
  CaptureQuery,
  CaptureSummary,
  Endpoint,
  EndpointList,
  Info,
  ListenerChange,
  ListenerStatus,
} from './types';

/** An error the UI can show as it is: `message` is always readable. */
export class ApiError extends Error {
  /** HTTP status; 0 when the engine could not be reached at all. */
  readonly status: number;
  /** The engine's error code (`not_found`, `conflict`…), or `network` / `bad_response`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
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
      const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (err && typeof err.message === 'string' && err.message) {
        return new ApiError(res.status, typeof err.code === 'string' ? err.code : 'error', err.message);
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

  private async empty(method: string, path: string): Promise<void> {
    await this.send(method, path);
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

  eventsUrl(): string {
    return this.url('/events');
  }
}
