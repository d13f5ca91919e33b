import { describe, expect, it, vi } from 'vitest';
import { connectEvents, parseEventData } from './events';

class FakeEventSource {
  static last: FakeEventSource;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(
    public url: string,
    public init?: EventSourceInit,
  ) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, fn: (ev: MessageEvent) => void) {
    this.listeners.set(name, fn);
  }
  emit(name: string, data: string) {
    this.listeners.get(name)?.(new MessageEvent(name, { data }));
  }
  close() {
    this.closed = true;
  }
}

describe('connectEvents', () => {
  it('dispatches typed events and reports the connection state', () => {
    const created = vi.fn();
    const deleted = vi.fn();
    const status = vi.fn();
    const lagged = vi.fn();
    const conn = connectEvents(
      '/api/v1/events',
      { 'capture.created': created, 'endpoint.deleted': deleted, onStatus: status, lagged },
      FakeEventSource as unknown as typeof EventSource,
    );
    const es = FakeEventSource.last;
    expect(es.url).toBe('/api/v1/events');
    expect(status).toHaveBeenLastCalledWith('connecting');
    es.onopen?.();
    expect(status).toHaveBeenLastCalledWith('live');
    es.emit('capture.created', '{"id":9,"endpoint_id":2}');
    expect(created).toHaveBeenCalledWith({ id: 9, endpoint_id: 2 });
    es.emit('endpoint.deleted', '{"id":2}');
    expect(deleted).toHaveBeenCalledWith({ id: 2 });
    es.emit('capture.created', 'not json');
    expect(created).toHaveBeenCalledTimes(1);
    es.emit('lagged', '');
    expect(lagged).toHaveBeenCalledWith(null);
    es.onerror?.();
    expect(status).toHaveBeenLastCalledWith('reconnecting');
    conn.close();
    expect(es.closed).toBe(true);
  });

  it('parseEventData tolerates empty and bad data', () => {
    expect(parseEventData('')).toBeNull();
    expect(parseEventData('{')).toBeNull();
    expect(parseEventData('{"a":1}')).toEqual({ a: 1 });
  });
});
