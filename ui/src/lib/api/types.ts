// Types of the Hookbench control API (v1), as the UI uses them.
//
// The shapes the engine sends are generated from its Rust types (ts-rs) into
// `bindings.ts` (never edit that file: `cargo test` checks it, and
// `UPDATE_BINDINGS=1 cargo test` rewrites it). This module re-exports them so
// the rest of the UI imports from one place, and adds the few client-side
// types the engine does not define (query parameters, the event map).

import type { CaptureAnalysis, SummaryAnalysis } from './analysis';
import type {
  Capture as BaseCapture,
  CapturePage as BaseCapturePage,
  CaptureSummary as BaseCaptureSummary,
  Endpoint,
  ListenerStatus,
  PatchCapture,
} from './bindings';

export type {
  BadQuery,
  BodyDiff,
  BodyDiffKind,
  CaptureAnalysis,
  CaptureRef,
  Change,
  ChangeArea,
  ChangeKind,
  Deliveries,
  Delivery,
  DeliverySource,
  Dialect,
  DiffResult,
  EventIdConfig,
  EventIdKind,
  EventIdPreset,
  EventIdSource,
  FieldStat,
  FieldTable,
  LineOp,
  LineOpKind,
  Mapping,
  MappingCheck,
  MappingExport,
  MappingPreview,
  MappingReference,
  MappingRule,
  NewSavedFilter,
  PreviewValue,
  RefField,
  RefFieldType,
  SavedFilter,
  SavedFilterList,
  SetReference,
  SummaryAnalysis,
  Transform,
  TypeChange,
} from './analysis';

/** A list row: the engine's, with what issue 4 adds (optional: an older engine leaves it out). */
export type CaptureSummary = BaseCaptureSummary & SummaryAnalysis;
/** A capture's detail, with the mapping check, event id, duplicate and dialect. */
export type Capture = BaseCapture & CaptureAnalysis;
export type CapturePage = Omit<BaseCapturePage, 'items'> & { items: CaptureSummary[] };

export type {
  BodyKind,
  CreateEndpoint,
  Decoded,
  Endpoint,
  EndpointList,
  ErrorBody,
  ErrorDetail,
  Event,
  FormField,
  Header,
  HeaderSource,
  Info,
  JsonValue,
  ListenerChange,
  ListenerState,
  ListenerStatus,
  Part,
  PatchCapture,
  PatchEndpoint,
  Preferences,
  PreferencesPatch,
  Retention,
  SentResponse,
  Settings,
  Theme,
  WindowGeometry,
} from './bindings';

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
