// A fake engine for component tests: the control API as a fetch function over
// a little in-memory state, a fake EventSource to push live events, and a fake
// platform. Every request is recorded.

import { flushSync, mount, unmount } from 'svelte';
import { vi } from 'vitest';
import App from '../App.svelte';
import { ApiClient } from '../lib/api/client';
import type { Endpoint, EventMap, EventName, ListenerStatus, Preferences, PreferencesPatch } from '../lib/api/types';
import { DEFAULT_PREFERENCES, type Platform } from '../lib/platform';
import { AppState } from '../lib/state/app.svelte';

export function endpoint(id: number, name: string, port = 8787, over: Partial<Endpoint> = {}): Endpoint {
  return {
    id,
    name,
    slug: `slug${id}`,
    url: id === 1 ? `http://127.0.0.1:${port}/` : `http://127.0.0.1:${port}/h/slug${id}`,
    is_default: id === 1,
    created_at: id,
    updated_at: id,
    capture_count: 0,
    last_capture_at: null,
    forward: null,
    ...over,
  };
}

export function listening(port = 8787, over: Partial<ListenerStatus> = {}): ListenerStatus {
  return {
    state: 'listening',
    addr: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    error: null,
    suggested_addr: null,
    max_body: 25 * 1024 * 1024,
    paused: over.state === 'paused',
    ...over,
  };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Reply = { status: number; body?: unknown };
/** Answers a request instead of the fake (return undefined to let it answer). */
export type Override = (call: Call) => Reply | undefined;

export class FakeEngine {
  listener: ListenerStatus;
  endpoints: Endpoint[];
  calls: Call[] = [];
  overrides: Override[] = [];

  constructor(opts: { listener?: ListenerStatus; endpoints?: Endpoint[] } = {}) {
    this.listener = opts.listener ?? listening();
    this.endpoints = opts.endpoints ?? [endpoint(1, 'Default'), endpoint(2, 'Stripe'), endpoint(3, 'GitHub')];
  }

  private port(): number {
    return Number(this.listener.addr.split(':').pop());
  }

  fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(url, 'http://127.0.0.1:8788');
    const method = init?.method ?? 'GET';
    const path = u.pathname.replace(/^\/api\/v1/, '') + u.search;
    const call: Call = { method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined };
    this.calls.push(call);
    for (const o of this.overrides) {
      const r = o(call);
      if (r) return json(r.status, r.body);
    }
    const p = u.pathname.replace(/^\/api\/v1/, '');
    if (method === 'GET' && p === '/info') {
      return json(200, {
        version: '0.1.0',
        capture_url: this.listener.url ?? `http://${this.listener.addr}`,
        api_url: 'http://127.0.0.1:8788',
        data_dir: '/tmp/x',
        default_endpoint_id: 1,
        listener: this.listener,
      });
    }
    if (method === 'GET' && p === '/endpoints') return json(200, { items: this.endpoints });
    if (method === 'GET' && p === '/captures') return json(200, { items: [], next_cursor: null });
    if (method === 'GET' && p === '/listener') return json(200, this.listener);
    if (method === 'PUT' && p === '/listener') {
      const change = call.body as { addr?: string; paused?: boolean; max_body?: number };
      if (change.addr) {
        const port = Number(change.addr.split(':').pop());
        this.listener = { ...this.listener, state: 'listening', addr: change.addr, url: `http://${change.addr}`, error: null, suggested_addr: null };
        this.endpoints = this.endpoints.map((e) => endpoint(e.id, e.name, port));
      }
      if (change.max_body !== undefined) this.listener = { ...this.listener, max_body: change.max_body };
      if (change.paused !== undefined && this.listener.state !== 'failed') {
        this.listener = { ...this.listener, state: change.paused ? 'paused' : 'listening', paused: change.paused };
      }
      return json(200, this.listener);
    }
    const rotate = /^\/endpoints\/(\d+)\/rotate$/.exec(p);
    if (method === 'POST' && rotate) {
      const id = Number(rotate[1]);
      const e = { ...this.endpoints.find((x) => x.id === id)!, slug: 'rotated', url: `http://127.0.0.1:${this.port()}/h/rotated` };
      this.endpoints = this.endpoints.map((x) => (x.id === id ? e : x));
      return json(200, e);
    }
    const del = /^\/endpoints\/(\d+)$/.exec(p);
    if (method === 'DELETE' && del) {
      this.endpoints = this.endpoints.filter((x) => x.id !== Number(del[1]));
      return new Response(null, { status: 204 });
    }
    return json(404, { error: { code: 'not_found', message: `no route ${method} ${p}` } });
  };

  /** The requests made so far with this method and path (path without query). */
  made(method: string, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path.split('?')[0] === path);
  }
}

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/** Stands in for EventSource; `FakeEventSource.emit` pushes a live event. */
export class FakeEventSource {
  static last: FakeEventSource | null = null;
  listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, fn: (ev: MessageEvent) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  close() {}
  static emit<K extends EventName>(name: K, data: EventMap[K]) {
    for (const fn of FakeEventSource.last?.listeners.get(name) ?? []) fn(new MessageEvent(name, { data: JSON.stringify(data) }));
  }
}

