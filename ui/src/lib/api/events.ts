// The live event stream (server-sent events). EventSource reconnects by
// itself; the handlers learn about it through `onStatus`.

import type { EventMap, EventName } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export type EventHandlers = { [K in EventName]?: (data: EventMap[K]) => void } & {
  onStatus?: (status: LiveStatus) => void;
};

export const EVENT_NAMES: EventName[] = [
  'ready',
  'capture.created',
  'capture.updated',
  'capture.deleted',
  'endpoint.created',
  'endpoint.updated',
  'endpoint.deleted',
  'listener.changed',
  'send.created',
  'replay.progress',
  'lagged',
];

type EventSourceCtor = new (url: string, init?: EventSourceInit) => EventSource;

/** Parses an event's data; `null` when it is not JSON (ready/lagged may carry none). */
export function parseEventData(raw: string): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export function connectEvents(
  url: string,
  handlers: EventHandlers,
  Impl: EventSourceCtor = EventSource,
): { close(): void } {
  const source = new Impl(url, { withCredentials: true });
  handlers.onStatus?.('connecting');
  source.onopen = () => handlers.onStatus?.('live');
  source.onerror = () => handlers.onStatus?.('reconnecting');
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (ev) => {
      const handler = handlers[name] as ((d: unknown) => void) | undefined;
      if (!handler) return;
      const data = parseEventData((ev as MessageEvent<string>).data);
      if (data === null && name !== 'ready' && name !== 'lagged') return;
      handler(data);
    });
  }
  return { close: () => source.close() };
}
