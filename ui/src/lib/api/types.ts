// Types of the Hookbench control API (v1), as the UI uses them.
//
// The shapes the engine sends are generated from its Rust types (ts-rs) into
// `bindings.ts` (never edit that file: `cargo test` checks it, and
// `UPDATE_BINDINGS=1 cargo test` rewrites it). This module re-exports them so
// the rest of the UI imports from one place, and adds the few client-side
// types the engine does not define (string unions it leaves open, the body of
// a bad query, query parameters, the event map).

import type {
  BulkJob,
  Format,
  BulkRequest,
  CaptureSummary,
  Endpoint,
  ForwardConfig,
  ListenerStatus,
  PatchCapture,
  ReplayRequest,
  SendKind,
  SendOptions,
  SendRequest,
  SendSummary,
} from './bindings';

export type {
  ApiKeyIn,
  Auth,
  BodyDiff,
  BodyDiffKind,
  BodyKind,
  BodyType,
  BulkItem,
  BulkItemList,
  BulkJob,
  BulkJobList,
  BulkRequest,
  BulkStatus,
  Capture,
  CapturePage,
  CaptureRef,
  CaptureSummary,
  Change,
  ChangeArea,
  ChangeKind,
  ClientAuth,
  CreateEndpoint,
  CurlCommand,
  CurlExport,
  CurlImport,
  Decoded,
  Deliveries,
  Delivery,
  Diagnostic,
  Dialect,
  DiffResult,
  Endpoint,
  EndpointList,
  Environment,
  EnvironmentInput,
  EnvironmentList,
  ErrorBody,
  ErrorDetail,
  Event,
  EventIdConfig,
  EventIdKind,
  EventIdPreset,
  EventIdSource,
  FieldDiagnostic,
  FieldStat,
  FieldTable,
  FilePart,
  Format,
  FormField,
  ForwardConfig,
  Header,
  HeaderSource,
  ImportResult,
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
  MergeTagInfo,
  MergeTags,
  Mode,
  NameValue,
  NewSavedFilter,
  OAuthGrant,
  Part,
  PatchCapture,
  PatchEndpoint,
  Preferences,
  PreferencesPatch,
  Preset,
  PresetList,
  PreviewValue,
  ReceivedResponse,
  Redirect,
  RateLimit,
  RefField,
  RenderRequest,
  Rendered,
  ReplayOverrides,
  ReplayRequest,
  Retention,
  SavedFilter,
  SavedFilterList,
  SavedRequest,
  SavedRequestInput,
  SavedRequestList,
  SaveStep,
  SendKind,
  SendOptions,
  SendPage,
  SendRequest,
  SendSummary,
  SentRequest,
  SentResponse,
  SetReference,
  Settings,
  Severity,
  Step,
  StepList,
  StoredSend,
  TemplateContext,
  Theme,
  Transform,
  TypeChange,
  Variable,
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

/**
 * Send options as the UI writes them: the timeout as a plain number of
 * milliseconds (the engine's u64 may be generated as `bigint`, which
 * JSON.stringify cannot write).
 */
export type SendOptionsBody = Omit<SendOptions, 'timeout_ms'> & { timeout_ms?: number };

/** Body of `POST /api/v1/requests/send`. */
export type SendBody = Omit<SendRequest, 'options'> & { options?: SendOptionsBody };

/** Body of `POST /api/v1/captures/{id}/replay`. */
export type ReplayBody = Omit<ReplayRequest, 'options'> & { options?: SendOptionsBody };

/** Body of `POST /api/v1/replays` (timeouts as plain numbers, as in `SendBody`). */
export type BulkBody = Omit<BulkRequest, 'options'> & { options?: SendOptionsBody };

/** Body of `PUT /api/v1/endpoints/{id}/forward`. */
export type ForwardBody = Omit<ForwardConfig, 'options'> & { options?: SendOptionsBody };

/** The `state` filter of a bulk replay's items. */
export type BulkItemState = 'pending' | 'ok' | 'failed';

/** The `status` filter of the execution log: a code (`200`), a class (`4xx`) or `error` (no response). */
export type SendStatusFilter = string;

/** Parameters of `GET /api/v1/requests`. */
export interface SendQuery {
  q?: string;
  kind?: SendKind;
  capture_id?: number;
  /** Only the attempts of this bulk replay. */
  batch_id?: number;
  status?: SendStatusFilter;
  /** 1 to 500. */
  limit?: number;
  cursor?: string;
}

/** Parameters of `GET /api/v1/export`. */
export interface ExportQuery {
  /** Default `captures`. */
  what?: 'captures' | 'sends' | 'all';
  /** Default `har`. */
  format?: Format;
  /** Captures: only this endpoint's. */
  endpoint?: number;
  /** Captures: a search (the list's syntax). Sends: text anywhere. */
  q?: string;
  /** Captures: these ids. */
  ids?: number[];
  /** Sends: only this kind. */
  kind?: SendKind;
  capture_id?: number;
  batch_id?: number;
  /** At most this many of each, the newest (default 1,000, at most 100,000). */
  limit?: number;
  /** Mask Authorization, cookies, API keys, signatures and secret-looking query parameters. */
  redact?: boolean;
  /** Body paths to mask (`customer.email`). */
  redact_paths?: string[];
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
  'send.created': SendSummary;
  'replay.progress': BulkJob;
  lagged: unknown;
}

export type EventName = keyof EventMap;
