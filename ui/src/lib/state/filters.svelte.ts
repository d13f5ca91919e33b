import type { ApiClient } from '../api/client';
import type { SavedFilter } from '../api/types';

/** The saved filters (named queries) of the selected endpoint. */
export class FiltersState {
  endpointId = $state<number | null>(null);
  items = $state.raw<SavedFilter[]>([]);
  error = $state<string | null>(null);

  private generation = 0;

  constructor(private readonly api: ApiClient) {}

  async load(endpointId: number | null): Promise<void> {
    const gen = ++this.generation;
    this.endpointId = endpointId;
    this.error = null;
    if (endpointId === null) {
      this.items = [];
      return;
    }
    try {
      const items = await this.api.listFilters(endpointId);
      if (gen === this.generation) this.items = items;
    } catch (e) {
      if (gen !== this.generation) return;
      this.items = [];
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Saves `query` as `name`; rejects with the engine's reason (a query it cannot parse…). */
  async save(name: string, query: string): Promise<SavedFilter> {
    const id = this.endpointId;
    if (id === null) throw new Error('No endpoint is selected');
    const f = await this.api.createFilter(id, { name: name.trim(), query: query.trim() });
    if (this.endpointId === id) this.items = [...this.items.filter((x) => x.id !== f.id), f];
    return f;
  }

  async remove(filterId: number): Promise<void> {
    const id = this.endpointId;
    if (id === null) return;
    await this.api.deleteFilter(id, filterId);
    this.items = this.items.filter((x) => x.id !== filterId);
  }
}
