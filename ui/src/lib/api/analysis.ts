// The API shapes of issue 4 (diff, schema, mapping references, search,
// duplicates, dialects), named as the engine's Rust types so that the
// generated bindings can take their place. Written from the contract in
// docs/DESIGN.md ("Understanding payloads (issue 4): the contract").

import type { JsonValue } from './bindings';

// ---- diff -------------------------------------------------------------------

export type CaptureRef = { id: number; endpoint_id: number; method: string; path: string; received_at: number };

export type ChangeArea = 'method' | 'path' | 'query' | 'header' | 'body';
export type ChangeKind = 'added' | 'removed' | 'changed' | 'type_changed' | 'moved';

export type Change = {
  area: ChangeArea;
  /** Body: a JSON Pointer ('' is the root); query: the name; header: the lower-case name (`name#2`). */
  path: string;
  kind: ChangeKind;
  a: JsonValue | null;
  b: JsonValue | null;
  volatile: boolean;
};

export type LineOp = { op: 'equal' | 'added' | 'removed'; a_line: number | null; b_line: number | null; text: string };

export type BodyDiff = {
  kind: 'json' | 'text' | 'binary' | 'empty';
  lines: LineOp[] | null;
  a_size: number;
  b_size: number;
  a_sha256: string;
  b_sha256: string;
};

export type DiffResult = { a: CaptureRef; b: CaptureRef; changes: Change[]; body: BodyDiff; hidden_volatile: number };

// ---- schema -----------------------------------------------------------------

export type FieldStat = {
  path: string;
  tag_path: string;
  types: string[];
  count: number;
  examples: JsonValue[];
  enum: JsonValue[] | null;
  new_since: boolean;
};

export type FieldTable = { captures: number; json_captures: number; fields: FieldStat[] };

// ---- mapping references -------------------------------------------------------

export type RefFieldType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

/** `type` is one of RefFieldType. */
export type RefField = { path: string; tag: string; type: string; sample: JsonValue };

/** `capture_id` is null for a reference that was imported. */
export type MappingReference = { endpoint_id: number; capture_id: number | null; created_at: number; fields: RefField[] };

export type Transform =
  | { op: 'trim' }
  | { op: 'lower' }
  | { op: 'upper' }
  | { op: 'first_name' }
  | { op: 'last_name' }
  | { op: 'default'; value: string };

export type MappingRule = { target: string; source: string; transforms: Transform[] };

export type Mapping = { rules: MappingRule[] };

export type MappingExport = { hookbench_mapping: number; reference: RefField[]; rules: MappingRule[] };

export type PreviewValue = { target: string; source: string; value: JsonValue | null; error: string | null };

export type MappingPreview = { values: PreviewValue[] };

export type TypeChange = { path: string; expected: string; got: string };

export type MappingCheck = { missing: string[]; null: string[]; type_changed: TypeChange[]; new: string[] };

// ---- search, duplicates, dialects ------------------------------------------------

export type SavedFilter = { id: number; endpoint_id: number; name: string; query: string; created_at: number };

export type NewSavedFilter = { name: string; query: string };

export type EventIdKind = 'header' | 'json_path';

export type EventIdSource = { kind: EventIdKind; name: string };

export type EventIdPreset = { label: string; kind: EventIdKind; name: string };

export type EventIdConfig = { source: EventIdSource | null; presets: EventIdPreset[] };

export type DeliverySource = 'header' | 'json_path' | 'body_hash';

export type Delivery = { id: number; received_at: number; status: number; interval_ms: number | null };

/** `source` is one of DeliverySource. */
export type Deliveries = { event_id: string; source: string; items: Delivery[] };

export type Dialect = 'highlevel-marketplace' | 'highlevel-workflow';

/** What issue 4 adds to list rows and `capture.*` events (absent from an older engine). */
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
