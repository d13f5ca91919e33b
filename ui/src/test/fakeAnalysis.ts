// Captures and the issue 4 routes on top of the fake engine, for component
// tests of the diff, search, schema, mapping and duplicate views.

import type { Capture, CaptureSummary, DiffResult, EventIdConfig, FieldTable, MappingReference, SavedFilter } from '../lib/api/types';
import type { Call, FakeEngine } from './fakeEngine';

export function summary(id: number, over: Partial<CaptureSummary> = {}): CaptureSummary {
  return {
    id,
    endpoint_id: 1,
    received_at: 1_700_000_000_000 + id * 60_000,
    method: 'POST',
    path: `/hook/${id}`,
    query: null,
    remote_addr: '127.0.0.1:5000',
    content_type: 'application/json',
    body_size: 20,
    status: 200,
    rejected: null,
    starred: false,
    tags: [],
    mapping_issues: null,
    duplicate_of: null,
    dialect: null,
    ...over,
  };
}

export function detail(s: CaptureSummary, over: Partial<Capture> = {}): Capture {
  return {
    ...s,
    http_version: 'HTTP/1.1',
    headers: [{ name: 'Content-Type', value: 'application/json' }],
    header_source: 'wire',
    body_sha256: 'ab'.repeat(32),
    declared_length: s.body_size,
    response: { status: 200, headers: [], body: '{}' },
    note: '',
    event_id: null,
    mapping_check: null,
    decoded: {
      kind: 'json',
      content_encoding: [],
      decoded_size: null,
      truncated: false,
      json: { type: 'ContactCreate', contact: { email: 'ada@example.com' } },
      form: null,
      parts: null,
      text: '{}',
      errors: [],
    },
    ...over,
  };
}

export interface AnalysisFake {
  captures: CaptureSummary[];
  details: Map<number, Capture>;
  filters: SavedFilter[];
  reference: MappingReference | null;
  eventId: EventIdConfig;
  diff: (a: number, b: number, ignoreVolatile: boolean) => DiffResult;
  fields: (since: number | null) => FieldTable;
}

type Reply = { status: number; body?: unknown };

/** Adds captures of endpoint 1 and the issue 4 routes to `engine`. */
export function withAnalysis(engine: FakeEngine, captures: CaptureSummary[], over: Partial<AnalysisFake> = {}): AnalysisFake {
  const fake: AnalysisFake = {
    captures,
    details: new Map(captures.map((c) => [c.id, detail(c)])),
    filters: [],
    reference: null,
    eventId: {
      source: null,
      presets: [
        { label: 'Standard Webhooks', kind: 'header', name: 'webhook-id' },
        { label: 'HighLevel webhookId', kind: 'json_path', name: '/webhookId' },
      ],
    },
    diff: () => {
      throw new Error('no diff');
    },
    fields: () => ({ captures: 0, json_captures: 0, fields: [] }),
    ...over,
  };
  let filterSeq = 100;
  engine.overrides.push((call: Call): Reply | undefined => {
    const u = new URL(call.path, 'http://x');
    const p = u.pathname;
    const q = u.searchParams;
    if (call.method === 'GET' && p === '/captures') {
      const query = q.get('q') ?? '';
      if (query.includes('(')) {
        const at = new TextEncoder().encode(query.slice(0, query.indexOf('('))).length;
        return { status: 400, body: { error: { code: 'bad_query', message: 'unclosed parenthesis', position: at, length: 1 } } };
      }
      const items = fake.captures.filter((c) => !query || JSON.stringify(fake.details.get(c.id)?.decoded.json ?? '').includes(query.split(':').pop() ?? ''));
      return { status: 200, body: { items: [...items].sort((a, b) => b.id - a.id), next_cursor: null } };
    }
    const one = /^\/captures\/(\d+)$/.exec(p);
    if (call.method === 'GET' && one) {
      const d = fake.details.get(Number(one[1]));
      return d ? { status: 200, body: d } : { status: 404, body: { error: { code: 'not_found', message: 'no capture' } } };
    }
    const dl = /^\/captures\/(\d+)\/deliveries$/.exec(p);
    if (call.method === 'GET' && dl) {
      const id = Number(dl[1]);
      const first = fake.captures.find((c) => c.id === id)?.duplicate_of ?? id;
      const group = fake.captures.filter((c) => c.id === first || c.duplicate_of === first).sort((a, b) => a.id - b.id);
      return {
        status: 200,
        body: {
          event_id: 'msg_1',
          source: 'header',
          items: group.map((c, i) => ({
            id: c.id,
            received_at: c.received_at,
            status: c.status,
            interval_ms: i === 0 ? null : c.received_at - group[i - 1].received_at,
          })),
        },
      };
    }
    if (call.method === 'GET' && p === '/diff') {
      return { status: 200, body: fake.diff(Number(q.get('a')), Number(q.get('b')), q.get('ignore_volatile') === 'true') };
    }
    if (call.method === 'GET' && p === '/endpoints/1/fields') {
      return { status: 200, body: fake.fields(q.has('since') ? Number(q.get('since')) : null) };
    }
    if (p === '/endpoints/1/filters') {
      if (call.method === 'GET') return { status: 200, body: { items: fake.filters } };
      const b = call.body as { name: string; query: string };
      if (b.query.includes('(')) return { status: 400, body: { error: { code: 'bad_query', message: 'unclosed parenthesis', position: 0, length: 1 } } };
      const f = { id: ++filterSeq, endpoint_id: 1, name: b.name, query: b.query, created_at: 1 };
      fake.filters = [...fake.filters, f];
      return { status: 201, body: f };
    }
    const fdel = /^\/endpoints\/1\/filters\/(\d+)$/.exec(p);
    if (call.method === 'DELETE' && fdel) {
      fake.filters = fake.filters.filter((f) => f.id !== Number(fdel[1]));
      return { status: 204 };
    }
    if (p === '/endpoints/1/mapping-reference') {
      if (call.method === 'GET') {
        return fake.reference ? { status: 200, body: fake.reference } : { status: 404, body: { error: { code: 'not_found', message: 'none' } } };
      }
      if (call.method === 'PUT') {
        const id = (call.body as { capture_id: number }).capture_id;
        fake.reference = {
          endpoint_id: 1,
          capture_id: id,
          created_at: 1_700_000_000_000,
          fields: [
            { path: 'type', tag: '{{inboundWebhookRequest.type}}', type: 'string', sample: 'ContactCreate' },
            { path: 'contact.email', tag: '{{inboundWebhookRequest.contact.email}}', type: 'string', sample: 'ada@example.com' },
          ],
        };
        return { status: 200, body: fake.reference };
      }
      fake.reference = null;
      return { status: 204 };
    }
    if (call.method === 'GET' && p === '/endpoints/1/mapping') return { status: 200, body: { rules: [] } };
    if (p === '/endpoints/1/event-id') {
      if (call.method === 'PUT') fake.eventId = { ...fake.eventId, source: (call.body as EventIdConfig).source };
      return { status: 200, body: fake.eventId };
    }
    return undefined;
  });
  return fake;
}