/** A platform that keeps preferences in memory and records what it was asked. */
export class FakePlatform implements Platform {
  prefs: Preferences;
  updates: PreferencesPatch[] = [];
  copied: string[] = [];
  failUpdate: string | null = null;

  constructor(
    readonly isDesktop = false,
    prefs: Partial<Preferences> = {},
  ) {
    this.prefs = { ...DEFAULT_PREFERENCES, ...prefs };
  }

  async getPreferences(): Promise<Preferences> {
    return this.prefs;
  }

  async updatePreferences(patch: PreferencesPatch): Promise<Preferences> {
    this.updates.push(patch);
    if (this.failUpdate) throw new Error(this.failUpdate);
    this.prefs = { ...this.prefs, ...(patch as Partial<Preferences>) };
    return this.prefs;
  }

  async copyText(text: string): Promise<boolean> {
    this.copied.push(text);
    return true;
  }

  saved: { filename: string; url: string; text: string }[] = [];

  async saveFile(file: { blob: Blob; filename: string }, url: string): Promise<string> {
    this.saved.push({ filename: file.filename, url, text: await file.blob.text() });
    return `Downloaded ${file.filename}`;
  }
}

export interface Rendered {
  app: AppState;
  engine: FakeEngine;
  el: HTMLElement;
  byTest(id: string): HTMLElement | null;
  all(id: string): HTMLElement[];
  destroy(): void;
}

/** Mounts the whole App over a fake engine and waits until it is ready. */
export async function renderApp(engine: FakeEngine, platform: Platform = new FakePlatform()): Promise<Rendered> {
  vi.stubGlobal('EventSource', FakeEventSource);
  const app = new AppState(new ApiClient('', engine.fetch), platform);
  const el = document.createElement('div');
  document.body.appendChild(el);
  const component = mount(App, { target: el, props: { app } });
  await vi.waitFor(() => {
    if (app.phase !== 'ready' || app.endpoints.selectedId === null) throw new Error(`phase ${app.phase}`);
  });
  await settle();
  return {
    app,
    engine,
    el,
    byTest: (id) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`),
    all: (id) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)),
    destroy: () => {
      unmount(component);
      el.remove();
      vi.unstubAllGlobals();
    },
  };
}

/** Lets pending promises and effects run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
  }
}

/** Types into an input the way a person does (bind:value listens to `input`). */
export function type(input: HTMLElement | null, value: string): void {
  if (!(input instanceof HTMLInputElement)) throw new Error('not an input');
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

export function click(el: HTMLElement | null): void {
  if (!el) throw new Error('nothing to click');
  el.click();
  flushSync();
}

export function press(key: string, target: Element | null = document.activeElement): void {
  (target ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  flushSync();
}
