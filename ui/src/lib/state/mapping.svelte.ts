import { ApiError, type ApiClient } from '../api/client';
import type { Mapping, MappingPreview, MappingReference, MappingRule, Transform } from '../api/types';

export type TransformOp = Transform['op'];

export const TRANSFORM_OPS: { op: TransformOp; label: string }[] = [
  { op: 'trim', label: 'trim' },
  { op: 'lower', label: 'lower case' },
  { op: 'upper', label: 'upper case' },
  { op: 'first_name', label: 'first name' },
  { op: 'last_name', label: 'last name' },
  { op: 'default', label: 'default value' },
];

/** A rule being edited (`key` keeps rows apart in the view). */
export interface RuleDraft {
  key: number;
  target: string;
  source: string;
  transforms: Transform[];
}

/** The rules as the engine takes them: blank rows dropped, text trimmed. */
export function toMapping(rows: RuleDraft[]): Mapping {
  return {
    rules: rows
      .filter((r) => r.target.trim() || r.source.trim())
      .map((r) => ({
        target: r.target.trim(),
        source: r.source.trim(),
        transforms: r.transforms.map((t) => (t.op === 'default' ? { op: 'default', value: t.value } : { op: t.op })),
      })),
  };
}

/** Why the rules cannot be saved as they are, or null. */
export function validateRules(rows: RuleDraft[]): string | null {
  for (const [i, r] of rows.entries()) {
    const t = r.target.trim();
    const s = r.source.trim();
    if (!t && !s) continue;
    if (!t) return `Rule ${i + 1} has no target field`;
    if (!s) return `Rule ${i + 1} (${t}) has no source field`;
  }
  const targets = rows.map((r) => r.target.trim()).filter(Boolean);
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  if (twice) return `The target ${twice} is mapped twice`;
  return null;
}

function transform(op: TransformOp, value = ''): Transform {
  return op === 'default' ? { op, value } : { op };
}

/**
 * An endpoint's mapping: its reference (the capture whose fields senders are
 * expected to send), the field-mapping rules being edited, and a preview of
 * the rules against a capture.
 */
export class MappingState {
  endpointId = $state<number | null>(null);
  reference = $state.raw<MappingReference | null>(null);
  rows = $state<RuleDraft[]>([]);
  /** The rows differ from what the engine has. */
  dirty = $state(false);
  loading = $state(false);
  loaded = $state(false);
  saving = $state(false);
  error = $state<string | null>(null);
  preview = $state.raw<MappingPreview | null>(null);
  previewFor = $state<number | null>(null);

  private seq = 0;
  private generation = 0;

  constructor(private readonly api: ApiClient) {}

  /** Loads the endpoint's reference and rules (again, when `force`). */
  async load(endpointId: number, force = false): Promise<void> {
    if (!force && this.endpointId === endpointId && (this.loaded || this.loading)) return;
    const gen = ++this.generation;
    this.endpointId = endpointId;
    this.loading = true;
    this.loaded = false;
    this.error = null;
    this.preview = null;
    this.previewFor = null;
    try {
      const [reference, mapping] = await Promise.all([
        this.api.getMappingReference(endpointId),
        this.api.getMapping(endpointId).catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return { rules: [] } as Mapping;
          throw e;
        }),
      ]);
      if (gen !== this.generation) return;
      this.reference = reference;
      this.setRules(mapping.rules);
      this.loaded = true;
    } catch (e) {
      if (gen !== this.generation) return;
      this.reference = null;
      this.rows = [];
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  private setRules(rules: MappingRule[]): void {
    this.rows = rules.map((r) => ({ key: ++this.seq, target: r.target, source: r.source, transforms: [...r.transforms] }));
    this.dirty = false;
  }

  /** Makes capture `captureId` the endpoint's reference (the caller asks before replacing one). */
  async useAsReference(endpointId: number, captureId: number): Promise<MappingReference> {
    const ref = await this.api.setMappingReference(endpointId, captureId);
    if (this.endpointId === endpointId) this.reference = ref;
    return ref;
  }

  async clearReference(): Promise<void> {
    const id = this.endpointId;
    if (id === null) return;
    await this.api.clearMappingReference(id);
    if (this.endpointId === id) this.reference = null;
  }

  addRule(source = '', target = ''): void {
    this.rows.push({ key: ++this.seq, target, source, transforms: [] });
    this.dirty = true;
  }

  removeRule(key: number): void {
    this.rows = this.rows.filter((r) => r.key !== key);
    this.dirty = true;
  }

  /** Edits a rule's target or source. */
  setField(key: number, field: 'target' | 'source', value: string): void {
    const r = this.rows.find((x) => x.key === key);
    if (!r || r[field] === value) return;
    r[field] = value;
    this.dirty = true;
  }

  addTransform(key: number, op: TransformOp, value = ''): void {
    const r = this.rows.find((x) => x.key === key);
    if (!r) return;
    r.transforms.push(transform(op, value));
    this.dirty = true;
  }

  removeTransform(key: number, index: number): void {
    const r = this.rows.find((x) => x.key === key);
    if (!r) return;
    r.transforms.splice(index, 1);
    this.dirty = true;
  }

  setDefaultValue(key: number, index: number, value: string): void {
    const r = this.rows.find((x) => x.key === key);
    const t = r?.transforms[index];
    if (!r || !t || t.op !== 'default') return;
    r.transforms[index] = { op: 'default', value };
    this.dirty = true;
  }

  /** Why the rules cannot be saved, or null. */
  invalid = $derived(validateRules(this.rows));

  /** Saves the rules; rejects with the reason when they are refused. */
  async save(): Promise<void> {
    const id = this.endpointId;
    if (id === null) return;
    const problem = validateRules(this.rows);
    if (problem) throw new Error(problem);
    this.saving = true;
    try {
      const saved = await this.api.putMapping(id, toMapping(this.rows));
      if (this.endpointId === id) this.setRules(saved.rules);
    } finally {
      this.saving = false;
    }
  }

  /** Saves unsaved rules first, then shows what they make of capture `captureId`. */
  async runPreview(captureId: number): Promise<void> {
    const id = this.endpointId;
    if (id === null) return;
    if (this.dirty) await this.save();
    const p = await this.api.previewMapping(id, captureId);
    if (this.endpointId === id) {
      this.preview = p;
      this.previewFor = captureId;
    }
  }

  /** Imports an exported mapping document (its text); rejects with the reason it was refused. */
  async importText(text: string): Promise<void> {
    const id = this.endpointId;
    if (id === null) return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Error('The file is not JSON: choose a mapping exported from Hookbench');
    }
    if (!doc || typeof doc !== 'object' || !('hookbench_mapping' in doc)) {
      throw new Error('The file is not a Hookbench mapping (no "hookbench_mapping" field)');
    }
    await this.api.importMapping(id, doc);
    await this.load(id, true);
  }
}
