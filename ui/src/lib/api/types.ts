// Types of the Hookbench control API (v1), as the UI uses them.
//
// The shapes the engine sends are generated from its Rust types (ts-rs) into
// `bindings.ts` (never edit that file: `cargo test` checks it, and
// `UPDATE_BINDINGS=1 cargo test` rewrites it). This module re-exports them so
// the rest of the UI imports from one place, and adds the few client-side
// types the engine does not define (string unions it leaves open, the body of
// a bad query, query parameters, the event map).

import type { CaptureSummary, Endpoint, ListenerStatus, PatchCapture } from './bindings';

export type {
  BodyDiff,
  BodyDiffKind,
  BodyKind,
  Capture,
  CapturePage,
  CaptureRef,
  CaptureSummary,
  Change,
  ChangeArea,
  ChangeKind,
  CreateEndpoint,
  Decoded,
  Deliveries,
  Delivery,
  Dialect,
  DiffResult,
  Endpoint,
  EndpointList,
  ErrorBody,
  ErrorDetail,
  Event,
  EventIdConfig,
  EventIdKind,
  EventIdPreset,
  EventIdSource,
  FieldStat,
  FieldTable,
  FormField,
  Header,
  HeaderSource,
  Info,
  JsonValue,
  LineOp,
  LineOpKind,
  ListenerChange,
  ListenerState,
  ListenerStatus,
  Mapping,
  MappingCheck,
  MappingExport,
  MappingPreview,
  MappingReference,
  MappingRule,
  NewSavedFilter,
  Part,
  PatchCapture,
  PatchEndpoint,
  Preferences,
  PreferencesPatch,
  PreviewValue,
  RefField,
  Retention,
  SavedFilter,
  SavedFilterList,
  SentResponse,
  SetReference,
  Settings,
  Theme,
  Transform,
  TypeChange,
  WindowGeometry,
} from './bindings';

/** The values of `RefField.type`. */
export type RefFieldType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

/** The values of `Deliveries.source`. */
export type DeliverySource = 'header' | 'json_path' | 'body_hash';

/** The `error` of a 400 `bad_query`: where in `q` the bad token is (UTF-8 bytes). */
export type BadQuery = { code: 'bad_query'; message: string; position: number; length: number };

/** Body of `PATCH /api/v1/captures/{id}`. */
export type CapturePatch = PatchCapture;

/** Parameters of `GET /api/v1/captures`. */
export interface CaptureQuery {
  endpoint?: number;
  q?: string;
  /** At most 500. */
  limit?: number;
  cursor?: string;
}

/** Server-sent events of `GET /api/v1/events`, by name, with their data. */
export interface EventMap {
  ready: unknown;
  'capture.created': CaptureSummary;
  'capture.updated': CaptureSummary;
  'capture.deleted': { id: number; endpoint_id: number };
  'endpoint.created': Endpoint;
  'endpoint.updated': Endpoint;
  'endpoint.deleted': { id: number };
  'listener.changed': ListenerStatus;
  lagged: unknown;
}

export type EventName = keyof EventMap;
