// The API shapes of issue 4 (diff, schema, mapping references, search,
// duplicates, dialects). The engine's types are generated into `bindings.ts`
// and re-exported here; this module adds the UI's names for their string
// unions and what the UI reads from error bodies.

export type {
  BodyDiff,
  BodyDiffKind,
  CaptureRef,
  Change,
  ChangeArea,
  ChangeKind,
  Deliveries,
  Delivery,
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
  SavedFilter,
  SavedFilterList,
  SetReference,
  Transform,
  TypeChange,
} from './bindings';

import type { Dialect, MappingCheck } from './bindings';

/** The values of `RefField.type`. */
export type RefFieldType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

/** The values of `Deliveries.source`. */
export type DeliverySource = 'header' | 'json_path' | 'body_hash';

/** What issue 4 adds to list rows and `capture.*` events (optional: an older engine leaves it out). */
export type SummaryAnalysis = {
  mapping_issues?: number | null;
  duplicate_of?: number | null;
  dialect?: Dialect | null;
};

/** What issue 4 adds to the capture detail. */
export type CaptureAnalysis = SummaryAnalysis & {
  mapping_check?: MappingCheck | null;
  event_id?: string | null;
};

/** The `error` of a 400 `bad_query`: where in `q` the bad token is (UTF-8 bytes). */
export type BadQuery = { code: 'bad_query'; message: string; position: number; length: number };
