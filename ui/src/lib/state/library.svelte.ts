// The request builder's library (issue 5): environments (`{{env.*}}`, one of
// them active, secret values masked), steps (a logged response kept as
// `{{steps.<name>.response.*}}`), saved requests and presets. Secret values
// never reach the UI: the engine reads them as `••••••`, and the same mask
// written back keeps the stored value.

import { ApiError, type ApiClient } from '../api/client';
import type { Environment, EnvironmentInput, Preset, SavedRequest, SendBody, SendRequest, Step, StoredSend } from '../api/types';

/** What the engine shows instead of a secret value (and keeps it when written back). */
export const MASK = '••••••';

function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

function rethrowUnauthorized(e: unknown): void {
  if (e instanceof ApiError && e.isUnauthorized) throw e;
}

/** Runs a dialog's `task` with `form.busy` on; a refusal becomes `form.formError` (null is returned). */
async function submitting<T>(form: { busy: boolean; formError: string | null }, task: () => Promise<T>): Promise<T | null> {
  form.busy = true;
  form.formError = null;
  try {
    return await task();
  } catch (e) {
    rethrowUnauthorized(e);
    form.formError = message(e);
    return null;
  } finally {
    form.busy = false;
  }
}

// ---- environments -------------------------------------------------------------

/** A variable row of the editor. */
export interface VarRow {
  id: number;
  name: string;
  value: string;
  secret: boolean;
  /** The name and secrecy it was read with (null: a new row): a masked value is kept only under them. */
  orig: { name: string; secret: boolean } | null;
}

/** The environment being edited (id null: a new one). */
export interface EnvForm {
  id: number | null;
  name: string;
  vars: VarRow[];
}

let varSeq = 0;

export function varRow(name = '', value = '', secret = false): VarRow {
  return { id: ++varSeq, name, value, secret, orig: null };
}

export function envFormOf(env: Environment | null): EnvForm {
  if (!env) return { id: null, name: '', vars: [varRow()] };
  return {
    id: env.id,
    name: env.name,
    vars: env.variables.map((v) => ({
      id: ++varSeq,
      name: v.name,
      value: v.value,
      secret: v.secret ?? false,
      orig: { name: v.name, secret: v.secret ?? false },
    })),
  };
}

/** A secret's value the user has not retyped (the engine keeps the stored one). */
export function isKeptSecret(v: VarRow): boolean {
  return v.orig !== null && v.orig.secret && v.value === MASK;
}

/** Letters, digits, `_` and `-` (the engine's rule for variable and step names). */
export const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** What is wrong with the form, or null. */
export function envFormError(f: EnvForm, others: Environment[] = []): string | null {
  const name = f.name.trim();
  if (!name) return 'Give the environment a name.';
  if (others.some((e) => e.id !== f.id && e.name === name)) return `An environment named “${name}” exists already.`;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup for this check only
  const seen = new Set<string>();
  for (const v of f.vars) {
    const n = v.name.trim();
    if (!n && !v.value) continue;
    if (!n) return 'Every variable with a value needs a name.';
    if (!NAME_RE.test(n)) return `“${n}” cannot be a variable name: use letters, digits, _ and -.`;
    if (seen.has(n)) return `“${n}” is there twice.`;
    seen.add(n);
    if (isKeptSecret(v) && (n !== v.orig!.name || !v.secret)) {
      return `Type the value of “${n}” again: a secret's value is not shown, so it can only be kept under its name, as a secret.`;
    }
  }
  return null;
}

/** The body of `POST /environments` or `PUT /environments/{id}` (empty rows left out). */
export function envInputOf(f: EnvForm, active?: boolean): EnvironmentInput {
  const input: EnvironmentInput = {
    name: f.name.trim(),
    variables: f.vars
      .filter((v) => v.name.trim() !== '' || v.value !== '')
      .map((v) => ({ name: v.name.trim(), value: v.value, ...(v.secret ? { secret: true } : {}) })),
  };
  if (active !== undefined) input.active = active;
  return input;
}

/** An environment written back as it was read (its secrets as ••••••, so they keep their values). */
export function inputOfEnvironment(env: Environment, active?: boolean): EnvironmentInput {
  return {
    name: env.name,
    variables: env.variables.map((v) => ({ ...v })),
    ...(active !== undefined ? { active } : {}),
  };
}

