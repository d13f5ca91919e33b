import type { ApiClient } from '../api/client';
import type { Endpoint } from '../api/types';

/** Default first, then oldest first (the order they were made). */
export function sortEndpoints(items: Endpoint[]): Endpoint[] {
  return [...items].sort((a, b) => Number(b.is_default) - Number(a.is_default) || a.created_at - b.created_at || a.id - b.id);
}

export class EndpointsState {
  items = $state.raw<Endpoint[]>([]);
  selectedId = $state<number | null>(null);
  loaded = $state(false);

  selected = $derived(this.items.find((e) => e.id === this.selectedId) ?? null);

  constructor(private readonly api: ApiClient) {}

  async load(): Promise<void> {
    this.items = sortEndpoints(await this.api.listEndpoints());
    this.loaded = true;
  }

  async create(name: string): Promise<Endpoint> {
    const e = await this.api.createEndpoint(name);
    this.upsert(e);
    return e;
  }

  async rename(id: number, name: string): Promise<void> {
    this.upsert(await this.api.renameEndpoint(id, name));
  }

  async rotate(id: number): Promise<Endpoint> {
    const e = await this.api.rotateEndpoint(id);
    this.upsert(e);
    return e;
  }

  async remove(id: number): Promise<void> {
    await this.api.deleteEndpoint(id);
    this.removeLocal(id);
  }

  upsert(e: Endpoint): void {
    const i = this.items.findIndex((x) => x.id === e.id);
    if (i < 0) this.items = sortEndpoints([...this.items, e]);
    else this.items = this.items.map((x) => (x.id === e.id ? e : x));
  }

  removeLocal(id: number): void {
    this.items = this.items.filter((x) => x.id !== id);
  }

  /** A capture arrived (+1) or went (-1): keep the counts live without a refetch. */
  bump(endpointId: number, delta: number, receivedAt?: number): void {
    this.items = this.items.map((x) =>
      x.id === endpointId
        ? {
            ...x,
            capture_count: Math.max(0, x.capture_count + delta),
            last_capture_at:
              receivedAt !== undefined ? Math.max(receivedAt, x.last_capture_at ?? 0) : x.last_capture_at,
          }
        : x,
    );
  }
}
