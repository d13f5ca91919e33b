import { ApiError, type ApiClient } from '../api/client';
import type { FieldTable } from '../api/types';

/**
 * How many of the newest captures the schema is made from: the most the engine
 * takes (its default is fewer). The view says so when an endpoint has more.
 */
export const SCHEMA_CAPTURES = 1000;

/** The field table of one endpoint, optionally marking the fields new since a capture. */
export class SchemaState {
  endpointId = $state<number | null>(null);
  /** The search the table was made from ('' for every capture). */
  query = $state('');
  /** Fields not seen in this capture or any before it are marked new. */
  since = $state<number | null>(null);
  table = $state.raw<FieldTable | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  private abort: AbortController | null = null;

  constructor(private readonly api: ApiClient) {}

  async load(endpointId: number, query = '', since: number | null = null): Promise<void> {
    this.abort?.abort();
    const ctrl = new AbortController();
    this.abort = ctrl;
    if (endpointId !== this.endpointId) this.table = null;
    this.endpointId = endpointId;
    this.query = query;
    this.since = since;
    this.loading = true;
    this.error = null;
    try {
      const t = await this.api.fields(endpointId, { q: query.trim() || undefined, since: since ?? undefined, limit: SCHEMA_CAPTURES }, ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.table = t;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.table = null;
      this.error = e instanceof ApiError ? e.message : String(e);
    } finally {
      if (!ctrl.signal.aborted) this.loading = false;
    }
  }

  async setSince(since: number | null): Promise<void> {
    if (this.endpointId !== null) await this.load(this.endpointId, this.query, since);
  }

  /** How many fields are new since the chosen capture. */
  newCount = $derived(this.table ? this.table.fields.filter((f) => f.new_since).length : 0);
}