/** The environments, which is active, and the editor dialog. */
export class EnvironmentsState {
  items = $state.raw<Environment[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  busy = $state(false);

  /** The editor dialog is open. */
  editorOpen = $state(false);
  form = $state<EnvForm>(envFormOf(null));
  formError = $state<string | null>(null);

  /** Something changed what `{{env.*}}` resolves to (the tags are fetched again). */
  version = $state(0);

  constructor(private readonly api: ApiClient) {}

  get active(): Environment | null {
    return this.items.find((e) => e.active) ?? null;
  }

  async load(): Promise<void> {
    try {
      this.items = await this.api.listEnvironments();
      this.loaded = true;
      this.error = null;
    } catch (e) {
      rethrowUnauthorized(e);
      this.error = message(e);
    }
  }

  async ensure(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  private put(env: Environment): void {
    const others = env.active ? this.items.map((x) => (x.active && x.id !== env.id ? { ...x, active: false } : x)) : this.items;
    const i = others.findIndex((x) => x.id === env.id);
    this.items = i < 0 ? [...others, env] : others.map((x) => (x.id === env.id ? env : x));
    this.version++;
  }

  /** Makes environment `id` the active one (null: none). */
  async setActive(id: number | null): Promise<void> {
    const cur = this.active;
    if ((cur?.id ?? null) === id) return;
    if (id === null) {
      if (cur) this.put(await this.api.updateEnvironment(cur.id, inputOfEnvironment(cur, false)));
      return;
    }
    const env = this.items.find((e) => e.id === id);
    if (!env) return;
    this.put(await this.api.updateEnvironment(id, inputOfEnvironment(env, true)));
  }

  /** Opens the editor on environment `id` (null: a new one; else the active or the first). */
  openEditor(id?: number | null): void {
    const pick = id === undefined ? (this.active ?? this.items[0] ?? null) : id === null ? null : (this.items.find((e) => e.id === id) ?? null);
    this.form = envFormOf(pick);
    this.formError = null;
    this.editorOpen = true;
  }

  /** Shows environment `id` in the editor (unsaved edits of the other are dropped). */
  edit(id: number | null): void {
    this.form = envFormOf(id === null ? null : (this.items.find((e) => e.id === id) ?? null));
    this.formError = null;
  }

  closeEditor(): void {
    this.editorOpen = false;
    this.formError = null;
  }

  /** Saves the editor's environment (`active`: also make it the active one); the saved one, or null. */
  async save(active?: boolean): Promise<Environment | null> {
    if (this.busy) return null;
    const bad = envFormError(this.form, this.items);
    if (bad) {
      this.formError = bad;
      return null;
    }
    return submitting(this, async () => {
      const input = envInputOf(this.form, active);
      const env = this.form.id === null ? await this.api.createEnvironment(input) : await this.api.updateEnvironment(this.form.id, input);
      this.put(env);
      this.form = envFormOf(env);
      return env;
    });
  }

  async remove(id: number): Promise<void> {
    await this.api.deleteEnvironment(id);
    this.items = this.items.filter((e) => e.id !== id);
    this.version++;
    if (this.form.id === id) this.form = envFormOf(this.active ?? this.items[0] ?? null);
  }
}

// ---- steps ------------------------------------------------------------------------

/** What is wrong with a step name, or null. */
export function stepNameError(name: string): string | null {
  const n = name.trim();
  if (!n) return 'Give the step a name.';
  if (!NAME_RE.test(n)) return 'A step name has only letters, digits, _ and -.';
  return null;
}

/** A step name for the response of `s` (its URL's last path segment, made a name). */
export function suggestStepName(s: Pick<StoredSend, 'request'> | null): string {
  const url = s?.request.url ?? '';
  // The path's last segment (no URL object: only its text is wanted).
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  const seg = path.split('/').filter(Boolean).pop() ?? '';
  const n = seg.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return n || 'step1';
}

/** A short line for a step: its status and where it came from. */
export function stepSummary(s: Step): string {
  const status = (s.response as { status?: unknown }).status;
  return `${typeof status === 'number' ? status : '—'} · from #${s.send_id}`;
}

/** The saved steps, and the "Save response as step…" dialog. */
export class StepsState {
  items = $state.raw<Step[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** The dialog is open for this logged request. */
  savingFor = $state<number | null>(null);
  name = $state('');
  formError = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly api: ApiClient) {}

  async load(): Promise<void> {
    try {
      this.items = await this.api.listSteps();
      this.loaded = true;
      this.error = null;
    } catch (e) {
      rethrowUnauthorized(e);
      this.error = message(e);
    }
  }

  async ensure(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  open(sendId: number, suggestion = ''): void {
    this.savingFor = sendId;
    this.name = suggestion;
    this.formError = null;
  }

  close(): void {
    this.savingFor = null;
    this.formError = null;
  }

  /** Saves the dialog's step; the step, or null (the reason in `formError`). */
  async save(): Promise<Step | null> {
    const id = this.savingFor;
    if (id === null || this.busy) return null;
    const bad = stepNameError(this.name);
    if (bad) {
      this.formError = bad;
      return null;
    }
    return submitting(this, async () => {
      const step = await this.api.saveStep(id, this.name.trim());
      this.items = [step, ...this.items.filter((s) => s.name !== step.name)];
      this.savingFor = null;
      return step;
    });
  }

  async remove(name: string): Promise<void> {
    await this.api.deleteStep(name);
    this.items = this.items.filter((s) => s.name !== name);
  }
}

// ---- saved requests and presets -------------------------------------------------------

/**
 * The request a saved request keeps: what the builder sends, without the
 * context (the open capture, env overrides, environment) or dry run.
 */
export function savedRequestOf(body: SendBody): SendBody {
  const req = { ...body };
  delete req.dry_run;
  delete req.capture_id;
  delete req.endpoint_id;
  delete req.contact;
  delete req.env;
  delete req.environment;
  return req;
}

/** The saved requests, which one the builder holds, the Save as… dialog, and the presets. */
export class LibraryState {
  saved = $state.raw<SavedRequest[]>([]);
  presets = $state.raw<Preset[]>([]);
  loaded = $state(false);
  presetsLoaded = $state(false);
  error = $state<string | null>(null);
  /** The saved request the builder was opened from (or last saved as). */
  currentId = $state<number | null>(null);
  /** The Save as… dialog is open. */
  saveAsOpen = $state(false);
  saveAsName = $state('');
  formError = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly api: ApiClient) {}

  get current(): SavedRequest | null {
    return this.saved.find((s) => s.id === this.currentId) ?? null;
  }

  async load(): Promise<void> {
    try {
      this.saved = await this.api.listSavedRequests();
      this.loaded = true;
      this.error = null;
    } catch (e) {
      rethrowUnauthorized(e);
      this.error = message(e);
    }
  }

  async loadPresets(): Promise<void> {
    if (this.presetsLoaded) return;
    try {
      this.presets = await this.api.listPresets();
      this.presetsLoaded = true;
    } catch (e) {
      rethrowUnauthorized(e);
      this.error = message(e);
    }
  }

  async ensure(): Promise<void> {
    if (!this.loaded) await this.load();
    await this.loadPresets();
  }

  openSaveAs(suggestion: string): void {
    this.saveAsName = suggestion;
    this.formError = null;
    this.saveAsOpen = true;
  }

  closeSaveAs(): void {
    this.saveAsOpen = false;
    this.formError = null;
  }

  private put(s: SavedRequest): void {
    const i = this.saved.findIndex((x) => x.id === s.id);
    this.saved = i < 0 ? [...this.saved, s] : this.saved.map((x) => (x.id === s.id ? s : x));
    this.currentId = s.id;
  }

  /** Saves `body` over the current saved request (no current one: null, ask for a name). */
  async save(body: SendBody): Promise<SavedRequest | null> {
    const cur = this.current;
    if (!cur || this.busy) return null;
    this.busy = true;
    try {
      const s = await this.api.updateSavedRequest(cur.id, cur.name, savedRequestOf(body));
      this.put(s);
      return s;
    } finally {
      this.busy = false;
    }
  }

  /** Saves `body` under the dialog's name, as a new saved request; null when refused (see `formError`). */
  async saveAs(body: SendBody): Promise<SavedRequest | null> {
    if (this.busy) return null;
    const name = this.saveAsName.trim();
    if (!name) {
      this.formError = 'Give the request a name.';
      return null;
    }
    return submitting(this, async () => {
      const same = this.saved.find((s) => s.name === name);
      const s = same
        ? await this.api.updateSavedRequest(same.id, name, savedRequestOf(body))
        : await this.api.createSavedRequest(name, savedRequestOf(body));
      this.put(s);
      this.saveAsOpen = false;
      return s;
    });
  }

  async remove(id: number): Promise<void> {
    await this.api.deleteSavedRequest(id);
    this.saved = this.saved.filter((s) => s.id !== id);
    if (this.currentId === id) this.currentId = null;
  }

  /** The request of saved request `id` (it becomes the current one). */
  open(id: number): SendRequest | null {
    const s = this.saved.find((x) => x.id === id);
    if (!s) return null;
    this.currentId = id;
    return s.request;
  }
}
